//! A local cluster (issue 14): three broker-lite processes and a controller.
//! Placement and agreement, replication with acks=all, failover under
//! idempotent producers, NOT_ENOUGH_REPLICAS, ISR shrink and expand, a
//! zombie leader's acks=1 tail truncated on its return, preferred leader
//! election, and a follower behind the leader's log start.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::StrBytes;
use kctl_client::protocol::messages::TopicName;

use crate::cluster_support::{TestCluster, create, latest_offset, produce_code, read_all};
use crate::protocol::{fetch, values};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn placement_agreement_and_acks_all() {
    let cluster = TestCluster::start(3, &[]).await;
    let mut c2 = cluster.client(2).await;
    assert_eq!(
        create(&mut c2, "too-many", 1, 4, &[], &[]).await,
        ErrorCode::InvalidReplicationFactor.code()
    );
    assert_eq!(
        create(&mut c2, "bad-manual", 0, 0, &[&[1, 1, 2]], &[]).await,
        ErrorCode::InvalidReplicaAssignment.code()
    );
    assert_eq!(
        create(&mut c2, "manual", 0, 0, &[&[3, 1, 2], &[2, 3, 1]], &[]).await,
        0
    );
    assert_eq!(
        create(&mut c2, "rf3", 3, 3, &[], &[("min.insync.replicas", "2")]).await,
        0
    );
    // Every node answers the same placement, leaders and ISRs at once
    // (the forwarding node refreshed; the others within a heartbeat).
    let manual = cluster
        .wait_for(
            &[1, 2, 3],
            "manual",
            0,
            Duration::from_secs(2),
            "agreement",
            |p| p.0 == 3 && p.2.len() == 3,
        )
        .await;
    assert_eq!(manual, (3, 0, vec![3, 1, 2]));
    let response = cluster.metadata(1, "rf3").await;
    assert_eq!(response.brokers.len(), 3);
    let mut leaders = BTreeMap::new();
    for p in &response.topics[0].partitions {
        assert_eq!(p.replica_nodes.len(), 3);
        *leaders.entry(p.leader_id.0).or_insert(0) += 1;
    }
    // Rack-unaware placement spreads 3 leaders over 3 brokers.
    assert_eq!(leaders.len(), 3, "{leaders:?}");

    // Non-leaders refuse; the leader answers acks=all once the ISR has it.
    let (leader, _, isr) = cluster.partition(1, "manual", 0).await.unwrap();
    assert_eq!(isr.len(), 3);
    let follower = if leader == 1 { 2 } else { 1 };
    let mut to_follower = cluster.client(follower).await;
    let (code, _) = produce_code(&mut to_follower, "manual", "nope", -1).await;
    assert_eq!(code, ErrorCode::NotLeaderOrFollower.code());
    let mut to_leader = cluster.client(leader).await;
    for i in 0..20 {
        let (code, offset) = produce_code(&mut to_leader, "manual", &format!("v-{i}"), -1).await;
        assert_eq!((code, offset), (0, i));
    }
    let read = read_all(&mut to_leader, "manual").await;
    assert_eq!(read.len(), 20);
    assert_eq!(read[19], (19, "v-19".to_owned()));
    // ListOffsets: the leader answers the high watermark and its epoch; a
    // follower refuses.
    assert_eq!(latest_offset(&mut to_leader, "manual").await, (0, 20, 0));
    assert_eq!(
        latest_offset(&mut to_follower, "manual").await.0,
        ErrorCode::NotLeaderOrFollower.code()
    );
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_enough_replicas_then_isr_expands_after_restart() {
    let cluster = TestCluster::start(3, &[]).await;
    cluster
        .create_with_min_isr_2("mir", Duration::from_secs(2))
        .await;
    let mut c1 = cluster.client(1).await;
    let c = cluster.cluster();
    c.control("stop 2").await.unwrap();
    c.control("stop 3").await.unwrap();
    // Stopped nodes leave the ISR (controlled shutdown); one replica is
    // left, below min.insync.replicas.
    cluster
        .wait_for(&[1], "mir", 0, Duration::from_secs(3), "shrink", |p| {
            p.2 == vec![1]
        })
        .await;
    let (code, _) = produce_code(&mut c1, "mir", "all", -1).await;
    assert_eq!(code, ErrorCode::NotEnoughReplicas.code());
    let (code, offset) = produce_code(&mut c1, "mir", "one", 1).await;
    assert_eq!((code, offset), (0, 0));
    c.control("start 2").await.unwrap();
    c.control("start 3").await.unwrap();
    // They catch up and the leader adds them back (AlterPartition).
    let (leader, _, isr) = cluster
        .wait_for(
            &[1, 2, 3],
            "mir",
            0,
            Duration::from_secs(5),
            "expand",
            |p| p.2.len() == 3,
        )
        .await;
    assert_eq!(leader, 1);
    let mut isr = isr;
    isr.sort_unstable();
    assert_eq!(isr, vec![1, 2, 3]);
    let (code, offset) = produce_code(&mut c1, "mir", "all-again", -1).await;
    assert_eq!((code, offset), (0, 1));
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lagging_follower_leaves_the_isr_and_rejoins() {
    // A long session, a short lag bound: the paused follower stays
    // registered, so only the leader's lag check can drop it.
    let cluster = TestCluster::start(
        3,
        &[
            ("replica.lag.time.max.ms", "1000"),
            ("broker.session.timeout.ms", "20000"),
        ],
    )
    .await;
    let mut c1 = cluster.client(1).await;
    assert_eq!(create(&mut c1, "lag", 0, 0, &[&[1, 2, 3]], &[]).await, 0);
    cluster
        .wait_for(&[1], "lag", 0, Duration::from_secs(2), "created", |p| {
            p.2.len() == 3
        })
        .await;
    let paused_at = Instant::now();
    cluster.cluster().control("pause 3").await.unwrap();
    for i in 0..5 {
        assert_eq!(produce_code(&mut c1, "lag", &format!("v{i}"), 1).await.0, 0);
    }
    cluster
        .wait_for(&[1, 2], "lag", 0, Duration::from_secs(4), "shrink", |p| {
            p.2 == vec![1, 2]
        })
        .await;
    let shrunk_after = paused_at.elapsed();
    assert!(
        shrunk_after >= Duration::from_millis(900),
        "{shrunk_after:?}"
    );
    cluster.cluster().control("start 3").await.unwrap();
    cluster
        .wait_for(
            &[1, 2, 3],
            "lag",
            0,
            Duration::from_secs(4),
            "expand",
            |p| p.2.len() == 3,
        )
        .await;
    cluster.shutdown().await;
}

/// The zombie leader: node 1 leads and is frozen; the controller moves
/// leadership to node 2 (epoch 1) and new records are written there with
/// acks=all. A produce with acks=1 sent to node 1 while frozen is appended
/// by node 1 the moment it thaws, still believing it leads (epoch 0), and
/// is acknowledged — to a client, but the record exists on no other
/// replica. Node 1 then learns the new epoch, asks node 2 where epoch 0
/// ended (OffsetForLeaderEpoch) and truncates that tail. acks=1 loses it;
/// every acks=all record is kept, and no consumer ever reads the zombie's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_returning_zombie_leader_truncates_its_acks_1_tail() {
    let cluster = TestCluster::start(3, &[("broker.session.timeout.ms", "1000")]).await;
    let mut c1 = cluster.client(1).await;
    assert_eq!(create(&mut c1, "zombie", 0, 0, &[&[1, 2, 3]], &[]).await, 0);
    cluster
        .wait_for(
            &[1, 2, 3],
            "zombie",
            0,
            Duration::from_secs(2),
            "created",
            |p| p.2.len() == 3,
        )
        .await;
    for i in 0..3 {
        assert_eq!(
            produce_code(&mut c1, "zombie", &format!("kept-{i}"), -1).await,
            (0, i)
        );
    }
    cluster.cluster().control("pause 1").await.unwrap();
    let (leader, epoch, _) = cluster
        .wait_for(
            &[2, 3],
            "zombie",
            0,
            Duration::from_secs(4),
            "failover",
            |p| p.0 == 2,
        )
        .await;
    assert_eq!(epoch, 1);
    let mut c2 = cluster.client(leader).await;
    for i in 3..5 {
        assert_eq!(
            produce_code(&mut c2, "zombie", &format!("kept-{i}"), -1).await,
            (0, i)
        );
    }
    // Sent while node 1 is frozen; it reads it when it thaws.
    let zombie_write = tokio::spawn(async move {
        let mut c1 = c1;
        produce_code(&mut c1, "zombie", "zombie-acks-1", 1).await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    cluster.cluster().control("start 1").await.unwrap();
    let (code, offset) = zombie_write.await.unwrap();
    let zombie_acked = code == 0;
    eprintln!("zombie acks=1 produce: error {code}, offset {offset}");
    if zombie_acked {
        // Appended at node 1's own end, in epoch 0.
        assert_eq!(offset, 3);
    } else {
        // It learned of the new leader first; nothing to truncate then.
        assert_eq!(code, ErrorCode::NotLeaderOrFollower.code());
    }
    // Node 1 rejoins as a follower and catches up.
    cluster
        .wait_for(
            &[1, 2, 3],
            "zombie",
            0,
            Duration::from_secs(5),
            "rejoin",
            |p| p.2.len() == 3,
        )
        .await;
    let on_leader = read_all(&mut c2, "zombie").await;
    let want: Vec<(i64, String)> = (0..5).map(|i| (i, format!("kept-{i}"))).collect();
    assert_eq!(on_leader, want);
    // Node 1's log now equals the leader's: move leadership back to it by
    // stopping the others, then read it.
    cluster.cluster().control("stop 2").await.unwrap();
    cluster
        .wait_for(
            &[1],
            "zombie",
            0,
            Duration::from_secs(3),
            "node 1 leads",
            |p| p.0 == 1,
        )
        .await;
    let mut c1 = cluster.client(1).await;
    assert_eq!(
        read_all(&mut c1, "zombie").await,
        want,
        "zombie acked={zombie_acked}"
    );
    cluster.shutdown().await;
}

/// Failover under load: our idempotent producer streams acks=all into an
/// RF 3, min.insync.replicas=2 topic while the leader of partition 0 is
/// killed (-9) and restarted, then another node is stopped cleanly and
/// restarted. Afterwards every acknowledged record is read back exactly
/// once, in the order it was sent, per partition.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failover_under_an_idempotent_producer_loses_and_duplicates_nothing() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};

    use futures::StreamExt;
    use futures::stream::FuturesUnordered;
    use kctl_client::{Acks, ProducerConfig, Record};

    const PARTITIONS: i32 = 2;
    // CI proves the point with about 1,000 acknowledged records; the issue's
    // full size is `KCTL_CLUSTER_FAILOVER_RECORDS=200000` (run once, see
    // docs/performance.md), which also kills the leader mid-run rather than
    // half a second in.
    let target: usize = std::env::var("KCTL_CLUSTER_FAILOVER_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let cluster = TestCluster::start(3, &[("replica.lag.time.max.ms", "3000")]).await;
    let mut c1 = cluster.client(1).await;
    assert_eq!(
        create(
            &mut c1,
            "load",
            PARTITIONS,
            3,
            &[],
            &[("min.insync.replicas", "2")]
        )
        .await,
        0
    );
    for p in 0..PARTITIONS {
        cluster
            .wait_for(
                &[1, 2, 3],
                "load",
                p,
                Duration::from_secs(3),
                "created",
                |m| m.2.len() == 3,
            )
            .await;
    }
    let bootstrap = cluster.cluster().bootstrap().await;
    let stop = Arc::new(AtomicBool::new(false));
    let acked: Arc<Mutex<Vec<(i32, i64, String)>>> = Arc::default();
    let producer = {
        let (stop, acked) = (Arc::clone(&stop), Arc::clone(&acked));
        tokio::spawn(async move {
            let producer = ProducerConfig::new(bootstrap.split(',').map(str::to_owned))
                .acks(Acks::All)
                .enable_idempotence(true)
                .linger_ms(2)
                .request_timeout_ms(3000)
                .delivery_timeout_ms(60_000)
                .build()
                .await
                .unwrap();
            let mut pending = FuturesUnordered::new();
            let (mut failed, mut i) = (0, 0u64);
            let mut settle = |result: kctl_client::Result<kctl_client::RecordMetadata>,
                              value: String| match result {
                Ok(meta) => acked
                    .lock()
                    .unwrap()
                    .push((meta.partition, meta.offset, value)),
                Err(_) => failed += 1,
            };
            while !stop.load(Ordering::Relaxed) {
                let partition = (i % PARTITIONS as u64) as i32;
                let value = format!("p{partition}-{i}");
                i += 1;
                let delivery = producer
                    .send(
                        Record::new("load")
                            .partition(partition)
                            .value(value.as_bytes()),
                    )
                    .await
                    .unwrap();
                pending.push(async move { (delivery.wait().await, value) });
                while pending.len() >= 100 {
                    let (result, value) = pending.next().await.unwrap();
                    settle(result, value);
                }
                if i.is_multiple_of(20) {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            }
            while let Some((result, value)) = pending.next().await {
                settle(result, value);
            }
            producer.close().await;
            failed
        })
    };
    let c = cluster.cluster();
    tokio::time::sleep(Duration::from_millis(500)).await;
    if target > 1000 {
        while acked.lock().unwrap().len() < target / 4 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let started = Instant::now();
    let (leader, _, _) = cluster.partition(1, "load", 0).await.unwrap();
    c.control(&format!("kill {leader}")).await.unwrap();
    let others: Vec<i32> = (1..=3).filter(|n| *n != leader).collect();
    cluster
        .wait_for(
            &others,
            "load",
            0,
            Duration::from_secs(4),
            "failover",
            |p| p.0 != leader && p.0 != -1,
        )
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    c.control(&format!("start {leader}")).await.unwrap();
    cluster
        .wait_for(
            &[1, 2, 3],
            "load",
            0,
            Duration::from_secs(8),
            "rejoin",
            |p| p.2.len() == 3,
        )
        .await;
    let next = others[0];
    c.control(&format!("stop {next}")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    c.control(&format!("start {next}")).await.unwrap();
    for p in 0..PARTITIONS {
        cluster
            .wait_for(
                &[1, 2, 3],
                "load",
                p,
                Duration::from_secs(8),
                "healthy",
                |m| m.2.len() == 3,
            )
            .await;
    }
    // Keep producing on the healed cluster until enough has been
    // acknowledged: how much fits in a fixed time depends on the machine's
    // load (459 records in one loaded CI run), and the check is about what
    // the acknowledged records show, not about throughput.
    let deadline =
        Instant::now() + Duration::from_secs(60) + Duration::from_millis(5 * target as u64);
    while acked.lock().unwrap().len() <= target && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let failed = producer.await.unwrap();
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() > target / 2,
        "only {} records acknowledged",
        acked.len()
    );
    eprintln!(
        "{} records acknowledged; {:?} from the first kill to the end of producing",
        acked.len(),
        started.elapsed()
    );

    for p in 0..PARTITIONS {
        let (leader, _, _) = cluster.partition(1, "load", p).await.unwrap();
        let mut client = cluster.client(leader).await;
        let mut read = Vec::new();
        let mut offset = 0;
        loop {
            let data = fetch(&mut client, "load", p, offset).await;
            assert_eq!(data.error_code, 0);
            let records = values(&data.records.clone().unwrap_or_default());
            let Some(&(last, _)) = records.last() else {
                break;
            };
            read.extend(
                records
                    .into_iter()
                    .filter(|(o, _)| *o >= offset)
                    .map(|(o, v)| (o, String::from_utf8(v.to_vec()).unwrap())),
            );
            offset = last + 1;
        }
        let mut seen = BTreeMap::new();
        let mut previous = None;
        for (offset, value) in &read {
            assert!(
                seen.insert(value.clone(), *offset).is_none(),
                "p{p}: {value} twice"
            );
            let seq: u64 = value.rsplit_once('-').unwrap().1.parse().unwrap();
            assert!(
                previous.is_none_or(|prev| seq > prev),
                "p{p} @{offset}: {value} out of order"
            );
            previous = Some(seq);
        }
        let mine: Vec<_> = acked
            .iter()
            .filter(|(partition, _, _)| *partition == p)
            .collect();
        for (_, offset, value) in &mine {
            assert_eq!(
                seen.get(value),
                Some(offset),
                "p{p}: acknowledged {value} at {offset}"
            );
        }
        eprintln!(
            "p{p}: {} acknowledged, {} read, {failed} failed deliveries in all",
            mine.len(),
            read.len()
        );
    }
    cluster.shutdown().await;
}

/// Preferred leaders: after node 1 (every partition's first replica) is
/// stopped and restarted, ElectLeaders (preferred) moves leadership back
/// to it once it is in sync; asking again is ELECTION_NOT_NEEDED.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elect_leaders_moves_leadership_back_to_the_preferred_replica() {
    use kctl_client::protocol::messages::ElectLeadersRequest;
    use kctl_client::protocol::messages::elect_leaders_request::TopicPartitions;

    let cluster = TestCluster::start(3, &[("auto.leader.rebalance.enable", "false")]).await;
    let mut c2 = cluster.client(2).await;
    assert_eq!(create(&mut c2, "pref", 0, 0, &[&[1, 2, 3]], &[]).await, 0);
    cluster.cluster().control("stop 1").await.unwrap();
    cluster
        .wait_for(&[2, 3], "pref", 0, Duration::from_secs(3), "moved", |p| {
            p.0 == 2
        })
        .await;
    cluster.cluster().control("start 1").await.unwrap();
    cluster
        .wait_for(
            &[1, 2, 3],
            "pref",
            0,
            Duration::from_secs(5),
            "in sync",
            |p| p.2.len() == 3,
        )
        .await;
    assert_eq!(cluster.partition(2, "pref", 0).await.unwrap().0, 2);
    let elect = ElectLeadersRequest::default()
        .with_election_type(0)
        .with_timeout_ms(5000)
        .with_topic_partitions(Some(vec![
            TopicPartitions::default()
                .with_topic(TopicName(StrBytes::from_string("pref".into())))
                .with_partitions(vec![0]),
        ]));
    let response = c2.send(2, &elect).await;
    let result = &response.replica_election_results[0].partition_result[0];
    assert_eq!(result.error_code, 0, "{response:?}");
    let (leader, epoch, _) = cluster
        .wait_for(
            &[1, 2, 3],
            "pref",
            0,
            Duration::from_secs(2),
            "preferred",
            |p| p.0 == 1,
        )
        .await;
    assert_eq!(epoch, 2);
    let again = c2.send(2, &elect).await;
    assert_eq!(
        again.replica_election_results[0].partition_result[0].error_code,
        ErrorCode::ElectionNotNeeded.code()
    );
    assert_eq!(leader, 1);
    cluster.shutdown().await;
}

/// librdkafka's idempotent producer (confluent-kafka, acks=all) across a
/// kill -9 of the partition's leader and its restart: every record it
/// reports delivered is read back once, at its reported offset, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failover_under_librdkafkas_idempotent_producer() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::AsyncBufReadExt;

    let Some(python) = crate::support::python() else {
        return;
    };
    let cluster = TestCluster::start(3, &[]).await;
    cluster
        .create_with_min_isr_2("rdk", Duration::from_secs(3))
        .await;
    let bootstrap = cluster.cluster().bootstrap().await;
    let mut child = tokio::process::Command::new(python)
        .args([
            "-c",
            crate::crash_loop::CONFLUENT_PRODUCER,
            &bootstrap,
            "rdk",
            "0",
            "rdk",
            "none",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let delivered = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&delivered);
    let reader = tokio::spawn(async move {
        let (mut acked, mut failed) = (Vec::new(), None);
        while let Some(line) = lines.next_line().await.unwrap() {
            let parts: Vec<&str> = line.splitn(4, ' ').collect();
            match parts.as_slice() {
                ["ACK", _, o, v] => {
                    acked.push((o.parse::<i64>().unwrap(), (*v).to_owned()));
                    counter.fetch_add(1, Ordering::Relaxed);
                }
                ["FAILED", n] => failed = Some(n.parse::<usize>().unwrap()),
                _ => panic!("confluent producer said {line:?}"),
            }
        }
        (acked, failed)
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    cluster.cluster().control("kill 1").await.unwrap();
    cluster
        .wait_for(&[2, 3], "rdk", 0, Duration::from_secs(4), "failover", |p| {
            p.0 == 2
        })
        .await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    cluster.cluster().control("start 1").await.unwrap();
    cluster
        .wait_for(
            &[1, 2, 3],
            "rdk",
            0,
            Duration::from_secs(8),
            "rejoin",
            |p| p.2.len() == 3,
        )
        .await;
    // Enough deliveries on the healed cluster, however loaded the machine.
    let deadline = Instant::now() + Duration::from_secs(60);
    while delivered.load(Ordering::Relaxed) <= 1000 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(stdin);
    let (acked, failed) = reader.await.unwrap();
    assert!(child.wait().await.unwrap().success());
    assert_eq!(failed, Some(0), "librdkafka reported failed deliveries");
    assert!(acked.len() > 500, "only {} delivered", acked.len());
    let (leader, _, _) = cluster.partition(1, "rdk", 0).await.unwrap();
    let read = read_all(&mut cluster.client(leader).await, "rdk").await;
    let by_value: BTreeMap<&str, i64> = read.iter().map(|(o, v)| (v.as_str(), *o)).collect();
    assert_eq!(by_value.len(), read.len(), "a value appears twice");
    for (offset, value) in &acked {
        assert_eq!(by_value.get(value.as_str()), Some(offset), "{value}");
    }
    let seqs: Vec<u64> = read
        .iter()
        .map(|(_, v)| v.rsplit_once('-').unwrap().1.parse().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[1] > w[0]), "order broken");
    eprintln!(
        "librdkafka: {} delivered, {} read back",
        acked.len(),
        read.len()
    );
    cluster.shutdown().await;
}

/// A follower away while the leader's log start moved past its end
/// (DeleteRecords) starts its log over at the leader's log start and
/// catches up from there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_behind_the_leaders_log_start_starts_over_there() {
    use kctl_client::protocol::messages::DeleteRecordsRequest;
    use kctl_client::protocol::messages::delete_records_request::{
        DeleteRecordsPartition, DeleteRecordsTopic,
    };

    let cluster = TestCluster::start(3, &[]).await;
    let mut c1 = cluster.client(1).await;
    assert_eq!(create(&mut c1, "start", 0, 0, &[&[1, 2, 3]], &[]).await, 0);
    cluster
        .wait_for(
            &[1, 2, 3],
            "start",
            0,
            Duration::from_secs(3),
            "created",
            |p| p.2.len() == 3,
        )
        .await;
    cluster.cluster().control("stop 3").await.unwrap();
    for i in 0..10 {
        assert_eq!(
            produce_code(&mut c1, "start", &format!("v{i}"), -1).await,
            (0, i)
        );
    }
    let delete = DeleteRecordsRequest::default()
        .with_timeout_ms(5000)
        .with_topics(vec![
            DeleteRecordsTopic::default()
                .with_name(TopicName(StrBytes::from_string("start".into())))
                .with_partitions(vec![
                    DeleteRecordsPartition::default()
                        .with_partition_index(0)
                        .with_offset(8),
                ]),
        ]);
    let deleted = c1.send(2, &delete).await;
    assert_eq!(
        deleted.topics[0].partitions[0].low_watermark, 8,
        "{deleted:?}"
    );
    cluster.cluster().control("start 3").await.unwrap();
    cluster
        .wait_for(
            &[1, 2, 3],
            "start",
            0,
            Duration::from_secs(6),
            "rejoin",
            |p| p.2.len() == 3,
        )
        .await;
    // Only node 3 left: it leads, and holds offsets 8 and 9 from log start 8.
    cluster.cluster().control("stop 1").await.unwrap();
    cluster.cluster().control("stop 2").await.unwrap();
    cluster
        .wait_for(
            &[3],
            "start",
            0,
            Duration::from_secs(3),
            "node 3 leads",
            |p| p.0 == 3,
        )
        .await;
    let mut c3 = cluster.client(3).await;
    let data = fetch(&mut c3, "start", 0, 8).await;
    assert_eq!(
        (data.error_code, data.log_start_offset, data.high_watermark),
        (0, 8, 10)
    );
    let read: Vec<String> = values(&data.records.unwrap_or_default())
        .into_iter()
        .map(|(_, v)| String::from_utf8(v.to_vec()).unwrap())
        .collect();
    assert_eq!(read, ["v8", "v9"]);
    cluster.shutdown().await;
}
