//! Our consumer's truncation detection (KIP-320) against a local cluster:
//! the position carries its leader epoch, commits carry it too, and after
//! a leader change the position is checked with OffsetForLeaderEpoch.
//!
//! The truncation case is the one Kafka's own tests build: a group's
//! committed offset names an epoch whose leader's log was later cut below
//! it. On a cluster that happens after an unclean election (the consumer
//! read an ISR-of-one leader's tail, that leader died, an out-of-sync
//! replica took over); here the commit of that consumer is written
//! directly (offset 7 in epoch 0) and the truncation is real: the new
//! leader's epoch 0 ends at offset 5, where its epoch 1 begins.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use kctl_client::{
    Consumer, ConsumerRecord, Error, OffsetAndMetadata, OffsetReset, TopicPartition,
};

use crate::cluster_support::{TestCluster, create, produce_code};

const TOPIC: &str = "kip320";

fn consumer(bootstrap: &[String], group: &str, reset: OffsetReset) -> kctl_client::ConsumerConfig {
    Consumer::builder(bootstrap.to_vec())
        .group_id(group)
        .auto_offset_reset(reset)
        .enable_auto_commit(false)
        .fetch_max_wait_ms(100)
        .request_timeout_ms(5_000)
}

/// Polls until `count` records arrived, or fails after `seconds`.
async fn consume(consumer: &Consumer, count: usize, seconds: u64) -> Vec<ConsumerRecord> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut out = Vec::new();
    while out.len() < count {
        assert!(
            Instant::now() < deadline,
            "only {} records: {out:?}",
            out.len()
        );
        out.extend(consumer.poll(Duration::from_millis(200)).await.unwrap());
    }
    out
}

fn offsets(records: &[ConsumerRecord]) -> Vec<(i64, Option<i32>)> {
    records.iter().map(|r| (r.offset, r.leader_epoch)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_validates_its_position_after_a_leader_change_and_detects_truncation() {
    let cluster = TestCluster::start(
        3,
        &[
            // Failover here is a clean stop (controlled shutdown); a long
            // session keeps a node slowed by a loaded machine from being
            // fenced mid-test.
            ("broker.session.timeout.ms", "6000"),
            ("group.initial.rebalance.delay.ms", "0"),
        ],
    )
    .await;
    let mut c1 = cluster.client(1).await;
    assert_eq!(create(&mut c1, TOPIC, 0, 0, &[&[1, 2, 3]], &[]).await, 0);
    cluster
        .wait_for(
            &[1, 2, 3],
            TOPIC,
            0,
            Duration::from_secs(3),
            "created",
            |p| p.2.len() == 3,
        )
        .await;
    for i in 0..5 {
        assert_eq!(
            produce_code(&mut c1, TOPIC, &format!("epoch0-{i}"), -1).await,
            (0, i)
        );
    }
    let bootstrap = cluster.addresses().await;
    let tp = TopicPartition::new(TOPIC, 0);

    // A group member reads epoch 0 and commits: the commit carries the
    // epoch of the last record read.
    let reader = consumer(&bootstrap, "readers", OffsetReset::Earliest)
        .build()
        .await
        .unwrap();
    reader.subscribe([TOPIC]);
    let read = consume(&reader, 5, 30).await;
    assert_eq!(
        offsets(&read),
        (0..5).map(|o| (o, Some(0))).collect::<Vec<_>>()
    );
    reader.commit_records(&read).await.unwrap();
    let committed = reader.committed(std::slice::from_ref(&tp)).await.unwrap();
    assert_eq!(
        (committed[&tp].offset, committed[&tp].leader_epoch),
        (5, Some(0)),
        "OffsetCommit carried committed_leader_epoch"
    );

    // Node 1 leads epoch 0; stopping it elects a new leader in epoch 1,
    // which appends offsets 5..10.
    cluster.cluster().control("stop 1").await.unwrap();
    let (leader, epoch, _) = cluster
        .wait_for(&[2, 3], TOPIC, 0, Duration::from_secs(5), "failover", |p| {
            p.0 != 1 && p.0 > 0
        })
        .await;
    assert_eq!(epoch, 1);
    let mut leader_client = cluster.client(leader).await;
    for i in 0..5 {
        assert_eq!(
            produce_code(&mut leader_client, TOPIC, &format!("epoch1-{i}"), -1).await,
            (0, 5 + i)
        );
    }

    // The reader validates position 5 (epoch 0) with the new leader: epoch
    // 0 ends at 5, nothing was lost, and it carries on without a gap or a
    // repeat.
    let after = consume(&reader, 5, 30).await;
    assert_eq!(
        offsets(&after),
        (5..10).map(|o| (o, Some(1))).collect::<Vec<_>>()
    );
    reader.close().await;

    // The commit of a consumer that had read a tail the new leader never
    // had: offset 7 in epoch 0.
    let stale = OffsetAndMetadata {
        offset: 7,
        leader_epoch: Some(0),
        metadata: None,
    };
    for group in ["resets", "strict"] {
        let committer = consumer(&bootstrap, group, OffsetReset::Earliest)
            .build()
            .await
            .unwrap();
        committer.assign(std::slice::from_ref(&tp));
        committer
            .commit_offsets_sync(BTreeMap::from([(tp.clone(), stale.clone())]))
            .await
            .unwrap();
        committer.close().await;
    }

    // With a reset policy: Java's consumer seeks to the first offset known
    // to diverge, the end of epoch 0 on the new leader (5), so records 5
    // and 6 are read rather than skipped.
    let resets = consumer(&bootstrap, "resets", OffsetReset::Earliest)
        .build()
        .await
        .unwrap();
    resets.subscribe([TOPIC]);
    let read = consume(&resets, 5, 30).await;
    assert_eq!(
        offsets(&read),
        (5..10).map(|o| (o, Some(1))).collect::<Vec<_>>(),
        "resumed at the divergence point, not at the committed 7"
    );
    resets.close().await;

    // Without one: a typed error naming the divergence, and nothing read.
    let strict = consumer(&bootstrap, "strict", OffsetReset::None)
        .build()
        .await
        .unwrap();
    strict.subscribe([TOPIC]);
    let deadline = Instant::now() + Duration::from_secs(20);
    let error = loop {
        assert!(Instant::now() < deadline, "no truncation error");
        match strict.poll(Duration::from_millis(200)).await {
            Ok(records) => assert!(records.is_empty(), "read past a truncation: {records:?}"),
            Err(error) => break error,
        }
    };
    assert!(
        matches!(
            error,
            Error::LogTruncation {
                partition: 0,
                offset: 7,
                divergent_offset: Some(5),
                divergent_leader_epoch: Some(0),
                ..
            }
        ),
        "{error}"
    );
    strict.close().await;
    cluster.shutdown().await;
}
