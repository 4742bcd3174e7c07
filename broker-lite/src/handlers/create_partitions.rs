//! CreatePartitions: v0–3. Grows a topic; shrinking is refused with Kafka's
//! messages. New partitions can only be placed on this broker.

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::messages::create_partitions_response::CreatePartitionsTopicResult;
use kctl_client::protocol::messages::{CreatePartitionsRequest, CreatePartitionsResponse};

use super::create_topics::{MAX_PARTITIONS_PER_REQUEST, TOO_MANY_PARTITIONS, topic_error_code};
use super::str_bytes;
use crate::state::BrokerState;

pub(super) fn handle(
    state: &BrokerState,
    request: CreatePartitionsRequest,
    _version: i16,
) -> CreatePartitionsResponse {
    // The partitions this request would add, capped as CreateTopics is.
    let added = request
        .topics
        .iter()
        .map(|t| {
            let current = state
                .topic(t.name.0.as_str())
                .map_or(0, |topic| topic.partition_count());
            u64::try_from(i64::from(t.count) - i64::from(current)).unwrap_or(0)
        })
        .fold(0u64, u64::saturating_add);
    if added > MAX_PARTITIONS_PER_REQUEST {
        let results = request
            .topics
            .into_iter()
            .map(|topic| {
                CreatePartitionsTopicResult::default()
                    .with_name(topic.name)
                    .with_error_code(ErrorCode::PolicyViolation.code())
                    .with_error_message(Some(str_bytes(TOO_MANY_PARTITIONS)))
            })
            .collect();
        return CreatePartitionsResponse::default().with_results(results);
    }
    let results = request
        .topics
        .into_iter()
        .map(|topic| {
            let result = CreatePartitionsTopicResult::default().with_name(topic.name.clone());
            let elsewhere = topic
                .assignments
                .iter()
                .flatten()
                .any(|a| a.broker_ids.iter().any(|b| b.0 != state.config.node_id));
            if elsewhere {
                return result
                    .with_error_code(ErrorCode::InvalidReplicaAssignment.code())
                    .with_error_message(Some(str_bytes(format!(
                        "Only broker {} exists.",
                        state.config.node_id
                    ))));
            }
            match state.create_partitions(topic.name.0.as_str(), topic.count, request.validate_only)
            {
                Ok(()) => result,
                Err(e) => result
                    .with_error_code(topic_error_code(&e).code())
                    .with_error_message(Some(str_bytes(e.to_string()))),
            }
        })
        .collect();
    CreatePartitionsResponse::default().with_results(results)
}
