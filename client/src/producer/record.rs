//! [`Record`], what the producer sends, and [`RecordBytes`], the key, value
//! and header bytes it takes without copying.

use std::borrow::Cow;
use std::ops::Deref;

use bytes::Bytes;

use crate::offsets::TopicPartition;

/// The bytes of a record's key, value or header: borrowed for the record's
/// lifetime, or owned. Every common byte and string type converts into it
/// without a copy (`&str`, `String`, `&[u8]`, `&[u8; N]`, `Vec<u8>`,
/// `Bytes`, and references to them), so [`Record::key`], [`Record::value`]
/// and [`Record::header`] take any of them. `send` copies the bytes into a
/// batch once; nothing is copied before that.
///
/// ```
/// use bytes::Bytes;
/// use kctl_client::producer::RecordBytes;
///
/// let owned = String::from("v");
/// for bytes in [
///     RecordBytes::from("v"),
///     RecordBytes::from(&owned),
///     RecordBytes::from(owned.clone()),
///     RecordBytes::from(b"v"),
///     RecordBytes::from(vec![b'v']),
///     RecordBytes::from(Bytes::from_static(b"v")),
/// ] {
///     assert_eq!(&*bytes, b"v");
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordBytes<'a> {
    /// Borrowed from the caller for as long as the [`Record`] lives.
    Borrowed(&'a [u8]),
    /// Owned: a `String`, `Vec<u8>` or `Bytes` moved in without a copy.
    Owned(Bytes),
}

impl Deref for RecordBytes<'_> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Self::Borrowed(b) => b,
            Self::Owned(b) => b,
        }
    }
}

impl AsRef<[u8]> for RecordBytes<'_> {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl<'a> From<&'a [u8]> for RecordBytes<'a> {
    fn from(b: &'a [u8]) -> Self {
        Self::Borrowed(b)
    }
}

impl<'a, const N: usize> From<&'a [u8; N]> for RecordBytes<'a> {
    fn from(b: &'a [u8; N]) -> Self {
        Self::Borrowed(b)
    }
}

impl<'a> From<&'a str> for RecordBytes<'a> {
    fn from(s: &'a str) -> Self {
        Self::Borrowed(s.as_bytes())
    }
}

impl<'a> From<&'a String> for RecordBytes<'a> {
    fn from(s: &'a String) -> Self {
        Self::Borrowed(s.as_bytes())
    }
}

impl<'a> From<&'a Vec<u8>> for RecordBytes<'a> {
    fn from(b: &'a Vec<u8>) -> Self {
        Self::Borrowed(b)
    }
}

impl<'a> From<&'a Bytes> for RecordBytes<'a> {
    fn from(b: &'a Bytes) -> Self {
        Self::Borrowed(b)
    }
}

impl From<String> for RecordBytes<'_> {
    fn from(s: String) -> Self {
        Self::Owned(Bytes::from(s))
    }
}

impl From<Vec<u8>> for RecordBytes<'_> {
    fn from(b: Vec<u8>) -> Self {
        Self::Owned(Bytes::from(b))
    }
}

impl From<Bytes> for RecordBytes<'_> {
    fn from(b: Bytes) -> Self {
        Self::Owned(b)
    }
}

impl<'a> From<Cow<'a, str>> for RecordBytes<'a> {
    fn from(s: Cow<'a, str>) -> Self {
        match s {
            Cow::Borrowed(s) => s.into(),
            Cow::Owned(s) => s.into(),
        }
    }
}

impl<'a> From<Cow<'a, [u8]>> for RecordBytes<'a> {
    fn from(b: Cow<'a, [u8]>) -> Self {
        match b {
            Cow::Borrowed(b) => b.into(),
            Cow::Owned(b) => b.into(),
        }
    }
}

/// A record to produce. Built with [`Record::new`] and chained setters:
///
/// ```
/// use kctl_client::Record;
///
/// let user = String::from("user-7");
/// let record = Record::new("events")
///     .key(&user)                       // borrowed: no copy
///     .value(format!("paid {}", 42))    // owned String: moved, no copy
///     .header("trace-id", b"4bf92f35")  // byte string
///     .null_header("retry")             // a header with a null value
///     .partition(2)
///     .timestamp_ms(1_700_000_000_000);
/// assert_eq!(record.key.as_deref(), Some(&b"user-7"[..]));
/// assert_eq!(record.value.as_deref(), Some(&b"paid 42"[..]));
/// assert_eq!(record.headers.len(), 2);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Record<'a> {
    /// The topic to produce to.
    pub topic: &'a str,
    /// The partition; `None` lets the partitioner choose (murmur2 of the
    /// key, or uniform sticky without one).
    pub partition: Option<i32>,
    /// The key; `None` is a null key.
    pub key: Option<RecordBytes<'a>>,
    /// The value; `None` is a null value (a tombstone on compacted topics).
    pub value: Option<RecordBytes<'a>>,
    /// Creation time; `None` means now.
    pub timestamp_ms: Option<i64>,
    /// In order; keys may repeat and values may be null (KIP-82).
    pub headers: Vec<(RecordBytes<'a>, Option<RecordBytes<'a>>)>,
}

impl<'a> Record<'a> {
    /// A record for `topic`, with no key, value or headers yet.
    pub fn new(topic: &'a str) -> Self {
        Self {
            topic,
            ..Self::default()
        }
    }

    /// Sets the key: any of `&str`, `String`, `&[u8]`, `Vec<u8>`, `Bytes`,
    /// … (see [`RecordBytes`]). Default: none (a null key, placed by the
    /// sticky partitioner).
    pub fn key(mut self, key: impl Into<RecordBytes<'a>>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Sets the value: any of `&str`, `String`, `&[u8]`, `Vec<u8>`,
    /// `Bytes`, … (see [`RecordBytes`]). Default: none (a null value, which
    /// is a tombstone on a compacted topic).
    pub fn value(mut self, value: impl Into<RecordBytes<'a>>) -> Self {
        self.value = Some(value.into());
        self
    }

    /// Sends the record to this partition instead of the partitioner's
    /// choice. Default: the partitioner's choice.
    pub fn partition(mut self, partition: i32) -> Self {
        self.partition = Some(partition);
        self
    }

    /// Sets the creation time (ms since the epoch); the default is the
    /// time of `send`.
    pub fn timestamp_ms(mut self, timestamp_ms: i64) -> Self {
        self.timestamp_ms = Some(timestamp_ms);
        self
    }

    /// Appends a header. Keys may repeat; order is kept.
    pub fn header(
        mut self,
        key: impl Into<Cow<'a, str>>,
        value: impl Into<RecordBytes<'a>>,
    ) -> Self {
        self.headers.push((key.into().into(), Some(value.into())));
        self
    }

    /// Appends a header whose value is null.
    pub fn null_header(mut self, key: impl Into<Cow<'a, str>>) -> Self {
        self.headers.push((key.into().into(), None));
        self
    }

    /// The key's bytes.
    pub(crate) fn key_bytes(&self) -> Option<&[u8]> {
        self.key.as_deref()
    }

    /// The value's bytes.
    pub(crate) fn value_bytes(&self) -> Option<&[u8]> {
        self.value.as_deref()
    }

    /// The headers as the batch encoder takes them. Allocates only when
    /// there are headers.
    pub(crate) fn header_slices(&self) -> Vec<(&[u8], Option<&[u8]>)> {
        self.headers
            .iter()
            .map(|(k, v)| (&**k, v.as_deref()))
            .collect()
    }
}

impl<'a> From<&'a TopicPartition> for Record<'a> {
    /// A record for this topic and partition.
    fn from(tp: &'a TopicPartition) -> Self {
        Record::new(&tp.topic).partition(tp.partition)
    }
}
