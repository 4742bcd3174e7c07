//! Errors of the wire layer, and Kafka's error codes.

/// A Kafka error code as carried in responses, e.g.
/// `ErrorCode::NotLeaderOrFollower`. Each variant knows its numeric code
/// ([`ErrorCode::code`]) and whether a client may retry it
/// ([`ErrorCode::is_retriable`]); `ErrorCode::try_from_code(0)` is `None`,
/// because 0 means success.
///
/// This is the table generated from Kafka's `Errors.java` by the
/// `kafka-protocol` crate; re-exported rather than copied so it cannot drift.
pub use kafka_protocol::ResponseError as ErrorCode;

/// Converts a response's `error_code` field into a `Result`.
pub fn check(code: i16) -> Result<(), ErrorCode> {
    match ErrorCode::try_from_code(code) {
        None => Ok(()),
        Some(err) => Err(err),
    }
}

/// Why bytes could not be turned into a Kafka message, or back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// A frame declared a size larger than the configured limit. Nothing was
    /// allocated for it.
    #[error("frame of {declared_bytes} bytes exceeds the limit of {max_bytes} bytes")]
    FrameTooLarge {
        /// The size the frame declared.
        declared_bytes: usize,
        /// The limit.
        max_bytes: usize,
    },
    /// A frame declared a negative size.
    #[error("frame declares a negative size ({0})")]
    NegativeFrameSize(i32),
    /// The API key is not one Kafka defines.
    #[error("unknown API key {0}")]
    UnknownApiKey(i16),
    /// The message is shorter than its own fields say.
    #[error("truncated message: needed {needed_bytes} bytes, had {available_bytes}")]
    Truncated {
        /// Bytes the message needs.
        needed_bytes: usize,
        /// Bytes there are.
        available_bytes: usize,
    },
    /// The body did not decode at the given version.
    #[error("cannot decode {what} v{version}: {reason}")]
    Decode {
        /// The message type.
        what: &'static str,
        /// Its version.
        version: i16,
        /// What the codec reported.
        reason: String,
    },
    /// The body could not be encoded at the given version (a field that the
    /// version cannot carry, for example).
    #[error("cannot encode {what} v{version}: {reason}")]
    Encode {
        /// The message type.
        what: &'static str,
        /// Its version.
        version: i16,
        /// What the codec reported.
        reason: String,
    },
    /// A RecordBatch failed validation.
    #[error(transparent)]
    Batch(#[from] crate::protocol::batch::BatchError),
}
