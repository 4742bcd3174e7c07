//! Aborted transactions: the `.txnindex` of each segment (Kafka's
//! `TransactionIndex`).
//!
//! When an ABORT marker lands, the transaction it closes is appended to the
//! `.txnindex` of the segment holding the marker, so a read_committed Fetch
//! can list the aborted transactions its data overlaps without reading the
//! log. Entries are Kafka's 34 bytes, big-endian: `version:i16=0
//! producer_id:i64 first_offset:i64 last_offset:i64 last_stable_offset:i64`
//! (`last_offset` is the marker's offset).
//!
//! The file is derived data: an open drops entries past the log end (a
//! crash cut the log below them) and a trailing partial entry, and the scan
//! of the log tail after the producer snapshot re-adds any abort whose entry
//! never reached the file.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use super::error::LogError;
use super::files;

pub(crate) const TXN_INDEX_SUFFIX: &str = "txnindex";
const ENTRY_BYTES: usize = 34;
const ENTRY_VERSION: i16 = 0;

/// One aborted transaction of this partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbortedTxn {
    pub producer_id: i64,
    /// Its first batch here.
    pub first_offset: i64,
    /// Its ABORT marker.
    pub last_offset: i64,
    /// The last stable offset right after the marker.
    pub last_stable_offset: i64,
}

impl AbortedTxn {
    fn encode(&self) -> [u8; ENTRY_BYTES] {
        let mut out = [0u8; ENTRY_BYTES];
        out[..2].copy_from_slice(&ENTRY_VERSION.to_be_bytes());
        out[2..10].copy_from_slice(&self.producer_id.to_be_bytes());
        out[10..18].copy_from_slice(&self.first_offset.to_be_bytes());
        out[18..26].copy_from_slice(&self.last_offset.to_be_bytes());
        out[26..34].copy_from_slice(&self.last_stable_offset.to_be_bytes());
        out
    }

    fn decode(bytes: &[u8]) -> Option<Self> {
        let i64_at = |at: usize| i64::from_be_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
        (i16::from_be_bytes([bytes[0], bytes[1]]) == ENTRY_VERSION).then(|| Self {
            producer_id: i64_at(2),
            first_offset: i64_at(10),
            last_offset: i64_at(18),
            last_stable_offset: i64_at(26),
        })
    }
}

/// The aborted transactions of a partition, oldest marker first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AbortedTxns {
    entries: Vec<AbortedTxn>,
}

impl AbortedTxns {
    /// Reads the `.txnindex` of every segment in `segment_bases` (ascending),
    /// keeping entries whose marker is below `log_end_offset`; files that
    /// held more are rewritten without the rest.
    pub(crate) fn load(
        dir: &Path,
        segment_bases: &[i64],
        log_end_offset: i64,
    ) -> Result<Self, LogError> {
        let mut entries = Vec::new();
        for &base in segment_bases {
            let path = files::segment_file(dir, base, TXN_INDEX_SUFFIX);
            let bytes = match std::fs::read(&path) {
                Ok(bytes) => bytes,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(LogError::io("read", &path)(e)),
            };
            let kept: Vec<AbortedTxn> = bytes
                .chunks_exact(ENTRY_BYTES)
                .map_while(AbortedTxn::decode)
                .take_while(|t| t.last_offset < log_end_offset)
                .collect();
            if kept.len() * ENTRY_BYTES != bytes.len() {
                tracing::warn!(path = %path.display(), kept = kept.len(), "cutting a transaction index back to the log");
                let mut out = Vec::with_capacity(kept.len() * ENTRY_BYTES);
                for t in &kept {
                    out.extend_from_slice(&t.encode());
                }
                files::write_atomically(&path, &out)?;
            }
            entries.extend(kept);
        }
        entries.sort_by_key(|t| t.last_offset);
        Ok(Self { entries })
    }

    /// Adds an abort (unless already known, as after a replay of the log
    /// tail) and appends it to the `.txnindex` of `segment_base`.
    pub(crate) fn add(
        &mut self,
        dir: &Path,
        segment_base: i64,
        aborted: AbortedTxn,
        fsync: bool,
    ) -> Result<(), LogError> {
        if self
            .entries
            .iter()
            .rev()
            .any(|t| t.last_offset == aborted.last_offset)
        {
            return Ok(());
        }
        let path = files::segment_file(dir, segment_base, TXN_INDEX_SUFFIX);
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(LogError::io("open", &path))?;
        file.write_all(&aborted.encode())
            .map_err(LogError::io("write", &path))?;
        if fsync {
            file.sync_data().map_err(LogError::io("fsync", &path))?;
        }
        let at = self
            .entries
            .partition_point(|t| t.last_offset < aborted.last_offset);
        self.entries.insert(at, aborted);
        Ok(())
    }

    /// The aborted transactions a read_committed fetch of `[from, to)` must
    /// report: those whose range overlaps it (Kafka's
    /// `collectAbortedTxns`).
    pub fn overlapping(&self, from: i64, to: i64) -> Vec<AbortedTxn> {
        let start = self.entries.partition_point(|t| t.last_offset < from);
        self.entries[start..]
            .iter()
            .filter(|t| t.first_offset < to)
            .copied()
            .collect()
    }

    /// Forgets transactions wholly below the log start offset.
    pub(crate) fn drop_below(&mut self, log_start_offset: i64) {
        self.entries.retain(|t| t.last_offset >= log_start_offset);
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn txn(producer_id: i64, first_offset: i64, last_offset: i64) -> AbortedTxn {
        AbortedTxn {
            producer_id,
            first_offset,
            last_offset,
            last_stable_offset: last_offset + 1,
        }
    }

    #[test]
    fn entries_persist_per_segment_and_are_cut_back_to_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = AbortedTxns::default();
        index.add(dir.path(), 0, txn(1, 0, 4), false).unwrap();
        index.add(dir.path(), 0, txn(2, 2, 8), false).unwrap();
        // A replayed abort is not added twice.
        index.add(dir.path(), 0, txn(2, 2, 8), false).unwrap();
        index.add(dir.path(), 10, txn(3, 9, 12), true).unwrap();
        assert_eq!(index.len(), 3);
        let loaded = AbortedTxns::load(dir.path(), &[0, 10], 20).unwrap();
        assert_eq!(loaded, index);
        // The log lost its tail below offset 12.
        let cut = AbortedTxns::load(dir.path(), &[0, 10], 12).unwrap();
        assert_eq!(cut.len(), 2);
        let path = files::segment_file(dir.path(), 10, TXN_INDEX_SUFFIX);
        assert_eq!(std::fs::metadata(path).unwrap().len(), 0);
    }

    #[test]
    fn a_torn_entry_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = AbortedTxns::default();
        index.add(dir.path(), 0, txn(1, 0, 4), false).unwrap();
        let path = files::segment_file(dir.path(), 0, TXN_INDEX_SUFFIX);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&txn(2, 5, 6).encode()[..20]).unwrap();
        let loaded = AbortedTxns::load(dir.path(), &[0], 100).unwrap();
        assert_eq!(loaded.len(), 1);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), ENTRY_BYTES as u64);
    }

    #[test]
    fn a_fetch_gets_the_transactions_it_overlaps() {
        let mut index = AbortedTxns::default();
        let dir = tempfile::tempdir().unwrap();
        for t in [txn(1, 0, 4), txn(2, 2, 8), txn(3, 9, 12), txn(4, 20, 25)] {
            index.add(dir.path(), 0, t, false).unwrap();
        }
        let ids = |v: Vec<AbortedTxn>| v.iter().map(|t| t.producer_id).collect::<Vec<_>>();
        assert_eq!(ids(index.overlapping(5, 10)), [2, 3]);
        assert_eq!(ids(index.overlapping(0, 1)), [1]);
        assert_eq!(ids(index.overlapping(13, 20)), Vec::<i64>::new());
        index.drop_below(9);
        assert_eq!(ids(index.overlapping(0, 100)), [3, 4]);
    }
}
