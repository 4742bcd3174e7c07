//! `kctl consume`: start and stop positions, output formats, the JSON round
//! trip through `produce --input json`, pipes, and records kcat wrote.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::assert_run_snapshot;
use crate::support::{Broker, Kctl, kcat, run_kcat};

/// Lines of `consume -o json`, parsed.
fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn json_dumps_replay_byte_for_byte_through_produce() {
    let broker = Broker::start();
    for topic in ["src", "copy"] {
        broker
            .kctl(&["topic", "create", topic, "-p", "3"])
            .run()
            .success();
    }
    let input = concat!(
        r#"{"key":"k1","value":"text","headers":[["h","1"],["h",null],["h","1"]],"partition":0,"timestamp":1700000000000}"#,
        "\n",
        r#"{"key_b64":"AP8=","value_b64":"/wAB","headers":[{"key":"bin","value_b64":"gAE="}],"partition":1}"#,
        "\n",
        r#"{"key":"gone","value":null,"partition":1}"#,
        "\n",
        r#"{"value":"no key","partition":2}"#,
        "\n",
        r#"{"key":"","value":"","partition":2}"#,
        "\n",
    );
    broker
        .kctl(&["produce", "src", "--input", "json"])
        .stdin(input)
        .run()
        .success();
    let dump = |topic: &str, partition: &str| {
        broker
            .kctl(&[
                "consume",
                topic,
                "-p",
                partition,
                "--from-beginning",
                "-e",
                "-o",
                "json",
            ])
            .run()
            .success()
            .stdout
    };
    let mut all = String::new();
    for p in ["0", "1", "2"] {
        all.push_str(&dump("src", p));
    }
    let records = json_lines(&all);
    assert_eq!(records.len(), 5, "{all}");
    assert_eq!(
        records[0]["headers"],
        serde_json::json!([["h", "1"], ["h", null], ["h", "1"]]),
        "duplicate and null headers kept in order"
    );
    assert_eq!(records[0]["timestamp"], 1_700_000_000_000_i64);
    assert_eq!(records[1]["key_b64"], "AP8=");
    assert_eq!(records[1]["value_b64"], "/wAB");
    assert!(records[2]["value"].is_null() && records[2]["key"] == "gone");
    assert!(records[3]["key"].is_null());
    assert_eq!(
        (&records[4]["key"], &records[4]["value"]),
        (&serde_json::json!(""), &serde_json::json!(""))
    );

    broker
        .kctl(&["produce", "copy", "--input", "json"])
        .stdin(all.clone())
        .run()
        .success();
    for p in ["0", "1", "2"] {
        let original = dump("src", p).replace(r#""topic":"src""#, r#""topic":"copy""#);
        assert_eq!(
            dump("copy", p),
            original,
            "partition {p} differs after the round trip"
        );
    }
}

#[test]
fn start_positions_and_stop_conditions() {
    let broker = Broker::start();
    broker
        .kctl(&["topic", "create", "t", "-p", "2"])
        .run()
        .success();
    let lines: String = (0..10).map(|i| format!("v{i}\n")).collect();
    for p in ["0", "1"] {
        broker
            .kctl(&["produce", "t", "-p", p])
            .stdin(lines.clone())
            .run()
            .success();
    }
    let values = |args: &[&str]| -> Vec<String> {
        let mut argv = vec!["consume", "t"];
        argv.extend_from_slice(args);
        broker
            .kctl(&argv)
            .run()
            .success()
            .stdout
            .lines()
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(values(&["--from-beginning", "-e"]).len(), 20);
    // The last 3 of each partition.
    let mut last = values(&["--offset", "-3", "-e"]);
    last.sort();
    assert_eq!(last, ["v7", "v7", "v8", "v8", "v9", "v9"]);
    assert_eq!(values(&["-p", "1", "--offset", "8", "-e"]), ["v8", "v9"]);
    // An offset past the end is clamped to it: nothing to read.
    assert!(values(&["-p", "1", "--offset", "99", "-e"]).is_empty());
    assert!(values(&["-e"]).is_empty(), "the default start is the end");
    assert_eq!(values(&["--from-beginning", "-c", "4"]).len(), 4);
    assert_eq!(
        values(&[
            "--topic",
            "t",
            "--max-messages",
            "1",
            "--offset",
            "beginning"
        ])
        .len(),
        1
    );
    // Every record is newer than the epoch and older than the far future.
    assert_eq!(
        values(&["--offset", "@1970-01-01T00:00:00Z", "-e"]).len(),
        20
    );
    assert!(values(&["--offset", "@4102444800000", "-e"]).is_empty());
    assert!(
        values(&["--from-beginning", "--until", "@1970-01-01T00:00:01Z"]).is_empty(),
        "--until in the past stops every partition at once"
    );
    assert_eq!(
        values(&["--from-beginning", "--until", "2100-01-01T00:00:00Z", "-e"]).len(),
        20
    );

    let formatted = broker
        .kctl(&[
            "consume",
            "t",
            "-p",
            "0",
            "--offset",
            "-1",
            "-e",
            "--format",
            r"%t|%p|%o|%k|%s|%K|%S\n",
        ])
        .run()
        .success();
    assert_eq!(formatted.stdout, "t|0|9||v9|-1|2\n");
    let kafka_style = broker
        .kctl(&[
            "consume",
            "t",
            "-p",
            "0",
            "--offset",
            "-1",
            "-e",
            "--property",
            "print.key=true",
            "--property",
            "key.separator=:",
            "--property",
            "print.offset=true",
        ])
        .run()
        .success();
    assert_eq!(kafka_style.stdout, "Offset:9\tnull:v9\n");
    let rfc = broker
        .kctl(&[
            "consume",
            "t",
            "-p",
            "0",
            "--offset",
            "-1",
            "-e",
            "--format",
            r"%T\n",
            "--timestamps",
            "rfc3339",
        ])
        .run()
        .success();
    assert!(
        rfc.stdout.len() == "2024-05-01T12:00:00.000Z\n".len() && rfc.stdout.ends_with("Z\n"),
        "{}",
        rfc.stdout
    );
    let pattern = broker
        .kctl(&[
            "consume",
            "--pattern",
            "t|other",
            "--from-beginning",
            "-e",
            "-o",
            "json",
        ])
        .run()
        .success();
    assert_eq!(json_lines(&pattern.stdout).len(), 20);
}

#[test]
fn exit_at_end_stops_at_the_start_end_while_a_producer_keeps_writing() {
    let broker = Broker::start();
    broker.kctl(&["topic", "create", "busy"]).run().success();
    let lines: String = (0..1000).map(|i| format!("before-{i}\n")).collect();
    broker
        .kctl(&["produce", "busy"])
        .stdin(lines)
        .run()
        .success();
    // A producer that never pauses: the partition never answers a fetch
    // with nothing, which is what naive exit-at-end waits for.
    let mut writer = Kctl::new();
    writer
        .args(&["-b", &broker.bootstrap, "produce", "busy", "--rate", "500"])
        .stdin(
            (0..2_000)
                .map(|i| format!("during-{i}\n"))
                .collect::<String>(),
        );
    let writer = std::thread::spawn(move || writer.run());
    std::thread::sleep(Duration::from_millis(500));
    let run = broker
        .kctl(&["consume", "busy", "--from-beginning", "-e"])
        .run()
        .success();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines.len() >= 1000, "{} lines", lines.len());
    assert_eq!(lines[999], "before-999");
    // Contiguous: nothing skipped, whatever the end was at start.
    for (i, line) in lines.iter().enumerate().skip(1000) {
        assert_eq!(*line, format!("during-{}", i - 1000));
    }
    assert!(run.stderr.contains("end reached"), "{}", run.stderr);
    writer.join().unwrap().success();
}

#[test]
fn a_closed_pipe_ends_quietly_with_exit_0() {
    let broker = Broker::start();
    broker.kctl(&["topic", "create", "t"]).run().success();
    let lines: String = (0..20_000).map(|i| format!("record-{i}\n")).collect();
    broker.kctl(&["produce", "t"]).stdin(lines).run().success();
    // No -e: only the closed pipe can end it.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kctl"))
        .args(["-b", &broker.bootstrap, "consume", "t", "--from-beginning"])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first, "record-0\n");
    // The reader is dropped here, as `head -1` exits.
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "kctl kept running"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}

#[test]
fn records_kcat_wrote_read_back_with_keys_and_headers() {
    let broker = Broker::start();
    broker
        .kctl(&["topic", "create", "from-kcat", "-p", "2"])
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
            "from-kcat",
            "-p",
            "1",
            "-K",
            ":",
            "-H",
            "trace=abc",
            "-H",
            "trace=def",
            "-H",
            "empty=",
        ],
        b"user-1:hello\nuser-2:world\n",
    );
    let run = broker
        .kctl(&[
            "consume",
            "from-kcat",
            "--from-beginning",
            "-e",
            "-o",
            "json",
        ])
        .run()
        .success();
    let records = json_lines(&run.stdout);
    assert_eq!(records.len(), 2, "{}", run.stdout);
    for (record, (key, value)) in records
        .iter()
        .zip([("user-1", "hello"), ("user-2", "world")])
    {
        assert_eq!(record["key"], key);
        assert_eq!(record["value"], value);
        assert_eq!(record["partition"], 1);
        assert_eq!(
            record["headers"],
            serde_json::json!([["trace", "abc"], ["trace", "def"], ["empty", ""]])
        );
    }
    let plain = broker
        .kctl(&[
            "consume",
            "from-kcat",
            "--from-beginning",
            "-e",
            "--format",
            r"%k=%s [%h]\n",
        ])
        .run()
        .success();
    assert_run_snapshot!("consume_kcat_records", plain);
}

#[test]
fn group_members_commit_what_they_printed_and_resume_after_it() {
    let broker = Broker::start_with(|c| c.group.initial_rebalance_delay_ms = 0);
    broker
        .kctl(&["topic", "create", "g", "-p", "2"])
        .run()
        .success();
    let lines: String = (0..10).map(|i| format!("v{i}\n")).collect();
    broker
        .kctl(&["produce", "g", "-p", "0"])
        .stdin(lines.clone())
        .run()
        .success();
    broker
        .kctl(&["produce", "g", "-p", "1"])
        .stdin(lines)
        .run()
        .success();
    let first = broker
        .kctl(&[
            "consume",
            "g",
            "--group",
            "readers",
            "--from-beginning",
            "-c",
            "3",
            "-o",
            "json",
        ])
        .run()
        .success();
    let first = json_lines(&first.stdout);
    assert_eq!(first.len(), 3);
    // Exactly what was printed is committed, though a poll may have
    // fetched more.
    let lag = broker
        .kctl(&["group", "describe", "readers", "-o", "json"])
        .run()
        .success()
        .json();
    let committed: i64 = lag[0]["offsets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["committed_offset"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(committed, 3, "{lag}");
    // The next member resumes after the printed records (--from-beginning
    // only places partitions without a commit) and -e stops it at the end:
    // together they saw every record exactly once.
    let rest = broker
        .kctl(&[
            "consume",
            "g",
            "--group",
            "readers",
            "--from-beginning",
            "-e",
            "-o",
            "json",
        ])
        .run()
        .success();
    let rest = json_lines(&rest.stdout);
    let mut seen: Vec<(i64, i64)> = first
        .iter()
        .chain(&rest)
        .map(|r| {
            (
                r["partition"].as_i64().unwrap(),
                r["offset"].as_i64().unwrap(),
            )
        })
        .collect();
    seen.sort_unstable();
    let expected: Vec<(i64, i64)> = (0..2).flat_map(|p| (0..10).map(move |o| (p, o))).collect();
    assert_eq!(seen, expected);
    let lag = broker
        .kctl(&["group", "describe", "readers", "--lag-only", "-o", "json"])
        .run()
        .success()
        .json();
    for offset in lag[0]["offsets"].as_array().unwrap() {
        assert_eq!(offset["lag"], 0, "{lag}");
    }
}

#[test]
fn exit_at_end_reads_across_offset_gaps_left_by_compaction() {
    let broker = Broker::start_with(|c| c.log_cleaner_backoff_ms = 100);
    broker
        .kctl(&[
            "topic",
            "create",
            "compacted",
            "-c",
            "cleanup.policy=compact",
            "-c",
            "segment.bytes=100",
        ])
        .run()
        .success();
    // Separate runs, separate batches: every batch rolls a segment, so the
    // superseded first values sit in closed segments the cleaner rewrites.
    for lines in ["k1:old\nk2:old\n", "k1:new\nk2:new\n", "k3:last\n"] {
        broker
            .kctl(&["produce", "compacted", "-K", ":"])
            .stdin(lines)
            .run()
            .success();
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let offsets = loop {
        let run = broker
            .kctl(&[
                "consume",
                "compacted",
                "--from-beginning",
                "-e",
                "-o",
                "json",
            ])
            .run()
            .success();
        let records = json_lines(&run.stdout);
        let offsets: Vec<i64> = records
            .iter()
            .map(|r| r["offset"].as_i64().unwrap())
            .collect();
        if offsets.first() == Some(&2) {
            let values: Vec<&str> = records
                .iter()
                .map(|r| r["value"].as_str().unwrap())
                .collect();
            assert_eq!(values, ["new", "new", "last"]);
            break offsets;
        }
        assert!(Instant::now() < deadline, "never compacted: {offsets:?}");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(
        offsets,
        [2, 3, 4],
        "the gap 0-1 is skipped and the end is reached"
    );
}
