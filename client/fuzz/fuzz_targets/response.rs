//! The client's response decoder for every API it sends: the input is the
//! API key (one byte), the version (one byte), then the response frame as
//! the connection hands it over (correlation id, header, body). Fetch
//! responses also go through the consumer's record decoding, and
//! ApiVersions through the client's version table.
#![no_main]

use bytes::Bytes;
use kctl_client::protocol::Request;
use kctl_client::protocol::api::{ApiKey, BrokerVersions};
use kctl_client::protocol::header;
use kctl_client::protocol::messages::*;
use kctl_client::protocol::record_batch;
use libfuzzer_sys::fuzz_target;

fn decode<R: Request>(frame: Bytes, version: i16) -> Option<R::Response> {
    if !(R::VERSIONS.min..=R::VERSIONS.max).contains(&version) {
        return None;
    }
    header::decode_response::<R>(frame, version)
        .ok()
        .map(|(_, body)| body)
}

fuzz_target!(|data: &[u8]| {
    let [key, version, frame @ ..] = data else {
        return;
    };
    let Ok(api) = ApiKey::try_from(i16::from(*key)) else {
        return;
    };
    let version = i16::from(*version);
    let _ = header::peek_correlation_id(frame);
    let frame = Bytes::copy_from_slice(frame);
    match api {
        ApiKey::Produce => {
            decode::<ProduceRequest>(frame, version);
        }
        ApiKey::Fetch => {
            if let Some(response) = decode::<FetchRequest>(frame, version) {
                for topic in &response.responses {
                    for partition in &topic.partitions {
                        if let Some(records) = &partition.records {
                            let _ = record_batch::decode_batches(records);
                        }
                    }
                }
            }
        }
        ApiKey::ListOffsets => {
            decode::<ListOffsetsRequest>(frame, version);
        }
        ApiKey::Metadata => {
            decode::<MetadataRequest>(frame, version);
        }
        ApiKey::OffsetCommit => {
            decode::<OffsetCommitRequest>(frame, version);
        }
        ApiKey::OffsetFetch => {
            decode::<OffsetFetchRequest>(frame, version);
        }
        ApiKey::FindCoordinator => {
            decode::<FindCoordinatorRequest>(frame, version);
        }
        ApiKey::JoinGroup => {
            decode::<JoinGroupRequest>(frame, version);
        }
        ApiKey::Heartbeat => {
            decode::<HeartbeatRequest>(frame, version);
        }
        ApiKey::LeaveGroup => {
            decode::<LeaveGroupRequest>(frame, version);
        }
        ApiKey::SyncGroup => {
            decode::<SyncGroupRequest>(frame, version);
        }
        ApiKey::DescribeGroups => {
            decode::<DescribeGroupsRequest>(frame, version);
        }
        ApiKey::ListGroups => {
            decode::<ListGroupsRequest>(frame, version);
        }
        ApiKey::SaslHandshake => {
            decode::<SaslHandshakeRequest>(frame, version);
        }
        ApiKey::ApiVersions => {
            if let Some(response) = decode::<ApiVersionsRequest>(frame, version) {
                let _ = BrokerVersions::from_response(&response);
            }
        }
        ApiKey::CreateTopics => {
            decode::<CreateTopicsRequest>(frame, version);
        }
        ApiKey::DeleteTopics => {
            decode::<DeleteTopicsRequest>(frame, version);
        }
        ApiKey::DeleteRecords => {
            decode::<DeleteRecordsRequest>(frame, version);
        }
        ApiKey::InitProducerId => {
            decode::<InitProducerIdRequest>(frame, version);
        }
        ApiKey::DescribeConfigs => {
            decode::<DescribeConfigsRequest>(frame, version);
        }
        ApiKey::AlterConfigs => {
            decode::<AlterConfigsRequest>(frame, version);
        }
        ApiKey::SaslAuthenticate => {
            decode::<SaslAuthenticateRequest>(frame, version);
        }
        ApiKey::CreatePartitions => {
            decode::<CreatePartitionsRequest>(frame, version);
        }
        ApiKey::DeleteGroups => {
            decode::<DeleteGroupsRequest>(frame, version);
        }
        ApiKey::IncrementalAlterConfigs => {
            decode::<IncrementalAlterConfigsRequest>(frame, version);
        }
        ApiKey::OffsetDelete => {
            decode::<OffsetDeleteRequest>(frame, version);
        }
        ApiKey::DescribeCluster => {
            decode::<DescribeClusterRequest>(frame, version);
        }
        _ => {}
    }
});
