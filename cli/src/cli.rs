//! Every argument kctl accepts, and nothing else: the commands that act on
//! them are in `commands/`. Doc comments here are the `--help` text.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Apache Kafka from the command line: topics, produce, consume, groups,
/// configs, performance tests, and a bundled broker.
#[derive(Debug, Parser)]
#[command(name = "kctl", version, about, propagate_version = true)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// Show tracing logs on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, help_heading = "Global options")]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run broker-lite, the bundled Kafka-compatible broker.
    Broker {
        #[command(subcommand)]
        command: BrokerCommand,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum BrokerCommand {
    /// Run broker-lite in the foreground until Ctrl-C.
    Start(BrokerStartArgs),
}

#[derive(Debug, Args)]
pub(crate) struct BrokerStartArgs {
    /// Where topics and their logs are kept.
    #[arg(long, default_value = "./kctl-data")]
    pub data_dir: PathBuf,
    /// Address to listen on. Loopback by default; use 0.0.0.0:9092 to expose it.
    #[arg(long, default_value = "127.0.0.1:9092")]
    pub listen: SocketAddr,
    /// host:port given to clients in Metadata (defaults to the listen address).
    #[arg(long)]
    pub advertise: Option<String>,
    /// A Kafka-style properties file (server.properties keys); flags override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// When to fsync: none (page cache: survives a crash of the broker, not a
    /// power cut), every-batch (before each acknowledgement), or an interval
    /// like 100ms.
    #[arg(long, default_value = "none")]
    pub flush: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_tree_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn broker_start_defaults_to_loopback() {
        let cli = Cli::try_parse_from(["kctl", "broker", "start"]).unwrap();
        let Command::Broker {
            command: BrokerCommand::Start(args),
        } = cli.command;
        assert!(args.listen.ip().is_loopback());
        assert!(Cli::try_parse_from(["kctl", "broker", "start", "--listen", "nonsense"]).is_err());
    }
}
