//! Group membership and offset commits.
//!
//! The membership protocol is one of two, chosen by `group.protocol`
//! ([`GroupProtocol`]):
//!
//! - `classic`: JoinGroup/SyncGroup with a client-side assignor, and
//!   Heartbeat;
//! - `kip848`: the consumer protocol of KIP-848, where the coordinator
//!   assigns and members send ConsumerGroupHeartbeat.
//!
//! Each runs one *membership* task that drives the parts both share, all
//! on `Group`: the coordinator connection, `Group::revoke` (auto-commit
//! and the listener's `on_revoked` before partitions go),
//! `Group::add_partitions` (committed offsets, positions, `on_assigned`),
//! `Group::lose_all` (`on_lost`), and the `Member` identity commits
//! carry (the generation, or the member epoch, goes in the same field).
//! The *committer* task runs commits one at a time in the order they were
//! asked for (so an older async commit never overwrites a newer one), and
//! auto-commits on its interval.

mod classic;
mod kip848;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use kafka_protocol::messages::ApiKey;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::assignor::Assignor;
use super::state::{Inner, StartAt, Subscription};
use super::{GroupProtocol, OffsetAndMetadata, TopicPartition};
use crate::connection::Connection;
use crate::connection::broker::{BrokerConnection, Connector};
use crate::error::{Error, ErrorCode, ErrorContext, RequestError, Result};
use crate::offsets::group::{Committer, find_coordinator, offset_commit, offset_fetch};
use crate::protocol::Request;

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
    ///
    /// Unlike Java's, this consumer rebalances on a task of its own, so this
    /// runs while the application may still be processing records `poll`
    /// returned. From the moment it is called `poll` returns no more
    /// records of these partitions; an application that commits what it
    /// processed should wait here for the batch in hand to be done (kctl's
    /// `consume` holds a lock from `poll` to output for this), or the next
    /// owner reads that batch's records again. Keep the wait short: with
    /// the consumer protocol (KIP-848) no heartbeat is sent meanwhile.
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
            .committable_positions()
            .into_iter()
            .filter(|(tp, _)| wanted.contains(tp))
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

    /// The generation of the group this member last joined (−1 before);
    /// with the consumer protocol (KIP-848), the member epoch.
    pub fn generation(&self) -> i32 {
        self.group.member().generation
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub(crate) member_id: String,
    /// The classic generation, or the KIP-848 member epoch: commits carry
    /// either in the same field.
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
    let membership = match config.group_protocol {
        GroupProtocol::Classic => {
            tokio::spawn(classic::run_membership(Arc::clone(&group), events_rx))
        }
        GroupProtocol::Consumer => {
            tokio::spawn(kip848::run_membership(Arc::clone(&group), events_rx))
        }
    };
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
                if code == ErrorCode::StaleMemberEpoch && Instant::now() < deadline {
                    // KIP-848: the member epoch moved on while the commit
                    // was in flight; the next try carries the new one.
                    tokio::time::sleep(self.inner.config.retry_backoff.delay(attempt)).await;
                    continue;
                }
                if matches!(
                    code,
                    ErrorCode::RebalanceInProgress
                        | ErrorCode::IllegalGeneration
                        | ErrorCode::UnknownMemberId
                        | ErrorCode::FencedMemberEpoch
                        | ErrorCode::StaleMemberEpoch
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
        // Whether the fetch names the member (see below for when it stops).
        let mut named = true;
        loop {
            attempt += 1;
            let asked_as = self.member();
            let member = named.then_some(&asked_as);
            let error = match self.fetch_committed_once(partitions, member).await {
                Ok(offsets) => return Ok(offsets),
                Err(e) => e,
            };
            if let Some(code) = error.code() {
                self.check_coordinator(code);
                if matches!(
                    code,
                    ErrorCode::StaleMemberEpoch | ErrorCode::UnknownMemberId
                ) {
                    // As Java's consumer (maybeRetryOnGroupError): retried
                    // with the new id and epoch if the heartbeat moved them
                    // on meanwhile and the member is still in the group;
                    // otherwise the member is out and the fetch fails (the
                    // heartbeat rejoins, and the partitions come again).
                    let now = self.member();
                    let moved_on = now.generation > 0
                        && (now.generation != asked_as.generation
                            || now.member_id != asked_as.member_id);
                    if moved_on && Instant::now() < deadline {
                        continue;
                    }
                    // The epoch this member knows can trail the one the
                    // coordinator gave it with new partitions; failing here
                    // left those partitions untaken until the next
                    // assignment (seen against Kafka 4.2). Ask once more
                    // without naming the member, as an admin read.
                    if named && Instant::now() < deadline {
                        named = false;
                        continue;
                    }
                    return Err(error);
                }
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
        member: Option<&Member>,
    ) -> Result<BTreeMap<TopicPartition, OffsetAndMetadata>> {
        // A KIP-848 member names itself and its epoch, as Java's consumer
        // does; a classic member (and one outside the group) does not.
        let asking = member
            .filter(|m| {
                self.inner.config.group_protocol == GroupProtocol::Consumer && m.generation > 0
            })
            .map(|m| (m.member_id.as_str(), m.generation));
        let answers = self
            .on_coordinator(ApiKey::OffsetFetch, |conn| async move {
                // Java asks for stable offsets (KIP-447) where it can.
                offset_fetch(&conn, &self.group_id, Some(partitions), true, asking).await
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
        self.inner.begin_revocation(partitions);
        // Auto-commit first, then the listener, as Java's onJoinPrepare
        // does: a listener that commits what it processed has the last word.
        if self.inner.config.enable_auto_commit {
            let offsets = self
                .inner
                .committable_positions()
                .into_iter()
                .filter(|(tp, _)| partitions.contains(tp))
                .collect();
            tracing::debug!(group = %self.group_id, ?offsets, "committing revoked partitions");
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
            let offsets = self.inner.committable_positions().into_iter().collect();
            if let Err(error) = self.commit(offsets).await {
                tracing::warn!(group = %self.group_id, %error, "commit on close failed");
            }
        }
        let member = self.member();
        if !member.member_id.is_empty() {
            let left = match self.inner.config.group_protocol {
                // A static member keeps its place until its session times
                // out, so a restart does not rebalance.
                GroupProtocol::Classic if self.instance_id.is_some() => Ok(()),
                GroupProtocol::Classic => {
                    self.leave(&member.member_id, "the consumer is closing")
                        .await
                }
                GroupProtocol::Consumer => self.leave_consumer_group(&member).await,
            };
            if let Err(error) = left {
                tracing::debug!(group = %self.group_id, %error, "leaving the group failed");
            }
        }
        self.reset_member();
    }

    /// Takes partitions newly assigned: looks up their committed offsets,
    /// starts fetching them there (or per `auto.offset.reset`), then tells
    /// the listener.
    async fn add_partitions(self: &Arc<Self>, added: &[TopicPartition]) -> Result<()> {
        if added.is_empty() {
            return Ok(());
        }
        let committed = self.committed(added).await?;
        tracing::debug!(group = %self.group_id, ?committed, "committed offsets of added partitions");
        let starts: Vec<(TopicPartition, StartAt)> = added
            .iter()
            .map(|tp| {
                let at = committed
                    .get(tp)
                    .map_or(StartAt::Default, |om| StartAt::Committed {
                        offset: om.offset,
                        leader_epoch: om.leader_epoch,
                    });
                (tp.clone(), at)
            })
            .collect();
        self.inner.apply_assignment(&starts, &[]);
        if let Some(listener) = self.listener() {
            listener.on_assigned(&self.handle(), added).await;
        }
        Ok(())
    }
}

fn closed() -> Error {
    Error::Config("the consumer is closed".into())
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
                    .committable_positions()
                    .into_iter()
                    .filter(|(tp, om)| last_committed.get(tp) != Some(&om.offset))
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
