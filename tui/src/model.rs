//! The snapshot the poller fills: one coordinated read of cluster metadata,
//! log offsets and group offsets.
//!
//! Everything here is plain data. The poller reads log end offsets and group
//! commits in one round and stamps the whole snapshot with a single capture
//! time, because lag computed from samples taken at different moments reads
//! as 0 or 1 (Burrow #101, #375; kminion #27).

use serde::Serialize;

/// A Kafka broker id (`node.id` / `broker.id`).
pub type BrokerId = i32;

/// One full read of the cluster, stamped with when it was captured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    /// Wall-clock capture time, milliseconds since the Unix epoch. Every
    /// sample in the snapshot is treated as taken at this instant.
    pub captured_at_ms: i64,
    pub cluster: Cluster,
    pub topics: Vec<Topic>,
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cluster {
    /// `None` for brokers too old to report a cluster id.
    pub id: Option<String>,
    /// `None` when the metadata response names no controller (during an
    /// election, or from a KRaft broker that hides it).
    pub controller: Option<BrokerId>,
    /// The live brokers from the metadata response; a partition whose leader
    /// is not in this list is unavailable.
    pub brokers: Vec<Broker>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Broker {
    pub id: BrokerId,
    pub host: String,
    pub port: u16,
    pub rack: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Topic {
    pub name: String,
    /// Internal topics (`__consumer_offsets`, `__transaction_state`).
    pub internal: bool,
    /// The effective `min.insync.replicas`; `None` when DescribeConfigs was
    /// denied or failed, in which case min-ISR checks only use the leader.
    pub min_insync_replicas: Option<u32>,
    pub partitions: Vec<PartitionState>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartitionState {
    pub partition: i32,
    /// `None` when the partition has no leader (metadata leader id -1).
    pub leader: Option<BrokerId>,
    pub replicas: Vec<BrokerId>,
    pub isr: Vec<BrokerId>,
    pub offline_replicas: Vec<BrokerId>,
    /// Replicas being added by an in-flight reassignment. TopicCommand leaves
    /// them out of the replication factor, so a reassignment in progress is
    /// not reported as under-replicated.
    pub adding_replicas: Vec<BrokerId>,
    /// `None` when ListOffsets failed for this partition (no leader, or the
    /// leader did not answer).
    pub log_start_offset: Option<i64>,
    /// The log end offset (high watermark as seen by consumers).
    pub log_end_offset: Option<i64>,
}

/// A consumer group's state as reported by DescribeGroups /
/// ConsumerGroupDescribe. Unknown strings are kept, not dropped, so a newer
/// broker's state still shows up.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupState {
    Stable,
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Assigning,
    Reconciling,
    Dead,
    Unknown(String),
}

impl GroupState {
    /// Maps Kafka's state strings; anything unrecognised is kept verbatim.
    pub fn from_kafka(state: &str) -> Self {
        match state {
            "Stable" => Self::Stable,
            "Empty" => Self::Empty,
            "PreparingRebalance" => Self::PreparingRebalance,
            "CompletingRebalance" => Self::CompletingRebalance,
            "Assigning" => Self::Assigning,
            "Reconciling" => Self::Reconciling,
            "Dead" => Self::Dead,
            other => Self::Unknown(other.to_owned()),
        }
    }

    pub fn label(&self) -> &str {
        match self {
            Self::Stable => "Stable",
            Self::Empty => "Empty",
            Self::PreparingRebalance => "PreparingRebalance",
            Self::CompletingRebalance => "CompletingRebalance",
            Self::Assigning => "Assigning",
            Self::Reconciling => "Reconciling",
            Self::Dead => "Dead",
            Self::Unknown(s) => s,
        }
    }

    /// At most 11 characters, for narrow tables.
    pub fn short_label(&self) -> &str {
        match self {
            Self::PreparingRebalance => "Preparing",
            Self::CompletingRebalance => "Completing",
            other => other.label(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    pub group_id: String,
    pub state: GroupState,
    /// `classic`, or `consumer` for a KIP-848 group; empty when the
    /// broker does not say (before Kafka 3.8).
    pub group_type: String,
    /// The assignor / protocol name (`range`, `cooperative-sticky`, `uniform`).
    pub protocol: String,
    pub members: Vec<Member>,
    /// One entry per partition the group has a commit for or is assigned.
    pub offsets: Vec<GroupOffset>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub member_id: String,
    pub client_id: String,
    pub host: String,
    pub assignment: Vec<TopicPartition>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct TopicPartition {
    pub topic: String,
    pub partition: i32,
}

impl TopicPartition {
    pub fn new(topic: impl Into<String>, partition: i32) -> Self {
        Self {
            topic: topic.into(),
            partition,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupOffset {
    pub topic: String,
    pub partition: i32,
    /// `None` means the group has never committed for this partition. It is
    /// never turned into a number: counting it as lag is the bug ktea,
    /// kaskade and early kafka-lag-exporter shipped.
    pub committed_offset: Option<i64>,
    /// The commit's own timestamp, when the poller reads it from
    /// `__consumer_offsets`. OffsetFetch does not return it; then `None`, and
    /// the evaluator treats an unchanged offset as "no new commit".
    pub commit_timestamp_ms: Option<i64>,
    /// The timestamp of the record at `committed_offset`, when the poller
    /// fetched that one record. It turns the time-lag estimate exact.
    pub committed_record_timestamp_ms: Option<i64>,
    /// A share group's delivery statistics on this partition, when the
    /// broker reports them (broker-lite does, Apache Kafka does not).
    pub share: Option<ShareStatistics>,
}

/// What a share partition's records are doing (kctl's extension to
/// DescribeShareGroupOffsets; see `kctl_client::protocol::share_statistics`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ShareStatistics {
    /// Records locked by a member now.
    pub in_flight: u64,
    /// Records archived so far (a counter).
    pub archived_total: u64,
    /// Deliveries of records delivered before (a counter).
    pub redeliveries_total: u64,
}
