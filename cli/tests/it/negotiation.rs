//! Version negotiation with broker-lite: every request the client sends
//! meets a version broker-lite serves (the Apache Kafka counterpart is
//! `apache_kafka::versions`).

use kctl_client::protocol::api::ApiKey;

use crate::apache_kafka::versions::{broker_versions, every_request, table};
use crate::support::Broker;

/// Requests the client can send that broker-lite does not serve, on
/// purpose: it has no authentication (SASL; docs/architecture.md).
const NOT_SERVED: [ApiKey; 2] = [ApiKey::SaslHandshake, ApiKey::SaslAuthenticate];

#[test]
fn negotiation_with_broker_lite() {
    let broker = Broker::start();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let versions = runtime.block_on(broker_versions(&broker.bootstrap));
    let picks = every_request(&versions);
    let table = table(&versions, &picks);
    for p in &picks {
        if NOT_SERVED.contains(&p.key) {
            assert!(
                versions.range(p.key).is_none(),
                "broker-lite serves {} now: take it off NOT_SERVED:\n{table}",
                p.api
            );
            continue;
        }
        let range = versions
            .range(p.key)
            .unwrap_or_else(|| panic!("broker-lite does not serve {}:\n{table}", p.api));
        let picked = p
            .picked
            .unwrap_or_else(|| panic!("no common version for {}:\n{table}", p.api));
        assert!(
            (range.min..=range.max).contains(&picked),
            "{} picked v{picked}, outside broker-lite's v{}-v{}:\n{table}",
            p.api,
            range.min,
            range.max
        );
    }
}
