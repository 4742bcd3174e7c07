//! The Messages screen's reader against broker-lite in process: each start
//! position, the buffer limit, filters, a live tail, and a request that
//! replaces the one in flight.

use std::time::Duration;

use broker_lite::config::BrokerConfig;
use broker_lite::{BrokerHandle, start};
use kctl_client::admin::{Admin, AdminConfig, CreateTopicsOptions, NewTopic};
use kctl_client::{ClientConfig, Consumer, ConsumerConfig, OffsetReset, Producer, Record};
use kctl_tui::action::Action;
use kctl_tui::messages::{BrowseRequest, BrowsedRecord, ReaderPhase, StartAt};
use kctl_tui::reader::{self, ConnectConsumer, ReaderHandle};
use tokio::sync::mpsc;

const PARTITIONS: i32 = 3;
const PER_PARTITION: i64 = 10;

fn admin_config() -> AdminConfig {
    AdminConfig::default().api_timeout_ms(5_000)
}

/// broker-lite with `orders`: 3 partitions of 10 records each, keyed
/// `k<n>`, JSON values `{"n":<n>}` (n = partition·10 + offset).
async fn cluster(dir: &std::path::Path) -> (BrokerHandle, Producer) {
    let mut config = BrokerConfig::default();
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.data_dir = dir.to_owned();
    let broker = start(config).await.expect("broker-lite starts");
    let admin = Admin::connect(ClientConfig::new([broker.bootstrap()]), admin_config())
        .await
        .unwrap();
    let created = admin
        .create_topics(
            &[NewTopic::new("orders").partitions(PARTITIONS)],
            CreateTopicsOptions::default(),
        )
        .await
        .unwrap();
    created[0].result.as_ref().expect("orders created");
    let producer = Producer::builder([broker.bootstrap()])
        .build()
        .await
        .unwrap();
    for partition in 0..PARTITIONS {
        for offset in 0..PER_PARTITION {
            produce(&producer, partition, i64::from(partition) * 10 + offset).await;
        }
    }
    (broker, producer)
}

async fn produce(producer: &Producer, partition: i32, n: i64) {
    let key = format!("k{n}");
    let value = format!(r#"{{"n":{n}}}"#);
    producer
        .send_and_wait(
            Record::new("orders")
                .partition(partition)
                .key(key.as_bytes())
                .value(value.as_bytes())
                .header("source", b"test"),
        )
        .await
        .expect("produced");
}

fn spawn(bootstrap: String) -> (ReaderHandle, mpsc::UnboundedReceiver<Action>) {
    let connect: ConnectConsumer = Box::new(move || {
        let mut config = ConsumerConfig::new([bootstrap.clone()]);
        config.enable_auto_commit = false;
        config.auto_offset_reset = OffsetReset::Earliest;
        Box::pin(async move { Consumer::new(config).await })
    });
    let (tx, rx) = mpsc::unbounded_channel();
    (reader::spawn(connect, admin_config(), tx), rx)
}

fn request(session: u64, start: StartAt, limit: usize) -> BrowseRequest {
    BrowseRequest {
        session,
        topic: "orders".into(),
        partition: None,
        start,
        limit,
        filter: None,
        tail: false,
    }
}

/// What one session delivered up to `until` phase.
#[derive(Debug, Default)]
struct Delivered {
    records: Vec<BrowsedRecord>,
    scanned: u64,
    phases: Vec<ReaderPhase>,
}

impl Delivered {
    fn numbers(&self) -> Vec<i64> {
        let mut numbers: Vec<i64> = self
            .records
            .iter()
            .map(|r| i64::from(r.partition) * 10 + r.offset)
            .collect();
        numbers.sort_unstable();
        numbers
    }
}

/// Collects `session`'s updates until `done` holds for what arrived.
async fn collect(
    rx: &mut mpsc::UnboundedReceiver<Action>,
    session: u64,
    done: impl Fn(&Delivered) -> bool,
) -> Delivered {
    let mut delivered = Delivered::default();
    while !done(&delivered) {
        let action = tokio::time::timeout(Duration::from_secs(20), rx.recv())
            .await
            .unwrap_or_else(|_| panic!("session {session} stalled after {delivered:?}"))
            .expect("the reader runs");
        let Action::Browsed(update) = action else {
            panic!("the reader sends only Browsed, got {action:?}");
        };
        if update.session != session {
            continue;
        }
        delivered.records.extend(update.records);
        delivered.scanned += update.scanned;
        delivered.phases.push(update.phase);
    }
    delivered
}

fn ended(delivered: &Delivered) -> bool {
    matches!(
        delivered.phases.last(),
        Some(ReaderPhase::CaughtUp | ReaderPhase::BufferFull | ReaderPhase::Failed(_))
    )
}

#[tokio::test]
async fn start_positions_limits_and_filters() {
    let dir = tempfile::tempdir().unwrap();
    let (broker, _producer) = cluster(dir.path()).await;
    let (reader, mut rx) = spawn(broker.bootstrap());

    // Newest: the buffer (6) split over 3 partitions, the last 2 of each.
    reader.browse(request(1, StartAt::Newest, 6));
    let newest = collect(&mut rx, 1, ended).await;
    assert_eq!(newest.phases.first(), Some(&ReaderPhase::Starting));
    assert_eq!(newest.phases.last(), Some(&ReaderPhase::CaughtUp));
    assert_eq!(newest.numbers(), vec![8, 9, 18, 19, 28, 29]);
    let record = newest
        .records
        .iter()
        .find(|r| r.offset == 9 && r.partition == 1);
    let record = record.expect("19 read");
    assert_eq!(record.key.as_deref(), Some(&b"k19"[..]));
    assert_eq!(record.value.as_deref(), Some(&br#"{"n":19}"#[..]));
    assert_eq!(record.headers.len(), 1);

    // Oldest, forward: stops once the buffer's worth matched.
    reader.browse(request(2, StartAt::Oldest, 5));
    let oldest = collect(&mut rx, 2, ended).await;
    assert_eq!(oldest.phases.last(), Some(&ReaderPhase::BufferFull));
    assert_eq!(oldest.records.len(), 5);

    // An offset in every partition, and N before each end.
    reader.browse(request(3, StartAt::Offset(7), 100));
    let from_seven = collect(&mut rx, 3, ended).await;
    assert_eq!(from_seven.numbers(), vec![7, 8, 9, 17, 18, 19, 27, 28, 29]);
    reader.browse(BrowseRequest {
        partition: Some(2),
        ..request(4, StartAt::FromEnd(3), 100)
    });
    let one_partition = collect(&mut rx, 4, ended).await;
    assert_eq!(one_partition.numbers(), vec![27, 28, 29]);

    // A time after every record: nothing to read, at the end at once.
    reader.browse(request(
        5,
        StartAt::Time {
            timestamp_ms: i64::MAX / 2,
        },
        100,
    ));
    let future = collect(&mut rx, 5, ended).await;
    assert_eq!(future.phases.last(), Some(&ReaderPhase::CaughtUp));
    assert!(future.records.is_empty());

    // A filter keeps only matches and still counts what it read.
    reader.browse(BrowseRequest {
        filter: Some("jq:.n % 2 == 0 && key!=k0".into()),
        ..request(6, StartAt::Oldest, 100)
    });
    let even = collect(&mut rx, 6, ended).await;
    assert_eq!(even.phases.last(), Some(&ReaderPhase::CaughtUp));
    assert_eq!(
        even.numbers(),
        vec![2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28]
    );
    assert_eq!(even.scanned, 30);

    // A partition the topic does not have fails the session, not the task.
    reader.browse(BrowseRequest {
        partition: Some(7),
        ..request(7, StartAt::Newest, 10)
    });
    let missing = collect(&mut rx, 7, ended).await;
    assert!(
        matches!(missing.phases.last(), Some(ReaderPhase::Failed(e)) if e.contains("no partition 7")),
        "{missing:?}"
    );
    reader.browse(request(8, StartAt::Newest, 3));
    assert_eq!(collect(&mut rx, 8, ended).await.numbers(), vec![9, 19, 29]);
}

#[tokio::test]
async fn a_tail_follows_new_records_until_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let (broker, producer) = cluster(dir.path()).await;
    let (reader, mut rx) = spawn(broker.bootstrap());

    reader.browse(BrowseRequest {
        tail: true,
        ..request(1, StartAt::Newest, 3)
    });
    let initial = collect(&mut rx, 1, |d| d.records.len() >= 3).await;
    assert_eq!(initial.numbers(), vec![9, 19, 29]);
    produce(&producer, 1, 110).await;
    produce(&producer, 2, 120).await;
    let tailed = collect(&mut rx, 1, |d| d.records.len() >= 2).await;
    let mut values: Vec<&[u8]> = tailed
        .records
        .iter()
        .filter_map(|r| r.value.as_deref())
        .collect();
    values.sort_unstable();
    assert_eq!(values, vec![&br#"{"n":110}"#[..], &br#"{"n":120}"#[..]]);
    assert!(tailed.phases.contains(&ReaderPhase::Tailing), "{tailed:?}");

    // A new request ends the tail: later records are not sent for it.
    reader.browse(request(2, StartAt::Offset(10), 100));
    let replaced = collect(&mut rx, 2, ended).await;
    assert_eq!(replaced.records.len(), 2, "offset 10 of partitions 1 and 2");
    produce(&producer, 0, 130).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    while let Ok(action) = rx.try_recv() {
        if let Action::Browsed(update) = action {
            assert!(
                update.session != 1 || update.records.is_empty(),
                "the old tail still sends: {update:?}"
            );
            assert!(update.session <= 2);
        }
    }
    reader.stop();
}
