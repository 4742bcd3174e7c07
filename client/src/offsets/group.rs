//! A group's coordinator and committed offsets: FindCoordinator,
//! OffsetFetch and OffsetCommit, built and read once for the consumer (a
//! group member) and the admin client (no member: generation −1).
//!
//! Both request shapes are handled: FindCoordinator v4+ and OffsetFetch v8+
//! carry lists of groups, older versions a single top-level group.

use std::collections::BTreeMap;

use kafka_protocol::messages::offset_commit_request::{
    OffsetCommitRequestPartition, OffsetCommitRequestTopic,
};
use kafka_protocol::messages::offset_fetch_request::{
    OffsetFetchRequestGroup, OffsetFetchRequestTopic, OffsetFetchRequestTopics,
};
use kafka_protocol::messages::{
    ApiKey, FindCoordinatorRequest, GroupId, OffsetCommitRequest, OffsetFetchRequest,
};

use super::{OffsetAndMetadata, TopicPartition, partition_left_out, topic_name};
use crate::connection::Connection;
use crate::error::{Error, ErrorCode, ErrorContext, Result};
use crate::protocol::StrBytes;

/// FindCoordinator v4+ batches keys.
const FIND_COORDINATOR_BATCHED_VERSION: i16 = 4;
/// OffsetFetch v8+ names groups in a list instead of one top-level group.
const OFFSET_FETCH_BATCHED_VERSION: i16 = 8;
/// OffsetFetch v7 is the first with `require_stable` (KIP-447).
const OFFSET_FETCH_STABLE_VERSION: i16 = 7;
/// OffsetFetch v9 carries the member id and epoch (KIP-848).
const OFFSET_FETCH_MEMBER_VERSION: i16 = 9;
/// The group coordinator's key type in FindCoordinator.
const GROUP_KEY_TYPE: i8 = 0;

/// The coordinator FindCoordinator named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FoundCoordinator {
    pub(crate) node_id: i32,
    pub(crate) host: String,
    pub(crate) port: i32,
}

impl FoundCoordinator {
    pub(crate) fn addr(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// Who commits: a group member (its generation and id) or an admin or a
/// consumer outside any generation (−1 and "").
#[derive(Debug, Clone)]
pub(crate) struct Committer<'a> {
    pub(crate) group: &'a str,
    pub(crate) generation: i32,
    pub(crate) member_id: &'a str,
    pub(crate) instance_id: Option<&'a str>,
}

impl<'a> Committer<'a> {
    /// Commits from outside the group's generations (Kafka accepts them
    /// only while the group has no active members).
    pub(crate) fn outside(group: &'a str) -> Self {
        Self {
            group,
            generation: -1,
            member_id: "",
            instance_id: None,
        }
    }
}

pub(crate) fn group_id(id: &str) -> GroupId {
    GroupId(StrBytes::from_string(id.to_owned()))
}

pub(crate) fn group_context(api_key: ApiKey, group: &str) -> ErrorContext {
    ErrorContext::api(api_key).with_message(Some(format!("group '{group}'")))
}

/// A response that did not answer for the group it was asked about.
pub(crate) fn group_left_out(api_key: ApiKey, group: &str) -> Error {
    Error::kafka(ErrorCode::UnknownServerError, group_context(api_key, group))
}

pub(crate) fn group_error(code: i16, api_key: ApiKey, group: &str) -> Result<()> {
    match ErrorCode::try_from_code(code) {
        None => Ok(()),
        Some(code) => Err(Error::kafka(code, group_context(api_key, group))),
    }
}

/// Asks `conn` (any broker) which broker coordinates `group`.
pub(crate) async fn find_coordinator(conn: &Connection, group: &str) -> Result<FoundCoordinator> {
    let version = conn.version_for::<FindCoordinatorRequest>(None)?;
    let key = StrBytes::from_string(group.to_owned());
    let request = if version >= FIND_COORDINATOR_BATCHED_VERSION {
        FindCoordinatorRequest::default()
            .with_key_type(GROUP_KEY_TYPE)
            .with_coordinator_keys(vec![key])
    } else {
        FindCoordinatorRequest::default()
            .with_key(key)
            .with_key_type(GROUP_KEY_TYPE)
    };
    let response = conn.request_at(&request, version).await?;
    let (code, message, found) = if version >= FIND_COORDINATOR_BATCHED_VERSION {
        let c = response.coordinators.into_iter().next().ok_or_else(|| {
            Error::kafka(
                ErrorCode::UnknownServerError,
                group_context(ApiKey::FindCoordinator, group)
                    .with_message(Some("the broker answered no coordinator".into())),
            )
        })?;
        let found = FoundCoordinator {
            node_id: c.node_id.0,
            host: c.host.to_string(),
            port: c.port,
        };
        (c.error_code, c.error_message, found)
    } else {
        let found = FoundCoordinator {
            node_id: response.node_id.0,
            host: response.host.to_string(),
            port: response.port,
        };
        (response.error_code, response.error_message, found)
    };
    if let Some(code) = ErrorCode::try_from_code(code) {
        return Err(Error::kafka(
            code,
            ErrorContext::api(ApiKey::FindCoordinator).with_message(Some(match message {
                Some(m) => format!("group '{group}': {m}"),
                None => format!("group '{group}'"),
            })),
        ));
    }
    Ok(found)
}

/// The group's committed offsets (OffsetFetch) of `partitions`, or of every
/// partition it has a commit for when `None`, sorted by partition. A
/// partition without a commit is `Ok(None)`; a partition the broker
/// reports an error for carries it. `require_stable` waits out pending
/// transactional commits (KIP-447) on brokers that support it. `member`
/// (id and epoch) is a KIP-848 member asking, which OffsetFetch v9+
/// carries so the coordinator can check it (STALE_MEMBER_EPOCH,
/// UNKNOWN_MEMBER_ID); admin tools and classic members send none.
pub(crate) async fn offset_fetch(
    conn: &Connection,
    group: &str,
    partitions: Option<&[TopicPartition]>,
    require_stable: bool,
    member: Option<(&str, i32)>,
) -> Result<BTreeMap<TopicPartition, Result<Option<OffsetAndMetadata>>>> {
    let version = conn.version_for::<OffsetFetchRequest>(None)?;
    let mut wanted: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
    for tp in partitions.into_iter().flatten() {
        wanted.entry(&tp.topic).or_default().push(tp.partition);
    }
    let require_stable = require_stable && version >= OFFSET_FETCH_STABLE_VERSION;
    // (topic, partition, offset, leader epoch, metadata, error code)
    let mut answers = Vec::new();
    if version >= OFFSET_FETCH_BATCHED_VERSION {
        let topics = partitions.map(|_| {
            wanted
                .iter()
                .map(|(t, ps)| {
                    OffsetFetchRequestTopics::default()
                        .with_name(topic_name(t))
                        .with_partition_indexes(ps.clone())
                })
                .collect()
        });
        let request = OffsetFetchRequest::default()
            .with_require_stable(require_stable)
            .with_groups(vec![
                OffsetFetchRequestGroup::default()
                    .with_group_id(group_id(group))
                    .with_member_id(
                        member
                            .filter(|_| version >= OFFSET_FETCH_MEMBER_VERSION)
                            .map(|(id, _)| StrBytes::from_string(id.to_owned())),
                    )
                    .with_member_epoch(
                        member
                            .filter(|_| version >= OFFSET_FETCH_MEMBER_VERSION)
                            .map_or(-1, |(_, epoch)| epoch),
                    )
                    .with_topics(topics),
            ]);
        let response = conn.request_at(&request, version).await?;
        group_error(response.error_code, ApiKey::OffsetFetch, group)?;
        let answered = response
            .groups
            .into_iter()
            .find(|g| g.group_id.0.as_str() == group)
            .ok_or_else(|| group_left_out(ApiKey::OffsetFetch, group))?;
        group_error(answered.error_code, ApiKey::OffsetFetch, group)?;
        for t in answered.topics {
            for p in t.partitions {
                answers.push((
                    t.name.0.to_string(),
                    p.partition_index,
                    p.committed_offset,
                    p.committed_leader_epoch,
                    p.metadata,
                    p.error_code,
                ));
            }
        }
    } else {
        let topics = partitions.map(|_| {
            wanted
                .iter()
                .map(|(t, ps)| {
                    OffsetFetchRequestTopic::default()
                        .with_name(topic_name(t))
                        .with_partition_indexes(ps.clone())
                })
                .collect()
        });
        let request = OffsetFetchRequest::default()
            .with_group_id(group_id(group))
            .with_require_stable(require_stable)
            .with_topics(topics);
        let response = conn.request_at(&request, version).await?;
        // The top-level error code exists from v2.
        group_error(response.error_code, ApiKey::OffsetFetch, group)?;
        for t in response.topics {
            for p in t.partitions {
                answers.push((
                    t.name.0.to_string(),
                    p.partition_index,
                    p.committed_offset,
                    p.committed_leader_epoch,
                    p.metadata,
                    p.error_code,
                ));
            }
        }
    }
    Ok(answers
        .into_iter()
        .map(|(topic, partition, offset, epoch, metadata, code)| {
            let result = match ErrorCode::try_from_code(code) {
                Some(code) => Err(Error::kafka(
                    code,
                    ErrorContext::partition(ApiKey::OffsetFetch, &topic, partition),
                )),
                // −1 is how OffsetFetch says "no commit".
                None => Ok((offset >= 0).then(|| OffsetAndMetadata {
                    offset,
                    leader_epoch: (epoch >= 0).then_some(epoch),
                    metadata: metadata.map(|m| m.to_string()).filter(|m| !m.is_empty()),
                })),
            };
            (TopicPartition::new(topic, partition), result)
        })
        .collect())
}

/// Commits `offsets` for `committer`'s group (OffsetCommit) and answers one
/// result per offset, in order; a partition the response left out is an
/// error.
pub(crate) async fn offset_commit(
    conn: &Connection,
    committer: &Committer<'_>,
    offsets: &[(TopicPartition, OffsetAndMetadata)],
) -> Result<Vec<Result<()>>> {
    let mut topics: BTreeMap<&str, Vec<OffsetCommitRequestPartition>> = BTreeMap::new();
    for (tp, om) in offsets {
        topics.entry(&tp.topic).or_default().push(
            OffsetCommitRequestPartition::default()
                .with_partition_index(tp.partition)
                .with_committed_offset(om.offset)
                .with_committed_leader_epoch(om.leader_epoch.unwrap_or(-1))
                .with_committed_metadata(Some(StrBytes::from_string(
                    om.metadata.clone().unwrap_or_default(),
                ))),
        );
    }
    let request = OffsetCommitRequest::default()
        .with_group_id(group_id(committer.group))
        .with_generation_id_or_member_epoch(committer.generation)
        .with_member_id(StrBytes::from_string(committer.member_id.to_owned()))
        .with_group_instance_id(
            committer
                .instance_id
                .map(|id| StrBytes::from_string(id.to_owned())),
        )
        .with_retention_time_ms(-1)
        .with_topics(
            topics
                .into_iter()
                .map(|(t, partitions)| {
                    OffsetCommitRequestTopic::default()
                        .with_name(topic_name(t))
                        .with_partitions(partitions)
                })
                .collect(),
        );
    let response = conn.request(&request).await?;
    let mut codes: BTreeMap<(String, i32), i16> = BTreeMap::new();
    for t in response.topics {
        for p in t.partitions {
            codes.insert((t.name.0.to_string(), p.partition_index), p.error_code);
        }
    }
    Ok(offsets
        .iter()
        .map(
            |(tp, _)| match codes.get(&(tp.topic.to_string(), tp.partition)) {
                None => Err(partition_left_out(ApiKey::OffsetCommit, tp)),
                Some(&code) => match ErrorCode::try_from_code(code) {
                    None => Ok(()),
                    Some(code) => Err(Error::kafka(
                        code,
                        ErrorContext::partition(ApiKey::OffsetCommit, &tp.topic, tp.partition),
                    )),
                },
            },
        )
        .collect())
}
