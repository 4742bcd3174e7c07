//! Two-way format strings: what `consume --format F` prints, `produce
//! --format F` reads back into the same keys, values and headers, through a
//! real broker-lite, for text and for binary data.

use crate::assert_run_snapshot;
use crate::support::Broker;

/// (partition, key, value, headers) of every record, in order, from
/// `consume -o json` (binary as base64).
fn dump(broker: &Broker, topic: &str) -> Vec<serde_json::Value> {
    let run = broker
        .kctl(&["consume", topic, "--from-beginning", "-e", "-o", "json"])
        .run()
        .success();
    let mut records: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| {
            let mut r: serde_json::Value = serde_json::from_str(l).unwrap();
            let map = r.as_object_mut().unwrap();
            // What a copy cannot keep the same.
            map.remove("topic");
            map.remove("offset");
            map.remove("timestamp");
            r
        })
        .collect();
    records.sort_by_key(|r| r["partition"].as_i64());
    records
}

fn round_trip(broker: &Broker, source: &str, copy: &str, format: &str) -> Vec<u8> {
    broker
        .kctl(&["topic", "create", copy, "-p", "3"])
        .run()
        .success();
    let printed = broker
        .kctl(&[
            "consume",
            source,
            "--from-beginning",
            "-e",
            "--format",
            format,
        ])
        .run()
        .success()
        .stdout_bytes;
    let run = broker
        .kctl(&["produce", copy, "--format", format])
        .stdin(printed.clone())
        .run()
        .success();
    assert!(run.stderr.contains("produced"), "{}", run.stderr);
    assert_eq!(dump(broker, source), dump(broker, copy), "format {format}");
    printed
}

#[test]
fn text_and_binary_records_round_trip_through_consume_and_produce_formats() {
    let broker = Broker::start();
    broker
        .kctl(&["topic", "create", "src", "-p", "3"])
        .run()
        .success();
    let input = concat!(
        r#"{"key":"user-1","value":"paid 10","headers":[["trace","t1"],["env","prod"]],"partition":0}"#,
        "\n",
        r#"{"key":"user-2","value":"refund","headers":[],"partition":1}"#,
        "\n",
        r#"{"key":"user-3","value":"with spaces, commas","headers":[["flag",null]],"partition":2}"#,
        "\n",
    );
    broker
        .kctl(&["produce", "src", "--input", "json"])
        .stdin(input)
        .run()
        .success();
    let printed = round_trip(&broker, "src", "text-copy", r"%p|%k|%h|%s\n");
    // Partitions interleave; each line is one record.
    let mut lines: Vec<String> = String::from_utf8(printed)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            "0|user-1|trace=t1,env=prod|paid 10",
            "1|user-2||refund",
            "2|user-3|flag|with spaces, commas"
        ]
    );

    broker
        .kctl(&["topic", "create", "bin", "-p", "3"])
        .run()
        .success();
    let binary = concat!(
        r#"{"key_b64":"AP8KDQ==","value_b64":"CgoKAHwl","headers":[{"key":"bin","value_b64":"LD0K"},["empty",""]],"partition":0}"#,
        "\n",
        r#"{"key":null,"value_b64":"/w==","headers":[],"partition":1}"#,
        "\n",
        r#"{"key":"tomb","value":null,"headers":[["h",null]],"partition":2}"#,
        "\n",
        r#"{"key":"","value":"","partition":2}"#,
        "\n",
    );
    broker
        .kctl(&["produce", "bin", "--input", "json"])
        .stdin(binary)
        .run()
        .success();
    // Raw binary by length (newlines, NULs and the literals inside data).
    round_trip(&broker, "bin", "raw-copy", r"%p %K %k %S %s %h{hex}\n");
    // Encoded.
    round_trip(
        &broker,
        "bin",
        "encoded-copy",
        r"%p|%K|%k{hex}|%S|%v{base64}|%h{base64}\n",
    );
}

#[test]
fn produce_format_errors_name_the_record_and_byte() {
    let broker = Broker::start();
    broker.kctl(&["topic", "create", "t"]).run().success();
    let run = broker
        .kctl(&["produce", "t", "--format", r"%k=%v\n"])
        .stdin("a=1\nb=2\nno separator\n")
        .run()
        .code(1);
    assert_run_snapshot!("produce_format_bad_record", run);
    let offsets = broker
        .kctl(&["offsets", "t", "-o", "json"])
        .run()
        .success()
        .json();
    assert_eq!(
        offsets[0]["latest"], 2,
        "the records before the bad one were delivered"
    );
}
