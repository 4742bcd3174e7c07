//! Share-group membership (KIP-932): one task heartbeats with
//! ShareGroupHeartbeat, as Java's `ShareMembershipManager` does.
//!
//! - It joins with member epoch 0, a member id of its own (a UUID, as
//!   ShareGroupHeartbeat v1 requires) and the subscribed topic names.
//! - Every response may carry the assignment (topic ids and partitions);
//!   there is nothing to revoke or commit first in a share group, so the
//!   new assignment is taken at once: records already acquired on a
//!   partition that went stay this member's to acknowledge until their
//!   locks run out.
//! - UNKNOWN_MEMBER_ID and FENCED_MEMBER_EPOCH mean the coordinator
//!   dropped the member: rejoin with epoch 0 (same member id). Coordinator
//!   moves and loading are retried after a backoff; anything else (the
//!   group is another type, not authorized, full) ends the consumer.
//! - Leaving (epoch −1) is done by [`super::ShareConsumer::close`].

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kafka_protocol::messages::{ApiKey, ShareGroupHeartbeatRequest, ShareGroupHeartbeatResponse};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::client::{Client, CoordinatorKind};
use crate::error::{Error, ErrorCode, ErrorContext, Result};
use crate::offsets::group::group_id;
use crate::protocol::StrBytes;

/// What the heartbeat task and the consumer share.
#[derive(Debug)]
pub(crate) struct Membership {
    pub(crate) member_id: String,
    pub(crate) epoch: i32,
    /// Topic id → partitions, as the coordinator last assigned them.
    pub(crate) assignment: BTreeMap<Uuid, Vec<i32>>,
    /// Bumped on every assignment change, so the consumer notices one.
    pub(crate) assignment_version: u64,
    /// Why the consumer cannot go on, once it cannot.
    pub(crate) fatal: Option<Error>,
    pub(crate) closed: bool,
}

impl Membership {
    pub(crate) fn new() -> Self {
        Self {
            member_id: Uuid::new_v4().to_string(),
            epoch: 0,
            assignment: BTreeMap::new(),
            assignment_version: 0,
            fatal: None,
            closed: false,
        }
    }
}

/// The heartbeat task's handles.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) state: Mutex<Membership>,
    /// Wakes the task (close) and the consumer (a new assignment).
    pub(crate) wake: Notify,
    pub(crate) assigned: Notify,
}

enum Outcome {
    Rejoin(ErrorCode),
    Retry(Error),
    Fatal(Error),
}

pub(crate) async fn run(
    client: Client,
    group: String,
    topics: Vec<String>,
    shared: Arc<Shared>,
    retry_backoff: crate::backoff::Backoff,
) {
    let mut interval = Duration::from_millis(5_000);
    let mut failures = 0u32;
    loop {
        let (member_id, epoch) = {
            let state = crate::sync::lock(&shared.state);
            if state.closed {
                return;
            }
            (state.member_id.clone(), state.epoch)
        };
        let wait = match heartbeat(&client, &group, &member_id, epoch, &topics).await {
            Ok(response) => {
                failures = 0;
                if response.heartbeat_interval_ms > 0 {
                    interval = Duration::from_millis(response.heartbeat_interval_ms as u64);
                }
                let mut state = crate::sync::lock(&shared.state);
                state.epoch = response.member_epoch;
                if let Some(assignment) = response.assignment {
                    let assignment: BTreeMap<Uuid, Vec<i32>> = assignment
                        .topic_partitions
                        .into_iter()
                        .map(|t| {
                            let mut partitions = t.partitions;
                            partitions.sort_unstable();
                            (t.topic_id, partitions)
                        })
                        .collect();
                    if assignment != state.assignment {
                        tracing::debug!(%group, ?assignment, "share assignment");
                        state.assignment = assignment;
                        state.assignment_version += 1;
                        drop(state);
                        shared.assigned.notify_waiters();
                    }
                }
                interval
            }
            Err(Outcome::Rejoin(code)) => {
                tracing::info!(%group, %code, "share membership lost; rejoining with epoch 0");
                let mut state = crate::sync::lock(&shared.state);
                state.epoch = 0;
                state.assignment.clear();
                state.assignment_version += 1;
                Duration::ZERO
            }
            Err(Outcome::Retry(error)) => {
                failures += 1;
                tracing::debug!(%group, %error, "share heartbeat failed; retrying");
                retry_backoff.delay(failures).min(interval)
            }
            Err(Outcome::Fatal(error)) => {
                tracing::error!(%group, %error, "cannot be a member of the share group");
                let mut state = crate::sync::lock(&shared.state);
                state.fatal = Some(error);
                state.assignment.clear();
                drop(state);
                shared.assigned.notify_waiters();
                return;
            }
        };
        tokio::select! {
            () = shared.wake.notified() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}

async fn heartbeat(
    client: &Client,
    group: &str,
    member_id: &str,
    epoch: i32,
    topics: &[String],
) -> std::result::Result<ShareGroupHeartbeatResponse, Outcome> {
    let response = send(client, group, member_id, epoch, Some(topics))
        .await
        .map_err(|e| {
            if e.is_retriable() {
                Outcome::Retry(e)
            } else {
                Outcome::Fatal(e)
            }
        })?;
    match ErrorCode::try_from_code(response.error_code) {
        None => Ok(response),
        Some(code @ (ErrorCode::UnknownMemberId | ErrorCode::FencedMemberEpoch)) => {
            Err(Outcome::Rejoin(code))
        }
        Some(code) => {
            let error = Error::kafka(
                code,
                ErrorContext::api(ApiKey::ShareGroupHeartbeat).with_message(Some(
                    match response.error_message {
                        Some(m) => format!("group '{group}': {m}"),
                        None => format!("group '{group}'"),
                    },
                )),
            );
            if code.is_retriable() {
                Err(Outcome::Retry(error))
            } else {
                Err(Outcome::Fatal(error))
            }
        }
    }
}

/// One ShareGroupHeartbeat to the group's coordinator. The subscription
/// goes with every heartbeat: it is short, and a coordinator that lost the
/// member's state can rebuild it from any one of them.
pub(crate) async fn send(
    client: &Client,
    group: &str,
    member_id: &str,
    epoch: i32,
    topics: Option<&[String]>,
) -> Result<ShareGroupHeartbeatResponse> {
    let (_, conn) = client
        .find_coordinator(CoordinatorKind::Group, group)
        .await?;
    let request = ShareGroupHeartbeatRequest::default()
        .with_group_id(group_id(group))
        .with_member_id(StrBytes::from_string(member_id.to_owned()))
        .with_member_epoch(epoch)
        .with_subscribed_topic_names(topics.map(|topics| {
            topics
                .iter()
                .map(|t| crate::offsets::topic_name(t))
                .collect()
        }));
    Ok(conn.request(&request).await?)
}
