#!/usr/bin/env bash
# kctl-client's producer against librdkafka 2.16's (the library inside
# confluent-kafka 2.16.1's wheel, built into client/benches/rdkafka_perf.c by
# client/benches/librdkafka_peer.sh), side by side in one run, into the same
# broker-lite:
# N x S-byte records, acks=1, linger 5 ms, no compression, no idempotence.
#
#   bash client/benches/produce.sh [records=1000000] [rounds=5] [record_bytes=100]
#
# Each round starts a fresh broker-lite (--flush none), then runs both
# producers, alternating which goes first. Prints per-round lines and the
# medians with the ratio. Needs cc, python3 with pip and apt-get (for the
# peer's wheel and source; cached under target/librdkafka-peer/).
set -euo pipefail
records=${1:-1000000}
rounds=${2:-5}
record_bytes=${3:-100}
root=$(cd "$(dirname "$0")/../.." && pwd)
peer_bin=$(bash "$root/client/benches/librdkafka_peer.sh")
work=$(mktemp -d)
trap 'kill "${broker_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

cargo build --release -q -p broker-lite -p kctl-client --example perf_produce --manifest-path "$root/Cargo.toml"

# A producer that fails stops the run with its stderr shown, not silently.
run_or_report() {
  local name=$1; shift
  local status=0
  "$@" 2>"$work/$name.err" || status=$?
  if (( status != 0 )); then
    echo "$name failed (exit $status):" >&2; cat "$work/$name.err" >&2
    echo "broker-lite's log:" >&2; tail -20 "$work/broker.log" >&2
    return 1
  fi
}
ours() { run_or_report "kctl-client-round-$2" "$root/target/release/examples/perf_produce" "$1" "$records" "$record_bytes" "ours-$2"; }
theirs() { run_or_report "librdkafka-round-$2" "$peer_bin/rdkafka_perf" "$1" "rdkafka-$2" "$records" "$record_bytes"; }

for round in $(seq "$rounds"); do
  "$root/target/release/broker-lite" --data-dir "$work/data-$round" --listen 127.0.0.1:0 --log warn 2>"$work/broker.log" &
  broker_pid=$!
  until grep -q "bootstrap server" "$work/broker.log"; do sleep 0.05; done
  bootstrap=$(sed -n 's/.*bootstrap server: //p' "$work/broker.log")
  if (( round % 2 )); then a=$(ours "$bootstrap" "$round"); b=$(theirs "$bootstrap" "$round")
  else b=$(theirs "$bootstrap" "$round"); a=$(ours "$bootstrap" "$round"); fi
  echo "$a $b" >> "$work/results"
  echo "round $round: kctl-client $a | librdkafka $b   (records/s MB/s p50_ms p99_ms)"
  kill "$broker_pid"; wait "$broker_pid" || true
done

python3 - "$work/results" "$records" "$record_bytes" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
med = lambda i: statistics.median(r[i] for r in rows)
print(f"median of {len(rows)} rounds, {int(sys.argv[2]):,} x {sys.argv[3]} B, acks=1, into broker-lite (flush=none):")
print(f"  kctl-client: {med(0):,.0f} msgs/s, {med(1):.1f} MB/s, p50 {med(2):.1f} ms, p99 {med(3):.1f} ms")
print(f"  librdkafka 2.16: {med(4):,.0f} msgs/s, {med(5):.1f} MB/s, p50 {med(6):.1f} ms, p99 {med(7):.1f} ms")
print(f"  throughput ratio kctl-client / librdkafka: {med(0) / med(4):.2f}x")
PY
