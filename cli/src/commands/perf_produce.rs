//! `kctl perf produce`: kafka-producer-perf-test's flags over the client's
//! shared measuring loop (`kctl_client::perf`, also behind
//! `examples/perf_produce.rs`), so both measure alike.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kctl_client::perf::{self, PerfReport, ProduceLoad};
use kctl_client::producer::Compression;
use kctl_client::{Acks, ErrorCode, ProducerConfig};
use serde::Serialize;

use crate::cli::{AcksArg, CompressionArg, PerfProduceArgs};
use crate::connect;
use crate::exit::{Code, Failure, usage};
use crate::printer::{OutputFormat, Printer, Table};
use crate::settings::Settings;

/// A run's figures, as printed: one JSON object whose field names are
/// stable, read by the scripts in `cli/benches/`.
#[derive(Debug, Serialize)]
pub(crate) struct Figures {
    /// `produce`, `consume` or `e2e`.
    pub mode: &'static str,
    pub records: u64,
    /// Bytes of record values.
    pub bytes: u64,
    pub record_bytes: Option<u64>,
    pub seconds: f64,
    pub msg_per_s: f64,
    /// Megabytes (10^6 bytes) of record values per second.
    pub mb_per_s: f64,
    /// Records that failed (produce: delivery failed).
    pub failed: u64,
    /// What the percentiles measure.
    pub latency: &'static str,
    /// Latencies counted: one per record.
    pub latency_count: u64,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub p999_ms: Option<f64>,
    pub max_ms: Option<f64>,
}

impl Figures {
    pub(crate) fn new(
        mode: &'static str,
        report: &PerfReport,
        record_bytes: Option<u64>,
        latency: &'static str,
    ) -> Self {
        Self {
            mode,
            records: report.records,
            bytes: report.bytes,
            record_bytes,
            seconds: report.elapsed.as_secs_f64(),
            msg_per_s: report.records_per_s(),
            mb_per_s: report.mb_per_s(),
            failed: report.failed,
            latency,
            latency_count: report.latency_count(),
            p50_ms: report.percentile_ms(0.50),
            p95_ms: report.percentile_ms(0.95),
            p99_ms: report.percentile_ms(0.99),
            p999_ms: report.percentile_ms(0.999),
            max_ms: report.percentile_ms(1.0),
        }
    }

    pub(crate) fn tables(&self) -> Vec<Table> {
        let ms = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.2}"));
        let mut table = Table::new(&[
            "RECORDS", "MSGS/S", "MB/S", "LATENCY", "P50-MS", "P95-MS", "P99-MS", "P99.9-MS",
            "MAX-MS",
        ]);
        table.row(vec![
            self.records.to_string(),
            format!("{:.0}", self.msg_per_s),
            format!("{:.2}", self.mb_per_s),
            self.latency.to_owned(),
            ms(self.p50_ms),
            ms(self.p95_ms),
            ms(self.p99_ms),
            ms(self.p999_ms),
            ms(self.max_ms),
        ]);
        vec![table]
    }

    /// Prints through `settings`' printer, or as JSON with `--json`.
    pub(crate) fn emit(&self, settings: &Settings, json: bool) -> anyhow::Result<()> {
        let printer = if json {
            Printer::new(OutputFormat::Json)
        } else {
            settings.printer
        };
        printer.emit(self, Self::tables)
    }
}

/// The producer's configuration from `--producer-props` and `--acks`
/// (idempotence off unless acks=all, as kafka-producer-perf-test's
/// defaults have it for acks=1).
pub(crate) fn producer_config(
    settings: &Settings,
    producer_props: &[(String, String)],
    acks: AcksArg,
) -> anyhow::Result<ProducerConfig> {
    let bootstrap = settings.bootstrap.join(",");
    let mut config = ProducerConfig::from_properties(
        std::iter::once(("bootstrap.servers", bootstrap.as_str()))
            .chain(producer_props.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
    )
    .map_err(|e| usage(format!("--producer-props: {e}")))?;
    config.acks = match acks {
        AcksArg::None => Acks::None,
        AcksArg::Leader => Acks::Leader,
        AcksArg::All => Acks::All,
    };
    if config.acks != Acks::All {
        config.enable_idempotence = Some(false);
    }
    Ok(config)
}

/// The topic's partition count; exit 3 with a hint when it does not exist.
pub(crate) async fn partition_count(
    client: &kctl_client::Client,
    topic: &str,
) -> anyhow::Result<i32> {
    match super::shared::topic_metadata(client, topic).await {
        Ok(metadata) => Ok(metadata.partition_count()),
        Err(e) if e.code() == Some(ErrorCode::UnknownTopicOrPartition) => Err(Failure::new(
            Code::NotFound,
            format!("topic '{topic}' does not exist"),
        )
        .hint(format!("create it first: kctl topic create {topic}"))
        .into()),
        Err(e) => Err(anyhow::Error::new(e).context(format!("looking up topic '{topic}'"))),
    }
}

/// A bar on stderr; indicatif draws nothing when stderr is not a terminal.
pub(crate) fn progress_bar(total: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} records ({per_sec}, eta {eta})")
            .expect("the template is valid"),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

pub(crate) async fn run(settings: &Settings, args: PerfProduceArgs) -> anyhow::Result<Code> {
    let topic = args.topic.get().to_owned();
    let t = args.throughput;
    let throughput_per_s = if t == -1.0 {
        None
    } else if t > 0.0 && t.is_finite() {
        Some(t)
    } else {
        return Err(usage(format!(
            "--throughput {t}: give records per second, or -1 for no limit"
        ))
        .into());
    };
    let mut config = producer_config(settings, &args.producer_props, args.acks)?;
    config.compression = match args.compression {
        CompressionArg::None => Compression::None,
        CompressionArg::Gzip => Compression::Gzip,
        CompressionArg::Snappy => Compression::Snappy,
        CompressionArg::Lz4 => Compression::Lz4,
        CompressionArg::Zstd => Compression::Zstd,
    };
    config.linger_ms = args.linger_ms;
    let producer = connect::producer(settings, config).await?;
    partition_count(producer.client(), &topic).await?;
    let bar = progress_bar(args.num_records);
    let load = ProduceLoad {
        topic,
        records: args.num_records,
        record_bytes: args.record_size as usize,
        throughput_per_s,
    };
    let report = perf::produce(&producer, &load, |sent| bar.set_position(sent)).await;
    bar.finish_and_clear();
    producer.close().await;
    let report = report?;
    if report.failed > 0 {
        settings.printer.status(format!(
            "warning: {} of {} records failed to be delivered",
            report.failed, args.num_records
        ));
    }
    Figures::new("produce", &report, Some(args.record_size), "send->ack")
        .emit(settings, args.json)?;
    Ok(if report.failed > 0 {
        Code::Partial
    } else {
        Code::Success
    })
}
