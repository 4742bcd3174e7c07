//! The ShareConsumer (KIP-932) against broker-lite in process, on the
//! paths where a member does not acknowledge in time:
//!
//! - a member holding records past `group.share.record.lock.duration.ms`
//!   loses them to another member (delivery count grows), its late
//!   acknowledgements are refused, and `group.share.delivery.count.limit`
//!   archives records that keep coming back;
//! - a member dropped without `close` (a crash, as far as the broker can
//!   tell) in a three-member run: its locked records come back when the
//!   locks run out, and every record is accepted exactly once;
//! - a member renewing a record's lock (KIP-1222) keeps it past the lock
//!   while another member polls, then accepts it once.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kctl_client::consumer::share::{
    AcknowledgeType, AcknowledgementMode, ShareConsumer, ShareConsumerConfig, ShareRecord,
};
use kctl_client::{Admin, AdminConfig, ClientConfig, ErrorCode, Producer, ProducerConfig};
use kctl_client::{Error, Record, TopicPartition};

use crate::support::{TestBroker, create_topic, with_timeout};

const LOCK_MS: u64 = 500;

async fn produce(bootstrap: &str, topic: &str, count: usize) {
    let producer: Producer = ProducerConfig::new([bootstrap])
        .linger_ms(5)
        .build()
        .await
        .unwrap();
    for i in 0..count {
        let value = format!("job-{i}");
        drop(
            producer
                .send(Record::new(topic).partition(0).value(value.as_bytes()))
                .await
                .unwrap(),
        );
    }
    producer.flush().await;
    producer.close().await;
}

/// A topic of `count` records with the share group starting at offset 0.
async fn queue(broker: &TestBroker, topic: &str, group: &str, count: usize) -> Admin {
    let admin = Admin::connect(
        ClientConfig::new([broker.bootstrap()]),
        AdminConfig::default(),
    )
    .await
    .unwrap();
    create_topic(admin.client(), topic, 1, 1).await;
    produce(&broker.bootstrap(), topic, count).await;
    for result in admin
        .alter_share_group_offsets(group, &[(TopicPartition::new(topic, 0), 0)])
        .await
        .unwrap()
    {
        result.result.unwrap();
    }
    admin
}

async fn member(
    broker: &TestBroker,
    group: &str,
    topic: &str,
    max_poll_records: usize,
) -> ShareConsumer {
    member_at(&broker.bootstrap(), group, topic, max_poll_records).await
}

/// An explicit-mode member of `group` subscribed to `topic`.
async fn member_at(
    bootstrap: &str,
    group: &str,
    topic: &str,
    max_poll_records: usize,
) -> ShareConsumer {
    let config = ShareConsumerConfig::new([bootstrap], group)
        .acknowledgement_mode(AcknowledgementMode::Explicit)
        .max_poll_records(max_poll_records)
        .fetch_max_wait_ms(100);
    let mut consumer = ShareConsumer::connect(config).await.unwrap();
    consumer.subscribe([topic]).await.unwrap();
    consumer
}

/// Polls until a poll returns records.
async fn poll_some(consumer: &mut ShareConsumer) -> Vec<ShareRecord> {
    with_timeout("a poll with records", 15, async {
        loop {
            let records = consumer.poll(Duration::from_millis(200)).await.unwrap();
            if !records.is_empty() {
                return records;
            }
        }
    })
    .await
}

fn offsets_and_counts(records: &[ShareRecord]) -> Vec<(i64, i16)> {
    records
        .iter()
        .map(|r| (r.record.offset, r.delivery_count))
        .collect()
}

/// Acknowledges every record with `ack` and commits; returns the offsets
/// the broker applied and the ones it refused (with the error code).
async fn ack_all(
    consumer: &mut ShareConsumer,
    records: &[ShareRecord],
    ack: AcknowledgeType,
) -> (BTreeSet<i64>, Vec<(i64, Option<ErrorCode>)>) {
    for r in records {
        consumer.acknowledge(r, ack).unwrap();
    }
    let mut applied = BTreeSet::new();
    let mut refused = Vec::new();
    for answer in consumer.commit_sync().await.unwrap() {
        for (offset, _) in &answer.offsets {
            match &answer.result {
                Ok(()) => {
                    applied.insert(*offset);
                }
                Err(e) => refused.push((*offset, kafka_code(e))),
            }
        }
    }
    (applied, refused)
}

fn kafka_code(e: &Error) -> Option<ErrorCode> {
    e.code()
}

async fn start_offset(admin: &Admin, group: &str) -> Option<i64> {
    admin.list_share_group_offsets(group).await.unwrap()[0].start_offset
}

#[tokio::test]
async fn records_held_past_the_lock_go_to_another_member_until_the_limit_archives_them() {
    let broker = TestBroker::start_with(false, |c| {
        c.group.share_record_lock_duration_ms = LOCK_MS;
        c.group.share_delivery_count_limit = 3;
    })
    .await;
    let admin = queue(&broker, "locks", "slow-workers", 10).await;
    let mut a = member(&broker, "slow-workers", "locks", 500).await;
    let first = poll_some(&mut a).await;
    assert_eq!(
        offsets_and_counts(&first),
        (0..10).map(|o| (o, 1)).collect::<Vec<_>>()
    );
    // b joins while a holds all ten; a sits on them past the lock.
    let mut b = member(&broker, "slow-workers", "locks", 500).await;
    tokio::time::sleep(Duration::from_millis(LOCK_MS * 2)).await;
    let second = poll_some(&mut b).await;
    assert_eq!(
        offsets_and_counts(&second),
        (0..10).map(|o| (o, 2)).collect::<Vec<_>>(),
        "the expired locks gave every record to b, delivered a second time"
    );
    // a's acknowledgements come too late: b holds the records now.
    let (applied, refused) = ack_all(&mut a, &first, AcknowledgeType::Accept).await;
    assert!(applied.is_empty(), "late accepts applied: {applied:?}");
    assert_eq!(refused.len(), 10);
    assert!(
        refused
            .iter()
            .all(|(_, code)| *code == Some(ErrorCode::InvalidRecordState)),
        "{refused:?}"
    );
    // b holds them past the lock too: a gets their third delivery, the
    // limit. What a releases and what it lets time out are archived.
    tokio::time::sleep(Duration::from_millis(LOCK_MS * 2)).await;
    let third = poll_some(&mut a).await;
    assert_eq!(
        offsets_and_counts(&third),
        (0..10).map(|o| (o, 3)).collect::<Vec<_>>()
    );
    let (released, refused) = ack_all(&mut a, &third[..5], AcknowledgeType::Release).await;
    assert_eq!((released.len(), refused.len()), (5, 0));
    // The other five: a keeps them past the lock (it acknowledges them
    // only after they expired, which is refused).
    tokio::time::sleep(Duration::from_millis(LOCK_MS * 2)).await;
    let (_, refused) = ack_all(&mut a, &third[5..], AcknowledgeType::Accept).await;
    assert_eq!(refused.len(), 5, "the lock ran out before the accept");
    let (_, refused) = ack_all(&mut b, &second, AcknowledgeType::Accept).await;
    assert_eq!(refused.len(), 10, "b's locks ran out long ago");
    // Archived: nobody gets them again, and the SPSO passed them.
    for consumer in [&mut a, &mut b] {
        let got = consumer
            .poll(Duration::from_millis(LOCK_MS * 2))
            .await
            .unwrap();
        assert!(
            got.is_empty(),
            "archived records came back: {:?}",
            offsets_and_counts(&got)
        );
    }
    assert_eq!(start_offset(&admin, "slow-workers").await, Some(10));
    a.close().await.unwrap();
    b.close().await.unwrap();
}

/// Who accepted which offset, at which delivery.
type Accepted = Arc<Mutex<BTreeMap<i64, (usize, i16)>>>;

fn record_accepts(
    accepted: &Accepted,
    who: usize,
    records: &[ShareRecord],
    applied: &BTreeSet<i64>,
) {
    let mut accepted = accepted.lock().unwrap();
    for r in records
        .iter()
        .filter(|r| applied.contains(&r.record.offset))
    {
        if let Some(first) = accepted.insert(r.record.offset, (who, r.delivery_count)) {
            panic!(
                "offset {} accepted twice: by member {} and by member {who}",
                r.record.offset, first.0
            );
        }
    }
}

#[tokio::test]
async fn a_member_dropped_without_close_gives_its_records_back_when_the_locks_run_out() {
    const RECORDS: usize = 1_000;
    let broker = TestBroker::start_with(false, |c| {
        c.group.share_record_lock_duration_ms = LOCK_MS;
    })
    .await;
    let admin = queue(&broker, "crash", "crash-workers", RECORDS).await;
    let accepted: Accepted = Arc::default();

    // The member that crashes: three polls accepted, then one poll whose
    // records it still holds when it goes away without closing.
    let mut victim = member(&broker, "crash-workers", "crash", 50).await;
    // The three members run concurrently in this task, interleaved at
    // their awaits (a crash is the victim's future being dropped).
    let crashed = async {
        for _ in 0..3 {
            let records = poll_some(&mut victim).await;
            let (applied, refused) = ack_all(&mut victim, &records, AcknowledgeType::Accept).await;
            assert!(refused.is_empty(), "{refused:?}");
            record_accepts(&accepted, 0, &records, &applied);
        }
        let held = poll_some(&mut victim).await;
        drop(victim);
        held.iter()
            .map(|r| r.record.offset)
            .collect::<BTreeSet<i64>>()
    };
    let survivor = |who: usize| {
        let accepted = Arc::clone(&accepted);
        let bootstrap = broker.bootstrap();
        async move {
            let mut consumer = member_at(&bootstrap, "crash-workers", "crash", 50).await;
            while accepted.lock().unwrap().len() < RECORDS {
                let records = consumer.poll(Duration::from_millis(200)).await.unwrap();
                let (applied, refused) =
                    ack_all(&mut consumer, &records, AcknowledgeType::Accept).await;
                assert!(refused.is_empty(), "member {who}: {refused:?}");
                record_accepts(&accepted, who, &records, &applied);
            }
            consumer.close().await.unwrap();
        }
    };
    // Boxed: three consumers' futures side by side are large.
    let (held, (), ()) = with_timeout(
        "three members draining the queue",
        60,
        Box::pin(async {
            tokio::join!(
                Box::pin(crashed),
                Box::pin(survivor(1)),
                Box::pin(survivor(2))
            )
        }),
    )
    .await;
    assert!(!held.is_empty());
    let accepted = accepted.lock().unwrap().clone();
    assert_eq!(
        accepted.keys().copied().collect::<Vec<_>>(),
        (0..RECORDS as i64).collect::<Vec<_>>(),
        "every record accepted exactly once"
    );
    for offset in &held {
        let (who, delivery_count) = accepted[offset];
        assert_ne!(who, 0, "offset {offset} was held by the crashed member");
        assert!(
            delivery_count >= 2,
            "offset {offset} came back with delivery count {delivery_count}"
        );
    }
    let first_time = accepted
        .iter()
        .filter(|(o, _)| !held.contains(o))
        .all(|(_, (_, count))| *count == 1);
    assert!(
        first_time,
        "only the crashed member's records were delivered twice"
    );
    let by_member = |m: usize| accepted.values().filter(|(w, _)| *w == m).count();
    assert!(
        by_member(0) > 0 && by_member(1) > 0 && by_member(2) > 0,
        "all three worked"
    );
    assert_eq!(
        start_offset(&admin, "crash-workers").await,
        Some(RECORDS as i64)
    );
}

/// RENEW through the consumer's API: one record renewed every half lock,
/// alternately by `commit_sync` and by the next `poll` (which sends the
/// renewal alone, then fetches), stays with `a` for 2.5 locks while `b`
/// polls; `a` then accepts it and nobody gets it again. The records `a`
/// accepted in the same request as the first renewal are done at once.
#[tokio::test]
async fn a_renewed_record_stays_with_its_member_until_it_is_accepted() {
    let broker = TestBroker::start_with(false, |c| {
        c.group.share_record_lock_duration_ms = LOCK_MS;
    })
    .await;
    let admin = queue(&broker, "renew", "long-jobs", 3).await;
    let mut a = member(&broker, "long-jobs", "renew", 500).await;
    let records = poll_some(&mut a).await;
    assert_eq!(offsets_and_counts(&records), vec![(0, 1), (1, 1), (2, 1)]);
    assert_eq!(a.acquisition_lock_timeout_ms(), Some(LOCK_MS as i32));
    let slow = &records[0];
    assert!(
        a.acknowledge(slow, AcknowledgeType::Gap).is_err(),
        "GAP is not the application's"
    );
    a.acknowledge(slow, AcknowledgeType::Renew).unwrap();
    let (applied, refused) = ack_all(&mut a, &records[1..], AcknowledgeType::Accept).await;
    assert_eq!(
        (applied, refused),
        ((0..3).collect(), vec![]),
        "the renewal and the accepts in one ShareAcknowledge"
    );

    let mut b = member(&broker, "long-jobs", "renew", 500).await;
    let held_since = std::time::Instant::now();
    for round in 0..5 {
        tokio::time::sleep(Duration::from_millis(LOCK_MS / 2)).await;
        a.acknowledge(slow, AcknowledgeType::Renew).unwrap();
        if round % 2 == 0 {
            let answers = a.commit_sync().await.unwrap();
            assert_eq!(answers.len(), 1);
            assert_eq!(answers[0].offsets, vec![(0, AcknowledgeType::Renew)]);
            answers[0].result.as_ref().unwrap();
        } else {
            // A renewed record does not hold up an explicit-mode poll.
            assert!(a.poll(Duration::from_millis(10)).await.unwrap().is_empty());
        }
        let got = b.poll(Duration::from_millis(50)).await.unwrap();
        assert!(
            got.is_empty(),
            "b got {:?} in round {round}",
            offsets_and_counts(&got)
        );
    }
    assert!(held_since.elapsed() >= Duration::from_millis(2 * LOCK_MS));
    let (applied, refused) = ack_all(&mut a, &records[..1], AcknowledgeType::Accept).await;
    assert_eq!((applied, refused), ([0].into(), vec![]));
    assert!(
        a.acknowledge(slow, AcknowledgeType::Accept).is_err(),
        "settled: no longer the consumer's"
    );
    let got = b.poll(Duration::from_millis(LOCK_MS * 2)).await.unwrap();
    assert!(got.is_empty(), "{:?}", offsets_and_counts(&got));
    assert_eq!(start_offset(&admin, "long-jobs").await, Some(3));
    a.close().await.unwrap();
    b.close().await.unwrap();
}
