//! `kctl offsets TOPIC`: ListOffsets for every partition at once, each
//! partition asked of its leader.

use kctl_client::admin::{IsolationLevel, OffsetSpec, TopicPartition};
use serde::Serialize;

use super::shared::{first, outcome};
use crate::cli::{OffsetTime, OffsetsArgs};
use crate::connect;
use crate::exit::{Code, Failure};
use crate::printer::{Table, or_dash};
use crate::settings::Settings;

#[derive(Debug, Serialize)]
struct Range {
    topic: String,
    partition: i32,
    earliest: Option<i64>,
    latest: Option<i64>,
    /// latest - earliest: records currently retained (compaction and
    /// transaction markers make the real count lower).
    records: Option<i64>,
}

#[derive(Debug, Serialize)]
struct AtTime {
    topic: String,
    partition: i32,
    /// null when no record matches.
    offset: Option<i64>,
    timestamp: Option<i64>,
}

pub(crate) async fn run(settings: &Settings, args: OffsetsArgs) -> anyhow::Result<Code> {
    let topic = args.topic.get().to_owned();
    let admin = connect::admin(settings).await?;
    let description = first(
        admin
            .describe_topics(&[&topic])
            .await?
            .into_iter()
            .map(|r| r.result),
    )
    .map_err(|e| anyhow::Error::new(e).context(format!("looking up topic '{topic}'")))?;
    let count = description.partitions.len() as i32;
    let partitions: Vec<i32> = if args.partitions.is_empty() {
        (0..count).collect()
    } else {
        if let Some(bad) = args.partitions.iter().find(|p| !(0..count).contains(*p)) {
            return Err(Failure::new(
                Code::NotFound,
                format!("topic '{topic}' has no partition {bad} (it has {count})"),
            )
            .into());
        }
        args.partitions.clone()
    };
    let tp = |p: i32| TopicPartition::new(topic.clone(), p);
    let mut failed = 0;
    match args.time {
        Some(time) => {
            let spec = match time {
                OffsetTime::Earliest => OffsetSpec::Earliest,
                OffsetTime::Latest => OffsetSpec::Latest,
                OffsetTime::MaxTimestamp => OffsetSpec::MaxTimestamp,
                OffsetTime::Timestamp(ms) => OffsetSpec::Timestamp(ms),
            };
            let asks: Vec<_> = partitions.iter().map(|&p| (tp(p), spec)).collect();
            let mut rows = Vec::new();
            for r in admin
                .list_offsets(&asks, IsolationLevel::ReadUncommitted)
                .await?
            {
                match r.result {
                    Ok(found) => rows.push(AtTime {
                        topic: r.partition.topic.to_string(),
                        partition: r.partition.partition,
                        offset: found.offset,
                        timestamp: found.timestamp_ms,
                    }),
                    Err(e) => {
                        failed += 1;
                        settings
                            .printer
                            .status(format!("error: {}: {e}", r.partition));
                    }
                }
            }
            settings.printer.emit(&rows, |rows| {
                let mut table = Table::new(&["TOPIC", "PARTITION", "OFFSET", "TIMESTAMP"]);
                for r in rows {
                    table.row(vec![
                        r.topic.clone(),
                        r.partition.to_string(),
                        or_dash(r.offset),
                        or_dash(r.timestamp),
                    ]);
                }
                vec![table]
            })?;
        }
        None => {
            let mut asks = Vec::new();
            for &p in &partitions {
                asks.push((tp(p), OffsetSpec::Earliest));
                asks.push((tp(p), OffsetSpec::Latest));
            }
            let answers = admin
                .list_offsets(&asks, IsolationLevel::ReadUncommitted)
                .await?;
            let mut rows = Vec::new();
            for pair in answers.chunks(2) {
                let [earliest, latest] = pair else {
                    unreachable!("asked in pairs")
                };
                match (&earliest.result, &latest.result) {
                    (Ok(e), Ok(l)) => rows.push(Range {
                        topic: earliest.partition.topic.to_string(),
                        partition: earliest.partition.partition,
                        earliest: e.offset,
                        latest: l.offset,
                        records: e.offset.zip(l.offset).map(|(e, l)| l - e),
                    }),
                    (Err(err), _) | (_, Err(err)) => {
                        failed += 1;
                        settings
                            .printer
                            .status(format!("error: {}: {err}", earliest.partition));
                    }
                }
            }
            settings.printer.emit(&rows, |rows| {
                let mut table =
                    Table::new(&["TOPIC", "PARTITION", "EARLIEST", "LATEST", "RECORDS"]);
                for r in rows {
                    table.row(vec![
                        r.topic.clone(),
                        r.partition.to_string(),
                        or_dash(r.earliest),
                        or_dash(r.latest),
                        or_dash(r.records),
                    ]);
                }
                vec![table]
            })?;
        }
    }
    Ok(outcome(failed, partitions.len()))
}
