#!/usr/bin/env bash
# Share-group throughput (KIP-932) on one partition: N records read by 1
# and by 3 `kctl share consume` members of a share group, next to one
# `kctl consume --group` member of a classic group, on the same topic in
# the same run, alternating the order. Wall time from the first member's
# start until the members have printed every record between them (each
# printed record is acknowledged with the member's next ShareFetch; the
# members then leave after IDLE_S without a record, outside the timing),
# and for the classic member until it exits at the partition's end.
# Medians of RUNS.
#
#   bash cli/benches/share_consume.sh [records=100000] [runs=5] [record_bytes=100]
#
# Builds kctl in release mode. The broker is broker-lite (`kctl broker
# start`, with group.initial.rebalance.delay.ms=0 so the classic member's
# time is not Kafka's 3 s wait for more members), or an existing cluster
# when BOOTSTRAP=host:port is set (e.g. the Apache Kafka of
# .ci/apache-kafka.sh start --brokers 1 --dir DIR).
set -euo pipefail
records=${1:-100000}
runs=${2:-5}
record_bytes=${3:-100}
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=cli/benches/common.sh
source "$root/cli/benches/common.sh"
idle_s=2

if [[ -n "${BOOTSTRAP:-}" ]]; then
  bootstrap=$BOOTSTRAP
else
  printf 'group.initial.rebalance.delay.ms=0\n' >"$work/server.properties"
  start_broker "$work/data" --config "$work/server.properties"
fi
topic=share-bench-$$
"$kctl" -b "$bootstrap" topic create "$topic" -p 1 -r 1 >/dev/null
"$kctl" -b "$bootstrap" perf produce "$topic" --num-records "$records" --record-size "$record_bytes" \
  --acks 1 >/dev/null

# Milliseconds for `members` share consumers of a fresh group (started at
# the log start) to take every record between them.
share_ms() {
  local members=$1 group=share-bench-$$-$RANDOM start end got pids=() alive
  "$kctl" -b "$bootstrap" share reset-offsets "$group" --topic "$topic" --to-earliest \
    --execute -y >/dev/null
  rm -f "$work"/share-out-*
  for m in $(seq "$members"); do : >"$work/share-out-$m"; done
  start=$(date +%s%N)
  for m in $(seq "$members"); do
    "$kctl" -b "$bootstrap" share consume "$topic" -g "$group" --idle-timeout "${idle_s}s" \
      -o json >"$work/share-out-$m" 2>/dev/null &
    pids+=($!)
  done
  # One JSON line per record; kctl flushes after each poll's records.
  until (( $(cat "$work"/share-out-* | wc -l) >= records )); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    (( alive )) || break
    sleep 0.01
  done
  end=$(date +%s%N)
  wait "${pids[@]}"
  got=$(cat "$work"/share-out-* | wc -l)
  (( got == records )) || { echo "share x$members delivered $got of $records" >&2; exit 1; }
  echo $(((end - start) / 1000000))
}

# The same for one classic-group member reading to the end.
classic_ms() {
  local group=classic-bench-$$-$RANDOM start end got
  start=$(date +%s%N)
  got=$("$kctl" -b "$bootstrap" consume "$topic" --group "$group" --from-beginning -e -o json 2>/dev/null | wc -l)
  end=$(date +%s%N)
  (( got == records )) || { echo "classic read $got of $records" >&2; exit 1; }
  echo $(((end - start) / 1000000))
}

for run in $(seq "$runs"); do
  if (( run % 2 )); then
    one=$(share_ms 1); three=$(share_ms 3); classic=$(classic_ms)
  else
    classic=$(classic_ms); three=$(share_ms 3); one=$(share_ms 1)
  fi
  echo "$one $three $classic" >>"$work/times"
  echo "run $run: share x1 $one ms | share x3 $three ms | classic x1 $classic ms"
done

python3 - "$work/times" "$records" <<'PY'
import statistics, sys
rows = [list(map(int, l.split())) for l in open(sys.argv[1])]
records = int(sys.argv[2])
print(f"median of {len(rows)} runs, {records:,} records on one partition:")
for name, i in (("share group, 1 member ", 0), ("share group, 3 members", 1), ("classic group, 1 member", 2)):
    ms = statistics.median(r[i] for r in rows)
    print(f"  {name}: {ms:.0f} ms, {records / ms * 1000:,.0f} records/s")
print(f"  share x3 / share x1 throughput (median of per-run ratios): {statistics.median(r[0] / r[1] for r in rows):.2f}x")
print(f"  share x1 / classic throughput (median of per-run ratios): {statistics.median(r[2] / r[0] for r in rows):.2f}x")
PY
echo "machine load (1/5/15 min): $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
