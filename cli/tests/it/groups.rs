//! Consumer groups end to end: kctl creates a lagging group with its own
//! `reset-offsets --execute` (an Empty group accepts admin commits), then
//! lists, describes, judges health, deletes offsets and the group. A live
//! kcat member shows assignments, "no commit" rows and the refusal to
//! reset an active group.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::assert_run_snapshot;
use crate::support::{Broker, kcat};

fn orders(broker: &Broker) {
    broker
        .kctl(&["topic", "create", "orders", "--partitions", "3"])
        .run()
        .success();
    let lines: String = (0..10).map(|i| format!("record-{i}\n")).collect();
    broker
        .kctl(&["produce", "orders", "-p", "0"])
        .stdin(lines)
        .run()
        .success();
    broker
        .kctl(&["produce", "orders", "-p", "1"])
        .stdin("a\nb\n")
        .run()
        .success();
}

#[test]
fn reset_describe_health_delete() {
    let broker = Broker::start();
    orders(&broker);

    let plan = broker
        .kctl(&[
            "group",
            "reset-offsets",
            "billing",
            "--topic",
            "orders:0,1",
            "--to-offset",
            "3",
        ])
        .run()
        .success();
    assert_run_snapshot!("group_reset_plan", plan);
    // A plan changes nothing: the group still does not exist.
    let missing = broker.kctl(&["group", "describe", "billing"]).run().code(3);
    assert!(
        missing.stderr.contains("does not exist"),
        "{}",
        missing.stderr
    );

    let refused = broker
        .kctl(&[
            "group",
            "reset-offsets",
            "billing",
            "--topic",
            "orders:0",
            "--to-offset",
            "3",
            "--execute",
        ])
        .run()
        .code(2);
    assert!(refused.stderr.contains("--yes"), "{}", refused.stderr);
    let executed = broker
        .kctl(&[
            "group",
            "reset-offsets",
            "billing",
            "--topic",
            "orders:0,1",
            "--to-offset",
            "3",
            "--execute",
            "--yes",
        ])
        .run()
        .success();
    assert_run_snapshot!("group_reset_execute", executed);

    let listed = broker.kctl(&["group", "list"]).run().success();
    assert_run_snapshot!("group_list", listed);
    let stable = broker
        .kctl(&["group", "list", "--state", "Stable", "-o", "json"])
        .run()
        .success();
    assert_eq!(stable.json(), serde_json::json!([]));

    let described = broker
        .kctl(&["group", "describe", "billing"])
        .run()
        .success();
    assert_run_snapshot!("group_describe", described);
    let lag = broker
        .kctl(&["group", "describe", "billing", "--lag-only", "-o", "json"])
        .run()
        .success();
    let offsets = &lag.json()[0]["offsets"];
    // partition 0: 10 records, committed 3; partition 1: 2 records, the
    // target 3 is past the end and is kept at the end.
    assert_eq!(offsets[0]["committed_offset"], 3);
    assert_eq!(offsets[0]["log_end_offset"], 10);
    assert_eq!(offsets[0]["lag"], 7);
    assert_eq!(offsets[1]["committed_offset"], 2);
    assert_eq!(offsets[1]["lag"], 0);
    let lag_table = broker
        .kctl(&["group", "describe", "billing", "--lag-only"])
        .run()
        .success();
    assert!(
        lag_table.stdout.starts_with("GROUP"),
        "{}",
        lag_table.stdout
    );
    assert!(!lag_table.stdout.contains("COORDINATOR"), "lag only");

    // Every target, as a plan (JSON carries the new offsets).
    let new_offsets = |args: &[&str]| -> Vec<i64> {
        let mut argv = vec![
            "group",
            "reset-offsets",
            "billing",
            "--all-topics",
            "-o",
            "json",
        ];
        argv.extend_from_slice(args);
        broker
            .kctl(&argv)
            .run()
            .success()
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["new_offset"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(new_offsets(&["--to-earliest"]), vec![0, 0]);
    assert_eq!(new_offsets(&["--to-latest"]), vec![10, 2]);
    assert_eq!(new_offsets(&["--shift-by", "-2"]), vec![1, 0]);
    assert_eq!(new_offsets(&["--shift-by", "100"]), vec![10, 2]);
    assert_eq!(
        new_offsets(&["--to-datetime", "2000-01-01T00:00:00Z"]),
        vec![0, 0]
    );
    assert_eq!(new_offsets(&["--by-duration", "PT1H"]), vec![0, 0]);
    assert_eq!(
        new_offsets(&["--to-datetime", "2999-01-01T00:00:00.000+01:00"]),
        vec![10, 2]
    );
    let no_zone = broker
        .kctl(&[
            "group",
            "reset-offsets",
            "billing",
            "--all-topics",
            "--to-datetime",
            "2024-01-01T00:00:00",
        ])
        .run()
        .code(2);
    assert!(no_zone.stderr.contains("time zone"), "{}", no_zone.stderr);

    let health = broker.kctl(&["health", "-o", "json"]).run().success();
    let report = health.json();
    assert_eq!(report["status"], "OK");
    assert_eq!(report["exit_code"], 0);
    assert_eq!(report["window_snapshots"], 1);
    let group = report["evaluation"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group_id"] == "billing")
        .expect("billing judged");
    assert_eq!(group["total_lag"], 7);
    let once = broker
        .kctl(&["tui", "--once", "-o", "json"])
        .run()
        .success();
    assert_eq!(once.json()["status"], "OK");
    // Two snapshots make a window: a lagging group whose commit does not
    // move is stalled, which one snapshot could not tell.
    let window = broker
        .kctl(&["health", "--samples", "2", "--interval", "200ms"])
        .run()
        .code(2);
    assert_run_snapshot!("health_window_stalled", window);

    let deleted_offsets = broker
        .kctl(&[
            "group",
            "delete-offsets",
            "billing",
            "--topic",
            "orders:1",
            "--yes",
        ])
        .run()
        .success();
    assert_run_snapshot!("group_delete_offsets", deleted_offsets);
    let left = broker
        .kctl(&["group", "describe", "billing", "-o", "json"])
        .run()
        .success();
    assert_eq!(left.json()[0]["offsets"].as_array().unwrap().len(), 1);

    broker.kctl(&["group", "delete", "billing"]).run().code(2);
    let typo = broker
        .kctl(&["group", "delete", "billing", "bil085", "--yes"])
        .run()
        .code(3);
    assert!(
        typo.stderr.contains("nothing was deleted"),
        "{}",
        typo.stderr
    );
    let deleted = broker
        .kctl(&["group", "delete", "billing", "--yes"])
        .run()
        .success();
    assert_run_snapshot!("group_delete", deleted);
    broker.kctl(&["group", "describe", "billing"]).run().code(3);
}

#[test]
fn health_is_unknown_without_a_cluster() {
    let run = crate::support::Kctl::new()
        .args(&["-b", "127.0.0.1:1", "--timeout", "1s", "health"])
        .run()
        .code(3);
    assert!(run.stderr.contains("UNKNOWN"), "{}", run.stderr);
}

#[test]
fn health_watch_exit_when_healthy_returns_once_a_stopped_broker_restarts() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let broker = Broker::start_with(|c| c.listen = listen);
    broker.kctl(&["health"]).run().success();
    drop(broker);

    let mut watcher = crate::support::Kctl::new();
    watcher.args(&[
        "-b",
        &listen.to_string(),
        "--timeout",
        "2s",
        "health",
        "--watch",
        "--exit-when-healthy",
        "--interval",
        "300ms",
    ]);
    let watching = std::thread::spawn(move || watcher.run());
    // Long enough for at least one round to find the cluster down.
    std::thread::sleep(Duration::from_secs(5));
    assert!(
        !watching.is_finished(),
        "it must wait while the broker is down"
    );
    let restarted = std::time::Instant::now();
    let _broker = Broker::start_with(|c| c.listen = listen);
    let run = watching.join().unwrap().success();
    assert!(
        restarted.elapsed() < Duration::from_secs(15),
        "returned {:?} after the restart",
        restarted.elapsed()
    );
    assert!(
        run.stderr.contains("UNKNOWN: no snapshot"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.starts_with("STATUS"), "{}", run.stdout);
    assert!(run.stdout.contains("OK"), "{}", run.stdout);
}

struct KcatMember(Child);

impl Drop for KcatMember {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_live_group_shows_members_and_no_commit_and_refuses_a_reset() {
    let Some(kcat) = kcat() else { return };
    let broker = Broker::start();
    orders(&broker);
    let _member = KcatMember(
        Command::new(kcat)
            .args(["-b", &broker.bootstrap, "-G", "live", "orders", "-q"])
            .args(["-X", "client.id=kcat-live", "-X", "session.timeout.ms=6000"])
            .args([
                "-X",
                "auto.offset.reset=earliest",
                "-X",
                "auto.commit.interval.ms=200",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    let json = loop {
        let run = broker
            .kctl(&["group", "describe", "live", "-o", "json"])
            .run();
        if run.code == 0 {
            let json = run.json();
            let offsets = &json[0]["offsets"];
            if json[0]["state"] == "Stable" && offsets[0]["lag"] == 0 && offsets[1]["lag"] == 0 {
                break json;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(40),
            "kcat never joined and caught up"
        );
        std::thread::sleep(Duration::from_millis(300));
    };
    let member = &json[0]["members"][0];
    assert_eq!(member["client_id"], "kcat-live");
    assert_eq!(member["assignment"].as_array().unwrap().len(), 3);
    // Partition 2 is empty: nothing consumed, nothing committed.
    assert!(json[0]["offsets"][2]["committed_offset"].is_null());
    assert!(json[0]["offsets"][2]["lag"].is_null());
    let table = broker.kctl(&["group", "describe", "live"]).run().success();
    let row = table
        .stdout
        .lines()
        .find(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            cells.len() > 2 && cells[0] == "live" && cells[1] == "orders" && cells[2] == "2"
        })
        .expect("partition 2 row");
    assert!(row.contains("no commit"), "{row}");
    assert!(
        table.stdout.contains("orders-0,orders-1,orders-2"),
        "{}",
        table.stdout
    );

    let refused = broker
        .kctl(&[
            "group",
            "reset-offsets",
            "live",
            "--all-topics",
            "--to-earliest",
            "--execute",
            "--yes",
        ])
        .run()
        .code(1);
    assert!(
        refused.stderr.contains(
            "can only be reset if the group 'live' is inactive, but the current state is Stable"
        ),
        "{}",
        refused.stderr
    );
}

/// A `kctl consume --group-protocol consumer` member kept running.
struct KctlMember(Child);

impl Drop for KctlMember {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_consumer_protocol_group_is_listed_described_reset_and_deleted() {
    let broker = Broker::start_with(|c| c.group.consumer_session_timeout_ms = 3_000);
    orders(&broker);
    let config_home = tempfile::tempdir().unwrap();
    let member = KctlMember(
        Command::new(env!("CARGO_BIN_EXE_kctl"))
            .env("XDG_CONFIG_HOME", config_home.path())
            .env("NO_COLOR", "1")
            .args(["-b", &broker.bootstrap, "consume", "orders"])
            .args(["--group", "kip", "--group-protocol", "consumer"])
            .args(["-X", "client.rack=rack-a"])
            .arg("--from-beginning")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    let json = loop {
        let run = broker
            .kctl(&["group", "describe", "kip", "-o", "json"])
            .run();
        if run.code == 0 {
            let json = run.json();
            let offsets = &json[0]["offsets"];
            if json[0]["state"] == "Stable" && offsets[0]["lag"] == 0 && offsets[1]["lag"] == 0 {
                break json;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(40),
            "the consumer-protocol member never joined and caught up"
        );
        std::thread::sleep(Duration::from_millis(300));
    };
    assert_eq!(json[0]["group_type"], "consumer");
    assert_eq!(json[0]["protocol"], "uniform");
    assert!(json[0]["group_epoch"].as_i64().unwrap() >= 1);
    let m = &json[0]["members"][0];
    assert_eq!(m["assignment"].as_array().unwrap().len(), 3);
    assert_eq!(m["member_epoch"], json[0]["group_epoch"]);
    assert_eq!(
        m["rack_id"], "rack-a",
        "client.rack reaches the coordinator"
    );
    assert_eq!(json[0]["offsets"][0]["committed_offset"], 10);

    let listed = broker
        .kctl(&["group", "list", "-o", "json"])
        .run()
        .success();
    let listed = listed.json();
    assert_eq!(listed[0]["group"], "kip");
    assert_eq!(listed[0]["group_type"], "consumer");
    assert_eq!(listed[0]["state"], "Stable");
    assert_eq!(listed[0]["protocol_type"], "consumer");
    let table = broker.kctl(&["group", "list"]).run().success();
    assert!(
        table
            .stdout
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == ["kip", "consumer", "Stable", "consumer", "0"]),
        "{}",
        table.stdout
    );

    // Killed, the member is removed when its session expires (3 s here);
    // then the group is Empty and resets and deletes as a classic one.
    drop(member);
    let started = Instant::now();
    loop {
        let run = broker.kctl(&["group", "list", "-o", "json"]).run();
        if run.code == 0 && run.json()[0]["state"] == "Empty" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the killed member's session never expired"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    broker
        .kctl(&[
            "group",
            "reset-offsets",
            "kip",
            "--all-topics",
            "--to-earliest",
            "--execute",
            "--yes",
        ])
        .run()
        .success();
    let reset = broker
        .kctl(&["group", "describe", "kip", "-o", "json"])
        .run()
        .success()
        .json();
    assert_eq!(reset[0]["group_type"], "consumer");
    assert_eq!(reset[0]["offsets"][0]["committed_offset"], 0);
    assert_eq!(reset[0]["offsets"][0]["lag"], 10);
    let deleted = broker.kctl(&["group", "delete", "kip", "--yes"]).run();
    assert_eq!(deleted.code, 0, "{}", deleted.stderr);
    broker.kctl(&["group", "describe", "kip"]).run().code(3);
}
