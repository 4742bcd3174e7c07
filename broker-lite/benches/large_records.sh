#!/usr/bin/env bash
# Produce of large records into two broker-lite binaries, alternating in one
# run: typically the build of an earlier commit ("before") and this tree's
# ("after"). Per round and per broker: a fresh data directory, flush=none,
# one partition, then `kctl perf produce` (acks=1, linger 5 ms, no
# compression, 1 MiB batches: one record per batch at 1 MB) and, when kcat
# is installed, kcat -P (librdkafka, its defaults but message.max.bytes
# 1 MiB so a 1 MB record fits) of N x S-byte records. broker-lite keeps
# its defaults (message.max.bytes 1048588, Kafka's).
#
#   bash broker-lite/benches/large_records.sh BEFORE_BINARY [AFTER_BINARY] [records=1000] [record_bytes=1000000] [rounds=5]
#
# Build "before" with, e.g.:
#   git archive <commit> | tar -x -C /tmp/before && \
#     (cd /tmp/before && CARGO_TARGET_DIR=$PWD/target cargo build --release -p broker-lite) && \
#     cp target/release/broker-lite /tmp/broker-lite-before
# (run from this checkout, so the dependencies are not built twice).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
before=${1:?usage: large_records.sh BEFORE_BINARY [AFTER_BINARY] [records] [record_bytes] [rounds]}
after=${2:-$root/target/release/broker-lite}
records=${3:-1000}
record_bytes=${4:-1000000}
rounds=${5:-5}
work=$(mktemp -d)
trap 'kill "${broker_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
# WITH_KCTL=0 measures kcat alone (no release build of the kctl binary).
with_kctl=${WITH_KCTL:-1}
if [ "$with_kctl" = 1 ]; then
  cargo build --release -q -p kctl --manifest-path "$root/Cargo.toml"
fi
kctl="$root/target/release/kctl"
have_kcat=$(command -v kcat >/dev/null && echo 1 || echo 0)
if [ "$have_kcat" = 1 ]; then
  # kcat -P reads one record per line: S-1 random letters and the newline.
  python3 - "$records" "$record_bytes" > "$work/records.txt" <<'PY'
import random, string, sys
r = random.Random(1)
n, size = int(sys.argv[1]), int(sys.argv[2])
line = "".join(r.choice(string.ascii_letters) for _ in range(size - 1))
for i in range(n):
    sys.stdout.write("%08d%s\n" % (i, line[8:]))
PY
fi

start() {
  "$1" --data-dir "$2" --listen 127.0.0.1:0 --flush none --log warn 2>"$work/broker.log" &
  broker_pid=$!
  until grep -qs "bootstrap server" "$work/broker.log"; do
    kill -0 "$broker_pid" 2>/dev/null || { cat "$work/broker.log" >&2; exit 1; }
    sleep 0.05
  done
  bootstrap=$(sed -n 's/.*bootstrap server: \([^ ]*\).*/\1/p' "$work/broker.log")
}
stop() { kill "$broker_pid"; wait "$broker_pid" || true; broker_pid=; rm -rf "$1"; }

kctl_mb_s() {
  [ "$with_kctl" = 1 ] || { echo nan; return; }
  "$kctl" -b "$bootstrap" topic create kctl -p 1 >/dev/null
  "$kctl" -b "$bootstrap" -o json perf produce kctl --num-records "$records" --record-size "$record_bytes" \
    --acks 1 --linger-ms 5 --compression none \
    --producer-props max.request.size=8388608 batch.size=1048576 buffer.memory=268435456 \
    | python3 -c 'import json, sys; print("%.1f" % json.load(sys.stdin)["mb_per_s"])'
}
kcat_mb_s() {
  [ "$have_kcat" = 1 ] || { echo nan; return; }
  local t0 t1
  t0=$(date +%s.%N)
  kcat -b "$bootstrap" -P -t kcat -X message.max.bytes=1048576 -l "$work/records.txt"
  t1=$(date +%s.%N)
  python3 -c "print('%.1f' % ($records * $record_bytes / 1e6 / ($t1 - $t0)))"
}

measure() { # binary -> "kctl_MB/s kcat_MB/s"
  start "$1" "$work/data"
  local k c
  k=$(kctl_mb_s); c=$(kcat_mb_s)
  stop "$work/data"
  echo "$k $c"
}

for round in $(seq "$rounds"); do
  if (( round % 2 )); then b=$(measure "$before"); a=$(measure "$after")
  else a=$(measure "$after"); b=$(measure "$before"); fi
  echo "$b $a" >> "$work/results"
  echo "round $round: before kctl $(cut -d' ' -f1 <<<"$b") kcat $(cut -d' ' -f2 <<<"$b") | after kctl $(cut -d' ' -f1 <<<"$a") kcat $(cut -d' ' -f2 <<<"$a")  (MB/s)"
done

python3 - "$work/results" "$records" "$record_bytes" <<'PY'
import math, statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
med = lambda i: statistics.median(r[i] for r in rows)
print(f"median of {len(rows)} rounds, {int(sys.argv[2]):,} x {int(sys.argv[3]):,} B into broker-lite (flush=none), MB/s of values:")
if not math.isnan(med(0)):
    print(f"  kctl perf produce: before {med(0):.1f}, after {med(2):.1f}, after/before {med(2) / med(0):.2f}x")
if not math.isnan(med(1)):
    print(f"  kcat -P          : before {med(1):.1f}, after {med(3):.1f}, after/before {med(3) / med(1):.2f}x")
PY
