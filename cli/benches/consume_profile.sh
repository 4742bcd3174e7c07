#!/usr/bin/env bash
# Where both cores go while `kctl perf consume` reads from broker-lite: a
# system-wide `perf record -a` (2,999 Hz) of one read of N x S-byte records
# (default 5,000,000 x 100 B) from a 1-partition topic produced just before
# (not recorded). Prints the read's MB/s, the share of samples per thread
# (broker-lite's connection task, the consumer's I/O workers, its
# application thread, idle) and the top symbols. Needs perf (linux-perf).
#
#   bash cli/benches/consume_profile.sh [records=5000000] [record_bytes=100] [top=25]
set -euo pipefail
records=${1:-5000000}
record_bytes=${2:-100}
top=${3:-25}
root=$(cd "$(dirname "$0")/../.." && pwd)
command -v perf >/dev/null || { echo "perf is needed (apt-get install linux-perf)" >&2; exit 1; }
# shellcheck source=cli/benches/common.sh
source "$root/cli/benches/common.sh"
start_broker "$work/data"
echo "# $(nproc) cores; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

fill_topic source "$records" "$record_bytes"
perf record -a -F 2999 -g -o "$work/perf.data" -- \
  "$kctl" -b "$bootstrap" -o json perf consume source --num-records "$records" 2>/dev/null \
  | python3 -c 'import json, sys; d = json.load(sys.stdin); print("consume: %.0f MB/s, %.0f msgs/s" % (d["mb_per_s"], d["msg_per_s"]))'
echo "# share of all samples by thread; broker-lite's threads: $(ls "/proc/$broker_pid/task" | tr '\n' ' ')"
perf report -i "$work/perf.data" --no-children --sort pid,comm -q -g none 2>/dev/null | head -12
echo "# top symbols"
perf report -i "$work/perf.data" --no-children --sort pid,sym -q -g none 2>/dev/null | head -"$top"
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
