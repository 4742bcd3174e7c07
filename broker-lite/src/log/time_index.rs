//! `.timeindex`: sparse `[i64 timestamp][u32 offset - base_offset]` entries.
//!
//! An entry is added next to each offset-index entry, and when a segment is
//! closed, if the segment's max timestamp has grown since the last one; its
//! offset is the last offset of the batch that first reached that
//! timestamp. Timestamps therefore strictly increase, and every batch before
//! an entry's batch has a smaller max timestamp: a lookup for `ts` may skip
//! straight to the greatest entry with timestamp <= ts. The last entry of a
//! closed segment is the segment's max timestamp.

use super::index::{IndexEntry, IndexFile, be_u32};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimeEntry {
    pub timestamp_ms: i64,
    pub relative_offset: u32,
}

impl IndexEntry for TimeEntry {
    const BYTES: usize = 12;

    fn encode(&self, out: &mut [u8]) {
        out[..8].copy_from_slice(&self.timestamp_ms.to_be_bytes());
        out[8..12].copy_from_slice(&self.relative_offset.to_be_bytes());
    }

    fn decode(bytes: &[u8]) -> Self {
        let mut raw = [0u8; 8];
        raw.copy_from_slice(&bytes[..8]);
        Self {
            timestamp_ms: i64::from_be_bytes(raw),
            relative_offset: be_u32(&bytes[8..12]),
        }
    }

    fn may_precede(&self, next: &Self) -> bool {
        self.timestamp_ms < next.timestamp_ms && self.relative_offset <= next.relative_offset
    }
}

/// Kafka's timestamp for "none": records from pre-0.10 producers.
pub(crate) const NO_TIMESTAMP: i64 = -1;

pub(crate) type TimeIndex = IndexFile<TimeEntry>;

impl TimeIndex {
    /// Where a search for the first record with timestamp >= `timestamp_ms`
    /// may start.
    pub(crate) fn lookup(&self, timestamp_ms: i64) -> Option<TimeEntry> {
        self.floor(|e| e.timestamp_ms <= timestamp_ms)
    }

    /// Whether an entry for `timestamp_ms` would add anything. -1 is
    /// Kafka's "no timestamp", never indexed.
    pub(crate) fn grows_with(&self, timestamp_ms: i64) -> bool {
        grows(self.entries(), timestamp_ms)
    }
}

pub(crate) fn grows(entries: &[TimeEntry], timestamp_ms: i64) -> bool {
    timestamp_ms
        > entries
            .last()
            .map_or(NO_TIMESTAMP, |last| last.timestamp_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_looks_up_the_floor() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("0.timeindex");
        let mut index = TimeIndex::write(&path, vec![]).unwrap();
        assert!(!index.grows_with(NO_TIMESTAMP));
        index
            .append(TimeEntry {
                timestamp_ms: 100,
                relative_offset: 3,
            })
            .unwrap();
        index
            .append(TimeEntry {
                timestamp_ms: 250,
                relative_offset: 3,
            })
            .unwrap();
        assert!(!index.grows_with(250));
        assert!(index.grows_with(251));
        assert_eq!(index.lookup(99), None);
        assert_eq!(index.lookup(249).unwrap().timestamp_ms, 100);
        assert_eq!(index.lookup(i64::MAX).unwrap().timestamp_ms, 250);
        let reloaded = TimeIndex::load(&path).unwrap().unwrap();
        assert_eq!(reloaded.entries(), index.entries());
        std::fs::write(&path, [0u8; 13]).unwrap();
        assert!(TimeIndex::load(&path).unwrap().is_err());
    }
}
