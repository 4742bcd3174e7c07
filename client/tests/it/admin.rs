//! The admin client against broker-lite in process.
//!
//! APIs broker-lite does not serve yet (AlterConfigs,
//! IncrementalAlterConfigs, DeleteRecords) are checked end to end when the
//! broker advertises them, and otherwise must fail per item with a typed
//! "unsupported" error rather than hang or panic.

use kctl_client::admin::{
    Admin, AdminConfig, AlterConfigOp, ConfigResource, ConfigSource, CreateTopicsOptions,
    DescribeConfigsOptions, IsolationLevel, NewPartitions, NewTopic, OffsetSpec, TopicPartition,
};
use kctl_client::error::{Error, RequestError};
use kctl_client::protocol::api::ApiKey;
use kctl_client::{ClientConfig, ErrorCode, Producer, Record};

use crate::support::{TestBroker, with_timeout};

async fn admin(broker: &TestBroker) -> Admin {
    let config = AdminConfig::default().api_timeout_ms(5_000);
    Admin::connect(ClientConfig::new([broker.bootstrap()]), config)
        .await
        .unwrap()
}

async fn supports(admin: &Admin, api_key: ApiKey) -> bool {
    let (conn, _) = admin.client().any_connection().await.unwrap();
    conn.versions().range(api_key).is_some()
}

#[tokio::test]
async fn topics_are_created_listed_described_grown_and_deleted() {
    let broker = TestBroker::start().await;
    let admin = admin(&broker).await;
    with_timeout("topic admin", 30, async {
        let created = admin
            .create_topics(
                &[
                    NewTopic::new("orders")
                        .partitions(3)
                        .replication_factor(1)
                        .config("retention.ms", "60000"),
                    NewTopic::new("bad").partitions(0),
                ],
                CreateTopicsOptions::default(),
            )
            .await
            .unwrap();
        let orders = created[0].result.as_ref().unwrap();
        assert_eq!(
            (orders.partitions, orders.replication_factor),
            (Some(3), Some(1))
        );
        let id = orders.topic_id.expect("CreateTopics v7 returns the id");
        let retention = orders
            .configs
            .iter()
            .find(|c| c.name == "retention.ms")
            .unwrap();
        assert_eq!(retention.value.as_deref(), Some("60000"));
        // One bad topic fails alone, with Kafka's code and the broker's message.
        let bad = created[1].result.as_ref().unwrap_err();
        assert_eq!(bad.code(), Some(ErrorCode::InvalidPartitions));
        assert!(matches!(bad, Error::Kafka { context, .. } if context.message.is_some()));

        let again = admin
            .create_topics(&[NewTopic::new("orders")], CreateTopicsOptions::default())
            .await
            .unwrap();
        assert_eq!(
            again[0].result.as_ref().unwrap_err().code(),
            Some(ErrorCode::TopicAlreadyExists)
        );
        let dry = admin
            .create_topics(
                &[NewTopic::new("dry").partitions(2)],
                CreateTopicsOptions {
                    validate_only: true,
                },
            )
            .await
            .unwrap();
        assert!(dry[0].result.is_ok());

        let listed = admin.list_topics(false).await.unwrap();
        assert_eq!(listed.len(), 1, "validate_only created nothing: {listed:?}");
        assert_eq!(listed[0].name, "orders");
        assert_eq!(listed[0].topic_id, Some(id));
        assert_eq!((listed[0].partitions, listed[0].replication_factor), (3, 1));

        let described = admin.describe_topics(&["orders", "missing"]).await.unwrap();
        let orders = described[0].result.as_ref().unwrap();
        assert_eq!(orders.topic_id, Some(id));
        assert_eq!(orders.partitions.len(), 3);
        for (i, p) in orders.partitions.iter().enumerate() {
            assert_eq!(p.partition, i as i32);
            assert_eq!(p.leader, Some(0));
            assert_eq!(
                (p.replicas.as_slice(), p.isr.as_slice()),
                (&[0][..], &[0][..])
            );
            assert!(p.offline_replicas.is_empty());
        }
        assert_eq!(
            described[1].result.as_ref().unwrap_err().code(),
            Some(ErrorCode::UnknownTopicOrPartition)
        );

        let grown = admin
            .create_partitions(&[NewPartitions::increase_to("orders", 5)], false)
            .await
            .unwrap();
        assert!(grown[0].result.is_ok(), "{:?}", grown[0].result);
        let shrunk = admin
            .create_partitions(&[NewPartitions::increase_to("orders", 2)], false)
            .await
            .unwrap();
        assert_eq!(
            shrunk[0].result.as_ref().unwrap_err().code(),
            Some(ErrorCode::InvalidPartitions)
        );
        let orders = admin.describe_topics(&["orders"]).await.unwrap();
        assert_eq!(orders[0].result.as_ref().unwrap().partitions.len(), 5);

        let deleted = admin.delete_topics(&["orders", "missing"]).await.unwrap();
        assert!(deleted[0].result.is_ok());
        assert_eq!(
            deleted[1].result.as_ref().unwrap_err().code(),
            Some(ErrorCode::UnknownTopicOrPartition),
            "an unknown topic is final, not retried until the deadline"
        );
        assert!(admin.list_topics(true).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn configs_are_described_for_topics_and_brokers() {
    let broker = TestBroker::start().await;
    let admin = admin(&broker).await;
    with_timeout("describe configs", 30, async {
        admin
            .create_topics(
                &[NewTopic::new("t").config("retention.ms", "1000")],
                CreateTopicsOptions::default(),
            )
            .await
            .unwrap();
        let options = DescribeConfigsOptions {
            include_synonyms: true,
            ..DescribeConfigsOptions::default()
        };
        let described = admin
            .describe_configs(
                &[
                    ConfigResource::Topic("t".into()),
                    ConfigResource::Broker(0),
                    ConfigResource::Topic("missing".into()),
                ],
                &options,
            )
            .await
            .unwrap();
        let topic = described[0].result.as_ref().unwrap();
        let retention = topic.iter().find(|e| e.name == "retention.ms").unwrap();
        assert_eq!(retention.value.as_deref(), Some("1000"));
        assert_eq!(retention.source, ConfigSource::DynamicTopic);
        assert!(!retention.is_default && !retention.read_only && !retention.sensitive);
        assert_eq!(retention.synonyms[0].source, ConfigSource::DynamicTopic);
        assert!(
            retention
                .synonyms
                .iter()
                .any(|s| s.name == "log.retention.ms"),
            "{:?}",
            retention.synonyms
        );
        let segment = topic.iter().find(|e| e.name == "segment.bytes").unwrap();
        assert!(segment.is_default);

        let broker_configs = described[1].result.as_ref().unwrap();
        assert!(broker_configs.iter().any(|e| e.name == "num.partitions"));
        assert_eq!(
            described[2].result.as_ref().unwrap_err().code(),
            Some(ErrorCode::UnknownTopicOrPartition)
        );

        let only = admin
            .describe_configs(
                &[ConfigResource::Topic("t".into())],
                &DescribeConfigsOptions {
                    names: vec!["retention.ms".into()],
                    ..DescribeConfigsOptions::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(only[0].result.as_ref().unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn config_changes_apply_or_report_the_missing_api() {
    let broker = TestBroker::start().await;
    let admin = admin(&broker).await;
    with_timeout("alter configs", 30, async {
        admin
            .create_topics(&[NewTopic::new("t")], CreateTopicsOptions::default())
            .await
            .unwrap();
        let resource = ConfigResource::Topic("t".into());
        let read = |name: &'static str| {
            let admin = admin.clone();
            let resource = resource.clone();
            async move {
                let described = admin
                    .describe_configs(&[resource], &DescribeConfigsOptions::default())
                    .await
                    .unwrap();
                described[0]
                    .result
                    .as_ref()
                    .unwrap()
                    .iter()
                    .find(|e| e.name == name)
                    .cloned()
                    .unwrap()
            }
        };

        let incremental = admin
            .incremental_alter_configs(
                &[(
                    resource.clone(),
                    vec![AlterConfigOp::Set {
                        name: "retention.ms".into(),
                        value: "4242".into(),
                    }],
                )],
                false,
            )
            .await
            .unwrap();
        if supports(&admin, ApiKey::IncrementalAlterConfigs).await {
            assert!(incremental[0].result.is_ok(), "{:?}", incremental[0].result);
            assert_eq!(read("retention.ms").await.value.as_deref(), Some("4242"));
        } else {
            assert!(matches!(
                incremental[0].result,
                Err(Error::Request(RequestError::UnsupportedApi {
                    api_key: ApiKey::IncrementalAlterConfigs
                }))
            ));
        }

        let legacy = admin
            .alter_configs(
                &[(
                    resource.clone(),
                    vec![("retention.ms".into(), "777".into())],
                )],
                false,
            )
            .await
            .unwrap();
        if supports(&admin, ApiKey::AlterConfigs).await {
            assert!(legacy[0].result.is_ok(), "{:?}", legacy[0].result);
            assert_eq!(read("retention.ms").await.value.as_deref(), Some("777"));
        } else {
            assert!(matches!(
                legacy[0].result,
                Err(Error::Request(RequestError::UnsupportedApi {
                    api_key: ApiKey::AlterConfigs
                }))
            ));
        }
    })
    .await;
}

#[tokio::test]
async fn offsets_are_listed_per_partition_from_leaders() {
    let broker = TestBroker::start().await;
    let admin = admin(&broker).await;
    with_timeout("list offsets", 30, async {
        admin
            .create_topics(
                &[NewTopic::new("t").partitions(2)],
                CreateTopicsOptions::default(),
            )
            .await
            .unwrap();
        let producer = Producer::builder([broker.bootstrap()])
            .build()
            .await
            .unwrap();
        for (i, ts) in [1_000, 2_000, 3_000].into_iter().enumerate() {
            producer
                .send_and_wait(
                    Record::new("t")
                        .partition(1)
                        .value(format!("v{i}").as_bytes())
                        .timestamp_ms(ts),
                )
                .await
                .unwrap();
        }
        producer.close().await;

        let tp = |p| TopicPartition::new("t", p);
        let answers = admin
            .list_offsets(
                &[
                    (tp(0), OffsetSpec::Latest),
                    (tp(1), OffsetSpec::Earliest),
                    (tp(1), OffsetSpec::Latest),
                    (tp(1), OffsetSpec::Timestamp(1_500)),
                    (tp(1), OffsetSpec::MaxTimestamp),
                    (tp(1), OffsetSpec::Timestamp(9_000)),
                    (tp(7), OffsetSpec::Latest),
                    (TopicPartition::new("missing", 0), OffsetSpec::Latest),
                ],
                IsolationLevel::ReadUncommitted,
            )
            .await
            .unwrap();
        let offset = |i: usize| answers[i].result.as_ref().unwrap().offset;
        assert_eq!(offset(0), Some(0), "empty partition");
        assert_eq!(offset(1), Some(0));
        assert_eq!(offset(2), Some(3), "the same partition twice in one call");
        assert_eq!(offset(3), Some(1), "first record at or after 1500");
        assert_eq!(
            answers[3].result.as_ref().unwrap().timestamp_ms,
            Some(2_000)
        );
        assert_eq!(offset(4), Some(2));
        assert_eq!(
            answers[4].result.as_ref().unwrap().timestamp_ms,
            Some(3_000)
        );
        assert_eq!(offset(5), None, "no record that late");
        assert_eq!(
            answers[6].result.as_ref().unwrap_err().code(),
            Some(ErrorCode::UnknownTopicOrPartition)
        );
        assert_eq!(
            answers[7].result.as_ref().unwrap_err().code(),
            Some(ErrorCode::UnknownTopicOrPartition)
        );
        assert_eq!(answers[7].partition, TopicPartition::new("missing", 0));

        let deleted = admin.delete_records(&[(tp(1), 2)]).await.unwrap();
        if supports(&admin, ApiKey::DeleteRecords).await {
            assert_eq!(deleted[0].result.as_ref().unwrap(), &2);
            let earliest = admin
                .list_offsets(
                    &[(tp(1), OffsetSpec::Earliest)],
                    IsolationLevel::ReadUncommitted,
                )
                .await
                .unwrap();
            assert_eq!(earliest[0].result.as_ref().unwrap().offset, Some(2));
        } else {
            assert!(matches!(
                deleted[0].result,
                Err(Error::Request(RequestError::UnsupportedApi {
                    api_key: ApiKey::DeleteRecords
                }))
            ));
        }
    })
    .await;
}

#[tokio::test]
async fn the_cluster_is_described_and_a_dead_one_times_out() {
    let mut broker = TestBroker::start().await;
    let admin = admin(&broker).await;
    let cluster = with_timeout("describe cluster", 30, admin.describe_cluster())
        .await
        .unwrap();
    assert!(!cluster.from_metadata, "broker-lite has DescribeCluster");
    assert_eq!(cluster.controller_id, Some(0));
    assert_eq!(cluster.brokers.len(), 1);
    assert_eq!(cluster.brokers[0].addr(), broker.bootstrap());
    assert_eq!(
        cluster.cluster_id.as_deref(),
        admin.client().metadata().cluster_id.as_deref()
    );

    broker.handle.take().unwrap().shutdown().await.unwrap();
    let started = std::time::Instant::now();
    let err = with_timeout("a call to a stopped broker", 30, admin.list_topics(false))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::OperationTimeout {
                operation: "Metadata",
                ..
            }
        ),
        "{err}"
    );
    assert!(
        started.elapsed().as_secs() < 10,
        "the deadline bounds retries"
    );
}
