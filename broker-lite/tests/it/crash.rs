//! kill -9 while producers stream with acks=all: after a restart every
//! acknowledged record is there, and nothing past a torn tail is served.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kctl_client::protocol::batch::BatchScan;
use kctl_client::protocol::records::Compression;

use crate::protocol::{create_topic, fetch, values};
use crate::support::{RawClient, batch};

const PARTITIONS: i32 = 4;

/// Acknowledged records: partition -> offset -> value.
type Acked = BTreeMap<i32, BTreeMap<i64, Vec<u8>>>;

/// Starts the real binary and returns it with its bootstrap address.
pub fn spawn_broker(data_dir: &Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_broker-lite"))
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .args(["--log", "warn"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let bootstrap = loop {
        let line = lines
            .next()
            .expect("broker exited before listening")
            .unwrap();
        if let Some(addr) = line.strip_prefix("broker-lite listening; bootstrap server: ") {
            break addr.trim().to_owned();
        }
    };
    // Keep draining stderr so the broker never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (child, bootstrap)
}

#[tokio::test]
async fn kill_9_loses_no_acknowledged_record() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, bootstrap) = spawn_broker(dir.path());
    let mut admin = RawClient::connect(&bootstrap).await;
    create_topic(
        &mut admin,
        "crash",
        PARTITIONS,
        &[("segment.bytes", "65536")],
    )
    .await;

    let acked: Arc<Mutex<Acked>> = Arc::default();
    let mut producers = Vec::new();
    for partition in 0..PARTITIONS {
        let acked = Arc::clone(&acked);
        let bootstrap = bootstrap.clone();
        producers.push(tokio::spawn(async move {
            let mut client = RawClient::connect(&bootstrap).await;
            for i in 0u64.. {
                let value = format!("p{partition}-{i}-{}", "v".repeat(40)).into_bytes();
                let records = batch(&[&value], i as i64, Compression::None);
                let request = produce_request(partition, records);
                let Some(response) = client.try_send(9, &request).await else {
                    return;
                };
                let p = &response.responses[0].partition_responses[0];
                assert_eq!(p.error_code, 0);
                acked
                    .lock()
                    .unwrap()
                    .entry(partition)
                    .or_default()
                    .insert(p.base_offset, value);
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.kill().unwrap(); // SIGKILL: no shutdown path runs
    child.wait().unwrap();
    for producer in producers {
        producer.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    let total: usize = acked.values().map(BTreeMap::len).sum();
    assert!(
        total > 100,
        "producers made progress before the kill ({total} acked)"
    );

    // A torn tail, as a power cut in the middle of a write would leave.
    let torn = dir.path().join("crash-0");
    let last_segment = std::fs::read_dir(&torn)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .max()
        .unwrap();
    let half_batch = batch(&[b"never acknowledged, half written"], 0, Compression::None);
    std::fs::OpenOptions::new()
        .append(true)
        .open(&last_segment)
        .unwrap()
        .write_all(&half_batch[..half_batch.len() / 2])
        .unwrap();

    let (mut child, bootstrap) = spawn_broker(dir.path());
    let mut client = RawClient::connect(&bootstrap).await;
    for partition in 0..PARTITIONS {
        let expected = acked.get(&partition).cloned().unwrap_or_default();
        let mut stored = BTreeMap::new();
        let mut offset = 0;
        loop {
            let data = fetch(&mut client, "crash", partition, offset).await;
            assert_eq!(data.error_code, 0);
            let records = data.records.unwrap();
            assert!(
                BatchScan::verified(&records).all(|b| b.is_ok()),
                "only whole, valid batches are served"
            );
            let got = values(&records);
            if got.is_empty() {
                break;
            }
            offset = got.last().unwrap().0 + 1;
            stored.extend(got.into_iter().map(|(o, v)| (o, v.to_vec())));
        }
        let offsets: Vec<i64> = stored.keys().copied().collect();
        assert_eq!(
            offsets,
            (0..offsets.len() as i64).collect::<Vec<_>>(),
            "offsets stay contiguous"
        );
        for (offset, value) in &expected {
            assert_eq!(
                stored.get(offset),
                Some(value),
                "acknowledged record p{partition}@{offset} lost"
            );
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

fn produce_request(
    partition: i32,
    records: bytes::Bytes,
) -> kctl_client::protocol::messages::ProduceRequest {
    use kctl_client::protocol::messages::produce_request::{
        PartitionProduceData, TopicProduceData,
    };
    kctl_client::protocol::messages::ProduceRequest::default()
        .with_acks(-1)
        .with_timeout_ms(5000)
        .with_topic_data(vec![
            TopicProduceData::default()
                .with_name(crate::protocol::name("crash"))
                .with_partition_data(vec![
                    PartitionProduceData::default()
                        .with_index(partition)
                        .with_records(Some(records)),
                ]),
        ])
}
