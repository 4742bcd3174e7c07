//! The broker's request path: the input is the byte stream one connection
//! sends. Every complete frame goes through the connection's own
//! `handle_request` (header, version check, body decode for every
//! advertised API, handler, response encode) against a real broker state in
//! a scratch directory. A crash is a panic, a hang past the harness's
//! deadline, or a response that is not a whole frame answering its request.
#![no_main]

use std::cell::RefCell;

use broker_lite::fuzzing::RequestHarness;
use libfuzzer_sys::fuzz_target;

thread_local! {
    static HARNESS: RefCell<RequestHarness> = RefCell::new(RequestHarness::new(&scratch_root()));
}

fn scratch_root() -> std::path::PathBuf {
    let base = std::env::var_os("FUZZ_SCRATCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    base.join(format!("broker-lite-fuzz-request-{}", std::process::id()))
}

fuzz_target!(|data: &[u8]| {
    HARNESS.with(|harness| {
        harness.borrow_mut().serve(data);
    });
});
