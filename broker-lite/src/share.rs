//! The share-group coordinator (KIP-932, "queues for Kafka").
//!
//! A share group's members heartbeat (ShareGroupHeartbeat) and are given
//! partitions by the server; unlike a consumer group, one partition may go
//! to several members at once (Kafka's `SimpleAssignor`). Members then
//! ShareFetch records: each fetched offset is *acquired* by that member
//! under a time-limited lock and must be acknowledged (ACCEPT, RELEASE,
//! REJECT), piggy-backed on the next ShareFetch or in ShareAcknowledge.
//! Which offsets are where lives in one [`partition::SharePartition`] per
//! (group, topic, partition).
//!
//! # Who owns what
//!
//! [`ShareCoordinator`] owns every share group, share partition and share
//! session behind one `std::sync::Mutex` with the [`store::ShareStore`]
//! log, as [`crate::group::GroupCoordinator`] does for consumer groups:
//! short critical sections, one log write each, nothing awaited while
//! locked. One timer task ([`ShareCoordinator::run`]) expires record locks
//! and silent members. Long-polling ShareFetches wait on the partitions'
//! end-offset watches and on [`ShareCoordinator::acquirable`], which fires
//! whenever records become available again or the in-flight window frees.
//!
//! # Durability
//!
//! Every change to a share partition is logged (see [`store`]) before the
//! response that depends on it: a restarted broker never delivers an
//! accepted or archived record again, and gives back every record that was
//! acquired, with its delivery count. Members and share sessions are not
//! restored; members rejoin when their heartbeats get UNKNOWN_MEMBER_ID.

pub(crate) mod partition;
pub(crate) mod store;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::share::{
    AcknowledgeType, AcknowledgementBatch, FINAL_SHARE_SESSION_EPOCH, INITIAL_SHARE_SESSION_EPOCH,
    LEAVE_GROUP_MEMBER_EPOCH, next_share_session_epoch,
};
use tokio::sync::{Notify, broadcast};
use tokio::time::Instant;

use crate::config::BrokerConfig;
use crate::log::FlushPolicy;
use crate::state::lock;
pub(crate) use partition::{ShareLimits, SharePartition};
use store::{ShareEntry, ShareStore};

/// Topic name to partition count, what assignment works from.
pub(crate) type TopicPartitionCounts = BTreeMap<String, i32>;
/// Topic name to partitions.
pub(crate) type ShareAssignment = BTreeMap<String, BTreeSet<i32>>;

/// Where a share partition with no stored state starts
/// (`share.auto.offset.reset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum AutoOffsetReset {
    /// The log end offset when the group first fetches it (Kafka's default).
    #[default]
    Latest,
    /// The log start offset.
    Earliest,
}

impl AutoOffsetReset {
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "latest" => Some(Self::Latest),
            "earliest" => Some(Self::Earliest),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Latest => "latest",
            Self::Earliest => "earliest",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct ShareMember {
    pub member_epoch: i32,
    pub subscribed: BTreeSet<String>,
    pub assignment: ShareAssignment,
    /// The group epoch whose assignment this member was last sent.
    sent_epoch: i32,
    pub client_id: String,
    pub client_host: String,
    pub rack_id: Option<String>,
    deadline: Instant,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct ShareGroup {
    pub epoch: i32,
    pub members: BTreeMap<String, ShareMember>,
    pub partitions: BTreeMap<(String, i32), SharePartition>,
    pub auto_offset_reset: AutoOffsetReset,
    /// The group config `share.record.lock.duration.ms` (KIP-932's group
    /// configs); `None`: the broker's `group.share.record.lock.duration.ms`.
    /// Locks taken (or renewed) after it is set last this long.
    pub record_lock_duration_ms: Option<i64>,
}

impl ShareGroup {
    /// Kafka's share group states: Empty, Stable (or Dead once deleted).
    pub fn state_name(&self) -> &'static str {
        if self.members.is_empty() {
            "Empty"
        } else {
            "Stable"
        }
    }
}

/// A member's share session (KIP-932): which partitions it fetches from and
/// the epoch its next request must carry.
#[derive(Debug, Clone)]
struct ShareSession {
    next_epoch: i32,
    /// Topic name and partition.
    partitions: BTreeSet<(String, i32)>,
    /// The connection that opened it: when that connection closes the
    /// session ends and the member's acquired records are released, as
    /// Kafka's share session cache does on a disconnect.
    peer: std::net::SocketAddr,
}

/// One heartbeat, decoded.
#[derive(Debug, Clone)]
pub(crate) struct ShareHeartbeat {
    pub group_id: String,
    pub member_id: String,
    pub member_epoch: i32,
    pub rack_id: Option<String>,
    pub subscribed_topic_names: Option<Vec<String>>,
    pub client_id: String,
    pub client_host: String,
}

#[derive(Debug, Clone)]
pub(crate) struct ShareHeartbeatResponse {
    pub error: Option<ErrorCode>,
    pub error_message: Option<String>,
    pub member_id: String,
    pub member_epoch: i32,
    pub heartbeat_interval_ms: i32,
    /// Sent when the member's assignment may have changed.
    pub assignment: Option<ShareAssignment>,
}

/// What a ShareFetch or ShareAcknowledge may do to a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionRequest {
    ShareFetch,
    ShareAcknowledge,
}

#[derive(Debug)]
pub struct ShareCoordinator {
    inner: Mutex<Inner>,
    /// Records became acquirable: released, lock expired, or an
    /// acknowledgement moved the SPSO and so freed room in a full in-flight
    /// window (`group.share.partition.max.record.locks`). Wakes
    /// long-polling ShareFetches, as Kafka completes delayed share fetches
    /// after every acknowledgement.
    pub(crate) acquirable: Notify,
    wake: Notify,
    flush: FlushPolicy,
    sync_handle: Arc<File>,
    pub(crate) limits: ShareLimits,
    heartbeat_interval_ms: i32,
    session_timeout: Duration,
    clock_start: Instant,
}

#[derive(Debug)]
struct Inner {
    groups: BTreeMap<String, ShareGroup>,
    /// Keyed by (group, member id).
    sessions: HashMap<(String, String), ShareSession>,
    store: ShareStore,
    writes: Vec<ShareEntry>,
}

impl Inner {
    fn log_partition(&mut self, group: &str, topic: &str, partition: i32) {
        if let Some(p) = self
            .groups
            .get(group)
            .and_then(|g| g.partitions.get(&(topic.to_string(), partition)))
        {
            self.writes.push(ShareEntry::Partition {
                group: group.to_string(),
                topic: topic.to_string(),
                partition,
                state: p.to_stored(),
            });
        }
    }
}

impl ShareCoordinator {
    /// Replays the share log under the data directory. Blocking.
    pub(crate) fn open(config: &BrokerConfig) -> anyhow::Result<Self> {
        let (store, stored, replayed) = ShareStore::open(&config.data_dir).map_err(|e| {
            anyhow::anyhow!(
                "cannot open the share-group log in {}: {e}",
                config.data_dir.display()
            )
        })?;
        if replayed.torn_bytes_dropped > 0 {
            tracing::warn!(
                bytes = replayed.torn_bytes_dropped,
                "dropped a torn entry at the end of the share-group log"
            );
        }
        let groups = stored
            .into_iter()
            .map(|(id, g)| {
                let partitions = g
                    .partitions
                    .iter()
                    .map(|(key, state)| (key.clone(), SharePartition::from_stored(state)))
                    .collect();
                (
                    id,
                    ShareGroup {
                        epoch: g.epoch,
                        auto_offset_reset: g
                            .auto_offset_reset
                            .as_deref()
                            .and_then(AutoOffsetReset::parse)
                            .unwrap_or_default(),
                        record_lock_duration_ms: g.record_lock_duration_ms,
                        partitions,
                        ..ShareGroup::default()
                    },
                )
            })
            .collect();
        let group = &config.group;
        Ok(Self {
            sync_handle: store.sync_handle(),
            inner: Mutex::new(Inner {
                groups,
                sessions: HashMap::new(),
                store,
                writes: Vec::new(),
            }),
            acquirable: Notify::new(),
            wake: Notify::new(),
            flush: config.log.flush,
            limits: ShareLimits {
                lock_duration_ms: i64::try_from(group.share_record_lock_duration_ms)
                    .unwrap_or(i64::MAX),
                delivery_count_limit: group.share_delivery_count_limit,
                max_in_flight: group.share_partition_max_record_locks,
            },
            heartbeat_interval_ms: i32::try_from(group.share_heartbeat_interval_ms)
                .unwrap_or(i32::MAX),
            session_timeout: Duration::from_millis(group.share_session_timeout_ms),
            clock_start: Instant::now(),
        })
    }

    /// Milliseconds on the coordinator's monotonic clock (lock deadlines).
    fn now_ms(&self) -> i64 {
        i64::try_from(self.clock_start.elapsed().as_millis()).unwrap_or(i64::MAX)
    }

    /// Runs `f` under the lock and appends what it logged; returns whether
    /// anything was written (so the caller fsyncs before answering).
    fn locked<T>(&self, f: impl FnOnce(&mut Inner, i64) -> T) -> (T, bool) {
        let now_ms = self.now_ms();
        let mut inner = lock(&self.inner);
        let value = f(&mut inner, now_ms);
        let writes = std::mem::take(&mut inner.writes);
        if let Err(e) = inner.store.append(&writes) {
            tracing::error!(path = %inner.store.path().display(), "cannot write the share-group log: {e}");
        }
        (value, !writes.is_empty())
    }

    async fn after_write(&self, wrote: bool) {
        if !wrote || self.flush != FlushPolicy::EveryBatch {
            return;
        }
        let file = Arc::clone(&self.sync_handle);
        match tokio::task::spawn_blocking(move || file.sync_data()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!("cannot fsync the share-group log: {e}"),
            Err(e) => tracing::error!("cannot fsync the share-group log: {e}"),
        }
    }

    /// fsyncs the log (periodic flush, shutdown). Blocking.
    pub(crate) fn flush(&self) -> std::io::Result<()> {
        self.sync_handle.sync_data()
    }

    /// The acquisition lock `group_id`'s records get now: its
    /// `share.record.lock.duration.ms`, else the broker's.
    pub(crate) fn lock_duration_ms(&self, group_id: &str) -> i32 {
        let group_ms = lock(&self.inner)
            .groups
            .get(group_id)
            .and_then(|g| g.record_lock_duration_ms);
        i32::try_from(self.limits_with(group_ms).lock_duration_ms).unwrap_or(i32::MAX)
    }

    /// The broker's limits with a group's own lock duration, if it set one.
    fn limits_with(&self, record_lock_duration_ms: Option<i64>) -> ShareLimits {
        ShareLimits {
            lock_duration_ms: record_lock_duration_ms.unwrap_or(self.limits.lock_duration_ms),
            ..self.limits
        }
    }

    /// Whether a share group of this id exists.
    pub(crate) fn exists(&self, group_id: &str) -> bool {
        lock(&self.inner).groups.contains_key(group_id)
    }

    /// A copy of every group (ListGroups, DescribeGroups, ShareGroupDescribe,
    /// DescribeShareGroupOffsets).
    pub(crate) fn snapshot(&self, group_id: &str) -> Option<ShareGroup> {
        lock(&self.inner).groups.get(group_id).cloned()
    }

    pub(crate) fn list(&self) -> Vec<(String, &'static str)> {
        lock(&self.inner)
            .groups
            .iter()
            .map(|(id, g)| (id.clone(), g.state_name()))
            .collect()
    }

    /// Sets `share.auto.offset.reset` for a group (created if needed).
    pub(crate) fn set_auto_offset_reset(&self, group_id: &str, reset: AutoOffsetReset) {
        self.set_group_config(
            group_id,
            |g| g.auto_offset_reset = reset,
            ShareEntry::Config {
                group: group_id.to_string(),
                auto_offset_reset: reset.name().to_string(),
            },
        );
    }

    /// Sets (or, with `None`, removes) the group config
    /// `share.record.lock.duration.ms` for a group (created if needed). The
    /// caller has validated it against the broker's bounds.
    pub(crate) fn set_record_lock_duration(&self, group_id: &str, ms: Option<i64>) {
        self.set_group_config(
            group_id,
            |g| g.record_lock_duration_ms = ms,
            ShareEntry::RecordLockDuration {
                group: group_id.to_string(),
                ms,
            },
        );
    }

    /// Applies a group config to the group (created if needed) and queues
    /// its share-log entry.
    fn set_group_config(
        &self,
        group_id: &str,
        apply: impl FnOnce(&mut ShareGroup),
        entry: ShareEntry,
    ) {
        self.locked(|inner, _| {
            apply(inner.groups.entry(group_id.to_string()).or_default());
            inner.writes.push(entry);
        });
    }

    pub(crate) async fn heartbeat(
        &self,
        topics: &TopicPartitionCounts,
        request: ShareHeartbeat,
    ) -> ShareHeartbeatResponse {
        let (response, wrote) =
            self.locked(|inner, now_ms| self.heartbeat_locked(inner, now_ms, topics, request));
        self.after_write(wrote).await;
        self.wake.notify_one();
        response
    }

    fn heartbeat_locked(
        &self,
        inner: &mut Inner,
        now_ms: i64,
        topics: &TopicPartitionCounts,
        request: ShareHeartbeat,
    ) -> ShareHeartbeatResponse {
        let error = |code: ErrorCode, message: &str| ShareHeartbeatResponse {
            error: Some(code),
            error_message: Some(message.to_string()),
            member_id: request.member_id.clone(),
            member_epoch: -1,
            heartbeat_interval_ms: 0,
            assignment: None,
        };
        if request.group_id.is_empty() {
            return error(ErrorCode::InvalidRequest, "GroupId can't be empty.");
        }
        if request.member_id.is_empty() {
            return error(ErrorCode::InvalidRequest, "MemberId can't be empty.");
        }
        let deadline = Instant::now() + self.session_timeout;
        let group_id = request.group_id.clone();
        if request.member_epoch == LEAVE_GROUP_MEMBER_EPOCH {
            let Some(group) = inner.groups.get_mut(&group_id) else {
                return error(ErrorCode::UnknownMemberId, "unknown member");
            };
            if group.members.remove(&request.member_id).is_none() {
                return error(ErrorCode::UnknownMemberId, "unknown member");
            }
            self.member_left(inner, now_ms, &group_id, &request.member_id, topics);
            return ShareHeartbeatResponse {
                error: None,
                error_message: None,
                member_id: request.member_id,
                member_epoch: LEAVE_GROUP_MEMBER_EPOCH,
                heartbeat_interval_ms: 0,
                assignment: None,
            };
        }
        let group = inner.groups.entry(group_id.clone()).or_default();
        let mut changed = false;
        match group.members.get_mut(&request.member_id) {
            None if request.member_epoch == 0 => {
                let Some(names) = request.subscribed_topic_names.clone() else {
                    return error(
                        ErrorCode::InvalidRequest,
                        "SubscribedTopicNames must be set in first request.",
                    );
                };
                group.members.insert(
                    request.member_id.clone(),
                    ShareMember {
                        member_epoch: 0,
                        subscribed: names.into_iter().collect(),
                        assignment: ShareAssignment::new(),
                        sent_epoch: -1,
                        client_id: request.client_id.clone(),
                        client_host: request.client_host.clone(),
                        rack_id: request.rack_id.clone(),
                        deadline,
                    },
                );
                changed = true;
            }
            None => {
                return error(
                    ErrorCode::UnknownMemberId,
                    "the member is not in the group (rejoin with epoch 0)",
                );
            }
            Some(member) => {
                // Kafka: an epoch other than the member's (or 0, a rejoin
                // after a lost response) is fenced.
                if request.member_epoch != 0 && request.member_epoch != member.member_epoch {
                    return error(ErrorCode::FencedMemberEpoch, "the member epoch is stale");
                }
                if request.member_epoch == 0 {
                    member.sent_epoch = -1;
                }
                member.deadline = deadline;
                if let Some(names) = request.subscribed_topic_names.clone() {
                    let names: BTreeSet<String> = names.into_iter().collect();
                    if names != member.subscribed {
                        member.subscribed = names;
                        changed = true;
                    }
                }
            }
        }
        if changed || assignment_stale(group, topics) {
            reassign(group, topics);
            group.epoch += 1;
            inner.writes.push(ShareEntry::Group {
                group: group_id.clone(),
                epoch: group.epoch,
            });
        }
        let Some(group) = inner.groups.get_mut(&group_id) else {
            return error(ErrorCode::CoordinatorNotAvailable, "the group went away");
        };
        let epoch = group.epoch;
        let Some(member) = group.members.get_mut(&request.member_id) else {
            return error(ErrorCode::UnknownMemberId, "unknown member");
        };
        member.member_epoch = epoch;
        let assignment = (member.sent_epoch != epoch).then(|| {
            member.sent_epoch = epoch;
            member.assignment.clone()
        });
        ShareHeartbeatResponse {
            error: None,
            error_message: None,
            member_id: request.member_id,
            member_epoch: epoch,
            heartbeat_interval_ms: self.heartbeat_interval_ms,
            assignment,
        }
    }

    /// A member left or expired: its session ends, its locks are given
    /// back, and the others are reassigned.
    fn member_left(
        &self,
        inner: &mut Inner,
        now_ms: i64,
        group_id: &str,
        member_id: &str,
        topics: &TopicPartitionCounts,
    ) {
        let _ = now_ms;
        inner
            .sessions
            .remove(&(group_id.to_string(), member_id.to_string()));
        let Some(group) = inner.groups.get_mut(group_id) else {
            return;
        };
        reassign(group, topics);
        group.epoch += 1;
        inner.writes.push(ShareEntry::Group {
            group: group_id.to_string(),
            epoch: group.epoch,
        });
        self.release_member(inner, group_id, member_id);
    }

    fn release_member(&self, inner: &mut Inner, group_id: &str, member_id: &str) {
        let Some(group) = inner.groups.get_mut(group_id) else {
            return;
        };
        let mut touched = Vec::new();
        for ((topic, partition), p) in group.partitions.iter_mut() {
            if p.release_member(member_id, &self.limits) > 0 {
                touched.push((topic.clone(), *partition));
            }
        }
        let released_any = !touched.is_empty();
        for (topic, partition) in touched {
            inner.log_partition(group_id, &topic, partition);
        }
        if released_any {
            self.acquirable.notify_waiters();
        }
    }

    /// Validates a ShareFetch/ShareAcknowledge session epoch, opening,
    /// advancing or closing the session. Returns the partitions the session
    /// fetches from after this request.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn session(
        &self,
        kind: SessionRequest,
        peer: std::net::SocketAddr,
        group_id: &str,
        member_id: &str,
        epoch: i32,
        added: &[(String, i32)],
        forgotten: &[(String, i32)],
    ) -> Result<Vec<(String, i32)>, ErrorCode> {
        let (result, _) = self.locked(|inner, _| {
            let key = (group_id.to_string(), member_id.to_string());
            match epoch {
                INITIAL_SHARE_SESSION_EPOCH => {
                    if kind == SessionRequest::ShareAcknowledge {
                        return Err(ErrorCode::InvalidShareSessionEpoch);
                    }
                    let session = ShareSession {
                        next_epoch: next_share_session_epoch(epoch),
                        partitions: added.iter().cloned().collect(),
                        peer,
                    };
                    let partitions = session.partitions.iter().cloned().collect();
                    inner.sessions.insert(key, session);
                    Ok(partitions)
                }
                FINAL_SHARE_SESSION_EPOCH => {
                    let session = inner
                        .sessions
                        .get(&key)
                        .ok_or(ErrorCode::ShareSessionNotFound)?;
                    Ok(session.partitions.iter().cloned().collect())
                }
                e if e < 0 => Err(ErrorCode::InvalidShareSessionEpoch),
                e => {
                    let session = inner
                        .sessions
                        .get_mut(&key)
                        .ok_or(ErrorCode::ShareSessionNotFound)?;
                    if session.next_epoch != e {
                        return Err(ErrorCode::InvalidShareSessionEpoch);
                    }
                    session.next_epoch = next_share_session_epoch(e);
                    for tp in forgotten {
                        session.partitions.remove(tp);
                    }
                    session.partitions.extend(added.iter().cloned());
                    Ok(session.partitions.iter().cloned().collect())
                }
            }
        });
        result
    }

    /// Ends a share session (epoch -1, after its acknowledgements): the
    /// member's acquired records are released, as Kafka does.
    pub(crate) async fn close_session(&self, group_id: &str, member_id: &str) {
        let ((), wrote) = self.locked(|inner, _| {
            inner
                .sessions
                .remove(&(group_id.to_string(), member_id.to_string()));
            self.release_member(inner, group_id, member_id);
        });
        self.after_write(wrote).await;
    }

    /// A client connection closed: the share sessions it opened end, and
    /// their members' acquired records are released at once (Kafka's
    /// `ShareSessionCache` disconnect listener) rather than when their
    /// locks run out. A member that opened a new session on another
    /// connection keeps it.
    pub(crate) async fn connection_closed(&self, peer: std::net::SocketAddr) {
        let ((), wrote) = self.locked(|inner, _| {
            let closed: Vec<(String, String)> = inner
                .sessions
                .iter()
                .filter(|(_, session)| session.peer == peer)
                .map(|(key, _)| key.clone())
                .collect();
            for (group_id, member_id) in closed {
                inner
                    .sessions
                    .remove(&(group_id.clone(), member_id.clone()));
                self.release_member(inner, &group_id, &member_id);
            }
        });
        self.after_write(wrote).await;
    }

    /// Applies acknowledgement batches for one partition. Returns the
    /// partition's acknowledge error, if any (the first one met; the other
    /// offsets are still applied, as Kafka applies each batch on its own).
    pub(crate) async fn acknowledge(
        &self,
        group_id: &str,
        member_id: &str,
        topic: &str,
        partition: i32,
        batches: &[AcknowledgementBatch],
    ) -> Option<ErrorCode> {
        let (error, wrote) = self.locked(|inner, now_ms| {
            let Some(group) = inner.groups.get_mut(group_id) else {
                return Some(ErrorCode::InvalidRecordState);
            };
            // A RENEW restarts the lock for the group's duration as of now.
            let limits = self.limits_with(group.record_lock_duration_ms);
            let Some(p) = group.partitions.get_mut(&(topic.to_string(), partition)) else {
                return Some(ErrorCode::InvalidRecordState);
            };
            let mut error = None;
            let mut released = false;
            // A RENEW only moves a lock deadline, which is not persisted
            // (locks die with the broker, as in Kafka): nothing to log.
            let mut changed_stored_state = false;
            let start_before = p.start_offset();
            for batch in batches {
                // Only in-flight offsets can be held by anyone; checking the
                // range first keeps a forged 0..i64::MAX batch from walking
                // billions of offsets under the lock.
                if batch.first_offset < p.start_offset() || batch.last_offset >= p.end_offset() {
                    error.get_or_insert(ErrorCode::InvalidRecordState);
                    continue;
                }
                for (offset, kind) in batch.offsets() {
                    if let Err(e) = p.acknowledge(member_id, offset, kind, now_ms, &limits) {
                        error.get_or_insert(e);
                        continue;
                    }
                    changed_stored_state |= kind != AcknowledgeType::Renew;
                    released |= kind == AcknowledgeType::Release;
                }
            }
            let freed_window = p.start_offset() != start_before;
            if changed_stored_state {
                inner.log_partition(group_id, topic, partition);
            }
            if released || freed_window {
                self.acquirable.notify_waiters();
            }
            error
        });
        self.after_write(wrote).await;
        error
    }

    /// Acquires up to `max_records` offsets of one partition for `member_id`
    /// within `fetched` (the offsets read from the log), first setting the partition up if the group
    /// has never fetched it (`share.auto.offset.reset` against
    /// `log_start..log_end`). Returns the acquired offsets.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn acquire(
        &self,
        group_id: &str,
        member_id: &str,
        topic: &str,
        partition: i32,
        log_start: i64,
        log_end: i64,
        fetched: Option<std::ops::Range<i64>>,
        max_records: usize,
    ) -> (Option<i64>, Vec<(i64, i16)>, bool) {
        let ((next, acquired), wrote) = self.locked(|inner, now_ms| {
            let group = inner.groups.entry(group_id.to_string()).or_default();
            let reset = group.auto_offset_reset;
            let limits = self.limits_with(group.record_lock_duration_ms);
            let key = (topic.to_string(), partition);
            let mut created = false;
            let p = group.partitions.entry(key).or_insert_with(|| {
                created = true;
                SharePartition::new(match reset {
                    AutoOffsetReset::Latest => log_end,
                    AutoOffsetReset::Earliest => log_start,
                })
            });
            p.skip_to_log_start(log_start);
            let next = p.next_acquirable(&limits);
            let acquired = match fetched {
                Some(range) if max_records > 0 => {
                    p.acquire(member_id, max_records, range, now_ms, &limits)
                }
                _ => Vec::new(),
            };
            if created || !acquired.is_empty() {
                inner.log_partition(group_id, topic, partition);
            }
            (next, acquired)
        });
        if !acquired.is_empty() {
            // New locks: the timer may have to wake earlier.
            self.wake.notify_one();
        }
        (next, acquired, wrote)
    }

    /// fsyncs after acquisitions, when the flush policy asks for it.
    pub(crate) async fn acquired(&self, wrote: bool) {
        self.after_write(wrote).await;
    }

    /// DeleteGroups for a share group: only an empty one.
    pub(crate) async fn delete_group(&self, group_id: &str) -> Result<(), ErrorCode> {
        let (result, wrote) = self.locked(|inner, _| {
            let group = inner
                .groups
                .get(group_id)
                .ok_or(ErrorCode::GroupIdNotFound)?;
            if !group.members.is_empty() {
                return Err(ErrorCode::NonEmptyGroup);
            }
            inner.groups.remove(group_id);
            inner.writes.push(ShareEntry::GroupDelete {
                group: group_id.to_string(),
            });
            Ok(())
        });
        self.after_write(wrote).await;
        result
    }

    /// AlterShareGroupOffsets: the partitions start over at the given
    /// offsets. The group must be empty (Kafka: NON_EMPTY_GROUP).
    pub(crate) async fn alter_offsets(
        &self,
        group_id: &str,
        offsets: &[(String, i32, i64)],
    ) -> Result<(), ErrorCode> {
        let (result, wrote) = self.locked(|inner, _| {
            let group = inner.groups.entry(group_id.to_string()).or_default();
            if !group.members.is_empty() {
                return Err(ErrorCode::NonEmptyGroup);
            }
            for (topic, partition, offset) in offsets {
                group
                    .partitions
                    .insert((topic.clone(), *partition), SharePartition::new(*offset));
            }
            for (topic, partition, _) in offsets {
                inner.log_partition(group_id, topic, *partition);
            }
            Ok(())
        });
        self.after_write(wrote).await;
        result
    }

    /// DeleteShareGroupOffsets: forgets the partitions' state. The group
    /// must be empty.
    pub(crate) async fn delete_offsets(
        &self,
        group_id: &str,
        partitions: &[(String, i32)],
    ) -> Result<(), ErrorCode> {
        let (result, wrote) = self.locked(|inner, _| {
            let group = inner
                .groups
                .get_mut(group_id)
                .ok_or(ErrorCode::GroupIdNotFound)?;
            if !group.members.is_empty() {
                return Err(ErrorCode::NonEmptyGroup);
            }
            for (topic, partition) in partitions {
                if group
                    .partitions
                    .remove(&(topic.clone(), *partition))
                    .is_some()
                {
                    inner.writes.push(ShareEntry::PartitionDelete {
                        group: group_id.to_string(),
                        topic: topic.clone(),
                        partition: *partition,
                    });
                }
            }
            Ok(())
        });
        self.after_write(wrote).await;
        result
    }

    /// Expires locks and silent members until shutdown. `topics` gives the
    /// current partition counts (for reassignment after an expiry).
    pub(crate) async fn run(
        &self,
        topics: impl Fn() -> TopicPartitionCounts,
        mut shutdown: broadcast::Receiver<()>,
    ) {
        loop {
            let woken = self.wake.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            let counts = topics();
            let ((next, released), wrote) =
                self.locked(|inner, now_ms| self.expire(inner, now_ms, &counts));
            self.after_write(wrote).await;
            if released {
                self.acquirable.notify_waiters();
            }
            let sleep = async {
                match next {
                    Some(deadline) => tokio::time::sleep_until(deadline).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = sleep => {}
                () = &mut woken => {}
                _ = shutdown.recv() => return,
            }
        }
    }

    /// Returns the next deadline and whether any record became available.
    fn expire(
        &self,
        inner: &mut Inner,
        now_ms: i64,
        topics: &TopicPartitionCounts,
    ) -> (Option<Instant>, bool) {
        let now = Instant::now();
        let mut expired_members = Vec::new();
        let mut touched = Vec::new();
        let mut next_ms: Option<i64> = None;
        let mut next_member: Option<Instant> = None;
        for (group_id, group) in inner.groups.iter_mut() {
            for (member_id, member) in &group.members {
                if member.deadline <= now {
                    expired_members.push((group_id.clone(), member_id.clone()));
                } else {
                    next_member =
                        Some(next_member.map_or(member.deadline, |d| d.min(member.deadline)));
                }
            }
            for ((topic, partition), p) in group.partitions.iter_mut() {
                if p.expire_locks(now_ms, &self.limits) > 0 {
                    touched.push((group_id.clone(), topic.clone(), *partition));
                }
                if let Some(d) = p.next_deadline_ms() {
                    next_ms = Some(next_ms.map_or(d, |n| n.min(d)));
                }
            }
        }
        let released = !touched.is_empty();
        for (group, topic, partition) in touched {
            inner.log_partition(&group, &topic, partition);
        }
        for (group_id, member_id) in expired_members {
            tracing::info!(group = %group_id, member = %member_id, "share-group member expired");
            if let Some(g) = inner.groups.get_mut(&group_id) {
                g.members.remove(&member_id);
            }
            self.member_left(inner, now_ms, &group_id, &member_id, topics);
        }
        let lock_deadline = next_ms
            .map(|ms| self.clock_start + Duration::from_millis(u64::try_from(ms).unwrap_or(0)));
        let next = match (lock_deadline, next_member) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        (next, released)
    }
}

/// Whether a member's assignment names a topic that no longer exists or
/// misses partitions a topic gained.
fn assignment_stale(group: &ShareGroup, topics: &TopicPartitionCounts) -> bool {
    let mut expected = ShareGroup {
        members: group.members.clone(),
        ..ShareGroup::default()
    };
    reassign(&mut expected, topics);
    expected
        .members
        .iter()
        .zip(group.members.iter())
        .any(|((_, a), (_, b))| a.assignment != b.assignment)
}

/// Kafka's `SimpleAssignor` for share groups: each topic's partitions are
/// spread over the members subscribed to it; with more members than
/// partitions, partitions go to several members (member `i` of `m` gets
/// partition `i mod p`), so every member has work and every partition is
/// consumed. Deterministic: members in id order.
fn reassign(group: &mut ShareGroup, topics: &TopicPartitionCounts) {
    for member in group.members.values_mut() {
        member.assignment.clear();
    }
    for (topic, &count) in topics {
        let subscribers: Vec<String> = group
            .members
            .iter()
            .filter(|(_, m)| m.subscribed.contains(topic))
            .map(|(id, _)| id.clone())
            .collect();
        if subscribers.is_empty() || count <= 0 {
            continue;
        }
        let members = subscribers.len() as i32;
        let mut give = |index: i32, partition: i32| {
            if let Some(member) = usize::try_from(index)
                .ok()
                .and_then(|i| subscribers.get(i))
                .and_then(|id| group.members.get_mut(id))
            {
                member
                    .assignment
                    .entry(topic.clone())
                    .or_default()
                    .insert(partition);
            }
        };
        if members <= count {
            for partition in 0..count {
                give(partition % members, partition);
            }
        } else {
            for index in 0..members {
                give(index, index % count);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(topics: &[&str]) -> ShareMember {
        ShareMember {
            member_epoch: 0,
            subscribed: topics.iter().map(|t| t.to_string()).collect(),
            assignment: ShareAssignment::new(),
            sent_epoch: -1,
            client_id: String::new(),
            client_host: String::new(),
            rack_id: None,
            deadline: Instant::now(),
        }
    }

    #[test]
    fn more_members_than_partitions_share_them() {
        let mut group = ShareGroup::default();
        for id in ["a", "b", "c"] {
            group.members.insert(id.into(), member(&["t"]));
        }
        let topics = TopicPartitionCounts::from([("t".to_string(), 1)]);
        reassign(&mut group, &topics);
        for m in group.members.values() {
            assert_eq!(m.assignment["t"], BTreeSet::from([0]));
        }
        let topics = TopicPartitionCounts::from([("t".to_string(), 4)]);
        reassign(&mut group, &topics);
        let all: Vec<i32> = group
            .members
            .values()
            .flat_map(|m| m.assignment["t"].iter().copied())
            .collect();
        assert_eq!(all.len(), 4, "each partition once when there are enough");
        assert_eq!(all.iter().copied().collect::<BTreeSet<_>>().len(), 4);
        assert!(!assignment_stale(&group, &topics));
    }
}
