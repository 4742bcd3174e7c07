//! Transactions from the command line: `produce --transactional-id` with
//! `--batch`, aborts on bad input and on Ctrl-C, `consume --isolation`, and
//! `txn list|describe|producers`.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::Broker;

fn values(broker: &Broker, topic: &str, isolation: &str) -> Vec<String> {
    let run = broker
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
    let mut values: Vec<String> = run.stdout.lines().map(str::to_owned).collect();
    values.sort();
    values
}

#[test]
fn transactions_commit_per_batch_and_abort_on_bad_input() {
    let broker = Broker::start();
    broker
        .kctl(&["topic", "create", "t", "-p", "2"])
        .run()
        .success();
    let run = broker
        .kctl(&[
            "produce",
            "t",
            "--transactional-id",
            "cli-tx",
            "--batch",
            "2",
        ])
        .stdin("a\nb\nc\nd\ne\n")
        .run()
        .success();
    assert!(
        run.stderr.contains("committed 3 transactions (5 records)"),
        "{}",
        run.stderr
    );
    let run = broker
        .kctl(&[
            "produce",
            "t",
            "--input",
            "json",
            "--transactional-id",
            "cli-tx2",
        ])
        .stdin("{\"value\":\"x\"}\nnot json\n")
        .run()
        .code(1);
    assert!(
        run.stderr.contains("aborted the open transaction"),
        "{}",
        run.stderr
    );
    assert_eq!(
        values(&broker, "t", "read-committed"),
        ["a", "b", "c", "d", "e"]
    );
    assert_eq!(
        values(&broker, "t", "read-uncommitted"),
        ["a", "b", "c", "d", "e", "x"]
    );

    let listed = broker
        .kctl(&["txn", "list", "-o", "json"])
        .run()
        .success()
        .json();
    let states: Vec<(String, String)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["transactional_id"].as_str().unwrap().to_owned(),
                t["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("cli-tx".to_owned(), "CompleteCommit".to_owned()),
            ("cli-tx2".to_owned(), "CompleteAbort".to_owned())
        ]
    );
    let described = broker
        .kctl(&["txn", "describe", "cli-tx", "-o", "json"])
        .run()
        .success()
        .json();
    assert_eq!(described["state"], "CompleteCommit");
    assert_eq!(described["timeout_ms"], 60000);
    let missing = broker.kctl(&["txn", "describe", "nope"]).run().code(3);
    assert!(
        missing.stderr.contains("does not exist"),
        "{}",
        missing.stderr
    );
    let producers = broker
        .kctl(&["txn", "producers", "t", "-o", "json"])
        .run()
        .success()
        .json();
    let producers = producers.as_array().unwrap();
    assert!(!producers.is_empty());
    assert!(
        producers
            .iter()
            .all(|p| p["current_txn_start_offset"].is_null()),
        "no transaction is open: {producers:?}"
    );
    broker.kctl(&["txn", "producers", "missing"]).run().code(3);
}

#[test]
fn ctrl_c_aborts_the_open_transaction() {
    let broker = Broker::start();
    broker
        .kctl(&["topic", "create", "sig", "-p", "1"])
        .run()
        .success();
    let config_home = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kctl"))
        .args([
            "-b",
            &broker.bootstrap,
            "produce",
            "sig",
            "--transactional-id",
            "sig-tx",
        ])
        .env("XDG_CONFIG_HOME", config_home.path())
        .env("HOME", config_home.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"one\ntwo\n").unwrap();
    stdin.flush().unwrap();
    // Wait until the records are in the log, inside the open transaction.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while values(&broker, "sig", "read-uncommitted").len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "records never arrived"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    drop(stdin);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("aborted the open transaction"), "{stderr}");
    assert!(values(&broker, "sig", "read-committed").is_empty());
    assert_eq!(values(&broker, "sig", "read-uncommitted"), ["one", "two"]);
}

/// `group describe --read-committed` measures lag to the last stable
/// offset: an open transaction's records are not lag a read_committed
/// consumer could catch up on. Without the flag it is the high watermark.
#[test]
fn group_lag_under_read_committed_stops_at_the_open_transaction() {
    let broker = Broker::start();
    broker
        .kctl(&["topic", "create", "lso", "-p", "1"])
        .run()
        .success();
    broker
        .kctl(&["produce", "lso"])
        .stdin("a\nb\n")
        .run()
        .success();
    broker
        .kctl(&[
            "group",
            "reset-offsets",
            "lso-group",
            "--topic",
            "lso",
            "--to-latest",
            "--execute",
            "--yes",
        ])
        .run()
        .success();
    let config_home = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kctl"))
        .args([
            "-b",
            &broker.bootstrap,
            "produce",
            "lso",
            "--transactional-id",
            "lso-tx",
        ])
        .env("XDG_CONFIG_HOME", config_home.path())
        .env("HOME", config_home.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"c\nd\ne\n").unwrap();
    stdin.flush().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while values(&broker, "lso", "read-uncommitted").len() < 5 {
        assert!(
            std::time::Instant::now() < deadline,
            "records never arrived"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let lag = |extra: &[&str]| {
        let mut args = vec!["group", "describe", "lso-group", "--lag-only", "-o", "json"];
        args.extend_from_slice(extra);
        let described = broker.kctl(&args).run().success().json();
        let row = &described[0]["offsets"][0];
        (
            row["committed_offset"].as_i64(),
            row["log_end_offset"].as_i64(),
            row["lag"].as_i64(),
        )
    };
    // The open transaction starts at offset 2: that is where a
    // read_committed consumer stops, so it has no lag.
    assert_eq!(lag(&["--read-committed"]), (Some(2), Some(2), Some(0)));
    assert_eq!(lag(&[]), (Some(2), Some(5), Some(3)));
    // Once the transaction commits, both measure to the end.
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (_, end, lag_committed) = lag(&["--read-committed"]);
    assert_eq!(
        (end, lag_committed),
        (Some(6), Some(4)),
        "past the commit marker"
    );
}
