//! The client's errors, in layers.
//!
//! - [`ConnectionError`]: a broker connection could not be opened, or died.
//!   Every request pending on a dead connection fails with a clone of the
//!   same value.
//! - [`RequestError`]: one request failed on the connection layer (the
//!   connection died, it timed out, the broker does not speak the API).
//! - [`Error`]: what the client and producer return, including
//!   [`Error::Kafka`], a Kafka error code from a response with the topic and
//!   partition it concerned.
//!
//! All of them are `Clone`, because one failure (a lost connection, a
//! rejected batch) is reported to many waiters.

use std::fmt;
use std::io;
use std::sync::Arc;

use crate::protocol::ProtocolError;
use crate::protocol::api::ApiKey;

pub use crate::protocol::ErrorCode;

/// The client's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a broker connection could not be used.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectionError {
    /// The TCP connection could not be opened: refused, the name did not
    /// resolve, no route ([`ConnectionError::is_unreachable`]).
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        /// The `host:port` tried.
        addr: String,
        /// The operating system's error.
        #[source]
        source: Arc<io::Error>,
    },
    /// Opening the connection (TCP, TLS, ApiVersions, SASL) took longer
    /// than `connect_timeout_ms`.
    #[error("connecting to {addr} timed out after {timeout_ms} ms")]
    ConnectTimeout {
        /// The `host:port` tried.
        addr: String,
        /// The limit that ran out, in milliseconds.
        timeout_ms: u64,
    },
    /// Reading or writing the socket failed.
    #[error("I/O error: {0}")]
    Io(#[source] Arc<io::Error>),
    /// The broker closed the connection (end of stream).
    #[error("the broker closed the connection")]
    Closed,
    /// The broker sent bytes that are not a valid Kafka response.
    #[error("malformed data from the broker: {0}")]
    Protocol(#[source] Arc<ProtocolError>),
    /// The broker refused the ApiVersions request with this code.
    #[error("ApiVersions negotiation failed: {0}")]
    ApiVersions(ErrorCode),
    /// The connection was shut down by this client.
    #[error("the connection was shut down")]
    Shutdown,
    /// The TLS handshake failed: the broker's certificate is not trusted or
    /// does not name it, the broker refused ours, or it does not speak TLS.
    #[error("TLS handshake with {addr} failed: {message}")]
    Tls {
        /// The `host:port` of the broker.
        addr: String,
        /// What rustls reported.
        message: String,
    },
    /// SASL authentication failed. `code` is the broker's error code
    /// (UNSUPPORTED_SASL_MECHANISM, SASL_AUTHENTICATION_FAILED, ...) when it
    /// refused; `None` when this client rejected the broker's answers (a
    /// SCRAM server signature that does not match). The message never
    /// contains the password.
    #[error("SASL {mechanism} authentication failed: {message}")]
    Authentication {
        /// The mechanism that was tried.
        mechanism: crate::connection::security::SaslMechanism,
        /// The broker's error code, when the broker refused.
        code: Option<ErrorCode>,
        /// The broker's message or this client's reason.
        message: String,
    },
}

fn list_attempts(attempts: &[(String, ConnectionError)]) -> String {
    attempts
        .iter()
        .map(|(addr, error)| match error {
            // The error already names the address.
            ConnectionError::Connect { source, .. } => format!("{addr}: {source}"),
            other => format!("{addr}: {other}"),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

impl ConnectionError {
    /// Whether the TCP connection itself failed (refused, the name did not
    /// resolve, no route): nothing listens at the address. A timeout is not
    /// one: a slow network and a black hole look alike.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, Self::Connect { .. })
    }

    /// Whether connecting again may succeed. A refused password or an
    /// untrusted certificate will be refused again, so these fail at once
    /// rather than being retried until a deadline.
    pub fn is_retriable(&self) -> bool {
        !matches!(self, Self::Tls { .. } | Self::Authentication { .. })
    }
}

impl From<io::Error> for ConnectionError {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            Self::Closed
        } else {
            Self::Io(Arc::new(e))
        }
    }
}

impl From<ProtocolError> for ConnectionError {
    fn from(e: ProtocolError) -> Self {
        Self::Protocol(Arc::new(e))
    }
}

/// Why one request got no usable response.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The connection died before the response arrived; whether the broker
    /// acted on the request is unknown.
    #[error("connection failed: {0}")]
    Connection(#[from] ConnectionError),
    /// No response within `request_timeout_ms`; whether the broker acted
    /// on the request is unknown.
    #[error("{api_key:?} request timed out after {timeout_ms} ms")]
    Timeout {
        /// The request's API.
        api_key: ApiKey,
        /// The limit that ran out, in milliseconds.
        timeout_ms: u64,
    },
    /// The broker's ApiVersions range and this client's do not overlap for
    /// the API.
    #[error("the broker supports no version of {api_key:?} that this client speaks")]
    UnsupportedApi {
        /// The API without a common version.
        api_key: ApiKey,
    },
    /// The request could not be encoded or its response decoded.
    #[error("cannot encode or decode {api_key:?}: {source}")]
    Protocol {
        /// The request's API.
        api_key: ApiKey,
        /// What the codec reported.
        #[source]
        source: Arc<ProtocolError>,
    },
}

impl RequestError {
    /// Whether sending the request again (perhaps on a new connection) may
    /// succeed.
    pub fn is_retriable(&self) -> bool {
        match self {
            Self::Connection(c) => c.is_retriable(),
            Self::Timeout { .. } => true,
            _ => false,
        }
    }
}

/// Where a Kafka error code came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorContext {
    /// The request whose response carried the code.
    pub api_key: Option<ApiKey>,
    /// The topic the code was about, if any.
    pub topic: Option<String>,
    /// The partition the code was about, if any.
    pub partition: Option<i32>,
    /// The broker's error message, when the response carries one.
    pub message: Option<String>,
}

impl ErrorContext {
    /// A code about a whole request (no topic or partition).
    pub fn api(api_key: ApiKey) -> Self {
        Self {
            api_key: Some(api_key),
            ..Self::default()
        }
    }

    /// A code about one partition.
    pub fn partition(api_key: ApiKey, topic: &str, partition: i32) -> Self {
        Self {
            api_key: Some(api_key),
            topic: Some(topic.to_owned()),
            partition: Some(partition),
            message: None,
        }
    }

    /// A code about one topic.
    pub fn topic(api_key: ApiKey, topic: &str) -> Self {
        Self {
            api_key: Some(api_key),
            topic: Some(topic.to_owned()),
            partition: None,
            message: None,
        }
    }

    /// Adds the broker's error message.
    pub fn with_message(mut self, message: Option<String>) -> Self {
        self.message = message;
        self
    }
}

impl fmt::Display for ErrorContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        if let Some(api) = self.api_key {
            write!(f, "{api:?}")?;
            sep = " ";
        }
        match (&self.topic, self.partition) {
            (Some(t), Some(p)) => write!(f, "{sep}{t}-{p}")?,
            (Some(t), None) => write!(f, "{sep}{t}")?,
            _ => {}
        }
        if let Some(m) = &self.message {
            write!(f, ": {m}")?;
        }
        Ok(())
    }
}

/// The client's error.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A request failed below the Kafka level (connection, timeout,
    /// version, codec).
    #[error(transparent)]
    Request(#[from] RequestError),
    /// A broker answered with a Kafka error code.
    #[error("{code} ({context})")]
    Kafka {
        /// The code; [`ErrorCode::is_retriable`] is Kafka's classification.
        code: ErrorCode,
        /// The request, topic, partition and broker message it came with.
        context: ErrorContext,
    },
    /// None of the bootstrap or known brokers could be reached.
    #[error("no broker reachable; last error: {last}")]
    NoBrokerAvailable {
        /// The error of the last broker tried.
        last: Box<Error>,
    },
    /// No broker was known yet and every bootstrap address failed to
    /// connect: refused, unresolvable, unroutable (see
    /// [`ConnectionError::is_unreachable`]). Each address with its error, in
    /// the order tried. Retriable (a broker may be starting), but a caller
    /// that sees it for a few seconds can give up rather than wait out a
    /// long deadline.
    #[error("no bootstrap server reachable: {}", list_attempts(.attempts))]
    BootstrapUnreachable {
        /// `(host:port, error)` per bootstrap address.
        attempts: Vec<(String, ConnectionError)>,
    },
    /// A setting is out of range or contradicts another (the message says
    /// which, by its Kafka property name).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// `from_properties` got keys it does not know; all of them are listed.
    #[error("unknown configuration keys: {}", .0.join(", "))]
    UnknownConfigKeys(Vec<String>),
    /// A record or call named a partition the topic does not have.
    #[error("topic {topic} has no partition {partition} (it has {partition_count})")]
    InvalidPartition {
        /// The topic.
        topic: String,
        /// The partition asked for.
        partition: i32,
        /// How many partitions the topic has.
        partition_count: i32,
    },
    /// A record is larger than a limit, checked before it is sent.
    #[error("record of {size_bytes} bytes exceeds {limit_name} = {limit_bytes}")]
    RecordTooLarge {
        /// The record's encoded size.
        size_bytes: usize,
        /// The limit's Kafka property (`max.request.size`, `buffer.memory`).
        limit_name: &'static str,
        /// The limit's value in bytes.
        limit_bytes: usize,
    },
    /// `try_send` found the producer's buffer (`buffer_memory`) full.
    #[error("the producer's buffer is full")]
    BufferFull,
    /// The record was not acknowledged within `delivery_timeout_ms`.
    #[error("delivery timed out after {timeout_ms} ms; last error: {}", last.as_deref().map_or("none".to_string(), |e| e.to_string()))]
    DeliveryTimeout {
        /// `delivery.timeout.ms`.
        timeout_ms: u64,
        /// The error of the last attempt, if one failed.
        last: Option<Box<Error>>,
    },
    /// The producer was closed before the record could be accepted.
    #[error("the producer is closed")]
    ProducerClosed,
    /// Waiting for metadata took longer than allowed.
    #[error("metadata for topic {topic} not available after {timeout_ms} ms")]
    MetadataTimeout {
        /// The topic waited for.
        topic: String,
        /// The limit, in milliseconds.
        timeout_ms: u64,
    },
    /// The consumer's position left the partition's log and
    /// `auto.offset.reset` is `none`; fetching the partition stops until it
    /// is given a new position with a seek.
    #[error("offset {offset} is out of range for {topic}-{partition} and auto.offset.reset=none")]
    OffsetOutOfRange {
        /// The topic.
        topic: String,
        /// The partition.
        partition: i32,
        /// The position the broker refused.
        offset: i64,
    },
    /// The log was truncated below the consumer's position (KIP-320): the
    /// records before the position that the consumer read, or that its
    /// committed offset stands for, are gone after a leader change (an
    /// unclean election, or an acks=1 tail the old leader lost). Raised only
    /// with `auto.offset.reset=none`, as Java's `LogTruncationException`;
    /// with a reset policy the consumer moves to the divergent offset itself.
    /// Fetching the partition stops until a seek.
    #[error(
        "log truncation detected for {topic}-{partition} at offset {offset}{}",
        match divergent_offset {
            Some(o) => format!(": the leader's log diverges from offset {o}"),
            None => ": the leader knows no offset for its epoch".to_string(),
        }
    )]
    LogTruncation {
        /// The topic.
        topic: String,
        /// The partition.
        partition: i32,
        /// The position that was found truncated.
        offset: i64,
        /// The first offset known to diverge (the leader's end offset of
        /// the position's epoch), when the leader knows one.
        divergent_offset: Option<i64>,
        /// The leader epoch `divergent_offset` belongs to.
        divergent_leader_epoch: Option<i32>,
    },
    /// The partition has no position, and `auto.offset.reset` is `none`;
    /// fetching it waits for a seek.
    #[error("no offset for {topic}-{partition} and auto.offset.reset=none: seek first")]
    NoOffsetForPartition {
        /// The topic.
        topic: String,
        /// The partition.
        partition: i32,
    },
    /// A fetched batch could not be read; the partition's position stays at
    /// it and fetching the partition stops until a seek moves past it.
    #[error("corrupt record batch in {topic}-{partition} at offset {offset}: {reason}")]
    CorruptRecord {
        /// The topic.
        topic: String,
        /// The partition.
        partition: i32,
        /// The base offset of the batch that could not be read.
        offset: i64,
        /// What was wrong with it (CRC, length, compression).
        reason: String,
    },
    /// The operation names a partition the consumer is not assigned.
    #[error("{topic}-{partition} is not assigned to this consumer")]
    NotAssigned {
        /// The topic.
        topic: String,
        /// The partition.
        partition: i32,
    },
    /// A subscription pattern that does not compile.
    #[error("invalid subscription pattern: {0}")]
    InvalidPattern(String),
    /// A transaction cannot go on. With `fatal` the producer can run no
    /// more transactions (a newer instance fenced it, its epoch is
    /// exhausted, the broker refused its transactional id): close it.
    /// Otherwise abort the transaction and begin a new one (Java's
    /// `TransactionManager` calls these abortable).
    #[error("transaction {}: {cause}", if *fatal { "failed; the producer must be closed" } else { "failed; abort it" })]
    Transaction {
        /// Whether the producer must be closed (rather than the
        /// transaction aborted).
        fatal: bool,
        /// The error that ended the transaction.
        cause: Box<Error>,
    },
    /// A transactional call out of order (commit without begin, send
    /// before init_transactions, ...).
    #[error("invalid transaction state: {0}")]
    TransactionState(String),
    /// A share consumer's acknowledgement out of order: `acknowledge` in
    /// implicit mode, of a record the last poll did not return or already
    /// acknowledged, or a poll in explicit mode before every record of the
    /// last one was acknowledged.
    #[error("share acknowledgement: {0}")]
    ShareAcknowledgement(String),
    /// A feature needs a request version the broker does not speak: RENEW
    /// (KIP-1222) needs ShareAcknowledge v2, which Kafka serves from 4.2 on.
    /// Not retriable against that broker; the same records can still be
    /// accepted, released or rejected.
    #[error(
        "{feature} needs {api_key:?} v{needed_version} or later; broker {broker} speaks up to v{negotiated_version} with this client"
    )]
    UnsupportedVersion {
        /// What needed the version (`RENEW (KIP-1222)`).
        feature: &'static str,
        /// The request's API.
        api_key: ApiKey,
        /// The lowest version that has the feature.
        needed_version: i16,
        /// The broker.
        broker: i32,
        /// The highest version both sides speak.
        negotiated_version: i16,
    },
    /// A call (an admin operation, a commit, a flush with a deadline) did
    /// not complete within its deadline, retries included.
    #[error("{operation} timed out after {timeout_ms} ms; last error: {}", last.as_deref().map_or("none".to_string(), |e| e.to_string()))]
    OperationTimeout {
        /// What timed out (`create_topics`, `commit`, ...).
        operation: &'static str,
        /// The deadline, in milliseconds.
        timeout_ms: u64,
        /// The error of the last attempt, if one failed.
        last: Option<Box<Error>>,
    },
    /// A round trip of `perf::end_to_end` read back something other than
    /// the one record it had just sent (another writer on the topic).
    #[error("end-to-end round trip read back the wrong record: {0}")]
    RoundTripMismatch(String),
}

impl Error {
    /// An [`Error::Kafka`].
    pub fn kafka(code: ErrorCode, context: ErrorContext) -> Self {
        Self::Kafka { code, context }
    }

    /// The Kafka error code, if this is one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Kafka { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// Whether retrying the operation may succeed. For Kafka error codes this
    /// is Kafka's own classification ([`ErrorCode::is_retriable`]), as of
    /// Kafka 4.x: CONCURRENT_TRANSACTIONS is retriable there
    /// (`ConcurrentTransactionsException` became a `RetriableException` with
    /// transactions v2, whose leaders answer it to a Produce while the
    /// previous transaction's markers are still being written), where
    /// kafka-protocol's older table says otherwise.
    pub fn is_retriable(&self) -> bool {
        match self {
            Self::Kafka { code, .. } => {
                code.is_retriable() || *code == ErrorCode::ConcurrentTransactions
            }
            Self::Request(e) => e.is_retriable(),
            Self::NoBrokerAvailable { .. }
            | Self::BootstrapUnreachable { .. }
            | Self::MetadataTimeout { .. } => true,
            _ => false,
        }
    }

    /// Whether a transactional producer that got this error can run no more
    /// transactions.
    pub fn is_fatal_transaction_error(&self) -> bool {
        matches!(self, Self::Transaction { fatal: true, .. })
    }

    /// Whether the error means cached metadata (a leader, a topic) is stale.
    pub fn invalidates_metadata(&self) -> bool {
        match self {
            Self::Kafka { code, .. } => matches!(
                code,
                ErrorCode::NotLeaderOrFollower
                    | ErrorCode::UnknownTopicOrPartition
                    | ErrorCode::LeaderNotAvailable
                    | ErrorCode::FencedLeaderEpoch
                    | ErrorCode::UnknownLeaderEpoch
                    | ErrorCode::KafkaStorageError
                    | ErrorCode::NotController
            ),
            Self::Request(RequestError::Connection(_))
            | Self::NoBrokerAvailable { .. }
            | Self::BootstrapUnreachable { .. } => true,
            _ => false,
        }
    }
}

impl From<ConnectionError> for Error {
    fn from(e: ConnectionError) -> Self {
        Self::Request(RequestError::Connection(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retriability_follows_the_kafka_code() {
        let ctx = ErrorContext::partition(ApiKey::Produce, "t", 3);
        assert!(Error::kafka(ErrorCode::NotLeaderOrFollower, ctx.clone()).is_retriable());
        assert!(Error::kafka(ErrorCode::NotLeaderOrFollower, ctx.clone()).invalidates_metadata());
        assert!(!Error::kafka(ErrorCode::MessageTooLarge, ctx.clone()).is_retriable());
        assert!(Error::kafka(ErrorCode::ConcurrentTransactions, ctx.clone()).is_retriable());
        assert!(Error::from(ConnectionError::Closed).is_retriable());
        let shown = Error::kafka(ErrorCode::UnknownTopicOrPartition, ctx).to_string();
        assert!(
            shown.contains("UnknownTopicOrPartition") && shown.contains("Produce t-3"),
            "{shown}"
        );
    }
}
