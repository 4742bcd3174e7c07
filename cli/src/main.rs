//! `kctl`: the command line. `main` parses arguments, sets up logging and
//! maps the outcome to an exit code; each subcommand lives in `commands/`.

mod cli;
mod commands;
mod confirm;
mod connect;
mod dynamic_completion;
mod exit;
mod format;
mod printer;
mod record_json;
mod settings;
mod time;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use crate::cli::{Cli, Command};

fn main() -> std::process::ExitCode {
    // A shell asking for completions (COMPLETE=bash kctl -- WORDS) is
    // answered here, before anything else can write to stdout, and exits.
    clap_complete::CompleteEnv::with_factory(<Cli as clap::CommandFactory>::command)
        .completer("kctl")
        .complete();
    let cli = Cli::parse();
    let level = match cli.global.verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    // Log lines on stderr would be drawn over the dashboard's screen.
    let dashboard = matches!(&cli.command, Command::Tui(args) if !args.once)
        || (matches!(&cli.command, Command::Demo(_))
            && std::io::IsTerminal::is_terminal(&std::io::stdout()));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(move || -> Box<dyn std::io::Write> {
            if dashboard {
                Box::new(std::io::sink())
            } else {
                Box::new(std::io::stderr())
            }
        })
        // Colour for a terminal only, so `2> file` stays greppable.
        .with_ansi(
            std::io::IsTerminal::is_terminal(&std::io::stderr())
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        )
        .init();

    // Commands that need no cluster and no runtime.
    let outcome = match &cli.command {
        Command::Completion(args) => Some(commands::completion::run(args)),
        Command::Man(args) => Some(commands::man::run(args)),
        Command::Context { command } => Some(commands::context(&cli.global, command)),
        _ => None,
    };
    let outcome = match outcome {
        Some(outcome) => outcome,
        None => match tokio::runtime::Runtime::new() {
            Ok(runtime) => runtime.block_on(commands::run(cli)),
            Err(e) => Err(anyhow::anyhow!("cannot start the async runtime: {e}")),
        },
    };
    match outcome {
        Ok(code) => code.into(),
        Err(e) => exit::report(&e),
    }
}
