//! The config file's format: its contexts as serde types, and the parser
//! with its checks. Pure (no I/O, nothing from the rest of kctl), so the
//! `contexts_file` fuzz target (`cli/fuzz`) compiles this very file.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use clap::ValueEnum;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct ConfigFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_context: Option<String>,
    #[serde(default)]
    pub contexts: BTreeMap<String, Context>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct Context {
    pub bootstrap_servers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<Tls>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sasl: Option<Sasl>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct Tls {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_file: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_file: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub insecure_skip_verify: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ValueEnum)]
pub(crate) enum SaslMechanism {
    #[serde(rename = "PLAIN")]
    #[value(name = "PLAIN", alias = "plain")]
    Plain,
    #[serde(rename = "SCRAM-SHA-256")]
    #[value(name = "SCRAM-SHA-256", alias = "scram-sha-256")]
    ScramSha256,
    #[serde(rename = "SCRAM-SHA-512")]
    #[value(name = "SCRAM-SHA-512", alias = "scram-sha-512")]
    ScramSha512,
}

impl SaslMechanism {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Plain => "PLAIN",
            Self::ScramSha256 => "SCRAM-SHA-256",
            Self::ScramSha512 => "SCRAM-SHA-512",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct Sasl {
    pub mechanism: SaslMechanism,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Inline password: discouraged, never printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_env: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_command: Option<String>,
}

/// A secret string: serialized as itself (the config file must keep it),
/// but `Debug` and `Display` never show it.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[serde(transparent)]
pub(crate) struct Secret(pub(super) String);

impl Secret {
    pub(crate) fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The config file's text as contexts, checked: every context has at least
/// one `host:port`, and `current-context` names one of them. Errors give the
/// line and the key.
pub(crate) fn parse(text: &str) -> Result<ConfigFile, String> {
    if text.trim().is_empty() {
        return Ok(ConfigFile::default());
    }
    let config: ConfigFile = serde_norway::from_str(text).map_err(|e| {
        let message = e.to_string();
        match e.location() {
            Some(at) if !message.contains(" at line ") => {
                format!("line {} column {}: {message}", at.line(), at.column())
            }
            _ => message,
        }
    })?;
    for (name, context) in &config.contexts {
        if context.bootstrap_servers.is_empty() {
            return Err(format!(
                "contexts.{name}.bootstrap-servers: at least one host:port is needed"
            ));
        }
        for server in &context.bootstrap_servers {
            check_server(server).map_err(|e| format!("contexts.{name}.bootstrap-servers: {e}"))?;
        }
    }
    if let Some(current) = &config.current_context
        && !config.contexts.contains_key(current)
    {
        return Err(format!(
            "current-context: '{current}' is not among the contexts"
        ));
    }
    Ok(config)
}

/// `host:port` with a numeric port.
pub(crate) fn check_server(server: &str) -> Result<(), String> {
    match server.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => Ok(()),
        _ => Err(format!("'{server}' is not host:port")),
    }
}
