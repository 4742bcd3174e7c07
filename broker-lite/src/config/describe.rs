//! Broker and topic settings as DescribeConfigs reports them.

use std::collections::BTreeMap;

use super::*;

/// One broker setting as DescribeConfigs reports it.
#[derive(Debug, Clone)]
pub struct BrokerEntry {
    pub name: &'static str,
    pub value: String,
    pub is_default: bool,
    pub kind: ConfigType,
    pub doc: &'static str,
}

impl BrokerConfig {
    /// The effective value of every topic config for a topic with these
    /// overrides, with whether it came from the topic or the broker.
    pub fn topic_entries<'a>(
        &'a self,
        overrides: &'a BTreeMap<String, String>,
    ) -> impl Iterator<Item = TopicEntry> + 'a {
        TOPIC_CONFIGS
            .iter()
            .map(move |def| match overrides.get(def.name) {
                Some(value) => TopicEntry {
                    def,
                    value: value.clone(),
                    source: TopicValueSource::Topic,
                },
                None => match self.explicitly_set.get(def.broker_key) {
                    Some(_) => TopicEntry {
                        def,
                        value: self.topic_default(def.name),
                        source: TopicValueSource::Broker,
                    },
                    None => TopicEntry {
                        def,
                        value: self.topic_default(def.name),
                        source: TopicValueSource::Default,
                    },
                },
            })
    }

    pub(super) fn topic_default(&self, name: &str) -> String {
        let log = &self.log;
        match name {
            "cleanup.policy" => self.log_cleanup_policy.clone(),
            "compression.type" => "producer".into(),
            "delete.retention.ms" => self.log_delete_retention_ms.to_string(),
            "index.interval.bytes" => log.index_interval_bytes.to_string(),
            "max.message.bytes" => log.max_message_bytes.to_string(),
            "message.timestamp.type" => timestamp_type_name(log.message_timestamp_type).into(),
            "min.compaction.lag.ms" => log.min_compaction_lag_ms.to_string(),
            "min.insync.replicas" => self.min_insync_replicas.to_string(),
            "retention.bytes" => log.retention_bytes.to_string(),
            "retention.ms" => log.retention_ms.to_string(),
            "segment.bytes" => log.segment_bytes.to_string(),
            "segment.ms" => log.segment_ms.to_string(),
            other => match TOPIC_CONFIGS.iter().find(|d| d.name == other) {
                Some(TopicConfigDef {
                    fixed_default: Some(value),
                    ..
                }) => (*value).to_owned(),
                _ => unreachable_default(other),
            },
        }
    }

    /// Every broker setting, for DescribeConfigs on the broker resource.
    pub fn entries(&self) -> Vec<BrokerEntry> {
        let log = &self.log;
        let advertised = self
            .advertise
            .as_ref()
            .map(|(h, p)| format!("PLAINTEXT://{h}:{p}"))
            .unwrap_or_default();
        let flush_ms = match log.flush {
            FlushPolicy::IntervalMs(ms) => ms.to_string(),
            _ => i64::MAX.to_string(),
        };
        let flush_messages = match log.flush {
            FlushPolicy::EveryBatch => "1".to_owned(),
            _ => i64::MAX.to_string(),
        };
        let group = &self.group;
        let rows: Vec<(&'static str, String, ConfigType, &'static str)> = vec![
            (
                "node.id",
                self.node_id.to_string(),
                ConfigType::Int,
                "The node id of this broker.",
            ),
            (
                "broker.id",
                self.node_id.to_string(),
                ConfigType::Int,
                "Alias of node.id.",
            ),
            (
                "listeners",
                format!("PLAINTEXT://{}", self.listen),
                ConfigType::List,
                "The address the broker listens on.",
            ),
            (
                "advertised.listeners",
                advertised,
                ConfigType::List,
                "The address given to clients in Metadata.",
            ),
            (
                "log.dirs",
                self.data_dir.display().to_string(),
                ConfigType::List,
                "The directory holding the data.",
            ),
            (
                "max.connections",
                self.max_connections.to_string(),
                ConfigType::Int,
                "Connections accepted at once.",
            ),
            (
                "socket.request.max.bytes",
                self.max_request_bytes.to_string(),
                ConfigType::Int,
                "The largest request accepted.",
            ),
            (
                "connections.max.idle.ms",
                self.connections_max_idle_ms.to_string(),
                ConfigType::Long,
                "Close connections idle (no request, or a response unread) this long.",
            ),
            (
                "request.read.timeout.ms",
                self.request_read_timeout_ms.to_string(),
                ConfigType::Long,
                "Close a connection whose started request is not complete this long after its first byte.",
            ),
            (
                "auto.create.topics.enable",
                self.auto_create_topics.to_string(),
                ConfigType::Boolean,
                "Create unknown topics on Metadata requests.",
            ),
            (
                "allow.everyone.if.no.acl.found",
                self.allow_everyone_if_no_acl_found.to_string(),
                ConfigType::Boolean,
                "Allow every principal on a resource no ACL applies to.",
            ),
            (
                "super.users",
                self.super_users.join(";"),
                ConfigType::List,
                "Principals allowed everything, whatever the ACLs say.",
            ),
            (
                "num.partitions",
                self.num_partitions.to_string(),
                ConfigType::Int,
                "Partitions of a topic created with -1 or automatically.",
            ),
            (
                "default.replication.factor",
                self.default_replication_factor.to_string(),
                ConfigType::Int,
                "Replication factor of a topic created with -1.",
            ),
            (
                "min.insync.replicas",
                self.min_insync_replicas.to_string(),
                ConfigType::Int,
                "Default min.insync.replicas for topics.",
            ),
            (
                "log.retention.check.interval.ms",
                self.retention_check_interval_ms.to_string(),
                ConfigType::Long,
                "How often retention is applied.",
            ),
            (
                "log.segment.bytes",
                log.segment_bytes.to_string(),
                ConfigType::Int,
                "Default segment.bytes for topics.",
            ),
            (
                "log.roll.ms",
                log.segment_ms.to_string(),
                ConfigType::Long,
                "Default segment.ms for topics.",
            ),
            (
                "log.retention.ms",
                log.retention_ms.to_string(),
                ConfigType::Long,
                "Default retention.ms for topics.",
            ),
            (
                "log.retention.bytes",
                log.retention_bytes.to_string(),
                ConfigType::Long,
                "Default retention.bytes for topics.",
            ),
            (
                "log.index.interval.bytes",
                log.index_interval_bytes.to_string(),
                ConfigType::Int,
                "Bytes between offset index entries.",
            ),
            (
                "message.max.bytes",
                log.max_message_bytes.to_string(),
                ConfigType::Int,
                "Default max.message.bytes for topics.",
            ),
            (
                "log.message.timestamp.type",
                timestamp_type_name(log.message_timestamp_type).into(),
                ConfigType::String,
                "Default message.timestamp.type for topics.",
            ),
            (
                "log.cleanup.policy",
                self.log_cleanup_policy.clone(),
                ConfigType::List,
                "Default cleanup.policy for topics.",
            ),
            (
                "log.cleaner.enable",
                self.log_cleaner_enable.to_string(),
                ConfigType::Boolean,
                "Whether compacted topics are cleaned.",
            ),
            (
                "log.cleaner.backoff.ms",
                self.log_cleaner_backoff_ms.to_string(),
                ConfigType::Long,
                "How often the cleaner looks for logs to compact.",
            ),
            (
                "log.cleaner.delete.retention.ms",
                self.log_delete_retention_ms.to_string(),
                ConfigType::Long,
                "Default delete.retention.ms for topics.",
            ),
            (
                "log.cleaner.min.compaction.lag.ms",
                log.min_compaction_lag_ms.to_string(),
                ConfigType::Long,
                "Default min.compaction.lag.ms for topics.",
            ),
            (
                "log.flush.interval.messages",
                flush_messages,
                ConfigType::Long,
                "1 = fsync every batch before acknowledging it.",
            ),
            (
                "log.flush.interval.ms",
                flush_ms,
                ConfigType::Long,
                "fsync dirty logs this often.",
            ),
            (
                "group.initial.rebalance.delay.ms",
                group.initial_rebalance_delay_ms.to_string(),
                ConfigType::Int,
                "How long the first rebalance of an empty group waits for more members.",
            ),
            (
                "group.min.session.timeout.ms",
                group.min_session_timeout_ms.to_string(),
                ConfigType::Int,
                "The shortest session timeout a member may ask for.",
            ),
            (
                "group.max.session.timeout.ms",
                group.max_session_timeout_ms.to_string(),
                ConfigType::Int,
                "The longest session timeout a member may ask for.",
            ),
            (
                "offset.metadata.max.bytes",
                group.offset_metadata_max_bytes.to_string(),
                ConfigType::Int,
                "The longest metadata string an offset commit may carry.",
            ),
            (
                "group.consumer.session.timeout.ms",
                group.consumer_session_timeout_ms.to_string(),
                ConfigType::Int,
                "How long a consumer-protocol member lives without a heartbeat.",
            ),
            (
                "group.consumer.heartbeat.interval.ms",
                group.consumer_heartbeat_interval_ms.to_string(),
                ConfigType::Int,
                "The heartbeat interval told to consumer-protocol members.",
            ),
            (
                "group.consumer.migration.policy",
                group.consumer_migration_policy.name().into(),
                ConfigType::String,
                "Which online conversions between classic and consumer groups with members are allowed.",
            ),
            (
                "group.share.session.timeout.ms",
                group.share_session_timeout_ms.to_string(),
                ConfigType::Int,
                "How long a share-group member lives without a heartbeat.",
            ),
            (
                "group.share.heartbeat.interval.ms",
                group.share_heartbeat_interval_ms.to_string(),
                ConfigType::Int,
                "The heartbeat interval told to share-group members.",
            ),
            (
                "group.share.record.lock.duration.ms",
                group.share_record_lock_duration_ms.to_string(),
                ConfigType::Int,
                "How long a share consumer holds a delivered record before it is available again.",
            ),
            (
                "group.share.delivery.count.limit",
                group.share_delivery_count_limit.to_string(),
                ConfigType::Int,
                "Deliveries after which a released or timed-out share record is archived.",
            ),
            (
                "group.share.partition.max.record.locks",
                group.share_partition_max_record_locks.to_string(),
                ConfigType::Int,
                "The most records a share partition has in flight at once.",
            ),
            (
                "group.share.min.record.lock.duration.ms",
                group.share_min_record_lock_duration_ms.to_string(),
                ConfigType::Int,
                "The shortest share.record.lock.duration.ms a share group may set.",
            ),
            (
                "group.share.max.record.lock.duration.ms",
                group.share_max_record_lock_duration_ms.to_string(),
                ConfigType::Int,
                "The longest share.record.lock.duration.ms a share group may set.",
            ),
            (
                "transaction.max.timeout.ms",
                self.txn.max_timeout_ms.to_string(),
                ConfigType::Int,
                "The longest transaction timeout a producer may ask for.",
            ),
            (
                "transaction.abort.timed.out.transaction.cleanup.interval.ms",
                self.txn.abort_timed_out_check_interval_ms.to_string(),
                ConfigType::Int,
                "How often open transactions are checked against their timeout.",
            ),
            (
                "transaction.version",
                self.txn.transaction_version.to_string(),
                ConfigType::Int,
                "The transaction.version feature level finalized: 1 or 2 (KIP-890).",
            ),
            (
                "transactional.id.expiration.ms",
                self.txn.transactional_id_expiration_ms.to_string(),
                ConfigType::Long,
                "How long an idle transactional id is kept.",
            ),
        ];
        rows.into_iter()
            .map(|(name, value, kind, doc)| BrokerEntry {
                name,
                value,
                is_default: !self.explicitly_set.contains_key(name),
                kind,
                doc,
            })
            .collect()
    }
}

fn unreachable_default(name: &str) -> String {
    // Every TOPIC_CONFIGS entry has a default above; a new entry without one
    // is caught by the `every_topic_config_has_a_default` test.
    tracing::error!(name, "topic config without a broker default");
    String::new()
}

/// Where a topic's effective config value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicValueSource {
    /// Set on the topic (DYNAMIC_TOPIC_CONFIG).
    Topic,
    /// Inherited from a broker setting made in the config file
    /// (STATIC_BROKER_CONFIG).
    Broker,
    /// Kafka's default (DEFAULT_CONFIG).
    Default,
}

/// A topic config with its effective value.
#[derive(Debug, Clone)]
pub struct TopicEntry {
    pub def: &'static TopicConfigDef,
    pub value: String,
    pub source: TopicValueSource,
}
