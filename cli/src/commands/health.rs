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
    let isolation = isolation(args.read_committed);
    if !(args.watch || args.exit_when_healthy) {
        return judge(settings, args.samples, args.interval, isolation).await;
    }
    watch(settings, &args, isolation).await
}

/// `--watch`: a judgement every `--interval`, each printed as it comes. A
/// cluster that cannot be reached is UNKNOWN for that round, not the end:
/// a cluster coming up is what `--exit-when-healthy` waits for.
async fn watch(
    settings: &Settings,
    args: &HealthArgs,
    isolation: IsolationLevel,
) -> anyhow::Result<Code> {
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let mut admin = None;
    let mut last = UNKNOWN;
    for round in 1u64.. {
        if round > 1 {
            tokio::select! {
                _ = &mut ctrl_c => break,
                () = tokio::time::sleep(args.interval) => {}
            }
        }
        let evaluated = tokio::select! {
            _ = &mut ctrl_c => break,
            evaluated = evaluate_round(settings, &mut admin, args, isolation) => evaluated,
        };
        last = match evaluated {
            Ok(report) => {
                settings.printer.emit(&report, tables)?;
                level_code(report.status)
            }
            Err(e) => {
                settings.printer.status(format!(
                    "UNKNOWN: no snapshot of the cluster could be taken: {e:#}"
                ));
                UNKNOWN
            }
        };
        if args.exit_when_healthy && last == Code::Success {
            break;
        }
    }
    Ok(last)
}

/// One round of `--watch`: connects if not connected yet (the admin client
/// reconnects by itself after that), then judges one window.
async fn evaluate_round(
    settings: &Settings,
    admin: &mut Option<kctl_client::Admin>,
    args: &HealthArgs,
    isolation: IsolationLevel,
) -> anyhow::Result<HealthReport> {
    let admin = match admin {
        Some(admin) => admin,
        None => admin.insert(connect::admin(settings).await?),
    };
    let (report, last_error) =
        window(settings, admin, args.samples, args.interval, isolation).await;
    report.ok_or_else(|| last_error.unwrap_or_else(|| anyhow::anyhow!("no samples")))
}

fn level_code(level: Level) -> Code {
    match level {
        // The exit codes are Nagios' levels, which kctl's codes share by number.
        Level::Ok => Code::Success,
        Level::Warn => Code::Failure,
        Level::Crit => Code::Usage,
    }
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
    let (report, last_error) = window(settings, &admin, samples, interval, isolation).await;
    let Some(report) = report else {
        return Err(unknown(
            last_error.unwrap_or_else(|| anyhow::anyhow!("no samples")),
        ));
    };
    settings.printer.emit(&report, tables)?;
    Ok(level_code(report.status))
}

/// `samples` snapshots `interval` apart, judged together; `None` when none
/// could be taken, with the last error.
async fn window(
    settings: &Settings,
    admin: &kctl_client::Admin,
    samples: u32,
    interval: Duration,
    isolation: IsolationLevel,
) -> (Option<HealthReport>, Option<anyhow::Error>) {
    let mut snapshots = Vec::new();
    let mut last_error = None;
    for sample in 0..samples {
        if sample > 0 {
            tokio::time::sleep(interval).await;
        }
        match poll_once(admin, isolation).await {
            Ok(snapshot) => snapshots.push(snapshot),
            Err(e) => {
                settings.printer.status(format!(
                    "warning: sample {} of {samples} failed: {e}",
                    sample + 1
                ));
                last_error = Some(anyhow::Error::from(e));
            }
        }
    }
    (
        headless::report(&snapshots, EvalConfig::default()),
        last_error,
    )
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
