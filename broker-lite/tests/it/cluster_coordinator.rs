//! Group coordinator state on a local cluster (issue 14): committed offsets
//! live in `__consumer_offsets`, the coordinator is the leader of the
//! group's partition, and a new leader serves what the old one committed.

use std::time::{Duration, Instant};

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::StrBytes;
use kctl_client::protocol::messages::offset_commit_request::{
    OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use kctl_client::protocol::messages::offset_fetch_request::OffsetFetchRequestTopic;
use kctl_client::protocol::messages::{
    ElectLeadersRequest, FindCoordinatorRequest, FindCoordinatorResponse, GroupId,
    OffsetCommitRequest, OffsetCommitResponse, OffsetFetchRequest, OffsetFetchResponse, TopicName,
};

use crate::cluster_support::{TestCluster, create};
use crate::support::RawClient;

const OFFSETS_TOPIC: &str = "__consumer_offsets";
const GROUP: &str = "survivors";

fn s(text: &str) -> StrBytes {
    StrBytes::from_string(text.to_owned())
}

async fn find_coordinator(client: &mut RawClient) -> FindCoordinatorResponse {
    client
        .send(3, &FindCoordinatorRequest::default().with_key(s(GROUP)))
        .await
}

/// Asks `via` until it names a coordinator other than `not`.
async fn wait_for_coordinator(cluster: &TestCluster, via: i32, not: i32) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut client = cluster.client(via).await;
    loop {
        let found = find_coordinator(&mut client).await;
        if found.error_code == 0 && found.node_id.0 != not {
            return found.node_id.0;
        }
        assert!(Instant::now() < deadline, "no new coordinator: {found:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn commit(client: &mut RawClient, offset: i64) -> i16 {
    let request = OffsetCommitRequest::default()
        .with_group_id(GroupId(s(GROUP)))
        .with_generation_id_or_member_epoch(-1)
        .with_topics(vec![
            OffsetCommitRequestTopic::default()
                .with_name(TopicName(s("t")))
                .with_partitions(vec![
                    OffsetCommitRequestPartition::default()
                        .with_partition_index(0)
                        .with_committed_offset(offset),
                ]),
        ]);
    let response: OffsetCommitResponse = client.send(8, &request).await;
    response.topics[0].partitions[0].error_code
}

/// (top-level error, committed offset of t-0).
async fn fetch_offset(client: &mut RawClient) -> (i16, i64) {
    let request = OffsetFetchRequest::default()
        .with_group_id(GroupId(s(GROUP)))
        .with_topics(Some(vec![
            OffsetFetchRequestTopic::default()
                .with_name(TopicName(s("t")))
                .with_partition_indexes(vec![0]),
        ]));
    let response: OffsetFetchResponse = client.send(7, &request).await;
    let offset = response
        .topics
        .first()
        .and_then(|t| t.partitions.first())
        .map_or(-1, |p| p.committed_offset);
    (response.error_code, offset)
}

/// Polls node `id` until OffsetFetch answers without error; the codes seen
/// before that must be the ones Kafka answers during a move.
async fn fetch_when_loaded(cluster: &TestCluster, id: i32) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut client = cluster.client(id).await;
    loop {
        let (code, offset) = fetch_offset(&mut client).await;
        if code == 0 {
            return offset;
        }
        assert!(
            [
                ErrorCode::CoordinatorLoadInProgress.code(),
                ErrorCode::NotCoordinator.code(),
                ErrorCode::CoordinatorNotAvailable.code()
            ]
            .contains(&code),
            "unexpected OffsetFetch error {code}"
        );
        assert!(Instant::now() < deadline, "node {id} still answers {code}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn committed_offsets_survive_a_kill_of_the_coordinator() {
    let cluster = TestCluster::start(3, &[("auto.leader.rebalance.enable", "false")]).await;
    let mut c1 = cluster.client(1).await;
    assert_eq!(create(&mut c1, "t", 1, 3, &[], &[]).await, 0);

    // The first FindCoordinator creates __consumer_offsets (RF 3) and
    // answers COORDINATOR_NOT_AVAILABLE until its partition has a leader.
    let first = find_coordinator(&mut c1).await;
    assert_eq!(
        first.error_code,
        ErrorCode::CoordinatorNotAvailable.code(),
        "{first:?}"
    );
    let coordinator = wait_for_coordinator(&cluster, 1, -1).await;
    // Kafka's partitionFor: abs("survivors".hashCode()) % 50.
    let partition = broker_lite::cluster::coordinator_log::partition_for(GROUP, 50);
    let (leader, _, _) = cluster
        .wait_for(
            &[1, 2, 3],
            OFFSETS_TOPIC,
            partition,
            Duration::from_secs(5),
            "offsets partition in sync",
            |p| p.2.len() == 3,
        )
        .await;
    assert_eq!(leader, coordinator);

    let mut on_coordinator = cluster.client(coordinator).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let code = commit(&mut on_coordinator, 42).await;
        if code == 0 {
            break;
        }
        assert_eq!(code, ErrorCode::CoordinatorLoadInProgress.code());
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let other = (1..=3).find(|id| *id != coordinator).unwrap();
    let mut on_other = cluster.client(other).await;
    assert_eq!(
        commit(&mut on_other, 7).await,
        ErrorCode::NotCoordinator.code(),
        "a node that does not lead the partition refuses the group"
    );
    assert_eq!(
        fetch_offset(&mut on_other).await.0,
        ErrorCode::NotCoordinator.code()
    );

    // kill -9: whatever the coordinator acknowledged is on the ISR.
    cluster
        .cluster()
        .control(&format!("kill {coordinator}"))
        .await
        .unwrap();
    let new_coordinator = wait_for_coordinator(&cluster, other, coordinator).await;
    assert_eq!(fetch_when_loaded(&cluster, new_coordinator).await, 42);
    let mut on_new = cluster.client(new_coordinator).await;
    assert_eq!(commit(&mut on_new, 43).await, 0);

    // The old coordinator comes back as a follower, catches up, and is made
    // leader again (preferred election): it reloads the partition rather
    // than trusting what it had in memory or on its own disk (42).
    cluster
        .cluster()
        .control(&format!("start {coordinator}"))
        .await
        .unwrap();
    cluster
        .wait_for(
            &[1, 2, 3],
            OFFSETS_TOPIC,
            partition,
            Duration::from_secs(10),
            "offsets partition back in sync",
            |p| p.2.len() == 3,
        )
        .await;
    let elect = ElectLeadersRequest::default()
        .with_election_type(0)
        .with_timeout_ms(5000)
        .with_topic_partitions(Some(vec![
            kctl_client::protocol::messages::elect_leaders_request::TopicPartitions::default()
                .with_topic(TopicName(s(OFFSETS_TOPIC)))
                .with_partitions(vec![partition]),
        ]));
    let elected = on_new.send(2, &elect).await;
    let result = &elected.replica_election_results[0].partition_result[0];
    // The killed node was the preferred (first) replica, since it led the
    // partition from its creation.
    assert_eq!(result.error_code, 0, "{elected:?}");
    let back = wait_for_coordinator(&cluster, other, new_coordinator).await;
    assert_eq!(back, coordinator);
    assert_eq!(fetch_when_loaded(&cluster, back).await, 43);
    assert_eq!(
        fetch_offset(&mut on_new).await.0,
        ErrorCode::NotCoordinator.code(),
        "the former coordinator dropped the group"
    );
    cluster.shutdown().await;
}
