//! KIP-848 consumer groups on the wire: ConsumerGroupHeartbeat and
//! ConsumerGroupDescribe at every advertised version, topic ids in
//! assignments, ListGroups v5's type, commits with the member epoch.

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::messages::consumer_group_heartbeat_request::TopicPartitions;
use kctl_client::protocol::messages::*;

use crate::crash::spawn_broker;
use crate::groups::{commit_request, group, s};
use crate::protocol::{create_topic, name};
use crate::support::{RawClient, TestBroker};

fn heartbeat(group_id: &str, member_id: &str, epoch: i32) -> ConsumerGroupHeartbeatRequest {
    ConsumerGroupHeartbeatRequest::default()
        .with_group_id(group(group_id))
        .with_member_id(s(member_id))
        .with_member_epoch(epoch)
        .with_rebalance_timeout_ms(if epoch == 0 { 30_000 } else { -1 })
}

pub(crate) fn joining(
    group_id: &str,
    member_id: &str,
    topics: &[&str],
) -> ConsumerGroupHeartbeatRequest {
    heartbeat(group_id, member_id, 0)
        .with_subscribed_topic_names(Some(topics.iter().map(|t| name(t)).collect()))
        .with_topic_partitions(Some(Vec::new()))
}

async fn topic_id(client: &mut RawClient, topic: &str) -> uuid::Uuid {
    let metadata: MetadataResponse = client
        .send(
            12,
            &MetadataRequest::default().with_topics(Some(vec![
                metadata_request::MetadataRequestTopic::default().with_name(Some(name(topic))),
            ])),
        )
        .await;
    metadata.topics[0].topic_id
}

#[tokio::test]
async fn members_get_assignments_by_topic_id_and_are_described_and_listed() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    create_topic(&mut client, "cg-t", 4, &[]).await;
    let id = topic_id(&mut client, "cg-t").await;

    let a = client.send(1, &joining("cg", "member-a", &["cg-t"])).await;
    assert_eq!(a.error_code, 0, "{:?}", a.error_message);
    assert_eq!(a.member_id.as_deref(), Some("member-a"));
    assert_eq!(a.member_epoch, 1);
    assert_eq!(a.heartbeat_interval_ms, 5000);
    let assignment = a.assignment.expect("an assignment on join");
    assert_eq!(assignment.topic_partitions.len(), 1);
    assert_eq!(assignment.topic_partitions[0].topic_id, id);
    assert_eq!(assignment.topic_partitions[0].partitions, vec![0, 1, 2, 3]);

    // v0: the coordinator names the member.
    let b = client.send(0, &joining("cg", "", &["cg-t"])).await;
    assert_eq!(b.error_code, 0, "{:?}", b.error_message);
    let b_id = b.member_id.clone().unwrap();
    assert!(!b_id.is_empty());
    assert_eq!(b.member_epoch, 2);
    assert!(b.assignment.unwrap().topic_partitions.is_empty());

    // a must revoke two partitions before b gets them.
    let owned_all = vec![
        TopicPartitions::default()
            .with_topic_id(id)
            .with_partitions(vec![0, 1, 2, 3]),
    ];
    let a2 = client
        .send(
            1,
            &heartbeat("cg", "member-a", 1).with_topic_partitions(Some(owned_all)),
        )
        .await;
    assert_eq!(a2.member_epoch, 1, "stays at its epoch until it revokes");
    let kept = a2.assignment.unwrap().topic_partitions[0]
        .partitions
        .clone();
    assert_eq!(kept.len(), 2);
    let a3 = client
        .send(
            1,
            &heartbeat("cg", "member-a", 1).with_topic_partitions(Some(vec![
                TopicPartitions::default()
                    .with_topic_id(id)
                    .with_partitions(kept.clone()),
            ])),
        )
        .await;
    assert_eq!(a3.member_epoch, 2);
    let b2 = client.send(1, &heartbeat("cg", &b_id, 2)).await;
    let b_parts = b2.assignment.unwrap().topic_partitions[0]
        .partitions
        .clone();
    assert_eq!(b_parts.len(), 2);
    assert!(b_parts.iter().all(|p| !kept.contains(p)));

    // A commit must carry the member's current epoch.
    let commit: OffsetCommitResponse = client
        .send(
            9,
            &commit_request("cg", 2, "member-a", "cg-t", &[(kept[0], 5, None)]),
        )
        .await;
    assert_eq!(commit.topics[0].partitions[0].error_code, 0);
    let stale: OffsetCommitResponse = client
        .send(
            9,
            &commit_request("cg", 1, "member-a", "cg-t", &[(kept[0], 6, None)]),
        )
        .await;
    assert_eq!(
        stale.topics[0].partitions[0].error_code,
        ErrorCode::StaleMemberEpoch.code()
    );

    for version in 0..=1 {
        let described: ConsumerGroupDescribeResponse = client
            .send(
                version,
                &ConsumerGroupDescribeRequest::default()
                    .with_group_ids(vec![group("cg"), group("missing")]),
            )
            .await;
        let cg = &described.groups[0];
        assert_eq!(cg.error_code, 0);
        assert_eq!(cg.group_state.as_str(), "Stable");
        assert_eq!((cg.group_epoch, cg.assignment_epoch), (2, 2));
        assert_eq!(cg.assignor_name.as_str(), "uniform");
        assert_eq!(cg.members.len(), 2);
        let a = cg
            .members
            .iter()
            .find(|m| m.member_id.as_str() == "member-a")
            .unwrap();
        assert_eq!(a.subscribed_topic_names, vec![name("cg-t")]);
        assert_eq!(a.assignment.topic_partitions[0].topic_name, name("cg-t"));
        assert_eq!(a.client_host.as_str(), "/127.0.0.1");
        assert_eq!(
            described.groups[1].error_code,
            ErrorCode::GroupIdNotFound.code()
        );
    }

    let listed: ListGroupsResponse = client
        .send(
            5,
            &ListGroupsRequest::default().with_types_filter(vec![s("consumer")]),
        )
        .await;
    assert_eq!(listed.groups.len(), 1);
    assert_eq!(listed.groups[0].group_type.as_str(), "consumer");
    assert_eq!(listed.groups[0].group_state.as_str(), "Stable");
    assert_eq!(listed.groups[0].protocol_type.as_str(), "consumer");

    // Leaving bumps the epoch; the survivor gets everything.
    let left = client.send(1, &heartbeat("cg", &b_id, -1)).await;
    assert_eq!((left.error_code, left.member_epoch), (0, -1));
    let a4 = client.send(1, &heartbeat("cg", "member-a", 2)).await;
    assert_eq!(a4.member_epoch, 3);
    assert_eq!(
        a4.assignment.unwrap().topic_partitions[0].partitions,
        vec![0, 1, 2, 3]
    );
}

/// One member as its client sees it: id, epoch and owned partitions.
struct RawMember {
    id: String,
    epoch: i32,
    owned: Vec<TopicPartitions>,
}

impl RawMember {
    async fn beat(&mut self, client: &mut RawClient, group_id: &str) -> i16 {
        let response = client
            .send(
                1,
                &heartbeat(group_id, &self.id, self.epoch)
                    .with_topic_partitions(Some(self.owned.clone())),
            )
            .await;
        if response.error_code == 0 {
            self.epoch = response.member_epoch;
            if let Some(assignment) = response.assignment {
                self.owned = assignment
                    .topic_partitions
                    .into_iter()
                    .map(|tp| {
                        TopicPartitions::default()
                            .with_topic_id(tp.topic_id)
                            .with_partitions(tp.partitions)
                    })
                    .collect();
            }
        }
        response.error_code
    }

    fn count(&self) -> usize {
        self.owned.iter().map(|tp| tp.partitions.len()).sum()
    }
}

async fn group_epoch(client: &mut RawClient, group_id: &str) -> (i32, usize) {
    let described: ConsumerGroupDescribeResponse = client
        .send(
            1,
            &ConsumerGroupDescribeRequest::default().with_group_ids(vec![group(group_id)]),
        )
        .await;
    let g = &described.groups[0];
    (g.group_epoch, g.members.len())
}

#[tokio::test]
async fn a_consumer_group_survives_kill_9_without_a_rebalance() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, bootstrap) = spawn_broker(dir.path());
    let mut client = RawClient::connect(&bootstrap).await;
    create_topic(&mut client, "cg-r", 4, &[]).await;
    let mut members = Vec::new();
    for id in ["m1", "m2", "m3"] {
        let joined = client.send(1, &joining("cg-r", id, &["cg-r"])).await;
        assert_eq!(joined.error_code, 0, "{:?}", joined.error_message);
        members.push(RawMember {
            id: id.to_owned(),
            epoch: joined.member_epoch,
            owned: Vec::new(),
        });
    }
    for _ in 0..3 {
        for m in &mut members {
            assert_eq!(m.beat(&mut client, "cg-r").await, 0);
        }
    }
    let mut counts: Vec<usize> = members.iter().map(RawMember::count).collect();
    counts.sort_unstable();
    assert_eq!(counts, vec![1, 1, 2]);
    let commit: OffsetCommitResponse = client
        .send(
            9,
            &commit_request("cg-r", members[0].epoch, "m1", "cg-r", &[(0, 3, None)]),
        )
        .await;
    assert_eq!(commit.topics[0].partitions[0].error_code, 0);
    let (epoch_before, _) = group_epoch(&mut client, "cg-r").await;
    let owned_before: Vec<usize> = members.iter().map(RawMember::count).collect();
    drop(client);
    child.kill().unwrap(); // SIGKILL: no shutdown path runs
    child.wait().unwrap();

    let (mut child, bootstrap) = spawn_broker(dir.path());
    let mut client = RawClient::connect(&bootstrap).await;
    assert_eq!(group_epoch(&mut client, "cg-r").await, (epoch_before, 3));
    // Every member carries on with its epoch and partitions: no rejoin,
    // no new group epoch.
    for m in &mut members {
        let epoch = m.epoch;
        assert_eq!(m.beat(&mut client, "cg-r").await, 0, "{}", m.id);
        assert_eq!(m.epoch, epoch);
    }
    assert_eq!(
        members.iter().map(RawMember::count).collect::<Vec<_>>(),
        owned_before
    );
    assert_eq!(group_epoch(&mut client, "cg-r").await, (epoch_before, 3));
    let fetched: OffsetFetchResponse = client
        .send(
            8,
            &OffsetFetchRequest::default().with_groups(vec![
                offset_fetch_request::OffsetFetchRequestGroup::default()
                    .with_group_id(group("cg-r"))
                    .with_topics(None),
            ]),
        )
        .await;
    assert_eq!(
        fetched.groups[0].topics[0].partitions[0].committed_offset,
        3
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test]
async fn offset_fetch_and_commit_check_the_member_and_its_epoch() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    create_topic(&mut client, "cg-e", 1, &[]).await;
    let joined = client.send(1, &joining("cg-e", "m", &["cg-e"])).await;
    assert_eq!(joined.error_code, 0);
    let epoch = joined.member_epoch;
    let fetch = |member_id: Option<&str>, member_epoch: i32| {
        OffsetFetchRequest::default().with_groups(vec![
            offset_fetch_request::OffsetFetchRequestGroup::default()
                .with_group_id(group("cg-e"))
                .with_member_id(member_id.map(s))
                .with_member_epoch(member_epoch)
                .with_topics(None),
        ])
    };
    let fetched = |response: OffsetFetchResponse| response.groups[0].error_code;
    let ok = client.send(9, &fetch(Some("m"), epoch)).await;
    assert_eq!(fetched(ok), 0);
    let admin = client.send(9, &fetch(None, -1)).await;
    assert_eq!(fetched(admin), 0, "admin tools name no member");
    let stale = client.send(9, &fetch(Some("m"), epoch - 1)).await;
    assert_eq!(fetched(stale), ErrorCode::StaleMemberEpoch.code());
    let stranger = client.send(9, &fetch(Some("x"), epoch)).await;
    assert_eq!(fetched(stranger), ErrorCode::UnknownMemberId.code());
    let nameless = client.send(9, &fetch(None, epoch)).await;
    assert_eq!(fetched(nameless), ErrorCode::UnknownMemberId.code());
    // v8 has no member fields: nothing to check.
    let v8 = client.send(8, &fetch(None, -1)).await;
    assert_eq!(fetched(v8), 0);

    // Members must commit with v9+; strangers get UNKNOWN_MEMBER_ID.
    let old: OffsetCommitResponse = client
        .send(
            8,
            &commit_request("cg-e", epoch, "m", "cg-e", &[(0, 1, None)]),
        )
        .await;
    assert_eq!(
        old.topics[0].partitions[0].error_code,
        ErrorCode::UnsupportedVersion.code()
    );
    let stranger: OffsetCommitResponse = client
        .send(
            9,
            &commit_request("cg-e", epoch, "x", "cg-e", &[(0, 1, None)]),
        )
        .await;
    assert_eq!(
        stranger.topics[0].partitions[0].error_code,
        ErrorCode::UnknownMemberId.code()
    );
    let current: OffsetCommitResponse = client
        .send(
            9,
            &commit_request("cg-e", epoch, "m", "cg-e", &[(0, 1, None)]),
        )
        .await;
    assert_eq!(current.topics[0].partitions[0].error_code, 0);
}
