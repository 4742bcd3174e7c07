//! AlterConfigs / IncrementalAlterConfigs applied without a restart, and
//! DeleteRecords.

use std::time::{Duration, Instant};

use kctl_client::protocol::messages::describe_configs_request::DescribeConfigsResource;
use kctl_client::protocol::messages::list_offsets_request::{
    ListOffsetsPartition, ListOffsetsTopic,
};
use kctl_client::protocol::messages::*;
use kctl_client::protocol::records::Compression;
use kctl_client::protocol::{ErrorCode, StrBytes};

use crate::protocol::{create_topic, name, produce, produce_one};
use crate::support::{RawClient, TestBroker, batch, python};

const SET: i8 = 0;
const DELETE: i8 = 1;
const APPEND: i8 = 2;
const SUBTRACT: i8 = 3;

fn s(v: &str) -> StrBytes {
    StrBytes::from_string(v.to_owned())
}

/// IncrementalAlterConfigs on one resource: (error code, message).
pub async fn incremental(
    client: &mut RawClient,
    resource_type: i8,
    resource: &str,
    ops: &[(&str, i8, Option<&str>)],
    validate_only: bool,
) -> (i16, String) {
    let configs = ops
        .iter()
        .map(|(k, op, v)| {
            incremental_alter_configs_request::AlterableConfig::default()
                .with_name(s(k))
                .with_config_operation(*op)
                .with_value(v.map(s))
        })
        .collect();
    let request = IncrementalAlterConfigsRequest::default()
        .with_validate_only(validate_only)
        .with_resources(vec![
            incremental_alter_configs_request::AlterConfigsResource::default()
                .with_resource_type(resource_type)
                .with_resource_name(s(resource))
                .with_configs(configs),
        ]);
    let response = client.send(1, &request).await;
    let r = &response.responses[0];
    (
        r.error_code,
        r.error_message
            .as_ref()
            .map(|m| m.to_string())
            .unwrap_or_default(),
    )
}

pub async fn topic_config(client: &mut RawClient, topic: &str, key: &str) -> String {
    let request = DescribeConfigsRequest::default().with_resources(vec![
        DescribeConfigsResource::default()
            .with_resource_type(2)
            .with_resource_name(s(topic))
            .with_configuration_keys(Some(vec![s(key)])),
    ]);
    let response = client.send(4, &request).await;
    response.results[0].configs[0]
        .value
        .as_ref()
        .unwrap()
        .to_string()
}

pub async fn earliest_offset(client: &mut RawClient, topic: &str) -> i64 {
    let request = ListOffsetsRequest::default().with_topics(vec![
        ListOffsetsTopic::default()
            .with_name(name(topic))
            .with_partitions(vec![
                ListOffsetsPartition::default()
                    .with_partition_index(0)
                    .with_timestamp(-2),
            ]),
    ]);
    client.send(7, &request).await.topics[0].partitions[0].offset
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[tokio::test]
async fn lowering_retention_ms_deletes_old_segments_at_the_next_pass() {
    let broker = TestBroker::start_with(|c| c.retention_check_interval_ms = 100).await;
    let mut client = broker.client().await;
    create_topic(&mut client, "ret", 1, &[("segment.bytes", "200")]).await;
    // A minute old: well inside the default 7 days.
    let old = now_ms() - 60_000;
    for i in 0..10 {
        let b = batch(&[&[b'x'; 50]], old + i, Compression::None);
        assert_eq!(produce_one(&mut client, "ret", 0, b).await.0, 0);
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        earliest_offset(&mut client, "ret").await,
        0,
        "nothing is due yet"
    );

    let (code, message) = incremental(
        &mut client,
        2,
        "ret",
        &[("retention.ms", SET, Some("1000"))],
        false,
    )
    .await;
    assert_eq!((code, message.as_str()), (0, ""));
    let deadline = Instant::now() + Duration::from_secs(10);
    while earliest_offset(&mut client, "ret").await == 0 {
        assert!(
            Instant::now() < deadline,
            "retention never applied the new value"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Only closed segments go: the active one keeps the newest batch.
    let earliest = earliest_offset(&mut client, "ret").await;
    assert!((1..=9).contains(&earliest), "{earliest}");
    assert_eq!(
        topic_config(&mut client, "ret", "retention.ms").await,
        "1000"
    );
}

#[tokio::test]
async fn configs_validate_apply_live_and_persist() {
    let mut broker = TestBroker::start().await;
    let mut client = broker.client().await;
    create_topic(&mut client, "cfg", 1, &[("retention.ms", "3600000")]).await;
    let big = batch(&[&[b'x'; 1500]], 1, Compression::None);
    assert_eq!(produce_one(&mut client, "cfg", 0, big.clone()).await.0, 0);

    // AlterConfigs replaces every override, as in Kafka.
    let request = AlterConfigsRequest::default().with_resources(vec![
        alter_configs_request::AlterConfigsResource::default()
            .with_resource_type(2)
            .with_resource_name(s("cfg"))
            .with_configs(vec![
                alter_configs_request::AlterableConfig::default()
                    .with_name(s("max.message.bytes"))
                    .with_value(Some(s("1000"))),
            ]),
    ]);
    let response = client.send(2, &request).await;
    assert_eq!(response.responses[0].error_code, 0);
    assert_eq!(
        produce_one(&mut client, "cfg", 0, big).await.0,
        ErrorCode::MessageTooLarge.code(),
        "the batch accepted before is now too large"
    );
    assert_eq!(
        topic_config(&mut client, "cfg", "retention.ms").await,
        (7 * 24 * 3_600_000i64).to_string(),
        "the override that was left out went back to the default"
    );

    // Bad values name the key; nothing changes.
    let (code, message) = incremental(
        &mut client,
        2,
        "cfg",
        &[
            ("segment.ms", SET, Some("3600000")),
            ("retention.ms", SET, Some("soon")),
        ],
        false,
    )
    .await;
    assert_eq!(code, ErrorCode::InvalidConfig.code());
    assert!(
        message.contains("retention.ms") && message.contains("soon"),
        "{message}"
    );
    assert_ne!(
        topic_config(&mut client, "cfg", "segment.ms").await,
        "3600000"
    );
    let (code, message) = incremental(
        &mut client,
        2,
        "cfg",
        &[("retention.ms", APPEND, Some("5"))],
        false,
    )
    .await;
    assert_eq!(code, ErrorCode::InvalidConfig.code());
    assert!(message.contains("retention.ms"), "{message}");
    let (code, message) = incremental(
        &mut client,
        2,
        "cfg",
        &[("no.such.config", SET, Some("1"))],
        false,
    )
    .await;
    assert_eq!(code, ErrorCode::InvalidConfig.code());
    assert!(message.contains("no.such.config"), "{message}");
    let (code, _) = incremental(&mut client, 2, "cfg", &[("retention.ms", SET, None)], false).await;
    assert_eq!(code, ErrorCode::InvalidRequest.code());

    // validate_only checks without applying.
    let ops = [("cleanup.policy", APPEND, Some("compact"))];
    assert_eq!(incremental(&mut client, 2, "cfg", &ops, true).await.0, 0);
    assert_eq!(
        topic_config(&mut client, "cfg", "cleanup.policy").await,
        "delete"
    );
    // APPEND / SUBTRACT on the list-typed cleanup.policy.
    assert_eq!(incremental(&mut client, 2, "cfg", &ops, false).await.0, 0);
    assert_eq!(
        topic_config(&mut client, "cfg", "cleanup.policy").await,
        "delete,compact"
    );
    let ops = [("cleanup.policy", SUBTRACT, Some("delete"))];
    assert_eq!(incremental(&mut client, 2, "cfg", &ops, false).await.0, 0);
    assert_eq!(
        topic_config(&mut client, "cfg", "cleanup.policy").await,
        "compact"
    );
    let ops = [("cleanup.policy", SUBTRACT, Some("compact"))];
    let (code, message) = incremental(&mut client, 2, "cfg", &ops, false).await;
    assert_eq!(code, ErrorCode::InvalidConfig.code(), "an empty policy");
    assert!(message.contains("cleanup.policy"), "{message}");
    let ops = [("cleanup.policy", DELETE, None)];
    assert_eq!(incremental(&mut client, 2, "cfg", &ops, false).await.0, 0);

    // Static broker configs and unknown topics, as Kafka answers them.
    let (code, message) = incremental(
        &mut client,
        4,
        "0",
        &[("log.retention.ms", SET, Some("1"))],
        false,
    )
    .await;
    assert_eq!(code, ErrorCode::InvalidRequest.code());
    assert!(message.contains("log.retention.ms"), "{message}");
    let (code, _) = incremental(
        &mut client,
        2,
        "nope",
        &[("retention.ms", SET, Some("1"))],
        false,
    )
    .await;
    assert_eq!(code, ErrorCode::UnknownTopicOrPartition.code());

    // min.insync.replicas above the single replica: acks=all is refused.
    let ops = [("min.insync.replicas", SET, Some("2"))];
    assert_eq!(incremental(&mut client, 2, "cfg", &ops, false).await.0, 0);
    let small = batch(&[b"s"], 1, Compression::None);
    assert_eq!(
        produce_one(&mut client, "cfg", 0, small.clone()).await.0,
        ErrorCode::NotEnoughReplicas.code()
    );
    let acks_one = produce(&mut client, "cfg", 0, small, 1).await.unwrap();
    assert_eq!(acks_one.responses[0].partition_responses[0].error_code, 0);

    broker.restart().await;
    let mut client = broker.client().await;
    assert_eq!(
        topic_config(&mut client, "cfg", "max.message.bytes").await,
        "1000"
    );
    assert_eq!(
        topic_config(&mut client, "cfg", "min.insync.replicas").await,
        "2"
    );
}

async fn delete_records(client: &mut RawClient, topic: &str, offset: i64) -> (i16, i64) {
    let request = DeleteRecordsRequest::default()
        .with_timeout_ms(1000)
        .with_topics(vec![
            delete_records_request::DeleteRecordsTopic::default()
                .with_name(name(topic))
                .with_partitions(vec![
                    delete_records_request::DeleteRecordsPartition::default()
                        .with_partition_index(0)
                        .with_offset(offset),
                ]),
        ]);
    let response = client.send(2, &request).await;
    let p = &response.topics[0].partitions[0];
    (p.error_code, p.low_watermark)
}

#[tokio::test]
async fn delete_records_moves_the_log_start_offset() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    create_topic(&mut client, "dr", 1, &[]).await;
    create_topic(
        &mut client,
        "dr-compact",
        1,
        &[("cleanup.policy", "compact")],
    )
    .await;
    produce_one(
        &mut client,
        "dr",
        0,
        batch(&[b"a", b"b", b"c", b"d", b"e"], 1, Compression::None),
    )
    .await;

    assert_eq!(delete_records(&mut client, "dr", 3).await, (0, 3));
    assert_eq!(earliest_offset(&mut client, "dr").await, 3);
    assert_eq!(
        delete_records(&mut client, "dr", 6).await,
        (ErrorCode::OffsetOutOfRange.code(), -1),
        "past the high watermark"
    );
    assert_eq!(
        delete_records(&mut client, "dr", 1).await,
        (0, 3),
        "never backwards"
    );
    assert_eq!(
        delete_records(&mut client, "dr", -1).await,
        (0, 5),
        "-1 is the high watermark"
    );
    assert_eq!(
        delete_records(&mut client, "dr-compact", 0).await.0,
        ErrorCode::PolicyViolation.code()
    );
    assert_eq!(
        delete_records(&mut client, "missing", 0).await.0,
        ErrorCode::UnknownTopicOrPartition.code()
    );
}

#[tokio::test]
async fn confluent_kafka_admin_gets_kafkas_answers() {
    let Some(python) = python() else { return };
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    create_topic(&mut client, "admin", 1, &[]).await;
    produce_one(
        &mut client,
        "admin",
        0,
        batch(&[b"a", b"b", b"c", b"d", b"e"], 1, Compression::None),
    )
    .await;
    let script = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python/confluent_admin.py");
    let bootstrap = broker.bootstrap();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .arg(script)
            .args([&bootstrap, "admin"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "confluent-kafka admin checks failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(earliest_offset(&mut client, "admin").await, 3);
}
