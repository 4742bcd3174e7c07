//! DescribeShareGroupOffsets (v0-1), AlterShareGroupOffsets and
//! DeleteShareGroupOffsets (v0): a share group's start offsets (SPSO)
//! per partition. Altering and deleting need an empty group
//! (NON_EMPTY_GROUP otherwise), as in Kafka; a partition the group has
//! never fetched describes as start offset -1.
//!
//! Version 1 (Kafka 4.2, KIP-1226) adds each partition's lag, computed as
//! Kafka's group coordinator does (`GroupCoordinatorService`,
//! `computeShareGroupLagAndBuildResponse`): the partition's high watermark
//! minus the SPSO minus the records above the SPSO already done
//! (`deliveryCompleteCount`), so in-flight acknowledged records do not
//! count. A partition without share state (start offset -1) or with no
//! log here has lag -1, the schema's "unknown". After
//! AlterShareGroupOffsets the partition starts over with nothing done, as
//! Kafka's `InitializeShareGroupState` sets `deliveryCompleteCount` to 0.
//! Kafka reads the count from the share coordinator, which the leader
//! writes on every acknowledgement; broker-lite reads its live state, which
//! is the same after each acknowledgement completes.
//!
//! Each described partition with state also carries kctl's statistics
//! extension (in-flight, archived and redelivered counts) as tagged fields
//! (`kctl_client::protocol::share_statistics`); Kafka's clients skip them.

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::messages::alter_share_group_offsets_response::{
    AlterShareGroupOffsetsResponsePartition, AlterShareGroupOffsetsResponseTopic,
};
use kctl_client::protocol::messages::delete_share_group_offsets_response::DeleteShareGroupOffsetsResponseTopic;
use kctl_client::protocol::messages::describe_share_group_offsets_response::{
    DescribeShareGroupOffsetsResponseGroup, DescribeShareGroupOffsetsResponsePartition,
    DescribeShareGroupOffsetsResponseTopic,
};
use kctl_client::protocol::messages::{
    AlterShareGroupOffsetsRequest, AlterShareGroupOffsetsResponse, DeleteShareGroupOffsetsRequest,
    DeleteShareGroupOffsetsResponse, DescribeShareGroupOffsetsRequest,
    DescribeShareGroupOffsetsResponse, TopicName,
};
use kctl_client::protocol::share::UNKNOWN_SHARE_PARTITION_LAG;
use kctl_client::protocol::share_statistics::SharePartitionStatistics;
use uuid::Uuid;

use super::share_fetch::readable_bounds;
use super::str_bytes;
use crate::state::BrokerState;

fn topic_id(state: &BrokerState, name: &str) -> Option<Uuid> {
    state.topic(name).map(|t| t.id)
}

pub(super) fn describe(
    state: &BrokerState,
    request: DescribeShareGroupOffsetsRequest,
    _version: i16,
) -> DescribeShareGroupOffsetsResponse {
    let groups = request
        .groups
        .into_iter()
        .map(|g| {
            let group = state.shares.snapshot(g.group_id.0.as_str());
            let reply = DescribeShareGroupOffsetsResponseGroup::default().with_group_id(g.group_id);
            let Some(group) = group else {
                return reply
                    .with_error_code(ErrorCode::GroupIdNotFound.code())
                    .with_error_message(Some(str_bytes("The group id does not exist.")));
            };
            // Null topics: every partition the group has state for.
            let wanted: Vec<(String, Vec<i32>)> = match g.topics {
                Some(topics) => topics
                    .into_iter()
                    .map(|t| (t.topic_name.0.to_string(), t.partitions))
                    .collect(),
                None => {
                    let mut by_topic: std::collections::BTreeMap<String, Vec<i32>> =
                        Default::default();
                    for (topic, partition) in group.partitions.keys() {
                        by_topic.entry(topic.clone()).or_default().push(*partition);
                    }
                    by_topic.into_iter().collect()
                }
            };
            let topics = wanted
                .into_iter()
                .map(|(name, partitions)| {
                    let id = topic_id(state, &name);
                    let partitions = partitions
                        .into_iter()
                        .map(|index| {
                            let reply = DescribeShareGroupOffsetsResponsePartition::default()
                                .with_partition_index(index)
                                .with_leader_epoch(super::SINGLE_NODE_LEADER_EPOCH)
                                .with_lag(UNKNOWN_SHARE_PARTITION_LAG);
                            if id.is_none() {
                                return reply
                                    .with_start_offset(-1)
                                    .with_error_code(ErrorCode::UnknownTopicOrPartition.code());
                            }
                            let Some(share) = group.partitions.get(&(name.clone(), index)) else {
                                return reply.with_start_offset(-1);
                            };
                            let end = state
                                .topic(&name)
                                .and_then(|t| t.partition(index))
                                .and_then(|p| readable_bounds(state, &name, &p))
                                .map(|(_, high_watermark)| high_watermark);
                            let counters = share.counters();
                            let mut tagged = std::collections::BTreeMap::new();
                            SharePartitionStatistics {
                                in_flight: share.acquired_count(),
                                archived_total: counters.archived_total,
                                redeliveries_total: counters.redeliveries_total,
                            }
                            .encode_into(&mut tagged);
                            reply
                                .with_start_offset(share.start_offset())
                                .with_lag(
                                    end.map_or(UNKNOWN_SHARE_PARTITION_LAG, |end| share.lag(end)),
                                )
                                .with_unknown_tagged_fields(tagged)
                        })
                        .collect();
                    DescribeShareGroupOffsetsResponseTopic::default()
                        .with_topic_name(TopicName(str_bytes(name)))
                        .with_topic_id(id.unwrap_or_default())
                        .with_partitions(partitions)
                })
                .collect();
            reply.with_topics(topics)
        })
        .collect();
    DescribeShareGroupOffsetsResponse::default().with_groups(groups)
}

pub(super) async fn alter(
    state: &BrokerState,
    request: AlterShareGroupOffsetsRequest,
    _version: i16,
) -> Option<AlterShareGroupOffsetsResponse> {
    let group_id = request.group_id.0.to_string();
    let mut offsets = Vec::new();
    let mut topics = Vec::new();
    for t in request.topics {
        let name = t.topic_name.0.to_string();
        let topic = state.topic(&name);
        let partitions = t
            .partitions
            .into_iter()
            .map(|p| {
                let reply = AlterShareGroupOffsetsResponsePartition::default()
                    .with_partition_index(p.partition_index);
                let exists = topic
                    .as_ref()
                    .is_some_and(|t| t.partition(p.partition_index).is_some());
                if !exists {
                    return reply.with_error_code(ErrorCode::UnknownTopicOrPartition.code());
                }
                if p.start_offset < 0 {
                    return reply.with_error_code(ErrorCode::InvalidRequest.code());
                }
                offsets.push((name.clone(), p.partition_index, p.start_offset));
                reply
            })
            .collect();
        topics.push(
            AlterShareGroupOffsetsResponseTopic::default()
                .with_topic_name(TopicName(str_bytes(name)))
                .with_topic_id(topic.map(|t| t.id).unwrap_or_default())
                .with_partitions(partitions),
        );
    }
    if state.groups.list().iter().any(|g| g.group_id == group_id) {
        return Some(
            AlterShareGroupOffsetsResponse::default()
                .with_error_code(ErrorCode::GroupIdNotFound.code())
                .with_error_message(Some(str_bytes("not a share group"))),
        );
    }
    if let Err(code) = state.shares.alter_offsets(&group_id, &offsets).await {
        return Some(
            AlterShareGroupOffsetsResponse::default()
                .with_error_code(code.code())
                .with_error_message(Some(str_bytes(code.to_string()))),
        );
    }
    Some(AlterShareGroupOffsetsResponse::default().with_responses(topics))
}

pub(super) async fn delete(
    state: &BrokerState,
    request: DeleteShareGroupOffsetsRequest,
    _version: i16,
) -> Option<DeleteShareGroupOffsetsResponse> {
    let group_id = request.group_id.0.to_string();
    let mut partitions = Vec::new();
    let mut topics = Vec::new();
    for t in request.topics {
        let name = t.topic_name.0.to_string();
        let reply = DeleteShareGroupOffsetsResponseTopic::default()
            .with_topic_name(TopicName(str_bytes(name.clone())));
        match state.topic(&name) {
            Some(topic) => {
                partitions.extend((0..topic.partition_count()).map(|p| (name.clone(), p)));
                topics.push(reply.with_topic_id(topic.id));
            }
            None => topics.push(reply.with_error_code(ErrorCode::UnknownTopicOrPartition.code())),
        }
    }
    if let Err(code) = state.shares.delete_offsets(&group_id, &partitions).await {
        return Some(
            DeleteShareGroupOffsetsResponse::default()
                .with_error_code(code.code())
                .with_error_message(Some(str_bytes(code.to_string()))),
        );
    }
    Some(DeleteShareGroupOffsetsResponse::default().with_responses(topics))
}
