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
//! Latency is taken on every record (an HdrHistogram, `kctl_client::perf`)
//! and runs from `send` to the broker's acknowledgement.
//!
//! Prints one line: `records_per_s mb_per_s p50_ms p99_ms`, after a human
//! readable summary on stderr.

use kctl_client::{Acks, Producer};

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
    let report = kctl_client::perf::produce(
        &producer,
        &kctl_client::perf::ProduceLoad {
            topic,
            records: records as u64,
            record_bytes,
            throughput_per_s: None,
        },
        |_| {},
    )
    .await?;
    producer.close().await;

    let elapsed = report.elapsed.as_secs_f64();
    let records_per_s = report.records_per_s();
    let mb_per_s = report.mb_per_s();
    let p50 = report.percentile_ms(0.50).unwrap_or(f64::NAN);
    let p99 = report.percentile_ms(0.99).unwrap_or(f64::NAN);
    eprintln!(
        "kctl-client: {records} records of {record_bytes} B in {elapsed:.2} s: {records_per_s:.0} records/s, {mb_per_s:.1} MB/s, delivery latency p50 {p50:.1} ms, p99 {p99:.1} ms ({} records timed)",
        report.latency_count()
    );
    println!("{records_per_s:.0} {mb_per_s:.1} {p50:.2} {p99:.2}");
    Ok(())
}
