#!/usr/bin/env bash
# broker-lite against Apache Kafka (1 broker, .ci/apache-kafka.sh, full JIT)
# on the same machine, with the same clients, in the same run:
#
#   - produce: kctl perf produce and Kafka's own ProducerPerformance, each
#     into both brokers: N x S-byte records, acks=1, linger 5 ms, batches up
#     to 256 KiB, no compression, into a fresh 1-partition topic per
#     measurement; msgs/s and p99 send->ack latency;
#   - consume: kctl perf consume and Kafka's ConsumerPerformance reading the
#     N records kctl produced in that round, from each broker (msgs/s;
#     ConsumerPerformance's fetch.nMsg.sec, which leaves out its group join,
#     as kctl perf consume assigns without a group);
#   - start-up: from launching the broker (Kafka: restarting its node, with
#     its storage already formatted; broker-lite: `kctl broker start` on an
#     empty data directory) to the first request served (`kctl topic list`
#     succeeding, probed every 50 ms), median of the rounds;
#   - memory: peak RSS (VmHWM in /proc/PID/status) of each broker process
#     after all rounds.
#
# Rounds alternate the order; medians.
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
echo "# $(nproc) cores; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# Kafka as its start script runs it (1 GiB heap, G1, C2); the perf tools too.
export KAFKA_BROKER_JVM_OPTS="-Xms1g -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true"
export KAFKA_TOOL_JVM_OPTS="-Xmx512m -Djava.awt.headless=true"
kafka_bootstrap=$(bash "$root/.ci/apache-kafka.sh" start --brokers 1 --dir "$kafka_dir" | sed -n 's/^BOOTSTRAP=//p')
kafka_pid() { cat "$kafka_dir/node-1/pid"; }

now_ms() { date +%s%3N; }
# Milliseconds from $1 (ms) until `kctl topic list` against $2 succeeds.
until_served() {
  local started=$1 bootstrap=$2
  until "$kctl" -b "$bootstrap" --timeout 1s topic list >/dev/null 2>&1; do sleep 0.05; done
  echo $(($(now_ms) - started))
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

kafka_startup() { # -> ms
  local started
  started=$(now_ms)
  bash "$root/.ci/apache-kafka.sh" restart 1 "$kafka_dir" >/dev/null
  until_served "$started" "$kafka_bootstrap"
}
lite_startup() { # round -> ms; leaves the broker running when round is "keep"
  local port started
  port=$(free_port)
  started=$(now_ms)
  "$kctl" broker start --data-dir "$work/lite-start-$1" --listen "127.0.0.1:$port" 2>/dev/null &
  local pid=$!
  until_served "$started" "127.0.0.1:$port"
  kill "$pid"; wait "$pid" || true
  rm -rf "$work/lite-start-$1"
}

props=(acks=1 linger.ms=5 batch.size=262144 compression.type=none)
kctl_produce() { # bootstrap topic -> "msgs/s p99_ms"
  "$kctl" -b "$1" topic create "$2" -p 1 >/dev/null
  "$kctl" -b "$1" perf produce "$2" --num-records "$records" --record-size "$record_bytes" \
    --acks 1 --linger-ms 5 --compression none --producer-props batch.size=262144 --json \
    | python3 -c 'import json, sys; d = json.load(sys.stdin); print("%.0f %.1f" % (d["msg_per_s"], d["p99_ms"]))'
}
java_produce() { # bootstrap topic -> "msgs/s p99_ms"
  "$kctl" -b "$1" topic create "$2" -p 1 >/dev/null
  # "... records sent, 412345.6 records/sec (39.32 MB/sec), ... 45 ms 50th, 100 ms 95th, 120 ms 99th, 130 ms 99.9th."
  bash "$root/.ci/apache-kafka.sh" tool "$kafka_dir" ProducerPerformance --topic "$2" \
    --num-records "$records" --record-size "$record_bytes" --throughput -1 \
    --command-property "bootstrap.servers=$1" "${props[@]}" 2>/dev/null \
    | sed -n 's/^[0-9]* records sent, \([0-9.]*\) records\/sec.* \([0-9.]*\) ms 99th.*/\1 \2/p' | tail -1
}
kctl_consume() { # bootstrap topic -> msgs/s
  "$kctl" -b "$1" perf consume "$2" --num-records "$records" --json \
    | python3 -c 'import json, sys; print("%.0f" % json.load(sys.stdin)["msg_per_s"])'
}
java_consume() { # bootstrap topic -> msgs/s (fetch.nMsg.sec, the 10th column)
  bash "$root/.ci/apache-kafka.sh" tool "$kafka_dir" ConsumerPerformance --bootstrap-server "$1" \
    --topic "$2" --messages "$records" --group "perf-$RANDOM" 2>/dev/null \
    | awk -F', *' 'NR > 1 && NF >= 10 { v = $10 } END { printf "%.0f\n", v }'
}

start_broker "$work/broker-lite"
lite_bootstrap=$bootstrap

for round in $(seq "$rounds"); do
  if (( round % 2 )); then
    a=$(kctl_produce "$kafka_bootstrap" "k-$round"); b=$(kctl_produce "$lite_bootstrap" "k-$round")
    c=$(java_produce "$kafka_bootstrap" "j-$round"); d=$(java_produce "$lite_bootstrap" "j-$round")
    e=$(kctl_consume "$kafka_bootstrap" "k-$round"); f=$(kctl_consume "$lite_bootstrap" "k-$round")
    g=$(java_consume "$kafka_bootstrap" "k-$round"); h=$(java_consume "$lite_bootstrap" "k-$round")
  else
    d=$(java_produce "$lite_bootstrap" "j-$round"); c=$(java_produce "$kafka_bootstrap" "j-$round")
    b=$(kctl_produce "$lite_bootstrap" "k-$round"); a=$(kctl_produce "$kafka_bootstrap" "k-$round")
    h=$(java_consume "$lite_bootstrap" "k-$round"); g=$(java_consume "$kafka_bootstrap" "k-$round")
    f=$(kctl_consume "$lite_bootstrap" "k-$round"); e=$(kctl_consume "$kafka_bootstrap" "k-$round")
  fi
  echo "$a $b $c $d $e $f $g $h" >>"$work/results"
  echo "round $round: produce (msgs/s p99_ms) kctl->kafka $a | kctl->lite $b | java->kafka $c | java->lite $d; consume (msgs/s) kctl<-kafka $e | kctl<-lite $f | java<-kafka $g | java<-lite $h; load $(cut -d' ' -f1 /proc/loadavg)"
done

# Peak memory after the load, before the restarts below reset Kafka's.
kafka_rss_kb=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$(kafka_pid)/status")
lite_rss_kb=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$broker_pid/status")
for round in $(seq "$rounds"); do
  echo "$(kafka_startup) $(lite_startup "$round")" >>"$work/startup"
done

python3 - "$work/results" "$work/startup" "$records" "$record_bytes" "$kafka_rss_kb" "$lite_rss_kb" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
starts = [list(map(float, l.split())) for l in open(sys.argv[2])]
med = [statistics.median(r[i] for r in rows) for i in range(len(rows[0]))]
n, size = int(sys.argv[3]), int(sys.argv[4])
kafka_rss, lite_rss = int(sys.argv[5]) / 1024, int(sys.argv[6]) / 1024
mb = lambda r: r * size / 1e6
rate = lambda r: f"{r:,.0f} msgs/s ({mb(r):.1f} MB/s)"
print(f"\nmedians of {len(rows)} rounds, {n:,} x {size} B, acks=1, 1 partition; load average at the end {sys.argv[7]}")
print("| | Apache Kafka (1 broker) | broker-lite | broker-lite / Kafka |")
print("|---|---|---|---|")
# Columns: 0,1 kctl produce (rate, p99) into Kafka; 2,3 into broker-lite;
# 4,5 / 6,7 ProducerPerformance; 8..11 consumes.
print(f"| produce, kctl perf | {rate(med[0])} | {rate(med[2])} | {med[2] / med[0]:.2f}x |")
print(f"| produce, ProducerPerformance | {rate(med[4])} | {rate(med[6])} | {med[6] / med[4]:.2f}x |")
print(f"| p99 send->ack, kctl perf | {med[1]:.1f} ms | {med[3]:.1f} ms | |")
print(f"| p99 send->ack, ProducerPerformance | {med[5]:.0f} ms | {med[7]:.0f} ms | |")
print(f"| consume, kctl perf | {rate(med[8])} | {rate(med[9])} | {med[9] / med[8]:.2f}x |")
print(f"| consume, ConsumerPerformance (fetch) | {rate(med[10])} | {rate(med[11])} | {med[11] / med[10]:.2f}x |")
ks, ls = statistics.median(s[0] for s in starts), statistics.median(s[1] for s in starts)
print(f"| start-up to the first request served | {ks:,.0f} ms | {ls:,.0f} ms | {ls / ks:.3f}x |")
print(f"| peak RSS (VmHWM) after the runs | {kafka_rss:,.0f} MiB | {lite_rss:,.0f} MiB | {lite_rss / kafka_rss:.3f}x |")
PY
