//! One partition's share of a Fetch response, decoded as the application
//! drains it.
//!
//! Batches stay compressed in the fetched buffer until a poll reaches them,
//! so what the consumer holds is bounded by what it fetched, not by what it
//! decoded. The rules applied while draining:
//!
//! - a fetch at an offset inside a batch gets the whole batch back, so the
//!   records before the position are skipped;
//! - a batch cut short at the end of the response is dropped (the next fetch
//!   starts at it);
//! - control batches (transaction markers) are never returned;
//! - with `read_committed`, batches of aborted transactions are dropped
//!   (the `aborted_transactions` list says which producer aborted from
//!   which offset; the producer's ABORT marker ends that), and nothing at or
//!   past the last stable offset is returned.

use std::collections::HashSet;

use bytes::Bytes;

use super::record_ref::{RecordRef, RecordSink};
use super::{ConsumerRecord, IsolationLevel, TopicPartition};
use crate::error::{Error, Result};
use crate::protocol::batch::BatchHeader;
use crate::protocol::record_batch::{BatchReader, Records};

/// An aborted transaction as a Fetch response lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AbortedTxn {
    pub(crate) producer_id: i64,
    pub(crate) first_offset: i64,
}

/// The control record type of an ABORT marker (its key is
/// `version:i16 type:i16`; COMMIT is 1).
const ABORT_MARKER: i16 = 0;

/// How fetched data is read: the consumer's settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DecodeOptions {
    pub(crate) isolation: IsolationLevel,
    pub(crate) verify_crc: bool,
}

#[derive(Debug)]
pub(crate) struct CompletedFetch {
    pub(crate) tp: TopicPartition,
    /// The partition's epoch when the fetch was sent; a seek since then
    /// makes this data stale.
    pub(crate) epoch: u64,
    /// Bytes charged against the consumer's buffer until fully drained.
    pub(crate) size_bytes: usize,
    /// The offset the next record handed out must have at least; after the
    /// last record, the offset the partition's position moves to.
    pub(crate) position: i64,
    reader: BatchReader,
    /// The batch being handed out, decoded record by record as polls take
    /// them.
    current: Option<(BatchHeader, Records)>,
    read_committed: bool,
    last_stable_offset: i64,
    /// Sorted by first offset, descending, so the next one is at the end.
    aborted: Vec<AbortedTxn>,
    aborted_producers: HashSet<i64>,
    exhausted: bool,
}

impl CompletedFetch {
    pub(crate) fn new(
        tp: TopicPartition,
        epoch: u64,
        records: Bytes,
        fetch_offset: i64,
        last_stable_offset: i64,
        mut aborted: Vec<AbortedTxn>,
        options: DecodeOptions,
    ) -> Self {
        aborted.sort_by_key(|a| std::cmp::Reverse(a.first_offset));
        Self {
            tp,
            epoch,
            size_bytes: records.len(),
            position: fetch_offset,
            reader: BatchReader::new(records, options.verify_crc),
            current: None,
            read_committed: options.isolation == IsolationLevel::ReadCommitted,
            last_stable_offset,
            aborted,
            aborted_producers: HashSet::new(),
            exhausted: false,
        }
    }

    /// Where the next fetch of the partition starts: after the last whole
    /// batch (and, with `read_committed`, not past the last stable offset).
    /// `None` when the data holds no whole batch that moves the position.
    pub(crate) fn next_fetch_offset(&self) -> Option<i64> {
        self.reader
            .peek_headers()
            .filter(|h| !self.beyond_stable(h))
            .map(|h| h.next_offset())
            .max()
            .filter(|next| *next > self.position)
    }

    /// The leader epoch of the batch `next_fetch_offset` follows: Fetch's
    /// `last_fetched_epoch` for the next request (KIP-320).
    pub(crate) fn last_fetched_leader_epoch(&self) -> Option<i32> {
        self.reader
            .peek_headers()
            .filter(|h| !self.beyond_stable(h))
            .max_by_key(|h| h.next_offset())
            .map(|h| h.partition_leader_epoch)
            .filter(|epoch| *epoch >= 0)
    }

    /// Whether the data holds at least one whole batch (a response whose
    /// only batch is cut short cannot make progress).
    pub(crate) fn has_whole_batch(&self) -> bool {
        self.reader.peek_headers().next().is_some()
    }

    pub(crate) fn is_exhausted(&self) -> bool {
        self.exhausted
    }

    fn beyond_stable(&self, header: &BatchHeader) -> bool {
        self.read_committed
            && self.last_stable_offset >= 0
            && header.base_offset >= self.last_stable_offset
    }

    /// Appends up to `max` records to `out`, advancing [`Self::position`].
    /// A batch that cannot be decoded is an error; the position stays at it.
    pub(crate) fn next_records(&mut self, max: usize, out: &mut Vec<ConsumerRecord>) -> Result<()> {
        self.drain_into(max, out).map(|_| ())
    }

    /// Hands up to `max` records to `sink`, advancing [`Self::position`],
    /// and returns the leader epoch of the last one handed. A batch that
    /// cannot be decoded is an error; the position stays at it.
    pub(crate) fn drain_into(
        &mut self,
        max: usize,
        sink: &mut impl RecordSink,
    ) -> Result<Option<i32>> {
        let mut taken = 0;
        let mut leader_epoch = None;
        while taken < max {
            if let Some((header, records)) = &mut self.current {
                let mut finished = true;
                while let Some(record) = records.next_view_from(self.position) {
                    let record = match record {
                        Ok(r) => r,
                        Err(e) => {
                            let error = e.to_string();
                            self.current = None;
                            return Err(self.corrupt(error));
                        }
                    };
                    self.position = record.offset + 1;
                    let record = RecordRef::new(&self.tp, header, record);
                    leader_epoch = record.leader_epoch;
                    sink.take(record);
                    taken += 1;
                    if taken == max {
                        finished = false;
                        break;
                    }
                }
                if finished {
                    self.position = self.position.max(header.next_offset());
                    self.current = None;
                }
                continue;
            }
            let Some(batch) = self.reader.next() else {
                self.exhausted = true;
                break;
            };
            let batch = batch.map_err(|e| self.corrupt(e.to_string()))?;
            let header = batch.header;
            if header.next_offset() <= self.position {
                continue;
            }
            if self.beyond_stable(&header) {
                // Not committed yet: neither returned nor skipped, so the
                // next fetch asks for it again.
                self.exhausted = true;
                break;
            }
            if self.skip(&batch) {
                self.position = self.position.max(header.next_offset());
                continue;
            }
            let records = batch
                .record_iter()
                .map_err(|e| self.corrupt(e.to_string()))?;
            self.current = Some((header, records));
        }
        Ok(leader_epoch)
    }

    /// Whether a whole batch is passed over: control batches always, and
    /// with `read_committed` the batches of aborted transactions.
    fn skip(&mut self, batch: &crate::protocol::record_batch::RawBatch) -> bool {
        let header = &batch.header;
        if self.read_committed {
            while let Some(txn) = self.aborted.last().copied() {
                if txn.first_offset > header.last_offset() {
                    break;
                }
                self.aborted_producers.insert(txn.producer_id);
                self.aborted.pop();
            }
            if header.is_control() {
                if is_abort_marker(batch) {
                    self.aborted_producers.remove(&header.producer_id);
                }
                return true;
            }
            if header.is_transactional() && self.aborted_producers.contains(&header.producer_id) {
                return true;
            }
        }
        header.is_control() || header.records_count == 0
    }

    fn corrupt(&self, reason: String) -> Error {
        Error::CorruptRecord {
            topic: self.tp.topic.to_string(),
            partition: self.tp.partition,
            offset: self.position,
            reason,
        }
    }
}

fn is_abort_marker(batch: &crate::protocol::record_batch::RawBatch) -> bool {
    let Some(Ok(marker)) = batch.record_iter().ok().and_then(|mut r| r.next()) else {
        return false;
    };
    marker
        .key
        .as_ref()
        .is_some_and(|key| key.len() >= 4 && i16::from_be_bytes([key[2], key[3]]) == ABORT_MARKER)
}

#[cfg(test)]
mod tests {
    use bytes::BytesMut;

    use super::*;
    use crate::consumer::TimestampType;
    use crate::protocol::batch;
    use crate::protocol::record_batch::{BatchBuilder, BatchParams};
    use crate::protocol::records::Compression;

    const ATTRIBUTES_AT: usize = 21;
    const CONTROL_BIT: i16 = 0x20;

    fn tp() -> TopicPartition {
        TopicPartition::new("t", 0)
    }

    /// A batch of `count` records starting at `base_offset`, values "v<offset>".
    fn batch(out: &mut BytesMut, base_offset: i64, count: i64, params: &BatchParams) {
        let mut b = BatchBuilder::new(1_000, 0);
        for i in 0..count {
            let value = format!("v{}", base_offset + i);
            b.append(1_000 + i, Some(b"k"), Some(value.as_bytes()), &[]);
        }
        let start = out.len();
        b.encode(out, params).unwrap();
        batch::set_base_offset(&mut out[start..], base_offset);
    }

    /// A transaction marker from `producer_id` at `offset`.
    fn marker(out: &mut BytesMut, offset: i64, producer_id: i64, abort: bool) {
        let mut b = BatchBuilder::new(1_000, 0);
        let key = [0u8, 0, 0, if abort { 0 } else { 1 }];
        b.append(1_000, Some(&key), Some(&[0, 0, 0, 0, 0, 0]), &[]);
        let start = out.len();
        b.encode(out, &txn(producer_id)).unwrap();
        let batch = &mut out[start..];
        batch::set_base_offset(batch, offset);
        let attributes =
            i16::from_be_bytes([batch[ATTRIBUTES_AT], batch[ATTRIBUTES_AT + 1]]) | CONTROL_BIT;
        batch[ATTRIBUTES_AT..ATTRIBUTES_AT + 2].copy_from_slice(&attributes.to_be_bytes());
        let crc = batch::compute_crc(batch);
        batch[17..21].copy_from_slice(&crc.to_be_bytes());
    }

    fn txn(producer_id: i64) -> BatchParams {
        BatchParams {
            producer_id,
            producer_epoch: 0,
            base_sequence: 0,
            transactional: true,
            ..Default::default()
        }
    }

    fn drain(mut fetch: CompletedFetch, max: usize) -> (Vec<i64>, i64) {
        let mut offsets = Vec::new();
        while !fetch.is_exhausted() {
            let mut out = Vec::new();
            fetch.next_records(max, &mut out).unwrap();
            assert!(out.len() <= max);
            offsets.extend(out.iter().map(|r| r.offset));
        }
        (offsets, fetch.position)
    }

    fn fetch(
        data: BytesMut,
        offset: i64,
        isolation: IsolationLevel,
        lso: i64,
        aborted: Vec<AbortedTxn>,
    ) -> CompletedFetch {
        CompletedFetch::new(
            tp(),
            1,
            data.freeze(),
            offset,
            lso,
            aborted,
            DecodeOptions {
                isolation,
                verify_crc: true,
            },
        )
    }

    #[test]
    fn records_before_the_fetch_offset_are_skipped_in_every_codec() {
        for compression in [
            Compression::None,
            Compression::Gzip,
            Compression::Snappy,
            Compression::Lz4,
            Compression::Zstd,
        ] {
            let mut data = BytesMut::new();
            batch(
                &mut data,
                10,
                5,
                &BatchParams {
                    compression,
                    ..Default::default()
                },
            );
            batch(
                &mut data,
                15,
                5,
                &BatchParams {
                    compression,
                    ..Default::default()
                },
            );
            let f = fetch(data, 12, IsolationLevel::ReadUncommitted, -1, vec![]);
            assert_eq!(f.next_fetch_offset(), Some(20));
            let (offsets, position) = drain(f, 3);
            assert_eq!(offsets, (12..20).collect::<Vec<_>>(), "{compression:?}");
            assert_eq!(position, 20);
        }
    }

    #[test]
    fn a_partial_trailing_batch_is_dropped_and_fetched_again() {
        let mut data = BytesMut::new();
        batch(&mut data, 0, 4, &BatchParams::default());
        let whole = data.len();
        batch(&mut data, 4, 4, &BatchParams::default());
        data.truncate(whole + 20);
        let f = fetch(data, 0, IsolationLevel::ReadUncommitted, -1, vec![]);
        assert_eq!(
            f.next_fetch_offset(),
            Some(4),
            "the next fetch starts at the cut batch"
        );
        assert_eq!(drain(f, 100), ((0..4).collect(), 4));

        let mut only_partial = BytesMut::new();
        batch(&mut only_partial, 0, 4, &BatchParams::default());
        only_partial.truncate(70);
        let f = fetch(only_partial, 0, IsolationLevel::ReadUncommitted, -1, vec![]);
        assert!(!f.has_whole_batch());
        assert_eq!(f.next_fetch_offset(), None);
    }

    #[test]
    fn control_batches_are_skipped_but_move_the_position() {
        let mut data = BytesMut::new();
        batch(&mut data, 0, 3, &txn(7));
        marker(&mut data, 3, 7, false);
        batch(&mut data, 4, 2, &BatchParams::default());
        marker(&mut data, 6, 7, false);
        let (offsets, position) = drain(
            fetch(data, 0, IsolationLevel::ReadUncommitted, -1, vec![]),
            10,
        );
        assert_eq!(offsets, [0, 1, 2, 4, 5]);
        assert_eq!(position, 7, "the trailing marker is passed over");
    }

    #[test]
    fn read_committed_drops_aborted_transactions_and_stops_at_the_lso() {
        // Producer 7 aborts [0, 3); producer 8 commits [3, 5); producer 7
        // then commits a new transaction [6, 8); producer 9 is still open
        // at 9 (the last stable offset).
        let mut data = BytesMut::new();
        batch(&mut data, 0, 2, &txn(7));
        marker(&mut data, 2, 7, true);
        batch(&mut data, 3, 2, &txn(8));
        marker(&mut data, 5, 8, false);
        batch(&mut data, 6, 2, &txn(7));
        marker(&mut data, 8, 7, false);
        batch(&mut data, 9, 2, &txn(9));
        let aborted = vec![AbortedTxn {
            producer_id: 7,
            first_offset: 0,
        }];
        let committed = fetch(
            data.clone(),
            0,
            IsolationLevel::ReadCommitted,
            9,
            aborted.clone(),
        );
        assert_eq!(committed.next_fetch_offset(), Some(9), "never past the LSO");
        let (offsets, position) = drain(committed, 100);
        assert_eq!(offsets, [3, 4, 6, 7]);
        assert_eq!(position, 9);

        let (everything, _) = drain(
            fetch(data, 0, IsolationLevel::ReadUncommitted, 9, aborted),
            100,
        );
        assert_eq!(
            everything,
            [0, 1, 3, 4, 6, 7, 9, 10],
            "read_uncommitted sees aborted data too"
        );
    }

    #[test]
    fn duplicate_and_null_headers_and_log_append_time_are_kept() {
        let mut b = BatchBuilder::new(5, 0);
        b.append(
            5,
            None,
            None,
            &[(b"h", Some(b"1")), (b"h", None), (b"h", Some(b"2"))],
        );
        let mut data = BytesMut::new();
        b.encode(&mut data, &BatchParams::default()).unwrap();
        batch::set_partition_leader_epoch(&mut data, 4);
        batch::set_log_append_time(&mut data, 99);
        let mut f = fetch(data, 0, IsolationLevel::ReadUncommitted, -1, vec![]);
        let mut out = Vec::new();
        f.next_records(10, &mut out).unwrap();
        let r = &out[0];
        assert_eq!(
            (r.timestamp_ms, r.timestamp_type, r.leader_epoch),
            (99, TimestampType::LogAppend, Some(4))
        );
        let headers: Vec<_> = r
            .headers
            .iter()
            .map(|h| (&h.key[..], h.value.as_deref()))
            .collect();
        assert_eq!(
            headers,
            [
                (&b"h"[..], Some(&b"1"[..])),
                (b"h", None),
                (b"h", Some(b"2"))
            ]
        );
        assert_eq!((r.key.clone(), r.value.clone()), (None, None));
    }

    #[test]
    fn a_corrupt_batch_is_an_error_at_its_offset() {
        let mut data = BytesMut::new();
        batch(&mut data, 0, 2, &BatchParams::default());
        batch(&mut data, 2, 2, &BatchParams::default());
        // The last byte of the last value ("v3"); the header count follows.
        let at = data.len() - 2;
        data[at] ^= 0x01;
        let mut f = fetch(data.clone(), 0, IsolationLevel::ReadUncommitted, -1, vec![]);
        let mut out = Vec::new();
        let err = f.next_records(10, &mut out).unwrap_err();
        assert_eq!(out.len(), 2, "records before the corruption are handed out");
        assert!(
            matches!(err, Error::CorruptRecord { offset: 2, .. }),
            "{err}"
        );

        let mut unchecked = CompletedFetch::new(
            tp(),
            1,
            data.freeze(),
            0,
            -1,
            vec![],
            DecodeOptions {
                isolation: IsolationLevel::ReadUncommitted,
                verify_crc: false,
            },
        );
        let mut out = Vec::new();
        // Without check.crcs the flipped byte lands in the last value.
        unchecked.next_records(10, &mut out).unwrap();
        assert_eq!(out.len(), 4);
    }

    #[test]
    fn values_of_uncompressed_batches_share_the_fetched_buffer() {
        let mut data = BytesMut::new();
        batch(&mut data, 0, 2, &BatchParams::default());
        let data = data.freeze();
        let range = data.as_ptr_range();
        let mut f = CompletedFetch::new(
            tp(),
            1,
            data.clone(),
            0,
            -1,
            vec![],
            DecodeOptions {
                isolation: IsolationLevel::ReadUncommitted,
                verify_crc: true,
            },
        );
        let mut out = Vec::new();
        f.next_records(10, &mut out).unwrap();
        let value = out[1].value.as_ref().unwrap();
        assert!(
            range.contains(&value.as_ptr()),
            "zero-copy slice of the fetch buffer"
        );
    }
}
