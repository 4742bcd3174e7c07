//! CreateTopics: v2–7.
//!
//! -1 partitions or replication factor means the broker default (v4+).
//! v5+ answers with the created topic's partitions, replication factor and
//! configs; v7 with its id. `validate_only` runs every check and creates
//! nothing.

use std::collections::BTreeMap;

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::messages::create_topics_request::CreatableTopic;
use kctl_client::protocol::messages::create_topics_response::{
    CreatableTopicConfigs, CreatableTopicResult,
};
use kctl_client::protocol::messages::{CreateTopicsRequest, CreateTopicsResponse};
use uuid::Uuid;

use super::{describe_configs, str_bytes};
use crate::config::ConfigError;
use crate::state::{BrokerState, NewTopic, TopicError};

/// Kafka's cap on the partitions one request may create (the controller's
/// `MAX_PARTITIONS_PER_BATCH`), answered with POLICY_VIOLATION. Without it,
/// one CreateTopics or CreatePartitions asking for 2^31 partitions had the
/// broker create partition directories until its disk or file descriptors
/// ran out, stalling every other client (found by the `request` fuzz target).
pub(super) const MAX_PARTITIONS_PER_REQUEST: u64 = 10_000;

/// Kafka's message for a request over [`MAX_PARTITIONS_PER_REQUEST`].
pub(super) const TOO_MANY_PARTITIONS: &str = "Excessively large number of partitions per request.";

/// The partitions `topic` asks for, counted as Kafka counts them: the broker
/// default for -1, the assignments when there are any.
fn requested_partitions(topic: &CreatableTopic, default_partitions: i32) -> u64 {
    if topic.assignments.is_empty() {
        let count = if topic.num_partitions == -1 {
            default_partitions
        } else {
            topic.num_partitions
        };
        u64::try_from(count).unwrap_or(0)
    } else {
        topic.assignments.len() as u64
    }
}

pub(super) fn handle(
    state: &BrokerState,
    request: CreateTopicsRequest,
    version: i16,
) -> CreateTopicsResponse {
    let requested = request
        .topics
        .iter()
        .map(|t| requested_partitions(t, state.config.num_partitions))
        .fold(0u64, u64::saturating_add);
    if requested > MAX_PARTITIONS_PER_REQUEST {
        // Kafka refuses the whole request, every topic with the same error.
        let topics = request
            .topics
            .into_iter()
            .map(|topic| {
                CreatableTopicResult::default()
                    .with_name(topic.name)
                    .with_error_code(ErrorCode::PolicyViolation.code())
                    .with_error_message(Some(str_bytes(TOO_MANY_PARTITIONS)))
                    .with_num_partitions(-1)
                    .with_replication_factor(-1)
            })
            .collect();
        return CreateTopicsResponse::default().with_topics(topics);
    }
    let mut seen = BTreeMap::new();
    for topic in &request.topics {
        *seen.entry(topic.name.0.to_string()).or_insert(0) += 1;
    }
    let topics = request
        .topics
        .into_iter()
        .map(|topic| {
            let name = topic.name.clone();
            // Kafka refuses a name listed twice in one request outright.
            if seen.get(name.0.as_str()).copied().unwrap_or(0) > 1 {
                return CreatableTopicResult::default()
                    .with_name(name)
                    .with_error_code(ErrorCode::InvalidRequest.code())
                    .with_error_message(Some(str_bytes("Duplicate topic in request.")));
            }
            create(state, topic, request.validate_only, version)
        })
        .collect();
    CreateTopicsResponse::default().with_topics(topics)
}

fn create(
    state: &BrokerState,
    topic: CreatableTopic,
    validate_only: bool,
    version: i16,
) -> CreatableTopicResult {
    let name = topic.name.clone();
    let fail = |error: ErrorCode, message: String| {
        CreatableTopicResult::default()
            .with_name(name.clone())
            .with_error_code(error.code())
            .with_error_message(Some(str_bytes(message)))
            .with_num_partitions(-1)
            .with_replication_factor(-1)
    };
    let mut configs = BTreeMap::new();
    for config in &topic.configs {
        match &config.value {
            Some(value) => {
                configs.insert(config.name.to_string(), value.to_string());
            }
            None => {
                return fail(
                    ErrorCode::InvalidConfig,
                    format!(
                        "Null value not supported for topic config {}",
                        config.name.as_str()
                    ),
                );
            }
        }
    }
    let (partitions, replication_factor) = if topic.assignments.is_empty() {
        let partitions = if topic.num_partitions == -1 {
            state.config.num_partitions
        } else {
            topic.num_partitions
        };
        let rf = if topic.replication_factor == -1 {
            state.config.default_replication_factor
        } else {
            topic.replication_factor
        };
        (partitions, rf)
    } else {
        // A manual assignment must name partitions 0..n, each on this broker.
        if topic.num_partitions != -1 || topic.replication_factor != -1 {
            return fail(
                ErrorCode::InvalidRequest,
                "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.".into(),
            );
        }
        let mut indexes: Vec<i32> = topic
            .assignments
            .iter()
            .map(|a| a.partition_index)
            .collect();
        indexes.sort_unstable();
        let on_this_broker = topic
            .assignments
            .iter()
            .all(|a| a.broker_ids.len() == 1 && a.broker_ids[0].0 == state.config.node_id);
        if !on_this_broker || indexes.iter().enumerate().any(|(i, &p)| p != i as i32) {
            return fail(
                ErrorCode::InvalidReplicaAssignment,
                format!(
                    "Replica assignments must place partitions 0..n on broker {} only.",
                    state.config.node_id
                ),
            );
        }
        (indexes.len() as i32, 1)
    };
    let new = NewTopic {
        name: name.0.to_string(),
        partitions,
        replication_factor,
        configs: configs.clone(),
    };
    match state.create_topic(new, validate_only) {
        Ok(created) => {
            let id = created.map_or(Uuid::nil(), |t| t.id);
            let mut result = CreatableTopicResult::default()
                .with_name(name)
                .with_topic_id(id)
                .with_num_partitions(partitions)
                .with_replication_factor(replication_factor);
            if version >= 5 {
                let entries = state
                    .config
                    .topic_entries(&configs)
                    .map(|e| {
                        CreatableTopicConfigs::default()
                            .with_name(str_bytes(e.def.name))
                            .with_value(Some(str_bytes(e.value)))
                            .with_config_source(describe_configs::source_code(e.source))
                    })
                    .collect();
                result = result.with_configs(Some(entries));
            }
            result
        }
        Err(e) => {
            let code = topic_error_code(&e);
            fail(code, e.to_string())
        }
    }
}

pub(super) fn topic_error_code(e: &TopicError) -> ErrorCode {
    match e {
        TopicError::AlreadyExists(_) => ErrorCode::TopicAlreadyExists,
        TopicError::Unknown(_) => ErrorCode::UnknownTopicOrPartition,
        TopicError::InvalidName { .. } => ErrorCode::InvalidTopicException,
        TopicError::InvalidPartitions(_) => ErrorCode::InvalidPartitions,
        TopicError::InvalidReplicationFactor(_) => ErrorCode::InvalidReplicationFactor,
        TopicError::Config(
            ConfigError::UnknownTopicConfig(_) | ConfigError::InvalidValue { .. },
        ) => ErrorCode::InvalidConfig,
        TopicError::Config(_) | TopicError::Log { .. } | TopicError::Persist { .. } => {
            tracing::error!("topic operation failed: {e}");
            ErrorCode::UnknownServerError
        }
    }
}
