//! Group coordinator state on a cluster: replicated through the internal
//! topic `__consumer_offsets`, as Kafka replicates it.
//!
//! - The coordinator of a group is the leader of partition
//!   `abs(javaHashCode(group)) % 50` of `__consumer_offsets` (Kafka's
//!   `GroupMetadataManager.partitionFor`, `offsets.topic.num.partitions` 50).
//!   The topic is created on the first FindCoordinator (Kafka's auto-creation
//!   of internal topics), replication factor min(3, live brokers),
//!   `min.insync.replicas` min(2, that).
//! - Every entry the group coordinator logs (offset commits, generations,
//!   deletions: the JSON entries of `group/store.rs`) is also appended, by the
//!   coordinator under its lock, as one record to that partition on this
//!   node, the partition's leader. An offset commit is answered once the
//!   high watermark passes it (acks=all), so an acknowledged commit is on
//!   every ISR member.
//! - Records are keyed as Kafka keys them ([`OffsetsTopicKey`]): an offset
//!   by (group, topic, partition), the group's own state (classic
//!   generation or consumer-protocol epoch and members) by the group. A
//!   deleted offset is a tombstone under its key; a deleted group is a
//!   tombstone for each of its offsets and one for the group. Every entry
//!   under a key replaces the whole state that key stands for, so the topic
//!   is created `cleanup.policy=compact`, and the newest record per key,
//!   replayed in log order (compaction keeps the order), is the same state
//!   as the whole log: a coordinator loading a compacted partition loads
//!   the same groups and offsets, and deleted ones stay deleted.
//! - When a node becomes a partition's leader (an image change), it marks the
//!   partition loading (COORDINATOR_LOAD_IN_PROGRESS), replays the partition
//!   from its log start to its log end into the group coordinator (Kafka's
//!   `loadGroupsAndOffsets`), then serves. Groups of partitions it no longer
//!   leads are dropped from memory (NOT_COORDINATOR), as Kafka's
//!   `removeGroupsForPartition` does.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::control::{MarkerType, marker_of_key};
use kctl_client::protocol::messages::create_topics_request::{
    CreatableTopic, CreatableTopicConfig,
};
use kctl_client::protocol::messages::{CreateTopicsRequest, TopicName};
use kctl_client::protocol::offsets_topic::OffsetsTopicKey;
use kctl_client::protocol::record_batch::{
    BatchBuilder, BatchParams, DecodedBatch, decode_batches,
};
use tokio::sync::broadcast;

use super::ClusterNode;
use crate::group::Entry;
use crate::handlers::str_bytes;
use crate::state::{BrokerState, lock, now_ms};
use crate::txn::PendingOffset;

/// The internal topic holding group metadata and committed offsets.
pub const OFFSETS_TOPIC: &str = "__consumer_offsets";
/// Kafka's `offsets.topic.num.partitions` default.
pub const OFFSETS_TOPIC_PARTITIONS: i32 = 50;
/// Kafka's `offsets.topic.replication.factor` default (capped by the live
/// brokers here: a sandbox may run 2 nodes).
const OFFSETS_TOPIC_REPLICATION_FACTOR: usize = 3;
/// Kafka's `offsets.commit.timeout.ms`.
const OFFSETS_COMMIT_TIMEOUT: Duration = Duration::from_secs(5);
/// Replay reads this much of the partition at a time.
const LOAD_READ_BYTES: usize = 1024 * 1024;

/// Kafka's `Utils.abs(key.hashCode()) % partitions`: Java's `String.hashCode`
/// over UTF-16 code units, so a group lands on the same partition number as
/// it would on Kafka.
pub fn partition_for(key: &str, partitions: i32) -> i32 {
    let hash = key.encode_utf16().fold(0i32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(i32::from(unit))
    });
    (hash & 0x7fff_ffff) % partitions
}

/// Which `__consumer_offsets` partitions this node has loaded, at which
/// leader epoch, and which it is loading.
#[derive(Debug, Default)]
pub(crate) struct CoordinatorPartitions {
    inner: Mutex<Loaded>,
}

#[derive(Debug, Default)]
struct Loaded {
    /// partition → the leader epoch it was loaded under.
    loaded: HashMap<i32, i32>,
    loading: std::collections::HashSet<i32>,
}

impl CoordinatorPartitions {
    fn is_loaded(&self, partition: i32, leader_epoch: i32) -> bool {
        lock(&self.inner).loaded.get(&partition) == Some(&leader_epoch)
    }
}

/// Whether this node coordinates `group` now: the partition, or the error
/// Kafka answers (NOT_COORDINATOR when another node leads the partition,
/// COORDINATOR_LOAD_IN_PROGRESS while it is being loaded here,
/// COORDINATOR_NOT_AVAILABLE while it has no leader or does not exist).
pub(crate) fn group_ownership(node: &ClusterNode, group: &str) -> Result<i32, ErrorCode> {
    let partition = partition_for(group, OFFSETS_TOPIC_PARTITIONS);
    let image = node.image();
    let Some(meta) = image.partition(OFFSETS_TOPIC, partition) else {
        return Err(ErrorCode::CoordinatorNotAvailable);
    };
    if meta.leader != node.node_id {
        return Err(if meta.leader < 0 {
            ErrorCode::CoordinatorNotAvailable
        } else {
            ErrorCode::NotCoordinator
        });
    }
    if node
        .coordinator_partitions
        .is_loaded(partition, meta.leader_epoch)
    {
        Ok(partition)
    } else {
        Err(ErrorCode::CoordinatorLoadInProgress)
    }
}

/// The node FindCoordinator names for `group`: the leader of its partition.
/// Creates `__consumer_offsets` if it does not exist yet (the answer is then
/// COORDINATOR_NOT_AVAILABLE, and the client asks again).
pub(crate) async fn find_group_coordinator(
    state: &BrokerState,
    node: &ClusterNode,
    group: &str,
) -> Result<i32, ErrorCode> {
    let partition = partition_for(group, OFFSETS_TOPIC_PARTITIONS);
    let image = node.image();
    if !image.topics.contains_key(OFFSETS_TOPIC) {
        create_internal_topic(state, node, OFFSETS_TOPIC, OFFSETS_TOPIC_PARTITIONS).await;
        return Err(ErrorCode::CoordinatorNotAvailable);
    }
    match image.partition(OFFSETS_TOPIC, partition) {
        Some(meta) if meta.leader >= 0 && image.is_live(meta.leader) => Ok(meta.leader),
        _ => Err(ErrorCode::CoordinatorNotAvailable),
    }
}

/// Creates an internal coordinator topic (`__consumer_offsets`,
/// `__transaction_state`): replication factor min(3, live brokers),
/// `min.insync.replicas` min(2, that).
pub(crate) async fn create_internal_topic(
    state: &BrokerState,
    node: &ClusterNode,
    name: &str,
    partitions: i32,
) {
    // The live count decides the replication factor for good, so it comes
    // from the controller's image, not this node's copy: a node that joined
    // first and has not pulled since saw itself alone, and created
    // `__transaction_state` with one replica in a four-node cluster.
    super::refresh(state, node).await;
    let live = node.image().live_brokers().count();
    let replication_factor = live.clamp(1, OFFSETS_TOPIC_REPLICATION_FACTOR);
    let min_insync = replication_factor.min(2);
    let create = CreateTopicsRequest::default()
        .with_timeout_ms(5000)
        .with_topics(vec![
            CreatableTopic::default()
                .with_name(TopicName(str_bytes(name)))
                .with_num_partitions(partitions)
                .with_replication_factor(i16::try_from(replication_factor).unwrap_or(3))
                .with_configs(vec![
                    CreatableTopicConfig::default()
                        .with_name(str_bytes("min.insync.replicas"))
                        .with_value(Some(str_bytes(min_insync.to_string()))),
                    // Kafka's offsets topic is compacted: only the newest
                    // record of each key is state (see the module notes).
                    CreatableTopicConfig::default()
                        .with_name(str_bytes("cleanup.policy"))
                        .with_value(Some(str_bytes("compact"))),
                ]),
        ]);
    // TOPIC_ALREADY_EXISTS from a concurrent creation is as good as success.
    let _ = super::create_topics(state, node, create, 7).await;
}

/// One group-log record: its key, and its JSON entry (`None`: a
/// tombstone).
pub(crate) type GroupLogRecord = (OffsetsTopicKey, Option<Vec<u8>>);

/// The `__consumer_offsets` record of a group coordinator entry.
pub(crate) fn record_for(entry: &Entry) -> Result<GroupLogRecord, ErrorCode> {
    let offset_key = |group: &str, topic: &str, partition: i32| OffsetsTopicKey::Offset {
        group: group.to_owned(),
        topic: topic.to_owned(),
        partition,
    };
    let group_key = |group: &str| OffsetsTopicKey::Group {
        group: group.to_owned(),
    };
    let json = || serde_json::to_vec(entry).map_err(|_| ErrorCode::UnknownServerError);
    Ok(match entry {
        Entry::Offset {
            group,
            topic,
            partition,
            ..
        } => (offset_key(group, topic, *partition), Some(json()?)),
        Entry::OffsetDelete {
            group,
            topic,
            partition,
        } => (offset_key(group, topic, *partition), None),
        Entry::Group { .. } | Entry::ConsumerGroup { .. } => {
            (group_key(entry.group()), Some(json()?))
        }
        Entry::GroupDelete { .. } => (group_key(entry.group()), None),
    })
}

/// The entry a tombstone stands for on replay: the delete of its key.
fn delete_entry(key: OffsetsTopicKey) -> Entry {
    match key {
        OffsetsTopicKey::Offset {
            group,
            topic,
            partition,
        } => Entry::OffsetDelete {
            group,
            topic,
            partition,
        },
        OffsetsTopicKey::Group { group } => Entry::GroupDelete { group },
    }
}

/// A replication to wait for: the future resolves once the ISR has the
/// appended entries, or with the error the client gets.
pub(crate) type Replication = Pin<Box<dyn Future<Output = Result<(), ErrorCode>> + Send>>;

/// Appends the group coordinator's entries to the groups' partitions of
/// `__consumer_offsets` on this node (it leads them).
#[derive(Debug)]
pub(crate) struct GroupLogReplicator {
    state: Weak<BrokerState>,
    node: Arc<ClusterNode>,
}

impl GroupLogReplicator {
    pub(crate) fn new(state: &Arc<BrokerState>, node: Arc<ClusterNode>) -> Self {
        Self {
            state: Arc::downgrade(state),
            node,
        }
    }

    /// Called under the group coordinator's lock, so the partition gets the
    /// entries in the order the state changed.
    pub(crate) fn append(&self, entries: &[GroupLogRecord]) -> Result<Replication, ErrorCode> {
        let state = self
            .state
            .upgrade()
            .ok_or(ErrorCode::CoordinatorNotAvailable)?;
        let mut records = Vec::with_capacity(entries.len());
        for (key, payload) in entries {
            records.push(InternalRecord {
                partition_key: key.group(),
                key: key.encode().map_err(|_| ErrorCode::InvalidGroupId)?,
                value: payload.as_deref(),
            });
        }
        append_to_internal(
            &state,
            &self.node,
            OFFSETS_TOPIC,
            OFFSETS_TOPIC_PARTITIONS,
            &records,
            None,
        )
    }
}

/// Appends a transaction's offsets (a TxnOffsetCommit of a group this node
/// coordinates) to the group's partition as a transactional batch of the
/// producer: the transaction's marker on that partition decides them, on
/// this node or, after a failover, on whichever node loads the partition.
pub(crate) fn append_txn_offsets(
    state: &BrokerState,
    node: &Arc<ClusterNode>,
    producer_id: i64,
    producer_epoch: i16,
    offsets: &[PendingOffset],
) -> Result<Replication, ErrorCode> {
    let mut encoded = Vec::with_capacity(offsets.len());
    for o in offsets {
        let (key, value) = record_for(&Entry::from(o.clone()))?;
        encoded.push((
            o.group.as_str(),
            key.encode().map_err(|_| ErrorCode::InvalidGroupId)?,
            value,
        ));
    }
    let records: Vec<InternalRecord<'_>> = encoded
        .iter()
        .map(|(group, key, value)| InternalRecord {
            partition_key: group,
            key: key.clone(),
            value: value.as_deref(),
        })
        .collect();
    append_to_internal(
        state,
        node,
        OFFSETS_TOPIC,
        OFFSETS_TOPIC_PARTITIONS,
        &records,
        Some((producer_id, producer_epoch)),
    )
}

/// One record of an internal coordinator topic: the key that picks its
/// partition (`partition_for`: a group id, a transactional id), the record
/// key as written (what compaction keeps the newest of), and the value
/// (`None`: a tombstone).
#[derive(Debug)]
pub(crate) struct InternalRecord<'a> {
    pub(crate) partition_key: &'a str,
    pub(crate) key: Vec<u8>,
    pub(crate) value: Option<&'a [u8]>,
}

/// Appends keyed records to the partitions of an internal coordinator
/// topic (`__consumer_offsets`, `__transaction_state`) that this node
/// leads — the key picks the partition (`partition_for`) — under the
/// caller's lock, so each partition gets them in order. The future waits
/// until the ISR has them.
pub(crate) fn append_to_internal(
    state: &BrokerState,
    node: &Arc<ClusterNode>,
    topic: &'static str,
    partition_count: i32,
    entries: &[InternalRecord<'_>],
    transactional: Option<(i64, i16)>,
) -> Result<Replication, ErrorCode> {
    let mut by_partition: BTreeMap<i32, Vec<&InternalRecord<'_>>> = BTreeMap::new();
    for record in entries {
        by_partition
            .entry(partition_for(record.partition_key, partition_count))
            .or_default()
            .push(record);
    }
    let mut waits = Vec::new();
    for (index, records) in by_partition {
        let meta = node
            .led_here(topic, index)
            .map_err(|_| ErrorCode::NotCoordinator)?;
        let partition = state
            .topic(topic)
            .and_then(|t| t.partition(index))
            .ok_or(ErrorCode::NotCoordinator)?;
        let now = now_ms();
        let mut builder = BatchBuilder::new(now, 256 * records.len());
        for record in &records {
            builder.append(now, Some(&record.key), record.value, &[]);
        }
        let (end_offset, min_insync) = partition
            .with_log(|log| {
                let min_insync = log.config().min_insync_replicas;
                // Refused before the append, as a produce is
                // (NOT_ENOUGH_REPLICAS, which a committer sees as
                // COORDINATOR_NOT_AVAILABLE and retries).
                if meta.isr.len() < usize::try_from(min_insync).unwrap_or(1) {
                    return Ok(Err(commit_error(ErrorCode::NotEnoughReplicas)));
                }
                // A transaction's offsets go in a transactional batch of
                // its producer (Kafka's `storeOffsets` for TxnOffsetCommit),
                // continuing the producer's sequence here.
                let params = match transactional {
                    Some((producer_id, producer_epoch)) => BatchParams {
                        producer_id,
                        producer_epoch,
                        base_sequence: log.next_sequence(producer_id, producer_epoch),
                        transactional: true,
                        ..BatchParams::default()
                    },
                    None => BatchParams::default(),
                };
                let mut batch = BytesMut::new();
                if builder.encode(&mut batch, &params).is_err() {
                    return Ok(Err(ErrorCode::UnknownServerError));
                }
                log.append(&mut batch, meta.leader_epoch, now)
                    .map(|info| Ok((info.last_offset + 1, min_insync)))
            })
            .ok_or(ErrorCode::NotCoordinator)?
            .map_err(|e| {
                tracing::error!(partition = index, "cannot append to {topic}: {e}");
                ErrorCode::NotCoordinator
            })??;
        partition.announce_end_offset(end_offset);
        super::maybe_advance_high_watermark(node, topic, &partition, &meta);
        waits.push((
            partition,
            end_offset,
            usize::try_from(min_insync).unwrap_or(1),
        ));
    }
    let node = Arc::clone(node);
    Ok(Box::pin(async move {
        for (partition, end_offset, min_insync) in waits {
            super::wait_for_replication(
                &node,
                topic,
                &partition,
                end_offset,
                min_insync,
                OFFSETS_COMMIT_TIMEOUT,
            )
            .await
            .map_err(|(code, message)| {
                tracing::warn!("{topic} replication failed: {message}");
                commit_error(code)
            })?;
        }
        Ok(())
    }))
}

/// Kafka's mapping of a failed offsets append to what the committer sees
/// (`GroupMetadataManager.storeOffsets`).
fn commit_error(code: ErrorCode) -> ErrorCode {
    match code {
        ErrorCode::UnknownTopicOrPartition
        | ErrorCode::NotEnoughReplicas
        | ErrorCode::NotEnoughReplicasAfterAppend
        | ErrorCode::RequestTimedOut => ErrorCode::CoordinatorNotAvailable,
        ErrorCode::NotLeaderOrFollower | ErrorCode::FencedLeaderEpoch => ErrorCode::NotCoordinator,
        other => other,
    }
}

/// Loads `__consumer_offsets` partitions this node comes to lead and drops
/// the groups of those it stops leading, on every image change, until
/// `shutdown`.
pub(crate) async fn run_group_loader(
    state: Arc<BrokerState>,
    node: Arc<ClusterNode>,
    shutdown: broadcast::Receiver<()>,
) {
    on_every_image_change(&node, shutdown, || reconcile(&state, &node)).await;
}

/// Runs `reconcile` now and after every change of the cluster image, until
/// `shutdown`: how the coordinators' loaders follow partition leadership.
pub(crate) async fn on_every_image_change<F, Fut>(
    node: &ClusterNode,
    mut shutdown: broadcast::Receiver<()>,
    mut reconcile: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut image_changes = node.subscribe_image();
    loop {
        image_changes.borrow_and_update();
        reconcile().await;
        tokio::select! {
            changed = image_changes.changed() => if changed.is_err() { return },
            _ = shutdown.recv() => return,
        }
    }
}

/// The partitions of `topic` that `node_id` leads, with their leader
/// epochs.
pub(crate) fn led_partitions(
    image: &super::image::ClusterImage,
    node_id: i32,
    topic: &str,
) -> BTreeMap<i32, i32> {
    image
        .topics
        .get(topic)
        .map(|t| {
            t.partitions
                .iter()
                .enumerate()
                .filter(|(_, p)| p.leader == node_id)
                .filter_map(|(i, p)| Some((i32::try_from(i).ok()?, p.leader_epoch)))
                .collect()
        })
        .unwrap_or_default()
}

async fn reconcile(state: &Arc<BrokerState>, node: &Arc<ClusterNode>) {
    let image = node.image();
    let led = led_partitions(&image, node.node_id, OFFSETS_TOPIC);
    let to_load: Vec<(i32, i32)> = {
        let mut loaded = lock(&node.coordinator_partitions.inner);
        loaded.loaded.retain(|p, epoch| led.get(p) == Some(epoch));
        let to_load: Vec<(i32, i32)> = led
            .iter()
            .filter(|(p, _)| !loaded.loaded.contains_key(p))
            .map(|(p, e)| (*p, *e))
            .collect();
        loaded.loading = to_load.iter().map(|(p, _)| *p).collect();
        to_load
    };
    // Groups of partitions led elsewhere now (or about to be reloaded) leave
    // memory; their members get NOT_COORDINATOR and find the new node.
    let keep = |group: &str| {
        let p = partition_for(group, OFFSETS_TOPIC_PARTITIONS);
        led.contains_key(&p) && !to_load.iter().any(|(l, _)| *l == p)
    };
    state.groups.retain_groups(keep);
    for (index, leader_epoch) in to_load {
        let loaded = {
            let state = Arc::clone(state);
            tokio::task::spawn_blocking(move || read_group_log(&state, index)).await
        };
        match loaded {
            Ok(Ok(GroupLog { entries, undecided })) => {
                let count = entries.len();
                state.groups.load(entries);
                // Their markers decide them when they come (again).
                for (producer_id, offsets) in undecided {
                    node.txn.hold_offsets(producer_id, offsets);
                }
                let mut inner = lock(&node.coordinator_partitions.inner);
                inner.loading.remove(&index);
                // Only if the leadership did not move meanwhile; the next
                // image change reconciles again anyway.
                if node
                    .led_here(OFFSETS_TOPIC, index)
                    .is_ok_and(|m| m.leader_epoch == leader_epoch)
                {
                    inner.loaded.insert(index, leader_epoch);
                    tracing::info!(
                        partition = index,
                        leader_epoch,
                        entries = count,
                        "loaded group coordinator state"
                    );
                }
            }
            Ok(Err(e)) => {
                tracing::error!(partition = index, "cannot load {OFFSETS_TOPIC}: {e}");
            }
            Err(e) => tracing::error!(partition = index, "group load task failed: {e}"),
        }
    }
}

/// A record's key and value as read back (either may be absent).
pub(crate) type KeyAndValue = (Option<Bytes>, Option<Bytes>);

/// Every record (key, value) of one partition of an internal coordinator
/// topic, log start to log end (control batches skipped).
pub(crate) fn read_partition(
    state: &BrokerState,
    topic: &str,
    index: i32,
) -> Result<Vec<KeyAndValue>, String> {
    Ok(read_batches(state, topic, index)?
        .into_iter()
        .filter(|batch| !batch.header.is_control())
        .flat_map(|batch| batch.records.into_iter().map(|r| (r.key, r.value)))
        .collect())
}

/// Every batch of one partition, log start to log end.
fn read_batches(state: &BrokerState, topic: &str, index: i32) -> Result<Vec<DecodedBatch>, String> {
    let Some(partition) = state.topic(topic).and_then(|t| t.partition(index)) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let mut offset = partition
        .with_log(|log| log.log_start_offset())
        .unwrap_or(0);
    loop {
        let read = partition
            .with_log(|log| log.read(offset, LOAD_READ_BYTES))
            .ok_or("partition deleted")?
            .map_err(|e| e.to_string())?;
        let bytes = read.read_bytes().map_err(|e| e.to_string())?;
        if bytes.is_empty() {
            return Ok(out);
        }
        let batches = decode_batches(&bytes).map_err(|e| e.to_string())?;
        let Some(last) = batches.last() else {
            return Ok(out);
        };
        offset = last.header.base_offset + i64::from(last.header.last_offset_delta) + 1;
        out.extend(batches);
    }
}

/// One `__consumer_offsets` partition replayed: the group-log entries in
/// effect (JSON, a tombstone read as the delete of its key), and the
/// offsets of transactions no marker has decided yet, by producer id.
#[derive(Debug, Default)]
struct GroupLog {
    entries: Vec<Bytes>,
    undecided: BTreeMap<i64, Vec<PendingOffset>>,
}

/// Replays one `__consumer_offsets` partition. A transaction's offsets
/// (transactional batches) take effect where its COMMIT marker is, and an
/// ABORT marker drops them (Kafka's `replayEndTransactionMarker`).
fn read_group_log(state: &BrokerState, index: i32) -> Result<GroupLog, String> {
    let mut log = GroupLog::default();
    let mut pending: BTreeMap<i64, Vec<Bytes>> = BTreeMap::new();
    for batch in read_batches(state, OFFSETS_TOPIC, index)? {
        let producer_id = batch.header.producer_id;
        if batch.header.is_control() {
            let commit = batch
                .records
                .first()
                .and_then(|r| r.key.as_deref())
                .and_then(marker_of_key)
                == Some(MarkerType::Commit);
            let decided = pending.remove(&producer_id).unwrap_or_default();
            if commit {
                log.entries.extend(decided);
            }
            continue;
        }
        for record in batch.records {
            let entry = match (record.value, record.key) {
                (Some(value), _) => value,
                (None, Some(key)) => match OffsetsTopicKey::decode(&key) {
                    Ok(key) => Bytes::from(
                        serde_json::to_vec(&delete_entry(key)).map_err(|e| e.to_string())?,
                    ),
                    Err(e) => {
                        tracing::warn!("skipping a tombstone with an unreadable key: {e}");
                        continue;
                    }
                },
                (None, None) => continue,
            };
            if batch.header.is_transactional() {
                pending.entry(producer_id).or_default().push(entry);
            } else {
                log.entries.push(entry);
            }
        }
    }
    for (producer_id, entries) in pending {
        let offsets = entries
            .iter()
            .filter_map(|e| {
                serde_json::from_slice::<Entry>(e)
                    .ok()
                    .and_then(Entry::into_pending_offset)
            })
            .collect();
        log.undecided.insert(producer_id, offsets);
    }
    Ok(log)
}

#[cfg(test)]
mod tests {
    use super::{Entry, OffsetsTopicKey, delete_entry, partition_for, record_for};

    #[test]
    fn entries_are_keyed_as_kafka_keys_them_and_deletes_are_tombstones() {
        let offset = OffsetsTopicKey::Offset {
            group: "g".into(),
            topic: "t".into(),
            partition: 1,
        };
        let group = OffsetsTopicKey::Group { group: "g".into() };
        let commit = Entry::Offset {
            group: "g".into(),
            topic: "t".into(),
            partition: 1,
            offset: 7,
            leader_epoch: 2,
            metadata: None,
            commit_timestamp_ms: 0,
        };
        let (key, value) = record_for(&commit).unwrap();
        assert_eq!(key, offset);
        assert_eq!(
            serde_json::from_slice::<Entry>(&value.unwrap()).unwrap(),
            commit
        );
        let generation = Entry::Group {
            group: "g".into(),
            protocol_type: Some("consumer".into()),
            protocol: Some("range".into()),
            generation: 3,
        };
        assert_eq!(record_for(&generation).unwrap().0, group);
        let epoch = Entry::ConsumerGroup {
            group: "g".into(),
            epoch: 4,
            members: None,
        };
        assert_eq!(record_for(&epoch).unwrap().0, group, "one state per group");

        let offset_delete = Entry::OffsetDelete {
            group: "g".into(),
            topic: "t".into(),
            partition: 1,
        };
        let group_delete = Entry::GroupDelete { group: "g".into() };
        for delete in [offset_delete, group_delete] {
            let (key, value) = record_for(&delete).unwrap();
            assert!(value.is_none(), "a tombstone");
            assert_eq!(delete_entry(key), delete, "replayed as the same delete");
        }
    }

    #[test]
    fn partitions_match_java_string_hash_code() {
        // Java: "my-group".hashCode() == -1_906_497_762; with the sign bit
        // masked that is 240_985_886, and % 50 is 36.
        assert_eq!(partition_for("my-group", 50), 36);
        // A negative hash: "polygenelubricants".hashCode() == Integer.MIN_VALUE,
        // and Kafka's Utils.abs masks the sign bit: 0 % 50.
        assert_eq!(partition_for("polygenelubricants", 50), 0);
        assert_eq!(partition_for("", 50), 0);
    }
}
