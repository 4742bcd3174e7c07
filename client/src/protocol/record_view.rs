//! One record of a batch read in place: its key, value and headers are
//! borrowed from the batch's (decompressed) bytes, so reading a record
//! allocates nothing and touches no reference count.
//!
//! [`record_batch::Records`](super::record_batch::Records) hands out these
//! views; a reader that keeps a record past the batch turns the fields it
//! keeps into `Bytes` handles on the same buffer ([`RecordView::share`]),
//! still without copying.

use std::fmt;

use bytes::Bytes;

use super::ProtocolError;

/// A record of a batch, borrowed from the batch's bytes.
#[derive(Clone, Copy)]
pub struct RecordView<'a> {
    /// The record's offset.
    pub offset: i64,
    /// Its timestamp, in ms since the epoch (the creation time; a batch
    /// with `LogAppendTime` has the broker's time in its header instead).
    pub timestamp_ms: i64,
    /// Its key, `None` for a null key.
    pub key: Option<&'a [u8]>,
    /// Its value, `None` for a null value (a tombstone).
    pub value: Option<&'a [u8]>,
    /// Its headers, in order, duplicate keys kept.
    pub headers: HeadersView<'a>,
    buffer: &'a Bytes,
}

impl<'a> RecordView<'a> {
    /// A `Bytes` handle on `field`, one of this record's slices (key, value
    /// or a header's key or value): the same memory, not a copy.
    ///
    /// # Panics
    /// If `field` is not a slice of the batch this record was read from.
    pub fn share(&self, field: &'a [u8]) -> Bytes {
        share(self.buffer, field)
    }

    /// The batch's bytes the fields borrow.
    #[cfg(feature = "client")]
    pub(crate) fn buffer(&self) -> &'a Bytes {
        self.buffer
    }

    /// The record with its fields as `Bytes` handles on the batch.
    pub fn to_decoded(&self) -> super::record_batch::DecodedRecord {
        super::record_batch::DecodedRecord {
            offset: self.offset,
            timestamp_ms: self.timestamp_ms,
            key: self.key.map(|k| self.share(k)),
            value: self.value.map(|v| self.share(v)),
            headers: self
                .headers
                .iter()
                .map(|(k, v)| (self.share(k), v.map(|v| self.share(v))))
                .collect(),
        }
    }
}

impl fmt::Debug for RecordView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordView")
            .field("offset", &self.offset)
            .field("timestamp_ms", &self.timestamp_ms)
            .field("key_bytes", &self.key.map(<[u8]>::len))
            .field("value_bytes", &self.value.map(<[u8]>::len))
            .field("headers", &self.headers.len())
            .finish()
    }
}

/// A record's headers, checked when the record was read and decoded again
/// as they are iterated (most records have none).
#[derive(Clone, Copy, Default)]
pub struct HeadersView<'a> {
    data: &'a [u8],
    count: usize,
}

impl<'a> HeadersView<'a> {
    /// How many headers the record has.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether it has none.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The headers as `(key, value)`, in order; a null key (which Kafka's
    /// own clients never write) reads as empty.
    pub fn iter(&self) -> HeadersIter<'a> {
        HeadersIter {
            cursor: Cursor::new(self.data, 0),
            left: self.count,
        }
    }
}

impl fmt::Debug for HeadersView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(
                self.iter()
                    .map(|(k, v)| (String::from_utf8_lossy(k), v.map(String::from_utf8_lossy))),
            )
            .finish()
    }
}

impl<'a> IntoIterator for HeadersView<'a> {
    type Item = (&'a [u8], Option<&'a [u8]>);
    type IntoIter = HeadersIter<'a>;

    fn into_iter(self) -> HeadersIter<'a> {
        self.iter()
    }
}

/// See [`HeadersView::iter`].
#[derive(Debug, Clone)]
pub struct HeadersIter<'a> {
    cursor: Cursor<'a>,
    left: usize,
}

impl<'a> Iterator for HeadersIter<'a> {
    type Item = (&'a [u8], Option<&'a [u8]>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        // Checked when the record was read, so these cannot fail; a failure
        // would only end the iteration early.
        let key = self.cursor.bytes_field().ok()?.unwrap_or(&[]);
        let value = self.cursor.bytes_field().ok()?;
        Some((key, value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.left))
    }
}

/// A `Bytes` handle on `field`, a slice of `buffer`.
pub(crate) fn share(buffer: &Bytes, field: &[u8]) -> Bytes {
    if field.is_empty() {
        // `slice_ref` of an empty slice that is not inside the buffer (the
        // `&[]` a null header key reads as) would panic.
        return Bytes::new();
    }
    buffer.slice_ref(field)
}

/// Where a batch's records are read from: its decompressed records section
/// and the header fields the records' deltas are relative to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecordBase {
    pub(crate) offset: i64,
    pub(crate) timestamp_ms: i64,
}

/// Decodes the record at `*position` of `buffer` (a batch's records section)
/// and moves `*position` past it; `None` when its offset is below
/// `min_offset`, which skips the record without reading its fields.
#[inline]
pub(crate) fn decode_record<'a>(
    buffer: &'a Bytes,
    position: &mut usize,
    base: RecordBase,
    min_offset: i64,
) -> Result<Option<RecordView<'a>>, ProtocolError> {
    let data: &'a [u8] = buffer;
    let mut cursor = Cursor::new(data, *position);
    let length = usize::try_from(cursor.varint()?).map_err(|_| ProtocolError::Truncated {
        needed_bytes: 0,
        available_bytes: data.len() - cursor.position,
    })?;
    let start = cursor.position;
    let available_bytes = data.len() - start;
    if length == 0 || length > available_bytes {
        return Err(ProtocolError::Truncated {
            needed_bytes: length.max(1),
            available_bytes,
        });
    }
    let end = start + length;
    // The attributes byte (unused in v2) is skipped.
    let mut record = Cursor::new(&data[..end], start + 1);
    let timestamp_delta = record.varlong()?;
    let offset_delta = record.varint()?;
    *position = end;
    // Wrapping, as Java's `long` arithmetic: a forged base offset near
    // i64::MAX must not panic a consumer.
    let offset = base.offset.wrapping_add(i64::from(offset_delta));
    if offset < min_offset {
        return Ok(None);
    }
    let key = record.bytes_field()?;
    let value = record.bytes_field()?;
    let header_count = usize::try_from(record.varint()?).unwrap_or(0);
    let headers_start = record.position;
    // Walked once now, so a malformed header fails its record here rather
    // than silently ending an iteration later.
    for _ in 0..header_count {
        record.bytes_field()?;
        record.bytes_field()?;
    }
    Ok(Some(RecordView {
        offset,
        timestamp_ms: base.timestamp_ms.wrapping_add(timestamp_delta),
        key,
        value,
        headers: HeadersView {
            data: &data[headers_start..record.position],
            count: header_count,
        },
        buffer,
    }))
}

/// Reads the varints and length-prefixed fields of a record from a slice.
/// Slices, not `Bytes` splits: a split clones the buffer's handle (an
/// atomic increment), and only the fields a reader keeps need one.
#[derive(Debug, Clone)]
struct Cursor<'a> {
    data: &'a [u8],
    position: usize,
}

impl<'a> Cursor<'a> {
    fn new(data: &'a [u8], position: usize) -> Self {
        Self { data, position }
    }

    fn truncated(&self, needed_bytes: usize) -> ProtocolError {
        ProtocolError::Truncated {
            needed_bytes,
            available_bytes: self.data.len().saturating_sub(self.position),
        }
    }

    #[inline(always)]
    fn unsigned(&mut self, max_bytes: usize) -> Result<u64, ProtocolError> {
        // Most fields of a record (deltas, lengths below 8 KiB) take one or
        // two bytes: those are read without a loop.
        let at = self.position;
        if let Some(&first) = self.data.get(at) {
            if first < 0x80 {
                self.position = at + 1;
                return Ok(u64::from(first));
            }
            if let Some(&second) = self.data.get(at + 1)
                && second < 0x80
            {
                self.position = at + 2;
                return Ok(u64::from(first & 0x7f) | u64::from(second) << 7);
            }
        }
        self.unsigned_long(max_bytes)
    }

    #[cold]
    #[inline(never)]
    fn unsigned_long(&mut self, max_bytes: usize) -> Result<u64, ProtocolError> {
        let mut value = 0u64;
        for i in 0..max_bytes {
            let Some(&b) = self.data.get(self.position) else {
                return Err(self.truncated(1));
            };
            self.position += 1;
            value |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(ProtocolError::Decode {
            what: "varint",
            version: 2,
            reason: "varint too long".into(),
        })
    }

    #[inline(always)]
    fn varint(&mut self) -> Result<i32, ProtocolError> {
        let raw = self.unsigned(5)? as u32;
        Ok(((raw >> 1) as i32) ^ -((raw & 1) as i32))
    }

    #[inline(always)]
    fn varlong(&mut self) -> Result<i64, ProtocolError> {
        let raw = self.unsigned(10)?;
        Ok(((raw >> 1) as i64) ^ -((raw & 1) as i64))
    }

    /// A length-prefixed field as a slice of the data; `None` for null.
    #[inline(always)]
    fn bytes_field(&mut self) -> Result<Option<&'a [u8]>, ProtocolError> {
        let len = self.varint()?;
        if len < 0 {
            return Ok(None);
        }
        let len = len as usize;
        if self.data.len() - self.position < len {
            return Err(self.truncated(len));
        }
        let start = self.position;
        self.position += len;
        Ok(Some(&self.data[start..self.position]))
    }
}

#[cfg(test)]
mod tests {
    use bytes::BytesMut;

    use super::*;
    use crate::protocol::record_batch::{BatchBuilder, BatchParams, BatchReader};

    fn one_batch(headers: &[(&[u8], Option<&[u8]>)]) -> Bytes {
        let mut b = BatchBuilder::new(1_000, 0);
        b.append(1_005, Some(b"key"), None, headers);
        b.append(1_007, None, Some(b"value"), &[]);
        let mut out = BytesMut::new();
        b.encode(&mut out, &BatchParams::default()).unwrap();
        out.freeze()
    }

    #[test]
    fn views_borrow_the_batch_and_share_without_copying() {
        let data = one_batch(&[(b"h", Some(b"1")), (b"h", None)]);
        let batch = BatchReader::new(data, true).next().unwrap().unwrap();
        let mut records = batch.record_iter().unwrap();
        let first = records.next_view_from(0).unwrap().unwrap();
        assert_eq!((first.offset, first.timestamp_ms), (0, 1_005));
        assert_eq!((first.key, first.value), (Some(&b"key"[..]), None));
        let headers: Vec<_> = first.headers.iter().collect();
        assert_eq!(headers, [(&b"h"[..], Some(&b"1"[..])), (&b"h"[..], None)]);
        assert_eq!(
            format!("{:?}", first.headers),
            r#"[("h", Some("1")), ("h", None)]"#
        );
        let key = first.share(first.key.unwrap());
        assert_eq!(
            key.as_ptr(),
            first.key.unwrap().as_ptr(),
            "a handle, not a copy"
        );
        let second = records.next_view_from(0).unwrap().unwrap();
        assert_eq!((second.offset, second.value), (1, Some(&b"value"[..])));
        assert!(second.headers.is_empty());
        assert!(records.next_view_from(0).is_none());
    }

    #[test]
    fn records_below_the_offset_are_stepped_over() {
        let data = one_batch(&[]);
        let batch = BatchReader::new(data, true).next().unwrap().unwrap();
        let mut records = batch.record_iter().unwrap();
        let record = records.next_view_from(1).unwrap().unwrap();
        assert_eq!(record.offset, 1);
    }

    #[test]
    fn a_malformed_header_fails_its_record_when_read() {
        // One record: length, attributes, deltas, null key, null value, one
        // header whose key claims 9 bytes but has 1.
        let record = [0u8, 0, 0, 1, 1, 2, 18, b'x'];
        let mut body = vec![(record.len() as u8) << 1];
        body.extend_from_slice(&record);
        let buffer = Bytes::from(body);
        let base = RecordBase {
            offset: 0,
            timestamp_ms: 0,
        };
        let mut position = 0;
        let error = decode_record(&buffer, &mut position, base, 0).unwrap_err();
        assert!(
            matches!(error, ProtocolError::Truncated { .. }),
            "{error:?}"
        );
    }
}
