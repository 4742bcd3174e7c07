//! Truncation detection after a leader change (KIP-320), as Java's consumer
//! does it.
//!
//! A position remembers the leader epoch of the record before it (the last
//! one consumed, or the committed offset's `committed_leader_epoch`). When
//! the metadata shows a new leader epoch for the partition, the position
//! waits for validation: OffsetForLeaderEpoch asks the leader where that
//! epoch ends in its log. An end below the position means the log the
//! consumer read (or committed from) was truncated — an unclean election, or
//! an acks=1 tail the old leader never replicated. Fetch v12+ reports the
//! same thing unasked, as a diverging epoch, when `last_fetched_epoch` does
//! not match the leader's log.
//!
//! What happens then is Java's `SubscriptionState.maybeCompleteValidation`:
//! with a reset policy the position moves to the first offset known to
//! diverge (or is reset by the policy when the leader knows no end for the
//! epoch); with `auto.offset.reset=none` the application gets
//! [`Error::LogTruncation`] and the partition waits for a seek.

use std::collections::HashMap;
use std::sync::Arc;

use kafka_protocol::messages::offset_for_leader_epoch_request::{
    OffsetForLeaderPartition, OffsetForLeaderTopic,
};
use kafka_protocol::messages::{ApiKey, BrokerId, OffsetForLeaderEpochRequest, TopicName};
use tokio::time::Instant;

use super::state::{Buffered, Inner, StartAt, State};
use super::{OffsetReset, TopicPartition};
use crate::error::{Error, ErrorCode, ErrorContext, RequestError, Result};
use crate::protocol::StrBytes;

/// The first OffsetForLeaderEpoch version a consumer may send (replica id
/// −1, KIP-320); against older brokers positions are not validated, as in
/// Java.
const CONSUMER_MIN_VERSION: i16 = 3;

/// Where the leader says a leader epoch ends: the largest epoch at or below
/// the one asked about, and the offset the next epoch starts at (the log
/// end for the latest). −1 in either field: the leader knows no such epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EpochEnd {
    pub(crate) leader_epoch: i32,
    pub(crate) end_offset: i64,
}

/// What a validation answer does to the position.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// The log still holds everything before the position.
    Valid,
    /// Truncated below the position: continue at the divergence point.
    SeekTo { offset: i64, leader_epoch: i32 },
    /// Truncated, and the leader knows no end for the epoch: reset per
    /// `auto.offset.reset`.
    ResetByPolicy,
    /// Truncated under `auto.offset.reset=none`.
    Truncated(Error),
}

/// Java's `maybeCompleteValidation` decision for a position and the
/// leader's answer.
pub(crate) fn decide(
    tp: &TopicPartition,
    position: i64,
    end: EpochEnd,
    reset: OffsetReset,
) -> Verdict {
    let unknown = end.end_offset < 0 || end.leader_epoch < 0;
    if !unknown && end.end_offset >= position {
        return Verdict::Valid;
    }
    match (reset, unknown) {
        (OffsetReset::None, _) => Verdict::Truncated(Error::LogTruncation {
            topic: tp.topic.to_string(),
            partition: tp.partition,
            offset: position,
            divergent_offset: (!unknown).then_some(end.end_offset),
            divergent_leader_epoch: (!unknown).then_some(end.leader_epoch),
        }),
        (_, true) => Verdict::ResetByPolicy,
        (_, false) => Verdict::SeekTo {
            offset: end.end_offset,
            leader_epoch: end.leader_epoch,
        },
    }
}

impl State {
    /// Applies the leader's answer about `tp`'s position (already checked
    /// to still concern it). `current_leader_epoch` is the partition leader
    /// epoch the answer came under. Answers whether an error was queued for
    /// the application.
    pub(crate) fn complete_validation(
        &mut self,
        tp: &TopicPartition,
        end: EpochEnd,
        current_leader_epoch: i32,
        reset: OffsetReset,
    ) -> bool {
        let Some(p) = self.partitions.get_mut(tp) else {
            return false;
        };
        let position = p.position;
        match decide(tp, position, end, reset) {
            Verdict::Valid => {
                p.awaiting_validation = false;
                p.validating = false;
                p.validated_leader_epoch = current_leader_epoch;
                false
            }
            Verdict::SeekTo {
                offset,
                leader_epoch,
            } => {
                tracing::info!(
                    %tp,
                    position,
                    divergent_offset = offset,
                    "truncation detected; resetting to the first offset known to diverge"
                );
                self.place(
                    tp,
                    StartAt::Committed {
                        offset,
                        leader_epoch: Some(leader_epoch),
                    },
                    reset,
                );
                if let Some(p) = self.partitions.get_mut(tp) {
                    p.validated_leader_epoch = current_leader_epoch;
                }
                false
            }
            Verdict::ResetByPolicy => {
                tracing::info!(%tp, position, "truncation detected; resetting per auto.offset.reset");
                self.place(tp, StartAt::Default, reset);
                false
            }
            Verdict::Truncated(error) => {
                tracing::warn!(%tp, position, %error, "truncation detected and auto.offset.reset=none");
                p.awaiting_validation = false;
                p.validating = false;
                p.failed = true;
                let epoch = p.epoch;
                self.add_buffered(Buffered::Error {
                    tp: tp.clone(),
                    epoch,
                    error,
                });
                true
            }
        }
    }

    /// A Fetch answer named a diverging epoch: the leader's log differs
    /// from what was fetched at or before the fetch offset. Whatever is
    /// buffered past the position is dropped and fetched again; the
    /// position itself is judged as a validation answer would be.
    pub(crate) fn diverged(
        &mut self,
        tp: &TopicPartition,
        end: EpochEnd,
        current_leader_epoch: i32,
        reset: OffsetReset,
    ) -> bool {
        let Some(p) = self.partitions.get(tp) else {
            return false;
        };
        let (position, offset_epoch) = (p.position, p.offset_epoch);
        // A new partition epoch: data buffered or in flight is stale.
        self.place(
            tp,
            StartAt::Committed {
                offset: position,
                leader_epoch: offset_epoch,
            },
            reset,
        );
        self.complete_validation(tp, end, current_leader_epoch, reset)
    }
}

struct Check {
    tp: TopicPartition,
    epoch: u64,
    position: i64,
    offset_epoch: i32,
    current_leader_epoch: i32,
}

/// Sends one OffsetForLeaderEpoch per leader for the positions awaiting
/// validation.
pub(crate) fn start_validations(inner: &Arc<Inner>) {
    let metadata = inner.client.metadata();
    let now = Instant::now();
    let mut by_leader: HashMap<i32, Vec<Check>> = HashMap::new();
    {
        let mut state = inner.lock();
        let mut leaderless = false;
        for (tp, p) in state.partitions.iter_mut() {
            let partition = metadata
                .topic(&tp.topic)
                .and_then(|t| t.partitions.get(usize::try_from(tp.partition).ok()?));
            let Some((leader, leader_epoch)) =
                partition.and_then(|m| Some((m.leader()?, m.leader_epoch)))
            else {
                leaderless |= p.awaiting_validation;
                continue;
            };
            p.observe_leader_epoch(leader_epoch);
            if !p.awaiting_validation || p.validating || p.retry_at.is_some_and(|at| at > now) {
                continue;
            }
            let Some(offset_epoch) = p.offset_epoch else {
                continue;
            };
            p.validating = true;
            by_leader.entry(leader).or_default().push(Check {
                tp: tp.clone(),
                epoch: p.epoch,
                position: p.position,
                offset_epoch,
                current_leader_epoch: leader_epoch,
            });
        }
        if leaderless {
            state.metadata_stale = true;
        }
    }
    if by_leader.is_empty() {
        return;
    }
    let mut tasks = crate::sync::lock(&inner.tasks);
    for (leader, checks) in by_leader {
        tasks.push(tokio::spawn(validate(Arc::clone(inner), leader, checks)));
    }
}

/// One answer per check, in order; `Ok(None)`: the broker cannot validate.
async fn validate(inner: Arc<Inner>, leader: i32, checks: Vec<Check>) {
    let answers = match offsets_for_leader_epoch(&inner, leader, &checks).await {
        Ok(answers) => answers,
        Err(e) => checks.iter().map(|_| Err(e.clone())).collect(),
    };
    let now = Instant::now();
    let reset = inner.config.auto_offset_reset;
    let mut wake_poll = false;
    let mut stale_metadata = false;
    {
        let mut state = inner.lock();
        for (check, answer) in checks.iter().zip(answers) {
            let Some(p) = state
                .partitions
                .get_mut(&check.tp)
                .filter(|p| p.epoch == check.epoch && p.validating)
            else {
                // Sought, reset or revoked since: this answer is moot.
                continue;
            };
            p.validating = false;
            if p.position != check.position {
                // Java skips an answer for a position no longer current.
                continue;
            }
            match answer {
                Ok(Some(end)) => {
                    p.failures = 0;
                    wake_poll |= state.complete_validation(
                        &check.tp,
                        end,
                        check.current_leader_epoch,
                        reset,
                    );
                }
                Ok(None) => {
                    p.awaiting_validation = false;
                    p.validated_leader_epoch = check.current_leader_epoch;
                }
                Err(error) => {
                    let failed =
                        state.lookup_failed(&check.tp, error, now, &inner.config.retry_backoff);
                    stale_metadata |= failed.stale_metadata;
                    wake_poll |= failed.wake_poll;
                }
            }
        }
        if stale_metadata {
            state.metadata_stale = true;
        }
    }
    if wake_poll {
        inner.data_ready.notify_one();
    }
    // Validated positions make partitions fetchable again.
    inner.kick();
}

async fn offsets_for_leader_epoch(
    inner: &Inner,
    leader: i32,
    checks: &[Check],
) -> Result<Vec<Result<Option<EpochEnd>>>> {
    let broker = inner.client.broker(leader).ok_or_else(|| {
        Error::kafka(
            ErrorCode::LeaderNotAvailable,
            ErrorContext::api(ApiKey::OffsetForLeaderEpoch),
        )
    })?;
    let conn = broker.get().await?;
    let version = match conn.version_for::<OffsetForLeaderEpochRequest>(None) {
        Ok(v) if v >= CONSUMER_MIN_VERSION => v,
        Ok(_) | Err(RequestError::UnsupportedApi { .. }) => {
            tracing::debug!(
                broker = leader,
                "no OffsetForLeaderEpoch v3+: positions not validated"
            );
            return Ok(checks.iter().map(|_| Ok(None)).collect());
        }
        Err(e) => return Err(e.into()),
    };
    let mut topics: Vec<OffsetForLeaderTopic> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for check in checks {
        let at = *index.entry(&check.tp.topic).or_insert_with(|| {
            topics.push(
                OffsetForLeaderTopic::default()
                    .with_topic(TopicName(StrBytes::from_string(check.tp.topic.to_string()))),
            );
            topics.len() - 1
        });
        topics[at].partitions.push(
            OffsetForLeaderPartition::default()
                .with_partition(check.tp.partition)
                .with_current_leader_epoch(check.current_leader_epoch)
                .with_leader_epoch(check.offset_epoch),
        );
    }
    let request = OffsetForLeaderEpochRequest::default()
        .with_replica_id(BrokerId(-1))
        .with_topics(topics);
    let response = conn.request_at(&request, version).await?;
    let mut answers: HashMap<(String, i32), Result<Option<EpochEnd>>> = HashMap::new();
    for topic in response.topics {
        let name = topic.topic.0.to_string();
        for p in topic.partitions {
            let answer = match ErrorCode::try_from_code(p.error_code) {
                Some(code) => Err(Error::kafka(
                    code,
                    ErrorContext::partition(ApiKey::OffsetForLeaderEpoch, &name, p.partition),
                )),
                None => Ok(Some(EpochEnd {
                    leader_epoch: p.leader_epoch,
                    end_offset: p.end_offset,
                })),
            };
            answers.insert((name.clone(), p.partition), answer);
        }
    }
    Ok(checks
        .iter()
        .map(|check| {
            answers
                .remove(&(check.tp.topic.to_string(), check.tp.partition))
                .unwrap_or_else(|| {
                    Err(Error::kafka(
                        ErrorCode::UnknownServerError,
                        ErrorContext::partition(
                            ApiKey::OffsetForLeaderEpoch,
                            &check.tp.topic,
                            check.tp.partition,
                        ),
                    ))
                })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp() -> TopicPartition {
        TopicPartition::new("t", 0)
    }

    fn end(leader_epoch: i32, end_offset: i64) -> EpochEnd {
        EpochEnd {
            leader_epoch,
            end_offset,
        }
    }

    #[test]
    fn an_epoch_ending_at_or_past_the_position_is_valid() {
        for reset in [
            OffsetReset::Earliest,
            OffsetReset::Latest,
            OffsetReset::None,
        ] {
            assert!(matches!(
                decide(&tp(), 10, end(3, 10), reset),
                Verdict::Valid
            ));
            assert!(matches!(
                decide(&tp(), 10, end(3, 25), reset),
                Verdict::Valid
            ));
        }
    }

    #[test]
    fn truncation_below_the_position_seeks_to_the_divergence_with_a_policy() {
        for reset in [OffsetReset::Earliest, OffsetReset::Latest] {
            assert!(matches!(
                decide(&tp(), 15, end(2, 10), reset),
                Verdict::SeekTo {
                    offset: 10,
                    leader_epoch: 2
                }
            ));
        }
    }

    #[test]
    fn truncation_without_a_policy_is_a_typed_error_naming_the_divergence() {
        let Verdict::Truncated(error) = decide(&tp(), 15, end(2, 10), OffsetReset::None) else {
            panic!("expected a truncation error");
        };
        assert!(matches!(
            error,
            Error::LogTruncation {
                offset: 15,
                divergent_offset: Some(10),
                divergent_leader_epoch: Some(2),
                ..
            }
        ));
        assert!(!error.is_retriable());
    }

    #[test]
    fn an_epoch_the_leader_does_not_know_resets_or_fails_without_a_divergence() {
        assert!(matches!(
            decide(&tp(), 15, end(-1, -1), OffsetReset::Earliest),
            Verdict::ResetByPolicy
        ));
        let Verdict::Truncated(error) = decide(&tp(), 15, end(-1, -1), OffsetReset::None) else {
            panic!("expected a truncation error");
        };
        assert!(matches!(
            error,
            Error::LogTruncation {
                divergent_offset: None,
                divergent_leader_epoch: None,
                ..
            }
        ));
    }

    fn placed(state: &mut State, offset: i64, leader_epoch: Option<i32>) {
        state
            .partitions
            .insert(tp(), super::super::state::PartitionState::unplaced());
        state.place(
            &tp(),
            StartAt::Committed {
                offset,
                leader_epoch,
            },
            OffsetReset::Earliest,
        );
    }

    #[test]
    fn a_new_leader_epoch_holds_a_position_with_an_epoch_until_validated() {
        let mut state = State::for_tests();
        placed(&mut state, 15, Some(2));
        let p = state.partitions.get_mut(&tp()).unwrap();
        p.observe_leader_epoch(3);
        assert!(p.awaiting_validation && !p.fetchable(Instant::now()));

        assert!(!state.complete_validation(&tp(), end(2, 20), 3, OffsetReset::Earliest));
        let p = state.partitions.get_mut(&tp()).unwrap();
        assert!(p.fetchable(Instant::now()) && p.validated_leader_epoch == 3);
        p.observe_leader_epoch(3);
        assert!(
            !p.awaiting_validation,
            "the same epoch needs no second check"
        );
    }

    #[test]
    fn a_position_without_an_epoch_is_never_held() {
        let mut state = State::for_tests();
        placed(&mut state, 15, None);
        let p = state.partitions.get_mut(&tp()).unwrap();
        p.observe_leader_epoch(3);
        assert!(!p.awaiting_validation && p.validated_leader_epoch == 3);
    }

    #[test]
    fn a_truncated_position_moves_to_the_divergence_and_keeps_its_epoch() {
        let mut state = State::for_tests();
        placed(&mut state, 15, Some(2));
        state
            .partitions
            .get_mut(&tp())
            .unwrap()
            .observe_leader_epoch(3);
        state.complete_validation(&tp(), end(2, 10), 3, OffsetReset::Latest);
        let p = &state.partitions[&tp()];
        assert_eq!(
            (p.position, p.fetch_offset, p.offset_epoch),
            (10, 10, Some(2))
        );
        assert!(p.fetchable(Instant::now()));
    }

    #[test]
    fn a_truncated_position_without_a_policy_stops_the_partition_with_the_error() {
        let mut state = State::for_tests();
        placed(&mut state, 15, Some(2));
        assert!(state.complete_validation(&tp(), end(2, 10), 3, OffsetReset::None));
        let p = &state.partitions[&tp()];
        assert!(p.failed && !p.fetchable(Instant::now()));
        assert!(matches!(
            state.buffer.front(),
            Some(Buffered::Error {
                error: Error::LogTruncation { .. },
                ..
            })
        ));
    }

    #[test]
    fn a_diverging_epoch_in_a_fetch_drops_what_was_fetched_past_the_position() {
        let mut state = State::for_tests();
        placed(&mut state, 8, Some(2));
        {
            let p = state.partitions.get_mut(&tp()).unwrap();
            p.fetch_offset = 14;
            p.fetched_epoch = Some(2);
        }
        let before = state.partitions[&tp()].epoch;
        // Epoch 2 ends at 10: offsets 10..14 fetched from the old leader
        // are gone, the position (8) is still in the log.
        assert!(!state.diverged(&tp(), end(2, 10), 3, OffsetReset::None));
        let p = &state.partitions[&tp()];
        assert_ne!(p.epoch, before, "data buffered or in flight is stale");
        assert_eq!(
            (p.position, p.fetch_offset, p.fetched_epoch),
            (8, 8, Some(2))
        );
        assert!(p.fetchable(Instant::now()));
    }
}
