//! A share-group member that stops while it holds acquired records, the
//! same scenario on broker-lite (`share.rs`) and Apache Kafka
//! (`apache_kafka::share_groups`): SIGKILLed, or hung (blocked with its
//! connections open) and SIGKILLed later. Its records come back to the two
//! other members with delivery count 2, and every record is accepted
//! exactly once overall. A hung member's records come back only when their
//! acquisition locks run out; a killed one's as soon as its connection
//! closes (Kafka 4.2's share session cache releases them on a disconnect,
//! and broker-lite does the same).
//!
//! The victim is `kctl share consume` whose stdout stops being read once
//! the broker has applied its first acknowledgements: when the pipe is
//! full it blocks writing a batch it has acquired but not acknowledged
//! (acknowledgements ride on the next fetch). With debug logging for the
//! command it reports on stderr which acknowledgements the broker applied,
//! so the test knows exactly what it did for good.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::share::deliveries;
use crate::support::Kctl;

/// Enough that, after the victim's first batch (500 records on
/// broker-lite, Kafka's whole record batches, ~650 here), its JSON lines
/// still overflow a 64 KiB pipe, and the survivors find fresh records too.
const RECORDS: usize = 3_000;

/// Offsets in a "acknowledgements applied" debug line's `offsets=0-9,12`.
fn applied_offsets(stderr: &str) -> BTreeSet<i64> {
    let mut offsets = BTreeSet::new();
    for line in stderr
        .lines()
        .filter(|l| l.contains("acknowledgements applied"))
    {
        let runs = line
            .split_whitespace()
            .find_map(|field| field.strip_prefix("offsets="))
            .unwrap_or_else(|| panic!("no offsets in: {line}"));
        for run in runs.split(',').filter(|r| !r.is_empty()) {
            let (first, last) = run.split_once('-').unwrap_or((run, run));
            offsets.extend(first.parse::<i64>().unwrap()..=last.parse::<i64>().unwrap());
        }
    }
    offsets
}

/// Whether a thread of `pid` sleeps in the kernel writing to a pipe
/// (`/proc/PID/task/*/wchan` is `pipe_write`, `anon_pipe_write`, …);
/// `None` where the kernel does not say (every wchan `0`).
fn blocked_writing_a_pipe(pid: u32) -> Option<bool> {
    let wchans: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("wchan")).ok())
        .collect();
    if wchans
        .iter()
        .all(|w| w.trim().is_empty() || w.trim() == "0")
    {
        return None;
    }
    Some(wchans.iter().any(|w| w.contains("pipe")))
}

/// What becomes of the member that holds records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Victim {
    /// SIGKILLed before the others start: its connections close with it,
    /// and the broker releases its records then.
    Killed,
    /// Left blocked, its connections open and its heartbeats going, while
    /// the others work (a hung process); SIGKILLed after. Only the lock's
    /// expiry gives its records back.
    Hung,
}

/// `kctl -b BOOTSTRAP share consume TOPIC -g GROUP -o json EXTRA...`, its
/// stdout and stderr piped, without KCTL_* variables from the environment.
fn share_consume(bootstrap: &str, topic: &str, group: &str, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kctl"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("KCTL_") {
            command.env_remove(&key);
        }
    }
    command
        .args(["-b", bootstrap, "share", "consume", topic, "-g", group])
        .args(["-o", "json"])
        .args(extra)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// A survivor's exit code, its records (offset, delivery count, when the
/// line arrived after `since`) and its stderr.
#[allow(clippy::type_complexity)]
fn arrivals(
    mut child: std::process::Child,
    since: Instant,
) -> (Option<i32>, Vec<(i64, i64, Duration)>, String) {
    let mut err = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        err.read_to_string(&mut text).unwrap();
        text
    });
    let mut lines = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let at = since.elapsed();
        let (offset, count) = deliveries(&line)[0];
        lines.push((offset, count, at));
    }
    let code = child.wait().unwrap().code();
    (code, lines, stderr.join().unwrap())
}

/// The scenario on a topic with one partition and a share group that
/// starts at the earliest offset, with the given acquisition lock duration;
/// `kctl` runs kctl against the cluster at `bootstrap`.
pub fn a_member_holding_records_gives_them_back(
    bootstrap: &str,
    topic: &str,
    group: &str,
    lock: Duration,
    fate: Victim,
    kctl: &dyn Fn(&[&str]) -> Kctl,
) {
    let values: String = (0..RECORDS).map(|i| format!("k{i}\n")).collect();
    kctl(&["produce", topic])
        .stdin(values.as_str())
        .run()
        .success();

    let mut victim = share_consume(bootstrap, topic, group, &[])
        .env("RUST_LOG", "error,kctl::commands::share_consume=debug")
        .spawn()
        .unwrap();
    // Its output is read until the broker has applied its first
    // acknowledgements (so it dies having done something for good), then
    // left unread: the victim fills the pipe and blocks holding a batch.
    let first_applied = Arc::new(AtomicBool::new(false));
    let mut victim_err = BufReader::new(victim.stderr.take().unwrap());
    let seen = Arc::clone(&first_applied);
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let mut line = String::new();
        while victim_err.read_line(&mut line).unwrap() > 0 {
            if line.contains("acknowledgements applied") {
                seen.store(true, Ordering::SeqCst);
            }
            text.push_str(&line);
            line.clear();
        }
        text
    });
    let mut victim_out = BufReader::new(victim.stdout.take().unwrap());
    let stop = Arc::clone(&first_applied);
    let reader = std::thread::spawn(move || {
        let mut read = Vec::new();
        while !stop.load(Ordering::SeqCst) {
            if victim_out.read_until(b'\n', &mut read).unwrap() == 0 {
                break;
            }
        }
        // Kept open: a closed pipe would make kctl stop and acknowledge.
        (read, victim_out)
    });
    let started = Instant::now();
    loop {
        if reader.is_finished() {
            match blocked_writing_a_pipe(victim.id()) {
                Some(true) => break,
                Some(false) => {}
                None => {
                    // No wchan: a full 64 KiB pipe takes the victim
                    // milliseconds once nobody reads it.
                    std::thread::sleep(Duration::from_millis(300));
                    break;
                }
            }
        }
        if started.elapsed() > Duration::from_secs(60) || victim.try_wait().unwrap().is_some() {
            let _ = victim.kill();
            let _ = victim.wait();
            panic!(
                "the victim never blocked on its stdout:\n{}",
                stderr.join().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let blocked = Instant::now();
    // SIGKILL: no close, no acknowledgement, no leave.
    let mut kill_victim = || {
        victim.kill().unwrap();
        victim.wait().unwrap();
    };
    if fate == Victim::Killed {
        kill_victim();
    }

    // Two members that live: they take what was never acquired at once,
    // and the victim's records once they are released.
    // Long enough to see the held records come back: at the kill, or
    // when the lock runs out.
    let idle = match fate {
        Victim::Killed => "3s".to_owned(),
        Victim::Hung => format!("{}ms", lock.as_millis() + 3_000),
    };
    let survivors: Vec<_> = (0..2)
        .map(|_| {
            let child = share_consume(bootstrap, topic, group, &["--idle-timeout", &idle])
                .env("RUST_LOG", "error")
                .spawn()
                .unwrap();
            std::thread::spawn(move || arrivals(child, blocked))
        })
        .collect();
    let survivors: Vec<_> = survivors.into_iter().map(|s| s.join().unwrap()).collect();
    if fate == Victim::Hung {
        kill_victim();
    }
    let (mut out, mut rest) = reader.join().unwrap();
    rest.read_to_end(&mut out).unwrap();
    // The last line may be cut where the pipe filled.
    let whole = out.len() - out.iter().rev().take_while(|b| **b != b'\n').count();
    let printed: BTreeSet<i64> = deliveries(&String::from_utf8_lossy(&out[..whole]))
        .into_iter()
        .map(|(offset, count)| {
            assert_eq!(count, 1, "the victim had offset {offset} first");
            offset
        })
        .collect();
    let applied = applied_offsets(&stderr.join().unwrap());
    assert!(
        !applied.is_empty() && applied.is_subset(&printed),
        "the broker applied {} acknowledgements, of offsets the victim printed: {}",
        applied.len(),
        applied.is_subset(&printed)
    );

    let mut accepted: BTreeMap<i64, (usize, i64, Duration)> = BTreeMap::new();
    for (who, (code, lines, stderr)) in survivors.into_iter().enumerate() {
        assert_eq!(code, Some(0), "survivor {who}: {stderr}");
        for (offset, count, at) in lines {
            if let Some((first, ..)) = accepted.insert(offset, (who, count, at)) {
                panic!("offset {offset} accepted by survivor {first} and again by {who}");
            }
        }
    }
    let redelivered: BTreeSet<i64> = accepted
        .iter()
        .filter(|(_, (_, count, _))| *count > 1)
        .map(|(offset, _)| *offset)
        .collect();
    let came_back = accepted
        .values()
        .filter(|(_, count, _)| *count > 1)
        .map(|(.., at)| *at)
        .min();
    eprintln!(
        "{fate:?} member: {} records printed, {} acknowledged for good, {} delivered again, \
         the first {:?} after it blocked (lock {lock:?})",
        printed.len(),
        applied.len(),
        redelivered.len(),
        came_back,
    );
    let came_back = came_back.expect("nothing the victim held came back");
    match fate {
        // Its connections are open: only the lock's expiry frees the
        // records (acquired just before it blocked).
        Victim::Hung => assert!(
            came_back >= lock / 2,
            "the held records came back {came_back:?} after the block, before the {lock:?} lock ran out"
        ),
        // Its connections closed with it: the broker releases its records
        // then, well before the lock (the survivors' start-up included).
        Victim::Killed => assert!(
            came_back < lock * 3 / 4,
            "the held records came back {came_back:?} after the kill, not when its connection closed (lock {lock:?})"
        ),
    }
    for offset in &redelivered {
        let (who, count, _) = accepted[offset];
        assert_eq!(
            count, 2,
            "offset {offset}: survivor {who} got delivery {count}, not the second"
        );
        assert!(
            !applied.contains(offset),
            "offset {offset} was accepted by the victim and delivered again"
        );
    }
    // What the victim printed without the broker applying its
    // acknowledgement was held when it died: it came back.
    let held_printed: BTreeSet<i64> = printed.difference(&applied).copied().collect();
    assert!(
        held_printed.is_subset(&redelivered),
        "held by the victim and not delivered again: {:?}",
        held_printed
            .difference(&redelivered)
            .take(10)
            .collect::<Vec<_>>()
    );
    // Everything accepted exactly once, by the victim or a survivor.
    for offset in &applied {
        assert!(
            !accepted.contains_key(offset),
            "offset {offset} accepted by the victim and by a survivor"
        );
    }
    let done: BTreeSet<i64> = applied
        .iter()
        .copied()
        .chain(accepted.keys().copied())
        .collect();
    let all: BTreeSet<i64> = (0..RECORDS as i64).collect();
    assert_eq!(
        done,
        all,
        "not accepted: {:?}",
        all.difference(&done).take(10).collect::<Vec<_>>()
    );
}
