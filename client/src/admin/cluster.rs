//! The cluster: DescribeCluster (KIP-700), or Metadata on brokers older
//! than Kafka 2.8 that lack it.

use kafka_protocol::messages::{ApiKey, DescribeClusterRequest};

use super::{Admin, check};
use crate::error::{Error, ErrorContext, RequestError, Result};
use crate::metadata::BrokerInfo;

/// Brokers, controller and id of a cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterDescription {
    /// The cluster id, when the broker reports one.
    pub cluster_id: Option<String>,
    /// `None` when the cluster does not say (KRaft clusters may hide it).
    pub controller_id: Option<i32>,
    /// Sorted by id.
    pub brokers: Vec<BrokerInfo>,
    /// Whether the answer came from Metadata because the broker lacks
    /// DescribeCluster.
    pub from_metadata: bool,
}

impl Admin {
    ///
    /// ```no_run
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// let cluster = admin.describe_cluster().await?;
    /// println!("{:?}: {} brokers", cluster.cluster_id, cluster.brokers.len());
    /// # Ok(()) }
    /// ```
    pub async fn describe_cluster(&self) -> Result<ClusterDescription> {
        self.retrying("DescribeCluster", || self.describe_cluster_once())
            .await
    }

    async fn describe_cluster_once(&self) -> Result<ClusterDescription> {
        let (conn, _) = self.client.any_connection().await?;
        match conn.version_for::<DescribeClusterRequest>(None) {
            Ok(version) => {
                // endpoint_type 1 = brokers (v1+); v0 has only brokers.
                let request = DescribeClusterRequest::default().with_endpoint_type(1);
                let response = conn.request_at(&request, version).await?;
                check(
                    response.error_code,
                    response.error_message.as_ref(),
                    ErrorContext::api(ApiKey::DescribeCluster),
                )?;
                let mut brokers: Vec<BrokerInfo> = response
                    .brokers
                    .iter()
                    .map(|b| BrokerInfo {
                        id: b.broker_id.0,
                        host: b.host.to_string(),
                        port: b.port,
                        rack: b.rack.as_ref().map(|r| r.to_string()),
                    })
                    .collect();
                brokers.sort_by_key(|b| b.id);
                Ok(ClusterDescription {
                    cluster_id: Some(response.cluster_id.to_string()),
                    controller_id: (response.controller_id.0 >= 0)
                        .then_some(response.controller_id.0),
                    brokers,
                    from_metadata: false,
                })
            }
            Err(RequestError::UnsupportedApi { .. }) => {
                let response = self.metadata_request(Some(&[])).await?;
                let mut brokers: Vec<BrokerInfo> = response
                    .brokers
                    .iter()
                    .map(|b| BrokerInfo {
                        id: b.node_id.0,
                        host: b.host.to_string(),
                        port: b.port,
                        rack: b.rack.as_ref().map(|r| r.to_string()),
                    })
                    .collect();
                brokers.sort_by_key(|b| b.id);
                Ok(ClusterDescription {
                    cluster_id: response.cluster_id.as_ref().map(|c| c.to_string()),
                    controller_id: (response.controller_id.0 >= 0)
                        .then_some(response.controller_id.0),
                    brokers,
                    from_metadata: true,
                })
            }
            Err(e) => Err(Error::from(e)),
        }
    }
}
