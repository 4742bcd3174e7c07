//! `kctl txn list`: ListTransactions on every broker.

use kctl_client::admin::ListTransactionsOptions;
use serde::Serialize;

use crate::cli::TxnListArgs;
use crate::connect;
use crate::exit::Code;
use crate::printer::Table;
use crate::settings::Settings;

#[derive(Debug, Serialize)]
struct Listed {
    transactional_id: String,
    producer_id: i64,
    state: String,
}

pub(crate) async fn run(settings: &Settings, args: TxnListArgs) -> anyhow::Result<Code> {
    let admin = connect::admin(settings).await?;
    let options = ListTransactionsOptions {
        states: args.states,
        producer_ids: args.producer_ids,
    };
    let rows: Vec<Listed> = admin
        .list_transactions(&options)
        .await?
        .into_iter()
        .map(|t| Listed {
            transactional_id: t.transactional_id,
            producer_id: t.producer_id,
            state: t.state,
        })
        .collect();
    settings.printer.emit(&rows, |rows| {
        let mut table = Table::new(&["TRANSACTIONAL-ID", "PRODUCER-ID", "STATE"]);
        for r in rows {
            table.row(vec![
                r.transactional_id.clone(),
                r.producer_id.to_string(),
                r.state.clone(),
            ]);
        }
        vec![table]
    })?;
    Ok(Code::Success)
}
