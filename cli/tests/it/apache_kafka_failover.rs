//! kctl on Apache Kafka while a broker dies and comes back. These stop a
//! broker of the shared cluster, so `.ci/apache-kafka-tier.sh` runs them
//! after `apache_kafka`, one at a time.

use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::apache_kafka::{Cluster, cluster, eventually, json_lines, unique};
use crate::support::Kctl;

fn health(cluster: &Cluster) -> serde_json::Value {
    // Until the controller fences a killed broker (4 s), its partitions
    // still name it leader and their offsets wait out the timeout: keep it
    // short so the polls below see the fencing promptly.
    let run = Kctl::new()
        .args(&[
            "-b",
            &cluster.bootstrap,
            "--timeout",
            "5s",
            "health",
            "-o",
            "json",
        ])
        .run();
    // health's exit code is its verdict (0 OK, 1 WARN, 2 CRIT).
    assert!(run.code <= 2, "health failed:\n{}", run.snapshot());
    run.json()
}

fn under_replicated(health: &serde_json::Value) -> i64 {
    health["evaluation"]["cluster"]["health"]["under_replicated"]
        .as_i64()
        .unwrap()
}

#[test]
fn an_idempotent_acks_all_producer_survives_a_broker_kill_and_health_shows_it() {
    let Some(cluster) = cluster() else { return };
    let topic = unique("failover");
    cluster
        .kctl(&["topic", "create", &topic, "-p", "6", "-r", "3"])
        .run()
        .success();
    eventually(Duration::from_secs(30), "healthy before the kill", || {
        under_replicated(&health(&cluster)) == 0
    });

    // 12,000 keyed records at 1,000/s: the kill and the restart land while
    // they are being sent. The key is the partition's sequence stream.
    let records = 12_000;
    let mut producer = Command::new(env!("CARGO_BIN_EXE_kctl"))
        .args([
            "-b",
            &cluster.bootstrap,
            "--timeout",
            "60s",
            "produce",
            &topic,
            "-K",
            "\t",
            "--acks",
            "all",
            "--rate",
            "1000",
        ])
        .env("XDG_CONFIG_HOME", cluster.dir.join("no-config"))
        .env_remove("KCTL_BOOTSTRAP_SERVER")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines: String = (0..records)
        .map(|i| format!("key-{}\t{i}\n", i % 24))
        .collect();
    let mut stdin = producer.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(lines.as_bytes()).unwrap());

    std::thread::sleep(Duration::from_secs(3));
    cluster.cluster_script(&["kill", "2"]);
    // The controller fences broker 2 after broker.session.timeout.ms (4 s):
    // its replicas leave the ISR, and kctl health says so.
    eventually(
        Duration::from_secs(30),
        "under-replicated while down",
        || {
            let h = health(&cluster);
            under_replicated(&h) > 0 && h["status"] != "OK"
        },
    );
    cluster.cluster_script(&["restart", "2"]);
    writer.join().unwrap();
    let produced = producer.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&produced.stderr);
    assert!(
        produced.status.success(),
        "produce failed across the restart:\n{stderr}"
    );
    assert!(
        stderr.contains(&format!("produced {records} records")),
        "{stderr}"
    );
    eventually(Duration::from_secs(90), "healthy after the rejoin", || {
        let h = health(&cluster);
        under_replicated(&h) == 0 && h["status"] == "OK"
    });

    // Every acknowledged record once, and in order per key (so per partition).
    let consumed = cluster
        .kctl(&["consume", &topic, "--from-beginning", "-e", "-o", "json"])
        .run()
        .success();
    let records_read = json_lines(&consumed);
    assert_eq!(records_read.len(), records, "records read back");
    let mut last: HashMap<String, (i64, i64)> = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    for record in &records_read {
        let key = record["key"].as_str().unwrap().to_owned();
        let seq: i64 = record["value"].as_str().unwrap().parse().unwrap();
        let partition = record["partition"].as_i64().unwrap();
        assert!(seen.insert(seq), "record {seq} read twice");
        if let Some((p, previous)) = last.insert(key.clone(), (partition, seq)) {
            assert_eq!(p, partition, "{key} moved partitions");
            assert!(previous < seq, "{key}: {seq} after {previous}");
        }
    }
}
