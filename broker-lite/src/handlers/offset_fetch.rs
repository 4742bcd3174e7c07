//! OffsetFetch: v1–9; v8+ asks for several groups at once. No topics (null)
//! means every partition the group has committed; a partition without a
//! commit answers offset -1 and empty metadata. `require_stable` (v7+)
//! needs nothing: without transactions no commit is ever pending.

use kctl_client::protocol::messages::offset_fetch_response::{
    OffsetFetchResponseGroup, OffsetFetchResponsePartition, OffsetFetchResponsePartitions,
    OffsetFetchResponseTopic, OffsetFetchResponseTopics,
};
use kctl_client::protocol::messages::{OffsetFetchRequest, OffsetFetchResponse, TopicName};

use super::str_bytes;
use crate::group::TopicOffsets;
use crate::state::BrokerState;

pub(super) fn handle(
    state: &BrokerState,
    request: OffsetFetchRequest,
    version: i16,
) -> OffsetFetchResponse {
    if version >= 8 {
        let groups = request
            .groups
            .into_iter()
            .map(|group| {
                let topics: Option<Vec<(String, Vec<i32>)>> = group.topics.map(|topics| {
                    topics
                        .into_iter()
                        .map(|t| (t.name.0.to_string(), t.partition_indexes))
                        .collect()
                });
                let found = state
                    .groups
                    .committed(group.group_id.0.as_str(), topics.as_deref());
                OffsetFetchResponseGroup::default()
                    .with_group_id(group.group_id)
                    .with_topics(found.into_iter().map(topic_v8).collect())
            })
            .collect();
        return OffsetFetchResponse::default().with_groups(groups);
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
    let topics = found
        .into_iter()
        .map(|(name, partitions)| {
            OffsetFetchResponseTopic::default()
                .with_name(TopicName(str_bytes(name)))
                .with_partitions(
                    partitions
                        .into_iter()
                        .map(|(index, committed)| {
                            let (offset, epoch, metadata) = fields(committed);
                            OffsetFetchResponsePartition::default()
                                .with_partition_index(index)
                                .with_committed_offset(offset)
                                .with_committed_leader_epoch(if version >= 5 { epoch } else { -1 })
                                .with_metadata(Some(str_bytes(metadata)))
                        })
                        .collect(),
                )
        })
        .collect();
    OffsetFetchResponse::default().with_topics(topics)
}

fn topic_v8((name, partitions): TopicOffsets) -> OffsetFetchResponseTopics {
    OffsetFetchResponseTopics::default()
        .with_name(TopicName(str_bytes(name)))
        .with_partitions(
            partitions
                .into_iter()
                .map(|(index, committed)| {
                    let (offset, epoch, metadata) = fields(committed);
                    OffsetFetchResponsePartitions::default()
                        .with_partition_index(index)
                        .with_committed_offset(offset)
                        .with_committed_leader_epoch(epoch)
                        .with_metadata(Some(str_bytes(metadata)))
                })
                .collect(),
        )
}

/// Kafka stores a null commit metadata as "", and answers -1 with "" for a
/// partition without a commit.
fn fields(committed: Option<crate::group::CommittedOffset>) -> (i64, i32, String) {
    match committed {
        Some(c) => (c.offset, c.leader_epoch, c.metadata.unwrap_or_default()),
        None => (-1, -1, String::new()),
    }
}
