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
//! followed: InitProducerId fences older epochs, AddPartitionsToTxn /
//! AddOffsetsToTxn open the transaction, EndTxn logs PrepareCommit or
//! PrepareAbort, then COMMIT or ABORT markers go to every partition of the
//! transaction, committed offsets become visible, and CompleteCommit /
//! CompleteAbort is logged.
//!
//! Transactions v2 (KIP-890 part 2) are served beside v1, told apart by
//! request version as Kafka does: a transactional Produce v12 adds its
//! partition to the transaction (opening it if needed) and TxnOffsetCommit
//! v5 its group, with no AddPartitionsToTxn / AddOffsetsToTxn; EndTxn v5
//! bumps the epoch with the decision (a new producer id once the epoch is
//! exhausted), writes the markers under the new epoch and answers it, so
//! every transaction fences the ones before it. Which protocol clients
//! pick is the broker's finalized `transaction.version` feature.
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
//! epoch (fencing the producer) and aborts them, retries any transaction
//! whose markers could not all be written, and forgets transactional ids
//! idle (no transaction open) for longer than
//! `transactional.id.expiration.ms`, logging their removal.

mod state;

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::control::MarkerType;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

pub use state::{EndAction, PendingOffset, TxnError, TxnMetadata, TxnState, TxnVersion};

use crate::cluster::coordinator_log::Replication;
use crate::cluster::txn_log::TxnLogReplicator;
use crate::config::BrokerConfig;
use crate::framed_log::FramedLog;
use crate::group::CommittedOffset;
use crate::log::FlushPolicy;
use crate::state::{BrokerState, lock, now_ms};

const TXN_DIR: &str = "__transactions";
const LOG_FILE: &str = "transactions.log";
/// Below this many entries a rewrite saves too little to bother.
const COMPACT_MIN_ENTRIES: u64 = 64;
/// A single broker is its only coordinator and it never moves; a cluster
/// node uses its `__transaction_state` partition's leader epoch
/// (`cluster::txn_log::coordinator_epoch`).
pub const COORDINATOR_EPOCH: i32 = 0;
/// The leader epoch stamped on markers, as on every batch.
const LEADER_EPOCH: i32 = 0;

/// A partition and its error code (0: none) in a broker's AddPartitionsToTxn.
pub(crate) type PartitionAnswer = ((String, i32), i16);

/// One group's offsets of a committed transaction.
/// A group's offsets, as a transaction's commit applies them.
pub(crate) type GroupOffsets = Vec<((String, i32), CommittedOffset)>;

/// One logged change.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Entry {
    Txn(TxnMetadata),
    /// The id expired (`transactional.id.expiration.ms`) and is forgotten.
    Expired(String),
}

#[derive(Debug)]
pub struct TxnCoordinator {
    inner: Mutex<Inner>,
    flush: FlushPolicy,
    sync_handle: Arc<File>,
    max_timeout_ms: i32,
    check_interval: Duration,
    id_expiration_ms: i64,
}

struct Inner {
    txns: BTreeMap<String, TxnMetadata>,
    store: FramedLog,
    /// On a cluster: appends every entry to `__transaction_state`.
    replicator: Option<Arc<TxnLogReplicator>>,
    /// The replication of each id's last entry, for the handler that
    /// answers once the ISR has it.
    replications: HashMap<String, Replication>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("txns", &self.txns)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl Inner {
    /// Logs the current metadata of `id` (and on a cluster appends it to
    /// its `__transaction_state` partition).
    fn persist(&mut self, id: &str) -> Result<(), TxnError> {
        let Some(meta) = self.txns.get(id) else {
            return Ok(());
        };
        let entry = Entry::Txn(meta.clone());
        self.store
            .append(std::slice::from_ref(&entry))
            .map_err(|e| TxnError::Storage(e.to_string()))?;
        self.replicate(id, &entry)
    }

    fn replicate(&mut self, id: &str, entry: &Entry) -> Result<(), TxnError> {
        let Some(replicator) = &self.replicator else {
            return Ok(());
        };
        let payload = serde_json::to_vec(entry).map_err(|e| TxnError::Storage(e.to_string()))?;
        let replication = replicator.append(id, payload).map_err(TxnError::Group)?;
        self.replications.insert(id.to_owned(), replication);
        Ok(())
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
        // A cluster node loads its ids from `__transaction_state` when it
        // leads their partitions (`cluster::txn_log`), never from this
        // file, which may be older.
        let entries = if config.controller.is_some() {
            Vec::new()
        } else {
            entries
        };
        for entry in entries {
            match entry {
                Entry::Txn(meta) => {
                    txns.insert(meta.transactional_id.clone(), meta);
                }
                Entry::Expired(id) => {
                    txns.remove(&id);
                }
            }
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
            inner: Mutex::new(Inner {
                txns,
                store,
                replicator: None,
                replications: HashMap::new(),
            }),
            flush: config.log.flush,
            max_timeout_ms: config.txn.max_timeout_ms,
            check_interval: Duration::from_millis(config.txn.abort_timed_out_check_interval_ms),
            id_expiration_ms: config.txn.transactional_id_expiration_ms,
        })
    }

    /// On a cluster: every entry is also appended to `__transaction_state`.
    pub(crate) fn replicate_to(&self, replicator: TxnLogReplicator) {
        lock(&self.inner).replicator = Some(Arc::new(replicator));
    }

    /// The replication of `id`'s last entry, if one is pending: a handler
    /// answers once it completes (Kafka appends to `__transaction_state`
    /// with acks=all).
    pub(crate) fn take_replication(&self, id: &str) -> Option<Replication> {
        lock(&self.inner).replications.remove(id)
    }

    /// Forgets the ids `keep` refuses (their partition is led elsewhere now).
    pub(crate) fn retain_ids(&self, keep: impl Fn(&str) -> bool) {
        let mut inner = lock(&self.inner);
        inner.txns.retain(|id, _| keep(id));
        inner.replications.retain(|id, _| keep(id));
    }

    /// Replays entries read from a `__transaction_state` partition.
    pub(crate) fn load_entries(&self, payloads: &[bytes::Bytes]) {
        let mut inner = lock(&self.inner);
        for payload in payloads {
            match serde_json::from_slice::<Entry>(payload) {
                Ok(Entry::Txn(meta)) => {
                    inner.txns.insert(meta.transactional_id.clone(), meta);
                }
                Ok(Entry::Expired(id)) => {
                    inner.txns.remove(&id);
                }
                Err(e) => tracing::warn!("skipping an unreadable transaction state entry: {e}"),
            }
        }
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
                let meta = metadata_mut(&mut inner, id)?;
                if let Some((producer_id, epoch)) = expected {
                    meta.check_producer(producer_id, epoch)?;
                }
                meta.fence_and_abort(now);
                inner.persist(id)?;
                complete_prepared(broker, &mut inner, id)?;
                let meta = metadata_mut(&mut inner, id)?;
                if meta.state.is_prepare() {
                    // On a cluster the abort's markers are still on their
                    // way to other nodes: the producer retries, as Kafka
                    // answers CONCURRENT_TRANSACTIONS until it completes.
                    drop(inner);
                    self.sync_if_required();
                    return Err(TxnError::Concurrent);
                }
                // The fence already moved past the caller's epoch.
                meta.bump_for_init(None, timeout_ms, now, new_producer_id)?;
                inner.persist(id)
            }
            Some(_) => {
                let meta = metadata_mut(&mut inner, id)?;
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
        if meta.add(partitions, group, TxnVersion::V1, now_ms())? {
            inner.persist(id)?;
            drop(inner);
            self.sync_if_required();
        }
        Ok(())
    }

    /// TxnOffsetCommit: offsets held until the transaction commits. Under
    /// transactions v2 (`TxnVersion::V2`, TxnOffsetCommit v5) the group
    /// joins the transaction here, opening it if needed; under v1 it must
    /// have been added by AddOffsetsToTxn.
    pub(crate) fn add_offsets(
        &self,
        id: &str,
        producer_id: i64,
        epoch: i16,
        version: TxnVersion,
        offsets: Vec<PendingOffset>,
    ) -> Result<(), TxnError> {
        let mut inner = lock(&self.inner);
        let meta = inner
            .txns
            .get_mut(id)
            .ok_or(TxnError::ProducerIdMapping(producer_id))?;
        meta.check_producer(producer_id, epoch)?;
        if version == TxnVersion::V2 {
            for group in offsets.iter().map(|o| o.group.clone()).collect::<Vec<_>>() {
                meta.add(&[], Some(&group), version, now_ms())?;
            }
        }
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

    /// EndTxn: commit or abort, markers included. Returns the producer id
    /// and epoch the client goes on with (new ones under transactions v2).
    pub(crate) fn end(
        &self,
        broker: &BrokerState,
        id: &str,
        producer_id: i64,
        epoch: i16,
        commit: bool,
        version: TxnVersion,
    ) -> Result<(i64, i16), TxnError> {
        let mut inner = lock(&self.inner);
        let meta = inner
            .txns
            .get_mut(id)
            .ok_or(TxnError::ProducerIdMapping(producer_id))?;
        let action = match version {
            TxnVersion::V1 => {
                meta.check_producer(producer_id, epoch)?;
                meta.end(commit, now_ms())?
            }
            TxnVersion::V2 => meta.end_v2(producer_id, epoch, commit, now_ms(), || {
                broker
                    .new_producer_id()
                    .map_err(|e| TxnError::Storage(e.to_string()))
            })?,
        };
        if action == EndAction::AlreadyDone {
            return Ok(meta.identity_after_completion());
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
        let identity = inner
            .txns
            .get(id)
            .map_or((producer_id, epoch), TxnMetadata::identity_after_completion);
        drop(inner);
        self.sync_if_required();
        Ok(identity)
    }

    /// Runs `append` (a transactional Produce to one partition) if the
    /// producer's transaction is open and includes the partition; under
    /// the coordinator lock, so no marker can be written in between. With
    /// `add_partition` (Produce v12, transactions v2) a partition not yet
    /// in the transaction is added first, opening it if none is.
    pub(crate) fn verify_and_append<T>(
        &self,
        id: &str,
        producer_id: i64,
        epoch: i16,
        partition: &(String, i32),
        add_partition: bool,
        append: impl FnOnce() -> T,
    ) -> Result<T, (ErrorCode, String)> {
        let mut inner = lock(&self.inner);
        let Some(meta) = inner.txns.get_mut(id) else {
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
        if add_partition
            && !(meta.state == TxnState::Ongoing && meta.partitions.contains(partition))
        {
            let added = meta.add(
                std::slice::from_ref(partition),
                None,
                TxnVersion::V2,
                now_ms(),
            );
            let persisted = match added {
                Ok(_) => inner.persist(id),
                Err(e) => Err(e),
            };
            if let Err(e) = persisted {
                // Markers of the last transaction are still being written:
                // retriable, as Kafka answers a Produce that must wait.
                let code = match e {
                    TxnError::Concurrent => ErrorCode::NotEnoughReplicas,
                    TxnError::Storage(_) => ErrorCode::NotEnoughReplicas,
                    _ => ErrorCode::InvalidTxnState,
                };
                return Err((code, e.to_string()));
            }
            self.sync_if_required();
            return Ok(append());
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

    /// The partitions of `group` with a transactional offset commit not yet
    /// decided (an open or ending transaction holds it): OffsetFetch with
    /// `require_stable` answers UNSTABLE_OFFSET_COMMIT for them (KIP-447).
    pub(crate) fn pending_offsets_of(&self, group: &str) -> Vec<(String, i32)> {
        lock(&self.inner)
            .txns
            .values()
            .filter(|m| m.state == TxnState::Ongoing || m.state.is_prepare())
            .flat_map(|m| &m.pending_offsets)
            .filter(|p| p.group == group)
            .map(|p| (p.topic.clone(), p.partition))
            .collect()
    }

    /// Whether `id` is still the prepared transaction of this producer id
    /// and epoch (its marker sender goes on only while it is).
    pub(crate) fn is_prepared(&self, id: &str, producer_id: i64, epoch: i16) -> bool {
        lock(&self.inner).txns.get(id).is_some_and(|m| {
            m.state.is_prepare() && m.producer_id == producer_id && m.producer_epoch == epoch
        })
    }

    /// Completes a prepared transaction once the marker sender wrote every
    /// marker of it.
    pub(crate) fn complete_after_markers(
        &self,
        broker: &BrokerState,
        id: &str,
        producer_id: i64,
        epoch: i16,
    ) {
        let mut inner = lock(&self.inner);
        let marker = match inner.txns.get(id) {
            Some(m) if m.producer_id == producer_id && m.producer_epoch == epoch => match m.state {
                TxnState::PrepareCommit => MarkerType::Commit,
                TxnState::PrepareAbort => MarkerType::Abort,
                _ => return,
            },
            _ => return,
        };
        if let Err(e) = finish_prepared(broker, &mut inner, id, marker) {
            tracing::error!(
                transactional_id = id,
                "cannot complete the transaction yet: {e}"
            );
        }
        drop(inner);
        self.sync_if_required();
    }

    /// Resends the markers of every prepared transaction (a cluster node's
    /// marker sender calls this when it starts).
    pub(crate) fn retry_prepared(&self, broker: &BrokerState) {
        self.recover(broker);
    }

    /// AddPartitionsToTxn v4+ from a partition leader or group coordinator
    /// (KIP-890): `verify_only` checks that every partition is in the
    /// producer's ongoing transaction; otherwise they are added (a
    /// transactions-v2 Produce or TxnOffsetCommit), opening it if needed.
    /// A `__consumer_offsets` partition is in a transaction when one of
    /// its groups was added by AddOffsetsToTxn. One answer per partition.
    pub(crate) fn verify_partitions(
        &self,
        id: &str,
        producer_id: i64,
        epoch: i16,
        partitions: &[(String, i32)],
        verify_only: bool,
    ) -> Result<Vec<PartitionAnswer>, ErrorCode> {
        let mut inner = lock(&self.inner);
        let Some(meta) = inner.txns.get_mut(id) else {
            return Err(ErrorCode::InvalidProducerIdMapping);
        };
        if let Err(e) = meta.check_producer(producer_id, epoch) {
            return Err(e.code(i16::MAX, 0));
        }
        if verify_only {
            let groups: Vec<(String, i32)> = meta
                .groups
                .iter()
                .map(|g| crate::cluster::txn_channel::offsets_partition(g))
                .collect();
            let ongoing = meta.state == TxnState::Ongoing;
            return Ok(partitions
                .iter()
                .map(|tp| {
                    let ok = ongoing && (meta.partitions.contains(tp) || groups.contains(tp));
                    (
                        tp.clone(),
                        if ok {
                            0
                        } else {
                            ErrorCode::InvalidTxnState.code()
                        },
                    )
                })
                .collect());
        }
        let missing: Vec<(String, i32)> = partitions
            .iter()
            .filter(|tp| !(meta.state == TxnState::Ongoing && meta.partitions.contains(*tp)))
            .cloned()
            .collect();
        if !missing.is_empty() {
            meta.add(&missing, None, TxnVersion::V2, now_ms())
                .and_then(|_| inner.persist(id))
                .map_err(|e| e.code(i16::MAX, 0))?;
            drop(inner);
            self.sync_if_required();
        }
        Ok(partitions.iter().map(|tp| (tp.clone(), 0)).collect())
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
                let Some(meta) = inner.txns.get_mut(&id) else {
                    continue;
                };
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
        self.expire_idle(&mut inner, now);
        drop(inner);
        self.sync_if_required();
        aborted
    }

    /// Forgets ids with no open transaction unused for longer than
    /// `transactional.id.expiration.ms` (Kafka's
    /// `removeExpiredTransactionalIds`); a producer that comes back later
    /// starts over with a new producer id. Returns how many went.
    fn expire_idle(&self, inner: &mut Inner, now: i64) -> usize {
        let expired: Vec<String> = inner
            .txns
            .values()
            .filter(|m| {
                matches!(
                    m.state,
                    TxnState::Empty | TxnState::CompleteCommit | TxnState::CompleteAbort
                ) && now.saturating_sub(m.last_update_ms) > self.id_expiration_ms
            })
            .map(|m| m.transactional_id.clone())
            .collect();
        for id in &expired {
            let entry = Entry::Expired(id.clone());
            if let Err(e) = inner
                .store
                .append(std::slice::from_ref(&entry))
                .map_err(|e| TxnError::Storage(e.to_string()))
                .and_then(|()| inner.replicate(id, &entry))
            {
                tracing::error!(transactional_id = %id, "cannot log the expiry: {e}");
                continue;
            }
            tracing::info!(transactional_id = %id, "transactional id expired");
            inner.txns.remove(id);
        }
        expired.len()
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
/// On any failure the transaction stays prepared, for a retry. On a
/// cluster every marker (the `__consumer_offsets` partitions of its groups
/// included) goes to the marker sender (`cluster::txn_channel`), which
/// completes the transaction once the ISR of every partition has its
/// marker.
fn complete_prepared(broker: &BrokerState, inner: &mut Inner, id: &str) -> Result<(), TxnError> {
    let Some(meta) = inner.txns.get(id).cloned() else {
        return Ok(());
    };
    let marker = match meta.state {
        TxnState::PrepareCommit => MarkerType::Commit,
        TxnState::PrepareAbort => MarkerType::Abort,
        _ => return Ok(()),
    };
    if let Some(node) = &broker.cluster {
        use crate::cluster::txn_channel::{self, MarkerJob};
        // Every marker, this node's included, goes through the marker
        // sender: a marker counts once its partition's ISR has it (Kafka's
        // requiredAcks = -1), which only an async task can wait for.
        let mut partitions: Vec<(String, i32)> = meta
            .groups
            .iter()
            .map(|g| txn_channel::offsets_partition(g))
            .chain(meta.partitions.iter().cloned())
            .collect();
        partitions.sort();
        partitions.dedup();
        if partitions.is_empty() {
            return finish_prepared(broker, inner, id, marker);
        }
        let Some(coordinator_epoch) = crate::cluster::txn_log::coordinator_epoch(node, id) else {
            // Deposed (or still loading): the coordinator that loads the id
            // completes the transaction.
            return Err(TxnError::Storage(format!(
                "this node does not coordinate {id} now"
            )));
        };
        let job = MarkerJob {
            transactional_id: id.to_owned(),
            producer_id: meta.producer_id,
            producer_epoch: meta.producer_epoch,
            marker,
            coordinator_epoch,
            partitions,
        };
        if !node.txn.submit(job) {
            return Err(TxnError::Storage(
                "the marker sender is not running yet".into(),
            ));
        }
        // Completed by `complete_after_markers`.
        return Ok(());
    }
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
    finish_prepared(broker, inner, id, marker)
}

/// Every marker is written: applies the transaction's offsets held by this
/// coordinator (on commit) and logs it complete.
fn finish_prepared(
    broker: &BrokerState,
    inner: &mut Inner,
    id: &str,
    marker: MarkerType,
) -> Result<(), TxnError> {
    let Some(meta) = inner.txns.get(id).cloned() else {
        return Ok(());
    };
    let now = now_ms();
    if marker == MarkerType::Commit {
        let by_group = PendingOffset::by_group(meta.pending_offsets.iter().cloned());
        for (group, offsets) in by_group {
            broker
                .groups
                .apply_txn_offsets(&group, offsets)
                .map_err(|e| TxnError::Storage(format!("offsets of group {group}: {e}")))?;
        }
    }
    if let Some(meta) = inner.txns.get_mut(id) {
        meta.complete(now);
    }
    inner.persist(id)
}

/// The metadata of an id the caller just found or created.
fn metadata_mut<'a>(inner: &'a mut Inner, id: &str) -> Result<&'a mut TxnMetadata, TxnError> {
    inner
        .txns
        .get_mut(id)
        .ok_or_else(|| TxnError::InvalidState(format!("unknown transactional id {id}")))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use bytes::BytesMut;
    use kctl_client::protocol::record_batch::{BatchBuilder, BatchParams};

    use super::*;
    use crate::state::NewTopic;

    fn open(config: &BrokerConfig) -> BrokerState {
        BrokerState::open(config.clone(), ("127.0.0.1".into(), 9092)).unwrap()
    }

    #[test]
    fn a_commit_decided_before_a_crash_is_completed_on_restart() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = BrokerConfig::default();
        config.data_dir = dir.path().into();
        let state = open(&config);
        state
            .create_topic(
                NewTopic {
                    name: "t".into(),
                    partitions: 1,
                    replication_factor: 1,
                    configs: BTreeMap::new(),
                },
                false,
            )
            .unwrap();
        let (pid, epoch) = state
            .txns
            .init_producer_id(&state, "tx", 60_000, None)
            .unwrap();
        let tp = ("t".to_owned(), 0);
        state
            .txns
            .add("tx", pid, epoch, std::slice::from_ref(&tp), None)
            .unwrap();
        let mut builder = BatchBuilder::new(now_ms(), 0);
        builder.append(now_ms(), None, Some(b"v"), &[]);
        let mut batch = BytesMut::new();
        builder
            .encode(
                &mut batch,
                &BatchParams {
                    producer_id: pid,
                    producer_epoch: epoch,
                    base_sequence: 0,
                    transactional: true,
                    ..BatchParams::default()
                },
            )
            .unwrap();
        let partition = state.topic("t").unwrap().partition(0).unwrap();
        state
            .txns
            .verify_and_append("tx", pid, epoch, &tp, false, || {
                partition.with_log(|log| log.append(&mut batch, 0, now_ms()))
            })
            .unwrap()
            .unwrap()
            .unwrap();
        // The commit is decided and logged; the process dies before any
        // marker is written (no close: a crash).
        {
            let mut inner = lock(&state.txns.inner);
            let meta = inner.txns.get_mut("tx").unwrap();
            assert_eq!(meta.end(true, now_ms()).unwrap(), EndAction::WriteMarkers);
            inner.persist("tx").unwrap();
        }
        assert_eq!(partition.with_log(|log| log.last_stable_offset()), Some(0));
        drop(partition);
        drop(state);

        let state = open(&config);
        let meta = state.txns.describe("tx").unwrap();
        assert_eq!(meta.state, TxnState::CompleteCommit);
        assert!(meta.partitions.is_empty());
        let partition = state.topic("t").unwrap().partition(0).unwrap();
        // The marker landed after the record: everything is stable.
        assert_eq!(
            partition.with_log(|log| (log.last_stable_offset(), log.log_end_offset())),
            Some((2, 2))
        );
    }

    #[test]
    fn idle_transactional_ids_expire_and_stay_forgotten_after_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = BrokerConfig::default();
        config.data_dir = dir.path().into();
        config.txn.transactional_id_expiration_ms = 1_000;
        let state = open(&config);
        state
            .txns
            .init_producer_id(&state, "idle", 60_000, None)
            .unwrap();
        let (pid, epoch) = state
            .txns
            .init_producer_id(&state, "busy", 60_000, None)
            .unwrap();
        state
            .create_topic(
                NewTopic {
                    name: "t".into(),
                    partitions: 1,
                    replication_factor: 1,
                    configs: BTreeMap::new(),
                },
                false,
            )
            .unwrap();
        state
            .txns
            .add("busy", pid, epoch, &[("t".to_owned(), 0)], None)
            .unwrap();
        // Not yet idle long enough: nothing goes.
        {
            let mut inner = lock(&state.txns.inner);
            assert_eq!(state.txns.expire_idle(&mut inner, now_ms()), 0);
        }
        // Later: the idle id goes; the one with an open transaction stays
        // (its timeout, not expiry, ends it).
        {
            let mut inner = lock(&state.txns.inner);
            assert_eq!(state.txns.expire_idle(&mut inner, now_ms() + 5_000), 1);
        }
        assert!(state.txns.describe("idle").is_none());
        assert!(state.txns.describe("busy").is_some());
        drop(state);
        let state = open(&config);
        assert!(
            state.txns.describe("idle").is_none(),
            "the expiry is logged"
        );
        assert_eq!(
            state.txns.describe("busy").unwrap().state,
            TxnState::Ongoing
        );
    }
}
