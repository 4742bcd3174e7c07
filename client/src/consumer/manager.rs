//! The consumer's housekeeping task: metadata refreshes when fetches report
//! them stale, the subscription turned into an assignment, one fetch task
//! per leader, and ListOffsets lookups for positions that need one.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use kafka_protocol::messages::ApiKey;
use tokio::time::Instant;

use super::state::{Inner, StartAt, Subscription};
use super::{TopicPartition, fetcher, validation};
use crate::error::{Error, ErrorCode, ErrorContext, Result};
use crate::offsets::{ListedOffset, OffsetQuery, OffsetSpec, list_offsets_on};
/// How often the manager looks again without being woken: picks up
/// metadata the client refreshed on its own (new partitions, moved
/// leaders) and retries whose backoff ended.
const TICK: Duration = Duration::from_millis(100);
/// How long before asking again about a subscribed topic the cluster did
/// not know.
const UNKNOWN_TOPIC_RECHECK: Duration = Duration::from_secs(1);

pub(crate) fn start(inner: &Arc<Inner>) {
    let task = tokio::spawn(run(Arc::clone(inner)));
    crate::sync::lock(&inner.tasks).push(task);
}

async fn run(inner: Arc<Inner>) {
    let mut changed = inner.changed.subscribe();
    let mut fetchers: HashSet<i32> = HashSet::new();
    let mut last_refresh: Option<Instant> = None;
    let mut asked_about: HashMap<String, Instant> = HashMap::new();
    let refresh_backoff = Duration::from_millis(inner.config.client.metadata_refresh_backoff_ms);
    loop {
        changed.borrow_and_update();
        let stale = {
            let mut state = inner.lock();
            if state.closed {
                return;
            }
            let due = last_refresh.is_none_or(|at| at.elapsed() >= refresh_backoff);
            state.metadata_stale && due && {
                state.metadata_stale = false;
                true
            }
        };
        if stale {
            last_refresh = Some(Instant::now());
            if let Err(error) = inner.client.refresh_metadata().await {
                tracing::warn!(%error, "consumer metadata refresh failed");
                inner.lock().metadata_stale = true;
            }
        }
        follow_subscription(&inner, &mut asked_about).await;
        let unknown = unknown_assigned_topics(&inner);
        ask_about(&inner, unknown, &mut asked_about).await;
        spawn_fetchers(&inner, &mut fetchers);
        start_lookups(&inner);
        validation::start_validations(&inner);
        tokio::select! {
            r = changed.changed() => if r.is_err() { return },
            () = tokio::time::sleep(TICK) => {}
        }
    }
}

/// Registers topics the metadata does not know with the client (whose
/// refreshes then include them) and fetches their metadata now.
async fn ask_about(
    inner: &Inner,
    topics: impl IntoIterator<Item = String>,
    asked_about: &mut HashMap<String, Instant>,
) {
    for topic in topics {
        if asked_about
            .get(&topic)
            .is_some_and(|at| at.elapsed() < UNKNOWN_TOPIC_RECHECK)
        {
            continue;
        }
        asked_about.insert(topic.clone(), Instant::now());
        if let Err(error) = inner.client.topic_metadata(&topic).await {
            tracing::debug!(%topic, %error, "topic not available yet");
        }
        inner.kick();
    }
}

/// Topics of the assignment that the metadata does not know (e.g. assigned
/// by hand before anything asked about them).
fn unknown_assigned_topics(inner: &Inner) -> BTreeSet<String> {
    let metadata = inner.client.metadata();
    inner
        .lock()
        .partitions
        .keys()
        .filter(|tp| {
            metadata
                .topic(&tp.topic)
                .is_none_or(|t| t.partitions.is_empty())
        })
        .map(|tp| tp.topic.to_string())
        .collect()
}

/// Makes the assignment match the subscription: every partition of the
/// subscribed (or matching) topics.
async fn follow_subscription(inner: &Inner, asked_about: &mut HashMap<String, Instant>) {
    let metadata = inner.client.metadata();
    let (wanted, unknown) = {
        let state = inner.lock();
        let topics: Vec<String> = match &state.subscription {
            Subscription::Manual => return,
            Subscription::Topics(topics) => topics.iter().cloned().collect(),
            Subscription::Pattern(pattern) => metadata
                .topics
                .values()
                .filter(|t| !t.is_internal && pattern.is_match(&t.name))
                .map(|t| t.name.clone())
                .collect(),
        };
        let mut wanted = BTreeSet::new();
        let mut unknown = Vec::new();
        for topic in topics {
            match metadata.topic(&topic).filter(|t| !t.partitions.is_empty()) {
                Some(t) => wanted.extend(
                    t.partitions
                        .iter()
                        .map(|p| TopicPartition::new(&topic, p.id)),
                ),
                None => unknown.push(topic),
            }
        }
        (wanted, unknown)
    };
    ask_about(inner, unknown, asked_about).await;
    if inner.config.group_id.is_some() {
        // The group's leader shares the partitions out; the manager only
        // keeps their metadata at hand.
        return;
    }
    let (added, revoked) = {
        let state = inner.lock();
        if matches!(state.subscription, Subscription::Manual) {
            // Replaced by `assign` while we looked.
            return;
        }
        let added: Vec<(TopicPartition, StartAt)> = wanted
            .iter()
            .filter(|tp| !state.partitions.contains_key(*tp))
            .map(|tp| (tp.clone(), StartAt::Default))
            .collect();
        let revoked: Vec<TopicPartition> = state
            .partitions
            .keys()
            .filter(|tp| !wanted.contains(*tp))
            .cloned()
            .collect();
        (added, revoked)
    };
    if !added.is_empty() || !revoked.is_empty() {
        tracing::debug!(
            added = added.len(),
            revoked = revoked.len(),
            "subscription changed the assignment"
        );
        inner.apply_assignment(&added, &revoked);
    }
}

/// Starts a fetch task for every broker that leads an assigned partition
/// and has none; asks for metadata when a partition has no known leader.
fn spawn_fetchers(inner: &Arc<Inner>, fetchers: &mut HashSet<i32>) {
    let metadata = inner.client.metadata();
    let mut leaderless = false;
    let mut leaders = HashSet::new();
    {
        let state = inner.lock();
        for tp in state.partitions.keys() {
            match metadata.leader_for(&tp.topic, tp.partition) {
                Some(broker) => {
                    leaders.insert(broker.id);
                }
                None => leaderless = true,
            }
        }
    }
    let mut tasks = crate::sync::lock(&inner.tasks);
    tasks.retain(|t| !t.is_finished());
    for id in leaders {
        if fetchers.insert(id) {
            tasks.push(tokio::spawn(fetcher::run(Arc::clone(inner), id)));
        }
    }
    drop(tasks);
    if leaderless {
        inner.lock().metadata_stale = true;
    }
}

struct Lookup {
    tp: TopicPartition,
    epoch: u64,
    spec: OffsetSpec,
    leader_epoch: i32,
}

/// Sends one ListOffsets per leader for the partitions waiting for a
/// position.
fn start_lookups(inner: &Arc<Inner>) {
    let metadata = inner.client.metadata();
    let now = Instant::now();
    let mut by_leader: HashMap<i32, Vec<Lookup>> = HashMap::new();
    {
        let mut state = inner.lock();
        let mut leaderless = false;
        for (tp, p) in state.partitions.iter_mut() {
            let Some(spec) = p.reset else { continue };
            if p.resetting || p.retry_at.is_some_and(|at| at > now) {
                continue;
            }
            let partition = metadata
                .topic(&tp.topic)
                .and_then(|t| t.partitions.get(usize::try_from(tp.partition).ok()?));
            let Some((leader, leader_epoch)) =
                partition.and_then(|m| Some((m.leader()?, m.leader_epoch)))
            else {
                leaderless = true;
                continue;
            };
            p.resetting = true;
            by_leader.entry(leader).or_default().push(Lookup {
                tp: tp.clone(),
                epoch: p.epoch,
                spec,
                leader_epoch,
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
    for (leader, lookups) in by_leader {
        tasks.push(tokio::spawn(look_up(Arc::clone(inner), leader, lookups)));
    }
}

async fn look_up(inner: Arc<Inner>, leader: i32, lookups: Vec<Lookup>) {
    let result = list_offsets(&inner, leader, &lookups).await;
    let mut answers = match result {
        Ok(answers) => answers.into_iter(),
        Err(e) => vec![Err(e); lookups.len()].into_iter(),
    };
    let now = Instant::now();
    let mut wake_poll = false;
    let mut stale_metadata = false;
    {
        let mut state = inner.lock();
        for lookup in &lookups {
            #[allow(
                clippy::expect_used,
                reason = "list_offsets_on answers once per query, in order"
            )]
            let answer = answers
                .next()
                .expect("one answer per lookup")
                // No record at or after a timestamp reads as −1.
                .map(|listed| (listed.offset.unwrap_or(-1), listed.leader_epoch));
            let Some(p) = state
                .partitions
                .get_mut(&lookup.tp)
                .filter(|p| p.epoch == lookup.epoch)
            else {
                // Sought, reset or revoked since: this answer is moot.
                continue;
            };
            p.resetting = false;
            match answer {
                Ok((offset, leader_epoch)) if offset >= 0 => {
                    p.reset = None;
                    p.position = offset;
                    p.fetch_offset = offset;
                    // The epoch came from the leader just asked: the
                    // position is valid under it.
                    p.offset_epoch = leader_epoch;
                    p.fetched_epoch = leader_epoch;
                    p.validated_leader_epoch = lookup.leader_epoch;
                    p.failures = 0;
                    p.retry_at = None;
                }
                Ok(_) => {
                    // No record at or after the timestamp: continue at the end.
                    p.reset = Some(OffsetSpec::Latest);
                }
                Err(error) => {
                    let failed =
                        state.lookup_failed(&lookup.tp, error, now, &inner.config.retry_backoff);
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
    // Resolved positions make partitions fetchable and answer `position`.
    inner.kick();
}

async fn list_offsets(
    inner: &Inner,
    leader: i32,
    lookups: &[Lookup],
) -> Result<Vec<Result<ListedOffset>>> {
    let broker = inner.client.broker(leader).ok_or_else(|| {
        Error::kafka(
            ErrorCode::LeaderNotAvailable,
            ErrorContext::api(ApiKey::ListOffsets),
        )
    })?;
    let conn = broker.get().await?;
    let queries: Vec<OffsetQuery> = lookups
        .iter()
        .map(|lookup| OffsetQuery {
            tp: lookup.tp.clone(),
            spec: lookup.spec,
            current_leader_epoch: lookup.leader_epoch,
        })
        .collect();
    list_offsets_on(&conn, &queries, inner.config.isolation_level).await
}
