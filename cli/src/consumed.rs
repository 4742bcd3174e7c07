//! A consumed record as `kctl consume`'s printers read it: either owned (a
//! `ConsumerRecord`, as `poll` returns it and `--filter` takes it) or read in
//! place from the fetched bytes (a `RecordRef` from `poll_each`, which
//! costs no allocation per record).

use kctl_client::consumer::{ConsumerRecord, RecordRef, TimestampType};

/// The fields the printers and stop conditions read.
pub(crate) trait Consumed {
    fn topic(&self) -> &str;
    fn partition(&self) -> i32;
    fn offset(&self) -> i64;
    fn timestamp_ms(&self) -> i64;
    fn timestamp_type(&self) -> TimestampType;
    /// `None` is a null key.
    fn key(&self) -> Option<&[u8]>;
    /// `None` is a null value (a tombstone).
    fn value(&self) -> Option<&[u8]>;
    fn header_count(&self) -> usize;
    /// `(key, value)` in order; a null value is `None`.
    fn headers(&self) -> impl Iterator<Item = (&[u8], Option<&[u8]>)>;
}

impl Consumed for ConsumerRecord {
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

impl Consumed for RecordRef<'_> {
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
