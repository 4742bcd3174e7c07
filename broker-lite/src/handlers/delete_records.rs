//! DeleteRecords: v0–2. Moves a partition's log start offset (persisted
//! before the answer) and deletes the segments wholly below it; -1 means
//! the high watermark. The answer is the new low watermark.

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::messages::delete_records_response::{
    DeleteRecordsPartitionResult, DeleteRecordsTopicResult,
};
use kctl_client::protocol::messages::{DeleteRecordsRequest, DeleteRecordsResponse};

use crate::log::LogError;
use crate::state::BrokerState;

pub(super) fn handle(
    state: &BrokerState,
    request: DeleteRecordsRequest,
    _version: i16,
) -> DeleteRecordsResponse {
    let topics = request
        .topics
        .into_iter()
        .map(|topic| {
            let found = state.topic(topic.name.as_str());
            let partitions = topic
                .partitions
                .into_iter()
                .map(|p| {
                    let result = DeleteRecordsPartitionResult::default()
                        .with_partition_index(p.partition_index);
                    let partition = found.as_ref().and_then(|t| t.partition(p.partition_index));
                    // In a cluster only the leader deletes (followers follow
                    // its log start), and -1 means its high watermark.
                    let high_watermark = match (&state.cluster, &partition) {
                        (Some(node), Some(partition)) => {
                            match node.led_here(topic.name.as_str(), p.partition_index) {
                                Ok(_) => Ok(Some(crate::cluster::consumer_end_offset(
                                    node,
                                    topic.name.as_str(),
                                    partition,
                                    0,
                                ))),
                                Err(code) => Err(code),
                            }
                        }
                        _ => Ok(None),
                    };
                    let outcome = match high_watermark {
                        Err(code) => Err(code),
                        Ok(high_watermark) => partition
                            .and_then(|partition| {
                                partition.with_log(|log| match high_watermark {
                                    Some(hw) if p.offset == -1 => delete(log, hw),
                                    Some(hw) if p.offset > hw => Err(ErrorCode::OffsetOutOfRange),
                                    _ => delete(log, p.offset),
                                })
                            })
                            .unwrap_or(Err(ErrorCode::UnknownTopicOrPartition)),
                    };
                    match outcome {
                        Ok(low_watermark) => result.with_low_watermark(low_watermark),
                        Err(code) => result.with_low_watermark(-1).with_error_code(code.code()),
                    }
                })
                .collect();
            DeleteRecordsTopicResult::default()
                .with_name(topic.name)
                .with_partitions(partitions)
        })
        .collect();
    DeleteRecordsResponse::default().with_topics(topics)
}

fn delete(log: &mut crate::log::PartitionLog, offset: i64) -> Result<i64, ErrorCode> {
    // Kafka refuses to move the start of a log that only compaction may
    // shorten (UnifiedLog.maybeIncrementLogStartOffset).
    if !log.config().cleanup_policy.delete {
        return Err(ErrorCode::PolicyViolation);
    }
    log.delete_records_before(offset).map_err(|e| match e {
        LogError::OffsetOutOfRange { .. } => ErrorCode::OffsetOutOfRange,
        e => {
            tracing::error!(dir = %log.dir().display(), "DeleteRecords failed: {e}");
            e.error_code()
        }
    })
}
