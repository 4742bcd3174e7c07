//! Share groups (KIP-932) on Apache Kafka: kctl's share consumer next to
//! Kafka's Java `KafkaShareConsumer` on one partition, `kctl share
//! describe` against `kafka-share-groups --describe`, and the client's lock
//! renewal (KIP-1222).
//!
//! KCTL_SHARE_RECORDS sets the record count (default 3,000; the issue's
//! full run is 30,000).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::{Cluster, cluster, eventually, unique};

const RECORDS: usize = 3_000;
const RELEASED: usize = 50;
const REJECTED: usize = 30;

fn records() -> usize {
    std::env::var("KCTL_SHARE_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(RECORDS)
}

/// ShareWorker.java compiled against the cluster's Kafka jars; the
/// classpath to run it with.
fn java_worker(cluster: &Cluster) -> String {
    let libs = std::fs::read_to_string(cluster.dir.join("libs"))
        .map(|l| l.trim().to_owned())
        .expect("the cluster directory names its jar directory");
    let out: PathBuf = cluster.dir.join("share-worker-classes");
    std::fs::create_dir_all(&out).unwrap();
    let source =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/apache_kafka/ShareWorker.java");
    let status = Command::new("javac")
        .args(["-cp", &format!("{libs}/*"), "-d"])
        .arg(&out)
        .arg(&source)
        .status()
        .expect(
            "javac (JDK 17+) is needed for the Java share consumer; bash .ci/setup installs it",
        );
    assert!(status.success(), "javac ShareWorker.java failed");
    format!("{}:{libs}/*", out.display())
}

/// Offset → delivery count of the records a kctl share consumer printed.
fn kctl_deliveries(stdout: &[u8]) -> Vec<(i64, i64)> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            (
                v["offset"].as_i64().unwrap(),
                v["delivery_count"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn kctl_share_consume(
    cluster: &Cluster,
    topic: &str,
    group: &str,
    extra: &[&str],
) -> Vec<(i64, i64)> {
    let out = cluster
        .kctl(
            &[
                &["share", "consume", topic, "-g", group, "-o", "json"],
                extra,
            ]
            .concat(),
        )
        .run()
        .success();
    kctl_deliveries(out.stdout.as_bytes())
}

fn members(cluster: &Cluster, group: &str) -> usize {
    cluster
        .kctl(&["share", "describe", group, "-o", "json"])
        .run()
        .success()
        .json()["members"]
        .as_array()
        .unwrap()
        .len()
}

#[test]
fn two_kctl_share_consumers_and_a_java_one_share_a_partition() {
    let Some(cluster) = cluster() else { return };
    let records = records();
    let topic = unique("share-three");
    let group = unique("share-three-group");
    cluster
        .kctl(&["topic", "create", &topic, "-p", "1", "-r", "1"])
        .run()
        .success();
    // The group starts at the log start (its default, latest, would skip
    // what is produced before it has a member); this also creates it.
    cluster
        .kctl(&[
            "share",
            "reset-offsets",
            &group,
            "--topic",
            &topic,
            "--to-earliest",
            "--execute",
            "-y",
        ])
        .run()
        .success();
    let first: String = (0..RELEASED + REJECTED)
        .map(|i| format!("r{i}\n"))
        .collect();
    cluster
        .kctl(&["produce", &topic])
        .stdin(first.as_str())
        .run()
        .success();

    // One member releases what it prints, the next rejects what it prints.
    let released: BTreeSet<i64> = kctl_share_consume(
        &cluster,
        &topic,
        &group,
        &["--ack", "release", "-n", &RELEASED.to_string()],
    )
    .into_iter()
    .map(|(o, _)| o)
    .collect();
    assert_eq!(released.len(), RELEASED);
    let rejected_deliveries = kctl_share_consume(
        &cluster,
        &topic,
        &group,
        &["--ack", "reject", "-n", &REJECTED.to_string()],
    );
    let rejected: BTreeSet<i64> = rejected_deliveries.iter().map(|(o, _)| *o).collect();
    assert_eq!(rejected.len(), REJECTED);

    // Three workers: two kctl, one Java; the rest of the records are
    // produced once all three are members, in chunks, so they compete.
    let classpath = java_worker(&cluster);
    let java = Command::new("java")
        .args([
            "-Xmx256m",
            "-XX:TieredStopAtLevel=1",
            "-cp",
            &classpath,
            "ShareWorker",
        ])
        .args([
            cluster.bootstrap.as_str(),
            topic.as_str(),
            group.as_str(),
            "8000",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Each worker's output is read while it runs: a worker blocked on a
    // full stdout pipe keeps its records locked, and once the others have
    // filled the in-flight window (`group.share.partition.max.record.locks`)
    // they idle out; reading after the produce loop stopped the
    // 30,000-record run near 4,600.
    let java = std::thread::spawn(move || java.wait_with_output().unwrap());
    let kctl_worker = || {
        Command::new(env!("CARGO_BIN_EXE_kctl"))
            .args([
                "-b",
                &cluster.bootstrap,
                "share",
                "consume",
                &topic,
                "-g",
                &group,
            ])
            .args(["-o", "json", "--idle-timeout", "8s"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map(|child| std::thread::spawn(move || child.wait_with_output().unwrap()))
            .unwrap()
    };
    let ours = [kctl_worker(), kctl_worker()];
    eventually(Duration::from_secs(60), "three share-group members", || {
        members(&cluster, &group) == 3
    });
    let already = RELEASED + REJECTED;
    let chunk = (records / 20).max(1);
    // The members are compared with Kafka's tool while the records flow
    // (a JVM start before them could outlast the workers' idle timeout).
    std::thread::scope(|scope| {
        let members_agree = scope.spawn(|| assert_share_members_agree(&cluster, &group));
        let mut next = already;
        while next < records {
            let end = (next + chunk).min(records);
            let lines: String = (next..end).map(|i| format!("r{i}\n")).collect();
            cluster
                .kctl(&["produce", &topic])
                .stdin(lines.as_str())
                .run()
                .success();
            next = end;
            std::thread::sleep(Duration::from_millis(100));
        }
        if let Err(panic) = members_agree.join() {
            std::panic::resume_unwind(panic);
        }
    });

    let mut accepted: Vec<(&str, i64, i64)> = Vec::new();
    for (i, worker) in ours.into_iter().enumerate() {
        let out = worker.join().unwrap();
        assert!(
            out.status.success(),
            "kctl worker {i}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let name = if i == 0 { "kctl-a" } else { "kctl-b" };
        accepted.extend(
            kctl_deliveries(&out.stdout)
                .into_iter()
                .map(|(o, d)| (name, o, d)),
        );
    }
    let out = java.join().unwrap();
    assert!(out.status.success(), "the Java share consumer failed");
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let (offset, count) = line.split_once(' ').unwrap();
        accepted.push(("java", offset.parse().unwrap(), count.parse().unwrap()));
    }

    let per_worker: BTreeMap<&str, usize> =
        accepted.iter().fold(BTreeMap::new(), |mut m, (w, _, _)| {
            *m.entry(*w).or_default() += 1;
            m
        });
    eprintln!("share group {group}: {records} records; accepted per worker {per_worker:?}");
    for worker in ["kctl-a", "kctl-b", "java"] {
        assert!(
            per_worker.get(worker).is_some_and(|n| *n > 0),
            "{worker} got no records: {per_worker:?}"
        );
    }
    // Every record accepted exactly once, across the three.
    let mut seen = BTreeSet::new();
    for (worker, offset, _) in &accepted {
        assert!(
            seen.insert(*offset),
            "offset {offset} accepted twice (again by {worker})"
        );
        assert!(
            !rejected.contains(offset),
            "rejected offset {offset} delivered again to {worker}"
        );
    }
    let all: BTreeSet<i64> = (0..records as i64).collect();
    let done: BTreeSet<i64> = seen.union(&rejected).copied().collect();
    let missing: Vec<i64> = all.difference(&done).copied().collect();
    assert!(
        missing.is_empty() && done.len() == all.len(),
        "{} records neither accepted nor rejected, the first {:?}",
        missing.len(),
        &missing[..missing.len().min(10)]
    );
    // What the first member released came back to other members, counted.
    for offset in released.difference(&rejected) {
        let (worker, _, count) = accepted.iter().find(|(_, o, _)| o == offset).unwrap();
        assert!(
            *count >= 2,
            "released offset {offset} came to {worker} with delivery count {count}"
        );
    }
    for (offset, count) in &rejected_deliveries {
        if released.contains(offset) {
            assert!(
                *count >= 2,
                "released offset {offset} rejected at delivery {count}"
            );
        }
    }

    // Records nobody consumes yet, so the lag compared below is not 0.
    let waiting: String = (0..7).map(|i| format!("w{i}\n")).collect();
    cluster
        .kctl(&["produce", &topic])
        .stdin(waiting.as_str())
        .run()
        .success();
    // Kafka persists the start offset lazily (it trails what is
    // acknowledged), so only kctl's agreement with Kafka's tool is checked.
    assert_share_describe_agrees(&cluster, &group);
}

/// The acquisition lock the kill test gives its group: short, but not below
/// the brokers' floor (`group.share.min.record.lock.duration.ms`: the tier
/// sets 1 s, Kafka's default is 15 s).
fn short_lock_ms(cluster: &Cluster) -> u64 {
    let floor = cluster
        .kctl(&[
            "config",
            "get",
            "--entity-type",
            "broker",
            "--entity-name",
            "1",
            "group.share.min.record.lock.duration.ms",
            "-o",
            "json",
        ])
        .run()
        .success()
        .json()[0]["value"]
        .as_str()
        .unwrap()
        .parse::<u64>()
        .unwrap();
    floor.max(2_000)
}

/// A topic with one partition and a share group from its earliest offset
/// whose `share.record.lock.duration.ms` is short, set with `kctl config
/// set --entity-type group` and read back; the lock.
fn short_lock_group(cluster: &Cluster, topic: &str, group: &str) -> Duration {
    cluster
        .kctl(&["topic", "create", topic, "-p", "1", "-r", "1"])
        .run()
        .success();
    // The share coordinator's broker may not know the new topic yet (it
    // answers UNKNOWN_TOPIC_OR_PARTITION until its metadata catches up).
    eventually(Duration::from_secs(30), "resetting the new group", || {
        let run = cluster
            .kctl(&[
                "share",
                "reset-offsets",
                group,
                "--topic",
                topic,
                "--to-earliest",
                "--execute",
                "-y",
            ])
            .run();
        assert!(
            run.code == 0 || run.stdout.contains("UnknownTopicOrPartition"),
            "kctl failed:\n{}",
            run.snapshot()
        );
        run.code == 0
    });
    let lock_ms = short_lock_ms(cluster);
    let group_config = ["--entity-type", "group", "--entity-name", group];
    // Kafka's check, which broker-lite copies (`alter_configs.rs`).
    let refused = cluster
        .kctl(
            &[
                &["config", "set"],
                &group_config[..],
                &["share.record.lock.duration.ms=999"],
            ]
            .concat(),
        )
        .run()
        .code(1);
    assert!(
        refused.stderr.contains(
            "Invalid value 999 for configuration share.record.lock.duration.ms: \
             Value must be at least 1000"
        ),
        "{}",
        refused.stderr
    );
    let setting = format!("share.record.lock.duration.ms={lock_ms}");
    cluster
        .kctl(&[&["config", "set"], &group_config[..], &[setting.as_str()]].concat())
        .run()
        .success();
    let read_back = cluster
        .kctl(
            &[
                &["config", "get"],
                &group_config[..],
                &["share.record.lock.duration.ms", "-o", "json"],
            ]
            .concat(),
        )
        .run()
        .success()
        .json();
    assert_eq!(read_back[0]["value"], lock_ms.to_string(), "{read_back}");
    assert_eq!(read_back[0]["source"], "GROUP_CONFIG", "{read_back}");
    Duration::from_millis(lock_ms)
}

/// A kctl share consumer SIGKILLed while it holds records, on Kafka: the
/// scenario of `share_killed_member` (two kctl survivors). Kafka releases
/// them when the killed member's connection closes.
#[test]
fn a_killed_kctl_share_consumer_gives_its_records_back() {
    let Some(cluster) = cluster() else { return };
    let topic = unique("share-kill");
    let group = unique("share-kill-group");
    let lock = short_lock_group(&cluster, &topic, &group);
    crate::share_killed_member::a_member_holding_records_gives_them_back(
        &cluster.bootstrap,
        &topic,
        &group,
        lock,
        crate::share_killed_member::Victim::Killed,
        &|args| cluster.kctl(args),
    );
}

/// A kctl share consumer hung while it holds records (blocked, its
/// connections open), on Kafka: its records come back when the group's
/// lock runs out, not before.
#[test]
fn a_hung_kctl_share_consumer_gives_its_records_back_when_the_lock_expires() {
    let Some(cluster) = cluster() else { return };
    let topic = unique("share-hung");
    let group = unique("share-hung-group");
    let lock = short_lock_group(&cluster, &topic, &group);
    crate::share_killed_member::a_member_holding_records_gives_them_back(
        &cluster.bootstrap,
        &topic,
        &group,
        lock,
        crate::share_killed_member::Victim::Hung,
        &|args| cluster.kctl(args),
    );
}

/// RENEW (KIP-1222) on Kafka 4.2 through kctl-client's `ShareConsumer`: a
/// record renewed every half lock (by `commit_sync`, then by `poll`, which
/// sends the renewal alone before fetching) stays with its member for 2.5
/// locks while a second member polls, and the holder's ACCEPT then applies
/// (after a lock ran out Kafka would answer INVALID_RECORD_STATE). The
/// control, a record not renewed going back when its lock expires, is
/// `a_hung_kctl_share_consumer_gives_its_records_back_when_the_lock_expires`.
#[test]
fn a_record_renewed_every_half_lock_stays_with_its_member_on_kafka() {
    use kctl_client::consumer::share::{
        AcknowledgeType, AcknowledgementMode, ShareConsumer, ShareConsumerConfig,
    };
    let Some(cluster) = cluster() else { return };
    let topic = unique("share-renew");
    let group = unique("share-renew-group");
    let lock = short_lock_group(&cluster, &topic, &group);
    cluster
        .kctl(&["produce", &topic])
        .stdin("long job\n")
        .run()
        .success();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let member = || async {
            let config = ShareConsumerConfig::new(cluster.bootstrap.split(','), group.as_str())
                .acknowledgement_mode(AcknowledgementMode::Explicit)
                .fetch_max_wait_ms(100);
            let mut consumer = ShareConsumer::connect(config).await.unwrap();
            consumer.subscribe([topic.as_str()]).await.unwrap();
            consumer
        };
        let mut a = member().await;
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        let record = loop {
            let mut got = a.poll(Duration::from_millis(500)).await.unwrap();
            if let Some(record) = got.pop() {
                break record;
            }
            assert!(std::time::Instant::now() < deadline, "no record in 30 s");
        };
        assert_eq!((record.record.offset, record.delivery_count), (0, 1));
        assert_eq!(
            a.acquisition_lock_timeout_ms(),
            Some(lock.as_millis() as i32),
            "the group's share.record.lock.duration.ms"
        );
        let mut b = member().await;
        let held_since = std::time::Instant::now();
        for round in 0..5 {
            tokio::time::sleep(lock / 2).await;
            a.acknowledge(&record, AcknowledgeType::Renew).unwrap();
            if round % 2 == 0 {
                let answers = a.commit_sync().await.unwrap();
                assert_eq!(answers.len(), 1, "round {round}");
                assert_eq!(answers[0].offsets, vec![(0, AcknowledgeType::Renew)]);
                if let Err(e) = &answers[0].result {
                    panic!("round {round}: Kafka refused the renewal: {e}");
                }
            } else {
                assert!(a.poll(Duration::from_millis(10)).await.unwrap().is_empty());
            }
            let got = b.poll(Duration::from_millis(50)).await.unwrap();
            assert!(got.is_empty(), "b got a record in round {round}");
        }
        assert!(held_since.elapsed() >= lock * 2);
        a.acknowledge(&record, AcknowledgeType::Accept).unwrap();
        let answers = a.commit_sync().await.unwrap();
        assert_eq!(answers[0].offsets, vec![(0, AcknowledgeType::Accept)]);
        if let Err(e) = &answers[0].result {
            panic!("the accept after 2.5 locks was refused: {e}");
        }
        assert!(
            b.poll(lock).await.unwrap().is_empty(),
            "accepted: never again"
        );
        a.close().await.unwrap();
        b.close().await.unwrap();
    });
}

/// The members of `kctl share describe` against `kafka-share-groups
/// --describe --members --verbose` (GROUP CONSUMER-ID HOST CLIENT-ID
/// #PARTITIONS MEMBER-EPOCH ASSIGNMENT), field by field, once every member
/// has caught up with the group epoch (a member learns of a join at its
/// next heartbeat). kctl is asked before and after Kafka's tool; a change
/// in between (a late heartbeat) means another try.
/// Kafka's `kafka-share-groups --describe --group GROUP VIEW --verbose`
/// (VIEW: `--members`, `--offsets` or `--state`).
fn kafka_share_groups_describe(cluster: &Cluster, group: &str, view: &str) -> String {
    cluster.tool_ok(
        "org.apache.kafka.tools.consumer.group.ShareGroupCommand",
        &[
            "--bootstrap-server",
            &cluster.bootstrap,
            "--describe",
            "--group",
            group,
            view,
            "--verbose",
        ],
    )
}

fn assert_share_members_agree(cluster: &Cluster, group: &str) {
    let describe = || {
        cluster
            .kctl(&["share", "describe", group, "-o", "json"])
            .run()
            .success()
            .json()
    };
    let settled = |d: &serde_json::Value| {
        d["state"] == "Stable"
            && d["members"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["member_epoch"] == d["group_epoch"])
    };
    let mut attempt = 0;
    loop {
        attempt += 1;
        eventually(
            Duration::from_secs(30),
            "members at the group epoch",
            || settled(&describe()),
        );
        let before = describe();
        let out = kafka_share_groups_describe(cluster, group, "--members");
        if before["members"] != describe()["members"] && attempt < 3 {
            continue;
        }
        let theirs: BTreeMap<&str, Vec<&str>> = out
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .filter(|cols| cols.len() == 7 && cols[0] == group)
            .map(|cols| (cols[1], cols))
            .collect();
        let ours = before["members"].as_array().unwrap();
        assert_eq!(ours.len(), theirs.len(), "kafka-share-groups:\n{out}");
        for member in ours {
            let id = member["member_id"].as_str().unwrap();
            let cols = theirs
                .get(id)
                .unwrap_or_else(|| panic!("member {id} not in:\n{out}"));
            let assignment: Vec<&str> = member["assignment"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
                .collect();
            assert_eq!(
                [
                    member["host"].as_str().unwrap().to_owned(),
                    member["client_id"].as_str().unwrap().to_owned(),
                    assignment.len().to_string(),
                    member["member_epoch"].to_string(),
                    assignment.join(","),
                ]
                .as_slice(),
                &cols[2..],
                "member {id}: HOST CLIENT-ID #PARTITIONS MEMBER-EPOCH ASSIGNMENT\n{out}"
            );
        }
        return;
    }
}

/// `kctl share describe` against `kafka-share-groups --describe --offsets
/// --verbose` and `--describe --state --verbose`, field by field, the LAG
/// (DescribeShareGroupOffsets v1, KIP-1226) included.
fn assert_share_describe_agrees(cluster: &Cluster, group: &str) {
    let kctl_offsets = || {
        cluster
            .kctl(&["share", "describe", group, "-o", "json"])
            .run()
            .success()
            .json()
    };
    // Kafka's share state moves after the members are done (the leader
    // persists lazily), so kctl reads before and after Kafka's tool: when
    // both readings are the same, Kafka's came from that same state and must
    // match it exactly; else the state moved, and all three are read again.
    let mut attempts = 0;
    let (ours, offsets) = loop {
        attempts += 1;
        let before = kctl_offsets();
        let offsets = kafka_share_groups_describe(cluster, group, "--offsets");
        let after = kctl_offsets();
        if before["offsets"] == after["offsets"] {
            break (after, offsets);
        }
        assert!(
            attempts < 5,
            "the share state kept moving:\n{before}\n{after}"
        );
        std::thread::sleep(Duration::from_secs(1));
    };
    eprintln!("kafka-share-groups --offsets (kctl agreed after {attempts} reading(s)):\n{offsets}");
    // GROUP TOPIC PARTITION LEADER-EPOCH START-OFFSET LAG
    let theirs: Vec<Vec<String>> = offsets
        .lines()
        .map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .filter(|cols| cols.len() >= 6 && cols[0] == group)
        .collect();
    let rows = ours["offsets"].as_array().unwrap();
    assert_eq!(rows.len(), theirs.len(), "kafka-share-groups:\n{offsets}");
    for (row, cols) in rows.iter().zip(&theirs) {
        assert_eq!(row["topic"], cols[1].as_str());
        assert_eq!(row["partition"].to_string(), cols[2]);
        assert_eq!(row["leader_epoch"].to_string(), cols[3], "leader epoch");
        assert_eq!(row["start_offset"].to_string(), cols[4], "start offset");
        // DescribeShareGroupOffsets v1 (KIP-1226): the same lag, "-" for none.
        let lag = row["lag"]
            .as_i64()
            .map_or_else(|| "-".to_owned(), |l| l.to_string());
        assert_eq!(lag, cols[5], "lag; kafka-share-groups:\n{offsets}");
        assert!(
            row["lag"].as_i64().is_some_and(|l| l >= 7),
            "the 7 records produced last are not consumed: {row}"
        );
        // Kafka reports no in-flight, archived or redelivery figures (they
        // are broker-lite's extension): null, not 0.
        for field in ["in_flight", "archived", "redeliveries"] {
            assert!(row[field].is_null(), "{field} from Kafka: {row}");
        }
    }
    let state = kafka_share_groups_describe(cluster, group, "--state");
    // GROUP COORDINATOR (ID) STATE GROUP-EPOCH ASSIGNMENT-EPOCH #MEMBERS,
    // the coordinator as "host:port  (id)".
    let line = state
        .lines()
        .find(|l| l.split_whitespace().next() == Some(group))
        .unwrap_or_else(|| panic!("no state row:\n{state}"));
    let cols: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(cols.len(), 7, "{line}");
    assert_eq!(cols[2], format!("({})", ours["coordinator"]), "{line}");
    assert_eq!(ours["state"], cols[3], "{line}");
    assert_eq!(ours["group_epoch"].to_string(), cols[4], "{line}");
    assert_eq!(ours["assignment_epoch"].to_string(), cols[5], "{line}");
    assert_eq!(
        ours["members"].as_array().unwrap().len().to_string(),
        cols[6],
        "{line}"
    );
}
