//! Configs: DescribeConfigs, AlterConfigs and IncrementalAlterConfigs.
//!
//! A broker's own configs are described and altered on that broker (only it
//! knows its static config); topic configs and the cluster-wide broker
//! default go to any broker.

use std::collections::HashMap;
use std::fmt;

use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
use kafka_protocol::messages::{
    AlterConfigsRequest, ApiKey, DescribeConfigsRequest, IncrementalAlterConfigsRequest,
    alter_configs_request, incremental_alter_configs_request,
};

use super::{Admin, ResourceResult, check};
use crate::connection::Connection;
use crate::error::{Error, ErrorCode, ErrorContext, Result};
use crate::protocol::StrBytes;

/// Something that has configs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ConfigResource {
    /// A topic's configs, by name.
    Topic(String),
    /// One broker's configs, by id.
    Broker(i32),
    /// The dynamic default every broker inherits (`--entity-default`).
    BrokerDefault,
    /// One broker's log levels.
    BrokerLogger(i32),
    /// A group's configs (KIP-848, KIP-932), by group id: e.g. a share
    /// group's `share.record.lock.duration.ms` or `share.auto.offset.reset`.
    Group(String),
}

impl ConfigResource {
    /// Kafka's `ConfigResource.Type` code.
    pub fn wire_type(&self) -> i8 {
        match self {
            Self::Topic(_) => 2,
            Self::Broker(_) | Self::BrokerDefault => 4,
            Self::BrokerLogger(_) => 8,
            Self::Group(_) => 32,
        }
    }

    /// The resource name sent on the wire: the topic, the broker id, the
    /// group id, or empty for the broker default.
    pub fn wire_name(&self) -> String {
        match self {
            Self::Topic(name) | Self::Group(name) => name.clone(),
            Self::Broker(id) | Self::BrokerLogger(id) => id.to_string(),
            Self::BrokerDefault => String::new(),
        }
    }

    /// The broker that must receive requests about this resource, if any.
    fn destination(&self) -> Option<i32> {
        match self {
            Self::Broker(id) | Self::BrokerLogger(id) => Some(*id),
            Self::Topic(_) | Self::BrokerDefault | Self::Group(_) => None,
        }
    }

    fn context(&self, api_key: ApiKey) -> ErrorContext {
        match self {
            Self::Topic(name) => ErrorContext::topic(api_key, name),
            other => ErrorContext::api(api_key).with_message(Some(other.to_string())),
        }
    }
}

impl fmt::Display for ConfigResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Topic(name) => write!(f, "topic {name}"),
            Self::Broker(id) => write!(f, "broker {id}"),
            Self::BrokerDefault => f.write_str("the default broker config"),
            Self::BrokerLogger(id) => write!(f, "broker {id}'s loggers"),
            Self::Group(id) => write!(f, "group {id}"),
        }
    }
}

/// Where a config's value comes from (Kafka's `ConfigEntry.ConfigSource`),
/// most specific first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConfigSource {
    /// Set on the topic (`kafka-configs --entity-type topics`).
    DynamicTopic,
    /// Set dynamically on this broker.
    DynamicBroker,
    /// Set dynamically as the default of every broker.
    DynamicDefaultBroker,
    /// From the broker's `server.properties`.
    StaticBroker,
    /// Kafka's built-in default.
    Default,
    /// A broker log level set dynamically.
    DynamicBrokerLogger,
    /// A client metrics subscription's config (KIP-714).
    ClientMetrics,
    /// A group's config (KIP-848).
    Group,
    /// A source this client does not know (a newer broker's).
    Unknown,
}

impl ConfigSource {
    /// The source for Kafka's wire code; [`ConfigSource::Unknown`] for codes
    /// this client does not know.
    pub fn from_wire(code: i8) -> Self {
        match code {
            1 => Self::DynamicTopic,
            2 => Self::DynamicBroker,
            3 => Self::DynamicDefaultBroker,
            4 => Self::StaticBroker,
            5 => Self::Default,
            6 => Self::DynamicBrokerLogger,
            7 => Self::ClientMetrics,
            8 => Self::Group,
            _ => Self::Unknown,
        }
    }

    /// Kafka's name for it, e.g. `DYNAMIC_TOPIC_CONFIG`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DynamicTopic => "DYNAMIC_TOPIC_CONFIG",
            Self::DynamicBroker => "DYNAMIC_BROKER_CONFIG",
            Self::DynamicDefaultBroker => "DYNAMIC_DEFAULT_BROKER_CONFIG",
            Self::StaticBroker => "STATIC_BROKER_CONFIG",
            Self::Default => "DEFAULT_CONFIG",
            Self::DynamicBrokerLogger => "DYNAMIC_BROKER_LOGGER_CONFIG",
            Self::ClientMetrics => "CLIENT_METRICS_CONFIG",
            Self::Group => "GROUP_CONFIG",
            Self::Unknown => "UNKNOWN",
        }
    }
}

/// A config's type (Kafka's `ConfigEntry.ConfigType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConfigType {
    /// `true` or `false`.
    Boolean,
    /// Free text.
    String,
    /// A 32-bit integer.
    Int,
    /// A 16-bit integer.
    Short,
    /// A 64-bit integer.
    Long,
    /// A floating-point number.
    Double,
    /// A comma-separated list.
    List,
    /// A Java class name.
    Class,
    /// A secret; brokers never return its value.
    Password,
    /// A type this client does not know (a newer broker's), or none given
    /// (DescribeConfigs before v3).
    Unknown,
}

impl ConfigType {
    /// The type for Kafka's wire code; [`ConfigType::Unknown`] for codes this
    /// client does not know.
    pub fn from_wire(code: i8) -> Self {
        match code {
            1 => Self::Boolean,
            2 => Self::String,
            3 => Self::Int,
            4 => Self::Short,
            5 => Self::Long,
            6 => Self::Double,
            7 => Self::List,
            8 => Self::Class,
            9 => Self::Password,
            _ => Self::Unknown,
        }
    }

    /// Kafka's name for it, e.g. `INT`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Boolean => "BOOLEAN",
            Self::String => "STRING",
            Self::Int => "INT",
            Self::Short => "SHORT",
            Self::Long => "LONG",
            Self::Double => "DOUBLE",
            Self::List => "LIST",
            Self::Class => "CLASS",
            Self::Password => "PASSWORD",
            Self::Unknown => "UNKNOWN",
        }
    }
}

/// A value the config would take if the more specific ones were removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigSynonym {
    /// The config's name.
    pub name: String,
    /// Its value there; `None` for sensitive ones.
    pub value: Option<String>,
    /// Where that value is set.
    pub source: ConfigSource,
}

/// One config of a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigEntry {
    /// The config's name, e.g. `retention.ms`.
    pub name: String,
    /// `None` for sensitive configs, and for configs without a value.
    pub value: Option<String>,
    /// Where the value comes from, the most specific source that sets it.
    pub source: ConfigSource,
    /// Whether the value is the built-in default (no override anywhere).
    pub is_default: bool,
    /// Whether it cannot be altered without a broker restart.
    pub read_only: bool,
    /// Whether it is a secret (its value is never returned).
    pub sensitive: bool,
    /// Its type; [`ConfigType::Unknown`] from brokers before DescribeConfigs
    /// v3.
    pub config_type: ConfigType,
    /// Only when asked for ([`DescribeConfigsOptions::include_documentation`]).
    pub documentation: Option<String>,
    /// Only when asked for ([`DescribeConfigsOptions::include_synonyms`]).
    pub synonyms: Vec<ConfigSynonym>,
}

/// Options of [`Admin::describe_configs`].
#[derive(Debug, Clone, Default)]
pub struct DescribeConfigsOptions {
    /// Only these configs; empty means all.
    pub names: Vec<String>,
    /// Also return [`ConfigEntry::synonyms`]: the values each less specific
    /// source would give. Default false.
    pub include_synonyms: bool,
    /// Also return [`ConfigEntry::documentation`]. Default false.
    pub include_documentation: bool,
}

/// One change of [`Admin::incremental_alter_configs`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlterConfigOp {
    /// Set the config to `value`.
    Set {
        /// The config's name.
        name: String,
        /// Its new value.
        value: String,
    },
    /// Back to the inherited value.
    Delete {
        /// The config's name.
        name: String,
    },
    /// Add to a list config.
    Append {
        /// The config's name (a list config).
        name: String,
        /// The element to add.
        value: String,
    },
    /// Remove from a list config.
    Subtract {
        /// The config's name (a list config).
        name: String,
        /// The element to remove.
        value: String,
    },
}

impl AlterConfigOp {
    fn wire(&self) -> (i8, &str, Option<&str>) {
        match self {
            Self::Set { name, value } => (0, name, Some(value)),
            Self::Delete { name } => (1, name, None),
            Self::Append { name, value } => (2, name, Some(value)),
            Self::Subtract { name, value } => (3, name, Some(value)),
        }
    }
}

fn s(value: &str) -> StrBytes {
    StrBytes::from_string(value.to_owned())
}

impl Admin {
    /// Configs of each resource, one result per resource, in order.
    ///
    /// ```no_run
    /// use kctl_client::admin::{ConfigResource, DescribeConfigsOptions, ItemResults};
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// let configs = admin
    ///     .describe_configs(&[ConfigResource::Broker(1)], &DescribeConfigsOptions::default())
    ///     .await?
    ///     .all()?;
    /// for entry in &configs[0] {
    ///     println!("{} = {:?} ({})", entry.name, entry.value, entry.source.as_str());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn describe_configs(
        &self,
        resources: &[ConfigResource],
        options: &DescribeConfigsOptions,
    ) -> Result<Vec<ResourceResult<Vec<ConfigEntry>>>> {
        let results = self
            .per_item("DescribeConfigs", resources.to_vec(), |batch| async move {
                self.by_destination(batch, |conn, group| {
                    describe_configs_on(conn, group, options)
                })
                .await
            })
            .await;
        Ok(zip_resources(resources, results))
    }

    /// Replaces each resource's dynamic configs with `configs` (AlterConfigs:
    /// configs left out go back to their defaults). Prefer
    /// [`Admin::incremental_alter_configs`] where the broker has it.
    ///
    /// ```no_run
    /// use kctl_client::admin::{ConfigResource, ItemResults};
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// let retention = vec![("retention.ms".to_string(), "86400000".to_string())];
    /// admin
    ///     .alter_configs(&[(ConfigResource::Topic("orders".into()), retention)], false)
    ///     .await?
    ///     .all()?; // any resource that failed is an Err
    /// # Ok(()) }
    /// ```
    pub async fn alter_configs(
        &self,
        changes: &[(ConfigResource, Vec<(String, String)>)],
        validate_only: bool,
    ) -> Result<Vec<ResourceResult<()>>> {
        let resources: Vec<ConfigResource> = changes.iter().map(|(r, _)| r.clone()).collect();
        let results = self
            .per_item("AlterConfigs", changes.to_vec(), |batch| async move {
                self.by_destination_keyed(
                    batch,
                    |(r, _)| r,
                    |conn, group| alter_configs_on(conn, group, validate_only),
                )
                .await
            })
            .await;
        Ok(zip_resources(&resources, results))
    }

    /// Applies set/delete/append/subtract operations to each resource
    /// (IncrementalAlterConfigs, Kafka 2.3+).
    ///
    /// ```no_run
    /// use kctl_client::admin::{AlterConfigOp, ConfigResource, ItemResults};
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// let set = AlterConfigOp::Set { name: "retention.ms".into(), value: "3600000".into() };
    /// admin
    ///     .incremental_alter_configs(&[(ConfigResource::Topic("orders".into()), vec![set])], false)
    ///     .await?
    ///     .all()?;
    /// # Ok(()) }
    /// ```
    pub async fn incremental_alter_configs(
        &self,
        changes: &[(ConfigResource, Vec<AlterConfigOp>)],
        validate_only: bool,
    ) -> Result<Vec<ResourceResult<()>>> {
        let resources: Vec<ConfigResource> = changes.iter().map(|(r, _)| r.clone()).collect();
        let results = self
            .per_item(
                "IncrementalAlterConfigs",
                changes.to_vec(),
                |batch| async move {
                    self.by_destination_keyed(
                        batch,
                        |(r, _)| r,
                        |conn, group| incremental_alter_configs_on(conn, group, validate_only),
                    )
                    .await
                },
            )
            .await;
        Ok(zip_resources(&resources, results))
    }

    async fn by_destination<T, F, Fut>(
        &self,
        items: Vec<ConfigResource>,
        send: F,
    ) -> Result<Vec<Result<T>>>
    where
        T: Clone,
        F: Fn(std::sync::Arc<Connection>, Vec<ConfigResource>) -> Fut,
        Fut: std::future::Future<Output = Result<Vec<Result<T>>>>,
    {
        self.by_destination_keyed(items, |r| r, send).await
    }

    /// Sends each group of items to the broker its resource names (or any
    /// broker), concurrently, and puts the answers back in item order.
    async fn by_destination_keyed<K, T, R, F, Fut>(
        &self,
        items: Vec<K>,
        resource: R,
        send: F,
    ) -> Result<Vec<Result<T>>>
    where
        K: Clone,
        T: Clone,
        R: Fn(&K) -> &ConfigResource,
        F: Fn(std::sync::Arc<Connection>, Vec<K>) -> Fut,
        Fut: std::future::Future<Output = Result<Vec<Result<T>>>>,
    {
        let mut groups: Vec<(Option<i32>, Vec<usize>)> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let destination = resource(item).destination();
            match groups.iter_mut().find(|(d, _)| *d == destination) {
                Some((_, members)) => members.push(i),
                None => groups.push((destination, vec![i])),
            }
        }
        let sends = groups.iter().map(|(destination, members)| {
            let group: Vec<K> = members.iter().map(|&i| items[i].clone()).collect();
            let send = &send;
            async move {
                let conn = match destination {
                    Some(id) => self.broker_connection(*id).await?,
                    None => self.client.any_connection().await?.0,
                };
                send(conn, group).await
            }
        });
        let answers = futures::future::join_all(sends).await;
        let mut results: Vec<Option<Result<T>>> = items.iter().map(|_| None).collect();
        for ((_, members), answer) in groups.iter().zip(answers) {
            match answer {
                Ok(per_item) => {
                    for (&i, r) in members.iter().zip(per_item) {
                        results[i] = Some(r);
                    }
                }
                Err(e) => {
                    for &i in members {
                        results[i] = Some(Err(e.clone()));
                    }
                }
            }
        }
        #[allow(
            clippy::expect_used,
            reason = "the loop above fills every slot: each item is in exactly one request, answered or failed"
        )]
        let results = results
            .into_iter()
            .map(|r| r.expect("every item belongs to one group"))
            .collect();
        Ok(results)
    }
}

fn zip_resources<T>(
    resources: &[ConfigResource],
    results: Vec<Result<T>>,
) -> Vec<ResourceResult<T>> {
    resources
        .iter()
        .cloned()
        .zip(results)
        .map(|(resource, result)| ResourceResult { resource, result })
        .collect()
}

fn not_answered(resource: &ConfigResource, api_key: ApiKey) -> Error {
    Error::kafka(
        ErrorCode::UnknownServerError,
        resource
            .context(api_key)
            .with_message(Some(format!("the broker's response left out {resource}"))),
    )
}

async fn describe_configs_on(
    conn: std::sync::Arc<Connection>,
    resources: Vec<ConfigResource>,
    options: &DescribeConfigsOptions,
) -> Result<Vec<Result<Vec<ConfigEntry>>>> {
    let keys =
        (!options.names.is_empty()).then(|| options.names.iter().map(|n| s(n)).collect::<Vec<_>>());
    let request = DescribeConfigsRequest::default()
        .with_include_synonyms(options.include_synonyms)
        .with_include_documentation(options.include_documentation)
        .with_resources(
            resources
                .iter()
                .map(|r| {
                    DescribeConfigsResource::default()
                        .with_resource_type(r.wire_type())
                        .with_resource_name(s(&r.wire_name()))
                        .with_configuration_keys(keys.clone())
                })
                .collect(),
        );
    let response = conn.request(&request).await?;
    let mut by_key: HashMap<(i8, String), _> = response
        .results
        .into_iter()
        .map(|r| ((r.resource_type, r.resource_name.to_string()), r))
        .collect();
    Ok(resources
        .iter()
        .map(|resource| {
            let Some(r) = by_key.remove(&(resource.wire_type(), resource.wire_name())) else {
                return Err(not_answered(resource, ApiKey::DescribeConfigs));
            };
            check(
                r.error_code,
                r.error_message.as_ref(),
                resource.context(ApiKey::DescribeConfigs),
            )?;
            let mut entries: Vec<ConfigEntry> = r
                .configs
                .into_iter()
                .map(|c| {
                    let source = ConfigSource::from_wire(c.config_source);
                    ConfigEntry {
                        name: c.name.to_string(),
                        value: c.value.map(|v| v.to_string()),
                        is_default: source == ConfigSource::Default,
                        source,
                        read_only: c.read_only,
                        sensitive: c.is_sensitive,
                        config_type: ConfigType::from_wire(c.config_type),
                        documentation: c.documentation.map(|d| d.to_string()),
                        synonyms: c
                            .synonyms
                            .into_iter()
                            .map(|syn| ConfigSynonym {
                                name: syn.name.to_string(),
                                value: syn.value.map(|v| v.to_string()),
                                source: ConfigSource::from_wire(syn.source),
                            })
                            .collect(),
                    }
                })
                .collect();
            entries.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(entries)
        })
        .collect())
}

async fn alter_configs_on(
    conn: std::sync::Arc<Connection>,
    changes: Vec<(ConfigResource, Vec<(String, String)>)>,
    validate_only: bool,
) -> Result<Vec<Result<()>>> {
    let request = AlterConfigsRequest::default()
        .with_validate_only(validate_only)
        .with_resources(
            changes
                .iter()
                .map(|(r, configs)| {
                    alter_configs_request::AlterConfigsResource::default()
                        .with_resource_type(r.wire_type())
                        .with_resource_name(s(&r.wire_name()))
                        .with_configs(
                            configs
                                .iter()
                                .map(|(k, v)| {
                                    alter_configs_request::AlterableConfig::default()
                                        .with_name(s(k))
                                        .with_value(Some(s(v)))
                                })
                                .collect(),
                        )
                })
                .collect(),
        );
    let response = conn.request(&request).await?;
    let answers = response.responses.into_iter().map(|r| {
        (
            r.resource_type,
            r.resource_name.to_string(),
            r.error_code,
            r.error_message,
        )
    });
    Ok(outcomes(&changes, answers, ApiKey::AlterConfigs))
}

/// Each changed resource's outcome, in request order, from a response that
/// answers per resource (type, name, error code, message) in any order; a
/// resource the broker left out is an error, never a silent success.
fn outcomes<T>(
    changes: &[(ConfigResource, T)],
    answers: impl IntoIterator<Item = (i8, String, i16, Option<StrBytes>)>,
    api: ApiKey,
) -> Vec<Result<()>> {
    let mut by_key: HashMap<(i8, String), (i16, Option<StrBytes>)> = answers
        .into_iter()
        .map(|(kind, name, code, message)| ((kind, name), (code, message)))
        .collect();
    changes
        .iter()
        .map(
            |(resource, _)| match by_key.remove(&(resource.wire_type(), resource.wire_name())) {
                Some((code, message)) => check(code, message.as_ref(), resource.context(api)),
                None => Err(not_answered(resource, api)),
            },
        )
        .collect()
}

/// The IncrementalAlterConfigs request for `changes`; separate so its shape
/// can be checked without a broker that speaks the API.
pub(crate) fn incremental_request(
    changes: &[(ConfigResource, Vec<AlterConfigOp>)],
    validate_only: bool,
) -> IncrementalAlterConfigsRequest {
    IncrementalAlterConfigsRequest::default()
        .with_validate_only(validate_only)
        .with_resources(
            changes
                .iter()
                .map(|(r, ops)| {
                    incremental_alter_configs_request::AlterConfigsResource::default()
                        .with_resource_type(r.wire_type())
                        .with_resource_name(s(&r.wire_name()))
                        .with_configs(
                            ops.iter()
                                .map(|op| {
                                    let (code, name, value) = op.wire();
                                    incremental_alter_configs_request::AlterableConfig::default()
                                        .with_name(s(name))
                                        .with_config_operation(code)
                                        .with_value(value.map(s))
                                })
                                .collect(),
                        )
                })
                .collect(),
        )
}

async fn incremental_alter_configs_on(
    conn: std::sync::Arc<Connection>,
    changes: Vec<(ConfigResource, Vec<AlterConfigOp>)>,
    validate_only: bool,
) -> Result<Vec<Result<()>>> {
    let request = incremental_request(&changes, validate_only);
    let response = conn.request(&request).await?;
    let answers = response.responses.into_iter().map(|r| {
        (
            r.resource_type,
            r.resource_name.to_string(),
            r.error_code,
            r.error_message,
        )
    });
    Ok(outcomes(&changes, answers, ApiKey::IncrementalAlterConfigs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incremental_ops_use_kafkas_operation_codes() {
        let request = incremental_request(
            &[
                (
                    ConfigResource::Topic("orders".into()),
                    vec![
                        AlterConfigOp::Set {
                            name: "retention.ms".into(),
                            value: "1000".into(),
                        },
                        AlterConfigOp::Delete {
                            name: "cleanup.policy".into(),
                        },
                        AlterConfigOp::Append {
                            name: "follower.replication.throttled.replicas".into(),
                            value: "0:1".into(),
                        },
                        AlterConfigOp::Subtract {
                            name: "leader.replication.throttled.replicas".into(),
                            value: "0:1".into(),
                        },
                    ],
                ),
                (ConfigResource::BrokerDefault, vec![]),
            ],
            true,
        );
        assert!(request.validate_only);
        let topic = &request.resources[0];
        assert_eq!(
            (topic.resource_type, topic.resource_name.as_str()),
            (2, "orders")
        );
        let ops: Vec<(i8, &str, Option<&str>)> = topic
            .configs
            .iter()
            .map(|c| (c.config_operation, c.name.as_str(), c.value.as_deref()))
            .collect();
        assert_eq!(
            ops,
            [
                (0, "retention.ms", Some("1000")),
                (1, "cleanup.policy", None),
                (2, "follower.replication.throttled.replicas", Some("0:1")),
                (3, "leader.replication.throttled.replicas", Some("0:1")),
            ]
        );
        let default = &request.resources[1];
        assert_eq!(
            (default.resource_type, default.resource_name.as_str()),
            (4, "")
        );
    }

    #[test]
    fn resources_route_broker_configs_to_their_broker() {
        assert_eq!(ConfigResource::Broker(3).destination(), Some(3));
        assert_eq!(ConfigResource::BrokerLogger(3).wire_type(), 8);
        assert_eq!(ConfigResource::Topic("t".into()).destination(), None);
        assert_eq!(ConfigResource::BrokerDefault.destination(), None);
        let group = ConfigResource::Group("workers".into());
        assert_eq!(
            (group.wire_type(), group.wire_name(), group.destination()),
            (32, "workers".to_owned(), None)
        );
        assert_eq!(ConfigSource::from_wire(1), ConfigSource::DynamicTopic);
        assert_eq!(ConfigSource::from_wire(42), ConfigSource::Unknown);
        assert_eq!(ConfigType::from_wire(9).as_str(), "PASSWORD");
    }
}
