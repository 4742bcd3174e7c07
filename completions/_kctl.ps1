
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'kctl' {
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file with contexts [default: $XDG_CONFIG_HOME/kctl/config.yaml]. Give it before the command (`kctl --config FILE topic list`): after it, `--config` is Kafka''s topic config flag')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('topic', 'topic', [CompletionResultType]::ParameterValue, 'Create, list, describe, alter and delete topics')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Read and change topic and broker configs')
            [CompletionResult]::new('cluster', 'cluster', [CompletionResultType]::ParameterValue, 'Inspect the cluster')
            [CompletionResult]::new('group', 'group', [CompletionResultType]::ParameterValue, 'Consumer groups: list, describe (members, lag), delete, reset offsets')
            [CompletionResult]::new('offsets', 'offsets', [CompletionResultType]::ParameterValue, 'Show a topic''s offsets per partition (earliest and latest, or at a time)')
            [CompletionResult]::new('tui', 'tui', [CompletionResultType]::ParameterValue, 'The live dashboard: consumer lag and partition health')
            [CompletionResult]::new('health', 'health', [CompletionResultType]::ParameterValue, 'Judge the cluster like the dashboard does, once; exit 0 OK, 1 WARN, 2 CRIT (3: no snapshot could be taken)')
            [CompletionResult]::new('produce', 'produce', [CompletionResultType]::ParameterValue, 'Write records to a topic from stdin or a file, one per line')
            [CompletionResult]::new('consume', 'consume', [CompletionResultType]::ParameterValue, 'Read records from topics: plain values, kcat-style --format, or lossless JSON lines (-o json) that `kctl produce --input json` reads')
            [CompletionResult]::new('context', 'context', [CompletionResultType]::ParameterValue, 'Manage named contexts (clusters) in the config file')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print kctl''s man page (roff) on stdout')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'A running shop in one command: broker-lite in-process, demo topics, a producer and a consumer group with one slow member, shown in the dashboard (or as tables every few seconds when not on a terminal)')
            [CompletionResult]::new('broker', 'broker', [CompletionResultType]::ParameterValue, 'Run broker-lite, the bundled Kafka-compatible broker')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kctl;topic' {
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a topic')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List topics')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List topics')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Describe topics: partitions, leaders, replicas, ISR, configs')
            [CompletionResult]::new('alter', 'alter', [CompletionResultType]::ParameterValue, 'Add partitions to a topic or change its configs')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete topics and all their data')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kctl;topic;create' {
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'The topic (as kafka-topics.sh spells it)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Number of partitions [default: the broker''s num.partitions]')
            [CompletionResult]::new('--partitions', '--partitions', [CompletionResultType]::ParameterName, 'Number of partitions [default: the broker''s num.partitions]')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Replicas per partition [default: the broker''s default.replication.factor]')
            [CompletionResult]::new('--replication-factor', '--replication-factor', [CompletionResultType]::ParameterName, 'Replicas per partition [default: the broker''s default.replication.factor]')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'A topic config override; repeat for more')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'A topic config override; repeat for more')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('--if-not-exists', '--if-not-exists', [CompletionResultType]::ParameterName, 'Succeed without changes if the topic exists')
            [CompletionResult]::new('--validate-only', '--validate-only', [CompletionResultType]::ParameterName, 'Ask the controller to check the request without creating the topic')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;topic;list' {
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('--internal', '--internal', [CompletionResultType]::ParameterName, 'Include internal topics such as __consumer_offsets')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;topic;ls' {
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('--internal', '--internal', [CompletionResultType]::ParameterName, 'Include internal topics such as __consumer_offsets')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;topic;describe' {
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topics to describe (as kafka-topics.sh spells it); repeatable')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('--internal', '--internal', [CompletionResultType]::ParameterName, 'Include internal topics when describing all')
            [CompletionResult]::new('--under-replicated', '--under-replicated', [CompletionResultType]::ParameterName, 'Only partitions whose ISR is smaller than their replica set')
            [CompletionResult]::new('--under-replicated-partitions', '--under-replicated-partitions', [CompletionResultType]::ParameterName, 'Only partitions whose ISR is smaller than their replica set')
            [CompletionResult]::new('--under-min-isr', '--under-min-isr', [CompletionResultType]::ParameterName, 'Only partitions with fewer in-sync replicas than min.insync.replicas (or no leader)')
            [CompletionResult]::new('--under-min-isr-partitions', '--under-min-isr-partitions', [CompletionResultType]::ParameterName, 'Only partitions with fewer in-sync replicas than min.insync.replicas (or no leader)')
            [CompletionResult]::new('--at-min-isr', '--at-min-isr', [CompletionResultType]::ParameterName, 'Only partitions with exactly min.insync.replicas in-sync replicas')
            [CompletionResult]::new('--at-min-isr-partitions', '--at-min-isr-partitions', [CompletionResultType]::ParameterName, 'Only partitions with exactly min.insync.replicas in-sync replicas')
            [CompletionResult]::new('--unavailable', '--unavailable', [CompletionResultType]::ParameterName, 'Only partitions without a leader, or whose leader is not a live broker')
            [CompletionResult]::new('--unavailable-partitions', '--unavailable-partitions', [CompletionResultType]::ParameterName, 'Only partitions without a leader, or whose leader is not a live broker')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;topic;alter' {
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'The topic (as kafka-topics.sh spells it)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Grow the topic to this many partitions (partitions cannot be removed)')
            [CompletionResult]::new('--partitions', '--partitions', [CompletionResultType]::ParameterName, 'Grow the topic to this many partitions (partitions cannot be removed)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Set a topic config; repeat for more')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Set a topic config; repeat for more')
            [CompletionResult]::new('--delete-config', '--delete-config', [CompletionResultType]::ParameterName, 'Remove a topic config override (back to the broker default); repeatable')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('--validate-only', '--validate-only', [CompletionResultType]::ParameterName, 'Ask the broker to check the change without applying it')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;topic;delete' {
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topics to delete (as kafka-topics.sh spells it); repeatable')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('--if-exists', '--if-exists', [CompletionResultType]::ParameterName, 'Succeed for topics that do not exist')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;topic;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a topic')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List topics')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Describe topics: partitions, leaders, replicas, ISR, configs')
            [CompletionResult]::new('alter', 'alter', [CompletionResultType]::ParameterValue, 'Add partitions to a topic or change its configs')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete topics and all their data')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kctl;topic;help;create' {
            break
        }
        'kctl;topic;help;list' {
            break
        }
        'kctl;topic;help;describe' {
            break
        }
        'kctl;topic;help;alter' {
            break
        }
        'kctl;topic;help;delete' {
            break
        }
        'kctl;topic;help;help' {
            break
        }
        'kctl;config' {
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Show configs (overrides only, unless --all)')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Show configs (overrides only, unless --all)')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set configs')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Remove config overrides, back to the inherited values')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kctl;config;get' {
            [CompletionResult]::new('--entity-type', '--entity-type', [CompletionResultType]::ParameterName, 'What kind of thing has the configs')
            [CompletionResult]::new('--entity-name', '--entity-name', [CompletionResultType]::ParameterName, 'The topic name or broker id')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('--entity-default', '--entity-default', [CompletionResultType]::ParameterName, 'The cluster-wide default of every broker (brokers only)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Include configs at their default value')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;config;describe' {
            [CompletionResult]::new('--entity-type', '--entity-type', [CompletionResultType]::ParameterName, 'What kind of thing has the configs')
            [CompletionResult]::new('--entity-name', '--entity-name', [CompletionResultType]::ParameterName, 'The topic name or broker id')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('--entity-default', '--entity-default', [CompletionResultType]::ParameterName, 'The cluster-wide default of every broker (brokers only)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Include configs at their default value')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;config;set' {
            [CompletionResult]::new('--entity-type', '--entity-type', [CompletionResultType]::ParameterName, 'What kind of thing has the configs')
            [CompletionResult]::new('--entity-name', '--entity-name', [CompletionResultType]::ParameterName, 'The topic name or broker id')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('--entity-default', '--entity-default', [CompletionResultType]::ParameterName, 'The cluster-wide default of every broker (brokers only)')
            [CompletionResult]::new('--validate-only', '--validate-only', [CompletionResultType]::ParameterName, 'Ask the broker to check the change without applying it')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;config;delete' {
            [CompletionResult]::new('--entity-type', '--entity-type', [CompletionResultType]::ParameterName, 'What kind of thing has the configs')
            [CompletionResult]::new('--entity-name', '--entity-name', [CompletionResultType]::ParameterName, 'The topic name or broker id')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('--entity-default', '--entity-default', [CompletionResultType]::ParameterName, 'The cluster-wide default of every broker (brokers only)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;config;help' {
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Show configs (overrides only, unless --all)')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set configs')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Remove config overrides, back to the inherited values')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kctl;config;help;get' {
            break
        }
        'kctl;config;help;set' {
            break
        }
        'kctl;config;help;delete' {
            break
        }
        'kctl;config;help;help' {
            break
        }
        'kctl;cluster' {
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Cluster id, controller and brokers')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kctl;cluster;describe' {
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;cluster;help' {
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Cluster id, controller and brokers')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kctl;cluster;help;describe' {
            break
        }
        'kctl;cluster;help;help' {
            break
        }
        'kctl;group' {
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List consumer groups')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List consumer groups')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Members, assignments, committed offsets and lag of groups')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete groups (they must have no active members)')
            [CompletionResult]::new('delete-offsets', 'delete-offsets', [CompletionResultType]::ParameterValue, 'Delete a group''s committed offsets of some partitions')
            [CompletionResult]::new('reset-offsets', 'reset-offsets', [CompletionResultType]::ParameterValue, 'Move a group''s committed offsets. Shows the plan unless --execute')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kctl;group;list' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'Only groups in this state (Stable, Empty, PreparingRebalance, CompletingRebalance, Dead); repeatable')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;group;ls' {
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'Only groups in this state (Stable, Empty, PreparingRebalance, CompletingRebalance, Dead); repeatable')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;group;describe' {
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'The groups (as kafka-consumer-groups.sh spells it); repeatable')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('--lag-only', '--lag-only', [CompletionResultType]::ParameterName, 'Only the per-partition offsets and lag, without group and member tables')
            [CompletionResult]::new('--read-committed', '--read-committed', [CompletionResultType]::ParameterName, 'Measure lag against the last stable offset (what a read_committed consumer can reach) instead of the high watermark')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;group;delete' {
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'The groups (as kafka-consumer-groups.sh spells it); repeatable')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;group;delete-offsets' {
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'TOPIC (every partition) or TOPIC:P,P,...; repeatable')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;group;reset-offsets' {
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'TOPIC (every partition) or TOPIC:P,P,...; repeatable')
            [CompletionResult]::new('--to-offset', '--to-offset', [CompletionResultType]::ParameterName, 'This offset (kept within the log''s range)')
            [CompletionResult]::new('--to-datetime', '--to-datetime', [CompletionResultType]::ParameterName, 'The first offset at or after this time: 2024-05-01T12:00:00Z, 2024-05-01T12:00:00.000+02:00, or milliseconds since the epoch')
            [CompletionResult]::new('--by-duration', '--by-duration', [CompletionResultType]::ParameterName, 'The first offset at or after this long ago: PT1H30M, P1DT2H, 90m, 45s')
            [CompletionResult]::new('--shift-by', '--shift-by', [CompletionResultType]::ParameterName, 'Move each committed offset by N (negative: back), kept within the log')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('--all-topics', '--all-topics', [CompletionResultType]::ParameterName, 'Every partition the group has committed offsets for')
            [CompletionResult]::new('--to-earliest', '--to-earliest', [CompletionResultType]::ParameterName, 'The log start offset')
            [CompletionResult]::new('--to-latest', '--to-latest', [CompletionResultType]::ParameterName, 'The log end offset')
            [CompletionResult]::new('--execute', '--execute', [CompletionResultType]::ParameterName, 'Apply the plan (without it, only the plan is shown)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Only show the plan (the default; for kafka-consumer-groups.sh habits)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation before --execute')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation before --execute')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;group;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List consumer groups')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Members, assignments, committed offsets and lag of groups')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete groups (they must have no active members)')
            [CompletionResult]::new('delete-offsets', 'delete-offsets', [CompletionResultType]::ParameterValue, 'Delete a group''s committed offsets of some partitions')
            [CompletionResult]::new('reset-offsets', 'reset-offsets', [CompletionResultType]::ParameterValue, 'Move a group''s committed offsets. Shows the plan unless --execute')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kctl;group;help;list' {
            break
        }
        'kctl;group;help;describe' {
            break
        }
        'kctl;group;help;delete' {
            break
        }
        'kctl;group;help;delete-offsets' {
            break
        }
        'kctl;group;help;reset-offsets' {
            break
        }
        'kctl;group;help;help' {
            break
        }
        'kctl;offsets' {
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'The topic (as kafka-topics.sh spells it)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Only these partitions; repeatable')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'Only these partitions; repeatable')
            [CompletionResult]::new('--time', '--time', [CompletionResultType]::ParameterName, 'Look up one offset per partition: earliest (-2), latest (-1), max-timestamp (-3), or a timestamp in ms since the epoch (the first offset at or after it)')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;tui' {
            [CompletionResult]::new('--refresh-interval', '--refresh-interval', [CompletionResultType]::ParameterName, 'How often the dashboard reads the cluster (e.g. 500ms, 5s)')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('--once', '--once', [CompletionResultType]::ParameterName, 'Take one snapshot, print the health report (like `kctl health`) and exit with its status instead of opening the dashboard')
            [CompletionResult]::new('--read-committed', '--read-committed', [CompletionResultType]::ParameterName, 'Measure lag against the last stable offset (read_committed consumers)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;health' {
            [CompletionResult]::new('--samples', '--samples', [CompletionResultType]::ParameterName, 'Snapshots to take before judging. Consumer statuses (stalled, lagging) need a window; one snapshot judges replicas and lag only')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Time between snapshots')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('--read-committed', '--read-committed', [CompletionResultType]::ParameterName, 'Measure lag against the last stable offset (read_committed consumers)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;produce' {
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'The topic (as kafka-topics.sh spells it)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read records from this file instead of stdin (shows a progress bar)')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Read records from this file instead of stdin (shows a progress bar)')
            [CompletionResult]::new('--input', '--input', [CompletionResultType]::ParameterName, 'How each line is read')
            [CompletionResult]::new('-K', '-K ', [CompletionResultType]::ParameterName, 'Split each text line at the first SEP into key and value')
            [CompletionResult]::new('--key-separator', '--key-separator', [CompletionResultType]::ParameterName, 'Split each text line at the first SEP into key and value')
            [CompletionResult]::new('--property', '--property', [CompletionResultType]::ParameterName, 'Kafka console-producer properties: parse.key=true, key.separator=SEP, null.marker=TEXT (a value equal to it is a tombstone); repeatable')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'A header added to every record; repeatable')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'A header added to every record; repeatable')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Send every record to this partition')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'Send every record to this partition')
            [CompletionResult]::new('--partitioner', '--partitioner', [CompletionResultType]::ParameterName, 'How records without a partition are placed')
            [CompletionResult]::new('--acks', '--acks', [CompletionResultType]::ParameterName, 'Acknowledgements to wait for')
            [CompletionResult]::new('-z', '-z', [CompletionResultType]::ParameterName, 'Compression codec of record batches')
            [CompletionResult]::new('--compression', '--compression', [CompletionResultType]::ParameterName, 'Compression codec of record batches')
            [CompletionResult]::new('--idempotence', '--idempotence', [CompletionResultType]::ParameterName, 'Idempotent delivery (no duplicates on retry) [default: on with acks=all]')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'At most this many records per second')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('--progress', '--progress', [CompletionResultType]::ParameterName, 'Show a progress bar even when reading stdin')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;consume' {
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topics to read (as kafka-console-consumer.sh spells it); repeatable')
            [CompletionResult]::new('--pattern', '--pattern', [CompletionResultType]::ParameterName, 'Every topic whose whole name matches this regular expression (instead of naming topics)')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Consume as a member of this group: partitions are shared with the group''s other members, positions start from its committed offsets, and what was printed is committed')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Consume as a member of this group: partitions are shared with the group''s other members, positions start from its committed offsets, and what was printed is committed')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Only these partitions; repeatable or comma-separated')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'Only these partitions; repeatable or comma-separated')
            [CompletionResult]::new('--offset', '--offset', [CompletionResultType]::ParameterName, 'Where to start in each partition: beginning, end (the default), N (that offset), -N (the last N records), or @TIME (the first record at or after TIME: ms since the epoch or RFC 3339 such as 2024-05-01T12:00:00Z)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Stop after this many records')
            [CompletionResult]::new('--max-messages', '--max-messages', [CompletionResultType]::ParameterName, 'Stop after this many records')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Stop after this many records')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Stop each partition at its first record at or after TIME (ms since the epoch or RFC 3339, with or without a leading @); that record is not printed')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'kcat-style output format, e.g. ''%t/%p@%o %k=%s\n'' (tokens below)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'kcat-style output format, e.g. ''%t/%p@%o %k=%s\n'' (tokens below)')
            [CompletionResult]::new('-K', '-K ', [CompletionResultType]::ParameterName, 'Print each key before its value, followed by SEP')
            [CompletionResult]::new('--key-separator', '--key-separator', [CompletionResultType]::ParameterName, 'Print each key before its value, followed by SEP')
            [CompletionResult]::new('--property', '--property', [CompletionResultType]::ParameterName, 'Kafka console-consumer properties: print.key, print.timestamp, print.partition, print.offset, print.headers (true/false), key.separator, null.literal; repeatable')
            [CompletionResult]::new('--timestamps', '--timestamps', [CompletionResultType]::ParameterName, 'How timestamps are printed by %T and print.timestamp (JSON output always has ms, so it can be produced again)')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A Kafka consumer property (e.g. session.timeout.ms=10000); kctl''s own flags win over it; repeatable')
            [CompletionResult]::new('--consumer-property', '--consumer-property', [CompletionResultType]::ParameterName, 'A Kafka consumer property (e.g. session.timeout.ms=10000); kctl''s own flags win over it; repeatable')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('--from-beginning', '--from-beginning', [CompletionResultType]::ParameterName, 'Start at the log start of each partition (same as --offset beginning)')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Stop when every partition reaches the end it had when kctl started (the high watermark, or the last stable offset with --read-committed). Correct with offset gaps, compaction and transaction markers')
            [CompletionResult]::new('--exit-at-end', '--exit-at-end', [CompletionResultType]::ParameterName, 'Stop when every partition reaches the end it had when kctl started (the high watermark, or the last stable offset with --read-committed). Correct with offset gaps, compaction and transaction markers')
            [CompletionResult]::new('--read-committed', '--read-committed', [CompletionResultType]::ParameterName, 'Read only committed records of transactional producers')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;context' {
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List contexts; the current one is marked')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List contexts; the current one is marked')
            [CompletionResult]::new('use', 'use', [CompletionResultType]::ParameterValue, 'Make a context the current one')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add (or replace) a context')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a context')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove a context')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kctl;context;list' {
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;context;ls' {
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;context;use' {
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;context;add' {
            [CompletionResult]::new('--brokers', '--brokers', [CompletionResultType]::ParameterName, 'The context''s bootstrap servers, comma-separated host:port')
            [CompletionResult]::new('--sasl-mechanism', '--sasl-mechanism', [CompletionResultType]::ParameterName, 'SASL mechanism (stored for when kctl speaks SASL)')
            [CompletionResult]::new('--sasl-username', '--sasl-username', [CompletionResultType]::ParameterName, 'SASL user name')
            [CompletionResult]::new('--sasl-password-env', '--sasl-password-env', [CompletionResultType]::ParameterName, 'Read the SASL password from this environment variable')
            [CompletionResult]::new('--sasl-password-command', '--sasl-password-command', [CompletionResultType]::ParameterName, 'Read the SASL password from this command''s stdout')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'CA certificates (PEM) to trust; enables TLS')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('--use', '--use', [CompletionResultType]::ParameterName, 'Make it the current context')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;context;remove' {
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;context;rm' {
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;context;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List contexts; the current one is marked')
            [CompletionResult]::new('use', 'use', [CompletionResultType]::ParameterValue, 'Make a context the current one')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add (or replace) a context')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a context')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kctl;context;help;list' {
            break
        }
        'kctl;context;help;use' {
            break
        }
        'kctl;context;help;add' {
            break
        }
        'kctl;context;help;remove' {
            break
        }
        'kctl;context;help;help' {
            break
        }
        'kctl;completion' {
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;man' {
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;demo' {
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port of the embedded broker on 127.0.0.1 [default: a free one]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Keep the broker''s data here [default: a temporary directory, removed at the end]')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Stop after this long [default: when the dashboard is closed; 30s without a terminal]')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Between the tables printed without a terminal')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Records per second the demo producer writes')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;broker' {
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Run broker-lite in the foreground until Ctrl-C')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kctl;broker;start' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Where topics and their logs are kept')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on. Loopback by default; use 0.0.0.0:9092 to expose it')
            [CompletionResult]::new('--advertise', '--advertise', [CompletionResultType]::ParameterName, 'host:port given to clients in Metadata (defaults to the listen address)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'A Kafka-style properties file (server.properties keys); flags override it')
            [CompletionResult]::new('--properties', '--properties', [CompletionResultType]::ParameterName, 'A Kafka-style properties file (server.properties keys); flags override it')
            [CompletionResult]::new('--flush', '--flush', [CompletionResultType]::ParameterName, 'When to fsync: none (page cache: survives a crash of the broker, not a power cut), every-batch (before each acknowledgement), or an interval like 100ms')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--bootstrap-servers', '--bootstrap-servers', [CompletionResultType]::ParameterName, 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Use this context of the config file instead of its current one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kctl;broker;help' {
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Run broker-lite in the foreground until Ctrl-C')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kctl;broker;help;start' {
            break
        }
        'kctl;broker;help;help' {
            break
        }
        'kctl;help' {
            [CompletionResult]::new('topic', 'topic', [CompletionResultType]::ParameterValue, 'Create, list, describe, alter and delete topics')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Read and change topic and broker configs')
            [CompletionResult]::new('cluster', 'cluster', [CompletionResultType]::ParameterValue, 'Inspect the cluster')
            [CompletionResult]::new('group', 'group', [CompletionResultType]::ParameterValue, 'Consumer groups: list, describe (members, lag), delete, reset offsets')
            [CompletionResult]::new('offsets', 'offsets', [CompletionResultType]::ParameterValue, 'Show a topic''s offsets per partition (earliest and latest, or at a time)')
            [CompletionResult]::new('tui', 'tui', [CompletionResultType]::ParameterValue, 'The live dashboard: consumer lag and partition health')
            [CompletionResult]::new('health', 'health', [CompletionResultType]::ParameterValue, 'Judge the cluster like the dashboard does, once; exit 0 OK, 1 WARN, 2 CRIT (3: no snapshot could be taken)')
            [CompletionResult]::new('produce', 'produce', [CompletionResultType]::ParameterValue, 'Write records to a topic from stdin or a file, one per line')
            [CompletionResult]::new('consume', 'consume', [CompletionResultType]::ParameterValue, 'Read records from topics: plain values, kcat-style --format, or lossless JSON lines (-o json) that `kctl produce --input json` reads')
            [CompletionResult]::new('context', 'context', [CompletionResultType]::ParameterValue, 'Manage named contexts (clusters) in the config file')
            [CompletionResult]::new('completion', 'completion', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print kctl''s man page (roff) on stdout')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'A running shop in one command: broker-lite in-process, demo topics, a producer and a consumer group with one slow member, shown in the dashboard (or as tables every few seconds when not on a terminal)')
            [CompletionResult]::new('broker', 'broker', [CompletionResultType]::ParameterValue, 'Run broker-lite, the bundled Kafka-compatible broker')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kctl;help;topic' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a topic')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List topics')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Describe topics: partitions, leaders, replicas, ISR, configs')
            [CompletionResult]::new('alter', 'alter', [CompletionResultType]::ParameterValue, 'Add partitions to a topic or change its configs')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete topics and all their data')
            break
        }
        'kctl;help;topic;create' {
            break
        }
        'kctl;help;topic;list' {
            break
        }
        'kctl;help;topic;describe' {
            break
        }
        'kctl;help;topic;alter' {
            break
        }
        'kctl;help;topic;delete' {
            break
        }
        'kctl;help;config' {
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Show configs (overrides only, unless --all)')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set configs')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Remove config overrides, back to the inherited values')
            break
        }
        'kctl;help;config;get' {
            break
        }
        'kctl;help;config;set' {
            break
        }
        'kctl;help;config;delete' {
            break
        }
        'kctl;help;cluster' {
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Cluster id, controller and brokers')
            break
        }
        'kctl;help;cluster;describe' {
            break
        }
        'kctl;help;group' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List consumer groups')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Members, assignments, committed offsets and lag of groups')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete groups (they must have no active members)')
            [CompletionResult]::new('delete-offsets', 'delete-offsets', [CompletionResultType]::ParameterValue, 'Delete a group''s committed offsets of some partitions')
            [CompletionResult]::new('reset-offsets', 'reset-offsets', [CompletionResultType]::ParameterValue, 'Move a group''s committed offsets. Shows the plan unless --execute')
            break
        }
        'kctl;help;group;list' {
            break
        }
        'kctl;help;group;describe' {
            break
        }
        'kctl;help;group;delete' {
            break
        }
        'kctl;help;group;delete-offsets' {
            break
        }
        'kctl;help;group;reset-offsets' {
            break
        }
        'kctl;help;offsets' {
            break
        }
        'kctl;help;tui' {
            break
        }
        'kctl;help;health' {
            break
        }
        'kctl;help;produce' {
            break
        }
        'kctl;help;consume' {
            break
        }
        'kctl;help;context' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List contexts; the current one is marked')
            [CompletionResult]::new('use', 'use', [CompletionResultType]::ParameterValue, 'Make a context the current one')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add (or replace) a context')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a context')
            break
        }
        'kctl;help;context;list' {
            break
        }
        'kctl;help;context;use' {
            break
        }
        'kctl;help;context;add' {
            break
        }
        'kctl;help;context;remove' {
            break
        }
        'kctl;help;completion' {
            break
        }
        'kctl;help;man' {
            break
        }
        'kctl;help;demo' {
            break
        }
        'kctl;help;broker' {
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Run broker-lite in the foreground until Ctrl-C')
            break
        }
        'kctl;help;broker;start' {
            break
        }
        'kctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
