//! `broker-lite`: run the broker in the foreground until Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use broker_lite::config::{BrokerConfig, parse_flush_policy};
use clap::Parser;
use tracing_subscriber::EnvFilter;

/// A small, persistent, Kafka-compatible broker.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// A Kafka-style properties file (server.properties keys). Flags override it.
    #[arg(long, short = 'c')]
    config: Option<PathBuf>,
    /// Where topics and their logs are kept.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Address to listen on. Loopback by default; use 0.0.0.0:9092 to expose it.
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// host:port given to clients in Metadata (defaults to the listen address).
    #[arg(long)]
    advertise: Option<String>,
    /// When to fsync: none (OS page cache; survives a process crash, not a
    /// power cut), every-batch (before each acknowledgement), or an interval
    /// like 100ms.
    #[arg(long)]
    flush: Option<String>,
    /// Partitions given to topics created automatically or with -1.
    #[arg(long)]
    num_partitions: Option<i32>,
    /// Log filter, e.g. info or broker_lite=debug (also RUST_LOG).
    #[arg(long, default_value = "info")]
    log: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let filter = EnvFilter::try_from_default_env().or_else(|_| EnvFilter::try_new(&args.log))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();

    let mut config = match &args.config {
        Some(path) => BrokerConfig::from_properties_file(path)?,
        None => BrokerConfig::default(),
    };
    if let Some(dir) = args.data_dir {
        config.data_dir = dir;
    }
    if let Some(listen) = args.listen {
        config.set("listeners", &listen.to_string())?;
    }
    if let Some(advertise) = &args.advertise {
        config.set("advertised.listeners", advertise)?;
    }
    if let Some(flush) = &args.flush {
        config.log.flush = parse_flush_policy(flush)
            .map_err(|reason| anyhow::anyhow!("--flush {flush}: {reason}"))?;
    }
    if let Some(n) = args.num_partitions {
        config.set("num.partitions", &n.to_string())?;
    }
    let broker = broker_lite::start(config)
        .await
        .context("broker-lite could not start")?;
    eprintln!(
        "broker-lite listening; bootstrap server: {}",
        broker.bootstrap()
    );
    broker
        .run_until(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
