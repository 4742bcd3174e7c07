//! kill -9 of broker-lite in the middle of a three-member share-group run
//! on one partition (issue 13's "Crash"), with our `ShareConsumer`s, which
//! ride out the restart on the same data directory and port (reconnect, a
//! new share session, a rejoin when the heartbeat gets UNKNOWN_MEMBER_ID).
//!
//! The three members acknowledge three ways: implicitly (the next poll
//! accepts), explicitly with `commit_sync`, and explicitly with
//! `commit_async`. Every delivery and every answer to an ACCEPT is
//! journaled; at the end:
//!
//! - nothing accepted is delivered again: an offset is confirmed accepted
//!   at most once, and only on its last delivery;
//! - delivery counts survive the kill: the deliveries of one offset carry
//!   distinct counts (a count reset to 0 by a restart would repeat one);
//! - nothing unaccepted is lost: the group's start offset reaches the log
//!   end with no record rejected or past the delivery limit, and every
//!   offset's last delivery was accepted (or its ACCEPT was on the wire
//!   when the broker died, the one answer nobody can know);
//! - the kill hit records in flight (each kill waits until the implicit
//!   member holds a batch it has not acknowledged): they came back after
//!   the restart with a higher delivery count;
//! - the restarted broker knew no member, and all three rejoined.
//!
//! CI runs 3,000 records and one kill. The larger run:
//! `SHARE_CRASH_RECORDS=30000 SHARE_CRASH_KILLS=5 cargo test -p broker-lite --test it share_crash -- --nocapture`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kctl_client::consumer::share::{
    AcknowledgeType, AcknowledgementCommit, AcknowledgementMode, ShareConsumer,
    ShareConsumerConfig, ShareRecord,
};
use kctl_client::{Acks, TopicPartition};
use kctl_client::{Admin, AdminConfig, ClientConfig, Producer, ProducerConfig, Record};

use crate::crash_loop::CrashingBroker;
use crate::protocol::create_topic;
use crate::support::RawClient;

const TOPIC: &str = "share-crash";
const GROUP: &str = "share-crash-workers";
/// broker-lite's `group.share.delivery.count.limit` (Kafka's default).
const DELIVERY_COUNT_LIMIT: i16 = 5;
const MAX_POLL_RECORDS: usize = 50;

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// How a member acknowledges.
#[derive(Debug, Clone, Copy)]
enum Style {
    /// The next poll accepts the last one's records.
    Implicit,
    /// `acknowledge` each, then `commit_sync`.
    CommitSync,
    /// `acknowledge` each, then `commit_async`.
    CommitAsync,
}

#[derive(Debug, Clone, Copy)]
struct Delivery {
    member: usize,
    delivery_count: i16,
    /// How many kills had been started when the member saw it.
    kills_before: usize,
}

#[derive(Debug, Default)]
struct Journal {
    deliveries: BTreeMap<i64, Vec<Delivery>>,
    /// Offsets whose ACCEPT the broker confirmed: (member, delivery count).
    accepted: BTreeMap<i64, Vec<(usize, i16)>>,
    /// Offsets whose ACCEPT got no answer (the connection died with it
    /// outstanding): the broker may or may not have applied it.
    unanswered: BTreeSet<i64>,
    /// ACCEPTs the broker or the client refused, by reason.
    refused: BTreeMap<String, usize>,
}

impl Journal {
    fn delivered(&mut self, member: usize, records: &[ShareRecord], kills_before: usize) {
        for r in records {
            self.deliveries
                .entry(r.record.offset)
                .or_default()
                .push(Delivery {
                    member,
                    delivery_count: r.delivery_count,
                    kills_before,
                });
        }
    }

    /// One answer to `member`'s acknowledgements; each refers to the
    /// member's latest delivery of the offset.
    fn answered(&mut self, member: usize, answer: &AcknowledgementCommit) {
        for (offset, kind) in &answer.offsets {
            assert_eq!(*kind, AcknowledgeType::Accept);
            match &answer.result {
                Ok(()) => {
                    let count = self.deliveries[offset]
                        .iter()
                        .rev()
                        .find(|d| d.member == member)
                        .map(|d| d.delivery_count)
                        .expect("an answer for a delivered offset");
                    self.accepted
                        .entry(*offset)
                        .or_default()
                        .push((member, count));
                }
                // No Kafka code: the request died with the connection.
                Err(e) if e.code().is_none() => {
                    self.unanswered.insert(*offset);
                }
                Err(e) => {
                    *self.refused.entry(format!("{:?}", e.code())).or_default() += 1;
                }
            }
        }
    }
}

type Shared = Arc<Mutex<Journal>>;

/// The kill handshake: before kill `k`, member 0 (implicit
/// acknowledgement) stops holding a batch it has not acknowledged, so that
/// every kill finds records in flight; the other two run on freely.
#[derive(Debug, Default)]
struct Kills {
    /// Kill `k` is due once member 0 holds records.
    wanted: AtomicUsize,
    /// Member 0 holds a batch and waits for kill `k` to be over.
    holding: AtomicUsize,
    /// Kills started: a delivery journaled with `started == k` was seen
    /// after kill `k` began.
    started: AtomicUsize,
    /// Kills done (the process is gone).
    done: AtomicUsize,
    /// The run is over: the members close.
    finished: AtomicBool,
}

async fn produce(bootstrap: &str, count: usize) {
    let producer: Producer = ProducerConfig::new([bootstrap])
        .acks(Acks::All)
        .linger_ms(5)
        .build()
        .await
        .unwrap();
    for i in 0..count {
        let value = format!("job-{i}");
        drop(
            producer
                .send(Record::new(TOPIC).partition(0).value(value.as_bytes()))
                .await
                .unwrap(),
        );
    }
    producer.flush().await;
    producer.close().await;
}

async fn admin(bootstrap: &str) -> Admin {
    Admin::connect(ClientConfig::new([bootstrap]), AdminConfig::default())
        .await
        .unwrap()
}

async fn start_offset(bootstrap: &str) -> Option<i64> {
    admin(bootstrap)
        .await
        .list_share_group_offsets(GROUP)
        .await
        .unwrap()[0]
        .start_offset
}

/// One member: polls until the run is over, acknowledging every record
/// with ACCEPT its way. A poll or commit that fails ends the test: the
/// member must ride out the broker's death.
async fn member(who: usize, style: Style, bootstrap: String, journal: Shared, kills: Arc<Kills>) {
    let mode = match style {
        Style::Implicit => AcknowledgementMode::Implicit,
        Style::CommitSync | Style::CommitAsync => AcknowledgementMode::Explicit,
    };
    let config = ShareConsumerConfig::new([bootstrap], GROUP)
        .acknowledgement_mode(mode)
        .max_poll_records(MAX_POLL_RECORDS)
        .fetch_max_wait_ms(100)
        .client_id(format!("share-crash-{who}"));
    let mut consumer = ShareConsumer::connect(config).await.unwrap();
    let answers = Arc::clone(&journal);
    consumer.set_acknowledgement_commit_callback(Box::new(move |answer| {
        answers.lock().unwrap().answered(who, answer);
    }));
    consumer.subscribe([TOPIC]).await.unwrap();
    while !kills.finished.load(Ordering::SeqCst) {
        let records = consumer
            .poll(Duration::from_millis(200))
            .await
            .unwrap_or_else(|e| panic!("member {who}'s poll failed: {e}"));
        let kills_before = kills.started.load(Ordering::SeqCst);
        journal
            .lock()
            .unwrap()
            .delivered(who, &records, kills_before);
        if records.is_empty() {
            continue;
        }
        let wanted = kills.wanted.load(Ordering::SeqCst);
        if who == 0 && wanted > kills.holding.load(Ordering::SeqCst) {
            kills.holding.store(wanted, Ordering::SeqCst);
            while kills.done.load(Ordering::SeqCst) < wanted {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        // Some work per batch, so that records are in flight when the
        // broker dies.
        tokio::time::sleep(Duration::from_millis(2)).await;
        match style {
            Style::Implicit => {}
            Style::CommitSync | Style::CommitAsync => {
                for r in &records {
                    consumer.acknowledge(r, AcknowledgeType::Accept).unwrap();
                }
                let committed = match style {
                    Style::CommitSync => consumer.commit_sync().await.map(drop),
                    _ => consumer.commit_async().await,
                };
                committed.unwrap_or_else(|e| panic!("member {who}'s commit failed: {e}"));
            }
        }
    }
    consumer
        .close()
        .await
        .unwrap_or_else(|e| panic!("member {who}'s close failed: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_run_three_share_consumers_lose_nothing_and_repeat_no_accept() {
    let records: usize = env_or("SHARE_CRASH_RECORDS", 3_000);
    let kill_count: usize = env_or("SHARE_CRASH_KILLS", 1);
    let dir = tempfile::tempdir().unwrap();
    // Heartbeats every 0.5 s (Kafka's 5 s would leave the members
    // unjoined for most of this short run after the restart).
    let properties = dir.path().join("server.properties");
    std::fs::write(&properties, "group.share.heartbeat.interval.ms=500\n").unwrap();
    let mut broker = CrashingBroker::start_with_args(
        &dir.path().join("data"),
        "none",
        &["-c", properties.to_str().unwrap()],
    );
    let bootstrap = broker.listen.clone();
    let mut raw = RawClient::connect(&bootstrap).await;
    create_topic(&mut raw, TOPIC, 1, &[]).await;
    drop(raw);
    produce(&bootstrap, records).await;
    for result in admin(&bootstrap)
        .await
        .alter_share_group_offsets(GROUP, &[(TopicPartition::new(TOPIC, 0), 0)])
        .await
        .unwrap()
    {
        result.result.unwrap();
    }

    let started = Instant::now();
    let journal: Shared = Arc::default();
    let kills: Arc<Kills> = Arc::default();
    let members: Vec<_> = [Style::Implicit, Style::CommitSync, Style::CommitAsync]
        .into_iter()
        .enumerate()
        .map(|(who, style)| {
            tokio::spawn(member(
                who,
                style,
                bootstrap.clone(),
                Arc::clone(&journal),
                Arc::clone(&kills),
            ))
        })
        .collect();

    let run = {
        let (journal, kills, bootstrap) =
            (Arc::clone(&journal), Arc::clone(&kills), bootstrap.clone());
        async move {
            // Kill k of n when k/(n+1) of the records are accepted.
            for k in 1..=kill_count {
                let at = records * k / (kill_count + 1);
                while journal.lock().unwrap().accepted.len() < at {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                kills.wanted.store(k, Ordering::SeqCst);
                while kills.holding.load(Ordering::SeqCst) < k {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                kills.started.store(k, Ordering::SeqCst);
                broker.kill_9();
                kills.done.store(k, Ordering::SeqCst);
                // Down long enough for every member to notice.
                tokio::time::sleep(Duration::from_millis(300)).await;
                broker = tokio::task::spawn_blocking(move || {
                    broker.restart();
                    broker
                })
                .await
                .unwrap();
            }
            while start_offset(&bootstrap).await != Some(records as i64) {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            // The restarted broker knew no member: all three rejoined.
            let admin = admin(&bootstrap).await;
            loop {
                let group = admin.describe_share_group(GROUP).await.unwrap();
                let assigned = group
                    .members
                    .iter()
                    .filter(|m| m.assignment == [TopicPartition::new(TOPIC, 0)])
                    .count();
                if assigned == 3 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            broker
        }
    };
    let timeout = Duration::from_secs(60 + records as u64 / 100);
    let broker = tokio::time::timeout(timeout, run)
        .await
        .unwrap_or_else(|_| {
            let journal = journal.lock().unwrap();
            panic!(
                "the group did not finish in {timeout:?}: {} of {records} confirmed accepted, {} unanswered",
                journal.accepted.len(),
                journal.unanswered.len()
            )
        });
    kills.finished.store(true, Ordering::SeqCst);
    for m in members {
        m.await.unwrap();
    }
    let elapsed = started.elapsed();
    let journal = journal.lock().unwrap();

    let mut came_back_after_kill = vec![0usize; kill_count];
    for offset in 0..records as i64 {
        let deliveries = journal
            .deliveries
            .get(&offset)
            .unwrap_or_else(|| panic!("offset {offset} was never delivered"));
        let mut counts: Vec<i16> = deliveries.iter().map(|d| d.delivery_count).collect();
        counts.sort_unstable();
        let last = *counts.last().unwrap();
        assert!(
            counts.windows(2).all(|w| w[0] < w[1]) && counts[0] >= 1,
            "offset {offset}: delivery counts {counts:?} repeat (a count was lost)"
        );
        assert!(
            last < DELIVERY_COUNT_LIMIT,
            "offset {offset} reached the delivery limit: archived, not accepted"
        );
        match journal.accepted.get(&offset).map(Vec::as_slice) {
            Some([(_, count)]) => assert_eq!(
                *count, last,
                "offset {offset} was delivered again after its accept: {deliveries:?}"
            ),
            Some(many) => panic!("offset {offset} accepted more than once: {many:?}"),
            None => assert!(
                journal.unanswered.contains(&offset),
                "offset {offset} was never accepted: {deliveries:?}"
            ),
        }
        // Seen before kill k and again after it: in flight at kill k.
        for (k, came_back) in came_back_after_kill.iter_mut().enumerate() {
            let before = deliveries.iter().any(|d| d.kills_before <= k);
            let after = deliveries.iter().any(|d| d.kills_before > k);
            if before && after {
                *came_back += 1;
            }
        }
    }
    for (k, came_back) in came_back_after_kill.iter().enumerate() {
        assert!(
            *came_back > 0,
            "no record was in flight at kill {}: it proved nothing",
            k + 1
        );
    }
    let by_member = |m: usize| {
        (journal.accepted.values().flatten())
            .filter(|(w, _)| *w == m)
            .count()
    };
    for m in 0..3 {
        assert!(by_member(m) > 0, "member {m} accepted nothing");
    }
    drop(broker);
    eprintln!(
        "share crash: {records} records, {kill_count} kill(s) in {:.1} s; accepted by member: {} / {} / {}; \
         in flight at each kill and back after it: {came_back_after_kill:?}; {} ACCEPT(s) unanswered; refused: {:?}",
        elapsed.as_secs_f64(),
        by_member(0),
        by_member(1),
        by_member(2),
        journal.unanswered.len(),
        journal.refused,
    );
}
