//! The groups table and one group's partitions.

use std::collections::HashMap;

use kctl_client::admin::SHARE_GROUP_TYPE;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Row, Table, Widget};

use super::table::{self, always, from};
use super::{format, style};
use crate::app::{App, TableKind};
use crate::evaluation::GroupEval;

/// Samples shown per sparkline: wider terminals get a longer trend.
fn spark_width(area_width: u16) -> u16 {
    if area_width >= 140 { 30 } else { 10 }
}

pub fn render_list(app: &App, area: Rect, buf: &mut Buffer) {
    let rows = app.group_rows();
    let spark = spark_width(area.width);
    let layout = [
        always(0, Constraint::Fill(1)),
        always(7, Constraint::Length(8)),
        always(1, Constraint::Length(11)),
        always(2, Constraint::Length(5)),
        always(3, Constraint::Length(9)),
        always(4, Constraint::Length(9)),
        always(5, Constraint::Length(6)),
        always(6, Constraint::Length(spark)),
    ];
    let title = format!(" Consumer groups ({}) ", rows.len());
    let block = Block::bordered()
        .title(Span::styled(title, style::TITLE))
        .title_bottom(legend());
    table::render(
        table::Spec {
            kind: TableKind::Groups,
            block,
            layout: &layout,
            row_count: rows.len(),
        },
        area,
        buf,
        app,
        |i| {
            let g = rows[i];
            let trend = app
                .group_history(&g.group_id)
                .map(|h| format::sparkline(h.iter(), usize::from(spark)))
                .unwrap_or_default();
            let committed = g.partitions.iter().any(|p| p.committed_offset.is_some());
            vec![
                Cell::from(g.group_id.clone()),
                Cell::from(g.state.short_label().to_owned()),
                Cell::from(g.members.to_string()),
                Cell::from(if committed {
                    format::compact(g.total_lag)
                } else {
                    "no commit".to_owned()
                }),
                Cell::from(format::time_lag(&g.max_time_lag)),
                Cell::from(Span::styled(g.status.label(), style::status(g.status))),
                Cell::from(trend),
                Cell::from(if g.group_type.is_empty() {
                    "-".to_owned()
                } else {
                    g.group_type.clone()
                }),
            ]
        },
    );
}

pub fn render_detail(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(group) = app.current_group() else {
        return;
    };
    let members_height = members_height(group, area.height);
    // A share group's delivery figures sit between its members and its
    // partitions: they are what the partitions' Lag (backlog) cannot say.
    let share_height = if group.group_type == SHARE_GROUP_TYPE {
        super::share::height(group, area.height)
    } else {
        0
    };
    let [members_area, share_area, partitions_area] = Layout::vertical([
        Constraint::Length(members_height),
        Constraint::Length(share_height),
        Constraint::Min(0),
    ])
    .areas(area);
    if members_height > 0 {
        render_members(group, members_area, buf);
    }
    if share_height > 0 {
        super::share::render(app, group, share_area, buf);
    }
    render_partitions(app, group, partitions_area, buf);
}

/// Rows for the members table: all of them up to a third of the body, so
/// the partitions keep most of the screen. None for an empty group.
fn members_height(group: &GroupEval, body_height: u16) -> u16 {
    if group.member_assignments.is_empty() {
        return 0;
    }
    // Borders and the header take three rows.
    let wanted = u16::try_from(group.member_assignments.len())
        .unwrap_or(u16::MAX)
        .saturating_add(3);
    wanted.min((body_height / 3).max(4))
}

/// Who owns what (`kafka-consumer-groups --describe --members --verbose`),
/// with each member's lag. Not selectable: it is a legend for the
/// partitions table below, whose Member column names the same clients.
fn render_members(group: &GroupEval, area: Rect, buf: &mut Buffer) {
    let wide = area.width >= 120;
    let mut header = vec!["Client", "Host", "Parts", "Lag", "Lag time", "Assignment"];
    let mut widths = vec![
        Constraint::Length(column_width(
            group
                .member_assignments
                .iter()
                .map(|m| m.client_id.as_str()),
            6,
            24,
        )),
        Constraint::Length(column_width(
            group.member_assignments.iter().map(|m| m.host.as_str()),
            4,
            20,
        )),
        Constraint::Length(5),
        Constraint::Length(7),
        Constraint::Length(9),
        Constraint::Fill(1),
    ];
    if wide {
        header.push("Member id");
        widths.push(Constraint::Length(column_width(
            group
                .member_assignments
                .iter()
                .map(|m| m.member_id.as_str()),
            9,
            60,
        )));
    }
    let rows = group.member_assignments.iter().map(|m| {
        let mut cells = vec![
            Cell::from(m.client_id.clone()),
            Cell::from(m.host.clone()),
            Cell::from(m.assignment.len().to_string()),
            Cell::from(m.lag.map_or_else(|| "-".to_owned(), format::compact)),
            Cell::from(
                m.max_time_lag
                    .as_ref()
                    .map_or_else(|| "-".to_owned(), format::time_lag),
            ),
            Cell::from(format::assignment(&m.assignment)),
        ];
        if wide {
            cells.push(Cell::from(Span::styled(m.member_id.clone(), style::DIM)));
        }
        Row::new(cells)
    });
    let title = format!(" Members ({}) ", group.member_assignments.len());
    Table::new(rows, widths)
        .header(Row::new(header).style(style::HEADER))
        .column_spacing(1)
        .block(Block::bordered().title(Span::styled(title, style::TITLE)))
        .render(area, buf);
}

/// The widest value, but at least `min` (the header) and at most `max`.
fn column_width<'a>(values: impl Iterator<Item = &'a str>, min: usize, max: usize) -> u16 {
    let widest = values.map(|v| v.chars().count()).max().unwrap_or(0);
    u16::try_from(widest.clamp(min, max)).unwrap_or(u16::MAX)
}

fn render_partitions(app: &App, group: &GroupEval, area: Rect, buf: &mut Buffer) {
    let rows = app.group_partition_rows();
    let spark = spark_width(area.width);
    let clients: HashMap<&str, &str> = group
        .member_assignments
        .iter()
        .map(|m| (m.member_id.as_str(), m.client_id.as_str()))
        .collect();
    // Partition and Member are as wide as their longest value, so at 160
    // columns neither takes the slack (which stays right of the table).
    // "Partition▲" is ten wide.
    let partition_width = format::partition_column_width(&group.partitions, 10);
    let layout = [
        always(0, Constraint::Length(partition_width)),
        from(
            120,
            9,
            Constraint::Length(column_width(
                group
                    .member_assignments
                    .iter()
                    .map(|m| m.client_id.as_str())
                    .chain(["unassigned"]),
                7,
                30,
            )),
        ),
        always(1, Constraint::Length(10)),
        always(2, Constraint::Length(10)),
        always(3, Constraint::Length(7)),
        always(4, Constraint::Length(9)),
        from(100, 5, Constraint::Length(7)),
        always(6, Constraint::Length(7)),
        always(7, Constraint::Length(6)),
        from(100, 8, Constraint::Length(spark)),
    ];
    let title = Line::from(vec![
        Span::styled(format!(" Group {} ", group.group_id), style::TITLE),
        Span::raw(format!(
            "· {} · {} · {} member{} · {} ",
            if group.group_type.is_empty() {
                "-"
            } else {
                &group.group_type
            },
            group.state.label(),
            group.members,
            if group.members == 1 { "" } else { "s" },
            if group.protocol.is_empty() {
                "-"
            } else {
                &group.protocol
            }
        )),
        Span::styled(
            format!("{} ", group.status.label()),
            style::status(group.status),
        ),
    ]);
    // A share group has no commits: the poller puts the log end minus
    // Kafka's share-partition lag there (KIP-1226), or the share-partition
    // start offset (SPSO) when the broker has no lag, where Lag is a backlog.
    let note = if group.group_type == SHARE_GROUP_TYPE {
        " share: Lag = share lag, Committed = end - lag (else SPSO) "
    } else {
        " ! below log start "
    };
    let block = Block::bordered()
        .title(title)
        .title_bottom(Line::from(Span::styled(note, style::DIM)).left_aligned())
        .title_bottom(legend());
    table::render(
        table::Spec {
            kind: TableKind::GroupPartitions,
            block,
            layout: &layout,
            row_count: rows.len(),
        },
        area,
        buf,
        app,
        |i| {
            let p = rows[i];
            let trend = app
                .partition_history(&group.group_id, &p.topic, p.partition)
                .map(|h| format::sparkline(h.iter(), usize::from(spark)))
                .unwrap_or_default();
            let committed = match p.committed_offset {
                Some(offset) if p.behind_log_start => {
                    Cell::from(Span::styled(format!("{offset}!"), style::CRIT))
                }
                Some(offset) => Cell::from(offset.to_string()),
                None => Cell::from(Span::styled("no commit", style::DIM)),
            };
            // A share group's partition may go to several members at once.
            let holders = group
                .member_assignments
                .iter()
                .filter(|m| {
                    m.assignment
                        .iter()
                        .any(|tp| tp.topic == p.topic && tp.partition == p.partition)
                })
                .count();
            let member = match p.member_id.as_deref() {
                Some(_) if holders > 1 => Cell::from(format!("{holders} members")),
                Some(id) => Cell::from(clients.get(id).copied().unwrap_or(id).to_owned()),
                None => Cell::from(Span::styled("unassigned", style::DIM)),
            };
            vec![
                Cell::from(format!("{}-{}", p.topic, p.partition)),
                committed,
                Cell::from(format::opt(p.log_end_offset)),
                Cell::from(p.lag.map_or_else(|| "-".to_owned(), format::compact)),
                Cell::from(format::time_lag(&p.time_lag)),
                Cell::from(format::rate(p.consume_rate_per_s)),
                Cell::from(format::catch_up(&p.catch_up)),
                Cell::from(Span::styled(p.status.label(), style::status(p.status))),
                Cell::from(trend),
                member,
            ]
        },
    );
}

/// The lag-time marks, at the foot of every table that shows them.
fn legend() -> Line<'static> {
    Line::from(Span::styled(
        " ≈ interpolated  = exact  ≥ lower bound  ? warming up ",
        style::DIM,
    ))
    .right_aligned()
}
