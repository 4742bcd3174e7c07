//! Producer ids for InitProducerId: allocated in increasing order, never
//! handed out twice, even across restarts.
//!
//! Ids are reserved in blocks (as Kafka's controller hands blocks of 1000 to
//! brokers): the end of the current block is written to
//! `<data-dir>/producer-id-block` before any id in it is given out, so a
//! restart continues after the block, at the cost of skipping the ids the
//! old process never used. One fsync per thousand producers.
//!
//! In a cluster the blocks come from the controller instead
//! (AllocateProducerIds, API 67, as Kafka's `RPCProducerIdManager` asks its
//! controller), which persists the next free id, so two nodes never hand
//! out the same id. The next block is fetched in the background once the
//! current one is 90% used; a node that runs out before it arrives answers
//! a retriable error (COORDINATOR_LOAD_IN_PROGRESS, as Kafka does).
//!
//! The broker also remembers the epoch it last gave each producer id, so a
//! client that asks for an epoch bump (KIP-360, InitProducerId v3+) with an
//! epoch older than that is fenced. After a restart that memory is seeded
//! from the partitions' producer states.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::Notify;

/// Ids reserved per write of the block file.
pub(crate) const BLOCK_SIZE: i64 = 1000;
/// Fetch the next controller block once fewer than this many ids are left
/// in the current one (Kafka prefetches at 90% use).
const PREFETCH_BELOW: i64 = BLOCK_SIZE / 10;
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
    /// A cluster node used up its block and the controller's next one has
    /// not arrived yet: retriable.
    #[error("no producer id block from the controller yet")]
    NoBlock,
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

/// Where blocks of ids come from.
#[derive(Debug)]
enum BlockSource {
    /// A single broker reserves its own blocks in a file.
    File(PathBuf),
    /// A cluster node gets them from the controller: `next_block` is the
    /// one fetched ahead, `wanted` wakes the task that fetches it.
    Controller {
        next_block: Option<(i64, i64)>,
        wanted: Arc<Notify>,
    },
}

#[derive(Debug)]
pub(crate) struct ProducerIds {
    source: BlockSource,
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
            source: BlockSource::File(path),
            next: reserved,
            block_end: reserved,
            epochs: HashMap::new(),
        })
    }

    /// A cluster node's ids: none until the controller's first block
    /// arrives ([`ProducerIds::add_block`]).
    pub(crate) fn from_controller() -> Self {
        let wanted = Arc::new(Notify::new());
        // The first block is wanted at once.
        wanted.notify_one();
        Self {
            source: BlockSource::Controller {
                next_block: None,
                wanted,
            },
            next: 0,
            block_end: 0,
            epochs: HashMap::new(),
        }
    }

    /// Signalled when a cluster node needs its next block; `None` for a
    /// single broker.
    pub(crate) fn block_wanted(&self) -> Option<Arc<Notify>> {
        match &self.source {
            BlockSource::Controller { wanted, .. } => Some(Arc::clone(wanted)),
            BlockSource::File(_) => None,
        }
    }

    /// Whether a cluster node should fetch another block now.
    pub(crate) fn needs_block(&self) -> bool {
        match &self.source {
            BlockSource::Controller { next_block, .. } => {
                next_block.is_none() && self.block_end - self.next < PREFETCH_BELOW
            }
            BlockSource::File(_) => false,
        }
    }

    /// A block `[start, start + len)` from the controller.
    pub(crate) fn add_block(&mut self, start: i64, len: i64) {
        if let BlockSource::Controller { next_block, .. } = &mut self.source {
            if self.next >= self.block_end {
                self.next = start;
                self.block_end = start + len;
            } else {
                *next_block = Some((start, start + len));
            }
        }
    }

    /// Takes in the (producer id, epoch) pairs found in the partition logs:
    /// their epochs are the ones a bump must present, and their ids are
    /// never issued again even if the block file was lost.
    pub(crate) fn observe(&mut self, seen: impl IntoIterator<Item = (i64, i16)>) {
        let own_blocks = matches!(self.source, BlockSource::File(_));
        for (id, epoch) in seen {
            // A controller's blocks are above every id it gave out before;
            // only a broker reserving its own must skip what it sees.
            if own_blocks {
                self.next = self.next.max(id.saturating_add(1));
                self.block_end = self.block_end.max(self.next);
            }
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
        let Some((id, epoch)) =
            current.filter(|&(id, _)| id >= 0 && (id < self.next || self.epochs.contains_key(&id)))
        else {
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
            match &mut self.source {
                BlockSource::File(path) => {
                    let end = self.next + BLOCK_SIZE;
                    crate::state::write_file_atomically(
                        path,
                        format!("{FILE_VERSION}\n{end}\n").as_bytes(),
                    )
                    .map_err(|source| ProducerIdError::Persist {
                        path: path.clone(),
                        source,
                    })?;
                    self.block_end = end;
                }
                BlockSource::Controller { next_block, wanted } => {
                    let Some((start, end)) = next_block.take() else {
                        wanted.notify_one();
                        return Err(ProducerIdError::NoBlock);
                    };
                    self.next = start;
                    self.block_end = end;
                }
            }
        }
        let id = self.next;
        self.next += 1;
        if self.needs_block()
            && let BlockSource::Controller { wanted, .. } = &self.source
        {
            wanted.notify_one();
        }
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

    #[test]
    fn a_cluster_node_hands_out_only_controller_blocks() {
        let mut ids = ProducerIds::from_controller();
        assert!(ids.needs_block());
        assert!(matches!(ids.init(None), Err(ProducerIdError::NoBlock)));
        // Ids seen in logs do not move a controller-fed node's counter.
        ids.observe([(5_000, 0)]);
        ids.add_block(2_000, BLOCK_SIZE);
        assert!(!ids.needs_block());
        assert_eq!(ids.init(None).unwrap(), (2_000, 0));
        for _ in 0..(BLOCK_SIZE - PREFETCH_BELOW) {
            ids.init(None).unwrap();
        }
        assert!(ids.needs_block(), "the next block is fetched ahead");
        ids.add_block(7_000, BLOCK_SIZE);
        assert!(!ids.needs_block());
        let mut last = 0;
        for _ in 0..(PREFETCH_BELOW - 1) {
            last = ids.init(None).unwrap().0;
        }
        assert_eq!(last, 2_000 + BLOCK_SIZE - 1);
        assert_eq!(ids.init(None).unwrap(), (7_000, 0));
        // A bump of an id seen in a log is honoured, not refused as unknown.
        assert_eq!(ids.init(Some((5_000, 0))).unwrap(), (5_000, 1));
    }
}
