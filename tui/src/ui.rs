//! Drawing. Everything here reads `&App` and writes a buffer; nothing
//! mutates state. The layout is recomputed from the frame's area on every
//! draw, which is all a resize needs.

mod brokers;
pub mod format;
mod groups;
mod help;
mod messages;
mod overview;
mod share;
mod status;
pub mod style;
mod table;
mod topics;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Tabs, Widget, Wrap};

use crate::action::Screen;
use crate::app::{App, View};

/// Draws the whole dashboard into the frame.
pub fn draw(frame: &mut Frame<'_>, app: &App) {
    frame.render_widget(app, frame.area());
}

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let [tabs, body, status_area] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(0),
            Constraint::Length(1),
        ])
        .areas(area);
        render_tabs(self, tabs, buf);
        match self.evaluation() {
            None => render_waiting(self, body, buf),
            Some(_) => match self.view() {
                View::Overview => overview::render(self, body, buf),
                View::Groups => groups::render_list(self, body, buf),
                View::Group(_) => groups::render_detail(self, body, buf),
                View::Topics => topics::render_list(self, body, buf),
                View::Topic(_) => topics::render_detail(self, body, buf),
                View::Brokers => brokers::render(self, body, buf),
                View::Messages => messages::render_topics(self, body, buf),
                View::MessageList(_) => messages::render_list(self, body, buf),
                View::Record(_) => messages::render_record(self, body, buf),
            },
        }
        status::render(self, status_area, buf);
        if let Some(scroll) = self.help_scroll() {
            help::render(scroll, area, buf);
        }
    }
}

fn render_tabs(app: &App, area: Rect, buf: &mut Buffer) {
    let verdict = app.evaluation().map(|e| e.verdict.level);
    let verdict_width = 7;
    let [left, right] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(verdict_width)]).areas(area);
    Tabs::new(
        Screen::ALL
            .iter()
            .map(|s| format!("{} {}", s.index() + 1, s.title())),
    )
    .select(app.view().screen().index())
    .highlight_style(style::TITLE.add_modifier(ratatui::style::Modifier::REVERSED))
    .divider("│")
    .render(left, buf);
    if let Some(level) = verdict {
        Paragraph::new(Span::styled(
            format!("● {}", level.label()),
            style::level(level),
        ))
        .alignment(Alignment::Right)
        .render(right, buf);
    }
}

fn render_waiting(app: &App, area: Rect, buf: &mut Buffer) {
    let mut lines = vec![Line::from("Waiting for the first snapshot…")];
    if let Some(error) = app.status_line().error {
        lines.push(Line::from(Span::styled(
            format!("last poll failed: {error}"),
            style::CRIT,
        )));
    }
    Paragraph::new(lines)
        .alignment(Alignment::Center)
        .wrap(Wrap { trim: true })
        .block(Block::bordered().title(" kctl "))
        .render(area, buf);
}

#[cfg(test)]
mod tests;
