//! ShareGroupDescribe v1: members, their subscriptions and assignments.
//! An id that is no share group is GROUP_ID_NOT_FOUND, as in Kafka.

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::messages::share_group_describe_response::{
    Assignment, DescribedGroup, Member, TopicPartitions,
};
use kctl_client::protocol::messages::{
    ShareGroupDescribeRequest, ShareGroupDescribeResponse, TopicName,
};

use super::str_bytes;
use crate::state::BrokerState;

/// Kafka's share groups have one assignor.
const ASSIGNOR_NAME: &str = "simple";

pub(super) fn handle(
    state: &BrokerState,
    request: ShareGroupDescribeRequest,
    _version: i16,
) -> ShareGroupDescribeResponse {
    let topics = state.topics();
    let groups = request
        .group_ids
        .into_iter()
        .map(|group_id| {
            let Some(group) = state.shares.snapshot(group_id.0.as_str()) else {
                return DescribedGroup::default()
                    .with_group_id(group_id.clone())
                    .with_error_code(ErrorCode::GroupIdNotFound.code())
                    .with_error_message(Some(str_bytes(format!(
                        "Group {} not found.",
                        group_id.0.as_str()
                    ))))
                    .with_group_state(str_bytes("Dead"))
                    .with_authorized_operations(i32::MIN);
            };
            let members = group
                .members
                .iter()
                .map(|(id, m)| {
                    let assignment = Assignment::default().with_topic_partitions(
                        m.assignment
                            .iter()
                            .filter_map(|(name, partitions)| {
                                let topic = topics.iter().find(|t| &t.name == name)?;
                                Some(
                                    TopicPartitions::default()
                                        .with_topic_id(topic.id)
                                        .with_topic_name(TopicName(str_bytes(name.clone())))
                                        .with_partitions(partitions.iter().copied().collect()),
                                )
                            })
                            .collect(),
                    );
                    Member::default()
                        .with_member_id(str_bytes(id.clone()))
                        .with_rack_id(m.rack_id.clone().map(str_bytes))
                        .with_member_epoch(m.member_epoch)
                        .with_client_id(str_bytes(m.client_id.clone()))
                        .with_client_host(str_bytes(m.client_host.clone()))
                        .with_subscribed_topic_names(
                            m.subscribed
                                .iter()
                                .map(|t| TopicName(str_bytes(t.clone())))
                                .collect(),
                        )
                        .with_assignment(assignment)
                })
                .collect();
            DescribedGroup::default()
                .with_group_id(group_id)
                .with_group_state(str_bytes(group.state_name()))
                .with_group_epoch(group.epoch)
                .with_assignment_epoch(group.epoch)
                .with_assignor_name(str_bytes(ASSIGNOR_NAME))
                .with_members(members)
                .with_authorized_operations(i32::MIN)
        })
        .collect();
    ShareGroupDescribeResponse::default().with_groups(groups)
}
