//! Client faults (issue 16): a fault-injecting TCP proxy between our
//! clients and broker-lite (which advertises the proxy, so every connection
//! goes through it) resets connections mid-request, truncates responses and
//! delays everything, in turn, while our idempotent producer and a group
//! consumer work. Results: 0 duplicates, per-partition order kept, nothing
//! hangs past the configured timeouts. A blackholed broker (accepts, never
//! answers) costs a bootstrap no more than its timeout, and a producer whose
//! only broker is blackholed fails with a typed timeout, on time.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use broker_lite::config::BrokerConfig;
use kctl_client::{Acks, Admin, Consumer, Error, OffsetReset, ProducerConfig, Record};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::support::{client, create_topic, fetch_all, with_timeout};

/// What the proxy does to the next bytes it forwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Fault {
    Pass = 0,
    /// The next client bytes: forward half, then reset both sides.
    ResetMidRequest = 1,
    /// The next broker bytes: forward half, then close both sides.
    TruncateResponse = 2,
    /// Hold every chunk 250 ms before forwarding it.
    Delay = 3,
}

impl Fault {
    fn from_u8(v: u8) -> Self {
        match v {
            1 => Fault::ResetMidRequest,
            2 => Fault::TruncateResponse,
            3 => Fault::Delay,
            _ => Fault::Pass,
        }
    }
}

#[derive(Default)]
struct FaultCounts {
    resets: AtomicU64,
    truncations: AtomicU64,
    delayed_chunks: AtomicU64,
}

struct FaultProxy {
    addr: String,
    mode: Arc<AtomicU8>,
    counts: Arc<FaultCounts>,
}

impl FaultProxy {
    fn start(listener: TcpListener, upstream: String) -> Self {
        let addr = listener.local_addr().unwrap().to_string();
        let mode = Arc::new(AtomicU8::new(Fault::Pass as u8));
        let counts = Arc::new(FaultCounts::default());
        let (m, c) = (Arc::clone(&mode), Arc::clone(&counts));
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(&upstream).await else {
                    continue;
                };
                let (m, c) = (Arc::clone(&m), Arc::clone(&c));
                tokio::spawn(async move {
                    let _ = client.set_nodelay(true);
                    let _ = server.set_nodelay(true);
                    let (cr, cw) = client.into_split();
                    let (sr, sw) = server.into_split();
                    // Whichever direction faults or ends, both sides go.
                    tokio::select! {
                        _ = pump(cr, sw, Arc::clone(&m), Arc::clone(&c), true) => {}
                        _ = pump(sr, cw, m, c, false) => {}
                    }
                });
            }
        });
        Self { addr, mode, counts }
    }

    fn set(&self, fault: Fault) {
        self.mode.store(fault as u8, Ordering::SeqCst);
    }
}

/// Copies `from` to `to`, applying the current fault. Returns when either
/// side closes or a fault cuts the connection.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mode: Arc<AtomicU8>,
    counts: Arc<FaultCounts>,
    client_to_broker: bool,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let fault = Fault::from_u8(mode.load(Ordering::SeqCst));
        let cut = match fault {
            Fault::ResetMidRequest if client_to_broker => {
                // Only one connection takes each injected fault.
                mode.compare_exchange(
                    fault as u8,
                    Fault::Pass as u8,
                    Ordering::SeqCst,
                    Ordering::SeqCst,
                )
                .is_ok()
                .then(|| counts.resets.fetch_add(1, Ordering::Relaxed))
                .is_some()
            }
            Fault::TruncateResponse if !client_to_broker => mode
                .compare_exchange(
                    fault as u8,
                    Fault::Pass as u8,
                    Ordering::SeqCst,
                    Ordering::SeqCst,
                )
                .is_ok()
                .then(|| counts.truncations.fetch_add(1, Ordering::Relaxed))
                .is_some(),
            Fault::Delay => {
                counts.delayed_chunks.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(250)).await;
                false
            }
            _ => false,
        };
        if cut {
            let _ = to.write_all(&buf[..n / 2]).await;
            return;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

/// A listener that accepts connections and never answers them.
async fn blackhole() -> (String, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    (addr, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotent_producer_and_group_consumer_survive_resets_truncations_and_delays() {
    let dir = tempfile::tempdir().unwrap();
    let proxy_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut config = BrokerConfig::default();
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.data_dir = dir.path().into();
    config.group.initial_rebalance_delay_ms = 0;
    config.group.min_session_timeout_ms = 1_000;
    config.advertise = Some((
        "127.0.0.1".into(),
        proxy_listener.local_addr().unwrap().port(),
    ));
    let broker = broker_lite::start(config).await.unwrap();
    let proxy = FaultProxy::start(proxy_listener, broker.local_addr().to_string());
    let bootstrap = proxy.addr.clone();
    let topic = "faults";
    let partitions = 3;
    create_topic(&client(&bootstrap).await, topic, partitions, 1).await;

    let request_timeout_ms = 2_000;
    let count = 1_500usize;
    let produced_at = Instant::now();
    let producer = ProducerConfig::new([bootstrap.clone()])
        .acks(Acks::All)
        .enable_idempotence(true)
        .linger_ms(5)
        .request_timeout_ms(request_timeout_ms)
        .delivery_timeout_ms(60_000)
        .build()
        .await
        .unwrap();
    // Built before the faults start, so the faults land on the work; a
    // reset while building is retried (tested below).
    // The group consumer, built (and joined) before the faults start.
    let consumer = Consumer::builder([bootstrap.clone()])
        .group_id("faults-group")
        .auto_offset_reset(OffsetReset::Earliest)
        .fetch_max_wait_ms(100)
        .request_timeout_ms(request_timeout_ms)
        .session_timeout_ms(6_000)
        .heartbeat_interval_ms(300)
        .build()
        .await
        .unwrap();
    consumer.subscribe([topic]);
    // It reads concurrently, until it has what was acknowledged.
    let target = Arc::new(AtomicU64::new(u64::MAX));
    let consuming = {
        let target = Arc::clone(&target);
        tokio::spawn(async move {
            let mut consumed: BTreeMap<i32, Vec<(i64, String)>> = BTreeMap::new();
            let mut consume_errors = 0;
            let started = Instant::now();
            loop {
                let have = consumed.values().map(Vec::len).sum::<usize>() as u64;
                if have >= target.load(Ordering::SeqCst) {
                    break;
                }
                assert!(
                    started.elapsed() < Duration::from_secs(120),
                    "the group consumer stalled at {have} records"
                );
                match consumer.poll(Duration::from_millis(200)).await {
                    Ok(records) => {
                        for r in records {
                            let value = String::from_utf8(r.value.unwrap().to_vec()).unwrap();
                            consumed
                                .entry(r.partition)
                                .or_default()
                                .push((r.offset, value));
                        }
                    }
                    // Transient errors surface typed; the consumer carries on.
                    Err(e) => {
                        assert!(e.is_retriable(), "a non-retriable consumer error: {e}");
                        consume_errors += 1;
                    }
                }
            }
            consumer.close().await;
            (consumed, consume_errors, started.elapsed())
        })
    };
    // Faults in turn, every 150 ms, until the work is done.
    let done = Arc::new(AtomicBool::new(false));
    let injector = {
        let (mode, done) = (Arc::clone(&proxy.mode), Arc::clone(&done));
        tokio::spawn(async move {
            let plan = [
                Fault::ResetMidRequest,
                Fault::Pass,
                Fault::TruncateResponse,
                Fault::Pass,
                Fault::Delay,
                Fault::Pass,
            ];
            for fault in plan.iter().cycle() {
                if done.load(Ordering::Relaxed) {
                    break;
                }
                mode.store(*fault as u8, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(150)).await;
            }
            mode.store(Fault::Pass as u8, Ordering::SeqCst);
        })
    };

    let mut deliveries = Vec::with_capacity(count);
    for i in 0..count {
        let value = format!("v{i:05}");
        let partition = (i % partitions as usize) as i32;
        let delivery = producer
            .send(
                Record::new(topic)
                    .partition(partition)
                    .value(value.as_bytes()),
            )
            .await
            .unwrap();
        deliveries.push((partition, value, delivery));
        // Paced over a few seconds, so every kind of fault lands on both
        // the producer and the consumer.
        if i % 10 == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let mut acked: BTreeMap<i32, Vec<(i64, String)>> = BTreeMap::new();
    let mut failures = Vec::new();
    for (partition, value, delivery) in deliveries {
        match with_timeout("a delivery", 90, delivery.wait()).await {
            Ok(meta) => acked
                .entry(partition)
                .or_default()
                .push((meta.offset, value)),
            Err(e) => failures.push(e),
        }
    }
    producer.close().await;
    let produce_took = produced_at.elapsed();
    let total_acked: usize = acked.values().map(Vec::len).sum();
    target.store(total_acked as u64, Ordering::SeqCst);
    let (consumed, consume_errors, consume_took) =
        with_timeout("the group consumer", 150, consuming)
            .await
            .unwrap();

    done.store(true, Ordering::Relaxed);
    injector.await.unwrap();

    // The log itself, read without faults: every value exactly once, and
    // each partition in the order the producer sent.
    proxy.set(Fault::Pass);
    let reader = client(&bootstrap).await;
    for partition in 0..partitions {
        let log: Vec<String> = fetch_all(&reader, topic, partition)
            .await
            .into_iter()
            .map(|r| String::from_utf8(r.value.unwrap().to_vec()).unwrap())
            .collect();
        let mut sorted = log.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(
            sorted.len(),
            log.len(),
            "p{partition}: duplicates in the log"
        );
        assert!(
            log.windows(2).all(|w| w[0] < w[1]),
            "p{partition}: order broken in the log"
        );
        let acked_here = acked.get(&partition).cloned().unwrap_or_default();
        for (offset, value) in &acked_here {
            assert_eq!(
                log.get(*offset as usize),
                Some(value),
                "p{partition}: acked {value} not at {offset}"
            );
        }
        let read = consumed.get(&partition).cloned().unwrap_or_default();
        assert!(
            read.windows(2).all(|w| w[0].0 < w[1].0),
            "p{partition}: the consumer delivered out of order or twice"
        );
    }
    println!(
        "faults: {total_acked} of {count} acknowledged in {produce_took:?} ({} failed: {:?}); consumed all in {:?} with {consume_errors} retriable errors; injected {} resets mid-request, {} truncated responses, {} delayed chunks",
        failures.len(),
        failures.iter().map(ToString::to_string).collect::<Vec<_>>(),
        consume_took,
        proxy.counts.resets.load(Ordering::Relaxed),
        proxy.counts.truncations.load(Ordering::Relaxed),
        proxy.counts.delayed_chunks.load(Ordering::Relaxed),
    );
    assert!(
        failures.is_empty(),
        "deliveries failed under transient faults: {failures:?}"
    );
    assert!(proxy.counts.resets.load(Ordering::Relaxed) > 0);
    assert!(proxy.counts.truncations.load(Ordering::Relaxed) > 0);
    broker.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blackholed_broker_costs_a_timeout_and_fails_with_a_typed_error() {
    let (hole, _task) = blackhole().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = BrokerConfig::default();
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.data_dir = dir.path().into();
    let broker = broker_lite::start(config).await.unwrap();
    let live = broker.bootstrap();

    // The blackholed broker first in the bootstrap list: the producer
    // moves on after its request timeout and delivers.
    let request_timeout_ms = 1_500;
    let started = Instant::now();
    let producer = with_timeout(
        "building a producer past a blackholed bootstrap",
        30,
        ProducerConfig::new([hole.clone(), live.clone()])
            .request_timeout_ms(request_timeout_ms)
            .delivery_timeout_ms(20_000)
            .build(),
    )
    .await
    .unwrap();
    let meta = with_timeout(
        "a delivery past a blackholed bootstrap",
        30,
        producer.send_and_wait(Record::new("blackhole-ok").value(b"x")),
    )
    .await
    .unwrap();
    let past_hole = started.elapsed();
    assert!(meta.offset >= 0);
    producer.close().await;

    // Only the blackholed broker: a typed failure within its timeouts.
    let delivery_timeout_ms = 3_000;
    let started = Instant::now();
    let outcome = async {
        let producer = ProducerConfig::new([hole.clone()])
            .request_timeout_ms(request_timeout_ms)
            .delivery_timeout_ms(delivery_timeout_ms)
            .max_block_ms(delivery_timeout_ms)
            .build()
            .await?;
        producer
            .send_and_wait(Record::new("blackhole-only").value(b"x"))
            .await
    };
    let error = with_timeout("a producer whose only broker is blackholed", 30, outcome)
        .await
        .expect_err("nothing can be delivered to a blackhole");
    let failed_after = started.elapsed();
    println!(
        "blackhole: delivered past a blackholed bootstrap in {past_hole:?}; with only the blackhole, failed after {failed_after:?} with: {error}"
    );
    assert!(
        matches!(
            error,
            Error::Request(_)
                | Error::NoBrokerAvailable { .. }
                | Error::DeliveryTimeout { .. }
                | Error::MetadataTimeout { .. }
                | Error::OperationTimeout { .. }
        ),
        "an untyped or unexpected error: {error:?}"
    );
    assert!(
        failed_after < Duration::from_millis(3 * delivery_timeout_ms + 2 * request_timeout_ms),
        "hung for {failed_after:?} past timeouts of {delivery_timeout_ms} ms"
    );
    broker.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_during_the_first_api_versions_is_retried_within_the_request_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let proxy_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut config = BrokerConfig::default();
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.data_dir = dir.path().into();
    config.advertise = Some((
        "127.0.0.1".into(),
        proxy_listener.local_addr().unwrap().port(),
    ));
    let broker = broker_lite::start(config).await.unwrap();
    let proxy = FaultProxy::start(proxy_listener, broker.local_addr().to_string());
    let bootstrap = proxy.addr.clone();
    let request_timeout_ms = 1_500u64;

    // One reset armed before each build: the first bytes a new connection
    // sends (its ApiVersions request) are cut in half and both sides
    // closed. Each client must still build, by reconnecting.
    let resets = || proxy.counts.resets.load(Ordering::Relaxed);
    proxy.set(Fault::ResetMidRequest);
    let producer = with_timeout(
        "building a producer through a reset",
        30,
        ProducerConfig::new([bootstrap.clone()])
            .request_timeout_ms(request_timeout_ms)
            .build(),
    )
    .await
    .expect("a reset during the first ApiVersions is retried");
    assert_eq!(resets(), 1, "the reset hit the producer's bootstrap");
    let meta = producer
        .send_and_wait(Record::new("reset-at-build").value(b"x"))
        .await
        .unwrap();
    assert_eq!(meta.offset, 0);
    producer.close().await;

    proxy.set(Fault::ResetMidRequest);
    let consumer = with_timeout(
        "building a consumer through a reset",
        30,
        Consumer::builder([bootstrap.clone()])
            .request_timeout_ms(request_timeout_ms)
            .build(),
    )
    .await
    .expect("a reset during the first ApiVersions is retried");
    assert_eq!(resets(), 2, "the reset hit the consumer's bootstrap");
    consumer.close().await;

    proxy.set(Fault::ResetMidRequest);
    let admin = with_timeout(
        "building an admin client through a reset",
        30,
        Admin::builder([bootstrap.clone()]).build(),
    )
    .await
    .expect("a reset during the first ApiVersions is retried");
    assert_eq!(resets(), 3, "the reset hit the admin client's bootstrap");
    assert!(admin.describe_topic("reset-at-build").await.is_ok());
    admin.close().await;

    // Every connection reset: the retries stop at the request timeout,
    // with the connection's typed error.
    let rearm = {
        let mode = Arc::clone(&proxy.mode);
        tokio::spawn(async move {
            loop {
                mode.store(Fault::ResetMidRequest as u8, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        })
    };
    let before = resets();
    let started = Instant::now();
    let error = with_timeout(
        "building a producer whose every connection is reset",
        30,
        ProducerConfig::new([bootstrap.clone()])
            .request_timeout_ms(request_timeout_ms)
            .build(),
    )
    .await
    .expect_err("no connection survives");
    let failed_after = started.elapsed();
    rearm.abort();
    let attempts = resets() - before;
    println!(
        "reset at build: 3 of 3 clients built through a reset; with every connection reset, \
         failed after {failed_after:?} and {attempts} resets with: {error}"
    );
    assert!(
        matches!(error, Error::NoBrokerAvailable { .. } | Error::Request(_)),
        "an untyped or unexpected error: {error:?}"
    );
    assert!(attempts >= 2, "it gave up after {attempts} attempt(s)");
    assert!(
        failed_after < Duration::from_millis(request_timeout_ms + 1_000),
        "retried for {failed_after:?}, past the {request_timeout_ms} ms request timeout"
    );
    broker.shutdown().await.unwrap();
}
