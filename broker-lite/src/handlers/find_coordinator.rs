//! FindCoordinator: v0–6. A single broker coordinates every group (key
//! type 0) and every transactional id (key type 1). In a cluster a group's
//! coordinator is the leader of its `__consumer_offsets` partition, as in
//! Kafka (`cluster::coordinator_log`), and COORDINATOR_NOT_AVAILABLE is the
//! answer while that partition has no leader (or the topic is being
//! created). A transactional id's coordinator is the leader of its
//! `__transaction_state` partition (`cluster::txn_log`), likewise.
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

pub(super) async fn handle(
    state: &BrokerState,
    request: FindCoordinatorRequest,
    version: i16,
) -> FindCoordinatorResponse {
    if version >= 4 {
        let mut coordinators = Vec::with_capacity(request.coordinator_keys.len());
        for key in request.coordinator_keys {
            let found = Coordinator::default().with_key(key.clone());
            coordinators.push(
                match coordinator(state, request.key_type, key.as_str()).await {
                    Ok((id, host, port)) => found
                        .with_node_id(id)
                        .with_host(str_bytes(host))
                        .with_port(i32::from(port)),
                    Err((e, message)) => found
                        .with_node_id(BrokerId(-1))
                        .with_port(-1)
                        .with_error_code(e.code())
                        .with_error_message(Some(str_bytes(message))),
                },
            );
        }
        return FindCoordinatorResponse::default().with_coordinators(coordinators);
    }
    match coordinator(state, request.key_type, request.key.as_str()).await {
        Ok((id, host, port)) => FindCoordinatorResponse::default()
            .with_node_id(id)
            .with_host(str_bytes(host))
            .with_port(i32::from(port))
            .with_error_message(None),
        Err((e, message)) => FindCoordinatorResponse::default()
            .with_error_code(e.code())
            .with_node_id(BrokerId(-1))
            .with_host(StrBytes::default())
            .with_port(-1)
            .with_error_message((version >= 1).then(|| str_bytes(message))),
    }
}

/// The coordinator of `key`: this broker, or in a cluster the leader of the
/// group's `__consumer_offsets` partition (a group) or of the id's
/// `__transaction_state` partition (a transactional id).
async fn coordinator(
    state: &BrokerState,
    key_type: i8,
    key: &str,
) -> Result<(BrokerId, String, u16), (ErrorCode, String)> {
    if key_type != GROUP && key_type != TRANSACTION {
        return Err((
            ErrorCode::InvalidRequest,
            format!("unknown key type {key_type}"),
        ));
    }
    if let Some(node) = &state.cluster {
        let id = if key_type == GROUP {
            crate::cluster::coordinator_log::find_group_coordinator(state, node, key)
                .await
                .map_err(|e| (e, "The coordinator is not available.".to_owned()))?
        } else {
            crate::cluster::txn_log::find_txn_coordinator(state, node, key)
                .await
                .map_err(|e| (e, "The coordinator is not available.".to_owned()))?
        };
        let image = node.image();
        if let Some(b) = image.brokers.get(&id) {
            return Ok((BrokerId(id), b.host.clone(), b.port));
        }
        return Err((
            ErrorCode::CoordinatorNotAvailable,
            "The coordinator is not available.".to_owned(),
        ));
    }
    let (host, port) = &state.advertised;
    Ok((super::node(state), host.clone(), *port))
}
