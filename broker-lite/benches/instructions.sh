#!/usr/bin/env bash
# broker-lite's instructions per record on its produce and fetch paths, from
# valgrind's callgrind (user-space instructions retired by the broker
# process). Instruction counts repeat from run to run on a noisy machine,
# where wall-clock figures do not (`perf stat -e instructions` is not
# supported in this VM, so callgrind it is).
#
#   bash broker-lite/benches/instructions.sh [records=20000] [value_bytes=100] [broker=target/release/broker-lite]
#
# Four broker runs under callgrind, each a fresh data directory, flush=none:
#   A: kcat produces N records            B: kcat produces 2N records
#   C: A, then kcat consumes them (-C -e) D: B, then kcat consumes them
# produce/record = (B - A) / N and fetch/record = ((D - B) - (C - A)) / N,
# so start-up, shutdown and connection set-up cancel out. kcat batches are
# pinned (linger 1 s, up to 1000 records and 1 MB per batch) so every run
# sends the same requests: full batches, one per Produce request.
#
# Also writes the callgrind profile of run D to $KCTL_CALLGRIND_OUT (if
# set), for `callgrind_annotate`.
set -euo pipefail
records=${1:-20000}
value_bytes=${2:-100}
root=$(cd "$(dirname "$0")/../.." && pwd)
broker=${3:-$root/target/release/broker-lite}
command -v valgrind >/dev/null || { echo "needs valgrind (apt install valgrind)" >&2; exit 1; }
command -v kcat >/dev/null || { echo "needs kcat (apt install kcat)" >&2; exit 1; }
[ -x "$broker" ] || { echo "no broker binary at $broker (cargo build --release -p broker-lite)" >&2; exit 1; }
work=$(mktemp -d)
trap 'kill "${broker_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

python3 - "$((records * 2))" "$value_bytes" > "$work/records.txt" <<'PY'
import random, string, sys
r = random.Random(1)
n, size = int(sys.argv[1]), int(sys.argv[2])
alphabet = string.ascii_letters
for i in range(n):
    sys.stdout.write("%08d-%s\n" % (i, "".join(r.choice(alphabet) for _ in range(size - 9))))
PY
head -n "$records" "$work/records.txt" > "$work/n.txt"

kcat_producer=(-X linger.ms=1000 -X batch.num.messages=1000 -X batch.size=1000000 -X message.max.bytes=1000000)

# run NAME RECORDS_FILE CONSUME(0|1) -> prints total instructions
run() {
  local name=$1 file=$2 consume=$3
  local data="$work/data-$name" out="$work/callgrind-$name.out" log="$work/broker-$name.log"
  valgrind --tool=callgrind --callgrind-out-file="$out" "$broker" \
    --data-dir "$data" --listen 127.0.0.1:0 --flush none --log warn 2>"$log" &
  broker_pid=$!
  until grep -qs "bootstrap server" "$log"; do sleep 0.2; done
  local bootstrap
  bootstrap=$(sed -n 's/.*bootstrap server: //p' "$log")
  kcat -b "$bootstrap" -P -t bench "${kcat_producer[@]}" -l "$file"
  if [ "$consume" = 1 ]; then
    local want got
    want=$(wc -l < "$file")
    got=$(kcat -b "$bootstrap" -C -t bench -e -q -o beginning -f '%s\n' | wc -l)
    [ "$got" -eq "$want" ] || { echo "consumed $got of $want" >&2; exit 1; }
  fi
  kill -INT "$broker_pid"
  wait "$broker_pid" || true
  broker_pid=
  sed -n 's/^summary: //p' "$out"
}

a=$(run A "$work/n.txt" 0)
b=$(run B "$work/records.txt" 0)
c=$(run C "$work/n.txt" 1)
d=$(run D "$work/records.txt" 1)
if [ -n "${KCTL_CALLGRIND_OUT:-}" ]; then cp "$work/callgrind-D.out" "$KCTL_CALLGRIND_OUT"; fi
python3 - "$records" "$value_bytes" "$a" "$b" "$c" "$d" <<'PY'
import sys
n, size = int(sys.argv[1]), int(sys.argv[2])
a, b, c, d = map(int, sys.argv[3:7])
print(f"runs (instructions): A={a:,} B={b:,} C={c:,} D={d:,}")
print(f"produce: {(b - a) / n:,.0f} instructions/record ({size} B values, batches of min(1000 records, 1 MB))")
print(f"fetch:   {((d - b) - (c - a)) / n:,.0f} instructions/record")
PY
