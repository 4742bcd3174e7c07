//! One transactional id's state and Kafka's transitions between states
//! (`TransactionMetadata`, `TransactionState`). Pure data: the coordinator
//! logs each new value and writes the markers.

use std::collections::{BTreeMap, BTreeSet};

use kctl_client::protocol::ErrorCode;
use serde::{Deserialize, Serialize};

use crate::group::CommittedOffset;

/// Kafka's transaction states, under Kafka's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TxnState {
    /// Initialised (or just ended and bumped), no transaction open.
    Empty,
    Ongoing,
    /// The decision is logged; markers are being written.
    PrepareCommit,
    PrepareAbort,
    CompleteCommit,
    CompleteAbort,
    Dead,
}

impl TxnState {
    /// The name DescribeTransactions and ListTransactions use.
    pub fn name(self) -> &'static str {
        match self {
            Self::Empty => "Empty",
            Self::Ongoing => "Ongoing",
            Self::PrepareCommit => "PrepareCommit",
            Self::PrepareAbort => "PrepareAbort",
            Self::CompleteCommit => "CompleteCommit",
            Self::CompleteAbort => "CompleteAbort",
            Self::Dead => "Dead",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::Empty,
            Self::Ongoing,
            Self::PrepareCommit,
            Self::PrepareAbort,
            Self::CompleteCommit,
            Self::CompleteAbort,
            Self::Dead,
        ]
        .into_iter()
        .find(|s| s.name() == name)
    }

    pub fn is_prepare(self) -> bool {
        matches!(self, Self::PrepareCommit | Self::PrepareAbort)
    }
}

/// The transaction protocol a client speaks for one transaction, known from
/// its request versions as Kafka's `clientTransactionVersion` is: EndTxn v5,
/// TxnOffsetCommit v5 and Produce v12 are transactions v2 (KIP-890 part 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum TxnVersion {
    /// The epoch changes only on InitProducerId and fencing; partitions and
    /// groups are added by AddPartitionsToTxn and AddOffsetsToTxn.
    #[default]
    V1,
    /// Every EndTxn bumps the epoch (a new producer id once it is
    /// exhausted) and answers the new one; Produce and TxnOffsetCommit add
    /// their partition or group to the transaction themselves.
    V2,
}

/// A transactional offset commit, applied to the group when the
/// transaction commits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingOffset {
    pub group: String,
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub leader_epoch: i32,
    pub metadata: Option<String>,
    pub commit_timestamp_ms: i64,
}

impl PendingOffset {
    /// Decided offsets by group, as committed offsets to apply.
    pub(crate) fn by_group(
        offsets: impl IntoIterator<Item = PendingOffset>,
    ) -> BTreeMap<String, crate::txn::GroupOffsets> {
        let mut by_group: BTreeMap<String, crate::txn::GroupOffsets> = BTreeMap::new();
        for p in offsets {
            by_group.entry(p.group).or_default().push((
                (p.topic, p.partition),
                CommittedOffset {
                    offset: p.offset,
                    leader_epoch: p.leader_epoch,
                    metadata: p.metadata,
                    commit_timestamp_ms: p.commit_timestamp_ms,
                },
            ));
        }
        by_group
    }
}

/// Everything the coordinator knows about one transactional id; logged
/// whole on every change, like a record of Kafka's `__transaction_state`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnMetadata {
    pub transactional_id: String,
    pub producer_id: i64,
    pub producer_epoch: i16,
    /// The epoch before the last InitProducerId bump, so a retried
    /// InitProducerId is answered again rather than fenced (KIP-360).
    pub last_producer_epoch: i16,
    pub timeout_ms: i32,
    pub state: TxnState,
    pub partitions: BTreeSet<(String, i32)>,
    /// Groups added by AddOffsetsToTxn.
    pub groups: BTreeSet<String>,
    pub pending_offsets: Vec<PendingOffset>,
    /// When the open transaction began (-1 when none is open).
    pub start_ms: i64,
    pub last_update_ms: i64,
    /// The protocol of the open (or last) transaction.
    #[serde(default)]
    pub transaction_version: TxnVersion,
    /// The producer id the id moves to when this transaction completes: a
    /// transactions-v2 end that exhausted the epoch (-1: none).
    #[serde(default = "no_producer_id")]
    pub next_producer_id: i64,
    /// The producer id before the last such move, so a retried EndTxn of
    /// the old id is recognised (-1: none).
    #[serde(default = "no_producer_id")]
    pub previous_producer_id: i64,
}

fn no_producer_id() -> i64 {
    -1
}

/// Why a transactional request was refused; each is one Kafka error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TxnError {
    #[error("transaction timeout {0} ms is not in 1..=transaction.max.timeout.ms")]
    InvalidTimeout(i32),
    #[error("producer id {0} is not the one assigned to this transactional id")]
    ProducerIdMapping(i64),
    #[error("producer epoch {epoch} is fenced by epoch {current_epoch}")]
    Fenced { epoch: i16, current_epoch: i16 },
    #[error("another operation on this transaction is in progress")]
    Concurrent,
    #[error("{0}")]
    InvalidState(String),
    #[error("cannot log the transaction state: {0}")]
    Storage(String),
    #[error("{0}")]
    Group(ErrorCode),
}

impl TxnError {
    /// The error code for a client speaking `version` of an API whose
    /// PRODUCER_FENCED answer starts at `fenced_from` (KIP-588; older
    /// clients get INVALID_PRODUCER_EPOCH).
    pub fn code(&self, version: i16, fenced_from: i16) -> ErrorCode {
        match self {
            Self::InvalidTimeout(_) => ErrorCode::InvalidTransactionTimeout,
            Self::ProducerIdMapping(_) => ErrorCode::InvalidProducerIdMapping,
            Self::Fenced { .. } if version >= fenced_from => ErrorCode::ProducerFenced,
            Self::Fenced { .. } => ErrorCode::InvalidProducerEpoch,
            Self::Concurrent => ErrorCode::ConcurrentTransactions,
            Self::InvalidState(_) => ErrorCode::InvalidTxnState,
            Self::Storage(_) => ErrorCode::CoordinatorNotAvailable,
            Self::Group(code) => *code,
        }
    }
}

/// Kafka's `isEpochExhausted`: an epoch must stay below i16::MAX.
fn epoch_exhausted(epoch: i16) -> bool {
    epoch >= i16::MAX - 1
}

impl TxnMetadata {
    pub fn new(transactional_id: &str, producer_id: i64, timeout_ms: i32, now_ms: i64) -> Self {
        Self {
            transactional_id: transactional_id.to_owned(),
            producer_id,
            producer_epoch: 0,
            last_producer_epoch: -1,
            timeout_ms,
            state: TxnState::Empty,
            partitions: BTreeSet::new(),
            groups: BTreeSet::new(),
            pending_offsets: Vec::new(),
            start_ms: -1,
            last_update_ms: now_ms,
            transaction_version: TxnVersion::V1,
            next_producer_id: -1,
            previous_producer_id: -1,
        }
    }

    /// The producer id and epoch the client continues with once the
    /// transaction being ended is complete (EndTxn v5's answer).
    pub fn identity_after_completion(&self) -> (i64, i16) {
        if self.next_producer_id >= 0 {
            (self.next_producer_id, 0)
        } else {
            (self.producer_id, self.producer_epoch)
        }
    }

    /// The request's producer id and epoch must be the current ones.
    pub fn check_producer(&self, producer_id: i64, epoch: i16) -> Result<(), TxnError> {
        if producer_id != self.producer_id {
            return Err(TxnError::ProducerIdMapping(producer_id));
        }
        if epoch != self.producer_epoch {
            return Err(TxnError::Fenced {
                epoch,
                current_epoch: self.producer_epoch,
            });
        }
        Ok(())
    }

    /// InitProducerId on an existing id whose transaction (if any) is
    /// over: the next epoch, or a new producer id once the epoch is
    /// exhausted. `expected` is the id and epoch the client has (v3+).
    /// Returns false for a retry that changes nothing.
    pub fn bump_for_init(
        &mut self,
        expected: Option<(i64, i16)>,
        timeout_ms: i32,
        now_ms: i64,
        new_producer_id: impl FnOnce() -> Result<i64, TxnError>,
    ) -> Result<bool, TxnError> {
        debug_assert!(!matches!(self.state, TxnState::Ongoing) && !self.state.is_prepare());
        if let Some((id, epoch)) = expected {
            if id != self.producer_id {
                return Err(TxnError::ProducerIdMapping(id));
            }
            if epoch == self.last_producer_epoch && self.state == TxnState::Empty {
                // A retry of the bump that made the current epoch.
                return Ok(false);
            }
            if epoch != self.producer_epoch {
                return Err(TxnError::Fenced {
                    epoch,
                    current_epoch: self.producer_epoch,
                });
            }
        }
        if epoch_exhausted(self.producer_epoch) {
            self.producer_id = new_producer_id()?;
            self.producer_epoch = 0;
            self.last_producer_epoch = -1;
        } else {
            self.last_producer_epoch = self.producer_epoch;
            self.producer_epoch += 1;
        }
        self.timeout_ms = timeout_ms;
        self.state = TxnState::Empty;
        self.clear_transaction();
        self.last_update_ms = now_ms;
        Ok(true)
    }

    /// AddPartitionsToTxn / AddOffsetsToTxn: opens the transaction if
    /// needed. Returns whether anything changed (and must be logged).
    pub fn add(
        &mut self,
        partitions: &[(String, i32)],
        group: Option<&str>,
        version: TxnVersion,
        now_ms: i64,
    ) -> Result<bool, TxnError> {
        let mut changed = false;
        match self.state {
            TxnState::PrepareCommit | TxnState::PrepareAbort => return Err(TxnError::Concurrent),
            TxnState::Dead => {
                return Err(TxnError::InvalidState(
                    "the transactional id is dead".into(),
                ));
            }
            TxnState::Ongoing => {}
            TxnState::Empty | TxnState::CompleteCommit | TxnState::CompleteAbort => {
                self.state = TxnState::Ongoing;
                self.clear_transaction();
                self.start_ms = now_ms;
                self.transaction_version = version;
                changed = true;
            }
        }
        let before = (self.partitions.len(), self.groups.len());
        self.partitions.extend(partitions.iter().cloned());
        if let Some(group) = group {
            self.groups.insert(group.to_owned());
        }
        changed |= before != (self.partitions.len(), self.groups.len());
        if changed {
            self.last_update_ms = now_ms;
        }
        Ok(changed)
    }

    /// EndTxn: what to do for a commit (`true`) or abort.
    pub fn end(&mut self, commit: bool, now_ms: i64) -> Result<EndAction, TxnError> {
        match (self.state, commit) {
            (TxnState::Ongoing, _) => {
                self.state = if commit {
                    TxnState::PrepareCommit
                } else {
                    TxnState::PrepareAbort
                };
                self.last_update_ms = now_ms;
                Ok(EndAction::WriteMarkers)
            }
            // A retry of an EndTxn that already completed.
            (TxnState::CompleteCommit, true) | (TxnState::CompleteAbort, false) => {
                Ok(EndAction::AlreadyDone)
            }
            (TxnState::PrepareCommit, true) | (TxnState::PrepareAbort, false) => {
                Err(TxnError::Concurrent)
            }
            (state, _) => Err(TxnError::InvalidState(format!(
                "cannot {} a transaction in state {}",
                if commit { "commit" } else { "abort" },
                state.name()
            ))),
        }
    }

    /// EndTxn v5 (transactions v2, Kafka's `endTransaction` with
    /// `supportsEpochBump`): the epoch is bumped with the decision, so the
    /// markers carry the new epoch and the client continues with it. A
    /// retry is recognised by the epoch before the bump (or, after an
    /// exhausted epoch moved the id to a new producer id, by the old id at
    /// the last epoch); any other epoch is fenced. An abort with nothing
    /// open still bumps the epoch, which is how a client whose record
    /// failed before reaching a broker restarts its sequences.
    pub fn end_v2(
        &mut self,
        producer_id: i64,
        epoch: i16,
        commit: bool,
        now_ms: i64,
        new_producer_id: impl FnOnce() -> Result<i64, TxnError>,
    ) -> Result<EndAction, TxnError> {
        let retry_on_bump = producer_id == self.producer_id
            && self.last_producer_epoch >= 0
            && epoch == self.last_producer_epoch;
        let retry_on_overflow = self.previous_producer_id >= 0
            && producer_id == self.previous_producer_id
            && epoch == i16::MAX - 1
            && self.producer_epoch == 0;
        if producer_id != self.producer_id && !retry_on_overflow {
            return Err(TxnError::ProducerIdMapping(producer_id));
        }
        let current = epoch == self.producer_epoch && producer_id == self.producer_id;
        let valid = match self.state {
            TxnState::Ongoing | TxnState::Empty | TxnState::Dead => current,
            // The current epoch: the producer's next transaction, whose
            // EndTxn (or abort) waits for the last one's markers
            // (CONCURRENT_TRANSACTIONS below), as it would in Kafka.
            TxnState::PrepareCommit | TxnState::PrepareAbort => retry_on_bump || current,
            TxnState::CompleteCommit | TxnState::CompleteAbort => {
                retry_on_bump || retry_on_overflow || (current && !commit)
            }
        };
        if !valid {
            return Err(TxnError::Fenced {
                epoch,
                current_epoch: self.producer_epoch,
            });
        }
        let retry = retry_on_bump || retry_on_overflow;
        match (self.state, commit) {
            (TxnState::CompleteCommit, true) | (TxnState::CompleteAbort, false) if retry => {
                return Ok(EndAction::AlreadyDone);
            }
            (TxnState::PrepareCommit, true) | (TxnState::PrepareAbort, false) => {
                return Err(TxnError::Concurrent);
            }
            (TxnState::PrepareCommit | TxnState::PrepareAbort, _) if !retry => {
                return Err(TxnError::Concurrent);
            }
            (TxnState::Ongoing, _) => {}
            (TxnState::Empty | TxnState::CompleteCommit | TxnState::CompleteAbort, false) => {
                // Nothing to mark: an abort that only bumps the epoch.
                self.clear_transaction();
            }
            (state, _) => {
                return Err(TxnError::InvalidState(format!(
                    "cannot {} a transaction in state {}",
                    if commit { "commit" } else { "abort" },
                    state.name()
                )));
            }
        }
        if epoch_exhausted(self.producer_epoch) {
            self.next_producer_id = new_producer_id()?;
        }
        self.last_producer_epoch = self.producer_epoch;
        self.producer_epoch = self.producer_epoch.saturating_add(1);
        self.transaction_version = TxnVersion::V2;
        self.state = if commit {
            TxnState::PrepareCommit
        } else {
            TxnState::PrepareAbort
        };
        self.last_update_ms = now_ms;
        Ok(EndAction::WriteMarkers)
    }

    /// The abort of a transaction that ran past its timeout or whose id
    /// was re-initialised: the epoch is bumped first, so the producer that
    /// opened it is fenced (Kafka's `prepareFenceProducerEpoch`).
    pub fn fence_and_abort(&mut self, now_ms: i64) {
        debug_assert_eq!(self.state, TxnState::Ongoing);
        if !epoch_exhausted(self.producer_epoch) {
            self.producer_epoch += 1;
        }
        // The fenced epoch is no retry of anything (Kafka clears
        // `lastProducerEpoch` on a fence as well).
        self.last_producer_epoch = -1;
        self.state = TxnState::PrepareAbort;
        self.last_update_ms = now_ms;
    }

    /// After every marker is written: CompleteCommit or CompleteAbort.
    pub fn complete(&mut self, now_ms: i64) {
        self.state = match self.state {
            TxnState::PrepareCommit => TxnState::CompleteCommit,
            TxnState::PrepareAbort => TxnState::CompleteAbort,
            other => other,
        };
        if self.next_producer_id >= 0 {
            // A transactions-v2 end exhausted the epoch: the markers went
            // out under the old id; the client continues with the new one.
            self.previous_producer_id = self.producer_id;
            self.producer_id = self.next_producer_id;
            self.producer_epoch = 0;
            self.last_producer_epoch = -1;
            self.next_producer_id = -1;
        }
        self.clear_transaction();
        self.last_update_ms = now_ms;
    }

    /// Whether an open transaction has run past its timeout.
    pub fn timed_out(&self, now_ms: i64) -> bool {
        self.state == TxnState::Ongoing
            && self.start_ms >= 0
            && now_ms > self.start_ms.saturating_add(i64::from(self.timeout_ms))
    }

    fn clear_transaction(&mut self) {
        self.partitions.clear();
        self.groups.clear();
        self.pending_offsets.clear();
        self.start_ms = -1;
    }
}

/// What an EndTxn leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndAction {
    WriteMarkers,
    AlreadyDone,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp(p: i32) -> (String, i32) {
        ("t".to_owned(), p)
    }

    #[test]
    fn a_transaction_goes_ongoing_prepare_complete() {
        let mut m = TxnMetadata::new("tx", 7, 60_000, 0);
        m.check_producer(7, 0).unwrap();
        assert!(m.add(&[tp(0), tp(1)], None, TxnVersion::V1, 10).unwrap());
        assert_eq!((m.state, m.start_ms), (TxnState::Ongoing, 10));
        // The same partitions again change nothing.
        assert!(!m.add(&[tp(1)], None, TxnVersion::V1, 11).unwrap());
        assert!(m.add(&[], Some("g"), TxnVersion::V1, 12).unwrap());
        assert_eq!(m.end(true, 20).unwrap(), EndAction::WriteMarkers);
        assert_eq!(m.state, TxnState::PrepareCommit);
        assert_eq!(
            m.add(&[tp(2)], None, TxnVersion::V1, 21),
            Err(TxnError::Concurrent)
        );
        assert_eq!(m.end(true, 21), Err(TxnError::Concurrent));
        m.complete(30);
        assert_eq!(m.state, TxnState::CompleteCommit);
        assert!(m.partitions.is_empty() && m.groups.is_empty());
        // A retried commit is answered; an abort of it is not allowed.
        assert_eq!(m.end(true, 31).unwrap(), EndAction::AlreadyDone);
        assert!(matches!(m.end(false, 31), Err(TxnError::InvalidState(_))));
        // The next transaction starts from a complete state.
        assert!(m.add(&[tp(3)], None, TxnVersion::V1, 40).unwrap());
        assert_eq!(m.partitions.len(), 1);
    }

    #[test]
    fn ending_without_a_transaction_is_invalid() {
        let mut m = TxnMetadata::new("tx", 7, 60_000, 0);
        assert!(matches!(m.end(false, 1), Err(TxnError::InvalidState(_))));
    }

    #[test]
    fn init_bumps_the_epoch_and_fences_the_old_one() {
        let mut m = TxnMetadata::new("tx", 7, 60_000, 0);
        assert!(m.bump_for_init(None, 30_000, 1, || unreachable!()).unwrap());
        assert_eq!((m.producer_epoch, m.last_producer_epoch), (1, 0));
        // A retry of that bump with the old epoch changes nothing.
        assert!(
            !m.bump_for_init(Some((7, 0)), 30_000, 2, || unreachable!())
                .unwrap()
        );
        // The old producer is fenced everywhere else.
        assert_eq!(
            m.check_producer(7, 0),
            Err(TxnError::Fenced {
                epoch: 0,
                current_epoch: 1
            })
        );
        assert_eq!(m.check_producer(8, 1), Err(TxnError::ProducerIdMapping(8)));
        // An exhausted epoch moves to a new producer id.
        m.producer_epoch = i16::MAX - 1;
        assert!(m.bump_for_init(None, 30_000, 3, || Ok(99)).unwrap());
        assert_eq!((m.producer_id, m.producer_epoch), (99, 0));
    }

    #[test]
    fn a_timed_out_transaction_is_aborted_with_a_new_epoch() {
        let mut m = TxnMetadata::new("tx", 7, 1_000, 0);
        m.add(&[tp(0)], None, TxnVersion::V1, 100).unwrap();
        assert!(!m.timed_out(1_100));
        assert!(m.timed_out(1_101));
        m.fence_and_abort(1_101);
        assert_eq!((m.state, m.producer_epoch), (TxnState::PrepareAbort, 1));
        m.complete(1_102);
        assert_eq!(m.state, TxnState::CompleteAbort);
        assert!(matches!(
            m.check_producer(7, 0),
            Err(TxnError::Fenced { .. })
        ));
        assert_eq!(
            TxnError::Fenced {
                epoch: 0,
                current_epoch: 1
            }
            .code(2, 2),
            ErrorCode::ProducerFenced
        );
        assert_eq!(
            TxnError::Fenced {
                epoch: 0,
                current_epoch: 1
            }
            .code(1, 2),
            ErrorCode::InvalidProducerEpoch
        );
    }

    #[test]
    fn a_v2_end_bumps_the_epoch_and_a_retry_is_answered_again() {
        let mut m = TxnMetadata::new("tx", 7, 60_000, 0);
        m.add(&[tp(0)], None, TxnVersion::V2, 10).unwrap();
        let action = m.end_v2(7, 0, true, 20, || unreachable!()).unwrap();
        assert_eq!(action, EndAction::WriteMarkers);
        // The markers go out under the bumped epoch.
        assert_eq!((m.state, m.producer_epoch), (TxnState::PrepareCommit, 1));
        // A retry while the markers are written waits, and so does the next
        // transaction's end under the bumped epoch (on a cluster the
        // markers wait for every ISR); any other epoch is fenced.
        assert_eq!(
            m.end_v2(7, 0, true, 21, || unreachable!()),
            Err(TxnError::Concurrent)
        );
        for commit in [true, false] {
            assert_eq!(
                m.end_v2(7, 1, commit, 21, || unreachable!()),
                Err(TxnError::Concurrent)
            );
        }
        assert!(matches!(
            m.end_v2(7, 2, true, 21, || unreachable!()),
            Err(TxnError::Fenced { .. })
        ));
        m.complete(30);
        assert_eq!(m.identity_after_completion(), (7, 1));
        // A retry of the finished commit, with the old epoch, is answered.
        assert_eq!(
            m.end_v2(7, 0, true, 31, || unreachable!()).unwrap(),
            EndAction::AlreadyDone
        );
        // Committing again with the new epoch but nothing open is refused:
        // in a complete state the current epoch may only abort.
        assert!(matches!(
            m.end_v2(7, 1, true, 32, || unreachable!()),
            Err(TxnError::Fenced { .. })
        ));
        // The next transaction: added by Produce, ended with epoch 1.
        m.add(&[tp(1)], None, TxnVersion::V2, 40).unwrap();
        m.end_v2(7, 1, false, 41, || unreachable!()).unwrap();
        m.complete(42);
        assert_eq!((m.state, m.producer_epoch), (TxnState::CompleteAbort, 2));
        // An abort with nothing open bumps the epoch too.
        m.end_v2(7, 2, false, 43, || unreachable!()).unwrap();
        assert!(m.partitions.is_empty());
        m.complete(44);
        assert_eq!(m.identity_after_completion(), (7, 3));
    }

    #[test]
    fn a_v2_end_at_an_exhausted_epoch_moves_to_a_new_producer_id() {
        let mut m = TxnMetadata::new("tx", 7, 60_000, 0);
        m.producer_epoch = i16::MAX - 1;
        m.add(&[tp(0)], None, TxnVersion::V2, 10).unwrap();
        m.end_v2(7, i16::MAX - 1, true, 20, || Ok(99)).unwrap();
        // Markers: the old id at the last epoch.
        assert_eq!((m.producer_id, m.producer_epoch), (7, i16::MAX));
        assert_eq!(m.identity_after_completion(), (99, 0));
        m.complete(30);
        assert_eq!((m.producer_id, m.producer_epoch), (99, 0));
        // The old id's retry is recognised.
        assert_eq!(
            m.end_v2(7, i16::MAX - 1, true, 31, || unreachable!())
                .unwrap(),
            EndAction::AlreadyDone
        );
        assert_eq!(
            m.end_v2(8, 0, true, 31, || unreachable!()),
            Err(TxnError::ProducerIdMapping(8))
        );
    }

    #[test]
    fn state_names_are_kafkas() {
        for s in [
            TxnState::Empty,
            TxnState::Ongoing,
            TxnState::PrepareCommit,
            TxnState::PrepareAbort,
            TxnState::CompleteCommit,
            TxnState::CompleteAbort,
            TxnState::Dead,
        ] {
            assert_eq!(TxnState::from_name(s.name()), Some(s));
        }
        assert_eq!(TxnState::from_name("Bogus"), None);
    }
}
