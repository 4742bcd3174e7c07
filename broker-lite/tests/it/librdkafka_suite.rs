//! Regressions found by librdkafka's own test suite
//! (broker-lite/tests/librdkafka-suite.sh). Each test names the suite test
//! that found the bug.

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::StrBytes;
use kctl_client::protocol::messages::describe_configs_request::DescribeConfigsResource;
use kctl_client::protocol::messages::*;

use crate::live_configs::incremental;
use crate::protocol::create_topic;
use crate::support::TestBroker;

/// Every topic config Apache Kafka 4.1 documents, with a non-default value
/// Kafka accepts (TopicConfig, plus the replication throttle lists).
const KAFKA_TOPIC_CONFIGS: &[(&str, &str)] = &[
    ("cleanup.policy", "compact"),
    ("compression.gzip.level", "5"),
    ("compression.lz4.level", "3"),
    ("compression.type", "zstd"),
    ("compression.zstd.level", "7"),
    ("delete.retention.ms", "86400"),
    ("file.delete.delay.ms", "10000"),
    ("flush.messages", "1000"),
    ("flush.ms", "1000"),
    ("follower.replication.throttled.replicas", "0:1,1:1"),
    ("index.interval.bytes", "8192"),
    ("leader.replication.throttled.replicas", "*"),
    ("local.retention.bytes", "-2"),
    ("local.retention.ms", "-2"),
    ("max.compaction.lag.ms", "100"),
    ("max.message.bytes", "2000000"),
    ("message.downconversion.enable", "false"),
    ("message.timestamp.after.max.ms", "60000"),
    ("message.timestamp.before.max.ms", "60000"),
    ("message.timestamp.type", "LogAppendTime"),
    ("min.cleanable.dirty.ratio", "0.01"),
    ("min.compaction.lag.ms", "0"),
    ("min.insync.replicas", "1"),
    ("preallocate", "true"),
    ("remote.log.copy.disable", "true"),
    ("remote.log.delete.on.disable", "true"),
    ("remote.storage.enable", "false"),
    ("retention.bytes", "1000000"),
    ("retention.ms", "3600000"),
    ("segment.bytes", "10000"),
    ("segment.index.bytes", "4096"),
    ("segment.jitter.ms", "10"),
    ("segment.ms", "10000"),
    ("unclean.leader.election.enable", "true"),
];

fn s(v: &str) -> StrBytes {
    StrBytes::from_string(v.to_owned())
}

async fn describe_topic(
    client: &mut crate::support::RawClient,
    topic: &str,
) -> Vec<(String, String)> {
    let request = DescribeConfigsRequest::default().with_resources(vec![
        DescribeConfigsResource::default()
            .with_resource_type(2)
            .with_resource_name(s(topic))
            .with_configuration_keys(None),
    ]);
    let response = client.send(4, &request).await;
    assert_eq!(response.results[0].error_code, 0);
    response.results[0]
        .configs
        .iter()
        .map(|c| {
            (
                c.name.to_string(),
                c.value.as_ref().map(|v| v.to_string()).unwrap_or_default(),
            )
        })
        .collect()
}

/// 0077_compaction creates its topic with min.cleanable.dirty.ratio,
/// file.delete.delay.ms and max.compaction.lag.ms; broker-lite refused
/// every topic config it does not act on, where Kafka accepts them all.
#[tokio::test]
async fn create_topics_accepts_every_documented_kafka_topic_config() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    let response = create_topic(&mut client, "all-configs", 1, KAFKA_TOPIC_CONFIGS).await;
    let topic = &response.topics[0];
    assert_eq!(
        topic.error_code, 0,
        "CreateTopics refused: {:?}",
        topic.error_message
    );

    let described = describe_topic(&mut client, "all-configs").await;
    for (key, value) in KAFKA_TOPIC_CONFIGS {
        let got = described
            .iter()
            .find(|(k, _)| k == key)
            .unwrap_or_else(|| panic!("DescribeConfigs has no {key}"));
        assert_eq!(&got.1, value, "{key}");
    }
}

#[tokio::test]
async fn alter_configs_accepts_documented_topic_configs_and_refuses_like_kafka() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    create_topic(&mut client, "alter-me", 1, &[]).await;

    let ops: Vec<(&str, i8, Option<&str>)> = KAFKA_TOPIC_CONFIGS
        .iter()
        .map(|(k, v)| (*k, 0, Some(*v)))
        .collect();
    let (code, message) = incremental(&mut client, 2, "alter-me", &ops, false).await;
    assert_eq!(code, 0, "{message}");
    let described = describe_topic(&mut client, "alter-me").await;
    assert!(described.contains(&("min.cleanable.dirty.ratio".into(), "0.01".into())));

    // Values Kafka's validators refuse are still refused, naming the key.
    for (key, bad) in [
        ("min.cleanable.dirty.ratio", "1.5"),
        ("compression.lz4.level", "18"),
        ("preallocate", "maybe"),
        ("follower.replication.throttled.replicas", "0-1"),
        ("compression.type", "brotli"),
    ] {
        let (code, message) =
            incremental(&mut client, 2, "alter-me", &[(key, 0, Some(bad))], false).await;
        assert_eq!(code, ErrorCode::InvalidConfig.code(), "{key}={bad}");
        assert!(message.contains(key), "{key}: {message}");
    }
    // Kafka refuses tiered storage on a broker without it.
    let (code, message) = incremental(
        &mut client,
        2,
        "alter-me",
        &[("remote.storage.enable", 0, Some("true"))],
        false,
    )
    .await;
    assert_eq!(code, ErrorCode::InvalidConfig.code());
    assert!(message.contains("Tiered Storage"), "{message}");
    // A name Kafka does not document is still unknown.
    let (code, _) = incremental(
        &mut client,
        2,
        "alter-me",
        &[("no.such.config", 0, Some("1"))],
        false,
    )
    .await;
    assert_eq!(code, ErrorCode::InvalidConfig.code());
}
