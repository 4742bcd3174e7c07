//! Issue 18's API shape, checked by the compiler: one `TopicPartition` (and
//! one `IsolationLevel`), and `Record` keys and values that take strings
//! and owned buffers. Each program in `compile_fail/` must fail with the
//! one error stated here; its passing twin is a test below.

use std::process::Command;

use serde_json::Value;

/// One error the compiler reported: its code and its rendered text.
#[derive(Debug)]
struct CompilerError {
    code: Option<String>,
    message: String,
    rendered: String,
}

/// Checks the example `name` (built only with the `compile-fail` feature)
/// and returns whether it compiled, with every error reported for it.
fn check_example(name: &str) -> (bool, Vec<CompilerError>) {
    let output = Command::new(env!("CARGO"))
        .args([
            "check",
            "-p",
            "kctl-client-api-shape",
            "--features",
            "compile-fail",
            "--example",
            name,
            "--message-format=json",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo check");
    let mut errors = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-message" || message["target"]["name"] != name {
            continue;
        }
        let diagnostic = &message["message"];
        if diagnostic["level"] != "error" {
            continue;
        }
        let text = diagnostic["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        // The summary line ("aborting due to 1 previous error") is no error
        // of its own.
        if text.starts_with("aborting due to") {
            continue;
        }
        errors.push(CompilerError {
            code: diagnostic["code"]["code"].as_str().map(str::to_owned),
            message: text,
            rendered: diagnostic["rendered"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        });
    }
    assert!(
        output.status.success() || !errors.is_empty(),
        "cargo check of {name} failed without a compiler error:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), errors)
}

/// `name` must fail to compile with exactly one error, of `code`, whose
/// message contains `message` and whose rendered text contains `detail`.
fn assert_fails_with(name: &str, code: &str, message: &str, detail: &str) {
    let (compiled, errors) = check_example(name);
    assert!(!compiled, "{name} compiled, but must not");
    assert_eq!(
        errors.len(),
        1,
        "{name} must fail with one error, not {}:\n{}",
        errors.len(),
        errors
            .iter()
            .map(|e| e.rendered.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    let error = &errors[0];
    assert_eq!(error.code.as_deref(), Some(code), "{}", error.rendered);
    assert!(error.message.contains(message), "{}", error.rendered);
    assert!(error.rendered.contains(detail), "{}", error.rendered);
}

#[test]
fn two_kinds_of_topic_partition_cannot_be_mixed_because_there_is_one() {
    assert_fails_with(
        "two_topic_partitions",
        "E0119",
        "conflicting implementations of trait `Kind`",
        "kctl_client::TopicPartition",
    );
}

#[test]
fn one_impl_serves_every_path_to_topic_partition() {
    trait Kind {}
    impl Kind for kctl_client::admin::TopicPartition {}
    fn kind<K: Kind>(_: &K) {}

    let from_consumer: kctl_client::consumer::TopicPartition =
        kctl_client::TopicPartition::new("t", 0);
    kind(&from_consumer);
    // A partition from a consumer's assignment goes to an admin call as is.
    let for_admin: kctl_client::admin::TopicPartition = from_consumer;
    let root: kctl_client::offsets::TopicPartition = for_admin;
    assert_eq!(root.to_string(), "t-0");
    // One IsolationLevel too: the crate root's is the admin client's.
    let level: kctl_client::admin::IsolationLevel = kctl_client::IsolationLevel::ReadCommitted;
    assert_eq!(level.to_string(), "read_committed");
}

#[test]
fn the_old_admin_topic_partition_with_a_string_topic_is_gone() {
    assert_fails_with("string_topic", "E0308", "mismatched types", "Arc<str>");
}

#[test]
fn the_one_topic_partition_names_its_topic_with_an_arc_str() {
    let tp = kctl_client::admin::TopicPartition {
        topic: std::sync::Arc::from("t"),
        partition: 0,
    };
    assert_eq!(tp, kctl_client::TopicPartition::new("t", 0));
}

#[test]
fn a_record_cannot_outlive_a_borrowed_key() {
    assert_fails_with(
        "record_outlives_key",
        "E0597",
        "`key` does not live long enough",
        "borrowed value does not live long enough",
    );
}

#[test]
fn keys_and_values_take_strings_and_owned_buffers() {
    use kctl_client::Record;

    let t = "events";
    // The line, as it is written there.
    let record = Record::new(t).key("k").value(String::from("v"));
    assert_eq!(record.key.as_deref(), Some(&b"k"[..]));
    assert_eq!(record.value.as_deref(), Some(&b"v"[..]));

    // An owned key moves into the record, which then outlives its scope.
    let owned;
    {
        let key = String::from("k");
        owned = Record::new(t).key(key);
    }
    assert_eq!(owned.key.as_deref(), Some(&b"k"[..]));

    let record = Record::new(t)
        .key(vec![1u8, 2])
        .value(bytes::Bytes::from_static(b"x"))
        .header("content-type", "text/plain");
    assert_eq!(record.key.as_deref(), Some(&[1u8, 2][..]));
}

#[test]
fn a_number_is_not_bytes() {
    assert_fails_with(
        "number_value",
        "E0277",
        "the trait bound `RecordBytes<'_>: From<{integer}>` is not satisfied",
        "value(42)",
    );
}

#[test]
fn an_encoded_number_is() {
    let record = kctl_client::Record::new("t").value(42i32.to_be_bytes().to_vec());
    assert_eq!(record.value.as_deref(), Some(&[0u8, 0, 0, 42][..]));
}
