
use builtin;
use str;

set edit:completion:arg-completer[kctl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'kctl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'kctl'= {
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --config 'The config file with contexts [default: $XDG_CONFIG_HOME/kctl/config.yaml]. Give it before the command (`kctl --config FILE topic list`): after it, `--config` is Kafka''s topic config flag'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand topic 'Create, list, describe, alter and delete topics'
            cand config 'Read and change topic and broker configs'
            cand cluster 'Inspect the cluster'
            cand group 'Consumer groups: list, describe (members, lag), delete, reset offsets'
            cand offsets 'Show a topic''s offsets per partition (earliest and latest, or at a time)'
            cand tui 'The live dashboard: consumer lag and partition health'
            cand health 'Judge the cluster like the dashboard does, once; exit 0 OK, 1 WARN, 2 CRIT (3: no snapshot could be taken)'
            cand produce 'Write records to a topic from stdin or a file, one per line'
            cand consume 'Read records from topics: plain values, kcat-style --format, or lossless JSON lines (-o json) that `kctl produce --input json` reads'
            cand context 'Manage named contexts (clusters) in the config file'
            cand completion 'Print a shell completion script'
            cand man 'Print kctl''s man page (roff) on stdout'
            cand demo 'A running shop in one command: broker-lite in-process, demo topics, a producer and a consumer group with one slow member, shown in the dashboard (or as tables every few seconds when not on a terminal)'
            cand broker 'Run broker-lite, the bundled Kafka-compatible broker'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kctl;topic'= {
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand create 'Create a topic'
            cand list 'List topics'
            cand ls 'List topics'
            cand describe 'Describe topics: partitions, leaders, replicas, ISR, configs'
            cand alter 'Add partitions to a topic or change its configs'
            cand delete 'Delete topics and all their data'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kctl;topic;create'= {
            cand --topic 'The topic (as kafka-topics.sh spells it)'
            cand -p 'Number of partitions [default: the broker''s num.partitions]'
            cand --partitions 'Number of partitions [default: the broker''s num.partitions]'
            cand -r 'Replicas per partition [default: the broker''s default.replication.factor]'
            cand --replication-factor 'Replicas per partition [default: the broker''s default.replication.factor]'
            cand -c 'A topic config override; repeat for more'
            cand --config 'A topic config override; repeat for more'
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand --if-not-exists 'Succeed without changes if the topic exists'
            cand --validate-only 'Ask the controller to check the request without creating the topic'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;topic;list'= {
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand --internal 'Include internal topics such as __consumer_offsets'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;topic;ls'= {
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand --internal 'Include internal topics such as __consumer_offsets'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;topic;describe'= {
            cand --topic 'Topics to describe (as kafka-topics.sh spells it); repeatable'
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand --internal 'Include internal topics when describing all'
            cand --under-replicated 'Only partitions whose ISR is smaller than their replica set'
            cand --under-replicated-partitions 'Only partitions whose ISR is smaller than their replica set'
            cand --under-min-isr 'Only partitions with fewer in-sync replicas than min.insync.replicas (or no leader)'
            cand --under-min-isr-partitions 'Only partitions with fewer in-sync replicas than min.insync.replicas (or no leader)'
            cand --at-min-isr 'Only partitions with exactly min.insync.replicas in-sync replicas'
            cand --at-min-isr-partitions 'Only partitions with exactly min.insync.replicas in-sync replicas'
            cand --unavailable 'Only partitions without a leader, or whose leader is not a live broker'
            cand --unavailable-partitions 'Only partitions without a leader, or whose leader is not a live broker'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;topic;alter'= {
            cand --topic 'The topic (as kafka-topics.sh spells it)'
            cand -p 'Grow the topic to this many partitions (partitions cannot be removed)'
            cand --partitions 'Grow the topic to this many partitions (partitions cannot be removed)'
            cand -c 'Set a topic config; repeat for more'
            cand --config 'Set a topic config; repeat for more'
            cand --delete-config 'Remove a topic config override (back to the broker default); repeatable'
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand --validate-only 'Ask the broker to check the change without applying it'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;topic;delete'= {
            cand --topic 'Topics to delete (as kafka-topics.sh spells it); repeatable'
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand --if-exists 'Succeed for topics that do not exist'
            cand -y 'Do not ask for confirmation'
            cand --yes 'Do not ask for confirmation'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;topic;help'= {
            cand create 'Create a topic'
            cand list 'List topics'
            cand describe 'Describe topics: partitions, leaders, replicas, ISR, configs'
            cand alter 'Add partitions to a topic or change its configs'
            cand delete 'Delete topics and all their data'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kctl;topic;help;create'= {
        }
        &'kctl;topic;help;list'= {
        }
        &'kctl;topic;help;describe'= {
        }
        &'kctl;topic;help;alter'= {
        }
        &'kctl;topic;help;delete'= {
        }
        &'kctl;topic;help;help'= {
        }
        &'kctl;config'= {
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand get 'Show configs (overrides only, unless --all)'
            cand describe 'Show configs (overrides only, unless --all)'
            cand set 'Set configs'
            cand delete 'Remove config overrides, back to the inherited values'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kctl;config;get'= {
            cand --entity-type 'What kind of thing has the configs'
            cand --entity-name 'The topic name or broker id'
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand --entity-default 'The cluster-wide default of every broker (brokers only)'
            cand --all 'Include configs at their default value'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;config;describe'= {
            cand --entity-type 'What kind of thing has the configs'
            cand --entity-name 'The topic name or broker id'
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand --entity-default 'The cluster-wide default of every broker (brokers only)'
            cand --all 'Include configs at their default value'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;config;set'= {
            cand --entity-type 'What kind of thing has the configs'
            cand --entity-name 'The topic name or broker id'
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand --entity-default 'The cluster-wide default of every broker (brokers only)'
            cand --validate-only 'Ask the broker to check the change without applying it'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;config;delete'= {
            cand --entity-type 'What kind of thing has the configs'
            cand --entity-name 'The topic name or broker id'
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand --entity-default 'The cluster-wide default of every broker (brokers only)'
            cand -y 'Do not ask for confirmation'
            cand --yes 'Do not ask for confirmation'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;config;help'= {
            cand get 'Show configs (overrides only, unless --all)'
            cand set 'Set configs'
            cand delete 'Remove config overrides, back to the inherited values'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kctl;config;help;get'= {
        }
        &'kctl;config;help;set'= {
        }
        &'kctl;config;help;delete'= {
        }
        &'kctl;config;help;help'= {
        }
        &'kctl;cluster'= {
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand describe 'Cluster id, controller and brokers'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kctl;cluster;describe'= {
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;cluster;help'= {
            cand describe 'Cluster id, controller and brokers'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kctl;cluster;help;describe'= {
        }
        &'kctl;cluster;help;help'= {
        }
        &'kctl;group'= {
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List consumer groups'
            cand ls 'List consumer groups'
            cand describe 'Members, assignments, committed offsets and lag of groups'
            cand delete 'Delete groups (they must have no active members)'
            cand delete-offsets 'Delete a group''s committed offsets of some partitions'
            cand reset-offsets 'Move a group''s committed offsets. Shows the plan unless --execute'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kctl;group;list'= {
            cand --state 'Only groups in this state (Stable, Empty, PreparingRebalance, CompletingRebalance, Dead); repeatable'
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;group;ls'= {
            cand --state 'Only groups in this state (Stable, Empty, PreparingRebalance, CompletingRebalance, Dead); repeatable'
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;group;describe'= {
            cand --group 'The groups (as kafka-consumer-groups.sh spells it); repeatable'
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand --lag-only 'Only the per-partition offsets and lag, without group and member tables'
            cand --read-committed 'Measure lag against the last stable offset (what a read_committed consumer can reach) instead of the high watermark'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;group;delete'= {
            cand --group 'The groups (as kafka-consumer-groups.sh spells it); repeatable'
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand -y 'Do not ask for confirmation'
            cand --yes 'Do not ask for confirmation'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;group;delete-offsets'= {
            cand --topic 'TOPIC (every partition) or TOPIC:P,P,...; repeatable'
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand -y 'Do not ask for confirmation'
            cand --yes 'Do not ask for confirmation'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;group;reset-offsets'= {
            cand --topic 'TOPIC (every partition) or TOPIC:P,P,...; repeatable'
            cand --to-offset 'This offset (kept within the log''s range)'
            cand --to-datetime 'The first offset at or after this time: 2024-05-01T12:00:00Z, 2024-05-01T12:00:00.000+02:00, or milliseconds since the epoch'
            cand --by-duration 'The first offset at or after this long ago: PT1H30M, P1DT2H, 90m, 45s'
            cand --shift-by 'Move each committed offset by N (negative: back), kept within the log'
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand --all-topics 'Every partition the group has committed offsets for'
            cand --to-earliest 'The log start offset'
            cand --to-latest 'The log end offset'
            cand --execute 'Apply the plan (without it, only the plan is shown)'
            cand --dry-run 'Only show the plan (the default; for kafka-consumer-groups.sh habits)'
            cand -y 'Do not ask for confirmation before --execute'
            cand --yes 'Do not ask for confirmation before --execute'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;group;help'= {
            cand list 'List consumer groups'
            cand describe 'Members, assignments, committed offsets and lag of groups'
            cand delete 'Delete groups (they must have no active members)'
            cand delete-offsets 'Delete a group''s committed offsets of some partitions'
            cand reset-offsets 'Move a group''s committed offsets. Shows the plan unless --execute'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kctl;group;help;list'= {
        }
        &'kctl;group;help;describe'= {
        }
        &'kctl;group;help;delete'= {
        }
        &'kctl;group;help;delete-offsets'= {
        }
        &'kctl;group;help;reset-offsets'= {
        }
        &'kctl;group;help;help'= {
        }
        &'kctl;offsets'= {
            cand --topic 'The topic (as kafka-topics.sh spells it)'
            cand -p 'Only these partitions; repeatable'
            cand --partition 'Only these partitions; repeatable'
            cand --time 'Look up one offset per partition: earliest (-2), latest (-1), max-timestamp (-3), or a timestamp in ms since the epoch (the first offset at or after it)'
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;tui'= {
            cand --refresh-interval 'How often the dashboard reads the cluster (e.g. 500ms, 5s)'
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand --once 'Take one snapshot, print the health report (like `kctl health`) and exit with its status instead of opening the dashboard'
            cand --read-committed 'Measure lag against the last stable offset (read_committed consumers)'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;health'= {
            cand --samples 'Snapshots to take before judging. Consumer statuses (stalled, lagging) need a window; one snapshot judges replicas and lag only'
            cand --interval 'Time between snapshots'
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand --read-committed 'Measure lag against the last stable offset (read_committed consumers)'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;produce'= {
            cand --topic 'The topic (as kafka-topics.sh spells it)'
            cand -f 'Read records from this file instead of stdin (shows a progress bar)'
            cand --file 'Read records from this file instead of stdin (shows a progress bar)'
            cand --input 'How each line is read'
            cand -K 'Split each text line at the first SEP into key and value'
            cand --key-separator 'Split each text line at the first SEP into key and value'
            cand --property 'Kafka console-producer properties: parse.key=true, key.separator=SEP, null.marker=TEXT (a value equal to it is a tombstone); repeatable'
            cand -H 'A header added to every record; repeatable'
            cand --header 'A header added to every record; repeatable'
            cand -p 'Send every record to this partition'
            cand --partition 'Send every record to this partition'
            cand --partitioner 'How records without a partition are placed'
            cand --acks 'Acknowledgements to wait for'
            cand -z 'Compression codec of record batches'
            cand --compression 'Compression codec of record batches'
            cand --idempotence 'Idempotent delivery (no duplicates on retry) [default: on with acks=all]'
            cand --rate 'At most this many records per second'
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand --progress 'Show a progress bar even when reading stdin'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;consume'= {
            cand --topic 'Topics to read (as kafka-console-consumer.sh spells it); repeatable'
            cand --pattern 'Every topic whose whole name matches this regular expression (instead of naming topics)'
            cand -g 'Consume as a member of this group: partitions are shared with the group''s other members, positions start from its committed offsets, and what was printed is committed'
            cand --group 'Consume as a member of this group: partitions are shared with the group''s other members, positions start from its committed offsets, and what was printed is committed'
            cand -p 'Only these partitions; repeatable or comma-separated'
            cand --partition 'Only these partitions; repeatable or comma-separated'
            cand --offset 'Where to start in each partition: beginning, end (the default), N (that offset), -N (the last N records), or @TIME (the first record at or after TIME: ms since the epoch or RFC 3339 such as 2024-05-01T12:00:00Z)'
            cand -c 'Stop after this many records'
            cand --max-messages 'Stop after this many records'
            cand --count 'Stop after this many records'
            cand --until 'Stop each partition at its first record at or after TIME (ms since the epoch or RFC 3339, with or without a leading @); that record is not printed'
            cand -f 'kcat-style output format, e.g. ''%t/%p@%o %k=%s\n'' (tokens below)'
            cand --format 'kcat-style output format, e.g. ''%t/%p@%o %k=%s\n'' (tokens below)'
            cand -K 'Print each key before its value, followed by SEP'
            cand --key-separator 'Print each key before its value, followed by SEP'
            cand --property 'Kafka console-consumer properties: print.key, print.timestamp, print.partition, print.offset, print.headers (true/false), key.separator, null.literal; repeatable'
            cand --timestamps 'How timestamps are printed by %T and print.timestamp (JSON output always has ms, so it can be produced again)'
            cand -X 'A Kafka consumer property (e.g. session.timeout.ms=10000); kctl''s own flags win over it; repeatable'
            cand --consumer-property 'A Kafka consumer property (e.g. session.timeout.ms=10000); kctl''s own flags win over it; repeatable'
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand --from-beginning 'Start at the log start of each partition (same as --offset beginning)'
            cand -e 'Stop when every partition reaches the end it had when kctl started (the high watermark, or the last stable offset with --read-committed). Correct with offset gaps, compaction and transaction markers'
            cand --exit-at-end 'Stop when every partition reaches the end it had when kctl started (the high watermark, or the last stable offset with --read-committed). Correct with offset gaps, compaction and transaction markers'
            cand --read-committed 'Read only committed records of transactional producers'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;context'= {
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List contexts; the current one is marked'
            cand ls 'List contexts; the current one is marked'
            cand use 'Make a context the current one'
            cand add 'Add (or replace) a context'
            cand remove 'Remove a context'
            cand rm 'Remove a context'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kctl;context;list'= {
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;context;ls'= {
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;context;use'= {
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;context;add'= {
            cand --brokers 'The context''s bootstrap servers, comma-separated host:port'
            cand --sasl-mechanism 'SASL mechanism (stored for when kctl speaks SASL)'
            cand --sasl-username 'SASL user name'
            cand --sasl-password-env 'Read the SASL password from this environment variable'
            cand --sasl-password-command 'Read the SASL password from this command''s stdout'
            cand --tls-ca-file 'CA certificates (PEM) to trust; enables TLS'
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand --use 'Make it the current context'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;context;remove'= {
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;context;rm'= {
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;context;help'= {
            cand list 'List contexts; the current one is marked'
            cand use 'Make a context the current one'
            cand add 'Add (or replace) a context'
            cand remove 'Remove a context'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kctl;context;help;list'= {
        }
        &'kctl;context;help;use'= {
        }
        &'kctl;context;help;add'= {
        }
        &'kctl;context;help;remove'= {
        }
        &'kctl;context;help;help'= {
        }
        &'kctl;completion'= {
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;man'= {
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;demo'= {
            cand --port 'Port of the embedded broker on 127.0.0.1 [default: a free one]'
            cand --data-dir 'Keep the broker''s data here [default: a temporary directory, removed at the end]'
            cand --duration 'Stop after this long [default: when the dashboard is closed; 30s without a terminal]'
            cand --interval 'Between the tables printed without a terminal'
            cand --rate 'Records per second the demo producer writes'
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;broker'= {
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand start 'Run broker-lite in the foreground until Ctrl-C'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kctl;broker;start'= {
            cand --data-dir 'Where topics and their logs are kept'
            cand --listen 'Address to listen on. Loopback by default; use 0.0.0.0:9092 to expose it'
            cand --advertise 'host:port given to clients in Metadata (defaults to the listen address)'
            cand --config 'A Kafka-style properties file (server.properties keys); flags override it'
            cand --properties 'A Kafka-style properties file (server.properties keys); flags override it'
            cand --flush 'When to fsync: none (page cache: survives a crash of the broker, not a power cut), every-batch (before each acknowledgement), or an interval like 100ms'
            cand -b 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-server 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --bootstrap-servers 'Kafka brokers to bootstrap from, comma-separated host:port [default: the context''s, else 127.0.0.1:9092]'
            cand --context 'Use this context of the config file instead of its current one'
            cand -o 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --output 'Output format. Tables are the default, on a terminal or not, so `kctl topic list | grep` works; use json or yaml for scripts'
            cand --timeout 'How long to wait for the cluster, per request and for connecting (e.g. 500ms, 10s, 2m; a bare number is seconds)'
            cand -v 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand --verbose 'Show tracing logs on stderr (-v info, -vv debug, -vvv trace)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kctl;broker;help'= {
            cand start 'Run broker-lite in the foreground until Ctrl-C'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kctl;broker;help;start'= {
        }
        &'kctl;broker;help;help'= {
        }
        &'kctl;help'= {
            cand topic 'Create, list, describe, alter and delete topics'
            cand config 'Read and change topic and broker configs'
            cand cluster 'Inspect the cluster'
            cand group 'Consumer groups: list, describe (members, lag), delete, reset offsets'
            cand offsets 'Show a topic''s offsets per partition (earliest and latest, or at a time)'
            cand tui 'The live dashboard: consumer lag and partition health'
            cand health 'Judge the cluster like the dashboard does, once; exit 0 OK, 1 WARN, 2 CRIT (3: no snapshot could be taken)'
            cand produce 'Write records to a topic from stdin or a file, one per line'
            cand consume 'Read records from topics: plain values, kcat-style --format, or lossless JSON lines (-o json) that `kctl produce --input json` reads'
            cand context 'Manage named contexts (clusters) in the config file'
            cand completion 'Print a shell completion script'
            cand man 'Print kctl''s man page (roff) on stdout'
            cand demo 'A running shop in one command: broker-lite in-process, demo topics, a producer and a consumer group with one slow member, shown in the dashboard (or as tables every few seconds when not on a terminal)'
            cand broker 'Run broker-lite, the bundled Kafka-compatible broker'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kctl;help;topic'= {
            cand create 'Create a topic'
            cand list 'List topics'
            cand describe 'Describe topics: partitions, leaders, replicas, ISR, configs'
            cand alter 'Add partitions to a topic or change its configs'
            cand delete 'Delete topics and all their data'
        }
        &'kctl;help;topic;create'= {
        }
        &'kctl;help;topic;list'= {
        }
        &'kctl;help;topic;describe'= {
        }
        &'kctl;help;topic;alter'= {
        }
        &'kctl;help;topic;delete'= {
        }
        &'kctl;help;config'= {
            cand get 'Show configs (overrides only, unless --all)'
            cand set 'Set configs'
            cand delete 'Remove config overrides, back to the inherited values'
        }
        &'kctl;help;config;get'= {
        }
        &'kctl;help;config;set'= {
        }
        &'kctl;help;config;delete'= {
        }
        &'kctl;help;cluster'= {
            cand describe 'Cluster id, controller and brokers'
        }
        &'kctl;help;cluster;describe'= {
        }
        &'kctl;help;group'= {
            cand list 'List consumer groups'
            cand describe 'Members, assignments, committed offsets and lag of groups'
            cand delete 'Delete groups (they must have no active members)'
            cand delete-offsets 'Delete a group''s committed offsets of some partitions'
            cand reset-offsets 'Move a group''s committed offsets. Shows the plan unless --execute'
        }
        &'kctl;help;group;list'= {
        }
        &'kctl;help;group;describe'= {
        }
        &'kctl;help;group;delete'= {
        }
        &'kctl;help;group;delete-offsets'= {
        }
        &'kctl;help;group;reset-offsets'= {
        }
        &'kctl;help;offsets'= {
        }
        &'kctl;help;tui'= {
        }
        &'kctl;help;health'= {
        }
        &'kctl;help;produce'= {
        }
        &'kctl;help;consume'= {
        }
        &'kctl;help;context'= {
            cand list 'List contexts; the current one is marked'
            cand use 'Make a context the current one'
            cand add 'Add (or replace) a context'
            cand remove 'Remove a context'
        }
        &'kctl;help;context;list'= {
        }
        &'kctl;help;context;use'= {
        }
        &'kctl;help;context;add'= {
        }
        &'kctl;help;context;remove'= {
        }
        &'kctl;help;completion'= {
        }
        &'kctl;help;man'= {
        }
        &'kctl;help;demo'= {
        }
        &'kctl;help;broker'= {
            cand start 'Run broker-lite in the foreground until Ctrl-C'
        }
        &'kctl;help;broker;start'= {
        }
        &'kctl;help;help'= {
        }
    ]
    $completions[$command]
}
