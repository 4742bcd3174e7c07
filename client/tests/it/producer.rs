//! The producer against broker-lite, in process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kctl_client::producer::{Compression, PartitionerChoice};
use kctl_client::protocol::murmur2::partition_for_key;
use kctl_client::{Acks, Error, Producer, ProducerConfig, Record};

use crate::support::*;

fn config(bootstrap: &str) -> ProducerConfig {
    ProducerConfig::new([bootstrap])
        .linger_ms(2)
        .request_timeout_ms(5_000)
        .delivery_timeout_ms(30_000)
}

/// Sends the values "0" to "n-1" to `topic`, value i to partition
/// i % `partitions`, calling `after_each(i)` after each send, and flushes.
/// Returns the errors of the records that failed.
async fn send_numbered(
    producer: &kctl_client::Producer,
    topic: &str,
    n: usize,
    partitions: usize,
    mut after_each: impl FnMut(usize),
) -> Vec<String> {
    let failures = Arc::new(Mutex::new(Vec::new()));
    for i in 0..n {
        let failures = Arc::clone(&failures);
        producer
            .send_with_callback(
                Record::new(topic)
                    .partition((i % partitions) as i32)
                    .value(i.to_string().as_bytes()),
                move |r| {
                    if let Err(e) = r {
                        failures.lock().unwrap().push(e.to_string());
                    }
                },
            )
            .await
            .unwrap();
        after_each(i);
    }
    producer.flush().await;
    std::mem::take(&mut *failures.lock().unwrap())
}

/// What `send_numbered` sent is stored exactly once per value, in order.
async fn assert_numbered_once_in_order(
    client: &kctl_client::Client,
    topic: &str,
    n: usize,
    partitions: usize,
) {
    for partition in 0..partitions {
        let stored: Vec<usize> = fetch_all(client, topic, partition as i32)
            .await
            .iter()
            .map(|r| {
                std::str::from_utf8(r.value.as_deref().unwrap())
                    .unwrap()
                    .parse()
                    .unwrap()
            })
            .collect();
        let expected: Vec<usize> = (0..n).filter(|i| i % partitions == partition).collect();
        assert_eq!(
            stored, expected,
            "{topic} partition {partition}: every record exactly once, in order"
        );
    }
}

#[tokio::test]
async fn the_three_send_modes_on_one_producer() {
    let broker = TestBroker::start().await;
    let client = client(&broker.bootstrap()).await;
    create_topic(&client, "modes", 3, 1).await;
    let producer = config(&broker.bootstrap()).build().await.unwrap();
    assert!(
        producer.is_idempotent(),
        "broker-lite offers InitProducerId, so idempotence is on by default, as in Java"
    );

    // Fire and forget: futures dropped, flush waits for delivery.
    for i in 0..300 {
        let value = format!("ff-{i}");
        drop(
            producer
                .send(Record::new("modes").partition(0).value(value.as_bytes()))
                .await
                .unwrap(),
        );
    }
    producer.flush().await;

    // Synchronous: each await returns the record's offset.
    for i in 0..50 {
        let value = format!("sync-{i}");
        let meta = producer
            .send_and_wait(Record::new("modes").partition(1).value(value.as_bytes()))
            .await
            .unwrap();
        assert_eq!((&*meta.topic, meta.partition, meta.offset), ("modes", 1, i));
    }

    // Asynchronous: callbacks run in send order within each partition.
    let seen: Arc<Mutex<Vec<(i32, i64, usize)>>> = Arc::default();
    for i in 0..2_000usize {
        let key = format!("key-{}", i % 17);
        let seen = Arc::clone(&seen);
        producer
            .send_with_callback(
                Record::new("modes").key(key.as_bytes()).value(b"cb"),
                move |r| {
                    let m = r.unwrap();
                    seen.lock().unwrap().push((m.partition, m.offset, i));
                },
            )
            .await
            .unwrap();
    }
    producer.flush().await;
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2_000);
    let mut last: HashMap<i32, (i64, usize)> = HashMap::new();
    for (partition, offset, i) in seen {
        if let Some((prev_offset, prev_i)) = last.insert(partition, (offset, i)) {
            assert!(
                offset > prev_offset && i > prev_i,
                "callbacks out of order on partition {partition}"
            );
        }
    }

    let stored = fetch_all(&client, "modes", 0).await;
    let values: Vec<String> = stored
        .iter()
        .map(|r| String::from_utf8(r.value.clone().unwrap().to_vec()).unwrap())
        .collect();
    let expected: Vec<String> = (0..300).map(|i| format!("ff-{i}")).collect();
    assert_eq!(&values[..300], &expected[..]);
    // Closing one clone closes them all.
    producer.clone().close().await;
    assert!(matches!(
        producer.send(Record::new("modes").value(b"late")).await,
        Err(Error::ProducerClosed)
    ));
}

/// Sends 60 records of 100 B (keyed `{prefix}-{i}` if a prefix is given)
/// and returns the lengths of the runs of records that shared a partition,
/// the last (possibly short) run left out.
async fn sticky_runs(producer: &Producer, key_prefix: Option<&str>) -> Vec<usize> {
    let mut futures = Vec::new();
    for i in 0..60 {
        let key = key_prefix.map(|p| format!("{p}-{i}"));
        let mut record = Record::new("place").value(&[0u8; 100]);
        if let Some(key) = &key {
            record = record.key(key.as_bytes());
        }
        futures.push(producer.send(record).await.unwrap());
    }
    let mut runs: Vec<(i32, usize)> = Vec::new();
    for f in futures {
        let partition = f.await.unwrap().partition;
        match runs.last_mut() {
            Some((p, n)) if *p == partition => *n += 1,
            _ => runs.push((partition, 1)),
        }
    }
    runs.pop();
    runs.into_iter().map(|(_, n)| n).collect()
}

#[tokio::test]
async fn every_partitioner_places_records_as_specified() {
    let broker = TestBroker::start().await;
    let client = client(&broker.bootstrap()).await;
    create_topic(&client, "place", 6, 1).await;

    let default = config(&broker.bootstrap()).build().await.unwrap();
    for i in 0..200 {
        let key = format!("user-{i}");
        let meta = default
            .send_and_wait(Record::new("place").key(key.as_bytes()).value(b"v"))
            .await
            .unwrap();
        assert_eq!(
            meta.partition as u32,
            partition_for_key(key.as_bytes(), 6),
            "murmur2 placement of {key}"
        );
    }
    let explicit = default
        .send_and_wait(Record::new("place").key(b"user-1").partition(5).value(b"v"))
        .await
        .unwrap();
    assert_eq!(
        explicit.partition, 5,
        "an explicit partition overrides the key"
    );
    // Keyless records stick to one partition for a batch's worth of bytes.
    let mut futures = Vec::new();
    for _ in 0..20 {
        futures.push(
            default
                .send(Record::new("place").value(&[0u8; 100]))
                .await
                .unwrap(),
        );
    }
    let mut sticky = Vec::new();
    for f in futures {
        sticky.push(f.await.unwrap().partition);
    }
    assert!(
        sticky.windows(2).all(|w| w[0] == w[1]),
        "20 small keyless records share a partition: {sticky:?}"
    );

    // ...and move on once about batch.size bytes have gone to it.
    let small_batches = config(&broker.bootstrap())
        .batch_size(1_000)
        .build()
        .await
        .unwrap();
    let placed = sticky_runs(&small_batches, None).await;
    assert!(
        placed.len() >= 5 && placed.iter().all(|run| (8..=10).contains(run)),
        "60 records of ~110 B, 1,000-byte batches: runs of 9 or so: {placed:?}"
    );
    // Java's partitioner.ignore.keys: keyed records stick the same way.
    let ignore_keys = config(&broker.bootstrap())
        .batch_size(1_000)
        .partitioner(PartitionerChoice::UniformSticky)
        .build()
        .await
        .unwrap();
    let placed = sticky_runs(&ignore_keys, Some("user")).await;
    assert!(
        placed.len() >= 5 && placed.iter().all(|run| (8..=10).contains(run)),
        "keys ignored: runs of 9 or so: {placed:?}"
    );

    let round_robin = config(&broker.bootstrap())
        .partitioner(PartitionerChoice::RoundRobin)
        .build()
        .await
        .unwrap();
    let mut placed = Vec::new();
    for _ in 0..12 {
        placed.push(
            round_robin
                .send_and_wait(Record::new("place").key(b"same").value(b"v"))
                .await
                .unwrap()
                .partition,
        );
    }
    assert_eq!(placed, [0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5]);

    let random = config(&broker.bootstrap())
        .partitioner(PartitionerChoice::Random)
        .build()
        .await
        .unwrap();
    let mut hit = [false; 6];
    for _ in 0..300 {
        hit[random
            .send_and_wait(Record::new("place").value(b"v"))
            .await
            .unwrap()
            .partition as usize] = true;
    }
    assert!(
        hit.iter().all(|h| *h),
        "random reaches every partition: {hit:?}"
    );

    let custom = config(&broker.bootstrap())
        .partitioner_fn(|_, key: Option<&[u8]>, _, n| key.map_or(0, |k| i32::from(k[0]) % n))
        .build()
        .await
        .unwrap();
    assert_eq!(
        custom
            .send_and_wait(Record::new("place").key(b"\x04").value(b"v"))
            .await
            .unwrap()
            .partition,
        4
    );
    let bad = config(&broker.bootstrap())
        .partitioner_fn(|_, _, _, n| n)
        .build()
        .await
        .unwrap();
    assert!(matches!(
        bad.send(Record::new("place").value(b"v")).await,
        Err(Error::InvalidPartition {
            partition: 6,
            partition_count: 6,
            ..
        })
    ));
}

#[tokio::test]
async fn a_full_buffer_pushes_back() {
    let broker = TestBroker::start().await;
    let client = client(&broker.bootstrap()).await;
    create_topic(&client, "full", 1, 1).await;
    // Long linger and big batches: nothing leaves until flush.
    let producer = config(&broker.bootstrap())
        .linger_ms(20_000)
        .batch_size(1 << 20)
        .buffer_memory(64 * 1024)
        .delivery_timeout_ms(60_000)
        .build()
        .await
        .unwrap();
    let value = [7u8; 1000];
    let mut accepted = 0;
    loop {
        match producer.try_send(Record::new("full").value(&value)).await {
            Ok(f) => {
                drop(f);
                accepted += 1;
            }
            Err(Error::BufferFull) => break,
            Err(e) => panic!("{e}"),
        }
        assert!(
            accepted <= 64,
            "the buffer keeps growing past buffer_memory"
        );
    }
    assert!(
        accepted >= 60,
        "accepted only {accepted} KiB-sized records into 64 KiB"
    );
    let blocked = tokio::time::timeout(
        Duration::from_millis(300),
        producer.send(Record::new("full").value(&value)),
    )
    .await;
    assert!(blocked.is_err(), "send waits while the buffer is full");
    // Flushing frees the buffer, after which sends go through again.
    let p2 = producer.clone();
    let waiting = tokio::spawn(async move {
        p2.send(Record::new("full").value(&[1u8; 1000]))
            .await
            .map(drop)
    });
    producer.flush().await;
    with_timeout("blocked send", 10, waiting)
        .await
        .unwrap()
        .unwrap();
    producer.flush().await;
    assert_eq!(fetch_all(&client, "full", 0).await.len(), accepted + 1);
}

#[tokio::test]
async fn keys_timestamps_and_duplicate_headers_survive() {
    let broker = TestBroker::start().await;
    let client = client(&broker.bootstrap()).await;
    create_topic(&client, "hdrs", 1, 1).await;
    let producer = config(&broker.bootstrap()).build().await.unwrap();
    let meta = producer
        .send_and_wait(
            Record::new("hdrs")
                .key(b"k")
                .value(b"v")
                .timestamp_ms(1_600_000_000_123)
                .header("trace", b"a")
                .header("trace", b"b")
                .null_header("empty"),
        )
        .await
        .unwrap();
    assert_eq!(meta.timestamp_ms, 1_600_000_000_123);
    let stored = fetch_all(&client, "hdrs", 0).await;
    let r = &stored[0];
    assert_eq!(
        (r.key.as_deref(), r.value.as_deref(), r.timestamp_ms),
        (Some(&b"k"[..]), Some(&b"v"[..]), 1_600_000_000_123)
    );
    let headers: Vec<(&[u8], Option<&[u8]>)> = r
        .headers
        .iter()
        .map(|(k, v)| (&k[..], v.as_deref()))
        .collect();
    assert_eq!(
        headers,
        [
            (&b"trace"[..], Some(&b"a"[..])),
            (b"trace", Some(b"b")),
            (b"empty", None)
        ]
    );
}

#[tokio::test]
async fn acks_zero_and_one() {
    let broker = TestBroker::start().await;
    let client = client(&broker.bootstrap()).await;
    create_topic(&client, "acks", 1, 1).await;
    let none = config(&broker.bootstrap())
        .acks(Acks::None)
        .build()
        .await
        .unwrap();
    let mut futures = Vec::new();
    for _ in 0..100 {
        futures.push(none.send(Record::new("acks").value(b"0")).await.unwrap());
    }
    for f in futures {
        assert_eq!(f.await.unwrap().offset, -1, "acks=0 has no offsets");
    }
    let leader = config(&broker.bootstrap())
        .acks(Acks::Leader)
        .build()
        .await
        .unwrap();
    // Produce requests are processed in order on a connection: once this
    // one is acknowledged, the acks=0 records are in the log too.
    let meta = leader
        .send_and_wait(Record::new("acks").value(b"1"))
        .await
        .unwrap();
    assert_eq!(meta.offset, 100);
    assert_eq!(fetch_all(&client, "acks", 0).await.len(), 101);
}

#[tokio::test]
async fn all_four_codecs_are_read_back_by_kcat() {
    let broker = TestBroker::start().await;
    let client = client(&broker.bootstrap()).await;
    let codecs = [
        ("gzip", Compression::Gzip),
        ("snappy", Compression::Snappy),
        ("lz4", Compression::Lz4),
        ("zstd", Compression::Zstd),
    ];
    for (name, codec) in codecs {
        let topic = format!("codec-{name}");
        create_topic(&client, &topic, 1, 1).await;
        let producer = config(&broker.bootstrap())
            .compression(codec)
            .build()
            .await
            .unwrap();
        for i in 0..500 {
            let value = format!("{name} record {i} {}", "x".repeat(i % 50));
            drop(
                producer
                    .send(Record::new(&topic).value(value.as_bytes()))
                    .await
                    .unwrap(),
            );
        }
        producer.close().await;
        let ours = fetch_all(&client, &topic, 0).await;
        assert_eq!(ours.len(), 500, "{name}");
        let Some(kcat) = kcat() else { continue };
        let output = tokio::process::Command::new(kcat)
            .args([
                "-C",
                "-b",
                &broker.bootstrap(),
                "-t",
                &topic,
                "-e",
                "-q",
                "-f",
                "%s\n",
            ])
            .output()
            .await
            .unwrap();
        assert!(
            output.status.success(),
            "kcat failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let lines: Vec<String> = String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        let expected: Vec<String> = (0..500)
            .map(|i| format!("{name} record {i} {}", "x".repeat(i % 50)))
            .collect();
        assert_eq!(lines, expected, "kcat reads {name} batches");
    }
}

#[tokio::test]
async fn idempotent_retries_survive_dropped_connections_exactly_once_in_order() {
    let broker = TestBroker::start_behind_proxy().await;
    let client = client(&broker.bootstrap()).await;
    create_topic(&client, "chaos", 3, 1).await;
    // Idempotent (the default): a cut after the broker wrote a batch but
    // before its response arrived makes the producer resend it with the same
    // sequence, and broker-lite answers with the original offset instead of
    // writing it again. Several requests are in flight per connection, so
    // this also shows retries keep their order.
    let producer = config(&broker.bootstrap())
        .max_in_flight(5)
        .linger_ms(1)
        .batch_size(4_096)
        .build()
        .await
        .unwrap();
    assert!(producer.is_idempotent());
    let proxy = broker.proxy.as_ref().unwrap();
    let sends = send_numbered(&producer, "chaos", 6_000, 3, |i| {
        if i % 500 == 0 {
            proxy.cut();
        }
    });
    let failures = with_timeout("producing through cuts", 60, sends).await;
    assert!(failures.is_empty(), "{failures:?}");
    assert!(proxy.cuts.load(std::sync::atomic::Ordering::Relaxed) >= 10);
    assert_numbered_once_in_order(&client, "chaos", 6_000, 3).await;
}

#[tokio::test]
async fn a_broker_that_lost_the_producer_state_gets_a_bumped_epoch_and_every_record() {
    let broker = TestBroker::start().await;
    let client = client(&broker.bootstrap()).await;
    create_topic(&client, "reborn", 2, 1).await;
    let producer = config(&broker.bootstrap())
        .max_in_flight(5)
        .linger_ms(1)
        .batch_size(1_024)
        .build()
        .await
        .unwrap();
    assert!(producer.is_idempotent());
    for i in 0..200usize {
        let value = format!("before {i}");
        drop(
            producer
                .send(
                    Record::new("reborn")
                        .partition((i % 2) as i32)
                        .value(value.as_bytes()),
                )
                .await
                .unwrap(),
        );
    }
    producer.flush().await;

    // Deleting and re-creating the topic takes the partitions, and with them
    // the broker's record of this producer's sequences, while the producer
    // lives on with sequences well past 0: the broker answers
    // UNKNOWN_PRODUCER_ID, as a Kafka broker does once it no longer has the
    // producer's state (KIP-360).
    let admin = kctl_client::admin::Admin::connect(
        kctl_client::ClientConfig::new([broker.bootstrap()]),
        kctl_client::admin::AdminConfig::default(),
    )
    .await
    .unwrap();
    let deleted = admin.delete_topics(&["reborn"]).await.unwrap();
    assert!(deleted[0].result.is_ok(), "{:?}", deleted[0].result);
    create_topic(&client, "reborn", 2, 1).await;

    let sends = send_numbered(&producer, "reborn", 3_000, 2, |_| {});
    let failures = with_timeout("producing after the state was lost", 60, sends).await;
    assert!(
        failures.is_empty(),
        "{} records failed, the first with {:?}",
        failures.len(),
        failures.first()
    );
    assert_numbered_once_in_order(&client, "reborn", 3_000, 2).await;
}
