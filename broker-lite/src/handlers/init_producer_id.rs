//! InitProducerId: v0–4, for idempotent producers.
//!
//! A producer without a transactional id gets a new producer id at epoch 0;
//! from v3 a client that passes the id and epoch it has gets that id's next
//! epoch instead (KIP-360), which fences its own older epoch.
//!
//! broker-lite has no transaction coordinator, so a transactional id is
//! answered with COORDINATOR_NOT_AVAILABLE: what a real Kafka answers while
//! its transaction coordinator cannot serve (the single-broker case where
//! `__transaction_state` cannot be created). It is the error every client
//! already handles for transactions, and it claims nothing false, unlike
//! TRANSACTIONAL_ID_AUTHORIZATION_FAILED; a client retries it until its own
//! timeout and then reports the coordinator as unavailable.

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
    match request.transactional_id.as_ref().map(|id| id.0.as_str()) {
        None => {}
        // Kafka's TransactionCoordinator refuses an empty id outright.
        Some("") => return failed(ErrorCode::InvalidRequest),
        Some(_) => return failed(ErrorCode::CoordinatorNotAvailable),
    }
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
    match state.init_producer_id(current) {
        Ok((id, epoch)) => InitProducerIdResponse::default()
            .with_producer_id(ProducerId(id))
            .with_producer_epoch(epoch),
        Err(ProducerIdError::Fenced { .. }) if version >= PRODUCER_FENCED_MIN_VERSION => {
            failed(ErrorCode::ProducerFenced)
        }
        Err(ProducerIdError::Fenced { .. }) => failed(ErrorCode::InvalidProducerEpoch),
        Err(e @ ProducerIdError::Persist { .. }) => {
            tracing::error!("{e}");
            failed(ErrorCode::KafkaStorageError)
        }
    }
}
