//! Produce requests (v3–v12) encoded as a list of byte segments, so that
//! record batches go to the socket from the producer's own buffers in one
//! vectored write instead of being copied into a request buffer first.
//!
//! `kafka_protocol`'s `ProduceRequest` encoder copies every batch into the
//! frame (and grows the frame buffer as it goes, copying again). For 1 MB
//! batches of small records that copy is a large share of the producer's
//! work per record. Here the request's framing (size prefix, header, topic
//! and partition fields) is written into small buffers and each batch of at
//! least [`INLINE_RECORDS_MAX_BYTES`] is a segment of its own: a reference
//! to the batch's bytes, not a copy. The tests check that the segments,
//! concatenated, are byte for byte what `kafka_protocol` encodes, at every
//! version.
//!
//! v13 names topics by id (KIP-516), which the producer does not use
//! ([`super::api::CLIENT_VERSION_CAPS`] stops it at v12).

use bytes::{BufMut, Bytes, BytesMut};

use super::ProtocolError;
use super::frame::SIZE_PREFIX_BYTES;

/// Batches shorter than this are copied into the framing buffer: a segment
/// of its own costs an iovec entry and a reference count, which for a small
/// batch is more than the copy.
pub const INLINE_RECORDS_MAX_BYTES: usize = 4096;

/// The Produce API key.
const PRODUCE_KEY: i16 = 0;
/// The first version with flexible (compact) encodings and tagged fields.
const FIRST_FLEXIBLE_VERSION: i16 = 9;

/// One topic's share of a Produce request.
#[derive(Debug, Clone)]
pub struct ProduceTopic<'a> {
    /// The topic's name.
    pub name: &'a str,
    /// `(partition index, encoded record batches)` in the order sent.
    pub partitions: Vec<(i32, Bytes)>,
}

/// The fields of a Produce request other than its topics.
#[derive(Debug, Clone, Copy)]
pub struct ProduceFields<'a> {
    /// The transactional id, for a transactional producer.
    pub transactional_id: Option<&'a str>,
    /// −1 (all), 0 or 1.
    pub acks: i16,
    /// How long the broker may wait for acknowledgements, in ms.
    pub timeout_ms: i32,
}

/// Encodes a whole Produce request frame (size prefix, request header v1 or
/// v2, body) as segments to be written back to back.
pub fn encode_produce_request(
    version: i16,
    correlation_id: i32,
    client_id: Option<&str>,
    fields: &ProduceFields<'_>,
    topics: &[ProduceTopic<'_>],
) -> Result<Vec<Bytes>, ProtocolError> {
    if !(3..=12).contains(&version) {
        return Err(ProtocolError::Encode {
            what: "ProduceRequest",
            version,
            reason: "the segmented encoder covers versions 3 to 12".into(),
        });
    }
    let flexible = version >= FIRST_FLEXIBLE_VERSION;
    let mut out = Segments::new();
    let buf = &mut out.current;
    buf.put_i32(0); // size prefix, patched in `finish`
    buf.put_i16(PRODUCE_KEY);
    buf.put_i16(version);
    buf.put_i32(correlation_id);
    // The header's client id is a non-compact string even in header v2.
    put_nullable_string(buf, client_id, false)?;
    if flexible {
        put_uvarint(buf, 0); // header tagged fields
    }
    put_nullable_string(buf, fields.transactional_id, flexible)?;
    buf.put_i16(fields.acks);
    buf.put_i32(fields.timeout_ms);
    put_array_len(buf, topics.len(), flexible)?;
    for topic in topics {
        let buf = &mut out.current;
        put_nullable_string(buf, Some(topic.name), flexible)?;
        put_array_len(buf, topic.partitions.len(), flexible)?;
        for (index, records) in &topic.partitions {
            let buf = &mut out.current;
            buf.put_i32(*index);
            if flexible {
                put_uvarint(buf, len_u32(records.len() + 1)?);
            } else {
                buf.put_i32(len_i32(records.len())?);
            }
            out.records(records);
            if flexible {
                put_uvarint(&mut out.current, 0); // partition tagged fields
            }
        }
        if flexible {
            put_uvarint(&mut out.current, 0); // topic tagged fields
        }
    }
    if flexible {
        put_uvarint(&mut out.current, 0); // request tagged fields
    }
    out.finish()
}

/// Segments being built: `current` takes small fields (and small batches);
/// a large batch closes it and goes in as a segment of its own.
struct Segments {
    /// The first closed buffer, kept mutable: the size prefix at its front
    /// is only known at the end.
    head: Option<BytesMut>,
    closed: Vec<Bytes>,
    current: BytesMut,
    total_bytes: usize,
}

impl Segments {
    fn new() -> Self {
        Self {
            head: None,
            closed: Vec::new(),
            current: BytesMut::with_capacity(256),
            total_bytes: 0,
        }
    }

    fn records(&mut self, records: &Bytes) {
        if records.len() < INLINE_RECORDS_MAX_BYTES {
            self.current.extend_from_slice(records);
            return;
        }
        let fields = self.current.split();
        self.total_bytes += fields.len() + records.len();
        if self.head.is_none() {
            self.head = Some(fields);
        } else if !fields.is_empty() {
            self.closed.push(fields.freeze());
        }
        self.closed.push(records.clone());
    }

    fn finish(mut self) -> Result<Vec<Bytes>, ProtocolError> {
        self.total_bytes += self.current.len();
        let size = i32::try_from(self.total_bytes - SIZE_PREFIX_BYTES).map_err(|_| {
            ProtocolError::Encode {
                what: "ProduceRequest",
                version: -1,
                reason: "request over 2 GiB".into(),
            }
        })?;
        let mut head = self.head.take().unwrap_or_else(|| self.current.split());
        head[..SIZE_PREFIX_BYTES].copy_from_slice(&size.to_be_bytes());
        let mut segments = Vec::with_capacity(self.closed.len() + 2);
        segments.push(head.freeze());
        segments.append(&mut self.closed);
        if !self.current.is_empty() {
            segments.push(self.current.freeze());
        }
        Ok(segments)
    }
}

fn too_long(what: &'static str) -> ProtocolError {
    ProtocolError::Encode {
        what: "ProduceRequest",
        version: -1,
        reason: format!("{what} too long"),
    }
}

fn len_i32(len: usize) -> Result<i32, ProtocolError> {
    i32::try_from(len).map_err(|_| too_long("a field"))
}

fn len_u32(len: usize) -> Result<u32, ProtocolError> {
    u32::try_from(len).map_err(|_| too_long("a field"))
}

fn put_uvarint(buf: &mut BytesMut, mut value: u32) {
    while value >= 0x80 {
        buf.put_u8((value as u8) | 0x80);
        value >>= 7;
    }
    buf.put_u8(value as u8);
}

fn put_array_len(buf: &mut BytesMut, len: usize, compact: bool) -> Result<(), ProtocolError> {
    if compact {
        put_uvarint(buf, len_u32(len + 1)?);
    } else {
        buf.put_i32(len_i32(len)?);
    }
    Ok(())
}

fn put_nullable_string(
    buf: &mut BytesMut,
    value: Option<&str>,
    compact: bool,
) -> Result<(), ProtocolError> {
    match (value, compact) {
        (None, true) => put_uvarint(buf, 0),
        (None, false) => buf.put_i16(-1),
        (Some(s), true) => {
            put_uvarint(buf, len_u32(s.len() + 1)?);
            buf.put_slice(s.as_bytes());
        }
        (Some(s), false) => {
            buf.put_i16(i16::try_from(s.len()).map_err(|_| too_long("a string"))?);
            buf.put_slice(s.as_bytes());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
    use kafka_protocol::messages::{ProduceRequest, TopicName, TransactionalId};
    use kafka_protocol::protocol::StrBytes;
    use proptest::prelude::*;

    use super::*;
    use crate::protocol::header;

    /// What `kafka_protocol` encodes for the same request.
    fn reference(
        version: i16,
        correlation_id: i32,
        client_id: Option<&str>,
        fields: &ProduceFields<'_>,
        topics: &[ProduceTopic<'_>],
    ) -> Vec<u8> {
        let request = ProduceRequest::default()
            .with_transactional_id(
                fields
                    .transactional_id
                    .map(|t| TransactionalId(StrBytes::from_string(t.to_owned()))),
            )
            .with_acks(fields.acks)
            .with_timeout_ms(fields.timeout_ms)
            .with_topic_data(
                topics
                    .iter()
                    .map(|t| {
                        TopicProduceData::default()
                            .with_name(TopicName(StrBytes::from_string(t.name.to_owned())))
                            .with_partition_data(
                                t.partitions
                                    .iter()
                                    .map(|(index, records)| {
                                        PartitionProduceData::default()
                                            .with_index(*index)
                                            .with_records(Some(records.clone()))
                                    })
                                    .collect(),
                            )
                    })
                    .collect(),
            );
        let mut out = BytesMut::new();
        header::encode_request(&mut out, version, correlation_id, client_id, &request).unwrap();
        out.to_vec()
    }

    fn concat(segments: &[Bytes]) -> Vec<u8> {
        segments.iter().flat_map(|s| s.iter().copied()).collect()
    }

    #[test]
    fn large_batches_are_segments_of_their_own_not_copies() {
        let big = Bytes::from(vec![7u8; 10_000]);
        let small = Bytes::from(vec![1u8; 10]);
        let topics = [ProduceTopic {
            name: "t",
            partitions: vec![(0, big.clone()), (1, small), (2, big.clone())],
        }];
        let fields = ProduceFields {
            transactional_id: None,
            acks: 1,
            timeout_ms: 30_000,
        };
        let segments = encode_produce_request(11, 5, Some("kctl"), &fields, &topics).unwrap();
        // fields, batch 0, fields + small batch 1 + fields, batch 2, tail
        assert_eq!(segments.len(), 5);
        assert_eq!(segments[1].as_ptr(), big.as_ptr());
        assert_eq!(segments[3].as_ptr(), big.as_ptr());
        assert_eq!(
            concat(&segments),
            reference(11, 5, Some("kctl"), &fields, &topics)
        );
    }

    #[test]
    fn version_13_is_refused() {
        let fields = ProduceFields {
            transactional_id: None,
            acks: 1,
            timeout_ms: 1,
        };
        assert!(encode_produce_request(13, 0, None, &fields, &[]).is_err());
        assert!(encode_produce_request(2, 0, None, &fields, &[]).is_err());
    }

    proptest! {
        #[test]
        fn segments_concatenate_to_what_kafka_protocol_encodes(
            version in 3i16..=12,
            correlation_id in any::<i32>(),
            client_id in proptest::option::of("[a-z0-9-]{0,20}"),
            transactional_id in proptest::option::of("[a-z0-9-]{0,200}"),
            acks in prop_oneof![Just(-1i16), Just(0), Just(1)],
            timeout_ms in any::<i32>(),
            topics in proptest::collection::vec(
                (
                    "[a-z._-]{1,150}",
                    proptest::collection::vec(
                        (any::<i32>(), prop_oneof![0usize..100, 4000usize..9000]),
                        0..4,
                    ),
                ),
                0..4,
            ),
        ) {
            let topics: Vec<ProduceTopic<'_>> = topics
                .iter()
                .map(|(name, partitions)| ProduceTopic {
                    name,
                    partitions: partitions
                        .iter()
                        .map(|(index, len)| {
                            (*index, Bytes::from((0..*len).map(|i| i as u8).collect::<Vec<_>>()))
                        })
                        .collect(),
                })
                .collect();
            let fields = ProduceFields {
                transactional_id: transactional_id.as_deref(),
                acks,
                timeout_ms,
            };
            let segments = encode_produce_request(
                version,
                correlation_id,
                client_id.as_deref(),
                &fields,
                &topics,
            )
            .unwrap();
            prop_assert!(segments.iter().all(|s| !s.is_empty()));
            prop_assert_eq!(
                concat(&segments),
                reference(version, correlation_id, client_id.as_deref(), &fields, &topics)
            );
        }
    }
}
