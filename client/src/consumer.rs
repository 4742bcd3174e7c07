//! The consumer: assignment, fetching, decoding and positions.
//!
//! # Shape
//!
//! The application sees one [`Consumer`]. Behind it:
//!
//! - a *manager* task ([`manager`]) turns the subscription into an
//!   assignment, resolves positions that need a ListOffsets lookup (a reset,
//!   a seek to the beginning, end or a timestamp), refreshes metadata when a
//!   fetch says it is stale, and starts one fetch task per leader broker;
//! - one *fetch task* per broker ([`fetcher`]) sends Fetch requests for the
//!   fetchable partitions that broker leads. It sends the next request as
//!   soon as the previous response is buffered, so the broker is already
//!   working on the next fetch while the application drains the last one;
//! - a shared buffer of fetched, still-compressed partition data
//!   ([`completed`]). `poll` and the stream decode from it, in order.
//!
//! # Memory
//!
//! Fetched bytes wait in the buffer until the application has drained them.
//! A fetch task reserves its request's `max_bytes` from `max_buffered_bytes`
//! before sending and sends nothing while the buffer is full, so a slow
//! application stops fetching instead of growing memory. The bound is
//! `max_buffered_bytes` plus, per broker, at most one batch larger than the
//! request's limit (KIP-74: a broker always returns at least one whole
//! batch, so a consumer can make progress past a large one).
//!
//! # Groups
//!
//! There is no group membership yet: `subscribe` assigns *every* partition
//! of the matching topics to this consumer, and positions come from
//! `auto.offset.reset` or seeks, never from committed offsets. Group
//! management (a coordinator choosing each member's share and offsets
//! committed to it) will drive the same internal assignment interface
//! ([`Consumer::apply_assignment`]) that `assign` and subscriptions use.

mod completed;
mod fetcher;
mod manager;
pub mod properties;
mod state;

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures::Stream;
use tokio::time::Instant;

use crate::backoff::Backoff;
use crate::client::{Client, ClientConfig};
use crate::error::{Error, Result};
pub use crate::protocol::records::TimestampType;
use state::{Inner, StartAt};

/// A topic and one of its partitions.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicPartition {
    pub topic: Arc<str>,
    pub partition: i32,
}

impl TopicPartition {
    pub fn new(topic: impl AsRef<str>, partition: i32) -> Self {
        Self {
            topic: Arc::from(topic.as_ref()),
            partition,
        }
    }
}

impl fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

/// One record header. Keys may repeat and values may be null (KIP-82);
/// both survive as they were produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub key: Bytes,
    pub value: Option<Bytes>,
}

impl Header {
    /// The key as text, if it is UTF-8 (Kafka's clients write it so).
    pub fn key_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.key).ok()
    }
}

/// A consumed record. Key, value and header bytes of uncompressed batches
/// are slices of the fetched response, not copies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerRecord {
    pub topic: Arc<str>,
    pub partition: i32,
    pub offset: i64,
    /// The producer's creation time, or the broker's append time for topics
    /// with `message.timestamp.type=LogAppendTime` (see `timestamp_type`).
    pub timestamp_ms: i64,
    pub timestamp_type: TimestampType,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    pub headers: Vec<Header>,
    /// The leader epoch the batch was written in, when the broker sets it.
    pub leader_epoch: Option<i32>,
}

/// Where a partition without a valid position starts (`auto.offset.reset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetReset {
    Earliest,
    /// The default, as in Java: only records produced from now on.
    Latest,
    /// No automatic choice: the partition reports an error and waits for a
    /// seek.
    None,
}

/// Which records of transactional producers are visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsolationLevel {
    /// Everything, including aborted and still-open transactions (the
    /// default, as in Java).
    ReadUncommitted,
    /// Only committed records, up to the last stable offset.
    ReadCommitted,
}

impl IsolationLevel {
    pub(crate) fn wire(self) -> i8 {
        match self {
            Self::ReadUncommitted => 0,
            Self::ReadCommitted => 1,
        }
    }
}

/// Consumer settings. Names and defaults follow Java's `ConsumerConfig`.
#[derive(Debug, Clone)]
pub struct ConsumerConfig {
    pub client: ClientConfig,
    /// Kept for group management, which is not implemented yet; it changes
    /// nothing today.
    pub group_id: Option<String>,
    /// The broker answers a fetch once it has this much data (or
    /// `fetch_max_wait_ms` passed).
    pub fetch_min_bytes: usize,
    pub fetch_max_wait_ms: u64,
    /// Per partition and fetch; a larger first batch still comes whole.
    pub max_partition_fetch_bytes: usize,
    /// Per fetch response; a larger first batch still comes whole.
    pub fetch_max_bytes: usize,
    /// Fetched bytes the consumer holds before it stops fetching
    /// (librdkafka's `queued.max.messages.kbytes`).
    pub max_buffered_bytes: usize,
    pub auto_offset_reset: OffsetReset,
    pub isolation_level: IsolationLevel,
    /// The most records one `poll` returns.
    pub max_poll_records: usize,
    /// Whether each batch's CRC-32C is checked before it is decoded.
    pub check_crcs: bool,
    /// Between retries of a partition whose fetch or offset lookup failed.
    pub retry_backoff: Backoff,
}

impl ConsumerConfig {
    pub fn new<S: Into<String>>(bootstrap_servers: impl IntoIterator<Item = S>) -> Self {
        Self {
            client: ClientConfig::new(bootstrap_servers),
            group_id: None,
            fetch_min_bytes: 1,
            fetch_max_wait_ms: 500,
            max_partition_fetch_bytes: 1_048_576,
            fetch_max_bytes: 52_428_800,
            max_buffered_bytes: 52_428_800,
            auto_offset_reset: OffsetReset::Latest,
            isolation_level: IsolationLevel::ReadUncommitted,
            max_poll_records: 500,
            check_crcs: true,
            retry_backoff: Backoff::default(),
        }
    }

    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client.connection.client_id = Some(Arc::from(client_id.into()));
        self
    }
    pub fn group_id(mut self, group_id: impl Into<String>) -> Self {
        self.group_id = Some(group_id.into());
        self
    }
    pub fn fetch_min_bytes(mut self, fetch_min_bytes: usize) -> Self {
        self.fetch_min_bytes = fetch_min_bytes;
        self
    }
    pub fn fetch_max_wait_ms(mut self, fetch_max_wait_ms: u64) -> Self {
        self.fetch_max_wait_ms = fetch_max_wait_ms;
        self
    }
    pub fn max_partition_fetch_bytes(mut self, max_partition_fetch_bytes: usize) -> Self {
        self.max_partition_fetch_bytes = max_partition_fetch_bytes;
        self
    }
    pub fn fetch_max_bytes(mut self, fetch_max_bytes: usize) -> Self {
        self.fetch_max_bytes = fetch_max_bytes;
        self
    }
    pub fn max_buffered_bytes(mut self, max_buffered_bytes: usize) -> Self {
        self.max_buffered_bytes = max_buffered_bytes;
        self
    }
    pub fn auto_offset_reset(mut self, reset: OffsetReset) -> Self {
        self.auto_offset_reset = reset;
        self
    }
    pub fn isolation_level(mut self, level: IsolationLevel) -> Self {
        self.isolation_level = level;
        self
    }
    pub fn max_poll_records(mut self, max_poll_records: usize) -> Self {
        self.max_poll_records = max_poll_records;
        self
    }
    pub fn check_crcs(mut self, check: bool) -> Self {
        self.check_crcs = check;
        self
    }
    pub fn request_timeout_ms(mut self, request_timeout_ms: u64) -> Self {
        self.client.connection.request_timeout_ms = request_timeout_ms;
        self
    }
    pub fn retry_backoff(mut self, backoff: Backoff) -> Self {
        self.retry_backoff = backoff;
        self
    }

    /// Connects and starts the consumer (with nothing assigned).
    pub async fn build(self) -> Result<Consumer> {
        Consumer::new(self).await
    }

    fn validate(&self) -> Result<()> {
        if self.max_poll_records == 0
            || self.fetch_max_bytes == 0
            || self.max_partition_fetch_bytes == 0
            || self.max_buffered_bytes == 0
        {
            return Err(Error::Config(
                "max.poll.records, fetch.max.bytes, max.partition.fetch.bytes and the buffer size must be positive"
                    .into(),
            ));
        }
        if self.client.connection.request_timeout_ms <= self.fetch_max_wait_ms {
            return Err(Error::Config(
                "request.timeout.ms must exceed fetch.max.wait.ms, or every long poll times out"
                    .into(),
            ));
        }
        Ok(())
    }
}

/// Counters for tests and dashboards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConsumerMetrics {
    /// Fetched bytes waiting to be drained by the application.
    pub buffered_bytes: usize,
    /// The most `buffered_bytes` has been since the consumer started.
    pub peak_buffered_bytes: usize,
    pub fetch_requests: u64,
    pub fetched_bytes: u64,
}

/// A consumer. Methods take `&self`; the buffer and positions are shared, so
/// a [`RecordStream`] and `poll` on the same consumer take turns at the
/// same records. Dropping the consumer (and its streams) stops its tasks.
#[derive(Debug)]
pub struct Consumer {
    handle: Arc<Handle>,
}

#[derive(Debug)]
struct Handle {
    inner: Arc<Inner>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.inner.shut_down();
    }
}

impl Consumer {
    /// Starts configuring a consumer.
    pub fn builder<S: Into<String>>(
        bootstrap_servers: impl IntoIterator<Item = S>,
    ) -> ConsumerConfig {
        ConsumerConfig::new(bootstrap_servers)
    }

    pub async fn new(config: ConsumerConfig) -> Result<Self> {
        config.validate()?;
        let client = Client::connect(config.client.clone()).await?;
        let inner = Inner::new(client, config);
        manager::start(&inner);
        Ok(Self {
            handle: Arc::new(Handle { inner }),
        })
    }

    fn inner(&self) -> &Arc<Inner> {
        &self.handle.inner
    }

    /// The client the consumer uses (metadata, connections).
    pub fn client(&self) -> &Client {
        &self.inner().client
    }

    pub fn config(&self) -> &ConsumerConfig {
        &self.inner().config
    }

    /// Takes exactly these partitions, replacing any earlier assignment or
    /// subscription. Partitions kept from the previous assignment keep
    /// their positions; new ones start per `auto.offset.reset` unless
    /// sought.
    pub fn assign(&self, partitions: &[TopicPartition]) {
        self.inner().set_manual(partitions);
    }

    /// Follows these topics: every partition of each is assigned to this
    /// consumer, including partitions added later (seen at the next metadata
    /// refresh). Without group management (not implemented yet) nothing is
    /// shared with other consumers.
    pub fn subscribe<S: AsRef<str>>(&self, topics: impl IntoIterator<Item = S>) {
        let topics = topics.into_iter().map(|t| t.as_ref().to_owned()).collect();
        self.inner()
            .set_subscription(state::Subscription::Topics(topics));
    }

    /// Follows every non-internal topic whose whole name matches `pattern`
    /// (as Java's `Pattern.matches`), now and as topics appear.
    pub fn subscribe_pattern(&self, pattern: &str) -> Result<()> {
        let regex = regex::Regex::new(&format!("^(?:{pattern})$"))
            .map_err(|e| Error::InvalidPattern(e.to_string()))?;
        self.client().track_all_topics();
        self.inner()
            .set_subscription(state::Subscription::Pattern(regex));
        Ok(())
    }

    /// Drops the subscription or assignment.
    pub fn unsubscribe(&self) {
        self.inner().set_manual(&[]);
    }

    /// The partitions currently assigned, sorted.
    pub fn assignment(&self) -> Vec<TopicPartition> {
        self.inner().assignment()
    }

    /// Group management's entry point: adds partitions with where each
    /// starts (`None`: per `auto.offset.reset`) and revokes others,
    /// returning the revoked partitions' positions (what a group member
    /// commits before giving them up). Buffered data of revoked partitions
    /// is dropped.
    #[allow(dead_code)]
    pub(crate) fn apply_assignment(
        &self,
        added: &[(TopicPartition, Option<i64>)],
        revoked: &[TopicPartition],
    ) -> Vec<(TopicPartition, i64)> {
        let added: Vec<(TopicPartition, StartAt)> = added
            .iter()
            .map(|(tp, at)| (tp.clone(), at.map_or(StartAt::Default, StartAt::Offset)))
            .collect();
        self.inner().apply_assignment(&added, revoked)
    }

    /// The next record of `tp` will be at `offset`. Buffered data of the
    /// partition is dropped; a fetch in flight is ignored when it returns.
    pub fn seek(&self, tp: &TopicPartition, offset: i64) -> Result<()> {
        self.inner().seek(tp, StartAt::Offset(offset))
    }

    /// Moves to the log start of each partition (resolved with ListOffsets
    /// before the next fetch).
    pub fn seek_to_beginning(&self, partitions: &[TopicPartition]) -> Result<()> {
        for tp in partitions {
            self.inner().seek(tp, StartAt::Earliest)?;
        }
        Ok(())
    }

    /// Moves to the end of each partition: only records produced after the
    /// lookup are consumed.
    pub fn seek_to_end(&self, partitions: &[TopicPartition]) -> Result<()> {
        for tp in partitions {
            self.inner().seek(tp, StartAt::Latest)?;
        }
        Ok(())
    }

    /// Moves to the first record with a timestamp at or after
    /// `timestamp_ms` (ListOffsets by time); with no such record, to the end.
    pub fn seek_to_timestamp(&self, tp: &TopicPartition, timestamp_ms: i64) -> Result<()> {
        self.inner().seek(tp, StartAt::Timestamp(timestamp_ms))
    }

    /// The offset of the next record `poll` will return for `tp`, waiting
    /// (up to `request.timeout.ms`) for a pending lookup to resolve it.
    pub async fn position(&self, tp: &TopicPartition) -> Result<i64> {
        let timeout = Duration::from_millis(self.config().client.connection.request_timeout_ms);
        self.inner().position(tp, Instant::now() + timeout).await
    }

    /// Stops fetching these partitions; `poll` returns none of their
    /// records until they are resumed. Already buffered data is kept.
    pub fn pause(&self, partitions: &[TopicPartition]) -> Result<()> {
        self.inner().set_paused(partitions, true)
    }

    pub fn resume(&self, partitions: &[TopicPartition]) -> Result<()> {
        self.inner().set_paused(partitions, false)
    }

    /// The paused partitions, sorted.
    pub fn paused(&self) -> Vec<TopicPartition> {
        self.inner().paused()
    }

    /// Up to `max.poll.records` records, waiting at most `timeout` for the
    /// first. An empty result means none arrived in time. A partition's
    /// error (e.g. out of range with `auto.offset.reset=none`) is returned
    /// in its place in the stream of records, after the records before it.
    pub async fn poll(&self, timeout: Duration) -> Result<Vec<ConsumerRecord>> {
        let max = self.config().max_poll_records;
        self.inner().poll(max, Instant::now() + timeout).await
    }

    /// The records as an endless stream; each item is one record, or an
    /// error as `poll` would return it. Records are taken from the consumer
    /// in `max.poll.records` chunks, so the position of a partition may be
    /// ahead of the last record the stream has yielded.
    pub fn stream(&self) -> RecordStream {
        let state = (Arc::clone(&self.handle), VecDeque::new());
        let stream = futures::stream::unfold(state, |(handle, mut ready)| async move {
            loop {
                if let Some(record) = ready.pop_front() {
                    return Some((Ok(record), (handle, ready)));
                }
                let max = handle.inner.config.max_poll_records;
                match handle
                    .inner
                    .poll(max, Instant::now() + Duration::from_secs(3600))
                    .await
                {
                    Ok(records) => ready.extend(records),
                    Err(e) => return Some((Err(e), (handle, ready))),
                }
            }
        });
        RecordStream {
            stream: Box::pin(stream),
        }
    }

    pub fn metrics(&self) -> ConsumerMetrics {
        self.inner().metrics()
    }

    /// Stops the consumer's tasks and closes its view of the cluster.
    pub async fn close(self) {
        self.inner().shut_down();
    }
}

/// See [`Consumer::stream`].
pub struct RecordStream {
    stream: Pin<Box<dyn Stream<Item = Result<ConsumerRecord>> + Send>>,
}

impl fmt::Debug for RecordStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordStream").finish_non_exhaustive()
    }
}

impl Stream for RecordStream {
    type Item = Result<ConsumerRecord>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.stream.as_mut().poll_next(cx)
    }
}
