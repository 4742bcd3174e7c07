//! `kctl find TOPIC --key K`: the records with a key, reading one partition.
//!
//! A keyed record's partition is a hash of its key (murmur2 for Java's
//! producers, CRC-32 for librdkafka's), so the records with key K are all in
//! one partition: kctl computes it with the client's partitioner code and
//! scans that partition alone, from the start (or `--since`) to the end it
//! had when kctl started. Other partitions are never fetched. A partition
//! count raised after the records were written moves keys; `find` then
//! looks where new records with that key would go, and says which.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use kctl_client::admin::{Admin, IsolationLevel, OffsetSpec};
use kctl_client::producer::partitioner::KeyHash;
use kctl_client::{ConsumerConfig, OffsetReset, TopicPartition};
use serde::Serialize;

use crate::cli::{FindArgs, KeyPartitionerArg};
use crate::connect;
use crate::exit::{Code, Failure};
use crate::printer::Table;
use crate::settings::Settings;
use crate::time::rfc3339_ms;

const POLL_WAIT: Duration = Duration::from_millis(200);

#[derive(Debug, Serialize)]
struct Found {
    topic: String,
    partition: i32,
    /// Which hash placed the key, and so which partition was read.
    partitioner: &'static str,
    /// Records read (the partition from the start or --since to its end).
    scanned: u64,
    matches: Vec<Match>,
}

#[derive(Debug, Serialize)]
struct Match {
    offset: i64,
    /// ms since the epoch.
    timestamp: i64,
    /// Text when UTF-8, else `value_b64`; null for a tombstone.
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value_b64: Option<String>,
}

pub(crate) async fn run(settings: &Settings, args: FindArgs) -> anyhow::Result<Code> {
    let topic = args.topic.get().to_owned();
    if args.max_matches == Some(0) {
        return Err(crate::exit::usage("--max-matches must be at least 1").into());
    }
    let mut config = ConsumerConfig::new(settings.bootstrap.clone());
    config.auto_offset_reset = OffsetReset::Earliest;
    let consumer = connect::consumer(settings, config).await?;
    let admin = Admin::with_client(consumer.client().clone(), connect::admin_config(settings));
    let count = match consumer.client().topic_metadata(&topic).await {
        Ok(metadata) => metadata.partition_count(),
        Err(e) if e.code() == Some(kctl_client::ErrorCode::UnknownTopicOrPartition) => {
            return Err(
                Failure::new(Code::NotFound, format!("topic '{topic}' does not exist"))
                    .hint("`kctl topic list` shows the topics")
                    .into(),
            );
        }
        Err(e) => return Err(anyhow::Error::new(e).context(format!("looking up topic '{topic}'"))),
    };
    let (hash, partitioner) = match args.partitioner {
        KeyPartitionerArg::Murmur2 => (KeyHash::Murmur2, "murmur2"),
        KeyPartitionerArg::Consistent => (KeyHash::Crc32, "consistent"),
    };
    let key = args.key.as_bytes();
    let partition = hash.partition(key, count);
    let tp = TopicPartition::new(&topic, partition);

    // The end as it is now: records produced while scanning are not waited for.
    let end = list_offset(&admin, &topic, partition, OffsetSpec::Latest).await?;
    consumer.assign(std::slice::from_ref(&tp));
    match args.since {
        Some(ms) => consumer.seek_to_timestamp(&tp, ms)?,
        None => consumer.seek_to_beginning(std::slice::from_ref(&tp))?,
    }
    settings.printer.status(format!(
        "key '{}' is in partition {partition} of {count} ({partitioner}); scanning it",
        args.key
    ));

    let mut found = Found {
        topic: topic.clone(),
        partition,
        partitioner,
        scanned: 0,
        matches: Vec::new(),
    };
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    'scan: while consumer.position(&tp).await? < end {
        let records = tokio::select! {
            _ = &mut ctrl_c => break 'scan,
            polled = consumer.poll(POLL_WAIT) => polled?,
        };
        for record in records {
            if record.offset >= end {
                break 'scan;
            }
            found.scanned += 1;
            if record.key.as_deref() != Some(key) {
                continue;
            }
            let (value, value_b64) = match record.value.as_deref() {
                None => (Some(None), None),
                Some(bytes) => match std::str::from_utf8(bytes) {
                    Ok(text) => (Some(Some(text.to_owned())), None),
                    Err(_) => (None, Some(BASE64.encode(bytes))),
                },
            };
            found.matches.push(Match {
                offset: record.offset,
                timestamp: record.timestamp_ms,
                value,
                value_b64,
            });
            if args
                .max_matches
                .is_some_and(|max| found.matches.len() as u64 >= max)
            {
                break 'scan;
            }
        }
    }
    consumer.close().await;

    settings.printer.status(format!(
        "{} match{} in {} record{} scanned",
        found.matches.len(),
        if found.matches.len() == 1 { "" } else { "es" },
        found.scanned,
        if found.scanned == 1 { "" } else { "s" },
    ));
    if found.matches.is_empty() {
        return Err(Failure::new(
            Code::NotFound,
            format!(
                "no record with key '{}' in {topic} partition {partition}{}",
                args.key,
                args.since
                    .map(|ms| format!(" since {}", rfc3339_ms(ms)))
                    .unwrap_or_default()
            ),
        )
        .hint(match args.partitioner {
            KeyPartitionerArg::Murmur2 => "records written by librdkafka's default partitioner (kcat, confluent-kafka) need --partitioner consistent; a topic whose partitions were added since moved its keys",
            KeyPartitionerArg::Consistent => "records written by Java clients, franz-go or kctl need --partitioner murmur2 (the default); a topic whose partitions were added since moved its keys",
        })
        .into());
    }
    settings.printer.emit(&found, tables)?;
    Ok(Code::Success)
}

async fn list_offset(
    admin: &Admin,
    topic: &str,
    partition: i32,
    spec: OffsetSpec,
) -> anyhow::Result<i64> {
    let listed = admin
        .list_offsets(
            &[(TopicPartition::new(topic, partition), spec)],
            IsolationLevel::ReadUncommitted,
        )
        .await?;
    let result = listed
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("ListOffsets did not answer for {topic}-{partition}"))?
        .result
        .map_err(|e| {
            anyhow::Error::new(e).context(format!("looking up the end of {topic}-{partition}"))
        })?;
    Ok(result.offset.unwrap_or(0))
}

fn tables(found: &Found) -> Vec<Table> {
    let mut table = Table::new(&["PARTITION", "OFFSET", "TIME", "VALUE"]);
    for m in &found.matches {
        let value = match (&m.value, &m.value_b64) {
            (Some(Some(text)), _) => text.clone(),
            (Some(None), _) => "(null)".to_owned(),
            (None, Some(b64)) => format!("base64:{b64}"),
            (None, None) => String::new(),
        };
        table.row(vec![
            found.partition.to_string(),
            m.offset.to_string(),
            rfc3339_ms(m.timestamp),
            value,
        ]);
    }
    vec![table]
}
