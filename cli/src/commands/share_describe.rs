//! `kctl share describe GROUP`: ShareGroupDescribe and
//! DescribeShareGroupOffsets on the group's coordinator, ListOffsets on the
//! leaders.
//!
//! Three tables, like `kafka-share-groups --describe` with `--state`,
//! `--members` and `--offsets`: the group, its members with their
//! assignments, and per partition the start offset (SPSO: everything below
//! it is acknowledged or archived), the log end offset and the lag.
//!
//! LAG is Kafka's share-partition lag (DescribeShareGroupOffsets v1, Kafka
//! 4.2, KIP-1226), exactly what `kafka-share-groups --describe --offsets`
//! prints: the high watermark minus the start offset minus the records past
//! the start offset already acknowledged or archived. `-` when the broker
//! has none: Kafka 4.1 (v0 only), or a partition without share state.
//!
//! The former BACKLOG column (`end - start`) is gone: with the exact lag it
//! only adds the records done out of order past the start offset, and it
//! is still `LOG-END-OFFSET - START-OFFSET`, both of which stay in the
//! table, so on Kafka 4.1 the upper bound is one subtraction away. The log
//! end offset is not in Kafka's table; it says how far the log has grown,
//! which neither the start offset nor the lag does alone.
//!
//! IN-FLIGHT (records locked by a member now) and ARCHIVED (records
//! rejected or past the delivery-count limit, counted since the partition's
//! state began) are in no Kafka API: broker-lite sends them, with the
//! redelivery counter, as kctl's tagged-field extension to
//! DescribeShareGroupOffsets. Against Apache Kafka they show `-` (JSON
//! null).

use kctl_client::ErrorCode;
use kctl_client::admin::{IsolationLevel, OffsetSpec};
use serde::Serialize;

use crate::cli::ShareDescribeArgs;
use crate::connect;
use crate::exit::{Code, Failure};
use crate::printer::{Table, join, or_dash};
use crate::settings::Settings;

#[derive(Debug, Serialize)]
struct Described {
    group: String,
    coordinator: i32,
    state: String,
    group_epoch: i32,
    assignment_epoch: i32,
    assignor: String,
    members: Vec<MemberRow>,
    offsets: Vec<OffsetRow>,
}

#[derive(Debug, Serialize)]
struct MemberRow {
    member_id: String,
    client_id: String,
    host: String,
    rack: Option<String>,
    member_epoch: i32,
    subscription: Vec<String>,
    /// `topic:partition`, sorted.
    assignment: Vec<String>,
}

#[derive(Debug, Serialize)]
struct OffsetRow {
    topic: String,
    partition: i32,
    /// null: the group has not initialized the partition yet.
    leader_epoch: Option<i32>,
    start_offset: Option<i64>,
    /// null when ListOffsets failed for the partition.
    log_end_offset: Option<i64>,
    /// Kafka's share-partition lag (KIP-1226): records from the start
    /// offset to the high watermark not yet acknowledged or archived; null
    /// when the broker reports none (Kafka 4.1, no share state yet).
    lag: Option<i64>,
    /// Records acquired (locked) by a member now; null when the broker does
    /// not report it (Apache Kafka).
    in_flight: Option<u64>,
    /// Records archived so far (a counter); null as `in_flight`.
    archived: Option<u64>,
    /// Deliveries of a record delivered before (a counter); null as
    /// `in_flight`.
    redeliveries: Option<u64>,
}

pub(crate) async fn run(settings: &Settings, args: ShareDescribeArgs) -> anyhow::Result<Code> {
    let admin = connect::admin(settings).await?;
    let group = args.group;
    let description = match admin.describe_share_group(&group).await {
        Ok(d) => d,
        Err(e) if e.code() == Some(ErrorCode::GroupIdNotFound) => {
            return Err(Failure::new(
                Code::NotFound,
                format!("share group '{group}' does not exist"),
            )
            .hint("`kctl group list` shows every group with its TYPE")
            .into());
        }
        Err(e) => {
            return Err(anyhow::Error::new(e).context(format!("describing share group '{group}'")));
        }
    };
    let offsets = admin.list_share_group_offsets(&group).await?;
    let asks: Vec<_> = offsets
        .iter()
        .map(|o| (o.partition.clone(), OffsetSpec::Latest))
        .collect();
    let ends = admin
        .list_offsets(&asks, IsolationLevel::ReadUncommitted)
        .await?;
    let offsets: Vec<OffsetRow> = offsets
        .into_iter()
        .zip(ends)
        .map(|(o, end)| {
            let log_end_offset = end.result.ok().and_then(|l| l.offset);
            OffsetRow {
                topic: o.partition.topic.to_string(),
                partition: o.partition.partition,
                leader_epoch: o.leader_epoch,
                start_offset: o.start_offset,
                log_end_offset,
                lag: o.lag,
                in_flight: o.statistics.map(|s| s.in_flight),
                archived: o.statistics.map(|s| s.archived_total),
                redeliveries: o.statistics.map(|s| s.redeliveries_total),
            }
        })
        .collect();
    let described = Described {
        group: description.group_id,
        coordinator: description.coordinator,
        state: description.state,
        group_epoch: description.group_epoch,
        assignment_epoch: description.assignment_epoch,
        assignor: description.assignor,
        members: description
            .members
            .into_iter()
            .map(|m| MemberRow {
                member_id: m.member_id,
                client_id: m.client_id,
                host: m.host,
                rack: m.rack,
                member_epoch: m.member_epoch,
                subscription: m.subscription,
                assignment: m
                    .assignment
                    .iter()
                    .map(|tp| format!("{}:{}", tp.topic, tp.partition))
                    .collect(),
            })
            .collect(),
        offsets,
    };
    settings.printer.emit(&described, |d| {
        let mut group = Table::new(&[
            "GROUP",
            "COORDINATOR",
            "STATE",
            "GROUP-EPOCH",
            "ASSIGNMENT-EPOCH",
            "#MEMBERS",
        ]);
        group.row(vec![
            d.group.clone(),
            d.coordinator.to_string(),
            d.state.clone(),
            d.group_epoch.to_string(),
            d.assignment_epoch.to_string(),
            d.members.len().to_string(),
        ]);
        let mut members = Table::new(&[
            "MEMBER-ID",
            "CLIENT-ID",
            "HOST",
            "MEMBER-EPOCH",
            "ASSIGNMENT",
        ]);
        for m in &d.members {
            members.row(vec![
                m.member_id.clone(),
                m.client_id.clone(),
                m.host.clone(),
                m.member_epoch.to_string(),
                if m.assignment.is_empty() {
                    "-".to_owned()
                } else {
                    join(&m.assignment)
                },
            ]);
        }
        let mut offsets = Table::new(&[
            "TOPIC",
            "PARTITION",
            "LEADER-EPOCH",
            "START-OFFSET",
            "LOG-END-OFFSET",
            "LAG",
            "IN-FLIGHT",
            "ARCHIVED",
        ]);
        for o in &d.offsets {
            offsets.row(vec![
                o.topic.clone(),
                o.partition.to_string(),
                or_dash(o.leader_epoch.as_ref()),
                or_dash(o.start_offset.as_ref()),
                or_dash(o.log_end_offset.as_ref()),
                or_dash(o.lag.as_ref()),
                or_dash(o.in_flight.as_ref()),
                or_dash(o.archived.as_ref()),
            ]);
        }
        vec![group, members, offsets]
    })?;
    Ok(Code::Success)
}
