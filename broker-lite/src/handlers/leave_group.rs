//! LeaveGroup: v0–5. v3+ names several members (by member id or, for static
//! members, group instance id) and answers each; before that one member
//! leaves and its result is the top-level error.

use kctl_client::protocol::messages::leave_group_response::MemberResponse;
use kctl_client::protocol::messages::{LeaveGroupRequest, LeaveGroupResponse};

use super::str_bytes;
use crate::state::BrokerState;

pub(super) async fn handle(
    state: &BrokerState,
    request: LeaveGroupRequest,
    version: i16,
) -> Option<LeaveGroupResponse> {
    let group_id = request.group_id.0.as_str();
    if let Some(error) = super::group_coordinator_error(state, group_id) {
        return Some(LeaveGroupResponse::default().with_error_code(error.code()));
    }
    if version < 3 {
        let leaving = [(request.member_id.to_string(), None)];
        let results = state.groups.leave(group_id, &leaving).await;
        let error = results.first().copied().flatten();
        return Some(LeaveGroupResponse::default().with_error_code(error.map_or(0, |e| e.code())));
    }
    let leaving: Vec<(String, Option<String>)> = request
        .members
        .iter()
        .map(|m| {
            (
                m.member_id.to_string(),
                m.group_instance_id.as_ref().map(|s| s.to_string()),
            )
        })
        .collect();
    let results = state.groups.leave(group_id, &leaving).await;
    let members = leaving
        .into_iter()
        .zip(results)
        .map(|((member_id, instance_id), error)| {
            MemberResponse::default()
                .with_member_id(str_bytes(member_id))
                .with_group_instance_id(instance_id.map(str_bytes))
                .with_error_code(error.map_or(0, |e| e.code()))
        })
        .collect();
    Some(LeaveGroupResponse::default().with_members(members))
}
