//! `kctl txn producers TOPIC`: DescribeProducers for every partition.

use kctl_client::ErrorCode;
use serde::Serialize;

use crate::cli::TxnProducersArgs;
use crate::connect;
use crate::exit::{Code, Failure};
use crate::printer::{Table, or_dash};
use crate::settings::Settings;

#[derive(Debug, Serialize)]
struct Row {
    partition: i32,
    producer_id: i64,
    producer_epoch: i32,
    last_sequence: i32,
    last_timestamp_ms: i64,
    coordinator_epoch: i32,
    /// null when the producer has no open transaction on the partition.
    current_txn_start_offset: Option<i64>,
}

pub(crate) async fn run(settings: &Settings, args: TxnProducersArgs) -> anyhow::Result<Code> {
    let topic = args.topic.get().to_owned();
    let admin = connect::admin(settings).await?;
    let results = match admin.describe_producers(&topic).await {
        Ok(results) => results,
        Err(e) if e.code() == Some(ErrorCode::UnknownTopicOrPartition) => {
            return Err(
                Failure::new(Code::NotFound, format!("topic '{topic}' does not exist")).into(),
            );
        }
        Err(e) => return Err(e.into()),
    };
    let mut rows = Vec::new();
    let mut failed = 0;
    for r in &results {
        match &r.result {
            Ok(producers) => rows.extend(producers.iter().map(|p| Row {
                partition: r.partition.partition,
                producer_id: p.producer_id,
                producer_epoch: p.producer_epoch,
                last_sequence: p.last_sequence,
                last_timestamp_ms: p.last_timestamp_ms,
                coordinator_epoch: p.coordinator_epoch,
                current_txn_start_offset: p.current_txn_start_offset,
            })),
            Err(e) => {
                failed += 1;
                settings
                    .printer
                    .status(format!("error: {topic}-{}: {e}", r.partition.partition));
            }
        }
    }
    settings.printer.emit(&rows, |rows| {
        let mut table = Table::new(&[
            "PARTITION",
            "PRODUCER-ID",
            "EPOCH",
            "LAST-SEQUENCE",
            "LAST-TIMESTAMP-MS",
            "COORDINATOR-EPOCH",
            "TXN-START-OFFSET",
        ]);
        for r in rows {
            table.row(vec![
                r.partition.to_string(),
                r.producer_id.to_string(),
                r.producer_epoch.to_string(),
                r.last_sequence.to_string(),
                r.last_timestamp_ms.to_string(),
                r.coordinator_epoch.to_string(),
                or_dash(r.current_txn_start_offset),
            ]);
        }
        vec![table]
    })?;
    Ok(super::shared::outcome(failed, results.len()))
}
