//! One multiplexed connection to one broker.
//!
//! The shape is rskafka's `Messenger`: many requests share a socket. Each
//! gets a correlation id and a `oneshot` registered in a pending table
//! *before* its bytes are written; a single reader task takes frames off the
//! socket and completes the waiter whose id the frame carries. Writes go
//! through a writer task fed by a channel, so a caller that gives up (a
//! dropped future, a timeout) can never leave half a frame on the wire.
//!
//! When either task hits an error the connection becomes *dead*: every
//! pending request fails at once with a clone of the cause, and so does
//! every later one. [`broker::BrokerConnection`] notices and opens a new one
//! on next use, after an exponential backoff.
//!
//! The connection is generic over any `AsyncRead + AsyncWrite`, so the unit
//! tests below drive it through `tokio::io::duplex` with a scripted broker.
//! [`broker::Connector`] hands it a TCP stream, or the TLS stream over one
//! (`tls`); after ApiVersions, [`Connection::establish`] authenticates with
//! SASL (`sasl`) when [`security::SecurityConfig`] says so, before any other
//! request can be sent.

pub mod broker;
mod sasl;
pub mod security;
mod tls;

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::{
    ApiVersionsRequest, ApiVersionsResponse, SaslAuthenticateRequest, SaslAuthenticateResponse,
    SaslHandshakeRequest, SaslHandshakeResponse,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::error::{ConnectionError, ErrorCode, RequestError};
use crate::protocol::api::{ApiKey, BrokerVersions};
use crate::protocol::{Decodable, Message, ProtocolError, Request, StrBytes, frame, header};

/// Settings shared by every connection a client opens.
///
/// Start from [`ConnectionConfig::default`] and chain the setters; the
/// struct is `#[non_exhaustive]`, so new settings can be added without
/// breaking callers. It usually sits in [`ClientConfig::connection`](crate::ClientConfig::connection).
///
/// ```
/// use kctl_client::connection::ConnectionConfig;
///
/// let config = ConnectionConfig::default()
///     .client_id("orders-service")
///     .request_timeout_ms(5_000)
///     .connect_timeout_ms(2_000);
/// assert_eq!(config.request_timeout_ms, 5_000);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ConnectionConfig {
    /// Sent in every request header; brokers log it and use it for quotas.
    /// Default `kctl`. Kafka: `client.id`.
    pub client_id: Option<Arc<str>>,
    /// How long a request may wait for its response, in milliseconds.
    /// Default 30000. Kafka: `request.timeout.ms`.
    pub request_timeout_ms: u64,
    /// How long opening a connection (TCP, TLS, ApiVersions and SASL) may
    /// take, in milliseconds. Default 10000. Kafka:
    /// `socket.connection.setup.timeout.ms`.
    pub connect_timeout_ms: u64,
    /// Responses larger than this many bytes are treated as a protocol
    /// violation. Default 104857600 (100 MiB; librdkafka's
    /// `receive.message.max.bytes` defaults to 100 MB).
    pub max_frame_bytes: usize,
    /// The wait between reconnect attempts to one broker. Default 50 ms
    /// doubling to 1000 ms, ±20 % jitter. Kafka: `reconnect.backoff.ms`,
    /// `reconnect.backoff.max.ms`.
    pub reconnect_backoff: crate::backoff::Backoff,
    /// TLS and SASL; plaintext by default. Kafka: `security.protocol`,
    /// `ssl.*`, `sasl.*` (see [`security::SecurityConfig::from_properties`]).
    pub security: security::SecurityConfig,
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        Self {
            client_id: Some(Arc::from("kctl")),
            request_timeout_ms: 30_000,
            connect_timeout_ms: 10_000,
            max_frame_bytes: frame::DEFAULT_MAX_FRAME_BYTES,
            reconnect_backoff: crate::backoff::Backoff {
                initial_ms: 50,
                max_ms: 1_000,
                jitter: 0.2,
            },
            security: security::SecurityConfig::default(),
        }
    }
}

impl ConnectionConfig {
    /// `client.id`: the name sent in every request header. Default `kctl`.
    pub fn client_id(mut self, client_id: impl Into<Arc<str>>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// `request.timeout.ms`: how long a request may wait for its response.
    /// Default 30000.
    pub fn request_timeout_ms(mut self, request_timeout_ms: u64) -> Self {
        self.request_timeout_ms = request_timeout_ms;
        self
    }

    /// `socket.connection.setup.timeout.ms`: how long opening a connection
    /// may take. Default 10000.
    pub fn connect_timeout_ms(mut self, connect_timeout_ms: u64) -> Self {
        self.connect_timeout_ms = connect_timeout_ms;
        self
    }

    /// The largest response accepted, in bytes (librdkafka:
    /// `receive.message.max.bytes`). Default 104857600.
    pub fn max_frame_bytes(mut self, max_frame_bytes: usize) -> Self {
        self.max_frame_bytes = max_frame_bytes;
        self
    }

    /// `reconnect.backoff.ms` / `reconnect.backoff.max.ms`: the wait
    /// between reconnect attempts. Default 50 ms to 1000 ms.
    pub fn reconnect_backoff(mut self, reconnect_backoff: crate::backoff::Backoff) -> Self {
        self.reconnect_backoff = reconnect_backoff;
        self
    }

    /// TLS and SASL (`security.protocol`, `ssl.*`, `sasl.*`). Default
    /// plaintext.
    pub fn security(mut self, security: security::SecurityConfig) -> Self {
        self.security = security;
        self
    }
}

/// A response that tells the client to back off (KIP-219). The connection
/// delays its next request by that long.
pub trait Throttled {
    /// How long the broker asks the client to wait, in milliseconds (0: no
    /// throttling).
    fn throttle_time_ms(&self) -> i32;
}

macro_rules! throttled {
    ($($t:ident),* $(,)?) => {
        $(impl Throttled for kafka_protocol::messages::$t {
            fn throttle_time_ms(&self) -> i32 { self.throttle_time_ms }
        })*
    };
}

throttled!(
    ApiVersionsResponse,
    MetadataResponse,
    ProduceResponse,
    InitProducerIdResponse,
    FetchResponse,
    ListOffsetsResponse,
    OffsetForLeaderEpochResponse,
    FindCoordinatorResponse,
    CreateTopicsResponse,
    DeleteTopicsResponse,
    JoinGroupResponse,
    SyncGroupResponse,
    HeartbeatResponse,
    LeaveGroupResponse,
    AddPartitionsToTxnResponse,
    AddOffsetsToTxnResponse,
    EndTxnResponse,
    TxnOffsetCommitResponse,
    DescribeTransactionsResponse,
    ListTransactionsResponse,
    DescribeProducersResponse,
    ConsumerGroupHeartbeatResponse,
    ShareGroupHeartbeatResponse,
    ShareGroupDescribeResponse,
    ShareFetchResponse,
    ShareAcknowledgeResponse,
    DescribeShareGroupOffsetsResponse,
    AlterShareGroupOffsetsResponse,
    DeleteShareGroupOffsetsResponse,
);

// Neither carries a throttle time: authentication is never throttled.
impl Throttled for SaslHandshakeResponse {
    fn throttle_time_ms(&self) -> i32 {
        0
    }
}

impl Throttled for SaslAuthenticateResponse {
    fn throttle_time_ms(&self) -> i32 {
        0
    }
}

const WRITE_QUEUE_DEPTH: usize = 256;
/// Frames the writer task takes from its queue before flushing.
const WRITE_COALESCE_FRAMES: usize = 64;
const READ_CHUNK_BYTES: usize = 64 * 1024;

type PendingReply = oneshot::Sender<Result<Bytes, ConnectionError>>;

enum State {
    Open(HashMap<i32, PendingReply>),
    Dead(ConnectionError),
}

struct Shared {
    state: Mutex<State>,
    /// Set from a response's throttle_time_ms; requests wait until then.
    throttled_until: Mutex<Option<Instant>>,
}

impl Shared {
    fn take_pending(&self, correlation_id: i32) -> Option<PendingReply> {
        match &mut *crate::sync::lock(&self.state) {
            State::Open(pending) => pending.remove(&correlation_id),
            State::Dead(_) => None,
        }
    }

    /// Marks the connection dead and fails everything waiting on it.
    fn kill(&self, error: ConnectionError) {
        let previous = std::mem::replace(
            &mut *crate::sync::lock(&self.state),
            State::Dead(error.clone()),
        );
        if let State::Open(pending) = previous {
            if !pending.is_empty() {
                tracing::debug!(pending = pending.len(), %error, "connection died with requests in flight");
            }
            for (_, waiter) in pending {
                let _ = waiter.send(Err(error.clone()));
            }
        }
    }

    fn note_throttle(&self, throttle_time_ms: i32) {
        if throttle_time_ms > 0 {
            let until = Instant::now() + Duration::from_millis(throttle_time_ms as u64);
            let mut slot = crate::sync::lock(&self.throttled_until);
            if slot.is_none_or(|current| current < until) {
                tracing::debug!(throttle_time_ms, "broker is throttling this client");
                *slot = Some(until);
            }
        }
    }

    fn dead_reason(&self) -> Option<ConnectionError> {
        match &*crate::sync::lock(&self.state) {
            State::Open(_) => None,
            State::Dead(e) => Some(e.clone()),
        }
    }
}

struct WriteJob {
    /// The frame, as segments written back to back: one for most requests,
    /// several for a Produce request whose batches are written from the
    /// producer's buffers (see `protocol::produce`).
    frame: Vec<Bytes>,
    /// Told when the frame is on the wire; only for requests that get no
    /// response (acks=0 Produce), which otherwise could not learn of a failed
    /// write.
    written: Option<oneshot::Sender<Result<(), ConnectionError>>>,
}

/// A live, multiplexed connection to one broker, with negotiated versions.
pub struct Connection {
    shared: Arc<Shared>,
    writes: mpsc::Sender<WriteJob>,
    next_correlation_id: AtomicI32,
    versions: BrokerVersions,
    client_id: Option<Arc<str>>,
    request_timeout: Duration,
    reader: JoinHandle<()>,
    writer: JoinHandle<()>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("dead", &self.shared.dead_reason())
            .field("next_correlation_id", &self.next_correlation_id)
            .finish_non_exhaustive()
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.reader.abort();
        self.writer.abort();
        self.shared.kill(ConnectionError::Shutdown);
    }
}

impl Connection {
    /// Starts the reader and writer tasks on `stream`, negotiates API
    /// versions with the broker and, if `config.security` has SASL
    /// credentials, authenticates.
    pub async fn establish<RW>(
        stream: RW,
        config: &ConnectionConfig,
    ) -> Result<Self, ConnectionError>
    where
        RW: AsyncRead + AsyncWrite + Send + 'static,
    {
        let mut conn = Self::start(stream, config);
        conn.versions = conn.negotiate_versions().await?;
        if let Some(sasl) = &config.security.sasl {
            conn.authenticate(sasl).await?;
        }
        Ok(conn)
    }

    fn start<RW>(stream: RW, config: &ConnectionConfig) -> Self
    where
        RW: AsyncRead + AsyncWrite + Send + 'static,
    {
        let (read_half, write_half) = tokio::io::split(stream);
        let shared = Arc::new(Shared {
            state: Mutex::new(State::Open(HashMap::new())),
            throttled_until: Mutex::new(None),
        });
        let (writes, write_queue) = mpsc::channel(WRITE_QUEUE_DEPTH);
        let reader = tokio::spawn(read_loop(
            read_half,
            Arc::clone(&shared),
            config.max_frame_bytes,
        ));
        let writer = tokio::spawn(write_loop(write_half, write_queue, Arc::clone(&shared)));
        Self {
            shared,
            writes,
            next_correlation_id: AtomicI32::new(0),
            versions: BrokerVersions::default(),
            client_id: config.client_id.clone(),
            request_timeout: Duration::from_millis(config.request_timeout_ms),
            reader,
            writer,
        }
    }

    /// Sends ApiVersions at the newest version we know; a broker that does
    /// not know it answers UNSUPPORTED_VERSION with a v0 body listing its own
    /// range, and we retry at the best version in it.
    async fn negotiate_versions(&self) -> Result<BrokerVersions, ConnectionError> {
        let request = ApiVersionsRequest::default()
            .with_client_software_name(StrBytes::from_static_str("kctl"))
            .with_client_software_version(StrBytes::from_static_str(env!("CARGO_PKG_VERSION")));
        let mut version = ApiVersionsRequest::VERSIONS.max;
        for _ in 0..2 {
            let frame = self
                .round_trip::<ApiVersionsRequest>(&request, version)
                .await
                .map_err(into_connection_error)?;
            // The error code is the first body field at every version, and
            // the ApiVersions response header is always v0 (correlation id
            // only), so it can be read before choosing a decoder.
            let error_code = frame
                .get(4..6)
                .map_or(0, |b| i16::from_be_bytes([b[0], b[1]]));
            if error_code == ErrorCode::UnsupportedVersion.code() {
                if version == 0 {
                    return Err(ConnectionError::ApiVersions(ErrorCode::UnsupportedVersion));
                }
                // Some brokers get the v0 body of this answer wrong
                // (librdkafka 2.0's mock cluster writes a one-byte array
                // count); v0 itself is always supported, so fall back to it
                // when the broker's range cannot be read.
                let mut body = frame.slice(4..);
                version = ApiVersionsResponse::decode(&mut body, 0)
                    .ok()
                    .and_then(|v0| {
                        BrokerVersions::from_response(&v0)
                            .version_for::<ApiVersionsRequest>(Some(version - 1))
                    })
                    .unwrap_or(0);
                continue;
            }
            let (_, response) = header::decode_response::<ApiVersionsRequest>(frame, version)?;
            if let Some(code) = ErrorCode::try_from_code(response.error_code) {
                return Err(ConnectionError::ApiVersions(code));
            }
            self.note_throttle(response.throttle_time_ms);
            return Ok(BrokerVersions::from_response(&response));
        }
        Err(ConnectionError::ApiVersions(ErrorCode::UnsupportedVersion))
    }

    /// SaslHandshake v1 names the mechanism, then SaslAuthenticate requests
    /// carry the mechanism's messages (KIP-152) until it is done. v0 of the
    /// handshake (unframed tokens, Kafka before 1.0) is not spoken.
    async fn authenticate(&self, config: &security::SaslConfig) -> Result<(), ConnectionError> {
        let mechanism = config.mechanism;
        let fail = |code: Option<ErrorCode>, message: String| ConnectionError::Authentication {
            mechanism,
            code,
            message,
        };
        if self
            .versions
            .version_for::<SaslHandshakeRequest>(None)
            .is_none_or(|v| v < 1)
            || self
                .versions
                .version_for::<SaslAuthenticateRequest>(None)
                .is_none()
        {
            return Err(fail(
                None,
                "the broker does not offer SASL (SaslHandshake v1 and SaslAuthenticate) \
                 on this listener"
                    .into(),
            ));
        }
        let handshake = SaslHandshakeRequest::default()
            .with_mechanism(StrBytes::from_static_str(mechanism.as_str()));
        let response = self
            .request_at(&handshake, 1)
            .await
            .map_err(into_connection_error)?;
        if let Some(code) = ErrorCode::try_from_code(response.error_code) {
            let offered: Vec<&str> = response.mechanisms.iter().map(|m| m.as_str()).collect();
            let message = if code == ErrorCode::UnsupportedSaslMechanism {
                format!(
                    "the broker does not enable {mechanism}; it offers {}",
                    if offered.is_empty() {
                        "none".to_owned()
                    } else {
                        offered.join(", ")
                    }
                )
            } else {
                format!("the broker refused the SASL handshake: {code}")
            };
            return Err(fail(Some(code), message));
        }
        let version = self
            .version_for::<SaslAuthenticateRequest>(None)
            .map_err(|_| fail(None, "no common SaslAuthenticate version".into()))?;
        let mut exchange = sasl::Authenticator::new(config);
        let mut message = exchange.first();
        loop {
            let request = SaslAuthenticateRequest::default().with_auth_bytes(Bytes::from(message));
            let response = self
                .request_at(&request, version)
                .await
                .map_err(into_connection_error)?;
            if let Some(code) = ErrorCode::try_from_code(response.error_code) {
                let message = response
                    .error_message
                    .as_ref()
                    .map_or_else(|| code.to_string(), |m| m.to_string());
                return Err(fail(Some(code), message));
            }
            match exchange
                .next(&response.auth_bytes)
                .map_err(|message| fail(None, message))?
            {
                Some(next) => message = next,
                None => break,
            }
        }
        tracing::debug!(%mechanism, "SASL authentication succeeded");
        Ok(())
    }

    /// What the broker said it supports.
    pub fn versions(&self) -> &BrokerVersions {
        &self.versions
    }

    /// The version request `R` would be sent at: the highest both sides
    /// support, capped by the client's table
    /// ([`crate::protocol::api::CLIENT_VERSION_CAPS`]) and by `cap`.
    pub fn version_for<R: Request>(&self, cap: Option<i16>) -> Result<i16, RequestError> {
        let table = crate::protocol::api::client_version_cap(api_key::<R>());
        let cap = match (cap, table) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.versions
            .version_for::<R>(cap)
            .ok_or(RequestError::UnsupportedApi {
                api_key: api_key::<R>(),
            })
    }

    /// Whether the connection has died (and should be replaced).
    pub fn is_dead(&self) -> bool {
        self.shared.dead_reason().is_some()
    }

    /// Sends `body` at the highest version both sides support and waits for
    /// the response.
    pub async fn request<R>(&self, body: &R) -> Result<R::Response, RequestError>
    where
        R: Request,
        R::Response: Throttled,
    {
        let version = self.version_for::<R>(None)?;
        self.request_at(body, version).await
    }

    /// Sends `body` at `version` and waits for the response.
    pub async fn request_at<R>(&self, body: &R, version: i16) -> Result<R::Response, RequestError>
    where
        R: Request,
        R::Response: Throttled,
    {
        let frame = self.round_trip(body, version).await?;
        let (_, response) =
            header::decode_response::<R>(frame, version).map_err(|e| RequestError::Protocol {
                api_key: api_key::<R>(),
                source: Arc::new(e),
            })?;
        self.note_throttle(response.throttle_time_ms());
        Ok(response)
    }

    /// Sends a request the broker will not answer (Produce with acks=0).
    /// Returns once the bytes are written.
    pub async fn send_without_response<R: Request>(
        &self,
        body: &R,
        version: i16,
    ) -> Result<(), RequestError> {
        self.send_encoded_without_response::<R>(|correlation_id, client_id| {
            encode_one(body, version, correlation_id, client_id)
        })
        .await
    }

    /// Like [`send_without_response`](Self::send_without_response), for a
    /// request `encode` writes itself (given the correlation id and client
    /// id) as frame segments.
    pub async fn send_encoded_without_response<R: Request>(
        &self,
        encode: impl FnOnce(i32, Option<&str>) -> Result<Vec<Bytes>, ProtocolError>,
    ) -> Result<(), RequestError> {
        self.wait_for_throttle().await;
        let correlation_id = self.next_correlation_id();
        let frame =
            encode(correlation_id, self.client_id.as_deref()).map_err(protocol_error::<R>)?;
        if let Some(dead) = self.shared.dead_reason() {
            return Err(dead.into());
        }
        let (written, on_written) = oneshot::channel();
        self.writes
            .send(WriteJob {
                frame,
                written: Some(written),
            })
            .await
            .map_err(|_| self.dead_or_shutdown())?;
        match on_written.await {
            Ok(result) => result.map_err(RequestError::from),
            Err(_) => Err(self.dead_or_shutdown().into()),
        }
    }

    /// Writes a request and returns a handle on its response. Requests are
    /// written in the order `submit` is called, so a caller that must keep
    /// several requests in order (the producer's per-broker sink) submits
    /// them one after the other and waits for the responses elsewhere.
    pub async fn submit<R>(
        &self,
        body: &R,
        version: i16,
    ) -> Result<PendingResponse<R>, RequestError>
    where
        R: Request,
        R::Response: Throttled,
    {
        let frame = self
            .submit_frame::<R>(|correlation_id, client_id| {
                encode_one(body, version, correlation_id, client_id)
            })
            .await?;
        Ok(PendingResponse {
            frame,
            version,
            _request: PhantomData,
        })
    }

    /// Like [`submit`](Self::submit), for a request `encode` writes itself
    /// (given the correlation id and client id) as frame segments: the
    /// producer's Produce requests, whose batches are written from its own
    /// buffers rather than copied into one frame.
    pub async fn submit_encoded<R>(
        &self,
        version: i16,
        encode: impl FnOnce(i32, Option<&str>) -> Result<Vec<Bytes>, ProtocolError>,
    ) -> Result<PendingResponse<R>, RequestError>
    where
        R: Request,
        R::Response: Throttled,
    {
        let frame = self.submit_frame::<R>(encode).await?;
        Ok(PendingResponse {
            frame,
            version,
            _request: PhantomData,
        })
    }

    async fn round_trip<R: Request>(&self, body: &R, version: i16) -> Result<Bytes, RequestError> {
        self.submit_frame::<R>(|correlation_id, client_id| {
            encode_one(body, version, correlation_id, client_id)
        })
        .await?
        .wait()
        .await
    }

    async fn submit_frame<R: Request>(
        &self,
        encode: impl FnOnce(i32, Option<&str>) -> Result<Vec<Bytes>, ProtocolError>,
    ) -> Result<PendingFrame, RequestError> {
        self.wait_for_throttle().await;
        let correlation_id = self.next_correlation_id();
        let frame =
            encode(correlation_id, self.client_id.as_deref()).map_err(protocol_error::<R>)?;
        let (reply, response) = oneshot::channel();
        match &mut *crate::sync::lock(&self.shared.state) {
            State::Open(pending) => {
                pending.insert(correlation_id, reply);
            }
            State::Dead(e) => return Err(e.clone().into()),
        }
        // From here the entry is removed when the handle is dropped, so an
        // abandoned request's late response is discarded, not leaked.
        let pending = PendingFrame {
            shared: Arc::clone(&self.shared),
            correlation_id,
            response,
            timeout: self.request_timeout,
            api_key: api_key::<R>(),
        };
        if self
            .writes
            .send(WriteJob {
                frame,
                written: None,
            })
            .await
            .is_err()
        {
            return Err(self.dead_or_shutdown().into());
        }
        Ok(pending)
    }

    fn next_correlation_id(&self) -> i32 {
        // Ids only need to be unique among requests in flight; wrapping
        // after 2^31 requests is harmless.
        self.next_correlation_id.fetch_add(1, Ordering::Relaxed) & i32::MAX
    }

    fn dead_or_shutdown(&self) -> ConnectionError {
        self.shared
            .dead_reason()
            .unwrap_or(ConnectionError::Shutdown)
    }

    fn note_throttle(&self, throttle_time_ms: i32) {
        self.shared.note_throttle(throttle_time_ms);
    }

    async fn wait_for_throttle(&self) {
        let until = *crate::sync::lock(&self.shared.throttled_until);
        if let Some(until) = until
            && until > Instant::now()
        {
            tokio::time::sleep_until(until).await;
        }
    }
}

/// A written request waiting for its response frame.
struct PendingFrame {
    shared: Arc<Shared>,
    correlation_id: i32,
    response: oneshot::Receiver<Result<Bytes, ConnectionError>>,
    timeout: Duration,
    api_key: ApiKey,
}

impl PendingFrame {
    async fn wait(mut self) -> Result<Bytes, RequestError> {
        match tokio::time::timeout(self.timeout, &mut self.response).await {
            Ok(Ok(Ok(frame))) => Ok(frame),
            Ok(Ok(Err(e))) => Err(e.into()),
            Ok(Err(_)) => Err(self
                .shared
                .dead_reason()
                .unwrap_or(ConnectionError::Shutdown)
                .into()),
            Err(_) => Err(RequestError::Timeout {
                api_key: self.api_key,
                timeout_ms: self.timeout.as_millis() as u64,
            }),
        }
    }
}

impl Drop for PendingFrame {
    fn drop(&mut self) {
        self.shared.take_pending(self.correlation_id);
    }
}

/// The response to a request sent with [`Connection::submit`].
pub struct PendingResponse<R> {
    frame: PendingFrame,
    version: i16,
    _request: PhantomData<fn() -> R>,
}

impl<R> std::fmt::Debug for PendingResponse<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingResponse")
            .field("api_key", &self.frame.api_key)
            .field("correlation_id", &self.frame.correlation_id)
            .finish()
    }
}

impl<R> PendingResponse<R>
where
    R: Request,
    R::Response: Throttled,
{
    /// Waits (up to the request timeout) for the response and decodes it.
    pub async fn response(self) -> Result<R::Response, RequestError> {
        let version = self.version;
        let shared = Arc::clone(&self.frame.shared);
        let frame = self.frame.wait().await?;
        let (_, response) =
            header::decode_response::<R>(frame, version).map_err(|e| RequestError::Protocol {
                api_key: api_key::<R>(),
                source: Arc::new(e),
            })?;
        shared.note_throttle(response.throttle_time_ms());
        Ok(response)
    }
}

/// A request encoded as one frame segment.
fn encode_one<R: Request>(
    body: &R,
    version: i16,
    correlation_id: i32,
    client_id: Option<&str>,
) -> Result<Vec<Bytes>, ProtocolError> {
    let mut out = BytesMut::new();
    header::encode_request(&mut out, version, correlation_id, client_id, body)?;
    Ok(vec![out.freeze()])
}

fn protocol_error<R: Request>(e: ProtocolError) -> RequestError {
    RequestError::Protocol {
        api_key: api_key::<R>(),
        source: Arc::new(e),
    }
}

fn api_key<R: Request>() -> ApiKey {
    ApiKey::try_from(R::KEY).unwrap_or(ApiKey::ApiVersions)
}

fn into_connection_error(e: RequestError) -> ConnectionError {
    match e {
        RequestError::Connection(c) => c,
        RequestError::Timeout {
            api_key,
            timeout_ms,
        } => ConnectionError::Io(Arc::new(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!("{api_key:?} got no answer within {timeout_ms} ms"),
        ))),
        RequestError::Protocol { source, .. } => ConnectionError::Protocol(source),
        RequestError::UnsupportedApi { .. } => {
            ConnectionError::ApiVersions(ErrorCode::UnsupportedVersion)
        }
    }
}

async fn read_loop<R: AsyncRead>(read_half: R, shared: Arc<Shared>, max_frame_bytes: usize) {
    let mut read_half = std::pin::pin!(read_half);
    let mut buf = BytesMut::with_capacity(READ_CHUNK_BYTES);
    let error = loop {
        match frame::decode(&mut buf, max_frame_bytes) {
            Ok(Some(frame)) => {
                let frame = frame.freeze();
                match header::peek_correlation_id(&frame) {
                    Ok(id) => match shared.take_pending(id) {
                        Some(waiter) => {
                            let _ = waiter.send(Ok(frame));
                        }
                        None => tracing::debug!(
                            correlation_id = id,
                            "dropping response nobody waits for"
                        ),
                    },
                    Err(e) => break ConnectionError::from(e),
                }
                continue;
            }
            Ok(None) => {}
            Err(e) => break e.into(),
        }
        if buf.capacity() - buf.len() < READ_CHUNK_BYTES / 8 {
            buf.reserve(READ_CHUNK_BYTES);
        }
        match read_half.read_buf(&mut buf).await {
            Ok(0) => break ConnectionError::Closed,
            Ok(_) => {}
            Err(e) => break e.into(),
        }
    };
    shared.kill(error);
}

async fn write_loop<W: AsyncWrite>(
    write_half: W,
    mut queue: mpsc::Receiver<WriteJob>,
    shared: Arc<Shared>,
) {
    let mut write_half = std::pin::pin!(write_half);
    let mut jobs = Vec::with_capacity(WRITE_COALESCE_FRAMES);
    let mut segments: Vec<Bytes> = Vec::new();
    while queue.recv_many(&mut jobs, WRITE_COALESCE_FRAMES).await > 0 {
        // Every queued frame in as few (vectored) writes as the socket takes.
        segments.extend(jobs.iter().flat_map(|job| job.frame.iter().cloned()));
        let mut result = write_all_segments(write_half.as_mut(), &mut segments)
            .await
            .map_err(ConnectionError::from);
        segments.clear();
        if result.is_ok() {
            result = write_half.flush().await.map_err(ConnectionError::from);
        }
        for job in jobs.drain(..) {
            if let Some(written) = job.written {
                let _ = written.send(result.clone());
            }
        }
        if let Err(e) = result {
            shared.kill(e);
            return;
        }
    }
}

/// Most iovecs one write is given (Linux's IOV_MAX is 1024).
const WRITE_SEGMENTS_MAX: usize = 64;

/// Writes `segments` back to back with vectored writes, resuming after
/// partial ones. On a stream without vectored writes (TLS, say) each write
/// takes the first segment, which is still correct.
async fn write_all_segments<W: AsyncWrite>(
    mut write_half: std::pin::Pin<&mut W>,
    segments: &mut [Bytes],
) -> std::io::Result<()> {
    let mut first = 0;
    while first < segments.len() {
        if segments[first].is_empty() {
            first += 1;
            continue;
        }
        let end = segments.len().min(first + WRITE_SEGMENTS_MAX);
        let slices: Vec<std::io::IoSlice<'_>> = segments[first..end]
            .iter()
            .map(|s| std::io::IoSlice::new(s))
            .collect();
        let mut written = write_half.write_vectored(&slices).await?;
        drop(slices);
        if written == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        while written > 0 {
            let segment = &mut segments[first];
            let here = written.min(segment.len());
            bytes::Buf::advance(segment, here);
            written -= here;
            if segment.is_empty() {
                first += 1;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests;
