//! One segment: `{base_offset:020}.log` with its two indexes.
//!
//! The `.log` holds record batches exactly as producers sent them, with only
//! baseOffset and partitionLeaderEpoch (and, for LogAppendTime topics, the
//! timestamp) patched. Batches are found by reading their headers with
//! `protocol::batch`; records are decoded only to answer a timestamp lookup.

use std::fs::{File, OpenOptions};
use std::io::IoSlice;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;

use kctl_client::protocol::batch::{self, BatchHeader, HEADER_BYTES};

use super::error::LogError;
use super::files::{self, LOG_SUFFIX, OFFSET_INDEX_SUFFIX, TIME_INDEX_SUFFIX};
use super::index::{OffsetEntry, OffsetIndex};
use super::recovery::{self, ScanOutcome};
use super::time_index::{self, NO_TIMESTAMP, TimeEntry, TimeIndex};

/// What a segment knows about its batches beyond the bytes: kept up to date
/// by `append`, rebuilt by a recovery scan, partly re-derived on a clean open.
#[derive(Debug, Clone)]
pub(crate) struct SegmentStats {
    pub next_offset: i64,
    pub max_timestamp_ms: i64,
    /// Last offset of the first batch that reached `max_timestamp_ms`.
    pub offset_of_max_timestamp: i64,
    /// Max timestamp of the first batch; `None` while the segment is empty.
    /// Time-based rolling counts from it.
    pub first_batch_timestamp_ms: Option<i64>,
    /// Bytes appended since the last offset-index entry was due.
    pub bytes_since_index_entry: u64,
}

impl SegmentStats {
    pub(crate) fn empty(base_offset: i64) -> Self {
        Self {
            next_offset: base_offset,
            max_timestamp_ms: NO_TIMESTAMP,
            offset_of_max_timestamp: base_offset,
            first_batch_timestamp_ms: None,
            bytes_since_index_entry: 0,
        }
    }

    /// Accounts for the batch just placed at `position` and returns the index
    /// entries now due. The same rule serves appends and recovery, so a
    /// rebuilt index is identical to the one appends wrote.
    pub(crate) fn observe(
        &mut self,
        base_offset: i64,
        position: u64,
        header: &BatchHeader,
        index_interval_bytes: usize,
        time_entries: &[TimeEntry],
    ) -> (Option<OffsetEntry>, Option<TimeEntry>) {
        self.first_batch_timestamp_ms
            .get_or_insert(header.max_timestamp);
        if header.max_timestamp > self.max_timestamp_ms {
            self.max_timestamp_ms = header.max_timestamp;
            self.offset_of_max_timestamp = header.last_offset();
        }
        self.next_offset = header.next_offset();
        let mut due = (None, None);
        // Kafka's rule: the batch that crosses the interval gets the entry,
        // so the first batch of a segment never does (position 0 needs none).
        if self.bytes_since_index_entry > index_interval_bytes as u64 {
            due.0 = Some(OffsetEntry {
                relative_offset: relative(base_offset, header.last_offset()),
                position: position as u32,
            });
            if time_index::grows(time_entries, self.max_timestamp_ms) {
                due.1 = Some(self.time_entry(base_offset));
            }
            self.bytes_since_index_entry = 0;
        }
        self.bytes_since_index_entry += header.total_bytes() as u64;
        due
    }

    pub(crate) fn time_entry(&self, base_offset: i64) -> TimeEntry {
        TimeEntry {
            timestamp_ms: self.max_timestamp_ms,
            relative_offset: relative(base_offset, self.offset_of_max_timestamp),
        }
    }
}

/// Offsets in a segment are stored relative to its base; the log rolls before
/// they would stop fitting.
pub(crate) fn relative(base_offset: i64, offset: i64) -> u32 {
    debug_assert!(offset >= base_offset && offset - base_offset <= i64::from(u32::MAX));
    (offset - base_offset) as u32
}

pub(crate) fn fits_relative(base_offset: i64, offset: i64) -> bool {
    offset >= base_offset && offset - base_offset <= i64::from(u32::MAX)
}

#[derive(Debug)]
pub(crate) struct Segment {
    base_offset: i64,
    log_path: Arc<Path>,
    /// Shared with read plans, which copy from it after the partition lock is
    /// released. Bytes below `size_bytes` never change, so they are safe to
    /// read concurrently with appends; a deleted segment's file stays
    /// readable through the handle.
    log: Arc<File>,
    size_bytes: u64,
    offset_index: OffsetIndex,
    time_index: TimeIndex,
    stats: SegmentStats,
    /// When this process created or opened the segment: the clock for
    /// time-based rolling when batches carry no timestamps.
    opened_ms: i64,
}

/// What a recovery scan found in one segment.
#[derive(Debug, Clone, Default)]
pub(crate) struct SegmentRecovery {
    pub batches_kept: u64,
    pub bytes_truncated: u64,
}

impl Segment {
    /// A new, empty segment. A leftover file of the same name (from a crash
    /// or a truncation that could not finish) is emptied first, as Kafka
    /// does on roll.
    pub(crate) fn create(dir: &Path, base_offset: i64, now_ms: i64) -> Result<Self, LogError> {
        let log_path = files::segment_file(dir, base_offset, LOG_SUFFIX);
        if log_path.exists() {
            tracing::warn!(path = %log_path.display(), "new segment file already exists; emptying it");
        }
        let log = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&log_path)
            .map_err(LogError::io("create", &log_path))?;
        let offset_index = OffsetIndex::write(
            &files::segment_file(dir, base_offset, OFFSET_INDEX_SUFFIX),
            vec![],
        )?;
        let time_index = TimeIndex::write(
            &files::segment_file(dir, base_offset, TIME_INDEX_SUFFIX),
            vec![],
        )?;
        files::sync_dir(dir)?;
        Ok(Self {
            base_offset,
            log_path: log_path.into(),
            log: Arc::new(log),
            size_bytes: 0,
            offset_index,
            time_index,
            stats: SegmentStats::empty(base_offset),
            opened_ms: now_ms,
        })
    }

    /// Opens a segment written by a clean shutdown, trusting its indexes
    /// after checking them: each index must be well formed, its last entry
    /// must name the batch it points at, and the batch headers after it must
    /// chain to the exact end of the file. `Ok(Err(reason))` means the
    /// segment must be recovered instead.
    pub(crate) fn open_trusted(
        dir: &Path,
        base_offset: i64,
        now_ms: i64,
        allow_gaps: bool,
    ) -> Result<Result<Self, String>, LogError> {
        let log_path = files::segment_file(dir, base_offset, LOG_SUFFIX);
        let log = files::open_read_write(&log_path)?;
        let size_bytes = log
            .metadata()
            .map_err(LogError::io("stat", &log_path))?
            .len();
        if size_bytes > u64::from(u32::MAX) {
            return Ok(Err(format!(
                "{size_bytes} bytes is past what u32 index positions address"
            )));
        }
        let offset_index =
            match OffsetIndex::load(&files::segment_file(dir, base_offset, OFFSET_INDEX_SUFFIX))? {
                Ok(index) => index,
                Err(reason) => return Ok(Err(format!("offset index: {reason}"))),
            };
        let time_index =
            match TimeIndex::load(&files::segment_file(dir, base_offset, TIME_INDEX_SUFFIX))? {
                Ok(index) => index,
                Err(reason) => return Ok(Err(format!("time index: {reason}"))),
            };
        let mut stats = SegmentStats::empty(base_offset);
        let tail_from = offset_index.last();
        let start = tail_from.map_or(0, |e| u64::from(e.position));
        if tail_from.is_some() && start >= size_bytes {
            return Ok(Err(format!(
                "offset index points at {start}, past the end ({size_bytes})"
            )));
        }
        let mut walk = HeaderWalk::new(&log, &log_path, start, size_bytes);
        for (n, step) in walk.by_ref().enumerate() {
            let (position, header) = match step {
                Ok(found) => found,
                Err(err) => return Ok(Err(err.to_string())),
            };
            if n == 0 {
                let expected = match tail_from {
                    Some(entry) => {
                        header.last_offset() == base_offset + i64::from(entry.relative_offset)
                    }
                    None if allow_gaps => header.base_offset >= base_offset,
                    None => header.base_offset == base_offset,
                };
                if !expected {
                    return Ok(Err(format!(
                        "batch at {position} does not match the index ({:?})",
                        tail_from
                    )));
                }
            } else if header.base_offset < stats.next_offset
                || (header.base_offset != stats.next_offset && !allow_gaps)
            {
                return Ok(Err(format!(
                    "batch at {position} starts at offset {}, expected {}",
                    header.base_offset, stats.next_offset
                )));
            }
            if !fits_relative(base_offset, header.last_offset()) {
                return Ok(Err(format!(
                    "batch at {position} ends past the segment's offset range"
                )));
            }
            stats.next_offset = header.next_offset();
            if header.max_timestamp > stats.max_timestamp_ms {
                stats.max_timestamp_ms = header.max_timestamp;
                stats.offset_of_max_timestamp = header.last_offset();
            }
        }
        if let Some(last) = time_index.last() {
            let offset = base_offset + i64::from(last.relative_offset);
            if offset >= stats.next_offset {
                return Ok(Err(format!(
                    "time index names offset {offset}, past the segment's end {}",
                    stats.next_offset
                )));
            }
            // A clean close leaves the segment's max timestamp as the last
            // time-index entry; batches walked above can only raise it.
            if last.timestamp_ms >= stats.max_timestamp_ms {
                stats.max_timestamp_ms = last.timestamp_ms;
                stats.offset_of_max_timestamp = offset;
            }
        }
        if size_bytes > 0 {
            let first = HeaderWalk::new(&log, &log_path, 0, size_bytes).next();
            match first {
                Some(Ok((_, header))) => {
                    stats.first_batch_timestamp_ms = Some(header.max_timestamp)
                }
                Some(Err(err)) => return Ok(Err(err.to_string())),
                None => {}
            }
        }
        stats.bytes_since_index_entry = size_bytes - start;
        Ok(Ok(Self {
            base_offset,
            log_path: log_path.into(),
            log: Arc::new(log),
            size_bytes,
            offset_index,
            time_index,
            stats,
            opened_ms: now_ms,
        }))
    }

    /// Scans every batch with full verification (length, CRC-32C, record
    /// count, offsets following on), cuts the file at the first one that
    /// fails, rebuilds both indexes and fsyncs what is kept.
    pub(crate) fn recover(
        dir: &Path,
        base_offset: i64,
        index_interval_bytes: usize,
        now_ms: i64,
        allow_gaps: bool,
    ) -> Result<(Self, SegmentRecovery), LogError> {
        let log_path = files::segment_file(dir, base_offset, LOG_SUFFIX);
        let log = files::open_read_write(&log_path)?;
        let size_before = log
            .metadata()
            .map_err(LogError::io("stat", &log_path))?
            .len();
        let ScanOutcome {
            valid_bytes,
            batches,
            stats,
            offset_entries,
            mut time_entries,
            stop_reason,
        } = recovery::scan_verified(
            &log,
            &log_path,
            base_offset,
            size_before,
            index_interval_bytes,
            allow_gaps,
        )?;
        let bytes_truncated = size_before - valid_bytes;
        if bytes_truncated > 0 {
            tracing::warn!(
                path = %log_path.display(),
                valid_bytes,
                bytes_truncated,
                reason = stop_reason.as_deref().unwrap_or("unknown"),
                "truncating a torn or corrupt segment tail"
            );
            log.set_len(valid_bytes)
                .map_err(LogError::io("truncate", &log_path))?;
        }
        // Everything kept is now known good; fsync it so the recovery point
        // can move past it.
        log.sync_data().map_err(LogError::io("fsync", &log_path))?;
        if time_index::grows(&time_entries, stats.max_timestamp_ms) {
            time_entries.push(stats.time_entry(base_offset));
        }
        let offset_index = OffsetIndex::write(
            &files::segment_file(dir, base_offset, OFFSET_INDEX_SUFFIX),
            offset_entries,
        )?;
        let time_index = TimeIndex::write(
            &files::segment_file(dir, base_offset, TIME_INDEX_SUFFIX),
            time_entries,
        )?;
        let segment = Self {
            base_offset,
            log_path: log_path.into(),
            log: Arc::new(log),
            size_bytes: valid_bytes,
            offset_index,
            time_index,
            stats,
            opened_ms: now_ms,
        };
        Ok((
            segment,
            SegmentRecovery {
                batches_kept: batches,
                bytes_truncated,
            },
        ))
    }

    /// Cuts the file at `position` (a batch start) and rebuilds the
    /// indexes from what is left: a follower's truncation.
    pub(crate) fn cut_at(
        self,
        dir: &Path,
        position: u64,
        index_interval_bytes: usize,
        now_ms: i64,
    ) -> Result<Self, LogError> {
        self.log
            .set_len(position)
            .map_err(LogError::io("truncate", &self.log_path))?;
        let base_offset = self.base_offset;
        drop(self);
        Self::recover(dir, base_offset, index_interval_bytes, now_ms, false).map(|(s, _)| s)
    }

    pub(crate) fn base_offset(&self) -> i64 {
        self.base_offset
    }

    pub(crate) fn next_offset(&self) -> i64 {
        self.stats.next_offset
    }

    pub(crate) fn size_bytes(&self) -> u64 {
        self.size_bytes
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.size_bytes == 0
    }

    pub(crate) fn max_timestamp_ms(&self) -> i64 {
        self.stats.max_timestamp_ms
    }

    pub(crate) fn stats(&self) -> &SegmentStats {
        &self.stats
    }

    pub(crate) fn opened_ms(&self) -> i64 {
        self.opened_ms
    }

    pub(crate) fn log_path(&self) -> &Arc<Path> {
        &self.log_path
    }

    pub(crate) fn log_file(&self) -> &Arc<File> {
        &self.log
    }

    /// Time of the last write to the `.log`: what retention goes by when the
    /// batches carry no timestamps (Kafka does the same).
    pub(crate) fn last_modified_ms(&self) -> Result<i64, LogError> {
        let modified = self
            .log
            .metadata()
            .and_then(|m| m.modified())
            .map_err(LogError::io("stat", &self.log_path))?;
        Ok(modified
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64))
    }

    /// Writes one batch whose offsets are already assigned. The caller has
    /// checked it fits (size and relative offsets).
    pub(crate) fn append(
        &mut self,
        bytes: &[u8],
        index_interval_bytes: usize,
    ) -> Result<(), LogError> {
        let (head, tail) = bytes.split_at(bytes.len().min(HEADER_BYTES));
        self.append_split(head, tail, index_interval_bytes)
    }

    /// [`Segment::append`] of a batch held in two pieces, `head` (its
    /// header, offsets assigned) then `tail`, written with one `pwritev` so
    /// the record bytes are never joined into a new buffer.
    pub(crate) fn append_split(
        &mut self,
        head: &[u8],
        tail: &[u8],
        index_interval_bytes: usize,
    ) -> Result<(), LogError> {
        let header = BatchHeader::parse(head)?;
        debug_assert_eq!(header.base_offset, self.stats.next_offset);
        debug_assert!(fits_relative(self.base_offset, header.last_offset()));
        debug_assert_eq!(header.total_bytes(), head.len() + tail.len());
        let position = self.size_bytes;
        let len_bytes = (head.len() + tail.len()) as u64;
        if let Err(source) = write_all_vectored_at(&self.log, head, tail, position) {
            // Drop whatever part did land, so the file never holds bytes past
            // `size_bytes` that a later open would mistake for a batch.
            let _ = self.log.set_len(position);
            return Err(LogError::Io {
                op: "write",
                path: self.log_path.to_path_buf(),
                source,
            });
        }
        self.size_bytes += len_bytes;
        let (offset_entry, time_entry) = self.stats.observe(
            self.base_offset,
            position,
            &header,
            index_interval_bytes,
            self.time_index.entries(),
        );
        // The batch is in the log and counted: failing now would answer a
        // storage error for a stored batch, and its retry would be stored
        // twice. The indexes are sparse and derived (rebuilt whenever they
        // disagree with the log), so a lost entry (a full disk) only means
        // a longer scan from the entry before it.
        if let Some(entry) = offset_entry
            && let Err(e) = self.offset_index.append(entry)
        {
            tracing::warn!("offset index entry skipped: {e}");
        }
        if let Some(entry) = time_entry
            && let Err(e) = self.time_index.append(entry)
        {
            tracing::warn!("time index entry skipped: {e}");
        }
        Ok(())
    }

    /// fsyncs the batches only: what `FlushPolicy::EveryBatch` needs before
    /// an ack. Indexes are rebuilt after a crash anyway.
    pub(crate) fn sync_log(&self) -> Result<(), LogError> {
        self.log
            .sync_data()
            .map_err(LogError::io("fsync", &self.log_path))
    }

    pub(crate) fn sync(&self) -> Result<(), LogError> {
        self.sync_log()?;
        self.offset_index.sync()?;
        self.time_index.sync()
    }

    /// Called when the segment stops being active (roll or close): records
    /// its max timestamp as the final time-index entry, so a clean open reads
    /// it from there, and fsyncs everything.
    pub(crate) fn seal(&mut self) -> Result<(), LogError> {
        if self.time_index.grows_with(self.stats.max_timestamp_ms) {
            self.time_index
                .append(self.stats.time_entry(self.base_offset))?;
        }
        self.sync()
    }

    pub(crate) fn walk(&self, from_position: u64) -> HeaderWalk<'_> {
        HeaderWalk::new(&self.log, &self.log_path, from_position, self.size_bytes)
    }

    /// The batch containing `offset`, which must lie in this segment.
    pub(crate) fn locate(&self, offset: i64) -> Result<(u64, BatchHeader), LogError> {
        debug_assert!(offset >= self.base_offset && offset < self.stats.next_offset);
        let start = self
            .offset_index
            .lookup(relative(self.base_offset, offset))
            .map_or(0, |e| u64::from(e.position));
        for step in self.walk(start) {
            let (position, header) = step?;
            if header.last_offset() >= offset {
                return Ok((position, header));
            }
        }
        Err(LogError::corrupt(
            &self.log_path,
            start,
            format!("no batch holds offset {offset}"),
        ))
    }

    /// Which bytes a fetch at `offset` returns: the whole batch holding it,
    /// then further whole batches while the total stays within `max_bytes`.
    /// Returns (position, length).
    pub(crate) fn read_extent(
        &self,
        offset: i64,
        max_bytes: usize,
    ) -> Result<(u64, u64), LogError> {
        let (position, first) = self.locate(offset)?;
        let first_end = position + first.total_bytes() as u64;
        let limit = position.saturating_add(max_bytes as u64);
        if limit <= first_end {
            return Ok((position, first_end - position));
        }
        if limit >= self.size_bytes {
            return Ok((position, self.size_bytes - position));
        }
        // Every index entry marks a batch start, so batches before the last
        // entry below `limit` are whole and inside it: skip their headers.
        let mut end = self
            .offset_index
            .lookup_position(limit as u32)
            .map_or(first_end, |e| u64::from(e.position).max(first_end));
        for step in self.walk(end) {
            let (at, header) = step?;
            let batch_end = at + header.total_bytes() as u64;
            if batch_end > limit {
                break;
            }
            end = batch_end;
        }
        Ok((position, end - position))
    }

    /// Shortens the extent `[position, position + len_bytes)` to the whole
    /// batches that start below `end_offset` (a read_committed fetch stops
    /// at the last stable offset). Returns the new length.
    pub(crate) fn cut_before_offset(
        &self,
        position: u64,
        len_bytes: u64,
        end_offset: i64,
    ) -> Result<u64, LogError> {
        let end = position + len_bytes;
        for step in self.walk(position) {
            let (at, header) = step?;
            if at >= end || header.base_offset >= end_offset {
                return Ok(at.min(end) - position);
            }
        }
        Ok(len_bytes)
    }

    pub(crate) fn read_bytes(&self, position: u64, len: usize) -> Result<Vec<u8>, LogError> {
        let mut bytes = vec![0u8; len];
        self.log
            .read_exact_at(&mut bytes, position)
            .map_err(LogError::io("read", &self.log_path))?;
        Ok(bytes)
    }

    /// Offsets and timestamps of each record of the batch at `position`.
    fn record_timestamps(
        &self,
        position: u64,
        header: &BatchHeader,
    ) -> Result<Vec<(i64, i64)>, LogError> {
        let bytes = self.read_bytes(position, header.total_bytes())?;
        batch::record_timestamps(&bytes)
            .map_err(|err| LogError::corrupt(&self.log_path, position, err))
    }

    /// The first record at or after `start_offset` whose timestamp is >=
    /// `timestamp_ms`, as (offset, timestamp).
    pub(crate) fn find_timestamp(
        &self,
        timestamp_ms: i64,
        start_offset: i64,
    ) -> Result<Option<(i64, i64)>, LogError> {
        let mut from = start_offset.max(self.base_offset);
        if from >= self.stats.next_offset {
            return Ok(None);
        }
        if let Some(entry) = self.time_index.lookup(timestamp_ms) {
            from = from.max(self.base_offset + i64::from(entry.relative_offset));
        }
        let (position, _) = self.locate(from)?;
        for step in self.walk(position) {
            let (at, header) = step?;
            if header.max_timestamp < timestamp_ms || header.last_offset() < start_offset {
                continue;
            }
            let found = self
                .record_timestamps(at, &header)?
                .into_iter()
                .find(|&(offset, ts)| ts >= timestamp_ms && offset >= start_offset);
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }

    /// The exact record with the largest timestamp at or after
    /// `start_offset` (the first one, if several share it), as (offset,
    /// timestamp).
    pub(crate) fn max_timestamp_record(
        &self,
        start_offset: i64,
    ) -> Result<Option<(i64, i64)>, LogError> {
        let from = start_offset.max(self.base_offset);
        if from >= self.stats.next_offset {
            return Ok(None);
        }
        let (position, header) = self.locate(self.stats.offset_of_max_timestamp)?;
        if header.base_offset >= from {
            return self.max_record_in(position, &header, from);
        }
        // DeleteRecords moved the log start past some of the records that
        // could hold the max: the batch straddling it is judged by its
        // records at or after `from`, the later ones by their headers.
        let (first_position, first) = self.locate(from)?;
        let mut best = self.max_record_in(first_position, &first, from)?;
        let mut later: Option<(u64, BatchHeader)> = None;
        let mut later_ms = best.map_or(NO_TIMESTAMP, |(_, ts)| ts);
        for step in self.walk(first_position + first.total_bytes() as u64) {
            let (at, header) = step?;
            if header.max_timestamp > later_ms {
                later_ms = header.max_timestamp;
                later = Some((at, header));
            }
        }
        if let Some((at, header)) = later {
            best = self.max_record_in(at, &header, from)?;
        }
        Ok(best)
    }

    /// The first record at or after `from` with the largest timestamp in the
    /// batch at `position`.
    fn max_record_in(
        &self,
        position: u64,
        header: &BatchHeader,
        from: i64,
    ) -> Result<Option<(i64, i64)>, LogError> {
        let mut best: Option<(i64, i64)> = None;
        for (offset, ts) in self.record_timestamps(position, header)? {
            if offset >= from && best.is_none_or(|(_, best_ts)| ts > best_ts) {
                best = Some((offset, ts));
            }
        }
        Ok(best)
    }

    /// Removes the segment's files. Open read plans keep the `.log` readable
    /// until they drop their handle.
    pub(crate) fn delete(self) -> Result<(), LogError> {
        // The .log goes first: once it is gone the segment no longer exists
        // for a later open, which removes any orphaned index left behind.
        let paths = [
            self.log_path.to_path_buf(),
            self.offset_index.path().to_path_buf(),
            self.time_index.path().to_path_buf(),
            self.log_path
                .with_extension(super::txn_index::TXN_INDEX_SUFFIX),
        ];
        for path in paths {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(LogError::Io {
                        op: "delete",
                        path,
                        source,
                    });
                }
            }
        }
        Ok(())
    }
}

/// Reads batch headers one after another from `[position, end)` of a segment
/// file, in chunks so that a scan of small batches costs few reads. Fails on
/// anything that is not a whole batch: the range must hold only batches the
/// log wrote.
#[derive(Debug)]
pub(crate) struct HeaderWalk<'a> {
    file: &'a File,
    path: &'a Path,
    position: u64,
    end: u64,
    buf: Vec<u8>,
    buf_start: u64,
    failed: bool,
}

/// Big enough to cover an index interval's worth of small batches in one
/// read.
const WALK_CHUNK_BYTES: u64 = 16 * 1024;

impl<'a> HeaderWalk<'a> {
    pub(crate) fn new(file: &'a File, path: &'a Path, position: u64, end: u64) -> Self {
        Self {
            file,
            path,
            position,
            end,
            buf: Vec::new(),
            buf_start: 0,
            failed: false,
        }
    }

    fn step(&mut self) -> Result<(u64, BatchHeader), LogError> {
        let header_end = self.position + HEADER_BYTES as u64;
        if header_end > self.end {
            return Err(LogError::corrupt(
                self.path,
                self.position,
                "partial batch header",
            ));
        }
        if self.position < self.buf_start || header_end > self.buf_start + self.buf.len() as u64 {
            let len = WALK_CHUNK_BYTES.min(self.end - self.position) as usize;
            if self.buf.len() != len {
                // A zeroed allocation (calloc): `resize` fills byte by byte
                // in unoptimised builds, which was a tenth of the broker's
                // CPU under the load test's 25 long-polling consumers.
                self.buf = vec![0u8; len];
            }
            self.file
                .read_exact_at(&mut self.buf, self.position)
                .map_err(LogError::io("read", self.path))?;
            self.buf_start = self.position;
        }
        let header = BatchHeader::parse(&self.buf[(self.position - self.buf_start) as usize..])
            .map_err(|err| LogError::corrupt(self.path, self.position, err))?;
        let at = self.position;
        let batch_end = at + header.total_bytes() as u64;
        if batch_end > self.end {
            return Err(LogError::corrupt(
                self.path,
                at,
                format!("batch runs past the end ({})", self.end),
            ));
        }
        self.position = batch_end;
        Ok((at, header))
    }
}

impl Iterator for HeaderWalk<'_> {
    type Item = Result<(u64, BatchHeader), LogError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.position >= self.end {
            return None;
        }
        let step = self.step();
        self.failed = step.is_err();
        Some(step)
    }
}

/// Writes `head` then `tail` at `position`, as one `pwritev` unless the
/// kernel takes less (then the rest follows, as `write_all_at` would).
fn write_all_vectored_at(
    file: &File,
    head: &[u8],
    tail: &[u8],
    position: u64,
) -> std::io::Result<()> {
    let mut written = 0usize;
    let total = head.len() + tail.len();
    while written < total {
        let (h, t) = if written < head.len() {
            (&head[written..], tail)
        } else {
            (&[][..], &tail[written - head.len()..])
        };
        let offset = i64::try_from(position + written as u64)
            .map_err(|_| std::io::Error::other("file position past i64::MAX"))?;
        match nix::sys::uio::pwritev(file, &[IoSlice::new(h), IoSlice::new(t)], offset) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => written += n,
            Err(nix::errno::Errno::EINTR) => {}
            Err(errno) => return Err(errno.into()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::recovery::tests::batch_at;

    #[test]
    fn header_walk_crosses_chunks_and_rejects_a_partial_tail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("walk");
        let mut bytes = Vec::new();
        let mut starts = Vec::new();
        for (i, value_bytes) in [10, 9_000, 30_000, 10, 10, 20_000, 10]
            .into_iter()
            .enumerate()
        {
            starts.push(bytes.len() as u64);
            bytes.extend(batch_at(i as i64, value_bytes));
        }
        std::fs::write(&path, &bytes).unwrap();
        let file = File::open(&path).unwrap();
        let end = bytes.len() as u64;
        let walked: Vec<(u64, i64)> = HeaderWalk::new(&file, &path, 0, end)
            .map(|step| step.map(|(at, h)| (at, h.base_offset)).unwrap())
            .collect();
        assert_eq!(walked, starts.iter().copied().zip(0..).collect::<Vec<_>>());
        let mut cut = HeaderWalk::new(&file, &path, starts[5], end - 1);
        assert_eq!(cut.next().unwrap().unwrap().0, starts[5]);
        assert!(matches!(cut.next(), Some(Err(LogError::Corrupt { .. }))));
        assert!(cut.next().is_none(), "stops after the first failure");
        let mut partial_header = HeaderWalk::new(&file, &path, starts[6], starts[6] + 20);
        assert!(matches!(
            partial_header.next(),
            Some(Err(LogError::Corrupt { .. }))
        ));
    }

    #[test]
    fn appends_index_every_interval_and_locate_finds_each_offset() {
        let dir = tempfile::tempdir().unwrap();
        let mut segment = Segment::create(dir.path(), 50, 0).unwrap();
        for i in 0..40 {
            segment.append(&batch_at(50 + i, 100), 300).unwrap();
        }
        let entries = segment.offset_index.entries().to_vec();
        // About 170-byte batches: an entry at every third batch after the first.
        assert!(entries.len() >= 10, "{entries:?}");
        assert!(entries.iter().all(|e| e.position > 300));
        for offset in 50..90 {
            let (position, header) = segment.locate(offset).unwrap();
            assert_eq!(header.base_offset, offset);
            assert_eq!(position, (offset - 50) as u64 * header.total_bytes() as u64);
        }
        assert_eq!(segment.next_offset(), 90);
        let time_entries = segment.time_index.entries();
        assert!(
            time_entries
                .windows(2)
                .all(|w| w[0].timestamp_ms < w[1].timestamp_ms)
        );
    }
}
