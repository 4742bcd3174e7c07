//! Transaction markers: the control batches a broker writes to every
//! partition of a transaction when it commits or aborts.
//!
//! A marker is a RecordBatch v2 with the transactional and control
//! attribute bits set, the producer's id and epoch, base sequence -1, and
//! one record whose key is `version:i16=0 type:i16` (0 = ABORT, 1 = COMMIT)
//! and whose value is `version:i16=0 coordinatorEpoch:i32` (Kafka's
//! `ControlRecordType` and `EndTransactionMarker`).

use bytes::{Bytes, BytesMut};

use super::ProtocolError;
use super::batch::{self, BatchHeader};
use super::record_batch::{BatchBuilder, BatchParams, decode_batches};
use kafka_protocol::records::Compression;

const CONTROL_BIT: i16 = 0x20;
const ATTRIBUTES_AT: usize = 21;
const CRC_AT: usize = 17;
const CONTROL_KEY_VERSION: i16 = 0;
const MARKER_VALUE_VERSION: i16 = 0;

/// Which way a transaction ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MarkerType {
    /// The transaction was aborted: its records are to be skipped by
    /// `read_committed` readers.
    Abort,
    /// The transaction was committed.
    Commit,
}

impl MarkerType {
    fn code(self) -> i16 {
        match self {
            Self::Abort => 0,
            Self::Commit => 1,
        }
    }

    fn from_code(code: i16) -> Option<Self> {
        match code {
            0 => Some(Self::Abort),
            1 => Some(Self::Commit),
            _ => None,
        }
    }
}

/// Encodes the marker batch for `producer_id`/`producer_epoch`, offsets
/// left for the broker's append to assign.
pub fn encode_marker(
    producer_id: i64,
    producer_epoch: i16,
    marker: MarkerType,
    coordinator_epoch: i32,
    timestamp_ms: i64,
) -> Result<BytesMut, ProtocolError> {
    let mut key = [0u8; 4];
    key[..2].copy_from_slice(&CONTROL_KEY_VERSION.to_be_bytes());
    key[2..].copy_from_slice(&marker.code().to_be_bytes());
    let mut value = [0u8; 6];
    value[..2].copy_from_slice(&MARKER_VALUE_VERSION.to_be_bytes());
    value[2..].copy_from_slice(&coordinator_epoch.to_be_bytes());
    let mut builder = BatchBuilder::new(timestamp_ms, 32);
    builder.append(timestamp_ms, Some(&key), Some(&value), &[]);
    let mut out = BytesMut::new();
    builder.encode(
        &mut out,
        &BatchParams {
            compression: Compression::None,
            producer_id,
            producer_epoch,
            base_sequence: -1,
            transactional: true,
        },
    )?;
    // The control bit is inside the CRC: set it, then seal again.
    let attributes = i16::from_be_bytes([out[ATTRIBUTES_AT], out[ATTRIBUTES_AT + 1]]) | CONTROL_BIT;
    out[ATTRIBUTES_AT..ATTRIBUTES_AT + 2].copy_from_slice(&attributes.to_be_bytes());
    let crc = batch::compute_crc(&out);
    out[CRC_AT..CRC_AT + 4].copy_from_slice(&crc.to_be_bytes());
    Ok(out)
}

/// The marker type of one whole control batch, or `None` when `bytes` is
/// not a control batch or its key names no marker type.
pub fn marker_type(header: &BatchHeader, bytes: &Bytes) -> Option<MarkerType> {
    decode_marker(header, bytes).map(|(marker, _)| marker)
}

/// The marker type a control record's key names (version, then type), or
/// `None` for a key too short or of another type.
pub fn marker_of_key(key: &[u8]) -> Option<MarkerType> {
    let code = key.get(2..4)?;
    MarkerType::from_code(i16::from_be_bytes([code[0], code[1]]))
}

/// The marker type and coordinator epoch of one whole control batch
/// (Kafka's `EndTransactionMarker`), or `None` when `bytes` is not a
/// control batch or its key names no marker type. A value too short for
/// an epoch reads as -1, Kafka's "no coordinator epoch".
pub fn decode_marker(header: &BatchHeader, bytes: &Bytes) -> Option<(MarkerType, i32)> {
    if !header.is_control() {
        return None;
    }
    let batches = decode_batches(bytes).ok()?;
    let record = batches.first()?.records.first()?;
    let marker = marker_of_key(record.key.as_ref()?)?;
    let coordinator_epoch = record
        .value
        .as_ref()
        .filter(|v| v.len() >= 6)
        .map_or(-1, |v| i32::from_be_bytes([v[2], v[3], v[4], v[5]]));
    Some((marker, coordinator_epoch))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_round_trip_and_validate() {
        for marker in [MarkerType::Abort, MarkerType::Commit] {
            let bytes = encode_marker(42, 7, marker, 3, 1_700_000_000_000)
                .unwrap()
                .freeze();
            let header = batch::validate(&bytes).unwrap();
            assert!(header.is_control() && header.is_transactional());
            assert_eq!((header.producer_id, header.producer_epoch), (42, 7));
            assert_eq!(header.base_sequence, -1);
            assert_eq!(header.records_count, 1);
            assert_eq!(marker_type(&header, &bytes), Some(marker));
            assert_eq!(decode_marker(&header, &bytes), Some((marker, 3)));
            let decoded = decode_batches(&bytes).unwrap();
            let value = decoded[0].records[0].value.clone().unwrap();
            assert_eq!(&value[..], &[0, 0, 0, 0, 0, 3]);
        }
    }

    #[test]
    fn a_data_batch_is_no_marker() {
        let mut builder = BatchBuilder::new(0, 0);
        builder.append(0, Some(b"\0\0\0\0"), None, &[]);
        let mut out = BytesMut::new();
        builder.encode(&mut out, &BatchParams::default()).unwrap();
        let bytes = out.freeze();
        let header = batch::validate(&bytes).unwrap();
        assert_eq!(marker_type(&header, &bytes), None);
    }
}
