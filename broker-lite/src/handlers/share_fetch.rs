//! ShareFetch and ShareAcknowledge v1-2 (KIP-932; v2 adds RENEW, KIP-1222).
//!
//! A ShareFetch first applies the acknowledgements it carries, then
//! acquires records for the member from every partition of its share
//! session: up to `max_records` in all and `max_bytes` of whole batches,
//! waiting up to `max_wait_ms` when nothing is available. The response
//! carries the batches and, in `AcquiredRecords`, which of their offsets
//! this member now holds (a batch may also contain offsets that are done
//! or held by others; the client delivers only the acquired ones, as
//! Kafka's does).
//!
//! Share sessions: epoch 0 opens one (and may not acknowledge), each next
//! request carries the next epoch, -1 acknowledges and closes it (releasing
//! what the member still holds). A session the broker does not know is
//! SHARE_SESSION_NOT_FOUND; a wrong epoch INVALID_SHARE_SESSION_EPOCH.
//!
//! RENEW (KIP-1222, as Kafka 4.2's `KafkaApis` and `SharePartition`): an
//! acknowledgement type 4, allowed only in a v2 request whose `IsRenewAck`
//! is set (otherwise that partition's acknowledgements are INVALID_REQUEST).
//! It restarts the record's lock for another
//! `group.share.record.lock.duration.ms`, leaving it acquired by the same
//! member with the same delivery count, and persists nothing; a record the
//! member does not hold is INVALID_RECORD_STATE. A ShareFetch with
//! `IsRenewAck` only acknowledges: it fetches nothing (the fetch could
//! outlast the renewed lock), and must say so with `MaxWaitMs`, `MinBytes`,
//! `MaxBytes` and `MaxRecords` all 0, or it is INVALID_REQUEST as a whole.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::FutureExt;
use futures::future::select_all;
use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::batch::BatchHeader;
use kctl_client::protocol::messages::share_acknowledge_response::{
    LeaderIdAndEpoch as AckLeader, NodeEndpoint as AckNodeEndpoint,
    PartitionData as AckPartitionData, ShareAcknowledgeTopicResponse,
};
use kctl_client::protocol::messages::share_fetch_response::{
    AcquiredRecords, LeaderIdAndEpoch, NodeEndpoint, PartitionData, ShareFetchableTopicResponse,
};
use kctl_client::protocol::messages::{
    BrokerId, ShareAcknowledgeRequest, ShareAcknowledgeResponse, ShareFetchRequest,
    ShareFetchResponse,
};
use kctl_client::protocol::share::{
    AcknowledgementBatch, FINAL_SHARE_SESSION_EPOCH, INITIAL_SHARE_SESSION_EPOCH, acquired_ranges,
};
use tokio::time::Instant;
use uuid::Uuid;

use super::str_bytes;
use crate::share::SessionRequest;
use crate::state::BrokerState;

/// What a fetch hands out when the request sets no `max_records` (Kafka's
/// client default, `max.poll.records`).
const DEFAULT_MAX_RECORDS: usize = 500;

type TopicPartition = (String, i32);
/// A partition's acknowledgement batches as sent: first, last, types.
type WireAcks = Vec<(TopicPartition, Vec<(i64, i64, Vec<i8>)>)>;

/// The acknowledgements of one request, by partition, decoded and checked.
struct Acks {
    batches: BTreeMap<TopicPartition, Vec<AcknowledgementBatch>>,
    /// Partitions whose batches were malformed (INVALID_REQUEST).
    invalid: Vec<TopicPartition>,
}

/// Topic ids to names, for the request's topics; unknown ids are left out.
fn names_by_id(state: &BrokerState, ids: impl Iterator<Item = Uuid>) -> BTreeMap<Uuid, String> {
    ids.filter_map(|id| state.topic_by_id(id).map(|t| (id, t.name.clone())))
        .collect()
}

/// Whether a request may carry RENEW: v2 with `IsRenewAck` set (Kafka
/// reads the flag only from v2 on).
fn renew_allowed(version: i16, is_renew_ack: bool) -> bool {
    version >= 2 && is_renew_ack
}

fn decode_acks<'a>(
    partitions: impl Iterator<Item = (TopicPartition, &'a [(i64, i64, Vec<i8>)])>,
    allow_renew: bool,
) -> Acks {
    let mut acks = Acks {
        batches: BTreeMap::new(),
        invalid: Vec::new(),
    };
    for (tp, wire) in partitions {
        if wire.is_empty() {
            continue;
        }
        let decoded: Result<Vec<_>, _> = wire
            .iter()
            .map(|(first, last, types)| {
                AcknowledgementBatch::from_wire(*first, *last, types, allow_renew)
            })
            .collect();
        match decoded {
            Ok(batches) => {
                acks.batches.entry(tp).or_default().extend(batches);
            }
            Err(e) => {
                tracing::debug!(topic = %tp.0, partition = tp.1, "malformed acknowledgement: {e}");
                acks.invalid.push(tp);
            }
        }
    }
    acks
}

/// Applies the acknowledgements; returns each partition's outcome code.
async fn apply_acks(
    state: &BrokerState,
    group_id: &str,
    member_id: &str,
    acks: &Acks,
) -> BTreeMap<TopicPartition, i16> {
    let mut outcomes = BTreeMap::new();
    for tp in &acks.invalid {
        outcomes.insert(tp.clone(), ErrorCode::InvalidRequest.code());
    }
    for (tp, batches) in &acks.batches {
        if outcomes.contains_key(tp) {
            continue;
        }
        let error = state
            .shares
            .acknowledge(group_id, member_id, &tp.0, tp.1, batches)
            .await;
        outcomes.insert(tp.clone(), error.map_or(0, |e| e.code()));
    }
    outcomes
}

fn leader(state: &BrokerState) -> (i32, i32) {
    (state.config.node_id, super::SINGLE_NODE_LEADER_EPOCH)
}

pub(super) async fn handle(
    state: &Arc<BrokerState>,
    peer: std::net::SocketAddr,
    request: ShareFetchRequest,
    version: i16,
) -> Option<ShareFetchResponse> {
    let top_error = |code: ErrorCode, message: &str| {
        Some(
            ShareFetchResponse::default()
                .with_error_code(code.code())
                .with_error_message(Some(str_bytes(message))),
        )
    };
    let (Some(group_id), Some(member_id)) = (&request.group_id, &request.member_id) else {
        return top_error(
            ErrorCode::InvalidRequest,
            "GroupId and MemberId are required.",
        );
    };
    let (group_id, member_id) = (group_id.0.to_string(), member_id.to_string());
    if group_id.is_empty() || member_id.is_empty() {
        return top_error(
            ErrorCode::InvalidRequest,
            "GroupId and MemberId are required.",
        );
    }
    let renew = renew_allowed(version, request.is_renew_ack);
    if renew
        && (request.max_wait_ms != 0
            || request.min_bytes != 0
            || request.max_bytes != 0
            || request.max_records != 0)
    {
        return top_error(
            ErrorCode::InvalidRequest,
            "MaxWaitMs, MinBytes, MaxBytes and MaxRecords must be 0 when IsRenewAck is set.",
        );
    }
    let epoch = request.share_session_epoch;
    let names = names_by_id(
        state,
        request
            .topics
            .iter()
            .map(|t| t.topic_id)
            .chain(request.forgotten_topics_data.iter().map(|t| t.topic_id)),
    );
    let mut unknown: Vec<(Uuid, i32)> = Vec::new();
    let mut added: Vec<TopicPartition> = Vec::new();
    let mut wire_acks: WireAcks = Vec::new();
    for topic in &request.topics {
        for p in &topic.partitions {
            let Some(name) = names.get(&topic.topic_id) else {
                unknown.push((topic.topic_id, p.partition_index));
                continue;
            };
            let tp = (name.clone(), p.partition_index);
            added.push(tp.clone());
            wire_acks.push((
                tp,
                p.acknowledgement_batches
                    .iter()
                    .map(|b| (b.first_offset, b.last_offset, b.acknowledge_types.clone()))
                    .collect(),
            ));
        }
    }
    let has_acks = wire_acks.iter().any(|(_, b)| !b.is_empty());
    if epoch == INITIAL_SHARE_SESSION_EPOCH && has_acks {
        return top_error(
            ErrorCode::InvalidRequest,
            "Acknowledge data present on initial share fetch request.",
        );
    }
    let forgotten: Vec<TopicPartition> = request
        .forgotten_topics_data
        .iter()
        .filter_map(|t| names.get(&t.topic_id).map(|n| (n, &t.partitions)))
        .flat_map(|(n, ps)| ps.iter().map(move |p| (n.clone(), *p)))
        .collect();
    let session = match state.shares.session(
        SessionRequest::ShareFetch,
        peer,
        &group_id,
        &member_id,
        epoch,
        &added,
        &forgotten,
    ) {
        Ok(partitions) => partitions,
        Err(code) => return top_error(code, code_message(code)),
    };
    let acks = decode_acks(
        wire_acks.iter().map(|(tp, b)| (tp.clone(), b.as_slice())),
        renew,
    );
    let ack_outcomes = apply_acks(state, &group_id, &member_id, &acks).await;
    let mut partitions: BTreeMap<TopicPartition, PartitionData> = BTreeMap::new();
    let (leader_id, leader_epoch) = leader(state);
    let blank = |index: i32| {
        PartitionData::default()
            .with_partition_index(index)
            .with_current_leader(
                LeaderIdAndEpoch::default()
                    .with_leader_id(leader_id)
                    .with_leader_epoch(leader_epoch),
            )
            .with_records(Some(Bytes::new()))
    };
    for (tp, code) in &ack_outcomes {
        partitions.insert(tp.clone(), blank(tp.1).with_acknowledge_error_code(*code));
    }
    if epoch == FINAL_SHARE_SESSION_EPOCH {
        state.shares.close_session(&group_id, &member_id).await;
    } else if renew {
        // Acknowledgements only: a renewing fetch acquires nothing.
    } else {
        let max_records = usize::try_from(request.max_records)
            .ok()
            .filter(|&n| n > 0)
            .unwrap_or(DEFAULT_MAX_RECORDS);
        let max_bytes = usize::try_from(request.max_bytes)
            .ok()
            .filter(|&n| n > 0)
            .unwrap_or(usize::MAX);
        let deadline =
            Instant::now() + Duration::from_millis(u64::try_from(request.max_wait_ms).unwrap_or(0));
        let mut watchers: Vec<_> = session
            .iter()
            .filter_map(|(t, p)| state.topic(t).and_then(|t| t.partition(*p)))
            .map(|p| p.subscribe())
            .collect();
        loop {
            let acquirable = state.shares.acquirable.notified();
            tokio::pin!(acquirable);
            acquirable.as_mut().enable();
            for w in &mut watchers {
                w.borrow_and_update();
            }
            let fetched = fetch_round(
                state,
                &group_id,
                &member_id,
                &session,
                max_records,
                max_bytes,
            )
            .await;
            let got_any = !fetched.is_empty();
            for (tp, data) in fetched {
                let entry = partitions.remove(&tp).unwrap_or_else(|| blank(tp.1));
                partitions.insert(
                    tp,
                    entry
                        .with_error_code(data.error_code)
                        .with_records(data.records)
                        .with_acquired_records(data.acquired_records),
                );
            }
            if got_any || Instant::now() >= deadline {
                break;
            }
            let appended = async {
                if watchers.is_empty() {
                    std::future::pending::<()>().await
                } else {
                    let _ = select_all(watchers.iter_mut().map(|w| w.changed().boxed())).await;
                }
            };
            tokio::select! {
                () = appended => {}
                () = &mut acquirable => {}
                () = tokio::time::sleep_until(deadline) => {}
            }
        }
    }
    let mut topics: BTreeMap<Uuid, Vec<PartitionData>> = BTreeMap::new();
    for ((name, _), data) in partitions {
        if let Some(topic) = state.topic(&name) {
            topics.entry(topic.id).or_default().push(data);
        }
    }
    for (id, index) in unknown {
        topics.entry(id).or_default().push(
            blank(index)
                .with_error_code(ErrorCode::UnknownTopicId.code())
                .with_current_leader(
                    LeaderIdAndEpoch::default()
                        .with_leader_id(-1)
                        .with_leader_epoch(-1),
                ),
        );
    }
    let (host, port) = &state.advertised;
    Some(
        ShareFetchResponse::default()
            .with_acquisition_lock_timeout_ms(state.shares.lock_duration_ms(&group_id))
            .with_responses(
                topics
                    .into_iter()
                    .map(|(id, partitions)| {
                        ShareFetchableTopicResponse::default()
                            .with_topic_id(id)
                            .with_partitions(partitions)
                    })
                    .collect(),
            )
            .with_node_endpoints(vec![
                NodeEndpoint::default()
                    .with_node_id(BrokerId(leader_id))
                    .with_host(str_bytes(host.clone()))
                    .with_port(i32::from(*port)),
            ]),
    )
}

/// One pass over the session's partitions: acquires what is available.
/// Returns only the partitions that acquired something (or failed).
async fn fetch_round(
    state: &BrokerState,
    group_id: &str,
    member_id: &str,
    session: &[TopicPartition],
    max_records: usize,
    max_bytes: usize,
) -> Vec<(TopicPartition, PartitionData)> {
    let mut records_left = max_records;
    let mut bytes_left = max_bytes;
    let mut out = Vec::new();
    let mut wrote = false;
    for (topic, index) in session {
        if records_left == 0 || bytes_left == 0 {
            break;
        }
        let Some(partition) = state.topic(topic).and_then(|t| t.partition(*index)) else {
            out.push((
                (topic.clone(), *index),
                PartitionData::default()
                    .with_partition_index(*index)
                    .with_error_code(ErrorCode::UnknownTopicOrPartition.code()),
            ));
            continue;
        };
        let Some((log_start, high_watermark)) = readable_bounds(state, topic, &partition) else {
            continue;
        };
        let (next, _, created) = state.shares.acquire(
            group_id,
            member_id,
            topic,
            *index,
            log_start,
            high_watermark,
            None,
            0,
        );
        wrote |= created;
        let Some(next) = next.filter(|&n| n < high_watermark) else {
            continue;
        };
        let read = partition.with_log(|log| {
            log.read_until(next, bytes_left, high_watermark)
                .and_then(|plan| plan.read_bytes())
        });
        let Some(Ok(bytes)) = read else {
            continue;
        };
        let Some(fetched) = batches_span(&bytes) else {
            continue;
        };
        let (_, acquired, logged) = state.shares.acquire(
            group_id,
            member_id,
            topic,
            *index,
            log_start,
            high_watermark,
            Some(fetched.start..fetched.end.min(high_watermark)),
            records_left,
        );
        wrote |= logged;
        if acquired.is_empty() {
            continue;
        }
        let bytes = acquired_batches(bytes, &acquired);
        records_left = records_left.saturating_sub(acquired.len());
        bytes_left = bytes_left.saturating_sub(bytes.len());
        let ranges = acquired_ranges(acquired)
            .into_iter()
            .map(|r| {
                AcquiredRecords::default()
                    .with_first_offset(r.first_offset)
                    .with_last_offset(r.last_offset)
                    .with_delivery_count(r.delivery_count)
            })
            .collect();
        out.push((
            (topic.clone(), *index),
            PartitionData::default()
                .with_partition_index(*index)
                .with_records(Some(bytes))
                .with_acquired_records(ranges),
        ));
    }
    state.shares.acquired(wrote).await;
    out
}

/// The offsets the whole batches in `bytes` cover (first batch's base
/// offset to the offset after the last one), or `None` if there is none.
/// What a share consumer may read of `partition`: its log start offset and
/// its high watermark (in a cluster, the replicated one). `None` when the
/// partition has no log here. Also the end offset KIP-1226's lag is measured
/// against (Kafka lists the latest offset, read_uncommitted).
pub(super) fn readable_bounds(
    state: &BrokerState,
    topic: &str,
    partition: &crate::state::Partition,
) -> Option<(i64, i64)> {
    partition.with_log(|log| {
        let log_start = log.log_start_offset();
        let high_watermark = match &state.cluster {
            Some(node) => crate::cluster::consumer_end_offset(node, topic, partition, log_start)
                .min(log.log_end_offset()),
            None => log.log_end_offset(),
        };
        (log_start, high_watermark)
    })
}

fn batches_span(bytes: &[u8]) -> Option<std::ops::Range<i64>> {
    let mut position = 0;
    let mut span: Option<std::ops::Range<i64>> = None;
    while position < bytes.len() {
        let Ok(header) = BatchHeader::parse(&bytes[position..]) else {
            break;
        };
        let size = header.total_bytes();
        if size == 0 || position + size > bytes.len() {
            break;
        }
        let start = span.as_ref().map_or(header.base_offset, |s| s.start);
        span = Some(start..header.next_offset());
        position += size;
    }
    span
}

/// The whole batches of `bytes` that hold an acquired offset. The log read
/// is bounded by the request's `max_bytes` (50 MiB from Java's and our
/// clients), not by `max_records`: without this, every fetch of 500
/// records sent the rest of the log too, and draining a partition cost
/// time quadratic in its length. Kafka slices its share fetch responses
/// the same way.
fn acquired_batches(bytes: Bytes, acquired: &[(i64, i16)]) -> Bytes {
    let (Some(first), Some(last)) = (
        acquired.iter().map(|(o, _)| *o).min(),
        acquired.iter().map(|(o, _)| *o).max(),
    ) else {
        return bytes.slice(0..0);
    };
    let mut position = 0;
    let mut start = None;
    let mut end = 0;
    while position < bytes.len() {
        let Ok(header) = BatchHeader::parse(&bytes[position..]) else {
            break;
        };
        let size = header.total_bytes();
        if size == 0 || position + size > bytes.len() || header.base_offset > last {
            break;
        }
        if header.last_offset() >= first {
            start.get_or_insert(position);
            end = position + size;
        }
        position += size;
    }
    match start {
        Some(start) => bytes.slice(start..end),
        None => bytes.slice(0..0),
    }
}

fn code_message(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::ShareSessionNotFound => "The share session was not found.",
        ErrorCode::InvalidShareSessionEpoch => "The share session epoch is invalid.",
        _ => "The request was refused.",
    }
}

pub(super) async fn acknowledge(
    state: &BrokerState,
    peer: std::net::SocketAddr,
    request: ShareAcknowledgeRequest,
    version: i16,
) -> Option<ShareAcknowledgeResponse> {
    let top_error = |code: ErrorCode, message: &str| {
        Some(
            ShareAcknowledgeResponse::default()
                .with_error_code(code.code())
                .with_error_message(Some(str_bytes(message))),
        )
    };
    let (Some(group_id), Some(member_id)) = (&request.group_id, &request.member_id) else {
        return top_error(
            ErrorCode::InvalidRequest,
            "GroupId and MemberId are required.",
        );
    };
    let (group_id, member_id) = (group_id.0.to_string(), member_id.to_string());
    if group_id.is_empty() || member_id.is_empty() {
        return top_error(
            ErrorCode::InvalidRequest,
            "GroupId and MemberId are required.",
        );
    }
    let epoch = request.share_session_epoch;
    if let Err(code) = state.shares.session(
        SessionRequest::ShareAcknowledge,
        peer,
        &group_id,
        &member_id,
        epoch,
        &[],
        &[],
    ) {
        return top_error(code, code_message(code));
    }
    let names = names_by_id(state, request.topics.iter().map(|t| t.topic_id));
    let mut unknown = Vec::new();
    let mut wire_acks: WireAcks = Vec::new();
    for topic in &request.topics {
        for p in &topic.partitions {
            let Some(name) = names.get(&topic.topic_id) else {
                unknown.push((topic.topic_id, p.partition_index));
                continue;
            };
            wire_acks.push((
                (name.clone(), p.partition_index),
                p.acknowledgement_batches
                    .iter()
                    .map(|b| (b.first_offset, b.last_offset, b.acknowledge_types.clone()))
                    .collect(),
            ));
        }
    }
    let acks = decode_acks(
        wire_acks.iter().map(|(tp, b)| (tp.clone(), b.as_slice())),
        renew_allowed(version, request.is_renew_ack),
    );
    let outcomes = apply_acks(state, &group_id, &member_id, &acks).await;
    if epoch == FINAL_SHARE_SESSION_EPOCH {
        state.shares.close_session(&group_id, &member_id).await;
    }
    let (leader_id, leader_epoch) = leader(state);
    let current = AckLeader::default()
        .with_leader_id(leader_id)
        .with_leader_epoch(leader_epoch);
    let mut topics: BTreeMap<Uuid, Vec<AckPartitionData>> = BTreeMap::new();
    for ((name, index), code) in outcomes {
        if let Some(topic) = state.topic(&name) {
            topics.entry(topic.id).or_default().push(
                AckPartitionData::default()
                    .with_partition_index(index)
                    .with_error_code(code)
                    .with_current_leader(current.clone()),
            );
        }
    }
    for (id, index) in unknown {
        topics.entry(id).or_default().push(
            AckPartitionData::default()
                .with_partition_index(index)
                .with_error_code(ErrorCode::UnknownTopicId.code())
                .with_current_leader(
                    AckLeader::default()
                        .with_leader_id(-1)
                        .with_leader_epoch(-1),
                ),
        );
    }
    let (host, port) = &state.advertised;
    Some(
        ShareAcknowledgeResponse::default()
            // v2 (KIP-1222): how long a renewed lock now lasts.
            .with_acquisition_lock_timeout_ms(state.shares.lock_duration_ms(&group_id))
            .with_responses(
                topics
                    .into_iter()
                    .map(|(id, partitions)| {
                        ShareAcknowledgeTopicResponse::default()
                            .with_topic_id(id)
                            .with_partitions(partitions)
                    })
                    .collect(),
            )
            .with_node_endpoints(vec![
                AckNodeEndpoint::default()
                    .with_node_id(BrokerId(leader_id))
                    .with_host(str_bytes(host.clone()))
                    .with_port(i32::from(*port)),
            ]),
    )
}

#[cfg(test)]
mod tests {
    use bytes::BytesMut;
    use kctl_client::protocol::batch::set_base_offset;
    use kctl_client::protocol::record_batch::{BatchBuilder, BatchParams};

    use super::*;

    /// Batches of `records` records each, at consecutive offsets from 0.
    fn log(batches: usize, records: usize) -> (Bytes, Vec<usize>) {
        let mut out = BytesMut::new();
        let mut starts = Vec::new();
        for b in 0..batches {
            let mut builder = BatchBuilder::new(1_700_000_000_000, 0);
            for _ in 0..records {
                builder.append(1_700_000_000_000, None, Some(b"job"), &[]);
            }
            let mut batch = BytesMut::new();
            builder.encode(&mut batch, &BatchParams::default()).unwrap();
            set_base_offset(&mut batch, (b * records) as i64);
            starts.push(out.len());
            out.extend_from_slice(&batch);
        }
        starts.push(out.len());
        (out.freeze(), starts)
    }

    #[test]
    fn a_response_carries_only_the_batches_with_acquired_offsets() {
        let (bytes, starts) = log(5, 10);
        // Offsets 12..=27 (batches 1 and 2), offset 20 held by another
        // member: batches 1 and 2 go, not 0, 3 or 4.
        let acquired: Vec<(i64, i16)> = (12..28).filter(|&o| o != 20).map(|o| (o, 1)).collect();
        let sliced = acquired_batches(bytes.clone(), &acquired);
        assert_eq!(sliced, bytes.slice(starts[1]..starts[3]));
        assert_eq!(batches_span(&sliced), Some(10..30));
        // One offset at the very end; nothing acquired.
        assert_eq!(
            acquired_batches(bytes.clone(), &[(49, 2)]),
            bytes.slice(starts[4]..starts[5])
        );
        assert!(acquired_batches(bytes, &[]).is_empty());
    }
}
