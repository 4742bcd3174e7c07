//! `kctl demo`: everything at once on the embedded broker, so the first
//! command a new user runs shows something alive.
//!
//! broker-lite starts in-process; `orders` (6 partitions) and `payments`
//! (3) are created; a producer writes keyed records at `--rate`; the group
//! `demo-shop` reads both topics with two members, one of which is slow in
//! waves, so its partitions' lag grows and then drains. On a terminal the
//! dashboard opens on the embedded broker; otherwise the topic and group
//! tables are printed every `--interval` for `--duration`. Either way the
//! end is orderly: producer closed, members leave the group, broker shut
//! down (its clean-shutdown marker written).

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use broker_lite::config::BrokerConfig;
use kctl_client::admin::{
    Admin, CreateTopicsOptions, IsolationLevel, NewTopic, OffsetSpec, TopicPartition,
};
use kctl_client::{Acks, ErrorCode, ProducerConfig, Record};
use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::cli::{DemoArgs, GlobalArgs, GroupDescribeArgs, TuiArgs};
use crate::connect;
use crate::exit::Code;
use crate::printer::Table;
use crate::settings::Settings;

pub(crate) const GROUP: &str = "demo-shop";
const TOPICS: [(&str, i32); 2] = [("orders", 6), ("payments", 3)];
/// Without a terminal there is no dashboard to close, so the demo ends.
const DEFAULT_DURATION_NO_TTY: Duration = Duration::from_secs(30);

pub(crate) async fn run(global: &GlobalArgs, args: DemoArgs) -> anyhow::Result<Code> {
    let on_terminal = std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
    let temp_dir;
    let data_dir = match &args.data_dir {
        Some(dir) => dir.clone(),
        None => {
            temp_dir = tempfile::Builder::new()
                .prefix("kctl-demo-")
                .tempdir()
                .context("creating a temporary data directory")?;
            temp_dir.path().to_owned()
        }
    };
    if args.chaos && args.nodes < 2 {
        anyhow::bail!(crate::exit::usage("--chaos needs a cluster: add --nodes 3"));
    }
    if args.nodes > 1 {
        return run_cluster(global, &args, on_terminal, data_dir).await;
    }
    let mut config = BrokerConfig::default();
    config.listen = std::net::SocketAddr::from(([127, 0, 0, 1], args.port.unwrap_or(0)));
    config.data_dir = data_dir.clone();
    // Members join within a second of each other; the demo should not sit
    // through Kafka's 3 s wait for more.
    config.group.initial_rebalance_delay_ms = 300;
    let broker = broker_lite::start(config)
        .await
        .context("the demo broker could not start")?;
    let settings = Settings::embedded(global, broker.bootstrap());
    settings.printer.status(format!(
        "demo: broker-lite on {} (data in {}); topics {}; group '{GROUP}'",
        broker.bootstrap(),
        data_dir.display(),
        topic_list(),
    ));

    let outcome = drive(&settings, &args, on_terminal, None).await;
    broker
        .shutdown()
        .await
        .context("stopping the demo broker")?;
    settings.printer.status("demo: broker stopped");
    outcome
}

fn topic_list() -> String {
    TOPICS
        .iter()
        .map(|(t, p)| format!("{t} ({p} partitions)"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The demo on a local cluster: N broker processes (this binary) and a
/// controller here, RF min(N, 3) topics, and with --chaos a node stopped
/// and started again every `--chaos-interval`.
async fn run_cluster(
    global: &GlobalArgs,
    args: &DemoArgs,
    on_terminal: bool,
    data_dir: std::path::PathBuf,
) -> anyhow::Result<Code> {
    use broker_lite::cluster::supervisor::{Cluster, ClusterOptions, NodeCommand};
    let properties = data_dir.join("demo.properties");
    std::fs::create_dir_all(&data_dir)?;
    // Members join within a second of each other (see the single broker).
    std::fs::write(
        &properties,
        "group.initial.rebalance.delay.ms=300\nreplica.lag.time.max.ms=5000\n",
    )
    .context("writing the demo's broker settings")?;
    let mut defaults = BrokerConfig::from_properties_file(&properties)?;
    defaults.default_replication_factor = i16::try_from(args.nodes.min(3)).unwrap_or(3);
    let cluster = Cluster::start(ClusterOptions {
        nodes: usize::from(args.nodes),
        data_dir: data_dir.clone(),
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], args.port.unwrap_or(0))),
        node_command: NodeCommand {
            program: std::env::current_exe().context("cannot find the kctl binary to run nodes")?,
            args: vec![
                "broker".into(),
                "start".into(),
                "--config".into(),
                properties.display().to_string(),
            ],
        },
        broker_defaults: defaults,
    })
    .await
    .context("the demo cluster could not start")?;
    let cluster = Arc::new(cluster);
    let bootstrap = cluster.bootstrap().await;
    let settings = Settings::embedded(global, bootstrap.clone());
    settings.printer.status(format!(
        "demo: {} broker-lite nodes on {bootstrap} (data in {}); topics {} with replication factor {}; group '{GROUP}'{}",
        args.nodes,
        data_dir.display(),
        topic_list(),
        args.nodes.min(3),
        if args.chaos { "; chaos on" } else { "" },
    ));
    let outcome = drive(&settings, args, on_terminal, Some(Arc::clone(&cluster))).await;
    match Arc::try_unwrap(cluster) {
        Ok(cluster) => cluster.shutdown().await,
        Err(_) => tracing::warn!("a demo task still holds the cluster; its nodes stop on exit"),
    }
    settings.printer.status("demo: cluster stopped");
    outcome
}

/// --chaos: nodes 2..N in turn, each stopped for an interval and started
/// again, until the demo ends.
async fn chaos(
    cluster: Arc<broker_lite::cluster::supervisor::Cluster>,
    nodes: u16,
    interval: Duration,
    settings: Settings,
    announce: bool,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let victims: Vec<i32> = (2..=i32::from(nodes)).collect();
    for id in victims.iter().cycle() {
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            _ = stop.changed() => return Ok(()),
        }
        cluster.stop_node(*id).await?;
        if announce {
            settings
                .printer
                .status(format!("demo: chaos stopped node {id}"));
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            _ = stop.changed() => {
                cluster.start_node(*id).await?;
                return Ok(());
            }
        }
        cluster.start_node(*id).await?;
        if announce {
            settings
                .printer
                .status(format!("demo: chaos started node {id}"));
        }
    }
    Ok(())
}

/// Everything between the broker's start and its shutdown, so the broker
/// is stopped whatever happens here.
async fn drive(
    settings: &Settings,
    args: &DemoArgs,
    on_terminal: bool,
    cluster: Option<Arc<broker_lite::cluster::supervisor::Cluster>>,
) -> anyhow::Result<Code> {
    let admin = connect::admin(settings).await?;
    create_topics(&admin, i16::try_from(args.nodes.min(3)).unwrap_or(1)).await?;

    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let produced = Arc::new(AtomicU64::new(0));
    tasks.spawn(produce(
        settings.clone(),
        args.rate,
        stop_rx.clone(),
        Arc::clone(&produced),
    ));
    for member in members() {
        tasks.spawn(consume(settings.clone(), member, stop_rx.clone()));
    }
    if let (Some(cluster), true) = (cluster, args.chaos) {
        tasks.spawn(chaos(
            cluster,
            args.nodes,
            args.chaos_interval,
            settings.clone(),
            !on_terminal,
            stop_rx.clone(),
        ));
    }

    let shown = if on_terminal {
        let dashboard = TuiArgs {
            refresh_interval: Duration::from_secs(2),
            once: false,
            read_committed: false,
            buffer_records: kctl_tui::messages::DEFAULT_BUFFER_RECORDS as u64,
        };
        match args.duration {
            Some(duration) => tokio::select! {
                shown = super::tui::run(settings, dashboard) => shown.map(|_| ()),
                () = tokio::time::sleep(duration) => Ok(()),
            },
            None => super::tui::run(settings, dashboard).await.map(|_| ()),
        }
    } else {
        print_tables(settings, args).await
    };

    let _ = stop_tx.send(true);
    let mut failures = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(())) => {}
            Ok(Err(e)) => failures.push(e),
            Err(e) => failures.push(anyhow::Error::new(e).context("a demo task panicked")),
        }
    }
    settings.printer.status(format!(
        "demo: producer closed after {} records; consumers left the group",
        produced.load(Ordering::Relaxed)
    ));
    shown?;
    match failures.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(Code::Success),
    }
}

async fn create_topics(admin: &Admin, replication_factor: i16) -> anyhow::Result<()> {
    let new: Vec<NewTopic> = TOPICS
        .iter()
        .map(|(name, partitions)| {
            NewTopic::new(*name)
                .partitions(*partitions)
                .replication_factor(replication_factor)
        })
        .collect();
    for created in admin
        .create_topics(&new, CreateTopicsOptions::default())
        .await?
    {
        match created.result {
            Ok(_) => {}
            // A kept --data-dir already has them.
            Err(e) if e.code() == Some(ErrorCode::TopicAlreadyExists) => {}
            Err(e) => {
                return Err(anyhow::Error::new(e).context(format!("creating {}", created.topic)));
            }
        }
    }
    Ok(())
}

/// Keyed records at `rate` per second: orders, and a payment for every
/// other order, keyed by customer so each customer stays on one partition.
async fn produce(
    settings: Settings,
    rate: u32,
    mut stop: watch::Receiver<bool>,
    produced: Arc<AtomicU64>,
) -> anyhow::Result<()> {
    let mut config = ProducerConfig::new(settings.bootstrap.clone());
    config.acks = Acks::All;
    config.linger_ms = 20;
    let producer = connect::producer(&settings, config).await?;
    let started = Instant::now();
    let mut sent = 0u64;
    loop {
        let due = started + Duration::from_secs_f64(sent as f64 / f64::from(rate));
        tokio::select! {
            _ = stop.changed() => break,
            () = tokio::time::sleep_until(due) => {}
        }
        let customer = format!("customer-{}", (sent * 7919) % 97);
        let amount_cents = 500 + (sent * 37) % 9_500;
        let (topic, value) = if sent % 3 == 2 {
            (
                "payments",
                format!(
                    r#"{{"order":{},"amount_cents":{amount_cents},"method":"card"}}"#,
                    sent - 1
                ),
            )
        } else {
            (
                "orders",
                format!(
                    r#"{{"order":{sent},"customer":"{customer}","amount_cents":{amount_cents}}}"#
                ),
            )
        };
        let record = Record::new(topic)
            .key(customer.as_bytes())
            .value(value.as_bytes())
            .header("source", "kctl-demo");
        let counter = Arc::clone(&produced);
        producer
            .send_with_callback(record, move |result| {
                if result.is_ok() {
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            })
            .await
            .context("the demo producer")?;
        sent += 1;
    }
    producer.close().await;
    Ok(())
}

/// Prints the topic and group tables every `--interval` until
/// `--duration` passes or Ctrl-C.
async fn print_tables(settings: &Settings, args: &DemoArgs) -> anyhow::Result<()> {
    let duration = args.duration.unwrap_or(DEFAULT_DURATION_NO_TTY);
    let started = Instant::now();
    let deadline = started + duration;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let next = (Instant::now() + args.interval).min(deadline);
        tokio::select! {
            _ = &mut ctrl_c => return Ok(()),
            () = tokio::time::sleep_until(next) => {}
        }
        settings
            .printer
            .status(format!("--- demo at {} s ---", started.elapsed().as_secs()));
        print_topics(settings).await?;
        let group = super::group_describe::run(
            settings,
            GroupDescribeArgs {
                groups: vec![GROUP.to_owned()],
                group_flags: Vec::new(),
                lag_only: false,
                read_committed: false,
            },
        )
        .await;
        // Before the members' first commit the group is not there yet.
        if let Err(e) = group {
            settings
                .printer
                .status(format!("group '{GROUP}' not described yet: {e:#}"));
        }
        if Instant::now() >= deadline {
            return Ok(());
        }
    }
}

#[derive(Debug, Serialize)]
struct TopicRow {
    topic: String,
    partitions: i32,
    /// Sum of the partitions' log end offsets: records written so far.
    log_end_offsets: i64,
}

/// The demo topics with how far their logs have grown.
async fn print_topics(settings: &Settings) -> anyhow::Result<()> {
    let admin = connect::admin(settings).await?;
    let specs: Vec<(TopicPartition, OffsetSpec)> = TOPICS
        .iter()
        .flat_map(|(topic, partitions)| {
            (0..*partitions).map(|p| (TopicPartition::new(*topic, p), OffsetSpec::Latest))
        })
        .collect();
    let listed = admin
        .list_offsets(&specs, IsolationLevel::ReadUncommitted)
        .await?;
    let rows: Vec<TopicRow> = TOPICS
        .iter()
        .map(|(topic, partitions)| TopicRow {
            topic: (*topic).to_owned(),
            partitions: *partitions,
            log_end_offsets: listed
                .iter()
                .filter(|l| &*l.partition.topic == *topic)
                .filter_map(|l| l.result.as_ref().ok().and_then(|o| o.offset))
                .sum(),
        })
        .collect();
    settings.printer.emit(&rows, |rows| {
        let mut table = Table::new(&["TOPIC", "PARTITIONS", "LOG-END-OFFSETS"]);
        for row in rows {
            table.row(vec![
                row.topic.clone(),
                row.partitions.to_string(),
                row.log_end_offsets.to_string(),
            ]);
        }
        vec![table]
    })
}

/// A member of the demo group and how fast it works.
#[derive(Debug, Clone, Copy)]
struct Member {
    name: &'static str,
    /// Time per record while slow; `None`: never slow.
    slow_per_record: Option<Duration>,
}

/// How long the slow member is slow, then fast, in turn.
const SLOW_PHASE: Duration = Duration::from_secs(12);

fn members() -> [Member; 2] {
    [
        Member {
            name: "fast",
            slow_per_record: None,
        },
        // Slow phases fall well behind its share of the rate, so lag grows;
        // fast phases drain it.
        Member {
            name: "slow",
            slow_per_record: Some(Duration::from_millis(150)),
        },
    ]
}

async fn consume(
    settings: Settings,
    member: Member,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let mut config = kctl_client::ConsumerConfig::new(settings.bootstrap.clone())
        .client_id(format!("demo-{}", member.name))
        .group_id(GROUP)
        .auto_offset_reset(kctl_client::OffsetReset::Earliest)
        .max_poll_records(50);
    config.fetch_max_wait_ms = 200;
    // Lag is measured from commits: frequent ones make the dashboard move.
    config.auto_commit_interval_ms = 1_000;
    let consumer = connect::consumer(&settings, config).await?;
    consumer.subscribe(TOPICS.iter().map(|(topic, _)| *topic));
    let started = Instant::now();
    'run: loop {
        let records = tokio::select! {
            _ = stop.changed() => break,
            polled = consumer.poll(Duration::from_millis(500)) => polled
                .with_context(|| format!("demo consumer '{}'", member.name))?,
        };
        let phase = started.elapsed().as_secs() / SLOW_PHASE.as_secs();
        let delay = member.slow_per_record.filter(|_| phase.is_multiple_of(2));
        if let Some(delay) = delay {
            for _ in &records {
                tokio::select! {
                    _ = stop.changed() => break 'run,
                    () = tokio::time::sleep(delay) => {}
                }
            }
        }
    }
    consumer.close().await;
    Ok(())
}
