//! One connection from a node to another node or to the controller: send a
//! request, read its response. Inter-node traffic is one request at a time
//! per connection, so no correlation bookkeeping beyond a check.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::BytesMut;
use kctl_client::protocol::{Decodable, Encodable, ProtocolError, Request, frame, header};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Why a call to a peer failed; the connection is dropped and the next call
/// reconnects.
#[derive(Debug, thiserror::Error)]
pub enum PeerError {
    #[error("cannot reach {addr}: {source}")]
    Io {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("no answer from {addr} within {timeout_ms} ms")]
    Timeout { addr: SocketAddr, timeout_ms: u64 },
    #[error("{addr} closed the connection")]
    Closed { addr: SocketAddr },
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    #[error("{addr} answered correlation id {got}, expected {expected}")]
    Correlation {
        addr: SocketAddr,
        got: i32,
        expected: i32,
    },
}

#[derive(Debug)]
pub(crate) struct Peer {
    addr: SocketAddr,
    client_id: String,
    stream: Option<TcpStream>,
    read_buf: BytesMut,
    next_correlation_id: i32,
}

impl Peer {
    pub fn new(addr: SocketAddr, client_id: String) -> Self {
        Self {
            addr,
            client_id,
            stream: None,
            read_buf: BytesMut::new(),
            next_correlation_id: 0,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Sends `request` at `version` and waits up to `timeout` for its answer.
    pub async fn call<R>(
        &mut self,
        version: i16,
        request: &R,
        timeout: Duration,
    ) -> Result<R::Response, PeerError>
    where
        R: Request + Encodable,
        R::Response: Decodable,
    {
        let addr = self.addr;
        match tokio::time::timeout(timeout, self.exchange(version, request)).await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(e)) => {
                self.stream = None;
                Err(e)
            }
            Err(_) => {
                self.stream = None;
                Err(PeerError::Timeout {
                    addr,
                    timeout_ms: timeout.as_millis() as u64,
                })
            }
        }
    }

    async fn exchange<R>(&mut self, version: i16, request: &R) -> Result<R::Response, PeerError>
    where
        R: Request + Encodable,
        R::Response: Decodable,
    {
        let addr = self.addr;
        let io = |source| PeerError::Io { addr, source };
        if self.stream.is_none() {
            let stream = TcpStream::connect(addr).await.map_err(io)?;
            let _ = stream.set_nodelay(true);
            self.stream = Some(stream);
            self.read_buf.clear();
        }
        let correlation_id = self.next_correlation_id;
        self.next_correlation_id = self.next_correlation_id.wrapping_add(1);
        let mut out = BytesMut::new();
        header::encode_request(
            &mut out,
            version,
            correlation_id,
            Some(&self.client_id),
            request,
        )?;
        let Some(stream) = self.stream.as_mut() else {
            return Err(PeerError::Closed { addr });
        };
        stream.write_all(&out).await.map_err(io)?;
        loop {
            if let Some(frame) = frame::decode(&mut self.read_buf, frame::DEFAULT_MAX_FRAME_BYTES)?
            {
                let frame = frame.freeze();
                let got = header::peek_correlation_id(&frame)?;
                if got != correlation_id {
                    return Err(PeerError::Correlation {
                        addr,
                        got,
                        expected: correlation_id,
                    });
                }
                let (_, response) = header::decode_response::<R>(frame, version)?;
                return Ok(response);
            }
            if stream.read_buf(&mut self.read_buf).await.map_err(io)? == 0 {
                return Err(PeerError::Closed { addr });
            }
        }
    }
}
