//! Java's `Utils.murmur2`, the hash behind Kafka's default key partitioning.
//!
//! Records with the same key must land on the same partition whichever
//! client wrote them; Java and librdkafka's `murmur2_random` partitioner
//! compute `(murmur2(key) & 0x7fffffff) % partitions`, so we do too, bit
//! for bit.

/// Kafka's murmur2 of `data` (seed `0x9747b28c`).
pub fn murmur2(data: &[u8]) -> u32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;

    // Java takes the length as an int; keys never approach 4 GiB.
    let mut h = SEED ^ data.len() as u32;
    let mut chunks = data.chunks_exact(4);
    for chunk in &mut chunks {
        let mut k = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = chunks.remainder();
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h
}

/// The partition Java's `BuiltInPartitioner.partitionForKey` picks:
/// `toPositive(murmur2(key)) % partitions`.
///
/// # Panics
/// If `partitions` is zero.
pub fn partition_for_key(key: &[u8], partitions: u32) -> u32 {
    (murmur2(key) & 0x7fff_ffff) % partitions
}

#[cfg(test)]
mod tests {
    use super::*;

    /// apache/kafka `UtilsTest.testMurmur2` (Java signed ints).
    #[test]
    fn matches_kafka_utils_test_vectors() {
        let cases: [(&[u8], i32); 6] = [
            (b"21", -973_932_308),
            (b"foobar", -790_332_482),
            (b"a-little-bit-long-string", -985_981_536),
            (b"a-little-bit-longer-string", -1_486_304_829),
            (
                b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
                -58_897_971,
            ),
            (b"abc", 479_470_107),
        ];
        for (key, expected) in cases {
            assert_eq!(
                murmur2(key) as i32,
                expected,
                "key {:?}",
                String::from_utf8_lossy(key)
            );
        }
    }

    /// librdkafka `rdmurmur2.c` `unittest_murmur2` ("java_murmur2_results").
    #[test]
    fn matches_librdkafka_test_vectors() {
        let preamble = b"PreAmbleWillBeRemoved,ThePrePartThatIs";
        let cases: [(&[u8], u32); 11] = [
            (b"kafka", 0xd067_cf64),
            (b"giberish123456789", 0x8f55_2b0c),
            (b"1234", 0x9fc9_7b14),
            (b"234", 0xe7c0_09ca),
            (b"34", 0x8739_30da),
            (b"4", 0x5a4b_5ca1),
            (preamble, 0x7842_4f1c),
            (&preamble[1..], 0x4a62_b377),
            (&preamble[2..], 0xe0e4_e09e),
            (&preamble[3..], 0x62b8_b43f),
            (b"", 0x106e_08d9),
        ];
        for (key, expected) in cases {
            assert_eq!(
                murmur2(key),
                expected,
                "key {:?}",
                String::from_utf8_lossy(key)
            );
        }
    }

    #[test]
    fn partitions_match_the_reference_notes() {
        for (key, expected) in [
            (&b"kafka"[..], [1, 4, 4, 80]),
            (b"foobar", [0, 0, 6, 66]),
            (b"", [0, 3, 9, 81]),
            (b"key-1", [0, 0, 0, 40]),
        ] {
            let got: Vec<u32> = [3, 6, 12, 100]
                .iter()
                .map(|&n| partition_for_key(key, n))
                .collect();
            assert_eq!(got, expected, "key {:?}", String::from_utf8_lossy(key));
        }
    }
}
