//! `kctl tui`: the live dashboard. The poller runs in its own task and
//! sends snapshots over a channel; the terminal loop never waits on the
//! cluster. `--once` prints the health report instead (see `health`).

use std::io::IsTerminal;

use kctl_client::admin::Admin;
use kctl_client::{Consumer, ConsumerConfig, OffsetReset};
use kctl_tui::app::App;
use kctl_tui::evaluation::EvalConfig;
use kctl_tui::poller::{self, Connect, PollerConfig};
use kctl_tui::reader::{self, ConnectConsumer};
use tokio::sync::mpsc;

use super::health;
use crate::cli::TuiArgs;
use crate::connect;
use crate::exit::{Code, usage};
use crate::settings::Settings;

/// What the Messages screen's consumer may hold fetched ahead of the
/// buffer (the consumer's default is 50 MiB).
const READER_PREFETCH_BYTES: usize = 8 << 20;

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
    // The Messages screen's reader: no group, manual assignment and seeks.
    let mut consumer_config = ConsumerConfig::new(settings.bootstrap.clone());
    consumer_config.client = connect::client_config(settings);
    consumer_config.enable_auto_commit = false;
    // Retention can delete records under a position; the log start is then
    // the nearest still there.
    consumer_config.auto_offset_reset = OffsetReset::Earliest;
    // Fetched-but-unread data is memory too: a few fetches ahead is enough
    // for a screen that shows thousands of records.
    consumer_config.max_buffered_bytes = READER_PREFETCH_BYTES;
    let connect_consumer: ConnectConsumer = Box::new(move || {
        let config = consumer_config.clone();
        Box::pin(async move { Consumer::new(config).await })
    });
    let (tx, rx) = mpsc::unbounded_channel();
    let reader = reader::spawn(
        connect_consumer,
        connect::admin_config(settings),
        tx.clone(),
    );
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
    let app = App::new(EvalConfig::default(), refresh_interval_ms)
        .with_buffer_records(usize::try_from(args.buffer_records).unwrap_or(usize::MAX));
    kctl_tui::terminal::run(app, &poller, &reader, rx).await?;
    Ok(Code::Success)
}
