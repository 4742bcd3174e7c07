//! The poller against broker-lite in process: what a snapshot holds, and
//! that a stopped broker turns into `PollFailed` and a restarted one into
//! snapshots again, without restarting the poller.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use broker_lite::config::BrokerConfig;
use broker_lite::{BrokerHandle, start};
use kctl_client::admin::{
    Admin, AdminConfig, CreateTopicsOptions, IsolationLevel, NewTopic, TopicPartition,
};
use kctl_client::{ClientConfig, Producer, Record};
use kctl_tui::action::Action;
use kctl_tui::model::{GroupState, ShareStatistics, Snapshot};
use kctl_tui::poller::{self, Connect, PollerConfig};
use tokio::sync::mpsc;

async fn broker(dir: &Path, listen: SocketAddr) -> BrokerHandle {
    let mut config = BrokerConfig::default();
    config.listen = listen;
    config.data_dir = dir.to_owned();
    start(config).await.expect("broker-lite starts")
}

fn admin_config() -> AdminConfig {
    AdminConfig::default().api_timeout_ms(2_000)
}

fn connect(bootstrap: String) -> Connect {
    Box::new(move || {
        let bootstrap = bootstrap.clone();
        Box::pin(
            async move { Admin::connect(ClientConfig::new([bootstrap]), admin_config()).await },
        )
    })
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Action>) -> Action {
    tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("the poller reports within 20 s")
        .expect("the poller is running")
}

async fn next_snapshot(rx: &mut mpsc::UnboundedReceiver<Action>) -> Snapshot {
    for _ in 0..50 {
        if let Action::Snapshot(s) = next(rx).await {
            return *s;
        }
    }
    panic!("no snapshot in 50 rounds");
}

#[tokio::test]
async fn snapshots_are_filled_fail_while_the_broker_is_gone_and_resume() {
    let dir = tempfile::tempdir().unwrap();
    let first = broker(dir.path(), "127.0.0.1:0".parse().unwrap()).await;
    let addr = first.local_addr();
    let bootstrap = first.bootstrap();

    let admin = Admin::connect(ClientConfig::new([bootstrap.clone()]), admin_config())
        .await
        .unwrap();
    let created = admin
        .create_topics(
            &[NewTopic::new("orders")
                .partitions(2)
                .config("min.insync.replicas", "1")],
            CreateTopicsOptions::default(),
        )
        .await
        .unwrap();
    created[0].result.as_ref().expect("orders created");
    let producer = Producer::builder([bootstrap.clone()])
        .build()
        .await
        .unwrap();
    for i in 0..5 {
        producer
            .send_and_wait(
                Record::new("orders")
                    .partition(0)
                    .value(format!("v{i}").as_bytes()),
            )
            .await
            .unwrap();
    }
    producer.close().await;
    let committed = admin
        .alter_group_offsets("billing", &[(TopicPartition::new("orders", 0), 2)])
        .await
        .unwrap();
    committed[0].result.as_ref().expect("commit accepted");

    let (tx, mut rx) = mpsc::unbounded_channel();
    let config = PollerConfig {
        refresh_interval: Duration::from_millis(200),
        round_timeout: Duration::from_secs(5),
        isolation: IsolationLevel::ReadUncommitted,
    };
    let handle = poller::spawn(connect(bootstrap.clone()), config, tx);

    let before = poller::now_ms();
    let snapshot = next_snapshot(&mut rx).await;
    assert!(snapshot.captured_at_ms >= before);
    assert_eq!(snapshot.cluster.brokers.len(), 1);
    assert_eq!(snapshot.cluster.brokers[0].port, addr.port());
    assert!(snapshot.cluster.id.is_some());
    let orders = snapshot
        .topics
        .iter()
        .find(|t| t.name == "orders")
        .expect("orders in the snapshot");
    assert_eq!(orders.min_insync_replicas, Some(1));
    assert_eq!(orders.partitions.len(), 2);
    let p0 = &orders.partitions[0];
    assert_eq!((p0.log_start_offset, p0.log_end_offset), (Some(0), Some(5)));
    assert_eq!(p0.isr, p0.replicas);
    assert_eq!(orders.partitions[1].log_end_offset, Some(0));
    let billing = snapshot
        .groups
        .iter()
        .find(|g| g.group_id == "billing")
        .expect("billing listed");
    assert_eq!(billing.state, GroupState::Empty);
    assert!(billing.members.is_empty());
    let committed: Vec<(String, i32, Option<i64>)> = billing
        .offsets
        .iter()
        .map(|o| (o.topic.clone(), o.partition, o.committed_offset))
        .collect();
    assert_eq!(committed, vec![("orders".to_owned(), 0, Some(2))]);

    // A refresh request is answered without waiting for the interval.
    handle.refresh();
    next(&mut rx).await;

    first.shutdown().await.unwrap();
    let failed = loop {
        match next(&mut rx).await {
            Action::PollFailed { error, .. } => break error,
            Action::Snapshot(_) => continue,
            other => panic!("unexpected {other:?}"),
        }
    };
    assert!(!failed.is_empty());

    let second = broker(dir.path(), addr).await;
    let resumed = next_snapshot(&mut rx).await;
    let orders = resumed
        .topics
        .iter()
        .find(|t| t.name == "orders")
        .expect("orders survives the restart");
    assert_eq!(orders.partitions[0].log_end_offset, Some(5));
    assert!(resumed.captured_at_ms > snapshot.captured_at_ms);
    drop(handle);
    second.shutdown().await.unwrap();
}

/// With `--read-committed` the dashboard measures partitions (and so a
/// group's lag) to the last stable offset: an open transaction's records
/// are not yet readable by a read_committed consumer.
#[tokio::test]
async fn read_committed_snapshots_end_partitions_at_the_last_stable_offset() {
    let dir = tempfile::tempdir().unwrap();
    let running = broker(dir.path(), "127.0.0.1:0".parse().unwrap()).await;
    let bootstrap = running.bootstrap();
    let admin = Admin::connect(ClientConfig::new([bootstrap.clone()]), admin_config())
        .await
        .unwrap();
    let created = admin
        .create_topics(
            &[NewTopic::new("ledger").partitions(1)],
            CreateTopicsOptions::default(),
        )
        .await
        .unwrap();
    created[0].result.as_ref().expect("ledger created");
    let plain = Producer::builder([bootstrap.clone()])
        .build()
        .await
        .unwrap();
    for value in ["a", "b"] {
        plain
            .send_and_wait(Record::new("ledger").value(value.as_bytes()))
            .await
            .unwrap();
    }
    plain.close().await;
    admin
        .alter_group_offsets("audit", &[(TopicPartition::new("ledger", 0), 2)])
        .await
        .unwrap();
    let transactional = Producer::builder([bootstrap.clone()])
        .transactional_id("ledger-tx")
        .build()
        .await
        .unwrap();
    transactional.init_transactions().await.unwrap();
    transactional.begin_transaction().unwrap();
    for value in ["c", "d", "e"] {
        transactional
            .send_and_wait(Record::new("ledger").value(value.as_bytes()))
            .await
            .unwrap();
    }
    let end_of = |snapshot: &Snapshot| {
        snapshot
            .topics
            .iter()
            .find(|t| t.name == "ledger")
            .map(|t| t.partitions[0].log_end_offset)
    };
    let committed = poller::poll_once(&admin, IsolationLevel::ReadCommitted)
        .await
        .unwrap();
    assert_eq!(
        end_of(&committed),
        Some(Some(2)),
        "the open transaction starts at 2"
    );
    let uncommitted = poller::poll_once(&admin, IsolationLevel::ReadUncommitted)
        .await
        .unwrap();
    assert_eq!(end_of(&uncommitted), Some(Some(5)));
    transactional.commit_transaction().await.unwrap();
    let after = poller::poll_once(&admin, IsolationLevel::ReadCommitted)
        .await
        .unwrap();
    assert_eq!(end_of(&after), Some(Some(6)), "past the commit marker");
    transactional.close().await;
    running.shutdown().await.unwrap();
}

/// A share group (KIP-932) is read with ShareGroupDescribe and
/// DescribeShareGroupOffsets and listed beside the consumer groups: type
/// `share`, its members, and per partition the log end minus the
/// share-partition lag (DescribeShareGroupOffsets v1) where a commit would
/// be, so its lag is Kafka's: records acknowledged past the start offset
/// do not count.
#[tokio::test]
async fn share_groups_are_listed_beside_consumer_groups_with_their_share_lag() {
    use kctl_client::consumer::share::{
        AcknowledgeType, AcknowledgementMode, ShareConsumer, ShareConsumerConfig,
    };
    use kctl_tui::app::App;
    use kctl_tui::evaluation::EvalConfig;

    let dir = tempfile::tempdir().unwrap();
    let handle = broker(dir.path(), "127.0.0.1:0".parse().unwrap()).await;
    let bootstrap = handle.bootstrap();
    let admin = Admin::connect(ClientConfig::new([bootstrap.clone()]), admin_config())
        .await
        .unwrap();
    let created = admin
        .create_topics(&[NewTopic::new("jobs")], CreateTopicsOptions::default())
        .await
        .unwrap();
    created[0].result.as_ref().expect("jobs created");
    let producer = Producer::builder([bootstrap.clone()])
        .build()
        .await
        .unwrap();
    for i in 0..10 {
        producer
            .send_and_wait(Record::new("jobs").value(format!("job-{i}").as_bytes()))
            .await
            .unwrap();
    }
    producer.close().await;
    let jobs = TopicPartition::new("jobs", 0);
    admin
        .alter_group_offsets("billing", &[(jobs.clone(), 7)])
        .await
        .unwrap()[0]
        .result
        .as_ref()
        .expect("commit accepted");
    admin
        .alter_share_group_offsets("workers", &[(jobs, 0)])
        .await
        .unwrap()[0]
        .result
        .as_ref()
        .expect("share group starts at 0");
    // One member accepts the first four records and two past them, 6 and
    // 7, rejects the last and still holds the rest (4, 5 and 8).
    let config = ShareConsumerConfig::new([bootstrap.clone()], "workers")
        .acknowledgement_mode(AcknowledgementMode::Explicit)
        .client_id("worker-1");
    let mut worker = ShareConsumer::connect(config).await.unwrap();
    worker.subscribe(["jobs"]).await.unwrap();
    let mut records = Vec::new();
    while records.is_empty() {
        records = worker.poll(Duration::from_millis(500)).await.unwrap();
    }
    assert_eq!(records.len(), 10);
    for r in records[..4].iter().chain(&records[6..8]) {
        worker.acknowledge(r, AcknowledgeType::Accept).unwrap();
    }
    worker
        .acknowledge(&records[9], AcknowledgeType::Reject)
        .unwrap();
    worker.commit_sync().await.unwrap();

    let snapshot = poller::poll_once(&admin, IsolationLevel::ReadUncommitted)
        .await
        .unwrap();
    let share = snapshot
        .groups
        .iter()
        .find(|g| g.group_id == "workers")
        .expect("the share group is listed");
    assert_eq!(share.group_type, "share");
    assert_eq!(share.protocol, "simple");
    assert_eq!(share.state, GroupState::Stable);
    assert_eq!(share.members.len(), 1);
    assert_eq!(share.members[0].client_id, "worker-1");
    assert_eq!(share.members[0].assignment.len(), 1);
    assert_eq!(share.offsets.len(), 1);
    assert_eq!(
        share.offsets[0].committed_offset,
        Some(7),
        "log end 10 - lag 3 (SPSO 4; 6, 7 and 9 done past it)"
    );
    assert_eq!(
        share.offsets[0].share,
        Some(ShareStatistics {
            in_flight: 3,
            archived_total: 1,
            redeliveries_total: 0
        }),
        "broker-lite's statistics: 4, 5 and 8 held, 9 rejected"
    );
    assert!(
        snapshot.groups.iter().any(|g| g.group_id == "billing"),
        "consumer groups are still there"
    );

    let mut app = App::new(EvalConfig::default(), 1_000);
    app.update(Action::Snapshot(Box::new(snapshot)));
    let rows = app.group_rows();
    let workers = rows.iter().find(|g| g.group_id == "workers").unwrap();
    assert_eq!(workers.total_lag, 3, "records 4, 5 and 8 not yet done");
    let figures = workers.share.expect("share figures");
    assert_eq!((figures.in_flight, figures.archived), (3, 1));
    let billing = rows.iter().find(|g| g.group_id == "billing").unwrap();
    assert_eq!(billing.total_lag, 3);
    worker.close().await.unwrap();
    handle.shutdown().await.unwrap();
}
