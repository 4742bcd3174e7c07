//! ApiVersions: v0–4.
//!
//! A request newer than we support is not decoded: the reply is a v0 body
//! with UNSUPPORTED_VERSION listing ApiVersions' own range, which every
//! client understands and retries from (KIP-511, Java's
//! `ApiVersionsRequest.getErrorResponse`). The response header is always v0.
//!
//! From v3 the answer carries features: `transaction.version` is finalized
//! at the broker's `transaction.version` (2 by default, as Kafka 4.x
//! formats new clusters; 1 on request), which is how clients choose
//! between transactions v1 and v2.

use bytes::BytesMut;
use kctl_client::protocol::api::ApiKey;
use kctl_client::protocol::header::{self, RequestFrame};
use kctl_client::protocol::messages::api_versions_response::{
    ApiVersion, FinalizedFeatureKey, SupportedFeatureKey,
};
use kctl_client::protocol::messages::{ApiVersionsRequest, ApiVersionsResponse};
use kctl_client::protocol::{Encodable, ErrorCode};

use super::{DispatchError, SUPPORTED, str_bytes, support};
use crate::config::TRANSACTION_VERSIONS;

/// The feature clients read to choose transactions v1 or v2 (KIP-890).
const TRANSACTION_VERSION: &str = "transaction.version";
/// Features never change on a running broker-lite.
const FEATURES_EPOCH: i64 = 0;

/// `finalized_transaction_version` is the broker's `transaction.version`
/// (1: Kafka's TV_1; 2: TV_2, KIP-890 part 2).
pub(super) fn handle(
    request: RequestFrame,
    finalized_transaction_version: i16,
    out: &mut BytesMut,
) -> Result<(), DispatchError> {
    let version = request.version();
    let correlation_id = request.header.correlation_id;
    let ours = support(ApiKey::ApiVersions).map_or((0, 0), |s| (s.min_version, s.max_version));
    if version > ours.1 || version < ours.0 {
        let response = ApiVersionsResponse::default()
            .with_error_code(ErrorCode::UnsupportedVersion.code())
            .with_api_keys(vec![entry(ApiKey::ApiVersions, ours.0, ours.1)]);
        return encode(out, 0, correlation_id, &response);
    }
    let mut body = request.body;
    // A v3+ body carries the client's software name and version; one that
    // does not parse gets INVALID_REQUEST, as Kafka answers.
    let error = match header::decode_body::<ApiVersionsRequest>(&mut body, version) {
        Ok(_) => 0,
        Err(_) => ErrorCode::InvalidRequest.code(),
    };
    let response = ApiVersionsResponse::default()
        .with_error_code(error)
        .with_api_keys(
            SUPPORTED
                .iter()
                .map(|s| entry(s.api_key, s.min_version, s.max_version))
                .collect(),
        )
        .with_supported_features(vec![
            SupportedFeatureKey::default()
                .with_name(str_bytes(TRANSACTION_VERSION))
                .with_min_version(0)
                .with_max_version(*TRANSACTION_VERSIONS.end()),
        ])
        .with_finalized_features(vec![
            FinalizedFeatureKey::default()
                .with_name(str_bytes(TRANSACTION_VERSION))
                .with_min_version_level(finalized_transaction_version)
                .with_max_version_level(finalized_transaction_version),
        ])
        .with_finalized_features_epoch(FEATURES_EPOCH);
    encode(out, version, correlation_id, &response)
}

fn entry(key: ApiKey, min: i16, max: i16) -> ApiVersion {
    ApiVersion::default()
        .with_api_key(key as i16)
        .with_min_version(min)
        .with_max_version(max)
}

fn encode(
    out: &mut BytesMut,
    version: i16,
    correlation_id: i32,
    response: &impl Encodable,
) -> Result<(), DispatchError> {
    header::encode_response(out, ApiKey::ApiVersions, version, correlation_id, response)?;
    Ok(())
}
