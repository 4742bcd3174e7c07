//! A consumed record borrowed from the fetched bytes, for
//! [`Consumer::poll_each`](super::Consumer::poll_each), and the sinks a
//! poll hands its records to.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;

use super::{ConsumerRecord, Header, TimestampType, TopicPartition};
use crate::protocol::batch::BatchHeader;
use crate::protocol::record_view::{self, HeadersView, RecordView};

/// A consumed record read in place: key, value and headers borrow the
/// fetched response, so handing it out allocates nothing and touches no
/// reference count. [`RecordRef::to_owned_record`] keeps one past the
/// callback (still without copying its bytes).
#[derive(Clone, Copy)]
pub struct RecordRef<'a> {
    /// The partition the record was read from.
    pub topic_partition: &'a TopicPartition,
    /// Its offset in the partition.
    pub offset: i64,
    /// The producer's creation time, or the broker's append time for topics
    /// with `message.timestamp.type=LogAppendTime` (see `timestamp_type`).
    pub timestamp_ms: i64,
    /// Whether `timestamp_ms` is the creation or the log-append time.
    pub timestamp_type: TimestampType,
    /// The key; `None` is a null key.
    pub key: Option<&'a [u8]>,
    /// The value; `None` is a null value (a tombstone).
    pub value: Option<&'a [u8]>,
    /// The headers, in order; keys may repeat.
    pub headers: HeadersView<'a>,
    /// The leader epoch the batch was written in, when the broker sets it.
    pub leader_epoch: Option<i32>,
    buffer: &'a Bytes,
}

impl<'a> RecordRef<'a> {
    pub(crate) fn new(tp: &'a TopicPartition, header: &BatchHeader, view: RecordView<'a>) -> Self {
        let timestamp_type = header.timestamp_type();
        // In a LogAppendTime batch the broker's clock, stored once as the
        // batch's max timestamp, is every record's timestamp.
        let timestamp_ms = if timestamp_type == TimestampType::LogAppend {
            header.max_timestamp
        } else {
            view.timestamp_ms
        };
        Self {
            topic_partition: tp,
            offset: view.offset,
            timestamp_ms,
            timestamp_type,
            key: view.key,
            value: view.value,
            headers: view.headers,
            leader_epoch: (header.partition_leader_epoch >= 0)
                .then_some(header.partition_leader_epoch),
            buffer: view.buffer(),
        }
    }

    /// The topic the record was read from.
    pub fn topic(&self) -> &'a str {
        &self.topic_partition.topic
    }

    /// Its partition.
    pub fn partition(&self) -> i32 {
        self.topic_partition.partition
    }

    /// The offset to commit once this record is processed: `offset + 1`.
    pub fn next_offset(&self) -> i64 {
        self.offset + 1
    }

    /// The value as UTF-8 text, if it is some and valid.
    pub fn value_str(&self) -> Option<&'a str> {
        self.value.and_then(|v| std::str::from_utf8(v).ok())
    }

    /// The key as UTF-8 text, if it is some and valid.
    pub fn key_str(&self) -> Option<&'a str> {
        self.key.and_then(|k| std::str::from_utf8(k).ok())
    }

    /// The record as [`Consumer::poll`](super::Consumer::poll) returns it.
    /// Its key, value and headers are handles on the fetched bytes, not
    /// copies (they keep that response's buffer alive).
    pub fn to_owned_record(&self) -> ConsumerRecord {
        let share = |field: &[u8]| record_view::share(self.buffer, field);
        ConsumerRecord {
            topic: Arc::clone(&self.topic_partition.topic),
            partition: self.topic_partition.partition,
            offset: self.offset,
            timestamp_ms: self.timestamp_ms,
            timestamp_type: self.timestamp_type,
            key: self.key.map(share),
            value: self.value.map(share),
            // Most records have no headers: no allocation then.
            headers: if self.headers.is_empty() {
                Vec::new()
            } else {
                self.headers
                    .iter()
                    .map(|(key, value)| Header {
                        key: share(key),
                        value: value.map(share),
                    })
                    .collect()
            },
            leader_epoch: self.leader_epoch,
        }
    }
}

impl fmt::Debug for RecordRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the buffer: it is the whole fetched response.
        f.debug_struct("RecordRef")
            .field("topic_partition", self.topic_partition)
            .field("offset", &self.offset)
            .field("timestamp_ms", &self.timestamp_ms)
            .field("timestamp_type", &self.timestamp_type)
            .field("key", &self.key.map(Bytes::copy_from_slice))
            .field("value", &self.value.map(Bytes::copy_from_slice))
            .field("headers", &self.headers)
            .field("leader_epoch", &self.leader_epoch)
            .finish_non_exhaustive()
    }
}

/// Where a poll puts the records it drains.
pub(crate) trait RecordSink {
    /// Takes one record.
    fn take(&mut self, record: RecordRef<'_>);

    /// How many records it has taken.
    fn count(&self) -> usize;

    /// Gives back the records after the first `count`, when their data
    /// turned out stale (a seek from another thread while they were being
    /// read). A callback has already seen them and cannot; the seek still
    /// wins for the position.
    fn forget_after(&mut self, count: usize);
}

impl RecordSink for Vec<ConsumerRecord> {
    #[inline]
    fn take(&mut self, record: RecordRef<'_>) {
        self.push(record.to_owned_record());
    }

    fn count(&self) -> usize {
        self.len()
    }

    fn forget_after(&mut self, count: usize) {
        self.truncate(count);
    }
}

/// A sink that hands each record to a callback.
pub(crate) struct EachRecord<F> {
    pub(crate) callback: F,
    pub(crate) taken: usize,
}

impl<F: FnMut(RecordRef<'_>)> RecordSink for EachRecord<F> {
    #[inline]
    fn take(&mut self, record: RecordRef<'_>) {
        self.taken += 1;
        (self.callback)(record);
    }

    fn count(&self) -> usize {
        self.taken
    }

    fn forget_after(&mut self, _count: usize) {}
}

/// The fields of a consumed record, owned ([`ConsumerRecord`], from
/// [`Consumer::poll`](super::Consumer::poll)) or read in place
/// ([`RecordRef`], from [`Consumer::poll_each`](super::Consumer::poll_each)),
/// for code that handles either: printers, filters
/// (`RecordFilter::matches`, with the `filter` feature).
pub trait RecordFields {
    /// The topic the record was read from.
    fn topic(&self) -> &str;
    /// Its partition.
    fn partition(&self) -> i32;
    /// Its offset.
    fn offset(&self) -> i64;
    /// Its timestamp, in ms since the epoch.
    fn timestamp_ms(&self) -> i64;
    /// Whether the timestamp is the creation or the log-append time.
    fn timestamp_type(&self) -> TimestampType;
    /// The key; `None` is a null key.
    fn key(&self) -> Option<&[u8]>;
    /// The value; `None` is a null value (a tombstone).
    fn value(&self) -> Option<&[u8]>;
    /// How many headers it has.
    fn header_count(&self) -> usize;
    /// The headers as `(key, value)`, in order, duplicate keys kept; a null
    /// value is `None`.
    fn headers(&self) -> impl Iterator<Item = (&[u8], Option<&[u8]>)>;
}

impl RecordFields for ConsumerRecord {
    fn topic(&self) -> &str {
        &self.topic
    }
    fn partition(&self) -> i32 {
        self.partition
    }
    fn offset(&self) -> i64 {
        self.offset
    }
    fn timestamp_ms(&self) -> i64 {
        self.timestamp_ms
    }
    fn timestamp_type(&self) -> TimestampType {
        self.timestamp_type
    }
    fn key(&self) -> Option<&[u8]> {
        self.key.as_deref()
    }
    fn value(&self) -> Option<&[u8]> {
        self.value.as_deref()
    }
    fn header_count(&self) -> usize {
        self.headers.len()
    }
    fn headers(&self) -> impl Iterator<Item = (&[u8], Option<&[u8]>)> {
        self.headers
            .iter()
            .map(|h| (&h.key[..], h.value.as_deref()))
    }
}

impl RecordFields for RecordRef<'_> {
    fn topic(&self) -> &str {
        RecordRef::topic(self)
    }
    fn partition(&self) -> i32 {
        RecordRef::partition(self)
    }
    fn offset(&self) -> i64 {
        self.offset
    }
    fn timestamp_ms(&self) -> i64 {
        self.timestamp_ms
    }
    fn timestamp_type(&self) -> TimestampType {
        self.timestamp_type
    }
    fn key(&self) -> Option<&[u8]> {
        self.key
    }
    fn value(&self) -> Option<&[u8]> {
        self.value
    }
    fn header_count(&self) -> usize {
        self.headers.len()
    }
    fn headers(&self) -> impl Iterator<Item = (&[u8], Option<&[u8]>)> {
        self.headers.iter()
    }
}

#[cfg(test)]
mod tests {
    use bytes::BytesMut;

    use super::*;
    use crate::protocol::record_batch::{BatchBuilder, BatchParams, BatchReader};

    /// Every field reads the same through the borrowed record, through its
    /// owned copy, and through a filter given either.
    #[test]
    fn a_record_read_in_place_and_its_owned_copy_agree() {
        let mut b = BatchBuilder::new(1_700_000_000_000, 0);
        b.append(
            1_700_000_000_123,
            Some(b"user-7"),
            Some(br#"{"amount": 12}"#),
            &[(b"trace", Some(b"t1")), (b"trace", None)],
        );
        let mut data = BytesMut::new();
        b.encode(&mut data, &BatchParams::default()).unwrap();
        let batch = BatchReader::new(data.freeze(), true)
            .next()
            .unwrap()
            .unwrap();
        let mut records = batch.record_iter().unwrap();
        let view = records.next_view_from(0).unwrap().unwrap();
        let tp = TopicPartition::new("orders", 3);
        let borrowed = RecordRef::new(&tp, &batch.header, view);
        let owned = borrowed.to_owned_record();

        fn fields(r: &impl RecordFields) -> String {
            let headers: Vec<_> = r.headers().collect();
            format!(
                "{} {} {} {} {:?} {:?} {:?} {} {:?}",
                r.topic(),
                r.partition(),
                r.offset(),
                r.timestamp_ms(),
                r.timestamp_type(),
                r.key(),
                r.value(),
                r.header_count(),
                headers
            )
        }
        assert_eq!(fields(&borrowed), fields(&owned));
        assert!(fields(&owned).starts_with("orders 3 0 1700000000123 Creation"));
        assert_eq!(
            owned.key.as_ref().unwrap().as_ptr(),
            borrowed.key.unwrap().as_ptr()
        );
        #[cfg(feature = "filter")]
        {
            use crate::filter::RecordFilter;
            for expr in [
                "key=user-7",
                "header.trace=t1",
                "header.trace",
                "jq:.amount > 10",
                "key!=user-7",
            ] {
                let filter = RecordFilter::parse(expr).unwrap();
                assert_eq!(filter.matches(&borrowed), filter.matches(&owned), "{expr}");
            }
            assert!(
                RecordFilter::parse("jq:.amount > 10")
                    .unwrap()
                    .matches(&borrowed)
            );
        }
    }
}
