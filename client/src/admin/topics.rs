//! Topics: create, delete, list, describe, and adding partitions.

use std::collections::HashMap;
use std::fmt;

use kafka_protocol::messages::create_partitions_request::CreatePartitionsTopic;
use kafka_protocol::messages::create_topics_request::{
    CreatableReplicaAssignment, CreatableTopic, CreatableTopicConfig,
};
use kafka_protocol::messages::delete_topics_request::DeleteTopicState;
use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::{
    ApiKey, BrokerId, CreatePartitionsRequest, CreateTopicsRequest, DeleteTopicsRequest,
    MetadataRequest, MetadataResponse, TopicName,
};
use uuid::Uuid;

use super::configs::{ConfigEntry, ConfigSource, ConfigType};
use super::{Admin, TopicResult, check};
use crate::error::{Error, ErrorCode, ErrorContext, Result};
use crate::protocol::StrBytes;

/// A topic's id (KIP-516). Shown the way Kafka shows it: 22 characters of
/// URL-safe base64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TopicId(pub Uuid);

impl TopicId {
    /// `None` for the all-zero id brokers send when they have none.
    pub fn from_wire(id: Uuid) -> Option<Self> {
        (!id.is_nil()).then_some(Self(id))
    }
}

impl fmt::Display for TopicId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let bytes = self.0.as_bytes();
        let mut out = String::with_capacity(22);
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                chunk.get(1).copied().unwrap_or(0),
                chunk.get(2).copied().unwrap_or(0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            // 3 bytes give 4 characters, a final single byte only 2.
            let chars = chunk.len() + 1;
            for i in 0..chars {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        f.write_str(&out)
    }
}

/// A topic to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTopic {
    /// The topic's name.
    pub name: String,
    /// `None`: the broker's `num.partitions`.
    pub partitions: Option<i32>,
    /// `None`: the broker's `default.replication.factor`.
    pub replication_factor: Option<i16>,
    /// Explicit placement, partition by partition (replica broker ids);
    /// excludes `partitions` and `replication_factor`.
    pub assignments: Vec<Vec<i32>>,
    /// Topic config overrides, in order.
    pub configs: Vec<(String, String)>,
}

impl NewTopic {
    /// A topic named `name` with the broker's defaults: `num.partitions`
    /// partitions, `default.replication.factor` replicas, no config
    /// overrides. Chain the setters to change them.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            partitions: None,
            replication_factor: None,
            assignments: Vec::new(),
            configs: Vec::new(),
        }
    }

    /// The number of partitions. Default: the broker's `num.partitions`.
    pub fn partitions(mut self, partitions: i32) -> Self {
        self.partitions = Some(partitions);
        self
    }

    /// Replicas per partition. Default: the broker's
    /// `default.replication.factor`.
    pub fn replication_factor(mut self, replication_factor: i16) -> Self {
        self.replication_factor = Some(replication_factor);
        self
    }

    /// A topic config override, e.g. `("cleanup.policy", "compact")`.
    /// Default: none (the broker's defaults).
    pub fn config(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.configs.push((name.into(), value.into()));
        self
    }
}

/// Options of [`Admin::create_topics`].
#[derive(Debug, Clone, Copy, Default)]
pub struct CreateTopicsOptions {
    /// Check the request (name, partitions, configs) without creating.
    pub validate_only: bool,
}

/// What the controller reported for a created (or validated) topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedTopic {
    /// The topic's name.
    pub name: String,
    /// `None` when validating only, or from brokers before CreateTopics v7.
    pub topic_id: Option<TopicId>,
    /// `None` from brokers before CreateTopics v5.
    pub partitions: Option<i32>,
    /// `None` from brokers before CreateTopics v5.
    pub replication_factor: Option<i16>,
    /// The topic's effective configs (CreateTopics v5+).
    pub configs: Vec<ConfigEntry>,
}

/// A topic as listed by [`Admin::list_topics`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicListing {
    /// The topic's name.
    pub name: String,
    /// Its id; `None` from brokers without topic ids (before Kafka 2.8).
    pub topic_id: Option<TopicId>,
    /// Whether it is an internal topic (`__consumer_offsets`, ...).
    pub is_internal: bool,
    /// Its number of partitions.
    pub partitions: i32,
    /// Replicas of partition 0 (Kafka keeps it uniform per topic).
    pub replication_factor: i32,
}

/// One partition's placement and health.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionInfo {
    /// The partition's number.
    pub partition: i32,
    /// `None` while the partition has no leader.
    pub leader: Option<i32>,
    /// The leader epoch (KIP-320); `None` when the broker does not say.
    pub leader_epoch: Option<i32>,
    /// Ids of the brokers holding a replica, the preferred leader first.
    pub replicas: Vec<i32>,
    /// Ids of the in-sync replicas.
    pub isr: Vec<i32>,
    /// Ids of replicas on offline log directories.
    pub offline_replicas: Vec<i32>,
    /// A partition-level error from Metadata (LEADER_NOT_AVAILABLE, …).
    pub error: Option<ErrorCode>,
}

/// A topic as described by [`Admin::describe_topics`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicDescription {
    /// The topic's name.
    pub name: String,
    /// Its id; `None` from brokers without topic ids.
    pub topic_id: Option<TopicId>,
    /// Whether it is an internal topic.
    pub is_internal: bool,
    /// Sorted by partition id.
    pub partitions: Vec<PartitionInfo>,
}

/// Grow a topic to `total` partitions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPartitions {
    /// The topic to grow.
    pub topic: String,
    /// Its partition count afterwards (not the number added).
    pub total: i32,
    /// Replica broker ids of each new partition; empty lets the controller
    /// place them.
    pub assignments: Vec<Vec<i32>>,
}

impl NewPartitions {
    /// Grow `topic` to `total` partitions, placed by the controller.
    pub fn increase_to(topic: impl Into<String>, total: i32) -> Self {
        Self {
            topic: topic.into(),
            total,
            assignments: Vec::new(),
        }
    }
}

fn topic_name(name: &str) -> TopicName {
    TopicName(StrBytes::from_string(name.to_owned()))
}

fn broker_ids(ids: &[i32]) -> Vec<BrokerId> {
    ids.iter().copied().map(BrokerId).collect()
}

impl Admin {
    /// Creates topics on the controller. One result per topic, in order;
    /// a topic that exists fails with `TopicAlreadyExists`.
    pub async fn create_topics(
        &self,
        topics: &[NewTopic],
        options: CreateTopicsOptions,
    ) -> Result<Vec<TopicResult<CreatedTopic>>> {
        let results = self
            .per_item("CreateTopics", topics.to_vec(), |batch| {
                self.create_topics_once(batch, options)
            })
            .await;
        Ok(topics
            .iter()
            .zip(results)
            .map(|(t, result)| TopicResult {
                topic: t.name.clone(),
                result,
            })
            .collect())
    }

    async fn create_topics_once(
        &self,
        topics: Vec<NewTopic>,
        options: CreateTopicsOptions,
    ) -> Result<Vec<Result<CreatedTopic>>> {
        let request = CreateTopicsRequest::default()
            .with_timeout_ms(self.config.operation_timeout_ms)
            .with_validate_only(options.validate_only)
            .with_topics(
                topics
                    .iter()
                    .map(|t| {
                        CreatableTopic::default()
                            .with_name(topic_name(&t.name))
                            .with_num_partitions(t.partitions.unwrap_or(-1))
                            .with_replication_factor(t.replication_factor.unwrap_or(-1))
                            .with_assignments(
                                t.assignments
                                    .iter()
                                    .enumerate()
                                    .map(|(i, replicas)| {
                                        CreatableReplicaAssignment::default()
                                            .with_partition_index(i as i32)
                                            .with_broker_ids(broker_ids(replicas))
                                    })
                                    .collect(),
                            )
                            .with_configs(
                                t.configs
                                    .iter()
                                    .map(|(k, v)| {
                                        CreatableTopicConfig::default()
                                            .with_name(StrBytes::from_string(k.clone()))
                                            .with_value(Some(StrBytes::from_string(v.clone())))
                                    })
                                    .collect(),
                            )
                    })
                    .collect(),
            );
        let conn = self.controller().await?;
        let response = conn.request(&request).await?;
        let mut by_name: HashMap<String, _> = response
            .topics
            .into_iter()
            .map(|t| (t.name.0.to_string(), t))
            .collect();
        Ok(topics
            .iter()
            .map(|t| {
                let Some(r) = by_name.remove(&t.name) else {
                    return Err(missing(ApiKey::CreateTopics, &t.name));
                };
                check(
                    r.error_code,
                    r.error_message.as_ref(),
                    ErrorContext::topic(ApiKey::CreateTopics, &t.name),
                )?;
                Ok(CreatedTopic {
                    name: t.name.clone(),
                    topic_id: TopicId::from_wire(r.topic_id),
                    partitions: (r.num_partitions >= 0).then_some(r.num_partitions),
                    replication_factor: (r.replication_factor >= 0).then_some(r.replication_factor),
                    configs: r
                        .configs
                        .unwrap_or_default()
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
                                config_type: ConfigType::Unknown,
                                documentation: None,
                                synonyms: Vec::new(),
                            }
                        })
                        .collect(),
                })
            })
            .collect())
    }

    /// Deletes topics by name on the controller. One result per topic.
    ///
    /// ```no_run
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// for item in admin.delete_topics(&["orders", "audit"]).await? {
    ///     match item.result {
    ///         Ok(()) => println!("deleted {}", item.topic),
    ///         Err(e) => eprintln!("{}: {e}", item.topic),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn delete_topics<S: AsRef<str>>(&self, names: &[S]) -> Result<Vec<TopicResult<()>>> {
        let names: Vec<String> = names.iter().map(|n| n.as_ref().to_owned()).collect();
        let results = self
            .per_item("DeleteTopics", names.clone(), |batch| {
                self.delete_topics_once(batch)
            })
            .await;
        Ok(names
            .into_iter()
            .zip(results)
            .map(|(topic, result)| TopicResult { topic, result })
            .collect())
    }

    async fn delete_topics_once(&self, names: Vec<String>) -> Result<Vec<Result<()>>> {
        let conn = self.controller().await?;
        let version = conn.version_for::<DeleteTopicsRequest>(None)?;
        let mut request =
            DeleteTopicsRequest::default().with_timeout_ms(self.config.operation_timeout_ms);
        // v6 moved the names into `topics` so topics can be named by id.
        if version >= 6 {
            request.topics = names
                .iter()
                .map(|n| DeleteTopicState::default().with_name(Some(topic_name(n))))
                .collect();
        } else {
            request.topic_names = names.iter().map(|n| topic_name(n)).collect();
        }
        let response = conn.request_at(&request, version).await?;
        let mut by_name: HashMap<String, _> = response
            .responses
            .into_iter()
            .filter_map(|r| Some((r.name.as_ref()?.0.to_string(), r)))
            .collect();
        Ok(names
            .iter()
            .map(|n| match by_name.remove(n) {
                Some(r) => check(
                    r.error_code,
                    r.error_message.as_ref(),
                    ErrorContext::topic(ApiKey::DeleteTopics, n),
                ),
                None => Err(missing(ApiKey::DeleteTopics, n)),
            })
            .collect())
    }

    /// Every topic in the cluster, sorted by name; internal topics
    /// (`__consumer_offsets`, …) only with `include_internal`.
    ///
    /// ```no_run
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// for topic in admin.list_topics(false).await? {
    ///     println!("{}: {} partitions", topic.name, topic.partitions);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_topics(&self, include_internal: bool) -> Result<Vec<TopicListing>> {
        let response = self
            .retrying("Metadata", || self.metadata_request(None))
            .await?;
        let mut topics: Vec<TopicListing> = response
            .topics
            .iter()
            .filter(|t| t.error_code == 0 && (include_internal || !t.is_internal))
            .filter_map(|t| {
                let name = t.name.as_ref()?.0.to_string();
                let replication_factor = t
                    .partitions
                    .iter()
                    .find(|p| p.partition_index == 0)
                    .map_or(0, |p| p.replica_nodes.len() as i32);
                Some(TopicListing {
                    name,
                    topic_id: TopicId::from_wire(t.topic_id),
                    is_internal: t.is_internal,
                    partitions: t.partitions.len() as i32,
                    replication_factor,
                })
            })
            .collect();
        topics.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(topics)
    }

    /// Partitions, leaders, replicas, ISR and offline replicas of each
    /// topic; an unknown topic fails with `UnknownTopicOrPartition`.
    ///
    /// ```no_run
    /// use kctl_client::ItemResults;
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// for topic in admin.describe_topics(&["orders"]).await?.all()? {
    ///     for p in &topic.partitions {
    ///         println!("{}-{} leader {:?} isr {:?}", topic.name, p.partition, p.leader, p.isr);
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn describe_topics<S: AsRef<str>>(
        &self,
        names: &[S],
    ) -> Result<Vec<TopicResult<TopicDescription>>> {
        let names: Vec<String> = names.iter().map(|n| n.as_ref().to_owned()).collect();
        let response = self
            .retrying("Metadata", || self.metadata_request(Some(&names)))
            .await?;
        let mut by_name: HashMap<String, TopicDescription> = HashMap::new();
        let mut errors: HashMap<String, Error> = HashMap::new();
        for t in &response.topics {
            let Some(name) = t.name.as_ref().map(|n| n.0.to_string()) else {
                continue;
            };
            if let Some(code) = ErrorCode::try_from_code(t.error_code) {
                errors.insert(
                    name.clone(),
                    Error::kafka(code, ErrorContext::topic(ApiKey::Metadata, &name)),
                );
                continue;
            }
            by_name.insert(name.clone(), describe(name, t));
        }
        Ok(names
            .into_iter()
            .map(|topic| {
                let result = match by_name.remove(&topic) {
                    Some(d) => Ok(d),
                    None => Err(errors
                        .remove(&topic)
                        .unwrap_or_else(|| missing(ApiKey::Metadata, &topic))),
                };
                TopicResult { topic, result }
            })
            .collect())
    }

    /// Grows topics to the given partition counts, on the controller.
    ///
    /// ```no_run
    /// use kctl_client::admin::{ItemResults, NewPartitions};
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// admin
    ///     .create_partitions(&[NewPartitions::increase_to("orders", 12)], false)
    ///     .await?
    ///     .all()?;
    /// # Ok(()) }
    /// ```
    pub async fn create_partitions(
        &self,
        increases: &[NewPartitions],
        validate_only: bool,
    ) -> Result<Vec<TopicResult<()>>> {
        let results = self
            .per_item("CreatePartitions", increases.to_vec(), |batch| {
                self.create_partitions_once(batch, validate_only)
            })
            .await;
        Ok(increases
            .iter()
            .zip(results)
            .map(|(p, result)| TopicResult {
                topic: p.topic.clone(),
                result,
            })
            .collect())
    }

    async fn create_partitions_once(
        &self,
        increases: Vec<NewPartitions>,
        validate_only: bool,
    ) -> Result<Vec<Result<()>>> {
        let request = CreatePartitionsRequest::default()
            .with_timeout_ms(self.config.operation_timeout_ms)
            .with_validate_only(validate_only)
            .with_topics(
                increases
                    .iter()
                    .map(|p| {
                        let assignments = (!p.assignments.is_empty()).then(|| {
                            p.assignments
                                .iter()
                                .map(|replicas| {
                                    kafka_protocol::messages::create_partitions_request::CreatePartitionsAssignment::default()
                                        .with_broker_ids(broker_ids(replicas))
                                })
                                .collect()
                        });
                        CreatePartitionsTopic::default()
                            .with_name(topic_name(&p.topic))
                            .with_count(p.total)
                            .with_assignments(assignments)
                    })
                    .collect(),
            );
        let conn = self.controller().await?;
        let response = conn.request(&request).await?;
        let mut by_name: HashMap<String, _> = response
            .results
            .into_iter()
            .map(|r| (r.name.0.to_string(), r))
            .collect();
        Ok(increases
            .iter()
            .map(|p| match by_name.remove(&p.topic) {
                Some(r) => check(
                    r.error_code,
                    r.error_message.as_ref(),
                    ErrorContext::topic(ApiKey::CreatePartitions, &p.topic),
                ),
                None => Err(missing(ApiKey::CreatePartitions, &p.topic)),
            })
            .collect())
    }

    /// A Metadata request for `topics` (all topics for `None`) that never
    /// creates one.
    pub(super) async fn metadata_request(
        &self,
        topics: Option<&[String]>,
    ) -> Result<MetadataResponse> {
        let (conn, _) = self.client.any_connection().await?;
        metadata_on(&conn, topics).await
    }

    /// Waits until every live broker's Metadata shows each of `topics` with
    /// a leader for every partition, or fails with
    /// [`Error::MetadataTimeout`] after `timeout`.
    ///
    /// CreateTopics answers once the controller has the topic; the other
    /// brokers learn of it a moment later, and a client that asks one of
    /// them first (a describe, a produce right after a create) gets
    /// UNKNOWN_TOPIC_OR_PARTITION or LEADER_NOT_AVAILABLE. Kafka's tools do
    /// not wait; `kctl topic create` does, so what follows it just works.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use kctl_client::admin::NewTopic;
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// admin.create_topic(NewTopic::new("orders").partitions(3)).await?;
    /// admin
    ///     .wait_for_topic_leaders(&["orders".to_owned()], Duration::from_secs(30))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn wait_for_topic_leaders(
        &self,
        topics: &[String],
        timeout: std::time::Duration,
    ) -> Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut waiting_for = topics.first().cloned().unwrap_or_default();
        loop {
            match self.topics_led_everywhere(topics).await {
                Ok(None) => return Ok(()),
                Ok(Some(topic)) => waiting_for = topic,
                Err(error) if error.is_retriable() || error.invalidates_metadata() => {
                    tracing::debug!(%error, "waiting for topic metadata");
                }
                Err(error) => return Err(error),
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(Error::MetadataTimeout {
                    topic: waiting_for,
                    timeout_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
                });
            }
            tokio::time::sleep(LEADER_POLL_INTERVAL).await;
        }
    }

    /// `None` when every live broker shows every partition of `topics` with
    /// a leader; otherwise a topic some broker does not show so yet.
    async fn topics_led_everywhere(&self, topics: &[String]) -> Result<Option<String>> {
        let metadata = self.client.refresh_metadata().await?;
        for id in metadata.brokers.keys() {
            let Some(broker) = self.client.broker(*id) else {
                return Ok(topics.first().cloned());
            };
            let conn = broker.get().await?;
            let response = metadata_on(&conn, Some(topics)).await?;
            for name in topics {
                let led = response.topics.iter().any(|t| {
                    t.name.as_ref().is_some_and(|n| n.0.as_str() == name)
                        && t.error_code == 0
                        && !t.partitions.is_empty()
                        && t.partitions
                            .iter()
                            .all(|p| p.error_code == 0 && p.leader_id.0 >= 0)
                });
                if !led {
                    return Ok(Some(name.clone()));
                }
            }
        }
        Ok(None)
    }
}

/// How often [`Admin::wait_for_topic_leaders`] asks again.
const LEADER_POLL_INTERVAL: std::time::Duration = std::time::Duration::from_millis(100);

/// Metadata for `topics` (all with `None`) from one connection; never
/// creates a topic.
async fn metadata_on(
    conn: &crate::connection::Connection,
    topics: Option<&[String]>,
) -> Result<MetadataResponse> {
    let version = conn.version_for::<MetadataRequest>(None)?;
    let topics = topics.map(|names| {
        names
            .iter()
            .map(|n| MetadataRequestTopic::default().with_name(Some(topic_name(n))))
            .collect()
    });
    let request = crate::client::metadata_request(topics, false, version);
    Ok(conn.request_at(&request, version).await?)
}

/// Single-item forms of the calls above: the item's failure is the call's
/// `Err`, so it cannot be dropped by accident.
impl Admin {
    /// Creates one topic; `Err` if the controller refused it (for example
    /// `TopicAlreadyExists`).
    ///
    /// ```no_run
    /// use kctl_client::admin::NewTopic;
    ///
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// let created = admin
    ///     .create_topic(NewTopic::new("orders").partitions(6).config("retention.ms", "86400000"))
    ///     .await?;
    /// println!("{} has {:?} partitions", created.name, created.partitions);
    /// # Ok(()) }
    /// ```
    #[allow(
        clippy::expect_used,
        reason = "the many-item call answers once per item asked"
    )]
    pub async fn create_topic(&self, topic: NewTopic) -> Result<CreatedTopic> {
        self.create_topics(&[topic], CreateTopicsOptions::default())
            .await?
            .into_iter()
            .next()
            .expect("one result per topic")
            .result
    }

    /// Deletes one topic; `Err` if it does not exist or was not deleted.
    ///
    /// ```no_run
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// admin.delete_topic("orders").await?;
    /// # Ok(()) }
    /// ```
    #[allow(
        clippy::expect_used,
        reason = "the many-item call answers once per item asked"
    )]
    pub async fn delete_topic(&self, name: &str) -> Result<()> {
        self.delete_topics(&[name])
            .await?
            .into_iter()
            .next()
            .expect("one result per topic")
            .result
    }

    /// Describes one topic; `Err` (`UnknownTopicOrPartition`) if it does
    /// not exist.
    ///
    /// ```no_run
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// let topic = admin.describe_topic("orders").await?;
    /// for p in &topic.partitions {
    ///     println!("{}: leader {:?}, isr {:?}", p.partition, p.leader, p.isr);
    /// }
    /// # Ok(()) }
    /// ```
    #[allow(
        clippy::expect_used,
        reason = "the many-item call answers once per item asked"
    )]
    pub async fn describe_topic(&self, name: &str) -> Result<TopicDescription> {
        self.describe_topics(&[name])
            .await?
            .into_iter()
            .next()
            .expect("one result per topic")
            .result
    }
}

fn describe(
    name: String,
    t: &kafka_protocol::messages::metadata_response::MetadataResponseTopic,
) -> TopicDescription {
    let ids = |v: &[BrokerId]| v.iter().map(|b| b.0).collect::<Vec<i32>>();
    let mut partitions: Vec<PartitionInfo> = t
        .partitions
        .iter()
        .map(|p| PartitionInfo {
            partition: p.partition_index,
            leader: (p.leader_id.0 >= 0).then_some(p.leader_id.0),
            leader_epoch: (p.leader_epoch >= 0).then_some(p.leader_epoch),
            replicas: ids(&p.replica_nodes),
            isr: ids(&p.isr_nodes),
            offline_replicas: ids(&p.offline_replicas),
            error: ErrorCode::try_from_code(p.error_code),
        })
        .collect();
    partitions.sort_by_key(|p| p.partition);
    TopicDescription {
        name,
        topic_id: TopicId::from_wire(t.topic_id),
        is_internal: t.is_internal,
        partitions,
    }
}

/// A response that left out an item the request named.
pub(super) fn missing(api_key: ApiKey, topic: &str) -> Error {
    Error::kafka(
        ErrorCode::UnknownServerError,
        ErrorContext::topic(api_key, topic)
            .with_message(Some("the broker's response left this topic out".into())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_ids_print_as_kafka_prints_them() {
        // Kafka's Uuid.toString is URL-safe base64 without padding.
        let id = Uuid::from_bytes([
            0xe1, 0x3d, 0xe3, 0x6b, 0x4c, 0xc6, 0x48, 0x71, 0x93, 0x43, 0x74, 0x79, 0x73, 0x93,
            0x6a, 0xfc,
        ]);
        assert_eq!(TopicId(id).to_string(), "4T3ja0zGSHGTQ3R5c5Nq_A");
        assert_eq!(
            TopicId(Uuid::from_bytes([0xff; 16])).to_string(),
            "_____________________w"
        );
        assert!(TopicId::from_wire(Uuid::nil()).is_none());
    }
}
