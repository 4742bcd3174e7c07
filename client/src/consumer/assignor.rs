//! The partition assignors a group leader runs: range, roundrobin and
//! cooperative-sticky, with the names and algorithms of Java and
//! librdkafka, so that a group mixing those clients and this one agrees on
//! who reads what whichever member leads.

use std::collections::{BTreeMap, BTreeSet};

use super::TopicPartition;

/// An assignor, as named in `partition.assignment.strategy` and on the
/// wire (the JoinGroup protocol name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Assignor {
    /// `range`: per topic, each member gets a contiguous run of partitions
    /// (Java's default before 3.x, with `cooperative-sticky` after it).
    Range,
    /// `roundrobin`: every subscribed partition in turn across members.
    RoundRobin,
    /// KIP-429: incremental rebalancing. A member keeps what it owns while
    /// the group rebalances and gives up only the partitions that move.
    CooperativeSticky,
}

impl Assignor {
    /// The protocol name Java and librdkafka use.
    pub fn name(self) -> &'static str {
        match self {
            Self::Range => "range",
            Self::RoundRobin => "roundrobin",
            Self::CooperativeSticky => "cooperative-sticky",
        }
    }

    /// The assignor for a `partition.assignment.strategy` entry: the protocol
    /// name or Java's class name. `None` for anything else.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim() {
            "range" | "org.apache.kafka.clients.consumer.RangeAssignor" => Some(Self::Range),
            "roundrobin" | "org.apache.kafka.clients.consumer.RoundRobinAssignor" => {
                Some(Self::RoundRobin)
            }
            "cooperative-sticky"
            | "org.apache.kafka.clients.consumer.CooperativeStickyAssignor" => {
                Some(Self::CooperativeSticky)
            }
            _ => None,
        }
    }

    pub(crate) fn is_cooperative(self) -> bool {
        self == Self::CooperativeSticky
    }

    /// Each member's partitions. Every member appears in the result, with
    /// an empty list if it gets nothing.
    pub(crate) fn assign(
        self,
        members: &[MemberSubscription],
        partition_counts: &BTreeMap<String, i32>,
    ) -> BTreeMap<String, Vec<TopicPartition>> {
        let mut out = match self {
            Self::Range => range(members, partition_counts),
            Self::RoundRobin => round_robin(members, partition_counts),
            Self::CooperativeSticky => cooperative_sticky(members, partition_counts),
        };
        for m in members {
            out.entry(m.member_id.clone()).or_default();
        }
        for partitions in out.values_mut() {
            partitions.sort();
        }
        out
    }
}

/// What the leader knows of one member from its JoinGroup metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MemberSubscription {
    pub(crate) member_id: String,
    pub(crate) topics: BTreeSet<String>,
    /// Partitions the member says it owns (subscription v1+), for sticky
    /// assignors.
    pub(crate) owned: Vec<TopicPartition>,
    /// The generation the member's `owned` belongs to (v2+), −1 if unknown.
    pub(crate) generation: i32,
}

fn sorted_members(members: &[MemberSubscription]) -> Vec<&MemberSubscription> {
    let mut sorted: Vec<&MemberSubscription> = members.iter().collect();
    sorted.sort_by(|a, b| a.member_id.cmp(&b.member_id));
    sorted
}

/// Per topic, the subscribed members sorted by id each take a contiguous
/// range; the first `count % members` take one more.
fn range(
    members: &[MemberSubscription],
    partition_counts: &BTreeMap<String, i32>,
) -> BTreeMap<String, Vec<TopicPartition>> {
    let mut out: BTreeMap<String, Vec<TopicPartition>> = BTreeMap::new();
    let sorted = sorted_members(members);
    for (topic, &count) in partition_counts {
        let consumers: Vec<&&MemberSubscription> =
            sorted.iter().filter(|m| m.topics.contains(topic)).collect();
        if consumers.is_empty() || count <= 0 {
            continue;
        }
        let n = consumers.len() as i32;
        let per = count / n;
        let extra = count % n;
        for (i, m) in consumers.iter().enumerate() {
            let i = i as i32;
            let start = per * i + i.min(extra);
            let len = per + i32::from(i < extra);
            out.entry(m.member_id.clone())
                .or_default()
                .extend((start..start + len).map(|p| TopicPartition::new(topic, p)));
        }
    }
    out
}

/// Every partition of every subscribed topic, sorted by topic and
/// partition, dealt to the members sorted by id in turn, skipping members
/// not subscribed to the partition's topic.
fn round_robin(
    members: &[MemberSubscription],
    partition_counts: &BTreeMap<String, i32>,
) -> BTreeMap<String, Vec<TopicPartition>> {
    let mut out: BTreeMap<String, Vec<TopicPartition>> = BTreeMap::new();
    let sorted = sorted_members(members);
    if sorted.is_empty() {
        return out;
    }
    let mut next = 0usize;
    for (topic, &count) in partition_counts {
        if !sorted.iter().any(|m| m.topics.contains(topic)) {
            continue;
        }
        for p in 0..count {
            while !sorted[next % sorted.len()].topics.contains(topic) {
                next += 1;
            }
            out.entry(sorted[next % sorted.len()].member_id.clone())
                .or_default()
                .push(TopicPartition::new(topic, p));
            next += 1;
        }
    }
    out
}

/// The target assignment is balanced (no partition can move to an eligible
/// member holding at least two fewer) and sticky (partitions stay with
/// their owner unless balance needs them elsewhere). Cooperatively, a
/// partition moving away from its current owner is left out of this round:
/// the owner revokes it and rejoins, and the next round hands it out.
fn cooperative_sticky(
    members: &[MemberSubscription],
    partition_counts: &BTreeMap<String, i32>,
) -> BTreeMap<String, Vec<TopicPartition>> {
    let target = sticky_target(members, partition_counts);
    let mut previous_owner: BTreeMap<&TopicPartition, &str> = BTreeMap::new();
    for m in claims_by_generation(members) {
        for tp in &m.owned {
            previous_owner.entry(tp).or_insert(&m.member_id);
        }
    }
    target
        .into_iter()
        .map(|(member, partitions)| {
            let kept = partitions
                .into_iter()
                .filter(|tp| previous_owner.get(tp).is_none_or(|owner| *owner == member))
                .collect();
            (member, kept)
        })
        .collect()
}

/// Members ordered by the generation of their claims, newest first, so
/// that when two claim one partition the one with the newer view wins.
fn claims_by_generation(members: &[MemberSubscription]) -> Vec<&MemberSubscription> {
    let mut by_generation: Vec<&MemberSubscription> = members.iter().collect();
    by_generation.sort_by(|a, b| {
        b.generation
            .cmp(&a.generation)
            .then(a.member_id.cmp(&b.member_id))
    });
    by_generation
}

#[allow(
    clippy::expect_used,
    reason = "`held` has an entry for every member from the start"
)]
fn sticky_target(
    members: &[MemberSubscription],
    partition_counts: &BTreeMap<String, i32>,
) -> BTreeMap<String, Vec<TopicPartition>> {
    let exists = |tp: &TopicPartition| {
        partition_counts
            .get(&*tp.topic)
            .is_some_and(|&n| tp.partition >= 0 && tp.partition < n)
    };
    let mut owner: BTreeMap<TopicPartition, String> = BTreeMap::new();
    let mut held: BTreeMap<String, BTreeSet<TopicPartition>> = members
        .iter()
        .map(|m| (m.member_id.clone(), BTreeSet::new()))
        .collect();
    // Keep what each member validly owns.
    for m in claims_by_generation(members) {
        for tp in &m.owned {
            if exists(tp) && m.topics.contains(&*tp.topic) && !owner.contains_key(tp) {
                owner.insert(tp.clone(), m.member_id.clone());
                held.get_mut(&m.member_id)
                    .expect("member")
                    .insert(tp.clone());
            }
        }
    }
    let subscribed = |member: &str, topic: &str| {
        members
            .iter()
            .any(|m| m.member_id == member && m.topics.contains(topic))
    };
    // Unowned partitions go, one at a time, to the least loaded eligible
    // member (ties to the smallest member id, for determinism).
    for (topic, &count) in partition_counts {
        for p in 0..count {
            let tp = TopicPartition::new(topic, p);
            if owner.contains_key(&tp) {
                continue;
            }
            let Some(to) = held
                .iter()
                .filter(|(m, _)| subscribed(m, topic))
                .min_by_key(|(m, h)| (h.len(), (*m).clone()))
                .map(|(m, _)| m.clone())
            else {
                continue;
            };
            held.get_mut(&to).expect("member").insert(tp.clone());
            owner.insert(tp, to);
        }
    }
    // Move partitions from the most to the least loaded until no eligible
    // move would narrow a gap of two or more.
    loop {
        let mut moved = false;
        let mut by_load: Vec<(String, usize)> =
            held.iter().map(|(m, h)| (m.clone(), h.len())).collect();
        by_load.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        'search: for (from, from_len) in &by_load {
            let candidates: Vec<TopicPartition> = held[from].iter().rev().cloned().collect();
            for tp in candidates {
                let to = held
                    .iter()
                    .filter(|(m, h)| {
                        *m != from && h.len() + 1 < *from_len && subscribed(m, &tp.topic)
                    })
                    .min_by_key(|(m, h)| (h.len(), (*m).clone()))
                    .map(|(m, _)| m.clone());
                if let Some(to) = to {
                    held.get_mut(from).expect("member").remove(&tp);
                    held.get_mut(&to).expect("member").insert(tp.clone());
                    owner.insert(tp, to);
                    moved = true;
                    break 'search;
                }
            }
        }
        if !moved {
            break;
        }
    }
    held.into_iter()
        .map(|(m, h)| (m, h.into_iter().collect()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, topics: &[&str], owned: &[(&str, i32)]) -> MemberSubscription {
        MemberSubscription {
            member_id: id.to_owned(),
            topics: topics.iter().map(|t| (*t).to_owned()).collect(),
            owned: owned
                .iter()
                .map(|(t, p)| TopicPartition::new(t, *p))
                .collect(),
            generation: 1,
        }
    }

    fn counts(pairs: &[(&str, i32)]) -> BTreeMap<String, i32> {
        pairs.iter().map(|(t, n)| ((*t).to_owned(), *n)).collect()
    }

    fn ids(assignment: &[TopicPartition]) -> Vec<String> {
        assignment.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn range_matches_java_per_topic_with_the_first_members_taking_the_extra() {
        // Java's RangeAssignor javadoc example: C0 and C1, t0 and t1 with 3
        // partitions each.
        let members = [
            member("C1", &["t0", "t1"], &[]),
            member("C0", &["t0", "t1"], &[]),
        ];
        let out = Assignor::Range.assign(&members, &counts(&[("t0", 3), ("t1", 3)]));
        assert_eq!(ids(&out["C0"]), ["t0-0", "t0-1", "t1-0", "t1-1"]);
        assert_eq!(ids(&out["C1"]), ["t0-2", "t1-2"]);
    }

    #[test]
    fn roundrobin_matches_java_including_uneven_subscriptions() {
        // Java's RoundRobinAssignor javadoc: C0 [t0], C1 [t0, t1], C2 [t0, t1, t2],
        // t0 has 1 partition, t1 2, t2 3.
        let members = [
            member("C0", &["t0"], &[]),
            member("C1", &["t0", "t1"], &[]),
            member("C2", &["t0", "t1", "t2"], &[]),
        ];
        let out =
            Assignor::RoundRobin.assign(&members, &counts(&[("t0", 1), ("t1", 2), ("t2", 3)]));
        assert_eq!(ids(&out["C0"]), ["t0-0"]);
        assert_eq!(ids(&out["C1"]), ["t1-0"]);
        assert_eq!(ids(&out["C2"]), ["t1-1", "t2-0", "t2-1", "t2-2"]);
    }

    #[test]
    fn cooperative_sticky_keeps_owned_partitions_and_withholds_moving_ones() {
        let t = counts(&[("t", 8)]);
        let first = Assignor::CooperativeSticky
            .assign(&[member("a", &["t"], &[]), member("b", &["t"], &[])], &t);
        assert_eq!((first["a"].len(), first["b"].len()), (4, 4));
        let owned = |id: &str| -> Vec<(&str, i32)> {
            first[id].iter().map(|tp| ("t", tp.partition)).collect()
        };
        let (a_owned, b_owned) = (owned("a"), owned("b"));
        let joined = [
            member("a", &["t"], &a_owned),
            member("b", &["t"], &b_owned),
            member("c", &["t"], &[]),
        ];
        let second = Assignor::CooperativeSticky.assign(&joined, &t);
        // First round: the newcomer gets nothing (nothing is unowned); the
        // old members keep a subset of what they had.
        assert!(second["c"].is_empty());
        for id in ["a", "b"] {
            assert!(second[id].iter().all(|tp| first[id].contains(tp)));
        }
        let kept = second["a"].len() + second["b"].len();
        assert_eq!(kept, 6, "two partitions move to c");
        // Second round, after the revocation: the freed partitions go to c.
        let again = [
            member(
                "a",
                &["t"],
                &second["a"]
                    .iter()
                    .map(|tp| ("t", tp.partition))
                    .collect::<Vec<_>>(),
            ),
            member(
                "b",
                &["t"],
                &second["b"]
                    .iter()
                    .map(|tp| ("t", tp.partition))
                    .collect::<Vec<_>>(),
            ),
            member("c", &["t"], &[]),
        ];
        let third = Assignor::CooperativeSticky.assign(&again, &t);
        assert_eq!(third["a"], second["a"]);
        assert_eq!(third["b"], second["b"]);
        assert_eq!(third["c"].len(), 2);
        let all: BTreeSet<&TopicPartition> = third.values().flatten().collect();
        assert_eq!(all.len(), 8);
    }

    #[test]
    fn cooperative_sticky_balances_uneven_subscriptions() {
        let t = counts(&[("x", 4), ("y", 4)]);
        let out = Assignor::CooperativeSticky.assign(
            &[
                member(
                    "a",
                    &["x", "y"],
                    &[("x", 0), ("x", 1), ("x", 2), ("x", 3), ("y", 0)],
                ),
                member("b", &["y"], &[]),
            ],
            &t,
        );
        let target = sticky_target(
            &[
                member(
                    "a",
                    &["x", "y"],
                    &[("x", 0), ("x", 1), ("x", 2), ("x", 3), ("y", 0)],
                ),
                member("b", &["y"], &[]),
            ],
            &t,
        );
        assert_eq!((target["a"].len(), target["b"].len()), (4, 4));
        assert!(target["b"].iter().all(|tp| &*tp.topic == "y"));
        // y-0 moves from a to b, so it is withheld this round.
        assert!(!out["b"].contains(&TopicPartition::new("y", 0)));
        assert!(!out["a"].contains(&TopicPartition::new("y", 0)));
    }

    #[test]
    fn names_follow_java_and_librdkafka() {
        for a in [
            Assignor::Range,
            Assignor::RoundRobin,
            Assignor::CooperativeSticky,
        ] {
            assert_eq!(Assignor::from_name(a.name()), Some(a));
        }
        assert_eq!(Assignor::from_name("sticky"), None);
    }
}
