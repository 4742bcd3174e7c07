//! DescribeProducers: v0. Each partition's active producers from its
//! producer state: epoch, last sequence and timestamp, and the first offset
//! of an open transaction (what holds the last stable offset back).

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::messages::describe_producers_response::{
    PartitionResponse, ProducerState, TopicResponse,
};
use kctl_client::protocol::messages::{
    DescribeProducersRequest, DescribeProducersResponse, ProducerId,
};

use crate::state::BrokerState;
use crate::txn::COORDINATOR_EPOCH;

pub(super) fn handle(
    state: &BrokerState,
    request: DescribeProducersRequest,
    _version: i16,
) -> DescribeProducersResponse {
    let topics = request
        .topics
        .into_iter()
        .map(|t| {
            let topic = state.topic(t.name.0.as_str());
            let partitions = t
                .partition_indexes
                .iter()
                .map(|&index| {
                    let response = PartitionResponse::default().with_partition_index(index);
                    let described = topic
                        .as_ref()
                        .and_then(|topic| topic.partition(index))
                        .and_then(|p| p.with_log(|log| log.producer_state().describe()));
                    let Some(producers) = described else {
                        return response.with_error_code(ErrorCode::UnknownTopicOrPartition.code());
                    };
                    response.with_active_producers(
                        producers
                            .into_iter()
                            .map(|d| {
                                ProducerState::default()
                                    .with_producer_id(ProducerId(d.producer_id))
                                    .with_producer_epoch(i32::from(d.epoch))
                                    .with_last_sequence(d.last_sequence)
                                    .with_last_timestamp(d.last_timestamp_ms)
                                    .with_coordinator_epoch(if d.txn_first_offset.is_some() {
                                        COORDINATOR_EPOCH
                                    } else {
                                        -1
                                    })
                                    .with_current_txn_start_offset(d.txn_first_offset.unwrap_or(-1))
                            })
                            .collect(),
                    )
                })
                .collect();
            TopicResponse::default()
                .with_name(t.name)
                .with_partitions(partitions)
        })
        .collect();
    DescribeProducersResponse::default().with_topics(topics)
}
