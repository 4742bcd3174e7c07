//! The RecordBatch v2 header, read by hand.
//!
//! A broker must validate and place batches without decoding their records
//! (which may be compressed). Everything it needs is in the fixed 61-byte
//! header:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | baseOffset — set by the broker |
//! | 8 | 4 | batchLength (bytes after this field) |
//! | 12 | 4 | partitionLeaderEpoch — set by the broker |
//! | 16 | 1 | magic (2) |
//! | 17 | 4 | crc: CRC-32C of bytes 21.. |
//! | 21 | 2 | attributes |
//! | 23 | 4 | lastOffsetDelta |
//! | 27 | 8 | baseTimestamp |
//! | 35 | 8 | maxTimestamp |
//! | 43 | 8 | producerId |
//! | 51 | 2 | producerEpoch |
//! | 53 | 4 | baseSequence |
//! | 57 | 4 | recordsCount |
//!
//! The two fields a broker overwrites lie before byte 21, outside the CRC,
//! so assigning offsets never means recomputing it.

use kafka_protocol::records::{Compression, RecordBatchDecoder, TimestampType};

/// Size of the fixed header (Kafka's `RECORD_BATCH_OVERHEAD`).
pub const HEADER_BYTES: usize = 61;
/// baseOffset + batchLength, the part not counted by batchLength
/// (Kafka's `LOG_OVERHEAD`).
pub const LOG_OVERHEAD_BYTES: usize = 12;
/// The only message format this workspace reads or writes.
pub const MAGIC_V2: i8 = 2;

const BASE_OFFSET_AT: usize = 0;
const BATCH_LENGTH_AT: usize = 8;
const PARTITION_LEADER_EPOCH_AT: usize = 12;
const MAGIC_AT: usize = 16;
const CRC_AT: usize = 17;
const ATTRIBUTES_AT: usize = 21;
const LAST_OFFSET_DELTA_AT: usize = 23;
const BASE_TIMESTAMP_AT: usize = 27;
const MAX_TIMESTAMP_AT: usize = 35;
const PRODUCER_ID_AT: usize = 43;
const PRODUCER_EPOCH_AT: usize = 51;
const BASE_SEQUENCE_AT: usize = 53;
const RECORDS_COUNT_AT: usize = 57;

const COMPRESSION_MASK: i16 = 0x07;
const TIMESTAMP_TYPE_BIT: i16 = 0x08;
const TRANSACTIONAL_BIT: i16 = 0x10;
const CONTROL_BIT: i16 = 0x20;

/// Why a batch was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    #[error(
        "batch is {available_bytes} bytes, shorter than its {needed_bytes}-byte header or declared length"
    )]
    /// The buffer ends before the batch does.
    Truncated {
        /// Bytes the header or declared length needs.
        needed_bytes: usize,
        /// Bytes there are.
        available_bytes: usize,
    },
    /// The `batchLength` field is too small to hold a header.
    #[error("batch length {0} is smaller than a batch header")]
    InvalidLength(i32),
    /// A magic byte other than 2 (message sets v0/v1 are not read).
    #[error("unsupported magic {0} (only v2 record batches are accepted)")]
    UnsupportedMagic(i8),
    /// The `batchLength` field disagrees with the bytes given.
    #[error("batch declares {declared_bytes} bytes but {actual_bytes} were sent")]
    LengthMismatch {
        /// Bytes the batch declares.
        declared_bytes: usize,
        /// Bytes there are.
        actual_bytes: usize,
    },
    /// The CRC-32C stored in the batch does not match its bytes.
    #[error("CRC-32C mismatch: batch says {stored:#010x}, bytes give {computed:#010x}")]
    CrcMismatch {
        /// The CRC the batch carries.
        stored: u32,
        /// The CRC of its bytes.
        computed: u32,
    },
    /// `recordsCount` disagrees with `lastOffsetDelta` (an uncompacted batch
    /// must have one record per offset).
    #[error("records count {records_count} does not match lastOffsetDelta {last_offset_delta}")]
    RecordCountMismatch {
        /// The `recordsCount` field.
        records_count: i32,
        /// The `lastOffsetDelta` field.
        last_offset_delta: i32,
    },
    /// Compression bits this client does not know.
    #[error("unknown compression codec {0} in batch attributes")]
    UnknownCompression(i16),
    /// The records inside could not be decompressed or decoded.
    #[error("cannot decode the batch's records: {0}")]
    Records(String),
}

/// The fixed fields of a RecordBatch v2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchHeader {
    /// The offset of the first record.
    pub base_offset: i64,
    /// Bytes after this field to the end of the batch.
    pub batch_length: i32,
    /// The leader epoch the batch was written in (set by the broker).
    pub partition_leader_epoch: i32,
    /// The format version; always 2 here.
    pub magic: i8,
    /// CRC-32C of the bytes from `attributes` to the end.
    pub crc: u32,
    /// Compression, timestamp type, transactional and control bits.
    pub attributes: i16,
    /// The last record's offset minus `base_offset`.
    pub last_offset_delta: i32,
    /// The first record's timestamp, in ms since the epoch.
    pub base_timestamp: i64,
    /// The largest timestamp in the batch, in ms since the epoch.
    pub max_timestamp: i64,
    /// The idempotent or transactional producer's id; −1 for none.
    pub producer_id: i64,
    /// That producer's epoch; −1 for none.
    pub producer_epoch: i16,
    /// The first record's sequence number; −1 for none.
    pub base_sequence: i32,
    /// How many records the batch holds.
    pub records_count: i32,
}

impl BatchHeader {
    /// Reads the header at the front of `bytes`. Checks only that the header
    /// is present, its length plausible and its magic 2; see [`validate`]
    /// for the full check.
    pub fn parse(bytes: &[u8]) -> Result<Self, BatchError> {
        if bytes.len() < HEADER_BYTES {
            return Err(BatchError::Truncated {
                needed_bytes: HEADER_BYTES,
                available_bytes: bytes.len(),
            });
        }
        let magic = bytes[MAGIC_AT] as i8;
        if magic != MAGIC_V2 {
            return Err(BatchError::UnsupportedMagic(magic));
        }
        let batch_length = read_i32(bytes, BATCH_LENGTH_AT);
        if batch_length < (HEADER_BYTES - LOG_OVERHEAD_BYTES) as i32 {
            return Err(BatchError::InvalidLength(batch_length));
        }
        Ok(Self {
            base_offset: read_i64(bytes, BASE_OFFSET_AT),
            batch_length,
            partition_leader_epoch: read_i32(bytes, PARTITION_LEADER_EPOCH_AT),
            magic,
            crc: read_i32(bytes, CRC_AT) as u32,
            attributes: read_i16(bytes, ATTRIBUTES_AT),
            last_offset_delta: read_i32(bytes, LAST_OFFSET_DELTA_AT),
            base_timestamp: read_i64(bytes, BASE_TIMESTAMP_AT),
            max_timestamp: read_i64(bytes, MAX_TIMESTAMP_AT),
            producer_id: read_i64(bytes, PRODUCER_ID_AT),
            producer_epoch: read_i16(bytes, PRODUCER_EPOCH_AT),
            base_sequence: read_i32(bytes, BASE_SEQUENCE_AT),
            records_count: read_i32(bytes, RECORDS_COUNT_AT),
        })
    }

    /// Bytes the whole batch takes, header included.
    pub fn total_bytes(&self) -> usize {
        self.batch_length as usize + LOG_OVERHEAD_BYTES
    }

    /// Saturating: the header comes off the wire or the disk, and a forged
    /// base offset near `i64::MAX` must not overflow (a panic in debug
    /// builds); the offset checks that follow reject such a batch.
    pub fn last_offset(&self) -> i64 {
        self.base_offset
            .saturating_add(i64::from(self.last_offset_delta))
    }

    /// The offset the next batch starts at.
    pub fn next_offset(&self) -> i64 {
        self.last_offset().saturating_add(1)
    }

    /// The codec of the records section.
    pub fn compression(&self) -> Result<Compression, BatchError> {
        match self.attributes & COMPRESSION_MASK {
            0 => Ok(Compression::None),
            1 => Ok(Compression::Gzip),
            2 => Ok(Compression::Snappy),
            3 => Ok(Compression::Lz4),
            4 => Ok(Compression::Zstd),
            other => Err(BatchError::UnknownCompression(other)),
        }
    }

    /// Whether timestamps are the producer's or the broker's.
    pub fn timestamp_type(&self) -> TimestampType {
        if self.attributes & TIMESTAMP_TYPE_BIT == 0 {
            TimestampType::Creation
        } else {
            TimestampType::LogAppend
        }
    }

    /// Whether the batch belongs to a transaction.
    pub fn is_transactional(&self) -> bool {
        self.attributes & TRANSACTIONAL_BIT != 0
    }

    /// Whether the batch holds a control record (a transaction marker).
    pub fn is_control(&self) -> bool {
        self.attributes & CONTROL_BIT != 0
    }

    /// Whether an idempotent or transactional producer wrote it.
    pub fn has_producer_id(&self) -> bool {
        self.producer_id >= 0
    }
}

/// CRC-32C over the part of the batch the stored CRC covers.
pub fn compute_crc(batch: &[u8]) -> u32 {
    crc32c::crc32c(&batch[ATTRIBUTES_AT..])
}

/// Fully checks one batch that should fill `batch` exactly, as a Produce
/// request carries it: header, magic, declared length, CRC-32C, and that
/// recordsCount agrees with lastOffsetDelta.
pub fn validate(batch: &[u8]) -> Result<BatchHeader, BatchError> {
    let header = BatchHeader::parse(batch)?;
    if header.total_bytes() != batch.len() {
        return Err(BatchError::LengthMismatch {
            declared_bytes: header.total_bytes(),
            actual_bytes: batch.len(),
        });
    }
    let computed = compute_crc(batch);
    if computed != header.crc {
        return Err(BatchError::CrcMismatch {
            stored: header.crc,
            computed,
        });
    }
    if header.records_count <= 0
        || i64::from(header.records_count) != i64::from(header.last_offset_delta) + 1
    {
        return Err(BatchError::RecordCountMismatch {
            records_count: header.records_count,
            last_offset_delta: header.last_offset_delta,
        });
    }
    Ok(header)
}

/// Places a batch at `base_offset`, as the partition leader does.
pub fn set_base_offset(batch: &mut [u8], base_offset: i64) {
    batch[BASE_OFFSET_AT..BASE_OFFSET_AT + 8].copy_from_slice(&base_offset.to_be_bytes());
}

/// Stamps the leader epoch; outside the CRC, so nothing else changes.
pub fn set_partition_leader_epoch(batch: &mut [u8], epoch: i32) {
    batch[PARTITION_LEADER_EPOCH_AT..PARTITION_LEADER_EPOCH_AT + 4]
        .copy_from_slice(&epoch.to_be_bytes());
}

/// Marks the batch as LogAppendTime with `timestamp_ms` as its max
/// timestamp (for topics with `message.timestamp.type=LogAppendTime`). These
/// fields are inside the CRC, so it is recomputed.
pub fn set_log_append_time(batch: &mut [u8], timestamp_ms: i64) {
    let attributes = read_i16(batch, ATTRIBUTES_AT) | TIMESTAMP_TYPE_BIT;
    batch[ATTRIBUTES_AT..ATTRIBUTES_AT + 2].copy_from_slice(&attributes.to_be_bytes());
    batch[MAX_TIMESTAMP_AT..MAX_TIMESTAMP_AT + 8].copy_from_slice(&timestamp_ms.to_be_bytes());
    let crc = compute_crc(batch);
    batch[CRC_AT..CRC_AT + 4].copy_from_slice(&crc.to_be_bytes());
}

/// [`set_log_append_time`] for a batch held in two pieces: `head` (at least
/// the [`HEADER_BYTES`]-byte header, patched in place) and the `tail` that
/// follows it unchanged. The CRC runs over both without joining them, so a
/// broker can stamp a copy of the header and write the request's record
/// bytes as they arrived.
pub fn set_log_append_time_split(head: &mut [u8], tail: &[u8], timestamp_ms: i64) {
    let attributes = read_i16(head, ATTRIBUTES_AT) | TIMESTAMP_TYPE_BIT;
    head[ATTRIBUTES_AT..ATTRIBUTES_AT + 2].copy_from_slice(&attributes.to_be_bytes());
    head[MAX_TIMESTAMP_AT..MAX_TIMESTAMP_AT + 8].copy_from_slice(&timestamp_ms.to_be_bytes());
    let crc = crc32c::crc32c_append(crc32c::crc32c(&head[ATTRIBUTES_AT..]), tail);
    head[CRC_AT..CRC_AT + 4].copy_from_slice(&crc.to_be_bytes());
}

/// Re-stamps a producer batch with another producer id, epoch and base
/// sequence, as an idempotent producer does to batches it still holds after
/// an epoch bump. These fields are inside the CRC, so it is recomputed.
pub fn set_producer(batch: &mut [u8], producer_id: i64, producer_epoch: i16, base_sequence: i32) {
    batch[PRODUCER_ID_AT..PRODUCER_ID_AT + 8].copy_from_slice(&producer_id.to_be_bytes());
    batch[PRODUCER_EPOCH_AT..PRODUCER_EPOCH_AT + 2].copy_from_slice(&producer_epoch.to_be_bytes());
    batch[BASE_SEQUENCE_AT..BASE_SEQUENCE_AT + 4].copy_from_slice(&base_sequence.to_be_bytes());
    let crc = compute_crc(batch);
    batch[CRC_AT..CRC_AT + 4].copy_from_slice(&crc.to_be_bytes());
}

/// The offset and timestamp of every record in one batch, in offset order:
/// what ListOffsets by timestamp needs to name an exact record. Decodes (and
/// decompresses) the records, so it is for the one batch a lookup lands on,
/// never for the append path.
///
/// In a LogAppendTime batch every record's timestamp is the batch's
/// maxTimestamp (the broker's clock), whatever the producer wrote per record.
pub fn record_timestamps(batch: &[u8]) -> Result<Vec<(i64, i64)>, BatchError> {
    let header = validate(batch)?;
    let mut buf = bytes::Bytes::copy_from_slice(batch);
    let set =
        RecordBatchDecoder::decode(&mut buf).map_err(|err| BatchError::Records(err.to_string()))?;
    if set.records.len() != header.records_count as usize {
        return Err(BatchError::Records(format!(
            "decoded {} records, header says {}",
            set.records.len(),
            header.records_count
        )));
    }
    let log_append_time = header.timestamp_type() == TimestampType::LogAppend;
    Ok(set
        .records
        .iter()
        .map(|r| {
            (
                r.offset,
                if log_append_time {
                    header.max_timestamp
                } else {
                    r.timestamp
                },
            )
        })
        .collect())
}

/// One batch found by [`BatchScan`].
#[derive(Debug, Clone, Copy)]
pub struct ScannedBatch<'a> {
    /// Where the batch starts in the scanned buffer.
    pub position: usize,
    /// Its decoded header.
    pub header: BatchHeader,
    /// Its bytes, header included.
    pub bytes: &'a [u8],
}

/// Walks back-to-back batches, as stored in a log segment or returned by a
/// Fetch. Yields each whole batch; stops with one error at the first batch
/// that is cut short or malformed, so the caller learns how many bytes were
/// good (a torn log tail, or the partial last batch a broker may send).
#[derive(Debug, Clone)]
pub struct BatchScan<'a> {
    buf: &'a [u8],
    position: usize,
    verify_crc: bool,
    failed: bool,
}

impl<'a> BatchScan<'a> {
    /// Scans headers and lengths only.
    pub fn new(buf: &'a [u8]) -> Self {
        Self {
            buf,
            position: 0,
            verify_crc: false,
            failed: false,
        }
    }

    /// Also checks each batch's CRC-32C and record count, as recovery does.
    pub fn verified(buf: &'a [u8]) -> Self {
        Self {
            verify_crc: true,
            ..Self::new(buf)
        }
    }

    /// Bytes of whole (and, if verifying, valid) batches seen so far.
    pub fn valid_bytes(&self) -> usize {
        self.position
    }
}

impl<'a> Iterator for BatchScan<'a> {
    type Item = Result<ScannedBatch<'a>, BatchError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.position == self.buf.len() {
            return None;
        }
        let rest = &self.buf[self.position..];
        let step = BatchHeader::parse(rest).and_then(|header| {
            let total = header.total_bytes();
            if rest.len() < total {
                return Err(BatchError::Truncated {
                    needed_bytes: total,
                    available_bytes: rest.len(),
                });
            }
            let bytes = &rest[..total];
            if self.verify_crc {
                validate(bytes)?;
            }
            Ok(ScannedBatch {
                position: self.position,
                header,
                bytes,
            })
        });
        match step {
            Ok(batch) => {
                self.position += batch.bytes.len();
                Some(Ok(batch))
            }
            Err(err) => {
                self.failed = true;
                Some(Err(err))
            }
        }
    }
}

fn read_i16(b: &[u8], at: usize) -> i16 {
    i16::from_be_bytes([b[at], b[at + 1]])
}

fn read_i32(b: &[u8], at: usize) -> i32 {
    i32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn read_i64(b: &[u8], at: usize) -> i64 {
    let mut raw = [0u8; 8];
    raw.copy_from_slice(&b[at..at + 8]);
    i64::from_be_bytes(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// From the segment_recovery fuzz target: a header with a base offset
    /// near i64::MAX overflowed `last_offset` (a panic in debug builds).
    #[test]
    fn last_offset_of_a_forged_header_saturates() {
        let mut header = BatchHeader::parse(&encode(&[b"v"], Compression::None)).unwrap();
        header.base_offset = i64::MAX - 1;
        header.last_offset_delta = 5;
        assert_eq!(header.last_offset(), i64::MAX);
        assert_eq!(header.next_offset(), i64::MAX);
    }
    use bytes::{Bytes, BytesMut};
    use kafka_protocol::records::{Record, RecordBatchEncoder, RecordEncodeOptions};
    use proptest::prelude::*;

    fn encode(values: &[&[u8]], compression: Compression) -> Vec<u8> {
        let records: Vec<Record> = values
            .iter()
            .enumerate()
            .map(|(i, v)| Record {
                transactional: false,
                control: false,
                delete_horizon: false,
                partition_leader_epoch: -1,
                producer_id: -1,
                producer_epoch: -1,
                timestamp_type: TimestampType::Creation,
                offset: i as i64,
                sequence: -1 + i as i32,
                timestamp: 1_700_000_000_000 + i as i64,
                key: None,
                value: Some(Bytes::copy_from_slice(v)),
                headers: Default::default(),
            })
            .collect();
        let mut out = BytesMut::new();
        RecordBatchEncoder::encode(
            &mut out,
            &records,
            &RecordEncodeOptions {
                version: 2,
                compression,
            },
        )
        .unwrap();
        out.to_vec()
    }

    #[test]
    fn reads_what_the_encoder_wrote() {
        let batch = encode(&[b"a", b"bb", b"ccc"], Compression::Lz4);
        let header = validate(&batch).unwrap();
        assert_eq!(header.records_count, 3);
        assert_eq!(header.last_offset_delta, 2);
        assert_eq!(header.compression().unwrap(), Compression::Lz4);
        assert_eq!(header.max_timestamp, 1_700_000_000_002);
        assert_eq!(header.producer_id, -1);
        assert_eq!(header.total_bytes(), batch.len());
    }

    #[test]
    fn patching_offset_and_epoch_keeps_the_crc_valid() {
        let mut batch = encode(&[b"x", b"y"], Compression::None);
        set_base_offset(&mut batch, 1_000);
        set_partition_leader_epoch(&mut batch, 7);
        let header = validate(&batch).unwrap();
        assert_eq!(
            (header.base_offset, header.partition_leader_epoch),
            (1_000, 7)
        );
        let decoded = RecordBatchDecoder::decode(&mut Bytes::from(batch)).unwrap();
        assert_eq!(decoded.records[1].offset, 1_001);
    }

    #[test]
    fn restamping_the_producer_recomputes_the_crc_and_keeps_the_records() {
        for compression in [Compression::None, Compression::Zstd] {
            let mut batch = encode(&[b"x", b"yy", b"zzz"], compression);
            set_producer(&mut batch, 4_000_000_001, 3, 0);
            let header = validate(&batch).unwrap();
            assert_eq!(
                (
                    header.producer_id,
                    header.producer_epoch,
                    header.base_sequence
                ),
                (4_000_000_001, 3, 0)
            );
            assert_eq!(header.records_count, 3);
            let decoded = RecordBatchDecoder::decode(&mut Bytes::from(batch)).unwrap();
            let values: Vec<_> = decoded
                .records
                .iter()
                .map(|r| {
                    (
                        r.producer_id,
                        r.producer_epoch,
                        r.sequence,
                        r.value.clone().unwrap(),
                    )
                })
                .collect();
            assert_eq!(
                values,
                [
                    (4_000_000_001, 3, 0, Bytes::from_static(b"x")),
                    (4_000_000_001, 3, 1, Bytes::from_static(b"yy")),
                    (4_000_000_001, 3, 2, Bytes::from_static(b"zzz")),
                ]
            );
        }
    }

    #[test]
    fn log_append_time_recomputes_the_crc() {
        let mut batch = encode(&[b"x"], Compression::None);
        set_log_append_time(&mut batch, 42);
        let header = validate(&batch).unwrap();
        assert_eq!(header.timestamp_type(), TimestampType::LogAppend);
        assert_eq!(header.max_timestamp, 42);
    }

    #[test]
    fn log_append_time_on_a_split_batch_matches_the_joined_one() {
        let mut joined = encode(&[b"abc", b"defgh"], Compression::None);
        let (head, tail) = joined.split_at(HEADER_BYTES);
        let (mut head, tail) = (head.to_vec(), tail.to_vec());
        set_log_append_time_split(&mut head, &tail, 7);
        set_log_append_time(&mut joined, 7);
        assert_eq!([head, tail].concat(), joined);
        assert!(validate(&joined).is_ok());
    }

    #[test]
    fn record_timestamps_are_exact_per_record() {
        for compression in [Compression::None, Compression::Gzip, Compression::Zstd] {
            let mut batch = encode(&[b"a", b"b", b"c"], compression);
            set_base_offset(&mut batch, 50);
            let got = record_timestamps(&batch).unwrap();
            assert_eq!(
                got,
                vec![
                    (50, 1_700_000_000_000),
                    (51, 1_700_000_000_001),
                    (52, 1_700_000_000_002)
                ]
            );
        }
    }

    /// Found by the `record_batch` fuzz target (2026-12-04): a stored batch
    /// whose base offset is near `i64::MAX` made kafka-protocol's record
    /// decoder add the offset delta with overflow, a panic in debug builds
    /// (broker-lite decodes a batch so for a ListOffsets by timestamp). The
    /// vendored decoder now wraps, as Java's `long` arithmetic does.
    #[test]
    fn record_timestamps_of_a_batch_at_the_offset_limit_do_not_overflow() {
        let forged = include_bytes!("../../fuzz/corpus/record_batch/offset-delta-overflow");
        assert!(std::panic::catch_unwind(|| record_timestamps(forged)).is_ok());
        let mut batch = encode(&[b"a", b"b"], Compression::None);
        set_base_offset(&mut batch, i64::MAX);
        let got = record_timestamps(&batch).unwrap();
        assert_eq!(
            got,
            vec![(i64::MAX, 1_700_000_000_000), (i64::MIN, 1_700_000_000_001)]
        );
    }

    #[test]
    fn record_timestamps_of_a_log_append_time_batch_are_the_broker_time() {
        let mut batch = encode(&[b"a", b"b"], Compression::Snappy);
        set_log_append_time(&mut batch, 99);
        assert_eq!(record_timestamps(&batch).unwrap(), vec![(0, 99), (1, 99)]);
    }

    #[test]
    fn record_timestamps_rejects_a_corrupt_batch() {
        let mut batch = encode(&[b"a"], Compression::None);
        let last = batch.len() - 1;
        batch[last] ^= 0xff;
        assert!(matches!(
            record_timestamps(&batch),
            Err(BatchError::CrcMismatch { .. })
        ));
    }

    #[test]
    fn rejects_a_flipped_bit() {
        let mut batch = encode(&[b"hello"], Compression::None);
        let last = batch.len() - 1;
        batch[last] ^= 1;
        assert!(matches!(
            validate(&batch),
            Err(BatchError::CrcMismatch { .. })
        ));
    }

    #[test]
    fn rejects_a_record_count_that_disagrees_with_the_header() {
        let mut batch = encode(&[b"a", b"b"], Compression::None);
        batch[RECORDS_COUNT_AT..RECORDS_COUNT_AT + 4].copy_from_slice(&5i32.to_be_bytes());
        let crc = compute_crc(&batch);
        batch[CRC_AT..CRC_AT + 4].copy_from_slice(&crc.to_be_bytes());
        assert!(matches!(
            validate(&batch),
            Err(BatchError::RecordCountMismatch {
                records_count: 5,
                ..
            })
        ));
    }

    #[test]
    fn rejects_other_magics_and_lengths() {
        let mut batch = encode(&[b"a"], Compression::None);
        assert!(matches!(
            validate(&batch[..batch.len() - 1]),
            Err(BatchError::LengthMismatch { .. })
        ));
        batch[MAGIC_AT] = 1;
        assert_eq!(validate(&batch), Err(BatchError::UnsupportedMagic(1)));
        assert!(matches!(
            BatchHeader::parse(&batch[..60]),
            Err(BatchError::Truncated { .. })
        ));
    }

    #[test]
    fn scan_stops_at_a_torn_tail() {
        let mut log = encode(&[b"one"], Compression::None);
        let first = log.len();
        log.extend(encode(&[b"two", b"three"], Compression::Gzip));
        for cut in first + 1..log.len() {
            let mut scan = BatchScan::verified(&log[..cut]);
            assert!(scan.next().unwrap().is_ok());
            assert!(scan.next().unwrap().is_err(), "cut at {cut}");
            assert!(scan.next().is_none());
            assert_eq!(scan.valid_bytes(), first);
        }
        assert_eq!(BatchScan::verified(&log).count(), 2);
    }

    proptest! {
        #[test]
        fn scan_never_panics_and_never_overreads(garbage in proptest::collection::vec(any::<u8>(), 0..400)) {
            let mut scan = BatchScan::verified(&garbage);
            for _ in scan.by_ref() {}
            prop_assert!(scan.valid_bytes() <= garbage.len());
        }

        #[test]
        fn header_fields_survive_patching(offset in any::<i64>(), epoch in any::<i32>(), n in 1usize..20) {
            let values: Vec<Vec<u8>> = (0..n).map(|i| vec![i as u8; i]).collect();
            let refs: Vec<&[u8]> = values.iter().map(Vec::as_slice).collect();
            let mut batch = encode(&refs, Compression::None);
            set_base_offset(&mut batch, offset);
            set_partition_leader_epoch(&mut batch, epoch);
            let header = validate(&batch).unwrap();
            prop_assert_eq!(header.base_offset, offset);
            prop_assert_eq!(header.partition_leader_epoch, epoch);
            prop_assert_eq!(header.records_count as usize, n);
        }
    }
}
