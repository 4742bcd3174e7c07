//! `kctl topic delete`: DeleteTopics on the controller, after confirmation.
//!
//! Missing topics are found before anything is deleted, so a typo in one
//! name deletes nothing (unless --if-exists).

use kctl_client::ErrorCode;
use serde::Serialize;

use super::shared::outcome;
use crate::cli::TopicDeleteArgs;
use crate::confirm::confirm;
use crate::connect;
use crate::dynamic_completion::{self, Names};
use crate::exit::{Code, Failure};
use crate::printer::{Table, or_dash};
use crate::settings::Settings;

#[derive(Debug, Serialize)]
struct Deleted {
    topic: String,
    /// deleted, absent (with --if-exists) or failed.
    status: &'static str,
    error: Option<String>,
}

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
                rows.push(Deleted {
                    topic: item.topic,
                    status: "absent",
                    error: None,
                });
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
                Ok(()) => Deleted {
                    topic: item.topic,
                    status: "deleted",
                    error: None,
                },
                Err(e)
                    if args.if_exists && e.code() == Some(ErrorCode::UnknownTopicOrPartition) =>
                {
                    Deleted {
                        topic: item.topic,
                        status: "absent",
                        error: None,
                    }
                }
                Err(e) => Deleted {
                    topic: item.topic,
                    status: "failed",
                    error: Some(e.to_string()),
                },
            });
        }
    }
    settings.printer.emit(&rows, |rows| {
        let mut table = Table::new(&["TOPIC", "STATUS", "ERROR"]);
        for r in rows {
            table.row(vec![
                r.topic.clone(),
                r.status.to_owned(),
                or_dash(r.error.as_ref()),
            ]);
        }
        vec![table]
    })?;
    let failed = rows.iter().filter(|r| r.status == "failed").count();
    if failed > 0 {
        settings.printer.status(format!(
            "error: {failed} of {} topics could not be deleted",
            rows.len()
        ));
    }
    Ok(outcome(failed, rows.len()))
}
