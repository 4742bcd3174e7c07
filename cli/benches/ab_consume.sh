#!/usr/bin/env bash
# Two builds of kctl, A and B (e.g. a saved build of the commit before a
# change and one after it), reading the same records from the same
# broker-lite in turns, for a before/after ratio of `kctl perf consume` on a
# noisy machine: N x S-byte records (default 3,000,000 x 100 B) are produced
# once into a 1-partition topic, then read from the beginning by A and B
# alternately, `rounds` times each (default fetch sizes). The broker is B's
# `kctl broker start`. Prints each round and the medians.
#
#   bash cli/benches/ab_consume.sh A_BINARY B_BINARY [rounds=5] [records=3000000] [record_bytes=100]
set -euo pipefail
a=${1:?the kctl binary before}
b=${2:?the kctl binary after}
rounds=${3:-5}
records=${4:-3000000}
record_bytes=${5:-100}
root=$(cd "$(dirname "$0")/../.." && pwd)
export KCTL_BIN=$b
# shellcheck source=cli/benches/common.sh
source "$root/cli/benches/common.sh"
start_broker "$work/data"
echo "# $(nproc) cores; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

fill_topic source "$records" "$record_bytes"

run() { # binary -> MB/s
  "$1" -b "$bootstrap" -o json perf consume source --num-records "$records" \
    | python3 -c 'import json, sys; print("%.0f" % json.load(sys.stdin)["mb_per_s"])'
}

ab_rounds run MB/s
