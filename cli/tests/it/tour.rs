//! `cli/tests/tour.sh`, the scripted tour, against broker-lite and against
//! librdkafka's 3-broker mock cluster (a broker nobody here wrote).

#[path = "../../../client/tests/mock_cluster/driver.rs"]
mod driver;

use std::path::Path;
use std::process::Command;

use crate::support::Broker;

/// Runs the tour; its steps and skips are on stderr.
fn tour(bootstrap: &str, cluster: &str) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tour.sh");
    let out = Command::new("bash")
        .arg(script)
        .env("KCTL", env!("CARGO_BIN_EXE_kctl"))
        .env("BOOTSTRAP", bootstrap)
        .env("TOUR_CLUSTER", cluster)
        .env("NO_COLOR", "1")
        .env_remove("KCTL_BOOTSTRAP_SERVER")
        .env_remove("KCTL_CONTEXT")
        .env_remove("KCTL_CONFIG")
        .output()
        .expect("bash runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "the tour failed on {cluster}:\n{stderr}"
    );
    assert!(
        stderr.contains(&format!("tour complete ({cluster})")),
        "{stderr}"
    );
    stderr
}

#[test]
fn tour_against_broker_lite() {
    let broker = Broker::start_with(|c| c.group.initial_rebalance_delay_ms = 0);
    let log = tour(&broker.bootstrap, "broker-lite");
    assert!(
        !log.contains("skipped"),
        "nothing is skipped on broker-lite:\n{log}"
    );
    assert!(log.contains("reset tour-group"), "{log}");
}

#[tokio::test]
async fn tour_against_librdkafka_mock_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let Some(binary) = driver::build_harness(dir.path()) else {
        return;
    };
    let mut harness = driver::Harness::start(&binary, "tour-src", 3).await;
    harness.command("topic tour-copy 3").await;
    let bootstrap = harness.bootstrap.clone();
    let log = tokio::task::spawn_blocking(move || tour(&bootstrap, "mock"))
        .await
        .unwrap();
    // The skipped steps say why, and the rest ran.
    assert!(
        log.contains("skipped on librdkafka's mock cluster (no CreateTopics)"),
        "{log}"
    );
    assert!(
        log.contains("skipped on librdkafka's mock cluster (no DescribeGroups)"),
        "{log}"
    );
    assert!(log.contains("consume tour-copy and diff it"), "{log}");
    harness.quit().await;
}
