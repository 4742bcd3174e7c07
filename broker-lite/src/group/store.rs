//! The durable record of groups and committed offsets:
//! `<data-dir>/__groups/groups.log`.
//!
//! A [`crate::framed_log`] file of JSON [`Entry`] frames. JSON keeps the file
//! readable with standard tools and lets fields be added later; the commit
//! rate of consumer groups is far too low for its cost to matter. Entries
//! are replayed in order on start; the first frame that is short or fails
//! its CRC ends the replay and is cut off, because only a write torn by a
//! crash can produce one and everything after it was never acknowledged.
//!
//! Every superseded commit stays in the file until the next start, when the
//! file is rewritten from the live state (temp file, fsync, rename, fsync of
//! the directory) if most of it is garbage.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::assignors::Assignment;
use crate::framed_log::FramedLog;
use crate::txn::PendingOffset;

/// The directory, under the data dir, holding the log.
pub(crate) const GROUPS_DIR: &str = "__groups";
const LOG_FILE: &str = "groups.log";
/// Below this many entries a rewrite saves too little to bother.
const COMPACT_MIN_ENTRIES: u64 = 64;

/// One change to the group state, as logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum Entry {
    Offset {
        group: String,
        topic: String,
        partition: i32,
        offset: i64,
        leader_epoch: i32,
        metadata: Option<String>,
        commit_timestamp_ms: i64,
    },
    OffsetDelete {
        group: String,
        topic: String,
        partition: i32,
    },
    /// Written when a generation completes: what DescribeGroups and
    /// ListGroups show for the group after a restart, when it comes back
    /// Empty (members are not restored; they rejoin).
    Group {
        group: String,
        protocol_type: Option<String>,
        protocol: Option<String>,
        generation: i32,
    },
    GroupDelete {
        group: String,
    },
    /// A consumer-protocol group (KIP-848): its group epoch and, from this
    /// version on, its members and target assignment, written whenever any
    /// of them changes (Kafka keeps the same in its ConsumerGroup* records
    /// of `__consumer_offsets`). After a restart the members are back with
    /// their epochs and assignments and fresh session timers, so they keep
    /// heartbeating without a rebalance. An entry without `members` (an
    /// older log) brings the group back Empty with that epoch; its members
    /// then rejoin when their heartbeats get UNKNOWN_MEMBER_ID.
    ConsumerGroup {
        group: String,
        epoch: i32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        members: Option<StoredConsumerGroup>,
    },
}

/// A transaction's offset commit is logged as the commit it becomes.
impl From<PendingOffset> for Entry {
    fn from(o: PendingOffset) -> Self {
        Self::Offset {
            group: o.group,
            topic: o.topic,
            partition: o.partition,
            offset: o.offset,
            leader_epoch: o.leader_epoch,
            metadata: o.metadata,
            commit_timestamp_ms: o.commit_timestamp_ms,
        }
    }
}

impl Entry {
    /// An offset commit read back from a transactional batch: held until
    /// the transaction's marker decides it. `None` for other entries.
    pub(crate) fn into_pending_offset(self) -> Option<PendingOffset> {
        match self {
            Self::Offset {
                group,
                topic,
                partition,
                offset,
                leader_epoch,
                metadata,
                commit_timestamp_ms,
            } => Some(PendingOffset {
                group,
                topic,
                partition,
                offset,
                leader_epoch,
                metadata,
                commit_timestamp_ms,
            }),
            _ => None,
        }
    }
}

impl Entry {
    /// The group the entry changes.
    pub(crate) fn group(&self) -> &str {
        match self {
            Entry::Offset { group, .. }
            | Entry::OffsetDelete { group, .. }
            | Entry::Group { group, .. }
            | Entry::GroupDelete { group }
            | Entry::ConsumerGroup { group, .. } => group,
        }
    }
}

/// Replays `entries` (in log order) into the groups they describe.
pub(crate) fn replay(entries: impl IntoIterator<Item = Entry>) -> BTreeMap<String, StoredGroup> {
    let mut groups = BTreeMap::new();
    for entry in entries {
        apply(&mut groups, entry);
    }
    groups
}

/// A consumer-protocol group's membership as logged: everything but the
/// timers, which restart at the restore.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredConsumerGroup {
    pub assignment_epoch: i32,
    pub assignor: String,
    /// Partition counts of the subscribed topics the target was computed on.
    pub subscribed_partitions: BTreeMap<String, i32>,
    pub members: Vec<StoredConsumerMember>,
}

/// One member of a [`StoredConsumerGroup`] with its current and target
/// assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredConsumerMember {
    pub id: String,
    pub instance_id: Option<String>,
    pub rack_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    pub epoch: i32,
    pub previous_epoch: i32,
    /// `stable`, `unrevoked_partitions` or `unreleased_partitions`.
    pub state: String,
    pub topic_names: Vec<String>,
    pub topic_regex: Option<String>,
    pub server_assignor: Option<String>,
    pub rebalance_timeout_ms: u64,
    pub assigned: Assignment,
    pub revoking: Assignment,
    pub target: Assignment,
    /// Set for a member speaking the classic protocol (KIP-848 migration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classic: Option<StoredClassicMember>,
}

/// What a classic member of a consumer group joined with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredClassicMember {
    pub session_timeout_ms: u64,
    /// (protocol name, subscription bytes), in the member's order.
    pub protocols: Vec<(String, Vec<u8>)>,
}

/// A committed offset as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CommittedOffset {
    pub offset: i64,
    pub leader_epoch: i32,
    pub metadata: Option<String>,
    pub commit_timestamp_ms: i64,
}

/// What a replay found for one group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct StoredGroup {
    pub protocol_type: Option<String>,
    pub protocol: Option<String>,
    pub generation: i32,
    pub offsets: BTreeMap<(String, i32), CommittedOffset>,
    /// Set for a consumer-protocol group: its last group epoch.
    pub consumer_epoch: Option<i32>,
    /// A consumer-protocol group's members, when the log has them.
    pub consumer_members: Option<StoredConsumerGroup>,
}

/// What [`GroupStore::open`] reports besides the groups.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct OpenReport {
    pub entries_replayed: u64,
    pub torn_bytes_dropped: u64,
    pub compacted: bool,
}

/// The group log: a [`FramedLog`] of [`Entry`] frames.
#[derive(Debug)]
pub(crate) struct GroupStore {
    log: FramedLog,
}

impl GroupStore {
    /// Opens (creating if needed) the log under `data_dir`, replays it, cuts
    /// off a torn tail and compacts it if most entries are superseded.
    pub fn open(
        data_dir: &Path,
    ) -> std::io::Result<(Self, BTreeMap<String, StoredGroup>, OpenReport)> {
        let path = data_dir.join(GROUPS_DIR).join(LOG_FILE);
        let (mut log, entries, replayed) = FramedLog::open::<Entry>(&path)?;
        let mut groups: BTreeMap<String, StoredGroup> = BTreeMap::new();
        for entry in entries {
            apply(&mut groups, entry);
        }
        let mut report = OpenReport {
            entries_replayed: replayed.entries,
            torn_bytes_dropped: replayed.torn_bytes_dropped,
            compacted: false,
        };
        if replayed.entries >= COMPACT_MIN_ENTRIES && replayed.entries > 2 * live_entries(&groups) {
            log.rewrite(&snapshot(&groups))?;
            report.compacted = true;
        }
        Ok((Self { log }, groups, report))
    }

    /// Appends entries with one write; see [`FramedLog::append`].
    pub fn append(&mut self, entries: &[Entry]) -> std::io::Result<()> {
        self.log.append(entries)
    }

    pub fn sync_handle(&self) -> Arc<File> {
        self.log.sync_handle()
    }

    pub fn path(&self) -> &Path {
        self.log.path()
    }
}

fn apply(groups: &mut BTreeMap<String, StoredGroup>, entry: Entry) {
    match entry {
        Entry::Offset {
            group,
            topic,
            partition,
            offset,
            leader_epoch,
            metadata,
            commit_timestamp_ms,
        } => {
            groups.entry(group).or_default().offsets.insert(
                (topic, partition),
                CommittedOffset {
                    offset,
                    leader_epoch,
                    metadata,
                    commit_timestamp_ms,
                },
            );
        }
        Entry::OffsetDelete {
            group,
            topic,
            partition,
        } => {
            if let Some(g) = groups.get_mut(&group) {
                g.offsets.remove(&(topic, partition));
            }
        }
        Entry::Group {
            group,
            protocol_type,
            protocol,
            generation,
        } => {
            let g = groups.entry(group).or_default();
            g.protocol_type = protocol_type;
            g.protocol = protocol;
            g.generation = generation;
            g.consumer_epoch = None;
            g.consumer_members = None;
        }
        Entry::ConsumerGroup {
            group,
            epoch,
            members,
        } => {
            let g = groups.entry(group).or_default();
            g.protocol_type = None;
            g.protocol = None;
            g.generation = 0;
            g.consumer_epoch = Some(epoch);
            g.consumer_members = members;
        }
        Entry::GroupDelete { group } => {
            groups.remove(&group);
        }
    }
}

fn live_entries(groups: &BTreeMap<String, StoredGroup>) -> u64 {
    groups.values().map(|g| 1 + g.offsets.len() as u64).sum()
}

/// The fewest entries that replay to `groups`.
pub(crate) fn snapshot(groups: &BTreeMap<String, StoredGroup>) -> Vec<Entry> {
    let mut entries = Vec::new();
    for (name, group) in groups {
        entries.push(match group.consumer_epoch {
            Some(epoch) => Entry::ConsumerGroup {
                group: name.clone(),
                epoch,
                members: group.consumer_members.clone(),
            },
            None => Entry::Group {
                group: name.clone(),
                protocol_type: group.protocol_type.clone(),
                protocol: group.protocol.clone(),
                generation: group.generation,
            },
        });
        for ((topic, partition), offset) in &group.offsets {
            entries.push(Entry::Offset {
                group: name.clone(),
                topic: topic.clone(),
                partition: *partition,
                offset: offset.offset,
                leader_epoch: offset.leader_epoch,
                metadata: offset.metadata.clone(),
                commit_timestamp_ms: offset.commit_timestamp_ms,
            });
        }
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framed_log::encode_frame;
    use std::fs::OpenOptions;
    use std::io::Write;

    fn commit(group: &str, partition: i32, offset: i64) -> Entry {
        Entry::Offset {
            group: group.into(),
            topic: "t".into(),
            partition,
            offset,
            leader_epoch: -1,
            metadata: Some(format!("m{offset}")),
            commit_timestamp_ms: 1,
        }
    }

    #[test]
    fn entries_replay_in_order_after_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, groups, _) = GroupStore::open(dir.path()).unwrap();
        assert!(groups.is_empty());
        store
            .append(&[
                commit("a", 0, 5),
                commit("a", 0, 7),
                commit("a", 1, 3),
                Entry::Group {
                    group: "a".into(),
                    protocol_type: Some("consumer".into()),
                    protocol: Some("range".into()),
                    generation: 4,
                },
                commit("b", 0, 1),
                Entry::OffsetDelete {
                    group: "a".into(),
                    topic: "t".into(),
                    partition: 1,
                },
                Entry::GroupDelete { group: "b".into() },
            ])
            .unwrap();
        drop(store);
        let (_, groups, report) = GroupStore::open(dir.path()).unwrap();
        assert_eq!(report.entries_replayed, 7);
        assert_eq!(groups.keys().collect::<Vec<_>>(), ["a"]);
        let a = &groups["a"];
        assert_eq!(a.generation, 4);
        assert_eq!(a.protocol.as_deref(), Some("range"));
        assert_eq!(a.offsets.len(), 1);
        let committed = &a.offsets[&("t".to_owned(), 0)];
        assert_eq!(committed.offset, 7);
        assert_eq!(committed.metadata.as_deref(), Some("m7"));
    }

    #[test]
    fn a_torn_tail_is_cut_off_and_later_appends_survive() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _, _) = GroupStore::open(dir.path()).unwrap();
        store
            .append(&[commit("g", 0, 1), commit("g", 0, 2)])
            .unwrap();
        let path = store.path().to_owned();
        drop(store);
        let whole = std::fs::metadata(&path).unwrap().len();
        // Half of a third frame, as a crash mid-write leaves it.
        let mut torn = Vec::new();
        encode_frame(&commit("g", 0, 3), &mut torn).unwrap();
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&torn[..torn.len() / 2]).unwrap();
        drop(f);

        let (mut store, groups, report) = GroupStore::open(dir.path()).unwrap();
        assert_eq!(groups["g"].offsets[&("t".to_owned(), 0)].offset, 2);
        assert_eq!(report.torn_bytes_dropped, (torn.len() / 2) as u64);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), whole);
        store.append(&[commit("g", 0, 4)]).unwrap();
        drop(store);
        let (_, groups, _) = GroupStore::open(dir.path()).unwrap();
        assert_eq!(groups["g"].offsets[&("t".to_owned(), 0)].offset, 4);
    }

    #[test]
    fn a_corrupt_frame_ends_the_replay() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _, _) = GroupStore::open(dir.path()).unwrap();
        store
            .append(&[commit("g", 0, 1), commit("g", 0, 2)])
            .unwrap();
        let path = store.path().to_owned();
        drop(store);
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 2;
        bytes[last] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        let (_, groups, report) = GroupStore::open(dir.path()).unwrap();
        assert_eq!(report.entries_replayed, 1);
        assert_eq!(groups["g"].offsets[&("t".to_owned(), 0)].offset, 1);
    }

    #[test]
    fn a_mostly_superseded_log_is_compacted_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _, _) = GroupStore::open(dir.path()).unwrap();
        for offset in 0..500 {
            store
                .append(&[commit("g", (offset % 2) as i32, offset)])
                .unwrap();
        }
        let path = store.path().to_owned();
        drop(store);
        let before = std::fs::metadata(&path).unwrap().len();
        let (_, groups, report) = GroupStore::open(dir.path()).unwrap();
        assert!(report.compacted);
        let after = std::fs::metadata(&path).unwrap().len();
        assert!(after * 50 < before, "{before} -> {after} bytes");
        let (_, again, report) = GroupStore::open(dir.path()).unwrap();
        assert!(!report.compacted);
        assert_eq!(report.entries_replayed, 3, "one group entry, two offsets");
        assert_eq!(groups, again);
        assert_eq!(again["g"].offsets[&("t".to_owned(), 0)].offset, 498);
        assert_eq!(again["g"].offsets[&("t".to_owned(), 1)].offset, 499);
    }
}
