//! Every program in `client/examples/` runs to completion against
//! broker-lite, so none can go stale. The examples are built with cargo
//! (the integration test does not build them) and run as the README says,
//! with a small record count for the perf ones.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::support::TestBroker;

/// `target/<profile>/examples`, next to this test binary's `deps/`.
fn examples_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps")
        .join("examples")
}

fn build_examples() {
    let status = Command::new(env!("CARGO"))
        .args(["build", "-p", "kctl-client", "--examples"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("run cargo build --examples");
    assert!(status.success(), "cargo build --examples failed");
}

/// Runs one example; it must exit 0 within the time limit. Returns stdout.
async fn run(name: &str, args: &[&str]) -> String {
    run_with_env(name, args, &[]).await
}

/// [`run`] with extra environment variables.
async fn run_with_env(name: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let path = examples_dir().join(name);
    let mut command = tokio::process::Command::new(&path);
    command
        .args(args)
        .envs(env.iter().copied())
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(120), command.output())
        .await
        .unwrap_or_else(|_| panic!("example {name} did not finish in 120 s"))
        .unwrap_or_else(|e| panic!("run {}: {e}", path.display()));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "example {name} {args:?} failed ({}):\nstdout:\n{stdout}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_example_runs_against_broker_lite() {
    tokio::task::spawn_blocking(build_examples)
        .await
        .expect("build examples");
    let broker = TestBroker::start().await;
    let bootstrap = broker.bootstrap();
    let b = bootstrap.as_str();

    let admin = run("admin", &[b, "it"]).await;
    assert!(
        admin.contains("created it-orders with Some(2) partitions"),
        "{admin}"
    );
    assert!(
        admin.contains("it-orders-0 now starts at offset 5"),
        "{admin}"
    );
    assert!(
        admin.contains("deleted it-billing and it-orders"),
        "{admin}"
    );

    let produce = run("produce", &[b, "examples"]).await;
    assert!(
        produce.contains("1000 of 1000 callbacks reported success"),
        "{produce}"
    );
    assert!(
        produce.contains("synchronous: last record stored at examples-"),
        "{produce}"
    );

    let consume = run("consume", &[b, "examples"]).await;
    assert!(
        consume.lines().count() >= 2100,
        "consume printed {} lines",
        consume.lines().count()
    );
    // `consume --stream` follows the topic forever, so it is not run here.

    let at_least_once = run("at_least_once", &[b, "examples", "alo"]).await;
    assert!(
        at_least_once.contains("processed 2100 records"),
        "{at_least_once}"
    );
    let at_most_once = run("at_most_once", &[b, "examples", "amo"]).await;
    assert!(!at_most_once.is_empty());

    // Exactly-once read-process-write over the topic `produce` and `consume`
    // used; `it/transactions.rs` runs it again under SIGKILL restarts.
    let transactions = run_with_env(
        "exactly_once",
        &[b, "examples", "examples-eos", "eos", "eos-pipeline"],
        &[("KCTL_EOS_IDLE_MS", "1500")],
    )
    .await;
    assert!(
        transactions.contains("moved 2100 records"),
        "{transactions}"
    );

    run("perf_produce", &[b, "2000", "100", "perf-examples"]).await;
    run("perf_consume", &["-", "2000", "100"]).await;
}
