//! `kctl group reset-offsets`: a plan of new committed offsets, applied
//! with OffsetCommit (generation -1, no member id) only under --execute.
//!
//! As in Kafka, offsets can only be reset while the group is inactive
//! (Empty, or Dead for a group that only has offsets): members of a live
//! group would overwrite the new offsets with their next commit.
//! Every target is kept within the log's current range, as Kafka does.

use std::time::{SystemTime, UNIX_EPOCH};

use kctl_client::admin::{Admin, IsolationLevel, OffsetSpec, TopicPartition};
use serde::Serialize;

use super::group_describe::exists;
use super::shared::{first, outcome};
use crate::cli::{GroupResetOffsetsArgs, ResetTarget, TopicPartitions};
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

/// One ListOffsets answer per partition, failing the command on any error:
/// a plan with holes would reset some partitions and not others.
async fn offsets_at(
    admin: &Admin,
    partitions: &[TopicPartition],
    spec: OffsetSpec,
) -> anyhow::Result<Vec<Option<i64>>> {
    let asks: Vec<_> = partitions.iter().map(|tp| (tp.clone(), spec)).collect();
    admin
        .list_offsets(&asks, IsolationLevel::ReadUncommitted)
        .await?
        .into_iter()
        .map(|r| {
            r.result.map(|o| o.offset).map_err(|e| {
                anyhow::Error::new(e).context(format!("reading offsets of {}", r.partition))
            })
        })
        .collect()
}

pub(crate) async fn run(settings: &Settings, args: GroupResetOffsetsArgs) -> anyhow::Result<Code> {
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
    if !matches!(description.state.as_str(), "Empty" | "Dead") {
        return Err(Failure::new(
            Code::Failure,
            format!(
                "assignments can only be reset if the group '{group}' is inactive, but the current state is {} ({} member{})",
                description.state,
                description.members.len(),
                if description.members.len() == 1 { "" } else { "s" }
            ),
        )
        .hint("stop the group's consumers, wait for the group to become Empty, then run this again")
        .into());
    }
    let committed = admin.list_group_offsets(&group, None).await?;
    let partitions = if args.all_topics {
        let all: Vec<TopicPartition> = committed.iter().map(|c| c.partition.clone()).collect();
        if all.is_empty() {
            let message = if exists(&description) {
                format!(
                    "group '{group}' has no committed offsets; name the partitions with --topic"
                )
            } else {
                format!(
                    "consumer group '{group}' does not exist; name the partitions with --topic to create its offsets"
                )
            };
            return Err(Failure::new(Code::NotFound, message).into());
        }
        all
    } else {
        expand(&admin, &args.topics).await?
    };
    let current: Vec<Option<i64>> = partitions
        .iter()
        .map(|tp| {
            committed
                .iter()
                .find(|c| &c.partition == tp)
                .and_then(|c| c.result.as_ref().ok().cloned().flatten())
                .map(|c| c.offset)
        })
        .collect();
    let earliest = offsets_at(&admin, &partitions, OffsetSpec::Earliest).await?;
    let latest = offsets_at(&admin, &partitions, OffsetSpec::Latest).await?;
    let wanted: Vec<Option<i64>> = match &args.target {
        ResetTarget {
            to_earliest: true, ..
        } => earliest.clone(),
        ResetTarget {
            to_latest: true, ..
        } => latest.clone(),
        ResetTarget {
            to_offset: Some(n), ..
        } => vec![Some(*n); partitions.len()],
        ResetTarget {
            shift_by: Some(n), ..
        } => {
            let mut shifted = Vec::new();
            for (tp, current) in partitions.iter().zip(&current) {
                let Some(c) = current else {
                    return Err(Failure::new(
                        Code::Failure,
                        format!("cannot shift the offset of {tp}: group '{group}' has no committed offset there"),
                    )
                    .hint("use --to-earliest, --to-latest or --to-offset for partitions without a commit")
                    .into());
                };
                shifted.push(Some(c.saturating_add(*n)));
            }
            shifted
        }
        ResetTarget {
            to_datetime: Some(ms),
            ..
        } => offsets_at(&admin, &partitions, OffsetSpec::Timestamp(*ms)).await?,
        ResetTarget {
            by_duration: Some(d),
            ..
        } => {
            let since = now_ms() - d.as_millis() as i64;
            offsets_at(&admin, &partitions, OffsetSpec::Timestamp(since)).await?
        }
        ResetTarget { .. } => unreachable!("clap requires one reset target"),
    };
    let mut rows: Vec<Planned> = Vec::new();
    for (i, tp) in partitions.iter().enumerate() {
        let (low, high) = (earliest[i].unwrap_or(0), latest[i].unwrap_or(0));
        // No record at or after the time: the end, as Kafka does.
        let new_offset = wanted[i].unwrap_or(high).clamp(low, high.max(low));
        rows.push(Planned {
            group: group.clone(),
            topic: tp.topic.clone(),
            partition: tp.partition,
            current_offset: current[i],
            new_offset,
            status: "planned",
            error: None,
        });
    }
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
        let commits: Vec<(TopicPartition, i64)> = rows
            .iter()
            .map(|r| {
                (
                    TopicPartition::new(r.topic.clone(), r.partition),
                    r.new_offset,
                )
            })
            .collect();
        for (row, result) in rows
            .iter_mut()
            .zip(admin.alter_group_offsets(&group, &commits).await?)
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
