//! `kctl demo` without a terminal: tables every interval, then an orderly
//! stop of everything it started.

use crate::support::Kctl;

#[test]
fn demo_prints_tables_and_stops_cleanly_without_a_terminal() {
    let data = tempfile::tempdir().unwrap();
    let run = Kctl::new()
        .args(&[
            "demo",
            "--duration",
            "8s",
            "--interval",
            "2s",
            "--data-dir",
            data.path().to_str().unwrap(),
        ])
        .run()
        .success();
    let tables = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("TOPIC"))
        .count();
    assert!(tables >= 3, "a table every 2 s for 8 s:\n{}", run.stdout);
    // The producer ran: the last table shows records in both topics.
    let last_orders = run
        .stdout
        .lines()
        .rfind(|l| l.starts_with("orders "))
        .unwrap();
    let written: i64 = last_orders
        .split_whitespace()
        .nth(2)
        .unwrap()
        .parse()
        .unwrap();
    assert!(written > 50, "{last_orders}");
    // Both members of the group are shown with their partitions.
    for member in ["demo-fast", "demo-slow"] {
        assert!(
            run.stdout.contains(member),
            "{member} missing:\n{}",
            run.stdout
        );
    }
    for line in [
        "producer closed after",
        "consumers left the group",
        "broker stopped",
    ] {
        assert!(
            run.stderr.contains(line),
            "missing '{line}':\n{}",
            run.stderr
        );
    }
    // An orderly stop leaves broker-lite's clean-shutdown marker.
    assert!(data.path().join(".clean-shutdown").exists());
    assert!(run.elapsed.as_secs() < 40, "took {:?}", run.elapsed);
}

/// `kctl demo --nodes 3 --chaos`: three broker processes, RF 3 topics, a
/// node stopped and started again while the producer and the group carry
/// on; everything stops in order at the end.
#[test]
fn demo_on_three_nodes_with_chaos_keeps_producing() {
    let data = tempfile::tempdir().unwrap();
    let run = Kctl::new()
        .args(&[
            "demo",
            "--nodes",
            "3",
            "--chaos",
            "--chaos-interval",
            "2s",
            "--duration",
            "9s",
            "--interval",
            "3s",
            "--data-dir",
            data.path().to_str().unwrap(),
        ])
        .run()
        .success();
    assert!(
        run.stderr.contains("with replication factor 3"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("demo: chaos stopped node 2"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("demo: chaos started node 2"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("demo: cluster stopped"),
        "{}",
        run.stderr
    );
    let written = |line: &str| -> i64 { line.split_whitespace().nth(2).unwrap().parse().unwrap() };
    let orders: Vec<i64> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("orders "))
        .map(written)
        .collect();
    // Records kept arriving across the node's stop and start.
    assert!(
        orders.len() >= 2 && orders.windows(2).all(|w| w[1] > w[0]),
        "{}",
        run.stdout
    );
    // Each node kept its own data directory.
    for node in 1..=3 {
        assert!(
            data.path()
                .join(format!("node-{node}"))
                .join("meta.properties")
                .exists()
        );
    }
}
