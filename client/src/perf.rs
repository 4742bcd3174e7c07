//! The measuring loops of load tests, shared by `examples/perf_produce.rs`
//! and `kctl perf`, so the example and the command measure the same way.
//!
//! Every record's latency goes into an HdrHistogram (µs, 3 significant
//! digits), not a sample. Produce latency runs from just before `send` to
//! the moment the loop sees the acknowledgement; it costs one clock read
//! per record and no callback: the loop keeps each record's
//! [`DeliveryFuture`] (an `Arc` of its batch and an index) with its send
//! time in a queue, and after every send pops the acknowledged head of the
//! queue, stamping all of a batch's records with one clock read. A callback
//! per record would be a boxed closure per record, which measures the
//! callback machinery rather than the producer.

use std::collections::VecDeque;
use std::time::Duration;

use hdrhistogram::Histogram;
use rand::RngCore;
use tokio::time::Instant;

use crate::consumer::Consumer;
use crate::error::{Error, Result};
use crate::offsets::TopicPartition;
use crate::producer::{DeliveryFuture, Producer, Record};

/// The largest latency the histogram holds: an hour, in µs. Longer ones
/// are counted at this value.
const LATENCY_MAX_US: u64 = 3_600_000_000;

/// What one produce run sends.
#[derive(Debug, Clone)]
pub struct ProduceLoad {
    /// The topic written to.
    pub topic: String,
    /// How many records to send.
    pub records: u64,
    /// The size of each record's (random) value, in bytes.
    pub record_bytes: usize,
    /// Records per second at most; `None`: as fast as the producer takes them.
    pub throughput_per_s: Option<f64>,
}

/// The outcome of a run: counts, time, and a latency histogram in µs.
#[derive(Debug, Clone)]
pub struct PerfReport {
    /// Records delivered (produce) or read (consume).
    pub records: u64,
    /// Bytes of record values among them.
    pub bytes: u64,
    /// Records whose delivery failed (produce only).
    pub failed: u64,
    /// Wall time from the first send (or poll) to the last acknowledgement
    /// (or record).
    pub elapsed: Duration,
    /// Latency of every record, in microseconds.
    pub latency_us: Histogram<u64>,
}

impl Default for PerfReport {
    fn default() -> Self {
        Self {
            records: 0,
            bytes: 0,
            failed: 0,
            elapsed: Duration::ZERO,
            latency_us: latency_histogram(),
        }
    }
}

/// An empty histogram from 1 µs to an hour, 3 significant digits.
#[allow(
    clippy::expect_used,
    reason = "the bounds are constants that hdrhistogram accepts"
)]
fn latency_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, LATENCY_MAX_US, 3).expect("valid histogram bounds")
}

fn micros(elapsed: Duration) -> u64 {
    u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX)
}

impl PerfReport {
    /// Records per second over the run.
    pub fn records_per_s(&self) -> f64 {
        self.records as f64 / self.elapsed.as_secs_f64().max(f64::MIN_POSITIVE)
    }

    /// Megabytes (10^6 bytes) of record values per second.
    pub fn mb_per_s(&self) -> f64 {
        self.bytes as f64 / self.elapsed.as_secs_f64().max(f64::MIN_POSITIVE) / 1e6
    }

    /// How many latencies the histogram holds.
    pub fn latency_count(&self) -> u64 {
        self.latency_us.len()
    }

    /// The `q` quantile (0.0–1.0) of the latencies in ms (1.0 is the
    /// maximum); `None` without any. Within 0.1% of the true value
    /// (the histogram's 3 significant digits).
    pub fn percentile_ms(&self, q: f64) -> Option<f64> {
        if self.latency_us.is_empty() {
            return None;
        }
        let us = if q >= 1.0 {
            self.latency_us.max()
        } else {
            self.latency_us.value_at_quantile(q.max(0.0))
        };
        Some(us as f64 / 1000.0)
    }

    /// Counts one latency for `count` records.
    fn record_latency(&mut self, elapsed: Duration, count: u64) {
        self.record_latency_us(micros(elapsed), count);
    }

    fn record_latency_us(&mut self, elapsed_us: u64, count: u64) {
        // saturating_record_n clamps to the histogram's range.
        self.latency_us
            .saturating_record_n(elapsed_us.max(1), count);
    }
}

/// The produce loop's clock: nanoseconds since the run started, as plain
/// integers (a latency is a subtraction), read from the CPU's time-stamp
/// counter where it is usable (`quanta` checks and calibrates it; it falls
/// back to the monotonic clock). The loop reads it once per record, and on
/// this VM `clock_gettime` took 23 ns against the counter's 10 ns: a tenth
/// of the loop's time at 4.5 M records/s.
struct RunClock {
    clock: quanta::Clock,
    started_raw: u64,
}

impl RunClock {
    fn start() -> Self {
        let clock = quanta::Clock::new();
        let started_raw = clock.raw();
        Self { clock, started_raw }
    }

    fn now_ns(&self) -> u64 {
        self.clock
            .delta_as_nanos(self.started_raw, self.clock.raw())
    }
}

/// A record sent and not yet seen acknowledged, with its send time (ns
/// since the run started).
type InFlight = VecDeque<(DeliveryFuture, u64)>;

/// Counts the acknowledged records at the head of `in_flight`, all at
/// `now_ns`. Stops at the first one not yet acknowledged: within a
/// partition acknowledgements come in order, so the head is the oldest.
fn count_acknowledged(in_flight: &mut InFlight, now_ns: u64, report: &mut PerfReport) {
    while let Some((delivery, sent_ns)) = in_flight.front() {
        match delivery.succeeded() {
            None => return,
            Some(true) => report.record_latency_us(now_ns.saturating_sub(*sent_ns) / 1000, 1),
            Some(false) => report.failed += 1,
        }
        in_flight.pop_front();
    }
}

/// Waits for every record in `in_flight`, stamping each with the clock read
/// when its batch (or an earlier one) was seen complete.
async fn wait_acknowledged(in_flight: &mut InFlight, clock: &RunClock, report: &mut PerfReport) {
    while let Some((delivery, sent_ns)) = in_flight.pop_front() {
        let result = delivery.wait().await;
        let now_ns = clock.now_ns();
        match result {
            Ok(_) => report.record_latency_us(now_ns.saturating_sub(sent_ns) / 1000, 1),
            Err(_) => report.failed += 1,
        }
        count_acknowledged(in_flight, now_ns, report);
    }
}

/// Distinct random payloads, so nothing could be deduplicated or compressed
/// along the way: `slots` values of `record_bytes` each, back to back.
fn random_payloads(record_bytes: usize, slots: usize) -> Vec<u8> {
    let mut payloads = vec![0u8; record_bytes * slots];
    rand::rng().fill_bytes(&mut payloads);
    payloads
}

/// Sends `load.records` distinct random values and waits for every
/// acknowledgement, timing each record from `send` to its acknowledgement.
/// `progress` is called with the count sent so far.
pub async fn produce(
    producer: &Producer,
    load: &ProduceLoad,
    progress: impl Fn(u64),
) -> Result<PerfReport> {
    let slots = 64;
    let payloads = random_payloads(load.record_bytes, slots);
    let mut report = PerfReport::default();
    let mut in_flight = InFlight::new();
    // Before the run's start: the first clock calibrates the counter
    // against the system clock, which takes up to a few hundred ms.
    let clock = RunClock::start();
    let started = Instant::now();
    let started_ms = crate::producer::now_ms();
    for i in 0..load.records {
        if let Some(rate) = load.throughput_per_s {
            tokio::time::sleep_until(started + Duration::from_secs_f64(i as f64 / rate)).await;
        }
        // One clock read serves as this record's send time, as the
        // acknowledgement time of whatever completed since the last send,
        // and as the record's timestamp: without one the producer reads the
        // wall clock for it, and clock reads were 12% of this loop's time.
        let now_ns = clock.now_ns();
        count_acknowledged(&mut in_flight, now_ns, &mut report);
        let at = (i as usize % slots) * load.record_bytes;
        let timestamp_ms = started_ms + (now_ns / 1_000_000) as i64;
        let record = Record::new(&load.topic)
            .value(&payloads[at..at + load.record_bytes])
            .timestamp_ms(timestamp_ms);
        in_flight.push_back((producer.send(record).await?, now_ns));
        if i % 1024 == 0 {
            progress(i);
        }
    }
    // flush sends the lingering batches at once, as the old loop's flush
    // did; the acknowledgements are counted as they arrive meanwhile.
    tokio::join!(
        producer.flush(),
        wait_acknowledged(&mut in_flight, &clock, &mut report)
    );
    report.elapsed = started.elapsed();
    progress(load.records);
    report.records = load.records - report.failed;
    report.bytes = report.records * load.record_bytes as u64;
    Ok(report)
}

/// Reads `records` records from an assigned or subscribed consumer, or
/// stops when `idle` passes without one (the time to the last record is
/// what is reported). Each record's latency is the wait of the poll that
/// returned it: how long the application waited for its next batch,
/// counted once per record so the percentiles are over records.
pub async fn consume(
    consumer: &Consumer,
    records: u64,
    idle: Duration,
    progress: impl Fn(u64),
) -> Result<PerfReport> {
    let mut report = PerfReport::default();
    let started = Instant::now();
    let mut last_data = Instant::now();
    while report.records < records && last_data.elapsed() < idle {
        let polled_at = Instant::now();
        // Read in place: counting needs no owned copy of each record.
        let mut value_bytes = 0;
        let taken = consumer
            .poll_each(Duration::from_millis(100), |record| {
                value_bytes += record.value.map_or(0, <[u8]>::len) as u64;
            })
            .await? as u64;
        if taken == 0 {
            continue;
        }
        last_data = Instant::now();
        report.record_latency(last_data - polled_at, taken);
        report.records += taken;
        report.bytes += value_bytes;
        progress(report.records);
    }
    // Up to the last record: the idle wait at the end is not reading.
    report.elapsed = last_data.saturating_duration_since(started);
    Ok(report)
}

/// What one end-to-end run sends: like Kafka's `EndToEndLatency` tool, one
/// record at a time, each produced, acknowledged and then read back before
/// the next is sent.
#[derive(Debug, Clone)]
pub struct EndToEndLoad {
    /// The topic written to and read from.
    pub topic: String,
    /// How many round trips.
    pub records: u64,
    /// The size of each record's (random) value, in bytes.
    pub record_bytes: usize,
    /// How long one round trip may take before the run fails.
    pub timeout: Duration,
}

/// Produce→consume round trips: `consumer` is assigned every partition of
/// the topic (`partitions` of them) at its end, then each record is sent,
/// acknowledged (`send_and_wait`, which does not linger) and polled back;
/// its latency is the whole round trip. The value read must be the value
/// sent, or the run fails. `progress` is called with the count done.
pub async fn end_to_end(
    producer: &Producer,
    consumer: &Consumer,
    partitions: i32,
    load: &EndToEndLoad,
    progress: impl Fn(u64),
) -> Result<PerfReport> {
    let assigned: Vec<TopicPartition> = (0..partitions)
        .map(|p| TopicPartition::new(&load.topic, p))
        .collect();
    consumer.assign(&assigned);
    consumer.seek_to_end(&assigned)?;
    // Resolve the end offsets now, as EndToEndLatency does with
    // `position`: resolved lazily after the first send, they would skip it.
    for tp in &assigned {
        consumer.position(tp).await?;
    }
    let slots = 64;
    let payloads = random_payloads(load.record_bytes, slots);
    let mut report = PerfReport::default();
    let started = Instant::now();
    for i in 0..load.records {
        let at = (i as usize % slots) * load.record_bytes;
        let value = &payloads[at..at + load.record_bytes];
        let sent = Instant::now();
        producer
            .send_and_wait(Record::new(&load.topic).value(value))
            .await?;
        let batch = loop {
            let left = load.timeout.saturating_sub(sent.elapsed());
            if left.is_zero() {
                return Err(Error::OperationTimeout {
                    operation: "end-to-end round trip",
                    timeout_ms: u64::try_from(load.timeout.as_millis()).unwrap_or(u64::MAX),
                    last: None,
                });
            }
            let batch = consumer.poll(left).await?;
            if !batch.is_empty() {
                break batch;
            }
        };
        report.record_latency(sent.elapsed(), 1);
        let [record] = batch.as_slice() else {
            return Err(Error::RoundTripMismatch(format!(
                "expected the one record just sent, read {} (is another producer writing to '{}'?)",
                batch.len(),
                load.topic
            )));
        };
        if record.value.as_deref() != Some(value) {
            return Err(Error::RoundTripMismatch(format!(
                "record {i} read back differs from the one sent (is another producer writing to '{}'?)",
                load.topic
            )));
        }
        report.records += 1;
        report.bytes += load.record_bytes as u64;
        progress(report.records);
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_from_every_latency() {
        let mut report = PerfReport {
            records: 10,
            bytes: 1_000_000,
            elapsed: Duration::from_secs(2),
            ..PerfReport::default()
        };
        assert_eq!(report.percentile_ms(0.5), None);
        for ms in 1..=100 {
            report.record_latency(Duration::from_millis(ms), 1);
        }
        // 3 significant digits: values are exact to within 0.1%.
        let close = |got: Option<f64>, want: f64| {
            let got = got.unwrap();
            assert!((got - want).abs() <= want * 0.001, "{got} vs {want}");
        };
        close(report.percentile_ms(0.5), 50.0);
        close(report.percentile_ms(0.99), 99.0);
        close(report.percentile_ms(1.0), 100.0);
        assert_eq!(report.latency_count(), 100);
        assert_eq!(report.records_per_s(), 5.0);
        assert_eq!(report.mb_per_s(), 0.5);
    }

    #[test]
    fn a_batch_of_records_counts_once_per_record() {
        let mut report = PerfReport::default();
        report.record_latency(Duration::from_millis(1), 999);
        report.record_latency(Duration::from_millis(50), 1);
        assert_eq!(report.latency_count(), 1000);
        // 999 of 1000 records waited 1 ms: p99 is 1 ms, p99.9 and max 50.
        let p99 = report.percentile_ms(0.99).unwrap();
        assert!((p99 - 1.0).abs() < 0.01, "{p99}");
        let max = report.percentile_ms(1.0).unwrap();
        assert!((max - 50.0).abs() < 0.05, "{max}");
        // Beyond the histogram's hour: clamped, not lost.
        report.record_latency(Duration::from_secs(7200), 1);
        assert_eq!(report.latency_count(), 1001);
    }
}
