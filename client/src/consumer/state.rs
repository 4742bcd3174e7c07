//! What the consumer's tasks share: each assigned partition's position and
//! fetch state, the buffer of fetched data, and its byte accounting.
//!
//! Every partition carries an *epoch*, renewed whenever its position is set
//! from outside the fetch path (assignment, seek, reset). Fetched data and
//! offset lookups remember the epoch they were made under and are dropped
//! if it changed meanwhile, so a seek never races with a fetch in flight.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::completed::CompletedFetch;
use super::record_ref::RecordSink;
use super::{ConsumerConfig, ConsumerMetrics, OffsetAndMetadata, OffsetReset, TopicPartition};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::offsets::OffsetSpec;

/// Where a partition's position comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StartAt {
    Offset(i64),
    /// A committed offset with the leader epoch it was committed under
    /// (OffsetFetch's `committed_leader_epoch`): the position is validated
    /// against the leader before the first fetch (KIP-320).
    Committed {
        offset: i64,
        leader_epoch: Option<i32>,
    },
    Earliest,
    Latest,
    Timestamp(i64),
    /// Per `auto.offset.reset`.
    Default,
}

#[derive(Debug)]
pub(crate) enum Subscription {
    /// `assign`, or nothing at all.
    Manual,
    Topics(BTreeSet<String>),
    Pattern(regex::Regex),
}

#[derive(Debug)]
pub(crate) struct PartitionState {
    pub(crate) epoch: u64,
    /// The offset of the next record handed to the application.
    pub(crate) position: i64,
    /// The offset the next fetch asks for: ahead of `position` by what is
    /// buffered.
    pub(crate) fetch_offset: i64,
    /// Set while the position waits for a ListOffsets answer.
    pub(crate) reset: Option<OffsetSpec>,
    pub(crate) resetting: bool,
    /// Stopped by an error only a seek clears (out of range with
    /// `auto.offset.reset=none`, a corrupt batch).
    pub(crate) failed: bool,
    pub(crate) paused: bool,
    /// Being revoked (Java's `pendingRevocation`): neither fetched nor
    /// handed out any more, so the positions committed on revocation are
    /// the last the application saw.
    pub(crate) revoking: bool,
    /// The id of the fetch request that has the partition in flight.
    pub(crate) in_flight: Option<u64>,
    pub(crate) retry_at: Option<Instant>,
    pub(crate) failures: u32,
    /// The leader epoch of the record before `position` (the last one
    /// handed out, or the committed offset's), as Java's `FetchPosition`
    /// keeps `offsetEpoch`: after a leader change the new leader is asked
    /// where that epoch ends, to detect a log truncated below the position.
    pub(crate) offset_epoch: Option<i32>,
    /// The leader epoch of the last batch fetched: Fetch's
    /// `last_fetched_epoch`, so the leader reports a diverging epoch.
    pub(crate) fetched_epoch: Option<i32>,
    /// The partition leader epoch (from metadata) the position was last
    /// checked against; −1 before the first check.
    pub(crate) validated_leader_epoch: i32,
    /// The position waits for OffsetForLeaderEpoch (Java's
    /// `AWAIT_VALIDATION`); `validating` while the request is in flight.
    pub(crate) awaiting_validation: bool,
    pub(crate) validating: bool,
}

impl PartitionState {
    /// A position in no state yet; [`State::place`] gives it one.
    pub(crate) fn unplaced() -> Self {
        Self {
            epoch: 0,
            position: -1,
            fetch_offset: -1,
            reset: None,
            resetting: false,
            failed: false,
            paused: false,
            revoking: false,
            in_flight: None,
            retry_at: None,
            failures: 0,
            offset_epoch: None,
            fetched_epoch: None,
            validated_leader_epoch: -1,
            awaiting_validation: false,
            validating: false,
        }
    }

    pub(crate) fn fetchable(&self, now: Instant) -> bool {
        !self.paused
            && !self.revoking
            && !self.failed
            && self.in_flight.is_none()
            && self.reset.is_none()
            && !self.awaiting_validation
            && self.retry_at.is_none_or(|at| at <= now)
    }

    /// Notes the partition's current leader epoch from metadata. A new one
    /// puts a position that knows its own epoch into validation, as Java's
    /// `maybeValidatePositionForCurrentLeader` does; a position without an
    /// epoch (an old broker, a reset) has nothing to validate.
    pub(crate) fn observe_leader_epoch(&mut self, leader_epoch: i32) {
        if leader_epoch < 0 || leader_epoch == self.validated_leader_epoch {
            return;
        }
        if self.offset_epoch.is_some() && self.reset.is_none() && !self.failed {
            self.awaiting_validation = true;
        } else {
            self.validated_leader_epoch = leader_epoch;
        }
    }
}

/// An entry of the buffer, drained in order.
#[derive(Debug)]
pub(crate) enum Buffered {
    Data(Box<CompletedFetch>),
    Error {
        tp: TopicPartition,
        epoch: u64,
        error: Error,
    },
}

impl Buffered {
    fn tp(&self) -> &TopicPartition {
        match self {
            Self::Data(d) => &d.tp,
            Self::Error { tp, .. } => tp,
        }
    }
}

/// What [`State::lookup_failed`] asks of its caller.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct LookupFailure {
    pub(crate) stale_metadata: bool,
    pub(crate) wake_poll: bool,
}

#[derive(Debug)]
pub(crate) struct State {
    pub(crate) partitions: BTreeMap<TopicPartition, PartitionState>,
    pub(crate) subscription: Subscription,
    pub(crate) buffer: VecDeque<Buffered>,
    /// Bytes of `buffer` plus the fetch being drained.
    pub(crate) buffered_bytes: usize,
    /// `max_bytes` of the fetches in flight.
    pub(crate) reserved_bytes: usize,
    pub(crate) peak_buffered_bytes: usize,
    /// Epochs come from one counter, so a partition revoked and assigned
    /// again never reuses one.
    next_epoch: u64,
    /// The manager should refresh metadata (a leader moved, a broker went).
    pub(crate) metadata_stale: bool,
    pub(crate) closed: bool,
}

impl State {
    #[cfg(test)]
    pub(crate) fn for_tests() -> Self {
        Self {
            partitions: BTreeMap::new(),
            subscription: Subscription::Manual,
            buffer: VecDeque::new(),
            buffered_bytes: 0,
            reserved_bytes: 0,
            peak_buffered_bytes: 0,
            next_epoch: 0,
            metadata_stale: false,
            closed: false,
        }
    }

    pub(crate) fn new_epoch(&mut self) -> u64 {
        self.next_epoch += 1;
        self.next_epoch
    }

    /// A partition's offset lookup or validation failed: it backs off, and
    /// an error that retrying cannot fix is queued for `poll`. Returns
    /// whether cached metadata is stale and whether `poll` must wake.
    pub(crate) fn lookup_failed(
        &mut self,
        tp: &TopicPartition,
        error: Error,
        now: Instant,
        backoff: &crate::backoff::Backoff,
    ) -> LookupFailure {
        let Some(p) = self.partitions.get_mut(tp) else {
            return LookupFailure::default();
        };
        p.failures += 1;
        p.retry_at = Some(now + backoff.delay(p.failures));
        let stale_metadata = error.invalidates_metadata();
        if stale_metadata || error.is_retriable() {
            tracing::debug!(%tp, %error, "offset lookup will be retried");
            return LookupFailure {
                stale_metadata,
                wake_poll: false,
            };
        }
        let epoch = p.epoch;
        self.add_buffered(Buffered::Error {
            tp: tp.clone(),
            epoch,
            error,
        });
        LookupFailure {
            stale_metadata,
            wake_poll: true,
        }
    }

    pub(crate) fn add_buffered(&mut self, entry: Buffered) {
        if let Buffered::Data(d) = &entry {
            self.buffered_bytes += d.size_bytes;
            self.peak_buffered_bytes = self.peak_buffered_bytes.max(self.buffered_bytes);
        }
        self.buffer.push_back(entry);
    }

    /// The first step of a revocation, before its commit: `partitions` stop
    /// being fetched, and what is buffered or in flight for them goes
    /// stale (a new epoch), so no `poll` hands out a record of theirs
    /// after their positions are read for the commit. Without this, a
    /// record polled between that read and the removal would be processed
    /// here and again by the next owner.
    pub(crate) fn begin_revocation(&mut self, partitions: &[TopicPartition]) {
        for tp in partitions {
            let epoch = self.new_epoch();
            self.discard(tp);
            if let Some(p) = self.partitions.get_mut(tp) {
                p.revoking = true;
                p.epoch = epoch;
            }
        }
    }

    /// Drops every buffered entry of `tp`, releasing its bytes.
    fn discard(&mut self, tp: &TopicPartition) {
        let mut released = 0;
        self.buffer.retain(|entry| {
            let keep = entry.tp() != tp;
            if let (false, Buffered::Data(d)) = (keep, entry) {
                released += d.size_bytes;
            }
            keep
        });
        self.buffered_bytes -= released;
    }

    /// Sets where `tp` continues. A default start under
    /// `auto.offset.reset=none` queues the error and waits for a seek.
    pub(crate) fn place(&mut self, tp: &TopicPartition, at: StartAt, reset: OffsetReset) {
        let epoch = self.new_epoch();
        self.discard(tp);
        let Some(p) = self.partitions.get_mut(tp) else {
            return;
        };
        p.epoch = epoch;
        p.failed = false;
        p.resetting = false;
        p.retry_at = None;
        p.failures = 0;
        p.offset_epoch = None;
        p.fetched_epoch = None;
        p.validated_leader_epoch = -1;
        p.awaiting_validation = false;
        p.validating = false;
        p.reset = match at {
            StartAt::Offset(offset) => {
                p.position = offset;
                p.fetch_offset = offset;
                None
            }
            StartAt::Committed {
                offset,
                leader_epoch,
            } => {
                p.position = offset;
                p.fetch_offset = offset;
                p.offset_epoch = leader_epoch;
                p.fetched_epoch = leader_epoch;
                None
            }
            StartAt::Earliest => Some(OffsetSpec::Earliest),
            StartAt::Latest => Some(OffsetSpec::Latest),
            StartAt::Timestamp(ts) => Some(OffsetSpec::Timestamp(ts)),
            StartAt::Default => match reset {
                OffsetReset::Earliest => Some(OffsetSpec::Earliest),
                OffsetReset::Latest => Some(OffsetSpec::Latest),
                OffsetReset::None => {
                    p.failed = true;
                    let error = Error::NoOffsetForPartition {
                        topic: tp.topic.to_string(),
                        partition: tp.partition,
                    };
                    self.buffer.push_back(Buffered::Error {
                        tp: tp.clone(),
                        epoch,
                        error,
                    });
                    None
                }
            },
        };
    }
}

/// At most this many records' room is reserved up front for one poll: the
/// default `max.poll.records` (500) fits, and a huge setting does not
/// allocate for records that may never come.
pub(crate) const MAX_POLL_PREALLOCATED_RECORDS: usize = 4096;

pub(crate) struct Inner {
    pub(crate) client: Client,
    pub(crate) config: ConsumerConfig,
    pub(crate) state: Mutex<State>,
    /// Bumped on every change a task may act on: assignment, seek, resume,
    /// freed buffer space, a stale-metadata report, shutdown.
    pub(crate) changed: watch::Sender<u64>,
    /// Wakes a waiting `poll`: new data or an error was buffered.
    pub(crate) data_ready: Notify,
    /// The fetch being drained, taken off the buffer so decoding runs
    /// without the state lock.
    draining: Mutex<Option<Box<CompletedFetch>>>,
    pub(crate) tasks: Mutex<Vec<JoinHandle<()>>>,
    pub(crate) fetch_requests: AtomicU64,
    pub(crate) fetched_bytes: AtomicU64,
    /// When the application last called `poll` (or the stream asked), and
    /// how many such calls are waiting now: `max.poll.interval.ms` counts
    /// only while nobody polls.
    last_poll: Mutex<Instant>,
    polls_in_progress: AtomicUsize,
    /// An error that ends the consumer (a fenced static member): every
    /// later poll returns it.
    fatal: Mutex<Option<Error>>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("consumer::Inner")
            .field("assigned", &self.lock().partitions.len())
            .finish_non_exhaustive()
    }
}

impl Inner {
    pub(crate) fn new(client: Client, config: ConsumerConfig) -> Arc<Self> {
        Arc::new(Self {
            client,
            config,
            state: Mutex::new(State {
                partitions: BTreeMap::new(),
                subscription: Subscription::Manual,
                buffer: VecDeque::new(),
                buffered_bytes: 0,
                reserved_bytes: 0,
                peak_buffered_bytes: 0,
                next_epoch: 0,
                metadata_stale: false,
                closed: false,
            }),
            changed: watch::channel(0).0,
            data_ready: Notify::new(),
            draining: Mutex::new(None),
            tasks: Mutex::new(Vec::new()),
            fetch_requests: AtomicU64::new(0),
            fetched_bytes: AtomicU64::new(0),
            last_poll: Mutex::new(Instant::now()),
            polls_in_progress: AtomicUsize::new(0),
            fatal: Mutex::new(None),
        })
    }

    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        crate::sync::lock(&self.state)
    }

    /// Wakes the manager and every fetch task.
    pub(crate) fn kick(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    pub(crate) fn shut_down(&self) {
        self.lock().closed = true;
        self.kick();
        for task in crate::sync::lock(&self.tasks).drain(..) {
            task.abort();
        }
    }

    pub(crate) fn set_manual(&self, partitions: &[TopicPartition]) {
        let wanted: BTreeSet<TopicPartition> = partitions.iter().cloned().collect();
        {
            let mut state = self.lock();
            state.subscription = Subscription::Manual;
            let revoked: Vec<TopicPartition> = state
                .partitions
                .keys()
                .filter(|tp| !wanted.contains(*tp))
                .cloned()
                .collect();
            let added: Vec<(TopicPartition, StartAt)> = wanted
                .into_iter()
                .filter(|tp| !state.partitions.contains_key(tp))
                .map(|tp| (tp, StartAt::Default))
                .collect();
            self.apply_locked(&mut state, &added, &revoked);
        }
        self.kick();
        self.data_ready.notify_one();
    }

    pub(crate) fn set_subscription(&self, subscription: Subscription) {
        {
            let mut state = self.lock();
            state.subscription = subscription;
            // A pattern needs the full topic list; topics need their own.
            state.metadata_stale = true;
        }
        self.kick();
    }

    pub(crate) fn apply_assignment(
        &self,
        added: &[(TopicPartition, StartAt)],
        revoked: &[TopicPartition],
    ) -> Vec<(TopicPartition, i64)> {
        let positions = {
            let mut state = self.lock();
            self.apply_locked(&mut state, added, revoked)
        };
        self.kick();
        self.data_ready.notify_one();
        positions
    }

    fn apply_locked(
        &self,
        state: &mut State,
        added: &[(TopicPartition, StartAt)],
        revoked: &[TopicPartition],
    ) -> Vec<(TopicPartition, i64)> {
        let mut positions = Vec::new();
        for tp in revoked {
            state.discard(tp);
            if let Some(p) = state.partitions.remove(tp)
                && p.reset.is_none()
                && !p.failed
            {
                positions.push((tp.clone(), p.position));
            }
        }
        for (tp, at) in added {
            if state.partitions.contains_key(tp) {
                continue;
            }
            state
                .partitions
                .insert(tp.clone(), PartitionState::unplaced());
            state.place(tp, *at, self.config.auto_offset_reset);
        }
        positions
    }

    /// See [`State::begin_revocation`].
    pub(crate) fn begin_revocation(&self, partitions: &[TopicPartition]) {
        self.lock().begin_revocation(partitions);
    }

    pub(crate) fn assignment(&self) -> Vec<TopicPartition> {
        self.lock().partitions.keys().cloned().collect()
    }

    pub(crate) fn paused(&self) -> Vec<TopicPartition> {
        self.lock()
            .partitions
            .iter()
            .filter(|(_, p)| p.paused)
            .map(|(tp, _)| tp.clone())
            .collect()
    }

    pub(crate) fn seek(&self, tp: &TopicPartition, at: StartAt) -> Result<()> {
        {
            let mut state = self.lock();
            if !state.partitions.contains_key(tp) {
                return Err(not_assigned(tp));
            }
            state.place(tp, at, self.config.auto_offset_reset);
        }
        self.kick();
        self.data_ready.notify_one();
        Ok(())
    }

    pub(crate) fn set_paused(&self, partitions: &[TopicPartition], paused: bool) -> Result<()> {
        {
            let mut state = self.lock();
            if let Some(tp) = partitions
                .iter()
                .find(|tp| !state.partitions.contains_key(*tp))
            {
                return Err(not_assigned(tp));
            }
            for tp in partitions {
                if let Some(p) = state.partitions.get_mut(tp) {
                    p.paused = paused;
                }
            }
        }
        self.kick();
        self.data_ready.notify_one();
        Ok(())
    }

    pub(crate) async fn position(&self, tp: &TopicPartition, deadline: Instant) -> Result<i64> {
        let mut changed = self.changed.subscribe();
        loop {
            {
                let state = self.lock();
                let p = state.partitions.get(tp).ok_or_else(|| not_assigned(tp))?;
                if p.failed {
                    return Err(Error::NoOffsetForPartition {
                        topic: tp.topic.to_string(),
                        partition: tp.partition,
                    });
                }
                if p.reset.is_none() {
                    return Ok(p.position);
                }
            }
            changed.borrow_and_update();
            if tokio::time::timeout_at(deadline, changed.changed())
                .await
                .is_err()
            {
                return Err(Error::Request(crate::error::RequestError::Timeout {
                    api_key: crate::protocol::api::ApiKey::ListOffsets,
                    timeout_ms: self.config.client.connection.request_timeout_ms,
                }));
            }
        }
    }

    pub(crate) fn metrics(&self) -> ConsumerMetrics {
        let state = self.lock();
        ConsumerMetrics {
            buffered_bytes: state.buffered_bytes,
            peak_buffered_bytes: state.peak_buffered_bytes,
            fetch_requests: self.fetch_requests.load(Ordering::Relaxed),
            fetched_bytes: self.fetched_bytes.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn last_poll(&self) -> Instant {
        *crate::sync::lock(&self.last_poll)
    }

    pub(crate) fn polling(&self) -> bool {
        self.polls_in_progress.load(Ordering::Acquire) > 0
    }

    /// Ends the consumer with `error`: polls return it from now on.
    pub(crate) fn fail(&self, error: Error) {
        *crate::sync::lock(&self.fatal) = Some(error);
        self.data_ready.notify_waiters();
        self.data_ready.notify_one();
    }

    /// The position of every assigned partition that has one.
    pub(crate) fn positions(&self) -> Vec<(TopicPartition, i64)> {
        self.lock()
            .partitions
            .iter()
            .filter(|(_, p)| p.reset.is_none() && !p.failed && p.position >= 0)
            .map(|(tp, p)| (tp.clone(), p.position))
            .collect()
    }

    /// What committing the current positions sends: every position that
    /// has one, with its leader epoch (OffsetCommit's
    /// `committed_leader_epoch`), so whoever resumes from the commit can
    /// validate it (KIP-320).
    pub(crate) fn committable_positions(&self) -> Vec<(TopicPartition, OffsetAndMetadata)> {
        self.lock()
            .partitions
            .iter()
            .filter(|(_, p)| p.reset.is_none() && !p.failed && p.position >= 0)
            .map(|(tp, p)| {
                let mut om = OffsetAndMetadata::new(p.position);
                om.leader_epoch = p.offset_epoch;
                (tp.clone(), om)
            })
            .collect()
    }

    /// Waits until `deadline` for records and hands up to `max` of them to
    /// `sink`; returns how many it took (0 at the deadline).
    pub(crate) async fn poll(
        &self,
        max: usize,
        deadline: Instant,
        sink: &mut impl RecordSink,
    ) -> Result<usize> {
        struct Polling<'a>(&'a Inner);
        impl Drop for Polling<'_> {
            fn drop(&mut self) {
                *crate::sync::lock(&self.0.last_poll) = Instant::now();
                self.0.polls_in_progress.fetch_sub(1, Ordering::AcqRel);
            }
        }
        self.polls_in_progress.fetch_add(1, Ordering::AcqRel);
        *crate::sync::lock(&self.last_poll) = Instant::now();
        let _polling = Polling(self);
        loop {
            if let Some(error) = crate::sync::lock(&self.fatal).clone() {
                return Err(error);
            }
            let ready = self.data_ready.notified();
            tokio::pin!(ready);
            ready.as_mut().enable();
            let taken = self.drain(max, sink)?;
            if taken > 0 {
                return Ok(taken);
            }
            if tokio::time::timeout_at(deadline, ready).await.is_err() {
                return Ok(0);
            }
        }
    }

    /// Hands up to `max` records from the buffer to `sink`, in order, and
    /// returns how many; an error entry is returned once the records before
    /// it have been.
    fn drain(&self, max: usize, out: &mut impl RecordSink) -> Result<usize> {
        let mut draining = crate::sync::lock(&self.draining);
        let start = out.count();
        while out.count() - start < max {
            let fetch = match draining.take() {
                Some(fetch) => fetch,
                None => match self.next_fetch(out.count() == start)? {
                    Some(fetch) => fetch,
                    None => break,
                },
            };
            {
                let mut state = self.lock();
                match state.partitions.get(&fetch.tp) {
                    Some(p) if p.epoch == fetch.epoch => {
                        if p.paused {
                            // Kept, undecoded, for after the resume.
                            state.buffer.push_front(Buffered::Data(fetch));
                            continue;
                        }
                    }
                    _ => {
                        state.buffered_bytes -= fetch.size_bytes;
                        continue;
                    }
                }
            }
            // Decoded straight into `out`; taken back off if the data turns
            // out stale. The fetch stays in `draining` while its records
            // are handed out: if a `poll_each` callback panics, the next
            // poll resumes after the record it was given instead of losing
            // the rest of the fetch (the fetcher has already moved past it).
            let before = out.count();
            *draining = Some(fetch);
            let decoded = match draining.as_mut() {
                Some(fetch) => fetch.drain_into(max - (before - start), out),
                None => break,
            };
            let Some(fetch) = draining.take() else {
                break;
            };
            let mut state = self.lock();
            let current = state
                .partitions
                .get_mut(&fetch.tp)
                .filter(|p| p.epoch == fetch.epoch);
            let Some(p) = current else {
                // Sought or revoked while decoding: the data is stale.
                out.forget_after(before);
                state.buffered_bytes -= fetch.size_bytes;
                continue;
            };
            let leader_epoch = match decoded {
                Ok(leader_epoch) => leader_epoch,
                Err(error) => {
                    p.failed = true;
                    p.position = fetch.position;
                    let epoch = p.epoch;
                    state.buffered_bytes -= fetch.size_bytes;
                    state.buffer.push_front(Buffered::Error {
                        tp: fetch.tp.clone(),
                        epoch,
                        error,
                    });
                    continue;
                }
            };
            p.position = fetch.position;
            if leader_epoch.is_some() {
                p.offset_epoch = leader_epoch;
            }
            if fetch.is_exhausted() {
                state.buffered_bytes -= fetch.size_bytes;
                drop(state);
                // Room in the buffer: a fetch task may be waiting for it.
                self.kick();
            } else {
                *draining = Some(fetch);
            }
        }
        Ok(out.count() - start)
    }

    /// Takes the first buffered entry of a partition that is not paused,
    /// dropping stale ones. An error entry is returned as `Err` only when
    /// `may_fail` (no records gathered yet in this drain).
    fn next_fetch(&self, may_fail: bool) -> Result<Option<Box<CompletedFetch>>> {
        let mut state = self.lock();
        let mut index = 0;
        while index < state.buffer.len() {
            let entry = &state.buffer[index];
            let (tp, epoch) = match entry {
                Buffered::Data(d) => (&d.tp, d.epoch),
                Buffered::Error { tp, epoch, .. } => (tp, *epoch),
            };
            match state.partitions.get(tp) {
                Some(p) if p.epoch == epoch && p.paused => index += 1,
                Some(p) if p.epoch == epoch => {
                    if matches!(entry, Buffered::Error { .. }) && !may_fail {
                        return Ok(None);
                    }
                    #[allow(
                        clippy::expect_used,
                        reason = "index < buffer.len(), checked by the loop"
                    )]
                    let entry = state.buffer.remove(index).expect("index in range");
                    match entry {
                        Buffered::Data(d) => return Ok(Some(d)),
                        Buffered::Error { error, .. } => return Err(error),
                    }
                }
                _ => {
                    if let Some(Buffered::Data(d)) = state.buffer.remove(index) {
                        state.buffered_bytes -= d.size_bytes;
                    }
                }
            }
        }
        Ok(None)
    }
}

pub(crate) fn not_assigned(tp: &TopicPartition) -> Error {
    Error::NotAssigned {
        topic: tp.topic.to_string(),
        partition: tp.partition,
    }
}

#[cfg(test)]
mod tests {
    use bytes::BytesMut;

    use super::*;
    use crate::consumer::IsolationLevel;
    use crate::consumer::completed::DecodeOptions;
    use crate::protocol::batch;
    use crate::protocol::record_batch::{BatchBuilder, BatchParams};

    fn data(base_offset: i64, count: i64) -> bytes::Bytes {
        let mut b = BatchBuilder::new(0, 0);
        for _ in 0..count {
            b.append(0, None, Some(&[7u8; 100]), &[]);
        }
        let mut out = BytesMut::new();
        b.encode(&mut out, &BatchParams::default()).unwrap();
        batch::set_base_offset(&mut out, base_offset);
        out.freeze()
    }

    fn state() -> State {
        State {
            partitions: BTreeMap::new(),
            subscription: Subscription::Manual,
            buffer: VecDeque::new(),
            buffered_bytes: 0,
            reserved_bytes: 0,
            peak_buffered_bytes: 0,
            next_epoch: 0,
            metadata_stale: false,
            closed: false,
        }
    }

    fn assigned(state: &mut State, tp: &TopicPartition, offset: i64) {
        state
            .partitions
            .insert(tp.clone(), PartitionState::unplaced());
        state.place(tp, StartAt::Offset(offset), OffsetReset::Latest);
    }

    fn fetched(state: &State, tp: &TopicPartition, base: i64, count: i64) -> Buffered {
        let epoch = state.partitions[tp].epoch;
        Buffered::Data(Box::new(CompletedFetch::new(
            tp.clone(),
            epoch,
            data(base, count),
            base,
            -1,
            Vec::new(),
            DecodeOptions {
                isolation: IsolationLevel::ReadUncommitted,
                verify_crc: true,
            },
        )))
    }

    #[test]
    fn buffered_bytes_follow_adds_seeks_and_revocations() {
        let mut s = state();
        let a = TopicPartition::new("t", 0);
        let b = TopicPartition::new("t", 1);
        assigned(&mut s, &a, 0);
        assigned(&mut s, &b, 0);
        let first = fetched(&s, &a, 0, 10);
        let first_bytes = match &first {
            Buffered::Data(d) => d.size_bytes,
            Buffered::Error { .. } => unreachable!(),
        };
        s.add_buffered(first);
        s.add_buffered(fetched(&s, &b, 0, 10));
        s.add_buffered(fetched(&s, &a, 10, 10));
        assert_eq!(s.buffered_bytes, 3 * first_bytes);
        assert_eq!(s.peak_buffered_bytes, 3 * first_bytes);

        // A seek drops the partition's buffered data and its bytes.
        s.place(&a, StartAt::Offset(5), OffsetReset::Latest);
        assert_eq!(s.buffered_bytes, first_bytes);
        assert_eq!(s.buffer.len(), 1);
        s.discard(&b);
        assert_eq!((s.buffered_bytes, s.buffer.len()), (0, 0));
        assert_eq!(s.peak_buffered_bytes, 3 * first_bytes, "the peak is kept");
    }

    #[test]
    fn a_partition_being_revoked_keeps_its_position_and_hands_out_nothing_more() {
        let mut s = state();
        let a = TopicPartition::new("t", 0);
        let b = TopicPartition::new("t", 1);
        assigned(&mut s, &a, 40);
        assigned(&mut s, &b, 0);
        s.add_buffered(fetched(&s, &a, 40, 10));
        s.add_buffered(fetched(&s, &b, 0, 10));
        // A fetch of `a` answered after the revocation began.
        let late = fetched(&s, &a, 50, 10);
        s.begin_revocation(std::slice::from_ref(&a));

        let p = &s.partitions[&a];
        assert!(p.revoking && !p.fetchable(Instant::now()));
        assert_eq!(p.position, 40, "the position to commit is unchanged");
        let Buffered::Data(late) = late else {
            unreachable!()
        };
        assert_ne!(late.epoch, p.epoch, "data in flight is stale");
        assert_eq!(s.buffer.len(), 1, "a's buffered data is dropped");
        assert_eq!(s.buffer[0].tp(), &b);
        assert!(s.partitions[&b].fetchable(Instant::now()));
    }

    #[test]
    fn no_reset_policy_queues_an_error_and_stops_the_partition() {
        let mut s = state();
        let tp = TopicPartition::new("t", 0);
        assigned(&mut s, &tp, 0);
        s.place(&tp, StartAt::Default, OffsetReset::None);
        let p = &s.partitions[&tp];
        assert!(p.failed && !p.fetchable(Instant::now()));
        assert!(matches!(
            s.buffer.front(),
            Some(Buffered::Error {
                error: Error::NoOffsetForPartition { .. },
                ..
            })
        ));
        s.place(&tp, StartAt::Offset(3), OffsetReset::None);
        let p = &s.partitions[&tp];
        assert!(p.fetchable(Instant::now()) && p.position == 3 && s.buffer.is_empty());
    }
}
