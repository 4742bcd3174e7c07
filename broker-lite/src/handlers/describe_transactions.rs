//! DescribeTransactions: v0. The coordinator's view of each transactional
//! id; an unknown one gets TRANSACTIONAL_ID_NOT_FOUND.

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::messages::describe_transactions_response::{
    TopicData, TransactionState,
};
use kctl_client::protocol::messages::{
    DescribeTransactionsRequest, DescribeTransactionsResponse, ProducerId, TopicName,
};

use super::str_bytes;
use crate::state::BrokerState;

pub(super) fn handle(
    state: &BrokerState,
    request: DescribeTransactionsRequest,
    _version: i16,
) -> DescribeTransactionsResponse {
    let states = request
        .transactional_ids
        .into_iter()
        .map(|id| {
            let Some(meta) = state.txns.describe(id.0.as_str()) else {
                return TransactionState::default()
                    .with_transactional_id(id)
                    .with_error_code(ErrorCode::TransactionalIdNotFound.code())
                    .with_transaction_state(str_bytes(""))
                    .with_transaction_timeout_ms(0)
                    .with_transaction_start_time_ms(-1)
                    .with_producer_id(ProducerId(-1))
                    .with_producer_epoch(-1);
            };
            let mut topics: Vec<TopicData> = Vec::new();
            for (topic, partition) in &meta.partitions {
                match topics.last_mut() {
                    Some(last) if last.topic.0.as_str() == topic => {
                        last.partitions.push(*partition)
                    }
                    _ => topics.push(
                        TopicData::default()
                            .with_topic(TopicName(str_bytes(topic.clone())))
                            .with_partitions(vec![*partition]),
                    ),
                }
            }
            TransactionState::default()
                .with_transactional_id(id)
                .with_transaction_state(str_bytes(meta.state.name()))
                .with_transaction_timeout_ms(meta.timeout_ms)
                .with_transaction_start_time_ms(meta.start_ms)
                .with_producer_id(ProducerId(meta.producer_id))
                .with_producer_epoch(meta.producer_epoch)
                .with_topics(topics)
        })
        .collect();
    DescribeTransactionsResponse::default().with_transaction_states(states)
}
