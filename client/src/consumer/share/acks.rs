//! Acknowledgements as a share consumer keeps and sends them: what the
//! application said about each delivered record, turned into the
//! `AcknowledgementBatches` of ShareFetch and ShareAcknowledge, and the
//! records of a ShareFetch response cut down to the ones this member
//! acquired.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use kafka_protocol::messages::share_fetch_response::AcquiredRecords;

use super::ShareRecord;
use crate::consumer::completed::{CompletedFetch, DecodeOptions};
use crate::consumer::{ConsumerRecord, IsolationLevel, TopicPartition};
use crate::error::Result;
use crate::protocol::share::{AcknowledgeType, AcknowledgementBatch};

/// Offset → type of one partition, to acknowledgement batches: runs of
/// consecutive offsets, each with a single type when the whole run shares
/// it (KIP-932 allows one type or one per offset). Fewer, shorter batches
/// than one per offset; the broker applies them in order.
pub(crate) fn to_batches(acks: &BTreeMap<i64, AcknowledgeType>) -> Vec<AcknowledgementBatch> {
    let mut batches: Vec<AcknowledgementBatch> = Vec::new();
    for (&offset, &kind) in acks {
        match batches.last_mut() {
            Some(batch) if batch.last_offset + 1 == offset => {
                batch.last_offset = offset;
                batch.acknowledge_types.push(kind);
            }
            _ => batches.push(AcknowledgementBatch::uniform(offset, offset, kind)),
        }
    }
    for batch in &mut batches {
        if batch.acknowledge_types.windows(2).all(|w| w[0] == w[1]) {
            batch.acknowledge_types.truncate(1);
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

#[cfg(test)]
mod tests {
    use bytes::BytesMut;

    use super::*;
    use crate::protocol::record_batch::{BatchBuilder, BatchParams};

    #[test]
    fn runs_of_one_type_become_one_batch_with_one_type() {
        use AcknowledgeType::{Accept, Gap, Reject, Release};
        let acks: BTreeMap<i64, AcknowledgeType> = [
            (5, Accept),
            (6, Accept),
            (7, Accept),
            (9, Reject),
            (10, Release),
            (11, Gap),
        ]
        .into();
        let batches = to_batches(&acks);
        assert_eq!(
            batches,
            vec![
                AcknowledgementBatch::uniform(5, 7, Accept),
                AcknowledgementBatch {
                    first_offset: 9,
                    last_offset: 11,
                    acknowledge_types: vec![Reject, Release, Gap]
                },
            ]
        );
        let back: Vec<(i64, AcknowledgeType)> = batches.iter().flat_map(|b| b.offsets()).collect();
        assert_eq!(back, acks.into_iter().collect::<Vec<_>>());
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
        let (records, gaps) = acquired(
            &TopicPartition::new("t", 0),
            Some(buf.freeze()),
            &ranges,
            true,
        )
        .unwrap();
        let got: Vec<(i64, i16)> = records
            .iter()
            .map(|r| (r.record.offset, r.delivery_count))
            .collect();
        assert_eq!(got, vec![(2, 1), (3, 1), (4, 1), (8, 3), (9, 3)]);
        assert_eq!(gaps, vec![10, 11]);
    }
}
