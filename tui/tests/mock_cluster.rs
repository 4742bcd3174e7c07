//! The dashboard against librdkafka's mock cluster: a broker nobody here
//! wrote, with 3 brokers and a topic of replication factor 3.
//!
//! What the mock does (librdkafka 2.0.2): `rd_kafka_mock_broker_set_down`
//! refuses and closes the broker's connections but changes nothing in
//! Metadata — leaders, replicas and ISRs stay as they were (the mock has no
//! controller to shrink an ISR or elect a leader). So the health counters
//! cannot change when a broker goes down; what the dashboard must do is
//! report exactly what the cluster reports, which this test checks against
//! kcat's reading of the same Metadata.

#[path = "../../client/tests/mock_cluster/driver.rs"]
mod driver;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use kctl_client::ClientConfig;
use kctl_client::admin::{Admin, AdminConfig, IsolationLevel};
use kctl_tui::action::{Action, Screen};
use kctl_tui::app::App;
use kctl_tui::evaluation::EvalConfig;
use kctl_tui::model::Snapshot;
use kctl_tui::poller::poll_once;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const TOPIC: &str = "rf3";

/// partition -> (replicas, ISR).
type Placement = BTreeMap<i32, (Vec<i32>, Vec<i32>)>;

async fn snapshot(bootstrap: &str) -> Snapshot {
    let config = AdminConfig::default().api_timeout_ms(10_000);
    let admin = Admin::connect(ClientConfig::new(bootstrap.split(',')), config)
        .await
        .expect("connect to the mock");
    poll_once(&admin, IsolationLevel::ReadUncommitted)
        .await
        .expect("a snapshot of the mock cluster")
}

/// Replicas and ISR per partition, as the dashboard's snapshot has them.
fn placement(snapshot: &Snapshot) -> Placement {
    let topic = snapshot
        .topics
        .iter()
        .find(|t| t.name == TOPIC)
        .expect("the topic is in the snapshot");
    topic
        .partitions
        .iter()
        .map(|p| (p.partition, (p.replicas.clone(), p.isr.clone())))
        .collect()
}

/// The same, as kcat (librdkafka) reads it from the mock's Metadata.
fn kcat_placement(bootstrap: &str) -> Option<Placement> {
    let kcat =
        std::env::var_os("KCTL_KCAT").map_or_else(|| PathBuf::from("/usr/bin/kcat"), PathBuf::from);
    if !kcat.exists() {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "kcat not found at {}",
            kcat.display()
        );
        eprintln!("SKIPPED: kcat not found; the comparison with librdkafka's reading is skipped");
        return None;
    }
    let out = Command::new(kcat)
        .args(["-b", bootstrap, "-L", "-J", "-t", TOPIC])
        .output()
        .expect("run kcat");
    assert!(
        out.status.success(),
        "kcat -L: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("kcat JSON");
    let topic = json["topics"]
        .as_array()?
        .iter()
        .find(|t| t["topic"] == TOPIC)?;
    let ids = |list: &serde_json::Value| -> Vec<i32> {
        let mut ids: Vec<i32> = list
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["id"].as_i64())
            .map(|id| id as i32)
            .collect();
        ids.sort_unstable();
        ids
    };
    Some(
        topic["partitions"]
            .as_array()?
            .iter()
            .map(|p| {
                (
                    p["partition"].as_i64().unwrap_or(-1) as i32,
                    (ids(&p["replicas"]), ids(&p["isrs"])),
                )
            })
            .collect(),
    )
}

fn sorted(mut placement: Placement) -> Placement {
    for (replicas, isr) in placement.values_mut() {
        replicas.sort_unstable();
        isr.sort_unstable();
    }
    placement
}

/// The topic drill-in screen, drawn as text.
fn topic_screen(snapshot: Snapshot) -> String {
    let mut app = App::new(EvalConfig::default(), 1_000);
    app.update(Action::Resize {
        width: 160,
        height: 48,
    });
    app.update(Action::Snapshot(Box::new(snapshot)));
    app.update(Action::Show(Screen::Topics));
    app.update(Action::StartFilter);
    for c in TOPIC.chars() {
        app.update(Action::FilterChar(c));
    }
    app.update(Action::FilterApply);
    app.update(Action::Open);
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("test terminal");
    terminal
        .draw(|frame| kctl_tui::ui::draw(frame, &app))
        .expect("draw");
    let buffer = terminal.backend().buffer().clone();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partitions_of_a_replication_factor_3_topic_show_three_replicas() {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some(binary) = driver::build_harness(dir.path()) else {
        return;
    };
    let mut harness = driver::Harness::start(&binary, TOPIC, 4).await;
    let bootstrap = harness.bootstrap.clone();

    let before = snapshot(&bootstrap).await;
    assert_eq!(before.cluster.brokers.len(), 3);
    let ours = sorted(placement(&before));
    assert_eq!(ours.len(), 4);
    for (partition, (replicas, isr)) in &ours {
        assert_eq!(replicas.len(), 3, "partition {partition} has 3 replicas");
        assert_eq!(isr, replicas, "partition {partition} is fully in sync");
    }
    if let Some(theirs) = kcat_placement(&bootstrap) {
        assert_eq!(ours, theirs, "the dashboard reports what librdkafka reads");
    }

    let screen = topic_screen(before.clone());
    std::fs::create_dir_all(concat!(env!("CARGO_TARGET_TMPDIR"), "/tui-mock")).ok();
    std::fs::write(
        concat!(env!("CARGO_TARGET_TMPDIR"), "/tui-mock/topic-rf3.txt"),
        &screen,
    )
    .ok();
    let partition_rows = screen
        .lines()
        .filter(|l| l.contains("1,2,3") || l.contains("1, 2, 3"))
        .count();
    assert!(
        partition_rows >= 4,
        "every partition row lists replicas 1,2,3:\n{screen}"
    );

    harness.command("down 2").await;
    let after = snapshot(&bootstrap).await;
    let ours_after = sorted(placement(&after));
    if let Some(theirs) = kcat_placement(&bootstrap) {
        assert_eq!(
            ours_after, theirs,
            "after a broker goes down, still exactly what the cluster reports"
        );
    }
    // The mock keeps its Metadata unchanged (see the module docs), so the
    // ISR, and with it the health counters, stay as they were.
    assert_eq!(ours_after, ours);
    harness.command("up 2").await;
    harness.quit().await;
}
