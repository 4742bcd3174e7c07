//! Kafka's wire format, without I/O.
//!
//! Message bodies are encoded and decoded by the [`kafka_protocol`] crate,
//! which is generated from Apache Kafka's own JSON schemas. This module adds
//! what that crate leaves to its users:
//!
//! - [`frame`]: the 4-byte size prefix, with a maximum size checked before
//!   any allocation;
//! - [`header`]: request and response headers (including the tagged fields of
//!   flexible versions) and whole-message encode/decode;
//! - [`api`]: API keys, version ranges and negotiation;
//! - [`batch`]: the 61-byte RecordBatch v2 header, CRC-32C, and the in-place
//!   patches a broker makes (base offset, leader epoch);
//! - [`record_batch`]: a RecordBatch v2 encoder that appends records as
//!   they are produced and seals the batch once, plus a decoder that keeps
//!   duplicate header keys;
//! - [`record_view`]: a record read in place, borrowed from its batch;
//! - [`produce`]: Produce requests as segments, so record batches are
//!   written from the producer's buffers instead of copied into a frame;
//! - [`control`]: transaction markers (COMMIT/ABORT control batches);
//! - [`consumer_protocol`]: the subscription and assignment blobs consumer
//!   groups exchange inside JoinGroup and SyncGroup;
//! - [`murmur2`]: Java's key hash, so keyed records land where Java's and
//!   librdkafka's `murmur2_random` put them;
//! - [`share`]: share groups (KIP-932): acknowledge types, acknowledgement
//!   batches, acquired-record ranges and share-session epochs;
//! - [`share_statistics`]: kctl's tagged-field extension to
//!   DescribeShareGroupOffsets (in-flight, archived and redelivered counts);
//! - [`acl`]: ACL bindings and filters, with Kafka's matching rules;
//! - [`spliced_fetch`]: Fetch response frames with holes for record sets a
//!   broker sends from files (`sendfile`);
//! - [`error`]: Kafka error codes and this module's own errors.

pub mod acl;
pub mod api;
pub mod batch;
pub mod consumer_protocol;
pub mod control;
pub mod error;
pub mod frame;
pub mod header;
pub mod murmur2;
pub mod offsets_topic;
pub mod produce;
pub mod record_batch;
pub mod record_view;
pub mod share;
pub mod share_statistics;
pub mod spliced_fetch;

pub use kafka_protocol::indexmap;
/// The message types (`MetadataRequest`, `FetchResponse`, ...), re-exported
/// so every crate in the workspace uses the same version of them.
pub use kafka_protocol::messages;
pub use kafka_protocol::protocol::{
    Decodable, Encodable, Message, Request, StrBytes, VersionRange,
};
/// Record encoding and decoding (`Record`, `RecordBatchEncoder`, ...).
pub use kafka_protocol::records;

pub use error::{ErrorCode, ProtocolError};
