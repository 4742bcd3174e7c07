//! Transaction coordinator state on a cluster: replicated through the
//! internal topic `__transaction_state`, as Kafka replicates it (its
//! `TransactionStateManager`).
//!
//! - The coordinator of a transactional id is the leader of partition
//!   `abs(javaHashCode(id)) % 50` of `__transaction_state` (Kafka's
//!   `partitionFor`, `transaction.state.log.num.partitions` 50). The topic
//!   is created on the first FindCoordinator for a transactional id,
//!   replication factor min(3, live brokers), `min.insync.replicas`
//!   min(2, that) (`coordinator_log::create_internal_topic`).
//! - Every change the coordinator logs (the whole new `TxnMetadata`, or an
//!   expiry) is also appended, under the coordinator's lock, as one record
//!   keyed by the transactional id to that partition on this node (its
//!   leader); InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn
//!   and TxnOffsetCommit answer once the ISR has it (acks=all).
//! - When a node becomes a partition's leader it loads the partition
//!   (COORDINATOR_LOAD_IN_PROGRESS until then) and completes every
//!   transaction it finds in PrepareCommit/PrepareAbort: markers are sent
//!   again (a repeated marker closes nothing). Ongoing transactions stay
//!   open and time out under the new coordinator as usual. Ids of
//!   partitions it no longer leads leave memory (NOT_COORDINATOR).
//!
//! A cluster node never serves transactions from its local
//! `__transactions/transactions.log`: a reload from the partition replaces
//! it, so a node that returns after missing changes does not bring back its
//! older view.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use kctl_client::protocol::ErrorCode;
use tokio::sync::broadcast;

use super::ClusterNode;
use super::coordinator_log::{
    InternalRecord, Replication, append_to_internal, partition_for, read_partition,
};
use crate::state::{BrokerState, lock};

/// The internal topic holding transaction coordinator state.
pub const TXN_TOPIC: &str = "__transaction_state";
/// Kafka's `transaction.state.log.num.partitions` default.
pub const TXN_TOPIC_PARTITIONS: i32 = 50;

/// The `__transaction_state` partition of a transactional id.
pub fn txn_partition(transactional_id: &str) -> i32 {
    partition_for(transactional_id, TXN_TOPIC_PARTITIONS)
}

/// Which `__transaction_state` partitions this node has loaded, at which
/// leader epoch.
#[derive(Debug, Default)]
pub(crate) struct TxnPartitions {
    loaded: Mutex<HashMap<i32, i32>>,
}

/// Whether this node coordinates `id` now: its partition, or the error Kafka
/// answers (NOT_COORDINATOR when another node leads the partition,
/// COORDINATOR_LOAD_IN_PROGRESS while it is being loaded here,
/// COORDINATOR_NOT_AVAILABLE while it has no leader or does not exist).
pub(crate) fn txn_ownership(node: &ClusterNode, id: &str) -> Result<i32, ErrorCode> {
    let partition = txn_partition(id);
    let image = node.image();
    let Some(meta) = image.partition(TXN_TOPIC, partition) else {
        return Err(ErrorCode::CoordinatorNotAvailable);
    };
    if meta.leader != node.node_id {
        return Err(if meta.leader < 0 {
            ErrorCode::CoordinatorNotAvailable
        } else {
            ErrorCode::NotCoordinator
        });
    }
    if lock(&node.txn_partitions.loaded).get(&partition) == Some(&meta.leader_epoch) {
        Ok(partition)
    } else {
        Err(ErrorCode::CoordinatorLoadInProgress)
    }
}

/// The coordinator epoch this node writes `id`'s markers with: the leader
/// epoch of the id's `__transaction_state` partition it loaded (Kafka's
/// `coordinatorEpoch`). A later coordinator has a higher one, so leaders
/// fence the markers of a deposed one. `None` unless this node coordinates
/// `id` now.
pub(crate) fn coordinator_epoch(node: &ClusterNode, id: &str) -> Option<i32> {
    let partition = txn_partition(id);
    let loaded = lock(&node.txn_partitions.loaded).get(&partition).copied()?;
    node.led_here(TXN_TOPIC, partition)
        .ok()
        .filter(|m| m.leader_epoch == loaded)
        .map(|_| loaded)
}

/// The node coordinating `id` as the image says (the leader of its
/// partition), for the leaders and group coordinators that verify with it.
pub(crate) fn coordinator_of(node: &ClusterNode, id: &str) -> Option<i32> {
    let image = node.image();
    image
        .partition(TXN_TOPIC, txn_partition(id))
        .map(|p| p.leader)
        .filter(|&leader| leader >= 0 && image.is_live(leader))
}

/// The node FindCoordinator names for a transactional id. Creates
/// `__transaction_state` if it does not exist yet (the answer is then
/// COORDINATOR_NOT_AVAILABLE, and the client asks again).
pub(crate) async fn find_txn_coordinator(
    state: &BrokerState,
    node: &ClusterNode,
    id: &str,
) -> Result<i32, ErrorCode> {
    if !node.image().topics.contains_key(TXN_TOPIC) {
        super::coordinator_log::create_internal_topic(state, node, TXN_TOPIC, TXN_TOPIC_PARTITIONS)
            .await;
        return Err(ErrorCode::CoordinatorNotAvailable);
    }
    coordinator_of(node, id).ok_or(ErrorCode::CoordinatorNotAvailable)
}

/// Appends the transaction coordinator's entries to `__transaction_state`
/// on this node (it leads their partitions).
#[derive(Debug)]
pub(crate) struct TxnLogReplicator {
    state: Weak<BrokerState>,
    node: Arc<ClusterNode>,
}

impl TxnLogReplicator {
    pub(crate) fn new(state: &Arc<BrokerState>, node: Arc<ClusterNode>) -> Self {
        Self {
            state: Arc::downgrade(state),
            node,
        }
    }

    /// Called under the coordinator's lock, so the partition gets the
    /// entries in the order the state changed.
    pub(crate) fn append(&self, id: &str, payload: Vec<u8>) -> Result<Replication, ErrorCode> {
        let state = self
            .state
            .upgrade()
            .ok_or(ErrorCode::CoordinatorNotAvailable)?;
        append_to_internal(
            &state,
            &self.node,
            TXN_TOPIC,
            TXN_TOPIC_PARTITIONS,
            &[InternalRecord {
                partition_key: id,
                key: id.as_bytes().to_vec(),
                value: Some(&payload),
            }],
            None,
        )
    }
}

/// Loads `__transaction_state` partitions this node comes to lead and drops
/// the ids of those it stops leading, on every image change, until
/// `shutdown`.
pub(crate) async fn run_txn_loader(
    state: Arc<BrokerState>,
    node: Arc<ClusterNode>,
    shutdown: broadcast::Receiver<()>,
) {
    super::coordinator_log::on_every_image_change(&node, shutdown, || reconcile(&state, &node))
        .await;
}

async fn reconcile(state: &Arc<BrokerState>, node: &Arc<ClusterNode>) {
    let image = node.image();
    let led = super::coordinator_log::led_partitions(&image, node.node_id, TXN_TOPIC);
    let to_load: Vec<(i32, i32)> = {
        let mut loaded = lock(&node.txn_partitions.loaded);
        loaded.retain(|p, epoch| led.get(p) == Some(epoch));
        led.iter()
            .filter(|(p, _)| !loaded.contains_key(p))
            .map(|(p, e)| (*p, *e))
            .collect()
    };
    // Ids of partitions led elsewhere now (or about to be reloaded) leave
    // memory; their producers get NOT_COORDINATOR and find the new node.
    state.txns.retain_ids(|id| {
        let p = txn_partition(id);
        led.contains_key(&p) && !to_load.iter().any(|(l, _)| *l == p)
    });
    for (index, leader_epoch) in to_load {
        let loaded = {
            let state = Arc::clone(state);
            tokio::task::spawn_blocking(move || {
                // Every entry is a whole state, so a tombstone (none are
                // written) would carry nothing to load.
                let payloads: Vec<_> = read_partition(&state, TXN_TOPIC, index)?
                    .into_iter()
                    .filter_map(|(_, value)| value)
                    .collect();
                let count = payloads.len();
                state.txns.load_entries(&payloads);
                Ok::<usize, String>(count)
            })
            .await
        };
        match loaded {
            Ok(Ok(count)) => {
                // Only if the leadership did not move meanwhile; the next
                // image change reconciles again anyway.
                if node
                    .led_here(TXN_TOPIC, index)
                    .is_ok_and(|m| m.leader_epoch == leader_epoch)
                {
                    lock(&node.txn_partitions.loaded).insert(index, leader_epoch);
                    tracing::info!(
                        partition = index,
                        leader_epoch,
                        entries = count,
                        "loaded transaction coordinator state"
                    );
                }
            }
            Ok(Err(e)) => tracing::error!(partition = index, "cannot load {TXN_TOPIC}: {e}"),
            Err(e) => tracing::error!(partition = index, "transaction load task failed: {e}"),
        }
    }
    // In-doubt transactions of what was loaded are completed now.
    let state = Arc::clone(state);
    let _ = tokio::task::spawn_blocking(move || state.txns.retry_prepared(&state)).await;
}
