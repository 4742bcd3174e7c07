//! Per-topic log settings, with Kafka's defaults.

use kctl_client::protocol::records::TimestampType;

/// How a partition log behaves; every field matches a Kafka topic config
/// (`segment.bytes`, `retention.ms`, ...). Changeable live with
/// [`PartitionLog::set_config`](super::PartitionLog::set_config): new values
/// apply from the next append, roll or retention pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogConfig {
    /// Roll when the active segment would exceed this. Positions in the
    /// offset index are u32, so segments never grow past 4 GiB whatever
    /// this says.
    pub segment_bytes: u64,
    /// Roll when the incoming batch's timestamp is this far past the active
    /// segment's first batch.
    pub segment_ms: i64,
    /// Delete closed segments whose newest record is older than this; -1 keeps
    /// them forever.
    pub retention_ms: i64,
    /// Delete the oldest closed segments while the log is larger than this;
    /// -1 means no limit.
    pub retention_bytes: i64,
    /// Bytes between sparse offset-index entries: the most a read scans
    /// before it reaches its batch.
    pub index_interval_bytes: usize,
    /// Largest batch `append` accepts, log overhead included.
    pub max_message_bytes: usize,
    /// `LogAppend` overwrites each batch's timestamp with the broker clock.
    pub message_timestamp_type: TimestampType,
    pub flush: FlushPolicy,
    /// `cleanup.policy`: whether retention deletes old segments, and
    /// whether the cleaner compacts closed ones.
    pub cleanup_policy: CleanupPolicy,
    /// How long a compacted-away key's tombstone stays readable after the
    /// cleaner first saw it (`delete.retention.ms`).
    pub delete_retention_ms: i64,
    /// A record younger than this is never compacted away
    /// (`min.compaction.lag.ms`).
    pub min_compaction_lag_ms: i64,
    /// acks=all produce needs this many in-sync replicas; a single broker
    /// has one.
    pub min_insync_replicas: i32,
}

/// Kafka's `cleanup.policy`: `delete`, `compact`, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CleanupPolicy {
    pub delete: bool,
    pub compact: bool,
}

impl CleanupPolicy {
    pub const DELETE: Self = Self {
        delete: true,
        compact: false,
    };

    /// Parses Kafka's list form (`compact,delete`, any order, spaces
    /// allowed). An empty list or an unknown item is an error.
    pub fn parse(value: &str) -> Result<Self, String> {
        let mut policy = Self {
            delete: false,
            compact: false,
        };
        for item in value.split(',').map(str::trim) {
            match item {
                "delete" => policy.delete = true,
                "compact" => policy.compact = true,
                "" => return Err("must list delete, compact or both".into()),
                other => {
                    return Err(format!(
                        "unknown policy {other:?}: must be delete or compact"
                    ));
                }
            }
        }
        Ok(policy)
    }

    /// The canonical list form.
    pub fn name(self) -> &'static str {
        match (self.compact, self.delete) {
            (true, true) => "compact,delete",
            (true, false) => "compact",
            _ => "delete",
        }
    }
}

/// When appended bytes are fsynced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlushPolicy {
    /// Leave it to the OS page cache: an acknowledged batch survives the
    /// broker being killed, not the machine losing power. Kafka's default,
    /// where replication covers power loss; a single node has none.
    Never,
    /// fsync before `append` returns, so an acknowledged batch survives
    /// power loss. One fsync per produced batch.
    EveryBatch,
    /// The owner calls [`PartitionLog::flush`](super::PartitionLog::flush)
    /// on a timer of this period.
    IntervalMs(u64),
}

pub const DEFAULT_SEGMENT_BYTES: u64 = 1 << 30;
pub const DEFAULT_SEGMENT_MS: i64 = 7 * 24 * 60 * 60 * 1000;
pub const DEFAULT_RETENTION_MS: i64 = 7 * 24 * 60 * 60 * 1000;
pub const DEFAULT_INDEX_INTERVAL_BYTES: usize = 4096;
/// 1 MiB of records plus the 12-byte log overhead, as in Kafka.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 1_048_588;
pub const DEFAULT_DELETE_RETENTION_MS: i64 = 24 * 60 * 60 * 1000;

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            segment_bytes: DEFAULT_SEGMENT_BYTES,
            segment_ms: DEFAULT_SEGMENT_MS,
            retention_ms: DEFAULT_RETENTION_MS,
            retention_bytes: -1,
            index_interval_bytes: DEFAULT_INDEX_INTERVAL_BYTES,
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            message_timestamp_type: TimestampType::Creation,
            flush: FlushPolicy::Never,
            cleanup_policy: CleanupPolicy::DELETE,
            delete_retention_ms: DEFAULT_DELETE_RETENTION_MS,
            min_compaction_lag_ms: 0,
            min_insync_replicas: 1,
        }
    }
}

impl LogConfig {
    /// The segment size actually enforced: positions in the offset index are
    /// u32, so a segment must stay addressable by them.
    pub(crate) fn effective_segment_bytes(&self) -> u64 {
        self.segment_bytes.clamp(1, u64::from(u32::MAX))
    }
}
