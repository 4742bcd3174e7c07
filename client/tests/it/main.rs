//! The client's integration tests, one binary.
//!
//! - `admin`: the admin client against broker-lite in process (topics,
//!   configs, offsets from leaders, the cluster, deadlines);
//! - `producer`: the producer against broker-lite in process (send modes,
//!   partitioners, backpressure, codecs read back by kcat, dropped
//!   connections);
//! - `mock_cluster`: the producer against librdkafka's mock cluster (3
//!   brokers, leader moves, a broker down, idempotence);
//! - `consumer`: the consumer against broker-lite (codecs, positions,
//!   resets, pause, bounded memory, subscriptions, kcat-produced records);
//! - `group`: consumer groups against broker-lite's coordinator (sharing,
//!   a crashed member, cooperative rebalances, restarts from commits, a
//!   group shared with kcat);
//! - `murmur2`: key placement against Java's formula and kafka-python.

mod admin;
mod consumer;
mod group;
mod mock_cluster;
mod murmur2;
mod producer;
mod support;
