//! The little of the consumer protocol (protocol type "consumer") the
//! coordinator has to read or write: the topics a member subscribes to
//! (OffsetDelete), and an empty assignment for a member the leader left out.
//!
//! Both blobs are a big-endian i16 version followed by the
//! `ConsumerProtocolSubscription` / `ConsumerProtocolAssignment` struct at
//! that version; the message types come from the kafka-protocol crate.

use bytes::{Buf, Bytes, BytesMut};
use kctl_client::protocol::messages::{ConsumerProtocolAssignment, ConsumerProtocolSubscription};
use kctl_client::protocol::{Decodable, Encodable};

pub(crate) const PROTOCOL_TYPE: &str = "consumer";
/// The newest Assignment/Subscription version the schemas define.
const HIGHEST_VERSION: i16 = 3;

/// The version a member's subscription declares, if it has one.
pub(crate) fn subscription_version(metadata: &[u8]) -> Option<i16> {
    let mut buf = metadata;
    (buf.len() >= 2).then(|| buf.get_i16()).filter(|v| *v >= 0)
}

/// The topics a member's subscription names, or `None` if it is not a
/// consumer-protocol subscription.
pub(crate) fn subscribed_topics(metadata: &Bytes) -> Option<Vec<String>> {
    subscription_version(metadata)?;
    let mut body = metadata.slice(2..);
    // Every version starts with the topics, and clients in the wild send
    // newer version numbers without the newer fields (franz-go#493), so
    // reading the version-0 prefix is both enough and the most tolerant.
    let subscription = ConsumerProtocolSubscription::decode(&mut body, 0).ok()?;
    Some(
        subscription
            .topics
            .into_iter()
            .map(|t| t.as_str().to_owned())
            .collect(),
    )
}

/// A valid assignment of no partitions, at the version of the member's own
/// subscription (so it is one that member can read): what the Java
/// consumer's leader writes for a member it gives nothing. Kafka itself
/// sends zero bytes here, which librdkafka and franz-go cannot parse
/// (nisshi-io/nisshi#679, franz-go#1227).
pub(crate) fn empty_assignment(member_metadata: &[u8]) -> Bytes {
    let version = subscription_version(member_metadata)
        .unwrap_or(0)
        .min(HIGHEST_VERSION);
    let mut out = BytesMut::new();
    out.extend_from_slice(&version.to_be_bytes());
    ConsumerProtocolAssignment::default()
        .with_user_data(None)
        .encode(&mut out, version)
        .expect("an empty assignment encodes at every schema version");
    out.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kctl_client::protocol::StrBytes;
    use kctl_client::protocol::messages::TopicName;
    use kctl_client::protocol::messages::consumer_protocol_subscription::TopicPartition;

    fn subscription(version: i16, topics: &[&str]) -> Bytes {
        let mut out = BytesMut::new();
        out.extend_from_slice(&version.to_be_bytes());
        ConsumerProtocolSubscription::default()
            .with_topics(
                topics
                    .iter()
                    .map(|t| StrBytes::from_string((*t).to_owned()))
                    .collect(),
            )
            .with_owned_partitions(vec![
                TopicPartition::default()
                    .with_topic(TopicName(StrBytes::from_static_str("a")))
                    .with_partitions(vec![0]),
            ])
            .encode(&mut out, version)
            .unwrap();
        out.freeze()
    }

    #[test]
    fn subscribed_topics_are_read_at_every_version() {
        for version in 0..=3 {
            assert_eq!(
                subscribed_topics(&subscription(version, &["a", "b"])),
                Some(vec!["a".to_owned(), "b".to_owned()]),
                "v{version}"
            );
        }
        assert_eq!(subscribed_topics(&Bytes::from_static(b"\x00")), None);
        assert_eq!(subscribed_topics(&Bytes::new()), None);
    }

    #[test]
    fn empty_assignments_are_what_the_java_client_writes() {
        // version, 0 topics, null user data
        assert_eq!(
            &empty_assignment(&subscription(3, &["a"]))[..],
            b"\x00\x03\x00\x00\x00\x00\xff\xff\xff\xff"
        );
        assert_eq!(
            &empty_assignment(&subscription(0, &["a"]))[..],
            b"\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff"
        );
        // Unreadable or future metadata: a version every client reads.
        assert_eq!(&empty_assignment(b"")[..2], b"\x00\x00");
        assert_eq!(&empty_assignment(b"\x00\x07")[..2], b"\x00\x03");
        for version in 0..=3 {
            let bytes = empty_assignment(&subscription(version, &[]));
            let mut body = bytes.slice(2..);
            let decoded = ConsumerProtocolAssignment::decode(&mut body, version).unwrap();
            assert!(decoded.assigned_partitions.is_empty());
            assert!(body.is_empty());
        }
    }
}
