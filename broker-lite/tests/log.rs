//! The partition log from the outside: round trips through close and crash,
//! torn and corrupt tails, retention, timestamp lookups and read limits.
//! Damage is done to the files directly, the way a crash or a bad disk would.

use std::fs;
use std::path::{Path, PathBuf};

use broker_lite::log::{FlushPolicy, LogConfig, LogError, PartitionLog, ReadResult};
use bytes::{Bytes, BytesMut};
use kctl_client::protocol::batch::{self, BatchHeader, BatchScan};
use kctl_client::protocol::records::{
    Compression, Record, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};
use proptest::prelude::*;

const T0: i64 = 1_700_000_000_000;

/// One producer batch with a record per (value, timestamp).
fn encode_batch(records: &[(Vec<u8>, i64)], compression: Compression) -> Vec<u8> {
    let records: Vec<Record> = records
        .iter()
        .enumerate()
        .map(|(i, (value, timestamp))| Record {
            transactional: false,
            control: false,
            delete_horizon: false,
            partition_leader_epoch: -1,
            producer_id: -1,
            producer_epoch: -1,
            timestamp_type: TimestampType::Creation,
            offset: i as i64,
            // base_sequence -1 with a constant offset - sequence, or the
            // encoder splits the records into several batches.
            sequence: -1 + i as i32,
            timestamp: *timestamp,
            key: Some(Bytes::from(format!("key-{i}"))),
            value: Some(Bytes::copy_from_slice(value)),
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
    out.to_vec()
}

/// `count` records of `value_bytes` each, timestamps `ts, ts+1, ...`.
fn simple_batch(count: usize, value_bytes: usize, ts: i64) -> Vec<u8> {
    let records: Vec<(Vec<u8>, i64)> = (0..count)
        .map(|i| (vec![i as u8; value_bytes], ts + i as i64))
        .collect();
    encode_batch(&records, Compression::None)
}

fn small_config(segment_bytes: u64) -> LogConfig {
    LogConfig {
        segment_bytes,
        index_interval_bytes: 128,
        retention_ms: -1,
        ..LogConfig::default()
    }
}

fn open(dir: &Path, config: LogConfig, clean: bool) -> PartitionLog {
    PartitionLog::open(dir, config, clean).unwrap().0
}

fn read_all(result: &ReadResult) -> Vec<u8> {
    result.read_bytes().unwrap().to_vec()
}

fn headers(bytes: &[u8]) -> Vec<BatchHeader> {
    BatchScan::verified(bytes)
        .map(|b| b.expect("read returned an invalid batch").header)
        .collect()
}

/// Appends every batch and returns them as stored (offsets patched).
fn append_all(log: &mut PartitionLog, batches: &[Vec<u8>]) -> Vec<Vec<u8>> {
    batches
        .iter()
        .map(|b| {
            let mut stored = b.clone();
            log.append(&mut stored, 3, T0).unwrap();
            stored
        })
        .collect()
}

/// The whole log, read segment by segment from the log start.
fn read_everything(log: &PartitionLog) -> Vec<u8> {
    let mut out = Vec::new();
    let mut offset = log.log_start_offset();
    while offset < log.log_end_offset() {
        let bytes = read_all(&log.read(offset, usize::MAX).unwrap());
        let last = headers(&bytes)
            .last()
            .expect("a read below the end returns a batch")
            .next_offset();
        out.extend_from_slice(&bytes);
        offset = last;
    }
    out
}

/// Every offset reads back the stored batch that holds it first.
fn assert_reads_match(log: &PartitionLog, stored: &[Vec<u8>]) {
    for batch in stored {
        let header = batch::validate(batch).unwrap();
        for offset in header.base_offset..=header.last_offset() {
            let bytes = read_all(&log.read(offset, 1).unwrap());
            assert_eq!(&bytes, batch, "read at {offset}");
        }
    }
    assert_eq!(read_everything(log), stored.concat());
}

fn segment_files(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == suffix))
        .collect();
    files.sort();
    files
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[test]
fn append_assigns_offsets_and_patches_only_offset_and_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), LogConfig::default(), true);
    let original = simple_batch(3, 10, T0);
    let mut first = original.clone();
    let info = log.append(&mut first, 7, T0).unwrap();
    assert_eq!(
        (
            info.base_offset,
            info.last_offset,
            info.log_append_time_ms,
            info.log_start_offset
        ),
        (0, 2, -1, 0)
    );
    let header = batch::validate(&first).unwrap();
    assert_eq!((header.base_offset, header.partition_leader_epoch), (0, 7));
    assert_eq!(first[21..], original[21..], "nothing under the CRC changes");
    let mut second = simple_batch(2, 10, T0);
    assert_eq!(log.append(&mut second, 7, T0).unwrap().base_offset, 3);
    assert_eq!(log.log_end_offset(), 5);
    assert_eq!(log.size_bytes(), (first.len() + second.len()) as u64);
    assert_reads_match(&log, &[first, second]);
}

#[test]
fn log_append_time_stamps_the_batch_and_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig {
        message_timestamp_type: TimestampType::LogAppend,
        ..LogConfig::default()
    };
    let mut log = open(dir.path(), config, true);
    let mut batch = simple_batch(2, 5, T0);
    let info = log.append(&mut batch, 0, T0 + 5_000).unwrap();
    assert_eq!(info.log_append_time_ms, T0 + 5_000);
    let header = batch::validate(&batch).unwrap();
    assert_eq!(
        (header.timestamp_type(), header.max_timestamp),
        (TimestampType::LogAppend, T0 + 5_000)
    );
    assert_eq!(
        log.offset_for_timestamp(T0 + 1).unwrap(),
        Some((0, T0 + 5_000))
    );
    assert_eq!(
        log.max_timestamp_and_offset().unwrap(),
        Some((0, T0 + 5_000))
    );
}

#[test]
fn rejects_oversized_and_invalid_batches_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig {
        max_message_bytes: 200,
        ..LogConfig::default()
    };
    let mut log = open(dir.path(), config, true);
    let mut big = simple_batch(10, 50, T0);
    let err = log.append(&mut big, 0, T0).unwrap_err();
    assert!(
        matches!(
            err,
            LogError::MessageTooLarge {
                max_message_bytes: 200,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.error_code(),
        kctl_client::protocol::ErrorCode::MessageTooLarge
    );
    let mut corrupt = simple_batch(1, 5, T0);
    let last = corrupt.len() - 1;
    corrupt[last] ^= 1;
    assert!(matches!(
        log.append(&mut corrupt, 0, T0),
        Err(LogError::InvalidBatch(_))
    ));
    let mut config = LogConfig {
        segment_bytes: 100,
        ..LogConfig::default()
    };
    log.set_config(config.clone());
    let mut larger_than_segment = simple_batch(3, 30, T0);
    let err = log.append(&mut larger_than_segment, 0, T0).unwrap_err();
    assert!(
        matches!(
            err,
            LogError::BatchLargerThanSegment {
                segment_bytes: 100,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!((log.log_end_offset(), log.size_bytes()), (0, 0));
    config.segment_bytes = 1 << 20;
    log.set_config(config);
    assert_eq!(
        log.append(&mut larger_than_segment, 0, T0)
            .unwrap()
            .base_offset,
        0
    );
}

#[test]
fn read_respects_max_bytes_but_returns_one_whole_batch() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), small_config(1 << 20), true);
    let batches: Vec<Vec<u8>> = (0..40)
        .map(|i| simple_batch(1 + i % 4, 30, T0 + i as i64))
        .collect();
    let stored = append_all(&mut log, &batches);
    let sizes: Vec<usize> = stored.iter().map(Vec::len).collect();
    for start in [0usize, 7, 39] {
        let offset = batch::validate(&stored[start]).unwrap().base_offset;
        for max_bytes in [
            0,
            1,
            sizes[start],
            sizes[start] + 1,
            500,
            1000,
            5000,
            usize::MAX,
        ] {
            let got = read_all(&log.read(offset, max_bytes).unwrap());
            // The longest run of whole batches from `start` within max_bytes, at least one.
            let mut want = sizes[start];
            let mut i = start + 1;
            while i < sizes.len() && want + sizes[i] <= max_bytes {
                want += sizes[i];
                i += 1;
            }
            assert_eq!(
                got,
                stored[start..i].concat(),
                "start {start}, max_bytes {max_bytes}"
            );
        }
    }
}

#[test]
fn read_offsets_out_of_range_and_at_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), small_config(1 << 20), true);
    append_all(
        &mut log,
        &[simple_batch(5, 10, T0), simple_batch(5, 10, T0)],
    );
    let at_end = log.read(10, 1000).unwrap();
    assert!(at_end.is_empty() && at_end.file_slice().is_none());
    assert_eq!(at_end.read_bytes().unwrap().len(), 0);
    assert_eq!((at_end.log_start_offset, at_end.log_end_offset), (0, 10));
    for offset in [11, -1, i64::MAX] {
        let err = log.read(offset, 1000).unwrap_err();
        assert!(
            matches!(
                err,
                LogError::OffsetOutOfRange {
                    log_start_offset: 0,
                    log_end_offset: 10,
                    ..
                }
            ),
            "{offset}: {err}"
        );
    }
    log.delete_records_before(7).unwrap();
    assert!(matches!(
        log.read(6, 1000),
        Err(LogError::OffsetOutOfRange {
            log_start_offset: 7,
            ..
        })
    ));
    // Offset 7 lies in the second batch, which is returned whole.
    assert_eq!(
        headers(&read_all(&log.read(7, 1000).unwrap()))[0].base_offset,
        5
    );
}

#[test]
fn segments_roll_on_size_and_keep_offsets_contiguous() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), small_config(1000), true);
    let batches: Vec<Vec<u8>> = (0..30).map(|i| simple_batch(3, 40, T0 + i)).collect();
    let stored = append_all(&mut log, &batches);
    let logs = segment_files(dir.path(), "log");
    assert!(logs.len() > 3, "{} segments", logs.len());
    assert_eq!(logs.len(), log.segment_count());
    for path in &logs {
        let bytes = fs::read(path).unwrap();
        assert!(bytes.len() <= 1000);
        let first = headers(&bytes)[0].base_offset;
        assert_eq!(
            path.file_name().unwrap().to_str().unwrap(),
            format!("{first:020}.log")
        );
    }
    assert_reads_match(&log, &stored);
    // The closed segments were fsynced on roll: the recovery point is the active segment's base.
    let active_base =
        batch::validate(&fs::read(logs.last().unwrap()).unwrap()[..]).map(|h| h.base_offset);
    assert!(
        active_base.is_err(),
        "active segment holds more than one batch"
    );
    assert!(log.recovery_point() > 0);
}

#[test]
fn segments_roll_when_segment_ms_has_passed_since_the_first_batch() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig {
        segment_ms: 1000,
        ..small_config(1 << 20)
    };
    let mut log = open(dir.path(), config, true);
    for ts in [T0, T0 + 500, T0 + 1000, T0 + 1001, T0 + 1500, T0 + 2002] {
        log.append(&mut simple_batch(1, 1, ts), 0, T0).unwrap();
    }
    // Rolls before T0+1001 (1001 ms after T0) and before T0+2002 (1001 ms after T0+1001).
    assert_eq!(log.segment_count(), 3);
    // Old CreateTime timestamps alone never roll: time runs between batch timestamps.
    for _ in 0..3 {
        log.append(&mut simple_batch(1, 1, 5), 0, T0 + 10_000)
            .unwrap();
    }
    assert_eq!(log.segment_count(), 3);
}

#[test]
fn offset_for_timestamp_names_the_exact_record_in_compressed_batches() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), small_config(600), true);
    // Timestamps rise by 10 per record across batches, but inside each batch they are out of order.
    let mut next_ts = T0;
    let mut expected: Vec<(i64, i64)> = Vec::new();
    let compressions = [
        Compression::None,
        Compression::Gzip,
        Compression::Lz4,
        Compression::Zstd,
        Compression::Snappy,
    ];
    for i in 0..25 {
        let mut records: Vec<(Vec<u8>, i64)> = (0..4)
            .map(|j| (vec![j as u8; 20], next_ts + j * 10))
            .collect();
        records.swap(1, 2);
        next_ts += 40;
        let mut stored = encode_batch(&records, compressions[i % compressions.len()]);
        let base = log.append(&mut stored, 0, T0).unwrap().base_offset;
        expected.extend(
            records
                .iter()
                .enumerate()
                .map(|(j, (_, ts))| (base + j as i64, *ts)),
        );
    }
    assert!(log.segment_count() > 2);
    let first_at_or_after = |ts: i64| expected.iter().copied().find(|&(_, t)| t >= ts);
    for ts in [
        i64::MIN,
        0,
        T0 - 1,
        T0,
        T0 + 1,
        T0 + 10,
        T0 + 15,
        T0 + 20,
        T0 + 395,
        T0 + 990,
        T0 + 991,
        i64::MAX,
    ] {
        assert_eq!(
            log.offset_for_timestamp(ts).unwrap(),
            first_at_or_after(ts),
            "ts {ts}"
        );
    }
    for &(_, ts) in &expected {
        assert_eq!(
            log.offset_for_timestamp(ts).unwrap(),
            first_at_or_after(ts),
            "ts {ts}"
        );
    }
    let max = expected
        .iter()
        .copied()
        .max_by_key(|&(o, t)| (t, -o))
        .unwrap();
    assert_eq!(log.max_timestamp_and_offset().unwrap(), Some(max));
    // Below the log start offset nothing is found, even mid-batch.
    log.delete_records_before(5).unwrap();
    assert_eq!(log.offset_for_timestamp(T0).unwrap(), Some(expected[5]));
    // The same answers after a clean reopen, from the rebuilt in-memory state.
    log.close().unwrap();
    let log = open(dir.path(), small_config(600), true);
    assert_eq!(
        log.offset_for_timestamp(T0 + 395).unwrap(),
        first_at_or_after(T0 + 395)
    );
    assert_eq!(log.max_timestamp_and_offset().unwrap(), Some(max));
}

#[test]
fn max_timestamp_prefers_the_first_record_and_respects_log_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), small_config(1 << 20), true);
    assert_eq!(log.max_timestamp_and_offset().unwrap(), None);
    assert_eq!(log.offset_for_timestamp(0).unwrap(), None);
    let batch = |ts: &[i64]| {
        encode_batch(
            &ts.iter().map(|&t| (vec![1u8; 4], t)).collect::<Vec<_>>(),
            Compression::None,
        )
    };
    log.append(&mut batch(&[T0, T0 + 900, T0 + 5]), 0, T0)
        .unwrap(); // offsets 0..=2
    log.append(&mut batch(&[T0 + 100, T0 + 900]), 0, T0)
        .unwrap(); // 3..=4
    log.append(&mut batch(&[T0 + 300]), 0, T0).unwrap(); // 5
    assert_eq!(log.max_timestamp_and_offset().unwrap(), Some((1, T0 + 900)));
    log.delete_records_before(2).unwrap();
    assert_eq!(log.max_timestamp_and_offset().unwrap(), Some((4, T0 + 900)));
    log.delete_records_before(5).unwrap();
    assert_eq!(log.max_timestamp_and_offset().unwrap(), Some((5, T0 + 300)));
    assert_eq!(log.offset_for_timestamp(T0 + 301).unwrap(), None);
}

#[test]
fn retention_by_time_deletes_old_closed_segments_only() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig {
        retention_ms: 1000,
        ..small_config(400)
    };
    let mut log = open(dir.path(), config.clone(), true);
    let batches: Vec<Vec<u8>> = (0..20).map(|i| simple_batch(2, 50, T0 + i * 100)).collect();
    let stored = append_all(&mut log, &batches);
    let segments_before = log.segment_count();
    assert!(segments_before > 3);
    // Far in the future: every closed segment is expired, the active one stays.
    let report = log.apply_retention(T0 + 1_000_000).unwrap();
    assert_eq!(report.segments_deleted, segments_before - 1);
    assert_eq!(report.deleted_for_time, segments_before - 1);
    assert_eq!(log.segment_count(), 1);
    assert_eq!(segment_files(dir.path(), "log").len(), 1);
    assert_eq!(segment_files(dir.path(), "index").len(), 1);
    assert_eq!(segment_files(dir.path(), "timeindex").len(), 1);
    let start = log.log_start_offset();
    assert!(start > 0);
    assert_eq!(report.log_start_offset, start);
    let kept: Vec<Vec<u8>> = stored
        .into_iter()
        .filter(|b| batch::validate(b).unwrap().base_offset >= start)
        .collect();
    assert_reads_match(&log, &kept);
    assert!(matches!(
        log.read(start - 1, 100),
        Err(LogError::OffsetOutOfRange { .. })
    ));
    log.close().unwrap();
    let log = open(dir.path(), config, true);
    assert_eq!((log.log_start_offset(), log.log_end_offset()), (start, 40));
}

#[test]
fn retention_by_time_stops_at_the_first_young_segment() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(
        dir.path(),
        LogConfig {
            retention_ms: 1000,
            ..small_config(400)
        },
        true,
    );
    let batches: Vec<Vec<u8>> = (0..20).map(|i| simple_batch(2, 50, T0 + i * 100)).collect();
    append_all(&mut log, &batches);
    // Only segments whose newest record is older than now - 1000 go.
    let report = log.apply_retention(T0 + 1500).unwrap();
    assert!(report.segments_deleted >= 1);
    let after = read_all(&log.read(log.log_start_offset(), usize::MAX).unwrap());
    assert!(headers(&after).iter().any(|h| h.max_timestamp >= T0 + 500));
    assert_eq!(
        log.apply_retention(T0 + 1500).unwrap().segments_deleted,
        0,
        "idempotent"
    );
}

#[test]
fn retention_by_bytes_keeps_at_least_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(
        dir.path(),
        LogConfig {
            retention_bytes: 1000,
            ..small_config(400)
        },
        true,
    );
    let batches: Vec<Vec<u8>> = (0..30).map(|i| simple_batch(2, 50, T0 + i)).collect();
    append_all(&mut log, &batches);
    let before = log.size_bytes();
    let report = log.apply_retention(T0).unwrap();
    assert!(report.segments_deleted > 0 && report.segments_deleted == report.deleted_for_size);
    assert_eq!(log.size_bytes(), before - report.bytes_deleted);
    assert!(log.size_bytes() >= 1000, "{}", log.size_bytes());
    assert!(
        log.size_bytes() < 1400,
        "one more segment would have gone: {}",
        log.size_bytes()
    );
    // retention.bytes 0 empties every closed segment but never the active one.
    log.set_config(LogConfig {
        retention_bytes: 0,
        ..small_config(400)
    });
    log.apply_retention(T0).unwrap();
    assert_eq!(log.segment_count(), 1);
    assert!(log.size_bytes() > 0);
    assert_eq!(log.log_end_offset(), 60);
}

#[test]
fn delete_records_moves_the_log_start_and_persists_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), small_config(400), true);
    let batches: Vec<Vec<u8>> = (0..20).map(|i| simple_batch(2, 50, T0 + i)).collect();
    append_all(&mut log, &batches);
    let segments_before = log.segment_count();
    assert_eq!(log.delete_records_before(13).unwrap(), 13);
    assert!(
        log.segment_count() < segments_before,
        "segments wholly below 13 are gone"
    );
    assert_eq!(
        log.delete_records_before(3).unwrap(),
        13,
        "never moves back"
    );
    assert!(matches!(
        log.delete_records_before(41),
        Err(LogError::OffsetOutOfRange { .. })
    ));
    let read = log.read(13, 1).unwrap();
    assert_eq!(read.log_start_offset, 13);
    assert_eq!(
        headers(&read_all(&read))[0].base_offset,
        12,
        "the batch holding 13, whole"
    );
    drop(log);
    // Unclean too: the log start offset comes from its checkpoint, not the first segment.
    let (mut log, report) = PartitionLog::open(dir.path(), small_config(400), false).unwrap();
    assert_eq!((report.log_start_offset, log.log_start_offset()), (13, 13));
    assert_eq!(
        log.delete_records_before(-1).unwrap(),
        40,
        "-1 means the high watermark"
    );
    assert_eq!(log.segment_count(), 1);
    assert!(log.read(40, 100).unwrap().is_empty());
    log.close().unwrap();
    let log = open(dir.path(), small_config(400), true);
    assert_eq!((log.log_start_offset(), log.log_end_offset()), (40, 40));
}

#[test]
fn log_start_past_a_crash_truncated_end_starts_an_empty_log_there() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), small_config(1 << 20), true);
    append_all(
        &mut log,
        &[simple_batch(5, 10, T0), simple_batch(5, 10, T0)],
    );
    log.delete_records_before(10).unwrap();
    drop(log);
    // The crash lost the second batch, and with it offsets 5..10.
    let seg = &segment_files(dir.path(), "log")[0];
    let first_len = batch::BatchHeader::parse(&fs::read(seg).unwrap())
        .unwrap()
        .total_bytes();
    fs::OpenOptions::new()
        .write(true)
        .open(seg)
        .unwrap()
        .set_len(first_len as u64 + 3)
        .unwrap();
    let mut log = open(dir.path(), small_config(1 << 20), false);
    assert_eq!((log.log_start_offset(), log.log_end_offset()), (10, 10));
    assert_eq!(
        log.append(&mut simple_batch(1, 1, T0), 0, T0)
            .unwrap()
            .base_offset,
        10
    );
}

/// Builds a log of several segments, closes it cleanly, and returns the
/// stored batches.
fn build_log(dir: &Path, config: &LogConfig, batches: usize) -> Vec<Vec<u8>> {
    let mut log = open(dir, config.clone(), true);
    let compressions = [Compression::None, Compression::Lz4];
    let input: Vec<Vec<u8>> = (0..batches)
        .map(|i| {
            let records: Vec<(Vec<u8>, i64)> = (0..1 + i % 3)
                .map(|j| (vec![(i + j) as u8; 30], T0 + (i * 10 + j) as i64))
                .collect();
            encode_batch(&records, compressions[i % 2])
        })
        .collect();
    let stored = append_all(&mut log, &input);
    assert!(log.segment_count() >= 3);
    log.close().unwrap();
    stored
}

/// The index files a log holding exactly `kept` writes, built from scratch.
fn reference_indexes(config: &LogConfig, kept: &[Vec<u8>]) -> Vec<(String, Vec<u8>)> {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(dir.path(), config.clone(), true);
    for batch in kept {
        log.append(&mut batch.clone(), 3, T0).unwrap();
    }
    log.close().unwrap();
    let mut files: Vec<(String, Vec<u8>)> = segment_files(dir.path(), "index")
        .into_iter()
        .chain(segment_files(dir.path(), "timeindex"))
        .map(|p| {
            (
                p.file_name().unwrap().to_str().unwrap().to_owned(),
                fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn index_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = segment_files(dir, "index")
        .into_iter()
        .chain(segment_files(dir, "timeindex"))
        .map(|p| {
            (
                p.file_name().unwrap().to_str().unwrap().to_owned(),
                fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn recovery_cuts_a_torn_last_batch_at_every_byte() {
    let pristine = tempfile::tempdir().unwrap();
    let config = LogConfig {
        index_interval_bytes: 64,
        ..small_config(700)
    };
    let stored = build_log(pristine.path(), &config, 24);
    let last_segment = segment_files(pristine.path(), "log").pop().unwrap();
    let segment_len = fs::metadata(&last_segment).unwrap().len() as usize;
    let last_batch = stored.last().unwrap();
    let last_start = segment_len - last_batch.len();
    let kept = &stored[..stored.len() - 1];
    let want_indexes = reference_indexes(&config, kept);
    let work = tempfile::tempdir().unwrap();
    for cut in last_start..segment_len {
        let dir = work.path().join(format!("cut-{cut}"));
        copy_dir(pristine.path(), &dir);
        let name = last_segment.file_name().unwrap();
        fs::OpenOptions::new()
            .write(true)
            .open(dir.join(name))
            .unwrap()
            .set_len(cut as u64)
            .unwrap();
        let (mut log, report) = PartitionLog::open(&dir, config.clone(), false).unwrap();
        assert_eq!(
            report.bytes_truncated,
            (cut - last_start) as u64,
            "cut {cut}"
        );
        assert_eq!(
            report.segments_scanned, 1,
            "only the segment past the recovery point"
        );
        let last_kept = batch::validate(kept.last().unwrap()).unwrap();
        assert_eq!(log.log_end_offset(), last_kept.next_offset(), "cut {cut}");
        assert_eq!(
            fs::metadata(dir.join(name)).unwrap().len() as usize,
            last_start
        );
        assert_eq!(
            index_files(&dir),
            want_indexes,
            "cut {cut}: rebuilt indexes"
        );
        assert_reads_match(&log, kept);
        let info = log.append(&mut last_batch.clone(), 3, T0).unwrap();
        assert_eq!(info.base_offset, last_kept.next_offset());
        fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn recovery_drops_garbage_after_the_last_batch() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config(700);
    let stored = build_log(dir.path(), &config, 12);
    let last_segment = segment_files(dir.path(), "log").pop().unwrap();
    let mut bytes = fs::read(&last_segment).unwrap();
    let clean_len = bytes.len();
    // Zeros (a preallocated or half-written tail), then random-looking bytes.
    bytes.extend([0u8; 100]);
    fs::write(&last_segment, &bytes).unwrap();
    let (log, report) = PartitionLog::open(dir.path(), config.clone(), false).unwrap();
    assert_eq!(report.bytes_truncated, 100);
    assert_reads_match(&log, &stored);
    drop(log);
    let mut bytes = fs::read(&last_segment).unwrap();
    bytes.extend((0..500u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    fs::write(&last_segment, &bytes).unwrap();
    let (log, report) = PartitionLog::open(dir.path(), config, false).unwrap();
    assert_eq!(report.bytes_truncated, 500);
    assert_eq!(
        fs::metadata(&last_segment).unwrap().len() as usize,
        clean_len
    );
    assert_reads_match(&log, &stored);
}

#[test]
fn recovery_catches_a_flipped_bit_anywhere_but_the_leader_epoch() {
    let pristine = tempfile::tempdir().unwrap();
    let config = small_config(700);
    let stored = build_log(pristine.path(), &config, 12);
    let last_segment = segment_files(pristine.path(), "log").pop().unwrap();
    let name = last_segment.file_name().unwrap();
    let segment_len = fs::metadata(&last_segment).unwrap().len() as usize;
    let last_start = segment_len - stored.last().unwrap().len();
    let work = tempfile::tempdir().unwrap();
    for at in last_start..segment_len {
        let dir = work.path().join(format!("flip-{at}"));
        copy_dir(pristine.path(), &dir);
        let mut bytes = fs::read(dir.join(name)).unwrap();
        bytes[at] ^= 0x10;
        fs::write(dir.join(name), &bytes).unwrap();
        let (log, report) = PartitionLog::open(&dir, config.clone(), false).unwrap();
        // partitionLeaderEpoch sits outside the CRC, as in Kafka: nothing can notice it.
        let in_epoch = (12..16).contains(&(at - last_start));
        if in_epoch {
            assert_eq!(report.bytes_truncated, 0, "flip at {at}");
            assert_eq!(
                log.log_end_offset(),
                batch::validate(stored.last().unwrap())
                    .unwrap()
                    .next_offset()
            );
        } else {
            assert_eq!(
                report.bytes_truncated,
                (segment_len - last_start) as u64,
                "flip at {at}"
            );
            assert_reads_match(&log, &stored[..stored.len() - 1]);
        }
        fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn recovery_of_a_middle_segment_deletes_every_later_one() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config(700);
    let stored = build_log(dir.path(), &config, 30);
    let logs = segment_files(dir.path(), "log");
    assert!(logs.len() >= 4);
    // Without a recovery point, an unclean open scans everything.
    fs::remove_file(dir.path().join("recovery-point-offset-checkpoint")).unwrap();
    let victim = &logs[1];
    let mut bytes = fs::read(victim).unwrap();
    let first_len = BatchHeader::parse(&bytes).unwrap().total_bytes();
    bytes[first_len + 70] ^= 0xff;
    fs::write(victim, &bytes).unwrap();
    let (log, report) = PartitionLog::open(dir.path(), config, false).unwrap();
    assert_eq!(report.segments_scanned, 2);
    assert_eq!(report.segments_deleted, logs.len() - 2);
    assert_eq!(segment_files(dir.path(), "log"), logs[..2].to_vec());
    assert_eq!(segment_files(dir.path(), "index").len(), 2);
    let kept_offset = BatchHeader::parse(&bytes).unwrap().next_offset();
    assert_eq!(log.log_end_offset(), kept_offset);
    let kept: Vec<Vec<u8>> = stored
        .into_iter()
        .take_while(|b| batch::validate(b).unwrap().base_offset < kept_offset)
        .collect();
    assert_reads_match(&log, &kept);
}

#[test]
fn clean_open_rebuilds_indexes_that_do_not_hold_up() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig {
        index_interval_bytes: 64,
        ..small_config(700)
    };
    let stored = build_log(dir.path(), &config, 24);
    let want = index_files(dir.path());
    let indexes = segment_files(dir.path(), "index");
    let time_indexes = segment_files(dir.path(), "timeindex");
    // A torn entry; an entry pointing past the end; a time index naming a later offset; a missing file.
    let mut torn = fs::read(&indexes[0]).unwrap();
    torn.pop();
    fs::write(&indexes[0], torn).unwrap();
    let mut past_end = fs::read(&indexes[1]).unwrap();
    past_end.extend(u32::MAX.to_be_bytes());
    past_end.extend(u32::MAX.to_be_bytes());
    fs::write(&indexes[1], past_end).unwrap();
    let mut later = fs::read(&time_indexes[2]).unwrap();
    later.extend(i64::MAX.to_be_bytes());
    later.extend(1_000_000u32.to_be_bytes());
    fs::write(&time_indexes[2], later).unwrap();
    fs::remove_file(indexes.last().unwrap()).unwrap();
    let (log, report) = PartitionLog::open(dir.path(), config, true).unwrap();
    assert_eq!(report.segments_scanned, 4);
    assert_eq!(report.bytes_truncated, 0);
    assert_eq!(index_files(dir.path()), want);
    assert_reads_match(&log, &stored);
}

#[test]
fn leftovers_of_a_crash_are_cleared_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config(700);
    let stored = build_log(dir.path(), &config, 12);
    fs::write(dir.path().join("00000000000000099999.index"), [0u8; 8]).unwrap();
    fs::write(dir.path().join("00000000000000099999.timeindex"), [0u8; 12]).unwrap();
    fs::write(dir.path().join("log-start-offset-checkpoint.tmp"), "0\n5").unwrap();
    let log = open(dir.path(), config, true);
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| !n.contains("99999") && !n.ends_with(".tmp")),
        "{names:?}"
    );
    assert_eq!(log.log_start_offset(), 0);
    assert_reads_match(&log, &stored);
}

#[test]
fn flush_policies_move_the_recovery_point() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = open(
        dir.path(),
        LogConfig {
            flush: FlushPolicy::IntervalMs(10),
            ..small_config(1 << 20)
        },
        true,
    );
    append_all(&mut log, &[simple_batch(4, 10, T0)]);
    assert_eq!(log.recovery_point(), 0);
    log.flush().unwrap();
    assert_eq!(log.recovery_point(), 4);
    log.set_config(LogConfig {
        flush: FlushPolicy::EveryBatch,
        ..small_config(1 << 20)
    });
    append_all(&mut log, &[simple_batch(4, 10, T0)]);
    assert_eq!(log.log_end_offset(), 8);
    drop(log);
    let (log, report) = PartitionLog::open(dir.path(), small_config(1 << 20), false).unwrap();
    assert_eq!(
        (
            report.segments_scanned,
            report.batches_kept,
            log.log_end_offset()
        ),
        (1, 2, 8)
    );
}

#[test]
fn log_and_read_plans_can_cross_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<PartitionLog>();
    assert_send_sync::<ReadResult>();
    assert_send_sync::<LogError>();
}

/// Damage a crash or a bad disk can do to the newest segment.
#[derive(Debug, Clone)]
enum Damage {
    Truncate { keep_per_mille: u16 },
    Flip { at_per_mille: u16, mask: u8 },
    Garbage(Vec<u8>),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (0u16..1000).prop_map(|keep_per_mille| Damage::Truncate { keep_per_mille }),
        (0u16..1000, 1u8..=255)
            .prop_map(|(at_per_mille, mask)| Damage::Flip { at_per_mille, mask }),
        proptest::collection::vec(any::<u8>(), 1..300).prop_map(Damage::Garbage),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Whatever happens to the newest segment, an unclean open keeps a
    /// prefix of whole batches (all of them when only garbage was added),
    /// and the log goes on from there.
    #[test]
    fn recovery_always_keeps_a_whole_batch_prefix(
        batches in 16usize..40,
        damage in damage(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let config = LogConfig { index_interval_bytes: 100, ..small_config(500) };
        let stored = build_log(dir.path(), &config, batches);
        let segment = segment_files(dir.path(), "log").pop().unwrap();
        let mut bytes = fs::read(&segment).unwrap();
        let len = bytes.len();
        let garbage_only = matches!(damage, Damage::Garbage(_));
        let mut all = stored.concat();
        match damage {
            Damage::Truncate { keep_per_mille } => bytes.truncate(len * keep_per_mille as usize / 1000),
            Damage::Flip { at_per_mille, mask } => {
                let at = len * at_per_mille as usize / 1000;
                // A flip in partitionLeaderEpoch, outside the CRC, goes unseen
                // (as in Kafka): the batch is kept with the flipped byte.
                let in_epoch = BatchScan::new(&bytes)
                    .map(|b| b.unwrap().position)
                    .any(|start| (start + 12..start + 16).contains(&at));
                if in_epoch {
                    let global = all.len() - len + at;
                    all[global] ^= mask;
                }
                bytes[at] ^= mask;
            }
            Damage::Garbage(garbage) => bytes.extend(garbage),
        }
        fs::write(&segment, &bytes).unwrap();
        let (mut log, report) = PartitionLog::open(dir.path(), config, false).unwrap();
        let kept = read_everything(&log);
        prop_assert!(all.starts_with(&kept));
        let kept_batches = headers(&kept);
        prop_assert_eq!(kept_batches.last().map_or(0, |h| h.next_offset()), log.log_end_offset());
        let expected: Vec<Vec<u8>> = BatchScan::verified(&all[..kept.len()]).map(|b| b.unwrap().bytes.to_vec()).collect();
        assert_reads_match(&log, &expected);
        if garbage_only {
            prop_assert_eq!(kept.len(), all.len());
        }
        prop_assert!(report.bytes_truncated as usize <= bytes.len());
        let next = log.log_end_offset();
        prop_assert_eq!(log.append(&mut stored[0].clone(), 3, T0).unwrap().base_offset, next);
    }

    #[test]
    fn append_reopen_read_round_trip(
        specs in proptest::collection::vec((1usize..6, 0usize..80, 0usize..3), 1..40),
        segment_bytes in 600u64..2000,
        index_interval_bytes in 32usize..400,
        close_first in any::<bool>(),
        clean in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let config = LogConfig { segment_bytes, index_interval_bytes, retention_ms: -1, ..LogConfig::default() };
        let compressions = [Compression::None, Compression::Lz4, Compression::Gzip];
        let batches: Vec<Vec<u8>> = specs
            .iter()
            .enumerate()
            .map(|(i, &(count, value_bytes, codec))| {
                let records: Vec<(Vec<u8>, i64)> =
                    (0..count).map(|j| (vec![(i * 7 + j) as u8; value_bytes], T0 + (i * 5 + j) as i64)).collect();
                encode_batch(&records, compressions[codec])
            })
            .collect();
        let mut log = open(dir.path(), config.clone(), true);
        let stored = append_all(&mut log, &batches);
        let mut next = 0;
        for (batch, &(count, _, _)) in stored.iter().zip(&specs) {
            let header = batch::validate(batch).unwrap();
            prop_assert_eq!((header.base_offset, header.records_count as usize), (next, count));
            next += count as i64;
        }
        prop_assert_eq!(log.log_end_offset(), next);
        assert_reads_match(&log, &stored);
        if close_first {
            log.close().unwrap();
        } else {
            drop(log);
        }
        // Only a close makes a clean open legitimate.
        let clean = clean && close_first;
        let (mut log, report) = PartitionLog::open(dir.path(), config, clean).unwrap();
        prop_assert_eq!(report.bytes_truncated, 0);
        prop_assert_eq!(report.segments_deleted, 0);
        prop_assert_eq!(log.log_end_offset(), next);
        assert_reads_match(&log, &stored);
        let info = log.append(&mut batches[0].clone(), 3, T0).unwrap();
        prop_assert_eq!(info.base_offset, next);
    }
}

/// A one-record batch with a key, for compaction.
fn keyed(key: &str, value: &str) -> Vec<u8> {
    let mut builder = kctl_client::protocol::record_batch::BatchBuilder::new(T0, 0);
    builder.append(T0, Some(key.as_bytes()), Some(value.as_bytes()), &[]);
    let mut out = BytesMut::new();
    builder.encode(&mut out, &Default::default()).unwrap();
    out.to_vec()
}

fn compacted_config() -> LogConfig {
    LogConfig {
        cleanup_policy: broker_lite::log::CleanupPolicy::parse("compact").unwrap(),
        ..small_config(200)
    }
}

/// Keys and values of every record, following offset gaps.
fn key_values(log: &PartitionLog) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    let mut offset = log.log_start_offset();
    while offset < log.log_end_offset() {
        let bytes = log.read(offset, 1 << 20).unwrap().read_bytes().unwrap();
        if bytes.is_empty() {
            break;
        }
        for b in kctl_client::protocol::record_batch::decode_batches(&bytes).unwrap() {
            for r in b.records {
                if r.offset >= offset {
                    out.push((
                        r.offset,
                        String::from_utf8(r.value.unwrap().to_vec()).unwrap(),
                    ));
                    offset = r.offset + 1;
                }
            }
        }
    }
    out
}

/// Five updates of one key over several segments, then a crash at each
/// point of the cleaner's commit.
fn log_to_compact(dir: &Path) -> PartitionLog {
    let mut log = open(dir, compacted_config(), true);
    for i in 0..5 {
        log.append(&mut keyed("k", &format!("v{i}")), 0, T0)
            .unwrap();
    }
    assert!(log.segment_count() > 2);
    log
}

#[test]
fn a_crash_before_the_swap_keeps_the_old_segments() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = log_to_compact(dir.path());
    let plan = log.plan_cleaning(T0).unwrap();
    // Phase 2 wrote its `.cleaned` files; the process dies before phase 3.
    plan.run(T0).unwrap();
    drop(log);
    assert!(fs::read_dir(dir.path()).unwrap().any(|e| {
        e.unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".log.cleaned")
    }));
    let log = open(dir.path(), compacted_config(), false);
    assert_eq!(key_values(&log).len(), 5, "nothing was committed");
    assert!(!fs::read_dir(dir.path()).unwrap().any(|e| {
        e.unwrap()
            .file_name()
            .to_string_lossy()
            .contains(".cleaned")
    }));
}

#[test]
fn a_crash_after_the_swap_completes_it_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = log_to_compact(dir.path());
    let plan = log.plan_cleaning(T0).unwrap();
    plan.run(T0).unwrap();
    drop(log);
    // The commit point: every `.cleaned` renamed to `.swap` (and the gap
    // marker written), then the crash.
    fs::write(dir.path().join("cleaner-offset-checkpoint"), "0\n4\n").unwrap();
    for entry in fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if let Some(stem) = name.strip_suffix(".log.cleaned") {
            fs::rename(&path, dir.path().join(format!("{stem}.log.swap"))).unwrap();
        }
    }
    let log = open(dir.path(), compacted_config(), false);
    assert_eq!(key_values(&log), vec![(4, "v4".to_owned())]);
    assert_eq!(log.log_end_offset(), 5);
}

#[test]
fn finishing_a_cleaning_keeps_offsets_and_the_active_segment() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = log_to_compact(dir.path());
    log.append(&mut keyed("other", "o"), 0, T0).unwrap();
    let plan = log.plan_cleaning(T0).unwrap();
    let outcome = plan.run(T0);
    let report = log.finish_cleaning(plan, outcome).unwrap();
    assert!(report.records_removed >= 3, "{report:?}");
    assert_eq!(
        key_values(&log),
        vec![(4, "v4".to_owned()), (5, "o".to_owned())]
    );
    assert!(log.plan_cleaning(T0).is_none(), "nothing new to clean");
    let mut next = keyed("k", "v5");
    assert_eq!(log.append(&mut next, 0, T0).unwrap().base_offset, 6);
}
