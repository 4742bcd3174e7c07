//! A broker's side of the cluster: registration and heartbeats with the
//! controller, its copy of the metadata image, and the requests it answers
//! from that image (Metadata) or forwards to the controller (CreateTopics,
//! DeleteTopics, CreatePartitions).
//!
//! The image is pulled whole whenever a heartbeat answer says this node is
//! behind (`is_caught_up = false`), so every node agrees with the controller
//! within one heartbeat interval plus one pull.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::messages::broker_registration_request::Listener;
use kctl_client::protocol::messages::describe_configs_request::DescribeConfigsResource;
use kctl_client::protocol::messages::{
    BrokerHeartbeatRequest, BrokerId, BrokerRegistrationRequest, CreatePartitionsRequest,
    CreatePartitionsResponse, CreateTopicsRequest, CreateTopicsResponse, DeleteTopicsRequest,
    DeleteTopicsResponse, DescribeConfigsRequest, ElectLeadersRequest, ElectLeadersResponse,
    MetadataRequest, MetadataResponse, TopicName,
};
use tokio::sync::{broadcast, watch};
use uuid::Uuid;

use super::controller_server;
use super::image::{BrokerMeta, ClusterImage, PartitionMeta, TopicMeta};
use super::peer::{Peer, PeerError};
use super::replication::ReplicaState;
use crate::handlers::str_bytes;
use crate::state::{BrokerState, lock};

/// Kafka's `broker.heartbeat.interval.ms` is 2 s; a sandbox wants failover
/// and metadata within about a second.
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_millis(200);
/// How long a call to the controller may take.
const CONTROLLER_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a starting node keeps trying to register.
const REGISTRATION_TIMEOUT: Duration = Duration::from_secs(15);
const RESOURCE_TOPIC: i8 = 2;
const REGISTRATION_VERSION: i16 = 0;
const HEARTBEAT_VERSION: i16 = 0;
const METADATA_VERSION: i16 = 12;
const DESCRIBE_CONFIGS_VERSION: i16 = 4;
pub(crate) const ALTER_PARTITION_VERSION: i16 = 3;
const ALLOCATE_PRODUCER_IDS_VERSION: i16 = 0;

/// Why a node could not join its cluster.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NodeError {
    #[error("controller at {addr}: {source}")]
    Controller { addr: SocketAddr, source: PeerError },
    #[error("controller refused registration of node {node_id}: {error:?}")]
    Refused { node_id: i32, error: ErrorCode },
    #[error("cannot apply cluster metadata locally: {0}")]
    Local(String),
}

/// This node's view of the cluster.
#[derive(Debug)]
pub struct ClusterNode {
    pub node_id: i32,
    controller_addr: SocketAddr,
    incarnation: Uuid,
    image: RwLock<Arc<ClusterImage>>,
    image_epoch_tx: watch::Sender<i64>,
    broker_epoch: AtomicI64,
    /// Requests forwarded to the controller, and AlterPartition.
    controller: tokio::sync::Mutex<Peer>,
    replicas: Mutex<HashMap<(String, i32), Arc<ReplicaState>>>,
    /// `replica.lag.time.max.ms`.
    pub replica_lag_time_max_ms: u64,
    /// Fault injection: added to every response (`kctl broker node slow`).
    response_delay_ms: std::sync::atomic::AtomicU64,
    /// The `__consumer_offsets` partitions whose groups this node serves.
    pub(crate) coordinator_partitions: super::coordinator_log::CoordinatorPartitions,
    /// Transaction traffic with the other nodes.
    pub(crate) txn: super::txn_channel::TxnChannel,
    /// The `__transaction_state` partitions whose ids this node serves.
    pub(crate) txn_partitions: super::txn_log::TxnPartitions,
    /// A heartbeat found the image behind the controller's.
    image_behind: tokio::sync::Notify,
}

impl ClusterNode {
    pub fn new(node_id: i32, controller_addr: SocketAddr, replica_lag_time_max_ms: u64) -> Self {
        let (image_epoch_tx, _) = watch::channel(-1);
        Self {
            node_id,
            controller_addr,
            incarnation: Uuid::new_v4(),
            image: RwLock::new(Arc::new(ClusterImage::default())),
            image_epoch_tx,
            broker_epoch: AtomicI64::new(-1),
            controller: tokio::sync::Mutex::new(Peer::new(
                controller_addr,
                format!("broker-{node_id}"),
            )),
            replicas: Mutex::new(HashMap::new()),
            replica_lag_time_max_ms,
            response_delay_ms: std::sync::atomic::AtomicU64::new(0),
            coordinator_partitions: Default::default(),
            txn: Default::default(),
            txn_partitions: Default::default(),
            image_behind: tokio::sync::Notify::new(),
        }
    }

    /// A connection of its own to the controller for one job (joining,
    /// heartbeats, image pulls, producer ids), so a slow call of one job
    /// does not queue behind another's. Its client id, `broker-<id>-<job>`,
    /// tells the controller's logs which it is.
    fn controller_peer(&self, job: &str) -> Peer {
        Peer::new(
            self.controller_addr,
            format!("broker-{}-{job}", self.node_id),
        )
    }

    /// The delay a slowed node adds to each response.
    pub fn response_delay(&self) -> Option<Duration> {
        let ms = self.response_delay_ms.load(Ordering::Relaxed);
        (ms > 0).then(|| Duration::from_millis(ms))
    }

    fn read_response_delay(&self, data_dir: &std::path::Path) {
        let path = data_dir.join(super::supervisor::RESPONSE_DELAY_FILE);
        let ms = std::fs::read_to_string(path)
            .ok()
            .and_then(|text| text.trim().parse().ok())
            .unwrap_or(0);
        if self.response_delay_ms.swap(ms, Ordering::Relaxed) != ms {
            tracing::warn!(delay_ms = ms, "response delay (fault injection) changed");
        }
    }

    pub fn image(&self) -> Arc<ClusterImage> {
        Arc::clone(
            &self
                .image
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    pub fn subscribe_image(&self) -> watch::Receiver<i64> {
        self.image_epoch_tx.subscribe()
    }

    pub(crate) fn broker_epoch(&self) -> i64 {
        self.broker_epoch.load(Ordering::Acquire)
    }

    /// The replication state of a partition (created on first use).
    pub(crate) fn replica(&self, topic: &str, index: i32) -> Arc<ReplicaState> {
        Arc::clone(
            lock(&self.replicas)
                .entry((topic.to_owned(), index))
                .or_insert_with(|| Arc::new(ReplicaState::default())),
        )
    }

    /// This partition's metadata if this node leads it, else the error a
    /// client should get (Kafka answers NOT_LEADER_OR_FOLLOWER).
    pub(crate) fn led_here(&self, topic: &str, index: i32) -> Result<PartitionMeta, ErrorCode> {
        let image = self.image();
        match image.partition(topic, index) {
            None => Err(ErrorCode::UnknownTopicOrPartition),
            Some(p) if p.leader == self.node_id => Ok(p.clone()),
            Some(_) => Err(ErrorCode::NotLeaderOrFollower),
        }
    }

    pub(crate) async fn call_controller<R>(
        &self,
        version: i16,
        request: &R,
    ) -> Result<R::Response, PeerError>
    where
        R: kctl_client::protocol::Request + kctl_client::protocol::Encodable,
        R::Response: kctl_client::protocol::Decodable,
    {
        self.controller
            .lock()
            .await
            .call(version, request, CONTROLLER_TIMEOUT)
            .await
    }
}

/// Registers with the controller and applies the first image; a node
/// serves only once this succeeds.
pub(crate) async fn join(state: &BrokerState, node: &ClusterNode) -> Result<(), NodeError> {
    let deadline = tokio::time::Instant::now() + REGISTRATION_TIMEOUT;
    let mut peer = node.controller_peer("join");
    loop {
        match register(state, node, &mut peer).await {
            Ok(()) => break,
            Err(e @ NodeError::Refused { .. }) => return Err(e),
            Err(e) if tokio::time::Instant::now() >= deadline => return Err(e),
            Err(e) => {
                tracing::debug!("registration failed, retrying: {e}");
                tokio::time::sleep(HEARTBEAT_INTERVAL).await;
            }
        }
    }
    let epoch = pull_image(state, node, &mut peer).await?;
    // The first block of producer ids, so InitProducerId works from the
    // first request; failures are retried by `run_producer_id_blocks`.
    if let Err(e) = allocate_producer_ids(state, node, &mut peer).await {
        tracing::warn!("no producer id block yet: {e}");
    }
    tracing::info!(
        node = node.node_id,
        image_epoch = epoch,
        "joined the cluster"
    );
    Ok(())
}

async fn register(
    state: &BrokerState,
    node: &ClusterNode,
    peer: &mut Peer,
) -> Result<(), NodeError> {
    let (host, port) = &state.advertised;
    let request = BrokerRegistrationRequest::default()
        .with_broker_id(BrokerId(node.node_id))
        .with_cluster_id(str_bytes(state.cluster_id.clone()))
        .with_incarnation_id(node.incarnation)
        .with_listeners(vec![
            Listener::default()
                .with_name(str_bytes("PLAINTEXT"))
                .with_host(str_bytes(host.clone()))
                .with_port(*port),
        ]);
    let response = peer
        .call(REGISTRATION_VERSION, &request, CONTROLLER_TIMEOUT)
        .await
        .map_err(|source| NodeError::Controller {
            addr: peer.addr(),
            source,
        })?;
    if response.error_code != 0 {
        return Err(NodeError::Refused {
            node_id: node.node_id,
            error: ErrorCode::try_from_code(response.error_code)
                .unwrap_or(ErrorCode::UnknownServerError),
        });
    }
    node.broker_epoch
        .store(response.broker_epoch, Ordering::Release);
    Ok(())
}

/// Starts the heartbeats on a thread and runtime of their own (Kafka's
/// broker heartbeats from its lifecycle manager's thread, apart from
/// request handling and metadata publishing). On the shared runtime they
/// waited behind synchronous disk work: a node applying an image that
/// creates fifty internal partitions, and loading them, kept both workers
/// busy for two seconds, past `broker.session.timeout.ms` (1.5 s), and the
/// controller fenced every node at once.
pub(crate) fn spawn_heartbeats(
    state: Arc<BrokerState>,
    node: Arc<ClusterNode>,
    shutdown: broadcast::Receiver<()>,
) -> tokio::task::JoinHandle<()> {
    tokio::task::spawn_blocking(move || {
        match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime.block_on(run_heartbeats(state, node, shutdown)),
            Err(e) => tracing::error!("cannot start the heartbeat runtime: {e}"),
        }
    })
}

/// Heartbeats until shutdown, registering again when fenced; on shutdown, a
/// controlled shutdown moves this node's leaderships away before it goes.
/// A heartbeat that finds the image behind wakes the image puller rather
/// than pulling the image itself, which can take over a second.
async fn run_heartbeats(
    state: Arc<BrokerState>,
    node: Arc<ClusterNode>,
    mut shutdown: broadcast::Receiver<()>,
) {
    let mut peer = node.controller_peer("heartbeat");
    let mut tick = tokio::time::interval(HEARTBEAT_INTERVAL);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.recv() => {
                let request = heartbeat_request(&node, true);
                let _ = peer.call(HEARTBEAT_VERSION, &request, Duration::from_secs(1)).await;
                return;
            }
        }
        node.read_response_delay(&state.config.data_dir);
        let request = heartbeat_request(&node, false);
        match peer
            .call(HEARTBEAT_VERSION, &request, CONTROLLER_TIMEOUT)
            .await
        {
            Ok(r) if r.error_code == ErrorCode::StaleBrokerEpoch.code() => {
                tracing::warn!("fenced by the controller; registering again");
                if let Err(e) = register(&state, &node, &mut peer).await {
                    tracing::warn!("registration failed: {e}");
                }
            }
            Ok(r) if r.error_code != 0 => tracing::warn!(error = r.error_code, "heartbeat refused"),
            Ok(r) if !r.is_caught_up => node.image_behind.notify_one(),
            Ok(_) => {}
            Err(e) => tracing::debug!("heartbeat failed: {e}"),
        }
    }
}

/// Pulls the image each time a heartbeat finds it behind; wake-ups that
/// arrive during a pull collapse into one more pull.
pub(crate) async fn run_image_puller(
    state: Arc<BrokerState>,
    node: Arc<ClusterNode>,
    mut shutdown: broadcast::Receiver<()>,
) {
    // Its own connection, so a long pull does not hold up the requests
    // that share `node.controller` (AlterPartition, forwarded admin).
    let mut peer = node.controller_peer("metadata");
    loop {
        tokio::select! {
            () = node.image_behind.notified() => {
                if let Err(e) = pull_image(&state, &node, &mut peer).await {
                    tracing::warn!("cannot refresh cluster metadata: {e}");
                }
            }
            _ = shutdown.recv() => return,
        }
    }
}

/// Asks the controller for this node's next block of producer ids.
async fn allocate_producer_ids(
    state: &BrokerState,
    node: &ClusterNode,
    peer: &mut Peer,
) -> Result<(), String> {
    let request = kctl_client::protocol::messages::AllocateProducerIdsRequest::default()
        .with_broker_id(BrokerId(node.node_id))
        .with_broker_epoch(node.broker_epoch());
    let response = peer
        .call(ALLOCATE_PRODUCER_IDS_VERSION, &request, CONTROLLER_TIMEOUT)
        .await
        .map_err(|e| e.to_string())?;
    if let Err(code) = kctl_client::protocol::error::check(response.error_code) {
        return Err(format!("AllocateProducerIds refused: {code:?}"));
    }
    state.add_producer_id_block(
        response.producer_id_start.0,
        i64::from(response.producer_id_len),
    );
    Ok(())
}

/// Keeps a block of producer ids ahead: woken when the current block runs
/// low (or out), fetches the next one from the controller, retrying every
/// heartbeat interval while the controller cannot answer.
pub(crate) async fn run_producer_id_blocks(
    state: Arc<BrokerState>,
    node: Arc<ClusterNode>,
    mut shutdown: broadcast::Receiver<()>,
) {
    let Some(wanted) = state.producer_id_block_wanted() else {
        return;
    };
    let mut peer = node.controller_peer("producer-ids");
    loop {
        while state.needs_producer_id_block() {
            if let Err(e) = allocate_producer_ids(&state, &node, &mut peer).await {
                tracing::warn!("cannot get a producer id block: {e}");
                tokio::select! {
                    () = tokio::time::sleep(HEARTBEAT_INTERVAL) => {}
                    _ = shutdown.recv() => return,
                }
            }
        }
        tokio::select! {
            () = wanted.notified() => {}
            _ = shutdown.recv() => return,
        }
    }
}

fn heartbeat_request(node: &ClusterNode, shutting_down: bool) -> BrokerHeartbeatRequest {
    BrokerHeartbeatRequest::default()
        .with_broker_id(BrokerId(node.node_id))
        .with_broker_epoch(node.broker_epoch())
        .with_current_metadata_offset(node.image().epoch)
        .with_want_shut_down(shutting_down)
}

/// Pulls the image now (after a forwarded admin request, or an ISR change
/// this node asked for), so the answer a client sees next reflects it.
pub(crate) async fn refresh(state: &BrokerState, node: &ClusterNode) {
    let mut peer = node.controller.lock().await;
    if let Err(e) = pull_image(state, node, &mut peer).await {
        tracing::warn!("cannot refresh cluster metadata: {e}");
    }
}

/// Fetches the image (Metadata + DescribeConfigs for topics new here) and
/// applies it. The image's epoch travels in a tagged field of the Metadata
/// response (see `controller_server::IMAGE_EPOCH_TAG`).
async fn pull_image(
    state: &BrokerState,
    node: &ClusterNode,
    peer: &mut Peer,
) -> Result<i64, NodeError> {
    let controller_err = |source| NodeError::Controller {
        addr: node.controller_addr,
        source,
    };
    let response = peer
        .call(
            METADATA_VERSION,
            &MetadataRequest::default().with_topics(None),
            CONTROLLER_TIMEOUT,
        )
        .await
        .map_err(controller_err)?;
    let old = node.image();
    let mut image = image_from_metadata(&response);
    // Config overrides are fixed at creation (AlterConfigs in a cluster is
    // not offered yet), so a topic already known keeps its configs.
    let mut unknown = Vec::new();
    for (name, topic) in &mut image.topics {
        match old.topics.get(name) {
            Some(known) if known.id == topic.id => topic.configs.clone_from(&known.configs),
            _ => unknown.push(name.clone()),
        }
    }
    if !unknown.is_empty() {
        let request = DescribeConfigsRequest::default().with_resources(
            unknown
                .iter()
                .map(|n| {
                    DescribeConfigsResource::default()
                        .with_resource_type(RESOURCE_TOPIC)
                        .with_resource_name(str_bytes(n.clone()))
                        .with_configuration_keys(None)
                })
                .collect(),
        );
        let configs = peer
            .call(DESCRIBE_CONFIGS_VERSION, &request, CONTROLLER_TIMEOUT)
            .await
            .map_err(controller_err)?;
        for result in configs.results {
            if let Some(topic) = image.topics.get_mut(result.resource_name.as_str()) {
                topic.configs = result
                    .configs
                    .into_iter()
                    .filter_map(|c| Some((c.name.to_string(), c.value?.to_string())))
                    .collect();
            }
        }
    }
    image.epoch = controller_server::image_epoch_of(&response).unwrap_or(old.epoch);
    let image = Arc::new(image);
    apply_locally(state, &image).map_err(NodeError::Local)?;
    *node
        .image
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::clone(&image);
    node.image_epoch_tx.send_replace(image.epoch);
    Ok(image.epoch)
}

fn image_from_metadata(response: &MetadataResponse) -> ClusterImage {
    let brokers = response
        .brokers
        .iter()
        .map(|b| {
            (
                b.node_id.0,
                BrokerMeta {
                    host: b.host.to_string(),
                    port: u16::try_from(b.port).unwrap_or(0),
                    fenced: false,
                },
            )
        })
        .collect();
    let topics = response
        .topics
        .iter()
        .filter_map(|t| {
            let name = t.name.as_ref()?.0.to_string();
            let mut partitions: Vec<&_> = t.partitions.iter().collect();
            partitions.sort_by_key(|p| p.partition_index);
            let partitions = partitions
                .into_iter()
                .map(|p| PartitionMeta {
                    leader: p.leader_id.0,
                    leader_epoch: p.leader_epoch,
                    partition_epoch: 0,
                    replicas: p.replica_nodes.iter().map(|b| b.0).collect(),
                    isr: p.isr_nodes.iter().map(|b| b.0).collect(),
                })
                .collect();
            Some((
                name.clone(),
                TopicMeta {
                    name,
                    id: t.topic_id,
                    configs: BTreeMap::new(),
                    partitions,
                },
            ))
        })
        .collect();
    ClusterImage {
        epoch: 0,
        brokers,
        topics,
    }
}

/// Makes the local topics match the image: topics created, grown, deleted
/// (or recreated under a new id).
fn apply_locally(state: &BrokerState, image: &ClusterImage) -> Result<(), String> {
    for local in state.topics() {
        match image.topics.get(&local.name) {
            Some(t) if t.id == local.id => {}
            _ => {
                state.delete_topic(&local.name).map_err(|e| e.to_string())?;
            }
        }
    }
    for topic in image.topics.values() {
        state
            .adopt_topic(
                &topic.name,
                topic.id,
                topic.partitions.len() as i32,
                &topic.configs,
            )
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Metadata on a node: the image's brokers and partitions. Unknown topics
/// are created through the controller when auto-creation is on.
pub(crate) async fn metadata(
    state: &BrokerState,
    node: &ClusterNode,
    request: MetadataRequest,
    version: i16,
) -> MetadataResponse {
    let all = match &request.topics {
        None => true,
        Some(list) => list.is_empty() && version == 0,
    };
    let mut image = node.image();
    let wanted: Vec<(Option<String>, Uuid)> = request
        .topics
        .unwrap_or_default()
        .into_iter()
        .map(|t| (t.name.map(|n| n.0.to_string()), t.topic_id))
        .collect();
    let allow_create =
        (version < 4 || request.allow_auto_topic_creation) && state.config.auto_create_topics;
    if !all && allow_create {
        let missing: Vec<String> = wanted
            .iter()
            .filter_map(|(n, _)| n.clone())
            .filter(|n| !image.topics.contains_key(n))
            .collect();
        if !missing.is_empty() {
            let create = CreateTopicsRequest::default().with_timeout_ms(5000).with_topics(
                missing
                    .iter()
                    .map(|n| {
                        kctl_client::protocol::messages::create_topics_request::CreatableTopic::default()
                            .with_name(TopicName(str_bytes(n.clone())))
                            .with_num_partitions(-1)
                            .with_replication_factor(-1)
                    })
                    .collect(),
            );
            if let Err(e) = node.call_controller(7, &create).await {
                tracing::warn!("auto-creating topics failed: {e}");
            }
            refresh(state, node).await;
            image = node.image();
        }
    }
    let mut response = controller_server::metadata(&image, &state.cluster_id);
    if !all {
        let by_name: HashMap<String, _> = response
            .topics
            .drain(..)
            .filter_map(|t| Some((t.name.as_ref()?.0.to_string(), t)))
            .collect();
        response.topics = wanted
            .into_iter()
            .map(|(name, id)| {
                let found = match &name {
                    Some(n) => by_name.get(n).cloned(),
                    None => by_name.values().find(|t| t.topic_id == id).cloned(),
                };
                found.unwrap_or_else(|| {
                    let code = if name.is_some() { ErrorCode::UnknownTopicOrPartition } else { ErrorCode::UnknownTopicId };
                    kctl_client::protocol::messages::metadata_response::MetadataResponseTopic::default()
                        .with_error_code(code.code())
                        .with_name(name.map(|n| TopicName(str_bytes(n))))
                        .with_topic_id(id)
                        .with_topic_authorized_operations(i32::MIN)
                })
            })
            .collect();
    }
    response
}

macro_rules! forward {
    ($name:ident, $req:ty, $resp:ty, $on_error:expr) => {
        /// Forwarded to the controller; the image is refreshed before the
        /// answer, so this node's next Metadata already shows the change.
        pub(crate) async fn $name(
            state: &BrokerState,
            node: &ClusterNode,
            request: $req,
            version: i16,
        ) -> $resp {
            let response = node.call_controller(version, &request).await;
            refresh(state, node).await;
            match response {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!("forwarding to the controller failed: {e}");
                    #[allow(clippy::redundant_closure_call)]
                    ($on_error)(request)
                }
            }
        }
    };
}

forward!(
    create_topics,
    CreateTopicsRequest,
    CreateTopicsResponse,
    |r: CreateTopicsRequest| {
        CreateTopicsResponse::default().with_topics(
        r.topics
            .into_iter()
            .map(|t| {
                kctl_client::protocol::messages::create_topics_response::CreatableTopicResult::default()
                    .with_name(t.name)
                    .with_error_code(ErrorCode::RequestTimedOut.code())
            })
            .collect(),
    )
    }
);
forward!(
    delete_topics,
    DeleteTopicsRequest,
    DeleteTopicsResponse,
    |r: DeleteTopicsRequest| {
        DeleteTopicsResponse::default().with_responses(
        r.topic_names
            .into_iter()
            .map(|n| {
                kctl_client::protocol::messages::delete_topics_response::DeletableTopicResult::default()
                    .with_name(Some(n))
                    .with_error_code(ErrorCode::RequestTimedOut.code())
            })
            .collect(),
    )
    }
);
forward!(
    create_partitions,
    CreatePartitionsRequest,
    CreatePartitionsResponse,
    |r: CreatePartitionsRequest| {
        CreatePartitionsResponse::default().with_results(
        r.topics
            .into_iter()
            .map(|t| {
                kctl_client::protocol::messages::create_partitions_response::CreatePartitionsTopicResult::default()
                    .with_name(t.name)
                    .with_error_code(ErrorCode::RequestTimedOut.code())
            })
            .collect(),
    )
    }
);
forward!(
    elect_leaders,
    ElectLeadersRequest,
    ElectLeadersResponse,
    |_: ElectLeadersRequest| {
        ElectLeadersResponse::default().with_error_code(ErrorCode::RequestTimedOut.code())
    }
);
