//! JoinGroup: v0–9. The answer waits for the rebalance to complete (see
//! `crate::group`). v4+ members without an id first get MEMBER_ID_REQUIRED
//! with one to retry with; static members (v5+ group.instance.id) never do.

use kctl_client::protocol::messages::join_group_response::JoinGroupResponseMember;
use kctl_client::protocol::messages::{JoinGroupRequest, JoinGroupResponse};

use super::{RequestContext, str_bytes};
use crate::group::JoinRequest;
use crate::state::BrokerState;

pub(super) async fn handle(
    state: &BrokerState,
    ctx: &RequestContext,
    request: JoinGroupRequest,
    version: i16,
) -> Option<JoinGroupResponse> {
    if let Some(error) = super::group_coordinator_error(state, request.group_id.0.as_str()) {
        return Some(
            JoinGroupResponse::default()
                .with_error_code(error.code())
                .with_generation_id(-1)
                .with_protocol_name((version < 7).then(|| str_bytes("")))
                .with_member_id(request.member_id.clone()),
        );
    }
    // A group id has one type: a share group's id is not a classic group's.
    if state.shares.exists(request.group_id.0.as_str()) {
        return Some(
            JoinGroupResponse::default()
                .with_error_code(kctl_client::protocol::ErrorCode::InconsistentGroupProtocol.code())
                .with_generation_id(-1)
                .with_member_id(request.member_id),
        );
    }
    let join = JoinRequest {
        group_id: request.group_id.0.to_string(),
        member_id: request.member_id.to_string(),
        instance_id: request.group_instance_id.map(|s| s.to_string()),
        client_id: ctx.client_id.clone(),
        client_host: ctx.client_host(),
        session_timeout_ms: request.session_timeout_ms,
        // v0 has no rebalance timeout; Kafka uses the session timeout.
        rebalance_timeout_ms: if version >= 1 {
            request.rebalance_timeout_ms
        } else {
            request.session_timeout_ms
        },
        protocol_type: request.protocol_type.to_string(),
        protocols: request
            .protocols
            .into_iter()
            .map(|p| (p.name.to_string(), p.metadata))
            .collect(),
        require_known_member_id: version >= 4,
        supports_skip_assignment: version >= 9,
        all_topics: state
            .topics()
            .iter()
            .map(|t| (t.name.clone(), t.partition_count()))
            .collect(),
    };
    let joined = state.groups.join(join).await;
    let members = joined
        .members
        .into_iter()
        .map(|m| {
            JoinGroupResponseMember::default()
                .with_member_id(str_bytes(m.member_id))
                .with_group_instance_id(m.instance_id.filter(|_| version >= 5).map(str_bytes))
                .with_metadata(m.metadata)
        })
        .collect();
    // Before v7 the protocol name is not nullable: Kafka sends "" instead.
    let protocol_name = match joined.protocol_name {
        Some(name) => Some(str_bytes(name)),
        None if version < 7 => Some(str_bytes("")),
        None => None,
    };
    Some(
        JoinGroupResponse::default()
            .with_error_code(joined.error.map_or(0, |e| e.code()))
            .with_generation_id(joined.generation)
            .with_protocol_type(joined.protocol_type.filter(|_| version >= 7).map(str_bytes))
            .with_protocol_name(protocol_name)
            .with_leader(str_bytes(joined.leader))
            .with_skip_assignment(joined.skip_assignment && version >= 9)
            .with_member_id(str_bytes(joined.member_id))
            .with_members(members),
    )
}
