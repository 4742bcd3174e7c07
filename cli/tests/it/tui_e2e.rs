//! `kctl tui` end to end in a real terminal: tmux runs it in a detached
//! 120x40 session against broker-lite with a lagging group; keys are sent
//! with `send-keys` and each screen is read back with `capture-pane -p`.
//! The screens are saved under target/tui-e2e/ for inspection.
//!
//! Without tmux the test is skipped with a notice, except under CI=true,
//! where a missing tmux fails it.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::support::Broker;

/// A tmux server of our own (`-L`), so the test never touches the user's.
struct Tmux {
    socket: String,
    artifacts: PathBuf,
}

impl Tmux {
    fn available() -> bool {
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success())
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs")
    }

    fn capture(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-t", "tui"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "tui"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success(), "send-keys {keys:?}");
    }

    fn alive(&self) -> bool {
        self.run(&["has-session", "-t", "tui"]).status.success()
    }

    /// Waits until the screen satisfies `ready`, saves it as `name`, and
    /// returns it; fails with the last screen after 20 s.
    fn screen(&self, name: &str, ready: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let screen = self.capture();
            if ready(&screen) {
                std::fs::write(self.artifacts.join(format!("{name}.txt")), &screen).unwrap();
                return screen;
            }
            if started.elapsed() > Duration::from_secs(20) {
                std::fs::write(self.artifacts.join(format!("{name}.failed.txt")), &screen).unwrap();
                panic!("screen '{name}' never became ready; last screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// The row of the table whose first cell is `name`.
fn row<'a>(screen: &'a str, name: &str) -> Option<&'a str> {
    screen.lines().find(|l| {
        l.trim_start_matches(['│', ' ', '▶', '>'])
            .split_whitespace()
            .next()
            == Some(name)
    })
}

#[test]
fn dashboard_in_tmux() {
    if !Tmux::available() {
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true"),
            "CI=true: tmux is required for the TUI end-to-end test (run .ci/setup)"
        );
        eprintln!("SKIPPED: tmux is not installed; the TUI end-to-end test did not run");
        return;
    }
    let broker = Broker::start();
    broker
        .kctl(&["topic", "create", "orders", "--partitions", "2"])
        .run()
        .success();
    broker
        .kctl(&["topic", "create", "payments", "--partitions", "1"])
        .run()
        .success();
    let lines: String = (0..10).map(|i| format!("r{i}\n")).collect();
    broker
        .kctl(&["produce", "orders", "-p", "0"])
        .stdin(lines)
        .run()
        .success();
    // The group commits 3 of 10: a lag of 7.
    broker
        .kctl(&[
            "group",
            "reset-offsets",
            "billing",
            "--topic",
            "orders:0",
            "--to-offset",
            "3",
            "--execute",
            "--yes",
        ])
        .run()
        .success();

    let artifacts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/tui-e2e");
    std::fs::create_dir_all(&artifacts).unwrap();
    let tmux = Tmux {
        socket: format!("kctl-e2e-{}", std::process::id()),
        artifacts,
    };
    let config_home = tempfile::tempdir().unwrap();
    let command = format!(
        "env XDG_CONFIG_HOME={} NO_COLOR=1 {} -b {} tui --refresh-interval 500ms",
        config_home.path().display(),
        env!("CARGO_BIN_EXE_kctl"),
        broker.bootstrap
    );
    let started = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "tui",
        "-x",
        "120",
        "-y",
        "40",
        &command,
    ]);
    assert!(
        started.status.success(),
        "tmux new-session: {}",
        String::from_utf8_lossy(&started.stderr)
    );

    let overview = tmux.screen("01-overview", |s| s.contains("billing"));
    assert!(overview.contains("1 Overview"), "{overview}");
    assert_eq!(overview.lines().count(), 40, "the pane is 40 rows");

    tmux.keys(&["2"]);
    let groups = tmux.screen("02-groups", |s| s.contains("Consumer groups (1)"));
    let billing = row(&groups, "billing").expect("billing row");
    assert!(billing.contains("Empty"), "{billing}");
    assert!(billing.contains('7'), "lag 7 in {billing}");

    tmux.keys(&["3"]);
    let topics = tmux.screen("03-topics", |s| s.contains("Topics ("));
    assert!(
        row(&topics, "orders").is_some() && row(&topics, "payments").is_some(),
        "{topics}"
    );

    tmux.keys(&["/", "p", "a", "y"]);
    let filtered = tmux.screen("04-topics-filtered", |s| {
        s.contains("/pay") && row(s, "orders").is_none()
    });
    assert!(row(&filtered, "payments").is_some(), "{filtered}");
    tmux.keys(&["Enter"]);
    tmux.keys(&["Enter"]);
    let topic = tmux.screen("05-topic-payments", |s| s.contains("Topic payments"));
    assert!(!topic.contains("Topic orders"), "{topic}");

    tmux.keys(&["Escape"]);
    tmux.keys(&["2"]);
    tmux.screen("06-groups-again", |s| s.contains("Consumer groups (1)"));
    tmux.keys(&["Enter"]);
    let group = tmux.screen("07-group-billing", |s| s.contains("Group billing"));
    assert!(group.contains("orders-0"), "{group}");

    tmux.keys(&["?"]);
    let help = tmux.screen("08-help", |s| s.contains("toggle this help"));
    assert!(help.contains("drill into the selected row"), "{help}");
    assert!(help.contains("quit"), "{help}");
    tmux.keys(&["?"]);
    tmux.screen("09-help-closed", |s| !s.contains("toggle this help"));

    tmux.keys(&["q"]);
    let started = Instant::now();
    while tmux.alive() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "kctl tui did not quit on q; screen:\n{}",
            tmux.capture()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
