//! Power loss, simulated: after a kill -9, each partition's log is cut back
//! to what fsync covered (the page cache is what a power cut takes), a torn
//! half batch is left at the cut as a partly written block would be, and
//! the broker restarts. One test per line of the flush-policy table in
//! docs/reliability.md:
//!
//! | policy      | kill -9              | power loss                                        |
//! |-------------|----------------------|---------------------------------------------------|
//! | every-batch | every acked record   | every acked record                                |
//! | Nms         | every acked record   | records acked more than N ms (one flush) earlier  |
//! | none        | every acked record   | records up to the last segment roll / clean stop  |
//!
//! In every case the log comes back as a valid prefix: no torn or
//! CRC-invalid batch is served and offsets continue without a gap.

use std::fs;
use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use kctl_client::protocol::batch::BatchScan;
use kctl_client::protocol::records::Compression;

use crate::crash_loop::{CrashingBroker, read_back};
use crate::protocol::{create_topic, produce_one};
use crate::support::{RawClient, batch};

const TOPIC: &str = "crash-loop";
const PARTITIONS: i32 = 2;

/// What a power cut leaves of one partition: every segment from `covered`
/// on is cut back to the batch boundary at `covered`, later segments go,
/// and half of the first lost batch (a torn write) stays behind.
fn lose_unflushed_tail(data_dir: &Path, partition: i32, covered: i64) -> u64 {
    let dir = data_dir.join(format!("{TOPIC}-{partition}"));
    let mut segments: Vec<(i64, std::path::PathBuf)> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .map(|p| {
            let base = p.file_stem().unwrap().to_str().unwrap().parse().unwrap();
            (base, p)
        })
        .collect();
    segments.sort();
    let mut cut_bytes = 0;
    for (i, (base, path)) in segments.iter().enumerate() {
        let next_base = segments.get(i + 1).map_or(i64::MAX, |(b, _)| *b);
        if next_base <= covered {
            continue; // wholly covered
        }
        let bytes = fs::read(path).unwrap();
        if *base >= covered && i > 0 {
            cut_bytes += bytes.len() as u64;
            fs::remove_file(path).unwrap();
            for suffix in ["index", "timeindex"] {
                let _ = fs::remove_file(path.with_extension(suffix));
            }
            continue;
        }
        let mut keep = 0usize;
        let mut torn = Vec::new();
        for found in BatchScan::new(&bytes) {
            let found = found.unwrap();
            if found.header.base_offset >= covered {
                torn = found.bytes[..found.bytes.len() / 2].to_vec();
                break;
            }
            keep = found.position + found.bytes.len();
        }
        cut_bytes += (bytes.len() - keep) as u64;
        let mut with_torn = bytes[..keep].to_vec();
        with_torn.extend_from_slice(&torn);
        fs::write(path, with_torn).unwrap();
    }
    cut_bytes
}

fn recovery_point(data_dir: &Path, partition: i32) -> i64 {
    let path = data_dir
        .join(format!("{TOPIC}-{partition}"))
        .join("recovery-point-offset-checkpoint");
    fs::read_to_string(path)
        .ok()
        .and_then(|t| t.lines().nth(1).and_then(|l| l.trim().parse().ok()))
        .unwrap_or(0)
}

/// Produces `count` one-record batches to each partition with acks=all;
/// returns the acknowledged values per partition, in offset order.
async fn produce(bootstrap: &str, from: usize, count: usize) -> Vec<Vec<(i64, Vec<u8>)>> {
    let mut client = RawClient::connect(bootstrap).await;
    let mut acked = vec![Vec::new(); PARTITIONS as usize];
    for i in from..from + count {
        for partition in 0..PARTITIONS {
            let value = format!("p{partition}-{i}").into_bytes();
            let records = batch(&[&value], i as i64, Compression::None);
            let (error, offset) = produce_one(&mut client, TOPIC, partition, records).await;
            assert_eq!(error, 0);
            acked[partition as usize].push((offset, value));
        }
    }
    acked
}

async fn start(dir: &Path, flush: &str) -> CrashingBroker {
    let broker = CrashingBroker::start(dir, flush);
    let mut admin = RawClient::connect(&broker.listen).await;
    create_topic(&mut admin, TOPIC, PARTITIONS, &[("segment.bytes", "16384")]).await;
    broker
}

/// The log read back after the restart: a gapless prefix from offset 0
/// (read_back already refused any bad batch).
async fn survivors(broker: &CrashingBroker) -> Vec<Vec<(i64, Bytes)>> {
    let read = read_back(&broker.listen, PARTITIONS).await;
    read.into_values()
        .inspect(|records| {
            for (i, (offset, _)) in records.iter().enumerate() {
                assert_eq!(*offset, i as i64, "offsets must continue without a gap");
            }
        })
        .collect()
}

fn assert_present(survivors: &[Vec<(i64, Bytes)>], acked: &[Vec<(i64, Vec<u8>)>], what: &str) {
    for (partition, acked) in acked.iter().enumerate() {
        for (offset, value) in acked {
            let found = survivors[partition].get(*offset as usize);
            assert_eq!(
                found.map(|(_, v)| v.as_ref()),
                Some(value.as_slice()),
                "{what}: p{partition} @{offset} lost"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn power_loss_with_flush_every_batch_keeps_every_acknowledged_record() {
    let dir = tempfile::tempdir().unwrap();
    let mut broker = start(dir.path(), "every-batch").await;
    let acked = produce(&broker.listen, 0, 300).await;
    broker.kill_9();
    // Every acknowledged batch was fsynced before its answer: the power cut
    // can only take bytes after the last one (here: a torn next batch).
    let mut cut = 0;
    for partition in 0..PARTITIONS {
        let covered = acked[partition as usize].last().unwrap().0 + 1;
        cut += lose_unflushed_tail(dir.path(), partition, covered);
        let path = dir.path().join(format!("{TOPIC}-{partition}"));
        let active = fs::read_dir(&path)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "log"))
            .max()
            .unwrap();
        // A half-written batch that was never acknowledged.
        let mut bytes = fs::read(&active).unwrap();
        let torn = batch(&[b"never acknowledged"], 0, Compression::None);
        bytes.extend_from_slice(&torn[..torn.len() / 2]);
        fs::write(&active, bytes).unwrap();
    }
    broker.restart();
    let survivors = survivors(&broker).await;
    assert_present(&survivors, &acked, "every-batch");
    println!(
        "power loss, flush=every-batch: {} acknowledged per partition, all recovered ({cut} unflushed bytes cut)",
        acked[0].len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn power_loss_with_flush_interval_keeps_records_older_than_one_interval() {
    let dir = tempfile::tempdir().unwrap();
    let mut broker = start(dir.path(), "200ms").await;
    let older = produce(&broker.listen, 0, 200).await;
    // Two intervals: the periodic flush has covered everything above.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let newer = produce(&broker.listen, 200, 50).await;
    broker.kill_9();
    let mut covered = Vec::new();
    for partition in 0..PARTITIONS {
        let point = recovery_point(dir.path(), partition);
        assert!(
            point >= 200,
            "p{partition}: the periodic flush did not cover the older records ({point})"
        );
        lose_unflushed_tail(dir.path(), partition, point);
        covered.push(point);
    }
    broker.restart();
    let survivors = survivors(&broker).await;
    assert_present(&survivors, &older, "interval (older than one flush)");
    for partition in 0..PARTITIONS as usize {
        // What survives is exactly what the last flush covered.
        assert_eq!(survivors[partition].len() as i64, covered[partition]);
    }
    println!(
        "power loss, flush=200ms: 200 records older than the last flush all recovered; of 50 newer, {} and {} survived",
        covered[0] - 200,
        covered[1] - 200
    );
    drop(newer);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn power_loss_with_flush_none_keeps_records_up_to_the_last_clean_stop() {
    let dir = tempfile::tempdir().unwrap();
    let mut broker = start(dir.path(), "none").await;
    let before_stop = produce(&broker.listen, 0, 100).await;
    // A clean stop (SIGINT) fsyncs everything and moves the recovery point.
    let pid = broker.child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    broker.child.wait().unwrap();
    broker.restart();
    let after = produce(&broker.listen, 100, 100).await;
    broker.kill_9();
    // Killed, not powered off: with flush=none everything is still there.
    // Now take the power too: what the page cache held is gone.
    let mut covered = Vec::new();
    for partition in 0..PARTITIONS {
        let point = recovery_point(dir.path(), partition);
        assert!(
            point >= 100,
            "p{partition}: the clean stop did not move the recovery point ({point})"
        );
        lose_unflushed_tail(dir.path(), partition, point);
        covered.push(point);
    }
    broker.restart();
    let survivors = survivors(&broker).await;
    assert_present(&survivors, &before_stop, "none (before the clean stop)");
    for partition in 0..PARTITIONS as usize {
        assert_eq!(survivors[partition].len() as i64, covered[partition]);
    }
    println!(
        "power loss, flush=none: 100 records from before the clean stop recovered; of 100 after it, {} and {} survived (segment rolls fsync)",
        covered[0] - 100,
        covered[1] - 100
    );
    drop(after);
}
