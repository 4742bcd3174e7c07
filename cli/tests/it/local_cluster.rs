//! `kctl broker start --nodes 3` (issue 14): the real binary runs a
//! controller and three broker processes; kctl, kcat and `kctl broker node`
//! act on it. A stopped node shows as under-replicated partitions in
//! `topic describe --under-replicated`, in `health` and in kcat -L's ISRs,
//! and the ISR is whole again after it restarts.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Kctl, Run, kcat, run_kcat};

pub(crate) struct LocalCluster {
    child: Child,
    pub(crate) bootstrap: String,
    data_dir: tempfile::TempDir,
}

impl LocalCluster {
    pub(crate) fn start(nodes: usize) -> Self {
        let data_dir = tempfile::tempdir().unwrap();
        let base = free_ports(nodes);
        let mut child = Command::new(env!("CARGO_BIN_EXE_kctl"))
            .args(["broker", "start", "--nodes", &nodes.to_string(), "--listen"])
            .arg(format!("127.0.0.1:{base}"))
            .arg("--data-dir")
            .arg(data_dir.path())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let bootstrap = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|l| l.strip_prefix("BOOTSTRAP=").map(str::to_owned))
            .expect("kctl broker start --nodes printed no BOOTSTRAP line");
        std::thread::spawn(move || lines.for_each(drop));
        Self {
            child,
            bootstrap,
            data_dir,
        }
    }

    pub(crate) fn kctl(&self, args: &[&str]) -> Run {
        self.kctl_with_stdin(args, "")
    }

    pub(crate) fn kctl_with_stdin(&self, args: &[&str], stdin: &str) -> Run {
        let mut kctl = Kctl::new();
        kctl.args(&["-b", &self.bootstrap]).args(args).stdin(stdin);
        kctl.run()
    }

    pub(crate) fn node(&self, verb: &str, id: &str) -> Run {
        let dir = self.data_dir.path().display().to_string();
        Kctl::new()
            .args(&["broker", "node", verb, id, "--data-dir", &dir])
            .run()
    }

    /// Reruns `check` on `kctl ARGS` until it holds or `timeout` passes.
    fn eventually(&self, args: &[&str], timeout: Duration, check: impl Fn(&Run) -> bool) -> Run {
        let deadline = Instant::now() + timeout;
        loop {
            let run = self.kctl(args);
            if check(&run) {
                return run;
            }
            assert!(
                Instant::now() < deadline,
                "kctl {args:?} never matched:\n{}",
                run.snapshot()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        // Ctrl-C: every node shuts down cleanly, then the controller.
        let _ = Command::new("kill")
            .args(["-s", "INT", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
    }
}

/// The first of `n` consecutive free loopback ports.
fn free_ports(n: usize) -> u16 {
    for _ in 0..50 {
        let first = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if first as usize + n >= 65_000 {
            continue;
        }
        let held: Vec<_> = (0..n as u16)
            .map_while(|i| TcpListener::bind(("127.0.0.1", first + i)).ok())
            .collect();
        if held.len() == n {
            return first;
        }
    }
    panic!("no {n} consecutive free ports");
}

#[test]
fn three_nodes_with_a_node_down_and_back() {
    let cluster = LocalCluster::start(3);
    assert_eq!(cluster.bootstrap.split(',').count(), 3);
    cluster
        .kctl(&["topic", "create", "orders", "-p", "3", "-r", "3"])
        .success();
    // `topic create` returns once every broker shows the leaders, so a
    // describe on any single node right after it finds the topic.
    for node in cluster.bootstrap.split(',') {
        let described = Kctl::new()
            .args(&["-b", node, "topic", "describe", "orders", "-o", "json"])
            .run()
            .success();
        assert_eq!(
            described.stdout.matches("\"partition\"").count(),
            3,
            "{node}: {}",
            described.snapshot()
        );
    }
    let refused = cluster.kctl(&["topic", "create", "too-wide", "-r", "4"]);
    assert_ne!(refused.code, 0);
    assert!(
        refused.stdout.contains("replication factor")
            || refused.stderr.contains("replication factor"),
        "{}",
        refused.snapshot()
    );
    cluster
        .kctl_with_stdin(&["produce", "orders"], "a\nb\nc\n")
        .success();
    let healthy = cluster
        .kctl(&["topic", "describe", "orders", "--under-replicated"])
        .success();
    assert!(
        !healthy.stdout.contains("orders  0"),
        "{}",
        healthy.snapshot()
    );
    if let Some(kcat) = kcat() {
        let listing = String::from_utf8(run_kcat(
            &kcat,
            &["-L", "-b", &cluster.bootstrap, "-t", "orders"],
            b"",
        ))
        .unwrap();
        assert!(listing.contains(" 3 brokers:"), "{listing}");
        assert_eq!(listing.matches("isrs: ").count(), 3, "{listing}");
    }

    assert_eq!(cluster.node("stop", "2").code, 0);
    let degraded = cluster.eventually(
        &[
            "topic",
            "describe",
            "orders",
            "--under-replicated",
            "-o",
            "json",
        ],
        Duration::from_secs(5),
        |run| run.code == 0 && run.stdout.matches("\"partition\"").count() == 3,
    );
    // Every listed partition's ISR lacks the stopped node.
    let text = degraded.stdout.replace(char::is_whitespace, "");
    let isrs: Vec<&str> = text
        .split("\"isr\":[")
        .skip(1)
        .map(|rest| rest.split(']').next().unwrap())
        .collect();
    assert_eq!(isrs.len(), 3, "{}", degraded.stdout);
    assert!(
        isrs.iter()
            .all(|isr| isr.split(',').all(|b| b != "2") && isr.split(',').count() == 2),
        "{isrs:?}"
    );
    let health = cluster.kctl(&["health"]);
    assert_ne!(health.code, 0, "{}", health.snapshot());
    assert!(
        health.stdout.contains("under-replicated"),
        "{}",
        health.snapshot()
    );
    if let Some(kcat) = kcat() {
        let listing = String::from_utf8(run_kcat(
            &kcat,
            &["-L", "-b", &cluster.bootstrap, "-t", "orders"],
            b"",
        ))
        .unwrap();
        assert!(listing.contains(" 2 brokers:"), "{listing}");
        // Still readable and writable with a node down.
        run_kcat(
            &kcat,
            &[
                "-P",
                "-b",
                &cluster.bootstrap,
                "-t",
                "orders",
                "-X",
                "acks=all",
            ],
            b"d\ne\n",
        );
        let read = run_kcat(
            &kcat,
            &["-C", "-b", &cluster.bootstrap, "-t", "orders", "-e", "-q"],
            b"",
        );
        assert_eq!(
            read.split(|b| *b == b'\n')
                .filter(|l| !l.is_empty())
                .count(),
            5
        );
    }

    assert_eq!(cluster.node("start", "2").code, 0);
    cluster.eventually(
        &[
            "topic",
            "describe",
            "orders",
            "--under-replicated",
            "-o",
            "json",
        ],
        Duration::from_secs(8),
        |run| run.code == 0 && !run.stdout.contains("\"partition\""),
    );
    cluster.kctl(&["health"]).success();
    let unknown = cluster.node("kill", "9");
    assert_eq!(unknown.code, 3, "{}", unknown.snapshot());
}
