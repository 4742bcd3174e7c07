//! EndTxn: v0–5. Commits or aborts: the decision is logged, markers go to
//! every partition of the transaction, and on commit its offsets become
//! visible. v5 is transactions v2 (KIP-890): the epoch is bumped with the
//! decision and the answer carries the producer id and epoch to go on with.

use kctl_client::protocol::messages::{EndTxnRequest, EndTxnResponse, ProducerId};

use crate::state::BrokerState;
use crate::txn::TxnVersion;

/// PRODUCER_FENCED replaces INVALID_PRODUCER_EPOCH from v2 (KIP-588).
const PRODUCER_FENCED_MIN_VERSION: i16 = 2;
/// The first EndTxn of transactions v2 (Kafka's `clientTransactionVersion`
/// is TV_2 from this version).
const TRANSACTIONS_V2_MIN_VERSION: i16 = 5;

pub(super) fn handle(state: &BrokerState, request: EndTxnRequest, version: i16) -> EndTxnResponse {
    if let Some(code) = crate::cluster::txn_channel::refuse_unless_coordinator(
        state,
        request.transactional_id.0.as_str(),
    ) {
        return EndTxnResponse::default().with_error_code(code.code());
    }
    let id = request.transactional_id.0.as_str();
    let protocol = if version >= TRANSACTIONS_V2_MIN_VERSION {
        TxnVersion::V2
    } else {
        TxnVersion::V1
    };
    let result = state.txns.end(
        state,
        id,
        request.producer_id.0,
        request.producer_epoch,
        request.committed,
        protocol,
    );
    match result {
        // v0–4 have no producer id and epoch fields; they are not encoded.
        Ok((producer_id, epoch)) => EndTxnResponse::default()
            .with_producer_id(ProducerId(producer_id))
            .with_producer_epoch(epoch),
        Err(e) => {
            tracing::debug!(transactional_id = id, "EndTxn refused: {e}");
            EndTxnResponse::default()
                .with_error_code(e.code(version, PRODUCER_FENCED_MIN_VERSION).code())
        }
    }
}
