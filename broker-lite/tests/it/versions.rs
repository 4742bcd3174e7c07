//! Every advertised version of every API answers: a response field set at a
//! version that cannot carry it fails to encode, which would close the
//! connection of whichever client happens to use that version.

use kctl_client::protocol::Request;
use kctl_client::protocol::messages::create_partitions_request::CreatePartitionsTopic;
use kctl_client::protocol::messages::create_topics_request::CreatableTopic;
use kctl_client::protocol::messages::describe_configs_request::DescribeConfigsResource;
use kctl_client::protocol::messages::list_offsets_request::{
    ListOffsetsPartition, ListOffsetsTopic,
};
use kctl_client::protocol::messages::metadata_request::MetadataRequestTopic;
use kctl_client::protocol::messages::*;
use kctl_client::protocol::records::Compression;
use kctl_client::protocol::{StrBytes, VersionRange};

use crate::protocol::{create_topic, fetch_request, name, produce_one};
use crate::support::{RawClient, TestBroker, batch};

async fn every_version<R: Request>(
    client: &mut RawClient,
    advertised: &ApiVersionsResponse,
    request: impl Fn(i16) -> R,
) {
    let entry = advertised
        .api_keys
        .iter()
        .find(|k| k.api_key == R::KEY)
        .expect("advertised");
    let range = VersionRange {
        min: entry.min_version,
        max: entry.max_version,
    };
    for version in range.min..=range.max {
        let answered = client.try_send(version, &request(version)).await;
        assert!(
            answered.is_some(),
            "API {} v{version} closed the connection",
            R::KEY
        );
    }
}

#[tokio::test]
async fn every_advertised_version_answers() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    let advertised = client.send(3, &ApiVersionsRequest::default()).await;
    create_topic(&mut client, "v", 2, &[]).await;
    produce_one(
        &mut client,
        "v",
        0,
        batch(&[b"a", b"b"], 10, Compression::None),
    )
    .await;

    every_version(&mut client, &advertised, |_| ApiVersionsRequest::default()).await;
    every_version(&mut client, &advertised, |_| {
        let topics = vec![MetadataRequestTopic::default().with_name(Some(name("v")))];
        MetadataRequest::default()
            .with_topics(Some(topics))
            .with_allow_auto_topic_creation(true)
    })
    .await;
    every_version(&mut client, &advertised, |_| fetch_request("v", 0, 0, 0, 0)).await;
    every_version(&mut client, &advertised, |v| {
        let timestamps: &[i64] = if v >= 7 {
            &[-1, -2, -3, 10]
        } else {
            &[-1, -2, 10]
        };
        ListOffsetsRequest::default().with_topics(vec![
            ListOffsetsTopic::default()
                .with_name(name("v"))
                .with_partitions(
                    timestamps
                        .iter()
                        .map(|&ts| {
                            ListOffsetsPartition::default()
                                .with_partition_index(0)
                                .with_timestamp(ts)
                        })
                        .collect(),
                ),
        ])
    })
    .await;
    every_version(&mut client, &advertised, |v| {
        CreateTopicsRequest::default().with_topics(vec![
            CreatableTopic::default()
                .with_name(name(&format!("created-{v}")))
                .with_num_partitions(1)
                .with_replication_factor(1),
        ])
    })
    .await;
    every_version(&mut client, &advertised, |v| {
        let resources = vec![
            DescribeConfigsResource::default()
                .with_resource_type(2)
                .with_resource_name(StrBytes::from_static_str("v")),
            DescribeConfigsResource::default()
                .with_resource_type(4)
                .with_resource_name(StrBytes::from_static_str("0")),
        ];
        DescribeConfigsRequest::default()
            .with_resources(resources)
            .with_include_synonyms(v >= 1)
            .with_include_documentation(v >= 3)
    })
    .await;
    every_version(&mut client, &advertised, |v| {
        CreatePartitionsRequest::default().with_topics(vec![
            CreatePartitionsTopic::default()
                .with_name(name("v"))
                .with_count(3 + i32::from(v)),
        ])
    })
    .await;
    every_version(&mut client, &advertised, |_| {
        DescribeClusterRequest::default().with_endpoint_type(1)
    })
    .await;
    every_version(&mut client, &advertised, |v| {
        if v >= 6 {
            DeleteTopicsRequest::default().with_topics(vec![
                delete_topics_request::DeleteTopicState::default()
                    .with_name(Some(name(&format!("created-{v}")))),
            ])
        } else {
            DeleteTopicsRequest::default().with_topic_names(vec![name(&format!("created-{v}"))])
        }
    })
    .await;
    every_version(&mut client, &advertised, |_| {
        let records = batch(&[b"x"], 1, Compression::None);
        ProduceRequest::default().with_acks(1).with_topic_data(vec![
            produce_request::TopicProduceData::default()
                .with_name(name("v"))
                .with_partition_data(vec![
                    produce_request::PartitionProduceData::default()
                        .with_index(1)
                        .with_records(Some(records)),
                ]),
        ])
    })
    .await;
    every_version(&mut client, &advertised, |v| {
        let request = InitProducerIdRequest::default()
            .with_transactional_id(None)
            .with_transaction_timeout_ms(60_000);
        if v >= 3 {
            request
                .with_producer_id(ProducerId(-1))
                .with_producer_epoch(-1)
        } else {
            request
        }
    })
    .await;
    every_version(&mut client, &advertised, |_| {
        let topic = alter_configs_request::AlterConfigsResource::default()
            .with_resource_type(2)
            .with_resource_name(StrBytes::from_static_str("v"))
            .with_configs(vec![
                alter_configs_request::AlterableConfig::default()
                    .with_name(StrBytes::from_static_str("retention.ms"))
                    .with_value(Some(StrBytes::from_static_str("soon"))),
            ]);
        let broker = alter_configs_request::AlterConfigsResource::default()
            .with_resource_type(4)
            .with_resource_name(StrBytes::from_static_str("0"))
            .with_configs(vec![
                alter_configs_request::AlterableConfig::default()
                    .with_name(StrBytes::from_static_str("log.retention.ms"))
                    .with_value(Some(StrBytes::from_static_str("1"))),
            ]);
        AlterConfigsRequest::default().with_resources(vec![topic, broker])
    })
    .await;
    every_version(&mut client, &advertised, |_| {
        let op = |name: &'static str, op: i8, value: &'static str| {
            incremental_alter_configs_request::AlterableConfig::default()
                .with_name(StrBytes::from_static_str(name))
                .with_config_operation(op)
                .with_value(Some(StrBytes::from_static_str(value)))
        };
        IncrementalAlterConfigsRequest::default()
            .with_resources(vec![
                incremental_alter_configs_request::AlterConfigsResource::default()
                    .with_resource_type(2)
                    .with_resource_name(StrBytes::from_static_str("v"))
                    .with_configs(vec![
                        op("retention.ms", 0, "3600000"),
                        op("segment.ms", 2, "1"),
                    ]),
            ])
            .with_validate_only(true)
    })
    .await;
    every_version(&mut client, &advertised, |_| {
        DeleteRecordsRequest::default()
            .with_timeout_ms(1000)
            .with_topics(vec![
                delete_records_request::DeleteRecordsTopic::default()
                    .with_name(name("v"))
                    .with_partitions(vec![
                        delete_records_request::DeleteRecordsPartition::default()
                            .with_partition_index(0)
                            .with_offset(1),
                        delete_records_request::DeleteRecordsPartition::default()
                            .with_partition_index(0)
                            .with_offset(99),
                    ]),
            ])
    })
    .await;
}

#[tokio::test]
async fn connections_over_the_limit_are_closed() {
    let broker = TestBroker::start_with(|c| c.max_connections = 2).await;
    let mut first = broker.client().await;
    let mut second = broker.client().await;
    first
        .send(12, &MetadataRequest::default().with_topics(None))
        .await;
    second
        .send(12, &MetadataRequest::default().with_topics(None))
        .await;
    let mut third = broker.client().await;
    assert!(third.is_closed().await, "a third connection is refused");
    drop(first);
    // The freed slot is usable once the broker sees the close.
    let mut attempts = 0;
    loop {
        let mut again = broker.client().await;
        if again
            .try_send(12, &MetadataRequest::default().with_topics(None))
            .await
            .is_some()
        {
            break;
        }
        attempts += 1;
        assert!(attempts < 50, "slot never freed");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn every_advertised_group_version_answers() {
    use crate::groups::{commit_request, group, join, join_request, s, sync_request};
    use kctl_client::protocol::messages::leave_group_request::MemberIdentity;
    use kctl_client::protocol::messages::offset_delete_request::{
        OffsetDeleteRequestPartition, OffsetDeleteRequestTopic,
    };
    use kctl_client::protocol::messages::offset_fetch_request::{
        OffsetFetchRequestGroup, OffsetFetchRequestTopic, OffsetFetchRequestTopics,
    };

    let broker = TestBroker::start_with(|c| c.group.initial_rebalance_delay_ms = 0).await;
    let mut client = broker.client().await;
    let advertised = client.send(3, &ApiVersionsRequest::default()).await;
    create_topic(&mut client, "v", 2, &[]).await;

    every_version(&mut client, &advertised, |v| {
        if v >= 4 {
            FindCoordinatorRequest::default().with_coordinator_keys(vec![s("g")])
        } else {
            FindCoordinatorRequest::default().with_key(s("g"))
        }
    })
    .await;
    // A static member per version joins at once (no MEMBER_ID_REQUIRED) as
    // the leader of its own group: the full response at every version.
    every_version(&mut client, &advertised, |v| {
        let request = join_request(&format!("join-{v}"), "", &["v"]);
        if v >= 5 {
            request.with_group_instance_id(Some(s(&format!("instance-{v}"))))
        } else {
            request
        }
    })
    .await;

    let member = join(
        &mut client,
        9,
        join_request("g", "", &["v"]).with_group_instance_id(Some(s("static"))),
    )
    .await;
    assert_eq!(member.error_code, 0);
    every_version(&mut client, &advertised, |v| {
        let request = sync_request(
            "g",
            &member,
            vec![(
                member.member_id.clone(),
                crate::groups::assignment("v", &[0, 1]),
            )],
        );
        if v >= 5 {
            request
                .with_group_instance_id(Some(s("static")))
                .with_protocol_type(Some(s("consumer")))
                .with_protocol_name(Some(s("range")))
        } else {
            request
        }
    })
    .await;
    every_version(&mut client, &advertised, |v| {
        crate::groups::heartbeat("g", &member).with_group_instance_id((v >= 3).then(|| s("static")))
    })
    .await;
    every_version(&mut client, &advertised, |v| {
        let request = commit_request(
            "g",
            member.generation_id,
            member.member_id.as_str(),
            "v",
            &[(0, i64::from(v), Some("meta"))],
        );
        if v >= 7 {
            request.with_group_instance_id(Some(s("static")))
        } else {
            request
        }
    })
    .await;
    every_version(&mut client, &advertised, |v| {
        if v >= 8 {
            OffsetFetchRequest::default()
                .with_groups(vec![
                    OffsetFetchRequestGroup::default()
                        .with_group_id(group("g"))
                        .with_topics(Some(vec![
                            OffsetFetchRequestTopics::default()
                                .with_name(name("v"))
                                .with_partition_indexes(vec![0, 1]),
                        ])),
                ])
                .with_require_stable(true)
        } else {
            OffsetFetchRequest::default()
                .with_group_id(group("g"))
                .with_topics(Some(vec![
                    OffsetFetchRequestTopic::default()
                        .with_name(name("v"))
                        .with_partition_indexes(vec![0, 1]),
                ]))
                .with_require_stable(v >= 7)
        }
    })
    .await;
    every_version(&mut client, &advertised, |v| {
        DescribeGroupsRequest::default()
            .with_groups(vec![group("g"), group("missing")])
            .with_include_authorized_operations(v >= 3)
    })
    .await;
    every_version(&mut client, &advertised, |v| {
        let request = ListGroupsRequest::default();
        match v {
            4 => request.with_states_filter(vec![s("Stable")]),
            5.. => request
                .with_states_filter(vec![s("Stable")])
                .with_types_filter(vec![s("classic")]),
            _ => request,
        }
    })
    .await;
    every_version(&mut client, &advertised, |_| {
        OffsetDeleteRequest::default()
            .with_group_id(group("g"))
            .with_topics(vec![
                OffsetDeleteRequestTopic::default()
                    .with_name(name("v"))
                    .with_partitions(vec![
                        OffsetDeleteRequestPartition::default().with_partition_index(0),
                    ]),
            ])
    })
    .await;

    // A v9 static leader rejoining a Stable group is told to keep the
    // current assignment, and still sees the members.
    let rejoined = client
        .send(
            9,
            &join_request("g", "", &["v"]).with_group_instance_id(Some(s("static"))),
        )
        .await;
    assert_eq!(rejoined.error_code, 0);
    assert!(rejoined.skip_assignment);
    assert_eq!(rejoined.members.len(), 1);
    assert_eq!(rejoined.generation_id, member.generation_id);

    // One member per LeaveGroup version, each in its own group, then every
    // DeleteGroups version removes two of the emptied groups.
    let mut leavers = Vec::new();
    for v in 0..=5 {
        let joined = join(
            &mut client,
            3,
            join_request(&format!("leave-{v}"), "", &["v"]),
        )
        .await;
        leavers.push(joined.member_id);
    }
    every_version(&mut client, &advertised, |v| {
        let request = LeaveGroupRequest::default().with_group_id(group(&format!("leave-{v}")));
        let member_id = leavers[v as usize].clone();
        if v >= 3 {
            request.with_members(vec![MemberIdentity::default().with_member_id(member_id)])
        } else {
            request.with_member_id(member_id)
        }
    })
    .await;
    every_version(&mut client, &advertised, |v| {
        DeleteGroupsRequest::default().with_groups_names(vec![
            group(&format!("leave-{}", 2 * v)),
            group(&format!("leave-{}", 2 * v + 1)),
        ])
    })
    .await;
    let remaining = client.send(5, &ListGroupsRequest::default()).await;
    assert!(
        remaining
            .groups
            .iter()
            .all(|g| !g.group_id.as_str().starts_with("leave-")),
        "every emptied group was deleted"
    );
}
