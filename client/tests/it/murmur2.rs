//! Key placement compatibility: 10,000 random keys hashed by our murmur2
//! and partitioned as the default partitioner does, against (a) Java's
//! `Utils.murmur2` transcribed with Java's signed 32-bit arithmetic, and
//! (b) kafka-python's own `murmur2`.

use std::io::Write;
use std::process::{Command, Stdio};

use kctl_client::protocol::murmur2::{murmur2, partition_for_key};
use rand::{Rng, SeedableRng};

use crate::support::python;

/// `org.apache.kafka.common.utils.Utils.murmur2`, written the way Java
/// computes it: signed ints, wrapping multiplication, `>>>` as a shift of
/// the unsigned reinterpretation, and bytes sign-extended before masking.
fn java_murmur2(data: &[u8]) -> i32 {
    let length = data.len() as i32;
    let seed: i32 = 0x9747_b28c_u32 as i32;
    let m: i32 = 0x5bd1_e995;
    let r = 24;
    let mut h: i32 = seed ^ length;
    let length4 = length / 4;
    let byte = |i: i32| i32::from(data[i as usize] as i8);
    for i in 0..length4 {
        let i4 = i * 4;
        let mut k: i32 = (byte(i4) & 0xff)
            + ((byte(i4 + 1) & 0xff) << 8)
            + ((byte(i4 + 2) & 0xff) << 16)
            + ((byte(i4 + 3) & 0xff) << 24);
        k = k.wrapping_mul(m);
        k ^= ((k as u32) >> r) as i32;
        k = k.wrapping_mul(m);
        h = h.wrapping_mul(m);
        h ^= k;
    }
    let tail = length & !3;
    let rest = length % 4;
    if rest >= 3 {
        h ^= (byte(tail + 2) & 0xff) << 16;
    }
    if rest >= 2 {
        h ^= (byte(tail + 1) & 0xff) << 8;
    }
    if rest >= 1 {
        h ^= byte(tail) & 0xff;
        h = h.wrapping_mul(m);
    }
    h ^= ((h as u32) >> 13) as i32;
    h = h.wrapping_mul(m);
    h ^= ((h as u32) >> 15) as i32;
    h
}

/// `BuiltInPartitioner.partitionForKey`: `toPositive(murmur2(key)) % n`.
fn java_partition(key: &[u8], partitions: i32) -> i32 {
    (java_murmur2(key) & 0x7fff_ffff) % partitions
}

fn random_keys() -> Vec<Vec<u8>> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x6b63_746c);
    (0..10_000)
        .map(|_| {
            let len = rng.random_range(0..64);
            (0..len).map(|_| rng.random::<u8>()).collect()
        })
        .collect()
}

#[test]
fn ten_thousand_random_keys_match_javas_formula() {
    for key in random_keys() {
        assert_eq!(murmur2(&key) as i32, java_murmur2(&key), "key {key:02x?}");
        for n in [1, 3, 7, 12, 100, 1_000] {
            assert_eq!(
                partition_for_key(&key, n as u32) as i32,
                java_partition(&key, n),
                "key {key:02x?}, n={n}"
            );
        }
    }
}

#[test]
fn ten_thousand_random_keys_match_kafka_python() {
    let Some(python) = python() else { return };
    let keys = random_keys();
    let script = "import sys\nfrom kafka.partitioner.default import murmur2\nfor line in sys.stdin:\n    print(murmur2(bytes.fromhex(line.strip())) & 0xffffffff)\n";
    let mut child = Command::new(python)
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = String::new();
    for key in &keys {
        for b in key {
            input.push_str(&format!("{b:02x}"));
        }
        input.push('\n');
    }
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(output.status.success(), "kafka-python's murmur2 failed");
    let theirs: Vec<u32> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    assert_eq!(theirs.len(), keys.len());
    for (key, their_hash) in keys.iter().zip(theirs) {
        assert_eq!(murmur2(key), their_hash, "key {key:02x?}");
    }
}
