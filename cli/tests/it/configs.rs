//! Config commands for topics, brokers and groups.

use crate::assert_run_snapshot;
use crate::support::{Broker, Kctl};

/// `kctl config VERB --entity-type topic --entity-name t ARGS...`.
fn topic_config(broker: &Broker, verb: &str, args: &[&str]) -> Kctl {
    let mut all = vec![
        "config",
        verb,
        "--entity-type",
        "topic",
        "--entity-name",
        "t",
    ];
    all.extend_from_slice(args);
    broker.kctl(&all)
}

#[test]
fn topic_configs_show_overrides_then_everything() {
    let broker = Broker::start();
    broker
        .kctl(&[
            "topic",
            "create",
            "t",
            "-c",
            "retention.ms=60000",
            "-c",
            "segment.ms=3600000",
        ])
        .run()
        .success();
    let overrides = topic_config(&broker, "get", &[]).run().success();
    assert_run_snapshot!("config_get_topic", overrides);

    let all = broker
        .kctl(&[
            "config",
            "get",
            "--entity-type",
            "topics",
            "--entity-name",
            "t",
            "--all",
            "-o",
            "json",
        ])
        .run()
        .success();
    let entries = all.json();
    let entries = entries.as_array().unwrap();
    let segment = entries
        .iter()
        .find(|e| e["name"] == "segment.bytes")
        .expect("defaults are listed with --all");
    assert_eq!(segment["source"], "DEFAULT_CONFIG");
    assert_eq!(segment["default"], true);
    let retention = entries
        .iter()
        .find(|e| e["name"] == "retention.ms")
        .unwrap();
    assert_eq!(retention["value"], "60000");
    assert_eq!(retention["source"], "DYNAMIC_TOPIC_CONFIG");
    // Synonyms show where the inherited value would come from.
    let synonyms: Vec<&str> = retention["synonyms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(synonyms.contains(&"log.retention.ms"), "{synonyms:?}");

    let one = topic_config(&broker, "get", &["segment.bytes", "-o", "json"])
        .run()
        .success();
    assert_eq!(
        one.json().as_array().unwrap().len(),
        1,
        "a key asked for by name shows even at its default"
    );
}

#[test]
fn broker_configs_are_read_from_that_broker() {
    let broker = Broker::start();
    let configs = broker
        .kctl(&[
            "config",
            "get",
            "--entity-type",
            "broker",
            "--entity-name",
            "0",
            "--all",
            "-o",
            "json",
        ])
        .run()
        .success();
    let configs = configs.json();
    let names: Vec<&str> = configs
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"num.partitions"), "{names:?}");
    assert!(
        configs
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["read_only"] == true)
    );

    let unknown = broker
        .kctl(&[
            "config",
            "get",
            "--entity-type",
            "broker",
            "--entity-name",
            "7",
        ])
        .run()
        .code(3);
    assert_run_snapshot!("config_get_unknown_broker", unknown);
    let not_a_number = broker
        .kctl(&[
            "config",
            "get",
            "--entity-type",
            "broker",
            "--entity-name",
            "seven",
        ])
        .run()
        .code(2);
    assert!(
        not_a_number.stderr.contains("numeric id"),
        "{}",
        not_a_number.stderr
    );
    let missing_topic = broker
        .kctl(&[
            "config",
            "get",
            "--entity-type",
            "topic",
            "--entity-name",
            "nope",
        ])
        .run()
        .code(3);
    assert!(
        missing_topic.stderr.contains("does not exist"),
        "{}",
        missing_topic.stderr
    );
}

/// broker-lite does not have AlterConfigs or IncrementalAlterConfigs yet:
/// kctl must say so plainly. Once it does, the change must be visible.
#[test]
fn config_set_and_delete_change_configs_or_explain_why_not() {
    let broker = Broker::start();
    broker.kctl(&["topic", "create", "t"]).run().success();
    let set = topic_config(&broker, "set", &["retention.ms=1234"]).run();
    if set.code == 0 {
        let get = topic_config(&broker, "get", &["retention.ms", "-o", "json"])
            .run()
            .success();
        assert_eq!(get.json()[0]["value"], "1234");
        topic_config(&broker, "delete", &["retention.ms", "--yes"])
            .run()
            .success();
        let get = topic_config(&broker, "get", &["retention.ms", "-o", "json"])
            .run()
            .success();
        assert_ne!(get.json()[0]["source"], "DYNAMIC_TOPIC_CONFIG");
    } else {
        let set = set.code(1);
        assert!(
            set.stderr
                .contains("supports neither IncrementalAlterConfigs nor AlterConfigs"),
            "{}",
            set.stderr
        );
        let alter = broker
            .kctl(&["topic", "alter", "t", "--config", "retention.ms=5"])
            .run()
            .code(1);
        assert!(
            alter.stderr.contains("supports neither"),
            "{}",
            alter.stderr
        );
    }
    // Deleting asks first; without a terminal it needs --yes.
    let refused = topic_config(&broker, "delete", &["retention.ms"])
        .run()
        .code(2);
    assert!(refused.stderr.contains("pass --yes"), "{}", refused.stderr);
}

/// `--entity-type group`: a share group's `share.auto.offset.reset` set
/// with `config set` makes a new group start at the earliest offset (what
/// `share reset-offsets --to-earliest` does otherwise); a group takes no
/// `--entity-default`.
#[test]
fn group_configs_are_set_with_entity_type_group() {
    let broker = Broker::start();
    broker
        .kctl(&["topic", "create", "jobs", "-p", "1"])
        .run()
        .success();
    broker
        .kctl(&["produce", "jobs"])
        .stdin("a\nb\nc\n")
        .run()
        .success();
    let set = broker
        .kctl(&[
            "config",
            "set",
            "--entity-type",
            "group",
            "--entity-name",
            "crew",
            "share.auto.offset.reset=earliest",
            "-o",
            "json",
        ])
        .run()
        .success()
        .json();
    assert_eq!(set[0]["status"], "set", "{set}");
    let get = broker
        .kctl(&[
            "config",
            "get",
            "--entity-type",
            "group",
            "--entity-name",
            "crew",
            "-o",
            "json",
        ])
        .run()
        .success()
        .json();
    assert_eq!(
        (&get[0]["name"], &get[0]["value"], &get[0]["source"]),
        (
            &"share.auto.offset.reset".into(),
            &"earliest".into(),
            &"GROUP_CONFIG".into()
        ),
        "{get}"
    );
    let read = broker
        .kctl(&["share", "consume", "jobs", "-g", "crew", "-n", "3"])
        .run()
        .success();
    assert_eq!(read.stdout, "a\nb\nc\n");
    let refused = broker
        .kctl(&[
            "config",
            "set",
            "--entity-type",
            "group",
            "--entity-name",
            "crew",
            "share.auto.offset.reset=sometimes",
        ])
        .run()
        .code(1);
    assert!(
        refused.stderr.contains("Invalid value sometimes"),
        "{}",
        refused.stderr
    );
    let no_default = broker
        .kctl(&[
            "config",
            "get",
            "--entity-type",
            "group",
            "--entity-default",
        ])
        .run()
        .code(2);
    assert!(
        no_default
            .stderr
            .contains("groups have no --entity-default"),
        "{}",
        no_default.stderr
    );
}
