//! Consumer groups with clients nobody here wrote: kcat's balanced
//! consumer (librdkafka), kafka-python's KafkaConsumer, and confluent-kafka
//! (a cooperative-sticky group and the AdminClient's group calls).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kctl_client::protocol::messages::offset_fetch_request::OffsetFetchRequestGroup;
use kctl_client::protocol::messages::{
    DescribeGroupsRequest, DescribeGroupsResponse, ListOffsetsRequest, OffsetFetchRequest,
};
use kctl_client::protocol::records::Compression;

use crate::groups::group;
use crate::protocol::{create_topic, name, produce_one};
use crate::support::{RawClient, TestBroker, batch, kcat, python};

const PARTITIONS: i32 = 8;
const SESSION_TIMEOUT_MS: u64 = 6000;

/// What every kcat member printed: (member, partition, offset, value).
type Consumed = Arc<Mutex<Vec<(usize, i32, i64, String)>>>;

struct KcatMember {
    child: Child,
}

impl Drop for KcatMember {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_kcat_member(
    kcat: &Path,
    bootstrap: &str,
    group_id: &str,
    topic: &str,
    index: usize,
    consumed: &Consumed,
) -> KcatMember {
    let mut child = Command::new(kcat)
        .args(["-b", bootstrap, "-G", group_id, topic])
        .args(["-f", "%p %o %s\\n", "-u", "-q"])
        .args(["-X", &format!("session.timeout.ms={SESSION_TIMEOUT_MS}")])
        .args(["-X", "heartbeat.interval.ms=500"])
        .args(["-X", "auto.commit.interval.ms=200"])
        .args(["-X", "auto.offset.reset=earliest"])
        .args(["-X", "partition.assignment.strategy=range"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let consumed = Arc::clone(consumed);
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            let mut fields = line.splitn(3, ' ');
            let (Some(p), Some(o), Some(v)) = (fields.next(), fields.next(), fields.next()) else {
                continue;
            };
            if let (Ok(p), Ok(o)) = (p.parse(), o.parse()) {
                consumed.lock().unwrap().push((index, p, o, v.to_owned()));
            }
        }
    });
    KcatMember { child }
}

async fn describe(client: &mut RawClient, group_id: &str) -> DescribeGroupsResponse {
    client
        .send(
            5,
            &DescribeGroupsRequest::default().with_groups(vec![group(group_id)]),
        )
        .await
}

/// Waits until the group is Stable with `members` members.
async fn wait_stable(client: &mut RawClient, group_id: &str, members: usize, limit: Duration) {
    let started = Instant::now();
    loop {
        let described = describe(client, group_id).await;
        let g = &described.groups[0];
        if g.group_state.as_str() == "Stable" && g.members.len() == members {
            return;
        }
        assert!(
            started.elapsed() < limit,
            "group {group_id} not Stable with {members} members after {limit:?}: {} with {}",
            g.group_state.as_str(),
            g.members.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Produces `per_partition` records to every partition; returns their values.
async fn produce_round(
    client: &mut RawClient,
    topic: &str,
    round: &str,
    per_partition: usize,
) -> BTreeSet<String> {
    let mut values = BTreeSet::new();
    for partition in 0..PARTITIONS {
        let round_values: Vec<String> = (0..per_partition)
            .map(|i| format!("{round}-p{partition}-{i}"))
            .collect();
        let refs: Vec<&[u8]> = round_values.iter().map(|v| v.as_bytes()).collect();
        let (error, _) =
            produce_one(client, topic, partition, batch(&refs, 1, Compression::None)).await;
        assert_eq!(error, 0);
        values.extend(round_values);
    }
    values
}

/// Waits until every value in `expected` was consumed; returns when.
async fn wait_consumed(consumed: &Consumed, expected: &BTreeSet<String>, limit: Duration) {
    let started = Instant::now();
    loop {
        let seen: BTreeSet<String> = consumed
            .lock()
            .unwrap()
            .iter()
            .map(|(_, _, _, v)| v.clone())
            .filter(|v| expected.contains(v))
            .collect();
        if seen.len() == expected.len() {
            return;
        }
        assert!(
            started.elapsed() < limit,
            "only {} of {} records consumed after {limit:?}",
            seen.len(),
            expected.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the group's committed offsets reach every partition's end.
async fn wait_committed(client: &mut RawClient, group_id: &str, topic: &str, limit: Duration) {
    let started = Instant::now();
    loop {
        let ends = end_offsets(client, topic).await;
        let fetched = client
            .send(
                8,
                &OffsetFetchRequest::default().with_groups(vec![
                    OffsetFetchRequestGroup::default()
                        .with_group_id(group(group_id))
                        .with_topics(None),
                ]),
            )
            .await;
        let committed: BTreeMap<i32, i64> = fetched.groups[0]
            .topics
            .iter()
            .flat_map(|t| t.partitions.iter())
            .map(|p| (p.partition_index, p.committed_offset))
            .collect();
        if committed == ends {
            return;
        }
        assert!(
            started.elapsed() < limit,
            "commits {committed:?} never reached the ends {ends:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn end_offsets(client: &mut RawClient, topic: &str) -> BTreeMap<i32, i64> {
    use kctl_client::protocol::messages::list_offsets_request::{
        ListOffsetsPartition, ListOffsetsTopic,
    };
    let response = client
        .send(
            7,
            &ListOffsetsRequest::default().with_topics(vec![
                ListOffsetsTopic::default()
                    .with_name(name(topic))
                    .with_partitions(
                        (0..PARTITIONS)
                            .map(|p| {
                                ListOffsetsPartition::default()
                                    .with_partition_index(p)
                                    .with_timestamp(-1)
                            })
                            .collect(),
                    ),
            ]),
        )
        .await;
    response.topics[0]
        .partitions
        .iter()
        .map(|p| (p.partition_index, p.offset))
        .collect()
}

/// Each record of `values` was consumed by exactly one member, once.
fn assert_exactly_once(consumed: &Consumed, values: &BTreeSet<String>) -> BTreeMap<usize, usize> {
    let consumed = consumed.lock().unwrap();
    let mut times: BTreeMap<&str, usize> = BTreeMap::new();
    let mut per_member: BTreeMap<usize, usize> = BTreeMap::new();
    for (member, _, _, value) in consumed.iter().filter(|(_, _, _, v)| values.contains(v)) {
        *times.entry(value).or_default() += 1;
        *per_member.entry(*member).or_default() += 1;
    }
    let duplicated: Vec<_> = times.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        duplicated.is_empty(),
        "consumed more than once: {duplicated:?}"
    );
    assert_eq!(times.len(), values.len(), "every record consumed");
    per_member
}

#[tokio::test(flavor = "multi_thread")]
async fn kcat_balanced_consumers_share_eight_partitions_and_survive_a_kill_9() {
    let Some(kcat) = kcat() else { return };
    let broker = TestBroker::start_with(|c| c.group.initial_rebalance_delay_ms = 500).await;
    let mut client = broker.client().await;
    create_topic(&mut client, "balanced", PARTITIONS, &[]).await;
    let bootstrap = broker.bootstrap();
    let consumed: Consumed = Arc::default();
    let limit = Duration::from_secs(20);

    // Two members: every record exactly once, both doing work.
    let mut members: Vec<KcatMember> = (0..2)
        .map(|i| start_kcat_member(&kcat, &bootstrap, "kcat-g", "balanced", i, &consumed))
        .collect();
    wait_stable(&mut client, "kcat-g", 2, limit).await;
    let first = produce_round(&mut client, "balanced", "r1", 50).await;
    wait_consumed(&consumed, &first, limit).await;
    let per_member = assert_exactly_once(&consumed, &first);
    assert_eq!(per_member.len(), 2, "both members consumed: {per_member:?}");
    wait_committed(&mut client, "kcat-g", "balanced", limit).await;

    // A third member: a rebalance, then again exactly once, over all three.
    members.push(start_kcat_member(
        &kcat, &bootstrap, "kcat-g", "balanced", 2, &consumed,
    ));
    wait_stable(&mut client, "kcat-g", 3, limit).await;
    let second = produce_round(&mut client, "balanced", "r2", 50).await;
    wait_consumed(&consumed, &second, limit).await;
    let per_member = assert_exactly_once(&consumed, &second);
    assert_eq!(per_member.len(), 3, "all three consumed: {per_member:?}");
    let both: BTreeSet<String> = first.union(&second).cloned().collect();
    assert_exactly_once(&consumed, &both);
    wait_committed(&mut client, "kcat-g", "balanced", limit).await;

    // kill -9 one member: no LeaveGroup, so only its session expiry moves
    // its partitions. Records produced right away must all arrive, at
    // least once, at the two survivors.
    let victim = members.remove(0);
    let killed_at = Instant::now();
    drop(victim);
    let third = produce_round(&mut client, "balanced", "r3", 50).await;
    wait_consumed(&consumed, &third, limit).await;
    let moved_after = killed_at.elapsed();
    let survivors: BTreeSet<usize> = consumed
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, _, _, v)| third.contains(v))
        .map(|(member, _, _, _)| *member)
        .collect();
    assert_eq!(survivors, BTreeSet::from([1, 2]), "only survivors consume");
    eprintln!("partitions of the killed member moved after {moved_after:?}");
    assert!(
        moved_after < Duration::from_millis(SESSION_TIMEOUT_MS + 5000),
        "partitions moved only after {moved_after:?}"
    );
    let described = describe(&mut client, "kcat-g").await;
    assert_eq!(described.groups[0].group_state.as_str(), "Stable");
    assert_eq!(described.groups[0].members.len(), 2);
    drop(members);
}

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python")
        .join(name)
}

async fn run_python(python: PathBuf, script: PathBuf, args: Vec<String>) -> serde_json::Value {
    let child = tokio::process::Command::new(python)
        .arg(&script)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // A hung client library (librdkafka 2.16 once spun forever destroying a
    // consumer that was never closed) fails the test instead of CI.
    let output = tokio::time::timeout(PYTHON_TIMEOUT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| {
            panic!(
                "{} still running after {PYTHON_TIMEOUT:?}",
                script.display()
            )
        })
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "python failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(stdout.lines().last().unwrap()).unwrap()
}

const PYTHON_TIMEOUT: Duration = Duration::from_secs(300);

#[tokio::test(flavor = "multi_thread")]
async fn kafka_python_group_consumer_resumes_from_its_commit() {
    let Some(python) = python() else { return };
    let broker = TestBroker::start_with(|c| c.group.initial_rebalance_delay_ms = 200).await;
    let mut client = broker.client().await;
    create_topic(&mut client, "resume", 2, &[]).await;
    let mut produced = BTreeSet::new();
    for partition in 0..2 {
        let values: Vec<String> = (0..50).map(|i| format!("p{partition}-{i}")).collect();
        let refs: Vec<&[u8]> = values.iter().map(|v| v.as_bytes()).collect();
        produce_one(
            &mut client,
            "resume",
            partition,
            batch(&refs, 1, Compression::None),
        )
        .await;
        produced.extend(values);
    }
    let run = |count: usize| {
        run_python(
            python.clone(),
            script("kafka_python_group_resume.py"),
            vec![
                broker.bootstrap(),
                "resume".into(),
                "kpy-group".into(),
                count.to_string(),
            ],
        )
    };
    let first = run(60).await;
    let second = run(40).await;
    let values = |run: &serde_json::Value| -> Vec<String> {
        run["consumed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r[2].as_str().unwrap().to_owned())
            .collect()
    };
    let (first_values, second_values) = (values(&first), values(&second));
    assert_eq!(first_values.len(), 60);
    assert_eq!(second_values.len(), 40);
    let all: BTreeSet<String> = first_values.iter().chain(&second_values).cloned().collect();
    assert_eq!(
        all, produced,
        "the restarted consumer picked up exactly where the first stopped"
    );
    // The second run started each partition at the first run's commit.
    for partition in ["0", "1"] {
        let committed = first["committed"][partition].as_i64().unwrap();
        let resumed_at = second["consumed"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r[0].as_i64().unwrap().to_string() == partition)
            .map(|r| r[1].as_i64().unwrap())
            .min();
        if let Some(resumed_at) = resumed_at {
            assert_eq!(resumed_at, committed, "partition {partition}");
        } else {
            assert_eq!(committed, 50, "partition {partition} was finished");
        }
        assert_eq!(second["committed"][partition].as_i64(), Some(50));
    }
    let described = describe(&mut client, "kpy-group").await;
    assert_eq!(described.groups[0].group_state.as_str(), "Empty");
    assert_eq!(described.groups[0].protocol_type.as_str(), "consumer");
}

#[tokio::test(flavor = "multi_thread")]
async fn confluent_kafka_cooperative_group_and_admin_client() {
    let Some(python) = python() else { return };
    let broker = TestBroker::start_with(|c| c.group.initial_rebalance_delay_ms = 200).await;
    create_topic(&mut broker.client().await, "coop", 4, &[]).await;
    let summary = run_python(
        python,
        script("confluent_group_admin.py"),
        vec![
            broker.bootstrap(),
            "coop".into(),
            "coop-group".into(),
            "400".into(),
        ],
    )
    .await;
    assert_eq!(summary["problems"], serde_json::json!([]), "{summary}");
    assert_eq!(summary["consumed"], 400);
    assert_eq!(summary["members_consuming"], 2);
}

/// librdkafka's KIP-848 consumer (`group.protocol=consumer`): three
/// members share eight partitions, a fourth joins, one leaves, and every
/// record is consumed; the AdminClient sees a consumer-protocol group.
#[tokio::test(flavor = "multi_thread")]
async fn confluent_kafka_consumer_protocol_group() {
    let Some(python) = python() else { return };
    let broker = TestBroker::start_with(|c| c.group.consumer_heartbeat_interval_ms = 500).await;
    create_topic(&mut broker.client().await, "kip848", PARTITIONS, &[]).await;
    let summary = run_python(
        python,
        script("confluent_kip848.py"),
        vec![
            broker.bootstrap(),
            "kip848".into(),
            "kip848-group".into(),
            "800".into(),
        ],
    )
    .await;
    assert_eq!(summary["problems"], serde_json::json!([]), "{summary}");
    assert_eq!(summary["unique"], 800, "{summary}");
    assert_eq!(summary["three"], serde_json::json!([2, 3, 3]), "{summary}");
    assert_eq!(
        summary["four"],
        serde_json::json!([2, 2, 2, 2]),
        "{summary}"
    );
    assert_eq!(
        summary["after_leave"],
        serde_json::json!([2, 3, 3]),
        "{summary}"
    );
}
