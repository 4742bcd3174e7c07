//! A share group's delivery panel: per partition and for the whole group,
//! the backlog (records from the start offset on, not yet done), the
//! records in flight (locked by a member), the redelivery rate and the
//! archived count, each with its trend.
//!
//! The last three come from broker-lite's statistics extension to
//! DescribeShareGroupOffsets; Apache Kafka reports none of them, so there
//! they read `-` with no trend.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Cell, Row, Table, Widget};

use super::{format, style};
use crate::app::{App, LagHistory, ShareTrends};
use crate::evaluation::GroupEval;

/// Rows the panel wants: the group's row and one per partition, plus
/// borders and the header, but at most a third of the body.
pub fn height(group: &GroupEval, body_height: u16) -> u16 {
    let wanted = u16::try_from(group.partitions.len())
        .unwrap_or(u16::MAX)
        .saturating_add(4);
    wanted.min((body_height / 3).max(5))
}

/// The samples as a sparkline; nothing when none was reported, so a
/// broker without the figures shows no trend at all (not a row of gaps).
fn trend(history: Option<&LagHistory>, width: usize) -> String {
    match history {
        Some(h) if h.iter().any(Option::is_some) => format::sparkline(h.iter(), width),
        _ => String::new(),
    }
}

fn count(value: Option<u64>) -> String {
    value.map_or_else(|| "-".to_owned(), format::compact)
}

pub fn render(app: &App, group: &GroupEval, area: Rect, buf: &mut Buffer) {
    let spark: u16 = if area.width >= 140 { 14 } else { 6 };
    let spark_chars = usize::from(spark);
    // "Partition" is nine wide.
    let partition_width = format::partition_column_width(&group.partitions, 9);
    let widths = [
        Constraint::Length(partition_width),
        Constraint::Length(7),
        Constraint::Length(spark),
        Constraint::Length(9),
        Constraint::Length(spark),
        Constraint::Length(9),
        Constraint::Length(spark),
        Constraint::Length(8),
        Constraint::Length(spark),
    ];
    let header = [
        "Partition",
        "Backlog",
        "Trend",
        "In-flight",
        "Trend",
        "Redeliv/s",
        "Trend",
        "Archived",
        "Trend",
    ];
    let row = |name: Cell<'static>,
               backlog: Option<u64>,
               backlog_trend: Option<&LagHistory>,
               figures: Option<(u64, Option<f64>, u64)>,
               trends: Option<&ShareTrends>| {
        Row::new(vec![
            name,
            Cell::from(count(backlog)),
            Cell::from(trend(backlog_trend, spark_chars)),
            Cell::from(count(figures.map(|f| f.0))),
            Cell::from(trend(trends.map(|t| &t.in_flight), spark_chars)),
            Cell::from(format::rate(figures.and_then(|f| f.1))),
            Cell::from(trend(trends.map(|t| &t.redelivery_rate_milli), spark_chars)),
            Cell::from(count(figures.map(|f| f.2))),
            Cell::from(trend(trends.map(|t| &t.archived), spark_chars)),
        ])
    };
    let committed = group.partitions.iter().any(|p| p.lag.is_some());
    let mut rows = vec![row(
        Cell::from(Span::styled("all", style::HEADER)),
        committed.then_some(group.total_lag),
        app.group_history(&group.group_id),
        group
            .share
            .map(|s| (s.in_flight, s.redelivery_rate_per_s, s.archived)),
        app.share_group_trends(&group.group_id),
    )];
    rows.extend(group.partitions.iter().map(|p| {
        row(
            Cell::from(format!("{}-{}", p.topic, p.partition)),
            p.lag,
            app.partition_history(&group.group_id, &p.topic, p.partition),
            p.share
                .map(|s| (s.in_flight, s.redelivery_rate_per_s, s.archived)),
            app.share_partition_trends(&group.group_id, &p.topic, p.partition),
        )
    }));
    let title = if group.share.is_some() {
        " Share delivery "
    } else {
        " Share delivery · no in-flight or archived figures from this broker "
    };
    Table::new(rows, widths)
        .header(Row::new(header).style(style::HEADER))
        .column_spacing(1)
        .block(Block::bordered().title(Span::styled(title, style::TITLE)))
        .render(area, buf);
}
