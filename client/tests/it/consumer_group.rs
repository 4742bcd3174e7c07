//! Consumer groups against broker-lite's coordinator: sharing, a crashed
//! member, cooperative rebalances, restarts from committed offsets, and a
//! group shared with librdkafka (kcat).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use kctl_client::{
    Assignor, Consumer, ConsumerConfig, ConsumerRecord, ErrorCode, GroupHandle, OffsetAndMetadata,
    OffsetReset, Producer, ProducerConfig, RebalanceListener, Record, TopicPartition,
};
use tokio::time::Instant;

use crate::support::*;

pub(crate) type Offset = (TopicPartition, i64);

/// broker-lite whose groups form at once and accept short sessions, so a
/// crash is noticed in seconds.
pub(crate) async fn group_broker() -> TestBroker {
    TestBroker::start_with(false, |c| {
        c.group.initial_rebalance_delay_ms = 0;
        c.group.min_session_timeout_ms = 1_000;
    })
    .await
}

pub(crate) fn member_config(bootstrap: &str, group: &str) -> ConsumerConfig {
    Consumer::builder([bootstrap])
        .group_id(group)
        .auto_offset_reset(OffsetReset::Earliest)
        .fetch_max_wait_ms(100)
        .request_timeout_ms(10_000)
        .session_timeout_ms(6_000)
        .heartbeat_interval_ms(300)
}

pub(crate) async fn produce(bootstrap: &str, topic: &str, count: usize) {
    let producer: Producer = ProducerConfig::new([bootstrap])
        .linger_ms(5)
        .build()
        .await
        .unwrap();
    for i in 0..count {
        let key = format!("k{i}");
        drop(
            producer
                .send(Record::new(topic).key(key.as_bytes()).value(key.as_bytes()))
                .await
                .unwrap(),
        );
    }
    producer.flush().await;
    producer.close().await;
}

pub(crate) fn all_offsets(per_partition: &BTreeMap<i32, i64>, topic: &str) -> BTreeSet<Offset> {
    per_partition
        .iter()
        .flat_map(|(p, end)| (0..*end).map(move |o| (TopicPartition::new(topic, *p), o)))
        .collect()
}

pub(crate) async fn end_offsets(
    bootstrap: &str,
    topic: &str,
    partitions: i32,
) -> BTreeMap<i32, i64> {
    let client = client(bootstrap).await;
    let mut out = BTreeMap::new();
    for p in 0..partitions {
        out.insert(p, fetch_all(&client, topic, p).await.len() as i64);
    }
    out
}

/// Waits until the members' assignments are disjoint, non-empty and cover
/// `partitions` partitions, and every member is in the same generation.
pub(crate) async fn wait_stable(members: &[&Consumer], partitions: usize) {
    with_timeout("a stable group", 60, async {
        loop {
            let assignments: Vec<Vec<TopicPartition>> =
                members.iter().map(|m| m.assignment()).collect();
            let union: BTreeSet<&TopicPartition> = assignments.iter().flatten().collect();
            let total: usize = assignments.iter().map(Vec::len).sum();
            let generations: BTreeSet<i32> =
                members.iter().map(|m| m.group_membership().1).collect();
            if union.len() == partitions
                && total == partitions
                && assignments.iter().all(|a| !a.is_empty())
                && generations.len() == 1
            {
                // Still the same a moment later: no rebalance under way.
                tokio::time::sleep(Duration::from_millis(700)).await;
                let again: Vec<Vec<TopicPartition>> =
                    members.iter().map(|m| m.assignment()).collect();
                let generations_again: BTreeSet<i32> =
                    members.iter().map(|m| m.group_membership().1).collect();
                if again == assignments && generations_again == generations {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
}

pub(crate) fn key(r: &ConsumerRecord) -> Offset {
    (TopicPartition::new(&r.topic, r.partition), r.offset)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_members_share_eight_partitions_without_duplicates() {
    let broker = group_broker().await;
    let bootstrap = broker.bootstrap();
    create_topic(&client(&bootstrap).await, "shared", 8, 1).await;
    let mut members = Vec::new();
    for _ in 0..3 {
        let m = member_config(&bootstrap, "g-shared").build().await.unwrap();
        m.subscribe(["shared"]);
        members.push(Arc::new(m));
    }
    let refs: Vec<&Consumer> = members.iter().map(|m| m.as_ref()).collect();
    wait_stable(&refs, 8).await;
    for m in &members {
        let n = m.assignment().len();
        assert!((2..=3).contains(&n), "range gives 3, 3 and 2, got {n}");
    }

    const RECORDS: usize = 3_000;
    produce(&bootstrap, "shared", RECORDS).await;
    let expected = all_offsets(&end_offsets(&bootstrap, "shared", 8).await, "shared");
    assert_eq!(expected.len(), RECORDS);

    let seen: Arc<Mutex<Vec<Offset>>> = Arc::default();
    let tasks: Vec<_> = members
        .iter()
        .map(|m| {
            let (m, seen) = (Arc::clone(m), Arc::clone(&seen));
            tokio::spawn(async move {
                let deadline = Instant::now() + Duration::from_secs(60);
                while seen.lock().unwrap().len() < RECORDS && Instant::now() < deadline {
                    let records = m.poll(Duration::from_millis(100)).await.unwrap();
                    seen.lock().unwrap().extend(records.iter().map(key));
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    // A little longer: anything consumed twice would show up now.
    for m in &members {
        let late = m.poll(Duration::from_millis(300)).await.unwrap();
        seen.lock().unwrap().extend(late.iter().map(key));
    }
    let seen = seen.lock().unwrap().clone();
    let unique: BTreeSet<Offset> = seen.iter().cloned().collect();
    assert_eq!(seen.len(), unique.len(), "no record consumed twice");
    assert_eq!(unique, expected, "every record consumed");
    for m in members {
        Arc::try_unwrap(m).expect("no other owner").close().await;
    }
}

/// One member's view: what it consumed and what it committed.
#[derive(Default)]
pub(crate) struct Ledger {
    pub(crate) consumed: Vec<Offset>,
    pub(crate) committed: BTreeMap<TopicPartition, i64>,
}

/// Poll, record, commit: the at-least-once loop.
pub(crate) async fn at_least_once(
    consumer: Arc<Consumer>,
    ledger: Arc<Mutex<Ledger>>,
    done: Arc<tokio::sync::Notify>,
) {
    // Registered once, up front: `notify_waiters` then reaches this loop
    // even while it is committing rather than polling (a `notified()` made
    // per poll missed it there, and the test waited for the task forever).
    let stop = done.notified();
    tokio::pin!(stop);
    stop.as_mut().enable();
    loop {
        let records = tokio::select! {
            r = consumer.poll(Duration::from_millis(100)) => r.unwrap(),
            () = &mut stop => return,
        };
        if records.is_empty() {
            continue;
        }
        let mut next: BTreeMap<TopicPartition, OffsetAndMetadata> = BTreeMap::new();
        for r in &records {
            next.insert(
                TopicPartition::new(&r.topic, r.partition),
                OffsetAndMetadata::new(r.offset + 1),
            );
        }
        ledger
            .lock()
            .unwrap()
            .consumed
            .extend(records.iter().map(key));
        // A commit refused because the group is rebalancing is fine: the
        // records will be read again by whoever owns the partition next.
        if consumer.commit_offsets_sync(next.clone()).await.is_ok() {
            let mut l = ledger.lock().unwrap();
            for (tp, om) in next {
                l.committed.insert(tp, om.offset);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_member_s_partitions_move_and_nothing_is_lost() {
    let broker = group_broker().await;
    let bootstrap = broker.bootstrap();
    create_topic(&client(&bootstrap).await, "crash", 8, 1).await;
    let mut members = Vec::new();
    for _ in 0..3 {
        let m = member_config(&bootstrap, "g-crash")
            .enable_auto_commit(false)
            .session_timeout_ms(3_000)
            .max_poll_records(50)
            .build()
            .await
            .unwrap();
        m.subscribe(["crash"]);
        members.push(Arc::new(m));
    }
    {
        let refs: Vec<&Consumer> = members.iter().map(|m| m.as_ref()).collect();
        wait_stable(&refs, 8).await;
    }
    const RECORDS: usize = 4_000;
    produce(&bootstrap, "crash", RECORDS).await;
    let expected = all_offsets(&end_offsets(&bootstrap, "crash", 8).await, "crash");

    let ledgers: Vec<Arc<Mutex<Ledger>>> = (0..3).map(|_| Arc::default()).collect();
    let done = Arc::new(tokio::sync::Notify::new());
    let victim_partitions = members[2].assignment();
    let mut tasks = Vec::new();
    for (m, l) in members.drain(..).zip(&ledgers) {
        tasks.push(tokio::spawn(at_least_once(
            m,
            Arc::clone(l),
            Arc::clone(&done),
        )));
    }
    // Crash member 2 once it has consumed a little: its task (and with it
    // its only handle on the consumer) is aborted, so no LeaveGroup is sent.
    with_timeout("the victim consuming", 60, async {
        while ledgers[2].lock().unwrap().consumed.len() < 200 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    let victim = tasks.pop().unwrap();
    victim.abort();
    let _ = victim.await;
    let crashed_at = Instant::now();
    let (victim_consumed, victim_committed) = {
        let l = ledgers[2].lock().unwrap();
        (l.consumed.clone(), l.committed.clone())
    };

    let union = || -> BTreeSet<Offset> {
        ledgers
            .iter()
            .flat_map(|l| l.lock().unwrap().consumed.clone())
            .collect()
    };
    with_timeout("the survivors consuming everything", 90, async {
        while union() != expected {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(
        crashed_at.elapsed() >= Duration::from_millis(2_500),
        "the moved partitions were taken over only after the session timeout"
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
    let mut duplicates: Vec<Offset> = Vec::new();
    for pair in all.windows(2) {
        if pair[0] == pair[1] {
            duplicates.push(pair[0].clone());
        }
    }
    let victim_read: BTreeSet<&Offset> = victim_consumed.iter().collect();
    for (tp, offset) in &duplicates {
        assert!(
            victim_partitions.contains(tp),
            "{tp}@{offset} read twice but it never moved"
        );
        let committed = victim_committed.get(tp).copied().unwrap_or(0);
        assert!(
            *offset >= committed && victim_read.contains(&(tp.clone(), *offset)),
            "{tp}@{offset} read twice but the crashed member had committed up to {committed}"
        );
    }
    eprintln!(
        "{} duplicates, all in the crashed member's partitions after its last commit",
        duplicates.len()
    );
}

#[derive(Default)]
pub(crate) struct Recorder {
    pub(crate) revoked: Mutex<Vec<Vec<TopicPartition>>>,
    pub(crate) assigned: Mutex<Vec<Vec<TopicPartition>>>,
    pub(crate) lost: Mutex<Vec<Vec<TopicPartition>>>,
}

impl RebalanceListener for Recorder {
    fn on_assigned<'a>(&'a self, _: &'a GroupHandle, p: &'a [TopicPartition]) -> BoxFuture<'a, ()> {
        self.assigned.lock().unwrap().push(p.to_vec());
        Box::pin(async {})
    }
    fn on_revoked<'a>(&'a self, _: &'a GroupHandle, p: &'a [TopicPartition]) -> BoxFuture<'a, ()> {
        self.revoked.lock().unwrap().push(p.to_vec());
        Box::pin(async {})
    }
    fn on_lost<'a>(&'a self, _: &'a GroupHandle, p: &'a [TopicPartition]) -> BoxFuture<'a, ()> {
        self.lost.lock().unwrap().push(p.to_vec());
        Box::pin(async {})
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cooperative_sticky_revokes_only_the_partitions_that_move() {
    let broker = group_broker().await;
    let bootstrap = broker.bootstrap();
    create_topic(&client(&bootstrap).await, "coop", 8, 1).await;
    let start = |recorder: Arc<Recorder>| {
        let bootstrap = bootstrap.clone();
        async move {
            let m = member_config(&bootstrap, "g-coop")
                .assignors([Assignor::CooperativeSticky])
                .build()
                .await
                .unwrap();
            m.set_rebalance_listener(recorder).unwrap();
            m.subscribe(["coop"]);
            m
        }
    };
    let recorders: Vec<Arc<Recorder>> = (0..3).map(|_| Arc::default()).collect();
    let a = start(Arc::clone(&recorders[0])).await;
    let b = start(Arc::clone(&recorders[1])).await;
    wait_stable(&[&a, &b], 8).await;
    let before = [a.assignment(), b.assignment()];
    assert_eq!((before[0].len(), before[1].len()), (4, 4));
    let revocations_before = [
        recorders[0].revoked.lock().unwrap().len(),
        recorders[1].revoked.lock().unwrap().len(),
    ];

    let c = start(Arc::clone(&recorders[2])).await;
    wait_stable(&[&a, &b, &c], 8).await;
    let after = [a.assignment(), b.assignment()];
    let mut moved = 0;
    for i in 0..2 {
        let stayed: BTreeSet<&TopicPartition> = before[i]
            .iter()
            .filter(|tp| after[i].contains(tp))
            .collect();
        let revoked: Vec<TopicPartition> = recorders[i].revoked.lock().unwrap()
            [revocations_before[i]..]
            .iter()
            .flatten()
            .cloned()
            .collect();
        for tp in &revoked {
            assert!(
                !stayed.contains(tp),
                "member {i} revoked {tp}, which it kept"
            );
        }
        assert!(after[i].iter().all(|tp| before[i].contains(tp)), "sticky");
        moved += revoked.len();
        assert!(recorders[i].lost.lock().unwrap().is_empty());
    }
    let c_has = c.assignment();
    assert!((2..=3).contains(&c_has.len()), "c got {c_has:?}");
    assert_eq!(
        moved,
        c_has.len(),
        "exactly the partitions c got were revoked"
    );
    let c_assigned: BTreeSet<TopicPartition> = recorders[2]
        .assigned
        .lock()
        .unwrap()
        .iter()
        .flatten()
        .cloned()
        .collect();
    assert_eq!(c_assigned, c_has.iter().cloned().collect());
    for m in [a, b, c] {
        m.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_member_resumes_from_committed_offsets() {
    let broker = group_broker().await;
    let bootstrap = broker.bootstrap();
    create_topic(&client(&bootstrap).await, "resume", 2, 1).await;
    produce(&bootstrap, "resume", 1_000).await;
    let ends = end_offsets(&bootstrap, "resume", 2).await;

    let first = member_config(&bootstrap, "g-resume")
        .enable_auto_commit(false)
        .max_poll_records(100)
        .build()
        .await
        .unwrap();
    first.subscribe(["resume"]);
    let mut consumed: Vec<Offset> = Vec::new();
    with_timeout("consuming half", 60, async {
        while consumed.len() < 500 {
            consumed.extend(
                first
                    .poll(Duration::from_millis(100))
                    .await
                    .unwrap()
                    .iter()
                    .map(key),
            );
        }
    })
    .await;
    let mut positions: BTreeMap<TopicPartition, OffsetAndMetadata> = BTreeMap::new();
    for (tp, offset) in &consumed {
        positions.insert(
            tp.clone(),
            OffsetAndMetadata::with_metadata(offset + 1, format!("after {offset}")),
        );
    }
    first.commit_offsets_sync(positions.clone()).await.unwrap();
    let partitions: Vec<TopicPartition> =
        (0..2).map(|p| TopicPartition::new("resume", p)).collect();
    assert_eq!(
        first.committed(&partitions).await.unwrap(),
        positions,
        "metadata kept"
    );
    first.close().await;

    let second = member_config(&bootstrap, "g-resume").build().await.unwrap();
    second.subscribe(["resume"]);
    let remaining: usize = ends.values().sum::<i64>() as usize
        - positions
            .values()
            .map(|om| om.offset as usize)
            .sum::<usize>();
    let mut resumed: Vec<Offset> = Vec::new();
    with_timeout("consuming the rest", 60, async {
        while resumed.len() < remaining {
            resumed.extend(
                second
                    .poll(Duration::from_millis(100))
                    .await
                    .unwrap()
                    .iter()
                    .map(key),
            );
        }
    })
    .await;
    for tp in &partitions {
        let from = positions.get(tp).map_or(0, |om| om.offset);
        let first_read = resumed
            .iter()
            .filter(|(t, _)| t == tp)
            .map(|(_, o)| *o)
            .min();
        if from < ends[&tp.partition] {
            assert_eq!(
                first_read,
                Some(from),
                "{tp} resumes at the committed offset"
            );
        }
    }
    assert_eq!(
        resumed.len(),
        remaining,
        "nothing before the committed offsets"
    );
    // Closing with auto-commit on commits the positions.
    second.close().await;
    // A consumer that never joins can still read the group's offsets.
    let observer = member_config(&bootstrap, "g-resume").build().await.unwrap();
    let committed = observer.committed(&partitions).await.unwrap();
    for tp in &partitions {
        assert_eq!(
            committed[tp].offset, ends[&tp.partition],
            "{tp} committed on close"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_shared_with_librdkafka_roundrobin_led_by_us() {
    mixed_group(Assignor::RoundRobin, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_shared_with_librdkafka_cooperative_sticky_led_by_librdkafka() {
    mixed_group(Assignor::CooperativeSticky, true).await;
}

/// Two of our members and one kcat (librdkafka) in one group with a
/// common assignor; the leader is ours, or kcat's when `kcat_first`.
async fn mixed_group(assignor: Assignor, kcat_first: bool) {
    let Some(kcat) = kcat() else { return };
    let broker = group_broker().await;
    let bootstrap = broker.bootstrap();
    create_topic(&client(&bootstrap).await, "mixed", 8, 1).await;
    let strategy = format!("partition.assignment.strategy={}", assignor.name());
    let join_ours = || async {
        let mut v = Vec::new();
        for _ in 0..2 {
            let m = member_config(&bootstrap, "g-mixed")
                .assignors([assignor])
                .session_timeout_ms(10_000)
                .build()
                .await
                .unwrap();
            m.subscribe(["mixed"]);
            v.push(Arc::new(m));
        }
        v
    };
    let mut ours: Vec<Arc<Consumer>> = Vec::new();
    if !kcat_first {
        ours = join_ours().await;
    }
    let mut child = tokio::process::Command::new(&kcat)
        .args([
            "-b",
            &bootstrap,
            "-G",
            "g-mixed",
            "-X",
            &strategy,
            "-X",
            "auto.offset.reset=earliest",
            "-X",
            "session.timeout.ms=10000",
            "-q",
            "-u",
            "-f",
            "%t %p %o\\n",
            "mixed",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let kcat_seen: Arc<Mutex<Vec<Offset>>> = Arc::default();
    let reader = {
        let kcat_seen = Arc::clone(&kcat_seen);
        tokio::spawn(async move {
            use tokio::io::AsyncBufReadExt;
            let mut lines = tokio::io::BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let parts: Vec<&str> = line.split_whitespace().collect();
                if let [t, p, o] = parts[..] {
                    kcat_seen.lock().unwrap().push((
                        TopicPartition::new(t, p.parse().unwrap()),
                        o.parse().unwrap(),
                    ));
                }
            }
        })
    };
    if kcat_first {
        // kcat leads once it is consuming alone; then ours join.
        produce(&bootstrap, "mixed", 100).await;
        with_timeout("kcat consuming alone", 60, async {
            while kcat_seen.lock().unwrap().is_empty() {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await;
        ours = join_ours().await;
    }
    // All three are in once our members hold some but not all partitions.
    with_timeout("kcat joining the group", 60, async {
        loop {
            let held: usize = ours.iter().map(|m| m.assignment().len()).sum();
            let generations: BTreeSet<i32> = ours.iter().map(|m| m.group_membership().1).collect();
            if held > 0 && held < 8 && generations.len() == 1 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;

    const RECORDS: usize = 2_000;
    produce(&bootstrap, "mixed", RECORDS).await;
    let expected = all_offsets(&end_offsets(&bootstrap, "mixed", 8).await, "mixed");
    let ours_seen: Arc<Mutex<Vec<Offset>>> = Arc::default();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let pollers: Vec<_> = ours
        .iter()
        .map(|m| {
            let (m, seen, done) = (Arc::clone(m), Arc::clone(&ours_seen), Arc::clone(&done));
            tokio::spawn(async move {
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    let records = m.poll(Duration::from_millis(100)).await.unwrap();
                    seen.lock().unwrap().extend(records.iter().map(key));
                }
            })
        })
        .collect();
    let union = || -> BTreeSet<Offset> {
        let mut u: BTreeSet<Offset> = ours_seen.lock().unwrap().iter().cloned().collect();
        u.extend(kcat_seen.lock().unwrap().iter().cloned());
        u
    };
    with_timeout("the mixed group consuming everything", 90, async {
        while union() != expected {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    for p in pollers {
        p.await.unwrap();
    }
    assert!(
        !kcat_seen.lock().unwrap().is_empty(),
        "kcat consumed its share"
    );
    assert!(
        !ours_seen.lock().unwrap().is_empty(),
        "our members consumed theirs"
    );
    let _ = child.kill().await;
    reader.abort();
}

/// Polls `consumer` until `done` is set, so its poll timeout never fires.
fn keep_polling(
    consumer: Arc<Consumer>,
    done: Arc<std::sync::atomic::AtomicBool>,
) -> tokio::task::JoinHandle<Vec<kctl_client::Error>> {
    tokio::spawn(async move {
        let mut errors = Vec::new();
        while !done.load(std::sync::atomic::Ordering::Relaxed) {
            if let Err(e) = consumer.poll(Duration::from_millis(100)).await {
                errors.push(e);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        errors
    })
}

/// Takes its time in `on_revoked` (longer than the rebalance timeout), then
/// tries to commit: the group has moved on without it.
#[derive(Default)]
struct SlowToRevoke {
    commit_results: Mutex<Vec<kctl_client::Result<()>>>,
    slow: std::sync::atomic::AtomicBool,
}

impl RebalanceListener for SlowToRevoke {
    fn on_revoked<'a>(
        &'a self,
        group: &'a GroupHandle,
        partitions: &'a [TopicPartition],
    ) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if self.slow.swap(false, std::sync::atomic::Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(4_000)).await;
                let result = group.commit_positions(partitions).await;
                self.commit_results.lock().unwrap().push(result);
            }
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_from_a_generation_the_group_left_fails_with_a_typed_error() {
    let broker = group_broker().await;
    let bootstrap = broker.bootstrap();
    create_topic(&client(&bootstrap).await, "late", 8, 1).await;
    produce(&bootstrap, "late", 200).await;
    let config = || {
        member_config(&bootstrap, "g-late")
            .assignors([Assignor::Range])
            .max_poll_interval_ms(2_000)
    };
    let listener = Arc::new(SlowToRevoke::default());
    let a = Arc::new(config().build().await.unwrap());
    a.set_rebalance_listener(listener.clone()).unwrap();
    a.subscribe(["late"]);
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let poll_a = keep_polling(Arc::clone(&a), Arc::clone(&done));
    wait_stable(&[&a], 8).await;
    let (_, first_generation) = a.group_membership();

    // A second member makes the group rebalance; `a` stays in on_revoked
    // past the rebalance timeout, so the group goes on without it.
    listener
        .slow
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let b = Arc::new(config().build().await.unwrap());
    b.subscribe(["late"]);
    let poll_b = keep_polling(Arc::clone(&b), Arc::clone(&done));
    with_timeout("the late commit", 60, async {
        while listener.commit_results.lock().unwrap().is_empty() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    let result = listener.commit_results.lock().unwrap().remove(0);
    let code = result
        .expect_err("the group moved on; the commit must fail")
        .code();
    assert!(
        matches!(
            code,
            Some(
                ErrorCode::RebalanceInProgress
                    | ErrorCode::IllegalGeneration
                    | ErrorCode::UnknownMemberId
            )
        ),
        "a typed generation error, got {code:?}"
    );
    // And `a` finds its way back into the group.
    wait_stable(&[&a, &b], 8).await;
    assert!(a.group_membership().1 > first_generation);
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(poll_a.await.unwrap().is_empty());
    assert!(poll_b.await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_that_stops_polling_leaves_and_rejoins_when_it_polls_again() {
    let broker = group_broker().await;
    let bootstrap = broker.bootstrap();
    create_topic(&client(&bootstrap).await, "idle", 8, 1).await;
    let config = || member_config(&bootstrap, "g-idle").max_poll_interval_ms(2_000);
    let recorder = Arc::new(Recorder::default());
    let idle = Arc::new(config().build().await.unwrap());
    idle.set_rebalance_listener(recorder.clone()).unwrap();
    idle.subscribe(["idle"]);
    let busy = Arc::new(config().build().await.unwrap());
    busy.subscribe(["idle"]);
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let poll_busy = keep_polling(Arc::clone(&busy), Arc::clone(&done));
    // `idle` polls only until the group is stable, then stops.
    let stop_idle = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let poll_idle = keep_polling(Arc::clone(&idle), Arc::clone(&stop_idle));
    wait_stable(&[&idle, &busy], 8).await;
    stop_idle.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(poll_idle.await.unwrap().is_empty());

    with_timeout("the idle member leaving", 60, async {
        while busy.assignment().len() < 8 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    assert!(
        idle.assignment().is_empty(),
        "the idle member gave its partitions up"
    );
    assert_eq!(
        recorder.lost.lock().unwrap().len(),
        1,
        "lost, not revoked: it was not there to commit"
    );

    let poll_idle = keep_polling(Arc::clone(&idle), Arc::clone(&done));
    wait_stable(&[&idle, &busy], 8).await;
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(poll_idle.await.unwrap().is_empty());
    assert!(poll_busy.await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_static_member_replaced_under_its_instance_id_is_fenced() {
    let broker = group_broker().await;
    let bootstrap = broker.bootstrap();
    create_topic(&client(&bootstrap).await, "static", 4, 1).await;
    let config = || member_config(&bootstrap, "g-static").group_instance_id("instance-1");
    let first = Arc::new(config().build().await.unwrap());
    first.subscribe(["static"]);
    wait_stable(&[&first], 4).await;
    let (first_id, _) = first.group_membership();

    let second = config().build().await.unwrap();
    second.subscribe(["static"]);
    wait_stable(&[&second], 4).await;
    assert_ne!(second.group_membership().0, first_id, "a new member id");

    // The first one's next heartbeat is fenced; its polls say so.
    let error = with_timeout("the fencing", 60, async {
        loop {
            if let Err(e) = first.poll(Duration::from_millis(100)).await {
                return e;
            }
        }
    })
    .await;
    assert_eq!(error.code(), Some(ErrorCode::FencedInstanceId), "{error}");
    assert!(first.assignment().is_empty());
    assert_eq!(second.assignment().len(), 4);
}

/// Partitions added to a topic after the leader cached its metadata: the
/// next rebalance shares them all out, not only those the cache knew.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_leader_assigns_partitions_added_since_it_cached_the_metadata() {
    use kctl_client::ClientConfig;
    use kctl_client::admin::{Admin, AdminConfig, NewPartitions};

    let broker = group_broker().await;
    let bootstrap = broker.bootstrap();
    create_topic(&client(&bootstrap).await, "grown", 2, 1).await;
    let config = || member_config(&bootstrap, "g-grown").assignors([Assignor::Range]);
    let leader = Arc::new(config().build().await.unwrap());
    leader.subscribe(["grown"]);
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let poll_leader = keep_polling(Arc::clone(&leader), Arc::clone(&done));
    wait_stable(&[&leader], 2).await;

    // The first member stays the leader (Kafka keeps a rejoining leader);
    // its cached metadata (refreshed every metadata.max.age.ms, five
    // minutes) still says two partitions when the next member joins.
    let admin = Admin::connect(
        ClientConfig::new([bootstrap.clone()]),
        AdminConfig::default(),
    )
    .await
    .unwrap();
    let grown = admin
        .create_partitions(&[NewPartitions::increase_to("grown", 6)], false)
        .await
        .unwrap();
    assert!(grown[0].result.is_ok(), "{:?}", grown[0].result);
    let follower = Arc::new(config().build().await.unwrap());
    follower.subscribe(["grown"]);
    let poll_follower = keep_polling(Arc::clone(&follower), Arc::clone(&done));
    wait_stable(&[&leader, &follower], 6).await;
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(poll_leader.await.unwrap().is_empty());
    assert!(poll_follower.await.unwrap().is_empty());
}
