//! Reading broker settings: Kafka-style properties files and single
//! `key=value` settings, with the parsers and checks they share.

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;

use super::*;

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
            "group.consumer.migration.policy" => {
                self.group.consumer_migration_policy =
                    MigrationPolicy::parse(value).ok_or_else(|| {
                        invalid("must be one of bidirectional, upgrade, downgrade, disabled")
                    })?
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
                self.group.share_delivery_count_limit = parse_between(key, value, 2, 10)?;
            }
            "group.share.partition.max.record.locks" => {
                self.group.share_partition_max_record_locks = parse_positive(key, value)?
            }
            // Kafka's bounds for the bounds of the group config
            // `share.record.lock.duration.ms` (`ShareGroupConfig`).
            "group.share.min.record.lock.duration.ms" => {
                self.group.share_min_record_lock_duration_ms =
                    parse_between(key, value, 1_000, 30_000)?;
            }
            "group.share.max.record.lock.duration.ms" => {
                self.group.share_max_record_lock_duration_ms =
                    parse_between(key, value, 30_000, 3_600_000)?;
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

/// A value within `min..=max` (Kafka's `Range.between`).
fn parse_between<T: std::str::FromStr + PartialOrd + fmt::Display>(
    key: &str,
    value: &str,
    min: T,
    max: T,
) -> Result<T, ConfigError>
where
    T::Err: fmt::Display,
{
    let parsed: T = parse(key, value)?;
    if parsed < min || parsed > max {
        return Err(ConfigError::InvalidValue {
            key: key.into(),
            value: value.into(),
            reason: format!("must be between {min} and {max}"),
        });
    }
    Ok(parsed)
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
