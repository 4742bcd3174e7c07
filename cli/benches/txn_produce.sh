#!/usr/bin/env bash
# Transactional produce throughput: `kctl produce` of N 100-byte lines into
# a 1-partition topic of broker-lite, without transactions and with
# --transactional-id at --batch 1, 100 and 10,000 records per transaction,
# the four runs in a rotating order in each round, each round on a fresh
# broker. Prints each mode's median records/s and its ratio to plain
# produce (acks=all and idempotence in every mode, as transactions need).
#
#   bash cli/benches/txn_produce.sh [records=20000] [rounds=3] [profile=release]
#
# TRANSACTION_VERSION=1 runs broker-lite at transaction.version=1 (the
# transactions-v1 protocol); the default is broker-lite's, 2.
# profile=debug reuses a debug build (target/debug) instead of building a
# release one; absolute numbers are then lower, the ratios less so.
set -euo pipefail
records=${1:-20000}
rounds=${2:-3}
profile=${3:-release}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'kill "${broker_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
if [[ $profile == release ]]; then
  cargo build --release -q -p kctl --manifest-path "$root/Cargo.toml"
else
  cargo build -q -p kctl --manifest-path "$root/Cargo.toml"
fi
kctl="$root/target/$profile/kctl"

echo "transaction.version=${TRANSACTION_VERSION:-2}" >"$work/server.properties"
start_broker() {
  "$kctl" broker start --data-dir "$1" --listen 127.0.0.1:0 --config "$work/server.properties" 2>"$work/broker.log" &
  broker_pid=$!
  until grep -q "bootstrap server" "$work/broker.log"; do
    kill -0 "$broker_pid" 2>/dev/null || { cat "$work/broker.log" >&2; exit 1; }
    sleep 0.05
  done
  bootstrap=$(sed -n 's/.*bootstrap server: \([^ ]*\).*/\1/p' "$work/broker.log")
}

python3 -c "
import random, string
rng = random.Random(7)
with open('$work/input', 'w') as f:
    for i in range($records):
        f.write(''.join(rng.choice(string.ascii_letters) for _ in range(100)) + '\n')
"

modes=(plain 1 100 10000)
run_mode() { # bootstrap mode topic -> records/s
  local extra=()
  [[ $2 != plain ]] && extra=(--transactional-id "bench-$3" --batch "$2")
  "$kctl" -b "$1" topic create "$3" -p 1 >/dev/null
  local start end
  start=$(date +%s.%N)
  "$kctl" -b "$1" produce "$3" --acks all --idempotence "${extra[@]}" < "$work/input" 2>/dev/null
  end=$(date +%s.%N)
  python3 -c "print(round($records / ($end - $start)))"
}

for round in $(seq "$rounds"); do
  start_broker "$work/data-$round"
  line=""
  for k in 0 1 2 3; do
    mode=${modes[$(( (k + round) % 4 ))]}
    rate=$(run_mode "$bootstrap" "$mode" "t-$round-$mode")
    line="$line $mode=$rate"
  done
  echo "round $round:$line (records/s)"
  echo "$line" >> "$work/results"
  kill "$broker_pid"; wait "$broker_pid" || true
done

python3 - "$work/results" "$records" "$profile" "${TRANSACTION_VERSION:-2}" <<'PY'
import statistics, sys
rows = [dict(kv.split("=") for kv in l.split()) for l in open(sys.argv[1])]
med = {m: statistics.median(float(r[m]) for r in rows) for m in ("plain", "1", "100", "10000")}
print(f"median of {len(rows)} rounds, {int(sys.argv[2]):,} x 100 B, acks=all, idempotent, {sys.argv[3]} build, transaction.version={sys.argv[4]}:")
for m, label in (("plain", "no transactions"), ("10000", "10,000 / txn"), ("100", "100 / txn"), ("1", "1 / txn")):
    print(f"  {label:16}: {med[m]:>10,.0f} records/s  ({med[m] / med['plain']:.3f}x plain)")
PY
