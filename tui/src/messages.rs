//! The Messages screen's data: where to start reading, the records read so
//! far (a bounded, ordered buffer), and how a record's bytes are shown.
//!
//! Everything here is plain data and pure functions; the reading itself
//! happens in [`crate::reader`], and the screen's state in
//! [`crate::app`].

pub mod payload;

use std::fmt;
use std::str::FromStr;

use bytes::Bytes;
use kctl_client::ConsumerRecord;

use crate::ring::Ring;

/// Records the buffer holds unless told otherwise (`kctl tui
/// --buffer-records`). At the default 1 MiB fetch size a buffer of small
/// records stays within tens of MiB.
pub const DEFAULT_BUFFER_RECORDS: usize = 10_000;

/// Where reading starts, per partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartAt {
    /// The last records of each partition, as many as the buffer holds
    /// split evenly: "newest first".
    Newest,
    /// The log start.
    Oldest,
    /// This offset in every partition (clamped to the log), as kcat `-o N`.
    Offset(i64),
    /// This many records before the end of each partition, as kcat `-o -N`.
    FromEnd(i64),
    /// The first record at or after this time (ListOffsets by timestamp).
    Time { timestamp_ms: i64 },
}

impl StartAt {
    /// Reads what the `o` prompt accepts: `newest`, `oldest`, an offset
    /// (`1200`), records from the end (`-100`), a time ago (`15m`,
    /// `2h30m`, `1d`), an RFC 3339 time (`2026-12-03T05:00:00Z`), or epoch
    /// milliseconds (`@1764738000000`). `now_ms` anchors "ago".
    ///
    /// # Errors
    /// A message naming what was expected, for the status line.
    pub fn parse(text: &str, now_ms: i64) -> Result<Self, String> {
        let text = text.trim();
        match text.to_lowercase().as_str() {
            "" | "n" | "new" | "newest" | "end" => return Ok(Self::Newest),
            "o" | "old" | "oldest" | "b" | "beginning" | "start" => return Ok(Self::Oldest),
            _ => {}
        }
        if let Some(ms) = text.strip_prefix('@') {
            return ms
                .parse()
                .map(|timestamp_ms| Self::Time { timestamp_ms })
                .map_err(|_| format!("'{text}': @ takes epoch milliseconds"));
        }
        if let Ok(offset) = text.parse::<i64>() {
            return Ok(if offset < 0 {
                Self::FromEnd(-offset)
            } else {
                Self::Offset(offset)
            });
        }
        if let Ok(at) = jiff::Timestamp::from_str(text) {
            return Ok(Self::Time {
                timestamp_ms: at.as_millisecond(),
            });
        }
        // A duration means "that long ago", signed or not ("15m", "-15m").
        if let Ok(ago) = jiff::SignedDuration::from_str(text.trim_start_matches('-')) {
            let ago_ms = i64::try_from(ago.as_millis()).unwrap_or(i64::MAX);
            return Ok(Self::Time {
                timestamp_ms: now_ms.saturating_sub(ago_ms.abs()),
            });
        }
        Err(format!(
            "'{text}': expected newest, oldest, an offset, -N, a time ago (15m) or an RFC 3339 time"
        ))
    }
}

impl fmt::Display for StartAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Newest => f.write_str("newest"),
            Self::Oldest => f.write_str("oldest"),
            Self::Offset(offset) => write!(f, "offset {offset}"),
            Self::FromEnd(count) => write!(f, "{count} before the end"),
            Self::Time { timestamp_ms } => match jiff::Timestamp::from_millisecond(*timestamp_ms) {
                Ok(at) => write!(f, "since {}", at.strftime("%Y-%m-%d %H:%M:%SZ")),
                Err(_) => write!(f, "since @{timestamp_ms}"),
            },
        }
    }
}

/// What the reader task is asked to read. A new request replaces the one
/// before; `session` tells its records apart from late ones of the last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowseRequest {
    pub session: u64,
    pub topic: String,
    /// `None`: every partition, merged by time.
    pub partition: Option<i32>,
    pub start: StartAt,
    /// The buffer's size: reading forward stops once this many records
    /// matched, so a topic of millions is not read to keep its last few.
    pub limit: usize,
    /// A `kctl consume --filter` expression, applied as records stream.
    pub filter: Option<String>,
    /// Keep reading past the end offsets taken at the start.
    pub tail: bool,
}

/// One record as the buffer holds it: its own copies of the bytes, so a
/// kept record does not pin the whole fetch response it came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowsedRecord {
    pub partition: i32,
    pub offset: i64,
    pub timestamp_ms: i64,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    pub headers: Vec<(Bytes, Option<Bytes>)>,
}

impl BrowsedRecord {
    pub fn from_consumed(record: &ConsumerRecord) -> Self {
        let copy = |b: &Bytes| Bytes::copy_from_slice(b);
        Self {
            partition: record.partition,
            offset: record.offset,
            timestamp_ms: record.timestamp_ms,
            key: record.key.as_ref().map(copy),
            value: record.value.as_ref().map(copy),
            headers: record
                .headers
                .iter()
                .map(|h| (copy(&h.key), h.value.as_ref().map(copy)))
                .collect(),
        }
    }

    /// Bytes of keys, values and headers: what the buffer's size counts.
    pub fn payload_bytes(&self) -> usize {
        self.key.as_ref().map_or(0, Bytes::len)
            + self.value.as_ref().map_or(0, Bytes::len)
            + self
                .headers
                .iter()
                .map(|(k, v)| k.len() + v.as_ref().map_or(0, Bytes::len))
                .sum::<usize>()
    }
}

/// How the buffer orders records, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Merged partitions: by timestamp, then partition and offset.
    Time,
    /// One partition: by offset, which is the log's own order even when
    /// producers set timestamps out of order.
    Offset,
}

/// The records read, ordered oldest first and bounded: when full, a newer
/// record pushes out the oldest one. Its size in records and bytes is kept
/// as it changes, so showing it costs nothing per frame.
#[derive(Debug, Clone)]
pub struct MessageBuffer {
    records: Ring<BrowsedRecord>,
    order: Order,
    payload_bytes: usize,
    /// Records pushed out because the buffer was full.
    evicted: u64,
}

impl MessageBuffer {
    /// # Panics
    /// If `capacity` is 0 (see [`Ring::new`]).
    pub fn new(capacity: usize, order: Order) -> Self {
        Self {
            records: Ring::new(capacity),
            order,
            payload_bytes: 0,
            evicted: 0,
        }
    }

    fn key(order: Order, r: &BrowsedRecord) -> (i64, i32, i64) {
        match order {
            Order::Time => (r.timestamp_ms, r.partition, r.offset),
            Order::Offset => (0, r.partition, r.offset),
        }
    }

    /// Adds a batch from the reader; when full, the oldest records go.
    pub fn extend(&mut self, records: Vec<BrowsedRecord>) {
        self.payload_bytes += records
            .iter()
            .map(BrowsedRecord::payload_bytes)
            .sum::<usize>();
        let order = self.order;
        let dropped = self
            .records
            .merge_sorted_by_key(records, |r| Self::key(order, r));
        self.payload_bytes -= dropped
            .iter()
            .map(BrowsedRecord::payload_bytes)
            .sum::<usize>();
        self.evicted += dropped.len() as u64;
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.records.capacity()
    }

    pub fn payload_bytes(&self) -> usize {
        self.payload_bytes
    }

    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// Where `record` now is in the newest-first list.
    pub fn newest_first_row(&self, record: &BrowsedRecord) -> Option<usize> {
        let order = self.order;
        let key = Self::key(order, record);
        let index = self
            .records
            .partition_point(|held| Self::key(order, held) < key);
        let held = self.records.get(index)?;
        (Self::key(order, held) == key).then(|| self.records.len() - 1 - index)
    }

    /// Row `row` of the newest-first list.
    pub fn newest_first(&self, row: usize) -> Option<&BrowsedRecord> {
        let index = self.records.len().checked_sub(row + 1)?;
        self.records.get(index)
    }
}

/// What the reader is doing, as the status of the Messages list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderPhase {
    /// Connecting and looking up offsets.
    Starting,
    Reading,
    /// Read up to the end offsets taken when the session started.
    CaughtUp,
    /// At the end, waiting for new records.
    Tailing,
    /// Reading forward stopped because the buffer is full.
    BufferFull,
    Failed(String),
}

/// One message from the reader task: records (already filtered) and
/// progress of one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderUpdate {
    pub session: u64,
    pub records: Vec<BrowsedRecord>,
    /// Records read since the last update, matched or not.
    pub scanned: u64,
    pub phase: ReaderPhase,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(partition: i32, offset: i64, timestamp_ms: i64, value: &str) -> BrowsedRecord {
        BrowsedRecord {
            partition,
            offset,
            timestamp_ms,
            key: None,
            value: Some(Bytes::copy_from_slice(value.as_bytes())),
            headers: vec![(Bytes::from_static(b"h"), None)],
        }
    }

    #[test]
    fn start_at_reads_every_spelling() {
        let now = 1_000_000_000;
        assert_eq!(StartAt::parse("newest", now), Ok(StartAt::Newest));
        assert_eq!(StartAt::parse("", now), Ok(StartAt::Newest));
        assert_eq!(StartAt::parse("Oldest", now), Ok(StartAt::Oldest));
        assert_eq!(StartAt::parse("beginning", now), Ok(StartAt::Oldest));
        assert_eq!(StartAt::parse("1200", now), Ok(StartAt::Offset(1200)));
        assert_eq!(StartAt::parse("-100", now), Ok(StartAt::FromEnd(100)));
        let minutes_ago = Ok(StartAt::Time {
            timestamp_ms: now - 15 * 60_000,
        });
        assert_eq!(StartAt::parse("15m", now), minutes_ago);
        assert_eq!(StartAt::parse("-15m", now), minutes_ago);
        assert_eq!(
            StartAt::parse("1h30m", now),
            Ok(StartAt::Time {
                timestamp_ms: now - 90 * 60_000
            })
        );
        assert_eq!(
            StartAt::parse("2026-12-03T05:00:00Z", now),
            Ok(StartAt::Time {
                timestamp_ms: 1_796_274_000_000
            })
        );
        assert_eq!(
            StartAt::parse("@1700000000000", now),
            Ok(StartAt::Time {
                timestamp_ms: 1_700_000_000_000
            })
        );
        assert!(StartAt::parse("yesterday-ish", now).is_err());
        assert!(StartAt::parse("@soon", now).is_err());
    }

    #[test]
    fn start_at_displays_what_it_means() {
        assert_eq!(StartAt::FromEnd(5).to_string(), "5 before the end");
        assert_eq!(
            StartAt::Time {
                timestamp_ms: 1_796_274_000_000
            }
            .to_string(),
            "since 2026-12-03 05:00:00Z"
        );
    }

    #[test]
    fn buffer_orders_merged_partitions_by_time_newest_first() {
        let mut buffer = MessageBuffer::new(10, Order::Time);
        buffer.extend(vec![record(0, 0, 100, "a"), record(0, 1, 300, "c")]);
        buffer.extend(vec![record(1, 0, 200, "b")]);
        let newest: Vec<i64> = (0..3)
            .filter_map(|row| buffer.newest_first(row))
            .map(|r| r.timestamp_ms)
            .collect();
        assert_eq!(newest, vec![300, 200, 100]);
        assert_eq!(buffer.newest_first(3), None);
    }

    #[test]
    fn buffer_in_offset_order_ignores_timestamps() {
        let mut buffer = MessageBuffer::new(10, Order::Offset);
        buffer.extend(vec![
            record(0, 5, 100, "later offset, earlier time"),
            record(0, 4, 900, "earlier offset"),
        ]);
        assert_eq!(buffer.newest_first(0).map(|r| r.offset), Some(5));
    }

    #[test]
    fn buffer_is_bounded_and_counts_bytes() {
        let mut buffer = MessageBuffer::new(3, Order::Time);
        buffer.extend((0..6).map(|i| record(0, i, i * 10, "abcd")).collect());
        buffer.extend((6..10).map(|i| record(0, i, i * 10, "abcd")).collect());
        assert_eq!(buffer.len(), 3);
        assert_eq!(buffer.evicted(), 7);
        // 4 value bytes and a 1-byte header key per record.
        assert_eq!(buffer.payload_bytes(), 3 * 5);
        assert_eq!(buffer.newest_first(2).map(|r| r.offset), Some(7));
        // Older than everything held: dropped on arrival.
        buffer.extend(vec![record(0, 100, 0, "abcd")]);
        assert_eq!(buffer.newest_first(2).map(|r| r.offset), Some(7));
        assert_eq!(buffer.payload_bytes(), 3 * 5);
        assert_eq!(buffer.evicted(), 8);
    }
}
