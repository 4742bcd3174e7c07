//! ConsumerGroupHeartbeat: v0–1 (KIP-848), as Kafka 4.x serves it. v1
//! adds `subscribed_topic_regex` and has the client name its member id.
//! Topics travel by id; the coordinator works with names, so ids are
//! translated here (partitions of ids no topic has are dropped, as Kafka
//! ignores them).

use std::collections::BTreeMap;

use kctl_client::protocol::messages::consumer_group_heartbeat_response::{
    Assignment, TopicPartitions,
};
use kctl_client::protocol::messages::{
    ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse,
};

use super::{RequestContext, str_bytes};
use crate::group::{self, ConsumerHeartbeat};
use crate::state::BrokerState;

pub(super) async fn handle(
    state: &BrokerState,
    ctx: &RequestContext,
    request: ConsumerGroupHeartbeatRequest,
    _version: i16,
) -> Option<ConsumerGroupHeartbeatResponse> {
    if let Some(error) = super::group_coordinator_error(state, request.group_id.0.as_str()) {
        return Some(ConsumerGroupHeartbeatResponse::default().with_error_code(error.code()));
    }
    // A group id has one type; Kafka answers a consumer heartbeat to a
    // share group with GROUP_ID_NOT_FOUND.
    if state.shares.exists(request.group_id.0.as_str()) {
        return Some(
            ConsumerGroupHeartbeatResponse::default()
                .with_error_code(kctl_client::protocol::ErrorCode::GroupIdNotFound.code())
                .with_error_message(Some(str_bytes(format!(
                    "Group {} is not a consumer group.",
                    request.group_id.0.as_str()
                ))))
                .with_member_epoch(-1),
        );
    }
    let topics = state.topics();
    let all_topics: BTreeMap<String, i32> = topics
        .iter()
        .map(|t| (t.name.clone(), t.partition_count()))
        .collect();
    let owned = request.topic_partitions.map(|owned| {
        let mut assignment = group::Assignment::new();
        for tp in owned {
            if let Some(topic) = topics.iter().find(|t| t.id == tp.topic_id) {
                assignment
                    .entry(topic.name.clone())
                    .or_default()
                    .extend(tp.partitions);
            }
        }
        assignment
    });
    let heartbeat = ConsumerHeartbeat {
        group_id: request.group_id.0.to_string(),
        member_id: request.member_id.to_string(),
        member_epoch: request.member_epoch,
        instance_id: request.instance_id.map(|s| s.to_string()),
        rack_id: request.rack_id.map(|s| s.to_string()),
        rebalance_timeout_ms: request.rebalance_timeout_ms,
        subscribed_topic_names: request
            .subscribed_topic_names
            .map(|names| names.into_iter().map(|n| n.0.to_string()).collect()),
        subscribed_topic_regex: request.subscribed_topic_regex.map(|s| s.to_string()),
        server_assignor: request.server_assignor.map(|s| s.to_string()),
        owned,
        client_id: ctx.client_id.clone(),
        client_host: ctx.client_host(),
    };
    let response = state
        .groups
        .consumer_heartbeat(&all_topics, heartbeat)
        .await;
    let assignment = response.assignment.map(|assignment| {
        Assignment::default().with_topic_partitions(
            assignment
                .into_iter()
                .filter_map(|(name, partitions)| {
                    let topic = topics.iter().find(|t| t.name == name)?;
                    Some(
                        TopicPartitions::default()
                            .with_topic_id(topic.id)
                            .with_partitions(partitions.into_iter().collect()),
                    )
                })
                .collect(),
        )
    });
    Some(
        ConsumerGroupHeartbeatResponse::default()
            .with_error_code(response.error.map_or(0, |e| e.code()))
            .with_error_message(response.error_message.map(str_bytes))
            .with_member_id(Some(str_bytes(response.member_id)))
            .with_member_epoch(response.member_epoch)
            .with_heartbeat_interval_ms(response.heartbeat_interval_ms)
            .with_assignment(assignment),
    )
}
