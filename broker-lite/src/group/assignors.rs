//! The server-side assignors of consumer-protocol groups (KIP-848):
//! `uniform` and `range`, the two Kafka 4.x ships
//! (`group.consumer.assignors`, `uniform` first and so the default).
//!
//! Both are pure functions from the members' subscriptions, the
//! partition counts of the subscribed topics and the previous target
//! assignment to the next target assignment.

use std::collections::{BTreeMap, BTreeSet};

/// Partitions by topic name.
pub(crate) type Assignment = BTreeMap<String, BTreeSet<i32>>;

/// The assignor names broker-lite serves, the default first.
pub(crate) const ASSIGNORS: &[&str] = &[UNIFORM, RANGE];
pub(crate) const UNIFORM: &str = "uniform";
pub(crate) const RANGE: &str = "range";

/// One member as an assignor sees it.
#[derive(Debug, Clone)]
pub(crate) struct AssignorMember<'a> {
    pub member_id: &'a str,
    /// The topics it subscribes to that exist.
    pub topics: BTreeSet<String>,
    /// Its previous target, which `uniform` keeps where it can.
    pub previous: &'a Assignment,
}

/// Runs the named assignor; `None` for a name that is not served.
pub(crate) fn assign(
    name: &str,
    members: &[AssignorMember<'_>],
    partition_counts: &BTreeMap<String, i32>,
) -> Option<BTreeMap<String, Assignment>> {
    match name {
        UNIFORM => Some(uniform(members, partition_counts)),
        RANGE => Some(range(members, partition_counts)),
        _ => None,
    }
}

/// Kafka's `range`: per topic, the subscribed members sorted by member id
/// each get a contiguous range, the first `partitions % members` one more.
/// Co-partitioned topics thus land together.
fn range(
    members: &[AssignorMember<'_>],
    partition_counts: &BTreeMap<String, i32>,
) -> BTreeMap<String, Assignment> {
    let mut result: BTreeMap<String, Assignment> = members
        .iter()
        .map(|m| (m.member_id.to_owned(), Assignment::new()))
        .collect();
    for (topic, &count) in partition_counts {
        let mut subscribed: Vec<&str> = members
            .iter()
            .filter(|m| m.topics.contains(topic))
            .map(|m| m.member_id)
            .collect();
        if subscribed.is_empty() || count <= 0 {
            continue;
        }
        subscribed.sort_unstable();
        let n = subscribed.len() as i32;
        let (per_member, extra) = (count / n, count % n);
        let mut next = 0;
        for (i, member) in subscribed.iter().enumerate() {
            let take = per_member + i32::from((i as i32) < extra);
            if take == 0 {
                continue;
            }
            if let Some(assignment) = result.get_mut(*member) {
                assignment
                    .entry(topic.clone())
                    .or_default()
                    .extend(next..next + take);
            }
            next += take;
        }
    }
    result
}

/// Kafka's `uniform`: as balanced as the subscriptions allow, and sticky —
/// a partition stays with its previous member unless balance needs it
/// elsewhere, so a rebalance moves as few partitions as it can.
///
/// Three passes: keep each member's previous partitions that it still
/// subscribes to, up to its fair share; give every unowned partition to
/// the eligible member with the fewest; then move partitions from the
/// fullest to the emptiest eligible member while that narrows the gap by
/// more than one (the heterogeneous case, where shares differ).
fn uniform(
    members: &[AssignorMember<'_>],
    partition_counts: &BTreeMap<String, i32>,
) -> BTreeMap<String, Assignment> {
    let mut owned: BTreeMap<&str, BTreeSet<(String, i32)>> = members
        .iter()
        .map(|m| (m.member_id, BTreeSet::new()))
        .collect();
    let partitions: Vec<(String, i32)> = partition_counts
        .iter()
        .filter(|(topic, _)| members.iter().any(|m| m.topics.contains(*topic)))
        .flat_map(|(topic, &count)| (0..count).map(move |p| (topic.clone(), p)))
        .collect();
    if members.is_empty() {
        return BTreeMap::new();
    }
    let fair_share = partitions.len().div_ceil(members.len());
    let mut taken: BTreeSet<(String, i32)> = BTreeSet::new();
    for member in members {
        let Some(mine) = owned.get_mut(member.member_id) else {
            continue;
        };
        for (topic, previous) in member.previous {
            if !member.topics.contains(topic) {
                continue;
            }
            let count = partition_counts.get(topic).copied().unwrap_or(0);
            for &p in previous {
                let tp = (topic.clone(), p);
                if p < count && mine.len() < fair_share && !taken.contains(&tp) {
                    taken.insert(tp.clone());
                    mine.insert(tp);
                }
            }
        }
    }
    let eligible = |topic: &str| -> Vec<&str> {
        members
            .iter()
            .filter(|m| m.topics.contains(topic))
            .map(|m| m.member_id)
            .collect()
    };
    for tp in &partitions {
        if taken.contains(tp) {
            continue;
        }
        let least = eligible(&tp.0)
            .into_iter()
            .min_by_key(|id| (owned.get(id).map_or(0, BTreeSet::len), *id));
        if let Some(id) = least
            && let Some(mine) = owned.get_mut(id)
        {
            mine.insert(tp.clone());
        }
    }
    // Balance: each move takes a partition the receiver may own from the
    // member with the most; it ends because every move narrows the spread.
    let mut moves_left = partitions.len() * members.len();
    while moves_left > 0 {
        moves_left -= 1;
        let mut best: Option<(&str, &str, (String, i32))> = None;
        let mut by_load: Vec<(&str, usize)> = owned.iter().map(|(id, s)| (*id, s.len())).collect();
        by_load.sort_by_key(|&(id, n)| (std::cmp::Reverse(n), id));
        'outer: for &(giver, giver_load) in &by_load {
            for &(receiver, receiver_load) in by_load.iter().rev() {
                if receiver_load + 1 >= giver_load {
                    break;
                }
                let Some(receiver_topics) = members
                    .iter()
                    .find(|m| m.member_id == receiver)
                    .map(|m| &m.topics)
                else {
                    continue;
                };
                let movable = owned
                    .get(giver)
                    .and_then(|s| s.iter().rev().find(|(t, _)| receiver_topics.contains(t)));
                if let Some(tp) = movable {
                    best = Some((giver, receiver, tp.clone()));
                    break 'outer;
                }
            }
        }
        let Some((giver, receiver, tp)) = best else {
            break;
        };
        if let Some(s) = owned.get_mut(giver) {
            s.remove(&tp);
        }
        if let Some(s) = owned.get_mut(receiver) {
            s.insert(tp);
        }
    }
    owned
        .into_iter()
        .map(|(id, partitions)| {
            let mut assignment = Assignment::new();
            for (topic, p) in partitions {
                assignment.entry(topic).or_default().insert(p);
            }
            (id.to_owned(), assignment)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn member<'a>(id: &'a str, topics: &[&str], previous: &'a Assignment) -> AssignorMember<'a> {
        AssignorMember {
            member_id: id,
            topics: topics.iter().map(|t| (*t).to_owned()).collect(),
            previous,
        }
    }

    fn counts(items: &[(&str, i32)]) -> BTreeMap<String, i32> {
        items.iter().map(|(t, n)| ((*t).to_owned(), *n)).collect()
    }

    fn sizes(result: &BTreeMap<String, Assignment>) -> Vec<usize> {
        result
            .values()
            .map(|a| a.values().map(BTreeSet::len).sum())
            .collect()
    }

    #[test]
    fn range_gives_contiguous_ranges_with_the_remainder_first() {
        let none = Assignment::new();
        let members = [
            member("b", &["t"], &none),
            member("a", &["t"], &none),
            member("c", &["t"], &none),
        ];
        let result = range(&members, &counts(&[("t", 8)]));
        assert_eq!(result["a"]["t"], (0..3).collect());
        assert_eq!(result["b"]["t"], (3..6).collect());
        assert_eq!(result["c"]["t"], (6..8).collect());
    }

    #[test]
    fn uniform_keeps_partitions_where_they_were_when_a_member_joins() {
        let none = Assignment::new();
        let first = uniform(
            &[
                member("a", &["t"], &none),
                member("b", &["t"], &none),
                member("c", &["t"], &none),
            ],
            &counts(&[("t", 8)]),
        );
        assert_eq!(sizes(&first), vec![3, 3, 2]);
        let second = uniform(
            &[
                member("a", &["t"], &first["a"]),
                member("b", &["t"], &first["b"]),
                member("c", &["t"], &first["c"]),
                member("d", &["t"], &none),
            ],
            &counts(&[("t", 8)]),
        );
        assert_eq!(sizes(&second), vec![2, 2, 2, 2]);
        for id in ["a", "b", "c"] {
            assert!(
                second[id]["t"].is_subset(&first[id]["t"]),
                "{id} only lost partitions"
            );
        }
    }

    proptest! {
        /// Every subscribed partition is assigned exactly once, to a member
        /// that subscribes to its topic; with one shared subscription the
        /// loads differ by at most one.
        #[test]
        fn uniform_and_range_assign_every_partition_once(
            member_count in 1usize..6,
            topic_partitions in proptest::collection::vec(0i32..10, 1..4),
            heterogeneous in any::<bool>(),
        ) {
            let topics: Vec<String> = (0..topic_partitions.len()).map(|i| format!("t{i}")).collect();
            let partition_counts: BTreeMap<String, i32> =
                topics.iter().cloned().zip(topic_partitions.iter().copied()).collect();
            let none = Assignment::new();
            let ids: Vec<String> = (0..member_count).map(|i| format!("m{i}")).collect();
            let members: Vec<AssignorMember<'_>> = ids
                .iter()
                .enumerate()
                .map(|(i, id)| AssignorMember {
                    member_id: id,
                    topics: if heterogeneous {
                        topics.iter().skip(i % topics.len()).cloned().collect()
                    } else {
                        topics.iter().cloned().collect()
                    },
                    previous: &none,
                })
                .collect();
            for name in ASSIGNORS {
                let result = assign(name, &members, &partition_counts).unwrap();
                let mut seen = BTreeSet::new();
                for (id, assignment) in &result {
                    let m = members.iter().find(|m| m.member_id == id).unwrap();
                    for (topic, partitions) in assignment {
                        prop_assert!(m.topics.contains(topic));
                        for p in partitions {
                            prop_assert!(seen.insert((topic.clone(), *p)));
                        }
                    }
                }
                let subscribed: usize = partition_counts
                    .iter()
                    .filter(|(t, _)| members.iter().any(|m| m.topics.contains(*t)))
                    .map(|(_, n)| *n as usize)
                    .sum();
                prop_assert_eq!(seen.len(), subscribed);
                if !heterogeneous && *name == UNIFORM {
                    let loads = sizes(&result);
                    let spread = loads.iter().max().unwrap() - loads.iter().min().unwrap();
                    prop_assert!(spread <= 1, "loads {:?}", loads);
                }
            }
        }
    }
}
