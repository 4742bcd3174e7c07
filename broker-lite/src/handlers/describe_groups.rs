//! DescribeGroups: v0–5. A group that does not exist is reported as Dead
//! with no error, as Kafka does up to v5. Metadata and assignments are only
//! shown for a Stable group. A share group (KIP-932) shows its state,
//! protocol type "share" and members, without metadata or assignments
//! (those are in ShareGroupDescribe).

use kctl_client::protocol::messages::describe_groups_response::{
    DescribedGroup, DescribedGroupMember,
};
use kctl_client::protocol::messages::{DescribeGroupsRequest, DescribeGroupsResponse};

use kctl_client::protocol::share::SHARE_GROUP_TYPE;

use super::str_bytes;
use crate::state::BrokerState;

/// READ, DELETE and DESCRIBE as bits of the ACL operation codes: what a
/// broker without an authorizer allows on a group.
pub(super) const ALL_GROUP_OPERATIONS: i32 = (1 << 3) | (1 << 6) | (1 << 8);

pub(super) fn handle(
    state: &BrokerState,
    request: DescribeGroupsRequest,
    version: i16,
) -> DescribeGroupsResponse {
    let groups = request
        .groups
        .into_iter()
        .map(|group_id| {
            if let Some(error) = super::group_coordinator_error(state, group_id.0.as_str()) {
                return DescribedGroup::default()
                    .with_group_id(group_id)
                    .with_error_code(error.code());
            }
            if let Some(share) = state.shares.snapshot(group_id.0.as_str()) {
                let members = share
                    .members
                    .iter()
                    .map(|(id, m)| {
                        DescribedGroupMember::default()
                            .with_member_id(str_bytes(id.clone()))
                            .with_client_id(str_bytes(m.client_id.clone()))
                            .with_client_host(str_bytes(m.client_host.clone()))
                    })
                    .collect();
                return DescribedGroup::default()
                    .with_group_id(group_id)
                    .with_group_state(str_bytes(share.state_name()))
                    .with_protocol_type(str_bytes(SHARE_GROUP_TYPE))
                    .with_members(members)
                    .with_authorized_operations(i32::MIN);
            }
            let described = state.groups.describe(group_id.0.as_str());
            let members = described
                .members
                .into_iter()
                .map(|m| {
                    DescribedGroupMember::default()
                        .with_member_id(str_bytes(m.member_id))
                        .with_group_instance_id(
                            m.instance_id.filter(|_| version >= 4).map(str_bytes),
                        )
                        .with_client_id(str_bytes(m.client_id))
                        .with_client_host(str_bytes(m.client_host))
                        .with_member_metadata(m.metadata)
                        .with_member_assignment(m.assignment)
                })
                .collect();
            DescribedGroup::default()
                .with_group_id(group_id)
                .with_group_state(str_bytes(described.state.name()))
                .with_protocol_type(str_bytes(described.protocol_type))
                .with_protocol_data(str_bytes(described.protocol_data))
                .with_members(members)
                .with_authorized_operations(
                    if version >= 3 && request.include_authorized_operations {
                        ALL_GROUP_OPERATIONS
                    } else {
                        i32::MIN
                    },
                )
        })
        .collect();
    DescribeGroupsResponse::default().with_groups(groups)
}
