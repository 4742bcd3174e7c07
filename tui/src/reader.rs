//! Reads records for the Messages screen in a background task, so keys
//! never wait on a fetch.
//!
//! The task holds one [`Consumer`] without a group (manual assignment and
//! seeks, as `kctl consume` does) and runs one *session* per
//! [`BrowseRequest`]. A new request ends the session in flight at once:
//! the task drops its reading future, re-assigns and seeks. Records go to
//! the event loop as [`Action::Browsed`] batches, at most every
//! [`BATCH_INTERVAL`], each copied out of the fetch buffer (see
//! [`BrowsedRecord::from_consumed`]).
//!
//! A `--filter` expression is applied as records stream, before they are
//! copied, so only matches are sent and kept. A session reads from its
//! start position to the end offsets it looked up when it began, then stops (caught up), or keeps going when the
//! request asked for a live tail. Reading forward stops once the buffer's
//! worth of records matched, so `oldest` on a large topic does not read
//! it all to keep its last few.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use kctl_client::admin::{
    Admin, AdminConfig, IsolationLevel, OffsetSpec, TopicPartition as AdminTp,
};
use kctl_client::filter::{FilterError, RecordFilter};
use kctl_client::{Consumer, TopicPartition};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::action::Action;
use crate::messages::{BrowseRequest, BrowsedRecord, ReaderPhase, ReaderUpdate, StartAt};

/// How often records are handed to the event loop while they stream: fast
/// enough to look live, slow enough that a busy topic does not redraw the
/// screen for every fetch.
pub const BATCH_INTERVAL: Duration = Duration::from_millis(100);
/// How long one poll waits for records before the session checks whether
/// it has reached its end offsets.
const POLL_WAIT: Duration = Duration::from_millis(200);

/// Connects the reader's consumer; called again after a failure.
pub type ConnectConsumer = Box<
    dyn Fn() -> Pin<Box<dyn Future<Output = kctl_client::Result<Consumer>> + Send>> + Send + Sync,
>;

/// The running reader. Dropping it stops the task.
#[derive(Debug)]
pub struct ReaderHandle {
    requests: watch::Sender<Option<BrowseRequest>>,
    task: JoinHandle<()>,
}

impl ReaderHandle {
    /// Starts reading for `request`, ending any session in flight.
    pub fn browse(&self, request: BrowseRequest) {
        self.requests.send_replace(Some(request));
    }

    /// Ends the session in flight; what was read stays on screen.
    pub fn stop(&self) {
        self.requests.send_replace(None);
    }
}

impl Drop for ReaderHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts the reader task. `admin` configures the lookups of partitions
/// and offsets, made over the consumer's own connections.
pub fn spawn(
    connect: ConnectConsumer,
    admin: AdminConfig,
    actions: mpsc::UnboundedSender<Action>,
) -> ReaderHandle {
    let (requests, mut rx) = watch::channel::<Option<BrowseRequest>>(None);
    let task = tokio::spawn(async move {
        let mut consumer: Option<Consumer> = None;
        loop {
            let request = rx.borrow_and_update().clone();
            if let Some(request) = request {
                let session = request.session;
                let outcome = tokio::select! {
                    outcome = run_session(&mut consumer, &connect, &admin, &request, &actions) => Some(outcome),
                    // A newer request (or a stop) ends this session here.
                    _ = rx.changed() => None,
                };
                let Some(outcome) = outcome else {
                    continue;
                };
                if let Err(error) = outcome {
                    // Start over with a fresh connection next time.
                    consumer = None;
                    let failed = ReaderUpdate {
                        session,
                        records: Vec::new(),
                        scanned: 0,
                        phase: ReaderPhase::Failed(error.to_string()),
                    };
                    if actions.send(Action::Browsed(Box::new(failed))).is_err() {
                        return;
                    }
                }
            }
            // Idle: stop fetching, so a finished session neither holds
            // prefetched data nor keeps the connection busy.
            if let Some(consumer) = &consumer {
                consumer.unsubscribe();
            }
            if rx.changed().await.is_err() {
                return;
            }
        }
    });
    ReaderHandle { requests, task }
}

/// Sends batches of one session to the event loop.
struct Sender<'a> {
    actions: &'a mpsc::UnboundedSender<Action>,
    session: u64,
    pending: Vec<BrowsedRecord>,
    scanned: u64,
    last_sent: Instant,
    last_phase: ReaderPhase,
}

impl Sender<'_> {
    fn send(&mut self, phase: ReaderPhase) -> Result<(), SessionError> {
        let update = ReaderUpdate {
            session: self.session,
            records: std::mem::take(&mut self.pending),
            scanned: std::mem::take(&mut self.scanned),
            phase: phase.clone(),
        };
        self.last_sent = Instant::now();
        self.last_phase = phase;
        self.actions
            .send(Action::Browsed(Box::new(update)))
            .map_err(|_| SessionError::Closed)
    }
}

#[derive(Debug, thiserror::Error)]
enum SessionError {
    #[error(transparent)]
    Kafka(#[from] kctl_client::Error),
    #[error("topic {0} has no partition {1}")]
    NoSuchPartition(String, i32),
    #[error("filter: {0}")]
    Filter(#[from] FilterError),
    #[error("the dashboard is gone")]
    Closed,
}

async fn run_session(
    slot: &mut Option<Consumer>,
    connect: &ConnectConsumer,
    admin_config: &AdminConfig,
    request: &BrowseRequest,
    actions: &mpsc::UnboundedSender<Action>,
) -> Result<(), SessionError> {
    let mut sender = Sender {
        actions,
        session: request.session,
        pending: Vec::new(),
        scanned: 0,
        last_sent: Instant::now(),
        last_phase: ReaderPhase::Starting,
    };
    sender.send(ReaderPhase::Starting)?;
    // The app checked the expression before asking; parsed here again
    // because a parsed filter is not plain data to send.
    let filter = request
        .filter
        .as_deref()
        .map(RecordFilter::parse)
        .transpose()?;
    if slot.is_none() {
        *slot = Some(connect().await?);
    }
    let consumer = slot.as_ref().expect("connected above");
    let admin = Admin::with_client(consumer.client().clone(), admin_config.clone());
    let ranges = offset_ranges(&admin, request).await?;

    let partitions: Vec<TopicPartition> = ranges
        .keys()
        .map(|&p| TopicPartition::new(&request.topic, p))
        .collect();
    consumer.assign(&partitions);
    // Where each partition reads next, and where its end (as looked up
    // now) is. A partition is done when the first reaches the second.
    let mut next: BTreeMap<i32, i64> = BTreeMap::new();
    for (tp, (&partition, range)) in partitions.iter().zip(&ranges) {
        match start_offset(request.start, range, ranges.len(), request.limit) {
            Some(offset) => {
                consumer.seek(tp, offset)?;
                next.insert(partition, offset);
            }
            None => {
                let StartAt::Time { timestamp_ms } = request.start else {
                    unreachable!("only a time start is looked up by the consumer");
                };
                consumer.seek_to_timestamp(tp, timestamp_ms)?;
                next.insert(partition, consumer.position(tp).await?);
            }
        }
    }
    let caught_up = |next: &BTreeMap<i32, i64>| {
        next.iter()
            .all(|(p, offset)| ranges.get(p).is_none_or(|r| *offset >= r.end))
    };
    let mut matched = 0usize;
    // A match was left out because the buffer's worth had been read.
    let mut overflowed = false;
    let mut at_end = caught_up(&next);
    loop {
        if !request.tail && (overflowed || (matched >= request.limit && !at_end)) {
            return sender.send(ReaderPhase::BufferFull);
        }
        if at_end && !request.tail {
            return sender.send(ReaderPhase::CaughtUp);
        }
        let records = consumer.poll(POLL_WAIT).await?;
        for record in &records {
            sender.scanned += 1;
            next.insert(record.partition, record.offset + 1);
            if filter.as_ref().is_some_and(|f| !f.matches(record)) {
                continue;
            }
            if !request.tail && matched >= request.limit {
                overflowed = true;
                continue;
            }
            matched += 1;
            sender.pending.push(BrowsedRecord::from_consumed(record));
        }
        if records.is_empty() && !at_end {
            // Transaction markers and compacted gaps have no records, so
            // the position can pass the last record seen.
            for tp in &partitions {
                next.insert(tp.partition, consumer.position(tp).await?);
            }
        }
        at_end = at_end || caught_up(&next);
        let phase = if at_end {
            ReaderPhase::Tailing
        } else {
            ReaderPhase::Reading
        };
        // An idle tail sends nothing, so the screen is not redrawn for it.
        let news = sender.scanned > 0 || phase != sender.last_phase;
        if news && sender.last_sent.elapsed() >= BATCH_INTERVAL {
            sender.send(phase)?;
        }
    }
}

/// A partition's log as it was when the session began.
#[derive(Debug, Clone, Copy)]
struct OffsetRange {
    start: i64,
    end: i64,
}

/// The log start and end of each partition the request reads.
async fn offset_ranges(
    admin: &Admin,
    request: &BrowseRequest,
) -> Result<BTreeMap<i32, OffsetRange>, SessionError> {
    let described = admin
        .describe_topics(&[&request.topic])
        .await?
        .into_iter()
        .next()
        .map(|t| t.result)
        .transpose()?;
    let mut partitions: Vec<i32> = described
        .map(|d| d.partitions.iter().map(|p| p.partition).collect())
        .unwrap_or_default();
    if let Some(wanted) = request.partition {
        if !partitions.contains(&wanted) {
            return Err(SessionError::NoSuchPartition(request.topic.clone(), wanted));
        }
        partitions = vec![wanted];
    }
    let lookups: Vec<(AdminTp, OffsetSpec)> = partitions
        .iter()
        .flat_map(|&p| {
            [OffsetSpec::Earliest, OffsetSpec::Latest]
                .map(|spec| (AdminTp::new(request.topic.clone(), p), spec))
        })
        .collect();
    let answers = admin
        .list_offsets(&lookups, IsolationLevel::ReadUncommitted)
        .await?;
    let mut ranges = BTreeMap::new();
    for pair in answers.chunks(2) {
        let [earliest, latest] = pair else { continue };
        let start = earliest.result.as_ref().map_err(Clone::clone)?.offset;
        let end = latest.result.as_ref().map_err(Clone::clone)?.offset;
        ranges.insert(
            earliest.partition.partition,
            OffsetRange {
                start: start.unwrap_or(0),
                end: end.unwrap_or(0),
            },
        );
    }
    Ok(ranges)
}

/// Where a partition starts; `None` for a time, which the consumer looks
/// up itself. Newest splits the buffer evenly, so every partition shows
/// its latest records.
fn start_offset(
    start: StartAt,
    range: &OffsetRange,
    partitions: usize,
    limit: usize,
) -> Option<i64> {
    let clamp = |offset: i64| offset.clamp(range.start, range.end.max(range.start));
    match start {
        StartAt::Newest => {
            let share = i64::try_from((limit / partitions.max(1)).max(1)).unwrap_or(i64::MAX);
            Some(clamp(range.end.saturating_sub(share)))
        }
        StartAt::Oldest => Some(range.start),
        StartAt::Offset(offset) => Some(clamp(offset)),
        StartAt::FromEnd(count) => Some(clamp(range.end.saturating_sub(count))),
        StartAt::Time { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_offsets_stay_inside_the_log() {
        let range = OffsetRange {
            start: 100,
            end: 1_000,
        };
        assert_eq!(start_offset(StartAt::Newest, &range, 4, 400), Some(900));
        assert_eq!(start_offset(StartAt::Newest, &range, 1, 10_000), Some(100));
        assert_eq!(start_offset(StartAt::Oldest, &range, 1, 10), Some(100));
        assert_eq!(start_offset(StartAt::Offset(5), &range, 1, 10), Some(100));
        assert_eq!(
            start_offset(StartAt::Offset(5_000), &range, 1, 10),
            Some(1_000)
        );
        assert_eq!(start_offset(StartAt::FromEnd(10), &range, 1, 10), Some(990));
        assert_eq!(
            start_offset(StartAt::Time { timestamp_ms: 1 }, &range, 1, 10),
            None
        );
    }
}
