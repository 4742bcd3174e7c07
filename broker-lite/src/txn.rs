//! The transaction coordinator: transactional ids, their producer ids and
//! epochs, the state machine of their transactions, and the markers that
//! end them.
//!
//! # Who owns what
//!
//! [`TxnCoordinator`] owns every transactional id's [`TxnMetadata`] and the
//! log they are persisted in, behind one `std::sync::Mutex`. Each change is
//! logged (the whole new metadata, as Kafka writes a record to
//! `__transaction_state`) before it is acknowledged. Kafka's protocol is
//! followed (transactions v1): InitProducerId fences older epochs,
//! AddPartitionsToTxn / AddOffsetsToTxn open the transaction, EndTxn logs
//! PrepareCommit or PrepareAbort, then COMMIT or ABORT markers go to every
//! partition of the transaction, committed offsets become visible, and
//! CompleteCommit / CompleteAbort is logged.
//!
//! broker-lite is its own only partition leader, so it writes the markers
//! itself (no WriteTxnMarkers round trip) while holding the coordinator
//! lock. A transactional Produce is checked against the coordinator and
//! appended under the same lock, so no batch of a transaction can land
//! after its marker. The lock order is always coordinator, then partition.
//!
//! # Durability and restart
//!
//! The log is a [`crate::framed_log`] file, `__transactions/transactions.log`.
//! On start it is replayed, and a transaction found in PrepareCommit or
//! PrepareAbort (the broker died between the decision and the last marker)
//! is completed: its markers are written again — a repeated marker is
//! harmless — and its offsets applied. Ongoing transactions stay open
//! and time out as usual. The entries are whole states in order, so a
//! follower could replicate the coordinator by applying the same stream.
//!
//! # Timeouts
//!
//! [`TxnCoordinator::run`] checks every
//! `transaction.abort.timed.out.transaction.cleanup.interval.ms` for open
//! transactions older than their `transaction.timeout.ms`, bumps their
//! epoch (fencing the producer) and aborts them, and retries any
//! transaction whose markers could not all be written.

mod state;

use std::collections::BTreeMap;
use std::fs::File;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::control::MarkerType;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

pub use state::{EndAction, PendingOffset, TxnError, TxnMetadata, TxnState};

use crate::config::BrokerConfig;
use crate::framed_log::FramedLog;
use crate::group::CommittedOffset;
use crate::log::FlushPolicy;
use crate::state::{BrokerState, lock, now_ms};

const TXN_DIR: &str = "__transactions";
const LOG_FILE: &str = "transactions.log";
/// Below this many entries a rewrite saves too little to bother.
const COMPACT_MIN_ENTRIES: u64 = 64;
/// There is one coordinator and it never moves.
pub const COORDINATOR_EPOCH: i32 = 0;
/// The leader epoch stamped on markers, as on every batch.
const LEADER_EPOCH: i32 = 0;

/// One logged change.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Entry {
    Txn(TxnMetadata),
}

#[derive(Debug)]
pub struct TxnCoordinator {
    inner: Mutex<Inner>,
    flush: FlushPolicy,
    sync_handle: Arc<File>,
    max_timeout_ms: i32,
    check_interval: Duration,
}

#[derive(Debug)]
struct Inner {
    txns: BTreeMap<String, TxnMetadata>,
    store: FramedLog,
}

impl Inner {
    /// Logs the current metadata of `id`.
    fn persist(&mut self, id: &str) -> Result<(), TxnError> {
        let Some(meta) = self.txns.get(id) else {
            return Ok(());
        };
        self.store
            .append(&[Entry::Txn(meta.clone())])
            .map_err(|e| TxnError::Storage(e.to_string()))
    }
}

/// A transaction as DescribeTransactions and ListTransactions show it.
pub type TxnDescription = TxnMetadata;

impl TxnCoordinator {
    /// Replays the transaction log under the data directory. Blocking.
    pub(crate) fn open(config: &BrokerConfig) -> anyhow::Result<Self> {
        let path = config.data_dir.join(TXN_DIR).join(LOG_FILE);
        let (mut store, entries, replayed) = FramedLog::open::<Entry>(&path)
            .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
        if replayed.torn_bytes_dropped > 0 {
            tracing::warn!(
                bytes = replayed.torn_bytes_dropped,
                "dropped a torn entry at the end of the transaction log"
            );
        }
        let mut txns = BTreeMap::new();
        for Entry::Txn(meta) in entries {
            txns.insert(meta.transactional_id.clone(), meta);
        }
        let live = txns.len() as u64;
        if replayed.entries >= COMPACT_MIN_ENTRIES && replayed.entries > 2 * live {
            let snapshot: Vec<Entry> = txns.values().cloned().map(Entry::Txn).collect();
            store
                .rewrite(&snapshot)
                .map_err(|e| anyhow::anyhow!("cannot compact {}: {e}", path.display()))?;
        }
        Ok(Self {
            sync_handle: store.sync_handle(),
            inner: Mutex::new(Inner { txns, store }),
            flush: config.log.flush,
            max_timeout_ms: config.txn.max_timeout_ms,
            check_interval: Duration::from_millis(config.txn.abort_timed_out_check_interval_ms),
        })
    }

    /// Producer ids held by transactional ids, so they are never reissued.
    pub(crate) fn producer_ids(&self) -> Vec<(i64, i16)> {
        lock(&self.inner)
            .txns
            .values()
            .map(|m| (m.producer_id, m.producer_epoch))
            .collect()
    }

    /// Completes transactions left in PrepareCommit/PrepareAbort by a crash.
    /// Runs once the partitions are open.
    pub(crate) fn recover(&self, broker: &BrokerState) {
        let mut inner = lock(&self.inner);
        let in_doubt: Vec<String> = inner
            .txns
            .values()
            .filter(|m| m.state.is_prepare())
            .map(|m| m.transactional_id.clone())
            .collect();
        for id in in_doubt {
            tracing::info!(transactional_id = %id, "completing an in-doubt transaction");
            if let Err(e) = complete_prepared(broker, &mut inner, &id) {
                tracing::error!(transactional_id = %id, "cannot complete the transaction yet: {e}");
            }
        }
        drop(inner);
        self.sync_if_required();
    }

    /// InitProducerId with a transactional id.
    pub(crate) fn init_producer_id(
        &self,
        broker: &BrokerState,
        id: &str,
        timeout_ms: i32,
        expected: Option<(i64, i16)>,
    ) -> Result<(i64, i16), TxnError> {
        if timeout_ms <= 0 || timeout_ms > self.max_timeout_ms {
            return Err(TxnError::InvalidTimeout(timeout_ms));
        }
        let now = now_ms();
        let new_producer_id = || {
            broker
                .new_producer_id()
                .map_err(|e| TxnError::Storage(e.to_string()))
        };
        let mut inner = lock(&self.inner);
        let result = match inner.txns.get(id).map(|m| m.state) {
            None => {
                if let Some((producer_id, _)) = expected {
                    // Kafka: an id and epoch for a transactional id it does
                    // not know.
                    return Err(TxnError::ProducerIdMapping(producer_id));
                }
                let meta = TxnMetadata::new(id, new_producer_id()?, timeout_ms, now);
                inner.txns.insert(id.to_owned(), meta);
                inner.persist(id)?;
                Ok(())
            }
            Some(TxnState::PrepareCommit | TxnState::PrepareAbort) => {
                // Markers still to write (they failed before): try now.
                complete_prepared(broker, &mut inner, id)?;
                Err(TxnError::Concurrent)
            }
            Some(TxnState::Ongoing) => {
                // A new instance of the producer: the old one's transaction
                // is aborted under a bumped epoch, fencing it, before the
                // new one gets its own epoch.
                let meta = inner.txns.get_mut(id).expect("present");
                if let Some((producer_id, epoch)) = expected {
                    meta.check_producer(producer_id, epoch)?;
                }
                meta.fence_and_abort(now);
                inner.persist(id)?;
                complete_prepared(broker, &mut inner, id)?;
                let meta = inner.txns.get_mut(id).expect("present");
                // The fence already moved past the caller's epoch.
                meta.bump_for_init(None, timeout_ms, now, new_producer_id)?;
                inner.persist(id)
            }
            Some(_) => {
                let meta = inner.txns.get_mut(id).expect("present");
                if meta.bump_for_init(expected, timeout_ms, now, new_producer_id)? {
                    inner.persist(id)?;
                }
                Ok(())
            }
        };
        let answer = result.map(|()| {
            let meta = &inner.txns[id];
            (meta.producer_id, meta.producer_epoch)
        });
        drop(inner);
        self.sync_if_required();
        answer
    }

    /// AddPartitionsToTxn (partitions) and AddOffsetsToTxn (a group).
    pub(crate) fn add(
        &self,
        id: &str,
        producer_id: i64,
        epoch: i16,
        partitions: &[(String, i32)],
        group: Option<&str>,
    ) -> Result<(), TxnError> {
        let mut inner = lock(&self.inner);
        let meta = inner
            .txns
            .get_mut(id)
            .ok_or(TxnError::ProducerIdMapping(producer_id))?;
        meta.check_producer(producer_id, epoch)?;
        if meta.add(partitions, group, now_ms())? {
            inner.persist(id)?;
            drop(inner);
            self.sync_if_required();
        }
        Ok(())
    }

    /// TxnOffsetCommit: offsets held until the transaction commits.
    pub(crate) fn add_offsets(
        &self,
        id: &str,
        producer_id: i64,
        epoch: i16,
        offsets: Vec<PendingOffset>,
    ) -> Result<(), TxnError> {
        let mut inner = lock(&self.inner);
        let meta = inner
            .txns
            .get_mut(id)
            .ok_or(TxnError::ProducerIdMapping(producer_id))?;
        meta.check_producer(producer_id, epoch)?;
        if meta.state != TxnState::Ongoing
            || offsets.iter().any(|o| !meta.groups.contains(&o.group))
        {
            return Err(TxnError::InvalidState(
                "TxnOffsetCommit for a group not added to the transaction by AddOffsetsToTxn"
                    .into(),
            ));
        }
        for offset in offsets {
            meta.pending_offsets.retain(|p| {
                (&p.group, &p.topic, p.partition)
                    != (&offset.group, &offset.topic, offset.partition)
            });
            meta.pending_offsets.push(offset);
        }
        meta.last_update_ms = now_ms();
        inner.persist(id)?;
        drop(inner);
        self.sync_if_required();
        Ok(())
    }

    /// EndTxn: commit or abort, markers included.
    pub(crate) fn end(
        &self,
        broker: &BrokerState,
        id: &str,
        producer_id: i64,
        epoch: i16,
        commit: bool,
    ) -> Result<(), TxnError> {
        let mut inner = lock(&self.inner);
        let meta = inner
            .txns
            .get_mut(id)
            .ok_or(TxnError::ProducerIdMapping(producer_id))?;
        meta.check_producer(producer_id, epoch)?;
        if meta.end(commit, now_ms())? == EndAction::AlreadyDone {
            return Ok(());
        }
        inner.persist(id)?;
        // The decision is durable: like Kafka, answer success even if a
        // marker must wait for the retry timer.
        if let Err(e) = complete_prepared(broker, &mut inner, id) {
            tracing::error!(
                transactional_id = id,
                "transaction decided but not complete: {e}"
            );
        }
        drop(inner);
        self.sync_if_required();
        Ok(())
    }

    /// Runs `append` (a transactional Produce to one partition) if the
    /// producer's transaction is open and includes the partition; under
    /// the coordinator lock, so no marker can be written in between.
    pub(crate) fn verify_and_append<T>(
        &self,
        id: &str,
        producer_id: i64,
        epoch: i16,
        partition: &(String, i32),
        append: impl FnOnce() -> T,
    ) -> Result<T, (ErrorCode, String)> {
        let inner = lock(&self.inner);
        let Some(meta) = inner.txns.get(id) else {
            return Err((
                ErrorCode::InvalidProducerIdMapping,
                format!("unknown transactional id {id}"),
            ));
        };
        if let Err(e) = meta.check_producer(producer_id, epoch) {
            let code = match e {
                TxnError::Fenced { .. } => ErrorCode::InvalidProducerEpoch,
                _ => ErrorCode::InvalidProducerIdMapping,
            };
            return Err((code, e.to_string()));
        }
        if meta.state != TxnState::Ongoing || !meta.partitions.contains(partition) {
            return Err((
                ErrorCode::InvalidTxnState,
                format!(
                    "{}-{} is not part of an ongoing transaction of {id}",
                    partition.0, partition.1
                ),
            ));
        }
        Ok(append())
    }

    pub(crate) fn describe(&self, id: &str) -> Option<TxnDescription> {
        lock(&self.inner).txns.get(id).cloned()
    }

    pub(crate) fn list(&self) -> Vec<TxnDescription> {
        lock(&self.inner).txns.values().cloned().collect()
    }

    /// Aborts timed-out transactions and retries unfinished ones until
    /// `shutdown` fires.
    pub(crate) async fn run(broker: Arc<BrokerState>, mut shutdown: broadcast::Receiver<()>) {
        let mut tick = tokio::time::interval(broker.txns.check_interval);
        tick.tick().await;
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    let broker = Arc::clone(&broker);
                    let _ = tokio::task::spawn_blocking(move || broker.txns.abort_timed_out(&broker)).await;
                }
                _ = shutdown.recv() => return,
            }
        }
    }

    /// One pass of the timer: returns how many transactions it aborted.
    pub(crate) fn abort_timed_out(&self, broker: &BrokerState) -> usize {
        let now = now_ms();
        let mut inner = lock(&self.inner);
        let due: Vec<(String, bool)> = inner
            .txns
            .values()
            .filter(|m| m.timed_out(now) || m.state.is_prepare())
            .map(|m| (m.transactional_id.clone(), m.state == TxnState::Ongoing))
            .collect();
        let mut aborted = 0;
        for (id, timed_out) in due {
            if timed_out {
                let meta = inner.txns.get_mut(&id).expect("present");
                tracing::info!(
                    transactional_id = %id,
                    producer_id = meta.producer_id,
                    epoch = meta.producer_epoch,
                    timeout_ms = meta.timeout_ms,
                    "aborting a transaction past its timeout and fencing its producer"
                );
                meta.fence_and_abort(now);
                if let Err(e) = inner.persist(&id) {
                    tracing::error!(transactional_id = %id, "{e}");
                    continue;
                }
                aborted += 1;
            }
            if let Err(e) = complete_prepared(broker, &mut inner, &id) {
                tracing::error!(transactional_id = %id, "cannot complete the transaction yet: {e}");
            }
        }
        drop(inner);
        self.sync_if_required();
        aborted
    }

    /// fsyncs the log (periodic flush, shutdown). Blocking.
    pub(crate) fn flush(&self) -> std::io::Result<()> {
        self.sync_handle.sync_data()
    }

    fn sync_if_required(&self) {
        if self.flush == FlushPolicy::EveryBatch
            && let Err(e) = self.sync_handle.sync_data()
        {
            tracing::error!("cannot fsync the transaction log: {e}");
        }
    }
}

/// Writes the markers of a PrepareCommit/PrepareAbort transaction to every
/// partition in it, applies its offsets on commit, and logs it complete.
/// On any failure the transaction stays prepared, for a retry.
fn complete_prepared(broker: &BrokerState, inner: &mut Inner, id: &str) -> Result<(), TxnError> {
    let meta = inner.txns.get(id).expect("caller checked").clone();
    let marker = match meta.state {
        TxnState::PrepareCommit => MarkerType::Commit,
        TxnState::PrepareAbort => MarkerType::Abort,
        _ => return Ok(()),
    };
    let now = now_ms();
    for (topic, index) in &meta.partitions {
        let Some(partition) = broker.topic(topic).and_then(|t| t.partition(*index)) else {
            // Deleted since it joined the transaction: nothing to mark.
            continue;
        };
        let written = partition.with_log(|log| {
            log.append_marker(
                meta.producer_id,
                meta.producer_epoch,
                marker,
                COORDINATOR_EPOCH,
                LEADER_EPOCH,
                now,
            )
            .map(|_| log.log_end_offset())
        });
        match written {
            Some(Ok(end_offset)) => partition.announce_end_offset(end_offset),
            Some(Err(e)) => {
                return Err(TxnError::Storage(format!(
                    "marker for {topic}-{index}: {e}"
                )));
            }
            None => {}
        }
    }
    if marker == MarkerType::Commit {
        let mut by_group: BTreeMap<&str, Vec<((String, i32), CommittedOffset)>> = BTreeMap::new();
        for p in &meta.pending_offsets {
            by_group.entry(&p.group).or_default().push((
                (p.topic.clone(), p.partition),
                CommittedOffset {
                    offset: p.offset,
                    leader_epoch: p.leader_epoch,
                    metadata: p.metadata.clone(),
                    commit_timestamp_ms: p.commit_timestamp_ms,
                },
            ));
        }
        for (group, offsets) in by_group {
            broker
                .groups
                .apply_txn_offsets(group, offsets)
                .map_err(|e| TxnError::Storage(format!("offsets of group {group}: {e}")))?;
        }
    }
    let meta = inner.txns.get_mut(id).expect("present");
    meta.complete(now);
    inner.persist(id)
}
