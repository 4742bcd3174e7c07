//! The consumer group protocol (KIP-848) as a state machine over plain
//! data, next to the classic one in `state`: members send
//! ConsumerGroupHeartbeat, the coordinator computes the assignment.
//!
//! The model follows Kafka's `ConsumerGroup`, `ConsumerGroupMember` and
//! `CurrentAssignmentBuilder`:
//!
//! - the **group epoch** goes up whenever what the assignment depends on
//!   changes: a member joins or leaves, a subscription or assignor
//!   preference changes, a subscribed topic's partition count changes;
//! - the **target assignment** is recomputed by the server-side assignor
//!   (`uniform` or `range`) for each new group epoch; its epoch is the
//!   **assignment epoch**;
//! - each member converges on its target through its own **member epoch**,
//!   and revocation comes first: a member that must give partitions up
//!   stays at its old epoch with them pending revocation until a heartbeat
//!   shows it no longer owns them; a partition moves to its new owner only
//!   once no other member owns or is still revoking it.
//!
//! Timers: a member's session ends `group.consumer.session.timeout.ms`
//! after its last heartbeat, and one that does not revoke within its
//! rebalance timeout is removed (fenced), both bumping the group epoch.
//!
//! A group id names either a classic group or a consumer group, never both;
//! committed offsets belong to the id whatever its type. Upgrade and
//! downgrade of non-empty groups (`group.consumer.migration.policy`) are not
//! implemented, so the answers are Kafka's with the policy `disabled`: a
//! ConsumerGroupHeartbeat to a classic group with members gets
//! GROUP_ID_NOT_FOUND, a JoinGroup to a consumer group with members gets
//! INCONSISTENT_GROUP_PROTOCOL, and an empty group of either type becomes
//! the other type on its first member.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use kctl_client::protocol::ErrorCode;
use tokio::time::Instant;
use uuid::Uuid;

use super::assignors::{self, ASSIGNORS, Assignment, AssignorMember};
use super::migration::ClassicMetadata;
use super::state::{Group, GroupConfig, Groups};
use super::store::{Entry, StoredConsumerGroup, StoredConsumerMember};

/// `member_epoch` values with a meaning of their own.
const JOIN_EPOCH: i32 = 0;
const LEAVE_EPOCH: i32 = -1;
const STATIC_LEAVE_EPOCH: i32 = -2;

/// A ConsumerGroupHeartbeat, with topic ids already turned into names
/// (partitions of unknown topic ids are left out).
#[derive(Debug, Clone, Default)]
pub(crate) struct ConsumerHeartbeat {
    pub group_id: String,
    pub member_id: String,
    pub member_epoch: i32,
    pub instance_id: Option<String>,
    pub rack_id: Option<String>,
    /// -1: unchanged since the last heartbeat.
    pub rebalance_timeout_ms: i32,
    /// `None`: unchanged since the last heartbeat.
    pub subscribed_topic_names: Option<Vec<String>>,
    pub subscribed_topic_regex: Option<String>,
    pub server_assignor: Option<String>,
    /// The partitions the member owns; `None` when unchanged.
    pub owned: Option<Assignment>,
    pub client_id: String,
    pub client_host: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConsumerHeartbeatResponse {
    pub error: Option<ErrorCode>,
    pub error_message: Option<String>,
    pub member_id: String,
    pub member_epoch: i32,
    pub heartbeat_interval_ms: i32,
    /// Sent when it changed, or when the member's view may be stale.
    pub assignment: Option<Assignment>,
}

impl ConsumerHeartbeatResponse {
    fn error(request: &ConsumerHeartbeat, error: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            error: Some(error),
            error_message: Some(message.into()),
            member_id: request.member_id.clone(),
            member_epoch: request.member_epoch,
            heartbeat_interval_ms: 0,
            assignment: None,
        }
    }
}

/// ConsumerGroupDescribe's view of one group.
#[derive(Debug, Clone)]
pub(crate) struct ConsumerGroupDescription {
    pub state: &'static str,
    pub group_epoch: i32,
    pub assignment_epoch: i32,
    pub assignor: String,
    pub members: Vec<ConsumerMemberDescription>,
}

#[derive(Debug, Clone)]
pub(crate) struct ConsumerMemberDescription {
    pub member_id: String,
    pub instance_id: Option<String>,
    pub rack_id: Option<String>,
    pub member_epoch: i32,
    pub client_id: String,
    pub client_host: String,
    pub subscribed_topic_names: Vec<String>,
    pub subscribed_topic_regex: Option<String>,
    pub assignment: Assignment,
    pub target_assignment: Assignment,
    /// The member speaks the classic protocol (KIP-848 migration).
    pub classic: bool,
}

/// Where a member stands on the way to its target (Kafka's `MemberState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MemberState {
    Stable,
    /// It must first give up `revoking`.
    UnrevokedPartitions,
    /// Part of its target is still owned by others.
    UnreleasedPartitions,
}

#[derive(Debug, Clone)]
pub(crate) struct ConsumerMember {
    pub(super) id: String,
    pub(super) instance_id: Option<String>,
    pub(super) rack_id: Option<String>,
    pub(super) client_id: String,
    pub(super) client_host: String,
    pub(super) epoch: i32,
    pub(super) previous_epoch: i32,
    pub(super) state: MemberState,
    pub(super) topic_names: Vec<String>,
    pub(super) topic_regex: Option<String>,
    pub(super) server_assignor: Option<String>,
    pub(super) rebalance_timeout: Duration,
    pub(super) assigned: Assignment,
    pub(super) revoking: Assignment,
    pub(super) session_deadline: Instant,
    /// When the member is removed unless it revokes what it must; for a
    /// classic member also unless it rejoins when told to, or sends
    /// SyncGroup after its JoinGroup (Kafka's join and sync timeouts).
    pub(super) revocation_deadline: Option<Instant>,
    /// The next response carries the assignment.
    pub(super) send_assignment: bool,
    /// Set for a member that speaks the classic protocol (JoinGroup,
    /// SyncGroup, Heartbeat) in a consumer group: KIP-848 migration.
    pub(super) classic: Option<ClassicMetadata>,
}

impl ConsumerMember {
    /// A member that has just joined at epoch 0, with nothing assigned
    /// and no subscription yet (its request fills them in).
    pub(super) fn joining(
        id: &str,
        instance_id: Option<String>,
        session_deadline: Instant,
        send_assignment: bool,
    ) -> Self {
        Self {
            id: id.to_owned(),
            instance_id,
            rack_id: None,
            client_id: String::new(),
            client_host: String::new(),
            epoch: 0,
            previous_epoch: -1,
            state: MemberState::Stable,
            topic_names: Vec::new(),
            topic_regex: None,
            server_assignor: None,
            rebalance_timeout: Duration::ZERO,
            assigned: Assignment::new(),
            revoking: Assignment::new(),
            session_deadline,
            revocation_deadline: None,
            send_assignment,
            classic: None,
        }
    }
}

/// The membership side of a consumer-protocol group; the offsets stay on
/// the [`Group`] that holds it.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConsumerGroup {
    pub(super) group_epoch: i32,
    pub(super) assignment_epoch: i32,
    pub(super) members: BTreeMap<String, ConsumerMember>,
    /// group.instance.id → the member id holding it.
    pub(super) static_members: HashMap<String, String>,
    pub(super) target: BTreeMap<String, Assignment>,
    /// Partition counts of the subscribed topics the target was computed on.
    pub(super) subscribed_partitions: BTreeMap<String, i32>,
    /// The assignor of the current target.
    pub(super) assignor: String,
    /// What was last logged (group epoch and membership), so only changes
    /// are written.
    pub(super) logged: Option<(i32, StoredConsumerGroup)>,
}

impl MemberState {
    fn name(self) -> &'static str {
        match self {
            Self::Stable => "stable",
            Self::UnrevokedPartitions => "unrevoked_partitions",
            Self::UnreleasedPartitions => "unreleased_partitions",
        }
    }

    fn from_name(name: &str) -> Self {
        match name {
            "unrevoked_partitions" => Self::UnrevokedPartitions,
            "unreleased_partitions" => Self::UnreleasedPartitions,
            _ => Self::Stable,
        }
    }
}

impl ConsumerGroup {
    /// A group with no members at `epoch`.
    pub fn empty(epoch: i32) -> Self {
        Self {
            group_epoch: epoch,
            assignment_epoch: epoch,
            assignor: assignors::UNIFORM.to_owned(),
            ..Self::default()
        }
    }

    /// A group as the log left it. Its members (when the log has them)
    /// come back with their epochs, assignments and pending revocations,
    /// and fresh timers from `now`, as Kafka reschedules them when a
    /// coordinator loads the group: a member that is still alive goes on
    /// heartbeating with its epoch, one that died times out.
    pub fn restored(
        epoch: i32,
        stored: Option<StoredConsumerGroup>,
        now: Instant,
        session_timeout: Duration,
    ) -> Self {
        let Some(stored) = stored else {
            let mut group = Self::empty(epoch);
            group.logged = Some((epoch, StoredConsumerGroup::default()));
            return group;
        };
        let mut group = Self {
            group_epoch: epoch,
            assignment_epoch: stored.assignment_epoch,
            assignor: stored.assignor.clone(),
            subscribed_partitions: stored.subscribed_partitions.clone(),
            ..Self::default()
        };
        for m in &stored.members {
            let state = MemberState::from_name(&m.state);
            let rebalance_timeout = Duration::from_millis(m.rebalance_timeout_ms);
            if let Some(instance) = &m.instance_id {
                group.static_members.insert(instance.clone(), m.id.clone());
            }
            group.target.insert(m.id.clone(), m.target.clone());
            group.members.insert(
                m.id.clone(),
                ConsumerMember {
                    id: m.id.clone(),
                    instance_id: m.instance_id.clone(),
                    rack_id: m.rack_id.clone(),
                    client_id: m.client_id.clone(),
                    client_host: m.client_host.clone(),
                    epoch: m.epoch,
                    previous_epoch: m.previous_epoch,
                    state,
                    topic_names: m.topic_names.clone(),
                    topic_regex: m.topic_regex.clone(),
                    server_assignor: m.server_assignor.clone(),
                    rebalance_timeout,
                    assigned: m.assigned.clone(),
                    revoking: m.revoking.clone(),
                    session_deadline: now + session_timeout,
                    revocation_deadline: (state == MemberState::UnrevokedPartitions)
                        .then(|| now + rebalance_timeout),
                    send_assignment: false,
                    classic: m.classic.as_ref().map(ClassicMetadata::from_stored),
                },
            );
        }
        group.logged = Some((epoch, stored));
        group
    }

    /// The membership as the log keeps it.
    fn stored(&self) -> StoredConsumerGroup {
        StoredConsumerGroup {
            assignment_epoch: self.assignment_epoch,
            assignor: self.assignor.clone(),
            subscribed_partitions: self.subscribed_partitions.clone(),
            members: self
                .members
                .values()
                .map(|m| StoredConsumerMember {
                    id: m.id.clone(),
                    instance_id: m.instance_id.clone(),
                    rack_id: m.rack_id.clone(),
                    client_id: m.client_id.clone(),
                    client_host: m.client_host.clone(),
                    epoch: m.epoch,
                    previous_epoch: m.previous_epoch,
                    state: m.state.name().to_owned(),
                    topic_names: m.topic_names.clone(),
                    topic_regex: m.topic_regex.clone(),
                    server_assignor: m.server_assignor.clone(),
                    rebalance_timeout_ms: u64::try_from(m.rebalance_timeout.as_millis())
                        .unwrap_or(u64::MAX),
                    assigned: m.assigned.clone(),
                    revoking: m.revoking.clone(),
                    target: self.target.get(&m.id).cloned().unwrap_or_default(),
                    classic: m.classic.as_ref().map(ClassicMetadata::stored),
                })
                .collect(),
        }
    }

    /// Appends an entry if the epoch or the membership changed since the
    /// last one. Heartbeats that change nothing write nothing; a change
    /// rewrites the whole membership, which is small next to the log's
    /// offset commits.
    fn log_changes(&mut self, group_id: &str, writes: &mut Vec<Entry>) {
        let stored = self.stored();
        if self
            .logged
            .as_ref()
            .is_some_and(|(epoch, logged)| *epoch == self.group_epoch && *logged == stored)
        {
            return;
        }
        writes.push(Entry::ConsumerGroup {
            group: group_id.to_owned(),
            epoch: self.group_epoch,
            members: Some(stored.clone()),
        });
        self.logged = Some((self.group_epoch, stored));
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Kafka's `ConsumerGroupState` names.
    pub fn state_name(&self) -> &'static str {
        if self.members.is_empty() {
            "Empty"
        } else if self.group_epoch > self.assignment_epoch {
            "Assigning"
        } else if self
            .members
            .values()
            .any(|m| m.epoch != self.assignment_epoch || m.state != MemberState::Stable)
        {
            "Reconciling"
        } else {
            "Stable"
        }
    }

    /// The existing topics the current target was computed for.
    pub fn subscribed_names(&self) -> BTreeSet<String> {
        self.subscribed_partitions.keys().cloned().collect()
    }

    /// Topics some member subscribes to, by name or by regex.
    pub fn subscribed_topics(&self, all_topics: &BTreeMap<String, i32>) -> BTreeSet<String> {
        self.members
            .values()
            .flat_map(|m| member_topics(m, all_topics))
            .collect()
    }

    /// Kafka's `ConsumerGroup.validateOffsetCommit`: with a negative epoch
    /// and no members anyone may commit (admin tools); otherwise the member
    /// must exist and send its current epoch.
    pub fn validate_commit(&self, member_id: &str, member_epoch: i32) -> Result<(), ErrorCode> {
        if member_epoch < 0 && self.members.is_empty() {
            return Ok(());
        }
        let member = self
            .members
            .get(member_id)
            .ok_or(ErrorCode::UnknownMemberId)?;
        check_epoch(member, member_epoch)
    }

    /// Kafka's `ConsumerGroup.validateOffsetFetch`: a fetch without a
    /// member id and with a negative epoch (admin tools, clients that do
    /// not send them) is let through; otherwise the member must exist and
    /// send its current epoch.
    pub fn validate_fetch(
        &self,
        member_id: Option<&str>,
        member_epoch: i32,
    ) -> Result<(), ErrorCode> {
        if member_id.is_none() && member_epoch < 0 {
            return Ok(());
        }
        let member = member_id
            .and_then(|id| self.members.get(id))
            .ok_or(ErrorCode::UnknownMemberId)?;
        check_epoch(member, member_epoch)
    }

    /// Whether `member_id` is a member speaking the consumer protocol
    /// (its commits must use OffsetCommit v9+, which carries the member
    /// epoch; classic members of the group commit as before).
    pub fn has_consumer_protocol_member(&self, member_id: &str) -> bool {
        self.members
            .get(member_id)
            .is_some_and(|m| m.classic.is_none())
    }

    pub fn describe(&self) -> ConsumerGroupDescription {
        ConsumerGroupDescription {
            state: self.state_name(),
            group_epoch: self.group_epoch,
            assignment_epoch: self.assignment_epoch,
            assignor: self.assignor.clone(),
            members: self
                .members
                .values()
                .map(|m| ConsumerMemberDescription {
                    member_id: m.id.clone(),
                    instance_id: m.instance_id.clone(),
                    rack_id: m.rack_id.clone(),
                    member_epoch: m.epoch,
                    client_id: m.client_id.clone(),
                    client_host: m.client_host.clone(),
                    subscribed_topic_names: m.topic_names.clone(),
                    subscribed_topic_regex: m.topic_regex.clone(),
                    assignment: m.assigned.clone(),
                    target_assignment: self.target.get(&m.id).cloned().unwrap_or_default(),
                    classic: m.classic.is_some(),
                })
                .collect(),
        }
    }

    pub(super) fn bump_epoch(&mut self) {
        self.group_epoch += 1;
    }

    pub(super) fn remove_member(&mut self, member_id: &str) {
        if let Some(member) = self.members.remove(member_id)
            && let Some(instance) = &member.instance_id
            && self.static_members.get(instance).map(String::as_str) == Some(member_id)
        {
            self.static_members.remove(instance);
        }
        self.target.remove(member_id);
    }

    /// Recomputes the target if the group epoch moved past it, or if the
    /// subscribed topics' partition counts changed (which moves it).
    pub(super) fn refresh_target(&mut self, all_topics: &BTreeMap<String, i32>) {
        let subscribed: BTreeMap<String, i32> = self
            .subscribed_topics(all_topics)
            .into_iter()
            .filter_map(|t| all_topics.get(&t).map(|&n| (t, n)))
            .collect();
        if subscribed != self.subscribed_partitions {
            self.subscribed_partitions = subscribed;
            if self.assignment_epoch == self.group_epoch {
                self.bump_epoch();
            }
        }
        if self.assignment_epoch >= self.group_epoch {
            return;
        }
        let assignor = self.preferred_assignor();
        let members: Vec<AssignorMember<'_>> = self
            .members
            .values()
            .filter(|m| m.epoch != STATIC_LEAVE_EPOCH || m.instance_id.is_some())
            .map(|m| AssignorMember {
                member_id: &m.id,
                topics: member_topics(m, all_topics),
                previous: self.target.get(&m.id).unwrap_or(&EMPTY),
            })
            .collect();
        // The name was validated when the member sent it.
        let target =
            assignors::assign(&assignor, &members, &self.subscribed_partitions).unwrap_or_default();
        self.target = target;
        self.assignor = assignor;
        self.assignment_epoch = self.group_epoch;
    }

    /// The assignor most members ask for (ties to the earlier in
    /// [`ASSIGNORS`]), or the default, `uniform`.
    fn preferred_assignor(&self) -> String {
        let mut votes: BTreeMap<&str, usize> = BTreeMap::new();
        for m in self.members.values() {
            if let Some(name) = &m.server_assignor {
                *votes.entry(name.as_str()).or_default() += 1;
            }
        }
        ASSIGNORS
            .iter()
            .max_by_key(|name| {
                let rank = ASSIGNORS.len() - ASSIGNORS.iter().position(|n| n == *name).unwrap_or(0);
                (votes.get(**name).copied().unwrap_or(0), rank)
            })
            .map_or(assignors::UNIFORM, |n| *n)
            .to_owned()
    }

    /// Moves one member toward its target (`CurrentAssignmentBuilder`).
    pub(super) fn reconcile(&mut self, now: Instant, member_id: &str, owned: Option<&Assignment>) {
        let owned_by_others: BTreeSet<(String, i32)> = self
            .members
            .values()
            .filter(|m| m.id != member_id)
            .flat_map(|m| flatten(&m.assigned).chain(flatten(&m.revoking)))
            .collect();
        let target = self.target.get(member_id).cloned().unwrap_or_default();
        let assignment_epoch = self.assignment_epoch;
        let Some(member) = self.members.get_mut(member_id) else {
            return;
        };
        if member.state == MemberState::UnrevokedPartitions {
            let released = owned.is_some_and(|owned| {
                flatten(&member.revoking)
                    .all(|(t, p)| !owned.get(&t).is_some_and(|s| s.contains(&p)))
            });
            if !released {
                return;
            }
            member.revoking.clear();
            member.revocation_deadline = None;
        }
        if member.epoch == assignment_epoch && member.state == MemberState::Stable {
            return;
        }
        let kept = intersect(&member.assigned, &target);
        let revoke = difference(&member.assigned, &target);
        // Kafka's `ownsRevokedPartitions`: a member that reports it no
        // longer owns them (an eager classic member rejoining, say) need
        // not be asked to revoke them.
        let still_owned = owned.is_none_or(|owned| {
            flatten(&revoke).any(|(t, p)| owned.get(&t).is_some_and(|s| s.contains(&p)))
        });
        if !revoke.is_empty() && still_owned {
            member.assigned = kept;
            member.revoking = revoke;
            member.state = MemberState::UnrevokedPartitions;
            member.revocation_deadline = Some(now + member.rebalance_timeout);
            member.send_assignment = true;
            return;
        }
        let mut next = kept;
        let mut unreleased = false;
        for (t, p) in flatten(&difference(&target, &member.assigned)) {
            if owned_by_others.contains(&(t.clone(), p)) {
                unreleased = true;
            } else {
                next.entry(t).or_default().insert(p);
            }
        }
        if next != member.assigned {
            member.send_assignment = true;
        }
        member.assigned = next;
        if member.epoch != assignment_epoch {
            member.previous_epoch = member.epoch;
            member.epoch = assignment_epoch;
        }
        member.state = if unreleased {
            MemberState::UnreleasedPartitions
        } else {
            MemberState::Stable
        };
    }

    fn next_deadline(&self) -> Option<Instant> {
        self.members
            .values()
            .flat_map(|m| std::iter::once(m.session_deadline).chain(m.revocation_deadline))
            .min()
    }
}

/// Kafka's `validateMemberEpoch`: a classic member sends its generation,
/// so a mismatch is ILLEGAL_GENERATION for it and STALE_MEMBER_EPOCH for a
/// consumer-protocol member.
fn check_epoch(member: &ConsumerMember, member_epoch: i32) -> Result<(), ErrorCode> {
    if member_epoch == member.epoch {
        Ok(())
    } else if member.classic.is_some() {
        Err(ErrorCode::IllegalGeneration)
    } else {
        Err(ErrorCode::StaleMemberEpoch)
    }
}

static EMPTY: Assignment = Assignment::new();

fn flatten(a: &Assignment) -> impl Iterator<Item = (String, i32)> + '_ {
    a.iter()
        .flat_map(|(t, ps)| ps.iter().map(move |p| (t.clone(), *p)))
}

fn intersect(a: &Assignment, b: &Assignment) -> Assignment {
    a.iter()
        .filter_map(|(t, ps)| {
            let both: BTreeSet<i32> = b.get(t).map(|bs| ps & bs).unwrap_or_default();
            (!both.is_empty()).then(|| (t.clone(), both))
        })
        .collect()
}

fn difference(a: &Assignment, b: &Assignment) -> Assignment {
    a.iter()
        .filter_map(|(t, ps)| {
            let only: BTreeSet<i32> = match b.get(t) {
                Some(bs) => ps - bs,
                None => ps.clone(),
            };
            (!only.is_empty()).then(|| (t.clone(), only))
        })
        .collect()
}

/// `owned` ⊆ `assigned`.
fn is_subset(owned: &Assignment, assigned: &Assignment) -> bool {
    owned
        .iter()
        .all(|(t, ps)| ps.is_empty() || assigned.get(t).is_some_and(|a| ps.is_subset(a)))
}

/// The existing topics a member subscribes to: its names, and what its
/// regex (RE2/J syntax, which the `regex` crate shares) matches in full.
fn member_topics(m: &ConsumerMember, all_topics: &BTreeMap<String, i32>) -> BTreeSet<String> {
    let mut topics: BTreeSet<String> = m
        .topic_names
        .iter()
        .filter(|t| all_topics.contains_key(*t))
        .cloned()
        .collect();
    if let Some(pattern) = &m.topic_regex
        && let Ok(regex) = compile_regex(pattern)
    {
        topics.extend(all_topics.keys().filter(|t| regex.is_match(t)).cloned());
    }
    topics
}

/// Anchored, as Kafka matches the whole topic name.
fn compile_regex(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::Regex::new(&format!("^(?:{pattern})$"))
}

/// Kafka's `throwIfConsumerGroupHeartbeatRequestIsInvalid`.
fn validate(request: &ConsumerHeartbeat) -> Result<(), (ErrorCode, String)> {
    let invalid = |m: &str| Err((ErrorCode::InvalidRequest, m.to_owned()));
    if request.group_id.is_empty() {
        return invalid("GroupId can't be empty.");
    }
    if request.instance_id.as_deref() == Some("") {
        return invalid("InstanceId can't be empty.");
    }
    if request.rack_id.as_deref() == Some("") {
        return invalid("RackId can't be empty.");
    }
    match request.member_epoch {
        JOIN_EPOCH => {
            if request.rebalance_timeout_ms == -1 {
                return invalid("RebalanceTimeoutMs must be provided in first request.");
            }
            if request.owned.as_ref().is_none_or(|o| !o.is_empty()) {
                return invalid("TopicPartitions must be empty when (re-)joining.");
            }
            if request.subscribed_topic_names.is_none() && request.subscribed_topic_regex.is_none()
            {
                return invalid(
                    "SubscribedTopicNames or SubscribedTopicRegex must be set in first request.",
                );
            }
        }
        STATIC_LEAVE_EPOCH if request.instance_id.is_none() => {
            return invalid("InstanceId can't be null.");
        }
        epoch if epoch < STATIC_LEAVE_EPOCH => {
            return invalid(&format!("MemberEpoch is invalid: {epoch}."));
        }
        _ => {}
    }
    if request.member_id.is_empty() && request.member_epoch != JOIN_EPOCH {
        return invalid("MemberId can't be empty.");
    }
    if let Some(pattern) = &request.subscribed_topic_regex
        && let Err(e) = compile_regex(pattern)
    {
        return Err((
            ErrorCode::InvalidRegularExpression,
            format!("SubscribedTopicRegex `{pattern}` is not a valid regular expression: {e}."),
        ));
    }
    if let Some(assignor) = &request.server_assignor
        && !ASSIGNORS.contains(&assignor.as_str())
    {
        return Err((
            ErrorCode::UnsupportedAssignor,
            format!(
                "ServerAssignor {assignor} is not supported. Supported assignors: uniform, range."
            ),
        ));
    }
    Ok(())
}

/// The consumer-protocol operations on [`Groups`].
impl Groups {
    /// ConsumerGroupHeartbeat. `all_topics` maps every topic to its
    /// partition count (for subscriptions and regexes).
    pub fn consumer_heartbeat(
        &mut self,
        now: Instant,
        all_topics: &BTreeMap<String, i32>,
        request: ConsumerHeartbeat,
    ) -> ConsumerHeartbeatResponse {
        let group_id = request.group_id.clone();
        let response = self.consumer_heartbeat_unlogged(now, all_topics, request);
        if let Some(group) = self.groups.get_mut(&group_id) {
            group.log_consumer_changes(&mut self.writes);
        }
        response
    }

    fn consumer_heartbeat_unlogged(
        &mut self,
        now: Instant,
        all_topics: &BTreeMap<String, i32>,
        mut request: ConsumerHeartbeat,
    ) -> ConsumerHeartbeatResponse {
        if let Err((error, message)) = validate(&request) {
            return ConsumerHeartbeatResponse::error(&request, error, message);
        }
        if request.member_id.is_empty() {
            // v0: the coordinator names the member.
            request.member_id = Uuid::new_v4().to_string();
        }
        let session_timeout = Duration::from_millis(self.config.consumer_session_timeout_ms);
        let heartbeat_interval_ms =
            i32::try_from(self.config.consumer_heartbeat_interval_ms).unwrap_or(i32::MAX);
        let group_id = request.group_id.clone();
        let group = match self.groups.get_mut(&group_id) {
            Some(group) => group,
            None if request.member_epoch == JOIN_EPOCH => self
                .groups
                .entry(group_id.clone())
                .or_insert_with(|| Group::new(group_id.clone())),
            None => {
                return ConsumerHeartbeatResponse::error(
                    &request,
                    ErrorCode::GroupIdNotFound,
                    format!("Consumer group {group_id} not found."),
                );
            }
        };
        if group.consumer.is_none() {
            if group.is_empty_classic() {
                // An empty classic group (or one holding only offsets)
                // becomes a consumer group, as Kafka converts it.
                group.convert_to_consumer();
            } else if request.member_epoch == JOIN_EPOCH && group.can_upgrade(&self.config) {
                // KIP-848 online upgrade (see `migration`).
                group.upgrade_to_consumer(now);
            } else {
                return ConsumerHeartbeatResponse::error(
                    &request,
                    ErrorCode::GroupIdNotFound,
                    format!("Group {group_id} is not a consumer group."),
                );
            }
        }
        let Some(cg) = group.consumer.as_deref_mut() else {
            return ConsumerHeartbeatResponse::error(
                &request,
                ErrorCode::CoordinatorNotAvailable,
                "group is not a consumer group",
            );
        };

        // Leaving.
        if request.member_epoch == LEAVE_EPOCH || request.member_epoch == STATIC_LEAVE_EPOCH {
            let member_id = match (
                &request.instance_id,
                cg.members.contains_key(&request.member_id),
            ) {
                (_, true) => request.member_id.clone(),
                (Some(instance), false) => match cg.static_members.get(instance) {
                    Some(id) => id.clone(),
                    None => {
                        return ConsumerHeartbeatResponse::error(
                            &request,
                            ErrorCode::UnknownMemberId,
                            format!(
                                "Member {} is not a member of group {group_id}.",
                                request.member_id
                            ),
                        );
                    }
                },
                (None, false) => {
                    return ConsumerHeartbeatResponse::error(
                        &request,
                        ErrorCode::UnknownMemberId,
                        format!(
                            "Member {} is not a member of group {group_id}.",
                            request.member_id
                        ),
                    );
                }
            };
            if request.member_epoch == STATIC_LEAVE_EPOCH {
                // KIP-848 static leave: the assignment is kept for the
                // member that comes back with the same instance id, until
                // the session timeout.
                if let Some(m) = cg.members.get_mut(&member_id) {
                    m.epoch = STATIC_LEAVE_EPOCH;
                    m.session_deadline = now + session_timeout;
                }
            } else if cg.should_downgrade(&self.config, &member_id) {
                // The last consumer-protocol member left a group of
                // classic members: KIP-848 online downgrade.
                group.downgrade_to_classic(now, &self.config, &member_id, &mut self.writes);
            } else {
                cg.remove_member(&member_id);
                cg.bump_epoch();
                cg.refresh_target(all_topics);
            }
            return ConsumerHeartbeatResponse {
                error: None,
                error_message: None,
                member_id,
                member_epoch: request.member_epoch,
                heartbeat_interval_ms: 0,
                assignment: None,
            };
        }

        let member_id = request.member_id.clone();
        if request.member_epoch == JOIN_EPOCH {
            let replaced = match &request.instance_id {
                Some(instance) => match cg.static_members.get(instance).cloned() {
                    Some(holder) if holder == member_id => None,
                    Some(holder) => {
                        let left = cg
                            .members
                            .get(&holder)
                            .is_some_and(|m| m.epoch == STATIC_LEAVE_EPOCH);
                        if !left {
                            return ConsumerHeartbeatResponse::error(
                                &request,
                                ErrorCode::UnreleasedInstanceId,
                                format!(
                                    "Static member {member_id} with instance id {instance} cannot join the group because the instance id is owned by {holder} member."
                                ),
                            );
                        }
                        Some(holder)
                    }
                    None => None,
                },
                None => None,
            };
            if let Some(holder) = replaced {
                // The returning static member takes over the old member's
                // assignment and epoch without a rebalance.
                if let Some(mut old) = cg.members.remove(&holder) {
                    old.id.clone_from(&member_id);
                    old.epoch = JOIN_EPOCH;
                    old.previous_epoch = JOIN_EPOCH;
                    old.state = MemberState::Stable;
                    old.send_assignment = true;
                    if let Some(target) = cg.target.remove(&holder) {
                        cg.target.insert(member_id.clone(), target);
                    }
                    cg.members.insert(member_id.clone(), old);
                }
                if let Some(instance) = &request.instance_id {
                    cg.static_members
                        .insert(instance.clone(), member_id.clone());
                }
            } else {
                if cg.members.contains_key(&member_id) {
                    // Rejoining with epoch 0: it gave up everything it had.
                    cg.remove_member(&member_id);
                }
                cg.members.insert(
                    member_id.clone(),
                    ConsumerMember::joining(
                        &member_id,
                        request.instance_id.clone(),
                        now + session_timeout,
                        true,
                    ),
                );
                if let Some(instance) = &request.instance_id {
                    cg.static_members
                        .insert(instance.clone(), member_id.clone());
                }
                cg.bump_epoch();
            }
        }

        let Some(member) = cg.members.get_mut(&member_id) else {
            return ConsumerHeartbeatResponse::error(
                &request,
                ErrorCode::UnknownMemberId,
                format!("Member {member_id} is not a member of group {group_id}."),
            );
        };
        if request.instance_id.is_some() && member.instance_id != request.instance_id {
            return ConsumerHeartbeatResponse::error(
                &request,
                ErrorCode::FencedInstanceId,
                format!("Static member {member_id} was fenced."),
            );
        }
        if request.member_epoch != JOIN_EPOCH {
            // Kafka's `throwIfMemberEpochIsInvalid`: a member one epoch
            // behind may have missed our answer and is let through if what
            // it owns is still part of its assignment.
            let receivable = request.member_epoch == member.epoch
                || (request.member_epoch == member.previous_epoch
                    && request
                        .owned
                        .as_ref()
                        .is_some_and(|o| is_subset(o, &member.assigned)));
            if !receivable {
                return ConsumerHeartbeatResponse::error(
                    &request,
                    ErrorCode::FencedMemberEpoch,
                    format!(
                        "The consumer group member has a smaller member epoch ({}) than the one known by the group coordinator ({}). The member must abandon all its partitions and rejoin.",
                        request.member_epoch, member.epoch
                    ),
                );
            }
            if request.member_epoch != member.epoch {
                member.send_assignment = true;
            }
        }
        member.session_deadline = now + session_timeout;
        member.client_id.clone_from(&request.client_id);
        member.client_host.clone_from(&request.client_host);
        if request.rack_id.is_some() {
            member.rack_id.clone_from(&request.rack_id);
        }
        if request.rebalance_timeout_ms >= 0 {
            member.rebalance_timeout =
                Duration::from_millis(u64::try_from(request.rebalance_timeout_ms).unwrap_or(0));
        }
        let mut subscription_changed = false;
        if let Some(names) = &request.subscribed_topic_names {
            let mut names = names.clone();
            names.sort();
            names.dedup();
            if names != member.topic_names {
                member.topic_names = names;
                subscription_changed = true;
            }
        }
        if let Some(regex) = &request.subscribed_topic_regex {
            // An empty regex clears it, as in Kafka.
            let regex = (!regex.is_empty()).then(|| regex.clone());
            if regex != member.topic_regex {
                member.topic_regex = regex;
                subscription_changed = true;
            }
        }
        if let Some(assignor) = &request.server_assignor
            && member.server_assignor.as_ref() != Some(assignor)
        {
            member.server_assignor = Some(assignor.clone());
            subscription_changed = true;
        }
        if subscription_changed && request.member_epoch != JOIN_EPOCH {
            cg.bump_epoch();
        }
        cg.refresh_target(all_topics);
        cg.reconcile(now, &member_id, request.owned.as_ref());
        let Some(member) = cg.members.get_mut(&member_id) else {
            return ConsumerHeartbeatResponse::error(
                &request,
                ErrorCode::UnknownMemberId,
                format!("Member {member_id} is not a member of group {group_id}."),
            );
        };
        // A member whose report differs from what we hold gets it again.
        if request
            .owned
            .as_ref()
            .is_some_and(|o| difference(o, &member.assigned) != difference(&member.assigned, o))
        {
            member.send_assignment = true;
        }
        let assignment =
            std::mem::take(&mut member.send_assignment).then(|| member.assigned.clone());
        ConsumerHeartbeatResponse {
            error: None,
            error_message: None,
            member_id,
            member_epoch: member.epoch,
            heartbeat_interval_ms,
            assignment,
        }
    }

    /// ConsumerGroupDescribe of one group.
    pub fn consumer_describe(
        &self,
        group_id: &str,
    ) -> Result<ConsumerGroupDescription, (ErrorCode, String)> {
        match self.groups.get(group_id) {
            Some(group) => match &group.consumer {
                Some(cg) => Ok(cg.describe()),
                None => Err((
                    ErrorCode::GroupIdNotFound,
                    format!("Group {group_id} is not a consumer group."),
                )),
            },
            None => Err((
                ErrorCode::GroupIdNotFound,
                format!("Group {group_id} not found."),
            )),
        }
    }
}

impl Group {
    /// Expires sessions and revocations that ran out; bumps the epoch and
    /// recomputes the target when anyone went.
    pub(super) fn expire_consumer(
        &mut self,
        now: Instant,
        config: &GroupConfig,
        writes: &mut Vec<Entry>,
    ) {
        let id = self.id.clone();
        let Some(cg) = self.consumer.as_deref_mut() else {
            return;
        };
        let expired: Vec<String> = cg
            .members
            .values()
            .filter(|m| {
                m.session_deadline <= now || m.revocation_deadline.is_some_and(|d| d <= now)
            })
            .map(|m| m.id.clone())
            .collect();
        if expired.is_empty() {
            return;
        }
        for member in &expired {
            tracing::info!(group = %id, member = %member, "consumer group member session or revocation expired");
            if self.should_downgrade(config, member) {
                // Fenced, as Kafka's `consumerGroupFenceMember` does it:
                // the last consumer-protocol member going downgrades.
                self.downgrade_to_classic(now, config, member, writes);
                return;
            }
            let Some(cg) = self.consumer.as_deref_mut() else {
                return;
            };
            cg.remove_member(member);
        }
        let Some(cg) = self.consumer.as_deref_mut() else {
            return;
        };
        cg.bump_epoch();
        // The partition counts are those of the last target; a heartbeat
        // brings new topics in.
        let counts = cg.subscribed_partitions.clone();
        cg.refresh_target(&counts);
        cg.log_changes(&id, writes);
    }

    pub(super) fn consumer_deadline(&self) -> Option<Instant> {
        self.consumer
            .as_deref()
            .and_then(ConsumerGroup::next_deadline)
    }

    /// An empty classic group becoming a consumer group; the heartbeat
    /// that converts it logs it.
    fn convert_to_consumer(&mut self) {
        self.protocol_type = None;
        self.protocol = None;
        self.generation = 0;
        self.consumer = Some(Box::new(ConsumerGroup::empty(0)));
    }

    /// Logs the consumer group if anything that survives a restart changed
    /// since it was last logged.
    pub(super) fn log_consumer_changes(&mut self, writes: &mut Vec<Entry>) {
        let id = self.id.clone();
        if let Some(cg) = self.consumer.as_deref_mut() {
            cg.log_changes(&id, writes);
        }
    }
}

#[cfg(test)]
#[path = "consumer_protocol_tests.rs"]
mod tests;
