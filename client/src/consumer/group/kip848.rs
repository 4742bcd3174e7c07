//! The consumer group protocol of KIP-848 (`group.protocol=consumer`):
//! the coordinator computes the assignment, the member heartbeats with
//! ConsumerGroupHeartbeat and converges on what it is told.
//!
//! One task does it all, as Java's `ConsumerMembershipManager` does:
//!
//! - it joins with member epoch 0, a member id of its own (v1; v0 lets the
//!   coordinator name it), its subscription (topic names, or the pattern
//!   as `subscribed_topic_regex`, which the broker resolves) and
//!   `group.remote.assignor`;
//! - every heartbeat reports the partitions it owns; an assignment in a
//!   response is reconciled at once — partitions that went are revoked
//!   first (auto-commit, then the listener's `on_revoked`, both while the
//!   member still holds them), then the new ones start from their committed
//!   offsets and the listener hears `on_assigned` — and acknowledged with
//!   an immediate heartbeat, so the coordinator can hand revoked partitions
//!   to their new owners;
//! - FENCED_MEMBER_EPOCH and UNKNOWN_MEMBER_ID mean its partitions belong
//!   to others now: `on_lost`, then it rejoins with epoch 0 under the same
//!   member id; UNRELEASED_INSTANCE_ID, FENCED_INSTANCE_ID, an invalid
//!   regex, an unsupported assignor and the like end the consumer with
//!   that error, as in Java;
//! - `max.poll.interval.ms` without a poll makes it leave (epoch −1, or
//!   −2 for a static member) and rejoin when the application polls again.
//!
//! The session timeout and the heartbeat interval are the broker's
//! (`group.consumer.session.timeout.ms`, `group.consumer.heartbeat.interval.ms`);
//! the response tells the member the interval.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use kafka_protocol::messages::consumer_group_heartbeat_request::TopicPartitions;
use kafka_protocol::messages::{
    ApiKey, ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse, GroupId, TopicName,
};
use tokio::sync::mpsc;
use tokio::time::Instant;
use uuid::Uuid;

use super::{Event, Group, Member, TICK};
use crate::consumer::TopicPartition;
use crate::consumer::state::Subscription;
use crate::error::{Error, ErrorCode, Result};
use crate::protocol::StrBytes;

/// `member_epoch` to leave; a static member leaves with −2 and keeps its
/// assignment for its return within the session timeout.
const LEAVE_EPOCH: i32 = -1;
const STATIC_LEAVE_EPOCH: i32 = -2;

/// What the member subscribes to, as the heartbeat carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Subscribed {
    Topics(Vec<String>),
    /// The user's pattern, without the anchors the consumer adds (the
    /// broker matches whole names too).
    Regex(String),
}

/// The member as the heartbeats left it.
#[derive(Debug)]
struct Heartbeating {
    member_id: String,
    epoch: i32,
    interval: Duration,
}

pub(super) async fn run_membership(group: Arc<Group>, mut events: mpsc::UnboundedReceiver<Event>) {
    let inner = Arc::clone(&group.inner);
    let config = &inner.config;
    let mut member = Heartbeating {
        member_id: Uuid::new_v4().to_string(),
        epoch: 0,
        interval: Duration::from_millis(config.heartbeat_interval_ms),
    };
    let mut joined: Option<Subscribed> = None;
    let mut next_beat = Instant::now();
    let mut left_at: Option<Instant> = None;
    let mut failures = 0u32;
    loop {
        if inner.lock().closed {
            return;
        }
        let Some(subscribed) = subscription(&group) else {
            // assign() or unsubscribe(): no membership; leave if a member.
            if joined.take().is_some() {
                let owned = inner.assignment();
                group.revoke(&owned).await;
                let _ = group.leave_consumer_group(&group.member()).await;
                group.reset_member();
                member.epoch = 0;
            }
            tokio::select! {
                _ = events.recv() => {}
                () = tokio::time::sleep(TICK) => {}
            }
            continue;
        };
        if let Some(at) = left_at {
            if inner.last_poll() <= at && !inner.polling() {
                tokio::time::sleep(TICK).await;
                continue;
            }
            left_at = None;
            next_beat = Instant::now();
        }
        if joined.as_ref().is_some_and(|j| *j != subscribed) {
            next_beat = Instant::now();
        }
        let max_poll_interval = Duration::from_millis(config.max_poll_interval_ms);
        if member.epoch > 0 && !inner.polling() && inner.last_poll().elapsed() > max_poll_interval {
            tracing::warn!(group = %group.group_id, "max.poll.interval.ms passed without a poll; leaving the group");
            let _ = group.leave_consumer_group(&group.member()).await;
            group.lose_all().await;
            group.reset_member();
            member.epoch = 0;
            joined = None;
            left_at = Some(Instant::now());
            continue;
        }
        if Instant::now() >= next_beat {
            // Full (subscription and rebalance timeout) when joining, after
            // a change and after an error, as Java sends it; otherwise the
            // coordinator would answer every heartbeat with the assignment.
            let full = member.epoch == 0 || joined.as_ref() != Some(&subscribed);
            match heartbeat(&group, &mut member, &subscribed, full).await {
                Ok(response) => {
                    failures = 0;
                    joined = Some(subscribed);
                    next_beat = Instant::now() + member.interval;
                    if let Some(member_id) = response.member_id.as_ref().filter(|id| !id.is_empty())
                    {
                        member.member_id = member_id.to_string();
                    }
                    member.epoch = response.member_epoch;
                    if response.heartbeat_interval_ms > 0 {
                        member.interval =
                            Duration::from_millis(response.heartbeat_interval_ms as u64);
                    }
                    *crate::sync::lock(&group.member) = Member {
                        member_id: member.member_id.clone(),
                        generation: member.epoch,
                        stable: true,
                        protocol: None,
                    };
                    if let Some(assignment) = response.assignment {
                        let wanted = partitions_of(&group, &assignment.topic_partitions).await;
                        if reconcile(&group, wanted, member.epoch).await {
                            // Acknowledge at once: whoever waits for what we
                            // revoked gets it on our next heartbeat.
                            next_beat = Instant::now();
                        }
                    }
                }
                Err(HeartbeatError::Lost(code)) => {
                    tracing::info!(group = %group.group_id, %code, "membership lost; rejoining with epoch 0");
                    group.lose_all().await;
                    member.epoch = 0;
                    let mut m = crate::sync::lock(&group.member);
                    m.generation = -1;
                    m.stable = false;
                    drop(m);
                    next_beat = Instant::now();
                }
                Err(HeartbeatError::Retry(error)) => {
                    failures += 1;
                    joined = None;
                    tracing::debug!(group = %group.group_id, %error, "heartbeat failed; retrying");
                    next_beat =
                        Instant::now() + config.retry_backoff.delay(failures).min(member.interval);
                }
                Err(HeartbeatError::Fatal(error)) => {
                    tracing::error!(group = %group.group_id, %error, "cannot be a member");
                    group.lose_all().await;
                    inner.fail(error);
                    return;
                }
            }
            continue;
        }
        let wake = next_beat.min(Instant::now() + TICK);
        tokio::select! {
            event = events.recv() => match event {
                None => return,
                Some(Event::Fatal(error)) => {
                    group.lose_all().await;
                    inner.fail(error);
                    return;
                }
                // A commit learnt the epoch moved or the member is gone:
                // the next heartbeat finds out which, now.
                Some(Event::Rejoin { .. } | Event::Lost { .. } | Event::PollTimeout) => {
                    next_beat = Instant::now();
                }
            },
            () = tokio::time::sleep_until(wake) => {}
        }
    }
}

/// The subscription as the heartbeat sends it, `None` without one.
fn subscription(group: &Group) -> Option<Subscribed> {
    let state = group.inner.lock();
    match &state.subscription {
        Subscription::Manual => None,
        Subscription::Topics(topics) => Some(Subscribed::Topics(topics.iter().cloned().collect())),
        Subscription::Pattern(regex) => {
            let full = regex.as_str();
            let pattern = full
                .strip_prefix("^(?:")
                .and_then(|p| p.strip_suffix(")$"))
                .unwrap_or(full);
            Some(Subscribed::Regex(pattern.to_owned()))
        }
    }
}

enum HeartbeatError {
    /// The partitions are someone else's now: rejoin with epoch 0.
    Lost(ErrorCode),
    Retry(Error),
    Fatal(Error),
}

/// One ConsumerGroupHeartbeat. The owned partitions always go (so a
/// coordinator never has to remember them); the subscription and the
/// rebalance timeout only in a `full` one, since Kafka answers a full
/// heartbeat with the whole assignment.
async fn heartbeat(
    group: &Arc<Group>,
    member: &mut Heartbeating,
    subscribed: &Subscribed,
    full: bool,
) -> std::result::Result<ConsumerGroupHeartbeatResponse, HeartbeatError> {
    let config = &group.inner.config;
    let owned = if member.epoch == 0 {
        Vec::new()
    } else {
        owned_by_id(group).await
    };
    let build = |version: i16| {
        let (names, regex) = match subscribed {
            // Null: unchanged since the last heartbeat.
            _ if !full => (None, None),
            Subscribed::Topics(topics) => (Some(topics.clone()), None),
            // v0 cannot carry a regex: resolve it here, as Java's pattern
            // subscriptions do.
            Subscribed::Regex(_) if version == 0 => (Some(pattern_topics(group)), None),
            Subscribed::Regex(regex) => (None, Some(regex.clone())),
        };
        ConsumerGroupHeartbeatRequest::default()
            .with_group_id(GroupId(StrBytes::from_string(group.group_id.clone())))
            // v0: the coordinator names a joining member.
            .with_member_id(StrBytes::from_string(
                if version == 0 && member.epoch == 0 {
                    String::new()
                } else {
                    member.member_id.clone()
                },
            ))
            .with_member_epoch(member.epoch)
            .with_instance_id(group.instance_id.clone().map(StrBytes::from_string))
            // Null: unchanged, as for the subscription.
            .with_rack_id(
                config
                    .client_rack
                    .clone()
                    .filter(|_| full)
                    .map(StrBytes::from_string),
            )
            .with_rebalance_timeout_ms(if full {
                i32::try_from(config.max_poll_interval_ms).unwrap_or(i32::MAX)
            } else {
                -1
            })
            .with_subscribed_topic_names(names.map(|names| {
                names
                    .into_iter()
                    .map(|n| TopicName(StrBytes::from_string(n)))
                    .collect()
            }))
            .with_subscribed_topic_regex(regex.map(StrBytes::from_string))
            .with_server_assignor(
                config
                    .group_remote_assignor
                    .clone()
                    .map(StrBytes::from_string),
            )
            .with_topic_partitions(Some(owned))
    };
    let response = group
        .to_coordinator::<ConsumerGroupHeartbeatRequest>(build, None, false)
        .await
        .map_err(|error| match &error {
            Error::Request(crate::error::RequestError::UnsupportedApi { .. }) => {
                HeartbeatError::Fatal(Error::Config(format!(
                    "the group coordinator does not support the consumer group protocol (KIP-848, ConsumerGroupHeartbeat); use group.protocol=classic ({error})"
                )))
            }
            _ => HeartbeatError::Retry(error),
        })?;
    let Some(code) = ErrorCode::try_from_code(response.error_code) else {
        return Ok(response);
    };
    group.check_coordinator(code);
    let message = response.error_message.as_ref().map(|m| m.to_string());
    let error = Error::kafka(
        code,
        group
            .context(ApiKey::ConsumerGroupHeartbeat)
            .with_message(Some(match message {
                Some(m) => format!("group {}: {m}", group.group_id),
                None => format!("group {}", group.group_id),
            })),
    );
    Err(match code {
        ErrorCode::FencedMemberEpoch | ErrorCode::UnknownMemberId => HeartbeatError::Lost(code),
        ErrorCode::NotCoordinator
        | ErrorCode::CoordinatorNotAvailable
        | ErrorCode::CoordinatorLoadInProgress => HeartbeatError::Retry(error),
        _ if code.is_retriable() => HeartbeatError::Retry(error),
        _ => HeartbeatError::Fatal(error),
    })
}

/// The partitions this member owns, by topic id as the heartbeat wants
/// them. A topic whose id is not known yet is looked up first.
async fn owned_by_id(group: &Group) -> Vec<TopicPartitions> {
    let mut by_topic: BTreeMap<String, Vec<i32>> = BTreeMap::new();
    for tp in group.inner.assignment() {
        by_topic
            .entry(tp.topic.to_string())
            .or_default()
            .push(tp.partition);
    }
    let mut out = Vec::with_capacity(by_topic.len());
    for (topic, partitions) in by_topic {
        let id = match group
            .inner
            .client
            .metadata()
            .topic(&topic)
            .map(|t| t.topic_id)
        {
            Some(id) if !id.is_nil() => id,
            _ => match group.inner.client.topic_metadata(&topic).await {
                Ok(t) => t.topic_id,
                Err(_) => continue,
            },
        };
        out.push(
            TopicPartitions::default()
                .with_topic_id(id)
                .with_partitions(partitions),
        );
    }
    out
}

/// The topics a pattern matches in the metadata (v0 heartbeats only).
fn pattern_topics(group: &Group) -> Vec<String> {
    let metadata = group.inner.client.metadata();
    let state = group.inner.lock();
    match &state.subscription {
        Subscription::Pattern(regex) => metadata
            .topics
            .values()
            .filter(|t| !t.is_internal && regex.is_match(&t.name))
            .map(|t| t.name.clone())
            .collect(),
        _ => Vec::new(),
    }
}

/// An assignment's topic ids as names; ids the metadata does not know yet
/// are looked up with a refresh, and left out if still unknown (the next
/// assignment brings them again).
async fn partitions_of(
    group: &Group,
    assigned: &[kafka_protocol::messages::consumer_group_heartbeat_response::TopicPartitions],
) -> BTreeSet<TopicPartition> {
    let name_of = |id: Uuid| {
        group
            .inner
            .client
            .metadata()
            .topics
            .values()
            .find(|t| t.topic_id == id)
            .map(|t| t.name.clone())
    };
    if assigned.iter().any(|tp| name_of(tp.topic_id).is_none())
        && let Err(error) = group.inner.client.refresh_metadata().await
    {
        tracing::debug!(group = %group.group_id, %error, "metadata refresh for assigned topic ids failed");
    }
    let mut out = BTreeSet::new();
    for tp in assigned {
        match name_of(tp.topic_id) {
            Some(name) => out.extend(
                tp.partitions
                    .iter()
                    .map(|&p| TopicPartition::new(name.clone(), p)),
            ),
            None => {
                tracing::warn!(group = %group.group_id, topic_id = %tp.topic_id, "assigned a topic id the metadata does not know");
            }
        }
    }
    out
}

/// Moves the member's partitions to `wanted`: revocations first, then the
/// additions from their committed offsets. Returns whether anything moved.
async fn reconcile(group: &Arc<Group>, wanted: BTreeSet<TopicPartition>, epoch: i32) -> bool {
    let current: BTreeSet<TopicPartition> = group.inner.assignment().into_iter().collect();
    let revoked: Vec<TopicPartition> = current.difference(&wanted).cloned().collect();
    let added: Vec<TopicPartition> = wanted.difference(&current).cloned().collect();
    if revoked.is_empty() && added.is_empty() {
        return false;
    }
    group.revoke(&revoked).await;
    if let Err(error) = group.add_partitions(&added).await {
        // They stay out of what we report as owned, so the coordinator
        // sends them again with the next heartbeat.
        tracing::warn!(group = %group.group_id, %error, "committed offsets unavailable; partitions not taken yet");
    }
    tracing::info!(
        group = %group.group_id,
        epoch,
        added = added.len(),
        revoked = revoked.len(),
        "assignment reconciled"
    );
    true
}

impl Group {
    /// Leaves a consumer-protocol group: a heartbeat with epoch −1, or −2
    /// for a static member (whose partitions wait for its return).
    pub(super) async fn leave_consumer_group(&self, member: &Member) -> Result<()> {
        if member.member_id.is_empty() {
            return Ok(());
        }
        let epoch = if self.instance_id.is_some() {
            STATIC_LEAVE_EPOCH
        } else {
            LEAVE_EPOCH
        };
        let request = ConsumerGroupHeartbeatRequest::default()
            .with_group_id(GroupId(StrBytes::from_string(self.group_id.clone())))
            .with_member_id(StrBytes::from_string(member.member_id.clone()))
            .with_member_epoch(epoch)
            .with_instance_id(self.instance_id.clone().map(StrBytes::from_string))
            .with_rebalance_timeout_ms(-1);
        let response = self.to_coordinator(|_| request, None, false).await?;
        match ErrorCode::try_from_code(response.error_code) {
            None | Some(ErrorCode::UnknownMemberId) => Ok(()),
            Some(code) => Err(Error::kafka(
                code,
                self.context(ApiKey::ConsumerGroupHeartbeat),
            )),
        }
    }
}
