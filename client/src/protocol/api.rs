//! API keys, version ranges, and version negotiation.

use std::collections::HashMap;

use kafka_protocol::messages::ApiVersionsResponse;
use kafka_protocol::protocol::{Request, VersionRange};

pub use kafka_protocol::messages::ApiKey;

/// One API a peer supports, with the versions it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiSupport {
    /// The API.
    pub api_key: ApiKey,
    /// The lowest version accepted.
    pub min_version: i16,
    /// The highest version accepted.
    pub max_version: i16,
}

impl ApiSupport {
    /// `api_key` in versions `min_version..=max_version`.
    pub const fn new(api_key: ApiKey, min_version: i16, max_version: i16) -> Self {
        Self {
            api_key,
            min_version,
            max_version,
        }
    }

    /// The versions as `kafka-protocol`'s range type.
    pub fn range(&self) -> VersionRange {
        VersionRange {
            min: self.min_version,
            max: self.max_version,
        }
    }

    /// Whether `version` is in the range.
    pub fn supports(&self, version: i16) -> bool {
        (self.min_version..=self.max_version).contains(&version)
    }
}

/// The highest version of each API this client sends, where that is below
/// what the `kafka-protocol` schemas can encode. Every request the client
/// makes is negotiated through [`client_version_cap`], so this table is the
/// only place a cap is set. APIs not listed go up to the schemas' maximum.
///
/// Each cap is the last version whose fields the client fills in
/// correctly; the reason is the first version above it. Kafka 4.0 and
/// broker-lite accept every capped version (Kafka 4.0's minimums are
/// Produce v3, Fetch v4, ListOffsets v1, OffsetCommit v2, OffsetFetch v1).
pub const CLIENT_VERSION_CAPS: &[(ApiKey, i16, &str)] = &[
    (
        ApiKey::Produce,
        12,
        "v13 names topics by id (KIP-516); a transactions-v1 producer stops at v11",
    ),
    (
        ApiKey::Fetch,
        12,
        "v13 names topics by id (KIP-516), which the consumer does not track",
    ),
    (
        ApiKey::ListOffsets,
        7,
        "v8 adds tiered-storage sentinels (KIP-1005) the client does not send",
    ),
    (
        ApiKey::Metadata,
        12,
        "v13 adds nothing the client reads; the cap keeps the request shape the tests exercise",
    ),
    (ApiKey::OffsetCommit, 9, "v10 names topics by id (KIP-848)"),
    (ApiKey::OffsetFetch, 9, "v10 names topics by id (KIP-848)"),
    (
        ApiKey::SaslAuthenticate,
        2,
        "the highest version Kafka defines",
    ),
    (
        ApiKey::AddPartitionsToTxn,
        3,
        "v4+ is the broker-to-broker form (KIP-890)",
    ),
    (
        ApiKey::AddOffsetsToTxn,
        3,
        "v4+ tells the broker the client understands TRANSACTION_ABORTABLE",
    ),
    (
        ApiKey::EndTxn,
        5,
        "the highest version Kafka defines; a transactions-v1 producer stops at v3",
    ),
    (
        ApiKey::TxnOffsetCommit,
        5,
        "the highest version Kafka defines; a transactions-v1 producer stops at v3",
    ),
    // Share groups (KIP-932). ShareFetch and ShareAcknowledge go up to the
    // schemas' v2 (Kafka 4.2: RENEW, KIP-1222); Kafka 4.1 serves v1 only.
    (
        ApiKey::ShareGroupHeartbeat,
        1,
        "v1 is the first version Kafka 4.1+ serves (v0 was early access)",
    ),
    (
        ApiKey::ShareGroupDescribe,
        1,
        "v1 is the first version Kafka 4.1+ serves (v0 was early access)",
    ),
    (
        ApiKey::DescribeShareGroupOffsets,
        1,
        "v1 adds the share-partition lag (Kafka 4.2, KIP-1226); 4.1 serves v0",
    ),
    (
        ApiKey::AlterShareGroupOffsets,
        0,
        "the highest version Kafka defines",
    ),
    (
        ApiKey::DeleteShareGroupOffsets,
        0,
        "the highest version Kafka defines",
    ),
];

/// The highest version of `api_key` this client sends (see
/// [`CLIENT_VERSION_CAPS`]), or `None` for no cap.
pub fn client_version_cap(api_key: ApiKey) -> Option<i16> {
    CLIENT_VERSION_CAPS
        .iter()
        .find(|(key, _, _)| *key == api_key)
        .map(|&(_, cap, _)| cap)
}

/// The highest version in both ranges, or `None` if they do not overlap.
pub fn negotiate(ours: VersionRange, theirs: VersionRange) -> Option<i16> {
    let both = ours.intersect(&theirs);
    (!both.is_empty()).then_some(both.max)
}

/// What a broker said it supports, in its ApiVersions response.
#[derive(Debug, Clone, Default)]
pub struct BrokerVersions {
    ranges: HashMap<i16, VersionRange>,
    /// Finalized feature levels (ApiVersions v3+), e.g. `transaction.version`.
    finalized_features: HashMap<String, i16>,
}

impl BrokerVersions {
    /// What a broker's ApiVersions response says it speaks (versions and
    /// finalized features).
    pub fn from_response(response: &ApiVersionsResponse) -> Self {
        let ranges = response
            .api_keys
            .iter()
            .map(|k| {
                (
                    k.api_key,
                    VersionRange {
                        min: k.min_version,
                        max: k.max_version,
                    },
                )
            })
            .collect();
        // An epoch of -1 means the broker finalizes nothing (KIP-584).
        let finalized_features = if response.finalized_features_epoch >= 0 {
            response
                .finalized_features
                .iter()
                .map(|f| (f.name.to_string(), f.max_version_level))
                .collect()
        } else {
            HashMap::new()
        };
        Self {
            ranges,
            finalized_features,
        }
    }

    /// The finalized level of a feature, if the broker reported one.
    pub fn finalized_feature(&self, name: &str) -> Option<i16> {
        self.finalized_features.get(name).copied()
    }

    /// The broker's range for an API key, if it supports it at all.
    pub fn range(&self, api_key: ApiKey) -> Option<VersionRange> {
        self.ranges.get(&(api_key as i16)).copied()
    }

    /// The version to send request `R` at: the highest one both the broker
    /// and this crate's schemas support, optionally capped by the caller
    /// (who may not implement what newer versions require, such as topic
    /// ids in Produce v13).
    pub fn version_for<R: Request>(&self, cap: Option<i16>) -> Option<i16> {
        let theirs = *self.ranges.get(&R::KEY)?;
        let ours = VersionRange {
            min: R::VERSIONS.min,
            max: cap.map_or(R::VERSIONS.max, |c| c.min(R::VERSIONS.max)),
        };
        negotiate(ours, theirs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_protocol::messages::{ProduceRequest, api_versions_response::ApiVersion};

    #[test]
    fn picks_the_highest_common_version() {
        let response = ApiVersionsResponse::default().with_api_keys(vec![
            ApiVersion::default()
                .with_api_key(ApiKey::Produce as i16)
                .with_min_version(0)
                .with_max_version(11),
        ]);
        let versions = BrokerVersions::from_response(&response);
        assert_eq!(versions.version_for::<ProduceRequest>(None), Some(11));
        assert_eq!(versions.version_for::<ProduceRequest>(Some(12)), Some(11));
        assert_eq!(versions.version_for::<ProduceRequest>(Some(9)), Some(9));
        assert_eq!(versions.range(ApiKey::Fetch), None);
    }

    #[test]
    fn the_caps_table_names_each_api_once_within_the_schemas() {
        let mut keys: Vec<i16> = CLIENT_VERSION_CAPS
            .iter()
            .map(|(k, _, _)| *k as i16)
            .collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), CLIENT_VERSION_CAPS.len());
        assert_eq!(client_version_cap(ApiKey::OffsetFetch), Some(9));
        assert_eq!(client_version_cap(ApiKey::CreateTopics), None);
        assert_eq!(
            client_version_cap(ApiKey::Produce),
            Some(12),
            "raise it only with topic ids (v13)"
        );
    }

    #[test]
    fn disjoint_ranges_do_not_negotiate() {
        assert_eq!(
            negotiate(
                VersionRange { min: 3, max: 5 },
                VersionRange { min: 6, max: 9 }
            ),
            None
        );
        assert_eq!(
            negotiate(
                VersionRange { min: 3, max: 7 },
                VersionRange { min: 6, max: 9 }
            ),
            Some(7)
        );
    }
}
