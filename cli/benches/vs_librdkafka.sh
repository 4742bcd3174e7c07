#!/usr/bin/env bash
# `kctl perf produce` / `kctl perf consume` against librdkafka 2.16's own
# rdkafka_performance (built by client/benches/librdkafka_peer.sh against
# the librdkafka in confluent-kafka 2.16.1's wheel), into and out of the same
# broker-lite (`kctl broker start`, flush none) in the same run, with the
# loopback bandwidth iperf3 measures on this machine next to them.
#
#   bash cli/benches/vs_librdkafka.sh [records=2000000] [rounds=5] [record_bytes=100]
#
# Produce: N x S-byte records, linger 5 ms, batches up to 1 MB, a 256 MiB
# buffer, no compression, no idempotence, into a fresh 1-partition topic per
# measurement (deleted after it), at acks=1 and at acks=all; the two
# producers alternate which goes first. Consume: N records from the
# beginning of one 1-partition topic, read by each consumer in every round.
# Medians of the rounds, and the ratios kctl / librdkafka. Needs release
# builds (made here), cc, python3, apt-get (for the peer) and iperf3
# (apt-get install iperf3).
set -euo pipefail
records=${1:-2000000}
rounds=${2:-5}
record_bytes=${3:-100}
root=$(cd "$(dirname "$0")/../.." && pwd)
command -v iperf3 >/dev/null || { echo "iperf3 is needed (apt-get install iperf3)" >&2; exit 1; }
peer_bin=$(bash "$root/client/benches/librdkafka_peer.sh")
# shellcheck source=cli/benches/common.sh
source "$root/cli/benches/common.sh"
rdperf="$peer_bin/rdkafka_performance"
echo "# $(nproc) cores; load average at start: $(cut -d' ' -f1-3 /proc/loadavg); librdkafka $("$peer_bin/librdkafka_version")"

# A tool that fails stops the run with its stderr shown, not silently.
checked() {
  local status=0
  "$@" 2>"$work/last.err" || status=$?
  if (( status != 0 )); then
    echo "$1 failed (exit $status):" >&2; tail -20 "$work/last.err" >&2
    echo "broker-lite's log:" >&2; tail -20 "$work/broker.log" >&2
    exit 1
  fi
}
json_field() { python3 -c 'import json, sys; print("%.0f" % json.load(sys.stdin)[sys.argv[1]])' "$1"; }

kctl_produce() { # topic acks -> msgs/s
  "$kctl" -b "$bootstrap" topic create "$1" -p 1 >/dev/null
  checked "$kctl" -b "$bootstrap" perf produce "$1" --num-records "$records" --record-size "$record_bytes" \
    --acks "$2" --linger-ms 5 --compression none --json \
    --producer-props enable.idempotence=false batch.size=1000000 max.request.size=8388608 buffer.memory=268435456 \
    | json_field msg_per_s
  "$kctl" -b "$bootstrap" topic delete "$1" --yes >/dev/null
}
# rdkafka_performance's last summary line: "... in 558ms: 3582000 msgs/s and 358.28 MB/s, ..."
# (produce), "... consumed in 185ms: 1078457 msgs/s (107.85 MB/s)" (consume).
rd_rate() { sed -n 's/.*ms: \([0-9][0-9]*\) msgs\/s.*/\1/p' | tail -1; }
rd_produce() { # topic acks -> msgs/s
  "$kctl" -b "$bootstrap" topic create "$1" -p 1 >/dev/null
  local acks=$2; [[ $acks == all ]] && acks=-1
  checked "$rdperf" -P -t "$1" -b "$bootstrap" -s "$record_bytes" -c "$records" -a "$acks" -z none \
    -X linger.ms=5 -X batch.size=1000000 -X enable.idempotence=false \
    -X queue.buffering.max.messages=2000000 -X queue.buffering.max.kbytes=262144 | rd_rate
  "$kctl" -b "$bootstrap" topic delete "$1" --yes >/dev/null
}
kctl_consume() { # -> msgs/s
  checked "$kctl" -b "$bootstrap" perf consume source --num-records "$records" --json | json_field msg_per_s
}
rd_consume() { # -> msgs/s
  checked "$rdperf" -C -t source -p 0 -o beginning -b "$bootstrap" -c "$records" | rd_rate
}
iperf() { # -> Gbit/s over 127.0.0.1, 3 s
  local port=$((20000 + RANDOM % 20000))
  iperf3 -s -1 -B 127.0.0.1 -p "$port" >/dev/null 2>&1 &
  local server=$!
  sleep 0.3
  iperf3 -c 127.0.0.1 -p "$port" -t 3 -J | python3 -c 'import json, sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))'
  wait "$server" || true
}

start_broker "$work/broker"
"$kctl" -b "$bootstrap" topic create source -p 1 >/dev/null
checked "$kctl" -b "$bootstrap" perf produce source --num-records "$records" --record-size "$record_bytes" \
  --linger-ms 5 --producer-props batch.size=1000000 >/dev/null

for round in $(seq "$rounds"); do
  if (( round % 2 )); then
    k1=$(kctl_produce "k1-$round" 1); r1=$(rd_produce "r1-$round" 1)
    ka=$(kctl_produce "ka-$round" all); ra=$(rd_produce "ra-$round" all)
    kc=$(kctl_consume); rc=$(rd_consume)
  else
    r1=$(rd_produce "r1-$round" 1); k1=$(kctl_produce "k1-$round" 1)
    ra=$(rd_produce "ra-$round" all); ka=$(kctl_produce "ka-$round" all)
    rc=$(rd_consume); kc=$(kctl_consume)
  fi
  net=$(iperf)
  echo "$k1 $r1 $ka $ra $kc $rc $net" >>"$work/results"
  echo "round $round (msgs/s): produce acks=1 kctl $k1 librdkafka $r1 | acks=all kctl $ka librdkafka $ra | consume kctl $kc librdkafka $rc | iperf3 $net Gbit/s | load $(cut -d' ' -f1 /proc/loadavg)"
done

python3 - "$work/results" "$records" "$record_bytes" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
med = [statistics.median(r[i] for r in rows) for i in range(7)]
n, size = int(sys.argv[2]), int(sys.argv[3])
mb = lambda rate: rate * size / 1e6
print(f"\nmedians of {len(rows)} rounds, {n:,} x {size} B, 1 partition, broker-lite (flush none); load average at the end {sys.argv[4]}")
print("| | kctl perf | rdkafka_performance (librdkafka 2.16) | kctl / librdkafka |")
print("|---|---|---|---|")
for name, k, r in (("produce, acks=1", med[0], med[1]), ("produce, acks=all", med[2], med[3]), ("consume", med[4], med[5])):
    print(f"| {name} | {k:,.0f} msgs/s ({mb(k):.1f} MB/s) | {r:,.0f} msgs/s ({mb(r):.1f} MB/s) | {k / r:.2f}x |")
print(f"| iperf3, 127.0.0.1 | {med[6]:.2f} Gbit/s = {med[6] * 1e3 / 8:,.0f} MB/s | | consume at {mb(med[4]) * 8 / (med[6] * 1e3):.0%} of loopback |")
PY
