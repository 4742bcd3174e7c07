//! The classic group protocol as a state machine over plain data: every
//! operation takes the current time and returns at once, either with an
//! answer or with the receiving end of a oneshot that a later operation
//! (another member's join, the leader's sync, a timer) will complete.
//! Nothing here does I/O; changes to persist are queued in `writes`.
//!
//! States and transitions follow Kafka's `ClassicGroup`:
//!
//! ```text
//!  Empty ──join──▶ PreparingRebalance ──all joined / timer──▶ CompletingRebalance ──leader sync──▶ Stable
//!    ▲                 ▲        │ (no members left)                 │                              │
//!    └─────────────────┼────────┘                                   │                              │
//!                      └──── join, leave, expiry, protocol change ──┴──────────────────────────────┘
//! ```
//!
//! Dead is reported for groups that do not exist; a deleted group is
//! removed from the map rather than kept in that state.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use bytes::Bytes;
use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::indexmap::IndexMap;
use tokio::sync::oneshot;
use tokio::time::Instant;
use uuid::Uuid;

use super::consumer_protocol::ConsumerGroup;
use super::store::{CommittedOffset, Entry, StoredGroup};
use crate::config::MigrationPolicy;
use kctl_client::protocol::consumer_protocol::{self, PROTOCOL_TYPE};

/// The committed offsets of one topic's partitions (`None`: no commit).
pub(crate) type TopicOffsets = (String, Vec<(i32, Option<CommittedOffset>)>);

/// Kafka's classic group states, named as ListGroups and DescribeGroups
/// report them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupState {
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
    Dead,
}

impl GroupState {
    pub fn name(self) -> &'static str {
        match self {
            Self::Empty => "Empty",
            Self::PreparingRebalance => "PreparingRebalance",
            Self::CompletingRebalance => "CompletingRebalance",
            Self::Stable => "Stable",
            Self::Dead => "Dead",
        }
    }
}

/// The settings the state machine needs.
#[derive(Debug, Clone)]
pub(crate) struct GroupConfig {
    pub initial_rebalance_delay: Duration,
    pub min_session_timeout_ms: i32,
    pub max_session_timeout_ms: i32,
    /// `group.consumer.session.timeout.ms`: consumer-protocol sessions.
    pub consumer_session_timeout_ms: u64,
    /// `group.consumer.heartbeat.interval.ms`, told to members.
    pub consumer_heartbeat_interval_ms: u64,
    /// `group.consumer.migration.policy`: which online conversions between
    /// the two protocols a group with members may make.
    pub migration_policy: MigrationPolicy,
}

/// An answer now, or one that arrives when the rebalance gets there.
#[derive(Debug)]
pub(crate) enum Reply<T> {
    Now(T),
    Later(oneshot::Receiver<T>),
}

#[derive(Debug, Clone)]
pub(crate) struct JoinRequest {
    pub group_id: String,
    pub member_id: String,
    pub instance_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    pub session_timeout_ms: i32,
    pub rebalance_timeout_ms: i32,
    pub protocol_type: String,
    pub protocols: Vec<(String, Bytes)>,
    /// JoinGroup v4+: an unknown member first gets MEMBER_ID_REQUIRED.
    pub require_known_member_id: bool,
    /// JoinGroup v9+: a rejoining static leader can be told to keep the
    /// current assignment.
    pub supports_skip_assignment: bool,
    /// Every topic with its partition count: a classic member joining a
    /// consumer group is assigned by the server-side assignor.
    pub all_topics: BTreeMap<String, i32>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JoinedMember {
    pub member_id: String,
    pub instance_id: Option<String>,
    pub metadata: Bytes,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JoinResponse {
    pub error: Option<ErrorCode>,
    pub generation: i32,
    pub protocol_type: Option<String>,
    pub protocol_name: Option<String>,
    pub leader: String,
    pub member_id: String,
    pub members: Vec<JoinedMember>,
    pub skip_assignment: bool,
}

impl JoinResponse {
    pub(super) fn error(error: ErrorCode, member_id: &str) -> Self {
        Self {
            error: Some(error),
            generation: -1,
            protocol_type: None,
            protocol_name: None,
            leader: String::new(),
            member_id: member_id.to_owned(),
            members: Vec::new(),
            skip_assignment: false,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct SyncRequest {
    pub group_id: String,
    pub generation: i32,
    pub member_id: String,
    pub instance_id: Option<String>,
    /// SyncGroup v5: checked against the group's when present.
    pub protocol_type: Option<String>,
    pub protocol_name: Option<String>,
    pub assignments: Vec<(String, Bytes)>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SyncResponse {
    pub error: Option<ErrorCode>,
    pub protocol_type: Option<String>,
    pub protocol_name: Option<String>,
    pub assignment: Bytes,
}

impl SyncResponse {
    pub(super) fn error(error: ErrorCode) -> Self {
        Self {
            error: Some(error),
            protocol_type: None,
            protocol_name: None,
            assignment: Bytes::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct MemberDescription {
    pub member_id: String,
    pub instance_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    pub metadata: Bytes,
    pub assignment: Bytes,
}

#[derive(Debug, Clone)]
pub(crate) struct GroupDescription {
    pub state: GroupState,
    pub protocol_type: String,
    pub protocol_data: String,
    pub members: Vec<MemberDescription>,
}

#[derive(Debug, Clone)]
pub(crate) struct GroupListing {
    pub group_id: String,
    pub protocol_type: String,
    /// The state's name as Kafka spells it for the group's type.
    pub state: &'static str,
    /// "classic" or "consumer" (ListGroups v5).
    pub group_type: &'static str,
}

#[derive(Debug)]
pub(super) struct Member {
    pub(super) id: String,
    pub(super) instance_id: Option<String>,
    pub(super) client_id: String,
    pub(super) client_host: String,
    pub(super) session_timeout: Duration,
    pub(super) rebalance_timeout: Duration,
    pub(super) protocol_type: String,
    pub(super) protocols: Vec<(String, Bytes)>,
    pub(super) assignment: Bytes,
    pub(super) heartbeat_deadline: Instant,
    pub(super) join_waiter: Option<oneshot::Sender<JoinResponse>>,
    pub(super) sync_waiter: Option<oneshot::Sender<SyncResponse>>,
    /// Got its JoinGroup answer for this generation but has not sent
    /// SyncGroup yet; removed if it does not by the group's sync deadline.
    pub(super) pending_sync: bool,
}

impl Member {
    fn new(now: Instant, id: String, request: &JoinRequest) -> Self {
        let mut member = Self {
            id,
            instance_id: request.instance_id.clone(),
            client_id: String::new(),
            client_host: String::new(),
            session_timeout: Duration::ZERO,
            rebalance_timeout: Duration::ZERO,
            protocol_type: String::new(),
            protocols: Vec::new(),
            assignment: Bytes::new(),
            heartbeat_deadline: now,
            join_waiter: None,
            sync_waiter: None,
            pending_sync: false,
        };
        member.update(now, request);
        member
    }

    fn update(&mut self, now: Instant, request: &JoinRequest) {
        self.client_id.clone_from(&request.client_id);
        self.client_host.clone_from(&request.client_host);
        self.session_timeout = millis(request.session_timeout_ms);
        self.rebalance_timeout = millis(request.rebalance_timeout_ms);
        self.protocol_type.clone_from(&request.protocol_type);
        self.protocols.clone_from(&request.protocols);
        self.heartbeat_deadline = now + self.session_timeout;
    }

    pub(super) fn supports(&self, protocol: &str) -> bool {
        self.protocols.iter().any(|(name, _)| name == protocol)
    }

    pub(super) fn metadata(&self, protocol: &str) -> Bytes {
        self.protocols
            .iter()
            .find(|(name, _)| name == protocol)
            .map(|(_, metadata)| metadata.clone())
            .unwrap_or_default()
    }

    fn same_protocols(&self, protocols: &[(String, Bytes)]) -> bool {
        self.protocols == protocols
    }

    fn is_parked(&self) -> bool {
        self.join_waiter.is_some() || self.sync_waiter.is_some()
    }

    pub(super) fn answer_join(&mut self, response: JoinResponse) {
        if let Some(tx) = self.join_waiter.take() {
            // The receiver is gone only if the broker is shutting down.
            let _ = tx.send(response);
        }
    }

    pub(super) fn answer_sync(&mut self, response: SyncResponse) {
        if let Some(tx) = self.sync_waiter.take() {
            let _ = tx.send(response);
        }
    }
}

#[derive(Debug)]
pub(super) struct RebalanceTimer {
    deadline: Instant,
    /// Set for the first rebalance of an empty group: the delay is extended
    /// while new members keep arriving, up to the rebalance timeout.
    initial: Option<InitialDelay>,
}

#[derive(Debug)]
struct InitialDelay {
    remaining: Duration,
    new_member_added: bool,
}

#[derive(Debug)]
pub(super) struct Group {
    pub(super) id: String,
    pub(super) state: GroupState,
    pub(super) generation: i32,
    pub(super) protocol_type: Option<String>,
    pub(super) protocol: Option<String>,
    pub(super) leader: Option<String>,
    /// In join order: the first is the leader when one has to be chosen.
    pub(super) members: IndexMap<String, Member>,
    /// group.instance.id → the member id it currently holds.
    pub(super) static_members: HashMap<String, String>,
    /// Member ids handed out with MEMBER_ID_REQUIRED, with the time by
    /// which they must join with them.
    pub(super) pending_members: HashMap<String, Instant>,
    pub(super) rebalance: Option<RebalanceTimer>,
    pub(super) sync_deadline: Option<Instant>,
    pub(super) offsets: BTreeMap<(String, i32), CommittedOffset>,
    /// Set for a consumer-protocol group (KIP-848): its membership. The
    /// classic fields then stay empty.
    pub(super) consumer: Option<Box<ConsumerGroup>>,
}

/// Every group, and the entries to persist that operations produced.
#[derive(Debug)]
pub(crate) struct Groups {
    pub(super) config: GroupConfig,
    pub(super) groups: HashMap<String, Group>,
    pub(super) writes: Vec<Entry>,
}

impl Groups {
    pub fn new(config: GroupConfig) -> Self {
        Self {
            config,
            groups: HashMap::new(),
            writes: Vec::new(),
        }
    }

    /// Groups as a replay of the log left them: Empty, with their offsets.
    pub fn restore(&mut self, now: Instant, stored: BTreeMap<String, StoredGroup>) {
        let session_timeout = Duration::from_millis(self.config.consumer_session_timeout_ms);
        for (id, stored) in stored {
            let mut group = Group::new(id.clone());
            group.protocol_type = stored.protocol_type;
            group.protocol = stored.protocol;
            group.generation = stored.generation;
            group.offsets = stored.offsets;
            group.consumer = stored.consumer_epoch.map(|epoch| {
                Box::new(ConsumerGroup::restored(
                    epoch,
                    stored.consumer_members,
                    now,
                    session_timeout,
                ))
            });
            self.groups.insert(id, group);
        }
    }

    /// Keeps only the groups `keep` accepts (a cluster node drops the groups
    /// it no longer coordinates). Parked requests of dropped members end.
    pub fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.groups.retain(|id, _| keep(id));
    }

    /// Entries produced since the last call, to be appended to the log.
    pub fn take_writes(&mut self) -> Vec<Entry> {
        std::mem::take(&mut self.writes)
    }

    #[allow(
        clippy::expect_used,
        reason = "the group is inserted just above when missing"
    )]
    pub fn join(&mut self, now: Instant, request: JoinRequest) -> Reply<JoinResponse> {
        let group_id = request.group_id.clone();
        let fail = |error| Reply::Now(JoinResponse::error(error, &request.member_id));
        if group_id.is_empty() {
            return fail(ErrorCode::InvalidGroupId);
        }
        if request.session_timeout_ms < self.config.min_session_timeout_ms
            || request.session_timeout_ms > self.config.max_session_timeout_ms
        {
            return fail(ErrorCode::InvalidSessionTimeout);
        }
        if !self.groups.contains_key(&group_id) {
            if !request.member_id.is_empty() {
                return fail(ErrorCode::UnknownMemberId);
            }
            self.groups
                .insert(group_id.clone(), Group::new(group_id.clone()));
        }
        let config = &self.config;
        let group = self.groups.get_mut(&group_id).expect("inserted above");
        if let Some(consumer) = &group.consumer {
            // As in Kafka, whatever the migration policy: a classic member
            // joins a consumer group with members as a member of it; an
            // empty one becomes a classic group.
            if !consumer.is_empty() {
                let reply = group.classic_join(now, request);
                group.log_consumer_changes(&mut self.writes);
                return reply;
            }
            group.consumer = None;
        }
        let reply = if !group.supports_protocols(&request) {
            fail(ErrorCode::InconsistentGroupProtocol)
        } else if request.member_id.is_empty() {
            group.join_new_member(now, config, request, &mut self.writes)
        } else {
            group.join_known_member(now, config, request, &mut self.writes)
        };
        if group.is_unused() {
            self.groups.remove(&group_id);
        }
        reply
    }

    pub fn sync(&mut self, now: Instant, request: SyncRequest) -> Reply<SyncResponse> {
        let Some(group) = self.groups.get_mut(&request.group_id) else {
            return Reply::Now(SyncResponse::error(ErrorCode::UnknownMemberId));
        };
        if group.consumer.is_some() {
            return Reply::Now(group.classic_sync(now, &request));
        }
        group.sync(now, request, &mut self.writes)
    }

    pub fn heartbeat(
        &mut self,
        now: Instant,
        group_id: &str,
        generation: i32,
        member_id: &str,
        instance_id: Option<&str>,
    ) -> Option<ErrorCode> {
        let Some(group) = self.groups.get_mut(group_id) else {
            return Some(ErrorCode::UnknownMemberId);
        };
        if group.consumer.is_some() {
            return group.classic_heartbeat(now, generation, member_id, instance_id);
        }
        if group.is_fenced(instance_id, member_id) {
            return Some(ErrorCode::FencedInstanceId);
        }
        let Some(member) = group.members.get_mut(member_id) else {
            return Some(ErrorCode::UnknownMemberId);
        };
        if generation != group.generation {
            return Some(ErrorCode::IllegalGeneration);
        }
        member.heartbeat_deadline = now + member.session_timeout;
        match group.state {
            GroupState::Empty | GroupState::Dead => Some(ErrorCode::UnknownMemberId),
            GroupState::PreparingRebalance => Some(ErrorCode::RebalanceInProgress),
            GroupState::CompletingRebalance | GroupState::Stable => None,
        }
    }

    /// LeaveGroup for each (member id, group instance id): the per-member
    /// errors, or a group-level one.
    pub fn leave(
        &mut self,
        now: Instant,
        group_id: &str,
        leaving: &[(String, Option<String>)],
    ) -> Vec<Option<ErrorCode>> {
        let Some(group) = self.groups.get_mut(group_id) else {
            return vec![Some(ErrorCode::UnknownMemberId); leaving.len()];
        };
        if group.consumer.is_some() {
            let results = group.classic_leave(leaving);
            group.log_consumer_changes(&mut self.writes);
            return results;
        }
        let mut removed_any = false;
        let results = leaving
            .iter()
            .map(|(member_id, instance_id)| {
                let member_id = match (member_id.as_str(), instance_id) {
                    // A static member may leave by instance id alone
                    // (kafka-leave-group, KIP-345).
                    ("", Some(instance)) => match group.static_members.get(instance) {
                        Some(id) => id.clone(),
                        None => return Some(ErrorCode::UnknownMemberId),
                    },
                    (id, _) => id.to_owned(),
                };
                if group.is_fenced(instance_id.as_deref(), &member_id) {
                    return Some(ErrorCode::FencedInstanceId);
                }
                if group.pending_members.remove(&member_id).is_some() {
                    removed_any = true;
                    return None;
                }
                if !group.members.contains_key(&member_id) {
                    return Some(ErrorCode::UnknownMemberId);
                }
                group.remove_member(&member_id);
                removed_any = true;
                None
            })
            .collect();
        if removed_any {
            group.on_members_removed(now, &self.config, &mut self.writes);
        }
        results
    }

    /// Runs every timer that is due; returns when the next one is.
    pub fn expire(&mut self, now: Instant) -> Option<Instant> {
        let mut next: Option<Instant> = None;
        for group in self.groups.values_mut() {
            group.expire(now, &self.config, &mut self.writes);
            group.expire_consumer(now, &self.config, &mut self.writes);
            if let Some(deadline) = group
                .next_deadline()
                .into_iter()
                .chain(group.consumer_deadline())
                .min()
            {
                next = Some(next.map_or(deadline, |n| n.min(deadline)));
            }
        }
        // A group that only ever handed out a member id that was never
        // used has nothing left to show.
        self.groups.retain(|_, g| !g.is_unused());
        next
    }

    /// Kafka's rules for who may commit (`ClassicGroup.validateOffsetCommit`):
    /// with generation -1 anyone may commit to an Empty group (admin tools,
    /// consumers that assign partitions themselves); otherwise only a
    /// member of the current generation, and not while the group waits for
    /// its assignment.
    pub fn validate_commit(
        &mut self,
        now: Instant,
        group_id: &str,
        generation: i32,
        member_id: &str,
        instance_id: Option<&str>,
    ) -> Result<(), ErrorCode> {
        let Some(group) = self.groups.get_mut(group_id) else {
            // No group yet: a commit from outside group management creates
            // one; one naming a generation belongs to a group we never had.
            return if generation < 0 {
                Ok(())
            } else {
                Err(ErrorCode::IllegalGeneration)
            };
        };
        if let Some(consumer) = &group.consumer {
            // The generation field carries the member epoch.
            return consumer.validate_commit(member_id, generation);
        }
        if generation < 0 && group.state == GroupState::Empty {
            return Ok(());
        }
        if generation >= 0 || !member_id.is_empty() || instance_id.is_some() {
            if group.is_fenced(instance_id, member_id) {
                return Err(ErrorCode::FencedInstanceId);
            }
            if !group.members.contains_key(member_id) {
                return Err(ErrorCode::UnknownMemberId);
            }
            if generation != group.generation {
                return Err(ErrorCode::IllegalGeneration);
            }
        } else {
            return Err(ErrorCode::UnknownMemberId);
        }
        if group.state == GroupState::CompletingRebalance {
            return Err(ErrorCode::RebalanceInProgress);
        }
        if let Some(member) = group.members.get_mut(member_id) {
            member.heartbeat_deadline = now + member.session_timeout;
        }
        Ok(())
    }

    /// The consumer-protocol membership of `group_id`, if it is one.
    pub fn consumer_group(&self, group_id: &str) -> Option<&ConsumerGroup> {
        self.groups.get(group_id)?.consumer.as_deref()
    }

    /// Records commits that were validated and logged.
    pub fn apply_commits(
        &mut self,
        group_id: &str,
        commits: impl IntoIterator<Item = ((String, i32), CommittedOffset)>,
    ) {
        let group = self
            .groups
            .entry(group_id.to_owned())
            .or_insert_with(|| Group::new(group_id.to_owned()));
        group.offsets.extend(commits);
    }

    /// The committed offset of each partition asked for (`None` where there
    /// is none); with no topics named, every committed partition.
    pub fn committed(
        &self,
        group_id: &str,
        topics: Option<&[(String, Vec<i32>)]>,
    ) -> Vec<TopicOffsets> {
        let group = self.groups.get(group_id);
        match topics {
            Some(topics) => topics
                .iter()
                .map(|(topic, partitions)| {
                    let partitions = partitions
                        .iter()
                        .map(|&p| {
                            let offset = group
                                .and_then(|g| g.offsets.get(&(topic.clone(), p)))
                                .cloned();
                            (p, offset)
                        })
                        .collect();
                    (topic.clone(), partitions)
                })
                .collect(),
            None => {
                let mut by_topic: Vec<TopicOffsets> = Vec::new();
                for ((topic, partition), offset) in group.iter().flat_map(|g| &g.offsets) {
                    match by_topic.last_mut() {
                        Some((last, partitions)) if last == topic => {
                            partitions.push((*partition, Some(offset.clone())));
                        }
                        _ => {
                            by_topic.push((topic.clone(), vec![(*partition, Some(offset.clone()))]))
                        }
                    }
                }
                by_topic
            }
        }
    }

    pub fn describe(&self, group_id: &str) -> GroupDescription {
        // DescribeGroups reports a consumer-protocol group as Dead, as
        // Kafka does (ConsumerGroupDescribe describes it).
        let Some(group) = self.groups.get(group_id).filter(|g| g.consumer.is_none()) else {
            return GroupDescription {
                state: GroupState::Dead,
                protocol_type: String::new(),
                protocol_data: String::new(),
                members: Vec::new(),
            };
        };
        // Like Kafka, metadata and assignments are only shown once they
        // are settled.
        let stable = group.state == GroupState::Stable;
        let protocol = group.protocol.clone().unwrap_or_default();
        GroupDescription {
            state: group.state,
            protocol_type: group.protocol_type.clone().unwrap_or_default(),
            protocol_data: if stable {
                protocol.clone()
            } else {
                String::new()
            },
            members: group
                .members
                .values()
                .map(|m| MemberDescription {
                    member_id: m.id.clone(),
                    instance_id: m.instance_id.clone(),
                    client_id: m.client_id.clone(),
                    client_host: m.client_host.clone(),
                    metadata: if stable {
                        m.metadata(&protocol)
                    } else {
                        Bytes::new()
                    },
                    assignment: if stable {
                        m.assignment.clone()
                    } else {
                        Bytes::new()
                    },
                })
                .collect(),
        }
    }

    /// Every group, sorted by id.
    pub fn list(&self) -> Vec<GroupListing> {
        let mut listed: Vec<GroupListing> = self
            .groups
            .values()
            .map(|g| match &g.consumer {
                Some(consumer) => GroupListing {
                    group_id: g.id.clone(),
                    protocol_type: PROTOCOL_TYPE.to_owned(),
                    state: consumer.state_name(),
                    group_type: "consumer",
                },
                None => GroupListing {
                    group_id: g.id.clone(),
                    protocol_type: g.protocol_type.clone().unwrap_or_default(),
                    state: g.state.name(),
                    group_type: "classic",
                },
            })
            .collect();
        listed.sort_by(|a, b| a.group_id.cmp(&b.group_id));
        listed
    }

    /// DeleteGroups for one group: only an Empty group can go.
    pub fn delete(&mut self, group_id: &str) -> Result<(), ErrorCode> {
        let Some(group) = self.groups.get(group_id) else {
            return Err(ErrorCode::GroupIdNotFound);
        };
        if group.state != GroupState::Empty
            || group.consumer.as_ref().is_some_and(|c| !c.is_empty())
        {
            return Err(ErrorCode::NonEmptyGroup);
        }
        if let Some(group) = self.groups.remove(group_id) {
            // One delete per offset first: on a cluster each becomes the
            // tombstone of its own `__consumer_offsets` key, so compaction
            // cannot bring an offset of a deleted group back.
            for (topic, partition) in group.offsets.into_keys() {
                self.writes.push(Entry::OffsetDelete {
                    group: group_id.to_owned(),
                    topic,
                    partition,
                });
            }
        }
        self.writes.push(Entry::GroupDelete {
            group: group_id.to_owned(),
        });
        Ok(())
    }

    /// OffsetDelete: the group-level error, or one result per partition.
    /// A consumer group with members keeps the offsets of topics they
    /// subscribe to.
    pub fn delete_offsets(
        &mut self,
        group_id: &str,
        partitions: &[(String, i32)],
    ) -> Result<Vec<Option<ErrorCode>>, ErrorCode> {
        let Some(group) = self.groups.get_mut(group_id) else {
            return Err(ErrorCode::GroupIdNotFound);
        };
        let subscribed: Option<Vec<String>> = match group.state {
            _ if group.consumer.as_ref().is_some_and(|c| !c.is_empty()) => group
                .consumer
                .as_ref()
                .map(|c| c.subscribed_names().into_iter().collect()),
            GroupState::Empty => None,
            GroupState::Dead => return Err(ErrorCode::GroupIdNotFound),
            _ if group.protocol_type.as_deref() == Some(PROTOCOL_TYPE) => {
                Some(group.subscribed_topics())
            }
            _ => return Err(ErrorCode::NonEmptyGroup),
        };
        Ok(partitions
            .iter()
            .map(|(topic, partition)| {
                if subscribed.as_ref().is_some_and(|s| s.contains(topic)) {
                    return Some(ErrorCode::GroupSubscribedToTopic);
                }
                if group.offsets.remove(&(topic.clone(), *partition)).is_some() {
                    self.writes.push(Entry::OffsetDelete {
                        group: group_id.to_owned(),
                        topic: topic.clone(),
                        partition: *partition,
                    });
                }
                None
            })
            .collect())
    }

    pub fn state(&self, group_id: &str) -> GroupState {
        self.groups
            .get(group_id)
            .map_or(GroupState::Dead, |g| g.state)
    }
}

impl Group {
    pub(super) fn new(id: String) -> Self {
        Self {
            id,
            state: GroupState::Empty,
            generation: 0,
            protocol_type: None,
            protocol: None,
            leader: None,
            members: IndexMap::new(),
            static_members: HashMap::new(),
            pending_members: HashMap::new(),
            rebalance: None,
            sync_deadline: None,
            offsets: BTreeMap::new(),
            consumer: None,
        }
    }

    /// A classic group without members: it may become a consumer group.
    pub(super) fn is_empty_classic(&self) -> bool {
        self.consumer.is_none()
            && self.state == GroupState::Empty
            && self.members.is_empty()
            && self.pending_members.is_empty()
    }

    /// A group a failed first join created and nothing refers to.
    fn is_unused(&self) -> bool {
        self.state == GroupState::Empty
            && self.generation == 0
            && self.members.is_empty()
            && self.pending_members.is_empty()
            && self.offsets.is_empty()
            && self.consumer.is_none()
    }

    pub(super) fn is_fenced(&self, instance_id: Option<&str>, member_id: &str) -> bool {
        instance_id
            .and_then(|instance| self.static_members.get(instance))
            .is_some_and(|holder| holder != member_id)
    }

    /// The joining member's protocols fit the group: same protocol type as
    /// the others, and at least one protocol every other member supports.
    fn supports_protocols(&self, request: &JoinRequest) -> bool {
        let mut others = self
            .members
            .values()
            .filter(|m| m.id != request.member_id)
            .peekable();
        if others.peek().is_none() {
            return !request.protocol_type.is_empty() && !request.protocols.is_empty();
        }
        let others: Vec<&Member> = others.collect();
        others
            .iter()
            .all(|m| m.protocol_type == request.protocol_type)
            && request
                .protocols
                .iter()
                .any(|(name, _)| others.iter().all(|m| m.supports(name)))
    }

    fn join_new_member(
        &mut self,
        now: Instant,
        config: &GroupConfig,
        request: JoinRequest,
        writes: &mut Vec<Entry>,
    ) -> Reply<JoinResponse> {
        if let Some(instance) = request.instance_id.clone() {
            let member_id = format!("{instance}-{}", Uuid::new_v4());
            return match self.static_members.get(&instance).cloned() {
                Some(old_id) => {
                    self.replace_static_member(now, config, &old_id, member_id, request, writes)
                }
                None => self.add_member(now, config, member_id, &request, writes),
            };
        }
        let member_id = format!("{}-{}", request.client_id, Uuid::new_v4());
        if request.require_known_member_id {
            // KIP-394: the member retries with this id, so a client that
            // times out and retries does not leave a ghost member behind.
            self.pending_members
                .insert(member_id.clone(), now + millis(request.session_timeout_ms));
            return Reply::Now(JoinResponse::error(ErrorCode::MemberIdRequired, &member_id));
        }
        self.add_member(now, config, member_id, &request, writes)
    }

    fn join_known_member(
        &mut self,
        now: Instant,
        config: &GroupConfig,
        request: JoinRequest,
        writes: &mut Vec<Entry>,
    ) -> Reply<JoinResponse> {
        let member_id = request.member_id.clone();
        if self.pending_members.remove(&member_id).is_some() {
            return self.add_member(now, config, member_id, &request, writes);
        }
        if self.is_fenced(request.instance_id.as_deref(), &member_id) {
            return Reply::Now(JoinResponse::error(ErrorCode::FencedInstanceId, &member_id));
        }
        let Some(member) = self.members.get(&member_id) else {
            return Reply::Now(JoinResponse::error(ErrorCode::UnknownMemberId, &member_id));
        };
        let unchanged = member.same_protocols(&request.protocols);
        let is_leader = self.leader.as_deref() == Some(member_id.as_str());
        match self.state {
            GroupState::PreparingRebalance => {
                let rx = self.park_join(now, &request);
                self.try_complete_join(now, writes);
                Reply::Later(rx)
            }
            // Only a follower whose protocols did not change can simply be
            // told the current generation again (its join response was
            // lost); the leader rejoining means it wants a new assignment.
            GroupState::CompletingRebalance if unchanged => {
                Reply::Now(self.current_join_response(&member_id, is_leader))
            }
            GroupState::Stable if unchanged && !is_leader => {
                Reply::Now(self.current_join_response(&member_id, false))
            }
            GroupState::CompletingRebalance | GroupState::Stable => {
                let rx = self.park_join(now, &request);
                self.prepare_rebalance(now, config, writes);
                Reply::Later(rx)
            }
            GroupState::Empty | GroupState::Dead => {
                Reply::Now(JoinResponse::error(ErrorCode::UnknownMemberId, &member_id))
            }
        }
    }

    #[allow(
        clippy::expect_used,
        reason = "callers pass the id of a member of this group"
    )]
    fn park_join(
        &mut self,
        now: Instant,
        request: &JoinRequest,
    ) -> oneshot::Receiver<JoinResponse> {
        let (tx, rx) = oneshot::channel();
        let member = self
            .members
            .get_mut(&request.member_id)
            .expect("caller checked membership");
        member.update(now, request);
        // A client that retries its JoinGroup (say after a lost connection)
        // supersedes the earlier request.
        member.answer_join(JoinResponse::error(
            ErrorCode::RebalanceInProgress,
            &request.member_id,
        ));
        member.join_waiter = Some(tx);
        rx
    }

    fn add_member(
        &mut self,
        now: Instant,
        config: &GroupConfig,
        member_id: String,
        request: &JoinRequest,
        writes: &mut Vec<Entry>,
    ) -> Reply<JoinResponse> {
        let (tx, rx) = oneshot::channel();
        let mut member = Member::new(now, member_id.clone(), request);
        member.join_waiter = Some(tx);
        if let Some(instance) = &request.instance_id {
            self.static_members
                .insert(instance.clone(), member_id.clone());
        }
        if self.leader.is_none() {
            self.leader = Some(member_id.clone());
        }
        self.members.insert(member_id, member);
        if let Some(RebalanceTimer {
            initial: Some(initial),
            ..
        }) = &mut self.rebalance
        {
            initial.new_member_added = true;
        }
        if self.state == GroupState::PreparingRebalance {
            self.try_complete_join(now, writes);
        } else {
            self.prepare_rebalance(now, config, writes);
        }
        Reply::Later(rx)
    }

    /// A static member came back with a new member id (a restart): the old
    /// id is fenced, and the group only rebalances if it must.
    #[allow(
        clippy::expect_used,
        reason = "the index was found by get_index_of just above"
    )]
    fn replace_static_member(
        &mut self,
        now: Instant,
        config: &GroupConfig,
        old_id: &str,
        new_id: String,
        request: JoinRequest,
        writes: &mut Vec<Entry>,
    ) -> Reply<JoinResponse> {
        let Some(index) = self.members.get_index_of(old_id) else {
            return self.add_member(now, config, new_id, &request, writes);
        };
        let (_, mut member) = self
            .members
            .shift_remove_index(index)
            .expect("index from get_index_of");
        member.answer_join(JoinResponse::error(ErrorCode::FencedInstanceId, old_id));
        member.answer_sync(SyncResponse::error(ErrorCode::FencedInstanceId));
        let protocols_changed = !member.same_protocols(&request.protocols);
        member.id.clone_from(&new_id);
        member.update(now, &request);
        self.members.shift_insert(index, new_id.clone(), member);
        if let Some(instance) = &request.instance_id {
            self.static_members.insert(instance.clone(), new_id.clone());
        }
        let was_leader = self.leader.as_deref() == Some(old_id);
        if was_leader {
            self.leader = Some(new_id.clone());
        }
        match self.state {
            GroupState::Stable
                if !protocols_changed
                    && self.protocol.as_deref() == Some(self.select_protocol().as_str()) =>
            {
                // Nothing about the group changes: hand back the current
                // generation; the member keeps its assignment via SyncGroup.
                let skip = was_leader && request.supports_skip_assignment;
                let mut response = self.current_join_response(&new_id, skip);
                response.skip_assignment = skip;
                Reply::Now(response)
            }
            GroupState::PreparingRebalance => {
                let rx = self.park_join(
                    now,
                    &JoinRequest {
                        member_id: new_id,
                        ..request
                    },
                );
                self.try_complete_join(now, writes);
                Reply::Later(rx)
            }
            _ => {
                let rx = self.park_join(
                    now,
                    &JoinRequest {
                        member_id: new_id,
                        ..request
                    },
                );
                self.prepare_rebalance(now, config, writes);
                Reply::Later(rx)
            }
        }
    }

    fn current_join_response(&self, member_id: &str, with_members: bool) -> JoinResponse {
        let protocol = self.protocol.clone().unwrap_or_default();
        JoinResponse {
            error: None,
            generation: self.generation,
            protocol_type: self.protocol_type.clone(),
            protocol_name: self.protocol.clone(),
            leader: self.leader.clone().unwrap_or_default(),
            member_id: member_id.to_owned(),
            members: if with_members {
                self.joined_members(&protocol)
            } else {
                Vec::new()
            },
            skip_assignment: false,
        }
    }

    fn joined_members(&self, protocol: &str) -> Vec<JoinedMember> {
        self.members
            .values()
            .map(|m| JoinedMember {
                member_id: m.id.clone(),
                instance_id: m.instance_id.clone(),
                metadata: m.metadata(protocol),
            })
            .collect()
    }

    fn max_rebalance_timeout(&self) -> Duration {
        self.members
            .values()
            .map(|m| m.rebalance_timeout)
            .max()
            .unwrap_or(Duration::ZERO)
    }

    pub(super) fn prepare_rebalance(
        &mut self,
        now: Instant,
        config: &GroupConfig,
        writes: &mut Vec<Entry>,
    ) {
        if self.state == GroupState::CompletingRebalance {
            // The assignment being handed out is void: members waiting for
            // it must rejoin.
            for member in self.members.values_mut() {
                member.assignment = Bytes::new();
                member.answer_sync(SyncResponse::error(ErrorCode::RebalanceInProgress));
            }
        }
        let rebalance_timeout = self.max_rebalance_timeout();
        // With no initial delay, Kafka's delayed join fires at once and
        // completes with whoever is there: the same as an ordinary join
        // phase that completes as soon as every member has joined, without
        // a round trip through the timer task.
        let initial = self.state == GroupState::Empty && !config.initial_rebalance_delay.is_zero();
        self.rebalance = Some(if initial {
            let delay = config.initial_rebalance_delay.min(rebalance_timeout);
            RebalanceTimer {
                deadline: now + delay,
                initial: Some(InitialDelay {
                    remaining: rebalance_timeout - delay,
                    new_member_added: false,
                }),
            }
        } else {
            RebalanceTimer {
                deadline: now + rebalance_timeout,
                initial: None,
            }
        });
        self.state = GroupState::PreparingRebalance;
        self.sync_deadline = None;
        self.try_complete_join(now, writes);
    }

    /// Completes the join phase early once every member has rejoined (the
    /// initial delay is never cut short: its point is to wait for more).
    fn try_complete_join(&mut self, now: Instant, writes: &mut Vec<Entry>) {
        let initial = self.rebalance.as_ref().is_some_and(|r| r.initial.is_some());
        if self.state == GroupState::PreparingRebalance
            && !initial
            && self.pending_members.is_empty()
            && self.members.values().all(|m| m.join_waiter.is_some())
        {
            self.complete_join(now, writes);
        }
    }

    fn on_rebalance_deadline(
        &mut self,
        now: Instant,
        config: &GroupConfig,
        writes: &mut Vec<Entry>,
    ) {
        let Some(timer) = self.rebalance.take() else {
            return;
        };
        let extend = timer
            .initial
            .filter(|i| i.new_member_added && !i.remaining.is_zero());
        if let Some(initial) = extend {
            let delay = config.initial_rebalance_delay.min(initial.remaining);
            self.rebalance = Some(RebalanceTimer {
                deadline: now + delay,
                initial: Some(InitialDelay {
                    remaining: initial.remaining - delay,
                    new_member_added: false,
                }),
            });
            return;
        }
        self.complete_join(now, writes);
    }

    fn complete_join(&mut self, now: Instant, writes: &mut Vec<Entry>) {
        // Dynamic members that did not rejoin in time are gone; static ones
        // stay until their session expires (KIP-345).
        let gone: Vec<String> = self
            .members
            .values()
            .filter(|m| m.join_waiter.is_none() && m.instance_id.is_none())
            .map(|m| m.id.clone())
            .collect();
        for id in &gone {
            self.remove_member(id);
        }
        self.rebalance = None;
        if self.members.is_empty() {
            self.generation += 1;
            self.protocol = None;
            self.leader = None;
            self.state = GroupState::Empty;
            writes.push(self.metadata_entry());
            return;
        }
        let leader_joined = self
            .leader
            .as_ref()
            .and_then(|l| self.members.get(l))
            .is_some_and(|m| m.join_waiter.is_some());
        if !leader_joined {
            match self.members.values().find(|m| m.join_waiter.is_some()) {
                Some(m) => self.leader = Some(m.id.clone()),
                None => {
                    // Only static members that have not rejoined are left:
                    // wait for them to come back or for their sessions to
                    // expire.
                    self.rebalance = Some(RebalanceTimer {
                        deadline: now + self.max_rebalance_timeout().max(STATIC_RECHECK),
                        initial: None,
                    });
                    return;
                }
            }
        }
        self.generation += 1;
        self.protocol_type = self
            .members
            .values()
            .next()
            .map(|m| m.protocol_type.clone());
        let protocol = self.select_protocol();
        self.protocol = Some(protocol.clone());
        self.state = GroupState::CompletingRebalance;
        self.sync_deadline = Some(now + self.max_rebalance_timeout());
        let leader = self.leader.clone().unwrap_or_default();
        let everyone = self.joined_members(&protocol);
        for member in self.members.values_mut() {
            member.heartbeat_deadline = now + member.session_timeout;
            member.assignment = Bytes::new();
            if member.join_waiter.is_none() {
                continue;
            }
            member.pending_sync = true;
            let is_leader = member.id == leader;
            member.answer_join(JoinResponse {
                error: None,
                generation: self.generation,
                protocol_type: self.protocol_type.clone(),
                protocol_name: Some(protocol.clone()),
                leader: leader.clone(),
                member_id: member.id.clone(),
                members: if is_leader {
                    everyone.clone()
                } else {
                    Vec::new()
                },
                skip_assignment: false,
            });
        }
    }

    /// Kafka's vote: each member votes for its most preferred protocol
    /// among those every member supports; the most votes win, ties going
    /// to the leader's preference.
    pub(super) fn select_protocol(&self) -> String {
        let Some(first) = self
            .leader
            .as_ref()
            .and_then(|l| self.members.get(l))
            .or_else(|| self.members.values().next())
        else {
            return String::new();
        };
        let candidates: Vec<&str> = first
            .protocols
            .iter()
            .map(|(name, _)| name.as_str())
            .filter(|name| self.members.values().all(|m| m.supports(name)))
            .collect();
        let mut votes: HashMap<&str, usize> = HashMap::new();
        for member in self.members.values() {
            if let Some((name, _)) = member
                .protocols
                .iter()
                .find(|(name, _)| candidates.contains(&name.as_str()))
            {
                *votes.entry(name.as_str()).or_default() += 1;
            }
        }
        let mut best: Option<(&str, usize)> = None;
        for candidate in &candidates {
            let count = votes.get(candidate).copied().unwrap_or(0);
            if best.is_none_or(|(_, most)| count > most) {
                best = Some((candidate, count));
            }
        }
        best.map(|(name, _)| name.to_owned()).unwrap_or_default()
    }

    #[allow(
        clippy::expect_used,
        reason = "the member was looked up by id in the match arm just above"
    )]
    fn sync(
        &mut self,
        now: Instant,
        request: SyncRequest,
        writes: &mut Vec<Entry>,
    ) -> Reply<SyncResponse> {
        if self.is_fenced(request.instance_id.as_deref(), &request.member_id) {
            return Reply::Now(SyncResponse::error(ErrorCode::FencedInstanceId));
        }
        if !self.members.contains_key(&request.member_id) {
            return Reply::Now(SyncResponse::error(ErrorCode::UnknownMemberId));
        }
        if request.generation != self.generation {
            return Reply::Now(SyncResponse::error(ErrorCode::IllegalGeneration));
        }
        let mismatched =
            |asked: &Option<String>, ours: &Option<String>| asked.is_some() && asked != ours;
        if mismatched(&request.protocol_type, &self.protocol_type)
            || mismatched(&request.protocol_name, &self.protocol)
        {
            return Reply::Now(SyncResponse::error(ErrorCode::InconsistentGroupProtocol));
        }
        match self.state {
            GroupState::Empty | GroupState::Dead => {
                Reply::Now(SyncResponse::error(ErrorCode::UnknownMemberId))
            }
            GroupState::PreparingRebalance => {
                Reply::Now(SyncResponse::error(ErrorCode::RebalanceInProgress))
            }
            GroupState::CompletingRebalance => {
                let (tx, rx) = oneshot::channel();
                let member = self
                    .members
                    .get_mut(&request.member_id)
                    .expect("checked above");
                member.answer_sync(SyncResponse::error(ErrorCode::RebalanceInProgress));
                member.sync_waiter = Some(tx);
                member.pending_sync = false;
                member.heartbeat_deadline = now + member.session_timeout;
                if self.leader.as_deref() == Some(request.member_id.as_str()) {
                    self.assign(request.assignments, writes);
                }
                Reply::Later(rx)
            }
            GroupState::Stable => {
                let member = self
                    .members
                    .get_mut(&request.member_id)
                    .expect("checked above");
                member.pending_sync = false;
                member.heartbeat_deadline = now + member.session_timeout;
                let response = SyncResponse {
                    error: None,
                    protocol_type: self.protocol_type.clone(),
                    protocol_name: self.protocol.clone(),
                    assignment: member.assignment.clone(),
                };
                if self.members.values().all(|m| !m.pending_sync) {
                    self.sync_deadline = None;
                }
                Reply::Now(response)
            }
        }
    }

    /// The leader's assignment: every member gets its part, and for the
    /// consumer protocol a member left out gets a valid empty assignment.
    fn assign(&mut self, assignments: Vec<(String, Bytes)>, writes: &mut Vec<Entry>) {
        let mut assigned: HashMap<String, Bytes> = assignments.into_iter().collect();
        let consumer = self.protocol_type.as_deref() == Some(PROTOCOL_TYPE);
        let protocol = self.protocol.clone().unwrap_or_default();
        for member in self.members.values_mut() {
            let mut assignment = assigned.remove(&member.id).unwrap_or_default();
            if assignment.is_empty() && consumer {
                assignment = consumer_protocol::empty_assignment(&member.metadata(&protocol));
            }
            member.assignment = assignment;
        }
        self.state = GroupState::Stable;
        let protocol_type = self.protocol_type.clone();
        for member in self.members.values_mut() {
            let response = SyncResponse {
                error: None,
                protocol_type: protocol_type.clone(),
                protocol_name: Some(protocol.clone()),
                assignment: member.assignment.clone(),
            };
            member.answer_sync(response);
        }
        if self.members.values().all(|m| !m.pending_sync) {
            self.sync_deadline = None;
        }
        writes.push(self.metadata_entry());
    }

    pub(super) fn metadata_entry(&self) -> Entry {
        Entry::Group {
            group: self.id.clone(),
            protocol_type: self.protocol_type.clone(),
            protocol: self.protocol.clone(),
            generation: self.generation,
        }
    }

    /// Takes a member out, answering anything it still waits for.
    fn remove_member(&mut self, member_id: &str) {
        let Some(mut member) = self.members.shift_remove(member_id) else {
            return;
        };
        member.answer_join(JoinResponse::error(ErrorCode::UnknownMemberId, member_id));
        member.answer_sync(SyncResponse::error(ErrorCode::UnknownMemberId));
        let holds_instance = member
            .instance_id
            .as_ref()
            .filter(|i| self.static_members.get(*i).map(String::as_str) == Some(member_id));
        if let Some(instance) = holds_instance {
            self.static_members.remove(instance);
        }
        if self.leader.as_deref() == Some(member_id) {
            self.leader = self.members.keys().next().cloned();
        }
    }

    fn on_members_removed(&mut self, now: Instant, config: &GroupConfig, writes: &mut Vec<Entry>) {
        match self.state {
            GroupState::Stable | GroupState::CompletingRebalance => {
                self.prepare_rebalance(now, config, writes)
            }
            GroupState::PreparingRebalance => self.try_complete_join(now, writes),
            GroupState::Empty | GroupState::Dead => {}
        }
    }

    fn expire(&mut self, now: Instant, config: &GroupConfig, writes: &mut Vec<Entry>) {
        let pending_before = self.pending_members.len();
        self.pending_members.retain(|_, deadline| *deadline > now);
        let mut removed = self.pending_members.len() != pending_before;
        // A member parked in JoinGroup or SyncGroup cannot heartbeat on that
        // connection, so it is alive by definition.
        let expired: Vec<String> = self
            .members
            .values()
            .filter(|m| !m.is_parked() && m.heartbeat_deadline <= now)
            .map(|m| m.id.clone())
            .collect();
        for id in &expired {
            tracing::info!(group = %self.id, member = %id, "member session expired");
            self.remove_member(id);
            removed = true;
        }
        if self.sync_deadline.is_some_and(|d| d <= now)
            && matches!(
                self.state,
                GroupState::CompletingRebalance | GroupState::Stable
            )
        {
            self.sync_deadline = None;
            let unsynced: Vec<String> = self
                .members
                .values()
                .filter(|m| m.pending_sync)
                .map(|m| m.id.clone())
                .collect();
            for id in &unsynced {
                tracing::info!(group = %self.id, member = %id, "member did not sync in time");
                self.remove_member(id);
                removed = true;
            }
        }
        if removed {
            self.on_members_removed(now, config, writes);
        }
        if self.rebalance.as_ref().is_some_and(|r| r.deadline <= now) {
            self.on_rebalance_deadline(now, config, writes);
        }
    }

    fn next_deadline(&self) -> Option<Instant> {
        let sessions = self
            .members
            .values()
            .filter(|m| !m.is_parked())
            .map(|m| m.heartbeat_deadline);
        sessions
            .chain(self.pending_members.values().copied())
            .chain(self.rebalance.as_ref().map(|r| r.deadline))
            .chain(self.sync_deadline)
            .min()
    }

    fn subscribed_topics(&self) -> Vec<String> {
        let protocol = self.protocol.clone().unwrap_or_default();
        let mut topics: Vec<String> = self
            .members
            .values()
            .filter_map(|m| subscribed_topics(&m.metadata(&protocol)))
            .flatten()
            .collect();
        topics.sort();
        topics.dedup();
        topics
    }
}

/// The topics a member's subscription names, or `None` if it is not a
/// consumer-protocol subscription.
fn subscribed_topics(metadata: &Bytes) -> Option<Vec<String>> {
    let (_, subscription) = consumer_protocol::decode_subscription(metadata).ok()?;
    Some(
        subscription
            .topics
            .into_iter()
            .map(|t| t.as_str().to_owned())
            .collect(),
    )
}

/// How soon a rebalance waiting only on absent static members looks again,
/// at the least; their session expiry usually settles it first.
const STATIC_RECHECK: Duration = Duration::from_secs(1);

fn millis(ms: i32) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}
