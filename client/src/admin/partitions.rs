//! Per-partition operations routed to leaders: ListOffsets and
//! DeleteRecords. Partitions are grouped by leader, one request per leader,
//! all leaders at once; a partition whose leader moved is retried after a
//! metadata refresh.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::Arc;

use kafka_protocol::messages::delete_records_request::{
    DeleteRecordsPartition, DeleteRecordsTopic,
};
use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::{
    ApiKey, BrokerId, DeleteRecordsRequest, ListOffsetsRequest, TopicName,
};

use super::{Admin, PartitionResult, TopicPartition, partition_left_out};
use crate::connection::Connection;
use crate::error::{Error, ErrorCode, ErrorContext, Result};
use crate::protocol::StrBytes;

/// ListOffsets v8+ adds tiered-storage sentinels this client does not send;
/// v7 is the first with MAX_TIMESTAMP.
const LIST_OFFSETS_VERSION_CAP: i16 = 7;

/// Which offset to look up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetSpec {
    /// The log start offset.
    Earliest,
    /// The log end offset (the high watermark for `ReadUncommitted`).
    Latest,
    /// The offset of the record with the largest timestamp (KIP-734).
    MaxTimestamp,
    /// The first offset whose timestamp is at or after this (ms since the
    /// epoch).
    Timestamp(i64),
}

impl OffsetSpec {
    fn wire(self) -> i64 {
        match self {
            Self::Latest => -1,
            Self::Earliest => -2,
            Self::MaxTimestamp => -3,
            Self::Timestamp(ms) => ms,
        }
    }
}

/// Whether offsets of aborted or open transactions count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum IsolationLevel {
    #[default]
    ReadUncommitted,
    ReadCommitted,
}

/// The answer for one partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListedOffset {
    /// `None` when no record matches (a timestamp after the last record, or
    /// an empty partition asked for its max timestamp).
    pub offset: Option<i64>,
    /// The matching record's timestamp, for timestamp and max-timestamp
    /// lookups.
    pub timestamp_ms: Option<i64>,
    pub leader_epoch: Option<i32>,
}

fn topic_name(name: &str) -> TopicName {
    TopicName(StrBytes::from_string(name.to_owned()))
}

impl Admin {
    /// Looks up offsets of many partitions at once, one request per leader.
    /// One result per requested partition, in order.
    pub async fn list_offsets(
        &self,
        partitions: &[(TopicPartition, OffsetSpec)],
        isolation: IsolationLevel,
    ) -> Result<Vec<PartitionResult<ListedOffset>>> {
        let results = self
            .per_item("ListOffsets", partitions.to_vec(), |batch| {
                self.by_leader(batch, |conn, group| list_offsets_on(conn, group, isolation))
            })
            .await;
        Ok(partitions
            .iter()
            .zip(results)
            .map(|((tp, _), result)| PartitionResult {
                partition: tp.clone(),
                result,
            })
            .collect())
    }

    /// Deletes every record before the given offset of each partition
    /// (`-1`: up to the high watermark). The result is the partition's new
    /// low watermark.
    pub async fn delete_records(
        &self,
        before: &[(TopicPartition, i64)],
    ) -> Result<Vec<PartitionResult<i64>>> {
        let timeout_ms = self.config.operation_timeout_ms;
        let results = self
            .per_item("DeleteRecords", before.to_vec(), |batch| {
                self.by_leader(batch, move |conn, group| {
                    delete_records_on(conn, group, timeout_ms)
                })
            })
            .await;
        Ok(before
            .iter()
            .zip(results)
            .map(|((tp, _), result)| PartitionResult {
                partition: tp.clone(),
                result,
            })
            .collect())
    }

    /// Groups `(partition, argument)` items by leader and sends each group
    /// to its leader, concurrently. A missing topic or partition is a final
    /// error for its items; a partition without a leader a retriable one.
    pub(super) async fn by_leader<A, T, F, Fut>(
        &self,
        items: Vec<(TopicPartition, A)>,
        send: F,
    ) -> Result<Vec<Result<T>>>
    where
        A: Clone,
        T: Clone,
        F: Fn(Arc<Connection>, Vec<(TopicPartition, A)>) -> Fut,
        Fut: Future<Output = Result<Vec<Result<T>>>>,
    {
        let mut results: Vec<Option<Result<T>>> = items.iter().map(|_| None).collect();
        // A partition may be asked about more than once (earliest and
        // latest); a request names each partition once, so repeats go into
        // further requests to the same leader.
        let mut groups: BTreeMap<(i32, usize), Vec<usize>> = BTreeMap::new();
        let mut seen: HashMap<&TopicPartition, usize> = HashMap::new();
        for (i, (tp, _)) in items.iter().enumerate() {
            match self.leader_of(tp).await {
                Ok(leader) => {
                    let repeat = seen.entry(tp).or_default();
                    groups.entry((leader, *repeat)).or_default().push(i);
                    *repeat += 1;
                }
                Err(e) => results[i] = Some(Err(e)),
            }
        }
        let sends = groups.iter().map(|(&(leader, _), members)| {
            let group: Vec<(TopicPartition, A)> =
                members.iter().map(|&i| items[i].clone()).collect();
            let send = &send;
            async move {
                let conn = self.broker_connection(leader).await?;
                send(conn, group).await
            }
        });
        let answers = futures::future::join_all(sends).await;
        for ((_, members), answer) in groups.iter().zip(answers) {
            match answer {
                Ok(per_item) => {
                    for (&i, r) in members.iter().zip(per_item) {
                        results[i] = Some(r);
                    }
                }
                Err(e) => {
                    if e.invalidates_metadata() {
                        self.client.request_metadata_refresh();
                    }
                    for &i in members {
                        results[i] = Some(Err(e.clone()));
                    }
                }
            }
        }
        Ok(results
            .into_iter()
            .map(|r| r.expect("every item is answered or failed"))
            .collect())
    }

    async fn leader_of(&self, tp: &TopicPartition) -> Result<i32> {
        let topic = self.client.topic_metadata(&tp.topic).await?;
        let context = || ErrorContext::partition(ApiKey::Metadata, &tp.topic, tp.partition);
        let partition = usize::try_from(tp.partition)
            .ok()
            .and_then(|p| topic.partitions.get(p))
            .ok_or_else(|| {
                Error::kafka(
                    ErrorCode::UnknownTopicOrPartition,
                    context().with_message(Some(format!(
                        "topic {} has {} partitions",
                        tp.topic,
                        topic.partition_count()
                    ))),
                )
            })?;
        partition
            .leader()
            .ok_or_else(|| Error::kafka(ErrorCode::LeaderNotAvailable, context()))
    }
}

async fn list_offsets_on(
    conn: Arc<Connection>,
    items: Vec<(TopicPartition, OffsetSpec)>,
    isolation: IsolationLevel,
) -> Result<Vec<Result<ListedOffset>>> {
    let mut topics: BTreeMap<&str, Vec<ListOffsetsPartition>> = BTreeMap::new();
    for (tp, spec) in &items {
        topics.entry(&tp.topic).or_default().push(
            ListOffsetsPartition::default()
                .with_partition_index(tp.partition)
                .with_current_leader_epoch(-1)
                .with_timestamp(spec.wire()),
        );
    }
    let request = ListOffsetsRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_isolation_level(match isolation {
            IsolationLevel::ReadUncommitted => 0,
            IsolationLevel::ReadCommitted => 1,
        })
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
    let version = conn.version_for::<ListOffsetsRequest>(Some(LIST_OFFSETS_VERSION_CAP))?;
    let response = conn.request_at(&request, version).await?;
    let answers = response.topics.into_iter().flat_map(|t| {
        let topic = t.name.0.to_string();
        t.partitions.into_iter().map(move |p| (topic.clone(), p))
    });
    let answers = by_partition(answers, |p| p.partition_index);
    Ok(answer_each(
        &items,
        answers,
        ApiKey::ListOffsets,
        |p| p.error_code,
        |spec, p| {
            let by_time = matches!(spec, OffsetSpec::Timestamp(_) | OffsetSpec::MaxTimestamp);
            ListedOffset {
                offset: (p.offset >= 0).then_some(p.offset),
                timestamp_ms: (by_time && p.timestamp >= 0).then_some(p.timestamp),
                leader_epoch: (p.leader_epoch >= 0).then_some(p.leader_epoch),
            }
        },
    ))
}

async fn delete_records_on(
    conn: Arc<Connection>,
    items: Vec<(TopicPartition, i64)>,
    timeout_ms: i32,
) -> Result<Vec<Result<i64>>> {
    let mut topics: BTreeMap<&str, Vec<DeleteRecordsPartition>> = BTreeMap::new();
    for (tp, before) in &items {
        topics.entry(&tp.topic).or_default().push(
            DeleteRecordsPartition::default()
                .with_partition_index(tp.partition)
                .with_offset(*before),
        );
    }
    let request = DeleteRecordsRequest::default()
        .with_timeout_ms(timeout_ms)
        .with_topics(
            topics
                .into_iter()
                .map(|(name, partitions)| {
                    DeleteRecordsTopic::default()
                        .with_name(topic_name(name))
                        .with_partitions(partitions)
                })
                .collect(),
        );
    let response = conn.request(&request).await?;
    let answers = response.topics.into_iter().flat_map(|t| {
        let topic = t.name.0.to_string();
        t.partitions.into_iter().map(move |p| (topic.clone(), p))
    });
    let answers = by_partition(answers, |p| p.partition_index);
    Ok(answer_each(
        &items,
        answers,
        ApiKey::DeleteRecords,
        |p| p.error_code,
        |_, p| p.low_watermark,
    ))
}

/// A response's per-partition answers, keyed by topic and partition.
fn by_partition<P>(
    answers: impl Iterator<Item = (String, P)>,
    partition: impl Fn(&P) -> i32,
) -> BTreeMap<(String, i32), P> {
    answers
        .map(|(topic, p)| ((topic, partition(&p)), p))
        .collect()
}

/// One result per partition asked about, in the order asked: the answer's
/// error, or `read` of the answer. A partition the response left out is an
/// error, never a silent gap.
fn answer_each<I, P, T>(
    items: &[(TopicPartition, I)],
    mut answers: BTreeMap<(String, i32), P>,
    api_key: ApiKey,
    error_code: impl Fn(&P) -> i16,
    read: impl Fn(&I, P) -> T,
) -> Vec<Result<T>> {
    items
        .iter()
        .map(|(tp, item)| {
            let Some(answer) = answers.remove(&(tp.topic.clone(), tp.partition)) else {
                return Err(partition_left_out(api_key, tp));
            };
            match ErrorCode::try_from_code(error_code(&answer)) {
                Some(code) => Err(Error::kafka(
                    code,
                    ErrorContext::partition(api_key, &tp.topic, tp.partition),
                )),
                None => Ok(read(item, answer)),
            }
        })
        .collect()
}
