//! `kctl perf produce` and `kctl perf consume`: the counts are real (the
//! log grows by exactly that much), the rate limit holds, and the JSON
//! carries every figure.

use crate::support::Broker;

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
            "-o",
            "json",
        ])
        .run()
        .success()
        .json();
    assert_eq!(produced["records"], 5000);
    assert_eq!(produced["latency"], "send->ack");
    assert_eq!(produced["latency_samples"], 50, "one probe per 100 records");
    let (p50, p99, max) = (
        produced["p50_ms"].as_f64().unwrap(),
        produced["p99_ms"].as_f64().unwrap(),
        produced["max_ms"].as_f64().unwrap(),
    );
    assert!(0.0 < p50 && p50 <= p99 && p99 <= max, "{produced}");
    assert!(produced["records_per_s"].as_f64().unwrap() > 0.0);
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
    let elapsed_ms = run.json()["elapsed_ms"].as_u64().unwrap();
    assert!(elapsed_ms >= 1_490, "took {elapsed_ms} ms");
    assert!(run.json()["records_per_s"].as_f64().unwrap() <= 405.0);
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
