//! DeleteAcls: v1–3 (Kafka 4.x's range). Needs ALTER on the cluster. Each
//! filter answers with the bindings it removed.

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::acl::AclOperation;
use kctl_client::protocol::messages::delete_acls_response::{
    DeleteAclsFilterResult, DeleteAclsMatchingAcl,
};
use kctl_client::protocol::messages::{DeleteAclsRequest, DeleteAclsResponse};

use super::authorize::{self, acl_filter};
use super::{RequestContext, str_bytes};
use crate::state::BrokerState;

pub(super) fn handle(
    state: &BrokerState,
    ctx: &RequestContext,
    request: DeleteAclsRequest,
    _version: i16,
) -> DeleteAclsResponse {
    let failed = |code: ErrorCode, message: String| {
        DeleteAclsFilterResult::default()
            .with_error_code(code.code())
            .with_error_message(Some(str_bytes(message)))
    };
    let count = request.filters.len();
    if !authorize::cluster(state, ctx, AclOperation::Alter) {
        let results = (0..count)
            .map(|_| failed(ErrorCode::ClusterAuthorizationFailed, String::new()))
            .collect();
        return DeleteAclsResponse::default().with_filter_results(results);
    }
    let filters: Vec<_> = request
        .filters
        .iter()
        .map(|f| {
            acl_filter(
                f.resource_type_filter,
                f.resource_name_filter.as_deref(),
                f.pattern_type_filter,
                f.principal_filter.as_deref(),
                f.host_filter.as_deref(),
                f.operation,
                f.permission_type,
            )
        })
        .collect();
    // An invalid filter fails alone; the valid ones still delete.
    let valid: Vec<_> = filters
        .iter()
        .filter(|f| f.validate().is_ok())
        .cloned()
        .collect();
    let mut removed = match state.acls.delete(&valid) {
        Ok(removed) => removed.into_iter(),
        Err(e) => {
            tracing::error!(error = %e, "cannot persist ACLs");
            let results = (0..count)
                .map(|_| failed(ErrorCode::UnknownServerError, e.to_string()))
                .collect();
            return DeleteAclsResponse::default().with_filter_results(results);
        }
    };
    let results = filters
        .iter()
        .map(|filter| match filter.validate() {
            Err(reason) => failed(ErrorCode::InvalidRequest, reason),
            Ok(()) => {
                let matching = removed
                    .next()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|b| {
                        DeleteAclsMatchingAcl::default()
                            .with_resource_type(b.pattern.resource_type.code())
                            .with_resource_name(str_bytes(b.pattern.name))
                            .with_pattern_type(b.pattern.pattern_type.code())
                            .with_principal(str_bytes(b.entry.principal))
                            .with_host(str_bytes(b.entry.host))
                            .with_operation(b.entry.operation.code())
                            .with_permission_type(b.entry.permission.code())
                    })
                    .collect();
                DeleteAclsFilterResult::default().with_matching_acls(matching)
            }
        })
        .collect();
    DeleteAclsResponse::default().with_filter_results(results)
}
