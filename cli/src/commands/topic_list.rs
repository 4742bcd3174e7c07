//! `kctl topic list`: every topic from Metadata, optionally filtered by a
//! regular expression.

use regex::Regex;
use serde::Serialize;

use crate::cli::TopicListArgs;
use crate::connect;
use crate::exit::{Code, usage};
use crate::printer::Table;
use crate::settings::Settings;

#[derive(Debug, Serialize)]
struct Listed {
    name: String,
    partitions: i32,
    replication_factor: i32,
    internal: bool,
    topic_id: Option<String>,
}

pub(crate) async fn run(settings: &Settings, args: TopicListArgs) -> anyhow::Result<Code> {
    let filter = args
        .filter
        .as_deref()
        .map(Regex::new)
        .transpose()
        .map_err(|e| usage(format!("invalid PATTERN: {e}")))?;
    let admin = connect::admin(settings).await?;
    let rows: Vec<Listed> = admin
        .list_topics(args.internal)
        .await?
        .into_iter()
        .filter(|t| filter.as_ref().is_none_or(|f| f.is_match(&t.name)))
        .map(|t| Listed {
            name: t.name,
            partitions: t.partitions,
            replication_factor: t.replication_factor,
            internal: t.is_internal,
            topic_id: t.topic_id.map(|id| id.to_string()),
        })
        .collect();
    settings.printer.emit(&rows, |rows| {
        let mut table = Table::new(&["NAME", "PARTITIONS", "REPLICATION-FACTOR", "INTERNAL"]);
        for t in rows {
            table.row(vec![
                t.name.clone(),
                t.partitions.to_string(),
                t.replication_factor.to_string(),
                t.internal.to_string(),
            ]);
        }
        vec![table]
    })?;
    Ok(Code::Success)
}
