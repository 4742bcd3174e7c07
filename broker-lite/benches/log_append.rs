//! Partition log throughput: appending 1000-record batches of 100-byte
//! values, and fetch reads of up to 1 MiB.
//!
//! Appends use `FlushPolicy::Never` (page cache only, as Kafka's default)
//! unless the bench name says fsync. Run with
//! `cargo bench -p broker-lite --bench log_append`.

use std::hint::black_box;
use std::time::Duration;

use broker_lite::log::{FlushPolicy, LogConfig, PartitionLog};
use bytes::{Bytes, BytesMut};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kctl_client::protocol::records::{
    Compression, Record, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};

const RECORDS_PER_BATCH: usize = 1000;
const VALUE_BYTES: usize = 100;
const NOW_MS: i64 = 1_700_000_000_000;

fn producer_batch() -> Vec<u8> {
    let records: Vec<Record> = (0..RECORDS_PER_BATCH)
        .map(|i| Record {
            transactional: false,
            control: false,
            delete_horizon: false,
            partition_leader_epoch: -1,
            producer_id: -1,
            producer_epoch: -1,
            timestamp_type: TimestampType::Creation,
            offset: i as i64,
            sequence: -1 + i as i32,
            timestamp: NOW_MS + i as i64,
            key: None,
            value: Some(Bytes::from(vec![(i % 251) as u8; VALUE_BYTES])),
            headers: Default::default(),
        })
        .collect();
    let mut out = BytesMut::new();
    RecordBatchEncoder::encode(
        &mut out,
        &records,
        &RecordEncodeOptions {
            version: 2,
            compression: Compression::None,
        },
    )
    .expect("encodable batch");
    out.to_vec()
}

fn append(c: &mut Criterion) {
    let batch = producer_batch();
    let mut group = c.benchmark_group("append");
    group.throughput(Throughput::Bytes(batch.len() as u64));
    for (name, flush) in [
        ("page_cache", FlushPolicy::Never),
        ("fsync_every_batch", FlushPolicy::EveryBatch),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        // Retention keeps the bench's disk use bounded however long it runs.
        let config = LogConfig {
            segment_bytes: 64 << 20,
            retention_bytes: 256 << 20,
            retention_ms: -1,
            flush,
            ..LogConfig::default()
        };
        let (mut log, _) = PartitionLog::open(dir.path(), config, true).expect("open");
        let mut buf = batch.clone();
        let mut appended = 0u64;
        group.bench_function(name, |b| {
            b.iter(|| {
                let info = log.append(&mut buf, 0, NOW_MS).expect("append");
                appended += 1;
                if appended.is_multiple_of(1024) {
                    log.apply_retention(NOW_MS).expect("retention");
                }
                black_box(info)
            })
        });
    }
    group.finish();
}

fn read(c: &mut Criterion) {
    let batch = producer_batch();
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut log, _) = PartitionLog::open(dir.path(), LogConfig::default(), true).expect("open");
    let batches = (64usize << 20) / batch.len();
    for _ in 0..batches {
        log.append(&mut batch.clone(), 0, NOW_MS).expect("append");
    }
    let max_bytes = 1 << 20;
    let per_read_bytes = log.read(0, max_bytes).expect("read").len_bytes();
    let starts: Vec<i64> = (0..batches - max_bytes / batch.len() - 1)
        .map(|i| (i * RECORDS_PER_BATCH) as i64)
        .collect();

    let mut group = c.benchmark_group("read");
    group.throughput(Throughput::Bytes(per_read_bytes as u64));
    let mut next = starts.iter().cycle();
    group.bench_function("fetch_1mib_copy", |b| {
        b.iter(|| {
            let plan = log
                .read(*next.next().expect("cycle"), max_bytes)
                .expect("read");
            debug_assert_eq!(plan.len_bytes(), per_read_bytes);
            black_box(plan.read_bytes().expect("copy"))
        })
    });
    group.throughput(Throughput::Elements(1));
    let mut mid_batch = starts
        .iter()
        .cycle()
        .map(|&base| base + RECORDS_PER_BATCH as i64 / 2);
    group.bench_function("plan_mid_batch_offset", |b| {
        b.iter(|| {
            black_box(
                log.read(mid_batch.next().expect("cycle"), max_bytes)
                    .expect("read")
                    .len_bytes(),
            )
        })
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20)
}

criterion_group! {
    name = benches;
    config = config();
    targets = append, read
}
criterion_main!(benches);
