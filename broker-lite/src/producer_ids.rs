//! Producer ids for InitProducerId: allocated in increasing order, never
//! handed out twice, even across restarts.
//!
//! Ids are reserved in blocks (as Kafka's controller hands blocks of 1000 to
//! brokers): the end of the current block is written to
//! `<data-dir>/producer-id-block` before any id in it is given out, so a
//! restart continues after the block, at the cost of skipping the ids the
//! old process never used. One fsync per thousand producers.
//!
//! The broker also remembers the epoch it last gave each producer id, so a
//! client that asks for an epoch bump (KIP-360, InitProducerId v3+) with an
//! epoch older than that is fenced. After a restart that memory is seeded
//! from the partitions' producer states.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Ids reserved per write of the block file.
const BLOCK_SIZE: i64 = 1000;
pub(crate) const BLOCK_FILE: &str = "producer-id-block";
const FILE_VERSION: &str = "0";

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProducerIdError {
    /// The client's epoch is older than one already given out: another
    /// instance of the producer has taken over.
    #[error(
        "producer {producer_id} epoch {epoch} is fenced: epoch {current_epoch} was already given out"
    )]
    Fenced {
        producer_id: i64,
        epoch: i16,
        current_epoch: i16,
    },
    #[error("cannot reserve producer ids in {path}: {source}")]
    Persist {
        path: PathBuf,
        source: std::io::Error,
    },
}

#[derive(Debug, Clone, Copy)]
struct Epochs {
    current: i16,
    /// The epoch the current one was bumped from, so a retried bump gets the
    /// same answer instead of a second bump.
    previous: i16,
}

#[derive(Debug)]
pub(crate) struct ProducerIds {
    path: PathBuf,
    next: i64,
    block_end: i64,
    epochs: HashMap<i64, Epochs>,
}

impl ProducerIds {
    /// Reads the block file.
    pub(crate) fn open(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join(BLOCK_FILE);
        let reserved = match std::fs::read_to_string(&path) {
            Ok(text) => {
                let mut lines = text.lines();
                match (lines.next(), lines.next().map(str::parse::<i64>)) {
                    (Some(FILE_VERSION), Some(Ok(end))) if end >= 0 => end,
                    _ => anyhow::bail!("{} is not a producer id block file", path.display()),
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => anyhow::bail!("cannot read {}: {e}", path.display()),
        };
        Ok(Self {
            path,
            next: reserved,
            block_end: reserved,
            epochs: HashMap::new(),
        })
    }

    /// Takes in the (producer id, epoch) pairs found in the partition logs:
    /// their epochs are the ones a bump must present, and their ids are
    /// never issued again even if the block file was lost.
    pub(crate) fn observe(&mut self, seen: impl IntoIterator<Item = (i64, i16)>) {
        for (id, epoch) in seen {
            self.next = self.next.max(id.saturating_add(1));
            self.block_end = self.block_end.max(self.next);
            let known = self.epochs.entry(id).or_insert(Epochs {
                current: epoch,
                previous: -1,
            });
            known.current = known.current.max(epoch);
        }
    }

    /// InitProducerId without a transactional id. `current` is the id and
    /// epoch the client already has (v3+), for an epoch bump.
    pub(crate) fn init(
        &mut self,
        current: Option<(i64, i16)>,
    ) -> Result<(i64, i16), ProducerIdError> {
        let Some((id, epoch)) = current.filter(|&(id, _)| id >= 0 && id < self.next) else {
            // Kafka gives a producer without a transactional id a new id
            // every time; an id this broker never issued is no exception.
            return self.fresh();
        };
        let from = match self.epochs.get(&id) {
            Some(known) if epoch == known.previous => return Ok((id, known.current)),
            Some(known) if epoch < known.current => {
                return Err(ProducerIdError::Fenced {
                    producer_id: id,
                    epoch,
                    current_epoch: known.current,
                });
            }
            // Equal, or newer than anything this broker saw produced with.
            _ => epoch,
        };
        // Kafka's isEpochExhausted: the epoch must stay below i16::MAX.
        if from >= i16::MAX - 1 {
            return self.fresh();
        }
        self.epochs.insert(
            id,
            Epochs {
                current: from + 1,
                previous: from,
            },
        );
        Ok((id, from + 1))
    }

    /// A new producer id at epoch 0 (also for transactional ids, whose
    /// epochs the transaction coordinator keeps).
    pub(crate) fn fresh(&mut self) -> Result<(i64, i16), ProducerIdError> {
        if self.next >= self.block_end {
            let end = self.next + BLOCK_SIZE;
            crate::state::write_file_atomically(
                &self.path,
                format!("{FILE_VERSION}\n{end}\n").as_bytes(),
            )
            .map_err(|source| ProducerIdError::Persist {
                path: self.path.clone(),
                source,
            })?;
            self.block_end = end;
        }
        let id = self.next;
        self.next += 1;
        self.epochs.insert(
            id,
            Epochs {
                current: 0,
                previous: -1,
            },
        );
        Ok((id, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_increase_and_survive_a_restart_without_reuse() {
        let dir = tempfile::tempdir().unwrap();
        let mut ids = ProducerIds::open(dir.path()).unwrap();
        assert_eq!(ids.init(None).unwrap(), (0, 0));
        assert_eq!(ids.init(None).unwrap(), (1, 0));
        let mut again = ProducerIds::open(dir.path()).unwrap();
        let (id, epoch) = again.init(None).unwrap();
        assert!(id >= 2 && epoch == 0, "{id} reused an id");
        assert_eq!(again.init(None).unwrap().0, id + 1);
    }

    #[test]
    fn ids_seen_in_logs_are_never_reissued() {
        let dir = tempfile::tempdir().unwrap();
        let mut ids = ProducerIds::open(dir.path()).unwrap();
        ids.observe([(41, 3), (7, 0)]);
        assert_eq!(ids.init(None).unwrap(), (42, 0));
        // And the epoch seen there is the one a bump must present.
        assert!(matches!(
            ids.init(Some((41, 2))),
            Err(ProducerIdError::Fenced {
                current_epoch: 3,
                ..
            })
        ));
        assert_eq!(ids.init(Some((41, 3))).unwrap(), (41, 4));
    }

    #[test]
    fn bumps_fence_older_epochs_and_retries_get_the_same_answer() {
        let dir = tempfile::tempdir().unwrap();
        let mut ids = ProducerIds::open(dir.path()).unwrap();
        let (id, _) = ids.init(None).unwrap();
        assert_eq!(ids.init(Some((id, 0))).unwrap(), (id, 1));
        // A retry of the same bump: no second bump.
        assert_eq!(ids.init(Some((id, 0))).unwrap(), (id, 1));
        assert_eq!(ids.init(Some((id, 1))).unwrap(), (id, 2));
        assert!(matches!(
            ids.init(Some((id, 0))),
            Err(ProducerIdError::Fenced { .. })
        ));
        // An id this broker never gave out gets a fresh one.
        let (other, epoch) = ids.init(Some((9_999_999, 4))).unwrap();
        assert_eq!((other, epoch), (id + 1, 0));
        // An exhausted epoch moves to a new id.
        ids.epochs.insert(
            id,
            Epochs {
                current: i16::MAX - 1,
                previous: i16::MAX - 2,
            },
        );
        assert_eq!(ids.init(Some((id, i16::MAX - 1))).unwrap(), (id + 2, 0));
    }
}
