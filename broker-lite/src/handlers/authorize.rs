//! Authorization of requests, as Kafka's `KafkaApis` does it, around the
//! handlers rather than inside them: each function here takes a request,
//! removes what the sender may not touch, and (after the handler ran) adds
//! the error entries for what it removed. The handlers never see a
//! forbidden topic, and while no ACL exists (and everyone is allowed by
//! default) every function returns at the first atomic load.
//!
//! | API | needs | refused with |
//! |---|---|---|
//! | Metadata | DESCRIBE topic (list-all hides the others); auto-create: CREATE on cluster or topic | TOPIC_AUTHORIZATION_FAILED |
//! | Produce | WRITE topic; transactional: WRITE transactional id | TOPIC_/TRANSACTIONAL_ID_AUTHORIZATION_FAILED |
//! | Fetch | READ topic | TOPIC_AUTHORIZATION_FAILED |
//! | ListOffsets | DESCRIBE topic | TOPIC_AUTHORIZATION_FAILED |
//! | CreateTopics | CREATE on cluster or topic | TOPIC_AUTHORIZATION_FAILED |
//! | DeleteTopics, DeleteRecords | DELETE topic | TOPIC_AUTHORIZATION_FAILED |
//! | CreatePartitions | ALTER topic | TOPIC_AUTHORIZATION_FAILED |
//! | ListGroups | DESCRIBE cluster, else DESCRIBE per group | groups left out |
//! | JoinGroup, SyncGroup, Heartbeat, LeaveGroup | READ group | GROUP_AUTHORIZATION_FAILED |
//! | OffsetCommit | READ group, READ topic | GROUP_/TOPIC_AUTHORIZATION_FAILED |
//! | OffsetFetch, DescribeGroups | DESCRIBE group | GROUP_AUTHORIZATION_FAILED |
//! | DeleteGroups | DELETE group | GROUP_AUTHORIZATION_FAILED |
//! | DescribeConfigs / AlterConfigs, IncrementalAlterConfigs | DESCRIBE_CONFIGS / ALTER_CONFIGS on the topic, or on the cluster for a broker | TOPIC_/CLUSTER_AUTHORIZATION_FAILED |
//! | InitProducerId (transactional), EndTxn | WRITE transactional id | TRANSACTIONAL_ID_AUTHORIZATION_FAILED |
//! | AddPartitionsToTxn | WRITE transactional id, WRITE topic | TRANSACTIONAL_ID_/TOPIC_AUTHORIZATION_FAILED |
//! | AddOffsetsToTxn | WRITE transactional id, READ group | TRANSACTIONAL_ID_/GROUP_AUTHORIZATION_FAILED |
//! | TxnOffsetCommit | WRITE transactional id, READ group, READ topic | TRANSACTIONAL_ID_/GROUP_/TOPIC_AUTHORIZATION_FAILED |
//! | Describe/Create/DeleteAcls | DESCRIBE / ALTER cluster | CLUSTER_AUTHORIZATION_FAILED |

use std::collections::HashSet;

use bytes::Bytes;
use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::StrBytes;
use kctl_client::protocol::acl::{
    ANONYMOUS_PRINCIPAL, AclBindingFilter, AclOperation, AclPermissionType, PatternType,
    ResourceType,
};
use kctl_client::protocol::messages::create_topics_response::CreatableTopicResult;
use kctl_client::protocol::messages::delete_groups_response::DeletableGroupResult;
use kctl_client::protocol::messages::delete_topics_response::DeletableTopicResult;
use kctl_client::protocol::messages::describe_configs_response::DescribeConfigsResult;
use kctl_client::protocol::messages::describe_groups_response::DescribedGroup;
use kctl_client::protocol::messages::fetch_response::{FetchableTopicResponse, PartitionData};
use kctl_client::protocol::messages::list_offsets_response::{
    ListOffsetsPartitionResponse, ListOffsetsTopicResponse,
};
use kctl_client::protocol::messages::metadata_response::MetadataResponseTopic;
use kctl_client::protocol::messages::offset_commit_response::{
    OffsetCommitResponsePartition, OffsetCommitResponseTopic,
};
use kctl_client::protocol::messages::produce_response::{
    PartitionProduceResponse, TopicProduceResponse,
};
use kctl_client::protocol::messages::{
    AlterConfigsRequest, AlterConfigsResponse, DeleteGroupsRequest, DeleteGroupsResponse,
    DescribeConfigsRequest, DescribeConfigsResponse, DescribeGroupsRequest, DescribeGroupsResponse,
    GroupId, IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse, OffsetFetchRequest,
    OffsetFetchResponse, alter_configs_response, incremental_alter_configs_response,
    offset_fetch_response,
};
use kctl_client::protocol::messages::{
    CreateTopicsRequest, CreateTopicsResponse, DeleteTopicsRequest, DeleteTopicsResponse,
    FetchRequest, FetchResponse, HeartbeatResponse, InitProducerIdResponse, JoinGroupResponse,
    LeaveGroupResponse, ListOffsetsRequest, ListOffsetsResponse, MetadataRequest, MetadataResponse,
    OffsetCommitRequest, OffsetCommitResponse, ProduceRequest, ProduceResponse, SyncGroupResponse,
    TopicName,
};

use super::{RequestContext, str_bytes};
use kctl_client::protocol::messages::{
    AddOffsetsToTxnRequest, AddPartitionsToTxnRequest, AddPartitionsToTxnResponse, EndTxnResponse,
    add_partitions_to_txn_response,
};

use kctl_client::protocol::messages::{
    CreatePartitionsRequest, CreatePartitionsResponse, DeleteRecordsRequest, DeleteRecordsResponse,
    ListGroupsResponse, create_partitions_response, delete_records_response,
};

use kctl_client::protocol::messages::{
    TxnOffsetCommitRequest, TxnOffsetCommitResponse, txn_offset_commit_response,
};

use crate::acl::Session;
use crate::state::BrokerState;

/// Runs `check` with the request's session, unless everyone may do
/// everything (then `true` without building the session).
fn allowed(
    state: &BrokerState,
    ctx: &RequestContext,
    check: impl FnOnce(Session<'_>) -> bool,
) -> bool {
    if state.acls.allows_everything() {
        return true;
    }
    let host = ctx.peer.ip().to_string();
    // broker-lite has no authentication (no SASL, no TLS client
    // certificates), so every connection is Kafka's anonymous principal.
    check(Session {
        principal: ANONYMOUS_PRINCIPAL,
        host: &host,
    })
}

/// Whether the sender may do `operation` on the cluster.
pub(super) fn cluster(state: &BrokerState, ctx: &RequestContext, operation: AclOperation) -> bool {
    allowed(state, ctx, |s| state.acls.authorize_cluster(s, operation))
}

/// Whether the sender may do `operation` on the resource.
pub(super) fn resource(
    state: &BrokerState,
    ctx: &RequestContext,
    operation: AclOperation,
    resource_type: ResourceType,
    name: &str,
) -> bool {
    allowed(state, ctx, |s| {
        state.acls.authorize(s, operation, resource_type, name)
    })
}

fn topic(state: &BrokerState, ctx: &RequestContext, operation: AclOperation, name: &str) -> bool {
    resource(state, ctx, operation, ResourceType::Topic, name)
}

/// Kafka lets a topic be created with CREATE on the cluster or on the topic.
fn may_create_topic(state: &BrokerState, ctx: &RequestContext, name: &str) -> bool {
    cluster(state, ctx, AclOperation::Create) || topic(state, ctx, AclOperation::Create, name)
}

/// Whether the sender may READ the group (every classic group API).
pub(super) fn group_read(state: &BrokerState, ctx: &RequestContext, group_id: &str) -> bool {
    resource(
        state,
        ctx,
        AclOperation::Read,
        ResourceType::Group,
        group_id,
    )
}

/// Whether the sender may WRITE the transactional id (InitProducerId,
/// Produce, AddPartitionsToTxn, EndTxn).
pub(super) fn transactional_id_write(
    state: &BrokerState,
    ctx: &RequestContext,
    transactional_id: &str,
) -> bool {
    resource(
        state,
        ctx,
        AclOperation::Write,
        ResourceType::TransactionalId,
        transactional_id,
    )
}

/// A DescribeAcls/DeleteAcls filter from its wire fields; an unknown code
/// becomes UNKNOWN, which [`AclBindingFilter::validate`] refuses.
pub(super) fn acl_filter(
    resource_type: i8,
    name: Option<&str>,
    pattern_type: i8,
    principal: Option<&str>,
    host: Option<&str>,
    operation: i8,
    permission: i8,
) -> AclBindingFilter {
    AclBindingFilter {
        resource_type: ResourceType::from_code(resource_type).unwrap_or(ResourceType::Unknown),
        name: name.map(str::to_owned),
        pattern_type: PatternType::from_code(pattern_type).unwrap_or(PatternType::Unknown),
        principal: principal.map(str::to_owned),
        host: host.map(str::to_owned),
        operation: AclOperation::from_code(operation).unwrap_or(AclOperation::Unknown),
        permission: AclPermissionType::from_code(permission).unwrap_or(AclPermissionType::Unknown),
    }
}

/// Topics refused, with their partitions and the error to report.
#[derive(Debug, Default)]
pub(super) struct Denied {
    topics: Vec<(TopicName, Vec<i32>, i16)>,
}

impl Denied {
    fn is_empty(&self) -> bool {
        self.topics.is_empty()
    }
}

const TOPIC_DENIED: i16 = ErrorCode::TopicAuthorizationFailed.code();

/// What Metadata must change in its answer.
#[derive(Debug, Default)]
pub(super) struct MetadataDenied {
    /// The topics to answer TOPIC_AUTHORIZATION_FAILED for.
    named: Vec<TopicName>,
    /// List-all: hide topics the sender may not DESCRIBE.
    hide_undescribable: bool,
    /// A v0 request whose every topic was refused: its now empty list
    /// would ask for all topics, so the answer lists none.
    drop_answer_topics: bool,
}

/// Metadata: named topics the sender may not DESCRIBE (or, when the request
/// would auto-create them, not CREATE) are taken out of the request and
/// answered TOPIC_AUTHORIZATION_FAILED; a list-all request loses them from
/// the answer, as Kafka hides them (librdkafka's wildcard subscriptions
/// then see them as unknown).
pub(super) fn metadata(
    state: &BrokerState,
    ctx: &RequestContext,
    mut request: MetadataRequest,
    version: i16,
) -> (MetadataRequest, MetadataDenied) {
    let mut denied = MetadataDenied::default();
    if state.acls.allows_everything() {
        return (request, denied);
    }
    let list_all = match &request.topics {
        None => true,
        Some(topics) => version == 0 && topics.is_empty(),
    };
    if list_all {
        denied.hide_undescribable = true;
        return (request, denied);
    }
    let auto_create =
        state.config.auto_create_topics && (version < 4 || request.allow_auto_topic_creation);
    if let Some(topics) = request.topics.as_mut() {
        topics.retain(|t| {
            let Some(name) = t.name.as_ref() else {
                return true;
            };
            let ok = topic(state, ctx, AclOperation::Describe, name)
                && (!auto_create
                    || state.topic(name).is_some()
                    || may_create_topic(state, ctx, name));
            if !ok {
                denied.named.push(name.clone());
            }
            ok
        });
        if version == 0 && topics.is_empty() {
            denied.drop_answer_topics = true;
        }
    }
    (request, denied)
}

/// Metadata: applies [`metadata`]'s decisions to the handler's answer.
pub(super) fn metadata_answer(
    state: &BrokerState,
    ctx: &RequestContext,
    mut response: MetadataResponse,
    denied: MetadataDenied,
) -> MetadataResponse {
    if denied.drop_answer_topics {
        response.topics.clear();
    }
    if denied.hide_undescribable {
        response.topics.retain(|t| {
            t.name
                .as_ref()
                .is_some_and(|n| topic(state, ctx, AclOperation::Describe, n))
        });
    }
    let shown: HashSet<TopicName> = response
        .topics
        .iter()
        .filter_map(|t| t.name.clone())
        .collect();
    for name in denied.named {
        if shown.contains(&name) {
            continue;
        }
        response.topics.push(
            MetadataResponseTopic::default()
                .with_name(Some(name))
                .with_error_code(TOPIC_DENIED)
                .with_topic_authorized_operations(i32::MIN),
        );
    }
    response
}

/// Produce: partitions of topics the sender may not WRITE (all of them,
/// for a transactional id it may not WRITE) are taken out.
pub(super) fn produce(
    state: &BrokerState,
    ctx: &RequestContext,
    mut request: ProduceRequest,
) -> (ProduceRequest, Denied) {
    let mut denied = Denied::default();
    if state.acls.allows_everything() {
        return (request, denied);
    }
    let txn_denied = request
        .transactional_id
        .as_ref()
        .is_some_and(|id| !transactional_id_write(state, ctx, id));
    request.topic_data.retain(|t| {
        let code = if txn_denied {
            ErrorCode::TransactionalIdAuthorizationFailed.code()
        } else if !topic(state, ctx, AclOperation::Write, &t.name) {
            TOPIC_DENIED
        } else {
            return true;
        };
        let partitions = t.partition_data.iter().map(|p| p.index).collect();
        denied.topics.push((t.name.clone(), partitions, code));
        false
    });
    (request, denied)
}

/// Produce: the refused partitions' errors, added to the answer.
pub(super) fn produce_answer(
    response: Option<ProduceResponse>,
    denied: Denied,
) -> Option<ProduceResponse> {
    let mut response = response?;
    for (name, partitions, code) in denied.topics {
        let partition_responses = partitions
            .into_iter()
            .map(|index| {
                PartitionProduceResponse::default()
                    .with_index(index)
                    .with_error_code(code)
                    .with_base_offset(-1)
                    .with_log_append_time_ms(-1)
                    .with_log_start_offset(-1)
            })
            .collect();
        response.responses.push(
            TopicProduceResponse::default()
                .with_name(name)
                .with_partition_responses(partition_responses),
        );
    }
    Some(response)
}

/// Fetch: topics the sender may not READ are taken out. `None` when
/// nothing is left to read: the caller answers at once (Kafka does not
/// long-poll a fetch with only refused partitions).
pub(super) fn fetch(
    state: &BrokerState,
    ctx: &RequestContext,
    mut request: FetchRequest,
) -> (Option<FetchRequest>, Denied) {
    let mut denied = Denied::default();
    if state.acls.allows_everything() {
        return (Some(request), denied);
    }
    request.topics.retain(|t| {
        if topic(state, ctx, AclOperation::Read, &t.topic) {
            return true;
        }
        let partitions = t.partitions.iter().map(|p| p.partition).collect();
        denied
            .topics
            .push((t.topic.clone(), partitions, TOPIC_DENIED));
        false
    });
    if request.topics.is_empty() && !denied.is_empty() {
        return (None, denied);
    }
    (Some(request), denied)
}

/// Fetch: the refused partitions' errors, added to the answer (or to an
/// empty one).
pub(super) fn fetch_answer(
    response: Option<FetchResponse>,
    denied: Denied,
) -> Option<FetchResponse> {
    let mut response = response.unwrap_or_default();
    for (name, partitions, code) in denied.topics {
        let partitions = partitions
            .into_iter()
            .map(|index| {
                PartitionData::default()
                    .with_partition_index(index)
                    .with_error_code(code)
                    .with_high_watermark(-1)
                    .with_last_stable_offset(-1)
                    .with_log_start_offset(-1)
                    // librdkafka rejects null records (MessageSetSize -1).
                    .with_records(Some(Bytes::new()))
            })
            .collect();
        response.responses.push(
            FetchableTopicResponse::default()
                .with_topic(name)
                .with_partitions(partitions),
        );
    }
    Some(response)
}

/// ListOffsets: topics the sender may not DESCRIBE are taken out.
pub(super) fn list_offsets(
    state: &BrokerState,
    ctx: &RequestContext,
    mut request: ListOffsetsRequest,
) -> (ListOffsetsRequest, Denied) {
    let mut denied = Denied::default();
    if state.acls.allows_everything() {
        return (request, denied);
    }
    request.topics.retain(|t| {
        if topic(state, ctx, AclOperation::Describe, &t.name) {
            return true;
        }
        let partitions = t.partitions.iter().map(|p| p.partition_index).collect();
        denied
            .topics
            .push((t.name.clone(), partitions, TOPIC_DENIED));
        false
    });
    (request, denied)
}

/// ListOffsets: the refused partitions' errors, added to the answer.
pub(super) fn list_offsets_answer(
    mut response: ListOffsetsResponse,
    denied: Denied,
) -> ListOffsetsResponse {
    for (name, partitions, code) in denied.topics {
        let partitions = partitions
            .into_iter()
            .map(|index| {
                ListOffsetsPartitionResponse::default()
                    .with_partition_index(index)
                    .with_error_code(code)
                    .with_timestamp(-1)
                    .with_offset(-1)
                    .with_leader_epoch(-1)
            })
            .collect();
        response.topics.push(
            ListOffsetsTopicResponse::default()
                .with_name(name)
                .with_partitions(partitions),
        );
    }
    response
}

/// CreateTopics: topics the sender may not CREATE are taken out.
pub(super) fn create_topics(
    state: &BrokerState,
    ctx: &RequestContext,
    mut request: CreateTopicsRequest,
) -> (CreateTopicsRequest, Denied) {
    let mut denied = Denied::default();
    if state.acls.allows_everything() {
        return (request, denied);
    }
    request.topics.retain(|t| {
        if may_create_topic(state, ctx, &t.name) {
            return true;
        }
        denied
            .topics
            .push((t.name.clone(), Vec::new(), TOPIC_DENIED));
        false
    });
    (request, denied)
}

/// CreateTopics: the refused topics' errors, added to the answer.
pub(super) fn create_topics_answer(
    mut response: CreateTopicsResponse,
    denied: Denied,
) -> CreateTopicsResponse {
    for (name, _, code) in denied.topics {
        response.topics.push(
            CreatableTopicResult::default()
                .with_name(name)
                .with_error_code(code)
                .with_error_message(Some(str_bytes("Authorization failed.")))
                .with_num_partitions(-1)
                .with_replication_factor(-1)
                .with_topic_config_error_code(code),
        );
    }
    response
}

/// DeleteTopics: topics (by name) the sender may not DELETE are taken out.
pub(super) fn delete_topics(
    state: &BrokerState,
    ctx: &RequestContext,
    mut request: DeleteTopicsRequest,
) -> (DeleteTopicsRequest, Denied) {
    let mut denied = Denied::default();
    if state.acls.allows_everything() {
        return (request, denied);
    }
    let mut refuse = |name: &TopicName| {
        if topic(state, ctx, AclOperation::Delete, name) {
            return true;
        }
        denied.topics.push((name.clone(), Vec::new(), TOPIC_DENIED));
        false
    };
    request.topic_names.retain(|name| refuse(name));
    request
        .topics
        .retain(|t| t.name.as_ref().is_none_or(&mut refuse));
    (request, denied)
}

/// DeleteTopics: the refused topics' errors, added to the answer.
pub(super) fn delete_topics_answer(
    mut response: DeleteTopicsResponse,
    denied: Denied,
) -> DeleteTopicsResponse {
    for (name, _, code) in denied.topics {
        response.responses.push(
            DeletableTopicResult::default()
                .with_name(Some(name))
                .with_error_code(code)
                .with_error_message(Some(str_bytes("Authorization failed."))),
        );
    }
    response
}

/// OffsetCommit: without READ on the group every partition fails with
/// GROUP_AUTHORIZATION_FAILED (`Err` carries that answer); otherwise the
/// topics the sender may not READ are taken out.
pub(super) fn offset_commit(
    state: &BrokerState,
    ctx: &RequestContext,
    mut request: OffsetCommitRequest,
) -> Result<(OffsetCommitRequest, Denied), OffsetCommitResponse> {
    let mut denied = Denied::default();
    if state.acls.allows_everything() {
        return Ok((request, denied));
    }
    if !group_read(state, ctx, &request.group_id) {
        for t in request.topics {
            let partitions = t.partitions.iter().map(|p| p.partition_index).collect();
            let code = ErrorCode::GroupAuthorizationFailed.code();
            denied.topics.push((t.name, partitions, code));
        }
        return Err(offset_commit_answer(
            OffsetCommitResponse::default(),
            denied,
        ));
    }
    request.topics.retain(|t| {
        if topic(state, ctx, AclOperation::Read, &t.name) {
            return true;
        }
        let partitions = t.partitions.iter().map(|p| p.partition_index).collect();
        denied
            .topics
            .push((t.name.clone(), partitions, TOPIC_DENIED));
        false
    });
    Ok((request, denied))
}

/// OffsetCommit: the refused partitions' errors, added to the answer.
pub(super) fn offset_commit_answer(
    mut response: OffsetCommitResponse,
    denied: Denied,
) -> OffsetCommitResponse {
    for (name, partitions, code) in denied.topics {
        let partitions = partitions
            .into_iter()
            .map(|index| {
                OffsetCommitResponsePartition::default()
                    .with_partition_index(index)
                    .with_error_code(code)
            })
            .collect();
        response.topics.push(
            OffsetCommitResponseTopic::default()
                .with_name(name)
                .with_partitions(partitions),
        );
    }
    response
}

const GROUP_DENIED: i16 = ErrorCode::GroupAuthorizationFailed.code();

/// JoinGroup's answer to a sender without READ on the group.
pub(super) fn join_group_denied(version: i16) -> JoinGroupResponse {
    JoinGroupResponse::default()
        .with_error_code(GROUP_DENIED)
        .with_generation_id(-1)
        // Before v7 the protocol name is not nullable.
        .with_protocol_name((version < 7).then(|| str_bytes("")))
}

/// SyncGroup's answer to a sender without READ on the group.
pub(super) fn sync_group_denied() -> SyncGroupResponse {
    SyncGroupResponse::default().with_error_code(GROUP_DENIED)
}

/// Heartbeat's answer to a sender without READ on the group.
pub(super) fn heartbeat_denied() -> HeartbeatResponse {
    HeartbeatResponse::default().with_error_code(GROUP_DENIED)
}

/// LeaveGroup's answer to a sender without READ on the group.
pub(super) fn leave_group_denied() -> LeaveGroupResponse {
    LeaveGroupResponse::default().with_error_code(GROUP_DENIED)
}

/// InitProducerId's answer to a sender without WRITE on the transactional
/// id.
pub(super) fn init_producer_id_denied() -> InitProducerIdResponse {
    InitProducerIdResponse::default()
        .with_error_code(ErrorCode::TransactionalIdAuthorizationFailed.code())
        .with_producer_id((-1).into())
        .with_producer_epoch(-1)
}

/// A config resource refused: its type, name and error.
#[derive(Debug, Default)]
pub(super) struct DeniedResources {
    resources: Vec<(i8, StrBytes, i16)>,
}

/// Config resource types (DescribeConfigs, AlterConfigs).
const CONFIG_RESOURCE_TOPIC: i8 = 2;

/// Whether the sender may do `operation` on a config resource: a topic's
/// configs need it on the topic, a broker's (and its loggers') on the
/// cluster. Unknown types pass through for the handler to refuse.
fn config_resource(
    state: &BrokerState,
    ctx: &RequestContext,
    operation: AclOperation,
    resource_type: i8,
    name: &str,
) -> Result<(), i16> {
    if resource_type == CONFIG_RESOURCE_TOPIC {
        if topic(state, ctx, operation, name) {
            return Ok(());
        }
        return Err(TOPIC_DENIED);
    }
    if cluster(state, ctx, operation) {
        return Ok(());
    }
    Err(ErrorCode::ClusterAuthorizationFailed.code())
}

/// DescribeConfigs: resources without DESCRIBE_CONFIGS are taken out
/// (ALTER_CONFIGS implies it).
pub(super) fn describe_configs(
    state: &BrokerState,
    ctx: &RequestContext,
    mut request: DescribeConfigsRequest,
) -> (DescribeConfigsRequest, DeniedResources) {
    let mut denied = DeniedResources::default();
    if state.acls.allows_everything() {
        return (request, denied);
    }
    request.resources.retain(|r| {
        match config_resource(
            state,
            ctx,
            AclOperation::DescribeConfigs,
            r.resource_type,
            &r.resource_name,
        ) {
            Ok(()) => true,
            Err(code) => {
                denied
                    .resources
                    .push((r.resource_type, r.resource_name.clone(), code));
                false
            }
        }
    });
    (request, denied)
}

/// DescribeConfigs: the refused resources' errors, added to the answer.
pub(super) fn describe_configs_answer(
    mut response: DescribeConfigsResponse,
    denied: DeniedResources,
) -> DescribeConfigsResponse {
    for (resource_type, name, code) in denied.resources {
        response.results.push(
            DescribeConfigsResult::default()
                .with_error_code(code)
                .with_error_message(Some(str_bytes("Authorization failed.")))
                .with_resource_type(resource_type)
                .with_resource_name(name),
        );
    }
    response
}

/// AlterConfigs: resources without ALTER_CONFIGS are taken out.
pub(super) fn alter_configs(
    state: &BrokerState,
    ctx: &RequestContext,
    mut request: AlterConfigsRequest,
) -> (AlterConfigsRequest, DeniedResources) {
    let mut denied = DeniedResources::default();
    if state.acls.allows_everything() {
        return (request, denied);
    }
    request.resources.retain(|r| {
        match config_resource(
            state,
            ctx,
            AclOperation::AlterConfigs,
            r.resource_type,
            &r.resource_name,
        ) {
            Ok(()) => true,
            Err(code) => {
                denied
                    .resources
                    .push((r.resource_type, r.resource_name.clone(), code));
                false
            }
        }
    });
    (request, denied)
}

/// AlterConfigs: the refused resources' errors, added to the answer.
pub(super) fn alter_configs_answer(
    mut response: AlterConfigsResponse,
    denied: DeniedResources,
) -> AlterConfigsResponse {
    for (resource_type, name, code) in denied.resources {
        response.responses.push(
            alter_configs_response::AlterConfigsResourceResponse::default()
                .with_error_code(code)
                .with_error_message(Some(str_bytes("Authorization failed.")))
                .with_resource_type(resource_type)
                .with_resource_name(name),
        );
    }
    response
}

/// IncrementalAlterConfigs: resources without ALTER_CONFIGS are taken out.
pub(super) fn incremental_alter_configs(
    state: &BrokerState,
    ctx: &RequestContext,
    mut request: IncrementalAlterConfigsRequest,
) -> (IncrementalAlterConfigsRequest, DeniedResources) {
    let mut denied = DeniedResources::default();
    if state.acls.allows_everything() {
        return (request, denied);
    }
    request.resources.retain(|r| {
        match config_resource(
            state,
            ctx,
            AclOperation::AlterConfigs,
            r.resource_type,
            &r.resource_name,
        ) {
            Ok(()) => true,
            Err(code) => {
                denied
                    .resources
                    .push((r.resource_type, r.resource_name.clone(), code));
                false
            }
        }
    });
    (request, denied)
}

/// IncrementalAlterConfigs: the refused resources' errors, added to the
/// answer.
pub(super) fn incremental_alter_configs_answer(
    mut response: IncrementalAlterConfigsResponse,
    denied: DeniedResources,
) -> IncrementalAlterConfigsResponse {
    for (resource_type, name, code) in denied.resources {
        response.responses.push(
            incremental_alter_configs_response::AlterConfigsResourceResponse::default()
                .with_error_code(code)
                .with_error_message(Some(str_bytes("Authorization failed.")))
                .with_resource_type(resource_type)
                .with_resource_name(name),
        );
    }
    response
}

/// DescribeGroups: groups without DESCRIBE are taken out.
pub(super) fn describe_groups(
    state: &BrokerState,
    ctx: &RequestContext,
    mut request: DescribeGroupsRequest,
) -> (DescribeGroupsRequest, Vec<GroupId>) {
    let mut denied = Vec::new();
    if state.acls.allows_everything() {
        return (request, denied);
    }
    request.groups.retain(|g| {
        let ok = resource(state, ctx, AclOperation::Describe, ResourceType::Group, g);
        if !ok {
            denied.push(g.clone());
        }
        ok
    });
    (request, denied)
}

/// DescribeGroups: the refused groups' errors, added to the answer.
pub(super) fn describe_groups_answer(
    mut response: DescribeGroupsResponse,
    denied: Vec<GroupId>,
) -> DescribeGroupsResponse {
    for group_id in denied {
        response.groups.push(
            DescribedGroup::default()
                .with_group_id(group_id)
                .with_error_code(GROUP_DENIED)
                .with_authorized_operations(i32::MIN),
        );
    }
    response
}

/// DeleteGroups: groups without DELETE are taken out.
pub(super) fn delete_groups(
    state: &BrokerState,
    ctx: &RequestContext,
    mut request: DeleteGroupsRequest,
) -> (DeleteGroupsRequest, Vec<GroupId>) {
    let mut denied = Vec::new();
    if state.acls.allows_everything() {
        return (request, denied);
    }
    request.groups_names.retain(|g| {
        let ok = resource(state, ctx, AclOperation::Delete, ResourceType::Group, g);
        if !ok {
            denied.push(g.clone());
        }
        ok
    });
    (request, denied)
}

/// DeleteGroups: the refused groups' errors, added to the answer.
pub(super) fn delete_groups_answer(
    response: Option<DeleteGroupsResponse>,
    denied: Vec<GroupId>,
) -> Option<DeleteGroupsResponse> {
    let mut response = response?;
    for group_id in denied {
        response.results.push(
            DeletableGroupResult::default()
                .with_group_id(group_id)
                .with_error_code(GROUP_DENIED),
        );
    }
    Some(response)
}

/// OffsetFetch: the answer for a sender without DESCRIBE on the group
/// (v0–7, one group), or `None` to go on. v8+ (many groups) is checked
/// per group by [`offset_fetch_groups`].
pub(super) fn offset_fetch_denied(
    state: &BrokerState,
    ctx: &RequestContext,
    request: &OffsetFetchRequest,
    version: i16,
) -> Option<OffsetFetchResponse> {
    if version >= 8
        || resource(
            state,
            ctx,
            AclOperation::Describe,
            ResourceType::Group,
            &request.group_id,
        )
    {
        return None;
    }
    if version >= 2 {
        return Some(OffsetFetchResponse::default().with_error_code(GROUP_DENIED));
    }
    // v1 has no top-level error: every requested partition carries it.
    let topics = request
        .topics
        .iter()
        .flatten()
        .map(|t| {
            let partitions = t
                .partition_indexes
                .iter()
                .map(|&p| {
                    offset_fetch_response::OffsetFetchResponsePartition::default()
                        .with_partition_index(p)
                        .with_committed_offset(-1)
                        .with_metadata(Some(str_bytes("")))
                        .with_error_code(GROUP_DENIED)
                })
                .collect();
            offset_fetch_response::OffsetFetchResponseTopic::default()
                .with_name(t.name.clone())
                .with_partitions(partitions)
        })
        .collect();
    Some(OffsetFetchResponse::default().with_topics(topics))
}

/// OffsetFetch v8+: groups without DESCRIBE are taken out.
pub(super) fn offset_fetch_groups(
    state: &BrokerState,
    ctx: &RequestContext,
    mut request: OffsetFetchRequest,
) -> (OffsetFetchRequest, Vec<GroupId>) {
    let mut denied = Vec::new();
    if state.acls.allows_everything() {
        return (request, denied);
    }
    request.groups.retain(|g| {
        let ok = resource(
            state,
            ctx,
            AclOperation::Describe,
            ResourceType::Group,
            &g.group_id,
        );
        if !ok {
            denied.push(g.group_id.clone());
        }
        ok
    });
    (request, denied)
}

/// OffsetFetch v8+: the refused groups' errors, added to the answer.
pub(super) fn offset_fetch_groups_answer(
    mut response: OffsetFetchResponse,
    denied: Vec<GroupId>,
) -> OffsetFetchResponse {
    for group_id in denied {
        response.groups.push(
            offset_fetch_response::OffsetFetchResponseGroup::default()
                .with_group_id(group_id)
                .with_error_code(GROUP_DENIED),
        );
    }
    response
}

const TXN_ID_DENIED: i16 = ErrorCode::TransactionalIdAuthorizationFailed.code();

/// AddPartitionsToTxn (v0–3): the whole answer when anything is refused,
/// as Kafka answers: without WRITE on the transactional id every partition
/// fails with TRANSACTIONAL_ID_AUTHORIZATION_FAILED; otherwise partitions
/// of topics without WRITE fail with TOPIC_AUTHORIZATION_FAILED and the
/// others with OPERATION_NOT_ATTEMPTED, and nothing is added.
pub(super) fn add_partitions_to_txn_denied(
    state: &BrokerState,
    ctx: &RequestContext,
    request: &AddPartitionsToTxnRequest,
) -> Option<AddPartitionsToTxnResponse> {
    if state.acls.allows_everything() {
        return None;
    }
    let txn_allowed = transactional_id_write(state, ctx, &request.v3_and_below_transactional_id);
    let codes: Vec<i16> = request
        .v3_and_below_topics
        .iter()
        .map(|t| {
            if !txn_allowed {
                TXN_ID_DENIED
            } else if topic(state, ctx, AclOperation::Write, &t.name) {
                ErrorCode::OperationNotAttempted.code()
            } else {
                TOPIC_DENIED
            }
        })
        .collect();
    if txn_allowed && !codes.contains(&TOPIC_DENIED) {
        return None;
    }
    let results = request
        .v3_and_below_topics
        .iter()
        .zip(codes)
        .map(|(t, code)| {
            let partitions = t
                .partitions
                .iter()
                .map(|&p| {
                    add_partitions_to_txn_response::AddPartitionsToTxnPartitionResult::default()
                        .with_partition_index(p)
                        .with_partition_error_code(code)
                })
                .collect();
            add_partitions_to_txn_response::AddPartitionsToTxnTopicResult::default()
                .with_name(t.name.clone())
                .with_results_by_partition(partitions)
        })
        .collect();
    Some(AddPartitionsToTxnResponse::default().with_results_by_topic_v3_and_below(results))
}

/// AddOffsetsToTxn: WRITE on the transactional id, READ on the group; the
/// error code when either is refused.
pub(super) fn add_offsets_to_txn_denied(
    state: &BrokerState,
    ctx: &RequestContext,
    request: &AddOffsetsToTxnRequest,
) -> Option<i16> {
    if !transactional_id_write(state, ctx, &request.transactional_id) {
        return Some(TXN_ID_DENIED);
    }
    if !group_read(state, ctx, &request.group_id) {
        return Some(GROUP_DENIED);
    }
    None
}

/// EndTxn's answer to a sender without WRITE on the transactional id.
pub(super) fn end_txn_denied() -> EndTxnResponse {
    EndTxnResponse::default()
        .with_error_code(TXN_ID_DENIED)
        .with_producer_id((-1).into())
        .with_producer_epoch(-1)
}

/// CreatePartitions: topics without ALTER are taken out.
pub(super) fn create_partitions(
    state: &BrokerState,
    ctx: &RequestContext,
    mut request: CreatePartitionsRequest,
) -> (CreatePartitionsRequest, Denied) {
    let mut denied = Denied::default();
    if state.acls.allows_everything() {
        return (request, denied);
    }
    request.topics.retain(|t| {
        if topic(state, ctx, AclOperation::Alter, &t.name) {
            return true;
        }
        denied
            .topics
            .push((t.name.clone(), Vec::new(), TOPIC_DENIED));
        false
    });
    (request, denied)
}

/// CreatePartitions: the refused topics' errors, added to the answer.
pub(super) fn create_partitions_answer(
    mut response: CreatePartitionsResponse,
    denied: Denied,
) -> CreatePartitionsResponse {
    for (name, _, code) in denied.topics {
        response.results.push(
            create_partitions_response::CreatePartitionsTopicResult::default()
                .with_name(name)
                .with_error_code(code)
                .with_error_message(Some(str_bytes("Authorization failed."))),
        );
    }
    response
}

/// DeleteRecords: topics without DELETE are taken out.
pub(super) fn delete_records(
    state: &BrokerState,
    ctx: &RequestContext,
    mut request: DeleteRecordsRequest,
) -> (DeleteRecordsRequest, Denied) {
    let mut denied = Denied::default();
    if state.acls.allows_everything() {
        return (request, denied);
    }
    request.topics.retain(|t| {
        if topic(state, ctx, AclOperation::Delete, &t.name) {
            return true;
        }
        let partitions = t.partitions.iter().map(|p| p.partition_index).collect();
        denied
            .topics
            .push((t.name.clone(), partitions, TOPIC_DENIED));
        false
    });
    (request, denied)
}

/// DeleteRecords: the refused partitions' errors, added to the answer.
pub(super) fn delete_records_answer(
    mut response: DeleteRecordsResponse,
    denied: Denied,
) -> DeleteRecordsResponse {
    for (name, partitions, code) in denied.topics {
        let partitions = partitions
            .into_iter()
            .map(|index| {
                delete_records_response::DeleteRecordsPartitionResult::default()
                    .with_partition_index(index)
                    .with_low_watermark(-1)
                    .with_error_code(code)
            })
            .collect();
        response.topics.push(
            delete_records_response::DeleteRecordsTopicResult::default()
                .with_name(name)
                .with_partitions(partitions),
        );
    }
    response
}

/// ListGroups: only the groups the sender may DESCRIBE (all of them with
/// DESCRIBE on the cluster), as Kafka lists them.
pub(super) fn list_groups_answer(
    state: &BrokerState,
    ctx: &RequestContext,
    mut response: ListGroupsResponse,
) -> ListGroupsResponse {
    if cluster(state, ctx, AclOperation::Describe) {
        return response;
    }
    response.groups.retain(|g| {
        resource(
            state,
            ctx,
            AclOperation::Describe,
            ResourceType::Group,
            &g.group_id,
        )
    });
    response
}

/// TxnOffsetCommit: without WRITE on the transactional id or READ on the
/// group, every partition fails with that error (`Err` carries the
/// answer); otherwise topics without READ are taken out.
pub(super) fn txn_offset_commit(
    state: &BrokerState,
    ctx: &RequestContext,
    mut request: TxnOffsetCommitRequest,
) -> Result<(TxnOffsetCommitRequest, Denied), TxnOffsetCommitResponse> {
    let mut denied = Denied::default();
    if state.acls.allows_everything() {
        return Ok((request, denied));
    }
    let whole = if !transactional_id_write(state, ctx, &request.transactional_id) {
        Some(TXN_ID_DENIED)
    } else if !group_read(state, ctx, &request.group_id) {
        Some(GROUP_DENIED)
    } else {
        None
    };
    if let Some(code) = whole {
        for t in request.topics {
            let partitions = t.partitions.iter().map(|p| p.partition_index).collect();
            denied.topics.push((t.name, partitions, code));
        }
        return Err(txn_offset_commit_answer(
            TxnOffsetCommitResponse::default(),
            denied,
        ));
    }
    request.topics.retain(|t| {
        if topic(state, ctx, AclOperation::Read, &t.name) {
            return true;
        }
        let partitions = t.partitions.iter().map(|p| p.partition_index).collect();
        denied
            .topics
            .push((t.name.clone(), partitions, TOPIC_DENIED));
        false
    });
    Ok((request, denied))
}

/// TxnOffsetCommit: the refused partitions' errors, added to the answer.
pub(super) fn txn_offset_commit_answer(
    mut response: TxnOffsetCommitResponse,
    denied: Denied,
) -> TxnOffsetCommitResponse {
    for (name, partitions, code) in denied.topics {
        let partitions = partitions
            .into_iter()
            .map(|index| {
                txn_offset_commit_response::TxnOffsetCommitResponsePartition::default()
                    .with_partition_index(index)
                    .with_error_code(code)
            })
            .collect();
        response.topics.push(
            txn_offset_commit_response::TxnOffsetCommitResponseTopic::default()
                .with_name(name)
                .with_partitions(partitions),
        );
    }
    response
}
