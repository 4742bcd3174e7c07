//! Lag in time: how long ago the partition's log end offset stood where the
//! group's committed offset stands now.
//!
//! The table is kafka-lag-exporter's (`LookupTable.scala`): a FIFO of
//! (LEO, poll time) points per partition. The lookup differs where KLE goes
//! wrong: it clamps at 0, never divides by a zero offset span, and does not
//! extrapolate past the oldest point (KLE #496 reported "3+ years" for a
//! replaying consumer). Past the window it returns a lower bound, or the
//! exact age when the caller read the committed record's timestamp.

use serde::Serialize;

use crate::ring::Ring;

/// One LEO sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Point {
    pub offset: i64,
    pub time_ms: i64,
}

/// What [`OffsetTimeTable::add_point`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddOutcome {
    Appended,
    /// The last two points and this one share an offset: the newest point
    /// was replaced, so a flat run keeps its first and newest time.
    Compressed,
    /// Not newer than the newest point.
    OutOfOrder,
    /// Offset below the newest point's. After a topic is truncated or
    /// recreated every point is rejected until the LEO passes its old value,
    /// as in KLE; [`OffsetTimeTable::reset`] is the way out.
    NonMonotonic,
}

/// Why a time lag could not be estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownReason {
    /// The group never committed for this partition.
    NoCommit,
    /// Fewer than two LEO points: no slope yet.
    TooFewPoints,
}

/// A time-lag estimate, labelled with how it was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum TimeLag {
    /// The committed offset is at (or past) the newest LEO.
    Zero,
    /// From the committed record's own timestamp.
    Exact {
        lag_ms: u64,
    },
    /// Interpolated between two LEO points in the window.
    Interpolated {
        lag_ms: u64,
    },
    /// The commit is older than the window: at least this old.
    LowerBound {
        lag_ms: u64,
    },
    Unknown {
        reason: UnknownReason,
    },
}

impl TimeLag {
    /// The best number to sort and compare by: a lower bound sorts by its
    /// bound, an unknown sorts below everything.
    pub fn sort_key_ms(&self) -> Option<u64> {
        match *self {
            Self::Zero => Some(0),
            Self::Exact { lag_ms }
            | Self::Interpolated { lag_ms }
            | Self::LowerBound { lag_ms } => Some(lag_ms),
            Self::Unknown { .. } => None,
        }
    }

    /// A short label for the method, shown next to the number.
    pub fn method_label(&self) -> &'static str {
        match self {
            Self::Zero => "zero",
            Self::Exact { .. } => "exact",
            Self::Interpolated { .. } => "interp",
            Self::LowerBound { .. } => "bound",
            Self::Unknown { .. } => "unknown",
        }
    }

    /// Of two estimates, the one that says the consumer is further behind;
    /// used for a group's worst partition.
    pub fn worst(self, other: Self) -> Self {
        match (self.sort_key_ms(), other.sort_key_ms()) {
            (_, None) => self,
            (None, Some(_)) => other,
            (Some(a), Some(b)) => {
                if b > a {
                    other
                } else {
                    self
                }
            }
        }
    }
}

/// The per-partition offset→time table.
#[derive(Debug, Clone, PartialEq)]
pub struct OffsetTimeTable {
    points: Ring<Point>,
}

impl OffsetTimeTable {
    /// `capacity` points; at a 30 s poll KLE's 60 give a 30-minute window.
    pub fn new(capacity: usize) -> Self {
        Self {
            points: Ring::new(capacity),
        }
    }

    pub fn points(&self) -> impl ExactSizeIterator<Item = &Point> {
        self.points.iter()
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// Forgets every point, for a topic that was deleted and recreated.
    pub fn reset(&mut self) {
        self.points = Ring::new(self.points.capacity());
    }

    pub fn add_point(&mut self, point: Point) -> AddOutcome {
        if let Some(last) = self.points.last() {
            if last.time_ms >= point.time_ms {
                return AddOutcome::OutOfOrder;
            }
            if last.offset > point.offset {
                return AddOutcome::NonMonotonic;
            }
            let flat = self
                .points
                .second_last()
                .is_some_and(|second| second.offset == point.offset && last.offset == point.offset);
            if flat {
                self.points.replace_last(point);
                return AddOutcome::Compressed;
            }
        }
        self.points.push(point);
        AddOutcome::Appended
    }

    /// Estimates the time lag of `committed` at `now_ms`.
    /// `committed_record_timestamp_ms` is the timestamp of the record at the
    /// committed offset, when the caller fetched it; it wins over the table.
    pub fn lookup(
        &self,
        committed: Option<i64>,
        now_ms: i64,
        committed_record_timestamp_ms: Option<i64>,
    ) -> TimeLag {
        let Some(committed) = committed else {
            return TimeLag::Unknown {
                reason: UnknownReason::NoCommit,
            };
        };
        if let Some(newest) = self.points.last()
            && committed >= newest.offset
        {
            return TimeLag::Zero;
        }
        if let Some(record_ms) = committed_record_timestamp_ms {
            return TimeLag::Exact {
                lag_ms: elapsed_ms(now_ms, record_ms),
            };
        }
        let (Some(oldest), Some(_)) = (self.points.first(), self.points.second_last()) else {
            return TimeLag::Unknown {
                reason: UnknownReason::TooFewPoints,
            };
        };
        if committed < oldest.offset {
            // The LEO passed `committed` before the window began.
            return TimeLag::LowerBound {
                lag_ms: elapsed_ms(now_ms, oldest.time_ms),
            };
        }
        // Newest pair first, as KLE scans: with flat runs the newest match
        // is the latest time the LEO stood at `committed`.
        let pairs = self.points.len() - 1;
        let bracket = (0..pairs).rev().find_map(|i| {
            let left = *self.points.get(i)?;
            let right = *self.points.get(i + 1)?;
            (left.offset <= committed && committed <= right.offset).then_some((left, right))
        });
        let Some((left, right)) = bracket else {
            // Unreachable with a monotonic table: oldest ≤ committed < newest
            // always has a bracketing pair. Saying "unknown" beats guessing.
            return TimeLag::Unknown {
                reason: UnknownReason::TooFewPoints,
            };
        };
        TimeLag::Interpolated {
            lag_ms: elapsed_ms(now_ms, interpolate_time_ms(left, right, committed)),
        }
    }
}

/// When the LEO stood at `offset`, on the straight line from `left` to
/// `right`. A flat pair has no slope; its newest time is the answer.
fn interpolate_time_ms(left: Point, right: Point, offset: i64) -> i64 {
    let offset_span = i128::from(right.offset - left.offset);
    if offset_span == 0 {
        return right.time_ms;
    }
    let time_span = i128::from(right.time_ms - left.time_ms);
    let behind = i128::from(right.offset - offset);
    let predicted = i128::from(right.time_ms) - behind * time_span / offset_span;
    i64::try_from(predicted).unwrap_or(right.time_ms)
}

/// `max(0, now − then)`: a sample stamped after `now` (clock skew) is no lag.
fn elapsed_ms(now_ms: i64, then_ms: i64) -> u64 {
    u64::try_from(now_ms.saturating_sub(then_ms)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn table(points: &[(i64, i64)]) -> OffsetTimeTable {
        let mut t = OffsetTimeTable::new(60);
        for &(offset, time_ms) in points {
            t.add_point(Point { offset, time_ms });
        }
        t
    }

    #[test]
    fn interpolates_between_bracketing_points() {
        // LEO 0 at t=0, 100 at t=10s, 200 at t=20s. Offset 150 was the LEO
        // at t=15s; at now=30s that is 15 s of lag.
        let t = table(&[(0, 0), (100, 10_000), (200, 20_000)]);
        assert_eq!(
            t.lookup(Some(150), 30_000, None),
            TimeLag::Interpolated { lag_ms: 15_000 }
        );
        assert_eq!(
            t.lookup(Some(0), 30_000, None),
            TimeLag::Interpolated { lag_ms: 30_000 }
        );
    }

    #[test]
    fn commit_at_or_past_newest_is_zero() {
        let t = table(&[(0, 0), (100, 10_000)]);
        assert_eq!(t.lookup(Some(100), 50_000, None), TimeLag::Zero);
        // A commit read after the LEO (read skew) must not go negative.
        assert_eq!(t.lookup(Some(130), 50_000, None), TimeLag::Zero);
    }

    #[test]
    fn flat_table_does_not_divide_by_zero() {
        let mut t = OffsetTimeTable::new(60);
        assert_eq!(
            t.add_point(Point {
                offset: 50,
                time_ms: 0
            }),
            AddOutcome::Appended
        );
        assert_eq!(
            t.add_point(Point {
                offset: 50,
                time_ms: 10
            }),
            AddOutcome::Appended
        );
        assert_eq!(
            t.add_point(Point {
                offset: 50,
                time_ms: 20
            }),
            AddOutcome::Compressed
        );
        assert_eq!(t.len(), 2);
        assert_eq!(
            t.points().map(|p| p.time_ms).collect::<Vec<_>>(),
            vec![0, 20]
        );
        // At the flat offset: caught up.
        assert_eq!(t.lookup(Some(50), 100, None), TimeLag::Zero);
        // Below it: older than the window, a bound rather than ±∞.
        assert_eq!(
            t.lookup(Some(10), 100, None),
            TimeLag::LowerBound { lag_ms: 100 }
        );
    }

    #[test]
    fn flat_run_inside_the_table_uses_its_newest_time() {
        // LEO stood at 100 from t=10s to t=30s, then moved to 200 at t=40s.
        let t = table(&[
            (0, 0),
            (100, 10_000),
            (100, 20_000),
            (100, 30_000),
            (200, 40_000),
        ]);
        assert_eq!(t.len(), 4, "the middle flat point is compressed away");
        assert_eq!(
            t.lookup(Some(100), 50_000, None),
            TimeLag::Interpolated { lag_ms: 20_000 }
        );
        assert_eq!(
            interpolate_time_ms(
                Point {
                    offset: 5,
                    time_ms: 1
                },
                Point {
                    offset: 5,
                    time_ms: 9
                },
                5
            ),
            9
        );
    }

    #[test]
    fn stale_commit_is_a_lower_bound_not_an_extrapolation() {
        // Window covers t=1800s..3600s; the commit predates it.
        let t = table(&[(10_000, 1_800_000), (20_000, 3_600_000)]);
        assert_eq!(
            t.lookup(Some(5), 3_600_000, None),
            TimeLag::LowerBound { lag_ms: 1_800_000 }
        );
    }

    #[test]
    fn stale_commit_with_record_timestamp_is_exact() {
        let t = table(&[(10_000, 1_800_000), (20_000, 3_600_000)]);
        assert_eq!(
            t.lookup(Some(5), 3_600_000, Some(600_000)),
            TimeLag::Exact { lag_ms: 3_000_000 }
        );
    }

    #[test]
    fn negative_lag_is_clamped_to_zero() {
        // `now` before the table's points: skewed clocks between poll rounds.
        let t = table(&[(0, 10_000), (100, 20_000)]);
        assert_eq!(
            t.lookup(Some(50), 5_000, None),
            TimeLag::Interpolated { lag_ms: 0 }
        );
        assert_eq!(
            t.lookup(Some(50), 5_000, Some(9_000)),
            TimeLag::Exact { lag_ms: 0 }
        );
        assert_eq!(
            t.lookup(Some(-1), 5_000, None),
            TimeLag::LowerBound { lag_ms: 0 }
        );
    }

    #[test]
    fn too_few_points_and_no_commit_are_unknown() {
        let one = table(&[(100, 0)]);
        assert_eq!(
            one.lookup(Some(50), 10, None),
            TimeLag::Unknown {
                reason: UnknownReason::TooFewPoints
            }
        );
        assert_eq!(one.lookup(Some(100), 10, None), TimeLag::Zero);
        let empty = OffsetTimeTable::new(4);
        assert_eq!(
            empty.lookup(Some(1), 10, None),
            TimeLag::Unknown {
                reason: UnknownReason::TooFewPoints
            }
        );
        assert_eq!(
            one.lookup(None, 10, Some(1)),
            TimeLag::Unknown {
                reason: UnknownReason::NoCommit
            }
        );
    }

    #[test]
    fn rejects_out_of_order_and_non_monotonic_points() {
        let mut t = table(&[(100, 1_000)]);
        assert_eq!(
            t.add_point(Point {
                offset: 200,
                time_ms: 1_000
            }),
            AddOutcome::OutOfOrder
        );
        assert_eq!(
            t.add_point(Point {
                offset: 200,
                time_ms: 500
            }),
            AddOutcome::OutOfOrder
        );
        assert_eq!(
            t.add_point(Point {
                offset: 50,
                time_ms: 2_000
            }),
            AddOutcome::NonMonotonic
        );
        assert_eq!(t.len(), 1);
        t.reset();
        assert_eq!(
            t.add_point(Point {
                offset: 50,
                time_ms: 2_000
            }),
            AddOutcome::Appended
        );
    }

    #[test]
    fn full_table_drops_its_oldest_point() {
        let mut t = OffsetTimeTable::new(3);
        for i in 0..5 {
            t.add_point(Point {
                offset: i * 10,
                time_ms: i * 1_000,
            });
        }
        assert_eq!(
            t.points().map(|p| p.offset).collect::<Vec<_>>(),
            vec![20, 30, 40]
        );
    }

    #[test]
    fn worst_prefers_the_larger_known_lag() {
        let a = TimeLag::Interpolated { lag_ms: 5 };
        let b = TimeLag::LowerBound { lag_ms: 9 };
        let unknown = TimeLag::Unknown {
            reason: UnknownReason::NoCommit,
        };
        assert_eq!(a.worst(b), b);
        assert_eq!(b.worst(a), b);
        assert_eq!(unknown.worst(a), a);
        assert_eq!(a.worst(unknown), a);
    }

    proptest! {
        /// Whatever the samples and the commit, the estimate is finite,
        /// never above the age of the oldest evidence, and interpolation
        /// never reaches past the window.
        #[test]
        fn lookup_is_bounded(
            steps in proptest::collection::vec((0i64..1_000, 1i64..60_000), 0..40),
            committed in -10i64..50_000,
            extra_ms in 0i64..1_000_000,
        ) {
            let mut t = OffsetTimeTable::new(16);
            let (mut offset, mut time_ms) = (0i64, 0i64);
            for (d_offset, d_time) in steps {
                offset += d_offset;
                time_ms += d_time;
                t.add_point(Point { offset, time_ms });
            }
            let now_ms = time_ms + extra_ms;
            let oldest_age_ms = t.points().next().map(|p| (now_ms - p.time_ms) as u64);
            match t.lookup(Some(committed), now_ms, None) {
                TimeLag::Interpolated { lag_ms } | TimeLag::LowerBound { lag_ms } => {
                    prop_assert!(lag_ms <= oldest_age_ms.unwrap_or(0));
                }
                TimeLag::Zero => prop_assert!(committed >= offset),
                TimeLag::Unknown { reason } => {
                    prop_assert_eq!(reason, UnknownReason::TooFewPoints);
                    prop_assert!(t.len() < 2);
                }
                TimeLag::Exact { .. } => prop_assert!(false, "no record timestamp was given"),
            }
        }
    }
}
