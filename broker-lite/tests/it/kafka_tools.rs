//! Apache Kafka's own command-line tools and Java client (4.x, from Maven
//! Central through .ci/apache-kafka.sh) against broker-lite, unchanged: the
//! tools kctl replaces must work against the broker kctl ships.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use crate::support::{TestBroker, peer};

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The Kafka jars, fetched (once) by `.ci/apache-kafka.sh install`; `None`
/// (skip) when Java or Maven is missing outside CI.
pub(crate) fn apache_kafka() -> Option<PathBuf> {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    let script = repo_root().join(".ci/apache-kafka.sh");
    let installed = *INSTALLED.get_or_init(|| {
        Command::new("bash")
            .arg(&script)
            .arg("install")
            .status()
            .is_ok_and(|s| s.success())
    });
    let missing = repo_root().join("(Apache Kafka jars: bash .ci/apache-kafka.sh install failed)");
    peer(
        "Apache Kafka (java, mvn)",
        if installed { script } else { missing },
    )
}

/// A broker for Kafka's tools: rebalances without Kafka's 3 s initial
/// delay, which only slows the tests down.
async fn broker() -> TestBroker {
    TestBroker::start_with(|config| config.group.initial_rebalance_delay_ms = 100).await
}

/// `apache-kafka.sh tool DIR CLASS ARGS...` with stdin, bounded in time.
pub(crate) fn tool(script: &Path, dir: &Path, class: &str, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new("timeout")
        .arg("120")
        .arg("bash")
        .arg(script)
        .arg("tool")
        .arg(dir)
        .arg(class)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[track_caller]
pub(crate) fn ok(output: Output, what: &str) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Runs a blocking closure off the runtime the broker runs on.
pub(crate) async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn kafka_topics_create_list_describe_alter_delete() {
    let Some(script) = apache_kafka() else { return };
    let broker = broker().await;
    let (b, dir) = (broker.bootstrap(), broker.dir.path().to_owned());
    blocking(move || {
        let run = |args: &[&str]| {
            let mut all = vec!["--bootstrap-server", &b];
            all.extend_from_slice(args);
            ok(
                tool(&script, &dir, "TopicCommand", &all, ""),
                &args.join(" "),
            )
        };
        let created = run(&[
            "--create",
            "--topic",
            "tools-topic",
            "--partitions",
            "3",
            "--replication-factor",
            "1",
            "--config",
            "retention.ms=86400000",
        ]);
        assert!(created.contains("Created topic tools-topic."), "{created}");
        let listed = run(&["--list"]);
        assert_eq!(listed.lines().collect::<Vec<_>>(), ["tools-topic"]);

        let described = run(&["--describe", "--topic", "tools-topic"]);
        let summary = described.lines().next().unwrap();
        assert!(
            summary.contains("PartitionCount: 3")
                && summary.contains("ReplicationFactor: 1")
                && summary.contains("retention.ms=86400000"),
            "{described}"
        );
        assert_eq!(
            described
                .lines()
                .filter(|l| l.contains("Leader: 0") && l.contains("Isr: 0"))
                .count(),
            3,
            "{described}"
        );

        run(&["--alter", "--topic", "tools-topic", "--partitions", "5"]);
        let described = run(&["--describe", "--topic", "tools-topic"]);
        assert!(described.contains("PartitionCount: 5"), "{described}");
        // A healthy single broker has nothing under-replicated.
        let under = run(&["--describe", "--under-replicated-partitions"]);
        assert!(under.trim().is_empty(), "{under}");

        run(&["--delete", "--topic", "tools-topic"]);
        let listed = run(&["--list"]);
        assert!(listed.trim().is_empty(), "still listed: {listed}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn console_producer_and_consumer_keys_headers_and_groups() {
    let Some(script) = apache_kafka() else { return };
    let broker = broker().await;
    let (b, dir) = (broker.bootstrap(), broker.dir.path().to_owned());
    blocking(move || {
        let topic_args = [
            "--bootstrap-server",
            &b,
            "--create",
            "--topic",
            "console",
            "--partitions",
            "2",
        ];
        ok(
            tool(&script, &dir, "TopicCommand", &topic_args, ""),
            "create",
        );
        let lines: String = (0..20)
            .map(|i| format!("trace:t{i},kind:test\tkey-{i}\tvalue-{i}\n"))
            .collect();
        ok(
            tool(
                &script,
                &dir,
                "ConsoleProducer",
                &[
                    "--bootstrap-server",
                    &b,
                    "--topic",
                    "console",
                    "--reader-property",
                    "parse.key=true",
                    "--reader-property",
                    "parse.headers=true",
                ],
                &lines,
            ),
            "console producer",
        );
        let consumer = |extra: &[&str]| {
            let mut args = vec![
                "--bootstrap-server",
                &b,
                "--topic",
                "console",
                "--max-messages",
                "20",
                "--timeout-ms",
                "30000",
                "--formatter-property",
                "print.key=true",
                "--formatter-property",
                "print.headers=true",
            ];
            args.extend_from_slice(extra);
            ok(
                tool(&script, &dir, "ConsoleConsumer", &args, ""),
                "console consumer",
            )
        };
        let check = |out: &str| {
            let mut got: Vec<&str> = out.lines().collect();
            got.sort_unstable();
            let mut want: Vec<String> = (0..20)
                .map(|i| format!("trace:t{i},kind:test\tkey-{i}\tvalue-{i}"))
                .collect();
            want.sort_unstable();
            assert_eq!(got, want);
        };
        check(&consumer(&["--from-beginning"]));
        check(&consumer(&["--group", "console-group", "--from-beginning"]));

        // The group's commits, as kafka-consumer-groups reads them.
        let groups = |args: &[&str]| {
            let mut all = vec!["--bootstrap-server", &b];
            all.extend_from_slice(args);
            ok(
                tool(&script, &dir, "ConsumerGroupCommand", &all, ""),
                &args.join(" "),
            )
        };
        let listed = groups(&["--list"]);
        assert!(listed.lines().any(|l| l == "console-group"), "{listed}");
        let described = groups(&["--describe", "--group", "console-group"]);
        let rows = group_rows(&described);
        assert_eq!(rows.len(), 2, "{described}");
        assert_eq!(
            rows.iter().map(|r| r.current).sum::<i64>(),
            20,
            "{described}"
        );
        assert!(
            rows.iter().all(|r| r.current == r.log_end && r.lag == 0),
            "{described}"
        );

        let dry = groups(&[
            "--reset-offsets",
            "--group",
            "console-group",
            "--topic",
            "console",
            "--to-earliest",
            "--dry-run",
        ]);
        assert!(dry.contains("NEW-OFFSET"), "{dry}");
        let rows = group_rows(&groups(&["--describe", "--group", "console-group"]));
        assert_eq!(
            rows.iter().map(|r| r.current).sum::<i64>(),
            20,
            "dry run moved offsets"
        );
        groups(&[
            "--reset-offsets",
            "--group",
            "console-group",
            "--topic",
            "console",
            "--to-offset",
            "1",
            "--execute",
        ]);
        let described = groups(&["--describe", "--group", "console-group"]);
        let rows = group_rows(&described);
        assert!(
            rows.iter()
                .all(|r| r.current == 1 && r.lag == r.log_end - 1),
            "{described}"
        );

        let deleted = groups(&["--delete", "--group", "console-group"]);
        assert!(deleted.contains("successful"), "{deleted}");
        let listed = groups(&["--list"]);
        assert!(!listed.lines().any(|l| l == "console-group"), "{listed}");
    })
    .await;
}

struct GroupRow {
    current: i64,
    log_end: i64,
    lag: i64,
}

/// The partition rows of `kafka-consumer-groups --describe`.
fn group_rows(out: &str) -> Vec<GroupRow> {
    out.lines()
        .filter_map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            (cols.len() >= 6 && cols[2].parse::<i32>().is_ok()).then(|| GroupRow {
                current: cols[3].parse().unwrap(),
                log_end: cols[4].parse().unwrap(),
                lag: cols[5].parse().unwrap(),
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn kafka_configs_describe_and_alter() {
    let Some(script) = apache_kafka() else { return };
    let broker = broker().await;
    let (b, dir) = (broker.bootstrap(), broker.dir.path().to_owned());
    blocking(move || {
        let configs = |args: &[&str]| {
            let mut all = vec!["--bootstrap-server", &b];
            all.extend_from_slice(args);
            ok(
                tool(&script, &dir, "ConfigCommand", &all, ""),
                &args.join(" "),
            )
        };
        let topic = ["--entity-type", "topics", "--entity-name", "configured"];
        ok(
            tool(
                &script,
                &dir,
                "TopicCommand",
                &["--bootstrap-server", &b, "--create", "--topic", "configured"],
                "",
            ),
            "create",
        );
        let before = configs(&[&["--describe"][..], &topic].concat());
        assert!(
            before.contains("Dynamic configs for topic configured are:")
                && !before.contains("retention.ms="),
            "{before}"
        );
        configs(
            &[
                &["--alter", "--add-config", "retention.ms=123456,cleanup.policy=compact"][..],
                &topic,
            ]
            .concat(),
        );
        let after = configs(&[&["--describe"][..], &topic].concat());
        assert!(
            after.contains("retention.ms=123456 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=123456")
                && after.contains("cleanup.policy=compact"),
            "{after}"
        );
        configs(&[&["--alter", "--delete-config", "retention.ms"][..], &topic].concat());
        let after = configs(&[&["--describe"][..], &topic].concat());
        assert!(
            !after.contains("retention.ms=") && after.contains("cleanup.policy=compact"),
            "{after}"
        );
        let all = configs(&[&["--describe", "--all"][..], &topic].concat());
        assert!(
            all.contains("retention.ms=604800000") && all.contains("segment.bytes="),
            "{all}"
        );
        let brokers = configs(&[
            "--describe",
            "--all",
            "--entity-type",
            "brokers",
            "--entity-name",
            "0",
        ]);
        assert!(
            brokers.contains("All configs for broker 0 are:") && brokers.contains("num.partitions="),
            "{brokers}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn producer_and_consumer_perf_tests() {
    let Some(script) = apache_kafka() else { return };
    let broker = broker().await;
    let (b, dir) = (broker.bootstrap(), broker.dir.path().to_owned());
    blocking(move || {
        let bootstrap = format!("bootstrap.servers={b}");
        let produced = ok(
            tool(
                &script,
                &dir,
                "ProducerPerformance",
                &[
                    "--topic",
                    "perf",
                    "--num-records",
                    "50000",
                    "--record-size",
                    "100",
                    "--throughput",
                    "-1",
                    "--command-property",
                    &bootstrap,
                    "acks=all",
                ],
                "",
            ),
            "producer perf test",
        );
        assert!(produced.contains("50000 records sent"), "{produced}");
        let consumed = ok(
            tool(
                &script,
                &dir,
                "ConsumerPerformance",
                &[
                    "--bootstrap-server",
                    &b,
                    "--topic",
                    "perf",
                    "--num-records",
                    "50000",
                    "--timeout",
                    "60000",
                ],
                "",
            ),
            "consumer perf test",
        );
        // start, end, MB, MB/s, records, ...: every record came back.
        let row = consumed.lines().last().unwrap();
        let cols: Vec<&str> = row.split(", ").collect();
        assert_eq!(cols[4], "50000", "{consumed}");
    })
    .await;
}

/// The Java program under broker-lite/tests/java (and Kafka's client jars
/// in its `target/lib`), built by Maven once per test binary: even with
/// nothing to do, `mvn package` takes seconds.
pub(crate) fn java_client_check() -> Option<PathBuf> {
    static BUILT: OnceLock<bool> = OnceLock::new();
    let project = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/java");
    let built = *BUILT.get_or_init(|| {
        Command::new("mvn")
            .args(["-q", "-B", "package"])
            .current_dir(&project)
            .status()
            .is_ok_and(|s| s.success())
    });
    let missing = project.join("(mvn package failed or mvn missing)");
    peer(
        "the Java client check (mvn, java)",
        if built {
            project.join("target")
        } else {
            missing
        },
    )
}

/// Runs JavaClientCheck's `checks` against `broker`; its stdout.
async fn java_client_check_against(
    target: PathBuf,
    broker: &TestBroker,
    checks: &[&str],
) -> String {
    let bootstrap = broker.bootstrap();
    let checks: Vec<String> = checks.iter().map(|c| (*c).to_owned()).collect();
    let output = blocking(move || {
        Command::new("timeout")
            .args([
                "300",
                "java",
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-cp",
            ])
            .arg(format!(
                "{}:{}/lib/*",
                target.join("java-client-check-1.jar").display(),
                target.display()
            ))
            .args(["dev.kctl.interop.JavaClientCheck", &bootstrap])
            .args(&checks)
            .output()
            .unwrap()
    })
    .await;
    ok(output, "JavaClientCheck")
}

/// Kafka's Java client 4.2 on a broker-lite at its default
/// `transaction.version` 2, so its transactions use the v2 protocol.
#[tokio::test(flavor = "multi_thread")]
async fn kafka_java_client_producer_groups_commits_and_admin() {
    let Some(target) = blocking(java_client_check).await else {
        return;
    };
    let broker = broker().await;
    let stdout = java_client_check_against(target, &broker, &["all"]).await;
    for check in [
        "ok producer codec=none",
        "ok producer codec=gzip",
        "ok producer codec=snappy",
        "ok producer codec=lz4",
        "ok producer codec=zstd",
        "ok groups assignor=range",
        "ok groups assignor=cooperative-sticky",
        "ok manual-commit",
        "ok admin",
        "ok transactions",
        "ok consumer-protocol",
    ] {
        assert!(stdout.contains(check), "{check} missing:\n{stdout}");
    }
}

/// The Java producer's transactions (commit, abort, sendOffsetsToTransaction,
/// fencing) on a broker-lite finalizing `transaction.version` 1, where the
/// client speaks the v1 protocol (AddPartitionsToTxn, AddOffsetsToTxn).
#[tokio::test(flavor = "multi_thread")]
async fn kafka_java_client_transactions_on_transaction_version_1() {
    let Some(target) = blocking(java_client_check).await else {
        return;
    };
    let broker = TestBroker::start_with(|config| {
        config.group.initial_rebalance_delay_ms = 100;
        config.txn.transaction_version = 1;
    })
    .await;
    let stdout = java_client_check_against(target, &broker, &["transactions"]).await;
    assert!(stdout.contains("ok transactions"), "{stdout}");
}

/// `kafka-share-groups --describe --offsets` (Kafka 4.2's tool) reads
/// broker-lite's DescribeShareGroupOffsets v1: its LAG column is
/// broker-lite's share-partition lag (KIP-1226), 10 records - start 3.
#[tokio::test(flavor = "multi_thread")]
async fn kafka_share_groups_shows_broker_lites_lag() {
    use crate::share_groups::{alter_start_offset, produce_n, topic_with_id};
    let Some(script) = apache_kafka() else { return };
    let broker = broker().await;
    let mut client = broker.client().await;
    topic_with_id(&mut client, "queue").await;
    produce_n(&mut client, "queue", 0, 10).await;
    alter_start_offset(&mut client, "crew", "queue", 3).await;
    let (row, out) = share_group_offsets_row(script, &broker, "crew").await;
    assert_eq!(row, ["crew", "queue", "0", "0", "3", "7"], "{out}");
}

/// Kafka's `kafka-share-groups --describe --group GROUP --offsets --verbose`
/// against broker-lite: the columns of the group's row (GROUP TOPIC
/// PARTITION LEADER-EPOCH START-OFFSET LAG) and the tool's whole output.
pub(crate) async fn share_group_offsets_row(
    script: PathBuf,
    broker: &TestBroker,
    group: &str,
) -> (Vec<String>, String) {
    let (bootstrap, dir, group) = (
        broker.bootstrap(),
        broker.dir.path().to_owned(),
        group.to_owned(),
    );
    let group_arg = group.clone();
    let out = blocking(move || {
        ok(
            tool(
                &script,
                &dir,
                "org.apache.kafka.tools.consumer.group.ShareGroupCommand",
                &[
                    "--bootstrap-server",
                    &bootstrap,
                    "--describe",
                    "--group",
                    &group_arg,
                    "--offsets",
                    "--verbose",
                ],
                "",
            ),
            "kafka-share-groups --describe --offsets",
        )
    })
    .await;
    let row = out
        .lines()
        .map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .find(|cols| cols.first() == Some(&group))
        .unwrap_or_else(|| panic!("no row for {group}:\n{out}"));
    (row, out)
}
