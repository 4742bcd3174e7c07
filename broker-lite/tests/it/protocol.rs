//! Each API against a live broker, through raw requests.

use std::time::{Duration, Instant};

use bytes::Bytes;
use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::batch::BatchScan;
use kctl_client::protocol::messages::create_partitions_request::CreatePartitionsTopic;
use kctl_client::protocol::messages::create_topics_request::{
    CreatableTopic, CreatableTopicConfig,
};
use kctl_client::protocol::messages::describe_configs_request::DescribeConfigsResource;
use kctl_client::protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kctl_client::protocol::messages::list_offsets_request::{
    ListOffsetsPartition, ListOffsetsTopic,
};
use kctl_client::protocol::messages::metadata_request::MetadataRequestTopic;
use kctl_client::protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kctl_client::protocol::messages::*;
use kctl_client::protocol::records::{Compression, RecordBatchDecoder};
use kctl_client::protocol::{StrBytes, header};

use crate::support::{RawClient, TestBroker, batch};

pub fn name(s: &str) -> TopicName {
    TopicName(StrBytes::from_string(s.to_owned()))
}

pub async fn create_topic(
    client: &mut RawClient,
    topic: &str,
    partitions: i32,
    configs: &[(&str, &str)],
) -> CreateTopicsResponse {
    let configs = configs
        .iter()
        .map(|(k, v)| {
            CreatableTopicConfig::default()
                .with_name(StrBytes::from_string((*k).into()))
                .with_value(Some(StrBytes::from_string((*v).into())))
        })
        .collect();
    let request = CreateTopicsRequest::default()
        .with_timeout_ms(5000)
        .with_topics(vec![
            CreatableTopic::default()
                .with_name(name(topic))
                .with_num_partitions(partitions)
                .with_replication_factor(-1)
                .with_configs(configs),
        ]);
    client.send(7, &request).await
}

pub async fn produce(
    client: &mut RawClient,
    topic: &str,
    partition: i32,
    records: Bytes,
    acks: i16,
) -> Option<ProduceResponse> {
    let request = ProduceRequest::default()
        .with_acks(acks)
        .with_timeout_ms(5000)
        .with_topic_data(vec![
            TopicProduceData::default()
                .with_name(name(topic))
                .with_partition_data(vec![
                    PartitionProduceData::default()
                        .with_index(partition)
                        .with_records(Some(records)),
                ]),
        ]);
    if acks == 0 {
        client.write(9, &request).await;
        return None;
    }
    Some(client.send(9, &request).await)
}

/// Produces and returns (error code, base offset).
pub async fn produce_one(
    client: &mut RawClient,
    topic: &str,
    partition: i32,
    records: Bytes,
) -> (i16, i64) {
    let response = produce(client, topic, partition, records, -1)
        .await
        .unwrap();
    let p = &response.responses[0].partition_responses[0];
    (p.error_code, p.base_offset)
}

pub fn fetch_request(
    topic: &str,
    partition: i32,
    offset: i64,
    max_wait_ms: i32,
    min_bytes: i32,
) -> FetchRequest {
    FetchRequest::default()
        .with_max_wait_ms(max_wait_ms)
        .with_min_bytes(min_bytes)
        .with_max_bytes(50 * 1024 * 1024)
        .with_session_epoch(-1)
        .with_topics(vec![
            FetchTopic::default()
                .with_topic(name(topic))
                .with_partitions(vec![
                    FetchPartition::default()
                        .with_partition(partition)
                        .with_fetch_offset(offset)
                        .with_partition_max_bytes(1024 * 1024),
                ]),
        ])
}

pub async fn fetch(
    client: &mut RawClient,
    topic: &str,
    partition: i32,
    offset: i64,
) -> fetch_response::PartitionData {
    let mut response = client
        .send(12, &fetch_request(topic, partition, offset, 0, 0))
        .await;
    response.responses.remove(0).partitions.remove(0)
}

/// Every record value in a fetch payload, with its offset.
pub fn values(records: &Bytes) -> Vec<(i64, Bytes)> {
    let mut out = Vec::new();
    let mut rest = records.clone();
    while !rest.is_empty() {
        let set = RecordBatchDecoder::decode(&mut rest).unwrap();
        out.extend(
            set.records
                .into_iter()
                .map(|r| (r.offset, r.value.unwrap_or_default())),
        );
    }
    out
}

#[tokio::test]
async fn api_versions_answers_known_and_too_new_versions() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    let response = client.send(3, &ApiVersionsRequest::default()).await;
    assert_eq!(response.error_code, 0);
    let produce = response
        .api_keys
        .iter()
        .find(|k| k.api_key == ApiKey::Produce as i16)
        .unwrap();
    assert_eq!(
        (produce.min_version, produce.max_version),
        (3, 12),
        "v12 is transactions v2; v13 names topics by id"
    );
    let add_partitions = response
        .api_keys
        .iter()
        .find(|k| k.api_key == ApiKey::AddPartitionsToTxn as i16)
        .unwrap();
    assert_eq!(
        add_partitions.max_version, 3,
        "v4+ is the broker-to-broker form"
    );
    assert!(
        response
            .api_keys
            .iter()
            .all(|k| k.api_key != ApiKey::WriteTxnMarkers as i16),
        "advertise only what is implemented"
    );

    // A version newer than ours gets a v0 body (and v0 header) saying so;
    // the body is not even read. (Flexible header: v2, with a tag byte.)
    client
        .write_raw(ApiKey::ApiVersions as i16, 9, 2, &[0xde, 0xad])
        .await;
    let frame = client.read_frame().await.unwrap();
    let (_, v0) = header::decode_response::<ApiVersionsRequest>(frame, 0).unwrap();
    assert_eq!(v0.error_code, ErrorCode::UnsupportedVersion.code());
    assert_eq!(v0.api_keys.len(), 1);
    assert_eq!(
        (v0.api_keys[0].api_key, v0.api_keys[0].max_version),
        (ApiKey::ApiVersions as i16, 4)
    );
}

#[tokio::test]
async fn metadata_auto_creates_and_describes_topics() {
    let broker = TestBroker::start_with(|c| c.num_partitions = 3).await;
    let mut client = broker.client().await;
    let request = MetadataRequest::default()
        .with_topics(Some(vec![
            MetadataRequestTopic::default().with_name(Some(name("auto"))),
        ]))
        .with_allow_auto_topic_creation(true);
    let response = client.send(12, &request).await;
    assert_eq!(response.brokers.len(), 1);
    assert!(
        response
            .cluster_id
            .as_ref()
            .is_some_and(|id| id.len() == 22)
    );
    let topic = &response.topics[0];
    assert_eq!(topic.error_code, 0);
    assert_eq!(topic.partitions.len(), 3);
    assert!(!topic.topic_id.is_nil());
    assert_eq!(topic.partitions[0].isr_nodes, vec![BrokerId(0)]);

    let no_create = MetadataRequest::default()
        .with_topics(Some(vec![
            MetadataRequestTopic::default().with_name(Some(name("nope"))),
        ]))
        .with_allow_auto_topic_creation(false);
    let response = client.send(12, &no_create).await;
    assert_eq!(
        response.topics[0].error_code,
        ErrorCode::UnknownTopicOrPartition.code()
    );

    let all = client
        .send(1, &MetadataRequest::default().with_topics(None))
        .await;
    assert_eq!(all.topics.len(), 1, "only the auto-created topic exists");
}

#[tokio::test]
async fn create_topics_validates_like_kafka() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    let created = create_topic(&mut client, "orders", 4, &[("retention.ms", "1000")]).await;
    let result = &created.topics[0];
    assert_eq!(result.error_code, 0, "{:?}", result.error_message);
    assert_eq!(result.num_partitions, 4);
    assert!(
        result
            .configs
            .as_ref()
            .unwrap()
            .iter()
            .any(|c| c.name.as_str() == "retention.ms"
                && c.value.as_ref().unwrap().as_str() == "1000")
    );

    let again = create_topic(&mut client, "orders", 4, &[]).await;
    assert_eq!(
        again.topics[0].error_code,
        ErrorCode::TopicAlreadyExists.code()
    );
    let bad_name = create_topic(&mut client, "bad name", 1, &[]).await;
    assert_eq!(
        bad_name.topics[0].error_code,
        ErrorCode::InvalidTopicException.code()
    );
    let bad_config = create_topic(&mut client, "t2", 1, &[("retention.ms", "soon")]).await;
    assert_eq!(
        bad_config.topics[0].error_code,
        ErrorCode::InvalidConfig.code()
    );
    assert!(
        bad_config.topics[0]
            .error_message
            .as_ref()
            .unwrap()
            .contains("retention.ms")
    );
    let unknown_config = create_topic(&mut client, "t3", 1, &[("no.such.config", "1")]).await;
    assert_eq!(
        unknown_config.topics[0].error_code,
        ErrorCode::InvalidConfig.code()
    );
    let zero = create_topic(&mut client, "t4", 0, &[]).await;
    assert_eq!(
        zero.topics[0].error_code,
        ErrorCode::InvalidPartitions.code()
    );

    let rf3 = CreateTopicsRequest::default().with_topics(vec![
        CreatableTopic::default()
            .with_name(name("rf3"))
            .with_num_partitions(1)
            .with_replication_factor(3),
    ]);
    let response = client.send(7, &rf3).await;
    assert_eq!(
        response.topics[0].error_code,
        ErrorCode::InvalidReplicationFactor.code()
    );

    let validate = CreateTopicsRequest::default()
        .with_validate_only(true)
        .with_topics(vec![
            CreatableTopic::default()
                .with_name(name("dry"))
                .with_num_partitions(-1)
                .with_replication_factor(-1),
        ]);
    let response = client.send(7, &validate).await;
    assert_eq!(response.topics[0].error_code, 0);
    let all = client
        .send(12, &MetadataRequest::default().with_topics(None))
        .await;
    assert_eq!(all.topics.len(), 1, "validate_only created nothing");
}

/// Regression (the `request` fuzz target): one request for 2^31 partitions
/// had the broker create directories until the disk or its descriptors ran
/// out. Kafka caps a request at 10,000 partitions with POLICY_VIOLATION.
#[tokio::test]
async fn a_request_for_billions_of_partitions_is_a_policy_violation() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    let started = Instant::now();
    let huge = create_topic(&mut client, "huge", i32::MAX, &[]).await;
    assert_eq!(huge.topics[0].error_code, ErrorCode::PolicyViolation.code());
    assert_eq!(
        huge.topics[0].error_message.as_deref(),
        Some("Excessively large number of partitions per request.")
    );
    // The cap counts the whole request, as Kafka's does.
    let split = CreateTopicsRequest::default().with_topics(vec![
        CreatableTopic::default()
            .with_name(name("half-a"))
            .with_num_partitions(6_000)
            .with_replication_factor(1),
        CreatableTopic::default()
            .with_name(name("half-b"))
            .with_num_partitions(6_000)
            .with_replication_factor(1),
    ]);
    let response = client.send(7, &split).await;
    assert!(
        response
            .topics
            .iter()
            .all(|t| t.error_code == ErrorCode::PolicyViolation.code())
    );
    create_topic(&mut client, "grow-huge", 1, &[]).await;
    let grow = CreatePartitionsRequest::default().with_topics(vec![
        CreatePartitionsTopic::default()
            .with_name(name("grow-huge"))
            .with_count(i32::MAX),
    ]);
    let response = client.send(3, &grow).await;
    assert_eq!(
        response.results[0].error_code,
        ErrorCode::PolicyViolation.code()
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    let all = client
        .send(12, &MetadataRequest::default().with_topics(None))
        .await;
    assert_eq!(all.topics.len(), 1, "only grow-huge exists");
    assert_eq!(all.topics[0].partitions.len(), 1, "and it did not grow");
}

#[tokio::test]
async fn delete_and_grow_topics() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    create_topic(&mut client, "grow", 2, &[]).await;
    let grow = |count| {
        CreatePartitionsRequest::default().with_topics(vec![
            CreatePartitionsTopic::default()
                .with_name(name("grow"))
                .with_count(count),
        ])
    };
    assert_eq!(client.send(3, &grow(5)).await.results[0].error_code, 0);
    let shrink = client.send(3, &grow(3)).await;
    assert_eq!(
        shrink.results[0].error_code,
        ErrorCode::InvalidPartitions.code()
    );
    let metadata = client
        .send(12, &MetadataRequest::default().with_topics(None))
        .await;
    assert_eq!(metadata.topics[0].partitions.len(), 5);

    let (error, _) =
        produce_one(&mut client, "grow", 4, batch(&[b"x"], 1, Compression::None)).await;
    assert_eq!(error, 0);

    let delete =
        DeleteTopicsRequest::default().with_topic_names(vec![name("grow"), name("missing")]);
    let response = client.send(5, &delete).await;
    assert_eq!(response.responses[0].error_code, 0);
    assert_eq!(
        response.responses[1].error_code,
        ErrorCode::UnknownTopicOrPartition.code()
    );
    let metadata = client
        .send(12, &MetadataRequest::default().with_topics(None))
        .await;
    assert!(metadata.topics.is_empty());
    assert!(!broker.dir.path().join("grow-0").exists(), "data removed");
}

#[tokio::test]
async fn produce_then_fetch_round_trips_batches() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    create_topic(&mut client, "rt", 1, &[]).await;
    for (i, compression) in [
        Compression::None,
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ]
    .into_iter()
    .enumerate()
    {
        let (error, base) = produce_one(
            &mut client,
            "rt",
            0,
            batch(&[b"a", b"b", b"c"], 1000, compression),
        )
        .await;
        assert_eq!((error, base), (0, 3 * i as i64), "{compression:?}");
    }
    let data = fetch(&mut client, "rt", 0, 0).await;
    assert_eq!(data.error_code, 0);
    assert_eq!(data.high_watermark, 15);
    assert_eq!(data.last_stable_offset, 15);
    assert_eq!(data.log_start_offset, 0);
    let records = data.records.unwrap();
    assert!(
        BatchScan::verified(&records).all(|b| b.is_ok()),
        "stored batches keep valid CRCs"
    );
    let got = values(&records);
    assert_eq!(got.len(), 15);
    assert!(
        got.iter()
            .enumerate()
            .all(|(i, (offset, _))| *offset == i as i64)
    );

    // A fetch inside a batch returns that whole batch.
    let mid = fetch(&mut client, "rt", 0, 4).await.records.unwrap();
    assert_eq!(values(&mid)[0].0, 3);
    // At the end: empty records, never null.
    let end = fetch(&mut client, "rt", 0, 15).await;
    assert_eq!(
        (end.error_code, end.records.as_ref().map(Bytes::len)),
        (0, Some(0))
    );
    let past = fetch(&mut client, "rt", 0, 16).await;
    assert_eq!(past.error_code, ErrorCode::OffsetOutOfRange.code());
    let unknown = fetch(&mut client, "nope", 0, 0).await;
    assert_eq!(
        unknown.error_code,
        ErrorCode::UnknownTopicOrPartition.code()
    );
}

#[tokio::test]
async fn fetch_long_poll_wakes_on_append() {
    let broker = TestBroker::start().await;
    let mut producer = broker.client().await;
    create_topic(&mut producer, "poll", 1, &[]).await;
    let mut consumer = broker.client().await;
    let started = Instant::now();
    consumer
        .write(12, &fetch_request("poll", 0, 0, 10_000, 1))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    produce_one(
        &mut producer,
        "poll",
        0,
        batch(&[b"wake"], 1, Compression::None),
    )
    .await;
    let frame = consumer.read_frame().await.unwrap();
    let (_, response) = header::decode_response::<FetchRequest>(frame, 12).unwrap();
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(300) && waited < Duration::from_secs(5),
        "waited {waited:?}"
    );
    assert_eq!(
        values(
            response.responses[0].partitions[0]
                .records
                .as_ref()
                .unwrap()
        )[0]
        .1,
        Bytes::from_static(b"wake")
    );

    // With nothing to read, the poll lasts max_wait_ms.
    let started = Instant::now();
    let response = consumer
        .send(12, &fetch_request("poll", 0, 1, 400, 1))
        .await;
    assert!(started.elapsed() >= Duration::from_millis(380));
    assert_eq!(
        response.responses[0].partitions[0]
            .records
            .as_ref()
            .map(Bytes::len),
        Some(0)
    );
}

#[tokio::test]
async fn fetch_respects_byte_limits_but_returns_a_whole_first_batch() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    create_topic(&mut client, "limits", 1, &[]).await;
    let big = vec![7u8; 2000];
    for _ in 0..3 {
        produce_one(
            &mut client,
            "limits",
            0,
            batch(&[&big], 1, Compression::None),
        )
        .await;
    }
    let mut request = fetch_request("limits", 0, 0, 0, 0);
    request.topics[0].partitions[0].partition_max_bytes = 100;
    let response = client.send(12, &request).await;
    let records = response.responses[0].partitions[0].records.clone().unwrap();
    assert_eq!(
        values(&records).len(),
        1,
        "one whole batch despite the 100-byte limit"
    );
    request.topics[0].partitions[0].partition_max_bytes = 4500;
    let response = client.send(12, &request).await;
    assert_eq!(
        values(
            response.responses[0].partitions[0]
                .records
                .as_ref()
                .unwrap()
        )
        .len(),
        2
    );
}

#[tokio::test]
async fn list_offsets_earliest_latest_and_by_time() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    create_topic(&mut client, "times", 1, &[]).await;
    produce_one(
        &mut client,
        "times",
        0,
        batch(&[b"a", b"b"], 1_000, Compression::None),
    )
    .await;
    produce_one(
        &mut client,
        "times",
        0,
        batch(&[b"c", b"d"], 5_000, Compression::Lz4),
    )
    .await;
    let ask = |timestamp: i64| {
        ListOffsetsRequest::default().with_topics(vec![
            ListOffsetsTopic::default()
                .with_name(name("times"))
                .with_partitions(vec![
                    ListOffsetsPartition::default()
                        .with_partition_index(0)
                        .with_timestamp(timestamp),
                ]),
        ])
    };
    let mut answer = async |ts| {
        let r = client.send(7, &ask(ts)).await;
        let p = &r.topics[0].partitions[0];
        (p.error_code, p.offset, p.timestamp)
    };
    assert_eq!(answer(-2).await, (0, 0, -1));
    assert_eq!(answer(-1).await, (0, 4, -1));
    assert_eq!(answer(1_001).await, (0, 1, 1_001));
    assert_eq!(answer(4_000).await, (0, 2, 5_000));
    assert_eq!(answer(5_001).await, (0, 3, 5_001));
    assert_eq!(answer(9_999).await, (0, -1, -1));
    assert_eq!(answer(-3).await, (0, 3, 5_001));
}

#[tokio::test]
async fn describe_configs_reports_every_entry_with_its_source() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    create_topic(&mut client, "conf", 1, &[("segment.bytes", "65536")]).await;
    let request = DescribeConfigsRequest::default()
        .with_include_synonyms(true)
        .with_resources(vec![
            DescribeConfigsResource::default()
                .with_resource_type(2)
                .with_resource_name(StrBytes::from_static_str("conf")),
            DescribeConfigsResource::default()
                .with_resource_type(4)
                .with_resource_name(StrBytes::from_static_str("0")),
            DescribeConfigsResource::default()
                .with_resource_type(2)
                .with_resource_name(StrBytes::from_static_str("missing")),
        ]);
    let response = client.send(4, &request).await;
    let topic = &response.results[0];
    let segment = topic
        .configs
        .iter()
        .find(|c| c.name.as_str() == "segment.bytes")
        .unwrap();
    assert_eq!(
        (
            segment.value.as_ref().unwrap().as_str(),
            segment.config_source
        ),
        ("65536", 1)
    );
    let retention = topic
        .configs
        .iter()
        .find(|c| c.name.as_str() == "retention.ms")
        .unwrap();
    assert_eq!(
        (
            retention.value.as_ref().unwrap().as_str(),
            retention.config_source
        ),
        ("604800000", 5)
    );
    assert!(topic.configs.len() >= 10);
    let broker_configs = &response.results[1];
    assert_eq!(broker_configs.error_code, 0);
    assert!(
        broker_configs
            .configs
            .iter()
            .any(|c| c.name.as_str() == "log.segment.bytes")
    );
    assert_eq!(
        response.results[2].error_code,
        ErrorCode::UnknownTopicOrPartition.code()
    );
}

#[tokio::test]
async fn describe_cluster_names_the_broker() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    let response = client
        .send(1, &DescribeClusterRequest::default().with_endpoint_type(1))
        .await;
    assert_eq!(response.error_code, 0);
    assert_eq!(response.brokers.len(), 1);
    assert_eq!(response.controller_id, BrokerId(0));
    assert_eq!(
        format!(
            "{}:{}",
            response.brokers[0].host.as_str(),
            response.brokers[0].port
        ),
        broker.bootstrap()
    );
}

#[tokio::test]
async fn max_message_bytes_is_enforced() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    create_topic(&mut client, "small", 1, &[("max.message.bytes", "1000")]).await;
    let (error, _) = produce_one(
        &mut client,
        "small",
        0,
        batch(&[&[1u8; 2000]], 1, Compression::None),
    )
    .await;
    assert_eq!(error, ErrorCode::MessageTooLarge.code());
    let (error, _) = produce_one(
        &mut client,
        "small",
        0,
        batch(&[b"fits"], 1, Compression::None),
    )
    .await;
    assert_eq!(error, 0);
}

#[tokio::test]
async fn acks_zero_gets_no_response_but_keeps_order() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    create_topic(&mut client, "quiet", 1, &[]).await;
    produce(
        &mut client,
        "quiet",
        0,
        batch(&[b"fire"], 1, Compression::None),
        0,
    )
    .await;
    // The next response on the connection is Metadata's, not Produce's.
    let metadata = client
        .send(12, &MetadataRequest::default().with_topics(None))
        .await;
    assert_eq!(metadata.topics.len(), 1);
    assert_eq!(fetch(&mut client, "quiet", 0, 0).await.high_watermark, 1);
}

/// The README's "Supported APIs" list is the one ApiVersions gives: every
/// advertised API appears there as "Name min–max" (or "Name v" for one
/// version), so neither can drift from the other.
#[tokio::test]
async fn the_readme_lists_every_advertised_api_version_range() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    let response = client.send(3, &ApiVersionsRequest::default()).await;
    let mut missing = Vec::new();
    for k in &response.api_keys {
        let key = ApiKey::try_from(k.api_key).unwrap();
        let listed = if k.min_version == k.max_version {
            format!("{key:?} {}", k.min_version)
        } else {
            format!("{key:?} {}–{}", k.min_version, k.max_version)
        };
        if !readme.contains(&listed) {
            missing.push(listed);
        }
    }
    assert!(
        missing.is_empty(),
        "README.md's Supported APIs do not say: {missing:?}"
    );
}
