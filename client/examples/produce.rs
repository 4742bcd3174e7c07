//! The three send modes against a running broker.
//!
//! ```text
//! cargo run -p kctl-client --example produce -- localhost:9092 my-topic
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use kctl_client::{Producer, Record};

#[tokio::main]
async fn main() -> kctl_client::Result<()> {
    let mut args = std::env::args().skip(1);
    let bootstrap = args.next().unwrap_or_else(|| "localhost:9092".into());
    let topic = args.next().unwrap_or_else(|| "kctl-example".into());
    let producer = Producer::builder([bootstrap]).linger_ms(5).build().await?;

    // Fire and forget.
    for i in 0..1_000 {
        let value = format!("fire-and-forget {i}");
        drop(
            producer
                .send(Record::new(&topic).value(value.as_bytes()))
                .await?,
        );
    }

    // Synchronous.
    let meta = producer
        .send_and_wait(Record::new(&topic).key(b"sync").value(b"one at a time"))
        .await?;
    println!(
        "synchronous record stored at partition {} offset {}",
        meta.partition, meta.offset
    );

    // Asynchronous, with a callback per record.
    let acknowledged = Arc::new(AtomicUsize::new(0));
    for i in 0..1_000 {
        let acknowledged = Arc::clone(&acknowledged);
        let key = format!("user-{}", i % 10);
        producer
            .send_with_callback(
                Record::new(&topic).key(key.as_bytes()).value(b"event"),
                move |result| {
                    if result.is_ok() {
                        acknowledged.fetch_add(1, Ordering::Relaxed);
                    }
                },
            )
            .await?;
    }
    producer.close().await;
    println!(
        "{} of 1000 callbacks reported success",
        acknowledged.load(Ordering::Relaxed)
    );
    Ok(())
}
