#!/usr/bin/env bash
# Throughput curves of kctl perf against one broker-lite (`kctl broker
# start`, flush none) on this machine, written as CSV and plotted with
# gnuplot into docs/img/:
#
#   - record size, 10 B to 1 MB (produce and consume, MB/s), next to the
#     loopback bandwidth iperf3 measures in the same run;
#   - partition count, 1 to 1,000 (100 B records, produce and consume, msgs/s);
#   - producer count, 1 to 8 concurrent `kctl perf produce` processes into one
#     8-partition topic (100 B records, msgs/s summed: all records over the
#     longest producer's time).
#
#   bash cli/benches/curves.sh [--quick] [--out DIR]
#
# Full: about 200 MB (at most 2,000,000 records) per size point, 1,000,000
# records per partition and producer point, 3 runs a point (median).
# --quick: a tenth of the data, 1 run a point, partitions up to 100. Producer
# settings as the other benches: acks=1, linger 5 ms, batch.size 1 MB, no
# compression, no idempotence. Every topic is deleted after its point.
# Needs gnuplot (apt-get install gnuplot-nox) and iperf3.
set -euo pipefail
quick=0
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/docs/img"
while (( $# )); do
  case $1 in
    --quick) quick=1 ;;
    --out) out=$2; shift ;;
    *) echo "usage: $0 [--quick] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
for tool in gnuplot iperf3; do
  command -v "$tool" >/dev/null || { echo "$tool is needed (apt-get install gnuplot-nox iperf3)" >&2; exit 1; }
done
# shellcheck source=cli/benches/common.sh
source "$root/cli/benches/common.sh"
mkdir -p "$out"

if (( quick )); then
  bytes_per_point=20000000 max_records=200000 records=100000 repeats=1 partition_counts=(1 10 100)
else
  bytes_per_point=200000000 max_records=2000000 records=1000000 repeats=3 partition_counts=(1 10 100 1000)
fi
sizes=(10 100 1000 10000 100000 1000000)
producer_counts=(1 2 4 8)
producer_flags=(--acks 1 --linger-ms 5 --compression none
  --producer-props enable.idempotence=false batch.size=1000000 max.request.size=8388608 buffer.memory=268435456)
mode=$([[ $quick == 1 ]] && echo quick || echo full)
load_note() { echo "$(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg)"; }

median() { python3 -c 'import statistics, sys; print(statistics.median(map(float, sys.argv[1:])))' "$@"; }
field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
topic_seq=0
fresh_topic() { # partitions -> name
  topic_seq=$((topic_seq + 1))
  "$kctl" -b "$bootstrap" topic create "c$topic_seq" -p "$1" >/dev/null
  echo "c$topic_seq"
}
drop_topic() { "$kctl" -b "$bootstrap" topic delete "$1" --yes >/dev/null; }
produce() { # topic records size -> JSON
  "$kctl" -b "$bootstrap" perf produce "$1" --num-records "$2" --record-size "$3" "${producer_flags[@]}" --json
}
consume() { # topic records -> JSON
  "$kctl" -b "$bootstrap" perf consume "$1" --num-records "$2" --json
}
iperf_gbit() {
  local port=$((20000 + RANDOM % 20000))
  iperf3 -s -1 -B 127.0.0.1 -p "$port" >/dev/null 2>&1 &
  local server=$!
  sleep 0.3
  iperf3 -c 127.0.0.1 -p "$port" -t 3 -J | python3 -c 'import json, sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))'
  wait "$server" || true
}

start_broker "$work/broker"
echo "# curves ($mode), $(load_note) at start" >&2

# 1. Record size.
loopback_gbit=$(iperf_gbit)
loopback_mb=$(python3 -c "print('%.0f' % ($loopback_gbit * 1e3 / 8))")
{
  echo "# kctl perf produce/consume MB/s against record size, broker-lite; iperf3 127.0.0.1 ${loopback_gbit} Gbit/s; $mode; $(load_note)"
  echo "record_bytes,records,produce_mb_per_s,consume_mb_per_s,produce_msg_per_s,consume_msg_per_s,loopback_mb_per_s"
} >"$work/size.csv"
for size in "${sizes[@]}"; do
  n=$(( bytes_per_point / size )); (( n > max_records )) && n=$max_records; (( n < 200 )) && n=200
  pm=() cm=() pr=() cr=()
  for _ in $(seq "$repeats"); do
    t=$(fresh_topic 1)
    p=$(produce "$t" "$n" "$size"); c=$(consume "$t" "$n")
    pm+=("$(field mb_per_s <<<"$p")"); pr+=("$(field msg_per_s <<<"$p")")
    cm+=("$(field mb_per_s <<<"$c")"); cr+=("$(field msg_per_s <<<"$c")")
    drop_topic "$t"
  done
  row="$size,$n,$(median "${pm[@]}"),$(median "${cm[@]}"),$(median "${pr[@]}"),$(median "${cr[@]}"),$loopback_mb"
  echo "$row" >>"$work/size.csv"; echo "size: $row" >&2
done

# 2. Partition count.
{
  echo "# kctl perf produce/consume msgs/s against partition count, $records x 100 B, broker-lite; $mode; $(load_note)"
  echo "partitions,records,produce_msg_per_s,consume_msg_per_s"
} >"$work/partitions.csv"
for parts in "${partition_counts[@]}"; do
  pr=() cr=()
  for _ in $(seq "$repeats"); do
    t=$(fresh_topic "$parts")
    pr+=("$(produce "$t" "$records" 100 | field msg_per_s)")
    cr+=("$(consume "$t" "$records" | field msg_per_s)")
    drop_topic "$t"
  done
  row="$parts,$records,$(median "${pr[@]}"),$(median "${cr[@]}")"
  echo "$row" >>"$work/partitions.csv"; echo "partitions: $row" >&2
done

# 3. Producer count: P processes at once, records split between them.
{
  echo "# kctl perf produce msgs/s against concurrent producers (one process each), $records x 100 B in all, 8 partitions, broker-lite; $mode; $(load_note)"
  echo "producers,records,produce_msg_per_s"
} >"$work/producers.csv"
for procs in "${producer_counts[@]}"; do
  rates=()
  for _ in $(seq "$repeats"); do
    t=$(fresh_topic 8)
    pids=()
    for i in $(seq "$procs"); do
      produce "$t" $((records / procs)) 100 >"$work/p$i.json" &
      pids+=($!)
    done
    # Only the producers: a bare `wait` would also wait for the broker.
    wait "${pids[@]}"
    rates+=("$(python3 - "$work" "$procs" <<'PY'
import json, sys
runs = [json.load(open(f"{sys.argv[1]}/p{i}.json")) for i in range(1, int(sys.argv[2]) + 1)]
print(sum(r["records"] for r in runs) / max(r["seconds"] for r in runs))
PY
)")
    drop_topic "$t"
  done
  row="$procs,$records,$(median "${rates[@]}")"
  echo "$row" >>"$work/producers.csv"; echo "producers: $row" >&2
done

cp "$work/size.csv" "$out/curve-record-size.csv"
cp "$work/partitions.csv" "$out/curve-partitions.csv"
cp "$work/producers.csv" "$out/curve-producers.csv"

gnuplot <<GP
set terminal pngcairo size 800,500 font ",10"
set datafile separator ","
set key top left
set grid
set logscale x 10

set output "$out/curve-record-size.png"
set title "kctl perf against broker-lite: throughput by record size ($mode)"
set xlabel "record size (bytes)"
set ylabel "MB/s (10^6 bytes of values)"
set logscale y 10
plot "$out/curve-record-size.csv" using 1:3 with linespoints title "produce", \
     "" using 1:4 with linespoints title "consume", \
     "" using 1:7 with lines dashtype 2 title "iperf3 loopback"
unset logscale y

set output "$out/curve-partitions.png"
set title "kctl perf against broker-lite: 100 B records by partition count ($mode)"
set xlabel "partitions"
set ylabel "records/s"
plot "$out/curve-partitions.csv" using 1:3 with linespoints title "produce", \
     "" using 1:4 with linespoints title "consume"

unset logscale x
set output "$out/curve-producers.png"
set title "kctl perf produce into broker-lite: 100 B records by producer count ($mode)"
set xlabel "concurrent producers (processes)"
set ylabel "records/s, all producers"
set xtics 1
plot "$out/curve-producers.csv" using 1:3 with linespoints title "produce"
GP
echo "# wrote $out/curve-{record-size,partitions,producers}.{csv,png}; $(load_note) at the end" >&2
