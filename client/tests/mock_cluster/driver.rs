//! Starts librdkafka's mock cluster through `harness.c` (compiled here with
//! `cc` and pkg-config's flags for rdkafka) and drives it over stdin.
//! Shared by the client's and the dashboard's tests via `#[path]`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// The harness binary, compiled into `out_dir`. `None` after a skip notice
/// when cc or librdkafka-dev is missing; a panic instead under CI=true, so
/// CI never passes by skipping.
pub fn build_harness(out_dir: &Path) -> Option<PathBuf> {
    let source =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../client/tests/mock_cluster/harness.c");
    let flags = std::process::Command::new("pkg-config")
        .args(["--cflags", "--libs", "rdkafka"])
        .output();
    let built = flags
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| {
            let binary = out_dir.join("harness");
            let flags = String::from_utf8(out.stdout).ok()?;
            let status = std::process::Command::new("cc")
                .arg("-o")
                .arg(&binary)
                .arg(&source)
                .args(flags.split_whitespace())
                .status()
                .ok()?;
            status.success().then_some(binary)
        });
    if built.is_none() {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "cannot build the librdkafka mock-cluster harness (needs cc, pkg-config, librdkafka-dev; run .ci/setup)"
        );
        eprintln!("SKIPPED: cannot build the librdkafka mock-cluster harness; run .ci/setup");
    }
    built
}

/// A running 3-broker mock cluster with one topic of replication factor 3.
pub struct Harness {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    pub bootstrap: String,
}

impl Harness {
    pub async fn start(binary: &Path, topic: &str, partitions: i32) -> Self {
        let mut child = Command::new(binary)
            .args([topic, &partitions.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start the mock-cluster harness");
        let stdin = child.stdin.take().expect("piped stdin");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut bootstrap = String::new();
        stdout
            .read_line(&mut bootstrap)
            .await
            .expect("bootstrap line");
        Self {
            child,
            stdin,
            stdout,
            bootstrap: bootstrap.trim().to_owned(),
        }
    }

    /// Sends one command (`leader T P B`, `down B`, `up B`) and checks the
    /// harness answered `ok`.
    pub async fn command(&mut self, line: &str) {
        self.stdin
            .write_all(format!("{line}\n").as_bytes())
            .await
            .expect("write command");
        let mut answer = String::new();
        self.stdout
            .read_line(&mut answer)
            .await
            .expect("read answer");
        assert_eq!(answer.trim(), "ok", "harness command {line:?}");
    }

    pub async fn quit(mut self) {
        let _ = self.stdin.write_all(b"quit\n").await;
        let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
    }
}
