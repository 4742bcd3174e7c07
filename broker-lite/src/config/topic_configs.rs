//! The topic configs: every one Apache Kafka 4.1 documents for topics
//! (`org.apache.kafka.common.config.TopicConfig` plus the two replication
//! throttle lists), with Kafka's validation, so CreateTopics,
//! AlterConfigs and IncrementalAlterConfigs accept what Kafka accepts and
//! refuse what it refuses. Some are honoured by broker-lite; the rest are
//! stored and described but have nothing to act on in a single-node broker
//! without tiered storage (each one's `doc` says which).

use super::{
    ConfigError, ConfigType, at_least, non_negative, parse_cleanup_policy, parse_timestamp_type,
    positive, retention,
};

/// A topic config broker-lite understands.
#[derive(Debug)]
pub struct TopicConfigDef {
    pub name: &'static str,
    /// The broker setting that supplies the default.
    pub broker_key: &'static str,
    pub kind: ConfigType,
    pub doc: &'static str,
    validate: fn(&str) -> Result<(), String>,
    /// Kafka's default, for configs whose default broker-lite does not
    /// derive from one of its own broker settings.
    pub fixed_default: Option<&'static str>,
}

/// Every topic config Kafka documents. A name not in this table is refused
/// by name (Kafka answers INVALID_CONFIG for unknown topic configs too).
pub static TOPIC_CONFIGS: &[TopicConfigDef] = &[
    TopicConfigDef {
        name: "cleanup.policy",
        broker_key: "log.cleanup.policy",
        kind: ConfigType::List,
        doc: "delete: drop old segments by retention; compact: keep the newest record of each key.",
        validate: |v| parse_cleanup_policy(v).map(drop),
        fixed_default: None,
    },
    TopicConfigDef {
        name: "compression.type",
        broker_key: "compression.type",
        kind: ConfigType::String,
        doc: "Accepted as in Kafka; broker-lite stores batches as the producer compressed them (as 'producer').",
        validate: |v| match v {
            "producer" | "uncompressed" | "gzip" | "snappy" | "lz4" | "zstd" => Ok(()),
            _ => Err("must be one of producer, uncompressed, gzip, snappy, lz4, zstd".into()),
        },
        fixed_default: None,
    },
    TopicConfigDef {
        name: "delete.retention.ms",
        broker_key: "log.cleaner.delete.retention.ms",
        kind: ConfigType::Long,
        doc: "How long tombstones are kept on compacted topics.",
        validate: |v| non_negative(v),
        fixed_default: None,
    },
    TopicConfigDef {
        name: "index.interval.bytes",
        broker_key: "log.index.interval.bytes",
        kind: ConfigType::Int,
        doc: "Bytes between offset index entries.",
        validate: |v| positive(v),
        fixed_default: None,
    },
    TopicConfigDef {
        name: "max.message.bytes",
        broker_key: "message.max.bytes",
        kind: ConfigType::Int,
        doc: "The largest record batch accepted.",
        validate: |v| positive(v),
        fixed_default: None,
    },
    TopicConfigDef {
        name: "message.timestamp.type",
        broker_key: "log.message.timestamp.type",
        kind: ConfigType::String,
        doc: "CreateTime or LogAppendTime.",
        validate: |v| parse_timestamp_type(v).map(drop),
        fixed_default: None,
    },
    TopicConfigDef {
        name: "min.compaction.lag.ms",
        broker_key: "log.cleaner.min.compaction.lag.ms",
        kind: ConfigType::Long,
        doc: "Records younger than this are never compacted away.",
        validate: |v| non_negative(v),
        fixed_default: None,
    },
    TopicConfigDef {
        name: "min.insync.replicas",
        broker_key: "min.insync.replicas",
        kind: ConfigType::Int,
        doc: "Replicas that must acknowledge acks=all writes.",
        validate: |v| positive(v),
        fixed_default: None,
    },
    TopicConfigDef {
        name: "retention.bytes",
        broker_key: "log.retention.bytes",
        kind: ConfigType::Long,
        doc: "Size above which old segments are deleted; -1 for no limit.",
        validate: |v| retention(v),
        fixed_default: None,
    },
    TopicConfigDef {
        name: "retention.ms",
        broker_key: "log.retention.ms",
        kind: ConfigType::Long,
        doc: "Age after which old segments are deleted; -1 for no limit.",
        validate: |v| retention(v),
        fixed_default: None,
    },
    TopicConfigDef {
        name: "segment.bytes",
        broker_key: "log.segment.bytes",
        kind: ConfigType::Int,
        doc: "Segment file size.",
        validate: |v| at_least(v, 14),
        fixed_default: None,
    },
    TopicConfigDef {
        name: "segment.ms",
        broker_key: "log.roll.ms",
        kind: ConfigType::Long,
        doc: "Age after which a new segment is rolled.",
        validate: |v| positive(v),
        fixed_default: None,
    },
    // Stored and described; broker-lite has nothing to act on. Defaults and
    // ranges are Kafka 4.1's (LogConfig / ServerLogConfigs).
    TopicConfigDef {
        name: "compression.gzip.level",
        broker_key: "compression.gzip.level",
        kind: ConfigType::Int,
        doc: "gzip level for compression.type=gzip (-1 or 1-9); batches are stored as the producer compressed them.",
        validate: |v| one_of_or_range(v, &[-1], 1, 9),
        fixed_default: Some("-1"),
    },
    TopicConfigDef {
        name: "compression.lz4.level",
        broker_key: "compression.lz4.level",
        kind: ConfigType::Int,
        doc: "lz4 level for compression.type=lz4 (1-17); batches are stored as the producer compressed them.",
        validate: |v| in_range(v, 1, 17),
        fixed_default: Some("9"),
    },
    TopicConfigDef {
        name: "compression.zstd.level",
        broker_key: "compression.zstd.level",
        kind: ConfigType::Int,
        doc: "zstd level for compression.type=zstd (-131072 to 22); batches are stored as the producer compressed them.",
        validate: |v| in_range(v, -131_072, 22),
        fixed_default: Some("3"),
    },
    TopicConfigDef {
        name: "file.delete.delay.ms",
        broker_key: "log.segment.delete.delay.ms",
        kind: ConfigType::Long,
        doc: "Delay before a deleted segment's files go; broker-lite deletes them at once.",
        validate: |v| non_negative(v),
        fixed_default: Some("60000"),
    },
    TopicConfigDef {
        name: "flush.messages",
        broker_key: "log.flush.interval.messages",
        kind: ConfigType::Long,
        doc: "Records between forced flushes; broker-lite flushes by its broker-wide log.flush.policy.",
        validate: |v| positive(v),
        fixed_default: Some(LONG_MAX),
    },
    TopicConfigDef {
        name: "flush.ms",
        broker_key: "log.flush.interval.ms",
        kind: ConfigType::Long,
        doc: "Time between forced flushes; broker-lite flushes by its broker-wide log.flush.policy.",
        validate: |v| non_negative(v),
        fixed_default: Some(LONG_MAX),
    },
    TopicConfigDef {
        name: "follower.replication.throttled.replicas",
        broker_key: "follower.replication.throttled.replicas",
        kind: ConfigType::List,
        doc: "Replicas whose replication is throttled (partition:broker list or *); broker-lite has no followers.",
        validate: throttled_replicas,
        fixed_default: Some(""),
    },
    TopicConfigDef {
        name: "leader.replication.throttled.replicas",
        broker_key: "leader.replication.throttled.replicas",
        kind: ConfigType::List,
        doc: "Replicas whose replication is throttled (partition:broker list or *); broker-lite has no followers.",
        validate: throttled_replicas,
        fixed_default: Some(""),
    },
    TopicConfigDef {
        name: "local.retention.bytes",
        broker_key: "log.local.retention.bytes",
        kind: ConfigType::Long,
        doc: "Tiered storage: local bytes kept (-2 = retention.bytes); broker-lite has no tiered storage.",
        validate: |v| at_least(v, -2),
        fixed_default: Some("-2"),
    },
    TopicConfigDef {
        name: "local.retention.ms",
        broker_key: "log.local.retention.ms",
        kind: ConfigType::Long,
        doc: "Tiered storage: local age kept (-2 = retention.ms); broker-lite has no tiered storage.",
        validate: |v| at_least(v, -2),
        fixed_default: Some("-2"),
    },
    TopicConfigDef {
        name: "max.compaction.lag.ms",
        broker_key: "log.cleaner.max.compaction.lag.ms",
        kind: ConfigType::Long,
        doc: "Longest a record may stay uncompacted; broker-lite compacts on its cleaner schedule.",
        validate: |v| positive(v),
        fixed_default: Some(LONG_MAX),
    },
    TopicConfigDef {
        name: "message.downconversion.enable",
        broker_key: "log.message.downconversion.enable",
        kind: ConfigType::Boolean,
        doc: "Deprecated no-op in Kafka 4 (no down-conversion); likewise here.",
        validate: boolean,
        fixed_default: Some("true"),
    },
    TopicConfigDef {
        name: "message.timestamp.after.max.ms",
        broker_key: "log.message.timestamp.after.max.ms",
        kind: ConfigType::Long,
        doc: "How far in the future a CreateTime timestamp may be; not enforced by broker-lite.",
        validate: |v| non_negative(v),
        fixed_default: Some("3600000"),
    },
    TopicConfigDef {
        name: "message.timestamp.before.max.ms",
        broker_key: "log.message.timestamp.before.max.ms",
        kind: ConfigType::Long,
        doc: "How far in the past a CreateTime timestamp may be; not enforced by broker-lite.",
        validate: |v| non_negative(v),
        fixed_default: Some(LONG_MAX),
    },
    TopicConfigDef {
        name: "min.cleanable.dirty.ratio",
        broker_key: "log.cleaner.min.cleanable.ratio",
        kind: ConfigType::Double,
        doc: "Dirty share of the log that triggers compaction (0-1); broker-lite compacts on its cleaner schedule.",
        validate: |v| ratio(v),
        fixed_default: Some("0.5"),
    },
    TopicConfigDef {
        name: "preallocate",
        broker_key: "log.preallocate",
        kind: ConfigType::Boolean,
        doc: "Preallocate segment files; broker-lite does not.",
        validate: boolean,
        fixed_default: Some("false"),
    },
    TopicConfigDef {
        name: "remote.log.copy.disable",
        broker_key: "remote.log.copy.disable",
        kind: ConfigType::Boolean,
        doc: "Tiered storage: stop copying segments to remote storage; broker-lite has no tiered storage.",
        validate: boolean,
        fixed_default: Some("false"),
    },
    TopicConfigDef {
        name: "remote.log.delete.on.disable",
        broker_key: "remote.log.delete.on.disable",
        kind: ConfigType::Boolean,
        doc: "Tiered storage: delete remote data when it is disabled; broker-lite has no tiered storage.",
        validate: boolean,
        fixed_default: Some("false"),
    },
    TopicConfigDef {
        name: "remote.storage.enable",
        broker_key: "remote.log.storage.system.enable",
        kind: ConfigType::Boolean,
        doc: "Tiered storage for the topic; refused when true, as Kafka does on a broker without it.",
        validate: remote_storage_enable,
        fixed_default: Some("false"),
    },
    TopicConfigDef {
        name: "segment.index.bytes",
        broker_key: "log.index.size.max.bytes",
        kind: ConfigType::Int,
        doc: "Offset index size limit; broker-lite sizes its index by segment.",
        validate: |v| at_least(v, 4),
        fixed_default: Some("10485760"),
    },
    TopicConfigDef {
        name: "segment.jitter.ms",
        broker_key: "log.roll.jitter.ms",
        kind: ConfigType::Long,
        doc: "Random jitter subtracted from segment.ms; broker-lite rolls at segment.ms exactly.",
        validate: |v| non_negative(v),
        fixed_default: Some("0"),
    },
    TopicConfigDef {
        name: "unclean.leader.election.enable",
        broker_key: "unclean.leader.election.enable",
        kind: ConfigType::Boolean,
        doc: "Elect an out-of-sync replica as leader; broker-lite has one replica.",
        validate: boolean,
        fixed_default: Some("false"),
    },
];

const LONG_MAX: &str = "9223372036854775807";

/// Checks one topic config override.
pub fn validate_topic_config(name: &str, value: &str) -> Result<(), ConfigError> {
    let def = TOPIC_CONFIGS
        .iter()
        .find(|d| d.name == name)
        .ok_or_else(|| ConfigError::UnknownTopicConfig(name.to_owned()))?;
    (def.validate)(value).map_err(|reason| ConfigError::InvalidValue {
        key: name.to_owned(),
        value: value.to_owned(),
        reason,
    })
}

fn in_range(v: &str, min: i64, max: i64) -> Result<(), String> {
    match v.parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(()),
        Ok(_) => Err(format!("must be between {min} and {max}")),
        Err(_) => Err("must be a whole number".into()),
    }
}

fn one_of_or_range(v: &str, allowed: &[i64], min: i64, max: i64) -> Result<(), String> {
    match v.parse::<i64>() {
        Ok(n) if allowed.contains(&n) => Ok(()),
        _ => in_range(v, min, max).map_err(|reason| format!("{reason}, or one of {allowed:?}")),
    }
}

fn ratio(v: &str) -> Result<(), String> {
    match v.parse::<f64>() {
        Ok(r) if (0.0..=1.0).contains(&r) => Ok(()),
        Ok(_) => Err("must be between 0 and 1".into()),
        Err(_) => Err("must be a number".into()),
    }
}

fn boolean(v: &str) -> Result<(), String> {
    // Kafka's ConfigDef parses booleans case-insensitively.
    if v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false") {
        Ok(())
    } else {
        Err("must be true or false".into())
    }
}

fn remote_storage_enable(v: &str) -> Result<(), String> {
    boolean(v)?;
    if v.eq_ignore_ascii_case("true") {
        // Kafka's message when remote.log.storage.system.enable is off.
        return Err("Tiered Storage functionality is disabled in the broker. \
                    Topic cannot be configured with remote log storage."
            .into());
    }
    Ok(())
}

/// `*`, empty, or a list of `partition:broker` pairs (Kafka's
/// ThrottledReplicaListValidator).
fn throttled_replicas(v: &str) -> Result<(), String> {
    let v = v.trim();
    if v.is_empty() || v == "*" {
        return Ok(());
    }
    let pair = |item: &str| {
        let (partition, broker) = item.trim().split_once(':')?;
        partition.trim().parse::<u32>().ok()?;
        broker.trim().parse::<u32>().ok()
    };
    if v.split(',').all(|item| pair(item).is_some()) {
        Ok(())
    } else {
        Err("must be * or a list of partition:broker pairs, e.g. 0:1,1:1".into())
    }
}
