//! Runs a local cluster: the controller in this process, and each broker
//! as its own OS process (so `kill` of one is a real process kill), plus a
//! control endpoint that stops, starts, kills, pauses and slows nodes.
//!
//! Layout under the data directory: `controller/` (the image),
//! `node-<id>/` (each broker's data and `broker.log`), `control.sock`.
//! Node `i` listens on the first node's port + `i - 1`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::process::{Child, Command};
use tokio::sync::Mutex;

use super::controller::{ControllerConfig, ControllerError};
use super::controller_server::{ControllerHandle, start_controller};
use crate::config::BrokerConfig;

/// The control endpoint's socket, in the cluster's data directory.
pub const CONTROL_SOCKET: &str = "control.sock";
/// The file a slowed node reads its added response delay from.
pub const RESPONSE_DELAY_FILE: &str = "fault.response-delay-ms";
/// How long `start` waits for every node to register and serve.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a stopped node gets to shut down cleanly before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClusterError {
    #[error(transparent)]
    Controller(#[from] ControllerError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("no node {0} in this cluster")]
    UnknownNode(i32),
    #[error("node {node} is {state}")]
    WrongState { node: i32, state: &'static str },
    #[error("the cluster did not become ready within {0:?}: {1}")]
    NotReady(Duration, String),
    #[error("node {node} exited while starting ({status}); see {log}")]
    NodeExited {
        node: i32,
        status: String,
        log: PathBuf,
    },
    #[error("{0}")]
    Control(String),
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> ClusterError {
    let what = what.into();
    move |source| ClusterError::Io { what, source }
}

/// How to start one broker process: `program args... --node-id I --listen
/// ADDR --data-dir DIR --controller ADDR` (the flags `broker-lite` and
/// `kctl broker start` both take).
#[derive(Debug, Clone)]
pub struct NodeCommand {
    pub program: PathBuf,
    pub args: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ClusterOptions {
    pub nodes: usize,
    pub data_dir: PathBuf,
    /// Node 1's listener; node i takes port + i - 1 (port 0: each node
    /// picks a free port, then keeps it across restarts).
    pub listen: SocketAddr,
    pub node_command: NodeCommand,
    /// Topic defaults and controller settings (`broker.session.timeout.ms`,
    /// `unclean.leader.election.enable`), as the nodes read them too.
    pub broker_defaults: BrokerConfig,
}

#[derive(Debug)]
struct NodeProcess {
    listen: SocketAddr,
    child: Option<Child>,
    paused: bool,
}

/// A running local cluster.
#[derive(Debug)]
pub struct Cluster {
    options: ClusterOptions,
    controller: Option<ControllerHandle>,
    nodes: Mutex<BTreeMap<i32, NodeProcess>>,
}

impl Cluster {
    /// Starts the controller and every node, and waits until each node is
    /// registered and serving.
    pub async fn start(options: ClusterOptions) -> Result<Self, ClusterError> {
        let defaults = &options.broker_defaults;
        let controller = start_controller(
            ControllerConfig {
                dir: options.data_dir.join("controller"),
                session_timeout_ms: defaults.broker_session_timeout_ms,
                unclean_leader_election: defaults.unclean_leader_election,
                broker_defaults: defaults.clone(),
                auto_leader_rebalance: defaults.auto_leader_rebalance,
                leader_imbalance_check_interval_seconds: defaults
                    .leader_imbalance_check_interval_seconds,
            },
            SocketAddr::from(([127, 0, 0, 1], 0)),
        )
        .await?;
        let mut nodes = BTreeMap::new();
        for i in 1..=options.nodes as i32 {
            let port = match options.listen.port() {
                0 => 0,
                first => first.checked_add(i as u16 - 1).ok_or_else(|| {
                    ClusterError::Control(format!("no port for node {i} after {}", options.listen))
                })?,
            };
            let listen = SocketAddr::new(options.listen.ip(), port);
            let dir = node_dir(&options.data_dir, i);
            crate::state::format_node_dir(&dir, &controller.controller.cluster_id, i)
                .map_err(io(format!("cannot prepare {}", dir.display())))?;
            nodes.insert(
                i,
                NodeProcess {
                    listen,
                    child: None,
                    paused: false,
                },
            );
        }
        let cluster = Self {
            options,
            controller: Some(controller),
            nodes: Mutex::new(nodes),
        };
        let ids: Vec<i32> = cluster.nodes.lock().await.keys().copied().collect();
        for id in &ids {
            cluster.start_node(*id).await?;
        }
        cluster.wait_until_live(&ids, READY_TIMEOUT).await?;
        Ok(cluster)
    }

    /// `host:port` of every node, comma-separated, for clients.
    pub async fn bootstrap(&self) -> String {
        self.nodes
            .lock()
            .await
            .values()
            .map(|n| n.listen.to_string())
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn data_dir(&self) -> &Path {
        &self.options.data_dir
    }

    pub fn controller(&self) -> Option<&ControllerHandle> {
        self.controller.as_ref()
    }

    /// Waits until the controller sees `ids` registered and unfenced and
    /// each of their listeners accepts connections.
    pub async fn wait_until_live(
        &self,
        ids: &[i32],
        timeout: Duration,
    ) -> Result<(), ClusterError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let image = self
                .controller
                .as_ref()
                .map(|c| c.controller.image())
                .unwrap_or_default();
            let mut waiting = Vec::new();
            for id in ids {
                self.check_running(*id).await?;
                let listen = {
                    let mut nodes = self.nodes.lock().await;
                    let node = nodes.get_mut(id).ok_or(ClusterError::UnknownNode(*id))?;
                    // Port 0 (tests): the node registered the port it got,
                    // and keeps it across restarts.
                    if node.listen.port() == 0
                        && let Some(b) = image.brokers.get(id).filter(|b| !b.fenced)
                    {
                        node.listen.set_port(b.port);
                    }
                    node.listen
                };
                let serving =
                    listen.port() != 0 && tokio::net::TcpStream::connect(listen).await.is_ok();
                if !image.is_live(*id) || !serving {
                    waiting.push(*id);
                }
            }
            if waiting.is_empty() {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ClusterError::NotReady(
                    timeout,
                    format!("nodes {waiting:?} are not serving"),
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn check_running(&self, id: i32) -> Result<(), ClusterError> {
        let mut nodes = self.nodes.lock().await;
        let node = nodes.get_mut(&id).ok_or(ClusterError::UnknownNode(id))?;
        if let Some(child) = &mut node.child
            && let Ok(Some(status)) = child.try_wait()
        {
            node.child = None;
            return Err(ClusterError::NodeExited {
                node: id,
                status: status.to_string(),
                log: node_dir(&self.options.data_dir, id).join("broker.log"),
            });
        }
        Ok(())
    }

    /// Starts a stopped or killed node; it recovers its log and catches up.
    pub async fn start_node(&self, id: i32) -> Result<(), ClusterError> {
        let mut nodes = self.nodes.lock().await;
        let node = nodes.get_mut(&id).ok_or(ClusterError::UnknownNode(id))?;
        if let Some(child) = &mut node.child
            && child.try_wait().ok().flatten().is_none()
        {
            return Err(ClusterError::WrongState {
                node: id,
                state: "already running",
            });
        }
        let Some(controller) = &self.controller else {
            return Err(ClusterError::Control("the cluster is shutting down".into()));
        };
        let dir = node_dir(&self.options.data_dir, id);
        let _ = std::fs::remove_file(dir.join(RESPONSE_DELAY_FILE));
        let log_path = dir.join("broker.log");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(io(format!("cannot open {}", log_path.display())))?;
        let log_err = log.try_clone().map_err(io("cannot share the node log"))?;
        let command = &self.options.node_command;
        let child = Command::new(&command.program)
            .args(&command.args)
            .arg("--node-id")
            .arg(id.to_string())
            .arg("--listen")
            .arg(node.listen.to_string())
            .arg("--data-dir")
            .arg(&dir)
            .arg("--controller")
            .arg(controller.local_addr().to_string())
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .kill_on_drop(true)
            .spawn()
            .map_err(io(format!(
                "cannot start node {id} ({})",
                command.program.display()
            )))?;
        tracing::info!(node = id, pid = child.id(), listen = %node.listen, "node started");
        node.child = Some(child);
        node.paused = false;
        Ok(())
    }

    /// Stops a node cleanly (SIGINT): it hands its leaderships over
    /// (controlled shutdown), closes its listener and logs, and exits.
    pub async fn stop_node(&self, id: i32) -> Result<(), ClusterError> {
        let mut child = self.take_running(id).await?;
        signal(&child, "CONT").await?;
        signal(&child, "INT").await?;
        match tokio::time::timeout(STOP_TIMEOUT, child.wait()).await {
            Ok(_) => Ok(()),
            Err(_) => {
                tracing::warn!(node = id, "did not stop in time; killing it");
                let _ = child.kill().await;
                Ok(())
            }
        }
    }

    /// Kills a node (SIGKILL): whatever it had not written is lost, and the
    /// controller notices only when its heartbeats stop.
    pub async fn kill_node(&self, id: i32) -> Result<(), ClusterError> {
        let mut child = self.take_running(id).await?;
        child
            .kill()
            .await
            .map_err(io(format!("cannot kill node {id}")))?;
        Ok(())
    }

    /// Freezes a node (SIGSTOP) without closing its sockets; `start`
    /// (or `resume`) thaws it.
    pub async fn pause_node(&self, id: i32) -> Result<(), ClusterError> {
        let mut nodes = self.nodes.lock().await;
        let node = nodes.get_mut(&id).ok_or(ClusterError::UnknownNode(id))?;
        let child = node.child.as_ref().ok_or(ClusterError::WrongState {
            node: id,
            state: "not running",
        })?;
        signal(child, "STOP").await?;
        node.paused = true;
        Ok(())
    }

    pub async fn resume_node(&self, id: i32) -> Result<(), ClusterError> {
        let mut nodes = self.nodes.lock().await;
        let node = nodes.get_mut(&id).ok_or(ClusterError::UnknownNode(id))?;
        let child = node.child.as_ref().ok_or(ClusterError::WrongState {
            node: id,
            state: "not running",
        })?;
        signal(child, "CONT").await?;
        node.paused = false;
        Ok(())
    }

    /// Delays every response of a node by `delay_ms` (0 ends it). The node
    /// reads the delay from a file in its data directory on each heartbeat.
    pub async fn slow_node(&self, id: i32, delay_ms: u64) -> Result<(), ClusterError> {
        if !self.nodes.lock().await.contains_key(&id) {
            return Err(ClusterError::UnknownNode(id));
        }
        let path = node_dir(&self.options.data_dir, id).join(RESPONSE_DELAY_FILE);
        crate::state::write_file_atomically(&path, delay_ms.to_string().as_bytes())
            .map_err(io(format!("cannot write {}", path.display())))
    }

    async fn take_running(&self, id: i32) -> Result<Child, ClusterError> {
        let mut nodes = self.nodes.lock().await;
        let node = nodes.get_mut(&id).ok_or(ClusterError::UnknownNode(id))?;
        node.paused = false;
        node.child.take().ok_or(ClusterError::WrongState {
            node: id,
            state: "not running",
        })
    }

    /// Stops every node cleanly, then the controller.
    pub async fn shutdown(mut self) {
        let ids: Vec<i32> = self.nodes.lock().await.keys().copied().collect();
        for id in ids {
            let _ = self.stop_node(id).await;
        }
        if let Some(controller) = self.controller.take() {
            controller.shutdown().await;
        }
        let _ = std::fs::remove_file(self.options.data_dir.join(CONTROL_SOCKET));
    }

    /// Serves the control endpoint until `stop` completes.
    pub async fn serve_control(&self, stop: impl Future<Output = ()>) -> Result<(), ClusterError> {
        let path = self.options.data_dir.join(CONTROL_SOCKET);
        let _ = std::fs::remove_file(&path);
        let listener =
            UnixListener::bind(&path).map_err(io(format!("cannot bind {}", path.display())))?;
        tokio::pin!(stop);
        loop {
            let stream = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(_) => continue,
                },
                () = &mut stop => return Ok(()),
            };
            // One command per connection, handled in turn.
            let _ = self.control_connection(stream).await;
        }
    }

    async fn control_connection(&self, stream: UnixStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut line = String::new();
        BufReader::new(read).read_line(&mut line).await?;
        let answer = match self.control(line.trim()).await {
            Ok(message) => format!("ok {message}\n"),
            Err(e) => format!("error {e}\n"),
        };
        write.write_all(answer.as_bytes()).await
    }

    /// One control command: `stop|start|kill|pause|resume ID`,
    /// `slow ID DELAY_MS`, or `bootstrap`.
    pub async fn control(&self, command: &str) -> Result<String, ClusterError> {
        let words: Vec<&str> = command.split_whitespace().collect();
        let id = |i: usize| -> Result<i32, ClusterError> {
            words
                .get(i)
                .and_then(|w| w.parse().ok())
                .ok_or_else(|| ClusterError::Control(format!("expected a node id in {command:?}")))
        };
        match words.first().copied() {
            Some("bootstrap") => Ok(self.bootstrap().await),
            Some("stop") => self.stop_node(id(1)?).await.map(|()| "stopped".into()),
            Some("kill") => self.kill_node(id(1)?).await.map(|()| "killed".into()),
            Some("pause") => self.pause_node(id(1)?).await.map(|()| "paused".into()),
            Some("resume") => self.resume_node(id(1)?).await.map(|()| "resumed".into()),
            Some("start") => {
                let node = id(1)?;
                let paused = self.nodes.lock().await.get(&node).is_some_and(|n| n.paused);
                if paused {
                    return self.resume_node(node).await.map(|()| "resumed".into());
                }
                self.start_node(node).await?;
                self.wait_until_live(&[node], READY_TIMEOUT).await?;
                Ok("started".into())
            }
            Some("slow") => {
                let node = id(1)?;
                let delay_ms = words
                    .get(2)
                    .and_then(|w| w.parse().ok())
                    .ok_or_else(|| ClusterError::Control("slow needs a delay in ms".into()))?;
                self.slow_node(node, delay_ms)
                    .await
                    .map(|()| format!("slowed by {delay_ms} ms"))
            }
            _ => Err(ClusterError::Control(format!(
                "unknown command {command:?}"
            ))),
        }
    }
}

/// Sends one command to a running cluster's control endpoint and returns
/// its answer (for `kctl broker node ...`).
pub async fn send_control(data_dir: &Path, command: &str) -> Result<String, ClusterError> {
    let path = data_dir.join(CONTROL_SOCKET);
    let stream = UnixStream::connect(&path).await.map_err(io(format!(
        "no cluster is running in {} ({})",
        data_dir.display(),
        path.display()
    )))?;
    let (read, mut write) = stream.into_split();
    write
        .write_all(format!("{command}\n").as_bytes())
        .await
        .map_err(io("cannot send the command"))?;
    let mut line = String::new();
    BufReader::new(read)
        .read_line(&mut line)
        .await
        .map_err(io("no answer from the cluster"))?;
    match line.trim().split_once(' ') {
        Some(("ok", message)) => Ok(message.to_owned()),
        Some(("error", message)) => Err(ClusterError::Control(message.to_owned())),
        _ => Err(ClusterError::Control(format!("unexpected answer {line:?}"))),
    }
}

pub fn node_dir(data_dir: &Path, id: i32) -> PathBuf {
    data_dir.join(format!("node-{id}"))
}

/// Signals through kill(1): the workspace forbids `unsafe`, which calling
/// kill(2) directly would need.
async fn signal(child: &Child, name: &str) -> Result<(), ClusterError> {
    let Some(pid) = child.id() else {
        return Ok(());
    };
    let status = Command::new("kill")
        .arg("-s")
        .arg(name)
        .arg(pid.to_string())
        .status()
        .await
        .map_err(io("cannot run kill"))?;
    if !status.success() {
        return Err(ClusterError::Control(format!(
            "kill -s {name} {pid} failed"
        )));
    }
    Ok(())
}
