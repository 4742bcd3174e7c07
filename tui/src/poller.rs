//! Fills [`Snapshot`]s from a cluster: one round every refresh interval,
//! and on demand.
//!
//! A round reads the cluster, the topics (with `min.insync.replicas`) and
//! the groups with their members first; then the log start/end offsets and
//! every group's commits are read concurrently, stamped with the one
//! capture time taken just before, so lag compares samples from the same
//! moment (see [`crate::model`]).
//!
//! Share groups (KIP-932) have no commits: they are read with
//! ShareGroupDescribe and DescribeShareGroupOffsets, and each partition's
//! share-partition start offset (SPSO, below which every record is
//! acknowledged or archived) stands where a commit would. Where the broker
//! reports Kafka's share-partition lag (DescribeShareGroupOffsets v1, Kafka
//! 4.2, KIP-1226), the "commit" is instead the round's log end minus that
//! lag, so the dashboard's Lag is Kafka's exactly (acknowledged records past
//! the SPSO do not count); without it (Kafka 4.1), Lag reads as the backlog
//! from the SPSO, an upper bound. Where the broker reports them
//! (broker-lite's tagged-field extension to DescribeShareGroupOffsets), each
//! partition also carries its in-flight count and its archived and
//! redelivery counters; Apache Kafka has none.
//!
//! The background task ([`spawn`]) connects lazily and keeps no state that a
//! broker restart could break: a failed round becomes
//! [`Action::PollFailed`], the next round tries again, and the client's
//! connections reconnect underneath. Each round has a deadline, so a broker
//! that stops answering cannot stall the task.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kctl_client::admin::{
    Admin, ConfigResource, DescribeConfigsOptions, GroupDescription, GroupListing, IsolationLevel,
    ListGroupsOptions, OffsetSpec, SHARE_GROUP_TYPE, ShareGroupDescription, ShareGroupOffset,
    TopicPartition as ClientTp,
};
use kctl_client::error::RequestError;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::action::Action;
use crate::model::{
    Broker, Cluster, Group, GroupOffset, GroupState, Member, PartitionState, ShareStatistics,
    Snapshot, Topic, TopicPartition,
};

const MIN_INSYNC_REPLICAS: &str = "min.insync.replicas";

/// Each partition's (log start, log end) offsets of one round, as
/// ListOffsets answered them.
type LogOffsets = HashMap<(String, i32), (Option<i64>, Option<i64>)>;

/// What and how the poller reads.
#[derive(Debug, Clone)]
pub struct PollerConfig {
    pub refresh_interval: Duration,
    /// A round slower than this fails with a timeout.
    pub round_timeout: Duration,
    /// `ReadCommitted` measures lag against the last stable offset, as a
    /// `read_committed` consumer sees the log.
    pub isolation: IsolationLevel,
}

impl Default for PollerConfig {
    fn default() -> Self {
        Self {
            refresh_interval: Duration::from_secs(10),
            round_timeout: Duration::from_secs(30),
            isolation: IsolationLevel::ReadUncommitted,
        }
    }
}

/// Wall-clock milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// One round: the whole cluster as a [`Snapshot`]. Fails only when the
/// cluster itself cannot be read (metadata); a partition or group that
/// fails is left without the values it could not get.
pub async fn poll_once(admin: &Admin, isolation: IsolationLevel) -> kctl_client::Result<Snapshot> {
    let cluster = admin.describe_cluster().await?;
    let listings = admin.list_topics(true).await?;
    let names: Vec<&str> = listings.iter().map(|t| t.name.as_str()).collect();
    let described = admin.describe_topics(&names).await?;
    let resources: Vec<ConfigResource> = names
        .iter()
        .map(|n| ConfigResource::Topic((*n).to_owned()))
        .collect();
    let min_isr = min_insync_replicas(admin, &resources).await;
    let groups = match admin.list_groups(&ListGroupsOptions::default()).await {
        Ok(groups) => groups,
        // A broker without the group APIs has no groups to show; the rest
        // of the dashboard still works.
        Err(kctl_client::Error::Request(RequestError::UnsupportedApi { .. })) => Vec::new(),
        Err(e) => return Err(e),
    };
    let (share_groups, groups): (Vec<GroupListing>, Vec<GroupListing>) = groups
        .into_iter()
        .partition(|g| g.group_type.as_deref() == Some(SHARE_GROUP_TYPE));
    let share_descriptions = futures::future::join_all(
        share_groups
            .iter()
            .map(|g| admin.describe_share_group(&g.group_id)),
    )
    .await;
    let group_ids: Vec<&str> = groups.iter().map(|g| g.group_id.as_str()).collect();
    let descriptions: HashMap<String, GroupDescription> = admin
        .describe_groups(&group_ids)
        .await?
        .into_iter()
        .filter_map(|r| match r.result {
            Ok(d) => Some((r.group_id, d)),
            Err(e) => {
                tracing::debug!(group = %r.group_id, error = %e, "describe failed");
                None
            }
        })
        .collect();

    let mut offset_asks = Vec::new();
    for topic in described.iter().filter_map(|t| t.result.as_ref().ok()) {
        // A partition without a leader cannot answer ListOffsets; asking
        // would retry LEADER_NOT_AVAILABLE until the timeout and hold up the
        // whole snapshot, which shows it offline anyway.
        for p in topic.partitions.iter().filter(|p| p.leader.is_some()) {
            let tp = ClientTp::new(topic.name.clone(), p.partition);
            offset_asks.push((tp.clone(), OffsetSpec::Earliest));
            offset_asks.push((tp, OffsetSpec::Latest));
        }
    }
    let captured_at_ms = now_ms();
    let commits = futures::future::join_all(
        group_ids
            .iter()
            .map(|g| async move { admin.list_group_offsets(g, None).await }),
    );
    let share_offsets = futures::future::join_all(
        share_groups
            .iter()
            .map(|g| admin.list_share_group_offsets(&g.group_id)),
    );
    let (offsets, commits, share_offsets) = futures::future::join3(
        admin.list_offsets(&offset_asks, isolation),
        commits,
        share_offsets,
    )
    .await;

    let mut log_offsets: LogOffsets = HashMap::new();
    for (answer, (_, spec)) in offsets?.into_iter().zip(&offset_asks) {
        let offset = answer.result.ok().and_then(|o| o.offset);
        let entry = log_offsets
            .entry((
                answer.partition.topic.to_string(),
                answer.partition.partition,
            ))
            .or_default();
        match spec {
            OffsetSpec::Earliest => entry.0 = offset,
            _ => entry.1 = offset,
        }
    }

    let topics = described
        .into_iter()
        .filter_map(|t| t.result.ok())
        .map(|t| Topic {
            min_insync_replicas: min_isr.get(&t.name).copied(),
            internal: t.is_internal,
            partitions: t
                .partitions
                .iter()
                .map(|p| {
                    let (start, end) = log_offsets
                        .get(&(t.name.clone(), p.partition))
                        .copied()
                        .unwrap_or_default();
                    PartitionState {
                        partition: p.partition,
                        leader: p.leader,
                        replicas: p.replicas.clone(),
                        isr: p.isr.clone(),
                        offline_replicas: p.offline_replicas.clone(),
                        adding_replicas: Vec::new(),
                        log_start_offset: start,
                        log_end_offset: end,
                    }
                })
                .collect(),
            name: t.name,
        })
        .collect();

    let mut groups: Vec<Group> = groups
        .iter()
        .zip(commits)
        .map(|(listing, committed)| {
            let committed = match committed {
                Ok(c) => c,
                Err(e) => {
                    tracing::debug!(group = %listing.group_id, error = %e, "offset fetch failed");
                    Vec::new()
                }
            };
            group(listing, descriptions.get(&listing.group_id), committed)
        })
        .collect();
    for ((listing, description), offsets) in share_groups
        .iter()
        .zip(share_descriptions)
        .zip(share_offsets)
    {
        let description = description
            .inspect_err(|e| tracing::debug!(group = %listing.group_id, error = %e, "share group describe failed"))
            .ok();
        let offsets = offsets
            .inspect_err(|e| tracing::debug!(group = %listing.group_id, error = %e, "share group offsets failed"))
            .unwrap_or_default();
        groups.push(share_group(
            listing,
            description.as_ref(),
            &offsets,
            &log_offsets,
        ));
    }

    Ok(Snapshot {
        captured_at_ms,
        cluster: Cluster {
            id: cluster.cluster_id,
            controller: cluster.controller_id,
            brokers: cluster
                .brokers
                .into_iter()
                .map(|b| Broker {
                    id: b.id,
                    host: b.host,
                    port: u16::try_from(b.port).unwrap_or(0),
                    rack: b.rack,
                })
                .collect(),
        },
        topics,
        groups,
    })
}

/// `min.insync.replicas` per topic; topics whose configs could not be read
/// are left out (the evaluation then checks leaders only).
async fn min_insync_replicas(admin: &Admin, resources: &[ConfigResource]) -> HashMap<String, u32> {
    if resources.is_empty() {
        return HashMap::new();
    }
    let options = DescribeConfigsOptions {
        names: vec![MIN_INSYNC_REPLICAS.to_owned()],
        ..DescribeConfigsOptions::default()
    };
    let answers = match admin.describe_configs(resources, &options).await {
        Ok(answers) => answers,
        Err(e) => {
            tracing::debug!(error = %e, "describe configs failed");
            return HashMap::new();
        }
    };
    answers
        .into_iter()
        .filter_map(|r| {
            let ConfigResource::Topic(name) = r.resource else {
                return None;
            };
            let value = r
                .result
                .ok()?
                .into_iter()
                .find(|c| c.name == MIN_INSYNC_REPLICAS)?
                .value?;
            Some((name, value.parse().ok()?))
        })
        .collect()
}

fn group(
    listing: &GroupListing,
    description: Option<&GroupDescription>,
    committed: Vec<kctl_client::admin::PartitionResult<Option<kctl_client::OffsetAndMetadata>>>,
) -> Group {
    let state = group_state(description.map(|d| d.state.as_str()), listing);
    let members: Vec<Member> = description
        .map(|d| {
            d.members
                .iter()
                .map(|m| Member {
                    member_id: m.member_id.clone(),
                    client_id: m.client_id.clone(),
                    host: m.host.clone(),
                    assignment: m
                        .assignment
                        .iter()
                        .flatten()
                        .map(|tp| TopicPartition::new(tp.topic(), tp.partition))
                        .collect(),
                })
                .collect()
        })
        .unwrap_or_default();
    // Every assigned partition appears, committed or not, so "no commit"
    // shows up as such instead of the partition being missing.
    let mut offsets = assigned_slots(&members);
    for c in committed {
        let offset = c.result.ok().flatten().map(|c| c.offset);
        let slot = offsets
            .entry((c.partition.topic.to_string(), c.partition.partition))
            .or_default();
        *slot = offset.or(*slot);
    }
    Group {
        group_id: listing.group_id.clone(),
        state,
        group_type: description
            .map(|d| d.group_type.clone())
            .or_else(|| listing.group_type.clone())
            .unwrap_or_default(),
        protocol: description.map(|d| d.protocol.clone()).unwrap_or_default(),
        members,
        offsets: offsets
            .into_iter()
            .map(|((topic, partition), committed_offset)| GroupOffset {
                topic,
                partition,
                committed_offset,
                commit_timestamp_ms: None,
                committed_record_timestamp_ms: None,
                share: None,
            })
            .collect(),
    }
}

/// The state the description gives, else the listing's.
fn group_state(described: Option<&str>, listing: &GroupListing) -> GroupState {
    described.or(listing.state.as_deref()).map_or_else(
        || GroupState::Unknown(String::new()),
        GroupState::from_kafka,
    )
}

/// One empty offset slot per assigned partition, so a partition with no
/// commit shows as such instead of missing.
fn assigned_slots(members: &[Member]) -> BTreeMap<(String, i32), Option<i64>> {
    members
        .iter()
        .flat_map(|m| &m.assignment)
        .map(|tp| ((tp.topic.clone(), tp.partition), None))
        .collect()
}

/// A share group as a [`Group`]: its members (several may hold one
/// partition) and, per partition, where a commit would be: the log end
/// (`log_offsets`, this round's) minus Kafka's share-partition lag when the
/// broker reports one, never below the SPSO; else the SPSO.
fn share_group(
    listing: &GroupListing,
    description: Option<&ShareGroupDescription>,
    offsets: &[ShareGroupOffset],
    log_offsets: &LogOffsets,
) -> Group {
    let state = group_state(description.map(|d| d.state.as_str()), listing);
    let members: Vec<Member> = description
        .map(|d| {
            d.members
                .iter()
                .map(|m| Member {
                    member_id: m.member_id.clone(),
                    client_id: m.client_id.clone(),
                    host: m.host.clone(),
                    assignment: m
                        .assignment
                        .iter()
                        .map(|tp| TopicPartition::new(tp.topic(), tp.partition))
                        .collect(),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut start_offsets: BTreeMap<(String, i32), (Option<i64>, Option<ShareStatistics>)> =
        assigned_slots(&members)
            .into_keys()
            .map(|key| (key, (None, None)))
            .collect();
    for o in offsets {
        let key = (o.partition.topic().to_owned(), o.partition.partition);
        let log_end = log_offsets.get(&key).and_then(|&(_, end)| end);
        let position = match (o.start_offset, o.lag, log_end) {
            (Some(start), Some(lag), Some(end)) => Some((end - lag).max(start)),
            (start, _, _) => start,
        };
        let slot = start_offsets.entry(key).or_default();
        slot.0 = position.or(slot.0);
        slot.1 = o.statistics.map(|s| ShareStatistics {
            in_flight: s.in_flight,
            archived_total: s.archived_total,
            redeliveries_total: s.redeliveries_total,
        });
    }
    Group {
        group_id: listing.group_id.clone(),
        state,
        group_type: SHARE_GROUP_TYPE.to_owned(),
        protocol: description.map(|d| d.assignor.clone()).unwrap_or_default(),
        members,
        offsets: start_offsets
            .into_iter()
            .map(|((topic, partition), (start_offset, share))| GroupOffset {
                topic,
                partition,
                committed_offset: start_offset,
                commit_timestamp_ms: None,
                committed_record_timestamp_ms: None,
                share,
            })
            .collect(),
    }
}

/// Connects an [`Admin`]; called again after a failure, so the poller
/// starts without a broker and survives one that goes away.
pub type Connect = Box<
    dyn Fn() -> std::pin::Pin<Box<dyn Future<Output = kctl_client::Result<Admin>> + Send>>
        + Send
        + Sync,
>;

/// The running poller. Dropping it stops the task.
#[derive(Debug)]
pub struct PollerHandle {
    refresh: mpsc::Sender<()>,
    task: JoinHandle<()>,
}

impl PollerHandle {
    /// Asks for a round now. Requests made while one is pending coalesce.
    pub fn refresh(&self) {
        let _ = self.refresh.try_send(());
    }
}

impl Drop for PollerHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts the poller. It sends one [`Action::Snapshot`] or
/// [`Action::PollFailed`] per round to `actions`, and stops when the
/// receiver is gone or the handle is dropped.
pub fn spawn(
    connect: Connect,
    config: PollerConfig,
    actions: mpsc::UnboundedSender<Action>,
) -> PollerHandle {
    let (refresh, mut refresh_rx) = mpsc::channel(1);
    let task = tokio::spawn(async move {
        let mut admin: Option<Admin> = None;
        let mut interval = tokio::time::interval(config.refresh_interval);
        // After a slow round, wait a full interval instead of bursting.
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = interval.tick() => {}
                Some(()) = refresh_rx.recv() => interval.reset(),
            }
            let outcome = tokio::time::timeout(config.round_timeout, async {
                if admin.is_none() {
                    admin = Some(connect().await?);
                }
                let connected = admin.as_ref().expect("connected above");
                poll_once(connected, config.isolation).await
            })
            .await;
            let action = match outcome {
                Ok(Ok(snapshot)) => Action::Snapshot(Box::new(snapshot)),
                Ok(Err(e)) => Action::PollFailed {
                    at_ms: now_ms(),
                    error: e.to_string(),
                },
                Err(_) => Action::PollFailed {
                    at_ms: now_ms(),
                    error: format!("no answer within {} ms", config.round_timeout.as_millis()),
                },
            };
            if actions.send(action).is_err() {
                break;
            }
        }
    });
    PollerHandle { refresh, task }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where the dashboard puts a share partition's "commit": the log end
    /// minus Kafka's lag when the broker reports one (so Lag is Kafka's),
    /// not below the SPSO, and the SPSO itself without a lag (Kafka 4.1).
    #[test]
    fn a_share_partition_stands_at_the_log_end_minus_its_lag() {
        let listing = GroupListing {
            group_id: "workers".into(),
            protocol_type: "share".into(),
            state: Some("Stable".into()),
            group_type: Some(SHARE_GROUP_TYPE.into()),
            coordinator: 0,
        };
        let offset = |partition, start_offset, lag| ShareGroupOffset {
            partition: ClientTp::new("jobs", partition),
            start_offset,
            leader_epoch: Some(0),
            lag,
            statistics: None,
        };
        let offsets = [
            // 100..160 from the SPSO on, 20 of them done out of order.
            offset(0, Some(100), Some(40)),
            offset(1, Some(100), None),
            // The lag was computed against an end the round's ListOffsets
            // has not seen yet: the position stays at the SPSO.
            offset(2, Some(100), Some(70)),
            offset(3, None, None),
        ];
        let log_offsets: LogOffsets = (0..4)
            .map(|p| (("jobs".to_owned(), p), (Some(0), Some(160))))
            .collect();
        let group = share_group(&listing, None, &offsets, &log_offsets);
        let positions: Vec<Option<i64>> =
            group.offsets.iter().map(|o| o.committed_offset).collect();
        assert_eq!(positions, vec![Some(120), Some(100), Some(100), None]);
    }
}
