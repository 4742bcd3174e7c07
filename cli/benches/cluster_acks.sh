#!/usr/bin/env bash
# The cost of acks=all on a local cluster: `kctl perf produce` of N x S-byte
# records into a 3-node broker-lite cluster (`kctl broker start --nodes 3`),
# at replication factor 1 and 3 (RF 3 with min.insync.replicas=2), with
# acks=1 and acks=all, the four runs in a rotating order in each round, each
# round on a fresh cluster. Prints each mode's median records/s and p99 ms,
# and acks=all's throughput as a ratio of acks=1 at the same RF.
#
#   bash cli/benches/cluster_acks.sh [records=200000] [rounds=3] [record_bytes=100] [profile=release]
#
# The machine's load is printed before and after (/proc/loadavg): the
# numbers mean little without it on a shared machine.
set -euo pipefail
records=${1:-200000}
rounds=${2:-3}
record_bytes=${3:-100}
profile=${4:-release}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'kill "${cluster_pid:-}" 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"' EXIT
if [[ $profile == release ]]; then
  cargo build --release -q -p kctl --manifest-path "$root/Cargo.toml"
else
  cargo build -q -p kctl --manifest-path "$root/Cargo.toml"
fi
kctl="$root/target/$profile/kctl"

start_cluster() { # data dir -> sets $bootstrap, $cluster_pid
  "$kctl" broker start --nodes 3 --data-dir "$1" --listen 127.0.0.1:0 >"$work/cluster.out" 2>"$work/cluster.log" &
  cluster_pid=$!
  until grep -q "^BOOTSTRAP=" "$work/cluster.out"; do
    kill -0 "$cluster_pid" 2>/dev/null || { cat "$work/cluster.log" >&2; exit 1; }
    sleep 0.1
  done
  bootstrap=$(sed -n 's/^BOOTSTRAP=//p' "$work/cluster.out")
}

modes=(rf1-acks1 rf1-acksall rf3-acks1 rf3-acksall)
run_mode() { # bootstrap mode topic -> "records/s p99_ms"
  local rf=${2%%-*} acks=${2##*-acks}
  rf=${rf#rf}
  [[ $acks == all ]] || acks=1
  local configs=()
  [[ $rf == 3 ]] && configs=(--config min.insync.replicas=2)
  "$kctl" -b "$1" topic create "$3" -p 1 --replication-factor "$rf" "${configs[@]}" >/dev/null
  # Metadata on every node within about a second (docs/architecture.md).
  sleep 1
  "$kctl" -b "$1" -o json perf produce "$3" --num-records "$records" --record-size "$record_bytes" \
    --acks "$acks" --linger-ms 5 --compression none \
    | python3 -c 'import json, sys; d = json.load(sys.stdin); print("%.0f/%.2f" % (d["records_per_s"], d["p99_ms"]))'
}

echo "load before: $(cat /proc/loadavg), $(nproc) cores"
for round in $(seq "$rounds"); do
  start_cluster "$work/data-$round"
  line=""
  for k in 0 1 2 3; do
    mode=${modes[$(( (k + round) % 4 ))]}
    line="$line $mode=$(run_mode "$bootstrap" "$mode" "t-$round-$mode")"
  done
  echo "round $round:$line (records/s / p99 ms)"
  echo "$line" >>"$work/results"
  kill "$cluster_pid"; wait "$cluster_pid" || true
done
echo "load after: $(cat /proc/loadavg)"

python3 - "$work/results" "$records" "$record_bytes" "$profile" <<'PY'
import statistics, sys
rows = [dict(kv.split("=") for kv in l.split()) for l in open(sys.argv[1])]
modes = ("rf1-acks1", "rf1-acksall", "rf3-acks1", "rf3-acksall")
rate = {m: statistics.median(float(r[m].split("/")[0]) for r in rows) for m in modes}
p99 = {m: statistics.median(float(r[m].split("/")[1]) for r in rows) for m in modes}
print(f"median of {len(rows)} rounds, {int(sys.argv[2]):,} x {sys.argv[3]} B, linger 5 ms, 3-node cluster, {sys.argv[4]} build:")
for m in modes:
    base = m.replace("acksall", "acks1")
    print(f"  {m:12}: {rate[m]:>10,.0f} records/s  p99 {p99[m]:>8.2f} ms  ({rate[m] / rate[base]:.3f}x acks=1 at this RF)")
PY
