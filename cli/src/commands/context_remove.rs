//! `kctl context remove NAME`.

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
    if config.contexts.remove(&args.name).is_none() {
        return Err(Failure::new(
            Code::NotFound,
            format!("context '{}' is not in {}", args.name, path.display()),
        )
        .into());
    }
    if config.current_context.as_deref() == Some(&args.name) {
        config.current_context = None;
    }
    settings::save(path, &config)?;
    printer.status(format!("removed context '{}'", args.name));
    Ok(Code::Success)
}
