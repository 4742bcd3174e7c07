//! ConsumerGroupDescribe: v0–1 (KIP-848). v1 adds each member's type:
//! "classic" (0) for a member that joined with JoinGroup or came from a
//! converted classic group (KIP-848 migration), "consumer" (1) otherwise.

use kctl_client::protocol::messages::consumer_group_describe_response::{
    Assignment, DescribedGroup, Member, TopicPartitions,
};
use kctl_client::protocol::messages::{
    ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse, TopicName,
};

use super::describe_groups::ALL_GROUP_OPERATIONS;
use super::str_bytes;
use crate::group;
use crate::state::BrokerState;

/// ConsumerGroupDescribe's `member_type` values (Kafka's `MemberType`).
const CLASSIC_MEMBER_TYPE: i8 = 0;
const CONSUMER_MEMBER_TYPE: i8 = 1;

pub(super) fn handle(
    state: &BrokerState,
    request: ConsumerGroupDescribeRequest,
    _version: i16,
) -> ConsumerGroupDescribeResponse {
    let topics = state.topics();
    let to_wire = |assignment: group::Assignment| {
        Assignment::default().with_topic_partitions(
            assignment
                .into_iter()
                .filter_map(|(name, partitions)| {
                    let topic = topics.iter().find(|t| t.name == name)?;
                    Some(
                        TopicPartitions::default()
                            .with_topic_id(topic.id)
                            .with_topic_name(TopicName(str_bytes(name)))
                            .with_partitions(partitions.into_iter().collect()),
                    )
                })
                .collect(),
        )
    };
    let authorized_operations = if request.include_authorized_operations {
        ALL_GROUP_OPERATIONS
    } else {
        i32::MIN
    };
    let groups = request
        .group_ids
        .into_iter()
        .map(|group_id| {
            let described = DescribedGroup::default()
                .with_group_id(group_id.clone())
                .with_authorized_operations(authorized_operations);
            match state.groups.consumer_describe(group_id.0.as_str()) {
                Err((error, message)) => described
                    .with_error_code(error.code())
                    .with_error_message(Some(str_bytes(message)))
                    .with_group_state(str_bytes("Dead")),
                Ok(group) => described
                    .with_group_state(str_bytes(group.state))
                    .with_group_epoch(group.group_epoch)
                    .with_assignment_epoch(group.assignment_epoch)
                    .with_assignor_name(str_bytes(group.assignor))
                    .with_members(
                        group
                            .members
                            .into_iter()
                            .map(|m| {
                                let member_type = if m.classic {
                                    CLASSIC_MEMBER_TYPE
                                } else {
                                    CONSUMER_MEMBER_TYPE
                                };
                                Member::default()
                                    .with_member_id(str_bytes(m.member_id))
                                    .with_instance_id(m.instance_id.map(str_bytes))
                                    .with_rack_id(m.rack_id.map(str_bytes))
                                    .with_member_epoch(m.member_epoch)
                                    .with_client_id(str_bytes(m.client_id))
                                    .with_client_host(str_bytes(m.client_host))
                                    .with_subscribed_topic_names(
                                        m.subscribed_topic_names
                                            .into_iter()
                                            .map(|t| TopicName(str_bytes(t)))
                                            .collect(),
                                    )
                                    .with_subscribed_topic_regex(
                                        m.subscribed_topic_regex.map(str_bytes),
                                    )
                                    .with_assignment(to_wire(m.assignment))
                                    .with_target_assignment(to_wire(m.target_assignment))
                                    .with_member_type(member_type)
                            })
                            .collect(),
                    ),
            }
        })
        .collect::<Vec<_>>();
    ConsumerGroupDescribeResponse::default().with_groups(groups)
}
