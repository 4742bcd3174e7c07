//! broker-lite's `server.properties` parser and every key's value parser:
//! any text must give a config or a typed error, never a panic.
#![no_main]

use std::path::Path;

use broker_lite::config::BrokerConfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(config) = BrokerConfig::from_properties_text(&text, Path::new("fuzz.properties")) {
        // What DescribeConfigs would report must render too.
        let _ = config.entries();
        let _ = config.log_config(&Default::default());
    }
});
