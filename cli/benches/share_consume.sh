#!/usr/bin/env bash
# Share-group throughput (KIP-932) on one partition: N records read by 1
# and by 3 `kctl share consume` members of a share group, next to one
# `kctl consume --group` member of a classic group, on the same topic in
# the same run, alternating the order. Wall time from the first member's
# start until every record is accepted (the members stop after 2 s without
# a record; that idle tail is subtracted). Medians of RUNS.
#
#   bash cli/benches/share_consume.sh [records=100000] [runs=5] [record_bytes=100]
#
# Builds kctl in release mode. The broker is broker-lite (`kctl broker
# start`), or an existing cluster when BOOTSTRAP=host:port is set (e.g. the
# Apache Kafka of .ci/apache-kafka.sh start --brokers 1 --dir DIR).
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
  start_broker "$work/data"
fi
topic=share-bench-$$
"$kctl" -b "$bootstrap" topic create "$topic" -p 1 -r 1 >/dev/null
"$kctl" -b "$bootstrap" perf produce "$topic" --num-records "$records" --record-size "$record_bytes" \
  --acks 1 >/dev/null

# Milliseconds for `members` share consumers of a fresh group (started at
# the log start) to accept every record between them.
share_ms() {
  local members=$1 group=share-bench-$$-$RANDOM start end got=0 pids=()
  "$kctl" -b "$bootstrap" share reset-offsets "$group" --topic "$topic" --to-earliest \
    --execute -y >/dev/null
  start=$(date +%s%N)
  for m in $(seq "$members"); do
    "$kctl" -b "$bootstrap" share consume "$topic" -g "$group" --idle-timeout "${idle_s}s" \
      -o json 2>/dev/null | wc -l >"$work/count-$m" &
    pids+=($!)
  done
  wait "${pids[@]}"
  end=$(date +%s%N)
  for m in $(seq "$members"); do got=$((got + $(cat "$work/count-$m"))); done
  (( got == records )) || { echo "share x$members accepted $got of $records" >&2; exit 1; }
  echo $(((end - start) / 1000000 - idle_s * 1000))
}

# The same for one classic-group member reading to the end.
classic_ms() {
  local group=classic-bench-$$-$RANDOM start end got
  start=$(date +%s%N)
  got=$("$kctl" -b "$bootstrap" consume "$topic" --group "$group" --from-beginning -e 2>/dev/null | wc -l)
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
