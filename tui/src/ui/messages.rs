//! The Messages screen: the topic picker, one topic's records newest
//! first, and one record. Only the visible rows are built, so a buffer of
//! 100,000 records costs one screen per frame (see benches/messages.rs).

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Widget};

use super::table::{self, always};
use super::{format, style};
use crate::app::messages::{DetailStyle, timestamp};
use crate::app::{App, TableKind};
use crate::messages::ReaderPhase;
use crate::messages::payload;

pub fn render_topics(app: &App, area: Rect, buf: &mut Buffer) {
    let rows = app.message_topic_rows();
    let layout = [
        always(0, Constraint::Fill(1)),
        always(1, Constraint::Length(6)),
        always(2, Constraint::Length(10)),
        always(3, Constraint::Length(10)),
    ];
    let block = Block::bordered()
        .title(Span::styled(
            format!(" Messages: pick a topic ({}) ", rows.len()),
            style::TITLE,
        ))
        .title_bottom(Line::from(Span::styled(" Enter browse ", style::DIM)).right_aligned());
    table::render(
        table::Spec {
            kind: TableKind::MessageTopics,
            block,
            layout: &layout,
            row_count: rows.len(),
        },
        area,
        buf,
        app,
        |i| {
            let t = rows[i];
            let retained: Option<i64> = t
                .partitions
                .iter()
                .map(|p| Some(p.log_end_offset? - p.log_start_offset?))
                .sum();
            let name = if t.internal {
                Cell::from(Span::styled(t.name.clone(), style::DIM))
            } else {
                Cell::from(t.name.clone())
            };
            vec![
                name,
                Cell::from(t.partitions.len().to_string()),
                Cell::from(retained.map_or_else(
                    || "-".to_owned(),
                    |n| format::compact(u64::try_from(n).unwrap_or(0)),
                )),
                Cell::from(format::rate(t.produce_rate_per_s)),
            ]
        },
    );
}

pub fn render_list(app: &App, area: Rect, buf: &mut Buffer) {
    let browser = app.browser();
    let records = browser.buffer();
    let wide = area.width >= 120;
    let layout = [
        always(0, Constraint::Length(3)),
        always(1, Constraint::Length(9)),
        always(2, Constraint::Length(if wide { 23 } else { 12 })),
        always(3, Constraint::Length(if wide { 24 } else { 14 })),
        always(4, Constraint::Fill(1)),
    ];
    let partition = browser
        .partition()
        .map_or_else(|| "all partitions".to_owned(), |p| format!("partition {p}"));
    let title = Line::from(vec![
        Span::styled(format!(" {} ", browser.topic()), style::TITLE),
        Span::raw(format!("· {partition} · {} ", browser.start())),
    ]);
    let size = Line::from(Span::styled(
        format!(
            " {}/{} records · {} ",
            records.len(),
            records.capacity(),
            format::bytes(records.payload_bytes())
        ),
        style::DIM,
    ))
    .right_aligned();
    let hints = Line::from(Span::styled(
        " o from  p partition  t tail  / filter  Enter open ",
        style::DIM,
    ))
    .right_aligned();
    let block = Block::bordered()
        .title(title)
        .title(size)
        .title_bottom(progress(app).left_aligned())
        .title_bottom(hints);
    // The value gets whatever the other columns leave.
    let value_chars = usize::from(area.width.saturating_sub(if wide { 64 } else { 42 }));
    table::render(
        table::Spec {
            kind: TableKind::Messages,
            block,
            layout: &layout,
            row_count: records.len(),
        },
        area,
        buf,
        app,
        |i| {
            let Some(r) = records.newest_first(i) else {
                return Vec::new();
            };
            let time = timestamp(r.timestamp_ms);
            // "2026-12-03 05:00:00.123Z" → the time of day when narrow.
            let time = if wide {
                time.trim_end_matches('Z').to_owned()
            } else {
                time.get(11..23).unwrap_or(&time).to_owned()
            };
            let key = match &r.key {
                None => Cell::from(Span::styled("(null)", style::DIM)),
                Some(k) => Cell::from(payload::preview(Some(k), 24)),
            };
            vec![
                Cell::from(r.partition.to_string()),
                Cell::from(r.offset.to_string()),
                Cell::from(time),
                key,
                Cell::from(payload::preview(r.value.as_deref(), value_chars.max(8))),
            ]
        },
    );
}

/// What the reader is doing, the filter, and the last prompt error.
fn progress(app: &App) -> Line<'static> {
    let browser = app.browser();
    let mut spans = vec![Span::raw(" ")];
    match browser.phase() {
        None => spans.push(Span::styled("stopped", style::DIM)),
        Some(ReaderPhase::Starting) => spans.push(Span::raw("starting…")),
        Some(ReaderPhase::Reading) => spans.push(Span::raw("reading…")),
        Some(ReaderPhase::CaughtUp) => spans.push(Span::styled("at the end", style::OK)),
        Some(ReaderPhase::Tailing) => spans.push(Span::styled(
            "● LIVE",
            style::OK.add_modifier(ratatui::style::Modifier::BOLD),
        )),
        Some(ReaderPhase::BufferFull) => {
            spans.push(Span::styled(
                "buffer full: o to read from later",
                style::WARN,
            ));
        }
        Some(ReaderPhase::Failed(error)) => {
            spans.push(Span::styled(format!("⚠ {error}"), style::CRIT));
        }
    }
    if let Some(filter) = browser.filter() {
        spans.push(Span::styled(
            format!(
                " · filter {filter}: {} of {} read",
                browser.buffer().len() as u64 + browser.buffer().evicted(),
                browser.scanned()
            ),
            style::TITLE,
        ));
    } else if browser.scanned() > 0 {
        spans.push(Span::styled(
            format!(" · {} read", browser.scanned()),
            style::DIM,
        ));
    }
    if let Some(error) = browser.error() {
        spans.push(Span::styled(format!(" · {error}"), style::CRIT));
    }
    spans.push(Span::raw(" "));
    Line::from(spans)
}

pub fn render_record(app: &App, area: Rect, buf: &mut Buffer) {
    let browser = app.browser();
    let Some(record) = browser.record() else {
        return;
    };
    let block = Block::bordered()
        .title(Span::styled(
            format!(
                " {}-{} @ {} ",
                browser.topic(),
                record.partition,
                record.offset
            ),
            style::TITLE,
        ))
        .title_bottom(
            Line::from(Span::styled(" Esc back  j/k scroll ", style::DIM)).right_aligned(),
        );
    let inner = block.inner(area);
    let visible = usize::from(inner.height);
    // Drawing cannot write the clamp back, so it clamps on every draw.
    let first = app
        .selected(TableKind::RecordLines)
        .min(record.lines.len().saturating_sub(visible));
    let lines: Vec<Line<'_>> = record
        .lines
        .iter()
        .skip(first)
        .take(visible)
        .map(|l| match l.style {
            DetailStyle::Heading => Line::styled(l.text.as_str(), style::HEADER),
            DetailStyle::Body => Line::raw(l.text.as_str()),
        })
        .collect();
    let more = first + visible < record.lines.len();
    let block = if more {
        block.title_bottom(Line::from(" ↓ more ").left_aligned())
    } else {
        block
    };
    Paragraph::new(lines).block(block).render(area, buf);
}
