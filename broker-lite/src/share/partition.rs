//! One share-partition's delivery state (Kafka's `SharePartition`): which
//! offsets of a topic partition a share group has delivered, to whom, how
//! often, and which are done.
//!
//! Offsets below the share-partition start offset (SPSO) are done. Offsets
//! in `start_offset..end_offset` (SPSO..SPEO) are in flight: each is
//! Available, Acquired (by one member, until its lock deadline),
//! Acknowledged or Archived. Offsets at and above SPEO have never been
//! handed out. The SPSO moves forward over done offsets and never back
//! (except by AlterShareGroupOffsets, on an empty group).
//!
//! Pure state: time comes in as a millisecond clock, I/O stays outside.

use std::collections::BTreeMap;

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::share::AcknowledgeType;
use serde::{Deserialize, Serialize};

/// Where an in-flight offset is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RecordState {
    /// May be acquired (never delivered, released, or its lock expired).
    Available,
    /// Delivered to `member`, locked until `deadline_ms`.
    Acquired { member: String, deadline_ms: i64 },
    /// Accepted (or a gap): never delivered again.
    Acknowledged,
    /// Rejected, or past the delivery-count limit: never delivered again.
    Archived,
}

impl RecordState {
    fn is_done(&self) -> bool {
        matches!(self, RecordState::Acknowledged | RecordState::Archived)
    }
}

/// An in-flight offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InFlight {
    pub state: RecordState,
    /// Deliveries so far (an acquisition counts one).
    pub delivery_count: i16,
}

/// The limits a share partition enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ShareLimits {
    /// `group.share.record.lock.duration.ms`.
    pub lock_duration_ms: i64,
    /// `group.share.delivery.count.limit`: a record released or timed out
    /// after this many deliveries is archived.
    pub delivery_count_limit: i16,
    /// `group.share.partition.max.record.locks`: at most this many offsets
    /// in flight (SPEO - SPSO) at once.
    pub max_in_flight: i64,
}

/// The persisted form: what survives a restart. Acquired records are stored
/// as Available (their locks die with the broker) with their delivery count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredSharePartition {
    pub start_offset: i64,
    /// `(first offset, last offset, state, delivery count)` runs, where the
    /// state is 0 Available, 2 Acknowledged, 4 Archived (Kafka's
    /// `RecordState` ids).
    pub runs: Vec<(i64, i64, u8, i16)>,
    /// The cumulative counters ([`ShareCounters`]). Every entry already
    /// carries the whole partition, so keeping them costs two numbers; an
    /// entry written before they existed reads as zero.
    #[serde(default)]
    pub archived_total: u64,
    #[serde(default)]
    pub redeliveries_total: u64,
}

/// What a share partition has done since its state began (kctl's
/// DescribeShareGroupOffsets extension reports them; see
/// `kctl_client::protocol::share_statistics`). They survive restarts, and
/// start over with the state (AlterShareGroupOffsets, DeleteShareGroupOffsets).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ShareCounters {
    /// Records that became Archived: rejected, or released or timed out at
    /// the delivery-count limit.
    pub archived_total: u64,
    /// Acquisitions of a record delivered before (delivery count ≥ 2).
    pub redeliveries_total: u64,
}

const STORED_AVAILABLE: u8 = 0;
const STORED_ACKNOWLEDGED: u8 = 2;
const STORED_ARCHIVED: u8 = 4;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SharePartition {
    start_offset: i64,
    /// Every offset in `start_offset..end_offset`, in order.
    in_flight: BTreeMap<i64, InFlight>,
    end_offset: i64,
    counters: ShareCounters,
}

impl SharePartition {
    /// A share partition starting at `start_offset` with nothing delivered.
    pub fn new(start_offset: i64) -> Self {
        Self {
            start_offset,
            in_flight: BTreeMap::new(),
            end_offset: start_offset,
            counters: ShareCounters::default(),
        }
    }

    pub fn counters(&self) -> ShareCounters {
        self.counters
    }

    /// Records acquired (locked) by a member now.
    pub fn acquired_count(&self) -> u64 {
        let acquired = self
            .in_flight
            .values()
            .filter(|r| matches!(r.state, RecordState::Acquired { .. }))
            .count();
        u64::try_from(acquired).unwrap_or(u64::MAX)
    }

    pub fn start_offset(&self) -> i64 {
        self.start_offset
    }

    pub fn end_offset(&self) -> i64 {
        self.end_offset
    }

    /// Kafka's `deliveryCompleteCount` (KIP-1226): how many offsets at or
    /// above the SPSO are already done (Acknowledged or Archived). The SPSO
    /// stops at the first offset still being delivered, so these are the
    /// records the start offset alone would count as still to do.
    pub fn delivery_complete_count(&self) -> i64 {
        self.in_flight
            .values()
            .filter(|r| r.state.is_done())
            .count() as i64
    }

    /// The share-partition lag of KIP-1226 against the partition's end
    /// offset (its high watermark): the records from the SPSO on that are
    /// not done yet, `end - SPSO - deliveryCompleteCount`, as Kafka's group
    /// coordinator computes it (`GroupCoordinatorService`, Kafka 4.2). Not
    /// clamped: after AlterShareGroupOffsets past the end it is negative on
    /// the wire too, and clients read a negative lag as "none".
    pub fn lag(&self, end_offset: i64) -> i64 {
        end_offset - self.start_offset - self.delivery_complete_count()
    }

    #[cfg(test)]
    pub fn in_flight(&self) -> &BTreeMap<i64, InFlight> {
        &self.in_flight
    }

    /// The lowest offset a fetch could hand out next: the first Available
    /// in-flight offset, else SPEO. `None` when the in-flight window is full.
    pub fn next_acquirable(&self, limits: &ShareLimits) -> Option<i64> {
        if let Some((&offset, _)) = self
            .in_flight
            .iter()
            .find(|(_, r)| r.state == RecordState::Available)
        {
            return Some(offset);
        }
        (self.end_offset - self.start_offset < limits.max_in_flight).then_some(self.end_offset)
    }

    /// The log lost offsets below `log_start` (retention, DeleteRecords):
    /// they can no longer be delivered, so the SPSO skips them.
    pub fn skip_to_log_start(&mut self, log_start: i64) {
        if log_start <= self.start_offset {
            return;
        }
        self.in_flight = self.in_flight.split_off(&log_start);
        self.start_offset = log_start;
        self.end_offset = self.end_offset.max(log_start);
    }

    /// Acquires up to `max_records` offsets in `fetched` (the offsets the
    /// fetch read from the log) for `member` (ascending: released records
    /// first, then new ones), and returns them with their delivery counts.
    ///
    /// Only offsets inside `fetched` may be acquired, as Kafka acquires from
    /// the fetched batches: a record released below them between reading
    /// the log and acquiring is not in the response, and the client would
    /// take it for a gap and acknowledge it unseen.
    pub fn acquire(
        &mut self,
        member: &str,
        max_records: usize,
        fetched: std::ops::Range<i64>,
        now_ms: i64,
        limits: &ShareLimits,
    ) -> Vec<(i64, i16)> {
        let mut acquired = Vec::new();
        let deadline_ms = now_ms.saturating_add(limits.lock_duration_ms);
        let fetchable_end = fetched.end;
        if fetched.start > self.end_offset {
            // Never-delivered offsets are handed out in order, from SPEO.
            return acquired;
        }
        for (&offset, record) in self.in_flight.range_mut(fetched) {
            if acquired.len() >= max_records {
                return acquired;
            }
            if record.state == RecordState::Available
                && record.delivery_count < limits.delivery_count_limit
            {
                record.delivery_count += 1;
                if record.delivery_count >= 2 {
                    self.counters.redeliveries_total += 1;
                }
                record.state = RecordState::Acquired {
                    member: member.to_string(),
                    deadline_ms,
                };
                acquired.push((offset, record.delivery_count));
            }
        }
        while acquired.len() < max_records
            && self.end_offset < fetchable_end
            && self.end_offset - self.start_offset < limits.max_in_flight
        {
            let offset = self.end_offset;
            self.in_flight.insert(
                offset,
                InFlight {
                    state: RecordState::Acquired {
                        member: member.to_string(),
                        deadline_ms,
                    },
                    delivery_count: 1,
                },
            );
            self.end_offset += 1;
            acquired.push((offset, 1));
        }
        acquired
    }

    /// Applies one acknowledgement from `member`. The offset must be
    /// acquired by that member (Kafka answers INVALID_RECORD_STATE
    /// otherwise). Returns whether the state changed.
    pub fn acknowledge(
        &mut self,
        member: &str,
        offset: i64,
        kind: AcknowledgeType,
        now_ms: i64,
        limits: &ShareLimits,
    ) -> Result<(), ErrorCode> {
        let record = self
            .in_flight
            .get_mut(&offset)
            .ok_or(ErrorCode::InvalidRecordState)?;
        match &record.state {
            RecordState::Acquired { member: owner, .. } if owner == member => {}
            _ => return Err(ErrorCode::InvalidRecordState),
        }
        record.state = match kind {
            AcknowledgeType::Accept | AcknowledgeType::Gap => RecordState::Acknowledged,
            AcknowledgeType::Reject => RecordState::Archived,
            AcknowledgeType::Release => released(record.delivery_count, limits),
            AcknowledgeType::Renew => RecordState::Acquired {
                member: member.to_string(),
                deadline_ms: now_ms.saturating_add(limits.lock_duration_ms),
            },
        };
        if record.state == RecordState::Archived {
            self.counters.archived_total += 1;
        }
        self.advance_start();
        Ok(())
    }

    /// Gives back every lock whose deadline has passed. Returns how many.
    pub fn expire_locks(&mut self, now_ms: i64, limits: &ShareLimits) -> usize {
        self.release_where(limits, |_, deadline_ms| deadline_ms <= now_ms)
    }

    /// Gives back every record `member` holds (its share session closed or
    /// it left the group).
    pub fn release_member(&mut self, member: &str, limits: &ShareLimits) -> usize {
        self.release_where(limits, |owner, _| owner == member)
    }

    fn release_where(&mut self, limits: &ShareLimits, due: impl Fn(&str, i64) -> bool) -> usize {
        let mut released_count = 0;
        for record in self.in_flight.values_mut() {
            if let RecordState::Acquired {
                member,
                deadline_ms,
            } = &record.state
                && due(member, *deadline_ms)
            {
                record.state = released(record.delivery_count, limits);
                if record.state == RecordState::Archived {
                    self.counters.archived_total += 1;
                }
                released_count += 1;
            }
        }
        if released_count > 0 {
            self.advance_start();
        }
        released_count
    }

    /// The earliest lock deadline, for the timer.
    pub fn next_deadline_ms(&self) -> Option<i64> {
        self.in_flight
            .values()
            .filter_map(|r| match r.state {
                RecordState::Acquired { deadline_ms, .. } => Some(deadline_ms),
                _ => None,
            })
            .min()
    }

    /// Moves the SPSO over the done offsets at the front of the window.
    fn advance_start(&mut self) {
        while let Some(entry) = self.in_flight.first_entry() {
            if !entry.get().state.is_done() {
                break;
            }
            entry.remove();
            self.start_offset += 1;
        }
        if self.in_flight.is_empty() {
            self.start_offset = self.end_offset;
        }
    }

    /// The state to persist: acquired records become Available, keeping
    /// their delivery count.
    pub fn to_stored(&self) -> StoredSharePartition {
        let mut runs: Vec<(i64, i64, u8, i16)> = Vec::new();
        for (&offset, record) in &self.in_flight {
            let state = match record.state {
                RecordState::Available | RecordState::Acquired { .. } => STORED_AVAILABLE,
                RecordState::Acknowledged => STORED_ACKNOWLEDGED,
                RecordState::Archived => STORED_ARCHIVED,
            };
            match runs.last_mut() {
                Some(last)
                    if last.1 + 1 == offset
                        && last.2 == state
                        && last.3 == record.delivery_count =>
                {
                    last.1 = offset;
                }
                _ => runs.push((offset, offset, state, record.delivery_count)),
            }
        }
        StoredSharePartition {
            start_offset: self.start_offset,
            runs,
            archived_total: self.counters.archived_total,
            redeliveries_total: self.counters.redeliveries_total,
        }
    }

    /// The state a restart resumes from. Runs that are malformed (below the
    /// SPSO, overlapping, an unknown state) are dropped rather than trusted;
    /// an Available run is what they would have been at worst.
    pub fn from_stored(stored: &StoredSharePartition) -> Self {
        let mut partition = Self::new(stored.start_offset);
        partition.counters = ShareCounters {
            archived_total: stored.archived_total,
            redeliveries_total: stored.redeliveries_total,
        };
        for &(first, last, state, delivery_count) in &stored.runs {
            let state = match state {
                STORED_AVAILABLE => RecordState::Available,
                STORED_ACKNOWLEDGED => RecordState::Acknowledged,
                STORED_ARCHIVED => RecordState::Archived,
                _ => continue,
            };
            if first < partition.end_offset || last < first {
                continue;
            }
            // Offsets between runs were never stored because they were
            // never delivered; they are available with no deliveries.
            for offset in partition.end_offset..first {
                partition.in_flight.insert(
                    offset,
                    InFlight {
                        state: RecordState::Available,
                        delivery_count: 0,
                    },
                );
            }
            for offset in first..=last {
                partition.in_flight.insert(
                    offset,
                    InFlight {
                        state: state.clone(),
                        delivery_count,
                    },
                );
            }
            partition.end_offset = last + 1;
        }
        partition.advance_start();
        partition
    }
}

/// A released (or timed-out) record: available again, or archived once it
/// has been delivered `delivery_count_limit` times (Kafka's
/// `SharePartition` does the same on release and on lock timeout).
fn released(delivery_count: i16, limits: &ShareLimits) -> RecordState {
    if delivery_count >= limits.delivery_count_limit {
        RecordState::Archived
    } else {
        RecordState::Available
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const LIMITS: ShareLimits = ShareLimits {
        lock_duration_ms: 1_000,
        delivery_count_limit: 3,
        max_in_flight: 50,
    };

    #[test]
    fn accept_release_reject() {
        let mut p = SharePartition::new(0);
        assert_eq!(
            p.acquire("a", 3, 0..10, 0, &LIMITS),
            vec![(0, 1), (1, 1), (2, 1)]
        );
        p.acknowledge("a", 0, AcknowledgeType::Accept, 0, &LIMITS)
            .unwrap();
        assert_eq!(p.start_offset(), 1);
        p.acknowledge("a", 1, AcknowledgeType::Release, 0, &LIMITS)
            .unwrap();
        p.acknowledge("a", 2, AcknowledgeType::Reject, 0, &LIMITS)
            .unwrap();
        assert_eq!(
            p.acknowledge("a", 2, AcknowledgeType::Accept, 0, &LIMITS),
            Err(ErrorCode::InvalidRecordState)
        );
        // The released offset comes back first, to anyone, counted twice.
        assert_eq!(p.acquire("b", 2, 0..10, 0, &LIMITS), vec![(1, 2), (3, 1)]);
        assert_eq!(
            p.acknowledge("a", 1, AcknowledgeType::Accept, 0, &LIMITS),
            Err(ErrorCode::InvalidRecordState),
            "b holds it now"
        );
        p.acknowledge("b", 1, AcknowledgeType::Accept, 0, &LIMITS)
            .unwrap();
        assert_eq!(p.start_offset(), 3, "2 was archived, so the SPSO passes it");
    }

    /// KIP-1226's lag counts what is still to do from the SPSO on: the
    /// acquired and available records and the never-delivered tail, not the
    /// done records the SPSO could not pass yet.
    #[test]
    fn lag_leaves_out_the_done_records_above_the_start_offset() {
        let mut p = SharePartition::new(10);
        assert_eq!((p.delivery_complete_count(), p.lag(25)), (0, 15));
        assert_eq!(p.acquire("a", 5, 10..25, 0, &LIMITS).len(), 5);
        assert_eq!(p.lag(25), 15, "acquired records are not done");
        for (offset, kind) in [
            (11, AcknowledgeType::Accept),
            (12, AcknowledgeType::Reject),
            (14, AcknowledgeType::Release),
        ] {
            p.acknowledge("a", offset, kind, 0, &LIMITS).unwrap();
        }
        // 10 still holds the SPSO; 11 (accepted) and 12 (rejected, archived)
        // are done above it, 13 is acquired and 14 available again.
        assert_eq!(p.start_offset(), 10);
        assert_eq!((p.delivery_complete_count(), p.lag(25)), (2, 13));
        p.acknowledge("a", 10, AcknowledgeType::Accept, 0, &LIMITS)
            .unwrap();
        assert_eq!(p.start_offset(), 13, "the SPSO passes the done run");
        assert_eq!((p.delivery_complete_count(), p.lag(25)), (0, 12));
        assert_eq!(p.lag(30), 17, "new records raise the lag");
        assert_eq!(SharePartition::new(40).lag(25), -15, "altered past the end");
    }

    #[test]
    fn only_fetched_offsets_are_acquired() {
        let mut p = SharePartition::new(0);
        assert_eq!(p.acquire("a", 2, 0..10, 0, &LIMITS), vec![(0, 1), (1, 1)]);
        // "b" read the log from offset 2 on; meanwhile "a" released 0.
        p.acknowledge("a", 0, AcknowledgeType::Release, 0, &LIMITS)
            .unwrap();
        assert_eq!(
            p.acquire("b", 5, 2..4, 0, &LIMITS),
            vec![(2, 1), (3, 1)],
            "offset 0 is not in b's response, so b must not hold it"
        );
        assert_eq!(p.acquire("b", 5, 6..9, 0, &LIMITS), vec![], "past SPEO");
        assert_eq!(p.acquire("c", 5, 0..1, 0, &LIMITS), vec![(0, 2)]);
    }

    #[test]
    fn expired_locks_come_back_until_the_limit_archives_them() {
        let mut p = SharePartition::new(5);
        for delivery in 1..=3 {
            assert_eq!(
                p.acquire("a", 1, 0..6, delivery * 10_000, &LIMITS),
                vec![(5, delivery as i16)]
            );
            assert_eq!(p.expire_locks(delivery * 10_000 + 999, &LIMITS), 0);
            assert_eq!(p.expire_locks(delivery * 10_000 + 1_000, &LIMITS), 1);
        }
        assert_eq!(p.acquire("a", 1, 0..6, 99_000, &LIMITS), vec![]);
        assert_eq!(p.start_offset(), 6, "the archived record is done");
    }

    #[test]
    fn renew_restarts_the_lock_of_the_holder_only() {
        let mut p = SharePartition::new(0);
        assert_eq!(p.acquire("a", 2, 0..2, 0, &LIMITS), vec![(0, 1), (1, 1)]);
        // Renewed at 900 ms: the lock now runs to 1_900, not 1_000.
        p.acknowledge("a", 0, AcknowledgeType::Renew, 900, &LIMITS)
            .unwrap();
        assert_eq!(
            p.acknowledge("b", 1, AcknowledgeType::Renew, 900, &LIMITS),
            Err(ErrorCode::InvalidRecordState),
            "b does not hold it"
        );
        assert_eq!(p.expire_locks(1_000, &LIMITS), 1, "only the unrenewed one");
        assert_eq!(
            p.in_flight()[&0],
            InFlight {
                state: RecordState::Acquired {
                    member: "a".into(),
                    deadline_ms: 1_900
                },
                delivery_count: 1
            }
        );
        assert_eq!(p.next_deadline_ms(), Some(1_900));
        assert_eq!(
            p.acknowledge("a", 1, AcknowledgeType::Renew, 1_000, &LIMITS),
            Err(ErrorCode::InvalidRecordState),
            "a lock that ran out cannot be renewed"
        );
        // Still the holder's to settle; a restart frees it with its count.
        let restarted = SharePartition::from_stored(&p.to_stored());
        assert_eq!(
            restarted.in_flight()[&0],
            InFlight {
                state: RecordState::Available,
                delivery_count: 1
            }
        );
        p.acknowledge("a", 0, AcknowledgeType::Accept, 1_500, &LIMITS)
            .unwrap();
        assert_eq!(p.acquire("b", 5, 0..2, 1_500, &LIMITS), vec![(1, 2)]);
    }

    #[test]
    fn stored_state_keeps_delivery_counts_and_frees_locks() {
        let mut p = SharePartition::new(0);
        p.acquire("a", 4, 0..4, 0, &LIMITS);
        p.acknowledge("a", 1, AcknowledgeType::Accept, 0, &LIMITS)
            .unwrap();
        p.acknowledge("a", 2, AcknowledgeType::Release, 0, &LIMITS)
            .unwrap();
        let restored = SharePartition::from_stored(&p.to_stored());
        assert_eq!(restored.start_offset(), 0);
        assert_eq!(restored.end_offset(), 4);
        let states: Vec<_> = restored
            .in_flight()
            .iter()
            .map(|(o, r)| (*o, r.state.clone(), r.delivery_count))
            .collect();
        assert_eq!(
            states,
            vec![
                (0, RecordState::Available, 1),
                (1, RecordState::Acknowledged, 1),
                (2, RecordState::Available, 1),
                (3, RecordState::Available, 1),
            ]
        );
    }

    #[test]
    fn counters_count_archives_and_redeliveries_and_survive_a_restart() {
        let mut p = SharePartition::new(0);
        p.acquire("a", 4, 0..4, 0, &LIMITS);
        assert_eq!(p.acquired_count(), 4);
        p.acknowledge("a", 0, AcknowledgeType::Reject, 0, &LIMITS)
            .unwrap();
        p.acknowledge("a", 1, AcknowledgeType::Release, 0, &LIMITS)
            .unwrap();
        p.acknowledge("a", 2, AcknowledgeType::Accept, 0, &LIMITS)
            .unwrap();
        assert_eq!(p.acquired_count(), 1, "only 3 is still locked");
        assert_eq!(
            p.counters(),
            ShareCounters {
                archived_total: 1,
                redeliveries_total: 0
            }
        );
        // 1 comes back twice more (deliveries 2 and 3), then times out at
        // the limit and is archived; 3 times out once and comes back.
        p.expire_locks(1_000, &LIMITS);
        assert_eq!(
            p.acquire("b", 5, 0..4, 1_000, &LIMITS),
            vec![(1, 2), (3, 2)]
        );
        p.acknowledge("b", 3, AcknowledgeType::Accept, 1_000, &LIMITS)
            .unwrap();
        p.acknowledge("b", 1, AcknowledgeType::Release, 1_000, &LIMITS)
            .unwrap();
        assert_eq!(p.acquire("b", 5, 0..4, 1_000, &LIMITS), vec![(1, 3)]);
        assert_eq!(p.expire_locks(2_000, &LIMITS), 1);
        let expected = ShareCounters {
            archived_total: 2,
            redeliveries_total: 3,
        };
        assert_eq!(p.counters(), expected);
        assert_eq!(p.acquired_count(), 0);
        assert_eq!(p.start_offset(), 4, "everything is done");
        let restarted = SharePartition::from_stored(&p.to_stored());
        assert_eq!(restarted.counters(), expected);
    }

    #[test]
    fn state_stored_before_the_counters_existed_reads_as_zero() {
        let stored: StoredSharePartition =
            serde_json::from_str(r#"{"start_offset":3,"runs":[[3,4,0,1]]}"#).unwrap();
        let p = SharePartition::from_stored(&stored);
        assert_eq!(p.counters(), ShareCounters::default());
        assert_eq!(p.start_offset(), 3);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Acquire { member: u8, max: usize, from: i64 },
        Ack { member: u8, offset: i64, kind: u8 },
        Tick { ms: i64 },
        Leave { member: u8 },
        Restart,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0u8..3, 1usize..6, 0i64..30).prop_map(|(member, max, from)| Op::Acquire {
                member,
                max,
                from
            }),
            (0u8..3, 0i64..30, 1u8..5).prop_map(|(member, offset, kind)| Op::Ack {
                member,
                offset,
                kind
            }),
            (0i64..1_500).prop_map(|ms| Op::Tick { ms }),
            (0u8..3).prop_map(|member| Op::Leave { member }),
            Just(Op::Restart),
        ]
    }

    proptest! {
        /// Random acquires, acknowledgements, lock timeouts, members leaving
        /// and restarts keep the invariants: each offset is in exactly one
        /// state (the window is contiguous), accepted offsets are never
        /// acquired again, delivery counts stay within the limit, the SPSO
        /// only moves forward, two members never hold one offset, and the
        /// lag counts exactly the records not done from the SPSO on.
        #[test]
        fn share_partition_invariants(ops in proptest::collection::vec(op(), 1..80)) {
            let mut p = SharePartition::new(0);
            let mut now_ms = 0;
            let mut accepted = std::collections::BTreeSet::new();
            let mut last_start = p.start_offset();
            let mut last_counters = p.counters();
            for op in ops {
                match op {
                    Op::Acquire { member, max, from } => {
                        let got = p.acquire(&format!("m{member}"), max, from..30, now_ms, &LIMITS);
                        for (offset, count) in got {
                            prop_assert!(offset >= from, "acquired {offset} below the fetched {from}");
                            prop_assert!(!accepted.contains(&offset), "accepted {offset} re-acquired");
                            prop_assert!(count <= LIMITS.delivery_count_limit);
                        }
                    }
                    Op::Ack { member, offset, kind } => {
                        let kind = AcknowledgeType::try_from(kind as i8).unwrap();
                        let held = matches!(
                            p.in_flight().get(&offset).map(|r| &r.state),
                            Some(RecordState::Acquired { member: m, .. }) if *m == format!("m{member}")
                        );
                        let result = p.acknowledge(&format!("m{member}"), offset, kind, now_ms, &LIMITS);
                        prop_assert_eq!(result.is_ok(), held);
                        if held && kind == AcknowledgeType::Accept {
                            accepted.insert(offset);
                        }
                    }
                    Op::Tick { ms } => {
                        now_ms += ms;
                        p.expire_locks(now_ms, &LIMITS);
                    }
                    Op::Leave { member } => {
                        p.release_member(&format!("m{member}"), &LIMITS);
                    }
                    Op::Restart => p = SharePartition::from_stored(&p.to_stored()),
                }
                prop_assert!(p.start_offset() >= last_start, "SPSO moved back");
                let counters = p.counters();
                prop_assert!(counters.archived_total >= last_counters.archived_total);
                prop_assert!(counters.redeliveries_total >= last_counters.redeliveries_total);
                last_counters = counters;
                let archived_now = p.in_flight().values().filter(|r| r.state == RecordState::Archived).count();
                prop_assert!(archived_now as u64 <= counters.archived_total, "an archived record went uncounted");
                last_start = p.start_offset();
                let keys: Vec<i64> = p.in_flight().keys().copied().collect();
                prop_assert_eq!(keys, (p.start_offset()..p.end_offset()).collect::<Vec<_>>());
                // KIP-1226: the lag against a log end of 30 is the
                // never-delivered tail plus the in-flight records not done.
                let not_done = p.in_flight().values().filter(|r| !r.state.is_done()).count() as i64;
                prop_assert_eq!(p.lag(30), 30 - p.end_offset() + not_done);
                for (offset, record) in p.in_flight() {
                    prop_assert!(record.delivery_count <= LIMITS.delivery_count_limit);
                    if accepted.contains(offset) {
                        prop_assert_eq!(&record.state, &RecordState::Acknowledged);
                    }
                }
                if let Some(first) = p.in_flight().values().next() {
                    prop_assert!(!first.state.is_done(), "SPSO stopped on a done offset");
                }
            }
        }
    }
}
