//! `kctl group list`: ListGroups on every broker.

use kctl_client::admin::ListGroupsOptions;
use serde::Serialize;

use crate::cli::GroupListArgs;
use crate::connect;
use crate::exit::Code;
use crate::printer::{Table, or_dash};
use crate::settings::Settings;

#[derive(Debug, Serialize)]
struct Listed {
    group: String,
    /// `classic` or `consumer` (KIP-848); null from brokers before Kafka
    /// 3.8 (ListGroups v5), where every group is classic.
    group_type: Option<String>,
    /// null from brokers before Kafka 2.6 (ListGroups v4).
    state: Option<String>,
    protocol_type: String,
    coordinator: i32,
}

pub(crate) async fn run(settings: &Settings, args: GroupListArgs) -> anyhow::Result<Code> {
    let admin = connect::admin(settings).await?;
    let options = ListGroupsOptions {
        states: args.states,
    };
    let rows: Vec<Listed> = admin
        .list_groups(&options)
        .await?
        .into_iter()
        .map(|g| Listed {
            group: g.group_id,
            group_type: g.group_type,
            state: g.state,
            protocol_type: g.protocol_type,
            coordinator: g.coordinator,
        })
        .collect();
    settings.printer.emit(&rows, |rows| {
        let mut table = Table::new(&["GROUP", "TYPE", "STATE", "PROTOCOL", "COORDINATOR"]);
        for r in rows {
            table.row(vec![
                r.group.clone(),
                or_dash(r.group_type.as_ref()),
                or_dash(r.state.as_ref()),
                if r.protocol_type.is_empty() {
                    "-".to_owned()
                } else {
                    r.protocol_type.clone()
                },
                r.coordinator.to_string(),
            ]);
        }
        vec![table]
    })?;
    Ok(Code::Success)
}
