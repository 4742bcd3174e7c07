//! WriteTxnMarkers: v0–1, cluster-internal. The transaction coordinator
//! asks a partition's leader to write a COMMIT or ABORT marker (see
//! `cluster::txn_channel`); only other cluster nodes may send it (Kafka
//! requires CLUSTER_ACTION), so it is not offered in ApiVersions.
//!
//! A partition's answer is sent once its ISR has the marker, as Kafka
//! appends markers with requiredAcks = -1 (`KafkaApis` ->
//! `ReplicaManager.appendRecords`): the coordinator completes the
//! transaction only then, so a leader dying right after the append leaves
//! the marker to the coordinator's retry on the new leader.

use std::sync::Arc;

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::control::MarkerType;
use kctl_client::protocol::messages::write_txn_markers_response::{
    WritableTxnMarkerPartitionResult, WritableTxnMarkerResult, WritableTxnMarkerTopicResult,
};
use kctl_client::protocol::messages::{TopicName, WriteTxnMarkersRequest, WriteTxnMarkersResponse};

use crate::cluster::ClusterNode;
use crate::cluster::txn_channel::{
    MARKER_REPLICATION_TIMEOUT, MarkerAppended, await_marker_replicated, write_marker_here,
};
use crate::state::BrokerState;

/// One partition's append, before the wait for its ISR.
type Appended = (TopicName, i32, Result<Option<MarkerAppended>, ErrorCode>);

pub(super) async fn handle(
    state: Arc<BrokerState>,
    node: Arc<ClusterNode>,
    request: WriteTxnMarkersRequest,
) -> Option<WriteTxnMarkersResponse> {
    let node2 = Arc::clone(&node);
    // Markers may fsync: appended off the async workers.
    let appended: Vec<(i64, Vec<Appended>)> =
        tokio::task::spawn_blocking(move || append_all(&state, &node2, request))
            .await
            .ok()?;
    let deadline = tokio::time::Instant::now() + MARKER_REPLICATION_TIMEOUT;
    let mut markers = Vec::with_capacity(appended.len());
    for (producer_id, partitions) in appended {
        let mut topics: Vec<WritableTxnMarkerTopicResult> = Vec::new();
        for (name, index, outcome) in partitions {
            let tp = (name.0.to_string(), index);
            let outcome = match outcome {
                Ok(appended) => {
                    let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                    await_marker_replicated(&node, &tp, appended, left).await
                }
                Err(code) => Err(code),
            };
            let result = WritableTxnMarkerPartitionResult::default()
                .with_partition_index(index)
                .with_error_code(outcome.err().map_or(0, |code| code.code()));
            match topics.iter_mut().find(|t| t.name == name) {
                Some(topic) => topic.partitions.push(result),
                None => topics.push(
                    WritableTxnMarkerTopicResult::default()
                        .with_name(name)
                        .with_partitions(vec![result]),
                ),
            }
        }
        markers.push(
            WritableTxnMarkerResult::default()
                .with_producer_id(kctl_client::protocol::messages::ProducerId(producer_id))
                .with_topics(topics),
        );
    }
    Some(WriteTxnMarkersResponse::default().with_markers(markers))
}

/// Appends every marker of the request, in order.
fn append_all(
    state: &BrokerState,
    node: &ClusterNode,
    request: WriteTxnMarkersRequest,
) -> Vec<(i64, Vec<Appended>)> {
    request
        .markers
        .into_iter()
        .map(|m| {
            let marker = if m.transaction_result {
                MarkerType::Commit
            } else {
                MarkerType::Abort
            };
            let partitions = m
                .topics
                .iter()
                .flat_map(|t| {
                    let name = t.name.0.to_string();
                    t.partition_indexes.iter().map(move |&index| {
                        let outcome = write_marker_here(
                            state,
                            node,
                            &(name.clone(), index),
                            m.producer_id.0,
                            m.producer_epoch,
                            marker,
                            m.coordinator_epoch,
                        );
                        (t.name.clone(), index, outcome)
                    })
                })
                .collect();
            (m.producer_id.0, partitions)
        })
        .collect()
}
