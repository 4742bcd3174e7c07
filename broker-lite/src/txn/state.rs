//! One transactional id's state and Kafka's transitions between states
//! (`TransactionMetadata`, `TransactionState`). Pure data: the coordinator
//! logs each new value and writes the markers.

use std::collections::BTreeSet;

use kctl_client::protocol::ErrorCode;
use serde::{Deserialize, Serialize};

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

    /// The abort of a transaction that ran past its timeout or whose id
    /// was re-initialised: the epoch is bumped first, so the producer that
    /// opened it is fenced (Kafka's `prepareFenceProducerEpoch`).
    pub fn fence_and_abort(&mut self, now_ms: i64) {
        debug_assert_eq!(self.state, TxnState::Ongoing);
        if !epoch_exhausted(self.producer_epoch) {
            self.producer_epoch += 1;
        }
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
        assert!(m.add(&[tp(0), tp(1)], None, 10).unwrap());
        assert_eq!((m.state, m.start_ms), (TxnState::Ongoing, 10));
        // The same partitions again change nothing.
        assert!(!m.add(&[tp(1)], None, 11).unwrap());
        assert!(m.add(&[], Some("g"), 12).unwrap());
        assert_eq!(m.end(true, 20).unwrap(), EndAction::WriteMarkers);
        assert_eq!(m.state, TxnState::PrepareCommit);
        assert_eq!(m.add(&[tp(2)], None, 21), Err(TxnError::Concurrent));
        assert_eq!(m.end(true, 21), Err(TxnError::Concurrent));
        m.complete(30);
        assert_eq!(m.state, TxnState::CompleteCommit);
        assert!(m.partitions.is_empty() && m.groups.is_empty());
        // A retried commit is answered; an abort of it is not allowed.
        assert_eq!(m.end(true, 31).unwrap(), EndAction::AlreadyDone);
        assert!(matches!(m.end(false, 31), Err(TxnError::InvalidState(_))));
        // The next transaction starts from a complete state.
        assert!(m.add(&[tp(3)], None, 40).unwrap());
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
        m.add(&[tp(0)], None, 100).unwrap();
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
