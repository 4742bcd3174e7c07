//! `kctl perf e2e`: produce→consume round trips one record at a time, as
//! Kafka's `EndToEndLatency` tool makes them: each record is sent, waited
//! for (acknowledged), and polled back before the next is sent.

use kctl_client::ConsumerConfig;
use kctl_client::perf::{self, EndToEndLoad};

use super::perf_produce::{Figures, partition_count, producer_config, progress_bar};
use crate::cli::PerfE2eArgs;
use crate::connect;
use crate::exit::Code;
use crate::settings::Settings;

pub(crate) async fn run(settings: &Settings, args: PerfE2eArgs) -> anyhow::Result<Code> {
    let topic = args.topic.get().to_owned();
    let config = producer_config(settings, &args.producer_props, args.acks)?;
    let producer = connect::producer(settings, config).await?;
    let partitions = partition_count(producer.client(), &topic).await?;
    // fetch.min.bytes 1 (the default): a fetch returns as soon as the
    // record is there.
    let consumer =
        connect::consumer(settings, ConsumerConfig::new(settings.bootstrap.clone())).await?;
    let bar = progress_bar(args.num_records);
    let load = EndToEndLoad {
        topic,
        records: args.num_records,
        record_bytes: args.record_size as usize,
        timeout: settings.timeout,
    };
    let report = perf::end_to_end(&producer, &consumer, partitions, &load, |n| {
        bar.set_position(n);
    })
    .await;
    bar.finish_and_clear();
    consumer.close().await;
    producer.close().await;
    let report = report?;
    Figures::new("e2e", &report, Some(args.record_size), "produce->consume")
        .emit(settings, args.json)?;
    Ok(Code::Success)
}
