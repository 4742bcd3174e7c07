//! A native async Apache Kafka client, written against the wire protocol with
//! no librdkafka underneath.
//!
//! # Layout
//!
//! - [`protocol`]: the wire format and nothing else — framing, request and
//!   response headers, version negotiation, RecordBatch v2 header helpers and
//!   Java-compatible murmur2. It does no I/O, and it is the only code in the
//!   workspace that reads or writes Kafka bytes. broker-lite reuses it.
//!
//! Everything else in this crate sits behind the `client` feature (on by
//! default), so a build with `default-features = false` gets the protocol
//! module alone.

pub mod protocol;

#[cfg(feature = "client")]
pub mod backoff;
#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "client")]
pub mod connection;
#[cfg(feature = "client")]
pub mod error;

#[cfg(feature = "client")]
pub mod metadata;
#[cfg(feature = "client")]
pub mod producer;

#[cfg(feature = "client")]
pub use client::{Client, ClientConfig};
#[cfg(feature = "client")]
pub use error::{Error, ErrorCode, Result};
#[cfg(feature = "client")]
pub use producer::{Acks, Producer, ProducerConfig, Record, RecordMetadata};
