//! `kctl topic create`: CreateTopics on the controller, then a wait until
//! every broker's Metadata shows the new topic's leaders.

use kctl_client::ErrorCode;
use kctl_client::admin::{CreateTopicsOptions, NewTopic};
use serde::Serialize;

use super::shared::first;
use crate::cli::TopicCreateArgs;
use crate::connect;
use crate::dynamic_completion::{self, Names};
use crate::exit::{Code, Failure};
use crate::printer::{Table, or_dash};
use crate::settings::Settings;

#[derive(Debug, Serialize)]
struct Created {
    topic: String,
    /// created, validated (with --validate-only) or exists (with --if-not-exists).
    status: &'static str,
    partitions: Option<i32>,
    replication_factor: Option<i16>,
    topic_id: Option<String>,
}

pub(crate) async fn run(settings: &Settings, args: TopicCreateArgs) -> anyhow::Result<Code> {
    let name = args.topic.get().to_owned();
    let mut topic = NewTopic::new(&name);
    topic.partitions = args.partitions;
    topic.replication_factor = args.replication_factor;
    topic.configs = args.configs;
    let admin = connect::admin(settings).await?;
    let results = admin
        .create_topics(
            &[topic],
            CreateTopicsOptions {
                validate_only: args.validate_only,
            },
        )
        .await?;
    // The next TAB should offer this name.
    dynamic_completion::forget(settings, Names::Topics);
    let row = match first(results.into_iter().map(|r| r.result)) {
        Ok(created) => Created {
            topic: name,
            status: if args.validate_only {
                "validated"
            } else {
                "created"
            },
            partitions: created.partitions,
            replication_factor: created.replication_factor,
            topic_id: created.topic_id.map(|id| id.to_string()),
        },
        Err(e) if e.code() == Some(ErrorCode::TopicAlreadyExists) && args.if_not_exists => {
            Created {
                topic: name,
                status: "exists",
                partitions: None,
                replication_factor: None,
                topic_id: None,
            }
        }
        Err(e) if e.code() == Some(ErrorCode::TopicAlreadyExists) => {
            return Err(
                Failure::new(Code::Failure, format!("topic '{name}' already exists"))
                    .hint("pass --if-not-exists to accept an existing topic")
                    .into(),
            );
        }
        Err(e) => return Err(anyhow::Error::new(e).context(format!("creating topic '{name}'"))),
    };
    if row.status == "created" {
        // So a describe or produce right after this command finds the
        // topic on whichever broker it asks (Kafka's tools do not wait).
        if let Err(error) = admin
            .wait_for_topic_leaders(std::slice::from_ref(&row.topic), settings.timeout)
            .await
        {
            eprintln!(
                "warning: topic '{}' was created, but not every broker shows its leaders yet: {error}",
                row.topic
            );
        }
    }
    settings.printer.emit(&row, |row| {
        let mut table = Table::new(&[
            "TOPIC",
            "STATUS",
            "PARTITIONS",
            "REPLICATION-FACTOR",
            "TOPIC-ID",
        ]);
        table.row(vec![
            row.topic.clone(),
            row.status.to_owned(),
            or_dash(row.partitions),
            or_dash(row.replication_factor),
            or_dash(row.topic_id.as_ref()),
        ]);
        vec![table]
    })?;
    Ok(Code::Success)
}
