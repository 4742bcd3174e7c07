//! What replication needs from a partition log: appending the leader's
//! batches exactly as they are, the leader epoch cache, and truncation.

use bytes::Bytes;
use kctl_client::protocol::batch::{self, BatchHeader};
use kctl_client::protocol::control::{self, MarkerType};

use super::producer_state::ProducerBatch;
use super::segment::Segment;
use super::{AbortedTxn, AbortedTxns, FlushPolicy, LogError, PartitionLog, files, wall_clock_ms};

impl PartitionLog {
    /// A follower's append: one batch as the leader stored it (offsets,
    /// leader epoch and timestamps already set), written without patching.
    /// It must start at this log's end.
    pub fn append_replica(&mut self, bytes: &[u8]) -> Result<BatchHeader, LogError> {
        let header = batch::validate(bytes)?;
        let log_end_offset = self.log_end_offset();
        if header.base_offset != log_end_offset {
            return Err(LogError::Corrupt {
                path: self.dir.clone(),
                position: 0,
                reason: format!(
                    "replicated batch starts at {}, the log ends at {log_end_offset}",
                    header.base_offset
                ),
            });
        }
        let now_ms = wall_clock_ms();
        if self.should_roll(
            bytes.len(),
            header.last_offset(),
            header.max_timestamp,
            now_ms,
        ) {
            self.roll(now_ms)?;
        }
        let index_interval_bytes = self.config.index_interval_bytes;
        self.active_mut().append(bytes, index_interval_bytes)?;
        if self.config.flush == FlushPolicy::EveryBatch {
            self.active().sync_log()?;
        }
        if header.is_control() {
            let marker = control::decode_marker(&header, &Bytes::copy_from_slice(bytes));
            let first = self.producers.complete_txn(
                header.producer_id,
                header.producer_epoch,
                marker.map_or(-1, |(_, coordinator_epoch)| coordinator_epoch),
                header.max_timestamp,
            );
            if let (Some((MarkerType::Abort, _)), Some(first_offset)) = (marker, first) {
                let aborted = AbortedTxn {
                    producer_id: header.producer_id,
                    first_offset,
                    last_offset: header.base_offset,
                    last_stable_offset: self.last_stable_offset(),
                };
                let segment_base = self.active().base_offset();
                self.aborted.add(&self.dir, segment_base, aborted, false)?;
            }
        } else if let Ok(Some(producer)) = ProducerBatch::from_header(&header) {
            // Idempotent producer state moves with the partition: a follower
            // that becomes leader knows every producer's last sequences.
            self.producers
                .record(&producer, header.base_offset, header.last_offset());
        }
        self.assign_epoch(header.partition_leader_epoch, header.base_offset)?;
        Ok(header)
    }

    /// The latest leader epoch in this log, if any batch carries one.
    pub fn latest_epoch(&self) -> Option<i32> {
        self.epochs.latest_epoch()
    }

    /// OffsetForLeaderEpoch: the largest epoch at or below `epoch` and the
    /// offset where it ended here.
    pub fn end_offset_for_epoch(&self, epoch: i32) -> (i32, i64) {
        self.epochs.end_offset_for(epoch, self.log_end_offset())
    }

    pub(super) fn assign_epoch(&mut self, epoch: i32, start_offset: i64) -> Result<(), LogError> {
        if self.epochs.assign(epoch, start_offset) {
            self.epochs.write()?;
        }
        Ok(())
    }

    /// Builds the epoch cache from the batches (a log written before the
    /// cache existed).
    pub(super) fn rebuild_leader_epochs(&mut self) -> Result<(), LogError> {
        let mut seen = Vec::new();
        for segment in self.segments.values() {
            let mut last = None;
            for step in segment.walk(0) {
                let (_, header) = step?;
                if last != Some(header.partition_leader_epoch) {
                    last = Some(header.partition_leader_epoch);
                    seen.push((header.partition_leader_epoch, header.base_offset));
                }
            }
        }
        let mut changed = false;
        for (epoch, offset) in seen {
            changed |= self.epochs.assign(epoch, offset);
        }
        if changed {
            self.epochs.write()?;
        }
        Ok(())
    }

    /// Removes everything at and after `offset` (rounded down to the start
    /// of the batch holding it): a follower dropping a tail its new leader
    /// does not have. Producer state, aborted transactions and leader
    /// epochs are cut back with it. Returns the new log end offset.
    pub fn truncate_to(&mut self, offset: i64) -> Result<i64, LogError> {
        if offset >= self.log_end_offset() {
            return Ok(self.log_end_offset());
        }
        let offset = offset.max(self.log_start_offset);
        let now_ms = wall_clock_ms();
        let doomed: Vec<i64> = self
            .segments
            .range(offset..)
            .map(|(base, _)| *base)
            .collect();
        for base in doomed {
            if let Some(segment) = self.segments.remove(&base) {
                segment.delete()?;
            }
        }
        match self.segments.pop_last() {
            Some((base, segment)) if offset < segment.next_offset() => {
                let (position, _) = segment.locate(offset)?;
                let cut = segment.cut_at(
                    &self.dir,
                    position,
                    self.config.index_interval_bytes,
                    now_ms,
                )?;
                self.segments.insert(base, cut);
            }
            Some((base, segment)) => {
                self.segments.insert(base, segment);
            }
            None => {
                self.segments
                    .insert(offset, Segment::create(&self.dir, offset, now_ms)?);
            }
        }
        let log_end_offset = self.log_end_offset();
        if self.recovery_point > log_end_offset {
            self.recovery_point = log_end_offset;
            self.checkpoint_recovery_point()?;
        }
        if self.epochs.truncate_from_end(log_end_offset) {
            self.epochs.write()?;
        }
        let bases: Vec<i64> = self.segments.keys().copied().collect();
        self.aborted = AbortedTxns::load(&self.dir, &bases, log_end_offset)?;
        self.aborted.drop_below(self.log_start_offset);
        self.rebuild_producer_state()?;
        let _ = files::sync_dir(&self.dir);
        tracing::info!(dir = %self.dir.display(), log_end_offset, "truncated the log");
        Ok(log_end_offset)
    }

    /// Empties the log and starts it again at `offset` (Kafka's
    /// `truncateFullyAndStartAt`): a follower whose log ends below its
    /// leader's log start (retention or DeleteRecords moved it while the
    /// follower was away) cannot catch up by fetching.
    pub fn truncate_fully_and_start_at(&mut self, offset: i64) -> Result<(), LogError> {
        let now_ms = wall_clock_ms();
        for (_, segment) in std::mem::take(&mut self.segments) {
            segment.delete()?;
        }
        self.segments
            .insert(offset, Segment::create(&self.dir, offset, now_ms)?);
        self.log_start_offset = offset;
        files::write_checkpoint(&self.dir, files::LOG_START_OFFSET_CHECKPOINT, offset)?;
        self.recovery_point = offset;
        self.checkpoint_recovery_point()?;
        if self.epochs.truncate_from_end(i64::MIN) {
            self.epochs.write()?;
        }
        self.aborted = AbortedTxns::default();
        self.rebuild_producer_state()?;
        tracing::warn!(dir = %self.dir.display(), offset, "emptied the log to start at the leader's log start");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use kctl_client::protocol::batch;

    use crate::log::recovery::tests::batch_at;
    use crate::log::{LogConfig, PartitionLog};

    fn open(dir: &std::path::Path) -> PartitionLog {
        let config = LogConfig {
            segment_bytes: 400,
            ..LogConfig::default()
        };
        PartitionLog::open(dir, config, false).unwrap().0
    }

    #[test]
    fn truncation_cuts_segments_and_epochs_and_survives_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = open(dir.path());
        // Ten batches over several segments: epochs 1 (0..5) and 3 (5..10).
        for i in 0..10 {
            let mut bytes = batch_at(0, 100);
            log.append(&mut bytes, if i < 5 { 1 } else { 3 }, 0)
                .unwrap();
        }
        assert!(log.segment_count() > 2);
        assert_eq!(log.end_offset_for_epoch(1), (1, 5));
        assert_eq!(log.end_offset_for_epoch(2), (1, 5));
        assert_eq!(log.truncate_to(4).unwrap(), 4);
        assert_eq!(log.latest_epoch(), Some(1));
        assert_eq!(log.end_offset_for_epoch(1), (1, 4));
        // A replica's batch lands at the end as it is, with its epoch.
        let mut replicated = batch_at(4, 100);
        batch::set_partition_leader_epoch(&mut replicated, 4);
        log.append_replica(&replicated).unwrap();
        assert_eq!(log.log_end_offset(), 5);
        assert!(
            log.append_replica(&batch_at(9, 100)).is_err(),
            "a gap is refused"
        );
        drop(log);
        let mut log = open(dir.path());
        assert_eq!((log.log_end_offset(), log.latest_epoch()), (5, Some(4)));
        log.truncate_fully_and_start_at(42).unwrap();
        assert_eq!((log.log_start_offset(), log.log_end_offset()), (42, 42));
        assert_eq!(log.latest_epoch(), None);
    }
}
