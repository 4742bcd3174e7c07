//! A broker's address and its current connection, re-opened with backoff.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::time::Instant;

use super::{Connection, ConnectionConfig};
use crate::error::ConnectionError;

/// Hands out the live connection to one broker, opening a new one when the
/// last has died. Failed attempts push the next one back exponentially (with
/// jitter), so a broker that is down is not hammered by every caller.
#[derive(Debug)]
pub struct BrokerConnection {
    addr: String,
    config: Arc<ConnectionConfig>,
    current: Mutex<Option<Arc<Connection>>>,
    /// Held while connecting, so concurrent callers share one attempt.
    reconnect: tokio::sync::Mutex<Reconnect>,
}

#[derive(Debug, Default)]
struct Reconnect {
    consecutive_failures: u32,
    next_attempt_at: Option<Instant>,
}

impl BrokerConnection {
    pub fn new(addr: impl Into<String>, config: Arc<ConnectionConfig>) -> Self {
        Self {
            addr: addr.into(),
            config,
            current: Mutex::new(None),
            reconnect: tokio::sync::Mutex::new(Reconnect::default()),
        }
    }

    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// The live connection, if there is one, without connecting.
    pub fn current(&self) -> Option<Arc<Connection>> {
        self.current
            .lock()
            .expect("broker poisoned")
            .clone()
            .filter(|c| !c.is_dead())
    }

    /// The live connection, connecting first if needed. After a failed
    /// attempt, the next one waits out the backoff.
    pub async fn get(&self) -> Result<Arc<Connection>, ConnectionError> {
        if let Some(conn) = self.current() {
            return Ok(conn);
        }
        let mut reconnect = self.reconnect.lock().await;
        if let Some(conn) = self.current() {
            return Ok(conn);
        }
        if let Some(at) = reconnect.next_attempt_at {
            tokio::time::sleep_until(at).await;
        }
        match self.connect().await {
            Ok(conn) => {
                let conn = Arc::new(conn);
                *reconnect = Reconnect::default();
                *self.current.lock().expect("broker poisoned") = Some(Arc::clone(&conn));
                Ok(conn)
            }
            Err(e) => {
                reconnect.consecutive_failures += 1;
                let delay = self
                    .config
                    .reconnect_backoff
                    .delay(reconnect.consecutive_failures);
                reconnect.next_attempt_at = Some(Instant::now() + delay);
                tracing::debug!(addr = %self.addr, error = %e, retry_in_ms = delay.as_millis() as u64, "connect failed");
                Err(e)
            }
        }
    }

    /// Drops the current connection (failing its pending requests), e.g.
    /// after a request timed out and the stream can no longer be trusted.
    pub fn reset(&self) {
        self.current.lock().expect("broker poisoned").take();
    }

    async fn connect(&self) -> Result<Connection, ConnectionError> {
        let timeout = Duration::from_millis(self.config.connect_timeout_ms);
        let stream = tokio::time::timeout(timeout, TcpStream::connect(&self.addr))
            .await
            .map_err(|_| ConnectionError::ConnectTimeout {
                addr: self.addr.clone(),
                timeout_ms: self.config.connect_timeout_ms,
            })?
            .map_err(|e| ConnectionError::Connect {
                addr: self.addr.clone(),
                source: Arc::new(e),
            })?;
        // Requests are written whole; Nagle would only delay small ones.
        stream.set_nodelay(true).map_err(ConnectionError::from)?;
        tokio::time::timeout(timeout, Connection::establish(stream, &self.config))
            .await
            .map_err(|_| ConnectionError::ConnectTimeout {
                addr: self.addr.clone(),
                timeout_ms: self.config.connect_timeout_ms,
            })?
    }
}
