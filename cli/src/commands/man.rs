//! `kctl man [COMMAND...]`: a roff man page on stdout, for kctl or one of
//! its subcommands (`kctl man topic create | man -l -`).

use std::io::Write;

use clap::CommandFactory;

use crate::cli::{Cli, ManArgs};
use crate::exit::{Code, usage};

pub(crate) fn run(args: &ManArgs) -> anyhow::Result<Code> {
    let mut command = Cli::command();
    command.build();
    let mut name = vec!["kctl".to_owned()];
    for word in &args.command {
        let Some(sub) = command.find_subcommand(word).cloned() else {
            return Err(
                usage(format!("'{}' has no subcommand '{word}'", name.join(" ")))
                    .hint("`kctl --help` lists the commands")
                    .into(),
            );
        };
        name.push(word.clone());
        command = sub;
    }
    let mut page = Vec::new();
    clap_mangen::Man::new(command)
        .title(name.join("-"))
        .render(&mut page)?;
    let mut out = std::io::stdout().lock();
    out.write_all(&page)?;
    out.flush()?;
    Ok(Code::Success)
}
