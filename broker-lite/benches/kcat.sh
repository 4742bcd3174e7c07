#!/usr/bin/env bash
# kcat (librdkafka) producing N x 100-byte records into broker-lite, then
# consuming them back; side by side in the same run, kcat producing the same
# records into librdkafka's in-process mock cluster (memory only, no disk).
#
#   bash broker-lite/benches/kcat.sh [records=1000000] [rounds=5] [flush=none]
#
# Prints one line per round and the medians. Needs kcat (apt install kcat).
set -euo pipefail
records=${1:-1000000}
rounds=${2:-5}
flush=${3:-none}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'kill "${broker_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

cargo build --release -q -p broker-lite --manifest-path "$root/Cargo.toml"
python3 - "$records" > "$work/records.txt" <<'PY'
import random, string, sys
r = random.Random(1)
alphabet = string.ascii_letters
for i in range(int(sys.argv[1])):
    # 100 bytes: a 9-byte counter and 91 random letters (compression-hostile).
    sys.stdout.write("%08d-%s\n" % (i, "".join(r.choice(alphabet) for _ in range(91))))
PY

now() { date +%s.%N; }
results="$work/results"
for round in $(seq "$rounds"); do
  data="$work/data-$round"
  "$root/target/release/broker-lite" --data-dir "$data" --listen 127.0.0.1:0 --flush "$flush" --log warn 2>"$work/broker.log" &
  broker_pid=$!
  until grep -q "bootstrap server" "$work/broker.log"; do sleep 0.05; done
  bootstrap=$(sed -n 's/.*bootstrap server: //p' "$work/broker.log")

  t0=$(now); kcat -b "$bootstrap" -P -t bench -l "$work/records.txt"; t1=$(now)
  got=$(kcat -b "$bootstrap" -C -t bench -e -q -o beginning -f '%s\n' | wc -l); t2=$(now)
  [ "$got" -eq "$records" ] || { echo "consumed $got of $records" >&2; exit 1; }
  kill "$broker_pid"; wait "$broker_pid" || true
  t3=$(now); kcat -b ignored:9092 -X test.mock.num.brokers=1 -P -t bench -l "$work/records.txt" 2>/dev/null; t4=$(now)
  echo "$t0 $t1 $t2 $t3 $t4" >> "$results"
  python3 -c "import sys; t=list(map(float,'$t0 $t1 $t2 $t3 $t4'.split())); n=$records; print(f'round $round: broker-lite produce {n/(t[1]-t[0]):,.0f} msgs/s, consume {n/(t[2]-t[1]):,.0f} msgs/s; mock produce {n/(t[4]-t[3]):,.0f} msgs/s')"
done

python3 - "$results" "$records" "$flush" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
n = int(sys.argv[2]); mb = n * 100 / 1e6
med = lambda xs: statistics.median(xs)
produce = med([n / (r[1] - r[0]) for r in rows])
consume = med([n / (r[2] - r[1]) for r in rows])
mock = med([n / (r[4] - r[3]) for r in rows])
print(f"median of {len(rows)} rounds, {n:,} x 100 B, flush={sys.argv[3]}:")
print(f"  kcat -> broker-lite produce: {produce:,.0f} msgs/s, {produce*100/1e6:.1f} MB/s")
print(f"  kcat <- broker-lite consume: {consume:,.0f} msgs/s, {consume*100/1e6:.1f} MB/s")
print(f"  kcat -> librdkafka mock produce: {mock:,.0f} msgs/s, {mock*100/1e6:.1f} MB/s")
print(f"  broker-lite / mock (produce): {produce/mock:.2f}x")
PY
