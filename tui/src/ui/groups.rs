//! The groups table and one group's partitions.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell};

use super::table::{self, always, from};
use super::{format, style};
use crate::app::{App, TableKind};

/// Samples shown per sparkline: wider terminals get a longer trend.
fn spark_width(area_width: u16) -> u16 {
    if area_width >= 140 { 30 } else { 10 }
}

pub fn render_list(app: &App, area: Rect, buf: &mut Buffer) {
    let rows = app.group_rows();
    let spark = spark_width(area.width);
    let layout = [
        always(0, Constraint::Fill(1)),
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
            ]
        },
    );
}

pub fn render_detail(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(group) = app.current_group() else {
        return;
    };
    let rows = app.group_partition_rows();
    let spark = spark_width(area.width);
    let layout = [
        always(0, Constraint::Fill(1)),
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
            "· {} · {} member{} · {} ",
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
    let block = Block::bordered()
        .title(title)
        .title_bottom(Line::from(Span::styled(" ! below log start ", style::DIM)).left_aligned())
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
