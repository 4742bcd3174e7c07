#!/usr/bin/env bash
# Instructions per record of the hot paths, counted by valgrind's callgrind:
# unlike wall-clock throughput these repeat closely from run to run on a
# loaded machine, so a before/after comparison of a change is visible in
# them. (`perf stat -e instructions` would be faster, but this machine's VM
# exposes no hardware counters: perf reports "<not supported>".)
#
#   bash cli/benches/instructions.sh [what=all] [records=100000] [record_bytes=100]
#
# what: produce | consume | broker-produce | broker-fetch | all
#   produce         kctl perf produce (the client's producer), broker native
#   consume         kctl perf consume (the client's consumer), broker native
#   broker-produce  broker-lite (`kctl broker start`) receiving kctl perf produce
#   broker-fetch    broker-lite serving kctl perf consume
#
# Method: each measured process runs twice under callgrind, once with N and
# once with 2N records (the same release build, settings as
# cli/benches/perf_produce.sh: acks=1, linger 5 ms, batch.size 1 MB, no
# compression, 1 partition), and the figure is (Ir(2N) - Ir(N)) / N: the
# marginal instructions of one more record, without start-up, connection and
# metadata costs, which the difference cancels. Batching depends a little
# on timing (how full a batch is when it goes), so counts vary by a few
# percent between runs, far less than wall-clock figures here.
#
# Prints one line per path: `what instructions_per_record Ir(N) Ir(2N)`.
set -euo pipefail
what=${1:-all}
records=${2:-100000}
record_bytes=${3:-100}
root=$(cd "$(dirname "$0")/../.." && pwd)
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
# shellcheck source=cli/benches/common.sh
source "$root/cli/benches/common.sh"

producer_flags=(--acks 1 --linger-ms 5 --compression none
  --producer-props batch.size=1000000 max.request.size=8388608 buffer.memory=268435456)
callgrind=(valgrind --tool=callgrind --cache-sim=no --branch-sim=no)

# The instruction count (Ir) a callgrind output file totals.
ir_of() { sed -n 's/^summary: *\([0-9]*\).*/\1/p; s/^totals: *\([0-9]*\).*/\1/p' "$1" | head -1; }

produce() { # bootstrap topic records [runner...]
  local bootstrap=$1 topic=$2 n=$3; shift 3
  "$@" "$kctl" -b "$bootstrap" perf produce "$topic" --num-records "$n" \
    --record-size "$record_bytes" "${producer_flags[@]}" --json >/dev/null
}
consume() { # bootstrap topic records [runner...]
  local bootstrap=$1 topic=$2 n=$3; shift 3
  "$@" "$kctl" -b "$bootstrap" perf consume "$topic" --num-records "$n" --json >/dev/null
}

# broker-lite under callgrind; sets $bootstrap, $broker_pid, $broker_out.
start_broker_under_callgrind() {
  broker_out="$work/broker-$1.cg"
  "${callgrind[@]}" --callgrind-out-file="$broker_out" \
    "$kctl" broker start --data-dir "$work/data-$1" --listen 127.0.0.1:0 2>"$work/broker.log" &
  broker_pid=$!
  until grep -q "bootstrap server" "$work/broker.log"; do
    kill -0 "$broker_pid" 2>/dev/null || { cat "$work/broker.log" >&2; exit 1; }
    sleep 0.2
  done
  bootstrap=$(sed -n 's/.*bootstrap server: \([^ ]*\).*/\1/p' "$work/broker.log")
}
# Ctrl-C: the broker shuts down and callgrind writes its counts.
stop_broker_under_callgrind() {
  kill -INT "$broker_pid"; wait "$broker_pid" || true
}

report() { # what ir_n ir_2n
  python3 -c 'import sys; w, a, b, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]); print(f"{w} {(b - a) / n:.0f} {a} {b}")' \
    "$1" "$2" "$3" "$records"
}

client_path() { # produce|consume
  start_broker "$work/data-$1"
  local ir=()
  for n in "$records" $((2 * records)); do
    "$kctl" -b "$bootstrap" topic create "$1-$n" -p 1 >/dev/null
    if [[ $1 == consume ]]; then produce "$bootstrap" "$1-$n" "$n"; fi
    "$1" "$bootstrap" "$1-$n" "$n" "${callgrind[@]}" --callgrind-out-file="$work/$1-$n.cg" 2>/dev/null
    ir+=("$(ir_of "$work/$1-$n.cg")")
  done
  kill "$broker_pid"; wait "$broker_pid" || true
  report "$1" "${ir[@]}"
}

broker_path() { # produce|fetch
  local ir=()
  for n in "$records" $((2 * records)); do
    start_broker_under_callgrind "$1-$n"
    "$kctl" -b "$bootstrap" topic create t -p 1 >/dev/null
    if [[ $1 == produce ]]; then
      produce "$bootstrap" t "$n"
    else
      # The same 2N records written in both runs; only the reads differ.
      produce "$bootstrap" t $((2 * records))
      consume "$bootstrap" t "$n"
    fi
    stop_broker_under_callgrind
    ir+=("$(ir_of "$broker_out")")
  done
  report "broker-$1" "${ir[@]}"
}

echo "# instructions per record, ${records} and $((2 * records)) x ${record_bytes} B records (callgrind; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
echo "# what instructions_per_record Ir(N) Ir(2N)"
case $what in
  produce | consume) client_path "$what" ;;
  broker-produce) broker_path produce ;;
  broker-fetch) broker_path fetch ;;
  all) client_path produce; client_path consume; broker_path produce; broker_path fetch ;;
  *) echo "unknown path '$what' (produce, consume, broker-produce, broker-fetch, all)" >&2; exit 2 ;;
esac
