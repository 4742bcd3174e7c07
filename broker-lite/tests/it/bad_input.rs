//! Hostile and broken clients: each gets Kafka's error or a closed
//! connection, and nobody else notices.

use bytes::{BufMut, Bytes, BytesMut};
use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::messages::{ApiKey, MetadataRequest};
use kctl_client::protocol::records::Compression;
use rand::{Rng, SeedableRng};
use tokio::io::AsyncWriteExt;

use crate::protocol::{create_topic, fetch, produce_one};
use crate::support::{RawClient, TestBroker, batch};

/// A second client still gets answers.
async fn still_serving(broker: &TestBroker, bystander: &mut RawClient) {
    let response = bystander
        .send(12, &MetadataRequest::default().with_topics(None))
        .await;
    assert!(response.brokers.len() == 1);
    let mut fresh = broker.client().await;
    fresh
        .send(12, &MetadataRequest::default().with_topics(None))
        .await;
}

#[tokio::test]
async fn a_frame_claiming_2_gib_is_refused_without_allocating() {
    let broker = TestBroker::start().await;
    let mut bystander = broker.client().await;
    let mut attacker = broker.client().await;
    attacker
        .stream
        .write_all(&0x7fff_ffffi32.to_be_bytes())
        .await
        .unwrap();
    assert!(attacker.is_closed().await);
    still_serving(&broker, &mut bystander).await;
}

#[tokio::test]
async fn random_garbage_closes_only_that_connection() {
    let broker = TestBroker::start().await;
    let mut bystander = broker.client().await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for _ in 0..20 {
        let mut attacker = broker.client().await;
        let garbage: Vec<u8> = (0..rng.random_range(1..4096))
            .map(|_| rng.random())
            .collect();
        attacker.stream.write_all(&garbage).await.unwrap();
        attacker.stream.shutdown().await.unwrap();
        assert!(attacker.is_closed().await);
    }
    still_serving(&broker, &mut bystander).await;
}

#[tokio::test]
async fn an_unknown_api_key_closes_the_connection() {
    let broker = TestBroker::start().await;
    let mut bystander = broker.client().await;
    let mut client = broker.client().await;
    let mut frame = BytesMut::new();
    frame.put_i32(10);
    frame.put_i16(999); // api key
    frame.put_i16(0); // version
    frame.put_i32(1); // correlation id
    frame.put_i16(-1); // null client id
    client.stream.write_all(&frame).await.unwrap();
    assert!(client.is_closed().await);
    still_serving(&broker, &mut bystander).await;
}

#[tokio::test]
async fn an_unsupported_version_closes_the_connection() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    // Produce v2 predates record batches; we never advertised it.
    client
        .write_raw(
            ApiKey::Produce as i16,
            2,
            1,
            &[0, 1, 0, 0, 0x13, 0x88, 0, 0, 0, 0],
        )
        .await;
    assert!(client.is_closed().await);
}

#[tokio::test]
async fn a_body_that_does_not_decode_closes_the_connection() {
    let broker = TestBroker::start().await;
    let mut bystander = broker.client().await;
    let mut client = broker.client().await;
    let mut frame = BytesMut::new();
    let body: &[u8] = &[0, 3, 0, 12, 0, 0, 0, 1, 0, 0, 0xff, 0xff, 0xff];
    frame.put_i32(body.len() as i32);
    frame.put_slice(body);
    client.stream.write_all(&frame).await.unwrap();
    assert!(client.is_closed().await);
    still_serving(&broker, &mut bystander).await;
}

#[tokio::test]
async fn a_bad_crc_is_corrupt_message_and_nothing_is_stored() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    create_topic(&mut client, "crc", 1, &[]).await;
    let mut bad = BytesMut::from(&batch(&[b"hello"], 1, Compression::None)[..]);
    let last = bad.len() - 1;
    bad[last] ^= 0x40;
    let (error, _) = produce_one(&mut client, "crc", 0, bad.freeze()).await;
    assert_eq!(error, ErrorCode::CorruptMessage.code());
    assert_eq!(fetch(&mut client, "crc", 0, 0).await.high_watermark, 0);
    // The connection stays usable.
    let (error, base) =
        produce_one(&mut client, "crc", 0, batch(&[b"ok"], 1, Compression::None)).await;
    assert_eq!((error, base), (0, 0));
}

#[tokio::test]
async fn a_record_count_that_disagrees_with_the_header_is_invalid_record() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    create_topic(&mut client, "count", 1, &[]).await;
    let mut lying = BytesMut::from(&batch(&[b"a", b"b"], 1, Compression::None)[..]);
    // recordsCount lives at byte 57; re-sign the batch so only the count is wrong.
    lying[57..61].copy_from_slice(&3i32.to_be_bytes());
    let crc = kctl_client::protocol::batch::compute_crc(&lying);
    lying[17..21].copy_from_slice(&crc.to_be_bytes());
    let (error, _) = produce_one(&mut client, "count", 0, lying.freeze()).await;
    assert_eq!(error, ErrorCode::InvalidRecord.code());

    let mut two = BytesMut::from(&batch(&[b"x"], 1, Compression::None)[..]);
    two.extend_from_slice(&batch(&[b"y"], 1, Compression::None));
    let (error, _) = produce_one(&mut client, "count", 0, two.freeze()).await;
    assert_eq!(
        error,
        ErrorCode::InvalidRecord.code(),
        "v3+ produce carries exactly one batch"
    );
    let (error, _) = produce_one(&mut client, "count", 0, Bytes::from_static(b"short")).await;
    assert_eq!(error, ErrorCode::CorruptMessage.code());
    let (error, _) = produce_one(
        &mut client,
        "missing",
        0,
        batch(&[b"x"], 1, Compression::None),
    )
    .await;
    assert_eq!(error, ErrorCode::UnknownTopicOrPartition.code());
    assert_eq!(fetch(&mut client, "count", 0, 0).await.high_watermark, 0);
}

/// Fuzzing found that a forged array count made the decoder reserve room
/// for every element up front: a few bytes declaring 2^31 topics aborted the
/// whole broker on a failed multi-GiB allocation. Now it is a decode error
/// that closes only this connection (client/vendor/kafka-protocol/KCTL-PATCH.md).
#[tokio::test]
async fn a_forged_array_count_closes_the_connection_instead_of_aborting() {
    let broker = TestBroker::start().await;
    let mut bystander = broker.client().await;
    // Metadata v1 (non-flexible), then v9 (compact array), each declaring
    // i32::MAX / u32::MAX topics and sending none.
    let mut classic = broker.client().await;
    classic
        .write_raw(ApiKey::Metadata as i16, 1, 1, &0x7fff_ffffi32.to_be_bytes())
        .await;
    assert!(classic.is_closed().await);
    let mut compact = broker.client().await;
    compact
        .write_raw(
            ApiKey::Metadata as i16,
            9,
            2,
            &[0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0],
        )
        .await;
    assert!(compact.is_closed().await);
    still_serving(&broker, &mut bystander).await;
}
