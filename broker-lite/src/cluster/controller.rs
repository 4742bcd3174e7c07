//! The controller's decisions: topic creation and placement, leader
//! election, ISR changes and broker liveness, over one [`ClusterImage`]
//! persisted in `<data-dir>/controller/metadata.json`.
//!
//! Everything here runs under one lock and is synchronous, as KRaft's
//! `QuorumController` runs every change on one event thread: a change is
//! decided, the image epoch bumped and the file written before anyone sees
//! it. The network side is in `controller_server`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use kctl_client::protocol::ErrorCode;
use uuid::Uuid;

use super::assignment::{assign_rack_unaware, random_below};
use super::image::{BrokerMeta, ClusterImage, PartitionMeta, TopicMeta};
use crate::config::{BrokerConfig, validate_topic_config};
use crate::state::{lock, validate_topic_name, write_file_atomically};

const METADATA_FILE: &str = "metadata.json";
const CONTROLLED_SHUTDOWN: &str = "controlled shutdown";

/// Why the controller could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ControllerError {
    #[error("cannot use controller directory {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not valid cluster metadata: {source}")]
    Corrupt {
        path: PathBuf,
        source: serde_json::Error,
    },
}

/// A Kafka error code with its message, as the handlers answer it.
pub type Refusal = (ErrorCode, String);

/// Controller settings.
#[derive(Debug, Clone)]
pub struct ControllerConfig {
    /// Holds `metadata.json`.
    pub dir: PathBuf,
    /// A broker that has not heartbeated for this long is fenced and loses
    /// its leaderships (Kafka's `broker.session.timeout.ms`, 9 s there;
    /// short here so a sandbox fails over within about a second).
    pub session_timeout_ms: u64,
    /// Elect a replica outside the ISR when the whole ISR is gone, accepting
    /// the loss of what only the ISR had (`unclean.leader.election.enable`).
    pub unclean_leader_election: bool,
    /// Defaults for topics (partitions, replication factor, configs).
    pub broker_defaults: BrokerConfig,
    /// `auto.leader.rebalance.enable`.
    pub auto_leader_rebalance: bool,
    /// `leader.imbalance.check.interval.seconds` (Kafka: 300; a sandbox
    /// wants its leaders back within seconds of a node's return).
    pub leader_imbalance_check_interval_seconds: u64,
}

struct Registration {
    epoch: i64,
    incarnation: Uuid,
    last_heartbeat: Instant,
}

struct Inner {
    image: ClusterImage,
    registrations: BTreeMap<i32, Registration>,
    next_broker_epoch: i64,
    /// The first producer id of the next block AllocateProducerIds hands
    /// out (Kafka's controller keeps it in its ProducerIdsRecord).
    next_producer_id: i64,
}

/// The cluster's single controller (a quorum of one).
pub struct Controller {
    pub(crate) config: ControllerConfig,
    pub cluster_id: String,
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for Controller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Controller")
            .field("dir", &self.config.dir)
            .field("cluster_id", &self.cluster_id)
            .finish_non_exhaustive()
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct MetadataFile {
    cluster_id: String,
    image: ClusterImage,
    #[serde(default)]
    next_producer_id: i64,
}

/// A topic to create, as CreateTopics asks for it with -1 defaults still
/// unresolved.
#[derive(Debug, Clone)]
pub struct TopicRequest {
    pub name: String,
    pub num_partitions: i32,
    pub replication_factor: i16,
    /// Partition index -> broker ids; empty for automatic placement.
    pub assignments: Vec<(i32, Vec<i32>)>,
    pub configs: BTreeMap<String, String>,
}

impl Controller {
    /// Loads the persisted image, or starts an empty cluster. Brokers known
    /// from before start fenced: they are live once they register again.
    pub fn open(config: ControllerConfig) -> Result<Self, ControllerError> {
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| ControllerError::Io { path, source }
        };
        std::fs::create_dir_all(&config.dir).map_err(io(&config.dir))?;
        let path = config.dir.join(METADATA_FILE);
        let (cluster_id, mut image, next_producer_id) = if path.exists() {
            let text = std::fs::read(&path).map_err(io(&path))?;
            let file: MetadataFile = serde_json::from_slice(&text)
                .map_err(|source| ControllerError::Corrupt { path, source })?;
            (file.cluster_id, file.image, file.next_producer_id)
        } else {
            (crate::state::new_cluster_id(), ClusterImage::default(), 0)
        };
        for broker in image.brokers.values_mut() {
            broker.fenced = true;
        }
        let controller = Self {
            config,
            cluster_id,
            inner: Mutex::new(Inner {
                image,
                registrations: BTreeMap::new(),
                next_broker_epoch: 1,
                next_producer_id,
            }),
        };
        let mut inner = lock(&controller.inner);
        controller
            .persist(&mut inner)
            .map_err(io(&controller.config.dir))?;
        drop(inner);
        Ok(controller)
    }

    pub fn image(&self) -> ClusterImage {
        lock(&self.inner).image.clone()
    }

    pub fn image_epoch(&self) -> i64 {
        lock(&self.inner).image.epoch
    }

    /// Bumps the epoch and writes the image; a write failure is logged and
    /// the change kept in memory (the next change retries the write).
    fn commit(&self, inner: &mut Inner) {
        inner.image.epoch += 1;
        if let Err(e) = self.persist(inner) {
            tracing::error!("cannot persist cluster metadata: {e}");
        }
    }

    fn persist(&self, inner: &mut Inner) -> std::io::Result<()> {
        let file = MetadataFile {
            cluster_id: self.cluster_id.clone(),
            image: inner.image.clone(),
            next_producer_id: inner.next_producer_id,
        };
        let json = serde_json::to_vec_pretty(&file).map_err(std::io::Error::other)?;
        write_file_atomically(&self.config.dir.join(METADATA_FILE), &json)
    }

    /// BrokerRegistration: a (re)starting broker gets a new broker epoch.
    /// It is unfenced at once (Kafka waits until it has caught up with the
    /// metadata log; here the image is pulled whole on the first
    /// heartbeat), and offline partitions it can lead get a leader.
    pub fn register(&self, broker: i32, incarnation: Uuid, host: String, port: u16) -> i64 {
        let mut inner = lock(&self.inner);
        let epoch = inner.next_broker_epoch;
        inner.next_broker_epoch += 1;
        inner.registrations.insert(
            broker,
            Registration {
                epoch,
                incarnation,
                last_heartbeat: Instant::now(),
            },
        );
        inner.image.brokers.insert(
            broker,
            BrokerMeta {
                host,
                port,
                fenced: false,
            },
        );
        tracing::info!(broker, epoch, "broker registered");
        self.elect_offline(&mut inner);
        self.commit(&mut inner);
        epoch
    }

    /// BrokerHeartbeat: `Ok(caught_up)`, or STALE_BROKER_EPOCH for a broker
    /// that must register again (it was fenced, or the controller
    /// restarted). `want_shut_down` is a controlled shutdown: the broker is
    /// fenced now and its leaderships move before it goes.
    pub fn heartbeat(
        &self,
        broker: i32,
        broker_epoch: i64,
        metadata_epoch: i64,
        want_shut_down: bool,
    ) -> Result<bool, ErrorCode> {
        let mut inner = lock(&self.inner);
        match inner.registrations.get_mut(&broker) {
            Some(r) if r.epoch == broker_epoch => r.last_heartbeat = Instant::now(),
            _ => return Err(ErrorCode::StaleBrokerEpoch),
        }
        if want_shut_down {
            inner.registrations.remove(&broker);
            self.fence(&mut inner, broker, CONTROLLED_SHUTDOWN);
        }
        Ok(metadata_epoch >= inner.image.epoch)
    }

    /// Fences every broker whose session expired; called on a timer.
    pub fn expire_sessions(&self) {
        let timeout = Duration::from_millis(self.config.session_timeout_ms);
        let mut inner = lock(&self.inner);
        let expired: Vec<i32> = inner
            .registrations
            .iter()
            .filter(|(_, r)| r.last_heartbeat.elapsed() > timeout)
            .map(|(id, _)| *id)
            .collect();
        for broker in expired {
            inner.registrations.remove(&broker);
            self.fence(&mut inner, broker, "session expired");
        }
    }

    fn fence(&self, inner: &mut Inner, broker: i32, reason: &str) {
        let Some(meta) = inner.image.brokers.get_mut(&broker) else {
            return;
        };
        meta.fenced = true;
        if reason == CONTROLLED_SHUTDOWN {
            tracing::info!(broker, reason, "broker fenced");
        } else {
            tracing::warn!(broker, reason, "broker fenced");
        }
        let unclean = self.config.unclean_leader_election;
        let live: Vec<i32> = inner.image.live_brokers().map(|(id, _)| id).collect();
        for topic in inner.image.topics.values_mut() {
            for (index, p) in topic.partitions.iter_mut().enumerate() {
                if !p.replicas.contains(&broker) {
                    continue;
                }
                let was_leader = p.leader == broker;
                // Kafka never empties the ISR: the last member stays, so it
                // can be elected cleanly when it returns.
                if p.isr.len() > 1 || !was_leader {
                    p.isr.retain(|&b| b != broker);
                }
                if was_leader {
                    p.leader = elect(p, &live, unclean);
                    p.leader_epoch += 1;
                    tracing::info!(topic = %topic.name, partition = index, leader = p.leader, leader_epoch = p.leader_epoch, "leader moved");
                }
                p.partition_epoch += 1;
            }
        }
        self.commit(inner);
    }

    /// Gives a leader to every offline partition that has an eligible live
    /// replica (after a registration).
    fn elect_offline(&self, inner: &mut Inner) {
        let unclean = self.config.unclean_leader_election;
        let live: Vec<i32> = inner.image.live_brokers().map(|(id, _)| id).collect();
        for topic in inner.image.topics.values_mut() {
            for p in &mut topic.partitions {
                if p.leader != -1 {
                    continue;
                }
                let leader = elect(p, &live, unclean);
                if leader != -1 {
                    if !p.isr.contains(&leader) {
                        // Unclean: the new leader's log is the truth now.
                        p.isr = vec![leader];
                    }
                    p.leader = leader;
                    p.leader_epoch += 1;
                    p.partition_epoch += 1;
                }
            }
        }
    }

    /// CreateTopics, one topic: placement, then the image change.
    pub fn create_topic(
        &self,
        request: TopicRequest,
        validate_only: bool,
    ) -> Result<TopicMeta, Refusal> {
        validate_topic_name(&request.name)
            .map_err(|e| (ErrorCode::InvalidTopicException, e.to_string()))?;
        for (key, value) in &request.configs {
            validate_topic_config(key, value)
                .map_err(|e| (ErrorCode::InvalidConfig, e.to_string()))?;
        }
        let mut inner = lock(&self.inner);
        if inner.image.topics.contains_key(&request.name) {
            return Err((
                ErrorCode::TopicAlreadyExists,
                format!("Topic '{}' already exists.", request.name),
            ));
        }
        let live: Vec<i32> = inner.image.live_brokers().map(|(id, _)| id).collect();
        let assignment = if request.assignments.is_empty() {
            let defaults = &self.config.broker_defaults;
            let partitions = match request.num_partitions {
                -1 => defaults.num_partitions,
                n => n,
            };
            let rf = match request.replication_factor {
                -1 => defaults.default_replication_factor,
                n => n,
            };
            if partitions < 1 {
                return Err((
                    ErrorCode::InvalidPartitions,
                    "Number of partitions was set to an invalid non-positive value.".into(),
                ));
            }
            if rf < 1 {
                return Err((
                    ErrorCode::InvalidReplicationFactor,
                    "Replication factor must be larger than 0.".into(),
                ));
            }
            if rf as usize > live.len() {
                return Err((
                    ErrorCode::InvalidReplicationFactor,
                    format!(
                        "Unable to replicate the partition {rf} time(s): The target replication factor of {rf} cannot be reached because only {} broker(s) are registered.",
                        live.len()
                    ),
                ));
            }
            let n = live.len();
            assign_rack_unaware(
                &live,
                0,
                partitions,
                rf as usize,
                random_below(n),
                random_below(n),
            )
        } else {
            manual_assignment(&request.assignments, &live, None)?
        };
        let topic = TopicMeta {
            name: request.name.clone(),
            id: Uuid::new_v4(),
            configs: request.configs,
            partitions: assignment
                .into_iter()
                .map(|r| new_partition(r, &live))
                .collect(),
        };
        if !validate_only {
            inner
                .image
                .topics
                .insert(request.name.clone(), topic.clone());
            tracing::info!(topic = %request.name, partitions = topic.partitions.len(), "created topic");
            self.commit(&mut inner);
        }
        Ok(topic)
    }

    pub fn delete_topic(&self, name: &str) -> Result<Uuid, Refusal> {
        let mut inner = lock(&self.inner);
        let topic = inner.image.topics.remove(name).ok_or_else(|| {
            (
                ErrorCode::UnknownTopicOrPartition,
                "This server does not host this topic-partition.".to_owned(),
            )
        })?;
        self.commit(&mut inner);
        Ok(topic.id)
    }

    /// CreatePartitions: grows a topic to `count`, placing the new
    /// partitions like new topics (or as `assignments` say).
    pub fn create_partitions(
        &self,
        name: &str,
        count: i32,
        assignments: Vec<Vec<i32>>,
        validate_only: bool,
    ) -> Result<(), Refusal> {
        let mut inner = lock(&self.inner);
        let live: Vec<i32> = inner.image.live_brokers().map(|(id, _)| id).collect();
        let topic = inner.image.topics.get(name).ok_or_else(|| {
            (
                ErrorCode::UnknownTopicOrPartition,
                format!("The topic '{name}' does not exist."),
            )
        })?;
        let current = topic.partitions.len() as i32;
        if count <= current {
            return Err((
                ErrorCode::InvalidPartitions,
                if count == current {
                    format!("Topic already has {current} partitions.")
                } else {
                    format!(
                        "Topic currently has {current} partitions, which is higher than the requested {count}."
                    )
                },
            ));
        }
        let rf = topic.partitions.first().map_or(1, |p| p.replicas.len());
        let added = if assignments.is_empty() {
            if rf > live.len() {
                return Err((
                    ErrorCode::InvalidReplicationFactor,
                    format!(
                        "Unable to replicate the partition {rf} time(s): only {} broker(s) are registered.",
                        live.len()
                    ),
                ));
            }
            let n = live.len();
            assign_rack_unaware(
                &live,
                current,
                count - current,
                rf,
                random_below(n),
                random_below(n),
            )
        } else {
            if assignments.len() as i32 != count - current {
                return Err((
                    ErrorCode::InvalidReplicaAssignment,
                    format!(
                        "Increasing the number of partitions by {} but {} assignments provided.",
                        count - current,
                        assignments.len()
                    ),
                ));
            }
            let indexed: Vec<(i32, Vec<i32>)> = assignments
                .into_iter()
                .enumerate()
                .map(|(i, r)| (i as i32, r))
                .collect();
            manual_assignment(&indexed, &live, Some(rf))?
        };
        if validate_only {
            return Ok(());
        }
        let partitions: Vec<PartitionMeta> =
            added.into_iter().map(|r| new_partition(r, &live)).collect();
        if let Some(topic) = inner.image.topics.get_mut(name) {
            topic.partitions.extend(partitions);
        }
        self.commit(&mut inner);
        Ok(())
    }

    /// AlterPartition from a leader: new ISRs for partitions it leads, each
    /// at the leader epoch it names. Returns each partition as it now
    /// stands, or why its change was refused. The whole request is one
    /// commit (one image write), as Kafka's controller appends one batch of
    /// records per request: a node that just created fifty internal
    /// partitions asks for fifty ISR changes at once.
    pub fn alter_isr(
        &self,
        broker: i32,
        broker_epoch: i64,
        changes: Vec<IsrChange>,
    ) -> Vec<Result<PartitionMeta, ErrorCode>> {
        let mut inner = lock(&self.inner);
        if inner
            .registrations
            .get(&broker)
            .is_none_or(|r| r.epoch != broker_epoch)
        {
            return changes
                .iter()
                .map(|_| Err(ErrorCode::StaleBrokerEpoch))
                .collect();
        }
        let live: Vec<i32> = inner.image.live_brokers().map(|(id, _)| id).collect();
        let mut changed = false;
        let results = changes
            .into_iter()
            .map(|change| {
                let result = apply_isr_change(&mut inner.image, broker, &live, change);
                result.map(|(partition, altered)| {
                    changed |= altered;
                    partition
                })
            })
            .collect();
        if changed {
            self.commit(&mut inner);
        }
        results
    }

    /// ElectLeaders: `preferred` moves leadership back to each partition's
    /// first replica when it is live and in the ISR; otherwise (unclean)
    /// gives a leaderless partition any live replica. `None` means every
    /// partition. Each result is `None` for an election done, or Kafka's
    /// refusal (ELECTION_NOT_NEEDED, PREFERRED_LEADER_NOT_AVAILABLE,
    /// ELIGIBLE_LEADERS_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION).
    pub fn elect_leaders(
        &self,
        preferred: bool,
        partitions: Option<Vec<(String, i32)>>,
    ) -> Vec<(String, i32, Option<Refusal>)> {
        let mut inner = lock(&self.inner);
        let live: Vec<i32> = inner.image.live_brokers().map(|(id, _)| id).collect();
        let wanted = partitions.unwrap_or_else(|| {
            inner
                .image
                .topics
                .values()
                .flat_map(|t| (0..t.partitions.len() as i32).map(|i| (t.name.clone(), i)))
                .collect()
        });
        let mut changed = false;
        let results = wanted
            .into_iter()
            .map(|(topic, index)| {
                let p = inner
                    .image
                    .topics
                    .get_mut(&topic)
                    .and_then(|t| usize::try_from(index).ok().and_then(|i| t.partitions.get_mut(i)));
                let Some(p) = p else {
                    let refusal = (ErrorCode::UnknownTopicOrPartition, format!("{topic}-{index} does not exist"));
                    return (topic, index, Some(refusal));
                };
                let outcome = if preferred {
                    let first = p.replicas.first().copied().unwrap_or(-1);
                    if p.leader == first {
                        Some((ErrorCode::ElectionNotNeeded, "Leader is already the preferred replica.".to_owned()))
                    } else if !live.contains(&first) || !p.isr.contains(&first) {
                        Some((ErrorCode::PreferredLeaderNotAvailable, format!("Failed to elect leader for partition {topic}-{index} under strategy PreferredReplicaPartitionLeaderElectionStrategy")))
                    } else {
                        p.leader = first;
                        None
                    }
                } else if p.leader != -1 {
                    Some((ErrorCode::ElectionNotNeeded, "The partition has a leader.".to_owned()))
                } else {
                    match p.replicas.iter().copied().find(|b| live.contains(b)) {
                        Some(b) => {
                            p.leader = b;
                            if !p.isr.contains(&b) {
                                p.isr = vec![b];
                            }
                            None
                        }
                        None => Some((ErrorCode::EligibleLeadersNotAvailable, format!("No live replica of {topic}-{index}"))),
                    }
                };
                if outcome.is_none() {
                    p.leader_epoch += 1;
                    p.partition_epoch += 1;
                    changed = true;
                    tracing::info!(topic = %topic, partition = index, leader = p.leader, leader_epoch = p.leader_epoch, preferred, "leader elected on request");
                }
                (topic, index, outcome)
            })
            .collect();
        if changed {
            self.commit(&mut inner);
        }
        results
    }

    /// AllocateProducerIds: the next `len` producer ids for a registered
    /// broker, persisted before they are handed out, so no id is given to
    /// two brokers even across a controller restart (Kafka's
    /// `ProducerIdControlManager`). STALE_BROKER_EPOCH for a broker that
    /// is not registered under `broker_epoch`.
    pub fn allocate_producer_ids(
        &self,
        broker: i32,
        broker_epoch: i64,
        len: i64,
    ) -> Result<i64, ErrorCode> {
        let mut inner = lock(&self.inner);
        match inner.registrations.get(&broker) {
            Some(r) if r.epoch == broker_epoch => {}
            _ => return Err(ErrorCode::StaleBrokerEpoch),
        }
        let start = inner.next_producer_id;
        inner.next_producer_id = start + len;
        if let Err(e) = self.persist(&mut inner) {
            inner.next_producer_id = start;
            tracing::error!("cannot persist the producer id block: {e}");
            return Err(ErrorCode::UnknownServerError);
        }
        tracing::debug!(broker, start, len, "producer id block allocated");
        Ok(start)
    }

    pub fn registration(&self, broker: i32) -> Option<(i64, Uuid)> {
        lock(&self.inner)
            .registrations
            .get(&broker)
            .map(|r| (r.epoch, r.incarnation))
    }
}

/// One partition's new ISR in an AlterPartition request.
#[derive(Debug, Clone)]
pub struct IsrChange {
    pub topic_id: Uuid,
    pub index: i32,
    pub leader_epoch: i32,
    pub new_isr: Vec<i32>,
}

/// Checks and applies one ISR change from `broker`; the bool says whether
/// the image changed.
fn apply_isr_change(
    image: &mut ClusterImage,
    broker: i32,
    live: &[i32],
    change: IsrChange,
) -> Result<(PartitionMeta, bool), ErrorCode> {
    let IsrChange {
        topic_id,
        index,
        leader_epoch,
        new_isr,
    } = change;
    let topic = image
        .topics
        .values_mut()
        .find(|t| t.id == topic_id)
        .ok_or(ErrorCode::UnknownTopicId)?;
    let p = usize::try_from(index)
        .ok()
        .and_then(|i| topic.partitions.get_mut(i))
        .ok_or(ErrorCode::UnknownTopicOrPartition)?;
    if p.leader != broker {
        return Err(ErrorCode::NotLeaderOrFollower);
    }
    if leader_epoch != p.leader_epoch {
        return Err(ErrorCode::FencedLeaderEpoch);
    }
    if !new_isr.contains(&broker)
        || new_isr
            .iter()
            .any(|b| !p.replicas.contains(b) || !live.contains(b))
    {
        return Err(ErrorCode::IneligibleReplica);
    }
    if p.isr == new_isr {
        return Ok((p.clone(), false));
    }
    tracing::info!(topic = %topic.name, partition = index, from = ?p.isr, to = ?new_isr, "ISR changed");
    p.isr = new_isr;
    p.partition_epoch += 1;
    Ok((p.clone(), true))
}

/// The first live ISR member in replica order; with `unclean`, any live
/// replica when no ISR member is alive; else -1 (offline).
fn elect(p: &PartitionMeta, live: &[i32], unclean: bool) -> i32 {
    p.replicas
        .iter()
        .find(|b| p.isr.contains(b) && live.contains(b))
        .or_else(|| {
            unclean
                .then(|| p.replicas.iter().find(|b| live.contains(b)))
                .flatten()
        })
        .copied()
        .unwrap_or(-1)
}

fn new_partition(replicas: Vec<i32>, live: &[i32]) -> PartitionMeta {
    let isr: Vec<i32> = replicas
        .iter()
        .copied()
        .filter(|b| live.contains(b))
        .collect();
    PartitionMeta {
        leader: isr.first().copied().unwrap_or(-1),
        leader_epoch: 0,
        partition_epoch: 0,
        replicas,
        isr,
    }
}

/// Checks a manual assignment as Kafka's `ReplicationControlManager` does:
/// partitions 0..n once each, no broker twice in one partition, every
/// broker registered and alive, one replication factor throughout.
fn manual_assignment(
    assignments: &[(i32, Vec<i32>)],
    live: &[i32],
    expected_rf: Option<usize>,
) -> Result<Vec<Vec<i32>>, Refusal> {
    let invalid = |m: String| (ErrorCode::InvalidReplicaAssignment, m);
    let mut sorted: Vec<&(i32, Vec<i32>)> = assignments.iter().collect();
    sorted.sort_by_key(|(i, _)| *i);
    let rf = expected_rf.unwrap_or_else(|| sorted.first().map_or(0, |(_, r)| r.len()));
    let mut out = Vec::new();
    for (position, (index, replicas)) in sorted.into_iter().enumerate() {
        if *index != position as i32 {
            return Err(invalid(format!(
                "Partitions should be numbered 0 through n-1; partition {position} is missing."
            )));
        }
        if replicas.is_empty() {
            return Err(invalid(format!(
                "The manual partition assignment includes an empty replica list for partition {index}."
            )));
        }
        if replicas.len() != rf {
            return Err((
                ErrorCode::InvalidReplicationFactor,
                format!(
                    "The manual partition assignment includes the partition {index} with replication factor {} but {rf} was expected.",
                    replicas.len()
                ),
            ));
        }
        let mut distinct = replicas.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() != replicas.len() {
            return Err(invalid(format!(
                "The manual partition assignment includes duplicate broker IDs for partition {index}."
            )));
        }
        if let Some(b) = replicas.iter().find(|b| !live.contains(b)) {
            return Err(invalid(format!(
                "The manual partition assignment includes broker {b}, but no such broker is registered and alive."
            )));
        }
        out.push(replicas.clone());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn controller(dir: &Path, unclean: bool) -> Controller {
        Controller::open(ControllerConfig {
            dir: dir.to_owned(),
            session_timeout_ms: 50,
            unclean_leader_election: unclean,
            broker_defaults: BrokerConfig::default(),
            auto_leader_rebalance: false,
            leader_imbalance_check_interval_seconds: 300,
        })
        .unwrap()
    }

    fn topic(name: &str, partitions: i32, rf: i16) -> TopicRequest {
        TopicRequest {
            name: name.into(),
            num_partitions: partitions,
            replication_factor: rf,
            assignments: Vec::new(),
            configs: BTreeMap::new(),
        }
    }

    #[test]
    fn refuses_a_replication_factor_above_the_live_brokers() {
        let dir = tempfile::tempdir().unwrap();
        let c = controller(dir.path(), false);
        c.register(1, Uuid::new_v4(), "h".into(), 1);
        c.register(2, Uuid::new_v4(), "h".into(), 2);
        let (code, _) = c.create_topic(topic("t", 1, 3), false).unwrap_err();
        assert_eq!(code, ErrorCode::InvalidReplicationFactor);
        let created = c.create_topic(topic("t", 4, 2), false).unwrap();
        assert!(
            created
                .partitions
                .iter()
                .all(|p| p.isr.len() == 2 && p.leader == p.replicas[0])
        );
    }

    #[test]
    fn fencing_the_leader_elects_from_the_isr_and_bumps_the_epoch() {
        let dir = tempfile::tempdir().unwrap();
        let c = controller(dir.path(), false);
        for b in 1..=3 {
            c.register(b, Uuid::new_v4(), "h".into(), b as u16);
        }
        let request = TopicRequest {
            assignments: vec![(0, vec![2, 3, 1])],
            ..topic("t", -1, -1)
        };
        c.create_topic(request, false).unwrap();
        let mut inner = lock(&c.inner);
        c.fence(&mut inner, 2, "test");
        let p = inner.image.partition("t", 0).unwrap().clone();
        assert_eq!(
            (p.leader, p.leader_epoch, p.isr.clone()),
            (3, 1, vec![3, 1])
        );
        c.fence(&mut inner, 3, "test");
        c.fence(&mut inner, 1, "test");
        let p = inner.image.partition("t", 0).unwrap().clone();
        // The last ISR member stays in the ISR; nobody leads.
        assert_eq!((p.leader, p.isr.clone()), (-1, vec![1]));
        drop(inner);
        // Broker 3 is back but was not in the ISR: no clean leader.
        c.register(3, Uuid::new_v4(), "h".into(), 3);
        assert_eq!(c.image().partition("t", 0).unwrap().leader, -1);
        c.register(1, Uuid::new_v4(), "h".into(), 1);
        assert_eq!(c.image().partition("t", 0).unwrap().leader, 1);
        // It survives a restart of the controller, with brokers fenced.
        let reopened = controller(dir.path(), false);
        let image = reopened.image();
        assert_eq!(image.partition("t", 0).unwrap().leader, 1);
        assert!(image.brokers.values().all(|b| b.fenced));
    }

    #[test]
    fn unclean_election_takes_any_live_replica_when_allowed() {
        let dir = tempfile::tempdir().unwrap();
        let c = controller(dir.path(), true);
        for b in 1..=2 {
            c.register(b, Uuid::new_v4(), "h".into(), b as u16);
        }
        let request = TopicRequest {
            assignments: vec![(0, vec![1, 2])],
            ..topic("t", -1, -1)
        };
        c.create_topic(request, false).unwrap();
        let mut inner = lock(&c.inner);
        c.fence(&mut inner, 2, "test");
        c.fence(&mut inner, 1, "test");
        drop(inner);
        c.register(2, Uuid::new_v4(), "h".into(), 2);
        let p = c.image().partition("t", 0).unwrap().clone();
        assert_eq!((p.leader, p.isr), (2, vec![2]));
    }

    #[test]
    fn preferred_election_moves_leadership_back() {
        let dir = tempfile::tempdir().unwrap();
        let c = controller(dir.path(), false);
        for b in 1..=2 {
            c.register(b, Uuid::new_v4(), "h".into(), b as u16);
        }
        let request = TopicRequest {
            assignments: vec![(0, vec![1, 2])],
            ..topic("t", -1, -1)
        };
        c.create_topic(request, false).unwrap();
        let everything = || Some(vec![("t".to_owned(), 0)]);
        assert_eq!(
            c.elect_leaders(true, everything())[0].2.as_ref().unwrap().0,
            ErrorCode::ElectionNotNeeded
        );
        let mut inner = lock(&c.inner);
        c.fence(&mut inner, 1, "test");
        drop(inner);
        assert_eq!(
            c.elect_leaders(true, everything())[0].2.as_ref().unwrap().0,
            ErrorCode::PreferredLeaderNotAvailable
        );
        c.register(1, Uuid::new_v4(), "h".into(), 1);
        // Back, but not in the ISR until it catches up.
        assert_eq!(c.image().partition("t", 0).unwrap().isr, vec![2]);
        let mut inner = lock(&c.inner);
        inner.image.topics.get_mut("t").unwrap().partitions[0].isr = vec![2, 1];
        drop(inner);
        assert!(c.elect_leaders(true, None)[0].2.is_none());
        let p = c.image().partition("t", 0).unwrap().clone();
        assert_eq!((p.leader, p.leader_epoch), (1, 2));
        assert_eq!(
            c.elect_leaders(true, Some(vec![("nope".into(), 0)]))[0]
                .2
                .as_ref()
                .unwrap()
                .0,
            ErrorCode::UnknownTopicOrPartition
        );
    }

    #[test]
    fn producer_id_blocks_never_overlap_and_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let c = controller(dir.path(), false);
        let e1 = c.register(1, Uuid::new_v4(), "h".into(), 1);
        let e2 = c.register(2, Uuid::new_v4(), "h".into(), 2);
        assert_eq!(
            c.allocate_producer_ids(1, e1 + 100, 1000),
            Err(ErrorCode::StaleBrokerEpoch)
        );
        let a = c.allocate_producer_ids(1, e1, 1000).unwrap();
        let b = c.allocate_producer_ids(2, e2, 1000).unwrap();
        assert_eq!((a, b), (0, 1000));
        drop(c);
        let c = controller(dir.path(), false);
        let e1 = c.register(1, Uuid::new_v4(), "h".into(), 1);
        assert_eq!(c.allocate_producer_ids(1, e1, 1000).unwrap(), 2000);
    }

    #[test]
    fn manual_assignments_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let c = controller(dir.path(), false);
        for b in 1..=3 {
            c.register(b, Uuid::new_v4(), "h".into(), b as u16);
        }
        let bad = |assignments| TopicRequest {
            assignments,
            ..topic("t", -1, -1)
        };
        for a in [
            vec![(0, vec![1, 1])],
            vec![(1, vec![1])],
            vec![(0, vec![9])],
        ] {
            assert_eq!(
                c.create_topic(bad(a), false).unwrap_err().0,
                ErrorCode::InvalidReplicaAssignment
            );
        }
        c.create_topic(bad(vec![(0, vec![3, 1]), (1, vec![1, 2])]), false)
            .unwrap();
        c.create_partitions("t", 3, vec![vec![2, 3]], false)
            .unwrap();
        assert_eq!(c.image().partition("t", 2).unwrap().replicas, vec![2, 3]);
    }
}
