//! `kctl config set`: IncrementalAlterConfigs SET (AlterConfigs on brokers
//! without it).

use kctl_client::admin::AlterConfigOp;
use serde::Serialize;

use super::shared::{alter_configs, check_broker, resource};
use crate::cli::ConfigSetArgs;
use crate::connect;
use crate::exit::Code;
use crate::printer::Table;
use crate::settings::Settings;

#[derive(Debug, Serialize)]
struct Set {
    name: String,
    value: String,
    /// set, or validated with --validate-only.
    status: &'static str,
}

pub(crate) async fn run(settings: &Settings, args: ConfigSetArgs) -> anyhow::Result<Code> {
    let resource = resource(&args.entity)?;
    let admin = connect::admin(settings).await?;
    check_broker(&admin, &resource).await?;
    let ops = args
        .configs
        .iter()
        .map(|(name, value)| AlterConfigOp::Set {
            name: name.clone(),
            value: value.clone(),
        })
        .collect();
    alter_configs(&admin, &resource, ops, args.validate_only).await?;
    let status = if args.validate_only {
        "validated"
    } else {
        "set"
    };
    let rows: Vec<Set> = args
        .configs
        .into_iter()
        .map(|(name, value)| Set {
            name,
            value,
            status,
        })
        .collect();
    settings.printer.emit(&rows, |rows| {
        let mut table = Table::new(&["NAME", "VALUE", "STATUS"]);
        for r in rows {
            table.row(vec![r.name.clone(), r.value.clone(), r.status.to_owned()]);
        }
        vec![table]
    })?;
    Ok(Code::Success)
}
