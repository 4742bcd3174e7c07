//! The producer against librdkafka's mock cluster: a broker implementation
//! nobody here wrote, with 3 brokers, replication factor 3, idempotence, and
//! fault injection (leader moves, brokers going down) driven through a small
//! C harness (tests/mock_cluster/harness.c) compiled at test time, for the
//! producer and for the consumer.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kctl_client::backoff::Backoff;
use kctl_client::{ProducerConfig, Record};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use crate::support::*;

/// Compiles the harness with `cc` and pkg-config's flags for rdkafka.
/// `None` (after a skip notice) when the toolchain or librdkafka is missing;
/// a panic instead under CI=true.
fn build_harness(out_dir: &Path) -> Option<PathBuf> {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mock_cluster/harness.c");
    let flags = std::process::Command::new("pkg-config")
        .args(["--cflags", "--libs", "rdkafka"])
        .output();
    let flags = match flags {
        Ok(out) if out.status.success() => String::from_utf8(out.stdout).unwrap(),
        _ => {
            peer(
                "librdkafka-dev (pkg-config rdkafka)",
                PathBuf::from("pkg-config"),
                false,
            )?;
            unreachable!("peer() returns None or panics when unavailable");
        }
    };
    let binary = out_dir.join("harness");
    let status = std::process::Command::new("cc")
        .arg("-o")
        .arg(&binary)
        .arg(&source)
        .args(flags.split_whitespace())
        .status();
    let built = status.is_ok_and(|s| s.success());
    peer(
        "a C compiler (cc) able to build the mock-cluster harness",
        binary,
        built,
    )
}

struct Harness {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    bootstrap: String,
}

impl Harness {
    async fn start(binary: &Path, topic: &str, partitions: i32) -> Self {
        let mut child = Command::new(binary)
            .args([topic, &partitions.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut bootstrap = String::new();
        stdout.read_line(&mut bootstrap).await.unwrap();
        Self {
            child,
            stdin,
            stdout,
            bootstrap: bootstrap.trim().to_owned(),
        }
    }

    async fn command(&mut self, line: &str) {
        self.stdin
            .write_all(format!("{line}\n").as_bytes())
            .await
            .unwrap();
        let mut answer = String::new();
        self.stdout.read_line(&mut answer).await.unwrap();
        assert_eq!(answer.trim(), "ok", "harness command {line:?}");
    }

    async fn quit(mut self) {
        let _ = self.stdin.write_all(b"quit\n").await;
        let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_once_in_order_through_leader_moves_and_a_broker_down() {
    let dir = tempfile::tempdir().unwrap();
    let Some(binary) = build_harness(dir.path()) else {
        return;
    };
    let mut harness = Harness::start(&binary, "mock", 3).await;
    let bootstrap = harness.bootstrap.clone();

    let producer = ProducerConfig::new(bootstrap.split(','))
        .linger_ms(2)
        .batch_size(2_048)
        .request_timeout_ms(3_000)
        .delivery_timeout_ms(60_000)
        .retry_backoff(Backoff {
            initial_ms: 20,
            max_ms: 500,
            jitter: 0.2,
        })
        .build()
        .await
        .unwrap();
    assert!(
        producer.is_idempotent(),
        "the mock cluster offers InitProducerId"
    );

    const RECORDS: usize = 9_000;
    let failures = Arc::new(Mutex::new(Vec::new()));
    // Faults are injected at fixed points of the send loop; sends are paced
    // so that requests are in flight when they happen.
    let faults: [(usize, &str); 7] = [
        (1_000, "leader mock 0 2"),
        (2_500, "leader mock 1 3"),
        (3_500, "down 1"),
        (5_000, "leader mock 2 2"),
        (6_000, "up 1"),
        (7_000, "leader mock 0 1"),
        (8_000, "leader mock 1 1"),
    ];
    let produce = async {
        for i in 0..RECORDS {
            if let Some((_, command)) = faults.iter().find(|(at, _)| *at == i) {
                harness.command(command).await;
            }
            let value = format!("{i}");
            let failures = Arc::clone(&failures);
            producer
                .send_with_callback(
                    Record::new("mock")
                        .partition((i % 3) as i32)
                        .value(value.as_bytes()),
                    move |r| {
                        if let Err(e) = r {
                            failures.lock().unwrap().push(format!("record {i}: {e}"));
                        }
                    },
                )
                .await
                .unwrap();
            if i % 50 == 0 {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }
        producer.flush().await;
    };
    with_timeout("producing through faults", 120, produce).await;
    let failures = failures.lock().unwrap().clone();
    assert!(
        failures.is_empty(),
        "{} records failed, e.g. {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );

    let client = producer.client().clone();
    for partition in 0..3 {
        let stored = with_timeout("reading back", 60, fetch_all(&client, "mock", partition)).await;
        let values: Vec<usize> = stored
            .iter()
            .map(|r| {
                std::str::from_utf8(r.value.as_deref().unwrap())
                    .unwrap()
                    .parse()
                    .unwrap()
            })
            .collect();
        let expected: Vec<usize> = (0..RECORDS)
            .filter(|i| i % 3 == partition as usize)
            .collect();
        assert_eq!(
            values.len(),
            expected.len(),
            "partition {partition}: every record exactly once"
        );
        if let Some(at) = values.iter().zip(&expected).position(|(v, e)| v != e) {
            let end = (at + 40).min(values.len());
            panic!(
                "partition {partition} out of order at index {at}: got {:?}, expected {:?}",
                &values[at.saturating_sub(3)..end],
                &expected[at.saturating_sub(3)..end]
            );
        }
    }
    producer.close().await;
    harness.quit().await;
}

/// Consumes while the harness moves leaders and takes a broker down for a
/// while: every record must arrive exactly once, in order per partition.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_reads_everything_once_in_order_through_leader_moves_and_a_broker_down() {
    use kctl_client::{Consumer, OffsetReset, TopicPartition};

    let dir = tempfile::tempdir().unwrap();
    let Some(binary) = build_harness(dir.path()) else {
        return;
    };
    let mut harness = Harness::start(&binary, "mockc", 3).await;
    let bootstrap = harness.bootstrap.clone();

    const PER_PARTITION: usize = 3_000;
    let producer = ProducerConfig::new(bootstrap.split(','))
        .linger_ms(2)
        .batch_size(4_096)
        .build()
        .await
        .unwrap();
    for i in 0..PER_PARTITION * 3 {
        let value = format!("{}", i / 3);
        drop(
            producer
                .send(
                    Record::new("mockc")
                        .partition((i % 3) as i32)
                        .value(value.as_bytes()),
                )
                .await
                .unwrap(),
        );
    }
    producer.flush().await;
    producer.close().await;

    let consumer = Consumer::builder(bootstrap.split(','))
        .auto_offset_reset(OffsetReset::Earliest)
        .fetch_max_wait_ms(100)
        .max_partition_fetch_bytes(8 * 1024)
        .max_poll_records(50)
        .request_timeout_ms(3_000)
        .retry_backoff(Backoff {
            initial_ms: 20,
            max_ms: 300,
            jitter: 0.2,
        })
        .build()
        .await
        .unwrap();
    consumer.assign(
        &(0..3)
            .map(|p| TopicPartition::new("mockc", p))
            .collect::<Vec<_>>(),
    );

    // Faults at points of the consumption; the broker taken down comes back
    // after a while even if nothing can be consumed meanwhile.
    let faults: [(usize, &str); 6] = [
        (600, "leader mockc 0 2"),
        (1_500, "leader mockc 1 3"),
        (2_500, "down 1"),
        (4_500, "leader mockc 2 2"),
        (6_000, "leader mockc 0 1"),
        (7_500, "leader mockc 1 1"),
    ];
    let mut next_fault = 0;
    let mut down_since: Option<tokio::time::Instant> = None;
    let mut seen: [Vec<usize>; 3] = Default::default();
    let total = PER_PARTITION * 3;
    let consume = async {
        let mut consumed = 0;
        while consumed < total {
            if let Some(since) = down_since
                && since.elapsed() > Duration::from_millis(800)
            {
                harness.command("up 1").await;
                down_since = None;
            }
            if let Some((at, command)) = faults.get(next_fault)
                && consumed >= *at
            {
                harness.command(command).await;
                if command.starts_with("down") {
                    down_since = Some(tokio::time::Instant::now());
                }
                next_fault += 1;
            }
            for r in consumer.poll(Duration::from_millis(100)).await.unwrap() {
                let v: usize = std::str::from_utf8(r.value.as_deref().unwrap())
                    .unwrap()
                    .parse()
                    .unwrap();
                assert_eq!(r.offset, seen[r.partition as usize].len() as i64);
                seen[r.partition as usize].push(v);
                consumed += 1;
            }
            // Slow enough that faults land while fetches are in flight.
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    };
    with_timeout("consuming through faults", 120, consume).await;
    assert_eq!(next_fault, faults.len(), "every fault was injected");
    for (partition, values) in seen.iter().enumerate() {
        let expected: Vec<usize> = (0..PER_PARTITION).collect();
        assert_eq!(
            values, &expected,
            "partition {partition}: each record once, in order"
        );
    }
    // Nothing more arrives: no duplicates after the last record either.
    let extra = consumer.poll(Duration::from_millis(300)).await.unwrap();
    assert!(extra.is_empty(), "{} unexpected records", extra.len());
    harness.quit().await;
}

/// A consumer group on the mock cluster while its coordinator broker goes
/// down, the coordinator moves to another broker and the first comes back:
/// members rediscover the coordinator, keep their partitions (or rejoin),
/// and every record is consumed; the final commits land on the new
/// coordinator.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_group_survives_its_coordinator_going_down_and_moving() {
    use std::collections::BTreeSet;

    use kctl_client::{Consumer, OffsetReset, TopicPartition};

    let dir = tempfile::tempdir().unwrap();
    let Some(binary) = build_harness(dir.path()) else {
        return;
    };
    const TOPIC: &str = "mockg";
    const GROUP: &str = "g-mock";
    const PARTITIONS: i32 = 6;
    let mut harness = Harness::start(&binary, TOPIC, PARTITIONS).await;
    let bootstrap = harness.bootstrap.clone();
    harness.command(&format!("coordinator {GROUP} 1")).await;

    let producer = ProducerConfig::new(bootstrap.split(','))
        .linger_ms(2)
        .request_timeout_ms(3_000)
        .delivery_timeout_ms(60_000)
        .build()
        .await
        .unwrap();
    let produce = |from: usize, to: usize| {
        let producer = &producer;
        async move {
            for i in from..to {
                let value = i.to_string();
                drop(
                    producer
                        .send(
                            Record::new(TOPIC)
                                .partition((i % PARTITIONS as usize) as i32)
                                .value(value.as_bytes()),
                        )
                        .await
                        .unwrap(),
                );
            }
            producer.flush().await;
        }
    };
    const HALF: usize = 3_000;
    with_timeout("producing", 60, produce(0, HALF)).await;

    let member = || {
        Consumer::builder(bootstrap.split(','))
            .group_id(GROUP)
            .auto_offset_reset(OffsetReset::Earliest)
            .auto_commit_interval_ms(200)
            .fetch_max_wait_ms(100)
            .max_poll_records(20)
            .request_timeout_ms(3_000)
            .session_timeout_ms(10_000)
            .heartbeat_interval_ms(300)
            .retry_backoff(Backoff {
                initial_ms: 20,
                max_ms: 300,
                jitter: 0.2,
            })
            .build()
    };
    let members = [
        Arc::new(member().await.unwrap()),
        Arc::new(member().await.unwrap()),
    ];
    let seen: Arc<Mutex<Vec<(usize, usize)>>> = Arc::default();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let pollers: Vec<_> = members
        .iter()
        .enumerate()
        .map(|(who, m)| {
            let (m, seen, done) = (Arc::clone(m), Arc::clone(&seen), Arc::clone(&done));
            m.subscribe([TOPIC]);
            tokio::spawn(async move {
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    let records = m.poll(Duration::from_millis(100)).await.unwrap();
                    seen.lock().unwrap().extend(records.iter().map(|r| {
                        let v = std::str::from_utf8(r.value.as_deref().unwrap()).unwrap();
                        (who, v.parse().unwrap())
                    }));
                    // Slow enough that the faults land mid-consumption.
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            })
        })
        .collect();
    let consumed = || seen.lock().unwrap().len();
    let distinct = || -> BTreeSet<usize> { seen.lock().unwrap().iter().map(|(_, v)| *v).collect() };

    with_timeout("consuming before the faults", 60, async {
        while consumed() < HALF / 3 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    harness.command("down 1").await;
    let before_move = consumed();
    // While the coordinator is down the members cannot heartbeat or
    // commit, but fetching from the other brokers goes on.
    with_timeout("consuming with the coordinator down", 60, async {
        while consumed() < before_move + 200 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    harness.command(&format!("coordinator {GROUP} 2")).await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    harness.command("up 1").await;
    with_timeout("producing the rest", 60, produce(HALF, 2 * HALF)).await;

    let expected: BTreeSet<usize> = (0..2 * HALF).collect();
    with_timeout("consuming everything through the faults", 120, async {
        while distinct() != expected {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    let who: BTreeSet<usize> = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, v)| *v >= HALF)
        .map(|(w, _)| *w)
        .collect();
    assert_eq!(
        who.len(),
        2,
        "both members consumed after the coordinator moved"
    );
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    for p in pollers {
        p.await.unwrap();
    }
    // Each member commits what it consumed before either closes, as an
    // at-least-once application would. Close alone would not do: the
    // first member's LeaveGroup starts a rebalance, and the mock refuses
    // the second member's commit on close with REBALANCE_IN_PROGRESS until
    // it ends (Kafka accepts commits of the current generation while a
    // rebalance waits for members to rejoin; Java and librdkafka give up
    // on that error at close too).
    for m in &members {
        m.commit_sync()
            .await
            .expect("the final commit, to the new coordinator");
    }
    for m in members {
        Arc::try_unwrap(m).expect("pollers ended").close().await;
    }
    let observer = member().await.unwrap();
    let partitions: Vec<TopicPartition> = (0..PARTITIONS)
        .map(|p| TopicPartition::new(TOPIC, p))
        .collect();
    let committed = observer.committed(&partitions).await.unwrap();
    for tp in &partitions {
        assert_eq!(
            committed.get(tp).map(|om| om.offset),
            Some((2 * HALF / PARTITIONS as usize) as i64),
            "{tp}: the final positions were committed to the new coordinator"
        );
    }
    producer.close().await;
    harness.quit().await;
}

/// The mock refuses commits while its group rebalances, so an eager
/// member's commit of the partitions it revokes to rejoin fails with
/// REBALANCE_IN_PROGRESS. That failure is about the generation the member
/// is leaving; once it has joined the next one it must not rejoin again
/// (every needless rebalance takes the mock most of a session timeout, and
/// the next one would leave the same kind of failure behind).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_refused_during_a_rebalance_causes_no_further_rebalance() {
    use futures::future::BoxFuture;
    use kctl_client::{Consumer, GroupHandle, OffsetReset, RebalanceListener, TopicPartition};

    /// The generations in which the member got partitions.
    #[derive(Default)]
    struct Generations(Mutex<Vec<i32>>);
    impl RebalanceListener for Generations {
        fn on_assigned<'a>(
            &'a self,
            group: &'a GroupHandle,
            partitions: &'a [TopicPartition],
        ) -> BoxFuture<'a, ()> {
            if !partitions.is_empty() {
                self.0.lock().unwrap().push(group.generation());
            }
            Box::pin(async {})
        }
    }

    let dir = tempfile::tempdir().unwrap();
    let Some(binary) = build_harness(dir.path()) else {
        return;
    };
    const TOPIC: &str = "mocks";
    let harness = Harness::start(&binary, TOPIC, 2).await;
    let bootstrap = harness.bootstrap.clone();
    let producer = ProducerConfig::new(bootstrap.split(','))
        .linger_ms(2)
        .build()
        .await
        .unwrap();
    for i in 0..100 {
        drop(
            producer
                .send(Record::new(TOPIC).partition(i % 2).value(b"v"))
                .await
                .unwrap(),
        );
    }
    producer.flush().await;

    let member = || async {
        let consumer = Consumer::builder(bootstrap.split(','))
            .group_id("g-stale")
            .auto_offset_reset(OffsetReset::Earliest)
            .fetch_max_wait_ms(100)
            .request_timeout_ms(3_000)
            .session_timeout_ms(6_000)
            .heartbeat_interval_ms(300)
            .build()
            .await
            .unwrap();
        let generations = Arc::new(Generations::default());
        consumer
            .set_rebalance_listener(generations.clone())
            .unwrap();
        consumer.subscribe([TOPIC]);
        (Arc::new(consumer), generations)
    };
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let consumed = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let keep_polling = |m: Arc<Consumer>| {
        let (done, consumed) = (Arc::clone(&done), Arc::clone(&consumed));
        tokio::spawn(async move {
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let records = m.poll(Duration::from_millis(100)).await.unwrap();
                consumed.fetch_add(records.len(), std::sync::atomic::Ordering::Relaxed);
            }
        })
    };
    let (first, first_generations) = member().await;
    let poll_first = keep_polling(Arc::clone(&first));
    // Positions to commit when the rebalance revokes the partitions.
    with_timeout("the first member consuming", 30, async {
        while consumed.load(std::sync::atomic::Ordering::Relaxed) == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;

    // The second member's join makes the group rebalance: the first one
    // hears of it by heartbeat and rejoins, its commit refused.
    let (second, second_generations) = member().await;
    let poll_second = keep_polling(Arc::clone(&second));
    let shared = with_timeout("a generation sharing the partitions", 40, async {
        loop {
            let second = second_generations.0.lock().unwrap().clone();
            if let Some(g) = first_generations
                .0
                .lock()
                .unwrap()
                .iter()
                .find(|g| second.contains(g))
            {
                return *g;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    // A member rejoining gives its partition up at once (eager), and the
    // other at its next heartbeat (every 300 ms).
    for _ in 0..60 {
        for (who, m) in [&first, &second].into_iter().enumerate() {
            assert_eq!(
                (m.group_membership().1, m.assignment().len()),
                (shared, 1),
                "member {who} left generation {shared}, which shared the partitions"
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    poll_first.await.unwrap();
    poll_second.await.unwrap();
    producer.close().await;
    harness.quit().await;
}
