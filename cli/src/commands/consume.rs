//! `kctl consume TOPIC...`: records to stdout as they arrive.
//!
//! Three outputs, all streamed through the printer's record writer:
//!
//! - plain (the default): the value per line, like kafka-console-consumer,
//!   with its `--property print.key=true` family;
//! - `--format`: kcat's format strings (`%t %p %o %k %s %T %h %K %S`);
//! - `-o json`: one object per line in `produce --input json`'s format, so
//!   a dump can be produced again byte for byte (see docs/cli.md).
//!
//! `--exit-at-end` compares each partition's *position* with the end it had
//! at start (high watermark, or last stable offset when read_committed).
//! Waiting for an empty fetch instead is wrong twice over: a busy partition
//! never returns one, and compaction gaps or transaction markers at the end
//! mean the last record's offset + 1 never reaches the end. The consumer's
//! position moves past both, so comparing it is exact. Records at or past
//! that end (produced after start) are not printed, so the output is a
//! snapshot of the log as it was.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::ErrorKind;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use kctl_client::admin::{Admin, OffsetSpec};
use kctl_client::consumer::{
    GroupHandle, OffsetAndMetadata, RebalanceListener, RecordFields, RecordRef,
};
use kctl_client::filter::RecordFilter;
use kctl_client::{
    ConsumerConfig, ErrorCode, GroupProtocol, IsolationLevel, OffsetReset, TopicPartition,
};

use crate::cli::{ConsumeArgs, GroupProtocolArg, StartSpec};
use crate::connect;
use crate::exit::{Code, Failure, usage};
use crate::format::{Encoding, Piece, Template, TimestampStyle};
use crate::printer::OutputFormat;
use crate::record_json::write_json_line;
use crate::settings::Settings;

/// Records one poll returns at most; small enough that a Ctrl-C or a full
/// pipe is noticed quickly.
const POLL_RECORDS_MAX: usize = 500;
/// How long one poll waits before the stop conditions are checked again.
const POLL_WAIT: Duration = Duration::from_millis(200);
/// Between commits of what was printed, as a group member.
const COMMIT_INTERVAL: Duration = Duration::from_secs(5);

/// The next offset after the last *printed* record of each partition.
/// kctl commits these, not the consumer's positions: positions run ahead
/// of the output when records past --exit-at-end, --until or
/// --max-messages are skipped, and committing them would lose records.
type Printed = Arc<Mutex<BTreeMap<TopicPartition, i64>>>;

fn offsets_of(
    printed: &Printed,
    only: Option<&[TopicPartition]>,
) -> BTreeMap<TopicPartition, OffsetAndMetadata> {
    printed
        .lock()
        .expect("printed offsets poisoned")
        .iter()
        .filter(|(tp, _)| only.is_none_or(|only| only.contains(tp)))
        .map(|(tp, next)| (tp.clone(), OffsetAndMetadata::new(*next)))
        .collect()
}

/// Notes `record` as done with in `done_with` (one entry per partition,
/// holding the offset after its latest record). A poll's records come in
/// runs of one partition, so the last entry is nearly always the one.
fn note_done(done_with: &mut Vec<(TopicPartition, i64)>, record: &RecordRef<'_>) {
    let next = record.next_offset();
    let same = |tp: &TopicPartition| tp == record.topic_partition;
    if let Some((_, at)) = done_with.last_mut().filter(|(tp, _)| same(tp)) {
        *at = next;
    } else if let Some((_, at)) = done_with.iter_mut().find(|(tp, _)| same(tp)) {
        *at = next;
    } else {
        done_with.push((record.topic_partition.clone(), next));
    }
}

/// Held by the consume loop from a poll until its records are written, and
/// by a revocation before it reads `Printed`. The consumer rebalances on a
/// task of its own, so without it a revocation could commit while records
/// of the revoked partitions are between `poll` and stdout: the next owner
/// would print them again. Java's consumer gets the same order by running
/// rebalance callbacks inside `poll`.
type InBatch = Arc<tokio::sync::Mutex<()>>;

/// Commits what was printed of partitions before another member gets them,
/// so it starts after the last printed record.
struct CommitOnRevoke {
    printed: Printed,
    in_batch: InBatch,
}

impl RebalanceListener for CommitOnRevoke {
    fn on_revoked<'a>(
        &'a self,
        group: &'a GroupHandle,
        partitions: &'a [TopicPartition],
    ) -> futures::future::BoxFuture<'a, ()> {
        Box::pin(async move {
            // The client stops handing out these partitions' records before
            // calling this, so once the batch in hand is written, `Printed`
            // is final for them.
            let _batch_written = self.in_batch.lock().await;
            let offsets = offsets_of(&self.printed, Some(partitions));
            if offsets.is_empty() {
                return;
            }
            if let Err(e) = group.commit(offsets).await {
                tracing::warn!(error = %e, "committing revoked partitions failed");
            }
            let mut printed = self.printed.lock().expect("printed offsets poisoned");
            printed.retain(|tp, _| !partitions.contains(tp));
        })
    }
}

/// How records are written.
#[derive(Debug)]
enum Output {
    Template {
        template: Template,
        /// Printed for a null key or value.
        null_literal: Vec<u8>,
        timestamps: TimestampStyle,
    },
    Json,
}

impl Output {
    fn from_args(args: &ConsumeArgs, format: OutputFormat) -> anyhow::Result<Self> {
        let mut print = BTreeMap::new();
        let mut key_separator = args.key_separator.clone();
        let mut null_literal = None;
        for (key, value) in &args.properties {
            match key.as_str() {
                "print.key" | "print.timestamp" | "print.partition" | "print.offset"
                | "print.headers" => {
                    let on = value.parse::<bool>().map_err(|_| {
                        usage(format!("--property {key}={value}: expected true or false"))
                    })?;
                    print.insert(key.as_str(), on);
                }
                "key.separator" => key_separator = Some(value.clone()),
                "null.literal" => null_literal = Some(value.clone().into_bytes()),
                other => {
                    return Err(usage(format!("unknown --property '{other}'"))
                        .hint("supported: print.key, print.timestamp, print.partition, print.offset, print.headers, key.separator, null.literal")
                        .into());
                }
            }
        }
        let plain_options = !print.is_empty() || args.key_separator.is_some();
        match format {
            OutputFormat::Json => {
                if args.format.is_some() || plain_options || null_literal.is_some() {
                    return Err(usage(
                        "-o json has a fixed, lossless layout; drop --format, -K and --property",
                    )
                    .into());
                }
                return Ok(Self::Json);
            }
            OutputFormat::Yaml => {
                return Err(
                    usage("consume writes plain text, --format, or -o json lines")
                        .hint("-o json writes one JSON object per record")
                        .into(),
                );
            }
            OutputFormat::Table => {}
        }
        if let Some(template) = &args.format {
            if plain_options {
                return Err(usage(
                    "--format already says what to print; drop -K and print.* properties",
                )
                .into());
            }
            return Ok(Self::Template {
                template: template.clone(),
                // kcat prints nothing for a null key or value.
                null_literal: null_literal.unwrap_or_default(),
                timestamps: args.timestamps,
            });
        }
        // kafka-console-consumer's layout: tab-separated fields, then the
        // value; a key separator alone (-K) also turns keys on, as in kcat.
        let on = |name: &str| print.get(name).copied().unwrap_or(false);
        let tab = || Piece::Literal(b"\t".to_vec());
        let mut pieces = Vec::new();
        if on("print.timestamp") {
            pieces.extend([
                Piece::TimestampKind,
                Piece::Literal(b":".to_vec()),
                Piece::Timestamp,
                tab(),
            ]);
        }
        if on("print.partition") {
            pieces.extend([
                Piece::Literal(b"Partition:".to_vec()),
                Piece::Partition,
                tab(),
            ]);
        }
        if on("print.offset") {
            pieces.extend([Piece::Literal(b"Offset:".to_vec()), Piece::Offset, tab()]);
        }
        if on("print.headers") {
            pieces.extend([Piece::Headers(Encoding::Raw), tab()]);
        }
        let print_key = print
            .get("print.key")
            .copied()
            .unwrap_or(args.key_separator.is_some());
        if print_key {
            let separator = key_separator.unwrap_or_else(|| "\t".into());
            pieces.extend([
                Piece::Key(Encoding::Raw),
                Piece::Literal(separator.into_bytes()),
            ]);
        }
        pieces.extend([Piece::Value(Encoding::Raw), Piece::Literal(b"\n".to_vec())]);
        Ok(Self::Template {
            template: Template { pieces },
            null_literal: null_literal.unwrap_or_else(|| b"null".to_vec()),
            timestamps: args.timestamps,
        })
    }

    fn render(&self, record: &impl RecordFields, out: &mut Vec<u8>) -> anyhow::Result<()> {
        match self {
            Self::Json => write_json_line(record, out)?,
            Self::Template {
                template,
                null_literal,
                timestamps,
            } => template.render(record, null_literal, *timestamps, out),
        }
        Ok(())
    }
}

/// Why the loop stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Count,
    End,
    Interrupted,
    PipeClosed,
}

/// What stops each partition, and which partitions are finished.
struct Bounds {
    /// The end each partition had at start (`--exit-at-end`, or `--until`
    /// in the past).
    ends: HashMap<TopicPartition, i64>,
    use_ends: bool,
    until_ms: Option<i64>,
    done: BTreeSet<TopicPartition>,
    isolation: IsolationLevel,
    failing_since: HashMap<TopicPartition, tokio::time::Instant>,
}

impl Bounds {
    fn active(&self) -> bool {
        self.use_ends || self.until_ms.is_some()
    }

    /// Whether the record is past its partition's bound; the partition is
    /// then finished.
    fn passes(&mut self, record: &RecordRef<'_>) -> bool {
        let tp = record.topic_partition;
        if self.done.contains(tp) {
            return false;
        }
        let past_end = self.use_ends && self.ends.get(tp).is_some_and(|end| record.offset >= *end);
        let past_until = self
            .until_ms
            .is_some_and(|until| record.timestamp_ms >= until);
        if past_end || past_until {
            self.done.insert(tp.clone());
            return false;
        }
        true
    }

    /// Looks up the ends of partitions not seen before. A failed lookup is
    /// tried again on the next round (a partition without a known end is
    /// not finished) until `--timeout` has passed since its first failure.
    async fn learn_ends(
        &mut self,
        admin: &Admin,
        partitions: &[TopicPartition],
        timeout: Duration,
    ) -> anyhow::Result<()> {
        let missing: Vec<(TopicPartition, OffsetSpec)> = partitions
            .iter()
            .filter(|tp| !self.ends.contains_key(*tp))
            .map(|tp| ((*tp).clone(), OffsetSpec::Latest))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        for listed in admin.list_offsets(&missing, self.isolation).await? {
            let tp = TopicPartition::new(&listed.partition.topic, listed.partition.partition);
            match listed.result {
                Ok(offset) => {
                    self.failing_since.remove(&tp);
                    self.ends.insert(tp, offset.offset.unwrap_or(0));
                }
                Err(e) => {
                    let since = *self
                        .failing_since
                        .entry(tp.clone())
                        .or_insert_with(tokio::time::Instant::now);
                    if since.elapsed() >= timeout {
                        return Err(
                            anyhow::Error::new(e).context(format!("looking up the end of {tp}"))
                        );
                    }
                    tracing::debug!(%tp, error = %e, "end offset lookup will be retried");
                }
            }
        }
        Ok(())
    }
}

pub(crate) async fn run(settings: &Settings, args: ConsumeArgs) -> anyhow::Result<Code> {
    let output = Output::from_args(&args, settings.printer.format)?;
    let topics: Vec<String> = args
        .topics
        .iter()
        .chain(&args.topic_flags)
        .cloned()
        .collect();
    if topics.is_empty() && args.pattern.is_none() {
        return Err(usage("name the topics to read, or give --pattern REGEX").into());
    }
    let pattern = args
        .pattern
        .as_deref()
        .map(|p| regex::Regex::new(&format!("^(?:{p})$")))
        .transpose()
        .map_err(|e| usage(format!("invalid --pattern: {e}")))?;
    if args.group.is_some() && args.offset.is_some() {
        return Err(usage("with --group, each partition starts at the group's committed offset")
            .hint("move the group first with `kctl group reset-offsets`, or use --from-beginning for partitions without a commit")
            .into());
    }
    if args.max_messages == Some(0) {
        return Err(usage("--max-messages must be at least 1").into());
    }
    // Repeated --filter flags mean all of them, as ` && ` does inside one.
    let filter = if args.filters.is_empty() {
        None
    } else {
        let expression = args.filters.join(" && ");
        Some(RecordFilter::parse(&expression).map_err(|e| {
            usage(format!("--filter: {e}")).hint(
                "conditions: key=TEXT key~REGEX value=TEXT value~REGEX header.NAME=TEXT \
                 header.NAME~REGEX header.NAME jq:EXPR; != and !~ negate",
            )
        })?)
    };
    let start = if args.from_beginning {
        StartSpec::Beginning
    } else {
        args.offset.unwrap_or(StartSpec::End)
    };
    let started_ms = now_ms();
    let read_committed =
        args.read_committed || args.isolation == Some(crate::cli::IsolationArg::ReadCommitted);
    let mut bounds = Bounds {
        ends: HashMap::new(),
        use_ends: args.exit_at_end || args.until.is_some_and(|until| until <= started_ms),
        until_ms: args.until,
        done: BTreeSet::new(),
        failing_since: HashMap::new(),
        isolation: if read_committed {
            IsolationLevel::ReadCommitted
        } else {
            IsolationLevel::ReadUncommitted
        },
    };

    let mut config = if args.consumer_properties.is_empty() {
        ConsumerConfig::new(settings.bootstrap.clone())
    } else {
        // The bootstrap servers come from kctl's settings, like the rest of
        // the connection.
        let bootstrap = settings.bootstrap.join(",");
        ConsumerConfig::from_properties(
            std::iter::once(("bootstrap.servers", bootstrap.as_str())).chain(
                args.consumer_properties
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str())),
            ),
        )
        .map_err(|e| usage(format!("--consumer-property: {e}")))?
    };
    config.isolation_level = if read_committed {
        IsolationLevel::ReadCommitted
    } else {
        IsolationLevel::ReadUncommitted
    };
    config.max_poll_records = args.max_messages.map_or(POLL_RECORDS_MAX, |n| {
        n.min(POLL_RECORDS_MAX as u64) as usize
    });
    // Positions are sought explicitly; this only matters when retention
    // deletes records under a position, where the log start is the
    // nearest still there.
    config.auto_offset_reset = OffsetReset::Earliest;
    if let Some(group) = &args.group {
        config.group_id = Some(group.clone());
        config.group_protocol = match args.group_protocol {
            GroupProtocolArg::Classic => GroupProtocol::Classic,
            GroupProtocolArg::Consumer => GroupProtocol::Consumer,
        };
        config.enable_auto_commit = false;
        config.auto_offset_reset = if args.from_beginning {
            OffsetReset::Earliest
        } else {
            OffsetReset::Latest
        };
    }
    let consumer = connect::consumer(settings, config).await?;
    let admin = Admin::with_client(consumer.client().clone(), connect::admin_config(settings));

    let printed: Printed = Arc::default();
    let in_batch: InBatch = Arc::default();
    let fixed = if let Some(group) = &args.group {
        for topic in &topics {
            check_topic(&consumer, topic).await?;
        }
        consumer.set_rebalance_listener(Arc::new(CommitOnRevoke {
            printed: Arc::clone(&printed),
            in_batch: Arc::clone(&in_batch),
        }))?;
        match &args.pattern {
            Some(pattern) => consumer.subscribe_pattern(pattern)?,
            None => consumer.subscribe(&topics),
        }
        settings.printer.status(format!("joining group '{group}'"));
        None
    } else {
        let topics = match &pattern {
            Some(regex) => {
                let matching: Vec<String> = admin
                    .list_topics(false)
                    .await?
                    .into_iter()
                    .map(|t| t.name)
                    .filter(|name| regex.is_match(name))
                    .collect();
                if matching.is_empty() {
                    return Err(Failure::new(
                        Code::NotFound,
                        format!(
                            "no topic matches --pattern '{}'",
                            args.pattern.as_deref().unwrap_or_default()
                        ),
                    )
                    .hint("`kctl topic list` shows the topics")
                    .into());
                }
                matching
            }
            None => topics.clone(),
        };
        let mut partitions = Vec::new();
        for topic in &topics {
            let count = check_topic(&consumer, topic).await?;
            if args.partitions.is_empty() {
                partitions.extend((0..count).map(|p| TopicPartition::new(topic, p)));
            } else {
                if let Some(bad) = args.partitions.iter().find(|p| !(0..count).contains(*p)) {
                    return Err(Failure::new(
                        Code::NotFound,
                        format!("topic '{topic}' has no partition {bad} (it has {count})"),
                    )
                    .into());
                }
                partitions.extend(
                    args.partitions
                        .iter()
                        .map(|p| TopicPartition::new(topic, *p)),
                );
            }
        }
        consumer.assign(&partitions);
        place(&consumer, &admin, &partitions, start, &mut bounds).await?;
        Some(partitions)
    };

    let mut out = settings.printer.records();
    let mut last_commit = tokio::time::Instant::now();
    let mut count = 0u64;
    // Records read within the bounds, before --filter.
    let mut scanned = 0u64;
    let mut buffer = Vec::with_capacity(64 * 1024);
    // The next offset of each partition's last record of this poll.
    let mut done_with: Vec<(TopicPartition, i64)> = Vec::new();
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let stop = loop {
        if args.max_messages.is_some_and(|max| count >= max) {
            break Stop::Count;
        }
        if bounds.active() {
            let assigned = fixed.clone().unwrap_or_else(|| consumer.assignment());
            if bounds.use_ends {
                bounds
                    .learn_ends(&admin, &assigned, settings.timeout)
                    .await?;
                for tp in &assigned {
                    let Some(end) = bounds.ends.get(tp).copied() else {
                        continue;
                    };
                    if !bounds.done.contains(tp) && consumer.position(tp).await? >= end {
                        bounds.done.insert(tp.clone());
                    }
                }
            }
            let finished: Vec<TopicPartition> = assigned
                .iter()
                .filter(|tp| bounds.done.contains(*tp))
                .cloned()
                .collect();
            if !assigned.is_empty() && finished.len() == assigned.len() {
                break Stop::End;
            }
            // Nothing more is wanted from these; fetching on would only
            // fill the buffer.
            let paused = consumer.paused();
            let newly: Vec<TopicPartition> = finished
                .into_iter()
                .filter(|tp| !paused.contains(tp))
                .collect();
            if !newly.is_empty() {
                consumer.pause(&newly)?;
            }
        }
        let batch = in_batch.lock().await;
        buffer.clear();
        done_with.clear();
        let mut failure = None;
        // Each record is read in place from the fetched bytes, filtered and
        // printed into `buffer`: nothing is built per record.
        let each = |record: RecordRef<'_>| {
            if failure.is_some() || args.max_messages.is_some_and(|max| count >= max) {
                return;
            }
            if bounds.active() && !bounds.passes(&record) {
                return;
            }
            scanned += 1;
            // A record the filter drops is still done with: a group commits
            // past it, so the next run does not scan it again. Noted here
            // per partition and stored once per poll, not locked per record.
            note_done(&mut done_with, &record);
            if filter
                .as_ref()
                .is_some_and(|filter| !filter.matches(&record))
            {
                return;
            }
            match output.render(&record, &mut buffer) {
                Ok(()) => count += 1,
                Err(e) => failure = Some(e),
            }
        };
        tokio::select! {
            _ = &mut ctrl_c => break Stop::Interrupted,
            polled = consumer.poll_each(POLL_WAIT, each) => polled?,
        };
        if let Some(e) = failure {
            return Err(e);
        }
        if !done_with.is_empty() {
            let mut printed = printed.lock().expect("printed offsets poisoned");
            for (tp, next) in done_with.drain(..) {
                printed.insert(tp, next);
            }
        }
        match out.write(&buffer).and_then(|()| out.flush()) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::BrokenPipe => break Stop::PipeClosed,
            Err(e) => return Err(anyhow::Error::new(e).context("writing records to stdout")),
        }
        drop(batch);
        if args.group.is_some() && last_commit.elapsed() >= COMMIT_INTERVAL {
            last_commit = tokio::time::Instant::now();
            let offsets = offsets_of(&printed, None);
            if !offsets.is_empty() {
                // Not awaited: a later commit supersedes it, and the final
                // one below is waited for.
                drop(consumer.commit_offsets_async(offsets));
            }
        }
    };

    if args.group.is_some() {
        let offsets = offsets_of(&printed, None);
        if !offsets.is_empty() {
            consumer
                .commit_offsets_sync(offsets)
                .await
                .context("committing the offsets of the printed records")?;
        }
    }

    consumer.close().await;
    if stop != Stop::PipeClosed {
        let plural = |n: u64| if n == 1 { "" } else { "s" };
        let counted = match &filter {
            None => format!("consumed {count} record{}", plural(count)),
            Some(_) => format!(
                "matched {count} of {scanned} record{} scanned",
                plural(scanned)
            ),
        };
        settings.printer.status(format!(
            "{counted}{}",
            match stop {
                Stop::Interrupted => " (interrupted)",
                Stop::End => " (end reached)",
                _ => "",
            }
        ));
    }
    Ok(Code::Success)
}

/// The partition count of a topic, or "not found".
async fn check_topic(consumer: &kctl_client::Consumer, topic: &str) -> anyhow::Result<i32> {
    match super::shared::topic_metadata(consumer.client(), topic).await {
        Ok(metadata) => Ok(metadata.partition_count()),
        Err(e) if e.code() == Some(ErrorCode::UnknownTopicOrPartition) => Err(Failure::new(
            Code::NotFound,
            format!("topic '{topic}' does not exist"),
        )
        .hint("`kctl topic list` shows the topics")
        .into()),
        Err(e) => Err(anyhow::Error::new(e).context(format!("looking up topic '{topic}'"))),
    }
}

/// Sets where each partition starts. Offsets are looked up once and sought
/// exactly, so `-N` and an out-of-range `N` are clamped to the log as it
/// is now rather than left to `auto.offset.reset`.
async fn place(
    consumer: &kctl_client::Consumer,
    admin: &Admin,
    partitions: &[TopicPartition],
    start: StartSpec,
    bounds: &mut Bounds,
) -> anyhow::Result<()> {
    let specs: Vec<(TopicPartition, OffsetSpec)> = partitions
        .iter()
        .flat_map(|tp| {
            let admin_tp = (*tp).clone();
            [
                (admin_tp.clone(), OffsetSpec::Earliest),
                (admin_tp, OffsetSpec::Latest),
            ]
        })
        .collect();
    let listed = admin.list_offsets(&specs, bounds.isolation).await?;
    for (tp, pair) in partitions.iter().zip(listed.chunks(2)) {
        let offset_of = |i: usize| -> anyhow::Result<i64> {
            Ok(pair[i]
                .result
                .as_ref()
                .map_err(|e| {
                    anyhow::Error::new(e.clone()).context(format!("looking up the offsets of {tp}"))
                })?
                .offset
                .unwrap_or(0))
        };
        let (earliest, latest) = (offset_of(0)?, offset_of(1)?);
        bounds.ends.insert(tp.clone(), latest);
        match start {
            StartSpec::Beginning => consumer.seek(tp, earliest)?,
            StartSpec::End => consumer.seek(tp, latest)?,
            StartSpec::Offset(n) => consumer.seek(tp, n.clamp(earliest, latest))?,
            StartSpec::Last(n) => consumer.seek(tp, latest.saturating_sub(n).max(earliest))?,
            StartSpec::Timestamp(ms) => consumer.seek_to_timestamp(tp, ms)?,
        }
    }
    Ok(())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::parse_format;
    use kctl_client::consumer::ConsumerRecord;
    use kctl_client::consumer::{Header, TimestampType};
    use std::sync::Arc;

    fn record(key: Option<&[u8]>, value: Option<&[u8]>, headers: Vec<Header>) -> ConsumerRecord {
        ConsumerRecord {
            topic: Arc::from("orders"),
            partition: 2,
            offset: 41,
            timestamp_ms: 1_709_209_815_250,
            timestamp_type: TimestampType::Creation,
            key: key.map(bytes::Bytes::copy_from_slice),
            value: value.map(bytes::Bytes::copy_from_slice),
            headers,
            leader_epoch: None,
        }
    }

    fn header(key: &str, value: Option<&[u8]>) -> Header {
        Header {
            key: bytes::Bytes::copy_from_slice(key.as_bytes()),
            value: value.map(bytes::Bytes::copy_from_slice),
        }
    }

    fn render(output: &Output, record: &ConsumerRecord) -> Vec<u8> {
        let mut out = Vec::new();
        output.render(record, &mut out).unwrap();
        out
    }

    #[test]
    fn format_tokens_and_escapes_render_like_kcat() {
        let output = Output::Template {
            template: parse_format(r"%t/%p@%o %k=%s (%K,%S) [%h] %T %%\n").unwrap(),
            null_literal: Vec::new(),
            timestamps: TimestampStyle::Ms,
        };
        let r = record(
            Some(b"user-7"),
            None,
            vec![header("a", Some(b"1")), header("a", None)],
        );
        assert_eq!(
            String::from_utf8(render(&output, &r)).unwrap(),
            "orders/2@41 user-7= (6,-1) [a=1,a] 1709209815250 %\n"
        );
        let rfc = Output::Template {
            template: parse_format(r"%T\t%s").unwrap(),
            null_literal: b"NULL".to_vec(),
            timestamps: TimestampStyle::Rfc3339,
        };
        assert_eq!(render(&rfc, &r), b"2024-02-29T12:30:15.250Z\tNULL".to_vec());
    }

    #[test]
    fn bad_formats_name_the_problem() {
        assert!(parse_format("%x").unwrap_err().contains("unknown token %x"));
        assert!(parse_format("value %").unwrap_err().contains("lone %"));
        assert!(parse_format(r"\q").unwrap_err().contains("unknown escape"));
        assert!(parse_format("").is_err());
        assert_eq!(
            parse_format("a%%b").unwrap().pieces,
            [Piece::Literal(b"a%b".to_vec())]
        );
    }

    #[test]
    fn json_lines_are_lossless_and_ordered() {
        let r = record(
            Some(&[0xff, 0x00]),
            Some(b"paid"),
            vec![
                header("trace", Some(b"t1")),
                header("trace", None),
                header("bin", Some(&[0x80])),
            ],
        );
        let line = String::from_utf8(render(&Output::Json, &r)).unwrap();
        assert_eq!(
            line,
            concat!(
                r#"{"topic":"orders","partition":2,"offset":41,"timestamp":1709209815250,"#,
                r#""key_b64":"/wA=","value":"paid","headers":[["trace","t1"],["trace",null],{"key":"bin","value_b64":"gA=="}]}"#,
                "\n"
            )
        );
        let tombstone = record(None, None, Vec::new());
        let line = String::from_utf8(render(&Output::Json, &tombstone)).unwrap();
        assert!(
            line.contains(r#""key":null,"value":null,"headers":[]"#),
            "{line}"
        );
    }
}
