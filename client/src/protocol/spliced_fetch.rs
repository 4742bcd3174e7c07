//! A Fetch response frame with holes where record sets go, for a broker that
//! sends those record sets from somewhere else (a segment file, with
//! `sendfile`) rather than copying them into the frame.
//!
//! The frame is encoded by kafka-protocol as usual, with the records of
//! each spliced partition left out. To find where they belong without a
//! second encoder, the response is encoded twice: once with those records
//! null and once empty. The two frames have the same length and differ only
//! in the spliced partitions' length prefixes (`-1` against `0` as INT32
//! before v12; `0` against `1` as an unsigned varint from v12, flexible
//! versions), so the differing positions are exactly those prefixes, in
//! encoding order. Each is then rewritten with the real length, and the
//! frame size counts the record bytes that will follow each hole.

use bytes::{BufMut, BytesMut};
use kafka_protocol::messages::FetchResponse;

use super::ProtocolError;
use super::api::ApiKey;
use super::header;

/// The first Fetch version with flexible (compact) encodings.
const FIRST_FLEXIBLE_FETCH_VERSION: i16 = 12;

/// One record set left out of the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Splice {
    /// Index into `FetchResponse::responses`.
    pub topic: usize,
    /// Index into that topic's `partitions`.
    pub partition: usize,
    /// How many record bytes will be sent at the hole.
    pub len_bytes: usize,
}

/// Appends a Fetch response frame to `out` with a hole for each of
/// `splices` (which must be in response order: by topic, then partition,
/// and name distinct partitions). Their `records` are overwritten. Returns
/// the position in `out` at which each splice's bytes belong, in the same
/// order: the frame is `out[start..p0]`, splice 0, `out[p0..p1]`, splice 1,
/// and so on to the end of `out`.
pub fn encode_fetch_response_with_holes(
    out: &mut BytesMut,
    version: i16,
    correlation_id: i32,
    response: &mut FetchResponse,
    splices: &[Splice],
) -> Result<Vec<usize>, ProtocolError> {
    let ordered = splices
        .windows(2)
        .all(|w| (w[0].topic, w[0].partition) < (w[1].topic, w[1].partition));
    let invalid = |reason: String| ProtocolError::Encode {
        what: "FetchResponse",
        version,
        reason,
    };
    if !ordered {
        return Err(invalid("splices out of response order".into()));
    }
    let set_records = |response: &mut FetchResponse, records: Option<bytes::Bytes>| {
        for s in splices {
            let partition = response
                .responses
                .get_mut(s.topic)
                .and_then(|t| t.partitions.get_mut(s.partition))
                .ok_or_else(|| invalid(format!("no partition {}/{}", s.topic, s.partition)))?;
            partition.records = records.clone();
        }
        Ok::<_, ProtocolError>(())
    };
    set_records(response, None)?;
    let mut null = BytesMut::new();
    header::encode_response(&mut null, ApiKey::Fetch, version, correlation_id, response)?;
    set_records(response, Some(bytes::Bytes::new()))?;
    let mut empty = BytesMut::new();
    header::encode_response(&mut empty, ApiKey::Fetch, version, correlation_id, response)?;
    if null.len() != empty.len() {
        return Err(invalid(
            "null and empty records encode to different sizes".into(),
        ));
    }
    let flexible = version >= FIRST_FLEXIBLE_FETCH_VERSION;
    // INT32 -1 vs 0 differ in all four bytes; varint 0 vs 1 in one.
    let prefix_bytes = if flexible { 1 } else { 4 };
    let mut prefixes = Vec::with_capacity(splices.len());
    let mut at = 0;
    while at < empty.len() {
        if empty[at] != null[at] {
            prefixes.push(at);
            at += prefix_bytes;
        } else {
            at += 1;
        }
    }
    if prefixes.len() != splices.len() {
        return Err(invalid(format!(
            "found {} record-set prefixes for {} splices",
            prefixes.len(),
            splices.len()
        )));
    }
    let frame_start = out.len();
    let mut holes = Vec::with_capacity(splices.len());
    let mut copied = 0;
    let mut spliced_bytes = 0usize;
    for (prefix_at, splice) in prefixes.iter().zip(splices) {
        out.extend_from_slice(&empty[copied..*prefix_at]);
        let len = i32::try_from(splice.len_bytes)
            .map_err(|_| invalid(format!("record set of {} bytes", splice.len_bytes)))?;
        if flexible {
            put_unsigned_varint(out, len as u32 + 1);
        } else {
            out.put_i32(len);
        }
        holes.push(out.len());
        spliced_bytes += splice.len_bytes;
        copied = prefix_at + prefix_bytes;
    }
    out.extend_from_slice(&empty[copied..]);
    let body_bytes = out.len() - frame_start - 4 + spliced_bytes;
    let size = i32::try_from(body_bytes).map_err(|_| ProtocolError::FrameTooLarge {
        declared_bytes: body_bytes,
        max_bytes: i32::MAX as usize,
    })?;
    out[frame_start..frame_start + 4].copy_from_slice(&size.to_be_bytes());
    Ok(holes)
}

fn put_unsigned_varint(out: &mut BytesMut, mut value: u32) {
    while value >= 0x80 {
        out.put_u8((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.put_u8(value as u8);
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use kafka_protocol::messages::fetch_response::{FetchableTopicResponse, PartitionData};
    use kafka_protocol::messages::{ResponseHeader, TopicName};
    use kafka_protocol::protocol::{Decodable, StrBytes};
    use proptest::prelude::*;

    fn response(partitions_per_topic: &[usize]) -> FetchResponse {
        FetchResponse::default().with_responses(
            partitions_per_topic
                .iter()
                .enumerate()
                .map(|(t, &n)| {
                    FetchableTopicResponse::default()
                        .with_topic(TopicName(StrBytes::from_string(format!("topic-{t}"))))
                        .with_partitions(
                            (0..n)
                                .map(|p| {
                                    PartitionData::default()
                                        .with_partition_index(p as i32)
                                        .with_high_watermark(1_000 + p as i64)
                                        .with_aborted_transactions(Some(vec![]))
                                        .with_records(Some(Bytes::new()))
                                })
                                .collect(),
                        )
                })
                .collect(),
        )
    }

    /// The frame with each hole filled, next to the frame encoded with the
    /// records inline: they must be byte for byte the same.
    fn check(version: i16, shape: &[usize], chosen: &[(usize, usize, usize)]) {
        let mut inline = response(shape);
        let fills: Vec<Bytes> = chosen
            .iter()
            .map(|&(t, p, len)| Bytes::from(vec![(t * 31 + p) as u8; len]))
            .collect();
        for (&(t, p, _), fill) in chosen.iter().zip(&fills) {
            inline.responses[t].partitions[p].records = Some(fill.clone());
        }
        let mut expected = BytesMut::new();
        header::encode_response(&mut expected, ApiKey::Fetch, version, 7, &inline).unwrap();

        let mut spliced = response(shape);
        let splices: Vec<Splice> = chosen
            .iter()
            .map(|&(topic, partition, len_bytes)| Splice {
                topic,
                partition,
                len_bytes,
            })
            .collect();
        let mut out = BytesMut::from(&b"earlier response"[..]);
        let holes =
            encode_fetch_response_with_holes(&mut out, version, 7, &mut spliced, &splices).unwrap();
        let mut joined = Vec::new();
        let mut at = "earlier response".len();
        for (hole, fill) in holes.iter().zip(&fills) {
            joined.extend_from_slice(&out[at..*hole]);
            joined.extend_from_slice(fill);
            at = *hole;
        }
        joined.extend_from_slice(&out[at..]);
        assert_eq!(joined, expected.to_vec(), "v{version} {shape:?} {chosen:?}");
        // And a client decodes it.
        let mut body = Bytes::from(joined).slice(4..);
        ResponseHeader::decode(&mut body, ApiKey::Fetch.response_header_version(version)).unwrap();
        FetchResponse::decode(&mut body, version).unwrap();
    }

    #[test]
    fn holes_filled_give_the_inline_frame_in_every_version() {
        for version in 4..=12 {
            check(version, &[1], &[(0, 0, 100)]);
            check(version, &[3, 2], &[(0, 1, 1), (1, 0, 70_000), (1, 1, 5)]);
            // Zero-length splices and partitions left as they are.
            check(version, &[2], &[(0, 1, 0)]);
            check(version, &[2], &[]);
        }
    }

    #[test]
    fn out_of_order_splices_are_refused() {
        let mut r = response(&[2]);
        let splices = [
            Splice {
                topic: 0,
                partition: 1,
                len_bytes: 1,
            },
            Splice {
                topic: 0,
                partition: 0,
                len_bytes: 1,
            },
        ];
        assert!(
            encode_fetch_response_with_holes(&mut BytesMut::new(), 12, 1, &mut r, &splices)
                .is_err()
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn any_shape_and_lengths_round_trip(
            version in 4i16..=12,
            shape in prop::collection::vec(1usize..4, 1..4),
            lens in prop::collection::vec(0usize..300, 12),
            pick in prop::collection::vec(any::<bool>(), 12),
        ) {
            let mut chosen = Vec::new();
            let mut k = 0;
            for (t, &n) in shape.iter().enumerate() {
                for p in 0..n {
                    if pick[k % 12] {
                        chosen.push((t, p, lens[k % 12]));
                    }
                    k += 1;
                }
            }
            check(version, &shape, &chosen);
        }
    }
}
