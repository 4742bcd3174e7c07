//! Rebalance time: a group of three consumers shares a 48-partition topic;
//! a fourth joins, and the clock runs from its start until the four own
//! disjoint, non-empty shares covering every partition. Three protocols:
//! classic eager (`range`), classic cooperative (`cooperative-sticky`) and
//! KIP-848's consumer protocol (broker-side `uniform`), each with its
//! defaults (classic `heartbeat.interval.ms` 3 s; consumer protocol: the
//! broker's `group.consumer.heartbeat.interval.ms`, 5 s). Uses an
//! in-process broker-lite unless a bootstrap address is given.
//!
//! ```text
//! cargo run --release -p kctl-client --example perf_rebalance -- [bootstrap|-] [rounds] [partitions] [heartbeat_ms]
//! ```
//!
//! With `heartbeat_ms`, every protocol heartbeats that often instead: the
//! classic members' `heartbeat.interval.ms`, and (in-process broker only)
//! broker-lite's `group.consumer.heartbeat.interval.ms`.
//!
//! Prints one line per protocol: `protocol median_ms min_ms max_ms`.

use std::time::{Duration, Instant};

use kctl_client::admin::{ItemResults, NewTopic};
use kctl_client::{Admin, Assignor, Consumer, GroupProtocol, TopicPartition};

const TOPIC: &str = "perf-rebalance";

#[derive(Debug, Clone, Copy)]
enum Mode {
    Eager,
    Cooperative,
    ConsumerProtocol,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Self::Eager => "classic-eager(range)",
            Self::Cooperative => "classic-cooperative-sticky",
            Self::ConsumerProtocol => "consumer(KIP-848,uniform)",
        }
    }
}

async fn member(
    bootstrap: &str,
    topic: &str,
    group: &str,
    mode: Mode,
    heartbeat_ms: Option<u64>,
) -> Result<Consumer, kctl_client::Error> {
    let mut config = Consumer::builder([bootstrap.to_owned()]).group_id(group);
    if let Some(ms) = heartbeat_ms {
        config = config.heartbeat_interval_ms(ms);
    }
    let config = match mode {
        Mode::Eager => config.assignors([Assignor::Range]),
        Mode::Cooperative => config.assignors([Assignor::CooperativeSticky]),
        Mode::ConsumerProtocol => config.group_protocol(GroupProtocol::Consumer),
    };
    let consumer = config.build().await?;
    consumer.subscribe([topic]);
    Ok(consumer)
}

/// Whether the members own disjoint, non-empty shares of all partitions.
fn settled(members: &[Consumer], partitions: usize) -> bool {
    let assignments: Vec<Vec<TopicPartition>> = members.iter().map(|m| m.assignment()).collect();
    let total: usize = assignments.iter().map(Vec::len).sum();
    let union: std::collections::BTreeSet<&TopicPartition> = assignments.iter().flatten().collect();
    total == partitions && union.len() == partitions && assignments.iter().all(|a| !a.is_empty())
}

async fn wait_settled(members: &[Consumer], partitions: usize) -> Result<Duration, String> {
    let started = Instant::now();
    while !settled(members, partitions) {
        if started.elapsed() > Duration::from_secs(120) {
            return Err("the group did not settle within 120 s".into());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(started.elapsed())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let target = args.next().unwrap_or_else(|| "-".into());
    let rounds: usize = args.next().map_or(Ok(5), |s| s.parse())?;
    let partitions: i32 = args.next().map_or(Ok(48), |s| s.parse())?;
    let heartbeat_ms: Option<u64> = args.next().map(|s| s.parse()).transpose()?;

    let dir = tempfile::tempdir()?;
    let (bootstrap, _broker) = if target == "-" {
        let mut config = broker_lite::config::BrokerConfig::default();
        config.listen = "127.0.0.1:0".parse()?;
        config.data_dir = dir.path().into();
        // The first join of an empty group is not what is measured.
        config.group.initial_rebalance_delay_ms = 0;
        if let Some(ms) = heartbeat_ms {
            config.group.consumer_heartbeat_interval_ms = ms;
        }
        let broker = broker_lite::start(config)
            .await
            .map_err(|e| e.to_string())?;
        (broker.bootstrap(), Some(broker))
    } else {
        (target, None)
    };
    let admin = Admin::builder([bootstrap.clone()]).build().await?;
    let topic = format!("{TOPIC}-{}", std::process::id());
    admin
        .create_topics(
            &[NewTopic::new(&topic).partitions(partitions)],
            Default::default(),
        )
        .await?
        .all()?;

    for mode in [Mode::Eager, Mode::Cooperative, Mode::ConsumerProtocol] {
        let mut samples = Vec::new();
        for round in 0..rounds {
            let group = format!(
                "perf-rebalance-{}-{round}-{}",
                mode.name(),
                std::process::id()
            );
            let mut members = Vec::new();
            for _ in 0..3 {
                members.push(member(&bootstrap, &topic, &group, mode, heartbeat_ms).await?);
            }
            wait_settled(&members, partitions as usize).await?;
            let joined_at = Instant::now();
            members.push(member(&bootstrap, &topic, &group, mode, heartbeat_ms).await?);
            wait_settled(&members, partitions as usize).await?;
            let took = joined_at.elapsed();
            eprintln!("{} round {round}: {took:?}", mode.name());
            samples.push(took);
            for m in members {
                m.close().await;
            }
        }
        samples.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{} {:.0} {:.0} {:.0}",
            mode.name(),
            ms(samples[samples.len() / 2]),
            ms(samples[0]),
            ms(samples[samples.len() - 1])
        );
    }
    Ok(())
}
