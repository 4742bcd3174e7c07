//! Idempotent producers end to end: InitProducerId, retries after a cut
//! connection, fencing, and producer state across restarts and kill -9.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::{Bytes, BytesMut};
use kctl_client::protocol::ErrorCode;
use kctl_client::protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kctl_client::protocol::messages::{
    InitProducerIdRequest, ProduceRequest, ProducerId, TransactionalId,
};
use kctl_client::protocol::record_batch::{BatchBuilder, BatchParams};
use kctl_client::protocol::records::Compression;
use kctl_client::protocol::{StrBytes, frame};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::crash::spawn_broker;
use crate::protocol::{create_topic, fetch, name, produce_one, values};
use crate::support::{RawClient, TestBroker};

/// A batch of `values` from an idempotent producer.
pub fn producer_batch(
    producer_id: i64,
    epoch: i16,
    base_sequence: i32,
    values: &[&str],
    compression: Compression,
) -> Bytes {
    let now = 1_700_000_000_000;
    let mut builder = BatchBuilder::new(now, 0);
    for v in values {
        builder.append(now, Some(v.as_bytes()), Some(v.as_bytes()), &[]);
    }
    let mut out = BytesMut::new();
    builder
        .encode(
            &mut out,
            &BatchParams {
                compression,
                producer_id,
                producer_epoch: epoch,
                base_sequence,
                transactional: false,
            },
        )
        .unwrap();
    out.freeze()
}

/// InitProducerId at `version`, optionally with the id and epoch the
/// client has: (error code, id, epoch).
pub async fn init_producer_id(
    client: &mut RawClient,
    version: i16,
    current: Option<(i64, i16)>,
) -> (i16, i64, i16) {
    let (id, epoch) = current.unwrap_or((-1, -1));
    // The message type defaults the nullable id to "", not null.
    let mut request = InitProducerIdRequest::default()
        .with_transactional_id(None)
        .with_transaction_timeout_ms(60_000);
    if version >= 3 {
        request = request
            .with_producer_id(ProducerId(id))
            .with_producer_epoch(epoch);
    }
    let response = client.send(version, &request).await;
    (
        response.error_code,
        response.producer_id.0,
        response.producer_epoch,
    )
}

fn text(values: &[(i64, Bytes)]) -> Vec<(i64, String)> {
    values
        .iter()
        .map(|(o, v)| (*o, String::from_utf8_lossy(v).into_owned()))
        .collect()
}

/// Forwards connections to the broker; when `cut` is set, the next
/// response the broker sends is swallowed and both sides are closed — the
/// request was handled, the client never hears so.
async fn cutting_proxy(broker: String, cut: Arc<AtomicBool>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        loop {
            let (client, _) = listener.accept().await.unwrap();
            let upstream = TcpStream::connect(&broker).await.unwrap();
            let cut = Arc::clone(&cut);
            tokio::spawn(async move {
                let (mut client_rx, mut client_tx) = client.into_split();
                let (mut broker_rx, mut broker_tx) = upstream.into_split();
                let requests = tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut client_rx, &mut broker_tx).await;
                });
                let mut buf = BytesMut::new();
                loop {
                    while let Some(response) = frame::decode(&mut buf, 1 << 30).unwrap() {
                        if cut.swap(false, Ordering::SeqCst) {
                            requests.abort();
                            return;
                        }
                        let mut framed = BytesMut::new();
                        let mark = frame::begin(&mut framed);
                        framed.extend_from_slice(&response);
                        mark.finish(&mut framed).unwrap();
                        if client_tx.write_all(&framed).await.is_err() {
                            return;
                        }
                    }
                    match broker_rx.read_buf(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                }
            });
        }
    });
    addr
}

#[tokio::test]
async fn a_produce_retried_after_a_cut_connection_is_written_once() {
    let broker = TestBroker::start().await;
    let mut direct = broker.client().await;
    create_topic(&mut direct, "idem", 1, &[]).await;
    let cut = Arc::new(AtomicBool::new(false));
    let proxy = cutting_proxy(broker.bootstrap(), Arc::clone(&cut)).await;

    let mut client = RawClient::connect(&proxy).await;
    let (code, pid, epoch) = init_producer_id(&mut client, 4, None).await;
    assert_eq!((code, epoch), (0, 0));
    let first = producer_batch(pid, epoch, 0, &["a", "b"], Compression::None);
    assert_eq!(produce_one(&mut client, "idem", 0, first).await, (0, 0));

    // The broker appends c, d; the connection dies before the answer.
    let retried = producer_batch(pid, epoch, 2, &["c", "d"], Compression::Lz4);
    cut.store(true, Ordering::SeqCst);
    let request = ProduceRequest::default()
        .with_acks(-1)
        .with_timeout_ms(5000)
        .with_topic_data(vec![
            TopicProduceData::default()
                .with_name(name("idem"))
                .with_partition_data(vec![
                    PartitionProduceData::default()
                        .with_index(0)
                        .with_records(Some(retried.clone())),
                ]),
        ]);
    assert!(client.try_send(9, &request).await.is_none());

    // The client reconnects and sends the same batch again.
    let mut client = RawClient::connect(&proxy).await;
    assert_eq!(
        produce_one(&mut client, "idem", 0, retried.clone()).await,
        (0, 2),
        "the retry gets the original offset"
    );
    assert_eq!(
        produce_one(&mut client, "idem", 0, retried).await,
        (0, 2),
        "and so does any later duplicate in the window"
    );
    let next = producer_batch(pid, epoch, 4, &["e"], Compression::None);
    assert_eq!(produce_one(&mut client, "idem", 0, next).await, (0, 4));
    let gap = producer_batch(pid, epoch, 7, &["g"], Compression::None);
    assert_eq!(
        produce_one(&mut client, "idem", 0, gap).await.0,
        ErrorCode::OutOfOrderSequenceNumber.code()
    );

    let data = fetch(&mut direct, "idem", 0, 0).await;
    assert_eq!(data.high_watermark, 5);
    assert_eq!(
        text(&values(&data.records.unwrap())),
        vec![
            (0, "a".into()),
            (1, "b".into()),
            (2, "c".into()),
            (3, "d".into()),
            (4, "e".into())
        ],
        "each record exactly once, in order"
    );
}

#[tokio::test]
async fn epochs_fence_and_unknown_producers_must_start_at_zero() {
    let broker = TestBroker::start().await;
    let mut client = broker.client().await;
    create_topic(&mut client, "fence", 1, &[]).await;
    let (_, pid, _) = init_producer_id(&mut client, 4, None).await;
    let (_, other, _) = init_producer_id(&mut client, 1, None).await;
    assert!(other > pid, "ids increase");
    let batch0 = producer_batch(pid, 0, 0, &["a"], Compression::None);
    assert_eq!(produce_one(&mut client, "fence", 0, batch0).await, (0, 0));

    // KIP-360: the client presents its id and epoch and gets the next epoch.
    assert_eq!(
        init_producer_id(&mut client, 4, Some((pid, 0))).await,
        (0, pid, 1)
    );
    // The partition learns the new epoch from its first batch, as in
    // Kafka; from then on the old epoch is a zombie.
    let bumped = producer_batch(pid, 1, 0, &["b"], Compression::None);
    assert_eq!(produce_one(&mut client, "fence", 0, bumped).await, (0, 1));
    let zombie = producer_batch(pid, 0, 1, &["zombie"], Compression::None);
    assert_eq!(
        produce_one(&mut client, "fence", 0, zombie).await.0,
        ErrorCode::InvalidProducerEpoch.code()
    );
    // A retried bump gets the same answer; after the next bump, the epoch
    // two behind is fenced, in each version's words.
    assert_eq!(
        init_producer_id(&mut client, 4, Some((pid, 0))).await,
        (0, pid, 1)
    );
    assert_eq!(
        init_producer_id(&mut client, 4, Some((pid, 1))).await,
        (0, pid, 2)
    );
    assert_eq!(
        init_producer_id(&mut client, 4, Some((pid, 0))).await.0,
        ErrorCode::ProducerFenced.code()
    );
    assert_eq!(
        init_producer_id(&mut client, 3, Some((pid, 0))).await.0,
        ErrorCode::InvalidProducerEpoch.code()
    );

    let stranger = producer_batch(other + 100, 0, 5, &["x"], Compression::None);
    assert_eq!(
        produce_one(&mut client, "fence", 0, stranger).await.0,
        ErrorCode::UnknownProducerId.code()
    );

    let transactional = InitProducerIdRequest::default()
        .with_transactional_id(Some(TransactionalId(StrBytes::from_static_str("tx"))))
        .with_transaction_timeout_ms(60_000);
    // A transactional id gets its own producer id from the transaction
    // coordinator (tests/it/transactions.rs covers the rest).
    let response = client.send(4, &transactional).await;
    assert_eq!(response.error_code, 0);
    assert_eq!(response.producer_epoch, 0);
    assert_ne!(response.producer_id.0, pid);

    let data = fetch(&mut client, "fence", 0, 0).await;
    assert_eq!(
        text(&values(&data.records.unwrap())),
        vec![(0, "a".into()), (1, "b".into())]
    );
}

#[tokio::test]
async fn producer_state_and_ids_survive_a_clean_restart() {
    let mut broker = TestBroker::start().await;
    let mut client = broker.client().await;
    // Small segments, so the state comes from a snapshot plus a scan.
    create_topic(&mut client, "restart", 1, &[("segment.bytes", "300")]).await;
    let (_, pid, epoch) = init_producer_id(&mut client, 4, None).await;
    let mut batches = Vec::new();
    for seq in 0..6 {
        let b = producer_batch(pid, epoch, seq, &[&format!("v{seq}")], Compression::None);
        assert_eq!(
            produce_one(&mut client, "restart", 0, b.clone()).await,
            (0, i64::from(seq))
        );
        batches.push(b);
    }
    broker.restart().await;
    let mut client = broker.client().await;
    for (seq, b) in batches.iter().enumerate().skip(1) {
        assert_eq!(
            produce_one(&mut client, "restart", 0, b.clone()).await,
            (0, seq as i64),
            "batch {seq} is still recognised"
        );
    }
    let next = producer_batch(pid, epoch, 6, &["v6"], Compression::None);
    assert_eq!(produce_one(&mut client, "restart", 0, next).await, (0, 6));
    let (_, fresh, _) = init_producer_id(&mut client, 4, None).await;
    assert!(fresh > pid, "a producer id is never reused after a restart");
}

#[tokio::test]
async fn producer_state_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let (child, bootstrap) = spawn_broker(dir.path());
    let mut child = KillOnDrop(child);
    let mut client = RawClient::connect(&bootstrap).await;
    create_topic(&mut client, "killed", 1, &[("segment.bytes", "400")]).await;
    let (_, pid, epoch) = init_producer_id(&mut client, 4, None).await;
    let mut batches = Vec::new();
    for seq in 0..8 {
        let b = producer_batch(pid, epoch, seq * 2, &["x", "y"], Compression::None);
        assert_eq!(
            produce_one(&mut client, "killed", 0, b.clone()).await,
            (0, i64::from(seq) * 2)
        );
        batches.push(b);
    }
    child.0.kill().unwrap(); // SIGKILL: no snapshot is written on the way down
    child.0.wait().unwrap();

    let (child, bootstrap) = spawn_broker(dir.path());
    let _child = KillOnDrop(child);
    let mut client = RawClient::connect(&bootstrap).await;
    // The last batch sat in the active segment, after the last snapshot.
    for seq in [7usize, 4] {
        assert_eq!(
            produce_one(&mut client, "killed", 0, batches[seq].clone()).await,
            (0, seq as i64 * 2),
            "batch {seq} is recognised after kill -9"
        );
    }
    let next = producer_batch(pid, epoch, 16, &["z"], Compression::None);
    assert_eq!(produce_one(&mut client, "killed", 0, next).await, (0, 16));
    let (_, fresh, _) = init_producer_id(&mut client, 4, None).await;
    assert!(fresh > pid);
    let offsets: Vec<i64> = crate::compaction::read_all(&mut client, "killed")
        .await
        .into_iter()
        .map(|(offset, _, _)| offset)
        .collect();
    assert_eq!(
        offsets,
        (0..17).collect::<Vec<_>>(),
        "no duplicates, no holes"
    );
}

/// A broker process that a failed assertion does not leave running.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
