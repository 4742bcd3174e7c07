//! The durable record of share groups: `<data-dir>/__share/share.log`, a
//! [`crate::framed_log`] file of JSON [`ShareEntry`] frames.
//!
//! Each change to a share partition logs the partition's whole state as one
//! entry (its SPSO and runs of in-flight offsets; see
//! [`StoredSharePartition`]), written before the answer that depends on it
//! leaves: an acquisition (so the delivery count survives), an
//! acknowledgement, a lock expiry. The last entry of a partition wins on
//! replay. On start, a file that is mostly superseded entries is rewritten
//! from the live state.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::partition::StoredSharePartition;
use crate::framed_log::{FramedLog, Replayed};

pub(crate) const SHARE_DIR: &str = "__share";
const LOG_FILE: &str = "share.log";
const COMPACT_MIN_ENTRIES: u64 = 64;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum ShareEntry {
    /// A share group and its group epoch.
    Group {
        group: String,
        epoch: i32,
    },
    /// The group's `share.auto.offset.reset` ("latest" or "earliest").
    Config {
        group: String,
        auto_offset_reset: String,
    },
    /// The group's `share.record.lock.duration.ms`; `None` after a DELETE
    /// (the broker's default again).
    RecordLockDuration {
        group: String,
        ms: Option<i64>,
    },
    /// One share partition's whole state.
    Partition {
        group: String,
        topic: String,
        partition: i32,
        state: StoredSharePartition,
    },
    /// DeleteShareGroupOffsets (or a deleted topic): the partition starts
    /// over from `share.auto.offset.reset` when next fetched.
    PartitionDelete {
        group: String,
        topic: String,
        partition: i32,
    },
    GroupDelete {
        group: String,
    },
}

/// What a replay found for one group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct StoredShareGroup {
    pub epoch: i32,
    pub auto_offset_reset: Option<String>,
    pub record_lock_duration_ms: Option<i64>,
    pub partitions: BTreeMap<(String, i32), StoredSharePartition>,
}

#[derive(Debug)]
pub(crate) struct ShareStore {
    log: FramedLog,
}

impl ShareStore {
    pub fn open(
        data_dir: &Path,
    ) -> std::io::Result<(Self, BTreeMap<String, StoredShareGroup>, Replayed)> {
        let path = data_dir.join(SHARE_DIR).join(LOG_FILE);
        let (mut log, entries, replayed) = FramedLog::open::<ShareEntry>(&path)?;
        let mut groups: BTreeMap<String, StoredShareGroup> = BTreeMap::new();
        for entry in entries {
            apply(&mut groups, entry);
        }
        let live: u64 = groups.values().map(|g| 1 + g.partitions.len() as u64).sum();
        if replayed.entries >= COMPACT_MIN_ENTRIES && replayed.entries > 2 * live {
            log.rewrite(&snapshot(&groups))?;
        }
        Ok((Self { log }, groups, replayed))
    }

    pub fn append(&mut self, entries: &[ShareEntry]) -> std::io::Result<()> {
        self.log.append(entries)
    }

    pub fn sync_handle(&self) -> Arc<File> {
        self.log.sync_handle()
    }

    pub fn path(&self) -> &Path {
        self.log.path()
    }
}

fn apply(groups: &mut BTreeMap<String, StoredShareGroup>, entry: ShareEntry) {
    match entry {
        ShareEntry::Group { group, epoch } => groups.entry(group).or_default().epoch = epoch,
        ShareEntry::Config {
            group,
            auto_offset_reset,
        } => groups.entry(group).or_default().auto_offset_reset = Some(auto_offset_reset),
        ShareEntry::RecordLockDuration { group, ms } => {
            groups.entry(group).or_default().record_lock_duration_ms = ms
        }
        ShareEntry::Partition {
            group,
            topic,
            partition,
            state,
        } => {
            groups
                .entry(group)
                .or_default()
                .partitions
                .insert((topic, partition), state);
        }
        ShareEntry::PartitionDelete {
            group,
            topic,
            partition,
        } => {
            if let Some(g) = groups.get_mut(&group) {
                g.partitions.remove(&(topic, partition));
            }
        }
        ShareEntry::GroupDelete { group } => {
            groups.remove(&group);
        }
    }
}

fn snapshot(groups: &BTreeMap<String, StoredShareGroup>) -> Vec<ShareEntry> {
    let mut entries = Vec::new();
    for (group, g) in groups {
        entries.push(ShareEntry::Group {
            group: group.clone(),
            epoch: g.epoch,
        });
        if let Some(reset) = &g.auto_offset_reset {
            entries.push(ShareEntry::Config {
                group: group.clone(),
                auto_offset_reset: reset.clone(),
            });
        }
        if let Some(ms) = g.record_lock_duration_ms {
            entries.push(ShareEntry::RecordLockDuration {
                group: group.clone(),
                ms: Some(ms),
            });
        }
        for ((topic, partition), state) in &g.partitions {
            entries.push(ShareEntry::Partition {
                group: group.clone(),
                topic: topic.clone(),
                partition: *partition,
                state: state.clone(),
            });
        }
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_state_of_a_partition_wins_and_compaction_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let state = |start| StoredSharePartition {
            start_offset: start,
            runs: vec![(start, start + 1, 0, 2)],
            archived_total: 0,
            redeliveries_total: u64::try_from(start).unwrap(),
        };
        {
            let (mut store, groups, _) = ShareStore::open(dir.path()).unwrap();
            assert!(groups.is_empty());
            let mut entries = vec![ShareEntry::Group {
                group: "g".into(),
                epoch: 3,
            }];
            for start in 0..100 {
                entries.push(ShareEntry::Partition {
                    group: "g".into(),
                    topic: "t".into(),
                    partition: 0,
                    state: state(start),
                });
            }
            // The group's lock duration: set, cleared, set again; and one
            // group's set then deleted (the broker default again).
            for ms in [Some(5_000), None, Some(2_000)] {
                entries.push(ShareEntry::RecordLockDuration {
                    group: "g".into(),
                    ms,
                });
            }
            for ms in [Some(5_000), None] {
                entries.push(ShareEntry::RecordLockDuration {
                    group: "default".into(),
                    ms,
                });
            }
            entries.push(ShareEntry::Group {
                group: "gone".into(),
                epoch: 1,
            });
            entries.push(ShareEntry::GroupDelete {
                group: "gone".into(),
            });
            store.append(&entries).unwrap();
        }
        // The second open reads what the first one's compaction rewrote.
        for _ in 0..2 {
            let (_, groups, _) = ShareStore::open(dir.path()).unwrap();
            assert_eq!(groups.len(), 2);
            assert_eq!(groups["g"].epoch, 3);
            assert_eq!(groups["g"].partitions[&("t".to_string(), 0)], state(99));
            assert_eq!(groups["g"].record_lock_duration_ms, Some(2_000));
            assert_eq!(groups["default"].record_lock_duration_ms, None);
        }
    }
}
