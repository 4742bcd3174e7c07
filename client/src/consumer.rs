//! The consumer: assignment, fetching, decoding and positions.
//!
//! # Shape
//!
//! The application sees one [`Consumer`]. Behind it:
//!
//! - a *manager* task (`manager`) turns the subscription into an
//!   assignment, resolves positions that need a ListOffsets lookup (a reset,
//!   a seek to the beginning, end or a timestamp), refreshes metadata when a
//!   fetch says it is stale, and starts one fetch task per leader broker;
//! - one *fetch task* per broker (`fetcher`) sends Fetch requests for the
//!   fetchable partitions that broker leads. It sends the next request as
//!   soon as the previous response is buffered, so the broker is already
//!   working on the next fetch while the application drains the last one;
//! - a shared buffer of fetched, still-compressed partition data
//!   (`completed`). `poll` and the stream decode from it, in order.
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
//! With a `group.id`, [`Consumer::subscribe`] joins a consumer group with
//! Kafka's classic protocol ([`group`]): the coordinator is found with
//! FindCoordinator, the member joins (JoinGroup, retried with the member id
//! the coordinator names under KIP-394), the leader runs the assignor over
//! every member's subscription, SyncGroup hands out the shares, and each
//! new partition starts at the group's committed offset (OffsetFetch) or,
//! without one, per `auto.offset.reset`. A heartbeat task keeps the
//! membership alive and notices rebalances. The assignors are Java's and
//! librdkafka's `range`, `roundrobin` and `cooperative-sticky` (KIP-429),
//! under the same protocol names, so a group can mix this consumer with
//! theirs. `assign` with a group id uses no membership but can commit.
//!
//! A member that stops polling for `max.poll.interval.ms` leaves the group
//! (its partitions go to others) and rejoins at its next poll. `close`
//! leaves the group at once (a static member, with `group.instance.id`,
//! does not, so its restart causes no rebalance); dropping the consumer is
//! a crash to the group, noticed after `session.timeout.ms`. A
//! [`RebalanceListener`] hears of partitions assigned, revoked (before they
//! go, so it can commit) and lost (fenced or expired: others own them
//! already, and commits would fail).
//!
//! # Delivery semantics
//!
//! The group remembers, per partition, the committed offset: the next
//! record a member taking the partition over reads. What a crash costs
//! depends on when the application commits relative to processing:
//!
//! - **At most once**: commit the positions right after `poll`, then
//!   process (`enable_auto_commit(false)`, [`Consumer::commit_sync`] before
//!   processing; `examples/at_most_once.rs`). A crash mid-batch skips the
//!   rest of it; nothing is processed twice.
//! - **At least once**: process, then commit the offsets after the
//!   processed records ([`Consumer::commit_offsets_sync`];
//!   `examples/at_least_once.rs`). A crash before the commit re-delivers
//!   the batch; nothing is lost. Auto-commit (the default, every
//!   `auto.commit.interval.ms`, and before partitions are revoked or the
//!   consumer closes) commits the positions of records already returned by
//!   `poll`, so it is at-least-once as long as each batch is processed
//!   before the next `poll`.
//! - **Exactly once** (read-process-write, KIP-98/447) needs transactions:
//!   a transactional producer that commits the consumed offsets inside the
//!   transaction that writes the results
//!   ([`Producer::send_offsets_to_transaction`](crate::Producer::send_offsets_to_transaction)
//!   with [`Consumer::group_metadata`]), read by consumers with
//!   `isolation.level=read_committed`; `examples/exactly_once.rs` is the
//!   whole loop. A crash aborts the open transaction, so the output and the
//!   commit happen both or neither.
//!
//! Commits are sent one at a time in the order they were made (a later
//! `commit_async` always wins). A commit for a generation the group has
//! moved past fails with `REBALANCE_IN_PROGRESS`, `ILLEGAL_GENERATION` or
//! `UNKNOWN_MEMBER_ID` ([`Error::code`]) and the member rejoins; the
//! records since the last successful commit will be read again by the
//! partition's next owner.

pub mod assignor;
mod completed;
mod fetcher;
pub mod group;
mod manager;
pub mod properties;
mod record_ref;
pub mod share;
mod state;
mod validation;

use std::collections::{BTreeMap, VecDeque};
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
pub use crate::offsets::{IsolationLevel, OffsetAndMetadata, TopicPartition};
pub use crate::protocol::records::TimestampType;
pub use assignor::Assignor;
pub use group::{GroupHandle, RebalanceListener};
pub use record_ref::{RecordFields, RecordRef};
use state::{Inner, StartAt};

/// A consumer's place in its group, as Java's `ConsumerGroupMetadata`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerGroupMetadata {
    /// The consumer's `group.id`.
    pub group_id: String,
    /// −1 outside a generation (before the first join, or with `assign`).
    pub generation_id: i32,
    /// "" outside a generation.
    pub member_id: String,
    /// The static member's `group.instance.id`, if it has one.
    pub group_instance_id: Option<String>,
}

/// One record header. Keys may repeat and values may be null (KIP-82);
/// both survive as they were produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The header key, as produced (Kafka clients write UTF-8).
    pub key: Bytes,
    /// The header value; `None` is a null value.
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
    /// The topic the record was read from.
    pub topic: Arc<str>,
    /// Its partition.
    pub partition: i32,
    /// Its offset in the partition.
    pub offset: i64,
    /// The producer's creation time, or the broker's append time for topics
    /// with `message.timestamp.type=LogAppendTime` (see `timestamp_type`).
    pub timestamp_ms: i64,
    /// Whether `timestamp_ms` is the creation or the log-append time.
    pub timestamp_type: TimestampType,
    /// The key; `None` is a null key.
    pub key: Option<Bytes>,
    /// The value; `None` is a null value (a tombstone).
    pub value: Option<Bytes>,
    /// The headers, in order; keys may repeat.
    pub headers: Vec<Header>,
    /// The leader epoch the batch was written in, when the broker sets it.
    pub leader_epoch: Option<i32>,
}

impl ConsumerRecord {
    /// The offset to commit once this record is processed: the next one
    /// to read, `offset + 1`. Kafka's committed offset is always the next
    /// record, never the last one processed.
    ///
    /// ```
    /// # let record = kctl_client::ConsumerRecord::example("orders", 0, 41);
    /// assert_eq!(record.next_offset(), 42);
    /// ```
    pub fn next_offset(&self) -> i64 {
        self.offset + 1
    }

    /// The record's topic and partition.
    pub fn topic_partition(&self) -> TopicPartition {
        TopicPartition {
            topic: Arc::clone(&self.topic),
            partition: self.partition,
        }
    }

    /// The value as UTF-8 text, if it is some and valid.
    pub fn value_str(&self) -> Option<&str> {
        self.value
            .as_deref()
            .and_then(|v| std::str::from_utf8(v).ok())
    }

    /// The key as UTF-8 text, if it is some and valid.
    pub fn key_str(&self) -> Option<&str> {
        self.key
            .as_deref()
            .and_then(|k| std::str::from_utf8(k).ok())
    }

    /// A record with no key, value or headers at this position, for
    /// examples and tests of code that handles records.
    #[doc(hidden)]
    pub fn example(topic: &str, partition: i32, offset: i64) -> Self {
        Self {
            topic: Arc::from(topic),
            partition,
            offset,
            timestamp_ms: 0,
            timestamp_type: TimestampType::Creation,
            key: None,
            value: None,
            headers: Vec::new(),
            leader_epoch: None,
        }
    }
}

/// The offsets that commit `records` as processed: per partition, one past
/// the highest offset among them.
fn offsets_after(records: &[ConsumerRecord]) -> BTreeMap<TopicPartition, OffsetAndMetadata> {
    let mut offsets: BTreeMap<TopicPartition, OffsetAndMetadata> = BTreeMap::new();
    for record in records {
        let next = record.next_offset();
        let entry = offsets
            .entry(record.topic_partition())
            .or_insert_with(|| OffsetAndMetadata::new(next));
        if next >= entry.offset {
            // The epoch of the last record travels with the commit, as
            // Java's does, so a consumer resuming from it can validate it.
            entry.offset = next;
            entry.leader_epoch = record.leader_epoch;
        }
    }
    offsets
}

/// Where a partition without a valid position starts (`auto.offset.reset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OffsetReset {
    /// The log start: everything still stored.
    Earliest,
    /// The default, as in Java: only records produced from now on.
    Latest,
    /// No automatic choice: the partition reports an error and waits for a
    /// seek.
    None,
}

/// The group membership protocol (`group.protocol`, as Java names it).
///
/// The default is [`GroupProtocol::Classic`], as in Java 4.x and
/// librdkafka: every broker since 0.9 serves it, while the consumer
/// protocol needs Kafka 4.0 (or 3.7+ with it enabled) or broker-lite, and
/// a group's members must all speak the same one unless the broker migrates
/// groups between them. Choose [`GroupProtocol::Consumer`] for KIP-848's
/// incremental, broker-computed rebalances.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum GroupProtocol {
    /// JoinGroup/SyncGroup with a client-side assignor
    /// (`partition.assignment.strategy`).
    #[default]
    Classic,
    /// KIP-848: ConsumerGroupHeartbeat, with the assignment computed by the
    /// coordinator's assignor (`group.remote.assignor`).
    Consumer,
}

impl GroupProtocol {
    /// Parses `classic` or `consumer` (any case), as Java accepts them.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "classic" => Some(Self::Classic),
            "consumer" => Some(Self::Consumer),
            _ => None,
        }
    }

    /// The property value: `classic` or `consumer`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Classic => "classic",
            Self::Consumer => "consumer",
        }
    }
}

/// Consumer settings. Names and defaults follow Java's `ConsumerConfig`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ConsumerConfig {
    /// Bootstrap servers, connection and security settings, shared by every client kind.
    pub client: ClientConfig,
    /// With a group id, `subscribe` joins the group, whose leader shares
    /// the partitions out, and offsets can be committed to it.
    pub group_id: Option<String>,
    /// Static membership (KIP-345): a member that restarts under the same
    /// id within the session timeout gets its partitions back without a
    /// rebalance.
    pub group_instance_id: Option<String>,
    /// The coordinator drops a member it has not heard from for this long.
    pub session_timeout_ms: u64,
    /// See [`ConsumerConfig::heartbeat_interval_ms`].
    pub heartbeat_interval_ms: u64,
    /// The most time between polls before the member leaves the group (and
    /// the longest a rebalance waits for members to rejoin).
    pub max_poll_interval_ms: u64,
    /// Commit the positions of returned records every
    /// `auto_commit_interval_ms`, and before partitions are revoked.
    pub enable_auto_commit: bool,
    /// See [`ConsumerConfig::auto_commit_interval_ms`].
    pub auto_commit_interval_ms: u64,
    /// In order of preference (`partition.assignment.strategy`). The group
    /// rebalances cooperatively only when every one is cooperative.
    /// Classic protocol only.
    pub assignors: Vec<Assignor>,
    /// `group.protocol`: classic (the default) or KIP-848's consumer protocol.
    pub group_protocol: GroupProtocol,
    /// `group.remote.assignor`: the server-side assignor the member asks
    /// for with the consumer protocol (`uniform` or `range` on Kafka 4.x);
    /// `None` lets the broker choose.
    pub group_remote_assignor: Option<String>,
    /// `client.rack`: the rack the consumer runs in. Sent to the group
    /// coordinator (KIP-848 heartbeats' `rack_id`, classic subscriptions'
    /// rack) for rack-aware assignment; `None`: no rack.
    pub client_rack: Option<String>,
    /// The broker answers a fetch once it has this much data (or
    /// `fetch_max_wait_ms` passed).
    pub fetch_min_bytes: usize,
    /// See [`ConsumerConfig::fetch_max_wait_ms`].
    pub fetch_max_wait_ms: u64,
    /// Per partition and fetch; a larger first batch still comes whole.
    pub max_partition_fetch_bytes: usize,
    /// Per fetch response; a larger first batch still comes whole.
    pub fetch_max_bytes: usize,
    /// Fetched bytes the consumer holds before it stops fetching
    /// (librdkafka's `queued.max.messages.kbytes`).
    pub max_buffered_bytes: usize,
    /// See [`ConsumerConfig::auto_offset_reset`].
    pub auto_offset_reset: OffsetReset,
    /// See [`ConsumerConfig::isolation_level`].
    pub isolation_level: IsolationLevel,
    /// The most records one `poll` returns.
    pub max_poll_records: usize,
    /// Whether each batch's CRC-32C is checked before it is decoded.
    pub check_crcs: bool,
    /// Between retries of a partition whose fetch or offset lookup failed.
    pub retry_backoff: Backoff,
}

impl Default for ConsumerConfig {
    /// The defaults with no bootstrap servers: for
    /// [`with_client`](Consumer::with_client), which brings its own, or to fill
    /// in from properties.
    fn default() -> Self {
        Self::new(Vec::<String>::new())
    }
}

impl ConsumerConfig {
    /// Java's defaults (noted on each setter) with these bootstrap servers (`bootstrap.servers`).
    pub fn new<S: Into<String>>(bootstrap_servers: impl IntoIterator<Item = S>) -> Self {
        Self {
            client: ClientConfig::new(bootstrap_servers),
            group_id: None,
            group_instance_id: None,
            session_timeout_ms: 45_000,
            heartbeat_interval_ms: 3_000,
            max_poll_interval_ms: 300_000,
            enable_auto_commit: true,
            auto_commit_interval_ms: 5_000,
            assignors: vec![Assignor::Range, Assignor::CooperativeSticky],
            group_protocol: GroupProtocol::Classic,
            group_remote_assignor: None,
            client_rack: None,
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

    /// `client.id`, sent with every request. Default: `kctl`.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client.connection.client_id = Some(Arc::from(client_id.into()));
        self
    }
    /// `group.id`: with one, `subscribe` joins the group and offsets can be committed. Default: none.
    pub fn group_id(mut self, group_id: impl Into<String>) -> Self {
        self.group_id = Some(group_id.into());
        self
    }
    /// `group.instance.id`: static membership (KIP-345). Default: none (dynamic member).
    pub fn group_instance_id(mut self, id: impl Into<String>) -> Self {
        self.group_instance_id = Some(id.into());
        self
    }
    /// `session.timeout.ms`: the coordinator drops a member it has not heard from for this long. Default: 45000.
    pub fn session_timeout_ms(mut self, session_timeout_ms: u64) -> Self {
        self.session_timeout_ms = session_timeout_ms;
        self
    }
    /// `heartbeat.interval.ms`: how often a member heartbeats; below `session.timeout.ms`. Default: 3000.
    pub fn heartbeat_interval_ms(mut self, heartbeat_interval_ms: u64) -> Self {
        self.heartbeat_interval_ms = heartbeat_interval_ms;
        self
    }
    /// `max.poll.interval.ms`: the most time between polls before the member leaves the group. Default: 300000.
    pub fn max_poll_interval_ms(mut self, max_poll_interval_ms: u64) -> Self {
        self.max_poll_interval_ms = max_poll_interval_ms;
        self
    }
    /// `enable.auto.commit`: commit the positions of returned records in the background and before partitions are revoked. Default: true.
    pub fn enable_auto_commit(mut self, enable: bool) -> Self {
        self.enable_auto_commit = enable;
        self
    }
    /// `auto.commit.interval.ms`: how often auto-commit commits. Default: 5000.
    pub fn auto_commit_interval_ms(mut self, auto_commit_interval_ms: u64) -> Self {
        self.auto_commit_interval_ms = auto_commit_interval_ms;
        self
    }
    /// `partition.assignment.strategy`: the assignors offered to the group,
    /// most preferred first. Default: [`Assignor::Range`],
    /// [`Assignor::CooperativeSticky`] (Java 3.0+'s default).
    pub fn assignors(mut self, assignors: impl IntoIterator<Item = Assignor>) -> Self {
        self.assignors = assignors.into_iter().collect();
        self
    }
    /// `group.protocol`: the membership protocol. Default: classic (see
    /// [`GroupProtocol`] for why).
    pub fn group_protocol(mut self, protocol: GroupProtocol) -> Self {
        self.group_protocol = protocol;
        self
    }
    /// `group.remote.assignor`: the coordinator's assignor to ask for with
    /// the consumer protocol, e.g. `uniform` or `range`. Default: none (the
    /// broker's first, `uniform` on Kafka 4.x).
    pub fn group_remote_assignor(mut self, assignor: impl Into<String>) -> Self {
        self.group_remote_assignor = Some(assignor.into());
        self
    }
    /// `client.rack`: the rack this consumer runs in, which the group
    /// coordinator may use for rack-aware assignment. Default: none.
    pub fn client_rack(mut self, rack: impl Into<String>) -> Self {
        self.client_rack = Some(rack.into());
        self
    }
    /// `fetch.min.bytes`: the broker answers a fetch once it has this much data (or `fetch.max.wait.ms` passed). Default: 1.
    pub fn fetch_min_bytes(mut self, fetch_min_bytes: usize) -> Self {
        self.fetch_min_bytes = fetch_min_bytes;
        self
    }
    /// `fetch.max.wait.ms`: how long the broker may hold a fetch for `fetch.min.bytes`. Default: 500.
    pub fn fetch_max_wait_ms(mut self, fetch_max_wait_ms: u64) -> Self {
        self.fetch_max_wait_ms = fetch_max_wait_ms;
        self
    }
    /// `max.partition.fetch.bytes`: per partition and fetch; a larger first batch still comes whole. Default: 1048576.
    pub fn max_partition_fetch_bytes(mut self, max_partition_fetch_bytes: usize) -> Self {
        self.max_partition_fetch_bytes = max_partition_fetch_bytes;
        self
    }
    /// `fetch.max.bytes`: per fetch response; a larger first batch still comes whole. Default: 52428800.
    pub fn fetch_max_bytes(mut self, fetch_max_bytes: usize) -> Self {
        self.fetch_max_bytes = fetch_max_bytes;
        self
    }
    /// `queued.max.messages.kbytes` (× 1024): fetched bytes held before the consumer stops fetching. Default: 52428800.
    pub fn max_buffered_bytes(mut self, max_buffered_bytes: usize) -> Self {
        self.max_buffered_bytes = max_buffered_bytes;
        self
    }
    /// `auto.offset.reset`: where a partition without a committed or valid offset starts. Default: [`OffsetReset::Latest`].
    pub fn auto_offset_reset(mut self, reset: OffsetReset) -> Self {
        self.auto_offset_reset = reset;
        self
    }
    /// `isolation.level`: whether records of open and aborted transactions are returned. Default: [`IsolationLevel::ReadUncommitted`].
    pub fn isolation_level(mut self, level: IsolationLevel) -> Self {
        self.isolation_level = level;
        self
    }
    /// `max.poll.records`: the most records one `poll` returns. Default: 500.
    pub fn max_poll_records(mut self, max_poll_records: usize) -> Self {
        self.max_poll_records = max_poll_records;
        self
    }
    /// `check.crcs`: verify each batch's CRC-32C before decoding it. Default: true.
    pub fn check_crcs(mut self, check: bool) -> Self {
        self.check_crcs = check;
        self
    }
    /// `request.timeout.ms`: how long one request waits for its response; must exceed `fetch.max.wait.ms`. Default: 30000.
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
    /// `retry.backoff.ms` and `retry.backoff.max.ms`: the wait before retrying a partition whose fetch or offset lookup failed. Default: 100 ms doubling to 1000 ms, ±20 % jitter.
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
        if self.assignors.is_empty() {
            return Err(Error::Config(
                "partition.assignment.strategy names no assignor".into(),
            ));
        }
        if self.heartbeat_interval_ms == 0 || self.heartbeat_interval_ms >= self.session_timeout_ms
        {
            return Err(Error::Config(
                "heartbeat.interval.ms must be positive and below session.timeout.ms".into(),
            ));
        }
        if self.group_instance_id.is_some() && self.group_id.is_none() {
            return Err(Error::Config("group.instance.id needs a group.id".into()));
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
    /// Fetch requests sent so far.
    pub fetch_requests: u64,
    /// Bytes of fetch responses received so far.
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
    group: Option<Arc<group::Group>>,
    /// The member id and generation the records of the last `poll` were
    /// fetched under (see [`Consumer::group_metadata`]).
    membership_at_poll: std::sync::Mutex<Option<(String, i32)>>,
}

impl Handle {
    fn membership(&self) -> (String, i32) {
        self.group.as_ref().map_or((String::new(), -1), |g| {
            let member = g.member();
            (member.member_id, member.generation)
        })
    }

    /// Polls, and remembers the membership the records belong to: the one
    /// before the wait, as any rebalance during it can only make that
    /// generation stale (so a transaction built on these records is fenced
    /// rather than committed for partitions another member now owns). A
    /// member that joins during the poll has no earlier generation: the
    /// one it joined is taken.
    async fn poll(&self, max: usize, deadline: Instant) -> Result<Vec<ConsumerRecord>> {
        // Sized once: growing it record by record cost a reallocation and a
        // copy of every record so far at each doubling.
        let mut records = Vec::with_capacity(max.min(state::MAX_POLL_PREALLOCATED_RECORDS));
        self.poll_into(max, deadline, &mut records).await?;
        Ok(records)
    }

    async fn poll_into(
        &self,
        max: usize,
        deadline: Instant,
        sink: &mut impl record_ref::RecordSink,
    ) -> Result<usize> {
        let before = self.membership();
        let records = self.inner.poll(max, deadline, sink).await;
        let at_poll = if before.1 <= 0 {
            self.membership()
        } else {
            before
        };
        *crate::sync::lock(&self.membership_at_poll) = Some(at_poll);
        records
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // Without close() no LeaveGroup is sent: to the coordinator this is
        // a crash, noticed after session.timeout.ms.
        if let Some(group) = &self.group {
            group.abort();
        }
        self.inner.shut_down();
    }
}

impl Consumer {
    /// Starts configuring a consumer; see [`ConsumerConfig`] for every
    /// setting, its Kafka property and its default.
    ///
    /// ```no_run
    /// use kctl_client::{Assignor, Consumer, IsolationLevel, OffsetReset};
    ///
    /// # async fn demo() -> kctl_client::Result<()> {
    /// let consumer = Consumer::builder(["kafka-1:9092"])
    ///     .group_id("billing")
    ///     .assignors([Assignor::CooperativeSticky])
    ///     .auto_offset_reset(OffsetReset::Earliest)
    ///     .isolation_level(IsolationLevel::ReadCommitted)
    ///     .max_poll_records(1000)
    ///     .build()
    ///     .await?;
    /// # drop(consumer); Ok(()) }
    /// ```
    pub fn builder<S: Into<String>>(
        bootstrap_servers: impl IntoIterator<Item = S>,
    ) -> ConsumerConfig {
        ConsumerConfig::new(bootstrap_servers)
    }

    /// Connects and starts a consumer; the same as
    /// [`ConsumerConfig::build`].
    pub async fn new(config: ConsumerConfig) -> Result<Self> {
        config.validate()?;
        let client = Client::connect(config.client.clone()).await?;
        Self::with_client(client, config).await
    }

    /// Starts configuring a consumer from Kafka-style properties; see
    /// [`ConsumerConfig::from_properties`].
    ///
    /// ```no_run
    /// # async fn demo() -> kctl_client::Result<()> {
    /// let consumer = kctl_client::Consumer::from_properties([
    ///     ("bootstrap.servers", "localhost:9092"),
    ///     ("group.id", "billing"),
    /// ])?
    /// .build()
    /// .await?;
    /// # drop(consumer); Ok(()) }
    /// ```
    pub fn from_properties<K, V>(
        properties: impl IntoIterator<Item = (K, V)>,
    ) -> Result<ConsumerConfig>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        ConsumerConfig::from_properties(properties)
    }

    /// A consumer on an existing [`Client`], sharing its connections and
    /// metadata with the producers and admin clients made on it (franz-go's
    /// single client). `config.client` is replaced by the client's own
    /// settings. A pattern subscription makes the shared client's metadata
    /// refreshes ask for every topic.
    pub async fn with_client(client: Client, mut config: ConsumerConfig) -> Result<Self> {
        config.client = client.config().clone();
        config.validate()?;
        let group_id = config.group_id.clone();
        let inner = Inner::new(client, config);
        manager::start(&inner);
        let group = match group_id.map(|id| group::start(&inner, id)).transpose() {
            Ok(group) => group,
            Err(e) => {
                inner.shut_down();
                return Err(e);
            }
        };
        Ok(Self {
            handle: Arc::new(Handle {
                inner,
                group,
                membership_at_poll: std::sync::Mutex::new(None),
            }),
        })
    }

    fn inner(&self) -> &Arc<Inner> {
        &self.handle.inner
    }

    /// The client the consumer uses (metadata, connections).
    pub fn client(&self) -> &Client {
        &self.inner().client
    }

    /// The consumer's settings.
    pub fn config(&self) -> &ConsumerConfig {
        &self.inner().config
    }

    /// Takes exactly these partitions, replacing any earlier assignment or
    /// subscription. Partitions kept from the previous assignment keep
    /// their positions; new ones start per `auto.offset.reset` unless
    /// sought.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use kctl_client::TopicPartition;
    /// # async fn demo(consumer: kctl_client::Consumer) -> kctl_client::Result<()> {
    /// // No group: read partitions 0 and 1 from their beginning.
    /// let partitions = [TopicPartition::new("orders", 0), TopicPartition::new("orders", 1)];
    /// consumer.assign(&partitions);
    /// consumer.seek_to_beginning(&partitions)?;
    /// let records = consumer.poll(Duration::from_secs(1)).await?;
    /// # Ok(()) }
    /// ```
    pub fn assign(&self, partitions: &[TopicPartition]) {
        self.inner().set_manual(partitions);
    }

    /// Follows these topics. With a `group.id` the consumer joins the group
    /// and gets its share of their partitions; without one every partition
    /// of each is assigned to this consumer, including partitions added
    /// later (seen at the next metadata refresh).
    pub fn subscribe<S: AsRef<str>>(&self, topics: impl IntoIterator<Item = S>) {
        let topics = topics.into_iter().map(|t| t.as_ref().to_owned()).collect();
        self.inner()
            .set_subscription(state::Subscription::Topics(topics));
    }

    /// Follows every non-internal topic whose whole name matches `pattern`
    /// (as Java's `Pattern.matches`), now and as topics appear.
    ///
    /// ```no_run
    /// # async fn demo(consumer: kctl_client::Consumer) -> kctl_client::Result<()> {
    /// // Every topic whose whole name matches, including ones created later.
    /// consumer.subscribe_pattern("orders-.*")?;
    /// # Ok(()) }
    /// ```
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

    fn group(&self) -> Result<&Arc<group::Group>> {
        self.handle
            .group
            .as_ref()
            .ok_or_else(|| Error::Config("committing offsets needs a group.id".into()))
    }

    /// Called with the partitions this member gets, gives up and loses in
    /// rebalances. Set it before `subscribe` to hear of the first
    /// assignment.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    ///
    /// use futures::future::BoxFuture;
    /// use kctl_client::{GroupHandle, RebalanceListener, TopicPartition};
    ///
    /// /// Commits what was processed before partitions go to another member.
    /// #[derive(Debug)]
    /// struct CommitOnRevoke;
    ///
    /// impl RebalanceListener for CommitOnRevoke {
    ///     fn on_revoked<'a>(
    ///         &'a self,
    ///         group: &'a GroupHandle,
    ///         partitions: &'a [TopicPartition],
    ///     ) -> BoxFuture<'a, ()> {
    ///         Box::pin(async move {
    ///             if let Err(e) = group.commit_positions(partitions).await {
    ///                 eprintln!("commit before revocation failed: {e}");
    ///             }
    ///         })
    ///     }
    /// }
    ///
    /// # async fn demo(consumer: kctl_client::Consumer) -> kctl_client::Result<()> {
    /// consumer.set_rebalance_listener(Arc::new(CommitOnRevoke))?;
    /// consumer.subscribe(["orders"]);
    /// # Ok(()) }
    /// ```
    pub fn set_rebalance_listener(&self, listener: Arc<dyn RebalanceListener>) -> Result<()> {
        self.group()?.set_listener(listener);
        Ok(())
    }

    /// The member id and generation of the group this consumer last
    /// joined ("" and −1 before the first join or without a group).
    pub fn group_membership(&self) -> (String, i32) {
        self.handle.membership()
    }

    /// The group identity a transactional producer sends with this
    /// consumer's offsets (`send_offsets_to_transaction`), so the
    /// coordinator refuses them once this member has left the generation
    /// (KIP-447). `None` without a group id.
    ///
    /// It is the membership of the last `poll` (or stream chunk), not of
    /// this moment: this consumer rebalances in the background, and a
    /// transaction must be fenced if the group moved on after its records
    /// were polled — Java's consumer gets the same by rebalancing only
    /// inside `poll`. Before any poll it is the current membership.
    pub fn group_metadata(&self) -> Option<ConsumerGroupMetadata> {
        let group_id = self.inner().config.group_id.clone()?;
        let at_poll = crate::sync::lock(&self.handle.membership_at_poll).clone();
        let (member_id, generation_id) = at_poll.unwrap_or_else(|| self.handle.membership());
        Some(ConsumerGroupMetadata {
            group_id,
            generation_id,
            member_id,
            group_instance_id: self.inner().config.group_instance_id.clone(),
        })
    }

    fn current_positions(&self) -> BTreeMap<TopicPartition, OffsetAndMetadata> {
        self.inner().committable_positions().into_iter().collect()
    }

    /// Commits the position of every assigned partition (the offset after
    /// the last record `poll` returned) and waits for the coordinator. A
    /// commit for a generation the group has left fails with
    /// REBALANCE_IN_PROGRESS or ILLEGAL_GENERATION (see [`Error::code`]).
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// # async fn demo(consumer: kctl_client::Consumer) -> kctl_client::Result<()> {
    /// // At most once: commit what poll returned, then process it.
    /// let records = consumer.poll(Duration::from_secs(1)).await?;
    /// consumer.commit_sync().await?;
    /// for record in &records {
    ///     println!("{:?}", record.value_str());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn commit_sync(&self) -> Result<()> {
        self.group()?.commit(self.current_positions()).await
    }

    /// Commits these offsets (each the next offset to read) with their
    /// metadata, and waits for the coordinator.
    ///
    /// ```no_run
    /// use std::collections::BTreeMap;
    /// use kctl_client::{OffsetAndMetadata, TopicPartition};
    /// # async fn demo(consumer: kctl_client::Consumer) -> kctl_client::Result<()> {
    /// let mut offsets = BTreeMap::new();
    /// offsets.insert(TopicPartition::new("orders", 0), OffsetAndMetadata::with_metadata(42, "batch 7"));
    /// consumer.commit_offsets_sync(offsets).await?;
    /// # Ok(()) }
    /// ```
    pub async fn commit_offsets_sync(
        &self,
        offsets: BTreeMap<TopicPartition, OffsetAndMetadata>,
    ) -> Result<()> {
        self.group()?.commit(offsets).await
    }

    /// Commits `records` as processed: per partition, the offset after the
    /// last of them ([`ConsumerRecord::next_offset`]), and waits for the
    /// coordinator. The at-least-once loop: poll, process, commit what was
    /// processed.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # async fn demo(consumer: kctl_client::Consumer) -> kctl_client::Result<()> {
    /// loop {
    ///     let records = consumer.poll(Duration::from_secs(1)).await?;
    ///     for record in &records {
    ///         println!("{:?}", record.value_str());
    ///     }
    ///     consumer.commit_records(&records).await?;
    /// }
    /// # }
    /// ```
    pub async fn commit_records(&self, records: &[ConsumerRecord]) -> Result<()> {
        self.group()?.commit(offsets_after(records)).await
    }

    /// Queues a commit of the current positions and returns at once. Commits
    /// are sent in the order they were made, so a later one always wins;
    /// await the returned [`CommitFuture`] for the result, or drop it.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// # async fn demo(consumer: kctl_client::Consumer) -> kctl_client::Result<()> {
    /// // Keep polling while the commit is in flight; check it later (or drop it).
    /// let pending = consumer.commit_async();
    /// let records = consumer.poll(Duration::from_secs(1)).await?;
    /// pending.await?;
    /// # Ok(()) }
    /// ```
    pub fn commit_async(&self) -> CommitFuture {
        self.commit_offsets_async(self.current_positions())
    }

    /// Queues a commit of these offsets; see [`Consumer::commit_async`].
    pub fn commit_offsets_async(
        &self,
        offsets: BTreeMap<TopicPartition, OffsetAndMetadata>,
    ) -> CommitFuture {
        match self.group() {
            Ok(group) => CommitFuture::Pending(group.commit_in_background(offsets)),
            Err(e) => CommitFuture::Failed(Some(e)),
        }
    }

    /// The group's committed offsets for these partitions (OffsetFetch);
    /// partitions with none are absent.
    ///
    /// ```no_run
    /// use kctl_client::TopicPartition;
    /// # async fn demo(consumer: kctl_client::Consumer) -> kctl_client::Result<()> {
    /// let tp = TopicPartition::new("orders", 0);
    /// match consumer.committed(std::slice::from_ref(&tp)).await?.get(&tp) {
    ///     Some(committed) => println!("resumes at {}", committed.offset),
    ///     None => println!("no commit: auto.offset.reset decides"),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn committed(
        &self,
        partitions: &[TopicPartition],
    ) -> Result<BTreeMap<TopicPartition, OffsetAndMetadata>> {
        self.group()?.committed(partitions).await
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
    ///
    /// ```no_run
    /// use kctl_client::TopicPartition;
    /// # async fn demo(consumer: kctl_client::Consumer) -> kctl_client::Result<()> {
    /// // Back-pressure: stop fetching a partition while its sink is busy.
    /// let slow = [TopicPartition::new("orders", 3)];
    /// consumer.pause(&slow)?;
    /// assert_eq!(consumer.paused(), slow);
    /// consumer.resume(&slow)?;
    /// # Ok(()) }
    /// ```
    pub fn pause(&self, partitions: &[TopicPartition]) -> Result<()> {
        self.inner().set_paused(partitions, true)
    }

    /// Fetches these partitions again; see [`Consumer::pause`].
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
        self.handle.poll(max, Instant::now() + timeout).await
    }

    /// [`Consumer::poll`] without building the records: each of them is
    /// handed to `each` as a [`RecordRef`] borrowed from the fetched bytes,
    /// in the order `poll` would return them, and the count is returned (0
    /// when none arrived within `timeout`). Positions move exactly as with
    /// `poll`. Reading in place costs no allocation and no reference count
    /// per record; [`RecordRef::to_owned_record`] keeps one.
    ///
    /// `each` runs inside the poll, so it must not poll this consumer. A
    /// `seek` it makes takes effect at the next poll, as a seek made while
    /// iterating `poll`'s records does. If `each` panics, the panic reaches
    /// the caller; the record it was given counts as handed out (like a
    /// record `poll` returned), and the next poll goes on after it.
    ///
    /// ```no_run
    /// # async fn demo(consumer: kctl_client::Consumer) -> kctl_client::Result<()> {
    /// let mut value_bytes = 0;
    /// let records = consumer
    ///     .poll_each(std::time::Duration::from_secs(1), |record| {
    ///         value_bytes += record.value.map_or(0, <[u8]>::len);
    ///     })
    ///     .await?;
    /// println!("{records} records, {value_bytes} B of values");
    /// # Ok(()) }
    /// ```
    pub async fn poll_each(
        &self,
        timeout: Duration,
        each: impl FnMut(RecordRef<'_>),
    ) -> Result<usize> {
        let max = self.config().max_poll_records;
        let mut sink = record_ref::EachRecord {
            callback: each,
            taken: 0,
        };
        self.handle
            .poll_into(max, Instant::now() + timeout, &mut sink)
            .await
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

    /// Counters of the consumer's fetching and buffering.
    pub fn metrics(&self) -> ConsumerMetrics {
        self.inner().metrics()
    }

    /// Stops the consumer. A group member first gives up its partitions
    /// (the rebalance listener hears `on_revoked`; with auto-commit their
    /// positions are committed) and, unless static, leaves the group so
    /// the others take over at once. Dropping the consumer instead is a
    /// crash to the group: its partitions move after `session.timeout.ms`.
    pub async fn close(self) {
        if let Some(group) = &self.handle.group {
            let timeout = Duration::from_millis(self.config().client.connection.request_timeout_ms);
            if tokio::time::timeout(timeout * 2, group.close())
                .await
                .is_err()
            {
                tracing::warn!("leaving the group timed out");
            }
        }
        self.inner().shut_down();
    }
}

/// The result of [`Consumer::commit_async`]; dropping it does not cancel
/// the commit.
#[derive(Debug)]
pub enum CommitFuture {
    #[doc(hidden)]
    Pending(tokio::sync::oneshot::Receiver<Result<()>>),
    #[doc(hidden)]
    Failed(Option<Error>),
}

impl std::future::Future for CommitFuture {
    type Output = Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        match self.get_mut() {
            Self::Pending(rx) => Pin::new(rx)
                .poll(cx)
                .map(|r| r.unwrap_or_else(|_| Err(Error::Config("the consumer is closed".into())))),
            Self::Failed(e) => Poll::Ready(Err(e
                .take()
                .unwrap_or_else(|| Error::Config("commit already awaited".into())))),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committing_records_commits_one_past_the_highest_offset_per_partition() {
        let records = [
            ConsumerRecord::example("a", 0, 5),
            ConsumerRecord::example("a", 1, 9),
            ConsumerRecord::example("a", 0, 7),
            ConsumerRecord::example("a", 0, 6),
        ];
        let offsets = offsets_after(&records);
        assert_eq!(
            offsets.into_iter().collect::<Vec<_>>(),
            [
                (TopicPartition::new("a", 0), OffsetAndMetadata::new(8)),
                (TopicPartition::new("a", 1), OffsetAndMetadata::new(10)),
            ]
        );
        assert!(offsets_after(&[]).is_empty());
    }
}
