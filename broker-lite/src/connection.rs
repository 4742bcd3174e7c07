//! One client connection.
//!
//! Requests are handled one at a time, in the order they arrive, and each
//! response is written before the next request starts — exactly as Kafka
//! "mutes" a channel while a request is in flight. This is what lets a
//! producer pipeline batches for one partition without them being
//! reordered, and what guarantees responses leave in request order (acks=0
//! Produce simply writes nothing). Requests already buffered are handled
//! before the socket is flushed, so a pipelining client costs one write per
//! burst rather than one per request.

use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use bytes::BytesMut;
use futures::FutureExt;
use kctl_client::protocol::{ProtocolError, frame, header};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::broadcast;

use crate::handlers;
use crate::state::BrokerState;

/// Initial read buffer; it grows to the size of the largest frame seen.
const READ_BUFFER_BYTES: usize = 64 * 1024;

pub(crate) async fn serve(
    mut stream: TcpStream,
    peer: SocketAddr,
    state: Arc<BrokerState>,
    mut shutdown: broadcast::Receiver<()>,
) {
    let mut read_buf = BytesMut::with_capacity(READ_BUFFER_BYTES);
    let mut write_buf = BytesMut::new();
    let max_frame_bytes = state.config.max_request_bytes;
    tracing::debug!(%peer, "connection opened");
    let reason = loop {
        // Handle every complete frame already buffered, then flush once.
        let frame = match frame::decode(&mut read_buf, max_frame_bytes) {
            Ok(Some(frame)) => frame.freeze(),
            Ok(None) => {
                if !write_buf.is_empty() {
                    if let Err(e) = stream.write_all(&write_buf).await {
                        break format!("write failed: {e}");
                    }
                    write_buf.clear();
                }
                let read = tokio::select! {
                    read = stream.read_buf(&mut read_buf) => read,
                    _ = shutdown.recv() => break "broker shutting down".to_owned(),
                };
                match read {
                    Ok(0) if read_buf.is_empty() => break "closed by client".to_owned(),
                    Ok(0) => {
                        break format!(
                            "closed by client mid-frame ({} bytes pending)",
                            read_buf.len()
                        );
                    }
                    Ok(_) => continue,
                    Err(e) => break format!("read failed: {e}"),
                }
            }
            Err(
                e @ (ProtocolError::FrameTooLarge { .. } | ProtocolError::NegativeFrameSize(_)),
            ) => {
                tracing::warn!(%peer, "closing connection: {e}");
                break e.to_string();
            }
            Err(e) => break e.to_string(),
        };
        let request = match header::decode_request(frame) {
            Ok(request) => request,
            Err(e) => {
                // Kafka closes the connection on a request it cannot parse.
                tracing::warn!(%peer, "closing connection: {e}");
                break e.to_string();
            }
        };
        let api = request.api_key;
        let version = request.version();
        let handled = tokio::select! {
            handled = AssertUnwindSafe(handlers::dispatch(&state, peer, request, &mut write_buf)).catch_unwind() => handled,
            _ = shutdown.recv() => break "broker shutting down".to_owned(),
        };
        match handled {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                // Kafka closes the connection on an unsupported version or a
                // body it cannot parse; clients that asked ApiVersions first
                // never send either.
                tracing::warn!(%peer, ?api, version, "closing connection: {e}");
                break e.to_string();
            }
            Err(_) => {
                // The panic message was printed by the panic hook; this
                // connection ends, every other one carries on.
                tracing::error!(%peer, ?api, version, "request handler panicked; closing this connection");
                break "handler panicked".to_owned();
            }
        }
    };
    if !write_buf.is_empty() {
        let _ = stream.write_all(&write_buf).await;
    }
    tracing::debug!(%peer, reason, "connection closed");
}
