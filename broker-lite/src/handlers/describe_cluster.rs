//! DescribeCluster: v0–1. A single broker is also the controller; a
//! cluster node answers from the controller's image, as Metadata does.

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::messages::describe_cluster_response::DescribeClusterBroker;
use kctl_client::protocol::messages::{BrokerId, DescribeClusterRequest, DescribeClusterResponse};

use super::{node, str_bytes};
use crate::state::BrokerState;

/// DescribeCluster v1 endpoint types: 1 = brokers, 2 = controllers.
const ENDPOINT_TYPE_BROKERS: i8 = 1;

pub(super) fn handle(
    state: &BrokerState,
    request: DescribeClusterRequest,
    version: i16,
) -> DescribeClusterResponse {
    let image = state.cluster.as_ref().map(|c| c.image());
    let controller_id = image.as_deref().map_or(node(state), |image| {
        BrokerId(crate::cluster::controller_server::controller_id(image))
    });
    let response = DescribeClusterResponse::default()
        .with_cluster_id(str_bytes(state.cluster_id.clone()))
        .with_controller_id(controller_id)
        .with_endpoint_type(ENDPOINT_TYPE_BROKERS)
        .with_cluster_authorized_operations(i32::MIN);
    if version >= 1 && request.endpoint_type != ENDPOINT_TYPE_BROKERS {
        return response
            .with_error_code(ErrorCode::UnsupportedEndpointType.code())
            .with_error_message(Some(str_bytes(
                "broker-lite only describes broker endpoints",
            )));
    }
    if let Some(image) = image {
        return response.with_brokers(
            image
                .live_brokers()
                .map(|(id, b)| {
                    DescribeClusterBroker::default()
                        .with_broker_id(BrokerId(id))
                        .with_host(str_bytes(b.host.clone()))
                        .with_port(i32::from(b.port))
                })
                .collect(),
        );
    }
    let (host, port) = &state.advertised;
    response.with_brokers(vec![
        DescribeClusterBroker::default()
            .with_broker_id(node(state))
            .with_host(str_bytes(host.clone()))
            .with_port(i32::from(*port)),
    ])
}
