//! `kctl context add NAME --brokers ...`: add or replace a context. The
//! file is written readable by its owner only.

use std::path::Path;

use crate::cli::ContextAddArgs;
use crate::exit::{Code, usage};
use crate::printer::Printer;
use crate::settings::{self, Context, Sasl, Tls};

pub(crate) fn run(
    printer: &Printer,
    path: &Path,
    explicit: bool,
    args: &ContextAddArgs,
) -> anyhow::Result<Code> {
    let mut config = settings::load(path, explicit)?;
    let servers: Vec<String> = args
        .brokers
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if servers.is_empty() {
        return Err(usage("--brokers is empty").into());
    }
    for server in &servers {
        settings::check_server(server).map_err(|e| usage(format!("--brokers: {e}")))?;
    }
    let context = Context {
        bootstrap_servers: servers,
        tls: args.tls_ca_file.as_ref().map(|ca| Tls {
            ca_file: Some(ca.clone()),
            ..Tls::default()
        }),
        sasl: args.sasl_mechanism.map(|mechanism| Sasl {
            mechanism,
            username: args.sasl_username.clone(),
            password: None,
            password_env: args.sasl_password_env.clone(),
            password_command: args.sasl_password_command.clone(),
        }),
    };
    let replaced = config.contexts.insert(args.name.clone(), context).is_some();
    if args.make_current || config.current_context.is_none() {
        config.current_context = Some(args.name.clone());
    }
    settings::save(path, &config)?;
    printer.status(format!(
        "{} context '{}' in {}{}",
        if replaced { "replaced" } else { "added" },
        args.name,
        path.display(),
        if config.current_context.as_deref() == Some(&args.name) {
            " (current)"
        } else {
            ""
        }
    ));
    Ok(Code::Success)
}
