//! Broker and topic configuration.
//!
//! Broker settings use Kafka's own keys (`log.segment.bytes`,
//! `auto.create.topics.enable`, ...) so a `server.properties` file carries
//! over. Topic settings are overrides of the broker's defaults, validated by
//! the table in [`TOPIC_CONFIGS`], which also drives DescribeConfigs.
//!
//! This file holds the settings themselves (the structs and their
//! defaults) and the log settings they give a topic. Reading them from a
//! properties file is [`properties`], the command line's overrides
//! [`start_options`], and the DescribeConfigs entries [`describe`].

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use kctl_client::protocol::records::TimestampType;

use crate::log::{CleanupPolicy, FlushPolicy, LogConfig};

mod describe;
mod properties;
mod start_options;
mod topic_configs;
pub use describe::{BrokerEntry, TopicEntry, TopicValueSource};
pub use properties::parse_flush_policy;
pub use start_options::StartOptions;
pub use topic_configs::{TOPIC_CONFIGS, TopicConfigDef, validate_topic_config};

/// Why a configuration was refused. Each names the key, and for files the
/// line, so the user knows what to fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("{path}:{line}: {message}")]
    File {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid value {value:?} for {key}: {reason}")]
    InvalidValue {
        key: String,
        value: String,
        reason: String,
    },
    #[error("unknown topic config {0:?}")]
    UnknownTopicConfig(String),
}

/// The Kafka config types DescribeConfigs v3+ reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigType {
    Boolean = 1,
    String = 2,
    Int = 3,
    Long = 5,
    Double = 6,
    List = 7,
}

/// The settings of one broker. Defaults are Kafka's, except where a
/// single-node development broker needs otherwise (noted per field).
#[derive(Debug, Clone)]
pub struct BrokerConfig {
    pub node_id: i32,
    /// Where to listen. Loopback by default: exposing a broker is a choice.
    pub listen: SocketAddr,
    /// host:port clients are told to connect to; defaults to the bound
    /// address (with 127.0.0.1 for an unspecified listen address).
    pub advertise: Option<(String, u16)>,
    pub data_dir: PathBuf,
    pub max_connections: usize,
    /// Largest request frame accepted; a larger declared size closes the
    /// connection before any allocation.
    pub max_request_bytes: usize,
    /// A connection with no request for this long is closed
    /// (`connections.max.idle.ms`, Kafka's default of 10 minutes). Also how
    /// long a write may wait for a client that does not read its responses.
    pub connections_max_idle_ms: u64,
    /// Once the first byte of a request has arrived, the rest must arrive
    /// within this long, or the connection is closed and its partial frame
    /// dropped: a slow-loris client cannot hold a buffer forever.
    /// broker-lite's own key (`request.read.timeout.ms`); Kafka has none, as
    /// its idle timer covers it.
    pub request_read_timeout_ms: u64,
    pub auto_create_topics: bool,
    pub num_partitions: i32,
    pub default_replication_factor: i16,
    pub min_insync_replicas: i32,
    pub retention_check_interval_ms: u64,
    /// Whether the log cleaner compacts `cleanup.policy=compact` topics.
    pub log_cleaner_enable: bool,
    /// How often the cleaner looks for work (`log.cleaner.backoff.ms`).
    pub log_cleaner_backoff_ms: u64,
    /// Every topic's log settings unless the topic overrides them.
    pub log: LogConfig,
    /// Default `cleanup.policy` for topics.
    pub log_cleanup_policy: String,
    /// How long tombstones stay on compacted topics (`delete.retention.ms`).
    pub log_delete_retention_ms: i64,
    pub group: GroupDefaults,
    pub txn: TxnDefaults,
    /// The cluster controller this node registers with; `None` runs a
    /// single broker (see `cluster`).
    pub controller: Option<SocketAddr>,
    /// `replica.lag.time.max.ms`: a follower that has not caught up for this
    /// long leaves the ISR (Kafka's default, 30 s).
    pub replica_lag_time_max_ms: u64,
    /// `unclean.leader.election.enable` (read by the controller).
    pub unclean_leader_election: bool,
    /// `broker.session.timeout.ms` (read by the controller): a node silent
    /// this long is fenced and its leaderships move. Kafka's default is 9 s;
    /// a sandbox's is 1.5 s so failover is seen within about a second.
    pub broker_session_timeout_ms: u64,
    /// `auto.leader.rebalance.enable` (read by the controller).
    pub auto_leader_rebalance: bool,
    /// `leader.imbalance.check.interval.seconds` (read by the controller):
    /// 10 s here against Kafka's 300, so a restarted sandbox node gets its
    /// leaderships back while you watch.
    pub leader_imbalance_check_interval_seconds: u64,
    /// Whether a resource no ACL applies to is open to everyone
    /// (`allow.everyone.if.no.acl.found`). True by default, unlike Kafka:
    /// broker-lite has no authentication, so every client is
    /// `User:ANONYMOUS` and denying by default would lock everyone out
    /// (docs/architecture.md, "ACLs").
    pub allow_everyone_if_no_acl_found: bool,
    /// Principals every check allows (`super.users`, `;`-separated).
    pub super_users: Vec<String>,
    /// Keys that were set explicitly (file or flags), for DescribeConfigs'
    /// source field.
    explicitly_set: BTreeMap<String, String>,
}

/// Settings of the group coordinator, with Kafka's keys and defaults.
#[derive(Debug, Clone)]
pub struct GroupDefaults {
    /// How long the first rebalance of an empty group waits for more
    /// members (`group.initial.rebalance.delay.ms`), extended by the same
    /// again while members keep arriving, up to the rebalance timeout.
    pub initial_rebalance_delay_ms: u64,
    /// Bounds on a member's session timeout; JoinGroup outside them gets
    /// INVALID_SESSION_TIMEOUT.
    pub min_session_timeout_ms: i32,
    pub max_session_timeout_ms: i32,
    /// Longest commit metadata string accepted (`offset.metadata.max.bytes`).
    pub offset_metadata_max_bytes: usize,
    /// How long a consumer-protocol (KIP-848) member lives without a
    /// heartbeat (`group.consumer.session.timeout.ms`).
    pub consumer_session_timeout_ms: u64,
    /// The heartbeat interval told to consumer-protocol members
    /// (`group.consumer.heartbeat.interval.ms`).
    pub consumer_heartbeat_interval_ms: u64,
    /// Whether a non-empty group may change between the classic and the
    /// consumer protocol (`group.consumer.migration.policy`, KIP-848's
    /// online migration).
    pub consumer_migration_policy: MigrationPolicy,
    /// How long a share-group member lives without a heartbeat
    /// (`group.share.session.timeout.ms`).
    pub share_session_timeout_ms: u64,
    /// The heartbeat interval told to share-group members
    /// (`group.share.heartbeat.interval.ms`).
    pub share_heartbeat_interval_ms: u64,
    /// How long a share consumer holds a delivered record before it becomes
    /// available again (`group.share.record.lock.duration.ms`).
    pub share_record_lock_duration_ms: u64,
    /// Deliveries after which a released or timed-out record is archived
    /// (`group.share.delivery.count.limit`).
    pub share_delivery_count_limit: i16,
    /// At most this many records in flight per share partition
    /// (`group.share.partition.max.record.locks`).
    pub share_partition_max_record_locks: i64,
    /// The shortest `share.record.lock.duration.ms` a group config may set
    /// (`group.share.min.record.lock.duration.ms`; Kafka: 1000..=30000).
    pub share_min_record_lock_duration_ms: u64,
    /// The longest `share.record.lock.duration.ms` a group config may set
    /// (`group.share.max.record.lock.duration.ms`; Kafka: 30000..=3600000).
    pub share_max_record_lock_duration_ms: u64,
}

/// `group.consumer.migration.policy`: which online conversions of a group
/// with members are allowed (Kafka's `ConsumerGroupMigrationPolicy`).
/// Kafka 4.x's default is `bidirectional`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MigrationPolicy {
    /// Classic → consumer when a ConsumerGroupHeartbeat joins a classic
    /// group, and consumer → classic when the last consumer-protocol member
    /// of a group whose others are classic members leaves.
    Bidirectional,
    /// Only classic → consumer.
    Upgrade,
    /// Only consumer → classic.
    Downgrade,
    /// Neither: a group with members keeps its type.
    Disabled,
}

impl MigrationPolicy {
    /// Kafka's spelling, as DescribeConfigs shows it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Bidirectional => "bidirectional",
            Self::Upgrade => "upgrade",
            Self::Downgrade => "downgrade",
            Self::Disabled => "disabled",
        }
    }

    /// Parses Kafka's values, case-insensitively as Kafka does.
    pub fn parse(value: &str) -> Option<Self> {
        [
            Self::Bidirectional,
            Self::Upgrade,
            Self::Downgrade,
            Self::Disabled,
        ]
        .into_iter()
        .find(|p| p.name().eq_ignore_ascii_case(value.trim()))
    }

    pub fn upgrade_enabled(self) -> bool {
        matches!(self, Self::Bidirectional | Self::Upgrade)
    }

    pub fn downgrade_enabled(self) -> bool {
        matches!(self, Self::Bidirectional | Self::Downgrade)
    }
}

/// Settings of the transaction coordinator, with Kafka's keys and defaults.
#[derive(Debug, Clone)]
pub struct TxnDefaults {
    /// The longest `transaction.timeout.ms` a producer may ask for
    /// (`transaction.max.timeout.ms`); more is INVALID_TRANSACTION_TIMEOUT.
    pub max_timeout_ms: i32,
    /// How often open transactions are checked against their timeout
    /// (`transaction.abort.timed.out.transaction.cleanup.interval.ms`).
    pub abort_timed_out_check_interval_ms: u64,
    /// The `transaction.version` feature level this broker finalizes and
    /// announces in ApiVersions v3+: 2 (Kafka 4.x's default for new
    /// clusters) tells clients to use transactions v2 (KIP-890: an epoch
    /// bump per transaction, partitions added by Produce v12), 1 keeps them
    /// on v1. The coordinator serves both whatever this says, as Kafka does:
    /// the request versions tell it which one a client speaks.
    pub transaction_version: i16,
    /// How long a transactional id with no open transaction is kept after
    /// its last use (`transactional.id.expiration.ms`): older ones are
    /// forgotten, as Kafka expires them.
    pub transactional_id_expiration_ms: i64,
}

/// The `transaction.version` levels broker-lite can finalize.
pub const TRANSACTION_VERSIONS: std::ops::RangeInclusive<i16> = 1..=2;

impl Default for TxnDefaults {
    fn default() -> Self {
        Self {
            max_timeout_ms: 900_000,
            abort_timed_out_check_interval_ms: 10_000,
            transaction_version: 2,
            transactional_id_expiration_ms: 604_800_000,
        }
    }
}

impl Default for GroupDefaults {
    fn default() -> Self {
        Self {
            initial_rebalance_delay_ms: 3000,
            min_session_timeout_ms: 6000,
            max_session_timeout_ms: 1_800_000,
            offset_metadata_max_bytes: 4096,
            consumer_session_timeout_ms: 45_000,
            consumer_heartbeat_interval_ms: 5_000,
            consumer_migration_policy: MigrationPolicy::Bidirectional,
            share_session_timeout_ms: 45_000,
            share_heartbeat_interval_ms: 5_000,
            share_record_lock_duration_ms: 30_000,
            share_delivery_count_limit: 5,
            share_partition_max_record_locks: 2_000,
            share_min_record_lock_duration_ms: 15_000,
            share_max_record_lock_duration_ms: 60_000,
        }
    }
}

impl Default for BrokerConfig {
    fn default() -> Self {
        Self {
            node_id: 0,
            listen: SocketAddr::from(([127, 0, 0, 1], 9092)),
            advertise: None,
            data_dir: PathBuf::from("./broker-lite-data"),
            max_connections: 1000,
            max_request_bytes: kctl_client::protocol::frame::DEFAULT_MAX_FRAME_BYTES,
            connections_max_idle_ms: 600_000,
            request_read_timeout_ms: 30_000,
            auto_create_topics: true,
            num_partitions: 1,
            default_replication_factor: 1,
            min_insync_replicas: 1,
            retention_check_interval_ms: 300_000,
            log_cleaner_enable: true,
            log_cleaner_backoff_ms: 15_000,
            log: LogConfig::default(),
            log_cleanup_policy: "delete".into(),
            log_delete_retention_ms: 24 * 3600 * 1000,
            group: GroupDefaults::default(),
            txn: TxnDefaults::default(),
            controller: None,
            replica_lag_time_max_ms: 30_000,
            unclean_leader_election: false,
            broker_session_timeout_ms: 1_500,
            auto_leader_rebalance: true,
            leader_imbalance_check_interval_seconds: 10,
            allow_everyone_if_no_acl_found: true,
            super_users: Vec::new(),
            explicitly_set: BTreeMap::new(),
        }
    }
}

impl BrokerConfig {
    /// The log settings a topic gets from its overrides over these defaults.
    /// Overrides were validated when they were set.
    pub fn log_config(&self, overrides: &BTreeMap<String, String>) -> LogConfig {
        let get = |key: &str| overrides.get(key).map(String::as_str);
        let num =
            |key: &str, default: i64| get(key).and_then(|v| v.parse().ok()).unwrap_or(default);
        let defaults = &self.log;
        LogConfig {
            segment_bytes: num("segment.bytes", defaults.segment_bytes as i64) as u64,
            segment_ms: num("segment.ms", defaults.segment_ms),
            retention_ms: num("retention.ms", defaults.retention_ms),
            retention_bytes: num("retention.bytes", defaults.retention_bytes),
            index_interval_bytes: num("index.interval.bytes", defaults.index_interval_bytes as i64)
                as usize,
            max_message_bytes: num("max.message.bytes", defaults.max_message_bytes as i64) as usize,
            message_timestamp_type: get("message.timestamp.type")
                .and_then(|v| parse_timestamp_type(v).ok())
                .unwrap_or(defaults.message_timestamp_type),
            flush: defaults.flush,
            cleanup_policy: CleanupPolicy::parse(
                get("cleanup.policy").unwrap_or(&self.log_cleanup_policy),
            )
            .unwrap_or(CleanupPolicy::DELETE),
            delete_retention_ms: num("delete.retention.ms", self.log_delete_retention_ms),
            min_compaction_lag_ms: num("min.compaction.lag.ms", defaults.min_compaction_lag_ms),
            min_insync_replicas: num("min.insync.replicas", i64::from(self.min_insync_replicas))
                as i32,
        }
    }
}

fn positive(v: &str) -> Result<(), String> {
    at_least(v, 1)
}

fn non_negative(v: &str) -> Result<(), String> {
    at_least(v, 0)
}

fn at_least(v: &str, min: i64) -> Result<(), String> {
    match v.parse::<i64>() {
        Ok(n) if n >= min => Ok(()),
        Ok(_) => Err(format!("must be at least {min}")),
        Err(_) => Err("must be a whole number".into()),
    }
}

fn retention(v: &str) -> Result<(), String> {
    at_least(v, -1)
}

fn parse_timestamp_type(v: &str) -> Result<TimestampType, String> {
    match v {
        "CreateTime" => Ok(TimestampType::Creation),
        "LogAppendTime" => Ok(TimestampType::LogAppend),
        _ => Err("must be CreateTime or LogAppendTime".into()),
    }
}

pub(crate) fn timestamp_type_name(t: TimestampType) -> &'static str {
    match t {
        TimestampType::Creation => "CreateTime",
        TimestampType::LogAppend => "LogAppendTime",
    }
}

fn parse_cleanup_policy(v: &str) -> Result<String, String> {
    CleanupPolicy::parse(v).map(|p| p.name().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_group_settings_take_kafkas_keys_and_bounds() {
        let mut config = BrokerConfig::default();
        assert_eq!(config.group.share_record_lock_duration_ms, 30_000);
        assert_eq!(config.group.share_delivery_count_limit, 5);
        assert!(
            config
                .set("group.share.record.lock.duration.ms", "15000")
                .unwrap()
        );
        assert!(config.set("group.share.delivery.count.limit", "3").unwrap());
        assert!(
            config
                .set("group.share.partition.max.record.locks", "200")
                .unwrap()
        );
        assert_eq!(config.group.share_record_lock_duration_ms, 15_000);
        assert_eq!(config.group.share_delivery_count_limit, 3);
        assert_eq!(config.group.share_partition_max_record_locks, 200);
        // The bounds of the group config share.record.lock.duration.ms,
        // with Kafka's defaults and ranges.
        assert_eq!(
            (
                config.group.share_min_record_lock_duration_ms,
                config.group.share_max_record_lock_duration_ms
            ),
            (15_000, 60_000)
        );
        for (key, ok, bad) in [
            (
                "group.share.min.record.lock.duration.ms",
                ["1000", "30000"],
                ["999", "30001"],
            ),
            (
                "group.share.max.record.lock.duration.ms",
                ["30000", "3600000"],
                ["29999", "3600001"],
            ),
        ] {
            for value in ok {
                assert!(config.set(key, value).unwrap(), "{key}={value}");
            }
            for value in bad {
                assert!(config.set(key, value).is_err(), "{key}={value}");
            }
        }
        assert_eq!(config.group.share_min_record_lock_duration_ms, 30_000);
        assert_eq!(config.group.share_max_record_lock_duration_ms, 3_600_000);
        assert!(config.set("group.share.delivery.count.limit", "1").is_err());
        assert!(
            config
                .set("group.share.delivery.count.limit", "11")
                .is_err()
        );
        assert!(
            config
                .set("group.share.record.lock.duration.ms", "0")
                .is_err()
        );
    }

    #[test]
    fn the_migration_policy_takes_kafkas_key_and_values_and_is_described() {
        let mut config = BrokerConfig::default();
        let described = |c: &BrokerConfig| {
            c.entries()
                .into_iter()
                .find(|e| e.name == "group.consumer.migration.policy")
                .map(|e| (e.value, e.is_default))
        };
        assert_eq!(
            config.group.consumer_migration_policy,
            MigrationPolicy::Bidirectional
        );
        assert_eq!(described(&config), Some(("bidirectional".into(), true)));
        assert!(
            config
                .set("group.consumer.migration.policy", "Disabled")
                .unwrap()
        );
        assert_eq!(
            config.group.consumer_migration_policy,
            MigrationPolicy::Disabled
        );
        assert_eq!(described(&config), Some(("disabled".into(), false)));
        let err = config
            .set("group.consumer.migration.policy", "sideways")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("group.consumer.migration.policy") && err.contains("sideways"),
            "{err}"
        );
    }

    #[test]
    fn every_topic_config_has_a_default_and_accepts_it() {
        let config = BrokerConfig::default();
        for def in TOPIC_CONFIGS {
            let value = config.topic_default(def.name);
            // Kafka's default for the throttled-replica lists is empty.
            let empty_by_design = def.fixed_default == Some("");
            assert!(
                !value.is_empty() || empty_by_design,
                "{} has no default",
                def.name
            );
            validate_topic_config(def.name, &value).unwrap_or_else(|e| panic!("{}: {e}", def.name));
        }
    }

    #[test]
    fn bad_topic_configs_name_the_key() {
        let err = validate_topic_config("retention.ms", "soon")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("retention.ms") && err.contains("soon"),
            "{err}"
        );
        let err = validate_topic_config("no.such.thing", "1")
            .unwrap_err()
            .to_string();
        assert!(err.contains("no.such.thing"), "{err}");
    }

    #[test]
    fn properties_file_sets_values_and_reports_bad_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.properties");
        std::fs::write(&path, "# comment\nlisteners=PLAINTEXT://127.0.0.1:19092\nlog.segment.bytes=1048576\nzookeeper.connect=x:2181\nlog.flush.interval.messages=1\n").unwrap();
        let config = BrokerConfig::from_properties_file(&path).unwrap();
        assert_eq!(config.listen, "127.0.0.1:19092".parse().unwrap());
        assert_eq!(config.log.segment_bytes, 1_048_576);
        assert_eq!(config.log.flush, FlushPolicy::EveryBatch);
        let entry = config
            .entries()
            .into_iter()
            .find(|e| e.name == "log.segment.bytes")
            .unwrap();
        assert!(!entry.is_default);

        std::fs::write(&path, "num.partitions=3\nlog.retention.ms=forever\n").unwrap();
        let err = BrokerConfig::from_properties_file(&path)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(":2:") && err.contains("log.retention.ms"),
            "{err}"
        );
    }

    #[test]
    fn topic_overrides_shape_the_log_config() {
        let config = BrokerConfig::default();
        let overrides = BTreeMap::from([("segment.bytes".to_owned(), "4096".to_owned())]);
        assert_eq!(config.log_config(&overrides).segment_bytes, 4096);
        let sources: Vec<_> = config
            .topic_entries(&overrides)
            .filter(|e| e.source == TopicValueSource::Topic)
            .collect();
        assert_eq!(sources.len(), 1);
    }

    #[test]
    fn flush_policies_parse() {
        assert_eq!(parse_flush_policy("none"), Ok(FlushPolicy::Never));
        assert_eq!(
            parse_flush_policy("every-batch"),
            Ok(FlushPolicy::EveryBatch)
        );
        assert_eq!(
            parse_flush_policy("250ms"),
            Ok(FlushPolicy::IntervalMs(250))
        );
        assert!(parse_flush_policy("0ms").is_err());
    }
}
