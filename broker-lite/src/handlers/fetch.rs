//! Fetch: v4–12, a long poll.
//!
//! The handler reads every requested partition; if that yields fewer than
//! `min_bytes` it sleeps until one of those partitions is appended to (one
//! `Notify` per fetch, registered with each of its partitions, which wake
//! only their own waiters) or `max_wait_ms` passes, then reads again. Reads start at the whole batch containing the fetch offset.
//! Limits follow KIP-74: the first partition with data returns at least one
//! whole batch even past `max_bytes`; later ones only what fits.
//!
//! A read_committed fetch stops at the last stable offset and lists the
//! aborted transactions its data overlaps, from the `.txnindex`; clients
//! drop those transactions' batches.
//!
//! Record sets are not read here: each answer carries, next to the
//! response, the segment-file ranges that fill its partitions' records
//! ([`FetchAnswer::file_sets`]); [`encode`] leaves holes for them in the
//! frame so the connection can `sendfile` them, or copies them in where it
//! cannot. The ranges hold their files open: a roll or a retention delete
//! after the read cannot change what is sent.
//!
//! Fetch sessions (KIP-227) are not offered: session id 0 in every answer
//! tells clients to send full fetches, which is always legal.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use kctl_client::protocol::api::ApiKey;
use kctl_client::protocol::messages::fetch_request::FetchTopic;
use kctl_client::protocol::messages::fetch_response::{
    AbortedTransaction, FetchableTopicResponse, PartitionData,
};
use kctl_client::protocol::messages::{BrokerId, FetchRequest, FetchResponse, ProducerId};
use kctl_client::protocol::spliced_fetch::{Splice, encode_fetch_response_with_holes};
use kctl_client::protocol::{ErrorCode, ProtocolError, header};
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::connection::Outgoing;
use crate::log::{FileSlice, LogError};
use crate::state::{BrokerState, Partition};

/// A Fetch response whose record sets are still in segment files.
#[derive(Debug)]
pub(super) struct FetchAnswer {
    /// Partitions named in `file_sets` have `records: None` until encoded.
    pub response: FetchResponse,
    /// `(topic index, partition index, range)` in response order.
    pub file_sets: Vec<(usize, usize, FileSlice)>,
}

impl FetchAnswer {
    fn without_records(response: FetchResponse) -> Self {
        Self {
            response,
            file_sets: Vec::new(),
        }
    }
}

pub(super) async fn handle(
    state: &Arc<BrokerState>,
    request: FetchRequest,
    version: i16,
) -> FetchAnswer {
    if version >= 7 && request.session_id != 0 {
        // We never hand out session ids, so any id is unknown.
        return FetchAnswer::without_records(
            FetchResponse::default().with_error_code(ErrorCode::FetchSessionIdNotFound.code()),
        );
    }
    let deadline =
        Instant::now() + Duration::from_millis(u64::try_from(request.max_wait_ms).unwrap_or(0));
    let min_bytes = usize::try_from(request.min_bytes).unwrap_or(0);
    // v3+ carries a response limit; i32::MAX stands for "none".
    let max_bytes = usize::try_from(request.max_bytes).unwrap_or(usize::MAX);
    // Registered before each read, so an append between that read and the
    // wait leaves a permit rather than being missed.
    let partitions = requested_partitions(state, &request.topics);
    let waiter = Arc::new(Notify::new());
    let read_committed = request.isolation_level == READ_COMMITTED;
    // A follower's fetch (replica id set) reports how far its log goes;
    // the leader records that once per request, before reading.
    let follower =
        (request.replica_id.0 >= 0 && state.cluster.is_some()).then_some(request.replica_id.0);
    if let (Some(node), Some(follower)) = (&state.cluster, follower) {
        for t in &request.topics {
            for p in &t.partitions {
                let name = t.topic.0.as_str();
                if let (Ok(meta), Some(partition)) = (
                    node.led_here(name, p.partition),
                    state
                        .topic(name)
                        .and_then(|topic| topic.partition(p.partition)),
                ) {
                    crate::cluster::on_follower_fetch(
                        node,
                        name,
                        &partition,
                        &meta,
                        follower,
                        p.fetch_offset,
                    );
                }
            }
        }
    }
    loop {
        for partition in &partitions {
            partition.wake_on_append(&waiter);
        }
        let round = read_all(
            state,
            &request.topics,
            max_bytes,
            read_committed,
            follower.is_some(),
            version,
        );
        let satisfied = round.bytes >= min_bytes.max(1) || round.has_error;
        if satisfied || partitions.is_empty() || Instant::now() >= deadline {
            return FetchAnswer {
                response: FetchResponse::default().with_responses(round.topics),
                file_sets: round.file_sets,
            };
        }
        tokio::select! {
            () = waiter.notified() => {}
            () = tokio::time::sleep_until(deadline) => {}
        }
    }
}

fn requested_partitions(state: &BrokerState, topics: &[FetchTopic]) -> Vec<Arc<Partition>> {
    topics
        .iter()
        .filter_map(|t| state.topic(t.topic.0.as_str()).map(|topic| (topic, t)))
        .flat_map(|(topic, t)| {
            t.partitions
                .iter()
                .filter_map(move |p| topic.partition(p.partition))
        })
        .collect()
}

struct Round {
    topics: Vec<FetchableTopicResponse>,
    file_sets: Vec<(usize, usize, FileSlice)>,
    bytes: usize,
    has_error: bool,
}

/// Appends the answer's frame to `out`: the record sets as file ranges
/// where `out` takes them, else copied from the files (a file that cannot
/// be read answers KAFKA_STORAGE_ERROR for its partition, as before).
pub(super) fn encode(
    out: &mut Outgoing,
    version: i16,
    correlation_id: i32,
    mut response: FetchResponse,
    file_sets: Vec<(usize, usize, FileSlice)>,
) -> Result<(), ProtocolError> {
    if out.takes_file_ranges() {
        let splices: Vec<Splice> = file_sets
            .iter()
            .map(|(topic, partition, slice)| Splice {
                topic: *topic,
                partition: *partition,
                len_bytes: slice.len_bytes(),
            })
            .collect();
        let holes = encode_fetch_response_with_holes(
            &mut out.bytes,
            version,
            correlation_id,
            &mut response,
            &splices,
        )?;
        for (at, (_, _, slice)) in holes.into_iter().zip(file_sets) {
            out.push_file_range(at, slice);
        }
        return Ok(());
    }
    for (topic, partition, slice) in file_sets {
        let Some(data) = response
            .responses
            .get_mut(topic)
            .and_then(|t| t.partitions.get_mut(partition))
        else {
            continue;
        };
        match slice.read_bytes() {
            Ok(records) => data.records = Some(records),
            Err(e) => {
                tracing::error!(path = %slice.path().display(), "read failed: {e}");
                data.error_code = ErrorCode::KafkaStorageError.code();
                data.records = Some(Bytes::new());
            }
        }
    }
    header::encode_response(
        &mut out.bytes,
        ApiKey::Fetch,
        version,
        correlation_id,
        &response,
    )
}

const READ_COMMITTED: i8 = 1;

/// Kafka's answer to a fetch naming a leader epoch other than the
/// partition's: older is FENCED_LEADER_EPOCH, newer UNKNOWN_LEADER_EPOCH.
fn check_leader(
    state: &BrokerState,
    topic: &str,
    index: i32,
    current_leader_epoch: i32,
) -> Result<(), ErrorCode> {
    let leader_epoch = match &state.cluster {
        Some(node) => node.led_here(topic, index)?.leader_epoch,
        None => super::SINGLE_NODE_LEADER_EPOCH,
    };
    if current_leader_epoch >= 0 && current_leader_epoch < leader_epoch {
        return Err(ErrorCode::FencedLeaderEpoch);
    }
    if current_leader_epoch > leader_epoch {
        return Err(ErrorCode::UnknownLeaderEpoch);
    }
    Ok(())
}

/// v12+: the last fetched epoch ended before the fetch offset here (or is
/// unknown): the fetcher's log diverged, and this is where it should cut
/// (Kafka's `validateFetchOffsetAndMaybeGetDivergingEpoch`).
fn diverging_epoch(
    log: &crate::log::PartitionLog,
    last_fetched_epoch: i32,
    fetch_offset: i64,
) -> Option<(i32, i64)> {
    if last_fetched_epoch < 0 {
        return None;
    }
    let (epoch, end_offset) = log.end_offset_for_epoch(last_fetched_epoch);
    (epoch < last_fetched_epoch || end_offset < fetch_offset).then_some((epoch, end_offset))
}

fn read_all(
    state: &BrokerState,
    topics: &[FetchTopic],
    max_bytes: usize,
    read_committed: bool,
    from_follower: bool,
    version: i16,
) -> Round {
    let mut remaining = max_bytes;
    let mut bytes = 0;
    let mut has_error = false;
    let mut file_sets = Vec::new();
    let topics = topics
        .iter()
        .enumerate()
        .map(|(topic_index, t)| {
            let topic = state.topic(t.topic.0.as_str());
            let partitions = t
                .partitions
                .iter()
                .enumerate()
                .map(|(partition_index, p)| {
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
                    if let Err(code) = check_leader(state, t.topic.0.as_str(), p.partition, p.current_leader_epoch) {
                        has_error = true;
                        return data.with_error_code(code.code()).with_high_watermark(-1).with_last_stable_offset(-1).with_log_start_offset(-1);
                    }
                    let limit = usize::try_from(p.partition_max_bytes).unwrap_or(0).min(remaining);
                    // KIP-74: only the first partition that returns data
                    // may exceed the limits, by at most one batch.
                    let first_with_data = bytes == 0;
                    let read = partition.with_log(|log| {
                        let log_start = log.log_start_offset();
                        // A replicated partition's consumers read below the
                        // high watermark; its followers up to the log end.
                        let high_watermark = match &state.cluster {
                            Some(node) => crate::cluster::consumer_end_offset(node, t.topic.0.as_str(), &partition, log_start).min(log.log_end_offset()),
                            None => log.log_end_offset(),
                        };
                        let read_end = if from_follower { log.log_end_offset() } else { high_watermark };
                        let last_stable = log.last_stable_offset().min(high_watermark);
                        let diverging = if version >= 12 { diverging_epoch(log, p.last_fetched_epoch, p.fetch_offset) } else { None };
                        let read = if diverging.is_some() {
                            log.read_until(p.fetch_offset.min(log.log_end_offset()), 0, p.fetch_offset.min(log.log_end_offset())).map(|r| (r, Vec::new()))
                        } else if read_committed {
                            log.read_committed_until(p.fetch_offset, limit, high_watermark)
                        } else {
                            log.read_until(p.fetch_offset, limit, read_end).map(|r| (r, Vec::new()))
                        };
                        ((log_start, high_watermark, last_stable, diverging), read)
                    });
                    let Some(((log_start, high_watermark, last_stable, diverging), read)) = read else {
                        has_error = true;
                        return data.with_error_code(ErrorCode::UnknownTopicOrPartition.code());
                    };
                    let mut data = data.with_high_watermark(high_watermark).with_last_stable_offset(last_stable).with_log_start_offset(log_start);
                    if let Some((epoch, end_offset)) = diverging {
                        has_error = true;
                        data.diverging_epoch = data.diverging_epoch.clone().with_epoch(epoch).with_end_offset(end_offset);
                    }
                    let read = read.map(|(plan, aborted)| {
                        (plan, aborted.into_iter().map(|t| AbortedTransaction::default().with_producer_id(ProducerId(t.producer_id)).with_first_offset(t.first_offset)).collect::<Vec<_>>())
                    });
                    let (read, data) = match read {
                        Ok((plan, aborted)) => (Ok(plan), data.with_aborted_transactions(Some(aborted))),
                        Err(e) => (Err(e), data),
                    };
                    match read {
                        Ok(plan) if plan.is_empty() => data,
                        Ok(plan) if first_with_data || plan.len_bytes() <= limit => {
                            let len_bytes = plan.len_bytes();
                            bytes += len_bytes;
                            remaining = remaining.saturating_sub(len_bytes);
                            if let Some(slice) = plan.file_slice() {
                                file_sets.push((topic_index, partition_index, slice.clone()));
                            }
                            // Filled by `encode`, from the file.
                            data.with_records(None)
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
        file_sets,
        bytes,
        has_error,
    }
}
