//! The consumer-protocol state machine driven through `Groups`, with
//! explicit instants so timers are exact.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use kctl_client::protocol::ErrorCode;
use tokio::time::Instant;

use super::super::state::{GroupConfig, Groups, JoinRequest, Reply};
use super::*;

fn groups() -> Groups {
    Groups::new(GroupConfig {
        initial_rebalance_delay: Duration::ZERO,
        min_session_timeout_ms: 6000,
        max_session_timeout_ms: 1_800_000,
        consumer_session_timeout_ms: 45_000,
        consumer_heartbeat_interval_ms: 5_000,
        migration_policy: crate::config::MigrationPolicy::Bidirectional,
    })
}

fn topics(items: &[(&str, i32)]) -> BTreeMap<String, i32> {
    items.iter().map(|(t, n)| ((*t).to_owned(), *n)).collect()
}

fn join(member: &str) -> ConsumerHeartbeat {
    ConsumerHeartbeat {
        group_id: "g".into(),
        member_id: member.into(),
        member_epoch: 0,
        rebalance_timeout_ms: 30_000,
        subscribed_topic_names: Some(vec!["t".into()]),
        owned: Some(Assignment::new()),
        ..ConsumerHeartbeat::default()
    }
}

fn beat(member: &str, epoch: i32, owned: &Assignment) -> ConsumerHeartbeat {
    ConsumerHeartbeat {
        group_id: "g".into(),
        member_id: member.into(),
        member_epoch: epoch,
        rebalance_timeout_ms: -1,
        owned: Some(owned.clone()),
        ..ConsumerHeartbeat::default()
    }
}

/// A member as its client sees it: epoch and what it owns.
#[derive(Debug, Clone)]
struct Client {
    id: String,
    epoch: i32,
    owned: Assignment,
}

impl Client {
    /// Sends a heartbeat and applies the answer as a client does: takes the
    /// epoch, and the assignment when one comes.
    fn beat(&mut self, g: &mut Groups, now: Instant, all: &BTreeMap<String, i32>) {
        let response = g.consumer_heartbeat(now, all, beat(&self.id, self.epoch, &self.owned));
        assert_eq!(response.error, None, "{:?}", response.error_message);
        self.epoch = response.member_epoch;
        if let Some(assignment) = response.assignment {
            self.owned = assignment;
        }
    }

    fn count(&self) -> usize {
        self.owned.values().map(BTreeSet::len).sum()
    }
}

fn joined(g: &mut Groups, now: Instant, all: &BTreeMap<String, i32>, id: &str) -> Client {
    let response = g.consumer_heartbeat(now, all, join(id));
    assert_eq!(response.error, None, "{:?}", response.error_message);
    Client {
        id: id.into(),
        epoch: response.member_epoch,
        owned: response.assignment.unwrap_or_default(),
    }
}

/// No partition is ever owned by two clients at once.
fn assert_exclusive(clients: &[Client]) {
    let mut seen = BTreeSet::new();
    for c in clients {
        for (t, ps) in &c.owned {
            for p in ps {
                assert!(seen.insert((t.clone(), *p)), "{t}-{p} owned twice");
            }
        }
    }
}

#[test]
fn three_members_share_eight_partitions_and_a_fourth_gets_them_only_after_revocation() {
    let mut g = groups();
    let now = Instant::now();
    let all = topics(&[("t", 8)]);
    let mut clients: Vec<Client> = ["a", "b", "c"]
        .iter()
        .map(|id| joined(&mut g, now, &all, id))
        .collect();
    for _ in 0..3 {
        for c in &mut clients {
            c.beat(&mut g, now, &all);
        }
        assert_exclusive(&clients);
    }
    let mut counts: Vec<usize> = clients.iter().map(Client::count).collect();
    counts.sort_unstable();
    assert_eq!(counts, vec![2, 3, 3]);
    assert_eq!(g.consumer_describe("g").unwrap().state, "Stable");

    let mut d = joined(&mut g, now, &all, "d");
    assert_eq!(d.count(), 0, "nothing is free until the others revoke");
    let epoch_after_join = g.consumer_describe("g").unwrap().group_epoch;
    assert_eq!(epoch_after_join, 4);
    assert_eq!(g.consumer_describe("g").unwrap().state, "Reconciling");
    d.beat(&mut g, now, &all);
    assert_eq!(d.count(), 0);
    clients.push(d);
    for _ in 0..3 {
        for c in &mut clients {
            c.beat(&mut g, now, &all);
            // Each heartbeat is a point in time: ownership stays exclusive.
        }
        assert_exclusive(&clients);
    }
    let counts: Vec<usize> = clients.iter().map(Client::count).collect();
    assert_eq!(counts, vec![2, 2, 2, 2]);
    assert!(clients.iter().all(|c| c.epoch == epoch_after_join));
    assert_eq!(g.consumer_describe("g").unwrap().state, "Stable");
}

#[test]
fn epochs_are_fenced_as_kafka_fences_them() {
    let mut g = groups();
    let now = Instant::now();
    let all = topics(&[("t", 2)]);
    let a = joined(&mut g, now, &all, "a");
    let ahead = g.consumer_heartbeat(now, &all, beat("a", a.epoch + 1, &a.owned));
    assert_eq!(ahead.error, Some(ErrorCode::FencedMemberEpoch));
    let unknown = g.consumer_heartbeat(now, &all, beat("zz", 1, &Assignment::new()));
    assert_eq!(unknown.error, Some(ErrorCode::UnknownMemberId));
    let mut join_owning = join("b");
    join_owning.owned = Some(a.owned.clone());
    let invalid = g.consumer_heartbeat(now, &all, join_owning);
    assert_eq!(invalid.error, Some(ErrorCode::InvalidRequest));
    let mut bad_regex = join("b");
    bad_regex.subscribed_topic_regex = Some("(".into());
    assert_eq!(
        g.consumer_heartbeat(now, &all, bad_regex).error,
        Some(ErrorCode::InvalidRegularExpression)
    );
    let mut bad_assignor = join("b");
    bad_assignor.server_assignor = Some("sticky".into());
    assert_eq!(
        g.consumer_heartbeat(now, &all, bad_assignor).error,
        Some(ErrorCode::UnsupportedAssignor)
    );
    let missing = g.consumer_heartbeat(
        now,
        &all,
        ConsumerHeartbeat {
            group_id: "nope".into(),
            ..beat("a", 3, &Assignment::new())
        },
    );
    assert_eq!(missing.error, Some(ErrorCode::GroupIdNotFound));
}

#[test]
fn a_static_member_keeps_its_partitions_across_a_restart_and_its_instance_id_is_exclusive() {
    let mut g = groups();
    let now = Instant::now();
    let all = topics(&[("t", 4)]);
    let mut static_join = join("s1");
    static_join.instance_id = Some("i".into());
    let first = g.consumer_heartbeat(now, &all, static_join.clone());
    let owned = first.assignment.clone().unwrap();
    assert_eq!(owned["t"].len(), 4);

    let mut other = join("s2");
    other.instance_id = Some("i".into());
    assert_eq!(
        g.consumer_heartbeat(now, &all, other.clone()).error,
        Some(ErrorCode::UnreleasedInstanceId)
    );
    let epoch_before = g.consumer_describe("g").unwrap().group_epoch;
    let mut leave = beat("s1", -2, &owned);
    leave.instance_id = Some("i".into());
    let left = g.consumer_heartbeat(now, &all, leave);
    assert_eq!((left.error, left.member_epoch), (None, -2));

    let back = g.consumer_heartbeat(now, &all, other);
    assert_eq!(back.error, None);
    assert_eq!(
        back.assignment,
        Some(owned),
        "the same partitions, no rebalance"
    );
    assert_eq!(g.consumer_describe("g").unwrap().group_epoch, epoch_before);
}

#[test]
fn sessions_expire_and_the_survivor_takes_over() {
    let mut g = groups();
    let now = Instant::now();
    let all = topics(&[("t", 4)]);
    let mut a = joined(&mut g, now, &all, "a");
    let mut b = joined(&mut g, now, &all, "b");
    a.beat(&mut g, now, &all);
    b.beat(&mut g, now, &all);
    assert_eq!(b.count(), 0, "a has not acknowledged its revocation yet");
    a.beat(&mut g, now, &all);
    b.beat(&mut g, now, &all);
    assert_eq!((a.count(), b.count()), (2, 2));
    let later = now + Duration::from_secs(30);
    a.beat(&mut g, later, &all);
    let expiry = later + Duration::from_millis(15_001);
    g.expire(expiry);
    assert_eq!(g.consumer_describe("g").unwrap().members.len(), 1);
    a.beat(&mut g, expiry, &all);
    assert_eq!(a.count(), 4);
}

#[test]
fn a_member_that_does_not_revoke_in_time_is_removed() {
    let mut g = groups();
    let now = Instant::now();
    let all = topics(&[("t", 4)]);
    let mut a = joined(&mut g, now, &all, "a");
    a.beat(&mut g, now, &all);
    assert_eq!(a.count(), 4);
    let mut b = joined(&mut g, now, &all, "b");
    // `a` learns it must revoke but never acknowledges.
    let response = g.consumer_heartbeat(now, &all, beat("a", a.epoch, &a.owned));
    assert_eq!(response.assignment.map(|x| x["t"].len()), Some(2));
    g.expire(now + Duration::from_millis(30_001));
    b.beat(&mut g, now + Duration::from_millis(30_002), &all);
    assert_eq!(b.count(), 4);
}

#[test]
fn a_regex_subscribes_to_matching_topics_and_to_new_ones() {
    let mut g = groups();
    let now = Instant::now();
    let mut all = topics(&[("orders-eu", 2), ("orders-us", 1), ("payments", 3)]);
    let mut request = join("a");
    request.subscribed_topic_names = None;
    request.subscribed_topic_regex = Some("orders-.*".into());
    let first = g.consumer_heartbeat(now, &all, request);
    let assigned = first.assignment.unwrap();
    assert_eq!(
        assigned.keys().collect::<Vec<_>>(),
        vec!["orders-eu", "orders-us"]
    );
    all.insert("orders-ap".into(), 1);
    let next = g.consumer_heartbeat(now, &all, beat("a", first.member_epoch, &assigned));
    assert!(next.member_epoch > first.member_epoch);
    assert!(next.assignment.unwrap().contains_key("orders-ap"));
}

#[test]
fn with_migration_disabled_a_group_with_members_keeps_its_type() {
    let mut g = groups();
    g.config.migration_policy = crate::config::MigrationPolicy::Disabled;
    let now = Instant::now();
    let all = topics(&[("t", 1)]);
    let a = joined(&mut g, now, &all, "a");
    let classic = JoinRequest {
        group_id: "g".into(),
        member_id: String::new(),
        instance_id: None,
        client_id: "c".into(),
        client_host: "/127.0.0.1".into(),
        session_timeout_ms: 10_000,
        rebalance_timeout_ms: 10_000,
        protocol_type: "consumer".into(),
        protocols: vec![("range".into(), bytes::Bytes::new())],
        require_known_member_id: false,
        supports_skip_assignment: false,
        all_topics: BTreeMap::new(),
    };
    // Whatever the policy, only the consumer embedded protocol may join a
    // consumer group (Kafka's `supportsClassicProtocols`).
    let connect = JoinRequest {
        protocol_type: "connect".into(),
        ..classic.clone()
    };
    match g.join(now, connect) {
        Reply::Now(r) => assert_eq!(r.error, Some(ErrorCode::InconsistentGroupProtocol)),
        Reply::Later(_) => panic!("answered at once"),
    }
    let listed = g.list();
    assert_eq!(
        (listed[0].group_type, listed[0].state),
        ("consumer", "Stable")
    );
    assert_eq!(g.delete("g"), Err(ErrorCode::NonEmptyGroup));
    // Once empty, the id may become a classic group again.
    let left = g.consumer_heartbeat(now, &all, beat("a", -1, &a.owned));
    assert_eq!(left.error, None);
    assert!(matches!(g.join(now, classic), Reply::Later(_)));
    let mut consumer = join("b");
    consumer.group_id = "g".into();
    let refused = g.consumer_heartbeat(now, &all, consumer);
    assert_eq!(refused.error, Some(ErrorCode::GroupIdNotFound));
    assert_eq!(
        refused.error_message.as_deref(),
        Some("Group g is not a consumer group.")
    );
}

#[test]
fn commits_need_the_current_member_epoch() {
    let mut g = groups();
    let now = Instant::now();
    let all = topics(&[("t", 1)]);
    let a = joined(&mut g, now, &all, "a");
    assert_eq!(g.validate_commit(now, "g", a.epoch, "a", None), Ok(()));
    assert_eq!(
        g.validate_commit(now, "g", a.epoch - 1, "a", None),
        Err(ErrorCode::StaleMemberEpoch)
    );
    assert_eq!(
        g.validate_commit(now, "g", a.epoch, "x", None),
        Err(ErrorCode::UnknownMemberId)
    );
    assert_eq!(
        g.validate_commit(now, "g", -1, "", None),
        Err(ErrorCode::UnknownMemberId),
        "admin commits wait for the group to be empty"
    );
}

/// Writes what `g` logged to a group log in `dir`, reopens it and restores
/// the groups, as a broker restart does.
fn restarted(g: &mut Groups, dir: &std::path::Path, now: Instant) -> Groups {
    let (mut store, _, _) = super::super::store::GroupStore::open(dir).unwrap();
    store.append(&g.take_writes()).unwrap();
    drop(store);
    let (_, stored, _) = super::super::store::GroupStore::open(dir).unwrap();
    let mut restored = groups();
    restored.restore(now, stored);
    restored
}

#[test]
fn members_epochs_and_assignments_survive_a_restart_without_a_rebalance() {
    let dir = tempfile::tempdir().unwrap();
    let mut g = groups();
    let now = Instant::now();
    let all = topics(&[("t", 8)]);
    let mut clients: Vec<Client> = ["a", "b", "c"]
        .iter()
        .map(|id| joined(&mut g, now, &all, id))
        .collect();
    for _ in 0..3 {
        for c in &mut clients {
            c.beat(&mut g, now, &all);
        }
    }
    // A fourth joins and the restart comes mid-reconciliation: some
    // partitions are pending revocation.
    let mut d = joined(&mut g, now, &all, "d");
    let racked = g.consumer_heartbeat(
        now,
        &all,
        ConsumerHeartbeat {
            rack_id: Some("rack-b".into()),
            ..beat("d", d.epoch, &d.owned)
        },
    );
    assert_eq!(racked.error, None);
    clients[0].beat(&mut g, now, &all);
    let before = g.consumer_describe("g").unwrap();
    assert_eq!(before.state, "Reconciling");

    let later = now + Duration::from_secs(1);
    let mut g = restarted(&mut g, dir.path(), later);
    let after = g.consumer_describe("g").unwrap();
    assert_eq!(after.group_epoch, before.group_epoch);
    assert_eq!(after.assignment_epoch, before.assignment_epoch);
    assert_eq!(after.state, before.state);
    let summary = |d: &ConsumerGroupDescription| -> Vec<_> {
        d.members
            .iter()
            .map(|m| {
                (
                    m.member_id.clone(),
                    m.member_epoch,
                    m.assignment.clone(),
                    m.target_assignment.clone(),
                )
            })
            .collect()
    };
    assert_eq!(summary(&after), summary(&before));
    let rack_of = |d: &ConsumerGroupDescription, id: &str| {
        d.members
            .iter()
            .find(|m| m.member_id == id)
            .and_then(|m| m.rack_id.clone())
    };
    assert_eq!(rack_of(&after, "d").as_deref(), Some("rack-b"));
    assert_eq!(rack_of(&after, "a"), None);
    assert!(g.take_writes().is_empty(), "a restore logs nothing");

    // The members carry on with the epochs they had and finish the
    // rebalance that was under way; the group epoch does not move.
    clients.push(d.clone());
    for _ in 0..3 {
        for c in &mut clients {
            c.beat(&mut g, later, &all);
        }
        assert_exclusive(&clients);
    }
    d = clients[3].clone();
    assert_eq!(d.count(), 2);
    let counts: Vec<usize> = clients.iter().map(Client::count).collect();
    assert_eq!(counts, vec![2, 2, 2, 2]);
    let stable = g.consumer_describe("g").unwrap();
    assert_eq!(stable.state, "Stable");
    assert_eq!(stable.group_epoch, before.group_epoch);
}

#[test]
fn restored_members_that_never_come_back_time_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut g = groups();
    let now = Instant::now();
    let all = topics(&[("t", 4)]);
    let mut a = joined(&mut g, now, &all, "a");
    let mut b = joined(&mut g, now, &all, "b");
    a.beat(&mut g, now, &all);
    b.beat(&mut g, now, &all);
    let epoch = g.consumer_describe("g").unwrap().group_epoch;

    let restart = now + Duration::from_secs(60);
    let mut g = restarted(&mut g, dir.path(), restart);
    // Only `a` comes back; `b`'s session runs from the restart.
    let mut writes = Vec::new();
    let within = restart + Duration::from_secs(44);
    a.beat(&mut g, within, &all);
    let config = g.config.clone();
    g.groups
        .get_mut("g")
        .unwrap()
        .expire_consumer(within, &config, &mut writes);
    assert_eq!(g.consumer_describe("g").unwrap().members.len(), 2);
    let expired = restart + Duration::from_secs(46);
    g.groups
        .get_mut("g")
        .unwrap()
        .expire_consumer(expired, &config, &mut writes);
    let described = g.consumer_describe("g").unwrap();
    assert_eq!(described.members.len(), 1);
    assert_eq!(described.group_epoch, epoch + 1);
    assert!(
        matches!(writes.last(), Some(Entry::ConsumerGroup { epoch: e, members: Some(m), .. }) if *e == epoch + 1 && m.members.len() == 1),
        "{writes:?}"
    );
    for _ in 0..2 {
        a.beat(&mut g, expired, &all);
    }
    assert_eq!(a.count(), 4);
}

#[test]
fn fetches_need_the_current_member_epoch_unless_they_name_no_member() {
    let mut g = groups();
    let now = Instant::now();
    let all = topics(&[("t", 1)]);
    let a = joined(&mut g, now, &all, "a");
    let cg = g.consumer_group("g").unwrap();
    assert_eq!(cg.validate_fetch(Some("a"), a.epoch), Ok(()));
    assert_eq!(cg.validate_fetch(None, -1), Ok(()));
    assert_eq!(
        cg.validate_fetch(Some("a"), a.epoch + 1),
        Err(ErrorCode::StaleMemberEpoch)
    );
    assert_eq!(
        cg.validate_fetch(Some("b"), a.epoch),
        Err(ErrorCode::UnknownMemberId)
    );
    assert_eq!(
        cg.validate_fetch(None, a.epoch),
        Err(ErrorCode::UnknownMemberId)
    );
}
