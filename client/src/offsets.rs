//! Partitions and offsets: the types the producer, the consumer and the
//! admin client share, and the offset lookups both the consumer and the
//! admin client send.
//!
//! There is one [`TopicPartition`], one [`IsolationLevel`], one
//! [`OffsetSpec`] and one [`OffsetAndMetadata`] in the crate; every API
//! takes and returns these, so a partition read from a consumer's
//! assignment can be handed to an admin call as it is.
//!
//! The requests themselves (ListOffsets here, FindCoordinator, OffsetFetch
//! and OffsetCommit in `group`) are built and read in one place; the
//! consumer and the admin client differ only in where they send them and how
//! they retry.

pub(crate) mod group;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::{ApiKey, BrokerId, ListOffsetsRequest, TopicName};

use crate::connection::Connection;
use crate::error::{Error, ErrorCode, ErrorContext, Result};
use crate::protocol::StrBytes;

/// A topic and one of its partitions.
///
/// The topic is an `Arc<str>`, so cloning a `TopicPartition` (they are map
/// keys all over a consumer) never copies the name.
///
/// ```
/// use kctl_client::TopicPartition;
///
/// let tp = TopicPartition::new("orders", 3);
/// assert_eq!(tp.to_string(), "orders-3");
/// assert_eq!(tp, TopicPartition::from(("orders", 3)));
/// assert_eq!(tp.topic(), "orders");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicPartition {
    /// The topic's name.
    pub topic: Arc<str>,
    /// The partition's index, from 0.
    pub partition: i32,
}

impl TopicPartition {
    /// A partition of `topic`.
    pub fn new(topic: impl AsRef<str>, partition: i32) -> Self {
        Self {
            topic: Arc::from(topic.as_ref()),
            partition,
        }
    }

    /// The topic's name.
    pub fn topic(&self) -> &str {
        &self.topic
    }
}

impl<S: AsRef<str>> From<(S, i32)> for TopicPartition {
    fn from((topic, partition): (S, i32)) -> Self {
        Self::new(topic, partition)
    }
}

/// `topic-partition`, as Kafka's tools print it.
impl fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

/// Which records of transactional producers are visible
/// (`isolation.level`), to a consumer and to offset lookups.
///
/// ```
/// use kctl_client::IsolationLevel;
///
/// assert_eq!(IsolationLevel::default(), IsolationLevel::ReadUncommitted);
/// assert_eq!(IsolationLevel::ReadCommitted.to_string(), "read_committed");
/// assert_eq!("read_committed".parse::<IsolationLevel>()?, IsolationLevel::ReadCommitted);
/// assert!("serializable".parse::<IsolationLevel>().is_err());
/// # Ok::<(), kctl_client::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IsolationLevel {
    /// Everything, including aborted and still-open transactions; offset
    /// lookups see up to the high watermark (the default, as in Java).
    #[default]
    ReadUncommitted,
    /// Only committed records, up to the last stable offset.
    ReadCommitted,
}

impl IsolationLevel {
    /// The `isolation_level` field of Fetch and ListOffsets.
    pub(crate) fn wire(self) -> i8 {
        match self {
            Self::ReadUncommitted => 0,
            Self::ReadCommitted => 1,
        }
    }

    /// The value of the `isolation.level` property.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReadUncommitted => "read_uncommitted",
            Self::ReadCommitted => "read_committed",
        }
    }
}

impl fmt::Display for IsolationLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for IsolationLevel {
    type Err = Error;

    /// Parses `read_uncommitted` or `read_committed`, in any case.
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "read_uncommitted" => Ok(Self::ReadUncommitted),
            "read_committed" => Ok(Self::ReadCommitted),
            _ => Err(Error::Config(format!(
                "isolation.level must be read_uncommitted or read_committed, not {s:?}"
            ))),
        }
    }
}

/// Which offset of a partition to look up (ListOffsets).
///
/// ```
/// use kctl_client::OffsetSpec;
///
/// assert_eq!(OffsetSpec::Timestamp(1_700_000_000_000).to_string(), "timestamp 1700000000000");
/// assert_eq!(OffsetSpec::Earliest.to_string(), "earliest");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OffsetSpec {
    /// The log start offset.
    Earliest,
    /// The log end offset (the high watermark for `ReadUncommitted`, the
    /// last stable offset for `ReadCommitted`).
    Latest,
    /// The offset of the record with the largest timestamp (KIP-734).
    MaxTimestamp,
    /// The first offset whose timestamp is at or after this (ms since the
    /// epoch).
    Timestamp(i64),
}

impl OffsetSpec {
    /// The ListOffsets `timestamp` field: −1, −2 and −3 are Kafka's
    /// sentinels.
    pub(crate) fn wire(self) -> i64 {
        match self {
            Self::Latest => -1,
            Self::Earliest => -2,
            Self::MaxTimestamp => -3,
            Self::Timestamp(ms) => ms,
        }
    }
}

impl fmt::Display for OffsetSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Earliest => f.write_str("earliest"),
            Self::Latest => f.write_str("latest"),
            Self::MaxTimestamp => f.write_str("max-timestamp"),
            Self::Timestamp(ms) => write!(f, "timestamp {ms}"),
        }
    }
}

/// A group's offset for a partition: the offset of the next record to read
/// (one past the last processed), the leader epoch of the record before it
/// when known, and optional application metadata stored with it. What
/// consumers commit and what OffsetFetch returns, as Java's
/// `OffsetAndMetadata`.
///
/// ```
/// use kctl_client::OffsetAndMetadata;
///
/// assert_eq!(OffsetAndMetadata::new(42).to_string(), "42");
/// assert_eq!(
///     OffsetAndMetadata::with_metadata(42, "batch 7").to_string(),
///     "42 (batch 7)"
/// );
/// assert_eq!(OffsetAndMetadata::from(42), OffsetAndMetadata::new(42));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OffsetAndMetadata {
    /// The next offset to read.
    pub offset: i64,
    /// The leader epoch of the last consumed record, when known (KIP-320).
    /// The consumer's own commits fill it from its position, and a
    /// consumer resuming from a commit validates the offset against it.
    pub leader_epoch: Option<i32>,
    /// Application metadata, stored with the commit.
    pub metadata: Option<String>,
}

impl OffsetAndMetadata {
    /// An offset without metadata.
    pub fn new(offset: i64) -> Self {
        Self {
            offset,
            leader_epoch: None,
            metadata: None,
        }
    }

    /// An offset with application metadata.
    pub fn with_metadata(offset: i64, metadata: impl Into<String>) -> Self {
        Self {
            offset,
            leader_epoch: None,
            metadata: Some(metadata.into()),
        }
    }
}

impl From<i64> for OffsetAndMetadata {
    fn from(offset: i64) -> Self {
        Self::new(offset)
    }
}

/// The offset, then the metadata in parentheses when there is any.
impl fmt::Display for OffsetAndMetadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.offset)?;
        match &self.metadata {
            Some(m) if !m.is_empty() => write!(f, " ({m})"),
            _ => Ok(()),
        }
    }
}

/// The answer of an offset lookup for one partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListedOffset {
    /// `None` when no record matches (a timestamp after the last record, or
    /// an empty partition asked for its max timestamp).
    pub offset: Option<i64>,
    /// The matching record's timestamp, for timestamp and max-timestamp
    /// lookups.
    pub timestamp_ms: Option<i64>,
    /// The leader epoch of the matching record, when the broker says.
    pub leader_epoch: Option<i32>,
}

/// The offset, or `none` when no record matched.
impl fmt::Display for ListedOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            Some(offset) => write!(f, "{offset}"),
            None => f.write_str("none"),
        }
    }
}

/// One partition of a ListOffsets request.
#[derive(Debug, Clone)]
pub(crate) struct OffsetQuery {
    pub(crate) tp: TopicPartition,
    pub(crate) spec: OffsetSpec,
    /// The leader epoch the caller knows (KIP-320), or −1.
    pub(crate) current_leader_epoch: i32,
}

pub(crate) fn topic_name(name: &str) -> TopicName {
    TopicName(StrBytes::from_string(name.to_owned()))
}

/// A response that did not answer for a partition it was asked about: an
/// error for that partition, never a silent gap.
pub(crate) fn partition_left_out(api_key: ApiKey, tp: &TopicPartition) -> Error {
    Error::kafka(
        ErrorCode::UnknownServerError,
        ErrorContext::partition(api_key, &tp.topic, tp.partition)
            .with_message(Some("the broker's response left it out".into())),
    )
}

/// Sends one ListOffsets to `conn` (the leader of every partition in
/// `queries`, each named once) and answers one result per query, in order.
pub(crate) async fn list_offsets_on(
    conn: &Connection,
    queries: &[OffsetQuery],
    isolation: IsolationLevel,
) -> Result<Vec<Result<ListedOffset>>> {
    let mut topics: BTreeMap<&str, Vec<ListOffsetsPartition>> = BTreeMap::new();
    for query in queries {
        topics.entry(&query.tp.topic).or_default().push(
            ListOffsetsPartition::default()
                .with_partition_index(query.tp.partition)
                .with_current_leader_epoch(query.current_leader_epoch)
                .with_timestamp(query.spec.wire()),
        );
    }
    let request = ListOffsetsRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_isolation_level(isolation.wire())
        .with_topics(
            topics
                .into_iter()
                .map(|(name, partitions)| {
                    ListOffsetsTopic::default()
                        .with_name(topic_name(name))
                        .with_partitions(partitions)
                })
                .collect(),
        );
    let response = conn.request(&request).await?;
    let mut answers: HashMap<(String, i32), _> = response
        .topics
        .into_iter()
        .flat_map(|t| {
            let topic = t.name.0.to_string();
            t.partitions
                .into_iter()
                .map(move |p| ((topic.clone(), p.partition_index), p))
        })
        .collect();
    Ok(queries
        .iter()
        .map(|query| {
            let tp = &query.tp;
            let Some(p) = answers.remove(&(tp.topic.to_string(), tp.partition)) else {
                // A leader that no longer hosts the partition (it moved
                // since the metadata was read) leaves it out: retriable
                // after a metadata refresh, as the consumer has always
                // treated it.
                return Err(Error::kafka(
                    ErrorCode::UnknownTopicOrPartition,
                    ErrorContext::partition(ApiKey::ListOffsets, &tp.topic, tp.partition)
                        .with_message(Some("the broker's response left it out".into())),
                ));
            };
            if let Some(code) = ErrorCode::try_from_code(p.error_code) {
                return Err(Error::kafka(
                    code,
                    ErrorContext::partition(ApiKey::ListOffsets, &tp.topic, tp.partition),
                ));
            }
            let by_time = matches!(
                query.spec,
                OffsetSpec::Timestamp(_) | OffsetSpec::MaxTimestamp
            );
            Ok(ListedOffset {
                offset: (p.offset >= 0).then_some(p.offset),
                timestamp_ms: (by_time && p.timestamp >= 0).then_some(p.timestamp),
                leader_epoch: (p.leader_epoch >= 0).then_some(p.leader_epoch),
            })
        })
        .collect())
}
