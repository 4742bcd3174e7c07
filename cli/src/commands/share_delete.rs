//! `kctl share delete GROUP...`: DeleteGroups for share groups, after
//! confirmation. Every name is checked to be an existing share group first,
//! so a typo (or a consumer group's name) deletes nothing.

use kctl_client::ErrorCode;

use super::shared::{Deletable, Deletion, report_deletions};
use crate::cli::ShareDeleteArgs;
use crate::confirm::confirm;
use crate::connect;
use crate::dynamic_completion::{self, Names};
use crate::exit::{Code, Failure};
use crate::settings::Settings;

pub(crate) async fn run(settings: &Settings, args: ShareDeleteArgs) -> anyhow::Result<Code> {
    let mut names = args.groups;
    names.dedup();
    let admin = connect::admin(settings).await?;
    for name in &names {
        if let Err(e) = admin.describe_share_group(name).await {
            if e.code() == Some(ErrorCode::GroupIdNotFound) {
                return Err(Failure::new(
                    Code::NotFound,
                    format!("share group '{name}' does not exist; nothing was deleted"),
                )
                .hint("`kctl group list` shows every group with its TYPE")
                .into());
            }
            return Err(anyhow::Error::new(e).context(format!("looking up share group '{name}'")));
        }
    }
    confirm(
        &format!(
            "Delete share group{} {} and their state?",
            if names.len() == 1 { "" } else { "s" },
            names.join(", ")
        ),
        args.yes,
    )?;
    let results = admin.delete_groups(&names).await?;
    dynamic_completion::forget(settings, Names::Groups);
    let rows: Vec<Deletion> = results
        .into_iter()
        .map(|item| match item.result {
            Ok(()) => Deletion::new(Deletable::Group, item.group_id, "deleted"),
            Err(e) if e.code() == Some(ErrorCode::NonEmptyGroup) => Deletion::failed(
                Deletable::Group,
                item.group_id,
                "the group has members; stop its consumers first".to_owned(),
            ),
            Err(e) => Deletion::failed(Deletable::Group, item.group_id, e.to_string()),
        })
        .collect();
    report_deletions(settings, Deletable::Group, &rows)
}
