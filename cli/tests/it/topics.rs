//! Topic administration end to end.

use crate::assert_run_snapshot;
use crate::support::Broker;

#[test]
fn create_list_describe_alter_delete() {
    let broker = Broker::start();
    let created = broker
        .kctl(&[
            "topic",
            "create",
            "orders",
            "--partitions",
            "3",
            "--config",
            "retention.ms=86400000",
        ])
        .run()
        .success();
    assert_run_snapshot!("topic_create", created);

    // Kafka's spelling works too.
    broker
        .kctl(&[
            "topic",
            "create",
            "--topic",
            "payments",
            "--partitions",
            "2",
            "--replication-factor",
            "1",
        ])
        .run()
        .success();

    let again = broker.kctl(&["topic", "create", "orders"]).run().code(1);
    assert_run_snapshot!("topic_create_exists", again);
    let tolerated = broker
        .kctl(&["topic", "create", "orders", "--if-not-exists", "-o", "json"])
        .run()
        .success();
    assert_eq!(tolerated.json()["status"], "exists");

    let validated = broker
        .kctl(&[
            "topic",
            "create",
            "dry",
            "--partitions",
            "4",
            "--validate-only",
            "-o",
            "json",
        ])
        .run()
        .success();
    assert_eq!(validated.json()["status"], "validated");
    assert_eq!(validated.json()["partitions"], 4);

    let listed = broker.kctl(&["topic", "list"]).run().success();
    assert_run_snapshot!("topic_list", listed);
    assert!(
        !listed.stdout.contains("dry"),
        "--validate-only created nothing"
    );

    let filtered = broker
        .kctl(&["topic", "list", "^pay", "-o", "json"])
        .run()
        .success();
    let names: Vec<String> = filtered
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["payments"]);

    let described = broker
        .kctl(&["topic", "describe", "orders"])
        .run()
        .success();
    assert_run_snapshot!("topic_describe", described);
    let json = broker
        .kctl(&["topic", "describe", "orders", "-o", "json"])
        .run()
        .success();
    assert_run_snapshot!("topic_describe_json", json);
    let yaml = broker
        .kctl(&["topic", "describe", "orders", "-o", "yaml"])
        .run()
        .success();
    assert!(yaml.stdout.contains("- name: orders\n"), "{}", yaml.stdout);
    assert!(yaml.stdout.contains("retention.ms"), "{}", yaml.stdout);

    let grown = broker
        .kctl(&[
            "topic",
            "alter",
            "orders",
            "--partitions",
            "5",
            "-o",
            "json",
        ])
        .run()
        .success();
    assert_eq!(grown.json()[0]["change"], "partitions=5");
    let after = broker
        .kctl(&["topic", "describe", "orders", "-o", "json"])
        .run()
        .success();
    assert_eq!(after.json()[0]["partition_count"], 5);
    let shrink = broker
        .kctl(&["topic", "alter", "orders", "--partitions", "2"])
        .run()
        .code(1);
    assert!(
        shrink.stderr.contains("InvalidPartitions"),
        "{}",
        shrink.stderr
    );

    // No terminal to ask on and no --yes: refuse, delete nothing.
    let refused = broker.kctl(&["topic", "delete", "orders"]).run().code(2);
    assert_run_snapshot!("topic_delete_refused", refused);
    broker
        .kctl(&["topic", "describe", "orders"])
        .run()
        .success();

    let deleted = broker
        .kctl(&["topic", "delete", "orders", "payments", "--yes"])
        .run()
        .success();
    assert_run_snapshot!("topic_delete", deleted);
    let missing = broker
        .kctl(&["topic", "delete", "orders", "--yes"])
        .run()
        .code(3);
    assert!(
        missing.stderr.contains("topic 'orders' does not exist"),
        "{}",
        missing.stderr
    );
    let tolerated = broker
        .kctl(&[
            "topic",
            "delete",
            "--topic",
            "orders",
            "--if-exists",
            "--yes",
            "-o",
            "json",
        ])
        .run()
        .success();
    assert_eq!(tolerated.json()[0]["status"], "absent");
    let empty = broker
        .kctl(&["topic", "list", "-o", "json"])
        .run()
        .success();
    assert_eq!(empty.json(), serde_json::json!([]));
}

#[test]
fn describe_all_and_health_filters() {
    let broker = Broker::start();
    broker
        .kctl(&[
            "topic",
            "create",
            "a",
            "-p",
            "2",
            "-c",
            "min.insync.replicas=1",
        ])
        .run()
        .success();
    broker
        .kctl(&["topic", "create", "b", "-p", "1"])
        .run()
        .success();

    let all = broker
        .kctl(&["topic", "describe", "-o", "json"])
        .run()
        .success();
    let names: Vec<String> = all
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["a", "b"]);

    // One healthy broker: nothing is under-replicated or unavailable.
    for filter in ["--under-replicated", "--unavailable", "--under-min-isr"] {
        let run = broker.kctl(&["topic", "describe", filter]).run().success();
        assert_eq!(run.stdout, "", "{filter} matched healthy partitions");
    }
    // ISR of 1 equals min.insync.replicas=1 for every partition of both
    // topics (b inherits the broker's default of 1).
    let at_min = broker
        .kctl(&["topic", "describe", "--at-min-isr"])
        .run()
        .success();
    assert_run_snapshot!("topic_describe_at_min_isr", at_min);

    let partial = broker
        .kctl(&["topic", "describe", "a", "nope", "-o", "json"])
        .run()
        .code(6);
    assert_eq!(partial.json().as_array().unwrap().len(), 1);
    assert!(
        partial.stderr.contains("describing topic 'nope'"),
        "{}",
        partial.stderr
    );
}
