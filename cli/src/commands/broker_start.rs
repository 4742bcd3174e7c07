//! `kctl broker start`: broker-lite in the foreground, stopped cleanly by
//! Ctrl-C (logs closed, clean-shutdown marker written).

use anyhow::Context;
use broker_lite::config::{BrokerConfig, parse_flush_policy};

use crate::cli::BrokerStartArgs;

pub(crate) async fn run(args: BrokerStartArgs) -> anyhow::Result<()> {
    let mut config = match &args.config {
        Some(path) => BrokerConfig::from_properties_file(path)?,
        None => BrokerConfig::default(),
    };
    config.data_dir = args.data_dir;
    config.set("listeners", &args.listen.to_string())?;
    if let Some(advertise) = &args.advertise {
        config.set("advertised.listeners", advertise)?;
    }
    config.log.flush = parse_flush_policy(&args.flush)
        .map_err(|reason| anyhow::anyhow!("--flush {}: {reason}", args.flush))?;
    let broker = broker_lite::start(config)
        .await
        .context("broker-lite could not start")?;
    eprintln!(
        "broker-lite listening; bootstrap server: {} (Ctrl-C to stop)",
        broker.bootstrap()
    );
    broker
        .run_until(async {
            // If the signal handler cannot be installed, run until killed.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await
}
