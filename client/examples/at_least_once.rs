//! At-least-once consumption in a group: process each batch, then commit
//! it. A crash between the two means the batch is read again (by this
//! member after a restart, or by whoever takes its partitions), so nothing
//! is lost but a record may be processed twice; make processing idempotent.
//!
//! ```text
//! cargo run -p kctl-client --example at_least_once -- localhost:9092 my-topic my-group
//! ```

use std::time::Duration;

use kctl_client::{Consumer, OffsetReset};

#[tokio::main]
async fn main() -> kctl_client::Result<()> {
    let mut args = std::env::args().skip(1);
    let bootstrap = args.next().unwrap_or_else(|| "localhost:9092".into());
    let topic = args.next().unwrap_or_else(|| "kctl-example".into());
    let group = args.next().unwrap_or_else(|| "kctl-at-least-once".into());

    let consumer = Consumer::builder([bootstrap])
        .group_id(group)
        .auto_offset_reset(OffsetReset::Earliest)
        // Commits happen below, after processing, never ahead of it.
        .enable_auto_commit(false)
        .build()
        .await?;
    consumer.subscribe([&topic]);

    let mut processed = 0usize;
    // Stops after five seconds without a record.
    loop {
        let records = consumer.poll(Duration::from_secs(5)).await?;
        if records.is_empty() {
            break;
        }
        for r in &records {
            process(r.value.as_deref().unwrap_or_default());
            processed += 1;
        }
        // Only now is the batch done: commit the offset after each
        // partition's last processed record (`commit_records` does that per
        // partition: `ConsumerRecord::next_offset`). A commit refused
        // because the group rebalanced is harmless: the new owner re-reads
        // the batch.
        if let Err(e) = consumer.commit_records(&records).await {
            eprintln!("commit failed, the batch may be processed again: {e}");
        }
    }
    println!("processed {processed} records");
    consumer.close().await;
    Ok(())
}

fn process(value: &[u8]) {
    println!("{}", String::from_utf8_lossy(value));
}
