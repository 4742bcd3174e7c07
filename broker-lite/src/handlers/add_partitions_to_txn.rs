//! AddPartitionsToTxn: v0–3, the client's form (one transaction per
//! request). v4 is the broker-to-broker batched form of KIP-890: on a
//! cluster a partition leader (or group coordinator) verifies a
//! transactional Produce (TxnOffsetCommit) with the coordinator through it
//! (`cluster::txn_channel`). It is accepted only from cluster nodes and
//! not offered in ApiVersions, so clients keep to v3.
//!
//! As in Kafka, unknown partitions fail the whole request: they get
//! UNKNOWN_TOPIC_OR_PARTITION and the others OPERATION_NOT_ATTEMPTED.

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::messages::add_partitions_to_txn_request::AddPartitionsToTxnTopic;
use kctl_client::protocol::messages::add_partitions_to_txn_response::{
    AddPartitionsToTxnPartitionResult, AddPartitionsToTxnResult, AddPartitionsToTxnTopicResult,
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
    if let Some(code) = crate::cluster::txn_channel::refuse_unless_coordinator(
        state,
        request.v3_and_below_transactional_id.0.as_str(),
    ) {
        return refuse_all(&request, code);
    }
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
    let any_unknown = requested.iter().any(unknown);
    let added: i16 = if any_unknown {
        0
    } else {
        match state.txns.add(
            id,
            request.v3_and_below_producer_id.0,
            request.v3_and_below_producer_epoch,
            &requested,
            None,
        ) {
            Ok(()) => 0,
            Err(e) => {
                tracing::debug!(transactional_id = id, "AddPartitionsToTxn refused: {e}");
                e.code(version, PRODUCER_FENCED_MIN_VERSION).code()
            }
        }
    };
    let outcome = |tp: &(String, i32)| match (any_unknown, unknown(tp)) {
        (false, _) => added,
        (true, true) => ErrorCode::UnknownTopicOrPartition.code(),
        (true, false) => ErrorCode::OperationNotAttempted.code(),
    };
    let results = topic_results(&request.v3_and_below_topics, outcome);
    AddPartitionsToTxnResponse::default().with_results_by_topic_v3_and_below(results)
}

pub(super) fn refuse_all(
    request: &AddPartitionsToTxnRequest,
    code: ErrorCode,
) -> AddPartitionsToTxnResponse {
    AddPartitionsToTxnResponse::default()
        .with_results_by_topic_v3_and_below(topic_results(&request.v3_and_below_topics, |_| {
            code.code()
        }))
}

/// v4, from another node: each transaction's partitions verified (or, with
/// `verify_only` false, added) by this coordinator.
pub(super) fn handle_from_broker(
    state: &BrokerState,
    request: AddPartitionsToTxnRequest,
) -> AddPartitionsToTxnResponse {
    let results = request
        .transactions
        .iter()
        .map(|txn| {
            let partitions: Vec<(String, i32)> = txn
                .topics
                .iter()
                .flat_map(|t| t.partitions.iter().map(|&p| (t.name.0.to_string(), p)))
                .collect();
            let id = txn.transactional_id.0.as_str();
            let codes = match crate::cluster::txn_channel::refuse_unless_coordinator(state, id) {
                Some(code) => Err(code),
                None => state.txns.verify_partitions(
                    id,
                    txn.producer_id.0,
                    txn.producer_epoch,
                    &partitions,
                    txn.verify_only,
                ),
            };
            let code_of = |tp: &(String, i32)| match &codes {
                Ok(codes) => codes
                    .iter()
                    .find(|(p, _)| p == tp)
                    .map_or(ErrorCode::InvalidTxnState.code(), |(_, c)| *c),
                Err(code) => code.code(),
            };
            AddPartitionsToTxnResult::default()
                .with_transactional_id(txn.transactional_id.clone())
                .with_topic_results(topic_results(&txn.topics, code_of))
        })
        .collect();
    AddPartitionsToTxnResponse::default().with_results_by_transaction(results)
}

/// Each partition of `topics` answered with `code_of((topic, partition))`.
fn topic_results(
    topics: &[AddPartitionsToTxnTopic],
    code_of: impl Fn(&(String, i32)) -> i16,
) -> Vec<AddPartitionsToTxnTopicResult> {
    topics
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
                                .with_partition_error_code(code_of(&(name.clone(), p)))
                        })
                        .collect(),
                )
        })
        .collect()
}
