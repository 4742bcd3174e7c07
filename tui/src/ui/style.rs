//! The few styles the dashboard uses; colour always carries meaning.

use ratatui::style::{Color, Modifier, Style};

use crate::evaluation::{Level, PartitionHealth, Status};

pub const OK: Style = Style::new().fg(Color::Green);
pub const WARN: Style = Style::new().fg(Color::Yellow);
pub const CRIT: Style = Style::new().fg(Color::Red).add_modifier(Modifier::BOLD);
pub const DIM: Style = Style::new().fg(Color::DarkGray);
pub const HEADER: Style = Style::new().add_modifier(Modifier::BOLD);
pub const SELECTED: Style = Style::new().add_modifier(Modifier::REVERSED);
pub const TITLE: Style = Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD);

pub fn status(status: Status) -> Style {
    match status {
        Status::Ok => OK,
        Status::Warn => WARN,
        Status::NotFound => DIM,
        Status::Err | Status::Stop | Status::Stall | Status::Rewind => CRIT,
    }
}

pub fn level(level: Level) -> Style {
    match level {
        Level::Ok => OK,
        Level::Warn => WARN,
        Level::Crit => CRIT,
    }
}

/// A counter is only coloured when it is not zero.
pub fn counter(count: usize, when_nonzero: Style) -> Style {
    if count == 0 { DIM } else { when_nonzero }
}

/// Short flags for one partition's health, each with its colour.
pub fn health_flags(health: &PartitionHealth) -> Vec<(&'static str, Style)> {
    let mut flags = Vec::new();
    if health.offline {
        flags.push(("OFFLINE", CRIT));
    } else if health.unavailable {
        flags.push(("UNAVAIL", CRIT));
    }
    if health.under_min_isr && !health.offline {
        flags.push(("<MIN", CRIT));
    }
    if health.under_replicated {
        flags.push(("URP", WARN));
    }
    if health.at_min_isr {
        flags.push(("=MIN", if health.under_replicated { WARN } else { DIM }));
    }
    if health.has_offline_replicas {
        flags.push(("OFFREP", WARN));
    }
    if flags.is_empty() {
        flags.push(("ok", OK));
    }
    flags
}
