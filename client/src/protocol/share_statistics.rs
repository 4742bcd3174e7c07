//! kctl's extension to DescribeShareGroupOffsets: per share-partition
//! delivery statistics, carried as tagged fields on each partition of the
//! response.
//!
//! Apache Kafka (up to 4.2) reports a share group's start offset (and,
//! from DescribeShareGroupOffsets v1, KIP-1226's lag) but no figure about
//! the records between the start offset and the log end: how many are
//! locked by a member right now, how many were archived, how often records
//! came back for another delivery. broker-lite knows all three, and sends
//! them as tagged fields, which every flexible version allows: a client that
//! does not know a tag skips it (Kafka's generated Java readers keep it as
//! an unknown tagged field, and so does `kafka-protocol`), so Kafka's own
//! tools read broker-lite's answer unchanged.
//!
//! The tags are far above any Kafka uses (Kafka numbers its tagged fields
//! from 0 up, and the highest in any 4.2 schema is below 10), so a future
//! Kafka field will not collide with them. Each value is an `int64`
//! encoded as Kafka encodes a fixed-width field: eight bytes, big-endian.
//!
//! | tag | field | meaning |
//! |---|---|---|
//! | 0x4b430 (308272) | `in_flight` | records acquired (locked) by a member now |
//! | 0x4b431 (308273) | `archived_total` | records archived (rejected, or past `group.share.delivery.count.limit`), counted since the partition's state began |
//! | 0x4b432 (308274) | `redeliveries_total` | acquisitions of a record already delivered before (delivery count ≥ 2), counted since the partition's state began |

use std::collections::BTreeMap;

use bytes::Bytes;

/// The tag of [`SharePartitionStatistics::in_flight`].
pub const IN_FLIGHT_TAG: i32 = 0x4b430;
/// The tag of [`SharePartitionStatistics::archived_total`].
pub const ARCHIVED_TOTAL_TAG: i32 = 0x4b431;
/// The tag of [`SharePartitionStatistics::redeliveries_total`].
pub const REDELIVERIES_TOTAL_TAG: i32 = 0x4b432;

/// One share-partition's delivery statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SharePartitionStatistics {
    /// Records acquired (locked) by a member right now.
    pub in_flight: u64,
    /// Records archived so far: rejected by a consumer, or given back (or
    /// timed out) after `group.share.delivery.count.limit` deliveries.
    /// A counter: it only grows.
    pub archived_total: u64,
    /// Acquisitions of a record that had been delivered before. A counter:
    /// the change between two reads over the time between them is the
    /// redelivery rate.
    pub redeliveries_total: u64,
}

impl SharePartitionStatistics {
    /// Adds the three tagged fields to a partition's `unknown_tagged_fields`
    /// (the map `kafka-protocol` writes after the known ones).
    pub fn encode_into(&self, tagged_fields: &mut BTreeMap<i32, Bytes>) {
        for (tag, value) in [
            (IN_FLIGHT_TAG, self.in_flight),
            (ARCHIVED_TOTAL_TAG, self.archived_total),
            (REDELIVERIES_TOTAL_TAG, self.redeliveries_total),
        ] {
            let value = i64::try_from(value).unwrap_or(i64::MAX);
            tagged_fields.insert(tag, Bytes::copy_from_slice(&value.to_be_bytes()));
        }
    }

    /// Reads the statistics from a partition's unknown tagged fields.
    /// `None` unless all three are there, eight bytes each and not
    /// negative: a broker that does not send them (Apache Kafka) has none,
    /// and a malformed value is not trusted for the others either.
    pub fn decode_from(tagged_fields: &BTreeMap<i32, Bytes>) -> Option<Self> {
        let read = |tag: i32| -> Option<u64> {
            let bytes: [u8; 8] = tagged_fields.get(&tag)?.as_ref().try_into().ok()?;
            u64::try_from(i64::from_be_bytes(bytes)).ok()
        };
        Some(Self {
            in_flight: read(IN_FLIGHT_TAG)?,
            archived_total: read(ARCHIVED_TOTAL_TAG)?,
            redeliveries_total: read(REDELIVERIES_TOTAL_TAG)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::messages::DescribeShareGroupOffsetsResponse;
    use crate::protocol::messages::describe_share_group_offsets_response::{
        DescribeShareGroupOffsetsResponseGroup, DescribeShareGroupOffsetsResponsePartition,
        DescribeShareGroupOffsetsResponseTopic,
    };
    use crate::protocol::{Decodable, Encodable};
    use proptest::prelude::*;

    fn response_with(fields: BTreeMap<i32, Bytes>) -> DescribeShareGroupOffsetsResponse {
        DescribeShareGroupOffsetsResponse::default().with_groups(vec![
            DescribeShareGroupOffsetsResponseGroup::default().with_topics(vec![
                DescribeShareGroupOffsetsResponseTopic::default().with_partitions(vec![
                    DescribeShareGroupOffsetsResponsePartition::default()
                        .with_start_offset(7)
                        .with_unknown_tagged_fields(fields),
                ]),
            ]),
        ])
    }

    fn round_trip(response: &DescribeShareGroupOffsetsResponse) -> BTreeMap<i32, Bytes> {
        let mut buf = bytes::BytesMut::new();
        response.encode(&mut buf, 0).unwrap();
        let mut read = buf.freeze();
        let decoded = DescribeShareGroupOffsetsResponse::decode(&mut read, 0).unwrap();
        assert!(read.is_empty(), "the whole response was read");
        let partition = &decoded.groups[0].topics[0].partitions[0];
        assert_eq!(partition.start_offset, 7, "known fields are untouched");
        partition.unknown_tagged_fields.clone()
    }

    #[test]
    fn absent_or_malformed_fields_are_no_statistics() {
        assert_eq!(
            SharePartitionStatistics::decode_from(&BTreeMap::new()),
            None
        );
        let mut fields = BTreeMap::new();
        SharePartitionStatistics::default().encode_into(&mut fields);
        fields.insert(ARCHIVED_TOTAL_TAG, Bytes::from_static(&[1, 2, 3]));
        assert_eq!(SharePartitionStatistics::decode_from(&fields), None);
        fields.insert(
            ARCHIVED_TOTAL_TAG,
            Bytes::copy_from_slice(&(-1i64).to_be_bytes()),
        );
        assert_eq!(SharePartitionStatistics::decode_from(&fields), None);
    }

    #[test]
    fn the_value_is_eight_big_endian_bytes() {
        let mut fields = BTreeMap::new();
        SharePartitionStatistics {
            in_flight: 3,
            archived_total: 0x0102,
            redeliveries_total: 0,
        }
        .encode_into(&mut fields);
        assert_eq!(fields[&IN_FLIGHT_TAG].as_ref(), &[0, 0, 0, 0, 0, 0, 0, 3]);
        assert_eq!(
            fields[&ARCHIVED_TOTAL_TAG].as_ref(),
            &[0, 0, 0, 0, 0, 0, 1, 2]
        );
    }

    proptest! {
        /// Whatever the figures, they cross the wire inside a real
        /// DescribeShareGroupOffsets response and come back equal, next to
        /// any other tagged field a newer peer might add.
        #[test]
        fn statistics_round_trip_through_the_response(
            in_flight in 0u64..=i64::MAX as u64,
            archived_total in 0u64..=i64::MAX as u64,
            redeliveries_total in 0u64..=i64::MAX as u64,
            other in proptest::collection::vec(any::<u8>(), 0..16),
        ) {
            let stats = SharePartitionStatistics { in_flight, archived_total, redeliveries_total };
            let mut fields = BTreeMap::new();
            fields.insert(5, Bytes::from(other.clone()));
            stats.encode_into(&mut fields);
            let decoded = round_trip(&response_with(fields));
            prop_assert_eq!(SharePartitionStatistics::decode_from(&decoded), Some(stats));
            prop_assert_eq!(decoded[&5].as_ref(), other.as_slice());
        }
    }
}
