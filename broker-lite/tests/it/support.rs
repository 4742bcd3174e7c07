//! Shared test fixtures: an in-process broker on port 0, a raw protocol
//! client built on the wire module, record batches, and test peers.

#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use broker_lite::config::BrokerConfig;
use broker_lite::{BrokerHandle, start};
use bytes::{Bytes, BytesMut};
use kctl_client::protocol::records::{
    Compression, Record, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};
use kctl_client::protocol::{Request, frame, header};
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A broker on a free port over a temporary data directory.
pub struct TestBroker {
    pub handle: Option<BrokerHandle>,
    pub dir: TempDir,
}

impl TestBroker {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(configure: impl FnOnce(&mut BrokerConfig)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let handle = start(Self::config(dir.path().into(), configure))
            .await
            .unwrap();
        Self {
            handle: Some(handle),
            dir,
        }
    }

    pub fn config(data_dir: PathBuf, configure: impl FnOnce(&mut BrokerConfig)) -> BrokerConfig {
        let mut config = BrokerConfig::default();
        config.listen = "127.0.0.1:0".parse().unwrap();
        config.data_dir = data_dir;
        configure(&mut config);
        config
    }

    pub fn bootstrap(&self) -> String {
        self.handle.as_ref().unwrap().bootstrap()
    }

    pub async fn client(&self) -> RawClient {
        RawClient::connect(&self.bootstrap()).await
    }

    /// Stops the broker cleanly and starts a new one on the same data.
    pub async fn restart(&mut self) {
        self.handle.take().unwrap().shutdown().await.unwrap();
        let handle = start(Self::config(self.dir.path().into(), |_| {}))
            .await
            .unwrap();
        self.handle = Some(handle);
    }
}

/// A client that speaks one request at a time, straight over the wire
/// module; enough to exercise the broker without the client library.
pub struct RawClient {
    pub stream: TcpStream,
    buf: BytesMut,
    correlation_id: i32,
    client_id: String,
}

impl RawClient {
    pub async fn connect(addr: &str) -> Self {
        let stream = TcpStream::connect(addr).await.unwrap();
        Self {
            stream,
            buf: BytesMut::new(),
            correlation_id: 0,
            client_id: "broker-lite-tests".to_owned(),
        }
    }

    /// Sends as `client_id` from now on (a cluster node's requests start
    /// with `broker-{id}`).
    pub fn with_client_id(mut self, client_id: &str) -> Self {
        self.client_id = client_id.to_owned();
        self
    }

    pub async fn send<R: Request>(&mut self, version: i16, request: &R) -> R::Response {
        self.try_send(version, request)
            .await
            .expect("broker closed the connection")
    }

    /// Sends a request and waits for its response; `None` if the broker
    /// closed the connection instead.
    pub async fn try_send<R: Request>(&mut self, version: i16, request: &R) -> Option<R::Response> {
        let correlation_id = self.write(version, request).await;
        let frame = self.read_frame().await?;
        let (response_header, body) = header::decode_response::<R>(frame, version).unwrap();
        assert_eq!(
            response_header.correlation_id, correlation_id,
            "responses must come back in order"
        );
        Some(body)
    }

    /// Writes a request header for any key and version, with `body` as is;
    /// for versions the message types refuse to encode.
    pub async fn write_raw(
        &mut self,
        api_key: i16,
        version: i16,
        header_version: i16,
        body: &[u8],
    ) -> i32 {
        use kctl_client::protocol::Encodable;
        use kctl_client::protocol::messages::RequestHeader;
        self.correlation_id += 1;
        let mut out = BytesMut::new();
        let mark = frame::begin(&mut out);
        RequestHeader::default()
            .with_request_api_key(api_key)
            .with_request_api_version(version)
            .with_correlation_id(self.correlation_id)
            .encode(&mut out, header_version)
            .unwrap();
        out.extend_from_slice(body);
        mark.finish(&mut out).unwrap();
        self.stream.write_all(&out).await.unwrap();
        self.correlation_id
    }

    /// Writes a request without waiting; returns its correlation id.
    pub async fn write<R: Request>(&mut self, version: i16, request: &R) -> i32 {
        self.correlation_id += 1;
        let mut out = BytesMut::new();
        header::encode_request(
            &mut out,
            version,
            self.correlation_id,
            Some(&self.client_id),
            request,
        )
        .unwrap();
        self.stream.write_all(&out).await.unwrap();
        self.correlation_id
    }

    /// Reads one response frame; `None` on a clean close.
    pub async fn read_frame(&mut self) -> Option<Bytes> {
        loop {
            if let Some(frame) = frame::decode(&mut self.buf, 1 << 30).unwrap() {
                return Some(frame.freeze());
            }
            let read =
                tokio::time::timeout(Duration::from_secs(30), self.stream.read_buf(&mut self.buf))
                    .await
                    .expect("no response within 30s");
            match read {
                Ok(0) | Err(_) => return None,
                Ok(_) => {}
            }
        }
    }

    /// True once the broker has closed this connection.
    pub async fn is_closed(&mut self) -> bool {
        matches!(
            tokio::time::timeout(Duration::from_secs(10), self.stream.read_buf(&mut self.buf))
                .await,
            Ok(Ok(0) | Err(_))
        )
    }
}

pub fn record(offset_delta: i64, key: Option<&[u8]>, value: &[u8], timestamp: i64) -> Record {
    Record {
        transactional: false,
        control: false,
        delete_horizon: false,
        partition_leader_epoch: -1,
        producer_id: -1,
        producer_epoch: -1,
        timestamp_type: TimestampType::Creation,
        offset: offset_delta,
        // The encoder starts a new batch whenever offset - sequence changes.
        sequence: -1 + offset_delta as i32,
        timestamp,
        key: key.map(Bytes::copy_from_slice),
        value: Some(Bytes::copy_from_slice(value)),
        headers: Default::default(),
    }
}

/// One batch of `values`, timestamps starting at `base_timestamp`.
pub fn batch(values: &[&[u8]], base_timestamp: i64, compression: Compression) -> Bytes {
    let records: Vec<Record> = values
        .iter()
        .enumerate()
        .map(|(i, v)| record(i as i64, None, v, base_timestamp + i as i64))
        .collect();
    let mut out = BytesMut::new();
    RecordBatchEncoder::encode(
        &mut out,
        &records,
        &RecordEncodeOptions {
            version: 2,
            compression,
        },
    )
    .unwrap();
    out.freeze()
}

/// A test peer (kcat, python): its path, or `None` to skip. Under CI=true a
/// missing peer fails the test: CI must never pass by skipping.
pub fn peer(name: &str, path: PathBuf) -> Option<PathBuf> {
    if path.exists() {
        return Some(path);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "test peer {name} not found at {} (CI=true: run .ci/setup)",
            path.display()
        );
    }
    eprintln!(
        "SKIPPED: test peer {name} not found at {}; run .ci/setup to install it",
        path.display()
    );
    None
}

pub fn kcat() -> Option<PathBuf> {
    let path =
        std::env::var_os("KCTL_KCAT").map_or_else(|| PathBuf::from("/usr/bin/kcat"), PathBuf::from);
    peer("kcat", path)
}

pub fn python() -> Option<PathBuf> {
    let default = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    let path = std::env::var_os("KCTL_PYTHON").map_or(default, PathBuf::from);
    peer("python (with kafka-python)", path)
}
