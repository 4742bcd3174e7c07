//! `kctl topic alter`: more partitions (CreatePartitions) and config
//! changes (IncrementalAlterConfigs, or AlterConfigs on older brokers).

use kctl_client::admin::{AlterConfigOp, ConfigResource, NewPartitions};
use serde::Serialize;

use super::shared::{alter_configs, first};
use crate::cli::TopicAlterArgs;
use crate::connect;
use crate::exit::{Code, usage};
use crate::printer::Table;
use crate::settings::Settings;

#[derive(Debug, Serialize)]
struct Change {
    topic: String,
    change: String,
    /// updated, or validated with --validate-only.
    status: &'static str,
}

pub(crate) async fn run(settings: &Settings, args: TopicAlterArgs) -> anyhow::Result<Code> {
    if args.partitions.is_none() && args.configs.is_empty() && args.delete_config.is_empty() {
        return Err(usage("nothing to change")
            .hint("give --partitions N, --config KEY=VALUE or --delete-config KEY")
            .into());
    }
    let topic = args.topic.get().to_owned();
    let status = if args.validate_only {
        "validated"
    } else {
        "updated"
    };
    let admin = connect::admin(settings).await?;
    let mut changes = Vec::new();
    if let Some(total) = args.partitions {
        let results = admin
            .create_partitions(
                &[NewPartitions::increase_to(&topic, total)],
                args.validate_only,
            )
            .await?;
        first(results.into_iter().map(|r| r.result)).map_err(|e| {
            anyhow::Error::new(e).context(format!("growing topic '{topic}' to {total} partitions"))
        })?;
        changes.push(Change {
            topic: topic.clone(),
            change: format!("partitions={total}"),
            status,
        });
    }
    let mut ops: Vec<AlterConfigOp> = args
        .configs
        .iter()
        .map(|(name, value)| AlterConfigOp::Set {
            name: name.clone(),
            value: value.clone(),
        })
        .collect();
    ops.extend(
        args.delete_config
            .iter()
            .map(|name| AlterConfigOp::Delete { name: name.clone() }),
    );
    if !ops.is_empty() {
        alter_configs(
            &admin,
            &ConfigResource::Topic(topic.clone()),
            ops,
            args.validate_only,
        )
        .await?;
        for (name, value) in &args.configs {
            changes.push(Change {
                topic: topic.clone(),
                change: format!("{name}={value}"),
                status,
            });
        }
        for name in &args.delete_config {
            changes.push(Change {
                topic: topic.clone(),
                change: format!("-{name}"),
                status,
            });
        }
    }
    settings.printer.emit(&changes, |changes| {
        let mut table = Table::new(&["TOPIC", "CHANGE", "STATUS"]);
        for c in changes {
            table.row(vec![c.topic.clone(), c.change.clone(), c.status.to_owned()]);
        }
        vec![table]
    })?;
    Ok(Code::Success)
}
