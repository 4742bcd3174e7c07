//! Every partitioner `kctl produce` offers, on Apache Kafka 4.x, with Kafka's
//! own Java console consumer reporting where each record landed. Keyed
//! placement (the default) must be Kafka's murmur2, which the test computes
//! itself and which `every_codec_and_keyed_placement_agree_with_the_java_client`
//! also compares with Java's producer; the others must place records the way
//! their names promise.

use std::collections::BTreeMap;

use kctl_client::protocol::murmur2::partition_for_key;

use super::{Cluster, cluster, unique};

const PARTITIONS: u32 = 7;
const RECORDS: usize = 700;

/// One record as Java's console consumer printed it.
struct Landed {
    partition: u32,
    offset: i64,
    key: String,
    seq: usize,
}

/// Produces RECORDS keyed records with `kctl produce ARGS` into a new topic
/// and returns where Java's consumer found them, in produce order.
fn produce_and_locate(cluster: &Cluster, name: &str, args: &[&str]) -> Vec<Landed> {
    let topic = unique(&format!("partitioner-{name}"));
    cluster
        .kctl(&[
            "topic",
            "create",
            &topic,
            "-p",
            &PARTITIONS.to_string(),
            "-r",
            "2",
        ])
        .run()
        .success();
    let lines: String = (0..RECORDS).map(|i| format!("user-{i}\t{i}\n")).collect();
    let mut produce = vec!["produce", topic.as_str(), "-K", "\t", "--acks", "all"];
    produce.extend_from_slice(args);
    cluster.kctl(&produce).stdin(lines).run().success();
    let max_messages = RECORDS.to_string();
    let out = cluster.tool_ok(
        "ConsoleConsumer",
        &[
            "--bootstrap-server",
            &cluster.bootstrap,
            "--topic",
            &topic,
            "--from-beginning",
            "--max-messages",
            &max_messages,
            "--timeout-ms",
            "30000",
            "--formatter-property",
            "print.partition=true",
            "--formatter-property",
            "print.offset=true",
            "--formatter-property",
            "print.key=true",
        ],
    );
    // "Partition:N\tOffset:O\tKEY\tVALUE"
    let mut landed: Vec<Landed> = out
        .lines()
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            let field = |i: usize, prefix: &str| {
                cols[i]
                    .strip_prefix(prefix)
                    .unwrap_or_else(|| panic!("{line:?}: column {i} is not {prefix}N"))
                    .to_owned()
            };
            Landed {
                partition: field(0, "Partition:").parse().unwrap(),
                offset: field(1, "Offset:").parse().unwrap(),
                key: cols[2].to_owned(),
                seq: cols[3].parse().unwrap(),
            }
        })
        .collect();
    assert_eq!(landed.len(), RECORDS, "{name}: Java read {}", landed.len());
    landed.sort_by_key(|l| l.seq);
    landed
}

fn counts(landed: &[Landed]) -> BTreeMap<u32, usize> {
    let mut counts = BTreeMap::new();
    for l in landed {
        *counts.entry(l.partition).or_default() += 1;
    }
    counts
}

/// Within each partition, records keep the order they were produced in.
fn assert_in_order(name: &str, landed: &[Landed]) {
    let mut last: BTreeMap<u32, i64> = BTreeMap::new();
    for l in landed {
        if let Some(prev) = last.insert(l.partition, l.offset) {
            assert!(
                prev < l.offset,
                "{name}: record {} went before an earlier one",
                l.seq
            );
        }
    }
}

#[test]
fn every_partitioner_places_records_as_java_reports_them() {
    let Some(cluster) = cluster() else { return };

    let default = produce_and_locate(&cluster, "default", &[]);
    for l in &default {
        assert_eq!(
            l.partition,
            partition_for_key(l.key.as_bytes(), PARTITIONS),
            "default: {} is not at murmur2's partition",
            l.key
        );
    }
    assert_in_order("default", &default);

    // Each partition in turn, one record each, from wherever it starts.
    let round_robin =
        produce_and_locate(&cluster, "round-robin", &["--partitioner", "round-robin"]);
    for pair in round_robin.windows(2) {
        assert_eq!(
            pair[1].partition,
            (pair[0].partition + 1) % PARTITIONS,
            "round-robin: record {} followed partition {} with {}",
            pair[1].seq,
            pair[0].partition,
            pair[1].partition
        );
    }
    assert!(
        counts(&round_robin)
            .values()
            .all(|&c| c == RECORDS / PARTITIONS as usize)
    );
    assert_in_order("round-robin", &round_robin);

    // Keys ignored: a random partition per record, so several are used and
    // the placement is not murmur2's.
    let random = produce_and_locate(&cluster, "random", &["--partitioner", "random"]);
    assert!(counts(&random).len() > 1, "random used one partition");
    assert!(
        random
            .iter()
            .any(|l| l.partition != partition_for_key(l.key.as_bytes(), PARTITIONS)),
        "random placed every key where murmur2 would"
    );
    assert_in_order("random", &random);

    // Keys ignored, sticky batches: runs of consecutive records share a
    // partition, so far fewer partition changes than records.
    let sticky = produce_and_locate(
        &cluster,
        "uniform-sticky",
        &["--partitioner", "uniform-sticky"],
    );
    let changes = sticky
        .windows(2)
        .filter(|pair| pair[0].partition != pair[1].partition)
        .count();
    assert!(
        changes < RECORDS / 10,
        "uniform-sticky changed partition {changes} times"
    );
    assert!(
        sticky
            .iter()
            .any(|l| l.partition != partition_for_key(l.key.as_bytes(), PARTITIONS)),
        "uniform-sticky placed every key where murmur2 would"
    );
    assert_in_order("uniform-sticky", &sticky);

    // An explicit partition wins over keys.
    let pinned = produce_and_locate(&cluster, "pinned", &["--partition", "3"]);
    assert_eq!(counts(&pinned), BTreeMap::from([(3, RECORDS)]));
    assert_in_order("pinned", &pinned);
}
