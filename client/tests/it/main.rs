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
//! - `consumer_group`: consumer groups against broker-lite's coordinator (sharing,
//!   a crashed member, cooperative rebalances, restarts from commits, a
//!   group shared with kcat);
//! - `transactions`: the transactional producer against broker-lite's
//!   transaction coordinator, and the exactly-once example under SIGKILL;
//! - `examples`: every program in `client/examples/` runs against
//!   broker-lite;
//! - `share_consumer`: the share consumer (KIP-932) against broker-lite:
//!   records held past their lock go to another member and the delivery
//!   limit archives them; a member dropped without closing in a
//!   three-member run gives its records back when the locks run out;
//! - `murmur2`: key placement against Java's formula and kafka-python.
//! - `security`: TLS (server and mutual, CA and hostname checks) and SASL
//!   (PLAIN, SCRAM-SHA-256/512) through a front that plays the broker's
//!   secured listener before broker-lite.

mod admin;
mod churn;
mod consumer;
mod consumer_group;
mod consumer_group_kip848;
mod consumer_group_migration;
mod examples;
mod faults;
mod groups;
mod mock_cluster;
mod murmur2;
mod producer;
mod security;
mod share_consumer;
mod support;
mod transactions;
