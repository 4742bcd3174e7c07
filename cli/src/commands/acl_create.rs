//! `kctl acl create`: CreateAcls for every principal x host x operation x
//! resource the flags give, like `kafka-acls --add`.

use kctl_client::admin::{
    AccessControlEntry, AclBinding, AclPermissionType, PatternType, ResourcePattern,
};

use super::acl_list::{AclRow, acl_table, resources};
use super::shared::outcome;
use crate::cli::AclCreateArgs;
use crate::connect;
use crate::exit::{Code, usage};
use crate::settings::Settings;

pub(crate) async fn run(settings: &Settings, args: AclCreateArgs) -> anyhow::Result<Code> {
    let pattern_type = args
        .resources
        .resource_pattern_type
        .unwrap_or(PatternType::Literal);
    if !matches!(pattern_type, PatternType::Literal | PatternType::Prefixed) {
        return Err(usage(format!(
            "an ACL's pattern type is literal or prefixed, not {}",
            pattern_type.to_string().to_lowercase()
        ))
        .into());
    }
    let resources = resources(&args.resources);
    if resources.is_empty() {
        return Err(
            usage("name a resource: --topic, --group, --cluster or --transactional-id")
                .hint("--topic '*' is every topic")
                .into(),
        );
    }
    let hosts = if args.hosts.is_empty() {
        vec!["*".to_owned()]
    } else {
        args.hosts.clone()
    };
    let principals = args
        .allow_principals
        .iter()
        .map(|p| (p, AclPermissionType::Allow))
        .chain(
            args.deny_principals
                .iter()
                .map(|p| (p, AclPermissionType::Deny)),
        );
    let mut bindings = Vec::new();
    for (principal, permission) in principals {
        if !principal.contains(':') {
            return Err(usage(format!(
                "principal {principal:?} is not of the form Type:Name"
            ))
            .hint("for example User:alice, or User:* for every user")
            .into());
        }
        for host in &hosts {
            for operation in &args.operations {
                for (resource_type, name) in &resources {
                    bindings.push(AclBinding {
                        pattern: ResourcePattern {
                            resource_type: *resource_type,
                            name: name.clone(),
                            pattern_type,
                        },
                        entry: AccessControlEntry {
                            principal: principal.clone(),
                            host: host.clone(),
                            operation: *operation,
                            permission,
                        },
                    });
                }
            }
        }
    }
    let admin = connect::admin(settings).await?;
    let results = admin.create_acls(bindings.clone()).await?;
    let mut failed = 0;
    let rows: Vec<AclRow> = bindings
        .iter()
        .zip(results)
        .map(|(binding, result)| {
            let mut row = AclRow::new(binding);
            if let Err(e) = result {
                failed += 1;
                row.error = Some(e.to_string());
            }
            row
        })
        .collect();
    settings.printer.emit(&rows, |rows| acl_table(rows))?;
    let total = rows.len();
    if failed > 0 {
        settings.printer.status(format!(
            "error: {failed} of {total} ACLs could not be created"
        ));
    } else {
        settings.printer.status(format!(
            "created {total} ACL{}",
            if total == 1 { "" } else { "s" }
        ));
    }
    Ok(outcome(failed, total))
}
