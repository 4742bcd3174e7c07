//! `kctl produce TOPIC`: one record per input line, from stdin or a file.
//!
//! Text lines are values, or `KEY<sep>VALUE` with a key separator (kcat's
//! `-K`, or Kafka's `--property parse.key=true --property key.separator=X`).
//! JSON lines carry everything a record has, losslessly (docs/cli.md):
//!
//! ```json
//! {"key": "user-7", "value": "paid", "headers": [["trace", "a1"], ["flag", null]], "partition": 2, "timestamp": 1700000000000}
//! {"key_b64": "AAE=", "value_b64": "/w==", "headers": [{"key": "bin", "value_b64": "AA=="}]}
//! {"key": "user-7", "value": null}
//! ```
//!
//! `value: null` (or no value at all) is a tombstone. Text goes in `key`,
//! `value` and header values; bytes that are not UTF-8 go in `key_b64`,
//! `value_b64` and a header's `value_b64` (standard base64).
//!
//! Lines are read on a thread of their own, so a slow pipe never stalls the
//! producer's runtime. Delivery is asynchronous (callbacks count successes
//! and failures); at the end the producer is closed, which waits for every
//! record, and a summary goes to stderr. A malformed line stops the input:
//! records before it are still delivered.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kctl_client::producer::{Compression, PartitionerChoice};
use kctl_client::{Acks, ErrorCode, ProducerConfig, Record};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::produce_txn::Transactions;
use super::shared::outcome;
use crate::cli::{AcksArg, CompressionArg, InputFormat, PartitionerArg, ProduceArgs};
use crate::connect;
use crate::exit::{Code, Failure, usage};
use crate::format::{Template, TimestampStyle};
use crate::settings::Settings;

/// Lines read ahead of the producer.
const READ_AHEAD_LINES: usize = 1024;
/// Errors quoted in the summary; the rest are only counted.
const ERRORS_QUOTED_MAX: usize = 5;

/// A header's name and value (null allowed).
type ParsedHeader = (String, Option<Vec<u8>>);

/// One record, parsed from a line.
#[derive(Debug, Default, PartialEq, Eq)]
struct Parsed {
    key: Option<Vec<u8>>,
    value: Option<Vec<u8>>,
    headers: Vec<ParsedHeader>,
    partition: Option<i32>,
    timestamp_ms: Option<i64>,
}

/// How text lines are split.
#[derive(Debug, Default)]
struct TextFormat {
    key_separator: Option<Vec<u8>>,
    null_marker: Option<Vec<u8>>,
}

impl TextFormat {
    fn from_args(args: &ProduceArgs) -> anyhow::Result<Self> {
        let mut parse_key = args.key_separator.is_some();
        let mut separator = args.key_separator.clone();
        let mut null_marker = None;
        for (key, value) in &args.properties {
            match key.as_str() {
                "parse.key" => {
                    parse_key = value.parse::<bool>().map_err(|_| {
                        usage(format!(
                            "--property parse.key={value}: expected true or false"
                        ))
                    })?;
                }
                "key.separator" => separator = Some(value.clone()),
                "null.marker" => null_marker = Some(value.clone().into_bytes()),
                other => {
                    return Err(usage(format!("unknown --property '{other}'"))
                        .hint("supported: parse.key, key.separator, null.marker")
                        .into());
                }
            }
        }
        if separator.as_deref() == Some("") {
            return Err(usage("the key separator is empty").into());
        }
        Ok(Self {
            // Kafka's console producer splits at a tab by default.
            key_separator: parse_key.then(|| separator.unwrap_or_else(|| "\t".into()).into_bytes()),
            null_marker,
        })
    }

    fn parse(&self, line: &[u8]) -> Result<Parsed, String> {
        let (key, value) = match &self.key_separator {
            Some(sep) => match find(line, sep) {
                Some(at) => (Some(line[..at].to_vec()), &line[at + sep.len()..]),
                None => {
                    return Err(format!(
                        "no key separator '{}' in the line",
                        String::from_utf8_lossy(sep).escape_default()
                    ));
                }
            },
            None => (None, line),
        };
        let value = match &self.null_marker {
            Some(marker) if value == marker.as_slice() => None,
            _ => Some(value.to_vec()),
        };
        Ok(Parsed {
            key,
            value,
            ..Parsed::default()
        })
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonRecord {
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    key_b64: Option<String>,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    value_b64: Option<String>,
    #[serde(default)]
    headers: Vec<JsonHeader>,
    #[serde(default)]
    partition: Option<i32>,
    #[serde(default)]
    timestamp: Option<i64>,
    /// Accepted (and ignored) so records consumed as JSON can be replayed.
    #[serde(default)]
    #[allow(dead_code)]
    topic: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    #[allow(dead_code)]
    offset: Option<serde::de::IgnoredAny>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum JsonHeader {
    Pair(String, Option<String>),
    Object(JsonHeaderObject),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonHeaderObject {
    key: String,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    value_b64: Option<String>,
}

fn text_or_b64(
    field: &str,
    text: Option<String>,
    b64: Option<String>,
) -> Result<Option<Vec<u8>>, String> {
    match (text, b64) {
        (Some(_), Some(_)) => Err(format!("both {field} and {field}_b64 are set")),
        (Some(text), None) => Ok(Some(text.into_bytes())),
        (None, Some(b64)) => BASE64
            .decode(b64.as_bytes())
            .map(Some)
            .map_err(|e| format!("{field}_b64 is not base64: {e}")),
        (None, None) => Ok(None),
    }
}

fn parse_json(line: &[u8]) -> Result<Parsed, String> {
    let record: JsonRecord =
        serde_json::from_slice(line).map_err(|e| format!("invalid JSON record: {e}"))?;
    let headers = record
        .headers
        .into_iter()
        .map(|h| match h {
            JsonHeader::Pair(key, value) => Ok((key, value.map(String::into_bytes))),
            JsonHeader::Object(o) => {
                let value = text_or_b64("header value", o.value, o.value_b64)?;
                Ok((o.key, value))
            }
        })
        .collect::<Result<_, String>>()?;
    Ok(Parsed {
        key: text_or_b64("key", record.key, record.key_b64)?,
        value: text_or_b64("value", record.value, record.value_b64)?,
        headers,
        partition: record.partition,
        timestamp_ms: record.timestamp,
    })
}

/// What the reader thread sends.
enum Input {
    Line {
        number: u64,
        bytes: Vec<u8>,
    },
    /// A record `--format` read (number counts records).
    Record {
        number: u64,
        parsed: Parsed,
        bytes: u64,
    },
    /// Input `--format` could not read: the record number and why.
    Malformed {
        number: u64,
        message: String,
    },
    Failed(std::io::Error),
}

/// `--format`: reads the whole input, then parses records one after the
/// other with the template `consume --format` renders with.
fn spawn_format_reader(
    mut source: Box<dyn Read + Send>,
    template: Template,
    timestamps: TimestampStyle,
    tx: mpsc::Sender<Input>,
) {
    std::thread::spawn(move || {
        let mut input = Vec::new();
        if let Err(e) = source.read_to_end(&mut input) {
            let _ = tx.blocking_send(Input::Failed(e));
            return;
        }
        let mut at = 0;
        for number in 1.. {
            let sent = match template.parse_record(&input[at..], timestamps) {
                Ok(None) => return,
                Ok(Some((_, 0))) => {
                    // A format of fields alone would read nothing forever.
                    tx.blocking_send(Input::Malformed {
                        number,
                        message: "the format reads no bytes; end it with a literal such as \\n"
                            .into(),
                    })
                }
                Ok(Some((record, used))) => {
                    at += used;
                    let headers: Result<Vec<ParsedHeader>, String> = record
                        .headers
                        .into_iter()
                        .map(|(name, value)| {
                            String::from_utf8(name)
                                .map(|name| (name, value))
                                .map_err(|_| "a header name is not UTF-8".to_owned())
                        })
                        .collect();
                    match headers {
                        Ok(headers) => tx.blocking_send(Input::Record {
                            number,
                            parsed: Parsed {
                                key: record.key,
                                value: record.value,
                                headers,
                                partition: record.partition,
                                timestamp_ms: record.timestamp_ms,
                            },
                            bytes: used as u64,
                        }),
                        Err(message) => tx.blocking_send(Input::Malformed { number, message }),
                    }
                }
                Err(message) => tx.blocking_send(Input::Malformed {
                    number,
                    message: format!("{message} (the record starts at byte {at} of the input)"),
                }),
            };
            if sent.is_err() {
                return;
            }
        }
    });
}

fn spawn_reader(source: Box<dyn Read + Send>, tx: mpsc::Sender<Input>) {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(source);
        let mut number = 0;
        loop {
            let mut bytes = Vec::new();
            match reader.read_until(b'\n', &mut bytes) {
                Ok(0) => return,
                Ok(_) => {
                    number += 1;
                    if bytes.last() == Some(&b'\n') {
                        bytes.pop();
                        if bytes.last() == Some(&b'\r') {
                            bytes.pop();
                        }
                    }
                    if tx.blocking_send(Input::Line { number, bytes }).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Input::Failed(e));
                    return;
                }
            }
        }
    });
}

#[derive(Debug, Default)]
struct Stats {
    delivered: AtomicU64,
    failed: AtomicU64,
    per_partition: Mutex<BTreeMap<i32, u64>>,
    errors: Mutex<Vec<String>>,
}

impl Stats {
    fn fail(&self, error: String) {
        self.failed.fetch_add(1, Ordering::Relaxed);
        let mut errors = self.errors.lock().expect("stats poisoned");
        if errors.len() < ERRORS_QUOTED_MAX {
            errors.push(error);
        }
    }
}

#[derive(Debug, Serialize)]
struct Summary {
    topic: String,
    produced: u64,
    failed: u64,
    /// Records delivered per partition.
    partitions: BTreeMap<i32, u64>,
    elapsed_ms: u64,
    errors: Vec<String>,
}

fn producer_config(args: &ProduceArgs, settings: &Settings) -> anyhow::Result<ProducerConfig> {
    let acks = match args.acks {
        AcksArg::None => Acks::None,
        AcksArg::Leader => Acks::Leader,
        AcksArg::All => Acks::All,
    };
    if args.idempotence == Some(true) && acks != Acks::All {
        return Err(usage("--idempotence needs --acks all").into());
    }
    if args.transactional_id.is_some() && (args.idempotence == Some(false) || acks != Acks::All) {
        return Err(usage("--transactional-id needs --acks all and idempotence").into());
    }
    let mut config = ProducerConfig::new(settings.bootstrap.clone());
    config.acks = acks;
    config.enable_idempotence = args.idempotence;
    config.transactional_id = args.transactional_id.clone();
    config.compression = match args.compression {
        CompressionArg::None => Compression::None,
        CompressionArg::Gzip => Compression::Gzip,
        CompressionArg::Snappy => Compression::Snappy,
        CompressionArg::Lz4 => Compression::Lz4,
        CompressionArg::Zstd => Compression::Zstd,
    };
    config.partitioner = match args.partitioner.unwrap_or(PartitionerArg::Default) {
        PartitionerArg::Default => PartitionerChoice::Default,
        PartitionerArg::RoundRobin => PartitionerChoice::RoundRobin,
        PartitionerArg::Random => PartitionerChoice::Random,
        PartitionerArg::UniformSticky => PartitionerChoice::UniformSticky,
    };
    let timeout_ms = settings.timeout.as_millis() as u64;
    config.max_block_ms = timeout_ms;
    // Each record gets a few request timeouts to be delivered, then fails
    // (and is counted) instead of being retried forever.
    config.delivery_timeout_ms = config.linger_ms + 3 * timeout_ms;
    Ok(config)
}

fn progress_bar(args: &ProduceArgs, total_bytes: Option<u64>) -> ProgressBar {
    if args.file.is_none() && !args.progress {
        return ProgressBar::hidden();
    }
    // indicatif draws nothing when stderr is not a terminal.
    let bar = match total_bytes {
        Some(total) => ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
            .with_style(
                ProgressStyle::with_template(
                    "{bar:40} {bytes}/{total_bytes} {msg} ({elapsed}, eta {eta})",
                )
                .expect("the template is valid"),
            ),
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
            ProgressStyle::with_template("{spinner} {bytes} {msg} ({elapsed})")
                .expect("the template is valid"),
        ),
    };
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

pub(crate) async fn run(settings: &Settings, args: ProduceArgs) -> anyhow::Result<Code> {
    let topic = args.topic.get().to_owned();
    let text = TextFormat::from_args(&args)?;
    if args.input == InputFormat::Json
        && (text.key_separator.is_some() || text.null_marker.is_some())
    {
        return Err(usage("--input json takes keys and tombstones from the JSON; drop --key-separator and --property")
            .into());
    }
    if let Some(rate) = args.rate
        && !(rate > 0.0 && rate.is_finite())
    {
        return Err(usage("--rate must be a positive number of records per second").into());
    }
    let config = producer_config(&args, settings)?;
    let (source, total_bytes): (Box<dyn Read + Send>, Option<u64>) = match &args.file {
        Some(path) => {
            let file = std::fs::File::open(path).map_err(|e| {
                Failure::new(
                    Code::NotFound,
                    format!("cannot open {}: {e}", path.display()),
                )
            })?;
            let size = file.metadata().ok().map(|m| m.len());
            (Box::new(file), size)
        }
        None => (Box::new(std::io::stdin()), None),
    };
    let input_name = args
        .file
        .as_ref()
        .map_or_else(|| "stdin".to_owned(), |p| p.display().to_string());

    let producer = connect::producer(settings, config).await?;
    match super::shared::topic_metadata(producer.client(), &topic).await {
        Ok(metadata) => {
            if let Some(p) = args.partition
                && !(0..metadata.partition_count()).contains(&p)
            {
                return Err(Failure::new(
                    Code::NotFound,
                    format!(
                        "topic '{topic}' has no partition {p} (it has {})",
                        metadata.partition_count()
                    ),
                )
                .into());
            }
        }
        Err(e) if e.code() == Some(ErrorCode::UnknownTopicOrPartition) => {
            return Err(
                Failure::new(Code::NotFound, format!("topic '{topic}' does not exist"))
                    .hint(format!("create it first: kctl topic create {topic}"))
                    .into(),
            );
        }
        Err(e) => return Err(anyhow::Error::new(e).context(format!("looking up topic '{topic}'"))),
    }

    let mut transactions = match &args.transactional_id {
        Some(_) => Some(Transactions::start(&producer, args.batch).await?),
        None => None,
    };
    let (tx, mut rx) = mpsc::channel(READ_AHEAD_LINES);
    match &args.format {
        Some(template) => spawn_format_reader(source, template.clone(), args.timestamps, tx),
        None => spawn_reader(source, tx),
    }
    let bar = progress_bar(&args, total_bytes);
    let stats = Arc::new(Stats::default());
    let fixed_headers: Vec<(String, Vec<u8>)> = args
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), v.clone().into_bytes()))
        .collect();
    let started = Instant::now();
    let mut sent = 0u64;
    let mut stopped: Option<anyhow::Error> = None;
    loop {
        let input = tokio::select! {
            input = rx.recv() => input,
            () = interrupted(transactions.is_some()) => {
                stopped = Some(Failure::new(Code::Failure, "interrupted").into());
                break;
            }
        };
        let Some(input) = input else { break };
        let (number, parsed) = match input {
            Input::Line { number, bytes } => {
                bar.inc(bytes.len() as u64 + 1);
                if args.input == InputFormat::Json && bytes.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                let parsed = match args.input {
                    InputFormat::Text => text.parse(&bytes),
                    InputFormat::Json => parse_json(&bytes),
                };
                (number, parsed)
            }
            Input::Record {
                number,
                parsed,
                bytes,
            } => {
                bar.inc(bytes);
                (number, Ok(parsed))
            }
            Input::Malformed { number, message } => (number, Err(message)),
            Input::Failed(e) => {
                stopped = Some(anyhow::Error::new(e).context(format!("reading {input_name}")));
                break;
            }
        };
        let unit = if args.format.is_some() {
            "record"
        } else {
            "line"
        };
        let parsed = match parsed {
            Ok(parsed) => parsed,
            Err(message) => {
                stopped = Some(
                    Failure::new(
                        Code::Failure,
                        format!(
                            "{input_name} {unit} {number}: {message}; nothing after it was produced"
                        ),
                    )
                    .hint(if args.format.is_some() {
                        "the input must follow --format exactly; see docs/cli.md for its tokens"
                    } else if args.input == InputFormat::Json {
                        "each line must be one JSON object; see docs/cli.md for the record format"
                    } else {
                        "every line needs the key separator when keys are parsed"
                    })
                    .into(),
                );
                break;
            }
        };
        if let Some(rate) = args.rate {
            tokio::time::sleep_until(started + Duration::from_secs_f64(sent as f64 / rate)).await;
        }
        let mut record = Record::new(&topic);
        record.key = parsed.key.as_deref().map(Into::into);
        record.value = parsed.value.as_deref().map(Into::into);
        record.partition = parsed.partition.or(args.partition);
        record.timestamp_ms = parsed.timestamp_ms;
        for (k, v) in &fixed_headers {
            record = record.header(k.as_str(), v);
        }
        for (k, v) in &parsed.headers {
            record = match v {
                Some(v) => record.header(k.as_str(), v),
                None => record.null_header(k.as_str()),
            };
        }
        let on_delivery = Arc::clone(&stats);
        let sending = producer
            .send_with_callback(record, move |result| match result {
                Ok(meta) => {
                    on_delivery.delivered.fetch_add(1, Ordering::Relaxed);
                    *on_delivery
                        .per_partition
                        .lock()
                        .expect("stats poisoned")
                        .entry(meta.partition)
                        .or_default() += 1;
                }
                Err(e) => on_delivery.fail(format!("line {number}: {e}")),
            })
            .await;
        if let Err(e) = sending {
            stats.fail(format!("line {number}: {e}"));
            if transactions.is_some() {
                stopped = Some(anyhow::Error::new(e).context(format!("line {number}")));
                break;
            }
        }
        sent += 1;
        if let Some(t) = &mut transactions
            && let Err(e) = t.record_queued(&producer).await
        {
            stopped = Some(e);
            break;
        }
        bar.set_message(format!("{sent} records"));
    }
    // Stop the reader if the loop ended early; it exits on its next send.
    drop(rx);
    if let Some(t) = &mut transactions {
        match t.finish(&producer, stopped.is_some()).await {
            Ok(0) => {}
            Ok(aborted) => settings.printer.status(format!(
                "aborted the open transaction: its {aborted} records are not visible to read_committed consumers"
            )),
            Err(e) => {
                stopped = Some(match stopped {
                    Some(first) => first.context(format!("and ending the transaction failed: {e}")),
                    None => e,
                })
            }
        }
        settings.printer.status(format!(
            "committed {} transaction{} ({} records)",
            t.committed_transactions,
            if t.committed_transactions == 1 {
                ""
            } else {
                "s"
            },
            t.committed_records
        ));
    }
    producer.close().await;
    bar.finish_and_clear();

    let summary = Summary {
        topic: topic.clone(),
        produced: stats.delivered.load(Ordering::Relaxed),
        failed: stats.failed.load(Ordering::Relaxed),
        partitions: stats.per_partition.lock().expect("stats poisoned").clone(),
        elapsed_ms: started.elapsed().as_millis() as u64,
        errors: stats.errors.lock().expect("stats poisoned").clone(),
    };
    report(settings, &summary)?;
    if let Some(stop) = stopped {
        return Err(stop);
    }
    let total = (summary.produced + summary.failed) as usize;
    Ok(outcome(summary.failed as usize, total))
}

/// Ctrl-C, when it should abort a transaction rather than kill kctl.
async fn interrupted(enabled: bool) {
    if !enabled || tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

fn report(settings: &Settings, summary: &Summary) -> anyhow::Result<()> {
    let spread = summary
        .partitions
        .iter()
        .map(|(p, n)| format!("{p}:{n}"))
        .collect::<Vec<_>>()
        .join(" ");
    settings.printer.status(format!(
        "produced {} record{} to '{}' in {:.2} s (partition:records {})",
        summary.produced,
        if summary.produced == 1 { "" } else { "s" },
        summary.topic,
        summary.elapsed_ms as f64 / 1000.0,
        if spread.is_empty() {
            "none".to_owned()
        } else {
            spread
        },
    ));
    if summary.failed > 0 {
        settings.printer.status(format!(
            "error: {} of {} records failed",
            summary.failed,
            summary.produced + summary.failed
        ));
        for e in &summary.errors {
            settings.printer.status(format!("  {e}"));
        }
    }
    if settings.printer.is_structured() {
        settings.printer.emit(summary, |_| Vec::new())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_lines_split_at_the_first_separator_and_honour_the_null_marker() {
        let format = TextFormat {
            key_separator: Some(b"::".to_vec()),
            null_marker: Some(b"NULL".to_vec()),
        };
        let parsed = format.parse(b"k::v::w").unwrap();
        assert_eq!(parsed.key.as_deref(), Some(&b"k"[..]));
        assert_eq!(parsed.value.as_deref(), Some(&b"v::w"[..]));
        assert_eq!(format.parse(b"k::NULL").unwrap().value, None);
        assert!(format.parse(b"no separator").is_err());
        let plain = TextFormat::default().parse(b"\xff\x00raw").unwrap();
        assert_eq!(plain.value.as_deref(), Some(&b"\xff\x00raw"[..]));
        assert_eq!(plain.key, None);
    }

    #[test]
    fn json_records_are_lossless() {
        let parsed = parse_json(
            br#"{"key_b64":"AAE=","value_b64":"/w==","headers":[["a","1"],["a",null],{"key":"bin","value_b64":"AA=="}],"partition":2,"timestamp":5}"#,
        )
        .unwrap();
        assert_eq!(
            parsed,
            Parsed {
                key: Some(vec![0, 1]),
                value: Some(vec![0xff]),
                headers: vec![
                    ("a".into(), Some(b"1".to_vec())),
                    ("a".into(), None),
                    ("bin".into(), Some(vec![0])),
                ],
                partition: Some(2),
                timestamp_ms: Some(5),
            }
        );
        let tombstone = parse_json(br#"{"key":"k","value":null}"#).unwrap();
        assert_eq!(
            (tombstone.key.as_deref(), tombstone.value),
            (Some(&b"k"[..]), None)
        );
        assert!(parse_json(br#"{"value":"a","value_b64":"YQ=="}"#).is_err());
        assert!(
            parse_json(br#"{"valeu":"typo"}"#)
                .unwrap_err()
                .contains("valeu")
        );
        assert!(parse_json(b"not json").is_err());
        assert!(parse_json(br#"{"topic":"t","offset":4,"value":"replayed"}"#).is_ok());
    }
}
