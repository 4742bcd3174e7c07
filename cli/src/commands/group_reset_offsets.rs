//! `kctl group reset-offsets`: prints the plan of new committed offsets
//! that the admin client's `plan_offset_reset` computes, and applies it
//! (`apply_offset_reset`: OffsetCommit with generation -1, no member id)
//! only under --execute. As in Kafka, the client refuses while the group has
//! active members, and keeps every target within the log's current range.
//!
//! Beyond Kafka's targets: `--to-group OTHER` copies another group's
//! commits, `--from-file PLAN.json` applies a plan the dry run printed with
//! `-o json`, and `--undo` restores what the last `--execute` replaced
//! (each one saves the previous offsets, see `offset_history`).

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use kctl_client::admin::{Admin, PlannedOffset, ResetTarget, TopicPartition};
use kctl_client::{Error as ClientError, ErrorCode};
use serde::Serialize;

use super::group_describe::exists;
use super::offset_history::{self, SavedOffsets};
use super::shared::{first, outcome};
use crate::cli::{GroupResetOffsetsArgs, TopicPartitions};
use crate::confirm::confirm;
use crate::connect;
use crate::exit::{Code, Failure, usage};
use crate::printer::{Table, or_dash};
use crate::settings::Settings;

/// One row of the plan: what the dry run prints, and what `--from-file`
/// reads back.
#[derive(Debug, Serialize, serde::Deserialize)]
pub(crate) struct Planned {
    pub group: String,
    pub topic: String,
    pub partition: i32,
    /// null: no commit yet.
    #[serde(default)]
    pub current_offset: Option<i64>,
    /// null only for --undo: the group had no commit there, so it is deleted.
    pub new_offset: Option<i64>,
    /// planned (dry run), reset, deleted or failed.
    #[serde(skip_deserializing, default = "planned")]
    pub status: &'static str,
    #[serde(default)]
    pub error: Option<String>,
}

fn planned() -> &'static str {
    "planned"
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
    let partitions = if args.all_topics || args.target.from_file.is_some() || args.target.undo {
        None
    } else if args.topics.is_empty() {
        // --to-group alone: the other group's partitions.
        None
    } else {
        Some(expand(&admin, &args.topics).await?)
    };
    let mut rows: Vec<Planned> = if args.target.undo {
        undo_plan(settings, &admin, &group).await?
    } else if let Some(path) = &args.target.from_file {
        let wanted = read_plan_file(path, &group)?;
        plan_to(&admin, &group, &wanted).await?
    } else if let Some(other) = &args.target.to_group {
        let wanted = committed_offsets(&admin, other, partitions.as_deref()).await?;
        if wanted.is_empty() {
            return Err(Failure::new(
                Code::NotFound,
                format!("group '{other}' has no committed offsets to copy"),
            )
            .into());
        }
        plan_to(&admin, &group, &wanted).await?
    } else {
        let target = kafka_target(&args);
        let plan = admin
            .plan_offset_reset(&group, partitions.as_deref(), target)
            .await
            .map_err(|e| plan_error(e, &group))?;
        rows_of(&group, &plan)
    };
    if rows.is_empty() {
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
    let mut failed = 0;
    if args.execute {
        confirm(
            &format!(
                "{} the committed offsets of group {group} on {} partition{}?",
                if args.target.undo { "Restore" } else { "Reset" },
                rows.len(),
                if rows.len() == 1 { "" } else { "s" }
            ),
            args.yes,
        )?;
        // What is about to be replaced, so --undo can put it back.
        let previous = SavedOffsets {
            group: group.clone(),
            saved_at_ms: now_ms(),
            offsets: rows
                .iter()
                .map(|r| offset_history::Saved {
                    topic: r.topic.clone(),
                    partition: r.partition,
                    offset: r.current_offset,
                })
                .collect(),
        };
        let saved = offset_history::save(&settings.bootstrap, &previous);
        failed = apply(&admin, &group, &mut rows).await?;
        match saved {
            Ok(_) => settings.printer.status(format!(
                "the previous offsets are saved: `kctl group reset-offsets {group} --undo --execute` restores them"
            )),
            Err(e) => settings
                .printer
                .status(format!("warning: the previous offsets could not be saved for --undo: {e:#}")),
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
        let offset = |o: Option<i64>| {
            o.map_or_else(
                || super::group_describe::NO_COMMIT.to_owned(),
                |c| c.to_string(),
            )
        };
        for r in rows {
            table.row(vec![
                r.group.clone(),
                r.topic.clone(),
                r.partition.to_string(),
                offset(r.current_offset),
                offset(r.new_offset),
                r.status.to_owned(),
                or_dash(r.error.as_ref()),
            ]);
        }
        vec![table]
    })?;
    Ok(outcome(failed, rows.len()))
}

fn kafka_target(args: &GroupResetOffsetsArgs) -> ResetTarget {
    let t = &args.target;
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

fn rows_of(group: &str, plan: &[PlannedOffset]) -> Vec<Planned> {
    plan.iter()
        .map(|p| Planned {
            group: group.to_owned(),
            topic: p.partition.topic.to_string(),
            partition: p.partition.partition,
            current_offset: p.current_offset,
            new_offset: Some(p.new_offset),
            status: "planned",
            error: None,
        })
        .collect()
}

/// Kafka's own message for a group with members, and a hint.
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
                .hint("stop the group's consumers, wait for the group to become Empty, then run this again")
                .into()
        }
        ClientError::Config(message) => Failure::new(Code::Failure, message)
            .hint("use --to-earliest, --to-latest or --to-offset for partitions without a commit")
            .into(),
        e => anyhow::Error::new(e).context(format!("planning the reset of group '{group}'")),
    }
}

/// A plan to per-partition offsets, kept within each log's range. The
/// client plans one target for all partitions; the earliest and latest
/// plans give each partition's current commit and range (and refuse a
/// group with members, as every reset does).
async fn plan_to(
    admin: &Admin,
    group: &str,
    wanted: &BTreeMap<TopicPartition, i64>,
) -> anyhow::Result<Vec<Planned>> {
    let partitions: Vec<TopicPartition> = wanted.keys().cloned().collect();
    let low = admin
        .plan_offset_reset(group, Some(&partitions), ResetTarget::Earliest)
        .await
        .map_err(|e| plan_error(e, group))?;
    let high = admin
        .plan_offset_reset(group, Some(&partitions), ResetTarget::Latest)
        .await
        .map_err(|e| plan_error(e, group))?;
    let mut rows = rows_of(group, &low);
    for ((row, low), high) in rows.iter_mut().zip(&low).zip(&high) {
        let (low, high) = (low.new_offset, high.new_offset.max(low.new_offset));
        row.new_offset = Some(wanted[&low_tp(row)].clamp(low, high));
    }
    Ok(rows)
}

fn low_tp(row: &Planned) -> TopicPartition {
    TopicPartition::new(row.topic.clone(), row.partition)
}

/// What `group` has committed, on `partitions` or everywhere.
async fn committed_offsets(
    admin: &Admin,
    group: &str,
    partitions: Option<&[TopicPartition]>,
) -> anyhow::Result<BTreeMap<TopicPartition, i64>> {
    let mut offsets = BTreeMap::new();
    for c in admin.list_group_offsets(group, partitions).await? {
        match c.result {
            Ok(Some(committed)) => {
                offsets.insert(c.partition, committed.offset);
            }
            Ok(None) => {}
            Err(e) => {
                return Err(anyhow::Error::new(e).context(format!(
                    "reading group '{group}' offsets of {}",
                    c.partition
                )));
            }
        }
    }
    Ok(offsets)
}

/// The new offsets of a plan file (the dry run's `-o json`).
fn read_plan_file(
    path: &std::path::Path,
    group: &str,
) -> anyhow::Result<BTreeMap<TopicPartition, i64>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| usage(format!("cannot read --from-file {}: {e}", path.display())))?;
    let rows: Vec<Planned> = serde_json::from_str(&text).map_err(|e| {
        usage(format!(
            "--from-file {}: not a reset-offsets plan: {e}",
            path.display()
        ))
        .hint("write one with `kctl group reset-offsets GROUP ... -o json > PLAN.json`")
    })?;
    let mut wanted = BTreeMap::new();
    for row in rows {
        if row.group != group {
            return Err(usage(format!(
                "--from-file {} is a plan for group '{}', not '{group}'",
                path.display(),
                row.group
            ))
            .into());
        }
        let Some(offset) = row.new_offset else {
            return Err(usage(format!(
                "--from-file {}: {}-{} has no new_offset",
                path.display(),
                row.topic,
                row.partition
            ))
            .into());
        };
        wanted.insert(TopicPartition::new(row.topic, row.partition), offset);
    }
    if wanted.is_empty() {
        return Err(usage(format!("--from-file {} has no partitions", path.display())).into());
    }
    Ok(wanted)
}

/// The saved offsets of the last --execute, as a plan to restore them
/// exactly (not clamped: they were valid commits).
async fn undo_plan(
    settings: &Settings,
    admin: &Admin,
    group: &str,
) -> anyhow::Result<Vec<Planned>> {
    let Some(saved) = offset_history::load(&settings.bootstrap, group)? else {
        return Err(Failure::new(
            Code::NotFound,
            format!("nothing to undo: no --execute of group '{group}' on this cluster was saved"),
        )
        .hint("every `kctl group reset-offsets --execute` saves the offsets it replaces; --undo restores the last ones")
        .into());
    };
    let partitions: Vec<TopicPartition> = saved
        .offsets
        .iter()
        .map(|s| TopicPartition::new(s.topic.clone(), s.partition))
        .collect();
    // Refuses a group with members, and reads the current commits.
    let current = admin
        .plan_offset_reset(group, Some(&partitions), ResetTarget::Earliest)
        .await
        .map_err(|e| plan_error(e, group))?;
    Ok(current
        .iter()
        .zip(&saved.offsets)
        .map(|(now, before)| Planned {
            group: group.to_owned(),
            topic: before.topic.clone(),
            partition: before.partition,
            current_offset: now.current_offset,
            new_offset: before.offset,
            status: "planned",
            error: None,
        })
        .collect())
}

/// Commits the rows' new offsets, and deletes the commits of rows without
/// one (an undo back to "no commit"); returns how many failed.
async fn apply(admin: &Admin, group: &str, rows: &mut [Planned]) -> anyhow::Result<usize> {
    let commits: Vec<(TopicPartition, i64)> = rows
        .iter()
        .filter_map(|r| r.new_offset.map(|o| (low_tp(r), o)))
        .collect();
    let deletes: Vec<TopicPartition> = rows
        .iter()
        .filter(|r| r.new_offset.is_none())
        .map(low_tp)
        .collect();
    let mut results = BTreeMap::new();
    if !commits.is_empty() {
        for r in admin.alter_group_offsets(group, &commits).await? {
            results.insert(r.partition, (r.result, "reset"));
        }
    }
    if !deletes.is_empty() {
        for r in admin.delete_group_offsets(group, &deletes).await? {
            results.insert(r.partition, (r.result, "deleted"));
        }
    }
    let mut failed = 0;
    for row in rows.iter_mut() {
        match results.remove(&low_tp(row)) {
            Some((Ok(()), done)) => row.status = done,
            Some((Err(e), _)) => {
                failed += 1;
                row.status = "failed";
                row.error = Some(e.to_string());
            }
            None => {
                failed += 1;
                row.status = "failed";
                row.error = Some("the broker did not answer for this partition".to_owned());
            }
        }
    }
    Ok(failed)
}
