//! broker-lite: a small, persistent, Kafka-compatible broker.
//!
//! It speaks the real Kafka wire protocol (through `kctl-client`'s protocol
//! module), so kcat, kafka-python, confluent-kafka and kctl work against it
//! unchanged, and it keeps data in Kafka's own on-disk layout.
//!
//! # Layout
//!
//! The shape is tokio's mini-redis:
//!
//! - [`server`]: the listener — accept loop, connection limit, graceful
//!   shutdown, background tasks (retention, periodic flush).
//! - `connection`: one task per client connection; reads frames, runs
//!   requests one at a time and writes responses in request order.
//! - `handlers`: one module per Kafka API, plus the table of supported
//!   versions that both dispatch and ApiVersions read.
//! - [`state`]: topics, partitions, cluster identity, topic metadata on disk.
//! - [`group`]: the group coordinator — consumer groups, rebalances,
//!   committed offsets and their log.
//! - [`txn`]: the transaction coordinator — transactional ids, epochs,
//!   transaction states, markers, and their log;
//! - [`log`]: the partition log — segments, indexes, recovery, retention.
//! - [`config`]: broker settings (Kafka keys) and topic configs.
//!
//! # Running in-process
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let mut config = broker_lite::config::BrokerConfig::default();
//! config.listen = "127.0.0.1:0".parse()?;
//! config.data_dir = std::env::temp_dir().join("broker-lite-demo");
//! let broker = broker_lite::server::start(config).await?;
//! println!("bootstrap: {}", broker.bootstrap());
//! broker.shutdown().await?;
//! # Ok(()) }
//! ```

// Library code a peer can reach (requests, files on disk) must answer with
// an error, never panic or abort: enforced here, not in tests or the binary.
// The few invariant `expect`s left carry an allow with their reason.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod acl;
pub mod cluster;
pub mod config;
mod connection;
mod framed_log;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod group;
mod handlers;
pub mod log;
pub mod producer_ids;
pub mod server;
pub mod share;
pub mod state;
pub mod txn;

pub use server::{BrokerHandle, start};
