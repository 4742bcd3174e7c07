//! Which closed segments retention deletes: Kafka's three rules
//! (`UnifiedLog.deleteOldSegments`), each removing a prefix of the log, applied
//! in turn. The active segment is never a candidate.

use super::config::LogConfig;

/// What retention needs to know about one closed segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SegmentSummary {
    pub base_offset: i64,
    pub size_bytes: u64,
    /// The newest record's timestamp, or the file's modification time if the
    /// records carry none.
    pub largest_timestamp_ms: i64,
}

/// What one retention pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetentionReport {
    pub segments_deleted: usize,
    pub bytes_deleted: u64,
    /// Segments deleted by each rule (a segment counts for the first rule
    /// that took it).
    pub deleted_for_time: usize,
    pub deleted_for_size: usize,
    pub deleted_for_log_start: usize,
    pub log_start_offset: i64,
}

/// How many of the oldest `closed` segments to delete. `active_base_offset`
/// is where the segment after the last closed one starts; `total_size_bytes`
/// counts the active segment too.
pub(crate) fn plan(
    closed: &[SegmentSummary],
    active_base_offset: i64,
    total_size_bytes: u64,
    log_start_offset: i64,
    config: &LogConfig,
    now_ms: i64,
) -> RetentionReport {
    let mut report = RetentionReport::default();
    let mut n = 0;
    // Time and size only bound logs whose policy includes delete; a
    // compacted-only log keeps every key's latest record however old.
    let by_age_and_size = config.cleanup_policy.delete;
    if by_age_and_size && config.retention_ms >= 0 {
        while n < closed.len()
            && now_ms.saturating_sub(closed[n].largest_timestamp_ms) > config.retention_ms
        {
            n += 1;
            report.deleted_for_time += 1;
        }
    }
    if by_age_and_size && config.retention_bytes >= 0 {
        let kept_bytes = total_size_bytes - closed[..n].iter().map(|s| s.size_bytes).sum::<u64>();
        let mut excess_bytes = i128::from(kept_bytes) - i128::from(config.retention_bytes);
        while n < closed.len() && excess_bytes - i128::from(closed[n].size_bytes) >= 0 {
            excess_bytes -= i128::from(closed[n].size_bytes);
            n += 1;
            report.deleted_for_size += 1;
        }
    }
    // A segment is wholly below the log start offset when the next one
    // starts at or before it.
    let next_base = |i: usize| {
        closed
            .get(i + 1)
            .map_or(active_base_offset, |s| s.base_offset)
    };
    while n < closed.len() && next_base(n) <= log_start_offset {
        n += 1;
        report.deleted_for_log_start += 1;
    }
    report.segments_deleted = n;
    report.bytes_deleted = closed[..n].iter().map(|s| s.size_bytes).sum();
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(specs: &[(i64, u64, i64)]) -> Vec<SegmentSummary> {
        specs
            .iter()
            .map(
                |&(base_offset, size_bytes, largest_timestamp_ms)| SegmentSummary {
                    base_offset,
                    size_bytes,
                    largest_timestamp_ms,
                },
            )
            .collect()
    }

    fn config(retention_ms: i64, retention_bytes: i64) -> LogConfig {
        LogConfig {
            retention_ms,
            retention_bytes,
            ..LogConfig::default()
        }
    }

    #[test]
    fn time_rule_stops_at_the_first_young_segment() {
        let closed = segs(&[(0, 10, 100), (5, 10, 900), (9, 10, 200)]);
        let report = plan(&closed, 12, 40, 0, &config(500, -1), 1000);
        assert_eq!(
            (
                report.segments_deleted,
                report.deleted_for_time,
                report.bytes_deleted
            ),
            (1, 1, 10)
        );
        assert_eq!(
            plan(&closed, 12, 40, 0, &config(-1, -1), i64::MAX).segments_deleted,
            0
        );
    }

    #[test]
    fn size_rule_keeps_at_least_retention_bytes() {
        let closed = segs(&[(0, 10, 0), (5, 10, 0), (9, 10, 0)]);
        // 40 bytes with a 15-byte limit: dropping two leaves 20 >= 15, a third would leave 10.
        let report = plan(&closed, 12, 40, 0, &config(-1, 15), 0);
        assert_eq!((report.segments_deleted, report.deleted_for_size), (2, 2));
        assert_eq!(
            plan(&closed, 12, 40, 0, &config(-1, 40), 0).segments_deleted,
            0
        );
        assert_eq!(
            plan(&closed, 12, 40, 0, &config(-1, 0), 0).segments_deleted,
            3
        );
    }

    #[test]
    fn log_start_rule_needs_the_next_segment_to_start_at_or_before_it() {
        let closed = segs(&[(0, 10, 0), (5, 10, 0), (9, 10, 0)]);
        let deleted =
            |log_start| plan(&closed, 12, 40, log_start, &config(-1, -1), 0).segments_deleted;
        assert_eq!(deleted(4), 0);
        assert_eq!(deleted(5), 1);
        assert_eq!(deleted(11), 2);
        assert_eq!(deleted(12), 3);
    }

    #[test]
    fn compact_only_logs_ignore_time_and_size() {
        let closed = segs(&[(0, 10, 0), (5, 10, 0), (9, 10, 0)]);
        let mut compact = config(1, 0);
        compact.cleanup_policy = crate::log::CleanupPolicy::parse("compact").unwrap();
        assert_eq!(plan(&closed, 12, 40, 0, &compact, 1000).segments_deleted, 0);
        assert_eq!(plan(&closed, 12, 40, 5, &compact, 1000).segments_deleted, 1);
        compact.cleanup_policy = crate::log::CleanupPolicy::parse("delete, compact").unwrap();
        assert_eq!(plan(&closed, 12, 40, 0, &compact, 1000).segments_deleted, 3);
    }

    #[test]
    fn rules_combine_and_count_separately() {
        let closed = segs(&[(0, 10, 0), (5, 10, 1000), (9, 10, 1000)]);
        let report = plan(&closed, 12, 40, 10, &config(500, 20), 1000);
        assert_eq!(
            (
                report.deleted_for_time,
                report.deleted_for_size,
                report.deleted_for_log_start
            ),
            (1, 1, 0)
        );
        assert_eq!(report.segments_deleted, 2);
    }
}
