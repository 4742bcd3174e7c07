//! Idempotent producers: what a partition remembers about each producer id.
//!
//! For every producer id that wrote to the partition: its current epoch and
//! the sequence and offset ranges of its last five batches (Kafka's
//! `ProducerStateManager`, `NUM_BATCHES_TO_RETAIN`). Five because a client
//! keeps at most five requests in flight per partition with idempotence on,
//! so any retry it can send is still in the window. Everything comes from
//! batch headers (producerId, producerEpoch, baseSequence, lastOffsetDelta);
//! records are never decoded.
//!
//! # Snapshots
//!
//! The state is derived from the log, but rebuilding it from the first
//! segment would make every start read the whole partition. So the log
//! writes `{offset:020}.snapshot` (Kafka's name) when it rolls a segment and
//! when it closes: the state as of that offset, i.e. after every batch
//! below it. An open loads the newest snapshot not past the log end and
//! applies the batch headers after it: nothing after a clean shutdown, the
//! active segment after a crash.
//!
//! # Transactions
//!
//! A producer with a transaction open here has the offset of its first
//! transactional batch (Kafka's `currentTxnFirstOffset`) until a COMMIT or
//! ABORT marker closes it. The smallest such offset is the partition's last
//! stable offset: read_committed consumers read no further.
//!
//! A marker also records its coordinator epoch per producer (Kafka's
//! `ProducerStateEntry.coordinatorEpoch`); a leader refuses a later marker
//! from an older coordinator (TRANSACTION_COORDINATOR_FENCED).
//!
//! Format, big-endian: `version:u16=3`, `crc:u32` (CRC-32C of everything
//! after it), `offset:i64`, `producers:i32`, then per producer
//! `producer_id:i64 epoch:i16 last_timestamp_ms:i64 txn_first_offset:i64
//! coordinator_epoch:i32 batches:u8` (-1 for no open transaction and for no
//! marker yet; version 1 had none of the three, version 2 no
//! coordinator_epoch)
//! and per batch
//! `first_sequence:i32 last_sequence:i32 first_offset:i64 last_offset:i64`,
//! oldest first. Unlike Kafka's snapshot, which keeps only each producer's
//! last batch, all five are kept, so a retry of any in-flight batch is still
//! recognised after a restart.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};

use kctl_client::protocol::batch::BatchHeader;

use super::error::LogError;
use super::files;

/// Batches remembered per producer (Kafka's `NUM_BATCHES_TO_RETAIN`).
pub const BATCHES_RETAINED: usize = 5;
pub(crate) const SNAPSHOT_SUFFIX: &str = "snapshot";
const SNAPSHOT_VERSION: u16 = 3;
/// Snapshots written before coordinator epochs; still readable.
const SNAPSHOT_VERSION_V2: u16 = 2;
/// Snapshots written before transactions; still readable.
const SNAPSHOT_VERSION_V1: u16 = 1;
/// A producer no marker has closed a transaction of here yet (Kafka's
/// `RecordBatch.NO_PARTITION_LEADER_EPOCH` default of `coordinatorEpoch`).
const NO_COORDINATOR_EPOCH: i32 = -1;
/// Snapshots kept: the newest, and one before it in case a crash cut the
/// log below the newest.
const SNAPSHOTS_KEPT: usize = 2;

/// Where one producer batch landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchMetadata {
    pub first_sequence: i32,
    pub last_sequence: i32,
    pub first_offset: i64,
    pub last_offset: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct ProducerEntry {
    epoch: i16,
    /// The max timestamp of its last batch (DescribeProducers).
    last_timestamp_ms: i64,
    /// The first offset of its open transaction here.
    txn_first_offset: Option<i64>,
    /// The coordinator epoch of the last marker written for it here: a
    /// marker from an older coordinator (one deposed since) is fenced.
    coordinator_epoch: i32,
    /// Oldest first; at most [`BATCHES_RETAINED`].
    batches: VecDeque<BatchMetadata>,
}

impl ProducerEntry {
    fn new(epoch: i16) -> Self {
        Self {
            epoch,
            last_timestamp_ms: -1,
            txn_first_offset: None,
            coordinator_epoch: NO_COORDINATOR_EPOCH,
            batches: VecDeque::with_capacity(BATCHES_RETAINED),
        }
    }
}

/// One producer as DescribeProducers shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProducerDescription {
    pub producer_id: i64,
    pub epoch: i16,
    pub last_sequence: i32,
    pub last_timestamp_ms: i64,
    pub txn_first_offset: Option<i64>,
}

/// The producer fields of one batch header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProducerBatch {
    pub producer_id: i64,
    pub epoch: i16,
    pub first_sequence: i32,
    pub last_sequence: i32,
    /// Part of a transaction: it opens one here unless one is open.
    pub transactional: bool,
    pub max_timestamp_ms: i64,
}

impl ProducerBatch {
    /// `Ok(None)` for a batch without a producer id (not idempotent).
    pub fn from_header(header: &BatchHeader) -> Result<Option<Self>, ProducerStateError> {
        if !header.has_producer_id() {
            return Ok(None);
        }
        if header.base_sequence < 0 {
            return Err(ProducerStateError::InvalidSequence {
                producer_id: header.producer_id,
                sequence: header.base_sequence,
            });
        }
        Ok(Some(Self {
            producer_id: header.producer_id,
            epoch: header.producer_epoch,
            first_sequence: header.base_sequence,
            last_sequence: increment_sequence(header.base_sequence, header.last_offset_delta),
            transactional: header.is_transactional(),
            max_timestamp_ms: header.max_timestamp,
        }))
    }
}

/// What to do with a batch from an idempotent producer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequenceVerdict {
    /// It continues the producer's sequence: append it.
    Append,
    /// A retry of a batch already in the log: answer with its offsets and
    /// write nothing.
    Duplicate(BatchMetadata),
}

/// Why a producer batch was refused; each is one Kafka error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProducerStateError {
    /// INVALID_PRODUCER_EPOCH: a zombie of a producer that has since moved to
    /// a newer epoch.
    #[error(
        "producer {producer_id}: epoch {epoch} is older than the current epoch {current_epoch}"
    )]
    StaleEpoch {
        producer_id: i64,
        epoch: i16,
        current_epoch: i16,
    },
    /// OUT_OF_ORDER_SEQUENCE_NUMBER: a gap, or a batch too old to be in the
    /// window. `last_sequence` is -1 when the epoch is new here.
    #[error(
        "producer {producer_id} epoch {epoch}: sequence {sequence} does not follow the last sequence {last_sequence}"
    )]
    OutOfOrder {
        producer_id: i64,
        epoch: i16,
        sequence: i32,
        last_sequence: i32,
    },
    /// UNKNOWN_PRODUCER_ID: the partition has no state for this producer
    /// (never written, or lost with its records), and the batch does not
    /// start a sequence.
    #[error(
        "unknown producer id {producer_id}: a first batch must have sequence 0, this one has {sequence}"
    )]
    UnknownProducer { producer_id: i64, sequence: i32 },
    /// TRANSACTION_COORDINATOR_FENCED: a marker from a coordinator older
    /// than the one whose marker this partition last took for the producer
    /// (Kafka's `ProducerAppendInfo.appendEndTxnMarker`).
    #[error(
        "producer {producer_id}: a marker of coordinator epoch {coordinator_epoch} is older than the last one, {current_coordinator_epoch}"
    )]
    CoordinatorFenced {
        producer_id: i64,
        coordinator_epoch: i32,
        current_coordinator_epoch: i32,
    },
    /// INVALID_RECORD: a producer id with a negative sequence.
    #[error("producer {producer_id} sent the invalid sequence number {sequence}")]
    InvalidSequence { producer_id: i64, sequence: i32 },
}

/// `sequence + by`, wrapping from i32::MAX to 0 as Kafka's
/// `DefaultRecordBatch.incrementSequence` does, with Java's wrapping `int`
/// arithmetic throughout: `by` comes from a batch header (its
/// lastOffsetDelta), which a forged batch or a damaged segment can make
/// negative, and that must not panic (the `segment_recovery` fuzz target
/// found it, in a segment being recovered).
pub fn increment_sequence(sequence: i32, by: i32) -> i32 {
    if sequence > i32::MAX.wrapping_sub(by) {
        by.wrapping_sub(i32::MAX.wrapping_sub(sequence))
            .wrapping_sub(1)
    } else {
        sequence.wrapping_add(by)
    }
}

fn in_sequence(last: i32, next: i32) -> bool {
    if last == i32::MAX {
        next == 0
    } else {
        next == last + 1
    }
}

/// The producer state of one partition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProducerStateManager {
    producers: HashMap<i64, ProducerEntry>,
}

impl ProducerStateManager {
    /// Kafka's `findDuplicateBatch`, then `checkProducerEpoch` and
    /// `checkSequence`.
    pub fn check(&self, batch: &ProducerBatch) -> Result<SequenceVerdict, ProducerStateError> {
        let Some(entry) = self.producers.get(&batch.producer_id) else {
            return if batch.first_sequence == 0 {
                Ok(SequenceVerdict::Append)
            } else {
                Err(ProducerStateError::UnknownProducer {
                    producer_id: batch.producer_id,
                    sequence: batch.first_sequence,
                })
            };
        };
        if batch.epoch < entry.epoch {
            return Err(ProducerStateError::StaleEpoch {
                producer_id: batch.producer_id,
                epoch: batch.epoch,
                current_epoch: entry.epoch,
            });
        }
        let out_of_order = |last_sequence| ProducerStateError::OutOfOrder {
            producer_id: batch.producer_id,
            epoch: batch.epoch,
            sequence: batch.first_sequence,
            last_sequence,
        };
        if batch.epoch > entry.epoch {
            // A bumped epoch restarts the sequence.
            return if batch.first_sequence == 0 {
                Ok(SequenceVerdict::Append)
            } else {
                Err(out_of_order(-1))
            };
        }
        if let Some(original) = entry.batches.iter().find(|b| {
            b.first_sequence == batch.first_sequence && b.last_sequence == batch.last_sequence
        }) {
            return Ok(SequenceVerdict::Duplicate(*original));
        }
        match entry.batches.back() {
            Some(last) if in_sequence(last.last_sequence, batch.first_sequence) => {
                Ok(SequenceVerdict::Append)
            }
            Some(last) => Err(out_of_order(last.last_sequence)),
            // An entry always has a batch; accept, as Kafka does when it
            // has no sequence to compare with.
            None => Ok(SequenceVerdict::Append),
        }
    }

    /// Records a batch that is now in the log (appended, or found by a scan
    /// of the log on open).
    pub fn record(&mut self, batch: &ProducerBatch, first_offset: i64, last_offset: i64) {
        let entry = self
            .producers
            .entry(batch.producer_id)
            .or_insert_with(|| ProducerEntry::new(batch.epoch));
        if batch.epoch != entry.epoch {
            entry.epoch = batch.epoch;
            entry.batches.clear();
        }
        entry.last_timestamp_ms = batch.max_timestamp_ms;
        if batch.transactional && entry.txn_first_offset.is_none() {
            entry.txn_first_offset = Some(first_offset);
        }
        if entry.batches.len() == BATCHES_RETAINED {
            entry.batches.pop_front();
        }
        entry.batches.push_back(BatchMetadata {
            first_sequence: batch.first_sequence,
            last_sequence: batch.last_sequence,
            first_offset,
            last_offset,
        });
    }

    /// Records a COMMIT or ABORT marker: the producer's open transaction
    /// here ends, a newer epoch (a fencing abort) becomes its current one,
    /// and the marker's coordinator epoch the one later markers are held
    /// to. Returns the first offset of the transaction it closed, or `None`
    /// if none was open here. A leader calls [`Self::check_marker`] first;
    /// a follower and a log replay take what the log holds.
    pub fn complete_txn(
        &mut self,
        producer_id: i64,
        epoch: i16,
        coordinator_epoch: i32,
        timestamp_ms: i64,
    ) -> Option<i64> {
        let entry = self
            .producers
            .entry(producer_id)
            .or_insert_with(|| ProducerEntry::new(epoch));
        if epoch > entry.epoch {
            entry.epoch = epoch;
            entry.batches.clear();
        }
        entry.coordinator_epoch = coordinator_epoch;
        entry.last_timestamp_ms = entry.last_timestamp_ms.max(timestamp_ms);
        entry.txn_first_offset.take()
    }

    /// Whether a leader may write a marker for `producer_id` (Kafka's
    /// `appendEndTxnMarker`): not for an epoch older than the producer's
    /// (INVALID_PRODUCER_EPOCH), nor from a coordinator older than the
    /// last one that wrote a marker here (TRANSACTION_COORDINATOR_FENCED):
    /// a deposed coordinator's late markers cannot close a transaction of
    /// its successor's.
    pub fn check_marker(
        &self,
        producer_id: i64,
        epoch: i16,
        coordinator_epoch: i32,
    ) -> Result<(), ProducerStateError> {
        let Some(entry) = self.producers.get(&producer_id) else {
            return Ok(());
        };
        if epoch < entry.epoch {
            return Err(ProducerStateError::StaleEpoch {
                producer_id,
                epoch,
                current_epoch: entry.epoch,
            });
        }
        if coordinator_epoch < entry.coordinator_epoch {
            return Err(ProducerStateError::CoordinatorFenced {
                producer_id,
                coordinator_epoch,
                current_coordinator_epoch: entry.coordinator_epoch,
            });
        }
        Ok(())
    }

    /// The sequence a batch of `producer_id` at `epoch` must start with
    /// next here (0 for a new producer or a new epoch): what a coordinator
    /// writing on a producer's behalf (transactional offsets) stamps.
    pub fn next_sequence(&self, producer_id: i64, epoch: i16) -> i32 {
        self.producers
            .get(&producer_id)
            .filter(|e| e.epoch == epoch)
            .and_then(|e| e.batches.back())
            .map_or(0, |b| increment_sequence(b.last_sequence, 1))
    }

    /// The producer's current epoch here.
    pub fn epoch_of(&self, producer_id: i64) -> Option<i16> {
        self.producers.get(&producer_id).map(|e| e.epoch)
    }

    /// The last stable offset: the first offset of the oldest open
    /// transaction, or `log_end_offset` when none is open.
    pub fn last_stable_offset(&self, log_end_offset: i64) -> i64 {
        self.producers
            .values()
            .filter_map(|e| e.txn_first_offset)
            .min()
            .map_or(log_end_offset, |first| first.min(log_end_offset))
    }

    /// What DescribeProducers reports, by producer id.
    pub fn describe(&self) -> Vec<ProducerDescription> {
        let mut out: Vec<_> = self
            .producers
            .iter()
            .map(|(&producer_id, e)| ProducerDescription {
                producer_id,
                epoch: e.epoch,
                last_sequence: e.batches.back().map_or(-1, |b| b.last_sequence),
                last_timestamp_ms: e.last_timestamp_ms,
                txn_first_offset: e.txn_first_offset,
            })
            .collect();
        out.sort_by_key(|d| d.producer_id);
        out
    }

    /// Every producer id with its current epoch here.
    pub fn epochs(&self) -> impl Iterator<Item = (i64, i16)> + '_ {
        self.producers.iter().map(|(&id, e)| (id, e.epoch))
    }

    pub fn len(&self) -> usize {
        self.producers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.producers.is_empty()
    }

    fn encode(&self, offset: i64) -> Vec<u8> {
        let mut body = Vec::with_capacity(12 + self.producers.len() * 64);
        body.extend_from_slice(&offset.to_be_bytes());
        body.extend_from_slice(&(self.producers.len() as i32).to_be_bytes());
        // Sorted so the same state always gives the same bytes.
        let mut ids: Vec<_> = self.producers.keys().copied().collect();
        ids.sort_unstable();
        for id in ids {
            let entry = &self.producers[&id];
            body.extend_from_slice(&id.to_be_bytes());
            body.extend_from_slice(&entry.epoch.to_be_bytes());
            body.extend_from_slice(&entry.last_timestamp_ms.to_be_bytes());
            body.extend_from_slice(&entry.txn_first_offset.unwrap_or(-1).to_be_bytes());
            body.extend_from_slice(&entry.coordinator_epoch.to_be_bytes());
            body.push(entry.batches.len() as u8);
            for b in &entry.batches {
                body.extend_from_slice(&b.first_sequence.to_be_bytes());
                body.extend_from_slice(&b.last_sequence.to_be_bytes());
                body.extend_from_slice(&b.first_offset.to_be_bytes());
                body.extend_from_slice(&b.last_offset.to_be_bytes());
            }
        }
        let mut out = Vec::with_capacity(6 + body.len());
        out.extend_from_slice(&SNAPSHOT_VERSION.to_be_bytes());
        out.extend_from_slice(&crc32c::crc32c(&body).to_be_bytes());
        out.extend_from_slice(&body);
        out
    }

    /// The state and the offset it was taken at, or why the bytes are not a
    /// snapshot.
    fn decode(bytes: &[u8]) -> Result<(Self, i64), String> {
        let mut r = Reader { bytes, at: 0 };
        let version = u16::from_be_bytes(r.take::<2>()?);
        if ![SNAPSHOT_VERSION, SNAPSHOT_VERSION_V2, SNAPSHOT_VERSION_V1].contains(&version) {
            return Err(format!("unknown snapshot version {version}"));
        }
        let crc = u32::from_be_bytes(r.take::<4>()?);
        if crc32c::crc32c(&bytes[r.at..]) != crc {
            return Err("CRC-32C mismatch".into());
        }
        let offset = i64::from_be_bytes(r.take::<8>()?);
        let count = i32::from_be_bytes(r.take::<4>()?);
        let mut producers = HashMap::with_capacity(count.clamp(0, 1 << 16) as usize);
        for _ in 0..count {
            let id = i64::from_be_bytes(r.take::<8>()?);
            let epoch = i16::from_be_bytes(r.take::<2>()?);
            let (last_timestamp_ms, txn_first_offset) = if version == SNAPSHOT_VERSION_V1 {
                (-1, None)
            } else {
                let ts = i64::from_be_bytes(r.take::<8>()?);
                let first = i64::from_be_bytes(r.take::<8>()?);
                (ts, (first >= 0).then_some(first))
            };
            let coordinator_epoch = if version >= SNAPSHOT_VERSION {
                i32::from_be_bytes(r.take::<4>()?)
            } else {
                NO_COORDINATOR_EPOCH
            };
            let [n] = r.take::<1>()?;
            if usize::from(n) > BATCHES_RETAINED {
                return Err(format!("producer {id} has {n} batches"));
            }
            let mut batches = VecDeque::with_capacity(BATCHES_RETAINED);
            for _ in 0..n {
                batches.push_back(BatchMetadata {
                    first_sequence: i32::from_be_bytes(r.take::<4>()?),
                    last_sequence: i32::from_be_bytes(r.take::<4>()?),
                    first_offset: i64::from_be_bytes(r.take::<8>()?),
                    last_offset: i64::from_be_bytes(r.take::<8>()?),
                });
            }
            producers.insert(
                id,
                ProducerEntry {
                    epoch,
                    last_timestamp_ms,
                    txn_first_offset,
                    coordinator_epoch,
                    batches,
                },
            );
        }
        if r.at != bytes.len() {
            return Err("trailing bytes".into());
        }
        Ok((Self { producers }, offset))
    }

    /// Writes the snapshot for `offset` and drops all but the newest few.
    pub(crate) fn write_snapshot(&self, dir: &Path, offset: i64) -> Result<(), LogError> {
        files::write_atomically(
            &files::segment_file(dir, offset, SNAPSHOT_SUFFIX),
            &self.encode(offset),
        )?;
        let snapshots = list_snapshots(dir)?;
        let excess = snapshots.len().saturating_sub(SNAPSHOTS_KEPT);
        for (_, path) in &snapshots[..excess] {
            remove_if_present(path)?;
        }
        Ok(())
    }

    /// The newest readable snapshot at or below `log_end_offset`, or an
    /// empty state at offset 0. Snapshots past the log end (the log lost its
    /// tail in a crash) or unreadable are deleted.
    pub(crate) fn load_snapshot(dir: &Path, log_end_offset: i64) -> Result<(Self, i64), LogError> {
        let mut snapshots = list_snapshots(dir)?;
        while let Some((offset, path)) = snapshots.pop() {
            if offset > log_end_offset {
                tracing::warn!(path = %path.display(), log_end_offset, "deleting a producer snapshot past the log end");
                remove_if_present(&path)?;
                continue;
            }
            let bytes = std::fs::read(&path).map_err(LogError::io("read", &path))?;
            match Self::decode(&bytes) {
                Ok((state, at)) if at == offset => return Ok((state, offset)),
                Ok((_, at)) => {
                    tracing::warn!(path = %path.display(), at, "producer snapshot names another offset; deleting it");
                }
                Err(reason) => {
                    tracing::warn!(path = %path.display(), reason, "unreadable producer snapshot; deleting it");
                }
            }
            remove_if_present(&path)?;
        }
        Ok((Self::default(), 0))
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let end = self.at + N;
        let slice = self.bytes.get(self.at..end).ok_or("truncated snapshot")?;
        self.at = end;
        slice
            .try_into()
            .map_err(|_| "truncated snapshot".to_owned())
    }
}

/// Snapshot files by offset, oldest first.
fn list_snapshots(dir: &Path) -> Result<Vec<(i64, PathBuf)>, LogError> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(LogError::io("list", dir))? {
        let entry = entry.map_err(LogError::io("list", dir))?;
        let name = entry.file_name();
        if let Some((offset, SNAPSHOT_SUFFIX)) =
            name.to_str().and_then(files::parse_segment_file_name)
        {
            found.push((offset, entry.path()));
        }
    }
    found.sort_unstable();
    Ok(found)
}

fn remove_if_present(path: &Path) -> Result<(), LogError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(LogError::Io {
            op: "delete",
            path: path.to_path_buf(),
            source: e,
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(producer_id: i64, epoch: i16, first_sequence: i32, records: i32) -> ProducerBatch {
        ProducerBatch {
            producer_id,
            epoch,
            first_sequence,
            last_sequence: increment_sequence(first_sequence, records - 1),
            transactional: false,
            max_timestamp_ms: 0,
        }
    }

    #[test]
    fn open_transactions_hold_the_last_stable_offset_until_their_marker() {
        let mut state = ProducerStateManager::default();
        let mut next = 0;
        offer(&mut state, batch(1, 0, 0, 2), &mut next).unwrap();
        assert_eq!(state.last_stable_offset(next), 2);
        let txn = |id, seq| ProducerBatch {
            transactional: true,
            ..batch(id, 0, seq, 2)
        };
        offer(&mut state, txn(2, 0), &mut next).unwrap(); // 2..=3
        offer(&mut state, txn(3, 0), &mut next).unwrap(); // 4..=5
        offer(&mut state, txn(2, 2), &mut next).unwrap(); // 6..=7
        assert_eq!(state.last_stable_offset(next), 2);
        // Producer 2's marker closes the transaction it opened at 2; the
        // oldest open one is now producer 3's.
        assert_eq!(state.complete_txn(2, 0, 0, 5), Some(2));
        assert_eq!(state.last_stable_offset(next), 4);
        // A second marker closes nothing.
        assert_eq!(state.complete_txn(2, 0, 0, 5), None);
        // A fencing marker moves producer 3 to its new epoch.
        assert_eq!(state.complete_txn(3, 1, 0, 5), Some(4));
        assert_eq!(state.epoch_of(3), Some(1));
        assert_eq!(state.last_stable_offset(next), next);
        assert!(matches!(
            state.check(&txn(3, 2)),
            Err(ProducerStateError::StaleEpoch { .. })
        ));
    }

    #[test]
    fn a_marker_from_an_older_coordinator_is_fenced_and_the_epoch_survives_a_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let mut state = ProducerStateManager::default();
        let mut next = 0;
        let txn = ProducerBatch {
            transactional: true,
            ..batch(7, 0, 0, 1)
        };
        offer(&mut state, txn, &mut next).unwrap();
        // No marker yet: any coordinator may write one.
        state.check_marker(7, 0, 0).unwrap();
        assert_eq!(state.complete_txn(7, 0, 4, 5), Some(0));
        // The same coordinator again, or a newer one: accepted.
        state.check_marker(7, 0, 4).unwrap();
        state.check_marker(7, 0, 5).unwrap();
        // A deposed coordinator (epoch 3) is fenced.
        assert_eq!(
            state.check_marker(7, 0, 3),
            Err(ProducerStateError::CoordinatorFenced {
                producer_id: 7,
                coordinator_epoch: 3,
                current_coordinator_epoch: 4,
            })
        );
        // An older producer epoch is refused before the coordinator's.
        offer(
            &mut state,
            ProducerBatch {
                transactional: true,
                ..batch(7, 1, 0, 1)
            },
            &mut next,
        )
        .unwrap();
        assert!(matches!(
            state.check_marker(7, 0, 9),
            Err(ProducerStateError::StaleEpoch { .. })
        ));
        // Other producers are unaffected.
        state.check_marker(8, 0, 0).unwrap();
        // Persisted with the producer state.
        state.write_snapshot(dir.path(), next).unwrap();
        let (loaded, _) = ProducerStateManager::load_snapshot(dir.path(), next).unwrap();
        assert_eq!(loaded, state);
        assert!(matches!(
            loaded.check_marker(7, 1, 3),
            Err(ProducerStateError::CoordinatorFenced { .. })
        ));
    }

    #[test]
    fn snapshots_keep_open_transactions() {
        let dir = tempfile::tempdir().unwrap();
        let mut state = ProducerStateManager::default();
        let mut next = 10;
        let open = ProducerBatch {
            transactional: true,
            max_timestamp_ms: 77,
            ..batch(5, 1, 0, 3)
        };
        offer(&mut state, open, &mut next).unwrap();
        state.write_snapshot(dir.path(), next).unwrap();
        let (loaded, _) = ProducerStateManager::load_snapshot(dir.path(), next).unwrap();
        assert_eq!(loaded, state);
        assert_eq!(loaded.last_stable_offset(next), 10);
        assert_eq!(loaded.describe()[0].last_timestamp_ms, 77);
    }

    /// Checks and, if accepted, records the batch at `*next_offset`, as the
    /// log does.
    fn offer(
        state: &mut ProducerStateManager,
        b: ProducerBatch,
        next_offset: &mut i64,
    ) -> Result<SequenceVerdict, ProducerStateError> {
        let verdict = state.check(&b)?;
        if verdict == SequenceVerdict::Append {
            // Sequences live in 0..=i32::MAX and wrap to 0.
            let span = (i64::from(b.last_sequence) - i64::from(b.first_sequence))
                .rem_euclid(i64::from(i32::MAX) + 1);
            let records = span + 1;
            state.record(&b, *next_offset, *next_offset + records - 1);
            *next_offset += records;
        }
        Ok(verdict)
    }

    #[test]
    fn a_duplicate_gets_the_original_offsets_and_is_not_recorded_again() {
        let mut state = ProducerStateManager::default();
        let mut next = 100;
        assert_eq!(
            offer(&mut state, batch(7, 0, 0, 3), &mut next),
            Ok(SequenceVerdict::Append)
        );
        assert_eq!(
            offer(&mut state, batch(7, 0, 3, 2), &mut next),
            Ok(SequenceVerdict::Append)
        );
        let original = BatchMetadata {
            first_sequence: 0,
            last_sequence: 2,
            first_offset: 100,
            last_offset: 102,
        };
        assert_eq!(
            offer(&mut state, batch(7, 0, 0, 3), &mut next),
            Ok(SequenceVerdict::Duplicate(original))
        );
        assert_eq!(next, 105, "a duplicate takes no offsets");
        // The same sequences under a different count are not the same batch.
        assert!(matches!(
            offer(&mut state, batch(7, 0, 0, 2), &mut next),
            Err(ProducerStateError::OutOfOrder { .. })
        ));
    }

    #[test]
    fn a_gap_is_out_of_order() {
        let mut state = ProducerStateManager::default();
        let mut next = 0;
        offer(&mut state, batch(1, 0, 0, 5), &mut next).unwrap();
        assert_eq!(
            offer(&mut state, batch(1, 0, 6, 1), &mut next),
            Err(ProducerStateError::OutOfOrder {
                producer_id: 1,
                epoch: 0,
                sequence: 6,
                last_sequence: 4
            })
        );
        assert_eq!(
            offer(&mut state, batch(1, 0, 5, 1), &mut next),
            Ok(SequenceVerdict::Append)
        );
    }

    #[test]
    fn a_stale_epoch_is_fenced_and_a_new_epoch_restarts_at_zero() {
        let mut state = ProducerStateManager::default();
        let mut next = 0;
        offer(&mut state, batch(1, 3, 0, 2), &mut next).unwrap();
        assert_eq!(
            offer(&mut state, batch(1, 2, 2, 1), &mut next),
            Err(ProducerStateError::StaleEpoch {
                producer_id: 1,
                epoch: 2,
                current_epoch: 3
            })
        );
        assert!(matches!(
            offer(&mut state, batch(1, 4, 2, 1), &mut next),
            Err(ProducerStateError::OutOfOrder {
                last_sequence: -1,
                ..
            })
        ));
        assert_eq!(
            offer(&mut state, batch(1, 4, 0, 1), &mut next),
            Ok(SequenceVerdict::Append)
        );
        // Once bumped, the old epoch is stale, even for a retry of its batch.
        assert!(matches!(
            offer(&mut state, batch(1, 3, 0, 2), &mut next),
            Err(ProducerStateError::StaleEpoch { .. })
        ));
    }

    #[test]
    fn an_unknown_producer_must_start_at_sequence_zero() {
        let mut state = ProducerStateManager::default();
        let mut next = 0;
        assert_eq!(
            offer(&mut state, batch(9, 0, 17, 1), &mut next),
            Err(ProducerStateError::UnknownProducer {
                producer_id: 9,
                sequence: 17
            })
        );
        assert_eq!(
            offer(&mut state, batch(9, 0, 0, 1), &mut next),
            Ok(SequenceVerdict::Append)
        );
    }

    /// Found by the `segment_recovery` fuzz target (a recovered segment's
    /// batch header with a negative lastOffsetDelta): an overflow panic in
    /// debug builds. Now Java's `int` arithmetic, whatever the input.
    #[test]
    fn a_negative_delta_from_a_forged_header_wraps_as_java_does() {
        assert_eq!(increment_sequence(5, -1), -2_147_483_644);
        assert_eq!(increment_sequence(0, i32::MIN), 0);
        for sequence in [0, 1, 7, i32::MAX - 1, i32::MAX] {
            for by in [i32::MIN, -1, 0, 1, i32::MAX] {
                let _ = increment_sequence(sequence, by);
            }
        }
    }

    #[test]
    fn sequences_wrap_at_i32_max() {
        assert_eq!(increment_sequence(i32::MAX, 1), 0);
        assert_eq!(increment_sequence(i32::MAX - 1, 3), 1);
        assert_eq!(increment_sequence(5, 3), 8);
        let mut state = ProducerStateManager::default();
        state.record(&batch(1, 0, i32::MAX - 4, 3), 0, 2);
        let mut next = 3;
        let wrapping = batch(1, 0, i32::MAX - 1, 4);
        assert_eq!(wrapping.last_sequence, 1);
        assert_eq!(
            offer(&mut state, wrapping, &mut next),
            Ok(SequenceVerdict::Append)
        );
        assert_eq!(
            offer(&mut state, batch(1, 0, 2, 1), &mut next),
            Ok(SequenceVerdict::Append)
        );
        // The wrapped batch is recognised as a duplicate too.
        assert!(matches!(
            offer(&mut state, wrapping, &mut next),
            Ok(SequenceVerdict::Duplicate(BatchMetadata {
                first_offset: 3,
                last_offset: 6,
                ..
            }))
        ));
    }

    #[test]
    fn only_the_last_five_batches_are_recognised() {
        let mut state = ProducerStateManager::default();
        let mut next = 0;
        for i in 0..6 {
            offer(&mut state, batch(1, 0, i, 1), &mut next).unwrap();
        }
        // Batches 1..=5 are in the window; batch 0 fell out of it.
        for i in 1..6 {
            assert_eq!(
                offer(&mut state, batch(1, 0, i, 1), &mut next),
                Ok(SequenceVerdict::Duplicate(BatchMetadata {
                    first_sequence: i,
                    last_sequence: i,
                    first_offset: i64::from(i),
                    last_offset: i64::from(i),
                }))
            );
        }
        assert!(matches!(
            offer(&mut state, batch(1, 0, 0, 1), &mut next),
            Err(ProducerStateError::OutOfOrder { .. })
        ));
    }

    #[test]
    fn a_producer_id_needs_a_sequence() {
        let mut header = BatchHeader {
            base_offset: 0,
            batch_length: 49,
            partition_leader_epoch: 0,
            magic: 2,
            crc: 0,
            attributes: 0,
            last_offset_delta: 2,
            base_timestamp: 0,
            max_timestamp: 0,
            producer_id: 4,
            producer_epoch: 0,
            base_sequence: -1,
            records_count: 3,
        };
        assert!(matches!(
            ProducerBatch::from_header(&header),
            Err(ProducerStateError::InvalidSequence { .. })
        ));
        header.base_sequence = 10;
        assert_eq!(
            ProducerBatch::from_header(&header)
                .unwrap()
                .unwrap()
                .last_sequence,
            12
        );
        header.producer_id = -1;
        assert_eq!(ProducerBatch::from_header(&header), Ok(None));
    }

    #[test]
    fn snapshots_round_trip_and_bad_ones_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let mut state = ProducerStateManager::default();
        let mut next = 0;
        for i in 0..7 {
            offer(&mut state, batch(1, 2, i * 2, 2), &mut next).unwrap();
        }
        offer(&mut state, batch(i64::MAX, 0, 0, 1), &mut next).unwrap();
        state.write_snapshot(dir.path(), 10).unwrap();
        assert_eq!(
            ProducerStateManager::load_snapshot(dir.path(), 15).unwrap(),
            (state.clone(), 10)
        );
        // A newer snapshot past the log end is ignored and removed.
        ProducerStateManager::default()
            .write_snapshot(dir.path(), 20)
            .unwrap();
        assert_eq!(
            ProducerStateManager::load_snapshot(dir.path(), 15).unwrap(),
            (state.clone(), 10)
        );
        assert!(!files::segment_file(dir.path(), 20, SNAPSHOT_SUFFIX).exists());
        // A corrupt one falls back to the empty state at 0.
        let path = files::segment_file(dir.path(), 10, SNAPSHOT_SUFFIX);
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&path, bytes).unwrap();
        assert_eq!(
            ProducerStateManager::load_snapshot(dir.path(), 15).unwrap(),
            (ProducerStateManager::default(), 0)
        );
        // Only the newest snapshots are kept.
        for offset in [30, 40, 50] {
            state.write_snapshot(dir.path(), offset).unwrap();
        }
        assert_eq!(
            list_snapshots(dir.path())
                .unwrap()
                .iter()
                .map(|(o, _)| *o)
                .collect::<Vec<_>>(),
            vec![40, 50]
        );
    }
}
