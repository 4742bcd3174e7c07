//! Data and topics survive a clean restart.

use kctl_client::protocol::messages::MetadataRequest;
use kctl_client::protocol::records::Compression;

use crate::protocol::{create_topic, fetch, produce_one, values};
use crate::support::{TestBroker, batch};

#[tokio::test]
async fn produce_stop_restart_consume_everything() {
    let mut broker = TestBroker::start_with(|c| c.log.segment_bytes = 4096).await;
    let mut client = broker.client().await;
    create_topic(&mut client, "durable", 2, &[("retention.ms", "-1")]).await;
    let mut expected = Vec::new();
    for i in 0..200u32 {
        let value = format!("record-{i}-{}", "x".repeat(50));
        let (error, _) = produce_one(
            &mut client,
            "durable",
            (i % 2) as i32,
            batch(&[value.as_bytes()], i64::from(i), Compression::None),
        )
        .await;
        assert_eq!(error, 0);
        expected.push(value);
    }
    let topic_id = client
        .send(12, &MetadataRequest::default().with_topics(None))
        .await
        .topics[0]
        .topic_id;
    drop(client);
    broker.restart().await;

    let mut client = broker.client().await;
    let metadata = client
        .send(12, &MetadataRequest::default().with_topics(None))
        .await;
    assert_eq!(metadata.topics.len(), 1);
    assert_eq!(
        metadata.topics[0].topic_id, topic_id,
        "topic ids are persisted"
    );
    assert_eq!(metadata.topics[0].partitions.len(), 2);
    let mut got = Vec::new();
    for partition in 0..2 {
        let mut offset = 0;
        loop {
            let data = fetch(&mut client, "durable", partition, offset).await;
            let records = values(data.records.as_ref().unwrap());
            if records.is_empty() {
                break;
            }
            offset = records.last().unwrap().0 + 1;
            got.extend(
                records
                    .into_iter()
                    .map(|(_, v)| String::from_utf8(v.to_vec()).unwrap()),
            );
        }
    }
    got.sort();
    expected.sort();
    assert_eq!(got, expected);
    // Appends continue after the restored end.
    let (error, base) = produce_one(
        &mut client,
        "durable",
        0,
        batch(&[b"after"], 1, Compression::None),
    )
    .await;
    assert_eq!((error, base), (0, 100));
}
