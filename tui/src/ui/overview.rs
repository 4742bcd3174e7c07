//! Cluster summary, health counters (coloured only when not zero) and the
//! worst groups; on wide terminals also the verdict's reasons.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Widget, Wrap};

use super::table::{self, always};
use super::{format, style};
use crate::app::{App, TableKind};
use crate::evaluation::Evaluation;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(evaluation) = app.evaluation() else {
        return;
    };
    let [top, bottom] = Layout::vertical([Constraint::Length(8), Constraint::Min(3)]).areas(area);
    let [cluster, health] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(top);
    render_cluster(evaluation, cluster, buf);
    render_health(evaluation, health, buf);
    if area.width >= 120 {
        let [worst, reasons] =
            Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)])
                .areas(bottom);
        render_worst(app, worst, buf);
        render_reasons(evaluation, reasons, buf);
    } else {
        render_worst(app, bottom, buf);
    }
}

fn field<'a>(name: &'a str, value: String, value_style: Style) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{name:<12}"), style::DIM),
        Span::styled(value, value_style),
    ])
}

fn render_cluster(e: &Evaluation, area: Rect, buf: &mut Buffer) {
    let missing = e.brokers.iter().filter(|b| !b.live).count();
    let internal = e.topics.iter().filter(|t| t.internal).count();
    let brokers = if missing == 0 {
        format!("{} live", e.cluster.live_brokers)
    } else {
        format!("{} live, {missing} missing", e.cluster.live_brokers)
    };
    let lines = vec![
        field(
            "Controller",
            format::opt(e.cluster.controller),
            Style::new(),
        ),
        field(
            "Brokers",
            brokers,
            if missing == 0 {
                Style::new()
            } else {
                style::CRIT
            },
        ),
        field(
            "Topics",
            format!("{} ({internal} internal)", e.cluster.topics),
            Style::new(),
        ),
        field("Partitions", e.cluster.partitions.to_string(), Style::new()),
        field("Groups", e.cluster.groups.to_string(), Style::new()),
        field(
            "Verdict",
            e.verdict.level.label().to_owned(),
            style::level(e.verdict.level),
        ),
    ];
    let title = format!(" Cluster {} ", e.cluster.id.as_deref().unwrap_or("(no id)"));
    Paragraph::new(lines)
        .block(Block::bordered().title(Span::styled(title, style::TITLE)))
        .render(area, buf);
}

fn render_health(e: &Evaluation, area: Rect, buf: &mut Buffer) {
    let h = &e.cluster.health;
    let counter = |name: &'static str, count: usize, alert: Style| {
        Line::from(vec![
            Span::styled(format!("{name:<24}"), style::DIM),
            Span::styled(format!("{count:>6}"), style::counter(count, alert)),
        ])
    };
    let lines = vec![
        counter("Offline (no leader)", h.offline, style::CRIT),
        counter("Unavailable", h.unavailable, style::CRIT),
        counter("Under min ISR", h.under_min_isr, style::CRIT),
        counter("Under-replicated", h.under_replicated, style::WARN),
        counter("At min ISR", h.at_min_isr, style::WARN),
        counter(
            "With offline replicas",
            h.with_offline_replicas,
            style::WARN,
        ),
    ];
    Paragraph::new(lines)
        .block(Block::bordered().title(Span::styled(" Partition health ", style::TITLE)))
        .render(area, buf);
}

fn render_worst(app: &App, area: Rect, buf: &mut Buffer) {
    let rows = app.worst_groups();
    let spark_width: u16 = if area.width >= 90 { 24 } else { 10 };
    let layout = [
        always(0, Constraint::Fill(1)),
        always(1, Constraint::Length(6)),
        always(2, Constraint::Length(8)),
        always(3, Constraint::Length(9)),
        always(4, Constraint::Length(spark_width)),
    ];
    let block = Block::bordered().title(Span::styled(" Worst groups by lag ", style::TITLE));
    table::render(
        table::Spec {
            kind: TableKind::WorstGroups,
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
                .map(|h| format::sparkline(h.iter(), usize::from(spark_width)))
                .unwrap_or_default();
            vec![
                Cell::from(g.group_id.clone()),
                Cell::from(Span::styled(g.status.label(), style::status(g.status))),
                Cell::from(format::compact(g.total_lag)),
                Cell::from(format::time_lag(&g.max_time_lag)),
                Cell::from(trend),
            ]
        },
    );
}

fn render_reasons(e: &Evaluation, area: Rect, buf: &mut Buffer) {
    let lines: Vec<Line<'_>> = if e.verdict.reasons.is_empty() {
        vec![Line::styled("all clear", style::OK)]
    } else {
        e.verdict
            .reasons
            .iter()
            .map(|r| {
                Line::from(vec![
                    Span::styled(format!("{:<5}", r.level.label()), style::level(r.level)),
                    Span::raw(r.message.as_str()),
                ])
            })
            .collect()
    };
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .block(Block::bordered().title(Span::styled(" Why ", style::TITLE)))
        .render(area, buf);
}
