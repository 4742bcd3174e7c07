//! `kctl acl list`: DescribeAcls with the filter the flags build, and the
//! ACL rows and filters `acl create` and `acl delete` share.

use kctl_client::admin::{
    AclBinding, AclBindingFilter, AclOperation, AclPermissionType, PatternType, ResourceType,
};
use serde::Serialize;

use crate::cli::{AclFilterArgs, AclResourceArgs};
use crate::connect;
use crate::exit::Code;
use crate::printer::Table;
use crate::settings::Settings;

/// The cluster resource's one name.
const CLUSTER: &str = "kafka-cluster";

/// One ACL as kctl prints it; enum values in Kafka's spelling (`TOPIC`,
/// `PREFIXED`, `DESCRIBE_CONFIGS`) as kafka-acls and rpk print them.
#[derive(Debug, Serialize)]
pub(crate) struct AclRow {
    pub principal: String,
    pub host: String,
    pub operation: String,
    pub permission: String,
    pub resource_type: String,
    pub resource_name: String,
    pub pattern_type: String,
    /// Set by `acl create` when this ACL could not be created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl AclRow {
    pub(crate) fn new(b: &AclBinding) -> Self {
        Self {
            principal: b.entry.principal.clone(),
            host: b.entry.host.clone(),
            operation: b.entry.operation.to_string(),
            permission: b.entry.permission.to_string(),
            resource_type: b.pattern.resource_type.to_string(),
            resource_name: b.pattern.name.clone(),
            pattern_type: b.pattern.pattern_type.to_string(),
            error: None,
        }
    }
}

/// The table of ACL rows (an ERROR column only when one failed).
pub(crate) fn acl_table(rows: &[AclRow]) -> Vec<Table> {
    let with_error = rows.iter().any(|r| r.error.is_some());
    let mut headers = vec![
        "PRINCIPAL",
        "HOST",
        "OPERATION",
        "PERMISSION",
        "RESOURCE-TYPE",
        "RESOURCE-NAME",
        "PATTERN-TYPE",
    ];
    if with_error {
        headers.push("ERROR");
    }
    let mut table = Table::new(&headers);
    for r in rows {
        let mut cells = vec![
            r.principal.clone(),
            r.host.clone(),
            r.operation.clone(),
            r.permission.clone(),
            r.resource_type.clone(),
            r.resource_name.clone(),
            r.pattern_type.clone(),
        ];
        if with_error {
            cells.push(r.error.clone().unwrap_or_else(|| "-".to_owned()));
        }
        table.row(cells);
    }
    vec![table]
}

/// The resources the flags name, as (type, name) pairs.
pub(crate) fn resources(args: &AclResourceArgs) -> Vec<(ResourceType, String)> {
    let mut out = Vec::new();
    out.extend(args.topics.iter().map(|t| (ResourceType::Topic, t.clone())));
    out.extend(args.groups.iter().map(|g| (ResourceType::Group, g.clone())));
    if args.cluster {
        out.push((ResourceType::Cluster, CLUSTER.to_owned()));
    }
    out.extend(
        args.transactional_ids
            .iter()
            .map(|t| (ResourceType::TransactionalId, t.clone())),
    );
    out
}

/// The filters `list` and `delete` send: every resource x principal x
/// operation given (a missing dimension matches anything).
pub(crate) fn filters(args: &AclFilterArgs) -> Vec<AclBindingFilter> {
    let pattern_type = args
        .resources
        .resource_pattern_type
        .unwrap_or(PatternType::Any);
    let mut resources: Vec<(ResourceType, Option<String>)> = resources(&args.resources)
        .into_iter()
        .map(|(t, n)| (t, Some(n)))
        .collect();
    if resources.is_empty() {
        resources.push((ResourceType::Any, None));
    }
    let principals: Vec<Option<String>> = if args.principals.is_empty() {
        vec![None]
    } else {
        args.principals.iter().cloned().map(Some).collect()
    };
    let operations: Vec<AclOperation> = if args.operations.is_empty() {
        vec![AclOperation::Any]
    } else {
        args.operations.clone()
    };
    let mut out = Vec::new();
    for (resource_type, name) in &resources {
        for principal in &principals {
            for operation in &operations {
                out.push(AclBindingFilter {
                    resource_type: *resource_type,
                    name: name.clone(),
                    pattern_type,
                    principal: principal.clone(),
                    host: args.host.clone(),
                    operation: *operation,
                    permission: args.permission.unwrap_or(AclPermissionType::Any),
                });
            }
        }
    }
    out
}

/// Every ACL any of the filters selects, once each, sorted.
pub(crate) async fn describe_all(
    admin: &kctl_client::Admin,
    filters: &[AclBindingFilter],
) -> anyhow::Result<Vec<AclBinding>> {
    let mut all = Vec::new();
    for filter in filters {
        all.extend(admin.describe_acls(filter).await?);
    }
    all.sort();
    all.dedup();
    Ok(all)
}

pub(crate) async fn run(settings: &Settings, args: AclFilterArgs) -> anyhow::Result<Code> {
    let admin = connect::admin(settings).await?;
    let bindings = describe_all(&admin, &filters(&args)).await?;
    let rows: Vec<AclRow> = bindings.iter().map(AclRow::new).collect();
    settings.printer.emit(&rows, |rows| acl_table(rows))?;
    if rows.is_empty() && !settings.printer.is_structured() {
        settings.printer.status("no ACLs match");
    }
    Ok(Code::Success)
}
