//! Groups and committed offsets survive a clean restart and a kill -9 (with
//! a torn write at the end of the group log for good measure).

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kctl_client::protocol::messages::offset_fetch_request::OffsetFetchRequestGroup;
use kctl_client::protocol::messages::{
    DescribeGroupsRequest, LeaveGroupRequest, ListGroupsRequest, OffsetFetchRequest,
};

use crate::crash::spawn_broker;
use crate::groups::{commit_request, group, join, join_request, sync_request};
use crate::protocol::create_topic;
use crate::support::{RawClient, TestBroker};

/// Every committed (partition → (offset, metadata)) of `group_id` in `topic`.
async fn committed(client: &mut RawClient, group_id: &str) -> BTreeMap<i32, (i64, String)> {
    let fetched = client
        .send(
            8,
            &OffsetFetchRequest::default().with_groups(vec![
                OffsetFetchRequestGroup::default()
                    .with_group_id(group(group_id))
                    .with_topics(None),
            ]),
        )
        .await;
    fetched.groups[0]
        .topics
        .iter()
        .flat_map(|t| t.partitions.iter())
        .map(|p| {
            let metadata = p
                .metadata
                .as_ref()
                .map(|m| m.to_string())
                .unwrap_or_default();
            (p.partition_index, (p.committed_offset, metadata))
        })
        .collect()
}

async fn listed(client: &mut RawClient) -> Vec<(String, String, String)> {
    client
        .send(5, &ListGroupsRequest::default())
        .await
        .groups
        .into_iter()
        .map(|g| {
            (
                g.group_id.to_string(),
                g.protocol_type.to_string(),
                g.group_state.to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn groups_and_offsets_survive_a_clean_restart() {
    let mut broker = TestBroker::start_with(|c| c.group.initial_rebalance_delay_ms = 0).await;
    let mut client = broker.client().await;
    create_topic(&mut client, "t", 2, &[]).await;
    let joined = join(&mut client, 9, join_request("g", "", &["t"])).await;
    client
        .send(5, &sync_request("g", &joined, Vec::new()))
        .await;
    let response = client
        .send(
            9,
            &commit_request(
                "g",
                joined.generation_id,
                joined.member_id.as_str(),
                "t",
                &[(0, 17, Some("checkpoint")), (1, 4, None)],
            ),
        )
        .await;
    assert!(
        response.topics[0]
            .partitions
            .iter()
            .all(|p| p.error_code == 0)
    );
    client
        .send(
            0,
            &LeaveGroupRequest::default()
                .with_group_id(group("g"))
                .with_member_id(joined.member_id.clone()),
        )
        .await;
    client
        .send(
            2,
            &commit_request("solo", -1, "", "t", &[(1, 99, Some("admin"))]),
        )
        .await;
    drop(client);

    broker.restart().await;
    let mut client = broker.client().await;
    assert_eq!(
        listed(&mut client).await,
        [
            ("g".to_owned(), "consumer".to_owned(), "Empty".to_owned()),
            ("solo".to_owned(), String::new(), "Empty".to_owned()),
        ]
    );
    let described = client
        .send(
            5,
            &DescribeGroupsRequest::default().with_groups(vec![group("g")]),
        )
        .await;
    assert_eq!(described.groups[0].group_state.as_str(), "Empty");
    assert_eq!(described.groups[0].protocol_type.as_str(), "consumer");
    assert!(described.groups[0].members.is_empty());
    assert_eq!(
        committed(&mut client, "g").await,
        BTreeMap::from([(0, (17, "checkpoint".into())), (1, (4, String::new()))])
    );
    assert_eq!(
        committed(&mut client, "solo").await,
        BTreeMap::from([(1, (99, "admin".into()))])
    );
    // Generations carry on from where they were: the leave ended
    // generation 1 and made it 2, so the next is 3.
    let rejoined = join(&mut client, 9, join_request("g", "", &["t"])).await;
    assert_eq!(rejoined.error_code, 0);
    assert_eq!(rejoined.generation_id, 3);
}

#[tokio::test]
async fn acknowledged_commits_survive_kill_9_and_a_torn_tail() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, bootstrap) = spawn_broker(dir.path());
    let mut admin = RawClient::connect(&bootstrap).await;
    create_topic(&mut admin, "t", 4, &[]).await;

    // A consumer group that completed a generation, then left.
    let joined = join(&mut admin, 9, join_request("members", "", &["t"])).await;
    admin
        .send(5, &sync_request("members", &joined, Vec::new()))
        .await;

    // Committers stream ever larger offsets; only acknowledged ones count.
    let acked: Arc<Mutex<BTreeMap<i32, i64>>> = Arc::default();
    let mut committers = Vec::new();
    for partition in 0..4 {
        let acked = Arc::clone(&acked);
        let bootstrap = bootstrap.clone();
        committers.push(tokio::spawn(async move {
            let mut client = RawClient::connect(&bootstrap).await;
            for offset in 1i64.. {
                let metadata = format!("at-{offset}");
                let request = commit_request(
                    "streaming",
                    -1,
                    "",
                    "t",
                    &[(partition, offset, Some(&metadata))],
                );
                let Some(response) = client.try_send(9, &request).await else {
                    return;
                };
                assert_eq!(response.topics[0].partitions[0].error_code, 0);
                acked.lock().unwrap().insert(partition, offset);
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1000)).await;
    child.kill().unwrap(); // SIGKILL: no shutdown path runs
    child.wait().unwrap();
    for committer in committers {
        committer.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert_eq!(acked.len(), 4, "every committer made progress");

    // Half an entry at the end, as a crash in the middle of a write leaves.
    let log = dir.path().join("__groups/groups.log");
    let mut file = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    file.write_all(&[0, 0, 0, 90, 1, 2, 3, 4, b'{', b'"'])
        .unwrap();
    drop(file);

    let (mut child, bootstrap) = spawn_broker(dir.path());
    let mut client = RawClient::connect(&bootstrap).await;
    let stored = committed(&mut client, "streaming").await;
    for (partition, last_acked) in &acked {
        let (offset, metadata) = &stored[partition];
        // The commit in flight at the kill may or may not have landed.
        assert!(
            *offset == *last_acked || *offset == last_acked + 1,
            "partition {partition}: acknowledged {last_acked}, stored {offset}"
        );
        assert_eq!(metadata, &format!("at-{offset}"));
    }
    let groups = listed(&mut client).await;
    assert!(
        groups.contains(&(
            "members".to_owned(),
            "consumer".to_owned(),
            "Empty".to_owned()
        )),
        "{groups:?}"
    );
    // The torn tail is gone and new commits land after the good entries.
    let response = client
        .send(
            9,
            &commit_request("streaming", -1, "", "t", &[(0, 1_000_000, None)]),
        )
        .await;
    assert_eq!(response.topics[0].partitions[0].error_code, 0);
    child.kill().unwrap();
    child.wait().unwrap();
    let (mut child, bootstrap) = spawn_broker(dir.path());
    let mut client = RawClient::connect(&bootstrap).await;
    assert_eq!(committed(&mut client, "streaming").await[&0].0, 1_000_000);
    child.kill().unwrap();
    child.wait().unwrap();
}

/// KIP-848 online migration over the wire, then a restart: a classic
/// member's group is converted by a ConsumerGroupHeartbeat, and after the
/// restart it is still a consumer group holding the classic member (its
/// heartbeats are told to rejoin, not that it is unknown) and the offsets.
#[tokio::test]
async fn a_group_converted_to_the_consumer_protocol_survives_a_restart() {
    use kctl_client::protocol::ErrorCode;
    use kctl_client::protocol::messages::{
        ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse,
        ConsumerGroupHeartbeatResponse, HeartbeatResponse, ListGroupsResponse,
    };

    use crate::consumer_groups::joining;
    use crate::groups::{assignment, heartbeat};

    let mut broker = TestBroker::start_with(|c| c.group.initial_rebalance_delay_ms = 0).await;
    let mut client = broker.client().await;
    create_topic(&mut client, "t", 4, &[]).await;
    let joined = join(&mut client, 9, join_request("g", "", &["t"])).await;
    assert_eq!(joined.error_code, 0);
    client
        .send(
            5,
            &sync_request(
                "g",
                &joined,
                vec![(joined.member_id.clone(), assignment("t", &[0, 1, 2, 3]))],
            ),
        )
        .await;
    let commit = client
        .send(
            9,
            &commit_request(
                "g",
                joined.generation_id,
                joined.member_id.as_str(),
                "t",
                &[(0, 5, None)],
            ),
        )
        .await;
    assert_eq!(commit.topics[0].partitions[0].error_code, 0);

    // The upgrade: a consumer-protocol member joins the classic group.
    let upgraded: ConsumerGroupHeartbeatResponse =
        client.send(0, &joining("g", "modern", &["t"])).await;
    assert_eq!(upgraded.error_code, 0, "{:?}", upgraded.error_message);
    assert_eq!(upgraded.member_epoch, joined.generation_id + 1);
    let beat: HeartbeatResponse = client.send(4, &heartbeat("g", &joined)).await;
    assert_eq!(beat.error_code, ErrorCode::RebalanceInProgress.code());
    drop(client);

    broker.restart().await;
    let mut client = broker.client().await;
    let listed: ListGroupsResponse = client.send(5, &ListGroupsRequest::default()).await;
    assert_eq!(listed.groups.len(), 1);
    assert_eq!(listed.groups[0].group_type.as_str(), "consumer");
    let described: ConsumerGroupDescribeResponse = client
        .send(
            1,
            &ConsumerGroupDescribeRequest::default().with_group_ids(vec![group("g")]),
        )
        .await;
    let mut members: Vec<(String, i8, i32)> = described.groups[0]
        .members
        .iter()
        .map(|m| (m.member_id.to_string(), m.member_type, m.member_epoch))
        .collect();
    members.sort();
    let mut expected = vec![
        (joined.member_id.to_string(), 0, joined.generation_id),
        ("modern".to_owned(), 1, joined.generation_id + 1),
    ];
    expected.sort();
    assert_eq!(members, expected);
    // The classic member is still known: it is told to rejoin.
    let beat: HeartbeatResponse = client.send(4, &heartbeat("g", &joined)).await;
    assert_eq!(beat.error_code, ErrorCode::RebalanceInProgress.code());
    assert_eq!(
        committed(&mut client, "g").await,
        BTreeMap::from([(0, (5, String::new()))])
    );
}
