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
use kafka_protocol::messages::{ApiKey, DeleteRecordsRequest};

use super::{Admin, PartitionResult};
use crate::connection::Connection;
use crate::error::{Error, ErrorCode, ErrorContext, Result};
use crate::offsets::{
    IsolationLevel, ListedOffset, OffsetQuery, OffsetSpec, TopicPartition, list_offsets_on,
    partition_left_out, topic_name,
};

impl Admin {
    /// Looks up offsets of many partitions at once, one request per leader.
    /// One result per requested partition, in order.
    ///
    /// ```no_run
    /// use kctl_client::{IsolationLevel, OffsetSpec, TopicPartition};
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// let tp = TopicPartition::new("orders", 0);
    /// let asks = [(tp.clone(), OffsetSpec::Earliest), (tp, OffsetSpec::Latest)];
    /// for listed in admin.list_offsets(&asks, IsolationLevel::ReadCommitted).await? {
    ///     println!("{}: {}", listed.partition, listed.result?);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_offsets(
        &self,
        partitions: &[(TopicPartition, OffsetSpec)],
        isolation: IsolationLevel,
    ) -> Result<Vec<PartitionResult<ListedOffset>>> {
        let results = self
            .per_item("ListOffsets", partitions.to_vec(), |batch| {
                self.by_leader(batch, |conn, group| {
                    list_offsets_at_leader(conn, group, isolation)
                })
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
    ///
    /// ```no_run
    /// use kctl_client::admin::ItemResults;
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// let tp = kctl_client::TopicPartition::new("orders", 0);
    /// let low = admin.delete_records(&[(tp, 100)]).await?.all()?;
    /// println!("partition 0 now starts at {}", low[0]);
    /// # Ok(()) }
    /// ```
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
        #[allow(
            clippy::expect_used,
            reason = "the loop above fills every slot: each item is in exactly one request, answered or failed"
        )]
        let results = results
            .into_iter()
            .map(|r| r.expect("every item is answered or failed"))
            .collect();
        Ok(results)
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

/// One ListOffsets to the leader of every partition in `items`.
async fn list_offsets_at_leader(
    conn: Arc<Connection>,
    items: Vec<(TopicPartition, OffsetSpec)>,
    isolation: IsolationLevel,
) -> Result<Vec<Result<ListedOffset>>> {
    let queries: Vec<OffsetQuery> = items
        .into_iter()
        .map(|(tp, spec)| OffsetQuery {
            tp,
            spec,
            // An admin call has no epoch to fence with.
            current_leader_epoch: -1,
        })
        .collect();
    list_offsets_on(&conn, &queries, isolation).await
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
            let Some(answer) = answers.remove(&(tp.topic.to_string(), tp.partition)) else {
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
