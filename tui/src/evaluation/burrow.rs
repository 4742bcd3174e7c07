//! Consumer status over a sliding window, with Burrow's rules
//! (`core/internal/storage/inmemory.go`, `core/internal/evaluator/caching.go`).
//!
//! Two rings feed it: for each (group, topic, partition) a ring of commits
//! whose lag is fixed when the commit is appended, and for each
//! (topic, partition) a ring of broker log end offsets.
//!
//! Burrow reads every commit from `__consumer_offsets`. A poller that uses
//! OffsetFetch sees only the current offset, so an unchanged offset is not
//! evidence of a new commit and is not appended: the entry's timestamp then
//! ages, which is what lets the STOP rule fire. The cost is that such a
//! poller reports a consumer that keeps committing one offset as STOP, not
//! STALL; with commit timestamps (offsets-topic mode) STALL is reachable.

use serde::Serialize;

use crate::model::TopicPartition;
use crate::ring::Ring;

/// Burrow's status constants, in Burrow's order: later is worse, and the
/// group rollup relies on that order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    NotFound,
    Ok,
    Warn,
    Err,
    Stop,
    Stall,
    Rewind,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Self::NotFound => "NOTFOUND",
            Self::Ok => "OK",
            Self::Warn => "WARN",
            Self::Err => "ERR",
            Self::Stop => "STOP",
            Self::Stall => "STALL",
            Self::Rewind => "REWIND",
        }
    }
}

/// Burrow's tunables, with Burrow's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BurrowConfig {
    /// Slots in each ring (`storage.intervals`).
    pub intervals: usize,
    /// A partition whose ring is less full than this is OK by definition
    /// (`minimum-complete`, 0..=1).
    pub min_complete: f64,
    /// Lag at or below this counts as caught up (`allowed-lag`).
    pub allowed_lag: u64,
    /// A commit closer than this to the previous one replaces it
    /// (`min-distance`).
    pub min_distance_ms: i64,
}

impl Default for BurrowConfig {
    fn default() -> Self {
        Self {
            intervals: 10,
            min_complete: 0.0,
            allowed_lag: 0,
            min_distance_ms: 0,
        }
    }
}

/// One slot of the commit ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CommitEntry {
    pub offset: i64,
    /// The commit time, or the poll time when the commit time is unknown.
    pub timestamp_ms: i64,
    /// `max(0, newest broker LEO − offset)` at append time; `None` when no
    /// broker offset was known yet.
    pub lag: Option<u64>,
}

/// What [`CommitRing::append`] did with a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppendOutcome {
    Appended,
    /// Closer than `min_distance_ms` to the previous commit: replaced it.
    Merged,
    /// Same commit timestamp as the newest slot.
    Duplicate,
    /// Older than the newest slot.
    OutOfOrder,
    /// Polled without a commit timestamp and the offset has not moved.
    Unchanged,
}

/// A commit as the poller saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitSample {
    pub offset: i64,
    pub commit_timestamp_ms: Option<i64>,
    pub observed_ms: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CommitRing {
    entries: Ring<CommitEntry>,
}

impl CommitRing {
    pub fn new(intervals: usize) -> Self {
        Self {
            entries: Ring::new(intervals),
        }
    }

    pub fn entries(&self) -> &Ring<CommitEntry> {
        &self.entries
    }

    /// Appends a commit, computing its lag against `latest_leo` now, as
    /// Burrow does: later LEO movement never rewrites a stored lag.
    pub fn append(
        &mut self,
        sample: CommitSample,
        latest_leo: Option<i64>,
        min_distance_ms: i64,
    ) -> AppendOutcome {
        let timestamp_ms = sample.commit_timestamp_ms.unwrap_or(sample.observed_ms);
        let lag = latest_leo.map(|leo| offset_lag(leo, sample.offset));
        let mut entry = CommitEntry {
            offset: sample.offset,
            timestamp_ms,
            lag,
        };
        if let Some(last) = self.entries.last() {
            if sample.commit_timestamp_ms.is_none() && sample.offset == last.offset {
                return AppendOutcome::Unchanged;
            }
            if timestamp_ms == last.timestamp_ms {
                return AppendOutcome::Duplicate;
            }
            if timestamp_ms < last.timestamp_ms {
                return AppendOutcome::OutOfOrder;
            }
            if timestamp_ms - last.timestamp_ms < min_distance_ms {
                entry.timestamp_ms = last.timestamp_ms;
                self.entries.replace_last(entry);
                return AppendOutcome::Merged;
            }
        }
        self.entries.push(entry);
        AppendOutcome::Appended
    }
}

/// `max(0, leo − committed)`: a commit ahead of the LEO (read skew) is not
/// negative lag.
pub fn offset_lag(leo: i64, committed: i64) -> u64 {
    u64::try_from(leo.saturating_sub(committed)).unwrap_or(0)
}

/// The outcome for one partition of one group.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PartitionStatus {
    pub status: Status,
    /// Filled share of the commit ring, 0..=1.
    pub complete: f64,
    /// `max(0, newest LEO − newest commit)`; `None` without a commit or LEO.
    pub current_lag: Option<u64>,
}

/// Burrow's `evaluatePartitionStatus` plus `calculatePartitionStatus`.
pub fn evaluate_partition(
    commits: &CommitRing,
    broker_leos: &Ring<i64>,
    now_ms: i64,
    config: &BurrowConfig,
) -> PartitionStatus {
    let entries = commits.entries();
    let current_lag = match (broker_leos.last(), entries.last()) {
        (Some(&leo), Some(commit)) => Some(offset_lag(leo, commit.offset)),
        _ => None,
    };
    // The ring only ever holds real entries, so Burrow's "strip leading nil
    // slots" is the ring's length against its capacity.
    let complete = entries.len() as f64 / entries.capacity() as f64;
    let ok = PartitionStatus {
        status: Status::Ok,
        complete,
        current_lag,
    };
    let (Some(first), Some(last)) = (entries.first(), entries.last()) else {
        return ok;
    };
    if complete < config.min_complete {
        return ok;
    }
    // One snapshot is a point, not a trend: it cannot tell a stalled
    // consumer from one about to commit. Headless mode with one snapshot
    // relies on this to judge only what one snapshot can show.
    if entries.len() < 2 && broker_leos.len() < 2 {
        return ok;
    }
    // Without a broker offset there is nothing to lag behind.
    if current_lag.unwrap_or(0) <= config.allowed_lag {
        return ok;
    }

    let since_last_commit_ms = now_ms - last.timestamp_ms;
    let window_span_ms = last.timestamp_ms - first.timestamp_ms;
    let recently_caught_up = broker_leos.iter().any(|&leo| leo <= last.offset);
    if since_last_commit_ms > window_span_ms && !recently_caught_up {
        return PartitionStatus {
            status: Status::Stop,
            ..ok
        };
    }

    if rewound_and_not_recovered(entries) {
        return PartitionStatus {
            status: Status::Rewind,
            ..ok
        };
    }

    let lag_always_above_allowed = entries
        .iter()
        .filter_map(|e| e.lag)
        .all(|lag| lag > config.allowed_lag);
    if lag_always_above_allowed {
        if entries.iter().all(|e| e.offset == first.offset) {
            return PartitionStatus {
                status: Status::Stall,
                ..ok
            };
        }
        if lag_never_decreases(entries) {
            return PartitionStatus {
                status: Status::Warn,
                ..ok
            };
        }
    }
    ok
}

/// The first backwards step, unless a later commit got back to where the
/// consumer was before it.
fn rewound_and_not_recovered(entries: &Ring<CommitEntry>) -> bool {
    let offsets: Vec<i64> = entries.iter().map(|e| e.offset).collect();
    let Some(i) = (1..offsets.len()).find(|&i| offsets[i] < offsets[i - 1]) else {
        return false;
    };
    let before_rewind = offsets[i - 1];
    !offsets[i..].iter().any(|&o| o >= before_rewind)
}

/// Constant lag counts as not decreasing (Burrow's WARN).
fn lag_never_decreases(entries: &Ring<CommitEntry>) -> bool {
    let lags: Vec<u64> = entries.iter().filter_map(|e| e.lag).collect();
    lags.windows(2).all(|w| w[1] >= w[0])
}

/// A group's rollup over its partitions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupStatus {
    /// NOTFOUND/OK/WARN/ERR: STOP, STALL and REWIND are reported as ERR.
    pub status: Status,
    /// Share of partitions whose ring is full, 0..=1.
    pub complete: f64,
    pub total_lag: u64,
    /// The partition with the highest current lag.
    pub max_lag: Option<(TopicPartition, u64)>,
}

pub fn rollup<'a>(
    partitions: impl IntoIterator<Item = (&'a TopicPartition, &'a PartitionStatus)>,
) -> GroupStatus {
    let mut status = Status::Ok;
    let mut total_lag = 0u64;
    let mut count = 0usize;
    let mut complete_count = 0usize;
    let mut max_lag: Option<(TopicPartition, u64)> = None;
    for (tp, partition) in partitions {
        count += 1;
        status = status.max(partition.status.min(Status::Err));
        let lag = partition.current_lag.unwrap_or(0);
        total_lag = total_lag.saturating_add(lag);
        if partition.current_lag.is_some() && max_lag.as_ref().is_none_or(|(_, max)| lag > *max) {
            max_lag = Some((tp.clone(), lag));
        }
        if partition.complete >= 1.0 {
            complete_count += 1;
        }
    }
    GroupStatus {
        status,
        // Burrow divides 0 by 0 here; an empty group is trivially complete.
        complete: if count == 0 {
            1.0
        } else {
            complete_count as f64 / count as f64
        },
        total_lag,
        max_lag,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: i64 = 1_000;

    /// Builds a ring from `(offset, timestamp_s, lag)` triples the way the
    /// reference's rule cases are written.
    fn commits(rows: &[(i64, i64, Option<u64>)]) -> CommitRing {
        let mut ring = CommitRing::new(10);
        for &(offset, ts_s, lag) in rows {
            ring.entries.push(CommitEntry {
                offset,
                timestamp_ms: ts_s * SEC,
                lag,
            });
        }
        ring
    }

    fn leos(values: &[i64]) -> Ring<i64> {
        let mut ring = Ring::new(10);
        for &v in values {
            ring.push(v);
        }
        ring
    }

    fn status(c: &CommitRing, b: &Ring<i64>, now_s: i64) -> Status {
        evaluate_partition(c, b, now_s * SEC, &BurrowConfig::default()).status
    }

    /// A steady consumer: offsets advance, lag dips to zero.
    #[test]
    fn ok_when_lag_reaches_zero_in_window() {
        let c = commits(&[(100, 0, Some(10)), (110, 10, Some(0)), (120, 20, Some(5))]);
        let b = leos(&[110, 120, 125]);
        assert_eq!(status(&c, &b, 25), Status::Ok);
    }

    #[test]
    fn ok_when_current_lag_is_zero_whatever_the_window() {
        let c = commits(&[(100, 0, Some(50)), (100, 10, Some(50))]);
        let b = leos(&[150, 150, 100]);
        assert_eq!(status(&c, &b, 1_000), Status::Ok);
    }

    #[test]
    fn ok_on_empty_ring_and_when_below_min_complete() {
        let empty = CommitRing::new(10);
        let b = leos(&[500]);
        let result = evaluate_partition(&empty, &b, 0, &BurrowConfig::default());
        assert_eq!(result.status, Status::Ok);
        assert_eq!(result.complete, 0.0);

        // Would be STOP, but only 2 of 10 slots are filled.
        let c = commits(&[(100, 0, Some(400)), (100, 10, Some(400))]);
        let strict = BurrowConfig {
            min_complete: 0.5,
            ..BurrowConfig::default()
        };
        assert_eq!(
            evaluate_partition(&c, &b, 1_000 * SEC, &strict).status,
            Status::Ok
        );
        assert_eq!(status(&c, &b, 1_000), Status::Stop);
    }

    #[test]
    fn one_observation_is_no_trend() {
        // One commit and one log end offset, far behind: what one snapshot
        // shows. Stalled or about to commit cannot be told apart yet.
        let c = commits(&[(100, 0, Some(400))]);
        let b = leos(&[500]);
        assert_eq!(status(&c, &b, 0), Status::Ok);
        // A second look at the same commit and log: now it is stopped.
        let b = leos(&[500, 500]);
        assert_eq!(status(&c, &b, 1_000), Status::Stop);
    }

    #[test]
    fn warn_when_moving_but_lag_grows() {
        let c = commits(&[(100, 0, Some(10)), (110, 10, Some(20)), (120, 20, Some(30))]);
        let b = leos(&[110, 130, 150]);
        assert_eq!(status(&c, &b, 25), Status::Warn);
    }

    #[test]
    fn warn_when_lag_is_constant() {
        let c = commits(&[(100, 0, Some(10)), (110, 10, Some(10)), (120, 20, Some(10))]);
        let b = leos(&[110, 120, 130]);
        assert_eq!(status(&c, &b, 25), Status::Warn);
    }

    #[test]
    fn not_warn_when_lag_decreases_once() {
        let c = commits(&[(100, 0, Some(10)), (110, 10, Some(30)), (125, 20, Some(25))]);
        let b = leos(&[110, 140, 150]);
        assert_eq!(status(&c, &b, 25), Status::Ok);
    }

    #[test]
    fn nil_lags_are_skipped_in_the_decrease_check() {
        let c = commits(&[(100, 0, Some(10)), (105, 5, None), (110, 10, Some(12))]);
        let b = leos(&[110, 122]);
        assert_eq!(status(&c, &b, 12), Status::Warn);
    }

    #[test]
    fn stall_when_committing_the_same_offset_with_lag() {
        let c = commits(&[(100, 0, Some(10)), (100, 10, Some(20)), (100, 20, Some(30))]);
        let b = leos(&[110, 120, 130]);
        assert_eq!(status(&c, &b, 25), Status::Stall);
    }

    #[test]
    fn not_stall_when_offsets_move() {
        let c = commits(&[(100, 0, Some(10)), (100, 10, Some(20)), (101, 20, Some(29))]);
        let b = leos(&[110, 120, 130]);
        assert_ne!(status(&c, &b, 25), Status::Stall);
    }

    #[test]
    fn stop_when_commits_stop_for_longer_than_the_window_span() {
        let c = commits(&[(100, 0, Some(10)), (110, 10, Some(10)), (120, 20, Some(10))]);
        let b = leos(&[130, 140, 150]);
        // 31 s since the last commit > 20 s span.
        assert_eq!(status(&c, &b, 51), Status::Stop);
    }

    #[test]
    fn not_stop_while_gap_is_within_span() {
        let c = commits(&[(100, 0, Some(10)), (110, 10, Some(10)), (120, 20, Some(10))]);
        let b = leos(&[130, 140, 150]);
        // A 20 s gap equals the span: not strictly greater.
        assert_eq!(status(&c, &b, 40), Status::Warn);
    }

    #[test]
    fn not_stop_when_broker_was_recently_caught_up() {
        // The LEO sat at the last commit during the broker window: the
        // consumer had nothing to commit until recently.
        let c = commits(&[(100, 0, Some(10)), (110, 10, Some(10)), (120, 20, Some(10))]);
        let b = leos(&[120, 120, 150]);
        assert_ne!(status(&c, &b, 100), Status::Stop);
    }

    #[test]
    fn rewind_when_offset_goes_back_and_stays_back() {
        let c = commits(&[(100, 0, Some(10)), (50, 10, Some(70)), (60, 20, Some(70))]);
        let b = leos(&[110, 120, 130]);
        assert_eq!(status(&c, &b, 25), Status::Rewind);
    }

    #[test]
    fn not_rewind_once_recovered() {
        let c = commits(&[(100, 0, Some(10)), (50, 10, Some(70)), (100, 20, Some(30))]);
        let b = leos(&[110, 120, 130]);
        assert_ne!(status(&c, &b, 25), Status::Rewind);
    }

    #[test]
    fn stop_takes_precedence_over_rewind() {
        let c = commits(&[(100, 0, Some(10)), (50, 10, Some(70))]);
        let b = leos(&[110, 120]);
        assert_eq!(status(&c, &b, 100), Status::Stop);
    }

    #[test]
    fn allowed_lag_counts_small_lag_as_caught_up() {
        let c = commits(&[(100, 0, Some(3)), (110, 10, Some(4)), (120, 20, Some(5))]);
        let b = leos(&[103, 114, 125]);
        let lenient = BurrowConfig {
            allowed_lag: 5,
            ..BurrowConfig::default()
        };
        assert_eq!(
            evaluate_partition(&c, &b, 25 * SEC, &lenient).status,
            Status::Ok
        );
        assert_eq!(status(&c, &b, 25), Status::Warn);
    }

    #[test]
    fn append_computes_lag_at_append_time_and_clamps() {
        let mut ring = CommitRing::new(3);
        let sample = |offset, observed_ms| CommitSample {
            offset,
            commit_timestamp_ms: None,
            observed_ms,
        };
        assert_eq!(
            ring.append(sample(10, 0), Some(15), 0),
            AppendOutcome::Appended
        );
        assert_eq!(
            ring.append(sample(10, 5), Some(30), 0),
            AppendOutcome::Unchanged
        );
        assert_eq!(
            ring.append(sample(40, 9), Some(30), 0),
            AppendOutcome::Appended
        );
        let lags: Vec<_> = ring.entries().iter().map(|e| e.lag).collect();
        assert_eq!(lags, vec![Some(5), Some(0)]);
    }

    #[test]
    fn append_with_commit_timestamps_keeps_same_offset_commits() {
        let mut ring = CommitRing::new(3);
        let sample = |ts| CommitSample {
            offset: 7,
            commit_timestamp_ms: Some(ts),
            observed_ms: 999,
        };
        assert_eq!(
            ring.append(sample(100), Some(9), 0),
            AppendOutcome::Appended
        );
        assert_eq!(
            ring.append(sample(200), Some(9), 0),
            AppendOutcome::Appended
        );
        assert_eq!(
            ring.append(sample(200), Some(9), 0),
            AppendOutcome::Duplicate
        );
        assert_eq!(
            ring.append(sample(150), Some(9), 0),
            AppendOutcome::OutOfOrder
        );
        assert_eq!(ring.entries().len(), 2);
    }

    #[test]
    fn min_distance_merges_and_keeps_the_earlier_timestamp() {
        let mut ring = CommitRing::new(3);
        let sample = |offset, ts| CommitSample {
            offset,
            commit_timestamp_ms: Some(ts),
            observed_ms: ts,
        };
        ring.append(sample(1, 1_000), Some(10), 500);
        assert_eq!(
            ring.append(sample(2, 1_200), Some(10), 500),
            AppendOutcome::Merged
        );
        let only = ring.entries().last().copied();
        assert_eq!(
            only,
            Some(CommitEntry {
                offset: 2,
                timestamp_ms: 1_000,
                lag: Some(8)
            })
        );
        assert_eq!(ring.entries().len(), 1);
    }

    #[test]
    fn rollup_reports_err_for_anything_above_err() {
        let tp = |p| TopicPartition::new("t", p);
        let ps = |status, lag, complete| PartitionStatus {
            status,
            complete,
            current_lag: lag,
        };
        let parts = [
            (tp(0), ps(Status::Ok, Some(5), 1.0)),
            (tp(1), ps(Status::Stall, Some(40), 1.0)),
            (tp(2), ps(Status::Warn, None, 0.5)),
            (tp(3), ps(Status::Ok, Some(7), 0.2)),
        ];
        let group = rollup(parts.iter().map(|(t, s)| (t, s)));
        assert_eq!(group.status, Status::Err);
        assert_eq!(group.total_lag, 52);
        assert_eq!(group.max_lag, Some((tp(1), 40)));
        assert_eq!(group.complete, 0.5);

        let warn_only = [(tp(0), ps(Status::Warn, Some(1), 1.0))];
        assert_eq!(
            rollup(warn_only.iter().map(|(t, s)| (t, s))).status,
            Status::Warn
        );

        let empty = rollup(std::iter::empty());
        assert_eq!(
            (empty.status, empty.complete, empty.max_lag),
            (Status::Ok, 1.0, None)
        );
    }
}
