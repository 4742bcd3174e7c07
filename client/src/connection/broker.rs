//! Opening connections ([`Connector`]: TCP, then TLS if configured), and a
//! broker's address with its current connection, re-opened with backoff.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::time::Instant;

use super::tls::Tls;
use super::{Connection, ConnectionConfig};
use crate::error::{ConnectionError, Result};

/// Opens connections with one [`ConnectionConfig`]. The TLS setup (trusted
/// CAs, client certificate) is read from disk once, here, so a bad file is
/// reported when the client is built and not at every connection.
#[derive(Debug)]
pub struct Connector {
    config: ConnectionConfig,
    tls: Option<Tls>,
}

impl Connector {
    /// Fails with [`crate::Error::Config`] if the security settings are
    /// incomplete or a CA, certificate or key file cannot be used.
    pub fn new(config: ConnectionConfig) -> Result<Self> {
        config.security.validate()?;
        let tls = config.security.tls.as_ref().map(Tls::new).transpose()?;
        Ok(Self { config, tls })
    }

    /// The settings every connection it opens uses.
    pub fn config(&self) -> &ConnectionConfig {
        &self.config
    }

    /// Connects to `addr` (`host:port`): TCP, the TLS handshake if
    /// configured, ApiVersions and SASL if configured, all within
    /// `connect_timeout_ms`.
    pub async fn connect(&self, addr: &str) -> Result<Connection, ConnectionError> {
        let timeout = Duration::from_millis(self.config.connect_timeout_ms);
        let timed_out = || ConnectionError::ConnectTimeout {
            addr: addr.to_owned(),
            timeout_ms: self.config.connect_timeout_ms,
        };
        let stream = tokio::time::timeout(timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| timed_out())?
            .map_err(|e| ConnectionError::Connect {
                addr: addr.to_owned(),
                source: Arc::new(e),
            })?;
        // Requests are written whole; Nagle would only delay small ones.
        stream.set_nodelay(true).map_err(ConnectionError::from)?;
        let established = async {
            match &self.tls {
                None => Connection::establish(stream, &self.config).await,
                Some(tls) => {
                    let stream = tls.connect(addr, stream).await?;
                    Connection::establish(stream, &self.config)
                        .await
                        .map_err(|e| super::tls::alert_after_handshake(addr, e))
                }
            }
        };
        tokio::time::timeout(timeout, established)
            .await
            .map_err(|_| timed_out())?
    }
}

/// Hands out the live connection to one broker, opening a new one when the
/// last has died. Failed attempts push the next one back exponentially (with
/// jitter), so a broker that is down is not hammered by every caller.
#[derive(Debug)]
pub struct BrokerConnection {
    addr: String,
    connector: Arc<Connector>,
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
    /// A handle on the broker at `addr` (`host:port`); nothing is opened
    /// until the first request.
    pub fn new(addr: impl Into<String>, connector: Arc<Connector>) -> Self {
        Self {
            addr: addr.into(),
            connector,
            current: Mutex::new(None),
            reconnect: tokio::sync::Mutex::new(Reconnect::default()),
        }
    }

    /// The broker's `host:port`.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// The live connection, if there is one, without connecting.
    pub fn current(&self) -> Option<Arc<Connection>> {
        crate::sync::lock(&self.current)
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
        match self.connector.connect(&self.addr).await {
            Ok(conn) => {
                let conn = Arc::new(conn);
                *reconnect = Reconnect::default();
                *crate::sync::lock(&self.current) = Some(Arc::clone(&conn));
                Ok(conn)
            }
            Err(e) => {
                reconnect.consecutive_failures += 1;
                let delay = self
                    .connector
                    .config()
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
        crate::sync::lock(&self.current).take();
    }
}
