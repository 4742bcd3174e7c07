//! `kctl topic describe`: placement and health of each partition, and the
//! topic's config overrides.
//!
//! The health filters use kafka-topics.sh's (TopicCommand's) definitions:
//!
//! - under-replicated: fewer in-sync replicas than replicas;
//! - under-min-isr: no leader, or fewer in-sync replicas than the topic's
//!   `min.insync.replicas`;
//! - at-min-isr: exactly `min.insync.replicas` in-sync replicas;
//! - unavailable: no leader, or a leader that is not a live broker.
//!
//! As in kafka-topics.sh, a filter shows only the matching partitions and
//! leaves out the topic summaries.

use std::collections::{BTreeMap, BTreeSet};

use kctl_client::admin::{ConfigResource, ConfigSource, DescribeConfigsOptions, PartitionInfo};
use serde::Serialize;

use super::shared::outcome;
use crate::cli::{HealthFilter, TopicDescribeArgs};
use crate::connect;
use crate::exit::Code;
use crate::printer::{Table, join, or_dash};
use crate::settings::Settings;

#[derive(Debug, Serialize)]
struct Described {
    name: String,
    topic_id: Option<String>,
    internal: bool,
    partition_count: usize,
    replication_factor: usize,
    /// Configs not at their default value.
    configs: Vec<ConfigValue>,
    partitions: Vec<Partition>,
}

#[derive(Debug, Serialize)]
struct ConfigValue {
    name: String,
    value: Option<String>,
    source: &'static str,
}

#[derive(Debug, Serialize)]
struct Partition {
    partition: i32,
    leader: Option<i32>,
    leader_epoch: Option<i32>,
    replicas: Vec<i32>,
    isr: Vec<i32>,
    offline_replicas: Vec<i32>,
}

/// Whether a partition passes the health filter (TopicCommand's rules).
fn keep(
    filter: &HealthFilter,
    p: &PartitionInfo,
    min_isr: Option<usize>,
    live: &BTreeSet<i32>,
) -> bool {
    if filter.under_replicated {
        p.isr.len() < p.replicas.len()
    } else if filter.under_min_isr {
        p.leader.is_none() || min_isr.is_some_and(|m| p.isr.len() < m)
    } else if filter.at_min_isr {
        min_isr.is_some_and(|m| p.isr.len() == m)
    } else if filter.unavailable {
        p.leader.is_none_or(|l| !live.contains(&l))
    } else {
        true
    }
}

fn filtering(filter: &HealthFilter) -> bool {
    filter.under_replicated || filter.under_min_isr || filter.at_min_isr || filter.unavailable
}

pub(crate) async fn run(settings: &Settings, args: TopicDescribeArgs) -> anyhow::Result<Code> {
    let admin = connect::admin(settings).await?;
    let mut names: Vec<String> = args
        .topics
        .iter()
        .chain(&args.topic_flags)
        .cloned()
        .collect();
    if names.is_empty() {
        names = admin
            .list_topics(args.internal)
            .await?
            .into_iter()
            .map(|t| t.name)
            .collect();
    }
    let described = admin.describe_topics(&names).await?;
    let mut failures = Vec::new();
    let mut found = Vec::new();
    for item in described {
        match item.result {
            Ok(d) => found.push(d),
            Err(e) => failures
                .push(anyhow::Error::new(e).context(format!("describing topic '{}'", item.topic))),
        }
    }
    if found.is_empty() && !failures.is_empty() {
        return Err(failures.remove(0));
    }

    let resources: Vec<ConfigResource> = found
        .iter()
        .map(|d| ConfigResource::Topic(d.name.clone()))
        .collect();
    let configs = admin
        .describe_configs(&resources, &DescribeConfigsOptions::default())
        .await?;
    let mut by_topic: BTreeMap<String, Vec<kctl_client::admin::ConfigEntry>> = BTreeMap::new();
    for item in configs {
        let ConfigResource::Topic(name) = item.resource else {
            continue;
        };
        match item.result {
            Ok(entries) => {
                by_topic.insert(name, entries);
            }
            // Placement is still worth showing without the configs.
            Err(e) => settings.printer.status(format!(
                "warning: cannot read the configs of topic '{name}': {e}"
            )),
        }
    }
    let live: BTreeSet<i32> = if args.health.unavailable {
        admin
            .describe_cluster()
            .await?
            .brokers
            .iter()
            .map(|b| b.id)
            .collect()
    } else {
        BTreeSet::new()
    };

    let rows: Vec<Described> = found
        .into_iter()
        .filter_map(|d| {
            let entries = by_topic.remove(&d.name).unwrap_or_default();
            let min_isr = entries
                .iter()
                .find(|e| e.name == "min.insync.replicas")
                .and_then(|e| e.value.as_deref()?.parse::<usize>().ok());
            let partitions: Vec<Partition> = d
                .partitions
                .iter()
                .filter(|p| keep(&args.health, p, min_isr, &live))
                .map(|p| Partition {
                    partition: p.partition,
                    leader: p.leader,
                    leader_epoch: p.leader_epoch,
                    replicas: p.replicas.clone(),
                    isr: p.isr.clone(),
                    offline_replicas: p.offline_replicas.clone(),
                })
                .collect();
            if filtering(&args.health) && partitions.is_empty() {
                return None;
            }
            Some(Described {
                topic_id: d.topic_id.map(|id| id.to_string()),
                internal: d.is_internal,
                partition_count: d.partitions.len(),
                replication_factor: d.partitions.first().map_or(0, |p| p.replicas.len()),
                configs: entries
                    .into_iter()
                    .filter(|e| e.source != ConfigSource::Default)
                    .map(|e| ConfigValue {
                        name: e.name,
                        value: e.value,
                        source: e.source.as_str(),
                    })
                    .collect(),
                partitions,
                name: d.name,
            })
        })
        .collect();
    let summaries = !filtering(&args.health);
    settings.printer.emit(&rows, |rows| {
        let mut topics = Table::new(&[
            "TOPIC",
            "TOPIC-ID",
            "PARTITIONS",
            "REPLICATION-FACTOR",
            "CONFIGS",
        ]);
        let mut partitions =
            Table::new(&["TOPIC", "PARTITION", "LEADER", "REPLICAS", "ISR", "OFFLINE"]);
        for t in rows {
            topics.row(vec![
                t.name.clone(),
                or_dash(t.topic_id.as_ref()),
                t.partition_count.to_string(),
                t.replication_factor.to_string(),
                t.configs
                    .iter()
                    .map(|c| format!("{}={}", c.name, c.value.as_deref().unwrap_or("<sensitive>")))
                    .collect::<Vec<_>>()
                    .join(","),
            ]);
            for p in &t.partitions {
                partitions.row(vec![
                    t.name.clone(),
                    p.partition.to_string(),
                    or_dash(p.leader),
                    join(&p.replicas),
                    join(&p.isr),
                    join(&p.offline_replicas),
                ]);
            }
        }
        if summaries {
            vec![topics, partitions]
        } else {
            vec![partitions]
        }
    })?;
    let failed = failures.len();
    for failure in failures {
        settings.printer.status(format!("error: {failure:#}"));
    }
    Ok(outcome(failed, names.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partition(leader: Option<i32>, replicas: &[i32], isr: &[i32]) -> PartitionInfo {
        PartitionInfo {
            partition: 0,
            leader,
            leader_epoch: None,
            replicas: replicas.to_vec(),
            isr: isr.to_vec(),
            offline_replicas: Vec::new(),
            error: None,
        }
    }

    #[test]
    fn health_filters_follow_topic_command() {
        let live = BTreeSet::from([1, 2, 3]);
        let under = HealthFilter {
            under_replicated: true,
            ..HealthFilter::default()
        };
        assert!(keep(
            &under,
            &partition(Some(1), &[1, 2, 3], &[1, 2]),
            None,
            &live
        ));
        assert!(!keep(
            &under,
            &partition(Some(1), &[1, 2], &[1, 2]),
            None,
            &live
        ));

        let under_min = HealthFilter {
            under_min_isr: true,
            ..HealthFilter::default()
        };
        assert!(keep(
            &under_min,
            &partition(Some(1), &[1, 2, 3], &[1]),
            Some(2),
            &live
        ));
        assert!(
            keep(
                &under_min,
                &partition(None, &[1, 2, 3], &[1, 2, 3]),
                Some(2),
                &live
            ),
            "no leader counts"
        );
        assert!(!keep(
            &under_min,
            &partition(Some(1), &[1, 2, 3], &[1, 2]),
            Some(2),
            &live
        ));

        let at_min = HealthFilter {
            at_min_isr: true,
            ..HealthFilter::default()
        };
        assert!(keep(
            &at_min,
            &partition(Some(1), &[1, 2, 3], &[1, 2]),
            Some(2),
            &live
        ));
        assert!(!keep(
            &at_min,
            &partition(Some(1), &[1, 2, 3], &[1, 2]),
            None,
            &live
        ));

        let unavailable = HealthFilter {
            unavailable: true,
            ..HealthFilter::default()
        };
        assert!(keep(&unavailable, &partition(None, &[1], &[]), None, &live));
        assert!(
            keep(&unavailable, &partition(Some(7), &[7], &[7]), None, &live),
            "leader not live"
        );
        assert!(!keep(
            &unavailable,
            &partition(Some(2), &[2], &[2]),
            None,
            &live
        ));
    }
}
