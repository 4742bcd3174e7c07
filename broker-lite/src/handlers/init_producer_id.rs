//! InitProducerId: v0–4, for idempotent and transactional producers.
//!
//! A producer without a transactional id gets a new producer id at epoch 0;
//! from v3 a client that passes the id and epoch it has gets that id's next
//! epoch instead (KIP-360), which fences its own older epoch.
//!
//! With a transactional id the transaction coordinator answers: the id's
//! producer id at its next epoch, fencing every older instance (and
//! aborting a transaction the previous instance left open).

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::messages::{InitProducerIdRequest, InitProducerIdResponse, ProducerId};

use crate::producer_ids::ProducerIdError;
use crate::state::BrokerState;

/// InitProducerId v4 is where clients learn PRODUCER_FENCED (KIP-588);
/// older ones get INVALID_PRODUCER_EPOCH, as Kafka answers them.
const PRODUCER_FENCED_MIN_VERSION: i16 = 4;
/// The producer id and epoch fields exist from v3.
const BUMP_MIN_VERSION: i16 = 3;

pub(super) fn handle(
    state: &BrokerState,
    request: InitProducerIdRequest,
    version: i16,
) -> InitProducerIdResponse {
    let failed = |code: ErrorCode| {
        InitProducerIdResponse::default()
            .with_error_code(code.code())
            .with_producer_id(ProducerId(-1))
            .with_producer_epoch(-1)
    };
    let current = if version >= BUMP_MIN_VERSION {
        match (request.producer_id.0, request.producer_epoch) {
            (-1, -1) => None,
            // Kafka requires both or neither.
            (id, epoch) if id < 0 || epoch < 0 => return failed(ErrorCode::InvalidRequest),
            pair => Some(pair),
        }
    } else {
        None
    };
    let answered = match request.transactional_id.as_ref().map(|id| id.0.as_str()) {
        // Kafka's TransactionCoordinator refuses an empty id outright.
        Some("") => return failed(ErrorCode::InvalidRequest),
        Some(id)
            if let Some(code) =
                crate::cluster::txn_channel::refuse_unless_coordinator(state, id) =>
        {
            return failed(code);
        }
        Some(id) => state
            .txns
            .init_producer_id(state, id, request.transaction_timeout_ms, current)
            .map_err(|e| {
                tracing::debug!(transactional_id = id, "InitProducerId refused: {e}");
                e.code(version, PRODUCER_FENCED_MIN_VERSION)
            }),
        None => state.init_producer_id(current).map_err(|e| match e {
            ProducerIdError::Fenced { .. } if version >= PRODUCER_FENCED_MIN_VERSION => {
                ErrorCode::ProducerFenced
            }
            ProducerIdError::Fenced { .. } => ErrorCode::InvalidProducerEpoch,
            // Retriable: the controller's next block is on its way.
            ProducerIdError::NoBlock => ErrorCode::CoordinatorLoadInProgress,
            e @ ProducerIdError::Persist { .. } => {
                tracing::error!("{e}");
                ErrorCode::KafkaStorageError
            }
        }),
    };
    match answered {
        Ok((id, epoch)) => InitProducerIdResponse::default()
            .with_producer_id(ProducerId(id))
            .with_producer_epoch(epoch),
        Err(code) => failed(code),
    }
}
