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
//!
//! Fetch record sets are not copied into the response: they stay ranges of
//! segment files ([`Outgoing::file_ranges`]) that the flush hands to
//! `sendfile`, between the encoded bytes around them.

use std::io;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures::FutureExt;
use kctl_client::protocol::api::ApiKey;
use kctl_client::protocol::{ProtocolError, frame, header};
use tokio::io::{AsyncReadExt, AsyncWriteExt, Interest};
use tokio::net::TcpStream;
use tokio::sync::broadcast;
use tokio::time::Instant;

use crate::handlers;
use crate::log::FileSlice;
use crate::state::BrokerState;

/// Initial read buffer; it grows to the size of the largest frame seen.
const READ_BUFFER_BYTES: usize = 64 * 1024;

/// A read (or write) buffer grown past this by a large request is given back once the
/// request is handled, so an idle connection holds 64 KiB, not the largest
/// frame it ever sent.
const READ_BUFFER_KEEP_BYTES: usize = 1024 * 1024;

/// Responses are flushed once this many bytes are waiting, even if more
/// requests are buffered: a client that pipelines requests but never reads
/// the answers holds at most this (plus one response) of broker memory,
/// and then stops being read at all (TCP backpressure) until it reads.
const WRITE_BUFFER_FLUSH_BYTES: usize = 1024 * 1024;

pub(crate) async fn serve(
    mut stream: TcpStream,
    peer: SocketAddr,
    state: Arc<BrokerState>,
    mut shutdown: broadcast::Receiver<()>,
) {
    let mut read_buf = BytesMut::with_capacity(READ_BUFFER_BYTES);
    let mut write_buf = Outgoing::zero_copy();
    let max_frame_bytes = state.config.max_request_bytes;
    let idle = Duration::from_millis(state.config.connections_max_idle_ms);
    let request_read_timeout = Duration::from_millis(state.config.request_read_timeout_ms);
    // When the last request completed (or the connection opened), and when
    // the first byte of the request still being read arrived.
    let mut last_request_at = Instant::now();
    let mut partial_since: Option<Instant> = None;
    tracing::debug!(%peer, "connection opened");
    let reason = loop {
        // Handle every complete frame already buffered, then flush once.
        let frame = match frame::decode(&mut read_buf, max_frame_bytes) {
            Ok(Some(frame)) => frame.freeze(),
            Ok(None) => {
                if let Err(e) = flush(&mut stream, &mut write_buf, idle).await {
                    break e;
                }
                if read_buf.is_empty() {
                    partial_since = None;
                    if read_buf.capacity() > READ_BUFFER_KEEP_BYTES {
                        read_buf = BytesMut::with_capacity(READ_BUFFER_BYTES);
                    }
                }
                let deadline = match partial_since {
                    Some(since) => since + request_read_timeout,
                    None => last_request_at + idle,
                };
                let read = tokio::select! {
                    read = tokio::time::timeout_at(deadline, stream.read_buf(&mut read_buf)) => read,
                    _ = shutdown.recv() => break "broker shutting down".to_owned(),
                };
                let Ok(read) = read else {
                    break match partial_since {
                        Some(_) => format!(
                            "request not complete within request.read.timeout.ms ({} ms; {} bytes pending)",
                            request_read_timeout.as_millis(),
                            read_buf.len()
                        ),
                        None => {
                            format!("idle for connections.max.idle.ms ({} ms)", idle.as_millis())
                        }
                    };
                };
                match read {
                    Ok(0) if read_buf.is_empty() => break "closed by client".to_owned(),
                    Ok(0) => {
                        break format!(
                            "closed by client mid-frame ({} bytes pending)",
                            read_buf.len()
                        );
                    }
                    Ok(_) => {
                        partial_since.get_or_insert_with(Instant::now);
                        continue;
                    }
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
        // The bytes after this frame, if any, start the next request now.
        partial_since = (!read_buf.is_empty()).then(Instant::now);
        let handled = tokio::select! {
            handled = AssertUnwindSafe(handle_request(&state, peer, frame, &mut write_buf)).catch_unwind() => handled,
            _ = shutdown.recv() => break "broker shutting down".to_owned(),
        };
        last_request_at = Instant::now();
        match handled {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                // Kafka closes the connection on a request it cannot parse,
                // an unsupported version or a body it cannot decode; clients
                // that asked ApiVersions first never send either.
                tracing::warn!(%peer, "closing connection: {e}");
                break e.to_string();
            }
            Err(_) => {
                // The panic message was printed by the panic hook; this
                // connection ends, every other one carries on.
                tracing::error!(%peer, "request handler panicked; closing this connection");
                break "handler panicked".to_owned();
            }
        }
        if write_buf.len_bytes() >= WRITE_BUFFER_FLUSH_BYTES
            && let Err(e) = flush(&mut stream, &mut write_buf, idle).await
        {
            break e;
        }
    };
    if !write_buf.is_empty() {
        let _ = tokio::time::timeout(idle, write_out(&mut stream, &write_buf)).await;
    }
    state.shares.connection_closed(peer).await;
    tracing::debug!(%peer, reason, "connection closed");
}

/// Writes the waiting responses. A client that reads none of them for
/// `connections.max.idle.ms` is cut off, as Kafka's idle timer would.
async fn flush(
    stream: &mut TcpStream,
    write_buf: &mut Outgoing,
    idle: Duration,
) -> Result<(), String> {
    if write_buf.is_empty() {
        return Ok(());
    }
    match tokio::time::timeout(idle, write_out(stream, write_buf)).await {
        Ok(Ok(())) => {
            write_buf.clear();
            Ok(())
        }
        Ok(Err(e)) => Err(format!("write failed: {e}")),
        Err(_) => Err(format!(
            "responses unread for connections.max.idle.ms ({} ms)",
            idle.as_millis()
        )),
    }
}

/// Responses encoded but not yet written.
#[derive(Debug, Default)]
pub(crate) struct Outgoing {
    /// The encoded frames, with holes where file ranges go.
    pub(crate) bytes: BytesMut,
    /// Record sets sent from segment files: each goes at its position in
    /// `bytes`; positions never decrease.
    file_ranges: Vec<(usize, FileSlice)>,
    file_bytes: usize,
    /// Whether record sets may stay in files until the flush (a plaintext
    /// socket); otherwise they are copied into `bytes`.
    zero_copy: bool,
}

impl Outgoing {
    /// For a socket that can take `sendfile`.
    pub(crate) fn zero_copy() -> Self {
        Self {
            zero_copy: true,
            ..Self::default()
        }
    }

    /// Everything goes into `bytes` (the fuzz targets, which have no socket).
    #[cfg_attr(
        not(feature = "fuzzing"),
        allow(dead_code, reason = "only the socket-less fuzz entry points copy")
    )]
    pub(crate) fn copying() -> Self {
        Self::default()
    }

    pub(crate) fn takes_file_ranges(&self) -> bool {
        self.zero_copy
    }

    /// Queues `slice` to be sent at the current end of `bytes`'s position
    /// `at` (which must not precede an earlier range's).
    pub(crate) fn push_file_range(&mut self, at: usize, slice: FileSlice) {
        debug_assert!(self.zero_copy);
        debug_assert!(self.file_ranges.last().is_none_or(|(last, _)| *last <= at));
        debug_assert!(at <= self.bytes.len());
        self.file_bytes += slice.len_bytes();
        self.file_ranges.push((at, slice));
    }

    /// Bytes waiting, counting the file ranges.
    pub(crate) fn len_bytes(&self) -> usize {
        self.bytes.len() + self.file_bytes
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.bytes.is_empty() && self.file_ranges.is_empty()
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.file_ranges.clear();
        self.file_bytes = 0;
        if self.bytes.capacity() > READ_BUFFER_KEEP_BYTES {
            // A large answer is not kept for the connection's life.
            self.bytes = BytesMut::new();
        }
    }
}

/// Writes the encoded bytes and, at their holes, the file ranges.
async fn write_out(stream: &mut TcpStream, out: &Outgoing) -> io::Result<()> {
    let mut written = 0;
    for (at, slice) in &out.file_ranges {
        stream.write_all(&out.bytes[written..*at]).await?;
        send_file(stream, slice).await?;
        written = *at;
    }
    stream.write_all(&out.bytes[written..]).await
}

/// `sendfile` of one range, straight from the page cache to the socket.
/// The slice holds the segment file open, so retention deleting it or a
/// roll meanwhile changes nothing; a file found shorter than planned
/// (truncated under the fetch) fails the connection rather than leave the
/// frame short.
async fn send_file(stream: &TcpStream, slice: &FileSlice) -> io::Result<()> {
    let too_far = |_| io::Error::other("segment position past i64::MAX");
    let mut offset = i64::try_from(slice.position()).map_err(too_far)?;
    let end = i64::try_from(slice.position() + slice.len_bytes() as u64).map_err(too_far)?;
    while offset < end {
        stream.writable().await?;
        let remaining = usize::try_from(end - offset).unwrap_or(usize::MAX);
        let sent = stream.try_io(Interest::WRITABLE, || {
            nix::sys::sendfile::sendfile64(
                stream,
                slice.file().as_ref(),
                Some(&mut offset),
                remaining,
            )
            .map_err(io::Error::from)
        });
        match sent {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "{} ends before the {} bytes planned at {}",
                        slice.path().display(),
                        slice.len_bytes(),
                        slice.position()
                    ),
                ));
            }
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                ) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A request that ends its connection.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RequestError {
    #[error("bad request header: {0}")]
    Header(#[source] ProtocolError),
    #[error("{api:?} v{version}: {source}")]
    Dispatch {
        api: ApiKey,
        version: i16,
        #[source]
        source: handlers::DispatchError,
    },
}

/// One request frame (without its size prefix), from header to response:
/// what a connection does for each frame it reads, with no I/O, so the fuzz
/// targets drive exactly this path.
pub(crate) async fn handle_request(
    state: &Arc<BrokerState>,
    peer: SocketAddr,
    frame: Bytes,
    out: &mut Outgoing,
) -> Result<(), RequestError> {
    let request = header::decode_request(frame).map_err(RequestError::Header)?;
    // Fault injection on a cluster node (`kctl broker node slow`).
    if let Some(delay) = state
        .cluster
        .as_ref()
        .and_then(|node| node.response_delay())
    {
        tokio::time::sleep(delay).await;
    }
    let api = request.api_key;
    let version = request.version();
    handlers::dispatch(state, peer, request, out)
        .await
        .map_err(|source| RequestError::Dispatch {
            api,
            version,
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::{LogConfig, PartitionLog};
    use kctl_client::protocol::record_batch::{BatchBuilder, BatchParams};
    use tokio::net::TcpListener;

    fn batch(value_bytes: usize) -> BytesMut {
        let mut builder = BatchBuilder::new(1_700_000_000_000, 0);
        builder.append(1_700_000_000_000, None, Some(&vec![7u8; value_bytes]), &[]);
        let mut batch = BytesMut::new();
        builder.encode(&mut batch, &BatchParams::default()).unwrap();
        batch
    }

    /// A log of three batches and a planned read of all of them.
    fn log_with_a_read(dir: &std::path::Path) -> (PartitionLog, FileSlice) {
        let (mut log, _) = PartitionLog::open(dir, LogConfig::default(), true).unwrap();
        for value_bytes in [100, 70_000, 5] {
            log.append(&mut batch(value_bytes), 0, 0).unwrap();
        }
        let read = log.read(0, usize::MAX).unwrap();
        let slice = read.file_slice().unwrap().clone();
        (log, slice)
    }

    /// What a client reads from the socket after `write_out(out)`.
    async fn written(out: &Outgoing) -> io::Result<Vec<u8>> {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        let reader = tokio::spawn(async move {
            let mut got = Vec::new();
            client.read_to_end(&mut got).await.map(|_| got)
        });
        let result = write_out(&mut server, out).await;
        drop(server);
        let got = reader.await.unwrap().unwrap();
        result.map(|()| got)
    }

    fn around(slice: FileSlice) -> Outgoing {
        let mut out = Outgoing::zero_copy();
        out.bytes.extend_from_slice(b"header");
        out.push_file_range(6, slice);
        out.bytes.extend_from_slice(b"trailer");
        out
    }

    #[tokio::test]
    async fn file_ranges_go_out_between_the_bytes_around_them() {
        let dir = tempfile::tempdir().unwrap();
        let (_log, slice) = log_with_a_read(dir.path());
        let records = slice.read_bytes().unwrap();
        assert!(records.len() > 70_000);
        let out = around(slice);
        assert_eq!(out.len_bytes(), 6 + records.len() + 7);
        let got = written(&out).await.unwrap();
        assert_eq!(got, [&b"header"[..], &records, b"trailer"].concat());
    }

    #[tokio::test]
    async fn a_deleted_segment_still_sends_what_was_planned() {
        let dir = tempfile::tempdir().unwrap();
        let (log, slice) = log_with_a_read(dir.path());
        let records = slice.read_bytes().unwrap();
        // Retention (or a topic deletion) removes the files mid-fetch.
        drop(log);
        std::fs::remove_dir_all(dir.path()).unwrap();
        let got = written(&around(slice)).await.unwrap();
        assert_eq!(got, [&b"header"[..], &records, b"trailer"].concat());
    }

    #[tokio::test]
    async fn a_file_truncated_under_the_fetch_fails_instead_of_sending_short() {
        let dir = tempfile::tempdir().unwrap();
        let (_log, slice) = log_with_a_read(dir.path());
        slice.file().set_len(slice.position() + 10).unwrap();
        let err = written(&around(slice)).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }
}
