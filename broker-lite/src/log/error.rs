//! What can go wrong in a partition log, and the Kafka error code for each.

use std::io;
use std::path::{Path, PathBuf};

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::batch::BatchError;

use super::producer_state::ProducerStateError;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    /// A file operation failed; `op` says which ("write", "fsync", ...).
    #[error("cannot {op} {}: {source}", path.display())]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("offset {offset} is outside the log [{log_start_offset}, {log_end_offset}]")]
    OffsetOutOfRange {
        offset: i64,
        log_start_offset: i64,
        log_end_offset: i64,
    },
    #[error("batch of {batch_bytes} bytes exceeds max.message.bytes {max_message_bytes}")]
    MessageTooLarge {
        batch_bytes: usize,
        max_message_bytes: usize,
    },
    /// A batch that could never fit in a segment (Kafka's
    /// RecordBatchTooLargeException).
    #[error("batch of {batch_bytes} bytes exceeds segment.bytes {segment_bytes}")]
    BatchLargerThanSegment {
        batch_bytes: usize,
        segment_bytes: u64,
    },
    /// `append` was given a batch that is not a valid RecordBatch v2; the
    /// caller should have run `batch::validate`, and the log refuses to
    /// store anything recovery would later throw away.
    #[error("invalid batch: {0}")]
    InvalidBatch(#[from] BatchError),
    /// Assigning offsets to the batch would pass i64::MAX.
    #[error(
        "offset overflow: the log end offset {log_end_offset} cannot take {records_count} more records"
    )]
    OffsetOverflow {
        log_end_offset: i64,
        records_count: i32,
    },
    /// An idempotent producer's batch that breaks its sequence or epoch.
    #[error(transparent)]
    Producer(#[from] ProducerStateError),
    /// Bytes that should hold whole valid batches (below the log end, inside
    /// a trusted segment) do not.
    #[error("corrupt segment {} at position {position}: {reason}", path.display())]
    Corrupt {
        path: PathBuf,
        position: u64,
        reason: String,
    },
}

impl LogError {
    pub(crate) fn io<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> Self + 'a {
        move |source| LogError::Io {
            op,
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn corrupt(path: &Path, position: u64, reason: impl ToString) -> Self {
        LogError::Corrupt {
            path: path.to_path_buf(),
            position,
            reason: reason.to_string(),
        }
    }

    /// The error code a request handler should answer with.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            LogError::OffsetOutOfRange { .. } => ErrorCode::OffsetOutOfRange,
            LogError::MessageTooLarge { .. } => ErrorCode::MessageTooLarge,
            LogError::BatchLargerThanSegment { .. } => ErrorCode::RecordListTooLarge,
            LogError::InvalidBatch(_) => ErrorCode::CorruptMessage,
            LogError::OffsetOverflow { .. } => ErrorCode::InvalidRecord,
            LogError::Producer(e) => match e {
                ProducerStateError::StaleEpoch { .. } => ErrorCode::InvalidProducerEpoch,
                ProducerStateError::OutOfOrder { .. } => ErrorCode::OutOfOrderSequenceNumber,
                ProducerStateError::UnknownProducer { .. } => ErrorCode::UnknownProducerId,
                ProducerStateError::InvalidSequence { .. } => ErrorCode::InvalidRecord,
                ProducerStateError::CoordinatorFenced { .. } => {
                    ErrorCode::TransactionCoordinatorFenced
                }
            },
            LogError::Io { .. } | LogError::Corrupt { .. } => ErrorCode::KafkaStorageError,
        }
    }
}
