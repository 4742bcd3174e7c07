//! `kctl tui --once -o json` / `kctl health`: the dashboard's evaluation as
//! one JSON document and a Nagios-style exit code (0 OK, 1 WARN, 2 CRIT).
//!
//! It runs the same [`Evaluator`] as the dashboard over a sequence of
//! snapshots. Replica health and offset lag need one snapshot; Burrow
//! statuses, rates and time lag need a window, so the report says how many
//! snapshots it was built from.

use std::io::{self, Write};

use serde::Serialize;

use crate::evaluation::verdict::Reason;
use crate::evaluation::{EvalConfig, Evaluation, Evaluator, Level};
use crate::model::Snapshot;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthReport {
    pub status: Level,
    pub exit_code: u8,
    /// Snapshots that entered the windows (older or repeated ones are
    /// skipped). With one, every consumer status is OK by construction.
    pub window_snapshots: usize,
    pub reasons: Vec<Reason>,
    pub evaluation: Evaluation,
}

/// Builds the report from snapshots in capture order. `None` when there is
/// no snapshot to judge; the caller reports that as a failure of its own
/// (Nagios' UNKNOWN, exit 3), not as a health level.
pub fn report<'a>(
    snapshots: impl IntoIterator<Item = &'a Snapshot>,
    config: EvalConfig,
) -> Option<HealthReport> {
    let mut evaluator = Evaluator::new(config);
    let mut newest: Option<&Snapshot> = None;
    let mut accepted = 0usize;
    for snapshot in snapshots {
        if evaluator.ingest(snapshot) {
            newest = Some(snapshot);
            accepted += 1;
        }
    }
    let evaluation = evaluator.evaluate(newest?);
    let level = evaluation.verdict.level;
    Some(HealthReport {
        status: level,
        exit_code: level.exit_code(),
        window_snapshots: accepted,
        reasons: evaluation.verdict.reasons.clone(),
        evaluation,
    })
}

/// Writes the report as pretty JSON followed by a newline.
pub fn write_json(report: &HealthReport, mut out: impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut out, report)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{self, SCENARIO_STEPS};

    fn heal(snapshot: &mut Snapshot) {
        for p in snapshot
            .topics
            .iter_mut()
            .flat_map(|t| t.partitions.iter_mut())
        {
            p.replicas.retain(|&r| r <= 3);
            p.leader = p.replicas.first().copied();
            p.isr = p.replicas.clone();
            p.offline_replicas.clear();
            p.log_end_offset = p.log_end_offset.or(Some(0));
        }
        snapshot
            .groups
            .retain(|g| g.group_id == "billing" || g.group_id == "fresh");
    }

    #[test]
    fn troubled_cluster_is_crit_with_exit_code_2() {
        let snapshots: Vec<Snapshot> = (0..SCENARIO_STEPS).map(fixture::scenario).collect();
        let report = report(&snapshots, EvalConfig::default()).expect("snapshots given");
        assert_eq!((report.status, report.exit_code), (Level::Crit, 2));
        assert_eq!(report.window_snapshots, SCENARIO_STEPS);
        assert!(
            report
                .reasons
                .iter()
                .any(|r| r.message.contains("group audit is ERR"))
        );
    }

    #[test]
    fn healthy_cluster_is_ok_with_exit_code_0() {
        let snapshots: Vec<Snapshot> = (0..SCENARIO_STEPS)
            .map(|step| {
                let mut s = fixture::scenario(step);
                heal(&mut s);
                s
            })
            .collect();
        let report = report(&snapshots, EvalConfig::default()).expect("snapshots given");
        assert_eq!(
            (report.status, report.exit_code),
            (Level::Ok, 0),
            "{:?}",
            report.reasons
        );
        assert!(report.reasons.is_empty());
    }

    #[test]
    fn one_shrunk_isr_is_warn_with_exit_code_1() {
        let mut snapshot = fixture::scenario(0);
        heal(&mut snapshot);
        snapshot.topics[0].partitions[0].isr.truncate(2);
        let report = report([&snapshot], EvalConfig::default()).expect("snapshot given");
        assert_eq!((report.status, report.exit_code), (Level::Warn, 1));
        let messages: Vec<&str> = report.reasons.iter().map(|r| r.message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "1 partition under-replicated",
                "1 partition with ISR shrunk to min ISR"
            ]
        );
    }

    #[test]
    fn no_snapshot_means_no_report_and_stale_ones_are_skipped() {
        assert!(report(std::iter::empty(), EvalConfig::default()).is_none());
        let newer = fixture::scenario(3);
        let older = fixture::scenario(1);
        let report = report([&newer, &older], EvalConfig::default()).expect("one accepted");
        assert_eq!(report.window_snapshots, 1);
        assert_eq!(report.evaluation.captured_at_ms, newer.captured_at_ms);
    }

    #[test]
    fn json_carries_status_exit_code_and_labelled_estimates() {
        let snapshots: Vec<Snapshot> = (0..SCENARIO_STEPS).map(fixture::scenario).collect();
        let report = report(&snapshots, EvalConfig::default()).expect("snapshots given");
        let mut out = Vec::new();
        write_json(&report, &mut out).expect("writes to a Vec");
        let json: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
        assert_eq!(json["status"], "CRIT");
        assert_eq!(json["exit_code"], 2);
        let replay = json["evaluation"]["groups"]
            .as_array()
            .and_then(|groups| groups.iter().find(|g| g["group_id"] == "replay"))
            .expect("replay group");
        let methods: Vec<&str> = replay["partitions"]
            .as_array()
            .expect("partitions")
            .iter()
            .filter_map(|p| p["time_lag"]["method"].as_str())
            .collect();
        assert_eq!(methods, vec!["lower_bound", "exact"]);
        let fresh = json["evaluation"]["groups"]
            .as_array()
            .and_then(|groups| groups.iter().find(|g| g["group_id"] == "fresh"))
            .expect("fresh group");
        assert!(fresh["partitions"][0]["committed_offset"].is_null());
        assert!(fresh["partitions"][0]["lag"].is_null());
        assert!(out.ends_with(b"\n"));
    }
}
