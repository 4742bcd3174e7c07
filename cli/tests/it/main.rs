//! kctl's integration tests, one binary. Every test runs the real `kctl`
//! binary against broker-lite started in-process on a free port.
//!
//! - `topics`: create, list, describe (health filters), alter, delete;
//! - `configs`: config get/set/delete for topics and brokers;
//! - `cluster`: cluster describe and offsets;
//! - `produce`: text and JSON input, keys, headers, tombstones, rate,
//!   failures, and kcat reading what kctl wrote (murmur2 placement too);
//! - `errors`: bad input of every kind, with its exit code and message;
//! - `contexts`: the config file, contexts and secrets;
//! - `generated`: completion scripts and man pages kept up to date.

mod cluster;
mod configs;
mod contexts;
mod errors;
mod generated;
mod groups;
mod produce;
mod support;
mod topics;
mod tui_e2e;
