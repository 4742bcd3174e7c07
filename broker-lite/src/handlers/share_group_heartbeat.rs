//! ShareGroupHeartbeat v1 (KIP-932): join, stay, leave; the assignment
//! comes back by topic id. A group id already used by a classic or
//! consumer group is refused with INCONSISTENT_GROUP_PROTOCOL, as Kafka
//! does (a group id has one type).

use std::collections::BTreeMap;

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::messages::share_group_heartbeat_response::{
    Assignment, TopicPartitions,
};
use kctl_client::protocol::messages::{ShareGroupHeartbeatRequest, ShareGroupHeartbeatResponse};

use super::{RequestContext, str_bytes};
use crate::share::ShareHeartbeat;
use crate::state::BrokerState;

pub(super) async fn handle(
    state: &BrokerState,
    ctx: &RequestContext,
    request: ShareGroupHeartbeatRequest,
    _version: i16,
) -> Option<ShareGroupHeartbeatResponse> {
    let group_id = request.group_id.0.to_string();
    if state.groups.list().iter().any(|g| g.group_id == group_id) {
        return Some(
            ShareGroupHeartbeatResponse::default()
                .with_error_code(ErrorCode::InconsistentGroupProtocol.code())
                .with_error_message(Some(str_bytes(format!(
                    "group {group_id} is not a share group"
                ))))
                .with_member_epoch(-1),
        );
    }
    let topics = state.topics();
    let counts: BTreeMap<String, i32> = topics
        .iter()
        .map(|t| (t.name.clone(), t.partition_count()))
        .collect();
    let heartbeat = ShareHeartbeat {
        group_id,
        member_id: request.member_id.to_string(),
        member_epoch: request.member_epoch,
        rack_id: request.rack_id.map(|s| s.to_string()),
        subscribed_topic_names: request
            .subscribed_topic_names
            .map(|names| names.into_iter().map(|n| n.0.to_string()).collect()),
        client_id: ctx.client_id.clone(),
        client_host: ctx.client_host(),
    };
    let group_id = heartbeat.group_id.clone();
    let response = state.shares.heartbeat(&counts, heartbeat).await;
    // Kafka initializes a share partition's state when it is first
    // assigned (not at the first fetch), so with `latest` the records
    // produced between the assignment and the first ShareFetch are
    // delivered.
    if let Some(assignment) = &response.assignment {
        let mut wrote = false;
        for (name, partitions) in assignment {
            for &index in partitions {
                let Some(partition) = state.topic(name).and_then(|t| t.partition(index)) else {
                    continue;
                };
                let Some((log_start, log_end)) =
                    partition.with_log(|log| (log.log_start_offset(), log.log_end_offset()))
                else {
                    continue;
                };
                let (_, _, logged) = state.shares.acquire(
                    &group_id,
                    &response.member_id,
                    name,
                    index,
                    log_start,
                    log_end,
                    None,
                    0,
                );
                wrote |= logged;
            }
        }
        state.shares.acquired(wrote).await;
    }
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
        ShareGroupHeartbeatResponse::default()
            .with_error_code(response.error.map_or(0, |e| e.code()))
            .with_error_message(response.error_message.map(str_bytes))
            .with_member_id(Some(str_bytes(response.member_id)))
            .with_member_epoch(response.member_epoch)
            .with_heartbeat_interval_ms(response.heartbeat_interval_ms)
            .with_assignment(assignment),
    )
}
