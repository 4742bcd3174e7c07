#!/usr/bin/env bash
# Start-up cost of one short command: `kctl topic list` against broker-lite,
# next to `kcat -L` (librdkafka's metadata listing) in the same run, into
# the same broker. Wall time per run, median of N runs each, the two tools
# alternating so drift in the machine's load hits both alike.
#
#   bash cli/benches/startup.sh [runs=20]
#
# Builds kctl in release mode (its `broker start` is the broker). Needs kcat.
set -euo pipefail
runs=${1:-20}
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=cli/benches/common.sh
source "$root/cli/benches/common.sh"

need_kcat
start_broker "$work/data"
for t in orders payments audit; do "$kctl" -b "$bootstrap" topic create "$t" -p 3 >/dev/null; done

# Milliseconds of wall time for one run of the command.
time_ms() {
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s%N)
  echo $(((end - start) / 1000))
}

# Warm the page cache for both binaries.
"$kctl" -b "$bootstrap" topic list >/dev/null
kcat -b "$bootstrap" -L >/dev/null

for _ in $(seq "$runs"); do
  echo "kctl $(time_ms "$kctl" -b "$bootstrap" topic list)" >>"$work/times"
  echo "kcat $(time_ms kcat -b "$bootstrap" -L)" >>"$work/times"
done

python3 - "$work/times" "$runs" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
us = lambda tool: [int(v) for t, v in rows if t == tool]
kctl, kcat = us("kctl"), us("kcat")
print(f"wall time of one run, median (min-max) of {sys.argv[2]} runs each:")
for name, v in (("kctl topic list", kctl), ("kcat -L        ", kcat)):
    print(f"  {name}: {statistics.median(v) / 1000:.1f} ms ({min(v) / 1000:.1f}-{max(v) / 1000:.1f})")
print(f"  ratio kctl / kcat: {statistics.median(kctl) / statistics.median(kcat):.2f}x")
PY
