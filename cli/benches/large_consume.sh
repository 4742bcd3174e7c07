#!/usr/bin/env bash
# `kctl perf consume` of large records from one broker-lite, by fetch size:
# N x S-byte records (default 2,000 x 1,000,000 B) are produced once into a
# 1-partition topic (acks=1, batches up to 1 MiB, no compression), then read
# from the beginning `rounds` times at each max.partition.fetch.bytes given
# (fetch.max.bytes twice that), with the iperf3 loopback rate of the same
# run next to them. Prints each read's MB/s and the median per fetch size.
#
#   bash cli/benches/large_consume.sh [records=2000] [record_bytes=1000000] [rounds=3] [fetch_bytes...]
set -euo pipefail
records=${1:-2000}
record_bytes=${2:-1000000}
rounds=${3:-3}
shift $(( $# < 3 ? $# : 3 ))
fetch_sizes=("$@")
(( ${#fetch_sizes[@]} )) || fetch_sizes=(1048576 8388608 52428800)
root=$(cd "$(dirname "$0")/../.." && pwd)
command -v iperf3 >/dev/null || { echo "iperf3 is needed (apt-get install iperf3)" >&2; exit 1; }
# shellcheck source=cli/benches/common.sh
source "$root/cli/benches/common.sh"
start_broker "$work/data"
echo "# $(nproc) cores; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

"$kctl" -b "$bootstrap" topic create large -p 1 >/dev/null
"$kctl" -b "$bootstrap" -o json perf produce large --num-records "$records" --record-size "$record_bytes" \
  --acks 1 --linger-ms 5 --compression none \
  --producer-props batch.size=1048576 max.request.size=8388608 buffer.memory=268435456 \
  | python3 -c 'import json, sys; d = json.load(sys.stdin); print("produce: %.1f MB/s, %d failed" % (d["mb_per_s"], d["failed"]))'

for fetch in "${fetch_sizes[@]}"; do
  rates=()
  for _ in $(seq "$rounds"); do
    rates+=("$("$kctl" -b "$bootstrap" -o json perf consume large --num-records "$records" \
      --consumer-props "max.partition.fetch.bytes=$fetch" "fetch.max.bytes=$((fetch * 2))" \
      | python3 -c 'import json, sys; print("%.0f" % json.load(sys.stdin)["mb_per_s"])')")
  done
  median=$(printf '%s\n' "${rates[@]}" | sort -n | sed -n "$(( (rounds + 1) / 2 ))p")
  echo "max.partition.fetch.bytes $fetch: consume MB/s ${rates[*]}; median $median"
done

iperf3 -s -1 -p 5399 >/dev/null 2>&1 &
sleep 0.5
iperf3 -c 127.0.0.1 -p 5399 -t 3 -J \
  | python3 -c 'import json, sys; bps = json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]; print("iperf3, 127.0.0.1: %.2f Gbit/s = %.0f MB/s" % (bps / 1e9, bps / 8e6))'
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
