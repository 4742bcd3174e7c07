//! A RecordBatch v2 encoder and decoder built for the producer's hot path.
//!
//! `kafka_protocol::records` represents every record as a struct holding an
//! `IndexMap` of headers, walks the records several times while encoding and
//! collapses duplicate header keys (which KIP-82 allows). This module instead
//! appends each record, already encoded, to one growing buffer the moment it
//! is produced ([`BatchBuilder::append`]), and writes the 61-byte header,
//! the optional compression and the CRC once, when the batch is sealed
//! ([`BatchBuilder::finish`], which writes an uncompressed batch's header in
//! room kept in front of its records, so they are never copied). Sequence
//! numbers live in the header, not in the records, so an idempotent producer
//! can assign them at send time, and restamp sent bytes after an epoch bump
//! (`batch::set_producer`) without re-encoding.
//!
//! Compression reuses `kafka_protocol::compression`, whose snappy writer
//! uses the xerial framing Java expects.
//!
//! Record layout (all varints zigzag-encoded, as Kafka's `DefaultRecord`):
//! `length attributes:i8 timestampDelta:varlong offsetDelta:varint
//! keyLength key valueLength value headerCount [keyLength key valueLength value]*`.

use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::compression::{Compressor, Decompressor};
use kafka_protocol::records::Compression;

use super::ProtocolError;
use super::batch::{self, BatchError, BatchHeader, BatchScan, HEADER_BYTES};
use super::record_view::{RecordBase, RecordView, decode_record};

const TRANSACTIONAL_BIT: i16 = 0x10;

/// The header fields an encoded batch gets when it is sealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchParams {
    /// The codec for the records section.
    pub compression: Compression,
    /// −1 when the producer is not idempotent.
    pub producer_id: i64,
    /// The producer's epoch; −1 when the producer is not idempotent.
    pub producer_epoch: i16,
    /// −1 when the producer is not idempotent.
    pub base_sequence: i32,
    /// Whether the batch is part of a transaction.
    pub transactional: bool,
}

impl Default for BatchParams {
    fn default() -> Self {
        Self {
            compression: Compression::None,
            producer_id: -1,
            producer_epoch: -1,
            base_sequence: -1,
            transactional: false,
        }
    }
}

/// Records encoded back to back, waiting to become a batch.
#[derive(Debug, Clone)]
pub struct BatchBuilder {
    records: BytesMut,
    count: i32,
    base_timestamp_ms: i64,
    max_timestamp_ms: i64,
}

impl BatchBuilder {
    /// An empty builder whose first record will have `base_timestamp_ms`
    /// (timestamps are stored as deltas from it). `capacity_bytes` is a hint.
    pub fn new(base_timestamp_ms: i64, capacity_bytes: usize) -> Self {
        let mut records = BytesMut::with_capacity(capacity_bytes.max(HEADER_BYTES));
        // Room for the header in front, so `finish` can write it in place
        // and hand an uncompressed batch on without copying its records.
        records.resize(HEADER_BYTES, 0);
        Self {
            records,
            count: 0,
            base_timestamp_ms,
            max_timestamp_ms: base_timestamp_ms,
        }
    }

    /// How many records have been added.
    pub fn record_count(&self) -> i32 {
        self.count
    }

    /// Whether no record has been added yet.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The first record's timestamp, in ms since the epoch.
    pub fn base_timestamp_ms(&self) -> i64 {
        self.base_timestamp_ms
    }

    /// Bytes the batch would take uncompressed, header included.
    pub fn size_bytes(&self) -> usize {
        self.records.len()
    }

    /// The uncompressed size a record adds to a batch. An upper bound that
    /// ignores the varint deltas' exact width, so it can be computed before
    /// the record's position in a batch is known.
    pub fn record_size_upper_bound(
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[(&[u8], Option<&[u8]>)],
    ) -> usize {
        // length(5) + attributes(1) + timestampDelta(10) + offsetDelta(5)
        let mut size = 21
            + bytes_field_size(key)
            + bytes_field_size(value)
            + varint_size(headers.len() as i32);
        for (k, v) in headers {
            size += bytes_field_size(Some(k)) + bytes_field_size(*v);
        }
        size
    }

    /// Appends one record. Records must be appended in offset order; the
    /// offset delta is the record's index in the batch.
    pub fn append(
        &mut self,
        timestamp_ms: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[(&[u8], Option<&[u8]>)],
    ) {
        let timestamp_delta = timestamp_ms - self.base_timestamp_ms;
        let offset_delta = self.count;
        let mut body_size = 1
            + varlong_size(timestamp_delta)
            + varint_size(offset_delta)
            + bytes_field_size(key)
            + bytes_field_size(value);
        body_size += varint_size(headers.len() as i32);
        for (k, v) in headers {
            body_size += bytes_field_size(Some(k)) + bytes_field_size(*v);
        }
        // One resize and one pass of plain slice writes: per-field `put_*`
        // calls on the BytesMut cost a capacity check and a memcpy call per
        // varint byte, which made this the producer's hottest function.
        let record_size = varint_size(body_size as i32) + body_size;
        let start = self.records.len();
        self.records.resize(start + record_size, 0);
        let mut out = SliceWriter::new(&mut self.records[start..]);
        out.varint(body_size as i32);
        out.byte(0);
        out.varlong(timestamp_delta);
        out.varint(offset_delta);
        out.bytes_field(key);
        out.bytes_field(value);
        out.varint(headers.len() as i32);
        for (k, v) in headers {
            out.bytes_field(Some(k));
            out.bytes_field(*v);
        }
        debug_assert_eq!(out.written(), record_size, "record size computed exactly");
        self.count += 1;
        self.max_timestamp_ms = self.max_timestamp_ms.max(timestamp_ms);
    }

    /// Writes the complete batch (header, records, CRC) to the end of `out`.
    /// Can be called more than once, e.g. with a new base sequence.
    pub fn encode(&self, out: &mut BytesMut, params: &BatchParams) -> Result<(), ProtocolError> {
        let start = out.len();
        out.reserve(self.records.len());
        out.put_slice(&self.header(params));
        compress_into(out, &self.records[HEADER_BYTES..], params.compression)?;
        seal(&mut out[start..])
    }

    /// The complete batch, as [`encode`](Self::encode) writes it, taking
    /// the builder's buffer: an uncompressed batch gets its header written
    /// in front of its records, in place, so its bytes are not copied. The
    /// builder keeps its counts but no bytes; call it once.
    pub fn finish(&mut self, params: &BatchParams) -> Result<Bytes, ProtocolError> {
        if params.compression != Compression::None {
            let mut out = BytesMut::new();
            self.encode(&mut out, params)?;
            return Ok(out.freeze());
        }
        let header = self.header(params);
        let mut batch = std::mem::take(&mut self.records);
        batch[..HEADER_BYTES].copy_from_slice(&header);
        seal(&mut batch)?;
        Ok(batch.freeze())
    }

    /// The 61-byte header, with batchLength and crc left 0 for [`seal`].
    fn header(&self, params: &BatchParams) -> [u8; HEADER_BYTES] {
        let mut attributes = params.compression as i16;
        if params.transactional {
            attributes |= TRANSACTIONAL_BIT;
        }
        let mut header = [0u8; HEADER_BYTES];
        let mut out = &mut header[..];
        out.put_i64(0); // baseOffset: the broker assigns it
        out.put_i32(0); // batchLength, patched by seal
        out.put_i32(-1); // partitionLeaderEpoch
        out.put_i8(batch::MAGIC_V2);
        out.put_u32(0); // crc, patched by seal
        out.put_i16(attributes);
        out.put_i32(self.count - 1);
        out.put_i64(self.base_timestamp_ms);
        out.put_i64(self.max_timestamp_ms);
        out.put_i64(params.producer_id);
        out.put_i16(params.producer_epoch);
        out.put_i32(params.base_sequence);
        out.put_i32(self.count);
        debug_assert!(out.is_empty(), "the header fills its 61 bytes");
        header
    }
}

/// Patches a complete batch's batchLength and CRC-32C.
fn seal(batch: &mut [u8]) -> Result<(), ProtocolError> {
    let batch_length = batch.len() - batch::LOG_OVERHEAD_BYTES;
    let batch_length = i32::try_from(batch_length).map_err(|_| ProtocolError::Encode {
        what: "RecordBatch",
        version: 2,
        reason: "batch over 2 GiB".into(),
    })?;
    batch[8..12].copy_from_slice(&batch_length.to_be_bytes());
    let crc = batch::compute_crc(batch);
    batch[17..21].copy_from_slice(&crc.to_be_bytes());
    Ok(())
}

fn compress_into(
    out: &mut BytesMut,
    records: &[u8],
    compression: Compression,
) -> Result<(), ProtocolError> {
    fn fill(records: &[u8]) -> impl FnOnce(&mut BytesMut) -> anyhow::Result<()> + '_ {
        move |tmp: &mut BytesMut| {
            tmp.extend_from_slice(records);
            Ok(())
        }
    }
    use kafka_protocol::compression as codec;
    let result = match compression {
        Compression::None => {
            out.extend_from_slice(records);
            Ok(())
        }
        Compression::Gzip => codec::Gzip::compress(out, fill(records)),
        Compression::Snappy => codec::Snappy::compress(out, fill(records)),
        Compression::Lz4 => codec::Lz4::compress(out, fill(records)),
        Compression::Zstd => codec::Zstd::compress(out, fill(records)),
    };
    result.map_err(|e| ProtocolError::Encode {
        what: "RecordBatch",
        version: 2,
        reason: e.to_string(),
    })
}

/// One record read back from a batch. Headers keep their order and any
/// duplicate keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedRecord {
    /// The record's offset.
    pub offset: i64,
    /// Its timestamp, in ms since the epoch.
    pub timestamp_ms: i64,
    /// Its key, `None` for a null key.
    pub key: Option<Bytes>,
    /// Its value, `None` for a null value (a tombstone).
    pub value: Option<Bytes>,
    /// Its headers: `(key, value)` in order, duplicates kept.
    pub headers: Vec<(Bytes, Option<Bytes>)>,
}

/// A batch read back: its header and its records.
#[derive(Debug, Clone)]
pub struct DecodedBatch {
    /// The batch's header.
    pub header: BatchHeader,
    /// Its records, in offset order.
    pub records: Vec<DecodedRecord>,
}

/// Decodes the back-to-back batches of a Fetch response or log segment.
/// A partial batch at the end, which brokers are allowed to send, is
/// dropped; corruption anywhere else is an error.
pub fn decode_batches(data: &Bytes) -> Result<Vec<DecodedBatch>, ProtocolError> {
    let mut out = Vec::new();
    for scanned in BatchScan::new(data) {
        let scanned = match scanned {
            Ok(b) => b,
            Err(BatchError::Truncated { .. }) => break,
            Err(e) => return Err(e.into()),
        };
        let header = batch::validate(scanned.bytes)?;
        let start = scanned.position + HEADER_BYTES;
        let body = data.slice(start..scanned.position + scanned.bytes.len());
        let records = decompress(body, header.compression()?)?;
        out.push(DecodedBatch {
            records: Records::new(records, &header).collect::<Result<_, _>>()?,
            header,
        });
    }
    Ok(out)
}

/// One whole batch from a [`BatchReader`]: its header and its bytes (a
/// slice of the reader's buffer, not a copy).
#[derive(Debug, Clone)]
pub struct RawBatch {
    /// The batch's header.
    pub header: BatchHeader,
    /// The whole batch, header included.
    pub bytes: Bytes,
}

impl RawBatch {
    /// Decompresses the records, to be decoded one at a time as they are
    /// read (see [`Records`]). Keys, values and headers of an uncompressed
    /// batch are slices of the fetched bytes.
    pub fn record_iter(&self) -> Result<Records, ProtocolError> {
        let body = self.bytes.slice(HEADER_BYTES..);
        let records = decompress(body, self.header.compression()?)?;
        Ok(Records::new(records, &self.header))
    }
}

/// Reads back-to-back batches one at a time, for a consumer that decodes
/// as the application drains rather than a whole fetch up front.
///
/// Unlike [`batch::validate`], which checks what a producer sends, this
/// accepts what a log may legitimately hold after compaction: batches whose
/// record count is below `lastOffsetDelta + 1`, even empty ones. A batch cut
/// short at the end of the buffer (a broker may send one) ends the reading
/// without an error.
#[derive(Debug, Clone)]
pub struct BatchReader {
    data: Bytes,
    position: usize,
    verify_crc: bool,
    failed: bool,
}

impl BatchReader {
    /// Reads the batches in `data`; with `verify_crc` each batch's CRC-32C
    /// is checked.
    pub fn new(data: Bytes, verify_crc: bool) -> Self {
        Self {
            data,
            position: 0,
            verify_crc,
            failed: false,
        }
    }

    /// Bytes not yet returned as batches (a dropped partial tail included).
    pub fn remaining_bytes(&self) -> usize {
        self.data.len() - self.position
    }

    /// Headers of the whole batches still to be read, without moving on:
    /// lets a fetcher learn where the next fetch starts before decoding.
    pub fn peek_headers(&self) -> impl Iterator<Item = BatchHeader> + '_ {
        BatchScan::new(&self.data[self.position..]).map_while(|b| b.ok().map(|b| b.header))
    }
}

impl Iterator for BatchReader {
    type Item = Result<RawBatch, ProtocolError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.position >= self.data.len() {
            return None;
        }
        let scanned = BatchScan::new(&self.data[self.position..]).next()?;
        let (header, len) = match scanned {
            Ok(b) => (b.header, b.bytes.len()),
            Err(BatchError::Truncated { .. }) => {
                self.failed = true;
                return None;
            }
            Err(e) => {
                self.failed = true;
                return Some(Err(e.into()));
            }
        };
        let bytes = self.data.slice(self.position..self.position + len);
        if self.verify_crc {
            let computed = batch::compute_crc(&bytes);
            if computed != header.crc {
                self.failed = true;
                return Some(Err(BatchError::CrcMismatch {
                    stored: header.crc,
                    computed,
                }
                .into()));
            }
        }
        self.position += len;
        Some(Ok(RawBatch { header, bytes }))
    }
}

fn decompress(mut body: Bytes, compression: Compression) -> Result<Bytes, ProtocolError> {
    use kafka_protocol::compression as codec;
    let take = |b: &mut Bytes| -> anyhow::Result<Bytes> { Ok(b.split_to(b.len())) };
    let result = match compression {
        Compression::None => return Ok(body),
        Compression::Gzip => codec::Gzip::decompress(&mut body, take),
        Compression::Snappy => codec::Snappy::decompress(&mut body, take),
        Compression::Lz4 => codec::Lz4::decompress(&mut body, take),
        Compression::Zstd => codec::Zstd::decompress(&mut body, take),
    };
    result.map_err(|e| ProtocolError::Decode {
        what: "RecordBatch",
        version: 2,
        reason: e.to_string(),
    })
}

/// The records of one batch, decoded one at a time as they are asked for.
///
/// A consumer that hands out part of a batch decodes only that part, skips
/// records below its position without slicing their keys and values, and
/// builds no intermediate list. Keys, values and headers are slices of the
/// batch's (decompressed) bytes, not copies.
///
/// A record that cannot be decoded is an error, returned once at that
/// record after the ones before it (as Java's consumer reports a corrupt
/// record); the iterator ends after it.
#[derive(Debug, Clone)]
pub struct Records {
    body: Bytes,
    position: usize,
    left: i32,
    base: RecordBase,
}

impl Records {
    fn new(body: Bytes, header: &BatchHeader) -> Self {
        Self {
            body,
            position: 0,
            left: header.records_count.max(0),
            base: RecordBase {
                offset: header.base_offset,
                timestamp_ms: header.base_timestamp,
            },
        }
    }

    /// The next record whose offset is at least `min_offset`, borrowed from
    /// the batch; records below it are stepped over without reading their
    /// fields.
    #[inline]
    pub fn next_view_from(
        &mut self,
        min_offset: i64,
    ) -> Option<Result<RecordView<'_>, ProtocolError>> {
        while self.left > 0 {
            self.left -= 1;
            match decode_record(&self.body, &mut self.position, self.base, min_offset) {
                Ok(Some(record)) => return Some(Ok(record)),
                Ok(None) => {}
                Err(e) => {
                    self.left = 0;
                    return Some(Err(e));
                }
            }
        }
        None
    }

    /// [`Self::next_view_from`], with the fields as `Bytes` handles.
    pub fn next_from(&mut self, min_offset: i64) -> Option<Result<DecodedRecord, ProtocolError>> {
        self.next_view_from(min_offset)
            .map(|record| record.map(|r| r.to_decoded()))
    }
}

impl Iterator for Records {
    type Item = Result<DecodedRecord, ProtocolError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_from(i64::MIN)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.left as usize))
    }
}

fn zigzag32(v: i32) -> u32 {
    ((v << 1) ^ (v >> 31)) as u32
}

fn zigzag64(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn varint_size(v: i32) -> usize {
    varlong_size_unsigned(u64::from(zigzag32(v)))
}

fn varlong_size(v: i64) -> usize {
    varlong_size_unsigned(zigzag64(v))
}

fn varlong_size_unsigned(v: u64) -> usize {
    // Each byte carries 7 bits; zero still takes one byte.
    let bits = 64 - (v | 1).leading_zeros() as usize;
    bits.div_ceil(7)
}

fn bytes_field_size(b: Option<&[u8]>) -> usize {
    match b {
        None => 1,
        Some(b) => varint_size(b.len() as i32) + b.len(),
    }
}

/// Writes a record's fields into a slice sized for them exactly
/// (`BatchBuilder::append` computes the size first).
struct SliceWriter<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl<'a> SliceWriter<'a> {
    fn new(buf: &'a mut [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    fn written(&self) -> usize {
        self.pos
    }

    fn byte(&mut self, b: u8) {
        self.buf[self.pos] = b;
        self.pos += 1;
    }

    fn unsigned(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.byte((v as u8) | 0x80);
            v >>= 7;
        }
        self.byte(v as u8);
    }

    fn varint(&mut self, v: i32) {
        self.unsigned(u64::from(zigzag32(v)));
    }

    fn varlong(&mut self, v: i64) {
        self.unsigned(zigzag64(v));
    }

    fn bytes_field(&mut self, b: Option<&[u8]>) {
        match b {
            None => self.varint(-1),
            Some(b) => {
                self.varint(b.len() as i32);
                self.buf[self.pos..self.pos + b.len()].copy_from_slice(b);
                self.pos += b.len();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_protocol::records::RecordBatchDecoder;
    use proptest::prelude::*;

    const ALL_CODECS: [Compression; 5] = [
        Compression::None,
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ];

    fn sample() -> BatchBuilder {
        let mut b = BatchBuilder::new(1_700_000_000_000, 0);
        b.append(1_700_000_000_000, Some(b"k0"), Some(b"v0"), &[]);
        b.append(
            1_700_000_000_005,
            None,
            Some(b"v1"),
            &[(b"h", Some(b"1")), (b"h", Some(b"2")), (b"n", None)],
        );
        b.append(1_699_999_999_990, Some(b""), None, &[]);
        b
    }

    #[test]
    fn kafka_protocol_reads_our_batches_with_every_codec() {
        for compression in ALL_CODECS {
            let params = BatchParams {
                compression,
                ..Default::default()
            };
            let mut out = BytesMut::new();
            sample().encode(&mut out, &params).unwrap();
            let header = batch::validate(&out).unwrap();
            assert_eq!(header.compression().unwrap(), compression);
            assert_eq!(header.max_timestamp, 1_700_000_000_005);
            let set = RecordBatchDecoder::decode(&mut out.freeze()).unwrap();
            assert_eq!(set.records.len(), 3, "{compression:?}");
            assert_eq!(set.records[0].key.as_deref(), Some(&b"k0"[..]));
            assert_eq!(set.records[1].timestamp, 1_700_000_000_005);
            assert_eq!(set.records[2].timestamp, 1_699_999_999_990);
            assert_eq!(set.records[2].value, None);
            assert_eq!(set.records[2].offset, 2);
        }
    }

    #[test]
    fn duplicate_header_keys_survive_a_round_trip() {
        let mut out = BytesMut::new();
        sample().encode(&mut out, &BatchParams::default()).unwrap();
        let batches = decode_batches(&out.freeze()).unwrap();
        let headers = &batches[0].records[1].headers;
        let expected: Vec<(Bytes, Option<Bytes>)> = vec![
            (Bytes::from_static(b"h"), Some(Bytes::from_static(b"1"))),
            (Bytes::from_static(b"h"), Some(Bytes::from_static(b"2"))),
            (Bytes::from_static(b"n"), None),
        ];
        assert_eq!(headers, &expected);
    }

    #[test]
    fn idempotence_fields_land_in_the_header() {
        let params = BatchParams {
            producer_id: 77,
            producer_epoch: 3,
            base_sequence: 40,
            ..Default::default()
        };
        let mut out = BytesMut::new();
        sample().encode(&mut out, &params).unwrap();
        let h = batch::validate(&out).unwrap();
        assert_eq!(
            (
                h.producer_id,
                h.producer_epoch,
                h.base_sequence,
                h.records_count
            ),
            (77, 3, 40, 3)
        );
        let set = RecordBatchDecoder::decode(&mut out.freeze()).unwrap();
        assert_eq!(set.records[2].sequence, 42);
    }

    #[test]
    fn a_truncated_trailing_batch_is_dropped() {
        let mut out = BytesMut::new();
        sample().encode(&mut out, &BatchParams::default()).unwrap();
        let first = out.len();
        sample().encode(&mut out, &BatchParams::default()).unwrap();
        let cut = out.freeze().slice(..first + 30);
        assert_eq!(decode_batches(&cut).unwrap().len(), 1);
    }

    #[test]
    fn size_bound_is_an_upper_bound() {
        let headers: [(&[u8], Option<&[u8]>); 1] = [(b"key", Some(b"value"))];
        let mut b = BatchBuilder::new(0, 0);
        let before = b.size_bytes();
        b.append(0, Some(b"k"), Some(&[0u8; 300]), &headers);
        let bound = BatchBuilder::record_size_upper_bound(Some(b"k"), Some(&[0u8; 300]), &headers);
        assert!(b.size_bytes() - before <= bound);
    }

    /// The `record_batch` fuzz target's input of 2026-12-04 (a base offset
    /// near `i64::MAX`) overflowed the consumer's decoder as it did
    /// kafka-protocol's.
    #[test]
    fn a_batch_at_the_offset_limit_decodes_with_wrapping_offsets() {
        let forged = include_bytes!("../../fuzz/corpus/record_batch/offset-delta-overflow");
        assert!(std::panic::catch_unwind(|| decode_batches(&Bytes::from_static(forged))).is_ok());
        let mut builder = BatchBuilder::new(1_000, 0);
        builder.append(1_000, None, Some(b"a"), &[]);
        builder.append(1_001, None, Some(b"b"), &[]);
        let mut out = BytesMut::new();
        builder.encode(&mut out, &BatchParams::default()).unwrap();
        out[..8].copy_from_slice(&i64::MAX.to_be_bytes());
        let batches = decode_batches(&out.freeze()).unwrap();
        let offsets: Vec<i64> = batches[0].records.iter().map(|r| r.offset).collect();
        assert_eq!(offsets, vec![i64::MAX, i64::MIN]);
    }

    fn sample_batch() -> RawBatch {
        let mut out = BytesMut::new();
        sample().encode(&mut out, &BatchParams::default()).unwrap();
        let mut reader = BatchReader::new(out.freeze(), true);
        reader.next().unwrap().unwrap()
    }

    #[test]
    fn next_from_steps_over_the_records_below_the_offset() {
        let mut records = sample_batch().record_iter().unwrap();
        let second = records.next_from(1).unwrap().unwrap();
        assert_eq!((second.offset, second.headers.len()), (1, 3));
        let third = records.next_from(1).unwrap().unwrap();
        assert_eq!((third.offset, third.key.as_deref()), (2, Some(&b""[..])));
        assert!(records.next_from(0).is_none());
        // Past the last offset: nothing, and no error.
        assert!(sample_batch().record_iter().unwrap().next_from(3).is_none());
    }

    /// A record cut short is an error at that record, after the records
    /// before it, and ends the batch (Java's consumer also reports a
    /// corrupt record where it meets it).
    #[test]
    fn a_record_cut_short_fails_after_the_records_before_it() {
        let batch = sample_batch();
        let body = batch.bytes.slice(HEADER_BYTES..batch.bytes.len() - 2);
        let mut records = Records::new(body, &batch.header);
        assert_eq!(records.next().unwrap().unwrap().offset, 0);
        assert_eq!(records.next().unwrap().unwrap().offset, 1);
        assert!(matches!(
            records.next(),
            Some(Err(ProtocolError::Truncated { .. }))
        ));
        assert!(records.next().is_none());
    }

    #[test]
    fn an_overlong_varint_is_an_error() {
        let header = sample_batch().header;
        let body = Bytes::from_static(&[0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
        let mut records = Records::new(body, &header);
        assert!(matches!(
            records.next(),
            Some(Err(ProtocolError::Decode { what: "varint", .. }))
        ));
    }

    proptest! {
        #[test]
        fn records_round_trip(
            records in proptest::collection::vec(
                (any::<i32>(), proptest::option::of(proptest::collection::vec(any::<u8>(), 0..40)),
                 proptest::option::of(proptest::collection::vec(any::<u8>(), 0..200))),
                1..30),
            codec in 0usize..5,
        ) {
            let base = 1_000_000_000_000i64;
            let mut b = BatchBuilder::new(base, 0);
            for (ts, key, value) in &records {
                b.append(base + i64::from(*ts), key.as_deref(), value.as_deref(), &[(b"x", key.as_deref())]);
            }
            let mut out = BytesMut::new();
            b.encode(&mut out, &BatchParams { compression: ALL_CODECS[codec], ..Default::default() }).unwrap();
            let decoded = decode_batches(&out.freeze()).unwrap();
            prop_assert_eq!(decoded.len(), 1);
            for (i, ((ts, key, value), rec)) in records.iter().zip(&decoded[0].records).enumerate() {
                prop_assert_eq!(rec.offset, i as i64);
                prop_assert_eq!(rec.timestamp_ms, base + i64::from(*ts));
                prop_assert_eq!(rec.key.as_deref(), key.as_deref());
                prop_assert_eq!(rec.value.as_deref(), value.as_deref());
                prop_assert_eq!(rec.headers[0].1.as_deref(), key.as_deref());
            }
        }
    }
}
