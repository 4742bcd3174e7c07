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
use kctl_client::protocol::messages::{
    AddOffsetsToTxnRequest, AddPartitionsToTxnRequest, DescribeProducersRequest,
    DescribeTransactionsRequest, EndTxnRequest, ListTransactionsRequest, TxnOffsetCommitRequest,
};
use kctl_client::protocol::messages::{
    AlterConfigsRequest, DeleteRecordsRequest, IncrementalAlterConfigsRequest,
    InitProducerIdRequest,
};
use kctl_client::protocol::messages::{
    ConsumerGroupDescribeRequest, ConsumerGroupHeartbeatRequest, CreatePartitionsRequest,
    CreateTopicsRequest, DeleteGroupsRequest, DeleteTopicsRequest, DescribeClusterRequest,
    DescribeConfigsRequest, DescribeGroupsRequest, FetchRequest, FindCoordinatorRequest,
    HeartbeatRequest, JoinGroupRequest, LeaveGroupRequest, ListGroupsRequest, ListOffsetsRequest,
    MetadataRequest, OffsetCommitRequest, OffsetDeleteRequest, OffsetFetchRequest, ProduceRequest,
    SyncGroupRequest,
};
use kctl_client::protocol::{Decodable, Encodable, ProtocolError, Request};

use crate::state::BrokerState;

mod add_offsets_to_txn;
mod add_partitions_to_txn;
mod alter_configs;
mod api_versions;
mod consumer_group_describe;
mod consumer_group_heartbeat;
mod create_partitions;
mod create_topics;
mod delete_groups;
mod delete_records;
mod delete_topics;
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
mod produce;
mod sync_group;
mod txn_offset_commit;

/// Every API broker-lite serves, with the versions it accepts.
pub(crate) static SUPPORTED: &[ApiSupport] = &[
    ApiSupport::new(ApiKey::Produce, 3, 11),
    ApiSupport::new(ApiKey::Fetch, 4, 12),
    ApiSupport::new(ApiKey::ListOffsets, 1, 7),
    ApiSupport::new(ApiKey::Metadata, 0, 12),
    ApiSupport::new(ApiKey::ApiVersions, 0, 4),
    ApiSupport::new(ApiKey::CreateTopics, 2, 7),
    ApiSupport::new(ApiKey::DeleteTopics, 1, 6),
    ApiSupport::new(ApiKey::DescribeConfigs, 1, 4),
    ApiSupport::new(ApiKey::CreatePartitions, 0, 3),
    ApiSupport::new(ApiKey::DescribeCluster, 0, 1),
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
    // Transactions v1 (see `txn`). AddPartitionsToTxn stops at v3: v4+ is
    // the broker-to-broker batch form. EndTxn, AddOffsetsToTxn and
    // TxnOffsetCommit stop at v3: v4 tells a client the broker may answer
    // TRANSACTION_ABORTABLE (KIP-890), and v5 is transactions v2.
    // ListTransactions stops at v1: v2 filters ids by regular expression.
    ApiSupport::new(ApiKey::AddPartitionsToTxn, 0, 3),
    ApiSupport::new(ApiKey::AddOffsetsToTxn, 0, 3),
    ApiSupport::new(ApiKey::EndTxn, 0, 3),
    ApiSupport::new(ApiKey::TxnOffsetCommit, 0, 3),
    ApiSupport::new(ApiKey::DescribeTransactions, 0, 0),
    ApiSupport::new(ApiKey::ListTransactions, 0, 1),
    ApiSupport::new(ApiKey::DescribeProducers, 0, 0),
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
    out: &mut BytesMut,
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
    if api_key == ApiKey::ApiVersions {
        // ApiVersions answers versions it does not support, so a client can
        // learn what it does (KIP-511).
        return api_versions::handle(request, out);
    }
    if !support(api_key).is_some_and(|s| s.supports(version)) {
        return Err(DispatchError::Unsupported { api_key, version });
    }
    match api_key {
        ApiKey::Produce => {
            call(request, out, |r: ProduceRequest, v| {
                produce::handle(state, r, v)
            })
            .await
        }
        ApiKey::Fetch => {
            call(request, out, |r: FetchRequest, v| {
                fetch::handle(state, r, v)
            })
            .await
        }
        ApiKey::ListOffsets => {
            answer(request, out, |r: ListOffsetsRequest, v| {
                list_offsets::handle(state, r, v)
            })
            .await
        }
        ApiKey::Metadata => {
            answer(request, out, |r: MetadataRequest, v| {
                metadata::handle(state, r, v)
            })
            .await
        }
        ApiKey::CreateTopics => {
            answer(request, out, |r: CreateTopicsRequest, v| {
                create_topics::handle(state, r, v)
            })
            .await
        }
        ApiKey::DeleteTopics => {
            answer(request, out, |r: DeleteTopicsRequest, v| {
                delete_topics::handle(state, r, v)
            })
            .await
        }
        ApiKey::DescribeConfigs => {
            answer(request, out, |r: DescribeConfigsRequest, v| {
                describe_configs::handle(state, r, v)
            })
            .await
        }
        ApiKey::CreatePartitions => {
            answer(request, out, |r: CreatePartitionsRequest, v| {
                create_partitions::handle(state, r, v)
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
            answer(request, out, |r: FindCoordinatorRequest, v| {
                find_coordinator::handle(state, r, v)
            })
            .await
        }
        ApiKey::JoinGroup => {
            call(request, out, |r: JoinGroupRequest, v| {
                join_group::handle(state, ctx, r, v)
            })
            .await
        }
        ApiKey::SyncGroup => {
            call(request, out, |r: SyncGroupRequest, v| {
                sync_group::handle(state, r, v)
            })
            .await
        }
        ApiKey::Heartbeat => {
            answer(request, out, |r: HeartbeatRequest, v| {
                heartbeat::handle(state, r, v)
            })
            .await
        }
        ApiKey::LeaveGroup => {
            call(request, out, |r: LeaveGroupRequest, v| {
                leave_group::handle(state, r, v)
            })
            .await
        }
        ApiKey::OffsetCommit => {
            call(request, out, |r: OffsetCommitRequest, v| {
                offset_commit::handle(state, r, v)
            })
            .await
        }
        ApiKey::OffsetFetch => {
            answer(request, out, |r: OffsetFetchRequest, v| {
                offset_fetch::handle(state, r, v)
            })
            .await
        }
        ApiKey::DescribeGroups => {
            answer(request, out, |r: DescribeGroupsRequest, v| {
                describe_groups::handle(state, r, v)
            })
            .await
        }
        ApiKey::ListGroups => {
            answer(request, out, |r: ListGroupsRequest, v| {
                list_groups::handle(state, r, v)
            })
            .await
        }
        ApiKey::DeleteGroups => {
            call(request, out, |r: DeleteGroupsRequest, v| {
                delete_groups::handle(state, r, v)
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
        ApiKey::ConsumerGroupDescribe => {
            answer(request, out, |r: ConsumerGroupDescribeRequest, v| {
                consumer_group_describe::handle(state, r, v)
            })
            .await
        }
        ApiKey::InitProducerId => {
            answer(request, out, |r: InitProducerIdRequest, v| {
                init_producer_id::handle(state, r, v)
            })
            .await
        }
        ApiKey::AlterConfigs => {
            answer(request, out, |r: AlterConfigsRequest, v| {
                alter_configs::handle_alter(state, r, v)
            })
            .await
        }
        ApiKey::IncrementalAlterConfigs => {
            answer(request, out, |r: IncrementalAlterConfigsRequest, v| {
                alter_configs::handle_incremental(state, r, v)
            })
            .await
        }
        ApiKey::DeleteRecords => {
            answer(request, out, |r: DeleteRecordsRequest, v| {
                delete_records::handle(state, r, v)
            })
            .await
        }
        ApiKey::AddPartitionsToTxn => {
            answer(request, out, |r: AddPartitionsToTxnRequest, v| {
                add_partitions_to_txn::handle(state, r, v)
            })
            .await
        }
        ApiKey::AddOffsetsToTxn => {
            answer(request, out, |r: AddOffsetsToTxnRequest, v| {
                add_offsets_to_txn::handle(state, r, v)
            })
            .await
        }
        ApiKey::EndTxn => {
            answer(request, out, |r: EndTxnRequest, v| {
                end_txn::handle(state, r, v)
            })
            .await
        }
        ApiKey::TxnOffsetCommit => {
            answer(request, out, |r: TxnOffsetCommitRequest, v| {
                txn_offset_commit::handle(state, r, v)
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

/// The broker id as the message types want it.
pub(crate) fn node(state: &BrokerState) -> kctl_client::protocol::messages::BrokerId {
    kctl_client::protocol::messages::BrokerId(state.config.node_id)
}

pub(crate) fn str_bytes(s: impl Into<String>) -> kctl_client::protocol::StrBytes {
    kctl_client::protocol::StrBytes::from_string(s.into())
}
