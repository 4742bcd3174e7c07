//! A native async Apache Kafka client, written against the wire protocol with
//! no librdkafka underneath.
//!
//! # Producing
//!
//! One [`Producer`] serves all three send modes at once, and they differ only
//! in what the caller waits for:
//!
//! - **fire and forget**: [`Producer::send`], dropping the returned
//!   [`producer::DeliveryFuture`]. The record is delivered with the same
//!   retries and ordering as the others; the caller just never learns the
//!   outcome.
//! - **synchronous**: [`Producer::send_and_wait`] (or awaiting the
//!   `DeliveryFuture`): the record's [`RecordMetadata`] once the broker has
//!   it with the configured `acks`, or its error.
//! - **asynchronous**: [`Producer::send_with_callback`]: the callback runs
//!   once with the outcome, in send order within a partition.
//!
//! With the defaults (`acks=all`, idempotence on) a record acknowledged by
//! any mode is on every in-sync replica and is written exactly once, in
//! order, despite retries. [`Producer::try_send`] fails with
//! [`Error::BufferFull`] rather than wait for buffer space, and
//! [`Producer::flush`] waits for everything sent so far. A producer with a
//! `transactional.id` also writes atomically across partitions
//! ([`Producer::init_transactions`] shows the calls).
//!
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
//! drop(producer.send(Record::new("events").value("clicked")).await?);
//!
//! // Synchronous: wait for the broker's acknowledgement. send_and_wait does
//! // not wait out linger.ms, so a record costs about one round trip.
//! let meta = producer.send_and_wait(Record::new("events").key("user-7").value("paid")).await?;
//! println!("stored at {meta}"); // events-3@1041
//!
//! // Keys, values and headers take &str, String, &[u8], Vec<u8> or Bytes.
//! let owned: Vec<u8> = encoded_payload();
//! producer.send_and_wait(Record::new("events").value(owned).header("v", "2")).await?;
//!
//! // Asynchronous: a callback per record, in order within a partition.
//! producer
//!     .send_with_callback(Record::new("events").value("left"), |result| match result {
//!         Ok(meta) => println!("offset {}", meta.offset),
//!         Err(e) => eprintln!("failed: {e}"),
//!     })
//!     .await?;
//!
//! producer.close().await; // delivers everything still queued
//! # Ok(()) }
//! # fn encoded_payload() -> Vec<u8> { Vec::new() }
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
//! A [`Consumer`] reads partitions it is given ([`Consumer::assign`]) or
//! the partitions of topics it subscribes to ([`Consumer::subscribe`],
//! [`Consumer::subscribe_pattern`]). With a `group.id` a subscription joins
//! a consumer group: the group shares the partitions out among its members
//! (range, roundrobin or cooperative-sticky, as Java and librdkafka name
//! them), and each partition starts at the group's committed offset.
//! Without one, a subscription takes every partition and positions come
//! from `auto.offset.reset` or seeks.
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use futures::StreamExt;
//! use kctl_client::{Consumer, OffsetReset, TopicPartition};
//!
//! # async fn demo() -> kctl_client::Result<()> {
//! let consumer = Consumer::builder(["localhost:9092"])
//!     .group_id("billing")
//!     .auto_offset_reset(OffsetReset::Earliest)
//!     .build()
//!     .await?;
//! consumer.subscribe(["events"]);
//!
//! // Batches of up to max.poll.records ...
//! for record in consumer.poll(Duration::from_secs(1)).await? {
//!     println!("{}-{}@{}: {:?}", record.topic, record.partition, record.offset, record.value_str());
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
//! consumer.close().await; // leaves the group at once
//! # Ok(()) }
//! ```
//!
//! ## Commits and delivery semantics
//!
//! The group stores, per partition, the offset of the next record to read.
//! When the application commits relative to processing decides what a
//! crash costs (the [`consumer`] module has the details):
//!
//! - **At most once**: commit, then process. `enable_auto_commit(false)`,
//!   [`Consumer::commit_sync`] right after `poll`. A crash mid-batch skips
//!   the rest of it (`examples/at_most_once.rs`).
//! - **At least once**: process, then commit what was processed:
//!   [`Consumer::commit_records`] (or [`Consumer::commit_offsets_sync`] with
//!   [`ConsumerRecord::next_offset`]). A crash before the commit delivers
//!   the batch again (`examples/at_least_once.rs`). Auto-commit, the
//!   default, is at least once as long as each batch is processed before
//!   the next `poll`.
//! - **Exactly once** (read-process-write): a transactional producer
//!   ([`ProducerConfig::transactional_id`]) writes the output and commits
//!   the consumed offsets in one transaction
//!   ([`Producer::send_offsets_to_transaction`]), and readers use
//!   `isolation.level=read_committed`. A crash aborts the open transaction,
//!   so output and commit happen both or neither
//!   (`examples/exactly_once.rs`).
//!
//! ```no_run
//! # use std::time::Duration;
//! # async fn demo() -> kctl_client::Result<()> {
//! let consumer = kctl_client::Consumer::builder(["localhost:9092"])
//!     .group_id("billing")
//!     .enable_auto_commit(false)
//!     .build()
//!     .await?;
//! consumer.subscribe(["payments"]);
//! loop {
//!     let records = consumer.poll(Duration::from_secs(1)).await?;
//!     for record in &records {
//!         // process(record)?
//!         # let _ = record;
//!     }
//!     consumer.commit_records(&records).await?; // at least once
//! }
//! # }
//! ```
//!
//! Memory is bounded by the fetch settings, not by the backlog: fetched
//! data waits in a buffer of `max_buffered_bytes`, and a consumer whose
//! application falls behind stops fetching rather than growing.
//!
//! # The admin client
//!
//! [`Admin`] manages topics, partitions, configs, consumer groups and their
//! offsets, record deletion and the cluster. Each call has one deadline
//! (`default.api.timeout.ms`) covering its retries. Calls about many items
//! return one result per item; [`admin::ItemResults::all`] turns any failed
//! item into an `Err`, and single-item forms ([`Admin::create_topic`],
//! [`Admin::delete_topic`], [`Admin::describe_topic`],
//! [`Admin::describe_group`]) do so directly.
//!
//! ```no_run
//! use kctl_client::admin::{ConfigResource, DescribeConfigsOptions, ItemResults, NewTopic};
//! use kctl_client::{Admin, IsolationLevel};
//!
//! # async fn demo() -> kctl_client::Result<()> {
//! let admin = Admin::builder(["localhost:9092"]).build().await?;
//! admin.create_topic(NewTopic::new("orders").partitions(6)).await?;
//! let configs = admin
//!     .describe_configs(&[ConfigResource::Topic("orders".into())], &DescribeConfigsOptions::default())
//!     .await?
//!     .all()?;
//! println!("{} configs", configs[0].len());
//! for p in admin.group_lag("billing", IsolationLevel::ReadCommitted).await? {
//!     println!("{}: lag {}", p.partition, p.lag); // "-" where the group never committed
//! }
//! # Ok(()) }
//! ```
//!
//! `examples/admin.rs` goes through every kind of call.
//!
//! # Configuration
//!
//! Each client starts from a builder — [`Producer::builder`],
//! [`Consumer::builder`], [`Admin::builder`] — or from Kafka-style
//! properties — [`Producer::from_properties`],
//! [`Consumer::from_properties`], [`Admin::from_properties`] — and is
//! finished with `build().await`. The builders are the config structs
//! themselves ([`ProducerConfig`], [`ConsumerConfig`], [`AdminConfig`]);
//! every setter names its Kafka property and its default, and the defaults
//! are Java's (for example `linger.ms` = 5, `acks` = all, idempotence on,
//! `auto.offset.reset` = latest, `enable.auto.commit` = true). Unknown
//! property keys are an error that lists them all.
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
//! The three clients can share one set of connections and one metadata
//! cache, as franz-go's single client does: connect a [`Client`] and hand
//! it to [`Producer::with_client`], [`Consumer::with_client`] and
//! [`Admin::with_client`]. All three end the same way: `close(self).await`.
//!
//! ```no_run
//! use kctl_client::{Admin, AdminConfig, Client, ClientConfig, Consumer, ConsumerConfig};
//! use kctl_client::{Producer, ProducerConfig};
//!
//! # async fn demo() -> kctl_client::Result<()> {
//! let client = Client::connect(ClientConfig::new(["localhost:9092"])).await?;
//! let producer = Producer::with_client(client.clone(), ProducerConfig::default()).await?;
//! let consumer =
//!     Consumer::with_client(client.clone(), ConsumerConfig::default().group_id("g")).await?;
//! let admin = Admin::with_client(client, AdminConfig::default());
//! producer.close().await;
//! consumer.close().await;
//! admin.close().await;
//! # Ok(()) }
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
//! # Errors
//!
//! Every fallible call returns [`Result`], whose [`Error`] keeps Kafka's
//! error code typed: [`Error::code`] gives the [`ErrorCode`] when the broker
//! sent one, [`Error::is_retriable`] says whether Kafka considers it
//! retriable (the clients already retried those within their timeouts),
//! and the message names the request and the topic, partition or group it
//! was about. No `anyhow` in the API: match on the variants, or use `?`
//! into your own error type.
//!
//! ```
//! use kctl_client::{Error, ErrorCode};
//!
//! fn explain(e: &Error) -> &'static str {
//!     match e.code() {
//!         Some(ErrorCode::TopicAlreadyExists) => "already there",
//!         _ if e.is_retriable() => "try again later",
//!         _ => "failed",
//!     }
//! }
//! # let _ = explain;
//! ```
//!
//! # Runtime
//!
//! The clients are async and need a [tokio](https://tokio.rs) runtime
//! (multi-threaded or current-thread, with the `net`, `time`, `sync` and
//! `rt` features): building a client spawns its background tasks (the
//! metadata refresher, the producer's sender, the consumer's fetchers and
//! group tasks) on the current runtime. Every client is `Send + Sync`, so it
//! can be shared between tasks; producers, admin clients and clients are
//! cheap to clone.
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
//! - `filter` (feature `filter`, off by default): `RecordFilter`, which keeps
//!   records by key, value or header regex/equality and jq expressions over
//!   JSON values (through the jaq crates).
//!
//! Everything but `protocol` sits behind the `client` feature (on by
//! default), so a build with `default-features = false` gets the protocol
//! module alone.

#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

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
#[cfg(feature = "filter")]
pub mod filter;

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
mod sync;

#[cfg(feature = "client")]
pub use admin::{Admin, AdminConfig, ItemResults};
#[cfg(feature = "client")]
pub use client::{Client, ClientConfig};
#[cfg(feature = "client")]
pub use consumer::ConsumerGroupMetadata;
#[cfg(feature = "client")]
pub use consumer::{
    Assignor, Consumer, ConsumerConfig, ConsumerRecord, GroupHandle, GroupProtocol, OffsetReset,
    RebalanceListener, RecordRef,
};
#[cfg(feature = "client")]
pub use error::{Error, ErrorCode, Result};
#[cfg(feature = "client")]
pub use offsets::{IsolationLevel, ListedOffset, OffsetAndMetadata, OffsetSpec, TopicPartition};
#[cfg(feature = "client")]
pub use producer::{Acks, Producer, ProducerConfig, Record, RecordBytes, RecordMetadata};

/// Compile-time checks of the API's shape, as doctests. Stable rustdoc
/// does not check a `compile_fail` doctest's error code, so the
/// `compile_fail` cases here are documentation; `client/api-shape`
/// (`tests/api_shape.rs`) builds the same programs and requires exactly the
/// stated compiler error of each.
///
/// There is one `TopicPartition`: the admin client's, the consumer's and
/// the crate root's are the same type, so a partition from a consumer's
/// assignment goes to an admin call as it is.
///
/// ```
/// let from_consumer: kctl_client::consumer::TopicPartition = kctl_client::TopicPartition::new("t", 0);
/// let for_admin: kctl_client::admin::TopicPartition = from_consumer;
/// let _: kctl_client::offsets::TopicPartition = for_admin;
/// ```
///
/// The compiler says so itself: a trait implemented once for each path is
/// implemented twice for one type (E0119, conflicting implementations).
/// With two kinds of `TopicPartition` this would compile.
///
/// ```compile_fail,E0119
/// trait Kind {}
/// impl Kind for kctl_client::admin::TopicPartition {}
/// impl Kind for kctl_client::consumer::TopicPartition {}
/// ```
///
/// Its twin, with one impl, compiles:
///
/// ```
/// trait Kind {}
/// impl Kind for kctl_client::admin::TopicPartition {}
/// fn kind<K: Kind>(_: &K) {}
/// kind(&kctl_client::consumer::TopicPartition::new("t", 0));
/// ```
///
/// No second kind with a `String` topic exists to be mixed up with it: the
/// one `TopicPartition`'s topic is an `Arc<str>` (E0308, mismatched types,
/// for the `String`) ...
///
/// ```compile_fail,E0308
/// let _ = kctl_client::admin::TopicPartition { topic: String::from("t"), partition: 0 };
/// ```
///
/// ... and the same literal with an `Arc<str>` compiles:
///
/// ```
/// let _ = kctl_client::admin::TopicPartition { topic: std::sync::Arc::from("t"), partition: 0 };
/// ```
///
/// One `IsolationLevel` too: the crate root's goes to `group_lag` (which
/// did not compile when the admin client had its own):
///
/// ```no_run
/// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
/// admin.group_lag("g", kctl_client::IsolationLevel::ReadUncommitted).await?;
/// admin.group_lag("g", kctl_client::consumer::IsolationLevel::ReadCommitted).await?;
/// # Ok(()) }
/// ```
///
/// Keys and values take strings and owned buffers:
///
/// ```
/// use kctl_client::Record;
/// let t = "events";
/// let record = Record::new(t).key("k").value(String::from("v"));
/// assert_eq!(record.value.as_deref(), Some(&b"v"[..]));
/// let _ = Record::new(t).key(vec![1u8, 2]).value(bytes::Bytes::from_static(b"x"));
/// ```
///
/// A record borrows what it does not own, so it cannot outlive a borrowed
/// key (E0597, does not live long enough) ...
///
/// ```compile_fail,E0597
/// let record;
/// {
///     let key = String::from("k");
///     record = kctl_client::Record::new("t").key(&key);
/// }
/// drop(record);
/// ```
///
/// ... while an owned key moves into it:
///
/// ```
/// let record;
/// {
///     let key = String::from("k");
///     record = kctl_client::Record::new("t").key(key);
/// }
/// drop(record);
/// ```
///
/// Keys and values are bytes: a number must be encoded first (E0277, the
/// trait bound `RecordBytes: From<{integer}>` is not satisfied) ...
///
/// ```compile_fail,E0277
/// let _ = kctl_client::Record::new("t").value(42);
/// ```
///
/// ... as its twin does:
///
/// ```
/// let _ = kctl_client::Record::new("t").value(42i32.to_be_bytes().to_vec());
/// ```
#[cfg(doctest)]
pub struct ApiShape;

/// The README's "Use the library" snippet, compiled as a doctest so it
/// cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// The API guidelines' C-SEND-SYNC, checked by the compiler: every client
/// and the values apps pass between tasks are `Send + Sync`.
#[cfg(all(test, feature = "client"))]
mod send_sync {
    fn send_sync<T: Send + Sync>() {}

    #[test]
    fn clients_and_their_values_are_send_and_sync() {
        send_sync::<crate::Producer>();
        send_sync::<crate::Consumer>();
        send_sync::<crate::Admin>();
        send_sync::<crate::Client>();
        send_sync::<crate::Record<'static>>();
        send_sync::<crate::ConsumerRecord>();
        send_sync::<crate::RecordMetadata>();
        send_sync::<crate::TopicPartition>();
        send_sync::<crate::OffsetAndMetadata>();
        send_sync::<crate::Error>();
        send_sync::<crate::producer::DeliveryFuture>();
        // A stream is polled by one task at a time: Send is what it needs.
        fn send<T: Send>() {}
        send::<crate::consumer::RecordStream>();
    }
}
