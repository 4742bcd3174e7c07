//! `__consumer_offsets` is compacted (issue 14): records are keyed as Kafka
//! keys them, an offset by (group, topic, partition) and a group by its id,
//! with tombstones for deletes, so the log cleaner keeps exactly the latest
//! state. A coordinator elected onto a compacted partition loads the same
//! groups and offsets, and a deleted group or offset stays deleted.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use kctl_client::protocol::StrBytes;
use kctl_client::protocol::messages::offset_commit_request::{
    OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use kctl_client::protocol::messages::offset_delete_request::{
    OffsetDeleteRequestPartition, OffsetDeleteRequestTopic,
};
use kctl_client::protocol::messages::offset_fetch_request::OffsetFetchRequestTopic;
use kctl_client::protocol::messages::{
    DeleteGroupsRequest, ElectLeadersRequest, FindCoordinatorRequest, GroupId, ListGroupsRequest,
    OffsetCommitRequest, OffsetCommitResponse, OffsetDeleteRequest, OffsetFetchRequest,
    OffsetFetchResponse, TopicName,
};
use kctl_client::protocol::offsets_topic::OffsetsTopicKey;
use kctl_client::protocol::records::RecordBatchDecoder;

use broker_lite::cluster::coordinator_log::{OFFSETS_TOPIC_PARTITIONS, partition_for};

use crate::cluster_support::{TestCluster, create};
use crate::protocol::fetch;
use crate::support::RawClient;

const OFFSETS_TOPIC: &str = "__consumer_offsets";
const KEEPER: &str = "keeper";

fn s(text: &str) -> StrBytes {
    StrBytes::from_string(text.to_owned())
}

/// A group id that lands on the same `__consumer_offsets` partition as
/// `KEEPER`, so both live in the one log under test.
fn neighbour_of_keeper() -> String {
    let partition = partition_for(KEEPER, OFFSETS_TOPIC_PARTITIONS);
    (0..)
        .map(|i| format!("gone-{i}"))
        .find(|g| partition_for(g, OFFSETS_TOPIC_PARTITIONS) == partition)
        .unwrap()
}

/// The coordinator node of `group`, asked of `via`, once it is not `not`.
async fn coordinator(cluster: &TestCluster, via: i32, group: &str, not: i32) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut client = cluster.client(via).await;
    loop {
        let found = client
            .send(3, &FindCoordinatorRequest::default().with_key(s(group)))
            .await;
        if found.error_code == 0 && found.node_id.0 != not {
            return found.node_id.0;
        }
        assert!(Instant::now() < deadline, "no coordinator: {found:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn commit(client: &mut RawClient, group: &str, partition: i32, offset: i64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let request = OffsetCommitRequest::default()
            .with_group_id(GroupId(s(group)))
            .with_generation_id_or_member_epoch(-1)
            .with_topics(vec![
                OffsetCommitRequestTopic::default()
                    .with_name(TopicName(s("t")))
                    .with_partitions(vec![
                        OffsetCommitRequestPartition::default()
                            .with_partition_index(partition)
                            .with_committed_offset(offset),
                    ]),
            ]);
        let response: OffsetCommitResponse = client.send(8, &request).await;
        let code = response.topics[0].partitions[0].error_code;
        if code == 0 {
            return;
        }
        // The first commits may meet the partition still loading.
        assert!(
            Instant::now() < deadline,
            "commit {group} t-{partition}: {code}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The committed offsets of `group` for t-0..t-2 (−1: none), once the node
/// serves the group (retrying while it loads).
async fn committed(cluster: &TestCluster, id: i32, group: &str) -> Vec<i64> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut client = cluster.client(id).await;
    loop {
        let request = OffsetFetchRequest::default()
            .with_group_id(GroupId(s(group)))
            .with_topics(Some(vec![
                OffsetFetchRequestTopic::default()
                    .with_name(TopicName(s("t")))
                    .with_partition_indexes(vec![0, 1, 2]),
            ]));
        let response: OffsetFetchResponse = client.send(7, &request).await;
        if response.error_code == 0 {
            return response.topics[0]
                .partitions
                .iter()
                .map(|p| p.committed_offset)
                .collect();
        }
        assert!(
            Instant::now() < deadline,
            "node {id}: {}",
            response.error_code
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn listed_groups(client: &mut RawClient) -> Vec<String> {
    let response = client.send(4, &ListGroupsRequest::default()).await;
    assert_eq!(response.error_code, 0);
    let mut groups: Vec<String> = response
        .groups
        .iter()
        .map(|g| g.group_id.0.to_string())
        .collect();
    groups.sort();
    groups
}

/// Every record of a partition (from its leader `client`), as (offset,
/// key, whether it is a tombstone), up to the high watermark.
async fn records(client: &mut RawClient, partition: i32) -> Vec<(i64, OffsetsTopicKey, bool)> {
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let data = fetch(client, OFFSETS_TOPIC, partition, offset).await;
        assert_eq!(data.error_code, 0, "fetch @{offset}");
        let mut rest: Bytes = data.records.clone().unwrap_or_default();
        let mut last = None;
        while !rest.is_empty() {
            let set = RecordBatchDecoder::decode(&mut rest).unwrap();
            for r in set.records {
                last = Some(r.offset);
                if r.offset >= offset {
                    let key = OffsetsTopicKey::decode(&r.key.unwrap()).unwrap();
                    out.push((r.offset, key, r.value.is_none()));
                }
            }
        }
        match last {
            Some(last) => offset = last + 1,
            None => return out,
        }
    }
}

fn offset_key(group: &str, partition: i32) -> OffsetsTopicKey {
    OffsetsTopicKey::Offset {
        group: group.into(),
        topic: "t".into(),
        partition,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compacted_offsets_partition_loads_the_same_groups_and_offsets() {
    let cluster = TestCluster::start(
        3,
        &[
            ("auto.leader.rebalance.enable", "false"),
            // Leadership moves only when the test moves it (a clean stop),
            // not because a loaded machine delayed a heartbeat.
            ("broker.session.timeout.ms", "6000"),
            // Small segments, a busy cleaner and tombstones dropped at the
            // second pass, so compaction happens within the test.
            ("log.segment.bytes", "1024"),
            ("log.cleaner.backoff.ms", "100"),
            ("log.cleaner.delete.retention.ms", "0"),
        ],
    )
    .await;
    let mut c1 = cluster.client(1).await;
    assert_eq!(create(&mut c1, "t", 3, 3, &[], &[]).await, 0);
    let gone = neighbour_of_keeper();
    let partition = partition_for(KEEPER, OFFSETS_TOPIC_PARTITIONS);
    let first = coordinator(&cluster, 1, KEEPER, -1).await;
    let mut on_first = cluster.client(first).await;

    // History: t-0 committed 20 times, t-1 committed then its offset
    // deleted, a whole group committed then deleted, then enough commits of
    // t-2 to close the segments holding the rest.
    for offset in 1..=20 {
        commit(&mut on_first, KEEPER, 0, offset).await;
    }
    commit(&mut on_first, KEEPER, 1, 5).await;
    let deleted = on_first
        .send(
            0,
            &OffsetDeleteRequest::default()
                .with_group_id(GroupId(s(KEEPER)))
                .with_topics(vec![
                    OffsetDeleteRequestTopic::default()
                        .with_name(TopicName(s("t")))
                        .with_partitions(vec![
                            OffsetDeleteRequestPartition::default().with_partition_index(1),
                        ]),
                ]),
        )
        .await;
    assert_eq!(deleted.error_code, 0, "{deleted:?}");
    commit(&mut on_first, &gone, 0, 9).await;
    let deleted = on_first
        .send(
            2,
            &DeleteGroupsRequest::default().with_groups_names(vec![GroupId(s(&gone))]),
        )
        .await;
    assert_eq!(deleted.results[0].error_code, 0, "{deleted:?}");
    for offset in 1..=10 {
        commit(&mut on_first, KEEPER, 2, offset).await;
    }
    let want = vec![20, -1, 10];
    assert_eq!(committed(&cluster, first, KEEPER).await, want);

    // The leader's cleaner compacts the partition: one record for t-0, and
    // the deletes' tombstones gone with the records they deleted.
    let deadline = Instant::now() + Duration::from_secs(15);
    let compacted = loop {
        let log = records(&mut on_first, partition).await;
        let count = |key: &OffsetsTopicKey| log.iter().filter(|(_, k, _)| k == key).count();
        let of_gone = log.iter().filter(|(_, k, _)| k.group() == gone).count();
        if count(&offset_key(KEEPER, 0)) == 1 && count(&offset_key(KEEPER, 1)) == 0 && of_gone == 0
        {
            break log;
        }
        assert!(
            Instant::now() < deadline,
            "not compacted: {} records, {} of t-0, {} of t-1, {of_gone} of {gone}",
            log.len(),
            count(&offset_key(KEEPER, 0)),
            count(&offset_key(KEEPER, 1))
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let per_key: BTreeMap<&OffsetsTopicKey, usize> =
        compacted.iter().fold(BTreeMap::new(), |mut m, (_, k, _)| {
            *m.entry(k).or_default() += 1;
            m
        });
    eprintln!(
        "compacted: {} records left of {}: {per_key:?}",
        compacted.len(),
        compacted.last().map_or(0, |(o, _, _)| o + 1)
    );
    assert!(compacted.iter().all(|(_, _, tombstone)| !tombstone));

    // Leadership moves away (stop) and back (preferred election after the
    // restart): the first node, whose log was compacted above, loads the
    // partition again from it.
    cluster
        .cluster()
        .control(&format!("stop {first}"))
        .await
        .unwrap();
    let other = (1..=3).find(|id| *id != first).unwrap();
    let second = coordinator(&cluster, other, KEEPER, first).await;
    assert_eq!(committed(&cluster, second, KEEPER).await, want);
    cluster
        .cluster()
        .control(&format!("start {first}"))
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
    let mut on_second = cluster.client(second).await;
    let elect = ElectLeadersRequest::default()
        .with_election_type(0)
        .with_timeout_ms(5000)
        .with_topic_partitions(Some(vec![
            kctl_client::protocol::messages::elect_leaders_request::TopicPartitions::default()
                .with_topic(TopicName(s(OFFSETS_TOPIC)))
                .with_partitions(vec![partition]),
        ]));
    let elected = on_second.send(2, &elect).await;
    assert_eq!(
        elected.replica_election_results[0].partition_result[0].error_code, 0,
        "{elected:?}"
    );
    let back = coordinator(&cluster, other, KEEPER, second).await;
    assert_eq!(back, first);
    assert_eq!(committed(&cluster, back, KEEPER).await, want);
    assert_eq!(committed(&cluster, back, &gone).await, vec![-1, -1, -1]);
    let mut on_back = cluster.client(back).await;
    let listed = listed_groups(&mut on_back).await;
    assert!(listed.contains(&KEEPER.to_owned()), "{listed:?}");
    assert!(
        !listed.contains(&gone),
        "a deleted group came back: {listed:?}"
    );
    // What it serves is the compacted log: one record of t-0. Read up to
    // its high watermark, which a just-elected leader advances only once
    // its followers fetch again (one run read no record of t-0 at all
    // right after the election), so this waits a bounded while.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let reloaded = records(&mut on_back, partition).await;
        let of_t0 = reloaded
            .iter()
            .filter(|(_, k, _)| *k == offset_key(KEEPER, 0))
            .count();
        if of_t0 == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not compacted again after the move: {of_t0} records of t-0"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    cluster.shutdown().await;
}
