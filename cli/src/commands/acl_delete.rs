//! `kctl acl delete`: shows what the filter selects, asks, then DeleteAcls
//! with the same filters (like `kafka-acls --remove`).

use super::acl_list::{AclRow, acl_table, describe_all, filters};
use crate::cli::AclDeleteArgs;
use crate::confirm::confirm;
use crate::connect;
use crate::exit::Code;
use crate::settings::Settings;

pub(crate) async fn run(settings: &Settings, args: AclDeleteArgs) -> anyhow::Result<Code> {
    let filters = filters(&args.filter);
    let admin = connect::admin(settings).await?;
    let matching = describe_all(&admin, &filters).await?;
    if matching.is_empty() {
        settings
            .printer
            .emit(&Vec::<AclRow>::new(), |rows| acl_table(rows))?;
        settings
            .printer
            .status("no ACLs match; nothing was deleted");
        return Ok(Code::Success);
    }
    if !args.yes {
        // Show what would go before asking; on stderr, as stdout is the
        // result.
        for binding in &matching {
            settings.printer.status(format!(
                "  {} {} {} on {} {} ({}) from {}",
                binding.entry.permission,
                binding.entry.principal,
                binding.entry.operation,
                binding.pattern.resource_type,
                binding.pattern.name,
                binding.pattern.pattern_type,
                binding.entry.host
            ));
        }
    }
    confirm(
        &format!(
            "Delete these {} ACL{}?",
            matching.len(),
            if matching.len() == 1 { "" } else { "s" }
        ),
        args.yes,
    )?;
    let mut deleted = Vec::new();
    let mut failures = Vec::new();
    for result in admin.delete_acls(filters).await? {
        match result {
            Ok(bindings) => deleted.extend(bindings),
            Err(e) => failures.push(e),
        }
    }
    deleted.sort();
    deleted.dedup();
    let rows: Vec<AclRow> = deleted.iter().map(AclRow::new).collect();
    settings.printer.emit(&rows, |rows| acl_table(rows))?;
    settings.printer.status(format!(
        "deleted {} ACL{}",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    ));
    match failures.into_iter().next() {
        None => Ok(Code::Success),
        Some(first) if rows.is_empty() => Err(first.into()),
        Some(first) => {
            settings.printer.status(format!("error: {first}"));
            Ok(Code::Partial)
        }
    }
}
