//! CreateAcls: v1–3 (Kafka 4.x's range). Needs ALTER on the cluster. A
//! binding Kafka would refuse (filter-only values such as ANY or MATCH, a
//! principal without a type) fails alone with INVALID_REQUEST.

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::acl::{
    AccessControlEntry, AclBinding, AclOperation, AclPermissionType, PatternType, ResourcePattern,
    ResourceType,
};
use kctl_client::protocol::messages::create_acls_response::AclCreationResult;
use kctl_client::protocol::messages::{CreateAclsRequest, CreateAclsResponse};

use super::authorize;
use super::{RequestContext, str_bytes};
use crate::state::BrokerState;

pub(super) fn handle(
    state: &BrokerState,
    ctx: &RequestContext,
    request: CreateAclsRequest,
    _version: i16,
) -> CreateAclsResponse {
    let failed = |code: ErrorCode, message: String| {
        AclCreationResult::default()
            .with_error_code(code.code())
            .with_error_message(Some(str_bytes(message)))
    };
    if !authorize::cluster(state, ctx, AclOperation::Alter) {
        let results = request
            .creations
            .iter()
            .map(|_| failed(ErrorCode::ClusterAuthorizationFailed, String::new()))
            .collect();
        return CreateAclsResponse::default().with_results(results);
    }
    let bindings: Vec<AclBinding> = request
        .creations
        .into_iter()
        .map(|c| AclBinding {
            pattern: ResourcePattern {
                resource_type: ResourceType::from_code(c.resource_type)
                    .unwrap_or(ResourceType::Unknown),
                name: c.resource_name.to_string(),
                pattern_type: PatternType::from_code(c.resource_pattern_type)
                    .unwrap_or(PatternType::Unknown),
            },
            entry: AccessControlEntry {
                principal: c.principal.to_string(),
                host: c.host.to_string(),
                operation: AclOperation::from_code(c.operation).unwrap_or(AclOperation::Unknown),
                permission: AclPermissionType::from_code(c.permission_type)
                    .unwrap_or(AclPermissionType::Unknown),
            },
        })
        .collect();
    let count = bindings.len();
    let results = match state.acls.create(bindings) {
        Ok(outcomes) => outcomes
            .into_iter()
            .map(|outcome| match outcome {
                Ok(()) => AclCreationResult::default(),
                Err(reason) => failed(ErrorCode::InvalidRequest, reason),
            })
            .collect(),
        Err(e) => {
            tracing::error!(error = %e, "cannot persist ACLs");
            (0..count)
                .map(|_| failed(ErrorCode::UnknownServerError, e.to_string()))
                .collect()
        }
    };
    CreateAclsResponse::default().with_results(results)
}
