//! Group join time: from the first JoinGroup until the group is Stable with
//! every member, for 1, 10 and 50 members, with
//! `group.initial.rebalance.delay.ms=0`.
//!
//! Each member has its own connection and behaves like a client: JoinGroup
//! v9 (so MEMBER_ID_REQUIRED first), SyncGroup v5, then heartbeats until a
//! rebalance asks it to rejoin. With no initial delay the first generation
//! holds whoever arrived first, and later arrivals cause further rebalances,
//! so the time includes those. Members heartbeat every 5 ms while waiting,
//! so the number measures the coordinator rather than a heartbeat interval
//! (real clients use ~3 s, which dominates in practice).
//!
//! The group is Stable with everyone once the leader's JoinGroup response
//! lists every member and its SyncGroup succeeded. Connections are opened
//! before the clock starts; members leave after it stops.

use std::sync::Arc;
use std::time::{Duration, Instant};

use broker_lite::config::BrokerConfig;
use bytes::{Bytes, BytesMut};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use kctl_client::protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kctl_client::protocol::messages::leave_group_request::MemberIdentity;
use kctl_client::protocol::messages::sync_group_request::SyncGroupRequestAssignment;
use kctl_client::protocol::messages::{
    GroupId, HeartbeatRequest, JoinGroupRequest, LeaveGroupRequest, SyncGroupRequest,
};
use kctl_client::protocol::{ErrorCode, Request, StrBytes, frame, header};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Barrier, watch};

const HEARTBEAT_INTERVAL: Duration = Duration::from_millis(5);

struct Connection {
    stream: TcpStream,
    buf: BytesMut,
    correlation_id: i32,
}

impl Connection {
    async fn open(addr: &str) -> Self {
        let stream = TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        Self {
            stream,
            buf: BytesMut::new(),
            correlation_id: 0,
        }
    }

    async fn send<R: Request>(&mut self, version: i16, request: &R) -> R::Response {
        self.correlation_id += 1;
        let mut out = BytesMut::new();
        header::encode_request(
            &mut out,
            version,
            self.correlation_id,
            Some("bench"),
            request,
        )
        .unwrap();
        self.stream.write_all(&out).await.unwrap();
        loop {
            if let Some(frame) = frame::decode(&mut self.buf, 1 << 30).unwrap() {
                return header::decode_response::<R>(frame.freeze(), version)
                    .unwrap()
                    .1;
            }
            assert!(self.stream.read_buf(&mut self.buf).await.unwrap() > 0);
        }
    }
}

fn s(value: &str) -> StrBytes {
    StrBytes::from_string(value.to_owned())
}

/// One member until the group is Stable with all `size` members.
async fn member(
    mut conn: Connection,
    group: String,
    size: usize,
    start: Arc<Barrier>,
    done_tx: watch::Sender<bool>,
) -> Connection {
    let mut done = done_tx.subscribe();
    start.wait().await;
    let mut member_id = StrBytes::default();
    'rejoin: loop {
        let join = JoinGroupRequest::default()
            .with_group_id(GroupId(s(&group)))
            .with_session_timeout_ms(30_000)
            .with_rebalance_timeout_ms(30_000)
            .with_member_id(member_id.clone())
            .with_protocol_type(s("consumer"))
            .with_protocols(vec![
                JoinGroupRequestProtocol::default()
                    .with_name(s("range"))
                    .with_metadata(Bytes::from_static(
                        b"\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff",
                    )),
            ]);
        let mut joined = conn.send(9, &join).await;
        if joined.error_code == ErrorCode::MemberIdRequired.code() {
            member_id = joined.member_id.clone();
            joined = conn.send(9, &join.with_member_id(member_id.clone())).await;
        }
        if joined.error_code == ErrorCode::UnknownMemberId.code() {
            member_id = StrBytes::default();
        }
        if joined.error_code != 0 {
            continue;
        }
        member_id = joined.member_id.clone();
        let leader = joined.leader == joined.member_id;
        let assignments = joined
            .members
            .iter()
            .map(|m| {
                SyncGroupRequestAssignment::default()
                    .with_member_id(m.member_id.clone())
                    .with_assignment(Bytes::new())
            })
            .collect();
        let synced = conn
            .send(
                5,
                &SyncGroupRequest::default()
                    .with_group_id(GroupId(s(&group)))
                    .with_generation_id(joined.generation_id)
                    .with_member_id(member_id.clone())
                    .with_protocol_type(Some(s("consumer")))
                    .with_protocol_name(Some(s("range")))
                    .with_assignments(if leader { assignments } else { Vec::new() }),
            )
            .await;
        if synced.error_code != 0 {
            continue;
        }
        if leader && joined.members.len() == size {
            done_tx.send_replace(true);
            break;
        }
        loop {
            tokio::select! {
                _ = done.wait_for(|d| *d) => break 'rejoin,
                () = tokio::time::sleep(HEARTBEAT_INTERVAL) => {}
            }
            let beat = conn
                .send(
                    4,
                    &HeartbeatRequest::default()
                        .with_group_id(GroupId(s(&group)))
                        .with_generation_id(joined.generation_id)
                        .with_member_id(member_id.clone()),
                )
                .await;
            if beat.error_code != 0 {
                continue 'rejoin;
            }
        }
    }
    conn.send(
        5,
        &LeaveGroupRequest::default()
            .with_group_id(GroupId(s(&group)))
            .with_members(vec![MemberIdentity::default().with_member_id(member_id)]),
    )
    .await;
    conn
}

fn group_join(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let broker = runtime.block_on(async {
        let mut config = BrokerConfig::default();
        config.listen = "127.0.0.1:0".parse().unwrap();
        config.data_dir = dir.path().to_owned();
        config.group.initial_rebalance_delay_ms = 0;
        broker_lite::start(config).await.unwrap()
    });
    let bootstrap = broker.bootstrap();
    let mut bench = c.benchmark_group("group_join");
    bench.sample_size(20);
    bench.measurement_time(Duration::from_secs(10));
    let mut round = 0u64;
    for size in [1usize, 10, 50] {
        bench.bench_with_input(BenchmarkId::from_parameter(size), &size, |b, &size| {
            b.iter_custom(|iterations| {
                runtime.block_on(async {
                    let mut total = Duration::ZERO;
                    for _ in 0..iterations {
                        round += 1;
                        let group = format!("bench-{size}-{round}");
                        let mut connections = Vec::with_capacity(size);
                        for _ in 0..size {
                            connections.push(Connection::open(&bootstrap).await);
                        }
                        let start = Arc::new(Barrier::new(size + 1));
                        let (done_tx, mut done) = watch::channel(false);
                        let members: Vec<_> = connections
                            .into_iter()
                            .map(|conn| {
                                tokio::spawn(member(
                                    conn,
                                    group.clone(),
                                    size,
                                    Arc::clone(&start),
                                    done_tx.clone(),
                                ))
                            })
                            .collect();
                        start.wait().await;
                        let began = Instant::now();
                        done.wait_for(|d| *d).await.unwrap();
                        total += began.elapsed();
                        for member in members {
                            member.await.unwrap();
                        }
                    }
                    total
                })
            });
        });
    }
    bench.finish();
    runtime.block_on(broker.shutdown()).unwrap();
}

criterion_group!(benches, group_join);
criterion_main!(benches);
