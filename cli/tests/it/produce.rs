//! `kctl produce`, checked by reading back with kcat where it matters.

use std::collections::BTreeMap;

use crate::assert_run_snapshot;
use crate::support::{Broker, kcat, run_kcat};

/// kcat's JSON envelope for every record of a topic.
fn consume(kcat: &std::path::Path, broker: &Broker, topic: &str) -> Vec<serde_json::Value> {
    let out = run_kcat(
        kcat,
        &["-C", "-b", &broker.bootstrap, "-t", topic, "-e", "-q", "-J"],
        b"",
    );
    // kcat writes non-UTF-8 keys and payloads raw inside its JSON.
    String::from_utf8_lossy(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn keys_and_headers_reach_kcat() {
    let broker = Broker::start();
    broker
        .kctl(&["topic", "create", "t", "-p", "3"])
        .run()
        .success();
    let run = broker
        .kctl(&[
            "produce",
            "t",
            "--property",
            "parse.key=true",
            "--property",
            "key.separator=:",
            "-H",
            "source=kctl",
            "-H",
            "n=1",
        ])
        .stdin("k1:v1\nk2:v2:with:colons\nk1:v3\n")
        .run()
        .success();
    assert!(
        run.stderr.contains("produced 3 records to 't'"),
        "{}",
        run.stderr
    );
    let Some(kcat) = kcat() else { return };
    let mut records = consume(&kcat, &broker, "t");
    records.sort_by_key(|r| r["payload"].as_str().unwrap().to_owned());
    let seen: Vec<(String, String)> = records
        .iter()
        .map(|r| {
            (
                r["key"].as_str().unwrap().to_owned(),
                r["payload"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("k1".into(), "v1".into()),
            ("k2".into(), "v2:with:colons".into()),
            ("k1".into(), "v3".into())
        ]
    );
    for r in &records {
        assert_eq!(
            r["headers"],
            serde_json::json!(["source", "kctl", "n", "1"])
        );
    }
    // Same key, same partition.
    assert_eq!(records[0]["partition"], records[2]["partition"]);
}

#[test]
fn keyed_records_land_where_kcat_murmur2_random_puts_them() {
    let broker = Broker::start();
    broker
        .kctl(&["topic", "create", "by-kctl", "-p", "6"])
        .run()
        .success();
    broker
        .kctl(&["topic", "create", "by-kcat", "-p", "6"])
        .run()
        .success();
    let lines: String = (0..200).map(|i| format!("key-{i}\tvalue-{i}\n")).collect();
    broker
        .kctl(&["produce", "by-kctl", "-K", "\t"])
        .stdin(lines.clone())
        .run()
        .success();
    let Some(kcat) = kcat() else { return };
    run_kcat(
        &kcat,
        &[
            "-P",
            "-b",
            &broker.bootstrap,
            "-t",
            "by-kcat",
            "-K",
            "\t",
            "-X",
            "partitioner=murmur2_random",
        ],
        lines.as_bytes(),
    );
    let placement = |topic: &str| -> BTreeMap<String, i64> {
        consume(&kcat, &broker, topic)
            .iter()
            .map(|r| {
                (
                    r["key"].as_str().unwrap().to_owned(),
                    r["partition"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let ours = placement("by-kctl");
    assert_eq!(ours.len(), 200);
    assert_eq!(ours, placement("by-kcat"));
    let used: std::collections::BTreeSet<i64> = ours.values().copied().collect();
    assert_eq!(used.len(), 6, "200 keys spread over every partition");
}

#[test]
fn json_input_is_lossless_with_tombstones_and_binary() {
    let broker = Broker::start();
    broker
        .kctl(&["topic", "create", "t", "-p", "2"])
        .run()
        .success();
    let input = concat!(
        r#"{"key":"text","value":"hello","headers":[["h","v"],["h",null]],"partition":1,"timestamp":1700000000000}"#,
        "\n",
        "\n",
        r#"{"key_b64":"AP8=","value_b64":"/wAB","partition":0}"#,
        "\n",
        r#"{"key":"gone","value":null,"partition":0}"#,
        "\n",
    );
    let run = broker
        .kctl(&["produce", "t", "--input", "json", "-o", "json"])
        .stdin(input)
        .run()
        .success();
    let summary = run.json();
    assert_eq!(summary["produced"], 3);
    assert_eq!(summary["failed"], 0);
    assert_eq!(summary["partitions"], serde_json::json!({"0": 2, "1": 1}));
    let Some(kcat) = kcat() else { return };
    let text = consume(&kcat, &broker, "t");
    let hello = text.iter().find(|r| r["key"] == "text").unwrap();
    assert_eq!(hello["payload"], "hello");
    assert_eq!(hello["partition"], 1);
    assert_eq!(hello["ts"], 1_700_000_000_000_i64);
    assert_eq!(hello["headers"], serde_json::json!(["h", "v", "h", null]));
    let tombstone = text.iter().find(|r| r["key"] == "gone").unwrap();
    assert!(
        tombstone["payload"].is_null(),
        "null value is a tombstone: {tombstone}"
    );
    // Bytes that are not UTF-8, exactly as given.
    let raw = run_kcat(
        &kcat,
        &[
            "-C",
            "-b",
            &broker.bootstrap,
            "-t",
            "t",
            "-p",
            "0",
            "-o",
            "0",
            "-c",
            "1",
            "-e",
            "-q",
            "-f",
            "%k|%s",
        ],
        b"",
    );
    assert_eq!(raw, [0x00, 0xff, b'|', 0xff, 0x00, 0x01]);
}

#[test]
fn failed_records_are_counted_and_exit_partial() {
    let broker = Broker::start();
    broker.kctl(&["topic", "create", "t"]).run().success();
    // The middle record is over the producer's 1 MiB request limit.
    let input = format!("small\n{}\nsmall again\n", "x".repeat(2 << 20));
    let run = broker.kctl(&["produce", "t"]).stdin(input).run().code(6);
    assert!(run.stderr.contains("produced 2 records"), "{}", run.stderr);
    assert!(
        run.stderr.contains("1 of 3 records failed"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("line 2"),
        "the failed line is named: {}",
        run.stderr
    );
}

#[test]
fn rate_limits_and_files_are_read() {
    let broker = Broker::start();
    broker.kctl(&["topic", "create", "t"]).run().success();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("records.txt");
    std::fs::write(&file, (0..6).map(|i| format!("r{i}\n")).collect::<String>()).unwrap();
    let run = broker
        .kctl(&[
            "produce",
            "t",
            "--file",
            file.to_str().unwrap(),
            "--rate",
            "20",
            "-o",
            "json",
        ])
        .run()
        .success();
    assert_eq!(run.json()["produced"], 6);
    // 6 records at 20/s: the last one waits 250 ms.
    assert!(run.elapsed.as_millis() >= 250, "took {:?}", run.elapsed);
    let offsets = broker
        .kctl(&["offsets", "t", "-o", "json"])
        .run()
        .success()
        .json();
    assert_eq!(offsets[0]["latest"], 6);
    let summary = broker
        .kctl(&["produce", "t", "--partition", "0"])
        .stdin("one\n")
        .run()
        .success();
    assert_run_snapshot!("produce_summary", summary);
}
