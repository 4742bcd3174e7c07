//! Reads a topic from the beginning and prints each record, with `poll` or
//! (with `--stream`) as a stream.
//!
//! ```text
//! cargo run -p kctl-client --example consume -- localhost:9092 my-topic [--stream]
//! ```

use std::time::Duration;

use futures::StreamExt;
use kctl_client::{Consumer, ConsumerRecord, OffsetReset};

fn show(r: &ConsumerRecord) {
    let text = |b: &Option<bytes::Bytes>| {
        b.as_deref()
            .map_or("<null>".into(), |b| String::from_utf8_lossy(b).into_owned())
    };
    let headers: Vec<String> = r
        .headers
        .iter()
        .map(|h| format!("{}={}", String::from_utf8_lossy(&h.key), text(&h.value)))
        .collect();
    println!(
        "{}-{}@{} ts={} key={} value={} headers=[{}]",
        r.topic,
        r.partition,
        r.offset,
        r.timestamp_ms,
        text(&r.key),
        text(&r.value),
        headers.join(", ")
    );
}

#[tokio::main]
async fn main() -> kctl_client::Result<()> {
    let mut args = std::env::args().skip(1);
    let bootstrap = args.next().unwrap_or_else(|| "localhost:9092".into());
    let topic = args.next().unwrap_or_else(|| "kctl-example".into());
    let as_stream = args.next().is_some_and(|a| a == "--stream");

    let consumer = Consumer::builder([bootstrap])
        .auto_offset_reset(OffsetReset::Earliest)
        .build()
        .await?;
    // Without a group.id: every partition of the topic, shared with nobody.
    consumer.subscribe([&topic]);

    if as_stream {
        let mut records = consumer.stream();
        while let Some(record) = records.next().await {
            show(&record?);
        }
    } else {
        // Stops after two seconds without a record.
        loop {
            let records = consumer.poll(Duration::from_secs(2)).await?;
            if records.is_empty() {
                break;
            }
            records.iter().for_each(show);
        }
    }
    Ok(())
}
