//! `kctl completion SHELL`: the script that registers kctl's completions
//! with a shell. The scripts are also committed under completions/ (a test
//! keeps them current).
//!
//! The script calls back into `kctl` on each TAB (see
//! `dynamic_completion`), so commands and flags always match the installed
//! kctl, and topic, group and context names come from the cluster.

use std::io::Write;

use clap_complete::env::Shells;

use crate::cli::CompletionArgs;
use crate::exit::{Code, Failure};

/// The variable the script sets when it asks kctl for completions;
/// clap_complete's default, which `main` listens on.
const COMPLETE_VAR: &str = "COMPLETE";

pub(crate) fn run(args: &CompletionArgs) -> anyhow::Result<Code> {
    let name = args.shell.to_string();
    let shells = Shells::builtins();
    let shell = shells
        .completer(&name)
        .ok_or_else(|| Failure::new(Code::Usage, format!("no completion support for {name}")))?;
    let mut script = Vec::new();
    shell.write_registration(COMPLETE_VAR, "kctl", "kctl", "kctl", &mut script)?;
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(Code::Success)
}
