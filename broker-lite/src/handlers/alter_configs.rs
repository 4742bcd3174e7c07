//! AlterConfigs (v0–2) and IncrementalAlterConfigs (v0–1).
//!
//! Topic configs change live: the new overrides are validated (a bad value
//! is INVALID_CONFIG with a message naming the key), written to
//! topics.json and applied to every partition's log without a restart.
//! AlterConfigs replaces a topic's whole set of overrides, as in Kafka;
//! IncrementalAlterConfigs applies SET / DELETE / APPEND / SUBTRACT, the
//! last two only to list-typed configs.
//!
//! Every broker config of broker-lite is static (read from the properties
//! file and flags at start). Kafka answers an attempt to alter a static
//! broker config with INVALID_REQUEST, "Cannot update these configs
//! dynamically" (its `DynamicBrokerConfig` validation, surfaced as
//! InvalidRequestException, see KAFKA-13609), so broker-lite does the same.

use std::collections::{BTreeMap, HashSet};

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::messages::{
    AlterConfigsRequest, AlterConfigsResponse, IncrementalAlterConfigsRequest,
    IncrementalAlterConfigsResponse, alter_configs_response, incremental_alter_configs_response,
};

use super::str_bytes;
use crate::config::{ConfigError, ConfigType, TOPIC_CONFIGS};
use crate::state::{BrokerState, TopicError};

const RESOURCE_TOPIC: i8 = 2;
const RESOURCE_BROKER: i8 = 4;

const OP_SET: i8 = 0;
const OP_DELETE: i8 = 1;
const OP_APPEND: i8 = 2;
const OP_SUBTRACT: i8 = 3;

type Outcome = Result<(), (ErrorCode, String)>;

pub(super) fn handle_alter(
    state: &BrokerState,
    request: AlterConfigsRequest,
    _version: i16,
) -> AlterConfigsResponse {
    let validate_only = request.validate_only;
    let responses = request
        .resources
        .into_iter()
        .map(|resource| {
            let name = resource.resource_name.to_string();
            let keys: Vec<String> = resource
                .configs
                .iter()
                .map(|c| c.name.to_string())
                .collect();
            let outcome = match resource.resource_type {
                RESOURCE_TOPIC => {
                    // Kafka drops entries with a null value: they reset to
                    // the default, as every key left out does.
                    let overrides: BTreeMap<String, String> = resource
                        .configs
                        .into_iter()
                        .filter_map(|c| Some((c.name.to_string(), c.value?.to_string())))
                        .collect();
                    alter_topic(state, &name, validate_only, |configs| {
                        *configs = overrides;
                        Ok(())
                    })
                }
                RESOURCE_BROKER => alter_broker(state, &name, &keys),
                other => Err(unsupported_resource(other)),
            };
            let (code, message) = split(outcome);
            alter_configs_response::AlterConfigsResourceResponse::default()
                .with_error_code(code)
                .with_error_message(message.map(str_bytes))
                .with_resource_type(resource.resource_type)
                .with_resource_name(resource.resource_name)
        })
        .collect();
    AlterConfigsResponse::default().with_responses(responses)
}

pub(super) fn handle_incremental(
    state: &BrokerState,
    request: IncrementalAlterConfigsRequest,
    _version: i16,
) -> IncrementalAlterConfigsResponse {
    let validate_only = request.validate_only;
    let responses = request
        .resources
        .into_iter()
        .map(|resource| {
            let name = resource.resource_name.to_string();
            let ops: Vec<(String, i8, Option<String>)> = resource
                .configs
                .iter()
                .map(|c| {
                    (
                        c.name.to_string(),
                        c.config_operation,
                        c.value.as_ref().map(|v| v.to_string()),
                    )
                })
                .collect();
            let outcome = check_ops(&ops).and_then(|()| match resource.resource_type {
                RESOURCE_TOPIC => alter_topic(state, &name, validate_only, |configs| {
                    apply_ops(state, configs, &ops)
                }),
                RESOURCE_BROKER => {
                    let keys: Vec<String> = ops.iter().map(|(k, _, _)| k.clone()).collect();
                    alter_broker(state, &name, &keys)
                }
                RESOURCE_GROUP => alter_group(state, &name, validate_only, &ops),
                other => Err(unsupported_resource(other)),
            });
            let (code, message) = split(outcome);
            incremental_alter_configs_response::AlterConfigsResourceResponse::default()
                .with_error_code(code)
                .with_error_message(message.map(str_bytes))
                .with_resource_type(resource.resource_type)
                .with_resource_name(resource.resource_name)
        })
        .collect();
    IncrementalAlterConfigsResponse::default().with_responses(responses)
}

/// The request-shape checks Kafka makes before looking at values.
fn check_ops(ops: &[(String, i8, Option<String>)]) -> Outcome {
    let mut seen = HashSet::new();
    for (key, op, value) in ops {
        if !seen.insert(key.as_str()) {
            return Err((
                ErrorCode::InvalidRequest,
                format!("Error due to duplicate config keys: {key}"),
            ));
        }
        if !(OP_SET..=OP_SUBTRACT).contains(op) {
            return Err((
                ErrorCode::InvalidRequest,
                format!("Unknown config operation {op} for {key}"),
            ));
        }
        if value.is_none() && *op != OP_DELETE {
            return Err((
                ErrorCode::InvalidRequest,
                format!("Null value not supported for : {key}"),
            ));
        }
    }
    Ok(())
}

/// Applies the operations to a topic's overrides. APPEND and SUBTRACT start
/// from the effective value (override or broker default), as Kafka does.
fn apply_ops(
    state: &BrokerState,
    configs: &mut BTreeMap<String, String>,
    ops: &[(String, i8, Option<String>)],
) -> Result<(), ConfigError> {
    for (key, op, value) in ops {
        let value = value.as_deref().unwrap_or_default();
        match *op {
            OP_SET => {
                configs.insert(key.clone(), value.to_owned());
            }
            OP_DELETE => {
                configs.remove(key);
            }
            _ => {
                let def = TOPIC_CONFIGS
                    .iter()
                    .find(|d| d.name == key)
                    .ok_or_else(|| ConfigError::UnknownTopicConfig(key.clone()))?;
                if def.kind != ConfigType::List {
                    let verb = if *op == OP_APPEND {
                        "append"
                    } else {
                        "subtract"
                    };
                    return Err(ConfigError::InvalidValue {
                        key: key.clone(),
                        value: value.to_owned(),
                        reason: format!(
                            "Config value {verb} is not allowed for config key: {key} (it is not a list)"
                        ),
                    });
                }
                let current = match configs.get(key) {
                    Some(v) => v.clone(),
                    None => state
                        .config
                        .topic_entries(&BTreeMap::new())
                        .find(|e| e.def.name == key)
                        .map(|e| e.value)
                        .unwrap_or_default(),
                };
                let mut items: Vec<String> = split_list(&current);
                let given = split_list(value);
                if *op == OP_APPEND {
                    for item in given {
                        if !items.contains(&item) {
                            items.push(item);
                        }
                    }
                } else {
                    items.retain(|item| !given.contains(item));
                }
                configs.insert(key.clone(), items.join(","));
            }
        }
    }
    Ok(())
}

fn split_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn alter_topic(
    state: &BrokerState,
    name: &str,
    validate_only: bool,
    change: impl FnOnce(&mut BTreeMap<String, String>) -> Result<(), ConfigError>,
) -> Outcome {
    state
        .alter_topic_configs(name, validate_only, change)
        .map_err(|e| match e {
            TopicError::Unknown(_) => (
                ErrorCode::UnknownTopicOrPartition,
                format!("Topic '{name}' does not exist."),
            ),
            TopicError::Config(e) => (ErrorCode::InvalidConfig, e.to_string()),
            e => {
                tracing::error!(topic = name, "altering configs failed: {e}");
                (ErrorCode::KafkaStorageError, e.to_string())
            }
        })
}

fn alter_broker(state: &BrokerState, name: &str, keys: &[String]) -> Outcome {
    let node_id = state.config.node_id;
    if !name.is_empty() && name != node_id.to_string() {
        return Err((
            ErrorCode::InvalidRequest,
            format!(
                "Unexpected broker id, expected {node_id} or empty string, but received {name}"
            ),
        ));
    }
    if keys.is_empty() {
        return Ok(());
    }
    Err((
        ErrorCode::InvalidRequest,
        format!(
            "Cannot update these configs dynamically: {}. broker-lite's broker configs are all static: set them in the properties file or on the command line and restart.",
            keys.join(", ")
        ),
    ))
}

/// ConfigResource type GROUP (KIP-848/KIP-932 group configs).
const RESOURCE_GROUP: i8 = 32;

/// Group configs: broker-lite keeps two of Kafka's share-group configs
/// (`GroupConfig`, KIP-932): `share.auto.offset.reset`, `latest` (the
/// default, also what DELETE restores) or `earliest`; and
/// `share.record.lock.duration.ms`, which DELETE returns to the broker's
/// `group.share.record.lock.duration.ms`.
fn alter_group(
    state: &BrokerState,
    group_id: &str,
    validate_only: bool,
    ops: &[(String, i8, Option<String>)],
) -> Outcome {
    use crate::share::AutoOffsetReset;
    let mut reset = None;
    let mut lock_duration = None;
    for (key, op, value) in ops {
        match key.as_str() {
            SHARE_AUTO_OFFSET_RESET => {
                reset = Some(match (*op, value.as_deref()) {
                    (OP_SET, Some(v)) => AutoOffsetReset::parse(v).ok_or_else(|| {
                        (
                            ErrorCode::InvalidConfig,
                            format!(
                                "Invalid value {v} for configuration {key}: latest or earliest"
                            ),
                        )
                    })?,
                    (OP_DELETE, _) => AutoOffsetReset::Latest,
                    _ => {
                        return Err((
                            ErrorCode::InvalidConfig,
                            format!("{key} takes SET (latest, earliest) or DELETE"),
                        ));
                    }
                });
            }
            SHARE_RECORD_LOCK_DURATION_MS => {
                lock_duration = Some(match (*op, value.as_deref()) {
                    (OP_SET, Some(v)) => Some(record_lock_duration_ms(state, v)?),
                    (OP_DELETE, _) => None,
                    _ => {
                        return Err((
                            ErrorCode::InvalidConfig,
                            format!("{key} takes SET or DELETE"),
                        ));
                    }
                });
            }
            _ => {
                return Err((
                    ErrorCode::InvalidConfig,
                    format!("broker-lite keeps no group config {key}"),
                ));
            }
        }
    }
    if state.groups.list().iter().any(|g| g.group_id == group_id) {
        return Err((
            ErrorCode::InvalidConfig,
            format!("group {group_id} is not a share group"),
        ));
    }
    if validate_only {
        return Ok(());
    }
    if let Some(reset) = reset {
        state.shares.set_auto_offset_reset(group_id, reset);
    }
    if let Some(ms) = lock_duration {
        state.shares.set_record_lock_duration(group_id, ms);
    }
    Ok(())
}

/// `share.auto.offset.reset`, a group config.
pub(super) const SHARE_AUTO_OFFSET_RESET: &str = "share.auto.offset.reset";
/// `share.record.lock.duration.ms`, a group config.
pub(super) const SHARE_RECORD_LOCK_DURATION_MS: &str = "share.record.lock.duration.ms";

/// A group's `share.record.lock.duration.ms`, checked as Kafka 4.2 checks it
/// (`GroupConfig`): an INT of at least 1000, then within the broker's
/// `group.share.min.record.lock.duration.ms` and
/// `group.share.max.record.lock.duration.ms`; INVALID_CONFIG with Kafka's
/// messages otherwise.
fn record_lock_duration_ms(state: &BrokerState, value: &str) -> Result<i64, (ErrorCode, String)> {
    let key = SHARE_RECORD_LOCK_DURATION_MS;
    let invalid = |message: String| (ErrorCode::InvalidConfig, message);
    let ms: i32 = value.trim().parse().map_err(|_| {
        invalid(format!(
            "Invalid value {value} for configuration {key}: Not a number of type INT"
        ))
    })?;
    if ms < 1_000 {
        return Err(invalid(format!(
            "Invalid value {ms} for configuration {key}: Value must be at least 1000"
        )));
    }
    let group = &state.config.group;
    let ms = i64::from(ms);
    if ms < i64::try_from(group.share_min_record_lock_duration_ms).unwrap_or(i64::MAX) {
        return Err(invalid(format!(
            "{key} must be greater than or equal to group.share.min.record.lock.duration.ms"
        )));
    }
    if ms > i64::try_from(group.share_max_record_lock_duration_ms).unwrap_or(i64::MAX) {
        return Err(invalid(format!(
            "{key} must be less than or equal to group.share.max.record.lock.duration.ms"
        )));
    }
    Ok(ms)
}

fn unsupported_resource(resource_type: i8) -> (ErrorCode, String) {
    (
        ErrorCode::InvalidRequest,
        format!(
            "broker-lite can only alter topic (2) and broker (4) configs, not resource type {resource_type}"
        ),
    )
}

fn split(outcome: Outcome) -> (i16, Option<String>) {
    match outcome {
        Ok(()) => (0, None),
        Err((code, message)) => (code.code(), Some(message)),
    }
}
