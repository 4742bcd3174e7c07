//! How numbers, durations and estimates are written in cells. Every cell
//! that shows an estimate also shows how it was obtained.

use crate::evaluation::time_lag::UnknownReason;
use crate::evaluation::{CatchUp, GroupPartitionEval, TimeLag};
use crate::model::TopicPartition;

/// Exact up to five digits, then k/M/G with one decimal, so lag columns
/// stay narrow at 80 columns.
pub fn compact(n: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")];
    if n < 100_000 {
        return n.to_string();
    }
    for (scale, unit) in UNITS {
        if n >= scale {
            return format!("{:.1}{unit}", n as f64 / scale as f64);
        }
    }
    n.to_string()
}

/// `4.2s`, `42s`, `12m05s`, `3h07m`, `2d04h`.
pub fn duration(ms: u64) -> String {
    let s = ms / 1_000;
    match s {
        0..10 => format!("{:.1}s", ms as f64 / 1_000.0),
        10..60 => format!("{s}s"),
        60..3_600 => format!("{}m{:02}s", s / 60, s % 60),
        3_600..86_400 => format!("{}h{:02}m", s / 3_600, (s % 3_600) / 60),
        _ => format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3_600),
    }
}

/// The method marks used in lag-time cells, also listed by the help
/// overlay so the legend and the cells cannot disagree.
pub const TIME_LAG_LEGEND: &[(&str, &str)] = &[
    ("≈", "interpolated from log-end samples"),
    ("=", "exact, from the committed record's timestamp"),
    ("≥", "lower bound: commit older than the sample window"),
    ("?", "not enough samples yet"),
];

/// A lag-time cell: the number with its method mark.
pub fn time_lag(lag: &TimeLag) -> String {
    match lag {
        TimeLag::Zero => "0s".to_owned(),
        TimeLag::Interpolated { lag_ms } => format!("≈{}", duration(*lag_ms)),
        TimeLag::Exact { lag_ms } => format!("={}", duration(*lag_ms)),
        TimeLag::LowerBound { lag_ms } => format!("≥{}", duration(*lag_ms)),
        TimeLag::Unknown {
            reason: UnknownReason::NoCommit,
        } => "-".to_owned(),
        TimeLag::Unknown {
            reason: UnknownReason::TooFewPoints,
        } => "?".to_owned(),
    }
}

pub fn rate(per_s: Option<f64>) -> String {
    match per_s {
        None => "-".to_owned(),
        Some(r) if r >= 100_000.0 => compact(r as u64),
        Some(r) if r >= 100.0 => format!("{r:.0}"),
        Some(r) => format!("{r:.1}"),
    }
}

/// `-` when the consumer is not gaining, as kafkatop shows it.
pub fn catch_up(catch_up: &CatchUp) -> String {
    match catch_up {
        CatchUp::CaughtUp => "0s".to_owned(),
        CatchUp::Eta { eta_ms } => duration(*eta_ms),
        CatchUp::NotCatchingUp => "-".to_owned(),
        CatchUp::Unknown => "?".to_owned(),
    }
}

pub fn opt<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

pub fn ids(ids: &[i32]) -> String {
    ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/// Marks a sample with no value, so "no data" never looks like zero.
pub const SPARK_GAP: char = '·';

/// The newest `width` samples as block characters, scaled to their max.
/// A byte count in B, KiB, MiB or GiB with one decimal.
pub fn bytes(n: usize) -> String {
    const UNITS: [(usize, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (size, unit) in UNITS {
        if n >= size {
            return format!("{:.1} {unit}", n as f64 / size as f64);
        }
    }
    format!("{n} B")
}

/// A member's partitions, grouped by topic: `orders 0,3 · events 1`.
pub fn assignment(partitions: &[TopicPartition]) -> String {
    let mut out = String::new();
    let mut current: Option<&str> = None;
    for tp in partitions {
        if current == Some(tp.topic.as_str()) {
            out.push(',');
        } else {
            if current.is_some() {
                out.push_str(" · ");
            }
            out.push_str(&tp.topic);
            out.push(' ');
            current = Some(&tp.topic);
        }
        out.push_str(&tp.partition.to_string());
    }
    out
}

pub fn sparkline<'a>(
    samples: impl DoubleEndedIterator<Item = &'a Option<u64>> + ExactSizeIterator,
    width: usize,
) -> String {
    let skip = samples.len().saturating_sub(width);
    let shown: Vec<Option<u64>> = samples.skip(skip).copied().collect();
    let max = shown.iter().flatten().copied().max().unwrap_or(0);
    shown
        .iter()
        .map(|s| match s {
            None => SPARK_GAP,
            Some(_) if max == 0 => BARS[0],
            Some(v) => {
                let level = (*v as u128 * (BARS.len() as u128 - 1)).div_ceil(max as u128);
                BARS[level as usize]
            }
        })
        .collect()
}

/// The width of a column of `topic-partition` labels: the longest of
/// `partitions`, at least `heading_width`, and at most 40 (longer topic
/// names are cut), so the column takes no slack at wide sizes.
pub fn partition_column_width(partitions: &[GroupPartitionEval], heading_width: usize) -> u16 {
    let widest = partitions
        .iter()
        .map(|p| p.topic.chars().count() + 1 + p.partition.to_string().len())
        .max()
        .unwrap_or(0);
    u16::try_from(widest.clamp(heading_width, 40)).unwrap_or(40)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_use_binary_units() {
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 << 20), "3.0 MiB");
    }

    #[test]
    fn assignment_groups_partitions_by_topic() {
        let tps = [
            TopicPartition::new("events", 1),
            TopicPartition::new("orders", 0),
            TopicPartition::new("orders", 3),
        ];
        assert_eq!(assignment(&tps), "events 1 · orders 0,3");
        assert_eq!(assignment(&[]), "");
    }

    #[test]
    fn compact_keeps_small_numbers_exact() {
        assert_eq!(compact(99_999), "99999");
        assert_eq!(compact(123_456), "123.5k");
        assert_eq!(compact(4_500_000), "4.5M");
        assert_eq!(compact(7_000_000_000), "7.0G");
    }

    #[test]
    fn durations_pick_two_units() {
        assert_eq!(duration(0), "0.0s");
        assert_eq!(duration(4_250), "4.2s");
        assert_eq!(duration(42_000), "42s");
        assert_eq!(duration(725_000), "12m05s");
        assert_eq!(duration(11_220_000), "3h07m");
        assert_eq!(duration(187_200_000), "2d04h");
    }

    #[test]
    fn time_lag_cells_carry_their_method() {
        assert_eq!(time_lag(&TimeLag::Interpolated { lag_ms: 42_000 }), "≈42s");
        assert_eq!(time_lag(&TimeLag::Exact { lag_ms: 42_000 }), "=42s");
        assert_eq!(
            time_lag(&TimeLag::LowerBound { lag_ms: 1_800_000 }),
            "≥30m00s"
        );
        assert_eq!(time_lag(&TimeLag::Zero), "0s");
        assert_eq!(
            time_lag(&TimeLag::Unknown {
                reason: UnknownReason::TooFewPoints
            }),
            "?"
        );
    }

    #[test]
    fn eta_dash_when_not_catching_up() {
        assert_eq!(catch_up(&CatchUp::NotCatchingUp), "-");
        assert_eq!(catch_up(&CatchUp::Eta { eta_ms: 90_000 }), "1m30s");
    }

    #[test]
    fn sparkline_scales_and_marks_gaps() {
        let samples = [None, Some(0), Some(4), Some(8)];
        assert_eq!(sparkline(samples.iter(), 10), "·▁▅█");
        assert_eq!(sparkline(samples.iter(), 2), "▅█");
        assert_eq!(sparkline([Some(0), Some(0)].iter(), 5), "▁▁");
    }

    #[test]
    fn rates_and_ids() {
        assert_eq!(rate(None), "-");
        assert_eq!(rate(Some(12.34)), "12.3");
        assert_eq!(rate(Some(1_234.5)), "1234");
        assert_eq!(ids(&[1, 2, 3]), "1,2,3");
    }
}
