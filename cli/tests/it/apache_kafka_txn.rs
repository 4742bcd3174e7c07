//! Exactly-once against Apache Kafka 4.x (3 brokers), under both
//! `transaction.version` levels: the client's exactly-once example moves
//! topic A (8 partitions) to topic B while it is SIGKILLed and restarted at
//! random points, and aborted transactions stay invisible to Kafka's Java
//! consumer under read_committed and visible under read_uncommitted.
//!
//! The cluster is formatted at Kafka 4.x's defaults (`transaction.version`
//! 2); the tests move it to 1 with `kafka-features downgrade` and back with
//! `upgrade`, so the tier runs this module alone (`--test-threads 1`), after
//! the tests that share the cluster in parallel.
//!
//! Scale: [`RECORDS`] records and [`KILLS`] kills per level keep the tier
//! within a few minutes; `KCTL_EOS_RECORDS` and `KCTL_EOS_KILLS` raise them
//! for a long run.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::apache_kafka::{Cluster, cluster, eventually, unique};

const RECORDS: usize = 20_000;
const KILLS: usize = 5;
const PARTITIONS: i32 = 8;

fn scale(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The finalized `transaction.version`, as `kafka-features describe` shows it.
fn finalized_transaction_version(cluster: &Cluster) -> Option<i16> {
    let out = cluster.tool_ok(
        "FeatureCommand",
        &["--bootstrap-server", &cluster.bootstrap, "describe"],
    );
    out.lines()
        .find(|l| l.contains("Feature: transaction.version"))
        .and_then(|l| {
            l.split_whitespace()
                .skip_while(|w| *w != "FinalizedVersionLevel:")
                .nth(1)
                .and_then(|v| v.parse().ok())
        })
}

/// Moves the cluster to `transaction.version=level` and waits until it is
/// finalized.
fn set_transaction_version(cluster: &Cluster, level: i16) {
    if finalized_transaction_version(cluster) == Some(level) {
        return;
    }
    let verb = if finalized_transaction_version(cluster).unwrap_or(0) > level {
        "downgrade"
    } else {
        "upgrade"
    };
    let feature = format!("transaction.version={level}");
    cluster.tool_ok(
        "FeatureCommand",
        &[
            "--bootstrap-server",
            &cluster.bootstrap,
            verb,
            "--feature",
            &feature,
        ],
    );
    eventually(
        Duration::from_secs(30),
        "transaction.version finalized",
        || finalized_transaction_version(cluster) == Some(level),
    );
    // Every broker answers ApiVersions from its own metadata image: give
    // the followers of the metadata log a moment to apply the change.
    std::thread::sleep(Duration::from_secs(2));
}

/// The exactly-once example, built now so a stale one is never tested.
fn example_binary() -> PathBuf {
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "-q",
            "-p",
            "kctl-client",
            "--example",
            "exactly_once",
        ])
        .status()
        .unwrap();
    assert!(status.success(), "cannot build the exactly_once example");
    let exe = std::env::current_exe().unwrap();
    let debug = exe.parent().unwrap().parent().unwrap();
    debug.join("examples").join("exactly_once")
}

/// Values of `topic` read by kctl under `isolation`, from the beginning to
/// the end (the last stable offset under read-committed).
fn kctl_values(cluster: &Cluster, topic: &str, isolation: &str) -> Vec<String> {
    let run = cluster
        .kctl(&[
            "consume",
            topic,
            "--from-beginning",
            "--exit-at-end",
            "--isolation",
            isolation,
        ])
        .run()
        .success();
    run.stdout.lines().map(str::to_owned).collect()
}

/// Values Kafka's Java console consumer reads from `topic` under
/// `isolation` (Kafka's `isolation.level` spelling), in order; it stops
/// after `max` records or 15 s without one.
fn java_values(cluster: &Cluster, topic: &str, isolation: &str, max: usize) -> Vec<String> {
    let level = format!("isolation.level={isolation}");
    let max = max.to_string();
    let out = cluster.tool(
        "ConsoleConsumer",
        &[
            "--bootstrap-server",
            &cluster.bootstrap,
            "--topic",
            topic,
            "--from-beginning",
            "--max-messages",
            &max,
            "--timeout-ms",
            "15000",
            // Kafka 4.2's name for --consumer-property.
            "--command-property",
            &level,
        ],
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The group's committed offsets on `topic`, per partition, from kctl.
fn committed_offsets(cluster: &Cluster, group: &str, topic: &str) -> BTreeMap<i64, i64> {
    let described = cluster
        .kctl(&["group", "describe", group, "-o", "json"])
        .run()
        .success()
        .json();
    described[0]["offsets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["topic"] == topic)
        .map(|o| {
            (
                o["partition"].as_i64().unwrap(),
                o["committed_offset"].as_i64().unwrap_or(0),
            )
        })
        .collect()
}

/// One pipeline run against the cluster at its current level: input,
/// kills, the last run to the end, and the checks.
fn pipeline_under_sigkill(cluster: &Cluster, binary: &PathBuf, level: i16) {
    let records = scale("KCTL_EOS_RECORDS", RECORDS);
    let kills = scale("KCTL_EOS_KILLS", KILLS);
    let a = unique(&format!("eos-a-tv{level}"));
    let b = unique(&format!("eos-b-tv{level}"));
    let group = unique(&format!("eos-group-tv{level}"));
    let transactional_id = unique(&format!("eos-pipeline-tv{level}"));
    let partitions = PARTITIONS.to_string();
    for topic in [&a, &b] {
        cluster
            .kctl(&["topic", "create", topic, "-p", &partitions, "-r", "3"])
            .run()
            .success();
    }
    let input: String = (0..records).map(|i| format!("k{i}\tv{i}\n")).collect();
    cluster
        .kctl(&["produce", &a, "--key-separator", "\t"])
        .stdin(input.as_str())
        .run()
        .success();

    // The example takes one bootstrap address.
    let bootstrap = cluster.bootstrap.split(',').next().unwrap();
    let run = |idle_ms: u64, log: Stdio| {
        Command::new(binary)
            .args([
                bootstrap,
                a.as_str(),
                b.as_str(),
                group.as_str(),
                transactional_id.as_str(),
            ])
            .env("KCTL_EOS_IDLE_MS", idle_ms.to_string())
            // Kafka keeps a killed member's partitions until its session
            // times out; 6 s (Kafka's group.min.session.timeout.ms) lets
            // the last run get them all before it goes idle.
            .env("KCTL_EOS_SESSION_TIMEOUT_MS", "6000")
            .env("RUST_LOG", "kctl_client=debug")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap()
    };
    // Kill points spread over the run: the group's first join on Kafka
    // takes ~3 s (group.initial.rebalance.delay.ms), so some kills land
    // while joining, most while transactions are open or ending.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let mut seed = u64::from(nanos) | 1;
    for kill in 0..kills {
        let mut child = run(60_000, Stdio::null());
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let wait_ms = 2_000 + seed % 4_000;
        std::thread::sleep(Duration::from_millis(wait_ms));
        // SIGKILL: nothing is aborted or flushed.
        child.kill().unwrap();
        child.wait().unwrap();
        eprintln!("tv{level}: kill {} after {wait_ms} ms", kill + 1);
    }
    let log_path = std::env::temp_dir().join(format!("{transactional_id}.log"));
    let log = std::fs::File::create(&log_path).unwrap();
    let started = Instant::now();
    let mut last = run(15_000, Stdio::from(log));
    let status = loop {
        if let Some(status) = last.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "the last run never finished"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(status.success(), "tv{level}: the last run failed: {status}");

    let mut out = kctl_values(cluster, &b, "read-committed");
    if out.len() != records {
        let lag = cluster
            .kctl(&["group", "describe", &group, "--lag-only"])
            .run()
            .stdout;
        panic!(
            "tv{level}: {} of {records} records in B after the last run ({} s); the group:\n{lag}\nthe last run's log: {}",
            out.len(),
            started.elapsed().as_secs(),
            log_path.display()
        );
    }
    out.sort();
    out.dedup();
    assert_eq!(out.len(), records, "tv{level}: no duplicates in B");
    let mut expected: Vec<String> = (0..records).map(|i| format!("v{i}")).collect();
    expected.sort();
    assert_eq!(out, expected, "tv{level}: B holds exactly A's values");
    let committed = committed_offsets(cluster, &group, &a);
    assert_eq!(committed.len(), PARTITIONS as usize, "{committed:?}");
    assert_eq!(
        committed.values().sum::<i64>(),
        records as i64,
        "tv{level}: the group's committed offsets are A's ends"
    );
    // Kafka's own consumer agrees on B under read_committed.
    let java = java_values(cluster, &b, "read_committed", records);
    assert_eq!(java.len(), records, "tv{level}: the Java consumer on B");
}

/// Aborted records are invisible to read_committed (Kafka's Java consumer
/// and kctl) and visible to read_uncommitted.
fn aborts_are_invisible(cluster: &Cluster, level: i16) {
    let topic = unique(&format!("aborts-tv{level}"));
    cluster
        .kctl(&["topic", "create", &topic, "-p", "1", "-r", "3"])
        .run()
        .success();
    let id = unique(&format!("aborts-tv{level}"));
    cluster
        .kctl(&["produce", &topic, "--transactional-id", &id])
        .stdin("c1\nc2\n")
        .run()
        .success();
    // A bad line aborts the open transaction holding x.
    let run = cluster
        .kctl(&[
            "produce",
            &topic,
            "--input",
            "json",
            "--transactional-id",
            &id,
        ])
        .stdin("{\"value\":\"x\"}\nnot json\n")
        .run()
        .code(1);
    assert!(
        run.stderr.contains("aborted the open transaction"),
        "{}",
        run.stderr
    );
    cluster
        .kctl(&["produce", &topic, "--transactional-id", &id])
        .stdin("c3\n")
        .run()
        .success();
    assert_eq!(
        java_values(cluster, &topic, "read_committed", 10),
        ["c1", "c2", "c3"],
        "tv{level}: Java read_committed"
    );
    assert_eq!(
        java_values(cluster, &topic, "read_uncommitted", 10),
        ["c1", "c2", "x", "c3"],
        "tv{level}: Java read_uncommitted"
    );
    assert_eq!(
        kctl_values(cluster, &topic, "read-committed"),
        ["c1", "c2", "c3"]
    );
    assert_eq!(
        kctl_values(cluster, &topic, "read-uncommitted"),
        ["c1", "c2", "x", "c3"]
    );
}

#[test]
fn exactly_once_under_sigkill_and_aborts_on_transaction_versions_2_and_1() {
    let Some(cluster) = cluster() else { return };
    let binary = example_binary();
    assert_eq!(
        finalized_transaction_version(&cluster),
        Some(2),
        "Kafka 4.x formats new clusters at transaction.version 2"
    );
    for level in [2, 1] {
        set_transaction_version(&cluster, level);
        aborts_are_invisible(&cluster, level);
        pipeline_under_sigkill(&cluster, &binary, level);
    }
    set_transaction_version(&cluster, 2);
}
