//! One way to draw every table: headers from the table's column list (with
//! the sort arrow), columns dropped when the terminal is narrow, and only
//! the visible rows built, so a 1,000-partition drill-in costs one screen.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, StatefulWidget, Table, TableState, Widget};

use super::style;
use crate::app::{App, TableKind};

/// Where a column goes and from which terminal width it is shown.
#[derive(Debug, Clone, Copy)]
pub struct ColumnLayout {
    pub index: usize,
    pub width: Constraint,
    pub min_area_width: u16,
}

pub const fn always(index: usize, width: Constraint) -> ColumnLayout {
    ColumnLayout {
        index,
        width,
        min_area_width: 0,
    }
}

pub const fn from(min_area_width: u16, index: usize, width: Constraint) -> ColumnLayout {
    ColumnLayout {
        index,
        width,
        min_area_width,
    }
}

/// The first row to draw so the selection stays on screen. Stateless: the
/// selection sits on the last visible row when scrolled, which needs no
/// stored offset and so keeps drawing read-only.
pub fn first_visible(selected: usize, visible: usize) -> usize {
    (selected + 1).saturating_sub(visible.max(1))
}

/// What to draw: which table, in what frame, with which columns.
#[derive(Debug)]
pub struct Spec<'a, 'l> {
    pub kind: TableKind,
    pub block: Block<'a>,
    pub layout: &'l [ColumnLayout],
    pub row_count: usize,
}

/// Draws `spec.row_count` rows. `make_row(i)` returns every column's cell
/// for row `i`, in the table's column order.
pub fn render<'a>(
    spec: Spec<'a, '_>,
    area: Rect,
    buf: &mut Buffer,
    app: &App,
    mut make_row: impl FnMut(usize) -> Vec<Cell<'a>>,
) {
    let Spec {
        kind,
        block,
        layout,
        row_count,
    } = spec;
    let inner = block.inner(area);
    let visible = usize::from(inner.height.saturating_sub(1));
    let columns: Vec<&ColumnLayout> = layout
        .iter()
        .filter(|c| area.width >= c.min_area_width)
        .collect();
    let titles = kind.columns();
    let sort = app.sort_state(kind);
    let header = Row::new(columns.iter().map(|c| {
        let column = &titles[c.index];
        let arrow = match (column.sortable && sort.column == c.index, sort.descending) {
            (false, _) => "",
            (true, true) => "▼",
            (true, false) => "▲",
        };
        Cell::from(format!("{}{arrow}", column.title))
    }))
    .style(style::HEADER);

    let selected = app.selected(kind).min(row_count.saturating_sub(1));
    let first = first_visible(selected, visible);
    let last = (first + visible).min(row_count);
    let rows: Vec<Row<'a>> = (first..last)
        .map(|i| {
            let mut cells: Vec<Option<Cell<'a>>> = make_row(i).into_iter().map(Some).collect();
            Row::new(columns.iter().map(|c| {
                cells
                    .get_mut(c.index)
                    .and_then(Option::take)
                    .unwrap_or_default()
            }))
        })
        .collect();
    let widths: Vec<Constraint> = columns.iter().map(|c| c.width).collect();
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .column_spacing(1)
        .row_highlight_style(style::SELECTED);
    let mut state =
        TableState::default().with_selected((row_count > 0).then_some(selected - first));
    StatefulWidget::render(table, area, buf, &mut state);

    if row_count == 0 && inner.height > 1 {
        let message = if app.filter().is_empty() {
            "nothing to show"
        } else {
            "no rows match the filter"
        };
        let below_header = Rect {
            y: inner.y + 1,
            height: 1,
            ..inner
        };
        Paragraph::new(Line::from(Span::styled(message, style::DIM))).render(below_header, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_stays_visible() {
        assert_eq!(first_visible(0, 10), 0);
        assert_eq!(first_visible(9, 10), 0);
        assert_eq!(first_visible(10, 10), 1);
        assert_eq!(first_visible(999, 20), 980);
        assert_eq!(first_visible(3, 0), 3);
    }
}
