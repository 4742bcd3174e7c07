//! CreatePartitions: v0–3. Grows a topic; shrinking is refused with Kafka's
//! messages. New partitions can only be placed on this broker.

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::messages::create_partitions_response::CreatePartitionsTopicResult;
use kctl_client::protocol::messages::{CreatePartitionsRequest, CreatePartitionsResponse};

use super::{create_topics::topic_error_code, str_bytes};
use crate::state::BrokerState;

pub(super) fn handle(
    state: &BrokerState,
    request: CreatePartitionsRequest,
    _version: i16,
) -> CreatePartitionsResponse {
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
