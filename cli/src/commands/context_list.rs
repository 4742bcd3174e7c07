//! `kctl context list`: the contexts of the config file. Passwords are
//! never shown, only where they come from.

use std::path::Path;

use serde::Serialize;

use crate::exit::Code;
use crate::printer::{Printer, Table, or_dash};
use crate::settings;

#[derive(Debug, Serialize)]
struct Listed {
    name: String,
    current: bool,
    bootstrap_servers: Vec<String>,
    tls: bool,
    sasl_mechanism: Option<&'static str>,
    sasl_username: Option<String>,
    /// env:VAR, command, inline or none; never the password itself.
    sasl_password: Option<String>,
}

pub(crate) fn run(printer: &Printer, path: &Path, explicit: bool) -> anyhow::Result<Code> {
    let config = settings::load(path, explicit)?;
    let rows: Vec<Listed> = config
        .contexts
        .iter()
        .map(|(name, c)| Listed {
            name: name.clone(),
            current: config.current_context.as_deref() == Some(name),
            bootstrap_servers: c.bootstrap_servers.clone(),
            tls: c.tls.is_some(),
            sasl_mechanism: c.sasl.as_ref().map(|s| s.mechanism.as_str()),
            sasl_username: c.sasl.as_ref().and_then(|s| s.username.clone()),
            sasl_password: c.sasl.as_ref().map(settings::Sasl::password_source),
        })
        .collect();
    if rows.is_empty() && !printer.is_structured() {
        printer.status(format!(
            "no contexts in {}; add one with `kctl context add`",
            path.display()
        ));
    }
    printer.emit(&rows, |rows| {
        let mut table = Table::new(&["CURRENT", "NAME", "BOOTSTRAP-SERVERS", "TLS", "SASL"]);
        for r in rows {
            table.row(vec![
                if r.current { "*".into() } else { String::new() },
                r.name.clone(),
                r.bootstrap_servers.join(","),
                r.tls.to_string(),
                or_dash(r.sasl_mechanism.map(|m| match &r.sasl_username {
                    Some(user) => format!(
                        "{m} ({user}, password {})",
                        r.sasl_password.as_deref().unwrap_or("none")
                    ),
                    None => m.to_owned(),
                })),
            ]);
        }
        vec![table]
    })?;
    Ok(Code::Success)
}
