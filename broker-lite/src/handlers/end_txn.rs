//! EndTxn: v0–3. Commits or aborts: the decision is logged, markers go to
//! every partition of the transaction, and on commit its offsets become
//! visible.

use kctl_client::protocol::messages::{EndTxnRequest, EndTxnResponse};

use crate::state::BrokerState;

/// PRODUCER_FENCED replaces INVALID_PRODUCER_EPOCH from v2 (KIP-588).
const PRODUCER_FENCED_MIN_VERSION: i16 = 2;

pub(super) fn handle(state: &BrokerState, request: EndTxnRequest, version: i16) -> EndTxnResponse {
    let id = request.transactional_id.0.as_str();
    let result = state.txns.end(
        state,
        id,
        request.producer_id.0,
        request.producer_epoch,
        request.committed,
    );
    // The producer id and epoch fields (v5, transactions v2) keep their
    // defaults of -1: this broker finalizes transactions v1.
    match result {
        Ok(()) => EndTxnResponse::default(),
        Err(e) => {
            tracing::debug!(transactional_id = id, "EndTxn refused: {e}");
            EndTxnResponse::default()
                .with_error_code(e.code(version, PRODUCER_FENCED_MIN_VERSION).code())
        }
    }
}
