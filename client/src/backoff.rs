//! Exponential backoff with jitter, for reconnects and produce retries.

use std::time::Duration;

use rand::Rng;

/// How long to wait between attempts: `initial_ms × 2^(attempt-1)`, capped at
/// `max_ms`, then scaled by a random factor in `[1 − jitter, 1 + jitter]` so
/// that clients which failed together do not retry together (Java's
/// `ExponentialBackoff` uses the same 20 % default).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// The first delay, in milliseconds.
    pub initial_ms: u64,
    /// The ceiling the doubling stops at, in milliseconds.
    pub max_ms: u64,
    /// The random spread, as a fraction: 0.2 scales each delay by 0.8 to 1.2.
    pub jitter: f64,
}

impl Default for Backoff {
    /// Java's `reconnect.backoff.ms` / `retry.backoff.ms` (100 ms) and
    /// `*.backoff.max.ms` (1 s).
    fn default() -> Self {
        Self {
            initial_ms: 100,
            max_ms: 1_000,
            jitter: 0.2,
        }
    }
}

impl Backoff {
    /// The delay before attempt number `attempt` (1 = the first retry).
    pub fn delay(&self, attempt: u32) -> Duration {
        if attempt == 0 {
            return Duration::ZERO;
        }
        let exp = attempt.saturating_sub(1).min(30);
        let base = self.initial_ms.saturating_mul(1u64 << exp).min(self.max_ms) as f64;
        let factor = if self.jitter > 0.0 {
            rand::rng().random_range(1.0 - self.jitter..=1.0 + self.jitter)
        } else {
            1.0
        };
        Duration::from_millis((base * factor).round() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_exponentially_within_the_jitter_and_caps() {
        let b = Backoff {
            initial_ms: 100,
            max_ms: 1_000,
            jitter: 0.2,
        };
        assert_eq!(b.delay(0), Duration::ZERO);
        for _ in 0..100 {
            let first = b.delay(1).as_millis();
            assert!((80..=120).contains(&first), "{first}");
            let third = b.delay(3).as_millis();
            assert!((320..=480).contains(&third), "{third}");
            let capped = b.delay(40).as_millis();
            assert!((800..=1_200).contains(&capped), "{capped}");
        }
        let exact = Backoff { jitter: 0.0, ..b };
        assert_eq!(exact.delay(2), Duration::from_millis(200));
    }
}
