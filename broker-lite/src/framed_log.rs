//! An append-only file of CRC-framed JSON entries: the durable form of the
//! coordinators' state (`__groups/groups.log`, `__transactions/transactions.log`).
//!
//! Frames are `[u32 length][u32 CRC-32C][payload]` (big-endian), each
//! payload one JSON entry. JSON keeps the files readable with standard
//! tools and lets fields be added later. Entries are replayed in order on
//! start; the first frame that is short or fails its CRC ends the replay
//! and is cut off, because only a write torn by a crash can produce one and
//! everything after it was never acknowledged. A file is rewritten whole
//! (temp file, fsync, rename, fsync of the directory) to compact it.
//!
//! Entries are self-contained changes in order, so a follower could apply
//! the same stream to replicate a coordinator.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

const FRAME_HEADER_BYTES: usize = 8;
/// A frame longer than this can only be a torn length field.
const MAX_ENTRY_BYTES: usize = 16 * 1024 * 1024;

/// What opening a file found besides its entries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Replayed {
    pub entries: u64,
    pub torn_bytes_dropped: u64,
}

#[derive(Debug)]
pub(crate) struct FramedLog {
    path: PathBuf,
    file: File,
    /// A second handle on the same file, so an fsync can run on the
    /// blocking pool without holding the owner's lock.
    sync_handle: Arc<File>,
    len_bytes: u64,
}

impl FramedLog {
    /// Reads every whole, valid entry of `path` (creating the file and its
    /// directory if needed) and cuts off a torn tail.
    pub fn open<T: DeserializeOwned>(path: &Path) -> std::io::Result<(Self, Vec<T>, Replayed)> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut bytes = Vec::new();
        match File::open(path) {
            Ok(mut f) => {
                f.read_to_end(&mut bytes)?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let (entries, valid_bytes) = read_frames(&bytes);
        let replayed = Replayed {
            entries: entries.len() as u64,
            torn_bytes_dropped: (bytes.len() - valid_bytes) as u64,
        };
        if replayed.torn_bytes_dropped > 0 {
            let f = OpenOptions::new().write(true).open(path)?;
            f.set_len(valid_bytes as u64)?;
            f.sync_all()?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let len_bytes = file.metadata()?.len();
        let sync_handle = Arc::new(file.try_clone()?);
        Ok((
            Self {
                path: path.to_owned(),
                file,
                sync_handle,
                len_bytes,
            },
            entries,
            replayed,
        ))
    }

    /// Appends entries with one write. On failure the file is cut back to
    /// where it was, so a later append never lands behind a torn frame.
    pub fn append<T: Serialize>(&mut self, entries: &[T]) -> std::io::Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut out = Vec::new();
        for entry in entries {
            encode_frame(entry, &mut out)?;
        }
        if let Err(e) = self.file.write_all(&out) {
            if let Err(truncate) = self.file.set_len(self.len_bytes) {
                tracing::error!(path = %self.path.display(), "cannot cut back a failed log write: {truncate}");
            }
            return Err(e);
        }
        self.len_bytes += out.len() as u64;
        Ok(())
    }

    /// Replaces the whole file with `entries` atomically (compaction).
    pub fn rewrite<T: Serialize>(&mut self, entries: &[T]) -> std::io::Result<()> {
        let mut out = Vec::new();
        for entry in entries {
            encode_frame(entry, &mut out)?;
        }
        crate::state::write_file_atomically(&self.path, &out)?;
        self.file = OpenOptions::new().append(true).open(&self.path)?;
        self.sync_handle = Arc::new(self.file.try_clone()?);
        self.len_bytes = out.len() as u64;
        Ok(())
    }

    pub fn sync_handle(&self) -> Arc<File> {
        Arc::clone(&self.sync_handle)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

pub(crate) fn encode_frame<T: Serialize>(entry: &T, out: &mut Vec<u8>) -> std::io::Result<()> {
    let payload = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
    let len = u32::try_from(payload.len())
        .ok()
        .filter(|&n| (n as usize) <= MAX_ENTRY_BYTES)
        .ok_or_else(|| std::io::Error::other("log entry too large"))?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&crc32c::crc32c(&payload).to_be_bytes());
    out.extend_from_slice(&payload);
    Ok(())
}

/// Every whole, valid entry, and how many leading bytes they span.
pub(crate) fn read_frames<T: DeserializeOwned>(bytes: &[u8]) -> (Vec<T>, usize) {
    let mut entries = Vec::new();
    let mut position = 0;
    while let Some(header) = bytes.get(position..position + FRAME_HEADER_BYTES) {
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let crc = u32::from_be_bytes([header[4], header[5], header[6], header[7]]);
        if len > MAX_ENTRY_BYTES {
            break;
        }
        let start = position + FRAME_HEADER_BYTES;
        let Some(payload) = bytes.get(start..start + len) else {
            break;
        };
        if crc32c::crc32c(payload) != crc {
            break;
        }
        let Ok(entry) = serde_json::from_slice::<T>(payload) else {
            // A valid CRC over an unreadable entry means a newer format
            // wrote it; stopping here keeps what we can understand intact.
            tracing::error!(
                position,
                "unreadable log entry; ignoring it and everything after"
            );
            break;
        };
        entries.push(entry);
        position = start + len;
    }
    (entries, position)
}
