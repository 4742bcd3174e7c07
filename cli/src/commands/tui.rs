//! `kctl tui`: the live dashboard. The poller runs in its own task and
//! sends snapshots over a channel; the terminal loop never waits on the
//! cluster. `--once` prints the health report instead (see `health`).

use std::io::IsTerminal;

use kctl_client::admin::Admin;
use kctl_tui::app::App;
use kctl_tui::evaluation::EvalConfig;
use kctl_tui::poller::{self, Connect, PollerConfig};
use tokio::sync::mpsc;

use super::health;
use crate::cli::TuiArgs;
use crate::connect;
use crate::exit::{Code, usage};
use crate::settings::Settings;

pub(crate) async fn run(settings: &Settings, args: TuiArgs) -> anyhow::Result<Code> {
    let isolation = health::isolation(args.read_committed);
    if args.once {
        return health::judge(settings, 1, args.refresh_interval, isolation).await;
    }
    if !(std::io::stdout().is_terminal() && std::io::stdin().is_terminal()) {
        return Err(usage("kctl tui needs a terminal")
            .hint("for scripts use `kctl tui --once -o json` or `kctl health`")
            .into());
    }
    let client_config = connect::client_config(settings);
    let admin_config = connect::admin_config(settings);
    // Connecting is tried once per round, so a cluster that is down at
    // start shows up as a poll error and the dashboard comes up anyway.
    let connect: Connect = Box::new(move || {
        let client_config = client_config.clone();
        let admin_config = admin_config.clone();
        Box::pin(async move { Admin::connect(client_config, admin_config).await })
    });
    let (tx, rx) = mpsc::unbounded_channel();
    let refresh_interval_ms = args.refresh_interval.as_millis() as u64;
    let poller = poller::spawn(
        connect,
        PollerConfig {
            refresh_interval: args.refresh_interval,
            round_timeout: settings.timeout,
            isolation,
        },
        tx,
    );
    let app = App::new(EvalConfig::default(), refresh_interval_ms);
    kctl_tui::terminal::run(app, &poller, rx).await?;
    Ok(Code::Success)
}
