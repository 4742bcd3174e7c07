//! Producer throughput and delivery latency: N records of S bytes, acks=1,
//! into an in-process broker-lite (`-`) or an external broker.
//!
//! ```text
//! cargo run --release -p kctl-client --example perf_produce -- [bootstrap|-] [records] [record_bytes] [topic]
//! ```
//!
//! Settings match librdkafka's defaults where they differ from ours, so the
//! side-by-side run in `client/benches/produce.sh` compares like with like:
//! acks=1, linger 5 ms, batches up to 1 MB, no compression, no idempotence.
//! Latency is sampled on one record in 100 (a callback per record would
//! measure the callback machinery rather than the producer) and runs from
//! `send` to the broker's acknowledgement.
//!
//! Prints one line: `records_per_s mb_per_s p50_ms p99_ms`, after a human
//! readable summary on stderr.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use kctl_client::{Acks, Producer, Record};
use rand::RngCore;

const LATENCY_SAMPLE_EVERY: usize = 100;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let target = args.next().unwrap_or_else(|| "-".into());
    let records: usize = args.next().map_or(Ok(1_000_000), |s| s.parse())?;
    let record_bytes: usize = args.next().map_or(Ok(100), |s| s.parse())?;
    let topic = args.next().unwrap_or_else(|| "perf".into());

    let dir = tempfile::tempdir()?;
    let (bootstrap, _broker) = if target == "-" {
        let mut config = broker_lite::config::BrokerConfig::default();
        config.listen = "127.0.0.1:0".parse()?;
        config.data_dir = dir.path().into();
        let broker = broker_lite::start(config)
            .await
            .map_err(|e| e.to_string())?;
        (broker.bootstrap(), Some(broker))
    } else {
        (target, None)
    };

    let producer = Producer::builder([bootstrap])
        .acks(Acks::Leader)
        .linger_ms(5)
        .batch_size(1_000_000)
        .max_request_size(8 << 20)
        .buffer_memory(256 << 20)
        .enable_idempotence(false)
        .build()
        .await?;
    // Distinct random payloads, so nothing could be deduplicated or
    // compressed along the way.
    let mut payloads = vec![0u8; record_bytes * 64];
    rand::rng().fill_bytes(&mut payloads);
    let latencies_us: Arc<Mutex<Vec<u64>>> = Arc::new(Mutex::new(Vec::with_capacity(
        records / LATENCY_SAMPLE_EVERY + 1,
    )));

    let started = Instant::now();
    for i in 0..records {
        let at = (i % 64) * record_bytes;
        let record = Record::new(&topic).value(&payloads[at..at + record_bytes]);
        if i % LATENCY_SAMPLE_EVERY == 0 {
            let sent = Instant::now();
            let latencies_us = Arc::clone(&latencies_us);
            producer
                .send_with_callback(record, move |result| {
                    if result.is_ok() {
                        let micros = u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX);
                        latencies_us
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .push(micros);
                    }
                })
                .await?;
        } else {
            drop(producer.send(record).await?);
        }
    }
    producer.flush().await;
    let elapsed = started.elapsed().as_secs_f64();
    producer.close().await;

    let mut latencies_us = latencies_us
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    latencies_us.sort_unstable();
    let percentile_ms = |p: f64| {
        latencies_us
            .get(((latencies_us.len() as f64 - 1.0) * p).round() as usize)
            .map_or(f64::NAN, |&us| us as f64 / 1000.0)
    };
    let records_per_s = records as f64 / elapsed;
    let mb_per_s = (records * record_bytes) as f64 / elapsed / 1e6;
    let (p50, p99) = (percentile_ms(0.50), percentile_ms(0.99));
    eprintln!(
        "kctl-client: {records} records of {record_bytes} B in {elapsed:.2} s: {records_per_s:.0} records/s, {mb_per_s:.1} MB/s, delivery latency p50 {p50:.1} ms, p99 {p99:.1} ms ({} samples)",
        latencies_us.len()
    );
    println!("{records_per_s:.0} {mb_per_s:.1} {p50:.2} {p99:.2}");
    Ok(())
}
