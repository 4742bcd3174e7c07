//! Share groups (KIP-932): the wire-level vocabulary both sides of
//! ShareFetch and ShareAcknowledge use.
//!
//! - [`AcknowledgeType`]: the per-offset verdict a consumer sends (the i8 in
//!   an acknowledgement batch's `AcknowledgeTypes`);
//! - [`AcknowledgementBatch`]: a checked, decoded batch: one type for the
//!   whole range, or one per offset, as Kafka allows;
//! - [`AcquiredRange`] and [`acquired_ranges`]: the `AcquiredRecords` a
//!   ShareFetch response carries, coalesced from per-offset delivery counts;
//! - share-session epochs ([`INITIAL_SHARE_SESSION_EPOCH`],
//!   [`FINAL_SHARE_SESSION_EPOCH`], [`next_share_session_epoch`]);
//! - [`UNKNOWN_SHARE_PARTITION_LAG`], the "no lag" of DescribeShareGroupOffsets v1.

use std::fmt;

/// The group type ListGroups and DescribeGroups report for a share group.
pub const SHARE_GROUP_TYPE: &str = "share";

/// The member epoch a member sends in ShareGroupHeartbeat to leave.
pub const LEAVE_GROUP_MEMBER_EPOCH: i32 = -1;

/// The share-partition lag DescribeShareGroupOffsets v1 reports when there is
/// none to compute (the schema's default for `Lag`, KIP-1226): the partition
/// has no share-partition state yet, or its node could not read the end offset.
pub const UNKNOWN_SHARE_PARTITION_LAG: i64 = -1;

/// The share-session epoch that opens a new session (ShareFetch).
pub const INITIAL_SHARE_SESSION_EPOCH: i32 = 0;

/// The share-session epoch that closes the session (ShareFetch,
/// ShareAcknowledge).
pub const FINAL_SHARE_SESSION_EPOCH: i32 = -1;

/// The epoch the next request of a share session carries after one at
/// `epoch`: it counts up from 1 and wraps back to 1, never to 0 (which would
/// open a new session) or below (which would close it). After the final
/// epoch there is no next request, so the final epoch stays final.
pub fn next_share_session_epoch(epoch: i32) -> i32 {
    match epoch {
        e if e < 0 => FINAL_SHARE_SESSION_EPOCH,
        i32::MAX => 1,
        e => e + 1,
    }
}

/// What a consumer says about one delivered offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AcknowledgeType {
    /// Not a record (a gap in a compacted or transactional log): nothing to
    /// deliver, the offset is done.
    Gap = 0,
    /// Processed: never deliver again.
    Accept = 1,
    /// Give it back: deliver again (to anyone), counting the delivery.
    Release = 2,
    /// Unprocessable: archive it, never deliver again.
    Reject = 3,
    /// Keep the acquisition lock for another lock duration (KIP-1222,
    /// ShareFetch/ShareAcknowledge v2).
    Renew = 4,
}

impl AcknowledgeType {
    /// The byte on the wire.
    pub fn as_i8(self) -> i8 {
        self as i8
    }

    /// Kafka's name for it (`AcknowledgeType.toString()` is the upper-case
    /// constant name).
    pub fn name(self) -> &'static str {
        match self {
            AcknowledgeType::Gap => "GAP",
            AcknowledgeType::Accept => "ACCEPT",
            AcknowledgeType::Release => "RELEASE",
            AcknowledgeType::Reject => "REJECT",
            AcknowledgeType::Renew => "RENEW",
        }
    }
}

impl fmt::Display for AcknowledgeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl From<AcknowledgeType> for i8 {
    fn from(kind: AcknowledgeType) -> i8 {
        kind.as_i8()
    }
}

/// A byte that is not an acknowledge type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown acknowledge type {0}")]
pub struct UnknownAcknowledgeType(pub i8);

impl TryFrom<i8> for AcknowledgeType {
    type Error = UnknownAcknowledgeType;

    fn try_from(byte: i8) -> Result<Self, Self::Error> {
        Ok(match byte {
            0 => AcknowledgeType::Gap,
            1 => AcknowledgeType::Accept,
            2 => AcknowledgeType::Release,
            3 => AcknowledgeType::Reject,
            4 => AcknowledgeType::Renew,
            other => return Err(UnknownAcknowledgeType(other)),
        })
    }
}

impl std::str::FromStr for AcknowledgeType {
    type Err = String;

    /// Case-insensitive names, as `kctl share consume --ack` takes them.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "gap" => Ok(AcknowledgeType::Gap),
            "accept" => Ok(AcknowledgeType::Accept),
            "release" => Ok(AcknowledgeType::Release),
            "reject" => Ok(AcknowledgeType::Reject),
            "renew" => Ok(AcknowledgeType::Renew),
            other => Err(format!(
                "unknown acknowledge type {other:?} (accept, release, reject, renew)"
            )),
        }
    }
}

/// Why an acknowledgement batch is not one Kafka would accept (the broker
/// answers INVALID_REQUEST).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidAcknowledgement {
    /// `last_offset < first_offset`, or a negative offset.
    #[error("acknowledgement range {first_offset}..={last_offset} is empty or negative")]
    BadRange {
        /// The batch's first offset.
        first_offset: i64,
        /// The batch's last offset.
        last_offset: i64,
    },
    /// Neither one type for the whole range nor one per offset.
    #[error("{types} acknowledge types for {offsets} offsets (expected 1 or {offsets})")]
    TypeCount {
        /// How many types the batch had.
        types: usize,
        /// How many offsets it covers.
        offsets: i64,
    },
    /// A byte that is no acknowledge type.
    #[error(transparent)]
    UnknownType(#[from] UnknownAcknowledgeType),
    /// RENEW in a request without KIP-1222's renew flag (v1, or v2 with
    /// `IsRenewAck` unset).
    #[error("acknowledge type {0} is not valid in this request version")]
    NotAllowed(AcknowledgeType),
}

/// One acknowledgement batch: a range of offsets, with either one type for
/// all of them or one per offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcknowledgementBatch {
    /// The first offset acknowledged.
    pub first_offset: i64,
    /// The last offset acknowledged (inclusive).
    pub last_offset: i64,
    /// One type (for every offset) or `last - first + 1` types.
    pub acknowledge_types: Vec<AcknowledgeType>,
}

impl AcknowledgementBatch {
    /// A batch giving every offset in `first_offset..=last_offset` the same
    /// type.
    pub fn uniform(first_offset: i64, last_offset: i64, kind: AcknowledgeType) -> Self {
        Self {
            first_offset,
            last_offset,
            acknowledge_types: vec![kind],
        }
    }

    /// Checks and decodes a batch off the wire. `allow_renew` is whether the
    /// request may carry RENEW: v2+ with KIP-1222's `IsRenewAck` set.
    pub fn from_wire(
        first_offset: i64,
        last_offset: i64,
        acknowledge_types: &[i8],
        allow_renew: bool,
    ) -> Result<Self, InvalidAcknowledgement> {
        if first_offset < 0 || last_offset < first_offset {
            return Err(InvalidAcknowledgement::BadRange {
                first_offset,
                last_offset,
            });
        }
        // i128: 0..=i64::MAX holds one more offset than an i64 can count.
        let offsets = i128::from(last_offset) - i128::from(first_offset) + 1;
        let types = acknowledge_types.len();
        if types != 1 && i128::try_from(types).ok() != Some(offsets) {
            return Err(InvalidAcknowledgement::TypeCount {
                types,
                offsets: i64::try_from(offsets).unwrap_or(i64::MAX),
            });
        }
        let acknowledge_types = acknowledge_types
            .iter()
            .map(|&b| AcknowledgeType::try_from(b))
            .collect::<Result<Vec<_>, _>>()?;
        if !allow_renew && acknowledge_types.contains(&AcknowledgeType::Renew) {
            return Err(InvalidAcknowledgement::NotAllowed(AcknowledgeType::Renew));
        }
        Ok(Self {
            first_offset,
            last_offset,
            acknowledge_types,
        })
    }

    /// The wire bytes of the types.
    pub fn wire_types(&self) -> Vec<i8> {
        self.acknowledge_types.iter().map(|t| t.as_i8()).collect()
    }

    /// Every offset with its type, in order.
    pub fn offsets(&self) -> impl Iterator<Item = (i64, AcknowledgeType)> + '_ {
        (self.first_offset..=self.last_offset)
            .enumerate()
            .map(|(i, offset)| {
                let kind = if self.acknowledge_types.len() == 1 {
                    self.acknowledge_types[0]
                } else {
                    self.acknowledge_types[i]
                };
                (offset, kind)
            })
    }
}

/// A run of consecutive offsets handed to one consumer with the same
/// delivery count (a ShareFetch response's `AcquiredRecords`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcquiredRange {
    /// The first offset acquired.
    pub first_offset: i64,
    /// The last offset acquired (inclusive).
    pub last_offset: i64,
    /// How many times these offsets have been delivered, this one included.
    pub delivery_count: i16,
}

impl AcquiredRange {
    /// Whether `offset` is in the range.
    pub fn contains(&self, offset: i64) -> bool {
        (self.first_offset..=self.last_offset).contains(&offset)
    }
}

/// Coalesces acquired offsets (ascending) into ranges of consecutive
/// offsets with equal delivery counts, the fewest `AcquiredRecords` that
/// say exactly the same thing.
pub fn acquired_ranges(offsets: impl IntoIterator<Item = (i64, i16)>) -> Vec<AcquiredRange> {
    let mut ranges: Vec<AcquiredRange> = Vec::new();
    for (offset, delivery_count) in offsets {
        match ranges.last_mut() {
            Some(last)
                if last.last_offset + 1 == offset && last.delivery_count == delivery_count =>
            {
                last.last_offset = offset;
            }
            _ => ranges.push(AcquiredRange {
                first_offset: offset,
                last_offset: offset,
                delivery_count,
            }),
        }
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn acknowledge_types_round_trip_through_the_wire_byte() {
        for byte in 0..=4i8 {
            let kind = AcknowledgeType::try_from(byte).unwrap();
            assert_eq!(i8::from(kind), byte);
            assert_eq!(kind.name().parse::<AcknowledgeType>().unwrap(), kind);
        }
        assert_eq!(AcknowledgeType::try_from(5), Err(UnknownAcknowledgeType(5)));
        assert_eq!(
            AcknowledgeType::try_from(-1),
            Err(UnknownAcknowledgeType(-1))
        );
        assert_eq!(AcknowledgeType::Accept.as_i8(), 1);
        assert_eq!(AcknowledgeType::Renew.to_string(), "RENEW");
    }

    #[test]
    fn batches_take_one_type_or_one_per_offset() {
        let one = AcknowledgementBatch::from_wire(5, 7, &[1], false).unwrap();
        assert_eq!(
            one.offsets().collect::<Vec<_>>(),
            vec![
                (5, AcknowledgeType::Accept),
                (6, AcknowledgeType::Accept),
                (7, AcknowledgeType::Accept)
            ]
        );
        let each = AcknowledgementBatch::from_wire(5, 6, &[2, 3], false).unwrap();
        assert_eq!(
            each.offsets().collect::<Vec<_>>(),
            vec![(5, AcknowledgeType::Release), (6, AcknowledgeType::Reject)]
        );
        assert_eq!(
            AcknowledgementBatch::from_wire(5, 7, &[1, 1], false),
            Err(InvalidAcknowledgement::TypeCount {
                types: 2,
                offsets: 3
            })
        );
        assert!(matches!(
            AcknowledgementBatch::from_wire(7, 5, &[1], false),
            Err(InvalidAcknowledgement::BadRange { .. })
        ));
        assert!(matches!(
            AcknowledgementBatch::from_wire(1, 1, &[9], false),
            Err(InvalidAcknowledgement::UnknownType(_))
        ));
        assert_eq!(
            AcknowledgementBatch::from_wire(1, 1, &[4], false),
            Err(InvalidAcknowledgement::NotAllowed(AcknowledgeType::Renew))
        );
        assert!(AcknowledgementBatch::from_wire(1, 1, &[4], true).is_ok());
        assert!(
            AcknowledgementBatch::from_wire(0, i64::MAX, &[1], false).is_ok(),
            "the widest range does not overflow"
        );
        assert!(matches!(
            AcknowledgementBatch::from_wire(0, i64::MAX, &[1, 1], false),
            Err(InvalidAcknowledgement::TypeCount { types: 2, .. })
        ));
    }

    /// KIP-1222's fields survive a v2 round trip; v1 has no room for them:
    /// a request that needs one refuses to encode (Java's builders throw
    /// UnsupportedVersionException), and the response's lock timeout,
    /// ignorable, is dropped.
    #[test]
    fn share_v2_fields_round_trip() {
        use bytes::BytesMut;
        use kafka_protocol::messages::{
            ShareAcknowledgeRequest, ShareAcknowledgeResponse, ShareFetchRequest,
        };
        use kafka_protocol::protocol::{Decodable, Encodable};

        fn round_trip<M: Encodable + Decodable>(message: &M, version: i16) -> M {
            let mut buf = BytesMut::new();
            message.encode(&mut buf, version).unwrap();
            assert_eq!(buf.len(), message.compute_size(version).unwrap());
            let mut bytes = buf.freeze();
            let back = M::decode(&mut bytes, version).unwrap();
            assert!(bytes.is_empty(), "v{version} left bytes undecoded");
            back
        }
        fn size<M: Encodable>(message: &M, version: i16) -> usize {
            let mut buf = BytesMut::new();
            message.encode(&mut buf, version).unwrap();
            buf.len()
        }

        let fetch = ShareFetchRequest::default()
            .with_share_session_epoch(3)
            .with_share_acquire_mode(1)
            .with_is_renew_ack(true);
        assert_eq!(round_trip(&fetch, 2), fetch);
        assert!(fetch.encode(&mut BytesMut::new(), 1).is_err());
        assert!(
            fetch
                .clone()
                .with_share_acquire_mode(0)
                .encode(&mut BytesMut::new(), 1)
                .is_err(),
            "IsRenewAck alone is refused at v1"
        );
        let plain = ShareFetchRequest::default().with_share_session_epoch(3);
        assert_eq!(round_trip(&plain, 1), plain);
        assert_eq!(size(&plain, 2), size(&plain, 1) + 2, "int8 and bool");

        let ack = ShareAcknowledgeRequest::default()
            .with_share_session_epoch(7)
            .with_is_renew_ack(true);
        assert_eq!(round_trip(&ack, 2), ack);
        assert!(ack.encode(&mut BytesMut::new(), 1).is_err());
        let plain = ShareAcknowledgeRequest::default().with_share_session_epoch(7);
        assert_eq!(round_trip(&plain, 1), plain);
        assert_eq!(size(&plain, 2), size(&plain, 1) + 1);

        let answer = ShareAcknowledgeResponse::default().with_acquisition_lock_timeout_ms(15_000);
        assert_eq!(round_trip(&answer, 2), answer);
        assert_eq!(
            round_trip(&answer, 1).acquisition_lock_timeout_ms,
            0,
            "ignorable below v2"
        );
        assert_eq!(size(&answer, 2), size(&answer, 1) + 4);
    }

    #[test]
    fn session_epochs_count_up_and_wrap_past_zero() {
        assert_eq!(next_share_session_epoch(INITIAL_SHARE_SESSION_EPOCH), 1);
        assert_eq!(next_share_session_epoch(41), 42);
        assert_eq!(next_share_session_epoch(i32::MAX), 1);
        assert_eq!(
            next_share_session_epoch(FINAL_SHARE_SESSION_EPOCH),
            FINAL_SHARE_SESSION_EPOCH
        );
    }

    proptest! {
        /// DescribeShareGroupOffsets v1 (KIP-1226, hand-patched into the
        /// vendored schemas) carries a partition's lag between its leader
        /// epoch and error code: it survives a v1 round trip, takes 8 bytes
        /// on the wire, and, being ignorable, is dropped at v0, where the
        /// decoder gives the schema default [`UNKNOWN_SHARE_PARTITION_LAG`].
        #[test]
        fn describe_share_group_offsets_lag_round_trips_at_v1_only(
            start_offset in -1i64..i64::MAX,
            leader_epoch in -1i32..i32::MAX,
            lag in -1i64..i64::MAX,
            error_code in any::<i16>(),
            message in proptest::option::of("[a-z ]{0,20}"),
        ) {
            use bytes::BytesMut;
            use kafka_protocol::messages::describe_share_group_offsets_response::{
                DescribeShareGroupOffsetsResponseGroup, DescribeShareGroupOffsetsResponsePartition,
                DescribeShareGroupOffsetsResponseTopic,
            };
            use kafka_protocol::messages::{DescribeShareGroupOffsetsResponse, TopicName};
            use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};

            let partition = DescribeShareGroupOffsetsResponsePartition::default()
                .with_partition_index(3)
                .with_start_offset(start_offset)
                .with_leader_epoch(leader_epoch)
                .with_lag(lag)
                .with_error_code(error_code)
                .with_error_message(message.map(StrBytes::from_string));
            let response = DescribeShareGroupOffsetsResponse::default().with_groups(vec![
                DescribeShareGroupOffsetsResponseGroup::default()
                    .with_group_id(StrBytes::from_static_str("g").into())
                    .with_topics(vec![DescribeShareGroupOffsetsResponseTopic::default()
                        .with_topic_name(TopicName(StrBytes::from_static_str("t")))
                        .with_partitions(vec![partition.clone()])]),
            ]);
            let encode = |version: i16| {
                let mut buf = BytesMut::new();
                response.encode(&mut buf, version).unwrap();
                prop_assert_eq!(buf.len(), response.compute_size(version).unwrap());
                Ok(buf.freeze())
            };
            let (mut v1, mut v0) = (encode(1)?, encode(0)?);
            prop_assert_eq!(v1.len(), v0.len() + 8);
            let back = DescribeShareGroupOffsetsResponse::decode(&mut v1, 1).unwrap();
            prop_assert!(v1.is_empty());
            prop_assert_eq!(&back, &response);
            let old = DescribeShareGroupOffsetsResponse::decode(&mut v0, 0).unwrap();
            prop_assert!(v0.is_empty());
            let old_partition = &old.groups[0].topics[0].partitions[0];
            prop_assert_eq!(old_partition, &partition.clone().with_lag(UNKNOWN_SHARE_PARTITION_LAG));
        }

        /// Decoding what `wire_types` encodes gives the same batch, and the
        /// batch expands to exactly its range.
        #[test]
        fn batches_round_trip(
            first in 0i64..1_000_000,
            len in 1i64..40,
            per_offset in any::<bool>(),
            seed in proptest::collection::vec(0i8..=4, 40),
        ) {
            let last = first + len - 1;
            let types: Vec<i8> = if per_offset {
                seed[..len as usize].to_vec()
            } else {
                vec![seed[0]]
            };
            let batch = AcknowledgementBatch::from_wire(first, last, &types, true).unwrap();
            prop_assert_eq!(batch.wire_types(), types.clone());
            let again = AcknowledgementBatch::from_wire(
                batch.first_offset, batch.last_offset, &batch.wire_types(), true).unwrap();
            prop_assert_eq!(&again, &batch);
            let offsets: Vec<i64> = batch.offsets().map(|(o, _)| o).collect();
            prop_assert_eq!(offsets, (first..=last).collect::<Vec<_>>());
        }

        /// Coalesced ranges cover exactly the acquired offsets with their
        /// delivery counts, and no two adjacent ranges could be merged.
        #[test]
        fn acquired_ranges_cover_exactly_their_offsets(
            steps in proptest::collection::vec((1i64..4, 1i16..4), 0..60),
        ) {
            let mut offset = 0;
            let mut acquired = Vec::new();
            for (gap, count) in steps {
                offset += gap;
                acquired.push((offset, count));
            }
            let ranges = acquired_ranges(acquired.clone());
            let expanded: Vec<(i64, i16)> = ranges
                .iter()
                .flat_map(|r| (r.first_offset..=r.last_offset).map(move |o| (o, r.delivery_count)))
                .collect();
            prop_assert_eq!(expanded, acquired);
            for pair in ranges.windows(2) {
                prop_assert!(
                    pair[0].last_offset + 1 != pair[1].first_offset
                        || pair[0].delivery_count != pair[1].delivery_count
                );
            }
        }
    }
}
