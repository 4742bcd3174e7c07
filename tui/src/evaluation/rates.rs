//! Offset rates from the sample window and the time to catch up.
//!
//! Rates are taken across the whole window (oldest to newest sample) rather
//! than between the last two polls, so one slow poll does not swing them.
//! ETA follows kafkatop: `lag / (consume − produce)`, and no ETA at all when
//! the consumer is not gaining.

use serde::Serialize;

use crate::ring::Ring;

/// An offset observed at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OffsetSample {
    pub time_ms: i64,
    pub offset: i64,
}

/// Offsets per second over the window. `None` with fewer than two samples,
/// no elapsed time, or an offset that went backwards (a rewind or a
/// recreated topic is not a negative rate).
pub fn rate_per_s(samples: &Ring<OffsetSample>) -> Option<f64> {
    let first = samples.first()?;
    let last = samples.last()?;
    let elapsed_ms = last.time_ms - first.time_ms;
    let delta = last.offset - first.offset;
    if elapsed_ms <= 0 || delta < 0 {
        return None;
    }
    Some(delta as f64 * 1_000.0 / elapsed_ms as f64)
}

/// How long until the consumer reaches the log end, at current rates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CatchUp {
    /// No lag.
    CaughtUp,
    Eta {
        eta_ms: u64,
    },
    /// Producing at least as fast as consuming: the lag will not shrink.
    NotCatchingUp,
    /// A rate or the lag is not known yet.
    Unknown,
}

pub fn catch_up(
    lag: Option<u64>,
    consume_per_s: Option<f64>,
    produce_per_s: Option<f64>,
) -> CatchUp {
    let Some(lag) = lag else {
        return CatchUp::Unknown;
    };
    if lag == 0 {
        return CatchUp::CaughtUp;
    }
    let (Some(consume), Some(produce)) = (consume_per_s, produce_per_s) else {
        return CatchUp::Unknown;
    };
    let gain_per_s = consume - produce;
    if gain_per_s <= 0.0 || !gain_per_s.is_finite() {
        return CatchUp::NotCatchingUp;
    }
    let eta_s = lag as f64 / gain_per_s;
    // Saturating: an ETA past u64 milliseconds is "never" in practice.
    CatchUp::Eta {
        eta_ms: (eta_s * 1_000.0).min(u64::MAX as f64) as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(samples: &[(i64, i64)]) -> Ring<OffsetSample> {
        let mut r = Ring::new(10);
        for &(time_ms, offset) in samples {
            r.push(OffsetSample { time_ms, offset });
        }
        r
    }

    #[test]
    fn rate_spans_the_whole_window() {
        let r = ring(&[(0, 0), (1_000, 900), (10_000, 1_000)]);
        assert_eq!(rate_per_s(&r), Some(100.0));
    }

    #[test]
    fn rate_needs_two_samples_and_forward_motion() {
        assert_eq!(rate_per_s(&ring(&[(0, 5)])), None);
        assert_eq!(rate_per_s(&ring(&[(0, 5), (0, 9)])), None);
        assert_eq!(rate_per_s(&ring(&[(0, 9), (1_000, 5)])), None);
        assert_eq!(rate_per_s(&ring(&[(0, 9), (1_000, 9)])), Some(0.0));
    }

    #[test]
    fn eta_divides_lag_by_net_gain() {
        assert_eq!(
            catch_up(Some(1_000), Some(150.0), Some(50.0)),
            CatchUp::Eta { eta_ms: 10_000 }
        );
    }

    #[test]
    fn no_eta_when_not_gaining() {
        assert_eq!(
            catch_up(Some(10), Some(50.0), Some(50.0)),
            CatchUp::NotCatchingUp
        );
        assert_eq!(
            catch_up(Some(10), Some(10.0), Some(50.0)),
            CatchUp::NotCatchingUp
        );
    }

    #[test]
    fn caught_up_and_unknown() {
        assert_eq!(catch_up(Some(0), None, None), CatchUp::CaughtUp);
        assert_eq!(catch_up(None, Some(1.0), Some(0.0)), CatchUp::Unknown);
        assert_eq!(catch_up(Some(5), None, Some(0.0)), CatchUp::Unknown);
    }
}
