//! ACLs: CreateAcls, DescribeAcls and DeleteAcls (KIP-140), sent to any
//! broker (Kafka forwards them to the controller).
//!
//! Bindings and filters are [`crate::protocol::acl`]'s types, re-exported
//! from [`crate::admin`].

use kafka_protocol::messages::create_acls_request::AclCreation;
use kafka_protocol::messages::delete_acls_request::DeleteAclsFilter;
use kafka_protocol::messages::{ApiKey, CreateAclsRequest, DeleteAclsRequest, DescribeAclsRequest};

use super::{Admin, check};
use crate::error::{ErrorContext, Result};
use crate::protocol::StrBytes;
use crate::protocol::acl::{
    AccessControlEntry, AclBinding, AclBindingFilter, AclOperation, AclPermissionType, PatternType,
    ResourcePattern, ResourceType,
};

fn str_bytes(s: &str) -> StrBytes {
    StrBytes::from_string(s.to_owned())
}

/// A binding from the wire's codes (an unknown code reads as UNKNOWN, as
/// Kafka's own clients read it).
fn binding_from_wire(
    resource_type: i8,
    name: &StrBytes,
    pattern_type: i8,
    principal: &StrBytes,
    host: &StrBytes,
    operation: i8,
    permission: i8,
) -> AclBinding {
    AclBinding {
        pattern: ResourcePattern {
            resource_type: ResourceType::from_code(resource_type).unwrap_or(ResourceType::Unknown),
            name: name.to_string(),
            pattern_type: PatternType::from_code(pattern_type).unwrap_or(PatternType::Unknown),
        },
        entry: AccessControlEntry {
            principal: principal.to_string(),
            host: host.to_string(),
            operation: AclOperation::from_code(operation).unwrap_or(AclOperation::Unknown),
            permission: AclPermissionType::from_code(permission)
                .unwrap_or(AclPermissionType::Unknown),
        },
    }
}

impl Admin {
    /// Creates ACL bindings; one result per binding, in order. The outer
    /// error is a request that failed as a whole (no broker, timeout);
    /// an item fails alone, e.g. with `INVALID_REQUEST` for a binding that
    /// uses a filter-only value, or `CLUSTER_AUTHORIZATION_FAILED` without
    /// ALTER on the cluster. Creating an existing binding succeeds.
    ///
    /// ```no_run
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// use kctl_client::admin::{AccessControlEntry, AclBinding, AclOperation,
    ///     AclPermissionType, PatternType, ResourcePattern, ResourceType};
    /// let deny_reads = AclBinding {
    ///     pattern: ResourcePattern {
    ///         resource_type: ResourceType::Topic,
    ///         name: "payments".into(),
    ///         pattern_type: PatternType::Literal,
    ///     },
    ///     entry: AccessControlEntry {
    ///         principal: "User:*".into(),
    ///         host: "*".into(),
    ///         operation: AclOperation::Read,
    ///         permission: AclPermissionType::Deny,
    ///     },
    /// };
    /// for result in admin.create_acls(vec![deny_reads]).await? {
    ///     result?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn create_acls(&self, bindings: Vec<AclBinding>) -> Result<Vec<Result<()>>> {
        let creations: Vec<AclCreation> = bindings
            .iter()
            .map(|b| {
                AclCreation::default()
                    .with_resource_type(b.pattern.resource_type.code())
                    .with_resource_name(str_bytes(&b.pattern.name))
                    .with_resource_pattern_type(b.pattern.pattern_type.code())
                    .with_principal(str_bytes(&b.entry.principal))
                    .with_host(str_bytes(&b.entry.host))
                    .with_operation(b.entry.operation.code())
                    .with_permission_type(b.entry.permission.code())
            })
            .collect();
        let request = CreateAclsRequest::default().with_creations(creations);
        let response = self
            .retrying("CreateAcls", || async {
                let (conn, _) = self.client.any_connection().await?;
                Ok(conn.request(&request).await?)
            })
            .await?;
        Ok(response
            .results
            .iter()
            .map(|r| {
                check(
                    r.error_code,
                    r.error_message.as_ref(),
                    ErrorContext::api(ApiKey::CreateAcls),
                )
            })
            .collect())
    }

    /// The bindings `filter` selects (see [`AclBindingFilter::matches`]).
    ///
    /// ```no_run
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// use kctl_client::admin::AclBindingFilter;
    /// for acl in admin.describe_acls(&AclBindingFilter::default()).await? {
    ///     println!("{} {} {}", acl.entry.principal, acl.entry.operation, acl.pattern.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn describe_acls(&self, filter: &AclBindingFilter) -> Result<Vec<AclBinding>> {
        let request = DescribeAclsRequest::default()
            .with_resource_type_filter(filter.resource_type.code())
            .with_resource_name_filter(filter.name.as_deref().map(str_bytes))
            .with_pattern_type_filter(filter.pattern_type.code())
            .with_principal_filter(filter.principal.as_deref().map(str_bytes))
            .with_host_filter(filter.host.as_deref().map(str_bytes))
            .with_operation(filter.operation.code())
            .with_permission_type(filter.permission.code());
        let response = self
            .retrying("DescribeAcls", || async {
                let (conn, _) = self.client.any_connection().await?;
                Ok(conn.request(&request).await?)
            })
            .await?;
        check(
            response.error_code,
            response.error_message.as_ref(),
            ErrorContext::api(ApiKey::DescribeAcls),
        )?;
        let mut bindings: Vec<AclBinding> = response
            .resources
            .iter()
            .flat_map(|r| {
                r.acls.iter().map(|a| {
                    binding_from_wire(
                        r.resource_type,
                        &r.resource_name,
                        r.pattern_type,
                        &a.principal,
                        &a.host,
                        a.operation,
                        a.permission_type,
                    )
                })
            })
            .collect();
        bindings.sort();
        Ok(bindings)
    }

    /// Deletes what each filter selects; per filter, in order, the bindings
    /// it deleted (a filter that matches nothing deletes nothing and
    /// succeeds).
    pub async fn delete_acls(
        &self,
        filters: Vec<AclBindingFilter>,
    ) -> Result<Vec<Result<Vec<AclBinding>>>> {
        let wire: Vec<DeleteAclsFilter> = filters
            .iter()
            .map(|f| {
                DeleteAclsFilter::default()
                    .with_resource_type_filter(f.resource_type.code())
                    .with_resource_name_filter(f.name.as_deref().map(str_bytes))
                    .with_pattern_type_filter(f.pattern_type.code())
                    .with_principal_filter(f.principal.as_deref().map(str_bytes))
                    .with_host_filter(f.host.as_deref().map(str_bytes))
                    .with_operation(f.operation.code())
                    .with_permission_type(f.permission.code())
            })
            .collect();
        let request = DeleteAclsRequest::default().with_filters(wire);
        let response = self
            .retrying("DeleteAcls", || async {
                let (conn, _) = self.client.any_connection().await?;
                Ok(conn.request(&request).await?)
            })
            .await?;
        Ok(response
            .filter_results
            .iter()
            .map(|r| {
                check(
                    r.error_code,
                    r.error_message.as_ref(),
                    ErrorContext::api(ApiKey::DeleteAcls),
                )?;
                r.matching_acls
                    .iter()
                    .map(|m| {
                        check(
                            m.error_code,
                            m.error_message.as_ref(),
                            ErrorContext::api(ApiKey::DeleteAcls),
                        )?;
                        Ok(binding_from_wire(
                            m.resource_type,
                            &m.resource_name,
                            m.pattern_type,
                            &m.principal,
                            &m.host,
                            m.operation,
                            m.permission_type,
                        ))
                    })
                    .collect()
            })
            .collect())
    }
}
