//! `kctl config delete`: IncrementalAlterConfigs DELETE, after confirmation.

use kctl_client::admin::AlterConfigOp;
use serde::Serialize;

use super::shared::{alter_configs, check_broker, resource};
use crate::cli::ConfigDeleteArgs;
use crate::confirm::confirm;
use crate::connect;
use crate::exit::Code;
use crate::printer::Table;
use crate::settings::Settings;

#[derive(Debug, Serialize)]
struct Deleted {
    name: String,
    status: &'static str,
}

pub(crate) async fn run(settings: &Settings, args: ConfigDeleteArgs) -> anyhow::Result<Code> {
    let resource = resource(&args.entity)?;
    let admin = connect::admin(settings).await?;
    check_broker(&admin, &resource).await?;
    confirm(
        &format!(
            "Remove {} from {resource}, back to the inherited values?",
            args.keys.join(", ")
        ),
        args.yes,
    )?;
    let ops = args
        .keys
        .iter()
        .map(|name| AlterConfigOp::Delete { name: name.clone() })
        .collect();
    alter_configs(&admin, &resource, ops, false).await?;
    let rows: Vec<Deleted> = args
        .keys
        .into_iter()
        .map(|name| Deleted {
            name,
            status: "deleted",
        })
        .collect();
    settings.printer.emit(&rows, |rows| {
        let mut table = Table::new(&["NAME", "STATUS"]);
        for r in rows {
            table.row(vec![r.name.clone(), r.status.to_owned()]);
        }
        vec![table]
    })?;
    Ok(Code::Success)
}
