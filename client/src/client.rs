//! The cluster-level handle: bootstrap, broker connections and the metadata
//! cache, shared by producers (and, later, consumers and admin).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Duration;

use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::{ApiKey, FindCoordinatorRequest, MetadataRequest, TopicName};
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::backoff::Backoff;
use crate::connection::broker::{BrokerConnection, Connector};
use crate::connection::{Connection, ConnectionConfig};
use crate::error::{ConnectionError, Error, ErrorCode, ErrorContext, RequestError, Result};
use crate::metadata::{ClusterMetadata, TopicMetadata};
use crate::protocol::StrBytes;

/// Whether `error` is a connection to a reachable broker that broke before
/// its response arrived: closed, reset or another I/O error after connecting.
fn broke_mid_request(error: &Error) -> bool {
    let error = match error {
        Error::NoBrokerAvailable { last } => last.as_ref(),
        other => other,
    };
    matches!(
        error,
        Error::Request(RequestError::Connection(
            ConnectionError::Closed | ConnectionError::Io(_)
        ))
    )
}

/// Settings for a [`Client`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// `host:port` pairs used to discover the cluster.
    pub bootstrap_servers: Vec<String>,
    /// Settings of every broker connection: `client.id`, timeouts,
    /// reconnect backoff, TLS and SASL.
    pub connection: ConnectionConfig,
    /// Metadata is refreshed at least this often, in milliseconds. Default
    /// 300000. Kafka: `metadata.max.age.ms`.
    pub metadata_max_age_ms: u64,
    /// The least time between two on-demand refreshes, in milliseconds, so
    /// a burst of NOT_LEADER errors causes one Metadata request, not
    /// hundreds. Default 100 (Java's `retry.backoff.ms`).
    pub metadata_refresh_backoff_ms: u64,
    /// Whether asking about an unknown topic creates it (broker permitting).
    /// Default true. Kafka: `allow.auto.create.topics`.
    pub allow_auto_topic_creation: bool,
}

impl ClientConfig {
    /// Settings for a cluster reached through `bootstrap_servers`
    /// (`bootstrap.servers`), with every other setting at its default:
    /// `metadata.max.age.ms` 300000, a 100 ms refresh backoff,
    /// `allow.auto.create.topics` true and [`ConnectionConfig::default`].
    pub fn new<S: Into<String>>(bootstrap_servers: impl IntoIterator<Item = S>) -> Self {
        Self {
            bootstrap_servers: bootstrap_servers.into_iter().map(Into::into).collect(),
            connection: ConnectionConfig::default(),
            metadata_max_age_ms: 300_000,
            metadata_refresh_backoff_ms: 100,
            allow_auto_topic_creation: true,
        }
    }

    /// Connection settings: `client.id`, timeouts, reconnect backoff, TLS
    /// and SASL. Default [`ConnectionConfig::default`].
    ///
    /// ```
    /// use kctl_client::ClientConfig;
    /// use kctl_client::connection::ConnectionConfig;
    ///
    /// let config = ClientConfig::new(["localhost:9092"])
    ///     .connection(ConnectionConfig::default().client_id("billing"))
    ///     .metadata_max_age_ms(60_000)
    ///     .allow_auto_topic_creation(false);
    /// assert_eq!(config.connection.client_id.as_deref(), Some("billing"));
    /// ```
    pub fn connection(mut self, connection: ConnectionConfig) -> Self {
        self.connection = connection;
        self
    }

    /// `metadata.max.age.ms`: the longest time between metadata refreshes.
    /// Default 300000.
    pub fn metadata_max_age_ms(mut self, metadata_max_age_ms: u64) -> Self {
        self.metadata_max_age_ms = metadata_max_age_ms;
        self
    }

    /// The least time between two on-demand metadata refreshes. Default
    /// 100 (Java's `retry.backoff.ms`).
    pub fn metadata_refresh_backoff_ms(mut self, metadata_refresh_backoff_ms: u64) -> Self {
        self.metadata_refresh_backoff_ms = metadata_refresh_backoff_ms;
        self
    }

    /// `allow.auto.create.topics`: whether asking for an unknown topic's
    /// metadata creates it, where the broker allows that. Default true.
    pub fn allow_auto_topic_creation(mut self, allow: bool) -> Self {
        self.allow_auto_topic_creation = allow;
        self
    }
}

/// A connection to a Kafka cluster. Cheap to clone; clones share
/// connections and metadata.
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<ClientInner>,
}

#[derive(Debug)]
struct ClientInner {
    config: ClientConfig,
    connector: Arc<Connector>,
    bootstrap: Vec<Arc<BrokerConnection>>,
    brokers: Mutex<HashMap<i32, Arc<BrokerConnection>>>,
    metadata: RwLock<Arc<ClusterMetadata>>,
    /// Counts the metadata snapshots stored: a reader that resolved
    /// something from the metadata knows it is still current while this
    /// has not moved, without taking the lock (the producer's send path).
    metadata_generation: AtomicU64,
    /// Topics the refresher asks about; grows as the client is used.
    interesting_topics: Mutex<HashSet<String>>,
    /// Set by a pattern subscription: refreshes ask for every topic.
    all_topics: AtomicBool,
    /// Serialises refreshes; holds the time the last one finished.
    refresh_lock: tokio::sync::Mutex<Option<Instant>>,
    /// Shared with the refresher, which must not keep the client alive.
    refresh_wanted: Arc<Notify>,
}

impl Drop for ClientInner {
    fn drop(&mut self) {
        // Wakes the refresher so it sees the client is gone and exits.
        self.refresh_wanted.notify_one();
    }
}

impl Client {
    /// Connects to the cluster: fetches metadata from the first bootstrap
    /// server that answers, and starts the periodic refresher.
    pub async fn connect(config: ClientConfig) -> Result<Self> {
        if config.bootstrap_servers.is_empty() {
            return Err(Error::Config("bootstrap.servers is empty".into()));
        }
        let connector = Arc::new(Connector::new(config.connection.clone())?);
        let bootstrap = config
            .bootstrap_servers
            .iter()
            .map(|addr| Arc::new(BrokerConnection::new(addr.trim(), Arc::clone(&connector))))
            .collect();
        let inner = Arc::new(ClientInner {
            config,
            connector,
            bootstrap,
            brokers: Mutex::new(HashMap::new()),
            metadata: RwLock::new(Arc::new(ClusterMetadata::default())),
            metadata_generation: AtomicU64::new(0),
            interesting_topics: Mutex::new(HashSet::new()),
            all_topics: AtomicBool::new(false),
            refresh_lock: tokio::sync::Mutex::new(None),
            refresh_wanted: Arc::new(Notify::new()),
        });
        let client = Self { inner };
        client.bootstrap_metadata().await?;
        tokio::spawn(refresh_loop(Arc::downgrade(&client.inner)));
        Ok(client)
    }

    /// The first metadata fetch. A broker that was reached but whose
    /// connection broke mid-request (a reset during ApiVersions, a response
    /// cut short) is tried again with the reconnect backoff, within
    /// `request.timeout.ms` of the start: a flaky network or a proxy
    /// restarting should not fail `build()`. Nothing listening
    /// ([`Error::BootstrapUnreachable`]), a request timeout, or a refused
    /// certificate or password still fails at once, as before.
    async fn bootstrap_metadata(&self) -> Result<()> {
        let connection = &self.inner.config.connection;
        let deadline = Instant::now() + Duration::from_millis(connection.request_timeout_ms);
        let mut attempt = 0;
        loop {
            let error = match self.refresh_metadata().await {
                Ok(_) => return Ok(()),
                Err(e) => e,
            };
            attempt += 1;
            let delay = connection.reconnect_backoff.delay(attempt);
            if !broke_mid_request(&error) || Instant::now() + delay >= deadline {
                return Err(error);
            }
            tracing::debug!(%error, attempt, "bootstrap metadata failed; retrying");
            tokio::time::sleep(delay).await;
        }
    }

    /// The settings the client was connected with.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The current metadata snapshot.
    pub fn metadata(&self) -> Arc<ClusterMetadata> {
        Arc::clone(&crate::sync::read(&self.inner.metadata))
    }

    /// Moves whenever a new metadata snapshot is stored. Read it before
    /// [`metadata`](Self::metadata): what was resolved from that snapshot is
    /// current while this returns the same value.
    pub(crate) fn metadata_generation(&self) -> u64 {
        self.inner.metadata_generation.load(Ordering::Acquire)
    }

    /// Asks the background refresher for fresh metadata soon (used after
    /// NOT_LEADER_OR_FOLLOWER and friends, or a lost connection).
    pub fn request_metadata_refresh(&self) {
        self.inner.refresh_wanted.notify_one();
    }

    /// Makes every later refresh ask for all the cluster's topics instead
    /// of the ones the client has used (a consumer's pattern subscription
    /// needs to see topics it has never heard of).
    pub fn track_all_topics(&self) {
        self.inner.all_topics.store(true, Ordering::Release);
    }

    /// A topic's metadata, fetched now if the cache does not have it. Adds
    /// the topic to those the client keeps refreshed.
    pub async fn topic_metadata(&self, topic: &str) -> Result<Arc<TopicMetadata>> {
        if let Some(t) = self
            .metadata()
            .topic(topic)
            .filter(|t| !t.partitions.is_empty())
        {
            return Ok(Arc::clone(t));
        }
        crate::sync::lock(&self.inner.interesting_topics).insert(topic.to_owned());
        let metadata = self.refresh_metadata().await?;
        match metadata.topic(topic) {
            Some(t) if !t.partitions.is_empty() => Ok(Arc::clone(t)),
            Some(t) => Err(Error::kafka(
                t.error.unwrap_or(ErrorCode::LeaderNotAvailable),
                ErrorContext::topic(ApiKey::Metadata, topic),
            )),
            None => Err(Error::kafka(
                ErrorCode::UnknownTopicOrPartition,
                ErrorContext::topic(ApiKey::Metadata, topic),
            )),
        }
    }

    /// Fetches metadata for every topic of interest now.
    pub async fn refresh_metadata(&self) -> Result<Arc<ClusterMetadata>> {
        let started = Instant::now();
        let mut last_refresh = self.inner.refresh_lock.lock().await;
        if last_refresh.is_some_and(|at| at >= started) {
            // Someone refreshed while we waited for the lock; that will do.
            return Ok(self.metadata());
        }
        let topics: Vec<String> = crate::sync::lock(&self.inner.interesting_topics)
            .iter()
            .cloned()
            .collect();
        let topics = (!self.inner.all_topics.load(Ordering::Acquire)).then(|| {
            topics
                .iter()
                .map(|t| {
                    MetadataRequestTopic::default()
                        .with_name(Some(TopicName(StrBytes::from_string(t.clone()))))
                })
                .collect()
        });
        let (conn, _) = self.any_connection().await?;
        let version = conn.version_for::<MetadataRequest>(None)?;
        let request =
            metadata_request(topics, self.inner.config.allow_auto_topic_creation, version);
        let response = conn.request_at(&request, version).await?;
        let previous = self.metadata();
        let fresh = Arc::new(ClusterMetadata::from_response(&response, Some(&previous)));
        self.update_brokers(&fresh);
        *crate::sync::write(&self.inner.metadata) = Arc::clone(&fresh);
        // After the store: a reader that saw the old generation re-resolves.
        self.inner
            .metadata_generation
            .fetch_add(1, Ordering::Release);
        *last_refresh = Some(Instant::now());
        Ok(fresh)
    }

    /// The connection handle of a broker known from metadata.
    pub fn broker(&self, id: i32) -> Option<Arc<BrokerConnection>> {
        crate::sync::lock(&self.inner.brokers).get(&id).cloned()
    }

    /// The coordinator of `key` (a group id for [`CoordinatorKind::Group`],
    /// a transactional id for [`CoordinatorKind::Transaction`]): its broker
    /// id and a live connection to it. One attempt; errors such as
    /// COORDINATOR_NOT_AVAILABLE are retriable.
    pub async fn find_coordinator(
        &self,
        kind: CoordinatorKind,
        key: &str,
    ) -> Result<(i32, Arc<Connection>)> {
        let (conn, _) = self.any_connection().await?;
        let version = conn.version_for::<FindCoordinatorRequest>(None)?;
        let request = if version >= FIND_COORDINATOR_BATCHED_VERSION {
            FindCoordinatorRequest::default()
                .with_key_type(kind as i8)
                .with_coordinator_keys(vec![StrBytes::from_string(key.to_owned())])
        } else {
            FindCoordinatorRequest::default()
                .with_key(StrBytes::from_string(key.to_owned()))
                .with_key_type(kind as i8)
        };
        let response = conn.request_at(&request, version).await?;
        let (code, message, node_id) = if version >= FIND_COORDINATOR_BATCHED_VERSION {
            let found = response.coordinators.into_iter().next().ok_or_else(|| {
                Error::kafka(
                    ErrorCode::CoordinatorNotAvailable,
                    ErrorContext::api(ApiKey::FindCoordinator)
                        .with_message(Some(format!("no coordinator named for '{key}'"))),
                )
            })?;
            (found.error_code, found.error_message, found.node_id.0)
        } else {
            (
                response.error_code,
                response.error_message,
                response.node_id.0,
            )
        };
        if let Some(code) = ErrorCode::try_from_code(code) {
            return Err(Error::kafka(
                code,
                ErrorContext::api(ApiKey::FindCoordinator).with_message(Some(match message {
                    Some(m) => format!("'{key}': {m}"),
                    None => format!("'{key}'"),
                })),
            ));
        }
        let broker = match self.broker(node_id) {
            Some(b) => b,
            None => {
                self.refresh_metadata().await?;
                self.broker(node_id).ok_or_else(|| {
                    Error::kafka(
                        ErrorCode::CoordinatorNotAvailable,
                        ErrorContext::api(ApiKey::FindCoordinator).with_message(Some(format!(
                            "coordinator {node_id} of '{key}' is not in the metadata"
                        ))),
                    )
                })?
            }
        };
        Ok((node_id, broker.get().await?))
    }

    /// A live connection to any broker: known brokers first, then the
    /// bootstrap list.
    pub async fn any_connection(&self) -> Result<(Arc<Connection>, Arc<BrokerConnection>)> {
        let mut candidates: Vec<Arc<BrokerConnection>> = crate::sync::lock(&self.inner.brokers)
            .values()
            .cloned()
            .collect();
        // Spread metadata load; also avoids always trying a dead broker first.
        let skip = if candidates.is_empty() {
            0
        } else {
            rand::random_range(0..candidates.len())
        };
        candidates.rotate_left(skip);
        candidates.extend(self.inner.bootstrap.iter().cloned());
        if let Some(live) = candidates
            .iter()
            .find_map(|b| b.current().map(|c| (c, Arc::clone(b))))
        {
            return Ok(live);
        }
        let only_bootstrap = candidates.len() == self.inner.bootstrap.len();
        let mut last = None;
        let mut attempts = Vec::new();
        for broker in candidates {
            match broker.get().await {
                Ok(conn) => return Ok((conn, broker)),
                // Another broker would refuse the same credentials or
                // certificate; say why at once, not "no broker reachable".
                Err(e) if !e.is_retriable() => return Err(Error::from(e)),
                Err(e) => {
                    attempts.push((broker.addr().to_owned(), e.clone()));
                    last = Some(Error::from(e));
                }
            }
        }
        // Before the first metadata, every address is one the user gave:
        // name each, so a typo or a stopped broker shows at once.
        if only_bootstrap && attempts.iter().all(|(_, e)| e.is_unreachable()) {
            return Err(Error::BootstrapUnreachable { attempts });
        }
        Err(Error::NoBrokerAvailable {
            last: Box::new(last.unwrap_or_else(|| Error::Config("no brokers configured".into()))),
        })
    }

    fn update_brokers(&self, metadata: &ClusterMetadata) {
        let mut brokers = crate::sync::lock(&self.inner.brokers);
        for (id, info) in &metadata.brokers {
            let addr = info.addr();
            if brokers.get(id).is_none_or(|b| b.addr() != addr) {
                brokers.insert(
                    *id,
                    Arc::new(BrokerConnection::new(
                        addr,
                        Arc::clone(&self.inner.connector),
                    )),
                );
            }
        }
    }
}

async fn refresh_loop(inner: Weak<ClientInner>) {
    loop {
        let (max_age, backoff, wanted) = {
            let Some(inner) = inner.upgrade() else { return };
            let max_age = Duration::from_millis(inner.config.metadata_max_age_ms);
            let backoff = Duration::from_millis(inner.config.metadata_refresh_backoff_ms);
            (max_age, backoff, Arc::clone(&inner.refresh_wanted))
        };
        // notify_one leaves a permit when nobody waits, so a request made
        // between iterations is not lost.
        tokio::select! {
            () = wanted.notified() => {}
            () = tokio::time::sleep(max_age) => {}
        }
        let Some(inner) = inner.upgrade() else { return };
        let client = Client { inner };
        if let Err(e) = client.refresh_metadata().await {
            tracing::warn!(error = %e, "metadata refresh failed");
            let retry = Backoff {
                initial_ms: backoff.as_millis() as u64,
                max_ms: 1_000,
                jitter: 0.2,
            };
            tokio::time::sleep(retry.delay(1)).await;
        }
        drop(client);
        tokio::time::sleep(backoff).await;
    }
}

/// A Metadata request for `topics` (`None`: all). Before v4 the request has
/// no `allow_auto_topic_creation` field — the broker's own setting decides —
/// so it must keep its default there or the request cannot be encoded.
/// What a coordinator coordinates, as FindCoordinator's key type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoordinatorKind {
    /// A consumer group's coordinator.
    Group = 0,
    /// A transactional id's coordinator.
    Transaction = 1,
}

/// FindCoordinator v4+ batches keys (KIP-699).
const FIND_COORDINATOR_BATCHED_VERSION: i16 = 4;

pub(crate) fn metadata_request(
    topics: Option<Vec<MetadataRequestTopic>>,
    allow_auto_topic_creation: bool,
    version: i16,
) -> MetadataRequest {
    const AUTO_CREATE_FIELD_SINCE_VERSION: i16 = 4;
    MetadataRequest::default()
        .with_topics(topics)
        .with_allow_auto_topic_creation(
            allow_auto_topic_creation || version < AUTO_CREATE_FIELD_SINCE_VERSION,
        )
}
