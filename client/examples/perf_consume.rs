//! Consumer throughput: N records of S bytes are produced first (not
//! timed), then read back from the beginning. Uses an in-process
//! broker-lite unless a bootstrap address is given. With `--kcat`, kcat
//! (`-C -e -q -o beginning`) then reads the same topic from the same broker,
//! for comparison. With `--no-produce`, nothing is produced: the topic
//! must already hold the records (`client/benches/instructions.sh` fills it
//! with `perf_produce` first, so an instruction count covers reading only).
//!
//! ```text
//! cargo run --release -p kctl-client --example perf_consume -- [bootstrap|-] [records] [record_bytes] [topic] [--kcat] [--no-produce]
//! ```

use std::process::Stdio;
use std::time::Instant;

use kctl_client::{Acks, Consumer, OffsetReset, Producer, Record, TopicPartition};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let with_kcat = args.iter().any(|a| a == "--kcat");
    let no_produce = args.iter().any(|a| a == "--no-produce");
    let mut args = args.into_iter().filter(|a| !a.starts_with("--"));
    let target = args.next().unwrap_or_else(|| "-".into());
    let records: usize = args.next().map_or(Ok(1_000_000), |s| s.parse())?;
    let record_bytes: usize = args.next().map_or(Ok(100), |s| s.parse())?;
    let topic = args.next().unwrap_or_else(|| "perf-consume".into());

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

    let producer = Producer::builder([bootstrap.clone()])
        .acks(Acks::Leader)
        .linger_ms(5)
        .batch_size(1 << 20)
        .max_request_size(8 << 20)
        .buffer_memory(256 << 20)
        .build()
        .await?;
    if !no_produce {
        let value = vec![b'x'; record_bytes];
        for _ in 0..records {
            drop(producer.send(Record::new(&topic).value(&value)).await?);
        }
    }
    let partitions = producer
        .client()
        .topic_metadata(&topic)
        .await?
        .partition_count();
    producer.close().await;

    let consumer = Consumer::builder([bootstrap.clone()])
        .auto_offset_reset(OffsetReset::Earliest)
        .build()
        .await?;
    consumer.assign(
        &(0..partitions)
            .map(|p| TopicPartition::new(&topic, p))
            .collect::<Vec<_>>(),
    );
    let started = Instant::now();
    let mut consumed = 0;
    let mut payload_bytes = 0;
    while consumed < records {
        for r in consumer.poll(std::time::Duration::from_secs(10)).await? {
            payload_bytes += r.value.as_ref().map_or(0, |v| v.len());
            consumed += 1;
        }
    }
    report(
        "kctl consumer",
        consumed,
        payload_bytes,
        started.elapsed().as_secs_f64(),
    );

    if with_kcat {
        let started = Instant::now();
        let status = tokio::process::Command::new("kcat")
            .args([
                "-C",
                "-b",
                &bootstrap,
                "-t",
                &topic,
                "-e",
                "-q",
                "-o",
                "beginning",
            ])
            .stdout(Stdio::null())
            .status()
            .await?;
        let elapsed = started.elapsed().as_secs_f64();
        if !status.success() {
            return Err(format!("kcat failed: {status}").into());
        }
        report("kcat", records, records * record_bytes, elapsed);
    }
    Ok(())
}

fn report(who: &str, records: usize, payload_bytes: usize, elapsed_s: f64) {
    println!(
        "{who}: {records} records in {elapsed_s:.2} s: {:.0} records/s, {:.1} MB/s",
        records as f64 / elapsed_s,
        payload_bytes as f64 / elapsed_s / 1e6
    );
}
