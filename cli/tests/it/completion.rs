//! Shell completion of names: the committed bash, fish and zsh scripts, run
//! by a real bash, fish and zsh, complete topic and group names from the
//! cluster; the cache keeps
//! a TAB fast, a cluster that does not answer costs a TAB a bounded time,
//! and kctl's own changes show at the next TAB.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use crate::support::{Broker, Kctl, peer};

/// What `COMPLETE=bash kctl -- WORDS` answers for the last word, the way
/// the bash script asks (`_CLAP_IFS` separates the candidates).
fn complete(cache_home: &Path, env: &[(&str, &str)], words: &[&str]) -> (Vec<String>, Duration) {
    let mut kctl = Kctl::new();
    kctl.env("XDG_CACHE_HOME", cache_home)
        .env("COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", (words.len() - 1).to_string())
        .env("_CLAP_IFS", "\n")
        .args(&["--"])
        .args(words);
    for (key, value) in env {
        kctl.env(key, value);
    }
    let run = kctl.run().success();
    // Flags are offered too when the word is empty; they are not names.
    let typed_flag = words.last().is_some_and(|word| word.starts_with('-'));
    let names = run
        .stdout
        .lines()
        .filter(|line| typed_flag || !line.starts_with('-'))
        .map(str::to_owned)
        .collect();
    (names, run.elapsed)
}

fn create_group(broker: &Broker, group: &str, topic: &str) {
    broker
        .kctl(&["produce", topic])
        .stdin("a\nb\n")
        .run()
        .success();
    let target = format!("{topic}:0");
    broker
        .kctl(&[
            "group",
            "reset-offsets",
            group,
            "--topic",
            &target,
            "--to-offset",
            "1",
            "--execute",
            "--yes",
        ])
        .run()
        .success();
}

#[test]
fn topic_and_group_names_complete_from_the_cluster() {
    let broker = Broker::start();
    for topic in ["orders", "orders-dlq", "payments"] {
        broker.kctl(&["topic", "create", topic]).run().success();
    }
    create_group(&broker, "billing", "payments");
    let cache = tempfile::tempdir().unwrap();
    let bootstrap = broker.bootstrap.as_str();
    let names = |words: &[&str]| complete(cache.path(), &[], words).0;

    assert_eq!(
        names(&["kctl", "-b", bootstrap, "consume", "or"]),
        ["orders", "orders-dlq"]
    );
    assert_eq!(
        names(&[
            "kctl",
            "topic",
            "describe",
            "--bootstrap-server",
            bootstrap,
            ""
        ]),
        ["orders", "orders-dlq", "payments"]
    );
    assert_eq!(
        names(&["kctl", "-b", bootstrap, "consume", "--topic=p"]),
        ["--topic=payments"].map(String::from),
        "a flag's inline value"
    );
    assert_eq!(
        names(&["kctl", "-b", bootstrap, "group", "describe", "b"]),
        ["billing"]
    );
    assert_eq!(
        names(&[
            "kctl", "-b", bootstrap, "consume", "payments", "--group", ""
        ]),
        ["billing"]
    );
    assert_eq!(
        names(&[
            "kctl",
            "-b",
            bootstrap,
            "group",
            "reset-offsets",
            "billing",
            "--topic",
            "pay"
        ]),
        ["payments"]
    );
    // The environment gives the cluster when no flag does, as for commands.
    let (from_env, _) = complete(
        cache.path(),
        &[("KCTL_BOOTSTRAP_SERVER", bootstrap)],
        &["kctl", "offsets", "pay"],
    );
    assert_eq!(from_env, ["payments"]);
    // Commands and flags still complete.
    let (commands, _) = complete(cache.path(), &[], &["kctl", "gr"]);
    assert_eq!(commands, ["group"]);
    let mut kctl = Kctl::new();
    let flags = kctl
        .env("COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", "3")
        .args(&["--", "kctl", "topic", "create", "--par"])
        .run()
        .success();
    assert_eq!(flags.stdout.trim(), "--partitions");
}

/// Runs `program` in `shell` (with `args` before it) the way a user with
/// the committed completion script would: kctl on PATH, and broker-lite
/// holding topics `orders` and `refunds` and group `billing` as the cluster.
/// Returns what the program printed.
fn in_shell(shell: &Path, args: &[&str], script: &str, program: &str) -> String {
    let broker = Broker::start();
    broker.kctl(&["topic", "create", "orders"]).run().success();
    broker.kctl(&["topic", "create", "refunds"]).run().success();
    create_group(&broker, "billing", "refunds");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../completions")
        .join(script);
    let kctl_dir = Path::new(env!("CARGO_BIN_EXE_kctl")).parent().unwrap();
    let path = format!(
        "{}:{}",
        kctl_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(shell)
        .args(args)
        .arg(program)
        .env("SCRIPT", &script)
        .env("PATH", path)
        .env("KCTL_BOOTSTRAP_SERVER", &broker.bootstrap)
        .env("XDG_CACHE_HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .output()
        .unwrap_or_else(|e| panic!("{} runs: {e}", shell.display()));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn the_committed_bash_script_completes_names_in_bash() {
    // What bash sets before calling a completion function, for
    // `kctl consume <TAB>`, `kctl topic de<TAB>` and `kctl group describe b<TAB>`.
    let program = r#"
        source "$SCRIPT"
        ask() {
            COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_TYPE=9
            COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
            _clap_complete_kctl kctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
            echo "${COMPREPLY[*]}"
        }
        ask kctl consume ""
        ask kctl topic de
        ask kctl group describe b
    "#;
    let stdout = in_shell(
        Path::new("bash"),
        &["--norc", "--noprofile", "-c"],
        "kctl.bash",
        program,
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    let topics: Vec<&str> = lines[0]
        .split(' ')
        .filter(|w| !w.starts_with('-'))
        .collect();
    assert_eq!(topics, ["orders", "refunds"], "{stdout}");
    assert_eq!(lines[1], "describe delete", "{stdout}");
    assert_eq!(lines[2], "billing", "{stdout}");
}

#[test]
fn the_committed_fish_script_completes_names_in_fish() {
    let Some(fish) = peer("fish", PathBuf::from("/usr/bin/fish")) else {
        return;
    };
    // `complete -C LINE` prints what fish would offer at the end of LINE.
    let program = r#"
        source $SCRIPT
        complete -C "kctl consume o"
        echo ---
        complete -C "kctl group describe --group b"
    "#;
    let stdout = in_shell(&fish, &["--no-config", "-c"], "kctl.fish", program);
    let (topics, groups) = stdout.split_once("---\n").expect("both answers");
    assert_eq!(topics, "orders\n", "{stdout}");
    assert_eq!(groups, "billing\n", "{stdout}");
}

#[test]
fn the_committed_zsh_script_completes_names_in_zsh() {
    let Some(zsh) = peer("zsh", PathBuf::from("/usr/bin/zsh")) else {
        return;
    };
    // zsh only runs compadd inside a completion widget, which needs a
    // terminal. So this calls the script's completer function directly
    // with the `words` and `CURRENT` zsh would set, and has a stand-in
    // `_describe` print the candidates it would offer.
    let program = r#"
        compdef() { }
        _describe() { local name=${@[-1]}; print -rl -- "${(@P)name}" }
        source $SCRIPT
        ask() { words=("$@"); CURRENT=$#; _clap_dynamic_completer_kctl; print -- --- }
        ask kctl consume o
        ask kctl group describe --group b
        ask kctl topic de
    "#;
    let stdout = in_shell(&zsh, &["-f", "-c"], "_kctl", program);
    let answers: Vec<&str> = stdout.split("---\n").collect();
    assert_eq!(answers.len(), 4, "{stdout}");
    assert_eq!(answers[0], "orders\n", "{stdout}");
    assert_eq!(answers[1], "billing\n", "{stdout}");
    // Commands come with their help, as zsh shows them.
    assert!(
        answers[2].starts_with("describe:Describe topics") && answers[2].contains("\ndelete:"),
        "{stdout}"
    );
}

/// Sets a cached list's age, as if it had been written `age` ago.
fn age_file(path: &Path, age: Duration) {
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - age).unwrap();
}

#[test]
fn a_cluster_that_does_not_answer_costs_a_tab_a_bounded_time() {
    // Accepts connections (the kernel does) and never answers a request.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let bootstrap = format!("127.0.0.1:{port}");
    let cache = tempfile::tempdir().unwrap();
    let dir = cache.path().join("kctl/completion");
    std::fs::create_dir_all(&dir).unwrap();
    let list = dir.join(format!("127.0.0.1_{port}.topics"));
    std::fs::write(&list, "orders\npayments\n").unwrap();
    age_file(&list, Duration::from_secs(3_600));

    // The stale list is refreshed, the cluster does not answer, and the
    // old names are offered after the fetch budget (1.5 s), not after
    // --timeout's 30 s.
    let words = ["kctl", "-b", &bootstrap, "consume", "o"];
    let (names, elapsed) = complete(cache.path(), &[], &words);
    assert_eq!(names, ["orders"]);
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
    assert!(
        dir.join(format!("127.0.0.1_{port}.topics.failed")).exists(),
        "the failure is remembered"
    );
    // Without a list at all there is nothing to offer, and no hang.
    let (groups, elapsed) = complete(
        cache.path(),
        &[],
        &["kctl", "-b", &bootstrap, "group", "describe", ""],
    );
    assert!(groups.is_empty(), "{groups:?}");
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
    drop(silent);
}

#[test]
fn names_kctl_creates_or_deletes_show_at_the_next_tab() {
    let broker = Broker::start();
    let cache = tempfile::tempdir().unwrap();
    let with_cache = |args: &[&str]| {
        let mut kctl = broker.kctl(args);
        kctl.env("XDG_CACHE_HOME", cache.path());
        kctl.run().success()
    };
    with_cache(&["topic", "create", "alpha"]);
    let words = [
        "kctl",
        "-b",
        broker.bootstrap.as_str(),
        "topic",
        "delete",
        "",
    ];
    assert_eq!(complete(cache.path(), &[], &words).0, ["alpha"]);
    // The list is now fresh in the cache; kctl's own create drops it.
    with_cache(&["topic", "create", "beta"]);
    assert_eq!(complete(cache.path(), &[], &words).0, ["alpha", "beta"]);
    with_cache(&["topic", "delete", "alpha", "--yes"]);
    assert_eq!(complete(cache.path(), &[], &words).0, ["beta"]);
}

#[test]
fn context_names_complete_from_the_config_file() {
    let kctl = Kctl::new();
    let home = kctl.config_home.path().to_owned();
    for (name, broker) in [("local", "127.0.0.1:9092"), ("prod", "kafka:9093")] {
        let mut add = Kctl::new();
        add.env("XDG_CONFIG_HOME", &home)
            .args(&["context", "add", name, "--brokers", broker])
            .run()
            .success();
    }
    let home_env = home.to_str().unwrap();
    let (names, _) = complete(
        &home,
        &[("XDG_CONFIG_HOME", home_env)],
        &["kctl", "context", "use", ""],
    );
    assert_eq!(names, ["local", "prod"]);
    let (names, _) = complete(
        &home,
        &[("XDG_CONFIG_HOME", home_env)],
        &["kctl", "--context", "p"],
    );
    assert_eq!(names, ["prod"]);
}
