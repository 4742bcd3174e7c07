//! DeleteGroups: v0–2. Only an Empty group can be deleted (NON_EMPTY_GROUP
//! otherwise); its offsets go with it. A share group (KIP-932) goes with
//! its share-partition state.

use kctl_client::protocol::messages::delete_groups_response::DeletableGroupResult;
use kctl_client::protocol::messages::{DeleteGroupsRequest, DeleteGroupsResponse};

use crate::state::BrokerState;

pub(super) async fn handle(
    state: &BrokerState,
    request: DeleteGroupsRequest,
    _version: i16,
) -> Option<DeleteGroupsResponse> {
    let mut results = Vec::with_capacity(request.groups_names.len());
    for group_id in request.groups_names {
        let error = match super::group_coordinator_error(state, group_id.0.as_str()) {
            Some(error) => Some(error),
            None if state.shares.exists(group_id.0.as_str()) => {
                state.shares.delete_group(group_id.0.as_str()).await.err()
            }
            None => state.groups.delete(group_id.0.as_str()).await.err(),
        };
        results.push(
            DeletableGroupResult::default()
                .with_group_id(group_id)
                .with_error_code(error.map_or(0, |e| e.code())),
        );
    }
    Some(DeleteGroupsResponse::default().with_results(results))
}
