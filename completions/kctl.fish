# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kctl_global_optspecs
    string join \n b/bootstrap-server= context= o/output= v/verbose config= timeout= h/help V/version
end

function __fish_kctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kctl_using_subcommand
    set -l cmd (__fish_kctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kctl -n "__fish_kctl_needs_command" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_needs_command" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_needs_command" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_needs_command" -l config -d 'The config file with contexts [default: $XDG_CONFIG_HOME/kctl/config.yaml]. Give it before the command (`kctl --config FILE topic list`): after it, `--config` is Kafka\'s topic config flag' -r -F
complete -c kctl -n "__fish_kctl_needs_command" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_needs_command" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_needs_command" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_needs_command" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_needs_command" -f -a "topic" -d 'Create, list, describe, alter and delete topics'
complete -c kctl -n "__fish_kctl_needs_command" -f -a "config" -d 'Read and change topic and broker configs'
complete -c kctl -n "__fish_kctl_needs_command" -f -a "cluster" -d 'Inspect the cluster'
complete -c kctl -n "__fish_kctl_needs_command" -f -a "group" -d 'Consumer groups: list, describe (members, lag), delete, reset offsets'
complete -c kctl -n "__fish_kctl_needs_command" -f -a "offsets" -d 'Show a topic\'s offsets per partition (earliest and latest, or at a time)'
complete -c kctl -n "__fish_kctl_needs_command" -f -a "tui" -d 'The live dashboard: consumer lag and partition health'
complete -c kctl -n "__fish_kctl_needs_command" -f -a "health" -d 'Judge the cluster like the dashboard does, once; exit 0 OK, 1 WARN, 2 CRIT (3: no snapshot could be taken)'
complete -c kctl -n "__fish_kctl_needs_command" -f -a "produce" -d 'Write records to a topic from stdin or a file, one per line'
complete -c kctl -n "__fish_kctl_needs_command" -f -a "consume" -d 'Read records from topics: plain values, kcat-style --format, or lossless JSON lines (-o json) that `kctl produce --input json` reads'
complete -c kctl -n "__fish_kctl_needs_command" -f -a "context" -d 'Manage named contexts (clusters) in the config file'
complete -c kctl -n "__fish_kctl_needs_command" -f -a "completion" -d 'Print a shell completion script'
complete -c kctl -n "__fish_kctl_needs_command" -f -a "man" -d 'Print kctl\'s man page (roff) on stdout'
complete -c kctl -n "__fish_kctl_needs_command" -f -a "demo" -d 'A running shop in one command: broker-lite in-process, demo topics, a producer and a consumer group with one slow member, shown in the dashboard (or as tables every few seconds when not on a terminal)'
complete -c kctl -n "__fish_kctl_needs_command" -f -a "broker" -d 'Run broker-lite, the bundled Kafka-compatible broker'
complete -c kctl -n "__fish_kctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and not __fish_seen_subcommand_from create list ls describe alter delete help" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and not __fish_seen_subcommand_from create list ls describe alter delete help" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and not __fish_seen_subcommand_from create list ls describe alter delete help" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand topic; and not __fish_seen_subcommand_from create list ls describe alter delete help" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and not __fish_seen_subcommand_from create list ls describe alter delete help" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and not __fish_seen_subcommand_from create list ls describe alter delete help" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and not __fish_seen_subcommand_from create list ls describe alter delete help" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and not __fish_seen_subcommand_from create list ls describe alter delete help" -f -a "create" -d 'Create a topic'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and not __fish_seen_subcommand_from create list ls describe alter delete help" -f -a "list" -d 'List topics'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and not __fish_seen_subcommand_from create list ls describe alter delete help" -f -a "ls" -d 'List topics'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and not __fish_seen_subcommand_from create list ls describe alter delete help" -f -a "describe" -d 'Describe topics: partitions, leaders, replicas, ISR, configs'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and not __fish_seen_subcommand_from create list ls describe alter delete help" -f -a "alter" -d 'Add partitions to a topic or change its configs'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and not __fish_seen_subcommand_from create list ls describe alter delete help" -f -a "delete" -d 'Delete topics and all their data'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and not __fish_seen_subcommand_from create list ls describe alter delete help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from create" -l topic -d 'The topic (as kafka-topics.sh spells it)' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from create" -s p -l partitions -d 'Number of partitions [default: the broker\'s num.partitions]' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from create" -s r -l replication-factor -d 'Replicas per partition [default: the broker\'s default.replication.factor]' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from create" -s c -l config -d 'A topic config override; repeat for more' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from create" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from create" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from create" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from create" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from create" -l if-not-exists -d 'Succeed without changes if the topic exists'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from create" -l validate-only -d 'Ask the controller to check the request without creating the topic'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from create" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from list" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from list" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from list" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from list" -l internal -d 'Include internal topics such as __consumer_offsets'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from ls" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from ls" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from ls" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from ls" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from ls" -l internal -d 'Include internal topics such as __consumer_offsets'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from ls" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from ls" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from describe" -l topic -d 'Topics to describe (as kafka-topics.sh spells it); repeatable' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from describe" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from describe" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from describe" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from describe" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from describe" -l internal -d 'Include internal topics when describing all'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from describe" -l under-replicated -l under-replicated-partitions -d 'Only partitions whose ISR is smaller than their replica set'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from describe" -l under-min-isr -l under-min-isr-partitions -d 'Only partitions with fewer in-sync replicas than min.insync.replicas (or no leader)'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from describe" -l at-min-isr -l at-min-isr-partitions -d 'Only partitions with exactly min.insync.replicas in-sync replicas'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from describe" -l unavailable -l unavailable-partitions -d 'Only partitions without a leader, or whose leader is not a live broker'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from describe" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from describe" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from describe" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from alter" -l topic -d 'The topic (as kafka-topics.sh spells it)' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from alter" -s p -l partitions -d 'Grow the topic to this many partitions (partitions cannot be removed)' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from alter" -s c -l config -d 'Set a topic config; repeat for more' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from alter" -l delete-config -d 'Remove a topic config override (back to the broker default); repeatable' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from alter" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from alter" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from alter" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from alter" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from alter" -l validate-only -d 'Ask the broker to check the change without applying it'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from alter" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from alter" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from alter" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from delete" -l topic -d 'Topics to delete (as kafka-topics.sh spells it); repeatable' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from delete" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from delete" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from delete" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from delete" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from delete" -l if-exists -d 'Succeed for topics that do not exist'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from delete" -s y -l yes -d 'Do not ask for confirmation'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from delete" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from delete" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a topic'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "list" -d 'List topics'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "describe" -d 'Describe topics: partitions, leaders, replicas, ISR, configs'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "alter" -d 'Add partitions to a topic or change its configs'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete topics and all their data'
complete -c kctl -n "__fish_kctl_using_subcommand topic; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kctl -n "__fish_kctl_using_subcommand config; and not __fish_seen_subcommand_from get describe set delete help" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand config; and not __fish_seen_subcommand_from get describe set delete help" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand config; and not __fish_seen_subcommand_from get describe set delete help" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand config; and not __fish_seen_subcommand_from get describe set delete help" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand config; and not __fish_seen_subcommand_from get describe set delete help" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand config; and not __fish_seen_subcommand_from get describe set delete help" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand config; and not __fish_seen_subcommand_from get describe set delete help" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand config; and not __fish_seen_subcommand_from get describe set delete help" -f -a "get" -d 'Show configs (overrides only, unless --all)'
complete -c kctl -n "__fish_kctl_using_subcommand config; and not __fish_seen_subcommand_from get describe set delete help" -f -a "describe" -d 'Show configs (overrides only, unless --all)'
complete -c kctl -n "__fish_kctl_using_subcommand config; and not __fish_seen_subcommand_from get describe set delete help" -f -a "set" -d 'Set configs'
complete -c kctl -n "__fish_kctl_using_subcommand config; and not __fish_seen_subcommand_from get describe set delete help" -f -a "delete" -d 'Remove config overrides, back to the inherited values'
complete -c kctl -n "__fish_kctl_using_subcommand config; and not __fish_seen_subcommand_from get describe set delete help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from get" -l entity-type -d 'What kind of thing has the configs' -r -f -a "topic\t''
broker\t''"
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from get" -l entity-name -d 'The topic name or broker id' -r
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from get" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from get" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from get" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from get" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from get" -l entity-default -d 'The cluster-wide default of every broker (brokers only)'
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from get" -l all -d 'Include configs at their default value'
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from get" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from get" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from get" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from describe" -l entity-type -d 'What kind of thing has the configs' -r -f -a "topic\t''
broker\t''"
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from describe" -l entity-name -d 'The topic name or broker id' -r
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from describe" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from describe" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from describe" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from describe" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from describe" -l entity-default -d 'The cluster-wide default of every broker (brokers only)'
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from describe" -l all -d 'Include configs at their default value'
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from describe" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from describe" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from describe" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from set" -l entity-type -d 'What kind of thing has the configs' -r -f -a "topic\t''
broker\t''"
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from set" -l entity-name -d 'The topic name or broker id' -r
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from set" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from set" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from set" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from set" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from set" -l entity-default -d 'The cluster-wide default of every broker (brokers only)'
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from set" -l validate-only -d 'Ask the broker to check the change without applying it'
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from set" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from set" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from delete" -l entity-type -d 'What kind of thing has the configs' -r -f -a "topic\t''
broker\t''"
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from delete" -l entity-name -d 'The topic name or broker id' -r
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from delete" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from delete" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from delete" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from delete" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from delete" -l entity-default -d 'The cluster-wide default of every broker (brokers only)'
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from delete" -s y -l yes -d 'Do not ask for confirmation'
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from delete" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from delete" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "get" -d 'Show configs (overrides only, unless --all)'
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "set" -d 'Set configs'
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Remove config overrides, back to the inherited values'
complete -c kctl -n "__fish_kctl_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kctl -n "__fish_kctl_using_subcommand cluster; and not __fish_seen_subcommand_from describe help" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand cluster; and not __fish_seen_subcommand_from describe help" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand cluster; and not __fish_seen_subcommand_from describe help" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand cluster; and not __fish_seen_subcommand_from describe help" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand cluster; and not __fish_seen_subcommand_from describe help" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand cluster; and not __fish_seen_subcommand_from describe help" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand cluster; and not __fish_seen_subcommand_from describe help" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand cluster; and not __fish_seen_subcommand_from describe help" -f -a "describe" -d 'Cluster id, controller and brokers'
complete -c kctl -n "__fish_kctl_using_subcommand cluster; and not __fish_seen_subcommand_from describe help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kctl -n "__fish_kctl_using_subcommand cluster; and __fish_seen_subcommand_from describe" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand cluster; and __fish_seen_subcommand_from describe" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand cluster; and __fish_seen_subcommand_from describe" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand cluster; and __fish_seen_subcommand_from describe" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand cluster; and __fish_seen_subcommand_from describe" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand cluster; and __fish_seen_subcommand_from describe" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand cluster; and __fish_seen_subcommand_from describe" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "describe" -d 'Cluster id, controller and brokers'
complete -c kctl -n "__fish_kctl_using_subcommand cluster; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kctl -n "__fish_kctl_using_subcommand group; and not __fish_seen_subcommand_from list ls describe delete delete-offsets reset-offsets help" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and not __fish_seen_subcommand_from list ls describe delete delete-offsets reset-offsets help" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and not __fish_seen_subcommand_from list ls describe delete delete-offsets reset-offsets help" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand group; and not __fish_seen_subcommand_from list ls describe delete delete-offsets reset-offsets help" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and not __fish_seen_subcommand_from list ls describe delete delete-offsets reset-offsets help" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand group; and not __fish_seen_subcommand_from list ls describe delete delete-offsets reset-offsets help" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand group; and not __fish_seen_subcommand_from list ls describe delete delete-offsets reset-offsets help" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand group; and not __fish_seen_subcommand_from list ls describe delete delete-offsets reset-offsets help" -f -a "list" -d 'List consumer groups'
complete -c kctl -n "__fish_kctl_using_subcommand group; and not __fish_seen_subcommand_from list ls describe delete delete-offsets reset-offsets help" -f -a "ls" -d 'List consumer groups'
complete -c kctl -n "__fish_kctl_using_subcommand group; and not __fish_seen_subcommand_from list ls describe delete delete-offsets reset-offsets help" -f -a "describe" -d 'Members, assignments, committed offsets and lag of groups'
complete -c kctl -n "__fish_kctl_using_subcommand group; and not __fish_seen_subcommand_from list ls describe delete delete-offsets reset-offsets help" -f -a "delete" -d 'Delete groups (they must have no active members)'
complete -c kctl -n "__fish_kctl_using_subcommand group; and not __fish_seen_subcommand_from list ls describe delete delete-offsets reset-offsets help" -f -a "delete-offsets" -d 'Delete a group\'s committed offsets of some partitions'
complete -c kctl -n "__fish_kctl_using_subcommand group; and not __fish_seen_subcommand_from list ls describe delete delete-offsets reset-offsets help" -f -a "reset-offsets" -d 'Move a group\'s committed offsets. Shows the plan unless --execute'
complete -c kctl -n "__fish_kctl_using_subcommand group; and not __fish_seen_subcommand_from list ls describe delete delete-offsets reset-offsets help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from list" -l state -d 'Only groups in this state (Stable, Empty, PreparingRebalance, CompletingRebalance, Dead); repeatable' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from list" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from list" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from list" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from ls" -l state -d 'Only groups in this state (Stable, Empty, PreparingRebalance, CompletingRebalance, Dead); repeatable' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from ls" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from ls" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from ls" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from ls" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from ls" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from ls" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from describe" -l group -d 'The groups (as kafka-consumer-groups.sh spells it); repeatable' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from describe" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from describe" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from describe" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from describe" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from describe" -l lag-only -d 'Only the per-partition offsets and lag, without group and member tables'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from describe" -l read-committed -d 'Measure lag against the last stable offset (what a read_committed consumer can reach) instead of the high watermark'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from describe" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from describe" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from describe" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from delete" -l group -d 'The groups (as kafka-consumer-groups.sh spells it); repeatable' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from delete" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from delete" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from delete" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from delete" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from delete" -s y -l yes -d 'Do not ask for confirmation'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from delete" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from delete" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from delete-offsets" -l topic -d 'TOPIC (every partition) or TOPIC:P,P,...; repeatable' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from delete-offsets" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from delete-offsets" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from delete-offsets" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from delete-offsets" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from delete-offsets" -s y -l yes -d 'Do not ask for confirmation'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from delete-offsets" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from delete-offsets" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from delete-offsets" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l topic -d 'TOPIC (every partition) or TOPIC:P,P,...; repeatable' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l to-offset -d 'This offset (kept within the log\'s range)' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l to-datetime -d 'The first offset at or after this time: 2024-05-01T12:00:00Z, 2024-05-01T12:00:00.000+02:00, or milliseconds since the epoch' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l by-duration -d 'The first offset at or after this long ago: PT1H30M, P1DT2H, 90m, 45s' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l shift-by -d 'Move each committed offset by N (negative: back), kept within the log' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l all-topics -d 'Every partition the group has committed offsets for'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l to-earliest -d 'The log start offset'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l to-latest -d 'The log end offset'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l execute -d 'Apply the plan (without it, only the plan is shown)'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -l dry-run -d 'Only show the plan (the default; for kafka-consumer-groups.sh habits)'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -s y -l yes -d 'Do not ask for confirmation before --execute'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from reset-offsets" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "list" -d 'List consumer groups'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "describe" -d 'Members, assignments, committed offsets and lag of groups'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete groups (they must have no active members)'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "delete-offsets" -d 'Delete a group\'s committed offsets of some partitions'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "reset-offsets" -d 'Move a group\'s committed offsets. Shows the plan unless --execute'
complete -c kctl -n "__fish_kctl_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kctl -n "__fish_kctl_using_subcommand offsets" -l topic -d 'The topic (as kafka-topics.sh spells it)' -r
complete -c kctl -n "__fish_kctl_using_subcommand offsets" -s p -l partition -d 'Only these partitions; repeatable' -r
complete -c kctl -n "__fish_kctl_using_subcommand offsets" -l time -d 'Look up one offset per partition: earliest (-2), latest (-1), max-timestamp (-3), or a timestamp in ms since the epoch (the first offset at or after it)' -r
complete -c kctl -n "__fish_kctl_using_subcommand offsets" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand offsets" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand offsets" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand offsets" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand offsets" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand offsets" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand offsets" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand tui" -l refresh-interval -d 'How often the dashboard reads the cluster (e.g. 500ms, 5s)' -r
complete -c kctl -n "__fish_kctl_using_subcommand tui" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand tui" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand tui" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand tui" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand tui" -l once -d 'Take one snapshot, print the health report (like `kctl health`) and exit with its status instead of opening the dashboard'
complete -c kctl -n "__fish_kctl_using_subcommand tui" -l read-committed -d 'Measure lag against the last stable offset (read_committed consumers)'
complete -c kctl -n "__fish_kctl_using_subcommand tui" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand tui" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand tui" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand health" -l samples -d 'Snapshots to take before judging. Consumer statuses (stalled, lagging) need a window; one snapshot judges replicas and lag only' -r
complete -c kctl -n "__fish_kctl_using_subcommand health" -l interval -d 'Time between snapshots' -r
complete -c kctl -n "__fish_kctl_using_subcommand health" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand health" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand health" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand health" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand health" -l read-committed -d 'Measure lag against the last stable offset (read_committed consumers)'
complete -c kctl -n "__fish_kctl_using_subcommand health" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand health" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand health" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand produce" -l topic -d 'The topic (as kafka-topics.sh spells it)' -r
complete -c kctl -n "__fish_kctl_using_subcommand produce" -s f -l file -d 'Read records from this file instead of stdin (shows a progress bar)' -r -F
complete -c kctl -n "__fish_kctl_using_subcommand produce" -l input -d 'How each line is read' -r -f -a "text\t'One record per line: the line is the value (or KEY<sep>VALUE)'
json\t'One JSON object per line: {"key", "value", "headers", "partition", "timestamp"} (see docs/cli.md)'"
complete -c kctl -n "__fish_kctl_using_subcommand produce" -s K -l key-separator -d 'Split each text line at the first SEP into key and value' -r
complete -c kctl -n "__fish_kctl_using_subcommand produce" -l property -d 'Kafka console-producer properties: parse.key=true, key.separator=SEP, null.marker=TEXT (a value equal to it is a tombstone); repeatable' -r
complete -c kctl -n "__fish_kctl_using_subcommand produce" -s H -l header -d 'A header added to every record; repeatable' -r
complete -c kctl -n "__fish_kctl_using_subcommand produce" -s p -l partition -d 'Send every record to this partition' -r
complete -c kctl -n "__fish_kctl_using_subcommand produce" -l partitioner -d 'How records without a partition are placed' -r -f -a "default\t'murmur2 of the key (as Java and librdkafka\'s murmur2_random); sticky batches for records without a key'
round-robin\t''
random\t''
uniform-sticky\t'Sticky batches for every record, ignoring keys'"
complete -c kctl -n "__fish_kctl_using_subcommand produce" -l acks -d 'Acknowledgements to wait for' -r -f -a "0\t''
1\t''
all\t''"
complete -c kctl -n "__fish_kctl_using_subcommand produce" -s z -l compression -d 'Compression codec of record batches' -r -f -a "none\t''
gzip\t''
snappy\t''
lz4\t''
zstd\t''"
complete -c kctl -n "__fish_kctl_using_subcommand produce" -l idempotence -d 'Idempotent delivery (no duplicates on retry) [default: on with acks=all]' -r -f -a "true\t''
false\t''"
complete -c kctl -n "__fish_kctl_using_subcommand produce" -l rate -d 'At most this many records per second' -r
complete -c kctl -n "__fish_kctl_using_subcommand produce" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand produce" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand produce" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand produce" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand produce" -l progress -d 'Show a progress bar even when reading stdin'
complete -c kctl -n "__fish_kctl_using_subcommand produce" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand produce" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kctl -n "__fish_kctl_using_subcommand produce" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand consume" -l topic -d 'Topics to read (as kafka-console-consumer.sh spells it); repeatable' -r
complete -c kctl -n "__fish_kctl_using_subcommand consume" -l pattern -d 'Every topic whose whole name matches this regular expression (instead of naming topics)' -r
complete -c kctl -n "__fish_kctl_using_subcommand consume" -s g -l group -d 'Consume as a member of this group: partitions are shared with the group\'s other members, positions start from its committed offsets, and what was printed is committed' -r
complete -c kctl -n "__fish_kctl_using_subcommand consume" -s p -l partition -d 'Only these partitions; repeatable or comma-separated' -r
complete -c kctl -n "__fish_kctl_using_subcommand consume" -l offset -d 'Where to start in each partition: beginning, end (the default), N (that offset), -N (the last N records), or @TIME (the first record at or after TIME: ms since the epoch or RFC 3339 such as 2024-05-01T12:00:00Z)' -r
complete -c kctl -n "__fish_kctl_using_subcommand consume" -s c -l max-messages -l count -d 'Stop after this many records' -r
complete -c kctl -n "__fish_kctl_using_subcommand consume" -l until -d 'Stop each partition at its first record at or after TIME (ms since the epoch or RFC 3339, with or without a leading @); that record is not printed' -r
complete -c kctl -n "__fish_kctl_using_subcommand consume" -s f -l format -d 'kcat-style output format, e.g. \'%t/%p@%o %k=%s\\n\' (tokens below)' -r
complete -c kctl -n "__fish_kctl_using_subcommand consume" -s K -l key-separator -d 'Print each key before its value, followed by SEP' -r
complete -c kctl -n "__fish_kctl_using_subcommand consume" -l property -d 'Kafka console-consumer properties: print.key, print.timestamp, print.partition, print.offset, print.headers (true/false), key.separator, null.literal; repeatable' -r
complete -c kctl -n "__fish_kctl_using_subcommand consume" -l timestamps -d 'How timestamps are printed by %T and print.timestamp (JSON output always has ms, so it can be produced again)' -r -f -a "ms\t'Milliseconds since the epoch'
rfc3339\t'UTC, e.g. 2024-05-01T12:00:00.250Z'"
complete -c kctl -n "__fish_kctl_using_subcommand consume" -s X -l consumer-property -d 'A Kafka consumer property (e.g. session.timeout.ms=10000); kctl\'s own flags win over it; repeatable' -r
complete -c kctl -n "__fish_kctl_using_subcommand consume" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand consume" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand consume" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand consume" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand consume" -l from-beginning -d 'Start at the log start of each partition (same as --offset beginning)'
complete -c kctl -n "__fish_kctl_using_subcommand consume" -s e -l exit-at-end -d 'Stop when every partition reaches the end it had when kctl started (the high watermark, or the last stable offset with --read-committed). Correct with offset gaps, compaction and transaction markers'
complete -c kctl -n "__fish_kctl_using_subcommand consume" -l read-committed -d 'Read only committed records of transactional producers'
complete -c kctl -n "__fish_kctl_using_subcommand consume" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand consume" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kctl -n "__fish_kctl_using_subcommand consume" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand context; and not __fish_seen_subcommand_from list ls use add remove rm help" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand context; and not __fish_seen_subcommand_from list ls use add remove rm help" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand context; and not __fish_seen_subcommand_from list ls use add remove rm help" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand context; and not __fish_seen_subcommand_from list ls use add remove rm help" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand context; and not __fish_seen_subcommand_from list ls use add remove rm help" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand context; and not __fish_seen_subcommand_from list ls use add remove rm help" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand context; and not __fish_seen_subcommand_from list ls use add remove rm help" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand context; and not __fish_seen_subcommand_from list ls use add remove rm help" -f -a "list" -d 'List contexts; the current one is marked'
complete -c kctl -n "__fish_kctl_using_subcommand context; and not __fish_seen_subcommand_from list ls use add remove rm help" -f -a "ls" -d 'List contexts; the current one is marked'
complete -c kctl -n "__fish_kctl_using_subcommand context; and not __fish_seen_subcommand_from list ls use add remove rm help" -f -a "use" -d 'Make a context the current one'
complete -c kctl -n "__fish_kctl_using_subcommand context; and not __fish_seen_subcommand_from list ls use add remove rm help" -f -a "add" -d 'Add (or replace) a context'
complete -c kctl -n "__fish_kctl_using_subcommand context; and not __fish_seen_subcommand_from list ls use add remove rm help" -f -a "remove" -d 'Remove a context'
complete -c kctl -n "__fish_kctl_using_subcommand context; and not __fish_seen_subcommand_from list ls use add remove rm help" -f -a "rm" -d 'Remove a context'
complete -c kctl -n "__fish_kctl_using_subcommand context; and not __fish_seen_subcommand_from list ls use add remove rm help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from list" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from list" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from list" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from ls" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from ls" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from ls" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from ls" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from ls" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from ls" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from use" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from use" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from use" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from use" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from use" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from use" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from use" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from add" -l brokers -d 'The context\'s bootstrap servers, comma-separated host:port' -r
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from add" -l sasl-mechanism -d 'SASL mechanism (stored for when kctl speaks SASL)' -r -f -a "PLAIN\t''
SCRAM-SHA-256\t''
SCRAM-SHA-512\t''"
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from add" -l sasl-username -d 'SASL user name' -r
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from add" -l sasl-password-env -d 'Read the SASL password from this environment variable' -r
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from add" -l sasl-password-command -d 'Read the SASL password from this command\'s stdout' -r
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from add" -l tls-ca-file -d 'CA certificates (PEM) to trust; enables TLS' -r -F
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from add" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from add" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from add" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from add" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from add" -l use -d 'Make it the current context'
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from add" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from remove" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from remove" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from remove" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from remove" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from remove" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from rm" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from rm" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from rm" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from rm" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from rm" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from rm" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from help" -f -a "list" -d 'List contexts; the current one is marked'
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from help" -f -a "use" -d 'Make a context the current one'
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add (or replace) a context'
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove a context'
complete -c kctl -n "__fish_kctl_using_subcommand context; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kctl -n "__fish_kctl_using_subcommand completion" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand completion" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand completion" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand completion" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand completion" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand completion" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand completion" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand man" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand man" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand man" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand man" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand man" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand man" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand man" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand demo" -l port -d 'Port of the embedded broker on 127.0.0.1 [default: a free one]' -r
complete -c kctl -n "__fish_kctl_using_subcommand demo" -l data-dir -d 'Keep the broker\'s data here [default: a temporary directory, removed at the end]' -r -F
complete -c kctl -n "__fish_kctl_using_subcommand demo" -l duration -d 'Stop after this long [default: when the dashboard is closed; 30s without a terminal]' -r
complete -c kctl -n "__fish_kctl_using_subcommand demo" -l interval -d 'Between the tables printed without a terminal' -r
complete -c kctl -n "__fish_kctl_using_subcommand demo" -l rate -d 'Records per second the demo producer writes' -r
complete -c kctl -n "__fish_kctl_using_subcommand demo" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand demo" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand demo" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand demo" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand demo" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand demo" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand demo" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand broker; and not __fish_seen_subcommand_from start help" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand broker; and not __fish_seen_subcommand_from start help" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand broker; and not __fish_seen_subcommand_from start help" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand broker; and not __fish_seen_subcommand_from start help" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand broker; and not __fish_seen_subcommand_from start help" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand broker; and not __fish_seen_subcommand_from start help" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand broker; and not __fish_seen_subcommand_from start help" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand broker; and not __fish_seen_subcommand_from start help" -f -a "start" -d 'Run broker-lite in the foreground until Ctrl-C'
complete -c kctl -n "__fish_kctl_using_subcommand broker; and not __fish_seen_subcommand_from start help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kctl -n "__fish_kctl_using_subcommand broker; and __fish_seen_subcommand_from start" -l data-dir -d 'Where topics and their logs are kept' -r -F
complete -c kctl -n "__fish_kctl_using_subcommand broker; and __fish_seen_subcommand_from start" -l listen -d 'Address to listen on. Loopback by default; use 0.0.0.0:9092 to expose it' -r
complete -c kctl -n "__fish_kctl_using_subcommand broker; and __fish_seen_subcommand_from start" -l advertise -d 'host:port given to clients in Metadata (defaults to the listen address)' -r
complete -c kctl -n "__fish_kctl_using_subcommand broker; and __fish_seen_subcommand_from start" -l config -l properties -d 'A Kafka-style properties file (server.properties keys); flags override it' -r -F
complete -c kctl -n "__fish_kctl_using_subcommand broker; and __fish_seen_subcommand_from start" -l flush -d 'When to fsync: none (page cache: survives a crash of the broker, not a power cut), every-batch (before each acknowledgement), or an interval like 100ms' -r
complete -c kctl -n "__fish_kctl_using_subcommand broker; and __fish_seen_subcommand_from start" -s b -l bootstrap-server -l bootstrap-servers -d 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context\'s, else 127.0.0.1:9092]' -r
complete -c kctl -n "__fish_kctl_using_subcommand broker; and __fish_seen_subcommand_from start" -l context -d 'Use this context of the config file instead of its current one' -r
complete -c kctl -n "__fish_kctl_using_subcommand broker; and __fish_seen_subcommand_from start" -s o -l output -d 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c kctl -n "__fish_kctl_using_subcommand broker; and __fish_seen_subcommand_from start" -l timeout -d 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)' -r
complete -c kctl -n "__fish_kctl_using_subcommand broker; and __fish_seen_subcommand_from start" -s v -l verbose -d 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
complete -c kctl -n "__fish_kctl_using_subcommand broker; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help'
complete -c kctl -n "__fish_kctl_using_subcommand broker; and __fish_seen_subcommand_from start" -s V -l version -d 'Print version'
complete -c kctl -n "__fish_kctl_using_subcommand broker; and __fish_seen_subcommand_from help" -f -a "start" -d 'Run broker-lite in the foreground until Ctrl-C'
complete -c kctl -n "__fish_kctl_using_subcommand broker; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kctl -n "__fish_kctl_using_subcommand help; and not __fish_seen_subcommand_from topic config cluster group offsets tui health produce consume context completion man demo broker help" -f -a "topic" -d 'Create, list, describe, alter and delete topics'
complete -c kctl -n "__fish_kctl_using_subcommand help; and not __fish_seen_subcommand_from topic config cluster group offsets tui health produce consume context completion man demo broker help" -f -a "config" -d 'Read and change topic and broker configs'
complete -c kctl -n "__fish_kctl_using_subcommand help; and not __fish_seen_subcommand_from topic config cluster group offsets tui health produce consume context completion man demo broker help" -f -a "cluster" -d 'Inspect the cluster'
complete -c kctl -n "__fish_kctl_using_subcommand help; and not __fish_seen_subcommand_from topic config cluster group offsets tui health produce consume context completion man demo broker help" -f -a "group" -d 'Consumer groups: list, describe (members, lag), delete, reset offsets'
complete -c kctl -n "__fish_kctl_using_subcommand help; and not __fish_seen_subcommand_from topic config cluster group offsets tui health produce consume context completion man demo broker help" -f -a "offsets" -d 'Show a topic\'s offsets per partition (earliest and latest, or at a time)'
complete -c kctl -n "__fish_kctl_using_subcommand help; and not __fish_seen_subcommand_from topic config cluster group offsets tui health produce consume context completion man demo broker help" -f -a "tui" -d 'The live dashboard: consumer lag and partition health'
complete -c kctl -n "__fish_kctl_using_subcommand help; and not __fish_seen_subcommand_from topic config cluster group offsets tui health produce consume context completion man demo broker help" -f -a "health" -d 'Judge the cluster like the dashboard does, once; exit 0 OK, 1 WARN, 2 CRIT (3: no snapshot could be taken)'
complete -c kctl -n "__fish_kctl_using_subcommand help; and not __fish_seen_subcommand_from topic config cluster group offsets tui health produce consume context completion man demo broker help" -f -a "produce" -d 'Write records to a topic from stdin or a file, one per line'
complete -c kctl -n "__fish_kctl_using_subcommand help; and not __fish_seen_subcommand_from topic config cluster group offsets tui health produce consume context completion man demo broker help" -f -a "consume" -d 'Read records from topics: plain values, kcat-style --format, or lossless JSON lines (-o json) that `kctl produce --input json` reads'
complete -c kctl -n "__fish_kctl_using_subcommand help; and not __fish_seen_subcommand_from topic config cluster group offsets tui health produce consume context completion man demo broker help" -f -a "context" -d 'Manage named contexts (clusters) in the config file'
complete -c kctl -n "__fish_kctl_using_subcommand help; and not __fish_seen_subcommand_from topic config cluster group offsets tui health produce consume context completion man demo broker help" -f -a "completion" -d 'Print a shell completion script'
complete -c kctl -n "__fish_kctl_using_subcommand help; and not __fish_seen_subcommand_from topic config cluster group offsets tui health produce consume context completion man demo broker help" -f -a "man" -d 'Print kctl\'s man page (roff) on stdout'
complete -c kctl -n "__fish_kctl_using_subcommand help; and not __fish_seen_subcommand_from topic config cluster group offsets tui health produce consume context completion man demo broker help" -f -a "demo" -d 'A running shop in one command: broker-lite in-process, demo topics, a producer and a consumer group with one slow member, shown in the dashboard (or as tables every few seconds when not on a terminal)'
complete -c kctl -n "__fish_kctl_using_subcommand help; and not __fish_seen_subcommand_from topic config cluster group offsets tui health produce consume context completion man demo broker help" -f -a "broker" -d 'Run broker-lite, the bundled Kafka-compatible broker'
complete -c kctl -n "__fish_kctl_using_subcommand help; and not __fish_seen_subcommand_from topic config cluster group offsets tui health produce consume context completion man demo broker help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kctl -n "__fish_kctl_using_subcommand help; and __fish_seen_subcommand_from topic" -f -a "create" -d 'Create a topic'
complete -c kctl -n "__fish_kctl_using_subcommand help; and __fish_seen_subcommand_from topic" -f -a "list" -d 'List topics'
complete -c kctl -n "__fish_kctl_using_subcommand help; and __fish_seen_subcommand_from topic" -f -a "describe" -d 'Describe topics: partitions, leaders, replicas, ISR, configs'
complete -c kctl -n "__fish_kctl_using_subcommand help; and __fish_seen_subcommand_from topic" -f -a "alter" -d 'Add partitions to a topic or change its configs'
complete -c kctl -n "__fish_kctl_using_subcommand help; and __fish_seen_subcommand_from topic" -f -a "delete" -d 'Delete topics and all their data'
complete -c kctl -n "__fish_kctl_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "get" -d 'Show configs (overrides only, unless --all)'
complete -c kctl -n "__fish_kctl_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "set" -d 'Set configs'
complete -c kctl -n "__fish_kctl_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "delete" -d 'Remove config overrides, back to the inherited values'
complete -c kctl -n "__fish_kctl_using_subcommand help; and __fish_seen_subcommand_from cluster" -f -a "describe" -d 'Cluster id, controller and brokers'
complete -c kctl -n "__fish_kctl_using_subcommand help; and __fish_seen_subcommand_from group" -f -a "list" -d 'List consumer groups'
complete -c kctl -n "__fish_kctl_using_subcommand help; and __fish_seen_subcommand_from group" -f -a "describe" -d 'Members, assignments, committed offsets and lag of groups'
complete -c kctl -n "__fish_kctl_using_subcommand help; and __fish_seen_subcommand_from group" -f -a "delete" -d 'Delete groups (they must have no active members)'
complete -c kctl -n "__fish_kctl_using_subcommand help; and __fish_seen_subcommand_from group" -f -a "delete-offsets" -d 'Delete a group\'s committed offsets of some partitions'
complete -c kctl -n "__fish_kctl_using_subcommand help; and __fish_seen_subcommand_from group" -f -a "reset-offsets" -d 'Move a group\'s committed offsets. Shows the plan unless --execute'
complete -c kctl -n "__fish_kctl_using_subcommand help; and __fish_seen_subcommand_from context" -f -a "list" -d 'List contexts; the current one is marked'
complete -c kctl -n "__fish_kctl_using_subcommand help; and __fish_seen_subcommand_from context" -f -a "use" -d 'Make a context the current one'
complete -c kctl -n "__fish_kctl_using_subcommand help; and __fish_seen_subcommand_from context" -f -a "add" -d 'Add (or replace) a context'
complete -c kctl -n "__fish_kctl_using_subcommand help; and __fish_seen_subcommand_from context" -f -a "remove" -d 'Remove a context'
complete -c kctl -n "__fish_kctl_using_subcommand help; and __fish_seen_subcommand_from broker" -f -a "start" -d 'Run broker-lite in the foreground until Ctrl-C'
