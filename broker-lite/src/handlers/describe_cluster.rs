//! DescribeCluster: v0–1. One broker, which is also the controller.

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::messages::describe_cluster_response::DescribeClusterBroker;
use kctl_client::protocol::messages::{DescribeClusterRequest, DescribeClusterResponse};

use super::{node, str_bytes};
use crate::state::BrokerState;

/// DescribeCluster v1 endpoint types: 1 = brokers, 2 = controllers.
const ENDPOINT_TYPE_BROKERS: i8 = 1;

pub(super) fn handle(
    state: &BrokerState,
    request: DescribeClusterRequest,
    version: i16,
) -> DescribeClusterResponse {
    let response = DescribeClusterResponse::default()
        .with_cluster_id(str_bytes(state.cluster_id.clone()))
        .with_controller_id(node(state))
        .with_endpoint_type(ENDPOINT_TYPE_BROKERS)
        .with_cluster_authorized_operations(i32::MIN);
    if version >= 1 && request.endpoint_type != ENDPOINT_TYPE_BROKERS {
        return response
            .with_error_code(ErrorCode::UnsupportedEndpointType.code())
            .with_error_message(Some(str_bytes(
                "broker-lite only describes broker endpoints",
            )));
    }
    let (host, port) = &state.advertised;
    response.with_brokers(vec![
        DescribeClusterBroker::default()
            .with_broker_id(node(state))
            .with_host(str_bytes(host.clone()))
            .with_port(i32::from(*port)),
    ])
}
