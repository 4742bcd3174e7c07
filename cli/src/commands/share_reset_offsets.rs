//! `kctl share reset-offsets GROUP`: plans new start offsets for a share
//! group with the admin client's `plan_share_offset_reset` and applies them
//! (AlterShareGroupOffsets) only under --execute, as
//! `kafka-share-groups --reset-offsets` does (dry run by default). Kafka
//! refuses while the group has members; so does the plan, with a hint.

use kctl_client::admin::ResetTarget;
use kctl_client::{Error as ClientError, ErrorCode};
use serde::Serialize;

use super::shared::outcome;
use crate::cli::{ShareResetOffsetsArgs, ShareResetTarget};
use crate::confirm::confirm;
use crate::connect;
use crate::exit::{Code, Failure};
use crate::printer::{Table, or_dash};
use crate::settings::Settings;

#[derive(Debug, Serialize)]
struct Planned {
    group: String,
    topic: String,
    partition: i32,
    /// null: the group has no start offset there yet.
    current_start_offset: Option<i64>,
    new_start_offset: i64,
    /// planned (dry run), reset or failed.
    status: &'static str,
    error: Option<String>,
}

fn target(t: &ShareResetTarget) -> ResetTarget {
    super::shared::reset_target(
        t.to_earliest,
        t.to_latest,
        t.to_offset,
        t.shift_by,
        t.to_datetime,
        t.by_duration,
    )
    .unwrap_or_else(|| unreachable!("clap requires one reset target"))
}

fn plan_error(e: ClientError, group: &str) -> anyhow::Error {
    match e {
        e if e.code() == Some(ErrorCode::NonEmptyGroup) => {
            let message = match &e {
                ClientError::Kafka { context, .. } => {
                    context.message.clone().unwrap_or_else(|| e.to_string())
                }
                _ => e.to_string(),
            };
            Failure::new(Code::Failure, message)
                .hint("stop the group's consumers (the group becomes Empty), then run this again")
                .into()
        }
        ClientError::Config(message) => Failure::new(Code::Failure, message)
            .hint("use --to-earliest, --to-latest or --to-offset for partitions without a start offset")
            .into(),
        e => anyhow::Error::new(e).context(format!("planning the reset of share group '{group}'")),
    }
}

pub(crate) async fn run(settings: &Settings, args: ShareResetOffsetsArgs) -> anyhow::Result<Code> {
    let admin = connect::admin(settings).await?;
    let group = args.group.clone();
    let topics = (!args.all_topics).then_some(args.topics.as_slice());
    let plan = admin
        .plan_share_offset_reset(&group, topics, target(&args.target))
        .await
        .map_err(|e| plan_error(e, &group))?;
    if plan.is_empty() {
        return Err(Failure::new(
            Code::NotFound,
            format!("share group '{group}' has no start offsets; name the topics with --topic"),
        )
        .into());
    }
    let mut rows: Vec<Planned> = plan
        .iter()
        .map(|p| Planned {
            group: group.clone(),
            topic: p.partition.topic.to_string(),
            partition: p.partition.partition,
            current_start_offset: p.current_offset,
            new_start_offset: p.new_offset,
            status: "planned",
            error: None,
        })
        .collect();
    let mut failed = 0;
    if args.execute {
        confirm(
            &format!(
                "Reset the start offsets of share group {group} on {} partition{}?",
                rows.len(),
                if rows.len() == 1 { "" } else { "s" }
            ),
            args.yes,
        )?;
        let results = admin
            .apply_share_offset_reset(&group, &plan)
            .await
            .map_err(|e| plan_error(e, &group))?;
        for (row, result) in rows.iter_mut().zip(results) {
            match result.result {
                Ok(()) => row.status = "reset",
                Err(e) => {
                    failed += 1;
                    row.status = "failed";
                    row.error = Some(e.to_string());
                }
            }
        }
    } else {
        settings
            .printer
            .status("dry run: nothing was changed; pass --execute to apply this plan");
    }
    settings.printer.emit(&rows, |rows| {
        let mut table = Table::new(&[
            "GROUP",
            "TOPIC",
            "PARTITION",
            "CURRENT-START-OFFSET",
            "NEW-START-OFFSET",
            "STATUS",
            "ERROR",
        ]);
        for r in rows {
            table.row(vec![
                r.group.clone(),
                r.topic.clone(),
                r.partition.to_string(),
                or_dash(r.current_start_offset.as_ref()),
                r.new_start_offset.to_string(),
                r.status.to_owned(),
                or_dash(r.error.as_ref()),
            ]);
        }
        vec![table]
    })?;
    Ok(outcome(failed, rows.len()))
}
