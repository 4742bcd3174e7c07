//! franz-go (kgo and kadm, the Go client kcl is built on) against
//! broker-lite, through `tests/go/franz-go-check`: admin calls, idempotent
//! produce with every codec, a three-member cooperative group that reads each
//! record once, and transactions seen through read_committed. kcl itself is
//! not in the Go module proxy this project can reach (403), so the check uses
//! the library kcl wraps, at the version go.mod pins.

use std::path::PathBuf;
use std::process::{Command, Output};

use crate::support::{TestBroker, peer};

fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/go/franz-go-check")
}

/// Builds the check with the Go toolchain (`go` on PATH, or /usr/local/go);
/// `None` (skip) when Go is missing outside CI.
fn franz_go_check() -> Option<PathBuf> {
    let go = std::env::var_os("KCTL_GO").map_or_else(
        || {
            ["/usr/local/go/bin/go", "/usr/bin/go"]
                .into_iter()
                .map(PathBuf::from)
                .find(|p| p.exists())
                .unwrap_or_else(|| PathBuf::from("go"))
        },
        PathBuf::from,
    );
    let binary = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("franz-go-check");
    let built = Command::new(&go)
        .args(["build", "-o"])
        .arg(&binary)
        .arg(".")
        .current_dir(project())
        .status()
        .is_ok_and(|s| s.success());
    let missing = project().join("(go build failed or go missing)");
    peer("franz-go check (go)", if built { binary } else { missing })
}

fn run(binary: PathBuf, bootstrap: String) -> Output {
    Command::new("timeout")
        .arg("240")
        .arg(binary)
        .args([&bootstrap, "all"])
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn franz_go_admin_codecs_group_and_transactions() {
    let Some(binary) = tokio::task::spawn_blocking(franz_go_check).await.unwrap() else {
        return;
    };
    let broker =
        TestBroker::start_with(|config| config.group.initial_rebalance_delay_ms = 100).await;
    let bootstrap = broker.bootstrap();
    let output = tokio::task::spawn_blocking(move || run(binary, bootstrap))
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "franz-go check failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    for check in [
        "ok admin create list describe-configs alter-configs create-partitions list-offsets delete-records delete-topics",
        "ok produce codec=none records=2000",
        "ok produce codec=gzip records=2000",
        "ok produce codec=snappy records=2000",
        "ok produce codec=lz4 records=2000",
        "ok produce codec=zstd records=2000",
        "ok group members=3 records=6000 duplicates=0",
        "ok group delete",
        "ok txn abort commit read_committed=50 read_uncommitted=100",
    ] {
        assert!(stdout.contains(check), "{check} missing:\n{stdout}");
    }
}
