//! `kctl group delete`: DeleteGroups on each group's coordinator, after
//! confirmation. Unknown groups are found before anything is deleted, so a
//! typo in one name deletes nothing.

use kctl_client::ErrorCode;

use super::group_describe::exists;
use super::shared::{Deletable, Deletion, report_deletions};
use crate::cli::GroupDeleteArgs;
use crate::confirm::confirm;
use crate::connect;
use crate::dynamic_completion::{self, Names};
use crate::exit::{Code, Failure};
use crate::settings::Settings;

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
            Ok(()) => Deletion::new(Deletable::Group, item.group_id, "deleted"),
            Err(e) => {
                let error = if e.code() == Some(ErrorCode::NonEmptyGroup) {
                    "the group has active members; stop its consumers first".to_owned()
                } else {
                    e.to_string()
                };
                Deletion::failed(Deletable::Group, item.group_id, error)
            }
        });
    }
    report_deletions(settings, Deletable::Group, &rows)
}
