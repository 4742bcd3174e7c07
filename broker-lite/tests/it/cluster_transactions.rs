//! Transactions and producer ids on a local cluster (issue 15, cluster
//! part): producer ids come from the controller in blocks, so no two nodes
//! hand out the same one.

use std::collections::BTreeSet;
use std::time::Duration;

use kctl_client::protocol::messages::{InitProducerIdRequest, ProducerId};

use crate::cluster_support::TestCluster;

async fn new_producer_id(cluster: &TestCluster, node: i32) -> i64 {
    let request = InitProducerIdRequest::default()
        .with_transactional_id(None)
        .with_transaction_timeout_ms(60_000)
        .with_producer_id(ProducerId(-1))
        .with_producer_epoch(-1);
    let response = cluster.client(node).await.send(4, &request).await;
    assert_eq!(response.error_code, 0, "InitProducerId on node {node}");
    assert_eq!(response.producer_epoch, 0);
    response.producer_id.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn producer_ids_never_collide_across_nodes_or_restarts() {
    let cluster = TestCluster::start(3, &[]).await;
    let mut seen = BTreeSet::new();
    let mut issued = 0;
    for round in 0..2 {
        for node in 1..=3 {
            for _ in 0..4 {
                let id = new_producer_id(&cluster, node).await;
                issued += 1;
                assert!(
                    seen.insert(id),
                    "producer id {id} handed out twice (node {node}, round {round})"
                );
            }
        }
        if round == 0 {
            // A restarted node gets a fresh block: none of its old ids again.
            cluster.cluster().kill_node(2).await.unwrap();
            cluster.cluster().start_node(2).await.unwrap();
            cluster
                .cluster()
                .wait_until_live(&[2], Duration::from_secs(20))
                .await
                .unwrap();
        }
    }
    assert_eq!(seen.len(), issued);
    cluster.shutdown().await;
}
