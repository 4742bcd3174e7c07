//! `kctl share consume TOPIC --group G`: records to stdout as a member of a
//! share group (KIP-932). Each printed record is acknowledged with `--ack`
//! (accept by default; release gives it back for redelivery, reject
//! archives it); records acquired but not printed (past --max-messages)
//! are released when kctl leaves, so other members get them at once.
//!
//! Output: the value per line, or with `-o json` one object per line with
//! the record's topic, partition, offset, delivery count, timestamp, key and
//! value (keys and values that are not UTF-8 as `key_b64`/`value_b64`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use kctl_client::consumer::share::{
    AcknowledgeType, AcknowledgementMode, ShareConsumerConfig, ShareRecord,
};
use serde_json::{Map, Value};

use crate::cli::{ShareAckArg, ShareConsumeArgs};
use crate::connect;
use crate::exit::{Code, is_broken_pipe};
use crate::printer::OutputFormat;
use crate::settings::Settings;

/// How long one poll waits before the stop conditions are checked again.
const POLL_WAIT: Duration = Duration::from_millis(500);

fn ack_type(ack: ShareAckArg) -> AcknowledgeType {
    match ack {
        ShareAckArg::Accept => AcknowledgeType::Accept,
        ShareAckArg::Release => AcknowledgeType::Release,
        ShareAckArg::Reject => AcknowledgeType::Reject,
    }
}

fn bytes_field(map: &mut Map<String, Value>, field: &str, bytes: Option<&[u8]>) {
    match bytes {
        None => {
            map.insert(field.to_owned(), Value::Null);
        }
        Some(b) => match std::str::from_utf8(b) {
            Ok(text) => {
                map.insert(field.to_owned(), Value::from(text));
            }
            Err(_) => {
                map.insert(format!("{field}_b64"), Value::from(BASE64.encode(b)));
            }
        },
    }
}

/// Ascending offsets as runs, e.g. `0-99,105,110-119`.
fn offset_ranges(offsets: impl IntoIterator<Item = i64>) -> String {
    let mut runs: Vec<(i64, i64)> = Vec::new();
    for offset in offsets {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == offset => *last = offset,
            _ => runs.push((offset, offset)),
        }
    }
    runs.iter()
        .map(|(first, last)| {
            if first == last {
                first.to_string()
            } else {
                format!("{first}-{last}")
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// One output line for `r`.
fn render(r: &ShareRecord, json: bool, out: &mut Vec<u8>) -> anyhow::Result<()> {
    let record = &r.record;
    if json {
        let mut map = Map::new();
        map.insert("topic".into(), Value::from(record.topic.as_ref()));
        map.insert("partition".into(), Value::from(record.partition));
        map.insert("offset".into(), Value::from(record.offset));
        map.insert("delivery_count".into(), Value::from(r.delivery_count));
        map.insert("timestamp".into(), Value::from(record.timestamp_ms));
        bytes_field(&mut map, "key", record.key.as_deref());
        bytes_field(&mut map, "value", record.value.as_deref());
        serde_json::to_writer(&mut *out, &Value::Object(map))?;
    } else {
        match &record.value {
            Some(v) => out.extend_from_slice(v),
            None => out.extend_from_slice(b"null"),
        }
    }
    out.push(b'\n');
    Ok(())
}

pub(crate) async fn run(settings: &Settings, args: ShareConsumeArgs) -> anyhow::Result<Code> {
    let json = match settings.printer.format {
        OutputFormat::Json => true,
        OutputFormat::Table => false,
        OutputFormat::Yaml => {
            return Err(
                crate::exit::usage("share consume writes plain values or -o json lines").into(),
            );
        }
    };
    let topic = args.topic.get().to_owned();
    let ack = ack_type(args.ack);
    // Explicit mode, so exactly the printed records get --ack and the rest
    // go back to the group when kctl leaves.
    let config = ShareConsumerConfig::new(Vec::<String>::new(), args.group.clone())
        .acknowledgement_mode(AcknowledgementMode::Explicit);
    let mut consumer = connect::share_consumer(settings, config).await?;
    let refused = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&refused);
    consumer.set_acknowledgement_commit_callback(Box::new(move |commit| match &commit.result {
        // Which acknowledgements the broker took (-vv): what a member that
        // dies later has done for good, the rest comes back to the group.
        Ok(()) => tracing::debug!(
            topic = %commit.topic,
            partition = commit.partition,
            offsets = %offset_ranges(commit.offsets.iter().map(|(o, _)| *o)),
            "acknowledgements applied"
        ),
        Err(e) => {
            counter.fetch_add(commit.offsets.len(), Ordering::Relaxed);
            tracing::warn!(topic = %commit.topic, partition = commit.partition, error = %e, "acknowledgements refused");
        }
    }));
    consumer
        .subscribe([&topic])
        .await
        .map_err(|e| anyhow::Error::new(e).context(format!("subscribing to '{topic}'")))?;
    settings
        .printer
        .status(format!("joining share group '{}'", args.group));
    let mut out = settings.printer.records();
    let mut buffer = Vec::with_capacity(64 * 1024);
    let mut count = 0u64;
    let mut idle_since = tokio::time::Instant::now();
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let mut broken_pipe = false;
    'polling: loop {
        if args.max_messages.is_some_and(|max| count >= max) {
            break;
        }
        if args
            .idle_timeout
            .is_some_and(|idle| idle_since.elapsed() >= idle)
        {
            break;
        }
        let records = tokio::select! {
            _ = &mut ctrl_c => break,
            polled = consumer.poll(POLL_WAIT) => polled?,
        };
        if records.is_empty() {
            continue;
        }
        idle_since = tokio::time::Instant::now();
        buffer.clear();
        for r in &records {
            if args.max_messages.is_some_and(|max| count >= max) {
                break;
            }
            render(r, json, &mut buffer)?;
            consumer.acknowledge(r, ack)?;
            count += 1;
        }
        if let Err(e) = out.write(&buffer).and_then(|()| out.flush()) {
            let e = anyhow::Error::new(e);
            if is_broken_pipe(&e) {
                broken_pipe = true;
                break 'polling;
            }
            return Err(e);
        }
    }
    consumer.commit_sync().await?;
    consumer.close().await?;
    let refused = refused.load(Ordering::Relaxed);
    settings.printer.status(format!(
        "consumed {count} record{} from share group '{}' ({}){}",
        if count == 1 { "" } else { "s" },
        args.group,
        match ack {
            AcknowledgeType::Release => "released",
            AcknowledgeType::Reject => "rejected",
            _ => "accepted",
        },
        if refused > 0 {
            format!("; the broker refused {refused} acknowledgements (their locks ran out)")
        } else {
            String::new()
        }
    ));
    if broken_pipe {
        return Ok(Code::Success);
    }
    Ok(if refused > 0 {
        Code::Partial
    } else {
        Code::Success
    })
}

#[cfg(test)]
mod tests {
    use super::offset_ranges;

    #[test]
    fn offsets_are_logged_as_runs() {
        assert_eq!(offset_ranges([0, 1, 2, 5, 7, 8]), "0-2,5,7-8");
        assert_eq!(offset_ranges([42]), "42");
        assert_eq!(offset_ranges([]), "");
    }
}
