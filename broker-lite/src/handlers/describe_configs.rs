//! DescribeConfigs: v1–4, for topics, this broker and groups.
//!
//! Every config is reported with its effective value and where it came
//! from; with `include_synonyms`, the chain behind it (topic override →
//! broker setting → default), as Kafka does.

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::messages::describe_configs_response::{
    DescribeConfigsResourceResult, DescribeConfigsResult, DescribeConfigsSynonym,
};
use kctl_client::protocol::messages::{DescribeConfigsRequest, DescribeConfigsResponse};

use super::str_bytes;
use crate::config::{TopicEntry, TopicValueSource};
use crate::state::BrokerState;

const RESOURCE_TOPIC: i8 = 2;
const RESOURCE_BROKER: i8 = 4;
const RESOURCE_GROUP: i8 = 32;

/// Kafka's `ConfigSource` codes.
const SOURCE_DYNAMIC_TOPIC: i8 = 1;
const SOURCE_STATIC_BROKER: i8 = 4;
const SOURCE_DEFAULT: i8 = 5;
const SOURCE_GROUP: i8 = 8;
/// Kafka's `ConfigType` codes for STRING and INT.
const TYPE_STRING: i8 = 2;
const TYPE_INT: i8 = 3;

pub(crate) fn source_code(source: TopicValueSource) -> i8 {
    match source {
        TopicValueSource::Topic => SOURCE_DYNAMIC_TOPIC,
        TopicValueSource::Broker => SOURCE_STATIC_BROKER,
        TopicValueSource::Default => SOURCE_DEFAULT,
    }
}

pub(super) fn handle(
    state: &BrokerState,
    request: DescribeConfigsRequest,
    _version: i16,
) -> DescribeConfigsResponse {
    let results = request
        .resources
        .into_iter()
        .map(|resource| {
            // Null or empty both mean every key, as in Kafka's ConfigHelper.
            let wanted = |name: &str| {
                resource
                    .configuration_keys
                    .as_ref()
                    .is_none_or(|keys| keys.is_empty() || keys.iter().any(|k| k.as_str() == name))
            };
            let result = DescribeConfigsResult::default()
                .with_resource_type(resource.resource_type)
                .with_resource_name(resource.resource_name.clone());
            match resource.resource_type {
                RESOURCE_TOPIC => match state.topic(resource.resource_name.as_str()) {
                    Some(topic) => {
                        let overrides = topic.configs();
                        let configs = state
                            .config
                            .topic_entries(&overrides)
                            .filter(|e| wanted(e.def.name))
                            .map(|e| {
                                topic_entry(
                                    state,
                                    e,
                                    request.include_synonyms,
                                    request.include_documentation,
                                )
                            })
                            .collect();
                        result.with_configs(configs)
                    }
                    None => result
                        .with_error_code(ErrorCode::UnknownTopicOrPartition.code())
                        .with_error_message(Some(str_bytes(format!(
                            "Topic '{}' does not exist.",
                            resource.resource_name.as_str()
                        )))),
                },
                RESOURCE_BROKER => {
                    let name = resource.resource_name.as_str();
                    if !name.is_empty() && name != state.config.node_id.to_string() {
                        return result
                            .with_error_code(ErrorCode::InvalidRequest.code())
                            .with_error_message(Some(str_bytes(format!(
                                "Unexpected broker id, expected {} but received {name}",
                                state.config.node_id
                            ))));
                    }
                    let configs = state
                        .config
                        .entries()
                        .into_iter()
                        .filter(|e| wanted(e.name))
                        .map(|e| {
                            let source = if e.is_default {
                                SOURCE_DEFAULT
                            } else {
                                SOURCE_STATIC_BROKER
                            };
                            let synonyms = if request.include_synonyms {
                                vec![
                                    DescribeConfigsSynonym::default()
                                        .with_name(str_bytes(e.name))
                                        .with_value(Some(str_bytes(e.value.clone())))
                                        .with_source(source),
                                ]
                            } else {
                                Vec::new()
                            };
                            DescribeConfigsResourceResult::default()
                                .with_name(str_bytes(e.name))
                                .with_value(Some(str_bytes(e.value)))
                                .with_read_only(true)
                                .with_config_source(source)
                                .with_config_type(e.kind as i8)
                                .with_synonyms(synonyms)
                                .with_documentation(
                                    request.include_documentation.then(|| str_bytes(e.doc)),
                                )
                        })
                        .collect();
                    result.with_configs(configs)
                }
                // The group configs broker-lite keeps (see
                // `alter_configs`); a group that has none, or does not
                // exist, has the defaults, as in Kafka: `latest`, and the
                // broker's `group.share.record.lock.duration.ms`.
                RESOURCE_GROUP => {
                    let group = state.shares.snapshot(resource.resource_name.as_str());
                    let reset = group
                        .as_ref()
                        .map(|g| g.auto_offset_reset)
                        .unwrap_or_default();
                    let lock_ms = group.as_ref().and_then(|g| g.record_lock_duration_ms);
                    let source = |set: bool| if set { SOURCE_GROUP } else { SOURCE_DEFAULT };
                    let entries = [
                        (
                            super::alter_configs::SHARE_AUTO_OFFSET_RESET,
                            reset.name().to_owned(),
                            source(reset != Default::default()),
                            TYPE_STRING,
                        ),
                        (
                            super::alter_configs::SHARE_RECORD_LOCK_DURATION_MS,
                            lock_ms.map_or_else(
                                || state.config.group.share_record_lock_duration_ms.to_string(),
                                |ms| ms.to_string(),
                            ),
                            source(lock_ms.is_some()),
                            TYPE_INT,
                        ),
                    ];
                    let configs = entries
                        .into_iter()
                        .filter(|(name, ..)| wanted(name))
                        .map(|(name, value, source, kind)| {
                            DescribeConfigsResourceResult::default()
                                .with_name(str_bytes(name))
                                .with_value(Some(str_bytes(value.clone())))
                                .with_config_source(source)
                                .with_config_type(kind)
                                .with_synonyms(if request.include_synonyms {
                                    vec![
                                        DescribeConfigsSynonym::default()
                                            .with_name(str_bytes(name))
                                            .with_value(Some(str_bytes(value)))
                                            .with_source(source),
                                    ]
                                } else {
                                    Vec::new()
                                })
                        })
                        .collect();
                    result.with_configs(configs)
                }
                other => result
                    .with_error_code(ErrorCode::InvalidRequest.code())
                    .with_error_message(Some(str_bytes(format!(
                        "broker-lite cannot describe resource type {other}"
                    )))),
            }
        })
        .collect();
    DescribeConfigsResponse::default().with_results(results)
}

fn topic_entry(
    state: &BrokerState,
    entry: TopicEntry,
    include_synonyms: bool,
    include_documentation: bool,
) -> DescribeConfigsResourceResult {
    let mut synonyms = Vec::new();
    if include_synonyms {
        if entry.source == TopicValueSource::Topic {
            synonyms.push(synonym(
                entry.def.name,
                entry.value.clone(),
                SOURCE_DYNAMIC_TOPIC,
            ));
        }
        let broker_default = state
            .config
            .topic_entries(&Default::default())
            .find(|e| e.def.name == entry.def.name);
        if let Some(default) = broker_default {
            synonyms.push(synonym(
                entry.def.broker_key,
                default.value,
                source_code(default.source),
            ));
        }
    }
    DescribeConfigsResourceResult::default()
        .with_name(str_bytes(entry.def.name))
        .with_value(Some(str_bytes(entry.value)))
        .with_read_only(false)
        .with_config_source(source_code(entry.source))
        .with_config_type(entry.def.kind as i8)
        .with_synonyms(synonyms)
        .with_documentation(include_documentation.then(|| str_bytes(entry.def.doc)))
}

fn synonym(name: &str, value: String, source: i8) -> DescribeConfigsSynonym {
    DescribeConfigsSynonym::default()
        .with_name(str_bytes(name))
        .with_value(Some(str_bytes(value)))
        .with_source(source)
}
