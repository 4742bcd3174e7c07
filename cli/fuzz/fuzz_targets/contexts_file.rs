//! kctl's config file (`~/.config/kctl/config.yaml`, its named contexts):
//! any text gives a checked config or an error message, never a panic.
//! What parses must also survive the trip `kctl context add/use` makes:
//! written back with the same serializer and read again, it is the same
//! config (a file kctl saved must load).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../src/settings/file.rs"]
#[allow(dead_code)]
mod file;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(config) = file::parse(&text) else {
        return;
    };
    let saved = serde_norway::to_string(&config)
        .unwrap_or_else(|e| panic!("a parsed config must serialize: {e}"));
    let reloaded = file::parse(&saved)
        .unwrap_or_else(|e| panic!("a saved config must load: {e}\n--- saved:\n{saved}"));
    assert_eq!(reloaded, config, "saving and loading changed the config");
});
