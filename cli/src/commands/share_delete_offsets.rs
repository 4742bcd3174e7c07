//! `kctl share delete-offsets GROUP --topic T`: DeleteShareGroupOffsets,
//! after confirmation. Kafka deletes a share group's state per topic, and
//! only while the group has no members.

use kctl_client::ErrorCode;
use serde::Serialize;

use super::shared::outcome;
use crate::cli::ShareDeleteOffsetsArgs;
use crate::confirm::confirm;
use crate::connect;
use crate::exit::{Code, Failure};
use crate::printer::{Table, or_dash};
use crate::settings::Settings;

#[derive(Debug, Serialize)]
struct Row {
    group: String,
    topic: String,
    /// deleted or failed.
    status: &'static str,
    error: Option<String>,
}

pub(crate) async fn run(settings: &Settings, args: ShareDeleteOffsetsArgs) -> anyhow::Result<Code> {
    let admin = connect::admin(settings).await?;
    let group = args.group;
    if let Err(e) = admin.describe_share_group(&group).await {
        if e.code() == Some(ErrorCode::GroupIdNotFound) {
            return Err(Failure::new(
                Code::NotFound,
                format!("share group '{group}' does not exist; nothing was deleted"),
            )
            .into());
        }
        return Err(anyhow::Error::new(e).context(format!("describing share group '{group}'")));
    }
    confirm(
        &format!(
            "Delete the state of share group {group} for {}?",
            args.topics.join(", ")
        ),
        args.yes,
    )?;
    let results = admin
        .delete_share_group_offsets(&group, &args.topics)
        .await?;
    let rows: Vec<Row> = results
        .into_iter()
        .map(|r| match r.result {
            Ok(()) => Row {
                group: group.clone(),
                topic: r.topic,
                status: "deleted",
                error: None,
            },
            Err(e) => Row {
                group: group.clone(),
                topic: r.topic,
                status: "failed",
                error: Some(e.to_string()),
            },
        })
        .collect();
    settings.printer.emit(&rows, |rows| {
        let mut table = Table::new(&["GROUP", "TOPIC", "STATUS", "ERROR"]);
        for r in rows {
            table.row(vec![
                r.group.clone(),
                r.topic.clone(),
                r.status.to_owned(),
                or_dash(r.error.as_ref()),
            ]);
        }
        vec![table]
    })?;
    let failed = rows.iter().filter(|r| r.status == "failed").count();
    Ok(outcome(failed, rows.len()))
}
