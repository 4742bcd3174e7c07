//! The local-cluster fixture: a controller in the test process and
//! broker-lite processes, with helpers to create topics, produce and read
//! partition 0, and to wait for the cluster to agree on a partition.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use broker_lite::cluster::supervisor::{Cluster, ClusterOptions, NodeCommand};
use broker_lite::config::BrokerConfig;
use bytes::Bytes;
use kctl_client::protocol::StrBytes;
use kctl_client::protocol::messages::create_topics_request::{
    CreatableReplicaAssignment, CreatableTopic, CreatableTopicConfig,
};
use kctl_client::protocol::messages::{
    BrokerId, CreateTopicsRequest, MetadataRequest, MetadataResponse, TopicName,
};
use kctl_client::protocol::records::Compression;
use tempfile::TempDir;

use crate::protocol::{fetch, produce, values};
use crate::support::{RawClient, batch};

pub struct TestCluster {
    pub cluster: Option<Cluster>,
    /// Holds the data (and each node's `broker.log`) until the test ends.
    _dir: TempDir,
}

impl TestCluster {
    pub async fn start(nodes: usize, settings: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut defaults = BrokerConfig::default();
        let mut properties = String::new();
        for (k, v) in settings {
            defaults.set(k, v).unwrap();
            properties.push_str(&format!("{k}={v}\n"));
        }
        let config_file = dir.path().join("cluster.properties");
        std::fs::write(&config_file, properties).unwrap();
        let cluster = Cluster::start(ClusterOptions {
            nodes,
            data_dir: dir.path().join("data"),
            listen: "127.0.0.1:0".parse().unwrap(),
            node_command: NodeCommand {
                program: env!("CARGO_BIN_EXE_broker-lite").into(),
                args: vec![
                    "--log".into(),
                    "info".into(),
                    "--config".into(),
                    config_file.display().to_string(),
                ],
            },
            broker_defaults: defaults,
        })
        .await
        .unwrap();
        Self {
            cluster: Some(cluster),
            _dir: dir,
        }
    }

    pub fn cluster(&self) -> &Cluster {
        self.cluster.as_ref().unwrap()
    }

    pub async fn addresses(&self) -> Vec<String> {
        self.cluster()
            .bootstrap()
            .await
            .split(',')
            .map(str::to_owned)
            .collect()
    }

    /// The address of node `id` (1-based).
    pub async fn node(&self, id: i32) -> String {
        self.addresses().await[(id - 1) as usize].clone()
    }

    pub async fn client(&self, id: i32) -> RawClient {
        RawClient::connect(&self.node(id).await).await
    }

    /// Metadata for `topic` as node `id` answers it.
    pub async fn metadata(&self, id: i32, topic: &str) -> MetadataResponse {
        let request = MetadataRequest::default()
            .with_topics(Some(vec![
                kctl_client::protocol::messages::metadata_request::MetadataRequestTopic::default()
                    .with_name(Some(TopicName(StrBytes::from_string(topic.into())))),
            ]))
            .with_allow_auto_topic_creation(false);
        self.client(id).await.send(12, &request).await
    }

    /// (leader, leader epoch, isr) of a partition, as node `id` sees it;
    /// `None` while that node does not know the partition yet.
    pub async fn partition(
        &self,
        id: i32,
        topic: &str,
        index: i32,
    ) -> Option<(i32, i32, Vec<i32>)> {
        let response = self.metadata(id, topic).await;
        let p = response.topics[0]
            .partitions
            .iter()
            .find(|p| p.partition_index == index)?;
        Some((
            p.leader_id.0,
            p.leader_epoch,
            p.isr_nodes.iter().map(|b| b.0).collect(),
        ))
    }

    /// Polls until `check` holds for the partition on every live node in
    /// `on`, or fails after `timeout`.
    pub async fn wait_for(
        &self,
        on: &[i32],
        topic: &str,
        index: i32,
        timeout: Duration,
        what: &str,
        check: impl Fn(&(i32, i32, Vec<i32>)) -> bool,
    ) -> (i32, i32, Vec<i32>) {
        let deadline = Instant::now() + timeout;
        loop {
            let mut seen = Vec::new();
            for id in on {
                seen.push(self.partition(*id, topic, index).await);
            }
            if seen.iter().all(|p| p.as_ref().is_some_and(&check))
                && seen.windows(2).all(|w| w[0] == w[1])
            {
                return seen.remove(0).unwrap();
            }
            assert!(Instant::now() < deadline, "{what}: still {seen:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Creates `topic` with one partition on nodes 1, 2 and 3 and
    /// `min.insync.replicas=2`, and waits until every node sees all three
    /// in its ISR.
    pub async fn create_with_min_isr_2(&self, topic: &str, timeout: Duration) {
        let mut c1 = self.client(1).await;
        assert_eq!(
            create(
                &mut c1,
                topic,
                0,
                0,
                &[&[1, 2, 3]],
                &[("min.insync.replicas", "2")]
            )
            .await,
            0
        );
        self.wait_for(&[1, 2, 3], topic, 0, timeout, "created", |p| p.2.len() == 3)
            .await;
    }

    pub async fn shutdown(mut self) {
        self.cluster.take().unwrap().shutdown().await;
    }
}

/// A failing cluster test keeps its data and prints the end of each node's
/// `broker.log`: the nodes are separate processes, so their side of a
/// failure that CI saw once is otherwise gone with the temporary directory.
impl Drop for TestCluster {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        self._dir.disable_cleanup(true);
        let data = self._dir.path().join("data");
        eprintln!("cluster test failed; its data stays in {}", data.display());
        let Ok(entries) = std::fs::read_dir(&data) else {
            return;
        };
        let mut logs: Vec<_> = entries
            .flatten()
            .map(|entry| entry.path().join("broker.log"))
            .filter(|log| log.exists())
            .collect();
        logs.sort();
        for log in logs {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let tail = &lines[lines.len().saturating_sub(LOG_TAIL_LINES)..];
            eprintln!("--- {} (last {} lines)", log.display(), tail.len());
            for line in tail {
                eprintln!("{line}");
            }
        }
    }
}

const LOG_TAIL_LINES: usize = 60;

pub async fn create(
    client: &mut RawClient,
    topic: &str,
    partitions: i32,
    rf: i16,
    assignments: &[&[i32]],
    configs: &[(&str, &str)],
) -> i16 {
    let mut t = CreatableTopic::default()
        .with_name(TopicName(StrBytes::from_string(topic.into())))
        .with_num_partitions(if assignments.is_empty() {
            partitions
        } else {
            -1
        })
        .with_replication_factor(if assignments.is_empty() { rf } else { -1 })
        .with_configs(
            configs
                .iter()
                .map(|(k, v)| {
                    CreatableTopicConfig::default()
                        .with_name(StrBytes::from_string((*k).into()))
                        .with_value(Some(StrBytes::from_string((*v).into())))
                })
                .collect(),
        );
    t.assignments = assignments
        .iter()
        .enumerate()
        .map(|(i, brokers)| {
            CreatableReplicaAssignment::default()
                .with_partition_index(i as i32)
                .with_broker_ids(brokers.iter().map(|b| BrokerId(*b)).collect())
        })
        .collect();
    let request = CreateTopicsRequest::default()
        .with_timeout_ms(5000)
        .with_topics(vec![t]);
    client.send(7, &request).await.topics[0].error_code
}

pub fn one(value: &str) -> Bytes {
    batch(&[value.as_bytes()], 1_700_000_000_000, Compression::None)
}

pub async fn produce_code(
    client: &mut RawClient,
    topic: &str,
    value: &str,
    acks: i16,
) -> (i16, i64) {
    let response = produce(client, topic, 0, one(value), acks).await.unwrap();
    let p = &response.responses[0].partition_responses[0];
    (p.error_code, p.base_offset)
}

/// Every value in partition 0 from `node`, from offset 0 to its high
/// watermark.
pub async fn read_all(client: &mut RawClient, topic: &str) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let data = fetch(client, topic, 0, offset).await;
        assert_eq!(data.error_code, 0, "fetch @{offset}");
        let records = values(&data.records.clone().unwrap_or_default());
        let Some(&(last, _)) = records.last() else {
            return out;
        };
        out.extend(
            records
                .into_iter()
                .filter(|(o, _)| *o >= offset)
                .map(|(o, v)| (o, String::from_utf8(v.to_vec()).unwrap())),
        );
        offset = last + 1;
    }
}

/// ListOffsets "latest" of partition 0: (error, offset, leader epoch).
pub async fn latest_offset(client: &mut RawClient, topic: &str) -> (i16, i64, i32) {
    use kctl_client::protocol::messages::ListOffsetsRequest;
    use kctl_client::protocol::messages::list_offsets_request::{
        ListOffsetsPartition, ListOffsetsTopic,
    };
    let request = ListOffsetsRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_topics(vec![
            ListOffsetsTopic::default()
                .with_name(TopicName(StrBytes::from_string(topic.into())))
                .with_partitions(vec![
                    ListOffsetsPartition::default()
                        .with_partition_index(0)
                        .with_timestamp(-1),
                ]),
        ]);
    let response = client.send(7, &request).await;
    let p = &response.topics[0].partitions[0];
    (p.error_code, p.offset, p.leader_epoch)
}
