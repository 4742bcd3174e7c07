//! Helpers more than one command uses.

use kctl_client::admin::{
    Admin, AlterConfigOp, ConfigResource, ConfigSource, DescribeConfigsOptions,
};
use kctl_client::error::{Error, RequestError};

use serde::Serialize;

use crate::exit::{Code, Failure};
use crate::printer::{Table, or_dash};
use crate::settings::Settings;

/// Changes configs with IncrementalAlterConfigs, or, on brokers without it
/// (before Kafka 2.3), with AlterConfigs built from the current dynamic
/// configs so the ones not mentioned survive.
pub(crate) async fn alter_configs(
    admin: &Admin,
    resource: &ConfigResource,
    ops: Vec<AlterConfigOp>,
    validate_only: bool,
) -> anyhow::Result<()> {
    let outcome = admin
        .incremental_alter_configs(&[(resource.clone(), ops.clone())], validate_only)
        .await?;
    match first(outcome.into_iter().map(|r| r.result)) {
        Ok(()) => Ok(()),
        Err(Error::Request(RequestError::UnsupportedApi { .. })) => {
            legacy_alter(admin, resource, ops, validate_only).await
        }
        Err(e) => Err(anyhow::Error::new(e).context(format!("changing the configs of {resource}"))),
    }
}

async fn legacy_alter(
    admin: &Admin,
    resource: &ConfigResource,
    ops: Vec<AlterConfigOp>,
    validate_only: bool,
) -> anyhow::Result<()> {
    let dynamic = match resource {
        ConfigResource::Topic(_) => ConfigSource::DynamicTopic,
        ConfigResource::Broker(_) => ConfigSource::DynamicBroker,
        ConfigResource::BrokerDefault => ConfigSource::DynamicDefaultBroker,
        ConfigResource::BrokerLogger(_) => ConfigSource::DynamicBrokerLogger,
        ConfigResource::Group(_) => ConfigSource::Group,
    };
    let described = admin
        .describe_configs(
            std::slice::from_ref(resource),
            &DescribeConfigsOptions::default(),
        )
        .await?;
    let entries = first(described.into_iter().map(|r| r.result))
        .map_err(|e| anyhow::Error::new(e).context(format!("reading the configs of {resource}")))?;
    let mut current: Vec<(String, String)> = Vec::new();
    for entry in entries.into_iter().filter(|e| e.source == dynamic) {
        match entry.value {
            Some(value) => current.push((entry.name, value)),
            None => {
                return Err(Failure::new(
                    Code::Failure,
                    format!(
                        "the broker lacks IncrementalAlterConfigs, and AlterConfigs would erase the sensitive config {} of {resource}",
                        entry.name
                    ),
                )
                .into());
            }
        }
    }
    for op in ops {
        apply(&mut current, op);
    }
    let outcome = admin
        .alter_configs(&[(resource.clone(), current)], validate_only)
        .await?;
    match first(outcome.into_iter().map(|r| r.result)) {
        Ok(()) => Ok(()),
        Err(Error::Request(RequestError::UnsupportedApi { .. })) => Err(Failure::new(
            Code::Failure,
            format!(
                "cannot change the configs of {resource}: the broker supports neither IncrementalAlterConfigs nor AlterConfigs"
            ),
        )
        .hint("this broker's configs are read-only; `kctl config get` still shows them")
        .into()),
        Err(e) => Err(anyhow::Error::new(e).context(format!("changing the configs of {resource}"))),
    }
}

/// Applies one incremental operation to a full list of configs, as the
/// broker would.
fn apply(configs: &mut Vec<(String, String)>, op: AlterConfigOp) {
    let position =
        |configs: &Vec<(String, String)>, name: &str| configs.iter().position(|(n, _)| n == name);
    match op {
        AlterConfigOp::Set { name, value } => match position(configs, &name) {
            Some(i) => configs[i].1 = value,
            None => configs.push((name, value)),
        },
        AlterConfigOp::Delete { name } => configs.retain(|(n, _)| *n != name),
        AlterConfigOp::Append { name, value } => match position(configs, &name) {
            Some(i) if !configs[i].1.is_empty() => {
                if !configs[i].1.split(',').any(|v| v == value) {
                    configs[i].1 = format!("{},{value}", configs[i].1);
                }
            }
            Some(i) => configs[i].1 = value,
            None => configs.push((name, value)),
        },
        AlterConfigOp::Subtract { name, value } => {
            if let Some(i) = position(configs, &name) {
                let kept: Vec<&str> = configs[i].1.split(',').filter(|v| *v != value).collect();
                configs[i].1 = kept.join(",");
            }
        }
    }
}

/// The one result of a call made about one item.
pub(crate) fn first<T>(
    mut results: impl Iterator<Item = kctl_client::Result<T>>,
) -> kctl_client::Result<T> {
    results
        .next()
        .expect("the admin client answers once per item asked about")
}

/// What a delete command deletes by name.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Deletable {
    Topic,
    Group,
}

impl Deletable {
    /// The JSON key of the name.
    fn key(self) -> &'static str {
        match self {
            Self::Topic => "topic",
            Self::Group => "group",
        }
    }

    fn column(self) -> &'static str {
        match self {
            Self::Topic => "TOPIC",
            Self::Group => "GROUP",
        }
    }
}

/// What a delete command did to one named topic or group.
#[derive(Debug)]
pub(crate) struct Deletion {
    pub kind: Deletable,
    pub name: String,
    /// deleted, absent (topics with --if-exists) or failed.
    pub status: &'static str,
    pub error: Option<String>,
}

impl Deletion {
    pub(crate) fn new(kind: Deletable, name: String, status: &'static str) -> Self {
        Self {
            kind,
            name,
            status,
            error: None,
        }
    }

    pub(crate) fn failed(kind: Deletable, name: String, error: String) -> Self {
        Self {
            error: Some(error),
            ..Self::new(kind, name, "failed")
        }
    }
}

impl Serialize for Deletion {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut row = serializer.serialize_struct("Deletion", 3)?;
        row.serialize_field(self.kind.key(), &self.name)?;
        row.serialize_field("status", self.status)?;
        row.serialize_field("error", &self.error)?;
        row.end()
    }
}

/// Prints a delete command's rows and says how many failed; the exit code
/// is partial failure when some did, failure when all did.
pub(crate) fn report_deletions(
    settings: &Settings,
    kind: Deletable,
    rows: &[Deletion],
) -> anyhow::Result<Code> {
    settings.printer.emit(rows, |rows| {
        let mut table = Table::new(&[kind.column(), "STATUS", "ERROR"]);
        for r in rows {
            table.row(vec![
                r.name.clone(),
                r.status.to_owned(),
                or_dash(r.error.as_ref()),
            ]);
        }
        vec![table]
    })?;
    let failed = rows.iter().filter(|r| r.status == "failed").count();
    if failed > 0 {
        settings.printer.status(format!(
            "error: {failed} of {} {}s could not be deleted",
            rows.len(),
            kind.key()
        ));
    }
    Ok(outcome(failed, rows.len()))
}

/// The exit code for a run where `failed` of `total` items failed.
pub(crate) fn outcome(failed: usize, total: usize) -> Code {
    match failed {
        0 => Code::Success,
        n if n == total => Code::Failure,
        _ => Code::Partial,
    }
}

/// Fails with "not found" for a broker id the cluster does not have, so a
/// typo is reported as such rather than as a routing failure.
pub(crate) async fn check_broker(admin: &Admin, resource: &ConfigResource) -> anyhow::Result<()> {
    let (ConfigResource::Broker(id) | ConfigResource::BrokerLogger(id)) = resource else {
        return Ok(());
    };
    let brokers = admin.describe_cluster().await?.brokers;
    if brokers.iter().any(|b| b.id == *id) {
        return Ok(());
    }
    let ids: Vec<String> = brokers.iter().map(|b| b.id.to_string()).collect();
    Err(
        Failure::new(Code::NotFound, format!("the cluster has no broker {id}"))
            .hint(format!("its brokers are: {}", ids.join(", ")))
            .into(),
    )
}

/// The config resource `--entity-type/--entity-name/--entity-default` name.
pub(crate) fn resource(entity: &crate::cli::Entity) -> anyhow::Result<ConfigResource> {
    use crate::cli::EntityType;
    match (
        entity.entity_type,
        &entity.entity_name,
        entity.entity_default,
    ) {
        (EntityType::Topic, Some(name), false) => Ok(ConfigResource::Topic(name.clone())),
        (EntityType::Topic, _, _) => Err(crate::exit::usage("topics have no --entity-default")
            .hint("name the topic with --entity-name")
            .into()),
        (EntityType::Broker, _, true) => Ok(ConfigResource::BrokerDefault),
        (EntityType::Broker, Some(id), false) => {
            id.parse::<i32>().map(ConfigResource::Broker).map_err(|_| {
                crate::exit::usage(format!(
                    "--entity-name for a broker is its numeric id, not '{id}'"
                ))
                .hint("`kctl cluster describe` lists the broker ids")
                .into()
            })
        }
        (EntityType::Broker, None, false) => Err(crate::exit::usage(
            "name the broker with --entity-name ID or use --entity-default",
        )
        .into()),
        (EntityType::Group, Some(id), false) => Ok(ConfigResource::Group(id.clone())),
        (EntityType::Group, _, _) => Err(crate::exit::usage("groups have no --entity-default")
            .hint("name the group with --entity-name")
            .into()),
    }
}

/// How long a topic that is not (yet) in the metadata is looked for again.
/// Kafka answers CreateTopics once the controller has the topic; brokers
/// learn of it a moment later, so `kctl topic create t && kctl produce t`
/// would otherwise fail now and then on a multi-broker cluster.
const NEW_TOPIC_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

/// A topic's metadata; a topic missing from the metadata (or without
/// leaders yet) is asked for again for a few seconds before that answer
/// stands.
pub(crate) async fn topic_metadata(
    client: &kctl_client::Client,
    topic: &str,
) -> kctl_client::Result<std::sync::Arc<kctl_client::metadata::TopicMetadata>> {
    use kctl_client::ErrorCode;
    let deadline = tokio::time::Instant::now() + NEW_TOPIC_GRACE;
    loop {
        match client.topic_metadata(topic).await {
            Err(e)
                if matches!(
                    e.code(),
                    Some(ErrorCode::UnknownTopicOrPartition | ErrorCode::LeaderNotAvailable)
                ) && tokio::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            }
            answer => return answer,
        }
    }
}

/// The offset a reset's `--to-earliest`, `--to-latest`, `--to-offset`,
/// `--shift-by`, `--to-datetime` or `--by-duration` names (clap lets at most
/// one be set); `None` when none is, as for `--to-group`. Shared by
/// `group reset-offsets` and `share reset-offsets`.
pub(crate) fn reset_target(
    to_earliest: bool,
    to_latest: bool,
    to_offset: Option<i64>,
    shift_by: Option<i64>,
    to_datetime_ms: Option<i64>,
    by_duration: Option<std::time::Duration>,
) -> Option<kctl_client::admin::ResetTarget> {
    use kctl_client::admin::ResetTarget;
    let now_ms = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64)
    };
    if to_earliest {
        Some(ResetTarget::Earliest)
    } else if to_latest {
        Some(ResetTarget::Latest)
    } else if let Some(n) = to_offset {
        Some(ResetTarget::Offset(n))
    } else if let Some(n) = shift_by {
        Some(ResetTarget::ShiftBy(n))
    } else if let Some(ms) = to_datetime_ms {
        Some(ResetTarget::Timestamp(ms))
    } else {
        by_duration.map(|d| ResetTarget::Timestamp(now_ms() - d.as_millis() as i64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_alter_applies_ops_like_the_broker() {
        let mut configs = vec![
            ("retention.ms".to_owned(), "1000".to_owned()),
            ("cleanup.policy".to_owned(), "delete".to_owned()),
        ];
        apply(
            &mut configs,
            AlterConfigOp::Set {
                name: "retention.ms".into(),
                value: "5".into(),
            },
        );
        apply(
            &mut configs,
            AlterConfigOp::Append {
                name: "cleanup.policy".into(),
                value: "compact".into(),
            },
        );
        apply(
            &mut configs,
            AlterConfigOp::Append {
                name: "cleanup.policy".into(),
                value: "compact".into(),
            },
        );
        apply(
            &mut configs,
            AlterConfigOp::Subtract {
                name: "cleanup.policy".into(),
                value: "delete".into(),
            },
        );
        apply(
            &mut configs,
            AlterConfigOp::Set {
                name: "segment.ms".into(),
                value: "9".into(),
            },
        );
        apply(
            &mut configs,
            AlterConfigOp::Delete {
                name: "retention.ms".into(),
            },
        );
        assert_eq!(
            configs,
            [
                ("cleanup.policy".to_owned(), "compact".to_owned()),
                ("segment.ms".to_owned(), "9".to_owned())
            ]
        );
        assert_eq!(outcome(0, 3), Code::Success);
        assert_eq!(outcome(1, 3), Code::Partial);
        assert_eq!(outcome(3, 3), Code::Failure);
    }
}
