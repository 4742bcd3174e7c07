use std::time::Duration;

use bytes::BytesMut;
use kafka_protocol::messages::api_versions_response::ApiVersion;
use kafka_protocol::messages::{
    ApiVersionsResponse, MetadataRequest, MetadataResponse, ProduceRequest, ProduceResponse,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

use super::*;
use crate::protocol::Encodable;
use crate::protocol::header::{RequestFrame, decode_request, encode_response};

/// The broker side of a duplex pipe, driven step by step by a test.
pub(crate) struct ScriptedBroker {
    stream: DuplexStream,
    buf: BytesMut,
}

impl ScriptedBroker {
    pub(crate) fn new(stream: DuplexStream) -> Self {
        Self {
            stream,
            buf: BytesMut::new(),
        }
    }

    /// The next request, or `None` once the client hung up.
    pub(crate) async fn next_request(&mut self) -> Option<RequestFrame> {
        loop {
            if let Some(frame) = frame::decode(&mut self.buf, 1 << 20).unwrap() {
                return Some(decode_request(frame.freeze()).unwrap());
            }
            if self.stream.read_buf(&mut self.buf).await.ok()? == 0 {
                return None;
            }
        }
    }

    pub(crate) async fn respond<T: Encodable>(&mut self, request: &RequestFrame, body: &T) {
        let mut out = BytesMut::new();
        encode_response(
            &mut out,
            request.api_key,
            request.version(),
            request.correlation_id(),
            body,
        )
        .unwrap();
        self.stream.write_all(&out).await.unwrap();
    }

    /// Answers the connection's ApiVersions handshake.
    pub(crate) async fn handshake(&mut self) {
        let request = self.next_request().await.unwrap();
        assert_eq!(request.api_key, ApiKey::ApiVersions);
        self.respond(&request, &supported()).await;
    }
}

fn supported() -> ApiVersionsResponse {
    let keys = [
        (ApiKey::ApiVersions, 0, 3),
        (ApiKey::Metadata, 0, 12),
        // Above the client's cap (12), to show the cap applies.
        (ApiKey::Produce, 3, 13),
    ];
    ApiVersionsResponse::default().with_api_keys(
        keys.iter()
            .map(|&(k, min, max)| {
                ApiVersion::default()
                    .with_api_key(k as i16)
                    .with_min_version(min)
                    .with_max_version(max)
            })
            .collect(),
    )
}

fn config(request_timeout_ms: u64) -> ConnectionConfig {
    ConnectionConfig {
        request_timeout_ms,
        ..ConnectionConfig::default()
    }
}

async fn connected(request_timeout_ms: u64) -> (Arc<Connection>, ScriptedBroker) {
    let (client, server) = tokio::io::duplex(1 << 20);
    let mut broker = ScriptedBroker::new(server);
    let config = config(request_timeout_ms);
    let (conn, ()) = tokio::join!(Connection::establish(client, &config), broker.handshake());
    (Arc::new(conn.unwrap()), broker)
}

fn metadata_marked(marker: i32) -> MetadataResponse {
    MetadataResponse::default().with_controller_id(kafka_protocol::messages::BrokerId(marker))
}

#[tokio::test]
async fn negotiates_the_highest_common_version() {
    let (conn, _broker) = connected(1_000).await;
    assert_eq!(conn.version_for::<MetadataRequest>(None).unwrap(), 12);
    assert_eq!(
        conn.version_for::<ProduceRequest>(None).unwrap(),
        12,
        "the client's cap table holds Produce at v12"
    );
    assert_eq!(conn.version_for::<ProduceRequest>(Some(9)).unwrap(), 9);
    assert!(matches!(
        conn.version_for::<kafka_protocol::messages::FetchRequest>(None),
        Err(RequestError::UnsupportedApi {
            api_key: ApiKey::Fetch
        })
    ));
}

#[tokio::test]
async fn falls_back_when_the_broker_rejects_the_api_versions_version() {
    let (client, server) = tokio::io::duplex(1 << 16);
    let mut broker = ScriptedBroker::new(server);
    let script = async {
        let first = broker.next_request().await.unwrap();
        assert_eq!(first.version(), ApiVersionsRequest::VERSIONS.max);
        // What an old broker does: error 35 and its own range, v0-encoded.
        let mut out = BytesMut::new();
        let rejection = ApiVersionsResponse::default()
            .with_error_code(ErrorCode::UnsupportedVersion.code())
            .with_api_keys(vec![
                ApiVersion::default()
                    .with_api_key(ApiKey::ApiVersions as i16)
                    .with_max_version(2),
            ]);
        let mark = frame::begin(&mut out);
        out.extend_from_slice(&first.correlation_id().to_be_bytes());
        rejection.encode(&mut out, 0).unwrap();
        mark.finish(&mut out).unwrap();
        broker.stream.write_all(&out).await.unwrap();
        let second = broker.next_request().await.unwrap();
        assert_eq!(second.version(), 2);
        broker.respond(&second, &supported()).await;
    };
    let config = config(1_000);
    let (conn, ()) = tokio::join!(Connection::establish(client, &config), script);
    assert_eq!(
        conn.unwrap().version_for::<MetadataRequest>(None).unwrap(),
        12
    );
}

#[tokio::test]
async fn pipelined_requests_complete_out_of_order() {
    let (conn, mut broker) = connected(5_000).await;
    let requests: Vec<_> = (0..3)
        .map(|_| {
            let conn = Arc::clone(&conn);
            tokio::spawn(async move { conn.request(&MetadataRequest::default()).await })
        })
        .collect();
    let mut received = Vec::new();
    for _ in 0..3 {
        received.push(broker.next_request().await.unwrap());
    }
    // Answer in reverse, marking each response with its correlation id.
    for request in received.iter().rev() {
        broker
            .respond(request, &metadata_marked(request.correlation_id()))
            .await;
    }
    let mut markers = Vec::new();
    for handle in requests {
        markers.push(handle.await.unwrap().unwrap().controller_id.0);
    }
    markers.sort();
    let mut ids: Vec<i32> = received.iter().map(RequestFrame::correlation_id).collect();
    ids.sort();
    assert_eq!(
        markers, ids,
        "each caller got the response to its own request"
    );
}

#[tokio::test]
async fn a_dead_connection_fails_every_pending_request() {
    let (conn, mut broker) = connected(5_000).await;
    let requests: Vec<_> = (0..4)
        .map(|_| {
            let conn = Arc::clone(&conn);
            tokio::spawn(async move { conn.request(&MetadataRequest::default()).await })
        })
        .collect();
    for _ in 0..4 {
        broker.next_request().await.unwrap();
    }
    drop(broker);
    for handle in requests {
        let err = handle.await.unwrap().unwrap_err();
        assert!(
            matches!(err, RequestError::Connection(ConnectionError::Closed)),
            "{err}"
        );
    }
    assert!(conn.is_dead());
    let later = conn.request(&MetadataRequest::default()).await.unwrap_err();
    assert!(
        matches!(later, RequestError::Connection(ConnectionError::Closed)),
        "{later}"
    );
}

#[tokio::test]
async fn a_request_times_out_and_its_late_response_is_ignored() {
    let (conn, mut broker) = connected(100).await;
    let err = conn.request(&MetadataRequest::default()).await.unwrap_err();
    assert!(
        matches!(
            err,
            RequestError::Timeout {
                api_key: ApiKey::Metadata,
                timeout_ms: 100
            }
        ),
        "{err}"
    );
    let late = broker.next_request().await.unwrap();
    broker.respond(&late, &metadata_marked(-7)).await;
    let next = tokio::spawn({
        let conn = Arc::clone(&conn);
        async move { conn.request(&MetadataRequest::default()).await }
    });
    let request = broker.next_request().await.unwrap();
    broker.respond(&request, &metadata_marked(9)).await;
    assert_eq!(next.await.unwrap().unwrap().controller_id.0, 9);
    assert!(!conn.is_dead());
}

#[tokio::test]
async fn throttle_time_delays_the_next_request() {
    let (conn, mut broker) = connected(5_000).await;
    let first = tokio::spawn({
        let conn = Arc::clone(&conn);
        async move { conn.request(&MetadataRequest::default()).await }
    });
    let request = broker.next_request().await.unwrap();
    broker
        .respond(&request, &metadata_marked(1).with_throttle_time_ms(300))
        .await;
    first.await.unwrap().unwrap();
    let started = std::time::Instant::now();
    let second = tokio::spawn({
        let conn = Arc::clone(&conn);
        async move { conn.request(&MetadataRequest::default()).await }
    });
    let request = broker.next_request().await.unwrap();
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(250),
        "sent after {waited:?}"
    );
    broker.respond(&request, &metadata_marked(2)).await;
    second.await.unwrap().unwrap();
}

#[tokio::test]
async fn acks_zero_produce_waits_for_the_write_only() {
    let (conn, mut broker) = connected(5_000).await;
    let produce = ProduceRequest::default().with_acks(0);
    conn.send_without_response(&produce, 9).await.unwrap();
    let request = broker.next_request().await.unwrap();
    assert_eq!((request.api_key, request.version()), (ApiKey::Produce, 9));
    // The connection keeps working afterwards, and nothing was left pending.
    let next = tokio::spawn({
        let conn = Arc::clone(&conn);
        async move {
            conn.request_at(&ProduceRequest::default().with_acks(1), 9)
                .await
        }
    });
    let request = broker.next_request().await.unwrap();
    broker.respond(&request, &ProduceResponse::default()).await;
    next.await.unwrap().unwrap();
    match &*conn.shared.state.lock().unwrap() {
        State::Open(pending) => assert!(pending.is_empty()),
        State::Dead(e) => panic!("connection died: {e}"),
    }
}

#[tokio::test]
async fn an_oversized_response_kills_the_connection() {
    let (client, server) = tokio::io::duplex(1 << 16);
    let mut broker = ScriptedBroker::new(server);
    let config = ConnectionConfig {
        max_frame_bytes: 64,
        ..config(5_000)
    };
    let script = async {
        broker.next_request().await.unwrap();
        broker
            .stream
            .write_all(&1_000_000i32.to_be_bytes())
            .await
            .unwrap();
    };
    let (conn, ()) = tokio::join!(Connection::establish(client, &config), script);
    let err = conn.unwrap_err();
    assert!(matches!(err, ConnectionError::Protocol(_)), "{err}");
}

#[tokio::test]
async fn broker_connection_reconnects_with_backoff() {
    // Nothing listens on this port once the listener is dropped.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    drop(listener);
    let backoff = crate::backoff::Backoff {
        initial_ms: 200,
        max_ms: 200,
        jitter: 0.0,
    };
    let connector = broker::Connector::new(ConnectionConfig {
        reconnect_backoff: backoff,
        ..config(1_000)
    })
    .unwrap();
    let broker = broker::BrokerConnection::new(addr, Arc::new(connector));
    let started = std::time::Instant::now();
    assert!(matches!(
        broker.get().await,
        Err(ConnectionError::Connect { .. })
    ));
    assert!(
        started.elapsed() < Duration::from_millis(150),
        "the first attempt does not wait"
    );
    assert!(matches!(
        broker.get().await,
        Err(ConnectionError::Connect { .. })
    ));
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "the second attempt waits out the backoff"
    );
}
