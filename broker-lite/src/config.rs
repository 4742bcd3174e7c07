//! Broker and topic configuration.
//!
//! Broker settings use Kafka's own keys (`log.segment.bytes`,
//! `auto.create.topics.enable`, ...) so a `server.properties` file carries
//! over. Topic settings are overrides of the broker's defaults, validated by
//! the table in [`TOPIC_CONFIGS`], which also drives DescribeConfigs.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use kctl_client::protocol::records::TimestampType;

use crate::log::{CleanupPolicy, FlushPolicy, LogConfig};

mod topic_configs;
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
            share_session_timeout_ms: 45_000,
            share_heartbeat_interval_ms: 5_000,
            share_record_lock_duration_ms: 30_000,
            share_delivery_count_limit: 5,
            share_partition_max_record_locks: 2_000,
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

/// What a command line may override, over an optional properties file:
/// shared by the `broker-lite` binary and `kctl broker start`.
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    pub config_file: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub listen: Option<SocketAddr>,
    pub advertise: Option<String>,
    /// `none`, `every-batch` or `Nms`.
    pub flush: Option<String>,
    pub num_partitions: Option<i32>,
    /// `node.id`.
    pub node_id: Option<i32>,
    /// A cluster node: the controller's address (see `cluster`).
    pub controller: Option<SocketAddr>,
}

impl StartOptions {
    /// The file's settings (or the defaults), then each option given.
    pub fn resolve(&self) -> Result<BrokerConfig, ConfigError> {
        let mut config = match &self.config_file {
            Some(path) => BrokerConfig::from_properties_file(path)?,
            None => BrokerConfig::default(),
        };
        if let Some(dir) = &self.data_dir {
            config.data_dir.clone_from(dir);
        }
        if let Some(listen) = self.listen {
            config.set("listeners", &listen.to_string())?;
        }
        if let Some(advertise) = &self.advertise {
            config.set("advertised.listeners", advertise)?;
        }
        if let Some(flush) = &self.flush {
            config.set("log.flush.policy", flush)?;
        }
        if let Some(n) = self.num_partitions {
            config.set("num.partitions", &n.to_string())?;
        }
        if let Some(id) = self.node_id {
            config.set("node.id", &id.to_string())?;
        }
        if self.controller.is_some() {
            config.controller = self.controller;
        }
        Ok(config)
    }
}

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
    /// Reads a Kafka-style properties file (`key=value`, `#` comments).
    /// Keys broker-lite does not know are logged and ignored, as Kafka does,
    /// so an existing server.properties works; a bad value is an error that
    /// names the file, line and key.
    pub fn from_properties_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_properties_text(&text, path)
    }

    /// [`from_properties_file`](Self::from_properties_file) on text already
    /// read; `path` only names the file in errors.
    pub fn from_properties_text(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let mut config = Self::default();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
                continue;
            }
            let file_error = |message: String| ConfigError::File {
                path: path.to_owned(),
                line: index + 1,
                message,
            };
            let Some((key, value)) = line.split_once(['=', ':']) else {
                return Err(file_error(format!("expected key=value, found {line:?}")));
            };
            match config.set(key.trim(), value.trim()) {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(key = key.trim(), file = %path.display(), "ignoring config key broker-lite does not use")
                }
                Err(err) => return Err(file_error(err.to_string())),
            }
        }
        Ok(config)
    }

    /// Sets one key. Returns `Ok(false)` for a key broker-lite does not use.
    pub fn set(&mut self, key: &str, value: &str) -> Result<bool, ConfigError> {
        let invalid = |reason: &str| ConfigError::InvalidValue {
            key: key.to_owned(),
            value: value.to_owned(),
            reason: reason.to_owned(),
        };
        let hours_to_ms = |v: i64| v.saturating_mul(3_600_000);
        match key {
            "node.id" | "broker.id" => self.node_id = parse(key, value)?,
            "replica.lag.time.max.ms" => self.replica_lag_time_max_ms = parse(key, value)?,
            "unclean.leader.election.enable" => self.unclean_leader_election = parse(key, value)?,
            "broker.session.timeout.ms" => self.broker_session_timeout_ms = parse(key, value)?,
            "auto.leader.rebalance.enable" => self.auto_leader_rebalance = parse(key, value)?,
            "leader.imbalance.check.interval.seconds" => {
                self.leader_imbalance_check_interval_seconds = parse(key, value)?
            }
            "listeners" => self.listen = parse_listener(value).map_err(|r| invalid(&r))?,
            "advertised.listeners" => {
                let addr = strip_listener_name(value);
                let (host, port) = addr
                    .rsplit_once(':')
                    .ok_or_else(|| invalid("expected host:port"))?;
                let port: u16 = port.parse().map_err(|_| invalid("port must be 0-65535"))?;
                if host.is_empty() {
                    return Err(invalid(
                        "the advertised host must not be empty: clients need a routable address",
                    ));
                }
                self.advertise = Some((host.trim_matches(['[', ']']).to_owned(), port));
            }
            "log.dirs" | "log.dir" => {
                let first = value.split(',').next().unwrap_or(value).trim();
                self.data_dir = PathBuf::from(first);
            }
            "max.connections" => self.max_connections = parse_positive(key, value)?,
            "socket.request.max.bytes" => self.max_request_bytes = parse_positive(key, value)?,
            "connections.max.idle.ms" => self.connections_max_idle_ms = parse_positive(key, value)?,
            "request.read.timeout.ms" => self.request_read_timeout_ms = parse_positive(key, value)?,
            "auto.create.topics.enable" => self.auto_create_topics = parse(key, value)?,
            "allow.everyone.if.no.acl.found" => {
                self.allow_everyone_if_no_acl_found = parse(key, value)?
            }
            "super.users" => {
                self.super_users = value
                    .split(';')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
                    .collect()
            }
            "num.partitions" => self.num_partitions = parse_positive(key, value)?,
            "default.replication.factor" => {
                self.default_replication_factor = parse(key, value)?;
                if self.default_replication_factor != 1 {
                    return Err(invalid(
                        "broker-lite is a single broker: the replication factor can only be 1",
                    ));
                }
            }
            "min.insync.replicas" => self.min_insync_replicas = parse_positive(key, value)?,
            "log.retention.check.interval.ms" => {
                self.retention_check_interval_ms = parse_positive(key, value)?
            }
            "log.segment.bytes" => self.log.segment_bytes = parse_positive(key, value)?,
            "log.roll.ms" => self.log.segment_ms = parse_positive(key, value)?,
            "log.roll.hours" => self.log.segment_ms = hours_to_ms(parse_positive(key, value)?),
            "log.retention.ms" => self.log.retention_ms = parse_retention(key, value)?,
            "log.retention.minutes" => {
                self.log.retention_ms = parse_retention::<i64>(key, value)?.saturating_mul(60_000)
            }
            "log.retention.hours" => {
                self.log.retention_ms = hours_to_ms(parse_retention(key, value)?)
            }
            "log.retention.bytes" => self.log.retention_bytes = parse_retention(key, value)?,
            "log.index.interval.bytes" => {
                self.log.index_interval_bytes = parse_positive(key, value)?
            }
            "message.max.bytes" => self.log.max_message_bytes = parse_positive(key, value)?,
            "log.message.timestamp.type" => {
                self.log.message_timestamp_type =
                    parse_timestamp_type(value).map_err(|r| invalid(&r))?;
            }
            "log.cleanup.policy" => {
                self.log_cleanup_policy = parse_cleanup_policy(value).map_err(|r| invalid(&r))?
            }
            "log.cleaner.delete.retention.ms" => {
                self.log_delete_retention_ms = parse_non_negative(key, value)?
            }
            "log.cleaner.min.compaction.lag.ms" => {
                self.log.min_compaction_lag_ms = parse_non_negative(key, value)?
            }
            "log.cleaner.enable" => self.log_cleaner_enable = parse(key, value)?,
            "log.cleaner.backoff.ms" => self.log_cleaner_backoff_ms = parse_positive(key, value)?,
            "log.flush.interval.messages" => {
                let every: u64 = parse_positive(key, value)?;
                if every == 1 {
                    self.log.flush = FlushPolicy::EveryBatch;
                }
            }
            "log.flush.interval.ms" => {
                self.log.flush = FlushPolicy::IntervalMs(parse_positive(key, value)?)
            }
            "log.flush.policy" => {
                self.log.flush = parse_flush_policy(value).map_err(|r| invalid(&r))?
            }
            "group.initial.rebalance.delay.ms" => {
                let delay_ms: i64 = parse(key, value)?;
                self.group.initial_rebalance_delay_ms =
                    u64::try_from(delay_ms).map_err(|_| invalid("must not be negative"))?;
            }
            "group.min.session.timeout.ms" => {
                self.group.min_session_timeout_ms = parse_positive(key, value)?
            }
            "group.max.session.timeout.ms" => {
                self.group.max_session_timeout_ms = parse_positive(key, value)?
            }
            "offset.metadata.max.bytes" => {
                self.group.offset_metadata_max_bytes = parse_positive(key, value)?
            }
            "group.consumer.session.timeout.ms" => {
                self.group.consumer_session_timeout_ms = parse_positive(key, value)?
            }
            "group.consumer.heartbeat.interval.ms" => {
                self.group.consumer_heartbeat_interval_ms = parse_positive(key, value)?
            }
            "group.share.session.timeout.ms" => {
                self.group.share_session_timeout_ms = parse_positive(key, value)?
            }
            "group.share.heartbeat.interval.ms" => {
                self.group.share_heartbeat_interval_ms = parse_positive(key, value)?
            }
            "group.share.record.lock.duration.ms" => {
                self.group.share_record_lock_duration_ms = parse_positive(key, value)?
            }
            "group.share.delivery.count.limit" => {
                // Kafka's bounds (2..=10) for the broker-wide limit.
                let limit: i16 = parse(key, value)?;
                if !(2..=10).contains(&limit) {
                    return Err(invalid("must be between 2 and 10"));
                }
                self.group.share_delivery_count_limit = limit;
            }
            "group.share.partition.max.record.locks" => {
                self.group.share_partition_max_record_locks = parse_positive(key, value)?
            }
            "transaction.max.timeout.ms" => self.txn.max_timeout_ms = parse_positive(key, value)?,
            "transaction.abort.timed.out.transaction.cleanup.interval.ms" => {
                self.txn.abort_timed_out_check_interval_ms = parse_positive(key, value)?
            }
            "transaction.version" => {
                let level: i16 = parse(key, value)?;
                if !TRANSACTION_VERSIONS.contains(&level) {
                    return Err(invalid("broker-lite finalizes transaction.version 1 or 2"));
                }
                self.txn.transaction_version = level;
            }
            "transactional.id.expiration.ms" => {
                self.txn.transactional_id_expiration_ms = parse_positive(key, value)?
            }
            _ => return Ok(false),
        }
        self.explicitly_set.insert(key.to_owned(), value.to_owned());
        Ok(true)
    }

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

    fn topic_default(&self, name: &str) -> String {
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

fn parse<T: std::str::FromStr>(key: &str, value: &str) -> Result<T, ConfigError>
where
    T::Err: fmt::Display,
{
    value
        .parse()
        .map_err(|e: T::Err| ConfigError::InvalidValue {
            key: key.to_owned(),
            value: value.to_owned(),
            reason: e.to_string(),
        })
}

fn parse_positive<T: std::str::FromStr + PartialOrd + Default>(
    key: &str,
    value: &str,
) -> Result<T, ConfigError>
where
    T::Err: fmt::Display,
{
    let parsed: T = parse(key, value)?;
    if parsed <= T::default() {
        return Err(ConfigError::InvalidValue {
            key: key.into(),
            value: value.into(),
            reason: "must be positive".into(),
        });
    }
    Ok(parsed)
}

fn parse_non_negative<T: std::str::FromStr + PartialOrd + Default>(
    key: &str,
    value: &str,
) -> Result<T, ConfigError>
where
    T::Err: fmt::Display,
{
    let parsed: T = parse(key, value)?;
    if parsed < T::default() {
        return Err(ConfigError::InvalidValue {
            key: key.into(),
            value: value.into(),
            reason: "must not be negative".into(),
        });
    }
    Ok(parsed)
}

fn parse_retention<T: std::str::FromStr + PartialOrd + From<i8>>(
    key: &str,
    value: &str,
) -> Result<T, ConfigError>
where
    T::Err: fmt::Display,
{
    let parsed: T = parse(key, value)?;
    if parsed < T::from(-1) {
        return Err(ConfigError::InvalidValue {
            key: key.into(),
            value: value.into(),
            reason: "must be -1 (no limit) or more".into(),
        });
    }
    Ok(parsed)
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

/// `none`, `every-batch`, or an interval such as `100ms`.
pub fn parse_flush_policy(v: &str) -> Result<FlushPolicy, String> {
    match v {
        "none" | "never" => Ok(FlushPolicy::Never),
        "every-batch" | "batch" => Ok(FlushPolicy::EveryBatch),
        other => other
            .strip_suffix("ms")
            .and_then(|n| n.parse::<u64>().ok())
            .filter(|&n| n > 0)
            .map(FlushPolicy::IntervalMs)
            .ok_or_else(|| "must be none, every-batch, or an interval like 100ms".into()),
    }
}

fn strip_listener_name(value: &str) -> &str {
    let first = value.split(',').next().unwrap_or(value).trim();
    first.split_once("://").map_or(first, |(_, addr)| addr)
}

/// `PLAINTEXT://127.0.0.1:9092` or `127.0.0.1:9092`. An empty host means
/// all interfaces, as in Kafka.
fn parse_listener(value: &str) -> Result<SocketAddr, String> {
    let addr = strip_listener_name(value);
    let addr = if addr.starts_with(':') {
        format!("0.0.0.0{addr}")
    } else {
        addr.to_owned()
    };
    let addr = addr.replace("localhost", "127.0.0.1");
    addr.parse()
        .map_err(|_| "expected host:port with an IP address, e.g. 127.0.0.1:9092".to_owned())
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
