//! The group APIs over the wire, with raw requests: coordinator lookup, a
//! rebalance between two connections, commits and fetches of offsets, and
//! the admin APIs.

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use kctl_client::protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kctl_client::protocol::messages::leave_group_request::MemberIdentity;
use kctl_client::protocol::messages::offset_commit_request::{
    OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use kctl_client::protocol::messages::offset_delete_request::{
    OffsetDeleteRequestPartition, OffsetDeleteRequestTopic,
};
use kctl_client::protocol::messages::offset_fetch_request::{
    OffsetFetchRequestGroup, OffsetFetchRequestTopic, OffsetFetchRequestTopics,
};
use kctl_client::protocol::messages::sync_group_request::SyncGroupRequestAssignment;
use kctl_client::protocol::messages::*;
use kctl_client::protocol::{Decodable, Encodable, ErrorCode, StrBytes};

use crate::protocol::{create_topic, name};
use crate::support::{RawClient, TestBroker};

pub fn group(s: &str) -> GroupId {
    GroupId(StrBytes::from_string(s.to_owned()))
}

pub fn s(value: &str) -> StrBytes {
    StrBytes::from_string(value.to_owned())
}

/// Consumer-protocol subscription metadata (version 1) for `topics`.
pub fn subscription(topics: &[&str]) -> Bytes {
    let mut out = BytesMut::new();
    out.extend_from_slice(&1i16.to_be_bytes());
    ConsumerProtocolSubscription::default()
        .with_topics(topics.iter().map(|t| s(t)).collect())
        .encode(&mut out, 1)
        .unwrap();
    out.freeze()
}

/// A consumer-protocol assignment (version 1) of `partitions` of `topic`.
pub fn assignment(topic: &str, partitions: &[i32]) -> Bytes {
    let mut out = BytesMut::new();
    out.extend_from_slice(&1i16.to_be_bytes());
    ConsumerProtocolAssignment::default()
        .with_assigned_partitions(vec![
            consumer_protocol_assignment::TopicPartition::default()
                .with_topic(name(topic))
                .with_partitions(partitions.to_vec()),
        ])
        .encode(&mut out, 1)
        .unwrap();
    out.freeze()
}

pub fn join_request(group_id: &str, member_id: &str, topics: &[&str]) -> JoinGroupRequest {
    JoinGroupRequest::default()
        .with_group_id(group(group_id))
        .with_session_timeout_ms(10_000)
        .with_rebalance_timeout_ms(10_000)
        .with_member_id(s(member_id))
        .with_protocol_type(s("consumer"))
        .with_protocols(vec![
            JoinGroupRequestProtocol::default()
                .with_name(s("range"))
                .with_metadata(subscription(topics)),
        ])
}

/// JoinGroup, retrying once with the member id a v4+ broker hands out.
pub async fn join(
    client: &mut RawClient,
    version: i16,
    request: JoinGroupRequest,
) -> JoinGroupResponse {
    let response = client.send(version, &request).await;
    if response.error_code == ErrorCode::MemberIdRequired.code() {
        assert!(version >= 4, "MEMBER_ID_REQUIRED at v{version}");
        let retry = request.with_member_id(response.member_id.clone());
        return client.send(version, &retry).await;
    }
    response
}

pub fn sync_request(
    group_id: &str,
    joined: &JoinGroupResponse,
    assignments: Vec<(StrBytes, Bytes)>,
) -> SyncGroupRequest {
    SyncGroupRequest::default()
        .with_group_id(group(group_id))
        .with_generation_id(joined.generation_id)
        .with_member_id(joined.member_id.clone())
        .with_assignments(
            assignments
                .into_iter()
                .map(|(member_id, assignment)| {
                    SyncGroupRequestAssignment::default()
                        .with_member_id(member_id)
                        .with_assignment(assignment)
                })
                .collect(),
        )
}

pub fn heartbeat(group_id: &str, joined: &JoinGroupResponse) -> HeartbeatRequest {
    HeartbeatRequest::default()
        .with_group_id(group(group_id))
        .with_generation_id(joined.generation_id)
        .with_member_id(joined.member_id.clone())
}

pub fn commit_request(
    group_id: &str,
    generation: i32,
    member_id: &str,
    topic: &str,
    offsets: &[(i32, i64, Option<&str>)],
) -> OffsetCommitRequest {
    OffsetCommitRequest::default()
        .with_group_id(group(group_id))
        .with_generation_id_or_member_epoch(generation)
        .with_member_id(s(member_id))
        .with_topics(vec![
            OffsetCommitRequestTopic::default()
                .with_name(name(topic))
                .with_partitions(
                    offsets
                        .iter()
                        .map(|(partition, offset, metadata)| {
                            OffsetCommitRequestPartition::default()
                                .with_partition_index(*partition)
                                .with_committed_offset(*offset)
                                .with_committed_metadata(metadata.map(s))
                        })
                        .collect(),
                ),
        ])
}

fn commit_errors(response: &OffsetCommitResponse) -> Vec<i16> {
    response
        .topics
        .iter()
        .flat_map(|t| t.partitions.iter().map(|p| p.error_code))
        .collect()
}

#[tokio::test]
async fn find_coordinator_names_this_broker_for_groups_and_transactions() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    let port = i32::from(broker.handle.as_ref().unwrap().local_addr().port());
    for version in 0..=3 {
        let response = client
            .send(
                version,
                &FindCoordinatorRequest::default().with_key(s("my-group")),
            )
            .await;
        assert_eq!(response.error_code, 0);
        assert_eq!(response.node_id.0, 0);
        assert_eq!(response.host.as_str(), "127.0.0.1");
        assert_eq!(response.port, port);
    }
    let batched = client
        .send(
            4,
            &FindCoordinatorRequest::default()
                .with_key_type(1)
                .with_coordinator_keys(vec![s("txn-a"), s("txn-b")]),
        )
        .await;
    assert_eq!(batched.coordinators.len(), 2);
    for (coordinator, key) in batched.coordinators.iter().zip(["txn-a", "txn-b"]) {
        assert_eq!(coordinator.key.as_str(), key);
        assert_eq!(coordinator.error_code, 0);
        assert_eq!(coordinator.port, port);
    }
    let unknown_type = client
        .send(
            6,
            &FindCoordinatorRequest::default()
                .with_key_type(5)
                .with_coordinator_keys(vec![s("x")]),
        )
        .await;
    assert_eq!(
        unknown_type.coordinators[0].error_code,
        ErrorCode::InvalidRequest.code()
    );
}

#[tokio::test]
async fn two_connections_rebalance_and_the_left_out_member_gets_a_valid_assignment() {
    let broker = TestBroker::start_with(|c| c.group.initial_rebalance_delay_ms = 0).await;
    let mut a = broker.client().await;
    let mut b = broker.client().await;
    create_topic(&mut a, "orders", 1, &[]).await;

    let a1 = join(&mut a, 5, join_request("g", "", &["orders"])).await;
    assert_eq!(a1.error_code, 0);
    assert_eq!(a1.generation_id, 1);
    assert_eq!(a1.leader, a1.member_id);
    let synced = a
        .send(
            3,
            &sync_request(
                "g",
                &a1,
                vec![(a1.member_id.clone(), assignment("orders", &[0]))],
            ),
        )
        .await;
    assert_eq!(synced.assignment, assignment("orders", &[0]));

    // b's JoinGroup parks until a rejoins: a learns of it by heartbeat.
    let b_join = tokio::spawn(async move {
        let joined = join(&mut b, 5, join_request("g", "", &["orders"])).await;
        (b, joined)
    });
    let started = Instant::now();
    loop {
        let beat = a.send(3, &heartbeat("g", &a1)).await;
        if beat.error_code == ErrorCode::RebalanceInProgress.code() {
            break;
        }
        assert_eq!(beat.error_code, 0);
        assert!(started.elapsed() < Duration::from_secs(10), "no rebalance");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let a2 = join(
        &mut a,
        5,
        join_request("g", a1.member_id.as_str(), &["orders"]),
    )
    .await;
    let (mut b, b2) = b_join.await.unwrap();
    assert_eq!((a2.error_code, b2.error_code), (0, 0));
    assert_eq!((a2.generation_id, b2.generation_id), (2, 2));
    assert_eq!(a2.leader, a1.member_id, "the leader keeps leading");
    assert_eq!(a2.members.len(), 2);
    assert!(b2.members.is_empty());
    let metadata: Vec<&Bytes> = a2.members.iter().map(|m| &m.metadata).collect();
    assert_eq!(
        metadata,
        [&subscription(&["orders"]), &subscription(&["orders"])],
        "member metadata is passed through untouched"
    );

    // b waits for the leader, which keeps the only partition.
    let b_sync = tokio::spawn(async move {
        let synced = b.send(3, &sync_request("g", &b2, Vec::new())).await;
        (b, synced)
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        !b_sync.is_finished(),
        "followers wait for the leader's SyncGroup"
    );
    let leader_sync = a
        .send(
            3,
            &sync_request(
                "g",
                &a2,
                vec![(a2.member_id.clone(), assignment("orders", &[0]))],
            ),
        )
        .await;
    assert_eq!(leader_sync.error_code, 0);
    let (_b, b_synced) = b_sync.await.unwrap();
    assert_eq!(b_synced.error_code, 0);
    let mut body = b_synced.assignment.slice(2..);
    let empty = ConsumerProtocolAssignment::decode(&mut body, 1).unwrap();
    assert!(empty.assigned_partitions.is_empty());

    let described = a
        .send(
            5,
            &DescribeGroupsRequest::default().with_groups(vec![group("g"), group("nope")]),
        )
        .await;
    let g = &described.groups[0];
    assert_eq!(g.group_state.as_str(), "Stable");
    assert_eq!(g.protocol_type.as_str(), "consumer");
    assert_eq!(g.protocol_data.as_str(), "range");
    assert_eq!(g.authorized_operations, i32::MIN);
    assert_eq!(g.members.len(), 2);
    for member in &g.members {
        assert_eq!(member.client_id.as_str(), "broker-lite-tests");
        assert_eq!(member.client_host.as_str(), "/127.0.0.1");
        assert_eq!(member.member_metadata, subscription(&["orders"]));
    }
    assert_eq!(g.members[0].member_assignment, assignment("orders", &[0]));
    assert_eq!(g.members[1].member_assignment, b_synced.assignment);
    assert_eq!(described.groups[1].group_state.as_str(), "Dead");
    assert_eq!(described.groups[1].error_code, 0);

    let listed = |filter: &[&str]| {
        ListGroupsRequest::default().with_states_filter(filter.iter().map(|f| s(f)).collect())
    };
    let stable = a.send(4, &listed(&["stable"])).await;
    assert_eq!(stable.groups.len(), 1);
    assert_eq!(stable.groups[0].group_state.as_str(), "Stable");
    assert!(a.send(4, &listed(&["Empty"])).await.groups.is_empty());

    // Both leave in one batched request (v3+); the group is Empty again.
    let left = a
        .send(
            5,
            &LeaveGroupRequest::default()
                .with_group_id(group("g"))
                .with_members(vec![
                    MemberIdentity::default().with_member_id(a2.member_id.clone()),
                    MemberIdentity::default().with_member_id(s("stranger")),
                    MemberIdentity::default().with_member_id(b_synced_member(&a2)),
                ]),
        )
        .await;
    let errors: Vec<i16> = left.members.iter().map(|m| m.error_code).collect();
    assert_eq!(errors, [0, ErrorCode::UnknownMemberId.code(), 0]);
    let empty = a.send(5, &listed(&["Empty"])).await;
    assert_eq!(empty.groups[0].group_id.as_str(), "g");
    assert_eq!(empty.groups[0].group_type.as_str(), "classic");
}

/// The member id that is not the leader's, from the leader's member list.
fn b_synced_member(leader: &JoinGroupResponse) -> StrBytes {
    leader
        .members
        .iter()
        .find(|m| m.member_id != leader.member_id)
        .unwrap()
        .member_id
        .clone()
}

#[tokio::test]
async fn closing_a_connection_leaves_the_member_in_the_group() {
    let broker = TestBroker::start_with(|c| c.group.initial_rebalance_delay_ms = 0).await;
    let mut first = broker.client().await;
    let joined = join(&mut first, 9, join_request("g", "", &["t"])).await;
    first.send(5, &sync_request("g", &joined, Vec::new())).await;
    drop(first);
    let mut second = broker.client().await;
    let beat = second.send(4, &heartbeat("g", &joined)).await;
    assert_eq!(beat.error_code, 0);
}

#[tokio::test]
async fn a_parked_join_ends_with_the_broker() {
    let mut broker = TestBroker::start_with(|c| c.group.initial_rebalance_delay_ms = 60_000).await;
    let mut waiter = broker.client().await;
    // v3: no MEMBER_ID_REQUIRED, so this parks on the 60 s initial delay.
    waiter.write(3, &join_request("slow", "", &["t"])).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut other = broker.client().await;
    let listed = other.send(4, &ListGroupsRequest::default()).await;
    assert_eq!(listed.groups[0].group_state.as_str(), "PreparingRebalance");
    let started = Instant::now();
    broker.handle.take().unwrap().shutdown().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "shutdown waited for the parked JoinGroup ({:?})",
        started.elapsed()
    );
    assert!(waiter.is_closed().await);
}

#[tokio::test]
async fn commits_and_fetches_follow_kafka() {
    let broker = TestBroker::start_with(|c| c.group.initial_rebalance_delay_ms = 0).await;
    let mut client = broker.client().await;
    create_topic(&mut client, "t", 3, &[]).await;

    // A standalone consumer or admin tool: generation -1, no member id.
    let committed = client
        .send(
            2,
            &commit_request(
                "solo",
                -1,
                "",
                "t",
                &[(0, 10, Some("first")), (1, 20, None)],
            ),
        )
        .await;
    assert_eq!(commit_errors(&committed), [0, 0]);
    let too_large = "m".repeat(4097);
    let committed = client
        .send(
            9,
            &commit_request(
                "solo",
                -1,
                "",
                "t",
                &[(2, 5, Some(&too_large)), (0, 11, Some("second"))],
            ),
        )
        .await;
    assert_eq!(
        commit_errors(&committed),
        [ErrorCode::OffsetMetadataTooLarge.code(), 0]
    );
    let unknown = client
        .send(8, &commit_request("solo", -1, "", "nope", &[(0, 1, None)]))
        .await;
    assert_eq!(
        commit_errors(&unknown),
        [ErrorCode::UnknownTopicOrPartition.code()]
    );
    let out_of_range = client
        .send(8, &commit_request("solo", -1, "", "t", &[(7, 1, None)]))
        .await;
    assert_eq!(
        commit_errors(&out_of_range),
        [ErrorCode::UnknownTopicOrPartition.code()]
    );
    let ghost = client
        .send(8, &commit_request("ghost", 4, "m", "t", &[(0, 1, None)]))
        .await;
    assert_eq!(commit_errors(&ghost), [ErrorCode::IllegalGeneration.code()]);

    // v1..7: one group; a partition without a commit answers -1 and "".
    for version in 1..=7 {
        let fetched = client
            .send(
                version,
                &OffsetFetchRequest::default()
                    .with_group_id(group("solo"))
                    .with_topics(Some(vec![
                        OffsetFetchRequestTopic::default()
                            .with_name(name("t"))
                            .with_partition_indexes(vec![0, 1, 2]),
                    ]))
                    .with_require_stable(version >= 7),
            )
            .await;
        let partitions = &fetched.topics[0].partitions;
        let offsets: Vec<(i64, &str)> = partitions
            .iter()
            .map(|p| (p.committed_offset, p.metadata.as_ref().unwrap().as_str()))
            .collect();
        assert_eq!(offsets, [(11, "second"), (20, ""), (-1, "")], "v{version}");
        assert!(partitions.iter().all(|p| p.error_code == 0));
    }
    // v2+: null topics means everything the group committed.
    let all = client
        .send(
            2,
            &OffsetFetchRequest::default()
                .with_group_id(group("solo"))
                .with_topics(None),
        )
        .await;
    assert_eq!(all.topics.len(), 1);
    assert_eq!(all.topics[0].partitions.len(), 2);

    // v8+: several groups at once, one of them unknown.
    let multi = client
        .send(
            8,
            &OffsetFetchRequest::default().with_groups(vec![
                OffsetFetchRequestGroup::default()
                    .with_group_id(group("solo"))
                    .with_topics(None),
                OffsetFetchRequestGroup::default()
                    .with_group_id(group("unknown"))
                    .with_topics(Some(vec![
                        OffsetFetchRequestTopics::default()
                            .with_name(name("t"))
                            .with_partition_indexes(vec![0]),
                    ])),
            ]),
        )
        .await;
    assert_eq!(multi.groups.len(), 2);
    let solo: Vec<(i32, i64)> = multi.groups[0].topics[0]
        .partitions
        .iter()
        .map(|p| (p.partition_index, p.committed_offset))
        .collect();
    assert_eq!(solo, [(0, 11), (1, 20)]);
    assert_eq!(multi.groups[1].error_code, 0);
    assert_eq!(multi.groups[1].topics[0].partitions[0].committed_offset, -1);

    // A group with members only takes commits from its current generation.
    let joined = join(&mut client, 9, join_request("live", "", &["t"])).await;
    let rebalancing = client
        .send(
            9,
            &commit_request(
                "live",
                joined.generation_id,
                joined.member_id.as_str(),
                "t",
                &[(0, 1, None)],
            ),
        )
        .await;
    assert_eq!(
        commit_errors(&rebalancing),
        [ErrorCode::RebalanceInProgress.code()],
        "no commits while the assignment is being handed out"
    );
    client
        .send(5, &sync_request("live", &joined, Vec::new()))
        .await;
    let cases = [
        (-1, "", ErrorCode::UnknownMemberId.code()),
        (
            joined.generation_id + 1,
            joined.member_id.as_str(),
            ErrorCode::IllegalGeneration.code(),
        ),
        (
            joined.generation_id,
            "someone-else",
            ErrorCode::UnknownMemberId.code(),
        ),
        (joined.generation_id, joined.member_id.as_str(), 0),
    ];
    for (generation, member, expected) in cases {
        let response = client
            .send(
                9,
                &commit_request("live", generation, member, "t", &[(0, 3, Some("meta"))]),
            )
            .await;
        assert_eq!(
            commit_errors(&response),
            [expected],
            "{generation} {member}"
        );
    }
}

#[tokio::test]
async fn groups_and_their_offsets_are_deleted_like_kafka_does() {
    let broker = TestBroker::start_with(|c| c.group.initial_rebalance_delay_ms = 0).await;
    let mut client = broker.client().await;
    create_topic(&mut client, "sub", 1, &[]).await;
    create_topic(&mut client, "other", 1, &[]).await;
    let joined = join(&mut client, 9, join_request("busy", "", &["sub"])).await;
    client
        .send(5, &sync_request("busy", &joined, Vec::new()))
        .await;
    for topic in ["sub", "other"] {
        let response = client
            .send(
                9,
                &commit_request(
                    "busy",
                    joined.generation_id,
                    joined.member_id.as_str(),
                    topic,
                    &[(0, 5, None)],
                ),
            )
            .await;
        assert_eq!(commit_errors(&response), [0]);
    }
    let delete_offsets = |topics: &[&str]| {
        OffsetDeleteRequest::default()
            .with_group_id(group("busy"))
            .with_topics(
                topics
                    .iter()
                    .map(|t| {
                        OffsetDeleteRequestTopic::default()
                            .with_name(name(t))
                            .with_partitions(vec![
                                OffsetDeleteRequestPartition::default().with_partition_index(0),
                            ])
                    })
                    .collect(),
            )
    };
    let deleted = client
        .send(0, &delete_offsets(&["sub", "other", "missing"]))
        .await;
    assert_eq!(deleted.error_code, 0);
    let errors: Vec<i16> = deleted
        .topics
        .iter()
        .map(|t| t.partitions[0].error_code)
        .collect();
    assert_eq!(
        errors,
        [
            ErrorCode::GroupSubscribedToTopic.code(),
            0,
            ErrorCode::UnknownTopicOrPartition.code()
        ]
    );
    let unknown_group = client
        .send(
            0,
            &delete_offsets(&["sub"]).with_group_id(group("no-such-group")),
        )
        .await;
    assert_eq!(unknown_group.error_code, ErrorCode::GroupIdNotFound.code());

    let delete = |groups: &[&str]| {
        DeleteGroupsRequest::default().with_groups_names(groups.iter().map(|g| group(g)).collect())
    };
    let refused = client.send(2, &delete(&["busy", "no-such-group"])).await;
    let errors: Vec<i16> = refused.results.iter().map(|r| r.error_code).collect();
    assert_eq!(
        errors,
        [
            ErrorCode::NonEmptyGroup.code(),
            ErrorCode::GroupIdNotFound.code()
        ]
    );
    let left = client
        .send(
            0,
            &LeaveGroupRequest::default()
                .with_group_id(group("busy"))
                .with_member_id(joined.member_id.clone()),
        )
        .await;
    assert_eq!(left.error_code, 0);
    let deleted = client.send(1, &delete(&["busy"])).await;
    assert_eq!(deleted.results[0].error_code, 0);
    let fetched = client
        .send(
            8,
            &OffsetFetchRequest::default().with_groups(vec![
                OffsetFetchRequestGroup::default()
                    .with_group_id(group("busy"))
                    .with_topics(None),
            ]),
        )
        .await;
    assert!(
        fetched.groups[0].topics.is_empty(),
        "offsets went with the group"
    );
}
