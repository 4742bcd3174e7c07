//! One module per Kafka API, and the table of what is supported.
//!
//! [`SUPPORTED`] is the single source of truth: ApiVersions advertises it
//! and [`dispatch`] enforces it, so the two cannot drift apart. The caps are
//! deliberate (see `shared/reference/broker.md`): Produce stops at v11
//! because v12 signals transactions v2 and v13 needs topic ids; Fetch stops
//! at v12 because v13 addresses topics by id; ListOffsets at v7 because v8+
//! adds tiered-storage sentinels.

use std::future::{Future, ready};
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::BytesMut;
use kctl_client::protocol::api::{ApiKey, ApiSupport};
use kctl_client::protocol::header::{self, RequestFrame};
use kctl_client::protocol::messages::AddOffsetsToTxnResponse;
use kctl_client::protocol::messages::WriteTxnMarkersRequest;
use kctl_client::protocol::messages::{
    AddOffsetsToTxnRequest, AddPartitionsToTxnRequest, DescribeProducersRequest,
    DescribeTransactionsRequest, EndTxnRequest, ListTransactionsRequest, TxnOffsetCommitRequest,
};
use kctl_client::protocol::messages::{
    AlterConfigsRequest, DeleteRecordsRequest, IncrementalAlterConfigsRequest,
    InitProducerIdRequest,
};
use kctl_client::protocol::messages::{
    AlterShareGroupOffsetsRequest, DeleteShareGroupOffsetsRequest,
    DescribeShareGroupOffsetsRequest, ShareAcknowledgeRequest, ShareFetchRequest,
    ShareGroupDescribeRequest, ShareGroupHeartbeatRequest,
};
use kctl_client::protocol::messages::{
    ConsumerGroupDescribeRequest, ConsumerGroupHeartbeatRequest, CreatePartitionsRequest,
    CreateTopicsRequest, DeleteGroupsRequest, DeleteTopicsRequest, DescribeClusterRequest,
    DescribeConfigsRequest, DescribeGroupsRequest, ElectLeadersRequest, FetchRequest,
    FindCoordinatorRequest, HeartbeatRequest, JoinGroupRequest, LeaveGroupRequest,
    ListGroupsRequest, ListOffsetsRequest, MetadataRequest, OffsetCommitRequest,
    OffsetDeleteRequest, OffsetFetchRequest, OffsetForLeaderEpochRequest, ProduceRequest,
    SyncGroupRequest,
};
use kctl_client::protocol::messages::{CreateAclsRequest, DeleteAclsRequest, DescribeAclsRequest};
use kctl_client::protocol::{Decodable, Encodable, ProtocolError, Request};

use crate::connection::Outgoing;
use crate::state::BrokerState;

mod add_offsets_to_txn;
mod add_partitions_to_txn;
mod alter_configs;
mod api_versions;
mod authorize;
mod consumer_group_describe;
mod consumer_group_heartbeat;
mod create_acls;
mod create_partitions;
mod create_topics;
mod delete_acls;
mod delete_groups;
mod delete_records;
mod delete_topics;
mod describe_acls;
mod describe_cluster;
mod describe_configs;
mod describe_groups;
mod describe_producers;
mod describe_transactions;
mod end_txn;
mod fetch;
mod find_coordinator;
mod heartbeat;
mod init_producer_id;
mod join_group;
mod leave_group;
mod list_groups;
mod list_offsets;
mod list_transactions;
mod metadata;
mod offset_commit;
mod offset_delete;
mod offset_fetch;
mod offset_for_leader_epoch;
mod produce;
mod share_fetch;
mod share_group_describe;
mod share_group_heartbeat;
mod share_group_offsets;
mod sync_group;
mod txn_offset_commit;
mod write_txn_markers;

pub(crate) use describe_configs::source_code as config_source_code;

/// Every API broker-lite serves, with the versions it accepts.
pub(crate) static SUPPORTED: &[ApiSupport] = &[
    // Produce v12 is the transactions-v2 form (KIP-890): a transactional
    // batch adds its partition to the transaction. v13 names topics by id.
    ApiSupport::new(ApiKey::Produce, 3, 12),
    ApiSupport::new(ApiKey::Fetch, 4, 12),
    ApiSupport::new(ApiKey::ListOffsets, 1, 7),
    ApiSupport::new(ApiKey::Metadata, 0, 12),
    ApiSupport::new(ApiKey::ApiVersions, 0, 4),
    ApiSupport::new(ApiKey::CreateTopics, 2, 7),
    ApiSupport::new(ApiKey::DeleteTopics, 1, 6),
    ApiSupport::new(ApiKey::DescribeConfigs, 1, 4),
    ApiSupport::new(ApiKey::CreatePartitions, 0, 3),
    ApiSupport::new(ApiKey::DescribeCluster, 0, 1),
    // Leader epochs (KIP-101/320): followers and consumers find where an
    // epoch ended. v2 is the oldest Kafka 4 serves.
    ApiSupport::new(ApiKey::OffsetForLeaderEpoch, 2, 4),
    // Cluster nodes only (forwarded to the controller); a single broker
    // answers that no election is needed, as its only replica leads.
    ApiSupport::new(ApiKey::ElectLeaders, 0, 2),
    ApiSupport::new(ApiKey::InitProducerId, 0, 4),
    ApiSupport::new(ApiKey::AlterConfigs, 0, 2),
    ApiSupport::new(ApiKey::IncrementalAlterConfigs, 0, 1),
    ApiSupport::new(ApiKey::DeleteRecords, 0, 2),
    // Group APIs. OffsetCommit/OffsetFetch stop at v9 (v10 addresses topics
    // by id); DescribeGroups at v5 (v6 reports unknown groups as an error
    // rather than Dead).
    ApiSupport::new(ApiKey::FindCoordinator, 0, 6),
    ApiSupport::new(ApiKey::JoinGroup, 0, 9),
    ApiSupport::new(ApiKey::SyncGroup, 0, 5),
    ApiSupport::new(ApiKey::Heartbeat, 0, 4),
    ApiSupport::new(ApiKey::LeaveGroup, 0, 5),
    ApiSupport::new(ApiKey::OffsetCommit, 2, 9),
    ApiSupport::new(ApiKey::OffsetFetch, 1, 9),
    ApiSupport::new(ApiKey::DescribeGroups, 0, 5),
    ApiSupport::new(ApiKey::ListGroups, 0, 5),
    ApiSupport::new(ApiKey::DeleteGroups, 0, 2),
    ApiSupport::new(ApiKey::OffsetDelete, 0, 0),
    // KIP-848 consumer groups, the versions Kafka 4.0 serves.
    ApiSupport::new(ApiKey::ConsumerGroupHeartbeat, 0, 1),
    ApiSupport::new(ApiKey::ConsumerGroupDescribe, 0, 1),
    // KIP-932 share groups at the versions the vendored schemas define.
    // ShareFetch/ShareAcknowledge v2 is Kafka 4.2's RENEW (KIP-1222) and
    // DescribeShareGroupOffsets v1 its share-partition lag (KIP-1226).
    ApiSupport::new(ApiKey::ShareGroupHeartbeat, 1, 1),
    ApiSupport::new(ApiKey::ShareGroupDescribe, 1, 1),
    ApiSupport::new(ApiKey::ShareFetch, 1, 2),
    ApiSupport::new(ApiKey::ShareAcknowledge, 1, 2),
    ApiSupport::new(ApiKey::DescribeShareGroupOffsets, 0, 1),
    ApiSupport::new(ApiKey::AlterShareGroupOffsets, 0, 0),
    ApiSupport::new(ApiKey::DeleteShareGroupOffsets, 0, 0),
    // Transactions v1 and v2 (see `txn`). AddPartitionsToTxn stops at v3:
    // v4+ is the broker-to-broker batch form. AddOffsetsToTxn stops at v3:
    // a transactions-v2 client does not send it. EndTxn and TxnOffsetCommit
    // go to v5, transactions v2 (v4 only tells the broker the client
    // understands TRANSACTION_ABORTABLE, which broker-lite never answers).
    // ListTransactions stops at v1: v2 filters ids by regular expression.
    ApiSupport::new(ApiKey::AddPartitionsToTxn, 0, 3),
    ApiSupport::new(ApiKey::AddOffsetsToTxn, 0, 3),
    ApiSupport::new(ApiKey::EndTxn, 0, 5),
    ApiSupport::new(ApiKey::TxnOffsetCommit, 0, 5),
    ApiSupport::new(ApiKey::DescribeTransactions, 0, 0),
    ApiSupport::new(ApiKey::ListTransactions, 0, 1),
    ApiSupport::new(ApiKey::DescribeProducers, 0, 0),
    // ACLs: Kafka 4.x's ranges (v0, without pattern types, was removed).
    ApiSupport::new(ApiKey::DescribeAcls, 1, 3),
    ApiSupport::new(ApiKey::CreateAcls, 1, 3),
    ApiSupport::new(ApiKey::DeleteAcls, 1, 3),
];

pub(crate) fn support(api_key: ApiKey) -> Option<&'static ApiSupport> {
    SUPPORTED.iter().find(|s| s.api_key == api_key)
}

/// Who sent a request, for what DescribeGroups reports about members.
#[derive(Debug, Clone)]
pub(crate) struct RequestContext {
    pub peer: SocketAddr,
    pub client_id: String,
}

impl RequestContext {
    /// The client's address as Kafka reports it (`InetAddress.toString()`
    /// of an address without a host name: "/127.0.0.1").
    pub fn client_host(&self) -> String {
        format!("/{}", self.peer.ip())
    }
}

/// A request that ends the connection.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DispatchError {
    #[error("unsupported API {api_key:?} v{version}")]
    Unsupported { api_key: ApiKey, version: i16 },
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
}

/// Runs one request and appends its response frame (if it has one) to `out`.
pub(crate) async fn dispatch(
    state: &Arc<BrokerState>,
    peer: SocketAddr,
    request: RequestFrame,
    out: &mut Outgoing,
) -> Result<(), DispatchError> {
    let ctx = RequestContext {
        peer,
        client_id: request
            .header
            .client_id
            .as_ref()
            .map(|c| c.to_string())
            .unwrap_or_default(),
    };
    let ctx = &ctx;
    let api_key = request.api_key;
    let version = request.version();
    // Fetch alone may leave its record sets in files (see `connection`).
    let out = match api_key {
        ApiKey::Fetch if support(api_key).is_some_and(|s| s.supports(version)) => {
            return fetch_request(state, ctx, request, out).await;
        }
        _ => &mut out.bytes,
    };
    if api_key == ApiKey::ApiVersions {
        // ApiVersions answers versions it does not support, so a client can
        // learn what it does (KIP-511).
        return api_versions::handle(request, state.config.txn.transaction_version, out);
    }
    // Cluster-internal transaction APIs, from other nodes only (not
    // offered in ApiVersions; see `cluster::txn_channel`).
    if let Some(node) = &state.cluster
        && crate::cluster::txn_channel::from_broker(state, &ctx.client_id)
    {
        match (api_key, version) {
            (ApiKey::WriteTxnMarkers, 0..=1) => {
                let state = Arc::clone(state);
                let node = Arc::clone(node);
                return call(request, out, |r: WriteTxnMarkersRequest, _| {
                    write_txn_markers::handle(state, node, r)
                })
                .await;
            }
            (ApiKey::AddPartitionsToTxn, 4) => {
                return call(request, out, |r: AddPartitionsToTxnRequest, _| async move {
                    let ids: Vec<String> = r
                        .transactions
                        .iter()
                        .map(|t| t.transactional_id.0.to_string())
                        .collect();
                    let mut response = add_partitions_to_txn::handle_from_broker(state, r);
                    for id in ids {
                        if let Err(code) = txn_replicated(state, Some(&id)).await {
                            response.error_code = code.code();
                        }
                    }
                    Some(response)
                })
                .await;
            }
            _ => {}
        }
    }
    if !support(api_key).is_some_and(|s| s.supports(version)) {
        return Err(DispatchError::Unsupported { api_key, version });
    }
    // In a cluster, topics and placement belong to the controller: these
    // are answered from its image or forwarded to it.
    if let Some(node) = &state.cluster {
        match api_key {
            ApiKey::Metadata => {
                return call(request, out, |r: MetadataRequest, v| async move {
                    Some(crate::cluster::metadata(state, node, r, v).await)
                })
                .await;
            }
            ApiKey::CreateTopics => {
                return call(request, out, |r: CreateTopicsRequest, v| async move {
                    Some(crate::cluster::create_topics(state, node, r, v).await)
                })
                .await;
            }
            ApiKey::DeleteTopics => {
                return call(request, out, |r: DeleteTopicsRequest, v| async move {
                    Some(crate::cluster::delete_topics(state, node, r, v).await)
                })
                .await;
            }
            ApiKey::CreatePartitions => {
                return call(request, out, |r: CreatePartitionsRequest, v| async move {
                    Some(crate::cluster::create_partitions(state, node, r, v).await)
                })
                .await;
            }
            ApiKey::ElectLeaders => {
                return call(request, out, |r: ElectLeadersRequest, v| async move {
                    Some(crate::cluster::elect_leaders(state, node, r, v).await)
                })
                .await;
            }
            _ => {}
        }
    }
    match api_key {
        ApiKey::Produce => {
            call(request, out, |r: ProduceRequest, v| async move {
                let (r, denied) = authorize::produce(state, ctx, r);
                authorize::produce_answer(produce::handle(state, r, v).await, denied)
            })
            .await
        }
        // Answered before this match (it may send from files).
        ApiKey::Fetch => Err(DispatchError::Unsupported { api_key, version }),
        ApiKey::ListOffsets => {
            answer(request, out, |r: ListOffsetsRequest, v| {
                let (r, denied) = authorize::list_offsets(state, ctx, r);
                authorize::list_offsets_answer(list_offsets::handle(state, r, v), denied)
            })
            .await
        }
        ApiKey::ElectLeaders => {
            answer(request, out, |r: ElectLeadersRequest, _| {
                single_node_elect_leaders(state, r)
            })
            .await
        }
        ApiKey::OffsetForLeaderEpoch => {
            answer(request, out, |r: OffsetForLeaderEpochRequest, v| {
                offset_for_leader_epoch::handle(state, r, v)
            })
            .await
        }
        ApiKey::Metadata => {
            answer(request, out, |r: MetadataRequest, v| {
                let (r, denied) = authorize::metadata(state, ctx, r, v);
                authorize::metadata_answer(state, ctx, metadata::handle(state, r, v), denied)
            })
            .await
        }
        ApiKey::CreateTopics => {
            answer(request, out, |r: CreateTopicsRequest, v| {
                let (r, denied) = authorize::create_topics(state, ctx, r);
                authorize::create_topics_answer(create_topics::handle(state, r, v), denied)
            })
            .await
        }
        ApiKey::DeleteTopics => {
            answer(request, out, |r: DeleteTopicsRequest, v| {
                let (r, denied) = authorize::delete_topics(state, ctx, r);
                authorize::delete_topics_answer(delete_topics::handle(state, r, v), denied)
            })
            .await
        }
        ApiKey::DescribeConfigs => {
            answer(request, out, |r: DescribeConfigsRequest, v| {
                let (r, denied) = authorize::describe_configs(state, ctx, r);
                authorize::describe_configs_answer(describe_configs::handle(state, r, v), denied)
            })
            .await
        }
        ApiKey::CreatePartitions => {
            answer(request, out, |r: CreatePartitionsRequest, v| {
                let (r, denied) = authorize::create_partitions(state, ctx, r);
                authorize::create_partitions_answer(create_partitions::handle(state, r, v), denied)
            })
            .await
        }
        ApiKey::DescribeCluster => {
            answer(request, out, |r: DescribeClusterRequest, v| {
                describe_cluster::handle(state, r, v)
            })
            .await
        }
        ApiKey::FindCoordinator => {
            call(request, out, |r: FindCoordinatorRequest, v| async move {
                Some(find_coordinator::handle(state, r, v).await)
            })
            .await
        }
        ApiKey::JoinGroup => {
            call(request, out, |r: JoinGroupRequest, v| async move {
                if !authorize::group_read(state, ctx, &r.group_id) {
                    return Some(authorize::join_group_denied(v));
                }
                join_group::handle(state, ctx, r, v).await
            })
            .await
        }
        ApiKey::SyncGroup => {
            call(request, out, |r: SyncGroupRequest, v| async move {
                if !authorize::group_read(state, ctx, &r.group_id) {
                    return Some(authorize::sync_group_denied());
                }
                sync_group::handle(state, r, v).await
            })
            .await
        }
        ApiKey::Heartbeat => {
            answer(request, out, |r: HeartbeatRequest, v| {
                if !authorize::group_read(state, ctx, &r.group_id) {
                    return authorize::heartbeat_denied();
                }
                heartbeat::handle(state, r, v)
            })
            .await
        }
        ApiKey::LeaveGroup => {
            call(request, out, |r: LeaveGroupRequest, v| async move {
                if !authorize::group_read(state, ctx, &r.group_id) {
                    return Some(authorize::leave_group_denied());
                }
                leave_group::handle(state, r, v).await
            })
            .await
        }
        ApiKey::OffsetCommit => {
            call(request, out, |r: OffsetCommitRequest, v| async move {
                let (r, denied) = match authorize::offset_commit(state, ctx, r) {
                    Ok(allowed) => allowed,
                    Err(refused) => return Some(refused),
                };
                let response = offset_commit::handle(state, r, v).await?;
                Some(authorize::offset_commit_answer(response, denied))
            })
            .await
        }
        ApiKey::OffsetFetch => {
            answer(request, out, |r: OffsetFetchRequest, v| {
                if let Some(refused) = authorize::offset_fetch_denied(state, ctx, &r, v) {
                    return refused;
                }
                let (r, denied) = authorize::offset_fetch_groups(state, ctx, r);
                authorize::offset_fetch_groups_answer(offset_fetch::handle(state, r, v), denied)
            })
            .await
        }
        ApiKey::DescribeGroups => {
            answer(request, out, |r: DescribeGroupsRequest, v| {
                let (r, denied) = authorize::describe_groups(state, ctx, r);
                authorize::describe_groups_answer(describe_groups::handle(state, r, v), denied)
            })
            .await
        }
        ApiKey::ListGroups => {
            answer(request, out, |r: ListGroupsRequest, v| {
                authorize::list_groups_answer(state, ctx, list_groups::handle(state, r, v))
            })
            .await
        }
        ApiKey::DeleteGroups => {
            call(request, out, |r: DeleteGroupsRequest, v| async move {
                let (r, denied) = authorize::delete_groups(state, ctx, r);
                authorize::delete_groups_answer(delete_groups::handle(state, r, v).await, denied)
            })
            .await
        }
        ApiKey::OffsetDelete => {
            call(request, out, |r: OffsetDeleteRequest, v| {
                offset_delete::handle(state, r, v)
            })
            .await
        }
        ApiKey::ConsumerGroupHeartbeat => {
            call(request, out, |r: ConsumerGroupHeartbeatRequest, v| {
                consumer_group_heartbeat::handle(state, ctx, r, v)
            })
            .await
        }
        ApiKey::ShareGroupHeartbeat => {
            call(request, out, |r: ShareGroupHeartbeatRequest, v| {
                share_group_heartbeat::handle(state, ctx, r, v)
            })
            .await
        }
        ApiKey::ShareGroupDescribe => {
            answer(request, out, |r: ShareGroupDescribeRequest, v| {
                share_group_describe::handle(state, r, v)
            })
            .await
        }
        ApiKey::ShareFetch => {
            call(request, out, |r: ShareFetchRequest, v| {
                share_fetch::handle(state, peer, r, v)
            })
            .await
        }
        ApiKey::ShareAcknowledge => {
            call(request, out, |r: ShareAcknowledgeRequest, v| {
                share_fetch::acknowledge(state, peer, r, v)
            })
            .await
        }
        ApiKey::DescribeShareGroupOffsets => {
            answer(request, out, |r: DescribeShareGroupOffsetsRequest, v| {
                share_group_offsets::describe(state, r, v)
            })
            .await
        }
        ApiKey::AlterShareGroupOffsets => {
            call(request, out, |r: AlterShareGroupOffsetsRequest, v| {
                share_group_offsets::alter(state, r, v)
            })
            .await
        }
        ApiKey::DeleteShareGroupOffsets => {
            call(request, out, |r: DeleteShareGroupOffsetsRequest, v| {
                share_group_offsets::delete(state, r, v)
            })
            .await
        }
        ApiKey::ConsumerGroupDescribe => {
            answer(request, out, |r: ConsumerGroupDescribeRequest, v| {
                consumer_group_describe::handle(state, r, v)
            })
            .await
        }
        ApiKey::InitProducerId => {
            call(request, out, |r: InitProducerIdRequest, v| async move {
                if let Some(id) = &r.transactional_id
                    && !authorize::transactional_id_write(state, ctx, id)
                {
                    return Some(authorize::init_producer_id_denied());
                }
                let id = r.transactional_id.as_ref().map(|id| id.0.to_string());
                let response = init_producer_id::handle(state, r, v);
                Some(match txn_replicated(state, id.as_deref()).await {
                    Ok(()) => response,
                    Err(code) => response
                        .with_error_code(code.code())
                        .with_producer_id(kctl_client::protocol::messages::ProducerId(-1))
                        .with_producer_epoch(-1),
                })
            })
            .await
        }
        ApiKey::AlterConfigs => {
            answer(request, out, |r: AlterConfigsRequest, v| {
                let (r, denied) = authorize::alter_configs(state, ctx, r);
                authorize::alter_configs_answer(alter_configs::handle_alter(state, r, v), denied)
            })
            .await
        }
        ApiKey::IncrementalAlterConfigs => {
            answer(request, out, |r: IncrementalAlterConfigsRequest, v| {
                let (r, denied) = authorize::incremental_alter_configs(state, ctx, r);
                let response = alter_configs::handle_incremental(state, r, v);
                authorize::incremental_alter_configs_answer(response, denied)
            })
            .await
        }
        ApiKey::DeleteRecords => {
            answer(request, out, |r: DeleteRecordsRequest, v| {
                let (r, denied) = authorize::delete_records(state, ctx, r);
                authorize::delete_records_answer(delete_records::handle(state, r, v), denied)
            })
            .await
        }
        ApiKey::AddPartitionsToTxn => {
            call(request, out, |r: AddPartitionsToTxnRequest, v| async move {
                if let Some(refused) = authorize::add_partitions_to_txn_denied(state, ctx, &r) {
                    return Some(refused);
                }
                let id = r.v3_and_below_transactional_id.0.to_string();
                let asked = r.clone();
                let response = add_partitions_to_txn::handle(state, r, v);
                Some(match txn_replicated(state, Some(&id)).await {
                    Ok(()) => response,
                    Err(code) => add_partitions_to_txn::refuse_all(&asked, code),
                })
            })
            .await
        }
        ApiKey::AddOffsetsToTxn => {
            call(request, out, |r: AddOffsetsToTxnRequest, v| async move {
                if let Some(code) = authorize::add_offsets_to_txn_denied(state, ctx, &r) {
                    return Some(AddOffsetsToTxnResponse::default().with_error_code(code));
                }
                let id = r.transactional_id.0.to_string();
                let response = add_offsets_to_txn::handle(state, r, v);
                Some(match txn_replicated(state, Some(&id)).await {
                    Ok(()) => response,
                    Err(code) => response.with_error_code(code.code()),
                })
            })
            .await
        }
        ApiKey::EndTxn => {
            call(request, out, |r: EndTxnRequest, v| async move {
                if !authorize::transactional_id_write(state, ctx, &r.transactional_id) {
                    return Some(authorize::end_txn_denied());
                }
                let id = r.transactional_id.0.to_string();
                let response = end_txn::handle(state, r, v);
                Some(match txn_replicated(state, Some(&id)).await {
                    Ok(()) => response,
                    Err(code) => response.with_error_code(code.code()),
                })
            })
            .await
        }
        ApiKey::TxnOffsetCommit => {
            call(request, out, |r: TxnOffsetCommitRequest, v| async move {
                let (r, denied) = match authorize::txn_offset_commit(state, ctx, r) {
                    Ok(allowed) => allowed,
                    Err(refused) => return Some(refused),
                };
                Some(authorize::txn_offset_commit_answer(
                    txn_offset_commit::handle(state, r, v).await,
                    denied,
                ))
            })
            .await
        }
        ApiKey::DescribeTransactions => {
            answer(request, out, |r: DescribeTransactionsRequest, v| {
                describe_transactions::handle(state, r, v)
            })
            .await
        }
        ApiKey::ListTransactions => {
            answer(request, out, |r: ListTransactionsRequest, v| {
                list_transactions::handle(state, r, v)
            })
            .await
        }
        ApiKey::DescribeProducers => {
            answer(request, out, |r: DescribeProducersRequest, v| {
                describe_producers::handle(state, r, v)
            })
            .await
        }
        ApiKey::DescribeAcls => {
            answer(request, out, |r: DescribeAclsRequest, v| {
                describe_acls::handle(state, ctx, r, v)
            })
            .await
        }
        ApiKey::CreateAcls => {
            answer(request, out, |r: CreateAclsRequest, v| {
                create_acls::handle(state, ctx, r, v)
            })
            .await
        }
        ApiKey::DeleteAcls => {
            answer(request, out, |r: DeleteAclsRequest, v| {
                delete_acls::handle(state, ctx, r, v)
            })
            .await
        }
        _ => Err(DispatchError::Unsupported { api_key, version }),
    }
}

/// Decodes the body, runs an async handler, encodes its response; a handler
/// returning `None` sends nothing (acks=0 Produce).
async fn call<R, F, Fut>(
    request: RequestFrame,
    out: &mut BytesMut,
    handler: F,
) -> Result<(), DispatchError>
where
    R: Request + Decodable,
    R::Response: Encodable,
    F: FnOnce(R, i16) -> Fut,
    Fut: Future<Output = Option<R::Response>>,
{
    let version = request.version();
    let mut body = request.body;
    let decoded: R = header::decode_body(&mut body, version)?;
    if let Some(response) = handler(decoded, version).await {
        header::encode_response(
            out,
            request.api_key,
            version,
            request.header.correlation_id,
            &response,
        )?;
    }
    Ok(())
}

/// Fetch: decoded, authorized and long-polled like any request, then encoded
/// with its record sets as file ranges where the connection takes them.
async fn fetch_request(
    state: &Arc<BrokerState>,
    ctx: &RequestContext,
    request: RequestFrame,
    out: &mut Outgoing,
) -> Result<(), DispatchError> {
    let version = request.version();
    let mut body = request.body;
    let decoded: FetchRequest = header::decode_body(&mut body, version)?;
    let (decoded, denied) = authorize::fetch(state, ctx, decoded);
    let answer = match decoded {
        Some(r) => Some(fetch::handle(state, r, version).await),
        None => None,
    };
    let (response, file_sets) = match answer {
        Some(answer) => (Some(answer.response), answer.file_sets),
        None => (None, Vec::new()),
    };
    // Denied topics go after the fetched ones: the file sets' indexes hold.
    let Some(response) = authorize::fetch_answer(response, denied) else {
        return Ok(());
    };
    fetch::encode(
        out,
        version,
        request.header.correlation_id,
        response,
        file_sets,
    )?;
    Ok(())
}

/// [`call`] for handlers that answer at once and always answer.
async fn answer<R>(
    request: RequestFrame,
    out: &mut BytesMut,
    handler: impl FnOnce(R, i16) -> R::Response,
) -> Result<(), DispatchError>
where
    R: Request + Decodable,
    R::Response: Encodable,
{
    call(request, out, |r, v| ready(Some(handler(r, v)))).await
}

/// On a cluster, waits until the ISR has the transaction coordinator's last
/// entry for `id` (`__transaction_state`, acks=all) before the answer.
pub(crate) async fn txn_replicated(
    state: &BrokerState,
    id: Option<&str>,
) -> Result<(), kctl_client::protocol::ErrorCode> {
    match id.and_then(|id| state.txns.take_replication(id)) {
        Some(replication) => replication.await,
        None => Ok(()),
    }
}

/// The leader epoch of every partition of a single broker: there are no
/// elections.
pub(crate) const SINGLE_NODE_LEADER_EPOCH: i32 = 0;

/// The broker id as the message types want it.
pub(crate) fn node(state: &BrokerState) -> kctl_client::protocol::messages::BrokerId {
    kctl_client::protocol::messages::BrokerId(state.config.node_id)
}

pub(crate) fn str_bytes(s: impl Into<String>) -> kctl_client::protocol::StrBytes {
    kctl_client::protocol::StrBytes::from_string(s.into())
}

/// ElectLeaders on a single broker: every partition's only replica leads
/// already (ELECTION_NOT_NEEDED); unknown partitions are named as such.
fn single_node_elect_leaders(
    state: &BrokerState,
    request: ElectLeadersRequest,
) -> kctl_client::protocol::messages::ElectLeadersResponse {
    use kctl_client::protocol::ErrorCode;
    use kctl_client::protocol::messages::elect_leaders_response::{
        PartitionResult, ReplicaElectionResult,
    };
    let wanted: Vec<(String, Vec<i32>)> = match request.topic_partitions {
        Some(topics) => topics
            .into_iter()
            .map(|t| (t.topic.0.to_string(), t.partitions))
            .collect(),
        None => state
            .topics()
            .iter()
            .map(|t| (t.name.clone(), (0..t.partition_count()).collect()))
            .collect(),
    };
    let results = wanted
        .into_iter()
        .map(|(topic, partitions)| {
            let known = state.topic(&topic);
            let partition_result = partitions
                .into_iter()
                .map(|p| {
                    let code = if known.as_ref().and_then(|t| t.partition(p)).is_some() {
                        ErrorCode::ElectionNotNeeded
                    } else {
                        ErrorCode::UnknownTopicOrPartition
                    };
                    PartitionResult::default()
                        .with_partition_id(p)
                        .with_error_code(code.code())
                })
                .collect();
            ReplicaElectionResult::default()
                .with_topic(kctl_client::protocol::messages::TopicName(str_bytes(topic)))
                .with_partition_result(partition_result)
        })
        .collect();
    kctl_client::protocol::messages::ElectLeadersResponse::default()
        .with_replica_election_results(results)
}

/// On a cluster node, why this node may not serve `group` now
/// (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE);
/// `None` on a single broker, which coordinates every group.
pub(crate) fn group_coordinator_error(
    state: &BrokerState,
    group: &str,
) -> Option<kctl_client::protocol::ErrorCode> {
    let node = state.cluster.as_ref()?;
    crate::cluster::coordinator_log::group_ownership(node, group).err()
}
