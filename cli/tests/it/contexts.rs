//! Contexts in the config file: add/use/list/remove, precedence, secrets,
//! and errors that point at the file, line and key.

use crate::assert_run_snapshot;
use crate::support::{Broker, Kctl};

#[test]
fn contexts_supply_the_bootstrap_servers() {
    let broker = Broker::start();
    let mut kctl = Kctl::new();
    let home = kctl.config_home.path().to_owned();
    let with_home = |args: &[&str]| {
        let mut k = Kctl::new();
        k.env("XDG_CONFIG_HOME", &home).args(args);
        k
    };
    kctl.args(&["context", "add", "local", "--brokers", &broker.bootstrap])
        .run()
        .success();
    with_home(&["context", "add", "elsewhere", "--brokers", "127.0.0.1:1"])
        .run()
        .success();
    // The first context added became current; no -b needed.
    with_home(&["topic", "create", "from-context"])
        .run()
        .success();
    let listed = with_home(&["context", "list"]).run().success();
    assert_run_snapshot!("context_list", listed);

    with_home(&["context", "use", "elsewhere"]).run().success();
    let unreachable = with_home(&["--timeout", "500ms", "topic", "list"])
        .run()
        .code(5);
    assert!(
        unreachable.stderr.contains("context 'elsewhere'"),
        "{}",
        unreachable.stderr
    );
    // Flags beat the environment, which beats the config file.
    let flag = with_home(&["-b", &broker.bootstrap, "topic", "list"])
        .env("KCTL_BOOTSTRAP_SERVER", "127.0.0.1:1")
        .run()
        .success();
    assert!(flag.stdout.contains("from-context"));
    let env = with_home(&["topic", "list"])
        .env("KCTL_BOOTSTRAP_SERVER", &broker.bootstrap)
        .run()
        .success();
    assert!(env.stdout.contains("from-context"));
    let named = with_home(&["--context", "local", "topic", "list"])
        .run()
        .success();
    assert!(named.stdout.contains("from-context"));

    let missing = with_home(&["--context", "nope", "topic", "list"])
        .run()
        .code(3);
    assert!(
        missing.stderr.contains("context 'nope' is not in"),
        "{}",
        missing.stderr
    );
    with_home(&["context", "remove", "elsewhere"])
        .run()
        .success();
    let json = with_home(&["context", "list", "-o", "json"])
        .run()
        .success()
        .json();
    assert_eq!(json.as_array().unwrap().len(), 1);
    assert_eq!(json[0]["current"], false, "the removed context was current");
}

#[test]
fn secrets_are_never_printed_and_exposed_files_warn() {
    let kctl = Kctl::new();
    let dir = kctl.config_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("config.yaml");
    std::fs::write(
        &file,
        "current-context: prod\ncontexts:\n  prod:\n    bootstrap-servers: [kafka:9093]\n    sasl:\n      mechanism: SCRAM-SHA-512\n      username: ops\n      password: hunter2\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let home = kctl.config_home.path().to_owned();
    for format in ["table", "json", "yaml"] {
        let run = Kctl::new()
            .env("XDG_CONFIG_HOME", &home)
            .args(&["context", "list", "-o", format])
            .run()
            .success();
        assert!(
            !run.stdout.contains("hunter2") && !run.stderr.contains("hunter2"),
            "{}",
            run.snapshot()
        );
        assert!(
            run.stdout.contains("inline"),
            "where the password comes from is shown: {}",
            run.stdout
        );
        #[cfg(unix)]
        assert!(run.stderr.contains("chmod 600"), "{}", run.stderr);
    }
    // The context's SASL settings reach the client: against broker-lite's
    // plaintext listener (no SASL offered) the handshake is refused with the
    // auth exit code, and the password is never echoed.
    let broker = Broker::start();
    let refused = Kctl::new()
        .env("XDG_CONFIG_HOME", &home)
        .args(&[
            "-b",
            &broker.bootstrap,
            "--context",
            "prod",
            "--timeout",
            "5s",
            "topic",
            "list",
        ])
        .run()
        .code(4);
    assert!(refused.stderr.contains("SASL"), "{}", refused.stderr);
    assert!(!refused.stderr.contains("hunter2"), "{}", refused.stderr);
    // A password read from an unset env var is a usage error naming the var.
    std::fs::write(
        &file,
        "current-context: prod\ncontexts:\n  prod:\n    bootstrap-servers: [kafka:9093]\n    sasl:\n      mechanism: PLAIN\n      username: ops\n      password-env: KCTL_TEST_UNSET_PASSWORD\n",
    )
    .unwrap();
    let unset = Kctl::new()
        .env("XDG_CONFIG_HOME", &home)
        .args(&["topic", "list"])
        .run()
        .code(2);
    assert!(
        unset.stderr.contains("$KCTL_TEST_UNSET_PASSWORD"),
        "{}",
        unset.stderr
    );
    // Files kctl writes are private.
    Kctl::new()
        .env("XDG_CONFIG_HOME", &home)
        .args(&["context", "use", "prod"])
        .run()
        .success();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[test]
fn a_broken_config_file_is_reported_with_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kctl.yaml");
    std::fs::write(
        &file,
        "contexts:\n  local:\n    bootstrap-servers: [127.0.0.1:9092]\n    bootstrap: oops\n",
    )
    .unwrap();
    let run = Kctl::new()
        .args(&["--config", file.to_str().unwrap(), "topic", "list"])
        .run()
        .code(2);
    assert!(
        run.stderr.contains(file.to_str().unwrap()),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("line 4"), "{}", run.stderr);
    assert!(run.stderr.contains("bootstrap"), "{}", run.stderr);
    let missing = Kctl::new()
        .args(&["--config", "/nonexistent/kctl.yaml", "context", "list"])
        .run()
        .code(2);
    assert!(
        missing.stderr.contains("cannot read config file"),
        "{}",
        missing.stderr
    );
}

/// `context import TOOL FILE` on a committed fixture: the kctl config file
/// it writes, and what it says on stderr.
fn import(tool: &str) -> (String, crate::support::Run) {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/context_import")
        .join(match tool {
            "kaf" => "kaf.yaml",
            "rpk" => "rpk.yaml",
            _ => "kafkactl.yml",
        });
    let mut kctl = Kctl::new();
    let config = kctl.config_dir().join("config.yaml");
    let run = kctl
        .args(&["context", "import", tool, fixture.to_str().unwrap()])
        .run()
        .success();
    let written = std::fs::read_to_string(&config)
        .unwrap_or_else(|e| panic!("{}: {e}\n{}", config.display(), run.snapshot()));
    (written, run)
}

#[test]
fn contexts_import_from_kaf_rpk_and_kafkactl_fixtures() {
    for tool in ["kaf", "rpk", "kafkactl"] {
        let (written, run) = import(tool);
        insta::with_settings!({
            prepend_module_to_snapshot => false,
            omit_expression => true,
            filters => vec![(r"saved /\S+", "saved [CONFIG]")],
        }, {
            insta::assert_snapshot!(
                format!("context_import_{tool}"),
                format!("{}----- written -----\n{written}", run.snapshot())
            );
        });
        assert!(
            !run.stderr.contains("s3cret"),
            "passwords are never printed"
        );
    }
}

#[test]
fn an_imported_context_connects() {
    let broker = Broker::start();
    let mut kctl = Kctl::new();
    let home = kctl.config_home.path().to_owned();
    let file = home.join("kafkactl.yml");
    std::fs::write(
        &file,
        format!(
            "contexts:\n  here:\n    brokers:\n      - {}\ncurrent-context: here\n",
            broker.bootstrap
        ),
    )
    .unwrap();
    kctl.args(&["context", "import", "kafkactl", file.to_str().unwrap()])
        .run()
        .success();
    let mut list = Kctl::new();
    list.env("XDG_CONFIG_HOME", &home)
        .args(&["topic", "create", "via-import"]);
    list.run().success();
}
