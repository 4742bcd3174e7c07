//! `.index`: the sparse offset index, and the file handling it shares with
//! `.timeindex`.
//!
//! An entry `[u32 offset - base_offset][u32 position]` is added after every
//! `index_interval_bytes` of appended batches. As in Kafka, its offset is the
//! *last* offset of the batch that starts at that position, so a lookup for
//! `target` takes the greatest entry whose offset is <= target and scans
//! batch headers forward from its position.
//!
//! Indexes are derived data: they are never fsynced ahead of the log, are
//! rebuilt from the `.log` whenever they cannot be trusted, and are kept
//! whole in memory (8 bytes per 4 KiB of log).

use std::fs::{File, OpenOptions};
use std::marker::PhantomData;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::error::LogError;
use super::files::write_atomically;

/// A fixed-size index entry with a big-endian encoding.
pub(crate) trait IndexEntry: Copy + std::fmt::Debug {
    const BYTES: usize;
    fn encode(&self, out: &mut [u8]);
    fn decode(bytes: &[u8]) -> Self;
    /// Whether `next` may follow `self` in a well-formed index.
    fn may_precede(&self, next: &Self) -> bool;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OffsetEntry {
    pub relative_offset: u32,
    pub position: u32,
}

impl IndexEntry for OffsetEntry {
    const BYTES: usize = 8;

    fn encode(&self, out: &mut [u8]) {
        out[..4].copy_from_slice(&self.relative_offset.to_be_bytes());
        out[4..8].copy_from_slice(&self.position.to_be_bytes());
    }

    fn decode(bytes: &[u8]) -> Self {
        Self {
            relative_offset: be_u32(&bytes[..4]),
            position: be_u32(&bytes[4..8]),
        }
    }

    fn may_precede(&self, next: &Self) -> bool {
        self.relative_offset < next.relative_offset && self.position < next.position
    }
}

pub(crate) fn be_u32(bytes: &[u8]) -> u32 {
    let mut raw = [0u8; 4];
    raw.copy_from_slice(bytes);
    u32::from_be_bytes(raw)
}

/// An index file and its entries in memory. Appends go to both.
#[derive(Debug)]
pub(crate) struct IndexFile<E> {
    path: PathBuf,
    file: File,
    entries: Vec<E>,
    _entry: PhantomData<E>,
}

pub(crate) type OffsetIndex = IndexFile<OffsetEntry>;

impl<E: IndexEntry> IndexFile<E> {
    /// Writes `entries` as the whole index (atomically, so a crash never
    /// leaves a half-rebuilt file) and opens it for appends.
    pub(crate) fn write(path: &Path, entries: Vec<E>) -> Result<Self, LogError> {
        let mut bytes = vec![0u8; entries.len() * E::BYTES];
        for (entry, out) in entries.iter().zip(bytes.chunks_exact_mut(E::BYTES)) {
            entry.encode(out);
        }
        write_atomically(path, &bytes)?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(LogError::io("open", path))?;
        Ok(Self {
            path: path.to_path_buf(),
            file,
            entries,
            _entry: PhantomData,
        })
    }

    /// Loads an existing index. `Ok(Err(reason))` when it is missing or
    /// malformed (a size that is not a whole number of entries, entries out
    /// of order): the caller rebuilds it from the log.
    pub(crate) fn load(path: &Path) -> Result<Result<Self, String>, LogError> {
        let file = match OpenOptions::new().read(true).write(true).open(path) {
            Ok(file) => file,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Err("missing".into()));
            }
            Err(source) => {
                return Err(LogError::Io {
                    op: "open",
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        let len_bytes = file.metadata().map_err(LogError::io("stat", path))?.len();
        if len_bytes % E::BYTES as u64 != 0 {
            return Ok(Err(format!(
                "{len_bytes} bytes is not a whole number of {}-byte entries",
                E::BYTES
            )));
        }
        let mut bytes = vec![0u8; len_bytes as usize];
        file.read_exact_at(&mut bytes, 0)
            .map_err(LogError::io("read", path))?;
        let entries: Vec<E> = bytes.chunks_exact(E::BYTES).map(E::decode).collect();
        if let Some(i) = entries.windows(2).position(|w| !w[0].may_precede(&w[1])) {
            return Ok(Err(format!(
                "entry {} ({:?}) does not follow {:?}",
                i + 1,
                entries[i + 1],
                entries[i]
            )));
        }
        Ok(Ok(Self {
            path: path.to_path_buf(),
            file,
            entries,
            _entry: PhantomData,
        }))
    }

    pub(crate) fn append(&mut self, entry: E) -> Result<(), LogError> {
        debug_assert!(
            self.entries
                .last()
                .is_none_or(|last| last.may_precede(&entry)),
            "{entry:?} out of order"
        );
        let mut bytes = [0u8; 16];
        entry.encode(&mut bytes[..E::BYTES]);
        let at = (self.entries.len() * E::BYTES) as u64;
        self.file
            .write_all_at(&bytes[..E::BYTES], at)
            .map_err(LogError::io("write", &self.path))?;
        self.entries.push(entry);
        Ok(())
    }

    pub(crate) fn entries(&self) -> &[E] {
        &self.entries
    }

    pub(crate) fn last(&self) -> Option<E> {
        self.entries.last().copied()
    }

    /// The greatest entry for which `is_at_or_before` holds, given that it
    /// holds for a prefix of the entries.
    pub(crate) fn floor(&self, is_at_or_before: impl Fn(&E) -> bool) -> Option<E> {
        let after = self.entries.partition_point(is_at_or_before);
        after.checked_sub(1).map(|i| self.entries[i])
    }

    pub(crate) fn sync(&self) -> Result<(), LogError> {
        self.file
            .sync_data()
            .map_err(LogError::io("fsync", &self.path))
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl OffsetIndex {
    /// Where to start scanning for `relative_offset`.
    pub(crate) fn lookup(&self, relative_offset: u32) -> Option<OffsetEntry> {
        self.floor(|e| e.relative_offset <= relative_offset)
    }

    /// The last indexed batch that starts at or before `position`.
    pub(crate) fn lookup_position(&self, position: u32) -> Option<OffsetEntry> {
        self.floor(|e| e.position <= position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(relative_offset: u32, position: u32) -> OffsetEntry {
        OffsetEntry {
            relative_offset,
            position,
        }
    }

    #[test]
    fn lookups_take_the_floor_entry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("0.index");
        let mut index = OffsetIndex::write(&path, vec![entry(9, 4100)]).unwrap();
        index.append(entry(20, 8300)).unwrap();
        assert_eq!(index.lookup(8), None);
        assert_eq!(index.lookup(9), Some(entry(9, 4100)));
        assert_eq!(index.lookup(19), Some(entry(9, 4100)));
        assert_eq!(index.lookup(u32::MAX), Some(entry(20, 8300)));
        assert_eq!(index.lookup_position(4099), None);
        assert_eq!(index.lookup_position(8300), Some(entry(20, 8300)));
        let reloaded = OffsetIndex::load(&path).unwrap().unwrap();
        assert_eq!(reloaded.entries(), index.entries());
    }

    #[test]
    fn refuses_torn_or_disordered_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("0.index");
        assert!(OffsetIndex::load(&path).unwrap().is_err(), "missing");
        OffsetIndex::write(&path, vec![entry(1, 100), entry(2, 200)]).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..12]).unwrap();
        assert!(OffsetIndex::load(&path).unwrap().is_err(), "torn entry");
        let mut zeroed = bytes.clone();
        zeroed.extend([0u8; 8]);
        std::fs::write(&path, &zeroed).unwrap();
        assert!(
            OffsetIndex::load(&path).unwrap().is_err(),
            "zero-filled tail after a crash"
        );
        OffsetIndex::write(&path, vec![entry(2, 100), entry(1, 200)]).unwrap();
        assert!(
            OffsetIndex::load(&path).unwrap().is_err(),
            "offsets go backwards"
        );
    }
}
