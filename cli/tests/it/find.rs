//! `kctl find TOPIC --key K`: exactly the records with that key, reading
//! only the key's partition (shown by the client's fetch trace), for
//! murmur2 (kctl's and Java's producers) and CRC-32 (librdkafka's).

use std::collections::BTreeSet;

use crate::assert_run_snapshot;
use crate::support::{Broker, kcat, run_kcat};

/// The (partition, offset) of every record with `key`, from a full dump.
fn offsets_with_key(broker: &Broker, topic: &str, key: &str) -> BTreeSet<(i64, i64)> {
    let dump = broker
        .kctl(&["consume", topic, "--from-beginning", "-e", "-o", "json"])
        .run()
        .success();
    dump.stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|r| r["key"] == key)
        .map(|r| {
            (
                r["partition"].as_i64().unwrap(),
                r["offset"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// The partitions the consumer's Fetch requests named, from its trace.
fn fetched_partitions(stderr: &str, topic: &str) -> BTreeSet<i64> {
    let marker = format!("{topic}-");
    stderr
        .lines()
        .filter(|l| l.contains("fetcher") && l.contains("partitions="))
        .flat_map(|l| {
            let list = l.split("partitions=").nth(1).unwrap_or_default();
            list.split(',')
                .filter_map(|p| p.trim().strip_prefix(&marker))
                .map(|p| p.split('@').next().unwrap().parse::<i64>().unwrap())
                .collect::<Vec<_>>()
        })
        .collect()
}

fn find(broker: &Broker, args: &[&str]) -> crate::support::Run {
    let mut kctl = broker.kctl(args);
    kctl.env("RUST_LOG", "error,kctl_client::consumer::fetcher=trace");
    kctl.run()
}

#[test]
fn find_returns_exactly_the_keys_records_and_reads_one_partition() {
    let broker = Broker::start();
    broker
        .kctl(&["topic", "create", "orders", "-p", "6"])
        .run()
        .success();
    let lines: String = (0..600)
        .map(|i| format!("user-{}:order {i}\n", i % 40))
        .collect();
    broker
        .kctl(&["produce", "orders", "-K", ":"])
        .stdin(lines)
        .run()
        .success();

    let run = find(
        &broker,
        &["find", "orders", "--key", "user-7", "-o", "json"],
    )
    .success();
    let found: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let partition = found["partition"].as_i64().unwrap();
    let got: BTreeSet<(i64, i64)> = found["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (partition, m["offset"].as_i64().unwrap()))
        .collect();
    let expected = offsets_with_key(&broker, "orders", "user-7");
    assert_eq!(expected.len(), 15, "600 records over 40 keys");
    assert_eq!(got, expected);
    assert!(
        found["matches"][0]["value"]
            .as_str()
            .unwrap()
            .starts_with("order 7"),
        "{found}"
    );
    assert_eq!(
        fetched_partitions(&run.stderr, "orders"),
        BTreeSet::from([partition]),
        "only the key's partition is fetched:\n{}",
        run.stderr
    );
    let scanned = found["scanned"].as_u64().unwrap();
    assert!(scanned > 15 && scanned < 600, "scanned {scanned}");

    // --max-matches stops early; --since in the future finds nothing (exit 3).
    let first = find(
        &broker,
        &["find", "orders", "-k", "user-7", "-c", "1", "-o", "json"],
    )
    .success();
    let first: serde_json::Value = serde_json::from_str(&first.stdout).unwrap();
    assert_eq!(first["matches"].as_array().unwrap().len(), 1);
    let none = broker
        .kctl(&[
            "find",
            "orders",
            "--key",
            "user-7",
            "--since",
            "2999-01-01T00:00:00Z",
        ])
        .run()
        .code(3);
    assert_run_snapshot!("find_since_future", none);
    let missing = broker
        .kctl(&["find", "orders", "--key", "nobody"])
        .run()
        .code(3);
    assert!(
        missing.stderr.contains("no record with key 'nobody'"),
        "{}",
        missing.stderr
    );
    broker.kctl(&["find", "nope", "--key", "k"]).run().code(3);
}

#[test]
fn find_with_the_consistent_partitioner_finds_what_librdkafka_placed() {
    let Some(kcat) = kcat() else { return };
    let broker = Broker::start();
    broker
        .kctl(&["topic", "create", "rd", "-p", "5"])
        .run()
        .success();
    let lines: String = (0..200)
        .map(|i| format!("acct-{}:v{i}\n", i % 25))
        .collect();
    // librdkafka's default partitioner is consistent_random: CRC-32 of the key.
    run_kcat(
        &kcat,
        &["-b", &broker.bootstrap, "-P", "-t", "rd", "-K", ":"],
        lines.as_bytes(),
    );
    for key in ["acct-3", "acct-11", "acct-24"] {
        let run = find(
            &broker,
            &[
                "find",
                "rd",
                "--key",
                key,
                "--partitioner",
                "consistent",
                "-o",
                "json",
            ],
        )
        .success();
        let found: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let partition = found["partition"].as_i64().unwrap();
        let got: BTreeSet<(i64, i64)> = found["matches"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (partition, m["offset"].as_i64().unwrap()))
            .collect();
        let expected = offsets_with_key(&broker, "rd", key);
        assert_eq!(expected.len(), 8, "{key}");
        assert_eq!(got, expected, "{key}");
        assert_eq!(
            fetched_partitions(&run.stderr, "rd"),
            BTreeSet::from([partition])
        );
    }
}
