//! The producer's background task: seals batches, groups them by leader,
//! sends Produce requests and settles the responses.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kafka_protocol::messages::{ApiKey, ProduceRequest, ProduceResponse};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::time::Instant;

use super::accumulator::{Batch, BatchAck, PartitionQueue, TopicQueues, deliver};
use super::{EpochBump, Idempotence, Inner, ProducerIdentity};
use crate::connection::PendingResponse;
use crate::error::{Error, ErrorCode, ErrorContext, RequestError, Result};
use crate::protocol::produce::{ProduceFields, ProduceTopic, encode_produce_request};

/// How long the sender sleeps when nothing is scheduled; a safety net, as
/// every state change also wakes it.
const IDLE_WAKEUP: Duration = Duration::from_millis(100);
/// How soon to look again at partitions waiting for a leader.
const NO_LEADER_RECHECK: Duration = Duration::from_millis(50);

struct Outgoing {
    topic: Arc<TopicQueues>,
    batch: Batch,
    bytes: bytes::Bytes,
}

/// A Produce request on its way to one broker.
struct Job {
    batches: Vec<Outgoing>,
    permit: OwnedSemaphorePermit,
}

/// Per broker: the in-flight slots, and the sink that writes its requests.
struct BrokerSink {
    slots: Arc<Semaphore>,
    jobs: mpsc::UnboundedSender<Job>,
}

pub(crate) async fn run(inner: Arc<Inner>) {
    let mut sinks: HashMap<i32, BrokerSink> = HashMap::new();
    loop {
        let next_wakeup = drain(&inner, &mut sinks);
        if inner.closed.load(Ordering::Acquire)
            && inner.outstanding_batches.load(Ordering::Acquire) == 0
        {
            return;
        }
        let wait = next_wakeup.unwrap_or_else(|| Instant::now() + IDLE_WAKEUP);
        tokio::select! {
            () = inner.wake.notified() => {}
            () = tokio::time::sleep_until(wait) => {}
        }
    }
}

/// One pass over every partition: seals due batches, expires old ones and
/// dispatches what may be sent. Returns when to look again.
fn drain(inner: &Arc<Inner>, sinks: &mut HashMap<i32, BrokerSink>) -> Option<Instant> {
    let config = &inner.config;
    let now = Instant::now();
    let force = inner.flushes.load(Ordering::Acquire) > 0 || inner.closed.load(Ordering::Acquire);
    let linger = Duration::from_millis(config.linger_ms);
    let delivery_timeout = Duration::from_millis(config.delivery_timeout_ms);
    let metadata = inner.client.metadata();
    let mut next_wakeup: Option<Instant> = None;
    let mut wake_at =
        |at: Instant| next_wakeup = Some(next_wakeup.map_or(at, |n: Instant| n.min(at)));
    let mut requests: HashMap<i32, (Vec<Outgoing>, usize, OwnedSemaphorePermit)> = HashMap::new();
    let mut full_brokers: Vec<i32> = Vec::new();
    let mut expired: Vec<Arc<Mutex<PartitionQueue>>> = Vec::new();
    let mut need_metadata = false;
    // While an epoch bump is pending nothing is sent: batches stamped with
    // the old epoch must all settle first (librdkafka's drain), and new ones
    // must wait for the new epoch and sequence 0.
    let bump = inner
        .idempotence
        .as_ref()
        .map_or(EpochBump::Idle, |i| i.bump_state());
    let mut inflight_total = 0;

    for topic in inner.accumulator.all() {
        let topic_metadata = metadata.topic(&topic.name);
        for (index, slot) in topic.partitions.iter().enumerate() {
            let mut queue = crate::sync::lock(slot);
            if let Some(open) = &queue.open {
                let due = open.created_at() + linger;
                if force || due <= now {
                    queue.seal();
                } else {
                    wake_at(due);
                }
            }
            let mut any_expired = false;
            while queue
                .ready
                .front()
                .is_some_and(|b| b.created_at() + delivery_timeout <= now)
            {
                #[allow(clippy::expect_used, reason = "the loop condition saw a front batch")]
                let batch = queue.ready.pop_front().expect("front exists");
                let last = batch.last_error.clone().map(Box::new);
                queue.finish(
                    batch,
                    Err(Error::DeliveryTimeout {
                        timeout_ms: config.delivery_timeout_ms,
                        last,
                    }),
                );
                any_expired = true;
            }
            if any_expired {
                expired.push(Arc::clone(slot));
            }
            inflight_total += queue.inflight;
            if bump != EpochBump::Idle {
                continue;
            }
            let Some(front) = queue.ready.front() else {
                continue;
            };
            if let Some(at) = front.retry_at.filter(|at| *at > now) {
                wake_at(at);
                continue;
            }
            // A retried batch goes alone, so nothing overtakes it.
            let limit = if front.attempts > 0 {
                1
            } else {
                config.max_in_flight
            };
            if queue.inflight >= limit {
                continue;
            }
            let Some(leader) = topic_metadata
                .and_then(|t| t.partitions.get(index))
                .and_then(|p| p.leader())
            else {
                need_metadata = true;
                wake_at(now + NO_LEADER_RECHECK);
                continue;
            };
            if full_brokers.contains(&leader)
                || (queue.inflight > 0 && queue.inflight_broker != leader)
            {
                continue;
            }
            if let Some((batches, bytes, _)) = requests.get(&leader)
                && !batches.is_empty()
                && bytes + front.encoded_len() > config.max_request_size
            {
                // This request is full; the batch goes in the next one.
                wake_at(now);
                continue;
            }
            if let std::collections::hash_map::Entry::Vacant(slot) = requests.entry(leader) {
                // One request per broker per pass, each holding one of the
                // broker's max_in_flight slots until its response is settled.
                let sink = sinks.entry(leader).or_insert_with(|| {
                    let (jobs, queue) = mpsc::unbounded_channel();
                    tokio::spawn(sink(Arc::clone(inner), leader, queue));
                    BrokerSink {
                        slots: Arc::new(Semaphore::new(config.max_in_flight)),
                        jobs,
                    }
                });
                match Arc::clone(&sink.slots).try_acquire_owned() {
                    Ok(permit) => {
                        slot.insert((Vec::new(), 0, permit));
                    }
                    Err(_) => {
                        full_brokers.push(leader);
                        continue;
                    }
                }
            }
            #[allow(clippy::expect_used, reason = "the checks above saw a front batch")]
            let mut batch = queue.ready.pop_front().expect("front exists");
            let queue = &mut *queue;
            let bytes = match batch.encoded(inner, &mut queue.next_sequence) {
                Ok(bytes) => bytes,
                Err(e) => {
                    queue.finish(batch, Err(e));
                    expired.push(Arc::clone(slot));
                    continue;
                }
            };
            queue.inflight += 1;
            queue.inflight_broker = leader;
            #[allow(
                clippy::expect_used,
                reason = "the entry for this leader was just inserted"
            )]
            let (batches, total, _) = requests.get_mut(&leader).expect("request was just ensured");
            *total += bytes.len();
            batches.push(Outgoing {
                topic: Arc::clone(&topic),
                batch,
                bytes,
            });
        }
    }
    for slot in expired {
        deliver(inner, &slot);
    }
    if need_metadata {
        inner.client.request_metadata_refresh();
    }
    if bump == EpochBump::Draining
        && inflight_total == 0
        && inner
            .idempotence
            .as_ref()
            .is_some_and(Idempotence::start_bump)
    {
        tokio::spawn(bump_epoch(Arc::clone(inner)));
    }
    for (broker_id, (batches, _, permit)) in requests {
        if batches.is_empty() {
            continue;
        }
        #[allow(
            clippy::expect_used,
            reason = "a request is only planned for a broker with a sink"
        )]
        let sink = sinks
            .get(&broker_id)
            .expect("a sink exists for every request's broker");
        if let Err(unsent) = sink.jobs.send(Job { batches, permit }) {
            // The sink only stops when the producer's task does; settle the
            // batches rather than lose them.
            let Job { batches, permit } = unsent.0;
            tokio::spawn(finish(
                Arc::clone(inner),
                broker_id,
                batches,
                permit,
                Err(Error::ProducerClosed),
            ));
        }
    }
    next_wakeup
}

/// Writes one broker's requests strictly in the order the sender made them
/// (concurrent writers could swap two batches of a partition), then waits
/// for each response on its own task so requests stay pipelined.
async fn sink(inner: Arc<Inner>, broker_id: i32, mut jobs: mpsc::UnboundedReceiver<Job>) {
    while let Some(Job { batches, permit }) = jobs.recv().await {
        let submitted = submit(&inner, broker_id, by_topic(&batches)).await;
        let inner = Arc::clone(&inner);
        tokio::spawn(async move {
            let response = match submitted {
                Ok(Some(pending)) => pending.response().await.map(Some).map_err(Error::from),
                Ok(None) => Ok(None),
                Err(e) => Err(e),
            };
            finish(inner, broker_id, batches, permit, response).await;
        });
    }
}

async fn finish(
    inner: Arc<Inner>,
    broker_id: i32,
    batches: Vec<Outgoing>,
    permit: OwnedSemaphorePermit,
    response: Result<Option<ProduceResponse>>,
) {
    if let Err(e) = &response {
        if e.invalidates_metadata() {
            inner.client.request_metadata_refresh();
        }
        if matches!(e, Error::Request(RequestError::Timeout { .. }))
            && let Some(broker) = inner.client.broker(broker_id)
        {
            // Like Java: a connection that lost a response cannot be trusted
            // with the ordering of the next ones.
            broker.reset();
        }
    }
    drop(permit);
    for out in batches {
        let outcome = match &response {
            Err(e) => Err(e.clone()),
            Ok(None) => Ok(BatchAck::UNKNOWN),
            Ok(Some(r)) => partition_outcome(r, &out.topic.name, out.batch.partition),
        };
        settle(&inner, &out.topic, out.batch, outcome);
    }
    inner.wake.notify_one();
}

/// Writes the request; `None` for acks=0, which gets no response.
/// A request's batches by topic: `(topic, [(partition, batch bytes)])`.
type BatchesByTopic = Vec<(Arc<str>, Vec<(i32, bytes::Bytes)>)>;

/// The batches' bytes grouped by topic, in the order first seen.
fn by_topic(batches: &[Outgoing]) -> BatchesByTopic {
    let mut topics: BatchesByTopic = Vec::new();
    for out in batches {
        let partition = (out.batch.partition, out.bytes.clone());
        match topics.iter_mut().find(|(name, _)| *name == out.topic.name) {
            Some((_, partitions)) => partitions.push(partition),
            None => topics.push((Arc::clone(&out.topic.name), vec![partition])),
        }
    }
    topics
}

async fn submit(
    inner: &Inner,
    broker_id: i32,
    by_topic: BatchesByTopic,
) -> Result<Option<PendingResponse<ProduceRequest>>> {
    let broker = inner
        .client
        .broker(broker_id)
        .ok_or_else(|| Error::NoBrokerAvailable {
            last: Box::new(Error::Config(format!(
                "broker {broker_id} is not in the metadata"
            ))),
        })?;
    let conn = broker.get().await?;
    let cap = inner
        .transaction
        .as_ref()
        .and_then(|t| t.produce_version_cap());
    let version = conn.version_for::<ProduceRequest>(cap)?;
    let topics: Vec<ProduceTopic<'_>> = by_topic
        .iter()
        .map(|(name, partitions)| ProduceTopic {
            name,
            // References to the batches' bytes, not copies.
            partitions: partitions.clone(),
        })
        .collect();
    let fields = ProduceFields {
        transactional_id: inner.transaction.as_ref().map(|t| t.transactional_id()),
        acks: inner.config.acks.wire(),
        timeout_ms: inner
            .config
            .client
            .connection
            .request_timeout_ms
            .min(i32::MAX as u64) as i32,
    };
    // The batches are written from their own buffers, not copied into the
    // request (`protocol::produce`).
    let encode = |correlation_id, client_id: Option<&str>| {
        encode_produce_request(version, correlation_id, client_id, &fields, &topics)
    };
    if inner.config.acks == super::Acks::None {
        conn.send_encoded_without_response::<ProduceRequest>(encode)
            .await?;
        return Ok(None);
    }
    Ok(Some(
        conn.submit_encoded::<ProduceRequest>(version, encode)
            .await?,
    ))
}

fn partition_outcome(response: &ProduceResponse, topic: &str, partition: i32) -> Result<BatchAck> {
    let found = response
        .responses
        .iter()
        .filter(|t| *t.name.0 == *topic)
        .flat_map(|t| &t.partition_responses)
        .find(|p| p.index == partition);
    let Some(p) = found else {
        return Err(Error::kafka(
            ErrorCode::NetworkException,
            ErrorContext::partition(ApiKey::Produce, topic, partition)
                .with_message(Some("the response did not mention this partition".into())),
        ));
    };
    match ErrorCode::try_from_code(p.error_code) {
        None => Ok(BatchAck {
            base_offset: p.base_offset,
            log_append_time_ms: p.log_append_time_ms,
        }),
        Some(code) => Err(Error::kafka(
            code,
            ErrorContext::partition(ApiKey::Produce, topic, partition)
                .with_message(p.error_message.as_ref().map(|m| m.to_string())),
        )),
    }
}

/// Applies a batch's result: success, a retry, or a final failure.
fn settle(inner: &Inner, topic: &TopicQueues, mut batch: Batch, outcome: Result<BatchAck>) {
    let slot = &topic.partitions[batch.partition as usize];
    let mut queue = crate::sync::lock(slot);
    queue.inflight -= 1;
    match outcome {
        Ok(ack) => queue.finish(batch, Ok(ack)),
        // An earlier attempt of this very batch was written; the broker
        // recognised the retry. Success, offset unknown.
        Err(e) if e.code() == Some(ErrorCode::DuplicateSequenceNumber) => {
            queue.finish(batch, Ok(BatchAck::UNKNOWN))
        }
        Err(e) => {
            let config = &inner.config;
            // A request that failed on the way, or a broker that appended
            // the batch but could not confirm it, may have left this attempt
            // in the log: re-sending it under a new epoch could duplicate it.
            if matches!(
                e.code(),
                None | Some(
                    ErrorCode::NotEnoughReplicasAfterAppend
                        | ErrorCode::RequestTimedOut
                        | ErrorCode::NetworkException
                )
            ) {
                batch.possibly_written = true;
            }
            let behind_unsettled = queue.has_unsettled_predecessor(&batch);
            // Every earlier batch of the partition has its outcome, yet the
            // broker refuses this one's sequence: it has lost (expired, or
            // deleted with the records) this producer's state, or holds a gap
            // left by a predecessor that failed unwritten. Retrying the same
            // sequence can never succeed, so, as librdkafka's drain-and-bump
            // and Java's requestEpochBumpForPartition do, drain, move to a
            // new epoch and restart every partition's sequence at 0. Only
            // for a batch no earlier attempt of which can be in the log, or
            // the new epoch could write it twice; such a batch fails, and the
            // next batch of the partition brings the bump. INVALID_PRODUCER_EPOCH
            // stays a failure: with no transactional id, a newer epoch of our
            // id means another writer holds it, and bumping would fight it.
            // A transactional producer does not bump on its own: the
            // failure makes the transaction abortable, and the abort bumps.
            if let Some(idempotence) = &inner.idempotence
                && inner.transaction.is_none()
                && !behind_unsettled
                && !batch.possibly_written
                && matches!(
                    e.code(),
                    Some(ErrorCode::UnknownProducerId | ErrorCode::OutOfOrderSequenceNumber)
                )
            {
                tracing::info!(topic = %topic.name, partition = batch.partition, error = %e, "the broker lost this producer's sequence state; bumping the epoch");
                idempotence.request_bump();
                // Not counted against `retries`: the batch was not written,
                // so re-sending it risks nothing (librdkafka does the same);
                // the drain expires it once delivery.timeout.ms is up.
                batch.retry_at = None;
                batch.last_error = Some(e);
                queue.requeue(batch);
                drop(queue);
                deliver(inner, slot);
                return;
            }
            // With idempotence, a batch that reached the broker ahead of a
            // predecessor whose request was lost (say, sent on a fresh
            // connection after the old one died) is rejected as out of
            // order — or, when the broker has seen nothing of this producer
            // on the partition yet, as an unknown producer. Either way it
            // succeeds once its predecessor is re-sent.
            let behind_a_lost_batch = match e.code() {
                Some(ErrorCode::OutOfOrderSequenceNumber) => true,
                Some(ErrorCode::UnknownProducerId) => behind_unsettled,
                _ => false,
            };
            let retriable =
                e.is_retriable() || (inner.idempotence.is_some() && behind_a_lost_batch);
            let delay = config.retry_backoff.delay(batch.attempts + 1);
            let deadline = batch.created_at() + Duration::from_millis(config.delivery_timeout_ms);
            let retry_at = Instant::now() + delay;
            if e.invalidates_metadata() {
                inner.client.request_metadata_refresh();
            }
            if retriable && batch.attempts < config.retries && retry_at < deadline {
                tracing::debug!(topic = %topic.name, partition = batch.partition, attempt = batch.attempts + 1, error = %e, "retrying batch");
                batch.attempts += 1;
                batch.retry_at = Some(retry_at);
                batch.last_error = Some(e);
                queue.requeue(batch);
            } else if retriable {
                let timeout_ms = config.delivery_timeout_ms;
                queue.finish(
                    batch,
                    Err(Error::DeliveryTimeout {
                        timeout_ms,
                        last: Some(Box::new(e)),
                    }),
                );
            } else {
                queue.finish(batch, Err(e));
            }
        }
    }
    drop(queue);
    deliver(inner, slot);
}

/// Gets the producer's next epoch (or, failing that, a fresh producer id),
/// restarts every partition's sequence at 0 and lets the sender resume.
/// Runs with nothing in flight and nothing being sent.
async fn bump_epoch(inner: Arc<Inner>) {
    let Some(idempotence) = &inner.idempotence else {
        return;
    };
    let old = idempotence.identity();
    let mut current = Some(old);
    let mut attempt = 0;
    let next = loop {
        match super::init_producer_id(&inner.client, current).await {
            Ok(Some(next)) => break next,
            Ok(None) => {
                tracing::warn!(
                    "the cluster no longer offers InitProducerId; retrying the epoch bump"
                );
            }
            Err(e) => {
                tracing::warn!(producer_id = old.id, epoch = old.epoch, error = %e, "epoch bump failed");
                if !e.is_retriable() {
                    // Refused (fenced, say): a fresh producer id restarts
                    // sequences just as well.
                    current = None;
                }
            }
        }
        if inner.closed.load(Ordering::Acquire)
            && inner.outstanding_batches.load(Ordering::Acquire) == 0
        {
            idempotence.end_bump();
            return;
        }
        attempt += 1;
        tokio::time::sleep(inner.config.retry_backoff.delay(attempt)).await;
    };
    tracing::info!(
        producer_id = next.id,
        epoch = next.epoch,
        "producer epoch bumped; sequences restart at 0"
    );
    idempotence.set_identity(next);
    for topic in inner.accumulator.all() {
        for slot in &topic.partitions {
            restart_sequences(&mut crate::sync::lock(slot), next);
        }
    }
    idempotence.end_bump();
    inner.wake.notify_one();
}

pub(crate) fn restart_sequences(queue: &mut PartitionQueue, identity: ProducerIdentity) {
    queue.next_sequence = 0;
    for batch in &mut queue.ready {
        batch.restamp(identity, &mut queue.next_sequence);
    }
}
