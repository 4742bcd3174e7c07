//! docs/compatibility.md names a test in each cell it calls a pass; these
//! keep the page honest as tests are renamed or added.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `fn NAME` in the Rust test sources of the workspace.
fn test_functions() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut dirs: Vec<PathBuf> = ["cli/tests", "client/tests", "broker-lite/tests"]
        .iter()
        .map(|d| repo().join(d))
        .collect();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for rest in text.split("fn ").skip(1) {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    names.insert(name);
                }
            }
        }
    }
    names
}

/// The backticked snake_case names in the page's table rows.
fn cited(page: &str) -> BTreeSet<String> {
    page.lines()
        .filter(|l| l.starts_with('|'))
        .flat_map(|l| l.split('`').skip(1).step_by(2))
        .filter(|s| {
            s.contains('_')
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_test_the_compatibility_page_cites_exists() {
    let page = std::fs::read_to_string(repo().join("docs/compatibility.md")).unwrap();
    let tests = test_functions();
    let cited = cited(&page);
    assert!(cited.len() > 20, "{cited:?}");
    let missing: Vec<&String> = cited.iter().filter(|n| !tests.contains(*n)).collect();
    assert!(
        missing.is_empty(),
        "docs/compatibility.md cites tests that do not exist: {missing:?}"
    );
}

#[test]
fn the_compatibility_page_cites_every_real_kafka_and_kafka_tools_test() {
    let page = std::fs::read_to_string(repo().join("docs/compatibility.md")).unwrap();
    let cited = cited(&page);
    for file in [
        "cli/tests/it/apache_kafka.rs",
        "cli/tests/it/apache_kafka_failover.rs",
        "cli/tests/it/apache_kafka/partitioners.rs",
        "cli/tests/it/apache_kafka/share_groups.rs",
        "cli/tests/it/apache_kafka/versions.rs",
        "cli/tests/it/apache_kafka_txn.rs",
        "broker-lite/tests/it/kafka_tools.rs",
        "broker-lite/tests/it/franz_go.rs",
    ] {
        let text = std::fs::read_to_string(repo().join(file)).unwrap();
        // A test is a `fn` right after a #[test] or #[tokio::test] attribute.
        for block in text
            .split("#[")
            .skip(1)
            .filter(|b| b.starts_with("test]") || b.starts_with("tokio::test"))
        {
            let name: String = block
                .split("fn ")
                .nth(1)
                .unwrap()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            assert!(
                cited.contains(&name),
                "{file}: {name} is missing from docs/compatibility.md"
            );
        }
    }
}
