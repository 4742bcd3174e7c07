//! A native async Apache Kafka client, written against the wire protocol with
//! no librdkafka underneath.
//!
//! # Producing
//!
//! One [`Producer`] serves all three send modes at once:
//!
//! ```no_run
//! use kctl_client::{Acks, Producer, Record};
//!
//! # async fn demo() -> kctl_client::Result<()> {
//! let producer = Producer::builder(["localhost:9092"])
//!     .acks(Acks::All)
//!     .linger_ms(5)
//!     .build()
//!     .await?;
//!
//! // Fire and forget: the await waits only for buffer space; dropping the
//! // returned future does not cancel the send.
//! drop(producer.send(Record::new("events").value(b"clicked")).await?);
//!
//! // Synchronous: wait for the broker's acknowledgement.
//! let meta = producer.send_and_wait(Record::new("events").key(b"user-7").value(b"paid")).await?;
//! println!("stored at {}-{} offset {}", meta.topic, meta.partition, meta.offset);
//!
//! // Asynchronous: a callback per record, in order within a partition.
//! producer
//!     .send_with_callback(Record::new("events").value(b"left"), |result| match result {
//!         Ok(meta) => println!("offset {}", meta.offset),
//!         Err(e) => eprintln!("failed: {e}"),
//!     })
//!     .await?;
//!
//! producer.close().await; // delivers everything still queued
//! # Ok(()) }
//! ```
//!
//! A producer can also be configured from Kafka-style properties:
//!
//! ```
//! let config = kctl_client::ProducerConfig::from_properties([
//!     ("bootstrap.servers", "localhost:9092"),
//!     ("linger.ms", "20"),
//!     ("compression.type", "zstd"),
//! ])?;
//! assert_eq!(config.linger_ms, 20);
//! # Ok::<(), kctl_client::Error>(())
//! ```
//!
//! # Consuming
//!
//! A [`Consumer`] reads assigned partitions, or every partition of the
//! topics it subscribes to (group management — sharing partitions between
//! consumers and committing offsets — comes later; until then a
//! subscription takes all partitions and positions come from
//! `auto.offset.reset` or seeks):
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use futures::StreamExt;
//! use kctl_client::{Consumer, OffsetReset, TopicPartition};
//!
//! # async fn demo() -> kctl_client::Result<()> {
//! let consumer = Consumer::builder(["localhost:9092"])
//!     .auto_offset_reset(OffsetReset::Earliest)
//!     .build()
//!     .await?;
//! consumer.subscribe(["events"]);
//!
//! // Batches of up to max.poll.records ...
//! for record in consumer.poll(Duration::from_secs(1)).await? {
//!     println!("{}-{}@{}: {:?}", record.topic, record.partition, record.offset, record.value);
//! }
//!
//! // ... or one record at a time, as a stream.
//! let mut records = consumer.stream();
//! while let Some(record) = records.next().await {
//!     let record = record?;
//!     for header in &record.headers {
//!         // Repeated keys and null values arrive as they were produced.
//!         println!("{:?} = {:?}", header.key_str(), header.value);
//!     }
//!     # break;
//! }
//!
//! // Positions: seek to an offset, a time, or either end.
//! let tp = TopicPartition::new("events", 0);
//! consumer.seek_to_timestamp(&tp, 1_700_000_000_000)?;
//! println!("next offset: {}", consumer.position(&tp).await?);
//! consumer.pause(std::slice::from_ref(&tp))?;
//! # Ok(()) }
//! ```
//!
//! Memory is bounded by the fetch settings, not by the backlog: fetched
//! data waits in a buffer of `max_buffered_bytes`, and a consumer whose
//! application falls behind stops fetching rather than growing. Consumers
//! take Kafka-style properties too:
//!
//! ```
//! let config = kctl_client::ConsumerConfig::from_properties([
//!     ("bootstrap.servers", "localhost:9092"),
//!     ("auto.offset.reset", "earliest"),
//!     ("isolation.level", "read_committed"),
//!     ("max.poll.records", "1000"),
//! ])?;
//! assert_eq!(config.max_poll_records, 1000);
//! # Ok::<(), kctl_client::Error>(())
//! ```
//!
//! # Security
//!
//! TLS (rustls) and SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) are set in
//! [`connection::ConnectionConfig::security`], or with the usual Kafka
//! properties, parsed by
//! [`connection::security::SecurityConfig::from_properties`]:
//!
//! | property | values |
//! |---|---|
//! | `security.protocol` | `PLAINTEXT` (default), `SSL`, `SASL_PLAINTEXT`, `SASL_SSL` |
//! | `ssl.ca.location` | PEM file(s) or directory of trusted CAs; unset: the OS trust store |
//! | `ssl.certificate.location`, `ssl.key.location` | PEM client certificate chain and key (mutual TLS) |
//! | `ssl.endpoint.identification.algorithm` | `https` (default, the certificate must name the host) or `none` |
//! | `sasl.mechanism` (or `sasl.mechanisms`) | `PLAIN`, `SCRAM-SHA-256`, `SCRAM-SHA-512` |
//! | `sasl.username`, `sasl.password` | credentials; the password's `Debug` prints `***` |
//!
//! ```
//! use kctl_client::connection::security::{SaslMechanism, SecurityProtocol};
//!
//! let config = kctl_client::ProducerConfig::from_properties([
//!     ("bootstrap.servers", "kafka-1.example:9093"),
//!     ("security.protocol", "SASL_SSL"),
//!     ("ssl.ca.location", "/etc/kafka/ca.pem"),
//!     ("sasl.mechanism", "SCRAM-SHA-512"),
//!     ("sasl.username", "orders-service"),
//!     ("sasl.password", "s3cret"),
//! ])?;
//! let security = &config.client.connection.security;
//! assert_eq!(security.protocol(), SecurityProtocol::SaslSsl);
//! assert_eq!(security.sasl.as_ref().unwrap().mechanism, SaslMechanism::ScramSha512);
//! assert!(!format!("{config:?}").contains("s3cret"));
//! # Ok::<(), kctl_client::Error>(())
//! ```
//!
//! A certificate that is not trusted or does not name the broker fails the
//! connection with [`error::ConnectionError::Tls`]; refused credentials, an
//! unsupported mechanism or a SCRAM server signature that does not verify
//! fail it with [`error::ConnectionError::Authentication`]. Neither is
//! retried.
//!
//! # Layout
//!
//! - [`protocol`]: the wire format and nothing else — framing, request and
//!   response headers, version negotiation, RecordBatch v2 encoding and
//!   decoding, and Java-compatible murmur2. It does no I/O, and it is the
//!   only code in the workspace that reads or writes Kafka bytes.
//!   broker-lite reuses it.
//! - `connection`: one multiplexed connection per broker (correlation ids,
//!   a reader task and a writer task, ApiVersions negotiation, timeouts,
//!   throttling, SASL) and `connection::broker`, which opens TCP and TLS
//!   connections and reconnects with backoff; `connection::security` holds
//!   the TLS and SASL settings.
//! - `client`: bootstrap, the broker pool and the `metadata` cache,
//!   refreshed periodically and when a broker says it is stale.
//! - `producer`: partitioners, the batch accumulator with its bounded
//!   buffer, and the sender with per-broker sinks, retries and idempotence.
//! - `consumer`: assignment and subscriptions, per-broker fetch tasks
//!   pipelined against a bounded buffer, decoding as the application drains
//!   (mid-batch offsets, partial trailing batches, control batches, aborted
//!   transactions), positions and ListOffsets lookups.
//! - [`perf`]: the measuring loops of `kctl perf` and the perf examples.
//! - `properties`: the Kafka-style `key=value` parsing both share.
//! - [`admin`]: topics, configs, offsets, record deletion and the cluster,
//!   each request sent where Kafka wants it (controller, leaders, a given
//!   broker), with one deadline per call covering its retries.
//! - `error`: layered errors; Kafka error codes stay typed.
//!
//! Everything but `protocol` sits behind the `client` feature (on by
//! default), so a build with `default-features = false` gets the protocol
//! module alone.

pub mod protocol;

#[cfg(feature = "client")]
pub mod admin;
#[cfg(feature = "client")]
pub mod backoff;
#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "client")]
pub mod connection;
#[cfg(feature = "client")]
pub mod consumer;
#[cfg(feature = "client")]
pub mod error;

#[cfg(feature = "client")]
pub mod metadata;
#[cfg(feature = "client")]
pub mod offsets;
#[cfg(feature = "client")]
pub mod perf;
#[cfg(feature = "client")]
pub mod producer;
#[cfg(feature = "client")]
mod properties;

#[cfg(feature = "client")]
pub use admin::{Admin, AdminConfig};
#[cfg(feature = "client")]
pub use client::{Client, ClientConfig};
#[cfg(feature = "client")]
pub use consumer::{
    Assignor, Consumer, ConsumerConfig, ConsumerRecord, GroupHandle, OffsetReset, RebalanceListener,
};
#[cfg(feature = "client")]
pub use error::{Error, ErrorCode, Result};
#[cfg(feature = "client")]
pub use offsets::{IsolationLevel, ListedOffset, OffsetAndMetadata, OffsetSpec, TopicPartition};
#[cfg(feature = "client")]
pub use producer::{Acks, Producer, ProducerConfig, Record, RecordMetadata};
