//! The `?` overlay. Its key list is generated from the key map; its lag
//! legend from the same table the cells are formatted with.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

use super::{format, style};
use crate::keymap;

pub fn lines() -> Vec<Line<'static>> {
    let rows = keymap::help_rows();
    let key_width = rows
        .iter()
        .map(|r| r.keys.chars().count())
        .max()
        .unwrap_or(0);
    let row = |r: &keymap::HelpRow| {
        Line::from(vec![
            Span::styled(format!("  {:<key_width$}  ", r.keys), style::TITLE),
            Span::raw(r.description),
        ])
    };
    let mut lines = Vec::new();
    lines.extend(rows.iter().filter(|r| !r.filter_input).map(row));
    lines.push(Line::from(""));
    lines.push(Line::styled(
        "While typing a filter or prompt",
        style::HEADER,
    ));
    lines.extend(rows.iter().filter(|r| r.filter_input).map(row));
    lines.push(Line::from(""));
    lines.push(Line::styled("Lag time marks", style::HEADER));
    for (mark, meaning) in format::TIME_LAG_LEGEND {
        lines.push(Line::from(vec![
            Span::styled(format!("  {mark:<key_width$}  "), style::TITLE),
            Span::raw(*meaning),
        ]));
    }
    lines
}

pub fn render(scroll: usize, area: Rect, buf: &mut Buffer) {
    let lines = lines();
    let width = area.width.saturating_sub(4).min(70);
    let height = area.height.saturating_sub(2).min(lines.len() as u16 + 2);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    let inner_height = usize::from(height.saturating_sub(2));
    // Drawing cannot write the clamp back, so it clamps on every draw.
    let scroll = scroll.min(lines.len().saturating_sub(inner_height));
    let more = if scroll + inner_height < lines.len() {
        " ↓ more "
    } else {
        ""
    };
    Clear.render(popup, buf);
    Paragraph::new(lines)
        .scroll((scroll as u16, 0))
        .block(
            Block::bordered()
                .title(Span::styled(" Keys (from the key map) ", style::TITLE))
                .title_bottom(Line::from(more).right_aligned()),
        )
        .render(popup, buf);
}
