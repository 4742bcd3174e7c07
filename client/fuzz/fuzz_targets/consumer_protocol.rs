//! The consumer-protocol blobs inside JoinGroup and SyncGroup: a member's
//! subscription and its assignment, as the group leader and the broker read
//! them. The first byte picks which.
#![no_main]

use bytes::Bytes;
use kctl_client::protocol::consumer_protocol;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, blob)) = data.split_first() else {
        return;
    };
    let blob = Bytes::copy_from_slice(blob);
    let _ = consumer_protocol::declared_version(&blob);
    let _ = consumer_protocol::version_for(&blob);
    if which & 1 == 0 {
        if let Ok((version, subscription)) = consumer_protocol::decode_subscription(&blob) {
            // What decodes must encode again at the version it was read at.
            let _ = consumer_protocol::encode(&subscription, version);
        }
        // The broker answers a member it gives nothing in its own version.
        let empty = consumer_protocol::empty_assignment(&blob);
        assert!(
            consumer_protocol::decode_assignment(&empty).is_ok(),
            "empty assignment does not decode"
        );
    } else {
        let _ = consumer_protocol::decode_assignment(&blob);
    }
});
