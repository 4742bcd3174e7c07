//! `kctl perf produce`, `consume` and `e2e`: the counts are real (the log
//! grows by exactly that much), every record is timed, the rate limit
//! holds, and the JSON carries every figure in a stable shape.

use crate::support::Broker;

/// The JSON figures with what varies from run to run replaced, for a
/// snapshot of the shape the benchmark scripts read.
fn shape(figures: &serde_json::Value) -> String {
    let mut figures = figures.clone();
    for field in [
        "seconds",
        "msg_per_s",
        "mb_per_s",
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "p999_ms",
        "max_ms",
    ] {
        assert!(figures[field].is_number(), "{field} in {figures}");
        figures[field] = "[varies]".into();
    }
    serde_json::to_string_pretty(&figures).unwrap()
}

/// The percentiles are ordered and positive.
fn assert_percentiles(figures: &serde_json::Value) {
    let at = |field: &str| figures[field].as_f64().unwrap();
    let (p50, p99, p999, max) = (at("p50_ms"), at("p99_ms"), at("p999_ms"), at("max_ms"));
    assert!(
        0.0 < p50 && p50 <= p99 && p99 <= p999 && p999 <= max,
        "{figures}"
    );
}

#[test]
fn perf_produce_writes_what_it_reports_and_perf_consume_reads_it() {
    let broker = Broker::start();
    broker
        .kctl(&["topic", "create", "perf", "-p", "3"])
        .run()
        .success();
    let produced = broker
        .kctl(&[
            "perf",
            "produce",
            "perf",
            "--num-records",
            "5000",
            "--record-size",
            "200",
            "--producer-props",
            "batch.size=65536",
            "linger.ms=2",
            "--json",
        ])
        .run()
        .success()
        .json();
    assert_eq!(produced["latency_count"], 5000, "every record is timed");
    assert_percentiles(&produced);
    assert!(produced["msg_per_s"].as_f64().unwrap() > 0.0);
    insta::with_settings!({ prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("perf_produce_json", shape(&produced));
    });
    let offsets = broker
        .kctl(&["offsets", "perf", "-o", "json"])
        .run()
        .success()
        .json();
    let total: i64 = offsets
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["latest"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 5000, "the log has exactly the records reported");

    let consumed = broker
        .kctl(&[
            "perf",
            "consume",
            "perf",
            "--messages",
            "5000",
            "-o",
            "json",
        ])
        .run()
        .success()
        .json();
    assert_eq!(consumed["records"], 5000);
    assert_eq!(consumed["bytes"], 5000 * 200);
    assert_eq!(consumed["latency_count"], 5000, "one poll wait per record");
    assert!((consumed["mb_per_s"].as_f64().unwrap()) > 0.0);
    // Asking for more than there is ends after --timeout with what arrived.
    let short = broker
        .kctl(&[
            "perf",
            "consume",
            "perf",
            "--num-records",
            "6000",
            "--timeout",
            "1s",
        ])
        .run()
        .code(6);
    assert!(
        short.stderr.contains("only 5000 of 6000"),
        "{}",
        short.stderr
    );
    assert!(short.stdout.starts_with("RECORDS"), "{}", short.stdout);

    // Round trips read back exactly the record sent, so the log grows by
    // that many and each has a latency.
    let e2e = broker
        .kctl(&[
            "perf",
            "e2e",
            "perf",
            "--num-records",
            "50",
            "--record-size",
            "64",
            "--json",
        ])
        .run()
        .success()
        .json();
    assert_percentiles(&e2e);
    insta::with_settings!({ prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("perf_e2e_json", shape(&e2e));
    });
    broker
        .kctl(&["perf", "e2e", "missing", "--num-records", "1"])
        .run()
        .code(3);
}

#[test]
fn perf_produce_holds_its_throughput_limit() {
    let broker = Broker::start();
    broker.kctl(&["topic", "create", "slow"]).run().success();
    let run = broker
        .kctl(&[
            "perf",
            "produce",
            "--topic",
            "slow",
            "--num-records",
            "600",
            "--record-size",
            "10",
            "--throughput",
            "400",
            "-o",
            "json",
        ])
        .run()
        .success();
    // 600 records at 400/s: the last is due after 1.5 s; a loaded machine
    // may take longer, never less.
    let seconds = run.json()["seconds"].as_f64().unwrap();
    assert!(seconds >= 1.49, "took {seconds} s");
    assert!(run.json()["msg_per_s"].as_f64().unwrap() <= 405.0);
    broker
        .kctl(&[
            "perf",
            "produce",
            "slow",
            "--num-records",
            "1",
            "--record-size",
            "1",
            "--throughput",
            "0",
        ])
        .run()
        .code(2);
}
