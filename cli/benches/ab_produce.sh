#!/usr/bin/env bash
# Two builds of kctl, A and B (e.g. a saved build of the commit before a
# change and one after it), producing into the same broker-lite in turns,
# for a before/after ratio of `kctl perf produce` on a noisy machine: N x
# S-byte records, acks=1, linger 5 ms, batches up to 1 MB, no compression,
# a fresh 1-partition topic per measurement (deleted after). The broker is
# B's `kctl broker start` (flush none). Prints each round and the medians.
#
#   bash cli/benches/ab_produce.sh A_BINARY B_BINARY [rounds=5] [records=2000000] [record_bytes=100]
set -euo pipefail
a=${1:?the kctl binary before}
b=${2:?the kctl binary after}
rounds=${3:-5}
records=${4:-2000000}
record_bytes=${5:-100}
root=$(cd "$(dirname "$0")/../.." && pwd)
export KCTL_BIN=$b
# shellcheck source=cli/benches/common.sh
source "$root/cli/benches/common.sh"
start_broker "$work/data"
echo "# $(nproc) cores; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

run() { # binary topic
  "$kctl" -b "$bootstrap" topic create "$2" -p 1 >/dev/null
  "$1" -b "$bootstrap" -o json perf produce "$2" --num-records "$records" --record-size "$record_bytes" \
    --acks 1 --linger-ms 5 --compression none \
    --producer-props batch.size=1000000 max.request.size=8388608 buffer.memory=268435456 \
    | python3 -c 'import json, sys; print("%.0f" % json.load(sys.stdin)["msg_per_s"])'
  "$kctl" -b "$bootstrap" topic delete "$2" --yes >/dev/null
}

ab_rounds run msgs/s
