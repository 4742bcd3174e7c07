//! One module per Kafka API, and the table of what is supported.
//!
//! [`SUPPORTED`] is the single source of truth: ApiVersions advertises it
//! and [`dispatch`] enforces it, so the two cannot drift apart. The caps are
//! deliberate (see `shared/reference/broker.md`): Produce stops at v11
//! because v12 signals transactions v2 and v13 needs topic ids; Fetch stops
//! at v12 because v13 addresses topics by id; ListOffsets at v7 because v8+
//! adds tiered-storage sentinels.

use std::future::{Future, ready};
use std::sync::Arc;

use bytes::BytesMut;
use kctl_client::protocol::api::{ApiKey, ApiSupport};
use kctl_client::protocol::header::{self, RequestFrame};
use kctl_client::protocol::messages::{
    AlterConfigsRequest, DeleteRecordsRequest, IncrementalAlterConfigsRequest,
};
use kctl_client::protocol::messages::{
    CreatePartitionsRequest, CreateTopicsRequest, DeleteTopicsRequest, DescribeClusterRequest,
    DescribeConfigsRequest, FetchRequest, InitProducerIdRequest, ListOffsetsRequest,
    MetadataRequest, ProduceRequest,
};
use kctl_client::protocol::{Decodable, Encodable, ProtocolError, Request};

use crate::state::BrokerState;

mod alter_configs;
mod api_versions;
mod create_partitions;
mod create_topics;
mod delete_records;
mod delete_topics;
mod describe_cluster;
mod describe_configs;
mod fetch;
mod init_producer_id;
mod list_offsets;
mod metadata;
mod produce;

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
];

pub(crate) fn support(api_key: ApiKey) -> Option<&'static ApiSupport> {
    SUPPORTED.iter().find(|s| s.api_key == api_key)
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
    request: RequestFrame,
    out: &mut BytesMut,
) -> Result<(), DispatchError> {
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
