//! DescribeAcls: v1–3 (Kafka 4.x's range). Needs DESCRIBE on the cluster.
//! Bindings are grouped by resource pattern, as Kafka answers.

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::acl::AclOperation;
use kctl_client::protocol::messages::describe_acls_response::{
    AclDescription, DescribeAclsResource,
};
use kctl_client::protocol::messages::{DescribeAclsRequest, DescribeAclsResponse};

use super::authorize::{self, acl_filter};
use super::{RequestContext, str_bytes};
use crate::state::BrokerState;

pub(super) fn handle(
    state: &BrokerState,
    ctx: &RequestContext,
    request: DescribeAclsRequest,
    _version: i16,
) -> DescribeAclsResponse {
    let response = DescribeAclsResponse::default();
    if !authorize::cluster(state, ctx, AclOperation::Describe) {
        return response.with_error_code(ErrorCode::ClusterAuthorizationFailed.code());
    }
    let filter = acl_filter(
        request.resource_type_filter,
        request.resource_name_filter.as_deref(),
        request.pattern_type_filter,
        request.principal_filter.as_deref(),
        request.host_filter.as_deref(),
        request.operation,
        request.permission_type,
    );
    if let Err(reason) = filter.validate() {
        return response
            .with_error_code(ErrorCode::InvalidRequest.code())
            .with_error_message(Some(str_bytes(reason)));
    }
    // `describe` returns bindings sorted by pattern first, so each run of
    // equal patterns becomes one resource.
    let mut resources: Vec<DescribeAclsResource> = Vec::new();
    for binding in state.acls.describe(&filter) {
        let p = &binding.pattern;
        let description = AclDescription::default()
            .with_principal(str_bytes(binding.entry.principal.clone()))
            .with_host(str_bytes(binding.entry.host.clone()))
            .with_operation(binding.entry.operation.code())
            .with_permission_type(binding.entry.permission.code());
        match resources.last_mut() {
            Some(last)
                if last.resource_type == p.resource_type.code()
                    && last.pattern_type == p.pattern_type.code()
                    && last.resource_name.as_str() == p.name =>
            {
                last.acls.push(description)
            }
            _ => resources.push(
                DescribeAclsResource::default()
                    .with_resource_type(p.resource_type.code())
                    .with_resource_name(str_bytes(p.name.clone()))
                    .with_pattern_type(p.pattern_type.code())
                    .with_acls(vec![description]),
            ),
        }
    }
    response.with_resources(resources)
}
