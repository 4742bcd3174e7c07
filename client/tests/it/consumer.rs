//! The consumer against broker-lite, in process.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::BytesMut;
use futures::StreamExt;
use kctl_client::consumer::{ConsumerRecord, TimestampType};
use kctl_client::producer::Compression;
use kctl_client::protocol::batch::BatchScan;
use kctl_client::protocol::messages::create_partitions_request::CreatePartitionsTopic;
use kctl_client::protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kctl_client::protocol::messages::{BrokerId, CreatePartitionsRequest, FetchRequest, TopicName};
use kctl_client::protocol::{StrBytes, frame, header};
use kctl_client::{
    Consumer, ConsumerConfig, Error, OffsetReset, Producer, ProducerConfig, Record, TopicPartition,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::*;

fn consumer_config(bootstrap: &str) -> ConsumerConfig {
    Consumer::builder([bootstrap])
        .auto_offset_reset(OffsetReset::Earliest)
        .fetch_max_wait_ms(100)
        .request_timeout_ms(5_000)
}

async fn producer(bootstrap: &str) -> Producer {
    ProducerConfig::new([bootstrap])
        .linger_ms(5)
        .request_timeout_ms(5_000)
        .delivery_timeout_ms(30_000)
        .build()
        .await
        .unwrap()
}

/// Polls until `count` records arrived (failing after `seconds`).
async fn consume(consumer: &Consumer, count: usize, seconds: u64) -> Vec<ConsumerRecord> {
    with_timeout("consuming", seconds, async {
        let mut records = Vec::new();
        while records.len() < count {
            records.extend(consumer.poll(Duration::from_millis(200)).await.unwrap());
        }
        records
    })
    .await
}

/// Whatever arrives within `window`.
async fn consume_for(consumer: &Consumer, window: Duration) -> Vec<ConsumerRecord> {
    let deadline = tokio::time::Instant::now() + window;
    let mut records = Vec::new();
    while tokio::time::Instant::now() < deadline {
        records.extend(consumer.poll(Duration::from_millis(50)).await.unwrap());
    }
    records
}

fn value(r: &ConsumerRecord) -> String {
    String::from_utf8(r.value.as_deref().unwrap().to_vec()).unwrap()
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[tokio::test]
async fn round_trip_with_every_codec_and_duplicate_headers() {
    let broker = TestBroker::start().await;
    let client = client(&broker.bootstrap()).await;
    let codecs = [
        ("none", Compression::None),
        ("gzip", Compression::Gzip),
        ("snappy", Compression::Snappy),
        ("lz4", Compression::Lz4),
        ("zstd", Compression::Zstd),
    ];
    const PER_CODEC: usize = 400;
    let mut partitions = Vec::new();
    for (name, compression) in codecs {
        let topic = format!("rt-{name}");
        create_topic(&client, &topic, 1, 1).await;
        let producer = ProducerConfig::new([broker.bootstrap()])
            .linger_ms(5)
            .compression(compression)
            .build()
            .await
            .unwrap();
        for i in 0..PER_CODEC {
            let key = format!("key-{i}");
            let value = format!("{name}-{i}");
            let mut record = Record::new(&topic)
                .key(key.as_bytes())
                .value(value.as_bytes())
                .timestamp_ms(1_700_000_000_000 + i as i64)
                .header("dup", b"first")
                .header("dup", b"second")
                .null_header("null");
            if i % 7 == 0 {
                record.key = None;
            }
            drop(producer.send(record).await.unwrap());
        }
        producer.close().await;
        partitions.push(TopicPartition::new(&topic, 0));
    }

    let consumer = consumer_config(&broker.bootstrap()).build().await.unwrap();
    consumer.assign(&partitions);
    let records = consume(&consumer, PER_CODEC * codecs.len(), 30).await;
    assert_eq!(records.len(), PER_CODEC * codecs.len(), "nothing more");
    let mut by_topic: BTreeMap<&str, Vec<&ConsumerRecord>> = BTreeMap::new();
    for r in &records {
        by_topic.entry(&r.topic).or_default().push(r);
    }
    for (name, _) in codecs {
        let got = &by_topic[format!("rt-{name}").as_str()];
        for (i, r) in got.iter().enumerate() {
            assert_eq!(r.offset, i as i64, "{name}: in order, once each");
            assert_eq!(value(r), format!("{name}-{i}"));
            let key = (i % 7 != 0).then(|| format!("key-{i}"));
            assert_eq!(r.key.as_deref(), key.as_deref().map(str::as_bytes));
            assert_eq!(r.timestamp_ms, 1_700_000_000_000 + i as i64);
            assert_eq!(r.timestamp_type, TimestampType::Creation);
            let headers: Vec<(&str, Option<&[u8]>)> = r
                .headers
                .iter()
                .map(|h| (h.key_str().unwrap(), h.value.as_deref()))
                .collect();
            assert_eq!(
                headers,
                [
                    ("dup", Some(&b"first"[..])),
                    ("dup", Some(&b"second"[..])),
                    ("null", None)
                ],
                "{name}"
            );
        }
    }
}

#[tokio::test]
async fn a_fetch_inside_a_batch_starts_at_the_requested_offset() {
    let broker = TestBroker::start().await;
    let client = client(&broker.bootstrap()).await;
    create_topic(&client, "mid", 1, 1).await;
    let producer = ProducerConfig::new([broker.bootstrap()])
        .linger_ms(1_000)
        .batch_size(1 << 20)
        .build()
        .await
        .unwrap();
    for i in 0..100 {
        drop(
            producer
                .send(Record::new("mid").value(format!("{i}").as_bytes()))
                .await
                .unwrap(),
        );
    }
    producer.flush().await;

    // The broker answers a fetch at 37 with the batch that contains it.
    let leader = client.topic_metadata("mid").await.unwrap().partitions[0].leader_id;
    let conn = client.broker(leader).unwrap().get().await.unwrap();
    let request = FetchRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_max_wait_ms(0)
        .with_max_bytes(1 << 20)
        .with_session_epoch(-1)
        .with_topics(vec![
            FetchTopic::default()
                .with_topic(TopicName(StrBytes::from_static_str("mid")))
                .with_partitions(vec![
                    FetchPartition::default()
                        .with_fetch_offset(37)
                        .with_current_leader_epoch(-1)
                        .with_partition_max_bytes(1 << 20),
                ]),
        ]);
    let response = conn.request_at(&request, 12).await.unwrap();
    let bytes = response.responses[0].partitions[0].records.clone().unwrap();
    let first = BatchScan::new(&bytes).next().unwrap().unwrap().header;
    assert!(
        first.base_offset < 37 && first.last_offset() >= 37,
        "offset 37 lies inside batch {}..={}",
        first.base_offset,
        first.last_offset()
    );

    let consumer = consumer_config(&broker.bootstrap()).build().await.unwrap();
    let tp = TopicPartition::new("mid", 0);
    consumer.assign(std::slice::from_ref(&tp));
    consumer.seek(&tp, 37).unwrap();
    let records = consume(&consumer, 63, 10).await;
    let offsets: Vec<i64> = records.iter().map(|r| r.offset).collect();
    assert_eq!(offsets, (37..100).collect::<Vec<_>>());
    assert_eq!(value(&records[0]), "37");
    assert_eq!(consumer.position(&tp).await.unwrap(), 100);
}

#[tokio::test]
async fn seek_to_timestamp_beginning_and_end() {
    let broker = TestBroker::start().await;
    let client = client(&broker.bootstrap()).await;
    create_topic(&client, "seek", 1, 1).await;
    let producer = producer(&broker.bootstrap()).await;
    for i in 0..10i64 {
        producer
            .send_and_wait(
                Record::new("seek")
                    .value(format!("{i}").as_bytes())
                    .timestamp_ms(1_000 * (i + 1)),
            )
            .await
            .unwrap();
    }
    let consumer = consumer_config(&broker.bootstrap()).build().await.unwrap();
    let tp = TopicPartition::new("seek", 0);
    consumer.assign(std::slice::from_ref(&tp));

    consumer.seek_to_timestamp(&tp, 4_500).unwrap();
    assert_eq!(
        consumer.position(&tp).await.unwrap(),
        4,
        "first record at or after 4500 ms"
    );
    let records = consume(&consumer, 6, 10).await;
    assert_eq!(records[0].timestamp_ms, 5_000);

    consumer
        .seek_to_beginning(std::slice::from_ref(&tp))
        .unwrap();
    assert_eq!(
        consumer.poll(Duration::from_secs(5)).await.unwrap()[0].offset,
        0
    );

    consumer.seek_to_timestamp(&tp, 99_000).unwrap();
    assert_eq!(
        consumer.position(&tp).await.unwrap(),
        10,
        "past every record: the end"
    );

    consumer.seek_to_end(std::slice::from_ref(&tp)).unwrap();
    assert_eq!(consumer.position(&tp).await.unwrap(), 10);
    assert!(
        consume_for(&consumer, Duration::from_millis(300))
            .await
            .is_empty()
    );
    producer
        .send_and_wait(Record::new("seek").value(b"new"))
        .await
        .unwrap();
    let records = consume(&consumer, 1, 10).await;
    assert_eq!(
        (records[0].offset, value(&records[0]).as_str()),
        (10, "new")
    );
    assert!(matches!(
        consumer.seek(&TopicPartition::new("seek", 5), 0),
        Err(Error::NotAssigned { .. })
    ));
}

#[tokio::test]
async fn auto_offset_reset_earliest_latest_and_none() {
    let broker = TestBroker::start().await;
    let client = client(&broker.bootstrap()).await;
    create_topic(&client, "reset", 1, 1).await;
    let producer = producer(&broker.bootstrap()).await;
    for i in 0..5 {
        producer
            .send_and_wait(Record::new("reset").value(format!("{i}").as_bytes()))
            .await
            .unwrap();
    }
    let tp = TopicPartition::new("reset", 0);

    let earliest = consumer_config(&broker.bootstrap()).build().await.unwrap();
    earliest.assign(std::slice::from_ref(&tp));
    let offsets: Vec<i64> = consume(&earliest, 5, 10)
        .await
        .iter()
        .map(|r| r.offset)
        .collect();
    assert_eq!(offsets, [0, 1, 2, 3, 4]);
    // Out of range with a reset policy: back to the beginning.
    earliest.seek(&tp, 1_000).unwrap();
    assert_eq!(consume(&earliest, 1, 10).await[0].offset, 0);

    let latest = consumer_config(&broker.bootstrap())
        .auto_offset_reset(OffsetReset::Latest)
        .build()
        .await
        .unwrap();
    latest.assign(std::slice::from_ref(&tp));
    assert_eq!(latest.position(&tp).await.unwrap(), 5);
    assert!(
        consume_for(&latest, Duration::from_millis(300))
            .await
            .is_empty()
    );
    producer
        .send_and_wait(Record::new("reset").value(b"5"))
        .await
        .unwrap();
    let records = consume(&latest, 1, 10).await;
    assert_eq!(records.iter().map(|r| r.offset).collect::<Vec<_>>(), [5]);

    let none = consumer_config(&broker.bootstrap())
        .auto_offset_reset(OffsetReset::None)
        .build()
        .await
        .unwrap();
    none.assign(std::slice::from_ref(&tp));
    let err = none.poll(Duration::from_secs(1)).await.unwrap_err();
    assert!(
        matches!(err, Error::NoOffsetForPartition { partition: 0, .. }),
        "{err}"
    );
    assert!(none.position(&tp).await.is_err());
    none.seek(&tp, 3).unwrap();
    let offsets: Vec<i64> = consume(&none, 3, 10)
        .await
        .iter()
        .map(|r| r.offset)
        .collect();
    assert_eq!(offsets, [3, 4, 5]);
    none.seek(&tp, 1_000).unwrap();
    let err = with_timeout("out-of-range error", 10, async {
        loop {
            match none.poll(Duration::from_millis(200)).await {
                Ok(records) => assert!(records.is_empty()),
                Err(e) => return e,
            }
        }
    })
    .await;
    assert!(
        matches!(err, Error::OffsetOutOfRange { offset: 1_000, .. }),
        "{err}"
    );
    none.seek(&tp, 5).unwrap();
    assert_eq!(
        consume(&none, 1, 10).await[0].offset,
        5,
        "a seek clears the error"
    );
}

#[tokio::test]
async fn pause_and_resume() {
    let broker = TestBroker::start().await;
    let client = client(&broker.bootstrap()).await;
    create_topic(&client, "pause", 2, 1).await;
    let producer = producer(&broker.bootstrap()).await;
    for i in 0..200 {
        drop(
            producer
                .send(Record::new("pause").partition(i % 2).value(b"x"))
                .await
                .unwrap(),
        );
    }
    producer.flush().await;
    let (p0, p1) = (
        TopicPartition::new("pause", 0),
        TopicPartition::new("pause", 1),
    );
    let consumer = consumer_config(&broker.bootstrap()).build().await.unwrap();
    consumer.assign(&[p0.clone(), p1.clone()]);
    consumer.pause(std::slice::from_ref(&p0)).unwrap();
    assert_eq!(consumer.paused(), std::slice::from_ref(&p0));
    let records = consume_for(&consumer, Duration::from_millis(800)).await;
    assert_eq!(records.len(), 100);
    assert!(
        records.iter().all(|r| r.partition == 1),
        "nothing from the paused partition"
    );

    consumer.resume(std::slice::from_ref(&p0)).unwrap();
    let records = consume(&consumer, 100, 10).await;
    assert!(records.iter().all(|r| r.partition == 0));
    let offsets: Vec<i64> = records.iter().map(|r| r.offset).collect();
    assert_eq!(offsets, (0..100).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_slow_consumer_keeps_memory_bounded() {
    let broker = TestBroker::start().await;
    let client = client(&broker.bootstrap()).await;
    create_topic(&client, "slow", 1, 1).await;
    let producer = ProducerConfig::new([broker.bootstrap()])
        .linger_ms(5)
        .batch_size(16 * 1024)
        .build()
        .await
        .unwrap();
    const RECORDS: usize = 16_000;
    let value = vec![b'v'; 1_000];
    for _ in 0..RECORDS {
        drop(
            producer
                .send(Record::new("slow").value(&value))
                .await
                .unwrap(),
        );
    }
    producer.flush().await;

    const LIMIT_BYTES: usize = 256 * 1024;
    let consumer = consumer_config(&broker.bootstrap())
        .max_buffered_bytes(LIMIT_BYTES)
        .max_partition_fetch_bytes(64 * 1024)
        .fetch_max_bytes(64 * 1024)
        .max_poll_records(100)
        .build()
        .await
        .unwrap();
    consumer.assign(&[TopicPartition::new("slow", 0)]);
    let mut consumed = 0;
    with_timeout("slow consumption", 60, async {
        while consumed < RECORDS {
            consumed += consumer.poll(Duration::from_secs(1)).await.unwrap().len();
            // The application is much slower than the fetcher.
            tokio::time::sleep(Duration::from_millis(2)).await;
            let metrics = consumer.metrics();
            assert!(
                metrics.buffered_bytes <= LIMIT_BYTES + 17 * 1024,
                "buffered {} bytes",
                metrics.buffered_bytes
            );
        }
    })
    .await;
    let metrics = consumer.metrics();
    assert_eq!(consumed, RECORDS);
    // One batch (≤ 16 KiB + overhead) may exceed the limit: KIP-74.
    assert!(
        metrics.peak_buffered_bytes <= LIMIT_BYTES + 17 * 1024,
        "{metrics:?}"
    );
    assert!(
        metrics.peak_buffered_bytes >= LIMIT_BYTES / 2,
        "the fetcher ran ahead of the application until the buffer was full: {metrics:?}"
    );
    assert!(
        metrics.fetched_bytes >= (RECORDS * 1_000) as u64,
        "{metrics:?}"
    );
}

/// CreatePartitions, sent raw through the protocol module.
async fn create_partitions(bootstrap: &str, topic: &str, count: i32) {
    let mut stream = tokio::net::TcpStream::connect(bootstrap).await.unwrap();
    let request = CreatePartitionsRequest::default()
        .with_timeout_ms(5_000)
        .with_topics(vec![
            CreatePartitionsTopic::default()
                .with_name(TopicName(StrBytes::from_string(topic.to_owned())))
                .with_count(count),
        ]);
    let mut out = BytesMut::new();
    header::encode_request(&mut out, 3, 1, Some("test"), &request).unwrap();
    stream.write_all(&out).await.unwrap();
    let mut buf = BytesMut::new();
    let frame = loop {
        if let Some(frame) = frame::decode(&mut buf, 1 << 20).unwrap() {
            break frame.freeze();
        }
        assert!(
            stream.read_buf(&mut buf).await.unwrap() > 0,
            "connection closed"
        );
    };
    let (_, response) = header::decode_response::<CreatePartitionsRequest>(frame, 3).unwrap();
    assert_eq!(
        response.results[0].error_code, 0,
        "{:?}",
        response.results[0]
    );
}

async fn wait_for_assignment(consumer: &Consumer, expected: &[TopicPartition]) {
    with_timeout("assignment", 10, async {
        while consumer.assignment() != expected {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
}

#[tokio::test]
async fn subscriptions_pick_up_grown_topics_and_patterns() {
    let broker = TestBroker::start().await;
    let client = client(&broker.bootstrap()).await;
    create_topic(&client, "grow", 1, 1).await;
    let consumer = consumer_config(&broker.bootstrap()).build().await.unwrap();
    consumer.subscribe(["grow"]);
    wait_for_assignment(&consumer, &[TopicPartition::new("grow", 0)]).await;

    create_partitions(&broker.bootstrap(), "grow", 3).await;
    consumer.client().refresh_metadata().await.unwrap();
    let grown: Vec<TopicPartition> = (0..3).map(|p| TopicPartition::new("grow", p)).collect();
    wait_for_assignment(&consumer, &grown).await;
    let producer = producer(&broker.bootstrap()).await;
    producer
        .send_and_wait(Record::new("grow").partition(2).value(b"new partition"))
        .await
        .unwrap();
    let records = consume(&consumer, 1, 10).await;
    assert_eq!(
        (records[0].partition, value(&records[0]).as_str()),
        (2, "new partition")
    );

    for topic in ["pat-a", "pat-b", "other"] {
        create_topic(&client, topic, 2, 1).await;
    }
    let by_pattern = consumer_config(&broker.bootstrap()).build().await.unwrap();
    by_pattern.subscribe_pattern("pat-.*").unwrap();
    let expected: Vec<TopicPartition> = ["pat-a", "pat-b"]
        .iter()
        .flat_map(|t| (0..2).map(move |p| TopicPartition::new(t, p)))
        .collect();
    wait_for_assignment(&by_pattern, &expected).await;
    assert!(matches!(
        by_pattern.subscribe_pattern("(unclosed"),
        Err(Error::InvalidPattern(_))
    ));
    by_pattern.unsubscribe();
    assert!(by_pattern.assignment().is_empty());
}

#[tokio::test]
async fn the_stream_yields_every_record_in_order() {
    let broker = TestBroker::start().await;
    let client = client(&broker.bootstrap()).await;
    create_topic(&client, "stream", 1, 1).await;
    let producer = producer(&broker.bootstrap()).await;
    for i in 0..1_000 {
        drop(
            producer
                .send(Record::new("stream").value(format!("{i}").as_bytes()))
                .await
                .unwrap(),
        );
    }
    producer.flush().await;
    let consumer = consumer_config(&broker.bootstrap())
        .max_poll_records(64)
        .build()
        .await
        .unwrap();
    consumer.subscribe(["stream"]);
    let values: Vec<String> = with_timeout(
        "stream",
        10,
        consumer
            .stream()
            .take(1_000)
            .map(|r| value(&r.unwrap()))
            .collect(),
    )
    .await;
    assert_eq!(
        values,
        (0..1_000).map(|i| i.to_string()).collect::<Vec<_>>()
    );
}

/// `poll_each` hands out, in place, exactly the records `poll` returns
/// (keys, values, headers, timestamps, epochs), at most `max.poll.records`
/// per call, and moves the positions the same way.
#[tokio::test]
async fn poll_each_reads_what_poll_returns() {
    let broker = TestBroker::start().await;
    let client = client(&broker.bootstrap()).await;
    create_topic(&client, "each", 2, 1).await;
    let producer = ProducerConfig::new([broker.bootstrap()])
        .linger_ms(5)
        .compression(Compression::Lz4)
        .build()
        .await
        .unwrap();
    const RECORDS: usize = 600;
    for i in 0..RECORDS {
        let mut record = Record::new("each")
            .partition((i % 2) as i32)
            .key(format!("k{i}"))
            .header("n", format!("{i}"))
            .null_header("empty");
        record.value = (i % 5 != 0).then(|| format!("v{i}").into());
        drop(producer.send(record).await.unwrap());
    }
    producer.close().await;
    let partitions = [
        TopicPartition::new("each", 0),
        TopicPartition::new("each", 1),
    ];

    let owned = consumer_config(&broker.bootstrap()).build().await.unwrap();
    owned.assign(&partitions);
    let expected = consume(&owned, RECORDS, 20).await;

    let max_poll_records = 37;
    let in_place = consumer_config(&broker.bootstrap())
        .max_poll_records(max_poll_records)
        .build()
        .await
        .unwrap();
    in_place.assign(&partitions);
    let mut seen = Vec::new();
    with_timeout("poll_each", 20, async {
        while seen.len() < RECORDS {
            let before = seen.len();
            let taken = in_place
                .poll_each(Duration::from_millis(200), |r| {
                    assert_eq!(r.value_str(), r.to_owned_record().value_str());
                    seen.push(r.to_owned_record());
                })
                .await
                .unwrap();
            assert_eq!(
                taken,
                seen.len() - before,
                "the count is what was handed out"
            );
            assert!(taken <= max_poll_records, "{taken} > max.poll.records");
        }
    })
    .await;
    let by_partition = |records: &[ConsumerRecord]| {
        let mut map: BTreeMap<i32, Vec<ConsumerRecord>> = BTreeMap::new();
        for r in records {
            map.entry(r.partition).or_default().push(r.clone());
        }
        map
    };
    assert_eq!(by_partition(&seen), by_partition(&expected));
    assert!(
        seen.iter().any(|r| r.value.is_none()),
        "tombstones included"
    );
    assert_eq!(seen[0].headers.len(), 2);
    for tp in &partitions {
        assert_eq!(
            in_place.position(tp).await.unwrap(),
            owned.position(tp).await.unwrap(),
            "{tp:?}"
        );
    }
}

/// A `poll_each` callback that panics loses nothing: the record it was
/// given counts as handed out (as a record `poll` returned does), and the
/// next poll goes on from the one after it, within the same fetch.
#[tokio::test]
async fn a_panicking_poll_each_callback_loses_no_records() {
    let broker = TestBroker::start().await;
    let client = client(&broker.bootstrap()).await;
    create_topic(&client, "panics", 1, 1).await;
    let producer = producer(&broker.bootstrap()).await;
    for i in 0..50 {
        drop(
            producer
                .send(Record::new("panics").value(format!("{i}")))
                .await
                .unwrap(),
        );
    }
    producer.close().await;
    let consumer = std::sync::Arc::new(consumer_config(&broker.bootstrap()).build().await.unwrap());
    consumer.assign(&[TopicPartition::new("panics", 0)]);
    let panicking = std::sync::Arc::clone(&consumer);
    let outcome = tokio::spawn(async move {
        loop {
            panicking
                .poll_each(Duration::from_millis(200), |r| {
                    assert!(r.offset < 4, "the application fails on offset {}", r.offset);
                })
                .await
                .unwrap();
        }
    })
    .await;
    assert!(outcome.unwrap_err().is_panic());
    let mut offsets = Vec::new();
    with_timeout("the rest", 10, async {
        while offsets.len() < 45 {
            consumer
                .poll_each(Duration::from_millis(200), |r| offsets.push(r.offset))
                .await
                .unwrap();
        }
    })
    .await;
    assert_eq!(offsets, (5..50).collect::<Vec<i64>>());
}

#[tokio::test]
async fn records_produced_by_kcat_keep_keys_headers_and_timestamps() {
    let Some(kcat) = kcat() else { return };
    let broker = TestBroker::start().await;
    let client = client(&broker.bootstrap()).await;
    let codecs = ["none", "gzip", "snappy", "lz4", "zstd"];
    let before_ms = now_ms();
    let input: String = (0..50).map(|i| format!("key-{i}:value-{i}\n")).collect();
    let mut partitions = Vec::new();
    for codec in codecs {
        let topic = format!("kcat-{codec}");
        create_topic(&client, &topic, 1, 1).await;
        let mut child = tokio::process::Command::new(&kcat)
            .args(["-P", "-b", &broker.bootstrap(), "-t", &topic, "-K", ":"])
            .args(["-H", "trace=a", "-H", "trace=b", "-H", "empty="])
            .args(["-X", &format!("compression.codec={codec}")])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .await
            .unwrap();
        let status = with_timeout("kcat -P", 30, child.wait()).await.unwrap();
        assert!(status.success(), "kcat -P with {codec}");
        partitions.push(TopicPartition::new(&topic, 0));
    }
    let after_ms = now_ms();
    let consumer = consumer_config(&broker.bootstrap()).build().await.unwrap();
    consumer.assign(&partitions);
    let records = consume(&consumer, 50 * codecs.len(), 30).await;
    let topics: BTreeSet<&str> = records.iter().map(|r| &*r.topic).collect();
    assert_eq!(topics.len(), codecs.len());
    for topic in topics {
        let got: Vec<&ConsumerRecord> = records.iter().filter(|r| &*r.topic == topic).collect();
        assert_eq!(got.len(), 50, "{topic}");
        for (i, r) in got.iter().enumerate() {
            assert_eq!(r.offset, i as i64);
            assert_eq!(
                r.key.as_deref(),
                Some(format!("key-{i}").as_bytes()),
                "{topic}"
            );
            assert_eq!(value(r), format!("value-{i}"));
            assert_eq!(r.timestamp_type, TimestampType::Creation);
            assert!(
                (before_ms - 1_000..=after_ms + 1_000).contains(&r.timestamp_ms),
                "{topic}: timestamp {} outside the produce window",
                r.timestamp_ms
            );
            let headers: Vec<(&str, &[u8])> = r
                .headers
                .iter()
                .map(|h| (h.key_str().unwrap(), h.value.as_deref().unwrap_or_default()))
                .collect();
            assert_eq!(
                headers,
                [("trace", &b"a"[..]), ("trace", b"b"), ("empty", b"")],
                "{topic}"
            );
        }
    }
}
