//! `kctl group describe`: DescribeGroups and OffsetFetch on the group's
//! coordinator, ListOffsets on the leaders, then lag per partition.
//!
//! A partition without a commit says "no commit" (JSON: null committed
//! offset and lag), never a number: counting it as zero or as the whole log
//! is the mistake that makes dashboards lie.

use kctl_client::ErrorCode;
use kctl_client::admin::{GroupDescription, IsolationLevel, PartitionLag};
use serde::Serialize;

use super::shared::outcome;
use crate::cli::GroupDescribeArgs;
use crate::connect;
use crate::exit::{Code, Failure};
use crate::printer::{Table, or_dash};
use crate::settings::Settings;

pub(crate) const NO_COMMIT: &str = "no commit";

#[derive(Debug, Serialize)]
struct Described {
    group: String,
    state: String,
    /// `classic`, or `consumer` for a KIP-848 group.
    group_type: String,
    /// A KIP-848 group's epoch; null for a classic group.
    group_epoch: Option<i32>,
    protocol_type: String,
    /// The assignor of the current generation (the server-side assignor of
    /// a KIP-848 group).
    protocol: String,
    coordinator: i32,
    members: Vec<MemberRow>,
    offsets: Vec<OffsetRow>,
}

#[derive(Debug, Serialize)]
struct MemberRow {
    member_id: String,
    group_instance_id: Option<String>,
    client_id: String,
    host: String,
    /// A KIP-848 member's epoch; null in a classic group.
    member_epoch: Option<i32>,
    /// A KIP-848 member's `client.rack`; null without one or in a classic
    /// group.
    rack_id: Option<String>,
    /// null when the group is not a consumer group (its assignment is
    /// opaque to kctl).
    assignment: Option<Vec<Assigned>>,
}

#[derive(Debug, Serialize)]
struct Assigned {
    topic: String,
    partition: i32,
}

#[derive(Debug, Serialize)]
struct OffsetRow {
    topic: String,
    partition: i32,
    /// null: the group never committed for this partition.
    committed_offset: Option<i64>,
    /// null when ListOffsets failed for this partition.
    log_end_offset: Option<i64>,
    /// null when there is no commit or no log end offset.
    lag: Option<i64>,
    member_id: Option<String>,
}

fn offset_row(lag: PartitionLag) -> OffsetRow {
    OffsetRow {
        topic: lag.partition.topic.to_string(),
        partition: lag.partition.partition,
        committed_offset: lag.committed_offset,
        log_end_offset: lag.log_end_offset.ok(),
        lag: lag.lag.records(),
        member_id: lag.member_id,
    }
}

/// Kafka describes a group it does not know as Dead with no members.
pub(crate) fn exists(description: &GroupDescription) -> bool {
    !(description.state == "Dead" && description.members.is_empty())
}

pub(crate) async fn run(settings: &Settings, args: GroupDescribeArgs) -> anyhow::Result<Code> {
    let mut names: Vec<String> = args
        .groups
        .iter()
        .chain(&args.group_flags)
        .cloned()
        .collect();
    names.dedup();
    let isolation = if args.read_committed {
        IsolationLevel::ReadCommitted
    } else {
        IsolationLevel::ReadUncommitted
    };
    let admin = connect::admin(settings).await?;
    let mut rows = Vec::new();
    let mut failed = 0;
    let mut missing = Vec::new();
    for described in admin.describe_groups(&names).await? {
        let description = match described.result {
            Ok(d) => d,
            // Kafka 4 answers GROUP_ID_NOT_FOUND for a group it does not
            // know, where older brokers describe it as Dead.
            Err(e) if e.code() == Some(ErrorCode::GroupIdNotFound) => {
                failed += 1;
                missing.push(described.group_id);
                continue;
            }
            Err(e) => {
                failed += 1;
                settings
                    .printer
                    .status(format!("error: group '{}': {e}", described.group_id));
                continue;
            }
        };
        let committed = match admin.list_group_offsets(&description.group_id, None).await {
            Ok(c) => c,
            Err(e) => {
                failed += 1;
                settings.printer.status(format!(
                    "error: offsets of group '{}': {e}",
                    described.group_id
                ));
                continue;
            }
        };
        if !exists(&description) && committed.is_empty() {
            failed += 1;
            missing.push(description.group_id);
            continue;
        }
        let offsets = admin
            .lag_of(&description, committed, isolation)
            .await
            .into_iter()
            .map(offset_row)
            .collect();
        rows.push(Described {
            members: description
                .members
                .iter()
                .map(|m| MemberRow {
                    member_id: m.member_id.clone(),
                    group_instance_id: m.group_instance_id.clone(),
                    client_id: m.client_id.clone(),
                    host: m.host.clone(),
                    member_epoch: m.member_epoch,
                    rack_id: m.rack_id.clone(),
                    assignment: m.assignment.as_ref().map(|a| {
                        a.iter()
                            .map(|tp| Assigned {
                                topic: tp.topic.to_string(),
                                partition: tp.partition,
                            })
                            .collect()
                    }),
                })
                .collect(),
            group: description.group_id,
            state: description.state,
            group_type: description.group_type,
            group_epoch: description.group_epoch,
            protocol_type: description.protocol_type,
            protocol: description.protocol,
            coordinator: description.coordinator,
            offsets,
        });
    }
    if !missing.is_empty() && rows.is_empty() && failed == missing.len() {
        return Err(Failure::new(
            Code::NotFound,
            format!("consumer group '{}' does not exist", missing.join("', '")),
        )
        .hint("`kctl group list` shows the groups")
        .into());
    }
    for group in &missing {
        settings
            .printer
            .status(format!("error: consumer group '{group}' does not exist"));
    }
    let lag_only = args.lag_only;
    settings
        .printer
        .emit(&rows, |rows| tables(rows, lag_only))?;
    Ok(outcome(failed, names.len()))
}

fn tables(rows: &[Described], lag_only: bool) -> Vec<Table> {
    let mut tables = Vec::new();
    if !lag_only {
        let mut groups = Table::new(&[
            "GROUP",
            "TYPE",
            "STATE",
            "PROTOCOL",
            "MEMBERS",
            "COORDINATOR",
        ]);
        for g in rows {
            groups.row(vec![
                g.group.clone(),
                g.group_type.clone(),
                g.state.clone(),
                if g.protocol.is_empty() {
                    "-".to_owned()
                } else {
                    g.protocol.clone()
                },
                g.members.len().to_string(),
                g.coordinator.to_string(),
            ]);
        }
        tables.push(groups);
        let mut members = Table::new(&[
            "GROUP",
            "MEMBER-ID",
            "INSTANCE-ID",
            "CLIENT-ID",
            "HOST",
            "RACK",
            "ASSIGNMENT",
        ]);
        for g in rows {
            for m in &g.members {
                members.row(vec![
                    g.group.clone(),
                    m.member_id.clone(),
                    or_dash(m.group_instance_id.as_ref()),
                    m.client_id.clone(),
                    m.host.clone(),
                    or_dash(m.rack_id.as_ref()),
                    match &m.assignment {
                        None => "-".to_owned(),
                        Some(a) if a.is_empty() => "(none)".to_owned(),
                        Some(a) => a
                            .iter()
                            .map(|tp| format!("{}-{}", tp.topic, tp.partition))
                            .collect::<Vec<_>>()
                            .join(","),
                    },
                ]);
            }
        }
        tables.push(members);
    }
    let mut offsets = Table::new(&[
        "GROUP",
        "TOPIC",
        "PARTITION",
        "CURRENT-OFFSET",
        "LOG-END-OFFSET",
        "LAG",
        "MEMBER-ID",
    ]);
    for g in rows {
        for o in &g.offsets {
            offsets.row(vec![
                g.group.clone(),
                o.topic.clone(),
                o.partition.to_string(),
                o.committed_offset
                    .map_or_else(|| NO_COMMIT.to_owned(), |c| c.to_string()),
                or_dash(o.log_end_offset),
                match (o.committed_offset, o.lag) {
                    (None, _) => NO_COMMIT.to_owned(),
                    (Some(_), lag) => or_dash(lag),
                },
                or_dash(o.member_id.as_ref()),
            ]);
        }
    }
    tables.push(offsets);
    tables
}
