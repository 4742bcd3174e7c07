//! `kctl topic delete`: DeleteTopics on the controller, after confirmation.
//!
//! Missing topics are found before anything is deleted, so a typo in one
//! name deletes nothing (unless --if-exists).

use super::shared::{Deletable, Deletion, report_deletions};
use crate::cli::TopicDeleteArgs;
use crate::confirm::confirm;
use crate::connect;
use crate::dynamic_completion::{self, Names};
use crate::exit::{Code, Failure};
use crate::settings::Settings;
use kctl_client::ErrorCode;

pub(crate) async fn run(settings: &Settings, args: TopicDeleteArgs) -> anyhow::Result<Code> {
    let mut names: Vec<String> = args
        .topics
        .iter()
        .chain(&args.topic_flags)
        .cloned()
        .collect();
    names.dedup();
    let admin = connect::admin(settings).await?;
    let mut rows = Vec::new();
    let mut existing = Vec::new();
    for item in admin.describe_topics(&names).await? {
        match item.result {
            Ok(_) => existing.push(item.topic),
            Err(e) if e.code() == Some(ErrorCode::UnknownTopicOrPartition) => {
                if !args.if_exists {
                    return Err(Failure::new(
                        Code::NotFound,
                        format!("topic '{}' does not exist; nothing was deleted", item.topic),
                    )
                    .hint("pass --if-exists to skip missing topics; `kctl topic list` shows the topics")
                    .into());
                }
                rows.push(Deletion::new(Deletable::Topic, item.topic, "absent"));
            }
            Err(e) => {
                return Err(
                    anyhow::Error::new(e).context(format!("looking up topic '{}'", item.topic))
                );
            }
        }
    }
    if !existing.is_empty() {
        confirm(
            &format!(
                "Delete topic{} {} and all their records?",
                if existing.len() == 1 { "" } else { "s" },
                existing.join(", ")
            ),
            args.yes,
        )?;
        let results = admin.delete_topics(&existing).await?;
        // The next TAB should stop offering these names.
        dynamic_completion::forget(settings, Names::Topics);
        for item in results {
            rows.push(match item.result {
                Ok(()) => Deletion::new(Deletable::Topic, item.topic, "deleted"),
                Err(e)
                    if args.if_exists && e.code() == Some(ErrorCode::UnknownTopicOrPartition) =>
                {
                    Deletion::new(Deletable::Topic, item.topic, "absent")
                }
                Err(e) => Deletion::failed(Deletable::Topic, item.topic, e.to_string()),
            });
        }
    }
    report_deletions(settings, Deletable::Topic, &rows)
}
