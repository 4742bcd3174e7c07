//! Brokers: live ones from metadata, plus any that still hold replicas but
//! have left it.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Cell};

use super::style;
use super::table::{self, always};
use crate::app::{App, TableKind};

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let rows = app.broker_rows();
    let layout = [
        always(0, Constraint::Length(5)),
        always(1, Constraint::Fill(1)),
        always(2, Constraint::Length(12)),
        always(3, Constraint::Length(8)),
        always(4, Constraint::Length(8)),
        always(5, Constraint::Length(10)),
    ];
    let block = Block::bordered().title(Span::styled(
        format!(" Brokers ({}) ", rows.len()),
        style::TITLE,
    ));
    table::render(
        table::Spec {
            kind: TableKind::Brokers,
            block,
            layout: &layout,
            row_count: rows.len(),
        },
        area,
        buf,
        app,
        |i| {
            let b = rows[i];
            let host = match (&b.host, b.port) {
                (Some(host), Some(port)) => Cell::from(format!("{host}:{port}")),
                _ => Cell::from(Span::styled("(not in metadata)", style::CRIT)),
            };
            let role = if !b.live {
                Cell::from(Span::styled("gone", style::CRIT))
            } else if b.is_controller {
                Cell::from(Span::styled("controller", style::TITLE))
            } else {
                Cell::from("")
            };
            vec![
                Cell::from(b.id.to_string()),
                host,
                Cell::from(b.rack.clone().unwrap_or_else(|| "-".to_owned())),
                Cell::from(b.leader_count.to_string()),
                Cell::from(b.replica_count.to_string()),
                role,
            ]
        },
    );
}
