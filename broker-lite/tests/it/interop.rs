//! Clients nobody here wrote, against broker-lite: kcat (librdkafka) and
//! kafka-python.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use kctl_client::protocol::records::RecordBatchDecoder;

use crate::protocol::{create_topic, fetch};
use crate::support::{TestBroker, kcat, python};

const MESSAGES: usize = 100_000;
const PARTITIONS: i32 = 8;

#[tokio::test(flavor = "multi_thread")]
async fn kcat_lists_metadata() {
    let Some(kcat) = kcat() else { return };
    let broker = TestBroker::start().await;
    create_topic(&mut broker.client().await, "listed", 3, &[]).await;
    let bootstrap = broker.bootstrap();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(kcat)
            .args(["-b", &bootstrap, "-L", "-J"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(metadata["brokers"].as_array().unwrap().len(), 1);
    let topic = metadata["topics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["topic"] == "listed")
        .unwrap();
    assert_eq!(topic["partitions"].as_array().unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn kcat_round_trips_100k_keyed_messages_with_headers() {
    let Some(kcat) = kcat() else { return };
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    create_topic(&mut client, "kcat", PARTITIONS, &[]).await;
    let bootstrap = broker.bootstrap();

    let lines: String = (0..MESSAGES)
        .map(|i| format!("key-{i}\tvalue-{i}-{}\n", "p".repeat(i % 50)))
        .collect();
    let produce_kcat = kcat.clone();
    let produce_bootstrap = bootstrap.clone();
    let produced = tokio::task::spawn_blocking(move || {
        let mut child = Command::new(produce_kcat)
            .args([
                "-b",
                &produce_bootstrap,
                "-P",
                "-t",
                "kcat",
                "-K",
                "\t",
                "-H",
                "source=kcat",
                "-H",
                "dup=1",
                "-H",
                "dup=2",
            ])
            .args(["-X", "linger.ms=20"])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(lines.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    assert!(
        produced.status.success(),
        "kcat -P failed: {}",
        String::from_utf8_lossy(&produced.stderr)
    );

    let consumed = tokio::task::spawn_blocking(move || {
        Command::new(kcat)
            .args([
                "-b",
                &bootstrap,
                "-C",
                "-t",
                "kcat",
                "-e",
                "-q",
                "-f",
                "%p\t%o\t%k\t%s\t%T\t%h\n",
            ])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        consumed.status.success(),
        "kcat -C failed: {}",
        String::from_utf8_lossy(&consumed.stderr)
    );
    let text = String::from_utf8(consumed.stdout).unwrap();
    let mut seen = HashMap::new();
    let mut timestamps = HashMap::new();
    let mut partitions_used = std::collections::BTreeSet::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 6, "{line}");
        let (partition, offset): (i32, i64) =
            (fields[0].parse().unwrap(), fields[1].parse().unwrap());
        let i: usize = fields[2].strip_prefix("key-").unwrap().parse().unwrap();
        assert_eq!(fields[3], format!("value-{i}-{}", "p".repeat(i % 50)));
        assert_eq!(
            fields[5], "source=kcat,dup=1,dup=2",
            "headers, duplicates included, in order"
        );
        assert!(
            seen.insert(i, (partition, offset)).is_none(),
            "key-{i} consumed twice"
        );
        timestamps.insert((partition, offset), fields[4].parse::<i64>().unwrap());
        partitions_used.insert(partition);
    }
    assert_eq!(seen.len(), MESSAGES, "every message came back exactly once");
    assert_eq!(
        partitions_used.len(),
        PARTITIONS as usize,
        "keys spread over all partitions"
    );

    // The timestamps kcat read are the ones stored: compare with a raw fetch.
    for partition in 0..PARTITIONS {
        let data = fetch(&mut client, "kcat", partition, 0).await;
        let mut records = data.records.unwrap();
        let set = RecordBatchDecoder::decode(&mut records).unwrap();
        for record in set.records {
            assert_eq!(timestamps[&(partition, record.offset)], record.timestamp);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn kafka_python_producer_and_assigned_consumer_round_trip() {
    let Some(python) = python() else { return };
    let broker = TestBroker::start().await;
    create_topic(&mut broker.client().await, "kpy", 3, &[]).await;
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/kafka_python_roundtrip.py");
    let bootstrap = broker.bootstrap();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .args([&bootstrap, "kpy", "3", "1000"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "kafka-python round trip failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(summary["received"], 1000);
    // The defaults made it idempotent: its batches carry a producer id.
    let data = crate::protocol::fetch(&mut broker.client().await, "kpy", 0, 0).await;
    let records = data.records.unwrap();
    let first = kctl_client::protocol::batch::BatchHeader::parse(&records).unwrap();
    assert!(
        first.producer_id >= 0 && first.base_sequence == 0,
        "{first:?}"
    );
}
