//! The consumer protocol: the blobs consumer-group members exchange through
//! the coordinator inside JoinGroup (a member's subscription) and SyncGroup
//! (its assignment), which Kafka's group protocol carries as opaque bytes.
//!
//! Each blob is a big-endian i16 version followed by
//! `ConsumerProtocolSubscription` or `ConsumerProtocolAssignment` at that
//! version; the kafka-protocol crate has the structs, this module the
//! version prefix and the tolerance real clients need.

use bytes::{Buf, Bytes, BytesMut};
use kafka_protocol::messages::{ConsumerProtocolAssignment, ConsumerProtocolSubscription};
use kafka_protocol::protocol::{Decodable, Encodable};

use super::ProtocolError;

/// JoinGroup's protocol type for consumers.
pub const PROTOCOL_TYPE: &str = "consumer";

/// The newest Subscription/Assignment version the schemas define. Newer
/// versions only append fields, so a blob declaring one is read at this
/// version, as Kafka does.
pub const HIGHEST_VERSION: i16 = 3;

/// The version a blob declares, if it has a valid one.
pub fn declared_version(blob: &[u8]) -> Option<i16> {
    let mut buf = blob;
    (buf.len() >= 2).then(|| buf.get_i16()).filter(|v| *v >= 0)
}

/// The version to answer a member in: that of its own subscription, so the
/// member can read the assignment, capped at the newest this module knows.
pub fn version_for(member_subscription: &[u8]) -> i16 {
    declared_version(member_subscription)
        .unwrap_or(0)
        .min(HIGHEST_VERSION)
}

/// `message` at `version`, behind its version prefix.
///
/// # Panics
/// If `message` has a field set that `version` cannot carry; callers build
/// messages for the version they encode.
#[allow(
    clippy::expect_used,
    reason = "documented panic: callers build the message for the version they encode; no peer input reaches it"
)]
pub fn encode<T: Encodable>(message: &T, version: i16) -> Bytes {
    let mut out = BytesMut::new();
    out.extend_from_slice(&version.to_be_bytes());
    message
        .encode(&mut out, version)
        .expect("a consumer-protocol message encodes at the version it was built for");
    out.freeze()
}

/// A member's subscription and the version it was read at. A blob that
/// does not decode at its declared version is read as version 0 (topics
/// only): some clients declare newer versions than they write
/// (franz-go#493), and every version starts with the topics.
pub fn decode_subscription(
    blob: &Bytes,
) -> Result<(i16, ConsumerProtocolSubscription), ProtocolError> {
    let declared =
        declared_version(blob).ok_or_else(|| no_version("ConsumerProtocolSubscription"))?;
    let version = declared.min(HIGHEST_VERSION);
    let body = blob.slice(2..);
    match ConsumerProtocolSubscription::decode(&mut body.clone(), version) {
        Ok(subscription) => Ok((version, subscription)),
        Err(error) => ConsumerProtocolSubscription::decode(&mut body.clone(), 0)
            .map(|subscription| (0, subscription))
            .map_err(|_| decode_error("ConsumerProtocolSubscription", version, error)),
    }
}

/// A member's assignment; `None` for zero bytes, which Kafka sends a member
/// the leader left out.
pub fn decode_assignment(
    blob: &Bytes,
) -> Result<Option<ConsumerProtocolAssignment>, ProtocolError> {
    if blob.is_empty() {
        return Ok(None);
    }
    let version = declared_version(blob)
        .ok_or_else(|| no_version("ConsumerProtocolAssignment"))?
        .min(HIGHEST_VERSION);
    ConsumerProtocolAssignment::decode(&mut blob.slice(2..), version)
        .map(Some)
        .map_err(|error| decode_error("ConsumerProtocolAssignment", version, error))
}

/// A valid assignment of no partitions, in a version the member can read:
/// what Java's leader writes for a member it gives nothing. (Kafka's own
/// coordinator sends zero bytes there, which librdkafka and franz-go cannot
/// parse.)
pub fn empty_assignment(member_subscription: &[u8]) -> Bytes {
    encode(
        &ConsumerProtocolAssignment::default().with_user_data(None),
        version_for(member_subscription),
    )
}

fn no_version(what: &'static str) -> ProtocolError {
    ProtocolError::Decode {
        what,
        version: -1,
        reason: "no valid version prefix".to_owned(),
    }
}

fn decode_error(what: &'static str, version: i16, error: anyhow::Error) -> ProtocolError {
    ProtocolError::Decode {
        what,
        version,
        reason: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use kafka_protocol::messages::TopicName;
    use kafka_protocol::messages::consumer_protocol_assignment::TopicPartition as AssignedTopic;
    use kafka_protocol::messages::consumer_protocol_subscription::TopicPartition as OwnedTopic;
    use kafka_protocol::protocol::StrBytes;

    use super::*;

    /// From the `consumer_protocol` fuzz target: a subscription whose topic
    /// array declares billions of entries. Decoding reserved them all up front
    /// and aborted the process; now it is an error.
    #[test]
    fn a_forged_topic_count_is_an_error_not_an_abort() {
        let blob = Bytes::from_static(&[
            0x00, 0x7f, 0x37, 0x01, 0x00, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff,
            0xff, 0xff, 0xff, 0xfa, 0xff,
        ]);
        assert!(decode_subscription(&blob).is_err());
        assert!(decode_assignment(&blob).is_err());
        let mut huge = vec![0x00, 0x00];
        huge.extend_from_slice(&i32::MAX.to_be_bytes());
        assert!(decode_subscription(&Bytes::from(huge.clone())).is_err());
        assert!(decode_assignment(&Bytes::from(huge)).is_err());
    }

    fn topic(name: &str) -> TopicName {
        TopicName(StrBytes::from_string(name.to_owned()))
    }

    fn subscription(version: i16) -> ConsumerProtocolSubscription {
        let mut subscription = ConsumerProtocolSubscription::default()
            .with_topics(vec![StrBytes::from_static_str("orders")])
            .with_user_data(None);
        if version >= 1 {
            subscription = subscription.with_owned_partitions(vec![
                OwnedTopic::default()
                    .with_topic(topic("orders"))
                    .with_partitions(vec![0, 2]),
            ]);
        }
        if version >= 2 {
            subscription = subscription.with_generation_id(7);
        }
        subscription
    }

    #[test]
    fn subscriptions_round_trip_at_every_version() {
        for version in 0..=HIGHEST_VERSION {
            let blob = encode(&subscription(version), version);
            assert_eq!(declared_version(&blob), Some(version));
            assert_eq!(
                decode_subscription(&blob).unwrap(),
                (version, subscription(version)),
                "v{version}"
            );
        }
    }

    #[test]
    fn a_subscription_declaring_more_than_it_writes_is_read_as_v0() {
        // franz-go#493: version 1 declared, only the v0 fields written.
        let mut blob = encode(&subscription(0), 0).to_vec();
        blob[..2].copy_from_slice(&1i16.to_be_bytes());
        let (version, read) = decode_subscription(&Bytes::from(blob)).unwrap();
        assert_eq!(version, 0);
        assert_eq!(read.topics, [StrBytes::from_static_str("orders")]);
    }

    #[test]
    fn a_newer_version_is_read_at_the_highest_known() {
        let mut blob = encode(&subscription(HIGHEST_VERSION), HIGHEST_VERSION).to_vec();
        blob[..2].copy_from_slice(&9i16.to_be_bytes());
        let (version, read) = decode_subscription(&Bytes::from(blob)).unwrap();
        assert_eq!(version, HIGHEST_VERSION);
        assert_eq!(read, subscription(HIGHEST_VERSION));
    }

    #[test]
    fn assignments_round_trip_and_empty_means_none() {
        let assignment = ConsumerProtocolAssignment::default()
            .with_assigned_partitions(vec![
                AssignedTopic::default()
                    .with_topic(topic("orders"))
                    .with_partitions(vec![1, 3]),
            ])
            .with_user_data(None);
        for version in 0..=HIGHEST_VERSION {
            let blob = encode(&assignment, version);
            assert_eq!(decode_assignment(&blob).unwrap(), Some(assignment.clone()));
        }
        assert_eq!(decode_assignment(&Bytes::new()).unwrap(), None);
        assert!(decode_assignment(&Bytes::from_static(&[0])).is_err());
        assert!(decode_assignment(&Bytes::from_static(&[0xff, 0xff, 0])).is_err());
        assert!(decode_assignment(&Bytes::from_static(&[0, 0, 0, 0, 0, 9])).is_err());
    }

    #[test]
    fn an_empty_assignment_is_in_the_members_version() {
        // Java's bytes for a v3 member given nothing: no topics, null user data.
        let v3 = empty_assignment(&encode(&subscription(3), 3));
        assert_eq!(&v3[..], [0, 3, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
        let v0 = empty_assignment(&encode(&subscription(0), 0));
        assert_eq!(&v0[..], [0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(
            decode_assignment(&v0).unwrap().unwrap().assigned_partitions,
            []
        );
        // Unreadable or future subscriptions: a version the member reads.
        assert_eq!(declared_version(&empty_assignment(b"")), Some(0));
        assert_eq!(declared_version(&empty_assignment(b"\x00\x07")), Some(3));
    }
}
