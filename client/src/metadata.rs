//! The cluster as the client last saw it: brokers, topics, partitions and
//! their leaders.
//!
//! A [`ClusterMetadata`] is an immutable snapshot built from one Metadata
//! response; the client swaps in a new `Arc` on every refresh, so readers
//! (the producer's hot path) never wait on a refresh in progress.

use std::collections::HashMap;
use std::sync::Arc;

use kafka_protocol::messages::MetadataResponse;
use tokio::time::Instant;

use crate::error::ErrorCode;

/// A broker as listed in Metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerInfo {
    /// The broker's node id.
    pub id: i32,
    /// Its advertised host name.
    pub host: String,
    /// Its advertised port.
    pub port: i32,
    /// Its rack (`broker.rack`), when configured.
    pub rack: Option<String>,
}

impl BrokerInfo {
    /// `host:port`, as a connection dials it.
    pub fn addr(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// One partition's placement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionMetadata {
    /// The partition's number within its topic.
    pub id: i32,
    /// −1 while there is no leader (an election is in progress).
    pub leader_id: i32,
    /// The leader epoch (KIP-320); −1 when the broker does not say.
    pub leader_epoch: i32,
    /// Ids of the brokers holding a replica, the preferred leader first.
    pub replicas: Vec<i32>,
    /// Ids of the in-sync replicas.
    pub isr: Vec<i32>,
    /// The broker's error for this partition (for example LEADER_NOT_AVAILABLE), if any.
    pub error: Option<ErrorCode>,
}

impl PartitionMetadata {
    /// The leader's broker id, `None` while there is none.
    pub fn leader(&self) -> Option<i32> {
        (self.leader_id >= 0).then_some(self.leader_id)
    }
}

/// One topic; `partitions[i].id == i`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicMetadata {
    /// The topic's name.
    pub name: String,
    /// The topic id (Metadata v10+; nil when the broker did not say).
    /// KIP-848 assignments name topics by id.
    pub topic_id: uuid::Uuid,
    /// The broker's error for the whole topic (for example UNKNOWN_TOPIC_OR_PARTITION), if any.
    pub error: Option<ErrorCode>,
    /// Whether it is an internal topic (`__consumer_offsets`, `__transaction_state`).
    pub is_internal: bool,
    /// Its partitions, indexed by id.
    pub partitions: Vec<PartitionMetadata>,
    /// Ids of the partitions that have a leader, ascending. Precomputed
    /// because the producer's partitioner reads it for every record.
    pub available: Vec<i32>,
}

impl TopicMetadata {
    /// How many partitions the topic has.
    pub fn partition_count(&self) -> i32 {
        self.partitions.len() as i32
    }
}

/// The hasher of maps keyed by topic name that a producer reads for every
/// record (this snapshot's topics, the partitioners' and the accumulator's
/// per-topic state). Topic names come from the application and the
/// cluster, not from strangers, so foldhash's speed is worth more than
/// SipHash's flooding resistance: SipHash over the topic, three times, was
/// a fifth of the producer's instructions per 100-byte record.
#[derive(Debug, Clone, Default)]
pub struct TopicHasher(foldhash::fast::RandomState);

impl std::hash::BuildHasher for TopicHasher {
    type Hasher = <foldhash::fast::RandomState as std::hash::BuildHasher>::Hasher;

    fn build_hasher(&self) -> Self::Hasher {
        self.0.build_hasher()
    }
}

/// A map keyed by topic name, hashed with [`TopicHasher`].
pub type TopicMap<V> = HashMap<String, V, TopicHasher>;

/// A snapshot of the cluster.
#[derive(Debug, Clone)]
pub struct ClusterMetadata {
    /// The live brokers, by id.
    pub brokers: HashMap<i32, BrokerInfo>,
    /// The topics the client has asked about (or all of them), by name.
    pub topics: TopicMap<Arc<TopicMetadata>>,
    /// The controller's broker id; −1 when unknown.
    pub controller_id: i32,
    /// The cluster id, when the broker reports one.
    pub cluster_id: Option<String>,
    /// When the Metadata response arrived.
    pub fetched_at: Instant,
}

impl Default for ClusterMetadata {
    fn default() -> Self {
        Self {
            brokers: HashMap::new(),
            topics: TopicMap::default(),
            controller_id: -1,
            cluster_id: None,
            fetched_at: Instant::now(),
        }
    }
}

impl ClusterMetadata {
    /// Builds a snapshot from a response. Topics the response does not
    /// mention are carried over from `previous`, because a refresh may ask
    /// about a subset of the topics the client knows.
    pub fn from_response(response: &MetadataResponse, previous: Option<&ClusterMetadata>) -> Self {
        let brokers = response
            .brokers
            .iter()
            .map(|b| {
                let info = BrokerInfo {
                    id: b.node_id.0,
                    host: b.host.to_string(),
                    port: b.port,
                    rack: b.rack.as_ref().map(|r| r.to_string()),
                };
                (info.id, info)
            })
            .collect();
        let mut topics = previous.map(|p| p.topics.clone()).unwrap_or_default();
        for t in &response.topics {
            let Some(name) = t.name.as_ref().map(|n| n.0.to_string()) else {
                continue;
            };
            let error = ErrorCode::try_from_code(t.error_code);
            if error.is_some() && t.partitions.is_empty() {
                // Keep serving the last good placement through a transient
                // error; only an unknown topic is forgotten.
                if error == Some(ErrorCode::UnknownTopicOrPartition) || !topics.contains_key(&name)
                {
                    topics.insert(
                        name.clone(),
                        Arc::new(TopicMetadata {
                            name,
                            topic_id: t.topic_id,
                            error,
                            is_internal: t.is_internal,
                            partitions: Vec::new(),
                            available: Vec::new(),
                        }),
                    );
                }
                continue;
            }
            let mut partitions: Vec<PartitionMetadata> = t
                .partitions
                .iter()
                .map(|p| PartitionMetadata {
                    id: p.partition_index,
                    leader_id: p.leader_id.0,
                    leader_epoch: p.leader_epoch,
                    replicas: p.replica_nodes.iter().map(|b| b.0).collect(),
                    isr: p.isr_nodes.iter().map(|b| b.0).collect(),
                    error: ErrorCode::try_from_code(p.error_code),
                })
                .collect();
            partitions.sort_by_key(|p| p.id);
            let available = partitions
                .iter()
                .filter(|p| p.leader().is_some())
                .map(|p| p.id)
                .collect();
            topics.insert(
                name.clone(),
                Arc::new(TopicMetadata {
                    name,
                    topic_id: t.topic_id,
                    error,
                    is_internal: t.is_internal,
                    partitions,
                    available,
                }),
            );
        }
        Self {
            brokers,
            topics,
            controller_id: response.controller_id.0,
            cluster_id: response.cluster_id.as_ref().map(|c| c.to_string()),
            fetched_at: Instant::now(),
        }
    }

    /// The topic's metadata, if the snapshot has it.
    pub fn topic(&self, name: &str) -> Option<&Arc<TopicMetadata>> {
        self.topics.get(name)
    }

    /// The leader of a partition, if known and listed among the brokers.
    pub fn leader_for(&self, topic: &str, partition: i32) -> Option<&BrokerInfo> {
        let p = self
            .topics
            .get(topic)?
            .partitions
            .get(usize::try_from(partition).ok()?)?;
        self.brokers.get(&p.leader()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_protocol::messages::metadata_response::{
        MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
    };
    use kafka_protocol::messages::{BrokerId, TopicName};
    use kafka_protocol::protocol::StrBytes;

    fn response(topic_error: i16, leaders: &[i32]) -> MetadataResponse {
        MetadataResponse::default()
            .with_brokers(vec![
                MetadataResponseBroker::default()
                    .with_node_id(BrokerId(1))
                    .with_host(StrBytes::from_static_str("h1"))
                    .with_port(9092),
            ])
            .with_topics(vec![
                MetadataResponseTopic::default()
                    .with_name(Some(TopicName(StrBytes::from_static_str("t"))))
                    .with_error_code(topic_error)
                    .with_partitions(
                        leaders
                            .iter()
                            .enumerate()
                            .rev()
                            .map(|(i, &l)| {
                                MetadataResponsePartition::default()
                                    .with_partition_index(i as i32)
                                    .with_leader_id(BrokerId(l))
                            })
                            .collect(),
                    ),
            ])
    }

    #[test]
    fn indexes_partitions_and_leaders() {
        let m = ClusterMetadata::from_response(&response(0, &[1, -1]), None);
        let t = m.topic("t").unwrap();
        assert_eq!(t.partition_count(), 2);
        assert_eq!(t.partitions[0].id, 0, "sorted by id");
        assert_eq!(m.leader_for("t", 0).unwrap().addr(), "h1:9092");
        assert!(
            m.leader_for("t", 1).is_none(),
            "no leader during an election"
        );
        assert!(m.leader_for("t", 2).is_none());
        assert_eq!(t.available, [0]);
    }

    #[test]
    fn a_transient_topic_error_keeps_the_last_placement() {
        let good = ClusterMetadata::from_response(&response(0, &[1]), None);
        let flaky = ClusterMetadata::from_response(
            &response(ErrorCode::LeaderNotAvailable.code(), &[]),
            Some(&good),
        );
        assert_eq!(flaky.topic("t").unwrap().partition_count(), 1);
        let gone = ClusterMetadata::from_response(
            &response(ErrorCode::UnknownTopicOrPartition.code(), &[]),
            Some(&good),
        );
        assert_eq!(
            gone.topic("t").unwrap().error,
            Some(ErrorCode::UnknownTopicOrPartition)
        );
        assert_eq!(gone.topic("t").unwrap().partition_count(), 0);
    }
}
