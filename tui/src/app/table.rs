//! The dashboard's tables as data: their columns, how each column sorts,
//! and what a filter matches. Drawing takes its headers from here, so a
//! sort indicator always sits on the column that is actually sorted.

use std::cmp::Ordering;

use crate::evaluation::{
    BrokerEval, GroupEval, GroupPartitionEval, PartitionHealth, TopicEval, TopicPartitionEval,
};
use crate::evaluation::{CatchUp, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TableKind {
    /// The overview's "worst groups" list: fixed order, not sortable.
    WorstGroups,
    Groups,
    GroupPartitions,
    Topics,
    TopicPartitions,
    Brokers,
    /// The Messages screen's topic picker.
    MessageTopics,
    /// One topic's records: always newest first, so not sortable.
    Messages,
    /// The lines of the open record; the selection is the scroll position.
    RecordLines,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub title: &'static str,
    pub sortable: bool,
    /// Numbers sort largest first when chosen; names alphabetically.
    pub descending_first: bool,
}

const fn col(title: &'static str, descending_first: bool) -> Column {
    Column {
        title,
        sortable: true,
        descending_first,
    }
}

const fn fixed(title: &'static str) -> Column {
    Column {
        title,
        sortable: false,
        descending_first: false,
    }
}

const WORST_GROUPS: &[Column] = &[
    fixed("Group"),
    fixed("Status"),
    fixed("Lag"),
    fixed("Lag time"),
    fixed("Trend"),
];

const GROUPS: &[Column] = &[
    col("Group", false),
    col("State", false),
    col("Mbrs", true),
    col("Lag", true),
    col("Lag time", true),
    col("Status", true),
    fixed("Trend"),
    // Drawn second; numbered last so the columns above keep their indexes.
    fixed("Type"),
];

const GROUP_PARTITIONS: &[Column] = &[
    col("Partition", false),
    col("Committed", true),
    col("Log end", true),
    col("Lag", true),
    col("Lag time", true),
    col("Rate/s", true),
    col("ETA", true),
    col("Status", true),
    fixed("Trend"),
    // Drawn second; numbered last so the columns above keep their indexes.
    col("Member", false),
];

const TOPICS: &[Column] = &[
    col("Topic", false),
    col("Parts", true),
    col("RF", true),
    col("ISR health", true),
    col("Produce/s", true),
];

const TOPIC_PARTITIONS: &[Column] = &[
    col("Part", false),
    col("Leader", false),
    fixed("Replicas"),
    fixed("ISR"),
    fixed("Offline"),
    col("Start", true),
    col("End", true),
    col("Health", true),
];

const BROKERS: &[Column] = &[
    col("Id", false),
    col("Host", false),
    col("Rack", false),
    col("Leaders", true),
    col("Replicas", true),
    fixed("Role"),
];

const MESSAGE_TOPICS: &[Column] = &[
    fixed("Topic"),
    fixed("Parts"),
    fixed("Retained"),
    fixed("Produce/s"),
];

const MESSAGES: &[Column] = &[
    fixed("P"),
    fixed("Offset"),
    fixed("Time (UTC)"),
    fixed("Key"),
    fixed("Value"),
];

/// Which column a table is sorted by, and which way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortState {
    pub column: usize,
    pub descending: bool,
}

impl TableKind {
    pub fn columns(self) -> &'static [Column] {
        match self {
            Self::WorstGroups => WORST_GROUPS,
            Self::Groups => GROUPS,
            Self::GroupPartitions => GROUP_PARTITIONS,
            Self::Topics => TOPICS,
            Self::TopicPartitions => TOPIC_PARTITIONS,
            Self::Brokers => BROKERS,
            Self::MessageTopics => MESSAGE_TOPICS,
            Self::Messages => MESSAGES,
            Self::RecordLines => &[],
        }
    }

    /// The order a table starts in: trouble first where there is trouble
    /// to show.
    pub fn default_sort(self) -> SortState {
        let (column, descending) = match self {
            Self::Groups => (5, true),
            Self::Topics => (3, true),
            _ => (0, false),
        };
        SortState { column, descending }
    }

    /// The next sortable column after `current`, wrapping.
    pub fn next_sortable(self, current: usize) -> Option<usize> {
        let columns = self.columns();
        (1..=columns.len())
            .map(|step| (current + step) % columns.len())
            .find(|&i| columns[i].sortable)
    }
}

fn by<T: PartialOrd>(a: T, b: T) -> Ordering {
    a.partial_cmp(&b).unwrap_or(Ordering::Equal)
}

/// Applies direction, then breaks ties by name so rows never jump around
/// between refreshes.
fn directed(ordering: Ordering, descending: bool, tie: Ordering) -> Ordering {
    let ordering = if descending {
        ordering.reverse()
    } else {
        ordering
    };
    ordering.then(tie)
}

pub fn compare_groups(a: &GroupEval, b: &GroupEval, sort: SortState) -> Ordering {
    let ordering = match sort.column {
        0 => a.group_id.cmp(&b.group_id),
        1 => a.state.label().cmp(b.state.label()),
        2 => a.members.cmp(&b.members),
        3 => a.total_lag.cmp(&b.total_lag),
        4 => a
            .max_time_lag
            .sort_key_ms()
            .cmp(&b.max_time_lag.sort_key_ms()),
        5 => a.status.cmp(&b.status).then(a.total_lag.cmp(&b.total_lag)),
        _ => Ordering::Equal,
    };
    directed(ordering, sort.descending, a.group_id.cmp(&b.group_id))
}

fn eta_key(catch_up: &CatchUp) -> Option<u64> {
    match catch_up {
        CatchUp::CaughtUp => Some(0),
        CatchUp::Eta { eta_ms } => Some(*eta_ms),
        CatchUp::NotCatchingUp => Some(u64::MAX),
        CatchUp::Unknown => None,
    }
}

pub fn compare_group_partitions(
    a: &GroupPartitionEval,
    b: &GroupPartitionEval,
    sort: SortState,
) -> Ordering {
    let ordering = match sort.column {
        0 => (&a.topic, a.partition).cmp(&(&b.topic, b.partition)),
        1 => a.committed_offset.cmp(&b.committed_offset),
        2 => a.log_end_offset.cmp(&b.log_end_offset),
        3 => a.lag.cmp(&b.lag),
        4 => a.time_lag.sort_key_ms().cmp(&b.time_lag.sort_key_ms()),
        5 => by(a.consume_rate_per_s, b.consume_rate_per_s),
        6 => eta_key(&a.catch_up).cmp(&eta_key(&b.catch_up)),
        7 => a.status.cmp(&b.status),
        9 => a.member_id.cmp(&b.member_id),
        _ => Ordering::Equal,
    };
    let tie = a.topic.cmp(&b.topic).then(a.partition.cmp(&b.partition));
    directed(ordering, sort.descending, tie)
}

/// Worst health first when sorted descending: offline beats under-min-ISR
/// beats under-replicated.
pub fn health_severity(health: &PartitionHealth) -> u8 {
    if health.offline || health.unavailable {
        4
    } else if health.under_min_isr {
        3
    } else if health.under_replicated || health.has_offline_replicas {
        2
    } else if health.at_min_isr {
        1
    } else {
        0
    }
}

fn topic_severity(topic: &TopicEval) -> (usize, usize, usize, usize) {
    let h = &topic.health;
    (
        h.offline + h.unavailable,
        h.under_min_isr,
        h.under_replicated + h.with_offline_replicas,
        h.at_min_isr,
    )
}

pub fn compare_topics(a: &TopicEval, b: &TopicEval, sort: SortState) -> Ordering {
    let ordering = match sort.column {
        0 => a.name.cmp(&b.name),
        1 => a.partitions.len().cmp(&b.partitions.len()),
        2 => a.replication_factor.cmp(&b.replication_factor),
        3 => topic_severity(a).cmp(&topic_severity(b)),
        4 => by(a.produce_rate_per_s, b.produce_rate_per_s),
        _ => Ordering::Equal,
    };
    directed(ordering, sort.descending, a.name.cmp(&b.name))
}

pub fn compare_topic_partitions(
    a: &TopicPartitionEval,
    b: &TopicPartitionEval,
    sort: SortState,
) -> Ordering {
    let ordering = match sort.column {
        0 => a.partition.cmp(&b.partition),
        1 => a.leader.cmp(&b.leader),
        5 => a.log_start_offset.cmp(&b.log_start_offset),
        6 => a.log_end_offset.cmp(&b.log_end_offset),
        7 => health_severity(&a.health).cmp(&health_severity(&b.health)),
        _ => Ordering::Equal,
    };
    directed(ordering, sort.descending, a.partition.cmp(&b.partition))
}

pub fn compare_brokers(a: &BrokerEval, b: &BrokerEval, sort: SortState) -> Ordering {
    let ordering = match sort.column {
        0 => a.id.cmp(&b.id),
        1 => a.host.cmp(&b.host),
        2 => a.rack.cmp(&b.rack),
        3 => a.leader_count.cmp(&b.leader_count),
        4 => a.replica_count.cmp(&b.replica_count),
        _ => Ordering::Equal,
    };
    directed(ordering, sort.descending, a.id.cmp(&b.id))
}

/// The worst groups for the overview: status, then lag in time, then lag.
pub fn compare_worst(a: &GroupEval, b: &GroupEval) -> Ordering {
    b.status
        .cmp(&a.status)
        .then(
            b.max_time_lag
                .sort_key_ms()
                .cmp(&a.max_time_lag.sort_key_ms()),
        )
        .then(b.total_lag.cmp(&a.total_lag))
        .then(a.group_id.cmp(&b.group_id))
}

/// Case-insensitive substring match; `needle` is already lowercase.
pub fn matches(haystack: &str, needle: &str) -> bool {
    needle.is_empty() || haystack.to_lowercase().contains(needle)
}

/// Whether a group is worth listing among the worst: anything not OK, or
/// lagging at all.
pub fn is_interesting(group: &GroupEval) -> bool {
    group.status > Status::Ok || group.total_lag > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_sortable_skips_fixed_columns_and_wraps() {
        // Groups: column 6 (Trend) is fixed, so 5 wraps to 0.
        assert_eq!(TableKind::Groups.next_sortable(5), Some(0));
        assert_eq!(TableKind::Groups.next_sortable(0), Some(1));
        // TopicPartitions: 1 (Leader) → 5 (Start), skipping three fixed.
        assert_eq!(TableKind::TopicPartitions.next_sortable(1), Some(5));
        assert_eq!(TableKind::WorstGroups.next_sortable(0), None);
    }

    #[test]
    fn default_sorts_point_at_sortable_columns() {
        for kind in [
            TableKind::Groups,
            TableKind::GroupPartitions,
            TableKind::Topics,
            TableKind::TopicPartitions,
            TableKind::Brokers,
        ] {
            let sort = kind.default_sort();
            assert!(kind.columns()[sort.column].sortable, "{kind:?}");
        }
    }

    #[test]
    fn severity_orders_offline_above_under_replicated() {
        let offline = PartitionHealth {
            offline: true,
            unavailable: true,
            under_min_isr: true,
            ..PartitionHealth::default()
        };
        let urp = PartitionHealth {
            under_replicated: true,
            ..PartitionHealth::default()
        };
        assert!(health_severity(&offline) > health_severity(&urp));
        assert!(health_severity(&urp) > health_severity(&PartitionHealth::default()));
    }

    #[test]
    fn filter_match_is_case_insensitive() {
        assert!(matches("Payments-EU", "eu"));
        assert!(matches("anything", ""));
        assert!(!matches("orders", "pay"));
    }
}
