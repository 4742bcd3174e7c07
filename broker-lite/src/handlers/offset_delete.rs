//! OffsetDelete: v0. Removes committed offsets of an Empty group, or of a
//! consumer group for topics none of its members subscribes to
//! (GROUP_SUBSCRIBED_TO_TOPIC otherwise). A group-level error is answered
//! with no topics, as Kafka does.

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::messages::offset_delete_response::{
    OffsetDeleteResponsePartition, OffsetDeleteResponseTopic,
};
use kctl_client::protocol::messages::{OffsetDeleteRequest, OffsetDeleteResponse};

use crate::state::BrokerState;

pub(super) async fn handle(
    state: &BrokerState,
    request: OffsetDeleteRequest,
    _version: i16,
) -> Option<OffsetDeleteResponse> {
    if let Some(error) = super::group_coordinator_error(state, request.group_id.0.as_str()) {
        return Some(OffsetDeleteResponse::default().with_error_code(error.code()));
    }
    // Partitions of unknown topics fail alone; the rest go to the group.
    let mut local: Vec<Vec<(i32, Option<ErrorCode>)>> = Vec::new();
    let mut asked = Vec::new();
    for topic in &request.topics {
        let known = state.topic(topic.name.0.as_str());
        local.push(
            topic
                .partitions
                .iter()
                .map(|p| {
                    let exists = known
                        .as_ref()
                        .is_some_and(|t| t.partition(p.partition_index).is_some());
                    if exists {
                        asked.push((topic.name.0.to_string(), p.partition_index));
                        (p.partition_index, None)
                    } else {
                        (p.partition_index, Some(ErrorCode::UnknownTopicOrPartition))
                    }
                })
                .collect(),
        );
    }
    let deleted = match state
        .groups
        .delete_offsets(request.group_id.0.as_str(), &asked)
        .await
    {
        Ok(deleted) => deleted,
        Err(e) => return Some(OffsetDeleteResponse::default().with_error_code(e.code())),
    };
    let mut deleted = deleted.into_iter();
    let topics = request
        .topics
        .into_iter()
        .zip(local)
        .map(|(topic, partitions)| {
            OffsetDeleteResponseTopic::default()
                .with_name(topic.name)
                .with_partitions(
                    partitions
                        .into_iter()
                        .map(|(index, error)| {
                            let error = match error {
                                Some(e) => Some(e),
                                None => deleted.next().flatten(),
                            };
                            OffsetDeleteResponsePartition::default()
                                .with_partition_index(index)
                                .with_error_code(error.map_or(0, |e| e.code()))
                        })
                        .collect(),
                )
        })
        .collect();
    Some(OffsetDeleteResponse::default().with_topics(topics))
}
