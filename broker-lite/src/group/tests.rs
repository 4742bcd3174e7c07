//! The coordinator's state machine driven through its public operations,
//! with the timer task running on a paused clock so every deadline is
//! exact and no test waits in real time.

use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use kctl_client::protocol::messages::{ConsumerProtocolAssignment, ConsumerProtocolSubscription};
use kctl_client::protocol::{Decodable, Encodable, ErrorCode, StrBytes};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep, sleep_until};

use super::*;
use crate::config::BrokerConfig;

struct Harness {
    coordinator: Arc<GroupCoordinator>,
    dir: tempfile::TempDir,
    stop: broadcast::Sender<()>,
    timers: JoinHandle<()>,
}

impl Harness {
    fn start(initial_delay_ms: u64) -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self::open(dir, initial_delay_ms)
    }

    fn open(dir: tempfile::TempDir, initial_delay_ms: u64) -> Self {
        let mut config = BrokerConfig::default();
        config.data_dir = dir.path().to_owned();
        config.group.initial_rebalance_delay_ms = initial_delay_ms;
        let coordinator = Arc::new(GroupCoordinator::open(&config).unwrap());
        let (stop, rx) = broadcast::channel(1);
        let timers = tokio::spawn({
            let coordinator = Arc::clone(&coordinator);
            async move { coordinator.run(rx).await }
        });
        Self {
            coordinator,
            dir,
            stop,
            timers,
        }
    }

    async fn stop(self) -> tempfile::TempDir {
        self.stop.send(()).unwrap();
        self.timers.await.unwrap();
        self.dir
    }

    fn join(&self, request: JoinRequest) -> JoinHandle<JoinResponse> {
        let coordinator = Arc::clone(&self.coordinator);
        tokio::spawn(async move { coordinator.join(request).await })
    }

    fn sync(&self, request: SyncRequest) -> JoinHandle<SyncResponse> {
        let coordinator = Arc::clone(&self.coordinator);
        tokio::spawn(async move { coordinator.sync(request).await })
    }

    fn heartbeat(&self, member: &JoinResponse) -> Option<ErrorCode> {
        self.coordinator
            .heartbeat("g", member.generation, &member.member_id, None)
    }

    fn state(&self) -> GroupState {
        self.coordinator.state_of("g")
    }
}

fn subscription(topics: &[&str]) -> Bytes {
    let mut out = BytesMut::new();
    out.extend_from_slice(&1i16.to_be_bytes());
    ConsumerProtocolSubscription::default()
        .with_topics(
            topics
                .iter()
                .map(|t| StrBytes::from_string((*t).to_owned()))
                .collect(),
        )
        .encode(&mut out, 1)
        .unwrap();
    out.freeze()
}

fn member(member_id: &str, protocols: &[&str]) -> JoinRequest {
    JoinRequest {
        group_id: "g".into(),
        member_id: member_id.into(),
        instance_id: None,
        client_id: "client".into(),
        client_host: "/127.0.0.1".into(),
        session_timeout_ms: 10_000,
        rebalance_timeout_ms: 30_000,
        protocol_type: "consumer".into(),
        protocols: protocols
            .iter()
            .map(|p| ((*p).to_owned(), subscription(&["t"])))
            .collect(),
        require_known_member_id: false,
        supports_skip_assignment: false,
        all_topics: std::collections::BTreeMap::from([("t".to_owned(), 4)]),
    }
}

fn sync_request(joined: &JoinResponse, assignments: Vec<(String, Bytes)>) -> SyncRequest {
    SyncRequest {
        group_id: "g".into(),
        generation: joined.generation,
        member_id: joined.member_id.clone(),
        instance_id: None,
        protocol_type: None,
        protocol_name: None,
        assignments,
    }
}

/// Lets every spawned task run to its next await without moving the clock.
async fn settle() {
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
}

/// Joins members one after another and completes the generation: the
/// leader assigns each member its own name as the assignment.
async fn stable_group(h: &Harness, names: &[&str]) -> Vec<JoinResponse> {
    let handles: Vec<_> = names
        .iter()
        .map(|n| {
            let mut request = member("", &["range"]);
            request.client_id = (*n).to_owned();
            h.join(request)
        })
        .collect();
    let mut joined = Vec::new();
    for handle in handles {
        joined.push(handle.await.unwrap());
    }
    let leader = joined
        .iter()
        .find(|j| j.member_id == j.leader)
        .unwrap()
        .clone();
    let assignments: Vec<(String, Bytes)> = leader
        .members
        .iter()
        .map(|m| (m.member_id.clone(), Bytes::from(m.member_id.clone())))
        .collect();
    let syncs: Vec<_> = joined
        .iter()
        .map(|j| {
            let assigned = if j.member_id == leader.member_id {
                assignments.clone()
            } else {
                Vec::new()
            };
            h.sync(sync_request(j, assigned))
        })
        .collect();
    assert!(joined.iter().all(|j| j.generation == 1), "{joined:?}");
    for (sync, j) in syncs.into_iter().zip(&joined) {
        let synced = sync.await.unwrap();
        assert_eq!(synced.error, None);
        assert_eq!(&synced.assignment[..], j.member_id.as_bytes());
    }
    assert_eq!(h.state(), GroupState::Stable);
    joined
}

#[tokio::test(start_paused = true)]
async fn the_initial_delay_is_extended_while_members_keep_arriving() {
    let h = Harness::start(3000);
    let start = Instant::now();
    let first = h.join(member("", &["range"]));
    sleep(Duration::from_millis(2000)).await;
    let second = h.join(member("", &["range"]));
    // The first delay ends at 3 s, but a member arrived during it: one
    // more delay, to 6 s.
    sleep_until(start + Duration::from_millis(5990)).await;
    assert!(!first.is_finished() && !second.is_finished());
    assert_eq!(h.state(), GroupState::PreparingRebalance);
    let first = first.await.unwrap();
    let second = second.await.unwrap();
    assert_eq!(start.elapsed(), Duration::from_millis(6000));
    assert_eq!(first.error, None);
    assert_eq!(first.generation, 1);
    assert_eq!(second.generation, 1);
    assert_eq!(first.leader, first.member_id, "the first to join leads");
    assert_eq!(second.leader, first.member_id);
    assert_eq!(first.members.len(), 2, "the leader sees every member");
    assert!(second.members.is_empty());
    assert_eq!(first.protocol_name.as_deref(), Some("range"));
    assert_eq!(first.protocol_type.as_deref(), Some("consumer"));
    assert_eq!(h.state(), GroupState::CompletingRebalance);
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn the_initial_delay_is_bounded_by_the_rebalance_timeout() {
    let h = Harness::start(3000);
    let start = Instant::now();
    let mut request = member("", &["range"]);
    request.rebalance_timeout_ms = 7000;
    let mut joins = vec![h.join(request.clone())];
    // Someone joins during every delay; the rebalance must still end at 7 s.
    for _ in 0..8 {
        sleep(Duration::from_millis(1000)).await;
        if start.elapsed() < Duration::from_millis(7000) {
            joins.push(h.join(request.clone()));
        }
    }
    let first = joins.remove(0).await.unwrap();
    assert!(first.generation >= 1);
    assert_eq!(first.error, None);
    assert!(
        h.state() == GroupState::CompletingRebalance,
        "{:?}",
        h.state()
    );
    assert_eq!(first.members.len(), 7, "joined at 0..=6 s");
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn without_an_initial_delay_the_first_member_is_a_generation_at_once() {
    let h = Harness::start(0);
    let start = Instant::now();
    let a = h.join(member("", &["range"])).await.unwrap();
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!((a.generation, a.members.len()), (1, 1));
    // The next member is a rebalance of a group that is no longer empty:
    // it waits for the first to rejoin.
    let b = h.join(member("", &["range"]));
    settle().await;
    assert!(!b.is_finished());
    let a = h.join(member(&a.member_id, &["range"])).await.unwrap();
    assert_eq!((a.generation, a.members.len()), (2, 2));
    assert_eq!(b.await.unwrap().generation, 2);
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn v4_members_get_an_id_first_and_the_group_waits_for_them() {
    let h = Harness::start(100);
    let mut request = member("", &["range"]);
    request.require_known_member_id = true;
    let first = h.join(request.clone()).await.unwrap();
    assert_eq!(first.error, Some(ErrorCode::MemberIdRequired));
    assert!(
        first.member_id.starts_with("client-"),
        "{}",
        first.member_id
    );
    assert_eq!(first.generation, -1);
    request.member_id = first.member_id.clone();
    let joined = h.join(request).await.unwrap();
    assert_eq!(joined.error, None);
    assert_eq!(joined.member_id, first.member_id);
    assert_eq!(joined.generation, 1);
    // A member id that was never handed out is unknown.
    let stranger = h.join(member("made-up", &["range"])).await.unwrap();
    assert_eq!(stranger.error, Some(ErrorCode::UnknownMemberId));
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn an_unused_member_id_expires_and_stops_holding_up_the_rebalance() {
    let h = Harness::start(100);
    let joined = stable_group(&h, &["a"]).await;
    let mut newcomer = member("", &["range"]);
    newcomer.require_known_member_id = true;
    let pending = h.join(newcomer).await.unwrap();
    assert_eq!(pending.error, Some(ErrorCode::MemberIdRequired));
    // The existing member rejoins; the group also waits for the pending
    // id, which never comes back, until its session timeout (10 s).
    let start = Instant::now();
    let mut again = member(&joined[0].member_id, &["range"]);
    again.client_id = "a".into();
    let rejoined = h.join(again).await.unwrap();
    assert_eq!(rejoined.error, None);
    assert_eq!(rejoined.generation, 2);
    assert_eq!(start.elapsed(), Duration::from_secs(10));
    assert_eq!(rejoined.members.len(), 1);
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_group_that_only_handed_out_an_unused_member_id_disappears() {
    let h = Harness::start(100);
    let mut request = member("", &["range"]);
    request.require_known_member_id = true;
    let pending = h.join(request).await.unwrap();
    assert_eq!(pending.error, Some(ErrorCode::MemberIdRequired));
    assert_eq!(h.state(), GroupState::Empty);
    sleep(Duration::from_millis(10_001)).await;
    assert_eq!(h.state(), GroupState::Dead);
    assert!(h.coordinator.list().is_empty());
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn the_protocol_is_voted_among_those_every_member_supports() {
    let h = Harness::start(100);
    let a = h.join(member("", &["range", "roundrobin", "sticky"]));
    let b = h.join(member("", &["roundrobin", "range"]));
    let c = h.join(member("", &["sticky", "roundrobin", "range"]));
    // sticky is not supported by b, so c votes for roundrobin.
    let (a, b, c) = (a.await.unwrap(), b.await.unwrap(), c.await.unwrap());
    for joined in [&a, &b, &c] {
        assert_eq!(joined.protocol_name.as_deref(), Some("roundrobin"));
    }
    let stranger = h.join(member("", &["cooperative-sticky"])).await.unwrap();
    assert_eq!(stranger.error, Some(ErrorCode::InconsistentGroupProtocol));
    let mut other_type = member("", &["range"]);
    other_type.protocol_type = "connect".into();
    let other_type = h.join(other_type).await.unwrap();
    assert_eq!(other_type.error, Some(ErrorCode::InconsistentGroupProtocol));
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn followers_wait_for_the_leader_and_the_left_out_get_a_valid_empty_assignment() {
    let h = Harness::start(100);
    let a = h.join(member("", &["range"]));
    let b = h.join(member("", &["range"]));
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    let (leader, follower) = if a.leader == a.member_id {
        (a, b)
    } else {
        (b, a)
    };
    let follower_sync = h.sync(sync_request(&follower, Vec::new()));
    settle().await;
    assert!(
        !follower_sync.is_finished(),
        "parked until the leader syncs"
    );
    assert_eq!(
        h.heartbeat(&follower),
        None,
        "heartbeats are fine meanwhile"
    );
    // The leader gives everything to itself, naming nobody else.
    let leader_sync = h.sync(sync_request(
        &leader,
        vec![(leader.member_id.clone(), Bytes::from_static(b"mine"))],
    ));
    assert_eq!(&leader_sync.await.unwrap().assignment[..], b"mine");
    let empty = follower_sync.await.unwrap();
    assert_eq!(empty.error, None);
    assert_eq!(
        &empty.assignment[..2],
        &1i16.to_be_bytes(),
        "member's version"
    );
    let decoded = ConsumerProtocolAssignment::decode(&mut empty.assignment.slice(2..), 1).unwrap();
    assert!(decoded.assigned_partitions.is_empty());
    assert_eq!(h.state(), GroupState::Stable);
    // A late sync in Stable returns the stored assignment again.
    let again = h.sync(sync_request(&follower, Vec::new())).await.unwrap();
    assert_eq!(again.assignment, empty.assignment);
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn sync_checks_generation_member_and_protocol() {
    let h = Harness::start(100);
    let joined = stable_group(&h, &["a"]).await;
    let a = &joined[0];
    let mut wrong_generation = sync_request(a, Vec::new());
    wrong_generation.generation += 1;
    let mut unknown = sync_request(a, Vec::new());
    unknown.member_id = "nobody".into();
    let mut wrong_protocol = sync_request(a, Vec::new());
    wrong_protocol.protocol_name = Some("roundrobin".into());
    let mut right_protocol = sync_request(a, Vec::new());
    right_protocol.protocol_type = Some("consumer".into());
    right_protocol.protocol_name = Some("range".into());
    assert_eq!(
        h.sync(wrong_generation).await.unwrap().error,
        Some(ErrorCode::IllegalGeneration)
    );
    assert_eq!(
        h.sync(unknown).await.unwrap().error,
        Some(ErrorCode::UnknownMemberId)
    );
    assert_eq!(
        h.sync(wrong_protocol).await.unwrap().error,
        Some(ErrorCode::InconsistentGroupProtocol)
    );
    assert_eq!(h.sync(right_protocol).await.unwrap().error, None);
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn heartbeats_tell_members_about_a_rebalance() {
    let h = Harness::start(100);
    let joined = stable_group(&h, &["a"]).await;
    let a = &joined[0];
    assert_eq!(h.heartbeat(a), None);
    let mut stale = a.clone();
    stale.generation -= 1;
    assert_eq!(h.heartbeat(&stale), Some(ErrorCode::IllegalGeneration));
    let mut stranger = a.clone();
    stranger.member_id = "nobody".into();
    assert_eq!(h.heartbeat(&stranger), Some(ErrorCode::UnknownMemberId));

    let newcomer = h.join(member("", &["range"]));
    settle().await;
    assert_eq!(h.state(), GroupState::PreparingRebalance);
    assert_eq!(h.heartbeat(a), Some(ErrorCode::RebalanceInProgress));
    let rejoined = h.join(member(&a.member_id, &["range"])).await.unwrap();
    let newcomer = newcomer.await.unwrap();
    assert_eq!(rejoined.generation, 2);
    assert_eq!(newcomer.generation, 2);
    assert_eq!(rejoined.leader, a.member_id, "the leader stays the leader");
    assert_eq!(h.heartbeat(&rejoined), None);
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_silent_member_expires_after_its_session_timeout() {
    let h = Harness::start(100);
    let joined = stable_group(&h, &["a", "b"]).await;
    let (a, b) = (&joined[0], &joined[1]);
    let start = Instant::now();
    // Only a heartbeats; b's session (10 s) runs out.
    while h.heartbeat(a).is_none() {
        sleep(Duration::from_millis(1000)).await;
        assert!(
            start.elapsed() <= Duration::from_secs(11),
            "b never expired"
        );
    }
    assert!(start.elapsed() >= Duration::from_secs(10));
    assert_eq!(h.heartbeat(a), Some(ErrorCode::RebalanceInProgress));
    assert_eq!(h.heartbeat(b), Some(ErrorCode::UnknownMemberId));
    let rejoined = h.join(member(&a.member_id, &["range"])).await.unwrap();
    assert_eq!(rejoined.generation, a.generation + 1);
    assert_eq!(rejoined.members.len(), 1);
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn members_that_do_not_rejoin_in_the_rebalance_timeout_are_dropped() {
    let h = Harness::start(100);
    let joined = stable_group(&h, &["a", "b"]).await;
    let (a, b) = (&joined[0], &joined[1]);
    let start = Instant::now();
    let mut rejoin = member(&a.member_id, &["range"]);
    rejoin.rebalance_timeout_ms = 5000;
    let rejoined = h.join(rejoin);
    // b keeps heartbeating (so its session never expires) but never rejoins.
    while !rejoined.is_finished() {
        h.heartbeat(b);
        sleep(Duration::from_millis(500)).await;
    }
    let rejoined = rejoined.await.unwrap();
    // The group waits for the longest rebalance timeout of any member (b's
    // 30 s); the loop above notices within one 500 ms step.
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_secs(30) && waited <= Duration::from_millis(30_500),
        "{waited:?}"
    );
    assert_eq!(rejoined.generation, a.generation + 1);
    assert_eq!(rejoined.members.len(), 1);
    assert_eq!(h.heartbeat(b), Some(ErrorCode::UnknownMemberId));
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn leaving_rebalances_and_batched_leaves_answer_per_member() {
    let h = Harness::start(100);
    let joined = stable_group(&h, &["a", "b", "c"]).await;
    let results = h
        .coordinator
        .leave(
            "g",
            &[
                (joined[1].member_id.clone(), None),
                ("nobody".into(), None),
                (joined[2].member_id.clone(), None),
            ],
        )
        .await;
    assert_eq!(results, [None, Some(ErrorCode::UnknownMemberId), None]);
    assert_eq!(h.state(), GroupState::PreparingRebalance);
    let a = h
        .join(member(&joined[0].member_id, &["range"]))
        .await
        .unwrap();
    assert_eq!(a.members.len(), 1);
    let results = h
        .coordinator
        .leave("g", &[(a.member_id.clone(), None)])
        .await;
    assert_eq!(results, [None]);
    assert_eq!(h.state(), GroupState::Empty, "the last member left");
    let unknown_group = h.coordinator.leave("nope", &[("x".into(), None)]).await;
    assert_eq!(unknown_group, [Some(ErrorCode::UnknownMemberId)]);
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_static_member_rejoining_takes_over_and_fences_its_old_id() {
    let h = Harness::start(100);
    let mut request = member("", &["range"]);
    request.instance_id = Some("host-1".into());
    request.require_known_member_id = true;
    let first = h.join(request.clone()).await.unwrap();
    assert_eq!(first.error, None, "static members skip MEMBER_ID_REQUIRED");
    assert!(first.member_id.starts_with("host-1-"));
    let synced = h
        .sync(sync_request(
            &first,
            vec![(first.member_id.clone(), Bytes::from_static(b"p0"))],
        ))
        .await
        .unwrap();
    assert_eq!(&synced.assignment[..], b"p0");

    // The same instance restarts: a new member id, same generation, no
    // rebalance, and the assignment is still there.
    let second = h.join(request.clone()).await.unwrap();
    assert_eq!(second.error, None);
    assert_ne!(second.member_id, first.member_id);
    assert_eq!(second.generation, first.generation);
    assert_eq!(h.state(), GroupState::Stable);
    let mut resync = sync_request(&second, Vec::new());
    resync.instance_id = Some("host-1".into());
    assert_eq!(&h.sync(resync).await.unwrap().assignment[..], b"p0");

    let fenced = h
        .coordinator
        .heartbeat("g", first.generation, &first.member_id, Some("host-1"));
    assert_eq!(fenced, Some(ErrorCode::FencedInstanceId));
    let commit = h
        .coordinator
        .commit(
            "g",
            first.generation,
            &first.member_id,
            Some("host-1"),
            vec![(("t".into(), 0), offset(1))],
        )
        .await;
    assert_eq!(commit, Err(ErrorCode::FencedInstanceId));
    // Leaving by instance id alone works for static members.
    let left = h
        .coordinator
        .leave("g", &[(String::new(), Some("host-1".into()))])
        .await;
    assert_eq!(left, [None]);
    assert_eq!(h.state(), GroupState::Empty);
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_static_member_that_stops_heartbeating_expires_too() {
    let h = Harness::start(100);
    let mut request = member("", &["range"]);
    request.instance_id = Some("host-1".into());
    let first = h.join(request).await.unwrap();
    h.sync(sync_request(&first, Vec::new())).await.unwrap();
    sleep(Duration::from_millis(10_001)).await;
    assert_eq!(h.state(), GroupState::Empty);
    h.stop().await;
}

fn offset(offset: i64) -> CommittedOffset {
    CommittedOffset {
        offset,
        leader_epoch: -1,
        metadata: Some(format!("at {offset}")),
        commit_timestamp_ms: 0,
    }
}

#[tokio::test(start_paused = true)]
async fn commits_follow_kafkas_generation_rules() {
    let h = Harness::start(100);
    let c = &h.coordinator;
    let commit = |group: &'static str, generation: i32, member: String| {
        let c = Arc::clone(c);
        async move {
            c.commit(
                group,
                generation,
                &member,
                None,
                vec![(("t".into(), 0), offset(7))],
            )
            .await
        }
    };
    // No group: generation -1 creates an Empty one; a real generation
    // cannot belong to a group that does not exist.
    assert_eq!(commit("solo", -1, String::new()).await, Ok(()));
    assert_eq!(c.state_of("solo"), GroupState::Empty);
    assert_eq!(
        commit("ghost", 3, "m".into()).await,
        Err(ErrorCode::IllegalGeneration)
    );

    let a = h.join(member("", &["range"])).await.unwrap();
    // Waiting for the leader's assignment: members must not commit yet.
    assert_eq!(
        commit("g", a.generation, a.member_id.clone()).await,
        Err(ErrorCode::RebalanceInProgress)
    );
    h.sync(sync_request(&a, Vec::new())).await.unwrap();
    assert_eq!(
        commit("g", -1, String::new()).await,
        Err(ErrorCode::UnknownMemberId),
        "a group with members only takes commits from them"
    );
    assert_eq!(
        commit("g", a.generation + 1, a.member_id.clone()).await,
        Err(ErrorCode::IllegalGeneration)
    );
    assert_eq!(
        commit("g", a.generation, "other".into()).await,
        Err(ErrorCode::UnknownMemberId)
    );
    assert_eq!(commit("g", a.generation, a.member_id.clone()).await, Ok(()));
    let fetched = c.committed("g", Some(&[("t".into(), vec![0, 1])]));
    assert_eq!(fetched.len(), 1);
    assert_eq!(fetched[0].1[0].1.as_ref().unwrap().offset, 7);
    assert_eq!(
        fetched[0].1[0].1.as_ref().unwrap().metadata.as_deref(),
        Some("at 7")
    );
    assert!(fetched[0].1[1].1.is_none(), "partition 1 has no commit");
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn deleting_groups_and_offsets_respects_members_and_subscriptions() {
    let h = Harness::start(100);
    let c = &h.coordinator;
    let joined = stable_group(&h, &["a"]).await;
    let a = &joined[0];
    for topic in ["t", "other"] {
        c.commit(
            "g",
            a.generation,
            &a.member_id,
            None,
            vec![((topic.into(), 0), offset(1))],
        )
        .await
        .unwrap();
    }
    assert_eq!(c.delete("g").await, Err(ErrorCode::NonEmptyGroup));
    assert_eq!(c.delete("nope").await, Err(ErrorCode::GroupIdNotFound));
    let deleted = c
        .delete_offsets("g", &[("t".into(), 0), ("other".into(), 0)])
        .await
        .unwrap();
    assert_eq!(deleted, [Some(ErrorCode::GroupSubscribedToTopic), None]);
    assert_eq!(c.committed("g", None).len(), 1, "only t's offset is left");
    assert_eq!(
        c.delete_offsets("nope", &[("t".into(), 0)]).await,
        Err(ErrorCode::GroupIdNotFound)
    );
    c.leave("g", &[(a.member_id.clone(), None)]).await;
    assert_eq!(c.delete("g").await, Ok(()));
    assert_eq!(c.state_of("g"), GroupState::Dead);
    assert!(c.committed("g", None).is_empty());
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn groups_come_back_empty_with_their_offsets_after_a_reopen() {
    let h = Harness::start(100);
    let joined = stable_group(&h, &["a"]).await;
    let a = &joined[0];
    h.coordinator
        .commit(
            "g",
            a.generation,
            &a.member_id,
            None,
            vec![(("t".into(), 3), offset(42))],
        )
        .await
        .unwrap();
    h.coordinator
        .commit("deleted", -1, "", None, vec![(("t".into(), 0), offset(1))])
        .await
        .unwrap();
    h.coordinator.delete("deleted").await.unwrap();
    let dir = h.stop().await;

    let h = Harness::open(dir, 100);
    let listed = h.coordinator.list();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].group_id, "g");
    assert_eq!(listed[0].state, GroupState::Empty.name());
    assert_eq!(listed[0].protocol_type, "consumer");
    let described = h.coordinator.describe("g");
    assert_eq!(described.state, GroupState::Empty);
    assert!(described.members.is_empty());
    let committed = h.coordinator.committed("g", None);
    assert_eq!(committed[0].0, "t");
    assert_eq!(committed[0].1[0].0, 3);
    assert_eq!(committed[0].1[0].1.as_ref().unwrap().offset, 42);
    // The old member is gone: its heartbeat sends it back to JoinGroup,
    // and the next generation continues the numbering.
    assert_eq!(h.heartbeat(a), Some(ErrorCode::UnknownMemberId));
    let rejoined = h.join(member("", &["range"])).await.unwrap();
    assert_eq!(rejoined.generation, a.generation + 1);
    h.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_consumer_protocol_group_survives_a_restart_with_its_members_and_offsets() {
    let h = Harness::start(100);
    let all: std::collections::BTreeMap<String, i32> = [("t".to_owned(), 2)].into();
    let joined = h
        .coordinator
        .consumer_heartbeat(
            &all,
            ConsumerHeartbeat {
                group_id: "cg".into(),
                member_id: "m1".into(),
                member_epoch: 0,
                rebalance_timeout_ms: 30_000,
                subscribed_topic_names: Some(vec!["t".into()]),
                owned: Some(Assignment::new()),
                ..ConsumerHeartbeat::default()
            },
        )
        .await;
    assert_eq!(joined.error, None);
    h.coordinator
        .commit(
            "cg",
            joined.member_epoch,
            "m1",
            None,
            vec![(("t".into(), 1), offset(7))],
        )
        .await
        .unwrap();
    let dir = h.stop().await;

    let h = Harness::open(dir, 100);
    let listed = h.coordinator.list();
    assert_eq!(
        (
            listed[0].group_id.as_str(),
            listed[0].group_type,
            listed[0].state
        ),
        ("cg", "consumer", "Stable")
    );
    let described = h.coordinator.consumer_describe("cg").unwrap();
    assert_eq!(described.group_epoch, joined.member_epoch);
    assert_eq!(
        h.coordinator.committed("cg", None)[0].1[0]
            .1
            .as_ref()
            .unwrap()
            .offset,
        7
    );
    assert_eq!(described.members.len(), 1);
    assert_eq!(described.members[0].member_epoch, joined.member_epoch);
    // The member carries on with its epoch and assignment: no rejoin.
    let owned = joined.assignment.clone().unwrap();
    let carried_on = h
        .coordinator
        .consumer_heartbeat(
            &all,
            ConsumerHeartbeat {
                group_id: "cg".into(),
                member_id: "m1".into(),
                member_epoch: joined.member_epoch,
                rebalance_timeout_ms: -1,
                owned: Some(owned.clone()),
                ..ConsumerHeartbeat::default()
            },
        )
        .await;
    assert_eq!(carried_on.error, None, "{:?}", carried_on.error_message);
    assert_eq!(carried_on.member_epoch, joined.member_epoch);
    assert_eq!(owned.values().map(|p| p.len()).sum::<usize>(), 2);
    assert_eq!(
        h.coordinator.consumer_describe("cg").unwrap().group_epoch,
        joined.member_epoch
    );
    h.stop().await;
}
