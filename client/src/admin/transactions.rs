//! Transactions for tools: ListTransactions (every broker), DescribeTransactions
//! (the id's coordinator) and DescribeProducers (each partition's leader), as
//! `kafka-transactions.sh` and `rpk cluster txn` use them.

use std::sync::Arc;

use kafka_protocol::messages::describe_producers_request::TopicRequest;
use kafka_protocol::messages::{
    ApiKey, DescribeProducersRequest, DescribeTransactionsRequest, ListTransactionsRequest,
    ProducerId, TopicName, TransactionalId,
};

use super::{Admin, PartitionResult, TopicPartition};
use crate::client::CoordinatorKind;
use crate::connection::Connection;
use crate::error::{Error, ErrorCode, ErrorContext, Result};
use crate::offsets::partition_left_out;
use crate::protocol::StrBytes;

/// One transactional id as ListTransactions reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionListing {
    /// The producer's `transactional.id`.
    pub transactional_id: String,
    /// The producer id the coordinator gave that transactional id.
    pub producer_id: i64,
    /// Kafka's state name: Empty, Ongoing, PrepareCommit, PrepareAbort,
    /// CompleteCommit, CompleteAbort, Dead, PrepareEpochFence.
    pub state: String,
}

/// Which transactions to list; empty filters match everything.
#[derive(Debug, Clone, Default)]
pub struct ListTransactionsOptions {
    /// Keep only transactions in these states (Kafka's names, as in
    /// [`TransactionListing::state`]).
    pub states: Vec<String>,
    /// Keep only transactions of these producer ids.
    pub producer_ids: Vec<i64>,
}

/// One transactional id as its coordinator describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionDescription {
    /// The producer's `transactional.id`.
    pub transactional_id: String,
    /// The node id of the transaction coordinator that answered.
    pub coordinator_id: i32,
    /// Kafka's state name, as in [`TransactionListing::state`].
    pub state: String,
    /// The producer id the transactional id holds.
    pub producer_id: i64,
    /// Its current epoch; an older one is fenced.
    pub producer_epoch: i16,
    /// The producer's `transaction.timeout.ms`.
    pub timeout_ms: i32,
    /// When the open transaction began; `None` when none is open.
    pub start_time_ms: Option<i64>,
    /// The partitions in the open transaction.
    pub partitions: Vec<TopicPartition>,
}

/// A producer active on a partition (DescribeProducers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProducerState {
    /// The producer's id.
    pub producer_id: i64,
    /// Its epoch in the last batch it wrote here.
    pub producer_epoch: i32,
    /// The sequence number of the last record it wrote here.
    pub last_sequence: i32,
    /// The timestamp of its last batch here.
    pub last_timestamp_ms: i64,
    /// The coordinator epoch of the last transaction marker (−1 if none).
    pub coordinator_epoch: i32,
    /// The first offset of its open transaction here: what holds the
    /// partition's last stable offset back.
    pub current_txn_start_offset: Option<i64>,
}

impl Admin {
    /// Every transactional id of every broker's coordinator.
    ///
    /// ```no_run
    /// use kctl_client::admin::ListTransactionsOptions;
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// let ongoing = ListTransactionsOptions { states: vec!["Ongoing".into()], ..Default::default() };
    /// for t in admin.list_transactions(&ongoing).await? {
    ///     println!("{} (producer {}) {}", t.transactional_id, t.producer_id, t.state);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_transactions(
        &self,
        options: &ListTransactionsOptions,
    ) -> Result<Vec<TransactionListing>> {
        self.retrying("ListTransactions", || self.list_transactions_once(options))
            .await
    }

    async fn list_transactions_once(
        &self,
        options: &ListTransactionsOptions,
    ) -> Result<Vec<TransactionListing>> {
        let metadata = self.client.refresh_metadata().await?;
        let mut ids: Vec<i32> = metadata.brokers.keys().copied().collect();
        ids.sort_unstable();
        let asks = ids.iter().map(|&id| async move {
            let conn = self.broker_connection(id).await?;
            let request = ListTransactionsRequest::default()
                .with_state_filters(
                    options
                        .states
                        .iter()
                        .map(|s| StrBytes::from_string(s.clone()))
                        .collect(),
                )
                .with_producer_id_filters(
                    options
                        .producer_ids
                        .iter()
                        .map(|&p| ProducerId(p))
                        .collect(),
                )
                .with_duration_filter(-1);
            let response = conn.request(&request).await?;
            if let Some(code) = ErrorCode::try_from_code(response.error_code) {
                return Err(Error::kafka(
                    code,
                    ErrorContext::api(ApiKey::ListTransactions),
                ));
            }
            if let Some(unknown) = response.unknown_state_filters.first() {
                return Err(Error::Config(format!(
                    "unknown transaction state '{unknown}'"
                )));
            }
            Ok::<_, Error>(
                response
                    .transaction_states
                    .into_iter()
                    .map(|t| TransactionListing {
                        transactional_id: t.transactional_id.0.to_string(),
                        producer_id: t.producer_id.0,
                        state: t.transaction_state.to_string(),
                    })
                    .collect::<Vec<_>>(),
            )
        });
        let mut all = Vec::new();
        for answer in futures::future::join_all(asks).await {
            all.extend(answer?);
        }
        all.sort_by(|a, b| a.transactional_id.cmp(&b.transactional_id));
        Ok(all)
    }

    /// The coordinator's view of one transactional id; an unknown id is
    /// TRANSACTIONAL_ID_NOT_FOUND ([`Error::code`]).
    ///
    /// ```no_run
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// let txn = admin.describe_transaction("orders-pipeline").await?;
    /// println!("{} epoch {}: {:?}", txn.state, txn.producer_epoch, txn.partitions);
    /// # Ok(()) }
    /// ```
    pub async fn describe_transaction(
        &self,
        transactional_id: &str,
    ) -> Result<TransactionDescription> {
        self.retrying("DescribeTransactions", || {
            self.describe_transaction_once(transactional_id)
        })
        .await
    }

    async fn describe_transaction_once(
        &self,
        transactional_id: &str,
    ) -> Result<TransactionDescription> {
        let (coordinator_id, conn) = self
            .client
            .find_coordinator(CoordinatorKind::Transaction, transactional_id)
            .await?;
        let request =
            DescribeTransactionsRequest::default().with_transactional_ids(vec![TransactionalId(
                StrBytes::from_string(transactional_id.to_owned()),
            )]);
        let response = conn.request(&request).await?;
        let context = || {
            ErrorContext::api(ApiKey::DescribeTransactions)
                .with_message(Some(format!("transactional id '{transactional_id}'")))
        };
        let state = response
            .transaction_states
            .into_iter()
            .find(|s| s.transactional_id.0.as_str() == transactional_id)
            .ok_or_else(|| Error::kafka(ErrorCode::UnknownServerError, context()))?;
        if let Some(code) = ErrorCode::try_from_code(state.error_code) {
            return Err(Error::kafka(code, context()));
        }
        let mut partitions: Vec<TopicPartition> = state
            .topics
            .iter()
            .flat_map(|t| {
                t.partitions
                    .iter()
                    .map(|&p| TopicPartition::new(t.topic.0.to_string(), p))
            })
            .collect();
        partitions.sort();
        Ok(TransactionDescription {
            transactional_id: transactional_id.to_owned(),
            coordinator_id,
            state: state.transaction_state.to_string(),
            producer_id: state.producer_id.0,
            producer_epoch: state.producer_epoch,
            timeout_ms: state.transaction_timeout_ms,
            start_time_ms: (state.transaction_start_time_ms >= 0)
                .then_some(state.transaction_start_time_ms),
            partitions,
        })
    }

    /// The active producers of each partition of `topic`, from its leaders.
    ///
    /// ```no_run
    /// use kctl_client::ItemResults;
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// for p in admin.describe_producers("orders").await?.all()? {
    ///     for producer in p {
    ///         // An open transaction holds the last stable offset back.
    ///         println!("producer {} open at {:?}", producer.producer_id, producer.current_txn_start_offset);
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn describe_producers(
        &self,
        topic: &str,
    ) -> Result<Vec<PartitionResult<Vec<ProducerState>>>> {
        let metadata = self.client.topic_metadata(topic).await?;
        let items: Vec<(TopicPartition, ())> = (0..metadata.partition_count())
            .map(|p| (TopicPartition::new(topic, p), ()))
            .collect();
        let partitions: Vec<TopicPartition> = items.iter().map(|(tp, _)| tp.clone()).collect();
        let results = self.by_leader(items, describe_producers_on).await?;
        Ok(partitions
            .into_iter()
            .zip(results)
            .map(|(partition, result)| PartitionResult { partition, result })
            .collect())
    }
}

async fn describe_producers_on(
    conn: Arc<Connection>,
    group: Vec<(TopicPartition, ())>,
) -> Result<Vec<Result<Vec<ProducerState>>>> {
    let topic = group
        .first()
        .map(|(tp, _)| tp.topic.clone())
        .unwrap_or_default();
    let request = DescribeProducersRequest::default().with_topics(vec![
        TopicRequest::default()
            .with_name(TopicName(StrBytes::from_string(topic.to_string())))
            .with_partition_indexes(group.iter().map(|(tp, _)| tp.partition).collect()),
    ]);
    let response = conn.request(&request).await?;
    Ok(group
        .iter()
        .map(|(tp, _)| {
            let answer = response
                .topics
                .iter()
                .filter(|t| t.name.0.as_str() == &*tp.topic)
                .flat_map(|t| &t.partitions)
                .find(|p| p.partition_index == tp.partition)
                .ok_or_else(|| partition_left_out(ApiKey::DescribeProducers, tp))?;
            if let Some(code) = ErrorCode::try_from_code(answer.error_code) {
                return Err(Error::kafka(
                    code,
                    ErrorContext::partition(ApiKey::DescribeProducers, &tp.topic, tp.partition)
                        .with_message(answer.error_message.as_ref().map(|m| m.to_string())),
                ));
            }
            let mut producers: Vec<ProducerState> = answer
                .active_producers
                .iter()
                .map(|p| ProducerState {
                    producer_id: p.producer_id.0,
                    producer_epoch: p.producer_epoch,
                    last_sequence: p.last_sequence,
                    last_timestamp_ms: p.last_timestamp,
                    coordinator_epoch: p.coordinator_epoch,
                    current_txn_start_offset: (p.current_txn_start_offset >= 0)
                        .then_some(p.current_txn_start_offset),
                })
                .collect();
            producers.sort_by_key(|p| p.producer_id);
            Ok(producers)
        })
        .collect())
}
