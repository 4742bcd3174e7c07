//! `kctl group delete`: DeleteGroups on each group's coordinator, after
//! confirmation. Unknown groups are found before anything is deleted, so a
//! typo in one name deletes nothing.

use kctl_client::ErrorCode;
use serde::Serialize;

use super::group_describe::exists;
use super::shared::outcome;
use crate::cli::GroupDeleteArgs;
use crate::confirm::confirm;
use crate::connect;
use crate::dynamic_completion::{self, Names};
use crate::exit::{Code, Failure};
use crate::printer::{Table, or_dash};
use crate::settings::Settings;

#[derive(Debug, Serialize)]
struct Deleted {
    group: String,
    /// deleted or failed.
    status: &'static str,
    error: Option<String>,
}

pub(crate) async fn run(settings: &Settings, args: GroupDeleteArgs) -> anyhow::Result<Code> {
    let mut names: Vec<String> = args
        .groups
        .iter()
        .chain(&args.group_flags)
        .cloned()
        .collect();
    names.dedup();
    let admin = connect::admin(settings).await?;
    for described in admin.describe_groups(&names).await? {
        let description = described.result.map_err(|e| {
            anyhow::Error::new(e).context(format!("looking up group '{}'", described.group_id))
        })?;
        if !exists(&description) {
            return Err(Failure::new(
                Code::NotFound,
                format!(
                    "consumer group '{}' does not exist; nothing was deleted",
                    described.group_id
                ),
            )
            .hint("`kctl group list` shows the groups")
            .into());
        }
    }
    confirm(
        &format!(
            "Delete consumer group{} {} and their committed offsets?",
            if names.len() == 1 { "" } else { "s" },
            names.join(", ")
        ),
        args.yes,
    )?;
    let mut rows = Vec::new();
    let results = admin.delete_groups(&names).await?;
    // The next TAB should stop offering these names.
    dynamic_completion::forget(settings, Names::Groups);
    for item in results {
        rows.push(match item.result {
            Ok(()) => Deleted {
                group: item.group_id,
                status: "deleted",
                error: None,
            },
            Err(e) => Deleted {
                error: Some(if e.code() == Some(ErrorCode::NonEmptyGroup) {
                    "the group has active members; stop its consumers first".to_owned()
                } else {
                    e.to_string()
                }),
                group: item.group_id,
                status: "failed",
            },
        });
    }
    settings.printer.emit(&rows, |rows| {
        let mut table = Table::new(&["GROUP", "STATUS", "ERROR"]);
        for r in rows {
            table.row(vec![
                r.group.clone(),
                r.status.to_owned(),
                or_dash(r.error.as_ref()),
            ]);
        }
        vec![table]
    })?;
    let failed = rows.iter().filter(|r| r.status == "failed").count();
    if failed > 0 {
        settings.printer.status(format!(
            "error: {failed} of {} groups could not be deleted",
            rows.len()
        ));
    }
    Ok(outcome(failed, rows.len()))
}
