//! Generated artefacts: the committed completion scripts must match what
//! this kctl generates (each calls back into kctl for its completions),
//! and man pages must render.

use std::path::PathBuf;

use crate::support::Kctl;

const SCRIPTS: [(&str, &str); 5] = [
    ("bash", "kctl.bash"),
    ("zsh", "_kctl"),
    ("fish", "kctl.fish"),
    ("powershell", "_kctl.ps1"),
    ("elvish", "kctl.elv"),
];

#[test]
fn committed_completions_are_up_to_date() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../completions");
    let update = std::env::var_os("KCTL_UPDATE_COMPLETIONS").is_some();
    let mut stale = Vec::new();
    for (shell, file) in SCRIPTS {
        let generated = Kctl::new()
            .args(&["completion", shell])
            .run()
            .success()
            .stdout_bytes;
        let text = String::from_utf8_lossy(&generated);
        assert!(
            text.contains(&format!("COMPLETE=\"{shell}\""))
                || text.contains(&format!("COMPLETE={shell} kctl"))
                || text.contains(&format!("$env:COMPLETE = \"{shell}\"")),
            "the {shell} script does not call back into kctl:\n{text}"
        );
        let path = dir.join(file);
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &generated).unwrap();
        } else if std::fs::read(&path).ok().as_ref() != Some(&generated) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "out of date: {stale:?}; regenerate with KCTL_UPDATE_COMPLETIONS=1 cargo test -p kctl committed_completions"
    );
}

#[test]
fn man_pages_render_for_kctl_and_subcommands() {
    let top = Kctl::new().args(&["man"]).run().success();
    assert!(
        top.stdout.starts_with(".ie"),
        "roff output: {}",
        &top.stdout[..40.min(top.stdout.len())]
    );
    assert!(top.stdout.contains(".TH kctl"), "{}", top.stdout);
    let create = Kctl::new()
        .args(&["man", "topic", "create"])
        .run()
        .success();
    assert!(create.stdout.contains(".TH kctl-topic-create"));
    assert!(
        create.stdout.contains("replication\\-factor"),
        "flags are documented"
    );
    let bad = Kctl::new()
        .args(&["man", "topic", "frobnicate"])
        .run()
        .code(2);
    assert!(
        bad.stderr.contains("no subcommand 'frobnicate'"),
        "{}",
        bad.stderr
    );
}
