//! Group churn (issue 16): members join and leave every second while
//! records flow, with at-least-once consumers — ours and librdkafka's
//! (confluent-kafka) in the same group — each committing after it has
//! processed what a poll returned. Nothing acknowledged may be lost.
//! Reports the rebalances, the duplicate window (the longest run of
//! offsets of one partition delivered twice) and the longest stall (the
//! longest time nobody consumed anything while records were produced).
//!
//! CI: `CHURN_SECONDS` defaults to 30. The figures in docs/reliability.md:
//! `CHURN_SECONDS=300 cargo test -p kctl-client --test it churn -- --nocapture`.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use broker_lite::config::BrokerConfig;
use kctl_client::{Consumer, OffsetReset, ProducerConfig, Record};
use tokio::io::AsyncBufReadExt;

use crate::support::{client, create_topic, python, with_timeout};

const TOPIC: &str = "churn";
const PARTITIONS: i32 = 6;
const GROUP: &str = "churn-group";

/// (partition, offset, when) of every record any member processed.
type Seen = Arc<Mutex<Vec<(i32, i64, Instant)>>>;

const CONFLUENT_MEMBER: &str = r#"
import sys, threading
from confluent_kafka import Consumer
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": sys.argv[2], "auto.offset.reset": "earliest",
              "enable.auto.commit": False, "session.timeout.ms": 6000, "heartbeat.interval.ms": 300,
              "partition.assignment.strategy": "range"})
c.subscribe([sys.argv[3]])
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
while not stop.is_set():
    msgs = c.consume(500, 0.2)
    good = [m for m in msgs if m.error() is None]
    for m in good:
        print("REC %d %d" % (m.partition(), m.offset()), flush=True)
    if good:
        try:
            c.commit(asynchronous=False)
        except Exception as e:
            print("COMMIT-FAILED %s" % e, flush=True)
c.close()
print("CLOSED", flush=True)
"#;

enum Member {
    Ours(tokio::task::JoinHandle<i32>, Arc<AtomicBool>),
    Confluent(tokio::process::Child, tokio::task::JoinHandle<()>),
}

fn our_member(bootstrap: &str, seen: Seen) -> Member {
    let stop = Arc::new(AtomicBool::new(false));
    let bootstrap = bootstrap.to_owned();
    let flag = Arc::clone(&stop);
    let task = tokio::spawn(async move {
        let consumer = Consumer::builder([bootstrap])
            .group_id(GROUP)
            .auto_offset_reset(OffsetReset::Earliest)
            .enable_auto_commit(false)
            .fetch_max_wait_ms(100)
            .session_timeout_ms(6_000)
            .heartbeat_interval_ms(300)
            .build()
            .await
            .unwrap();
        consumer.subscribe([TOPIC]);
        while !flag.load(Ordering::Relaxed) {
            let Ok(records) = consumer.poll(Duration::from_millis(200)).await else {
                continue;
            };
            if records.is_empty() {
                continue;
            }
            let now = Instant::now();
            seen.lock()
                .unwrap()
                .extend(records.iter().map(|r| (r.partition, r.offset, now)));
            // At least once: commit only what was processed; a failed
            // commit (a rebalance in between) means redelivery, not loss.
            let _ = consumer.commit_sync().await;
        }
        let generation = consumer.group_membership().1;
        consumer.close().await;
        generation
    });
    Member::Ours(task, stop)
}

fn confluent_member(python: &std::path::Path, bootstrap: &str, seen: Seen) -> Member {
    let mut child = tokio::process::Command::new(python)
        .args(["-c", CONFLUENT_MEMBER, bootstrap, GROUP, TOPIC])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let reader = tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            let parts: Vec<&str> = line.split(' ').collect();
            if let ["REC", p, o] = parts.as_slice() {
                seen.lock()
                    .unwrap()
                    .push((p.parse().unwrap(), o.parse().unwrap(), Instant::now()));
            }
        }
    });
    Member::Confluent(child, reader)
}

async fn stop_member(member: Member) -> Option<i32> {
    match member {
        Member::Ours(task, stop) => {
            stop.store(true, Ordering::Relaxed);
            Some(with_timeout("our member leaving", 60, task).await.unwrap())
        }
        Member::Confluent(mut child, reader) => {
            // Closing stdin asks it to close (commit, LeaveGroup) itself.
            drop(child.stdin.take());
            let _ = with_timeout("a confluent member leaving", 60, child.wait()).await;
            let _ = reader.await;
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_join_and_leave_every_second_and_nothing_is_lost() {
    let Some(python) = python() else { return };
    let seconds: u64 = std::env::var("CHURN_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let dir = tempfile::tempdir().unwrap();
    let mut config = BrokerConfig::default();
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.data_dir = dir.path().into();
    config.group.initial_rebalance_delay_ms = 0;
    config.group.min_session_timeout_ms = 1_000;
    let broker = broker_lite::start(config).await.unwrap();
    let bootstrap = broker.bootstrap();
    create_topic(&client(&bootstrap).await, TOPIC, PARTITIONS, 1).await;

    // Records flow the whole time: ~600/s over the partitions.
    let producing = Arc::new(AtomicBool::new(true));
    let producer_task = {
        let (bootstrap, producing) = (bootstrap.clone(), Arc::clone(&producing));
        tokio::spawn(async move {
            let producer = ProducerConfig::new([bootstrap])
                .linger_ms(5)
                .build()
                .await
                .unwrap();
            let mut acked = BTreeSet::new();
            let mut pending = Vec::new();
            let mut i = 0u64;
            while producing.load(Ordering::Relaxed) {
                for _ in 0..30 {
                    let value = format!("v{i}");
                    i += 1;
                    let partition = (i % PARTITIONS as u64) as i32;
                    pending.push(
                        producer
                            .send(
                                Record::new(TOPIC)
                                    .partition(partition)
                                    .value(value.as_bytes()),
                            )
                            .await
                            .unwrap(),
                    );
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            for delivery in pending {
                let meta = delivery.wait().await.unwrap();
                acked.insert((meta.partition, meta.offset));
            }
            producer.close().await;
            acked
        })
    };

    let seen: Seen = Arc::default();
    let mut members: std::collections::VecDeque<Member> = Default::default();
    let mut joins = 0u32;
    let mut leaves = 0;
    let mut generations = Vec::new();
    members.push_back(our_member(&bootstrap, Arc::clone(&seen)));
    joins += 1;
    let started = Instant::now();
    let mut tick = 0u64;
    while started.elapsed() < Duration::from_secs(seconds) {
        tokio::time::sleep(Duration::from_secs(1)).await;
        tick += 1;
        // Grow to four members, then alternate: one leaves, one joins.
        if members.len() >= 4 || (members.len() > 1 && tick.is_multiple_of(2)) {
            if let Some(g) = stop_member(members.pop_front().unwrap()).await {
                generations.push(g);
            }
            leaves += 1;
        } else {
            let member = if joins.is_multiple_of(2) {
                our_member(&bootstrap, Arc::clone(&seen))
            } else {
                confluent_member(&python, &bootstrap, Arc::clone(&seen))
            };
            members.push_back(member);
            joins += 1;
        }
    }
    producing.store(false, Ordering::Relaxed);
    let acked = producer_task.await.unwrap();
    let produce_end = Instant::now();

    // The churn stops; one of our members stays until it has seen the end.
    members.push_back(our_member(&bootstrap, Arc::clone(&seen)));
    while let Some(member) = (members.len() > 1).then(|| members.pop_front()).flatten() {
        if let Some(g) = stop_member(member).await {
            generations.push(g);
        }
        leaves += 1;
    }
    let last_partition_offsets: BTreeMap<i32, i64> =
        acked.iter().fold(BTreeMap::new(), |mut m, &(p, o)| {
            let e = m.entry(p).or_insert(o);
            *e = (*e).max(o);
            m
        });
    with_timeout("the last member catching up", 120, async {
        loop {
            let done = {
                let seen = seen.lock().unwrap();
                let got: BTreeSet<(i32, i64)> = seen.iter().map(|&(p, o, _)| (p, o)).collect();
                last_partition_offsets
                    .iter()
                    .all(|(&p, &o)| got.contains(&(p, o)))
            };
            if done {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await;
    if let Some(g) = stop_member(members.pop_front().unwrap()).await {
        generations.push(g);
    }

    let seen = seen.lock().unwrap().clone();
    let mut counts: BTreeMap<(i32, i64), usize> = BTreeMap::new();
    for &(p, o, _) in &seen {
        *counts.entry((p, o)).or_default() += 1;
    }
    let lost: Vec<_> = acked.iter().filter(|k| !counts.contains_key(k)).collect();
    let duplicates = counts.values().filter(|&&n| n > 1).count();
    // The longest run of consecutive offsets of one partition seen twice.
    let mut window = 0;
    for p in 0..PARTITIONS {
        let mut run = 0;
        for (_, &n) in counts.range((p, 0)..(p, i64::MAX)) {
            run = if n > 1 { run + 1 } else { 0 };
            window = window.max(run);
        }
    }
    // The longest gap in consumption while records were being produced.
    let mut times: Vec<Instant> = seen
        .iter()
        .map(|&(_, _, t)| t)
        .filter(|t| *t <= produce_end)
        .collect();
    times.sort();
    times.insert(0, started);
    let stall = times
        .windows(2)
        .map(|w| w[1] - w[0])
        .max()
        .unwrap_or_default();
    let rebalances = generations.iter().copied().max().unwrap_or(0);
    println!(
        "churn: {seconds} s, {joins} joins and {leaves} leaves (ours and confluent-kafka alternating); {} records acknowledged, {} processed ({duplicates} offsets more than once), lost {}; generations (rebalances) reached {rebalances}; duplicate window {window} offsets; longest stall {stall:?}",
        acked.len(),
        seen.len(),
        lost.len(),
    );
    assert!(
        lost.is_empty(),
        "acknowledged records never consumed: {:?}",
        &lost[..lost.len().min(10)]
    );
    assert!(rebalances >= 3, "the churn caused no rebalances");
    broker.shutdown().await.unwrap();
}
