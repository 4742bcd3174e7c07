//! OffsetFetch: v1–9; v8+ asks for several groups at once. No topics (null)
//! means every partition the group has committed; a partition without a
//! commit answers offset -1 and empty metadata. With `require_stable`
//! (v7+, KIP-447) a partition whose offset an undecided transaction holds
//! (TxnOffsetCommit before EndTxn) answers UNSTABLE_OFFSET_COMMIT, which
//! the consumer retries, so it never starts from an offset about to move.
//! v9+ carries the asking member's id and epoch (KIP-848): a
//! consumer-protocol group answers a stranger UNKNOWN_MEMBER_ID and an old
//! epoch STALE_MEMBER_EPOCH, for the whole group, as Kafka's
//! `validateOffsetFetch`; without them (admin tools) anyone may read.

use kctl_client::protocol::messages::offset_fetch_response::{
    OffsetFetchResponseGroup, OffsetFetchResponsePartition, OffsetFetchResponsePartitions,
    OffsetFetchResponseTopic, OffsetFetchResponseTopics,
};
use kctl_client::protocol::messages::{OffsetFetchRequest, OffsetFetchResponse, TopicName};

use kctl_client::protocol::ErrorCode;

use super::str_bytes;
use crate::group::TopicOffsets;
use crate::state::BrokerState;

/// OffsetFetch v9 adds the member id and epoch (KIP-848).
const OFFSET_FETCH_MEMBER_VERSION: i16 = 9;

pub(super) fn handle(
    state: &BrokerState,
    request: OffsetFetchRequest,
    version: i16,
) -> OffsetFetchResponse {
    let require_stable = request.require_stable;
    let unstable = |group: &str| -> Vec<(String, i32)> {
        if require_stable {
            let mut pending = state.txns.pending_offsets_of(group);
            if let Some(node) = &state.cluster {
                // Held here for a transaction coordinated on another node.
                pending.extend(node.txn.held_offsets_of(group));
            }
            pending
        } else {
            Vec::new()
        }
    };
    if version >= 8 {
        let groups = request
            .groups
            .into_iter()
            .map(|group| {
                let error = super::group_coordinator_error(state, group.group_id.0.as_str())
                    .or_else(|| {
                        if version < OFFSET_FETCH_MEMBER_VERSION {
                            return None;
                        }
                        state
                            .groups
                            .validate_fetch(
                                group.group_id.0.as_str(),
                                group.member_id.as_ref().map(|m| m.as_str()),
                                group.member_epoch,
                            )
                            .err()
                    });
                if let Some(error) = error {
                    return OffsetFetchResponseGroup::default()
                        .with_group_id(group.group_id)
                        .with_error_code(error.code());
                }
                let topics: Option<Vec<(String, Vec<i32>)>> = group.topics.map(|topics| {
                    topics
                        .into_iter()
                        .map(|t| (t.name.0.to_string(), t.partition_indexes))
                        .collect()
                });
                let found = state
                    .groups
                    .committed(group.group_id.0.as_str(), topics.as_deref());
                let pending = unstable(group.group_id.0.as_str());
                OffsetFetchResponseGroup::default()
                    .with_group_id(group.group_id)
                    .with_topics(found.into_iter().map(|t| topic_v8(t, &pending)).collect())
            })
            .collect();
        return OffsetFetchResponse::default().with_groups(groups);
    }
    if let Some(error) = super::group_coordinator_error(state, request.group_id.0.as_str()) {
        return OffsetFetchResponse::default().with_error_code(error.code());
    }
    let topics: Option<Vec<(String, Vec<i32>)>> = request.topics.map(|topics| {
        topics
            .into_iter()
            .map(|t| (t.name.0.to_string(), t.partition_indexes))
            .collect()
    });
    let found = state
        .groups
        .committed(request.group_id.0.as_str(), topics.as_deref());
    let pending = unstable(request.group_id.0.as_str());
    let topics = found
        .into_iter()
        .map(|(name, partitions)| {
            let partitions = partitions
                .into_iter()
                .map(|(index, committed)| {
                    let (offset, epoch, metadata, error) =
                        fields(committed, &pending, &name, index);
                    OffsetFetchResponsePartition::default()
                        .with_partition_index(index)
                        .with_committed_offset(offset)
                        .with_committed_leader_epoch(if version >= 5 { epoch } else { -1 })
                        .with_metadata(Some(str_bytes(metadata)))
                        .with_error_code(error)
                })
                .collect();
            OffsetFetchResponseTopic::default()
                .with_name(TopicName(str_bytes(name)))
                .with_partitions(partitions)
        })
        .collect();
    OffsetFetchResponse::default().with_topics(topics)
}

fn topic_v8(
    (name, partitions): TopicOffsets,
    pending: &[(String, i32)],
) -> OffsetFetchResponseTopics {
    let partitions = partitions
        .into_iter()
        .map(|(index, committed)| {
            let (offset, epoch, metadata, error) = fields(committed, pending, &name, index);
            OffsetFetchResponsePartitions::default()
                .with_partition_index(index)
                .with_committed_offset(offset)
                .with_committed_leader_epoch(epoch)
                .with_metadata(Some(str_bytes(metadata)))
                .with_error_code(error)
        })
        .collect();
    OffsetFetchResponseTopics::default()
        .with_name(TopicName(str_bytes(name)))
        .with_partitions(partitions)
}

/// Kafka stores a null commit metadata as "", and answers -1 with "" for a
/// partition without a commit, or with UNSTABLE_OFFSET_COMMIT for one in
/// `pending` (Kafka's answer hides the offset too).
fn fields(
    committed: Option<crate::group::CommittedOffset>,
    pending: &[(String, i32)],
    topic: &str,
    partition: i32,
) -> (i64, i32, String, i16) {
    if pending.iter().any(|(t, p)| t == topic && *p == partition) {
        return (
            -1,
            -1,
            String::new(),
            ErrorCode::UnstableOffsetCommit.code(),
        );
    }
    match committed {
        Some(c) => (c.offset, c.leader_epoch, c.metadata.unwrap_or_default(), 0),
        None => (-1, -1, String::new(), 0),
    }
}
