//! broker-lite as a local cluster: several broker processes, one
//! controller, replication with ISRs and leader epochs, failover.
//!
//! - [`controller`] decides (placement, elections, ISR changes, liveness)
//!   over one persisted [`image::ClusterImage`]; [`controller_server`] serves
//!   it to the nodes with Kafka's own controller APIs.
//! - `node`: a broker's registration, heartbeats and image copy; requests
//!   answered from the image or forwarded to the controller.
//! - `replication`: followers fetching from leaders, high watermarks, ISR
//!   shrink and expand, divergence truncation.
//! - [`coordinator_log`]: group coordinator state replicated through
//!   `__consumer_offsets`, loaded by a partition's new leader.
//! - [`txn_log`]: transaction coordinator state replicated through
//!   `__transaction_state`; `txn_channel`: verification and markers
//!   between nodes.
//! - [`supervisor`]: starts the controller and N broker processes, and the
//!   control endpoint that stops, kills, pauses and slows them.
//!
//! See `docs/architecture.md` ("A local cluster") for the drawing.

pub mod assignment;
pub mod controller;
pub mod controller_server;
pub mod coordinator_log;
pub mod image;
mod node;
mod peer;
mod replication;
pub mod supervisor;
pub(crate) mod txn_channel;
pub mod txn_log;

pub use node::{ClusterNode, NodeError};
pub(crate) use node::{
    create_partitions, create_topics, delete_topics, elect_leaders, join, metadata, refresh,
    run_image_puller, run_producer_id_blocks, spawn_heartbeats,
};
pub use peer::PeerError;
pub(crate) use replication::{
    consumer_end_offset, maybe_advance_high_watermark, on_follower_fetch, run_fetchers,
    run_isr_maintenance, wait_for_replication,
};
