//! KIP-848's online migration: a group id moves between the classic and
//! the consumer protocol while it has members, as Kafka's
//! `GroupMetadataManager` moves it (`group.consumer.migration.policy`).
//!
//! - **Upgrade.** A ConsumerGroupHeartbeat to a classic group with members
//!   that uses the consumer embedded protocol converts it
//!   ([`Group::upgrade_to_consumer`]): each classic member becomes a
//!   consumer-group member at the group's generation, keeping the
//!   subscription of its JoinGroup and the partitions of its last
//!   SyncGroup, and the current assignment becomes the target. Joins and
//!   syncs parked in the classic rebalance are answered
//!   REBALANCE_IN_PROGRESS so those members rejoin.
//! - **Classic members of a consumer group** keep speaking JoinGroup,
//!   SyncGroup and Heartbeat ([`Group::classic_join`],
//!   [`Group::classic_sync`], [`Group::classic_heartbeat`]). The
//!   server-side assignor decides what they own: a JoinGroup reconciles the
//!   member with the partitions its subscription says it owns and answers
//!   at once (no leader, no member list), SyncGroup hands out what the
//!   member may own now, and Heartbeat answers REBALANCE_IN_PROGRESS
//!   whenever the member must rejoin to move on (the group epoch moved, it
//!   must revoke, or partitions it waited for were released). This is also
//!   served whatever the policy, as in Kafka: the policy governs converting
//!   a group, not who may join one.
//! - **Downgrade.** When the last consumer-protocol member leaves (or is
//!   fenced) and classic members remain, the group becomes a classic group
//!   again ([`Group::downgrade_to_classic`]) at its group epoch, every
//!   member holding its target assignment, and a rebalance starts: the
//!   members learn of it from Heartbeat and rejoin. A classic LeaveGroup
//!   never downgrades, as in Kafka.
//!
//! Committed offsets belong to the group id and are never touched.

use std::collections::BTreeSet;
use std::time::Duration;

use bytes::Bytes;
use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::consumer_protocol::{self, PROTOCOL_TYPE};
use kctl_client::protocol::messages::ConsumerProtocolAssignment;
use kctl_client::protocol::messages::consumer_protocol_assignment::TopicPartition;
use kctl_client::protocol::{StrBytes, indexmap::IndexMap};
use tokio::time::Instant;
use uuid::Uuid;

use super::assignors::Assignment;
use super::consumer_protocol::{ConsumerGroup, ConsumerMember, MemberState};
use super::state::{
    Group, GroupConfig, GroupState, JoinRequest, JoinResponse, Member, Reply, SyncRequest,
    SyncResponse,
};
use super::store::{Entry, StoredClassicMember};

/// What a consumer-group member that speaks the classic protocol sent in
/// its JoinGroup (Kafka's `ClassicMemberMetadata`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClassicMetadata {
    pub session_timeout: Duration,
    /// The member's protocols in its order of preference, each with its
    /// subscription blob.
    pub protocols: Vec<(String, Bytes)>,
}

impl ClassicMetadata {
    /// The protocol Kafka answers such a member with: its first.
    fn protocol_name(&self) -> String {
        self.protocols
            .first()
            .map(|(name, _)| name.clone())
            .unwrap_or_default()
    }

    fn subscription(&self) -> Bytes {
        self.protocols
            .first()
            .map(|(_, metadata)| metadata.clone())
            .unwrap_or_default()
    }

    pub(super) fn stored(&self) -> StoredClassicMember {
        StoredClassicMember {
            session_timeout_ms: u64::try_from(self.session_timeout.as_millis()).unwrap_or(u64::MAX),
            protocols: self
                .protocols
                .iter()
                .map(|(name, metadata)| (name.clone(), metadata.to_vec()))
                .collect(),
        }
    }

    pub(super) fn from_stored(stored: &StoredClassicMember) -> Self {
        Self {
            session_timeout: Duration::from_millis(stored.session_timeout_ms),
            protocols: stored
                .protocols
                .iter()
                .map(|(name, metadata)| (name.clone(), Bytes::from(metadata.clone())))
                .collect(),
        }
    }
}

/// A consumer subscription blob read for what migration needs: its topics,
/// the partitions the member says it owns (v1+) and its rack (v3+). An
/// unreadable blob subscribes to nothing.
#[derive(Debug, Default)]
pub(super) struct ClassicSubscription {
    pub topics: Vec<String>,
    pub owned: Assignment,
    pub rack_id: Option<String>,
}

pub(super) fn read_subscription(metadata: &Bytes) -> ClassicSubscription {
    let Ok((_, subscription)) = consumer_protocol::decode_subscription(metadata) else {
        return ClassicSubscription::default();
    };
    let mut topics: Vec<String> = subscription
        .topics
        .iter()
        .map(|t| t.as_str().to_owned())
        .collect();
    topics.sort();
    topics.dedup();
    let mut owned = Assignment::new();
    for tp in &subscription.owned_partitions {
        if !tp.partitions.is_empty() {
            owned
                .entry(tp.topic.as_str().to_owned())
                .or_default()
                .extend(tp.partitions.iter().copied());
        }
    }
    ClassicSubscription {
        topics,
        owned,
        rack_id: subscription.rack_id.map(|r| r.as_str().to_owned()),
    }
}

/// The partitions of a SyncGroup assignment blob (none if unreadable).
pub(super) fn read_assignment(blob: &Bytes) -> Assignment {
    let mut assigned = Assignment::new();
    if let Ok(Some(assignment)) = consumer_protocol::decode_assignment(blob) {
        for tp in assignment.assigned_partitions {
            if !tp.partitions.is_empty() {
                assigned
                    .entry(tp.topic.as_str().to_owned())
                    .or_default()
                    .extend(tp.partitions);
            }
        }
    }
    assigned
}

/// `assigned` as a SyncGroup assignment blob, in the version of the
/// member's subscription so it can read it (Kafka's `prepareAssignment`).
pub(super) fn write_assignment(assigned: &Assignment, subscription: &Bytes) -> Bytes {
    let partitions = assigned
        .iter()
        .map(|(topic, ps)| {
            TopicPartition::default()
                .with_topic(StrBytes::from_string(topic.clone()).into())
                .with_partitions(ps.iter().copied().collect())
        })
        .collect();
    consumer_protocol::encode(
        &ConsumerProtocolAssignment::default()
            .with_assigned_partitions(partitions)
            .with_user_data(None),
        consumer_protocol::version_for(subscription),
    )
}

impl Group {
    /// Kafka's `validateOnlineUpgrade`: the policy allows it and the
    /// classic group has members speaking the consumer embedded protocol.
    pub(super) fn can_upgrade(&self, config: &GroupConfig) -> bool {
        config.migration_policy.upgrade_enabled()
            && self.consumer.is_none()
            && !self.members.is_empty()
            && self.protocol_type.as_deref() == Some(PROTOCOL_TYPE)
            && self
                .members
                .values()
                .all(|m| m.protocol_type == PROTOCOL_TYPE)
    }

    /// Kafka's `convertToConsumerGroup`: the classic members become
    /// consumer-group members at the current generation, each keeping its
    /// last assignment, which becomes the target. The heartbeat that
    /// triggered this then joins and bumps the epoch. Logged by the caller's
    /// `log_consumer_changes`.
    pub(super) fn upgrade_to_consumer(&mut self, now: Instant) {
        tracing::info!(group = %self.id, generation = self.generation, "converting classic group to consumer group");
        let generation = self.generation;
        let protocol = self.protocol.clone();
        let mut cg = ConsumerGroup::empty(generation);
        for (id, mut member) in std::mem::take(&mut self.members) {
            // A rebalance in progress is void: those members rejoin.
            member.answer_join(JoinResponse::error(ErrorCode::RebalanceInProgress, &id));
            member.answer_sync(SyncResponse::error(ErrorCode::RebalanceInProgress));
            let metadata = match &protocol {
                Some(p) if member.supports(p) => member.metadata(p),
                _ => member
                    .protocols
                    .first()
                    .map(|(_, m)| m.clone())
                    .unwrap_or_default(),
            };
            let subscription = read_subscription(&metadata);
            let assigned = read_assignment(&member.assignment);
            if let Some(instance) = &member.instance_id {
                cg.static_members.insert(instance.clone(), id.clone());
            }
            cg.target.insert(id.clone(), assigned.clone());
            cg.members.insert(
                id.clone(),
                ConsumerMember {
                    id: id.clone(),
                    instance_id: member.instance_id.clone(),
                    rack_id: subscription.rack_id,
                    client_id: member.client_id.clone(),
                    client_host: member.client_host.clone(),
                    epoch: generation,
                    previous_epoch: generation,
                    state: MemberState::Stable,
                    topic_names: subscription.topics,
                    topic_regex: None,
                    server_assignor: None,
                    rebalance_timeout: member.rebalance_timeout,
                    assigned,
                    revoking: Assignment::new(),
                    session_deadline: now + member.session_timeout,
                    revocation_deadline: None,
                    send_assignment: false,
                    classic: Some(ClassicMetadata {
                        session_timeout: member.session_timeout,
                        protocols: member.protocols.clone(),
                    }),
                },
            );
        }
        self.static_members.clear();
        self.pending_members.clear();
        self.rebalance = None;
        self.sync_deadline = None;
        self.leader = None;
        self.state = GroupState::Empty;
        self.protocol_type = None;
        self.protocol = None;
        self.generation = 0;
        self.consumer = Some(Box::new(cg));
    }

    /// Kafka's `validateOnlineDowngradeWithFencedMember`: `leaving`, a
    /// consumer-protocol member, is going and every other member (there is
    /// at least one) speaks the classic protocol.
    pub(super) fn should_downgrade(&self, config: &GroupConfig, leaving: &str) -> bool {
        self.consumer
            .as_deref()
            .is_some_and(|cg| cg.should_downgrade(config, leaving))
    }

    /// Kafka's `convertToClassicGroup`: the group becomes a classic group
    /// at its group epoch without `leaving`; every classic member holds its
    /// target assignment, and a rebalance starts.
    pub(super) fn downgrade_to_classic(
        &mut self,
        now: Instant,
        config: &GroupConfig,
        leaving: &str,
        writes: &mut Vec<Entry>,
    ) {
        let Some(cg) = self.consumer.take() else {
            return;
        };
        tracing::info!(group = %self.id, epoch = cg.group_epoch, "converting consumer group to classic group");
        let mut members = IndexMap::new();
        for m in cg.members.values().filter(|m| m.id != leaving) {
            let Some(classic) = &m.classic else { continue };
            let target = cg.target.get(&m.id).cloned().unwrap_or_default();
            let assignment = write_assignment(&target, &classic.subscription());
            if let Some(instance) = &m.instance_id {
                self.static_members.insert(instance.clone(), m.id.clone());
            }
            members.insert(
                m.id.clone(),
                Member {
                    id: m.id.clone(),
                    instance_id: m.instance_id.clone(),
                    client_id: m.client_id.clone(),
                    client_host: m.client_host.clone(),
                    session_timeout: classic.session_timeout,
                    rebalance_timeout: m.rebalance_timeout,
                    protocol_type: PROTOCOL_TYPE.to_owned(),
                    protocols: classic.protocols.clone(),
                    assignment,
                    heartbeat_deadline: now + classic.session_timeout,
                    join_waiter: None,
                    sync_waiter: None,
                    pending_sync: false,
                },
            );
        }
        self.members = members;
        self.leader = self.members.keys().next().cloned();
        self.generation = cg.group_epoch;
        self.protocol_type = Some(PROTOCOL_TYPE.to_owned());
        self.protocol = Some(self.select_protocol());
        self.state = GroupState::Stable;
        // The log forgets the consumer group; a restart shows a classic
        // group at this generation.
        writes.push(self.metadata_entry());
        self.prepare_rebalance(now, config, writes);
    }

    /// JoinGroup from a classic member to a consumer group with members
    /// (Kafka's `classicGroupJoinToConsumerGroup`).
    pub(super) fn classic_join(
        &mut self,
        now: Instant,
        request: JoinRequest,
    ) -> Reply<JoinResponse> {
        let fail = |error, member_id: &str| Reply::Now(JoinResponse::error(error, member_id));
        let Some(cg) = self.consumer.as_deref_mut() else {
            return fail(ErrorCode::CoordinatorNotAvailable, &request.member_id);
        };
        if !supports_classic_protocols(cg, &request) {
            return fail(ErrorCode::InconsistentGroupProtocol, &request.member_id);
        }
        let mut member_id = request.member_id.clone();
        if member_id.is_empty() {
            member_id = Uuid::new_v4().to_string();
            if request.require_known_member_id && request.instance_id.is_none() {
                // KIP-394, as Kafka answers it for a consumer group.
                return fail(ErrorCode::MemberIdRequired, &member_id);
            }
        }
        let subscription = read_subscription(
            &request
                .protocols
                .first()
                .map(|(_, m)| m.clone())
                .unwrap_or_default(),
        );
        let classic = ClassicMetadata {
            session_timeout: Duration::from_millis(
                u64::try_from(request.session_timeout_ms).unwrap_or(0),
            ),
            protocols: request.protocols.clone(),
        };
        let mut bump = false;
        let mut replaced = false;
        // A static member coming back under a new member id takes over the
        // old one's place (and assignment) in the group, whichever protocol
        // the old one spoke.
        if let Some(instance) = &request.instance_id
            && let Some(holder) = cg.static_members.get(instance).cloned()
            && holder != member_id
            && let Some(mut old) = cg.members.remove(&holder)
        {
            replaced = true;
            old.id.clone_from(&member_id);
            if let Some(target) = cg.target.remove(&holder) {
                cg.target.insert(member_id.clone(), target);
            }
            cg.members.insert(member_id.clone(), old);
        }
        if !cg.members.contains_key(&member_id) {
            cg.members.insert(
                member_id.clone(),
                ConsumerMember::joining(&member_id, request.instance_id.clone(), now, false),
            );
            bump = true;
        }
        if let Some(instance) = &request.instance_id {
            cg.static_members
                .insert(instance.clone(), member_id.clone());
        }
        let Some(member) = cg.members.get_mut(&member_id) else {
            return fail(ErrorCode::UnknownMemberId, &member_id);
        };
        if member.classic.is_none() && !bump && !replaced {
            // A consumer-protocol member cannot switch protocols in place.
            return fail(ErrorCode::UnknownMemberId, &member_id);
        }
        member.instance_id.clone_from(&request.instance_id);
        if subscription.rack_id.is_some() {
            member.rack_id = subscription.rack_id;
        }
        if request.rebalance_timeout_ms >= 0 {
            member.rebalance_timeout =
                Duration::from_millis(u64::try_from(request.rebalance_timeout_ms).unwrap_or(0));
        }
        member.client_id.clone_from(&request.client_id);
        member.client_host.clone_from(&request.client_host);
        member.session_deadline = now + classic.session_timeout;
        if member.state != MemberState::UnrevokedPartitions {
            // It rejoined: the join timeout is met (a revocation still
            // pending keeps its own deadline).
            member.revocation_deadline = None;
        }
        if member.topic_names != subscription.topics {
            member.topic_names = subscription.topics;
            bump = true;
        }
        let protocol_name = classic.protocol_name();
        member.classic = Some(classic);
        if bump {
            cg.bump_epoch();
        }
        cg.refresh_target(&request.all_topics);
        cg.reconcile(now, &member_id, Some(&subscription.owned));
        let Some(member) = cg.members.get_mut(&member_id) else {
            return fail(ErrorCode::UnknownMemberId, &member_id);
        };
        // Kafka's sync timeout: SyncGroup must follow within the rebalance
        // timeout (a pending revocation already has that deadline).
        if member.revocation_deadline.is_none() {
            member.revocation_deadline = Some(now + member.rebalance_timeout);
        }
        let epoch = member.epoch;
        Reply::Now(JoinResponse {
            error: None,
            generation: epoch,
            protocol_type: Some(PROTOCOL_TYPE.to_owned()),
            protocol_name: Some(protocol_name),
            leader: String::new(),
            member_id,
            members: Vec::new(),
            skip_assignment: false,
        })
    }

    /// SyncGroup from a classic member of a consumer group (Kafka's
    /// `classicGroupSyncToConsumerGroup`): the partitions it may own now.
    pub(super) fn classic_sync(&mut self, now: Instant, request: &SyncRequest) -> SyncResponse {
        let Some(cg) = self.consumer.as_deref_mut() else {
            return SyncResponse::error(ErrorCode::CoordinatorNotAvailable);
        };
        let group_epoch = cg.group_epoch;
        let member = match classic_member(cg, &request.member_id, request.instance_id.as_deref()) {
            Ok(member) => member,
            Err(error) => return SyncResponse::error(error),
        };
        let Some(classic) = &member.classic else {
            return SyncResponse::error(ErrorCode::UnknownMemberId);
        };
        if request.generation != member.epoch {
            return SyncResponse::error(ErrorCode::IllegalGeneration);
        }
        let protocol_name = classic.protocol_name();
        if request
            .protocol_type
            .as_deref()
            .is_some_and(|t| t != PROTOCOL_TYPE)
            || request
                .protocol_name
                .as_deref()
                .is_some_and(|n| n != protocol_name)
        {
            return SyncResponse::error(ErrorCode::InconsistentGroupProtocol);
        }
        // A member behind the group epoch must rejoin first, unless it is
        // still revoking: it then takes what it keeps and rejoins after.
        if group_epoch > member.epoch && member.state != MemberState::UnrevokedPartitions {
            return SyncResponse::error(ErrorCode::RebalanceInProgress);
        }
        member.session_deadline = now + classic.session_timeout;
        if member.state != MemberState::UnrevokedPartitions {
            // Synced: the sync timeout is met.
            member.revocation_deadline = None;
        }
        SyncResponse {
            error: None,
            protocol_type: Some(PROTOCOL_TYPE.to_owned()),
            protocol_name: Some(protocol_name),
            assignment: write_assignment(&member.assigned, &classic.subscription()),
        }
    }

    /// Heartbeat from a classic member of a consumer group (Kafka's
    /// `classicGroupHeartbeatToConsumerGroup`).
    pub(super) fn classic_heartbeat(
        &mut self,
        now: Instant,
        generation: i32,
        member_id: &str,
        instance_id: Option<&str>,
    ) -> Option<ErrorCode> {
        let cg = self.consumer.as_deref_mut()?;
        let group_epoch = cg.group_epoch;
        let waiting = cg.waiting_on_unreleased(member_id);
        let member = match classic_member(cg, member_id, instance_id) {
            Ok(member) => member,
            Err(error) => return Some(error),
        };
        let Some(classic) = &member.classic else {
            return Some(ErrorCode::UnknownMemberId);
        };
        if generation != member.epoch {
            return Some(ErrorCode::IllegalGeneration);
        }
        member.session_deadline = now + classic.session_timeout;
        let rejoin = member.epoch < group_epoch
            || member.state == MemberState::UnrevokedPartitions
            || (member.state == MemberState::UnreleasedPartitions && !waiting);
        if rejoin && member.revocation_deadline.is_none() {
            // Kafka's join timeout: a member told to rejoin that does not
            // within its rebalance timeout is removed.
            member.revocation_deadline = Some(now + member.rebalance_timeout);
        }
        rejoin.then_some(ErrorCode::RebalanceInProgress)
    }

    /// LeaveGroup from classic members of a consumer group (Kafka's
    /// `classicGroupLeaveToConsumerGroup`): no downgrade follows.
    pub(super) fn classic_leave(
        &mut self,
        leaving: &[(String, Option<String>)],
    ) -> Vec<Option<ErrorCode>> {
        let Some(cg) = self.consumer.as_deref_mut() else {
            return vec![Some(ErrorCode::UnknownMemberId); leaving.len()];
        };
        let mut removed_any = false;
        let results = leaving
            .iter()
            .map(|(member_id, instance_id)| {
                let id = match instance_id {
                    Some(instance) => match cg.static_members.get(instance) {
                        Some(holder) if member_id.is_empty() || holder == member_id => {
                            holder.clone()
                        }
                        Some(_) => return Some(ErrorCode::FencedInstanceId),
                        None => return Some(ErrorCode::UnknownMemberId),
                    },
                    None => member_id.clone(),
                };
                match cg.members.get(&id) {
                    Some(m) if m.classic.is_some() => {
                        cg.remove_member(&id);
                        removed_any = true;
                        None
                    }
                    _ => Some(ErrorCode::UnknownMemberId),
                }
            })
            .collect();
        if removed_any {
            cg.bump_epoch();
            // The partition counts are those the target was last computed
            // on, as when a session expires.
            let counts = cg.subscribed_partitions.clone();
            cg.refresh_target(&counts);
        }
        results
    }
}

impl ConsumerGroup {
    /// See [`Group::should_downgrade`].
    pub(super) fn should_downgrade(&self, config: &GroupConfig, leaving: &str) -> bool {
        config.migration_policy.downgrade_enabled()
            && self
                .members
                .get(leaving)
                .is_some_and(|m| m.classic.is_none())
            && self.members.len() > 1
            && self
                .members
                .values()
                .filter(|m| m.id != leaving)
                .all(|m| m.classic.is_some())
    }

    /// Kafka's `waitingOnUnreleasedPartition`: part of the member's target
    /// that it does not have yet is still owned (or being revoked) by
    /// another member.
    fn waiting_on_unreleased(&self, member_id: &str) -> bool {
        let Some(member) = self.members.get(member_id) else {
            return false;
        };
        let owned_by_others: BTreeSet<(&str, i32)> = self
            .members
            .values()
            .filter(|m| m.id != member_id)
            .flat_map(|m| m.assigned.iter().chain(m.revoking.iter()))
            .flat_map(|(t, ps)| ps.iter().map(move |p| (t.as_str(), *p)))
            .collect();
        self.target.get(member_id).is_some_and(|target| {
            target.iter().any(|(t, ps)| {
                ps.iter().any(|p| {
                    !member.assigned.get(t).is_some_and(|a| a.contains(p))
                        && owned_by_others.contains(&(t.as_str(), *p))
                })
            })
        })
    }
}

/// Kafka's `ConsumerGroup.supportsClassicProtocols`: the consumer protocol
/// type, and a protocol every classic member already supports (any, when
/// there is none).
fn supports_classic_protocols(cg: &ConsumerGroup, request: &JoinRequest) -> bool {
    if request.protocol_type != PROTOCOL_TYPE || request.protocols.is_empty() {
        return false;
    }
    let classic: Vec<&ClassicMetadata> = cg
        .members
        .values()
        .filter(|m| m.id != request.member_id)
        .filter_map(|m| m.classic.as_ref())
        .collect();
    request.protocols.iter().any(|(name, _)| {
        classic
            .iter()
            .all(|c| c.protocols.iter().any(|(n, _)| n == name))
    })
}

/// Kafka's `validateConsumerGroupMember` for a classic request: by instance
/// id when one is given, else by member id.
fn classic_member<'a>(
    cg: &'a mut ConsumerGroup,
    member_id: &str,
    instance_id: Option<&str>,
) -> Result<&'a mut ConsumerMember, ErrorCode> {
    let id = match instance_id {
        Some(instance) => {
            let holder = cg
                .static_members
                .get(instance)
                .ok_or(ErrorCode::UnknownMemberId)?;
            if holder != member_id {
                return Err(ErrorCode::FencedInstanceId);
            }
            holder.clone()
        }
        None => member_id.to_owned(),
    };
    cg.members.get_mut(&id).ok_or(ErrorCode::UnknownMemberId)
}

#[cfg(test)]
#[path = "migration_tests.rs"]
mod tests;
