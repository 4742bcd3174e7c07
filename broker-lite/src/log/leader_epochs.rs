//! The leader epoch cache: which leader epoch began at which offset, kept in
//! `leader-epoch-checkpoint` in Kafka's format (a version line `0`, a count
//! line, then `epoch startOffset` per line; Kafka's `LeaderEpochFileCache`).
//!
//! It answers OffsetForLeaderEpoch: "where did epoch E end in your log?",
//! which a follower asks a new leader to find where its own log diverged
//! (KIP-101), instead of trusting its high watermark.

use std::path::{Path, PathBuf};

use super::LogError;
use super::files;

pub(crate) const LEADER_EPOCH_CHECKPOINT: &str = "leader-epoch-checkpoint";
const VERSION: &str = "0";

/// Kafka's `UNDEFINED_EPOCH` and `UNDEFINED_EPOCH_OFFSET`.
pub const UNDEFINED_EPOCH: i32 = -1;
pub const UNDEFINED_EPOCH_OFFSET: i64 = -1;

#[derive(Debug, Default)]
pub(crate) struct LeaderEpochCache {
    path: PathBuf,
    /// (epoch, start offset), both strictly increasing.
    entries: Vec<(i32, i64)>,
}

impl LeaderEpochCache {
    /// Reads the checkpoint; a missing or unreadable one is an empty cache
    /// (the caller rebuilds it from the batches' epochs).
    pub(crate) fn load(dir: &Path) -> (Self, bool) {
        let path = dir.join(LEADER_EPOCH_CHECKPOINT);
        let parsed = std::fs::read_to_string(&path).ok().and_then(|text| {
            let mut lines = text.lines();
            if lines.next()? != VERSION {
                return None;
            }
            let count: usize = lines.next()?.trim().parse().ok()?;
            let entries: Option<Vec<(i32, i64)>> = lines
                .map(|l| {
                    let (e, o) = l.trim().split_once(' ')?;
                    Some((e.parse().ok()?, o.parse().ok()?))
                })
                .collect();
            entries.filter(|e| e.len() == count)
        });
        let found = parsed.is_some();
        (
            Self {
                path,
                entries: parsed.unwrap_or_default(),
            },
            found,
        )
    }

    pub(crate) fn latest_epoch(&self) -> Option<i32> {
        self.entries.last().map(|(e, _)| *e)
    }

    #[cfg(test)]
    pub(crate) fn entries(&self) -> &[(i32, i64)] {
        &self.entries
    }

    /// Records that `epoch` starts at `start_offset`, if it is newer than
    /// the latest; returns whether the cache changed (and must be written).
    pub(crate) fn assign(&mut self, epoch: i32, start_offset: i64) -> bool {
        if epoch < 0 || self.latest_epoch().is_some_and(|latest| epoch <= latest) {
            return false;
        }
        self.entries.push((epoch, start_offset));
        true
    }

    /// Forgets epochs that start at or after `end_offset` (a truncation).
    pub(crate) fn truncate_from_end(&mut self, end_offset: i64) -> bool {
        let before = self.entries.len();
        self.entries.retain(|(_, start)| *start < end_offset);
        before != self.entries.len()
    }

    /// Kafka's `endOffsetFor`: the largest epoch at or below `requested`
    /// and the offset where it ended (the next epoch's start, or the log
    /// end for the latest epoch).
    pub fn end_offset_for(&self, requested: i32, log_end_offset: i64) -> (i32, i64) {
        if requested == UNDEFINED_EPOCH {
            return (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET);
        }
        if self.latest_epoch() == Some(requested) {
            return (requested, log_end_offset);
        }
        let Some(higher) = self.entries.iter().find(|(e, _)| *e > requested) else {
            return (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET);
        };
        match self.entries.iter().rev().find(|(e, _)| *e <= requested) {
            Some((floor, _)) => (*floor, higher.1),
            None => (requested, higher.1),
        }
    }

    pub(crate) fn write(&self) -> Result<(), LogError> {
        let mut text = format!("{VERSION}\n{}\n", self.entries.len());
        for (epoch, offset) in &self.entries {
            text.push_str(&format!("{epoch} {offset}\n"));
        }
        files::write_atomically(&self.path, text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_offsets_follow_kafkas_rules() {
        let dir = tempfile::tempdir().unwrap();
        let (mut cache, found) = LeaderEpochCache::load(dir.path());
        assert!(!found);
        assert!(cache.assign(1, 0));
        assert!(!cache.assign(1, 5));
        assert!(cache.assign(3, 10));
        assert!(cache.assign(4, 20));
        assert_eq!(cache.end_offset_for(4, 30), (4, 30));
        assert_eq!(cache.end_offset_for(3, 30), (3, 20));
        assert_eq!(cache.end_offset_for(2, 30), (1, 10));
        assert_eq!(cache.end_offset_for(0, 30), (0, 0));
        assert_eq!(
            cache.end_offset_for(5, 30),
            (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET)
        );
        cache.write().unwrap();
        let (reloaded, found) = LeaderEpochCache::load(dir.path());
        assert!(found);
        assert_eq!(reloaded.entries(), cache.entries());
        assert!(cache.truncate_from_end(20));
        assert_eq!(cache.latest_epoch(), Some(3));
    }
}
