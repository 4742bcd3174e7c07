//! The share consumer (KIP-932, "queues for Kafka"): many members read one
//! partition together, each record handed to one of them at a time under
//! an acquisition lock, and each member says what became of the records it
//! got.
//!
//! # Shape
//!
//! - A heartbeat task (`membership`) keeps the member in the share group
//!   with ShareGroupHeartbeat; the coordinator assigns partitions, several
//!   members per partition.
//! - [`ShareConsumer::poll`] sends ShareFetch to the leaders of the
//!   assigned partitions, each over a *share session* (KIP-932): the first
//!   request opens it with epoch 0, every later one carries the next epoch.
//!   The broker acquires records for this member and returns them with
//!   their delivery counts; acknowledgements ride along on the next fetch.
//! - Acknowledgements: ACCEPT (processed), RELEASE (give it back, for
//!   another delivery, possibly to another member), REJECT (poison: archived,
//!   never delivered again). A record that is not acknowledged before its
//!   lock runs out (`group.share.record.lock.duration.ms`) goes back too; one
//!   delivered `group.share.delivery.count.limit` times is archived.
//! - RENEW (KIP-1222, explicit mode, Kafka 4.2+): not an outcome but "still
//!   working on it": the broker restarts the record's lock, the record stays
//!   with this member (same delivery count) and still needs one of the three
//!   outcomes later.
//!
//! # Acknowledgement modes
//!
//! As Java's `share.acknowledgement.mode`:
//!
//! - [`AcknowledgementMode::Implicit`] (the default): the next `poll` (or
//!   `commit_sync`, `commit_async`, `close`) accepts every record the last
//!   `poll` returned. [`ShareConsumer::acknowledge`] is refused.
//! - [`AcknowledgementMode::Explicit`]: the application acknowledges each
//!   record with [`ShareConsumer::acknowledge`]; `poll` refuses to go on
//!   while a record of the last batch has no acknowledgement.
//!
//! Acknowledgements are sent with the next ShareFetch, or at once with
//! [`ShareConsumer::commit_sync`] (waits for the broker's answer) or
//! [`ShareConsumer::commit_async`] (answers arrive later). Every answer goes
//! to the acknowledgement-commit callback
//! ([`ShareConsumer::set_acknowledgement_commit_callback`]), called on the
//! application's task from `poll`, `commit_sync`, `commit_async` and `close`.
//!
//! # Renewing a lock (KIP-1222)
//!
//! For work that outlasts the lock ([`ShareConsumer::acquisition_lock_timeout_ms`]),
//! call `acknowledge(record, AcknowledgeType::Renew)` and send it (with
//! `commit_sync`, `commit_async` or the next `poll`) well before the lock
//! runs out, say every half lock, then settle the record with ACCEPT,
//! RELEASE or REJECT as usual. Renewals go in a ShareAcknowledge v2 with
//! `IsRenewAck` (Kafka refuses a ShareFetch that renews and fetches at
//! once, so a poll sends them first, alone). A renewed record does not
//! hold up the next `poll` in explicit mode; it stays acknowledgeable until
//! settled. A broker older than Kafka 4.2 answers the renewal with
//! [`Error::UnsupportedVersion`] (in the commit answers and the callback);
//! the record's lock then runs its course.

mod acks;
mod membership;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kafka_protocol::messages::share_acknowledge_request::{
    AcknowledgePartition, AcknowledgeTopic, AcknowledgementBatch as AckRequestBatch,
};
use kafka_protocol::messages::share_fetch_request::{
    AcknowledgementBatch, FetchPartition, FetchTopic, ForgottenTopic,
};
use kafka_protocol::messages::{ApiKey, ShareAcknowledgeRequest, ShareFetchRequest};
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use uuid::Uuid;

use super::ConsumerRecord;
use crate::backoff::Backoff;
use crate::client::{Client, ClientConfig};
use crate::connection::Connection;
use crate::error::{Error, ErrorCode, ErrorContext, Result};
use crate::offsets::group::group_id;
use crate::protocol::StrBytes;
use membership::{Membership, Shared};

/// What became of a delivered record; [`ShareConsumer::acknowledge`] takes
/// `Accept`, `Release`, `Reject` and `Renew` (`Gap` is the consumer's own,
/// for offsets without a record).
pub use crate::protocol::share::AcknowledgeType;
use crate::protocol::share::{
    FINAL_SHARE_SESSION_EPOCH, INITIAL_SHARE_SESSION_EPOCH, LEAVE_GROUP_MEMBER_EPOCH,
    next_share_session_epoch,
};

/// How the records a poll returns are acknowledged (Java's
/// `share.acknowledgement.mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AcknowledgementMode {
    /// The next poll, commit or close accepts them.
    #[default]
    Implicit,
    /// The application acknowledges each one with
    /// [`ShareConsumer::acknowledge`].
    Explicit,
}

/// A record a share consumer acquired.
#[derive(Debug, Clone)]
pub struct ShareRecord {
    /// The record.
    pub record: ConsumerRecord,
    /// How many times it has been delivered, this time included (1 the
    /// first time); the group archives it once this reaches
    /// `group.share.delivery.count.limit`.
    pub delivery_count: i16,
}

/// The broker's answer to the acknowledgements of one partition.
#[derive(Debug, Clone)]
pub struct AcknowledgementCommit {
    /// The topic.
    pub topic: Arc<str>,
    /// The partition.
    pub partition: i32,
    /// The acknowledged offsets with their types, ascending. Offsets the
    /// consumer acknowledged as gaps (acquired, but holding no record the
    /// application sees) are not listed.
    pub offsets: Vec<(i64, AcknowledgeType)>,
    /// Whether the broker applied them. `INVALID_RECORD_STATE` means a
    /// lock ran out first: the records went back to the group.
    pub result: Result<()>,
}

/// The acknowledgement-commit callback (Java's
/// `AcknowledgementCommitCallback`): one call per partition per answer.
/// `Sync` so that a [`ShareConsumer`]'s futures are `Send`: a consumer can
/// run in a spawned task.
pub type AcknowledgementCommitCallback = Box<dyn FnMut(&AcknowledgementCommit) + Send + Sync>;

/// Settings of a [`ShareConsumer`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ShareConsumerConfig {
    /// The cluster and its connections.
    pub client: ClientConfig,
    /// The share group (`group.id`).
    pub group_id: String,
    /// Implicit (default) or explicit (`share.acknowledgement.mode`).
    pub acknowledgement_mode: AcknowledgementMode,
    /// The most records one ShareFetch acquires (`max.poll.records`,
    /// default 500).
    pub max_poll_records: usize,
    /// How long a broker holds a ShareFetch for data (`fetch.max.wait.ms`,
    /// default 500).
    pub fetch_max_wait_ms: u64,
    /// The least data a ShareFetch waits for (`fetch.min.bytes`, default 1).
    pub fetch_min_bytes: usize,
    /// The most data one ShareFetch returns (`fetch.max.bytes`, default
    /// 52428800).
    pub fetch_max_bytes: usize,
    /// The most data per partition (`max.partition.fetch.bytes`, default
    /// 1048576).
    pub max_partition_fetch_bytes: usize,
    /// Whether batch CRCs are checked (`check.crcs`, default true).
    pub check_crcs: bool,
    /// Between retries of a failed heartbeat or fetch (`retry.backoff.ms`).
    pub retry_backoff: Backoff,
}

impl ShareConsumerConfig {
    /// A member of share group `group_id` on the cluster at
    /// `bootstrap_servers`, with Java's defaults otherwise.
    pub fn new<S: Into<String>>(
        bootstrap_servers: impl IntoIterator<Item = S>,
        group_id: impl Into<String>,
    ) -> Self {
        Self {
            client: ClientConfig::new(bootstrap_servers),
            group_id: group_id.into(),
            acknowledgement_mode: AcknowledgementMode::Implicit,
            max_poll_records: 500,
            fetch_max_wait_ms: 500,
            fetch_min_bytes: 1,
            fetch_max_bytes: 52_428_800,
            max_partition_fetch_bytes: 1_048_576,
            check_crcs: true,
            retry_backoff: Backoff {
                initial_ms: 100,
                max_ms: 1_000,
                jitter: 0.2,
            },
        }
    }

    /// Sets the acknowledgement mode.
    pub fn acknowledgement_mode(mut self, mode: AcknowledgementMode) -> Self {
        self.acknowledgement_mode = mode;
        self
    }

    /// Sets `max.poll.records`.
    pub fn max_poll_records(mut self, max_poll_records: usize) -> Self {
        self.max_poll_records = max_poll_records;
        self
    }

    /// Sets `fetch.max.wait.ms`.
    pub fn fetch_max_wait_ms(mut self, fetch_max_wait_ms: u64) -> Self {
        self.fetch_max_wait_ms = fetch_max_wait_ms;
        self
    }

    /// Sets `client.id`.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client.connection = self.client.connection.client_id(client_id.into());
        self
    }
}

/// A partition by topic id, as the share protocol names it.
type IdPartition = (Uuid, i32);

/// A share session with one broker.
#[derive(Debug)]
struct Session {
    /// The epoch the next request carries: 0 opens a session.
    epoch: i32,
    /// The partitions the session holds, so the ones that left the
    /// assignment are named as forgotten.
    partitions: BTreeSet<IdPartition>,
}

impl Session {
    fn advance(&mut self) {
        self.epoch = next_share_session_epoch(self.epoch);
    }
}

/// A record handed to the application, waiting for its acknowledgement.
#[derive(Debug, Clone, Copy)]
struct Delivered {
    broker: i32,
    /// What the application said since the last settle: an outcome, or
    /// RENEW (sent, then cleared: the record stays held).
    ack: Option<AcknowledgeType>,
    /// Renewed at least once: the application is still working on it, so
    /// it does not hold up a poll in explicit mode.
    renewed: bool,
}

/// Offsets → wire type of one partition, waiting to be sent to a broker.
type PendingAcks = BTreeMap<i32, BTreeMap<IdPartition, Acks>>;

/// One partition's acknowledgements, by offset.
type Acks = BTreeMap<i64, AcknowledgeType>;

/// A member of a share group. See the [module](self) documentation.
///
/// ```no_run
/// use kctl_client::consumer::share::{ShareConsumer, ShareConsumerConfig};
/// # async fn demo() -> kctl_client::Result<()> {
/// let config = ShareConsumerConfig::new(["localhost:9092"], "workers");
/// let mut consumer = ShareConsumer::connect(config).await?;
/// consumer.subscribe(["jobs"]).await?;
/// loop {
///     for r in consumer.poll(std::time::Duration::from_secs(1)).await? {
///         println!("{} (delivery {})", r.record.offset, r.delivery_count);
///     }
///     // The next poll accepts them (implicit acknowledgement).
/// }
/// # }
/// ```
pub struct ShareConsumer {
    client: Client,
    config: ShareConsumerConfig,
    shared: Arc<Shared>,
    heartbeat: Option<JoinHandle<()>>,
    topics: Vec<String>,
    names: HashMap<Uuid, Arc<str>>,
    ids: HashMap<Arc<str>, Uuid>,
    sessions: HashMap<i32, Session>,
    delivered: BTreeMap<IdPartition, BTreeMap<i64, Delivered>>,
    pending: PendingAcks,
    /// The lock duration the brokers last reported (ShareFetch, and
    /// ShareAcknowledge v2).
    acquisition_lock_timeout_ms: Option<i32>,
    callback: Option<AcknowledgementCommitCallback>,
    async_results: (
        mpsc::UnboundedSender<AcknowledgementCommit>,
        mpsc::UnboundedReceiver<AcknowledgementCommit>,
    ),
}

impl std::fmt::Debug for ShareConsumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShareConsumer")
            .field("group_id", &self.config.group_id)
            .field("topics", &self.topics)
            .finish_non_exhaustive()
    }
}

impl ShareConsumer {
    /// Connects to the cluster. Nothing is joined until
    /// [`subscribe`](Self::subscribe).
    pub async fn connect(config: ShareConsumerConfig) -> Result<Self> {
        if config.group_id.is_empty() {
            return Err(Error::Config("a share consumer needs a group.id".into()));
        }
        if config.max_poll_records == 0 {
            return Err(Error::Config("max.poll.records must be at least 1".into()));
        }
        let client = Client::connect(config.client.clone()).await?;
        Ok(Self {
            client,
            config,
            shared: Arc::new(Shared {
                state: Mutex::new(Membership::new()),
                wake: Notify::new(),
                assigned: Notify::new(),
            }),
            heartbeat: None,
            topics: Vec::new(),
            names: HashMap::new(),
            ids: HashMap::new(),
            sessions: HashMap::new(),
            delivered: BTreeMap::new(),
            pending: BTreeMap::new(),
            acquisition_lock_timeout_ms: None,
            callback: None,
            async_results: mpsc::unbounded_channel(),
        })
    }

    /// Joins the share group for these topics (share groups subscribe by
    /// name only). Replaces an earlier subscription.
    pub async fn subscribe<S: AsRef<str>>(
        &mut self,
        topics: impl IntoIterator<Item = S>,
    ) -> Result<()> {
        let mut topics: Vec<String> = topics.into_iter().map(|t| t.as_ref().to_owned()).collect();
        topics.sort();
        topics.dedup();
        if topics.is_empty() {
            return Err(Error::Config("subscribe to at least one topic".into()));
        }
        for topic in &topics {
            self.learn_topic(topic).await?;
        }
        self.stop_heartbeat();
        crate::sync::lock(&self.shared.state).closed = false;
        self.topics = topics.clone();
        self.heartbeat = Some(tokio::spawn(membership::run(
            self.client.clone(),
            self.config.group_id.clone(),
            topics,
            Arc::clone(&self.shared),
            self.config.retry_backoff,
        )));
        Ok(())
    }

    /// The member id this consumer joins with.
    pub fn member_id(&self) -> String {
        crate::sync::lock(&self.shared.state).member_id.clone()
    }

    /// The partitions the coordinator assigned, as topic name and partition.
    pub fn assignment(&self) -> Vec<super::TopicPartition> {
        let state = crate::sync::lock(&self.shared.state);
        let mut out = Vec::new();
        for (id, partitions) in &state.assignment {
            if let Some(name) = self.names.get(id) {
                out.extend(
                    partitions
                        .iter()
                        .map(|&p| super::TopicPartition::new(name.as_ref(), p)),
                );
            }
        }
        out
    }

    /// Sets the callback that hears the broker's answer to every
    /// acknowledgement (Java's `setAcknowledgementCommitCallback`).
    pub fn set_acknowledgement_commit_callback(&mut self, callback: AcknowledgementCommitCallback) {
        self.callback = Some(callback);
    }

    /// How long the brokers lock an acquired record
    /// (`group.share.record.lock.duration.ms`), as their last ShareFetch or
    /// ShareAcknowledge answer said; `None` before any answer. Renew well
    /// within it (Java's `acquisitionLockTimeoutMs`).
    pub fn acquisition_lock_timeout_ms(&self) -> Option<i32> {
        self.acquisition_lock_timeout_ms
    }

    /// Acknowledges a record the last poll returned, or one renewed and
    /// not yet settled (explicit mode only). Sent with the next poll,
    /// `commit_sync`, `commit_async` or `close` (which drops renewals: it
    /// gives every held record back anyway).
    pub fn acknowledge(&mut self, record: &ShareRecord, ack: AcknowledgeType) -> Result<()> {
        if self.config.acknowledgement_mode == AcknowledgementMode::Implicit {
            return Err(Error::ShareAcknowledgement(
                "acknowledge needs share.acknowledgement.mode=explicit".into(),
            ));
        }
        let r = &record.record;
        let delivered = self
            .ids
            .get(&r.topic)
            .and_then(|id| self.delivered.get_mut(&(*id, r.partition)))
            .and_then(|offsets| offsets.get_mut(&r.offset))
            .ok_or_else(|| {
                Error::ShareAcknowledgement(format!(
                    "{}-{} offset {} is not a record of the last poll nor a renewed one",
                    r.topic, r.partition, r.offset
                ))
            })?;
        if ack == AcknowledgeType::Gap {
            return Err(Error::ShareAcknowledgement(
                "GAP is the consumer's own, for offsets without a record".into(),
            ));
        }
        // A renewal not sent yet gives way to an outcome (or another
        // renewal); an outcome is final.
        if delivered.ack.is_some_and(|a| a != AcknowledgeType::Renew) {
            return Err(Error::ShareAcknowledgement(format!(
                "{}-{} offset {} is already acknowledged",
                r.topic, r.partition, r.offset
            )));
        }
        delivered.ack = Some(ack);
        Ok(())
    }

    /// Sends the acknowledgements made so far (in implicit mode: accepts
    /// every record of the last poll) and waits for the brokers' answers,
    /// which it returns and gives the callback.
    pub async fn commit_sync(&mut self) -> Result<Vec<AcknowledgementCommit>> {
        self.drain_async_results();
        self.settle(false)?;
        let mut answers = Vec::new();
        for (broker, acks) in std::mem::take(&mut self.pending) {
            answers.extend(self.acknowledge_on(broker, acks, false).await);
        }
        for answer in &answers {
            self.notify(answer);
        }
        Ok(answers)
    }

    /// Like [`commit_sync`](Self::commit_sync) without waiting: the answers
    /// go to the callback from a later `poll`, commit or `close`.
    pub async fn commit_async(&mut self) -> Result<()> {
        self.drain_async_results();
        self.settle(false)?;
        for (broker, mut acks) in std::mem::take(&mut self.pending) {
            if !self.has_session(broker) {
                self.fail_acks(&acks, session_closed(broker));
                continue;
            }
            let conn = match self.connection(broker).await {
                Ok(conn) => conn,
                Err(e) => {
                    self.reset_session(broker);
                    self.fail_acks(&acks, e);
                    continue;
                }
            };
            let version = conn.version_for::<ShareAcknowledgeRequest>(None)?;
            if let Some(refused) = refuse_renewals(&mut acks, broker, version) {
                self.fail_acks(&refused, renew_unsupported(broker, version));
                if acks.is_empty() {
                    continue;
                }
            }
            let Some(request) = self.ack_request(broker, &acks, false) else {
                self.fail_acks(&acks, session_closed(broker));
                continue;
            };
            // Submitted (written) here, in order with the fetches that
            // follow on the same connection, so the session epochs arrive
            // in sequence; only the answer is awaited elsewhere.
            let pending = match conn.submit(&request, version).await {
                Ok(pending) => pending,
                Err(e) => {
                    self.reset_session(broker);
                    self.fail_acks(&acks, e.into());
                    continue;
                }
            };
            let names = self.names.clone();
            let results = self.async_results.0.clone();
            tokio::spawn(async move {
                let answers = match pending.response().await {
                    Ok(response) => ack_answers(&names, &acks, &response),
                    Err(e) => failed_answers(&names, &acks, &e.into()),
                };
                for answer in answers {
                    let _ = results.send(answer);
                }
            });
        }
        Ok(())
    }

    /// Fetches records: waits up to `timeout` for some, and returns what
    /// the brokers acquired for this member (possibly nothing). First
    /// settles the last poll's records (implicit mode accepts them; in
    /// explicit mode each must have been acknowledged or renewed).
    pub async fn poll(&mut self, timeout: Duration) -> Result<Vec<ShareRecord>> {
        let deadline = Instant::now() + timeout;
        self.drain_async_results();
        self.check_fatal()?;
        self.settle(true)?;
        loop {
            let assignment = self.current_assignment().await?;
            let records = self.fetch_round(&assignment, deadline).await?;
            if !records.is_empty() || Instant::now() >= deadline {
                return Ok(records);
            }
            if assignment.is_empty() {
                let wait = deadline.saturating_duration_since(Instant::now());
                let _ = tokio::time::timeout(
                    wait.min(Duration::from_millis(100)),
                    self.shared.assigned.notified(),
                )
                .await;
            }
            self.check_fatal()?;
        }
    }

    /// Leaves the group: accepts the last poll's records in implicit mode,
    /// sends every acknowledgement still held while closing each share
    /// session, then leaves (member epoch −1). Records acquired and not
    /// acknowledged go back to the group at once.
    pub async fn close(mut self) -> Result<()> {
        self.drain_async_results();
        let settled = self.settle(false);
        let brokers: BTreeSet<i32> = self
            .sessions
            .iter()
            .filter(|(_, s)| s.epoch > 0)
            .map(|(b, _)| *b)
            .chain(self.pending.keys().copied())
            .collect();
        let mut answers = Vec::new();
        for broker in brokers {
            let acks = self.pending.remove(&broker).unwrap_or_default();
            answers.extend(self.acknowledge_on(broker, acks, true).await);
        }
        for answer in &answers {
            self.notify(answer);
        }
        self.stop_heartbeat();
        let (member_id, joined) = {
            let state = crate::sync::lock(&self.shared.state);
            (state.member_id.clone(), state.epoch > 0)
        };
        if joined {
            membership::send(
                &self.client,
                &self.config.group_id,
                &member_id,
                LEAVE_GROUP_MEMBER_EPOCH,
                None,
            )
            .await?;
        }
        tokio::time::sleep(Duration::ZERO).await;
        self.drain_async_results();
        settled
    }

    fn stop_heartbeat(&mut self) {
        if let Some(task) = self.heartbeat.take() {
            crate::sync::lock(&self.shared.state).closed = true;
            self.shared.wake.notify_waiters();
            task.abort();
        }
    }

    fn check_fatal(&self) -> Result<()> {
        match &crate::sync::lock(&self.shared.state).fatal {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    fn notify(&mut self, answer: &AcknowledgementCommit) {
        if let Some(callback) = self.callback.as_mut() {
            callback(answer);
        }
    }

    fn drain_async_results(&mut self) {
        while let Ok(answer) = self.async_results.1.try_recv() {
            self.notify(&answer);
        }
    }

    /// Moves the acknowledged records of the last poll to the pending
    /// acknowledgements. Implicit mode accepts the rest; explicit mode
    /// keeps them, or with `require_all` (a poll) refuses to go on.
    fn settle(&mut self, require_all: bool) -> Result<()> {
        let implicit = self.config.acknowledgement_mode == AcknowledgementMode::Implicit;
        let unacknowledged = || {
            self.delivered.iter().find_map(|(tp, offsets)| {
                offsets
                    .iter()
                    .find(|(_, d)| d.ack.is_none() && !d.renewed)
                    .map(|(o, _)| (*tp, *o))
            })
        };
        if !implicit
            && require_all
            && let Some(((id, partition), offset)) = unacknowledged()
        {
            let topic = self.names.get(&id).map_or("?", |n| n.as_ref());
            return Err(Error::ShareAcknowledgement(format!(
                "explicit acknowledgement: {topic}-{partition} offset {offset} of the last poll is not acknowledged"
            )));
        }
        for (tp, offsets) in &mut self.delivered {
            offsets.retain(|&offset, d| {
                let ack = match d.ack {
                    Some(ack) => ack,
                    None if implicit => AcknowledgeType::Accept,
                    None => return true,
                };
                self.pending
                    .entry(d.broker)
                    .or_default()
                    .entry(*tp)
                    .or_default()
                    .insert(offset, ack);
                if ack == AcknowledgeType::Renew {
                    // Still held: it needs an outcome later.
                    d.ack = None;
                    d.renewed = true;
                    return true;
                }
                false
            });
        }
        self.delivered.retain(|_, offsets| !offsets.is_empty());
        Ok(())
    }

    async fn learn_topic(&mut self, topic: &str) -> Result<()> {
        let metadata = self.client.topic_metadata(topic).await?;
        if let Some(code) = metadata.error {
            return Err(Error::kafka(
                code,
                ErrorContext::topic(ApiKey::Metadata, topic),
            ));
        }
        let name: Arc<str> = Arc::from(topic);
        self.names.insert(metadata.topic_id, Arc::clone(&name));
        self.ids.insert(name, metadata.topic_id);
        Ok(())
    }

    /// The assignment with topic names, learning the names of topic ids
    /// not seen yet (a topic recreated under the same name has a new id).
    async fn current_assignment(&mut self) -> Result<Vec<(IdPartition, Arc<str>)>> {
        let assignment = crate::sync::lock(&self.shared.state).assignment.clone();
        if assignment.keys().any(|id| !self.names.contains_key(id)) {
            self.client.refresh_metadata().await?;
            for topic in self.topics.clone() {
                self.learn_topic(&topic).await?;
            }
        }
        Ok(assignment
            .into_iter()
            .filter_map(|(id, partitions)| {
                let name = self.names.get(&id)?.clone();
                Some(partitions.into_iter().map(move |p| ((id, p), name.clone())))
            })
            .flatten()
            .collect())
    }

    async fn connection(&self, broker: i32) -> Result<Arc<Connection>> {
        if self.client.broker(broker).is_none() {
            self.client.refresh_metadata().await?;
        }
        let handle = self.client.broker(broker).ok_or_else(|| {
            Error::kafka(
                ErrorCode::LeaderNotAvailable,
                ErrorContext::api(ApiKey::ShareFetch)
                    .with_message(Some(format!("broker {broker} is not in the metadata"))),
            )
        })?;
        Ok(handle.get().await?)
    }

    fn reset_session(&mut self, broker: i32) {
        self.sessions.remove(&broker);
    }

    /// Tells the callback that acknowledgements could not be sent.
    fn fail_acks(&mut self, acks: &BTreeMap<IdPartition, Acks>, error: Error) {
        for answer in failed_answers(&self.names, acks, &error) {
            self.notify(&answer);
        }
    }

    /// A ShareAcknowledge for `acks` in the broker's session, advancing
    /// its epoch, or `None` without an open session (acknowledgements
    /// belong to the session their records were acquired in; a new
    /// session's epoch 0 cannot carry any). `close` sends epoch −1.
    fn ack_request(
        &mut self,
        broker: i32,
        acks: &BTreeMap<IdPartition, Acks>,
        close: bool,
    ) -> Option<ShareAcknowledgeRequest> {
        let session = self.sessions.get_mut(&broker).filter(|s| s.epoch > 0)?;
        let epoch = if close {
            FINAL_SHARE_SESSION_EPOCH
        } else {
            session.epoch
        };
        if close {
            self.sessions.remove(&broker);
        } else {
            session.advance();
        }
        let mut topics: BTreeMap<Uuid, Vec<AcknowledgePartition>> = BTreeMap::new();
        for ((id, partition), offsets) in acks {
            topics.entry(*id).or_default().push(
                AcknowledgePartition::default()
                    .with_partition_index(*partition)
                    .with_acknowledgement_batches(
                        acks::to_batches(offsets)
                            .into_iter()
                            .map(|b| {
                                AckRequestBatch::default()
                                    .with_first_offset(b.first_offset)
                                    .with_last_offset(b.last_offset)
                                    .with_acknowledge_types(b.wire_types())
                            })
                            .collect(),
                    ),
            );
        }
        Some(
            ShareAcknowledgeRequest::default()
                .with_group_id(Some(group_id(&self.config.group_id)))
                .with_member_id(Some(StrBytes::from_string(self.member_id())))
                .with_share_session_epoch(epoch)
                .with_is_renew_ack(has_renewal(acks))
                .with_topics(
                    topics
                        .into_iter()
                        .map(|(id, partitions)| {
                            AcknowledgeTopic::default()
                                .with_topic_id(id)
                                .with_partitions(partitions)
                        })
                        .collect(),
                ),
        )
    }

    /// Whether the consumer has an open share session with `broker` (one
    /// that acknowledgements can ride on).
    fn has_session(&self, broker: i32) -> bool {
        self.sessions.get(&broker).is_some_and(|s| s.epoch > 0)
    }

    /// Sends `acks` to `broker` with ShareAcknowledge and returns the
    /// answers (failures included). Renewals go only to a broker that
    /// speaks v2; closing drops them (the close gives the records back).
    async fn acknowledge_on(
        &mut self,
        broker: i32,
        mut acks: BTreeMap<IdPartition, Acks>,
        close: bool,
    ) -> Vec<AcknowledgementCommit> {
        if close {
            take_renewals(&mut acks);
        }
        if !self.has_session(broker) {
            return failed_answers(&self.names, &acks, &session_closed(broker));
        }
        let sent = async {
            let conn = self.connection(broker).await?;
            let version = conn.version_for::<ShareAcknowledgeRequest>(None)?;
            Ok::<_, Error>((conn, version))
        }
        .await;
        let (conn, version) = match sent {
            Ok(sent) => sent,
            Err(e) => {
                self.reset_session(broker);
                return failed_answers(&self.names, &acks, &e);
            }
        };
        let mut answers = Vec::new();
        if let Some(refused) = refuse_renewals(&mut acks, broker, version) {
            answers = failed_answers(&self.names, &refused, &renew_unsupported(broker, version));
            if acks.is_empty() && !close {
                return answers;
            }
        }
        let Some(request) = self.ack_request(broker, &acks, close) else {
            answers.extend(failed_answers(&self.names, &acks, &session_closed(broker)));
            return answers;
        };
        match conn.request_at(&request, version).await {
            Ok(response) => {
                if response.acquisition_lock_timeout_ms > 0 {
                    self.acquisition_lock_timeout_ms = Some(response.acquisition_lock_timeout_ms);
                }
                if let Some(code) = ErrorCode::try_from_code(response.error_code) {
                    self.reset_session(broker);
                    let error = Error::kafka(
                        code,
                        ErrorContext::api(ApiKey::ShareAcknowledge)
                            .with_message(response.error_message.map(|m| m.to_string())),
                    );
                    answers.extend(failed_answers(&self.names, &acks, &error));
                } else {
                    answers.extend(ack_answers(&self.names, &acks, &response));
                }
            }
            Err(e) => {
                self.reset_session(broker);
                answers.extend(failed_answers(&self.names, &acks, &e.into()));
            }
        }
        answers
    }

    /// One ShareFetch per leader of the assigned partitions, at once.
    async fn fetch_round(
        &mut self,
        assignment: &[(IdPartition, Arc<str>)],
        deadline: Instant,
    ) -> Result<Vec<ShareRecord>> {
        let metadata = self.client.metadata();
        let mut by_broker: BTreeMap<i32, Vec<(IdPartition, Arc<str>)>> = BTreeMap::new();
        for (tp, name) in assignment {
            match metadata.leader_for(name, tp.1) {
                Some(leader) => by_broker
                    .entry(leader.id)
                    .or_default()
                    .push((*tp, name.clone())),
                None => self.client.request_metadata_refresh(),
            }
        }
        // Acknowledgements for partitions not fetched from their broker
        // now (reassigned, or the leader moved) go alone, first. So do all
        // of a broker's acknowledgements when some renew a lock: Kafka
        // refuses a ShareFetch that renews and fetches at once (KIP-1222).
        let brokers_with_acks: Vec<i32> = self.pending.keys().copied().collect();
        for broker in brokers_with_acks {
            let fetched: BTreeSet<IdPartition> = by_broker
                .get(&broker)
                .map(|ps| ps.iter().map(|(tp, _)| *tp).collect())
                .unwrap_or_default();
            let Some(acks) = self.pending.get_mut(&broker) else {
                continue;
            };
            let renewing = has_renewal(acks);
            let moved: Vec<IdPartition> = acks
                .keys()
                .filter(|tp| renewing || !fetched.contains(*tp))
                .copied()
                .collect();
            let alone: BTreeMap<IdPartition, Acks> = moved
                .into_iter()
                .filter_map(|tp| acks.remove(&tp).map(|a| (tp, a)))
                .collect();
            if acks.is_empty() {
                self.pending.remove(&broker);
            }
            if !alone.is_empty() {
                for answer in self.acknowledge_on(broker, alone, false).await {
                    self.notify(&answer);
                }
            }
        }
        if by_broker.is_empty() {
            return Ok(Vec::new());
        }
        let max_wait_ms = deadline
            .saturating_duration_since(Instant::now())
            .as_millis()
            .min(u128::from(self.config.fetch_max_wait_ms)) as i32;
        let mut sends = Vec::new();
        for (broker, partitions) in &by_broker {
            let acks = self.pending.remove(broker).unwrap_or_default();
            let (request, sent_acks) = self.fetch_request(*broker, partitions, acks, max_wait_ms);
            sends.push((*broker, request, sent_acks));
        }
        let this = &*self;
        let answers = futures::future::join_all(sends.into_iter().map(
            |(broker, request, acks)| async move {
                let result = async {
                    let conn = this.connection(broker).await?;
                    Ok::<_, Error>(conn.request(&request).await?)
                }
                .await;
                (broker, acks, result)
            },
        ))
        .await;
        let mut records = Vec::new();
        for (broker, acks, result) in answers {
            records.extend(self.handle_fetch(broker, acks, result)?);
        }
        Ok(records)
    }

    /// A ShareFetch for `partitions` carrying `acks`, in the broker's
    /// session (opened here if there is none). Acknowledgements cannot
    /// ride on the request that opens a session; those are reported failed
    /// (their records' locks were released with the old session anyway).
    fn fetch_request(
        &mut self,
        broker: i32,
        partitions: &[(IdPartition, Arc<str>)],
        mut acks: BTreeMap<IdPartition, Acks>,
        max_wait_ms: i32,
    ) -> (ShareFetchRequest, BTreeMap<IdPartition, Acks>) {
        let session = self.sessions.entry(broker).or_insert(Session {
            epoch: INITIAL_SHARE_SESSION_EPOCH,
            partitions: BTreeSet::new(),
        });
        if session.epoch == INITIAL_SHARE_SESSION_EPOCH && !acks.is_empty() {
            let lost = std::mem::take(&mut acks);
            for answer in failed_answers(&self.names, &lost, &session_closed(broker)) {
                if let Some(callback) = self.callback.as_mut() {
                    callback(&answer);
                }
            }
        }
        let wanted: BTreeSet<IdPartition> = partitions.iter().map(|(tp, _)| *tp).collect();
        let forgotten: BTreeMap<Uuid, Vec<i32>> =
            session
                .partitions
                .difference(&wanted)
                .fold(BTreeMap::new(), |mut m, (id, p)| {
                    m.entry(*id).or_insert_with(Vec::new).push(*p);
                    m
                });
        let mut topics: BTreeMap<Uuid, Vec<FetchPartition>> = BTreeMap::new();
        for tp in &wanted {
            let batches = acks
                .get(tp)
                .map(|offsets| {
                    acks::to_batches(offsets)
                        .into_iter()
                        .map(|b| {
                            AcknowledgementBatch::default()
                                .with_first_offset(b.first_offset)
                                .with_last_offset(b.last_offset)
                                .with_acknowledge_types(b.wire_types())
                        })
                        .collect()
                })
                .unwrap_or_default();
            topics.entry(tp.0).or_default().push(
                FetchPartition::default()
                    .with_partition_index(tp.1)
                    .with_partition_max_bytes(clamp_i32(self.config.max_partition_fetch_bytes))
                    .with_acknowledgement_batches(batches),
            );
        }
        let request = ShareFetchRequest::default()
            .with_group_id(Some(group_id(&self.config.group_id)))
            .with_member_id(Some(StrBytes::from_string(
                crate::sync::lock(&self.shared.state).member_id.clone(),
            )))
            .with_share_session_epoch(session.epoch)
            .with_max_wait_ms(max_wait_ms)
            .with_min_bytes(clamp_i32(self.config.fetch_min_bytes))
            .with_max_bytes(clamp_i32(self.config.fetch_max_bytes))
            .with_max_records(clamp_i32(self.config.max_poll_records))
            .with_batch_size(clamp_i32(self.config.max_poll_records))
            .with_topics(
                topics
                    .into_iter()
                    .map(|(id, partitions)| {
                        FetchTopic::default()
                            .with_topic_id(id)
                            .with_partitions(partitions)
                    })
                    .collect(),
            )
            .with_forgotten_topics_data(
                forgotten
                    .into_iter()
                    .map(|(id, partitions)| {
                        ForgottenTopic::default()
                            .with_topic_id(id)
                            .with_partitions(partitions)
                    })
                    .collect(),
            );
        session.partitions = wanted;
        session.advance();
        (request, acks)
    }

    fn handle_fetch(
        &mut self,
        broker: i32,
        acks: BTreeMap<IdPartition, Acks>,
        result: Result<kafka_protocol::messages::ShareFetchResponse>,
    ) -> Result<Vec<ShareRecord>> {
        let response = match result {
            Ok(response) => response,
            Err(e) => {
                tracing::debug!(broker, error = %e, "ShareFetch failed");
                self.reset_session(broker);
                if e.invalidates_metadata() {
                    self.client.request_metadata_refresh();
                }
                self.fail_acks(&acks, e.clone());
                if e.is_retriable() {
                    return Ok(Vec::new());
                }
                return Err(e);
            }
        };
        if let Some(code) = ErrorCode::try_from_code(response.error_code) {
            let error = Error::kafka(
                code,
                ErrorContext::api(ApiKey::ShareFetch)
                    .with_message(response.error_message.map(|m| m.to_string())),
            );
            self.reset_session(broker);
            self.fail_acks(&acks, error.clone());
            // A lost or out-of-step session is reopened by the next fetch.
            return match code {
                ErrorCode::ShareSessionNotFound | ErrorCode::InvalidShareSessionEpoch => {
                    Ok(Vec::new())
                }
                _ if code.is_retriable() => Ok(Vec::new()),
                _ => Err(error),
            };
        }
        if response.acquisition_lock_timeout_ms > 0 {
            self.acquisition_lock_timeout_ms = Some(response.acquisition_lock_timeout_ms);
        }
        let mut records = Vec::new();
        let mut answers = Vec::new();
        for topic in response.responses {
            let Some(name) = self.names.get(&topic.topic_id).cloned() else {
                continue;
            };
            for p in topic.partitions {
                let tp = (topic.topic_id, p.partition_index);
                if let Some(sent) = acks.get(&tp) {
                    let result = match ErrorCode::try_from_code(p.acknowledge_error_code) {
                        None => Ok(()),
                        Some(code) => Err(Error::kafka(
                            code,
                            ErrorContext::partition(ApiKey::ShareFetch, &name, p.partition_index)
                                .with_message(p.acknowledge_error_message.map(|m| m.to_string())),
                        )),
                    };
                    answers.push(answer(&name, p.partition_index, sent, result));
                }
                if let Some(code) = ErrorCode::try_from_code(p.error_code) {
                    tracing::debug!(broker, topic = %name, partition = p.partition_index, %code, "ShareFetch partition error");
                    if code.is_retriable() {
                        self.client.request_metadata_refresh();
                        continue;
                    }
                    return Err(Error::kafka(
                        code,
                        ErrorContext::partition(ApiKey::ShareFetch, &name, p.partition_index)
                            .with_message(p.error_message.map(|m| m.to_string())),
                    ));
                }
                let partition = super::TopicPartition {
                    topic: name.clone(),
                    partition: p.partition_index,
                };
                let (got, gaps) = acks::acquired(
                    &partition,
                    p.records,
                    &p.acquired_records,
                    self.config.check_crcs,
                )?;
                if !gaps.is_empty() {
                    let pending = self
                        .pending
                        .entry(broker)
                        .or_default()
                        .entry(tp)
                        .or_default();
                    pending.extend(gaps.into_iter().map(|o| (o, AcknowledgeType::Gap)));
                }
                let delivered = self.delivered.entry(tp).or_default();
                for r in &got {
                    delivered.insert(
                        r.record.offset,
                        Delivered {
                            broker,
                            ack: None,
                            renewed: false,
                        },
                    );
                }
                records.extend(got);
            }
        }
        for answer in &answers {
            self.notify(answer);
        }
        Ok(records)
    }
}

impl Drop for ShareConsumer {
    fn drop(&mut self) {
        self.stop_heartbeat();
    }
}

fn clamp_i32(v: usize) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

/// The first ShareAcknowledge version that carries RENEW (KIP-1222).
const RENEW_SHARE_ACKNOWLEDGE_VERSION: i16 = 2;

fn has_renewal(acks: &BTreeMap<IdPartition, Acks>) -> bool {
    acks.values()
        .any(|offsets| offsets.values().any(|k| *k == AcknowledgeType::Renew))
}

/// Takes the RENEW acknowledgements out of `acks` (partitions left with
/// none are dropped) and returns them.
fn take_renewals(acks: &mut BTreeMap<IdPartition, Acks>) -> BTreeMap<IdPartition, Acks> {
    let mut renewals = BTreeMap::new();
    for (tp, offsets) in acks.iter_mut() {
        let renew: Acks = offsets
            .iter()
            .filter(|(_, kind)| **kind == AcknowledgeType::Renew)
            .map(|(o, kind)| (*o, *kind))
            .collect();
        if !renew.is_empty() {
            offsets.retain(|_, kind| *kind != AcknowledgeType::Renew);
            renewals.insert(*tp, renew);
        }
    }
    acks.retain(|_, offsets| !offsets.is_empty());
    renewals
}

/// The renewals a broker speaking ShareAcknowledge `version` cannot take,
/// taken out of `acks`; `None` when it takes them all.
fn refuse_renewals(
    acks: &mut BTreeMap<IdPartition, Acks>,
    broker: i32,
    version: i16,
) -> Option<BTreeMap<IdPartition, Acks>> {
    if version >= RENEW_SHARE_ACKNOWLEDGE_VERSION || !has_renewal(acks) {
        return None;
    }
    tracing::debug!(
        broker,
        version,
        "the broker cannot renew locks (ShareAcknowledge v2, Kafka 4.2+)"
    );
    Some(take_renewals(acks))
}

fn renew_unsupported(broker: i32, negotiated_version: i16) -> Error {
    Error::UnsupportedVersion {
        feature: "RENEW (KIP-1222)",
        api_key: ApiKey::ShareAcknowledge,
        needed_version: RENEW_SHARE_ACKNOWLEDGE_VERSION,
        broker,
        negotiated_version,
    }
}

fn session_closed(broker: i32) -> Error {
    Error::kafka(
        ErrorCode::ShareSessionNotFound,
        ErrorContext::api(ApiKey::ShareAcknowledge).with_message(Some(format!(
            "no share session with broker {broker}: the records' locks went with the old one"
        ))),
    )
}

fn answer(
    name: &Arc<str>,
    partition: i32,
    offsets: &Acks,
    result: Result<()>,
) -> AcknowledgementCommit {
    AcknowledgementCommit {
        topic: name.clone(),
        partition,
        offsets: offsets
            .iter()
            .filter(|(_, kind)| **kind != AcknowledgeType::Gap)
            .map(|(o, kind)| (*o, *kind))
            .collect(),
        result,
    }
}

fn failed_answers(
    names: &HashMap<Uuid, Arc<str>>,
    acks: &BTreeMap<IdPartition, Acks>,
    error: &Error,
) -> Vec<AcknowledgementCommit> {
    acks.iter()
        .filter_map(|((id, partition), offsets)| {
            let name = names.get(id)?;
            Some(answer(name, *partition, offsets, Err(error.clone())))
        })
        .collect()
}

fn ack_answers(
    names: &HashMap<Uuid, Arc<str>>,
    acks: &BTreeMap<IdPartition, Acks>,
    response: &kafka_protocol::messages::ShareAcknowledgeResponse,
) -> Vec<AcknowledgementCommit> {
    if let Some(code) = ErrorCode::try_from_code(response.error_code) {
        let error = Error::kafka(
            code,
            ErrorContext::api(ApiKey::ShareAcknowledge)
                .with_message(response.error_message.as_ref().map(|m| m.to_string())),
        );
        return failed_answers(names, acks, &error);
    }
    let mut codes: HashMap<IdPartition, (i16, Option<String>)> = HashMap::new();
    for topic in &response.responses {
        for p in &topic.partitions {
            codes.insert(
                (topic.topic_id, p.partition_index),
                (
                    p.error_code,
                    p.error_message.as_ref().map(|m| m.to_string()),
                ),
            );
        }
    }
    acks.iter()
        .filter_map(|(tp, offsets)| {
            let name = names.get(&tp.0)?;
            let result = match codes.get(tp) {
                Some((code, message)) => match ErrorCode::try_from_code(*code) {
                    None => Ok(()),
                    Some(code) => Err(Error::kafka(
                        code,
                        ErrorContext::partition(ApiKey::ShareAcknowledge, name, tp.1)
                            .with_message(message.clone()),
                    )),
                },
                None => Err(Error::kafka(
                    ErrorCode::UnknownServerError,
                    ErrorContext::partition(ApiKey::ShareAcknowledge, name, tp.1)
                        .with_message(Some("the broker's answer left this partition out".into())),
                )),
            };
            Some(answer(name, tp.1, offsets, result))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A broker below ShareAcknowledge v2 gets the other acknowledgements;
    /// the renewals are answered with the typed error instead.
    #[test]
    fn renewals_are_refused_below_share_acknowledge_v2() {
        use AcknowledgeType::{Accept, Renew};
        let (t, u) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let acks: BTreeMap<IdPartition, Acks> = [
            ((t, 0), [(5, Accept), (6, Renew)].into()),
            ((u, 1), [(9, Renew)].into()),
        ]
        .into();
        let mut at_v2 = acks.clone();
        assert_eq!(refuse_renewals(&mut at_v2, 3, 2), None);
        assert_eq!(at_v2, acks);
        let mut at_v1 = acks.clone();
        let refused = refuse_renewals(&mut at_v1, 3, 1).unwrap();
        assert_eq!(
            refused,
            [((t, 0), [(6, Renew)].into()), ((u, 1), [(9, Renew)].into())].into()
        );
        assert_eq!(at_v1, [((t, 0), [(5, Accept)].into())].into());
        let mut no_renewal = at_v1.clone();
        assert_eq!(refuse_renewals(&mut no_renewal, 3, 1), None);
        let error = renew_unsupported(3, 1);
        assert!(matches!(
            error,
            Error::UnsupportedVersion {
                needed_version: 2,
                negotiated_version: 1,
                ..
            }
        ));
        assert!(!error.is_retriable());
        assert_eq!(
            error.to_string(),
            "RENEW (KIP-1222) needs ShareAcknowledge v2 or later; broker 3 speaks up to v1 with this client"
        );
    }

    /// A consumer runs in a spawned task: its futures are `Send`.
    #[allow(dead_code)]
    fn share_consumer_futures_are_send(consumer: &mut ShareConsumer) {
        fn send<T: Send>(_: &T) {}
        send(&consumer.poll(Duration::ZERO));
        send(&consumer.commit_sync());
        send(&consumer.commit_async());
    }
}
