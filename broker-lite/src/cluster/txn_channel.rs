//! Transactions across the nodes of a cluster: the broker-to-broker half of
//! Kafka's transaction protocol.
//!
//! - **Verification** (KIP-890, Kafka's `AddPartitionsToTxnManager`): a
//!   partition leader that does not coordinate transactions checks a
//!   transactional Produce with the coordinator through AddPartitionsToTxn
//!   v4 before appending: `verify_only` for Produce below v12
//!   (transactions v1: the client added the partition itself), adding the
//!   partition for Produce v12 (transactions v2). A group coordinator does
//!   the same for TxnOffsetCommit with the group's `__consumer_offsets`
//!   partition, as Kafka's does.
//! - **The verification guard** (Kafka's `VerificationGuard`): set before
//!   the check is sent and cleared by any marker written for the producer
//!   on that partition, and the append happens only if it is still set,
//!   under the partition lock. So a transaction that ends (or is aborted by
//!   its timeout) while the check is in flight cannot gain a batch after
//!   its marker. Nothing else is cached: every transactional Produce is
//!   checked.
//! - **Markers** (Kafka's `TransactionMarkerChannelManager`): the
//!   coordinator sends WriteTxnMarkers to the leader of every partition of
//!   a prepared transaction that it does not lead itself, and to the
//!   leader of the `__consumer_offsets` partition of every group in it,
//!   retrying on NOT_LEADER_OR_FOLLOWER and unreachable nodes (the leader is
//!   looked up again each round) until every marker is written; only then
//!   is the transaction completed. Its own partitions' markers go through
//!   the same sender. A marker is written only once the partition's ISR
//!   has it (the high watermark passes it, the wait acks=all produce
//!   uses), as Kafka appends markers with requiredAcks = -1: a leader that
//!   dies before its followers copied the marker answers nothing, and the
//!   next round writes the marker on the new leader.
//! - **Transactional offsets of a group coordinated elsewhere**: written to
//!   the group's `__consumer_offsets` partition as a transactional batch of
//!   the producer (replicated before TxnOffsetCommit answers), and held here
//!   per producer id until the marker for that partition arrives; a COMMIT
//!   applies them to the group, an ABORT drops them, and the marker is
//!   written to the partition too. A node that loads the partition later
//!   replays them by the markers it finds and holds the undecided ones
//!   (`coordinator_log::read_group_log`), so a group coordinator's death
//!   between TxnOffsetCommit and the commit loses nothing.
//!
//! WriteTxnMarkers and AddPartitionsToTxn v4+ are accepted only from
//! cluster nodes (their client id names a registered broker). That is a
//! sandbox's check, not authentication: Kafka requires the CLUSTER_ACTION
//! permission there, and broker-lite's cluster has no inter-broker
//! security.
//!
//! The coordinator of a transactional id is the leader of its
//! `__transaction_state` partition (`cluster::txn_log`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::control::MarkerType;
use kctl_client::protocol::messages::add_partitions_to_txn_request::{
    AddPartitionsToTxnTopic, AddPartitionsToTxnTransaction,
};
use kctl_client::protocol::messages::write_txn_markers_request::{
    WritableTxnMarker, WritableTxnMarkerTopic,
};
use kctl_client::protocol::messages::{
    AddPartitionsToTxnRequest, ProducerId, TopicName, TransactionalId, WriteTxnMarkersRequest,
};
use tokio::sync::mpsc;

use super::coordinator_log::{OFFSETS_TOPIC, OFFSETS_TOPIC_PARTITIONS, partition_for};
use super::node::ClusterNode;
use super::peer::Peer;
use crate::handlers::str_bytes;
use crate::state::{BrokerState, Partition, lock, now_ms};
use crate::txn::PendingOffset;

/// AddPartitionsToTxn's broker-to-broker batch form.
pub(crate) const ADD_PARTITIONS_BROKER_VERSION: i16 = 4;
const WRITE_TXN_MARKERS_VERSION: i16 = 1;
const CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a leader waits for its ISR to take a marker before answering
/// REQUEST_TIMED_OUT (the coordinator then retries): below
/// `CALL_TIMEOUT`, so the answer arrives before the coordinator gives up.
pub(crate) const MARKER_REPLICATION_TIMEOUT: Duration = Duration::from_secs(4);
/// Between rounds of markers that could not all be written.
const MARKER_RETRY_BACKOFF: Duration = Duration::from_millis(100);
/// Client ids of requests between nodes start with this and the node id.
const BROKER_CLIENT_PREFIX: &str = "broker-";

/// A topic partition.
pub(crate) type Tp = (String, i32);

/// NOT_COORDINATOR (or COORDINATOR_LOAD_IN_PROGRESS, ...) unless this node
/// coordinates `transactional_id` now (clients then ask FindCoordinator
/// again), as Kafka answers a coordinator API sent to the wrong broker.
/// `None` on a single broker.
pub(crate) fn refuse_unless_coordinator(
    state: &BrokerState,
    transactional_id: &str,
) -> Option<ErrorCode> {
    let node = state.cluster.as_ref()?;
    super::txn_log::txn_ownership(node, transactional_id).err()
}

/// Whether a request comes from another node of this cluster.
pub(crate) fn from_broker(state: &BrokerState, client_id: &str) -> bool {
    let Some(node) = &state.cluster else {
        return false;
    };
    client_id
        .strip_prefix(BROKER_CLIENT_PREFIX)
        .and_then(|rest| rest.split('-').next())
        .and_then(|id| id.parse::<i32>().ok())
        .is_some_and(|id| node.image().brokers.contains_key(&id))
}

/// This node's side of cross-node transactions.
#[derive(Debug, Default)]
pub(crate) struct TxnChannel {
    /// One connection per other node for transaction traffic.
    peers: tokio::sync::Mutex<HashMap<i32, Arc<tokio::sync::Mutex<Peer>>>>,
    guards: Mutex<HashMap<(Tp, i64), u64>>,
    next_guard: AtomicU64,
    /// Transactional offsets of groups coordinated here, by producer id.
    pending_offsets: Mutex<HashMap<i64, Vec<PendingOffset>>>,
    /// Prepared transactions whose markers are being sent.
    jobs: Mutex<Option<mpsc::UnboundedSender<MarkerJob>>>,
}

/// The markers of one prepared transaction still to be written.
#[derive(Debug, Clone)]
pub(crate) struct MarkerJob {
    pub transactional_id: String,
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub marker: MarkerType,
    /// The leader epoch of the id's `__transaction_state` partition when
    /// the transaction was prepared (Kafka's `coordinatorEpoch`).
    pub coordinator_epoch: i32,
    pub partitions: Vec<Tp>,
}

impl TxnChannel {
    /// A new verification guard for `producer_id` on `tp`.
    pub(crate) fn start_guard(&self, tp: &Tp, producer_id: i64) -> u64 {
        let token = self.next_guard.fetch_add(1, Ordering::Relaxed) + 1;
        lock(&self.guards).insert((tp.clone(), producer_id), token);
        token
    }

    /// Whether `token` is still the guard (no marker since it was set).
    /// Call under the partition lock, as markers clear guards under it.
    pub(crate) fn guard_holds(&self, tp: &Tp, producer_id: i64, token: u64) -> bool {
        lock(&self.guards).get(&(tp.clone(), producer_id)) == Some(&token)
    }

    pub(crate) fn end_guard(&self, tp: &Tp, producer_id: i64, token: u64) {
        let mut guards = lock(&self.guards);
        if guards.get(&(tp.clone(), producer_id)) == Some(&token) {
            guards.remove(&(tp.clone(), producer_id));
        }
    }

    fn clear_guard(&self, tp: &Tp, producer_id: i64) {
        lock(&self.guards).remove(&(tp.clone(), producer_id));
    }

    /// Holds a group's transactional offsets until the marker decides.
    pub(crate) fn hold_offsets(&self, producer_id: i64, offsets: Vec<PendingOffset>) {
        let mut pending = lock(&self.pending_offsets);
        let held = pending.entry(producer_id).or_default();
        for offset in offsets {
            held.retain(|p| {
                (&p.group, &p.topic, p.partition)
                    != (&offset.group, &offset.topic, offset.partition)
            });
            held.push(offset);
        }
    }

    /// The partitions of `group` with transactional offsets held here.
    pub(crate) fn held_offsets_of(&self, group: &str) -> Vec<Tp> {
        lock(&self.pending_offsets)
            .values()
            .flatten()
            .filter(|p| p.group == group)
            .map(|p| (p.topic.clone(), p.partition))
            .collect()
    }

    /// Queues a prepared transaction's markers for the sender task.
    /// `false` when the task is not running yet (the timer retries).
    pub(crate) fn submit(&self, job: MarkerJob) -> bool {
        lock(&self.jobs)
            .as_ref()
            .is_some_and(|tx| tx.send(job).is_ok())
    }

    async fn peer(&self, node: &ClusterNode, broker: i32) -> Option<Arc<tokio::sync::Mutex<Peer>>> {
        let image = node.image();
        let meta = image.brokers.get(&broker).filter(|b| !b.fenced)?;
        let address = format!("{}:{}", meta.host, meta.port);
        let addr: SocketAddr = tokio::net::lookup_host(&address).await.ok()?.next()?;
        let mut peers = self.peers.lock().await;
        let peer = peers.entry(broker).or_insert_with(|| {
            Arc::new(tokio::sync::Mutex::new(Peer::new(
                addr,
                format!("{BROKER_CLIENT_PREFIX}{}-txn", node.node_id),
            )))
        });
        if peer.lock().await.addr() != addr {
            *peer = Arc::new(tokio::sync::Mutex::new(Peer::new(
                addr,
                format!("{BROKER_CLIENT_PREFIX}{}-txn", node.node_id),
            )));
        }
        Some(Arc::clone(peer))
    }
}

/// Asks the coordinator whether `partitions` belong to the producer's
/// ongoing transaction (`add`: adds them, transactions v2). Every partition
/// gets an answer: `Ok` or the error code a Produce (or TxnOffsetCommit)
/// should answer.
pub(crate) async fn verify_with_coordinator(
    node: &ClusterNode,
    transactional_id: &str,
    producer_id: i64,
    producer_epoch: i16,
    partitions: &[Tp],
    add: bool,
) -> HashMap<Tp, Result<(), ErrorCode>> {
    let all = |code: ErrorCode| {
        partitions
            .iter()
            .map(|tp| (tp.clone(), Err(code)))
            .collect()
    };
    let Some(coordinator) = super::txn_log::coordinator_of(node, transactional_id) else {
        return all(ErrorCode::NotEnoughReplicas);
    };
    let mut topics: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
    for (topic, index) in partitions {
        topics.entry(topic).or_default().push(*index);
    }
    let request = AddPartitionsToTxnRequest::default().with_transactions(vec![
        AddPartitionsToTxnTransaction::default()
            .with_transactional_id(TransactionalId(str_bytes(transactional_id)))
            .with_producer_id(ProducerId(producer_id))
            .with_producer_epoch(producer_epoch)
            .with_verify_only(!add)
            .with_topics(
                topics
                    .into_iter()
                    .map(|(topic, indexes)| {
                        AddPartitionsToTxnTopic::default()
                            .with_name(TopicName(str_bytes(topic)))
                            .with_partitions(indexes)
                    })
                    .collect(),
            ),
    ]);
    let Some(peer) = node.txn.peer(node, coordinator).await else {
        return all(ErrorCode::NotEnoughReplicas);
    };
    let response = peer
        .lock()
        .await
        .call(ADD_PARTITIONS_BROKER_VERSION, &request, CALL_TIMEOUT)
        .await;
    let response = match response {
        Ok(r) => r,
        Err(e) => {
            tracing::debug!(coordinator, "transaction verification failed: {e}");
            return all(ErrorCode::NotEnoughReplicas);
        }
    };
    if let Err(code) = kctl_client::protocol::error::check(response.error_code) {
        return all(produce_code(code));
    }
    let mut answers: HashMap<Tp, Result<(), ErrorCode>> = HashMap::new();
    for result in &response.results_by_transaction {
        for topic in &result.topic_results {
            for p in &topic.results_by_partition {
                answers.insert(
                    (topic.name.0.to_string(), p.partition_index),
                    kctl_client::protocol::error::check(p.partition_error_code)
                        .map_err(produce_code),
                );
            }
        }
    }
    partitions
        .iter()
        .map(|tp| {
            let answer = answers
                .remove(tp)
                .unwrap_or(Err(ErrorCode::NotEnoughReplicas));
            (tp.clone(), answer)
        })
        .collect()
}

/// The coordinator's answer as a Produce answers it (Kafka's
/// `AddPartitionsToTxnManager`): coordinator trouble and a transaction
/// still completing are retriable (NOT_ENOUGH_REPLICAS), fencing is
/// INVALID_PRODUCER_EPOCH.
fn produce_code(code: ErrorCode) -> ErrorCode {
    match code {
        ErrorCode::NotCoordinator
        | ErrorCode::CoordinatorNotAvailable
        | ErrorCode::CoordinatorLoadInProgress
        | ErrorCode::ConcurrentTransactions => ErrorCode::NotEnoughReplicas,
        ErrorCode::ProducerFenced => ErrorCode::InvalidProducerEpoch,
        other => other,
    }
}

/// The `__consumer_offsets` partition holding `group`'s offsets.
pub(crate) fn offsets_partition(group: &str) -> Tp {
    (
        OFFSETS_TOPIC.to_owned(),
        partition_for(group, OFFSETS_TOPIC_PARTITIONS),
    )
}

/// A marker appended on this leader that the ISR has not confirmed yet.
#[derive(Debug)]
pub(crate) struct MarkerAppended {
    partition: Arc<Partition>,
    /// The offset after the marker: the high watermark must reach it.
    end_offset: i64,
    min_insync_replicas: usize,
}

/// Writes one marker on this node (its leader). On a `__consumer_offsets`
/// partition the marker also decides the transactional offsets held here
/// for the producer's groups of that partition. An appended marker
/// counts only once [`await_marker_replicated`] saw the ISR take it:
/// Kafka appends markers with requiredAcks = -1, so a leader that dies
/// before its followers copied the marker cannot leave the partition with
/// a transaction nobody will close. As for an acks=all produce, a marker
/// is refused (NOT_ENOUGH_REPLICAS) while the ISR is below
/// `min.insync.replicas`; the coordinator retries.
pub(crate) fn write_marker_here(
    state: &BrokerState,
    node: &ClusterNode,
    tp: &Tp,
    producer_id: i64,
    producer_epoch: i16,
    marker: MarkerType,
    coordinator_epoch: i32,
) -> Result<Option<MarkerAppended>, ErrorCode> {
    let (topic, index) = (tp.0.as_str(), tp.1);
    let meta = node.led_here(topic, index)?;
    if topic == OFFSETS_TOPIC {
        // The offsets held here are decided; the marker below then decides
        // their transactional batch in the partition for whoever loads it.
        decide_held_offsets(state, node, index, producer_id, marker)?;
    }
    let Some(partition) = state.topic(topic).and_then(|t| t.partition(index)) else {
        // Deleted since it joined the transaction: nothing to mark.
        return Ok(None);
    };
    let written = partition.with_log(|log| {
        let min_insync_replicas = log.config().min_insync_replicas;
        if (meta.isr.len() as i32) < min_insync_replicas {
            return Err(ErrorCode::NotEnoughReplicas);
        }
        node.txn.clear_guard(tp, producer_id);
        log.append_marker(
            producer_id,
            producer_epoch,
            marker,
            coordinator_epoch,
            meta.leader_epoch,
            now_ms(),
        )
        .map(|_| (log.log_end_offset(), min_insync_replicas))
        .map_err(|e| {
            tracing::warn!(topic, partition = index, "marker not written: {e}");
            e.error_code()
        })
    });
    match written {
        Some(Ok((end_offset, min_insync_replicas))) => {
            partition.announce_end_offset(end_offset);
            super::maybe_advance_high_watermark(node, topic, &partition, &meta);
            Ok(Some(MarkerAppended {
                partition,
                end_offset,
                min_insync_replicas: usize::try_from(min_insync_replicas).unwrap_or(1),
            }))
        }
        Some(Err(code)) => Err(code),
        None => Ok(None),
    }
}

/// Waits until the ISR has the marker `appended` (the high watermark passes
/// it), with the wait acks=all produce uses.
pub(crate) async fn await_marker_replicated(
    node: &ClusterNode,
    tp: &Tp,
    appended: Option<MarkerAppended>,
    timeout: Duration,
) -> Result<(), ErrorCode> {
    let Some(appended) = appended else {
        return Ok(());
    };
    super::wait_for_replication(
        node,
        &tp.0,
        &appended.partition,
        appended.end_offset,
        appended.min_insync_replicas,
        timeout,
    )
    .await
    .map_err(|(code, message)| {
        tracing::debug!(topic = %tp.0, partition = tp.1, "marker not replicated: {message}");
        code
    })
}

fn decide_held_offsets(
    state: &BrokerState,
    node: &ClusterNode,
    index: i32,
    producer_id: i64,
    marker: MarkerType,
) -> Result<(), ErrorCode> {
    let decided: Vec<PendingOffset> = {
        let mut pending = lock(&node.txn.pending_offsets);
        let Some(held) = pending.get_mut(&producer_id) else {
            return Ok(());
        };
        let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(held)
            .into_iter()
            .partition(|p| partition_for(&p.group, OFFSETS_TOPIC_PARTITIONS) == index);
        if rest.is_empty() {
            pending.remove(&producer_id);
        } else {
            *held = rest;
        }
        mine
    };
    if marker == MarkerType::Abort {
        return Ok(());
    }
    let by_group = PendingOffset::by_group(decided);
    for (group, offsets) in by_group {
        if let Err(e) = state.groups.apply_txn_offsets(&group, offsets) {
            tracing::error!(group, "transactional offsets not applied: {e}");
            return Err(ErrorCode::KafkaStorageError);
        }
    }
    Ok(())
}

/// Sends the markers of prepared transactions (jobs from the coordinator),
/// one task per transaction, each retrying until its markers are written;
/// then the coordinator completes the transaction.
pub(crate) async fn run_marker_sender(
    state: Arc<BrokerState>,
    node: Arc<ClusterNode>,
    mut shutdown: tokio::sync::broadcast::Receiver<()>,
) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    *lock(&node.txn.jobs) = Some(tx);
    // Transactions left prepared by a crash or an earlier coordinator.
    {
        let state = Arc::clone(&state);
        let _ = tokio::task::spawn_blocking(move || state.txns.retry_prepared(&state)).await;
    }
    let in_flight: Arc<Mutex<HashSet<String>>> = Arc::default();
    loop {
        let job: MarkerJob = tokio::select! {
            job = rx.recv() => match job { Some(job) => job, None => return },
            _ = shutdown.recv() => {
                lock(&node.txn.jobs).take();
                return;
            }
        };
        if !lock(&in_flight).insert(job.transactional_id.clone()) {
            continue;
        }
        let (state, node, in_flight) = (
            Arc::clone(&state),
            Arc::clone(&node),
            Arc::clone(&in_flight),
        );
        tokio::spawn(async move {
            send_markers(&state, &node, &job).await;
            lock(&in_flight).remove(&job.transactional_id);
            let state2 = Arc::clone(&state);
            let _ = tokio::task::spawn_blocking(move || {
                state2.txns.complete_after_markers(
                    &state2,
                    &job.transactional_id,
                    job.producer_id,
                    job.producer_epoch,
                )
            })
            .await;
        });
    }
}

/// Writes every marker of `job`, each at its partition's current leader,
/// until all are written or the transaction is no longer the prepared one
/// this job is for.
async fn send_markers(state: &BrokerState, node: &ClusterNode, job: &MarkerJob) {
    let mut left: Vec<Tp> = job.partitions.clone();
    loop {
        if !state
            .txns
            .is_prepared(&job.transactional_id, job.producer_id, job.producer_epoch)
        {
            return;
        }
        let image = node.image();
        let mut by_leader: BTreeMap<i32, Vec<Tp>> = BTreeMap::new();
        let mut failed = Vec::new();
        for tp in left.drain(..) {
            match image.partition(&tp.0, tp.1) {
                // Deleted since it joined the transaction.
                None if state.topic(&tp.0).is_none() && tp.0 != OFFSETS_TOPIC => {}
                Some(p) if p.leader >= 0 => by_leader.entry(p.leader).or_default().push(tp),
                _ => failed.push(tp),
            }
        }
        for (leader, partitions) in by_leader {
            if leader == node.node_id {
                for tp in partitions {
                    let written = match write_marker_here(
                        state,
                        node,
                        &tp,
                        job.producer_id,
                        job.producer_epoch,
                        job.marker,
                        job.coordinator_epoch,
                    ) {
                        Ok(appended) => {
                            await_marker_replicated(node, &tp, appended, MARKER_REPLICATION_TIMEOUT)
                                .await
                        }
                        Err(code) => Err(code),
                    };
                    if written.is_err() {
                        failed.push(tp);
                    }
                }
                continue;
            }
            failed.extend(send_to(node, leader, job, partitions).await);
        }
        if failed.is_empty() {
            return;
        }
        tracing::debug!(
            transactional_id = %job.transactional_id,
            left = failed.len(),
            "markers not all written yet; retrying"
        );
        left = failed;
        tokio::time::sleep(MARKER_RETRY_BACKOFF).await;
    }
}

/// One WriteTxnMarkers to `leader`: returns the partitions not written.
async fn send_to(node: &ClusterNode, leader: i32, job: &MarkerJob, partitions: Vec<Tp>) -> Vec<Tp> {
    let mut topics: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
    for (topic, index) in &partitions {
        topics.entry(topic).or_default().push(*index);
    }
    let request = WriteTxnMarkersRequest::default().with_markers(vec![
        WritableTxnMarker::default()
            .with_producer_id(ProducerId(job.producer_id))
            .with_producer_epoch(job.producer_epoch)
            .with_transaction_result(job.marker == MarkerType::Commit)
            .with_coordinator_epoch(job.coordinator_epoch)
            .with_topics(
                topics
                    .into_iter()
                    .map(|(topic, indexes)| {
                        WritableTxnMarkerTopic::default()
                            .with_name(TopicName(str_bytes(topic)))
                            .with_partition_indexes(indexes)
                    })
                    .collect(),
            ),
    ]);
    let Some(peer) = node.txn.peer(node, leader).await else {
        return partitions;
    };
    let response = peer
        .lock()
        .await
        .call(WRITE_TXN_MARKERS_VERSION, &request, CALL_TIMEOUT)
        .await;
    let response = match response {
        Ok(r) => r,
        Err(e) => {
            tracing::debug!(leader, "WriteTxnMarkers failed: {e}");
            return partitions;
        }
    };
    let mut written: HashSet<Tp> = HashSet::new();
    for result in &response.markers {
        for topic in &result.topics {
            for p in &topic.partitions {
                if p.error_code == 0 {
                    written.insert((topic.name.0.to_string(), p.partition_index));
                } else {
                    tracing::debug!(
                        leader,
                        topic = %topic.name.0,
                        partition = p.partition_index,
                        error = p.error_code,
                        "marker refused"
                    );
                }
            }
        }
    }
    partitions
        .into_iter()
        .filter(|tp| !written.contains(tp))
        .collect()
}
