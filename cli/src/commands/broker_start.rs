//! `kctl broker start`: broker-lite in the foreground, stopped cleanly by
//! Ctrl-C (logs closed, clean-shutdown marker written).

use anyhow::Context;
use broker_lite::config::StartOptions;

use crate::cli::BrokerStartArgs;
use crate::exit::Code;

pub(crate) async fn run(args: BrokerStartArgs) -> anyhow::Result<Code> {
    let options = StartOptions {
        config_file: args.config,
        data_dir: Some(args.data_dir),
        listen: Some(args.listen),
        advertise: args.advertise,
        flush: Some(args.flush),
        num_partitions: None,
    };
    let broker = broker_lite::start(options.resolve()?)
        .await
        .context("broker-lite could not start")?;
    eprintln!(
        "broker-lite listening; bootstrap server: {} (Ctrl-C to stop)",
        broker.bootstrap()
    );
    broker.run_until_ctrl_c().await?;
    Ok(Code::Success)
}
