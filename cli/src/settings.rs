//! The settings a command runs with: flags, then environment variables
//! (clap reads both), then the config file's context, then defaults.
//!
//! The config file (`$XDG_CONFIG_HOME/kctl/config.yaml`, `--config`, or
//! `KCTL_CONFIG`) holds named contexts:
//!
//! ```yaml
//! current-context: local
//! contexts:
//!   local:
//!     bootstrap-servers: [127.0.0.1:9092]
//!   prod:
//!     bootstrap-servers: [kafka-1:9093, kafka-2:9093]
//!     tls: { ca-file: /etc/ssl/kafka-ca.pem }
//!     sasl: { mechanism: SCRAM-SHA-512, username: ops, password-env: KAFKA_PASSWORD }
//! ```
//!
//! Passwords are best given by `password-env` or `password-command`; an
//! inline `password` works, is never printed (its `Debug` is redacted), and
//! makes kctl warn when the file is readable by others.

use std::path::{Path, PathBuf};
use std::time::Duration;

use kctl_client::connection::security::{
    EndpointIdentification, Password, SaslConfig, SaslMechanism as ClientSaslMechanism,
    SecurityConfig, TlsConfig,
};

use crate::cli::GlobalArgs;
use crate::exit::{Code, Failure, usage};
use crate::printer::Printer;

mod file;

pub(crate) use file::{ConfigFile, Context, Sasl, SaslMechanism, Secret, Tls, check_server, parse};

pub(crate) const DEFAULT_BOOTSTRAP: &str = "127.0.0.1:9092";

impl Context {
    /// The client's TLS and SASL settings for this context. The password is
    /// read here (env var, command or inline) and never printed: errors
    /// name where it should have come from, not what it is.
    fn security(&self, name: &str, purpose: Purpose) -> anyhow::Result<SecurityConfig> {
        if purpose == Purpose::Completion
            && let Some(sasl) = &self.sasl
            && sasl.password_env.is_none()
            && sasl.password_command.is_some()
        {
            anyhow::bail!("context '{name}' would run its password command");
        }
        let tls = self.tls.as_ref().map(|tls| TlsConfig {
            ca_locations: tls.ca_file.iter().cloned().collect(),
            certificate_location: tls.cert_file.clone(),
            key_location: tls.key_file.clone(),
            server_name: None,
            endpoint_identification: if tls.insecure_skip_verify {
                EndpointIdentification::None
            } else {
                EndpointIdentification::Https
            },
        });
        let sasl = match &self.sasl {
            None => None,
            Some(sasl) => {
                let username = sasl.username.clone().ok_or_else(|| {
                    Failure::new(
                        Code::Usage,
                        format!("context '{name}' uses SASL but names no username"),
                    )
                    .hint("kctl context add NAME ... --sasl-username USER")
                })?;
                let mechanism = match sasl.mechanism {
                    SaslMechanism::Plain => ClientSaslMechanism::Plain,
                    SaslMechanism::ScramSha256 => ClientSaslMechanism::ScramSha256,
                    SaslMechanism::ScramSha512 => ClientSaslMechanism::ScramSha512,
                };
                Some(SaslConfig::new(mechanism, username, sasl.password(name)?))
            }
        };
        Ok(SecurityConfig { tls, sasl })
    }
}

impl Sasl {
    /// The password from its env var, its command's first line of output,
    /// or the file itself, in that order of preference.
    fn password(&self, context: &str) -> anyhow::Result<Password> {
        if let Some(var) = &self.password_env {
            return std::env::var(var).map(Password::new).map_err(|_| {
                Failure::new(
                    Code::Usage,
                    format!("context '{context}' reads its password from ${var}, which is not set"),
                )
                .hint(format!("export {var}=... before running kctl"))
                .into()
            });
        }
        if let Some(command) = &self.password_command {
            let out = std::process::Command::new("sh")
                .args(["-c", command])
                .stderr(std::process::Stdio::inherit())
                .output()
                .map_err(|e| {
                    Failure::new(
                        Code::Failure,
                        format!("context '{context}': cannot run its password command: {e}"),
                    )
                })?;
            if !out.status.success() {
                return Err(Failure::new(
                    Code::Failure,
                    format!(
                        "context '{context}': its password command failed ({})",
                        out.status
                    ),
                )
                .into());
            }
            let text = String::from_utf8(out.stdout).map_err(|_| {
                Failure::new(
                    Code::Failure,
                    format!("context '{context}': its password command printed non-UTF-8"),
                )
            })?;
            return Ok(Password::new(text.lines().next().unwrap_or_default()));
        }
        match &self.password {
            Some(secret) => Ok(Password::new(secret.0.clone())),
            None => Err(Failure::new(
                Code::Usage,
                format!("context '{context}' uses SASL but gives no password"),
            )
            .hint("set password_env or password_command in the context")
            .into()),
        }
    }

    /// Where the password comes from, for display.
    pub(crate) fn password_source(&self) -> String {
        if let Some(var) = &self.password_env {
            format!("env:{var}")
        } else if self.password_command.is_some() {
            "command".to_owned()
        } else if self.password.is_some() {
            "inline".to_owned()
        } else {
            "none".to_owned()
        }
    }
}

/// Where the config file is: `--config`/`KCTL_CONFIG`, else the XDG path.
pub(crate) fn config_path(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return Some(path.to_owned());
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))?;
    Some(base.join("kctl").join("config.yaml"))
}

/// Reads the config file. A missing default file is an empty config; a
/// missing explicit one is an error. Errors name the file, line and key.
pub(crate) fn load(path: &Path, explicit: bool) -> anyhow::Result<ConfigFile> {
    let config = read(path, explicit)?;
    warn_if_exposed(path, &config);
    Ok(config)
}

/// `load` without the warning about a file others can read.
pub(crate) fn read(path: &Path, explicit: bool) -> anyhow::Result<ConfigFile> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
            return Ok(ConfigFile::default());
        }
        Err(e) => {
            return Err(Failure::new(
                Code::Usage,
                format!("cannot read config file {}: {e}", path.display()),
            )
            .into());
        }
    };
    let config = parse(&text).map_err(|message| {
        Failure::new(
            Code::Usage,
            format!("invalid config file {}: {message}", path.display()),
        )
        .hint("fix the file, or point --config / KCTL_CONFIG at another one")
    })?;
    Ok(config)
}

#[cfg(unix)]
fn warn_if_exposed(path: &Path, config: &ConfigFile) {
    use std::os::unix::fs::PermissionsExt;
    let holds_secret = config
        .contexts
        .values()
        .any(|c| c.sasl.as_ref().is_some_and(|s| s.password.is_some()));
    if !holds_secret {
        return;
    }
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        eprintln!(
            "warning: {} holds a password and is readable by other users; run: chmod 600 {}",
            path.display(),
            path.display()
        );
    }
}

#[cfg(not(unix))]
fn warn_if_exposed(_path: &Path, _config: &ConfigFile) {}

/// Writes the config file atomically, readable by its owner only.
pub(crate) fn save(path: &Path, config: &ConfigFile) -> anyhow::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text = serde_norway::to_string(config)?;
    let tmp = path.with_extension("yaml.tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// Why settings are being resolved. A shell completing a word must not
/// print warnings over the prompt, nor run a password command, which may
/// prompt for a passphrase and hang the shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    Command,
    Completion,
}

/// What every command that talks to a cluster needs.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub bootstrap: Vec<String>,
    /// Where `bootstrap` came from, for error messages.
    pub bootstrap_from: String,
    pub timeout: Duration,
    pub printer: Printer,
    pub config_path: Option<PathBuf>,
    pub explicit_config: bool,
    /// TLS and SASL from the context in use; plaintext otherwise.
    pub security: SecurityConfig,
}

impl Settings {
    /// Settings for a broker kctl runs itself (`demo`): the config file's
    /// contexts, and their TLS and SASL, are for other clusters.
    /// Settings for brokers this process started; `bootstrap` is
    /// `host:port[,host:port...]`.
    pub(crate) fn embedded(global: &GlobalArgs, bootstrap: String) -> Self {
        Self {
            bootstrap: bootstrap.split(',').map(str::to_owned).collect(),
            bootstrap_from: "the embedded broker".to_owned(),
            timeout: global.timeout,
            printer: Printer::new(global.output.unwrap_or_default()),
            config_path: None,
            explicit_config: false,
            security: SecurityConfig::default(),
        }
    }

    pub(crate) fn resolve(global: &GlobalArgs) -> anyhow::Result<Self> {
        Self::resolve_for(global, Purpose::Command)
    }

    pub(crate) fn resolve_for(global: &GlobalArgs, purpose: Purpose) -> anyhow::Result<Self> {
        let printer = Printer::new(global.output.unwrap_or_default());
        let config_path = config_path(global.config.as_deref());
        let explicit_config = global.config.is_some();
        let mut settings = Self {
            bootstrap: vec![DEFAULT_BOOTSTRAP.to_owned()],
            bootstrap_from: "the default".to_owned(),
            timeout: global.timeout,
            printer,
            config_path,
            explicit_config,
            security: SecurityConfig::default(),
        };
        if let Some(flag) = &global.bootstrap_server {
            let servers: Vec<String> = flag
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            if servers.is_empty() {
                return Err(usage("--bootstrap-server is empty").into());
            }
            for server in &servers {
                check_server(server).map_err(|e| {
                    usage(format!("--bootstrap-server: {e}"))
                        .hint("use host:port, comma-separated for several brokers")
                })?;
            }
            settings.bootstrap = servers;
            settings.bootstrap_from = "-b/--bootstrap-server or KCTL_BOOTSTRAP_SERVER".to_owned();
            // A flag or env var wins over the servers, but a context named
            // explicitly must still exist, and its TLS/SASL still apply.
            if global.context.is_some()
                && let Some((name, context)) = settings.context(global, purpose)?
            {
                settings.security = context.security(&name, purpose)?;
            }
            return Ok(settings);
        }
        if let Some((name, context)) = settings.context(global, purpose)? {
            settings.security = context.security(&name, purpose)?;
            settings.bootstrap = context.bootstrap_servers.clone();
            settings.bootstrap_from = format!("context '{name}'");
        }
        Ok(settings)
    }

    /// The context in use, if any: `--context`/`KCTL_CONTEXT`, else the
    /// file's current one.
    fn context(
        &self,
        global: &GlobalArgs,
        purpose: Purpose,
    ) -> anyhow::Result<Option<(String, Context)>> {
        let Some(path) = &self.config_path else {
            return Ok(None);
        };
        let config = match purpose {
            Purpose::Command => load(path, self.explicit_config)?,
            Purpose::Completion => read(path, self.explicit_config)?,
        };
        let name = match (&global.context, &config.current_context) {
            (Some(name), _) | (None, Some(name)) => name.clone(),
            (None, None) => return Ok(None),
        };
        match config.contexts.get(&name) {
            Some(context) => Ok(Some((name, context.clone()))),
            None => Err(Failure::new(
                Code::NotFound,
                format!("context '{name}' is not in {}", path.display()),
            )
            .hint("`kctl context list` shows the contexts; `kctl context add` adds one")
            .into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_line_and_the_key() {
        let text = "current-context: local\ncontexts:\n  local:\n    bootstrap: [a:1]\n";
        let err = parse(text).unwrap_err();
        assert!(err.contains("line 4"), "{err}");
        assert!(err.contains("bootstrap"), "{err}");
        let err = parse("contexts:\n  x:\n    bootstrap-servers: [nonsense]\n").unwrap_err();
        assert!(err.contains("contexts.x.bootstrap-servers"), "{err}");
        let err = parse("current-context: gone\n").unwrap_err();
        assert!(err.contains("current-context"), "{err}");
    }

    #[test]
    fn passwords_never_show_in_debug_output() {
        let text = "contexts:\n  prod:\n    bootstrap-servers: [k:9093]\n    sasl:\n      mechanism: SCRAM-SHA-512\n      username: ops\n      password: hunter2\n";
        let config = parse(text).unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("<redacted>"));
        // The file itself must keep it.
        assert!(
            serde_norway::to_string(&config)
                .unwrap()
                .contains("hunter2")
        );
    }

    #[test]
    fn servers_must_be_host_and_port() {
        assert!(check_server("127.0.0.1:9092").is_ok());
        assert!(check_server("kafka-1.example:9093").is_ok());
        assert!(check_server("kafka").is_err());
        assert!(check_server("kafka:port").is_err());
    }
}
