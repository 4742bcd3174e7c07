//! The group coordinator: classic groups, consumer-protocol groups
//! (KIP-848, in [`consumer_protocol`]) and committed offsets.
//!
//! # Who owns what
//!
//! [`GroupCoordinator`] is the one owner of all group state: a
//! [`state::Groups`] (every group, its members and committed offsets) and
//! the [`store::GroupStore`] log, together behind one `std::sync::Mutex`.
//! Every operation is a short critical section over in-memory data plus at
//! most one `write` to the log; nothing awaits while holding it. Keeping the
//! log append inside the same lock is what makes the order of entries in the
//! file the order the state changed in.
//!
//! JoinGroup and SyncGroup often cannot be answered at once. The state
//! machine then parks a oneshot sender on the member and the handler awaits
//! the receiver — an async wait on the connection's task, never a blocked
//! thread. Whatever completes the rebalance (the last member rejoining, the
//! leader's SyncGroup, a timer) sends the answers. The connection already
//! races each request against broker shutdown, so a parked request ends
//! with the broker.
//!
//! Timers — the initial rebalance delay, rebalance timeouts, session
//! expiry, members that never send SyncGroup, member ids handed out with
//! MEMBER_ID_REQUIRED and never used — are deadlines stored in the state.
//! One task ([`GroupCoordinator::run`], started by the server and stopped on
//! shutdown) sleeps until the earliest of them, runs whatever is due, and is
//! woken early by a `Notify` whenever an operation may have moved a
//! deadline closer. A closed connection removes nobody: as in Kafka, only
//! LeaveGroup or an expired session does.
//!
//! # Durability
//!
//! Commits are written before they are applied and acknowledged; with
//! `FlushPolicy::EveryBatch` the log is also fsynced first (outside the
//! lock, on the blocking pool). Group metadata (protocol type, protocol,
//! generation) is logged when a generation completes so a restarted broker
//! shows the group, Empty, with its offsets; classic members are not
//! restored, and rejoin when their heartbeats get UNKNOWN_MEMBER_ID. A
//! consumer-protocol group logs its epoch, members and target assignment
//! whenever they change, and comes back with them (fresh session timers),
//! so its members go on heartbeating without a rebalance, as Kafka's
//! ConsumerGroup* records let them.

mod assignors;
mod consumer_protocol;
mod migration;
mod state;
mod store;
#[cfg(test)]
mod tests;

use std::fs::File;
use std::sync::{Arc, Mutex, OnceLock};

use kctl_client::protocol::ErrorCode;
use tokio::sync::{Notify, broadcast};
use tokio::time::Instant;

pub(crate) use assignors::Assignment;
pub(crate) use consumer_protocol::{
    ConsumerGroupDescription, ConsumerHeartbeat, ConsumerHeartbeatResponse,
};
pub use state::GroupState;
pub(crate) use state::{
    GroupConfig, GroupDescription, GroupListing, JoinRequest, JoinResponse, Reply, SyncRequest,
    SyncResponse, TopicOffsets,
};
pub(crate) use store::{CommittedOffset, Entry};

use crate::cluster::coordinator_log::{GroupLogReplicator, Replication};
use crate::config::BrokerConfig;
use crate::log::FlushPolicy;
use crate::state::lock;
use state::Groups;
use store::GroupStore;

#[derive(Debug)]
pub struct GroupCoordinator {
    inner: Mutex<Inner>,
    /// Wakes [`GroupCoordinator::run`] to recompute the next deadline.
    wake: Notify,
    flush: FlushPolicy,
    sync_handle: Arc<File>,
    /// On a cluster node: the `__consumer_offsets` partitions every logged
    /// entry is also appended to (see `cluster::coordinator_log`).
    replicator: OnceLock<GroupLogReplicator>,
}

/// What an operation logged: whether anything, and on a cluster node the
/// replication to wait for before answering.
pub(crate) struct Written {
    any: bool,
    replication: Option<Replication>,
}

#[derive(Debug)]
struct Inner {
    groups: Groups,
    store: GroupStore,
}

impl GroupCoordinator {
    /// Replays the group log under the data directory. Blocking.
    pub(crate) fn open(config: &BrokerConfig) -> anyhow::Result<Self> {
        let (store, stored, report) = GroupStore::open(&config.data_dir).map_err(|e| {
            anyhow::anyhow!(
                "cannot open the group log in {}: {e}",
                config.data_dir.display()
            )
        })?;
        if report.torn_bytes_dropped > 0 {
            tracing::warn!(
                bytes = report.torn_bytes_dropped,
                "dropped a torn entry at the end of the group log"
            );
        }
        tracing::debug!(
            groups = stored.len(),
            entries = report.entries_replayed,
            compacted = report.compacted,
            "group log replayed"
        );
        let mut groups = Groups::new(GroupConfig {
            initial_rebalance_delay: std::time::Duration::from_millis(
                config.group.initial_rebalance_delay_ms,
            ),
            min_session_timeout_ms: config.group.min_session_timeout_ms,
            max_session_timeout_ms: config.group.max_session_timeout_ms,
            consumer_session_timeout_ms: config.group.consumer_session_timeout_ms,
            consumer_heartbeat_interval_ms: config.group.consumer_heartbeat_interval_ms,
            migration_policy: config.group.consumer_migration_policy,
        });
        groups.restore(Instant::now(), stored);
        Ok(Self {
            sync_handle: store.sync_handle(),
            inner: Mutex::new(Inner { groups, store }),
            wake: Notify::new(),
            flush: config.log.flush,
            replicator: OnceLock::new(),
        })
    }

    /// Makes this a cluster node's coordinator: entries are replicated
    /// through `__consumer_offsets`. Set once, when the node starts serving.
    pub(crate) fn replicate_to(&self, replicator: GroupLogReplicator) {
        let _ = self.replicator.set(replicator);
    }

    /// Appends `entries` to the replicated partitions, under the caller's
    /// lock. `Ok(None)` on a single broker.
    fn replicate(&self, entries: &[Entry]) -> Result<Option<Replication>, ErrorCode> {
        let Some(replicator) = self.replicator.get() else {
            return Ok(None);
        };
        if entries.is_empty() {
            return Ok(None);
        }
        let records = entries
            .iter()
            .map(crate::cluster::coordinator_log::record_for)
            .collect::<Result<Vec<_>, _>>()?;
        replicator.append(&records).map(Some)
    }

    /// Keeps only the groups `keep` accepts: a cluster node drops those of
    /// the `__consumer_offsets` partitions it no longer leads.
    pub(crate) fn retain_groups(&self, keep: impl FnMut(&str) -> bool) {
        lock(&self.inner).groups.retain(keep);
        self.wake.notify_one();
    }

    /// Loads groups replayed from a `__consumer_offsets` partition (JSON
    /// entries in log order), replacing any in memory.
    pub(crate) fn load(&self, payloads: Vec<bytes::Bytes>) {
        let entries = payloads.iter().filter_map(|p| {
            serde_json::from_slice::<Entry>(p)
                .map_err(|e| tracing::warn!("skipping an unreadable group entry: {e}"))
                .ok()
        });
        let stored = store::replay(entries);
        lock(&self.inner).groups.restore(Instant::now(), stored);
        self.wake.notify_one();
    }

    /// Runs `f` on the groups under the lock, logs what it produced, and
    /// wakes the timer task. Returns whether anything was logged.
    fn with_groups<T>(&self, f: impl FnOnce(&mut Groups, Instant) -> T) -> (T, Written) {
        let result = self.locked(f);
        self.wake.notify_one();
        result
    }

    fn locked<T>(&self, f: impl FnOnce(&mut Groups, Instant) -> T) -> (T, Written) {
        let mut inner = lock(&self.inner);
        let value = f(&mut inner.groups, Instant::now());
        let writes = inner.groups.take_writes();
        let any = !writes.is_empty();
        if let Err(e) = inner.store.append(&writes) {
            // Only group metadata and deletions take this path; the
            // in-memory state stays right until a restart.
            tracing::error!(path = %inner.store.path().display(), "cannot write the group log: {e}");
        }
        let replication = self.replicate(&writes).unwrap_or_else(|code| {
            // Leadership moved under us: the next image change drops
            // these groups here and the new coordinator loads its copy.
            tracing::warn!("cannot replicate group metadata: {code:?}");
            None
        });
        (value, Written { any, replication })
    }

    /// With `FlushPolicy::EveryBatch`, fsyncs the log before an answer that
    /// depends on it leaves.
    async fn sync_if_required(&self) -> std::io::Result<()> {
        if self.flush != FlushPolicy::EveryBatch {
            return Ok(());
        }
        let file = Arc::clone(&self.sync_handle);
        tokio::task::spawn_blocking(move || file.sync_data())
            .await
            .map_err(std::io::Error::other)?
    }

    /// fsyncs the log (periodic flush, shutdown). Blocking.
    pub(crate) fn flush(&self) -> std::io::Result<()> {
        self.sync_handle.sync_data()
    }

    async fn after_write(&self, wrote: Written) {
        if !wrote.any {
            return;
        }
        if let Err(e) = self.sync_if_required().await {
            tracing::error!("cannot fsync the group log: {e}");
        }
        if let Some(replication) = wrote.replication
            && let Err(code) = replication.await
        {
            tracing::warn!("group metadata not replicated: {code:?}");
        }
    }

    pub(crate) async fn join(&self, request: JoinRequest) -> JoinResponse {
        let member_id = request.member_id.clone();
        let (reply, wrote) = self.with_groups(|groups, now| groups.join(now, request));
        self.after_write(wrote).await;
        match reply {
            Reply::Now(response) => response,
            // The sender only goes away without answering if the group is
            // torn down under the member; the client retries on this code.
            Reply::Later(rx) => rx.await.unwrap_or_else(|_| JoinResponse {
                error: Some(ErrorCode::CoordinatorNotAvailable),
                generation: -1,
                protocol_type: None,
                protocol_name: None,
                leader: String::new(),
                member_id,
                members: Vec::new(),
                skip_assignment: false,
            }),
        }
    }

    pub(crate) async fn sync(&self, request: SyncRequest) -> SyncResponse {
        let (reply, wrote) = self.with_groups(|groups, now| groups.sync(now, request));
        self.after_write(wrote).await;
        match reply {
            Reply::Now(response) => response,
            Reply::Later(rx) => rx.await.unwrap_or_else(|_| SyncResponse {
                error: Some(ErrorCode::CoordinatorNotAvailable),
                protocol_type: None,
                protocol_name: None,
                assignment: bytes::Bytes::new(),
            }),
        }
    }

    /// ConsumerGroupHeartbeat; `all_topics` maps each topic to its
    /// partition count.
    pub(crate) async fn consumer_heartbeat(
        &self,
        all_topics: &std::collections::BTreeMap<String, i32>,
        request: ConsumerHeartbeat,
    ) -> ConsumerHeartbeatResponse {
        let (response, wrote) =
            self.with_groups(|groups, now| groups.consumer_heartbeat(now, all_topics, request));
        self.after_write(wrote).await;
        response
    }

    pub(crate) fn consumer_describe(
        &self,
        group_id: &str,
    ) -> Result<ConsumerGroupDescription, (ErrorCode, String)> {
        lock(&self.inner).groups.consumer_describe(group_id)
    }

    pub(crate) fn heartbeat(
        &self,
        group_id: &str,
        generation: i32,
        member_id: &str,
        instance_id: Option<&str>,
    ) -> Option<ErrorCode> {
        // A heartbeat only ever pushes a deadline later: no need to wake
        // the timer task.
        let mut inner = lock(&self.inner);
        inner
            .groups
            .heartbeat(Instant::now(), group_id, generation, member_id, instance_id)
    }

    pub(crate) async fn leave(
        &self,
        group_id: &str,
        leaving: &[(String, Option<String>)],
    ) -> Vec<Option<ErrorCode>> {
        let (results, wrote) = self.with_groups(|groups, now| groups.leave(now, group_id, leaving));
        self.after_write(wrote).await;
        results
    }

    /// Validates a commit against the group, logs it, applies it.
    pub(crate) async fn commit(
        &self,
        group_id: &str,
        generation: i32,
        member_id: &str,
        instance_id: Option<&str>,
        commits: Vec<((String, i32), CommittedOffset)>,
    ) -> Result<(), ErrorCode> {
        let replication = {
            let mut inner = lock(&self.inner);
            inner.groups.validate_commit(
                Instant::now(),
                group_id,
                generation,
                member_id,
                instance_id,
            )?;
            let entries: Vec<Entry> = commits
                .iter()
                .map(|((topic, partition), c)| Entry::Offset {
                    group: group_id.to_owned(),
                    topic: topic.clone(),
                    partition: *partition,
                    offset: c.offset,
                    leader_epoch: c.leader_epoch,
                    metadata: c.metadata.clone(),
                    commit_timestamp_ms: c.commit_timestamp_ms,
                })
                .collect();
            // Replicated first: a commit the partition refuses (this
            // node no longer leads it) is neither logged nor applied.
            let replication = self.replicate(&entries)?;
            if let Err(e) = inner.store.append(&entries) {
                tracing::error!(group = group_id, "cannot write offset commit: {e}");
                return Err(ErrorCode::CoordinatorNotAvailable);
            }
            // Applied before the ISR has it, in log order; if replication
            // then fails the committer is told to retry, as with a
            // timed-out acks=all produce.
            inner.groups.apply_commits(group_id, commits);
            replication
        };
        self.sync_if_required().await.map_err(|e| {
            tracing::error!(group = group_id, "cannot fsync offset commit: {e}");
            ErrorCode::CoordinatorNotAvailable
        })?;
        match replication {
            Some(replication) => replication.await,
            None => Ok(()),
        }
    }

    /// TxnOffsetCommit's check: a commit naming a member must come from
    /// that member of the current generation (KIP-447); one without member
    /// information (clients before v3) is accepted, as Kafka accepts it.
    pub(crate) fn validate_txn_commit(
        &self,
        group_id: &str,
        generation: i32,
        member_id: &str,
        instance_id: Option<&str>,
    ) -> Result<(), ErrorCode> {
        if generation < 0 && member_id.is_empty() && instance_id.is_none() {
            return Ok(());
        }
        lock(&self.inner).groups.validate_commit(
            Instant::now(),
            group_id,
            generation,
            member_id,
            instance_id,
        )
    }

    /// Makes a committed transaction's offsets visible: logged, then
    /// applied. They were validated when the producer sent them; the
    /// transaction coordinator calls this once the commit is decided, and
    /// again after a restart if it was not yet complete, which is harmless.
    pub(crate) fn apply_txn_offsets(
        &self,
        group_id: &str,
        commits: Vec<((String, i32), CommittedOffset)>,
    ) -> std::io::Result<()> {
        {
            let mut inner = lock(&self.inner);
            let entries: Vec<Entry> = commits
                .iter()
                .map(|((topic, partition), c)| Entry::Offset {
                    group: group_id.to_owned(),
                    topic: topic.clone(),
                    partition: *partition,
                    offset: c.offset,
                    leader_epoch: c.leader_epoch,
                    metadata: c.metadata.clone(),
                    commit_timestamp_ms: c.commit_timestamp_ms,
                })
                .collect();
            inner.store.append(&entries)?;
            // The transaction's decision is already logged; replication
            // completes in the background. On a cluster the transaction
            // coordinator may not coordinate the group: the offsets are then
            // kept on this node only (a documented limit, see
            // docs/architecture.md), as before replication existed.
            match self.replicate(&entries) {
                Ok(Some(replication)) => {
                    tokio::spawn(async move {
                        if let Err(code) = replication.await {
                            tracing::warn!("transactional offsets not replicated: {code:?}");
                        }
                    });
                }
                Ok(None) => {}
                Err(code) => tracing::warn!(
                    group = group_id,
                    "transactional offsets kept on this node only: {code:?}"
                ),
            }
            inner.groups.apply_commits(group_id, commits);
        }
        if self.flush == FlushPolicy::EveryBatch {
            self.sync_handle.sync_data()?;
        }
        Ok(())
    }

    /// OffsetFetch v9+'s member check (Kafka's `validateOffsetFetch`):
    /// only consumer-protocol groups check the member and its epoch.
    pub(crate) fn validate_fetch(
        &self,
        group_id: &str,
        member_id: Option<&str>,
        member_epoch: i32,
    ) -> Result<(), ErrorCode> {
        let inner = lock(&self.inner);
        match inner.groups.consumer_group(group_id) {
            Some(consumer) => consumer.validate_fetch(member_id, member_epoch),
            None => Ok(()),
        }
    }

    /// Whether `member_id` is a consumer-protocol member of `group_id`:
    /// such members must commit with OffsetCommit v9+ (Kafka answers older
    /// versions UNSUPPORTED_VERSION).
    pub(crate) fn is_consumer_member(&self, group_id: &str, member_id: &str) -> bool {
        lock(&self.inner)
            .groups
            .consumer_group(group_id)
            .is_some_and(|c| c.has_consumer_protocol_member(member_id))
    }

    pub(crate) fn committed(
        &self,
        group_id: &str,
        topics: Option<&[(String, Vec<i32>)]>,
    ) -> Vec<TopicOffsets> {
        lock(&self.inner).groups.committed(group_id, topics)
    }

    pub(crate) fn describe(&self, group_id: &str) -> GroupDescription {
        lock(&self.inner).groups.describe(group_id)
    }

    pub(crate) fn list(&self) -> Vec<GroupListing> {
        lock(&self.inner).groups.list()
    }

    pub(crate) async fn delete(&self, group_id: &str) -> Result<(), ErrorCode> {
        let (result, wrote) = self.with_groups(|groups, _| groups.delete(group_id));
        self.after_write(wrote).await;
        result
    }

    pub(crate) async fn delete_offsets(
        &self,
        group_id: &str,
        partitions: &[(String, i32)],
    ) -> Result<Vec<Option<ErrorCode>>, ErrorCode> {
        let (result, wrote) =
            self.with_groups(|groups, _| groups.delete_offsets(group_id, partitions));
        self.after_write(wrote).await;
        result
    }

    pub fn state_of(&self, group_id: &str) -> GroupState {
        lock(&self.inner).groups.state(group_id)
    }

    /// Runs the group timers until `shutdown` fires.
    pub(crate) async fn run(&self, mut shutdown: broadcast::Receiver<()>) {
        loop {
            // Registered before looking at the deadlines, so an operation
            // that moves one closer in between still wakes us.
            let woken = self.wake.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            let (next, wrote) = self.locked(|groups, now| groups.expire(now));
            self.after_write(wrote).await;
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
}
