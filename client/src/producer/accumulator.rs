//! Per-partition queues of batches, and the in-order completion of batches.
//!
//! Each partition has at most one *open* batch being filled, a queue of
//! *ready* batches (sealed, or put back for a retry) ordered by creation,
//! and a count of batches in flight. Batches finish in any order (requests
//! to different brokers race, retries come back late) but are *delivered*
//! (futures resolved, callbacks run, buffer bytes released) strictly in
//! creation order per partition: a finished batch waits for its
//! predecessors. Delivery runs outside the partition lock, so a callback can
//! call `send` without deadlocking; a `delivering` flag makes sure only one
//! task at a time delivers a partition's batches, which keeps callbacks in
//! order even when two requests complete at once.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use bytes::{Bytes, BytesMut};
use tokio::sync::Notify;
use tokio::time::Instant;

use super::partitioner::StickyPartition;
use super::{Callback, DeliveryFuture, Inner, ProducerIdentity, Record, RecordMetadata};
use crate::error::{Error, Result};
use crate::metadata::{TopicHasher, TopicMetadata};
use crate::protocol::batch::set_producer;
use crate::protocol::record_batch::{BatchBuilder, BatchParams};

/// What the broker said about a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BatchAck {
    /// −1 when unknown.
    pub(crate) base_offset: i64,
    /// −1 unless the topic uses LogAppendTime.
    pub(crate) log_append_time_ms: i64,
}

impl BatchAck {
    pub(crate) const UNKNOWN: Self = Self {
        base_offset: -1,
        log_append_time_ms: -1,
    };
}

/// A batch's outcome, shared with the [`DeliveryFuture`]s of its records.
#[derive(Debug)]
pub(crate) struct BatchShared {
    pub(crate) topic: Arc<str>,
    pub(crate) partition: i32,
    outcome: OnceLock<Outcome>,
    done: Notify,
}

#[derive(Debug, Clone)]
pub(crate) struct Outcome(Result<BatchAck>);

impl Outcome {
    pub(crate) fn is_ok(&self) -> bool {
        self.0.is_ok()
    }

    pub(crate) fn metadata(
        &self,
        batch: &BatchShared,
        index: u32,
        timestamp_ms: i64,
    ) -> Result<RecordMetadata> {
        let ack = self.0.as_ref().map_err(Clone::clone)?;
        Ok(RecordMetadata {
            topic: Arc::clone(&batch.topic),
            partition: batch.partition,
            offset: if ack.base_offset < 0 {
                -1
            } else {
                ack.base_offset + i64::from(index)
            },
            timestamp_ms: if ack.log_append_time_ms >= 0 {
                ack.log_append_time_ms
            } else {
                timestamp_ms
            },
        })
    }
}

impl BatchShared {
    pub(crate) fn outcome(&self) -> Option<&Outcome> {
        self.outcome.get()
    }

    pub(crate) async fn wait(&self) {
        loop {
            let done = self.done.notified();
            tokio::pin!(done);
            done.as_mut().enable();
            if self.outcome.get().is_some() {
                return;
            }
            done.await;
        }
    }
}

/// A batch of one partition, from its first record to its delivery.
pub(crate) struct Batch {
    /// Creation order within the partition.
    id: u64,
    pub(crate) partition: i32,
    builder: BatchBuilder,
    reserved_bytes: usize,
    created_at: Instant,
    shared: Arc<BatchShared>,
    callbacks: Vec<(u32, i64, Callback)>,
    pub(crate) attempts: u32,
    pub(crate) retry_at: Option<Instant>,
    /// −1 until first sent by an idempotent producer.
    base_sequence: i32,
    /// The wire bytes, encoded on first send and re-sent unchanged on retry.
    encoded: Option<Bytes>,
    pub(crate) last_error: Option<Error>,
    /// Whether an attempt may have been appended to the log even though it
    /// did not succeed (a lost response, say).
    pub(crate) possibly_written: bool,
}

impl std::fmt::Debug for Batch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch")
            .field("topic", &self.shared.topic)
            .field("partition", &self.partition)
            .field("id", &self.id)
            .field("records", &self.builder.record_count())
            .field("attempts", &self.attempts)
            .field("base_sequence", &self.base_sequence)
            .finish_non_exhaustive()
    }
}

impl Batch {
    pub(crate) fn created_at(&self) -> Instant {
        self.created_at
    }

    pub(crate) fn record_count(&self) -> i32 {
        self.builder.record_count()
    }

    /// The batch's wire bytes, encoding them the first time. An idempotent
    /// batch takes its base sequence from the partition here, once.
    pub(crate) fn encoded(&mut self, inner: &Inner, next_sequence: &mut i32) -> Result<Bytes> {
        if let Some(bytes) = &self.encoded {
            return Ok(bytes.clone());
        }
        let mut params = BatchParams {
            compression: inner.config.compression,
            transactional: inner.transaction.is_some(),
            ..BatchParams::default()
        };
        if let Some(idempotence) = &inner.idempotence {
            let identity = idempotence.identity();
            if self.base_sequence < 0 {
                self.base_sequence = *next_sequence;
                // Sequences wrap to 0 after i32::MAX, as in Java.
                *next_sequence = next_sequence.wrapping_add(self.record_count()) & i32::MAX;
            }
            params.producer_id = identity.id;
            params.producer_epoch = identity.epoch;
            params.base_sequence = self.base_sequence;
        }
        let bytes = self
            .builder
            .finish(&params)
            .map_err(|e| Error::Config(format!("cannot encode a batch: {e}")))?;
        self.encoded = Some(bytes.clone());
        Ok(bytes)
    }

    /// After an epoch bump: gives a batch that already has a sequence the
    /// next one from `next_sequence` and stamps its bytes with `identity`.
    /// Batches never sent keep none and get theirs when first sent.
    pub(crate) fn restamp(&mut self, identity: ProducerIdentity, next_sequence: &mut i32) {
        if self.base_sequence < 0 {
            return;
        }
        self.base_sequence = *next_sequence;
        *next_sequence = next_sequence.wrapping_add(self.record_count()) & i32::MAX;
        if let Some(bytes) = &self.encoded {
            let mut patched = BytesMut::from(&bytes[..]);
            set_producer(
                &mut patched,
                identity.id,
                identity.epoch,
                self.base_sequence,
            );
            self.encoded = Some(patched.freeze());
        }
    }

    pub(crate) fn encoded_len(&self) -> usize {
        self.encoded
            .as_ref()
            .map_or(self.builder.size_bytes(), Bytes::len)
    }
}

/// One partition's batches.
#[derive(Debug, Default)]
pub(crate) struct PartitionQueue {
    pub(crate) open: Option<Batch>,
    pub(crate) ready: VecDeque<Batch>,
    pub(crate) inflight: usize,
    /// The broker the in-flight batches went to. While any are in flight,
    /// batches go nowhere else: after a leader move, a later batch sent to
    /// the new leader could otherwise land before an earlier one that the
    /// old leader is about to reject, reordering the partition unless the
    /// broker enforces sequence numbers (librdkafka's mock does not).
    pub(crate) inflight_broker: i32,
    pub(crate) next_sequence: i32,
    next_batch_id: u64,
    next_to_deliver: u64,
    finished: BTreeMap<u64, (Batch, Outcome)>,
    deliverable: VecDeque<(Batch, Outcome)>,
    delivering: bool,
}

impl PartitionQueue {
    /// Moves the open batch to the ready queue.
    pub(crate) fn seal(&mut self) {
        if let Some(batch) = self.open.take() {
            self.ready.push_back(batch);
        }
    }

    /// Puts a batch back for another attempt, before every later batch.
    pub(crate) fn requeue(&mut self, batch: Batch) {
        let at = self
            .ready
            .iter()
            .position(|b| b.id > batch.id)
            .unwrap_or(self.ready.len());
        self.ready.insert(at, batch);
    }

    /// Whether a batch sent before this one has no outcome yet.
    pub(crate) fn has_unsettled_predecessor(&self, batch: &Batch) -> bool {
        self.next_to_deliver < batch.id
            && (self.next_to_deliver..batch.id).any(|id| !self.finished.contains_key(&id))
    }

    /// Records a batch's outcome; it is delivered after its predecessors.
    pub(crate) fn finish(&mut self, batch: Batch, outcome: Result<BatchAck>) {
        self.finished.insert(batch.id, (batch, Outcome(outcome)));
        while let Some(entry) = self.finished.remove(&self.next_to_deliver) {
            self.deliverable.push_back(entry);
            self.next_to_deliver += 1;
        }
    }
}

/// A topic's partitions. Replaced by a larger one if the topic grows.
#[derive(Debug)]
pub(crate) struct TopicQueues {
    pub(crate) name: Arc<str>,
    pub(crate) partitions: Vec<Arc<Mutex<PartitionQueue>>>,
    /// The built-in partitioner's sticky partition for keyless records
    /// (kept with the queues, as Java keeps it in its accumulator's
    /// per-topic info): no lookup by topic name per record.
    pub(crate) sticky: StickyPartition,
}

#[derive(Debug, Default)]
pub(crate) struct Accumulator {
    topics: RwLock<HashMap<Arc<str>, Arc<TopicQueues>, TopicHasher>>,
}

impl Accumulator {
    /// The topic's queues, grown to its partition count.
    pub(crate) fn queues(&self, topic: &TopicMetadata) -> Arc<TopicQueues> {
        let wanted = topic.partitions.len();
        if let Some(t) = crate::sync::read(&self.topics).get(topic.name.as_str())
            && t.partitions.len() >= wanted
        {
            return Arc::clone(t);
        }
        let mut topics = crate::sync::write(&self.topics);
        let existing = topics.get(topic.name.as_str()).cloned();
        if let Some(t) = &existing
            && t.partitions.len() >= wanted
        {
            return Arc::clone(t);
        }
        let mut partitions = existing.map(|t| t.partitions.clone()).unwrap_or_default();
        partitions.resize_with(wanted, Default::default);
        let name: Arc<str> = Arc::from(topic.name.as_str());
        let queues = Arc::new(TopicQueues {
            name: Arc::clone(&name),
            partitions,
            sticky: StickyPartition::default(),
        });
        topics.insert(name, Arc::clone(&queues));
        queues
    }

    pub(crate) fn all(&self) -> Vec<Arc<TopicQueues>> {
        crate::sync::read(&self.topics).values().cloned().collect()
    }
}

impl TopicQueues {
    /// Appends a record to its partition's open batch, opening or sealing
    /// batches as needed. Returns the record's future and whether the sender
    /// should look at the queues (a batch was opened or filled).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn append(
        &self,
        inner: &Inner,
        partition: i32,
        timestamp_ms: i64,
        record: &Record<'_>,
        headers: &[(&[u8], Option<&[u8]>)],
        size_bytes: usize,
        callback: Option<Callback>,
    ) -> (DeliveryFuture, bool) {
        let batch_size = inner.config.batch_size;
        let mut queue = crate::sync::lock(&self.partitions[partition as usize]);
        let mut wake = false;
        if queue.open.as_ref().is_some_and(|b| {
            !b.builder.is_empty() && b.builder.size_bytes() + size_bytes > batch_size
        }) {
            queue.seal();
            wake = true;
        }
        if queue.open.is_none() {
            let id = queue.next_batch_id;
            queue.next_batch_id += 1;
            inner.outstanding_batches.fetch_add(1, Ordering::AcqRel);
            queue.open = Some(Batch {
                id,
                partition,
                builder: BatchBuilder::new(timestamp_ms, batch_size.max(size_bytes) + 64),
                reserved_bytes: 0,
                created_at: Instant::now(),
                shared: Arc::new(BatchShared {
                    topic: Arc::clone(&self.name),
                    partition,
                    outcome: OnceLock::new(),
                    done: Notify::new(),
                }),
                callbacks: Vec::new(),
                attempts: 0,
                retry_at: None,
                base_sequence: -1,
                encoded: None,
                last_error: None,
                possibly_written: false,
            });
            wake = true;
        }
        #[allow(clippy::expect_used, reason = "the block above ensured an open batch")]
        let batch = queue.open.as_mut().expect("an open batch was just ensured");
        let index = batch.builder.record_count() as u32;
        batch.builder.append(
            timestamp_ms,
            record.key_bytes(),
            record.value_bytes(),
            headers,
        );
        batch.reserved_bytes += size_bytes;
        if let Some(cb) = callback {
            batch.callbacks.push((index, timestamp_ms, cb));
        }
        let future = DeliveryFuture {
            batch: Arc::clone(&batch.shared),
            index,
            timestamp_ms,
        };
        if batch.builder.size_bytes() >= batch_size {
            queue.seal();
            wake = true;
        }
        (future, wake)
    }
}

/// Delivers, in order, every batch of the partition whose turn has come.
/// Takes the lock; returns with it released.
pub(crate) fn deliver(inner: &Inner, partition: &Mutex<PartitionQueue>) {
    let mut queue = crate::sync::lock(partition);
    if queue.delivering {
        // Whoever is delivering will pick up what we added.
        return;
    }
    queue.delivering = true;
    loop {
        let Some((batch, outcome)) = queue.deliverable.pop_front() else {
            queue.delivering = false;
            return;
        };
        drop(queue);
        deliver_one(inner, batch, outcome);
        queue = crate::sync::lock(partition);
    }
}

fn deliver_one(inner: &Inner, mut batch: Batch, outcome: Outcome) {
    if let (Err(e), Some(transaction)) = (&outcome.0, &inner.transaction) {
        transaction.record_send_error(e);
    }
    if let Err(e) = &outcome.0 {
        tracing::warn!(topic = %batch.shared.topic, partition = batch.partition, records = batch.record_count(), error = %e, "batch failed");
    }
    let _ = batch.shared.outcome.set(outcome.clone());
    batch.shared.done.notify_waiters();
    for (index, timestamp_ms, callback) in batch.callbacks.drain(..) {
        callback(outcome.metadata(&batch.shared, index, timestamp_ms));
    }
    inner.buffer.add_permits(batch.reserved_bytes);
    if inner.outstanding_batches.fetch_sub(1, Ordering::AcqRel) == 1 {
        inner.idle.notify_waiters();
    }
}
