//! The command line's overrides over an optional properties file.

use std::net::SocketAddr;
use std::path::PathBuf;

use super::{BrokerConfig, ConfigError};

/// What a command line may override, over an optional properties file:
/// shared by the `broker-lite` binary and `kctl broker start`.
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    pub config_file: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub listen: Option<SocketAddr>,
    pub advertise: Option<String>,
    /// `none`, `every-batch` or `Nms`.
    pub flush: Option<String>,
    pub num_partitions: Option<i32>,
    /// `node.id`.
    pub node_id: Option<i32>,
    /// A cluster node: the controller's address (see `cluster`).
    pub controller: Option<SocketAddr>,
}

impl StartOptions {
    /// The file's settings (or the defaults), then each option given.
    pub fn resolve(&self) -> Result<BrokerConfig, ConfigError> {
        let mut config = match &self.config_file {
            Some(path) => BrokerConfig::from_properties_file(path)?,
            None => BrokerConfig::default(),
        };
        if let Some(dir) = &self.data_dir {
            config.data_dir.clone_from(dir);
        }
        if let Some(listen) = self.listen {
            config.set("listeners", &listen.to_string())?;
        }
        if let Some(advertise) = &self.advertise {
            config.set("advertised.listeners", advertise)?;
        }
        if let Some(flush) = &self.flush {
            config.set("log.flush.policy", flush)?;
        }
        if let Some(n) = self.num_partitions {
            config.set("num.partitions", &n.to_string())?;
        }
        if let Some(id) = self.node_id {
            config.set("node.id", &id.to_string())?;
        }
        if self.controller.is_some() {
            config.controller = self.controller;
        }
        Ok(config)
    }
}
