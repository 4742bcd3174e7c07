//! DeleteTopics: v1–6. Topics are named (v0–5) or given by name or id (v6).

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::messages::delete_topics_response::DeletableTopicResult;
use kctl_client::protocol::messages::{DeleteTopicsRequest, DeleteTopicsResponse, TopicName};
use uuid::Uuid;

use super::{create_topics::topic_error_code, str_bytes};
use crate::state::BrokerState;

pub(super) fn handle(
    state: &BrokerState,
    request: DeleteTopicsRequest,
    version: i16,
) -> DeleteTopicsResponse {
    let wanted: Vec<(Option<TopicName>, Uuid)> = if version >= 6 {
        request
            .topics
            .into_iter()
            .map(|t| (t.name, t.topic_id))
            .collect()
    } else {
        request
            .topic_names
            .into_iter()
            .map(|n| (Some(n), Uuid::nil()))
            .collect()
    };
    let responses = wanted
        .into_iter()
        .map(|(name, id)| {
            let resolved = match &name {
                Some(n) => Some(n.0.to_string()),
                None => state.topic_by_id(id).map(|t| t.name.clone()),
            };
            let Some(resolved) = resolved else {
                return DeletableTopicResult::default()
                    .with_topic_id(id)
                    .with_error_code(ErrorCode::UnknownTopicId.code())
                    .with_error_message(Some(str_bytes(format!("Topic id {id} not found."))));
            };
            match state.delete_topic(&resolved) {
                Ok(topic) => DeletableTopicResult::default()
                    .with_name(Some(TopicName(str_bytes(topic.name.clone()))))
                    .with_topic_id(topic.id),
                Err(e) => DeletableTopicResult::default()
                    .with_name(Some(TopicName(str_bytes(resolved))))
                    .with_topic_id(id)
                    .with_error_code(topic_error_code(&e).code())
                    .with_error_message(Some(str_bytes(e.to_string()))),
            }
        })
        .collect();
    DeleteTopicsResponse::default().with_responses(responses)
}
