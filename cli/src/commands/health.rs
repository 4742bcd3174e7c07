//! `kctl health` and `kctl tui --once`: the dashboard's evaluation over one
//! or more snapshots, as a report and a Nagios-style exit code: 0 OK,
//! 1 WARN, 2 CRIT, and 3 (Nagios' UNKNOWN) when no snapshot could be taken.

use std::time::Duration;

use kctl_client::admin::IsolationLevel;
use kctl_tui::evaluation::EvalConfig;
use kctl_tui::evaluation::verdict::Level;
use kctl_tui::headless::{self, HealthReport};
use kctl_tui::poller::poll_once;

use crate::cli::HealthArgs;
use crate::connect;
use crate::exit::{Code, Failure};
use crate::printer::Table;
use crate::settings::Settings;

/// Nagios' UNKNOWN shares its number with kctl's "not found".
const UNKNOWN: Code = Code::NotFound;

pub(crate) fn isolation(read_committed: bool) -> IsolationLevel {
    if read_committed {
        IsolationLevel::ReadCommitted
    } else {
        IsolationLevel::ReadUncommitted
    }
}

pub(crate) async fn run(settings: &Settings, args: HealthArgs) -> anyhow::Result<Code> {
    judge(
        settings,
        args.samples,
        args.interval,
        isolation(args.read_committed),
    )
    .await
}

/// The cause goes into the message: the chain's first `Failure` decides
/// the exit code, and the cause (a timeout) would otherwise win.
fn unknown(error: impl Into<anyhow::Error>) -> anyhow::Error {
    let error: anyhow::Error = error.into();
    Failure::new(
        UNKNOWN,
        format!("UNKNOWN: no snapshot of the cluster could be taken: {error:#}"),
    )
    .into()
}

/// Takes `samples` snapshots `interval` apart and judges them. A failed
/// sample in a window is skipped (the window is judged from the rest); a
/// window with no snapshot at all is UNKNOWN.
pub(crate) async fn judge(
    settings: &Settings,
    samples: u32,
    interval: Duration,
    isolation: IsolationLevel,
) -> anyhow::Result<Code> {
    let admin = connect::admin(settings).await.map_err(unknown)?;
    let mut snapshots = Vec::new();
    let mut last_error = None;
    for sample in 0..samples {
        if sample > 0 {
            tokio::time::sleep(interval).await;
        }
        match poll_once(&admin, isolation).await {
            Ok(snapshot) => snapshots.push(snapshot),
            Err(e) => {
                settings.printer.status(format!(
                    "warning: sample {} of {samples} failed: {e}",
                    sample + 1
                ));
                last_error = Some(e);
            }
        }
    }
    let Some(report) = headless::report(&snapshots, EvalConfig::default()) else {
        return Err(match last_error {
            Some(e) => unknown(e),
            None => unknown(anyhow::anyhow!("no samples")),
        });
    };
    settings.printer.emit(&report, tables)?;
    Ok(match report.status {
        // The exit codes are Nagios' levels, which kctl's codes share by number.
        Level::Ok => Code::Success,
        Level::Warn => Code::Failure,
        Level::Crit => Code::Usage,
    })
}

fn tables(report: &HealthReport) -> Vec<Table> {
    let evaluation = &report.evaluation;
    let mut summary = Table::new(&["STATUS", "SNAPSHOTS", "BROKERS", "TOPICS", "GROUPS"]);
    summary.row(vec![
        report.status.label().to_owned(),
        report.window_snapshots.to_string(),
        evaluation.cluster.live_brokers.to_string(),
        evaluation.topics.len().to_string(),
        evaluation.groups.len().to_string(),
    ]);
    let mut reasons = Table::new(&["LEVEL", "REASON"]);
    for r in &report.reasons {
        reasons.row(vec![r.level.label().to_owned(), r.message.clone()]);
    }
    vec![summary, reasons]
}
