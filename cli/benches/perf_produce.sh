#!/usr/bin/env bash
# `kctl perf produce` against the client's own benchmark producer
# (client/examples/perf_produce.rs), side by side in one run, into the same
# broker-lite, with the settings of client/benches/produce.sh: N x S-byte
# random records, acks=1, linger 5 ms, batches up to 1 MB, no compression,
# no idempotence. Both use kctl_client::perf's loop, so a gap between them
# is the command's own cost (argument parsing, metadata, the progress bar).
#
#   bash cli/benches/perf_produce.sh [records=1000000] [rounds=3] [record_bytes=100]
set -euo pipefail
records=${1:-1000000}
rounds=${2:-3}
record_bytes=${3:-100}
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=cli/benches/common.sh
source "$root/cli/benches/common.sh"

# common.sh built kctl; with --example, cargo builds no binaries.
cargo build --release -q -p kctl-client --example perf_produce --manifest-path "$root/Cargo.toml"

example() { "$root/target/release/examples/perf_produce" "$1" "$records" "$record_bytes" "example-$2" 2>/dev/null; }
cli_run() {
  "$kctl" -b "$1" topic create "kctl-$2" -p 1 >/dev/null
  "$kctl" -b "$1" -o json perf produce "kctl-$2" --num-records "$records" --record-size "$record_bytes" \
    --acks 1 --linger-ms 5 --compression none \
    --producer-props batch.size=1000000 max.request.size=8388608 buffer.memory=268435456 \
    | python3 -c 'import json, sys; d = json.load(sys.stdin); print("%.0f %.1f %.2f %.2f" % (d["msg_per_s"], d["mb_per_s"], d["p50_ms"], d["p99_ms"]))'
}

for round in $(seq "$rounds"); do
  start_broker "$work/data-$round"
  if (( round % 2 )); then a=$(cli_run "$bootstrap" "$round"); b=$(example "$bootstrap" "$round")
  else b=$(example "$bootstrap" "$round"); a=$(cli_run "$bootstrap" "$round"); fi
  echo "$a $b" >> "$work/results"
  echo "round $round: kctl perf produce $a | perf_produce example $b   (records/s MB/s p50_ms p99_ms)"
  kill "$broker_pid"; wait "$broker_pid" || true
done

python3 - "$work/results" "$records" "$record_bytes" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
med = lambda i: statistics.median(r[i] for r in rows)
print(f"median of {len(rows)} rounds, {int(sys.argv[2]):,} x {sys.argv[3]} B, acks=1, into broker-lite (flush=none):")
print(f"  kctl perf produce : {med(0):,.0f} msgs/s, {med(1):.1f} MB/s, p50 {med(2):.1f} ms, p99 {med(3):.1f} ms")
print(f"  perf_produce (lib): {med(4):,.0f} msgs/s, {med(5):.1f} MB/s, p50 {med(6):.1f} ms, p99 {med(7):.1f} ms")
print(f"  ratio command / library: {med(0) / med(4):.2f}x")
PY
