//! ListGroups: v0–5. v4+ filters by state (case-insensitively, as Kafka
//! does); v5 by group type, where every group here is "classic".

use kctl_client::protocol::messages::list_groups_response::ListedGroup;
use kctl_client::protocol::messages::{GroupId, ListGroupsRequest, ListGroupsResponse};

use super::str_bytes;
use crate::state::BrokerState;

const GROUP_TYPE: &str = "classic";

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
    let wanted_type = request.types_filter.is_empty()
        || request
            .types_filter
            .iter()
            .any(|t| t.as_str().eq_ignore_ascii_case(GROUP_TYPE));
    let groups = state
        .groups
        .list()
        .into_iter()
        .filter(|g| wanted_type && wanted_state(g.state.name()))
        .map(|g| {
            let listed = ListedGroup::default()
                .with_group_id(GroupId(str_bytes(g.group_id)))
                .with_protocol_type(str_bytes(g.protocol_type));
            match version {
                4 => listed.with_group_state(str_bytes(g.state.name())),
                5.. => listed
                    .with_group_state(str_bytes(g.state.name()))
                    .with_group_type(str_bytes(GROUP_TYPE)),
                _ => listed,
            }
        })
        .collect();
    ListGroupsResponse::default().with_groups(groups)
}
