//! kctl against Apache Kafka 4.x (3 brokers, KRaft), with Kafka's own tools
//! as the referee. `.ci/apache-kafka-tier.sh` starts one cluster with
//! `.ci/apache-kafka.sh start --brokers 3 --security` and points these
//! tests at it through KCTL_APACHE_KAFKA_DIR; every test makes its own
//! topics and groups, so they share the cluster. The tests that stop a
//! broker live in `apache_kafka_failover` and run after these.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Kctl, Run};

/// The running cluster the tier started.
pub struct Cluster {
    pub dir: PathBuf,
    pub bootstrap: String,
    pub sasl_ssl: String,
    pub ssl: String,
}

fn line_value(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.trim()
        .split_once('=')
        .map(|(_, v)| v.to_owned())
        .unwrap_or_else(|| panic!("{}: no KEY=VALUE line", path.display()))
}

/// The cluster, or `None` (skip) outside the tier. Under CI=true a missing
/// cluster fails: CI must not pass by skipping.
pub fn cluster() -> Option<Cluster> {
    let Some(dir) = std::env::var_os("KCTL_APACHE_KAFKA_DIR").map(PathBuf::from) else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("KCTL_APACHE_KAFKA_DIR is not set (CI=true: run .ci/apache-kafka-tier.sh)");
        }
        eprintln!("SKIPPED: no Apache Kafka; run .ci/apache-kafka-tier.sh");
        return None;
    };
    Some(Cluster {
        bootstrap: line_value(&dir.join("bootstrap")),
        sasl_ssl: line_value(&dir.join("bootstrap-sasl-ssl")),
        ssl: line_value(&dir.join("bootstrap-ssl")),
        dir,
    })
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ci/apache-kafka.sh")
}

impl Cluster {
    /// `kctl -b <plaintext listeners> ARGS...`
    pub fn kctl(&self, args: &[&str]) -> Kctl {
        let mut kctl = Kctl::new();
        kctl.args(&["-b", &self.bootstrap, "--timeout", "30s"])
            .args(args);
        kctl
    }

    /// One of Kafka's command-line classes against this cluster, bounded.
    pub fn tool(&self, class: &str, args: &[&str]) -> Output {
        Command::new("timeout")
            .arg("120")
            .arg("bash")
            .arg(script())
            .arg("tool")
            .arg(&self.dir)
            .arg(class)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// Like `tool`, and it must succeed; its stdout.
    #[track_caller]
    pub fn tool_ok(&self, class: &str, args: &[&str]) -> String {
        let out = self.tool(class, args);
        assert!(
            out.status.success(),
            "{class} {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A tool running in the background, stdin piped.
    pub fn spawn_tool(&self, class: &str, args: &[&str]) -> Child {
        Command::new("bash")
            .arg(script())
            .arg("tool")
            .arg(&self.dir)
            .arg(class)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    pub fn cluster_script(&self, args: &[&str]) {
        let status = Command::new("bash")
            .arg(script())
            .args(args)
            .arg(&self.dir)
            .status()
            .unwrap();
        assert!(status.success(), "apache-kafka.sh {args:?} failed");
    }
}

/// A name no earlier run on the same cluster used.
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}-{}", nanos % 1_000_000_000)
}

/// The JSON lines of `kctl consume -o json`.
pub fn json_lines(run: &Run) -> Vec<serde_json::Value> {
    run.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Polls `check` until it holds or `limit` passes.
pub fn eventually(limit: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The partition rows of `kafka-consumer-groups --describe`: partition to
/// (current offset, log end, lag); `-` (no commit) as `None`.
fn consumer_groups_rows(out: &str, topic: &str) -> BTreeMap<i32, (Option<i64>, i64, Option<i64>)> {
    out.lines()
        .filter_map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            (cols.len() >= 6 && cols[1] == topic).then(|| {
                (
                    cols[2].parse().unwrap(),
                    (
                        cols[3].parse().ok(),
                        cols[4].parse().unwrap(),
                        cols[5].parse().ok(),
                    ),
                )
            })
        })
        .collect()
}

/// The same rows from `kctl group describe --lag-only -o json`.
fn kctl_group_rows(
    cluster: &Cluster,
    group: &str,
    topic: &str,
) -> BTreeMap<i32, (Option<i64>, i64, Option<i64>)> {
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
                o["partition"].as_i64().unwrap() as i32,
                (
                    o["committed_offset"].as_i64(),
                    o["log_end_offset"].as_i64().unwrap(),
                    o["lag"].as_i64(),
                ),
            )
        })
        .collect()
}

#[test]
fn the_tour_on_three_brokers_with_replication_factor_3() {
    let Some(cluster) = cluster() else { return };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tour.sh");
    let out = Command::new("bash")
        .arg(script)
        .env("KCTL", env!("CARGO_BIN_EXE_kctl"))
        .env("BOOTSTRAP", &cluster.bootstrap)
        .env("TOUR_CLUSTER", "apache-kafka")
        .env("TOUR_REPLICATION_FACTOR", "3")
        .env("TOUR_PREFIX", unique("tour"))
        .env("NO_COLOR", "1")
        .env_remove("KCTL_BOOTSTRAP_SERVER")
        .env_remove("KCTL_CONTEXT")
        .env_remove("KCTL_CONFIG")
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the tour failed on Apache Kafka:\n{log}"
    );
    assert!(log.contains("tour complete (apache-kafka)"), "{log}");
    assert!(
        !log.contains("skipped"),
        "nothing is skipped on Kafka:\n{log}"
    );
}

#[test]
fn topics_with_replication_factor_3_alter_configs_and_health_filters() {
    let Some(cluster) = cluster() else { return };
    let topic = unique("rf3");
    cluster
        .kctl(&[
            "topic",
            "create",
            &topic,
            "-p",
            "3",
            "-r",
            "3",
            "-c",
            "retention.ms=3600000",
        ])
        .run()
        .success();
    let listed = cluster
        .kctl(&["topic", "list", "-o", "json"])
        .run()
        .success()
        .json();
    let entry = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == topic.as_str())
        .expect("listed");
    assert_eq!(entry["partitions"], 3);
    assert_eq!(entry["replication_factor"], 3);

    cluster
        .kctl(&[
            "topic",
            "alter",
            &topic,
            "--partitions",
            "5",
            "--config",
            "segment.ms=600000",
        ])
        .run()
        .success();
    let described = cluster
        .kctl(&["topic", "describe", &topic, "-o", "json"])
        .run()
        .success()
        .json();
    let partitions = described[0]["partitions"].as_array().unwrap();
    assert_eq!(partitions.len(), 5);
    eventually(
        Duration::from_secs(30),
        "new partitions fully in sync",
        || {
            let d = cluster
                .kctl(&["topic", "describe", &topic, "-o", "json"])
                .run()
                .success()
                .json();
            d[0]["partitions"].as_array().unwrap().iter().all(|p| {
                p["replicas"].as_array().unwrap().len() == 3
                    && p["isr"].as_array().unwrap().len() == 3
            })
        },
    );
    // What kafka-topics --describe says is what kctl says: leaders and replicas.
    let tool = cluster.tool_ok(
        "TopicCommand",
        &[
            "--bootstrap-server",
            &cluster.bootstrap,
            "--describe",
            "--topic",
            &topic,
        ],
    );
    for p in partitions {
        let want = format!(
            "Partition: {}\tLeader: {}\tReplicas: {}",
            p["partition"],
            p["leader"],
            p["replicas"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.to_string())
                .collect::<Vec<_>>()
                .join(",")
        );
        assert!(tool.contains(&want), "{want} not in:\n{tool}");
    }
    for filter in ["--under-replicated", "--under-min-isr", "--unavailable"] {
        let run = cluster
            .kctl(&["topic", "describe", &topic, filter, "-o", "json"])
            .run()
            .success();
        assert!(
            !run.stdout.contains("\"partition\""),
            "{filter}: {}",
            run.stdout
        );
    }
    // min.insync.replicas=3 with 3 in sync: every partition is at min ISR.
    cluster
        .kctl(&[
            "config",
            "set",
            "--entity-type",
            "topic",
            "--entity-name",
            &topic,
            "min.insync.replicas=3",
        ])
        .run()
        .success();
    let at_min = cluster
        .kctl(&["topic", "describe", &topic, "--at-min-isr", "-o", "json"])
        .run()
        .success();
    assert_eq!(
        at_min.stdout.matches("\"partition\"").count(),
        5,
        "{}",
        at_min.stdout
    );

    // Topic configs: get, set, delete, and Kafka's kafka-configs agrees.
    let get = |key: &str| {
        let configs = cluster
            .kctl(&[
                "config",
                "get",
                "--entity-type",
                "topic",
                "--entity-name",
                &topic,
                key,
                "-o",
                "json",
            ])
            .run()
            .success()
            .json();
        configs.as_array().unwrap()[0].clone()
    };
    assert_eq!(get("retention.ms")["value"], "3600000");
    assert_eq!(get("segment.ms")["value"], "600000");
    cluster
        .kctl(&[
            "config",
            "delete",
            "--entity-type",
            "topic",
            "--entity-name",
            &topic,
            "retention.ms",
            "--yes",
        ])
        .run()
        .success();
    assert_eq!(get("retention.ms")["source"], "DEFAULT_CONFIG");
    let tool = cluster.tool_ok(
        "ConfigCommand",
        &[
            "--bootstrap-server",
            &cluster.bootstrap,
            "--describe",
            "--entity-type",
            "topics",
            "--entity-name",
            &topic,
        ],
    );
    assert!(
        tool.contains("segment.ms=600000")
            && tool.contains("min.insync.replicas=3")
            && !tool.contains("retention.ms="),
        "{tool}"
    );

    // A broker's dynamic config: set on broker 2, read back, deleted.
    let broker_get = || {
        cluster
            .kctl(&[
                "config",
                "get",
                "--entity-type",
                "broker",
                "--entity-name",
                "2",
                "log.cleaner.backoff.ms",
                "-o",
                "json",
            ])
            .run()
            .success()
            .json()[0]
            .clone()
    };
    cluster
        .kctl(&[
            "config",
            "set",
            "--entity-type",
            "broker",
            "--entity-name",
            "2",
            "log.cleaner.backoff.ms=16000",
        ])
        .run()
        .success();
    eventually(Duration::from_secs(20), "broker config applied", || {
        broker_get()["value"] == "16000"
    });
    assert_eq!(broker_get()["source"], "DYNAMIC_BROKER_CONFIG");
    let tool = cluster.tool_ok(
        "ConfigCommand",
        &[
            "--bootstrap-server",
            &cluster.bootstrap,
            "--describe",
            "--entity-type",
            "brokers",
            "--entity-name",
            "2",
        ],
    );
    assert!(tool.contains("log.cleaner.backoff.ms=16000"), "{tool}");
    cluster
        .kctl(&[
            "config",
            "delete",
            "--entity-type",
            "broker",
            "--entity-name",
            "2",
            "log.cleaner.backoff.ms",
            "--yes",
        ])
        .run()
        .success();
    eventually(Duration::from_secs(20), "broker config deleted", || {
        broker_get()["source"] != "DYNAMIC_BROKER_CONFIG"
    });

    // Cluster and offsets.
    let described = cluster
        .kctl(&["cluster", "describe", "-o", "json"])
        .run()
        .success()
        .json();
    assert_eq!(described["brokers"].as_array().unwrap().len(), 3);
    cluster
        .kctl(&["produce", &topic, "-p", "4", "--acks", "all"])
        .stdin("one\ntwo\nthree\n")
        .run()
        .success();
    let offsets = cluster
        .kctl(&["offsets", &topic, "-p", "4", "-o", "json"])
        .run()
        .success()
        .json();
    assert_eq!(offsets[0]["earliest"], 0);
    assert_eq!(offsets[0]["latest"], 3);
    let tool = cluster.tool_ok(
        "GetOffsetShell",
        &[
            "--bootstrap-server",
            &cluster.bootstrap,
            "--topic",
            &topic,
            "--partitions",
            "4",
        ],
    );
    assert_eq!(tool.trim(), format!("{topic}:4:3"));

    cluster
        .kctl(&["topic", "delete", &topic, "--yes"])
        .run()
        .success();
    eventually(Duration::from_secs(30), "topic gone", || {
        !cluster
            .kctl(&["topic", "list"])
            .run()
            .success()
            .stdout
            .contains(&topic)
    });
}

#[test]
fn every_codec_and_keyed_placement_agree_with_the_java_client() {
    let Some(cluster) = cluster() else { return };
    let by_kctl = unique("keys-kctl");
    let by_java = unique("keys-java");
    for topic in [&by_kctl, &by_java] {
        cluster
            .kctl(&["topic", "create", topic, "-p", "7", "-r", "2"])
            .run()
            .success();
    }
    let lines: String = (0..300).map(|i| format!("user-{i}\tv{i}\n")).collect();
    // Idempotence is on by default; acks=all is what it needs.
    cluster
        .kctl(&["produce", &by_kctl, "-K", "\t", "--acks", "all"])
        .stdin(lines.clone())
        .run()
        .success();
    let mut producer = cluster.spawn_tool(
        "ConsoleProducer",
        &[
            "--bootstrap-server",
            &cluster.bootstrap,
            "--topic",
            &by_java,
            "--reader-property",
            "parse.key=true",
        ],
    );
    producer
        .stdin
        .take()
        .unwrap()
        .write_all(lines.as_bytes())
        .unwrap();
    assert!(producer.wait_with_output().unwrap().status.success());
    // Java's consumer reports where kctl's records landed...
    let java_view = cluster.tool_ok(
        "ConsoleConsumer",
        &[
            "--bootstrap-server",
            &cluster.bootstrap,
            "--topic",
            &by_kctl,
            "--from-beginning",
            "--max-messages",
            "300",
            "--timeout-ms",
            "30000",
            "--formatter-property",
            "print.key=true",
            "--formatter-property",
            "print.partition=true",
        ],
    );
    let placed = |text: &str| -> HashMap<String, String> {
        text.lines()
            .map(|l| {
                let cols: Vec<&str> = l.split('\t').collect();
                (cols[1].to_owned(), cols[0].to_owned())
            })
            .collect()
    };
    let kctl_placement = placed(&java_view);
    assert_eq!(kctl_placement.len(), 300);
    // ...and where Java's own producer put the same keys.
    let java_placement = placed(&cluster.tool_ok(
        "ConsoleConsumer",
        &[
            "--bootstrap-server",
            &cluster.bootstrap,
            "--topic",
            &by_java,
            "--from-beginning",
            "--max-messages",
            "300",
            "--timeout-ms",
            "30000",
            "--formatter-property",
            "print.key=true",
            "--formatter-property",
            "print.partition=true",
        ],
    ));
    assert_eq!(kctl_placement, java_placement);

    // Every codec kctl writes, Kafka stores and Java reads.
    for codec in ["gzip", "snappy", "lz4", "zstd"] {
        let topic = unique(&format!("codec-{codec}"));
        cluster
            .kctl(&["topic", "create", &topic, "-p", "2", "-r", "3"])
            .run()
            .success();
        let values: String = (0..500)
            .map(|i| format!("{codec}-{i}-{}\n", "z".repeat(i % 40)))
            .collect();
        cluster
            .kctl(&["produce", &topic, "-z", codec, "--acks", "all"])
            .stdin(values.clone())
            .run()
            .success();
        let read = cluster.tool_ok(
            "ConsoleConsumer",
            &[
                "--bootstrap-server",
                &cluster.bootstrap,
                "--topic",
                &topic,
                "--from-beginning",
                "--max-messages",
                "500",
                "--timeout-ms",
                "30000",
            ],
        );
        let mut got: Vec<&str> = read.lines().collect();
        let mut want: Vec<&str> = values.lines().collect();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want, "{codec}");
    }
}

#[test]
fn a_group_shared_with_the_java_console_consumer_reads_each_record_once() {
    let Some(cluster) = cluster() else { return };
    let topic = unique("shared");
    let group = unique("shared-group");
    cluster
        .kctl(&["topic", "create", &topic, "-p", "4", "-r", "3"])
        .run()
        .success();
    let mut java = cluster.spawn_tool(
        "ConsoleConsumer",
        &[
            "--bootstrap-server",
            &cluster.bootstrap,
            "--topic",
            &topic,
            "--group",
            &group,
            "--timeout-ms",
            "40000",
        ],
    );
    let java_out = java.stdout.take().unwrap();
    let java_lines = std::thread::spawn(move || std::io::read_to_string(java_out).unwrap());
    let mut kctl = Command::new(env!("CARGO_BIN_EXE_kctl"))
        .args([
            "-b",
            &cluster.bootstrap,
            "consume",
            &topic,
            "--group",
            &group,
        ])
        .env("XDG_CONFIG_HOME", cluster.dir.join("no-config"))
        .env_remove("KCTL_BOOTSTRAP_SERVER")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let kctl_out = kctl.stdout.take().unwrap();
    let kctl_lines = std::thread::spawn(move || std::io::read_to_string(kctl_out).unwrap());
    // Both members in the group and assigned before anything is produced,
    // so no rebalance can hand a record to both.
    eventually(
        Duration::from_secs(60),
        "two members with partitions",
        || {
            let run = cluster
                .kctl(&["group", "describe", &group, "-o", "json"])
                .run();
            if run.code != 0 {
                return false;
            }
            let d = run.json();
            d[0]["state"] == "Stable"
                && d[0]["members"].as_array().is_some_and(|m| {
                    m.len() == 2
                        && m.iter()
                            .all(|m| m["assignment"].as_array().is_some_and(|a| !a.is_empty()))
                })
        },
    );
    let values: String = (0..400).map(|i| format!("k{i}\trecord-{i}\n")).collect();
    cluster
        .kctl(&["produce", &topic, "-K", "\t"])
        .stdin(values)
        .run()
        .success();
    // Each committed its share: the group's lag drains to 0.
    eventually(Duration::from_secs(60), "lag 0", || {
        let d = cluster
            .kctl(&["group", "describe", &group, "--lag-only", "-o", "json"])
            .run();
        d.code == 0
            && d.json()[0]["offsets"]
                .as_array()
                .is_some_and(|o| o.len() == 4 && o.iter().all(|p| p["lag"] == 0))
    });
    kctl.kill().unwrap();
    kctl.wait().unwrap();
    // SIGTERM, not SIGKILL: the console consumer's shutdown hook ends its
    // loop and its buffered output reaches the pipe (killed, it printed
    // nothing in 2 of 3 runs though its offsets were committed).
    let _ = Command::new("kill")
        .args(["-TERM", &java.id().to_string()])
        .status();
    let stopped_by = std::time::Instant::now() + Duration::from_secs(30);
    while java.try_wait().unwrap().is_none() && std::time::Instant::now() < stopped_by {
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = java.kill();
    java.wait().unwrap();
    let from_kctl = kctl_lines.join().unwrap();
    let from_java = java_lines.join().unwrap();
    let kctl_set: Vec<&str> = from_kctl.lines().collect();
    let java_set: Vec<&str> = from_java.lines().collect();
    assert!(
        !kctl_set.is_empty() && !java_set.is_empty(),
        "kctl {kctl_set:?}\njava {java_set:?}"
    );
    let mut all: Vec<&str> = kctl_set.iter().chain(&java_set).copied().collect();
    all.sort_unstable();
    let unique_count = all.iter().collect::<HashSet<_>>().len();
    assert_eq!(
        all.len(),
        400,
        "kctl read {}, java {}",
        kctl_set.len(),
        java_set.len()
    );
    assert_eq!(unique_count, 400, "a record was read twice");
}

/// KIP-848 with both clients in one group: our consumer (`kctl consume
/// --group-protocol consumer`) and Kafka's Java consumer (the console
/// consumer with `group.protocol=consumer`). Both are assigned before
/// anything is produced, so each record is read exactly once.
#[test]
fn a_consumer_protocol_group_shared_with_the_java_consumer_reads_each_record_once() {
    let Some(cluster) = cluster() else { return };
    let topic = unique("kip848-mixed");
    let group = unique("kip848-mixed-group");
    cluster
        .kctl(&["topic", "create", &topic, "-p", "4", "-r", "3"])
        .run()
        .success();
    let mut java = cluster.spawn_tool(
        "ConsoleConsumer",
        &[
            "--bootstrap-server",
            &cluster.bootstrap,
            "--topic",
            &topic,
            "--group",
            &group,
            "--consumer-property",
            "group.protocol=consumer",
            // The console consumer leaves after this long without a
            // record; it is killed once the lag is 0, so the bound only has
            // to outlast the group forming on a loaded machine (a 40 s bound
            // let it leave before the produce, and kctl read everything).
            "--timeout-ms",
            "180000",
        ],
    );
    let java_out = java.stdout.take().unwrap();
    let java_lines = std::thread::spawn(move || std::io::read_to_string(java_out).unwrap());
    let mut kctl = Command::new(env!("CARGO_BIN_EXE_kctl"))
        .args(["-b", &cluster.bootstrap, "consume", &topic])
        .args(["--group", &group, "--group-protocol", "consumer"])
        .env("XDG_CONFIG_HOME", cluster.dir.join("no-config"))
        .env_remove("KCTL_BOOTSTRAP_SERVER")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let kctl_out = kctl.stdout.take().unwrap();
    let kctl_lines = std::thread::spawn(move || std::io::read_to_string(kctl_out).unwrap());
    eventually(
        Duration::from_secs(60),
        "two consumer-protocol members with partitions",
        || {
            let run = cluster
                .kctl(&["group", "describe", &group, "-o", "json"])
                .run();
            if run.code != 0 {
                return false;
            }
            let d = run.json();
            d[0]["group_type"] == "consumer"
                && d[0]["state"] == "Stable"
                && d[0]["members"].as_array().is_some_and(|m| {
                    m.len() == 2
                        && m.iter()
                            .all(|m| m["assignment"].as_array().is_some_and(|a| !a.is_empty()))
                })
        },
    );
    let values: String = (0..400).map(|i| format!("k{i}\trecord-{i}\n")).collect();
    cluster
        .kctl(&["produce", &topic, "-K", "\t"])
        .stdin(values)
        .run()
        .success();
    eventually(Duration::from_secs(60), "lag 0", || {
        let d = cluster
            .kctl(&["group", "describe", &group, "--lag-only", "-o", "json"])
            .run();
        d.code == 0
            && d.json()[0]["offsets"]
                .as_array()
                .is_some_and(|o| o.len() == 4 && o.iter().all(|p| p["lag"] == 0))
    });
    kctl.kill().unwrap();
    kctl.wait().unwrap();
    let _ = java.kill();
    java.wait().unwrap();
    let from_kctl = kctl_lines.join().unwrap();
    let from_java = java_lines.join().unwrap();
    let kctl_set: Vec<&str> = from_kctl.lines().collect();
    // The console consumer may log to stdout too (its records are the
    // values, "record-N").
    let (java_set, java_other): (Vec<&str>, Vec<&str>) =
        from_java.lines().partition(|l| l.starts_with("record-"));
    assert!(
        !kctl_set.is_empty() && !java_set.is_empty(),
        "kctl {kctl_set:?}\njava {java_set:?}"
    );
    let all: Vec<&str> = kctl_set.iter().chain(&java_set).copied().collect();
    let unique_count = all.iter().collect::<HashSet<_>>().len();
    assert_eq!(
        all.len(),
        400,
        "kctl read {}, java {} (java's other output: {java_other:?})",
        kctl_set.len(),
        java_set.len()
    );
    assert_eq!(unique_count, 400, "a record was read twice");
}

#[test]
fn commits_and_lag_read_the_same_in_kafka_consumer_groups() {
    let Some(cluster) = cluster() else { return };
    let topic = unique("lag");
    let group = unique("lag-group");
    cluster
        .kctl(&["topic", "create", &topic, "-p", "3", "-r", "3"])
        .run()
        .success();
    let values: String = (0..300).map(|i| format!("k{i}\tv{i}\n")).collect();
    cluster
        .kctl(&["produce", &topic, "-K", "\t"])
        .stdin(values)
        .run()
        .success();
    cluster
        .kctl(&[
            "consume",
            &topic,
            "--group",
            &group,
            "--from-beginning",
            "-c",
            "170",
        ])
        .run()
        .success();
    let tool = cluster.tool_ok(
        "ConsumerGroupCommand",
        &[
            "--bootstrap-server",
            &cluster.bootstrap,
            "--describe",
            "--group",
            &group,
        ],
    );
    let theirs = consumer_groups_rows(&tool, &topic);
    let ours = kctl_group_rows(&cluster, &group, &topic);
    // A partition the group never committed for is in neither table.
    assert!(!theirs.is_empty(), "{tool}");
    assert_eq!(ours, theirs, "kctl vs kafka-consumer-groups:\n{tool}");
    assert_eq!(ours.values().filter_map(|r| r.0).sum::<i64>(), 170);

    // reset-offsets: the dry run changes nothing, --execute does; Kafka agrees.
    let dry = cluster
        .kctl(&[
            "group",
            "reset-offsets",
            &group,
            "--topic",
            &topic,
            "--to-earliest",
        ])
        .run()
        .success();
    assert!(dry.stdout.contains("NEW-OFFSET"), "{}", dry.stdout);
    assert_eq!(kctl_group_rows(&cluster, &group, &topic), ours);
    // --shift-by needs a commit to shift: the partitions that have one.
    let committed: Vec<String> = ours
        .iter()
        .filter(|(_, r)| r.0.is_some())
        .map(|(p, _)| p.to_string())
        .collect();
    let shifted = format!("{topic}:{}", committed.join(","));
    cluster
        .kctl(&[
            "group",
            "reset-offsets",
            &group,
            "--topic",
            &shifted,
            "--shift-by",
            "-5",
            "--execute",
            "--yes",
        ])
        .run()
        .success();
    let tool = cluster.tool_ok(
        "ConsumerGroupCommand",
        &[
            "--bootstrap-server",
            &cluster.bootstrap,
            "--describe",
            "--group",
            &group,
        ],
    );
    let theirs = consumer_groups_rows(&tool, &topic);
    assert_eq!(kctl_group_rows(&cluster, &group, &topic), theirs);
    for (p, row) in &theirs {
        if let Some(before) = ours[p].0 {
            assert_eq!(row.0, Some((before - 5).max(0)), "partition {p}");
        }
    }
    let listed = cluster
        .kctl(&["group", "list", "-o", "json"])
        .run()
        .success()
        .json();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["group"] == group.as_str() || g["group_id"] == group.as_str()),
        "{listed}"
    );
    cluster
        .kctl(&[
            "group",
            "delete-offsets",
            &group,
            "--topic",
            &format!("{topic}:0"),
            "--yes",
        ])
        .run()
        .success();
    assert!(
        kctl_group_rows(&cluster, &group, &topic)
            .get(&0)
            .is_none_or(|r| r.0.is_none())
    );
    cluster
        .kctl(&["group", "delete", &group, "--yes"])
        .run()
        .success();
    cluster.kctl(&["group", "describe", &group]).run().code(3);
}

#[test]
fn a_consumer_protocol_group_is_described_like_kafka_consumer_groups_does() {
    let Some(cluster) = cluster() else { return };
    let topic = unique("kip848");
    let group = unique("kip848-group");
    cluster
        .kctl(&["topic", "create", &topic, "-p", "3", "-r", "3"])
        .run()
        .success();
    let values: String = (0..90).map(|i| format!("k{i}\tv{i}\n")).collect();
    cluster
        .kctl(&["produce", &topic, "-K", "\t"])
        .stdin(values)
        .run()
        .success();
    // Java's consumer with group.protocol=consumer: a KIP-848 group, which
    // Kafka 4 refuses to DescribeGroups.
    cluster.tool_ok(
        "ConsoleConsumer",
        &[
            "--bootstrap-server",
            &cluster.bootstrap,
            "--topic",
            &topic,
            "--group",
            &group,
            "--from-beginning",
            "--max-messages",
            "90",
            "--timeout-ms",
            "30000",
            "--consumer-property",
            "group.protocol=consumer",
        ],
    );
    let tool = cluster.tool_ok(
        "ConsumerGroupCommand",
        &[
            "--bootstrap-server",
            &cluster.bootstrap,
            "--describe",
            "--group",
            &group,
        ],
    );
    let described = cluster
        .kctl(&["group", "describe", &group, "-o", "json"])
        .run()
        .success()
        .json();
    assert_eq!(described[0]["protocol_type"], "consumer");
    assert_eq!(described[0]["state"], "Empty");
    assert_eq!(
        kctl_group_rows(&cluster, &group, &topic),
        consumer_groups_rows(&tool, &topic)
    );
    let table = cluster.kctl(&["group", "describe", &group]).run().success();
    assert!(table.stderr.is_empty(), "{}", table.stderr);
}

/// One `kctl consume --group-protocol consumer` member, its JSON lines
/// going to a file; killed (SIGKILL, no leave) on drop.
struct KctlMember {
    child: Child,
    out: PathBuf,
}

impl KctlMember {
    fn start(cluster: &Cluster, dir: &Path, topic: &str, group: &str, index: usize) -> Self {
        let out = dir.join(format!("member-{index}.jsonl"));
        let child = Command::new(env!("CARGO_BIN_EXE_kctl"))
            .env("XDG_CONFIG_HOME", dir)
            .env("NO_COLOR", "1")
            .args(["-b", &cluster.bootstrap, "consume", topic, "-o", "json"])
            .args(["--group", group, "--group-protocol", "consumer"])
            .arg("--from-beginning")
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Self { child, out }
    }

    /// (partition, offset) of every record it printed.
    fn consumed(&self) -> Vec<(i64, i64)> {
        Self::consumed_from(&self.out)
    }

    /// (partition, offset) of every record a member printed to `out`.
    fn consumed_from(out: &Path) -> Vec<(i64, i64)> {
        std::fs::read_to_string(out)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .map(|v| {
                (
                    v["partition"].as_i64().unwrap(),
                    v["offset"].as_i64().unwrap(),
                )
            })
            .collect()
    }
}

impl Drop for KctlMember {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `kctl group describe -o json` when the group is Stable with `members`
/// members, each with partitions, and no lag on any partition.
fn settled(cluster: &Cluster, group: &str, members: usize) -> Result<serde_json::Value, String> {
    let run = cluster
        .kctl(&["group", "describe", group, "-o", "json"])
        .run();
    if run.code != 0 {
        return Err(run.stderr);
    }
    let json = run.json();
    let g = &json[0];
    let members_ok = g["members"].as_array().is_some_and(|m| {
        m.len() == members
            && m.iter()
                .all(|m| m["assignment"].as_array().is_some_and(|a| !a.is_empty()))
    });
    let caught_up = g["offsets"]
        .as_array()
        .is_some_and(|o| !o.is_empty() && o.iter().all(|o| o["lag"] == 0));
    if g["state"] == "Stable" && members_ok && caught_up {
        Ok(json)
    } else {
        Err(json.to_string())
    }
}

/// Waits for [`settled`]; a timeout shows the group as last described.
fn wait_settled(cluster: &Cluster, group: &str, members: usize, what: &str) -> serde_json::Value {
    let limit = Duration::from_secs(120);
    let started = Instant::now();
    loop {
        match settled(cluster, group, members) {
            Ok(json) => return json,
            Err(last) => assert!(
                started.elapsed() < limit,
                "{what}: not within {limit:?}; last described: {last}"
            ),
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// `kafka-consumer-groups --describe --members`: member id to its number
/// of partitions.
fn consumer_groups_members(out: &str, group: &str) -> BTreeMap<String, i64> {
    out.lines()
        .filter_map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            (cols.len() >= 5 && cols[0] == group)
                .then(|| (cols[1].to_owned(), cols[4].parse().unwrap()))
        })
        .collect()
}

#[test]
fn our_consumer_protocol_members_share_a_group_and_agree_with_kafka_consumer_groups() {
    let Some(cluster) = cluster() else { return };
    let topic = unique("kip848-ours");
    let group = unique("kip848-ours-group");
    let dir = tempfile::tempdir().unwrap();
    cluster
        .kctl(&["topic", "create", &topic, "-p", "8", "-r", "3"])
        .run()
        .success();
    let produce = |from: usize| {
        let values: String = (from..from + 800)
            .map(|i| format!("k{i}\tv{i}\n"))
            .collect();
        cluster
            .kctl(&["produce", &topic, "-K", "\t"])
            .stdin(values)
            .run()
            .success();
    };
    produce(0);
    let mut members: Vec<KctlMember> = (0..3)
        .map(|i| KctlMember::start(&cluster, dir.path(), &topic, &group, i))
        .collect();
    wait_settled(&cluster, &group, 3, "three members sharing and caught up");
    members.push(KctlMember::start(&cluster, dir.path(), &topic, &group, 3));
    let described = wait_settled(&cluster, &group, 4, "the fourth member getting its share");
    assert_eq!(described[0]["group_type"], "consumer");
    assert_eq!(described[0]["protocol"], "uniform");

    // Field by field against Kafka's own tool: offsets, members, type.
    let tool = cluster.tool_ok(
        "ConsumerGroupCommand",
        &[
            "--bootstrap-server",
            &cluster.bootstrap,
            "--describe",
            "--group",
            &group,
        ],
    );
    assert_eq!(
        kctl_group_rows(&cluster, &group, &topic),
        consumer_groups_rows(&tool, &topic)
    );
    let tool_members = cluster.tool_ok(
        "ConsumerGroupCommand",
        &[
            "--bootstrap-server",
            &cluster.bootstrap,
            "--describe",
            "--members",
            "--group",
            &group,
        ],
    );
    let ours: BTreeMap<String, i64> =
        wait_settled(&cluster, &group, 4, "four members")[0]["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["member_id"].as_str().unwrap().to_owned(),
                    m["assignment"].as_array().unwrap().len() as i64,
                )
            })
            .collect();
    assert_eq!(
        ours,
        consumer_groups_members(&tool_members, &group),
        "{tool_members}"
    );
    for (flag, key) in [("--type", "group_type"), ("--state", "state")] {
        let listed = cluster.tool_ok(
            "ConsumerGroupCommand",
            &["--bootstrap-server", &cluster.bootstrap, "--list", flag],
        );
        let theirs = listed
            .lines()
            .find_map(|l| {
                let cols: Vec<&str> = l.split_whitespace().collect();
                (cols.first() == Some(&group.as_str())).then(|| cols[1].to_lowercase())
            })
            .unwrap_or_else(|| panic!("{group} not in {listed}"));
        let ours = cluster
            .kctl(&["group", "list", "-o", "json"])
            .run()
            .success()
            .json();
        let ours = ours
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["group"] == group.as_str())
            .map(|g| g[key].as_str().unwrap().to_lowercase())
            .unwrap();
        assert_eq!(ours, theirs, "{flag}: {listed}");
    }

    // Kill one member (SIGKILL, no leave) while the next 800 records flow:
    // once its session expires the others take its partitions. Every
    // record is consumed, and a record is consumed twice only at or after
    // the killed member's last commit on its partition (at-least-once).
    let killed = members.remove(0);
    produce(800);
    drop(killed);
    let killed_consumed = KctlMember::consumed_from(&dir.path().join("member-0.jsonl"));
    // Nobody else commits for its partitions until its session expires.
    let committed_at_kill: BTreeMap<i32, i64> = kctl_group_rows(&cluster, &group, &topic)
        .into_iter()
        .map(|(partition, (committed, _, _))| (partition, committed.unwrap_or(0)))
        .collect();
    wait_settled(&cluster, &group, 3, "the survivors catching up");
    let ends: BTreeMap<i32, (Option<i64>, i64, Option<i64>)> =
        kctl_group_rows(&cluster, &group, &topic);
    let mut times_consumed: BTreeMap<(i64, i64), usize> = BTreeMap::new();
    for record in members
        .iter()
        .flat_map(KctlMember::consumed)
        .chain(killed_consumed)
    {
        *times_consumed.entry(record).or_default() += 1;
    }
    let total: i64 = ends.values().map(|(_, end, _)| end).sum();
    assert_eq!(total, 1600);
    for (partition, (_, end, _)) in &ends {
        for offset in 0..*end {
            assert!(
                times_consumed.contains_key(&(i64::from(*partition), offset)),
                "{partition}@{offset} never consumed"
            );
        }
    }
    let duplicates: Vec<&(i64, i64)> = times_consumed
        .iter()
        .filter(|(_, times)| **times > 1)
        .map(|(record, _)| record)
        .collect();
    for (partition, offset) in &duplicates {
        let last_commit = committed_at_kill[&(*partition as i32)];
        assert!(
            *offset >= last_commit,
            "{partition}@{offset} consumed twice, before the last commit at kill ({last_commit})"
        );
    }
    eprintln!(
        "kip848 3+1+kill on Kafka: {} records consumed twice, all after the killed member's last commit",
        duplicates.len()
    );
}

/// kctl's config file with contexts for the cluster's secure listeners.
fn secure_contexts(cluster: &Cluster, kctl: &Kctl) {
    let tls = cluster.dir.join("tls");
    let list = |b: &str| {
        b.split(',')
            .map(|s| format!("\"{s}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let ssl_port = cluster
        .ssl
        .split(',')
        .next()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap();
    let config = format!(
        r#"contexts:
  scram:
    bootstrap-servers: [{sasl}]
    tls: {{ ca-file: "{ca}" }}
    sasl: {{ mechanism: SCRAM-SHA-512, username: kctl-scram, password-env: KCTL_TEST_SCRAM }}
  scram-wrong:
    bootstrap-servers: [{sasl}]
    tls: {{ ca-file: "{ca}" }}
    sasl: {{ mechanism: SCRAM-SHA-512, username: kctl-scram, password-env: KCTL_TEST_WRONG }}
  mtls:
    bootstrap-servers: [{ssl}]
    tls: {{ ca-file: "{ca}", cert-file: "{cert}", key-file: "{key}" }}
  untrusted:
    bootstrap-servers: [{ssl}]
    tls: {{ ca-file: "{other}", cert-file: "{cert}", key-file: "{key}" }}
  wrong-host:
    bootstrap-servers: ["localhost:{ssl_port}"]
    tls: {{ ca-file: "{ca}", cert-file: "{cert}", key-file: "{key}" }}
"#,
        sasl = list(&cluster.sasl_ssl),
        ssl = list(&cluster.ssl),
        ca = tls.join("ca.pem").display(),
        other = tls.join("other-ca.pem").display(),
        cert = tls.join("client.pem").display(),
        key = tls.join("client.key").display(),
    );
    std::fs::create_dir_all(kctl.config_dir()).unwrap();
    std::fs::write(kctl.config_dir().join("config.yaml"), config).unwrap();
}

const WRONG_PASSWORD: &str = "not-the-password-4711";

fn secure(cluster: &Cluster, context: &str, args: &[&str], stdin: &str) -> Run {
    let mut kctl = Kctl::new();
    secure_contexts(cluster, &kctl);
    let password = std::fs::read_to_string(cluster.dir.join("scram"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("SCRAM_PASSWORD=").map(str::to_owned))
        .expect("DIR/scram names the password");
    kctl.env("KCTL_TEST_SCRAM", password)
        .env("KCTL_TEST_WRONG", WRONG_PASSWORD)
        .args(&["--context", context, "--timeout", "15s"])
        .args(args)
        .stdin(stdin.as_bytes().to_vec());
    kctl.run()
}

#[test]
fn sasl_ssl_scram_and_mutual_tls_list_produce_and_consume() {
    let Some(cluster) = cluster() else { return };
    for context in ["scram", "mtls"] {
        let topic = unique(&format!("secure-{context}"));
        secure(
            &cluster,
            context,
            &["topic", "create", &topic, "-p", "2", "-r", "3"],
            "",
        )
        .success();
        let listed = secure(&cluster, context, &["topic", "list"], "").success();
        assert!(listed.stdout.contains(&topic), "{}", listed.stdout);
        secure(
            &cluster,
            context,
            &["produce", &topic, "--acks", "all"],
            "a\nb\nc\n",
        )
        .success();
        let consumed = secure(
            &cluster,
            context,
            &["consume", &topic, "--from-beginning", "-c", "3"],
            "",
        )
        .success();
        let mut got: Vec<&str> = consumed.stdout.lines().collect();
        got.sort_unstable();
        assert_eq!(got, ["a", "b", "c"], "{context}");
    }
}

#[test]
fn security_failures_are_clear_and_keep_the_password_secret() {
    let Some(cluster) = cluster() else { return };
    let wrong = secure(&cluster, "scram-wrong", &["topic", "list"], "").code(4);
    assert!(
        wrong.stderr.contains("SCRAM-SHA-512 authentication failed"),
        "{}",
        wrong.stderr
    );
    assert!(!wrong.stderr.contains(WRONG_PASSWORD) && !wrong.stdout.contains(WRONG_PASSWORD));

    let untrusted = secure(&cluster, "untrusted", &["topic", "list"], "").code(4);
    assert!(
        untrusted.stderr.contains("TLS handshake") && untrusted.stderr.contains("UnknownIssuer"),
        "{}",
        untrusted.stderr
    );
    let wrong_host = secure(&cluster, "wrong-host", &["topic", "list"], "").code(4);
    assert!(
        wrong_host
            .stderr
            .contains("not valid for name \"localhost\""),
        "{}",
        wrong_host.stderr
    );
}

mod partitioners;
mod share_groups;
pub mod versions;
