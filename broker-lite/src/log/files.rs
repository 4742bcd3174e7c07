//! File names in a partition directory, atomic small-file writes, and the
//! two offset checkpoints.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use super::error::LogError;

pub(crate) const LOG_SUFFIX: &str = "log";
pub(crate) const OFFSET_INDEX_SUFFIX: &str = "index";
pub(crate) const TIME_INDEX_SUFFIX: &str = "timeindex";
/// Left behind by an atomic write that did not reach its rename.
pub(crate) const TEMP_SUFFIX: &str = crate::state::ATOMIC_TEMP_SUFFIX;
pub(crate) const LOG_START_OFFSET_CHECKPOINT: &str = "log-start-offset-checkpoint";
pub(crate) const RECOVERY_POINT_CHECKPOINT: &str = "recovery-point-offset-checkpoint";
/// Checkpoint files start with a format version line, as Kafka's do, so the
/// format can change without misreading old files.
const CHECKPOINT_VERSION: &str = "0";

/// `00000000000000001234.log` and friends: Kafka's names, which sort by
/// offset.
pub(crate) fn segment_file(dir: &Path, base_offset: i64, suffix: &str) -> PathBuf {
    dir.join(format!("{base_offset:020}.{suffix}"))
}

/// The base offset a segment file name stands for, and its suffix.
pub(crate) fn parse_segment_file_name(name: &str) -> Option<(i64, &str)> {
    let (stem, suffix) = name.split_once('.')?;
    if stem.len() != 20 || !stem.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((stem.parse().ok()?, suffix))
}

/// Replaces `path` with `contents` so that a crash leaves either the old file
/// or the new one, never a mix: [`crate::state::write_file_atomically`], with
/// the error typed for the log.
pub(crate) fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), LogError> {
    crate::state::write_file_atomically(path, contents)
        .map_err(LogError::io("write atomically", path))
}

/// Makes creations, renames and deletions in `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), LogError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(LogError::io("fsync directory", dir))
}

pub(crate) fn open_read_write(path: &Path) -> Result<File, LogError> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(LogError::io("open", path))
}

pub(crate) fn write_checkpoint(dir: &Path, name: &str, offset: i64) -> Result<(), LogError> {
    write_atomically(
        &dir.join(name),
        format!("{CHECKPOINT_VERSION}\n{offset}\n").as_bytes(),
    )
}

/// `Ok(None)` when there is no checkpoint yet. A checkpoint that does not
/// parse is reported as `None` too, with a warning: both are derived data the
/// log can do without (at the cost of a longer recovery or a log start at
/// the first segment).
pub(crate) fn read_checkpoint(dir: &Path, name: &str) -> Result<Option<i64>, LogError> {
    let path = dir.join(name);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => {
            return Err(LogError::Io {
                op: "read",
                path,
                source: err,
            });
        }
    };
    let mut lines = text.lines();
    let parsed = match (
        lines.next(),
        lines.next().map(str::parse::<i64>),
        lines.next(),
    ) {
        (Some(CHECKPOINT_VERSION), Some(Ok(offset)), None) if offset >= 0 => Some(offset),
        _ => None,
    };
    if parsed.is_none() {
        tracing::warn!(path = %path.display(), "ignoring an unreadable checkpoint");
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_by_offset_and_parse_back() {
        let dir = Path::new("/p");
        let name = segment_file(dir, 1234, LOG_SUFFIX);
        assert_eq!(name, Path::new("/p/00000000000000001234.log"));
        assert_eq!(
            parse_segment_file_name("00000000000000001234.timeindex"),
            Some((1234, "timeindex"))
        );
        assert_eq!(
            parse_segment_file_name("00000000000000001234.log.tmp"),
            Some((1234, "log.tmp"))
        );
        assert_eq!(parse_segment_file_name("1234.log"), None);
        assert_eq!(parse_segment_file_name("0000000000000000123x.log"), None);
        assert_eq!(parse_segment_file_name(LOG_START_OFFSET_CHECKPOINT), None);
    }

    #[test]
    fn checkpoints_round_trip_and_garbage_reads_as_missing() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            read_checkpoint(dir.path(), RECOVERY_POINT_CHECKPOINT).unwrap(),
            None
        );
        write_checkpoint(dir.path(), RECOVERY_POINT_CHECKPOINT, 42).unwrap();
        assert_eq!(
            read_checkpoint(dir.path(), RECOVERY_POINT_CHECKPOINT).unwrap(),
            Some(42)
        );
        fs::write(dir.path().join(RECOVERY_POINT_CHECKPOINT), "0\n4").unwrap();
        assert_eq!(
            read_checkpoint(dir.path(), RECOVERY_POINT_CHECKPOINT).unwrap(),
            Some(4)
        );
        fs::write(dir.path().join(RECOVERY_POINT_CHECKPOINT), "0\n-4\n").unwrap();
        assert_eq!(
            read_checkpoint(dir.path(), RECOVERY_POINT_CHECKPOINT).unwrap(),
            None
        );
        fs::write(dir.path().join(RECOVERY_POINT_CHECKPOINT), "9\n4\n").unwrap();
        assert_eq!(
            read_checkpoint(dir.path(), RECOVERY_POINT_CHECKPOINT).unwrap(),
            None
        );
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left behind"
        );
    }
}
