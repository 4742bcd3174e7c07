//! A share-group worker (KIP-932): several of these can read one partition
//! together, each record going to one of them. Records whose value starts
//! with `poison` are rejected (archived, never delivered again), those
//! starting with `retry` are released once (delivered again, perhaps to
//! another worker) and everything else is accepted. It stops after `count`
//! records or 10 s without one, and prints what the broker answered.
//!
//! The group must start from the earliest offset to see records produced
//! before it existed: `kctl share reset-offsets GROUP --to-earliest
//! --execute` on an empty group, or the group config
//! `share.auto.offset.reset=earliest`.
//!
//! ```text
//! cargo run -p kctl-client --example share_consumer -- localhost:9092 jobs workers 100
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use kctl_client::consumer::share::{
    AcknowledgeType, AcknowledgementMode, ShareConsumer, ShareConsumerConfig,
};

#[tokio::main]
async fn main() -> kctl_client::Result<()> {
    let mut args = std::env::args().skip(1);
    let bootstrap = args.next().unwrap_or_else(|| "localhost:9092".into());
    let topic = args.next().unwrap_or_else(|| "kctl-example".into());
    let group = args.next().unwrap_or_else(|| "kctl-share-example".into());
    let count: usize = args.next().and_then(|c| c.parse().ok()).unwrap_or(100);

    let config = ShareConsumerConfig::new([bootstrap], group)
        .acknowledgement_mode(AcknowledgementMode::Explicit);
    let mut consumer = ShareConsumer::connect(config).await?;
    let applied = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let (ok, bad) = (Arc::clone(&applied), Arc::clone(&failed));
    consumer.set_acknowledgement_commit_callback(Box::new(move |commit| {
        match &commit.result {
            Ok(()) => ok.fetch_add(commit.offsets.len(), Ordering::Relaxed),
            Err(_) => bad.fetch_add(commit.offsets.len(), Ordering::Relaxed),
        };
    }));
    consumer.subscribe([&topic]).await?;

    let mut handled = 0usize;
    let mut last_record = Instant::now();
    while handled < count && last_record.elapsed() < Duration::from_secs(10) {
        for r in consumer.poll(Duration::from_millis(500)).await? {
            last_record = Instant::now();
            let value = r.record.value_str().unwrap_or("");
            let ack = if value.starts_with("poison") {
                AcknowledgeType::Reject
            } else if value.starts_with("retry") && r.delivery_count == 1 {
                AcknowledgeType::Release
            } else {
                handled += 1;
                AcknowledgeType::Accept
            };
            println!(
                "{} {} {} {}",
                r.record.offset,
                r.delivery_count,
                ack.name(),
                value
            );
            consumer.acknowledge(&r, ack)?;
        }
    }
    consumer.commit_sync().await?;
    consumer.close().await?;
    eprintln!(
        "accepted {handled}; the broker applied {} acknowledgements, refused {}",
        applied.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed)
    );
    Ok(())
}
