//! `broker-lite`: run the broker in the foreground until Ctrl-C.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use broker_lite::config::StartOptions;
use clap::Parser;
use tracing_subscriber::EnvFilter;

/// A small, persistent, Kafka-compatible broker.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// A Kafka-style properties file (server.properties keys). Flags override it.
    #[arg(long, short = 'c')]
    config: Option<PathBuf>,
    /// Where topics and their logs are kept [default: ./broker-lite-data].
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:9092]. Use 0.0.0.0:9092 to expose it.
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// host:port given to clients in Metadata (defaults to the listen address).
    #[arg(long)]
    advertise: Option<String>,
    /// When to fsync: none (OS page cache; survives a crash of the broker,
    /// not a power cut), every-batch (before each acknowledgement), or an
    /// interval like 100ms.
    #[arg(long)]
    flush: Option<String>,
    /// Partitions given to topics created automatically or with -1.
    #[arg(long)]
    num_partitions: Option<i32>,
    /// This broker's id (node.id).
    #[arg(long)]
    node_id: Option<i32>,
    /// Join a cluster: the controller's address (set by a cluster's
    /// supervisor, `kctl broker start --nodes N`).
    #[arg(long)]
    controller: Option<SocketAddr>,
    /// Log filter, e.g. info or broker_lite=debug (RUST_LOG wins if set).
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
        // Colour only for a terminal: a cluster node's stderr is its
        // broker.log, which people grep.
        .with_ansi(
            std::io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        )
        .init();
    let options = StartOptions {
        config_file: args.config,
        data_dir: args.data_dir,
        listen: args.listen,
        advertise: args.advertise,
        flush: args.flush,
        num_partitions: args.num_partitions,
        node_id: args.node_id,
        controller: args.controller,
    };
    let broker = broker_lite::start(options.resolve()?)
        .await
        .context("broker-lite could not start")?;
    eprintln!(
        "broker-lite listening; bootstrap server: {}",
        broker.bootstrap()
    );
    broker.run_until_ctrl_c().await
}
