//! The classic membership protocol: JoinGroup (with the MEMBER_ID_REQUIRED
//! retry), the leader's client-side assignment, SyncGroup, Heartbeat and
//! LeaveGroup.
//!
//! Two tasks: the *membership* task finds the coordinator, joins, runs the
//! assignor when it leads, syncs and hands the assignment to the shared
//! [`Group`] (which revokes, fetches committed offsets and tells the
//! listener); it rejoins when told to and when the subscription changes.
//! The *heartbeat* task, one per generation, heartbeats and reports what it
//! learns (a rebalance, fencing, a poll timeout) to the membership task.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use kafka_protocol::messages::consumer_protocol_assignment::TopicPartition as AssignedTopic;
use kafka_protocol::messages::consumer_protocol_subscription::TopicPartition as OwnedTopic;
use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_protocol::messages::leave_group_request::MemberIdentity;
use kafka_protocol::messages::sync_group_request::SyncGroupRequestAssignment;
use kafka_protocol::messages::{
    ApiKey, ConsumerProtocolAssignment, ConsumerProtocolSubscription, GroupId, HeartbeatRequest,
    JoinGroupRequest, LeaveGroupRequest, SyncGroupRequest, TopicName,
};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::{Event, Group, RETRY, TICK};
use crate::consumer::TopicPartition;
use crate::consumer::assignor::{Assignor, MemberSubscription};
use crate::error::{Error, ErrorCode, RequestError, Result};
use crate::protocol::StrBytes;
use crate::protocol::consumer_protocol;

impl Group {
    /// LeaveGroup for this member.
    pub(super) async fn leave(&self, member_id: &str, reason: &str) -> Result<()> {
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

fn topic_name(topic: &str) -> TopicName {
    TopicName(StrBytes::from_string(topic.to_owned()))
}

fn encode_subscription(
    topics: &BTreeSet<String>,
    owned: &[TopicPartition],
    generation: i32,
    rack: Option<&str>,
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
        // Subscription v3's rack (KIP-881), for rack-aware client-side
        // assignors; ours ignore it.
        .with_rack_id(rack.map(|r| StrBytes::from_string(r.to_owned())));
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
        let metadata =
            encode_subscription(&topics, &owned, generation, config.client_rack.as_deref());
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
        self.add_partitions(&added).await?;
        tracing::info!(
            group = %self.group_id,
            generation = joined.generation,
            member = %joined.member_id,
            protocol = joined.protocol.name(),
            added = added.len(),
            revoked = revoked.len(),
            "assignment received"
        );
        Ok(joined.protocol.is_cooperative() && !revoked.is_empty())
    }
}

pub(super) async fn run_membership(group: Arc<Group>, mut events: mpsc::UnboundedReceiver<Event>) {
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
