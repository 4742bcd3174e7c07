//! ListTransactions: v0–1. Filters by state names (unknown names are
//! echoed back as Kafka does), producer ids, and from v1 by how long the
//! transaction has been open. v2's regular-expression filter on ids is not
//! offered.

use kctl_client::protocol::messages::list_transactions_response::TransactionState;
use kctl_client::protocol::messages::{
    ListTransactionsRequest, ListTransactionsResponse, ProducerId, TransactionalId,
};

use super::str_bytes;
use crate::state::{BrokerState, now_ms};
use crate::txn::TxnState;

pub(super) fn handle(
    state: &BrokerState,
    request: ListTransactionsRequest,
    version: i16,
) -> ListTransactionsResponse {
    let mut unknown = Vec::new();
    let mut states = Vec::new();
    for name in &request.state_filters {
        match TxnState::from_name(name.as_str()) {
            Some(s) => states.push(s),
            None => unknown.push(name.clone()),
        }
    }
    let producers: Vec<i64> = request.producer_id_filters.iter().map(|p| p.0).collect();
    // v1: only transactions open longer than this (-1: no filter).
    let min_duration_ms = if version >= 1 {
        request.duration_filter
    } else {
        -1
    };
    let now = now_ms();
    let listed = state
        .txns
        .list()
        .into_iter()
        .filter(|m| states.is_empty() || states.contains(&m.state))
        .filter(|m| producers.is_empty() || producers.contains(&m.producer_id))
        .filter(|m| min_duration_ms < 0 || (m.start_ms >= 0 && now - m.start_ms > min_duration_ms))
        .map(|m| {
            TransactionState::default()
                .with_transactional_id(TransactionalId(str_bytes(m.transactional_id)))
                .with_producer_id(ProducerId(m.producer_id))
                .with_transaction_state(str_bytes(m.state.name()))
        })
        .collect();
    ListTransactionsResponse::default()
        .with_unknown_state_filters(unknown)
        .with_transaction_states(listed)
}
