//! `kctl`: the command line. `main` parses arguments, sets up logging and
//! maps the outcome to an exit code; each subcommand lives in `commands/`.

mod cli;
mod commands;
mod exit;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use crate::cli::{BrokerCommand, Cli, Command};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let level = match cli.global.verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => return exit::report(&anyhow::anyhow!("cannot start the async runtime: {e}")),
    };
    let outcome = runtime.block_on(async {
        match cli.command {
            Command::Broker {
                command: BrokerCommand::Start(args),
            } => commands::broker_start::run(args).await,
        }
    });
    match outcome {
        Ok(()) => exit::Code::Success.into(),
        Err(e) => exit::report(&e),
    }
}
