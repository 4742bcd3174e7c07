//! ACLs: the three ACL APIs, persistence, and the authorizer's answers in
//! every API it guards, over raw requests. Every connection is
//! `User:ANONYMOUS` from 127.0.0.1.

use bytes::Bytes;
use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::StrBytes;
use kctl_client::protocol::messages::create_acls_request::AclCreation;
use kctl_client::protocol::messages::delete_acls_request::DeleteAclsFilter;
use kctl_client::protocol::messages::delete_topics_request::DeleteTopicState;
use kctl_client::protocol::messages::list_offsets_request::{
    ListOffsetsPartition, ListOffsetsTopic,
};
use kctl_client::protocol::messages::metadata_request::MetadataRequestTopic;
use kctl_client::protocol::messages::offset_commit_request::{
    OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use kctl_client::protocol::messages::*;
use kctl_client::protocol::records::Compression;

use crate::protocol::{create_topic, fetch_request, name, produce_one};
use crate::support::{RawClient, TestBroker, batch};

// Kafka's codes (ResourceType, PatternType, AclOperation, AclPermissionType).
const ANY: i8 = 1;
const TOPIC: i8 = 2;
const GROUP: i8 = 3;
const CLUSTER: i8 = 4;
const MATCH: i8 = 2;
const LITERAL: i8 = 3;
const PREFIXED: i8 = 4;
const ALL: i8 = 2;
const READ: i8 = 3;
const WRITE: i8 = 4;
const CREATE: i8 = 5;
const ALTER: i8 = 7;
const DESCRIBE: i8 = 8;
const DENY: i8 = 2;
const ALLOW: i8 = 3;

const TOPIC_DENIED: i16 = ErrorCode::TopicAuthorizationFailed.code();
const GROUP_DENIED: i16 = ErrorCode::GroupAuthorizationFailed.code();

fn s(v: &str) -> StrBytes {
    StrBytes::from_string(v.to_owned())
}

fn acl(
    resource_type: i8,
    resource: &str,
    pattern: i8,
    principal: &str,
    operation: i8,
    permission: i8,
) -> AclCreation {
    AclCreation::default()
        .with_resource_type(resource_type)
        .with_resource_name(s(resource))
        .with_resource_pattern_type(pattern)
        .with_principal(s(principal))
        .with_host(s("*"))
        .with_operation(operation)
        .with_permission_type(permission)
}

async fn create_acls(client: &mut RawClient, creations: Vec<AclCreation>) -> Vec<i16> {
    let response: CreateAclsResponse = client
        .send(3, &CreateAclsRequest::default().with_creations(creations))
        .await;
    response.results.iter().map(|r| r.error_code).collect()
}

fn every_acl() -> DescribeAclsRequest {
    // The nullable filters default to "" (an exact name), not null.
    DescribeAclsRequest::default()
        .with_resource_name_filter(None)
        .with_principal_filter(None)
        .with_host_filter(None)
        .with_resource_type_filter(ANY)
        .with_pattern_type_filter(ANY)
        .with_operation(ANY)
        .with_permission_type(ANY)
}

async fn acl_count(client: &mut RawClient, request: DescribeAclsRequest) -> usize {
    let response: DescribeAclsResponse = client.send(3, &request).await;
    assert_eq!(response.error_code, 0);
    response.resources.iter().map(|r| r.acls.len()).sum()
}

async fn metadata(client: &mut RawClient, topics: Option<&[&str]>) -> MetadataResponse {
    let request = MetadataRequest::default()
        .with_allow_auto_topic_creation(false)
        .with_topics(topics.map(|ts| {
            ts.iter()
                .map(|t| MetadataRequestTopic::default().with_name(Some(name(t))))
                .collect()
        }));
    client.send(12, &request).await
}

fn topic_error(response: &MetadataResponse, topic: &str) -> Option<i16> {
    response
        .topics
        .iter()
        .find(|t| t.name.as_ref().is_some_and(|n| n.as_str() == topic))
        .map(|t| t.error_code)
}

fn one_batch() -> Bytes {
    batch(&[b"v"], 0, Compression::None)
}

async fn fetch_error(client: &mut RawClient, topic: &str) -> i16 {
    let response: FetchResponse = client.send(12, &fetch_request(topic, 0, 0, 100, 1)).await;
    let partition = &response.responses[0].partitions[0];
    // librdkafka rejects null records even next to an error.
    assert!(partition.records.is_some());
    partition.error_code
}

async fn list_offsets_error(client: &mut RawClient, topic: &str) -> i16 {
    let request = ListOffsetsRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_topics(vec![
            ListOffsetsTopic::default()
                .with_name(name(topic))
                .with_partitions(vec![
                    ListOffsetsPartition::default()
                        .with_partition_index(0)
                        .with_timestamp(-1),
                ]),
        ]);
    let response: ListOffsetsResponse = client.send(7, &request).await;
    response.topics[0].partitions[0].error_code
}

#[tokio::test]
async fn acl_apis_create_describe_delete_and_survive_a_restart() {
    let mut broker = TestBroker::start().await;
    let mut client = broker.client().await;
    let results = create_acls(
        &mut client,
        vec![
            acl(TOPIC, "orders", LITERAL, "User:alice", READ, ALLOW),
            acl(TOPIC, "ord", PREFIXED, "User:bob", WRITE, ALLOW),
            acl(TOPIC, "*", LITERAL, "User:carol", DESCRIBE, ALLOW),
            acl(TOPIC, "other", LITERAL, "User:alice", READ, ALLOW),
            // Filter-only values cannot be stored.
            acl(TOPIC, "orders", MATCH, "User:alice", READ, ALLOW),
            acl(TOPIC, "orders", LITERAL, "alice", READ, ALLOW),
        ],
    )
    .await;
    let invalid = ErrorCode::InvalidRequest.code();
    assert_eq!(results, vec![0, 0, 0, 0, invalid, invalid]);
    assert_eq!(acl_count(&mut client, every_acl()).await, 4);
    // MATCH: what applies to "orders": the literal, the prefix and `*`.
    let matching = every_acl()
        .with_resource_type_filter(TOPIC)
        .with_resource_name_filter(Some(s("orders")))
        .with_pattern_type_filter(MATCH);
    assert_eq!(acl_count(&mut client, matching.clone()).await, 3);
    let by_principal = every_acl().with_principal_filter(Some(s("User:alice")));
    assert_eq!(acl_count(&mut client, by_principal).await, 2);

    drop(client);
    broker.restart().await;
    let mut client = broker.client().await;
    assert_eq!(acl_count(&mut client, every_acl()).await, 4);

    let delete = DeleteAclsRequest::default().with_filters(vec![
        DeleteAclsFilter::default()
            .with_resource_type_filter(TOPIC)
            .with_resource_name_filter(Some(s("orders")))
            .with_pattern_type_filter(MATCH)
            .with_principal_filter(None)
            .with_host_filter(None)
            .with_operation(ANY)
            .with_permission_type(ANY),
    ]);
    let response: DeleteAclsResponse = client.send(3, &delete).await;
    assert_eq!(response.filter_results[0].error_code, 0);
    assert_eq!(response.filter_results[0].matching_acls.len(), 3);
    assert_eq!(acl_count(&mut client, every_acl()).await, 1);
}

#[tokio::test]
async fn a_deny_all_acl_closes_every_topic_api() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    create_topic(&mut client, "open", 1, &[]).await;
    create_topic(&mut client, "closed", 1, &[]).await;
    assert_eq!(
        produce_one(&mut client, "closed", 0, one_batch()).await.0,
        0
    );
    let results = create_acls(
        &mut client,
        vec![
            // An ALLOW does not outweigh a DENY.
            acl(TOPIC, "closed", LITERAL, "User:ANONYMOUS", ALL, ALLOW),
            acl(TOPIC, "closed", LITERAL, "User:*", ALL, DENY),
        ],
    )
    .await;
    assert_eq!(results, vec![0, 0]);

    let named = metadata(&mut client, Some(&["closed", "open"])).await;
    assert_eq!(topic_error(&named, "closed"), Some(TOPIC_DENIED));
    assert_eq!(topic_error(&named, "open"), Some(0));
    let all = metadata(&mut client, None).await;
    assert_eq!(topic_error(&all, "closed"), None, "list-all hides it");
    assert_eq!(topic_error(&all, "open"), Some(0));

    assert_eq!(
        produce_one(&mut client, "closed", 0, one_batch()).await.0,
        TOPIC_DENIED
    );
    assert_eq!(produce_one(&mut client, "open", 0, one_batch()).await.0, 0);
    assert_eq!(fetch_error(&mut client, "closed").await, TOPIC_DENIED);
    assert_eq!(fetch_error(&mut client, "open").await, 0);
    assert_eq!(
        list_offsets_error(&mut client, "closed").await,
        TOPIC_DENIED
    );

    let delete = DeleteTopicsRequest::default()
        .with_timeout_ms(5000)
        .with_topics(vec![
            DeleteTopicState::default().with_name(Some(name("closed"))),
        ]);
    let response: DeleteTopicsResponse = client.send(6, &delete).await;
    assert_eq!(response.responses[0].error_code, TOPIC_DENIED);
    let still = metadata(&mut client, Some(&["closed"])).await;
    assert_eq!(
        topic_error(&still, "closed"),
        Some(TOPIC_DENIED),
        "not deleted"
    );
}

#[tokio::test]
async fn read_denied_but_describe_allowed_fails_only_fetch() {
    // librdkafka's 0119: ALLOW Describe and DENY Read for everyone.
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    create_topic(&mut client, "t", 1, &[]).await;
    create_acls(
        &mut client,
        vec![
            acl(TOPIC, "t", LITERAL, "User:*", DESCRIBE, ALLOW),
            acl(TOPIC, "t", LITERAL, "User:*", READ, DENY),
        ],
    )
    .await;
    assert_eq!(
        topic_error(&metadata(&mut client, Some(&["t"])).await, "t"),
        Some(0)
    );
    assert_eq!(list_offsets_error(&mut client, "t").await, 0);
    assert_eq!(fetch_error(&mut client, "t").await, TOPIC_DENIED);
    // ACLs exist for "t" and none allows WRITE.
    assert_eq!(
        produce_one(&mut client, "t", 0, one_batch()).await.0,
        TOPIC_DENIED
    );
}

#[tokio::test]
async fn read_implies_describe_and_prefixes_apply() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    create_topic(&mut client, "pay-eu", 1, &[]).await;
    create_topic(&mut client, "payroll", 1, &[]).await;
    create_acls(
        &mut client,
        vec![acl(TOPIC, "pay-", PREFIXED, "User:ANONYMOUS", READ, ALLOW)],
    )
    .await;
    // READ implies DESCRIBE; WRITE is not granted.
    assert_eq!(
        topic_error(&metadata(&mut client, Some(&["pay-eu"])).await, "pay-eu"),
        Some(0)
    );
    assert_eq!(fetch_error(&mut client, "pay-eu").await, 0);
    assert_eq!(
        produce_one(&mut client, "pay-eu", 0, one_batch()).await.0,
        TOPIC_DENIED
    );
    // "payroll" does not start with "pay-": no ACL applies, everyone may.
    assert_eq!(
        produce_one(&mut client, "payroll", 0, one_batch()).await.0,
        0
    );
}

#[tokio::test]
async fn without_allow_everyone_only_acls_and_super_users_open_resources() {
    let broker = TestBroker::start_with(|c| {
        c.allow_everyone_if_no_acl_found = false;
        c.super_users = vec!["User:admin".to_owned()];
    })
    .await;
    let mut client = broker.client().await;
    // Nobody may create topics or ACLs yet.
    let created = create_topic(&mut client, "t", 1, &[]).await;
    assert_eq!(created.topics[0].error_code, TOPIC_DENIED);
    assert_eq!(
        create_acls(
            &mut client,
            vec![acl(TOPIC, "*", LITERAL, "User:*", ALL, ALLOW)]
        )
        .await,
        vec![ErrorCode::ClusterAuthorizationFailed.code()]
    );
    let described: DescribeAclsResponse = client.send(3, &every_acl()).await;
    assert_eq!(
        described.error_code,
        ErrorCode::ClusterAuthorizationFailed.code()
    );
}

#[tokio::test]
async fn wildcard_topic_acl_and_cluster_create() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    create_acls(
        &mut client,
        vec![
            acl(TOPIC, "*", LITERAL, "User:*", DESCRIBE, ALLOW),
            acl(TOPIC, "*", LITERAL, "User:*", CREATE, DENY),
            acl(CLUSTER, "kafka-cluster", LITERAL, "User:*", ALTER, ALLOW),
            acl(CLUSTER, "kafka-cluster", LITERAL, "User:*", DESCRIBE, ALLOW),
        ],
    )
    .await;
    let created = create_topic(&mut client, "new", 1, &[]).await;
    assert_eq!(created.topics[0].error_code, TOPIC_DENIED);
    // Auto-creation needs CREATE too: the named topic is refused, not made.
    let request = MetadataRequest::default()
        .with_allow_auto_topic_creation(true)
        .with_topics(Some(vec![
            MetadataRequestTopic::default().with_name(Some(name("auto"))),
        ]));
    let response: MetadataResponse = client.send(12, &request).await;
    assert_eq!(topic_error(&response, "auto"), Some(TOPIC_DENIED));
    // The cluster ACLs keep the ACL APIs usable.
    assert_eq!(acl_count(&mut client, every_acl()).await, 4);
}

#[tokio::test]
async fn group_apis_need_read_on_the_group() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    create_topic(&mut client, "t", 1, &[]).await;
    create_acls(
        &mut client,
        vec![acl(GROUP, "locked", LITERAL, "User:*", READ, DENY)],
    )
    .await;
    let join = JoinGroupRequest::default()
        .with_group_id(GroupId(s("locked")))
        .with_session_timeout_ms(10_000)
        .with_rebalance_timeout_ms(10_000)
        .with_protocol_type(s("consumer"));
    let joined: JoinGroupResponse = client.send(9, &join).await;
    assert_eq!(joined.error_code, GROUP_DENIED);
    let heartbeat: HeartbeatResponse = client
        .send(
            4,
            &HeartbeatRequest::default().with_group_id(GroupId(s("locked"))),
        )
        .await;
    assert_eq!(heartbeat.error_code, GROUP_DENIED);
    let commit = |group: &str| {
        OffsetCommitRequest::default()
            .with_group_id(GroupId(s(group)))
            .with_generation_id_or_member_epoch(-1)
            .with_topics(vec![
                OffsetCommitRequestTopic::default()
                    .with_name(name("t"))
                    .with_partitions(vec![
                        OffsetCommitRequestPartition::default()
                            .with_partition_index(0)
                            .with_committed_offset(0),
                    ]),
            ])
    };
    let refused: OffsetCommitResponse = client.send(8, &commit("locked")).await;
    assert_eq!(refused.topics[0].partitions[0].error_code, GROUP_DENIED);
    let allowed: OffsetCommitResponse = client.send(8, &commit("open")).await;
    assert_eq!(allowed.topics[0].partitions[0].error_code, 0);
}

#[tokio::test]
async fn configs_and_group_reads_need_their_operations() {
    use kctl_client::protocol::messages::describe_configs_request::DescribeConfigsResource;
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    create_topic(&mut client, "t", 1, &[]).await;
    create_acls(
        &mut client,
        vec![
            // ALTER_CONFIGS implies DESCRIBE_CONFIGS; nothing else is allowed.
            acl(TOPIC, "t", LITERAL, "User:*", 11, ALLOW),
            acl(GROUP, "g", LITERAL, "User:*", DESCRIBE, DENY),
            acl(CLUSTER, "kafka-cluster", LITERAL, "User:*", 10, DENY),
        ],
    )
    .await;
    let describe = DescribeConfigsRequest::default().with_resources(vec![
        DescribeConfigsResource::default()
            .with_resource_type(2)
            .with_resource_name(s("t"))
            .with_configuration_keys(None),
        DescribeConfigsResource::default()
            .with_resource_type(4)
            .with_resource_name(s("0"))
            .with_configuration_keys(None),
    ]);
    let response: DescribeConfigsResponse = client.send(4, &describe).await;
    let error = |name: &str| {
        response
            .results
            .iter()
            .find(|r| r.resource_name.as_str() == name)
            .map(|r| r.error_code)
    };
    assert_eq!(error("t"), Some(0));
    assert_eq!(
        error("0"),
        Some(ErrorCode::ClusterAuthorizationFailed.code())
    );

    let described: DescribeGroupsResponse = client
        .send(
            5,
            &DescribeGroupsRequest::default().with_groups(vec![GroupId(s("g")), GroupId(s("h"))]),
        )
        .await;
    let codes: Vec<(String, i16)> = described
        .groups
        .iter()
        .map(|g| (g.group_id.to_string(), g.error_code))
        .collect();
    assert!(codes.contains(&("g".to_owned(), GROUP_DENIED)), "{codes:?}");
    assert!(codes.contains(&("h".to_owned(), 0)), "{codes:?}");
    let fetched: OffsetFetchResponse = client
        .send(
            7,
            &OffsetFetchRequest::default()
                .with_group_id(GroupId(s("g")))
                .with_topics(None),
        )
        .await;
    assert_eq!(fetched.error_code, GROUP_DENIED);
}

#[tokio::test]
async fn transactional_ids_need_write() {
    use kctl_client::protocol::messages::add_partitions_to_txn_request::AddPartitionsToTxnTopic;
    const TRANSACTIONAL_ID: i8 = 5;
    let txn_denied = ErrorCode::TransactionalIdAuthorizationFailed.code();
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    create_topic(&mut client, "t", 1, &[]).await;
    create_acls(
        &mut client,
        vec![acl(
            TRANSACTIONAL_ID,
            "app-",
            PREFIXED,
            "User:*",
            WRITE,
            DENY,
        )],
    )
    .await;
    let init: InitProducerIdResponse = client
        .send(
            4,
            &InitProducerIdRequest::default()
                .with_transactional_id(Some(TransactionalId(s("app-1"))))
                .with_transaction_timeout_ms(10_000)
                .with_producer_id(ProducerId(-1))
                .with_producer_epoch(-1),
        )
        .await;
    assert_eq!(init.error_code, txn_denied);
    let add: AddPartitionsToTxnResponse = client
        .send(
            3,
            &AddPartitionsToTxnRequest::default()
                .with_v3_and_below_transactional_id(TransactionalId(s("app-1")))
                .with_v3_and_below_producer_id(ProducerId(1))
                .with_v3_and_below_topics(vec![
                    AddPartitionsToTxnTopic::default()
                        .with_name(name("t"))
                        .with_partitions(vec![0]),
                ]),
        )
        .await;
    let partition = &add.results_by_topic_v3_and_below[0].results_by_partition[0];
    assert_eq!(partition.partition_error_code, txn_denied);
    let end: EndTxnResponse = client
        .send(
            3,
            &EndTxnRequest::default()
                .with_transactional_id(TransactionalId(s("app-1")))
                .with_producer_id(ProducerId(1)),
        )
        .await;
    assert_eq!(end.error_code, txn_denied);
    {
        use kctl_client::protocol::messages::txn_offset_commit_request::{
            TxnOffsetCommitRequestPartition, TxnOffsetCommitRequestTopic,
        };
        let commit: TxnOffsetCommitResponse = client
            .send(
                3,
                &TxnOffsetCommitRequest::default()
                    .with_transactional_id(TransactionalId(s("app-1")))
                    .with_group_id(GroupId(s("g")))
                    .with_producer_id(ProducerId(1))
                    .with_topics(vec![
                        TxnOffsetCommitRequestTopic::default()
                            .with_name(name("t"))
                            .with_partitions(vec![
                                TxnOffsetCommitRequestPartition::default()
                                    .with_partition_index(0)
                                    .with_committed_offset(0),
                            ]),
                    ]),
            )
            .await;
        assert_eq!(commit.topics[0].partitions[0].error_code, txn_denied);
    }
    // Another id is not covered by the prefix.
    let other: InitProducerIdResponse = client
        .send(
            4,
            &InitProducerIdRequest::default()
                .with_transactional_id(Some(TransactionalId(s("billing"))))
                .with_transaction_timeout_ms(10_000)
                .with_producer_id(ProducerId(-1))
                .with_producer_epoch(-1),
        )
        .await;
    assert_eq!(other.error_code, 0);
}

#[tokio::test]
async fn partitions_records_and_group_listing_follow_their_acls() {
    use kctl_client::protocol::messages::create_partitions_request::CreatePartitionsTopic;
    use kctl_client::protocol::messages::delete_records_request::{
        DeleteRecordsPartition, DeleteRecordsTopic,
    };
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    create_topic(&mut client, "t", 1, &[]).await;
    // A simple commit makes group "hidden" exist (Empty, with an offset).
    let commit = OffsetCommitRequest::default()
        .with_group_id(GroupId(s("hidden")))
        .with_generation_id_or_member_epoch(-1)
        .with_topics(vec![
            OffsetCommitRequestTopic::default()
                .with_name(name("t"))
                .with_partitions(vec![
                    OffsetCommitRequestPartition::default()
                        .with_partition_index(0)
                        .with_committed_offset(0),
                ]),
        ]);
    let committed: OffsetCommitResponse = client.send(8, &commit).await;
    assert_eq!(committed.topics[0].partitions[0].error_code, 0);
    let listed: ListGroupsResponse = client.send(4, &ListGroupsRequest::default()).await;
    assert!(
        listed
            .groups
            .iter()
            .any(|g| g.group_id.as_str() == "hidden")
    );

    create_acls(
        &mut client,
        vec![
            acl(TOPIC, "t", LITERAL, "User:*", ALTER, DENY),
            acl(TOPIC, "t", LITERAL, "User:*", 6, DENY),
            acl(GROUP, "hidden", LITERAL, "User:*", DESCRIBE, DENY),
            // DESCRIBE on the cluster would list every group.
            acl(CLUSTER, "kafka-cluster", LITERAL, "User:*", DESCRIBE, DENY),
        ],
    )
    .await;
    let grow: CreatePartitionsResponse = client
        .send(
            3,
            &CreatePartitionsRequest::default()
                .with_timeout_ms(5000)
                .with_topics(vec![
                    CreatePartitionsTopic::default()
                        .with_name(name("t"))
                        .with_count(2)
                        .with_assignments(None),
                ]),
        )
        .await;
    assert_eq!(grow.results[0].error_code, TOPIC_DENIED);
    let delete: DeleteRecordsResponse = client
        .send(
            2,
            &DeleteRecordsRequest::default()
                .with_timeout_ms(5000)
                .with_topics(vec![
                    DeleteRecordsTopic::default()
                        .with_name(name("t"))
                        .with_partitions(vec![
                            DeleteRecordsPartition::default()
                                .with_partition_index(0)
                                .with_offset(0),
                        ]),
                ]),
        )
        .await;
    assert_eq!(delete.topics[0].partitions[0].error_code, TOPIC_DENIED);
    let listed: ListGroupsResponse = client.send(4, &ListGroupsRequest::default()).await;
    assert!(
        !listed
            .groups
            .iter()
            .any(|g| g.group_id.as_str() == "hidden")
    );
}
