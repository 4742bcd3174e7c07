//! `kctl share` against broker-lite: the commands' output (insta), and three
//! kctl share consumers on one partition (every record accepted exactly
//! once, released records delivered again, rejected ones never).
//! KCTL_SHARE_RECORDS sets the count (default 3,000).

use std::collections::BTreeSet;

use crate::assert_run_snapshot;
use crate::support::Broker;

/// Offset and delivery count of each `share consume -o json` line.
pub fn deliveries(stdout: &str) -> Vec<(i64, i64)> {
    stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            (
                v["offset"].as_i64().unwrap(),
                v["delivery_count"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn share_commands_show_plans_records_and_the_group() {
    let broker = Broker::start();
    broker
        .kctl(&["topic", "create", "jobs", "-p", "1"])
        .run()
        .success();
    let values: String = (0..10).map(|i| format!("job-{i}\n")).collect();
    broker
        .kctl(&["produce", "jobs"])
        .stdin(values.as_str())
        .run()
        .success();
    assert_run_snapshot!(
        "share_reset_offsets_dry_run",
        broker
            .kctl(&[
                "share",
                "reset-offsets",
                "workers",
                "--topic",
                "jobs",
                "--to-earliest"
            ])
            .run()
            .success()
    );
    broker
        .kctl(&[
            "share",
            "reset-offsets",
            "workers",
            "--topic",
            "jobs",
            "--to-earliest",
            "--execute",
            "-y",
        ])
        .run()
        .success();
    assert_run_snapshot!(
        "share_consume_release_json",
        broker
            .kctl(&[
                "share", "consume", "jobs", "-g", "workers", "-n", "3", "--ack", "release", "-o",
                "json"
            ])
            .run()
            .success()
    );
    // The released three come first again, now on their second delivery.
    let again = broker
        .kctl(&[
            "share", "consume", "jobs", "-g", "workers", "-n", "4", "-o", "json",
        ])
        .run()
        .success();
    let got = deliveries(&again.stdout);
    assert_eq!(got[..3], [(0, 2), (1, 2), (2, 2)], "{}", again.stdout);
    assert_run_snapshot!(
        "share_describe",
        broker
            .kctl(&["share", "describe", "workers"])
            .run()
            .success()
    );
    assert_run_snapshot!(
        "share_group_list",
        broker.kctl(&["group", "list"]).run().success()
    );
    assert_run_snapshot!(
        "share_delete",
        broker
            .kctl(&["share", "delete", "workers", "-y"])
            .run()
            .success()
    );
    let gone = broker.kctl(&["share", "describe", "workers"]).run().code(3);
    assert!(gone.stderr.contains("does not exist"), "{}", gone.stderr);
}

/// Three kctl share consumers drain one partition together while the
/// in-flight window (`group.share.partition.max.record.locks`) fills and
/// empties many times over: 200 locks for the CI-sized 3,000 records,
/// Kafka's default 2,000 from 30,000 records up (KCTL_SHARE_RECORDS=30000).
///
/// Each worker's stdout is drained while it runs. A worker blocked on a
/// full stdout pipe keeps its records locked (for the 30 s lock duration),
/// the SPSO cannot pass them, and once the others fill the window they go
/// idle: reading the workers' output one after the other is what made the
/// 30,000-record run stop near 3,000.
#[test]
fn three_kctl_share_consumers_split_one_partition_on_broker_lite() {
    let records: usize = std::env::var("KCTL_SHARE_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3_000);
    let max_record_locks = i64::try_from(records / 15).unwrap().clamp(50, 2_000);
    let broker = Broker::start_with(|config| {
        config.group.share_partition_max_record_locks = max_record_locks;
    });
    broker
        .kctl(&["topic", "create", "queue", "-p", "1"])
        .run()
        .success();
    broker
        .kctl(&[
            "share",
            "reset-offsets",
            "pool",
            "--topic",
            "queue",
            "--to-earliest",
            "--execute",
            "-y",
        ])
        .run()
        .success();
    let values: String = (0..records).map(|i| format!("r{i}\n")).collect();
    broker
        .kctl(&["produce", "queue"])
        .stdin(values.as_str())
        .run()
        .success();
    let consume = |extra: &[&str]| {
        let run = broker
            .kctl(
                &[
                    &["share", "consume", "queue", "-g", "pool", "-o", "json"],
                    extra,
                ]
                .concat(),
            )
            .run()
            .success();
        deliveries(&run.stdout)
    };
    let released: BTreeSet<i64> = consume(&["--ack", "release", "-n", "50"])
        .into_iter()
        .map(|(o, _)| o)
        .collect();
    let rejected: BTreeSet<i64> = consume(&["--ack", "reject", "-n", "30"])
        .into_iter()
        .map(|(o, _)| o)
        .collect();
    assert_eq!((released.len(), rejected.len()), (50, 30));
    let started = std::time::Instant::now();
    let runs: Vec<_> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..3)
            .map(|_| {
                let mut worker = broker.kctl(&[
                    "share",
                    "consume",
                    "queue",
                    "-g",
                    "pool",
                    "-o",
                    "json",
                    "--idle-timeout",
                    "3s",
                ]);
                scope.spawn(move || worker.run())
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    eprintln!(
        "{records} records, {max_record_locks} record locks: three workers done in {:.1} s (3 s idle tail included)",
        started.elapsed().as_secs_f64()
    );
    let mut accepted: Vec<(usize, i64, i64)> = Vec::new();
    for (i, run) in runs.into_iter().enumerate() {
        assert_eq!(run.code, 0, "worker {i}: {}", run.stderr);
        accepted.extend(deliveries(&run.stdout).into_iter().map(|(o, d)| (i, o, d)));
    }
    let mut seen = BTreeSet::new();
    for (worker, offset, _) in &accepted {
        assert!(
            seen.insert(*offset),
            "offset {offset} accepted twice (again by worker {worker})"
        );
        assert!(
            !rejected.contains(offset),
            "rejected offset {offset} delivered again"
        );
    }
    let all: BTreeSet<i64> = (0..records as i64).collect();
    let done: BTreeSet<i64> = seen.union(&rejected).copied().collect();
    let missing: Vec<&i64> = all.difference(&done).collect();
    assert!(
        missing.is_empty(),
        "{} records neither accepted nor rejected, from {:?}",
        missing.len(),
        missing.first()
    );
    for offset in released.difference(&rejected) {
        let (_, _, count) = accepted.iter().find(|(_, o, _)| o == offset).unwrap();
        assert!(
            *count >= 2,
            "released offset {offset} came back with delivery count {count}"
        );
    }
    let described = broker
        .kctl(&["share", "describe", "pool", "-o", "json"])
        .run()
        .success()
        .json();
    assert_eq!(described["offsets"][0]["start_offset"], records as i64);
    assert_eq!(described["offsets"][0]["lag"], 0);
    // broker-lite's statistics: nothing locked once the workers are gone,
    // every rejected record archived, and every released one delivered
    // again (the rejected ones were those, on their second delivery).
    assert_eq!(described["offsets"][0]["in_flight"], 0);
    assert_eq!(described["offsets"][0]["archived"], rejected.len());
    let redeliveries = described["offsets"][0]["redeliveries"].as_u64().unwrap();
    assert!(
        redeliveries >= released.len() as u64,
        "{redeliveries} redeliveries for {} released records",
        released.len()
    );
}

/// A topic `jobs` with one partition and a share group `crew` that starts
/// at its earliest offset, on broker-lite, with a 1 s acquisition lock set
/// as Kafka's tier sets it: the group config `share.record.lock.duration.ms`
/// (`kctl config set --entity-type group`, read back), the brokers' floor
/// `group.share.min.record.lock.duration.ms` lowered to Kafka's least,
/// 1 s; the broker's own lock stays 30 s. Below the floor is refused.
fn crew_on_jobs() -> Broker {
    let broker = Broker::start_with(|config| {
        config.group.share_min_record_lock_duration_ms = 1_000;
    });
    broker
        .kctl(&["topic", "create", "jobs", "-p", "1"])
        .run()
        .success();
    broker
        .kctl(&[
            "share",
            "reset-offsets",
            "crew",
            "--topic",
            "jobs",
            "--to-earliest",
            "--execute",
            "-y",
        ])
        .run()
        .success();
    let group = ["--entity-type", "group", "--entity-name", "crew"];
    let lock = "share.record.lock.duration.ms";
    let refused = broker
        .kctl(&[&["config", "set"], &group[..], &[&format!("{lock}=999")]].concat())
        .run()
        .code(1);
    assert!(
        refused.stderr.contains("Value must be at least 1000"),
        "{}",
        refused.stderr
    );
    broker
        .kctl(&[&["config", "set"], &group[..], &[&format!("{lock}=1000")]].concat())
        .run()
        .success();
    let read_back = broker
        .kctl(&[&["config", "get"], &group[..], &[lock, "-o", "json"]].concat())
        .run()
        .success()
        .json();
    assert_eq!(read_back[0]["value"], "1000", "{read_back}");
    assert_eq!(read_back[0]["source"], "GROUP_CONFIG", "{read_back}");
    broker
}

/// `kctl share consume` killed (SIGKILL) while it holds records: they come
/// back to the two other members when its connection closes.
#[test]
fn a_killed_share_consumer_gives_its_records_back() {
    let broker = crew_on_jobs();
    crate::share_killed_member::a_member_holding_records_gives_them_back(
        &broker.bootstrap,
        "jobs",
        "crew",
        std::time::Duration::from_secs(1),
        crate::share_killed_member::Victim::Killed,
        &|args| broker.kctl(args),
    );
}

/// `kctl share consume` hung (blocked, connections open) while it holds
/// records: they come back to the two other members when the 1 s lock
/// runs out.
#[test]
fn a_hung_share_consumer_gives_its_records_back_when_the_lock_expires() {
    let broker = crew_on_jobs();
    crate::share_killed_member::a_member_holding_records_gives_them_back(
        &broker.bootstrap,
        "jobs",
        "crew",
        std::time::Duration::from_secs(1),
        crate::share_killed_member::Victim::Hung,
        &|args| broker.kctl(args),
    );
}
