//! Loading a partition directory, and crash recovery.
//!
//! After a clean shutdown every segment is opened as it stands; its indexes
//! are still checked, and rebuilt if they disagree with the `.log`. After an
//! unclean one, every segment from the one holding the recovery point
//! (everything earlier was fsynced) is scanned batch by batch with full
//! verification: length, CRC-32C, record count, and offsets that follow on
//! from the previous batch. The first batch that fails ends the segment:
//! the file is cut there, and every later segment is deleted, since it was
//! written after bytes that never reached the disk. This is Kafka's
//! `LogLoader.recoverLog`.
//!
//! A log the cleaner has compacted (it leaves `cleaner-offset-checkpoint`)
//! has offset gaps, inside segments and between them; there, offsets need
//! only increase. The cleaner's own leftovers are finished or discarded
//! here: a `.log.cleaned` was never committed and is deleted; a `.log.swap`
//! was, and replaces its `.log` (whose indexes are then rebuilt).

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::os::unix::fs::FileExt;
use std::path::Path;

use kctl_client::protocol::batch::{BatchError, BatchScan};

use super::cleaner::{CLEANED_SUFFIX, SWAP_SUFFIX};
use super::error::LogError;
use super::files::{self, LOG_SUFFIX, OFFSET_INDEX_SUFFIX, TEMP_SUFFIX, TIME_INDEX_SUFFIX};
use super::index::OffsetEntry;
use super::segment::{Segment, SegmentStats, fits_relative};
use super::time_index::TimeEntry;
use super::txn_index::TXN_INDEX_SUFFIX;

/// What opening a partition log found and did; the broker logs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecoveryReport {
    pub clean_shutdown: bool,
    /// Segments in the log once it is open.
    pub segments_loaded: usize,
    /// Segments read batch by batch (and their indexes rebuilt): those at or
    /// after the recovery point after a crash, and any whose indexes failed
    /// their checks.
    pub segments_scanned: usize,
    /// Batches found valid in the scanned segments.
    pub batches_kept: u64,
    /// Bytes cut from the end of a scanned segment.
    pub bytes_truncated: u64,
    /// Whole segments removed because they followed a truncation or did not
    /// continue the offsets of the segment before them.
    pub segments_deleted: usize,
    pub log_start_offset: i64,
    pub log_end_offset: i64,
    /// The producer-state snapshot the open started from (0: none).
    pub producer_snapshot_offset: i64,
    /// Producer batch headers read after that snapshot.
    pub producer_batches_scanned: u64,
}

/// What a verified scan of one segment found.
#[derive(Debug)]
pub(crate) struct ScanOutcome {
    /// Length of the prefix made of valid batches.
    pub valid_bytes: u64,
    pub batches: u64,
    pub stats: SegmentStats,
    pub offset_entries: Vec<OffsetEntry>,
    pub time_entries: Vec<TimeEntry>,
    /// Why the scan stopped before the end of the file, if it did.
    pub stop_reason: Option<String>,
}

/// Segments are read a chunk at a time so recovery memory stays bounded
/// whatever the segment size.
const SCAN_CHUNK_BYTES: u64 = 1 << 20;

/// Verifies the batches of one segment file from its start, and computes the
/// indexes appends would have written for the valid prefix.
pub(crate) fn scan_verified(
    file: &File,
    path: &Path,
    base_offset: i64,
    len_bytes: u64,
    index_interval_bytes: usize,
    allow_gaps: bool,
) -> Result<ScanOutcome, LogError> {
    let mut out = ScanOutcome {
        valid_bytes: 0,
        batches: 0,
        stats: SegmentStats::empty(base_offset),
        offset_entries: Vec::new(),
        time_entries: Vec::new(),
        stop_reason: None,
    };
    let mut buf = Vec::new();
    let mut chunk_bytes = SCAN_CHUNK_BYTES;
    while out.valid_bytes < len_bytes {
        let chunk_start = out.valid_bytes;
        let chunk_len = chunk_bytes.min(len_bytes - chunk_start);
        let reaches_end = chunk_start + chunk_len == len_bytes;
        buf.resize(chunk_len as usize, 0);
        file.read_exact_at(&mut buf, chunk_start)
            .map_err(LogError::io("read", path))?;
        chunk_bytes = SCAN_CHUNK_BYTES;
        for item in BatchScan::verified(&buf) {
            let found = match item {
                Ok(found) => found,
                // The chunk cut this batch short, not the file: read again
                // from the batch with a chunk that holds it whole.
                Err(BatchError::Truncated { needed_bytes, .. })
                    if !reaches_end && out.valid_bytes + needed_bytes as u64 <= len_bytes =>
                {
                    chunk_bytes = SCAN_CHUNK_BYTES.max(needed_bytes as u64);
                    break;
                }
                Err(err) => {
                    out.stop_reason = Some(format!("batch at {}: {err}", out.valid_bytes));
                    return Ok(out);
                }
            };
            let position = chunk_start + found.position as u64;
            let header = found.header;
            let batch_end = position + found.bytes.len() as u64;
            let misplaced = if allow_gaps {
                header.base_offset < out.stats.next_offset
            } else {
                header.base_offset != out.stats.next_offset
            };
            let reason = if misplaced {
                Some(format!(
                    "batch at {position} starts at offset {}, expected {}",
                    header.base_offset, out.stats.next_offset
                ))
            } else if !fits_relative(base_offset, header.last_offset()) {
                Some(format!(
                    "batch at {position} ends past the segment's offset range"
                ))
            } else if batch_end > u64::from(u32::MAX) {
                Some(format!(
                    "batch at {position} ends past what u32 index positions address"
                ))
            } else {
                None
            };
            if reason.is_some() {
                out.stop_reason = reason;
                return Ok(out);
            }
            let (offset_entry, time_entry) = out.stats.observe(
                base_offset,
                position,
                &header,
                index_interval_bytes,
                &out.time_entries,
            );
            out.offset_entries.extend(offset_entry);
            out.time_entries.extend(time_entry);
            out.batches += 1;
            out.valid_bytes = batch_end;
        }
    }
    Ok(out)
}

/// Opens every segment in `dir`, recovering as described in the module
/// docs, and returns them in offset order (possibly none).
pub(crate) fn load_segments(
    dir: &Path,
    index_interval_bytes: usize,
    clean_shutdown: bool,
    recovery_point: Option<i64>,
    now_ms: i64,
    allow_gaps: bool,
    report: &mut RecoveryReport,
) -> Result<Vec<Segment>, LogError> {
    let bases = list_segments(dir)?;
    let first_scanned = if clean_shutdown {
        bases.len()
    } else {
        let recovery_point = recovery_point.unwrap_or(0);
        bases
            .partition_point(|&base| base <= recovery_point)
            .saturating_sub(1)
    };
    let mut segments: Vec<Segment> = Vec::with_capacity(bases.len());
    for (i, &base) in bases.iter().enumerate() {
        if let Some(expected) = segments.last().map(Segment::next_offset)
            && (base < expected || (base != expected && !allow_gaps))
        {
            tracing::warn!(
                dir = %dir.display(),
                expected,
                found = base,
                "segment does not continue the offsets before it; deleting it and every later segment"
            );
            report.segments_deleted += delete_segments(dir, &bases[i..])?;
            break;
        }
        let trusted = if i < first_scanned {
            match Segment::open_trusted(dir, base, now_ms, allow_gaps)? {
                Ok(segment) => Some(segment),
                Err(reason) => {
                    tracing::warn!(dir = %dir.display(), base_offset = base, reason, "segment failed its checks; recovering it");
                    None
                }
            }
        } else {
            None
        };
        let segment = match trusted {
            Some(segment) => segment,
            None => {
                let (segment, recovered) =
                    Segment::recover(dir, base, index_interval_bytes, now_ms, allow_gaps)?;
                report.segments_scanned += 1;
                report.batches_kept += recovered.batches_kept;
                report.bytes_truncated += recovered.bytes_truncated;
                if recovered.bytes_truncated > 0 && i + 1 < bases.len() {
                    tracing::warn!(
                        dir = %dir.display(),
                        segments = bases.len() - i - 1,
                        "deleting the segments after a truncated one"
                    );
                    segments.push(segment);
                    report.segments_deleted += delete_segments(dir, &bases[i + 1..])?;
                    break;
                }
                segment
            }
        };
        segments.push(segment);
    }
    Ok(segments)
}

/// Base offsets of the segments in `dir`. Also clears what a crash can leave
/// behind: temp files of atomic writes, and indexes whose `.log` is gone
/// (a deletion that stopped half way).
fn list_segments(dir: &Path) -> Result<Vec<i64>, LogError> {
    let mut bases = BTreeSet::new();
    let mut indexes = Vec::new();
    for entry in fs::read_dir(dir).map_err(LogError::io("list", dir))? {
        let entry = entry.map_err(LogError::io("list", dir))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.ends_with(&format!(".{TEMP_SUFFIX}")) {
            remove_file(&entry.path())?;
            continue;
        }
        match files::parse_segment_file_name(name) {
            Some((_, CLEANED_SUFFIX)) => {
                tracing::warn!(path = %entry.path().display(), "removing an unfinished compaction output");
                remove_file(&entry.path())?;
            }
            Some((base, SWAP_SUFFIX)) => {
                tracing::warn!(path = %entry.path().display(), "finishing an interrupted compaction swap");
                // The old indexes describe the old file: drop them first so
                // the segment is rebuilt whatever happens next.
                for suffix in [OFFSET_INDEX_SUFFIX, TIME_INDEX_SUFFIX] {
                    remove_file(&files::segment_file(dir, base, suffix))?;
                }
                let log = files::segment_file(dir, base, LOG_SUFFIX);
                fs::rename(entry.path(), &log).map_err(LogError::io("rename into place", &log))?;
                files::sync_dir(dir)?;
                bases.insert(base);
            }
            Some((base, LOG_SUFFIX)) => {
                bases.insert(base);
            }
            Some((base, OFFSET_INDEX_SUFFIX | TIME_INDEX_SUFFIX | TXN_INDEX_SUFFIX)) => {
                indexes.push((base, entry.path()))
            }
            _ => {}
        }
    }
    for (base, path) in indexes {
        if !bases.contains(&base) {
            tracing::warn!(path = %path.display(), "removing an index whose segment is gone");
            remove_file(&path)?;
        }
    }
    Ok(bases.into_iter().collect())
}

/// Deletes segments newest first, so a crash part way leaves a log that
/// still ends cleanly.
fn delete_segments(dir: &Path, bases: &[i64]) -> Result<usize, LogError> {
    for &base in bases.iter().rev() {
        for suffix in [
            LOG_SUFFIX,
            OFFSET_INDEX_SUFFIX,
            TIME_INDEX_SUFFIX,
            TXN_INDEX_SUFFIX,
        ] {
            remove_file(&files::segment_file(dir, base, suffix))?;
        }
    }
    Ok(bases.len())
}

fn remove_file(path: &Path) -> Result<(), LogError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(LogError::Io {
            op: "delete",
            path: path.to_path_buf(),
            source,
        }),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use bytes::{Bytes, BytesMut};
    use kctl_client::protocol::batch::set_base_offset;
    use kctl_client::protocol::records::{
        Compression, Record, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
    };

    /// A one-record batch of about `value_bytes`, placed at `base_offset`.
    pub(crate) fn batch_at(base_offset: i64, value_bytes: usize) -> Vec<u8> {
        let record = Record {
            transactional: false,
            control: false,
            delete_horizon: false,
            partition_leader_epoch: -1,
            producer_id: -1,
            producer_epoch: -1,
            timestamp_type: TimestampType::Creation,
            offset: 0,
            sequence: -1,
            timestamp: 1_700_000_000_000 + base_offset,
            key: None,
            value: Some(Bytes::from(vec![7u8; value_bytes])),
            headers: Default::default(),
        };
        let mut out = BytesMut::new();
        let options = RecordEncodeOptions {
            version: 2,
            compression: Compression::None,
        };
        RecordBatchEncoder::encode(&mut out, [&record], &options).unwrap();
        let mut bytes = out.to_vec();
        set_base_offset(&mut bytes, base_offset);
        bytes
    }

    fn scan(bytes: &[u8]) -> ScanOutcome {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("segment");
        fs::write(&path, bytes).unwrap();
        let file = File::open(&path).unwrap();
        scan_verified(&file, &path, 100, bytes.len() as u64, 4096, false).unwrap()
    }

    #[test]
    fn batches_across_and_beyond_the_scan_chunk_are_kept() {
        // Small batches up to just before the 1 MiB chunk boundary, one that
        // straddles it, and one larger than a whole chunk.
        let mut log = Vec::new();
        let mut offset = 100;
        while log.len() < SCAN_CHUNK_BYTES as usize - 5_000 {
            log.extend(batch_at(offset, 10_000));
            offset += 1;
        }
        log.extend(batch_at(offset, 20_000));
        log.extend(batch_at(offset + 1, 3 << 20));
        log.extend(batch_at(offset + 2, 10));
        let out = scan(&log);
        assert_eq!(out.stop_reason, None);
        assert_eq!(out.valid_bytes, log.len() as u64);
        assert_eq!(out.stats.next_offset, offset + 3);
        assert!(!out.offset_entries.is_empty());
        // Torn inside the big batch: everything before it stays.
        let big_start =
            log.len() - batch_at(offset + 2, 10).len() - batch_at(offset + 1, 3 << 20).len();
        let out = scan(&log[..big_start + 2_000_000]);
        assert_eq!(out.valid_bytes, big_start as u64);
        assert!(out.stop_reason.is_some());
    }

    #[test]
    fn a_valid_batch_at_the_wrong_offset_ends_the_scan() {
        let mut log = batch_at(100, 10);
        let first = log.len() as u64;
        // baseOffset is outside the CRC: only the offset check can catch a
        // batch that is intact but stale or misplaced.
        log.extend(batch_at(105, 10));
        let out = scan(&log);
        assert_eq!(
            (out.valid_bytes, out.batches, out.stats.next_offset),
            (first, 1, 101)
        );
        assert!(out.stop_reason.unwrap().contains("expected 101"));
    }
}
