//! `kctl txn describe ID`: DescribeTransactions at the id's coordinator.

use kctl_client::ErrorCode;
use serde::Serialize;

use crate::cli::TxnDescribeArgs;
use crate::connect;
use crate::exit::{Code, Failure};
use crate::printer::{Table, or_dash};
use crate::settings::Settings;

#[derive(Debug, Serialize)]
struct Described {
    transactional_id: String,
    coordinator: i32,
    state: String,
    producer_id: i64,
    producer_epoch: i16,
    timeout_ms: i32,
    /// ms since the epoch; null when no transaction is open.
    start_time_ms: Option<i64>,
    /// `topic-partition` of every partition in the open transaction.
    partitions: Vec<String>,
}

pub(crate) async fn run(settings: &Settings, args: TxnDescribeArgs) -> anyhow::Result<Code> {
    let admin = connect::admin(settings).await?;
    let id = args.transactional_id;
    let described = match admin.describe_transaction(&id).await {
        Ok(d) => d,
        Err(e) if e.code() == Some(ErrorCode::TransactionalIdNotFound) => {
            return Err(Failure::new(
                Code::NotFound,
                format!("transactional id '{id}' does not exist"),
            )
            .hint("kctl txn list shows the ids the cluster knows")
            .into());
        }
        Err(e) => return Err(e.into()),
    };
    let row = Described {
        transactional_id: described.transactional_id,
        coordinator: described.coordinator_id,
        state: described.state,
        producer_id: described.producer_id,
        producer_epoch: described.producer_epoch,
        timeout_ms: described.timeout_ms,
        start_time_ms: described.start_time_ms,
        partitions: described
            .partitions
            .iter()
            .map(|tp| format!("{}-{}", tp.topic, tp.partition))
            .collect(),
    };
    settings.printer.emit(&row, |r| {
        let mut table = Table::new(&[
            "TRANSACTIONAL-ID",
            "COORDINATOR",
            "STATE",
            "PRODUCER-ID",
            "EPOCH",
            "TIMEOUT-MS",
            "START-TIME-MS",
            "PARTITIONS",
        ]);
        table.row(vec![
            r.transactional_id.clone(),
            r.coordinator.to_string(),
            r.state.clone(),
            r.producer_id.to_string(),
            r.producer_epoch.to_string(),
            r.timeout_ms.to_string(),
            or_dash(r.start_time_ms),
            if r.partitions.is_empty() {
                "-".to_owned()
            } else {
                r.partitions.join(",")
            },
        ]);
        vec![table]
    })?;
    Ok(Code::Success)
}
