//! Share groups (KIP-932) at the protocol level: ShareGroupHeartbeat,
//! ShareFetch with piggy-backed acknowledgements, ShareAcknowledge, share
//! sessions, the share-group offset APIs, and kill -9 of the real binary.

use std::collections::BTreeSet;
use std::time::Duration;

use bytes::Bytes;
use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::StrBytes;
use kctl_client::protocol::messages::incremental_alter_configs_request::{
    AlterConfigsResource, AlterableConfig,
};
use kctl_client::protocol::messages::{
    AlterShareGroupOffsetsRequest, ConsumerGroupHeartbeatRequest, DeleteGroupsRequest,
    DeleteShareGroupOffsetsRequest, DescribeConfigsRequest, DescribeGroupsRequest,
    DescribeShareGroupOffsetsRequest, GroupId, IncrementalAlterConfigsRequest, ListGroupsRequest,
    ShareAcknowledgeRequest, ShareFetchRequest, ShareFetchResponse, ShareGroupDescribeRequest,
    ShareGroupHeartbeatRequest, alter_share_group_offsets_request as alter,
    delete_share_group_offsets_request as delete, describe_configs_request as describe_configs,
    describe_share_group_offsets_request as describe,
    describe_share_group_offsets_response as describe_response, share_acknowledge_request as ack,
    share_fetch_request as fetch,
};
use kctl_client::protocol::records::Compression;
use kctl_client::protocol::share::AcknowledgeType;
use kctl_client::protocol::share_statistics::SharePartitionStatistics;
use uuid::Uuid;

use crate::crash::spawn_broker;
use crate::protocol::{create_topic, name, produce, values};
use crate::support::{RawClient, TestBroker, batch};

fn s(v: &str) -> StrBytes {
    StrBytes::from_string(v.to_string())
}

/// `count` one-record batches, so offsets and batches line up.
pub(crate) async fn produce_n(client: &mut RawClient, topic: &str, from: usize, count: usize) {
    for i in from..from + count {
        let value = format!("v{i}");
        let response = produce(
            client,
            topic,
            0,
            batch(&[value.as_bytes()], 0, Compression::None),
            -1,
        )
        .await
        .unwrap();
        assert_eq!(response.responses[0].partition_responses[0].error_code, 0);
    }
}

pub(crate) async fn topic_with_id(client: &mut RawClient, topic: &str) -> Uuid {
    let created = create_topic(client, topic, 1, &[]).await;
    let id = created.topics[0].topic_id;
    assert!(!id.is_nil());
    id
}

pub(crate) async fn set_earliest(client: &mut RawClient, group: &str) {
    let (code, message) =
        alter_group_config(client, group, "share.auto.offset.reset", Some("earliest")).await;
    assert_eq!(code, 0, "{message:?}");
}

/// IncrementalAlterConfigs of one group config: SET `value`, or DELETE
/// with `None`. The resource's error code and message.
async fn alter_group_config(
    client: &mut RawClient,
    group: &str,
    name: &str,
    value: Option<&str>,
) -> (i16, Option<String>) {
    let request = IncrementalAlterConfigsRequest::default().with_resources(vec![
        AlterConfigsResource::default()
            .with_resource_type(32)
            .with_resource_name(s(group))
            .with_configs(vec![
                AlterableConfig::default()
                    .with_name(s(name))
                    .with_config_operation(if value.is_some() { 0 } else { 1 })
                    .with_value(value.map(s)),
            ]),
    ]);
    let response = client.send(1, &request).await;
    let result = &response.responses[0];
    (
        result.error_code,
        result.error_message.as_ref().map(|m| m.to_string()),
    )
}

/// DescribeConfigs of one group config: its value and source code.
async fn group_config(client: &mut RawClient, group: &str, name: &str) -> (String, i8) {
    let request = DescribeConfigsRequest::default().with_resources(vec![
        describe_configs::DescribeConfigsResource::default()
            .with_resource_type(32)
            .with_resource_name(s(group))
            .with_configuration_keys(Some(vec![s(name)])),
    ]);
    let response = client.send(4, &request).await;
    let result = &response.results[0];
    assert_eq!(result.error_code, 0);
    assert_eq!(result.configs.len(), 1, "{result:?}");
    let entry = &result.configs[0];
    (
        entry.value.as_ref().unwrap().to_string(),
        entry.config_source,
    )
}

/// One share consumer speaking raw protocol.
pub(crate) struct Member {
    pub(crate) client: RawClient,
    pub(crate) group: String,
    pub(crate) id: String,
    pub(crate) topic_id: Uuid,
    pub(crate) session_epoch: i32,
    member_epoch: i32,
}

/// What one ShareFetch returned for partition 0.
#[derive(Debug, Default)]
pub(crate) struct Fetched {
    pub(crate) error: i16,
    pub(crate) ack_error: i16,
    /// Acquired offsets with their delivery counts.
    pub(crate) acquired: Vec<(i64, i16)>,
    pub(crate) records: Bytes,
    /// The response's `AcquisitionLockTimeoutMs`: how long the locks last.
    pub(crate) lock_ms: i32,
}

impl Member {
    pub(crate) async fn join(
        bootstrap: &str,
        group: &str,
        id: &str,
        topic: &str,
        topic_id: Uuid,
    ) -> Self {
        let mut member = Self {
            client: RawClient::connect(bootstrap).await,
            group: group.into(),
            id: id.into(),
            topic_id,
            session_epoch: 0,
            member_epoch: 0,
        };
        let response = member
            .client
            .send(
                1,
                &ShareGroupHeartbeatRequest::default()
                    .with_group_id(GroupId(s(group)))
                    .with_member_id(s(id))
                    .with_member_epoch(0)
                    .with_subscribed_topic_names(Some(vec![name(topic)])),
            )
            .await;
        assert_eq!(response.error_code, 0, "{:?}", response.error_message);
        assert!(response.member_epoch > 0);
        let assignment = response.assignment.expect("an assignment on join");
        assert_eq!(assignment.topic_partitions[0].topic_id, topic_id);
        assert_eq!(assignment.topic_partitions[0].partitions, vec![0]);
        member.member_epoch = response.member_epoch;
        member
    }

    async fn leave(&mut self) {
        let response = self
            .client
            .send(
                1,
                &ShareGroupHeartbeatRequest::default()
                    .with_group_id(GroupId(s(&self.group)))
                    .with_member_id(s(&self.id))
                    .with_member_epoch(-1),
            )
            .await;
        assert_eq!(response.error_code, 0);
        assert_eq!(response.member_epoch, -1);
    }

    pub(crate) fn request(
        &self,
        epoch: i32,
        acks: &[(i64, i64, AcknowledgeType)],
    ) -> ShareFetchRequest {
        let batches = acks
            .iter()
            .map(|(first, last, kind)| {
                fetch::AcknowledgementBatch::default()
                    .with_first_offset(*first)
                    .with_last_offset(*last)
                    .with_acknowledge_types(vec![kind.as_i8()])
            })
            .collect();
        ShareFetchRequest::default()
            .with_group_id(Some(GroupId(s(&self.group))))
            .with_member_id(Some(s(&self.id)))
            .with_share_session_epoch(epoch)
            .with_max_wait_ms(0)
            .with_max_bytes(1 << 20)
            .with_topics(vec![
                fetch::FetchTopic::default()
                    .with_topic_id(self.topic_id)
                    .with_partitions(vec![
                        fetch::FetchPartition::default()
                            .with_partition_index(0)
                            .with_acknowledgement_batches(batches),
                    ]),
            ])
    }

    /// ShareFetch at the session's next epoch, acknowledging `acks`.
    pub(crate) async fn fetch(
        &mut self,
        max_records: i32,
        max_wait_ms: i32,
        acks: &[(i64, i64, AcknowledgeType)],
    ) -> Fetched {
        let request = self
            .request(self.session_epoch, acks)
            .with_max_records(max_records)
            .with_max_wait_ms(max_wait_ms);
        self.send_fetch(1, &request).await
    }

    /// Sends a ShareFetch at `version`; the session's epoch advances when
    /// the broker took it.
    pub(crate) async fn send_fetch(
        &mut self,
        version: i16,
        request: &ShareFetchRequest,
    ) -> Fetched {
        let response = self.client.send(version, request).await;
        let fetched = parse(&response);
        if fetched.error == 0 {
            self.session_epoch += 1;
        }
        fetched
    }

    /// ShareAcknowledge v2 with `IsRenewAck` at the session's epoch
    /// (advanced); returns the top-level and partition error codes.
    pub(crate) async fn acknowledge_renewing(
        &mut self,
        acks: &[(i64, i64, AcknowledgeType)],
    ) -> (i16, i16) {
        let request = self
            .acknowledge_request(self.session_epoch, acks)
            .with_is_renew_ack(true);
        self.session_epoch += 1;
        self.send_acknowledge(2, &request).await
    }

    /// ShareAcknowledge at the session's next epoch; returns the
    /// partition's error code.
    pub(crate) async fn acknowledge(
        &mut self,
        epoch: i32,
        acks: &[(i64, i64, AcknowledgeType)],
    ) -> (i16, i16) {
        let request = self.acknowledge_request(epoch, acks);
        self.send_acknowledge(1, &request).await
    }

    /// Sends a ShareAcknowledge at `version`; returns the top-level and
    /// first partition's error codes.
    async fn send_acknowledge(
        &mut self,
        version: i16,
        request: &ShareAcknowledgeRequest,
    ) -> (i16, i16) {
        let response = self.client.send(version, request).await;
        let partition = response
            .responses
            .first()
            .and_then(|t| t.partitions.first())
            .map_or(-100, |p| p.error_code);
        (response.error_code, partition)
    }

    pub(crate) fn acknowledge_request(
        &self,
        epoch: i32,
        acks: &[(i64, i64, AcknowledgeType)],
    ) -> ShareAcknowledgeRequest {
        let batches = acks
            .iter()
            .map(|(first, last, kind)| {
                ack::AcknowledgementBatch::default()
                    .with_first_offset(*first)
                    .with_last_offset(*last)
                    .with_acknowledge_types(vec![kind.as_i8()])
            })
            .collect();
        ShareAcknowledgeRequest::default()
            .with_group_id(Some(GroupId(s(&self.group))))
            .with_member_id(Some(s(&self.id)))
            .with_share_session_epoch(epoch)
            .with_topics(vec![
                ack::AcknowledgeTopic::default()
                    .with_topic_id(self.topic_id)
                    .with_partitions(vec![
                        ack::AcknowledgePartition::default()
                            .with_partition_index(0)
                            .with_acknowledgement_batches(batches),
                    ]),
            ])
    }
}

pub(crate) fn parse(response: &ShareFetchResponse) -> Fetched {
    let mut fetched = Fetched {
        error: response.error_code,
        lock_ms: response.acquisition_lock_timeout_ms,
        ..Fetched::default()
    };
    for topic in &response.responses {
        for p in &topic.partitions {
            assert_eq!(p.partition_index, 0);
            fetched.ack_error = p.acknowledge_error_code;
            if p.error_code != 0 {
                fetched.error = p.error_code;
            }
            for r in &p.acquired_records {
                fetched
                    .acquired
                    .extend((r.first_offset..=r.last_offset).map(|o| (o, r.delivery_count)));
            }
            if let Some(records) = &p.records {
                fetched.records = records.clone();
            }
        }
    }
    fetched
}

pub(crate) fn offsets(fetched: &Fetched) -> Vec<i64> {
    fetched.acquired.iter().map(|(o, _)| *o).collect()
}

pub(crate) async fn start_offset(client: &mut RawClient, group: &str, topic: &str) -> i64 {
    described_offset(client, 0, group, topic).await.0
}

/// kctl's statistics extension on partition 0 (tagged fields).
async fn statistics(client: &mut RawClient, group: &str, topic: &str) -> SharePartitionStatistics {
    let partition = describe_partition_0(client, 0, group, topic).await;
    SharePartitionStatistics::decode_from(&partition.unknown_tagged_fields)
        .expect("broker-lite reports statistics for a partition with state")
}

/// Partition 0's (start offset, lag, error code) from DescribeShareGroupOffsets
/// at `version` (v0 has no lag: the decoder gives the schema's -1).
async fn described_offset(
    client: &mut RawClient,
    version: i16,
    group: &str,
    topic: &str,
) -> (i64, i64, i16) {
    let partition = describe_partition_0(client, version, group, topic).await;
    (partition.start_offset, partition.lag, partition.error_code)
}

async fn describe_partition_0(
    client: &mut RawClient,
    version: i16,
    group: &str,
    topic: &str,
) -> describe_response::DescribeShareGroupOffsetsResponsePartition {
    let response = client
        .send(
            version,
            &DescribeShareGroupOffsetsRequest::default().with_groups(vec![
                describe::DescribeShareGroupOffsetsRequestGroup::default()
                    .with_group_id(GroupId(s(group)))
                    .with_topics(Some(vec![
                        describe::DescribeShareGroupOffsetsRequestTopic::default()
                            .with_topic_name(name(topic))
                            .with_partitions(vec![0]),
                    ])),
            ]),
        )
        .await;
    assert_eq!(response.groups[0].error_code, 0);
    response.groups[0].topics[0].partitions[0].clone()
}

const ACCEPT: AcknowledgeType = AcknowledgeType::Accept;
const RELEASE: AcknowledgeType = AcknowledgeType::Release;
const REJECT: AcknowledgeType = AcknowledgeType::Reject;

#[tokio::test]
async fn acquire_accept_release_reject() {
    let broker = TestBroker::start().await;
    let mut admin = broker.client().await;
    let topic_id = topic_with_id(&mut admin, "sq").await;
    set_earliest(&mut admin, "g1").await;
    produce_n(&mut admin, "sq", 0, 10).await;
    let mut a = Member::join(&broker.bootstrap(), "g1", "member-a", "sq", topic_id).await;
    let mut b = Member::join(&broker.bootstrap(), "g1", "member-b", "sq", topic_id).await;

    let got = a.fetch(10, 0, &[]).await;
    assert_eq!(got.error, 0);
    assert_eq!(got.acquired, (0..10).map(|o| (o, 1)).collect::<Vec<_>>());
    let delivered: Vec<i64> = values(&got.records).into_iter().map(|(o, _)| o).collect();
    assert_eq!(
        delivered,
        (0..10).collect::<Vec<_>>(),
        "the records come with them"
    );

    // Nothing is left for b while a holds everything.
    assert!(b.fetch(10, 0, &[]).await.acquired.is_empty());

    // a accepts 0-3, releases 4-5, rejects 6 and keeps 7-9 (piggy-backed).
    let got = a
        .fetch(10, 0, &[(0, 3, ACCEPT), (4, 5, RELEASE), (6, 6, REJECT)])
        .await;
    assert_eq!(got.ack_error, 0);
    assert_eq!(
        got.acquired,
        vec![(4, 2), (5, 2)],
        "released records come back, counted twice (to a, who fetched first)"
    );
    assert_eq!(start_offset(&mut admin, "g1", "sq").await, 4);
    assert_eq!(
        statistics(&mut admin, "g1", "sq").await,
        SharePartitionStatistics {
            in_flight: 5,
            archived_total: 1,
            redeliveries_total: 2
        },
        "a holds 4-5 (redelivered) and 7-9; 6 is archived"
    );
    let (top, partition) = a.acknowledge(a.session_epoch, &[(4, 5, RELEASE)]).await;
    assert_eq!((top, partition), (0, 0));
    a.session_epoch += 1;
    let got = b.fetch(10, 0, &[]).await;
    assert_eq!(got.acquired, vec![(4, 3), (5, 3)], "now b gets them");

    // a acknowledging what b holds, or what is already rejected, fails.
    let (_, partition) = a.acknowledge(a.session_epoch, &[(4, 4, ACCEPT)]).await;
    assert_eq!(partition, ErrorCode::InvalidRecordState.code());
    a.session_epoch += 1;
    let (_, partition) = a.acknowledge(a.session_epoch, &[(6, 6, ACCEPT)]).await;
    assert_eq!(partition, ErrorCode::InvalidRecordState.code());
    a.session_epoch += 1;

    let got = b.fetch(10, 0, &[(4, 5, ACCEPT)]).await;
    assert_eq!(got.ack_error, 0);
    let (_, partition) = a.acknowledge(a.session_epoch, &[(7, 9, ACCEPT)]).await;
    assert_eq!(partition, 0);
    a.session_epoch += 1;
    assert_eq!(
        start_offset(&mut admin, "g1", "sq").await,
        10,
        "every record is accepted or archived"
    );

    // New records go to whoever fetches, once.
    produce_n(&mut admin, "sq", 10, 3).await;
    let got = b.fetch(10, 2_000, &[]).await;
    assert_eq!(offsets(&got), vec![10, 11, 12]);
    assert_eq!(
        statistics(&mut admin, "g1", "sq").await,
        SharePartitionStatistics {
            in_flight: 3,
            archived_total: 1,
            redeliveries_total: 4
        },
        "4-5 came back twice; b holds 10-12"
    );

    // ShareGroupDescribe, ListGroups and DescribeGroups show the group.
    let described = admin
        .send(
            1,
            &ShareGroupDescribeRequest::default().with_group_ids(vec![GroupId(s("g1"))]),
        )
        .await;
    let group = &described.groups[0];
    assert_eq!(group.error_code, 0);
    assert_eq!(group.group_state.as_str(), "Stable");
    assert_eq!(group.members.len(), 2);
    for m in &group.members {
        assert_eq!(
            m.assignment.topic_partitions[0].partitions,
            vec![0],
            "both share partition 0"
        );
    }
    let listed = admin.send(5, &ListGroupsRequest::default()).await;
    let g1 = listed
        .groups
        .iter()
        .find(|g| g.group_id.0.as_str() == "g1")
        .unwrap();
    assert_eq!(g1.group_type.as_str(), "share");
    assert_eq!(g1.protocol_type.as_str(), "share");
    let described = admin
        .send(
            5,
            &DescribeGroupsRequest::default().with_groups(vec![GroupId(s("g1"))]),
        )
        .await;
    assert_eq!(described.groups[0].protocol_type.as_str(), "share");
    assert_eq!(described.groups[0].members.len(), 2);

    // A group id has one type.
    let heartbeat = admin
        .send(
            1,
            &ConsumerGroupHeartbeatRequest::default()
                .with_group_id(GroupId(s("g1")))
                .with_member_id(s("c"))
                .with_member_epoch(0)
                .with_rebalance_timeout_ms(5000)
                .with_subscribed_topic_names(Some(vec![name("sq")])),
        )
        .await;
    assert_eq!(heartbeat.error_code, ErrorCode::GroupIdNotFound.code());
}

#[tokio::test]
async fn lock_expiry_redelivers_and_the_delivery_limit_archives() {
    let broker = TestBroker::start_with(|c| {
        c.group.share_record_lock_duration_ms = 300;
        c.group.share_delivery_count_limit = 2;
    })
    .await;
    let mut admin = broker.client().await;
    let topic_id = topic_with_id(&mut admin, "locks").await;
    set_earliest(&mut admin, "g2").await;
    produce_n(&mut admin, "locks", 0, 3).await;
    let mut a = Member::join(&broker.bootstrap(), "g2", "a", "locks", topic_id).await;
    let mut b = Member::join(&broker.bootstrap(), "g2", "b", "locks", topic_id).await;
    assert_eq!(offsets(&a.fetch(10, 0, &[]).await), vec![0, 1, 2]);
    // a goes silent; its locks expire and b, long-polling, gets them.
    let got = b.fetch(10, 3_000, &[]).await;
    assert_eq!(got.acquired, vec![(0, 2), (1, 2), (2, 2)]);
    // Late acknowledgements from a are refused.
    let (_, partition) = a.acknowledge(a.session_epoch, &[(0, 0, ACCEPT)]).await;
    assert_eq!(partition, ErrorCode::InvalidRecordState.code());
    a.session_epoch += 1;
    // b accepts 0 and lets 1-2 time out again: that is the second delivery,
    // the limit, so they are archived and never delivered again.
    b.acknowledge(b.session_epoch, &[(0, 0, ACCEPT)]).await;
    b.session_epoch += 1;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(a.fetch(10, 300, &[]).await.acquired.is_empty());
    assert_eq!(start_offset(&mut admin, "g2", "locks").await, 3);
    assert_eq!(
        statistics(&mut admin, "g2", "locks").await,
        SharePartitionStatistics {
            in_flight: 0,
            archived_total: 2,
            redeliveries_total: 3
        },
        "timed out at the delivery limit: archived"
    );
}

/// A full in-flight window (`group.share.partition.max.record.locks`)
/// frees when an acknowledgement moves the SPSO; a member long-polling on
/// the full window is woken then (as Kafka completes delayed share fetches
/// after acknowledgements), not at the end of its wait.
#[tokio::test]
async fn an_acknowledgement_that_frees_the_window_wakes_a_waiting_fetch() {
    let broker = TestBroker::start_with(|c| c.group.share_partition_max_record_locks = 5).await;
    let mut admin = broker.client().await;
    let topic_id = topic_with_id(&mut admin, "window").await;
    set_earliest(&mut admin, "g-window").await;
    produce_n(&mut admin, "window", 0, 10).await;
    let mut a = Member::join(&broker.bootstrap(), "g-window", "a", "window", topic_id).await;
    let mut b = Member::join(&broker.bootstrap(), "g-window", "b", "window", topic_id).await;
    assert_eq!(offsets(&a.fetch(100, 0, &[]).await), vec![0, 1, 2, 3, 4]);
    assert!(
        b.fetch(100, 0, &[]).await.acquired.is_empty(),
        "the window is full"
    );
    let waiting = tokio::spawn(async move {
        let started = std::time::Instant::now();
        let got = b.fetch(100, 10_000, &[]).await;
        (offsets(&got), started.elapsed())
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, partition) = a.acknowledge(a.session_epoch, &[(0, 4, ACCEPT)]).await;
    assert_eq!(partition, 0);
    let (got, waited) = waiting.await.unwrap();
    assert_eq!(got, vec![5, 6, 7, 8, 9]);
    assert!(
        waited < Duration::from_secs(5),
        "the fetch waited {waited:?}: the acknowledgement did not wake it"
    );
}

#[tokio::test]
async fn two_members_on_one_partition_never_share_an_offset() {
    let broker = TestBroker::start().await;
    let mut admin = broker.client().await;
    let topic_id = topic_with_id(&mut admin, "race").await;
    set_earliest(&mut admin, "g3").await;
    let total = 300usize;
    // One batch of 300 records: every fetch sees the same batch.
    let values: Vec<Vec<u8>> = (0..total).map(|i| format!("r{i}").into_bytes()).collect();
    let refs: Vec<&[u8]> = values.iter().map(Vec::as_slice).collect();
    produce(
        &mut admin,
        "race",
        0,
        batch(&refs, 0, Compression::None),
        -1,
    )
    .await
    .unwrap();
    let mut tasks = Vec::new();
    for id in ["a", "b"] {
        let mut m = Member::join(&broker.bootstrap(), "g3", id, "race", topic_id).await;
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            let mut pending: Vec<(i64, i64, AcknowledgeType)> = Vec::new();
            loop {
                let got = m.fetch(7, 200, &pending).await;
                assert_eq!(got.error, 0);
                assert_eq!(got.ack_error, 0);
                if got.acquired.is_empty() {
                    return mine;
                }
                pending = got.acquired.iter().map(|(o, _)| (*o, *o, ACCEPT)).collect();
                mine.extend(offsets(&got));
            }
        }));
    }
    let mut seen = BTreeSet::new();
    let mut count = 0;
    for task in tasks {
        let mine = task.await.unwrap();
        assert!(!mine.is_empty(), "both members got work");
        count += mine.len();
        seen.extend(mine);
    }
    assert_eq!(count, total, "no offset was acquired twice");
    assert_eq!(seen, (0..total as i64).collect());
}

#[tokio::test]
async fn bad_share_session_epochs_and_malformed_acknowledgements() {
    let broker = TestBroker::start().await;
    let mut admin = broker.client().await;
    let topic_id = topic_with_id(&mut admin, "epochs").await;
    set_earliest(&mut admin, "g4").await;
    produce_n(&mut admin, "epochs", 0, 4).await;
    let mut m = Member::join(&broker.bootstrap(), "g4", "m", "epochs", topic_id).await;

    m.session_epoch = 5;
    assert_eq!(
        m.fetch(1, 0, &[]).await.error,
        ErrorCode::ShareSessionNotFound.code()
    );
    m.session_epoch = 0;
    assert_eq!(
        m.fetch(1, 0, &[(0, 0, ACCEPT)]).await.error,
        ErrorCode::InvalidRequest.code(),
        "the opening request may not acknowledge"
    );
    assert_eq!(offsets(&m.fetch(2, 0, &[]).await), vec![0, 1]);
    m.session_epoch = 3;
    assert_eq!(
        m.fetch(1, 0, &[]).await.error,
        ErrorCode::InvalidShareSessionEpoch.code()
    );
    m.session_epoch = 1;
    assert_eq!(
        offsets(&m.fetch(0, 0, &[]).await),
        vec![2, 3],
        "the right epoch still works (no max_records: up to 500)"
    );
    assert_eq!(
        m.acknowledge(0, &[(0, 0, ACCEPT)]).await.0,
        ErrorCode::InvalidShareSessionEpoch.code()
    );

    // One type per offset, but the wrong number of them; an unknown type;
    // RENEW, which v1 cannot carry.
    for types in [vec![1i8, 1], vec![9], vec![4]] {
        let mut request = m.request(m.session_epoch, &[]);
        request.topics[0].partitions[0].acknowledgement_batches = vec![
            fetch::AcknowledgementBatch::default()
                .with_first_offset(0)
                .with_last_offset(0)
                .with_acknowledge_types(types),
        ];
        let got = parse(&m.client.send(1, &request).await);
        assert_eq!(got.ack_error, ErrorCode::InvalidRequest.code());
        m.session_epoch += 1;
    }

    // A range far past anything in flight is refused at once.
    let (_, partition) = m
        .acknowledge(m.session_epoch, &[(0, i64::MAX, ACCEPT)])
        .await;
    assert_eq!(partition, ErrorCode::InvalidRecordState.code());
    m.session_epoch += 1;

    // Closing releases what the member held; the session is then gone.
    let (top, partition) = m.acknowledge(-1, &[(0, 0, ACCEPT)]).await;
    assert_eq!((top, partition), (0, 0));
    m.session_epoch = 2;
    assert_eq!(
        m.fetch(1, 0, &[]).await.error,
        ErrorCode::ShareSessionNotFound.code()
    );
    m.session_epoch = 0;
    assert_eq!(
        m.fetch(10, 0, &[]).await.acquired,
        vec![(1, 2), (2, 2), (3, 2)]
    );

    // Garbage in a ShareFetch body ends the connection, not the broker.
    let mut raw = broker.client().await;
    raw.write_raw(78, 1, 2, &[0xff; 40]).await;
    assert!(raw.is_closed().await);
    assert_eq!(start_offset(&mut admin, "g4", "epochs").await, 1);
}

#[tokio::test]
async fn share_group_offsets_need_an_empty_group() {
    let broker = TestBroker::start().await;
    let mut admin = broker.client().await;
    let topic_id = topic_with_id(&mut admin, "offs").await;
    produce_n(&mut admin, "offs", 0, 5).await;
    let mut m = Member::join(&broker.bootstrap(), "g5", "m", "offs", topic_id).await;
    // latest: the partition starts at the end when it is assigned, so a
    // record produced before the first fetch is still delivered.
    assert_eq!(start_offset(&mut admin, "g5", "offs").await, 5);
    produce_n(&mut admin, "offs", 5, 1).await;
    assert_eq!(offsets(&m.fetch(10, 0, &[]).await), vec![5]);
    assert_eq!(
        m.acknowledge(m.session_epoch, &[(5, 5, ACCEPT)]).await,
        (0, 0)
    );
    m.session_epoch += 1;
    let alter_request = AlterShareGroupOffsetsRequest::default()
        .with_group_id(GroupId(s("g5")))
        .with_topics(vec![
            alter::AlterShareGroupOffsetsRequestTopic::default()
                .with_topic_name(name("offs"))
                .with_partitions(vec![
                    alter::AlterShareGroupOffsetsRequestPartition::default()
                        .with_partition_index(0)
                        .with_start_offset(2),
                ]),
        ]);
    let altered = admin.send(0, &alter_request).await;
    assert_eq!(altered.error_code, ErrorCode::NonEmptyGroup.code());
    let deleted = admin
        .send(
            2,
            &DeleteGroupsRequest::default().with_groups_names(vec![GroupId(s("g5"))]),
        )
        .await;
    assert_eq!(
        deleted.results[0].error_code,
        ErrorCode::NonEmptyGroup.code()
    );
    m.leave().await;

    let altered = admin.send(0, &alter_request).await;
    assert_eq!(altered.error_code, 0);
    assert_eq!(altered.responses[0].partitions[0].error_code, 0);
    assert_eq!(start_offset(&mut admin, "g5", "offs").await, 2);
    let mut m = Member::join(&broker.bootstrap(), "g5", "m2", "offs", topic_id).await;
    assert_eq!(offsets(&m.fetch(10, 0, &[]).await), vec![2, 3, 4, 5]);
    m.leave().await;

    let deleted = admin
        .send(
            0,
            &DeleteShareGroupOffsetsRequest::default()
                .with_group_id(GroupId(s("g5")))
                .with_topics(vec![
                    delete::DeleteShareGroupOffsetsRequestTopic::default()
                        .with_topic_name(name("offs")),
                ]),
        )
        .await;
    assert_eq!(deleted.error_code, 0);
    assert_eq!(start_offset(&mut admin, "g5", "offs").await, -1);
    let deleted = admin
        .send(
            2,
            &DeleteGroupsRequest::default().with_groups_names(vec![GroupId(s("g5"))]),
        )
        .await;
    assert_eq!(deleted.results[0].error_code, 0);
    let described = admin
        .send(
            1,
            &ShareGroupDescribeRequest::default().with_group_ids(vec![GroupId(s("g5"))]),
        )
        .await;
    assert_eq!(
        described.groups[0].error_code,
        ErrorCode::GroupIdNotFound.code()
    );
}

/// AlterShareGroupOffsets of partition 0 of `topic` to `start_offset`.
pub(crate) async fn alter_start_offset(
    client: &mut RawClient,
    group: &str,
    topic: &str,
    start_offset: i64,
) {
    let altered = client
        .send(
            0,
            &AlterShareGroupOffsetsRequest::default()
                .with_group_id(GroupId(s(group)))
                .with_topics(vec![
                    alter::AlterShareGroupOffsetsRequestTopic::default()
                        .with_topic_name(name(topic))
                        .with_partitions(vec![
                            alter::AlterShareGroupOffsetsRequestPartition::default()
                                .with_partition_index(0)
                                .with_start_offset(start_offset),
                        ]),
                ]),
        )
        .await;
    assert_eq!(altered.error_code, 0);
    assert_eq!(altered.responses[0].partitions[0].error_code, 0);
}

/// DescribeShareGroupOffsets v1's lag (KIP-1226) is Kafka's: high watermark
/// minus start offset minus the records above the start offset already
/// acknowledged or archived; -1 for a partition without share state or an
/// unknown topic; after AlterShareGroupOffsets, counted from the new start.
#[tokio::test]
async fn share_partition_lag_leaves_out_records_done_above_the_start_offset() {
    let broker = TestBroker::start().await;
    let mut admin = broker.client().await;
    let topic_id = topic_with_id(&mut admin, "lagged").await;
    set_earliest(&mut admin, "g8").await;
    produce_n(&mut admin, "lagged", 0, 10).await;
    assert_eq!(
        described_offset(&mut admin, 1, "g8", "lagged").await,
        (-1, -1, 0),
        "never fetched: no share state, no lag"
    );
    assert_eq!(
        described_offset(&mut admin, 1, "g8", "no-such-topic").await,
        (-1, -1, ErrorCode::UnknownTopicOrPartition.code())
    );

    let mut m = Member::join(&broker.bootstrap(), "g8", "m", "lagged", topic_id).await;
    assert_eq!(
        offsets(&m.fetch(6, 0, &[]).await),
        (0..6).collect::<Vec<_>>()
    );
    assert_eq!(
        described_offset(&mut admin, 1, "g8", "lagged").await,
        (0, 10, 0),
        "acquired records still count"
    );
    // 0 stays acquired, so the start offset cannot pass it; 1-2 accepted,
    // 3 rejected (archived), 4 released: three done records above it.
    let (_, partition) = m
        .acknowledge(
            m.session_epoch,
            &[(1, 2, ACCEPT), (3, 3, REJECT), (4, 4, RELEASE)],
        )
        .await;
    assert_eq!(partition, 0);
    m.session_epoch += 1;
    assert_eq!(
        described_offset(&mut admin, 1, "g8", "lagged").await,
        (0, 7, 0),
        "10 - 0 - 3"
    );
    assert_eq!(
        described_offset(&mut admin, 0, "g8", "lagged").await,
        (0, -1, 0),
        "v0 carries no lag"
    );
    produce_n(&mut admin, "lagged", 10, 2).await;
    assert_eq!(described_offset(&mut admin, 1, "g8", "lagged").await.1, 9);
    let (_, partition) = m.acknowledge(m.session_epoch, &[(0, 0, ACCEPT)]).await;
    assert_eq!(partition, 0);
    m.session_epoch += 1;
    assert_eq!(
        described_offset(&mut admin, 1, "g8", "lagged").await,
        (4, 8, 0),
        "the start offset passes 0-3; 4 (released), 5 (held) and 6-11 remain"
    );
    m.leave().await;

    alter_start_offset(&mut admin, "g8", "lagged", 9).await;
    assert_eq!(
        described_offset(&mut admin, 1, "g8", "lagged").await,
        (9, 3, 0),
        "altered: nothing is done past the new start"
    );
}

/// The group config `share.record.lock.duration.ms` (Kafka 4.2's
/// `GroupConfig`): validated as Kafka validates it (an INT of at least 1000,
/// within the broker's `group.share.min/max.record.lock.duration.ms`),
/// readable with DescribeConfigs, and applied to the locks taken after it
/// is set while locks taken before keep their deadline; DELETE brings back
/// the broker's duration.
#[tokio::test]
async fn a_group_lock_duration_applies_to_records_acquired_after_it_is_set() {
    let broker = TestBroker::start_with(|c| {
        c.group.share_record_lock_duration_ms = 30_000;
        c.group.share_min_record_lock_duration_ms = 1_000;
    })
    .await;
    let mut admin = broker.client().await;
    let topic_id = topic_with_id(&mut admin, "locks").await;
    set_earliest(&mut admin, "g9").await;
    produce_n(&mut admin, "locks", 0, 2).await;
    const LOCK: &str = "share.record.lock.duration.ms";
    assert_eq!(
        group_config(&mut admin, "g9", LOCK).await,
        ("30000".to_owned(), 5),
        "the broker's duration, source DEFAULT"
    );
    for (value, message) in [
        ("soon", "Not a number of type INT"),
        ("999", "Value must be at least 1000"),
        (
            "60001",
            "must be less than or equal to group.share.max.record.lock.duration.ms",
        ),
    ] {
        let (code, got) = alter_group_config(&mut admin, "g9", LOCK, Some(value)).await;
        assert_eq!(code, ErrorCode::InvalidConfig.code(), "{value}");
        assert!(
            got.as_deref().is_some_and(|m| m.contains(message)),
            "{got:?}"
        );
    }

    let mut a = Member::join(&broker.bootstrap(), "g9", "a", "locks", topic_id).await;
    let first = a.fetch(1, 0, &[]).await;
    assert_eq!((first.acquired, first.lock_ms), (vec![(0, 1)], 30_000));
    assert_eq!(
        alter_group_config(&mut admin, "g9", LOCK, Some("1000")).await,
        (0, None)
    );
    assert_eq!(
        group_config(&mut admin, "g9", LOCK).await,
        ("1000".to_owned(), 8),
        "source GROUP_CONFIG"
    );
    let second = a.fetch(1, 0, &[]).await;
    assert_eq!((second.acquired, second.lock_ms), (vec![(1, 1)], 1_000));
    tokio::time::sleep(Duration::from_millis(1_600)).await;
    let mut b = Member::join(&broker.bootstrap(), "g9", "b", "locks", topic_id).await;
    assert_eq!(
        b.fetch(10, 0, &[]).await.acquired,
        vec![(1, 2)],
        "offset 1's 1 s lock ran out; offset 0 keeps its 30 s one"
    );

    assert_eq!(
        alter_group_config(&mut admin, "g9", LOCK, None).await,
        (0, None)
    );
    assert_eq!(
        group_config(&mut admin, "g9", LOCK).await,
        ("30000".to_owned(), 5)
    );
    assert_eq!(b.fetch(10, 0, &[]).await.lock_ms, 30_000);
}

/// kill -9 of the real binary while a member holds records: after the
/// restart no accepted record is delivered again and every other one is,
/// the held ones with their delivery count kept.
#[tokio::test]
async fn kill_9_keeps_share_state() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, bootstrap) = spawn_broker(dir.path());
    let mut admin = RawClient::connect(&bootstrap).await;
    let topic_id = topic_with_id(&mut admin, "durable").await;
    set_earliest(&mut admin, "g6").await;
    produce_n(&mut admin, "durable", 0, 60).await;
    let mut a = Member::join(&bootstrap, "g6", "a", "durable", topic_id).await;
    let mut accepted = BTreeSet::new();
    let mut held = Vec::new();
    let mut acks = Vec::new();
    // Accept in steps of 8, leaving the last fetch unacknowledged.
    for _ in 0..4 {
        let got = a.fetch(8, 0, &acks).await;
        assert_eq!(got.ack_error, 0);
        accepted.extend(acks.iter().map(|(o, _, _)| *o));
        acks = got.acquired.iter().map(|(o, _)| (*o, *o, ACCEPT)).collect();
        held = offsets(&got);
    }
    assert_eq!(accepted.len(), 24);
    // A renewed lock (KIP-1222) is not share state: it dies with the
    // broker like any lock, and the held records come back counted once.
    let renew = held
        .iter()
        .map(|o| (*o, *o, AcknowledgeType::Renew))
        .collect::<Vec<_>>();
    let (top, partition) = a.acknowledge_renewing(&renew).await;
    assert_eq!((top, partition), (0, 0));
    child.kill().unwrap(); // SIGKILL: no shutdown path runs
    child.wait().unwrap();

    let (mut child, bootstrap) = spawn_broker(dir.path());
    let mut admin = RawClient::connect(&bootstrap).await;
    assert_eq!(start_offset(&mut admin, "g6", "durable").await, 24);
    let mut b = Member::join(&bootstrap, "g6", "b", "durable", topic_id).await;
    let mut delivered = Vec::new();
    let mut acks = Vec::new();
    loop {
        let got = b.fetch(25, 0, &acks).await;
        assert_eq!(got.error, 0);
        if got.acquired.is_empty() {
            break;
        }
        for (offset, count) in &got.acquired {
            let expected = if held.contains(offset) { 2 } else { 1 };
            assert_eq!(*count, expected, "offset {offset}'s delivery count");
        }
        acks = got.acquired.iter().map(|(o, _)| (*o, *o, ACCEPT)).collect();
        delivered.extend(offsets(&got));
    }
    assert!(
        delivered.iter().all(|o| !accepted.contains(o)),
        "accepted came back"
    );
    assert_eq!(
        delivered,
        (24..60).collect::<Vec<_>>(),
        "nothing unaccepted was lost"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}
