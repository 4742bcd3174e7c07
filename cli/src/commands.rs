//! One module per subcommand, named noun_verb. Each takes its parsed
//! arguments and the resolved settings and returns the exit code; errors
//! are turned into exit codes by `exit::report`.

pub(crate) mod acl_create;
pub(crate) mod acl_delete;
pub(crate) mod acl_list;
pub(crate) mod broker_node;
pub(crate) mod broker_start;
pub(crate) mod cluster_describe;
pub(crate) mod completion;
pub(crate) mod config_delete;
pub(crate) mod config_get;
pub(crate) mod config_set;
pub(crate) mod consume;
pub(crate) mod context_add;
pub(crate) mod context_import;
pub(crate) mod context_list;
pub(crate) mod context_remove;
pub(crate) mod context_use;
pub(crate) mod demo;
pub(crate) mod find;
pub(crate) mod group_delete;
pub(crate) mod group_delete_offsets;
pub(crate) mod group_describe;
pub(crate) mod group_list;
pub(crate) mod group_reset_offsets;
pub(crate) mod health;
pub(crate) mod man;
mod offset_history;
pub(crate) mod offsets;
pub(crate) mod perf_consume;
pub(crate) mod perf_e2e;
pub(crate) mod perf_produce;
pub(crate) mod produce;
pub(crate) mod produce_txn;
pub(crate) mod share_consume;
pub(crate) mod share_delete;
pub(crate) mod share_delete_offsets;
pub(crate) mod share_describe;
pub(crate) mod share_reset_offsets;
mod shared;
pub(crate) mod topic_alter;
pub(crate) mod topic_create;
pub(crate) mod topic_delete;
pub(crate) mod topic_describe;
pub(crate) mod topic_list;
pub(crate) mod tui;
pub(crate) mod txn_describe;
pub(crate) mod txn_list;
pub(crate) mod txn_producers;

use crate::cli::{
    AclCommand, BrokerCommand, Cli, ClusterCommand, Command, ConfigCommand, ContextCommand,
    GlobalArgs, GroupCommand, PerfCommand, ShareCommand, TopicCommand, TxnCommand,
};
use crate::exit::Code;
use crate::settings::Settings;

/// Runs a command that needs the async runtime.
pub(crate) async fn run(cli: Cli) -> anyhow::Result<Code> {
    if let Command::Broker {
        command: BrokerCommand::Start(args),
    } = cli.command
    {
        return broker_start::run(args).await;
    }
    if let Command::Broker {
        command: BrokerCommand::Node { command },
    } = cli.command
    {
        return broker_node::run(command).await;
    }
    if let Command::Demo(args) = cli.command {
        return demo::run(&cli.global, args).await;
    }
    let settings = Settings::resolve(&cli.global)?;
    match cli.command {
        Command::Topic { command } => match command {
            TopicCommand::Create(args) => topic_create::run(&settings, args).await,
            TopicCommand::List(args) => topic_list::run(&settings, args).await,
            TopicCommand::Describe(args) => topic_describe::run(&settings, args).await,
            TopicCommand::Alter(args) => topic_alter::run(&settings, args).await,
            TopicCommand::Delete(args) => topic_delete::run(&settings, args).await,
        },
        Command::Config { command } => match command {
            ConfigCommand::Get(args) => config_get::run(&settings, args).await,
            ConfigCommand::Set(args) => config_set::run(&settings, args).await,
            ConfigCommand::Delete(args) => config_delete::run(&settings, args).await,
        },
        Command::Cluster {
            command: ClusterCommand::Describe,
        } => cluster_describe::run(&settings).await,
        Command::Share { command } => match command {
            ShareCommand::Consume(args) => share_consume::run(&settings, args).await,
            ShareCommand::Describe(args) => share_describe::run(&settings, args).await,
            ShareCommand::ResetOffsets(args) => share_reset_offsets::run(&settings, args).await,
            ShareCommand::DeleteOffsets(args) => share_delete_offsets::run(&settings, args).await,
            ShareCommand::Delete(args) => share_delete::run(&settings, args).await,
        },
        Command::Group { command } => match command {
            GroupCommand::List(args) => group_list::run(&settings, args).await,
            GroupCommand::Describe(args) => group_describe::run(&settings, args).await,
            GroupCommand::Delete(args) => group_delete::run(&settings, args).await,
            GroupCommand::DeleteOffsets(args) => group_delete_offsets::run(&settings, args).await,
            GroupCommand::ResetOffsets(args) => group_reset_offsets::run(&settings, args).await,
        },
        Command::Offsets(args) => offsets::run(&settings, args).await,
        Command::Find(args) => find::run(&settings, args).await,
        Command::Tui(args) => tui::run(&settings, args).await,
        Command::Health(args) => health::run(&settings, args).await,
        Command::Produce(args) => produce::run(&settings, args).await,
        Command::Consume(args) => consume::run(&settings, args).await,
        Command::Txn { command } => match command {
            TxnCommand::List(args) => txn_list::run(&settings, args).await,
            TxnCommand::Describe(args) => txn_describe::run(&settings, args).await,
            TxnCommand::Producers(args) => txn_producers::run(&settings, args).await,
        },
        Command::Acl { command } => match command {
            AclCommand::Create(args) => acl_create::run(&settings, args).await,
            AclCommand::List(args) => acl_list::run(&settings, args).await,
            AclCommand::Delete(args) => acl_delete::run(&settings, args).await,
        },
        Command::Perf { command } => match command {
            PerfCommand::Produce(args) => perf_produce::run(&settings, args).await,
            PerfCommand::Consume(args) => perf_consume::run(&settings, args).await,
            PerfCommand::E2e(args) => perf_e2e::run(&settings, args).await,
        },
        Command::Broker { .. }
        | Command::Demo(_)
        | Command::Completion(_)
        | Command::Man(_)
        | Command::Context { .. } => {
            unreachable!("main runs these without the runtime, or run() did above")
        }
    }
}

/// The context commands: they edit the config file and need no cluster.
pub(crate) fn context(global: &GlobalArgs, command: &ContextCommand) -> anyhow::Result<Code> {
    let printer = crate::printer::Printer::new(global.output.unwrap_or_default());
    let path = crate::settings::config_path(global.config.as_deref()).ok_or_else(|| {
        crate::exit::usage(
            "no config file location: set --config, KCTL_CONFIG, XDG_CONFIG_HOME or HOME",
        )
    })?;
    let explicit = global.config.is_some();
    match command {
        ContextCommand::List => context_list::run(&printer, &path, explicit),
        ContextCommand::Use(args) => context_use::run(&printer, &path, explicit, args),
        ContextCommand::Add(args) => context_add::run(&printer, &path, explicit, args),
        ContextCommand::Remove(args) => context_remove::run(&printer, &path, explicit, args),
        ContextCommand::Import(args) => context_import::run(&printer, &path, explicit, args),
    }
}
