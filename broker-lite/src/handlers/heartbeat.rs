//! Heartbeat: v0–4. Keeps a member's session alive, and is how members learn
//! that a rebalance started (REBALANCE_IN_PROGRESS).

use kctl_client::protocol::messages::{HeartbeatRequest, HeartbeatResponse};

use crate::state::BrokerState;

pub(super) fn handle(
    state: &BrokerState,
    request: HeartbeatRequest,
    _version: i16,
) -> HeartbeatResponse {
    if let Some(error) = super::group_coordinator_error(state, request.group_id.0.as_str()) {
        return HeartbeatResponse::default().with_error_code(error.code());
    }
    let error = state.groups.heartbeat(
        request.group_id.0.as_str(),
        request.generation_id,
        request.member_id.as_str(),
        request.group_instance_id.as_ref().map(|s| s.as_str()),
    );
    HeartbeatResponse::default().with_error_code(error.map_or(0, |e| e.code()))
}
