//! [`AdminConfig`]: the admin client's settings, its builder methods and
//! its Kafka-style properties (Java's `AdminClientConfig`).

use std::sync::Arc;

use super::Admin;
use crate::backoff::Backoff;
use crate::client::{Client, ClientConfig};
use crate::connection::security::SecurityConfig;
use crate::error::Result;
use crate::properties::{self, number};

/// The admin client's own keys; [`AdminConfig::from_properties`] also takes
/// the keys every client understands (`bootstrap.servers`, `client.id`,
/// `request.timeout.ms`, `metadata.max.age.ms`, `reconnect.backoff.ms`,
/// `reconnect.backoff.max.ms`, and the `security.*`, `ssl.*` and `sasl.*`
/// keys).
pub const KNOWN_KEYS: &[&str] = &[
    "default.api.timeout.ms",
    "retry.backoff.ms",
    "retry.backoff.max.ms",
];

/// Settings of an [`Admin`], and its builder: start with
/// [`Admin::builder`] or [`Admin::from_properties`], chain setters, then
/// [`build`](AdminConfig::build).
///
/// ```no_run
/// # async fn demo() -> kctl_client::Result<()> {
/// let admin = kctl_client::Admin::builder(["localhost:9092"])
///     .client_id("ops-tool")
///     .api_timeout_ms(10_000)
///     .build()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AdminConfig {
    /// Bootstrap servers, connection and security settings. The admin
    /// client never lets a metadata lookup create a topic, whatever
    /// `allow_auto_topic_creation` says here.
    pub client: ClientConfig,
    /// How long one admin call may take, retries included.
    pub api_timeout_ms: u64,
    /// The `timeout_ms` sent with CreateTopics, DeleteTopics,
    /// CreatePartitions and DeleteRecords: how long the broker waits for
    /// the change to complete before it answers.
    pub operation_timeout_ms: i32,
    /// Between retries of a call that failed retriably.
    pub retry_backoff: Backoff,
}

impl Default for AdminConfig {
    /// The defaults with no bootstrap servers; [`Admin::connect`] supplies
    /// them.
    fn default() -> Self {
        Self::new(Vec::<String>::new())
    }
}

impl AdminConfig {
    /// Defaults (Java's `AdminClientConfig`) with these bootstrap servers.
    pub fn new<S: Into<String>>(bootstrap_servers: impl IntoIterator<Item = S>) -> Self {
        let mut client = ClientConfig::new(bootstrap_servers);
        client.allow_auto_topic_creation = false;
        Self {
            client,
            api_timeout_ms: 60_000,
            operation_timeout_ms: 30_000,
            retry_backoff: Backoff {
                initial_ms: 100,
                max_ms: 1_000,
                jitter: 0.2,
            },
        }
    }

    /// A config from `key=value` pairs ([`KNOWN_KEYS`] and the client-wide
    /// keys). Unknown keys are an error listing all of them; so is a value
    /// that does not parse, naming its key. `bootstrap.servers` is
    /// required.
    ///
    /// ```
    /// let config = kctl_client::AdminConfig::from_properties([
    ///     ("bootstrap.servers", "localhost:9092"),
    ///     ("default.api.timeout.ms", "15000"),
    /// ])?;
    /// assert_eq!(config.api_timeout_ms, 15_000);
    /// assert!(kctl_client::AdminConfig::from_properties([("linger.ms", "5")]).is_err());
    /// # Ok::<(), kctl_client::Error>(())
    /// ```
    pub fn from_properties<K, V>(properties: impl IntoIterator<Item = (K, V)>) -> Result<Self>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let parsed = properties::parse(properties, KNOWN_KEYS)?;
        let mut config = Self::new(Vec::<String>::new());
        config.client = parsed.client;
        config.client.allow_auto_topic_creation = false;
        for (key, value) in &parsed.pairs {
            let v = value.as_str();
            match key.as_str() {
                "default.api.timeout.ms" => config.api_timeout_ms = number(key, v)?,
                "retry.backoff.ms" => config.retry_backoff.initial_ms = number(key, v)?,
                "retry.backoff.max.ms" => config.retry_backoff.max_ms = number(key, v)?,
                // Client-wide keys, applied by properties::parse.
                _ => {}
            }
        }
        Ok(config)
    }

    /// A config from the text of a `.properties` file: `key=value` lines,
    /// `#` or `!` comments, blank lines ignored.
    pub fn from_properties_str(text: &str) -> Result<Self> {
        Self::from_properties(properties::parse_text(text)?)
    }

    /// `client.id`, sent with every request. Default: `kctl`.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client.connection.client_id = Some(Arc::from(client_id.into()));
        self
    }

    /// `request.timeout.ms`: how long one request waits for its response.
    /// Default: 30000.
    pub fn request_timeout_ms(mut self, request_timeout_ms: u64) -> Self {
        self.client.connection.request_timeout_ms = request_timeout_ms;
        self
    }

    /// `default.api.timeout.ms`: how long one admin call may take, retries
    /// included. Default: 60000.
    pub fn api_timeout_ms(mut self, api_timeout_ms: u64) -> Self {
        self.api_timeout_ms = api_timeout_ms;
        self
    }

    /// The broker-side timeout of topic, partition and record changes (the
    /// `timeout_ms` of CreateTopics and friends; Java sets it per call).
    /// Default: 30000.
    pub fn operation_timeout_ms(mut self, operation_timeout_ms: i32) -> Self {
        self.operation_timeout_ms = operation_timeout_ms;
        self
    }

    /// `retry.backoff.ms` and `retry.backoff.max.ms`: the wait between
    /// retries. Default: 100 ms doubling to 1000 ms, ±20 % jitter.
    pub fn retry_backoff(mut self, backoff: Backoff) -> Self {
        self.retry_backoff = backoff;
        self
    }

    /// TLS and SASL (`security.protocol`, `ssl.*`, `sasl.*`). Default:
    /// plaintext.
    pub fn security(mut self, security: SecurityConfig) -> Self {
        self.client.connection.security = security;
        self
    }

    /// Connects and returns the admin client.
    pub async fn build(self) -> Result<Admin> {
        let client = Client::connect(self.client.clone()).await?;
        Ok(Admin::with_client(client, self))
    }
}
