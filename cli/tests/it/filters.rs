//! `kctl consume --filter`: regex, header and jq filters over 100,000
//! records agree with Python's `re` and `json` over the same records, while
//! `-e` still ends and the summary counts what was scanned and matched.

use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};

use crate::assert_run_snapshot;
use crate::support::{Broker, python};

const RECORDS: usize = 100_000;

/// The records, as `produce --input json` lines: keys `user-N`, a JSON
/// value (every 7th a plain-text one, every 50th a tombstone), and an `env`
/// header on most.
fn records() -> String {
    let statuses = ["ok", "failed", "retry"];
    let mut lines = String::with_capacity(RECORDS * 120);
    for i in 0..RECORDS {
        let key = format!("user-{}", i % 1000);
        let value = if i % 50 == 0 {
            "null".to_owned()
        } else if i % 7 == 0 {
            serde_json::to_string(&format!("plain text {i}")).unwrap()
        } else {
            let json = format!(
                r#"{{"id":{i},"status":"{}","amount":{},"tags":["t{}"]}}"#,
                statuses[i % 3],
                i % 997,
                i % 5
            );
            serde_json::to_string(&json).unwrap()
        };
        let headers = match i % 4 {
            0 => "[]".to_owned(),
            1 => r#"[["env","prod"]]"#.to_owned(),
            _ => r#"[["env","dev"],["trace","x"]]"#.to_owned(),
        };
        lines.push_str(&format!(
            r#"{{"key":"{key}","value":{value},"headers":{headers},"partition":0}}"#
        ));
        lines.push('\n');
    }
    lines
}

/// What Python keeps of the same lines, as offsets (one partition, so the
/// line number is the offset).
const PYTHON_FILTERS: &str = r#"
import json, re, sys
which = sys.argv[1]
for offset, line in enumerate(sys.stdin):
    r = json.loads(line)
    key, value, headers = r["key"], r["value"], r["headers"]
    if which == "key":
        keep = re.search(r"^user-(1|2)\d\d$", key) is not None
    elif which == "header":
        keep = any(h[0] == "env" and h[1] == "prod" for h in headers)
    elif which == "jq":
        try:
            v = json.loads(value) if value is not None else None
        except ValueError:
            v = None
        keep = isinstance(v, dict) and v["status"] == "failed" and v["amount"] > 500
    elif which == "all":
        try:
            v = json.loads(value) if value is not None else None
        except ValueError:
            v = None
        keep = (re.search(r"7$", key) is not None
                and not any(h[0] == "env" and h[1] == "dev" for h in headers)
                and isinstance(v, dict) and "t2" in v["tags"])
    if keep:
        print(offset)
"#;

fn python_offsets(python: &std::path::Path, which: &str, input: &str) -> BTreeSet<i64> {
    let mut child = Command::new(python)
        .args(["-c", PYTHON_FILTERS, which])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(output.status.success(), "python failed");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect()
}

#[test]
fn filters_on_100000_records_agree_with_python_re_and_json() {
    let Some(python) = python() else { return };
    let broker = Broker::start();
    broker
        .kctl(&["topic", "create", "events", "-p", "1"])
        .run()
        .success();
    let input = records();
    broker
        .kctl(&["produce", "events", "--input", "json"])
        .stdin(input.clone())
        .run()
        .success();

    let cases: [(&str, &[&str]); 4] = [
        ("key", &[r"key~^user-(1|2)\d\d$"]),
        ("header", &["header.env=prod"]),
        ("jq", &[r#"jq:.status == "failed" and .amount > 500"#]),
        // Repeated flags and ` && ` both mean all of them.
        (
            "all",
            &[
                "key~7$ && header.env!=dev",
                r#"jq:.tags | index("t2") != null"#,
            ],
        ),
    ];
    for (which, filters) in cases {
        let mut args = vec!["consume", "events", "--from-beginning", "-e", "-o", "json"];
        for filter in filters {
            args.extend(["--filter", filter]);
        }
        let run = broker.kctl(&args).run().success();
        let kctl: BTreeSet<i64> = run
            .stdout
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["offset"].as_i64().unwrap()
            })
            .collect();
        let expected = python_offsets(&python, which, &input);
        assert!(
            !expected.is_empty(),
            "{which}: the case must match something"
        );
        assert!(expected.len() < RECORDS, "{which}: and not everything");
        assert_eq!(kctl, expected, "{which}: kctl and Python disagree");
        assert!(
            run.stderr.contains(&format!(
                "matched {} of {RECORDS} records scanned (end reached)",
                expected.len()
            )),
            "{which}: {}",
            run.stderr
        );
    }
}

#[test]
fn a_filter_that_keeps_nothing_still_ends_and_bad_filters_are_usage_errors() {
    let broker = Broker::start();
    broker
        .kctl(&["topic", "create", "t", "-p", "2"])
        .run()
        .success();
    broker
        .kctl(&["produce", "t", "-K", ":"])
        .stdin("a:1\nb:2\nc:3\n")
        .run()
        .success();
    let run = broker
        .kctl(&[
            "consume",
            "t",
            "--from-beginning",
            "-e",
            "--filter",
            "key=zzz",
        ])
        .run()
        .success();
    assert_run_snapshot!("filter_keeps_nothing", run);
    let run = broker
        .kctl(&[
            "consume",
            "t",
            "--from-beginning",
            "-e",
            "--filter",
            "value~(2",
        ])
        .run()
        .code(2);
    assert_run_snapshot!("filter_bad_regex", run);
    let run = broker
        .kctl(&[
            "consume",
            "t",
            "--from-beginning",
            "-e",
            "--filter",
            "key=a && jq:.x |",
        ])
        .run()
        .code(2);
    assert_run_snapshot!("filter_bad_jq", run);
}
