//! ListGroups: v0–5. v4+ filters by state (case-insensitively, as Kafka
//! does); v5 by group type, "classic", "consumer" (KIP-848) or "share"
//! (KIP-932).

use kctl_client::protocol::messages::list_groups_response::ListedGroup;
use kctl_client::protocol::messages::{GroupId, ListGroupsRequest, ListGroupsResponse};

use kctl_client::protocol::share::SHARE_GROUP_TYPE;

use super::str_bytes;
use crate::state::BrokerState;

pub(super) fn handle(
    state: &BrokerState,
    request: ListGroupsRequest,
    version: i16,
) -> ListGroupsResponse {
    let wanted_state = |name: &str| {
        request.states_filter.is_empty()
            || request
                .states_filter
                .iter()
                .any(|s| s.as_str().eq_ignore_ascii_case(name))
    };
    let wanted_type = |group_type: &str| {
        request.types_filter.is_empty()
            || request
                .types_filter
                .iter()
                .any(|t| t.as_str().eq_ignore_ascii_case(group_type))
    };
    let groups = state
        .groups
        .list()
        .into_iter()
        .chain(state.shares.list().into_iter().map(|(group_id, state)| {
            crate::group::GroupListing {
                group_id,
                protocol_type: SHARE_GROUP_TYPE.to_string(),
                state,
                group_type: SHARE_GROUP_TYPE,
            }
        }))
        .filter(|g| wanted_type(g.group_type) && wanted_state(g.state))
        .map(|g| {
            let listed = ListedGroup::default()
                .with_group_id(GroupId(str_bytes(g.group_id)))
                .with_protocol_type(str_bytes(g.protocol_type));
            match version {
                4 => listed.with_group_state(str_bytes(g.state)),
                5.. => listed
                    .with_group_state(str_bytes(g.state))
                    .with_group_type(str_bytes(g.group_type)),
                _ => listed,
            }
        })
        .collect();
    ListGroupsResponse::default().with_groups(groups)
}
