//! Bad input of every kind: each ends with its documented exit code and a
//! message that says what failed and what to try.

use std::time::Duration;

use crate::assert_run_snapshot;
use crate::support::{Broker, Kctl};

#[test]
fn unknown_topics_exit_3() {
    let broker = Broker::start();
    let describe = broker.kctl(&["topic", "describe", "nope"]).run().code(3);
    assert_run_snapshot!("error_unknown_topic", describe);
    let produce = broker.kctl(&["produce", "nope"]).stdin("x\n").run().code(3);
    assert!(
        produce.stderr.contains("kctl topic create nope"),
        "{}",
        produce.stderr
    );
    broker.kctl(&["offsets", "nope"]).run().code(3);
}

#[test]
fn bad_consume_offsets_and_formats_exit_2_with_the_reason() {
    let broker = Broker::start();
    broker.kctl(&["topic", "create", "t"]).run().success();
    let offset = broker
        .kctl(&["consume", "t", "--offset", "middle"])
        .run()
        .code(2);
    assert_run_snapshot!("error_consume_bad_offset", offset);
    let zoneless = broker
        .kctl(&["consume", "t", "--offset", "@2024-05-01T12:00:00"])
        .run()
        .code(2);
    assert!(
        zoneless.stderr.contains("no time zone"),
        "{}",
        zoneless.stderr
    );
    let token = broker
        .kctl(&["consume", "t", "--format", "%k %x"])
        .run()
        .code(2);
    assert_run_snapshot!("error_consume_bad_format", token);
    let both = broker
        .kctl(&["consume", "t", "-o", "json", "--format", "%s"])
        .run()
        .code(2);
    assert!(both.stderr.contains("-o json"), "{}", both.stderr);
    let group_offset = broker
        .kctl(&["consume", "t", "--group", "g", "--offset", "5"])
        .run()
        .code(2);
    assert!(
        group_offset.stderr.contains("reset-offsets"),
        "{}",
        group_offset.stderr
    );
    broker.kctl(&["consume", "nope", "-e"]).run().code(3);
    broker
        .kctl(&["consume", "t", "-p", "7", "-e"])
        .run()
        .code(3);
}

#[test]
fn bad_flags_and_combinations_exit_2() {
    let broker = Broker::start();
    let malformed = broker
        .kctl(&["topic", "create", "t", "--config", "retention.ms"])
        .run()
        .code(2);
    assert_run_snapshot!("error_malformed_config", malformed);
    let both = broker
        .kctl(&["produce", "t", "--input", "json", "-K", ":"])
        .run()
        .code(2);
    assert!(both.stderr.contains("--input json"), "{}", both.stderr);
    let conflicting = broker
        .kctl(&[
            "produce",
            "t",
            "--partition",
            "0",
            "--partitioner",
            "random",
        ])
        .run()
        .code(2);
    assert!(
        conflicting.stderr.contains("cannot be used with"),
        "{}",
        conflicting.stderr
    );
    let property = broker
        .kctl(&["produce", "t", "--property", "parse.headers=true"])
        .run()
        .code(2);
    assert!(
        property
            .stderr
            .contains("unknown --property 'parse.headers'"),
        "{}",
        property.stderr
    );
    let nothing = broker.kctl(&["topic", "alter", "t"]).run().code(2);
    assert!(
        nothing.stderr.contains("nothing to change"),
        "{}",
        nothing.stderr
    );
    let filters = broker
        .kctl(&["topic", "describe", "--under-replicated", "--at-min-isr"])
        .run()
        .code(2);
    assert!(
        filters.stderr.contains("cannot be used with"),
        "{}",
        filters.stderr
    );
    let server = Kctl::new()
        .args(&["-b", "localhost", "topic", "list"])
        .run()
        .code(2);
    assert!(server.stderr.contains("not host:port"), "{}", server.stderr);
    let regex = broker.kctl(&["topic", "list", "("]).run().code(2);
    assert!(regex.stderr.contains("invalid PATTERN"), "{}", regex.stderr);
    let default = broker
        .kctl(&[
            "config",
            "get",
            "--entity-type",
            "topic",
            "--entity-default",
        ])
        .run()
        .code(2);
    assert!(
        default.stderr.contains("topics have no --entity-default"),
        "{}",
        default.stderr
    );
}

#[test]
fn an_unreachable_broker_times_out_with_exit_5() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let run = Kctl::new()
        .args(&[
            "-b",
            &format!("127.0.0.1:{port}"),
            "--timeout",
            "1s",
            "topic",
            "list",
        ])
        .run()
        .code(5);
    assert!(
        run.elapsed < Duration::from_secs(10),
        "took {:?}",
        run.elapsed
    );
    assert_run_snapshot!("error_unreachable", run);
}

/// A port that was just free: nothing listens there, so connecting is
/// refused.
fn refused_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn refused_and_unresolvable_bootstrap_servers_fail_fast_naming_each() {
    let port = refused_port();
    // The default --timeout is 30 s; kctl must not wait for it.
    let run = Kctl::new()
        .args(&["-b", &format!("127.0.0.1:{port}"), "topic", "list"])
        .run()
        .code(5);
    assert!(
        run.elapsed < Duration::from_secs(6),
        "took {:?}",
        run.elapsed
    );
    assert_run_snapshot!("error_refused_fails_fast", run);

    let both = format!("127.0.0.1:{port},no-such-host.invalid:9092");
    let run = Kctl::new()
        .args(&["-b", &both, "--timeout", "60s", "topic", "list"])
        .run()
        .code(5);
    assert!(
        run.elapsed < Duration::from_secs(6),
        "took {:?}",
        run.elapsed
    );
    assert!(
        run.stderr
            .contains(&format!("\n  127.0.0.1:{port}: Connection refused"))
            && run.stderr.contains("\n  no-such-host.invalid:9092: "),
        "each address with its error:\n{}",
        run.stderr
    );
}

#[test]
fn a_listener_that_never_answers_waits_for_the_timeout() {
    // Bound and listening, never accepted: the kernel completes the
    // handshake, then nothing answers ApiVersions.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap().to_string();
    let run = Kctl::new()
        .args(&["-b", &addr, "--timeout", "7s", "topic", "list"])
        .run()
        .code(5);
    assert!(
        run.elapsed >= Duration::from_secs(7) && run.elapsed < Duration::from_secs(15),
        "took {:?}",
        run.elapsed
    );
    assert!(run.stderr.contains("timed out after 7 s"), "{}", run.stderr);
    drop(silent);
}

#[test]
fn a_bad_json_line_stops_produce_with_exit_1() {
    let broker = Broker::start();
    broker.kctl(&["topic", "create", "t"]).run().success();
    let run = broker
        .kctl(&["produce", "t", "--input", "json"])
        .stdin("{\"value\":\"ok\"}\n{\"value\": oops}\n{\"value\":\"never\"}\n")
        .run()
        .code(1);
    assert_run_snapshot!("error_bad_json_line", run);
    let offsets = broker
        .kctl(&["offsets", "t", "-o", "json"])
        .run()
        .success()
        .json();
    assert_eq!(
        offsets[0]["latest"], 1,
        "the line before the bad one was delivered, none after"
    );
    let no_separator = broker
        .kctl(&["produce", "t", "-K", ":"])
        .stdin("a:b\nno separator\n")
        .run()
        .code(1);
    assert!(
        no_separator
            .stderr
            .contains("stdin line 2: no key separator"),
        "{}",
        no_separator.stderr
    );
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let broker = Broker::start();
    for i in 0..3 {
        broker
            .kctl(&["topic", "create", &format!("t{i}")])
            .run()
            .success();
    }
    // As `kctl topic list | head -0`: the reader is gone before kctl writes.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let run = broker
        .kctl(&["topic", "list"])
        .stdout_to(writer)
        .run()
        .code(0);
    assert_eq!(run.stderr, "", "no error message for a broken pipe");
}
