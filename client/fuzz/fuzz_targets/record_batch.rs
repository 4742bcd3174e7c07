//! The record-batch layer the broker and the consumer share: the v2 header
//! parser, `BatchScan` (plain and CRC-verified), full validation, and the
//! consumer's decode of every record (with decompression).
#![no_main]

use bytes::Bytes;
use kctl_client::protocol::batch::{self, BatchHeader, BatchScan};
use kctl_client::protocol::record_batch;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(header) = BatchHeader::parse(data) {
        let _ = header.last_offset();
        let _ = header.total_bytes();
        let _ = header.compression();
    }
    let _ = batch::validate(data);
    let _ = batch::record_timestamps(data);
    let mut plain = BatchScan::new(data);
    let mut whole = 0usize;
    for item in plain.by_ref() {
        match item {
            Ok(found) => {
                assert_eq!(found.position, whole, "batches are back to back");
                whole += found.bytes.len();
            }
            Err(_) => break,
        }
    }
    assert_eq!(plain.valid_bytes(), whole);
    assert!(whole <= data.len());
    // Verified scanning accepts a prefix of what plain scanning accepts.
    let mut verified = BatchScan::verified(data);
    for item in verified.by_ref() {
        if item.is_err() {
            break;
        }
    }
    assert!(verified.valid_bytes() <= whole);
    if let Ok(batches) = record_batch::decode_batches(&Bytes::copy_from_slice(data)) {
        for decoded in batches {
            assert!(decoded.records.len() <= i32::MAX as usize);
        }
    }
});
