//! The controller's listener: Kafka's own controller APIs, spoken by the
//! nodes over loopback.
//!
//! - BrokerRegistration (62) and BrokerHeartbeat (63): liveness. A heartbeat
//!   carries the node's image epoch as `current_metadata_offset`; the answer's
//!   `is_caught_up` tells it to pull the image again.
//! - Metadata (3) and DescribeConfigs (32): the image pull — placement,
//!   leaders, leader epochs, ISRs, and topic config overrides.
//! - AlterPartition (56): a leader's ISR change.
//! - AllocateProducerIds (67): a block of producer ids for a node.
//! - CreateTopics (19), DeleteTopics (20), CreatePartitions (37): forwarded
//!   by whichever node a client asked (as Kafka forwards to its controller).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use kctl_client::protocol::messages::alter_partition_response::{
    PartitionData as AlterPartitionResult, TopicData as AlterTopicResult,
};
use kctl_client::protocol::messages::create_partitions_response::CreatePartitionsTopicResult;
use kctl_client::protocol::messages::create_topics_response::{
    CreatableTopicConfigs, CreatableTopicResult,
};
use kctl_client::protocol::messages::delete_topics_response::DeletableTopicResult;
use kctl_client::protocol::messages::describe_configs_response::{
    DescribeConfigsResourceResult, DescribeConfigsResult,
};
use kctl_client::protocol::messages::metadata_response::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kctl_client::protocol::messages::{
    AllocateProducerIdsRequest, AllocateProducerIdsResponse, AlterPartitionRequest,
    AlterPartitionResponse, ApiKey, BrokerHeartbeatRequest, BrokerHeartbeatResponse, BrokerId,
    BrokerRegistrationRequest, BrokerRegistrationResponse, CreatePartitionsRequest,
    CreatePartitionsResponse, CreateTopicsRequest, CreateTopicsResponse, DeleteTopicsRequest,
    DeleteTopicsResponse, DescribeConfigsRequest, DescribeConfigsResponse, ElectLeadersRequest,
    ElectLeadersResponse, MetadataRequest, MetadataResponse, ProducerId, TopicName,
};
use kctl_client::protocol::{
    Decodable, Encodable, ErrorCode, ProtocolError, Request, frame, header,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use super::controller::{Controller, ControllerConfig, ControllerError, IsrChange, TopicRequest};
use super::image::ClusterImage;
use crate::handlers::str_bytes;

/// How often sessions are checked for expiry.
const SESSION_CHECK_INTERVAL: Duration = Duration::from_millis(100);
/// DescribeConfigs' source for a topic override.
const SOURCE_DYNAMIC_TOPIC: i8 = 1;
const RESOURCE_TOPIC: i8 = 2;
/// The image epoch rides in a tagged field of the controller's Metadata
/// answer (KIP-482 tagged fields: readers that do not know a tag skip it).
/// Kafka has no Metadata field for it because its brokers read the
/// metadata log itself, whose offset is the epoch.
const IMAGE_EPOCH_TAG: i32 = 10_000;

/// The image epoch in a controller's Metadata answer.
pub(crate) fn image_epoch_of(response: &MetadataResponse) -> Option<i64> {
    let bytes = response.unknown_tagged_fields.get(&IMAGE_EPOCH_TAG)?;
    Some(i64::from_be_bytes(bytes.as_ref().try_into().ok()?))
}

/// A running controller.
#[derive(Debug)]
pub struct ControllerHandle {
    pub controller: Arc<Controller>,
    local_addr: SocketAddr,
    shutdown: broadcast::Sender<()>,
    task: JoinHandle<()>,
}

impl ControllerHandle {
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub async fn shutdown(self) {
        let _ = self.shutdown.send(());
        let _ = self.task.await;
    }
}

/// Opens the controller's directory and serves on `listen` (port 0 picks one).
pub async fn start_controller(
    config: ControllerConfig,
    listen: SocketAddr,
) -> Result<ControllerHandle, ControllerError> {
    let dir = config.dir.clone();
    let controller = Arc::new(Controller::open(config)?);
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|source| ControllerError::Io {
            path: dir.clone(),
            source,
        })?;
    let local_addr = listener
        .local_addr()
        .map_err(|source| ControllerError::Io { path: dir, source })?;
    let (shutdown, _) = broadcast::channel(1);
    let task = tokio::spawn(serve(listener, Arc::clone(&controller), shutdown.clone()));
    tracing::info!(%local_addr, cluster_id = %controller.cluster_id, "controller started");
    Ok(ControllerHandle {
        controller,
        local_addr,
        shutdown,
        task,
    })
}

async fn serve(
    listener: TcpListener,
    controller: Arc<Controller>,
    shutdown: broadcast::Sender<()>,
) {
    let mut stop = shutdown.subscribe();
    let mut sessions = tokio::time::interval(SESSION_CHECK_INTERVAL);
    let rebalance_every = Duration::from_secs(
        controller
            .config
            .leader_imbalance_check_interval_seconds
            .max(1),
    );
    let mut rebalance = tokio::time::interval_at(
        tokio::time::Instant::now() + rebalance_every,
        rebalance_every,
    );
    let mut connections = Vec::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    let _ = stream.set_nodelay(true);
                    let controller = Arc::clone(&controller);
                    let mut stop = shutdown.subscribe();
                    connections.push(tokio::spawn(async move {
                        tokio::select! {
                            () = connection(stream, controller) => {}
                            _ = stop.recv() => {}
                        }
                    }));
                    connections.retain(|c: &JoinHandle<()>| !c.is_finished());
                }
            }
            _ = sessions.tick() => controller.expire_sessions(),
            _ = rebalance.tick(), if controller.config.auto_leader_rebalance => {
                // Kafka's auto.leader.rebalance.enable: leadership goes back
                // to preferred replicas that are live and in sync.
                let moved = controller.elect_leaders(true, None).iter().filter(|(_, _, o)| o.is_none()).count();
                if moved > 0 {
                    tracing::info!(moved, "moved leaders back to their preferred replicas");
                }
            }
            _ = stop.recv() => break,
        }
    }
    for c in connections {
        c.abort();
    }
}

async fn connection(mut stream: TcpStream, controller: Arc<Controller>) {
    let mut read_buf = BytesMut::with_capacity(64 * 1024);
    let mut out = BytesMut::new();
    loop {
        match frame::decode(&mut read_buf, frame::DEFAULT_MAX_FRAME_BYTES) {
            Ok(Some(frame)) => {
                if let Err(e) = dispatch(&controller, frame.freeze(), &mut out) {
                    tracing::warn!("controller: closing a connection: {e}");
                    return;
                }
                if stream.write_all(&out).await.is_err() {
                    return;
                }
                out.clear();
            }
            Ok(None) => match stream.read_buf(&mut read_buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            },
            Err(_) => return,
        }
    }
}

fn dispatch(
    controller: &Controller,
    frame: bytes::Bytes,
    out: &mut BytesMut,
) -> Result<(), ProtocolError> {
    let request = header::decode_request(frame)?;
    let version = request.version();
    let correlation_id = request.correlation_id();
    let mut body = request.body;
    fn reply<R: Request + Decodable>(
        api_key: ApiKey,
        body: &mut bytes::Bytes,
        version: i16,
        correlation_id: i32,
        out: &mut BytesMut,
        handle: impl FnOnce(R) -> R::Response,
    ) -> Result<(), ProtocolError>
    where
        R::Response: Encodable,
    {
        let decoded: R = header::decode_body(body, version)?;
        header::encode_response(out, api_key, version, correlation_id, &handle(decoded))
    }
    let (k, b, v, c) = (request.api_key, &mut body, version, correlation_id);
    match request.api_key {
        ApiKey::BrokerRegistration => reply(k, b, v, c, out, |r: BrokerRegistrationRequest| {
            register(controller, r)
        }),
        ApiKey::BrokerHeartbeat => reply(k, b, v, c, out, |r: BrokerHeartbeatRequest| {
            heartbeat(controller, r)
        }),
        ApiKey::AlterPartition => reply(k, b, v, c, out, |r: AlterPartitionRequest| {
            alter_partition(controller, r)
        }),
        ApiKey::Metadata => reply(k, b, v, c, out, |_: MetadataRequest| {
            let image = controller.image();
            let mut response = metadata(&image, &controller.cluster_id);
            response.unknown_tagged_fields.insert(
                IMAGE_EPOCH_TAG,
                bytes::Bytes::copy_from_slice(&image.epoch.to_be_bytes()),
            );
            response
        }),
        ApiKey::DescribeConfigs => reply(k, b, v, c, out, |r: DescribeConfigsRequest| {
            describe_configs(controller, r)
        }),
        ApiKey::CreateTopics => reply(k, b, v, c, out, |r: CreateTopicsRequest| {
            create_topics(controller, r, v)
        }),
        ApiKey::DeleteTopics => reply(k, b, v, c, out, |r: DeleteTopicsRequest| {
            delete_topics(controller, r, v)
        }),
        ApiKey::CreatePartitions => reply(k, b, v, c, out, |r: CreatePartitionsRequest| {
            create_partitions(controller, r)
        }),
        ApiKey::ElectLeaders => reply(k, b, v, c, out, |r: ElectLeadersRequest| {
            elect_leaders(controller, r)
        }),
        ApiKey::AllocateProducerIds => reply(k, b, v, c, out, |r: AllocateProducerIdsRequest| {
            let len = crate::producer_ids::BLOCK_SIZE;
            match controller.allocate_producer_ids(r.broker_id.0, r.broker_epoch, len) {
                Ok(start) => AllocateProducerIdsResponse::default()
                    .with_producer_id_start(ProducerId(start))
                    .with_producer_id_len(len as i32),
                Err(code) => AllocateProducerIdsResponse::default()
                    .with_error_code(code.code())
                    .with_producer_id_start(ProducerId(-1)),
            }
        }),
        other => Err(ProtocolError::UnknownApiKey(other as i16)),
    }
}

fn register(controller: &Controller, r: BrokerRegistrationRequest) -> BrokerRegistrationResponse {
    if r.cluster_id.as_str() != controller.cluster_id {
        return BrokerRegistrationResponse::default()
            .with_error_code(ErrorCode::InconsistentClusterId.code());
    }
    let Some(listener) = r.listeners.first() else {
        return BrokerRegistrationResponse::default()
            .with_error_code(ErrorCode::InvalidRequest.code());
    };
    let epoch = controller.register(
        r.broker_id.0,
        r.incarnation_id,
        listener.host.to_string(),
        listener.port,
    );
    BrokerRegistrationResponse::default().with_broker_epoch(epoch)
}

fn heartbeat(controller: &Controller, r: BrokerHeartbeatRequest) -> BrokerHeartbeatResponse {
    match controller.heartbeat(
        r.broker_id.0,
        r.broker_epoch,
        r.current_metadata_offset,
        r.want_shut_down,
    ) {
        Ok(caught_up) => BrokerHeartbeatResponse::default()
            .with_is_caught_up(caught_up)
            .with_is_fenced(r.want_shut_down)
            .with_should_shut_down(r.want_shut_down),
        Err(code) => BrokerHeartbeatResponse::default()
            .with_error_code(code.code())
            .with_is_fenced(true),
    }
}

fn alter_partition(controller: &Controller, r: AlterPartitionRequest) -> AlterPartitionResponse {
    let changes: Vec<IsrChange> = r
        .topics
        .iter()
        .flat_map(|t| {
            t.partitions.iter().map(|p| IsrChange {
                topic_id: t.topic_id,
                index: p.partition_index,
                leader_epoch: p.leader_epoch,
                new_isr: p
                    .new_isr_with_epochs
                    .iter()
                    .map(|b| b.broker_id.0)
                    .collect(),
            })
        })
        .collect();
    let mut results = controller
        .alter_isr(r.broker_id.0, r.broker_epoch, changes)
        .into_iter();
    let topics = r
        .topics
        .into_iter()
        .map(|t| {
            let partitions = t
                .partitions
                .iter()
                .map(|p| {
                    let result =
                        AlterPartitionResult::default().with_partition_index(p.partition_index);
                    match results.next().unwrap_or(Err(ErrorCode::UnknownServerError)) {
                        Ok(meta) => result
                            .with_leader_id(BrokerId(meta.leader))
                            .with_leader_epoch(meta.leader_epoch)
                            .with_isr(meta.isr.into_iter().map(BrokerId).collect())
                            .with_partition_epoch(meta.partition_epoch),
                        Err(code) => result.with_error_code(code.code()),
                    }
                })
                .collect();
            AlterTopicResult::default()
                .with_topic_id(t.topic_id)
                .with_partitions(partitions)
        })
        .collect();
    AlterPartitionResponse::default().with_topics(topics)
}

/// The image as a Metadata response: live brokers, and every partition's
/// leader, leader epoch, replicas, ISR and offline replicas. Nodes answer
/// clients' Metadata from the same shape (see `node::metadata_response`).
pub(crate) fn metadata(image: &ClusterImage, cluster_id: &str) -> MetadataResponse {
    let brokers = image
        .live_brokers()
        .map(|(id, b)| {
            MetadataResponseBroker::default()
                .with_node_id(BrokerId(id))
                .with_host(str_bytes(b.host.clone()))
                .with_port(i32::from(b.port))
        })
        .collect();
    let topics = image
        .topics
        .values()
        .map(|t| {
            let partitions = t
                .partitions
                .iter()
                .enumerate()
                .map(|(index, p)| describe_partition(image, index as i32, p))
                .collect();
            MetadataResponseTopic::default()
                .with_name(Some(TopicName(str_bytes(t.name.clone()))))
                .with_topic_id(t.id)
                .with_partitions(partitions)
                .with_topic_authorized_operations(i32::MIN)
        })
        .collect();
    MetadataResponse::default()
        .with_brokers(brokers)
        .with_cluster_id(Some(str_bytes(cluster_id.to_owned())))
        .with_controller_id(BrokerId(controller_id(image)))
        .with_topics(topics)
        .with_cluster_authorized_operations(i32::MIN)
}

/// What Metadata calls the controller: the lowest live broker id, on every
/// node alike. Clients send admin requests there, and it forwards them to
/// the real controller (which has no client listener), as a KRaft broker
/// forwards to its controller quorum.
pub(crate) fn controller_id(image: &ClusterImage) -> i32 {
    image.live_brokers().map(|(id, _)| id).next().unwrap_or(-1)
}

pub(crate) fn describe_partition(
    image: &ClusterImage,
    index: i32,
    p: &super::image::PartitionMeta,
) -> MetadataResponsePartition {
    let ids = |v: &[i32]| v.iter().copied().map(BrokerId).collect::<Vec<_>>();
    let offline: Vec<i32> = p
        .replicas
        .iter()
        .copied()
        .filter(|b| !image.is_live(*b))
        .collect();
    MetadataResponsePartition::default()
        .with_error_code(if p.leader == -1 {
            ErrorCode::LeaderNotAvailable.code()
        } else {
            0
        })
        .with_partition_index(index)
        .with_leader_id(BrokerId(p.leader))
        .with_leader_epoch(p.leader_epoch)
        .with_replica_nodes(ids(&p.replicas))
        .with_isr_nodes(ids(&p.isr))
        .with_offline_replicas(ids(&offline))
}

fn describe_configs(controller: &Controller, r: DescribeConfigsRequest) -> DescribeConfigsResponse {
    let image = controller.image();
    let results = r
        .resources
        .into_iter()
        .map(|res| {
            let result = DescribeConfigsResult::default()
                .with_resource_type(res.resource_type)
                .with_resource_name(res.resource_name.clone());
            let topic = (res.resource_type == RESOURCE_TOPIC)
                .then(|| image.topics.get(res.resource_name.as_str()))
                .flatten();
            match topic {
                Some(t) => result.with_configs(
                    t.configs
                        .iter()
                        .map(|(k, v)| {
                            DescribeConfigsResourceResult::default()
                                .with_name(str_bytes(k.clone()))
                                .with_value(Some(str_bytes(v.clone())))
                                .with_config_source(SOURCE_DYNAMIC_TOPIC)
                        })
                        .collect(),
                ),
                None => result.with_error_code(ErrorCode::UnknownTopicOrPartition.code()),
            }
        })
        .collect();
    DescribeConfigsResponse::default().with_results(results)
}

fn create_topics(
    controller: &Controller,
    r: CreateTopicsRequest,
    version: i16,
) -> CreateTopicsResponse {
    let mut seen = BTreeMap::new();
    for t in &r.topics {
        *seen.entry(t.name.0.to_string()).or_insert(0) += 1;
    }
    let topics = r
        .topics
        .into_iter()
        .map(|t| {
            let name = t.name.clone();
            let fail = |code: ErrorCode, message: String| {
                CreatableTopicResult::default()
                    .with_name(name.clone())
                    .with_error_code(code.code())
                    .with_error_message(Some(str_bytes(message)))
                    .with_num_partitions(-1)
                    .with_replication_factor(-1)
            };
            if seen.get(name.0.as_str()).copied().unwrap_or(0) > 1 {
                return fail(ErrorCode::InvalidRequest, "Duplicate topic in request.".into());
            }
            if !t.assignments.is_empty() && (t.num_partitions != -1 || t.replication_factor != -1) {
                return fail(ErrorCode::InvalidRequest, "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.".into());
            }
            let mut configs = BTreeMap::new();
            for c in &t.configs {
                match &c.value {
                    Some(v) => {
                        configs.insert(c.name.to_string(), v.to_string());
                    }
                    None => return fail(ErrorCode::InvalidConfig, format!("Null value not supported for topic config {}", c.name.as_str())),
                }
            }
            let request = TopicRequest {
                name: name.0.to_string(),
                num_partitions: t.num_partitions,
                replication_factor: t.replication_factor,
                assignments: t
                    .assignments
                    .iter()
                    .map(|a| (a.partition_index, a.broker_ids.iter().map(|b| b.0).collect()))
                    .collect(),
                configs: configs.clone(),
            };
            match controller.create_topic(request, r.validate_only) {
                Ok(topic) => {
                    let rf = topic.partitions.first().map_or(0, |p| p.replicas.len()) as i16;
                    let mut result = CreatableTopicResult::default()
                        .with_name(name)
                        .with_topic_id(if r.validate_only { uuid::Uuid::nil() } else { topic.id })
                        .with_num_partitions(topic.partitions.len() as i32)
                        .with_replication_factor(rf);
                    if version >= 5 {
                        let entries = controller
                            .config
                            .broker_defaults
                            .topic_entries(&configs)
                            .map(|e| {
                                CreatableTopicConfigs::default()
                                    .with_name(str_bytes(e.def.name))
                                    .with_value(Some(str_bytes(e.value)))
                                    .with_config_source(crate::handlers::config_source_code(e.source))
                            })
                            .collect();
                        result = result.with_configs(Some(entries));
                    }
                    result
                }
                Err((code, message)) => fail(code, message),
            }
        })
        .collect();
    CreateTopicsResponse::default().with_topics(topics)
}

fn delete_topics(
    controller: &Controller,
    r: DeleteTopicsRequest,
    version: i16,
) -> DeleteTopicsResponse {
    let image = controller.image();
    let wanted: Vec<(Option<String>, uuid::Uuid)> = if version >= 6 {
        r.topics
            .into_iter()
            .map(|t| (t.name.map(|n| n.0.to_string()), t.topic_id))
            .collect()
    } else {
        r.topic_names
            .into_iter()
            .map(|n| (Some(n.0.to_string()), uuid::Uuid::nil()))
            .collect()
    };
    let responses = wanted
        .into_iter()
        .map(|(name, id)| {
            let name = name.or_else(|| {
                image
                    .topics
                    .values()
                    .find(|t| t.id == id)
                    .map(|t| t.name.clone())
            });
            let Some(name) = name else {
                return DeletableTopicResult::default()
                    .with_topic_id(id)
                    .with_error_code(ErrorCode::UnknownTopicId.code())
                    .with_error_message(Some(str_bytes(format!("Topic id {id} not found."))));
            };
            let result =
                DeletableTopicResult::default().with_name(Some(TopicName(str_bytes(name.clone()))));
            match controller.delete_topic(&name) {
                Ok(id) => result.with_topic_id(id),
                Err((code, message)) => result
                    .with_topic_id(id)
                    .with_error_code(code.code())
                    .with_error_message(Some(str_bytes(message))),
            }
        })
        .collect();
    DeleteTopicsResponse::default().with_responses(responses)
}

fn create_partitions(
    controller: &Controller,
    r: CreatePartitionsRequest,
) -> CreatePartitionsResponse {
    let results = r
        .topics
        .into_iter()
        .map(|t| {
            let result = CreatePartitionsTopicResult::default().with_name(t.name.clone());
            let assignments = t
                .assignments
                .unwrap_or_default()
                .into_iter()
                .map(|a| a.broker_ids.into_iter().map(|b| b.0).collect())
                .collect();
            match controller.create_partitions(
                t.name.0.as_str(),
                t.count,
                assignments,
                r.validate_only,
            ) {
                Ok(()) => result,
                Err((code, message)) => result
                    .with_error_code(code.code())
                    .with_error_message(Some(str_bytes(message))),
            }
        })
        .collect();
    CreatePartitionsResponse::default().with_results(results)
}

/// ElectLeaders type 0 (preferred) or 1 (unclean), answered per partition.
fn elect_leaders(controller: &Controller, r: ElectLeadersRequest) -> ElectLeadersResponse {
    use kctl_client::protocol::messages::elect_leaders_response::{
        PartitionResult, ReplicaElectionResult,
    };
    const PREFERRED: i8 = 0;
    let wanted = r.topic_partitions.map(|topics| {
        topics
            .into_iter()
            .flat_map(|t| {
                let name = t.topic.0.to_string();
                t.partitions.into_iter().map(move |p| (name.clone(), p))
            })
            .collect()
    });
    let mut by_topic: BTreeMap<String, Vec<PartitionResult>> = BTreeMap::new();
    for (topic, index, outcome) in controller.elect_leaders(r.election_type == PREFERRED, wanted) {
        let result = PartitionResult::default().with_partition_id(index);
        let result = match outcome {
            None => result,
            Some((code, message)) => result
                .with_error_code(code.code())
                .with_error_message(Some(str_bytes(message))),
        };
        by_topic.entry(topic).or_default().push(result);
    }
    ElectLeadersResponse::default().with_replica_election_results(
        by_topic
            .into_iter()
            .map(|(topic, results)| {
                ReplicaElectionResult::default()
                    .with_topic(TopicName(str_bytes(topic)))
                    .with_partition_result(results)
            })
            .collect(),
    )
}
