//! FindCoordinator: v0–6. A single broker coordinates every group (key
//! type 0) and every transactional id (key type 1). In a cluster every node
//! names the same coordinator, the lowest live node id, so all members of a
//! group meet on one node; its group and transaction state is not
//! replicated (see docs/architecture.md, "A local cluster").
//! v4+ batches keys and answers each separately.

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::StrBytes;
use kctl_client::protocol::messages::find_coordinator_response::Coordinator;
use kctl_client::protocol::messages::{FindCoordinatorRequest, FindCoordinatorResponse};

use kctl_client::protocol::messages::BrokerId;

use super::str_bytes;
use crate::state::BrokerState;

const GROUP: i8 = 0;
const TRANSACTION: i8 = 1;

pub(super) fn handle(
    state: &BrokerState,
    request: FindCoordinatorRequest,
    version: i16,
) -> FindCoordinatorResponse {
    let error = match request.key_type {
        GROUP | TRANSACTION => None,
        _ => Some(ErrorCode::InvalidRequest),
    };
    let (coordinator, host, port) = coordinator(state);
    let (host, port) = (&host, &port);
    let node = |_: &BrokerState| coordinator;
    if version >= 4 {
        let coordinators = request
            .coordinator_keys
            .into_iter()
            .map(|key| {
                let found = Coordinator::default().with_key(key);
                match error {
                    None => found
                        .with_node_id(node(state))
                        .with_host(str_bytes(host.clone()))
                        .with_port(i32::from(*port)),
                    Some(e) => found
                        .with_node_id(kctl_client::protocol::messages::BrokerId(-1))
                        .with_port(-1)
                        .with_error_code(e.code())
                        .with_error_message(Some(str_bytes(format!(
                            "unknown key type {}",
                            request.key_type
                        )))),
                }
            })
            .collect();
        return FindCoordinatorResponse::default().with_coordinators(coordinators);
    }
    match error {
        None => FindCoordinatorResponse::default()
            .with_node_id(node(state))
            .with_host(str_bytes(host.clone()))
            .with_port(i32::from(*port))
            .with_error_message(None),
        Some(e) => FindCoordinatorResponse::default()
            .with_error_code(e.code())
            .with_node_id(kctl_client::protocol::messages::BrokerId(-1))
            .with_host(StrBytes::default())
            .with_port(-1)
            .with_error_message((version >= 1).then(|| str_bytes("unknown key type"))),
    }
}

/// This broker, or in a cluster the lowest live node.
fn coordinator(state: &BrokerState) -> (BrokerId, String, u16) {
    if let Some(node) = &state.cluster {
        let image = node.image();
        if let Some((id, b)) = image.live_brokers().next() {
            return (BrokerId(id), b.host.clone(), b.port);
        }
    }
    let (host, port) = &state.advertised;
    (super::node(state), host.clone(), *port)
}
