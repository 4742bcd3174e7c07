//! Produce: v3–12, acks 0, 1 and all.
//!
//! Each partition carries exactly one RecordBatch v2. It is checked by its
//! header alone — magic, length, CRC-32C, record count against
//! lastOffsetDelta, max.message.bytes, and for idempotent producers the
//! sequence and epoch against the partition's producer state — then placed
//! by patching its base offset and leader epoch. A retried batch already in
//! the log is answered with its original offsets. Records are decoded only
//! on compacted topics, to refuse keyless records as Kafka does: the
//! whole batch is refused with INVALID_RECORD, and `record_errors` (v8+,
//! KIP-467) names each keyless record by its index in the batch, so a
//! client fails those records and retries or fails the rest itself.
//! A transactional batch is accepted only from the current epoch of its
//! transactional id, into a partition added to its ongoing transaction
//! (what Kafka 3.6+ verifies, KIP-890 part 1) — from v12 (transactions v2,
//! KIP-890 part 2) the batch adds its partition itself; anything else is
//! INVALID_TXN_STATE, INVALID_PRODUCER_EPOCH or
//! INVALID_PRODUCER_ID_MAPPING. With one
//! broker, acks=all is satisfied by the leader's own append; with
//! `FlushPolicy::EveryBatch` that append includes an fsync. In a cluster
//! only the partition's leader appends (others answer
//! NOT_LEADER_OR_FOLLOWER), stamping its leader epoch, and acks=all waits
//! until the ISR has the batch (see `cluster::replication`). A leader that
//! is not the transaction coordinator verifies a transactional batch with
//! the coordinator first (AddPartitionsToTxn v4, `cluster::txn_channel`)
//! and appends it only if no marker for the producer reached the partition
//! in between (the verification guard).

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::batch::{self, BatchError};
use kctl_client::protocol::messages::produce_request::TopicProduceData;
use kctl_client::protocol::messages::produce_response::{
    BatchIndexAndErrorMessage, PartitionProduceResponse, TopicProduceResponse,
};
use kctl_client::protocol::messages::{ProduceRequest, ProduceResponse, TopicName};
use kctl_client::protocol::record_batch;
use kctl_client::protocol::records::Compression;

use super::str_bytes;
use crate::log::{FlushPolicy, LogError};
use crate::state::{BrokerState, now_ms};

/// zstd batches need Produce v7+ (KIP-110).
const ZSTD_MIN_PRODUCE_VERSION: i16 = 7;
/// From this version a transactional batch adds its partition to the
/// transaction (transactions v2, Kafka's `addPartition` verification).
const TRANSACTIONS_V2_PRODUCE_VERSION: i16 = 12;
/// Per-record errors in the response (KIP-467).
const RECORD_ERRORS_MIN_PRODUCE_VERSION: i16 = 8;

/// Why a partition's batch was not appended.
#[derive(Debug)]
struct Refusal {
    code: ErrorCode,
    message: String,
    /// The records at fault, by index in the batch, with why (KIP-467).
    record_errors: Vec<(i32, String)>,
}

impl From<(ErrorCode, String)> for Refusal {
    fn from((code, message): (ErrorCode, String)) -> Self {
        Refusal {
            code,
            message,
            record_errors: Vec::new(),
        }
    }
}
/// A request carrying at least this many record bytes appends on the
/// blocking pool rather than on the connection's async worker.
const BLOCKING_APPEND_MIN_BYTES: usize = 256 * 1024;

pub(super) async fn handle(
    state: &Arc<BrokerState>,
    request: ProduceRequest,
    version: i16,
) -> Option<ProduceResponse> {
    let acks = request.acks;
    let refusal = if !matches!(acks, -1..=1) {
        Some((
            ErrorCode::InvalidRequiredAcks,
            "acks must be -1, 0 or 1".to_owned(),
        ))
    } else {
        None
    };
    let transactional_id = request.transactional_id.as_ref().map(|id| id.0.to_string());
    let verified = match (&state.cluster, &transactional_id, &refusal) {
        (Some(node), Some(id), None)
            if crate::cluster::txn_channel::refuse_unless_coordinator(state, id).is_some() =>
        {
            verify_remotely(node, id, &request.topic_data, version).await
        }
        _ => HashMap::new(),
    };
    let timeout_ms = request.timeout_ms;
    let record_bytes: usize = request
        .topic_data
        .iter()
        .flat_map(|t| &t.partition_data)
        .map(|p| p.records.as_ref().map_or(0, Bytes::len))
        .sum();
    let appends = {
        let state = Arc::clone(state);
        let topics = request.topic_data;
        move || {
            let context = Context {
                version,
                acks,
                transactional_id: transactional_id.as_deref(),
                verified: &verified,
            };
            let outcomes = append_all(&state, topics, refusal.as_ref(), context);
            if let Some(node) = &state.cluster {
                for ((tp, producer_id), token) in &verified {
                    if let Ok(token) = token {
                        node.txn.end_guard(tp, *producer_id, *token);
                    }
                }
            }
            outcomes
        }
    };
    // Writing a few KiB into the page cache costs less than handing the
    // request to another thread and waking this task again, so small
    // requests append here; an fsync per batch or a large write would stall
    // every connection on this worker, so those go to the blocking pool
    // (numbers in docs/performance.md).
    let mut outcomes = if state.config.log.flush == FlushPolicy::EveryBatch
        || record_bytes >= BLOCKING_APPEND_MIN_BYTES
    {
        match tokio::task::spawn_blocking(appends).await {
            Ok(outcomes) => outcomes,
            // The connection's `catch_unwind` reports it, as for an inline panic.
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            // Only a runtime shutting down cancels it; nobody reads an answer.
            Err(_) => return None,
        }
    } else {
        appends()
    };
    // acks=all in a cluster: the answer waits for the ISR (the high
    // watermark passing the batch), as Kafka's delayed produce does.
    if let (Some(node), -1) = (&state.cluster, acks) {
        let timeout = std::time::Duration::from_millis(u64::try_from(timeout_ms).unwrap_or(0));
        for (name, partitions) in &mut outcomes {
            for (_, outcome) in partitions.iter_mut() {
                let Ok(appended) = outcome else { continue };
                let Some(wait) = appended.replication.take() else {
                    continue;
                };
                if let Err(refusal) = crate::cluster::wait_for_replication(
                    node,
                    name.0.as_str(),
                    &wait.partition,
                    wait.end_offset,
                    wait.min_insync_replicas,
                    timeout,
                )
                .await
                {
                    *outcome = Err(refusal.into());
                }
            }
        }
    }
    let responses = outcomes
        .into_iter()
        .map(|(name, partitions)| {
            TopicProduceResponse::default()
                .with_name(name)
                .with_partition_responses(
                    partitions
                        .into_iter()
                        .map(|(index, outcome)| partition_response(index, outcome, version))
                        .collect(),
                )
        })
        .collect();
    // acks=0: the client is not listening for an answer.
    (acks != 0).then(|| ProduceResponse::default().with_responses(responses))
}

type Outcomes = Vec<(TopicName, Vec<(i32, Result<Appended, Refusal>)>)>;

/// The coordinator's verdict per (partition, producer id): the
/// verification guard's token, or the error to answer.
type Verified = HashMap<((String, i32), i64), Result<u64, ErrorCode>>;

/// On a leader that does not coordinate transactions: checks every
/// transactional batch this node leads with the coordinator, setting each
/// partition's verification guard before asking.
async fn verify_remotely(
    node: &crate::cluster::ClusterNode,
    transactional_id: &str,
    topics: &[TopicProduceData],
    version: i16,
) -> Verified {
    let mut by_producer: HashMap<(i64, i16), Vec<(String, i32)>> = HashMap::new();
    for topic in topics {
        let name = topic.name.0.as_str();
        for data in &topic.partition_data {
            let Some(records) = data.records.as_ref() else {
                continue;
            };
            if node.led_here(name, data.index).is_err() {
                continue;
            }
            // The header alone says whose batch it is; the append validates
            // the whole batch (CRC included) once, after this check.
            let Ok(header) = batch::BatchHeader::parse(records) else {
                continue;
            };
            if header.is_transactional() && !header.is_control() {
                by_producer
                    .entry((header.producer_id, header.producer_epoch))
                    .or_default()
                    .push((name.to_owned(), data.index));
            }
        }
    }
    let mut verified = Verified::new();
    for ((producer_id, epoch), partitions) in by_producer {
        let tokens: Vec<u64> = partitions
            .iter()
            .map(|tp| node.txn.start_guard(tp, producer_id))
            .collect();
        let answers = crate::cluster::txn_channel::verify_with_coordinator(
            node,
            transactional_id,
            producer_id,
            epoch,
            &partitions,
            version >= TRANSACTIONS_V2_PRODUCE_VERSION,
        )
        .await;
        for (tp, token) in partitions.into_iter().zip(tokens) {
            let answer = match answers.get(&tp) {
                Some(Ok(())) => Ok(token),
                Some(Err(code)) => {
                    node.txn.end_guard(&tp, producer_id, token);
                    Err(*code)
                }
                None => {
                    node.txn.end_guard(&tp, producer_id, token);
                    Err(ErrorCode::NotEnoughReplicas)
                }
            };
            verified.insert((tp, producer_id), answer);
        }
    }
    verified
}

/// Appends every partition's batch of one request, in request order.
fn append_all(
    state: &BrokerState,
    topics: Vec<TopicProduceData>,
    refusal: Option<&(ErrorCode, String)>,
    context: Context<'_>,
) -> Outcomes {
    topics
        .into_iter()
        .map(|topic| {
            let name = topic.name.0.to_string();
            let partitions = topic
                .partition_data
                .into_iter()
                .map(|data| {
                    let outcome = match refusal {
                        Some((code, message)) => Err((*code, message.clone()).into()),
                        None => append(state, &name, data.index, data.records, context),
                    };
                    (data.index, outcome)
                })
                .collect();
            (topic.name, partitions)
        })
        .collect()
}

/// What acks=all still waits for after the leader's append.
struct PendingReplication {
    partition: Arc<crate::state::Partition>,
    end_offset: i64,
    min_insync_replicas: usize,
}

struct Appended {
    base_offset: i64,
    log_append_time_ms: i64,
    log_start_offset: i64,
    replication: Option<PendingReplication>,
}

/// What every partition of one request shares.
#[derive(Clone, Copy)]
struct Context<'a> {
    version: i16,
    acks: i16,
    transactional_id: Option<&'a str>,
    /// Transactional batches checked with a coordinator on another node.
    verified: &'a Verified,
}

fn append(
    state: &BrokerState,
    topic: &str,
    index: i32,
    records: Option<Bytes>,
    context: Context<'_>,
) -> Result<Appended, Refusal> {
    let Context { version, acks, .. } = context;
    let partition = state
        .topic(topic)
        .and_then(|t| t.partition(index))
        .ok_or_else(|| {
            (
                ErrorCode::UnknownTopicOrPartition,
                format!("This server does not host this topic-partition: {topic}-{index}"),
            )
        })?;
    let records = records.filter(|r| !r.is_empty()).ok_or_else(|| {
        (
            ErrorCode::InvalidRecord,
            "Produce request carries no record batch".to_owned(),
        )
    })?;
    // In a cluster only the leader appends, stamping its leader epoch.
    let cluster = match &state.cluster {
        Some(node) => {
            let meta = node
                .led_here(topic, index)
                .map_err(|code| (code, format!("This is not the leader for {topic}-{index}")))?;
            Some((node, meta))
        }
        None => None,
    };
    let leader_epoch = cluster
        .as_ref()
        .map_or(super::SINGLE_NODE_LEADER_EPOCH, |(_, meta)| {
            meta.leader_epoch
        });
    let isr_size = cluster.as_ref().map_or(1, |(_, meta)| meta.isr.len());
    let header = batch::validate(&records).map_err(|e| (batch_error_code(&e), e.to_string()))?;
    if header.is_control() {
        return Err((
            ErrorCode::InvalidRecord,
            "clients may not write control batches".to_owned(),
        )
            .into());
    }
    let transaction = match (header.is_transactional(), context.transactional_id) {
        (true, Some(id)) => Some(id),
        (true, None) => {
            return Err((
                ErrorCode::InvalidRecord,
                "a transactional batch needs the request's transactional id".to_owned(),
            )
                .into());
        }
        (false, _) => None,
    };
    if header.compression() == Ok(Compression::Zstd) && version < ZSTD_MIN_PRODUCE_VERSION {
        return Err((
            ErrorCode::UnsupportedCompressionType,
            "zstd needs Produce v7 or later".to_owned(),
        )
            .into());
    }
    let (compacted, min_insync_replicas) = partition
        .with_log(|log| {
            let config = log.config();
            (config.cleanup_policy.compact, config.min_insync_replicas)
        })
        .unwrap_or((false, 1));
    if acks == -1 && (isr_size as i32) < min_insync_replicas {
        return Err((
            ErrorCode::NotEnoughReplicas,
            format!(
                "The size of the current ISR ({isr_size}) is insufficient to satisfy the min.isr requirement of {min_insync_replicas} for partition {topic}-{index}"
            ),
        )
            .into());
    }
    if compacted {
        require_keys(&records, topic, index)?;
    }
    // The request buffer is shared: the log patches a copy of the header
    // and writes the record bytes from the request frame itself.
    let write = || {
        partition.with_log(|log| {
            log.append_shared(&records, leader_epoch, now_ms())
                .map(|info| (info, log.log_end_offset()))
        })
    };
    let tp = (topic.to_owned(), index);
    let remote_verdict = context.verified.get(&(tp.clone(), header.producer_id));
    let appended = match (transaction, remote_verdict, &cluster) {
        (Some(_), Some(Err(code)), _) => {
            return Err((
                *code,
                format!("transaction verification of {topic}-{index} failed"),
            )
                .into());
        }
        // Verified by the coordinator on another node: appended only if no
        // marker for this producer reached the partition since.
        (Some(_), Some(Ok(token)), Some((node, _))) => partition
            .with_log(|log| {
                node.txn
                    .guard_holds(&tp, header.producer_id, *token)
                    .then(|| {
                        log.append_shared(&records, leader_epoch, now_ms())
                            .map(|info| (info, log.log_end_offset()))
                    })
            })
            .map(|guarded| {
                guarded.ok_or((
                    ErrorCode::InvalidTxnState,
                    format!("the transaction ended while {topic}-{index} was being verified"),
                ))
            })
            .transpose()?,
        // Checked and appended under the coordinator's lock, so the
        // transaction cannot end in between.
        (Some(id), _, _) => state.txns.verify_and_append(
            id,
            header.producer_id,
            header.producer_epoch,
            &(topic.to_owned(), index),
            version >= TRANSACTIONS_V2_PRODUCE_VERSION,
            write,
        )?,
        (None, _, _) => write(),
    }
    .ok_or_else(|| {
        (
            ErrorCode::UnknownTopicOrPartition,
            format!("{topic}-{index} was deleted"),
        )
    })?;
    match appended {
        Ok((info, end_offset)) => {
            partition.announce_end_offset(end_offset);
            let replication = cluster.map(|(node, meta)| {
                // With the leader alone in the ISR this append is the
                // high watermark already.
                crate::cluster::maybe_advance_high_watermark(node, topic, &partition, &meta);
                PendingReplication {
                    partition: Arc::clone(&partition),
                    end_offset: info.last_offset + 1,
                    min_insync_replicas: usize::try_from(min_insync_replicas).unwrap_or(1),
                }
            });
            Ok(Appended {
                base_offset: info.base_offset,
                log_append_time_ms: info.log_append_time_ms,
                log_start_offset: info.log_start_offset,
                replication,
            })
        }
        Err(e @ (LogError::Io { .. } | LogError::Corrupt { .. })) => {
            tracing::error!(topic, partition = index, "append failed: {e}");
            Err((e.error_code(), e.to_string()).into())
        }
        Err(e) => Err((e.error_code(), e.to_string()).into()),
    }
}

/// Compaction keeps the newest record per key, so a keyless record has no
/// place in a compacted topic; Kafka rejects it with INVALID_RECORD. This is
/// the one produce check that decodes (and decompresses) records, and only
/// for compacted topics, outside the partition lock. As Kafka's
/// `LogValidator`, it names every keyless record by its index in the batch
/// (the request holds one batch) and refuses the batch as a whole, with
/// Kafka's message listing at most the first three.
fn require_keys(records: &Bytes, topic: &str, index: i32) -> Result<(), Refusal> {
    let batches = record_batch::decode_batches(records)
        .map_err(|e| (ErrorCode::CorruptMessage, e.to_string()))?;
    let why = format!(
        "Compacted topic cannot accept message without key in topic partition {topic}-{index}."
    );
    let record_errors: Vec<(i32, String)> = batches
        .iter()
        .flat_map(|b| b.records.iter().enumerate())
        .filter(|(_, r)| r.key.is_none())
        .map(|(i, _)| (i32::try_from(i).unwrap_or(i32::MAX), why.clone()))
        .collect();
    if record_errors.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = record_errors
        .iter()
        .take(3)
        .map(|(i, m)| format!("RecordError(batchIndex={i}, message='{m}')"))
        .collect();
    Err(Refusal {
        code: ErrorCode::InvalidRecord,
        message: format!(
            "One or more records have been rejected due to {} record errors in total, and only showing the first three errors at most: [{}]",
            record_errors.len(),
            shown.join(", ")
        ),
        record_errors,
    })
}

/// Kafka's answers: a batch that fails its CRC or size checks is
/// CORRUPT_MESSAGE; one that is well formed but breaks a rule (wrong magic,
/// inconsistent count, more than one batch) is INVALID_RECORD.
fn batch_error_code(e: &BatchError) -> ErrorCode {
    match e {
        BatchError::CrcMismatch { .. }
        | BatchError::Truncated { .. }
        | BatchError::InvalidLength(_) => ErrorCode::CorruptMessage,
        BatchError::LengthMismatch {
            declared_bytes,
            actual_bytes,
        } if declared_bytes > actual_bytes => ErrorCode::CorruptMessage,
        _ => ErrorCode::InvalidRecord,
    }
}

fn partition_response(
    index: i32,
    outcome: Result<Appended, Refusal>,
    version: i16,
) -> PartitionProduceResponse {
    let response = PartitionProduceResponse::default().with_index(index);
    match outcome {
        Ok(a) => response
            .with_base_offset(a.base_offset)
            .with_log_append_time_ms(a.log_append_time_ms)
            .with_log_start_offset(a.log_start_offset),
        Err(Refusal {
            code,
            message,
            record_errors,
        }) => {
            let response = response
                .with_error_code(code.code())
                .with_base_offset(-1)
                .with_log_append_time_ms(-1)
                .with_log_start_offset(-1);
            if version >= RECORD_ERRORS_MIN_PRODUCE_VERSION {
                response
                    .with_error_message(Some(str_bytes(message)))
                    .with_record_errors(
                        record_errors
                            .into_iter()
                            .map(|(batch_index, why)| {
                                BatchIndexAndErrorMessage::default()
                                    .with_batch_index(batch_index)
                                    .with_batch_index_error_message(Some(str_bytes(why)))
                            })
                            .collect(),
                    )
            } else {
                response
            }
        }
    }
}
