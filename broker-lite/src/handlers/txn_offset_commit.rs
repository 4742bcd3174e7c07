//! TxnOffsetCommit: v0–5. Offsets committed inside a transaction: checked
//! against the group (v3 carries the member, KIP-447) and held by the
//! transaction coordinator until the transaction commits; an abort drops
//! them. v5 is transactions v2 (KIP-890): the group joins the transaction
//! here, with no AddOffsetsToTxn before.
//!
//! On a cluster this node is the group's coordinator. The group's
//! `__consumer_offsets` partition is verified with (v5: added to) the
//! transaction at its coordinator — here or on another node — and the
//! offsets are written to that partition as a transactional batch and
//! held until the transaction's marker for the partition decides them
//! (`cluster::txn_channel`), as Kafka's group coordinator does. Even when
//! this node coordinates both, the offsets must live in the group's
//! partition: after a failover the two can be led by different nodes.

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::messages::txn_offset_commit_response::{
    TxnOffsetCommitResponsePartition, TxnOffsetCommitResponseTopic,
};
use kctl_client::protocol::messages::{TxnOffsetCommitRequest, TxnOffsetCommitResponse};

use crate::state::{BrokerState, now_ms};
use crate::txn::{PendingOffset, TxnVersion};

/// PRODUCER_FENCED replaces INVALID_PRODUCER_EPOCH from v3 (KIP-588).
const PRODUCER_FENCED_MIN_VERSION: i16 = 3;
/// The first TxnOffsetCommit of transactions v2.
const TRANSACTIONS_V2_MIN_VERSION: i16 = 5;

/// The group's `__consumer_offsets` partition verified with (`add`: added
/// to) the transaction this node coordinates, as a remote group
/// coordinator's AddPartitionsToTxn v4 would have it; an addition is
/// replicated before the offsets are written.
async fn verify_here(
    state: &BrokerState,
    id: &str,
    request: &TxnOffsetCommitRequest,
    tp: &(String, i32),
    add: bool,
) -> Result<(), ErrorCode> {
    let answers = state.txns.verify_partitions(
        id,
        request.producer_id.0,
        request.producer_epoch,
        std::slice::from_ref(tp),
        !add,
    )?;
    match answers.iter().find(|(p, _)| p == tp).map(|(_, code)| *code) {
        Some(0) if add => super::txn_replicated(state, Some(id)).await,
        Some(0) => Ok(()),
        Some(code) => Err(ErrorCode::try_from_code(code).unwrap_or(ErrorCode::InvalidTxnState)),
        None => Err(ErrorCode::InvalidTxnState),
    }
}

pub(super) async fn handle(
    state: &BrokerState,
    request: TxnOffsetCommitRequest,
    version: i16,
) -> TxnOffsetCommitResponse {
    let id = request.transactional_id.0.as_str();
    let group = request.group_id.0.as_str();
    let max_metadata = state.config.group.offset_metadata_max_bytes;
    let mut too_large = Vec::new();
    let mut offsets = Vec::new();
    let now = now_ms();
    for t in &request.topics {
        for p in &t.partitions {
            let metadata = p.committed_metadata.as_ref().map(|m| m.to_string());
            if metadata.as_ref().is_some_and(|m| m.len() > max_metadata) {
                too_large.push((t.name.0.to_string(), p.partition_index));
                continue;
            }
            offsets.push(PendingOffset {
                group: group.to_owned(),
                topic: t.name.0.to_string(),
                partition: p.partition_index,
                offset: p.committed_offset,
                leader_epoch: p.committed_leader_epoch,
                metadata,
                commit_timestamp_ms: now,
            });
        }
    }
    let instance_id = request.group_instance_id.as_ref().map(|i| i.as_str());
    let outcome = state
        .groups
        .validate_txn_commit(
            group,
            request.generation_id,
            request.member_id.as_str(),
            instance_id,
        )
        .map_err(|code| code.code());
    let remote = match (&state.cluster, &outcome) {
        (Some(node), Ok(())) => Some(node),
        _ => None,
    };
    let outcome = match remote {
        Some(node) => {
            let tp = crate::cluster::txn_channel::offsets_partition(group);
            let add = version >= TRANSACTIONS_V2_MIN_VERSION;
            let verified =
                if crate::cluster::txn_channel::refuse_unless_coordinator(state, id).is_none() {
                    verify_here(state, id, &request, &tp, add).await
                } else {
                    crate::cluster::txn_channel::verify_with_coordinator(
                        node,
                        id,
                        request.producer_id.0,
                        request.producer_epoch,
                        std::slice::from_ref(&tp),
                        add,
                    )
                    .await
                    .get(&tp)
                    .copied()
                    .unwrap_or(Err(ErrorCode::NotEnoughReplicas))
                };
            match verified {
                // Written to the group's partition as a transactional
                // batch (replicated before the answer), and held until the
                // marker decides them.
                Ok(()) => match crate::cluster::coordinator_log::append_txn_offsets(
                    state,
                    node,
                    request.producer_id.0,
                    request.producer_epoch,
                    &offsets,
                ) {
                    Ok(replication) => {
                        node.txn.hold_offsets(request.producer_id.0, offsets);
                        replication.await.map_err(|code| code.code())
                    }
                    Err(code) => Err(code.code()),
                },
                // TxnOffsetCommit's retriable answer while the coordinator
                // cannot be asked or the last transaction is completing.
                Err(ErrorCode::NotEnoughReplicas) => {
                    Err(ErrorCode::CoordinatorLoadInProgress.code())
                }
                Err(ErrorCode::InvalidProducerEpoch) if version >= PRODUCER_FENCED_MIN_VERSION => {
                    Err(ErrorCode::ProducerFenced.code())
                }
                Err(code) => Err(code.code()),
            }
        }
        None => outcome.and_then(|()| {
            state
                .txns
                .add_offsets(
                    id,
                    request.producer_id.0,
                    request.producer_epoch,
                    if version >= TRANSACTIONS_V2_MIN_VERSION {
                        TxnVersion::V2
                    } else {
                        TxnVersion::V1
                    },
                    offsets,
                )
                .map_err(|e| {
                    tracing::debug!(transactional_id = id, group, "TxnOffsetCommit refused: {e}");
                    e.code(version, PRODUCER_FENCED_MIN_VERSION).code()
                })
        }),
    };
    // Held in the coordinator's metadata: answered once replicated.
    let outcome = match (outcome, remote) {
        (Ok(()), None) => super::txn_replicated(state, Some(id))
            .await
            .map_err(|code| code.code()),
        (outcome, _) => outcome,
    };
    let code_for = |topic: &str, partition: i32| match &outcome {
        _ if too_large.iter().any(|(t, p)| t == topic && *p == partition) => {
            ErrorCode::OffsetMetadataTooLarge.code()
        }
        Ok(()) => 0,
        Err(code) => *code,
    };
    let topics = request
        .topics
        .iter()
        .map(|t| {
            TxnOffsetCommitResponseTopic::default()
                .with_name(t.name.clone())
                .with_partitions(
                    t.partitions
                        .iter()
                        .map(|p| {
                            TxnOffsetCommitResponsePartition::default()
                                .with_partition_index(p.partition_index)
                                .with_error_code(code_for(t.name.0.as_str(), p.partition_index))
                        })
                        .collect(),
                )
        })
        .collect();
    TxnOffsetCommitResponse::default().with_topics(topics)
}
