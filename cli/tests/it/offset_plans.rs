//! `group reset-offsets` beyond Kafka's targets: `--to-group` copies another
//! group's commits, `--from-file` applies the plan a dry run printed with
//! `-o json`, and `--undo` restores exactly what the last `--execute`
//! replaced (from kctl's cache directory).

use std::collections::BTreeMap;
use std::path::Path;

use crate::assert_run_snapshot;
use crate::support::{Broker, Kctl};

/// kctl with a cache directory shared between runs (each `Kctl` has its own
/// by default).
fn kctl(broker: &Broker, cache: &Path, args: &[&str]) -> Kctl {
    let mut kctl = broker.kctl(args);
    kctl.env("XDG_CACHE_HOME", cache);
    kctl
}

/// The group's committed offsets by (topic, partition).
fn commits(broker: &Broker, group: &str) -> BTreeMap<(String, i64), Option<i64>> {
    let described = broker
        .kctl(&["group", "describe", group, "-o", "json"])
        .run()
        .success()
        .json();
    described[0]["offsets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                (
                    o["topic"].as_str().unwrap().to_owned(),
                    o["partition"].as_i64().unwrap(),
                ),
                o["committed_offset"].as_i64(),
            )
        })
        .collect()
}

fn commit(broker: &Broker, cache: &Path, group: &str, target: &[&str]) {
    let mut args = vec!["group", "reset-offsets", group, "--execute", "--yes"];
    args.extend(target);
    kctl(broker, cache, &args).run().success();
}

fn expected(entries: &[(&str, i64, Option<i64>)]) -> BTreeMap<(String, i64), Option<i64>> {
    entries
        .iter()
        .map(|(t, p, o)| ((t.to_string(), *p), *o))
        .collect()
}

#[test]
fn to_group_from_file_and_undo_end_to_end() {
    let broker = Broker::start();
    let cache = tempfile::tempdir().unwrap();
    let cache = cache.path();
    broker
        .kctl(&["topic", "create", "orders", "-p", "3"])
        .run()
        .success();
    for p in 0..3 {
        let lines: String = (0..20).map(|i| format!("r{i}\n")).collect();
        broker
            .kctl(&["produce", "orders", "-p", &p.to_string()])
            .stdin(lines)
            .run()
            .success();
    }
    commit(
        &broker,
        cache,
        "source",
        &["--topic", "orders:0", "--to-offset", "5"],
    );
    commit(
        &broker,
        cache,
        "source",
        &["--topic", "orders:1", "--to-offset", "12"],
    );
    commit(
        &broker,
        cache,
        "copy",
        &["--topic", "orders:0,1,2", "--to-offset", "2"],
    );

    // Undo with nothing saved for a group: a clear error, exit 3.
    let nothing = kctl(
        &broker,
        cache,
        &["group", "reset-offsets", "never", "--undo"],
    )
    .run()
    .code(3);
    assert_run_snapshot!("reset_undo_nothing_saved", nothing);

    // --to-group: the dry run shows source's commits, changes nothing.
    let dry = kctl(
        &broker,
        cache,
        &["group", "reset-offsets", "copy", "--to-group", "source"],
    )
    .run()
    .success();
    assert_run_snapshot!("reset_to_group_plan", dry);
    let before = commits(&broker, "copy");
    assert_eq!(
        before,
        expected(&[
            ("orders", 0, Some(2)),
            ("orders", 1, Some(2)),
            ("orders", 2, Some(2))
        ])
    );
    commit(&broker, cache, "copy", &["--to-group", "source"]);
    let copied = commits(&broker, "copy");
    assert_eq!(
        copied,
        expected(&[
            ("orders", 0, Some(5)),
            ("orders", 1, Some(12)),
            ("orders", 2, Some(2))
        ])
    );

    // --undo restores exactly the commits before the last --execute.
    let undo_plan = kctl(
        &broker,
        cache,
        &["group", "reset-offsets", "copy", "--undo"],
    )
    .run()
    .success();
    assert_run_snapshot!("reset_undo_plan", undo_plan);
    assert_eq!(
        commits(&broker, "copy"),
        copied,
        "an undo dry run changes nothing"
    );
    commit(&broker, cache, "copy", &["--undo"]);
    assert_eq!(commits(&broker, "copy"), before);
    // The undo saved what it replaced: undoing again redoes.
    commit(&broker, cache, "copy", &["--undo"]);
    assert_eq!(commits(&broker, "copy"), copied);

    // --from-file: the JSON a dry run prints, edited, applied to the group.
    let plan = kctl(
        &broker,
        cache,
        &[
            "group",
            "reset-offsets",
            "copy",
            "--all-topics",
            "--to-latest",
            "-o",
            "json",
        ],
    )
    .run()
    .success();
    let mut rows: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 3);
    rows[1]["new_offset"] = serde_json::json!(7);
    // Past the end: kept within the log, as every reset is.
    rows[2]["new_offset"] = serde_json::json!(1000);
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), serde_json::to_vec(&rows).unwrap()).unwrap();
    let path = file.path().to_str().unwrap();
    commit(&broker, cache, "copy", &["--from-file", path]);
    assert_eq!(
        commits(&broker, "copy"),
        expected(&[
            ("orders", 0, Some(20)),
            ("orders", 1, Some(7)),
            ("orders", 2, Some(20))
        ])
    );
    // And its undo goes back to the copy.
    commit(&broker, cache, "copy", &["--undo"]);
    assert_eq!(commits(&broker, "copy"), copied);

    // A plan for another group is refused.
    let wrong = kctl(
        &broker,
        cache,
        &["group", "reset-offsets", "source", "--from-file", path],
    )
    .run()
    .code(2);
    assert!(
        wrong.stderr.contains("is a plan for group 'copy'"),
        "{}",
        wrong.stderr
    );
}

#[test]
fn undo_deletes_commits_that_did_not_exist_before() {
    let broker = Broker::start();
    let cache = tempfile::tempdir().unwrap();
    let cache = cache.path();
    broker
        .kctl(&["topic", "create", "t", "-p", "2"])
        .run()
        .success();
    broker
        .kctl(&["produce", "t", "-p", "0"])
        .stdin("a\nb\nc\n")
        .run()
        .success();
    commit(&broker, cache, "g", &["--topic", "t:0", "--to-offset", "1"]);
    commit(&broker, cache, "g", &["--topic", "t:0,1", "--to-latest"]);
    assert_eq!(
        commits(&broker, "g"),
        expected(&[("t", 0, Some(3)), ("t", 1, Some(0))])
    );
    commit(&broker, cache, "g", &["--undo"]);
    let restored = commits(&broker, "g");
    assert_eq!(restored.get(&("t".to_owned(), 0)), Some(&Some(1)));
    assert!(
        restored
            .get(&("t".to_owned(), 1))
            .is_none_or(|c| c.is_none()),
        "partition 1 had no commit before: {restored:?}"
    );
}
