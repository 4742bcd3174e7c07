//! The bottom line: how old the data is, whether the display is frozen, the
//! last poll error, the filter being typed, and where help is.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::{format, style};
use crate::app::App;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let status = app.status_line();
    let mut spans: Vec<Span<'_>> = Vec::new();
    let sep = || Span::styled(" │ ", style::DIM);

    if let Some(prompt) = status.prompt {
        spans.push(Span::styled(
            format!("{}: {}▏", prompt.kind.label(), prompt.text),
            style::TITLE,
        ));
        spans.push(sep());
    } else if status.filter_editing || !status.filter.is_empty() {
        let cursor = if status.filter_editing { "▏" } else { "" };
        spans.push(Span::styled(
            format!("/{}{cursor}", status.filter),
            style::TITLE,
        ));
        spans.push(sep());
    }
    match status.data_age_ms {
        None => spans.push(Span::styled("no data yet", style::DIM)),
        Some(age_ms) => {
            let text = format!("data {} old", format::duration(age_ms));
            spans.push(Span::styled(
                text,
                if status.stale {
                    style::WARN
                } else {
                    style::DIM
                },
            ));
        }
    }
    spans.push(Span::styled(
        format!(" · every {}", format::duration(status.refresh_interval_ms)),
        style::DIM,
    ));
    if status.refreshing {
        spans.push(sep());
        spans.push(Span::raw("refreshing…"));
    }
    if status.frozen {
        spans.push(sep());
        spans.push(Span::styled(
            format!("FROZEN ({} held)", status.held_updates),
            style::WARN.add_modifier(ratatui::style::Modifier::REVERSED),
        ));
    }
    if let Some(error) = status.error {
        spans.push(sep());
        spans.push(Span::styled(format!("⚠ {error}"), style::CRIT));
    }

    let line = Line::from(spans);
    let hint = "? help  q quit";
    // The hint gives way to anything the status has to say.
    let hint_width = hint.chars().count() as u16;
    if line.width() as u16 + 1 + hint_width <= area.width {
        let [left, right] =
            Layout::horizontal([Constraint::Min(0), Constraint::Length(hint_width)]).areas(area);
        Paragraph::new(line).render(left, buf);
        Paragraph::new(Span::styled(hint, style::DIM)).render(right, buf);
    } else {
        Paragraph::new(line).render(area, buf);
    }
}
