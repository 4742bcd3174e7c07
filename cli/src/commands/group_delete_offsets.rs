//! `kctl group delete-offsets`: OffsetDelete on the group's coordinator,
//! after confirmation. Kafka refuses partitions of topics the group's
//! members still consume (`GROUP_SUBSCRIBED_TO_TOPIC`).

use kctl_client::ErrorCode;
use serde::Serialize;

use super::group_describe::exists;
use super::shared::outcome;
use crate::cli::GroupDeleteOffsetsArgs;
use crate::confirm::confirm;
use crate::connect;
use crate::exit::{Code, Failure};
use crate::printer::{Table, or_dash};
use crate::settings::Settings;

#[derive(Debug, Serialize)]
struct Row {
    group: String,
    topic: String,
    partition: i32,
    /// deleted or failed.
    status: &'static str,
    error: Option<String>,
}

pub(crate) async fn run(settings: &Settings, args: GroupDeleteOffsetsArgs) -> anyhow::Result<Code> {
    let admin = connect::admin(settings).await?;
    let group = args.group.clone();
    let description = admin
        .describe_groups(&[&group])
        .await?
        .into_iter()
        .next()
        .expect("one result per group")
        .result
        .map_err(|e| anyhow::Error::new(e).context(format!("looking up group '{group}'")))?;
    if !exists(&description) && admin.list_group_offsets(&group, None).await?.is_empty() {
        return Err(Failure::new(
            Code::NotFound,
            format!("consumer group '{group}' does not exist; nothing was deleted"),
        )
        .into());
    }
    let partitions = super::group_reset_offsets::expand(&admin, &args.topics).await?;
    confirm(
        &format!(
            "Delete the committed offsets of group {group} for {} partition{}?",
            partitions.len(),
            if partitions.len() == 1 { "" } else { "s" }
        ),
        args.yes,
    )?;
    let results = admin.delete_group_offsets(&group, &partitions).await?;
    let rows: Vec<Row> = results
        .into_iter()
        .map(|r| Row {
            group: group.clone(),
            topic: r.partition.topic.to_string(),
            partition: r.partition.partition,
            status: if r.result.is_ok() {
                "deleted"
            } else {
                "failed"
            },
            error: r.result.err().map(|e| {
                if e.code() == Some(ErrorCode::GroupSubscribedToTopic) {
                    "the group's members still consume this topic".to_owned()
                } else {
                    e.to_string()
                }
            }),
        })
        .collect();
    settings.printer.emit(&rows, |rows| {
        let mut table = Table::new(&["GROUP", "TOPIC", "PARTITION", "STATUS", "ERROR"]);
        for r in rows {
            table.row(vec![
                r.group.clone(),
                r.topic.clone(),
                r.partition.to_string(),
                r.status.to_owned(),
                or_dash(r.error.as_ref()),
            ]);
        }
        vec![table]
    })?;
    let failed = rows.iter().filter(|r| r.status == "failed").count();
    Ok(outcome(failed, rows.len()))
}
