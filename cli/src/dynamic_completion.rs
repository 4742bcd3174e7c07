//! Shell completion of topic, group and context names.
//!
//! The scripts `kctl completion SHELL` prints (committed under completions/)
//! run `COMPLETE=SHELL kctl -- WORDS...` on every TAB. clap_complete's
//! engine completes commands, flags and enum values itself and asks the
//! functions here for names.
//!
//! Every TAB is a new process, so names are cached per cluster in
//! `$XDG_CACHE_HOME/kctl/completion/`. A list younger than [`FRESH_FOR`] is
//! used as it is. An older one is refreshed from the cluster within
//! [`FETCH_BUDGET`], and kept if the refresh fails, so a slow or unreachable
//! cluster costs a TAB at most that long and the shell never hangs. After a
//! failed refresh, kctl waits [`RETRY_AFTER`] before asking the cluster again,
//! so a dead cluster does not cost every TAB the whole budget.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use clap_complete::engine::CompletionCandidate;

use crate::cli::GlobalArgs;
use crate::connect;
use crate::settings::{self, Purpose, Settings};

pub(crate) const FRESH_FOR: Duration = Duration::from_secs(30);
pub(crate) const FETCH_BUDGET: Duration = Duration::from_millis(1_500);
pub(crate) const RETRY_AFTER: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Names {
    Topics,
    Groups,
}

impl Names {
    fn file_suffix(self) -> &'static str {
        match self {
            Self::Topics => "topics",
            Self::Groups => "groups",
        }
    }
}

/// Completer for TOPIC arguments.
pub(crate) fn topics(current: &OsStr) -> Vec<CompletionCandidate> {
    // `TOPIC:PARTITIONS`: past the colon there is no name to complete.
    if current.to_string_lossy().contains(':') {
        return Vec::new();
    }
    cluster_names(Names::Topics, current)
}

/// Completer for GROUP arguments.
pub(crate) fn groups(current: &OsStr) -> Vec<CompletionCandidate> {
    cluster_names(Names::Groups, current)
}

/// Completer for context names: read from the config file, no cluster.
pub(crate) fn contexts(current: &OsStr) -> Vec<CompletionCandidate> {
    let global = global_args(&command_line());
    let Some(path) = settings::config_path(global.config.as_deref()) else {
        return Vec::new();
    };
    let Ok(config) = settings::read(&path, false) else {
        return Vec::new();
    };
    matching(config.contexts.into_keys(), current)
}

fn cluster_names(names: Names, current: &OsStr) -> Vec<CompletionCandidate> {
    let global = global_args(&command_line());
    let Ok(settings) = Settings::resolve_for(&global, Purpose::Completion) else {
        return Vec::new();
    };
    let Some(cache) = Cache::for_cluster(&settings.bootstrap, names) else {
        return Vec::new();
    };
    let listed = cache.names(|| fetch(names, &settings));
    matching(listed, current)
}

/// Candidates starting with what was typed. Names starting with `_`
/// (`__consumer_offsets`, `_schemas`) are offered only once `_` is typed,
/// as shells treat dotfiles.
fn matching(names: impl IntoIterator<Item = String>, current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(prefix) = current.to_str() else {
        return Vec::new();
    };
    let mut names: Vec<String> = names
        .into_iter()
        .filter(|name| name.starts_with(prefix))
        .filter(|name| !name.starts_with('_') || prefix.starts_with('_'))
        .collect();
    names.sort();
    names.dedup();
    names.into_iter().map(CompletionCandidate::new).collect()
}

/// The words being completed: what the shell passed after `--`.
fn command_line() -> Vec<OsString> {
    std::env::args_os()
        .skip_while(|arg| arg != "--")
        .skip(1)
        .collect()
}

/// The global flags of a command line that is still being typed, which
/// clap cannot parse: `-b`, `--context` and, before the command, `--config`
/// (after it, `--config` is a topic config). Environment variables fill in
/// what the flags leave out, as they do for a command.
fn global_args(words: &[OsString]) -> GlobalArgs {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mut bootstrap_server = None;
    let mut context = None;
    let mut config = None;
    let mut before_command = true;
    // The first word is the program.
    let mut words = words.iter().skip(1).map(|w| w.to_string_lossy());
    while let Some(word) = words.next() {
        let (flag, inline) = match word.split_once('=') {
            Some((flag, value)) if word.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (word.to_string(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| words.next().map(|w| w.into_owned()))
        };
        match flag.as_str() {
            "--" => break,
            "-b" | "--bootstrap-server" | "--bootstrap-servers" => bootstrap_server = value(),
            "--context" => context = value(),
            "--config" if before_command => config = value().map(PathBuf::from),
            "-o" | "--output" | "--timeout" | "--config" => drop(value()),
            short if short.starts_with("-b") && !short.starts_with("--") => {
                bootstrap_server = Some(short["-b".len()..].trim_start_matches('=').to_owned());
            }
            other if !other.starts_with('-') => before_command = false,
            _ => {}
        }
    }
    GlobalArgs {
        bootstrap_server: bootstrap_server.or_else(|| env("KCTL_BOOTSTRAP_SERVER")),
        context: context.or_else(|| env("KCTL_CONTEXT")),
        output: None,
        verbose: 0,
        config: config.or_else(|| env("KCTL_CONFIG").map(PathBuf::from)),
        timeout: FETCH_BUDGET,
    }
}

/// Asks the cluster for the names, within [`FETCH_BUDGET`].
fn fetch(names: Names, settings: &Settings) -> Option<Vec<String>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    runtime.block_on(async {
        let listed = async {
            let admin = connect::admin(settings).await.ok()?;
            match names {
                Names::Topics => admin
                    .list_topics(true)
                    .await
                    .ok()
                    .map(|topics| topics.into_iter().map(|t| t.name).collect()),
                Names::Groups => admin
                    .list_groups(&Default::default())
                    .await
                    .ok()
                    .map(|groups| groups.into_iter().map(|g| g.group_id).collect()),
            }
        };
        tokio::time::timeout(FETCH_BUDGET, listed)
            .await
            .ok()
            .flatten()
    })
}

/// kctl's cache directory: `$XDG_CACHE_HOME/kctl` (or `~/.cache/kctl`).
pub(crate) fn cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    Some(base.join("kctl"))
}

/// A file name for a cluster: its sorted bootstrap servers, with anything
/// but letters, digits, `.` and `-` replaced.
pub(crate) fn cluster_file_stem(bootstrap: &[String]) -> String {
    let mut servers = bootstrap.to_vec();
    servers.sort();
    servers
        .join(",")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// One cluster's list of topic or group names on disk: one name per line,
/// its age the file's modification time. A `.failed` file beside it marks
/// the last refresh that failed.
pub(crate) struct Cache {
    path: PathBuf,
    failed_path: PathBuf,
}

impl Cache {
    /// The cache for these bootstrap servers, in `$XDG_CACHE_HOME/kctl`
    /// (or `~/.cache/kctl`).
    pub(crate) fn for_cluster(bootstrap: &[String], names: Names) -> Option<Self> {
        Some(Self::in_dir(
            &cache_dir()?.join("completion"),
            bootstrap,
            names,
        ))
    }

    fn in_dir(dir: &Path, bootstrap: &[String], names: Names) -> Self {
        let cluster = cluster_file_stem(bootstrap);
        let path = dir.join(format!("{cluster}.{}", names.file_suffix()));
        let failed_path = path.with_extension(format!("{}.failed", names.file_suffix()));
        Self { path, failed_path }
    }

    /// The cached names if fresh; else `fetch`'s, saved; else the stale
    /// ones, if any.
    fn names(&self, fetch: impl FnOnce() -> Option<Vec<String>>) -> Vec<String> {
        let cached = std::fs::read_to_string(&self.path).ok();
        // An empty list is cheap to ask for again, and the first topic or
        // group of a new cluster should not wait out FRESH_FOR.
        let fresh = cached.as_ref().is_some_and(|text| !text.is_empty())
            && age(&self.path).is_some_and(|age| age < FRESH_FOR);
        let failed_lately = age(&self.failed_path).is_some_and(|age| age < RETRY_AFTER);
        if !fresh && !failed_lately {
            match fetch() {
                Some(names) => {
                    // A cache that cannot be written only makes the next TAB slower.
                    let _ = self.save(&names);
                    let _ = std::fs::remove_file(&self.failed_path);
                    return names;
                }
                None => {
                    let _ = write_private(&self.failed_path, b"");
                }
            }
        }
        cached
            .map(|text| text.lines().map(str::to_owned).collect())
            .unwrap_or_default()
    }

    fn save(&self, names: &[String]) -> std::io::Result<()> {
        let text: String = names.iter().map(|name| format!("{name}\n")).collect();
        write_private(&self.path, text.as_bytes())
    }

    /// Drops the cached list, so that a topic or group this kctl just
    /// created or deleted shows up (or stops showing) at the next TAB.
    pub(crate) fn forget(&self) {
        let _ = std::fs::remove_file(&self.path);
        let _ = std::fs::remove_file(&self.failed_path);
    }
}

/// Forgets the cached names of the cluster `settings` points at.
pub(crate) fn forget(settings: &Settings, names: Names) {
    if let Some(cache) = Cache::for_cluster(&settings.bootstrap, names) {
        cache.forget();
    }
}

fn age(path: &Path) -> Option<Duration> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    // A clock set backwards makes the file look new; that is harmless.
    Some(
        SystemTime::now()
            .duration_since(modified)
            .unwrap_or_default(),
    )
}

/// Writes atomically, in a directory only the owner can read: topic and
/// group names can say more about a business than its owner wants shared.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut file, bytes)?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    fn words(line: &str) -> Vec<OsString> {
        line.split(' ').map(OsString::from).collect()
    }

    #[test]
    fn global_flags_are_found_in_every_spelling() {
        for line in [
            "kctl -b h:1 topic describe",
            "kctl topic describe -bh:1",
            "kctl topic describe --bootstrap-server h:1",
            "kctl topic describe --bootstrap-servers=h:1",
        ] {
            assert_eq!(
                global_args(&words(line)).bootstrap_server.as_deref(),
                Some("h:1"),
                "{line}"
            );
        }
        let global = global_args(&words("kctl --config a.yaml --context prod group describe"));
        assert_eq!(global.config, Some(PathBuf::from("a.yaml")));
        assert_eq!(global.context.as_deref(), Some("prod"));
    }

    #[test]
    fn config_after_the_command_is_a_topic_config() {
        let global = global_args(&words("kctl topic create t --config retention.ms=1 -b h:1"));
        assert_eq!(global.config, None);
        assert_eq!(global.bootstrap_server.as_deref(), Some("h:1"));
        // A global flag's value is not the command.
        let global = global_args(&words("kctl -o json --config c.yaml topic list"));
        assert_eq!(global.config, Some(PathBuf::from("c.yaml")));
    }

    #[test]
    fn matching_hides_underscore_names_until_asked() {
        let names = || ["orders", "__consumer_offsets", "payments", "orders-dlq"].map(String::from);
        let values = |current: &str| -> Vec<String> {
            matching(names(), OsStr::new(current))
                .iter()
                .map(|c| c.get_value().to_string_lossy().into_owned())
                .collect()
        };
        assert_eq!(values(""), ["orders", "orders-dlq", "payments"]);
        assert_eq!(values("ord"), ["orders", "orders-dlq"]);
        assert_eq!(values("_"), ["__consumer_offsets"]);
        assert!(values("x").is_empty());
    }

    fn set_age(path: &Path, age: Duration) {
        let file = std::fs::File::options().write(true).open(path).unwrap();
        file.set_modified(SystemTime::now() - age).unwrap();
    }

    #[test]
    fn a_fresh_list_is_used_without_asking_the_cluster() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::in_dir(dir.path(), &["h:1".into()], Names::Topics);
        let asked = Cell::new(0);
        let first = cache.names(|| {
            asked.set(asked.get() + 1);
            Some(vec!["a".into(), "b".into()])
        });
        assert_eq!(first, ["a", "b"]);
        let second = cache.names(|| {
            asked.set(asked.get() + 1);
            Some(vec!["c".into()])
        });
        assert_eq!(second, ["a", "b"], "served from the cache");
        assert_eq!(asked.get(), 1);
    }

    #[test]
    fn a_stale_list_is_refreshed_and_kept_when_the_refresh_fails() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::in_dir(dir.path(), &["h:1".into()], Names::Groups);
        cache.save(&["old".into()]).unwrap();
        set_age(&cache.path, FRESH_FOR + Duration::from_secs(1));
        assert_eq!(
            cache.names(|| None),
            ["old"],
            "kept when the cluster is away"
        );
        // Within RETRY_AFTER of a failure the cluster is not asked again.
        assert_eq!(cache.names(|| panic!("asked again too soon")), ["old"]);
        set_age(&cache.failed_path, RETRY_AFTER + Duration::from_secs(1));
        assert_eq!(cache.names(|| Some(vec!["new".into()])), ["new"]);
        assert!(!cache.failed_path.exists());
        assert_eq!(std::fs::read_to_string(&cache.path).unwrap(), "new\n");
    }

    #[test]
    fn each_cluster_and_kind_has_its_own_file() {
        let dir = Path::new("/c");
        let topics = Cache::in_dir(dir, &["b:2".into(), "a:1".into()], Names::Topics);
        let same = Cache::in_dir(dir, &["a:1".into(), "b:2".into()], Names::Topics);
        let groups = Cache::in_dir(dir, &["a:1".into(), "b:2".into()], Names::Groups);
        assert_eq!(
            topics.path, same.path,
            "the order of servers does not matter"
        );
        assert_eq!(topics.path, Path::new("/c/a_1_b_2.topics"));
        assert_eq!(groups.path, Path::new("/c/a_1_b_2.groups"));
        assert_eq!(groups.failed_path, Path::new("/c/a_1_b_2.groups.failed"));
    }

    #[test]
    fn forgetting_removes_the_list() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::in_dir(dir.path(), &["h:1".into()], Names::Topics);
        cache.save(&["t".into()]).unwrap();
        cache.forget();
        assert_eq!(cache.names(|| Some(vec!["u".into()])), ["u"]);
    }
}
