//! kctl-tui: the dashboard behind `kctl tui` and `kctl health`.
//!
//! Layout, following bottom's state / drawing / collection split:
//! - [`model`]: the snapshot a poller fills from one coordinated read.
//! - [`evaluation`]: windows over snapshots and everything concluded from
//!   them (replica health, Burrow status, time lag, rates, verdict). Pure.
//! - [`app`] + [`action`]: the dashboard state and its `update(Action)`.
//! - [`keymap`]: the one key table: key handling and the help overlay.
//! - [`ui`]: drawing; reads `&App`, never mutates it.
//! - [`headless`]: the same evaluation as a JSON report and exit code.
//! - [`fixture`]: deterministic snapshots for tests, benches and demos.
//! - [`messages`]: the Messages screen's data: start positions, the
//!   bounded record buffer, how payloads are shown. Pure.
//! - [`poller`]: fills snapshots from a cluster in a background task.
//! - [`reader`]: reads records for the Messages screen in another task.
//! - [`terminal`]: the interactive event loop and terminal setup/teardown.

pub mod action;
pub mod app;
pub mod evaluation;
pub mod fixture;
pub mod headless;
pub mod keymap;
pub mod messages;
pub mod model;
pub mod poller;
pub mod reader;
pub mod ring;
pub mod terminal;
pub mod ui;
