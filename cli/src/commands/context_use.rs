//! `kctl context use NAME`: make a context the current one.

use std::path::Path;

use crate::cli::ContextNameArgs;
use crate::exit::{Code, Failure};
use crate::printer::Printer;
use crate::settings;

pub(crate) fn run(
    printer: &Printer,
    path: &Path,
    explicit: bool,
    args: &ContextNameArgs,
) -> anyhow::Result<Code> {
    let mut config = settings::load(path, explicit)?;
    if !config.contexts.contains_key(&args.name) {
        return Err(Failure::new(
            Code::NotFound,
            format!("context '{}' is not in {}", args.name, path.display()),
        )
        .hint("`kctl context list` shows the contexts")
        .into());
    }
    config.current_context = Some(args.name.clone());
    settings::save(path, &config)?;
    printer.status(format!("using context '{}'", args.name));
    Ok(Code::Success)
}
