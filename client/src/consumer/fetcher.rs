//! One fetch task per leader broker.
//!
//! Each pass takes the fetchable partitions the broker leads (per the
//! current metadata), reserves the request's `max_bytes` from the buffer,
//! sends one Fetch and settles its answer: data goes to the buffer and moves
//! the partition's fetch offset past it, so the next pass (started at once)
//! fetches what follows while the application is still draining.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::fetch_response::PartitionData;
use kafka_protocol::messages::{ApiKey, BrokerId, FetchRequest, FetchResponse, TopicName};
use tokio::time::Instant;

use super::completed::{AbortedTxn, CompletedFetch, DecodeOptions};
use super::state::{Buffered, Inner, StartAt, State};
use super::validation::EpochEnd;
use super::{OffsetReset, TopicPartition};
use crate::error::{Error, ErrorCode, ErrorContext, RequestError, Result};
use crate::protocol::StrBytes;

/// How long an idle task sleeps when nothing wakes it; a safety net, as
/// every relevant change also kicks it.
const IDLE_WAKEUP: Duration = Duration::from_millis(500);

struct Planned {
    tp: TopicPartition,
    epoch: u64,
    fetch_offset: i64,
    leader_epoch: i32,
    /// The epoch of the last batch fetched, for the leader to check
    /// against its log (Fetch v12+ answers a diverging epoch).
    last_fetched_epoch: i32,
}

struct Plan {
    /// Marks the partitions' `in_flight`, so only this request clears it.
    request_id: u64,
    partitions: Vec<Planned>,
    max_bytes: usize,
}

enum Next {
    Fetch(Plan),
    Wait(Option<Instant>),
    Stop,
}

pub(crate) async fn run(inner: Arc<Inner>, broker_id: i32) {
    let mut changed = inner.changed.subscribe();
    let mut rotation = 0usize;
    loop {
        changed.borrow_and_update();
        match plan(&inner, broker_id, &mut rotation) {
            Next::Stop => return,
            Next::Fetch(plan) => {
                let result = send(&inner, broker_id, &plan).await;
                settle(&inner, plan, result);
            }
            Next::Wait(until) => {
                let until = until.unwrap_or_else(|| Instant::now() + IDLE_WAKEUP);
                tokio::select! {
                    r = changed.changed() => if r.is_err() { return },
                    () = tokio::time::sleep_until(until) => {}
                }
            }
        }
    }
}

fn plan(inner: &Inner, broker_id: i32, rotation: &mut usize) -> Next {
    let config = &inner.config;
    let metadata = inner.client.metadata();
    let now = Instant::now();
    let mut state = inner.lock();
    if state.closed {
        return Next::Stop;
    }
    let mut wake_at: Option<Instant> = None;
    let mut partitions = Vec::new();
    let mut leaders = HashSet::new();
    for (tp, p) in state.partitions.iter_mut() {
        let Some(meta) = metadata
            .topic(&tp.topic)
            .and_then(|t| t.partitions.get(usize::try_from(tp.partition).ok()?))
        else {
            continue;
        };
        leaders.extend(meta.leader());
        if meta.leader() != Some(broker_id) {
            continue;
        }
        // A new leader epoch holds the partition until its position is
        // validated (the manager sends OffsetForLeaderEpoch).
        p.observe_leader_epoch(meta.leader_epoch);
        if p.fetchable(now) {
            partitions.push(Planned {
                tp: tp.clone(),
                epoch: p.epoch,
                fetch_offset: p.fetch_offset,
                leader_epoch: meta.leader_epoch,
                last_fetched_epoch: p.fetched_epoch.unwrap_or(-1),
            });
        } else if let Some(at) = p.retry_at.filter(|at| *at > now) {
            wake_at = Some(wake_at.map_or(at, |w| w.min(at)));
        }
    }
    if partitions.is_empty() {
        return Next::Wait(wake_at);
    }
    // Each broker gets an equal share of the buffer for its request, so one
    // broker's long poll (or a broker that is down) cannot hold all of it
    // while the others wait.
    let share = (config.max_buffered_bytes / leaders.len().max(1)).max(1);
    let used = state.buffered_bytes + state.reserved_bytes;
    let room = config.max_buffered_bytes.saturating_sub(used);
    let max_bytes = config.fetch_max_bytes.min(share).min(room);
    if max_bytes < config.max_partition_fetch_bytes.min(share) {
        // Full: the application's draining kicks us when there is room.
        return Next::Wait(wake_at);
    }
    // Rotate which partitions come first, so the response limit does not
    // always favour the same ones.
    let len = partitions.len();
    partitions.rotate_left(*rotation % len);
    *rotation = rotation.wrapping_add(1);
    let request_id = state.new_epoch();
    for planned in &partitions {
        if let Some(p) = state.partitions.get_mut(&planned.tp) {
            p.in_flight = Some(request_id);
        }
    }
    state.reserved_bytes += max_bytes;
    Next::Fetch(Plan {
        request_id,
        partitions,
        max_bytes,
    })
}

async fn send(inner: &Inner, broker_id: i32, plan: &Plan) -> Result<FetchResponse> {
    let config = &inner.config;
    let broker = inner.client.broker(broker_id).ok_or_else(|| {
        Error::kafka(
            ErrorCode::LeaderNotAvailable,
            ErrorContext::api(ApiKey::Fetch),
        )
    })?;
    let conn = broker.get().await?;
    let version = conn.version_for::<FetchRequest>(None)?;
    let mut topics: Vec<FetchTopic> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for planned in &plan.partitions {
        let at = *index.entry(&planned.tp.topic).or_insert_with(|| {
            topics.push(
                FetchTopic::default().with_topic(TopicName(StrBytes::from_string(
                    planned.tp.topic.to_string(),
                ))),
            );
            topics.len() - 1
        });
        topics[at].partitions.push(
            FetchPartition::default()
                .with_partition(planned.tp.partition)
                .with_current_leader_epoch(planned.leader_epoch)
                .with_fetch_offset(planned.fetch_offset)
                .with_last_fetched_epoch(planned.last_fetched_epoch)
                .with_log_start_offset(-1)
                .with_partition_max_bytes(clamp_i32(config.max_partition_fetch_bytes)),
        );
    }
    let request = FetchRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_max_wait_ms(clamp_i32(config.fetch_max_wait_ms as usize))
        .with_min_bytes(clamp_i32(config.fetch_min_bytes))
        .with_max_bytes(clamp_i32(plan.max_bytes))
        .with_isolation_level(config.isolation_level.wire())
        // No fetch session (KIP-227): every request is a full fetch.
        .with_session_id(0)
        .with_session_epoch(-1)
        .with_topics(topics);
    inner.fetch_requests.fetch_add(1, Ordering::Relaxed);
    // Which partitions each request reads: tests (`kctl find` reads one)
    // and debugging check it with RUST_LOG=kctl_client::consumer=trace.
    tracing::trace!(
        broker = broker_id,
        partitions = %plan
            .partitions
            .iter()
            .map(|p| format!("{}@{}", p.tp, p.fetch_offset))
            .collect::<Vec<_>>()
            .join(","),
        "fetch"
    );
    match conn.request_at(&request, version).await {
        Ok(response) => Ok(response),
        Err(e) => {
            if matches!(e, RequestError::Timeout { .. }) {
                // A long poll past the request timeout means the stream is
                // not to be trusted; the next fetch reconnects.
                broker.reset();
            }
            Err(e.into())
        }
    }
}

fn clamp_i32(v: usize) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

/// What a partition's answer does to it.
enum Outcome {
    Data(Box<CompletedFetch>),
    Retry {
        stale_metadata: bool,
        error: Option<Error>,
    },
    Reset,
    /// The leader's log diverges from what was fetched (KIP-320).
    Diverged(EpochEnd),
    Fail(Error),
    Nothing,
}

fn settle(inner: &Inner, plan: Plan, result: Result<FetchResponse>) {
    let now = Instant::now();
    let mut state = inner.lock();
    state.reserved_bytes -= plan.max_bytes;
    let mut planned: HashMap<&TopicPartition, &Planned> =
        plan.partitions.iter().map(|p| (&p.tp, p)).collect();
    let mut wake_poll = false;
    let mut stale_metadata = false;
    let top_level = match result {
        Ok(response) => match ErrorCode::try_from_code(response.error_code) {
            None => Ok(response),
            Some(code) => Err(Error::kafka(code, ErrorContext::api(ApiKey::Fetch))),
        },
        Err(e) => Err(e),
    };
    match top_level {
        Err(error) => {
            tracing::debug!(%error, partitions = plan.partitions.len(), "fetch failed");
            stale_metadata = true;
            for p in &plan.partitions {
                if claim(&mut state, p, plan.request_id) {
                    apply(
                        inner,
                        &mut state,
                        p,
                        Outcome::Retry {
                            stale_metadata: true,
                            error: None,
                        },
                        now,
                    );
                }
            }
        }
        Ok(response) => {
            for topic in response.responses {
                for data in topic.partitions {
                    let tp = TopicPartition::new(topic.topic.0.as_str(), data.partition_index);
                    let Some(p) = planned.remove(&tp) else {
                        continue;
                    };
                    if !claim(&mut state, p, plan.request_id) {
                        continue;
                    }
                    let outcome = outcome(inner, p, data);
                    wake_poll |= matches!(
                        outcome,
                        Outcome::Data(_)
                            | Outcome::Fail(_)
                            | Outcome::Diverged(_)
                            | Outcome::Retry { error: Some(_), .. }
                    );
                    stale_metadata |= matches!(
                        outcome,
                        Outcome::Retry {
                            stale_metadata: true,
                            ..
                        }
                    );
                    apply(inner, &mut state, p, outcome, now);
                }
            }
            // Partitions the broker left out are simply fetched again.
            for p in planned.into_values() {
                claim(&mut state, p, plan.request_id);
            }
        }
    }
    if stale_metadata {
        state.metadata_stale = true;
    }
    drop(state);
    if wake_poll {
        inner.data_ready.notify_one();
    }
    if stale_metadata {
        inner.kick();
    }
}

/// Clears the partition's in-flight mark if this request set it; says
/// whether the answer still concerns the partition's current position.
fn claim(state: &mut State, p: &Planned, request_id: u64) -> bool {
    let Some(current) = state.partitions.get_mut(&p.tp) else {
        return false;
    };
    if current.in_flight == Some(request_id) {
        current.in_flight = None;
    }
    current.epoch == p.epoch
}

fn outcome(inner: &Inner, p: &Planned, data: PartitionData) -> Outcome {
    let config = &inner.config;
    match ErrorCode::try_from_code(data.error_code) {
        None if data.diverging_epoch.epoch >= 0 => Outcome::Diverged(EpochEnd {
            leader_epoch: data.diverging_epoch.epoch,
            end_offset: data.diverging_epoch.end_offset,
        }),
        None => {
            let records = data.records.unwrap_or_default();
            if records.is_empty() {
                return Outcome::Nothing;
            }
            inner
                .fetched_bytes
                .fetch_add(records.len() as u64, Ordering::Relaxed);
            let aborted = data
                .aborted_transactions
                .unwrap_or_default()
                .into_iter()
                .map(|a| AbortedTxn {
                    producer_id: a.producer_id.0,
                    first_offset: a.first_offset,
                })
                .collect();
            let size_bytes = records.len();
            let fetch = CompletedFetch::new(
                p.tp.clone(),
                p.epoch,
                records,
                p.fetch_offset,
                data.last_stable_offset,
                aborted,
                DecodeOptions {
                    isolation: config.isolation_level,
                    verify_crc: config.check_crcs,
                },
            );
            if fetch.has_whole_batch() {
                Outcome::Data(Box::new(fetch))
            } else {
                // A batch larger than we asked for, cut short: a broker
                // without KIP-74 behaviour. Waiting will not change it.
                Outcome::Fail(Error::RecordTooLarge {
                    size_bytes,
                    limit_name: "max.partition.fetch.bytes",
                    limit_bytes: config.max_partition_fetch_bytes,
                })
            }
        }
        Some(ErrorCode::OffsetOutOfRange) if config.auto_offset_reset != OffsetReset::None => {
            tracing::info!(tp = %p.tp, offset = p.fetch_offset, "offset out of range; resetting");
            Outcome::Reset
        }
        Some(ErrorCode::OffsetOutOfRange) => Outcome::Fail(Error::OffsetOutOfRange {
            topic: p.tp.topic.to_string(),
            partition: p.tp.partition,
            offset: p.fetch_offset,
        }),
        Some(code) => {
            let error = Error::kafka(
                code,
                ErrorContext::partition(ApiKey::Fetch, &p.tp.topic, p.tp.partition),
            );
            let stale_metadata = error.invalidates_metadata()
                || matches!(
                    code,
                    ErrorCode::ReplicaNotAvailable | ErrorCode::OffsetNotAvailable
                );
            // Leadership moves are routine; anything else the application
            // should hear about, while the partition keeps being retried.
            let surfaced = !stale_metadata && !code.is_retriable();
            Outcome::Retry {
                stale_metadata,
                error: surfaced.then_some(error),
            }
        }
    }
}

fn apply(inner: &Inner, state: &mut State, p: &Planned, outcome: Outcome, now: Instant) {
    let epoch = p.epoch;
    match outcome {
        Outcome::Nothing => {
            if let Some(current) = state.partitions.get_mut(&p.tp) {
                current.failures = 0;
            }
        }
        Outcome::Data(fetch) => {
            if let Some(current) = state.partitions.get_mut(&p.tp) {
                current.failures = 0;
                if let Some(leader_epoch) = fetch.last_fetched_leader_epoch() {
                    current.fetched_epoch = Some(leader_epoch);
                }
                match fetch.next_fetch_offset() {
                    Some(next) => current.fetch_offset = next,
                    // Everything fetched is past the last stable offset.
                    None => return,
                }
            }
            state.add_buffered(Buffered::Data(fetch));
        }
        Outcome::Reset => state.place(&p.tp, StartAt::Default, inner.config.auto_offset_reset),
        Outcome::Diverged(end) => {
            tracing::info!(tp = %p.tp, fetch_offset = p.fetch_offset, ?end, "diverging epoch");
            state.diverged(&p.tp, end, p.leader_epoch, inner.config.auto_offset_reset);
        }
        Outcome::Fail(error) => {
            if let Some(current) = state.partitions.get_mut(&p.tp) {
                current.failed = true;
            }
            state.add_buffered(Buffered::Error {
                tp: p.tp.clone(),
                epoch,
                error,
            });
        }
        Outcome::Retry { error, .. } => {
            if let Some(current) = state.partitions.get_mut(&p.tp) {
                current.failures += 1;
                current.retry_at = Some(now + inner.config.retry_backoff.delay(current.failures));
            }
            if let Some(error) = error {
                state.add_buffered(Buffered::Error {
                    tp: p.tp.clone(),
                    epoch,
                    error,
                });
            }
        }
    }
}
