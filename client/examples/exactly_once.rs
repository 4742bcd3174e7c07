//! Exactly-once read-process-write: records of an input topic are
//! processed and written to an output topic, and the input offsets are
//! committed in the same transaction as the output. A crash anywhere
//! leaves either both or neither: a restarted pipeline (same transactional
//! id) fences the dead one, the coordinator aborts its open transaction,
//! and consumption resumes from the last committed offsets. read_committed
//! readers of the output see every input record exactly once.
//!
//! ```text
//! cargo run -p kctl-client --example exactly_once -- \
//!     localhost:9092 input-topic output-topic my-group my-pipeline
//! ```
//!
//! It stops after `KCTL_EOS_IDLE_MS` (default 5000) milliseconds with
//! partitions assigned but no input, and prints how many records it moved.
//! `KCTL_EOS_SESSION_TIMEOUT_MS` sets the consumer's `session.timeout.ms`
//! (default 45000): a killed instance keeps its partitions in the group
//! until its session times out, so a restart after a crash waits that long
//! for them.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use kctl_client::consumer::IsolationLevel;
use kctl_client::{
    Consumer, Error, OffsetAndMetadata, OffsetReset, Producer, Record, TopicPartition,
};

#[tokio::main]
async fn main() -> kctl_client::Result<()> {
    let mut args = std::env::args().skip(1);
    let bootstrap = args.next().unwrap_or_else(|| "localhost:9092".into());
    let input = args.next().unwrap_or_else(|| "kctl-eos-in".into());
    let output = args.next().unwrap_or_else(|| "kctl-eos-out".into());
    let group = args.next().unwrap_or_else(|| "kctl-eos".into());
    let transactional_id = args.next().unwrap_or_else(|| "kctl-eos-pipeline".into());
    let idle = Duration::from_millis(
        std::env::var("KCTL_EOS_IDLE_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(5000),
    );

    let session_timeout_ms = std::env::var("KCTL_EOS_SESSION_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(45_000);
    let consumer = Consumer::builder([bootstrap.clone()])
        .group_id(group)
        .session_timeout_ms(session_timeout_ms)
        .auto_offset_reset(OffsetReset::Earliest)
        // Offsets are committed by the producer's transactions only.
        .enable_auto_commit(false)
        // Never process input another transaction may still abort.
        .isolation_level(IsolationLevel::ReadCommitted)
        .build()
        .await?;
    consumer.subscribe([&input]);
    let producer = Producer::builder([bootstrap])
        .transactional_id(transactional_id)
        .build()
        .await?;
    // Fences any earlier instance and aborts what it left open.
    producer.init_transactions().await?;

    let mut moved = 0usize;
    let mut last_input = Instant::now();
    while last_input.elapsed() < idle {
        let records = consumer.poll(Duration::from_millis(500)).await?;
        if consumer.assignment().is_empty() {
            // Still joining the group: that is not idleness.
            last_input = Instant::now();
        }
        if records.is_empty() {
            continue;
        }
        last_input = Instant::now();
        producer.begin_transaction()?;
        let mut next: BTreeMap<TopicPartition, OffsetAndMetadata> = BTreeMap::new();
        let outcome = async {
            for r in &records {
                let value = process(r.value.as_deref().unwrap_or_default());
                let mut out = Record::new(&output).value(&value);
                if let Some(key) = r.key.as_deref() {
                    out = out.key(key);
                }
                // Fire and forget: commit_transaction delivers every record
                // or fails.
                drop(producer.send(out).await?);
                next.insert(
                    TopicPartition::new(&r.topic, r.partition),
                    OffsetAndMetadata::new(r.offset + 1),
                );
            }
            let group = consumer
                .group_metadata()
                .expect("the consumer has a group id");
            producer.send_offsets_to_transaction(&next, &group).await?;
            producer.commit_transaction().await
        }
        .await;
        match outcome {
            Ok(()) => moved += records.len(),
            Err(e) if e.is_fatal_transaction_error() => return Err(e),
            Err(e) => {
                // Abortable: drop the transaction and go back to the last
                // committed offsets, so the batch is processed again.
                eprintln!("aborting the transaction: {e}");
                producer.abort_transaction().await?;
                rewind(&consumer).await?;
            }
        }
    }
    println!("moved {moved} records");
    producer.close().await;
    consumer.close().await;
    Ok(())
}

/// Seeks every assigned partition back to its committed offset (or its
/// start), as Kafka's `ExactlyOnceMessageProcessor` does after an abort.
/// All of them, not only those of the records processed so far: `poll`
/// moved every returned partition's position, and a transaction that
/// failed part-way must not leave any of them ahead of its offsets. A
/// partition revoked meanwhile is skipped: its position went with it, and
/// its next owner starts from the committed offset.
async fn rewind(consumer: &Consumer) -> Result<(), Error> {
    let partitions = consumer.assignment();
    let committed = consumer.committed(&partitions).await?;
    for tp in &partitions {
        let moved = match committed.get(tp) {
            Some(offset) => consumer.seek(tp, offset.offset),
            None => consumer.seek_to_beginning(std::slice::from_ref(tp)),
        };
        match moved {
            Ok(()) | Err(Error::NotAssigned { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The processing step; here the identity, so a checker can compare input
/// and output.
fn process(value: &[u8]) -> Vec<u8> {
    value.to_vec()
}
