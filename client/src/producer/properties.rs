//! Building a [`ProducerConfig`] from Kafka-style properties
//! (`bootstrap.servers`, `linger.ms`, ...), as Java and librdkafka users
//! write them.

use super::{Acks, Compression, PartitionerChoice, ProducerConfig};
use crate::error::Result;
use crate::properties::{self, boolean, invalid, number};

/// The producer's own keys; [`ProducerConfig::from_properties`] also takes
/// the keys every client understands (`bootstrap.servers`, `client.id`,
/// `request.timeout.ms`, `metadata.max.age.ms`, `reconnect.backoff.ms`,
/// `reconnect.backoff.max.ms`, `allow.auto.create.topics`).
pub const KNOWN_KEYS: &[&str] = &[
    "acks",
    "linger.ms",
    "batch.size",
    "buffer.memory",
    "max.request.size",
    "compression.type",
    "enable.idempotence",
    "retries",
    "retry.backoff.ms",
    "retry.backoff.max.ms",
    "delivery.timeout.ms",
    "max.in.flight.requests.per.connection",
    "max.block.ms",
    "partitioner",
    "transactional.id",
    "transaction.timeout.ms",
];

impl ProducerConfig {
    /// A config from `key=value` pairs. Unknown keys are an error listing
    /// all of them; so is a value that does not parse, naming its key.
    /// `bootstrap.servers` is required.
    pub fn from_properties<K, V>(properties: impl IntoIterator<Item = (K, V)>) -> Result<Self>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let parsed = properties::parse(properties, KNOWN_KEYS)?;
        let mut config = ProducerConfig::new(Vec::<String>::new());
        config.client = parsed.client;
        for (key, value) in &parsed.pairs {
            let v = value.as_str();
            match key.as_str() {
                "acks" => {
                    config.acks = match v {
                        "0" => Acks::None,
                        "1" => Acks::Leader,
                        "-1" | "all" => Acks::All,
                        _ => return Err(invalid(key, v, "0, 1, -1 or all")),
                    }
                }
                "linger.ms" => config.linger_ms = number(key, v)?,
                "batch.size" => config.batch_size = number(key, v)?,
                "buffer.memory" => config.buffer_memory = number(key, v)?,
                "max.request.size" => config.max_request_size = number(key, v)?,
                "compression.type" => {
                    config.compression = match v {
                        "none" => Compression::None,
                        "gzip" => Compression::Gzip,
                        "snappy" => Compression::Snappy,
                        "lz4" => Compression::Lz4,
                        "zstd" => Compression::Zstd,
                        _ => return Err(invalid(key, v, "none, gzip, snappy, lz4 or zstd")),
                    }
                }
                "enable.idempotence" => config.enable_idempotence = Some(boolean(key, v)?),
                "retries" => config.retries = number(key, v)?,
                "retry.backoff.ms" => config.retry_backoff.initial_ms = number(key, v)?,
                "retry.backoff.max.ms" => config.retry_backoff.max_ms = number(key, v)?,
                "delivery.timeout.ms" => config.delivery_timeout_ms = number(key, v)?,
                "max.in.flight.requests.per.connection" => config.max_in_flight = number(key, v)?,
                "max.block.ms" => config.max_block_ms = number(key, v)?,
                "transactional.id" => config.transactional_id = Some(v.to_owned()),
                "transaction.timeout.ms" => config.transaction_timeout_ms = number(key, v)?,
                "partitioner" => {
                    config.partitioner = match v {
                        "default" | "murmur2" | "murmur2_random" => PartitionerChoice::Default,
                        "round_robin"
                        | "roundrobin"
                        | "org.apache.kafka.clients.producer.RoundRobinPartitioner" => {
                            PartitionerChoice::RoundRobin
                        }
                        "random" => PartitionerChoice::Random,
                        "uniform_sticky" => PartitionerChoice::UniformSticky,
                        _ => {
                            return Err(invalid(
                                key,
                                v,
                                "default, round_robin, random or uniform_sticky",
                            ));
                        }
                    }
                }
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
        let config = ProducerConfig::from_properties_str(
            "# producer\n\
             bootstrap.servers = a:9092, b:9092\n\
             client.id=orders\nacks=1\nlinger.ms=50\nbatch.size=65536\nbuffer.memory=1048576\n\
             compression.type=zstd\nenable.idempotence=false\nretries=3\ndelivery.timeout.ms=60000\n\
             request.timeout.ms=10000\nmax.in.flight.requests.per.connection=2\npartitioner=round_robin\n\
             retry.backoff.ms=10\nretry.backoff.max.ms=200\n",
        )
        .unwrap();
        assert_eq!(config.client.bootstrap_servers, ["a:9092", "b:9092"]);
        assert_eq!(
            config.client.connection.client_id.as_deref(),
            Some("orders")
        );
        assert_eq!(
            (config.acks, config.linger_ms, config.batch_size),
            (Acks::Leader, 50, 65_536)
        );
        assert_eq!(config.compression, Compression::Zstd);
        assert_eq!(
            (
                config.enable_idempotence,
                config.retries,
                config.max_in_flight
            ),
            (Some(false), 3, 2)
        );
        assert_eq!(
            (
                config.delivery_timeout_ms,
                config.client.connection.request_timeout_ms
            ),
            (60_000, 10_000)
        );
        assert!(matches!(config.partitioner, PartitionerChoice::RoundRobin));
        assert_eq!(
            (config.retry_backoff.initial_ms, config.retry_backoff.max_ms),
            (10, 200)
        );
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = ProducerConfig::from_properties([
            ("bootstrap.servers", "a:1"),
            ("linger.msec", "5"),
            ("sasl.kerberos.service.name", "kafka"),
        ])
        .unwrap_err();
        assert!(
            matches!(&err, Error::UnknownConfigKeys(keys) if keys == &["linger.msec", "sasl.kerberos.service.name"])
        );
        assert_eq!(
            err.to_string(),
            "unknown configuration keys: linger.msec, sasl.kerberos.service.name"
        );
    }

    #[test]
    fn security_keys_reach_the_connection() {
        let config = ProducerConfig::from_properties_str(
            "bootstrap.servers=k:9093\nsecurity.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-256\n\
             sasl.username=ops\nsasl.password=hunter2\nssl.ca.location=/etc/kafka/ca.pem\n",
        )
        .unwrap();
        let security = &config.client.connection.security;
        assert_eq!(
            security.protocol(),
            crate::connection::security::SecurityProtocol::SaslSsl
        );
        assert_eq!(security.sasl.as_ref().unwrap().username, "ops");
        assert_eq!(
            security.tls.as_ref().unwrap().ca_locations,
            [std::path::PathBuf::from("/etc/kafka/ca.pem")]
        );
        assert!(!format!("{config:?}").contains("hunter2"));
        let err = ProducerConfig::from_properties([
            ("bootstrap.servers", "k:9093"),
            ("sasl.username", "ops"),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("security.protocol"), "{err}");
    }

    #[test]
    fn bad_values_name_their_key() {
        for (key, value) in [
            ("acks", "2"),
            ("linger.ms", "soon"),
            ("compression.type", "brotli"),
            ("enable.idempotence", "yes"),
            ("partitioner", "consistent"),
        ] {
            let err = ProducerConfig::from_properties([("bootstrap.servers", "a:1"), (key, value)])
                .unwrap_err();
            assert!(err.to_string().contains(key), "{err}");
        }
        assert!(
            ProducerConfig::from_properties([("linger.ms", "5")]).is_err(),
            "bootstrap.servers is required"
        );
        assert!(ProducerConfig::from_properties_str("bootstrap.servers=a:1\nnonsense\n").is_err());
    }
}
