//! The producer: partitioning, batching, and delivery with retries.
//!
//! # Shape
//!
//! `send` picks a partition, reserves the record's bytes from the bounded
//! buffer (`buffer_memory`) and appends the record, already encoded, to the
//! partition's open batch (`accumulator`). A single background task, the
//! `sender`, seals batches when they are full, when `linger_ms` has passed
//! or on `flush`, groups what is ready by leader broker, and sends one
//! Produce request per broker carrying one batch per partition, with at most
//! `max_in_flight` requests outstanding per broker. Responses complete
//! batches; retriable failures put the batch back in its partition's queue,
//! in order, to be sent again after an exponential backoff.
//!
//! # Send modes
//!
//! All three work on the same producer, even mixed:
//!
//! - fire-and-forget: `producer.send(record).await?` and drop the returned
//!   [`DeliveryFuture`]; the `await` only waits for buffer space;
//! - synchronous: await the [`DeliveryFuture`] (or call
//!   [`Producer::send_and_wait`]) to get the record's [`RecordMetadata`];
//! - asynchronous: [`Producer::send_with_callback`]; callbacks run in order
//!   for each partition, on the producer's tasks, so keep them short.
//!
//! # Ordering and idempotence
//!
//! With idempotence (the default, as in Java) the producer gets a producer
//! id from the cluster and numbers each partition's batches; the broker
//! drops duplicates and rejects gaps. Batches of a partition are completed
//! in order, a batch being retried is re-sent alone, with the same sequence
//! number, before anything after it, so retries neither reorder nor
//! duplicate records.
//!
//! A broker that has lost the producer's state (the producer's records were
//! deleted, or its partition re-created) refuses the next sequence with
//! UNKNOWN_PRODUCER_ID. The producer then recovers as librdkafka does
//! (KIP-360): it stops sending, lets every request in flight settle, bumps
//! its epoch with InitProducerId, restarts every partition's sequence at 0
//! and re-sends the refused batch first.

mod accumulator;
pub mod partitioner;
pub mod properties;
mod record;
mod sender;
mod transaction;

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kafka_protocol::messages::{ApiKey, InitProducerIdRequest};
use tokio::sync::{Notify, Semaphore};

use crate::backoff::Backoff;
use crate::client::{Client, ClientConfig};
use crate::error::{Error, ErrorCode, ErrorContext, Result};
use crate::metadata::TopicMetadata;
use crate::protocol::record_batch::BatchBuilder;
pub use crate::protocol::records::Compression;
use accumulator::{Accumulator, BatchShared, Outcome};
use partitioner::{DefaultPartitioner, PartitionContext, Partitioner};
pub use record::{Record, RecordBytes};

/// How many replicas must have a record before the leader acknowledges it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Acks {
    /// The broker sends no response; records are "delivered" once written
    /// to the socket, and their offsets are unknown (−1).
    None,
    /// The leader has written it.
    Leader,
    /// Every in-sync replica has it (the default).
    All,
}

impl Acks {
    pub(crate) fn wire(self) -> i16 {
        match self {
            Self::None => 0,
            Self::Leader => 1,
            Self::All => -1,
        }
    }
}

/// Which partitioner a producer uses for records without an explicit
/// partition.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum PartitionerChoice {
    /// murmur2 for keyed records, uniform sticky (KIP-794) for the rest.
    Default,
    /// Each partition in turn.
    RoundRobin,
    /// A random partition per record.
    Random,
    /// Uniform sticky for every record, ignoring keys.
    UniformSticky,
    /// Your own [`Partitioner`].
    Custom(Arc<dyn Partitioner>),
}

/// Producer settings. Names and defaults follow Java's `ProducerConfig`
/// where one exists.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ProducerConfig {
    /// Bootstrap servers, connection and security settings, shared by every client kind.
    pub client: ClientConfig,
    /// See [`ProducerConfig::acks`].
    pub acks: Acks,
    /// How long a batch may wait for more records before it is sent.
    pub linger_ms: u64,
    /// A batch is sent once it reaches this many (uncompressed) bytes.
    pub batch_size: usize,
    /// Bytes of records the producer holds before `send` waits.
    pub buffer_memory: usize,
    /// The largest Produce request (and so the largest record).
    pub max_request_size: usize,
    /// See [`ProducerConfig::compression`].
    pub compression: Compression,
    /// `None`: on when acks=all, retries > 0 and max_in_flight ≤ 5, as in
    /// Java. `Some(true)` with an incompatible setting is a config error.
    pub enable_idempotence: Option<bool>,
    /// See [`ProducerConfig::retries`].
    pub retries: u32,
    /// See [`ProducerConfig::retry_backoff`].
    pub retry_backoff: Backoff,
    /// Upper bound on the time from `send` to success or failure.
    pub delivery_timeout_ms: u64,
    /// Produce requests outstanding per broker connection.
    pub max_in_flight: usize,
    /// How long `send` may wait for topic metadata.
    pub max_block_ms: u64,
    /// See [`ProducerConfig::partitioner`].
    pub partitioner: PartitionerChoice,
    /// Makes the producer transactional (`transactional.id`): records are
    /// sent inside transactions ([`Producer::begin_transaction`]) that
    /// commit or abort as a whole. Needs idempotence.
    pub transactional_id: Option<String>,
    /// How long the coordinator lets a transaction stay open before it
    /// aborts it and fences this producer (`transaction.timeout.ms`).
    pub transaction_timeout_ms: u64,
}

impl Default for ProducerConfig {
    /// The defaults with no bootstrap servers: for
    /// [`with_client`](Producer::with_client), which brings its own, or to fill
    /// in from properties.
    fn default() -> Self {
        Self::new(Vec::<String>::new())
    }
}

impl ProducerConfig {
    /// Java's defaults (noted on each setter) with these bootstrap servers (`bootstrap.servers`).
    pub fn new<S: Into<String>>(bootstrap_servers: impl IntoIterator<Item = S>) -> Self {
        Self {
            client: ClientConfig::new(bootstrap_servers),
            acks: Acks::All,
            linger_ms: 5,
            batch_size: 16_384,
            buffer_memory: 32 * 1024 * 1024,
            max_request_size: 1_048_576,
            compression: Compression::None,
            enable_idempotence: None,
            retries: i32::MAX as u32,
            retry_backoff: Backoff::default(),
            delivery_timeout_ms: 120_000,
            max_in_flight: 5,
            max_block_ms: 60_000,
            partitioner: PartitionerChoice::Default,
            transactional_id: None,
            transaction_timeout_ms: 60_000,
        }
    }

    /// `client.id`, sent with every request. Default: `kctl`.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client.connection.client_id = Some(Arc::from(client_id.into()));
        self
    }
    /// `acks`: how many replicas must have a record before it counts as written. Default: [`Acks::All`].
    pub fn acks(mut self, acks: Acks) -> Self {
        self.acks = acks;
        self
    }
    /// `linger.ms`: how long a batch waits for more records before it is sent. Default: 5 (Java 4.x, librdkafka). [`Producer::send_and_wait`] and [`Producer::flush`] do not wait it out.
    pub fn linger_ms(mut self, linger_ms: u64) -> Self {
        self.linger_ms = linger_ms;
        self
    }
    /// `batch.size`: a batch is sent once it holds this many (uncompressed) bytes. Default: 16384.
    pub fn batch_size(mut self, batch_size_bytes: usize) -> Self {
        self.batch_size = batch_size_bytes;
        self
    }
    /// `buffer.memory`: bytes of records the producer holds before `send` waits (or `try_send` fails). Default: 33554432 (32 MiB).
    pub fn buffer_memory(mut self, buffer_memory_bytes: usize) -> Self {
        self.buffer_memory = buffer_memory_bytes;
        self
    }
    /// `max.request.size`: the largest Produce request, and so the largest record. Default: 1048576.
    pub fn max_request_size(mut self, max_request_size_bytes: usize) -> Self {
        self.max_request_size = max_request_size_bytes;
        self
    }
    /// `compression.type`: none, gzip, snappy, lz4 or zstd. Default: none.
    pub fn compression(mut self, compression: Compression) -> Self {
        self.compression = compression;
        self
    }
    /// `enable.idempotence`. Default: on when `acks=all`, `retries > 0` and `max.in.flight.requests.per.connection <= 5`, as in Java; `true` with an incompatible setting is a config error.
    pub fn enable_idempotence(mut self, enable: bool) -> Self {
        self.enable_idempotence = Some(enable);
        self
    }
    /// `retries`: how often a batch that failed retriably is sent again (within `delivery.timeout.ms`). Default: 2147483647.
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }
    /// `retry.backoff.ms` and `retry.backoff.max.ms`: the wait between retries. Default: 100 ms doubling to 1000 ms, ±20 % jitter.
    pub fn retry_backoff(mut self, backoff: Backoff) -> Self {
        self.retry_backoff = backoff;
        self
    }
    /// `delivery.timeout.ms`: the most time from `send` to success or failure, retries included. Default: 120000.
    pub fn delivery_timeout_ms(mut self, delivery_timeout_ms: u64) -> Self {
        self.delivery_timeout_ms = delivery_timeout_ms;
        self
    }
    /// `request.timeout.ms`: how long one request waits for its response. Default: 30000.
    pub fn request_timeout_ms(mut self, request_timeout_ms: u64) -> Self {
        self.client.connection.request_timeout_ms = request_timeout_ms;
        self
    }
    /// TLS and SASL (`security.protocol`, `ssl.*`, `sasl.*`). Default:
    /// plaintext.
    pub fn security(mut self, security: crate::connection::security::SecurityConfig) -> Self {
        self.client.connection.security = security;
        self
    }
    /// `max.in.flight.requests.per.connection`: Produce requests outstanding per broker. Default: 5.
    pub fn max_in_flight(mut self, max_in_flight: usize) -> Self {
        self.max_in_flight = max_in_flight;
        self
    }
    /// `max.block.ms`: how long `send` may wait for a topic's metadata. Default: 60000.
    pub fn max_block_ms(mut self, max_block_ms: u64) -> Self {
        self.max_block_ms = max_block_ms;
        self
    }
    /// `transactional.id`: makes the producer transactional. Default: none.
    pub fn transactional_id(mut self, transactional_id: impl Into<String>) -> Self {
        self.transactional_id = Some(transactional_id.into());
        self
    }
    /// `transaction.timeout.ms`: how long a transaction may stay open. Default: 60000.
    pub fn transaction_timeout_ms(mut self, transaction_timeout_ms: u64) -> Self {
        self.transaction_timeout_ms = transaction_timeout_ms;
        self
    }
    /// `partitioner`: how records without a partition are placed. Default: [`PartitionerChoice::Default`] (murmur2 of the key, uniform sticky without one, as Java).
    pub fn partitioner(mut self, choice: PartitionerChoice) -> Self {
        self.partitioner = choice;
        self
    }
    /// A custom partitioner from a closure `(topic, key, value, partition_count) -> partition`.
    pub fn partitioner_fn<F>(self, f: F) -> Self
    where
        F: Fn(&str, Option<&[u8]>, Option<&[u8]>, i32) -> i32 + Send + Sync + 'static,
    {
        self.partitioner(PartitionerChoice::Custom(Arc::new(
            partitioner::FnPartitioner(f),
        )))
    }

    /// Connects and starts the producer.
    pub async fn build(self) -> Result<Producer> {
        Producer::new(self).await
    }

    /// Whether idempotence is on, after applying Java's defaults; an
    /// explicit request that conflicts with other settings is an error.
    fn resolve_idempotence(&self) -> Result<bool> {
        let compatible =
            self.acks == Acks::All && self.retries > 0 && (1..=5).contains(&self.max_in_flight);
        if self.transactional_id.is_some() {
            return match self.enable_idempotence {
                Some(false) => Err(Error::Config(
                    "transactional.id needs enable.idempotence=true".into(),
                )),
                _ if compatible => Ok(true),
                _ => Err(Error::Config(
                    "transactional.id needs acks=all, retries > 0 and max.in.flight.requests.per.connection <= 5"
                        .into(),
                )),
            };
        }
        match self.enable_idempotence {
            None => Ok(compatible),
            Some(false) => Ok(false),
            Some(true) if compatible => Ok(true),
            Some(true) => Err(Error::Config(
                "enable.idempotence=true needs acks=all, retries > 0 and max.in.flight.requests.per.connection <= 5"
                    .into(),
            )),
        }
    }

    fn validate(&self) -> Result<()> {
        if self.batch_size == 0 || self.max_in_flight == 0 || self.buffer_memory == 0 {
            return Err(Error::Config(
                "batch.size, buffer.memory and max.in.flight must be positive".into(),
            ));
        }
        if self.delivery_timeout_ms < self.linger_ms + self.client.connection.request_timeout_ms {
            return Err(Error::Config(
                "delivery.timeout.ms must be at least linger.ms + request.timeout.ms".into(),
            ));
        }
        if self.transactional_id.as_deref() == Some("") {
            return Err(Error::Config("transactional.id must not be empty".into()));
        }
        if self.transactional_id.is_some()
            && !(1..=i32::MAX as u64).contains(&self.transaction_timeout_ms)
        {
            return Err(Error::Config(
                "transaction.timeout.ms must be between 1 and 2147483647".into(),
            ));
        }
        Ok(())
    }
}

/// Where a record was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordMetadata {
    /// The topic the record went to.
    pub topic: Arc<str>,
    /// The partition it went to.
    pub partition: i32,
    /// −1 when unknown (acks=0, or a retry the broker recognised as a
    /// duplicate of an earlier attempt).
    pub offset: i64,
    /// The record's timestamp, or the broker's append time for topics with
    /// `message.timestamp.type=LogAppendTime`.
    pub timestamp_ms: i64,
}

impl RecordMetadata {
    /// The record's topic and partition.
    pub fn topic_partition(&self) -> crate::offsets::TopicPartition {
        crate::offsets::TopicPartition {
            topic: Arc::clone(&self.topic),
            partition: self.partition,
        }
    }
}

/// `topic-partition@offset`, as Kafka's tools print a record's place.
impl std::fmt::Display for RecordMetadata {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}@{}", self.topic, self.partition, self.offset)
    }
}

/// Resolves to the record's metadata once the broker has acknowledged it.
/// Dropping it does not cancel the send.
#[must_use = "await it for the delivery result, or drop it explicitly for fire-and-forget"]
#[derive(Debug)]
pub struct DeliveryFuture {
    batch: Arc<BatchShared>,
    index: u32,
    timestamp_ms: i64,
}

impl DeliveryFuture {
    /// The outcome, without waiting, if there already is one.
    pub fn try_result(&self) -> Option<Result<RecordMetadata>> {
        self.batch
            .outcome()
            .map(|o| o.metadata(&self.batch, self.index, self.timestamp_ms))
    }

    /// Whether the record was written, once its batch has an outcome; a
    /// cheaper [`try_result`](Self::try_result) for callers that only count.
    pub(crate) fn succeeded(&self) -> Option<bool> {
        self.batch.outcome().map(Outcome::is_ok)
    }

    /// Waits for the outcome; the same as awaiting the future.
    #[allow(
        clippy::expect_used,
        reason = "wait returns only once the outcome is set"
    )]
    pub async fn wait(self) -> Result<RecordMetadata> {
        self.batch.wait().await;
        self.try_result()
            .expect("a batch is complete once wait returns")
    }
}

impl IntoFuture for DeliveryFuture {
    type Output = Result<RecordMetadata>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.wait())
    }
}

/// Called once with the record's outcome.
pub type Callback = Box<dyn FnOnce(Result<RecordMetadata>) + Send + 'static>;

/// A producer. Cheap to clone; clones share everything. Dropping the last
/// clone closes it in the background; [`Producer::close`] does so and waits.
#[derive(Debug, Clone)]
pub struct Producer {
    handle: Arc<Handle>,
}

#[derive(Debug)]
struct Handle {
    inner: Arc<Inner>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.inner.closed.store(true, Ordering::Release);
        self.inner.wake.notify_one();
    }
}

/// The producer id and epoch batches are stamped with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ProducerIdentity {
    pub(crate) id: i64,
    pub(crate) epoch: i16,
}

/// Where an idempotent producer is in an epoch bump (KIP-360).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EpochBump {
    /// Batches go out with the current identity.
    Idle,
    /// A broker lost this producer's sequence state: nothing new is sent
    /// until every request in flight has settled.
    Draining,
    /// Nothing is in flight; InitProducerId is under way.
    Bumping,
}

/// An idempotent producer's identity, which an epoch bump replaces.
#[derive(Debug)]
pub(crate) struct Idempotence {
    identity: Mutex<ProducerIdentity>,
    bump: Mutex<EpochBump>,
}

impl Idempotence {
    fn new(identity: ProducerIdentity) -> Self {
        Self {
            identity: Mutex::new(identity),
            bump: Mutex::new(EpochBump::Idle),
        }
    }

    pub(crate) fn identity(&self) -> ProducerIdentity {
        *crate::sync::lock(&self.identity)
    }

    pub(crate) fn bump_state(&self) -> EpochBump {
        *crate::sync::lock(&self.bump)
    }

    /// Asks for an epoch bump, unless one is already coming.
    pub(crate) fn request_bump(&self) {
        let mut bump = crate::sync::lock(&self.bump);
        if *bump == EpochBump::Idle {
            *bump = EpochBump::Draining;
        }
    }

    /// Moves from draining to bumping; false if no bump was waiting.
    pub(crate) fn start_bump(&self) -> bool {
        let mut bump = crate::sync::lock(&self.bump);
        let waiting = *bump == EpochBump::Draining;
        if waiting {
            *bump = EpochBump::Bumping;
        }
        waiting
    }

    pub(crate) fn set_identity(&self, identity: ProducerIdentity) {
        *crate::sync::lock(&self.identity) = identity;
    }

    pub(crate) fn end_bump(&self) {
        *crate::sync::lock(&self.bump) = EpochBump::Idle;
    }
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) client: Client,
    pub(crate) config: ProducerConfig,
    pub(crate) partitioning: Partitioning,
    /// `None` without idempotence.
    pub(crate) idempotence: Option<Idempotence>,
    /// `None` without a transactional id.
    pub(crate) transaction: Option<transaction::TransactionManager>,
    pub(crate) accumulator: Accumulator,
    /// One permit per byte of `buffer_memory`.
    pub(crate) buffer: Semaphore,
    /// Wakes the sender: a batch was created or filled, a request finished,
    /// a flush or close began.
    pub(crate) wake: Notify,
    /// Notified when `outstanding_batches` drops to zero.
    pub(crate) idle: Notify,
    pub(crate) outstanding_batches: AtomicUsize,
    pub(crate) flushes: AtomicUsize,
    pub(crate) closed: AtomicBool,
    /// The topic the last record went to, resolved. Producers mostly send
    /// runs of records to one topic, and resolving it anew (the metadata's
    /// lock and lookup, then the accumulator's) cost two hash lookups and
    /// six atomic operations per record more than this.
    recent_target: Mutex<Option<Arc<SendTarget>>>,
}

/// How a record without a partition gets one.
#[derive(Debug)]
pub(crate) enum Partitioning {
    /// Java's built-in behaviour (what [`DefaultPartitioner`] and
    /// [`partitioner::UniformSticky`] do), with the sticky state kept per
    /// topic next to its queues instead of in a map behind a lock.
    BuiltIn {
        ignore_keys: bool,
    },
    Custom(Arc<dyn Partitioner>),
}

/// A topic resolved for sending: its metadata and its partitions' queues,
/// valid while the client's metadata generation stays `generation`.
#[derive(Debug)]
struct SendTarget {
    generation: u64,
    metadata: Arc<TopicMetadata>,
    queues: Arc<accumulator::TopicQueues>,
}

impl Producer {
    /// Starts configuring a producer; see [`ProducerConfig`] for every
    /// setting, its Kafka property and its default.
    ///
    /// ```no_run
    /// use kctl_client::{Acks, Producer};
    /// use kctl_client::producer::Compression;
    ///
    /// # async fn demo() -> kctl_client::Result<()> {
    /// let producer = Producer::builder(["kafka-1:9092", "kafka-2:9092"])
    ///     .client_id("orders-service")
    ///     .acks(Acks::All)
    ///     .linger_ms(20)
    ///     .compression(Compression::Zstd)
    ///     .build()
    ///     .await?;
    /// # drop(producer); Ok(()) }
    /// ```
    pub fn builder<S: Into<String>>(
        bootstrap_servers: impl IntoIterator<Item = S>,
    ) -> ProducerConfig {
        ProducerConfig::new(bootstrap_servers)
    }

    /// Connects and starts a producer; the same as
    /// [`ProducerConfig::build`].
    pub async fn new(config: ProducerConfig) -> Result<Self> {
        config.validate()?;
        config.resolve_idempotence()?;
        let client = Client::connect(config.client.clone()).await?;
        Self::with_client(client, config).await
    }

    /// Starts configuring a producer from Kafka-style properties; see
    /// [`ProducerConfig::from_properties`].
    ///
    /// ```no_run
    /// # async fn demo() -> kctl_client::Result<()> {
    /// let producer = kctl_client::Producer::from_properties([
    ///     ("bootstrap.servers", "localhost:9092"),
    ///     ("linger.ms", "20"),
    /// ])?
    /// .build()
    /// .await?;
    /// # drop(producer); Ok(()) }
    /// ```
    pub fn from_properties<K, V>(
        properties: impl IntoIterator<Item = (K, V)>,
    ) -> Result<ProducerConfig>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        ProducerConfig::from_properties(properties)
    }

    /// A producer on an existing [`Client`], sharing its connections and
    /// metadata with the consumers and admin clients made on it (franz-go's
    /// single client). `config.client` is replaced by the client's own
    /// settings.
    pub async fn with_client(client: Client, mut config: ProducerConfig) -> Result<Self> {
        config.client = client.config().clone();
        config.validate()?;
        let idempotent = config.resolve_idempotence()?;
        let transaction = config.transactional_id.clone().map(|id| {
            transaction::TransactionManager::new(
                id,
                i32::try_from(config.transaction_timeout_ms).unwrap_or(i32::MAX),
            )
        });
        let idempotence = if transaction.is_some() {
            // The identity comes from the transaction coordinator, in
            // init_transactions.
            Some(Idempotence::new(ProducerIdentity { id: -1, epoch: -1 }))
        } else if idempotent {
            init_producer_id(&client, None).await?.map(Idempotence::new)
        } else {
            None
        };
        let partitioning = match &config.partitioner {
            PartitionerChoice::Default => Partitioning::BuiltIn { ignore_keys: false },
            PartitionerChoice::UniformSticky => Partitioning::BuiltIn { ignore_keys: true },
            PartitionerChoice::RoundRobin => {
                Partitioning::Custom(Arc::new(partitioner::RoundRobin::default()))
            }
            PartitionerChoice::Random => Partitioning::Custom(Arc::new(partitioner::Random)),
            PartitionerChoice::Custom(p) => Partitioning::Custom(Arc::clone(p)),
        };
        let buffer = Semaphore::new(config.buffer_memory.min(Semaphore::MAX_PERMITS));
        let inner = Arc::new(Inner {
            client,
            partitioning,
            idempotence,
            transaction,
            accumulator: Accumulator::default(),
            buffer,
            wake: Notify::new(),
            idle: Notify::new(),
            outstanding_batches: AtomicUsize::new(0),
            flushes: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
            recent_target: Mutex::new(None),
            config,
        });
        tokio::spawn(sender::run(Arc::clone(&inner)));
        Ok(Self {
            handle: Arc::new(Handle { inner }),
        })
    }

    fn inner(&self) -> &Arc<Inner> {
        &self.handle.inner
    }

    /// The client the producer uses (metadata, connections).
    pub fn client(&self) -> &Client {
        &self.inner().client
    }

    /// Whether batches carry a producer id and sequence numbers.
    pub fn is_idempotent(&self) -> bool {
        self.inner().idempotence.is_some()
    }

    /// The producer's transactional id, if it has one.
    pub fn transactional_id(&self) -> Option<&str> {
        self.inner()
            .transaction
            .as_ref()
            .map(transaction::TransactionManager::transactional_id)
    }

    /// Registers the transactional id with its coordinator: gets the
    /// producer id at a new epoch, fencing any older instance of this
    /// producer and aborting a transaction it left open. Call once, before
    /// the first transaction.
    ///
    /// ```no_run
    /// use kctl_client::{Producer, Record};
    /// # async fn demo() -> kctl_client::Result<()> {
    /// let producer = Producer::builder(["localhost:9092"])
    ///     .transactional_id("orders-pipeline")
    ///     .build()
    ///     .await?;
    /// producer.init_transactions().await?;
    /// producer.begin_transaction()?;
    /// drop(producer.send(Record::new("orders").value("a")).await?);
    /// drop(producer.send(Record::new("orders").value("b")).await?);
    /// match producer.commit_transaction().await {
    ///     Ok(()) => {} // both records visible to read_committed consumers, or neither
    ///     Err(e) if e.is_fatal_transaction_error() => return Err(e), // fenced: close
    ///     Err(_) => producer.abort_transaction().await?,            // try again later
    /// }
    /// producer.close().await;
    /// # Ok(()) }
    /// ```
    pub async fn init_transactions(&self) -> Result<()> {
        self.transaction()?.init(self.inner()).await
    }

    /// Opens a transaction. Records sent until commit or abort belong to it.
    pub fn begin_transaction(&self) -> Result<()> {
        self.transaction()?.begin()
    }

    /// Commits `offsets` for the consumer's group as part of the
    /// transaction: they become the group's committed offsets only if the
    /// transaction commits (the read-process-write pattern). `group` is
    /// [`crate::Consumer::group_metadata`], so a consumer that has left its
    /// generation cannot commit (KIP-447).
    ///
    /// ```no_run
    /// use std::collections::BTreeMap;
    /// use std::time::Duration;
    ///
    /// use kctl_client::{Consumer, OffsetAndMetadata, Producer, Record};
    ///
    /// # async fn demo(consumer: Consumer, producer: Producer) -> kctl_client::Result<()> {
    /// // Read, process, write, and commit the input offsets with the output.
    /// let records = consumer.poll(Duration::from_secs(1)).await?;
    /// producer.begin_transaction()?;
    /// let mut next = BTreeMap::new();
    /// for r in &records {
    ///     drop(producer.send(Record::new("out").value(r.value.clone().unwrap_or_default())).await?);
    ///     next.insert(r.topic_partition(), OffsetAndMetadata::new(r.next_offset()));
    /// }
    /// let group = consumer.group_metadata().expect("the consumer has a group.id");
    /// producer.send_offsets_to_transaction(&next, &group).await?;
    /// producer.commit_transaction().await?;
    /// # Ok(()) }
    /// ```
    pub async fn send_offsets_to_transaction(
        &self,
        offsets: &std::collections::BTreeMap<
            crate::consumer::TopicPartition,
            crate::consumer::OffsetAndMetadata,
        >,
        group: &crate::consumer::ConsumerGroupMetadata,
    ) -> Result<()> {
        self.transaction()?
            .send_offsets(self.inner(), offsets, group)
            .await
    }

    /// Delivers every record of the transaction, then commits it. On an
    /// abortable error ([`Error::Transaction`] with `fatal: false`) call
    /// [`abort_transaction`](Self::abort_transaction); on a fatal one close
    /// the producer.
    pub async fn commit_transaction(&self) -> Result<()> {
        self.transaction()?.commit(self.inner()).await
    }

    /// Aborts the transaction: its records stay invisible to read_committed
    /// consumers and its offsets are never committed.
    pub async fn abort_transaction(&self) -> Result<()> {
        self.transaction()?.abort(self.inner()).await
    }

    fn transaction(&self) -> Result<&transaction::TransactionManager> {
        self.inner()
            .transaction
            .as_ref()
            .ok_or_else(|| Error::TransactionState("the producer has no transactional.id".into()))
    }

    /// Queues a record, waiting for buffer space if the buffer is full.
    /// The returned future resolves when the broker acknowledges the
    /// record; drop it to fire and forget.
    pub async fn send(&self, record: Record<'_>) -> Result<DeliveryFuture> {
        self.inner().enqueue(&record, None, true).await
    }

    /// Like [`send`](Self::send), but fails with [`Error::BufferFull`]
    /// instead of waiting for buffer space.
    ///
    /// ```no_run
    /// use kctl_client::{Error, Record};
    /// # async fn demo(producer: kctl_client::Producer) -> kctl_client::Result<()> {
    /// match producer.try_send(Record::new("metrics").value("cpu=0.7")).await {
    ///     Ok(delivery) => drop(delivery),         // queued; fire and forget
    ///     Err(Error::BufferFull) => { /* shed load: drop the sample */ }
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn try_send(&self, record: Record<'_>) -> Result<DeliveryFuture> {
        self.inner().enqueue(&record, None, false).await
    }

    /// Queues a record and calls `callback` with its outcome. Callbacks of
    /// records to the same partition run in the order the records were sent.
    pub async fn send_with_callback<F>(&self, record: Record<'_>, callback: F) -> Result<()>
    where
        F: FnOnce(Result<RecordMetadata>) + Send + 'static,
    {
        self.inner()
            .enqueue(&record, Some(Box::new(callback)), true)
            .await
            .map(drop)
    }

    /// Sends a record and waits until it is acknowledged.
    ///
    /// It does not wait out `linger_ms` first: while it waits, the producer
    /// sends what is queued at once, as [`flush`](Self::flush) does (Java's
    /// `flush` skips the linger too, and franz-go's `ProduceSync` un-lingers
    /// its partitions). Lingering exists to let a batch fill, and a caller
    /// that waits for one record before sending the next never fills one:
    /// with the linger, each call would cost `linger_ms` plus a round trip.
    /// Batches of other callers queued at that moment go out early as well;
    /// for throughput, send many records with [`send`](Self::send) and await
    /// their [`DeliveryFuture`]s instead.
    ///
    /// ```no_run
    /// # async fn demo(producer: kctl_client::Producer) -> kctl_client::Result<()> {
    /// let meta = producer
    ///     .send_and_wait(kctl_client::Record::new("events").key("user-7").value("paid"))
    ///     .await?;
    /// println!("stored at {meta}");
    /// # Ok(()) }
    /// ```
    pub async fn send_and_wait(&self, record: Record<'_>) -> Result<RecordMetadata> {
        let delivery = self.send(record).await?;
        let _unlingered = Unlinger::new(self.inner());
        delivery.await
    }

    /// Sends everything queued now, without waiting for `linger_ms`, and
    /// waits until every queued record has succeeded or failed.
    ///
    /// ```no_run
    /// use kctl_client::Record;
    /// # async fn demo(producer: kctl_client::Producer) -> kctl_client::Result<()> {
    /// for i in 0..1000 {
    ///     drop(producer.send(Record::new("events").value(format!("event {i}"))).await?);
    /// }
    /// producer.flush().await; // every record above is now acknowledged or failed
    /// # Ok(()) }
    /// ```
    pub async fn flush(&self) {
        self.inner().flush().await;
    }

    /// Stops accepting records, delivers (or fails) everything queued, and
    /// waits for that to finish. Closes every clone of this producer: their
    /// later sends fail with [`Error::ProducerClosed`]. Dropping the last
    /// clone instead closes in the background, without waiting.
    pub async fn close(self) {
        let inner = self.inner();
        inner.closed.store(true, Ordering::Release);
        inner.flush().await;
    }
}

/// Makes the sender treat every queued batch as ready (no linger) while it
/// lives; used while a caller waits for a record's delivery.
struct Unlinger<'a> {
    inner: &'a Inner,
}

impl<'a> Unlinger<'a> {
    fn new(inner: &'a Inner) -> Self {
        inner.flushes.fetch_add(1, Ordering::AcqRel);
        inner.wake.notify_one();
        Self { inner }
    }
}

impl Drop for Unlinger<'_> {
    fn drop(&mut self) {
        self.inner.flushes.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Inner {
    async fn enqueue(
        &self,
        record: &Record<'_>,
        callback: Option<Callback>,
        wait: bool,
    ) -> Result<DeliveryFuture> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::ProducerClosed);
        }
        let headers = record.header_slices();
        let size_bytes = BatchBuilder::record_size_upper_bound(
            record.key_bytes(),
            record.value_bytes(),
            &headers,
        );
        let limit = self.config.max_request_size.min(self.config.buffer_memory);
        if size_bytes + crate::protocol::batch::HEADER_BYTES > limit {
            let limit_name = if limit == self.config.max_request_size {
                "max.request.size"
            } else {
                "buffer.memory"
            };
            return Err(Error::RecordTooLarge {
                size_bytes,
                limit_name,
                limit_bytes: limit,
            });
        }
        // The cold awaits below are boxed: an `async fn`'s future is as large
        // as its largest state, and every `send` moves its future (which
        // holds this one) by value. Unboxed, the metadata wait and the
        // transaction's AddPartitionsToTxn made it 3,936 bytes, and copying
        // it was 8% of `kctl perf produce`'s time.
        let target = match self.recent_target(record.topic) {
            Some(target) => target,
            None => Box::pin(self.send_target(record.topic)).await?,
        };
        let topic = &target.metadata;
        let partition = match record.partition {
            Some(p) => p,
            None if topic.available.is_empty() => {
                // No leader anywhere: any partition will wait for one.
                rand::random_range(0..topic.partition_count())
            }
            None => {
                let ctx = PartitionContext {
                    topic: record.topic,
                    key: record.key_bytes(),
                    value: record.value_bytes(),
                    partition_count: topic.partition_count(),
                    available: &topic.available,
                    record_size_bytes: size_bytes,
                };
                match &self.partitioning {
                    Partitioning::BuiltIn { ignore_keys } => match ctx.key {
                        Some(key) if !ignore_keys => {
                            DefaultPartitioner::keyed(key, ctx.partition_count)
                        }
                        _ => target.queues.sticky.next(&ctx, self.config.batch_size),
                    },
                    Partitioning::Custom(partitioner) => partitioner.partition(&ctx),
                }
            }
        };
        if !(0..topic.partition_count()).contains(&partition) {
            return Err(Error::InvalidPartition {
                topic: record.topic.to_owned(),
                partition,
                partition_count: topic.partition_count(),
            });
        }
        if let Some(transaction) = &self.transaction {
            Box::pin(transaction.before_send(self, record.topic, partition)).await?;
        }
        let permits = size_bytes as u32;
        // The non-blocking path first: building and polling the `acquire`
        // future cost about 100 instructions per record. It cannot jump the
        // queue: while a sender waits, released bytes go to the waiters and
        // none are left available to take here.
        match self.buffer.try_acquire_many(permits) {
            Ok(p) => p.forget(),
            Err(tokio::sync::TryAcquireError::NoPermits) if wait => self
                .buffer
                .acquire_many(permits)
                .await
                .map_err(|_| Error::ProducerClosed)?
                .forget(),
            Err(tokio::sync::TryAcquireError::NoPermits) => return Err(Error::BufferFull),
            Err(tokio::sync::TryAcquireError::Closed) => return Err(Error::ProducerClosed),
        }
        let timestamp_ms = record.timestamp_ms.unwrap_or_else(now_ms);
        let (future, wake) = target.queues.append(
            self,
            partition,
            timestamp_ms,
            record,
            &headers,
            size_bytes,
            callback,
        );
        if wake {
            self.wake.notify_one();
        }
        Ok(future)
    }

    /// The last record's topic, resolved, if `topic` is that one and the
    /// metadata has not changed since.
    fn recent_target(&self, topic: &str) -> Option<Arc<SendTarget>> {
        let generation = self.client.metadata_generation();
        crate::sync::lock(&self.recent_target)
            .as_ref()
            .filter(|t| t.generation == generation && t.queues.name.as_ref() == topic)
            .cloned()
    }

    /// Resolves `topic` (waiting for its metadata if needed) and keeps it
    /// as the recent target.
    async fn send_target(&self, topic: &str) -> Result<Arc<SendTarget>> {
        // Read before the metadata: if a refresh lands in between, the
        // target is merely re-resolved once more.
        let generation = self.client.metadata_generation();
        let metadata = self.topic_metadata(topic).await?;
        let target = Arc::new(SendTarget {
            generation,
            queues: self.accumulator.queues(&metadata),
            metadata,
        });
        *crate::sync::lock(&self.recent_target) = Some(Arc::clone(&target));
        Ok(target)
    }

    /// The topic's metadata, fetched (and waited for up to `max.block.ms`)
    /// if the cache does not have its partitions.
    async fn topic_metadata(&self, topic: &str) -> Result<Arc<TopicMetadata>> {
        if let Some(t) = self
            .client
            .metadata()
            .topic(topic)
            .filter(|t| !t.partitions.is_empty())
        {
            return Ok(Arc::clone(t));
        }
        let deadline =
            tokio::time::Instant::now() + Duration::from_millis(self.config.max_block_ms);
        let mut attempt = 0;
        loop {
            match self.client.topic_metadata(topic).await {
                Ok(t) => return Ok(t),
                Err(e) if e.is_retriable() => {
                    attempt += 1;
                    let at = tokio::time::Instant::now() + self.config.retry_backoff.delay(attempt);
                    if at >= deadline {
                        return Err(Error::MetadataTimeout {
                            topic: topic.to_owned(),
                            timeout_ms: self.config.max_block_ms,
                        });
                    }
                    tokio::time::sleep_until(at).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The producer id and epoch batches are stamped with.
    pub(crate) fn identity(&self) -> ProducerIdentity {
        self.idempotence.as_ref().map_or(
            ProducerIdentity { id: -1, epoch: -1 },
            Idempotence::identity,
        )
    }

    /// Adopts a new producer id or epoch: every partition's sequence
    /// restarts at 0.
    pub(crate) fn reset_identity(&self, identity: ProducerIdentity) {
        let Some(idempotence) = &self.idempotence else {
            return;
        };
        idempotence.set_identity(identity);
        for topic in self.accumulator.all() {
            for slot in &topic.partitions {
                sender::restart_sequences(&mut crate::sync::lock(slot), identity);
            }
        }
    }

    pub(crate) async fn flush(&self) {
        self.flushes.fetch_add(1, Ordering::AcqRel);
        self.wake.notify_one();
        loop {
            let idle = self.idle.notified();
            tokio::pin!(idle);
            idle.as_mut().enable();
            if self.outstanding_batches.load(Ordering::Acquire) == 0 {
                break;
            }
            idle.await;
        }
        self.flushes.fetch_sub(1, Ordering::AcqRel);
    }
}

/// InitProducerId v3 is the first to carry the caller's id and epoch.
const EPOCH_BUMP_MIN_VERSION: i16 = 3;

/// Asks the cluster for a producer id, or with `current`, for that id's
/// next epoch (KIP-360); a broker too old for that gives a fresh id, which
/// restarts sequences just as well. A cluster that does not offer
/// InitProducerId gets a non-idempotent producer, with a warning (as
/// franz-go does).
async fn init_producer_id(
    client: &Client,
    current: Option<ProducerIdentity>,
) -> Result<Option<ProducerIdentity>> {
    let backoff = Backoff::default();
    let mut attempt = 0;
    loop {
        let (conn, _) = client.any_connection().await?;
        let Some(version) = conn
            .versions()
            .range(ApiKey::InitProducerId)
            .and_then(|_| conn.version_for::<InitProducerIdRequest>(None).ok())
        else {
            tracing::warn!(
                "the cluster does not support InitProducerId; producing without idempotence"
            );
            return Ok(None);
        };
        let (id, epoch) = match current {
            Some(c) if version >= EPOCH_BUMP_MIN_VERSION => (c.id, c.epoch),
            _ => (-1, -1),
        };
        let request = InitProducerIdRequest::default()
            .with_transactional_id(None)
            .with_transaction_timeout_ms(60_000)
            .with_producer_id(kafka_protocol::messages::ProducerId(id))
            .with_producer_epoch(epoch);
        let err = match conn.request_at(&request, version).await {
            Ok(r) => match ErrorCode::try_from_code(r.error_code) {
                None => {
                    return Ok(Some(ProducerIdentity {
                        id: r.producer_id.0,
                        epoch: r.producer_epoch,
                    }));
                }
                Some(code) => Error::kafka(code, ErrorContext::api(ApiKey::InitProducerId)),
            },
            Err(e) => Error::from(e),
        };
        attempt += 1;
        let coordinator_busy = matches!(
            err.code(),
            Some(
                ErrorCode::CoordinatorLoadInProgress
                    | ErrorCode::CoordinatorNotAvailable
                    | ErrorCode::NotCoordinator
            )
        );
        if !(err.is_retriable() || coordinator_busy) || attempt >= 10 {
            return Err(err);
        }
        tokio::time::sleep(backoff.delay(attempt)).await;
    }
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests;
