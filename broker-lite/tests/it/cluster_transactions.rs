//! Transactions and producer ids on a local cluster (issue 15, cluster
//! part): producer ids come from the controller in blocks, so no two nodes
//! hand out the same one; a transaction spanning partitions led by every
//! node is verified by the remote leaders with the coordinator, and its
//! markers (and its group's offsets) reach every one of them.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use kctl_client::consumer::IsolationLevel;
use kctl_client::protocol::messages::{InitProducerIdRequest, ProducerId};
use kctl_client::{Consumer, OffsetAndMetadata, OffsetReset, Producer, Record, TopicPartition};

use crate::cluster_support::{TestCluster, create};
use broker_lite::cluster::coordinator_log::{
    OFFSETS_TOPIC, OFFSETS_TOPIC_PARTITIONS, partition_for,
};
use broker_lite::cluster::txn_log::{TXN_TOPIC, txn_partition};

/// Three partitions, led by nodes 1, 2 and 3, each replicated on all.
const SPREAD: &[&[i32]] = &[&[1, 2, 3], &[2, 3, 1], &[3, 1, 2]];

async fn new_producer_id(cluster: &TestCluster, node: i32) -> i64 {
    let request = InitProducerIdRequest::default()
        .with_transactional_id(None)
        .with_transaction_timeout_ms(60_000)
        .with_producer_id(ProducerId(-1))
        .with_producer_epoch(-1);
    let response = cluster.client(node).await.send(4, &request).await;
    assert_eq!(response.error_code, 0, "InitProducerId on node {node}");
    assert_eq!(response.producer_epoch, 0);
    response.producer_id.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn producer_ids_never_collide_across_nodes_or_restarts() {
    let cluster = TestCluster::start(3, &[]).await;
    let mut seen = BTreeSet::new();
    let mut issued = 0;
    for round in 0..2 {
        for node in 1..=3 {
            for _ in 0..4 {
                let id = new_producer_id(&cluster, node).await;
                issued += 1;
                assert!(
                    seen.insert(id),
                    "producer id {id} handed out twice (node {node}, round {round})"
                );
            }
        }
        if round == 0 {
            // A restarted node gets a fresh block: none of its old ids again.
            cluster.cluster().kill_node(2).await.unwrap();
            cluster.cluster().start_node(2).await.unwrap();
            cluster
                .cluster()
                .wait_until_live(&[2], Duration::from_secs(20))
                .await
                .unwrap();
        }
    }
    assert_eq!(seen.len(), issued);
    cluster.shutdown().await;
}

/// Every value of `topic`'s three partitions under `isolation`, read until
/// `expected` values arrived and a further second brings nothing new.
async fn read_values(
    bootstrap: &[String],
    topic: &str,
    isolation: IsolationLevel,
    expected: usize,
) -> Vec<String> {
    let consumer = Consumer::builder(bootstrap.to_vec())
        .isolation_level(isolation)
        .auto_offset_reset(OffsetReset::Earliest)
        .build()
        .await
        .unwrap();
    let tps: Vec<TopicPartition> = (0..3).map(|p| TopicPartition::new(topic, p)).collect();
    consumer.assign(&tps);
    let mut values = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut quiet_since = tokio::time::Instant::now();
    loop {
        let records = consumer.poll(Duration::from_millis(200)).await.unwrap();
        if records.is_empty() {
            if values.len() >= expected && quiet_since.elapsed() > Duration::from_secs(1) {
                break;
            }
        } else {
            quiet_since = tokio::time::Instant::now();
        }
        for r in records {
            values
                .push(String::from_utf8_lossy(r.value.as_deref().unwrap_or_default()).into_owned());
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{topic} under {isolation:?}: {} of {expected} values: {values:?}",
            values.len()
        );
    }
    consumer.close().await;
    values.sort();
    values
}

fn sorted(values: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = values.into_iter().collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_over_partitions_led_by_every_node_commits_and_aborts_everywhere_v1() {
    across_every_node("1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_over_partitions_led_by_every_node_commits_and_aborts_everywhere_v2() {
    across_every_node("2").await;
}

/// At `transaction.version` 1 the client adds partitions and the group
/// itself and the remote leaders verify only; at 2 Produce v12 and
/// TxnOffsetCommit v5 add them through the leaders' verification.
async fn across_every_node(transaction_version: &str) {
    let cluster = TestCluster::start(3, &[("transaction.version", transaction_version)]).await;
    let mut c1 = cluster.client(1).await;
    assert_eq!(create(&mut c1, "tx-out", 0, 0, SPREAD, &[]).await, 0);
    assert_eq!(create(&mut c1, "tx-in", 0, 0, SPREAD, &[]).await, 0);
    for p in 0..3 {
        cluster
            .wait_for(
                &[1, 2, 3],
                "tx-out",
                p,
                Duration::from_secs(10),
                "created",
                |m| m.2.len() == 3,
            )
            .await;
    }
    let bootstrap = cluster.addresses().await;
    let producer = Producer::builder(bootstrap.clone())
        .transactional_id("cluster-txn")
        .linger_ms(1)
        .build()
        .await
        .unwrap();
    producer.init_transactions().await.unwrap();
    let send_round = |prefix: &'static str, count: usize| {
        let producer = &producer;
        async move {
            let mut sent = Vec::new();
            for i in 0..count {
                let value = format!("{prefix}-{i}");
                producer
                    .send_and_wait(
                        Record::new("tx-out")
                            .partition((i % 3) as i32)
                            .value(value.as_bytes()),
                    )
                    .await
                    .unwrap();
                sent.push(value);
            }
            sent
        }
    };
    producer.begin_transaction().unwrap();
    let mut committed = send_round("commit", 9).await;
    producer.commit_transaction().await.unwrap();
    producer.begin_transaction().unwrap();
    let aborted = send_round("abort", 6).await;
    producer.abort_transaction().await.unwrap();

    // Offsets of a group (coordinated by whichever node leads its
    // __consumer_offsets partition) commit with the transaction.
    let consumer = Consumer::builder(bootstrap.clone())
        .group_id("cluster-eos")
        .build()
        .await
        .unwrap();
    let group = consumer.group_metadata().unwrap();
    let tp = TopicPartition::new("tx-in", 1);
    for (offset, commit) in [(7, true), (11, false)] {
        producer.begin_transaction().unwrap();
        let sent = send_round(
            if commit {
                "offsets-commit"
            } else {
                "offsets-abort"
            },
            3,
        )
        .await;
        producer
            .send_offsets_to_transaction(
                &BTreeMap::from([(tp.clone(), OffsetAndMetadata::new(offset))]),
                &group,
            )
            .await
            .unwrap();
        if commit {
            producer.commit_transaction().await.unwrap();
            committed.extend(sent);
        } else {
            producer.abort_transaction().await.unwrap();
        }
    }
    let offsets = consumer.committed(std::slice::from_ref(&tp)).await.unwrap();
    assert_eq!(
        offsets[&tp].offset, 7,
        "the aborted offset 11 must not show"
    );
    consumer.close().await;

    let read_committed = read_values(
        &bootstrap,
        "tx-out",
        IsolationLevel::ReadCommitted,
        committed.len(),
    )
    .await;
    assert_eq!(read_committed, sorted(committed.clone()));
    let everything = read_values(
        &bootstrap,
        "tx-out",
        IsolationLevel::ReadUncommitted,
        committed.len() + aborted.len() + 3,
    )
    .await;
    assert_eq!(
        everything.len(),
        committed.len() + aborted.len() + 3,
        "{everything:?}"
    );
    cluster.shutdown().await;
}

/// The node FindCoordinator names for transactional id `id`, asking the
/// running nodes `ask`.
async fn txn_coordinator(cluster: &TestCluster, id: &str, ask: &[i32]) -> i32 {
    find_coordinator(cluster, id, 1, ask).await
}

/// The node FindCoordinator names for `key` of `key_type` (0 a group, 1 a
/// transactional id), asking the running nodes `ask` until one knows.
async fn find_coordinator(cluster: &TestCluster, key: &str, key_type: i8, ask: &[i32]) -> i32 {
    use kctl_client::protocol::StrBytes;
    use kctl_client::protocol::messages::FindCoordinatorRequest;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        for &node in ask {
            let mut client = cluster.client(node).await;
            let found = client
                .send(
                    3,
                    &FindCoordinatorRequest::default()
                        .with_key(StrBytes::from_string(key.to_owned()))
                        .with_key_type(key_type),
                )
                .await;
            if found.error_code == 0 {
                return found.node_id.0;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no coordinator for {key}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// kill -9 of the transaction coordinator's node, once with a transaction
/// open and once right after a commit was acknowledged: the new coordinator
/// (the new leader of the id's `__transaction_state` partition) loads the
/// state; the open transaction is aborted when a new producer instance
/// fences it, the acknowledged commit is completed, and read_committed sees
/// exactly the committed records.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_transaction_coordinator_loses_no_commit_and_shows_no_abort() {
    const ID: &str = "kill-the-coordinator";
    let cluster = TestCluster::start(4, &[]).await;
    let mut c1 = cluster.client(1).await;
    // Partitions led by nodes 1-3, each replicated on three nodes; node 4
    // keeps two replicas of every internal partition alive after a kill.
    let spread: &[&[i32]] = &[&[1, 2, 4], &[2, 3, 4], &[3, 1, 4]];
    assert_eq!(create(&mut c1, "kill-out", 0, 0, spread, &[]).await, 0);
    let bootstrap = cluster.addresses().await;
    let producer = |bootstrap: Vec<String>| async move {
        let p = Producer::builder(bootstrap)
            .transactional_id(ID)
            .linger_ms(1)
            .transaction_timeout_ms(60_000)
            .build()
            .await
            .unwrap();
        p.init_transactions().await.unwrap();
        p
    };
    let first = producer(bootstrap.clone()).await;
    let mut committed = Vec::new();
    first.begin_transaction().unwrap();
    committed.extend(send_all_kill(&first, "before").await);
    first.commit_transaction().await.unwrap();

    // 1. Killed with a transaction open.
    first.begin_transaction().unwrap();
    let open = send_all_kill(&first, "open").await;
    let coordinator = txn_coordinator(&cluster, ID, &[1, 2, 3, 4]).await;
    cluster.cluster().kill_node(coordinator).await.unwrap();
    drop(first);
    let survivors: Vec<String> = (1..=4)
        .filter(|n| *n != coordinator)
        .map(|n| bootstrap[(n - 1) as usize].clone())
        .collect();
    // A new instance fences the old one; its open transaction is aborted.
    let second = producer(survivors.clone()).await;
    let running: Vec<i32> = (1..=4).filter(|n| *n != coordinator).collect();
    let new_coordinator = txn_coordinator(&cluster, ID, &running).await;
    assert_ne!(new_coordinator, coordinator);

    // 2. Killed right after a commit was acknowledged.
    second.begin_transaction().unwrap();
    let acknowledged = send_all_kill(&second, "acknowledged").await;
    second.commit_transaction().await.unwrap();
    committed.extend(acknowledged);
    cluster.cluster().kill_node(new_coordinator).await.unwrap();
    drop(second);
    cluster.cluster().start_node(coordinator).await.unwrap();
    cluster
        .cluster()
        .wait_until_live(&[coordinator], Duration::from_secs(20))
        .await
        .unwrap();
    let alive: Vec<String> = (1..=4)
        .filter(|n| *n != new_coordinator)
        .map(|n| bootstrap[(n - 1) as usize].clone())
        .collect();
    let third = producer(alive.clone()).await;
    third.begin_transaction().unwrap();
    committed.extend(send_all_kill(&third, "after").await);
    third.commit_transaction().await.unwrap();

    let seen = read_values(
        &alive,
        "kill-out",
        IsolationLevel::ReadCommitted,
        committed.len(),
    )
    .await;
    assert_eq!(
        seen,
        sorted(committed.clone()),
        "open transaction: {open:?}"
    );
    assert!(seen.iter().all(|v| !v.starts_with("open")));
    cluster.shutdown().await;
}

/// Six values named `prefix-i`, two to each partition of `kill-out`.
async fn send_all_kill(p: &Producer, prefix: &str) -> Vec<String> {
    let values: Vec<String> = (0..6).map(|i| format!("{prefix}-{i}")).collect();
    for (i, v) in values.iter().enumerate() {
        p.send_and_wait(
            Record::new("kill-out")
                .partition((i % 3) as i32)
                .value(v.as_bytes()),
        )
        .await
        .unwrap();
    }
    values
}

/// The state DescribeTransactions shows for `id` on node `node`.
async fn txn_state(cluster: &TestCluster, node: i32, id: &str) -> String {
    use kctl_client::protocol::StrBytes;
    use kctl_client::protocol::messages::{DescribeTransactionsRequest, TransactionalId};
    let response = cluster
        .client(node)
        .await
        .send(
            0,
            &DescribeTransactionsRequest::default().with_transactional_ids(vec![TransactionalId(
                StrBytes::from_string(id.to_owned()),
            )]),
        )
        .await;
    let state = &response.transaction_states[0];
    assert_eq!(state.error_code, 0, "DescribeTransactions {id} on {node}");
    state.transaction_state.to_string()
}

/// A marker counts once the partition's ISR has it (Kafka appends markers
/// with acks=-1), and carries its coordinator's epoch, below which the
/// partition fences later markers. The partitions' follower is frozen (kept in the ISR by
/// long timeouts) when the transaction commits: the transaction stays
/// PrepareCommit, since the leader cannot confirm its marker. The leader
/// then stops and the frozen follower, which never got the marker, takes
/// over: the coordinator writes the marker there, so the partition's LSO
/// does not stay stuck below the committed records. (Were a marker
/// acknowledged on the leader's append, the transaction would be complete
/// and nobody would ever close it on the new leader.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_marker_counts_only_once_the_isr_has_it() {
    const ID: &str = "marker-isr";
    let cluster = TestCluster::start(
        4,
        &[
            ("broker.session.timeout.ms", "30000"),
            ("replica.lag.time.max.ms", "30000"),
        ],
    )
    .await;
    let coordinator = txn_coordinator(&cluster, ID, &[1, 2, 3, 4]).await;
    // The follower must not hold the id's `__transaction_state` partition,
    // whose ISR the coordinator's own writes wait for.
    let state_partition = broker_lite::cluster::txn_log::txn_partition(ID);
    let txn_state_replicas: Vec<i32> = cluster
        .metadata(coordinator, broker_lite::cluster::txn_log::TXN_TOPIC)
        .await
        .topics[0]
        .partitions
        .iter()
        .find(|p| p.partition_index == state_partition)
        .unwrap()
        .replica_nodes
        .iter()
        .map(|b| b.0)
        .collect();
    let follower = (1..=4)
        .find(|n| !txn_state_replicas.contains(n))
        .expect("four nodes, three replicas");
    let leader = (1..=4)
        .find(|n| *n != coordinator && *n != follower)
        .unwrap();
    let other = (1..=4)
        .find(|n| ![coordinator, follower, leader].contains(n))
        .unwrap();
    let mut client = cluster.client(coordinator).await;
    let replicas: &[i32] = &[leader, follower];
    assert_eq!(
        create(
            &mut client,
            "marker-out",
            0,
            0,
            &[replicas, replicas, replicas],
            &[]
        )
        .await,
        0
    );
    for p in 0..3 {
        cluster
            .wait_for(
                &[1, 2, 3, 4],
                "marker-out",
                p,
                Duration::from_secs(10),
                "created",
                |m| m.2.len() == 2,
            )
            .await;
    }
    let addresses = cluster.addresses().await;
    let without_follower: Vec<String> = [coordinator, leader, other]
        .iter()
        .map(|n| addresses[(n - 1) as usize].clone())
        .collect();
    let producer = Producer::builder(without_follower)
        .transactional_id(ID)
        .linger_ms(1)
        .build()
        .await
        .unwrap();
    producer.init_transactions().await.unwrap();
    producer.begin_transaction().unwrap();
    let mut sent = Vec::new();
    for i in 0..3 {
        let value = format!("committed-{i}");
        producer
            .send_and_wait(
                Record::new("marker-out")
                    .partition(i)
                    .value(value.as_bytes()),
            )
            .await
            .unwrap();
        sent.push(value);
    }
    cluster.cluster().pause_node(follower).await.unwrap();
    producer.commit_transaction().await.unwrap();
    // The decision is logged, but no marker is confirmed by the ISR.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(txn_state(&cluster, coordinator, ID).await, "PrepareCommit");

    cluster.cluster().stop_node(leader).await.unwrap();
    for p in 0..3 {
        cluster
            .wait_for(
                &[coordinator, other],
                "marker-out",
                p,
                Duration::from_secs(15),
                "the follower leads",
                |m| m.0 == follower,
            )
            .await;
    }
    cluster.cluster().resume_node(follower).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while txn_state(&cluster, coordinator, ID).await != "CompleteCommit" {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the coordinator never wrote the markers on the new leader"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let alive: Vec<String> = [coordinator, follower, other]
        .iter()
        .map(|n| addresses[(n - 1) as usize].clone())
        .collect();
    let seen = read_values(&alive, "marker-out", IsolationLevel::ReadCommitted, 3).await;
    assert_eq!(seen, sorted(sent));
    drop(producer);

    // The coordinator epoch: once a marker of a newer coordinator reached
    // the partition, one from an older coordinator is fenced.
    let (producer_id, producer_epoch) = txn_identity(&cluster, coordinator, ID).await;
    let mut as_broker = cluster
        .client(follower)
        .await
        .with_client_id(&format!("broker-{coordinator}-txn"));
    let identity = (producer_id, producer_epoch);
    assert_eq!(
        abort_marker(&mut as_broker, identity, 1_000).await,
        0,
        "a newer coordinator's marker"
    );
    assert_eq!(
        abort_marker(&mut as_broker, identity, 999).await,
        kctl_client::protocol::ErrorCode::TransactionCoordinatorFenced.code(),
        "a deposed coordinator's marker"
    );
    cluster.shutdown().await;
}

/// WriteTxnMarkers (as a cluster node) of an ABORT marker for `marker-out`
/// partition 0: its error code.
async fn abort_marker(
    client: &mut crate::support::RawClient,
    (producer_id, producer_epoch): (i64, i16),
    coordinator_epoch: i32,
) -> i16 {
    use kctl_client::protocol::StrBytes;
    use kctl_client::protocol::messages::write_txn_markers_request::{
        WritableTxnMarker, WritableTxnMarkerTopic,
    };
    use kctl_client::protocol::messages::{TopicName, WriteTxnMarkersRequest};
    let request = WriteTxnMarkersRequest::default().with_markers(vec![
        WritableTxnMarker::default()
            .with_producer_id(ProducerId(producer_id))
            .with_producer_epoch(producer_epoch)
            .with_transaction_result(false)
            .with_coordinator_epoch(coordinator_epoch)
            .with_topics(vec![
                WritableTxnMarkerTopic::default()
                    .with_name(TopicName(StrBytes::from_static_str("marker-out")))
                    .with_partition_indexes(vec![0]),
            ]),
    ]);
    let response = client.send(1, &request).await;
    response.markers[0].topics[0].partitions[0].error_code
}

/// The producer id and epoch DescribeTransactions shows for `id`.
async fn txn_identity(cluster: &TestCluster, node: i32, id: &str) -> (i64, i16) {
    use kctl_client::protocol::StrBytes;
    use kctl_client::protocol::messages::{DescribeTransactionsRequest, TransactionalId};
    let response = cluster
        .client(node)
        .await
        .send(
            0,
            &DescribeTransactionsRequest::default().with_transactional_ids(vec![TransactionalId(
                StrBytes::from_string(id.to_owned()),
            )]),
        )
        .await;
    let state = &response.transaction_states[0];
    (state.producer_id.0, state.producer_epoch)
}

/// The node FindCoordinator names for group `group`, asking node `ask`.
async fn group_coordinator(cluster: &TestCluster, group: &str, ask: i32) -> i32 {
    find_coordinator(cluster, group, 0, &[ask]).await
}

/// A transaction's offsets are in `__consumer_offsets` (a transactional
/// batch) before TxnOffsetCommit answers: kill -9 of the group coordinator
/// between TxnOffsetCommit and the commit loses nothing, since the node
/// that loads the group's partition holds them until the transaction's
/// marker reaches it, and the commit makes them the group's offsets.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transactions_offsets_survive_the_death_of_the_group_coordinator() {
    offsets_survive_the_group_coordinators_death("offsets-survive", false).await;
}

/// The same when one node coordinates both the transaction and the group,
/// and dies: the transaction's and the group's partitions can fail over
/// to different nodes, so the offsets must not live only in the
/// transaction's state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transactions_offsets_survive_the_death_of_a_node_coordinating_both() {
    offsets_survive_the_group_coordinators_death("offsets-both", true).await;
}

/// A group named after `id` whose coordinator is (`co_located`) or is not
/// the coordinator of transactional id `id`, and that node. Chosen from the
/// `__consumer_offsets` leaders (once a FindCoordinator has created the
/// topic), then confirmed by FindCoordinator; asked
/// again while leadership moves (a node fenced under load loses its
/// leaderships until the preferred-leader check gives them back), with a
/// deadline rather than forever.
async fn pick_group(cluster: &TestCluster, id: &str, co_located: bool) -> (String, i32) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let txn_node = txn_coordinator(cluster, id, &[1, 2, 3, 4]).await;
        // The first FindCoordinator for a group creates __consumer_offsets.
        group_coordinator(cluster, &format!("{id}-0"), txn_node).await;
        let offsets = cluster.metadata(txn_node, OFFSETS_TOPIC).await;
        let leaders: BTreeMap<i32, i32> = offsets
            .topics
            .iter()
            .flat_map(|t| &t.partitions)
            .map(|p| (p.partition_index, p.leader_id.0))
            .collect();
        let candidate = (0..10_000).map(|i| format!("{id}-{i}")).find(|group| {
            let leader = leaders.get(&partition_for(group, OFFSETS_TOPIC_PARTITIONS));
            leader.is_some_and(|&l| l >= 0 && (l == txn_node) == co_located)
        });
        if let Some(group) = candidate {
            let group_node = group_coordinator(cluster, &group, txn_node).await;
            if (group_node == txn_node) == co_located {
                return (group, group_node);
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no group with the coordinator placement wanted (co-located: {co_located})"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn offsets_survive_the_group_coordinators_death(id: &str, co_located: bool) {
    let cluster = TestCluster::start(4, &[]).await;
    let (group, group_node) = pick_group(&cluster, id, co_located).await;
    let addresses = cluster.addresses().await;
    let survivor_ids: Vec<i32> = (1..=4).filter(|n| *n != group_node).collect();
    let survivors: Vec<String> = survivor_ids
        .iter()
        .map(|n| addresses[(n - 1) as usize].clone())
        .collect();
    let producer = Producer::builder(survivors.clone())
        .transactional_id(id)
        .linger_ms(1)
        .build()
        .await
        .unwrap();
    producer.init_transactions().await.unwrap();
    let consumer = Consumer::builder(addresses.clone())
        .group_id(&group)
        .build()
        .await
        .unwrap();
    let metadata = consumer.group_metadata().unwrap();
    let tp = TopicPartition::new(format!("{id}-in"), 0);
    producer.begin_transaction().unwrap();
    producer
        .send_offsets_to_transaction(
            &BTreeMap::from([(tp.clone(), OffsetAndMetadata::new(42))]),
            &metadata,
        )
        .await
        .unwrap();
    // A clean failover needs a survivor in the ISR of both coordinators'
    // partitions; a node fenced and back moments ago may not be in it yet.
    let live: Vec<i32> = (1..=4).collect();
    for (topic, index) in [
        (
            OFFSETS_TOPIC,
            partition_for(&group, OFFSETS_TOPIC_PARTITIONS),
        ),
        (TXN_TOPIC, txn_partition(id)),
    ] {
        cluster
            .wait_for(
                &live,
                topic,
                index,
                Duration::from_secs(15),
                "a survivor in the ISR",
                |p| p.2.iter().any(|n| *n != group_node),
            )
            .await;
    }
    cluster.cluster().kill_node(group_node).await.unwrap();
    drop(consumer);
    producer.commit_transaction().await.unwrap();

    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let coordinator = txn_coordinator(&cluster, id, &survivor_ids).await;
        if txn_state(&cluster, coordinator, id).await == "CompleteCommit" {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the transaction's marker never reached the new group coordinator"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let checker = Consumer::builder(survivors)
        .group_id(&group)
        .build()
        .await
        .unwrap();
    let offsets = checker.committed(std::slice::from_ref(&tp)).await.unwrap();
    assert_eq!(
        offsets.get(&tp).map(|o| o.offset),
        Some(42),
        "committed offsets on the new group coordinator: {offsets:?}"
    );
    checker.close().await;
    drop(producer);
    cluster.shutdown().await;
}
