//! `kctl perf consume`: reads N records from the beginning of every
//! partition (kafka-consumer-perf-test's `--messages`) through the
//! client's shared measuring loop.

use kctl_client::{ConsumerConfig, OffsetReset, TopicPartition};

use super::perf_produce::{Figures, progress_bar};
use crate::cli::PerfConsumeArgs;
use crate::connect;
use crate::exit::{Code, usage};
use crate::settings::Settings;

pub(crate) async fn run(settings: &Settings, args: PerfConsumeArgs) -> anyhow::Result<Code> {
    let topic = args.topic.get().to_owned();
    let bootstrap = settings.bootstrap.join(",");
    let mut config = ConsumerConfig::from_properties(
        std::iter::once(("bootstrap.servers", bootstrap.as_str())).chain(
            args.consumer_props
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        ),
    )
    .map_err(|e| usage(format!("--consumer-props: {e}")))?;
    config.auto_offset_reset = OffsetReset::Earliest;
    let consumer = connect::consumer(settings, config).await?;
    let partitions = super::perf_produce::partition_count(consumer.client(), &topic).await?;
    let assigned: Vec<TopicPartition> = (0..partitions)
        .map(|p| TopicPartition::new(&topic, p))
        .collect();
    consumer.assign(&assigned);
    consumer.seek_to_beginning(&assigned)?;
    let bar = progress_bar(args.num_records);
    // A topic with fewer records than asked for ends after --timeout
    // without data, with what was read.
    let report = kctl_client::perf::consume(&consumer, args.num_records, settings.timeout, |n| {
        bar.set_position(n);
    })
    .await;
    bar.finish_and_clear();
    consumer.close().await;
    let report = report?;
    if report.records < args.num_records {
        settings.printer.status(format!(
            "warning: only {} of {} records arrived within {} of idling",
            report.records,
            args.num_records,
            connect::human(settings.timeout)
        ));
    }
    Figures::new("consume", &report, None, "poll wait").emit(settings, args.json)?;
    Ok(if report.records < args.num_records {
        Code::Partial
    } else {
        Code::Success
    })
}
