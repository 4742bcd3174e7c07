//! ACLs end to end: `kctl acl create`, `list` and `delete` against
//! broker-lite, and the authorizer's effect seen through kctl's own exit
//! codes (4 = not authorized).

use crate::assert_run_snapshot;
use crate::support::Broker;

#[test]
fn create_list_enforce_delete() {
    let broker = Broker::start();
    broker
        .kctl(&["topic", "create", "payments", "--partitions", "2"])
        .run()
        .success();
    broker.kctl(&["topic", "create", "orders"]).run().success();

    let created = broker
        .kctl(&[
            "acl",
            "create",
            "--deny-principal",
            "User:*",
            "--operation",
            "all",
            "--topic",
            "payments",
        ])
        .run()
        .success();
    assert_run_snapshot!("acl_create", created);
    broker
        .kctl(&[
            "acl",
            "create",
            "--allow-principal",
            "User:alice",
            "--operation",
            "read",
            "--operation",
            "describe",
            "--topic",
            "ord",
            "--resource-pattern-type",
            "prefixed",
            "--group",
            "billing",
        ])
        .run()
        .success();

    let listed = broker.kctl(&["acl", "list"]).run().success();
    assert_run_snapshot!("acl_list", listed);
    // MATCH: what applies to topic "orders" (the "ord" prefix), not the rest.
    let matching = broker
        .kctl(&[
            "acl",
            "list",
            "--topic",
            "orders",
            "--resource-pattern-type",
            "match",
            "-o",
            "json",
        ])
        .run()
        .success();
    let rows: serde_json::Value = serde_json::from_str(&matching.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 2, "{}", matching.stdout);

    // kctl is User:ANONYMOUS to broker-lite: the DENY closes "payments".
    let refused = broker
        .kctl(&["produce", "payments"])
        .stdin("x\n")
        .run()
        .code(4);
    assert!(
        refused.stderr.contains("TopicAuthorizationFailed"),
        "{}",
        refused.stderr
    );
    let listed_topics = broker.kctl(&["topic", "list"]).run().success();
    assert!(!listed_topics.stdout.contains("payments"));

    // Without a terminal, delete needs --yes and deletes nothing without it.
    broker
        .kctl(&["acl", "delete", "--topic", "payments"])
        .run()
        .code(2);
    let deleted = broker
        .kctl(&["acl", "delete", "--topic", "payments", "--yes"])
        .run()
        .success();
    assert_run_snapshot!("acl_delete", deleted);
    broker
        .kctl(&["produce", "payments"])
        .stdin("x\n")
        .run()
        .success();
    let left = broker.kctl(&["acl", "list", "-o", "json"]).run().success();
    let rows: serde_json::Value = serde_json::from_str(&left.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 4, "{}", left.stdout);
}

#[test]
fn bad_acl_arguments_are_usage_errors() {
    let broker = Broker::start();
    let no_resource = broker
        .kctl(&[
            "acl",
            "create",
            "--allow-principal",
            "User:a",
            "--operation",
            "read",
        ])
        .run()
        .code(2);
    assert!(
        no_resource.stderr.contains("name a resource"),
        "{}",
        no_resource.stderr
    );
    let bad_principal = broker
        .kctl(&[
            "acl",
            "create",
            "--allow-principal",
            "alice",
            "--operation",
            "read",
            "--topic",
            "t",
        ])
        .run()
        .code(2);
    assert!(
        bad_principal.stderr.contains("Type:Name"),
        "{}",
        bad_principal.stderr
    );
    broker
        .kctl(&[
            "acl",
            "create",
            "--allow-principal",
            "User:a",
            "--operation",
            "fly",
            "--topic",
            "t",
        ])
        .run()
        .code(2);
    broker
        .kctl(&[
            "acl",
            "create",
            "--allow-principal",
            "User:a",
            "--operation",
            "read",
            "--topic",
            "t",
            "--resource-pattern-type",
            "match",
        ])
        .run()
        .code(2);
}
