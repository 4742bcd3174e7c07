//! Version negotiation against Apache Kafka 4.x: for every request kctl and
//! kctl-client send, the version the client picks from the broker's
//! ApiVersions (its schemas' range, capped by the one table in
//! `protocol::api::CLIENT_VERSION_CAPS`) is one that Kafka 4 still accepts
//! after KIP-896 removed the old ones. The same check runs against
//! broker-lite in the main suite (`negotiation_with_broker_lite`).

use std::fmt::Write as _;

use kctl_client::connection::{Connection, ConnectionConfig};
use kctl_client::protocol::Request;
use kctl_client::protocol::api::{ApiKey, BrokerVersions, client_version_cap};
use kctl_client::protocol::messages::*;

use super::cluster;

/// One request the client sends: its name, key, and the version the client
/// picks from `versions` (`None` when the ranges do not meet).
pub struct Negotiated {
    pub api: &'static str,
    pub key: ApiKey,
    pub picked: Option<i16>,
}

fn pick<R: Request>(api: &'static str, versions: &BrokerVersions) -> Negotiated {
    let key = ApiKey::try_from(R::KEY).expect("a known API key");
    Negotiated {
        api,
        key,
        picked: versions.version_for::<R>(client_version_cap(key)),
    }
}

/// Every request type kctl-client builds (client/src/**: each `*Request`
/// it sends), negotiated against `versions`.
pub fn every_request(versions: &BrokerVersions) -> Vec<Negotiated> {
    macro_rules! picks {
        ($($request:ident),* $(,)?) => {
            vec![$(pick::<$request>(stringify!($request), versions)),*]
        };
    }
    picks![
        ApiVersionsRequest,
        SaslHandshakeRequest,
        SaslAuthenticateRequest,
        MetadataRequest,
        ProduceRequest,
        FetchRequest,
        ListOffsetsRequest,
        FindCoordinatorRequest,
        JoinGroupRequest,
        SyncGroupRequest,
        HeartbeatRequest,
        LeaveGroupRequest,
        OffsetCommitRequest,
        OffsetFetchRequest,
        OffsetDeleteRequest,
        DescribeGroupsRequest,
        ListGroupsRequest,
        DeleteGroupsRequest,
        ConsumerGroupDescribeRequest,
        ConsumerGroupHeartbeatRequest,
        CreateTopicsRequest,
        DeleteTopicsRequest,
        CreatePartitionsRequest,
        DeleteRecordsRequest,
        DescribeConfigsRequest,
        AlterConfigsRequest,
        IncrementalAlterConfigsRequest,
        DescribeClusterRequest,
        InitProducerIdRequest,
        AddPartitionsToTxnRequest,
        AddOffsetsToTxnRequest,
        EndTxnRequest,
        TxnOffsetCommitRequest,
        DescribeTransactionsRequest,
        ListTransactionsRequest,
        DescribeProducersRequest,
    ]
}

/// The broker's ApiVersions, as the client's own connection reads it.
pub async fn broker_versions(address: &str) -> BrokerVersions {
    let stream = tokio::net::TcpStream::connect(address)
        .await
        .unwrap_or_else(|e| panic!("connect {address}: {e}"));
    let connection = Connection::establish(stream, &ConnectionConfig::default())
        .await
        .unwrap_or_else(|e| panic!("ApiVersions with {address}: {e}"));
    connection.versions().clone()
}

/// A table of what was picked, for the failure message and `--nocapture`.
pub fn table(versions: &BrokerVersions, picks: &[Negotiated]) -> String {
    let mut out = String::new();
    for p in picks {
        let theirs = versions.range(p.key).map_or("not served".to_owned(), |r| {
            format!("v{}-v{}", r.min, r.max)
        });
        let picked = p.picked.map_or("none".to_owned(), |v| format!("v{v}"));
        writeln!(out, "{:<32} broker {theirs:<12} picked {picked}", p.api).unwrap();
    }
    out
}

#[test]
fn every_request_negotiates_a_version_kafka_4_accepts() {
    let Some(cluster) = cluster() else { return };
    let first = cluster.bootstrap.split(',').next().unwrap().to_owned();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let versions = runtime.block_on(broker_versions(&first));
    let picks = every_request(&versions);
    let table = table(&versions, &picks);
    println!("{table}");
    for p in &picks {
        let range = versions
            .range(p.key)
            .unwrap_or_else(|| panic!("Kafka 4 does not serve {}:\n{table}", p.api));
        let picked = p
            .picked
            .unwrap_or_else(|| panic!("no common version for {}:\n{table}", p.api));
        assert!(
            (range.min..=range.max).contains(&picked),
            "{} picked v{picked}, outside Kafka's v{}-v{}:\n{table}",
            p.api,
            range.min,
            range.max
        );
    }
    // KIP-896's floors, as Kafka 4.0 set them: the client never goes below.
    for (key, floor) in [
        (ApiKey::Produce, 3),
        (ApiKey::Fetch, 4),
        (ApiKey::ListOffsets, 1),
        (ApiKey::OffsetCommit, 2),
        (ApiKey::OffsetFetch, 1),
        (ApiKey::Metadata, 0),
    ] {
        let picked = picks.iter().find(|p| p.key == key).and_then(|p| p.picked);
        assert!(
            picked.is_some_and(|v| v >= floor),
            "{key:?} picked {picked:?}, below Kafka 4's v{floor}:\n{table}"
        );
    }
}
