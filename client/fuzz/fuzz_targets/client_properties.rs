//! The producer's and consumer's `.properties` parsers, including the
//! security keys: any text gives a config or a typed error.
#![no_main]

use kctl_client::consumer::ConsumerConfig;
use kctl_client::producer::ProducerConfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = ProducerConfig::from_properties_str(&text);
    let _ = ConsumerConfig::from_properties_str(&text);
});
