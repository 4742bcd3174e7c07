//! OffsetForLeaderEpoch: v2–4 (KIP-101, KIP-279, KIP-320).
//!
//! "Where did leader epoch E end in your log?": the largest epoch at or
//! below E and the start of the next one (or the log end for the latest),
//! from the partition's leader epoch cache. Followers ask it of a new leader
//! to truncate a divergent tail; consumers after a leader change, to detect
//! a truncation below their position. Only the leader answers, and a
//! request naming an older or newer current leader epoch is fenced as Kafka
//! fences it.

use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::messages::offset_for_leader_epoch_response::{
    EpochEndOffset, OffsetForLeaderTopicResult,
};
use kctl_client::protocol::messages::{OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse};

use crate::state::BrokerState;

pub(super) fn handle(
    state: &BrokerState,
    request: OffsetForLeaderEpochRequest,
    _version: i16,
) -> OffsetForLeaderEpochResponse {
    let topics = request
        .topics
        .into_iter()
        .map(|t| {
            let name = t.topic.0.to_string();
            let partitions = t
                .partitions
                .into_iter()
                .map(|p| {
                    let answer = EpochEndOffset::default().with_partition(p.partition);
                    let fail = |code: ErrorCode| {
                        EpochEndOffset::default()
                            .with_partition(p.partition)
                            .with_error_code(code.code())
                            .with_leader_epoch(-1)
                            .with_end_offset(-1)
                    };
                    let leader_epoch = match &state.cluster {
                        Some(node) => match node.led_here(&name, p.partition) {
                            Ok(meta) => meta.leader_epoch,
                            Err(code) => return fail(code),
                        },
                        None => super::SINGLE_NODE_LEADER_EPOCH,
                    };
                    if p.current_leader_epoch >= 0 && p.current_leader_epoch < leader_epoch {
                        return fail(ErrorCode::FencedLeaderEpoch);
                    }
                    if p.current_leader_epoch > leader_epoch {
                        return fail(ErrorCode::UnknownLeaderEpoch);
                    }
                    let Some(partition) = state
                        .topic(&name)
                        .and_then(|topic| topic.partition(p.partition))
                    else {
                        return fail(ErrorCode::UnknownTopicOrPartition);
                    };
                    match partition.with_log(|log| log.end_offset_for_epoch(p.leader_epoch)) {
                        Some((epoch, end_offset)) => {
                            answer.with_leader_epoch(epoch).with_end_offset(end_offset)
                        }
                        None => fail(ErrorCode::UnknownTopicOrPartition),
                    }
                })
                .collect();
            OffsetForLeaderTopicResult::default()
                .with_topic(t.topic)
                .with_partitions(partitions)
        })
        .collect();
    OffsetForLeaderEpochResponse::default().with_topics(topics)
}
