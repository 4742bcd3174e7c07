#!/usr/bin/env bash
# Reading a topic to its end as whole commands: `kctl consume --from-beginning
# -e` next to `kcat -C -e -o beginning`, both printing every value to
# a pipe, from the same broker-lite in the same run, alternating which
# goes first. N records of S bytes on one partition, produced first by
# `kctl perf produce` (not timed). Wall time covers the whole process:
# start, metadata, ListOffsets, fetching, printing, exit.
#
#   bash cli/benches/consume.sh [records=1000000] [runs=5] [record_bytes=100]
#
# Builds kctl in release mode (its `broker start` is the broker). Needs kcat.
set -euo pipefail
records=${1:-1000000}
runs=${2:-5}
record_bytes=${3:-100}
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=cli/benches/common.sh
source "$root/cli/benches/common.sh"

need_kcat
start_broker "$work/data"

fill_topic bench "$records" "$record_bytes"

# Milliseconds of wall time for one run, after checking it printed every
# record: each value and a newline (the values are random bytes, so lines
# cannot be counted).
time_ms() {
  local start end printed
  start=$(date +%s%N)
  printed=$("$@" 2>/dev/null | wc -c)
  end=$(date +%s%N)
  if (( printed != records * (record_bytes + 1) )); then
    echo "$* printed $printed bytes, not $((records * (record_bytes + 1)))" >&2
    exit 1
  fi
  echo $(((end - start) / 1000000))
}
ours() { time_ms "$kctl" -b "$bootstrap" consume bench --from-beginning -e; }
theirs() { time_ms kcat -C -b "$bootstrap" -t bench -e -q -o beginning; }

for run in $(seq "$runs"); do
  if (( run % 2 )); then a=$(ours); b=$(theirs); else b=$(theirs); a=$(ours); fi
  echo "$a $b" >>"$work/times"
  echo "run $run: kctl consume $a ms | kcat $b ms"
done

python3 - "$work/times" "$records" "$record_bytes" <<'PY'
import statistics, sys
rows = [list(map(int, l.split())) for l in open(sys.argv[1])]
records, size = int(sys.argv[2]), int(sys.argv[3])
print(f"median of {len(rows)} runs, {records:,} x {size} B read to the end, values printed:")
for name, i in (("kctl consume", 0), ("kcat -C     ", 1)):
    ms = statistics.median(r[i] for r in rows)
    print(f"  {name}: {ms:.0f} ms, {records / ms * 1000:,.0f} msgs/s, {records * size / ms / 1000:.1f} MB/s")
ratio = statistics.median(r[1] / r[0] for r in rows)
print(f"  throughput ratio kctl / kcat (median of per-run ratios): {ratio:.2f}x")
PY
