//! One OK/WARN/CRIT verdict for the whole cluster, for headless mode's exit
//! code and the dashboard's title.

use serde::Serialize;

use super::burrow::Status;
use super::{GroupEval, TopicEval};

/// Nagios-style levels; the discriminants are the process exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    Ok = 0,
    Warn = 1,
    Crit = 2,
}

impl Level {
    pub fn exit_code(self) -> u8 {
        self as u8
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Ok => "OK",
            Self::Warn => "WARN",
            Self::Crit => "CRIT",
        }
    }
}

/// The verdict and every reason that raised it above OK.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub level: Level,
    pub reasons: Vec<Reason>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub level: Level,
    pub message: String,
}

/// The rules:
/// - CRIT: a partition is offline, unavailable or under min ISR (producers
///   with `acks=all` fail or nobody can read); a group is ERR.
/// - WARN: a partition is under-replicated, has offline replicas, or has an
///   ISR that shrank to exactly min ISR; a group is WARN.
///
/// At-min-ISR alone does not warn: with RF == min.insync.replicas every
/// healthy partition is at min ISR, by the operator's choice.
pub fn judge(topics: &[TopicEval], groups: &[GroupEval]) -> Verdict {
    let mut reasons = Vec::new();
    let mut push = |level, message: String| reasons.push(Reason { level, message });

    let mut shrunk_to_min = 0usize;
    let mut totals = super::HealthCounts::default();
    for topic in topics {
        totals.merge(&topic.health);
        shrunk_to_min += topic
            .partitions
            .iter()
            .filter(|p| p.health.at_min_isr && p.health.under_replicated)
            .count();
    }
    let counters = [
        (totals.offline, Level::Crit, "offline (no leader)"),
        (totals.unavailable, Level::Crit, "unavailable"),
        (totals.under_min_isr, Level::Crit, "under min ISR"),
        (totals.under_replicated, Level::Warn, "under-replicated"),
        (shrunk_to_min, Level::Warn, "with ISR shrunk to min ISR"),
        (
            totals.with_offline_replicas,
            Level::Warn,
            "with offline replicas",
        ),
    ];
    for (count, level, what) in counters {
        if count > 0 {
            let noun = if count == 1 {
                "partition"
            } else {
                "partitions"
            };
            push(level, format!("{count} {noun} {what}"));
        }
    }

    for group in groups {
        let level = match group.status {
            Status::Warn => Level::Warn,
            Status::Err | Status::Stop | Status::Stall | Status::Rewind => Level::Crit,
            Status::NotFound | Status::Ok => continue,
        };
        let worst = group
            .partitions
            .iter()
            .max_by_key(|p| p.status)
            .filter(|p| p.status > Status::Ok)
            .map(|p| format!(" ({}-{} {})", p.topic, p.partition, p.status.label()))
            .unwrap_or_default();
        push(
            level,
            format!(
                "group {} is {}{worst}",
                group.group_id,
                group.status.label()
            ),
        );
    }

    let level = reasons.iter().map(|r| r.level).max().unwrap_or(Level::Ok);
    Verdict { level, reasons }
}
