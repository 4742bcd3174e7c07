//! SyncGroup: v0–5. The leader hands in the assignment; everyone waits for
//! it. For the consumer protocol a member left out gets a valid empty
//! assignment, never zero bytes (see `kctl_client::protocol::consumer_protocol`).

use kctl_client::protocol::messages::{SyncGroupRequest, SyncGroupResponse};

use super::str_bytes;
use crate::group::SyncRequest;
use crate::state::BrokerState;

pub(super) async fn handle(
    state: &BrokerState,
    request: SyncGroupRequest,
    version: i16,
) -> Option<SyncGroupResponse> {
    if let Some(error) = super::group_coordinator_error(state, request.group_id.0.as_str()) {
        return Some(SyncGroupResponse::default().with_error_code(error.code()));
    }
    let sync = SyncRequest {
        group_id: request.group_id.0.to_string(),
        generation: request.generation_id,
        member_id: request.member_id.to_string(),
        instance_id: request.group_instance_id.map(|s| s.to_string()),
        protocol_type: request.protocol_type.map(|s| s.to_string()),
        protocol_name: request.protocol_name.map(|s| s.to_string()),
        assignments: request
            .assignments
            .into_iter()
            .map(|a| (a.member_id.to_string(), a.assignment))
            .collect(),
    };
    let synced = state.groups.sync(sync).await;
    let mut response = SyncGroupResponse::default()
        .with_error_code(synced.error.map_or(0, |e| e.code()))
        .with_assignment(synced.assignment);
    if version >= 5 {
        response = response
            .with_protocol_type(synced.protocol_type.map(str_bytes))
            .with_protocol_name(synced.protocol_name.map(str_bytes));
    }
    Some(response)
}
