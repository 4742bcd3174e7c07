//! Fixtures: broker-lite on a free port in a thread of its own, the real
//! `kctl` binary run against it with a private config directory, insta
//! filters for what changes between runs, and the kcat peer.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use broker_lite::config::BrokerConfig;
use tempfile::TempDir;

/// No kctl run in these tests may take longer; a hang fails the test.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// broker-lite on 127.0.0.1:0, in its own runtime so tests can block on
/// child processes freely. Stopped (cleanly) on drop.
pub struct Broker {
    pub bootstrap: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    _dir: TempDir,
}

impl Broker {
    pub fn start() -> Self {
        Self::start_with(|_| {})
    }

    pub fn start_with(configure: impl FnOnce(&mut BrokerConfig)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = BrokerConfig::default();
        config.listen = "127.0.0.1:0".parse().unwrap();
        config.data_dir = dir.path().to_owned();
        config.auto_create_topics = false;
        configure(&mut config);
        let (ready_tx, ready_rx) = mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let handle = broker_lite::start(config).await.unwrap();
                ready_tx.send(handle.bootstrap()).unwrap();
                let _ = stop_rx.await;
                handle.shutdown().await.unwrap();
            });
        });
        let bootstrap = ready_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("broker-lite did not start");
        Self {
            bootstrap,
            stop: Some(stop_tx),
            thread: Some(thread),
            _dir: dir,
        }
    }

    /// `kctl -b <this broker> ARGS...`
    pub fn kctl(&self, args: &[&str]) -> Kctl {
        let mut kctl = Kctl::new();
        kctl.args(&["-b", &self.bootstrap]).args(args);
        kctl
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One kctl invocation with private, empty config and cache directories
/// and no KCTL_* variables from the environment.
pub struct Kctl {
    command: Command,
    stdin: Vec<u8>,
    pub config_home: TempDir,
}

#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub stdout_bytes: Vec<u8>,
    pub elapsed: Duration,
}

impl Run {
    /// The uv-style snapshot text: exit code, stdout, stderr.
    pub fn snapshot(&self) -> String {
        format!(
            "exit_code: {}\n----- stdout -----\n{}----- stderr -----\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }

    #[track_caller]
    pub fn success(self) -> Self {
        assert_eq!(self.code, 0, "kctl failed:\n{}", self.snapshot());
        self
    }

    #[track_caller]
    pub fn code(self, code: i32) -> Self {
        assert_eq!(
            self.code,
            code,
            "unexpected exit code:\n{}",
            self.snapshot()
        );
        self
    }
}

impl Kctl {
    pub fn new() -> Self {
        let config_home = tempfile::tempdir().unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_kctl"));
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("KCTL_") {
                command.env_remove(&key);
            }
        }
        command
            .env("XDG_CONFIG_HOME", config_home.path())
            .env("XDG_CACHE_HOME", config_home.path().join("cache"))
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "error")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        Self {
            command,
            stdin: Vec::new(),
            config_home,
        }
    }

    pub fn args(&mut self, args: &[&str]) -> &mut Self {
        self.command.args(args);
        self
    }

    pub fn env(&mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> &mut Self {
        self.command.env(key, value);
        self
    }

    pub fn stdin(&mut self, bytes: impl Into<Vec<u8>>) -> &mut Self {
        self.stdin = bytes.into();
        self
    }

    pub fn config_dir(&self) -> PathBuf {
        self.config_home.path().join("kctl")
    }

    pub fn stdout_to(&mut self, out: impl Into<Stdio>) -> &mut Self {
        self.command.stdout(out);
        self
    }

    pub fn run(&mut self) -> Run {
        let started = Instant::now();
        let mut child = self.command.spawn().expect("kctl runs");
        let stdin = std::mem::take(&mut self.stdin);
        let mut pipe = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            // kctl may stop reading early (a bad line); that is its business.
            let _ = pipe.write_all(&stdin);
        });
        let stdout = child.stdout.take().map(|mut out| {
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                out.read_to_end(&mut buf).unwrap();
                buf
            })
        });
        let mut err = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut buf = Vec::new();
            err.read_to_end(&mut buf).unwrap();
            buf
        });
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > RUN_TIMEOUT {
                let _ = child.kill();
                panic!("kctl did not finish within {RUN_TIMEOUT:?}");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        writer.join().unwrap();
        let stdout_bytes = stdout.map(|t| t.join().unwrap()).unwrap_or_default();
        let stderr = String::from_utf8_lossy(&stderr.join().unwrap()).into_owned();
        Run {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout_bytes).into_owned(),
            stdout_bytes,
            stderr,
            elapsed: started.elapsed(),
        }
    }
}

/// Regex → replacement pairs for what differs between runs.
pub fn filters() -> Vec<(&'static str, &'static str)> {
    vec![
        // Topic and cluster ids: 22 characters of URL-safe base64.
        (r"[A-Za-z0-9_-]{21}[AQgw]\b", "[ID]"),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
        // The port column of `cluster describe`.
        (r"127\.0\.0\.1(\s+)\d{2,5}\b", "127.0.0.1$1[PORT]"),
        (r"\b\d{13}\b", "[TIMESTAMP_MS]"),
        (r"in \d+\.\d+ s", "in [ELAPSED] s"),
        (r#""elapsed_ms": \d+"#, r#""elapsed_ms": "[ELAPSED]""#),
    ]
}

/// Snapshots `run` with the volatile fields filtered.
#[macro_export]
macro_rules! assert_run_snapshot {
    ($name:expr, $run:expr) => {
        insta::with_settings!({
            filters => $crate::support::filters(),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!($name, $run.snapshot());
        })
    };
}

/// kcat, as a test peer (`KCTL_KCAT` overrides where it is).
pub fn kcat() -> Option<PathBuf> {
    let path =
        std::env::var_os("KCTL_KCAT").map_or_else(|| PathBuf::from("/usr/bin/kcat"), PathBuf::from);
    peer("kcat", path)
}

/// A test peer at `path`, or `None` to skip. Under CI=true a missing peer
/// fails the test: CI must never pass by skipping.
pub fn peer(name: &str, path: PathBuf) -> Option<PathBuf> {
    if path.exists() {
        return Some(path);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "test peer {name} not available at {} (CI=true: run .ci/setup)",
            path.display()
        );
    }
    eprintln!(
        "SKIPPED: test peer {name} not available at {}; run .ci/setup to install it",
        path.display()
    );
    None
}

/// Runs kcat with `args`, failing the test if it fails.
pub fn run_kcat(kcat: &Path, args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let mut child = Command::new(kcat)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "kcat {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// The Python of `.ci/setup`'s venv, as a test peer (`KCTL_PYTHON`
/// overrides where it is).
pub fn python() -> Option<PathBuf> {
    let default = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    let path = std::env::var_os("KCTL_PYTHON").map_or(default, PathBuf::from);
    peer("python", path)
}
