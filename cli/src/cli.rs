//! Every argument kctl accepts, and nothing else: the commands that act on
//! them are in `commands/`. Doc comments here are the `--help` text.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use clap_complete::ArgValueCompleter;

use crate::dynamic_completion::{contexts, groups, topics};

use crate::format::{Template, TimestampStyle, parse_format};
use crate::printer::OutputFormat;
use crate::time::{parse_datetime_ms, parse_duration, parse_lookback, parse_since_ms};

/// Apache Kafka from the command line: topics, configs, offsets, produce,
/// and a bundled broker.
#[derive(Debug, Parser)]
#[command(name = "kctl", version, about, propagate_version = true)]
#[command(
    after_help = "Exit codes: 0 ok, 1 failure, 2 usage, 3 not found, 4 not authorized, \
                        5 timeout, 6 partial failure (see docs/cli.md)."
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// Kafka brokers to bootstrap from, comma-separated host:port
    /// [default: the context's, else 127.0.0.1:9092].
    #[arg(
        short = 'b',
        long = "bootstrap-server",
        visible_alias = "bootstrap-servers",
        env = "KCTL_BOOTSTRAP_SERVER",
        global = true,
        value_name = "HOST:PORT,...",
        help_heading = "Global options"
    )]
    pub bootstrap_server: Option<String>,
    /// Use this context of the config file instead of its current one.
    #[arg(
        long,
        env = "KCTL_CONTEXT",
        global = true,
        help_heading = "Global options",
        add = ArgValueCompleter::new(contexts)
    )]
    pub context: Option<String>,
    /// Output format. Tables are the default, on a terminal or not, so
    /// `kctl topic list | grep` works; use json or yaml for scripts.
    #[arg(
        short,
        long,
        value_enum,
        global = true,
        help_heading = "Global options"
    )]
    pub output: Option<OutputFormat>,
    /// Show tracing logs on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = ArgAction::Count, help_heading = "Global options")]
    pub verbose: u8,
    /// The config file with contexts [default: $XDG_CONFIG_HOME/kctl/config.yaml].
    /// Give it before the command (`kctl --config FILE topic list`): after
    /// it, `--config` is Kafka's topic config flag.
    #[arg(
        long,
        env = "KCTL_CONFIG",
        value_name = "FILE",
        help_heading = "Global options"
    )]
    pub config: Option<PathBuf>,
    /// How long to wait for the cluster, per request and for connecting
    /// (e.g. 500ms, 10s, 2m; a bare number is seconds).
    #[arg(long, global = true, default_value = "30s", value_parser = parse_duration, help_heading = "Global options")]
    pub timeout: Duration,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create, list, describe, alter and delete topics.
    Topic {
        #[command(subcommand)]
        command: TopicCommand,
    },
    /// Read and change topic and broker configs.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Inspect the cluster.
    Cluster {
        #[command(subcommand)]
        command: ClusterCommand,
    },
    /// Consumer groups: list, describe (members, lag), delete, reset offsets.
    Group {
        #[command(subcommand)]
        command: GroupCommand,
    },
    /// Share groups (KIP-932, queues): consume as a member, describe
    /// (members, start offsets, lag), reset start offsets, delete.
    Share {
        #[command(subcommand)]
        command: ShareCommand,
    },
    /// Show a topic's offsets per partition (earliest and latest, or at a time).
    Offsets(OffsetsArgs),
    /// Find the records with a key: computes the key's partition as the
    /// producer's partitioner did and reads only that partition.
    Find(FindArgs),
    /// The live dashboard: consumer lag and partition health.
    Tui(TuiArgs),
    /// Judge the cluster like the dashboard does, once; exit 0 OK, 1 WARN,
    /// 2 CRIT (3: no snapshot could be taken).
    Health(HealthArgs),
    /// Write records to a topic from stdin or a file, one per line.
    Produce(ProduceArgs),
    /// Read records from topics: plain values, kcat-style --format, or
    /// lossless JSON lines (-o json) that `kctl produce --input json` reads.
    Consume(ConsumeArgs),
    /// Manage named contexts (clusters) in the config file.
    Context {
        #[command(subcommand)]
        command: ContextCommand,
    },
    /// Print a shell completion script.
    Completion(CompletionArgs),
    /// Print kctl's man page (roff) on stdout.
    Man(ManArgs),
    /// Load tests: producer and consumer throughput and latency percentiles.
    Perf {
        #[command(subcommand)]
        command: PerfCommand,
    },
    /// A running shop in one command: broker-lite in-process, demo topics,
    /// a producer and a consumer group with one slow member, shown in the
    /// dashboard (or as tables every few seconds when not on a terminal).
    Demo(DemoArgs),
    /// Run broker-lite, the bundled Kafka-compatible broker.
    Broker {
        #[command(subcommand)]
        command: BrokerCommand,
    },
    /// Transactions: list and describe transactional ids, and the
    /// producers active on a topic's partitions.
    Txn {
        #[command(subcommand)]
        command: TxnCommand,
    },
    /// ACLs: create, list and delete who may do what (kafka-acls).
    Acl {
        #[command(subcommand)]
        command: AclCommand,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum AclCommand {
    /// Create ACLs: every principal x host x operation x resource given.
    Create(AclCreateArgs),
    /// List the ACLs the filter selects (all of them without flags).
    #[command(visible_alias = "ls")]
    List(AclFilterArgs),
    /// Delete the ACLs the filter selects, after showing them and asking.
    Delete(AclDeleteArgs),
}

/// The resources an ACL command is about; none means any resource (list and
/// delete only).
#[derive(Debug, Args)]
pub(crate) struct AclResourceArgs {
    /// A topic (`*` is every topic); repeatable.
    #[arg(long = "topic", value_name = "TOPIC", add = ArgValueCompleter::new(topics))]
    pub topics: Vec<String>,
    /// A consumer group (`*` is every group); repeatable.
    #[arg(long = "group", value_name = "GROUP", add = ArgValueCompleter::new(groups))]
    pub groups: Vec<String>,
    /// The cluster (for CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, ...).
    #[arg(long)]
    pub cluster: bool,
    /// A transactional id (`*` is every id); repeatable.
    #[arg(long = "transactional-id", value_name = "ID")]
    pub transactional_ids: Vec<String>,
    /// How the names match: literal (the name, or `*`) or prefixed (names
    /// starting with it); list and delete also take match (every ACL that
    /// applies to the named resource) and any (the name, whatever the
    /// type) [default: literal for create, any for list and delete].
    #[arg(long, value_name = "TYPE", value_parser = parse_pattern_type)]
    pub resource_pattern_type: Option<kctl_client::admin::PatternType>,
}

#[derive(Debug, Args)]
pub(crate) struct AclCreateArgs {
    #[command(flatten)]
    pub resources: AclResourceArgs,
    /// A principal to allow, `Type:Name` (`User:alice`, `User:*`); repeatable.
    #[arg(
        long = "allow-principal",
        value_name = "PRINCIPAL",
        required_unless_present = "deny_principals"
    )]
    pub allow_principals: Vec<String>,
    /// A principal to deny; a DENY wins over every ALLOW; repeatable.
    #[arg(long = "deny-principal", value_name = "PRINCIPAL")]
    pub deny_principals: Vec<String>,
    /// Hosts (IP addresses) the ACLs apply to; repeatable [default: *].
    #[arg(long = "host", visible_aliases = ["allow-host", "deny-host"], value_name = "HOST")]
    pub hosts: Vec<String>,
    /// Operations: all, read, write, create, delete, alter, describe,
    /// cluster-action, describe-configs, alter-configs, idempotent-write,
    /// create-tokens, describe-tokens; repeatable.
    #[arg(long = "operation", value_name = "OP", required = true, value_parser = parse_operation)]
    pub operations: Vec<kctl_client::admin::AclOperation>,
}

#[derive(Debug, Args)]
pub(crate) struct AclFilterArgs {
    #[command(flatten)]
    pub resources: AclResourceArgs,
    /// Only ACLs of this principal (exactly: `User:*` ACLs are not those of
    /// `User:alice`); repeatable.
    #[arg(long = "principal", value_name = "PRINCIPAL")]
    pub principals: Vec<String>,
    /// Only ACLs for this host (exactly).
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
    /// Only ACLs of these operations; repeatable.
    #[arg(long = "operation", value_name = "OP", value_parser = parse_operation)]
    pub operations: Vec<kctl_client::admin::AclOperation>,
    /// Only ALLOW or only DENY ACLs.
    #[arg(long, value_name = "allow|deny", value_parser = parse_permission)]
    pub permission: Option<kctl_client::admin::AclPermissionType>,
}

#[derive(Debug, Args)]
pub(crate) struct AclDeleteArgs {
    #[command(flatten)]
    pub filter: AclFilterArgs,
    /// Do not ask for confirmation.
    #[arg(short, long)]
    pub yes: bool,
}

fn parse_pattern_type(s: &str) -> Result<kctl_client::admin::PatternType, String> {
    use kctl_client::admin::PatternType;
    match s.parse::<PatternType>().map_err(|e| e.to_string())? {
        PatternType::Unknown => Err("unknown is not a pattern type".to_owned()),
        ok => Ok(ok),
    }
}

fn parse_operation(s: &str) -> Result<kctl_client::admin::AclOperation, String> {
    use kctl_client::admin::AclOperation;
    match s.parse::<AclOperation>().map_err(|e| e.to_string())? {
        AclOperation::Unknown | AclOperation::Any => {
            Err(format!("{s} is not an operation an ACL can name"))
        }
        ok => Ok(ok),
    }
}

fn parse_permission(s: &str) -> Result<kctl_client::admin::AclPermissionType, String> {
    use kctl_client::admin::AclPermissionType;
    match s.parse::<AclPermissionType>().map_err(|e| e.to_string())? {
        ok @ (AclPermissionType::Allow | AclPermissionType::Deny) => Ok(ok),
        _ => Err("expected allow or deny".to_owned()),
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum TxnCommand {
    /// List transactional ids and their states.
    #[command(visible_alias = "ls")]
    List(TxnListArgs),
    /// A transactional id's producer, epoch, state and open partitions.
    Describe(TxnDescribeArgs),
    /// The producers active on each partition of a topic, with the first
    /// offset of their open transaction (what holds the LSO back).
    Producers(TxnProducersArgs),
}

#[derive(Debug, Args)]
pub(crate) struct TxnListArgs {
    /// Only transactions in this state (Empty, Ongoing, PrepareCommit,
    /// PrepareAbort, CompleteCommit, CompleteAbort, Dead); repeatable.
    #[arg(long = "state", value_name = "STATE")]
    pub states: Vec<String>,
    /// Only this producer id; repeatable.
    #[arg(long = "producer-id", value_name = "ID")]
    pub producer_ids: Vec<i64>,
}

#[derive(Debug, Args)]
pub(crate) struct TxnDescribeArgs {
    /// The transactional id.
    #[arg(value_name = "TRANSACTIONAL_ID")]
    pub transactional_id: String,
}

#[derive(Debug, Args)]
pub(crate) struct TxnProducersArgs {
    #[command(flatten)]
    pub topic: TopicName,
}

/// `kctl consume --isolation`.
/// `--group-protocol`: `group.protocol` as Java names its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum GroupProtocolArg {
    Classic,
    Consumer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum IsolationArg {
    ReadUncommitted,
    ReadCommitted,
}

/// A topic named by position or, Kafka-style, by `--topic`.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub(crate) struct TopicName {
    /// The topic.
    #[arg(value_name = "TOPIC", add = ArgValueCompleter::new(topics))]
    pub name: Option<String>,
    /// The topic (as kafka-topics.sh spells it).
    #[arg(long = "topic", value_name = "TOPIC", add = ArgValueCompleter::new(topics))]
    pub topic: Option<String>,
}

impl TopicName {
    pub(crate) fn get(&self) -> &str {
        self.name
            .as_deref()
            .or(self.topic.as_deref())
            .expect("clap requires one of TOPIC and --topic")
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum TopicCommand {
    /// Create a topic.
    Create(TopicCreateArgs),
    /// List topics.
    #[command(visible_alias = "ls")]
    List(TopicListArgs),
    /// Describe topics: partitions, leaders, replicas, ISR, configs.
    Describe(TopicDescribeArgs),
    /// Add partitions to a topic or change its configs.
    Alter(TopicAlterArgs),
    /// Delete topics and all their data.
    Delete(TopicDeleteArgs),
}

#[derive(Debug, Args)]
pub(crate) struct TopicCreateArgs {
    #[command(flatten)]
    pub topic: TopicName,
    /// Number of partitions [default: the broker's num.partitions].
    #[arg(short, long)]
    pub partitions: Option<i32>,
    /// Replicas per partition [default: the broker's default.replication.factor].
    #[arg(short, long)]
    pub replication_factor: Option<i16>,
    /// A topic config override; repeat for more.
    #[arg(short, long = "config", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub configs: Vec<(String, String)>,
    /// Succeed without changes if the topic exists.
    #[arg(long)]
    pub if_not_exists: bool,
    /// Ask the controller to check the request without creating the topic.
    #[arg(long)]
    pub validate_only: bool,
}

#[derive(Debug, Args)]
pub(crate) struct TopicListArgs {
    /// Only topics whose name matches this regular expression.
    #[arg(value_name = "PATTERN")]
    pub filter: Option<String>,
    /// Include internal topics such as __consumer_offsets.
    #[arg(long)]
    pub internal: bool,
}

#[derive(Debug, Args)]
pub(crate) struct TopicDescribeArgs {
    /// Topics to describe [default: all].
    #[arg(value_name = "TOPIC", add = ArgValueCompleter::new(topics))]
    pub topics: Vec<String>,
    /// Topics to describe (as kafka-topics.sh spells it); repeatable.
    #[arg(long = "topic", value_name = "TOPIC", add = ArgValueCompleter::new(topics))]
    pub topic_flags: Vec<String>,
    /// Include internal topics when describing all.
    #[arg(long)]
    pub internal: bool,
    #[command(flatten)]
    pub health: HealthFilter,
}

/// kafka-topics.sh's partition health filters, with its definitions.
#[derive(Debug, Args, Default)]
#[group(multiple = false)]
pub(crate) struct HealthFilter {
    /// Only partitions whose ISR is smaller than their replica set.
    #[arg(long, visible_alias = "under-replicated-partitions")]
    pub under_replicated: bool,
    /// Only partitions with fewer in-sync replicas than min.insync.replicas
    /// (or no leader).
    #[arg(long, visible_alias = "under-min-isr-partitions")]
    pub under_min_isr: bool,
    /// Only partitions with exactly min.insync.replicas in-sync replicas.
    #[arg(long, visible_alias = "at-min-isr-partitions")]
    pub at_min_isr: bool,
    /// Only partitions without a leader, or whose leader is not a live broker.
    #[arg(long, visible_alias = "unavailable-partitions")]
    pub unavailable: bool,
}

#[derive(Debug, Args)]
pub(crate) struct TopicAlterArgs {
    #[command(flatten)]
    pub topic: TopicName,
    /// Grow the topic to this many partitions (partitions cannot be removed).
    #[arg(short, long)]
    pub partitions: Option<i32>,
    /// Set a topic config; repeat for more.
    #[arg(short, long = "config", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub configs: Vec<(String, String)>,
    /// Remove a topic config override (back to the broker default); repeatable.
    #[arg(long, value_name = "KEY")]
    pub delete_config: Vec<String>,
    /// Ask the broker to check the change without applying it.
    #[arg(long)]
    pub validate_only: bool,
}

#[derive(Debug, Args)]
pub(crate) struct TopicDeleteArgs {
    /// Topics to delete.
    #[arg(value_name = "TOPIC", required_unless_present = "topic_flags", add = ArgValueCompleter::new(topics))]
    pub topics: Vec<String>,
    /// Topics to delete (as kafka-topics.sh spells it); repeatable.
    #[arg(long = "topic", value_name = "TOPIC", add = ArgValueCompleter::new(topics))]
    pub topic_flags: Vec<String>,
    /// Succeed for topics that do not exist.
    #[arg(long)]
    pub if_exists: bool,
    /// Do not ask for confirmation.
    #[arg(short, long)]
    pub yes: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum EntityType {
    #[value(alias = "topics")]
    Topic,
    #[value(alias = "brokers")]
    Broker,
    // A consumer or share group's configs (Kafka 4.0+), e.g. a share
    // group's `share.record.lock.duration.ms`.
    #[value(alias = "groups")]
    Group,
}

/// Which topic, broker or group a config command acts on.
#[derive(Debug, Args)]
pub(crate) struct Entity {
    /// What kind of thing has the configs.
    #[arg(long, value_enum)]
    pub entity_type: EntityType,
    /// The topic name, broker id or group id.
    #[arg(long, required_unless_present = "entity_default", add = ArgValueCompleter::new(topics))]
    pub entity_name: Option<String>,
    /// The cluster-wide default of every broker (brokers only).
    #[arg(long, conflicts_with = "entity_name")]
    pub entity_default: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Show configs (overrides only, unless --all).
    #[command(visible_alias = "describe")]
    Get(ConfigGetArgs),
    /// Set configs.
    Set(ConfigSetArgs),
    /// Remove config overrides, back to the inherited values.
    Delete(ConfigDeleteArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ConfigGetArgs {
    #[command(flatten)]
    pub entity: Entity,
    /// Only these configs.
    #[arg(value_name = "KEY")]
    pub keys: Vec<String>,
    /// Include configs at their default value.
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ConfigSetArgs {
    #[command(flatten)]
    pub entity: Entity,
    /// The configs to set.
    #[arg(value_name = "KEY=VALUE", required = true, value_parser = parse_key_value)]
    pub configs: Vec<(String, String)>,
    /// Ask the broker to check the change without applying it.
    #[arg(long)]
    pub validate_only: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ConfigDeleteArgs {
    #[command(flatten)]
    pub entity: Entity,
    /// The config overrides to remove.
    #[arg(value_name = "KEY", required = true)]
    pub keys: Vec<String>,
    /// Do not ask for confirmation.
    #[arg(short, long)]
    pub yes: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ClusterCommand {
    /// Cluster id, controller and brokers.
    Describe,
}

#[derive(Debug, Args)]
pub(crate) struct OffsetsArgs {
    #[command(flatten)]
    pub topic: TopicName,
    /// Only these partitions; repeatable.
    #[arg(short, long = "partition", value_name = "N")]
    pub partitions: Vec<i32>,
    /// Look up one offset per partition: earliest (-2), latest (-1),
    /// max-timestamp (-3), or a timestamp in ms since the epoch (the first
    /// offset at or after it).
    #[arg(long, value_parser = parse_time)]
    pub time: Option<OffsetTime>,
}

/// What `offsets --time` looks up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OffsetTime {
    Earliest,
    Latest,
    MaxTimestamp,
    Timestamp(i64),
}

#[derive(Debug, Subcommand)]
pub(crate) enum GroupCommand {
    /// List consumer groups.
    #[command(visible_alias = "ls")]
    List(GroupListArgs),
    /// Members, assignments, committed offsets and lag of groups.
    Describe(GroupDescribeArgs),
    /// Delete groups (they must have no active members).
    Delete(GroupDeleteArgs),
    /// Delete a group's committed offsets of some partitions.
    DeleteOffsets(GroupDeleteOffsetsArgs),
    /// Move a group's committed offsets. Shows the plan unless --execute.
    ResetOffsets(GroupResetOffsetsArgs),
}

#[derive(Debug, Args)]
pub(crate) struct GroupListArgs {
    /// Only groups in this state (Stable, Empty, PreparingRebalance,
    /// CompletingRebalance, Dead); repeatable.
    #[arg(long = "state", value_name = "STATE")]
    pub states: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct GroupDescribeArgs {
    /// The groups.
    #[arg(value_name = "GROUP", required_unless_present = "group_flags", add = ArgValueCompleter::new(groups))]
    pub groups: Vec<String>,
    /// The groups (as kafka-consumer-groups.sh spells it); repeatable.
    #[arg(long = "group", value_name = "GROUP", add = ArgValueCompleter::new(groups))]
    pub group_flags: Vec<String>,
    /// Only the per-partition offsets and lag, without group and member tables.
    #[arg(long)]
    pub lag_only: bool,
    /// Measure lag against the last stable offset (what a read_committed
    /// consumer can reach) instead of the high watermark.
    #[arg(long)]
    pub read_committed: bool,
}

#[derive(Debug, Args)]
pub(crate) struct GroupDeleteArgs {
    /// The groups.
    #[arg(value_name = "GROUP", required_unless_present = "group_flags", add = ArgValueCompleter::new(groups))]
    pub groups: Vec<String>,
    /// The groups (as kafka-consumer-groups.sh spells it); repeatable.
    #[arg(long = "group", value_name = "GROUP", add = ArgValueCompleter::new(groups))]
    pub group_flags: Vec<String>,
    /// Do not ask for confirmation.
    #[arg(short, long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub(crate) struct GroupDeleteOffsetsArgs {
    /// The group.
    #[arg(value_name = "GROUP", add = ArgValueCompleter::new(groups))]
    pub group: String,
    /// TOPIC (every partition) or TOPIC:P,P,...; repeatable.
    #[arg(long = "topic", value_name = "TOPIC[:PARTITIONS]", required = true, value_parser = parse_topic_partitions, add = ArgValueCompleter::new(topics))]
    pub topics: Vec<TopicPartitions>,
    /// Do not ask for confirmation.
    #[arg(short, long)]
    pub yes: bool,
}

/// A topic and, optionally, some of its partitions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TopicPartitions {
    pub topic: String,
    /// Empty: every partition.
    pub partitions: Vec<i32>,
}

/// Where `group reset-offsets` moves offsets to.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub(crate) struct ResetTarget {
    /// The log start offset.
    #[arg(long)]
    pub to_earliest: bool,
    /// The log end offset.
    #[arg(long)]
    pub to_latest: bool,
    /// This offset (kept within the log's range).
    #[arg(long, value_name = "OFFSET")]
    pub to_offset: Option<i64>,
    /// The first offset at or after this time: 2024-05-01T12:00:00Z,
    /// 2024-05-01T12:00:00.000+02:00, or milliseconds since the epoch.
    #[arg(long, value_name = "DATETIME", value_parser = parse_datetime_ms)]
    pub to_datetime: Option<i64>,
    /// The first offset at or after this long ago: PT1H30M, P1DT2H, 90m, 45s.
    #[arg(long, value_name = "DURATION", value_parser = parse_lookback)]
    pub by_duration: Option<Duration>,
    /// Move each committed offset by N (negative: back), kept within the log.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub shift_by: Option<i64>,
    /// The offsets another group has committed (its partitions, or those
    /// of --topic), kept within the log.
    #[arg(long, value_name = "GROUP", add = ArgValueCompleter::new(groups))]
    pub to_group: Option<String>,
    /// The new offsets of a plan file: what the dry run prints with -o json.
    #[arg(long, value_name = "PLAN.json")]
    pub from_file: Option<PathBuf>,
    /// Restore the offsets the group had before the last --execute (each
    /// --execute saves them in the cache directory); with --execute again,
    /// undoing the undo.
    #[arg(long)]
    pub undo: bool,
}

#[derive(Debug, Args)]
pub(crate) struct GroupResetOffsetsArgs {
    /// The group.
    #[arg(value_name = "GROUP", add = ArgValueCompleter::new(groups))]
    pub group: String,
    /// TOPIC (every partition) or TOPIC:P,P,...; repeatable.
    #[arg(long = "topic", value_name = "TOPIC[:PARTITIONS]", value_parser = parse_topic_partitions, required_unless_present_any = ["all_topics", "to_group", "from_file", "undo"], conflicts_with_all = ["from_file", "undo"], add = ArgValueCompleter::new(topics))]
    pub topics: Vec<TopicPartitions>,
    /// Every partition the group has committed offsets for.
    #[arg(long, conflicts_with_all = ["topics", "from_file", "undo"])]
    pub all_topics: bool,
    #[command(flatten)]
    pub target: ResetTarget,
    /// Apply the plan (without it, only the plan is shown).
    #[arg(long)]
    pub execute: bool,
    /// Only show the plan (the default; for kafka-consumer-groups.sh habits).
    #[arg(long, conflicts_with = "execute")]
    pub dry_run: bool,
    /// Do not ask for confirmation before --execute.
    #[arg(short, long)]
    pub yes: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ShareCommand {
    /// Read records as a member of a share group: each record goes to one
    /// of the group's members, and is acknowledged (accepted, released for
    /// redelivery, or rejected) once printed.
    Consume(ShareConsumeArgs),
    /// Members, assignments, start offsets and lag of a share group.
    Describe(ShareDescribeArgs),
    /// Move a share group's start offsets. Shows the plan unless --execute.
    ResetOffsets(ShareResetOffsetsArgs),
    /// Delete a share group's state for some topics.
    DeleteOffsets(ShareDeleteOffsetsArgs),
    /// Delete share groups (they must have no members).
    Delete(ShareDeleteArgs),
}

/// `kctl share consume --ack`: what every printed record is acknowledged as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ShareAckArg {
    /// Processed: never delivered again.
    Accept,
    /// Given back: delivered again, perhaps to another member.
    Release,
    /// Poison: archived, never delivered again.
    Reject,
}

#[derive(Debug, Args)]
pub(crate) struct ShareConsumeArgs {
    #[command(flatten)]
    pub topic: TopicName,
    /// The share group.
    #[arg(long, short = 'g', value_name = "GROUP", add = ArgValueCompleter::new(groups))]
    pub group: String,
    /// How each record is acknowledged once printed.
    #[arg(long, value_enum, default_value = "accept")]
    pub ack: ShareAckArg,
    /// Stop after this many records (records acquired beyond it are
    /// released at exit, for other members).
    #[arg(long, short = 'n', value_name = "N")]
    pub max_messages: Option<u64>,
    /// Stop once no record has arrived for this long (e.g. 10s); without
    /// it, run until Ctrl-C or --max-messages.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub idle_timeout: Option<Duration>,
}

#[derive(Debug, Args)]
pub(crate) struct ShareDescribeArgs {
    /// The share group.
    #[arg(value_name = "GROUP", add = ArgValueCompleter::new(groups))]
    pub group: String,
}

/// Where `share reset-offsets` moves start offsets to.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub(crate) struct ShareResetTarget {
    /// The log start offset.
    #[arg(long)]
    pub to_earliest: bool,
    /// The log end offset (skip everything there now).
    #[arg(long)]
    pub to_latest: bool,
    /// This offset (kept within the log's range).
    #[arg(long, value_name = "OFFSET")]
    pub to_offset: Option<i64>,
    /// The first offset at or after this time: 2024-05-01T12:00:00Z,
    /// 2024-05-01T12:00:00.000+02:00, or milliseconds since the epoch.
    #[arg(long, value_name = "DATETIME", value_parser = parse_datetime_ms)]
    pub to_datetime: Option<i64>,
    /// The first offset at or after this long ago: PT1H30M, P1DT2H, 90m, 45s.
    #[arg(long, value_name = "DURATION", value_parser = parse_lookback)]
    pub by_duration: Option<Duration>,
    /// Move each start offset by N (negative: back), kept within the log.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub shift_by: Option<i64>,
}

#[derive(Debug, Args)]
pub(crate) struct ShareResetOffsetsArgs {
    /// The share group.
    #[arg(value_name = "GROUP", add = ArgValueCompleter::new(groups))]
    pub group: String,
    /// Every partition of this topic; repeatable.
    #[arg(long = "topic", value_name = "TOPIC", required_unless_present = "all_topics", add = ArgValueCompleter::new(topics))]
    pub topics: Vec<String>,
    /// Every topic the group has start offsets for.
    #[arg(long, conflicts_with = "topics")]
    pub all_topics: bool,
    #[command(flatten)]
    pub target: ShareResetTarget,
    /// Apply the plan (without it, only the plan is shown).
    #[arg(long)]
    pub execute: bool,
    /// Only show the plan (the default; for kafka-share-groups.sh habits).
    #[arg(long, conflicts_with = "execute")]
    pub dry_run: bool,
    /// Do not ask for confirmation before --execute.
    #[arg(short, long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ShareDeleteOffsetsArgs {
    /// The share group.
    #[arg(value_name = "GROUP", add = ArgValueCompleter::new(groups))]
    pub group: String,
    /// A topic whose share state goes; repeatable.
    #[arg(long = "topic", value_name = "TOPIC", required = true, add = ArgValueCompleter::new(topics))]
    pub topics: Vec<String>,
    /// Do not ask for confirmation.
    #[arg(short, long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ShareDeleteArgs {
    /// The share groups.
    #[arg(value_name = "GROUP", required = true, add = ArgValueCompleter::new(groups))]
    pub groups: Vec<String>,
    /// Do not ask for confirmation.
    #[arg(short, long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub(crate) struct TuiArgs {
    /// How often the dashboard reads the cluster (e.g. 500ms, 5s).
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub refresh_interval: Duration,
    /// Take one snapshot, print the health report (like `kctl health`) and
    /// exit with its status instead of opening the dashboard.
    #[arg(long)]
    pub once: bool,
    /// Measure lag against the last stable offset (read_committed consumers).
    #[arg(long)]
    pub read_committed: bool,
    /// Records the Messages screen keeps in memory; older ones are dropped.
    #[arg(long, default_value_t = kctl_tui::messages::DEFAULT_BUFFER_RECORDS as u64, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub buffer_records: u64,
}

#[derive(Debug, Args)]
pub(crate) struct HealthArgs {
    /// Snapshots to take before judging. Consumer statuses (stalled,
    /// lagging) need a window; one snapshot judges replicas and lag only.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub samples: u32,
    /// Time between snapshots, and between evaluations with --watch.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub interval: Duration,
    /// Measure lag against the last stable offset (read_committed consumers).
    #[arg(long)]
    pub read_committed: bool,
    /// Evaluate again every --interval until Ctrl-C (which exits with the
    /// last evaluation's code); an unreachable cluster is reported as
    /// UNKNOWN and tried again.
    #[arg(short, long)]
    pub watch: bool,
    /// Watch until the cluster is healthy (OK), then exit 0: for scripts
    /// that wait for a cluster to come up. Implies --watch.
    #[arg(long)]
    pub exit_when_healthy: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum InputFormat {
    /// One record per line: the line is the value (or KEY<sep>VALUE).
    Text,
    /// One JSON object per line: {"key", "value", "headers", "partition",
    /// "timestamp"} (see docs/cli.md).
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum AcksArg {
    #[value(name = "0")]
    None,
    #[value(name = "1")]
    Leader,
    #[value(name = "all", alias = "-1")]
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CompressionArg {
    None,
    Gzip,
    Snappy,
    Lz4,
    Zstd,
}

#[derive(Debug, Args)]
pub(crate) struct FindArgs {
    #[command(flatten)]
    pub topic: TopicName,
    /// The key to look for (its UTF-8 bytes, matched exactly).
    #[arg(short, long)]
    pub key: String,
    /// Only records at or after TIME: RFC 3339 (2024-05-01T12:00:00Z), ms
    /// since the epoch, or a duration ago (90s, 30m, 2h, 7d).
    #[arg(long, value_name = "TIME", value_parser = parse_since_ms)]
    pub since: Option<i64>,
    /// The partitioner that placed the records.
    #[arg(long, value_enum, default_value = "murmur2")]
    pub partitioner: KeyPartitionerArg,
    /// Stop after this many matches.
    #[arg(short = 'c', long, value_name = "N")]
    pub max_matches: Option<u64>,
}

/// Partitioners that place a keyed record by a hash of its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum KeyPartitionerArg {
    /// Java's default, librdkafka's murmur2 and murmur2_random, franz-go,
    /// kctl.
    #[value(alias = "default", alias = "murmur2-random", alias = "java")]
    Murmur2,
    /// librdkafka's default (consistent_random) and consistent: CRC-32 of
    /// the key (kcat, confluent-kafka-python, confluent-kafka-go).
    #[value(alias = "consistent-random", alias = "crc32")]
    Consistent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum PartitionerArg {
    /// murmur2 of the key (as Java and librdkafka's murmur2_random);
    /// sticky batches for records without a key.
    #[value(alias = "murmur2", alias = "murmur2-random")]
    Default,
    RoundRobin,
    Random,
    /// Sticky batches for every record, ignoring keys.
    UniformSticky,
}

#[derive(Debug, Args)]
pub(crate) struct ProduceArgs {
    #[command(flatten)]
    pub topic: TopicName,
    /// Read records from this file instead of stdin (shows a progress bar).
    #[arg(short, long)]
    pub file: Option<PathBuf>,
    /// How each line is read.
    #[arg(long, value_enum, default_value = "text")]
    pub input: InputFormat,
    /// Read records with a format string, the same tokens, escapes and
    /// modifiers as `consume --format`, e.g. '%k %v\n' or
    /// '%K %k %S %s{hex}\n' (length tokens read binary; -1 is null). The
    /// input is read whole, not line by line.
    #[arg(long, value_name = "FORMAT", value_parser = parse_format, conflicts_with_all = ["input", "key_separator", "properties"])]
    pub format: Option<Template>,
    /// How --format reads %T: ms (the default) or RFC 3339.
    #[arg(long, value_enum, default_value = "ms", requires = "format")]
    pub timestamps: TimestampStyle,
    /// Split each text line at the first SEP into key and value.
    #[arg(short = 'K', long, value_name = "SEP")]
    pub key_separator: Option<String>,
    /// Kafka console-producer properties: parse.key=true, key.separator=SEP,
    /// null.marker=TEXT (a value equal to it is a tombstone); repeatable.
    #[arg(long = "property", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub properties: Vec<(String, String)>,
    /// A header added to every record; repeatable.
    #[arg(short = 'H', long = "header", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub headers: Vec<(String, String)>,
    /// Send every record to this partition.
    #[arg(short, long, conflicts_with = "partitioner")]
    pub partition: Option<i32>,
    /// How records without a partition are placed.
    #[arg(long, value_enum)]
    pub partitioner: Option<PartitionerArg>,
    /// Acknowledgements to wait for.
    #[arg(long, value_enum, default_value = "all")]
    pub acks: AcksArg,
    /// Compression codec of record batches.
    #[arg(short = 'z', long, value_enum, default_value = "none")]
    pub compression: CompressionArg,
    /// Idempotent delivery (no duplicates on retry) [default: on with acks=all].
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub idempotence: Option<bool>,
    /// At most this many records per second.
    #[arg(long, value_name = "MSGS_PER_S")]
    pub rate: Option<f64>,
    /// Show a progress bar even when reading stdin.
    #[arg(long)]
    pub progress: bool,
    /// Produce inside transactions of this transactional id: committed
    /// every --batch records and at the end of input, aborted on an error
    /// or Ctrl-C (read_committed consumers then see none of it).
    #[arg(long, value_name = "ID")]
    pub transactional_id: Option<String>,
    /// Records per transaction [default: all input in one].
    #[arg(long, value_name = "N", requires = "transactional_id")]
    pub batch: Option<u64>,
}

#[derive(Debug, Args)]
#[command(
    after_help = "--format tokens: %t topic, %p partition, %o offset, %k key, %s value, \
%T timestamp (ms, or RFC 3339 with --timestamps rfc3339), %h headers (name=value,...), \
%K/%S key/value length in bytes (-1 for null), %% a percent sign; escapes \\n \\t \\r \\0 \\\\. \
No newline is added: end the format with \\n."
)]
pub(crate) struct ConsumeArgs {
    /// Topics to read.
    #[arg(value_name = "TOPIC", add = ArgValueCompleter::new(topics))]
    pub topics: Vec<String>,
    /// Topics to read (as kafka-console-consumer.sh spells it); repeatable.
    #[arg(long = "topic", value_name = "TOPIC", add = ArgValueCompleter::new(topics))]
    pub topic_flags: Vec<String>,
    /// Every topic whose whole name matches this regular expression
    /// (instead of naming topics).
    #[arg(long, value_name = "REGEX", conflicts_with_all = ["topics", "topic_flags"])]
    pub pattern: Option<String>,
    /// Consume as a member of this group: partitions are shared with the
    /// group's other members, positions start from its committed offsets,
    /// and what was printed is committed.
    #[arg(short, long, value_name = "GROUP", conflicts_with = "partitions", add = ArgValueCompleter::new(groups))]
    pub group: Option<String>,
    /// The group membership protocol (`group.protocol`): classic
    /// (JoinGroup/SyncGroup, the default) or consumer (KIP-848: the broker
    /// assigns, rebalances are incremental; Kafka 4.0+ or broker-lite).
    #[arg(long, value_name = "PROTOCOL", value_enum, default_value_t = GroupProtocolArg::Classic, requires = "group")]
    pub group_protocol: GroupProtocolArg,
    /// Only these partitions; repeatable or comma-separated.
    #[arg(short, long = "partition", value_name = "P", value_delimiter = ',')]
    pub partitions: Vec<i32>,
    /// Start at the log start of each partition (same as --offset beginning).
    #[arg(long, conflicts_with = "offset")]
    pub from_beginning: bool,
    /// Where to start in each partition: beginning, end (the default), N
    /// (that offset), -N (the last N records), or @TIME (the first record
    /// at or after TIME: ms since the epoch or RFC 3339 such as
    /// 2024-05-01T12:00:00Z).
    #[arg(long, value_name = "SPEC", allow_hyphen_values = true, value_parser = parse_start)]
    pub offset: Option<StartSpec>,
    /// Stop after this many records.
    #[arg(short = 'c', long, value_name = "N", visible_alias = "count")]
    pub max_messages: Option<u64>,
    /// Stop when every partition reaches the end it had when kctl started
    /// (the high watermark, or the last stable offset with
    /// --read-committed). Correct with offset gaps, compaction and
    /// transaction markers.
    #[arg(short = 'e', long)]
    pub exit_at_end: bool,
    /// Stop each partition at its first record at or after TIME (ms since
    /// the epoch or RFC 3339, with or without a leading @); that record is
    /// not printed.
    #[arg(long, value_name = "TIME", value_parser = parse_until)]
    pub until: Option<i64>,
    /// kcat-style output format, e.g. '%t/%p@%o %k=%s\n' (tokens below).
    #[arg(short, long, value_name = "FORMAT", value_parser = parse_format)]
    pub format: Option<Template>,
    /// Print only records this expression keeps; repeatable (all must
    /// hold). key=TEXT, key~REGEX, value=TEXT, value~REGEX,
    /// header.NAME=TEXT, header.NAME~REGEX, header.NAME, jq:EXPR (on JSON
    /// values, truthy keeps); != and !~ negate; ' && ' joins conditions.
    #[arg(long = "filter", value_name = "EXPR")]
    pub filters: Vec<String>,
    /// Print each key before its value, followed by SEP.
    #[arg(short = 'K', long, value_name = "SEP")]
    pub key_separator: Option<String>,
    /// Kafka console-consumer properties: print.key, print.timestamp,
    /// print.partition, print.offset, print.headers (true/false),
    /// key.separator, null.literal; repeatable.
    #[arg(long = "property", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub properties: Vec<(String, String)>,
    /// How timestamps are printed by %T and print.timestamp (JSON output
    /// always has ms, so it can be produced again).
    #[arg(long, value_enum, default_value = "ms")]
    pub timestamps: TimestampStyle,
    /// Read only committed records of transactional producers.
    #[arg(long)]
    pub read_committed: bool,
    /// Which records of transactional producers to read (read-committed is
    /// the same as --read-committed).
    #[arg(
        long,
        value_enum,
        value_name = "LEVEL",
        conflicts_with = "read_committed"
    )]
    pub isolation: Option<IsolationArg>,
    /// A Kafka consumer property (e.g. session.timeout.ms=10000); kctl's own
    /// flags win over it; repeatable.
    #[arg(short = 'X', long = "consumer-property", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub consumer_properties: Vec<(String, String)>,
}

/// Where `consume` starts in each partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StartSpec {
    Beginning,
    End,
    Offset(i64),
    /// The last N records.
    Last(i64),
    Timestamp(i64),
}

/// `beginning`, `end`, `N`, `-N` or `@TIME`.
pub(crate) fn parse_start(text: &str) -> Result<StartSpec, String> {
    let text = text.trim();
    match text {
        "beginning" | "earliest" | "start" => return Ok(StartSpec::Beginning),
        "end" | "latest" => return Ok(StartSpec::End),
        _ => {}
    }
    if let Some(time) = text.strip_prefix('@') {
        return parse_datetime_ms(time).map(StartSpec::Timestamp);
    }
    match text.parse::<i64>() {
        Ok(n) if n >= 0 => Ok(StartSpec::Offset(n)),
        Ok(n) => Ok(StartSpec::Last(n.saturating_neg())),
        Err(_) => Err(format!(
            "expected beginning, end, an offset N, -N (the last N records) or @TIME \
             (ms since the epoch or RFC 3339, e.g. @2024-05-01T12:00:00Z), got '{text}'"
        )),
    }
}

fn parse_until(text: &str) -> Result<i64, String> {
    let text = text.trim();
    parse_datetime_ms(text.strip_prefix('@').unwrap_or(text))
}

#[derive(Debug, Subcommand)]
pub(crate) enum ContextCommand {
    /// List contexts; the current one is marked.
    #[command(visible_alias = "ls")]
    List,
    /// Make a context the current one.
    Use(ContextNameArgs),
    /// Add (or replace) a context.
    Add(ContextAddArgs),
    /// Remove a context.
    #[command(visible_alias = "rm")]
    Remove(ContextNameArgs),
    /// Import the clusters of kaf, rpk or kafkactl (brokers, TLS, SASL) as
    /// contexts.
    Import(ContextImportArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ContextImportArgs {
    /// Whose config file it is.
    #[arg(value_enum)]
    pub tool: ImportTool,
    /// The file [default: kaf ~/.kaf/config, rpk ~/.config/rpk/rpk.yaml,
    /// kafkactl ~/.config/kafkactl/config.yml].
    pub file: Option<PathBuf>,
    /// Put this before every imported name (e.g. `kaf-`).
    #[arg(long, default_value = "")]
    pub prefix: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ImportTool {
    Kaf,
    Rpk,
    Kafkactl,
}

#[derive(Debug, Args)]
pub(crate) struct ContextNameArgs {
    #[arg(add = ArgValueCompleter::new(contexts))]
    pub name: String,
}

#[derive(Debug, Args)]
pub(crate) struct ContextAddArgs {
    pub name: String,
    /// The context's bootstrap servers, comma-separated host:port.
    #[arg(long, value_name = "HOST:PORT,...")]
    pub brokers: String,
    /// SASL mechanism (stored for when kctl speaks SASL).
    #[arg(long, value_enum)]
    pub sasl_mechanism: Option<crate::settings::SaslMechanism>,
    /// SASL user name.
    #[arg(long, requires = "sasl_mechanism")]
    pub sasl_username: Option<String>,
    /// Read the SASL password from this environment variable.
    #[arg(
        long,
        value_name = "VAR",
        requires = "sasl_mechanism",
        conflicts_with = "sasl_password_command"
    )]
    pub sasl_password_env: Option<String>,
    /// Read the SASL password from this command's stdout.
    #[arg(long, value_name = "COMMAND", requires = "sasl_mechanism")]
    pub sasl_password_command: Option<String>,
    /// CA certificates (PEM) to trust; enables TLS.
    #[arg(long, value_name = "FILE")]
    pub tls_ca_file: Option<PathBuf>,
    /// Make it the current context.
    #[arg(long = "use")]
    pub make_current: bool,
}

#[derive(Debug, Args)]
pub(crate) struct CompletionArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// The subcommand to document, e.g. `topic create` [default: kctl itself].
    #[arg(value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum BrokerCommand {
    /// Run broker-lite in the foreground until Ctrl-C; with --nodes N, a
    /// local cluster of N brokers.
    Start(BrokerStartArgs),
    /// Fault injection on a running local cluster: stop, start, kill,
    /// pause, resume or slow one node.
    Node {
        #[command(subcommand)]
        command: BrokerNodeCommand,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum BrokerNodeCommand {
    /// Stop a node cleanly: it hands its leaderships over, closes its
    /// listener and stops replicating.
    Stop(BrokerNodeArgs),
    /// Start a stopped or killed node (it recovers its log and catches up),
    /// or thaw a paused one.
    Start(BrokerNodeArgs),
    /// kill -9 a node: what it had not written is lost.
    Kill(BrokerNodeArgs),
    /// Freeze a node (SIGSTOP) without closing its sockets.
    Pause(BrokerNodeArgs),
    /// Thaw a paused node.
    Resume(BrokerNodeArgs),
    /// Delay every response of a node (0 ends it).
    Slow(BrokerNodeSlowArgs),
}

#[derive(Debug, Args)]
pub(crate) struct BrokerNodeArgs {
    /// The node id (1..N).
    #[arg(value_name = "ID")]
    pub id: i32,
    /// The cluster's data directory (as given to `kctl broker start --nodes`).
    #[arg(long, default_value = "./kctl-data")]
    pub data_dir: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct BrokerNodeSlowArgs {
    #[command(flatten)]
    pub node: BrokerNodeArgs,
    /// Milliseconds added to each response.
    #[arg(long, value_name = "MS")]
    pub delay_ms: u64,
}

#[derive(Debug, Args)]
pub(crate) struct BrokerStartArgs {
    /// Where topics and their logs are kept.
    #[arg(long, default_value = "./kctl-data")]
    pub data_dir: PathBuf,
    /// Address to listen on. Loopback by default; use 0.0.0.0:9092 to expose it.
    #[arg(long, default_value = "127.0.0.1:9092")]
    pub listen: SocketAddr,
    /// host:port given to clients in Metadata (defaults to the listen address).
    #[arg(long)]
    pub advertise: Option<String>,
    /// A Kafka-style properties file (server.properties keys); flags override it.
    #[arg(long, visible_alias = "properties", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// When to fsync: none (page cache: survives a crash of the broker, not a
    /// power cut), every-batch (before each acknowledgement), or an interval
    /// like 100ms.
    #[arg(long, default_value = "none")]
    pub flush: String,
    /// Run a local cluster of N brokers (node ids 1..N, ports from --listen
    /// up, data in DATA_DIR/node-ID), with a controller in this process.
    /// Prints BOOTSTRAP=host:port,... when every node serves.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub nodes: u16,
    /// Internal: run as node ID of a cluster (set by the cluster's supervisor).
    #[arg(long, hide = true, requires = "controller")]
    pub node_id: Option<i32>,
    /// Internal: the cluster controller to register with.
    #[arg(long, hide = true, requires = "node_id")]
    pub controller: Option<SocketAddr>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum PerfCommand {
    /// Send N records of a given size and report throughput and send→ack
    /// latency (flags as kafka-producer-perf-test).
    Produce(PerfProduceArgs),
    /// Read N records from the beginning of a topic and report throughput
    /// and poll latency (as kafka-consumer-perf-test).
    Consume(PerfConsumeArgs),
    /// Produce→consume round trips, one record at a time, and report their
    /// latency percentiles (as Kafka's EndToEndLatency tool).
    E2e(PerfE2eArgs),
}

#[derive(Debug, Args)]
pub(crate) struct PerfProduceArgs {
    #[command(flatten)]
    pub topic: TopicName,
    /// Records to send.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub num_records: u64,
    /// Bytes of each record's value (random, so nothing compresses).
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..=16_777_216))]
    pub record_size: u64,
    /// At most this many records per second; -1: unlimited.
    #[arg(long, value_name = "MSGS_PER_S", default_value_t = -1.0, allow_negative_numbers = true)]
    pub throughput: f64,
    /// Acknowledgements to wait for.
    #[arg(long, value_enum, default_value = "1")]
    pub acks: AcksArg,
    /// Compression codec of record batches.
    #[arg(long, value_enum, default_value = "none")]
    pub compression: CompressionArg,
    /// How long a batch waits for more records.
    #[arg(long, value_name = "MS", default_value_t = 5)]
    pub linger_ms: u64,
    /// Producer properties (batch.size=1000000 ...), applied before the
    /// flags above.
    #[arg(long, value_name = "KEY=VALUE", num_args = 1.., value_parser = parse_key_value)]
    pub producer_props: Vec<(String, String)>,
    /// Print the figures as one JSON object (the same as `-o json`).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct PerfConsumeArgs {
    #[command(flatten)]
    pub topic: TopicName,
    /// Records to read.
    #[arg(long, visible_alias = "messages", value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub num_records: u64,
    /// Consumer properties (KEY=VALUE ...), e.g.
    /// `max.partition.fetch.bytes=8388608` (kafka-consumer-perf-test's
    /// `--consumer.config`, inline).
    #[arg(long, value_name = "KEY=VALUE", num_args = 1.., value_parser = parse_key_value)]
    pub consumer_props: Vec<(String, String)>,
    /// Print the figures as one JSON object (the same as `-o json`).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct PerfE2eArgs {
    #[command(flatten)]
    pub topic: TopicName,
    /// Round trips to make.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub num_records: u64,
    /// Bytes of each record's value (random).
    #[arg(long, value_name = "BYTES", default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=16_777_216))]
    pub record_size: u64,
    /// Acknowledgements each send waits for.
    #[arg(long, value_enum, default_value = "1")]
    pub acks: AcksArg,
    /// Producer properties (KEY=VALUE ...), applied before the flags above.
    #[arg(long, value_name = "KEY=VALUE", num_args = 1.., value_parser = parse_key_value)]
    pub producer_props: Vec<(String, String)>,
    /// Print the figures as one JSON object (the same as `-o json`).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Port of the embedded broker on 127.0.0.1 [default: a free one].
    #[arg(long)]
    pub port: Option<u16>,
    /// Keep the broker's data here [default: a temporary directory, removed
    /// at the end].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Stop after this long [default: when the dashboard is closed; 30s
    /// without a terminal].
    #[arg(long, value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Between the tables printed without a terminal.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub interval: Duration,
    /// Records per second the demo producer writes.
    #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub rate: u32,
    /// Run a local cluster of N broker processes instead of one embedded
    /// broker; topics get replication factor min(N, 3).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=9))]
    pub nodes: u16,
    /// With --nodes: stop a node every so often and start it again, so ISR
    /// shrink and expand and leader moves show live. Node 1 (the group
    /// coordinator) is spared: group state is not replicated yet.
    #[arg(long, requires = "nodes")]
    pub chaos: bool,
    /// With --chaos: how long a node stays up, and then down.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub chaos_interval: Duration,
}

/// `KEY=VALUE`, split at the first `=`; the key must not be empty.
pub(crate) fn parse_key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_owned(), value.to_owned()))
        }
        _ => Err(format!(
            "expected KEY=VALUE (e.g. retention.ms=86400000), got '{text}'"
        )),
    }
}

/// `TOPIC` or `TOPIC:0,1,2`.
pub(crate) fn parse_topic_partitions(text: &str) -> Result<TopicPartitions, String> {
    let (topic, partitions) = match text.rsplit_once(':') {
        Some((topic, list)) => {
            let partitions = list
                .split(',')
                .map(|p| match p.trim().parse::<i32>() {
                    Ok(n) if n >= 0 => Ok(n),
                    _ => Err(format!(
                        "expected TOPIC or TOPIC:P,P,... with partition numbers, got '{text}'"
                    )),
                })
                .collect::<Result<Vec<i32>, String>>()?;
            (topic, partitions)
        }
        None => (text, Vec::new()),
    };
    if topic.is_empty() {
        return Err(format!("no topic name in '{text}'"));
    }
    Ok(TopicPartitions {
        topic: topic.to_owned(),
        partitions,
    })
}

fn parse_time(text: &str) -> Result<OffsetTime, String> {
    match text {
        "earliest" | "-2" => Ok(OffsetTime::Earliest),
        "latest" | "-1" => Ok(OffsetTime::Latest),
        "max-timestamp" | "-3" => Ok(OffsetTime::MaxTimestamp),
        other => match other.parse::<i64>() {
            Ok(ms) if ms >= 0 => Ok(OffsetTime::Timestamp(ms)),
            _ => Err(format!(
                "expected earliest, latest, max-timestamp or a timestamp in ms, got '{other}'"
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_tree_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn broker_start_defaults_to_loopback() {
        let cli = Cli::try_parse_from(["kctl", "broker", "start"]).unwrap();
        let Command::Broker {
            command: BrokerCommand::Start(args),
        } = cli.command
        else {
            panic!("parsed as another command");
        };
        assert!(args.listen.ip().is_loopback());
        assert!(Cli::try_parse_from(["kctl", "broker", "start", "--listen", "nonsense"]).is_err());
    }

    #[test]
    fn topics_are_named_by_position_or_by_kafkas_flag() {
        for argv in [
            &["kctl", "topic", "create", "orders"][..],
            &["kctl", "topic", "create", "--topic", "orders"][..],
        ] {
            let cli = Cli::try_parse_from(argv).unwrap();
            let Command::Topic {
                command: TopicCommand::Create(args),
            } = cli.command
            else {
                panic!("parsed as another command");
            };
            assert_eq!(args.topic.get(), "orders");
        }
        assert!(Cli::try_parse_from(["kctl", "topic", "create"]).is_err());
        assert!(Cli::try_parse_from(["kctl", "topic", "create", "a", "--topic", "b"]).is_err());
    }

    #[test]
    fn key_values_durations_and_times_parse_strictly() {
        assert_eq!(
            parse_key_value("retention.ms=1=2").unwrap(),
            ("retention.ms".into(), "1=2".into())
        );
        assert!(parse_key_value("retention.ms").is_err());
        assert!(parse_key_value("=1").is_err());
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("soon").is_err());
        assert_eq!(parse_time("-2").unwrap(), OffsetTime::Earliest);
        assert_eq!(
            parse_time("1700000000000").unwrap(),
            OffsetTime::Timestamp(1_700_000_000_000)
        );
        assert!(parse_time("yesterday").is_err());
    }

    #[test]
    fn topic_partition_lists_parse() {
        assert_eq!(
            parse_topic_partitions("orders:0,2").unwrap(),
            TopicPartitions {
                topic: "orders".into(),
                partitions: vec![0, 2]
            }
        );
        assert!(
            parse_topic_partitions("orders")
                .unwrap()
                .partitions
                .is_empty()
        );
        assert!(parse_topic_partitions("orders:x").is_err());
    }

    #[test]
    fn reset_offsets_takes_exactly_one_target() {
        assert!(
            Cli::try_parse_from(["kctl", "group", "reset-offsets", "g", "--all-topics"]).is_err()
        );
        assert!(
            Cli::try_parse_from([
                "kctl",
                "group",
                "reset-offsets",
                "g",
                "--all-topics",
                "--to-earliest",
                "--to-latest"
            ])
            .is_err()
        );
        assert!(
            Cli::try_parse_from([
                "kctl",
                "group",
                "reset-offsets",
                "g",
                "--topic",
                "t",
                "--shift-by",
                "-5"
            ])
            .is_ok()
        );
    }

    #[test]
    fn consume_start_specs_parse_strictly() {
        assert_eq!(parse_start("beginning").unwrap(), StartSpec::Beginning);
        assert_eq!(parse_start("end").unwrap(), StartSpec::End);
        assert_eq!(parse_start("42").unwrap(), StartSpec::Offset(42));
        assert_eq!(parse_start("-5").unwrap(), StartSpec::Last(5));
        assert_eq!(
            parse_start("@1700000000000").unwrap(),
            StartSpec::Timestamp(1_700_000_000_000)
        );
        assert_eq!(
            parse_start("@1970-01-01T00:00:01Z").unwrap(),
            StartSpec::Timestamp(1000)
        );
        assert!(parse_start("middle").is_err());
        assert!(parse_start("@yesterday").is_err());
        assert!(parse_start("4.5").is_err());
        let cli = Cli::try_parse_from([
            "kctl", "consume", "t", "--offset", "-3", "-p", "0,2", "-p", "4",
        ])
        .unwrap();
        let Command::Consume(args) = cli.command else {
            panic!("parsed as another command");
        };
        assert_eq!(args.offset, Some(StartSpec::Last(3)));
        assert_eq!(args.partitions, [0, 2, 4]);
        assert!(
            Cli::try_parse_from(["kctl", "consume", "t", "--from-beginning", "--offset", "5"])
                .is_err()
        );
    }

    #[test]
    fn health_filters_exclude_each_other() {
        assert!(
            Cli::try_parse_from([
                "kctl",
                "topic",
                "describe",
                "--under-replicated",
                "--unavailable"
            ])
            .is_err()
        );
    }
}
