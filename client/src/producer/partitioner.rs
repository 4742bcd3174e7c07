//! Choosing a partition for a record.
//!
//! A record with an explicit partition always goes there. Otherwise the
//! producer's [`Partitioner`] decides. The default one matches Java's:
//! keyed records go to `murmur2(key) % partitions` (so the same key lands on
//! the same partition whichever client wrote it) and keyless records follow
//! KIP-794's uniform sticky rule: stay on one partition until about
//! `batch_size` bytes have gone to it, then move to another chosen at random
//! among partitions that have a leader. That fills batches (fewer, larger
//! requests) while spreading load evenly over time.

use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};

use rand::Rng;

use crate::metadata::TopicMap;
use crate::protocol::murmur2::partition_for_key;

/// How the key-hashing partitioners of Kafka's clients map a key to a
/// partition, so a key's partition can be computed without producing
/// (`kctl find`). Records produced with these land where this says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyHash {
    /// Java's default (and librdkafka's `murmur2`/`murmur2_random`,
    /// franz-go's and kctl's): `murmur2(key) & 0x7fffffff % partitions`.
    Murmur2,
    /// librdkafka's default `consistent_random` (and `consistent`):
    /// `crc32(key) % partitions`, CRC-32 as in zlib.
    Crc32,
}

impl KeyHash {
    /// The partition of `key` among `partition_count` (at least 1).
    pub fn partition(self, key: &[u8], partition_count: i32) -> i32 {
        let count = partition_count.max(1) as u32;
        match self {
            Self::Murmur2 => partition_for_key(key, count) as i32,
            Self::Crc32 => (crc32_ieee(key) % count) as i32,
        }
    }
}

/// CRC-32 (IEEE 802.3, reflected, as zlib and librdkafka's `rd_crc32`).
/// Bitwise: keys are short, and this runs once per lookup, not per record.
fn crc32_ieee(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// What a partitioner sees of a record and its topic.
#[derive(Debug, Clone, Copy)]
pub struct PartitionContext<'a> {
    /// The record's topic.
    pub topic: &'a str,
    /// The record's key, if it has one.
    pub key: Option<&'a [u8]>,
    /// The record's value, if it has one.
    pub value: Option<&'a [u8]>,
    /// Partitions are numbered `0..partition_count`.
    pub partition_count: i32,
    /// The partitions that currently have a leader, in order. Never empty
    /// when a partitioner is called: the producer waits for a leader first.
    pub available: &'a [i32],
    /// The record's size in the batch, in bytes, for byte-based stickiness.
    pub record_size_bytes: usize,
}

/// Picks a partition for a record. The answer must be in
/// `0..ctx.partition_count`; the producer rejects anything else.
pub trait Partitioner: Send + Sync + fmt::Debug {
    /// The partition for the record described by `ctx`.
    fn partition(&self, ctx: &PartitionContext<'_>) -> i32;
}

/// Java's built-in behaviour: murmur2 for keys, uniform sticky otherwise.
#[derive(Debug)]
pub struct DefaultPartitioner {
    sticky: UniformSticky,
}

impl DefaultPartitioner {
    /// `sticky_batch_size_bytes` is normally the producer's `batch_size`.
    pub fn new(sticky_batch_size_bytes: usize) -> Self {
        Self {
            sticky: UniformSticky::new(sticky_batch_size_bytes),
        }
    }
}

impl DefaultPartitioner {
    /// A keyed record's partition: murmur2 of the key. Java hashes any
    /// non-null key, even an empty one.
    pub(crate) fn keyed(key: &[u8], partition_count: i32) -> i32 {
        partition_for_key(key, partition_count as u32) as i32
    }
}

impl Partitioner for DefaultPartitioner {
    fn partition(&self, ctx: &PartitionContext<'_>) -> i32 {
        match ctx.key {
            Some(key) => Self::keyed(key, ctx.partition_count),
            None => self.sticky.partition(ctx),
        }
    }
}

/// KIP-794's uniform sticky partitioner, for every record regardless of key
/// (Java's `partitioner.ignore.keys=true`).
#[derive(Debug)]
pub struct UniformSticky {
    batch_size_bytes: usize,
    per_topic: Mutex<TopicMap<StickyPartition>>,
}

impl UniformSticky {
    /// Sticks to one partition per topic until `batch_size_bytes` have gone
    /// to it (normally the producer's `batch_size`), then moves on.
    pub fn new(batch_size_bytes: usize) -> Self {
        Self {
            batch_size_bytes,
            per_topic: Mutex::new(TopicMap::default()),
        }
    }
}

impl Partitioner for UniformSticky {
    fn partition(&self, ctx: &PartitionContext<'_>) -> i32 {
        let mut topics = crate::sync::lock(&self.per_topic);
        let sticky = match topics.get(ctx.topic) {
            Some(s) => s,
            None => topics.entry(ctx.topic.to_owned()).or_default(),
        };
        sticky.next(ctx, self.batch_size_bytes)
    }
}

/// One topic's sticky partition and the bytes sent to it since it was
/// chosen: KIP-794's rule, shared by [`UniformSticky`] and the producer's
/// built-in partitioning. Atomics rather than a lock, as in Java's
/// `BuiltInPartitioner`: the producer keeps one per topic next to the
/// topic's queues and consults it on every keyless record.
#[derive(Debug)]
pub(crate) struct StickyPartition {
    /// −1 until the first record.
    partition: AtomicI32,
    produced_bytes: AtomicUsize,
}

impl Default for StickyPartition {
    fn default() -> Self {
        Self {
            partition: AtomicI32::new(-1),
            produced_bytes: AtomicUsize::new(0),
        }
    }
}

impl StickyPartition {
    /// The partition for a record of `ctx.record_size_bytes`: the current
    /// one until `batch_size_bytes` have gone to it or it loses its leader,
    /// then another available one, at random.
    pub(crate) fn next(&self, ctx: &PartitionContext<'_>, batch_size_bytes: usize) -> i32 {
        let current = self.partition.load(Ordering::Acquire);
        // `available` is sorted, so checking it is a binary search, not a
        // scan of up to every partition per record.
        let stale = current < 0
            || current >= ctx.partition_count
            || ctx.available.binary_search(&current).is_err();
        let produced = self
            .produced_bytes
            .fetch_add(ctx.record_size_bytes, Ordering::AcqRel);
        if !stale && produced < batch_size_bytes.max(1) {
            return current;
        }
        let next = pick_other(ctx.available, current);
        match self
            .partition
            .compare_exchange(current, next, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => {
                self.produced_bytes
                    .store(ctx.record_size_bytes, Ordering::Release);
                next
            }
            // Another sender switched first; follow it.
            Err(switched) => switched,
        }
    }
}

/// A random available partition, different from `current` when there is a
/// choice.
fn pick_other(available: &[i32], current: i32) -> i32 {
    let mut rng = rand::rng();
    if available.len() <= 1 {
        return available.first().copied().unwrap_or(0);
    }
    loop {
        let p = available[rng.random_range(0..available.len())];
        if p != current {
            return p;
        }
    }
}

/// Every record to the next partition in turn, ignoring keys (Java's
/// `RoundRobinPartitioner`). Counted per topic.
#[derive(Debug, Default)]
pub struct RoundRobin {
    counters: Mutex<TopicMap<u32>>,
}

impl Partitioner for RoundRobin {
    fn partition(&self, ctx: &PartitionContext<'_>) -> i32 {
        let mut counters = crate::sync::lock(&self.counters);
        let counter = match counters.get_mut(ctx.topic) {
            Some(c) => c,
            None => counters.entry(ctx.topic.to_owned()).or_insert(0),
        };
        let n = *counter;
        *counter = counter.wrapping_add(1);
        (n % ctx.partition_count as u32) as i32
    }
}

/// Every record to a uniformly random partition, ignoring keys.
#[derive(Debug, Default)]
pub struct Random;

impl Partitioner for Random {
    fn partition(&self, ctx: &PartitionContext<'_>) -> i32 {
        rand::rng().random_range(0..ctx.partition_count)
    }
}

/// A partitioner from a closure `(topic, key, value, partition_count) -> partition`.
pub struct FnPartitioner<F>(pub F);

impl<F> fmt::Debug for FnPartitioner<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FnPartitioner")
    }
}

impl<F> Partitioner for FnPartitioner<F>
where
    F: Fn(&str, Option<&[u8]>, Option<&[u8]>, i32) -> i32 + Send + Sync,
{
    fn partition(&self, ctx: &PartitionContext<'_>) -> i32 {
        (self.0)(ctx.topic, ctx.key, ctx.value, ctx.partition_count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx<'a>(key: Option<&'a [u8]>, available: &'a [i32], size: usize) -> PartitionContext<'a> {
        PartitionContext {
            topic: "t",
            key,
            value: None,
            partition_count: 6,
            available,
            record_size_bytes: size,
        }
    }

    const ALL: [i32; 6] = [0, 1, 2, 3, 4, 5];

    #[test]
    fn key_hashes_match_the_default_partitioner_and_zlib_crc32() {
        let p = DefaultPartitioner::new(16_384);
        for key in [&b"foobar"[..], b"kafka", b"", b"user-42"] {
            assert_eq!(
                KeyHash::Murmur2.partition(key, 6),
                p.partition(&ctx(Some(key), &ALL, 10))
            );
        }
        // The standard check value of CRC-32, and zlib's crc32(b"kafka").
        assert_eq!(crc32_ieee(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32_ieee(b""), 0);
        assert_eq!(
            KeyHash::Crc32.partition(b"123456789", 7),
            (0xCBF4_3926u32 % 7) as i32
        );
    }

    #[test]
    fn keyed_records_follow_java_murmur2() {
        let p = DefaultPartitioner::new(16_384);
        // partition("foobar", 6) == 0 and partition("kafka", 6) == 4 (reference vectors).
        assert_eq!(p.partition(&ctx(Some(b"foobar"), &ALL, 10)), 0);
        assert_eq!(p.partition(&ctx(Some(b"kafka"), &ALL, 10)), 4);
        assert_eq!(
            p.partition(&ctx(Some(b""), &ALL, 10)),
            3,
            "an empty key is hashed, not sticky"
        );
    }

    #[test]
    fn keyless_records_stick_until_a_batch_worth_of_bytes() {
        let p = DefaultPartitioner::new(1_000);
        let first = p.partition(&ctx(None, &ALL, 100));
        for _ in 0..9 {
            assert_eq!(p.partition(&ctx(None, &ALL, 100)), first);
        }
        // 1,000 bytes went to `first`: the next record moves elsewhere.
        let second = p.partition(&ctx(None, &ALL, 100));
        assert_ne!(second, first);
    }

    #[test]
    fn sticky_spreads_uniformly_over_time_and_avoids_unavailable_partitions() {
        let p = UniformSticky::new(100);
        let available = [0, 2, 3, 5];
        let mut counts = [0u32; 6];
        for _ in 0..40_000 {
            counts[p.partition(&ctx(Some(b"ignored"), &available, 10)) as usize] += 1;
        }
        assert_eq!((counts[1], counts[4]), (0, 0));
        for p in available {
            let share = f64::from(counts[p as usize]) / 40_000.0;
            assert!((0.2..0.3).contains(&share), "partition {p} got {share}");
        }
    }

    #[test]
    fn round_robin_cycles_per_topic_ignoring_keys() {
        let p = RoundRobin::default();
        let got: Vec<i32> = (0..8)
            .map(|_| p.partition(&ctx(Some(b"same"), &ALL, 1)))
            .collect();
        assert_eq!(got, [0, 1, 2, 3, 4, 5, 0, 1]);
        let other = PartitionContext {
            topic: "u",
            ..ctx(None, &ALL, 1)
        };
        assert_eq!(p.partition(&other), 0, "each topic has its own counter");
    }

    #[test]
    fn random_covers_every_partition() {
        let p = Random;
        let mut seen = [false; 6];
        for _ in 0..10_000 {
            seen[p.partition(&ctx(None, &ALL, 1)) as usize] = true;
        }
        assert!(seen.iter().all(|s| *s));
    }

    #[test]
    fn closures_are_partitioners() {
        let p = FnPartitioner(|_: &str, key: Option<&[u8]>, _: Option<&[u8]>, n: i32| {
            key.map_or(0, |k| k.len() as i32 % n)
        });
        assert_eq!(p.partition(&ctx(Some(b"abcdefgh"), &ALL, 1)), 2);
    }
}
