//! Three share consumers on one partition of broker-lite (issue 13's
//! "Show" list): two of ours (`ShareConsumer`, explicit acknowledgement
//! with `commit_sync`) and Kafka's Java `KafkaShareConsumer` 4.2 (the
//! ShareWorker.java the Apache Kafka tier runs, on the client jars Maven
//! fetches for tests/java). First one of ours releases 50 records and the
//! other rejects 30; then all three drain the rest, produced in chunks once
//! the three are members. Every record is accepted exactly once across the
//! three, what was released comes back counted, and what was rejected is
//! archived and never delivered again. The Java member renews (KIP-1222)
//! every record whose offset is a multiple of 20 before accepting it: each
//! stays with it at the same delivery count.
//!
//! SHARE_INTEROP_RECORDS sets the record count (default 3,000; the issue's
//! full run is 30,000).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kctl_client::consumer::share::{
    AcknowledgeType, AcknowledgementMode, ShareConsumer, ShareConsumerConfig, ShareRecord,
};
use kctl_client::{Acks, TopicPartition};
use kctl_client::{Admin, AdminConfig, ClientConfig, Producer, ProducerConfig, Record};

use crate::kafka_tools::{apache_kafka, blocking, java_client_check, share_group_offsets_row};
use crate::protocol::create_topic;
use crate::support::TestBroker;

const TOPIC: &str = "share-three";
const GROUP: &str = "share-three-workers";
const RELEASED: usize = 50;
const REJECTED: usize = 30;
/// The Java worker stops once no record has come for this long.
const JAVA_IDLE_MS: &str = "3000";
/// The Java member renews each record whose offset is a multiple of this
/// once before accepting it.
const JAVA_RENEW_EVERY: &str = "20";

/// (worker, offset, delivery count) of every accepted record.
type Accepted = Arc<Mutex<Vec<(&'static str, i64, i16)>>>;

async fn produce(producer: &Producer, range: std::ops::Range<usize>) {
    for i in range {
        let value = format!("r{i}");
        drop(
            producer
                .send(Record::new(TOPIC).partition(0).value(value.as_bytes()))
                .await
                .unwrap(),
        );
    }
    producer.flush().await;
}

async fn member(bootstrap: &str, max_poll_records: usize) -> ShareConsumer {
    let config = ShareConsumerConfig::new([bootstrap], GROUP)
        .acknowledgement_mode(AcknowledgementMode::Explicit)
        .max_poll_records(max_poll_records)
        .fetch_max_wait_ms(100);
    let mut consumer = ShareConsumer::connect(config).await.unwrap();
    consumer.subscribe([TOPIC]).await.unwrap();
    consumer
}

/// Polls until records come, acknowledges them all with `ack` and
/// commits; the broker must apply every acknowledgement.
async fn poll_and_ack(consumer: &mut ShareConsumer, ack: AcknowledgeType) -> Vec<ShareRecord> {
    let records = loop {
        let records = consumer.poll(Duration::from_millis(200)).await.unwrap();
        if !records.is_empty() {
            break records;
        }
    };
    for r in &records {
        consumer.acknowledge(r, ack).unwrap();
    }
    for answer in consumer.commit_sync().await.unwrap() {
        answer.result.unwrap();
    }
    records
}

/// Accepts everything until `finished`.
async fn worker(
    name: &'static str,
    mut consumer: ShareConsumer,
    accepted: Accepted,
    finished: Arc<AtomicBool>,
) {
    while !finished.load(Ordering::SeqCst) {
        let records = consumer.poll(Duration::from_millis(200)).await.unwrap();
        for r in &records {
            consumer.acknowledge(r, AcknowledgeType::Accept).unwrap();
        }
        for answer in consumer.commit_sync().await.unwrap() {
            answer.result.unwrap();
        }
        accepted.lock().unwrap().extend(
            records
                .iter()
                .map(|r| (name, r.record.offset, r.delivery_count)),
        );
    }
    consumer.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_of_ours_and_kafkas_java_share_consumer_share_a_partition() {
    let Some(target) = blocking(java_client_check).await else {
        return;
    };
    let records: usize = std::env::var("SHARE_INTEROP_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3_000);
    let broker = TestBroker::start().await;
    let bootstrap = broker.bootstrap();
    create_topic(&mut broker.client().await, TOPIC, 1, &[]).await;
    let admin = Admin::connect(ClientConfig::new([&bootstrap]), AdminConfig::default())
        .await
        .unwrap();
    for result in admin
        .alter_share_group_offsets(GROUP, &[(TopicPartition::new(TOPIC, 0), 0)])
        .await
        .unwrap()
    {
        result.result.unwrap();
    }
    let producer: Producer = ProducerConfig::new([&bootstrap])
        .acks(Acks::All)
        .linger_ms(5)
        .build()
        .await
        .unwrap();
    produce(&producer, 0..RELEASED + REJECTED).await;

    // One member releases its first poll, the other rejects its own.
    let mut a = member(&bootstrap, RELEASED).await;
    let mut b = member(&bootstrap, REJECTED).await;
    let released: BTreeSet<i64> = poll_and_ack(&mut a, AcknowledgeType::Release)
        .await
        .iter()
        .map(|r| r.record.offset)
        .collect();
    assert_eq!(released.len(), RELEASED);
    let rejected_deliveries: Vec<(i64, i16)> = poll_and_ack(&mut b, AcknowledgeType::Reject)
        .await
        .iter()
        .map(|r| (r.record.offset, r.delivery_count))
        .collect();
    let rejected: BTreeSet<i64> = rejected_deliveries.iter().map(|(o, _)| *o).collect();
    assert_eq!(rejected.len(), REJECTED);

    // The Java worker joins; the rest is produced once all three are
    // members, in chunks, so that they compete.
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../cli/tests/it/apache_kafka/ShareWorker.java");
    let java = Command::new("java")
        .args([
            "-Xmx256m",
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-cp",
        ])
        .arg(format!("{}/lib/*", target.display()))
        .arg(source)
        .args([
            bootstrap.as_str(),
            TOPIC,
            GROUP,
            JAVA_IDLE_MS,
            JAVA_RENEW_EVERY,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let java = blocking(move || java.wait_with_output());
    let java = tokio::spawn(java);
    let accepted: Accepted = Arc::default();
    let finished = Arc::new(AtomicBool::new(false));
    let ours = [("ours-a", a), ("ours-b", b)].map(|(name, consumer)| {
        tokio::spawn(worker(
            name,
            consumer,
            Arc::clone(&accepted),
            Arc::clone(&finished),
        ))
    });
    let three_members = async {
        while admin
            .describe_share_group(GROUP)
            .await
            .unwrap()
            .members
            .len()
            < 3
        {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(60), three_members)
        .await
        .expect("the Java share consumer did not join in 60 s");
    let chunk = (records / 20).max(1);
    let mut next = RELEASED + REJECTED;
    while next < records {
        let end = (next + chunk).min(records);
        produce(&producer, next..end).await;
        next = end;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    producer.close().await;
    let drained = async {
        while admin.list_share_group_offsets(GROUP).await.unwrap()[0].start_offset
            != Some(records as i64)
        {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(60 + records as u64 / 100), drained)
        .await
        .expect("the three did not drain the partition");
    finished.store(true, Ordering::SeqCst);
    for task in ours {
        task.await.unwrap();
    }
    let out = java.await.unwrap().unwrap();
    assert!(
        out.status.success(),
        "the Java share consumer failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut accepted = accepted.lock().unwrap().clone();
    let mut java_renewed: Vec<(i64, i16)> = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if let Some(renewed) = line.strip_prefix("renewed ") {
            let (offset, count) = renewed.split_once(' ').unwrap();
            java_renewed.push((offset.parse().unwrap(), count.parse().unwrap()));
            continue;
        }
        let (offset, count) = line.split_once(' ').unwrap();
        accepted.push(("java", offset.parse().unwrap(), count.parse().unwrap()));
    }
    // What Java renewed came back to Java and was accepted by it, still
    // at the delivery count it was renewed at.
    assert!(!java_renewed.is_empty(), "the Java member renewed nothing");
    for (offset, count) in &java_renewed {
        assert!(
            accepted.contains(&("java", *offset, *count)),
            "offset {offset} renewed by java at delivery {count} was not accepted by it at that count: {:?}",
            accepted
                .iter()
                .filter(|(_, o, _)| o == offset)
                .collect::<Vec<_>>()
        );
    }

    let per_worker: BTreeMap<&str, usize> =
        accepted.iter().fold(BTreeMap::new(), |mut m, (w, _, _)| {
            *m.entry(*w).or_default() += 1;
            m
        });
    eprintln!(
        "share group {GROUP}: {records} records; accepted per worker {per_worker:?}; renewed by java {}",
        java_renewed.len()
    );
    for name in ["ours-a", "ours-b", "java"] {
        assert!(
            per_worker.get(name).is_some_and(|n| *n > 0),
            "{name} got no records: {per_worker:?}"
        );
    }
    let mut seen = BTreeSet::new();
    for (name, offset, _) in &accepted {
        assert!(
            seen.insert(*offset),
            "offset {offset} accepted twice (again by {name})"
        );
        assert!(
            !rejected.contains(offset),
            "rejected offset {offset} delivered again to {name}"
        );
    }
    let all: BTreeSet<i64> = (0..records as i64).collect();
    let done: BTreeSet<i64> = seen.union(&rejected).copied().collect();
    assert_eq!(
        done,
        all,
        "records neither accepted nor rejected: {:?}",
        all.difference(&done).take(10).collect::<Vec<_>>()
    );
    // What one member released came back (to whoever), counted.
    for offset in released.difference(&rejected) {
        let (name, _, count) = accepted.iter().find(|(_, o, _)| o == offset).unwrap();
        assert!(
            *count >= 2,
            "released offset {offset} came to {name} with delivery count {count}"
        );
    }
    for (offset, count) in &rejected_deliveries {
        if released.contains(offset) {
            assert!(
                *count >= 2,
                "released offset {offset} rejected at delivery {count}"
            );
        }
    }

    // broker-lite's statistics extension (tagged fields) agrees: nothing
    // locked once every member is gone, the rejected records archived, and
    // the released ones delivered again.
    let offsets = admin.list_share_group_offsets(GROUP).await.unwrap();
    let stats = offsets[0].statistics.expect("broker-lite sends statistics");
    assert_eq!(stats.in_flight, 0, "{stats:?}");
    assert_eq!(stats.archived_total, REJECTED as u64, "{stats:?}");
    assert!(
        stats.redeliveries_total >= RELEASED as u64,
        "{stats:?} for {RELEASED} released records"
    );
    kafka_share_groups_reads_the_extended_answer(&broker, records).await;
}

/// Kafka's own `kafka-share-groups --describe --offsets` (a Java admin
/// client that does not know kctl's tagged fields) reads broker-lite's
/// DescribeShareGroupOffsets answer, statistics and all: it skips the
/// unknown tags and prints the start offset.
async fn kafka_share_groups_reads_the_extended_answer(broker: &TestBroker, records: usize) {
    let Some(script) = blocking(apache_kafka).await else {
        return;
    };
    let started = std::time::Instant::now();
    let (row, out) = share_group_offsets_row(script, broker, GROUP).await;
    eprintln!(
        "kafka-share-groups --describe --offsets against broker-lite ({:.1} s):\n{out}",
        started.elapsed().as_secs_f64()
    );
    // GROUP TOPIC PARTITION LEADER-EPOCH START-OFFSET LAG
    assert_eq!(
        [&row[1], &row[2], &row[4]],
        [TOPIC, "0", &records.to_string()],
        "{out}"
    );
}
