//! Transactions end to end: the protocol against a raw client (markers,
//! the last stable offset, aborted transactions in Fetch, timeouts and
//! fencing), kill -9 in the middle of a transaction, and librdkafka's
//! transactional producer through confluent-kafka.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::StrBytes;
use kctl_client::protocol::batch::BatchScan;
use kctl_client::protocol::messages::add_partitions_to_txn_request::AddPartitionsToTxnTopic;
use kctl_client::protocol::messages::describe_producers_request::TopicRequest;
use kctl_client::protocol::messages::list_offsets_request::{
    ListOffsetsPartition, ListOffsetsTopic,
};
use kctl_client::protocol::messages::offset_fetch_request::OffsetFetchRequestTopic;
use kctl_client::protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kctl_client::protocol::messages::txn_offset_commit_request::{
    TxnOffsetCommitRequestPartition, TxnOffsetCommitRequestTopic,
};
use kctl_client::protocol::messages::{
    AddOffsetsToTxnRequest, AddPartitionsToTxnRequest, DescribeProducersRequest,
    DescribeTransactionsRequest, EndTxnRequest, GroupId, InitProducerIdRequest, ListOffsetsRequest,
    ListTransactionsRequest, OffsetFetchRequest, ProduceRequest, ProducerId, TransactionalId,
    TxnOffsetCommitRequest,
};
use kctl_client::protocol::record_batch::{BatchBuilder, BatchParams};
use kctl_client::protocol::records::Compression;

use crate::crash::spawn_broker;
use crate::protocol::{create_topic, fetch_request, name, values};
use crate::support::{RawClient, TestBroker, python};

fn txn_id(id: &str) -> TransactionalId {
    TransactionalId(StrBytes::from_string(id.to_owned()))
}

/// A transactional producer speaking the raw protocol.
struct TxnProducer {
    id: String,
    producer_id: i64,
    epoch: i16,
    /// Next sequence per partition.
    sequences: std::collections::HashMap<(String, i32), i32>,
}

impl TxnProducer {
    async fn init(client: &mut RawClient, id: &str, timeout_ms: i32) -> Self {
        let response = client
            .send(
                4,
                &InitProducerIdRequest::default()
                    .with_transactional_id(Some(txn_id(id)))
                    .with_transaction_timeout_ms(timeout_ms)
                    .with_producer_id(ProducerId(-1))
                    .with_producer_epoch(-1),
            )
            .await;
        assert_eq!(response.error_code, 0, "InitProducerId");
        Self {
            id: id.to_owned(),
            producer_id: response.producer_id.0,
            epoch: response.producer_epoch,
            sequences: Default::default(),
        }
    }

    async fn add_partitions(&self, client: &mut RawClient, topic: &str, partitions: &[i32]) -> i16 {
        let response = client
            .send(
                3,
                &AddPartitionsToTxnRequest::default()
                    .with_v3_and_below_transactional_id(txn_id(&self.id))
                    .with_v3_and_below_producer_id(ProducerId(self.producer_id))
                    .with_v3_and_below_producer_epoch(self.epoch)
                    .with_v3_and_below_topics(vec![
                        AddPartitionsToTxnTopic::default()
                            .with_name(name(topic))
                            .with_partitions(partitions.to_vec()),
                    ]),
            )
            .await;
        response.results_by_topic_v3_and_below[0].results_by_partition[0].partition_error_code
    }

    /// Produces `values` in one transactional batch: (error, base offset).
    async fn send(
        &mut self,
        client: &mut RawClient,
        topic: &str,
        partition: i32,
        vals: &[&str],
    ) -> (i16, i64) {
        self.send_at(client, 9, topic, partition, vals).await
    }

    /// [`Self::send`] at Produce `version` (v12: transactions v2).
    async fn send_at(
        &mut self,
        client: &mut RawClient,
        version: i16,
        topic: &str,
        partition: i32,
        vals: &[&str],
    ) -> (i16, i64) {
        let sequence = self
            .sequences
            .entry((topic.to_owned(), partition))
            .or_insert(0);
        let mut builder = BatchBuilder::new(1_700_000_000_000, 0);
        for v in vals {
            builder.append(1_700_000_000_000, None, Some(v.as_bytes()), &[]);
        }
        let mut out = BytesMut::new();
        builder
            .encode(
                &mut out,
                &BatchParams {
                    compression: Compression::None,
                    producer_id: self.producer_id,
                    producer_epoch: self.epoch,
                    base_sequence: *sequence,
                    transactional: true,
                },
            )
            .unwrap();
        let request = ProduceRequest::default()
            .with_transactional_id(Some(txn_id(&self.id)))
            .with_acks(-1)
            .with_timeout_ms(5000)
            .with_topic_data(vec![
                TopicProduceData::default()
                    .with_name(name(topic))
                    .with_partition_data(vec![
                        PartitionProduceData::default()
                            .with_index(partition)
                            .with_records(Some(out.freeze())),
                    ]),
            ]);
        let response = client.send(version, &request).await;
        let p = &response.responses[0].partition_responses[0];
        if p.error_code == 0 {
            *sequence += vals.len() as i32;
        }
        (p.error_code, p.base_offset)
    }

    async fn end(&self, client: &mut RawClient, commit: bool) -> i16 {
        client
            .send(
                3,
                &EndTxnRequest::default()
                    .with_transactional_id(txn_id(&self.id))
                    .with_producer_id(ProducerId(self.producer_id))
                    .with_producer_epoch(self.epoch)
                    .with_committed(commit),
            )
            .await
            .error_code
    }

    /// EndTxn v5 (transactions v2) at `epoch`: on success the producer
    /// continues with the answered id and epoch, every sequence from 0.
    /// Returns the error code and the answered epoch.
    async fn end_v2(&mut self, client: &mut RawClient, epoch: i16, commit: bool) -> (i16, i16) {
        let response = client
            .send(
                5,
                &EndTxnRequest::default()
                    .with_transactional_id(txn_id(&self.id))
                    .with_producer_id(ProducerId(self.producer_id))
                    .with_producer_epoch(epoch)
                    .with_committed(commit),
            )
            .await;
        if response.error_code == 0 {
            self.producer_id = response.producer_id.0;
            self.epoch = response.producer_epoch;
            self.sequences.clear();
        }
        (response.error_code, response.producer_epoch)
    }
}

/// Reads a partition from offset 0 to its end (the LSO under
/// read_committed) as a consumer would: (values kept, LSO, HW, aborted
/// transactions reported, as (producer id, first offset)).
async fn fetch_isolated(
    client: &mut RawClient,
    topic: &str,
    partition: i32,
    read_committed: bool,
) -> (Vec<String>, i64, i64, Vec<(i64, i64)>) {
    let mut kept = Vec::new();
    let mut reported: Vec<(i64, i64)> = Vec::new();
    let mut skipping = std::collections::HashSet::new();
    let mut offset = 0;
    loop {
        let request = fetch_request(topic, partition, offset, 0, 0)
            .with_isolation_level(i8::from(read_committed));
        let mut response = client.send(12, &request).await;
        let data = response.responses.remove(0).partitions.remove(0);
        assert_eq!(data.error_code, 0);
        let end = if read_committed {
            data.last_stable_offset
        } else {
            data.high_watermark
        };
        let mut aborted: Vec<(i64, i64)> = data
            .aborted_transactions
            .unwrap_or_default()
            .iter()
            .map(|t| (t.producer_id.0, t.first_offset))
            .collect();
        for t in &aborted {
            if !reported.contains(t) {
                reported.push(*t);
            }
        }
        // What a consumer keeps: data batches, minus, under read_committed,
        // those of a transaction listed as aborted (from its first offset to
        // its producer's next ABORT marker).
        let records = data.records.clone().unwrap_or_default();
        for scanned in BatchScan::new(&records) {
            let scanned = scanned.unwrap();
            let header = scanned.header;
            let bytes = Bytes::copy_from_slice(scanned.bytes);
            offset = header.next_offset();
            aborted.retain(|&(pid, first)| {
                if first <= header.base_offset {
                    skipping.insert(pid);
                    false
                } else {
                    true
                }
            });
            if header.is_control() {
                skipping.remove(&header.producer_id);
                continue;
            }
            if read_committed && header.is_transactional() && skipping.contains(&header.producer_id)
            {
                continue;
            }
            kept.extend(
                values(&bytes)
                    .into_iter()
                    .map(|(_, v)| String::from_utf8_lossy(&v).into_owned()),
            );
        }
        if offset >= end || records.is_empty() {
            return (kept, data.last_stable_offset, data.high_watermark, reported);
        }
    }
}

async fn latest_offset(client: &mut RawClient, topic: &str, read_committed: bool) -> i64 {
    let request = ListOffsetsRequest::default()
        .with_replica_id(kctl_client::protocol::messages::BrokerId(-1))
        .with_isolation_level(i8::from(read_committed))
        .with_topics(vec![
            ListOffsetsTopic::default()
                .with_name(name(topic))
                .with_partitions(vec![
                    ListOffsetsPartition::default()
                        .with_partition_index(0)
                        .with_timestamp(-1),
                ]),
        ]);
    let response = client.send(5, &request).await;
    response.topics[0].partitions[0].offset
}

async fn describe(client: &mut RawClient, id: &str) -> (String, i64, i16, usize) {
    let response = client
        .send(
            0,
            &DescribeTransactionsRequest::default().with_transactional_ids(vec![txn_id(id)]),
        )
        .await;
    let s = &response.transaction_states[0];
    assert_eq!(s.error_code, 0);
    (
        s.transaction_state.to_string(),
        s.producer_id.0,
        s.producer_epoch,
        s.topics.iter().map(|t| t.partitions.len()).sum(),
    )
}

#[tokio::test]
async fn aborted_records_are_invisible_to_read_committed_and_the_lso_holds_back_open_ones() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    create_topic(&mut client, "t", 1, &[]).await;
    let mut a = TxnProducer::init(&mut client, "a", 60_000).await;
    let mut b = TxnProducer::init(&mut client, "b", 60_000).await;
    assert_eq!(a.add_partitions(&mut client, "t", &[0]).await, 0);
    assert_eq!(b.add_partitions(&mut client, "t", &[0]).await, 0);
    assert_eq!(a.send(&mut client, "t", 0, &["a1", "a2"]).await, (0, 0));
    assert_eq!(b.send(&mut client, "t", 0, &["b1"]).await, (0, 2));
    assert_eq!(a.send(&mut client, "t", 0, &["a3"]).await, (0, 3));
    assert_eq!(describe(&mut client, "a").await.0, "Ongoing");

    // Both open: read_committed sees nothing, the LSO is the first offset.
    let (seen, lso, hw, _) = fetch_isolated(&mut client, "t", 0, true).await;
    assert_eq!((seen.len(), lso, hw), (0, 0, 4));
    assert_eq!(latest_offset(&mut client, "t", true).await, 0);
    assert_eq!(latest_offset(&mut client, "t", false).await, 4);

    // a aborts (marker at 4): b's open transaction still holds the LSO at 2.
    assert_eq!(a.end(&mut client, false).await, 0);
    let (seen, lso, _, aborted) = fetch_isolated(&mut client, "t", 0, true).await;
    assert_eq!((seen, lso), (Vec::<String>::new(), 2));
    assert_eq!(aborted, vec![(a.producer_id, 0)]);

    // b commits (marker at 5): everything is stable; only b1 is visible.
    assert_eq!(b.end(&mut client, true).await, 0);
    let (seen, lso, hw, aborted) = fetch_isolated(&mut client, "t", 0, true).await;
    assert_eq!((seen, lso, hw), (vec!["b1".to_owned()], 6, 6));
    assert_eq!(aborted, vec![(a.producer_id, 0)]);
    let (all, _, _, _) = fetch_isolated(&mut client, "t", 0, false).await;
    assert_eq!(all, ["a1", "a2", "b1", "a3"]);
    assert_eq!(describe(&mut client, "a").await.0, "CompleteAbort");
    assert_eq!(describe(&mut client, "b").await.0, "CompleteCommit");
    // A retried commit is answered again; committing an aborted one is not.
    assert_eq!(b.end(&mut client, true).await, 0);
    assert_eq!(
        a.end(&mut client, true).await,
        ErrorCode::InvalidTxnState.code()
    );

    // A batch outside the transaction's partitions is refused.
    assert_eq!(
        a.send(&mut client, "t", 0, &["late"]).await.0,
        ErrorCode::InvalidTxnState.code()
    );

    // DescribeProducers shows both, with no open transaction.
    let response = client
        .send(
            0,
            &DescribeProducersRequest::default().with_topics(vec![
                TopicRequest::default()
                    .with_name(name("t"))
                    .with_partition_indexes(vec![0]),
            ]),
        )
        .await;
    let producers = &response.topics[0].partitions[0].active_producers;
    assert_eq!(producers.len(), 2);
    assert!(producers.iter().all(|p| p.current_txn_start_offset == -1));

    // The aborted range survives a restart (the .txnindex).
    let list = client
        .send(
            1,
            &ListTransactionsRequest::default().with_duration_filter(-1),
        )
        .await;
    assert_eq!(list.transaction_states.len(), 2);
}

/// The `transaction.version` a broker finalizes in ApiVersions v3+.
async fn finalized_transaction_version(client: &mut RawClient) -> Option<i16> {
    let response = client
        .send(
            3,
            &kctl_client::protocol::messages::ApiVersionsRequest::default(),
        )
        .await;
    response
        .finalized_features
        .iter()
        .find(|f| f.name.as_str() == "transaction.version")
        .map(|f| f.max_version_level)
}

#[tokio::test]
async fn transactions_v2_add_partitions_through_produce_and_bump_the_epoch_at_every_end() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    assert_eq!(finalized_transaction_version(&mut client).await, Some(2));
    create_topic(&mut client, "t", 2, &[]).await;
    let mut p = TxnProducer::init(&mut client, "v2", 60_000).await;
    let (pid, epoch0) = (p.producer_id, p.epoch);

    // Produce v11 still needs AddPartitionsToTxn; v12 adds the partition.
    assert_eq!(
        p.send_at(&mut client, 11, "t", 0, &["refused"]).await.0,
        ErrorCode::InvalidTxnState.code()
    );
    assert_eq!(p.send_at(&mut client, 12, "t", 0, &["c1"]).await, (0, 0));
    assert_eq!(p.send_at(&mut client, 12, "t", 1, &["c2"]).await, (0, 0));
    assert_eq!(
        describe(&mut client, "v2").await,
        ("Ongoing".into(), pid, epoch0, 2)
    );

    // The commit bumps the epoch and answers it; markers carry it.
    assert_eq!(p.end_v2(&mut client, epoch0, true).await, (0, epoch0 + 1));
    assert_eq!(
        describe(&mut client, "v2").await,
        ("CompleteCommit".into(), pid, epoch0 + 1, 0)
    );
    // A retry with the old epoch gets the same answer; other epochs are fenced.
    assert_eq!(p.end_v2(&mut client, epoch0, true).await, (0, epoch0 + 1));
    assert_eq!(
        p.end_v2(&mut client, epoch0 + 5, true).await.0,
        ErrorCode::ProducerFenced.code()
    );
    // A zombie of the old epoch cannot write into the next transaction.
    let mut zombie = TxnProducer {
        id: "v2".into(),
        producer_id: pid,
        epoch: epoch0,
        sequences: Default::default(),
    };
    zombie.sequences.insert(("t".into(), 0), 1);
    assert_eq!(
        zombie.send_at(&mut client, 12, "t", 0, &["zombie"]).await.0,
        ErrorCode::InvalidProducerEpoch.code()
    );

    // The next transaction, under the new epoch from sequence 0, aborts.
    assert_eq!(p.send_at(&mut client, 12, "t", 0, &["a1"]).await, (0, 2));
    let epoch1 = p.epoch;
    assert_eq!(p.end_v2(&mut client, epoch1, false).await, (0, epoch1 + 1));
    // An abort with nothing open only bumps the epoch.
    assert_eq!(
        p.end_v2(&mut client, epoch1 + 1, false).await,
        (0, epoch1 + 2)
    );
    assert_eq!(describe(&mut client, "v2").await.0, "CompleteAbort");

    let (seen, lso, hw, aborted) = fetch_isolated(&mut client, "t", 0, true).await;
    assert_eq!(seen, ["c1"]);
    assert_eq!((lso, hw), (4, 4), "c1, its marker, a1, its marker");
    assert_eq!(aborted, vec![(pid, 2)]);
    let (all, _, _, _) = fetch_isolated(&mut client, "t", 0, false).await;
    assert_eq!(all, ["c1", "a1"]);
}

#[tokio::test]
async fn transaction_version_1_is_finalized_on_request_and_v1_clients_work_on_either() {
    let broker = TestBroker::start_with(|c| c.txn.transaction_version = 1).await;
    let mut client = broker.client().await;
    assert_eq!(finalized_transaction_version(&mut client).await, Some(1));
    create_topic(&mut client, "t", 1, &[]).await;
    let mut p = TxnProducer::init(&mut client, "v1", 60_000).await;
    assert_eq!(p.add_partitions(&mut client, "t", &[0]).await, 0);
    assert_eq!(p.send(&mut client, "t", 0, &["x"]).await, (0, 0));
    assert_eq!(p.end(&mut client, true).await, 0);
    // Transactions v1 keep the epoch across transactions.
    assert_eq!(describe(&mut client, "v1").await.2, p.epoch);
    let (seen, _, _, _) = fetch_isolated(&mut client, "t", 0, true).await;
    assert_eq!(seen, ["x"]);
}

#[tokio::test]
async fn offsets_committed_in_a_transaction_show_only_when_it_commits() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    create_topic(&mut client, "out", 1, &[]).await;
    create_topic(&mut client, "in", 1, &[]).await;
    let mut p = TxnProducer::init(&mut client, "offsets", 60_000).await;
    for (commit, offset) in [(false, 7), (true, 5)] {
        assert_eq!(p.add_partitions(&mut client, "out", &[0]).await, 0);
        assert_eq!(p.send(&mut client, "out", 0, &["x"]).await.0, 0);
        let added = client
            .send(
                3,
                &AddOffsetsToTxnRequest::default()
                    .with_transactional_id(txn_id("offsets"))
                    .with_producer_id(ProducerId(p.producer_id))
                    .with_producer_epoch(p.epoch)
                    .with_group_id(GroupId(StrBytes::from_static_str("g"))),
            )
            .await;
        assert_eq!(added.error_code, 0);
        let committed = client
            .send(
                3,
                &TxnOffsetCommitRequest::default()
                    .with_transactional_id(txn_id("offsets"))
                    .with_group_id(GroupId(StrBytes::from_static_str("g")))
                    .with_producer_id(ProducerId(p.producer_id))
                    .with_producer_epoch(p.epoch)
                    .with_generation_id(-1)
                    .with_topics(vec![
                        TxnOffsetCommitRequestTopic::default()
                            .with_name(name("in"))
                            .with_partitions(vec![
                                TxnOffsetCommitRequestPartition::default()
                                    .with_partition_index(0)
                                    .with_committed_offset(offset)
                                    .with_committed_leader_epoch(-1),
                            ]),
                    ]),
            )
            .await;
        assert_eq!(committed.topics[0].partitions[0].error_code, 0);
        assert_eq!(
            committed_offset(&mut client).await,
            -1,
            "visible before the end"
        );
        // A consumer asking for stable offsets is told to wait (KIP-447).
        assert_eq!(
            stable_offset_error(&mut client).await,
            ErrorCode::UnstableOffsetCommit.code()
        );
        assert_eq!(p.end(&mut client, commit).await, 0);
        assert_eq!(stable_offset_error(&mut client).await, 0);
    }
    assert_eq!(committed_offset(&mut client).await, 5);
}

/// The error of OffsetFetch v7 with `require_stable` for group g's in-0.
async fn stable_offset_error(client: &mut RawClient) -> i16 {
    let response = client
        .send(
            7,
            &OffsetFetchRequest::default()
                .with_group_id(GroupId(StrBytes::from_static_str("g")))
                .with_require_stable(true)
                .with_topics(Some(vec![
                    OffsetFetchRequestTopic::default()
                        .with_name(name("in"))
                        .with_partition_indexes(vec![0]),
                ])),
        )
        .await;
    response.topics[0].partitions[0].error_code
}

async fn committed_offset(client: &mut RawClient) -> i64 {
    let response = client
        .send(
            5,
            &OffsetFetchRequest::default()
                .with_group_id(GroupId(StrBytes::from_static_str("g")))
                .with_topics(Some(vec![
                    OffsetFetchRequestTopic::default()
                        .with_name(name("in"))
                        .with_partition_indexes(vec![0]),
                ])),
        )
        .await;
    response.topics[0].partitions[0].committed_offset
}

#[tokio::test]
async fn a_transaction_past_its_timeout_is_aborted_and_its_producer_fenced() {
    let broker = TestBroker::start_with(|c| c.txn.abort_timed_out_check_interval_ms = 50).await;
    let mut client = broker.client().await;
    create_topic(&mut client, "slow", 1, &[]).await;
    let mut p = TxnProducer::init(&mut client, "slow", 300).await;
    assert_eq!(p.add_partitions(&mut client, "slow", &[0]).await, 0);
    assert_eq!(p.send(&mut client, "slow", 0, &["never"]).await.0, 0);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (state, _, epoch, _) = describe(&mut client, "slow").await;
        if state == "CompleteAbort" {
            assert_eq!(epoch, p.epoch + 1, "the abort bumps the epoch");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never aborted: {state}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The producer is fenced: EndTxn, AddPartitions and Produce all refuse it.
    assert_eq!(
        p.end(&mut client, true).await,
        ErrorCode::ProducerFenced.code()
    );
    assert_eq!(
        p.add_partitions(&mut client, "slow", &[0]).await,
        ErrorCode::ProducerFenced.code()
    );
    assert_eq!(
        p.send(&mut client, "slow", 0, &["zombie"]).await.0,
        ErrorCode::InvalidProducerEpoch.code()
    );
    let (seen, lso, hw, aborted) = fetch_isolated(&mut client, "slow", 0, true).await;
    assert_eq!((seen.len(), lso, hw), (0, 2, 2));
    assert_eq!(aborted, vec![(p.producer_id, 0)]);

    // A new instance takes over at the next epoch and works.
    let mut next = TxnProducer::init(&mut client, "slow", 60_000).await;
    assert_eq!(next.producer_id, p.producer_id);
    assert_eq!(next.epoch, p.epoch + 2);
    assert_eq!(next.add_partitions(&mut client, "slow", &[0]).await, 0);
    assert_eq!(next.send(&mut client, "slow", 0, &["ok"]).await.0, 0);
    assert_eq!(next.end(&mut client, true).await, 0);
    let (seen, ..) = fetch_isolated(&mut client, "slow", 0, true).await;
    assert_eq!(seen, ["ok"]);
    // An out-of-range timeout is refused, as Kafka refuses it.
    let response = client
        .send(
            4,
            &InitProducerIdRequest::default()
                .with_transactional_id(Some(txn_id("too-long")))
                .with_transaction_timeout_ms(900_001)
                .with_producer_id(ProducerId(-1))
                .with_producer_epoch(-1),
        )
        .await;
    assert_eq!(
        response.error_code,
        ErrorCode::InvalidTransactionTimeout.code()
    );
}

#[tokio::test]
async fn a_new_instance_aborts_the_open_transaction_of_the_old_one() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    create_topic(&mut client, "handover", 1, &[]).await;
    let mut old = TxnProducer::init(&mut client, "h", 60_000).await;
    assert_eq!(old.add_partitions(&mut client, "handover", &[0]).await, 0);
    assert_eq!(old.send(&mut client, "handover", 0, &["old"]).await.0, 0);
    let new = TxnProducer::init(&mut client, "h", 60_000).await;
    assert!(new.epoch > old.epoch);
    assert_eq!(describe(&mut client, "h").await.0, "Empty");
    assert_eq!(
        old.end(&mut client, true).await,
        ErrorCode::ProducerFenced.code()
    );
    let (seen, lso, hw, _) = fetch_isolated(&mut client, "handover", 0, true).await;
    assert_eq!((seen.len(), lso, hw), (0, 2, 2));
}

#[tokio::test]
async fn kill_9_mid_transaction_keeps_it_open_and_it_commits_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (child, bootstrap) = spawn_broker(dir.path());
    let mut child = KillOnDrop(child);
    let mut client = RawClient::connect(&bootstrap).await;
    create_topic(&mut client, "k9", 2, &[]).await;
    let mut committed = TxnProducer::init(&mut client, "k9-done", 60_000).await;
    assert_eq!(committed.add_partitions(&mut client, "k9", &[0]).await, 0);
    assert_eq!(committed.send(&mut client, "k9", 0, &["c1"]).await.0, 0);
    let mut aborted = TxnProducer::init(&mut client, "k9-aborted", 60_000).await;
    assert_eq!(aborted.add_partitions(&mut client, "k9", &[0]).await, 0);
    assert_eq!(aborted.send(&mut client, "k9", 0, &["x"]).await.0, 0);
    assert_eq!(aborted.end(&mut client, false).await, 0);
    assert_eq!(committed.send(&mut client, "k9", 0, &["c2"]).await.0, 0);
    child.kill_9();

    let (child, bootstrap) = spawn_broker(dir.path());
    let mut child = KillOnDrop(child);
    let mut client = RawClient::connect(&bootstrap).await;
    assert_eq!(describe(&mut client, "k9-done").await.0, "Ongoing");
    // Still open: the LSO holds at its first batch.
    let (seen, lso, _, _) = fetch_isolated(&mut client, "k9", 0, true).await;
    assert_eq!((seen.len(), lso), (0, 0));
    // The same producer (same id and epoch) finishes it.
    assert_eq!(committed.end(&mut client, true).await, 0);
    let (seen, _, _, aborted_txns) = fetch_isolated(&mut client, "k9", 0, true).await;
    assert_eq!(seen, ["c1", "c2"]);
    assert_eq!(aborted_txns, vec![(aborted.producer_id, 1)]);
    child.kill_9();
}

/// A broker process that is killed (SIGKILL) when the test ends, even by
/// a failed assertion.
struct KillOnDrop(std::process::Child);

impl KillOnDrop {
    fn kill_9(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        self.kill_9();
    }
}

#[tokio::test]
async fn confluent_kafka_transactions_against_broker_lite() {
    let Some(python) = python() else { return };
    let broker = TestBroker::start().await;
    let script = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python/confluent_transactions.py");
    let bootstrap = broker.bootstrap();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .arg(script)
            .arg(&bootstrap)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "confluent-kafka transaction checks failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("\"read_committed\": 13"), "{stdout}");
}
