//! The listener: accepts connections, hands each to its own task, runs the
//! background maintenance tasks, and shuts everything down in order.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{Semaphore, broadcast, mpsc};
use tokio::task::JoinHandle;

use crate::config::BrokerConfig;
use crate::connection;
use crate::log::{CleanerReport, FlushPolicy};
use crate::state::{BrokerState, now_ms};

/// How long shutdown waits for connections to finish their current request.
const CONNECTION_DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// A running broker.
#[derive(Debug)]
pub struct BrokerHandle {
    local_addr: SocketAddr,
    state: Arc<BrokerState>,
    notify_shutdown: broadcast::Sender<()>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl BrokerHandle {
    /// The address the broker is bound to (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `host:port` as advertised to clients.
    pub fn bootstrap(&self) -> String {
        let (host, port) = &self.state.advertised;
        format!("{host}:{port}")
    }

    pub fn cluster_id(&self) -> &str {
        &self.state.cluster_id
    }

    /// Runs one pass of the log cleaner now, as the maintenance task does
    /// every `log.cleaner.backoff.ms`: for tests and tools that need
    /// compaction at a known moment.
    pub async fn run_log_cleaner(&self) -> anyhow::Result<CleanerReport> {
        let state = Arc::clone(&self.state);
        Ok(tokio::task::spawn_blocking(move || clean_logs(&state)).await?)
    }

    /// Stops accepting, lets connections finish their current request,
    /// closes every log and leaves the clean-shutdown marker.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        // No receivers left only means the server already stopped.
        let _ = self.notify_shutdown.send(());
        self.task.await?
    }

    /// Runs until Ctrl-C (SIGINT), then shuts down; with no signal handler
    /// available, until the process is killed.
    pub async fn run_until_ctrl_c(self) -> anyhow::Result<()> {
        self.run_until(async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await
    }

    /// Runs until `signal` completes, then shuts down.
    pub async fn run_until(self, signal: impl Future<Output = ()>) -> anyhow::Result<()> {
        signal.await;
        tracing::info!("shutting down");
        self.shutdown().await
    }
}

/// Binds the listener, opens (and if needed recovers) the data directory,
/// and starts serving.
pub async fn start(config: BrokerConfig) -> anyhow::Result<BrokerHandle> {
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
    let local_addr = listener.local_addr()?;
    let advertised = config.advertise.clone().unwrap_or_else(|| {
        let host = if local_addr.ip().is_unspecified() {
            "127.0.0.1".to_owned()
        } else {
            local_addr.ip().to_string()
        };
        (host, local_addr.port())
    });
    let state = Arc::new(
        tokio::task::spawn_blocking(move || BrokerState::open(config, advertised)).await??,
    );
    if let Some(node) = &state.cluster {
        // A cluster node serves only once it is registered and holds the
        // controller's image, so its first Metadata answer already agrees.
        crate::cluster::join(&state, node).await?;
    }
    tracing::info!(
        listen = %local_addr,
        advertised = %format!("{}:{}", state.advertised.0, state.advertised.1),
        data_dir = %state.config.data_dir.display(),
        cluster_id = %state.cluster_id,
        "broker-lite started"
    );
    let (notify_shutdown, _) = broadcast::channel(1);
    let task = tokio::spawn(serve(listener, Arc::clone(&state), notify_shutdown.clone()));
    Ok(BrokerHandle {
        local_addr,
        state,
        notify_shutdown,
        task,
    })
}

async fn serve(
    listener: TcpListener,
    state: Arc<BrokerState>,
    notify_shutdown: broadcast::Sender<()>,
) -> anyhow::Result<()> {
    let limit_connections = Arc::new(Semaphore::new(state.config.max_connections));
    // Each connection task holds a clone of this sender; when all are
    // dropped, `recv` returns None and every connection has finished.
    let (shutdown_complete_tx, mut shutdown_complete_rx) = mpsc::channel::<()>(1);
    let mut shutdown = notify_shutdown.subscribe();
    let maintenance = tokio::spawn(maintain(Arc::clone(&state), notify_shutdown.subscribe()));
    let group_timers = {
        let state = Arc::clone(&state);
        let shutdown = notify_shutdown.subscribe();
        tokio::spawn(async move { state.groups.run(shutdown).await })
    };
    let share_timers = {
        let state = Arc::clone(&state);
        let shutdown = notify_shutdown.subscribe();
        tokio::spawn(async move {
            let counts = || {
                state
                    .topics()
                    .iter()
                    .map(|t| (t.name.clone(), t.partition_count()))
                    .collect()
            };
            state.shares.run(counts, shutdown).await
        })
    };
    let txn_timer = tokio::spawn(crate::txn::TxnCoordinator::run(
        Arc::clone(&state),
        notify_shutdown.subscribe(),
    ));
    let cluster_tasks = state.cluster.as_ref().map(|node| {
        let heartbeats = crate::cluster::spawn_heartbeats(
            Arc::clone(&state),
            Arc::clone(node),
            notify_shutdown.subscribe(),
        );
        let image_puller = tokio::spawn(crate::cluster::run_image_puller(
            Arc::clone(&state),
            Arc::clone(node),
            notify_shutdown.subscribe(),
        ));
        let isr = tokio::spawn(crate::cluster::run_isr_maintenance(
            Arc::clone(&state),
            Arc::clone(node),
            notify_shutdown.subscribe(),
        ));
        let fetchers = tokio::spawn(crate::cluster::run_fetchers(
            Arc::clone(&state),
            Arc::clone(node),
            notify_shutdown.clone(),
        ));
        state
            .groups
            .replicate_to(crate::cluster::coordinator_log::GroupLogReplicator::new(
                &state,
                Arc::clone(node),
            ));
        let group_loader = tokio::spawn(crate::cluster::coordinator_log::run_group_loader(
            Arc::clone(&state),
            Arc::clone(node),
            notify_shutdown.subscribe(),
        ));
        let producer_ids = tokio::spawn(crate::cluster::run_producer_id_blocks(
            Arc::clone(&state),
            Arc::clone(node),
            notify_shutdown.subscribe(),
        ));
        let markers = tokio::spawn(crate::cluster::txn_channel::run_marker_sender(
            Arc::clone(&state),
            Arc::clone(node),
            notify_shutdown.subscribe(),
        ));
        state
            .txns
            .replicate_to(crate::cluster::txn_log::TxnLogReplicator::new(
                &state,
                Arc::clone(node),
            ));
        let txn_loader = tokio::spawn(crate::cluster::txn_log::run_txn_loader(
            Arc::clone(&state),
            Arc::clone(node),
            notify_shutdown.subscribe(),
        ));
        [
            heartbeats,
            image_puller,
            isr,
            fetchers,
            group_loader,
            producer_ids,
            markers,
            txn_loader,
        ]
    });

    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.recv() => break,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                // Out of file descriptors and the like: back off rather than spin.
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(permit) = Arc::clone(&limit_connections).try_acquire_owned() else {
            tracing::warn!(%peer, limit = state.config.max_connections, "connection limit reached; closing new connection");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let state = Arc::clone(&state);
        let shutdown = notify_shutdown.subscribe();
        let done = shutdown_complete_tx.clone();
        tokio::spawn(async move {
            connection::serve(stream, peer, state, shutdown).await;
            drop(permit);
            drop(done);
        });
    }

    drop(listener);
    drop(shutdown_complete_tx);
    if tokio::time::timeout(CONNECTION_DRAIN_TIMEOUT, shutdown_complete_rx.recv())
        .await
        .is_err()
    {
        tracing::warn!(
            "connections still open after {CONNECTION_DRAIN_TIMEOUT:?}; closing logs anyway"
        );
    }
    maintenance.abort();
    let _ = maintenance.await;
    // It has seen the shutdown signal already; this only waits for it.
    let _ = group_timers.await;
    let _ = share_timers.await;
    let _ = txn_timer.await;
    for task in cluster_tasks.into_iter().flatten() {
        let _ = task.await;
    }
    tokio::task::spawn_blocking(move || state.close()).await??;
    tracing::info!("broker-lite stopped cleanly");
    Ok(())
}

/// Retention and, with `FlushPolicy::IntervalMs`, periodic fsync. Both run on
/// the blocking pool: they touch the disk.
async fn maintain(state: Arc<BrokerState>, mut shutdown: broadcast::Receiver<()>) {
    let mut retention = tokio::time::interval(Duration::from_millis(
        state.config.retention_check_interval_ms,
    ));
    let flush_every_ms = match state.config.log.flush {
        FlushPolicy::IntervalMs(ms) => ms,
        // An interval that never fires keeps the select below uniform.
        _ => u64::from(u32::MAX),
    };
    let mut flush = tokio::time::interval(Duration::from_millis(flush_every_ms));
    let clean_every_ms = if state.config.log_cleaner_enable {
        state.config.log_cleaner_backoff_ms
    } else {
        u64::from(u32::MAX)
    };
    let mut cleaner = tokio::time::interval(Duration::from_millis(clean_every_ms));
    retention.tick().await;
    flush.tick().await;
    cleaner.tick().await;
    loop {
        tokio::select! {
            _ = retention.tick() => {
                let state = Arc::clone(&state);
                let _ = tokio::task::spawn_blocking(move || apply_retention(&state)).await;
            }
            _ = flush.tick() => {
                let state = Arc::clone(&state);
                let _ = tokio::task::spawn_blocking(move || flush_all(&state)).await;
            }
            _ = cleaner.tick() => {
                let state = Arc::clone(&state);
                let _ = tokio::task::spawn_blocking(move || clean_logs(&state)).await;
            }
            _ = shutdown.recv() => return,
        }
    }
}

fn apply_retention(state: &BrokerState) {
    let now = now_ms();
    for topic in state.topics() {
        for partition in topic.partitions() {
            if let Some(Err(e)) = partition.with_log(|log| log.apply_retention(now)) {
                tracing::warn!(topic = %topic.name, partition = partition.index, "retention failed: {e}");
            }
        }
    }
}

/// One cleaner pass over every compacted partition. Each partition's lock
/// is held only to plan and to swap; records are decoded without it.
fn clean_logs(state: &BrokerState) -> CleanerReport {
    let mut total = CleanerReport::default();
    for topic in state.topics() {
        for partition in topic.partitions() {
            let now = now_ms();
            let Some(Some(plan)) = partition.with_log(|log| log.plan_cleaning(now)) else {
                continue;
            };
            let outcome = plan.run(now);
            match partition.with_log(|log| log.finish_cleaning(plan, outcome)) {
                Some(Ok(report)) => total.add(&report),
                Some(Err(e)) => {
                    tracing::warn!(topic = %topic.name, partition = partition.index, "compaction failed: {e}")
                }
                // Deleted or closed meanwhile; recovery removes the output.
                None => {}
            }
        }
    }
    total
}

fn flush_all(state: &BrokerState) {
    if let Err(e) = state.groups.flush() {
        tracing::error!("group log flush failed: {e}");
    }
    if let Err(e) = state.shares.flush() {
        tracing::error!("share-group log flush failed: {e}");
    }
    if let Err(e) = state.txns.flush() {
        tracing::error!("transaction log flush failed: {e}");
    }
    for topic in state.topics() {
        for partition in topic.partitions() {
            if let Some(Err(e)) = partition.with_log(|log| log.flush()) {
                tracing::error!(topic = %topic.name, partition = partition.index, "flush failed: {e}");
            }
        }
    }
}
