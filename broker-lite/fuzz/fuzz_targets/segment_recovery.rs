//! Segment recovery on arbitrary file bytes. The input's first byte picks
//! the mode: an unclean open (the `.log` is scanned batch by batch), or a
//! clean one with arbitrary `.index`/`.timeindex` files beside it (their
//! checks must catch what does not match the `.log`). Whatever the bytes,
//! opening and reading must succeed without a panic. After an unclean open,
//! every batch then served must also be whole and pass its CRC with offsets
//! in order, and a second recovery must find nothing more to cut. (A clean
//! open trusts the `.log`'s batches, as Kafka does: only the indexes are
//! checked, so garbage written "cleanly" is served as it is.)
#![no_main]

use std::fs;
use std::path::{Path, PathBuf};

use broker_lite::log::{LogConfig, PartitionLog};
use kctl_client::protocol::batch::BatchScan;
use libfuzzer_sys::fuzz_target;

fn scratch_dir() -> PathBuf {
    let base = std::env::var_os("FUZZ_SCRATCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    base.join(format!(
        "broker-lite-fuzz-recovery-{}/topic-0",
        std::process::id()
    ))
}

thread_local! {
    /// One scratch directory for the whole run, created once: every input
    /// starts by emptying it, which costs a directory read and an unlink per
    /// file left by the last input, not a recursive delete and a mkdir.
    static DIR: PathBuf = {
        let dir = scratch_dir();
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch dir");
        dir
    };
}

/// Removes every file the previous input's logs left (segments, indexes,
/// checkpoints, snapshots). The partition directory has no subdirectories.
fn empty(dir: &Path) {
    for entry in fs::read_dir(dir).expect("read scratch dir") {
        let path = entry.expect("scratch dir entry").path();
        fs::remove_file(&path).unwrap_or_else(|e| panic!("remove {}: {e}", path.display()));
    }
}

const SEGMENT: &str = "00000000000000000000";

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let dir = DIR.with(Clone::clone);
    empty(&dir);
    let clean = mode & 1 == 1;
    if clean && rest.len() >= 2 {
        // Two length bytes carve the index files off the end.
        let (lens, rest) = rest.split_at(2);
        let index_len = usize::from(lens[0]).min(rest.len());
        let time_len = usize::from(lens[1]).min(rest.len() - index_len);
        let (log, tail) = rest.split_at(rest.len() - index_len - time_len);
        let (index, time_index) = tail.split_at(index_len);
        fs::write(dir.join(format!("{SEGMENT}.log")), log).expect("write log");
        fs::write(dir.join(format!("{SEGMENT}.index")), index).expect("write index");
        fs::write(dir.join(format!("{SEGMENT}.timeindex")), time_index).expect("write timeindex");
    } else {
        fs::write(dir.join(format!("{SEGMENT}.log")), rest).expect("write log");
    }
    let config = LogConfig::default();
    let (log, report) = PartitionLog::open(&dir, config.clone(), clean)
        .unwrap_or_else(|e| panic!("opening a damaged segment must recover it: {e}"));
    assert_eq!(report.log_end_offset, log.log_end_offset());
    let end = log.log_end_offset();
    let mut offset = log.log_start_offset();
    while offset < end {
        let read = log.read(offset, 1 << 20).expect("read inside the log");
        let bytes = read.read_bytes().expect("read bytes");
        assert!(
            !bytes.is_empty(),
            "read at {offset} below end {end} returned nothing"
        );
        let mut next = offset;
        let scan = if clean {
            BatchScan::new(&bytes)
        } else {
            BatchScan::verified(&bytes)
        };
        for batch in scan {
            let batch = match batch {
                Ok(batch) => batch,
                Err(e) if !clean => panic!("served a bad batch at {offset}: {e}"),
                Err(_) => break,
            };
            let last = batch.header.last_offset();
            if clean && (last < next || last == i64::MAX) {
                break;
            }
            assert!(last >= next, "served batch ends at {last} before {next}");
            next = last + 1;
        }
        if clean && next == offset {
            break;
        }
        assert!(next > offset, "no progress reading at {offset}");
        offset = next;
    }
    log.close().expect("close");
    let (again, report) = PartitionLog::open(&dir, config, false).expect("reopen after recovery");
    // After a clean open the garbage was trusted; an unclean reopen may
    // then rightly cut it. Only an unclean recovery must be final.
    if !clean {
        assert_eq!(
            report.bytes_truncated, 0,
            "second recovery cut more: {report:?}"
        );
        assert_eq!(again.log_end_offset(), end);
    }
    drop(again);
});
