//! Confirmation of destructive commands.
//!
//! On a terminal kctl asks (default: no). Without a terminal nobody can
//! answer, so kctl refuses unless `--yes` was given: a script must say what
//! it means.

use std::io::IsTerminal;

use crate::exit::{Code, Failure, usage};

/// Asks `question`; `Ok(())` means go ahead.
pub(crate) fn confirm(question: &str, yes: bool) -> anyhow::Result<()> {
    if yes {
        return Ok(());
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(usage(format!(
            "refusing to go on without confirmation: {question} (stdin is not a terminal)"
        ))
        .hint("pass --yes to confirm")
        .into());
    }
    let agreed = dialoguer::Confirm::new()
        .with_prompt(question)
        .default(false)
        .interact()?;
    if agreed {
        Ok(())
    } else {
        Err(Failure::new(Code::Failure, "aborted; nothing was changed").into())
    }
}
