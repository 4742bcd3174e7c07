//! Fixtures: an in-process broker-lite, a TCP proxy that can cut every
//! connection, topic creation and a Fetch loop of our own for reading back,
//! and test peers (kcat, python) with the CI=true fail/skip rule.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use broker_lite::config::BrokerConfig;
use broker_lite::{BrokerHandle, start};
use kctl_client::protocol::messages::create_topics_request::CreatableTopic;
use kctl_client::protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kctl_client::protocol::messages::{BrokerId, CreateTopicsRequest, FetchRequest, TopicName};
use kctl_client::protocol::record_batch::{DecodedRecord, decode_batches};
use kctl_client::protocol::{ErrorCode, StrBytes};
use kctl_client::{Client, ClientConfig};
use tempfile::TempDir;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// broker-lite on a free port over a temporary directory, optionally behind
/// a [`Proxy`] that it advertises, so every client connection can be cut.
pub struct TestBroker {
    pub handle: Option<BrokerHandle>,
    pub proxy: Option<Proxy>,
    _dir: TempDir,
}

impl TestBroker {
    pub async fn start() -> Self {
        Self::start_with(false, |_| {}).await
    }

    pub async fn start_behind_proxy() -> Self {
        Self::start_with(true, |_| {}).await
    }

    pub async fn start_with(proxied: bool, configure: impl FnOnce(&mut BrokerConfig)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = BrokerConfig::default();
        config.listen = "127.0.0.1:0".parse().unwrap();
        config.data_dir = dir.path().into();
        configure(&mut config);
        let proxy_listener = if proxied {
            Some(TcpListener::bind("127.0.0.1:0").await.unwrap())
        } else {
            None
        };
        if let Some(l) = &proxy_listener {
            config.advertise = Some(("127.0.0.1".into(), l.local_addr().unwrap().port()));
        }
        let handle = start(config).await.unwrap();
        let proxy = proxy_listener.map(|l| Proxy::start(l, handle.local_addr().to_string()));
        Self {
            handle: Some(handle),
            proxy,
            _dir: dir,
        }
    }

    /// What clients should bootstrap from.
    pub fn bootstrap(&self) -> String {
        match &self.proxy {
            Some(p) => p.addr.clone(),
            None => self.handle.as_ref().unwrap().bootstrap(),
        }
    }
}

/// Forwards connections to a broker; [`Proxy::cut`] closes all of them.
pub struct Proxy {
    pub addr: String,
    generation: watch::Sender<u64>,
    pub cuts: Arc<AtomicU64>,
}

impl Proxy {
    fn start(listener: TcpListener, upstream: String) -> Self {
        let addr = listener.local_addr().unwrap().to_string();
        let (generation, _) = watch::channel(0u64);
        let gen_tx = generation.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let mut cut = gen_tx.subscribe();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let (mut cr, mut cw) = client.into_split();
                    let (mut sr, mut sw) = server.into_split();
                    tokio::select! {
                        _ = tokio::io::copy(&mut cr, &mut sw) => {}
                        _ = tokio::io::copy(&mut sr, &mut cw) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Self {
            addr,
            generation,
            cuts: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Drops every connection through the proxy, mid-request or not.
    pub fn cut(&self) {
        self.cuts.fetch_add(1, Ordering::Relaxed);
        self.generation.send_modify(|g| *g += 1);
    }
}

pub async fn client(bootstrap: &str) -> Client {
    Client::connect(ClientConfig::new([bootstrap]))
        .await
        .unwrap()
}

pub async fn create_topic(client: &Client, name: &str, partitions: i32, replication_factor: i16) {
    let request = CreateTopicsRequest::default()
        .with_timeout_ms(10_000)
        .with_topics(vec![
            CreatableTopic::default()
                .with_name(TopicName(StrBytes::from_string(name.to_owned())))
                .with_num_partitions(partitions)
                .with_replication_factor(replication_factor),
        ]);
    let (conn, _) = client.any_connection().await.unwrap();
    let response = conn.request(&request).await.unwrap();
    let code = response.topics[0].error_code;
    assert!(
        code == 0 || code == ErrorCode::TopicAlreadyExists.code(),
        "CreateTopics failed: {code}"
    );
}

/// Every record of a partition, read with Fetch from its leader until the
/// high watermark.
pub async fn fetch_all(client: &Client, topic: &str, partition: i32) -> Vec<DecodedRecord> {
    let mut records = Vec::new();
    let mut offset = 0i64;
    for _ in 0..10_000 {
        let leader =
            client.topic_metadata(topic).await.unwrap().partitions[partition as usize].leader_id;
        let conn = client.broker(leader).unwrap().get().await.unwrap();
        let version = conn.version_for::<FetchRequest>(Some(12)).unwrap();
        let request = FetchRequest::default()
            .with_replica_id(BrokerId(-1))
            .with_max_wait_ms(100)
            .with_min_bytes(1)
            .with_max_bytes(16 << 20)
            .with_session_epoch(-1)
            .with_topics(vec![
                FetchTopic::default()
                    .with_topic(TopicName(StrBytes::from_string(topic.to_owned())))
                    .with_partitions(vec![
                        FetchPartition::default()
                            .with_partition(partition)
                            .with_fetch_offset(offset)
                            .with_current_leader_epoch(-1)
                            .with_log_start_offset(-1)
                            .with_partition_max_bytes(8 << 20),
                    ]),
            ]);
        let response = conn.request_at(&request, version).await.unwrap();
        let data = &response.responses[0].partitions[0];
        assert_eq!(data.error_code, 0, "fetch {topic}-{partition} at {offset}");
        if let Some(bytes) = &data.records {
            for batch in decode_batches(bytes).unwrap() {
                for record in batch.records {
                    if record.offset >= offset {
                        offset = record.offset + 1;
                        records.push(record);
                    }
                }
            }
        }
        if offset >= data.high_watermark {
            return records;
        }
    }
    panic!("fetch of {topic}-{partition} did not reach the high watermark");
}

/// A test peer: its path, or `None` to skip. Under CI=true a missing peer
/// fails the test: CI must never pass by skipping.
pub fn peer(name: &str, path: PathBuf, available: bool) -> Option<PathBuf> {
    if available {
        return Some(path);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "test peer {name} not available at {} (CI=true: run .ci/setup)",
            path.display()
        );
    }
    eprintln!(
        "SKIPPED: test peer {name} not available at {}; run .ci/setup to install it",
        path.display()
    );
    None
}

pub fn kcat() -> Option<PathBuf> {
    let path =
        std::env::var_os("KCTL_KCAT").map_or_else(|| PathBuf::from("/usr/bin/kcat"), PathBuf::from);
    let ok = path.exists();
    peer("kcat", path, ok)
}

pub fn python() -> Option<PathBuf> {
    let default = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    let path = std::env::var_os("KCTL_PYTHON").map_or(default, PathBuf::from);
    let ok = path.exists();
    peer("python (with kafka-python)", path, ok)
}

/// Kafka's Java client (kafka-clients 4.2) as broker-lite's interop check
/// builds it (broker-lite/tests/java, `mvn package`): its target dir.
pub fn java_client_check() -> Option<PathBuf> {
    let project = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../broker-lite/tests/java");
    let built = std::process::Command::new("mvn")
        .args(["-q", "-B", "package"])
        .current_dir(&project)
        .status()
        .is_ok_and(|s| s.success());
    peer(
        "the Java client check (mvn, java)",
        project.join("target"),
        built,
    )
}

pub async fn with_timeout<T>(
    what: &str,
    seconds: u64,
    f: impl std::future::Future<Output = T>,
) -> T {
    tokio::time::timeout(Duration::from_secs(seconds), f)
        .await
        .unwrap_or_else(|_| panic!("{what} took over {seconds} s"))
}
