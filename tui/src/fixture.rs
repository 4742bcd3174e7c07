//! Deterministic snapshots for tests, benchmarks and offline demos.
//!
//! [`scenario`] is a small cluster in trouble, stepped through time: every
//! health flag and every group status the dashboard can show appears in it.
//! [`synthetic`] scales to any size for the refresh benchmark.
//! [`records`] are what the Messages screen's reader would send.

use bytes::Bytes;

use crate::messages::BrowsedRecord;
use crate::model::{
    Broker, BrokerId, Cluster, Group, GroupOffset, GroupState, Member, PartitionState, Snapshot,
    Topic, TopicPartition,
};

/// Capture time of step 0: a fixed instant, so renders are reproducible.
pub const EPOCH_MS: i64 = 1_700_000_000_000;
/// Time between scenario steps, as a poller's refresh interval would be.
pub const STEP_MS: i64 = 10_000;
/// Steps after which every group in [`scenario`] shows its intended status.
pub const SCENARIO_STEPS: usize = 8;

fn brokers() -> Vec<Broker> {
    (1..=3)
        .map(|id| Broker {
            id,
            host: format!("kafka-{id}.kctl.test"),
            port: 9092,
            rack: Some(format!("eu-west-1{}", ['a', 'b', 'c'][(id - 1) as usize])),
        })
        .collect()
}

/// Per-partition production rate, varied so partitions differ.
fn produce_per_s(topic: &str, partition: i32) -> i64 {
    match topic {
        "orders" => 100 + i64::from(partition) * 10,
        "events" => 100,
        "payments" => 20,
        _ => 0,
    }
}

fn leo_at(topic: &str, partition: i32, step: usize) -> i64 {
    let base = match topic {
        "events" => 100_000,
        "idle" => 500,
        _ => 10_000,
    };
    base + produce_per_s(topic, partition) * (step as i64) * STEP_MS / 1_000
}

fn partition(
    topic: &str,
    partition: i32,
    step: usize,
    leader: Option<BrokerId>,
    replicas: &[BrokerId],
) -> PartitionState {
    PartitionState {
        partition,
        leader,
        replicas: replicas.to_vec(),
        isr: replicas.to_vec(),
        offline_replicas: vec![],
        adding_replicas: vec![],
        log_start_offset: Some(0),
        log_end_offset: Some(leo_at(topic, partition, step)),
    }
}

fn scenario_topics(step: usize) -> Vec<Topic> {
    let rotate = |p: i32| -> Vec<BrokerId> { (0..3).map(|i| (p + i).rem_euclid(3) + 1).collect() };

    let orders = (0..6)
        .map(|p| {
            let replicas = rotate(p);
            let mut state = partition("orders", p, step, Some(replicas[0]), &replicas);
            if p == 1 {
                // ISR shrank to min ISR: under-replicated and at min ISR.
                state.isr.truncate(2);
            }
            state
        })
        .collect();

    let payments = (0..3)
        .map(|p| {
            let replicas = rotate(p);
            let mut state = partition("payments", p, step, Some(replicas[0]), &replicas);
            match p {
                0 => state.isr.truncate(1),
                2 => {
                    state.leader = None;
                    state.replicas = vec![4, 2, 3];
                    state.isr = vec![4];
                    state.offline_replicas = vec![4];
                    state.log_end_offset = None;
                    state.log_start_offset = None;
                }
                _ => {}
            }
            state
        })
        .collect();

    let events = (0..4)
        .map(|p| {
            let mut state = partition(
                "events",
                p,
                step,
                Some(1 + p % 3),
                &[1 + p % 3, 1 + (p + 1) % 3],
            );
            if p == 0 {
                state.log_start_offset = Some(50_000);
            }
            if p == 3 {
                state.replicas = vec![1, 4];
                state.isr = vec![1];
                state.offline_replicas = vec![4];
            }
            state
        })
        .collect();

    let offsets = (0..3)
        .map(|p| partition("__consumer_offsets", p, step, Some(p + 1), &rotate(p)))
        .collect();

    let idle = (0..2)
        .map(|p| partition("idle", p, step, Some(2), &[2]))
        .collect();

    vec![
        Topic {
            name: "orders".into(),
            internal: false,
            min_insync_replicas: Some(2),
            partitions: orders,
        },
        Topic {
            name: "payments".into(),
            internal: false,
            min_insync_replicas: Some(2),
            partitions: payments,
        },
        Topic {
            name: "events".into(),
            internal: false,
            min_insync_replicas: Some(1),
            partitions: events,
        },
        Topic {
            name: "__consumer_offsets".into(),
            internal: true,
            min_insync_replicas: Some(2),
            partitions: offsets,
        },
        Topic {
            name: "idle".into(),
            internal: false,
            min_insync_replicas: Some(1),
            partitions: idle,
        },
    ]
}

fn members(group: &str, count: usize, assignment: &[TopicPartition]) -> Vec<Member> {
    (0..count)
        .map(|i| Member {
            member_id: format!("{group}-{i}-5f1c"),
            client_id: format!("{group}-{i}"),
            host: format!("/10.0.0.{}", 10 + i),
            assignment: assignment.iter().skip(i).step_by(count).cloned().collect(),
        })
        .collect()
}

fn offset(topic: &str, partition: i32, committed: Option<i64>) -> GroupOffset {
    GroupOffset {
        topic: topic.into(),
        partition,
        committed_offset: committed,
        commit_timestamp_ms: None,
        committed_record_timestamp_ms: None,
        share: None,
    }
}

fn group(id: &str, state: GroupState, member_count: usize, offsets: Vec<GroupOffset>) -> Group {
    let assignment: Vec<TopicPartition> = offsets
        .iter()
        .map(|o| TopicPartition::new(o.topic.clone(), o.partition))
        .collect();
    // "analytics" runs KIP-848's consumer protocol, the others classic.
    let consumer_protocol = id == "analytics";
    Group {
        group_id: id.into(),
        state,
        group_type: if consumer_protocol {
            "consumer"
        } else {
            "classic"
        }
        .into(),
        protocol: if member_count == 0 {
            String::new()
        } else if consumer_protocol {
            "uniform".into()
        } else {
            "cooperative-sticky".into()
        },
        members: members(id, member_count, &assignment),
        offsets,
    }
}

fn scenario_groups(step: usize) -> Vec<Group> {
    let s = step as i64;
    // Keeps up: caught up on even steps, 5 behind on odd ones.
    let billing = (0..6)
        .map(|p| offset("orders", p, Some(leo_at("orders", p, step) - 5 * (s % 2))))
        .collect();
    // Moves, but slower than the producer: lag grows every step (WARN).
    let analytics = (0..6)
        .map(|p| offset("orders", p, Some(leo_at("orders", p, step) - 50 - 200 * s)))
        .chain((0..4).map(|p| offset("events", p, Some(leo_at("events", p, step) - 10 - 100 * s))))
        .collect();
    // Far behind and slow, then stopped committing after step 2 while the
    // producer went on (STOP). Its offsets stay below every LEO in the
    // window, so the broker ring never shows it caught up.
    let audit = (0..3)
        .map(|p| {
            let committed = leo_at("orders", p, 0) - 3_000 + 100 * s.min(2);
            offset("orders", p, Some(committed))
        })
        .collect();
    // Assigned, never committed.
    let fresh = vec![offset("orders", 0, None)];
    // Replaying from far back: older than the time window, fast.
    let replay = (0..2)
        .map(|p| {
            let mut o = offset("events", p, Some(1_000 + 5_000 * s + i64::from(p)));
            if p == 1 {
                // The poller fetched the record at the committed offset.
                o.committed_record_timestamp_ms = Some(EPOCH_MS - 3 * 3_600_000);
            }
            o
        })
        .collect();

    vec![
        group("billing", GroupState::Stable, 2, billing),
        group("analytics", GroupState::Stable, 3, analytics),
        group("audit", GroupState::Stable, 1, audit),
        group("fresh", GroupState::Empty, 0, fresh),
        group("replay", GroupState::PreparingRebalance, 1, replay),
    ]
}

/// The scenario cluster at `step` (capture time `EPOCH_MS + step·STEP_MS`).
pub fn scenario(step: usize) -> Snapshot {
    Snapshot {
        captured_at_ms: EPOCH_MS + step as i64 * STEP_MS,
        cluster: Cluster {
            id: Some("kctl-demo-cluster".into()),
            controller: Some(1),
            brokers: brokers(),
        },
        topics: scenario_topics(step),
        groups: scenario_groups(step),
    }
}

/// Size of a [`synthetic`] cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub topics: usize,
    pub partitions_per_topic: usize,
    pub groups: usize,
    pub partitions_per_group: usize,
}

/// A healthy-looking cluster of `size` at `step`, with a few lagging groups
/// and a few degraded partitions so every code path is exercised.
pub fn synthetic(size: Size, step: usize) -> Snapshot {
    let s = step as i64;
    let all: Vec<(String, i32)> = (0..size.topics)
        .flat_map(|t| {
            (0..size.partitions_per_topic).map(move |p| (format!("topic-{t:03}"), p as i32))
        })
        .collect();
    let topics = (0..size.topics)
        .map(|t| {
            let name = format!("topic-{t:03}");
            let partitions = (0..size.partitions_per_topic)
                .map(|p| {
                    let p = p as i32;
                    let replicas: Vec<BrokerId> = (0..3)
                        .map(|i| (p + t as i32 + i).rem_euclid(3) + 1)
                        .collect();
                    let rate = 10 + (t as i64 * 7 + i64::from(p)) % 90;
                    let mut isr = replicas.clone();
                    if (t * 31 + p as usize).is_multiple_of(97) {
                        isr.truncate(1);
                    }
                    PartitionState {
                        partition: p,
                        leader: Some(replicas[0]),
                        replicas,
                        isr,
                        offline_replicas: vec![],
                        adding_replicas: vec![],
                        log_start_offset: Some(0),
                        log_end_offset: Some(1_000_000 + rate * s * STEP_MS / 1_000),
                    }
                })
                .collect();
            Topic {
                name,
                internal: false,
                min_insync_replicas: Some(2),
                partitions,
            }
        })
        .collect::<Vec<_>>();

    let groups = (0..size.groups)
        .map(|g| {
            let offsets = (0..size.partitions_per_group)
                .map(|i| {
                    let (topic, partition) = &all[(g * size.partitions_per_group + i) % all.len()];
                    let t: i64 = topic[6..].parse().unwrap_or(0);
                    let rate = 10 + (t * 7 + i64::from(*partition)) % 90;
                    let leo = 1_000_000 + rate * s * STEP_MS / 1_000;
                    // Every fifth group falls behind by a growing margin.
                    let behind = if g.is_multiple_of(5) {
                        100 + 50 * s
                    } else {
                        s % 2
                    };
                    offset(topic, *partition, Some(leo - behind))
                })
                .collect();
            group(
                &format!("group-{g:02}"),
                GroupState::Stable,
                1 + g % 4,
                offsets,
            )
        })
        .collect();

    Snapshot {
        captured_at_ms: EPOCH_MS + s * STEP_MS,
        cluster: Cluster {
            id: Some("synthetic".into()),
            controller: Some(1),
            brokers: brokers(),
        },
        topics,
        groups,
    }
}

/// `count` records of `orders` spread over `partitions`, one a
/// millisecond from [`EPOCH_MS`]: mostly JSON orders keyed by customer,
/// with a plain-text value every 5th, a binary one every 7th, a null key
/// every 11th and a trace header on each.
pub fn records(count: usize, partitions: i32) -> Vec<BrowsedRecord> {
    (0..count)
        .map(|i| {
            let n = i as i64;
            let partitions = i64::from(partitions.max(1));
            let value = if i % 7 == 6 {
                Bytes::from(vec![0x00, 0x01, 0xfe, 0xff, b'K', b'c', (i % 256) as u8])
            } else if i % 5 == 4 {
                Bytes::from(format!("plain text order note {i}"))
            } else {
                Bytes::from(format!(
                    r#"{{"order_id":{n},"customer":"c-{}","amount_cents":{},"items":["book","pen"],"gift":{}}}"#,
                    n % 97,
                    n * 37 % 10_000,
                    i % 2 == 0
                ))
            };
            BrowsedRecord {
                partition: (n % partitions) as i32,
                offset: n / partitions,
                timestamp_ms: EPOCH_MS + n,
                key: (i % 11 != 10).then(|| Bytes::from(format!("c-{}", n % 97))),
                value: Some(value),
                headers: vec![(
                    Bytes::from_static(b"trace-id"),
                    Some(Bytes::from(format!("{:016x}", n * 7_919))),
                )],
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_has_the_requested_size() {
        let snap = synthetic(
            Size {
                topics: 10,
                partitions_per_topic: 100,
                groups: 50,
                partitions_per_group: 20,
            },
            3,
        );
        let partitions: usize = snap.topics.iter().map(|t| t.partitions.len()).sum();
        assert_eq!(partitions, 1_000);
        assert_eq!(snap.groups.len(), 50);
        assert!(snap.groups.iter().all(|g| g.offsets.len() == 20));
    }

    #[test]
    fn scenario_steps_advance_time_and_offsets() {
        let a = scenario(0);
        let b = scenario(1);
        assert_eq!(b.captured_at_ms - a.captured_at_ms, STEP_MS);
        assert!(
            b.topics[0].partitions[0].log_end_offset > a.topics[0].partitions[0].log_end_offset
        );
    }
}
