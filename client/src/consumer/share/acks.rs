//! Acknowledgements as a share consumer keeps and sends them: what the
//! application said about each delivered record, turned into the
//! `AcknowledgementBatches` of ShareFetch and ShareAcknowledge, and the
//! records of a ShareFetch response cut down to the ones this member
//! acquired.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use kafka_protocol::messages::share_fetch_response::AcquiredRecords;

use super::{AcknowledgeType, ShareRecord};
use crate::consumer::completed::{CompletedFetch, DecodeOptions};
use crate::consumer::{ConsumerRecord, IsolationLevel, TopicPartition};
use crate::error::Result;

/// One `AcknowledgementBatch`: offsets `first_offset..=last_offset` and
/// either one type for all of them or one type per offset, as KIP-932
/// allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AckBatch {
    pub(crate) first_offset: i64,
    pub(crate) last_offset: i64,
    pub(crate) types: Vec<i8>,
}

/// Offset → wire type (`AcknowledgeType::code`, or 0 for a gap) of one
/// partition, to batches: runs of consecutive offsets, each with a single
/// type when the whole run shares it. Fewer, shorter batches than one per
/// offset; the broker applies them in order.
pub(crate) fn to_batches(acks: &BTreeMap<i64, i8>) -> Vec<AckBatch> {
    let mut batches: Vec<AckBatch> = Vec::new();
    for (&offset, &code) in acks {
        match batches.last_mut() {
            Some(batch) if batch.last_offset + 1 == offset => {
                batch.last_offset = offset;
                batch.types.push(code);
            }
            _ => batches.push(AckBatch {
                first_offset: offset,
                last_offset: offset,
                types: vec![code],
            }),
        }
    }
    for batch in &mut batches {
        if batch.types.windows(2).all(|w| w[0] == w[1]) {
            batch.types.truncate(1);
        }
    }
    batches
}

/// The records of one partition of a ShareFetch response that this member
/// acquired, with their delivery counts, and the acquired offsets that hold
/// no record the application sees (transaction markers, compacted-away
/// records): those must be acknowledged as gaps, or they stay locked until
/// the acquisition lock runs out.
pub(crate) fn acquired(
    tp: &TopicPartition,
    records: Option<Bytes>,
    ranges: &[AcquiredRecords],
    verify_crc: bool,
) -> Result<(Vec<ShareRecord>, Vec<i64>)> {
    let Some(first) = ranges.iter().map(|r| r.first_offset).min() else {
        return Ok((Vec::new(), Vec::new()));
    };
    let mut decoded: Vec<ConsumerRecord> = Vec::new();
    if let Some(records) = records.filter(|r| !r.is_empty()) {
        let mut fetch = CompletedFetch::new(
            TopicPartition {
                topic: Arc::clone(&tp.topic),
                partition: tp.partition,
            },
            0,
            records,
            first,
            -1,
            Vec::new(),
            DecodeOptions {
                // Kafka's share partitions hand out what the group's
                // `share.isolation.level` allows; the broker has applied it.
                isolation: IsolationLevel::ReadUncommitted,
                verify_crc,
            },
        );
        fetch.next_records(usize::MAX, &mut decoded)?;
    }
    let delivery_count = |offset: i64| {
        ranges
            .iter()
            .find(|r| (r.first_offset..=r.last_offset).contains(&offset))
            .map(|r| r.delivery_count)
    };
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for record in decoded {
        if let Some(delivery_count) = delivery_count(record.offset)
            && seen.insert(record.offset)
        {
            out.push(ShareRecord {
                record,
                delivery_count,
            });
        }
    }
    let gaps = ranges
        .iter()
        .flat_map(|r| r.first_offset..=r.last_offset)
        .filter(|offset| !seen.contains(offset))
        .collect();
    Ok((out, gaps))
}

/// Wire code of a gap: an acquired offset without a record.
pub(crate) const GAP: i8 = 0;

impl AcknowledgeType {
    /// The type's code on the wire (KIP-932: 1 accept, 2 release, 3 reject).
    pub fn code(self) -> i8 {
        match self {
            Self::Accept => 1,
            Self::Release => 2,
            Self::Reject => 3,
        }
    }

    /// The type of a wire code; `None` for a gap (0) or an unknown code.
    pub fn from_code(code: i8) -> Option<Self> {
        match code {
            1 => Some(Self::Accept),
            2 => Some(Self::Release),
            3 => Some(Self::Reject),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use bytes::BytesMut;

    use super::*;
    use crate::protocol::record_batch::{BatchBuilder, BatchParams};

    #[test]
    fn runs_of_one_type_become_one_batch_with_one_type() {
        let acks: BTreeMap<i64, i8> = [(5, 1), (6, 1), (7, 1), (9, 3), (10, 2), (11, 0)].into();
        assert_eq!(
            to_batches(&acks),
            vec![
                AckBatch {
                    first_offset: 5,
                    last_offset: 7,
                    types: vec![1]
                },
                AckBatch {
                    first_offset: 9,
                    last_offset: 11,
                    types: vec![3, 2, 0]
                },
            ]
        );
        assert!(to_batches(&BTreeMap::new()).is_empty());
    }

    #[test]
    fn only_acquired_offsets_are_delivered_and_the_rest_are_gaps() {
        // Offsets 0..=9; 10 and 11 (say, transaction markers) hold nothing
        // the application sees.
        let mut buf = BytesMut::new();
        let mut builder = BatchBuilder::new(1_000, 0);
        for i in 0..10 {
            let value = format!("v{i}");
            builder.append(1_000 + i, None, Some(value.as_bytes()), &[]);
        }
        builder.encode(&mut buf, &BatchParams::default()).unwrap();
        let ranges = vec![
            AcquiredRecords::default()
                .with_first_offset(2)
                .with_last_offset(4)
                .with_delivery_count(1),
            AcquiredRecords::default()
                .with_first_offset(8)
                .with_last_offset(11)
                .with_delivery_count(3),
        ];
        let (records, gaps) =
            acquired(&TopicPartition::new("t", 0), Some(buf.freeze()), &ranges, true).unwrap();
        let got: Vec<(i64, i16)> = records
            .iter()
            .map(|r| (r.record.offset, r.delivery_count))
            .collect();
        assert_eq!(got, vec![(2, 1), (3, 1), (4, 1), (8, 3), (9, 3)]);
        assert_eq!(gaps, vec![10, 11]);
    }

    #[test]
    fn wire_codes_round_trip() {
        for t in [
            AcknowledgeType::Accept,
            AcknowledgeType::Release,
            AcknowledgeType::Reject,
        ] {
            assert_eq!(AcknowledgeType::from_code(t.code()), Some(t));
        }
        assert_eq!(AcknowledgeType::from_code(GAP), None);
    }
}
