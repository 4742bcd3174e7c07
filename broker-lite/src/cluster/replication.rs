//! Replication, Kafka's way.
//!
//! Leader side: a follower's Fetch (with its replica id) reports its log end
//! offset; the leader keeps it per follower, moves the high watermark to the
//! minimum log end offset over the ISR, and wakes producers waiting for
//! acks=all and consumers waiting below the high watermark. A periodic pass
//! shrinks the ISR of followers that have not caught up within
//! `replica.lag.time.max.ms` and expands it with followers that reached the
//! high watermark, through AlterPartition to the controller
//! (`Partition.maybeShrinkIsr` / `maybeExpandIsr`).
//!
//! Follower side: one fetcher task per leader broker (Kafka's
//! `ReplicaFetcherThread`). Before it fetches a partition under a new
//! leader epoch it asks the leader where its own latest epoch ended
//! (OffsetForLeaderEpoch) and truncates a divergent tail; then it appends
//! the leader's batches byte for byte.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI32, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::batch::BatchHeader;
use kctl_client::protocol::messages::alter_partition_request::{
    BrokerState as IsrMember, PartitionData as AlterPartitionData, TopicData as AlterTopicData,
};
use kctl_client::protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kctl_client::protocol::messages::offset_for_leader_epoch_request::{
    OffsetForLeaderPartition, OffsetForLeaderTopic,
};
use kctl_client::protocol::messages::{
    AlterPartitionRequest, BrokerId, FetchRequest, OffsetForLeaderEpochRequest, TopicName,
};
use tokio::sync::broadcast;

use super::image::PartitionMeta;
use super::node::{ALTER_PARTITION_VERSION, ClusterNode, refresh};
use super::peer::Peer;
use crate::handlers::str_bytes;
use crate::state::{BrokerState, Partition, lock, now_ms};

const FETCH_VERSION: i16 = 12;
const OFFSET_FOR_LEADER_EPOCH_VERSION: i16 = 3;
const FETCH_MAX_WAIT_MS: i32 = 500;
const FETCH_PARTITION_MAX_BYTES: i32 = 1024 * 1024;
const FETCH_MAX_BYTES: i32 = 10 * 1024 * 1024;
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// After an error, a fetcher waits this long (Kafka's `replica.fetch.backoff.ms`).
const FETCH_BACKOFF: Duration = Duration::from_millis(200);
/// How often a leader reviews its ISRs.
const ISR_CHECK_INTERVAL: Duration = Duration::from_millis(200);

/// Per-partition replication state on one node.
#[derive(Debug)]
pub(crate) struct ReplicaState {
    /// -1 until known.
    high_watermark: AtomicI64,
    /// As follower: the leader epoch whose divergence check is done.
    truncated_for_epoch: AtomicI32,
    leader: Mutex<LeaderProgress>,
}

impl Default for ReplicaState {
    fn default() -> Self {
        Self {
            high_watermark: AtomicI64::new(-1),
            truncated_for_epoch: AtomicI32::new(-1),
            leader: Mutex::new(LeaderProgress::default()),
        }
    }
}

#[derive(Debug, Default)]
struct LeaderProgress {
    /// The epoch the followers' progress below belongs to.
    leader_epoch: i32,
    since_ms: i64,
    followers: HashMap<i32, FollowerProgress>,
}

#[derive(Debug, Clone, Copy)]
struct FollowerProgress {
    log_end_offset: i64,
    last_caught_up_ms: i64,
    last_fetch_ms: i64,
    leader_end_offset_at_last_fetch: i64,
}

impl ReplicaState {
    /// The high watermark, never below the log start offset.
    pub(crate) fn high_watermark(&self, log_start_offset: i64) -> i64 {
        self.high_watermark
            .load(Ordering::Acquire)
            .max(log_start_offset)
    }

    fn raise_high_watermark(&self, to: i64) -> bool {
        self.high_watermark.fetch_max(to, Ordering::AcqRel) < to
    }

    fn set_high_watermark(&self, to: i64) {
        self.high_watermark.store(to, Ordering::Release);
    }

    /// Resets the followers' progress when this node starts a new leader
    /// epoch: every follower gets `replica.lag.time.max.ms` from now to
    /// catch up, as Kafka does on becoming leader.
    fn progress_for(
        &self,
        meta: &PartitionMeta,
        me: i32,
        now: i64,
    ) -> std::sync::MutexGuard<'_, LeaderProgress> {
        let mut progress = lock(&self.leader);
        if progress.leader_epoch != meta.leader_epoch || progress.since_ms == 0 {
            progress.leader_epoch = meta.leader_epoch;
            progress.since_ms = now;
            progress.followers = meta
                .replicas
                .iter()
                .filter(|&&r| r != me)
                .map(|&r| {
                    (
                        r,
                        FollowerProgress {
                            log_end_offset: -1,
                            last_caught_up_ms: now,
                            last_fetch_ms: now,
                            leader_end_offset_at_last_fetch: i64::MAX,
                        },
                    )
                })
                .collect();
        }
        progress
    }
}

/// Leader: a follower fetched at `fetch_offset`. Updates its progress and
/// the high watermark (waking waiters if it moved).
pub(crate) fn on_follower_fetch(
    node: &ClusterNode,
    topic: &str,
    partition: &Partition,
    meta: &PartitionMeta,
    follower: i32,
    fetch_offset: i64,
) {
    let Some(leader_end) = partition.with_log(|log| log.log_end_offset()) else {
        return;
    };
    let replica = node.replica(topic, partition.index);
    let now = now_ms();
    {
        let mut progress = replica.progress_for(meta, node.node_id, now);
        let entry = progress
            .followers
            .entry(follower)
            .or_insert(FollowerProgress {
                log_end_offset: -1,
                last_caught_up_ms: now,
                last_fetch_ms: now,
                leader_end_offset_at_last_fetch: i64::MAX,
            });
        // Kafka's Replica.updateFetchState: caught up now if at the end;
        // caught up as of the previous fetch if at least where the leader
        // ended then.
        if fetch_offset >= leader_end {
            entry.last_caught_up_ms = now;
        } else if fetch_offset >= entry.leader_end_offset_at_last_fetch {
            entry.last_caught_up_ms = entry.last_caught_up_ms.max(entry.last_fetch_ms);
        }
        entry.log_end_offset = fetch_offset;
        entry.leader_end_offset_at_last_fetch = leader_end;
        entry.last_fetch_ms = now;
    }
    maybe_advance_high_watermark(node, topic, partition, meta);
}

/// Leader: HW = min log end offset over the ISR (this node's own included).
pub(crate) fn maybe_advance_high_watermark(
    node: &ClusterNode,
    topic: &str,
    partition: &Partition,
    meta: &PartitionMeta,
) {
    let Some(leader_end) = partition.with_log(|log| log.log_end_offset()) else {
        return;
    };
    let replica = node.replica(topic, partition.index);
    let candidate = {
        let progress = replica.progress_for(meta, node.node_id, now_ms());
        meta.isr
            .iter()
            .filter(|&&r| r != node.node_id)
            .map(|r| progress.followers.get(r).map_or(-1, |f| f.log_end_offset))
            .fold(leader_end, i64::min)
    };
    if replica.raise_high_watermark(candidate) {
        // Producers waiting for acks=all and consumers long-polling watch
        // this channel.
        partition.announce_end_offset(leader_end);
    }
}

/// The offset consumers may read below on this node.
pub(crate) fn consumer_end_offset(
    node: &ClusterNode,
    topic: &str,
    partition: &Partition,
    log_start: i64,
) -> i64 {
    node.replica(topic, partition.index)
        .high_watermark(log_start)
}

/// acks=all: waits until the high watermark passes `end_offset`. Fails with
/// NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR shrank below
/// `min_insync_replicas` meanwhile, NOT_LEADER_OR_FOLLOWER if leadership
/// moved, REQUEST_TIMED_OUT after `timeout`.
pub(crate) async fn wait_for_replication(
    node: &ClusterNode,
    topic: &str,
    partition: &Partition,
    end_offset: i64,
    min_insync_replicas: usize,
    timeout: Duration,
) -> Result<(), (ErrorCode, String)> {
    let replica = node.replica(topic, partition.index);
    let mut appended = partition.subscribe();
    let mut image = node.subscribe_image();
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        appended.borrow_and_update();
        image.borrow_and_update();
        let meta = node.led_here(topic, partition.index).map_err(|code| {
            (
                code,
                format!(
                    "leadership of {topic}-{} moved while waiting for replication",
                    partition.index
                ),
            )
        })?;
        maybe_advance_high_watermark(node, topic, partition, &meta);
        if replica.high_watermark(0) >= end_offset {
            if meta.isr.len() < min_insync_replicas {
                return Err((
                    ErrorCode::NotEnoughReplicasAfterAppend,
                    format!(
                        "The ISR of {topic}-{} shrank to {} below min.insync.replicas {min_insync_replicas} after the append",
                        partition.index,
                        meta.isr.len()
                    ),
                ));
            }
            return Ok(());
        }
        tokio::select! {
            _ = appended.changed() => {}
            _ = image.changed() => {}
            () = tokio::time::sleep_until(deadline) => {
                return Err((ErrorCode::RequestTimedOut, format!("replication of {topic}-{} did not complete in time", partition.index)));
            }
        }
    }
}

/// Leader: reviews every partition this node leads and asks the controller
/// for ISR changes.
pub(crate) async fn run_isr_maintenance(
    state: Arc<BrokerState>,
    node: Arc<ClusterNode>,
    mut shutdown: broadcast::Receiver<()>,
) {
    let mut tick = tokio::time::interval(ISR_CHECK_INTERVAL);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.recv() => return,
        }
        let image = node.image();
        let now = now_ms();
        let lag_max = node.replica_lag_time_max_ms as i64;
        let mut changes: BTreeMap<uuid::Uuid, Vec<AlterPartitionData>> = BTreeMap::new();
        for topic in image.topics.values() {
            for (index, meta) in topic.partitions.iter().enumerate() {
                let index = index as i32;
                if meta.leader != node.node_id {
                    continue;
                }
                let Some(partition) = state.topic(&topic.name).and_then(|t| t.partition(index))
                else {
                    continue;
                };
                maybe_advance_high_watermark(&node, &topic.name, &partition, meta);
                let replica = node.replica(&topic.name, index);
                let hw = replica.high_watermark(0);
                let new_isr: Vec<i32> = {
                    let progress = replica.progress_for(meta, node.node_id, now);
                    meta.replicas
                        .iter()
                        .copied()
                        .filter(|&r| {
                            if r == node.node_id {
                                return true;
                            }
                            let Some(f) = progress.followers.get(&r) else {
                                return false;
                            };
                            if meta.isr.contains(&r) {
                                now - f.last_caught_up_ms <= lag_max
                            } else {
                                image.is_live(r)
                                    && f.log_end_offset >= hw
                                    && f.log_end_offset >= 0
                                    && now - f.last_caught_up_ms <= lag_max
                            }
                        })
                        .collect()
                };
                let mut sorted_new = new_isr.clone();
                sorted_new.sort_unstable();
                let mut sorted_old = meta.isr.clone();
                sorted_old.sort_unstable();
                if sorted_new != sorted_old {
                    tracing::info!(topic = %topic.name, partition = index, from = ?meta.isr, to = ?new_isr, "asking the controller for an ISR change");
                    changes.entry(topic.id).or_default().push(
                        AlterPartitionData::default()
                            .with_partition_index(index)
                            .with_leader_epoch(meta.leader_epoch)
                            .with_new_isr_with_epochs(
                                new_isr
                                    .iter()
                                    .map(|&b| {
                                        IsrMember::default()
                                            .with_broker_id(BrokerId(b))
                                            .with_broker_epoch(-1)
                                    })
                                    .collect(),
                            )
                            .with_partition_epoch(meta.partition_epoch),
                    );
                }
            }
        }
        if changes.is_empty() {
            continue;
        }
        let request = AlterPartitionRequest::default()
            .with_broker_id(BrokerId(node.node_id))
            .with_broker_epoch(node.broker_epoch())
            .with_topics(
                changes
                    .into_iter()
                    .map(|(id, partitions)| {
                        AlterTopicData::default()
                            .with_topic_id(id)
                            .with_partitions(partitions)
                    })
                    .collect(),
            );
        match node
            .call_controller(ALTER_PARTITION_VERSION, &request)
            .await
        {
            Ok(response) => {
                for p in response.topics.iter().flat_map(|t| &t.partitions) {
                    if p.error_code != 0 {
                        tracing::debug!(
                            partition = p.partition_index,
                            error = p.error_code,
                            "ISR change refused"
                        );
                    }
                }
                refresh(&state, &node).await;
            }
            Err(e) => tracing::warn!("AlterPartition failed: {e}"),
        }
    }
}

/// Starts a fetcher for every other broker as it appears in the image.
pub(crate) async fn run_fetchers(
    state: Arc<BrokerState>,
    node: Arc<ClusterNode>,
    shutdown: broadcast::Sender<()>,
) {
    let mut started: HashMap<i32, tokio::task::JoinHandle<()>> = HashMap::new();
    let mut image_rx = node.subscribe_image();
    let mut stop = shutdown.subscribe();
    loop {
        let image = node.image();
        for (id, _) in image.live_brokers() {
            if id != node.node_id && !started.contains_key(&id) {
                let task = tokio::spawn(run_fetcher(
                    Arc::clone(&state),
                    Arc::clone(&node),
                    id,
                    shutdown.subscribe(),
                ));
                started.insert(id, task);
            }
        }
        tokio::select! {
            _ = image_rx.changed() => {}
            _ = stop.recv() => break,
        }
    }
    for (_, task) in started {
        let _ = task.await;
    }
}

struct Followed {
    topic: String,
    index: i32,
    meta: PartitionMeta,
    partition: Arc<Partition>,
}

/// Fetches from one leader every partition this node follows there.
async fn run_fetcher(
    state: Arc<BrokerState>,
    node: Arc<ClusterNode>,
    leader: i32,
    mut shutdown: broadcast::Receiver<()>,
) {
    let mut peer: Option<Peer> = None;
    let mut image_rx = node.subscribe_image();
    loop {
        let image = node.image();
        let followed: Vec<Followed> = image
            .topics
            .values()
            .flat_map(|t| {
                t.partitions
                    .iter()
                    .enumerate()
                    .map(move |(i, p)| (t, i as i32, p))
            })
            .filter(|(_, _, p)| p.leader == leader && p.replicas.contains(&node.node_id))
            .filter_map(|(t, i, p)| {
                let partition = state.topic(&t.name)?.partition(i)?;
                Some(Followed {
                    topic: t.name.clone(),
                    index: i,
                    meta: p.clone(),
                    partition,
                })
            })
            .collect();
        let address = image
            .brokers
            .get(&leader)
            .filter(|b| !b.fenced)
            .map(|b| format!("{}:{}", b.host, b.port));
        let (Some(address), false) = (address, followed.is_empty()) else {
            tokio::select! {
                _ = image_rx.changed() => {}
                () = tokio::time::sleep(Duration::from_millis(500)) => {}
                _ = shutdown.recv() => return,
            }
            continue;
        };
        let addr: Option<SocketAddr> = tokio::net::lookup_host(&address)
            .await
            .ok()
            .and_then(|mut a| a.next());
        let Some(addr) = addr else {
            tokio::time::sleep(FETCH_BACKOFF).await;
            continue;
        };
        let peer = match &mut peer {
            Some(p) if p.addr() == addr => p,
            slot => slot.insert(Peer::new(addr, format!("replica-fetcher-{}", node.node_id))),
        };
        let round = tokio::select! {
            round = fetch_round(&node, peer, &followed) => round,
            _ = shutdown.recv() => return,
        };
        if let Err(e) = round {
            tracing::debug!(leader, "fetch from the leader failed: {e}");
            tokio::select! {
                () = tokio::time::sleep(FETCH_BACKOFF) => {}
                _ = shutdown.recv() => return,
            }
        }
    }
}

async fn fetch_round(
    node: &ClusterNode,
    peer: &mut Peer,
    followed: &[Followed],
) -> Result<(), String> {
    // Divergence: before fetching under a new leader epoch, find where our
    // latest epoch ended on the leader and drop anything of ours past it.
    let unchecked: Vec<&Followed> = followed
        .iter()
        .filter(|f| {
            node.replica(&f.topic, f.index)
                .truncated_for_epoch
                .load(Ordering::Acquire)
                != f.meta.leader_epoch
        })
        .collect();
    if !unchecked.is_empty() {
        truncate_divergent(node, peer, &unchecked).await?;
    }
    let mut by_topic: BTreeMap<&str, Vec<FetchPartition>> = BTreeMap::new();
    for f in followed {
        let Some((fetch_offset, log_start, last_epoch)) = f.partition.with_log(|log| {
            (
                log.log_end_offset(),
                log.log_start_offset(),
                log.latest_epoch().unwrap_or(-1),
            )
        }) else {
            continue;
        };
        by_topic.entry(&f.topic).or_default().push(
            FetchPartition::default()
                .with_partition(f.index)
                .with_current_leader_epoch(f.meta.leader_epoch)
                .with_fetch_offset(fetch_offset)
                .with_last_fetched_epoch(last_epoch)
                .with_log_start_offset(log_start)
                .with_partition_max_bytes(FETCH_PARTITION_MAX_BYTES),
        );
    }
    let request = FetchRequest::default()
        .with_replica_id(BrokerId(node.node_id))
        .with_max_wait_ms(FETCH_MAX_WAIT_MS)
        .with_min_bytes(1)
        .with_max_bytes(FETCH_MAX_BYTES)
        .with_session_epoch(-1)
        .with_topics(
            by_topic
                .into_iter()
                .map(|(t, ps)| {
                    FetchTopic::default()
                        .with_topic(TopicName(str_bytes(t)))
                        .with_partitions(ps)
                })
                .collect(),
        );
    let response = peer
        .call(FETCH_VERSION, &request, FETCH_TIMEOUT)
        .await
        .map_err(|e| e.to_string())?;
    if response.error_code != 0 {
        return Err(format!("fetch error {}", response.error_code));
    }
    let mut failed = None;
    for topic in &response.responses {
        for data in &topic.partitions {
            let Some(f) = followed
                .iter()
                .find(|f| f.topic == topic.topic.0.as_str() && f.index == data.partition_index)
            else {
                continue;
            };
            if data.error_code == ErrorCode::OffsetOutOfRange.code() {
                // Our log ends below the leader's log start (retention or
                // DeleteRecords moved it while we were away): start over
                // there. A fetch offset past the leader's end is divergence,
                // which the epoch check handles.
                let start = data.log_start_offset;
                let restarted = f.partition.with_log(|log| {
                    (start > log.log_end_offset()).then(|| log.truncate_fully_and_start_at(start))
                });
                match restarted.flatten() {
                    Some(Ok(())) => f.partition.announce_end_offset(start),
                    Some(Err(e)) => failed = Some(format!("{}-{}: {e}", f.topic, f.index)),
                    None => failed = Some(format!("{}-{}: offset out of range", f.topic, f.index)),
                }
                continue;
            }
            if data.error_code != 0 {
                failed = Some(format!(
                    "{}-{}: error {}",
                    f.topic, f.index, data.error_code
                ));
                continue;
            }
            let records = data.records.clone().unwrap_or_default();
            let leader_log_start = data.log_start_offset;
            let appended = f.partition.with_log(|log| {
                let end = append_batches(log, &records)?;
                // The leader's log start moves ours (retention,
                // DeleteRecords), as Kafka's followers do.
                if leader_log_start > log.log_start_offset() {
                    log.delete_records_before(leader_log_start.min(end))?;
                }
                Ok::<_, crate::log::LogError>(end)
            });
            let replica = node.replica(&f.topic, f.index);
            match appended {
                Some(Ok(log_end)) => {
                    replica.set_high_watermark(data.high_watermark.min(log_end));
                    f.partition.announce_end_offset(log_end);
                }
                Some(Err(e)) => failed = Some(format!("{}-{}: {e}", f.topic, f.index)),
                None => {}
            }
        }
    }
    failed.map_or(Ok(()), Err)
}

/// Appends the whole batches in `records` (a trailing partial batch is
/// left for the next fetch). Returns the new log end offset.
fn append_batches(
    log: &mut crate::log::PartitionLog,
    records: &Bytes,
) -> Result<i64, crate::log::LogError> {
    let mut at = 0;
    while at + kctl_client::protocol::batch::HEADER_BYTES <= records.len() {
        let Ok(header) = BatchHeader::parse(&records[at..]) else {
            break;
        };
        let end = at + header.total_bytes();
        if end > records.len() {
            break;
        }
        if header.next_offset() > log.log_end_offset() {
            log.append_replica(&records[at..end])?;
        }
        at = end;
    }
    Ok(log.log_end_offset())
}

async fn truncate_divergent(
    node: &ClusterNode,
    peer: &mut Peer,
    unchecked: &[&Followed],
) -> Result<(), String> {
    let mut by_topic: BTreeMap<&str, Vec<OffsetForLeaderPartition>> = BTreeMap::new();
    let mut asked = Vec::new();
    for f in unchecked {
        let latest = f.partition.with_log(|log| log.latest_epoch()).flatten();
        let Some(epoch) = latest else {
            // An empty log has nothing to diverge.
            node.replica(&f.topic, f.index)
                .truncated_for_epoch
                .store(f.meta.leader_epoch, Ordering::Release);
            continue;
        };
        by_topic.entry(&f.topic).or_default().push(
            OffsetForLeaderPartition::default()
                .with_partition(f.index)
                .with_current_leader_epoch(f.meta.leader_epoch)
                .with_leader_epoch(epoch),
        );
        asked.push(*f);
    }
    if asked.is_empty() {
        return Ok(());
    }
    let request = OffsetForLeaderEpochRequest::default()
        .with_replica_id(BrokerId(node.node_id))
        .with_topics(
            by_topic
                .into_iter()
                .map(|(t, ps)| {
                    OffsetForLeaderTopic::default()
                        .with_topic(TopicName(str_bytes(t)))
                        .with_partitions(ps)
                })
                .collect(),
        );
    let response = peer
        .call(OFFSET_FOR_LEADER_EPOCH_VERSION, &request, FETCH_TIMEOUT)
        .await
        .map_err(|e| e.to_string())?;
    for topic in &response.topics {
        for p in &topic.partitions {
            let Some(f) = asked
                .iter()
                .find(|f| f.topic == topic.topic.0.as_str() && f.index == p.partition)
            else {
                continue;
            };
            if p.error_code != 0 {
                continue;
            }
            let truncated =
                f.partition
                    .with_log(|log| -> Result<Option<i64>, crate::log::LogError> {
                        let leo = log.log_end_offset();
                        let target = if p.end_offset < 0 {
                            // The leader knows no epoch that old: keep what we have
                            // below our high watermark.
                            node.replica(&f.topic, f.index).high_watermark(0).max(0)
                        } else {
                            // KIP-279: our own end for the epoch the leader named.
                            let (_, ours) = log.end_offset_for_epoch(p.leader_epoch);
                            p.end_offset.min(if ours < 0 { leo } else { ours })
                        };
                        if target < leo {
                            return log.truncate_to(target).map(Some);
                        }
                        Ok(None)
                    });
            match truncated {
                Some(Ok(Some(to))) => {
                    tracing::warn!(topic = %f.topic, partition = f.index, to, leader_epoch = f.meta.leader_epoch, "truncated a divergent tail");
                    f.partition.announce_end_offset(to);
                }
                Some(Err(e)) => return Err(format!("truncating {}-{}: {e}", f.topic, f.index)),
                _ => {}
            }
            node.replica(&f.topic, f.index)
                .truncated_for_epoch
                .store(f.meta.leader_epoch, Ordering::Release);
        }
    }
    Ok(())
}
