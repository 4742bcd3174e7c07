//! Log compaction: newest record per key, tombstones removed after
//! delete.retention.ms, the active segment untouched, keyless records
//! refused, and a compacted log reopened with and without recovery.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use broker_lite::start;
use bytes::{Bytes, BytesMut};
use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::record_batch::decode_batches;
use kctl_client::protocol::records::{
    Compression, Record, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};

use crate::protocol::{create_topic, fetch, produce_one};
use crate::support::{RawClient, TestBroker};

/// One batch of (key, value) records; a `None` value is a tombstone.
fn keyed_batch(records: &[(Option<String>, Option<String>)], compression: Compression) -> Bytes {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let records: Vec<Record> = records
        .iter()
        .enumerate()
        .map(|(i, (k, v))| Record {
            transactional: false,
            control: false,
            delete_horizon: false,
            partition_leader_epoch: -1,
            producer_id: -1,
            producer_epoch: -1,
            timestamp_type: TimestampType::Creation,
            offset: i as i64,
            sequence: -1 + i as i32,
            timestamp: now,
            key: k.as_ref().map(|k| Bytes::from(k.clone())),
            value: v.as_ref().map(|v| Bytes::from(v.clone())),
            headers: Default::default(),
        })
        .collect();
    let mut out = BytesMut::new();
    RecordBatchEncoder::encode(
        &mut out,
        &records,
        &RecordEncodeOptions {
            version: 2,
            compression,
        },
    )
    .unwrap();
    out.freeze()
}

fn kv(key: &str, value: Option<&str>) -> (Option<String>, Option<String>) {
    (Some(key.to_owned()), value.map(str::to_owned))
}

/// Every record of the partition, following gaps: (offset, key, value).
pub async fn read_all(client: &mut RawClient, topic: &str) -> Vec<(i64, String, Option<String>)> {
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let data = fetch(client, topic, 0, offset).await;
        assert_eq!(data.error_code, 0);
        let records = data.records.unwrap_or_default();
        let batches = decode_batches(&records).unwrap();
        let before = offset;
        for b in batches {
            for r in b.records {
                if r.offset >= offset {
                    let text =
                        |b: Option<Bytes>| b.map(|b| String::from_utf8_lossy(&b).into_owned());
                    out.push((r.offset, text(r.key).unwrap(), text(r.value)));
                    offset = r.offset + 1;
                }
            }
        }
        if offset >= data.high_watermark || offset == before {
            return out;
        }
    }
}

fn partition_dir(data: &Path, topic: &str) -> PathBuf {
    data.join(format!("{topic}-0"))
}

/// The newest segment file, i.e. the active one.
fn active_segment(dir: &Path) -> (PathBuf, Vec<u8>) {
    let mut logs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    logs.sort();
    let path = logs.pop().unwrap();
    let bytes = std::fs::read(&path).unwrap();
    (path, bytes)
}

#[tokio::test]
async fn ten_thousand_updates_over_a_hundred_keys_compact_to_a_hundred() {
    // Only the explicit run below compacts: the background cleaner (every
    // 15 s) could otherwise run while the records are counted, on a slow
    // machine.
    let mut broker = TestBroker::start_with(|c| c.log_cleaner_enable = false).await;
    let mut client = broker.client().await;
    create_topic(
        &mut client,
        "table",
        1,
        // Small enough that the active segment holds under 100 records (all
        // from the last round), so the whole log ends with one per key.
        &[("cleanup.policy", "compact"), ("segment.bytes", "1500")],
    )
    .await;
    for round in 0..100 {
        for group in 0..10 {
            let records: Vec<_> = (0..10)
                .map(|i| {
                    let key = format!("key-{:03}", group * 10 + i);
                    let value = format!("{key}-round-{round:03}");
                    (Some(key), Some(value))
                })
                .collect();
            let compression = if group % 2 == 0 {
                Compression::None
            } else {
                Compression::Lz4
            };
            let (code, _) =
                produce_one(&mut client, "table", 0, keyed_batch(&records, compression)).await;
            assert_eq!(code, 0);
        }
    }
    let dir = partition_dir(broker.dir.path(), "table");
    let (active_path, active_before) = active_segment(&dir);
    assert_eq!(read_all(&mut client, "table").await.len(), 10_000);

    let report = broker
        .handle
        .as_ref()
        .unwrap()
        .run_log_cleaner()
        .await
        .unwrap();
    assert!(report.segments_cleaned > 10, "{report:?}");
    assert_eq!(
        active_segment(&dir),
        (active_path, active_before),
        "the active segment is untouched"
    );
    let check = |records: Vec<(i64, String, Option<String>)>| {
        assert_eq!(records.len(), 100, "one record per key");
        let by_key: BTreeMap<_, _> = records
            .iter()
            .map(|(_, k, v)| (k.clone(), v.clone()))
            .collect();
        assert_eq!(by_key.len(), 100);
        for (key, value) in by_key {
            assert_eq!(
                value,
                Some(format!("{key}-round-099")),
                "the newest value of {key}"
            );
        }
        assert!(
            records.windows(2).all(|w| w[0].0 < w[1].0),
            "offsets keep their order"
        );
    };
    check(read_all(&mut client, "table").await);
    // Nothing left to do until the log rolls again.
    let again = broker
        .handle
        .as_ref()
        .unwrap()
        .run_log_cleaner()
        .await
        .unwrap();
    assert_eq!(again.segments_cleaned, 0);

    // A clean reopen trusts the gaps; an unclean one rescans them.
    broker.restart().await;
    let mut client = broker.client().await;
    check(read_all(&mut client, "table").await);
    let handle = broker.handle.take().unwrap();
    handle.shutdown().await.unwrap();
    std::fs::remove_file(broker.dir.path().join(".clean-shutdown")).unwrap();
    // Without a recovery point every segment is rescanned, gaps and all.
    std::fs::remove_file(dir.join("recovery-point-offset-checkpoint")).unwrap();
    broker.handle = Some(
        start(TestBroker::config(broker.dir.path().into(), |_| {}))
            .await
            .unwrap(),
    );
    let mut client = broker.client().await;
    check(read_all(&mut client, "table").await);
    let (code, offset) = produce_one(
        &mut client,
        "table",
        0,
        keyed_batch(&[kv("key-000", Some("after"))], Compression::None),
    )
    .await;
    assert_eq!((code, offset), (0, 10_000));
}

#[tokio::test]
async fn tombstones_go_after_delete_retention_ms_and_keyless_records_are_refused() {
    let broker = TestBroker::start().await;
    let handle = broker.handle.as_ref().unwrap();
    let mut client = broker.client().await;
    create_topic(
        &mut client,
        "tomb",
        1,
        &[
            ("cleanup.policy", "compact"),
            ("segment.bytes", "200"),
            ("delete.retention.ms", "500"),
        ],
    )
    .await;
    let keyless = keyed_batch(&[(None, Some("v".into()))], Compression::None);
    assert_eq!(
        produce_one(&mut client, "tomb", 0, keyless).await.0,
        ErrorCode::InvalidRecord.code()
    );
    let writes = [
        vec![kv("a", Some("a1")), kv("b", Some("b1"))],
        vec![kv("a", None)],
        vec![kv("c", Some("c1"))],
        vec![kv("c", Some("c2"))],
        vec![kv("c", Some("c3"))],
    ];
    for records in &writes {
        assert_eq!(
            produce_one(
                &mut client,
                "tomb",
                0,
                keyed_batch(records, Compression::Gzip)
            )
            .await
            .0,
            0
        );
    }
    handle.run_log_cleaner().await.unwrap();
    let first = read_all(&mut client, "tomb").await;
    assert!(
        first.contains(&(2, "a".into(), None)),
        "the tombstone survives its first cleaning: {first:?}"
    );
    assert!(!first.iter().any(|(_, k, v)| k == "a" && v.is_some()));
    assert!(first.contains(&(1, "b".into(), Some("b1".into()))));

    tokio::time::sleep(Duration::from_millis(600)).await;
    let report = handle.run_log_cleaner().await.unwrap();
    assert_eq!(report.tombstones_removed, 1, "{report:?}");
    let after = read_all(&mut client, "tomb").await;
    assert!(!after.iter().any(|(_, k, _)| k == "a"), "{after:?}");
    assert!(after.contains(&(1, "b".into(), Some("b1".into()))));
    assert_eq!(after.last().unwrap().2.as_deref(), Some("c3"));
}

/// KIP-467, as Kafka's `LogValidator`: a batch with keyless records in a
/// compacted topic is refused whole, and `record_errors` names each keyless
/// record by its index in the batch, so the client fails exactly those
/// (librdkafka's 0011_produce_batch counts 10 INVALID_RECORD and 90
/// INVALID_DIFFERENT_RECORD out of 100).
#[tokio::test]
async fn keyless_records_in_a_compacted_topic_are_named_by_batch_index() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    create_topic(&mut client, "named", 1, &[("cleanup.policy", "compact")]).await;
    let batch = keyed_batch(
        &[
            kv("k0", Some("v0")),
            (None, Some("v1".into())),
            kv("k2", Some("v2")),
            (None, Some("v3".into())),
            kv("k4", Some("v4")),
        ],
        Compression::Lz4,
    );
    let response = crate::protocol::produce(&mut client, "named", 0, batch, -1)
        .await
        .unwrap();
    let p = &response.responses[0].partition_responses[0];
    assert_eq!(p.error_code, ErrorCode::InvalidRecord.code());
    let named: Vec<(i32, String)> = p
        .record_errors
        .iter()
        .map(|e| {
            (
                e.batch_index,
                e.batch_index_error_message
                    .as_deref()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    let why = "Compacted topic cannot accept message without key in topic partition named-0.";
    assert_eq!(named, vec![(1, why.to_owned()), (3, why.to_owned())]);
    let message = p.error_message.as_deref().unwrap_or_default();
    assert!(
        message.starts_with("One or more records have been rejected due to 2 record errors"),
        "{message}"
    );
    // Refused whole: the next batch is the partition's first.
    let (code, offset) = produce_one(
        &mut client,
        "named",
        0,
        keyed_batch(&[kv("k", Some("v"))], Compression::None),
    )
    .await;
    assert_eq!((code, offset), (0, 0));
}

/// A record of an aborted transaction is never the newest of its key: the
/// cleaner drops it and keeps the committed record it would have shadowed
/// (Kafka's cleaner leaves aborted transactions out of its offset map).
/// Without that, compacting `__consumer_offsets` could replace a group's
/// committed offset with an aborted transactional one.
#[tokio::test]
async fn compaction_keeps_the_committed_record_an_aborted_transaction_would_shadow() {
    use kctl_client::consumer::IsolationLevel;
    use kctl_client::{Consumer, OffsetReset, Producer, Record as ClientRecord, TopicPartition};
    let broker = TestBroker::start_with(|c| c.log_cleaner_enable = false).await;
    let mut client = broker.client().await;
    create_topic(
        &mut client,
        "txn-table",
        1,
        &[("cleanup.policy", "compact"), ("segment.bytes", "1500")],
    )
    .await;
    let producer = Producer::builder(vec![broker.bootstrap()])
        .transactional_id("compacted-txn")
        .linger_ms(1)
        .build()
        .await
        .unwrap();
    producer.init_transactions().await.unwrap();
    for (value, commit) in [("committed", true), ("aborted", false)] {
        producer.begin_transaction().unwrap();
        producer
            .send_and_wait(
                ClientRecord::new("txn-table")
                    .key(b"k")
                    .value(value.as_bytes()),
            )
            .await
            .unwrap();
        if commit {
            producer.commit_transaction().await.unwrap();
        } else {
            producer.abort_transaction().await.unwrap();
        }
    }
    // Enough later records to roll the segments holding both out of the
    // active one.
    for i in 0..40 {
        let records = vec![(Some(format!("filler-{i}")), Some("x".repeat(40)))];
        let (code, _) = produce_one(
            &mut client,
            "txn-table",
            0,
            keyed_batch(&records, Compression::None),
        )
        .await;
        assert_eq!(code, 0);
    }
    let report = broker
        .handle
        .as_ref()
        .unwrap()
        .run_log_cleaner()
        .await
        .unwrap();
    assert!(report.segments_cleaned > 0, "{report:?}");
    let consumer = Consumer::builder(vec![broker.bootstrap()])
        .isolation_level(IsolationLevel::ReadCommitted)
        .auto_offset_reset(OffsetReset::Earliest)
        .build()
        .await
        .unwrap();
    consumer.assign(&[TopicPartition::new("txn-table", 0)]);
    let mut seen_k = Vec::new();
    let mut total = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while total < 41 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "read {total} records; key k: {seen_k:?}"
        );
        for r in consumer.poll(Duration::from_millis(200)).await.unwrap() {
            total += 1;
            if r.key.as_deref() == Some(b"k".as_slice()) {
                seen_k.push(String::from_utf8_lossy(r.value.as_deref().unwrap()).into_owned());
            }
        }
    }
    assert_eq!(seen_k, ["committed"]);
    consumer.close().await;
}
