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
use crate::printer::Table;
use crate::settings::Settings;

/// A run's figures, as printed (JSON field names are stable).
#[derive(Debug, Serialize)]
pub(crate) struct Figures {
    pub records: u64,
    pub record_bytes: Option<u64>,
    pub elapsed_ms: u64,
    pub records_per_s: f64,
    pub mb_per_s: f64,
    /// What the percentiles measure.
    pub latency: &'static str,
    pub latency_samples: usize,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub p999_ms: Option<f64>,
    pub max_ms: Option<f64>,
}

impl Figures {
    pub(crate) fn new(
        report: &PerfReport,
        record_bytes: Option<u64>,
        latency: &'static str,
    ) -> Self {
        Self {
            records: report.records,
            record_bytes,
            elapsed_ms: report.elapsed.as_millis() as u64,
            records_per_s: report.records_per_s(),
            mb_per_s: report.mb_per_s(),
            latency,
            latency_samples: report.latencies_us.len(),
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
            format!("{:.0}", self.records_per_s),
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
    let bootstrap = settings.bootstrap.join(",");
    let mut config = ProducerConfig::from_properties(
        std::iter::once(("bootstrap.servers", bootstrap.as_str())).chain(
            args.producer_props
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        ),
    )
    .map_err(|e| usage(format!("--producer-props: {e}")))?;
    config.acks = match args.acks {
        AcksArg::None => Acks::None,
        AcksArg::Leader => Acks::Leader,
        AcksArg::All => Acks::All,
    };
    if config.acks != Acks::All {
        config.enable_idempotence = Some(false);
    }
    config.compression = match args.compression {
        CompressionArg::None => Compression::None,
        CompressionArg::Gzip => Compression::Gzip,
        CompressionArg::Snappy => Compression::Snappy,
        CompressionArg::Lz4 => Compression::Lz4,
        CompressionArg::Zstd => Compression::Zstd,
    };
    config.linger_ms = args.linger_ms;
    let producer = connect::producer(settings, config).await?;
    if let Err(e) = super::shared::topic_metadata(producer.client(), &topic).await {
        return Err(if e.code() == Some(ErrorCode::UnknownTopicOrPartition) {
            Failure::new(Code::NotFound, format!("topic '{topic}' does not exist"))
                .hint(format!("create it first: kctl topic create {topic}"))
                .into()
        } else {
            anyhow::Error::new(e).context(format!("looking up topic '{topic}'"))
        });
    }
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
    if report.failed_samples > 0 {
        settings.printer.status(format!(
            "warning: {} of {} latency probes failed to be delivered",
            report.failed_samples,
            report.latencies_us.len() as u64 + report.failed_samples
        ));
    }
    let figures = Figures::new(&report, Some(args.record_size), "send->ack");
    settings.printer.emit(&figures, Figures::tables)?;
    Ok(Code::Success)
}
