//! Transactions: what Java's `TransactionManager` and librdkafka's
//! `rdkafka_txnmgr.c` do for a producer with a `transactional.id`.
//!
//! # Protocol (transactions v1)
//!
//! `init_transactions` finds the transaction coordinator (FindCoordinator
//! key type 1) and gets the id's producer id at a new epoch with
//! InitProducerId, which fences every older instance and lets the
//! coordinator abort whatever transaction an earlier instance left open.
//! Inside a transaction the first record for each partition first adds the
//! partition with AddPartitionsToTxn (a broker refuses transactional
//! batches for partitions it was not told about); batches carry the
//! transactional bit. `send_offsets_to_transaction` adds the group with
//! AddOffsetsToTxn, then sends TxnOffsetCommit to the group coordinator
//! with the consumer's generation and member id (KIP-447). Commit flushes
//! every record and sends EndTxn; abort waits for what is in flight and
//! sends EndTxn(abort).
//!
//! # Transactions v2 (KIP-890 part 2)
//!
//! As Java's `TransactionManager` does, the protocol is chosen from the
//! coordinator's finalized `transaction.version` feature (ApiVersions v3+)
//! at `init_transactions` and again at each `begin_transaction`: level 2 or
//! more is v2, anything else (or no feature) v1. Under v2 no
//! AddPartitionsToTxn is sent: a transactional Produce v12 adds its
//! partition; `send_offsets_to_transaction` skips AddOffsetsToTxn and sends
//! TxnOffsetCommit v5, which adds the group; EndTxn v5 bumps the epoch
//! (or moves to a new producer id) and its answer is the identity the next
//! transaction uses, with every partition's sequence restarted. Under v1
//! Produce is held at v11, EndTxn and TxnOffsetCommit at v3.
//!
//! # Errors
//!
//! As in Java, errors are abortable or fatal ([`Error::Transaction`]).
//! Fatal: the producer was fenced (PRODUCER_FENCED, INVALID_PRODUCER_EPOCH),
//! the id is not ours or not allowed (INVALID_PRODUCER_ID_MAPPING,
//! TRANSACTIONAL_ID_AUTHORIZATION_FAILED), the coordinator says the
//! transaction is in a state this producer cannot be in (INVALID_TXN_STATE),
//! or the broker cannot do transactions at all. The producer then refuses
//! every further transactional call; close it. Everything else that fails a
//! transaction (a record that could not be delivered, a group commit
//! refused for a stale generation, a coordinator that never answered) is
//! abortable: `abort_transaction`, then begin again. After an abort caused
//! by an error the epoch is bumped (InitProducerId with the current id and
//! epoch, KIP-360) so sequence numbers restart cleanly.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kafka_protocol::messages::add_partitions_to_txn_request::AddPartitionsToTxnTopic;
use kafka_protocol::messages::txn_offset_commit_request::{
    TxnOffsetCommitRequestPartition, TxnOffsetCommitRequestTopic,
};
use kafka_protocol::messages::{
    AddOffsetsToTxnRequest, AddPartitionsToTxnRequest, ApiKey, EndTxnRequest, GroupId,
    InitProducerIdRequest, ProducerId, TopicName, TransactionalId, TxnOffsetCommitRequest,
};
use tokio::time::Instant;

use super::{Inner, ProducerIdentity};
use crate::client::CoordinatorKind;
use crate::connection::Connection;
use crate::consumer::{ConsumerGroupMetadata, OffsetAndMetadata, TopicPartition};
use crate::error::{Error, ErrorCode, ErrorContext, Result};
use crate::protocol::StrBytes;

/// TxnOffsetCommit v3 carries the member id and generation (KIP-447).
const TXN_OFFSET_COMMIT_MEMBER_VERSION: i16 = 3;
/// InitProducerId v3 carries the current id and epoch (KIP-360).
const INIT_WITH_EPOCH_VERSION: i16 = 3;
/// The last EndTxn and TxnOffsetCommit of transactions v1 (v4 only adds
/// TRANSACTION_ABORTABLE; v5 is transactions v2).
const LAST_V1_TXN_API_VERSION: i16 = 3;
/// The last Produce of transactions v1 (v12 adds partitions implicitly).
pub(crate) const LAST_V1_PRODUCE_VERSION: i16 = 11;
/// The `transaction.version` level from which clients speak v2.
const TRANSACTION_VERSION_2: i16 = 2;
/// Between retries of CONCURRENT_TRANSACTIONS, which only needs the
/// coordinator to finish writing markers (Java uses 20 ms).
const CONCURRENT_RETRY: Duration = Duration::from_millis(20);
const TRANSACTION_VERSION_FEATURE: &str = "transaction.version";

#[derive(Debug, Clone)]
enum State {
    Uninitialized,
    Ready,
    InTransaction,
    Committing,
    Aborting,
    /// The transaction must be aborted.
    Abortable(Error),
    /// No more transactions.
    Fatal(Error),
}

/// The transactional side of a producer.
#[derive(Debug)]
pub(crate) struct TransactionManager {
    transactional_id: String,
    timeout_ms: i32,
    state: Mutex<State>,
    /// Partitions added to the open transaction.
    added: Mutex<HashSet<(Arc<str>, i32)>>,
    /// One AddPartitionsToTxn at a time, so each partition is added once.
    adding: tokio::sync::Mutex<()>,
    offsets_added: AtomicBool,
    /// The first record that failed in the open transaction.
    send_error: Mutex<Option<Error>>,
    /// The coordinator's connection, until it fails.
    coordinator: tokio::sync::Mutex<Option<Arc<Connection>>>,
    /// Transactions v2 (KIP-890 part 2), from the coordinator's finalized
    /// `transaction.version`; read at init and at each begin.
    v2: AtomicBool,
}

/// Whether an error code ends the producer's transactional life.
fn is_fatal(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::ProducerFenced
            | ErrorCode::InvalidProducerEpoch
            | ErrorCode::InvalidProducerIdMapping
            | ErrorCode::InvalidTxnState
            | ErrorCode::TransactionalIdAuthorizationFailed
            | ErrorCode::ClusterAuthorizationFailed
            | ErrorCode::UnsupportedVersion
            | ErrorCode::UnsupportedForMessageFormat
            | ErrorCode::InvalidTransactionTimeout
    )
}

/// Whether a coordinator request may simply be sent again.
fn is_retriable(e: &Error) -> bool {
    e.is_retriable()
        || matches!(
            e.code(),
            Some(
                ErrorCode::CoordinatorNotAvailable
                    | ErrorCode::NotCoordinator
                    | ErrorCode::CoordinatorLoadInProgress
            )
        )
}

fn classify(e: Error) -> Error {
    match e {
        e @ (Error::Transaction { .. } | Error::TransactionState(_)) => e,
        e => {
            let fatal = match &e {
                Error::Kafka { code, .. } => is_fatal(*code),
                Error::Request(crate::error::RequestError::UnsupportedApi { .. }) => true,
                _ => false,
            };
            Error::Transaction {
                fatal,
                cause: Box::new(e),
            }
        }
    }
}

fn check(code: i16, api_key: ApiKey, what: &str) -> Result<()> {
    match ErrorCode::try_from_code(code) {
        None => Ok(()),
        Some(code) => Err(Error::kafka(
            code,
            ErrorContext::api(api_key).with_message(Some(what.to_owned())),
        )),
    }
}

impl TransactionManager {
    pub(crate) fn new(transactional_id: String, timeout_ms: i32) -> Self {
        Self {
            transactional_id,
            timeout_ms,
            state: Mutex::new(State::Uninitialized),
            added: Mutex::new(HashSet::new()),
            adding: tokio::sync::Mutex::new(()),
            offsets_added: AtomicBool::new(false),
            send_error: Mutex::new(None),
            coordinator: tokio::sync::Mutex::new(None),
            v2: AtomicBool::new(false),
        }
    }

    /// Whether the producer speaks transactions v2.
    pub(crate) fn is_v2(&self) -> bool {
        self.v2.load(Ordering::Acquire)
    }

    /// The highest Produce version this producer may send: v11 under
    /// transactions v1, where v12 would add partitions behind the
    /// coordinator's back (Java's `useTransactionV1Version`).
    pub(crate) fn produce_version_cap(&self) -> Option<i16> {
        (!self.is_v2()).then_some(LAST_V1_PRODUCE_VERSION)
    }

    /// The cap for EndTxn and TxnOffsetCommit under the protocol in use.
    fn txn_api_cap(&self) -> Option<i16> {
        (!self.is_v2()).then_some(LAST_V1_TXN_API_VERSION)
    }

    /// Reads the coordinator's finalized `transaction.version`, as Java's
    /// `maybeUpdateTransactionV2Enabled` does, if the coordinator's
    /// connection is free (nothing is in flight between transactions).
    /// Returns the level seen.
    fn update_protocol(&self) -> Option<i16> {
        let level = self.coordinator.try_lock().ok()?.as_ref().and_then(|conn| {
            conn.versions()
                .finalized_feature(TRANSACTION_VERSION_FEATURE)
        });
        if let Some(level) = level {
            self.v2
                .store(level >= TRANSACTION_VERSION_2, Ordering::Release);
        }
        level
    }

    pub(crate) fn transactional_id(&self) -> &str {
        &self.transactional_id
    }

    fn state(&self) -> State {
        crate::sync::lock(&self.state).clone()
    }

    fn set_state(&self, state: State) {
        *crate::sync::lock(&self.state) = state;
    }

    /// Records a failure and returns it: fatal errors end transactions,
    /// others make the open one abortable.
    fn fail(&self, e: Error) -> Error {
        let e = classify(e);
        match &e {
            Error::Transaction { fatal: true, .. } => self.set_state(State::Fatal(e.clone())),
            Error::Transaction { fatal: false, .. } => {
                let mut state = crate::sync::lock(&self.state);
                if !matches!(*state, State::Fatal(_)) {
                    *state = State::Abortable(e.clone());
                }
            }
            _ => {}
        }
        e
    }

    /// The error for a call that needs an open transaction, if there is none.
    fn require_open(&self) -> Result<()> {
        match self.state() {
            State::InTransaction => Ok(()),
            State::Uninitialized => Err(Error::TransactionState(
                "call init_transactions first".into(),
            )),
            State::Ready => Err(Error::TransactionState(
                "no transaction is open: call begin_transaction first".into(),
            )),
            State::Committing | State::Aborting => {
                Err(Error::TransactionState("the transaction is ending".into()))
            }
            State::Abortable(e) | State::Fatal(e) => Err(e),
        }
    }

    /// A delivery failure inside a transaction makes it abortable (or
    /// ends the producer if it was fenced).
    pub(crate) fn record_send_error(&self, e: &Error) {
        let mut first = crate::sync::lock(&self.send_error);
        if first.is_none() {
            *first = Some(e.clone());
        }
        drop(first);
        self.fail(e.clone());
    }

    /// Sends `build(version)` to the transaction coordinator until it is
    /// answered without a retriable error or `max_block_ms` passes.
    async fn coordinator_call<R, B, C>(
        &self,
        inner: &Inner,
        operation: &'static str,
        cap: Option<i16>,
        build: B,
        error_of: C,
    ) -> Result<R::Response>
    where
        R: kafka_protocol::protocol::Request + kafka_protocol::protocol::Encodable,
        R::Response: kafka_protocol::protocol::Decodable,
        R::Response: crate::connection::Throttled,
        B: Fn(i16) -> R,
        C: Fn(&R::Response) -> Result<()>,
    {
        let deadline = Instant::now() + Duration::from_millis(inner.config.max_block_ms);
        let mut attempt = 0;
        loop {
            let outcome = async {
                let conn = self.coordinator(inner).await?;
                let version = conn.version_for::<R>(cap)?;
                let response = conn.request_at(&build(version), version).await?;
                error_of(&response).map(|()| response)
            }
            .await;
            let e = match outcome {
                Ok(response) => return Ok(response),
                Err(e) => e,
            };
            if !is_retriable(&e) {
                return Err(e);
            }
            if !matches!(e.code(), Some(ErrorCode::ConcurrentTransactions)) {
                *self.coordinator.lock().await = None;
            }
            attempt += 1;
            let delay = if e.code() == Some(ErrorCode::ConcurrentTransactions) {
                CONCURRENT_RETRY
            } else {
                inner.config.retry_backoff.delay(attempt)
            };
            if Instant::now() + delay >= deadline {
                return Err(Error::OperationTimeout {
                    operation,
                    timeout_ms: inner.config.max_block_ms,
                    last: Some(Box::new(e)),
                });
            }
            tokio::time::sleep(delay).await;
        }
    }

    async fn coordinator(&self, inner: &Inner) -> Result<Arc<Connection>> {
        let mut known = self.coordinator.lock().await;
        if let Some(conn) = known.as_ref().filter(|c| !c.is_dead()) {
            return Ok(Arc::clone(conn));
        }
        let (_, conn) = inner
            .client
            .find_coordinator(CoordinatorKind::Transaction, &self.transactional_id)
            .await?;
        *known = Some(Arc::clone(&conn));
        Ok(conn)
    }

    /// InitProducerId for our transactional id; with `current`, a bump of
    /// that id and epoch (KIP-360).
    async fn init_producer_id(
        &self,
        inner: &Inner,
        current: Option<ProducerIdentity>,
    ) -> Result<ProducerIdentity> {
        let id = self.transactional_id.clone();
        let timeout_ms = self.timeout_ms;
        let response = self
            .coordinator_call(
                inner,
                "InitProducerId",
                None,
                |version| {
                    let (pid, epoch) = match current {
                        Some(c) if version >= INIT_WITH_EPOCH_VERSION => (c.id, c.epoch),
                        _ => (-1, -1),
                    };
                    InitProducerIdRequest::default()
                        .with_transactional_id(Some(TransactionalId(StrBytes::from_string(
                            id.clone(),
                        ))))
                        .with_transaction_timeout_ms(timeout_ms)
                        .with_producer_id(ProducerId(pid))
                        .with_producer_epoch(epoch)
                },
                |r| check(r.error_code, ApiKey::InitProducerId, &self.transactional_id),
            )
            .await?;
        Ok(ProducerIdentity {
            id: response.producer_id.0,
            epoch: response.producer_epoch,
        })
    }

    pub(crate) async fn init(&self, inner: &Inner) -> Result<()> {
        match self.state() {
            State::Uninitialized => {}
            State::Fatal(e) => return Err(e),
            _ => {
                return Err(Error::TransactionState(
                    "init_transactions was already called".into(),
                ));
            }
        }
        let identity = self
            .init_producer_id(inner, None)
            .await
            .map_err(|e| self.fail(e))?;
        inner.reset_identity(identity);
        let level = self.update_protocol();
        tracing::info!(
            transactional_id = %self.transactional_id,
            producer_id = identity.id,
            epoch = identity.epoch,
            transaction_version = ?level,
            protocol = if self.is_v2() { "v2" } else { "v1" },
            "transactions initialised"
        );
        self.set_state(State::Ready);
        Ok(())
    }

    pub(crate) fn begin(&self) -> Result<()> {
        match self.state() {
            State::Ready => {}
            State::InTransaction => {
                return Err(Error::TransactionState(
                    "a transaction is already open".into(),
                ));
            }
            other => {
                self.set_state(other.clone());
                return match other {
                    State::Uninitialized => Err(Error::TransactionState(
                        "call init_transactions first".into(),
                    )),
                    State::Abortable(e) | State::Fatal(e) => Err(e),
                    _ => Err(Error::TransactionState(
                        "the previous transaction is still ending".into(),
                    )),
                };
            }
        }
        // A change of the cluster's finalized `transaction.version` (an
        // upgrade or downgrade) takes effect here, between transactions.
        self.update_protocol();
        crate::sync::lock(&self.added).clear();
        self.offsets_added.store(false, Ordering::Release);
        *crate::sync::lock(&self.send_error) = None;
        self.set_state(State::InTransaction);
        Ok(())
    }

    /// Before a record for `partition` is queued: the transaction must be
    /// open, and the partition is added to it the first time.
    pub(crate) async fn before_send(
        &self,
        inner: &Inner,
        topic: &str,
        partition: i32,
    ) -> Result<()> {
        self.require_open()?;
        let key = (Arc::<str>::from(topic), partition);
        if crate::sync::lock(&self.added).contains(&key) {
            return Ok(());
        }
        if self.is_v2() {
            // Produce v12 adds the partition; remember it so EndTxn is sent.
            crate::sync::lock(&self.added).insert(key);
            return Ok(());
        }
        let _adding = self.adding.lock().await;
        if crate::sync::lock(&self.added).contains(&key) {
            return Ok(());
        }
        let identity = inner.identity();
        let id = self.transactional_id.clone();
        let topic_name = topic.to_owned();
        self.coordinator_call(
            inner,
            "AddPartitionsToTxn",
            None,
            |_| {
                AddPartitionsToTxnRequest::default()
                    .with_v3_and_below_transactional_id(TransactionalId(StrBytes::from_string(
                        id.clone(),
                    )))
                    .with_v3_and_below_producer_id(ProducerId(identity.id))
                    .with_v3_and_below_producer_epoch(identity.epoch)
                    .with_v3_and_below_topics(vec![
                        AddPartitionsToTxnTopic::default()
                            .with_name(TopicName(StrBytes::from_string(topic_name.clone())))
                            .with_partitions(vec![partition]),
                    ])
            },
            |r| {
                let code = r
                    .results_by_topic_v3_and_below
                    .iter()
                    .flat_map(|t| &t.results_by_partition)
                    .map(|p| p.partition_error_code)
                    .find(|&c| c != 0)
                    .unwrap_or(r.error_code);
                match ErrorCode::try_from_code(code) {
                    None => Ok(()),
                    Some(code) => Err(Error::kafka(
                        code,
                        ErrorContext::partition(ApiKey::AddPartitionsToTxn, topic, partition),
                    )),
                }
            },
        )
        .await
        .map_err(|e| self.fail(e))?;
        crate::sync::lock(&self.added).insert(key);
        Ok(())
    }

    pub(crate) async fn send_offsets(
        &self,
        inner: &Inner,
        offsets: &BTreeMap<TopicPartition, OffsetAndMetadata>,
        group: &ConsumerGroupMetadata,
    ) -> Result<()> {
        self.require_open()?;
        let identity = inner.identity();
        if self.is_v2() {
            // TxnOffsetCommit v5 adds the group to the transaction.
            self.offsets_added.store(true, Ordering::Release);
            return self
                .txn_offset_commit(inner, identity, offsets, group)
                .await
                .map_err(|e| self.fail(e));
        }
        let id = self.transactional_id.clone();
        self.coordinator_call(
            inner,
            "AddOffsetsToTxn",
            None,
            |_| {
                AddOffsetsToTxnRequest::default()
                    .with_transactional_id(TransactionalId(StrBytes::from_string(id.clone())))
                    .with_producer_id(ProducerId(identity.id))
                    .with_producer_epoch(identity.epoch)
                    .with_group_id(GroupId(StrBytes::from_string(group.group_id.clone())))
            },
            |r| check(r.error_code, ApiKey::AddOffsetsToTxn, &group.group_id),
        )
        .await
        .map_err(|e| self.fail(e))?;
        self.offsets_added.store(true, Ordering::Release);
        self.txn_offset_commit(inner, identity, offsets, group)
            .await
            .map_err(|e| self.fail(e))
    }

    /// TxnOffsetCommit to the group's coordinator, retried while it moves.
    async fn txn_offset_commit(
        &self,
        inner: &Inner,
        identity: ProducerIdentity,
        offsets: &BTreeMap<TopicPartition, OffsetAndMetadata>,
        group: &ConsumerGroupMetadata,
    ) -> Result<()> {
        let mut topics: Vec<TxnOffsetCommitRequestTopic> = Vec::new();
        for (tp, offset) in offsets {
            let partition = TxnOffsetCommitRequestPartition::default()
                .with_partition_index(tp.partition)
                .with_committed_offset(offset.offset)
                .with_committed_leader_epoch(-1)
                .with_committed_metadata(
                    offset
                        .metadata
                        .as_ref()
                        .map(|m| StrBytes::from_string(m.clone())),
                );
            match topics.iter_mut().find(|t| *t.name.0 == *tp.topic) {
                Some(t) => t.partitions.push(partition),
                None => topics.push(
                    TxnOffsetCommitRequestTopic::default()
                        .with_name(TopicName(StrBytes::from_string(tp.topic.to_string())))
                        .with_partitions(vec![partition]),
                ),
            }
        }
        let deadline = Instant::now() + Duration::from_millis(inner.config.max_block_ms);
        let mut attempt = 0;
        loop {
            let outcome = async {
                let (_, conn) = inner
                    .client
                    .find_coordinator(CoordinatorKind::Group, &group.group_id)
                    .await?;
                let version = conn.version_for::<TxnOffsetCommitRequest>(self.txn_api_cap())?;
                let mut request = TxnOffsetCommitRequest::default()
                    .with_transactional_id(TransactionalId(StrBytes::from_string(
                        self.transactional_id.clone(),
                    )))
                    .with_group_id(GroupId(StrBytes::from_string(group.group_id.clone())))
                    .with_producer_id(ProducerId(identity.id))
                    .with_producer_epoch(identity.epoch)
                    .with_topics(topics.clone());
                if version >= TXN_OFFSET_COMMIT_MEMBER_VERSION {
                    request = request
                        .with_generation_id(group.generation_id)
                        .with_member_id(StrBytes::from_string(group.member_id.clone()))
                        .with_group_instance_id(
                            group
                                .group_instance_id
                                .as_ref()
                                .map(|i| StrBytes::from_string(i.clone())),
                        );
                }
                let response = conn.request_at(&request, version).await?;
                for t in &response.topics {
                    for p in &t.partitions {
                        if let Some(code) = ErrorCode::try_from_code(p.error_code) {
                            return Err(Error::kafka(
                                code,
                                ErrorContext::partition(
                                    ApiKey::TxnOffsetCommit,
                                    t.name.0.as_str(),
                                    p.partition_index,
                                ),
                            ));
                        }
                    }
                }
                Ok(())
            }
            .await;
            let e = match outcome {
                Ok(()) => return Ok(()),
                Err(e) => e,
            };
            if !is_retriable(&e) {
                return Err(e);
            }
            attempt += 1;
            let delay = inner.config.retry_backoff.delay(attempt);
            if Instant::now() + delay >= deadline {
                return Err(Error::OperationTimeout {
                    operation: "TxnOffsetCommit",
                    timeout_ms: inner.config.max_block_ms,
                    last: Some(Box::new(e)),
                });
            }
            tokio::time::sleep(delay).await;
        }
    }

    pub(crate) async fn commit(&self, inner: &Inner) -> Result<()> {
        self.require_open()?;
        self.set_state(State::Committing);
        inner.flush().await;
        if let Some(e) = crate::sync::lock(&self.send_error).clone() {
            return Err(self.fail(e));
        }
        self.end(inner, true).await.map(|_| ())
    }

    pub(crate) async fn abort(&self, inner: &Inner) -> Result<()> {
        match self.state() {
            State::InTransaction | State::Abortable(_) | State::Committing => {}
            State::Fatal(e) => return Err(e),
            State::Uninitialized | State::Ready | State::Aborting => {
                return Err(Error::TransactionState(
                    "no transaction is open to abort".into(),
                ));
            }
        }
        self.set_state(State::Aborting);
        // What is queued or in flight settles first; the markers then
        // cover it.
        inner.flush().await;
        let failed = crate::sync::lock(&self.send_error).is_some();
        let bumped = self.end(inner, false).await?;
        if failed && !bumped {
            // A failed batch may have left a gap in a partition's sequence:
            // a new epoch restarts every sequence at 0.
            let current = inner.identity();
            let identity = self
                .init_producer_id(inner, Some(current))
                .await
                .map_err(|e| self.fail(e))?;
            inner.reset_identity(identity);
        }
        self.set_state(State::Ready);
        Ok(())
    }

    /// EndTxn, unless nothing was added (the coordinator never heard of the
    /// transaction, as Java and librdkafka skip it). Returns whether the
    /// epoch was bumped (EndTxn v5, transactions v2): the producer then
    /// continues with the id and epoch of the answer, sequences from 0.
    async fn end(&self, inner: &Inner, commit: bool) -> Result<bool> {
        let anything = !crate::sync::lock(&self.added).is_empty()
            || self.offsets_added.load(Ordering::Acquire);
        let mut bumped = false;
        if anything {
            let identity = inner.identity();
            let id = self.transactional_id.clone();
            let cap = self.txn_api_cap();
            let response = self
                .coordinator_call(
                    inner,
                    "EndTxn",
                    cap,
                    |_| {
                        EndTxnRequest::default()
                            .with_transactional_id(TransactionalId(StrBytes::from_string(
                                id.clone(),
                            )))
                            .with_producer_id(ProducerId(identity.id))
                            .with_producer_epoch(identity.epoch)
                            .with_committed(commit)
                    },
                    |r| check(r.error_code, ApiKey::EndTxn, &self.transactional_id),
                )
                .await
                .map_err(|e| self.fail(e))?;
            // v5+ answers the identity to go on with; older versions leave
            // the fields at -1.
            if self.is_v2() && response.producer_id.0 >= 0 && response.producer_epoch >= 0 {
                let next = ProducerIdentity {
                    id: response.producer_id.0,
                    epoch: response.producer_epoch,
                };
                tracing::debug!(
                    transactional_id = %self.transactional_id,
                    producer_id = next.id,
                    epoch = next.epoch,
                    "the transaction ended with an epoch bump (transactions v2)"
                );
                inner.reset_identity(next);
                bumped = true;
            }
        }
        crate::sync::lock(&self.added).clear();
        self.offsets_added.store(false, Ordering::Release);
        self.set_state(State::Ready);
        Ok(bumped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fencing_is_fatal_and_delivery_failures_are_abortable() {
        let fenced = classify(Error::kafka(
            ErrorCode::ProducerFenced,
            ErrorContext::api(ApiKey::EndTxn),
        ));
        assert!(fenced.is_fatal_transaction_error());
        let too_large = classify(Error::kafka(
            ErrorCode::MessageTooLarge,
            ErrorContext::api(ApiKey::Produce),
        ));
        assert!(matches!(too_large, Error::Transaction { fatal: false, .. }));
        let timeout = classify(Error::DeliveryTimeout {
            timeout_ms: 1,
            last: None,
        });
        assert!(matches!(timeout, Error::Transaction { fatal: false, .. }));
    }

    #[test]
    fn calls_out_of_order_are_refused() {
        let manager = TransactionManager::new("t".into(), 60_000);
        assert!(matches!(manager.begin(), Err(Error::TransactionState(_))));
        manager.set_state(State::Ready);
        manager.begin().unwrap();
        assert!(matches!(manager.begin(), Err(Error::TransactionState(_))));
        // A failed record makes the transaction abortable, not fatal.
        manager.record_send_error(&Error::DeliveryTimeout {
            timeout_ms: 1,
            last: None,
        });
        assert!(matches!(
            manager.require_open(),
            Err(Error::Transaction { fatal: false, .. })
        ));
        // Fencing overrides it for good.
        manager.fail(Error::kafka(
            ErrorCode::InvalidProducerEpoch,
            ErrorContext::api(ApiKey::Produce),
        ));
        assert!(
            manager
                .require_open()
                .unwrap_err()
                .is_fatal_transaction_error()
        );
        assert!(matches!(
            manager.begin(),
            Err(Error::Transaction { fatal: true, .. })
        ));
    }
}
