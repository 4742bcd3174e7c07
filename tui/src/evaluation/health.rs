//! Partition replica health, with the definitions of Kafka's `TopicCommand`
//! (`kafka-topics --describe --under-replicated-partitions` and friends), so
//! the dashboard and the Kafka CLI never disagree about a partition.

use serde::Serialize;

use crate::model::{BrokerId, PartitionState};

/// The health flags of one partition. Several can hold at once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PartitionHealth {
    /// `RF − |ISR| > 0`, where RF leaves out replicas still being added.
    pub under_replicated: bool,
    /// `no leader || |ISR| < min.insync.replicas`: `acks=all` producers fail.
    pub under_min_isr: bool,
    /// `|ISR| == min.insync.replicas`: one more failure and `acks=all` stops.
    pub at_min_isr: bool,
    /// `no leader || leader ∉ live brokers`.
    pub unavailable: bool,
    /// No leader at all (Kafka's OfflinePartitionsCount).
    pub offline: bool,
    /// At least one replica sits on an offline log directory or broker.
    pub has_offline_replicas: bool,
}

impl PartitionHealth {
    pub fn is_healthy(&self) -> bool {
        *self == Self::default()
    }
}

/// The replication factor as TopicCommand counts it.
pub fn replication_factor(partition: &PartitionState) -> usize {
    partition
        .replicas
        .iter()
        .filter(|r| !partition.adding_replicas.contains(r))
        .count()
}

/// Replicas that are assigned but not in the ISR, in replica order.
pub fn missing_from_isr(partition: &PartitionState) -> Vec<BrokerId> {
    partition
        .replicas
        .iter()
        .copied()
        .filter(|r| !partition.isr.contains(r))
        .collect()
}

/// Evaluates one partition. `live_brokers` are the brokers in the metadata
/// response; `min_insync_replicas` is the topic's effective setting.
pub fn evaluate(
    partition: &PartitionState,
    min_insync_replicas: Option<u32>,
    live_brokers: &[BrokerId],
) -> PartitionHealth {
    let isr_len = partition.isr.len();
    let no_leader = partition.leader.is_none();
    let min_isr = min_insync_replicas.map(|m| m as usize);
    PartitionHealth {
        under_replicated: replication_factor(partition) > isr_len,
        under_min_isr: no_leader || min_isr.is_some_and(|m| isr_len < m),
        at_min_isr: min_isr.is_some_and(|m| isr_len == m),
        unavailable: partition
            .leader
            .is_none_or(|leader| !live_brokers.contains(&leader)),
        offline: no_leader,
        has_offline_replicas: !partition.offline_replicas.is_empty(),
    }
}

/// Partition counts per health flag, for a topic or the whole cluster.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct HealthCounts {
    pub partitions: usize,
    pub under_replicated: usize,
    pub under_min_isr: usize,
    pub at_min_isr: usize,
    pub unavailable: usize,
    pub offline: usize,
    pub with_offline_replicas: usize,
}

impl HealthCounts {
    pub fn add(&mut self, health: &PartitionHealth) {
        self.partitions += 1;
        self.under_replicated += usize::from(health.under_replicated);
        self.under_min_isr += usize::from(health.under_min_isr);
        self.at_min_isr += usize::from(health.at_min_isr);
        self.unavailable += usize::from(health.unavailable);
        self.offline += usize::from(health.offline);
        self.with_offline_replicas += usize::from(health.has_offline_replicas);
    }

    pub fn merge(&mut self, other: &HealthCounts) {
        self.partitions += other.partitions;
        self.under_replicated += other.under_replicated;
        self.under_min_isr += other.under_min_isr;
        self.at_min_isr += other.at_min_isr;
        self.unavailable += other.unavailable;
        self.offline += other.offline;
        self.with_offline_replicas += other.with_offline_replicas;
    }

    /// True when no partition has a problem worth a colour. At-min-ISR alone
    /// is not one: RF == min ISR is a deliberate configuration.
    pub fn is_clean(&self) -> bool {
        self.under_replicated == 0
            && self.under_min_isr == 0
            && self.unavailable == 0
            && self.offline == 0
            && self.with_offline_replicas == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partition(leader: Option<BrokerId>, replicas: &[i32], isr: &[i32]) -> PartitionState {
        PartitionState {
            partition: 0,
            leader,
            replicas: replicas.to_vec(),
            isr: isr.to_vec(),
            offline_replicas: vec![],
            adding_replicas: vec![],
            log_start_offset: Some(0),
            log_end_offset: Some(0),
        }
    }

    const LIVE: &[BrokerId] = &[1, 2, 3];

    #[test]
    fn fully_replicated_above_min_isr_is_healthy() {
        let health = evaluate(&partition(Some(1), &[1, 2, 3], &[1, 2, 3]), Some(2), LIVE);
        assert!(health.is_healthy(), "{health:?}");
    }

    #[test]
    fn shrunk_isr_is_under_replicated_and_at_min() {
        let health = evaluate(&partition(Some(1), &[1, 2, 3], &[1, 2]), Some(2), LIVE);
        assert!(health.under_replicated);
        assert!(health.at_min_isr);
        assert!(!health.under_min_isr);
        assert!(!health.unavailable);
    }

    #[test]
    fn isr_below_min_is_under_min_isr() {
        let health = evaluate(&partition(Some(1), &[1, 2, 3], &[1]), Some(2), LIVE);
        assert!(health.under_min_isr);
        assert!(!health.at_min_isr);
        assert!(health.under_replicated);
    }

    #[test]
    fn no_leader_is_offline_unavailable_and_under_min_isr() {
        let health = evaluate(&partition(None, &[1, 2, 3], &[1, 2, 3]), Some(1), LIVE);
        assert!(health.offline);
        assert!(health.unavailable);
        assert!(health.under_min_isr, "no leader counts as under min ISR");
        assert!(!health.under_replicated, "ISR is still full");
    }

    #[test]
    fn leader_not_live_is_unavailable_but_not_offline() {
        let health = evaluate(&partition(Some(9), &[9, 1], &[9, 1]), Some(1), LIVE);
        assert!(health.unavailable);
        assert!(!health.offline);
    }

    #[test]
    fn adding_replicas_do_not_count_towards_rf() {
        let mut p = partition(Some(1), &[1, 2, 3, 4], &[1, 2, 3]);
        p.adding_replicas = vec![4];
        assert_eq!(replication_factor(&p), 3);
        assert!(!evaluate(&p, Some(2), &[1, 2, 3, 4]).under_replicated);
    }

    #[test]
    fn unknown_min_isr_only_checks_the_leader() {
        let health = evaluate(&partition(Some(1), &[1, 2, 3], &[1]), None, LIVE);
        assert!(!health.under_min_isr);
        assert!(!health.at_min_isr);
        assert!(health.under_replicated);
    }

    #[test]
    fn offline_replicas_are_flagged_and_missing_isr_listed() {
        let mut p = partition(Some(1), &[1, 2, 3], &[1, 3]);
        p.offline_replicas = vec![2];
        let health = evaluate(&p, Some(2), LIVE);
        assert!(health.has_offline_replicas);
        assert_eq!(missing_from_isr(&p), vec![2]);
    }

    #[test]
    fn counts_add_and_merge() {
        let mut a = HealthCounts::default();
        a.add(&evaluate(&partition(None, &[1], &[]), Some(1), LIVE));
        a.add(&evaluate(
            &partition(Some(1), &[1, 2], &[1, 2]),
            Some(1),
            LIVE,
        ));
        let mut total = HealthCounts::default();
        total.merge(&a);
        total.merge(&a);
        assert_eq!(total.partitions, 4);
        assert_eq!(total.offline, 2);
        assert_eq!(total.under_replicated, 2);
        assert!(!total.is_clean());
    }
}
