//! Online migration driven through `Groups` with explicit instants: classic
//! clients modelled as Java's cooperative consumer behaves (rejoin on
//! REBALANCE_IN_PROGRESS, report owned partitions in the subscription,
//! revoke what SyncGroup no longer gives, rejoin after revoking).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use bytes::Bytes;
use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::StrBytes;
use kctl_client::protocol::consumer_protocol;
use kctl_client::protocol::messages::ConsumerProtocolSubscription;
use kctl_client::protocol::messages::consumer_protocol_subscription::TopicPartition;
use proptest::prelude::*;
use tokio::time::Instant;

use super::super::assignors::Assignment;
use super::super::consumer_protocol::ConsumerHeartbeat;
use super::super::state::{
    GroupConfig, Groups, JoinRequest, JoinResponse, Reply, SyncRequest, SyncResponse,
};
use super::read_assignment;
use crate::config::MigrationPolicy;

fn groups(policy: MigrationPolicy) -> Groups {
    Groups::new(GroupConfig {
        initial_rebalance_delay: Duration::ZERO,
        min_session_timeout_ms: 6000,
        max_session_timeout_ms: 1_800_000,
        consumer_session_timeout_ms: 45_000,
        consumer_heartbeat_interval_ms: 5_000,
        migration_policy: policy,
    })
}

fn all_topics(partitions: i32) -> BTreeMap<String, i32> {
    BTreeMap::from([("t".to_owned(), partitions)])
}

/// A v1 subscription to `t` reporting `owned`, as a cooperative consumer
/// sends it.
fn subscription(owned: &Assignment) -> Bytes {
    let owned = owned
        .iter()
        .map(|(t, ps)| {
            TopicPartition::default()
                .with_topic(StrBytes::from_string(t.clone()).into())
                .with_partitions(ps.iter().copied().collect())
        })
        .collect();
    consumer_protocol::encode(
        &ConsumerProtocolSubscription::default()
            .with_topics(vec![StrBytes::from_static_str("t")])
            .with_owned_partitions(owned),
        1,
    )
}

fn now_or_never<T>(reply: Reply<T>) -> Option<T> {
    match reply {
        Reply::Now(value) => Some(value),
        Reply::Later(mut rx) => rx.try_recv().ok(),
    }
}

/// A classic member as its client sees itself.
#[derive(Debug, Clone)]
struct Classic {
    id: String,
    generation: i32,
    owned: Assignment,
}

impl Classic {
    fn request(&self, all: &BTreeMap<String, i32>) -> JoinRequest {
        JoinRequest {
            group_id: "g".into(),
            member_id: self.id.clone(),
            instance_id: None,
            client_id: "classic".into(),
            client_host: "/127.0.0.1".into(),
            session_timeout_ms: 10_000,
            rebalance_timeout_ms: 30_000,
            protocol_type: "consumer".into(),
            protocols: vec![("cooperative-sticky".into(), subscription(&self.owned))],
            require_known_member_id: false,
            supports_skip_assignment: false,
            all_topics: all.clone(),
        }
    }

    fn join(&mut self, g: &mut Groups, now: Instant, all: &BTreeMap<String, i32>) -> JoinResponse {
        let response = now_or_never(g.join(now, self.request(all))).expect("answered at once");
        assert_eq!(response.error, None);
        self.id.clone_from(&response.member_id);
        self.generation = response.generation;
        response
    }

    fn sync(
        &mut self,
        g: &mut Groups,
        now: Instant,
        assignments: Vec<(String, Bytes)>,
    ) -> Option<SyncResponse> {
        let response = now_or_never(g.sync(
            now,
            SyncRequest {
                group_id: "g".into(),
                generation: self.generation,
                member_id: self.id.clone(),
                instance_id: None,
                protocol_type: Some("consumer".into()),
                protocol_name: Some("cooperative-sticky".into()),
                assignments,
            },
        ))?;
        assert_eq!(response.error, None);
        // Cooperative: what SyncGroup no longer gives is revoked.
        self.owned = read_assignment(&response.assignment);
        Some(response)
    }

    fn heartbeat(&self, g: &mut Groups, now: Instant) -> Option<ErrorCode> {
        g.heartbeat(now, "g", self.generation, &self.id, None)
    }

    /// What the client does on REBALANCE_IN_PROGRESS in a consumer group:
    /// join, sync, and join again while the join answered an older
    /// generation than the sync left it needing (it revoked something).
    fn rejoin_consumer_group(&mut self, g: &mut Groups, now: Instant, all: &BTreeMap<String, i32>) {
        for _ in 0..3 {
            let before = self.owned.clone();
            self.join(g, now, all);
            self.sync(g, now, Vec::new()).expect("answered at once");
            if self.owned.values().flatten().count() >= before.values().flatten().count()
                && self.heartbeat(g, now).is_none()
            {
                return;
            }
        }
    }
}

fn consumer_join(id: &str) -> ConsumerHeartbeat {
    ConsumerHeartbeat {
        group_id: "g".into(),
        member_id: id.into(),
        member_epoch: 0,
        rebalance_timeout_ms: 30_000,
        subscribed_topic_names: Some(vec!["t".into()]),
        owned: Some(Assignment::new()),
        ..ConsumerHeartbeat::default()
    }
}

/// A consumer-protocol member as its client sees itself.
struct Modern {
    id: String,
    epoch: i32,
    owned: Assignment,
}

impl Modern {
    fn join(g: &mut Groups, now: Instant, all: &BTreeMap<String, i32>, id: &str) -> Self {
        let response = g.consumer_heartbeat(now, all, consumer_join(id));
        assert_eq!(response.error, None, "{:?}", response.error_message);
        Self {
            id: id.into(),
            epoch: response.member_epoch,
            owned: response.assignment.unwrap_or_default(),
        }
    }

    fn beat(&mut self, g: &mut Groups, now: Instant, all: &BTreeMap<String, i32>) {
        let response = g.consumer_heartbeat(
            now,
            all,
            ConsumerHeartbeat {
                group_id: "g".into(),
                member_id: self.id.clone(),
                member_epoch: self.epoch,
                rebalance_timeout_ms: -1,
                owned: Some(self.owned.clone()),
                ..ConsumerHeartbeat::default()
            },
        );
        assert_eq!(response.error, None, "{:?}", response.error_message);
        self.epoch = response.member_epoch;
        if let Some(assignment) = response.assignment {
            self.owned = assignment;
        }
    }

    fn leave(&self, g: &mut Groups, now: Instant, all: &BTreeMap<String, i32>) {
        let response = g.consumer_heartbeat(
            now,
            all,
            ConsumerHeartbeat {
                group_id: "g".into(),
                member_id: self.id.clone(),
                member_epoch: -1,
                ..ConsumerHeartbeat::default()
            },
        );
        assert_eq!(response.error, None, "{:?}", response.error_message);
    }
}

/// `n` classic members that formed a stable classic group with the leader
/// giving out `partitions` round-robin.
fn classic_group(
    g: &mut Groups,
    now: Instant,
    all: &BTreeMap<String, i32>,
    n: usize,
) -> Vec<Classic> {
    let mut members: Vec<Classic> = Vec::new();
    let mut pending = Vec::new();
    for _ in 0..n {
        let mut fresh = Classic {
            id: String::new(),
            generation: -1,
            owned: Assignment::new(),
        };
        // Every earlier member must rejoin for the newcomer's rebalance.
        let newcomer = g.join(now, fresh.request(all));
        pending.clear();
        for m in &members {
            pending.push(g.join(now, m.request(all)));
        }
        let joined = now_or_never(newcomer).expect("the join completes once all rejoined");
        fresh.id = joined.member_id;
        fresh.generation = joined.generation;
        for (m, reply) in members.iter_mut().zip(pending.drain(..)) {
            m.generation = now_or_never(reply).expect("completed").generation;
        }
        members.push(fresh);
    }
    let partitions = all["t"];
    let assignments: Vec<(String, Bytes)> = members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let mine: Assignment = BTreeMap::from([(
                "t".to_owned(),
                (0..partitions)
                    .filter(|p| usize::try_from(*p).unwrap() % n == i)
                    .collect(),
            )]);
            (
                m.id.clone(),
                super::write_assignment(&mine, &subscription(&Assignment::new())),
            )
        })
        .collect();
    let leader = g.describe("g");
    assert_eq!(leader.members.len(), n);
    // The first member is the leader; the others sync after it.
    let mut synced = Vec::new();
    for (i, m) in members.iter_mut().enumerate() {
        let given = if i == 0 {
            assignments.clone()
        } else {
            Vec::new()
        };
        synced.push(m.sync(g, now, given));
    }
    assert!(synced.iter().all(Option::is_some), "the group is stable");
    members
}

fn owners(classic: &[Classic], modern: &[&Modern]) -> BTreeMap<i32, usize> {
    let mut owners: BTreeMap<i32, usize> = BTreeMap::new();
    let owned = classic
        .iter()
        .map(|c| &c.owned)
        .chain(modern.iter().map(|m| &m.owned));
    for assignment in owned {
        for p in assignment.get("t").into_iter().flatten() {
            *owners.entry(*p).or_default() += 1;
        }
    }
    owners
}

#[test]
fn policies_parse_as_kafka_names_them() {
    for policy in [
        MigrationPolicy::Bidirectional,
        MigrationPolicy::Upgrade,
        MigrationPolicy::Downgrade,
        MigrationPolicy::Disabled,
    ] {
        assert_eq!(MigrationPolicy::parse(policy.name()), Some(policy));
        assert_eq!(
            MigrationPolicy::parse(&policy.name().to_uppercase()),
            Some(policy)
        );
    }
    assert_eq!(MigrationPolicy::parse("sideways"), None);
    let enabled = |p: MigrationPolicy| (p.upgrade_enabled(), p.downgrade_enabled());
    assert_eq!(enabled(MigrationPolicy::Bidirectional), (true, true));
    assert_eq!(enabled(MigrationPolicy::Upgrade), (true, false));
    assert_eq!(enabled(MigrationPolicy::Downgrade), (false, true));
    assert_eq!(enabled(MigrationPolicy::Disabled), (false, false));
}

#[test]
fn a_consumer_member_upgrades_the_group_and_leaving_downgrades_it() {
    let mut g = groups(MigrationPolicy::Bidirectional);
    let now = Instant::now();
    let all = all_topics(8);
    let mut classic = classic_group(&mut g, now, &all, 2);
    let generation = classic[0].generation;
    assert_eq!(g.list()[0].group_type, "classic");

    // Upgrade: the classic members keep what they own at the generation.
    let mut modern = Modern::join(&mut g, now, &all, "m");
    let listed = g.list();
    assert_eq!(
        (listed[0].group_type, listed[0].state),
        ("consumer", "Reconciling")
    );
    let described = g.consumer_describe("g").unwrap();
    assert_eq!(described.group_epoch, generation + 1);
    assert_eq!(described.members.len(), 3);
    let classic_flags: Vec<(bool, i32)> = described
        .members
        .iter()
        .map(|m| (m.classic, m.member_epoch))
        .collect();
    assert_eq!(classic_flags.iter().filter(|(c, _)| *c).count(), 2);
    assert!(
        classic_flags
            .iter()
            .filter(|(c, _)| *c)
            .all(|(_, e)| *e == generation)
    );
    assert!(
        modern.owned.is_empty(),
        "everything is still owned by the classic members"
    );
    assert!(owners(&classic, &[&modern]).values().all(|&n| n == 1));
    // DescribeGroups sees no classic group any more, as in Kafka.
    assert_eq!(g.describe("g").state.name(), "Dead");

    // The classic members learn of it on Heartbeat and rejoin.
    for c in &mut classic {
        assert_eq!(
            c.heartbeat(&mut g, now),
            Some(ErrorCode::RebalanceInProgress)
        );
        c.rejoin_consumer_group(&mut g, now, &all);
        assert_eq!(c.generation, generation + 1);
        // Never a partition owned twice along the way.
        assert!(
            owners(&classic_snapshot(c), &[&modern])
                .values()
                .all(|&n| n == 1)
        );
    }
    modern.beat(&mut g, now, &all);
    let owners_now = owners(&classic, &[&modern]);
    assert_eq!(owners_now.len(), 8, "{owners_now:?}");
    assert!(owners_now.values().all(|&n| n == 1), "{owners_now:?}");
    assert!(!modern.owned.is_empty());
    assert_eq!(g.list()[0].state, "Stable");
    for c in &classic {
        assert_eq!(c.heartbeat(&mut g, now), None);
    }
    // Classic members commit with their generation.
    assert_eq!(
        g.validate_commit(now, "g", classic[0].generation, &classic[0].id, None),
        Ok(())
    );
    assert_eq!(
        g.validate_commit(now, "g", classic[0].generation - 1, &classic[0].id, None),
        Err(ErrorCode::IllegalGeneration)
    );

    // Downgrade: the last consumer-protocol member leaves.
    modern.leave(&mut g, now, &all);
    let listed = g.list();
    assert_eq!(
        (listed[0].group_type, listed[0].state),
        ("classic", "PreparingRebalance")
    );
    let mut joins = Vec::new();
    for c in &classic {
        assert_eq!(
            c.heartbeat(&mut g, now),
            Some(ErrorCode::RebalanceInProgress)
        );
        joins.push(g.join(now, c.request(&all)));
    }
    let joined: Vec<JoinResponse> = joins
        .into_iter()
        .map(|r| now_or_never(r).expect("every member rejoined"))
        .collect();
    assert!(joined.iter().all(|j| j.error.is_none()));
    assert_eq!(joined[0].generation, generation + 2);
    let leader = joined.iter().find(|j| j.leader == j.member_id).unwrap();
    assert_eq!(leader.members.len(), 2);
    assert_eq!(g.state("g").name(), "CompletingRebalance");
}

fn classic_snapshot(c: &Classic) -> Vec<Classic> {
    vec![c.clone()]
}

#[test]
fn with_upgrade_only_the_group_stays_a_consumer_group_when_the_consumer_member_leaves() {
    let mut g = groups(MigrationPolicy::Upgrade);
    let now = Instant::now();
    let all = all_topics(4);
    let mut classic = classic_group(&mut g, now, &all, 2);
    let modern = Modern::join(&mut g, now, &all, "m");
    modern.leave(&mut g, now, &all);
    assert_eq!(g.list()[0].group_type, "consumer");
    assert_eq!(g.consumer_describe("g").unwrap().members.len(), 2);
    // The classic members go on as members of the consumer group.
    for c in &mut classic {
        assert_eq!(
            c.heartbeat(&mut g, now),
            Some(ErrorCode::RebalanceInProgress)
        );
        c.rejoin_consumer_group(&mut g, now, &all);
    }
    let owned = owners(&classic, &[]);
    assert_eq!(owned.len(), 4);
    assert!(owned.values().all(|&n| n == 1));
}

#[test]
fn with_downgrade_only_a_classic_group_with_members_refuses_consumer_members() {
    let mut g = groups(MigrationPolicy::Downgrade);
    let now = Instant::now();
    let all = all_topics(4);
    classic_group(&mut g, now, &all, 1);
    let refused = g.consumer_heartbeat(now, &all, consumer_join("m"));
    assert_eq!(refused.error, Some(ErrorCode::GroupIdNotFound));
    assert_eq!(g.list()[0].group_type, "classic");
}

#[test]
fn a_converted_group_survives_a_restart_with_its_classic_members() {
    let dir = tempfile::tempdir().unwrap();
    let mut g = groups(MigrationPolicy::Bidirectional);
    let now = Instant::now();
    let all = all_topics(4);
    let mut classic = classic_group(&mut g, now, &all, 1);
    let mut modern = Modern::join(&mut g, now, &all, "m");
    classic[0].rejoin_consumer_group(&mut g, now, &all);
    modern.beat(&mut g, now, &all);

    let (mut store, _, _) = super::super::store::GroupStore::open(dir.path()).unwrap();
    store.append(&g.take_writes()).unwrap();
    drop(store);
    let (_, stored, _) = super::super::store::GroupStore::open(dir.path()).unwrap();
    let mut g = groups(MigrationPolicy::Bidirectional);
    let later = now + Duration::from_secs(5);
    g.restore(later, stored);

    assert_eq!(g.list()[0].group_type, "consumer");
    assert_eq!(classic[0].heartbeat(&mut g, later), None);
    modern.beat(&mut g, later, &all);
    // The classic member's session is its own (10 s), not the group's 45 s.
    let mut writes = Vec::new();
    let config = g.config.clone();
    let group = g.groups.get_mut("g").unwrap();
    group.expire_consumer(later + Duration::from_secs(11), &config, &mut writes);
    // It was the only classic member: the consumer member stays alone.
    let described = g.consumer_describe("g").unwrap();
    assert_eq!(described.members.len(), 1);
    assert_eq!(described.members[0].member_id, "m");
}

#[test]
fn a_classic_member_of_a_consumer_group_is_checked_as_kafka_checks_it() {
    let mut g = groups(MigrationPolicy::Bidirectional);
    let now = Instant::now();
    let all = all_topics(4);
    let _modern = Modern::join(&mut g, now, &all, "m");
    let mut c = Classic {
        id: String::new(),
        generation: -1,
        owned: Assignment::new(),
    };
    // KIP-394 first.
    let mut first = c.request(&all);
    first.require_known_member_id = true;
    let required = now_or_never(g.join(now, first)).unwrap();
    assert_eq!(required.error, Some(ErrorCode::MemberIdRequired));
    c.id = required.member_id;
    let joined = c.join(&mut g, now, &all);
    assert_eq!(joined.protocol_type.as_deref(), Some("consumer"));
    assert_eq!(joined.protocol_name.as_deref(), Some("cooperative-sticky"));
    assert!(joined.leader.is_empty() && joined.members.is_empty());
    // A protocol no classic member shares is refused.
    let mut other = Classic {
        id: String::new(),
        generation: -1,
        owned: Assignment::new(),
    }
    .request(&all);
    other.protocols = vec![("range".into(), subscription(&Assignment::new()))];
    let refused = now_or_never(g.join(now, other)).unwrap();
    assert_eq!(refused.error, Some(ErrorCode::InconsistentGroupProtocol));
    // Wrong generation and protocol on SyncGroup and Heartbeat.
    let wrong_generation = g.heartbeat(now, "g", c.generation + 5, &c.id, None);
    assert_eq!(wrong_generation, Some(ErrorCode::IllegalGeneration));
    let wrong_protocol = now_or_never(g.sync(
        now,
        SyncRequest {
            group_id: "g".into(),
            generation: c.generation,
            member_id: c.id.clone(),
            instance_id: None,
            protocol_type: Some("consumer".into()),
            protocol_name: Some("range".into()),
            assignments: Vec::new(),
        },
    ))
    .unwrap();
    assert_eq!(
        wrong_protocol.error,
        Some(ErrorCode::InconsistentGroupProtocol)
    );
    assert_eq!(
        g.heartbeat(now, "g", 1, "stranger", None),
        Some(ErrorCode::UnknownMemberId)
    );
    // A classic LeaveGroup removes it without converting anything.
    assert_eq!(g.leave(now, "g", &[(c.id.clone(), None)]), vec![None]);
    assert_eq!(g.list()[0].group_type, "consumer");
    assert_eq!(g.consumer_describe("g").unwrap().members.len(), 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whatever the sizes, after the upgrade and every classic member's
    /// rejoin each partition has exactly one owner, and after the downgrade
    /// the classic members are asked to rebalance.
    #[test]
    fn conversion_keeps_every_partition_owned_once(classic_members in 1usize..5, partitions in 1i32..17) {
        let mut g = groups(MigrationPolicy::Bidirectional);
        let now = Instant::now();
        let all = all_topics(partitions);
        let mut classic = classic_group(&mut g, now, &all, classic_members);
        let mut modern = Modern::join(&mut g, now, &all, "m");
        let owned = owners(&classic, &[&modern]);
        prop_assert!(owned.values().all(|&n| n == 1));
        for round in 0..3 {
            for c in &mut classic {
                if c.heartbeat(&mut g, now).is_some() {
                    c.rejoin_consumer_group(&mut g, now, &all);
                }
                let owned = owners(&classic_snapshot(c), &[&modern]);
                prop_assert!(owned.values().all(|&n| n == 1), "round {round}: {owned:?}");
            }
            modern.beat(&mut g, now, &all);
        }
        let owned = owners(&classic, &[&modern]);
        prop_assert_eq!(owned.len(), usize::try_from(partitions).unwrap());
        prop_assert!(owned.values().all(|&n| n == 1), "{:?}", owned);
        prop_assert_eq!(g.list()[0].state, "Stable");
        let expected: BTreeSet<i32> = (0..partitions).collect();
        prop_assert_eq!(owned.keys().copied().collect::<BTreeSet<_>>(), expected);
        modern.leave(&mut g, now, &all);
        prop_assert_eq!(g.list()[0].group_type, "classic");
        for c in &classic {
            prop_assert_eq!(c.heartbeat(&mut g, now), Some(ErrorCode::RebalanceInProgress));
        }
    }
}

#[test]
fn a_classic_member_that_does_not_rejoin_in_its_rebalance_timeout_is_removed() {
    let mut g = groups(MigrationPolicy::Bidirectional);
    let now = Instant::now();
    let all = all_topics(4);
    let classic = classic_group(&mut g, now, &all, 2);
    let mut modern = Modern::join(&mut g, now, &all, "m");
    // Told to rejoin; only the first does (the rebalance timeout is 30 s).
    let mut first = classic[0].clone();
    assert_eq!(
        first.heartbeat(&mut g, now),
        Some(ErrorCode::RebalanceInProgress)
    );
    assert_eq!(
        classic[1].heartbeat(&mut g, now),
        Some(ErrorCode::RebalanceInProgress)
    );
    first.rejoin_consumer_group(&mut g, now, &all);
    let later = now + Duration::from_secs(29);
    assert!(first.heartbeat(&mut g, later).is_none());
    modern.beat(&mut g, later, &all);
    assert_eq!(
        classic[1].heartbeat(&mut g, later),
        Some(ErrorCode::RebalanceInProgress)
    );
    g.expire(now + Duration::from_secs(31));
    let described = g.consumer_describe("g").unwrap();
    let ids: BTreeSet<&str> = described
        .members
        .iter()
        .map(|m| m.member_id.as_str())
        .collect();
    assert_eq!(ids, BTreeSet::from([first.id.as_str(), "m"]));
}

#[test]
fn a_static_classic_member_restarting_in_a_consumer_group_takes_its_place_back() {
    let mut g = groups(MigrationPolicy::Bidirectional);
    let now = Instant::now();
    let all = all_topics(4);
    let _modern = Modern::join(&mut g, now, &all, "m");
    let mut first = Classic {
        id: String::new(),
        generation: -1,
        owned: Assignment::new(),
    };
    let mut request = first.request(&all);
    request.instance_id = Some("instance-1".into());
    let joined = now_or_never(g.join(now, request.clone())).unwrap();
    assert_eq!(joined.error, None);
    first.id.clone_from(&joined.member_id);
    first.generation = joined.generation;
    let before = g.consumer_describe("g").unwrap();
    assert_eq!(before.members.len(), 2);
    // The process restarts: same instance id, no member id.
    let rejoined = now_or_never(g.join(now, request)).unwrap();
    assert_eq!(rejoined.error, None);
    assert_ne!(rejoined.member_id, first.id);
    let after = g.consumer_describe("g").unwrap();
    assert_eq!(
        after.members.len(),
        2,
        "the old member id was replaced, not added to"
    );
    assert!(after.members.iter().any(
        |m| m.member_id == rejoined.member_id && m.instance_id.as_deref() == Some("instance-1")
    ));
    // The old member id is fenced.
    assert_eq!(
        g.heartbeat(now, "g", first.generation, &first.id, Some("instance-1")),
        Some(ErrorCode::FencedInstanceId)
    );
}

#[test]
fn a_classic_member_that_joins_and_never_syncs_is_removed_after_its_rebalance_timeout() {
    let mut g = groups(MigrationPolicy::Bidirectional);
    let now = Instant::now();
    let all = all_topics(4);
    let mut modern = Modern::join(&mut g, now, &all, "m");
    let mut synced = Classic {
        id: String::new(),
        generation: -1,
        owned: Assignment::new(),
    };
    synced.join(&mut g, now, &all);
    synced.sync(&mut g, now, Vec::new()).unwrap();
    let mut silent = Classic {
        id: String::new(),
        generation: -1,
        owned: Assignment::new(),
    };
    silent.join(&mut g, now, &all);
    // Both heartbeat; only one ever synced. The rebalance timeout is 30 s.
    let later = now + Duration::from_secs(25);
    let _ = synced.heartbeat(&mut g, later);
    let _ = silent.heartbeat(&mut g, later);
    modern.beat(&mut g, later, &all);
    g.expire(now + Duration::from_secs(31));
    let ids: BTreeSet<String> = g
        .consumer_describe("g")
        .unwrap()
        .members
        .into_iter()
        .map(|m| m.member_id)
        .collect();
    assert!(ids.contains(&synced.id) && ids.contains("m"), "{ids:?}");
    assert!(!ids.contains(&silent.id), "{ids:?}");
}

#[test]
fn a_classic_member_may_take_over_a_static_consumer_members_instance_id() {
    let mut g = groups(MigrationPolicy::Upgrade);
    let now = Instant::now();
    let all = all_topics(4);
    let mut first = consumer_join("m");
    first.instance_id = Some("instance-1".into());
    assert_eq!(g.consumer_heartbeat(now, &all, first).error, None);
    let _other = Modern::join(&mut g, now, &all, "n");
    let mut request = Classic {
        id: String::new(),
        generation: -1,
        owned: Assignment::new(),
    }
    .request(&all);
    request.instance_id = Some("instance-1".into());
    let joined = now_or_never(g.join(now, request)).unwrap();
    assert_eq!(joined.error, None);
    let described = g.consumer_describe("g").unwrap();
    let mut members: Vec<(String, bool)> = described
        .members
        .iter()
        .map(|m| (m.member_id.clone(), m.classic))
        .collect();
    members.sort();
    let mut expected = vec![(joined.member_id.clone(), true), ("n".to_owned(), false)];
    expected.sort();
    assert_eq!(members, expected);
}
