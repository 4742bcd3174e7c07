//! OffsetCommit: v2–9. Partitions of unknown topics and oversized metadata
//! fail on their own; the rest are checked against the group together (see
//! `Groups::validate_commit`) and logged before they are acknowledged. A
//! consumer-protocol group wants its member's current epoch
//! (STALE_MEMBER_EPOCH otherwise, UNKNOWN_MEMBER_ID for a stranger) and
//! v9+ from its members, as Kafka's `ConsumerGroup.validateOffsetCommit`.

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::messages::offset_commit_response::{
    OffsetCommitResponsePartition, OffsetCommitResponseTopic,
};
use kctl_client::protocol::messages::{OffsetCommitRequest, OffsetCommitResponse};

use crate::group::CommittedOffset;
use crate::state::{BrokerState, now_ms};

/// The first OffsetCommit whose generation field is read as a KIP-848
/// member epoch.
const OFFSET_COMMIT_MEMBER_EPOCH_VERSION: i16 = 9;

pub(super) async fn handle(
    state: &BrokerState,
    request: OffsetCommitRequest,
    version: i16,
) -> Option<OffsetCommitResponse> {
    let max_metadata_bytes = state.config.group.offset_metadata_max_bytes;
    let commit_timestamp_ms = now_ms();
    // Per topic, per partition: a local error, or None while the group
    // check is still to come.
    let mut results: Vec<Vec<(i32, Option<ErrorCode>)>> = Vec::new();
    let mut commits = Vec::new();
    for topic in &request.topics {
        let known = state.topic(topic.name.0.as_str());
        let partitions = topic
            .partitions
            .iter()
            .map(|p| {
                let exists = known
                    .as_ref()
                    .is_some_and(|t| t.partition(p.partition_index).is_some());
                let metadata_bytes = p.committed_metadata.as_ref().map_or(0, |m| m.len());
                let error = if !exists {
                    Some(ErrorCode::UnknownTopicOrPartition)
                } else if metadata_bytes > max_metadata_bytes {
                    Some(ErrorCode::OffsetMetadataTooLarge)
                } else {
                    commits.push((
                        (topic.name.0.to_string(), p.partition_index),
                        CommittedOffset {
                            offset: p.committed_offset,
                            leader_epoch: if version >= 6 {
                                p.committed_leader_epoch
                            } else {
                                -1
                            },
                            metadata: p.committed_metadata.as_ref().map(|m| m.to_string()),
                            commit_timestamp_ms,
                        },
                    ));
                    None
                };
                (p.partition_index, error)
            })
            .collect();
        results.push(partitions);
    }
    let group_error = if commits.is_empty() {
        None
    } else if let Some(error) = super::group_coordinator_error(state, request.group_id.0.as_str()) {
        Some(error)
    } else if version < OFFSET_COMMIT_MEMBER_EPOCH_VERSION
        && state
            .groups
            .is_consumer_member(request.group_id.0.as_str(), request.member_id.as_str())
    {
        // Kafka: "OffsetCommit version 9 or above must be used by members
        // using the modern group protocol".
        Some(ErrorCode::UnsupportedVersion)
    } else {
        state
            .groups
            .commit(
                request.group_id.0.as_str(),
                request.generation_id_or_member_epoch,
                request.member_id.as_str(),
                request.group_instance_id.as_ref().map(|s| s.as_str()),
                commits,
            )
            .await
            .err()
    };
    let topics = request
        .topics
        .into_iter()
        .zip(results)
        .map(|(topic, partitions)| {
            OffsetCommitResponseTopic::default()
                .with_name(topic.name)
                .with_partitions(
                    partitions
                        .into_iter()
                        .map(|(index, error)| {
                            let error = error.or(group_error);
                            OffsetCommitResponsePartition::default()
                                .with_partition_index(index)
                                .with_error_code(error.map_or(0, |e| e.code()))
                        })
                        .collect(),
                )
        })
        .collect();
    Some(OffsetCommitResponse::default().with_topics(topics))
}
