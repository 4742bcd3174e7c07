//! Metadata: v0–12.
//!
//! One broker leads every partition, with itself as the only replica and
//! ISR. Unknown topics are created on request when
//! `auto.create.topics.enable` is on and the client allows it (v4+), the way
//! Kafka does for producers.

use std::collections::BTreeMap;
use std::sync::Arc;

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::messages::metadata_response::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kctl_client::protocol::messages::{MetadataRequest, MetadataResponse, TopicName};
use uuid::Uuid;

use super::{node, str_bytes};
use crate::state::{BrokerState, NewTopic, Topic, TopicError};

/// Authorized operations were not requested (Kafka's `Integer.MIN_VALUE`).
const AUTHORIZED_OPERATIONS_OMITTED: i32 = i32::MIN;

pub(super) fn handle(
    state: &BrokerState,
    request: MetadataRequest,
    version: i16,
) -> MetadataResponse {
    let (host, port) = &state.advertised;
    let broker = MetadataResponseBroker::default()
        .with_node_id(node(state))
        .with_host(str_bytes(host.clone()))
        .with_port(i32::from(*port));
    // v0 asks for all topics with an empty list; v1+ with null.
    let all = match &request.topics {
        None => true,
        Some(list) => list.is_empty() && version == 0,
    };
    let topics = if all {
        state.topics().iter().map(|t| describe(state, t)).collect()
    } else {
        let allow_create = version < 4 || request.allow_auto_topic_creation;
        request
            .topics
            .unwrap_or_default()
            .into_iter()
            .map(|wanted| {
                lookup(
                    state,
                    wanted.name.map(|n| n.0.to_string()),
                    wanted.topic_id,
                    allow_create,
                )
            })
            .collect()
    };
    MetadataResponse::default()
        .with_brokers(vec![broker])
        .with_cluster_id(Some(str_bytes(state.cluster_id.clone())))
        .with_controller_id(node(state))
        .with_topics(topics)
        .with_cluster_authorized_operations(AUTHORIZED_OPERATIONS_OMITTED)
}

fn lookup(
    state: &BrokerState,
    name: Option<String>,
    id: Uuid,
    allow_create: bool,
) -> MetadataResponseTopic {
    let Some(name) = name else {
        return match state.topic_by_id(id) {
            Some(topic) => describe(state, &topic),
            None => error_topic(None, id, ErrorCode::UnknownTopicId),
        };
    };
    if let Some(topic) = state.topic(&name) {
        return describe(state, &topic);
    }
    if !(allow_create && state.config.auto_create_topics) {
        return error_topic(Some(name), Uuid::nil(), ErrorCode::UnknownTopicOrPartition);
    }
    let new = NewTopic {
        name: name.clone(),
        partitions: state.config.num_partitions,
        replication_factor: state.config.default_replication_factor,
        configs: BTreeMap::new(),
    };
    match state.create_topic(new, false) {
        Ok(Some(topic)) => describe(state, &topic),
        // Another request created it between our lookup and create.
        Err(TopicError::AlreadyExists(_)) | Ok(None) => match state.topic(&name) {
            Some(topic) => describe(state, &topic),
            None => error_topic(Some(name), Uuid::nil(), ErrorCode::UnknownTopicOrPartition),
        },
        Err(TopicError::InvalidName { .. }) => {
            error_topic(Some(name), Uuid::nil(), ErrorCode::InvalidTopicException)
        }
        Err(e) => {
            tracing::error!(topic = %name, "auto-creating topic failed: {e}");
            error_topic(Some(name), Uuid::nil(), ErrorCode::UnknownServerError)
        }
    }
}

fn describe(state: &BrokerState, topic: &Arc<Topic>) -> MetadataResponseTopic {
    let me = node(state);
    let partitions = topic
        .partitions()
        .iter()
        .map(|p| {
            MetadataResponsePartition::default()
                .with_partition_index(p.index)
                .with_leader_id(me)
                .with_leader_epoch(0)
                .with_replica_nodes(vec![me])
                .with_isr_nodes(vec![me])
        })
        .collect();
    MetadataResponseTopic::default()
        .with_name(Some(TopicName(str_bytes(topic.name.clone()))))
        .with_topic_id(topic.id)
        .with_partitions(partitions)
        .with_topic_authorized_operations(AUTHORIZED_OPERATIONS_OMITTED)
}

fn error_topic(name: Option<String>, id: Uuid, error: ErrorCode) -> MetadataResponseTopic {
    MetadataResponseTopic::default()
        .with_error_code(error.code())
        .with_name(name.map(|n| TopicName(str_bytes(n))))
        .with_topic_id(id)
        .with_topic_authorized_operations(AUTHORIZED_OPERATIONS_OMITTED)
}
