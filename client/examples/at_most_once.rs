//! At-most-once consumption in a group: commit each batch as soon as it is
//! received, then process it. A crash during processing skips the rest of
//! the batch (the group resumes after it), so no record is processed twice
//! but some may never be.
//!
//! ```text
//! cargo run -p kctl-client --example at_most_once -- localhost:9092 my-topic my-group
//! ```

use std::time::Duration;

use kctl_client::{Consumer, OffsetReset};

#[tokio::main]
async fn main() -> kctl_client::Result<()> {
    let mut args = std::env::args().skip(1);
    let bootstrap = args.next().unwrap_or_else(|| "localhost:9092".into());
    let topic = args.next().unwrap_or_else(|| "kctl-example".into());
    let group = args.next().unwrap_or_else(|| "kctl-at-most-once".into());

    let consumer = Consumer::builder([bootstrap])
        .group_id(group)
        .auto_offset_reset(OffsetReset::Earliest)
        // The interval would commit whenever it fires, not before
        // processing; commits happen below instead.
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
        // The positions already point past this batch: commit them first.
        // If the commit fails the batch is skipped rather than risking it
        // twice.
        if let Err(e) = consumer.commit_sync().await {
            eprintln!("commit failed, skipping the batch: {e}");
            continue;
        }
        for r in &records {
            process(r.value.as_deref().unwrap_or_default());
            processed += 1;
        }
    }
    println!("processed {processed} records");
    consumer.close().await;
    Ok(())
}

fn process(value: &[u8]) {
    println!("{}", String::from_utf8_lossy(value));
}
