//! The on-disk log of one partition, in Kafka's layout.
//!
//! A partition directory holds segments named by their 20-digit base offset:
//! `.log` (record batches exactly as produced, offsets patched), `.index`
//! (sparse offset → position) and `.timeindex` (sparse timestamp → offset),
//! plus two checkpoints written atomically: the log start offset (moved by
//! DeleteRecords) and the recovery point (the offset below which everything
//! is known to be fsynced).
//!
//! # Layout
//!
//! - [`config`]: [`LogConfig`] and [`FlushPolicy`];
//! - `segment`: one `.log` with its indexes — append, locate, read extents;
//! - `index`, `time_index`: the sparse indexes, derived data rebuilt from
//!   the `.log` whenever they cannot be trusted;
//! - `recovery`: opening a directory, and crash recovery;
//! - [`producer_state`]: idempotent producers' sequences, checked before
//!   each append and snapshotted on roll and close;
//! - [`txn_index`]: aborted transactions (`.txnindex`), for read_committed
//!   fetches; the last stable offset comes from the producer state;
//! - `retention`: which old segments go;
//! - `cleaner`: compaction of `cleanup.policy=compact` logs;
//! - `files`: names, atomic writes, checkpoints.
//!
//! # Ownership
//!
//! A [`PartitionLog`] has a single owner (the broker keeps it in a
//! `std::sync::Mutex`). [`PartitionLog::read`] returns a [`ReadResult`] that
//! names bytes in a segment file without copying them, so the copy (or a
//! `sendfile`) happens after the lock is released.

mod cleaner;
pub mod config;
mod error;
mod files;
mod index;
pub(crate) mod leader_epochs;
pub mod producer_state;
mod recovery;
mod replica;
mod retention;
mod segment;
mod time_index;
pub mod txn_index;

use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use kctl_client::protocol::batch::{self, HEADER_BYTES};
use kctl_client::protocol::control::{self, MarkerType};

pub use cleaner::{Cleaned, CleanerReport, CleaningPlan};
pub use config::{CleanupPolicy, FlushPolicy, LogConfig};
pub use error::LogError;
/// For [`LogConfig::message_timestamp_type`].
pub use kctl_client::protocol::records::TimestampType;
pub use producer_state::{ProducerStateError, ProducerStateManager};
pub use recovery::RecoveryReport;
pub use retention::RetentionReport;
pub use txn_index::{AbortedTxn, AbortedTxns};

use files::{LOG_START_OFFSET_CHECKPOINT, RECOVERY_POINT_CHECKPOINT};
use leader_epochs::LeaderEpochCache;
use producer_state::{ProducerBatch, SequenceVerdict};
use retention::SegmentSummary;
use segment::{Segment, fits_relative};
use time_index::NO_TIMESTAMP;

/// Where an appended batch landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendInfo {
    pub base_offset: i64,
    pub last_offset: i64,
    /// The broker time stamped on the batch, or -1 unless the topic uses
    /// LogAppendTime (the Produce response field).
    pub log_append_time_ms: i64,
    pub log_start_offset: i64,
    /// The batch was a retry of one already in the log: nothing was written
    /// and the offsets are the original ones.
    pub duplicate: bool,
}

/// The answer to a fetch: a range of one segment file, not yet read, plus the
/// offsets a Fetch response reports alongside it.
#[derive(Debug, Clone)]
pub struct ReadResult {
    pub log_start_offset: i64,
    /// The high watermark (on a single node, the log end offset) when the read
    /// was planned.
    pub log_end_offset: i64,
    slice: Option<FileSlice>,
}

/// Whole batches at `position..position + len_bytes` of a segment file.
/// Those bytes never change once written, and the file handle keeps them
/// readable even if retention deletes the segment meanwhile.
#[derive(Debug, Clone)]
pub struct FileSlice {
    file: Arc<File>,
    path: Arc<Path>,
    position: u64,
    len_bytes: usize,
}

impl FileSlice {
    /// The segment file, for a zero-copy `sendfile` of the range.
    pub fn file(&self) -> &Arc<File> {
        &self.file
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn position(&self) -> u64 {
        self.position
    }

    pub fn len_bytes(&self) -> usize {
        self.len_bytes
    }

    /// Copies the range out of the file (from the page cache, usually).
    pub fn read_bytes(&self) -> Result<Bytes, LogError> {
        let mut bytes = vec![0u8; self.len_bytes];
        self.file
            .read_exact_at(&mut bytes, self.position)
            .map_err(LogError::io("read", &self.path))?;
        Ok(Bytes::from(bytes))
    }
}

impl ReadResult {
    /// `None` for a read at the log end.
    pub fn file_slice(&self) -> Option<&FileSlice> {
        self.slice.as_ref()
    }

    pub fn len_bytes(&self) -> usize {
        self.slice.as_ref().map_or(0, FileSlice::len_bytes)
    }

    pub fn is_empty(&self) -> bool {
        self.len_bytes() == 0
    }

    /// The record batches, copied from the segment file. Call it after
    /// releasing the partition lock.
    pub fn read_bytes(&self) -> Result<Bytes, LogError> {
        self.slice
            .as_ref()
            .map_or(Ok(Bytes::new()), FileSlice::read_bytes)
    }
}

/// The log of one partition. See the module docs.
#[derive(Debug)]
pub struct PartitionLog {
    dir: PathBuf,
    config: LogConfig,
    /// By base offset; the last one is the active segment, and there is
    /// always one.
    segments: BTreeMap<i64, Segment>,
    log_start_offset: i64,
    /// Everything below this offset is fsynced; an unclean open scans from
    /// here.
    recovery_point: i64,
    /// The value last written to the recovery-point checkpoint.
    checkpointed_recovery_point: Option<i64>,
    producers: ProducerStateManager,
    aborted: AbortedTxns,
    cleaner: cleaner::CleanerProgress,
    /// Which leader epoch began where (`leader-epoch-checkpoint`).
    epochs: LeaderEpochCache,
}

impl PartitionLog {
    /// Opens or creates the partition directory. `clean_shutdown` says the
    /// broker found its clean-shutdown marker; without it, the log is
    /// recovered (see the `recovery` module).
    pub fn open(
        dir: &Path,
        config: LogConfig,
        clean_shutdown: bool,
    ) -> Result<(Self, RecoveryReport), LogError> {
        std::fs::create_dir_all(dir).map_err(LogError::io("create directory", dir))?;
        let now_ms = wall_clock_ms();
        let log_start_checkpoint = files::read_checkpoint(dir, LOG_START_OFFSET_CHECKPOINT)?;
        let recovery_point = files::read_checkpoint(dir, RECOVERY_POINT_CHECKPOINT)?;
        // Only a log the cleaner has rewritten may have offset gaps.
        let allow_gaps = dir.join(cleaner::CLEANER_CHECKPOINT).exists();
        let mut report = RecoveryReport {
            clean_shutdown,
            ..RecoveryReport::default()
        };
        let loaded = recovery::load_segments(
            dir,
            config.index_interval_bytes,
            clean_shutdown,
            recovery_point,
            now_ms,
            allow_gaps,
            &mut report,
        )?;
        let mut segments: BTreeMap<i64, Segment> =
            loaded.into_iter().map(|s| (s.base_offset(), s)).collect();
        let first_base = segments.keys().next().copied();
        let log_end_offset = segments
            .values()
            .next_back()
            .map_or(0, Segment::next_offset);
        let mut log_start_offset = log_start_checkpoint
            .unwrap_or(0)
            .max(first_base.unwrap_or(0));
        if log_start_offset > log_end_offset {
            // Records below the persisted log start were deleted and must not
            // come back, but the crash lost the ones above it too: start over,
            // empty, at the log start offset (Kafka's truncateFullyAndStartAt).
            tracing::warn!(
                dir = %dir.display(),
                log_start_offset,
                log_end_offset,
                "log ends before its log start offset; starting an empty log there"
            );
            report.segments_deleted += segments.len();
            for (_, segment) in std::mem::take(&mut segments) {
                segment.delete()?;
            }
        } else if segments.is_empty() {
            log_start_offset = log_start_checkpoint.unwrap_or(0);
        }
        if segments.is_empty() {
            segments.insert(
                log_start_offset,
                Segment::create(dir, log_start_offset, now_ms)?,
            );
        }
        let mut log = Self {
            dir: dir.to_path_buf(),
            config,
            segments,
            log_start_offset,
            recovery_point: 0,
            checkpointed_recovery_point: recovery_point,
            producers: ProducerStateManager::default(),
            aborted: AbortedTxns::default(),
            cleaner: cleaner::CleanerProgress {
                allow_gaps,
                ..Default::default()
            },
            epochs: LeaderEpochCache::default(),
        };
        let (epochs, found) = LeaderEpochCache::load(dir);
        log.epochs = epochs;
        if !found && log.log_end_offset() > log.log_start_offset {
            log.rebuild_leader_epochs()?;
        }
        let bases: Vec<i64> = log.segments.keys().copied().collect();
        log.aborted = AbortedTxns::load(dir, &bases, log.log_end_offset())?;
        log.aborted.drop_below(log.log_start_offset);
        let (snapshot_offset, batches) = log.rebuild_producer_state()?;
        report.producer_snapshot_offset = snapshot_offset;
        report.producer_batches_scanned = batches;
        // Segments below the old recovery point were fsynced before; the rest
        // were just scanned and fsynced by recovery, or closed cleanly.
        log.recovery_point = log.log_end_offset();
        log.checkpoint_recovery_point()?;
        if log_start_checkpoint.is_some_and(|c| c != log.log_start_offset) {
            files::write_checkpoint(dir, LOG_START_OFFSET_CHECKPOINT, log.log_start_offset)?;
        }
        report.segments_loaded = log.segments.len();
        report.log_start_offset = log.log_start_offset;
        report.log_end_offset = log.log_end_offset();
        Ok((log, report))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn config(&self) -> &LogConfig {
        &self.config
    }

    pub fn producer_state(&self) -> &ProducerStateManager {
        &self.producers
    }

    /// Loads the newest producer snapshot and applies the headers of the
    /// batches after it. Returns the snapshot's offset and how many producer
    /// batches were read from the log.
    fn rebuild_producer_state(&mut self) -> Result<(i64, u64), LogError> {
        let (mut state, snapshot_offset) =
            ProducerStateManager::load_snapshot(&self.dir, self.log_end_offset())?;
        let from = snapshot_offset.max(self.log_start_offset);
        let mut batches = 0;
        let mut aborts = Vec::new();
        for segment in self.segments.values().filter(|s| s.next_offset() > from) {
            for step in segment.walk(0) {
                let (position, header) = step?;
                if header.base_offset < from {
                    continue;
                }
                if header.is_control() {
                    let bytes = Bytes::from(segment.read_bytes(position, header.total_bytes())?);
                    let marker = control::decode_marker(&header, &bytes);
                    let first = state.complete_txn(
                        header.producer_id,
                        header.producer_epoch,
                        marker.map_or(-1, |(_, coordinator_epoch)| coordinator_epoch),
                        header.max_timestamp,
                    );
                    if let (Some((MarkerType::Abort, _)), Some(first_offset)) = (marker, first) {
                        aborts.push((
                            segment.base_offset(),
                            AbortedTxn {
                                producer_id: header.producer_id,
                                first_offset,
                                last_offset: header.base_offset,
                                last_stable_offset: state.last_stable_offset(header.next_offset()),
                            },
                        ));
                    }
                    continue;
                }
                // Anything in the log passed these checks when appended; a
                // header that fails them now cannot be a producer batch.
                if let Ok(Some(producer)) = ProducerBatch::from_header(&header) {
                    state.record(&producer, header.base_offset, header.last_offset());
                    batches += 1;
                }
            }
        }
        self.producers = state;
        for (segment_base, aborted) in aborts {
            self.aborted.add(&self.dir, segment_base, aborted, false)?;
        }
        Ok((snapshot_offset, batches))
    }

    #[allow(
        clippy::expect_used,
        reason = "open and every roll leave at least one segment"
    )]
    fn active(&self) -> &Segment {
        self.segments
            .values()
            .next_back()
            .expect("a log always has an active segment")
    }

    #[allow(
        clippy::expect_used,
        reason = "open and every roll leave at least one segment"
    )]
    fn active_mut(&mut self) -> &mut Segment {
        self.segments
            .values_mut()
            .next_back()
            .expect("a log always has an active segment")
    }

    /// Takes one batch exactly as a producer sent it, assigns its offsets by
    /// patching baseOffset and partitionLeaderEpoch in place (and the
    /// timestamp, for LogAppendTime), and writes it. Never decodes records.
    pub fn append(
        &mut self,
        batch: &mut [u8],
        leader_epoch: i32,
        now_ms: i64,
    ) -> Result<AppendInfo, LogError> {
        let (info, stored_header) = self.append_unpatched(batch, leader_epoch, now_ms)?;
        if let Some(stored_header) = stored_header {
            batch[..HEADER_BYTES].copy_from_slice(&stored_header);
        }
        Ok(info)
    }

    /// [`PartitionLog::append`] of a batch it may not modify (a slice of a
    /// shared request buffer): only a copy of its 61-byte header is patched,
    /// and that header and the untouched record bytes go to the segment in
    /// one vectored write. This is the Produce path: the record bytes are
    /// never copied between the socket read and the page cache.
    pub fn append_shared(
        &mut self,
        batch: &[u8],
        leader_epoch: i32,
        now_ms: i64,
    ) -> Result<AppendInfo, LogError> {
        self.append_unpatched(batch, leader_epoch, now_ms)
            .map(|(info, _)| info)
    }

    /// The append itself; returns the header as stored (`None` for a
    /// duplicate, which is not written).
    fn append_unpatched(
        &mut self,
        batch: &[u8],
        leader_epoch: i32,
        now_ms: i64,
    ) -> Result<(AppendInfo, Option<[u8; HEADER_BYTES]>), LogError> {
        if batch.len() > self.config.max_message_bytes {
            return Err(LogError::MessageTooLarge {
                batch_bytes: batch.len(),
                max_message_bytes: self.config.max_message_bytes,
            });
        }
        if batch.len() as u64 > self.config.effective_segment_bytes() {
            return Err(LogError::BatchLargerThanSegment {
                batch_bytes: batch.len(),
                segment_bytes: self.config.effective_segment_bytes(),
            });
        }
        // Checked again although the caller validated it: recovery throws
        // away everything from the first batch that fails this, so storing
        // one would silently lose every acknowledged batch after it.
        let header = batch::validate(batch)?;
        let producer = ProducerBatch::from_header(&header)?;
        if let Some(producer) = &producer
            && let SequenceVerdict::Duplicate(original) = self.producers.check(producer)?
        {
            let info = AppendInfo {
                base_offset: original.first_offset,
                last_offset: original.last_offset,
                log_append_time_ms: NO_TIMESTAMP,
                log_start_offset: self.log_start_offset,
                duplicate: true,
            };
            return Ok((info, None));
        }
        let base_offset = self.log_end_offset();
        let last_offset = base_offset
            .checked_add(i64::from(header.last_offset_delta))
            .filter(|last| *last < i64::MAX)
            .ok_or(LogError::OffsetOverflow {
                log_end_offset: base_offset,
                records_count: header.records_count,
            })?;
        let log_append_time = self.config.message_timestamp_type == TimestampType::LogAppend;
        let batch_timestamp_ms = if log_append_time {
            now_ms
        } else {
            header.max_timestamp
        };
        if self.should_roll(batch.len(), last_offset, batch_timestamp_ms, now_ms) {
            self.roll(now_ms)?;
        }
        // `validate` checked the batch is at least a header long.
        let (head, tail) = batch.split_at(HEADER_BYTES);
        let mut stored_header = [0u8; HEADER_BYTES];
        stored_header.copy_from_slice(head);
        batch::set_base_offset(&mut stored_header, base_offset);
        batch::set_partition_leader_epoch(&mut stored_header, leader_epoch);
        if log_append_time {
            batch::set_log_append_time_split(&mut stored_header, tail, now_ms);
        }
        let index_interval_bytes = self.config.index_interval_bytes;
        let active = self.active_mut();
        active.append_split(&stored_header, tail, index_interval_bytes)?;
        if self.config.flush == FlushPolicy::EveryBatch {
            self.active().sync_log()?;
        }
        if let Some(producer) = &producer {
            self.producers.record(producer, base_offset, last_offset);
        }
        self.assign_epoch(leader_epoch, base_offset)?;
        let info = AppendInfo {
            base_offset,
            last_offset,
            log_append_time_ms: if log_append_time {
                now_ms
            } else {
                NO_TIMESTAMP
            },
            log_start_offset: self.log_start_offset,
            duplicate: false,
        };
        Ok((info, Some(stored_header)))
    }

    /// Writes a COMMIT or ABORT marker for the producer's transaction, as
    /// the transaction coordinator does for every partition of a
    /// transaction it ends. An ABORT that closes a transaction open here is
    /// added to the `.txnindex`. A marker older than the producer's epoch
    /// here is refused (a zombie coordinator request).
    pub fn append_marker(
        &mut self,
        producer_id: i64,
        producer_epoch: i16,
        marker: MarkerType,
        coordinator_epoch: i32,
        leader_epoch: i32,
        now_ms: i64,
    ) -> Result<AppendInfo, LogError> {
        self.producers
            .check_marker(producer_id, producer_epoch, coordinator_epoch)?;
        let mut bytes = control::encode_marker(
            producer_id,
            producer_epoch,
            marker,
            coordinator_epoch,
            now_ms,
        )
        .map_err(|e| LogError::Corrupt {
            path: self.dir.clone(),
            position: 0,
            reason: format!("cannot encode a transaction marker: {e}"),
        })?;
        let base_offset = self.log_end_offset();
        if self.should_roll(bytes.len(), base_offset, now_ms, now_ms) {
            self.roll(now_ms)?;
        }
        batch::set_base_offset(&mut bytes, base_offset);
        batch::set_partition_leader_epoch(&mut bytes, leader_epoch);
        let index_interval_bytes = self.config.index_interval_bytes;
        self.active_mut().append(&bytes, index_interval_bytes)?;
        let fsync = self.config.flush == FlushPolicy::EveryBatch;
        if fsync {
            self.active().sync_log()?;
        }
        self.assign_epoch(leader_epoch, base_offset)?;
        let first =
            self.producers
                .complete_txn(producer_id, producer_epoch, coordinator_epoch, now_ms);
        if let (MarkerType::Abort, Some(first_offset)) = (marker, first) {
            let aborted = AbortedTxn {
                producer_id,
                first_offset,
                last_offset: base_offset,
                last_stable_offset: self.last_stable_offset(),
            };
            let segment_base = self.active().base_offset();
            self.aborted.add(&self.dir, segment_base, aborted, fsync)?;
        }
        Ok(AppendInfo {
            base_offset,
            last_offset: base_offset,
            log_append_time_ms: NO_TIMESTAMP,
            log_start_offset: self.log_start_offset,
            duplicate: false,
        })
    }

    /// The offset below which every transaction is decided; what
    /// read_committed consumers may read up to.
    /// The sequence the next batch of `producer_id` at `epoch` starts with.
    pub fn next_sequence(&self, producer_id: i64, epoch: i16) -> i32 {
        self.producers.next_sequence(producer_id, epoch)
    }

    pub fn last_stable_offset(&self) -> i64 {
        self.producers.last_stable_offset(self.log_end_offset())
    }

    pub fn aborted_txns(&self) -> &AbortedTxns {
        &self.aborted
    }

    /// A read_committed fetch: like [`PartitionLog::read`] but stopping at
    /// the last stable offset, with the aborted transactions the answer
    /// overlaps.
    pub fn read_committed(
        &self,
        offset: i64,
        max_bytes: usize,
    ) -> Result<(ReadResult, Vec<AbortedTxn>), LogError> {
        self.read_committed_until(offset, max_bytes, i64::MAX)
    }

    /// [`PartitionLog::read_committed`] that also stops at `end_offset`
    /// (the high watermark of a replicated partition).
    pub fn read_committed_until(
        &self,
        offset: i64,
        max_bytes: usize,
        end_offset: i64,
    ) -> Result<(ReadResult, Vec<AbortedTxn>), LogError> {
        let last_stable_offset = self.last_stable_offset().min(end_offset);
        let result = self.read_until(offset, max_bytes, last_stable_offset)?;
        let aborted = if result.is_empty() {
            Vec::new()
        } else {
            self.aborted.overlapping(offset, last_stable_offset)
        };
        Ok((result, aborted))
    }

    /// Kafka's `LogSegment.shouldRoll`, without the jitter.
    fn should_roll(
        &self,
        batch_bytes: usize,
        last_offset: i64,
        batch_timestamp_ms: i64,
        now_ms: i64,
    ) -> bool {
        let active = self.active();
        if active.is_empty() {
            return false;
        }
        let full = active.size_bytes() + batch_bytes as u64 > self.config.effective_segment_bytes();
        let offsets_overflow = !fits_relative(active.base_offset(), last_offset);
        // Time runs from the first batch's timestamp to the incoming one's,
        // so old CreateTime timestamps do not make every append roll.
        let waited_ms = match active.stats().first_batch_timestamp_ms {
            Some(first_ms) if first_ms >= 0 => batch_timestamp_ms.saturating_sub(first_ms),
            _ => now_ms.saturating_sub(active.opened_ms()),
        };
        full || offsets_overflow || waited_ms > self.config.segment_ms
    }

    /// Seals the active segment (fsynced, so the recovery point moves past
    /// it) and starts a new one at the log end offset.
    fn roll(&mut self, now_ms: i64) -> Result<(), LogError> {
        let base_offset = self.log_end_offset();
        self.active_mut().seal()?;
        self.recovery_point = base_offset;
        self.checkpoint_recovery_point()?;
        let segment = Segment::create(&self.dir, base_offset, now_ms)?;
        self.segments.insert(base_offset, segment);
        // Bounds the scan a crash recovery needs to the new active segment.
        self.producers.write_snapshot(&self.dir, base_offset)?;
        tracing::debug!(dir = %self.dir.display(), base_offset, "rolled a new segment");
        Ok(())
    }

    /// Plans a fetch at `offset`: the whole batch containing it (clients skip
    /// its leading records themselves), then further whole batches while the
    /// total stays within `max_bytes`. The first batch is whole even if
    /// larger (KIP-74). A read stops at the end of a segment; the client's
    /// next fetch continues in the next one. Nothing is copied until
    /// [`ReadResult::read_bytes`].
    pub fn read(&self, offset: i64, max_bytes: usize) -> Result<ReadResult, LogError> {
        self.read_until(offset, max_bytes, self.log_end_offset())
    }

    /// [`PartitionLog::read`] of the batches that start below `end_offset`
    /// (a replicated partition's consumers read below the high watermark).
    pub fn read_until(
        &self,
        offset: i64,
        max_bytes: usize,
        end_offset: i64,
    ) -> Result<ReadResult, LogError> {
        let log_end_offset = self.log_end_offset();
        if offset < self.log_start_offset || offset > log_end_offset {
            return Err(LogError::OffsetOutOfRange {
                offset,
                log_start_offset: self.log_start_offset,
                log_end_offset,
            });
        }
        let mut result = ReadResult {
            log_start_offset: self.log_start_offset,
            log_end_offset,
            slice: None,
        };
        if offset >= end_offset {
            return Ok(result);
        }
        // A compacted log has gaps: the answer then starts at the next
        // batch after `offset`, which may be in a later segment.
        let Some(segment) = self.segment_from(offset) else {
            return Ok(result);
        };
        let (position, mut len_bytes) =
            segment.read_extent(offset.max(segment.base_offset()), max_bytes)?;
        if end_offset < segment.next_offset() {
            len_bytes = segment.cut_before_offset(position, len_bytes, end_offset)?;
            if len_bytes == 0 {
                return Ok(result);
            }
        }
        result.slice = Some(FileSlice {
            file: Arc::clone(segment.log_file()),
            path: Arc::clone(segment.log_path()),
            position,
            len_bytes: len_bytes as usize,
        });
        Ok(result)
    }

    /// The first segment holding a batch that ends at or after `offset`.
    fn segment_from(&self, offset: i64) -> Option<&Segment> {
        let floor = self
            .segments
            .range(..=offset)
            .next_back()
            .map_or(i64::MIN, |(&base, _)| base);
        self.segments
            .range(floor..)
            .map(|(_, s)| s)
            .find(|s| !s.is_empty() && offset < s.next_offset())
    }

    pub fn log_start_offset(&self) -> i64 {
        self.log_start_offset
    }

    /// The next offset to be assigned; the high watermark on a single node.
    pub fn log_end_offset(&self) -> i64 {
        self.active().next_offset()
    }

    pub fn size_bytes(&self) -> u64 {
        self.segments.values().map(Segment::size_bytes).sum()
    }

    pub fn segment_count(&self) -> usize {
        self.segments.len()
    }

    /// Everything below this offset is fsynced.
    pub fn recovery_point(&self) -> i64 {
        self.recovery_point
    }

    /// Segments that hold offsets at or after the log start offset.
    fn live_segments(&self) -> impl Iterator<Item = &Segment> {
        let start = self.log_start_offset;
        self.segments
            .values()
            .filter(move |s| s.next_offset() > start)
    }

    /// ListOffsets by timestamp: the first offset whose record timestamp is
    /// at least `timestamp_ms`, with that timestamp. Decodes the one batch it
    /// lands in to name the exact record.
    pub fn offset_for_timestamp(&self, timestamp_ms: i64) -> Result<Option<(i64, i64)>, LogError> {
        for segment in self.live_segments() {
            // Every record of an earlier segment is older: skip it whole.
            if segment.max_timestamp_ms() < timestamp_ms {
                continue;
            }
            if let Some(found) = segment.find_timestamp(timestamp_ms, self.log_start_offset)? {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    /// ListOffsets MAX_TIMESTAMP (-3): the offset and timestamp of the record
    /// with the largest timestamp (the first, if several share it).
    pub fn max_timestamp_and_offset(&self) -> Result<Option<(i64, i64)>, LogError> {
        let mut live = self.live_segments();
        let Some(first) = live.next() else {
            return Ok(None);
        };
        // Only the first live segment can straddle the log start offset; it
        // is resolved exactly, the others by their in-memory maximum.
        let first_best = first.max_timestamp_record(self.log_start_offset)?;
        let mut best_ms = first_best.map_or(NO_TIMESTAMP, |(_, ts)| ts);
        let mut later = None;
        for segment in live {
            if segment.max_timestamp_ms() > best_ms {
                best_ms = segment.max_timestamp_ms();
                later = Some(segment);
            }
        }
        let best = match later {
            Some(segment) => segment.max_timestamp_record(self.log_start_offset)?,
            None => first_best,
        };
        Ok(best.filter(|&(_, ts)| ts > NO_TIMESTAMP))
    }

    /// fsyncs the active segment and moves the recovery point to the log end.
    /// Closed segments were fsynced when they rolled.
    pub fn flush(&mut self) -> Result<(), LogError> {
        let log_end_offset = self.log_end_offset();
        if self.recovery_point == log_end_offset {
            return Ok(());
        }
        self.active().sync()?;
        self.recovery_point = log_end_offset;
        self.checkpoint_recovery_point()
    }

    fn checkpoint_recovery_point(&mut self) -> Result<(), LogError> {
        if self.checkpointed_recovery_point != Some(self.recovery_point) {
            files::write_checkpoint(&self.dir, RECOVERY_POINT_CHECKPOINT, self.recovery_point)?;
            self.checkpointed_recovery_point = Some(self.recovery_point);
        }
        Ok(())
    }

    /// Deletes closed segments by time (`retention_ms`), size
    /// (`retention_bytes`) and the log start offset; the active segment is
    /// never touched. Moves the log start offset to the first segment left.
    pub fn apply_retention(&mut self, now_ms: i64) -> Result<RetentionReport, LogError> {
        let mut closed = Vec::with_capacity(self.segments.len().saturating_sub(1));
        for segment in self.segments.values().take(self.segments.len() - 1) {
            let largest_timestamp_ms = match segment.max_timestamp_ms() {
                NO_TIMESTAMP => segment.last_modified_ms()?,
                ts => ts,
            };
            closed.push(SegmentSummary {
                base_offset: segment.base_offset(),
                size_bytes: segment.size_bytes(),
                largest_timestamp_ms,
            });
        }
        let mut report = retention::plan(
            &closed,
            self.active().base_offset(),
            self.size_bytes(),
            self.log_start_offset,
            &self.config,
            now_ms,
        );
        for summary in &closed[..report.segments_deleted] {
            if let Some(segment) = self.segments.remove(&summary.base_offset) {
                segment.delete()?;
            }
        }
        let first_base = self
            .segments
            .keys()
            .next()
            .copied()
            .unwrap_or(self.log_start_offset);
        self.log_start_offset = self.log_start_offset.max(first_base);
        self.aborted.drop_below(self.log_start_offset);
        report.log_start_offset = self.log_start_offset;
        if report.segments_deleted > 0 {
            tracing::info!(
                dir = %self.dir.display(),
                segments = report.segments_deleted,
                bytes = report.bytes_deleted,
                log_start_offset = self.log_start_offset,
                "retention deleted segments"
            );
        }
        Ok(report)
    }

    /// DeleteRecords: makes `offset` the log start offset (persisted before
    /// this returns) and deletes the segments wholly below it. `-1` means
    /// the high watermark, as in the request. Returns the new low watermark.
    pub fn delete_records_before(&mut self, offset: i64) -> Result<i64, LogError> {
        let log_end_offset = self.log_end_offset();
        let offset = if offset == -1 { log_end_offset } else { offset };
        if offset < 0 || offset > log_end_offset {
            return Err(LogError::OffsetOutOfRange {
                offset,
                log_start_offset: self.log_start_offset,
                log_end_offset,
            });
        }
        if offset > self.log_start_offset {
            files::write_checkpoint(&self.dir, LOG_START_OFFSET_CHECKPOINT, offset)?;
            self.log_start_offset = offset;
            self.aborted.drop_below(offset);
            let doomed: Vec<i64> = self
                .segments
                .iter()
                .zip(self.segments.keys().skip(1))
                .filter(|&(_, &next_base)| next_base <= offset)
                .map(|((&base, _), _)| base)
                .collect();
            for base in doomed {
                if let Some(segment) = self.segments.remove(&base) {
                    segment.delete()?;
                }
            }
        }
        Ok(self.log_start_offset)
    }

    /// New settings apply from the next append, roll or retention pass.
    pub fn set_config(&mut self, config: LogConfig) {
        self.config = config;
    }

    /// Flushes everything and leaves the indexes as a clean open expects
    /// them. The broker writes its clean-shutdown marker after this.
    pub fn close(mut self) -> Result<(), LogError> {
        self.active_mut().seal()?;
        self.producers
            .write_snapshot(&self.dir, self.log_end_offset())?;
        self.recovery_point = self.log_end_offset();
        self.checkpoint_recovery_point()
    }
}

fn wall_clock_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
