//! `kctl config get`: DescribeConfigs of a topic (any broker answers) or a
//! broker (that broker answers).

use kctl_client::admin::{ConfigSource, DescribeConfigsOptions};
use serde::Serialize;

use super::shared::{check_broker, first, resource};
use crate::cli::ConfigGetArgs;
use crate::connect;
use crate::exit::Code;
use crate::printer::{Table, or_dash};
use crate::settings::Settings;

#[derive(Debug, Serialize)]
struct Entry {
    name: String,
    /// null for sensitive configs.
    value: Option<String>,
    source: &'static str,
    default: bool,
    read_only: bool,
    sensitive: bool,
    #[serde(rename = "type")]
    config_type: &'static str,
    synonyms: Vec<Synonym>,
}

#[derive(Debug, Serialize)]
struct Synonym {
    name: String,
    value: Option<String>,
    source: &'static str,
}

pub(crate) async fn run(settings: &Settings, args: ConfigGetArgs) -> anyhow::Result<Code> {
    let resource = resource(&args.entity)?;
    let admin = connect::admin(settings).await?;
    check_broker(&admin, &resource).await?;
    let options = DescribeConfigsOptions {
        names: args.keys.clone(),
        include_synonyms: true,
        include_documentation: false,
    };
    let described = admin
        .describe_configs(std::slice::from_ref(&resource), &options)
        .await?;
    let entries = first(described.into_iter().map(|r| r.result))
        .map_err(|e| anyhow::Error::new(e).context(format!("reading the configs of {resource}")))?;
    // Keys asked for by name are shown even at their default.
    let show_defaults = args.all || !args.keys.is_empty();
    let rows: Vec<Entry> = entries
        .into_iter()
        .filter(|e| show_defaults || e.source != ConfigSource::Default)
        .map(|e| Entry {
            name: e.name,
            value: e.value,
            source: e.source.as_str(),
            default: e.is_default,
            read_only: e.read_only,
            sensitive: e.sensitive,
            config_type: e.config_type.as_str(),
            synonyms: e
                .synonyms
                .into_iter()
                .map(|s| Synonym {
                    name: s.name,
                    value: s.value,
                    source: s.source.as_str(),
                })
                .collect(),
        })
        .collect();
    if rows.is_empty() && !settings.printer.is_structured() {
        settings.printer.status(format!(
            "{resource} has no overrides (--all shows every config)"
        ));
    }
    settings.printer.emit(&rows, |rows| {
        let mut table = Table::new(&["NAME", "VALUE", "SOURCE", "READ-ONLY", "SENSITIVE"]);
        for e in rows {
            table.row(vec![
                e.name.clone(),
                if e.sensitive {
                    "<sensitive>".to_owned()
                } else {
                    or_dash(e.value.as_ref())
                },
                e.source.to_owned(),
                e.read_only.to_string(),
                e.sensitive.to_string(),
            ]);
        }
        vec![table]
    })?;
    Ok(Code::Success)
}
