//! Group membership (the classic protocol) and offset commits.
//!
//! Three tasks per consumer with a `group.id`:
//!
//! - the *membership* task finds the coordinator, joins (JoinGroup, with
//!   the MEMBER_ID_REQUIRED retry), runs the assignor when it leads, syncs,
//!   fetches committed offsets for new partitions and drives
//!   `Inner::apply_assignment`; it rejoins when told to and when the
//!   subscription changes;
//! - the *heartbeat* task, one per generation, heartbeats and reports
//!   what it learns (a rebalance, fencing, a poll timeout) to the
//!   membership task;
//! - the *committer* runs commits one at a time in the order they were
//!   asked for (so an older async commit never overwrites a newer one),
//!   and auto-commits on its interval.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use kafka_protocol::messages::consumer_protocol_assignment::TopicPartition as AssignedTopic;
use kafka_protocol::messages::consumer_protocol_subscription::TopicPartition as OwnedTopic;
use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_protocol::messages::leave_group_request::MemberIdentity;
use kafka_protocol::messages::sync_group_request::SyncGroupRequestAssignment;
use kafka_protocol::messages::{
    ApiKey, ConsumerProtocolAssignment, ConsumerProtocolSubscription, GroupId, HeartbeatRequest,
    JoinGroupRequest, LeaveGroupRequest, SyncGroupRequest, TopicName,
};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::assignor::{Assignor, MemberSubscription};
use super::state::{Inner, StartAt, Subscription};
use super::{OffsetAndMetadata, TopicPartition};
use crate::connection::Connection;
use crate::connection::broker::{BrokerConnection, Connector};
use crate::error::{Error, ErrorCode, ErrorContext, RequestError, Result};
use crate::offsets::group::{Committer, find_coordinator, offset_commit, offset_fetch};
use crate::protocol::consumer_protocol;
use crate::protocol::{Request, StrBytes};

/// How often the membership task looks at the subscription and metadata
/// without being woken.
const TICK: Duration = Duration::from_millis(200);
/// Between attempts after a coordinator or join error.
const RETRY: Duration = Duration::from_millis(100);

/// Told of partitions coming and going. Each call is awaited before the
/// group moves on, so `on_revoked` can commit what it processed before the
/// partitions go to another member.
pub trait RebalanceListener: Send + Sync + 'static {
    /// The partitions added to this member, after their positions are set
    /// from the committed offsets (or `auto.offset.reset`).
    fn on_assigned<'a>(
        &'a self,
        _group: &'a GroupHandle,
        _partitions: &'a [TopicPartition],
    ) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }
    /// Partitions about to be given up while they are still assigned:
    /// commits made here land before another member reads them.
    fn on_revoked<'a>(
        &'a self,
        _group: &'a GroupHandle,
        _partitions: &'a [TopicPartition],
    ) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }
    /// Partitions already owned by someone else: the member was fenced or
    /// its session expired. Commits would fail; whatever was not committed
    /// will be read again by the new owner.
    fn on_lost<'a>(
        &'a self,
        _group: &'a GroupHandle,
        _partitions: &'a [TopicPartition],
    ) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }
}

/// What a rebalance listener gets: commits and positions of the consumer.
#[derive(Clone)]
pub struct GroupHandle {
    group: Arc<Group>,
}

impl std::fmt::Debug for GroupHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupHandle")
            .field("group_id", &self.group.group_id)
            .finish_non_exhaustive()
    }
}

impl GroupHandle {
    /// Commits these offsets and waits for the answer.
    pub async fn commit(&self, offsets: BTreeMap<TopicPartition, OffsetAndMetadata>) -> Result<()> {
        self.group.commit(offsets).await
    }

    /// Commits the current positions of these partitions (the offset after
    /// the last record returned to the application).
    pub async fn commit_positions(&self, partitions: &[TopicPartition]) -> Result<()> {
        let wanted: BTreeSet<&TopicPartition> = partitions.iter().collect();
        let offsets = self
            .group
            .inner
            .positions()
            .into_iter()
            .filter(|(tp, _)| wanted.contains(tp))
            .map(|(tp, offset)| (tp, OffsetAndMetadata::new(offset)))
            .collect();
        self.group.commit(offsets).await
    }

    /// The current position of `tp`, if it is assigned and has one.
    pub fn position(&self, tp: &TopicPartition) -> Option<i64> {
        self.group
            .inner
            .positions()
            .into_iter()
            .find(|(p, _)| p == tp)
            .map(|(_, offset)| offset)
    }

    /// The member id the coordinator gave this consumer ("" before the
    /// first join).
    pub fn member_id(&self) -> String {
        self.group.member().member_id
    }

    /// The generation of the group this member last joined (−1 before).
    pub fn generation(&self) -> i32 {
        self.group.member().generation
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub(crate) member_id: String,
    pub(crate) generation: i32,
    /// Between a successful SyncGroup and the next rebalance.
    pub(crate) stable: bool,
    pub(crate) protocol: Option<Assignor>,
}

impl Member {
    fn unjoined() -> Self {
        Self {
            member_id: String::new(),
            generation: -1,
            stable: false,
            protocol: None,
        }
    }
}

/// What the heartbeat task and commits tell the membership task. Rejoin
/// and Lost name the generation they were learnt in: one the member has
/// left since is already answered by the join that left it.
#[derive(Debug)]
enum Event {
    /// The group is rebalancing (or this member must, after a
    /// cooperative revocation or a subscription change).
    Rejoin {
        generation: i32,
    },
    /// The coordinator no longer knows this member or generation: its
    /// partitions now belong to others.
    Lost {
        code: ErrorCode,
        generation: i32,
    },
    Fatal(Error),
    PollTimeout,
}

struct CommitJob {
    offsets: BTreeMap<TopicPartition, OffsetAndMetadata>,
    reply: Option<oneshot::Sender<Result<()>>>,
}

struct Coordinator {
    node_id: i32,
    broker: Arc<BrokerConnection>,
}

pub(crate) struct Group {
    pub(crate) inner: Arc<Inner>,
    pub(crate) group_id: String,
    instance_id: Option<String>,
    assignors: Vec<Assignor>,
    coordinator: Mutex<Option<Coordinator>>,
    /// Serialises FindCoordinator, so a burst of failures asks once.
    finding: tokio::sync::Mutex<()>,
    member: Mutex<Member>,
    listener: Mutex<Option<Arc<dyn RebalanceListener>>>,
    events: mpsc::UnboundedSender<Event>,
    commits: mpsc::UnboundedSender<CommitJob>,
    heartbeat: Mutex<Option<JoinHandle<()>>>,
    membership: Mutex<Option<JoinHandle<()>>>,
    /// Coordinator connections wait longer than others: a JoinGroup is
    /// answered only when the rebalance completes (Java: rebalance timeout
    /// + 5 s).
    coordinator_connector: Arc<Connector>,
}

impl std::fmt::Debug for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Group")
            .field("group_id", &self.group_id)
            .field("member", &self.member())
            .finish_non_exhaustive()
    }
}

/// Starts the group's tasks.
pub(crate) fn start(inner: &Arc<Inner>, group_id: String) -> Result<Arc<Group>> {
    let config = &inner.config;
    let mut join_connection = config.client.connection.clone();
    join_connection.request_timeout_ms = join_connection
        .request_timeout_ms
        .max(config.max_poll_interval_ms + 5_000);
    let (events, events_rx) = mpsc::unbounded_channel();
    let (commits, commits_rx) = mpsc::unbounded_channel();
    let group = Arc::new(Group {
        inner: Arc::clone(inner),
        group_id,
        instance_id: config.group_instance_id.clone(),
        assignors: config.assignors.clone(),
        coordinator: Mutex::new(None),
        finding: tokio::sync::Mutex::new(()),
        member: Mutex::new(Member::unjoined()),
        listener: Mutex::new(None),
        events,
        commits,
        heartbeat: Mutex::new(None),
        membership: Mutex::new(None),
        coordinator_connector: Arc::new(Connector::new(join_connection)?),
    });
    let membership = tokio::spawn(run_membership(Arc::clone(&group), events_rx));
    let committer = tokio::spawn(run_committer(Arc::clone(&group), commits_rx));
    *crate::sync::lock(&group.membership) = Some(membership);
    crate::sync::lock(&inner.tasks).push(committer);
    Ok(group)
}

impl Group {
    pub(crate) fn member(&self) -> Member {
        crate::sync::lock(&self.member).clone()
    }

    pub(crate) fn set_listener(&self, listener: Arc<dyn RebalanceListener>) {
        *crate::sync::lock(&self.listener) = Some(listener);
    }

    fn listener(&self) -> Option<Arc<dyn RebalanceListener>> {
        crate::sync::lock(&self.listener).clone()
    }

    fn handle(self: &Arc<Self>) -> GroupHandle {
        GroupHandle {
            group: Arc::clone(self),
        }
    }

    fn cooperative(&self) -> bool {
        self.assignors.iter().all(|a| a.is_cooperative())
    }

    fn context(&self, api: ApiKey) -> ErrorContext {
        ErrorContext::api(api).with_message(Some(format!("group {}", self.group_id)))
    }

    fn forget_coordinator(&self, node_id: i32) {
        let mut slot = crate::sync::lock(&self.coordinator);
        if slot.as_ref().is_some_and(|c| c.node_id == node_id) {
            tracing::debug!(group = %self.group_id, node_id, "coordinator forgotten");
            *slot = None;
        }
    }

    /// A connection to the group's coordinator, found with FindCoordinator
    /// when it is not known.
    async fn coordinator(&self) -> Result<(Arc<Connection>, i32)> {
        let known = crate::sync::lock(&self.coordinator)
            .as_ref()
            .map(|c| (Arc::clone(&c.broker), c.node_id));
        let (broker, node_id) = match known {
            Some(known) => known,
            None => self.find_coordinator().await?,
        };
        match broker.get().await {
            Ok(conn) => Ok((conn, node_id)),
            Err(e) => {
                self.forget_coordinator(node_id);
                Err(e.into())
            }
        }
    }

    async fn find_coordinator(&self) -> Result<(Arc<BrokerConnection>, i32)> {
        let _finding = self.finding.lock().await;
        if let Some(c) = crate::sync::lock(&self.coordinator).as_ref() {
            return Ok((Arc::clone(&c.broker), c.node_id));
        }
        let (conn, _) = self.inner.client.any_connection().await?;
        let found = self
            .bounded_call(
                ApiKey::FindCoordinator,
                find_coordinator(&conn, &self.group_id),
            )
            .await?;
        let node_id = found.node_id;
        let addr = found.addr();
        tracing::debug!(group = %self.group_id, node_id, %addr, "found the coordinator");
        let broker = Arc::new(BrokerConnection::new(
            addr,
            Arc::clone(&self.coordinator_connector),
        ));
        *crate::sync::lock(&self.coordinator) = Some(Coordinator {
            node_id,
            broker: Arc::clone(&broker),
        });
        Ok((broker, node_id))
    }

    /// A request that is not a JoinGroup/SyncGroup gets the ordinary
    /// request timeout, not the coordinator connection's long one.
    async fn bounded<T>(
        &self,
        api_key: ApiKey,
        f: impl std::future::Future<Output = std::result::Result<T, RequestError>>,
    ) -> Result<T> {
        let timeout_ms = self.inner.config.client.connection.request_timeout_ms;
        match tokio::time::timeout(Duration::from_millis(timeout_ms), f).await {
            Ok(r) => Ok(r?),
            Err(_) => Err(Error::Request(RequestError::Timeout {
                api_key,
                timeout_ms,
            })),
        }
    }

    /// Like [`Group::bounded`], for calls that already speak [`Error`].
    async fn bounded_call<T>(
        &self,
        api_key: ApiKey,
        f: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        let timeout_ms = self.inner.config.client.connection.request_timeout_ms;
        match tokio::time::timeout(Duration::from_millis(timeout_ms), f).await {
            Ok(r) => r,
            Err(_) => Err(Error::Request(RequestError::Timeout {
                api_key,
                timeout_ms,
            })),
        }
    }

    /// Runs `call` on the coordinator's connection within the request
    /// timeout; a lost connection or a timeout makes the next call look the
    /// coordinator up again.
    async fn on_coordinator<T, Fut>(
        &self,
        api_key: ApiKey,
        call: impl FnOnce(Arc<Connection>) -> Fut,
    ) -> Result<T>
    where
        Fut: std::future::Future<Output = Result<T>>,
    {
        let (conn, node_id) = self.coordinator().await?;
        let result = self.bounded_call(api_key, call(conn)).await;
        if let Err(Error::Request(RequestError::Connection(_) | RequestError::Timeout { .. })) =
            &result
        {
            self.forget_coordinator(node_id);
        }
        result
    }

    /// Sends a request to the coordinator; a lost connection or a
    /// coordinator error makes the next call look it up again.
    /// `build` makes the request for the negotiated version, since some
    /// fields may only be set from a version on.
    async fn to_coordinator<R>(
        &self,
        build: impl FnOnce(i16) -> R,
        cap: Option<i16>,
        long: bool,
    ) -> Result<R::Response>
    where
        R: Request,
        R::Response: crate::connection::Throttled,
    {
        let (conn, node_id) = self.coordinator().await?;
        let version = conn.version_for::<R>(cap)?;
        let request = &build(version);
        let result = if long {
            conn.request_at(request, version).await.map_err(Error::from)
        } else {
            let api_key = ApiKey::try_from(R::KEY).unwrap_or(ApiKey::ApiVersions);
            self.bounded(api_key, conn.request_at(request, version))
                .await
        };
        if let Err(Error::Request(RequestError::Connection(_) | RequestError::Timeout { .. })) =
            &result
        {
            self.forget_coordinator(node_id);
        }
        result
    }

    /// Forgets the coordinator if `code` says it moved.
    fn check_coordinator(&self, code: ErrorCode) {
        if matches!(
            code,
            ErrorCode::NotCoordinator | ErrorCode::CoordinatorNotAvailable
        ) {
            let node = crate::sync::lock(&self.coordinator)
                .as_ref()
                .map(|c| c.node_id);
            if let Some(node) = node {
                self.forget_coordinator(node);
            }
        }
    }

    /// Queues a commit behind any earlier ones and waits for its answer.
    pub(crate) async fn commit(
        &self,
        offsets: BTreeMap<TopicPartition, OffsetAndMetadata>,
    ) -> Result<()> {
        let (reply, answer) = oneshot::channel();
        self.commits
            .send(CommitJob {
                offsets,
                reply: Some(reply),
            })
            .map_err(|_| closed())?;
        answer.await.map_err(|_| closed())?
    }

    /// Queues a commit; the returned receiver has its answer.
    pub(crate) fn commit_in_background(
        &self,
        offsets: BTreeMap<TopicPartition, OffsetAndMetadata>,
    ) -> oneshot::Receiver<Result<()>> {
        let (reply, answer) = oneshot::channel();
        let _ = self.commits.send(CommitJob {
            offsets,
            reply: Some(reply),
        });
        answer
    }

    /// One OffsetCommit, retried while the coordinator moves, until the
    /// request timeout passes. Errors that say the generation is gone are
    /// returned at once, typed, and make the member rejoin.
    async fn send_commit(
        &self,
        offsets: &BTreeMap<TopicPartition, OffsetAndMetadata>,
    ) -> Result<()> {
        if offsets.is_empty() {
            return Ok(());
        }
        let deadline = Instant::now()
            + Duration::from_millis(self.inner.config.client.connection.request_timeout_ms);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let member = self.member();
            let result = self.commit_once(offsets, &member).await;
            let error = match result {
                Ok(()) => return Ok(()),
                Err(e) => e,
            };
            if let Some(code) = error.code() {
                self.check_coordinator(code);
                if matches!(
                    code,
                    ErrorCode::RebalanceInProgress
                        | ErrorCode::IllegalGeneration
                        | ErrorCode::UnknownMemberId
                ) {
                    let _ = self.events.send(Event::Rejoin {
                        generation: member.generation,
                    });
                    return Err(error);
                }
                if code == ErrorCode::FencedInstanceId {
                    let _ = self.events.send(Event::Fatal(error.clone()));
                    return Err(error);
                }
            }
            if !error.is_retriable() || Instant::now() >= deadline {
                return Err(error);
            }
            tokio::time::sleep(self.inner.config.retry_backoff.delay(attempt)).await;
        }
    }

    async fn commit_once(
        &self,
        offsets: &BTreeMap<TopicPartition, OffsetAndMetadata>,
        member: &Member,
    ) -> Result<()> {
        // Outside a generation (assign() with a group id), Kafka takes
        // commits as from a "simple" consumer: generation −1, no member.
        let (generation, member_id) = if member.generation > 0 {
            (member.generation, member.member_id.clone())
        } else {
            (-1, String::new())
        };
        let committer = Committer {
            group: &self.group_id,
            generation,
            member_id: &member_id,
            instance_id: self.instance_id.as_deref(),
        };
        let offsets: Vec<(TopicPartition, OffsetAndMetadata)> = offsets
            .iter()
            .map(|(tp, om)| (tp.clone(), om.clone()))
            .collect();
        let answers = self
            .on_coordinator(ApiKey::OffsetCommit, |conn| async move {
                offset_commit(&conn, &committer, &offsets).await
            })
            .await?;
        answers.into_iter().collect::<Result<Vec<()>>>()?;
        Ok(())
    }

    /// The committed offsets of these partitions (absent: none committed),
    /// retried while the coordinator moves or offsets are unstable.
    pub(crate) async fn committed(
        &self,
        partitions: &[TopicPartition],
    ) -> Result<BTreeMap<TopicPartition, OffsetAndMetadata>> {
        if partitions.is_empty() {
            return Ok(BTreeMap::new());
        }
        let deadline = Instant::now()
            + Duration::from_millis(self.inner.config.client.connection.request_timeout_ms);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let error = match self.fetch_committed_once(partitions).await {
                Ok(offsets) => return Ok(offsets),
                Err(e) => e,
            };
            if let Some(code) = error.code() {
                self.check_coordinator(code);
            }
            if !error.is_retriable() || Instant::now() >= deadline {
                return Err(error);
            }
            tokio::time::sleep(self.inner.config.retry_backoff.delay(attempt)).await;
        }
    }

    async fn fetch_committed_once(
        &self,
        partitions: &[TopicPartition],
    ) -> Result<BTreeMap<TopicPartition, OffsetAndMetadata>> {
        let answers = self
            .on_coordinator(ApiKey::OffsetFetch, |conn| async move {
                // Java asks for stable offsets (KIP-447) where it can.
                offset_fetch(&conn, &self.group_id, Some(partitions), true).await
            })
            .await?;
        let mut out = BTreeMap::new();
        for (tp, answer) in answers {
            if let Some(committed) = answer? {
                out.insert(tp, committed);
            }
        }
        Ok(out)
    }

    /// The topics this member subscribes to now, or `None` without a
    /// subscription (manual assignment).
    fn subscribed_topics(&self) -> Option<BTreeSet<String>> {
        let metadata = self.inner.client.metadata();
        let state = self.inner.lock();
        match &state.subscription {
            Subscription::Manual => None,
            Subscription::Topics(topics) => Some(topics.clone()),
            Subscription::Pattern(pattern) => Some(
                metadata
                    .topics
                    .values()
                    .filter(|t| !t.is_internal && pattern.is_match(&t.name))
                    .map(|t| t.name.clone())
                    .collect(),
            ),
        }
    }

    /// Stops the membership and heartbeat tasks without leaving.
    pub(crate) fn abort(&self) {
        if let Some(task) = crate::sync::lock(&self.membership).take() {
            task.abort();
        }
        self.stop_heartbeat();
    }

    fn stop_heartbeat(&self) {
        if let Some(task) = crate::sync::lock(&self.heartbeat).take() {
            task.abort();
        }
    }

    /// Gives up partitions: the listener hears first (still assigned, so it
    /// can commit), then they are revoked, then with auto-commit their
    /// positions at the moment of revocation are committed.
    async fn revoke(self: &Arc<Self>, partitions: &[TopicPartition]) {
        if partitions.is_empty() {
            return;
        }
        // Auto-commit first, then the listener, as Java's onJoinPrepare
        // does: a listener that commits what it processed has the last word.
        if self.inner.config.enable_auto_commit {
            let offsets = self
                .inner
                .positions()
                .into_iter()
                .filter(|(tp, _)| partitions.contains(tp))
                .map(|(tp, offset)| (tp, OffsetAndMetadata::new(offset)))
                .collect();
            if let Err(error) = self.commit(offsets).await {
                tracing::warn!(group = %self.group_id, %error, "commit of revoked partitions failed");
            }
        }
        if let Some(listener) = self.listener() {
            listener.on_revoked(&self.handle(), partitions).await;
        }
        self.inner.apply_assignment(&[], partitions);
    }

    /// Drops every partition without a commit: others own them already.
    async fn lose_all(self: &Arc<Self>) {
        let owned = self.inner.assignment();
        if owned.is_empty() {
            return;
        }
        tracing::info!(group = %self.group_id, partitions = owned.len(), "partitions lost");
        if let Some(listener) = self.listener() {
            listener.on_lost(&self.handle(), &owned).await;
        }
        self.inner.apply_assignment(&[], &owned);
    }

    fn reset_member(&self) {
        let mut member = crate::sync::lock(&self.member);
        *member = Member::unjoined();
    }

    /// Leaves on close: listener and auto-commit first, then LeaveGroup
    /// for a dynamic member (a static one keeps its place until its session
    /// times out, so a restart does not rebalance, as in Java).
    pub(crate) async fn close(self: &Arc<Self>) {
        if let Some(task) = crate::sync::lock(&self.membership).take() {
            task.abort();
        }
        self.stop_heartbeat();
        let group_managed = !matches!(self.inner.lock().subscription, Subscription::Manual);
        let owned = self.inner.assignment();
        if group_managed {
            self.revoke(&owned).await;
        } else if self.inner.config.enable_auto_commit {
            let offsets = self
                .inner
                .positions()
                .into_iter()
                .map(|(tp, o)| (tp, OffsetAndMetadata::new(o)))
                .collect();
            if let Err(error) = self.commit(offsets).await {
                tracing::warn!(group = %self.group_id, %error, "commit on close failed");
            }
        }
        let member = self.member();
        if self.instance_id.is_none()
            && !member.member_id.is_empty()
            && let Err(error) = self
                .leave(&member.member_id, "the consumer is closing")
                .await
        {
            tracing::debug!(group = %self.group_id, %error, "LeaveGroup failed");
        }
        self.reset_member();
    }

    async fn leave(&self, member_id: &str, reason: &str) -> Result<()> {
        let group_id = GroupId(StrBytes::from_string(self.group_id.clone()));
        let member_id = StrBytes::from_string(member_id.to_owned());
        let build = |version: i16| {
            let request = LeaveGroupRequest::default().with_group_id(group_id);
            // v3 (KIP-345) replaced the member id with a list of members.
            if version >= 3 {
                request.with_members(vec![
                    MemberIdentity::default()
                        .with_member_id(member_id)
                        .with_group_instance_id(self.instance_id.clone().map(StrBytes::from_string))
                        .with_reason(Some(StrBytes::from_string(reason.to_owned()))),
                ])
            } else {
                request.with_member_id(member_id)
            }
        };
        let response = self.to_coordinator(build, None, false).await?;
        if let Some(code) = response
            .members
            .iter()
            .find_map(|m| ErrorCode::try_from_code(m.error_code))
            .filter(|code| *code != ErrorCode::UnknownMemberId)
        {
            return Err(Error::kafka(code, self.context(ApiKey::LeaveGroup)));
        }
        match ErrorCode::try_from_code(response.error_code) {
            None | Some(ErrorCode::UnknownMemberId) => Ok(()),
            Some(code) => Err(Error::kafka(code, self.context(ApiKey::LeaveGroup))),
        }
    }
}

fn closed() -> Error {
    Error::Config("the consumer is closed".into())
}

fn topic_name(topic: &str) -> TopicName {
    TopicName(StrBytes::from_string(topic.to_owned()))
}

fn encode_subscription(
    topics: &BTreeSet<String>,
    owned: &[TopicPartition],
    generation: i32,
) -> Bytes {
    let mut by_topic: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
    for tp in owned {
        by_topic.entry(&tp.topic).or_default().push(tp.partition);
    }
    let subscription = ConsumerProtocolSubscription::default()
        .with_topics(
            topics
                .iter()
                .map(|t| StrBytes::from_string(t.clone()))
                .collect(),
        )
        .with_user_data(None)
        .with_owned_partitions(
            by_topic
                .into_iter()
                .map(|(t, partitions)| {
                    OwnedTopic::default()
                        .with_topic(topic_name(t))
                        .with_partitions(partitions)
                })
                .collect(),
        )
        .with_generation_id(generation)
        .with_rack_id(None);
    consumer_protocol::encode(&subscription, consumer_protocol::HIGHEST_VERSION)
}

/// A member's subscription from its JoinGroup metadata; `None` if it is not
/// a consumer-protocol subscription.
fn decode_subscription(member_id: &str, metadata: &Bytes) -> Option<MemberSubscription> {
    let (version, subscription) = consumer_protocol::decode_subscription(metadata).ok()?;
    Some(MemberSubscription {
        member_id: member_id.to_owned(),
        topics: subscription.topics.iter().map(|t| t.to_string()).collect(),
        owned: subscription
            .owned_partitions
            .iter()
            .flat_map(|t| {
                t.partitions
                    .iter()
                    .map(|p| TopicPartition::new(t.topic.0.as_str(), *p))
            })
            .collect(),
        generation: if version >= 2 {
            subscription.generation_id
        } else {
            -1
        },
    })
}

/// The assignment for one member, in a version it can read.
fn encode_assignment(partitions: &[TopicPartition], member_metadata: &Bytes) -> Bytes {
    let mut by_topic: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
    for tp in partitions {
        by_topic.entry(&tp.topic).or_default().push(tp.partition);
    }
    let assignment = ConsumerProtocolAssignment::default()
        .with_assigned_partitions(
            by_topic
                .into_iter()
                .map(|(t, partitions)| {
                    AssignedTopic::default()
                        .with_topic(topic_name(t))
                        .with_partitions(partitions)
                })
                .collect(),
        )
        .with_user_data(None);
    consumer_protocol::encode(&assignment, consumer_protocol::version_for(member_metadata))
}

fn decode_assignment(bytes: &Bytes) -> Result<Vec<TopicPartition>> {
    let assignment = consumer_protocol::decode_assignment(bytes).map_err(|e| {
        Error::Request(RequestError::Protocol {
            api_key: ApiKey::SyncGroup,
            source: Arc::new(e),
        })
    })?;
    let mut out: Vec<TopicPartition> = assignment
        .iter()
        .flat_map(|a| &a.assigned_partitions)
        .flat_map(|t| {
            t.partitions
                .iter()
                .map(|p| TopicPartition::new(t.topic.0.as_str(), *p))
        })
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// What one successful join and sync produced.
struct Joined {
    generation: i32,
    member_id: String,
    protocol: Assignor,
    assignment: Vec<TopicPartition>,
    topics: BTreeSet<String>,
    /// The partition counts the leader assigned from, to notice changes.
    leader_counts: Option<BTreeMap<String, i32>>,
}

enum JoinError {
    /// Try again after a pause (coordinator moved, not available, ...).
    Retry(Error),
    /// The member id or generation is gone: start over as a new member.
    Reset(ErrorCode),
    Fatal(Error),
}

impl Group {
    fn classify(&self, code: ErrorCode, api: ApiKey) -> JoinError {
        self.check_coordinator(code);
        let error = Error::kafka(code, self.context(api));
        match code {
            ErrorCode::UnknownMemberId | ErrorCode::IllegalGeneration => JoinError::Reset(code),
            ErrorCode::FencedInstanceId
            | ErrorCode::GroupAuthorizationFailed
            | ErrorCode::InvalidSessionTimeout
            | ErrorCode::InconsistentGroupProtocol
            | ErrorCode::GroupMaxSizeReached => JoinError::Fatal(error),
            _ => JoinError::Retry(error),
        }
    }

    async fn join_and_sync(
        &self,
        topics: BTreeSet<String>,
    ) -> std::result::Result<Joined, JoinError> {
        let config = &self.inner.config;
        let (owned, generation) = {
            let member = self.member();
            let owned = if self.cooperative() {
                self.inner.assignment()
            } else {
                Vec::new()
            };
            (owned, member.generation)
        };
        let metadata = encode_subscription(&topics, &owned, generation);
        let protocols: Vec<JoinGroupRequestProtocol> = self
            .assignors
            .iter()
            .map(|a| {
                JoinGroupRequestProtocol::default()
                    .with_name(StrBytes::from_static_str(a.name()))
                    .with_metadata(metadata.clone())
            })
            .collect();
        let mut member_id = self.member().member_id;
        let response = loop {
            let request = JoinGroupRequest::default()
                .with_group_id(GroupId(StrBytes::from_string(self.group_id.clone())))
                .with_session_timeout_ms(config.session_timeout_ms as i32)
                .with_rebalance_timeout_ms(config.max_poll_interval_ms as i32)
                .with_member_id(StrBytes::from_string(member_id.clone()))
                .with_group_instance_id(self.instance_id.clone().map(StrBytes::from_string))
                .with_protocol_type(StrBytes::from_static_str(consumer_protocol::PROTOCOL_TYPE))
                .with_protocols(protocols.clone());
            let response = self
                .to_coordinator(
                    |version| {
                        request.with_reason(
                            (version >= 8).then(|| StrBytes::from_static_str("joining")),
                        )
                    },
                    None,
                    true,
                )
                .await
                .map_err(JoinError::Retry)?;
            match ErrorCode::try_from_code(response.error_code) {
                None => break response,
                Some(ErrorCode::MemberIdRequired) => {
                    // KIP-394: the coordinator names us, then we join again
                    // under that name.
                    member_id = response.member_id.to_string();
                    crate::sync::lock(&self.member).member_id = member_id.clone();
                }
                Some(code) => return Err(self.classify(code, ApiKey::JoinGroup)),
            }
        };
        let generation = response.generation_id;
        let member_id = response.member_id.to_string();
        let protocol_name = response
            .protocol_name
            .as_ref()
            .map(|p| p.to_string())
            .unwrap_or_default();
        let protocol = Assignor::from_name(&protocol_name)
            .filter(|a| self.assignors.contains(a))
            .ok_or_else(|| {
                JoinError::Fatal(Error::kafka(
                    ErrorCode::InconsistentGroupProtocol,
                    self.context(ApiKey::JoinGroup)
                        .with_message(Some(format!("unknown protocol {protocol_name:?}"))),
                ))
            })?;
        {
            let mut member = crate::sync::lock(&self.member);
            member.member_id = member_id.clone();
            member.generation = generation;
            member.protocol = Some(protocol);
            member.stable = false;
        }
        let leads = response.leader.as_str() == member_id && !response.skip_assignment;
        let mut leader_counts = None;
        let assignments = if leads {
            let (assignments, counts) = self.lead(protocol, &response.members).await;
            leader_counts = Some(counts);
            assignments
        } else {
            Vec::new()
        };
        let request = SyncGroupRequest::default()
            .with_group_id(GroupId(StrBytes::from_string(self.group_id.clone())))
            .with_generation_id(generation)
            .with_member_id(StrBytes::from_string(member_id.clone()))
            .with_group_instance_id(self.instance_id.clone().map(StrBytes::from_string))
            .with_assignments(assignments);
        let response = self
            .to_coordinator(
                // v5 (KIP-559) lets the coordinator check the protocol.
                |version| {
                    if version >= 5 {
                        request
                            .with_protocol_type(Some(StrBytes::from_static_str(
                                consumer_protocol::PROTOCOL_TYPE,
                            )))
                            .with_protocol_name(Some(StrBytes::from_string(protocol_name)))
                    } else {
                        request
                    }
                },
                None,
                true,
            )
            .await
            .map_err(JoinError::Retry)?;
        if let Some(code) = ErrorCode::try_from_code(response.error_code) {
            return Err(self.classify(code, ApiKey::SyncGroup));
        }
        let assignment = decode_assignment(&response.assignment).map_err(JoinError::Retry)?;
        Ok(Joined {
            generation,
            member_id,
            protocol,
            assignment,
            topics,
            leader_counts,
        })
    }

    /// The leader's part: every member's assignment from all the
    /// subscriptions and the partition counts of their topics.
    async fn lead(
        &self,
        protocol: Assignor,
        members: &[kafka_protocol::messages::join_group_response::JoinGroupResponseMember],
    ) -> (Vec<SyncGroupRequestAssignment>, BTreeMap<String, i32>) {
        let subscriptions: Vec<MemberSubscription> = members
            .iter()
            .map(|m| {
                decode_subscription(m.member_id.as_str(), &m.metadata).unwrap_or_else(|| {
                    tracing::warn!(member = %m.member_id.as_str(), "unreadable subscription");
                    MemberSubscription {
                        member_id: m.member_id.to_string(),
                        topics: BTreeSet::new(),
                        owned: Vec::new(),
                        generation: -1,
                    }
                })
            })
            .collect();
        let all_topics: BTreeSet<&String> = subscriptions.iter().flat_map(|s| &s.topics).collect();
        // Assign from metadata fetched now, as librdkafka's leader does: the
        // cache can be minutes old, and partitions added since would go to
        // nobody until the next rebalance. The round trip also lets the
        // followers' SyncGroups arrive before the leader's: librdkafka's
        // mock cluster completes the sync on the leader's and refuses a
        // follower's that comes later, and each refusal costs the group
        // another rebalance. Topics only other members follow are not in
        // the cache; they are fetched below.
        if let Err(error) = self.inner.client.refresh_metadata().await {
            tracing::debug!(group = %self.group_id, %error, "assigning from cached metadata");
        }
        let mut counts = BTreeMap::new();
        for topic in all_topics {
            match self.inner.client.topic_metadata(topic).await {
                Ok(t) => {
                    counts.insert(topic.clone(), t.partitions.len() as i32);
                }
                Err(error) => tracing::debug!(%topic, %error, "subscribed topic not assignable"),
            }
        }
        let plan = protocol.assign(&subscriptions, &counts);
        tracing::debug!(group = %self.group_id, ?plan, "leader's assignment");
        let assignments = members
            .iter()
            .map(|m| {
                let partitions = plan
                    .get(m.member_id.as_str())
                    .map_or(&[][..], Vec::as_slice);
                SyncGroupRequestAssignment::default()
                    .with_member_id(m.member_id.clone())
                    .with_assignment(encode_assignment(partitions, &m.metadata))
            })
            .collect();
        (assignments, counts)
    }

    /// Takes a new assignment: revokes what left (cooperative only: eager
    /// members revoked everything before joining), looks up committed
    /// offsets of what arrived, and starts those. Returns whether the
    /// member must rejoin at once (it revoked partitions someone waits for).
    async fn take_assignment(self: &Arc<Self>, joined: &Joined) -> Result<bool> {
        let current: BTreeSet<TopicPartition> = self.inner.assignment().into_iter().collect();
        let new: BTreeSet<TopicPartition> = joined.assignment.iter().cloned().collect();
        let revoked: Vec<TopicPartition> = current.difference(&new).cloned().collect();
        let added: Vec<TopicPartition> = new.difference(&current).cloned().collect();
        self.revoke(&revoked).await;
        let committed = self.committed(&added).await?;
        let starts: Vec<(TopicPartition, StartAt)> = added
            .iter()
            .map(|tp| {
                let at = committed
                    .get(tp)
                    .map_or(StartAt::Default, |om| StartAt::Offset(om.offset));
                (tp.clone(), at)
            })
            .collect();
        self.inner.apply_assignment(&starts, &[]);
        tracing::info!(
            group = %self.group_id,
            generation = joined.generation,
            member = %joined.member_id,
            protocol = joined.protocol.name(),
            added = added.len(),
            revoked = revoked.len(),
            "assignment received"
        );
        if let Some(listener) = self.listener() {
            listener.on_assigned(&self.handle(), &added).await;
        }
        Ok(joined.protocol.is_cooperative() && !revoked.is_empty())
    }
}

async fn run_membership(group: Arc<Group>, mut events: mpsc::UnboundedReceiver<Event>) {
    let inner = Arc::clone(&group.inner);
    let mut need_join = true;
    let mut joined_topics: Option<BTreeSet<String>> = None;
    let mut leader_counts: Option<BTreeMap<String, i32>> = None;
    let mut left_at: Option<Instant> = None;
    let mut failures = 0u32;
    loop {
        if inner.lock().closed {
            return;
        }
        let Some(topics) = group.subscribed_topics() else {
            // assign(): no membership; leave if we were a member.
            if joined_topics.take().is_some() {
                group.stop_heartbeat();
                let member = group.member();
                if !member.member_id.is_empty() && group.instance_id.is_none() {
                    let _ = group.leave(&member.member_id, "unsubscribed").await;
                }
                group.reset_member();
            }
            need_join = true;
            tokio::select! {
                _ = events.recv() => {}
                () = tokio::time::sleep(TICK) => {}
            }
            continue;
        };
        if let Some(at) = left_at {
            // Left after a poll timeout: rejoin once the application polls.
            if inner.last_poll() <= at && !inner.polling() {
                tokio::time::sleep(TICK).await;
                continue;
            }
            left_at = None;
        }
        if joined_topics.as_ref().is_some_and(|t| *t != topics) {
            need_join = true;
        }
        if let Some(counts) = &leader_counts {
            let metadata = inner.client.metadata();
            let changed = counts.iter().any(|(topic, n)| {
                metadata
                    .topic(topic)
                    .is_some_and(|t| !t.partitions.is_empty() && t.partitions.len() as i32 != *n)
            });
            if changed {
                need_join = true;
            }
        }
        if need_join {
            group.stop_heartbeat();
            crate::sync::lock(&group.member).stable = false;
            if !group.cooperative() {
                let owned = inner.assignment();
                group.revoke(&owned).await;
            }
            match group.join_and_sync(topics).await {
                Ok(joined) => {
                    failures = 0;
                    match group.take_assignment(&joined).await {
                        Ok(again) => need_join = again,
                        Err(error) => {
                            tracing::warn!(group = %group.group_id, %error, "committed offsets unavailable; rejoining");
                            need_join = true;
                            continue;
                        }
                    }
                    crate::sync::lock(&group.member).stable = true;
                    joined_topics = Some(joined.topics.clone());
                    leader_counts = joined.leader_counts.clone();
                    let task = tokio::spawn(run_heartbeat(
                        Arc::clone(&group),
                        joined.generation,
                        joined.member_id.clone(),
                    ));
                    *crate::sync::lock(&group.heartbeat) = Some(task);
                }
                Err(JoinError::Retry(error)) => {
                    failures += 1;
                    tracing::debug!(group = %group.group_id, %error, "join failed; retrying");
                    tokio::time::sleep(inner.config.retry_backoff.delay(failures).max(RETRY)).await;
                    continue;
                }
                Err(JoinError::Reset(code)) => {
                    tracing::info!(group = %group.group_id, %code, "rejoining as a new member");
                    group.lose_all().await;
                    group.reset_member();
                    continue;
                }
                Err(JoinError::Fatal(error)) => {
                    tracing::error!(group = %group.group_id, %error, "cannot be a member");
                    group.lose_all().await;
                    inner.fail(error);
                    return;
                }
            }
        }
        tokio::select! {
            event = events.recv() => match event {
                None => return,
                Some(Event::Rejoin { generation } | Event::Lost { generation, .. })
                    if generation != group.member().generation =>
                {
                    // E.g. the commit of the revoked partitions, refused
                    // while the group rebalanced: the join since then has
                    // answered it (Java clears rejoinNeeded on a successful
                    // join the same way). Rejoining again would start a
                    // needless rebalance, and every member pays for it.
                    tracing::debug!(group = %group.group_id, generation, "ignoring what an earlier generation learnt");
                }
                Some(Event::Rejoin { .. }) => need_join = true,
                Some(Event::Lost { code, .. }) => {
                    tracing::info!(group = %group.group_id, %code, "membership lost");
                    group.stop_heartbeat();
                    group.lose_all().await;
                    group.reset_member();
                    need_join = true;
                }
                Some(Event::PollTimeout) => {
                    tracing::warn!(group = %group.group_id, "max.poll.interval.ms passed without a poll; leaving the group");
                    group.stop_heartbeat();
                    let member = group.member();
                    if group.instance_id.is_none() && !member.member_id.is_empty() {
                        let _ = group.leave(&member.member_id, "consumer poll timeout has expired").await;
                    }
                    group.lose_all().await;
                    group.reset_member();
                    left_at = Some(Instant::now());
                    need_join = true;
                }
                Some(Event::Fatal(error)) => {
                    group.stop_heartbeat();
                    group.lose_all().await;
                    inner.fail(error);
                    return;
                }
            },
            () = tokio::time::sleep(TICK) => {}
        }
    }
}

async fn run_heartbeat(group: Arc<Group>, generation: i32, member_id: String) {
    let config = &group.inner.config;
    let interval = Duration::from_millis(config.heartbeat_interval_ms);
    let max_poll_interval = Duration::from_millis(config.max_poll_interval_ms);
    let mut failures = 0u32;
    let mut wait = interval;
    loop {
        tokio::time::sleep(wait).await;
        if !group.inner.polling() && group.inner.last_poll().elapsed() > max_poll_interval {
            let _ = group.events.send(Event::PollTimeout);
            return;
        }
        let request = HeartbeatRequest::default()
            .with_group_id(GroupId(StrBytes::from_string(group.group_id.clone())))
            .with_generation_id(generation)
            .with_member_id(StrBytes::from_string(member_id.clone()))
            .with_group_instance_id(group.instance_id.clone().map(StrBytes::from_string));
        let code = match group.to_coordinator(|_| request, None, false).await {
            Ok(response) => ErrorCode::try_from_code(response.error_code),
            Err(error) => {
                failures += 1;
                tracing::debug!(group = %group.group_id, %error, "heartbeat failed");
                wait = config.retry_backoff.delay(failures).min(interval);
                continue;
            }
        };
        match code {
            None => {
                failures = 0;
                wait = interval;
            }
            Some(ErrorCode::RebalanceInProgress) => {
                let _ = group.events.send(Event::Rejoin { generation });
                return;
            }
            Some(code @ (ErrorCode::UnknownMemberId | ErrorCode::IllegalGeneration)) => {
                let _ = group.events.send(Event::Lost { code, generation });
                return;
            }
            Some(ErrorCode::FencedInstanceId) => {
                let error = Error::kafka(
                    ErrorCode::FencedInstanceId,
                    group.context(ApiKey::Heartbeat),
                );
                let _ = group.events.send(Event::Fatal(error));
                return;
            }
            Some(code) => {
                group.check_coordinator(code);
                failures += 1;
                tracing::debug!(group = %group.group_id, %code, "heartbeat error");
                wait = config.retry_backoff.delay(failures).min(interval);
            }
        }
    }
}

async fn run_committer(group: Arc<Group>, mut jobs: mpsc::UnboundedReceiver<CommitJob>) {
    let config = &group.inner.config;
    let auto = config.enable_auto_commit;
    let interval = Duration::from_millis(config.auto_commit_interval_ms.max(1));
    let mut next_auto = Instant::now() + interval;
    let mut last_committed: BTreeMap<TopicPartition, i64> = BTreeMap::new();
    loop {
        let job = tokio::select! {
            job = jobs.recv() => match job {
                Some(job) => job,
                None => return,
            },
            () = tokio::time::sleep_until(next_auto), if auto => {
                next_auto = Instant::now() + interval;
                let member = group.member();
                let manual = matches!(group.inner.lock().subscription, Subscription::Manual);
                if !(member.stable || manual) {
                    continue;
                }
                let offsets: BTreeMap<TopicPartition, OffsetAndMetadata> = group
                    .inner
                    .positions()
                    .into_iter()
                    .filter(|(tp, offset)| last_committed.get(tp) != Some(offset))
                    .map(|(tp, offset)| (tp, OffsetAndMetadata::new(offset)))
                    .collect();
                CommitJob { offsets, reply: None }
            }
        };
        let result = group.send_commit(&job.offsets).await;
        match &result {
            Ok(()) => {
                for (tp, om) in &job.offsets {
                    last_committed.insert(tp.clone(), om.offset);
                }
            }
            Err(error) if job.reply.is_none() => {
                tracing::warn!(group = %group.group_id, %error, "auto-commit failed");
            }
            Err(_) => {}
        }
        if let Some(reply) = job.reply {
            let _ = reply.send(result);
        }
    }
}
