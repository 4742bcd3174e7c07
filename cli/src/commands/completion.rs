//! `kctl completion SHELL`: the completion script on stdout. The scripts
//! are also committed under completions/ (a test keeps them current).

use std::io::Write;

use clap::CommandFactory;

use crate::cli::{Cli, CompletionArgs};
use crate::exit::Code;

pub(crate) fn run(args: &CompletionArgs) -> anyhow::Result<Code> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "kctl", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(Code::Success)
}
