//! The cluster metadata image: what the controller owns and persists, and
//! what every node holds a copy of.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One partition's placement and leadership.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionMeta {
    /// `-1` while no eligible replica is alive (the partition is offline).
    pub leader: i32,
    /// Bumped on every leader change; stamped on every batch the leader writes.
    pub leader_epoch: i32,
    /// Bumped on every change of leader or ISR (Kafka's partition epoch).
    pub partition_epoch: i32,
    /// In assignment order; the first is the preferred leader.
    pub replicas: Vec<i32>,
    pub isr: Vec<i32>,
}

impl PartitionMeta {
    pub fn is_under_replicated(&self) -> bool {
        self.isr.len() < self.replicas.len()
    }
}

/// One topic: its id, config overrides and partitions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicMeta {
    pub name: String,
    pub id: Uuid,
    #[serde(default)]
    pub configs: BTreeMap<String, String>,
    pub partitions: Vec<PartitionMeta>,
}

/// A registered broker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerMeta {
    pub host: String,
    pub port: u16,
    /// A fenced broker missed its heartbeats: it leads nothing, is in no
    /// ISR it could be elected from, and is left out of Metadata.
    pub fenced: bool,
}

/// Everything the controller decides. `epoch` grows with every change, so a
/// node can tell whether its copy is current.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterImage {
    pub epoch: i64,
    pub brokers: BTreeMap<i32, BrokerMeta>,
    pub topics: BTreeMap<String, TopicMeta>,
}

impl ClusterImage {
    pub fn partition(&self, topic: &str, index: i32) -> Option<&PartitionMeta> {
        let index = usize::try_from(index).ok()?;
        self.topics.get(topic)?.partitions.get(index)
    }

    pub fn live_brokers(&self) -> impl Iterator<Item = (i32, &BrokerMeta)> {
        self.brokers
            .iter()
            .filter(|(_, b)| !b.fenced)
            .map(|(id, b)| (*id, b))
    }

    pub fn is_live(&self, broker: i32) -> bool {
        self.brokers.get(&broker).is_some_and(|b| !b.fenced)
    }
}
