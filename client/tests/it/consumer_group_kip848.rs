//! Our consumer with `group.protocol=consumer` (KIP-848) against
//! broker-lite's coordinator: three members on eight partitions, a fourth
//! joins, one is killed, and every record is consumed — at least once, with
//! duplicates only after the killed member's last commit.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use kctl_client::{
    Consumer, ConsumerConfig, ErrorCode, GroupHandle, GroupProtocol, RebalanceListener,
    TopicPartition,
};
use tokio::time::Instant;

use crate::consumer_group::{
    Ledger, Offset, Recorder, all_offsets, at_least_once, end_offsets, member_config, produce,
    wait_stable,
};
use crate::support::*;

/// broker-lite whose consumer-protocol sessions end after 3 s and whose
/// members heartbeat every 300 ms, so a crash is noticed in seconds.
pub(crate) async fn kip848_broker() -> TestBroker {
    TestBroker::start_with(false, |c| {
        c.group.consumer_session_timeout_ms = 3_000;
        c.group.consumer_heartbeat_interval_ms = 300;
    })
    .await
}

fn kip848_member(bootstrap: &str, group: &str) -> ConsumerConfig {
    member_config(bootstrap, group)
        .group_protocol(GroupProtocol::Consumer)
        .enable_auto_commit(false)
        .max_poll_records(50)
}

/// Commits the positions of revoked partitions before they go, as a Java
/// application's `onPartitionsRevoked` does, so the next owner starts
/// where this one stopped.
pub(crate) struct CommitOnRevoke;

impl RebalanceListener for CommitOnRevoke {
    fn on_revoked<'a>(&'a self, g: &'a GroupHandle, p: &'a [TopicPartition]) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if let Err(error) = g.commit_positions(p).await {
                eprintln!("commit on revoke failed: {error}");
            }
        })
    }
}

pub(crate) async fn started(bootstrap: &str, group: &str, topic: &str) -> Arc<Consumer> {
    let m = kip848_member(bootstrap, group).build().await.unwrap();
    m.set_rebalance_listener(Arc::new(CommitOnRevoke)).unwrap();
    m.subscribe([topic]);
    Arc::new(m)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_members_then_a_fourth_joins_and_one_is_killed_and_nothing_is_lost() {
    let broker = kip848_broker().await;
    let bootstrap = broker.bootstrap();
    create_topic(&client(&bootstrap).await, "kip848", 8, 1).await;
    let mut members = Vec::new();
    for _ in 0..3 {
        members.push(started(&bootstrap, "g-kip848", "kip848").await);
    }
    {
        let refs: Vec<&Consumer> = members.iter().map(|m| m.as_ref()).collect();
        wait_stable(&refs, 8).await;
        let mut sizes: Vec<usize> = refs.iter().map(|m| m.assignment().len()).collect();
        sizes.sort_unstable();
        assert_eq!(sizes, vec![2, 3, 3], "uniform gives 3, 3 and 2");
    }
    // Half the records before, half after the kill: the killed member's
    // share of the second half can only be read once its session expired.
    const RECORDS: usize = 3_000;
    produce(&bootstrap, "kip848", RECORDS).await;

    let ledgers: Vec<Arc<Mutex<Ledger>>> = (0..4).map(|_| Arc::default()).collect();
    let done = Arc::new(tokio::sync::Notify::new());
    let victim = Arc::downgrade(&members[2]);
    let mut tasks = Vec::new();
    for (m, l) in members.drain(..).zip(&ledgers) {
        tasks.push(tokio::spawn(at_least_once(
            m,
            Arc::clone(l),
            Arc::clone(&done),
        )));
    }
    let consumed = |i: usize| ledgers[i].lock().unwrap().consumed.len();
    with_timeout("the first members consuming", 60, async {
        while consumed(0) + consumed(1) + consumed(2) < 600 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;

    // A fourth member joins: it gets partitions only as others revoke them.
    let fourth = started(&bootstrap, "g-kip848", "kip848").await;
    let fourth_weak = Arc::downgrade(&fourth);
    tasks.push(tokio::spawn(at_least_once(
        fourth,
        Arc::clone(&ledgers[3]),
        Arc::clone(&done),
    )));
    with_timeout("the fourth member getting partitions", 60, async {
        while fourth_weak
            .upgrade()
            .is_none_or(|m| m.assignment().len() < 2)
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;

    // Kill member 2: its task (and its only strong handle on the consumer)
    // is aborted, so it never leaves; its session has to expire.
    let victim_partitions: BTreeSet<TopicPartition> = victim
        .upgrade()
        .map(|m| m.assignment().into_iter().collect())
        .unwrap_or_default();
    assert!(!victim_partitions.is_empty());
    let killed = tasks.remove(2);
    killed.abort();
    let _ = killed.await;
    let crashed_at = Instant::now();
    let (victim_consumed, victim_committed) = {
        let l = ledgers[2].lock().unwrap();
        (l.consumed.clone(), l.committed.clone())
    };
    produce(&bootstrap, "kip848", RECORDS).await;
    let expected = all_offsets(&end_offsets(&bootstrap, "kip848", 8).await, "kip848");
    assert_eq!(expected.len(), 2 * RECORDS);

    let union = || -> BTreeSet<Offset> {
        ledgers
            .iter()
            .flat_map(|l| l.lock().unwrap().consumed.clone())
            .collect()
    };
    with_timeout("the survivors consuming everything", 120, async {
        while union() != expected {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    let took_over_after = crashed_at.elapsed();
    assert!(
        took_over_after >= Duration::from_millis(2_500),
        "the killed member's partitions moved only after its session timeout ({took_over_after:?})"
    );
    done.notify_waiters();
    for t in tasks {
        let _ = t.await;
    }

    let mut all: Vec<Offset> = ledgers
        .iter()
        .flat_map(|l| l.lock().unwrap().consumed.clone())
        .collect();
    all.sort();
    let duplicates: Vec<Offset> = all
        .windows(2)
        .filter(|pair| pair[0] == pair[1])
        .map(|pair| pair[0].clone())
        .collect();
    let victim_read: BTreeSet<&Offset> = victim_consumed.iter().collect();
    for (tp, offset) in &duplicates {
        assert!(
            victim_partitions.contains(tp),
            "{tp}@{offset} read twice but the killed member did not own it"
        );
        let committed = victim_committed.get(tp).copied().unwrap_or(0);
        assert!(
            *offset >= committed && victim_read.contains(&(tp.clone(), *offset)),
            "{tp}@{offset} read twice but the killed member had committed up to {committed}"
        );
    }
    eprintln!(
        "{} duplicates, all in the killed member's partitions after its last commit; everything consumed {:?} after the kill",
        duplicates.len(),
        took_over_after
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocations_reach_the_listener_before_the_new_owner_gets_the_partitions() {
    let broker = kip848_broker().await;
    let bootstrap = broker.bootstrap();
    create_topic(&client(&bootstrap).await, "kip848-l", 4, 1).await;
    let recorder = Arc::new(Recorder::default());
    let first = kip848_member(&bootstrap, "g-kip848-l")
        .group_remote_assignor("range")
        .build()
        .await
        .unwrap();
    first
        .set_rebalance_listener(Arc::clone(&recorder) as Arc<dyn RebalanceListener>)
        .unwrap();
    first.subscribe(["kip848-l"]);
    wait_stable(&[&first], 4).await;
    assert_eq!(recorder.assigned.lock().unwrap().concat().len(), 4);
    let (member_id, epoch) = first.group_membership();
    assert!(!member_id.is_empty());
    assert!(epoch >= 1);

    let second = kip848_member(&bootstrap, "g-kip848-l")
        .group_remote_assignor("range")
        .build()
        .await
        .unwrap();
    second.subscribe(["kip848-l"]);
    wait_stable(&[&first, &second], 4).await;
    // Range: the member ids decide who gets 0-1 and who 2-3; either way
    // the first member revoked exactly the two it lost, incrementally.
    let revoked: Vec<TopicPartition> = recorder.revoked.lock().unwrap().concat();
    assert_eq!(revoked.len(), 2, "{revoked:?}");
    assert!(revoked.iter().all(|tp| second.assignment().contains(tp)));
    assert!(recorder.lost.lock().unwrap().is_empty());
    let kept = first.assignment();
    assert_eq!(kept.len(), 2);
    second.close().await;
    wait_stable(&[&first], 4).await;
    first.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_static_member_that_is_still_there_keeps_its_instance_id() {
    let broker = kip848_broker().await;
    let bootstrap = broker.bootstrap();
    create_topic(&client(&bootstrap).await, "kip848-s", 2, 1).await;
    let first = kip848_member(&bootstrap, "g-kip848-s")
        .group_instance_id("instance-1")
        .build()
        .await
        .unwrap();
    first.subscribe(["kip848-s"]);
    wait_stable(&[&first], 2).await;
    let second = kip848_member(&bootstrap, "g-kip848-s")
        .group_instance_id("instance-1")
        .build()
        .await
        .unwrap();
    second.subscribe(["kip848-s"]);
    let error = with_timeout("the duplicate instance failing", 30, async {
        loop {
            match second.poll(Duration::from_millis(100)).await {
                Err(e) => return e,
                Ok(_) => continue,
            }
        }
    })
    .await;
    assert_eq!(
        error.code(),
        Some(ErrorCode::UnreleasedInstanceId),
        "{error}"
    );
    assert_eq!(first.assignment().len(), 2);
    first.close().await;
}

/// A librdkafka member (confluent-kafka, `group.protocol=consumer`) that
/// prints what it consumes and commits after each batch.
const CONFLUENT_MEMBER: &str = r#"
import sys, threading
from confluent_kafka import Consumer
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": sys.argv[2], "group.protocol": "consumer",
              "auto.offset.reset": "earliest", "enable.auto.commit": False})
c.subscribe([sys.argv[3]])
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
while not stop.is_set():
    msgs = c.consume(100, 0.1)
    good = [m for m in msgs if m.error() is None]
    for m in good:
        print("REC %d %d" % (m.partition(), m.offset()), flush=True)
    print("OWNS %d" % len(c.assignment()), flush=True)
    if good:
        c.commit(asynchronous=False)
c.close()
"#;

/// Our members and librdkafka's in one KIP-848 group: the broker assigns
/// across both, and every record is consumed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_protocol_group_shared_with_librdkafka() {
    use tokio::io::AsyncBufReadExt;
    let Some(python) = python() else { return };
    let broker = kip848_broker().await;
    let bootstrap = broker.bootstrap();
    create_topic(&client(&bootstrap).await, "kip848-mixed", 6, 1).await;
    produce(&bootstrap, "kip848-mixed", 1_200).await;
    let expected = all_offsets(
        &end_offsets(&bootstrap, "kip848-mixed", 6).await,
        "kip848-mixed",
    );
    let mut child = tokio::process::Command::new(python)
        .args([
            "-c",
            CONFLUENT_MEMBER,
            &bootstrap,
            "g-kip848-mixed",
            "kip848-mixed",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let seen: Arc<Mutex<Vec<Offset>>> = Arc::default();
    let confluent_owns = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let reader = tokio::spawn({
        let (seen, owns) = (Arc::clone(&seen), Arc::clone(&confluent_owns));
        async move {
            while let Ok(Some(line)) = lines.next_line().await {
                let parts: Vec<&str> = line.split(' ').collect();
                match parts.as_slice() {
                    ["REC", p, o] => seen.lock().unwrap().push((
                        TopicPartition::new("kip848-mixed", p.parse().unwrap()),
                        o.parse().unwrap(),
                    )),
                    ["OWNS", n] => {
                        owns.store(n.parse().unwrap(), std::sync::atomic::Ordering::Relaxed)
                    }
                    _ => {}
                }
            }
        }
    });
    let ours: Vec<Arc<Consumer>> = vec![
        started(&bootstrap, "g-kip848-mixed", "kip848-mixed").await,
        started(&bootstrap, "g-kip848-mixed", "kip848-mixed").await,
    ];
    let ours_owned_some = Arc::new(Mutex::new([false, false]));
    with_timeout("every record consumed by the mixed group", 90, async {
        loop {
            for (i, m) in ours.iter().enumerate() {
                let records = m.poll(Duration::from_millis(50)).await.unwrap();
                if !m.assignment().is_empty() {
                    ours_owned_some.lock().unwrap()[i] = true;
                }
                seen.lock().unwrap().extend(
                    records
                        .iter()
                        .map(|r| (TopicPartition::new(&r.topic, r.partition), r.offset)),
                );
                if !records.is_empty() {
                    m.commit_sync().await.unwrap();
                }
            }
            let unique: BTreeSet<Offset> = seen.lock().unwrap().iter().cloned().collect();
            let owns = confluent_owns.load(std::sync::atomic::Ordering::Relaxed);
            if unique == expected && owns > 0 && *ours_owned_some.lock().unwrap() == [true, true] {
                break;
            }
        }
    })
    .await;
    // The three members settle on sharing the six partitions.
    with_timeout("the shares adding up to six", 30, async {
        loop {
            for m in &ours {
                let _ = m.poll(Duration::from_millis(20)).await.unwrap();
            }
            let total: usize = ours.iter().map(|m| m.assignment().len()).sum::<usize>()
                + confluent_owns.load(std::sync::atomic::Ordering::Relaxed);
            if total == 6 {
                break;
            }
        }
    })
    .await;
    drop(child.stdin.take());
    let _ = with_timeout("librdkafka closing", 30, child.wait()).await;
    reader.abort();
    for m in ours {
        Arc::try_unwrap(m).expect("one owner").close().await;
    }
}

/// Our KIP-848 members and Kafka's Java consumer (kafka-clients 4.2,
/// `group.protocol=consumer`) in one group on broker-lite: the coordinator
/// assigns across both, each gets partitions, and every record is consumed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_protocol_group_shared_with_the_java_consumer() {
    use tokio::io::AsyncBufReadExt;
    let Some(target) = tokio::task::spawn_blocking(java_client_check)
        .await
        .unwrap()
    else {
        return;
    };
    let broker = kip848_broker().await;
    let bootstrap = broker.bootstrap();
    create_topic(&client(&bootstrap).await, "kip848-java", 6, 1).await;
    produce(&bootstrap, "kip848-java", 1_200).await;
    let expected = all_offsets(
        &end_offsets(&bootstrap, "kip848-java", 6).await,
        "kip848-java",
    );
    let mut child = tokio::process::Command::new("java")
        .args(["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp"])
        .arg(format!(
            "{}:{}/lib/*",
            target.join("java-client-check-1.jar").display(),
            target.display()
        ))
        .args([
            "dev.kctl.interop.JavaClientCheck",
            &bootstrap,
            "consumer-protocol-member",
            "g-kip848-java",
            "kip848-java",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let seen: Arc<Mutex<Vec<Offset>>> = Arc::default();
    let java_owns = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let reader = tokio::spawn({
        let (seen, owns) = (Arc::clone(&seen), Arc::clone(&java_owns));
        async move {
            while let Ok(Some(line)) = lines.next_line().await {
                let parts: Vec<&str> = line.split(' ').collect();
                match parts.as_slice() {
                    ["REC", p, o] => seen.lock().unwrap().push((
                        TopicPartition::new("kip848-java", p.parse().unwrap()),
                        o.parse().unwrap(),
                    )),
                    ["OWNS", n] => {
                        owns.store(n.parse().unwrap(), std::sync::atomic::Ordering::Relaxed)
                    }
                    _ => {}
                }
            }
        }
    });
    let ours = started(&bootstrap, "g-kip848-java", "kip848-java").await;
    let mut ours_owned_some = false;
    with_timeout("every record consumed by the mixed group", 90, async {
        loop {
            let records = ours.poll(Duration::from_millis(50)).await.unwrap();
            ours_owned_some |= !ours.assignment().is_empty();
            seen.lock().unwrap().extend(
                records
                    .iter()
                    .map(|r| (TopicPartition::new(&r.topic, r.partition), r.offset)),
            );
            if !records.is_empty() {
                ours.commit_sync().await.unwrap();
            }
            let unique: BTreeSet<Offset> = seen.lock().unwrap().iter().cloned().collect();
            let owns = java_owns.load(std::sync::atomic::Ordering::Relaxed);
            if unique == expected && owns > 0 && ours_owned_some {
                break;
            }
        }
    })
    .await;
    // The two settle on sharing the six partitions, three each (uniform).
    with_timeout("the shares adding up to six", 30, async {
        loop {
            let _ = ours.poll(Duration::from_millis(20)).await.unwrap();
            let java = java_owns.load(std::sync::atomic::Ordering::Relaxed);
            if ours.assignment().len() + java == 6 && java == 3 {
                break;
            }
        }
    })
    .await;
    drop(child.stdin.take());
    let status = with_timeout("the Java consumer closing", 30, child.wait())
        .await
        .unwrap();
    assert!(status.success(), "the Java consumer failed: {status}");
    reader.abort();
    Arc::try_unwrap(ours).expect("one owner").close().await;
}
