//! `kctl broker start`: broker-lite in the foreground, stopped cleanly by
//! Ctrl-C (logs closed, clean-shutdown marker written). With `--nodes N`, a
//! local cluster: a controller here and N broker processes (this same
//! binary, run as `kctl broker start --node-id I --controller ADDR`).

use anyhow::Context;
use broker_lite::cluster::supervisor::{Cluster, ClusterOptions, NodeCommand};
use broker_lite::config::StartOptions;

use crate::cli::BrokerStartArgs;
use crate::exit::Code;

pub(crate) async fn run(args: BrokerStartArgs) -> anyhow::Result<Code> {
    if args.nodes > 1 {
        return run_cluster(args).await;
    }
    let options = StartOptions {
        config_file: args.config,
        data_dir: Some(args.data_dir),
        listen: Some(args.listen),
        advertise: args.advertise,
        flush: Some(args.flush),
        num_partitions: None,
        node_id: args.node_id,
        controller: args.controller,
    };
    let broker = broker_lite::start(options.resolve()?)
        .await
        .context("broker-lite could not start")?;
    eprintln!(
        "broker-lite listening; bootstrap server: {} (Ctrl-C to stop)",
        broker.bootstrap()
    );
    broker.run_until_ctrl_c().await?;
    Ok(Code::Success)
}

async fn run_cluster(args: BrokerStartArgs) -> anyhow::Result<Code> {
    if args.advertise.is_some() {
        anyhow::bail!(crate::exit::usage(
            "--advertise names one address; a cluster's nodes advertise their own listeners"
        ));
    }
    let defaults = StartOptions {
        config_file: args.config.clone(),
        ..StartOptions::default()
    }
    .resolve()?;
    let mut node_args = vec![
        "broker".to_owned(),
        "start".to_owned(),
        "--flush".to_owned(),
        args.flush.clone(),
    ];
    if let Some(config) = &args.config {
        node_args.push("--config".into());
        node_args.push(std::path::absolute(config)?.display().to_string());
    }
    let data_dir = std::path::absolute(&args.data_dir)?;
    let cluster = Cluster::start(ClusterOptions {
        nodes: usize::from(args.nodes),
        data_dir: data_dir.clone(),
        listen: args.listen,
        node_command: NodeCommand {
            program: std::env::current_exe().context("cannot find the kctl binary to run nodes")?,
            args: node_args,
        },
        broker_defaults: defaults,
    })
    .await
    .context("the cluster could not start")?;
    println!("BOOTSTRAP={}", cluster.bootstrap().await);
    eprintln!(
        "{} nodes serving; node logs in {}/node-ID/broker.log; `kctl broker node stop|start|kill|pause|slow ID --data-dir {}` injects faults (Ctrl-C to stop)",
        args.nodes,
        data_dir.display(),
        args.data_dir.display()
    );
    let served = cluster
        .serve_control(async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await;
    cluster.shutdown().await;
    served?;
    Ok(Code::Success)
}
