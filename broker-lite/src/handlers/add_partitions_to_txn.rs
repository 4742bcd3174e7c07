//! AddPartitionsToTxn: v0–3, the client's form (one transaction per
//! request). v4+ is the broker-to-broker batched form of KIP-890, which a
//! single broker never sends, and is not offered.
//!
//! As in Kafka, unknown partitions fail the whole request: they get
//! UNKNOWN_TOPIC_OR_PARTITION and the others OPERATION_NOT_ATTEMPTED.

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::messages::add_partitions_to_txn_response::{
    AddPartitionsToTxnPartitionResult, AddPartitionsToTxnTopicResult,
};
use kctl_client::protocol::messages::{AddPartitionsToTxnRequest, AddPartitionsToTxnResponse};

use crate::state::BrokerState;

/// PRODUCER_FENCED replaces INVALID_PRODUCER_EPOCH from v2 (KIP-588).
const PRODUCER_FENCED_MIN_VERSION: i16 = 2;

pub(super) fn handle(
    state: &BrokerState,
    request: AddPartitionsToTxnRequest,
    version: i16,
) -> AddPartitionsToTxnResponse {
    let id = request.v3_and_below_transactional_id.0.as_str();
    let requested: Vec<(String, i32)> = request
        .v3_and_below_topics
        .iter()
        .flat_map(|t| t.partitions.iter().map(|&p| (t.name.0.to_string(), p)))
        .collect();
    let unknown = |(topic, index): &(String, i32)| {
        state
            .topic(topic)
            .and_then(|t| t.partition(*index))
            .is_none()
    };
    let outcome: Box<dyn Fn(&(String, i32)) -> i16> = if requested.iter().any(unknown) {
        Box::new(move |tp| {
            if unknown(tp) {
                ErrorCode::UnknownTopicOrPartition.code()
            } else {
                ErrorCode::OperationNotAttempted.code()
            }
        })
    } else {
        match state.txns.add(
            id,
            request.v3_and_below_producer_id.0,
            request.v3_and_below_producer_epoch,
            &requested,
            None,
        ) {
            Ok(()) => Box::new(|_| 0),
            Err(e) => {
                tracing::debug!(transactional_id = id, "AddPartitionsToTxn refused: {e}");
                let code = e.code(version, PRODUCER_FENCED_MIN_VERSION).code();
                Box::new(move |_| code)
            }
        }
    };
    let results = request
        .v3_and_below_topics
        .iter()
        .map(|t| {
            let name = t.name.0.to_string();
            AddPartitionsToTxnTopicResult::default()
                .with_name(t.name.clone())
                .with_results_by_partition(
                    t.partitions
                        .iter()
                        .map(|&p| {
                            AddPartitionsToTxnPartitionResult::default()
                                .with_partition_index(p)
                                .with_partition_error_code(outcome(&(name.clone(), p)))
                        })
                        .collect(),
                )
        })
        .collect();
    AddPartitionsToTxnResponse::default().with_results_by_topic_v3_and_below(results)
}
