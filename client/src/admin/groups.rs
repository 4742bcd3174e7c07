//! Consumer groups: list, describe, delete, committed offsets and lag.
//!
//! ListGroups goes to every broker (each lists only the groups it
//! coordinates); everything about one group goes to its coordinator, found
//! with FindCoordinator on every attempt, so a moved coordinator
//! (`NOT_COORDINATOR`) is followed by the retry loop.
//!
//! Member assignments and subscriptions are decoded with kafka-protocol's
//! `ConsumerProtocolAssignment`/`ConsumerProtocolSubscription`; only groups
//! of protocol type `consumer` carry them.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use bytes::Bytes;
use kafka_protocol::messages::offset_delete_request::{
    OffsetDeleteRequestPartition, OffsetDeleteRequestTopic,
};
use kafka_protocol::messages::{
    ApiKey, ConsumerGroupDescribeRequest, DeleteGroupsRequest, DescribeGroupsRequest,
    ListGroupsRequest, OffsetDeleteRequest,
};

use super::{Admin, PartitionResult, check};
use crate::connection::Connection;
use crate::error::{Error, ErrorCode, ErrorContext, Result};
use crate::offsets::group::{
    Committer, find_coordinator, group_context, group_error, group_id, group_left_out,
    offset_commit, offset_fetch,
};
use crate::offsets::{
    IsolationLevel, OffsetAndMetadata, OffsetSpec, TopicPartition, partition_left_out, topic_name,
};
use crate::protocol::{ProtocolError, StrBytes, consumer_protocol};

/// ListGroups v4 is the first with a states filter.
const LIST_GROUPS_STATES_VERSION: i16 = 4;
/// ListGroups v5 (KIP-848) is the first that reports each group's type.
const LIST_GROUPS_TYPES_VERSION: i16 = 5;

/// [`GroupDescription::group_type`] of a JoinGroup/SyncGroup group.
pub const CLASSIC_GROUP_TYPE: &str = "classic";
/// [`GroupDescription::group_type`] of a KIP-848 consumer-protocol group.
pub const CONSUMER_GROUP_TYPE: &str = "consumer";

/// One item's outcome in a call about many groups.
#[derive(Debug, Clone)]
pub struct GroupResult<T> {
    /// The group the result is about.
    pub group_id: String,
    /// Its outcome.
    pub result: Result<T>,
}

/// Options of [`Admin::list_groups`].
#[derive(Debug, Clone, Default)]
pub struct ListGroupsOptions {
    /// Only groups in these states (`Stable`, `Empty`, …); empty means all.
    /// Sent to brokers that support the filter and applied here as well.
    pub states: Vec<String>,
}

/// A group as listed by ListGroups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupListing {
    /// The group's id.
    pub group_id: String,
    /// `consumer` for consumer groups, `connect` for Kafka Connect, empty
    /// for groups that only store offsets.
    pub protocol_type: String,
    /// `None` from brokers before ListGroups v4.
    pub state: Option<String>,
    /// `classic` or `consumer` (KIP-848), `share`, `streams`; `None` from
    /// brokers before ListGroups v5 (Kafka 3.8), where every group is
    /// classic.
    pub group_type: Option<String>,
    /// The broker that coordinates it.
    pub coordinator: i32,
}

/// A group member as DescribeGroups reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMember {
    /// The id the coordinator gave the member.
    pub member_id: String,
    /// `group.instance.id` of static members.
    pub group_instance_id: Option<String>,
    /// The member's `client.id`.
    pub client_id: String,
    /// The address the member connected from, as the coordinator saw it.
    pub host: String,
    /// The partitions assigned to it, sorted. `None` when the group is not
    /// a consumer group or its assignment bytes do not decode.
    pub assignment: Option<Vec<TopicPartition>>,
    /// The topics it subscribed to, sorted; `None` like `assignment`.
    pub subscription: Option<Vec<String>>,
    /// A KIP-848 member's epoch; `None` in a classic group.
    pub member_epoch: Option<i32>,
    /// A KIP-848 member's `subscribed_topic_regex`, if it subscribed by one.
    pub subscribed_topic_regex: Option<String>,
    /// A KIP-848 member's rack (its `client.rack`); `None` without one, and
    /// in a classic group (DescribeGroups does not report it).
    pub rack_id: Option<String>,
}

/// A group as DescribeGroups reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDescription {
    /// The group's id.
    pub group_id: String,
    /// Kafka's state name (`Stable`, `Empty`, `Dead`, …). A group that does
    /// not exist is described as `Dead` with no members, as Kafka does.
    pub state: String,
    /// `consumer` for consumer groups, empty for groups that only store
    /// offsets.
    pub protocol_type: String,
    /// The assignor chosen for the generation (`range`, `cooperative-sticky`),
    /// or for a consumer-protocol group the server-side assignor (`uniform`).
    pub protocol: String,
    /// `classic`, or `consumer` for a KIP-848 group (described with
    /// ConsumerGroupDescribe).
    pub group_type: String,
    /// The KIP-848 group epoch; `None` for a classic group.
    pub group_epoch: Option<i32>,
    /// The broker that coordinates it.
    pub coordinator: i32,
    /// Its members, in the coordinator's order.
    pub members: Vec<GroupMember>,
}

impl GroupDescription {
    /// Every partition assigned to some member.
    pub fn assigned_partitions(&self) -> BTreeSet<TopicPartition> {
        self.members
            .iter()
            .filter_map(|m| m.assignment.as_ref())
            .flatten()
            .cloned()
            .collect()
    }
}

/// How far a group is behind on one partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Lag {
    /// Log end offset minus the committed offset. Negative when the log was
    /// truncated below the commit.
    Records(i64),
    /// The group never committed for this partition: there is no lag to
    /// speak of, not a lag of zero or of the whole log.
    NoCommit,
    /// The log end offset could not be read.
    UnknownEnd,
}

/// The number of records, `-` without a commit (as
/// `kafka-consumer-groups.sh` prints it), `unknown` when the log end offset
/// could not be read.
///
/// ```
/// use kctl_client::admin::Lag;
///
/// assert_eq!(Lag::Records(12).to_string(), "12");
/// assert_eq!(Lag::NoCommit.to_string(), "-");
/// assert_eq!(Lag::UnknownEnd.to_string(), "unknown");
/// ```
impl std::fmt::Display for Lag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Records(n) => write!(f, "{n}"),
            Self::NoCommit => f.write_str("-"),
            Self::UnknownEnd => f.write_str("unknown"),
        }
    }
}

impl Lag {
    /// The lag in records, when there is one.
    pub fn records(self) -> Option<i64> {
        match self {
            Self::Records(n) => Some(n),
            Self::NoCommit | Self::UnknownEnd => None,
        }
    }
}

/// One partition of [`Admin::group_lag`].
#[derive(Debug, Clone)]
pub struct PartitionLag {
    /// The partition.
    pub partition: TopicPartition,
    /// `None` when the group has no commit here.
    pub committed_offset: Option<i64>,
    /// The log end offset, or the last stable offset for `ReadCommitted`.
    pub log_end_offset: Result<i64>,
    /// How far behind the group is there.
    pub lag: Lag,
    /// The member it is assigned to, if any.
    pub member_id: Option<String>,
}

/// Splits `(topic, partition, value)` into one sorted list per topic.
fn by_topic<T>(items: impl IntoIterator<Item = (String, T)>) -> BTreeMap<String, Vec<T>> {
    let mut topics: BTreeMap<String, Vec<T>> = BTreeMap::new();
    for (topic, item) in items {
        topics.entry(topic).or_default().push(item);
    }
    topics
}

/// The partitions of a member's assignment, sorted; none for a member
/// without one yet.
pub fn decode_assignment(bytes: &Bytes) -> Result<Vec<TopicPartition>, ProtocolError> {
    let assignment = consumer_protocol::decode_assignment(bytes)?;
    let mut partitions: Vec<TopicPartition> = assignment
        .into_iter()
        .flat_map(|a| a.assigned_partitions)
        .flat_map(|t| {
            let topic = t.topic.0.to_string();
            t.partitions
                .into_iter()
                .map(move |p| TopicPartition::new(topic.clone(), p))
        })
        .collect();
    partitions.sort();
    Ok(partitions)
}

/// The topics of a member's subscription, sorted; none for a member
/// without one.
pub fn decode_subscription(bytes: &Bytes) -> Result<Vec<String>, ProtocolError> {
    if bytes.is_empty() {
        return Ok(Vec::new());
    }
    let (_, subscription) = consumer_protocol::decode_subscription(bytes)?;
    let mut topics: Vec<String> = subscription
        .topics
        .into_iter()
        .map(|t| t.to_string())
        .collect();
    topics.sort();
    Ok(topics)
}

impl Admin {
    /// The coordinator of `group`, as a broker id and a connection.
    pub(super) async fn group_coordinator(&self, group: &str) -> Result<(i32, Arc<Connection>)> {
        let (conn, _) = self.client.any_connection().await?;
        let found = find_coordinator(&conn, group).await?;
        Ok((found.node_id, self.broker_connection(found.node_id).await?))
    }

    /// Lists the groups of every broker. A broker that fails makes the
    /// whole call fail: a partial list would silently hide groups.
    ///
    /// ```no_run
    /// use kctl_client::admin::ListGroupsOptions;
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// let stable = ListGroupsOptions { states: vec!["Stable".into()] };
    /// for group in admin.list_groups(&stable).await? {
    ///     println!("{} on broker {}", group.group_id, group.coordinator);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_groups(&self, options: &ListGroupsOptions) -> Result<Vec<GroupListing>> {
        self.retrying("ListGroups", || self.list_groups_once(options))
            .await
    }

    async fn list_groups_once(&self, options: &ListGroupsOptions) -> Result<Vec<GroupListing>> {
        let metadata = self.client.refresh_metadata().await?;
        let mut ids: Vec<i32> = metadata.brokers.keys().copied().collect();
        ids.sort_unstable();
        let asks = ids.iter().map(|&id| async move {
            let conn = self.broker_connection(id).await?;
            let version = conn.version_for::<ListGroupsRequest>(None)?;
            let mut request = ListGroupsRequest::default();
            if version >= LIST_GROUPS_STATES_VERSION {
                request = request.with_states_filter(
                    options
                        .states
                        .iter()
                        .map(|s| StrBytes::from_string(s.clone()))
                        .collect(),
                );
            }
            let response = conn.request_at(&request, version).await?;
            check(
                response.error_code,
                None,
                ErrorContext::api(ApiKey::ListGroups),
            )?;
            Ok::<_, Error>(
                response
                    .groups
                    .into_iter()
                    .map(|g| GroupListing {
                        group_id: g.group_id.0.to_string(),
                        protocol_type: g.protocol_type.to_string(),
                        state: (version >= LIST_GROUPS_STATES_VERSION)
                            .then(|| g.group_state.to_string()),
                        group_type: (version >= LIST_GROUPS_TYPES_VERSION)
                            .then(|| g.group_type.to_string()),
                        coordinator: id,
                    })
                    .collect::<Vec<_>>(),
            )
        });
        let mut groups = Vec::new();
        for answer in futures::future::join_all(asks).await {
            groups.extend(answer?);
        }
        if !options.states.is_empty() {
            // Brokers before v4 cannot filter, and their listings carry no
            // state to filter on: such groups are left out rather than
            // shown under a filter they may not match.
            groups.retain(|g| {
                g.state.as_ref().is_some_and(|s| {
                    options
                        .states
                        .iter()
                        .any(|want| want.eq_ignore_ascii_case(s))
                })
            });
        }
        groups.sort_by(|a, b| a.group_id.cmp(&b.group_id));
        groups.dedup_by(|a, b| a.group_id == b.group_id);
        Ok(groups)
    }

    /// Describes groups, one result per group, in order. Each group is asked
    /// of its own coordinator.
    ///
    /// ```no_run
    /// use kctl_client::ItemResults;
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// for group in admin.describe_groups(&["billing", "audit"]).await?.all()? {
    ///     println!("{}: {} with {} members", group.group_id, group.state, group.members.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn describe_groups<S: AsRef<str>>(
        &self,
        groups: &[S],
    ) -> Result<Vec<GroupResult<GroupDescription>>> {
        let ids: Vec<String> = groups.iter().map(|g| g.as_ref().to_owned()).collect();
        let asks = ids.iter().map(|group| async move {
            GroupResult {
                group_id: group.clone(),
                result: self
                    .retrying("DescribeGroups", || self.describe_group_once(group))
                    .await,
            }
        });
        Ok(futures::future::join_all(asks).await)
    }

    /// Describes one group; a group that does not exist is described as
    /// `Dead` with no members, as Kafka does.
    ///
    /// ```no_run
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// let group = admin.describe_group("billing").await?;
    /// println!("{} is {} with {} members", group.group_id, group.state, group.members.len());
    /// # Ok(()) }
    /// ```
    pub async fn describe_group(&self, group: &str) -> Result<GroupDescription> {
        self.retrying("DescribeGroups", || self.describe_group_once(group))
            .await
    }

    async fn describe_group_once(&self, group: &str) -> Result<GroupDescription> {
        let (coordinator, conn) = self.group_coordinator(group).await?;
        let request = DescribeGroupsRequest::default().with_groups(vec![group_id(group)]);
        let response = conn.request(&request).await?;
        let described = response
            .groups
            .into_iter()
            .find(|g| g.group_id.0.as_str() == group)
            .ok_or_else(|| group_left_out(ApiKey::DescribeGroups, group))?;
        // Kafka 4 answers DescribeGroups v6 for a group that runs the
        // KIP-848 consumer protocol with GROUP_ID_NOT_FOUND ("... is not a
        // classic group"), and earlier versions with Dead and no members,
        // as for a group that does not exist; ConsumerGroupDescribe
        // describes those.
        let not_classic = ErrorCode::try_from_code(described.error_code)
            == Some(ErrorCode::GroupIdNotFound)
            || (described.error_code == 0
                && described.group_state.as_str() == "Dead"
                && described.members.is_empty());
        if not_classic
            && conn
                .versions()
                .range(ApiKey::ConsumerGroupDescribe)
                .is_some()
        {
            match self
                .describe_consumer_protocol_group(coordinator, &conn, group)
                .await
            {
                Err(e)
                    if e.code() == Some(ErrorCode::GroupIdNotFound)
                        && described.error_code == 0 =>
                {
                    // Neither kind: Dead, as DescribeGroups said.
                }
                other => return other,
            }
        }
        check(
            described.error_code,
            described.error_message.as_ref(),
            group_context(ApiKey::DescribeGroups, group),
        )?;
        let consumer = described.protocol_type.as_str() == consumer_protocol::PROTOCOL_TYPE;
        let members = described
            .members
            .into_iter()
            .map(|m| {
                let member_id = m.member_id.to_string();
                let (assignment, subscription) = if consumer {
                    let assignment = decode_assignment(&m.member_assignment)
                        .inspect_err(|e| {
                            tracing::warn!(group, member = %member_id, error = %e, "undecodable assignment");
                        })
                        .ok();
                    let subscription = decode_subscription(&m.member_metadata)
                        .inspect_err(|e| {
                            tracing::warn!(group, member = %member_id, error = %e, "undecodable subscription");
                        })
                        .ok();
                    (assignment, subscription)
                } else {
                    (None, None)
                };
                GroupMember {
                    member_id,
                    group_instance_id: m.group_instance_id.map(|s| s.to_string()),
                    client_id: m.client_id.to_string(),
                    host: m.client_host.to_string(),
                    assignment,
                    subscription,
                    member_epoch: None,
                    subscribed_topic_regex: None,
                    rack_id: None,
                }
            })
            .collect();
        Ok(GroupDescription {
            group_id: group.to_owned(),
            state: described.group_state.to_string(),
            protocol_type: described.protocol_type.to_string(),
            protocol: described.protocol_data.to_string(),
            group_type: CLASSIC_GROUP_TYPE.to_owned(),
            group_epoch: None,
            coordinator,
            members,
        })
    }

    /// A group of the KIP-848 consumer protocol, from ConsumerGroupDescribe,
    /// in DescribeGroups' shape: protocol type `consumer`, the server-side
    /// assignor as the protocol, each member's current assignment. Answers
    /// GROUP_ID_NOT_FOUND, as Kafka does, when no group of either protocol
    /// has the id.
    async fn describe_consumer_protocol_group(
        &self,
        coordinator: i32,
        conn: &Connection,
        group: &str,
    ) -> Result<GroupDescription> {
        let request = ConsumerGroupDescribeRequest::default().with_group_ids(vec![group_id(group)]);
        let response = conn.request(&request).await?;
        let described = response
            .groups
            .into_iter()
            .find(|g| g.group_id.0.as_str() == group)
            .ok_or_else(|| group_left_out(ApiKey::ConsumerGroupDescribe, group))?;
        check(
            described.error_code,
            described.error_message.as_ref(),
            group_context(ApiKey::ConsumerGroupDescribe, group),
        )?;
        let members = described
            .members
            .into_iter()
            .map(|m| {
                let mut assignment: Vec<TopicPartition> = m
                    .assignment
                    .topic_partitions
                    .iter()
                    .flat_map(|t| {
                        let topic = t.topic_name.0.to_string();
                        t.partitions
                            .iter()
                            .map(move |&p| TopicPartition::new(topic.clone(), p))
                    })
                    .collect();
                assignment.sort();
                let mut subscription: Vec<String> = m
                    .subscribed_topic_names
                    .iter()
                    .map(|t| t.0.to_string())
                    .collect();
                subscription.sort();
                GroupMember {
                    member_id: m.member_id.to_string(),
                    group_instance_id: m.instance_id.map(|s| s.to_string()),
                    client_id: m.client_id.to_string(),
                    host: m.client_host.to_string(),
                    assignment: Some(assignment),
                    subscription: Some(subscription),
                    member_epoch: Some(m.member_epoch),
                    subscribed_topic_regex: m.subscribed_topic_regex.map(|r| r.to_string()),
                    rack_id: m.rack_id.map(|r| r.to_string()),
                }
            })
            .collect();
        Ok(GroupDescription {
            group_id: group.to_owned(),
            state: described.group_state.to_string(),
            protocol_type: consumer_protocol::PROTOCOL_TYPE.to_owned(),
            protocol: described.assignor_name.to_string(),
            group_type: CONSUMER_GROUP_TYPE.to_owned(),
            group_epoch: Some(described.group_epoch),
            coordinator,
            members,
        })
    }

    /// Deletes groups (they must have no members: `NON_EMPTY_GROUP`
    /// otherwise). One result per group, in order.
    ///
    /// ```no_run
    /// use kctl_client::admin::ItemResults;
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// admin.delete_groups(&["old-billing", "old-audit"]).await?.all()?;
    /// # Ok(()) }
    /// ```
    pub async fn delete_groups<S: AsRef<str>>(&self, groups: &[S]) -> Result<Vec<GroupResult<()>>> {
        let ids: Vec<String> = groups.iter().map(|g| g.as_ref().to_owned()).collect();
        let asks = ids.iter().map(|group| async move {
            GroupResult {
                group_id: group.clone(),
                result: self
                    .retrying("DeleteGroups", || async {
                        let (_, conn) = self.group_coordinator(group).await?;
                        let request =
                            DeleteGroupsRequest::default().with_groups_names(vec![group_id(group)]);
                        let response = conn.request(&request).await?;
                        let result = response
                            .results
                            .iter()
                            .find(|r| r.group_id.0.as_str() == group)
                            .ok_or_else(|| group_left_out(ApiKey::DeleteGroups, group))?;
                        group_error(result.error_code, ApiKey::DeleteGroups, group)
                    })
                    .await,
            }
        });
        Ok(futures::future::join_all(asks).await)
    }

    /// The group's committed offsets: of `partitions`, or of every partition
    /// it has a commit for when `None`. A partition without a commit is
    /// `Ok(None)`, never a number. Sorted by topic and partition when
    /// listing all; in request order otherwise.
    ///
    /// ```no_run
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// for committed in admin.list_group_offsets("billing", None).await? {
    ///     if let Some(offset) = committed.result? {
    ///         println!("{} at {offset}", committed.partition);
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_group_offsets(
        &self,
        group: &str,
        partitions: Option<&[TopicPartition]>,
    ) -> Result<Vec<PartitionResult<Option<OffsetAndMetadata>>>> {
        self.retrying("OffsetFetch", || self.offset_fetch_once(group, partitions))
            .await
    }

    async fn offset_fetch_once(
        &self,
        group: &str,
        partitions: Option<&[TopicPartition]>,
    ) -> Result<Vec<PartitionResult<Option<OffsetAndMetadata>>>> {
        let (_, conn) = self.group_coordinator(group).await?;
        let mut answers = offset_fetch(&conn, group, partitions, false, None).await?;
        let results: Vec<PartitionResult<Option<OffsetAndMetadata>>> = match partitions {
            Some(ps) => ps
                .iter()
                .map(|tp| PartitionResult {
                    partition: tp.clone(),
                    result: answers.remove(tp).unwrap_or(Ok(None)),
                })
                .collect(),
            None => answers
                .into_iter()
                .map(|(partition, result)| PartitionResult { partition, result })
                // Listing everything, "no commit" entries carry no news.
                .filter(|r| !matches!(r.result, Ok(None)))
                .collect(),
        };
        // A coordinator error on any partition means the whole answer came
        // from the wrong broker; the retry loop asks the new coordinator.
        if let Some(e) = results
            .iter()
            .filter_map(|r: &PartitionResult<_>| r.result.as_ref().err())
            .find(|e| is_coordinator_error(e))
        {
            return Err(e.clone());
        }
        Ok(results)
    }

    /// Commits offsets for a group as an admin (generation -1, no member
    /// id), which Kafka accepts only while the group has no active members;
    /// otherwise the group answers `UNKNOWN_MEMBER_ID` or
    /// `ILLEGAL_GENERATION`. One result per partition, in order.
    ///
    /// ```no_run
    /// use kctl_client::admin::ItemResults;
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// let tp = kctl_client::TopicPartition::new("orders", 0);
    /// admin.alter_group_offsets("billing", &[(tp, 42)]).await?.all()?;
    /// # Ok(()) }
    /// ```
    pub async fn alter_group_offsets(
        &self,
        group: &str,
        offsets: &[(TopicPartition, i64)],
    ) -> Result<Vec<PartitionResult<()>>> {
        self.retrying("OffsetCommit", || self.offset_commit_once(group, offsets))
            .await
    }

    async fn offset_commit_once(
        &self,
        group: &str,
        offsets: &[(TopicPartition, i64)],
    ) -> Result<Vec<PartitionResult<()>>> {
        let (_, conn) = self.group_coordinator(group).await?;
        let offsets: Vec<(TopicPartition, OffsetAndMetadata)> = offsets
            .iter()
            .map(|(tp, offset)| (tp.clone(), OffsetAndMetadata::new(*offset)))
            .collect();
        let answers = offset_commit(&conn, &Committer::outside(group), &offsets).await?;
        let mut results = Vec::with_capacity(offsets.len());
        for ((partition, _), result) in offsets.into_iter().zip(answers) {
            // A coordinator error anywhere fails the whole call, to be
            // retried against the new coordinator.
            if let Err(e) = &result
                && is_coordinator_error(e)
            {
                return Err(e.clone());
            }
            results.push(PartitionResult { partition, result });
        }
        Ok(results)
    }

    /// Deletes the group's committed offsets of these partitions
    /// (OffsetDelete, KIP-496). Kafka refuses (`GROUP_SUBSCRIBED_TO_TOPIC`)
    /// for topics the group's members still consume.
    ///
    /// ```no_run
    /// use kctl_client::admin::ItemResults;
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// let tp = kctl_client::TopicPartition::new("retired-topic", 0);
    /// admin.delete_group_offsets("billing", &[tp]).await?.all()?;
    /// # Ok(()) }
    /// ```
    pub async fn delete_group_offsets(
        &self,
        group: &str,
        partitions: &[TopicPartition],
    ) -> Result<Vec<PartitionResult<()>>> {
        self.retrying("OffsetDelete", || async {
            let (_, conn) = self.group_coordinator(group).await?;
            let topics = by_topic(partitions.iter().map(|tp| {
                (
                    tp.topic.to_string(),
                    OffsetDeleteRequestPartition::default().with_partition_index(tp.partition),
                )
            }));
            let request = OffsetDeleteRequest::default()
                .with_group_id(group_id(group))
                .with_topics(
                    topics
                        .into_iter()
                        .map(|(t, ps)| {
                            OffsetDeleteRequestTopic::default()
                                .with_name(topic_name(&t))
                                .with_partitions(ps)
                        })
                        .collect(),
                );
            let response = conn.request(&request).await?;
            group_error(response.error_code, ApiKey::OffsetDelete, group)?;
            let mut codes: HashMap<(String, i32), i16> = HashMap::new();
            for t in response.topics {
                for p in t.partitions {
                    codes.insert((t.name.0.to_string(), p.partition_index), p.error_code);
                }
            }
            per_partition(partitions.iter(), &codes, ApiKey::OffsetDelete)
        })
        .await
    }

    /// Per partition: the committed offset, the log end offset (the last
    /// stable offset with `ReadCommitted`) and the lag, for every partition
    /// the group has a commit for or a member is assigned. The commits and
    /// the log end offsets are read back to back, so the lag is as close to
    /// one instant as two requests allow. Sorted by topic and partition.
    ///
    /// ```no_run
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// for p in admin.group_lag("billing", kctl_client::IsolationLevel::ReadCommitted).await? {
    ///     println!("{}: {}", p.partition, p.lag);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn group_lag(
        &self,
        group: &str,
        isolation: IsolationLevel,
    ) -> Result<Vec<PartitionLag>> {
        #[allow(
            clippy::expect_used,
            reason = "describe_groups answers once per group asked"
        )]
        let description = self
            .describe_groups(&[group])
            .await?
            .into_iter()
            .next()
            .expect("one result per group")
            .result?;
        let committed = self.list_group_offsets(group, None).await?;
        Ok(self.lag_of(&description, committed, isolation).await)
    }

    /// Lag from a description and commits already read.
    ///
    /// ```no_run
    /// use kctl_client::IsolationLevel;
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// // One DescribeGroups and one OffsetFetch, reused for lag and a report.
    /// let description = admin.describe_group("billing").await?;
    /// let committed = admin.list_group_offsets("billing", None).await?;
    /// for p in admin.lag_of(&description, committed, IsolationLevel::ReadCommitted).await {
    ///     println!("{} lag {} (member {:?})", p.partition, p.lag, p.member_id);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn lag_of(
        &self,
        description: &GroupDescription,
        committed: Vec<PartitionResult<Option<OffsetAndMetadata>>>,
        isolation: IsolationLevel,
    ) -> Vec<PartitionLag> {
        let mut owner: BTreeMap<TopicPartition, String> = BTreeMap::new();
        for member in &description.members {
            for tp in member.assignment.iter().flatten() {
                owner.insert(tp.clone(), member.member_id.clone());
            }
        }
        let mut commits: BTreeMap<TopicPartition, Option<i64>> =
            owner.keys().map(|tp| (tp.clone(), None)).collect();
        for c in committed {
            // A partition whose commit could not be read is shown without
            // one rather than dropped.
            let offset = c.result.ok().flatten().map(|c| c.offset);
            commits.insert(c.partition, offset);
        }
        let asks: Vec<(TopicPartition, OffsetSpec)> = commits
            .keys()
            .map(|tp| (tp.clone(), OffsetSpec::Latest))
            .collect();
        let ends = match self.list_offsets(&asks, isolation).await {
            Ok(ends) => ends,
            Err(e) => asks
                .iter()
                .map(|(tp, _)| PartitionResult {
                    partition: tp.clone(),
                    result: Err(e.clone()),
                })
                .collect(),
        };
        commits
            .into_iter()
            .zip(ends)
            .map(|((partition, committed_offset), end)| {
                let log_end_offset = end.result.and_then(|listed| {
                    listed.offset.ok_or_else(|| {
                        Error::kafka(
                            ErrorCode::UnknownServerError,
                            ErrorContext::partition(
                                ApiKey::ListOffsets,
                                &partition.topic,
                                partition.partition,
                            )
                            .with_message(Some("no log end offset in the answer".into())),
                        )
                    })
                });
                let lag = match (committed_offset, &log_end_offset) {
                    (None, _) => Lag::NoCommit,
                    (Some(c), Ok(end)) => Lag::Records(end - c),
                    (Some(_), Err(_)) => Lag::UnknownEnd,
                };
                PartitionLag {
                    member_id: owner.get(&partition).cloned(),
                    partition,
                    committed_offset,
                    log_end_offset,
                    lag,
                }
            })
            .collect()
    }
}

fn is_coordinator_error(e: &Error) -> bool {
    matches!(
        e.code(),
        Some(
            ErrorCode::NotCoordinator
                | ErrorCode::CoordinatorNotAvailable
                | ErrorCode::CoordinatorLoadInProgress
        )
    )
}

/// One result per partition from a response's per-partition error codes.
/// A coordinator error anywhere fails the whole call, to be retried.
fn per_partition<'a>(
    partitions: impl Iterator<Item = &'a TopicPartition>,
    codes: &HashMap<(String, i32), i16>,
    api_key: ApiKey,
) -> Result<Vec<PartitionResult<()>>> {
    let mut results = Vec::new();
    for tp in partitions {
        let context = ErrorContext::partition(api_key, &tp.topic, tp.partition);
        let result = match codes.get(&(tp.topic.to_string(), tp.partition)) {
            None => Err(partition_left_out(api_key, tp)),
            Some(&code) => match ErrorCode::try_from_code(code) {
                None => Ok(()),
                Some(code) => Err(Error::kafka(code, context)),
            },
        };
        if let Err(e) = &result
            && is_coordinator_error(e)
        {
            return Err(e.clone());
        }
        results.push(PartitionResult {
            partition: tp.clone(),
            result,
        });
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_protocol::messages::consumer_protocol_assignment::TopicPartition as AssignedTopic;
    use kafka_protocol::messages::{ConsumerProtocolAssignment, ConsumerProtocolSubscription};
    use kafka_protocol::protocol::Encodable;

    fn versioned<T: Encodable>(version: i16, body: &T) -> Bytes {
        consumer_protocol::encode(body, version)
    }

    #[test]
    fn assignments_decode_at_their_own_version_sorted() {
        let assignment = ConsumerProtocolAssignment::default().with_assigned_partitions(vec![
            AssignedTopic::default()
                .with_topic(topic_name("orders"))
                .with_partitions(vec![2, 0]),
            AssignedTopic::default()
                .with_topic(topic_name("audit"))
                .with_partitions(vec![1]),
        ]);
        for version in 0..=3 {
            let decoded = decode_assignment(&versioned(version, &assignment)).unwrap();
            assert_eq!(
                decoded,
                vec![
                    TopicPartition::new("audit", 1),
                    TopicPartition::new("orders", 0),
                    TopicPartition::new("orders", 2),
                ],
                "v{version}"
            );
        }
        assert_eq!(decode_assignment(&Bytes::new()).unwrap(), vec![]);
        assert!(decode_assignment(&Bytes::from_static(&[0])).is_err());
        assert!(decode_assignment(&Bytes::from_static(&[0, 0, 0, 0, 0, 9])).is_err());
    }

    #[test]
    fn newer_protocol_versions_read_as_the_highest_known() {
        let subscription = ConsumerProtocolSubscription::default().with_topics(vec![
            StrBytes::from_static_str("b"),
            StrBytes::from_static_str("a"),
        ]);
        let mut bytes = versioned(3, &subscription).to_vec();
        // A future v4 that appended a field: the prefix still decodes.
        bytes[1] = 4;
        bytes.extend_from_slice(&[0, 0, 0, 0]);
        assert_eq!(
            decode_subscription(&Bytes::from(bytes)).unwrap(),
            vec!["a".to_owned(), "b".to_owned()]
        );
    }

    #[test]
    fn per_partition_keeps_item_errors_and_escalates_coordinator_moves() {
        let a = TopicPartition::new("t", 0);
        let b = TopicPartition::new("t", 1);
        let mut codes = HashMap::new();
        codes.insert(("t".to_owned(), 0), 0);
        codes.insert(
            ("t".to_owned(), 1),
            ErrorCode::UnknownTopicOrPartition.code(),
        );
        let results = per_partition([&a, &b].into_iter(), &codes, ApiKey::OffsetCommit).unwrap();
        assert!(results[0].result.is_ok());
        assert_eq!(
            results[1].result.as_ref().unwrap_err().code(),
            Some(ErrorCode::UnknownTopicOrPartition)
        );
        codes.insert(("t".to_owned(), 1), ErrorCode::NotCoordinator.code());
        let moved = per_partition([&a, &b].into_iter(), &codes, ApiKey::OffsetCommit).unwrap_err();
        assert_eq!(moved.code(), Some(ErrorCode::NotCoordinator));
    }
}

/// Where [`Admin::plan_offset_reset`] moves a group's committed offsets:
/// the targets of `kafka-consumer-groups --reset-offsets`. A datetime or a
/// duration ago is a [`ResetTarget::Timestamp`] in ms since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetTarget {
    /// The log start offset.
    Earliest,
    /// The log end offset (skip everything).
    Latest,
    /// This offset, clamped to the log's start and end.
    Offset(i64),
    /// The committed offset moved by this many records (negative: back).
    ShiftBy(i64),
    /// The first offset at or after this time; the end if none is.
    Timestamp(i64),
}

/// One partition of an offset-reset plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedOffset {
    /// The partition.
    pub partition: TopicPartition,
    /// `None`: the group has no commit here yet.
    pub current_offset: Option<i64>,
    /// Where the reset moves it.
    pub new_offset: i64,
}

impl Admin {
    /// Plans new committed offsets for `partitions` of `group` (or, with
    /// `None`, every partition it has a commit for), kept within each log's
    /// current range as Kafka does. Nothing is changed: apply a plan with
    /// [`Admin::apply_offset_reset`].
    ///
    /// # Errors
    /// As Kafka, refuses a group with active members — they would overwrite
    /// the new offsets with their next commit — with NON_EMPTY_GROUP;
    /// `ShiftBy` on a partition without a commit is a config error; a
    /// partition whose offsets cannot be read fails the whole plan, since a
    /// plan with holes would reset some partitions and not others.
    ///
    /// ```no_run
    /// use kctl_client::ItemResults;
    /// use kctl_client::admin::ResetTarget;
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// // kafka-consumer-groups --reset-offsets --to-earliest --execute
    /// let plan = admin.plan_offset_reset("billing", None, ResetTarget::Earliest).await?;
    /// for p in &plan {
    ///     println!("{}: {:?} -> {}", p.partition, p.current_offset, p.new_offset);
    /// }
    /// admin.apply_offset_reset("billing", &plan).await?.all()?;
    /// # Ok(()) }
    /// ```
    pub async fn plan_offset_reset(
        &self,
        group: &str,
        partitions: Option<&[TopicPartition]>,
        target: ResetTarget,
    ) -> Result<Vec<PlannedOffset>> {
        #[allow(
            clippy::expect_used,
            reason = "describe_groups answers once per group asked"
        )]
        let description = self
            .describe_groups(&[group])
            .await?
            .into_iter()
            .next()
            .expect("one result per group")
            .result?;
        let state = description.state.as_str();
        if !matches!(state, "Empty" | "Dead") {
            let members = description.members.len();
            let message = format!(
                "assignments can only be reset if the group '{group}' is inactive, but the current state is {state} ({members} member{})",
                if members == 1 { "" } else { "s" }
            );
            return Err(Error::kafka(
                ErrorCode::NonEmptyGroup,
                ErrorContext {
                    message: Some(message),
                    ..ErrorContext::api(ApiKey::OffsetCommit)
                },
            ));
        }
        let committed: BTreeMap<TopicPartition, Option<i64>> = self
            .list_group_offsets(group, None)
            .await?
            .into_iter()
            .map(|c| (c.partition, c.result.ok().flatten().map(|c| c.offset)))
            .collect();
        let partitions: Vec<TopicPartition> = match partitions {
            Some(list) => list.to_vec(),
            None => committed.keys().cloned().collect(),
        };
        let current: Vec<Option<i64>> = partitions
            .iter()
            .map(|tp| committed.get(tp).copied().flatten())
            .collect();
        self.plan_targets(partitions, current, target, |tp| {
            format!(
                "cannot shift the offset of {tp}: group '{group}' has no committed offset there"
            )
        })
        .await
    }

    /// Commits a plan from [`Admin::plan_offset_reset`] (generation -1, no
    /// member id: what Kafka accepts for a group without members).
    ///
    /// ```no_run
    /// use kctl_client::admin::ResetTarget;
    /// use kctl_client::{ItemResults, TopicPartition};
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// // Back one hour on one partition (--to-datetime, --by-duration).
    /// let one_hour_ago = 1_700_000_000_000 - 3_600_000;
    /// let plan = admin
    ///     .plan_offset_reset("billing", Some(&[TopicPartition::new("orders", 0)]), ResetTarget::Timestamp(one_hour_ago))
    ///     .await?;
    /// admin.apply_offset_reset("billing", &plan).await?.all()?;
    /// # Ok(()) }
    /// ```
    pub async fn apply_offset_reset(
        &self,
        group: &str,
        plan: &[PlannedOffset],
    ) -> Result<Vec<PartitionResult<()>>> {
        let commits: Vec<(TopicPartition, i64)> = plan
            .iter()
            .map(|p| (p.partition.clone(), p.new_offset))
            .collect();
        self.alter_group_offsets(group, &commits).await
    }

    /// The plan that moves `partitions` from their `current` offsets to
    /// `target`, each kept within its log's range. `no_current` explains a
    /// shift on a partition without a current offset. Shared by consumer
    /// groups and share groups, whose resets differ only in where the
    /// current offsets come from and how the plan is applied.
    pub(super) async fn plan_targets(
        &self,
        partitions: Vec<TopicPartition>,
        current: Vec<Option<i64>>,
        target: ResetTarget,
        no_current: impl Fn(&TopicPartition) -> String,
    ) -> Result<Vec<PlannedOffset>> {
        let earliest = self
            .offsets_for_plan(&partitions, OffsetSpec::Earliest)
            .await?;
        let latest = self
            .offsets_for_plan(&partitions, OffsetSpec::Latest)
            .await?;
        let wanted: Vec<Option<i64>> = match target {
            ResetTarget::Earliest => earliest.clone(),
            ResetTarget::Latest => latest.clone(),
            ResetTarget::Offset(n) => vec![Some(n); partitions.len()],
            ResetTarget::ShiftBy(n) => partitions
                .iter()
                .zip(&current)
                .map(|(tp, c)| match c {
                    Some(c) => Ok(Some(c.saturating_add(n))),
                    None => Err(Error::Config(no_current(tp))),
                })
                .collect::<Result<_>>()?,
            ResetTarget::Timestamp(ms) => {
                self.offsets_for_plan(&partitions, OffsetSpec::Timestamp(ms))
                    .await?
            }
        };
        Ok(partitions
            .into_iter()
            .enumerate()
            .map(|(i, partition)| {
                let (low, high) = (earliest[i].unwrap_or(0), latest[i].unwrap_or(0));
                // No record at or after the time: the end, as Kafka does.
                let new_offset = wanted[i].unwrap_or(high).clamp(low, high.max(low));
                PlannedOffset {
                    partition,
                    current_offset: current[i],
                    new_offset,
                }
            })
            .collect())
    }

    /// One ListOffsets answer per partition, or the first error.
    async fn offsets_for_plan(
        &self,
        partitions: &[TopicPartition],
        spec: OffsetSpec,
    ) -> Result<Vec<Option<i64>>> {
        let asks: Vec<_> = partitions.iter().map(|tp| (tp.clone(), spec)).collect();
        self.list_offsets(&asks, IsolationLevel::ReadUncommitted)
            .await?
            .into_iter()
            .map(|r| r.result.map(|o| o.offset))
            .collect()
    }
}
