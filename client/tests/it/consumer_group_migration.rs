//! KIP-848 online migration on broker-lite (`group.consumer.migration.policy`
//! = bidirectional, Kafka 4.x's default): a classic group consuming eight
//! partitions is joined by a consumer-protocol member, which converts it
//! into a consumer group whose classic members carry on through JoinGroup,
//! SyncGroup and Heartbeat; when that member leaves, the group is classic
//! again and its members rebalance among themselves. Every record is
//! consumed at least once and the committed offsets survive both
//! conversions.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kctl_client::admin::{Admin, AdminConfig, ListGroupsOptions};
use kctl_client::{ClientConfig, Consumer, TopicPartition};

use crate::consumer_group::{
    Ledger, Offset, all_offsets, at_least_once, end_offsets, member_config, produce,
};
use crate::consumer_group_kip848::{CommitOnRevoke, started};
use crate::support::*;

/// broker-lite with quick consumer-protocol sessions (as in the KIP-848
/// tests) and no initial rebalance delay, migration policy left at its
/// default.
async fn migration_broker() -> TestBroker {
    TestBroker::start_with(false, |c| {
        c.group.initial_rebalance_delay_ms = 0;
        c.group.min_session_timeout_ms = 1_000;
        c.group.consumer_session_timeout_ms = 3_000;
        c.group.consumer_heartbeat_interval_ms = 300;
    })
    .await
}

async fn classic_member(bootstrap: &str, group: &str, topic: &str) -> Arc<Consumer> {
    let m = member_config(bootstrap, group)
        .enable_auto_commit(false)
        .max_poll_records(50)
        .build()
        .await
        .unwrap();
    m.set_rebalance_listener(Arc::new(CommitOnRevoke)).unwrap();
    m.subscribe([topic]);
    Arc::new(m)
}

async fn group_type(admin: &Admin, group: &str) -> Option<String> {
    admin
        .list_groups(&ListGroupsOptions::default())
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.group_id == group)
        .and_then(|g| g.group_type)
}

/// Waits until the consumers' assignments are disjoint and cover
/// `partitions` partitions.
async fn wait_covered(what: &str, members: &[&Consumer], partitions: usize) {
    with_timeout(what, 60, async {
        loop {
            let assignments: Vec<Vec<TopicPartition>> =
                members.iter().map(|m| m.assignment()).collect();
            let union: BTreeSet<&TopicPartition> = assignments.iter().flatten().collect();
            let total: usize = assignments.iter().map(Vec::len).sum();
            if union.len() == partitions && total == partitions {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
}

async fn wait_consumed(what: &str, ledgers: &[Arc<Mutex<Ledger>>], expected: &BTreeSet<Offset>) {
    with_timeout(what, 90, async {
        loop {
            let union: BTreeSet<Offset> = ledgers
                .iter()
                .flat_map(|l| l.lock().unwrap().consumed.clone())
                .collect();
            if union.is_superset(expected) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
}

/// The committed offsets must reach the end of every partition: nothing
/// the group committed before a conversion was lost with it.
async fn wait_committed_to_end(admin: &Admin, group: &str, ends: &BTreeMap<i32, i64>) {
    with_timeout("the group's commits reaching the end", 60, async {
        loop {
            let committed: BTreeMap<i32, i64> = admin
                .list_group_offsets(group, None)
                .await
                .unwrap()
                .into_iter()
                .filter_map(|r| Some((r.partition.partition, r.result.ok()??.offset)))
                .collect();
            if &committed == ends {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classic_members_are_upgraded_by_a_consumer_member_and_downgraded_when_it_leaves() {
    let broker = migration_broker().await;
    upgrade_then_downgrade(&broker.bootstrap(), "migrate", "g-migrate").await;
}

/// The same scenario against Apache Kafka 4.x (the tier's cluster, see
/// .ci/apache-kafka-tier.sh), to show broker-lite answers as Kafka does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classic_members_are_upgraded_and_downgraded_on_apache_kafka() {
    let Some(dir) = std::env::var_os("KCTL_APACHE_KAFKA_DIR") else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("KCTL_APACHE_KAFKA_DIR is not set (CI=true: run .ci/apache-kafka-tier.sh)");
        }
        eprintln!("SKIPPED: no Apache Kafka; run .ci/apache-kafka-tier.sh");
        return;
    };
    let bootstrap = std::fs::read_to_string(std::path::Path::new(&dir).join("bootstrap")).unwrap();
    let bootstrap = bootstrap.trim().trim_start_matches("BOOTSTRAP=");
    // One address: our client bootstraps from it and learns the others.
    let first = bootstrap.split(',').next().unwrap();
    let run = std::process::id();
    upgrade_then_downgrade(
        first,
        &format!("migrate-{run}"),
        &format!("g-migrate-{run}"),
    )
    .await;
}

/// Two of our classic members consume eight partitions; one of our
/// consumer-protocol members joins (the group becomes a consumer group),
/// then leaves (it becomes classic again). Records are produced in each
/// phase, and every one is consumed and committed.
async fn upgrade_then_downgrade(bootstrap: &str, topic: &str, group: &str) {
    const RECORDS: usize = 600;
    let admin = Admin::connect(
        ClientConfig::new([bootstrap.to_owned()]),
        AdminConfig::default().api_timeout_ms(5_000),
    )
    .await
    .unwrap();
    create_topic(&client(bootstrap).await, topic, 8, 1).await;

    // A classic group of two of our members.
    let classic = [
        classic_member(bootstrap, group, topic).await,
        classic_member(bootstrap, group, topic).await,
    ];
    {
        let refs: Vec<&Consumer> = classic.iter().map(|m| m.as_ref()).collect();
        crate::consumer_group::wait_stable(&refs, 8).await;
    }
    assert_eq!(group_type(&admin, group).await.as_deref(), Some("classic"));
    produce(bootstrap, topic, RECORDS).await;
    // Never notified: the loops are aborted.
    let done = Arc::new(tokio::sync::Notify::new());
    let ledgers: Vec<Arc<Mutex<Ledger>>> = (0..3).map(|_| Arc::default()).collect();
    let mut tasks = Vec::new();
    for (m, l) in classic.iter().zip(&ledgers) {
        tasks.push(tokio::spawn(at_least_once(
            Arc::clone(m),
            Arc::clone(l),
            Arc::clone(&done),
        )));
    }
    let expected = all_offsets(&end_offsets(bootstrap, topic, 8).await, topic);
    wait_consumed("the classic group consuming", &ledgers[..2], &expected).await;

    // Upgrade: a consumer-protocol member joins.
    let modern = started(bootstrap, group, topic).await;
    let modern_task = tokio::spawn(at_least_once(
        Arc::clone(&modern),
        Arc::clone(&ledgers[2]),
        Arc::clone(&done),
    ));
    with_timeout("the consumer member getting partitions", 60, async {
        while modern.assignment().is_empty() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert_eq!(group_type(&admin, group).await.as_deref(), Some("consumer"));
    wait_covered(
        "the converted group covering every partition",
        &[&classic[0], &classic[1], &modern],
        8,
    )
    .await;
    assert!(
        classic.iter().all(|m| !m.assignment().is_empty()),
        "the classic members keep a share in the consumer group"
    );
    let described = admin.describe_groups(&[group]).await.unwrap();
    eprintln!("after the upgrade: {described:?}");
    produce(bootstrap, topic, RECORDS).await;
    let expected = all_offsets(&end_offsets(bootstrap, topic, 8).await, topic);
    wait_consumed("the converted group consuming", &ledgers, &expected).await;

    // Downgrade: the consumer-protocol member leaves. Stopped between
    // polls (a Notify could miss a task mid-commit), it leaves on close.
    modern_task.abort();
    let _ = modern_task.await;
    Arc::try_unwrap(modern).expect("one owner").close().await;
    with_timeout("the group becoming classic again", 30, async {
        while group_type(&admin, group).await.as_deref() != Some("classic") {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    {
        let refs: Vec<&Consumer> = classic.iter().map(|m| m.as_ref()).collect();
        crate::consumer_group::wait_stable(&refs, 8).await;
    }
    produce(bootstrap, topic, RECORDS).await;
    let ends = end_offsets(bootstrap, topic, 8).await;
    let expected = all_offsets(&ends, topic);
    assert_eq!(expected.len(), 3 * RECORDS);
    wait_consumed("the classic group consuming again", &ledgers, &expected).await;
    wait_committed_to_end(&admin, group, &ends).await;
    for t in tasks {
        t.abort();
        let _ = t.await;
    }
    let consumed: usize = ledgers
        .iter()
        .map(|l| l.lock().unwrap().consumed.len())
        .sum();
    eprintln!(
        "{} records consumed {consumed} times in all ({} duplicates across two conversions)",
        expected.len(),
        consumed - expected.len()
    );
    for m in classic {
        Arc::try_unwrap(m).expect("one owner").close().await;
    }
}

/// Kafka's Java consumer (kafka-clients 4.2) as a classic member through
/// both conversions: it forms a classic group with one of our classic
/// members, goes on in the consumer group our consumer-protocol member
/// turns it into (JoinGroup/SyncGroup/Heartbeat answered by the server-side
/// assignor), and rebalances again once that member leaves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_java_classic_consumer_goes_through_an_upgrade_and_a_downgrade() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::AsyncBufReadExt;
    const TOPIC: &str = "migrate-java";
    const GROUP: &str = "g-migrate-java";
    const RECORDS: usize = 600;
    let Some(target) = tokio::task::spawn_blocking(java_client_check)
        .await
        .unwrap()
    else {
        return;
    };
    let broker = migration_broker().await;
    let bootstrap = broker.bootstrap();
    let admin = Admin::connect(
        ClientConfig::new([bootstrap.clone()]),
        AdminConfig::default().api_timeout_ms(5_000),
    )
    .await
    .unwrap();
    create_topic(&client(&bootstrap).await, TOPIC, 8, 1).await;
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
            GROUP,
            TOPIC,
            "classic",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let java_ledger: Arc<Mutex<Ledger>> = Arc::default();
    let java_owns = Arc::new(AtomicUsize::new(0));
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let reader = tokio::spawn({
        let (ledger, owns) = (Arc::clone(&java_ledger), Arc::clone(&java_owns));
        async move {
            while let Ok(Some(line)) = lines.next_line().await {
                let parts: Vec<&str> = line.split(' ').collect();
                match parts.as_slice() {
                    ["REC", p, o] => ledger.lock().unwrap().consumed.push((
                        TopicPartition::new(TOPIC, p.parse().unwrap()),
                        o.parse().unwrap(),
                    )),
                    ["OWNS", n] => owns.store(n.parse().unwrap(), Ordering::Relaxed),
                    _ => {}
                }
            }
        }
    });
    let ours = classic_member(&bootstrap, GROUP, TOPIC).await;
    let shares_add_up = |what: &'static str, others: Vec<Arc<Consumer>>| {
        let (java_owns, ours) = (Arc::clone(&java_owns), Arc::clone(&ours));
        with_timeout(what, 60, async move {
            loop {
                let java = java_owns.load(Ordering::Relaxed);
                let mine: usize = std::iter::once(&ours)
                    .chain(&others)
                    .map(|m| m.assignment().len())
                    .sum();
                if java > 0 && mine + java == 8 {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    // Our classic member is never polled before the loop below starts, so
    // wait through polling: the loop runs from here on.
    let ledgers: Vec<Arc<Mutex<Ledger>>> = (0..2).map(|_| Arc::default()).collect();
    let done = Arc::new(tokio::sync::Notify::new());
    let ours_task = tokio::spawn(at_least_once(
        Arc::clone(&ours),
        Arc::clone(&ledgers[0]),
        Arc::clone(&done),
    ));
    shares_add_up("a classic group of Java and ours", Vec::new()).await;
    assert_eq!(group_type(&admin, GROUP).await.as_deref(), Some("classic"));
    produce(&bootstrap, TOPIC, RECORDS).await;
    let all_ledgers = || {
        vec![
            Arc::clone(&java_ledger),
            Arc::clone(&ledgers[0]),
            Arc::clone(&ledgers[1]),
        ]
    };
    let expected = all_offsets(&end_offsets(&bootstrap, TOPIC, 8).await, TOPIC);
    wait_consumed("the classic group consuming", &all_ledgers(), &expected).await;

    // Upgrade.
    let modern = started(&bootstrap, GROUP, TOPIC).await;
    let modern_task = tokio::spawn(at_least_once(
        Arc::clone(&modern),
        Arc::clone(&ledgers[1]),
        Arc::clone(&done),
    ));
    with_timeout("the consumer member getting partitions", 60, async {
        while modern.assignment().is_empty() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert_eq!(group_type(&admin, GROUP).await.as_deref(), Some("consumer"));
    shares_add_up("the converted group's shares", vec![Arc::clone(&modern)]).await;
    produce(&bootstrap, TOPIC, RECORDS).await;
    let expected = all_offsets(&end_offsets(&bootstrap, TOPIC, 8).await, TOPIC);
    wait_consumed("the converted group consuming", &all_ledgers(), &expected).await;

    // Downgrade.
    modern_task.abort();
    let _ = modern_task.await;
    Arc::try_unwrap(modern).expect("one owner").close().await;
    with_timeout("the group becoming classic again", 30, async {
        while group_type(&admin, GROUP).await.as_deref() != Some("classic") {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    shares_add_up("a classic group again", Vec::new()).await;
    produce(&bootstrap, TOPIC, RECORDS).await;
    let ends = end_offsets(&bootstrap, TOPIC, 8).await;
    let expected = all_offsets(&ends, TOPIC);
    assert_eq!(expected.len(), 3 * RECORDS);
    wait_consumed(
        "the classic group consuming again",
        &all_ledgers(),
        &expected,
    )
    .await;
    wait_committed_to_end(&admin, GROUP, &ends).await;

    ours_task.abort();
    let _ = ours_task.await;
    drop(child.stdin.take());
    let status = with_timeout("the Java consumer closing", 30, child.wait())
        .await
        .unwrap();
    assert!(status.success(), "the Java consumer failed: {status}");
    reader.abort();
    Arc::try_unwrap(ours).expect("one owner").close().await;
}
