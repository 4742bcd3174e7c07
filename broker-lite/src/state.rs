//! What the broker knows: its identity, its topics and their partition logs.
//!
//! Topics live in a map behind a `std::sync::RwLock`; each partition's log
//! behind its own `std::sync::Mutex`. Both are held only for in-memory work
//! or a single append, never across an `.await`, so blocking locks are
//! cheaper than async ones (the mini-redis `Db` argument).

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, Weak};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, watch};
use uuid::Uuid;

use crate::config::{BrokerConfig, ConfigError, validate_topic_config};
use crate::group::GroupCoordinator;
use crate::log::{LogError, PartitionLog};
use crate::producer_ids::{ProducerIdError, ProducerIds};
use crate::txn::TxnCoordinator;

/// Why a topic operation failed, mapped by handlers onto Kafka error codes.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TopicError {
    #[error("topic '{0}' already exists")]
    AlreadyExists(String),
    #[error("unknown topic '{0}'")]
    Unknown(String),
    #[error("invalid topic name '{name}': {reason}")]
    InvalidName { name: String, reason: &'static str },
    #[error("{0}")]
    InvalidPartitions(String),
    #[error("replication factor {0} is larger than the number of available brokers: 1")]
    InvalidReplicationFactor(i16),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot open the log of {topic}-{partition}: {source}")]
    Log {
        topic: String,
        partition: i32,
        source: LogError,
    },
    #[error("cannot write topic metadata at {path}: {source}")]
    Persist {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// One partition: its log, a channel that announces its log end offset
/// (replication watches it), and the Fetch long-polls waiting on it.
#[derive(Debug)]
pub struct Partition {
    pub index: i32,
    log: Mutex<Option<PartitionLog>>,
    end_offset_tx: watch::Sender<i64>,
    /// Fetches waiting for this partition to grow, woken once each by the
    /// next append (each re-registers if it waits again), so an append
    /// wakes only the fetches that read this partition, and a fetch over
    /// many partitions waits on one `Notify` rather than one future each.
    fetch_waiters: Mutex<Vec<Weak<Notify>>>,
}

impl Partition {
    /// Runs `f` on the open log; `None` once the partition was deleted or
    /// the broker is shutting down.
    pub fn with_log<T>(&self, f: impl FnOnce(&mut PartitionLog) -> T) -> Option<T> {
        lock(&self.log).as_mut().map(f)
    }

    /// Tells waiting fetchers the log grew.
    pub fn announce_end_offset(&self, end_offset: i64) {
        self.end_offset_tx.send_replace(end_offset);
        let waiters = std::mem::take(&mut *lock(&self.fetch_waiters));
        for waiter in waiters.iter().filter_map(Weak::upgrade) {
            // Stores a permit if the fetch is between reads: not lost.
            waiter.notify_one();
        }
    }

    /// Has the next append (or deletion) notify `waiter`, once.
    pub fn wake_on_append(&self, waiter: &Arc<Notify>) {
        let mut waiters = lock(&self.fetch_waiters);
        // Fetches that ended without an append leave dead entries: drop
        // them whenever the list doubles, so an idle partition's list stays
        // as long as its live waiters (times two).
        if waiters.len() >= 8 && waiters.len().is_power_of_two() {
            waiters.retain(|w| w.strong_count() > 0);
        }
        waiters.push(Arc::downgrade(waiter));
    }

    pub fn subscribe(&self) -> watch::Receiver<i64> {
        self.end_offset_tx.subscribe()
    }

    fn take_log(&self) -> Option<PartitionLog> {
        lock(&self.log).take()
    }
}

/// A topic and its partitions.
#[derive(Debug)]
pub struct Topic {
    pub name: String,
    pub id: Uuid,
    configs: RwLock<BTreeMap<String, String>>,
    partitions: RwLock<Vec<Arc<Partition>>>,
}

impl Topic {
    pub fn partition(&self, index: i32) -> Option<Arc<Partition>> {
        let index = usize::try_from(index).ok()?;
        read(&self.partitions).get(index).cloned()
    }

    pub fn partitions(&self) -> Vec<Arc<Partition>> {
        read(&self.partitions).clone()
    }

    pub fn partition_count(&self) -> i32 {
        read(&self.partitions).len() as i32
    }

    pub fn configs(&self) -> BTreeMap<String, String> {
        read(&self.configs).clone()
    }
}

/// What a CreateTopics entry asks for, after -1 defaults are resolved.
#[derive(Debug, Clone)]
pub struct NewTopic {
    pub name: String,
    pub partitions: i32,
    pub replication_factor: i16,
    pub configs: BTreeMap<String, String>,
}

/// The broker's shared state.
#[derive(Debug)]
pub struct BrokerState {
    pub config: BrokerConfig,
    pub cluster_id: String,
    /// host and port put in Metadata for this broker.
    pub advertised: (String, u16),
    /// Consumer groups and committed offsets.
    pub groups: GroupCoordinator,
    /// Share groups (KIP-932) and their share-partition state.
    pub shares: crate::share::ShareCoordinator,
    /// Transactional ids and their transactions.
    pub txns: TxnCoordinator,
    /// ACLs and the authorizer.
    pub acls: crate::acl::AclStore,
    topics: RwLock<HashMap<String, Arc<Topic>>>,
    /// Serialises topic creation, deletion and the metadata file, so two
    /// CreateTopics for one name cannot both succeed.
    admin: Mutex<()>,
    clean_shutdown: bool,
    producer_ids: Mutex<ProducerIds>,
    /// This node's part in a cluster (`controller` set in the config);
    /// `None` for a single broker.
    pub cluster: Option<Arc<crate::cluster::ClusterNode>>,
}

const TOPICS_FILE: &str = "topics.json";
const META_FILE: &str = "meta.properties";
pub(crate) const CLEAN_SHUTDOWN_FILE: &str = ".clean-shutdown";

#[derive(Serialize, Deserialize)]
struct TopicsFile {
    topics: Vec<TopicRecord>,
}

#[derive(Serialize, Deserialize)]
struct TopicRecord {
    name: String,
    id: Uuid,
    partitions: i32,
    configs: BTreeMap<String, String>,
}

impl BrokerState {
    /// Loads or initialises the data directory: cluster id, topics, and
    /// every partition log (recovering them after an unclean shutdown).
    pub fn open(config: BrokerConfig, advertised: (String, u16)) -> Result<Self, anyhow::Error> {
        let dir = config.data_dir.clone();
        std::fs::create_dir_all(&dir)
            .map_err(|e| anyhow::anyhow!("cannot create data dir {}: {e}", dir.display()))?;
        let cluster_id = load_or_create_cluster_id(&dir, config.node_id)?;
        let marker = dir.join(CLEAN_SHUTDOWN_FILE);
        let clean_shutdown = marker.exists();
        if clean_shutdown {
            std::fs::remove_file(&marker)?;
        }
        let groups = GroupCoordinator::open(&config)?;
        let shares = crate::share::ShareCoordinator::open(&config)?;
        let txns = TxnCoordinator::open(&config)?;
        let config_has_controller = config.controller.is_some();
        let acls = crate::acl::AclStore::open(&config)?;
        let state = Self {
            config,
            cluster_id,
            advertised,
            groups,
            shares,
            txns,
            acls,
            topics: RwLock::new(HashMap::new()),
            admin: Mutex::new(()),
            clean_shutdown,
            producer_ids: Mutex::new(if config_has_controller {
                ProducerIds::from_controller()
            } else {
                ProducerIds::open(&dir)?
            }),
            cluster: None,
        };
        let mut state = state;
        state.cluster = state.config.controller.map(|controller| {
            Arc::new(crate::cluster::ClusterNode::new(
                state.config.node_id,
                controller,
                state.config.replica_lag_time_max_ms,
            ))
        });
        let path = dir.join(TOPICS_FILE);
        if path.exists() {
            let text = std::fs::read_to_string(&path)?;
            let file: TopicsFile = serde_json::from_str(&text).map_err(|e| {
                anyhow::anyhow!("{} is not valid topic metadata: {e}", path.display())
            })?;
            for record in file.topics {
                let topic =
                    state.open_topic(&record.name, record.id, record.partitions, record.configs)?;
                write(&state.topics).insert(record.name, topic);
            }
        }
        let mut seen = Vec::new();
        for topic in state.topics() {
            for partition in topic.partitions() {
                partition.with_log(|log| seen.extend(log.producer_state().epochs()));
            }
        }
        seen.extend(state.txns.producer_ids());
        lock(&state.producer_ids).observe(seen);
        state.txns.recover(&state);
        if !clean_shutdown && !read(&state.topics).is_empty() {
            tracing::warn!(
                "no clean-shutdown marker in {}: logs were recovered",
                dir.display()
            );
        }
        Ok(state)
    }

    pub fn topic(&self, name: &str) -> Option<Arc<Topic>> {
        read(&self.topics).get(name).cloned()
    }

    pub fn topic_by_id(&self, id: Uuid) -> Option<Arc<Topic>> {
        read(&self.topics).values().find(|t| t.id == id).cloned()
    }

    /// All topics, sorted by name so responses are stable.
    pub fn topics(&self) -> Vec<Arc<Topic>> {
        let mut topics: Vec<_> = read(&self.topics).values().cloned().collect();
        topics.sort_by(|a, b| a.name.cmp(&b.name));
        topics
    }

    /// Validates a new topic; with `validate_only` nothing is created.
    pub fn create_topic(
        &self,
        new: NewTopic,
        validate_only: bool,
    ) -> Result<Option<Arc<Topic>>, TopicError> {
        validate_topic_name(&new.name)?;
        if new.partitions < 1 {
            return Err(TopicError::InvalidPartitions(
                "Number of partitions must be larger than 0.".into(),
            ));
        }
        if new.replication_factor != 1 {
            return Err(TopicError::InvalidReplicationFactor(new.replication_factor));
        }
        for (key, value) in &new.configs {
            validate_topic_config(key, value)?;
        }
        let _admin = lock(&self.admin);
        if self.topic(&new.name).is_some() {
            return Err(TopicError::AlreadyExists(new.name));
        }
        if validate_only {
            return Ok(None);
        }
        let topic = self.open_topic(&new.name, Uuid::new_v4(), new.partitions, new.configs)?;
        write(&self.topics).insert(new.name, Arc::clone(&topic));
        self.persist_topics()?;
        tracing::info!(topic = %topic.name, partitions = new.partitions, "created topic");
        Ok(Some(topic))
    }

    /// Removes a topic and its data.
    pub fn delete_topic(&self, name: &str) -> Result<Arc<Topic>, TopicError> {
        let _admin = lock(&self.admin);
        let topic = write(&self.topics)
            .remove(name)
            .ok_or_else(|| TopicError::Unknown(name.to_owned()))?;
        self.persist_topics()?;
        for partition in topic.partitions() {
            // Dropping the log closes its files; waiting fetchers see the
            // partition vanish when they wake.
            drop(partition.take_log());
            partition.announce_end_offset(-1);
            let dir = self.partition_dir(&topic.name, partition.index);
            if let Err(e) = std::fs::remove_dir_all(&dir) {
                tracing::warn!(dir = %dir.display(), "could not remove deleted partition: {e}");
            }
        }
        tracing::info!(topic = name, "deleted topic");
        Ok(topic)
    }

    /// Grows a topic to `count` partitions.
    pub fn create_partitions(
        &self,
        name: &str,
        count: i32,
        validate_only: bool,
    ) -> Result<(), TopicError> {
        let _admin = lock(&self.admin);
        let topic = self
            .topic(name)
            .ok_or_else(|| TopicError::Unknown(name.to_owned()))?;
        let current = topic.partition_count();
        if count == current {
            return Err(TopicError::InvalidPartitions(format!(
                "Topic already has {current} partitions."
            )));
        }
        if count < current {
            return Err(TopicError::InvalidPartitions(format!(
                "Topic currently has {current} partitions, which is higher than the requested {count}."
            )));
        }
        if validate_only {
            return Ok(());
        }
        let configs = topic.configs();
        let mut added = Vec::new();
        for index in current..count {
            added.push(self.open_partition(name, index, &configs)?);
        }
        write(&topic.partitions).extend(added);
        self.persist_topics()?;
        Ok(())
    }

    /// A cluster node's copy of a topic the controller created: opened
    /// under the controller's id (or grown to `partitions`), without the
    /// checks CreateTopics made on the controller.
    pub(crate) fn adopt_topic(
        &self,
        name: &str,
        id: Uuid,
        partitions: i32,
        configs: &BTreeMap<String, String>,
    ) -> Result<Arc<Topic>, TopicError> {
        let _admin = lock(&self.admin);
        let topic = match self.topic(name) {
            Some(topic) => topic,
            None => {
                let topic = self.open_topic(name, id, 0, configs.clone())?;
                write(&self.topics).insert(name.to_owned(), Arc::clone(&topic));
                topic
            }
        };
        let current = topic.partition_count();
        if current < partitions {
            let mut added = Vec::new();
            for index in current..partitions {
                added.push(self.open_partition(name, index, configs)?);
            }
            write(&topic.partitions).extend(added);
        }
        if current < partitions || current == 0 {
            self.persist_topics()?;
        }
        Ok(topic)
    }

    /// Changes a topic's config overrides: `change` edits the current
    /// overrides, every resulting key is validated (an error names the
    /// key), and unless `validate_only` the result is persisted and applied
    /// to every partition's log at once.
    pub fn alter_topic_configs(
        &self,
        name: &str,
        validate_only: bool,
        change: impl FnOnce(&mut BTreeMap<String, String>) -> Result<(), ConfigError>,
    ) -> Result<(), TopicError> {
        let _admin = lock(&self.admin);
        let topic = self
            .topic(name)
            .ok_or_else(|| TopicError::Unknown(name.to_owned()))?;
        let before = topic.configs();
        let mut after = before.clone();
        change(&mut after)?;
        for (key, value) in &after {
            validate_topic_config(key, value)?;
        }
        if validate_only || after == before {
            return Ok(());
        }
        *write(&topic.configs) = after.clone();
        if let Err(e) = self.persist_topics() {
            *write(&topic.configs) = before;
            return Err(e);
        }
        let log_config = self.config.log_config(&after);
        for partition in topic.partitions() {
            partition.with_log(|log| log.set_config(log_config.clone()));
        }
        tracing::info!(topic = name, configs = ?after, "altered topic configs");
        Ok(())
    }

    /// InitProducerId for an idempotent producer: a new producer id, or with
    /// `current` (the client's id and epoch) the next epoch of that id.
    pub fn init_producer_id(
        &self,
        current: Option<(i64, i16)>,
    ) -> Result<(i64, i16), ProducerIdError> {
        lock(&self.producer_ids).init(current)
    }

    /// A cluster node's signal that it needs its next block of producer
    /// ids from the controller (`None` for a single broker).
    pub(crate) fn producer_id_block_wanted(&self) -> Option<Arc<tokio::sync::Notify>> {
        lock(&self.producer_ids).block_wanted()
    }

    pub(crate) fn needs_producer_id_block(&self) -> bool {
        lock(&self.producer_ids).needs_block()
    }

    /// A block of producer ids the controller allocated to this node.
    pub(crate) fn add_producer_id_block(&self, start: i64, len: i64) {
        lock(&self.producer_ids).add_block(start, len);
    }

    /// A new producer id at epoch 0, for a new transactional id.
    pub fn new_producer_id(&self) -> Result<i64, ProducerIdError> {
        lock(&self.producer_ids).fresh().map(|(id, _)| id)
    }

    /// Closes every log cleanly and leaves the clean-shutdown marker, so the
    /// next start skips recovery.
    pub fn close(&self) -> Result<(), anyhow::Error> {
        let mut failed = false;
        for topic in self.topics() {
            for partition in topic.partitions() {
                if let Some(log) = partition.take_log()
                    && let Err(e) = log.close()
                {
                    failed = true;
                    tracing::error!(topic = %topic.name, partition = partition.index, "closing log failed: {e}");
                }
            }
        }
        if let Err(e) = self.groups.flush() {
            failed = true;
            tracing::error!("cannot fsync the group log: {e}");
        }
        if let Err(e) = self.shares.flush() {
            failed = true;
            tracing::error!("cannot fsync the share-group log: {e}");
        }
        if let Err(e) = self.txns.flush() {
            failed = true;
            tracing::error!("cannot fsync the transaction log: {e}");
        }
        if failed {
            anyhow::bail!("some logs did not close cleanly; the next start will recover them");
        }
        let marker = self.config.data_dir.join(CLEAN_SHUTDOWN_FILE);
        std::fs::File::create(&marker)?.sync_all()?;
        Ok(())
    }

    fn open_topic(
        &self,
        name: &str,
        id: Uuid,
        partitions: i32,
        configs: BTreeMap<String, String>,
    ) -> Result<Arc<Topic>, TopicError> {
        let opened = (0..partitions)
            .map(|index| self.open_partition(name, index, &configs))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Arc::new(Topic {
            name: name.to_owned(),
            id,
            configs: RwLock::new(configs),
            partitions: RwLock::new(opened),
        }))
    }

    fn open_partition(
        &self,
        topic: &str,
        index: i32,
        configs: &BTreeMap<String, String>,
    ) -> Result<Arc<Partition>, TopicError> {
        let dir = self.partition_dir(topic, index);
        let (log, report) =
            PartitionLog::open(&dir, self.config.log_config(configs), self.clean_shutdown)
                .map_err(|source| TopicError::Log {
                    topic: topic.to_owned(),
                    partition: index,
                    source,
                })?;
        tracing::debug!(topic, partition = index, ?report, "opened partition log");
        let (end_offset_tx, _) = watch::channel(log.log_end_offset());
        Ok(Arc::new(Partition {
            index,
            log: Mutex::new(Some(log)),
            end_offset_tx,
            fetch_waiters: Mutex::new(Vec::new()),
        }))
    }

    fn partition_dir(&self, topic: &str, index: i32) -> PathBuf {
        self.config.data_dir.join(format!("{topic}-{index}"))
    }

    fn persist_topics(&self) -> Result<(), TopicError> {
        let records = self
            .topics()
            .iter()
            .map(|t| TopicRecord {
                name: t.name.clone(),
                id: t.id,
                partitions: t.partition_count(),
                configs: t.configs(),
            })
            .collect();
        let json = serde_json::to_vec_pretty(&TopicsFile { topics: records }).map_err(|e| {
            TopicError::Persist {
                path: self.config.data_dir.join(TOPICS_FILE),
                source: std::io::Error::other(e),
            }
        })?;
        write_atomically(&self.config.data_dir.join(TOPICS_FILE), &json)
    }
}

/// Writes via a temporary file, fsync and rename, so a crash leaves either
/// the old file or the new one, never a torn one.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), TopicError> {
    write_file_atomically(path, bytes).map_err(|source| TopicError::Persist {
        path: path.to_owned(),
        source,
    })
}

/// Appended to a file's name for its temp copy during an atomic write.
pub(crate) const ATOMIC_TEMP_SUFFIX: &str = "tmp";

/// The one atomic-file helper (topic registry, node metadata, the
/// coordinators' compacted logs, and every file of a partition directory
/// through `log::files`): `<name>.tmp` is written and fsynced, renamed over
/// `path`, and the directory fsynced, so a crash leaves the old file or the
/// new one. The temp name appends to the whole file name, so
/// `0.index` and `0.timeindex` never share one, and partition recovery
/// deletes leftovers by that suffix.
pub(crate) fn write_file_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut temp_name = path.file_name().unwrap_or_default().to_os_string();
    temp_name.push(".");
    temp_name.push(ATOMIC_TEMP_SUFFIX);
    let tmp = path.with_file_name(temp_name);
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path)?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::File::open(dir).and_then(|d| d.sync_all())
}

fn load_or_create_cluster_id(dir: &Path, node_id: i32) -> Result<String, anyhow::Error> {
    let path = dir.join(META_FILE);
    if let Ok(text) = std::fs::read_to_string(&path) {
        if let Some(id) = text.lines().find_map(|l| l.strip_prefix("cluster.id=")) {
            return Ok(id.trim().to_owned());
        }
        anyhow::bail!("{} has no cluster.id line", path.display());
    }
    let id = new_cluster_id();
    write_atomically(
        &path,
        format!("version=1\ncluster.id={id}\nnode.id={node_id}\n").as_bytes(),
    )?;
    Ok(id)
}

/// A new cluster id: Kafka's are base64url of a UUID, 22 characters.
pub fn new_cluster_id() -> String {
    base64url_uuid(Uuid::new_v4())
}

/// Prepares a cluster node's data directory with the cluster's id (what
/// `kafka-storage.sh format` does), so the node joins that cluster.
pub fn format_node_dir(dir: &Path, cluster_id: &str, node_id: i32) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(META_FILE);
    if path.exists() {
        return Ok(());
    }
    write_file_atomically(
        &path,
        format!("version=1\ncluster.id={cluster_id}\nnode.id={node_id}\n").as_bytes(),
    )
}

fn base64url_uuid(id: Uuid) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let bits = id.as_u128();
    // 128 bits = 21 full 6-bit groups + 2 bits, padded to 22 characters.
    (0..22)
        .map(|i| {
            let shift = 128i32 - 6 * (i + 1);
            let group = if shift >= 0 {
                (bits >> shift) & 0x3f
            } else {
                (bits << -shift) & 0x3f
            };
            ALPHABET[group as usize] as char
        })
        .collect()
}

/// Kafka's topic name rules (`org.apache.kafka.common.internals.Topic`).
pub fn validate_topic_name(name: &str) -> Result<(), TopicError> {
    let invalid = |reason| {
        Err(TopicError::InvalidName {
            name: name.to_owned(),
            reason,
        })
    };
    if name.is_empty() {
        return invalid("the name is empty");
    }
    if name == "." || name == ".." {
        return invalid("'.' and '..' are not allowed");
    }
    if name.len() > 249 {
        return invalid("the name is longer than 249 characters");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
    {
        return invalid("only ASCII letters, digits, '.', '_' and '-' are allowed");
    }
    Ok(())
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Locks, ignoring poisoning: a handler that panicked has already been
/// contained to its connection, and the data it guarded is only ever
/// changed by operations that either complete or leave it as it was.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_names_follow_kafka_rules() {
        for ok in ["orders", "a.b_c-D9", &"x".repeat(249)] {
            assert!(validate_topic_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            ".",
            "..",
            "has space",
            "ümlaut",
            &"x".repeat(250),
            "a/b",
        ] {
            assert!(validate_topic_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cluster_ids_look_like_kafkas() {
        let id = base64url_uuid(Uuid::new_v4());
        assert_eq!(id.len(), 22);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(base64url_uuid(Uuid::nil()), "AAAAAAAAAAAAAAAAAAAAAA");
    }
}
