//! The measuring loops of load tests, shared by `examples/perf_produce.rs`
//! and `kctl perf`, so the example and the command measure the same way.
//!
//! Produce latency runs from `send` to the broker's acknowledgement and is
//! sampled on one record in [`LATENCY_SAMPLE_EVERY`]: a callback per record
//! would measure the callback machinery rather than the producer.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::RngCore;
use tokio::time::Instant;

use crate::consumer::Consumer;
use crate::error::Result;
use crate::producer::{Producer, Record};

/// One record in this many carries a latency probe.
pub const LATENCY_SAMPLE_EVERY: u64 = 100;

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

/// The outcome of a run: counts, time, and latency samples in µs, sorted.
#[derive(Debug, Clone, Default)]
pub struct PerfReport {
    /// Records delivered (produce) or read (consume).
    pub records: u64,
    /// Bytes of record values among them.
    pub bytes: u64,
    /// Latency probes whose delivery failed (produce only; the other
    /// records are sent without a callback, so their failures are not seen).
    pub failed_samples: u64,
    /// Wall time from the first send (or poll) to the last acknowledgement
    /// (or record).
    pub elapsed: Duration,
    /// Latency samples in microseconds, ascending.
    pub latencies_us: Vec<u64>,
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

    /// The `p` quantile (0.0–1.0) of the samples in ms, nearest rank;
    /// `None` without samples.
    pub fn percentile_ms(&self, p: f64) -> Option<f64> {
        let last = self.latencies_us.len().checked_sub(1)?;
        let at = ((last as f64) * p.clamp(0.0, 1.0)).round() as usize;
        Some(self.latencies_us[at] as f64 / 1000.0)
    }
}

/// Sends `load.records` distinct random values and waits for every
/// acknowledgement. `progress` is called with the count sent so far.
pub async fn produce(
    producer: &Producer,
    load: &ProduceLoad,
    progress: impl Fn(u64),
) -> Result<PerfReport> {
    // Distinct random payloads, so nothing could be deduplicated or
    // compressed along the way.
    let slots = 64;
    let mut payloads = vec![0u8; load.record_bytes * slots];
    rand::rng().fill_bytes(&mut payloads);
    let latencies_us = Arc::new(Mutex::new(Vec::with_capacity(
        (load.records / LATENCY_SAMPLE_EVERY + 1) as usize,
    )));
    let failed = Arc::new(Mutex::new(0u64));
    let started = Instant::now();
    for i in 0..load.records {
        if let Some(rate) = load.throughput_per_s {
            tokio::time::sleep_until(started + Duration::from_secs_f64(i as f64 / rate)).await;
        }
        let at = (i as usize % slots) * load.record_bytes;
        let record = Record::new(&load.topic).value(&payloads[at..at + load.record_bytes]);
        if i % LATENCY_SAMPLE_EVERY == 0 {
            let sent = Instant::now();
            let latencies_us = Arc::clone(&latencies_us);
            let failed = Arc::clone(&failed);
            producer
                .send_with_callback(record, move |result| match result {
                    Ok(_) => {
                        let micros = u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX);
                        crate::sync::lock(&latencies_us).push(micros);
                    }
                    Err(_) => *crate::sync::lock(&failed) += 1,
                })
                .await?;
        } else {
            // Not awaited: dropping the delivery future does not cancel the
            // send, and awaiting each would serialise the producer.
            drop(producer.send(record).await?);
        }
        if i % 1024 == 0 {
            progress(i);
        }
    }
    producer.flush().await;
    let elapsed = started.elapsed();
    progress(load.records);
    let mut latencies_us = std::mem::take(&mut *crate::sync::lock(&latencies_us));
    latencies_us.sort_unstable();
    let failed_samples = *crate::sync::lock(&failed);
    Ok(PerfReport {
        records: load.records,
        bytes: load.records * load.record_bytes as u64,
        failed_samples,
        elapsed,
        latencies_us,
    })
}

/// Reads `records` records from an assigned or subscribed consumer, or
/// stops when `idle` passes without one (the time to the last record is
/// what is reported). Latency is each poll's wait for
/// data, in µs: how long the application waited for its next batch.
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
        let batch = consumer.poll(Duration::from_millis(100)).await?;
        if batch.is_empty() {
            continue;
        }
        report
            .latencies_us
            .push(u64::try_from(polled_at.elapsed().as_micros()).unwrap_or(u64::MAX));
        last_data = Instant::now();
        for record in &batch {
            report.records += 1;
            report.bytes += record.value.as_ref().map_or(0, |v| v.len() as u64);
        }
        progress(report.records);
    }
    // Up to the last record: the idle wait at the end is not reading.
    report.elapsed = last_data.saturating_duration_since(started);
    report.latencies_us.sort_unstable();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let report = PerfReport {
            records: 10,
            bytes: 1_000_000,
            failed_samples: 0,
            elapsed: Duration::from_secs(2),
            latencies_us: (1..=100).map(|ms| ms * 1000).collect(),
        };
        assert_eq!(report.percentile_ms(0.5), Some(51.0));
        assert_eq!(report.percentile_ms(0.99), Some(99.0));
        assert_eq!(report.percentile_ms(1.0), Some(100.0));
        assert_eq!(report.records_per_s(), 5.0);
        assert_eq!(report.mb_per_s(), 0.5);
        assert_eq!(PerfReport::default().percentile_ms(0.5), None);
    }
}
