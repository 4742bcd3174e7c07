//! WriteTxnMarkers: v0–1, cluster-internal. The transaction coordinator
//! asks a partition's leader to write a COMMIT or ABORT marker (see
//! `cluster::txn_channel`); only other cluster nodes may send it (Kafka
//! requires CLUSTER_ACTION), so it is not offered in ApiVersions.

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::control::MarkerType;
use kctl_client::protocol::messages::write_txn_markers_response::{
    WritableTxnMarkerPartitionResult, WritableTxnMarkerResult, WritableTxnMarkerTopicResult,
};
use kctl_client::protocol::messages::{WriteTxnMarkersRequest, WriteTxnMarkersResponse};

use crate::cluster::ClusterNode;
use crate::cluster::txn_channel::write_marker_here;
use crate::state::BrokerState;

pub(super) fn handle(
    state: &BrokerState,
    node: &ClusterNode,
    request: WriteTxnMarkersRequest,
) -> WriteTxnMarkersResponse {
    let markers = request
        .markers
        .into_iter()
        .map(|m| {
            let marker = if m.transaction_result {
                MarkerType::Commit
            } else {
                MarkerType::Abort
            };
            let topics = m
                .topics
                .iter()
                .map(|t| {
                    let name = t.name.0.to_string();
                    WritableTxnMarkerTopicResult::default()
                        .with_name(t.name.clone())
                        .with_partitions(
                            t.partition_indexes
                                .iter()
                                .map(|&index| {
                                    let code = write_marker_here(
                                        state,
                                        node,
                                        &(name.clone(), index),
                                        m.producer_id.0,
                                        m.producer_epoch,
                                        marker,
                                        m.coordinator_epoch,
                                    )
                                    .err()
                                    .map_or(0, |code: ErrorCode| code.code());
                                    WritableTxnMarkerPartitionResult::default()
                                        .with_partition_index(index)
                                        .with_error_code(code)
                                })
                                .collect(),
                        )
                })
                .collect();
            WritableTxnMarkerResult::default()
                .with_producer_id(m.producer_id)
                .with_topics(topics)
        })
        .collect();
    WriteTxnMarkersResponse::default().with_markers(markers)
}
