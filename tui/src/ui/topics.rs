//! The topics table and one topic's partitions.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Widget, Wrap};

use super::table::{self, always, from};
use super::{format, style};
use crate::app::{App, TableKind};
use crate::evaluation::{HealthCounts, TopicPartitionEval};

pub fn render_list(app: &App, area: Rect, buf: &mut Buffer) {
    let rows = app.topic_rows();
    let layout = [
        always(0, Constraint::Fill(1)),
        always(1, Constraint::Length(6)),
        always(2, Constraint::Length(3)),
        always(3, Constraint::Fill(2)),
        always(4, Constraint::Length(10)),
    ];
    let block = Block::bordered().title(Span::styled(
        format!(" Topics ({}) ", rows.len()),
        style::TITLE,
    ));
    table::render(
        table::Spec {
            kind: TableKind::Topics,
            block,
            layout: &layout,
            row_count: rows.len(),
        },
        area,
        buf,
        app,
        |i| {
            let t = rows[i];
            let name = if t.internal {
                Cell::from(Span::styled(t.name.clone(), style::DIM))
            } else {
                Cell::from(t.name.clone())
            };
            vec![
                name,
                Cell::from(t.partitions.len().to_string()),
                Cell::from(t.replication_factor.to_string()),
                Cell::from(health_summary(&t.health)),
                Cell::from(format::rate(t.produce_rate_per_s)),
            ]
        },
    );
}

/// Counts of each problem, worst first; `ok` when there are none.
fn health_summary(h: &HealthCounts) -> Line<'static> {
    let parts = [
        (h.offline, "offline", style::CRIT),
        (
            h.unavailable.saturating_sub(h.offline),
            "unavail",
            style::CRIT,
        ),
        (h.under_min_isr, "<min", style::CRIT),
        (h.under_replicated, "urp", style::WARN),
        (h.with_offline_replicas, "offrep", style::WARN),
    ];
    let spans: Vec<Span<'static>> = parts
        .iter()
        .filter(|(count, _, _)| *count > 0)
        .map(|(count, what, s)| Span::styled(format!("{count} {what} "), *s))
        .collect();
    if spans.is_empty() {
        Line::from(Span::styled("ok", style::OK))
    } else {
        Line::from(spans)
    }
}

/// Replicas in ISR as is, the missing ones marked ✗ and red.
fn isr_cell(p: &TopicPartitionEval) -> Line<'static> {
    let mut spans = Vec::new();
    for (i, replica) in p.replicas.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(","));
        }
        if p.missing_isr.contains(replica) {
            spans.push(Span::styled(format!("✗{replica}"), style::CRIT));
        } else {
            spans.push(Span::raw(replica.to_string()));
        }
    }
    Line::from(spans)
}

pub fn render_detail(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(topic) = app.current_topic() else {
        return;
    };
    let rows = app.topic_partition_rows();
    let readers = if topic.readers.is_empty() {
        "none".to_owned()
    } else {
        topic.readers.join(", ")
    };
    let readers_line = Line::from(vec![
        Span::styled("Read by: ", style::DIM),
        Span::raw(readers),
    ]);
    let readers_height = if area.width > 0 {
        (readers_line.width() as u16)
            .div_ceil(area.width)
            .clamp(1, 3)
    } else {
        1
    };
    let [table_area, readers_area] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(readers_height)]).areas(area);

    let layout = [
        always(0, Constraint::Length(5)),
        always(1, Constraint::Length(6)),
        always(2, Constraint::Length(10)),
        always(3, Constraint::Length(12)),
        always(4, Constraint::Length(8)),
        from(100, 5, Constraint::Length(10)),
        always(6, Constraint::Length(10)),
        always(7, Constraint::Fill(1)),
    ];
    let title = Line::from(vec![
        Span::styled(format!(" Topic {} ", topic.name), style::TITLE),
        Span::raw(format!(
            "· {} partitions · RF {} · min ISR {} ",
            topic.partitions.len(),
            topic.replication_factor,
            format::opt(topic.min_insync_replicas)
        )),
    ]);
    let block = Block::bordered().title(title);
    table::render(
        table::Spec {
            kind: TableKind::TopicPartitions,
            block,
            layout: &layout,
            row_count: rows.len(),
        },
        table_area,
        buf,
        app,
        |i| {
            let p = rows[i];
            let leader = match p.leader {
                Some(id) if p.health.unavailable => {
                    Cell::from(Span::styled(id.to_string(), style::CRIT))
                }
                Some(id) => Cell::from(id.to_string()),
                None => Cell::from(Span::styled("none", style::CRIT)),
            };
            let offline = if p.offline_replicas.is_empty() {
                Cell::from(Span::styled("-", style::DIM))
            } else {
                Cell::from(Span::styled(format::ids(&p.offline_replicas), style::CRIT))
            };
            let replicas = if p.adding_replicas.is_empty() {
                format::ids(&p.replicas)
            } else {
                format!(
                    "{} +{}",
                    format::ids(&p.replicas),
                    format::ids(&p.adding_replicas)
                )
            };
            let flags: Vec<Span<'static>> = style::health_flags(&p.health)
                .into_iter()
                .map(|(text, s)| Span::styled(format!("{text} "), s))
                .collect();
            vec![
                Cell::from(p.partition.to_string()),
                leader,
                Cell::from(replicas),
                Cell::from(isr_cell(p)),
                offline,
                Cell::from(format::opt(p.log_start_offset)),
                Cell::from(format::opt(p.log_end_offset)),
                Cell::from(Line::from(flags)),
            ]
        },
    );
    Paragraph::new(readers_line)
        .wrap(Wrap { trim: true })
        .render(readers_area, buf);
}
