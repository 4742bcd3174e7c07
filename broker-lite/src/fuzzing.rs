//! Entry points for the fuzz targets in `broker-lite/fuzz/` (the `fuzzing`
//! feature). Nothing here is part of the broker's API.
//!
//! [`RequestHarness`] runs a byte stream through the same path a connection
//! runs its socket's bytes: frame splitting, then
//! [`connection::handle_request`](crate::connection) (header, version check,
//! body decode, handler, response encode) against a real [`BrokerState`] in
//! a scratch data directory. Only the socket is missing.

// A fuzz harness reports what it finds by panicking: that is the crash
// libFuzzer records.
#![allow(clippy::panic, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use kctl_client::protocol::frame;
use tokio::runtime::Runtime;
use tokio::sync::broadcast;

use crate::config::BrokerConfig;
use crate::connection;
use crate::state::BrokerState;

/// Longest a request may take in the harness's virtual time before the
/// target reports a hang. Fetch waits up to its `max_wait_ms` and JoinGroup
/// up to its rebalance timeout, both up to i32::MAX ms (about 25 days) as in
/// Kafka; time is paused (auto-advancing), so waiting costs no wall-clock
/// time and only a request that would never complete reaches this.
const REQUEST_DEADLINE: Duration = Duration::from_secs(30 * 24 * 3600);

/// Inputs served before the data directory is thrown away, so produced
/// records and created topics do not pile up on disk for the whole run.
const INPUTS_PER_STATE: u64 = 20_000;

/// A broker without a listener.
#[derive(Debug)]
pub struct RequestHarness {
    runtime: Runtime,
    root: PathBuf,
    generation: u64,
    inputs_served: u64,
    broker: Option<Broker>,
}

#[derive(Debug)]
struct Broker {
    state: Arc<BrokerState>,
    dir: PathBuf,
    /// Stops the group coordinator's timer task when dropped.
    _shutdown: broadcast::Sender<()>,
}

/// What one input did, for the target's own checks.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Served {
    /// Requests handled (each produced a response, or none for acks=0).
    pub requests: usize,
    /// Response frames written.
    pub responses: usize,
    /// The connection would have been closed (bad frame, header or body).
    pub closed: bool,
}

impl RequestHarness {
    /// A harness keeping its scratch data directories under `root`.
    pub fn new(root: &Path) -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap_or_else(|e| panic!("fuzz harness runtime: {e}"));
        Self {
            runtime,
            root: root.to_path_buf(),
            generation: 0,
            inputs_served: 0,
            broker: None,
        }
    }

    /// Serves `input` as the bytes one connection sent: every complete frame
    /// in order, until the stream ends or the connection would be closed.
    ///
    /// Panics (the fuzzer's crash) if a handler panics, a request hangs, or a
    /// response is not a well-formed frame answering its request.
    pub fn serve(&mut self, input: &[u8]) -> Served {
        if self.inputs_served.is_multiple_of(INPUTS_PER_STATE) {
            self.broker = None;
        }
        self.inputs_served += 1;
        let state = self.state();
        let peer = SocketAddr::from(([127, 0, 0, 1], 40_000));
        let max_frame_bytes = state.config.max_request_bytes;
        self.runtime.block_on(async move {
            let mut served = Served::default();
            let mut read_buf = BytesMut::from(input);
            loop {
                let frame = match frame::decode(&mut read_buf, max_frame_bytes) {
                    Ok(Some(frame)) => frame.freeze(),
                    Ok(None) => return served,
                    Err(_) => {
                        served.closed = true;
                        return served;
                    }
                };
                let correlation_id = frame
                    .get(4..8)
                    .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]));
                let mut out = connection::Outgoing::copying();
                let handled = tokio::time::timeout(
                    REQUEST_DEADLINE,
                    connection::handle_request(&state, peer, frame, &mut out),
                )
                .await
                .unwrap_or_else(|_| panic!("request did not complete in {REQUEST_DEADLINE:?}"));
                served.requests += 1;
                served.responses += check_responses(&out.bytes, correlation_id);
                if handled.is_err() {
                    served.closed = true;
                    return served;
                }
            }
        })
    }

    /// The current broker, or a fresh one in a new scratch directory.
    fn state(&mut self) -> Arc<BrokerState> {
        if let Some(broker) = &self.broker {
            return Arc::clone(&broker.state);
        }
        self.generation += 1;
        let dir = self.root.join(format!("state-{}", self.generation));
        let _ = std::fs::remove_dir_all(&dir);
        let mut config = BrokerConfig::default();
        config.data_dir.clone_from(&dir);
        // Small segments and no initial rebalance delay keep each input
        // cheap; everything else is the broker's default.
        config.log.segment_bytes = 1 << 20;
        config.group.initial_rebalance_delay_ms = 0;
        let state = BrokerState::open(config, ("127.0.0.1".to_owned(), 9092))
            .unwrap_or_else(|e| panic!("fuzz harness broker state: {e:#}"));
        let state = Arc::new(state);
        let (shutdown, _) = broadcast::channel(1);
        {
            let state = Arc::clone(&state);
            let receiver = shutdown.subscribe();
            self.runtime
                .spawn(async move { state.groups.run(receiver).await });
        }
        self.broker = Some(Broker {
            state: Arc::clone(&state),
            dir,
            _shutdown: shutdown,
        });
        state
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.state.close();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Every response a request wrote must be whole frames, each starting with
/// the request's correlation id. Returns how many there were.
fn check_responses(out: &[u8], correlation_id: Option<i32>) -> usize {
    let mut rest = BytesMut::from(out);
    let mut count = 0;
    while !rest.is_empty() {
        let response = match frame::decode(&mut rest, usize::MAX >> 1) {
            Ok(Some(response)) => response,
            other => panic!("response is not a whole frame: {other:?}"),
        };
        let answered = response
            .get(..4)
            .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]));
        assert_eq!(
            answered, correlation_id,
            "response answers another correlation id"
        );
        count += 1;
    }
    count
}
