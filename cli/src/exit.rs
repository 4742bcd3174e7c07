//! kctl's exit codes, documented in docs/cli.md. Scripts can rely on them.

use std::process::ExitCode;

/// Why kctl stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Code {
    Success = 0,
    /// The command ran and failed.
    Failure = 1,
}

impl From<Code> for ExitCode {
    fn from(code: Code) -> Self {
        ExitCode::from(code as u8)
    }
}

/// Prints the error chain on stderr and picks the exit code.
pub(crate) fn report(error: &anyhow::Error) -> ExitCode {
    eprintln!("error: {error}");
    for cause in error.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
    Code::Failure.into()
}
