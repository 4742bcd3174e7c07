//! Fetch: v4–12, a long poll.
//!
//! The handler reads every requested partition; if that yields fewer than
//! `min_bytes` it sleeps until one of those partitions is appended to (a
//! `watch` channel per partition) or `max_wait_ms` passes, then reads
//! again. Reads start at the whole batch containing the fetch offset.
//! Limits follow KIP-74: the first partition with data returns at least one
//! whole batch even past `max_bytes`; later ones only what fits.
//!
//! A read_committed fetch stops at the last stable offset and lists the
//! aborted transactions its data overlaps, from the `.txnindex`; clients
//! drop those transactions' batches.
//!
//! Fetch sessions (KIP-227) are not offered: session id 0 in every answer
//! tells clients to send full fetches, which is always legal.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::FutureExt;
use futures::future::select_all;
use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::messages::fetch_request::FetchTopic;
use kctl_client::protocol::messages::fetch_response::{
    AbortedTransaction, FetchableTopicResponse, PartitionData,
};
use kctl_client::protocol::messages::{BrokerId, FetchRequest, FetchResponse, ProducerId};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::log::LogError;
use crate::state::BrokerState;

pub(super) async fn handle(
    state: &Arc<BrokerState>,
    request: FetchRequest,
    version: i16,
) -> Option<FetchResponse> {
    if version >= 7 && request.session_id != 0 {
        // We never hand out session ids, so any id is unknown.
        return Some(
            FetchResponse::default().with_error_code(ErrorCode::FetchSessionIdNotFound.code()),
        );
    }
    let deadline =
        Instant::now() + Duration::from_millis(u64::try_from(request.max_wait_ms).unwrap_or(0));
    let min_bytes = usize::try_from(request.min_bytes).unwrap_or(0);
    // v3+ carries a response limit; i32::MAX stands for "none".
    let max_bytes = usize::try_from(request.max_bytes).unwrap_or(usize::MAX);
    // Subscribe before the first read, so an append between that read and
    // the wait is not missed.
    let mut watchers = subscribe(state, &request.topics);
    let read_committed = request.isolation_level == READ_COMMITTED;
    loop {
        let round = read_all(state, &request.topics, max_bytes, read_committed);
        let satisfied = round.bytes >= min_bytes.max(1) || round.has_error;
        if satisfied || watchers.is_empty() || Instant::now() >= deadline {
            return Some(FetchResponse::default().with_responses(round.topics));
        }
        for watcher in &mut watchers {
            watcher.borrow_and_update();
        }
        let appended = select_all(watchers.iter_mut().map(|w| w.changed().boxed()));
        tokio::select! {
            _ = appended => {}
            () = tokio::time::sleep_until(deadline) => {}
        }
    }
}

fn subscribe(state: &BrokerState, topics: &[FetchTopic]) -> Vec<watch::Receiver<i64>> {
    topics
        .iter()
        .filter_map(|t| state.topic(t.topic.0.as_str()).map(|topic| (topic, t)))
        .flat_map(|(topic, t)| {
            t.partitions
                .iter()
                .filter_map(move |p| topic.partition(p.partition))
        })
        .map(|p| p.subscribe())
        .collect()
}

struct Round {
    topics: Vec<FetchableTopicResponse>,
    bytes: usize,
    has_error: bool,
}

const READ_COMMITTED: i8 = 1;

fn read_all(
    state: &BrokerState,
    topics: &[FetchTopic],
    max_bytes: usize,
    read_committed: bool,
) -> Round {
    let mut remaining = max_bytes;
    let mut bytes = 0;
    let mut has_error = false;
    let topics = topics
        .iter()
        .map(|t| {
            let topic = state.topic(t.topic.0.as_str());
            let partitions = t
                .partitions
                .iter()
                .map(|p| {
                    let partition = topic.as_ref().and_then(|topic| topic.partition(p.partition));
                    let data = PartitionData::default()
                        .with_partition_index(p.partition)
                        .with_aborted_transactions(Some(Vec::new()))
                        .with_preferred_read_replica(BrokerId(-1))
                        .with_records(Some(Bytes::new()));
                    let Some(partition) = partition else {
                        has_error = true;
                        return data
                            .with_error_code(ErrorCode::UnknownTopicOrPartition.code())
                            .with_high_watermark(-1)
                            .with_last_stable_offset(-1)
                            .with_log_start_offset(-1);
                    };
                    let limit = usize::try_from(p.partition_max_bytes).unwrap_or(0).min(remaining);
                    // KIP-74: only the first partition that returns data
                    // may exceed the limits, by at most one batch.
                    let first_with_data = bytes == 0;
                    let read = partition.with_log(|log| {
                        let offsets = (log.log_start_offset(), log.log_end_offset(), log.last_stable_offset());
                        let read = if read_committed {
                            log.read_committed(p.fetch_offset, limit)
                        } else {
                            log.read(p.fetch_offset, limit).map(|r| (r, Vec::new()))
                        };
                        (offsets, read)
                    });
                    let Some(((log_start, log_end, last_stable), read)) = read else {
                        has_error = true;
                        return data.with_error_code(ErrorCode::UnknownTopicOrPartition.code());
                    };
                    let data = data.with_high_watermark(log_end).with_last_stable_offset(last_stable).with_log_start_offset(log_start);
                    let read = read.map(|(plan, aborted)| {
                        (plan, aborted.into_iter().map(|t| AbortedTransaction::default().with_producer_id(ProducerId(t.producer_id)).with_first_offset(t.first_offset)).collect::<Vec<_>>())
                    });
                    let (read, data) = match read {
                        Ok((plan, aborted)) => (Ok(plan), data.with_aborted_transactions(Some(aborted))),
                        Err(e) => (Err(e), data),
                    };
                    match read.and_then(|plan| plan.read_bytes()) {
                        Ok(records) if first_with_data || records.len() <= limit => {
                            bytes += records.len();
                            remaining = remaining.saturating_sub(records.len());
                            data.with_records(Some(records))
                        }
                        Ok(_) => data,
                        Err(LogError::OffsetOutOfRange { .. }) => {
                            has_error = true;
                            data.with_error_code(ErrorCode::OffsetOutOfRange.code())
                        }
                        Err(e) => {
                            has_error = true;
                            tracing::error!(topic = %t.topic.0.as_str(), partition = p.partition, "read failed: {e}");
                            data.with_error_code(ErrorCode::KafkaStorageError.code())
                        }
                    }
                })
                .collect();
            FetchableTopicResponse::default().with_topic(t.topic.clone()).with_partitions(partitions)
        })
        .collect();
    Round {
        topics,
        bytes,
        has_error,
    }
}
