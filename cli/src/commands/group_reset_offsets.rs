//! `kctl group reset-offsets`: prints the plan of new committed offsets
//! that the admin client's `plan_offset_reset` computes, and applies it
//! (`apply_offset_reset`: OffsetCommit with generation -1, no member id)
//! only under --execute. As in Kafka, the client refuses while the group has
//! active members, and keeps every target within the log's current range.

use std::time::{SystemTime, UNIX_EPOCH};

use kctl_client::admin::{Admin, ResetTarget, TopicPartition};
use kctl_client::{Error as ClientError, ErrorCode};
use serde::Serialize;

use super::group_describe::exists;
use super::shared::{first, outcome};
use crate::cli::{GroupResetOffsetsArgs, ResetTarget as CliTarget, TopicPartitions};
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
    /// null: no commit yet.
    current_offset: Option<i64>,
    new_offset: i64,
    /// planned (dry run), reset or failed.
    status: &'static str,
    error: Option<String>,
}

/// The partitions named by `--topic T` (all of T's) and `--topic T:0,1`.
pub(crate) async fn expand(
    admin: &Admin,
    topics: &[TopicPartitions],
) -> anyhow::Result<Vec<TopicPartition>> {
    let mut partitions = Vec::new();
    for t in topics {
        let description = first(
            admin
                .describe_topics(&[&t.topic])
                .await?
                .into_iter()
                .map(|r| r.result),
        )
        .map_err(|e| anyhow::Error::new(e).context(format!("looking up topic '{}'", t.topic)))?;
        let count = description.partitions.len() as i32;
        if t.partitions.is_empty() {
            partitions.extend((0..count).map(|p| TopicPartition::new(t.topic.clone(), p)));
        } else {
            for &p in &t.partitions {
                if p >= count {
                    return Err(Failure::new(
                        Code::NotFound,
                        format!("topic '{}' has no partition {p} (it has {count})", t.topic),
                    )
                    .into());
                }
                partitions.push(TopicPartition::new(t.topic.clone(), p));
            }
        }
    }
    partitions.sort();
    partitions.dedup();
    Ok(partitions)
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

pub(crate) async fn run(settings: &Settings, args: GroupResetOffsetsArgs) -> anyhow::Result<Code> {
    let admin = connect::admin(settings).await?;
    let group = args.group.clone();
    let partitions = if args.all_topics {
        None
    } else {
        Some(expand(&admin, &args.topics).await?)
    };
    let target = match &args.target {
        CliTarget {
            to_earliest: true, ..
        } => ResetTarget::Earliest,
        CliTarget {
            to_latest: true, ..
        } => ResetTarget::Latest,
        CliTarget {
            to_offset: Some(n), ..
        } => ResetTarget::Offset(*n),
        CliTarget {
            shift_by: Some(n), ..
        } => ResetTarget::ShiftBy(*n),
        CliTarget {
            to_datetime: Some(ms),
            ..
        } => ResetTarget::Timestamp(*ms),
        CliTarget {
            by_duration: Some(d),
            ..
        } => ResetTarget::Timestamp(now_ms() - d.as_millis() as i64),
        CliTarget { .. } => unreachable!("clap requires one reset target"),
    };
    let plan = match admin
        .plan_offset_reset(&group, partitions.as_deref(), target)
        .await
    {
        Ok(plan) => plan,
        Err(e) if e.code() == Some(ErrorCode::NonEmptyGroup) => {
            let message = match &e {
                ClientError::Kafka { context, .. } => {
                    context.message.clone().unwrap_or_else(|| e.to_string())
                }
                _ => e.to_string(),
            };
            return Err(Failure::new(Code::Failure, message)
                .hint("stop the group's consumers, wait for the group to become Empty, then run this again")
                .into());
        }
        Err(ClientError::Config(message)) => {
            return Err(Failure::new(Code::Failure, message)
                .hint(
                    "use --to-earliest, --to-latest or --to-offset for partitions without a commit",
                )
                .into());
        }
        Err(e) => {
            return Err(
                anyhow::Error::new(e).context(format!("planning the reset of group '{group}'"))
            );
        }
    };
    if plan.is_empty() {
        let description = admin
            .describe_groups(&[&group])
            .await?
            .into_iter()
            .next()
            .expect("one result per group")
            .result?;
        let message = if exists(&description) {
            format!("group '{group}' has no committed offsets; name the partitions with --topic")
        } else {
            format!(
                "consumer group '{group}' does not exist; name the partitions with --topic to create its offsets"
            )
        };
        return Err(Failure::new(Code::NotFound, message).into());
    }
    let mut rows: Vec<Planned> = plan
        .iter()
        .map(|p| Planned {
            group: group.clone(),
            topic: p.partition.topic.to_string(),
            partition: p.partition.partition,
            current_offset: p.current_offset,
            new_offset: p.new_offset,
            status: "planned",
            error: None,
        })
        .collect();
    let mut failed = 0;
    if args.execute {
        confirm(
            &format!(
                "Reset the committed offsets of group {group} on {} partition{}?",
                rows.len(),
                if rows.len() == 1 { "" } else { "s" }
            ),
            args.yes,
        )?;
        for (row, result) in rows
            .iter_mut()
            .zip(admin.apply_offset_reset(&group, &plan).await?)
        {
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
            "CURRENT-OFFSET",
            "NEW-OFFSET",
            "STATUS",
            "ERROR",
        ]);
        for r in rows {
            table.row(vec![
                r.group.clone(),
                r.topic.clone(),
                r.partition.to_string(),
                r.current_offset.map_or_else(
                    || super::group_describe::NO_COMMIT.to_owned(),
                    |c| c.to_string(),
                ),
                r.new_offset.to_string(),
                r.status.to_owned(),
                or_dash(r.error.as_ref()),
            ]);
        }
        vec![table]
    })?;
    Ok(outcome(failed, rows.len()))
}
