#!/usr/bin/env bash
# A real Apache Kafka (4.x, KRaft) on loopback, for the tests that hold kctl
# and broker-lite up against it.
#
#   apache-kafka.sh install                      fetch the jars (cached)
#   apache-kafka.sh start --brokers N --dir DIR [--security]
#   apache-kafka.sh stop DIR
#   apache-kafka.sh kill NODE DIR                SIGKILL one broker (failover tests)
#   apache-kafka.sh restart NODE DIR             start it again, wait until it is back
#   apache-kafka.sh tool DIR CLASS ARGS...       one of Kafka's command-line classes
#   apache-kafka.sh classpath                    the jar directory, for java -cp DIR/*
#
# The jars come from Maven Central through .ci/apache-kafka/pom.xml
# (`mvn dependency:copy-dependencies`) into
# ${KCTL_CACHE:-~/.cache/kctl}/kafka-VERSION/libs, once per version.
# KAFKA_VERSION picks the version (default below; 4.1 or newer).
#
# Layout: node 1 is a combined controller+broker and is the only quorum
# voter; nodes 2..N are brokers. One voter means no election wait, and the
# brokers need no storage format of their own (a meta.properties written
# here instead of one JVM start each), which is what keeps a 3-broker start
# well under a minute on two cores. Every listener binds 127.0.0.1.
#
# `start` prints `BOOTSTRAP=host:port,...` (the PLAINTEXT listeners) and
# writes the same line to DIR/bootstrap. With --security each broker also
# gets a SASL_SSL listener (SCRAM-SHA-512, user kctl-scram created by
# `kafka-storage format --add-scram`) and an SSL listener that requires a
# client certificate; certificates are made per run with openssl under
# DIR/tls, and the lines BOOTSTRAP_SASL_SSL=... and BOOTSTRAP_SSL=... are
# printed and written to DIR/bootstrap-sasl-ssl and DIR/bootstrap-ssl.
#
# `tool` runs a class the way bin/kafka-run-class.sh does. Short names:
# TopicCommand ConsoleProducer ConsoleConsumer ConsumerGroupCommand
# ConfigCommand ProducerPerformance ConsumerPerformance GetOffsetShell
# DeleteRecordsCommand AclCommand FeatureCommand MetadataQuorumCommand
# StorageTool; anything with a dot is taken as a class name. DIR may be a
# directory without a cluster (tools against broker-lite): then the default
# version's jars are used.
#
# JVM flags: small heaps, the serial collector and C1 only, since start-up
# dominates in tests. KAFKA_BROKER_JVM_OPTS and KAFKA_TOOL_JVM_OPTS replace
# them (the benchmark does, to give Kafka its full JIT).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
version=${KAFKA_VERSION:-4.2.2}
cache=${KCTL_CACHE:-$HOME/.cache/kctl}
scram_user=kctl-scram
scram_password=kctl-scram-secret
broker_jvm_opts=${KAFKA_BROKER_JVM_OPTS:--Xms96m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xss512k -Djava.awt.headless=true}
tool_jvm_opts=${KAFKA_TOOL_JVM_OPTS:--Xms32m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Djava.awt.headless=true}
ready_timeout_s=${KAFKA_START_TIMEOUT_S:-90}

die() { echo "apache-kafka.sh: $*" >&2; exit 1; }

libs_of() { echo "$cache/kafka-$1/libs"; }

install() {
  local libs
  libs=$(libs_of "$version")
  [[ -f "$libs/.complete" ]] && return 0
  command -v mvn >/dev/null || die "mvn is needed to fetch Apache Kafka $version (bash .ci/setup installs it)"
  command -v java >/dev/null || die "java (17+) is needed to run Apache Kafka (bash .ci/setup installs it)"
  echo "apache-kafka.sh: fetching Apache Kafka $version from Maven Central into $libs" >&2
  rm -rf "$libs"
  mkdir -p "$libs"
  mvn -q -B -f "$here/apache-kafka/pom.xml" -Dkafka.version="$version" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$libs" >&2 \
    || die "mvn could not fetch Apache Kafka $version"
  [[ -f "$libs/kafka_2.13-$version.jar" ]] || die "kafka_2.13-$version.jar missing after mvn"
  touch "$libs/.complete"
}

# The jar directory a cluster directory was started with, or the default's.
libs_for_dir() {
  if [[ -f "$1/libs" ]]; then cat "$1/libs"; else install; libs_of "$version"; fi
}

# N free loopback ports, one per line. They are released before Kafka binds
# them; the window is small and a clash makes start fail loudly.
free_ports() {
  python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
for s in socks:
    print(s.getsockname()[1])
PY
}

# Kafka's Uuid text form: 16 random bytes, URL-safe base64 without padding.
# A random Kafka UUID (URL-safe base64 of 16 bytes). Like Kafka's own
# Uuid.randomUuid, never one starting with '-': kafka-storage's argument
# parser would take `-t -abc...` for an option and fail the format.
kafka_uuid() {
  local id
  while id=$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'); [[ $id == -* ]]; do :; done
  echo "$id"
}

node_pid() { cat "$1/node-$2/pid" 2>/dev/null || true; }
alive() { [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null; }

launch_node() {
  local dir=$1 node=$2 libs
  libs=$(cat "$dir/libs")
  # setsid: the brokers outlive the shell (and test) that started them.
  # shellcheck disable=SC2086
  setsid nohup java $broker_jvm_opts \
    -Dlog4j2.configurationFile="$here/apache-kafka/log4j2-broker.properties" \
    -cp "$libs/*" kafka.Kafka "$dir/node-$node/server.properties" \
    >>"$dir/node-$node/server.log" 2>&1 </dev/null &
  echo $! >"$dir/node-$node/pid"
}

# Waits until each listed node has been unfenced by the controller, which is
# when Kafka counts it as a registered broker that serves clients.
wait_registered() {
  local dir=$1; shift
  local deadline=$((SECONDS + ready_timeout_s)) node pending
  while :; do
    pending=()
    for node in "$@"; do
      if ! grep -q "The broker has been unfenced" "$dir/node-$node/server.log" 2>/dev/null; then
        alive "$(node_pid "$dir" "$node")" || {
          tail -n 40 "$dir/node-$node/server.log" >&2
          die "node $node exited during start (log: $dir/node-$node/server.log)"
        }
        pending+=("$node")
      fi
    done
    ((${#pending[@]} == 0)) && return 0
    ((SECONDS < deadline)) || die "nodes ${pending[*]} not registered after ${ready_timeout_s}s (logs under $dir)"
    sleep 0.2
  done
}

make_tls() {
  local tls=$1
  mkdir -p "$tls"
  (
    cd "$tls"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=kctl test CA" \
      -keyout ca.key -out ca.pem 2>/dev/null
    # Broker certificate: valid for IP 127.0.0.1 only, so a client that
    # dials "localhost" meets a hostname mismatch (the wrong-hostname test).
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout broker.key -out broker.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1\n' >broker.ext
    openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
      -extfile broker.ext -out broker.pem 2>/dev/null
    openssl pkcs12 -export -in broker.pem -inkey broker.key -certfile ca.pem \
      -name broker -passout pass:kctl-keystore -out broker.p12
    # X.509 v3 (an extension file makes it so): rustls, unlike Java,
    # refuses v1 certificates.
    openssl req -newkey rsa:2048 -nodes -subj "/CN=kctl-client" -keyout client.key -out client.csr 2>/dev/null
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' >client.ext
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
      -extfile client.ext -out client.pem 2>/dev/null
    # A second CA the brokers do not know: the untrusted-CA test.
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=kctl other CA" \
      -keyout other-ca.key -out other-ca.pem 2>/dev/null
    rm -f ./*.csr ./*.srl ./*.ext
  )
}

write_node_config() {
  local dir=$1 node=$2 n=$3 controller_port=$4 plain=$5 sasl=$6 ssl=$7
  local rf=$((n < 3 ? n : 3)) listeners advertised protocols roles
  roles=broker
  listeners="PLAINTEXT://127.0.0.1:$plain"
  advertised="PLAINTEXT://127.0.0.1:$plain"
  protocols="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
  if [[ -n "$sasl" ]]; then
    listeners+=",SASL_SSL://127.0.0.1:$sasl,SSL://127.0.0.1:$ssl"
    advertised+=",SASL_SSL://127.0.0.1:$sasl,SSL://127.0.0.1:$ssl"
    protocols+=",SASL_SSL:SASL_SSL,SSL:SSL"
  fi
  if ((node == 1)); then
    roles=broker,controller
    listeners+=",CONTROLLER://127.0.0.1:$controller_port"
  fi
  mkdir -p "$dir/node-$node/data"
  cat >"$dir/node-$node/server.properties" <<EOF
# Written by .ci/apache-kafka.sh for a test cluster; not for production.
process.roles=$roles
node.id=$node
controller.quorum.voters=1@127.0.0.1:$controller_port
controller.listener.names=CONTROLLER
listeners=$listeners
advertised.listeners=$advertised
listener.security.protocol.map=$protocols
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/node-$node/data
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=1
# A share group's share.record.lock.duration.ms may go down to 1 s (the
# floor is 15 s by default), so the lock-expiry test waits seconds.
group.share.min.record.lock.duration.ms=1000
# Tests want rebalances and failure detection in seconds, not tens of them.
group.initial.rebalance.delay.ms=0
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=4000
# KIP-848 consumer groups: a killed member is noticed in 10 s (the
# default is 45 s) and members heartbeat every second.
group.consumer.min.session.timeout.ms=6000
group.consumer.session.timeout.ms=10000
group.consumer.min.heartbeat.interval.ms=1000
group.consumer.heartbeat.interval.ms=1000
replica.lag.time.max.ms=6000
num.network.threads=2
num.io.threads=4
num.replica.fetchers=1
background.threads=2
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=4194304
EOF
  if [[ -n "$sasl" ]]; then
    cat >>"$dir/node-$node/server.properties" <<EOF
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PKCS12
ssl.keystore.location=$dir/tls/broker.p12
ssl.keystore.password=kctl-keystore
ssl.key.password=kctl-keystore
ssl.truststore.type=PEM
ssl.truststore.location=$dir/tls/ca.pem
listener.name.ssl.ssl.client.auth=required
EOF
  fi
}

start() {
  local n=1 dir="" security=0
  while (($#)); do
    case $1 in
      --brokers) n=$2; shift 2 ;;
      --dir) dir=$2; shift 2 ;;
      --security) security=1; shift ;;
      *) die "start: unknown argument $1" ;;
    esac
  done
  [[ -n "$dir" ]] || die "start: --dir DIR is required"
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "start: --brokers must be a positive number"
  install
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  local node
  for node in $(seq "$n"); do
    alive "$(node_pid "$dir" "$node")" && die "node $node in $dir is already running (stop it first)"
  done
  rm -rf "$dir"/node-* "$dir"/tls "$dir"/bootstrap*
  libs_of "$version" >"$dir/libs"
  echo "$n" >"$dir/brokers"

  local per_node=1
  ((security)) && per_node=3
  local -a ports
  mapfile -t ports < <(free_ports $((n * per_node + 1)))
  local controller_port=${ports[0]} plain sasl ssl
  local -a boot_plain=() boot_sasl=() boot_ssl=()
  ((security)) && make_tls "$dir/tls"
  for node in $(seq "$n"); do
    local base=$((1 + (node - 1) * per_node))
    plain=${ports[$base]} sasl="" ssl=""
    if ((security)); then sasl=${ports[$((base + 1))]} ssl=${ports[$((base + 2))]}; fi
    write_node_config "$dir" "$node" "$n" "$controller_port" "$plain" "$sasl" "$ssl"
    boot_plain+=("127.0.0.1:$plain")
    [[ -n "$sasl" ]] && boot_sasl+=("127.0.0.1:$sasl") && boot_ssl+=("127.0.0.1:$ssl")
  done

  local cluster_id
  cluster_id=$(kafka_uuid)
  local -a scram=()
  ((security)) && scram=(--add-scram "SCRAM-SHA-512=[name=$scram_user,password=$scram_password]")
  # shellcheck disable=SC2086
  java $tool_jvm_opts -Dlog4j2.configurationFile="$here/apache-kafka/log4j2-tools.properties" \
    -cp "$(cat "$dir/libs")/*" kafka.tools.StorageTool format -t "$cluster_id" \
    -c "$dir/node-1/server.properties" "${scram[@]}" >"$dir/node-1/format.log" 2>&1 \
    || { cat "$dir/node-1/format.log" >&2; die "kafka-storage format failed"; }
  for node in $(seq 2 "$n"); do
    # What `kafka-storage format` writes for a broker-only node; a broker
    # reads its bootstrap metadata from the controller, not from disk.
    printf 'version=1\ncluster.id=%s\nnode.id=%s\ndirectory.id=%s\n' \
      "$cluster_id" "$node" "$(kafka_uuid)" >"$dir/node-$node/data/meta.properties"
  done

  for node in $(seq "$n"); do launch_node "$dir" "$node"; done
  wait_registered "$dir" $(seq "$n")

  local IFS=,
  echo "BOOTSTRAP=${boot_plain[*]}" >"$dir/bootstrap"
  cat "$dir/bootstrap"
  if ((security)); then
    echo "BOOTSTRAP_SASL_SSL=${boot_sasl[*]}" >"$dir/bootstrap-sasl-ssl"
    echo "BOOTSTRAP_SSL=${boot_ssl[*]}" >"$dir/bootstrap-ssl"
    printf 'SCRAM_USER=%s\nSCRAM_PASSWORD=%s\n' "$scram_user" "$scram_password" >"$dir/scram"
    cat "$dir/bootstrap-sasl-ssl" "$dir/bootstrap-ssl"
  fi
}

stop_pid() {
  local pid=$1 signal=$2 i
  alive "$pid" || return 0
  kill "-$signal" "$pid" 2>/dev/null || true
  for i in $(seq 150); do alive "$pid" || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

stop() {
  local dir=${1:?stop DIR} node
  [[ -f "$dir/brokers" ]] || die "no cluster in $dir"
  # Brokers first, the controller last, so the brokers can deregister.
  for node in $(seq "$(cat "$dir/brokers")" -1 1); do
    stop_pid "$(node_pid "$dir" "$node")" TERM &
  done
  wait
  rm -f "$dir"/node-*/pid
}

kill_node() {
  local node=${1:?kill NODE DIR} dir=${2:?kill NODE DIR}
  [[ -f "$dir/node-$node/server.properties" ]] || die "no node $node in $dir"
  stop_pid "$(node_pid "$dir" "$node")" KILL
  rm -f "$dir/node-$node/pid"
}

restart_node() {
  local node=${1:?restart NODE DIR} dir=${2:?restart NODE DIR}
  kill_node "$node" "$dir"
  # A fresh log, so the wait below sees this start's unfencing only.
  mv "$dir/node-$node/server.log" "$dir/node-$node/server.log.$(date +%s%N)"
  launch_node "$dir" "$node"
  wait_registered "$dir" "$node"
}

tool() {
  local dir=${1:?tool DIR CLASS ARGS...} class=${2:?tool DIR CLASS ARGS...}
  shift 2
  case $class in
    TopicCommand | ConsoleProducer | ProducerPerformance | ConsumerPerformance | GetOffsetShell \
      | DeleteRecordsCommand | AclCommand | FeatureCommand | MetadataQuorumCommand)
      class=org.apache.kafka.tools.$class ;;
    ConsoleConsumer) class=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
    ConsumerGroupCommand) class=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
    ConfigCommand) class=kafka.admin.ConfigCommand ;;
    StorageTool) class=kafka.tools.StorageTool ;;
    *.*) ;;
    *) die "tool: unknown class $class" ;;
  esac
  local libs
  libs=$(libs_for_dir "$dir")
  # shellcheck disable=SC2086
  exec java $tool_jvm_opts -Dlog4j2.configurationFile="$here/apache-kafka/log4j2-tools.properties" \
    -cp "$libs/*" "$class" "$@"
}

cmd=${1:-}
shift || true
case $cmd in
  install) install ;;
  classpath) install; libs_of "$version" ;;
  start) start "$@" ;;
  stop) stop "$@" ;;
  kill) kill_node "$@" ;;
  restart) restart_node "$@" ;;
  tool) tool "$@" ;;
  *) sed -n '2,14p' "$0" >&2; exit 2 ;;
esac
