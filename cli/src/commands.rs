//! One module per subcommand. Each takes its parsed arguments and returns
//! `anyhow::Result`; `main` turns errors into exit codes.

pub(crate) mod broker_start;
