//! AddOffsetsToTxn: v0–3. Adds a consumer group to the transaction, so its
//! TxnOffsetCommits are applied when the transaction commits.

use kctl_client::protocol::messages::{AddOffsetsToTxnRequest, AddOffsetsToTxnResponse};

use crate::state::BrokerState;

/// PRODUCER_FENCED replaces INVALID_PRODUCER_EPOCH from v2 (KIP-588).
const PRODUCER_FENCED_MIN_VERSION: i16 = 2;

pub(super) fn handle(
    state: &BrokerState,
    request: AddOffsetsToTxnRequest,
    version: i16,
) -> AddOffsetsToTxnResponse {
    if let Some(code) = crate::cluster::txn_channel::refuse_unless_coordinator(
        state,
        request.transactional_id.0.as_str(),
    ) {
        return AddOffsetsToTxnResponse::default().with_error_code(code.code());
    }
    let id = request.transactional_id.0.as_str();
    let result = state.txns.add(
        id,
        request.producer_id.0,
        request.producer_epoch,
        &[],
        Some(request.group_id.0.as_str()),
    );
    match result {
        Ok(()) => AddOffsetsToTxnResponse::default(),
        Err(e) => {
            tracing::debug!(transactional_id = id, "AddOffsetsToTxn refused: {e}");
            AddOffsetsToTxnResponse::default()
                .with_error_code(e.code(version, PRODUCER_FENCED_MIN_VERSION).code())
        }
    }
}
