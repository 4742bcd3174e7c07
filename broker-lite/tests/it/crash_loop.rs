//! The crash loop (issue 16): kill -9 of the real broker binary every
//! cycle while four idempotent producers stream with acks=all — our client,
//! kcat, and confluent-kafka twice (plain and lz4) — then restart on the same
//! port and carry on. Each producer records what was acknowledged; at the
//! end a last kill -9 and restart, then every partition is read back: every
//! acknowledged record is there exactly once (at its acknowledged offset
//! when the producer reported one), in each producer's order, and no torn
//! or CRC-invalid batch is served. Run once per flush policy.
//!
//! CI runs `CRASH_LOOP_CYCLES` (default 2) short cycles per policy; the
//! figures in docs/reliability.md come from
//! `CRASH_LOOP_CYCLES=50 cargo test -p broker-lite --test it crash_loop -- --nocapture --test-threads=1`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use kctl_client::protocol::batch::{BatchError, BatchScan};
use kctl_client::{Acks, ProducerConfig, Record};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};

use crate::protocol::{create_topic, fetch, values};
use crate::support::{RawClient, kcat, python};

const TOPIC: &str = "crash-loop";
const PARTITIONS: i32 = 4;

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One acknowledged record.
#[derive(Debug, Clone)]
pub struct Acked {
    pub partition: i32,
    /// `None` when the producer does not report offsets (kcat) or reported
    /// −1 (a retry the broker recognised as a duplicate).
    pub offset: Option<i64>,
    pub value: Vec<u8>,
}

pub type AckLog = Arc<Mutex<Vec<Acked>>>;

/// The broker binary on a fixed address, restarted after each kill.
pub struct CrashingBroker {
    pub child: Child,
    pub listen: String,
    pub data_dir: PathBuf,
    pub flush: String,
    pub extra_args: Vec<String>,
}

impl CrashingBroker {
    pub fn start(data_dir: &Path, flush: &str) -> Self {
        Self::start_with_args(data_dir, flush, &[])
    }

    /// With more command-line arguments (e.g. `-c server.properties`).
    pub fn start_with_args(data_dir: &Path, flush: &str, extra_args: &[&str]) -> Self {
        let extra_args: Vec<String> = extra_args.iter().map(|a| (*a).to_owned()).collect();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let listen = format!("127.0.0.1:{port}");
        let child = spawn(data_dir, &listen, flush, &extra_args);
        Self {
            child,
            listen,
            data_dir: data_dir.to_path_buf(),
            flush: flush.to_owned(),
            extra_args,
        }
    }

    pub fn kill_9(&mut self) {
        // Child::kill is SIGKILL on Unix.
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    pub fn restart(&mut self) {
        self.child = spawn(&self.data_dir, &self.listen, &self.flush, &self.extra_args);
    }
}

impl Drop for CrashingBroker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(data_dir: &Path, listen: &str, flush: &str, extra_args: &[String]) -> Child {
    // The port may still be held for a moment after a kill.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut child = Command::new(env!("CARGO_BIN_EXE_broker-lite"))
            .args([
                "--listen",
                listen,
                "--flush",
                flush,
                "--log",
                "warn",
                "--data-dir",
            ])
            .arg(data_dir)
            .args(extra_args)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let mut lines = BufReader::new(stderr).lines();
        let listening = lines
            .by_ref()
            .map_while(Result::ok)
            .any(|line| line.starts_with("broker-lite listening; bootstrap server: "));
        if listening {
            std::thread::spawn(move || lines.for_each(drop));
            return child;
        }
        let _ = child.wait();
        assert!(
            Instant::now() < deadline,
            "broker-lite did not start on {listen}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Our producer: idempotent, acks=all, partition 0.
async fn ours(bootstrap: String, stop: Arc<AtomicBool>, acked: AckLog) -> usize {
    let producer = ProducerConfig::new([bootstrap])
        .acks(Acks::All)
        .enable_idempotence(true)
        .linger_ms(2)
        .request_timeout_ms(3000)
        .delivery_timeout_ms(120_000)
        .build()
        .await
        .unwrap();
    let mut pending = FuturesUnordered::new();
    let mut failed = 0;
    let mut i = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let value = format!("ours-{i}").into_bytes();
        i += 1;
        let delivery = producer
            .send(Record::new(TOPIC).partition(0).value(&value))
            .await
            .unwrap();
        pending.push(async move { (delivery.wait().await, value) });
        while pending.len() >= 200 {
            let (result, value) = pending.next().await.unwrap();
            failed += record(&acked, result, value);
        }
        if i.is_multiple_of(50) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    while let Some((result, value)) = pending.next().await {
        failed += record(&acked, result, value);
    }
    producer.close().await;
    failed
}

/// Logs one delivery of our producer; 1 if it failed.
fn record(
    acked: &AckLog,
    result: kctl_client::Result<kctl_client::RecordMetadata>,
    value: Vec<u8>,
) -> usize {
    match result {
        Ok(meta) => {
            acked.lock().unwrap().push(Acked {
                partition: meta.partition,
                offset: (meta.offset >= 0).then_some(meta.offset),
                value,
            });
            0
        }
        Err(_) => 1,
    }
}

/// kcat, idempotent, partition 1: chunks of 50 lines per run. kcat reports
/// no offsets, so a chunk counts as acknowledged when kcat exits 0 without
/// reporting a failed delivery.
async fn kcat_producer(
    kcat: PathBuf,
    bootstrap: String,
    stop: Arc<AtomicBool>,
    acked: AckLog,
) -> usize {
    let mut failed = 0;
    let mut i = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let chunk: Vec<String> = (i..i + 50).map(|n| format!("kcat-{n}")).collect();
        i += 50;
        let mut child = tokio::process::Command::new(&kcat)
            .args(["-P", "-b", &bootstrap, "-t", TOPIC, "-p", "1"])
            .args(["-X", "acks=all", "-X", "enable.idempotence=true"])
            .args([
                "-X",
                "message.timeout.ms=120000",
                "-X",
                "reconnect.backoff.max.ms=500",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all((chunk.join("\n") + "\n").as_bytes())
            .await
            .unwrap();
        drop(stdin);
        let out = child.wait_with_output().await.unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).to_lowercase();
        if out.status.success() && !stderr.contains("fail") && !stderr.contains("error") {
            let mut log = acked.lock().unwrap();
            log.extend(chunk.into_iter().map(|v| Acked {
                partition: 1,
                offset: None,
                value: v.into_bytes(),
            }));
        } else {
            failed += chunk.len();
        }
    }
    failed
}

/// confluent-kafka (librdkafka) with idempotence: prints one `ACK partition
/// offset value` line per delivery report without error, until its stdin
/// closes.
pub(crate) const CONFLUENT_PRODUCER: &str = r#"
import sys, threading
from confluent_kafka import Producer
bootstrap, topic, partition, prefix, codec = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all",
              "message.timeout.ms": 120000, "linger.ms": 2, "compression.type": codec,
              "reconnect.backoff.ms": 50, "reconnect.backoff.max.ms": 500})
failed = 0
def report(err, msg):
    global failed
    if err is None:
        print("ACK %d %d %s" % (msg.partition(), msg.offset(), msg.value().decode()), flush=True)
    else:
        failed += 1
i = 0
while not stop.is_set():
    if len(p) < 2000:
        p.produce(topic, value=("%s-%d" % (prefix, i)).encode(), partition=partition, on_delivery=report)
        i += 1
    p.poll(0.001 if len(p) < 2000 else 0.05)
p.flush(180)
print("FAILED %d" % failed, flush=True)
"#;

async fn confluent_producer(
    python: PathBuf,
    bootstrap: String,
    partition: i32,
    prefix: &'static str,
    codec: &'static str,
    stop: Arc<AtomicBool>,
    acked: AckLog,
) -> usize {
    let mut child = tokio::process::Command::new(python)
        .args([
            "-c",
            CONFLUENT_PRODUCER,
            &bootstrap,
            TOPIC,
            &partition.to_string(),
            prefix,
            codec,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let closer = tokio::spawn(async move {
        while !stop.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        drop(stdin);
    });
    let mut failed = 0;
    while let Some(line) = lines.next_line().await.unwrap() {
        let parts: Vec<&str> = line.splitn(4, ' ').collect();
        match parts.as_slice() {
            ["ACK", p, o, v] => acked.lock().unwrap().push(Acked {
                partition: p.parse().unwrap(),
                offset: o.parse().ok().filter(|o: &i64| *o >= 0),
                value: v.as_bytes().to_vec(),
            }),
            ["FAILED", n] => failed = n.parse().unwrap(),
            _ => panic!("confluent producer said {line:?}"),
        }
    }
    closer.await.unwrap();
    assert!(
        child.wait().await.unwrap().success(),
        "confluent producer failed"
    );
    failed
}

/// Every record of every partition, read from offset 0 to the high
/// watermark. Panics if a served batch is torn or fails its CRC (a partial
/// batch at the very end of a response is allowed: clients ignore it).
pub async fn read_back(bootstrap: &str, partitions: i32) -> BTreeMap<i32, Vec<(i64, Bytes)>> {
    let mut client = RawClient::connect(bootstrap).await;
    let mut out = BTreeMap::new();
    for partition in 0..partitions {
        let mut records = Vec::new();
        let mut offset = 0;
        loop {
            let data = fetch(&mut client, TOPIC, partition, offset).await;
            assert_eq!(data.error_code, 0, "fetch p{partition} @{offset}");
            let bytes = data.records.clone().unwrap_or_default();
            let mut scan = BatchScan::verified(&bytes);
            for item in scan.by_ref() {
                match item {
                    Ok(_) => {}
                    Err(BatchError::Truncated { .. }) => break,
                    Err(e) => panic!("p{partition} @{offset}: served a bad batch: {e}"),
                }
            }
            let whole = bytes.slice(..scan.valid_bytes());
            let batch_values = values(&whole);
            let Some(&(last, _)) = batch_values.last() else {
                assert!(
                    offset >= data.high_watermark,
                    "p{partition}: nothing served at {offset} below the high watermark {}",
                    data.high_watermark
                );
                break;
            };
            records.extend(batch_values.into_iter().filter(|(o, _)| *o >= offset));
            offset = last + 1;
        }
        out.insert(partition, records);
    }
    out
}

/// Checks every acknowledged record against what was read back; returns
/// (acknowledged, recovered, lost, duplicated, present but unacknowledged).
pub fn verify(
    acked: &[Acked],
    read: &BTreeMap<i32, Vec<(i64, Bytes)>>,
) -> (usize, usize, usize, usize, usize) {
    let mut found: BTreeMap<(i32, &[u8]), Vec<i64>> = BTreeMap::new();
    for (&partition, records) in read {
        for (offset, value) in records {
            found
                .entry((partition, value.as_ref()))
                .or_default()
                .push(*offset);
        }
        // Each producer's values appear in the order it sent them.
        let mut last_seq: BTreeMap<&[u8], u64> = BTreeMap::new();
        for (offset, value) in records {
            let text = std::str::from_utf8(value).unwrap();
            let (prefix, seq) = text.rsplit_once('-').unwrap();
            let seq: u64 = seq.parse().unwrap();
            if let Some(prev) = last_seq.insert(prefix.as_bytes(), seq) {
                assert!(
                    seq > prev,
                    "p{partition} @{offset}: {text} after {prefix}-{prev}: order broken"
                );
            }
        }
    }
    let (mut recovered, mut lost, mut duplicated) = (0, 0, 0);
    for a in acked {
        match found.get(&(a.partition, a.value.as_slice())) {
            None => lost += 1,
            Some(offsets) => {
                recovered += 1;
                if offsets.len() > 1 {
                    duplicated += 1;
                }
                if let Some(offset) = a.offset {
                    assert!(
                        offsets.contains(&offset),
                        "{} acknowledged at p{} @{offset} but found at {offsets:?}",
                        String::from_utf8_lossy(&a.value),
                        a.partition
                    );
                }
            }
        }
    }
    let extra = found.len().saturating_sub(recovered);
    (acked.len(), recovered, lost, duplicated, extra)
}

async fn crash_loop(flush: &str) {
    let (Some(kcat), Some(python)) = (kcat(), python()) else {
        return;
    };
    let cycles: usize = env_or("CRASH_LOOP_CYCLES", 2);
    let cycle_ms: u64 = env_or("CRASH_LOOP_CYCLE_MS", 1500);
    let dir = tempfile::tempdir().unwrap();
    let mut broker = CrashingBroker::start(dir.path(), flush);
    let bootstrap = broker.listen.clone();
    let mut admin = RawClient::connect(&bootstrap).await;
    create_topic(
        &mut admin,
        TOPIC,
        PARTITIONS,
        &[("segment.bytes", "262144")],
    )
    .await;
    drop(admin);

    let stop = Arc::new(AtomicBool::new(false));
    let acked: AckLog = Arc::default();
    let producers = vec![
        tokio::spawn(ours(
            bootstrap.clone(),
            Arc::clone(&stop),
            Arc::clone(&acked),
        )),
        tokio::spawn(kcat_producer(
            kcat,
            bootstrap.clone(),
            Arc::clone(&stop),
            Arc::clone(&acked),
        )),
        tokio::spawn(confluent_producer(
            python.clone(),
            bootstrap.clone(),
            2,
            "rdkafka",
            "none",
            Arc::clone(&stop),
            Arc::clone(&acked),
        )),
        tokio::spawn(confluent_producer(
            python,
            bootstrap.clone(),
            3,
            "rdkafka-lz4",
            "lz4",
            Arc::clone(&stop),
            Arc::clone(&acked),
        )),
    ];
    let started = Instant::now();
    for _ in 0..cycles {
        tokio::time::sleep(Duration::from_millis(cycle_ms)).await;
        broker.kill_9();
        broker.restart();
    }
    // Let the producers deliver what they hold, then stop them.
    tokio::time::sleep(Duration::from_millis(cycle_ms)).await;
    stop.store(true, Ordering::Relaxed);
    let mut failed = Vec::new();
    for p in producers {
        failed.push(p.await.unwrap());
    }
    // One more crash after the last acknowledgement, then read it all.
    broker.kill_9();
    broker.restart();
    let read = read_back(&bootstrap, PARTITIONS).await;
    let acked = acked.lock().unwrap().clone();
    let (total, recovered, lost, duplicated, extra) = verify(&acked, &read);
    let by_producer = |p: i32| acked.iter().filter(|a| a.partition == p).count();
    println!(
        "crash loop, flush={flush}: {cycles} kill -9 cycles of {cycle_ms} ms in {:?}; acknowledged {total} (ours {}, kcat {}, confluent {}, confluent lz4 {}), recovered {recovered}, lost {lost}, duplicated {duplicated}; {extra} present but never acknowledged; deliveries reported failed (ours, kcat, confluent, confluent lz4): {failed:?}",
        started.elapsed(),
        by_producer(0),
        by_producer(1),
        by_producer(2),
        by_producer(3),
    );
    assert!(total > 0, "nothing was acknowledged");
    assert_eq!(lost, 0, "acknowledged records lost");
    assert_eq!(duplicated, 0, "acknowledged records duplicated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_loop_flush_none() {
    crash_loop("none").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_loop_flush_every_batch() {
    crash_loop("every-batch").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_loop_flush_interval() {
    crash_loop("100ms").await;
}
