//! `kctl broker node stop|start|kill|pause|resume|slow ID`: fault injection
//! on a local cluster, through its control socket in the data directory.

use broker_lite::cluster::supervisor::{ClusterError, send_control};

use crate::cli::BrokerNodeCommand;
use crate::exit::{Code, Failure};

pub(crate) async fn run(command: BrokerNodeCommand) -> anyhow::Result<Code> {
    let (verb, args, extra) = match &command {
        BrokerNodeCommand::Stop(a) => ("stop", a, String::new()),
        BrokerNodeCommand::Start(a) => ("start", a, String::new()),
        BrokerNodeCommand::Kill(a) => ("kill", a, String::new()),
        BrokerNodeCommand::Pause(a) => ("pause", a, String::new()),
        BrokerNodeCommand::Resume(a) => ("resume", a, String::new()),
        BrokerNodeCommand::Slow(a) => ("slow", &a.node, format!(" {}", a.delay_ms)),
    };
    match send_control(&args.data_dir, &format!("{verb} {}{extra}", args.id)).await {
        Ok(message) => {
            println!("node {}: {message}", args.id);
            Ok(Code::Success)
        }
        Err(ClusterError::Io { what, source }) => {
            Err(Failure::new(Code::NotFound, format!("{what}: {source}"))
                .hint("start one with `kctl broker start --nodes 3 --data-dir DIR`")
                .into())
        }
        Err(e) => {
            let code = if e.to_string().contains("no node") {
                Code::NotFound
            } else {
                Code::Failure
            };
            Err(Failure::new(code, e.to_string()).into())
        }
    }
}
