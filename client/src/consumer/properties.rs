//! Building a [`ConsumerConfig`] from Kafka-style properties, as Java and
//! librdkafka users write them.

use super::{Assignor, ConsumerConfig, GroupProtocol, IsolationLevel, OffsetReset};
use crate::error::Result;
use crate::properties::{self, boolean, invalid, number};

/// The consumer's own keys; [`ConsumerConfig::from_properties`] also takes
/// the keys every client understands (`bootstrap.servers`, `client.id`,
/// `request.timeout.ms`, `metadata.max.age.ms`, `reconnect.backoff.ms`,
/// `reconnect.backoff.max.ms`, `allow.auto.create.topics`).
pub const KNOWN_KEYS: &[&str] = &[
    "group.id",
    "group.instance.id",
    "session.timeout.ms",
    "heartbeat.interval.ms",
    "max.poll.interval.ms",
    "enable.auto.commit",
    "auto.commit.interval.ms",
    "partition.assignment.strategy",
    "group.protocol",
    "group.remote.assignor",
    "client.rack",
    "fetch.min.bytes",
    "fetch.max.wait.ms",
    "max.partition.fetch.bytes",
    "fetch.max.bytes",
    "queued.max.messages.kbytes",
    "auto.offset.reset",
    "isolation.level",
    "max.poll.records",
    "check.crcs",
    "retry.backoff.ms",
    "retry.backoff.max.ms",
];

impl ConsumerConfig {
    /// A config from `key=value` pairs. Unknown keys are an error listing
    /// all of them; so is a value that does not parse, naming its key.
    /// `bootstrap.servers` is required.
    pub fn from_properties<K, V>(properties: impl IntoIterator<Item = (K, V)>) -> Result<Self>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let parsed = properties::parse(properties, KNOWN_KEYS)?;
        let mut config = ConsumerConfig::new(Vec::<String>::new());
        config.client = parsed.client;
        for (key, value) in &parsed.pairs {
            let v = value.as_str();
            match key.as_str() {
                "group.id" => config.group_id = Some(v.to_owned()),
                "group.instance.id" => config.group_instance_id = Some(v.to_owned()),
                "session.timeout.ms" => config.session_timeout_ms = number(key, v)?,
                "heartbeat.interval.ms" => config.heartbeat_interval_ms = number(key, v)?,
                "max.poll.interval.ms" => config.max_poll_interval_ms = number(key, v)?,
                "enable.auto.commit" => config.enable_auto_commit = boolean(key, v)?,
                "auto.commit.interval.ms" => config.auto_commit_interval_ms = number(key, v)?,
                "partition.assignment.strategy" => {
                    config.assignors = v
                        .split(',')
                        .map(|name| {
                            Assignor::from_name(name).ok_or_else(|| {
                                invalid(
                                    key,
                                    v,
                                    "range, roundrobin or cooperative-sticky (comma-separated)",
                                )
                            })
                        })
                        .collect::<Result<_>>()?;
                }
                "group.protocol" => {
                    config.group_protocol = GroupProtocol::from_name(v)
                        .ok_or_else(|| invalid(key, v, "classic or consumer"))?;
                }
                "group.remote.assignor" => config.group_remote_assignor = Some(v.to_owned()),
                "client.rack" => config.client_rack = Some(v.to_owned()).filter(|r| !r.is_empty()),
                "fetch.min.bytes" => config.fetch_min_bytes = number(key, v)?,
                "fetch.max.wait.ms" => config.fetch_max_wait_ms = number(key, v)?,
                "max.partition.fetch.bytes" => config.max_partition_fetch_bytes = number(key, v)?,
                "fetch.max.bytes" => config.fetch_max_bytes = number(key, v)?,
                "queued.max.messages.kbytes" => {
                    let kbytes: usize = number(key, v)?;
                    config.max_buffered_bytes = kbytes.saturating_mul(1024);
                }
                "auto.offset.reset" => {
                    config.auto_offset_reset = match v {
                        "earliest" | "smallest" | "beginning" => OffsetReset::Earliest,
                        "latest" | "largest" | "end" => OffsetReset::Latest,
                        "none" | "error" => OffsetReset::None,
                        _ => return Err(invalid(key, v, "earliest, latest or none")),
                    }
                }
                "isolation.level" => {
                    config.isolation_level = match v {
                        "read_uncommitted" => IsolationLevel::ReadUncommitted,
                        "read_committed" => IsolationLevel::ReadCommitted,
                        _ => return Err(invalid(key, v, "read_uncommitted or read_committed")),
                    }
                }
                "max.poll.records" => config.max_poll_records = number(key, v)?,
                "check.crcs" => config.check_crcs = boolean(key, v)?,
                "retry.backoff.ms" => config.retry_backoff.initial_ms = number(key, v)?,
                "retry.backoff.max.ms" => config.retry_backoff.max_ms = number(key, v)?,
                // Client-wide keys, applied by properties::parse.
                _ => {}
            }
        }
        config.validate()?;
        Ok(config)
    }

    /// A config from the text of a `.properties` file: `key=value` lines,
    /// `#` or `!` comments, blank lines ignored.
    pub fn from_properties_str(text: &str) -> Result<Self> {
        Self::from_properties(properties::parse_text(text)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn reads_every_supported_key() {
        let config = ConsumerConfig::from_properties_str(
            "# consumer\n\
             bootstrap.servers = a:9092, b:9092\nclient.id=reader\ngroup.id=g1\n\
             fetch.min.bytes=1024\nfetch.max.wait.ms=100\nmax.partition.fetch.bytes=65536\n\
             fetch.max.bytes=1048576\nqueued.max.messages.kbytes=2048\nauto.offset.reset=earliest\n\
             isolation.level=read_committed\nmax.poll.records=10\ncheck.crcs=false\n\
             request.timeout.ms=5000\nretry.backoff.ms=10\nretry.backoff.max.ms=200\n",
        )
        .unwrap();
        assert_eq!(config.client.bootstrap_servers, ["a:9092", "b:9092"]);
        assert_eq!(
            config.client.connection.client_id.as_deref(),
            Some("reader")
        );
        assert_eq!(config.group_id.as_deref(), Some("g1"));
        assert_eq!(
            (
                config.fetch_min_bytes,
                config.fetch_max_wait_ms,
                config.max_partition_fetch_bytes
            ),
            (1024, 100, 65_536)
        );
        assert_eq!(
            (config.fetch_max_bytes, config.max_buffered_bytes),
            (1 << 20, 2 << 20)
        );
        assert_eq!(config.auto_offset_reset, OffsetReset::Earliest);
        assert_eq!(config.isolation_level, IsolationLevel::ReadCommitted);
        assert_eq!((config.max_poll_records, config.check_crcs), (10, false));
        assert_eq!(config.client.connection.request_timeout_ms, 5_000);
        assert_eq!(
            (config.retry_backoff.initial_ms, config.retry_backoff.max_ms),
            (10, 200)
        );
    }

    #[test]
    fn defaults_follow_java() {
        let config = ConsumerConfig::from_properties([("bootstrap.servers", "a:1")]).unwrap();
        assert_eq!(config.auto_offset_reset, OffsetReset::Latest);
        assert_eq!(config.isolation_level, IsolationLevel::ReadUncommitted);
        assert_eq!((config.fetch_min_bytes, config.fetch_max_wait_ms), (1, 500));
        assert_eq!(
            (config.max_partition_fetch_bytes, config.fetch_max_bytes),
            (1_048_576, 52_428_800)
        );
        assert_eq!((config.max_poll_records, config.check_crcs), (500, true));
        assert!(config.enable_auto_commit);
        assert_eq!(
            (
                config.auto_commit_interval_ms,
                config.session_timeout_ms,
                config.heartbeat_interval_ms
            ),
            (5_000, 45_000, 3_000)
        );
        assert_eq!(config.max_poll_interval_ms, 300_000);
        assert_eq!(
            config.assignors,
            [Assignor::Range, Assignor::CooperativeSticky]
        );
    }

    #[test]
    fn group_keys_use_java_and_librdkafka_names() {
        let config = ConsumerConfig::from_properties_str(
            "bootstrap.servers=a:1\ngroup.id=g\ngroup.instance.id=i-1\nsession.timeout.ms=10000\n\
             heartbeat.interval.ms=1000\nmax.poll.interval.ms=60000\nenable.auto.commit=false\n\
             auto.commit.interval.ms=100\npartition.assignment.strategy=roundrobin, range\n",
        )
        .unwrap();
        assert_eq!(config.group_instance_id.as_deref(), Some("i-1"));
        assert_eq!(
            (
                config.session_timeout_ms,
                config.heartbeat_interval_ms,
                config.max_poll_interval_ms
            ),
            (10_000, 1_000, 60_000)
        );
        assert!(!config.enable_auto_commit);
        assert_eq!(config.auto_commit_interval_ms, 100);
        assert_eq!(config.assignors, [Assignor::RoundRobin, Assignor::Range]);
        let java = ConsumerConfig::from_properties([
            ("bootstrap.servers", "a:1"),
            (
                "partition.assignment.strategy",
                "org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
            ),
        ])
        .unwrap();
        assert_eq!(java.assignors, [Assignor::CooperativeSticky]);
        assert_eq!(java.group_protocol, GroupProtocol::Classic, "the default");
        let kip848 = ConsumerConfig::from_properties([
            ("bootstrap.servers", "a:1"),
            ("group.protocol", "CONSUMER"),
            ("group.remote.assignor", "range"),
        ])
        .unwrap();
        assert_eq!(kip848.group_protocol, GroupProtocol::Consumer);
        assert_eq!(kip848.group_remote_assignor.as_deref(), Some("range"));
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = ConsumerConfig::from_properties([
            ("bootstrap.servers", "a:1"),
            ("enable.idempotence", "true"),
            ("linger.ms", "5"),
        ])
        .unwrap_err();
        assert!(
            matches!(&err, Error::UnknownConfigKeys(keys) if keys == &["enable.idempotence", "linger.ms"]),
            "{err}"
        );
    }

    #[test]
    fn bad_values_name_their_key() {
        for (key, value) in [
            ("auto.offset.reset", "middle"),
            ("isolation.level", "serializable"),
            ("max.poll.records", "many"),
            ("check.crcs", "yes"),
            ("fetch.max.wait.ms", "-1"),
            ("partition.assignment.strategy", "range,sticky"),
            ("enable.auto.commit", "maybe"),
            ("group.protocol", "share"),
        ] {
            let err = ConsumerConfig::from_properties([("bootstrap.servers", "a:1"), (key, value)])
                .unwrap_err();
            assert!(err.to_string().contains(key), "{err}");
        }
        let err = ConsumerConfig::from_properties([
            ("bootstrap.servers", "a:1"),
            ("fetch.max.wait.ms", "5000"),
            ("request.timeout.ms", "5000"),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("request.timeout.ms"), "{err}");
        assert!(
            ConsumerConfig::from_properties([("group.id", "g")]).is_err(),
            "bootstrap.servers is required"
        );
        assert!(
            ConsumerConfig::from_properties([
                ("bootstrap.servers", "a:1"),
                ("max.poll.records", "0")
            ])
            .is_err()
        );
    }
}
