//! Share groups (KIP-932): describe them (ShareGroupDescribe), and read,
//! move and delete their start offsets (DescribeShareGroupOffsets,
//! AlterShareGroupOffsets, DeleteShareGroupOffsets), as Kafka's
//! `kafka-share-groups.sh` does. Deleting a share group is DeleteGroups,
//! as for any group ([`Admin::delete_groups`]).
//!
//! A share group has no committed offsets: per partition it has a *start
//! offset* (the share-partition start offset, SPSO), below which every
//! record is acknowledged or archived. Records from there to the log end
//! are available, in flight or already done. Kafka 4.2 also reports the
//! share-partition *lag* (DescribeShareGroupOffsets v1, KIP-1226): the
//! records from the start offset to the high watermark not done yet.

use std::collections::BTreeMap;

use kafka_protocol::messages::alter_share_group_offsets_request::{
    AlterShareGroupOffsetsRequestPartition, AlterShareGroupOffsetsRequestTopic,
};
use kafka_protocol::messages::delete_share_group_offsets_request::DeleteShareGroupOffsetsRequestTopic;
use kafka_protocol::messages::describe_share_group_offsets_request::DescribeShareGroupOffsetsRequestGroup;
use kafka_protocol::messages::{
    AlterShareGroupOffsetsRequest, ApiKey, DeleteShareGroupOffsetsRequest,
    DescribeShareGroupOffsetsRequest, ShareGroupDescribeRequest,
};

use super::groups::{PlannedOffset, ResetTarget};
use super::{Admin, PartitionResult, TopicResult, check};
use crate::error::{Error, ErrorCode, ErrorContext, Result};
use crate::offsets::group::{group_context, group_id, group_left_out};
use crate::offsets::{TopicPartition, topic_name};

/// A share group's type, as ListGroups names it.
pub use crate::protocol::share::SHARE_GROUP_TYPE;
/// kctl's per-partition share statistics (see [`ShareGroupOffset::statistics`]).
pub use crate::protocol::share_statistics::SharePartitionStatistics;

/// A member of a share group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareGroupMember {
    /// The member's id (a UUID the member chose).
    pub member_id: String,
    /// The member's `client.id`.
    pub client_id: String,
    /// The address the member connected from.
    pub host: String,
    /// Its rack, if it named one.
    pub rack: Option<String>,
    /// The member epoch.
    pub member_epoch: i32,
    /// The topics it subscribed to, sorted.
    pub subscription: Vec<String>,
    /// The partitions assigned to it, sorted. In a share group several
    /// members may share a partition.
    pub assignment: Vec<TopicPartition>,
}

/// A share group as ShareGroupDescribe reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareGroupDescription {
    /// The group's id.
    pub group_id: String,
    /// `Empty`, `Stable` or `Dead`.
    pub state: String,
    /// The group epoch.
    pub group_epoch: i32,
    /// The epoch of the current assignment.
    pub assignment_epoch: i32,
    /// The server-side assignor (`simple`).
    pub assignor: String,
    /// The broker that coordinates it.
    pub coordinator: i32,
    /// Its members, in the coordinator's order.
    pub members: Vec<ShareGroupMember>,
}

/// A share group's start offset on one partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareGroupOffset {
    /// The partition.
    pub partition: TopicPartition,
    /// The share-partition start offset; `None` when the group has not
    /// initialized the partition yet.
    pub start_offset: Option<i64>,
    /// The leader epoch the state was written under; `None` if unknown.
    pub leader_epoch: Option<i32>,
    /// In-flight, archived and redelivered counts: kctl's tagged-field
    /// extension, which broker-lite sends. `None` from Apache Kafka, which
    /// reports none of them.
    pub statistics: Option<SharePartitionStatistics>,
    /// The share-partition lag (KIP-1226): high watermark minus start
    /// offset minus the records past the start offset already acknowledged
    /// or archived. `None` when the broker answers DescribeShareGroupOffsets
    /// v0 only (Kafka 4.1) or cannot compute it (no share state yet, the end
    /// offset unknown): Kafka's admin client reads a negative lag as absent.
    pub lag: Option<i64>,
}

impl Admin {
    /// Describes a share group: state, epochs and members with their
    /// assignments. A group that does not exist is `GROUP_ID_NOT_FOUND`; a
    /// group of another type is `INVALID_GROUP_TYPE` (Kafka's answers).
    ///
    /// ```no_run
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// let group = admin.describe_share_group("workers").await?;
    /// for m in &group.members {
    ///     println!("{} holds {:?}", m.member_id, m.assignment);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn describe_share_group(&self, group: &str) -> Result<ShareGroupDescription> {
        self.retrying("ShareGroupDescribe", || async {
            let (coordinator, conn) = self.group_coordinator(group).await?;
            let request =
                ShareGroupDescribeRequest::default().with_group_ids(vec![group_id(group)]);
            let response = conn.request(&request).await?;
            let described = response
                .groups
                .into_iter()
                .find(|g| g.group_id.0.as_str() == group)
                .ok_or_else(|| group_left_out(ApiKey::ShareGroupDescribe, group))?;
            check(
                described.error_code,
                described.error_message.as_ref(),
                group_context(ApiKey::ShareGroupDescribe, group),
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
                                .map(move |&p| TopicPartition::new(&topic, p))
                        })
                        .collect();
                    assignment.sort();
                    let mut subscription: Vec<String> = m
                        .subscribed_topic_names
                        .iter()
                        .map(|t| t.0.to_string())
                        .collect();
                    subscription.sort();
                    ShareGroupMember {
                        member_id: m.member_id.to_string(),
                        client_id: m.client_id.to_string(),
                        host: m.client_host.to_string(),
                        rack: m.rack_id.map(|r| r.to_string()),
                        member_epoch: m.member_epoch,
                        subscription,
                        assignment,
                    }
                })
                .collect();
            Ok(ShareGroupDescription {
                group_id: group.to_owned(),
                state: described.group_state.to_string(),
                group_epoch: described.group_epoch,
                assignment_epoch: described.assignment_epoch,
                assignor: described.assignor_name.to_string(),
                coordinator,
                members,
            })
        })
        .await
    }

    /// The share group's start offset on every partition it has state
    /// for, sorted by topic and partition.
    ///
    /// ```no_run
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// for o in admin.list_share_group_offsets("workers").await? {
    ///     println!("{}: {:?}", o.partition, o.start_offset);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_share_group_offsets(&self, group: &str) -> Result<Vec<ShareGroupOffset>> {
        self.retrying("DescribeShareGroupOffsets", || async {
            let (_, conn) = self.group_coordinator(group).await?;
            let request = DescribeShareGroupOffsetsRequest::default().with_groups(vec![
                DescribeShareGroupOffsetsRequestGroup::default()
                    .with_group_id(group_id(group))
                    // Null: every topic the group has state for.
                    .with_topics(None),
            ]);
            let response = conn.request(&request).await?;
            let described = response
                .groups
                .into_iter()
                .find(|g| g.group_id.0.as_str() == group)
                .ok_or_else(|| group_left_out(ApiKey::DescribeShareGroupOffsets, group))?;
            check(
                described.error_code,
                described.error_message.as_ref(),
                group_context(ApiKey::DescribeShareGroupOffsets, group),
            )?;
            let mut offsets = Vec::new();
            for t in described.topics {
                let topic = t.topic_name.0.to_string();
                for p in t.partitions {
                    check(
                        p.error_code,
                        p.error_message.as_ref(),
                        ErrorContext::partition(
                            ApiKey::DescribeShareGroupOffsets,
                            &topic,
                            p.partition_index,
                        ),
                    )?;
                    offsets.push(ShareGroupOffset {
                        partition: TopicPartition::new(&topic, p.partition_index),
                        start_offset: (p.start_offset >= 0).then_some(p.start_offset),
                        leader_epoch: (p.leader_epoch >= 0).then_some(p.leader_epoch),
                        statistics: SharePartitionStatistics::decode_from(&p.unknown_tagged_fields),
                        // At v0 the decoder fills in the schema default, -1.
                        lag: (p.lag >= 0).then_some(p.lag),
                    });
                }
            }
            offsets.sort_by(|a, b| a.partition.cmp(&b.partition));
            Ok(offsets)
        })
        .await
    }

    /// Sets the share group's start offsets (the group must have no
    /// members: Kafka answers `NON_EMPTY_GROUP` otherwise). One result per
    /// partition, in order.
    ///
    /// ```no_run
    /// use kctl_client::ItemResults;
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// let tp = kctl_client::TopicPartition::new("jobs", 0);
    /// admin.alter_share_group_offsets("workers", &[(tp, 0)]).await?.all()?;
    /// # Ok(()) }
    /// ```
    pub async fn alter_share_group_offsets(
        &self,
        group: &str,
        offsets: &[(TopicPartition, i64)],
    ) -> Result<Vec<PartitionResult<()>>> {
        self.retrying("AlterShareGroupOffsets", || async {
            let (_, conn) = self.group_coordinator(group).await?;
            let mut topics: BTreeMap<&str, Vec<AlterShareGroupOffsetsRequestPartition>> =
                BTreeMap::new();
            for (tp, offset) in offsets {
                topics.entry(tp.topic.as_ref()).or_default().push(
                    AlterShareGroupOffsetsRequestPartition::default()
                        .with_partition_index(tp.partition)
                        .with_start_offset(*offset),
                );
            }
            let request = AlterShareGroupOffsetsRequest::default()
                .with_group_id(group_id(group))
                .with_topics(
                    topics
                        .into_iter()
                        .map(|(t, ps)| {
                            AlterShareGroupOffsetsRequestTopic::default()
                                .with_topic_name(topic_name(t))
                                .with_partitions(ps)
                        })
                        .collect(),
                );
            let response = conn.request(&request).await?;
            check(
                response.error_code,
                response.error_message.as_ref(),
                group_context(ApiKey::AlterShareGroupOffsets, group),
            )?;
            let mut codes: BTreeMap<(String, i32), (i16, Option<String>)> = BTreeMap::new();
            for t in response.responses {
                for p in t.partitions {
                    codes.insert(
                        (t.topic_name.0.to_string(), p.partition_index),
                        (p.error_code, p.error_message.map(|m| m.to_string())),
                    );
                }
            }
            Ok(offsets
                .iter()
                .map(|(tp, _)| {
                    let context = ErrorContext::partition(
                        ApiKey::AlterShareGroupOffsets,
                        &tp.topic,
                        tp.partition,
                    );
                    let result = match codes.get(&(tp.topic.to_string(), tp.partition)) {
                        Some((code, message)) => match ErrorCode::try_from_code(*code) {
                            None => Ok(()),
                            Some(code) => {
                                Err(Error::kafka(code, context.with_message(message.clone())))
                            }
                        },
                        None => Err(Error::kafka(
                            ErrorCode::UnknownServerError,
                            context.with_message(Some("left out of the answer".into())),
                        )),
                    };
                    PartitionResult {
                        partition: tp.clone(),
                        result,
                    }
                })
                .collect())
        })
        .await
    }

    /// Deletes the share group's state for whole topics (Kafka deletes
    /// share-group offsets per topic). The group must have no members.
    /// One result per topic, in order.
    ///
    /// ```no_run
    /// use kctl_client::ItemResults;
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// admin.delete_share_group_offsets("workers", &["retired-jobs"]).await?.all()?;
    /// # Ok(()) }
    /// ```
    pub async fn delete_share_group_offsets<S: AsRef<str>>(
        &self,
        group: &str,
        topics: &[S],
    ) -> Result<Vec<TopicResult<()>>> {
        self.retrying("DeleteShareGroupOffsets", || async {
            let (_, conn) = self.group_coordinator(group).await?;
            let request = DeleteShareGroupOffsetsRequest::default()
                .with_group_id(group_id(group))
                .with_topics(
                    topics
                        .iter()
                        .map(|t| {
                            DeleteShareGroupOffsetsRequestTopic::default()
                                .with_topic_name(topic_name(t.as_ref()))
                        })
                        .collect(),
                );
            let response = conn.request(&request).await?;
            check(
                response.error_code,
                response.error_message.as_ref(),
                group_context(ApiKey::DeleteShareGroupOffsets, group),
            )?;
            let codes: BTreeMap<String, (i16, Option<String>)> = response
                .responses
                .into_iter()
                .map(|t| {
                    (
                        t.topic_name.0.to_string(),
                        (t.error_code, t.error_message.map(|m| m.to_string())),
                    )
                })
                .collect();
            Ok(topics
                .iter()
                .map(|t| {
                    let topic = t.as_ref();
                    let context = ErrorContext::topic(ApiKey::DeleteShareGroupOffsets, topic);
                    let result = match codes.get(topic) {
                        Some((code, message)) => match ErrorCode::try_from_code(*code) {
                            None => Ok(()),
                            Some(code) => {
                                Err(Error::kafka(code, context.with_message(message.clone())))
                            }
                        },
                        None => Err(Error::kafka(
                            ErrorCode::UnknownServerError,
                            context.with_message(Some("left out of the answer".into())),
                        )),
                    };
                    TopicResult {
                        topic: topic.to_owned(),
                        result,
                    }
                })
                .collect())
        })
        .await
    }

    /// Plans new start offsets for a share group, as `kafka-share-groups
    /// --reset-offsets` does: for every partition of `topics`, or with
    /// `None` of every topic the group has state for. `current_offset` is
    /// the start offset now. Nothing changes until
    /// [`Admin::apply_share_offset_reset`].
    ///
    /// # Errors
    /// A group with members is refused with NON_EMPTY_GROUP (its members
    /// hold records in flight); `ShiftBy` needs a current start offset.
    ///
    /// ```no_run
    /// use kctl_client::ItemResults;
    /// use kctl_client::admin::ResetTarget;
    /// # async fn demo(admin: kctl_client::Admin) -> kctl_client::Result<()> {
    /// let plan = admin.plan_share_offset_reset("workers", Some(&["jobs"]), ResetTarget::Earliest).await?;
    /// admin.apply_share_offset_reset("workers", &plan).await?.all()?;
    /// # Ok(()) }
    /// ```
    pub async fn plan_share_offset_reset<S: AsRef<str>>(
        &self,
        group: &str,
        topics: Option<&[S]>,
        target: ResetTarget,
    ) -> Result<Vec<PlannedOffset>> {
        match self.describe_share_group(group).await {
            Ok(d) if !d.members.is_empty() => {
                let members = d.members.len();
                return Err(Error::kafka(
                    ErrorCode::NonEmptyGroup,
                    group_context(ApiKey::AlterShareGroupOffsets, group).with_message(Some(format!(
                        "share group '{group}' is {} with {members} member{}: offsets can be reset only while it has none",
                        d.state,
                        if members == 1 { "" } else { "s" }
                    ))),
                ));
            }
            Ok(_) => {}
            // A group that does not exist yet gets its start offsets from
            // the reset (Kafka creates it).
            Err(e) if e.code() == Some(ErrorCode::GroupIdNotFound) => {}
            Err(e) => return Err(e),
        }
        let current: BTreeMap<TopicPartition, Option<i64>> =
            match self.list_share_group_offsets(group).await {
                Ok(offsets) => offsets
                    .into_iter()
                    .map(|o| (o.partition, o.start_offset))
                    .collect(),
                Err(e) if e.code() == Some(ErrorCode::GroupIdNotFound) => BTreeMap::new(),
                Err(e) => return Err(e),
            };
        let partitions: Vec<TopicPartition> = match topics {
            None => current.keys().cloned().collect(),
            Some(topics) => {
                let mut all = Vec::new();
                for topic in topics {
                    let metadata = self.client.topic_metadata(topic.as_ref()).await?;
                    if let Some(code) = metadata.error {
                        return Err(Error::kafka(
                            code,
                            ErrorContext::topic(ApiKey::Metadata, topic.as_ref()),
                        ));
                    }
                    let mut ids: Vec<i32> = metadata.partitions.iter().map(|p| p.id).collect();
                    ids.sort_unstable();
                    all.extend(
                        ids.into_iter()
                            .map(|p| TopicPartition::new(topic.as_ref(), p)),
                    );
                }
                all
            }
        };
        let now: Vec<Option<i64>> = partitions
            .iter()
            .map(|tp| current.get(tp).copied().flatten())
            .collect();
        self.plan_targets(partitions, now, target, |tp| {
            format!("cannot shift the start offset of {tp}: share group '{group}' has none there")
        })
        .await
    }

    /// Applies a plan from [`Admin::plan_share_offset_reset`] with
    /// AlterShareGroupOffsets.
    pub async fn apply_share_offset_reset(
        &self,
        group: &str,
        plan: &[PlannedOffset],
    ) -> Result<Vec<PartitionResult<()>>> {
        let offsets: Vec<(TopicPartition, i64)> = plan
            .iter()
            .map(|p| (p.partition.clone(), p.new_offset))
            .collect();
        self.alter_share_group_offsets(group, &offsets).await
    }
}
