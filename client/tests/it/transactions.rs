//! The transactional producer against broker-lite's transaction
//! coordinator: commits and aborts seen through read_committed and
//! read_uncommitted consumers, offsets committed with the output, fencing,
//! and the exactly-once example killed with SIGKILL again and again.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Duration;

use kctl_client::consumer::IsolationLevel;
use kctl_client::{
    Consumer, Error, OffsetAndMetadata, OffsetReset, Producer, Record, TopicPartition,
};
use rand::Rng;

use crate::support::{TestBroker, client, create_topic};

/// Every value of `topic`'s partitions, read from the start to the end
/// (the last stable offset under read_committed).
async fn read_all(
    bootstrap: &str,
    topic: &str,
    partitions: i32,
    isolation: IsolationLevel,
) -> Vec<String> {
    let consumer = Consumer::builder([bootstrap])
        .isolation_level(isolation)
        .auto_offset_reset(OffsetReset::Earliest)
        .build()
        .await
        .unwrap();
    let tps: Vec<TopicPartition> = (0..partitions)
        .map(|p| TopicPartition::new(topic, p))
        .collect();
    consumer.assign(&tps);
    let admin = kctl_client::Admin::with_client(
        client(bootstrap).await,
        kctl_client::AdminConfig::default(),
    );
    let asked: Vec<_> = (0..partitions)
        .map(|p| {
            (
                kctl_client::admin::TopicPartition::new(topic, p),
                kctl_client::admin::OffsetSpec::Latest,
            )
        })
        .collect();
    let ends: HashMap<TopicPartition, i64> = admin
        .list_offsets(
            &asked, // One IsolationLevel serves the consumer and the admin client.
            isolation,
        )
        .await
        .unwrap()
        .into_iter()
        .map(|o| {
            (
                TopicPartition::new(&*o.partition.topic, o.partition.partition),
                o.result.unwrap().offset.unwrap(),
            )
        })
        .collect();
    let mut values = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let mut done = true;
        for tp in &tps {
            if consumer.position(tp).await.unwrap() < ends[tp] {
                done = false;
            }
        }
        if done {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "read of {topic} never reached its end"
        );
        for r in consumer.poll(Duration::from_millis(200)).await.unwrap() {
            values
                .push(String::from_utf8_lossy(r.value.as_deref().unwrap_or_default()).into_owned());
        }
    }
    consumer.close().await;
    values
}

/// A broker-lite finalizing `transaction.version` at `level`.
async fn broker_at(level: i16) -> TestBroker {
    TestBroker::start_with(false, |c| c.txn.transaction_version = level).await
}

/// The coordinator's view of `id`: state, producer id and epoch.
async fn coordinator_view(bootstrap: &str, id: &str) -> (String, i64, i16) {
    let admin = kctl_client::Admin::with_client(
        client(bootstrap).await,
        kctl_client::AdminConfig::default(),
    );
    let d = admin.describe_transaction(id).await.unwrap();
    (d.state, d.producer_id, d.producer_epoch)
}

#[tokio::test]
async fn committed_transactions_are_seen_and_aborted_ones_are_not_v1() {
    committed_seen_aborted_not(1).await;
}

#[tokio::test]
async fn committed_transactions_are_seen_and_aborted_ones_are_not_v2() {
    committed_seen_aborted_not(2).await;
}

async fn committed_seen_aborted_not(level: i16) {
    let broker = broker_at(level).await;
    let bootstrap = broker.bootstrap();
    create_topic(&client(&bootstrap).await, "txn-out", 3, 1).await;
    let producer = Producer::builder([bootstrap.clone()])
        .transactional_id("it-txn")
        .linger_ms(1)
        .build()
        .await
        .unwrap();
    assert!(matches!(
        producer.begin_transaction(),
        Err(Error::TransactionState(_))
    ));
    producer.init_transactions().await.unwrap();
    assert!(matches!(
        producer
            .send(Record::new("txn-out").value(b"outside"))
            .await,
        Err(Error::TransactionState(_))
    ));

    producer.begin_transaction().unwrap();
    for i in 0..30 {
        let value = format!("commit-{i}");
        // All three send modes inside one transaction.
        match i % 3 {
            0 => drop(
                producer
                    .send(Record::new("txn-out").value(value.as_bytes()))
                    .await
                    .unwrap(),
            ),
            1 => {
                producer
                    .send_and_wait(Record::new("txn-out").value(value.as_bytes()))
                    .await
                    .unwrap();
            }
            _ => producer
                .send_with_callback(Record::new("txn-out").value(value.as_bytes()), |r| {
                    r.unwrap();
                })
                .await
                .unwrap(),
        }
    }
    producer.commit_transaction().await.unwrap();

    producer.begin_transaction().unwrap();
    for i in 0..10 {
        let value = format!("abort-{i}");
        drop(
            producer
                .send(Record::new("txn-out").value(value.as_bytes()))
                .await
                .unwrap(),
        );
    }
    producer.abort_transaction().await.unwrap();
    // An empty transaction commits without the coordinator.
    producer.begin_transaction().unwrap();
    producer.commit_transaction().await.unwrap();
    // Transactions v2 bumped the epoch at each of the two ends (so the
    // producer went on with epoch 1, then 2); v1 kept the epoch of
    // init_transactions.
    let (state, _, epoch) = coordinator_view(&bootstrap, "it-txn").await;
    assert_eq!(state, "CompleteAbort");
    assert_eq!(
        epoch,
        if level >= 2 { 2 } else { 0 },
        "transaction.version={level}"
    );

    let mut committed = read_all(&bootstrap, "txn-out", 3, IsolationLevel::ReadCommitted).await;
    committed.sort();
    let mut expected: Vec<String> = (0..30).map(|i| format!("commit-{i}")).collect();
    expected.sort();
    assert_eq!(committed, expected);
    let everything = read_all(&bootstrap, "txn-out", 3, IsolationLevel::ReadUncommitted).await;
    assert_eq!(
        everything.len(),
        40,
        "read_uncommitted sees the aborted records too"
    );
    producer.close().await;
}

#[tokio::test]
async fn offsets_sent_to_a_transaction_commit_with_it_and_fencing_is_fatal_v1() {
    offsets_commit_with_the_transaction_and_fencing(1).await;
}

#[tokio::test]
async fn offsets_sent_to_a_transaction_commit_with_it_and_fencing_is_fatal_v2() {
    offsets_commit_with_the_transaction_and_fencing(2).await;
}

async fn offsets_commit_with_the_transaction_and_fencing(level: i16) {
    let broker = broker_at(level).await;
    let bootstrap = broker.bootstrap();
    let admin_client = client(&bootstrap).await;
    create_topic(&admin_client, "in", 1, 1).await;
    create_topic(&admin_client, "out", 1, 1).await;
    let consumer = Consumer::builder([bootstrap.clone()])
        .group_id("eos-group")
        .build()
        .await
        .unwrap();
    let group = consumer.group_metadata().unwrap();
    assert_eq!((group.generation_id, group.member_id.as_str()), (-1, ""));
    let tp = TopicPartition::new("in", 0);
    let first = Producer::builder([bootstrap.clone()])
        .transactional_id("fence-me")
        .build()
        .await
        .unwrap();
    first.init_transactions().await.unwrap();
    for (offset, commit) in [(3, true), (9, false)] {
        first.begin_transaction().unwrap();
        first
            .send_and_wait(Record::new("out").value(b"x"))
            .await
            .unwrap();
        let offsets = BTreeMap::from([(tp.clone(), OffsetAndMetadata::new(offset))]);
        first
            .send_offsets_to_transaction(&offsets, &group)
            .await
            .unwrap();
        if commit {
            first.commit_transaction().await.unwrap();
        } else {
            first.abort_transaction().await.unwrap();
        }
    }
    let committed = consumer.committed(std::slice::from_ref(&tp)).await.unwrap();
    assert_eq!(
        committed[&tp].offset, 3,
        "the aborted offset 9 must not show"
    );

    // A second instance fences the first: its next call fails fatally.
    let second = Producer::builder([bootstrap.clone()])
        .transactional_id("fence-me")
        .build()
        .await
        .unwrap();
    second.init_transactions().await.unwrap();
    first.begin_transaction().unwrap();
    let sent = first.send(Record::new("out").value(b"zombie")).await;
    if level >= 2 {
        // Transactions v2 send no AddPartitionsToTxn: the broker refuses
        // the batch itself, and the commit reports the fencing.
        let delivery = sent.unwrap().await.unwrap_err();
        assert_eq!(
            delivery.code(),
            Some(kctl_client::ErrorCode::InvalidProducerEpoch),
            "{delivery}"
        );
        let err = first.commit_transaction().await.unwrap_err();
        assert!(err.is_fatal_transaction_error(), "{err}");
    } else {
        let err = sent.unwrap_err();
        assert!(err.is_fatal_transaction_error(), "{err}");
    }
    assert!(
        first
            .begin_transaction()
            .unwrap_err()
            .is_fatal_transaction_error()
    );
    second.begin_transaction().unwrap();
    second
        .send_and_wait(Record::new("out").value(b"ok"))
        .await
        .unwrap();
    second.commit_transaction().await.unwrap();
    let values = read_all(&bootstrap, "out", 1, IsolationLevel::ReadCommitted).await;
    assert_eq!(values, ["x", "ok"]);
}

/// A rebalance between a poll and the transaction that commits its
/// records' offsets fences that transaction (KIP-447): the group metadata
/// is the membership the records were polled under, not the newer one the
/// consumer rejoined with in the background. Committing with the newer one
/// would commit offsets of partitions another member may now own.
#[tokio::test]
async fn a_rebalance_after_the_poll_fences_the_offsets_of_its_transaction() {
    let broker = broker_at(2).await;
    let bootstrap = broker.bootstrap();
    let admin_client = client(&bootstrap).await;
    create_topic(&admin_client, "fence-in", 2, 1).await;
    let setup = Producer::builder([bootstrap.clone()])
        .build()
        .await
        .unwrap();
    for p in 0..2 {
        setup
            .send_and_wait(Record::new("fence-in").partition(p).value(b"v"))
            .await
            .unwrap();
    }
    let member = |name: &'static str| {
        Consumer::builder([bootstrap.clone()])
            .group_id("fence-group")
            .client_id(name)
            .enable_auto_commit(false)
            .auto_offset_reset(OffsetReset::Earliest)
            .build()
    };
    let first = member("first").await.unwrap();
    first.subscribe(["fence-in"]);
    let mut polled = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while polled.len() < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "never polled both records"
        );
        polled.extend(first.poll(Duration::from_millis(200)).await.unwrap());
    }
    let at_poll = first.group_metadata().unwrap();
    assert!(at_poll.generation_id > 0, "{at_poll:?}");

    // A second member joins; the first rejoins in the background.
    let second = member("second").await.unwrap();
    second.subscribe(["fence-in"]);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while first.group_membership().1 == at_poll.generation_id {
        assert!(tokio::time::Instant::now() < deadline, "no rebalance");
        second.poll(Duration::from_millis(100)).await.unwrap();
    }
    assert_eq!(
        first.group_metadata().unwrap().generation_id,
        at_poll.generation_id,
        "group_metadata must stay that of the last poll"
    );

    let producer = Producer::builder([bootstrap.clone()])
        .transactional_id("fence-rebalance")
        .build()
        .await
        .unwrap();
    producer.init_transactions().await.unwrap();
    producer.begin_transaction().unwrap();
    let offsets: BTreeMap<TopicPartition, OffsetAndMetadata> = polled
        .iter()
        .map(|r| {
            (
                TopicPartition::new(&r.topic, r.partition),
                OffsetAndMetadata::new(r.offset + 1),
            )
        })
        .collect();
    let refused = producer
        .send_offsets_to_transaction(&offsets, &first.group_metadata().unwrap())
        .await
        .unwrap_err();
    match &refused {
        Error::Transaction {
            fatal: false,
            cause,
        } => assert_eq!(
            cause.code(),
            Some(kctl_client::ErrorCode::IllegalGeneration),
            "{refused}"
        ),
        other => panic!("expected an abortable transaction error, got {other}"),
    }
    producer.abort_transaction().await.unwrap();
    let tps: Vec<TopicPartition> = offsets.keys().cloned().collect();
    let committed = first.committed(&tps).await.unwrap();
    assert!(
        committed.is_empty(),
        "nothing may be committed: {committed:?}"
    );
    drop((first, second));
}

/// The transactions example binary (exactly-once read-process-write), built now: `cargo test --test it`
/// alone does not build examples, and a stale one would test old code.
fn example_binary() -> PathBuf {
    let status = std::process::Command::new(env!("CARGO"))
        .args(["build", "-p", "kctl-client", "--example", "exactly_once"])
        .status()
        .unwrap();
    assert!(status.success(), "cannot build the transactions example");
    let exe = std::env::current_exe().unwrap();
    let debug = exe.parent().unwrap().parent().unwrap();
    debug.join("examples").join("exactly_once")
}

const RECORDS: usize = 100_000;
const KILLS: usize = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_exactly_once_pipeline_survives_sigkill_restarts() {
    let binary = tokio::task::spawn_blocking(example_binary).await.unwrap();
    let broker = TestBroker::start_with(false, |c| c.group.initial_rebalance_delay_ms = 100).await;
    let bootstrap = broker.bootstrap();
    let admin_client = client(&bootstrap).await;
    create_topic(&admin_client, "eos-a", 8, 1).await;
    create_topic(&admin_client, "eos-b", 8, 1).await;
    let producer = Producer::builder([bootstrap.clone()])
        .build()
        .await
        .unwrap();
    for i in 0..RECORDS {
        let key = format!("k{i}");
        let value = format!("v{i}");
        drop(
            producer
                .send(
                    Record::new("eos-a")
                        .key(key.as_bytes())
                        .value(value.as_bytes()),
                )
                .await
                .unwrap(),
        );
    }
    producer.flush().await;
    producer.close().await;

    let pipeline_bootstrap = bootstrap.clone();
    let run = move |idle_ms: u64| {
        std::process::Command::new(&binary)
            .args([
                pipeline_bootstrap.as_str(),
                "eos-a",
                "eos-b",
                "eos-group",
                "eos-pipeline",
            ])
            .env("KCTL_EOS_IDLE_MS", idle_ms.to_string())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut rng = rand::rng();
    for _ in 0..KILLS {
        let mut child = run(60_000);
        tokio::time::sleep(Duration::from_millis(rng.random_range(500..2500))).await;
        // SIGKILL: no chance to abort or flush anything.
        child.kill().unwrap();
        child.wait().unwrap();
    }
    let last_run = run.clone();
    let finished = tokio::task::spawn_blocking(move || {
        let mut child = last_run(5_000);
        child.wait().unwrap()
    });
    let status = tokio::time::timeout(Duration::from_secs(600), finished)
        .await
        .expect("the last run never finished")
        .unwrap();
    assert!(status.success(), "the last run failed: {status}");

    let mut out = read_all(&bootstrap, "eos-b", 8, IsolationLevel::ReadCommitted).await;
    assert_eq!(out.len(), RECORDS, "every input record exactly once");
    out.sort();
    out.dedup();
    assert_eq!(out.len(), RECORDS, "no duplicates");
    // The group's committed offsets are the ends of A.
    let consumer = Consumer::builder([bootstrap.clone()])
        .group_id("eos-group")
        .build()
        .await
        .unwrap();
    let tps: Vec<TopicPartition> = (0..8).map(|p| TopicPartition::new("eos-a", p)).collect();
    let committed = consumer.committed(&tps).await.unwrap();
    let total: i64 = committed.values().map(|o| o.offset).sum();
    assert_eq!(total, RECORDS as i64);
}
