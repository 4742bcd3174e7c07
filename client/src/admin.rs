//! The admin client: topics, configs, offsets, records and the cluster.
//!
//! [`Admin`] sits on a [`Client`] and sends each request where Kafka wants
//! it:
//!
//! | operation | sent to |
//! |---|---|
//! | create/delete topics, create partitions | the controller |
//! | describe topics, list topics, describe cluster | any broker |
//! | describe/alter configs of a topic (or the broker default) | any broker |
//! | describe/alter configs of broker *n* | broker *n* itself |
//! | list offsets, delete records | each partition's leader, one request per leader |
//! | list groups | every broker |
//! | create/describe/delete ACLs | any broker |
//! | describe/delete groups, committed offsets (fetch, commit, delete) | the group's coordinator |
//!
//! Every call has one deadline ([`AdminConfig::api_timeout_ms`], Java's
//! `default.api.timeout.ms`) covering its retries: a lost connection, a
//! moved controller or leader is retried after a metadata refresh, and what
//! is still failing at the deadline ends as [`Error::OperationTimeout`].
//!
//! Operations on many items return one result per item, in request order,
//! so one unknown topic does not hide what happened to the others. A failed
//! item carries Kafka's error code and the broker's message
//! ([`Error::Kafka`]).
//!
//! # Layout
//!
//! - `topics`: create, delete, list, describe, create partitions;
//! - `configs`: describe, alter (AlterConfigs) and incremental alter;
//! - `partitions`: list offsets and delete records, routed to leaders;
//! - `cluster`: DescribeCluster with a Metadata fallback;
//! - `groups`: consumer groups, their committed offsets and lag;
//! - `acls`: create, describe and delete ACL bindings.

mod acls;
mod cluster;
pub mod config;
mod configs;
mod groups;
mod partitions;
mod share_groups;
mod topics;
mod transactions;

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use kafka_protocol::messages::{
    AlterConfigsResponse, ConsumerGroupDescribeResponse, CreateAclsResponse,
    CreatePartitionsResponse, DeleteAclsResponse, DeleteGroupsResponse, DeleteRecordsResponse,
    DescribeAclsResponse, DescribeClusterResponse, DescribeConfigsResponse, DescribeGroupsResponse,
    IncrementalAlterConfigsResponse, ListGroupsResponse, OffsetCommitResponse,
    OffsetDeleteResponse, OffsetFetchResponse,
};
use tokio::time::Instant;

use crate::client::{Client, ClientConfig};
use crate::connection::{Connection, Throttled};
use crate::error::{Error, ErrorCode, RequestError, Result};

pub use crate::offsets::{
    IsolationLevel, ListedOffset, OffsetAndMetadata, OffsetSpec, TopicPartition,
};
pub use crate::protocol::acl::{
    AccessControlEntry, AclBinding, AclBindingFilter, AclOperation, AclPermissionType,
    ParseAclError, PatternType, ResourcePattern, ResourceType,
};
pub use cluster::ClusterDescription;
pub use config::AdminConfig;
pub use configs::{
    AlterConfigOp, ConfigEntry, ConfigResource, ConfigSource, ConfigSynonym, ConfigType,
    DescribeConfigsOptions,
};
pub use groups::{
    CLASSIC_GROUP_TYPE, CONSUMER_GROUP_TYPE, GroupDescription, GroupListing, GroupMember,
    GroupResult, Lag, ListGroupsOptions, PartitionLag, PlannedOffset, ResetTarget,
    decode_assignment, decode_subscription,
};
pub use share_groups::{
    SHARE_GROUP_TYPE, ShareGroupDescription, ShareGroupMember, ShareGroupOffset,
    SharePartitionStatistics,
};
pub use topics::{
    CreateTopicsOptions, CreatedTopic, NewPartitions, NewTopic, PartitionInfo, TopicDescription,
    TopicId, TopicListing,
};
pub use transactions::{
    ListTransactionsOptions, ProducerState, TransactionDescription, TransactionListing,
};

macro_rules! throttled {
    ($($t:ident),* $(,)?) => {
        $(impl Throttled for $t {
            fn throttle_time_ms(&self) -> i32 { self.throttle_time_ms }
        })*
    };
}

throttled!(
    CreateAclsResponse,
    DescribeAclsResponse,
    DeleteAclsResponse,
    CreatePartitionsResponse,
    DescribeConfigsResponse,
    AlterConfigsResponse,
    IncrementalAlterConfigsResponse,
    DescribeClusterResponse,
    DeleteRecordsResponse,
    ListGroupsResponse,
    DescribeGroupsResponse,
    ConsumerGroupDescribeResponse,
    DeleteGroupsResponse,
    OffsetFetchResponse,
    OffsetCommitResponse,
    OffsetDeleteResponse,
);

/// One item's outcome in a call about many topics.
#[derive(Debug, Clone)]
pub struct TopicResult<T> {
    /// The topic the result is about.
    pub topic: String,
    /// What happened to it.
    pub result: Result<T>,
}

/// One item's outcome in a call about many partitions.
#[derive(Debug, Clone)]
pub struct PartitionResult<T> {
    /// The partition the result is about.
    pub partition: TopicPartition,
    /// What happened to it.
    pub result: Result<T>,
}

/// One item's outcome in a call about many config resources.
#[derive(Debug, Clone)]
pub struct ResourceResult<T> {
    /// The resource the result is about.
    pub resource: ConfigResource,
    /// What happened to it.
    pub result: Result<T>,
}

/// One item's outcome of a call about many items ([`TopicResult`],
/// [`PartitionResult`], [`ResourceResult`], [`GroupResult`]). Calls about
/// many items succeed as a whole even when items fail; this trait and
/// [`ItemResults::all`] turn the items' failures into an `Err`, so the easy
/// path cannot drop one.
pub trait ItemResult {
    /// The item's success value.
    type Output;
    /// The item's result; its error names the item (topic, partition,
    /// resource or group) in its context.
    fn into_result(self) -> Result<Self::Output>;
}

/// [`all`](ItemResults::all) on the `Vec` of per-item results a call
/// returns.
///
/// ```no_run
/// use kctl_client::admin::{CreateTopicsOptions, ItemResults, NewTopic};
///
/// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
/// // Fails if any topic was not created, not only if the request failed.
/// let created = admin
///     .create_topics(
///         &[NewTopic::new("a").partitions(3), NewTopic::new("b")],
///         CreateTopicsOptions::default(),
///     )
///     .await?
///     .all()?;
/// assert_eq!(created.len(), 2);
/// # Ok(()) }
/// ```
pub trait ItemResults {
    /// The items' success value.
    type Output;
    /// Every item's value, in order, or the first item's error.
    fn all(self) -> Result<Vec<Self::Output>>;
}

impl<R: ItemResult> ItemResults for Vec<R> {
    type Output = R::Output;

    fn all(self) -> Result<Vec<R::Output>> {
        self.into_iter().map(ItemResult::into_result).collect()
    }
}

macro_rules! item_result {
    ($($t:ident),*) => {
        $(
            impl<T> ItemResult for $t<T> {
                type Output = T;
                fn into_result(self) -> Result<T> {
                    self.result
                }
            }

            impl<T> $t<T> {
                /// The item's result, as [`ItemResult::into_result`].
                pub fn into_result(self) -> Result<T> {
                    self.result
                }

                /// Whether the item succeeded.
                pub fn is_ok(&self) -> bool {
                    self.result.is_ok()
                }
            }
        )*
    };
}

item_result!(TopicResult, PartitionResult, ResourceResult, GroupResult);

/// Administers a cluster. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Admin {
    client: Client,
    config: Arc<AdminConfig>,
}

impl Admin {
    /// Starts configuring an admin client; see [`AdminConfig`] for every
    /// setting and its default.
    ///
    /// ```no_run
    /// # async fn demo() -> kctl_client::Result<()> {
    /// let admin = kctl_client::Admin::builder(["localhost:9092"]).build().await?;
    /// for topic in admin.list_topics(false).await? {
    ///     println!("{}", topic.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn builder<S: Into<String>>(bootstrap_servers: impl IntoIterator<Item = S>) -> AdminConfig {
        AdminConfig::new(bootstrap_servers)
    }

    /// Starts configuring an admin client from Kafka-style properties; see
    /// [`AdminConfig::from_properties`].
    ///
    /// ```no_run
    /// # async fn demo() -> kctl_client::Result<()> {
    /// let admin = kctl_client::Admin::from_properties([
    ///     ("bootstrap.servers", "localhost:9092"),
    ///     ("default.api.timeout.ms", "10000"),
    /// ])?
    /// .build()
    /// .await?;
    /// # Ok(()) }
    /// ```
    pub fn from_properties<K, V>(
        properties: impl IntoIterator<Item = (K, V)>,
    ) -> Result<AdminConfig>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        AdminConfig::from_properties(properties)
    }

    /// An admin on an existing [`Client`], sharing its connections and
    /// metadata with the producers and consumers made on it (franz-go's
    /// single client). `config.client` is replaced by the client's own
    /// settings. The client should not auto-create topics
    /// ([`ClientConfig::allow_auto_topic_creation`]), or describing a
    /// missing topic may create it.
    ///
    /// ```no_run
    /// use kctl_client::{Admin, AdminConfig, Client, ClientConfig, Producer, ProducerConfig};
    ///
    /// # async fn demo() -> kctl_client::Result<()> {
    /// let mut shared = ClientConfig::new(["localhost:9092"]);
    /// shared.allow_auto_topic_creation = false;
    /// let client = Client::connect(shared).await?;
    /// let admin = Admin::with_client(client.clone(), AdminConfig::default());
    /// let producer = Producer::with_client(client, ProducerConfig::default()).await?;
    /// # drop((admin, producer)); Ok(()) }
    /// ```
    pub fn with_client(client: Client, mut config: AdminConfig) -> Self {
        config.client = client.config().clone();
        Self {
            client,
            config: Arc::new(config),
        }
    }

    /// Connects a client that never auto-creates topics, and wraps it:
    /// the same as [`Admin::builder`] with `client_config` and the admin
    /// settings of `config`.
    pub async fn connect(client_config: ClientConfig, mut config: AdminConfig) -> Result<Self> {
        config.client = client_config;
        config.client.allow_auto_topic_creation = false;
        config.build().await
    }

    /// The client the admin uses (metadata, connections).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The admin's settings.
    pub fn config(&self) -> &AdminConfig {
        &self.config
    }

    /// Lets go of this handle. An admin call holds nothing between calls,
    /// so there is nothing to flush: the connections close once the last
    /// user of the [`Client`] (this admin, its clones, or producers and
    /// consumers sharing the client) is gone. Here so that all three clients
    /// end the same way: `close(self).await`.
    pub async fn close(self) {
        drop(self);
    }

    fn deadline(&self) -> Instant {
        Instant::now() + Duration::from_millis(self.config.api_timeout_ms)
    }

    fn timeout_error(&self, operation: &'static str, last: Option<Error>) -> Error {
        Error::OperationTimeout {
            operation,
            timeout_ms: self.config.api_timeout_ms,
            last: last.map(Box::new),
        }
    }

    /// A connection to the controller, refreshing metadata when the
    /// controller is unknown.
    async fn controller(&self) -> Result<Arc<Connection>> {
        let mut metadata = self.client.metadata();
        if metadata.controller_id < 0 || self.client.broker(metadata.controller_id).is_none() {
            metadata = self.client.refresh_metadata().await?;
        }
        match self.client.broker(metadata.controller_id) {
            Some(broker) => Ok(broker.get().await?),
            // Some brokers (and KRaft clusters hiding the controller) report
            // none; any broker forwards admin requests then.
            None => Ok(self.client.any_connection().await?.0),
        }
    }

    /// A connection to broker `id`, refreshing metadata once if it is not
    /// known yet.
    async fn broker_connection(&self, id: i32) -> Result<Arc<Connection>> {
        if self.client.broker(id).is_none() {
            self.client.refresh_metadata().await?;
        }
        let broker = self.client.broker(id).ok_or_else(|| {
            Error::Config(format!("broker {id} is not in the cluster's metadata"))
        })?;
        Ok(broker.get().await?)
    }

    /// Runs `attempt` until it succeeds, fails for good, or the deadline
    /// passes. Retriable failures refresh metadata when they say it is
    /// stale.
    async fn retrying<T, F, Fut>(&self, operation: &'static str, mut attempt: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let deadline = self.deadline();
        let mut last = None;
        for round in 1u32.. {
            let outcome = match tokio::time::timeout_at(deadline, attempt()).await {
                Ok(outcome) => outcome,
                Err(_) => return Err(self.timeout_error(operation, last)),
            };
            match outcome {
                Err(e) if should_retry(&e) => {
                    tracing::debug!(operation, error = %e, round, "retrying");
                    self.before_retry(&e, deadline).await;
                    let delay = self.config.retry_backoff.delay(round);
                    if Instant::now() + delay >= deadline {
                        return Err(self.timeout_error(operation, Some(e)));
                    }
                    last = Some(e);
                    tokio::time::sleep(delay).await;
                }
                other => return other,
            }
        }
        unreachable!("the retry loop only ends by returning")
    }

    async fn before_retry(&self, error: &Error, deadline: Instant) {
        if error.invalidates_metadata() || error.code() == Some(ErrorCode::NotController) {
            // A failed refresh is retried by the next round's own request.
            let _ = tokio::time::timeout_at(deadline, self.client.refresh_metadata()).await;
        }
    }

    /// Like [`Admin::retrying`], for a request about many items: `send`
    /// gets the items still pending and answers one result per item; items
    /// that failed retriably are sent again, the rest are final. Results
    /// come back in the order of `items`.
    async fn per_item<K, T, F, Fut>(
        &self,
        operation: &'static str,
        items: Vec<K>,
        mut send: F,
    ) -> Vec<Result<T>>
    where
        K: Clone,
        F: FnMut(Vec<K>) -> Fut,
        Fut: Future<Output = Result<Vec<Result<T>>>>,
    {
        let deadline = self.deadline();
        let mut results: Vec<Option<Result<T>>> = items.iter().map(|_| None).collect();
        let mut pending: Vec<usize> = (0..items.len()).collect();
        let mut last: HashMap<usize, Error> = HashMap::new();
        for round in 1u32.. {
            if pending.is_empty() {
                break;
            }
            let batch: Vec<K> = pending.iter().map(|&i| items[i].clone()).collect();
            let answered = match tokio::time::timeout_at(deadline, send(batch)).await {
                Ok(Ok(answers)) => answers,
                Ok(Err(e)) => pending.iter().map(|_| Err(e.clone())).collect(),
                Err(_) => {
                    for &i in &pending {
                        results[i] = Some(Err(self.timeout_error(operation, last.remove(&i))));
                    }
                    break;
                }
            };
            debug_assert_eq!(answered.len(), pending.len());
            let mut retry = Vec::new();
            let mut stale = None;
            for (i, result) in pending.iter().copied().zip(answered) {
                match result {
                    Err(e) if should_retry(&e) => {
                        if stale.is_none() {
                            stale = Some(e.clone());
                        }
                        last.insert(i, e);
                        retry.push(i);
                    }
                    other => results[i] = Some(other),
                }
            }
            pending = retry;
            if let Some(e) = stale {
                self.before_retry(&e, deadline).await;
                let delay = self.config.retry_backoff.delay(round);
                if Instant::now() + delay >= deadline {
                    for &i in &pending {
                        results[i] = Some(Err(self.timeout_error(operation, last.remove(&i))));
                    }
                    break;
                }
                tokio::time::sleep(delay).await;
            }
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(self.timeout_error(operation, None))))
            .collect()
    }
}

/// Whether an admin call should try again. Narrower than
/// [`Error::is_retriable`]: an unknown topic is final for an admin call
/// (asking again does not create it), while a moved controller or leader
/// and a lost connection are not.
fn should_retry(error: &Error) -> bool {
    match error {
        Error::Request(RequestError::UnsupportedApi { .. } | RequestError::Protocol { .. }) => {
            false
        }
        Error::Request(_) | Error::NoBrokerAvailable { .. } => true,
        Error::Kafka { code, .. } => matches!(
            code,
            ErrorCode::NotController
                | ErrorCode::LeaderNotAvailable
                | ErrorCode::NotLeaderOrFollower
                | ErrorCode::FencedLeaderEpoch
                | ErrorCode::UnknownLeaderEpoch
                | ErrorCode::ThrottlingQuotaExceeded
                | ErrorCode::CoordinatorLoadInProgress
                // Group calls find the coordinator again on every attempt.
                | ErrorCode::NotCoordinator
                | ErrorCode::CoordinatorNotAvailable
        ),
        _ => false,
    }
}

/// Turns a response's error code and message into a per-item result.
fn check(
    code: i16,
    message: Option<&crate::protocol::StrBytes>,
    context: crate::error::ErrorContext,
) -> Result<()> {
    match ErrorCode::try_from_code(code) {
        None => Ok(()),
        Some(code) => Err(Error::kafka(
            code,
            context.with_message(message.map(|m| m.to_string())),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorContext;
    use crate::protocol::api::ApiKey;

    #[test]
    fn admin_retries_moves_but_not_missing_topics() {
        let ctx = ErrorContext::topic(ApiKey::CreateTopics, "t");
        assert!(should_retry(&Error::kafka(
            ErrorCode::NotController,
            ctx.clone()
        )));
        assert!(!should_retry(&Error::kafka(
            ErrorCode::UnknownTopicOrPartition,
            ctx.clone()
        )));
        assert!(!should_retry(&Error::kafka(
            ErrorCode::TopicAlreadyExists,
            ctx
        )));
        assert!(!should_retry(&Error::Request(
            RequestError::UnsupportedApi {
                api_key: ApiKey::AlterConfigs
            }
        )));
        assert!(should_retry(&Error::from(
            crate::error::ConnectionError::Closed
        )));
    }

    #[test]
    fn check_keeps_the_code_and_the_broker_message() {
        let message = crate::protocol::StrBytes::from_static_str("Topic 'x' does not exist.");
        let err = check(
            ErrorCode::UnknownTopicOrPartition.code(),
            Some(&message),
            ErrorContext::topic(ApiKey::DeleteTopics, "x"),
        )
        .unwrap_err();
        assert_eq!(err.code(), Some(ErrorCode::UnknownTopicOrPartition));
        assert!(err.to_string().contains("does not exist"), "{err}");
        assert!(check(0, None, ErrorContext::default()).is_ok());
    }
}
