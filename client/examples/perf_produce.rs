//! Producer throughput: N records of S bytes, acks=1, into an in-process
//! broker-lite (or an external broker given as the first argument).
//!
//! ```text
//! cargo run --release -p kctl-client --example perf_produce -- [bootstrap|-] [records] [record_bytes]
//! ```

use std::time::Instant;

use kctl_client::{Acks, Producer, Record};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let target = args.next().unwrap_or_else(|| "-".into());
    let records: usize = args.next().map_or(Ok(1_000_000), |s| s.parse())?;
    let record_bytes: usize = args.next().map_or(Ok(100), |s| s.parse())?;

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
        .batch_size(1 << 20)
        .max_request_size(8 << 20)
        .buffer_memory(256 << 20)
        .build()
        .await?;
    let value = vec![b'x'; record_bytes];
    let started = Instant::now();
    for _ in 0..records {
        drop(producer.send(Record::new("perf").value(&value)).await?);
    }
    producer.flush().await;
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "{records} records of {record_bytes} B in {elapsed:.2} s: {:.0} records/s, {:.1} MB/s",
        records as f64 / elapsed,
        (records * record_bytes) as f64 / elapsed / 1e6
    );
    producer.close().await;
    Ok(())
}
