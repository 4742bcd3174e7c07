//! `kctl cluster describe`: DescribeCluster, or Metadata on older brokers.

use serde::Serialize;

use crate::connect;
use crate::exit::Code;
use crate::printer::{Table, or_dash};
use crate::settings::Settings;

#[derive(Debug, Serialize)]
struct Cluster {
    cluster_id: Option<String>,
    controller_id: Option<i32>,
    brokers: Vec<Broker>,
}

#[derive(Debug, Serialize)]
struct Broker {
    id: i32,
    host: String,
    port: i32,
    rack: Option<String>,
    controller: bool,
}

pub(crate) async fn run(settings: &Settings) -> anyhow::Result<Code> {
    let admin = connect::admin(settings).await?;
    let cluster = admin.describe_cluster().await?;
    let data = Cluster {
        brokers: cluster
            .brokers
            .into_iter()
            .map(|b| Broker {
                controller: Some(b.id) == cluster.controller_id,
                id: b.id,
                host: b.host,
                port: b.port,
                rack: b.rack,
            })
            .collect(),
        cluster_id: cluster.cluster_id,
        controller_id: cluster.controller_id,
    };
    settings.printer.emit(&data, |c| {
        let mut summary = Table::new(&["CLUSTER-ID", "CONTROLLER", "BROKERS"]);
        summary.row(vec![
            or_dash(c.cluster_id.as_ref()),
            or_dash(c.controller_id),
            c.brokers.len().to_string(),
        ]);
        let mut brokers = Table::new(&["ID", "HOST", "PORT", "RACK", "CONTROLLER"]);
        for b in &c.brokers {
            brokers.row(vec![
                b.id.to_string(),
                b.host.clone(),
                b.port.to_string(),
                or_dash(b.rack.as_ref()),
                b.controller.to_string(),
            ]);
        }
        vec![summary, brokers]
    })?;
    Ok(Code::Success)
}
