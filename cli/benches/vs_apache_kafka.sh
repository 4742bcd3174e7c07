#!/usr/bin/env bash
# kctl perf produce and Kafka's own ProducerPerformance, each into Apache
# Kafka (1 broker, .ci/apache-kafka.sh, full JIT) and into broker-lite
# (`kctl broker start`, flush none), in the same run: N x S-byte records,
# acks=1, linger 5 ms, batches up to 256 KiB, no compression, into a fresh
# 1-partition topic per measurement. Rounds alternate the order; medians.
#
#   bash cli/benches/vs_apache_kafka.sh [records=1000000] [rounds=3] [record_bytes=100]
set -euo pipefail
records=${1:-1000000}
rounds=${2:-3}
record_bytes=${3:-100}
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=cli/benches/common.sh
source "$root/cli/benches/common.sh"
kafka_dir="$work/apache-kafka"
trap 'bash "$root/.ci/apache-kafka.sh" stop "$kafka_dir" >/dev/null 2>&1 || true; kill "${broker_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

# Kafka as its start script runs it (1 GiB heap, G1, C2); the perf tool too.
export KAFKA_BROKER_JVM_OPTS="-Xms1g -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true"
export KAFKA_TOOL_JVM_OPTS="-Xmx512m -Djava.awt.headless=true"
kafka_bootstrap=$(bash "$root/.ci/apache-kafka.sh" start --brokers 1 --dir "$kafka_dir" | sed -n 's/^BOOTSTRAP=//p')
start_broker "$work/broker-lite"
lite_bootstrap=$bootstrap

props=(acks=1 linger.ms=5 batch.size=262144 compression.type=none)

kctl_run() { # bootstrap topic -> records/s
  "$kctl" -b "$1" topic create "$2" -p 1 >/dev/null
  "$kctl" -b "$1" -o json perf produce "$2" --num-records "$records" --record-size "$record_bytes" \
    --acks 1 --linger-ms 5 --compression none --producer-props batch.size=262144 \
    | python3 -c 'import json, sys; print("%.0f" % json.load(sys.stdin)["msg_per_s"])'
}
java_run() { # bootstrap topic -> records/s
  "$kctl" -b "$1" topic create "$2" -p 1 >/dev/null
  bash "$root/.ci/apache-kafka.sh" tool "$kafka_dir" ProducerPerformance --topic "$2" \
    --num-records "$records" --record-size "$record_bytes" --throughput -1 \
    --command-property "bootstrap.servers=$1" "${props[@]}" 2>/dev/null \
    | sed -n 's/^[0-9]* records sent, \([0-9.]*\) records\/sec.*/\1/p' | tail -1
}

for round in $(seq "$rounds"); do
  if (( round % 2 )); then
    a=$(kctl_run "$kafka_bootstrap" "k-$round"); b=$(kctl_run "$lite_bootstrap" "k-$round")
    c=$(java_run "$kafka_bootstrap" "j-$round"); d=$(java_run "$lite_bootstrap" "j-$round")
  else
    d=$(java_run "$lite_bootstrap" "j-$round"); c=$(java_run "$kafka_bootstrap" "j-$round")
    b=$(kctl_run "$lite_bootstrap" "k-$round"); a=$(kctl_run "$kafka_bootstrap" "k-$round")
  fi
  echo "$a $b $c $d" >>"$work/results"
  echo "round $round (records/s): kctl->kafka $a  kctl->broker-lite $b  java->kafka $c  java->broker-lite $d"
done

python3 - "$work/results" "$records" "$record_bytes" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
med = [statistics.median(r[i] for r in rows) for i in range(4)]
mb = lambda r: r * int(sys.argv[3]) / 1e6
print(f"median of {len(rows)} rounds, {int(sys.argv[2]):,} x {sys.argv[3]} B, acks=1, 1 partition:")
print("| producer | into Apache Kafka (1 broker) | into broker-lite | broker-lite / Kafka |")
print("|---|---|---|---|")
print(f"| kctl perf produce | {med[0]:,.0f} msgs/s ({mb(med[0]):.1f} MB/s) | {med[1]:,.0f} msgs/s ({mb(med[1]):.1f} MB/s) | {med[1]/med[0]:.2f}x |")
print(f"| Kafka ProducerPerformance | {med[2]:,.0f} msgs/s ({mb(med[2]):.1f} MB/s) | {med[3]:,.0f} msgs/s ({mb(med[3]):.1f} MB/s) | {med[3]/med[2]:.2f}x |")
print(f"| kctl / Java | {med[0]/med[2]:.2f}x | {med[1]/med[3]:.2f}x | |")
PY
