//! Everything the dashboard and headless mode conclude from snapshots.
//!
//! An [`Evaluator`] keeps the sliding windows (Burrow's rings, the
//! offset→time tables, rate samples) and turns the newest snapshot into an
//! [`Evaluation`]: plain, serialisable data that drawing only reads and
//! headless mode prints. No I/O happens here; time comes from the snapshots.
//!
//! - [`health`]: TopicCommand's partition health.
//! - [`burrow`]: Burrow's consumer status rules and group rollup.
//! - [`time_lag`]: lag in seconds from an offset→time table.
//! - [`rates`]: consume/produce rates and time to catch up.
//! - [`verdict`]: the OK/WARN/CRIT rollup and exit code.

pub mod burrow;
pub mod health;
pub mod rates;
pub mod time_lag;
pub mod verdict;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

pub use self::burrow::{BurrowConfig, Status};
pub use self::health::{HealthCounts, PartitionHealth};
pub use self::rates::CatchUp;
pub use self::time_lag::TimeLag;
pub use self::verdict::{Level, Verdict};

use self::burrow::{CommitRing, CommitSample};
use self::rates::OffsetSample;
use self::time_lag::{AddOutcome, OffsetTimeTable, Point};
use crate::model::{BrokerId, Group, GroupState, Member, Snapshot, Topic, TopicPartition};
use crate::ring::Ring;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EvalConfig {
    pub burrow: BurrowConfig,
    /// LEO points per partition for time lag (KLE's `lookup-table.memory.size`).
    pub time_table_points: usize,
    /// Samples per partition that rates are computed across.
    pub rate_samples: usize,
}

impl Default for EvalConfig {
    fn default() -> Self {
        Self {
            burrow: BurrowConfig::default(),
            time_table_points: 60,
            rate_samples: 10,
        }
    }
}

/// Windows for one (topic, partition).
#[derive(Debug, Clone)]
struct LogWindow {
    /// Burrow's broker ring.
    leos: Ring<i64>,
    table: OffsetTimeTable,
    leo_samples: Ring<OffsetSample>,
    seen_in: u64,
}

/// Windows for one (group, topic, partition).
#[derive(Debug, Clone)]
struct ConsumerWindow {
    commits: CommitRing,
    commit_samples: Ring<OffsetSample>,
    /// A share partition's redelivery counter over time: its rate is the
    /// redelivery rate, as the commits' is the consume rate.
    redelivery_samples: Ring<OffsetSample>,
    seen_in: u64,
}

/// Per topic, per partition. Nested so lookups borrow `&str` keys instead of
/// allocating a `TopicPartition` for each of thousands of partitions.
type ByPartition<W> = HashMap<String, HashMap<i32, W>>;

/// Keeps the sliding windows across snapshots.
#[derive(Debug, Clone)]
pub struct Evaluator {
    config: EvalConfig,
    logs: ByPartition<LogWindow>,
    consumers: HashMap<String, ByPartition<ConsumerWindow>>,
    generation: u64,
    last_captured_at_ms: Option<i64>,
}

impl Default for Evaluator {
    fn default() -> Self {
        Self::new(EvalConfig::default())
    }
}

impl Evaluator {
    /// # Panics
    /// If any window size in `config` is 0: a window that holds nothing
    /// cannot evaluate anything, so this is a configuration bug.
    pub fn new(config: EvalConfig) -> Self {
        assert!(
            config.burrow.intervals > 0 && config.time_table_points > 0 && config.rate_samples > 0,
            "every evaluation window needs at least one slot: {config:?}"
        );
        Self {
            config,
            logs: HashMap::new(),
            consumers: HashMap::new(),
            generation: 0,
            last_captured_at_ms: None,
        }
    }

    pub fn config(&self) -> &EvalConfig {
        &self.config
    }

    /// Adds a snapshot's samples to the windows. A snapshot not newer than
    /// the previous one is ignored (returns false): a late poll must not
    /// reorder the rings. Partitions and groups absent from the snapshot
    /// lose their windows, so deleted topics and groups free their memory.
    pub fn ingest(&mut self, snapshot: &Snapshot) -> bool {
        let now_ms = snapshot.captured_at_ms;
        if self.last_captured_at_ms.is_some_and(|last| now_ms <= last) {
            return false;
        }
        self.last_captured_at_ms = Some(now_ms);
        self.generation += 1;
        let generation = self.generation;
        let config = self.config;

        for topic in &snapshot.topics {
            let windows = self.logs.entry(topic.name.clone()).or_default();
            for partition in &topic.partitions {
                let window = windows
                    .entry(partition.partition)
                    .or_insert_with(|| LogWindow {
                        leos: Ring::new(config.burrow.intervals),
                        table: OffsetTimeTable::new(config.time_table_points),
                        leo_samples: Ring::new(config.rate_samples),
                        seen_in: generation,
                    });
                window.seen_in = generation;
                if let Some(leo) = partition.log_end_offset {
                    window.record_leo(leo, now_ms);
                }
            }
        }

        for group in &snapshot.groups {
            let by_topic = self.consumers.entry(group.group_id.clone()).or_default();
            for offset in &group.offsets {
                let windows = by_topic.entry(offset.topic.clone()).or_default();
                let window = windows
                    .entry(offset.partition)
                    .or_insert_with(|| ConsumerWindow {
                        commits: CommitRing::new(config.burrow.intervals),
                        commit_samples: Ring::new(config.rate_samples),
                        redelivery_samples: Ring::new(config.rate_samples),
                        seen_in: generation,
                    });
                window.seen_in = generation;
                if let Some(share) = offset.share {
                    // A counter that went back (the share state was reset
                    // or deleted) starts a new window, not a negative rate.
                    let total = i64::try_from(share.redeliveries_total).unwrap_or(i64::MAX);
                    if window
                        .redelivery_samples
                        .last()
                        .is_some_and(|last| total < last.offset)
                    {
                        window.redelivery_samples = Ring::new(config.rate_samples);
                    }
                    window.redelivery_samples.push(OffsetSample {
                        time_ms: now_ms,
                        offset: total,
                    });
                }
                let Some(committed) = offset.committed_offset else {
                    continue;
                };
                let latest_leo = self
                    .logs
                    .get(&offset.topic)
                    .and_then(|w| w.get(&offset.partition))
                    .and_then(|w| w.leos.last().copied());
                window.commits.append(
                    CommitSample {
                        offset: committed,
                        commit_timestamp_ms: offset.commit_timestamp_ms,
                        observed_ms: now_ms,
                    },
                    latest_leo,
                    config.burrow.min_distance_ms,
                );
                window.commit_samples.push(OffsetSample {
                    time_ms: now_ms,
                    offset: committed,
                });
            }
        }

        self.logs.retain(|_, partitions| {
            partitions.retain(|_, w| w.seen_in == generation);
            !partitions.is_empty()
        });
        self.consumers.retain(|_, topics| {
            topics.retain(|_, partitions| {
                partitions.retain(|_, w| w.seen_in == generation);
                !partitions.is_empty()
            });
            !topics.is_empty()
        });
        true
    }

    /// Evaluates `snapshot` against the windows. Call after [`Self::ingest`]
    /// with the same snapshot.
    pub fn evaluate(&self, snapshot: &Snapshot) -> Evaluation {
        let now_ms = snapshot.captured_at_ms;
        let live: Vec<BrokerId> = snapshot.cluster.brokers.iter().map(|b| b.id).collect();

        let mut readers: HashMap<&str, BTreeSet<&str>> = HashMap::new();
        for group in &snapshot.groups {
            for offset in &group.offsets {
                readers
                    .entry(offset.topic.as_str())
                    .or_default()
                    .insert(group.group_id.as_str());
            }
        }

        let topics: Vec<TopicEval> = snapshot
            .topics
            .iter()
            .map(|topic| {
                let windows = self.logs.get(&topic.name);
                let mut counts = HealthCounts::default();
                let mut produce_total: Option<f64> = None;
                let partitions: Vec<TopicPartitionEval> = topic
                    .partitions
                    .iter()
                    .map(|p| {
                        let health = health::evaluate(p, topic.min_insync_replicas, &live);
                        counts.add(&health);
                        let produce_rate_per_s = windows
                            .and_then(|w| w.get(&p.partition))
                            .and_then(|w| rates::rate_per_s(&w.leo_samples));
                        if let Some(rate) = produce_rate_per_s {
                            *produce_total.get_or_insert(0.0) += rate;
                        }
                        TopicPartitionEval {
                            partition: p.partition,
                            leader: p.leader,
                            replicas: p.replicas.clone(),
                            isr: p.isr.clone(),
                            missing_isr: health::missing_from_isr(p),
                            offline_replicas: p.offline_replicas.clone(),
                            adding_replicas: p.adding_replicas.clone(),
                            log_start_offset: p.log_start_offset,
                            log_end_offset: p.log_end_offset,
                            health,
                            produce_rate_per_s,
                        }
                    })
                    .collect();
                TopicEval {
                    name: topic.name.clone(),
                    internal: topic.internal,
                    min_insync_replicas: topic.min_insync_replicas,
                    replication_factor: topic
                        .partitions
                        .iter()
                        .map(health::replication_factor)
                        .max()
                        .unwrap_or(0),
                    health: counts,
                    produce_rate_per_s: produce_total,
                    readers: readers
                        .get(topic.name.as_str())
                        .map(|set| set.iter().map(|s| (*s).to_owned()).collect())
                        .unwrap_or_default(),
                    partitions,
                }
            })
            .collect();

        let by_name: HashMap<&str, &Topic> = snapshot
            .topics
            .iter()
            .map(|t| (t.name.as_str(), t))
            .collect();
        let groups: Vec<GroupEval> = snapshot
            .groups
            .iter()
            .map(|group| self.evaluate_group(group, &by_name, now_ms))
            .collect();

        let mut health_total = HealthCounts::default();
        for topic in &topics {
            health_total.merge(&topic.health);
        }
        let brokers = broker_evals(snapshot);
        let verdict = verdict::judge(&topics, &groups);
        Evaluation {
            captured_at_ms: now_ms,
            cluster: ClusterEval {
                id: snapshot.cluster.id.clone(),
                controller: snapshot.cluster.controller,
                live_brokers: snapshot.cluster.brokers.len(),
                topics: topics.len(),
                partitions: health_total.partitions,
                groups: groups.len(),
                health: health_total,
            },
            brokers,
            topics,
            groups,
            verdict,
        }
    }

    fn evaluate_group(
        &self,
        group: &Group,
        topics: &HashMap<&str, &Topic>,
        now_ms: i64,
    ) -> GroupEval {
        let windows = self.consumers.get(&group.group_id);
        let empty_leos = Ring::new(1);
        let owners: HashMap<(&str, i32), &Member> = group
            .members
            .iter()
            .flat_map(|m| {
                m.assignment
                    .iter()
                    .map(move |tp| ((tp.topic.as_str(), tp.partition), m))
            })
            .collect();
        let partitions: Vec<GroupPartitionEval> = group
            .offsets
            .iter()
            .map(|offset| {
                let log = self
                    .logs
                    .get(&offset.topic)
                    .and_then(|w| w.get(&offset.partition));
                let consumer = windows
                    .and_then(|w| w.get(&offset.topic))
                    .and_then(|w| w.get(&offset.partition));
                let state = topics.get(offset.topic.as_str()).and_then(|t| {
                    t.partitions
                        .iter()
                        .find(|p| p.partition == offset.partition)
                });
                let log_end_offset = state.and_then(|p| p.log_end_offset);
                let log_start_offset = state.and_then(|p| p.log_start_offset);
                let lag = match (offset.committed_offset, log_end_offset) {
                    (Some(committed), Some(leo)) => Some(burrow::offset_lag(leo, committed)),
                    _ => None,
                };
                let status = match consumer {
                    Some(c) => burrow::evaluate_partition(
                        &c.commits,
                        log.map_or(&empty_leos, |l| &l.leos),
                        now_ms,
                        &self.config.burrow,
                    ),
                    None => burrow::PartitionStatus {
                        status: Status::Ok,
                        complete: 0.0,
                        current_lag: None,
                    },
                };
                let time_lag = match log {
                    Some(l) => l.table.lookup(
                        offset.committed_offset,
                        now_ms,
                        offset.committed_record_timestamp_ms,
                    ),
                    None if offset.committed_offset.is_none() => TimeLag::Unknown {
                        reason: time_lag::UnknownReason::NoCommit,
                    },
                    None => TimeLag::Unknown {
                        reason: time_lag::UnknownReason::TooFewPoints,
                    },
                };
                let consume_rate_per_s =
                    consumer.and_then(|c| rates::rate_per_s(&c.commit_samples));
                let produce_rate_per_s = log.and_then(|l| rates::rate_per_s(&l.leo_samples));
                let share = offset.share.map(|s| ShareEval {
                    in_flight: s.in_flight,
                    archived: s.archived_total,
                    redelivery_rate_per_s: consumer
                        .and_then(|c| rates::rate_per_s(&c.redelivery_samples)),
                });
                GroupPartitionEval {
                    topic: offset.topic.clone(),
                    partition: offset.partition,
                    member_id: owners
                        .get(&(offset.topic.as_str(), offset.partition))
                        .map(|m| m.member_id.clone()),
                    committed_offset: offset.committed_offset,
                    log_start_offset,
                    log_end_offset,
                    lag,
                    behind_log_start: matches!(
                        (offset.committed_offset, log_start_offset),
                        (Some(c), Some(start)) if c < start
                    ),
                    time_lag,
                    consume_rate_per_s,
                    catch_up: rates::catch_up(lag, consume_rate_per_s, produce_rate_per_s),
                    status: status.status,
                    complete: status.complete,
                    share,
                }
            })
            .collect();

        let keys: Vec<(TopicPartition, burrow::PartitionStatus)> = partitions
            .iter()
            .map(|p| {
                (
                    TopicPartition::new(p.topic.clone(), p.partition),
                    burrow::PartitionStatus {
                        status: p.status,
                        complete: p.complete,
                        current_lag: p.lag,
                    },
                )
            })
            .collect();
        let rollup = burrow::rollup(keys.iter().map(|(tp, s)| (tp, s)));
        let max_time_lag = partitions
            .iter()
            .filter(|p| p.committed_offset.is_some())
            .map(|p| p.time_lag)
            .reduce(TimeLag::worst)
            .unwrap_or(TimeLag::Unknown {
                reason: time_lag::UnknownReason::NoCommit,
            });
        let member_assignments = member_assignments(group, &partitions);
        let share = ShareEval::sum(&partitions);
        GroupEval {
            group_id: group.group_id.clone(),
            state: group.state.clone(),
            group_type: group.group_type.clone(),
            protocol: group.protocol.clone(),
            members: group.members.len(),
            member_assignments,
            status: rollup.status,
            complete: rollup.complete,
            total_lag: rollup.total_lag,
            max_lag: rollup.max_lag,
            max_time_lag,
            share,
            partitions,
        }
    }
}

impl ShareEval {
    /// The group's figures: each summed over the partitions that report
    /// it. `None` when none does (a consumer group, or a share group on a
    /// broker without the statistics).
    fn sum(partitions: &[GroupPartitionEval]) -> Option<Self> {
        let reported: Vec<&ShareEval> =
            partitions.iter().filter_map(|p| p.share.as_ref()).collect();
        if reported.is_empty() {
            return None;
        }
        let rates: Vec<f64> = reported
            .iter()
            .filter_map(|s| s.redelivery_rate_per_s)
            .collect();
        Some(Self {
            in_flight: reported.iter().map(|s| s.in_flight).sum(),
            archived: reported.iter().map(|s| s.archived).sum(),
            redelivery_rate_per_s: (!rates.is_empty()).then(|| rates.iter().sum()),
        })
    }
}

/// Each member with the partitions it owns and their summed lag, in the
/// order the group reported them (`kafka-consumer-groups --members`, plus
/// lag).
fn member_assignments(group: &Group, partitions: &[GroupPartitionEval]) -> Vec<MemberEval> {
    group
        .members
        .iter()
        .map(|m| {
            // By the member's own assignment: in a share group several
            // members hold one partition, and each carries its backlog.
            let owned: Vec<&GroupPartitionEval> = partitions
                .iter()
                .filter(|p| {
                    m.assignment
                        .iter()
                        .any(|tp| tp.topic == p.topic && tp.partition == p.partition)
                })
                .collect();
            let lags: Vec<u64> = owned.iter().filter_map(|p| p.lag).collect();
            let mut assignment = m.assignment.clone();
            assignment.sort();
            MemberEval {
                member_id: m.member_id.clone(),
                client_id: m.client_id.clone(),
                host: m.host.clone(),
                assignment,
                // No owned partition with a commit: no lag to sum, which is
                // not the same as a lag of 0.
                lag: (!lags.is_empty()).then(|| lags.iter().sum()),
                max_time_lag: owned
                    .iter()
                    .filter(|p| p.committed_offset.is_some())
                    .map(|p| p.time_lag)
                    .reduce(TimeLag::worst),
            }
        })
        .collect()
}

impl LogWindow {
    fn record_leo(&mut self, leo: i64, now_ms: i64) {
        if self.leo_samples.last().is_some_and(|s| leo < s.offset) {
            // The log shrank: the topic was deleted and recreated. Old points
            // describe a different log, so start its windows over rather than
            // reject every point until the LEO passes its old value (KLE).
            self.table.reset();
            self.leo_samples = Ring::new(self.leo_samples.capacity());
            self.leos = Ring::new(self.leos.capacity());
        }
        self.leos.push(leo);
        let outcome = self.table.add_point(Point {
            offset: leo,
            time_ms: now_ms,
        });
        debug_assert_ne!(
            outcome,
            AddOutcome::NonMonotonic,
            "reset above handles shrinking logs"
        );
        self.leo_samples.push(OffsetSample {
            time_ms: now_ms,
            offset: leo,
        });
    }
}

fn broker_evals(snapshot: &Snapshot) -> Vec<BrokerEval> {
    let mut leaders: BTreeMap<BrokerId, usize> = BTreeMap::new();
    let mut replicas: BTreeMap<BrokerId, usize> = BTreeMap::new();
    for partition in snapshot.topics.iter().flat_map(|t| &t.partitions) {
        if let Some(leader) = partition.leader {
            *leaders.entry(leader).or_default() += 1;
        }
        for &replica in &partition.replicas {
            *replicas.entry(replica).or_default() += 1;
        }
    }
    let mut brokers: Vec<BrokerEval> = snapshot
        .cluster
        .brokers
        .iter()
        .map(|b| BrokerEval {
            id: b.id,
            host: Some(b.host.clone()),
            port: Some(b.port),
            rack: b.rack.clone(),
            live: true,
            is_controller: snapshot.cluster.controller == Some(b.id),
            leader_count: leaders.get(&b.id).copied().unwrap_or(0),
            replica_count: replicas.get(&b.id).copied().unwrap_or(0),
        })
        .collect();
    // A broker that still holds replicas but left the metadata is the one an
    // operator is looking for: list it rather than hide it.
    for (&id, &count) in &replicas {
        if !brokers.iter().any(|b| b.id == id) {
            brokers.push(BrokerEval {
                id,
                host: None,
                port: None,
                rack: None,
                live: false,
                is_controller: false,
                leader_count: leaders.get(&id).copied().unwrap_or(0),
                replica_count: count,
            });
        }
    }
    brokers.sort_by_key(|b| b.id);
    brokers
}

/// The evaluated state of the cluster at one snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub captured_at_ms: i64,
    pub cluster: ClusterEval,
    pub brokers: Vec<BrokerEval>,
    pub topics: Vec<TopicEval>,
    pub groups: Vec<GroupEval>,
    pub verdict: Verdict,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClusterEval {
    pub id: Option<String>,
    pub controller: Option<BrokerId>,
    pub live_brokers: usize,
    pub topics: usize,
    pub partitions: usize,
    pub groups: usize,
    pub health: HealthCounts,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrokerEval {
    pub id: BrokerId,
    /// `None` for a broker that is referenced by replicas but not live.
    pub host: Option<String>,
    pub port: Option<u16>,
    pub rack: Option<String>,
    pub live: bool,
    pub is_controller: bool,
    pub leader_count: usize,
    pub replica_count: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicEval {
    pub name: String,
    pub internal: bool,
    pub min_insync_replicas: Option<u32>,
    /// The largest replication factor among the partitions.
    pub replication_factor: usize,
    pub health: HealthCounts,
    /// Sum over partitions with a known rate; `None` if none is known yet.
    pub produce_rate_per_s: Option<f64>,
    /// Groups with an offset on any partition of this topic, sorted.
    pub readers: Vec<String>,
    pub partitions: Vec<TopicPartitionEval>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicPartitionEval {
    pub partition: i32,
    pub leader: Option<BrokerId>,
    pub replicas: Vec<BrokerId>,
    pub isr: Vec<BrokerId>,
    /// Replicas not in the ISR.
    pub missing_isr: Vec<BrokerId>,
    pub offline_replicas: Vec<BrokerId>,
    pub adding_replicas: Vec<BrokerId>,
    pub log_start_offset: Option<i64>,
    pub log_end_offset: Option<i64>,
    pub health: PartitionHealth,
    pub produce_rate_per_s: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupEval {
    pub group_id: String,
    pub state: GroupState,
    /// `classic` or `consumer` (KIP-848); empty when unknown.
    pub group_type: String,
    pub protocol: String,
    pub members: usize,
    /// Who owns which partitions, with lag per member.
    pub member_assignments: Vec<MemberEval>,
    /// Burrow's group status: OK, WARN or ERR.
    pub status: Status,
    pub complete: f64,
    /// Sum of partition lags; partitions without a commit add nothing.
    pub total_lag: u64,
    pub max_lag: Option<(TopicPartition, u64)>,
    /// The worst time lag over committed partitions.
    pub max_time_lag: TimeLag,
    /// A share group's in-flight, archived and redelivery figures summed
    /// over its partitions; `None` where the broker reports none.
    pub share: Option<ShareEval>,
    pub partitions: Vec<GroupPartitionEval>,
}

/// A share partition's delivery figures (broker-lite's statistics
/// extension), or a share group's: each summed over its partitions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ShareEval {
    /// Records locked by a member now.
    pub in_flight: u64,
    /// Records archived so far.
    pub archived: u64,
    /// Redeliveries per second over the rate window; `None` until two
    /// samples (for a group: summed over the partitions whose rate is
    /// known).
    pub redelivery_rate_per_s: Option<f64>,
}

/// One group member: what it owns and how far behind that is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberEval {
    pub member_id: String,
    pub client_id: String,
    pub host: String,
    /// Sorted by topic, then partition.
    pub assignment: Vec<TopicPartition>,
    /// Sum of the owned partitions' lags; `None` when none has a commit.
    pub lag: Option<u64>,
    /// The worst time lag over owned, committed partitions.
    pub max_time_lag: Option<TimeLag>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupPartitionEval {
    pub topic: String,
    pub partition: i32,
    /// The member the partition is assigned to; `None` when no member owns
    /// it (an empty group, or a commit for a partition no longer assigned).
    pub member_id: Option<String>,
    pub committed_offset: Option<i64>,
    pub log_start_offset: Option<i64>,
    pub log_end_offset: Option<i64>,
    /// `max(0, LEO − committed)`; `None` without a commit or a LEO.
    pub lag: Option<u64>,
    /// The committed offset is below the log start: records it never read
    /// were already deleted by retention.
    pub behind_log_start: bool,
    pub time_lag: TimeLag,
    pub consume_rate_per_s: Option<f64>,
    pub catch_up: CatchUp,
    pub status: Status,
    pub complete: f64,
    /// A share partition's in-flight, archived and redelivery figures;
    /// `None` for a consumer group, or where the broker reports none.
    pub share: Option<ShareEval>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{self, SCENARIO_STEPS};

    fn run(steps: usize) -> (Evaluator, Vec<Snapshot>, Evaluation) {
        let snapshots: Vec<Snapshot> = (0..steps).map(fixture::scenario).collect();
        let mut evaluator = Evaluator::default();
        for s in &snapshots {
            assert!(evaluator.ingest(s));
        }
        let last = snapshots.last().expect("at least one step");
        let evaluation = evaluator.evaluate(last);
        (evaluator, snapshots, evaluation)
    }

    fn group<'a>(e: &'a Evaluation, id: &str) -> &'a GroupEval {
        e.groups
            .iter()
            .find(|g| g.group_id == id)
            .expect("group in scenario")
    }

    #[test]
    fn scenario_groups_reach_their_intended_statuses() {
        let (_, _, e) = run(SCENARIO_STEPS);
        assert_eq!(group(&e, "billing").status, Status::Ok);
        assert_eq!(group(&e, "analytics").status, Status::Warn);
        // STOP rolls up as ERR.
        assert_eq!(group(&e, "audit").status, Status::Err);
        let audit = group(&e, "audit");
        assert!(audit.partitions.iter().any(|p| p.status == Status::Stop));
    }

    /// A share group's redelivery counter becomes a rate over the window;
    /// in-flight and archived are summed for the group; a counter that
    /// goes back (the share state was reset) restarts the rate instead of
    /// going negative.
    #[test]
    fn share_statistics_become_rates_and_group_sums() {
        use crate::model::ShareStatistics;
        let mut evaluator = Evaluator::default();
        let mut evaluation = None;
        // 10 s apart: 0, 30, 60 redeliveries, then reset to 5.
        for (step, redeliveries) in [0u64, 30, 60, 5].into_iter().enumerate() {
            let mut snapshot = fixture::scenario(step);
            let billing = snapshot
                .groups
                .iter_mut()
                .find(|g| g.group_id == "billing")
                .unwrap();
            billing.group_type = "share".into();
            for (i, offset) in billing.offsets.iter_mut().enumerate() {
                offset.share = Some(ShareStatistics {
                    in_flight: 10 + i as u64,
                    archived_total: 100,
                    redeliveries_total: redeliveries,
                });
            }
            assert!(evaluator.ingest(&snapshot));
            let evaluated = evaluator.evaluate(&snapshot);
            let billing = group(&evaluated, "billing").clone();
            let partitions = billing.partitions.len() as u64;
            let share = billing.share.expect("statistics reported");
            assert_eq!(share.archived, 100 * partitions);
            assert_eq!(share.in_flight, (10..10 + partitions).sum::<u64>());
            let expected = match step {
                0 | 3 => None,
                _ => Some(3.0 * partitions as f64),
            };
            assert_eq!(share.redelivery_rate_per_s, expected, "step {step}");
            evaluation = Some(evaluated);
        }
        let evaluation = evaluation.unwrap();
        assert_eq!(
            group(&evaluation, "analytics").share,
            None,
            "a consumer group"
        );
    }

    #[test]
    fn no_commit_is_never_lag() {
        let (_, _, e) = run(SCENARIO_STEPS);
        let fresh = group(&e, "fresh");
        let p = &fresh.partitions[0];
        assert_eq!(p.committed_offset, None);
        assert_eq!(p.lag, None);
        assert_eq!(
            p.time_lag,
            TimeLag::Unknown {
                reason: time_lag::UnknownReason::NoCommit
            }
        );
        assert_eq!(fresh.total_lag, 0);
    }

    #[test]
    fn health_counters_follow_topic_command() {
        let (_, _, e) = run(1);
        let h = e.cluster.health;
        assert_eq!(h.offline, 1, "{h:?}");
        assert_eq!(h.unavailable, 1);
        assert!(h.under_replicated >= 1);
        assert!(h.under_min_isr >= 1);
        assert_eq!(e.verdict.level, Level::Crit);
        assert!(
            e.verdict
                .reasons
                .iter()
                .any(|r| r.message.contains("offline"))
        );
    }

    #[test]
    fn produce_rate_comes_from_leo_deltas() {
        let (_, snaps, e) = run(4);
        let orders = e
            .topics
            .iter()
            .find(|t| t.name == "orders")
            .expect("orders");
        let first = &snaps[0];
        let last = &snaps[3];
        let leo = |s: &Snapshot| -> i64 {
            s.topics
                .iter()
                .find(|t| t.name == "orders")
                .map(|t| t.partitions.iter().filter_map(|p| p.log_end_offset).sum())
                .unwrap_or(0)
        };
        let elapsed_s = (last.captured_at_ms - first.captured_at_ms) as f64 / 1_000.0;
        let expected = (leo(last) - leo(first)) as f64 / elapsed_s;
        let got = orders.produce_rate_per_s.expect("rate after 4 samples");
        assert!((got - expected).abs() < 1e-6, "{got} vs {expected}");
    }

    #[test]
    fn readers_and_missing_broker_are_reported() {
        let (_, _, e) = run(1);
        let orders = e
            .topics
            .iter()
            .find(|t| t.name == "orders")
            .expect("orders");
        assert_eq!(
            orders.readers,
            vec!["analytics", "audit", "billing", "fresh"]
        );
        let gone = e
            .brokers
            .iter()
            .find(|b| !b.live)
            .expect("broker 4 left the cluster");
        assert_eq!(gone.id, 4);
        assert!(gone.replica_count > 0);
    }

    #[test]
    fn stale_snapshots_are_ignored_and_vanished_groups_forgotten() {
        let mut evaluator = Evaluator::default();
        let s1 = fixture::scenario(1);
        assert!(evaluator.ingest(&s1));
        assert!(!evaluator.ingest(&fixture::scenario(0)));
        assert!(!evaluator.ingest(&s1));
        let mut s2 = fixture::scenario(2);
        s2.groups.clear();
        s2.topics.retain(|t| t.name == "orders");
        assert!(evaluator.ingest(&s2));
        assert!(evaluator.consumers.is_empty());
        assert_eq!(evaluator.logs.keys().collect::<Vec<_>>(), vec!["orders"]);
    }

    #[test]
    fn recreated_topic_restarts_its_windows() {
        let mut evaluator = Evaluator::default();
        for step in 0..3 {
            evaluator.ingest(&fixture::scenario(step));
        }
        let mut recreated = fixture::scenario(3);
        for p in &mut recreated.topics[0].partitions {
            p.log_end_offset = Some(5);
        }
        evaluator.ingest(&recreated);
        let window = &evaluator.logs[&recreated.topics[0].name][&0];
        assert_eq!(window.table.len(), 1);
        assert_eq!(window.leos.len(), 1);
    }

    #[test]
    fn evaluation_serialises_to_json() {
        let (_, _, e) = run(3);
        let json = serde_json::to_value(&e).expect("serialisable");
        assert_eq!(json["verdict"]["level"], "CRIT");
        let lag = &json["groups"][0]["partitions"][0]["time_lag"];
        assert!(lag["method"].is_string(), "{lag}");
    }

    #[test]
    fn members_own_their_partitions_and_their_lag() {
        let (_, _, evaluation) = run(SCENARIO_STEPS);
        let analytics = group(&evaluation, "analytics");
        assert_eq!(analytics.member_assignments.len(), 3);
        let owned: usize = analytics
            .member_assignments
            .iter()
            .map(|m| m.assignment.len())
            .sum();
        assert_eq!(owned, analytics.partitions.len(), "every partition once");
        let summed: u64 = analytics
            .member_assignments
            .iter()
            .filter_map(|m| m.lag)
            .sum();
        assert_eq!(summed, analytics.total_lag);
        for member in &analytics.member_assignments {
            let expected: u64 = analytics
                .partitions
                .iter()
                .filter(|p| p.member_id.as_deref() == Some(member.member_id.as_str()))
                .filter_map(|p| p.lag)
                .sum();
            assert_eq!(member.lag, Some(expected), "{}", member.member_id);
        }
        let fresh = group(&evaluation, "fresh");
        assert!(fresh.member_assignments.is_empty(), "an empty group");
        assert_eq!(fresh.partitions[0].member_id, None, "owned by nobody");
    }
}
