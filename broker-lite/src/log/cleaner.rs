//! Log compaction for `cleanup.policy=compact`: Kafka's log cleaner, for
//! one partition at a time.
//!
//! A pass has three phases so the partition lock is never held while
//! records are decoded:
//!
//! 1. [`PartitionLog::plan_cleaning`] (under the lock) names the closed
//!    segments to rewrite and the bytes to read for keys. Closed segments
//!    never change, and the active segment only grows, so the plan stays
//!    valid without the lock.
//! 2. [`CleaningPlan::run`] (no lock) builds key → newest offset over the
//!    closed segments *and* the active segment written so far, then writes
//!    each closed segment's survivors to `{base}.log.cleaned`. The active
//!    segment is only read, never rewritten.
//! 3. [`PartitionLog::finish_cleaning`] (under the lock) checks nothing it
//!    planned on went away (retention, DeleteRecords), then commits: every
//!    `.cleaned` is renamed to `.swap`, and each `.swap` replaces its `.log`
//!    (old indexes removed first), after which the segment is rescanned to
//!    rebuild its indexes. Recovery deletes `.cleaned` leftovers and
//!    completes `.swap` ones, so a crash at any point leaves either the old
//!    segment or the new one.
//!
//! What survives: the newest record of each key, where a record of an
//! aborted transaction never counts (it goes, and the older record of its
//! key stays); markers are kept. A tombstone (null value)
//! that is the newest for its key survives its first cleaning; its batch is
//! marked with a delete horizon (attribute bit 6, baseTimestamp = now +
//! `delete.retention.ms`, as Kafka's KIP-534) and a pass after the horizon
//! drops it, so consumers have `delete.retention.ms` to see the delete.
//! Keyless records, which a compacted topic refuses on produce but a topic
//! switched from `delete` may hold, are dropped as Kafka's cleaner does.
//! Segments whose newest record is younger than `min.compaction.lag.ms` and
//! every segment after them are not rewritten.
//!
//! Offsets never change: surviving records keep theirs, leaving gaps. A
//! batch kept whole is copied byte for byte; otherwise each run of
//! consecutive surviving offsets becomes one batch, re-encoded with the
//! original compression, timestamp type, leader epoch and producer id and
//! epoch, with the base sequence of its first record — so every batch still
//! has recordsCount = lastOffsetDelta + 1, which is what the log's scans
//! verify. Segments keep their base offsets (one output per input), so the
//! log start offset never moves.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use kctl_client::protocol::batch::{self, BatchHeader};
use kctl_client::protocol::control::{self, MarkerType};
use kctl_client::protocol::record_batch::{self, BatchBuilder, BatchParams, DecodedRecord};
use kctl_client::protocol::records::TimestampType;

use super::error::LogError;
use super::files::{self, LOG_SUFFIX, OFFSET_INDEX_SUFFIX, TIME_INDEX_SUFFIX};
use super::producer_state::increment_sequence;
use super::segment::{HeaderWalk, Segment};
use super::{PartitionLog, wall_clock_ms};

pub(crate) const CLEANED_SUFFIX: &str = "log.cleaned";
pub(crate) const SWAP_SUFFIX: &str = "log.swap";
/// Written before the first swap; its presence tells recovery the log may
/// have offset gaps. Holds the active segment's base offset at the last
/// cleaning.
pub(crate) const CLEANER_CHECKPOINT: &str = "cleaner-offset-checkpoint";

// Header fields the re-encoder patches (see `protocol::batch`).
const CRC_AT: usize = 17;
const ATTRIBUTES_AT: usize = 21;
const MAX_TIMESTAMP_AT: usize = 35;
const TIMESTAMP_TYPE_BIT: i16 = 0x08;
const DELETE_HORIZON_BIT: i16 = 0x40;

/// What one cleaning pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CleanerReport {
    pub logs_cleaned: usize,
    pub segments_cleaned: usize,
    pub records_kept: u64,
    pub records_removed: u64,
    pub tombstones_removed: u64,
    pub bytes_before: u64,
    pub bytes_after: u64,
}

impl CleanerReport {
    pub fn add(&mut self, other: &CleanerReport) {
        self.logs_cleaned += other.logs_cleaned;
        self.segments_cleaned += other.segments_cleaned;
        self.records_kept += other.records_kept;
        self.records_removed += other.records_removed;
        self.tombstones_removed += other.tombstones_removed;
        self.bytes_before += other.bytes_before;
        self.bytes_after += other.bytes_after;
    }
}

/// What the log remembers between passes.
#[derive(Debug, Clone, Default)]
pub(crate) struct CleanerProgress {
    pub allow_gaps: bool,
    /// A pass is between plan and finish.
    pub in_progress: bool,
    /// The active segment's base offset at the last finished pass: until the
    /// log rolls again there is nothing new to compact.
    pub cleaned_active_base: Option<i64>,
    /// When a kept tombstone's horizon passes, or a segment leaves the
    /// min.compaction.lag.ms window: a reason to clean before the next roll.
    pub next_due_ms: Option<i64>,
}

/// One segment file as the plan saw it.
#[derive(Debug, Clone)]
struct PlannedSegment {
    base_offset: i64,
    file: Arc<File>,
    path: Arc<Path>,
    size_bytes: u64,
}

impl PlannedSegment {
    fn of(segment: &Segment) -> Self {
        Self {
            base_offset: segment.base_offset(),
            file: Arc::clone(segment.log_file()),
            path: Arc::clone(segment.log_path()),
            size_bytes: segment.size_bytes(),
        }
    }

    /// Each batch: its header and bytes.
    fn batches(&self) -> impl Iterator<Item = Result<(BatchHeader, Bytes), LogError>> + '_ {
        HeaderWalk::new(&self.file, &self.path, 0, self.size_bytes).map(|step| {
            let (position, header) = step?;
            let mut bytes = vec![0u8; header.total_bytes()];
            self.file
                .read_exact_at(&mut bytes, position)
                .map_err(LogError::io("read", &self.path))?;
            Ok((header, Bytes::from(bytes)))
        })
    }
}

/// Phase 1's output: see the module docs.
#[derive(Debug)]
pub struct CleaningPlan {
    dir: PathBuf,
    /// Rewritten, oldest first.
    clean: Vec<PlannedSegment>,
    /// Read for keys only: segments inside min.compaction.lag.ms and the
    /// active segment.
    read_only: Vec<PlannedSegment>,
    active_base_offset: i64,
    delete_retention_ms: i64,
    /// When the first lag-protected segment becomes cleanable.
    lag_due_ms: Option<i64>,
}

/// Phase 2's output.
#[derive(Debug)]
pub struct Cleaned {
    outputs: Vec<(i64, PathBuf)>,
    report: CleanerReport,
    next_tombstone_horizon_ms: Option<i64>,
}

fn decode(
    header: &BatchHeader,
    bytes: &Bytes,
    path: &Path,
) -> Result<Vec<DecodedRecord>, LogError> {
    let mut decoded = record_batch::decode_batches(bytes).map_err(|e| {
        LogError::corrupt(
            path,
            0,
            format!("batch at offset {}: {e}", header.base_offset),
        )
    })?;
    Ok(decoded.pop().map(|b| b.records).unwrap_or_default())
}

impl CleaningPlan {
    /// Phase 2: reads and writes files, holding no lock.
    pub fn run(&self, now_ms: i64) -> Result<Cleaned, LogError> {
        let newest = self.newest_offsets()?;
        let mut cleaned = Cleaned {
            outputs: Vec::with_capacity(self.clean.len()),
            report: CleanerReport::default(),
            next_tombstone_horizon_ms: None,
        };
        for segment in &self.clean {
            let path = files::segment_file(&self.dir, segment.base_offset, CLEANED_SUFFIX);
            let written = self.rewrite(segment, &path, &newest, now_ms, &mut cleaned);
            if let Err(e) = written {
                discard(&path);
                for (_, done) in &cleaned.outputs {
                    discard(done);
                }
                return Err(e);
            }
            cleaned.outputs.push((segment.base_offset, path));
        }
        cleaned.report.segments_cleaned = cleaned.outputs.len();
        cleaned.report.logs_cleaned = usize::from(!cleaned.outputs.is_empty());
        Ok(cleaned)
    }

    /// Key → offset of its newest record, over everything planned. A
    /// record of an aborted transaction is never the newest of its key
    /// (Kafka's cleaner builds its offset map without aborted
    /// transactions), so it goes and the record it would have shadowed
    /// stays: otherwise compacting `__consumer_offsets` could replace a
    /// committed offset with an aborted transactional one. A transaction
    /// whose marker is not in the scanned segments counts as committed.
    fn newest_offsets(&self) -> Result<HashMap<Bytes, i64>, LogError> {
        let mut newest: HashMap<Bytes, i64> = HashMap::new();
        let keep = |newest: &mut HashMap<Bytes, i64>, key: Bytes, offset: i64| {
            let at = newest.entry(key).or_insert(offset);
            *at = (*at).max(offset);
        };
        // Keyed records of transactions not decided yet, by producer id.
        let mut open: HashMap<i64, Vec<(Bytes, i64)>> = HashMap::new();
        for segment in self.clean.iter().chain(&self.read_only) {
            for item in segment.batches() {
                let (header, bytes) = item?;
                if header.is_control() {
                    let decided = open.remove(&header.producer_id).unwrap_or_default();
                    if control::marker_type(&header, &bytes) != Some(MarkerType::Abort) {
                        for (key, offset) in decided {
                            keep(&mut newest, key, offset);
                        }
                    }
                    continue;
                }
                for record in decode(&header, &bytes, &segment.path)? {
                    let Some(key) = record.key else { continue };
                    if header.is_transactional() {
                        open.entry(header.producer_id)
                            .or_default()
                            .push((key, record.offset));
                    } else {
                        keep(&mut newest, key, record.offset);
                    }
                }
            }
        }
        for (key, offset) in open.into_values().flatten() {
            keep(&mut newest, key, offset);
        }
        Ok(newest)
    }

    fn rewrite(
        &self,
        segment: &PlannedSegment,
        out_path: &Path,
        newest: &HashMap<Bytes, i64>,
        now_ms: i64,
        cleaned: &mut Cleaned,
    ) -> Result<(), LogError> {
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(out_path)
            .map_err(LogError::io("create", out_path))?;
        let mut out = BufWriter::new(file);
        let mut written_bytes = 0u64;
        for item in segment.batches() {
            let (header, bytes) = item?;
            if header.is_control() {
                out.write_all(&bytes)
                    .map_err(LogError::io("write", out_path))?;
                written_bytes += bytes.len() as u64;
                continue;
            }
            let horizon_ms =
                (header.attributes & DELETE_HORIZON_BIT != 0).then_some(header.base_timestamp);
            let records = decode(&header, &bytes, &segment.path)?;
            let total = records.len();
            let mut kept = Vec::with_capacity(total);
            for record in records {
                let Some(key) = &record.key else {
                    continue;
                };
                if newest.get(key) != Some(&record.offset) {
                    continue;
                }
                if record.value.is_none() && horizon_ms.is_some_and(|h| now_ms >= h) {
                    cleaned.report.tombstones_removed += 1;
                    continue;
                }
                kept.push(record);
            }
            cleaned.report.records_kept += kept.len() as u64;
            cleaned.report.records_removed += (total - kept.len()) as u64;
            let tombstones_kept = kept.iter().any(|r| r.value.is_none());
            if tombstones_kept {
                let horizon = horizon_ms.unwrap_or(now_ms.saturating_add(self.delete_retention_ms));
                cleaned.next_tombstone_horizon_ms = Some(
                    cleaned
                        .next_tombstone_horizon_ms
                        .map_or(horizon, |h: i64| h.min(horizon)),
                );
            }
            if kept.len() == total && (horizon_ms.is_some() || !tombstones_kept) {
                out.write_all(&bytes)
                    .map_err(LogError::io("write", out_path))?;
                written_bytes += bytes.len() as u64;
                continue;
            }
            let horizon = tombstones_kept
                .then(|| horizon_ms.unwrap_or(now_ms.saturating_add(self.delete_retention_ms)));
            for run in runs(&kept) {
                let encoded = reencode(&header, run, horizon)
                    .map_err(|e| LogError::corrupt(&segment.path, 0, e))?;
                out.write_all(&encoded)
                    .map_err(LogError::io("write", out_path))?;
                written_bytes += encoded.len() as u64;
            }
        }
        let file = out
            .into_inner()
            .map_err(|e| LogError::io("write", out_path)(e.into_error()))?;
        file.sync_all().map_err(LogError::io("fsync", out_path))?;
        cleaned.report.bytes_before += segment.size_bytes;
        cleaned.report.bytes_after += written_bytes;
        Ok(())
    }
}

/// Splits records (in offset order) into runs of consecutive offsets.
fn runs(records: &[DecodedRecord]) -> impl Iterator<Item = &[DecodedRecord]> {
    records.chunk_by(|a, b| b.offset == a.offset + 1)
}

/// One batch holding `run`, with the original batch's metadata. With a
/// delete horizon, the base timestamp is the horizon and record timestamps
/// are stored relative to it (KIP-534), so each record's timestamp is
/// unchanged.
fn reencode(
    original: &BatchHeader,
    run: &[DecodedRecord],
    horizon_ms: Option<i64>,
) -> Result<BytesMut, String> {
    let first = &run[0];
    let base_timestamp_ms = horizon_ms.unwrap_or(first.timestamp_ms);
    let mut builder = BatchBuilder::new(base_timestamp_ms, 0);
    let mut max_timestamp_ms = i64::MIN;
    for record in run {
        let headers: Vec<(&[u8], Option<&[u8]>)> = record
            .headers
            .iter()
            .map(|(k, v)| (&k[..], v.as_deref()))
            .collect();
        builder.append(
            record.timestamp_ms,
            record.key.as_deref(),
            record.value.as_deref(),
            &headers,
        );
        max_timestamp_ms = max_timestamp_ms.max(record.timestamp_ms);
    }
    let base_sequence = if original.has_producer_id() {
        let skipped =
            i32::try_from(first.offset - original.base_offset).map_err(|e| e.to_string())?;
        increment_sequence(original.base_sequence, skipped)
    } else {
        -1
    };
    let params = BatchParams {
        compression: original.compression().map_err(|e| e.to_string())?,
        producer_id: original.producer_id,
        producer_epoch: original.producer_epoch,
        base_sequence,
        transactional: original.is_transactional(),
    };
    let mut out = BytesMut::new();
    builder
        .encode(&mut out, &params)
        .map_err(|e| e.to_string())?;
    batch::set_base_offset(&mut out, first.offset);
    batch::set_partition_leader_epoch(&mut out, original.partition_leader_epoch);
    let mut attributes = i16::from_be_bytes([out[ATTRIBUTES_AT], out[ATTRIBUTES_AT + 1]]);
    if original.timestamp_type() == TimestampType::LogAppend {
        // Every record of a LogAppendTime batch reads as its max timestamp.
        attributes |= TIMESTAMP_TYPE_BIT;
        max_timestamp_ms = original.max_timestamp;
    }
    if horizon_ms.is_some() {
        attributes |= DELETE_HORIZON_BIT;
    }
    out[ATTRIBUTES_AT..ATTRIBUTES_AT + 2].copy_from_slice(&attributes.to_be_bytes());
    out[MAX_TIMESTAMP_AT..MAX_TIMESTAMP_AT + 8].copy_from_slice(&max_timestamp_ms.to_be_bytes());
    let crc = batch::compute_crc(&out);
    out[CRC_AT..CRC_AT + 4].copy_from_slice(&crc.to_be_bytes());
    Ok(out)
}

fn discard(path: &Path) {
    if let Err(e) = std::fs::remove_file(path)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(path = %path.display(), "cannot remove compaction output: {e}");
    }
}

impl PartitionLog {
    /// Phase 1: `None` unless the log is compacted, no pass is running, and
    /// there is something to do (a roll since the last pass, or a tombstone
    /// horizon or compaction lag that has passed).
    pub fn plan_cleaning(&mut self, now_ms: i64) -> Option<CleaningPlan> {
        if !self.config.cleanup_policy.compact || self.cleaner.in_progress {
            return None;
        }
        let active_base = self.active().base_offset();
        let due = self.cleaner.next_due_ms.is_some_and(|t| now_ms >= t);
        if self.cleaner.cleaned_active_base == Some(active_base) && !due {
            return None;
        }
        let closed: Vec<&Segment> = self
            .segments
            .values()
            .take(self.segments.len() - 1)
            .collect();
        let lag_ms = self.config.min_compaction_lag_ms;
        let protected_from = closed
            .iter()
            .position(|s| lag_ms > 0 && now_ms.saturating_sub(s.max_timestamp_ms()) < lag_ms)
            .unwrap_or(closed.len());
        if protected_from == 0 {
            return None;
        }
        let lag_due_ms = closed
            .get(protected_from)
            .map(|s| s.max_timestamp_ms().saturating_add(lag_ms));
        let plan = CleaningPlan {
            dir: self.dir.clone(),
            clean: closed[..protected_from]
                .iter()
                .map(|s| PlannedSegment::of(s))
                .collect(),
            read_only: closed[protected_from..]
                .iter()
                .copied()
                .chain([self.active()])
                .map(PlannedSegment::of)
                .collect(),
            active_base_offset: active_base,
            delete_retention_ms: self.config.delete_retention_ms,
            lag_due_ms,
        };
        self.cleaner.in_progress = true;
        Some(plan)
    }

    /// Phase 3: swaps the cleaned segments in, or discards them if the log
    /// changed under the plan or phase 2 failed.
    pub fn finish_cleaning(
        &mut self,
        plan: CleaningPlan,
        outcome: Result<Cleaned, LogError>,
    ) -> Result<CleanerReport, LogError> {
        self.cleaner.in_progress = false;
        let cleaned = outcome?;
        let unchanged = plan.clean.iter().all(|planned| {
            planned.base_offset < self.active().base_offset()
                && self
                    .segments
                    .get(&planned.base_offset)
                    .is_some_and(|s| Arc::ptr_eq(s.log_file(), &planned.file))
        });
        if !unchanged {
            tracing::info!(dir = %self.dir.display(), "segments changed during cleaning; discarding this pass");
            for (_, path) in &cleaned.outputs {
                discard(path);
            }
            return Ok(CleanerReport::default());
        }
        files::write_checkpoint(&self.dir, CLEANER_CHECKPOINT, plan.active_base_offset)?;
        self.cleaner.allow_gaps = true;
        for (base, cleaned_path) in &cleaned.outputs {
            let swap = files::segment_file(&self.dir, *base, SWAP_SUFFIX);
            std::fs::rename(cleaned_path, &swap).map_err(LogError::io("rename", &swap))?;
        }
        files::sync_dir(&self.dir)?;
        let now = wall_clock_ms();
        for (base, _) in &cleaned.outputs {
            for suffix in [OFFSET_INDEX_SUFFIX, TIME_INDEX_SUFFIX] {
                let index = files::segment_file(&self.dir, *base, suffix);
                match std::fs::remove_file(&index) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        return Err(LogError::io("delete", &index)(e));
                    }
                    _ => {}
                }
            }
            let swap = files::segment_file(&self.dir, *base, SWAP_SUFFIX);
            let log = files::segment_file(&self.dir, *base, LOG_SUFFIX);
            std::fs::rename(&swap, &log).map_err(LogError::io("rename into place", &log))?;
            let (segment, _) = Segment::recover(
                &self.dir,
                *base,
                self.config.index_interval_bytes,
                now,
                true,
            )?;
            self.segments.insert(*base, segment);
        }
        files::sync_dir(&self.dir)?;
        self.cleaner.cleaned_active_base = Some(plan.active_base_offset);
        self.cleaner.next_due_ms = match (cleaned.next_tombstone_horizon_ms, plan.lag_due_ms) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if cleaned.report.segments_cleaned > 0 {
            tracing::info!(
                dir = %self.dir.display(),
                segments = cleaned.report.segments_cleaned,
                kept = cleaned.report.records_kept,
                removed = cleaned.report.records_removed,
                tombstones_removed = cleaned.report.tombstones_removed,
                "compacted"
            );
        }
        Ok(cleaned.report)
    }
}
