//! `cluster describe` and `offsets`.

use crate::assert_run_snapshot;
use crate::support::Broker;

#[test]
fn cluster_describe_lists_brokers_and_controller() {
    let broker = Broker::start();
    let table = broker.kctl(&["cluster", "describe"]).run().success();
    assert_run_snapshot!("cluster_describe", table);
    let json = broker
        .kctl(&["cluster", "describe", "-o", "json"])
        .run()
        .success()
        .json();
    assert_eq!(json["controller_id"], 0);
    assert_eq!(json["brokers"][0]["controller"], true);
    assert_eq!(json["brokers"][0]["host"], "127.0.0.1");
    assert!(json["cluster_id"].as_str().is_some_and(|id| id.len() == 22));
}

#[test]
fn offsets_per_partition_and_by_time() {
    let broker = Broker::start();
    broker
        .kctl(&["topic", "create", "t", "-p", "3"])
        .run()
        .success();
    let lines: String = (0..5)
        .map(|i| format!("{{\"value\":\"v{i}\",\"timestamp\":{}}}\n", 1_000 + i))
        .collect();
    broker
        .kctl(&["produce", "t", "--input", "json", "--partition", "1"])
        .stdin(lines)
        .run()
        .success();
    broker
        .kctl(&["produce", "t", "--partition", "2"])
        .stdin("x\n")
        .run()
        .success();

    let ranges = broker.kctl(&["offsets", "t"]).run().success();
    assert_run_snapshot!("offsets", ranges);
    let json = broker
        .kctl(&["offsets", "--topic", "t", "-o", "json"])
        .run()
        .success()
        .json();
    assert_eq!(json[1]["latest"], 5);
    assert_eq!(json[1]["records"], 5);

    let at = |time: &str| {
        broker
            .kctl(&["offsets", "t", "-p", "1", "--time", time, "-o", "json"])
            .run()
            .success()
            .json()
    };
    assert_eq!(at("earliest")[0]["offset"], 0);
    assert_eq!(at("latest")[0]["offset"], 5);
    assert_eq!(
        at("1002")[0]["offset"],
        2,
        "first record at or after the timestamp"
    );
    assert_eq!(at("1002")[0]["timestamp"], 1002);
    assert_eq!(at("max-timestamp")[0]["offset"], 4);
    assert!(
        at("999999999")[0]["offset"].is_null(),
        "no record that late"
    );

    let missing = broker.kctl(&["offsets", "t", "-p", "9"]).run().code(3);
    assert!(
        missing.stderr.contains("has no partition 9"),
        "{}",
        missing.stderr
    );
}
