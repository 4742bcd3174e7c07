#!/usr/bin/env bash
# Instructions per record of kctl-client's producer and consumer, counted by
# valgrind's callgrind: unlike wall time, the count barely moves with the
# machine's load, so a regression in the hot paths shows up as a number.
#
#   bash client/benches/instructions.sh [small=100000] [large=300000] [record_bytes=100]
#
# broker-lite (release, --flush none) runs natively on loopback; only the
# client example runs under callgrind (every thread counted). Each side runs
# twice, with `small` and `large` records, and the figure is
# (Ir(large) - Ir(small)) / (large - small): the start-up, connection and
# metadata costs are the same in both runs and cancel out.
#
# - produce: examples/perf_produce (kctl_client::perf::produce, the loop
#   `kctl perf produce` runs): acks=1, linger 5 ms, batch.size 1 MB, no key,
#   no compression, no idempotence, into a fresh 1-partition topic.
# - consume: examples/perf_consume --no-produce, reading from the beginning a
#   1-partition topic that perf_produce (not counted) filled with exactly that
#   many records.
#
# Prints one line per path: `produce|consume small_Ir large_Ir Ir_per_record`.
# Set KEEP=DIR to keep the callgrind.out files (for callgrind_annotate).
set -euo pipefail
small=${1:-100000}
large=${2:-300000}
record_bytes=${3:-100}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'kill "${broker_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 1; }

cargo build --release -q -p broker-lite --bin broker-lite -p kctl-client --example perf_produce --example perf_consume \
  --manifest-path "$root/Cargo.toml"
bin=${CARGO_TARGET_DIR:-$root/target}/release
# EXAMPLES=DIR runs other builds of the two examples (say, saved from before
# a change) against the same broker.
examples=${EXAMPLES:-$bin/examples}

"$bin/broker-lite" --data-dir "$work/data" --listen 127.0.0.1:0 --flush none --log warn 2>"$work/broker.log" &
broker_pid=$!
until grep -q "bootstrap server" "$work/broker.log"; do sleep 0.05; done
bootstrap=$(sed -n 's/.*bootstrap server: //p' "$work/broker.log")

# Total instructions of one callgrind run (all threads).
instructions() {
  local out=$1; shift
  valgrind --tool=callgrind --callgrind-out-file="$out" "$@" >/dev/null 2>"$out.log" \
    || { cat "$out.log" >&2; return 1; }
  sed -n 's/^summary: *//p' "$out"
}

declare -A ir
for n in "$small" "$large"; do
  ir[produce-$n]=$(instructions "$work/callgrind.produce.$n" \
    "$examples/perf_produce" "$bootstrap" "$n" "$record_bytes" "ip-produce-$n")
  "$examples/perf_produce" "$bootstrap" "$n" "$record_bytes" "ip-consume-$n" >/dev/null 2>&1
  ir[consume-$n]=$(instructions "$work/callgrind.consume.$n" \
    "$examples/perf_consume" "$bootstrap" "$n" "$record_bytes" "ip-consume-$n" --no-produce)
done
for path in produce consume; do
  a=${ir[$path-$small]}; b=${ir[$path-$large]}
  echo "$path $a $b $(( (b - a) / (large - small) ))"
done
if [[ -n "${KEEP:-}" ]]; then mkdir -p "$KEEP"; cp "$work"/callgrind.*[0-9] "$KEEP"/; fi
