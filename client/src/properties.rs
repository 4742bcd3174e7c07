//! Kafka-style `key=value` properties, shared by the producer's and the
//! consumer's `from_properties`: parsing `.properties` text, rejecting
//! unknown keys (all of them named at once), value parsers whose errors name
//! their key, and the keys every client understands (connection, metadata,
//! and the security keys parsed by
//! [`SecurityConfig::from_properties`](crate::connection::security::SecurityConfig::from_properties)).

use std::str::FromStr;
use std::sync::Arc;

use crate::client::ClientConfig;
use crate::connection::security::{SecurityConfig, is_security_property};
use crate::error::{Error, Result};

/// Keys that configure the shared [`ClientConfig`] rather than one kind of
/// client; both the producer and the consumer accept them.
pub(crate) const CLIENT_KEYS: &[&str] = &[
    "bootstrap.servers",
    "client.id",
    "request.timeout.ms",
    "metadata.max.age.ms",
    "reconnect.backoff.ms",
    "reconnect.backoff.max.ms",
    "allow.auto.create.topics",
];

/// Trimmed pairs, checked against `known` (plus [`CLIENT_KEYS`] and the
/// security keys), and a [`ClientConfig`] with `bootstrap.servers`
/// (required), the other client keys and the security settings applied. The
/// caller applies its own keys from `pairs`.
pub(crate) struct Parsed {
    pub(crate) pairs: Vec<(String, String)>,
    pub(crate) client: ClientConfig,
}

pub(crate) fn parse<K, V>(
    properties: impl IntoIterator<Item = (K, V)>,
    known: &[&str],
) -> Result<Parsed>
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let pairs: Vec<(String, String)> = properties
        .into_iter()
        .map(|(k, v)| (k.as_ref().trim().to_owned(), v.as_ref().trim().to_owned()))
        .collect();
    let unknown: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| {
            !known.contains(&k.as_str())
                && !CLIENT_KEYS.contains(&k.as_str())
                && !is_security_property(k)
        })
        .map(|(k, _)| k.clone())
        .collect();
    if !unknown.is_empty() {
        return Err(Error::UnknownConfigKeys(unknown));
    }
    let bootstrap = pairs
        .iter()
        .find(|(k, _)| k == "bootstrap.servers")
        .map(|(_, v)| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter(|servers| !servers.is_empty())
        .ok_or_else(|| Error::Config("bootstrap.servers is required".into()))?;
    let mut client = ClientConfig::new(bootstrap);
    client.connection.security = SecurityConfig::from_properties(
        pairs
            .iter()
            .filter(|(k, _)| is_security_property(k))
            .map(|(k, v)| (k.as_str(), v.as_str())),
    )?;
    for (key, value) in &pairs {
        let v = value.as_str();
        match key.as_str() {
            "client.id" => client.connection.client_id = Some(Arc::from(v)),
            "request.timeout.ms" => client.connection.request_timeout_ms = number(key, v)?,
            "metadata.max.age.ms" => client.metadata_max_age_ms = number(key, v)?,
            "reconnect.backoff.ms" => {
                client.connection.reconnect_backoff.initial_ms = number(key, v)?
            }
            "reconnect.backoff.max.ms" => {
                client.connection.reconnect_backoff.max_ms = number(key, v)?
            }
            "allow.auto.create.topics" => client.allow_auto_topic_creation = boolean(key, v)?,
            _ => {}
        }
    }
    Ok(Parsed { pairs, client })
}

/// The pairs of a `.properties` text: `key=value` (or `key:value`) lines,
/// `#` or `!` comments, blank lines ignored.
pub(crate) fn parse_text(text: &str) -> Result<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
            continue;
        }
        let (k, v) = line
            .split_once('=')
            .or_else(|| line.split_once(':'))
            .ok_or_else(|| {
                Error::Config(format!("line {}: expected key=value, got {line:?}", n + 1))
            })?;
        pairs.push((k.to_owned(), v.to_owned()));
    }
    Ok(pairs)
}

pub(crate) fn invalid(key: &str, value: &str, expected: &str) -> Error {
    Error::Config(format!("{key}={value:?} is invalid: expected {expected}"))
}

pub(crate) fn number<T: FromStr>(key: &str, value: &str) -> Result<T> {
    value
        .parse()
        .map_err(|_| invalid(key, value, "a non-negative integer"))
}

pub(crate) fn boolean(key: &str, value: &str) -> Result<bool> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(invalid(key, value, "true or false")),
    }
}
