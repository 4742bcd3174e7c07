//! The three send modes against a running broker.
//!
//! ```text
//! cargo run -p kctl-client --example produce -- localhost:9092 my-topic
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use kctl_client::{Producer, Record};

#[tokio::main]
async fn main() -> kctl_client::Result<()> {
    let mut args = std::env::args().skip(1);
    let bootstrap = args.next().unwrap_or_else(|| "localhost:9092".into());
    let topic = args.next().unwrap_or_else(|| "kctl-example".into());
    let producer = Producer::builder([bootstrap]).linger_ms(5).build().await?;

    // Fire and forget: the String value is moved into the record, not copied.
    for i in 0..1_000 {
        drop(
            producer
                .send(Record::new(&topic).value(format!("fire-and-forget {i}")))
                .await?,
        );
    }

    // Synchronous, one record at a time: send_and_wait does not wait out
    // linger.ms, so each record costs about one round trip.
    let started = Instant::now();
    let mut last = None;
    for i in 0..100 {
        let record = Record::new(&topic)
            .key("sync")
            .value(format!("one at a time {i}"));
        last = Some(producer.send_and_wait(record).await?);
    }
    let per_record_ms = started.elapsed().as_secs_f64() * 1000.0 / 100.0;
    if let Some(meta) = last {
        println!("synchronous: last record stored at {meta}, {per_record_ms:.2} ms per record");
    }

    // Asynchronous, with a callback per record.
    let acknowledged = Arc::new(AtomicUsize::new(0));
    for i in 0..1_000 {
        let acknowledged = Arc::clone(&acknowledged);
        let key = format!("user-{}", i % 10);
        producer
            .send_with_callback(Record::new(&topic).key(key).value("event"), move |result| {
                if result.is_ok() {
                    acknowledged.fetch_add(1, Ordering::Relaxed);
                }
            })
            .await?;
    }
    producer.close().await;
    println!(
        "{} of 1000 callbacks reported success",
        acknowledged.load(Ordering::Relaxed)
    );
    Ok(())
}
