//! Replica placement: Kafka's rack-unaware assignment
//! (`AdminUtils.assignReplicasToBrokersRackUnaware`, kept by KRaft's
//! `StripedReplicaPlacer` for clusters without racks).
//!
//! Partition p's first replica is broker `(p + start) % n`; the others
//! follow at a shift that grows by one every `n` partitions, so leaders and
//! followers spread evenly and no two partitions of a run share the same
//! follower pattern.

/// Assigns `partitions` partitions, numbered from `first_partition`, with
/// `replication_factor` replicas each over `brokers` (sorted here). `start`
/// and `shift` are Kafka's random start index and replica shift; callers
/// pass random values, tests fixed ones. The caller has checked that
/// `replication_factor <= brokers.len()`.
pub fn assign_rack_unaware(
    brokers: &[i32],
    first_partition: i32,
    partitions: i32,
    replication_factor: usize,
    start: usize,
    shift: usize,
) -> Vec<Vec<i32>> {
    let mut brokers = brokers.to_vec();
    brokers.sort_unstable();
    let n = brokers.len();
    if n == 0 {
        return Vec::new();
    }
    let mut next_replica_shift = shift;
    let mut assignment = Vec::new();
    for p in first_partition.max(0)..first_partition.max(0) + partitions {
        let p = p as usize;
        if p > 0 && p.is_multiple_of(n) {
            next_replica_shift += 1;
        }
        let first = (p + start) % n;
        let mut replicas = vec![brokers[first]];
        for j in 0..replication_factor.saturating_sub(1) {
            let step = 1 + (next_replica_shift + j) % (n - 1).max(1);
            replicas.push(brokers[(first + step) % n]);
        }
        assignment.push(replicas);
    }
    assignment
}

/// A random index below `n` (Kafka picks start and shift at random); uuid's
/// generator is already a dependency.
pub fn random_below(n: usize) -> usize {
    if n == 0 {
        return 0;
    }
    (uuid::Uuid::new_v4().as_u128() % n as u128) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_kafkas_example_for_five_brokers() {
        // The example in AdminUtils' scaladoc: 5 brokers, 10 partitions,
        // RF 3, start index 0, shift 0.
        let got = assign_rack_unaware(&[0, 1, 2, 3, 4], 0, 10, 3, 0, 0);
        let want: Vec<Vec<i32>> = vec![
            vec![0, 1, 2],
            vec![1, 2, 3],
            vec![2, 3, 4],
            vec![3, 4, 0],
            vec![4, 0, 1],
            vec![0, 2, 3],
            vec![1, 3, 4],
            vec![2, 4, 0],
            vec![3, 0, 1],
            vec![4, 1, 2],
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn every_partition_gets_distinct_replicas_and_leaders_spread() {
        for n in 1..=5usize {
            let brokers: Vec<i32> = (1..=n as i32).collect();
            for rf in 1..=n {
                let got = assign_rack_unaware(&brokers, 0, 12, rf, 1, 2);
                for replicas in &got {
                    let mut sorted = replicas.clone();
                    sorted.sort_unstable();
                    sorted.dedup();
                    assert_eq!(sorted.len(), rf, "n={n} rf={rf} {replicas:?}");
                }
                let mut leaders = vec![0; n];
                for replicas in &got {
                    leaders[(replicas[0] - 1) as usize] += 1;
                }
                assert!(leaders.iter().all(|&c| c == 12 / n || c == 12 / n + 1));
            }
        }
    }
}
