//! ListOffsets: v1–7.
//!
//! Timestamps -2 (earliest) and -1 (latest) answer the log start and end
//! (for read_committed, the last stable offset);
//! -3 (v7+) the record with the largest timestamp; any other timestamp the
//! first record at or after it, found through the time index.

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::messages::list_offsets_response::{
    ListOffsetsPartitionResponse, ListOffsetsTopicResponse,
};
use kctl_client::protocol::messages::{ListOffsetsRequest, ListOffsetsResponse};

use crate::state::BrokerState;

const LATEST: i64 = -1;
const EARLIEST: i64 = -2;
const MAX_TIMESTAMP: i64 = -3;
const READ_COMMITTED: i8 = 1;

pub(super) fn handle(
    state: &BrokerState,
    request: ListOffsetsRequest,
    version: i16,
) -> ListOffsetsResponse {
    // The leader epoch field exists from v4; older versions must leave it unset.
    let leader_epoch = if version >= 4 { 0 } else { -1 };
    // v2+: read_committed clients see the last stable offset as the end.
    let read_committed = version >= 2 && request.isolation_level == READ_COMMITTED;
    let topics = request
        .topics
        .into_iter()
        .map(|t| {
            let topic = state.topic(t.name.0.as_str());
            let partitions = t
                .partitions
                .into_iter()
                .map(|p| {
                    let response = ListOffsetsPartitionResponse::default().with_partition_index(p.partition_index);
                    // In a cluster only the leader answers, and "latest" is
                    // its high watermark (what a consumer may read up to).
                    let (leader_epoch, cluster_check) = match &state.cluster {
                        Some(node) => match node.led_here(t.name.0.as_str(), p.partition_index) {
                            Ok(meta) => (if version >= 4 { meta.leader_epoch } else { -1 }, Ok(())),
                            Err(code) => (leader_epoch, Err(code)),
                        },
                        None => (leader_epoch, Ok(())),
                    };
                    if let Err(code) = cluster_check {
                        return response.with_error_code(code.code()).with_timestamp(-1).with_offset(-1);
                    }
                    let found = topic.as_ref().and_then(|topic| topic.partition(p.partition_index)).and_then(|partition| {
                        let high_watermark = state.cluster.as_ref().map(|node| {
                            let log_start = partition.with_log(|log| log.log_start_offset()).unwrap_or(0);
                            crate::cluster::consumer_end_offset(node, t.name.0.as_str(), &partition, log_start)
                        });
                        partition.with_log(|log| match p.timestamp {
                            LATEST if read_committed => Ok(Some((-1, log.last_stable_offset().min(high_watermark.unwrap_or(i64::MAX))))),
                            LATEST => Ok(Some((-1, log.log_end_offset().min(high_watermark.unwrap_or(i64::MAX))))),
                            EARLIEST => Ok(Some((-1, log.log_start_offset()))),
                            MAX_TIMESTAMP => log.max_timestamp_and_offset().map(|found| found.map(|(offset, ts)| (ts, offset))),
                            ts => log.offset_for_timestamp(ts).map(|found| found.map(|(offset, ts)| (ts, offset))),
                        })
                    });
                    match found {
                        None => response
                            .with_error_code(ErrorCode::UnknownTopicOrPartition.code())
                            .with_timestamp(-1)
                            .with_offset(-1),
                        Some(Ok(Some((timestamp, offset)))) => response.with_timestamp(timestamp).with_offset(offset).with_leader_epoch(leader_epoch),
                        // No record at or after the timestamp: Kafka answers -1/-1.
                        Some(Ok(None)) => response.with_timestamp(-1).with_offset(-1).with_leader_epoch(leader_epoch),
                        Some(Err(e)) => {
                            tracing::error!(topic = %t.name.0.as_str(), partition = p.partition_index, "offset lookup failed: {e}");
                            response.with_error_code(ErrorCode::KafkaStorageError.code()).with_timestamp(-1).with_offset(-1)
                        }
                    }
                })
                .collect();
            ListOffsetsTopicResponse::default().with_name(t.name).with_partitions(partitions)
        })
        .collect();
    ListOffsetsResponse::default().with_topics(topics)
}
