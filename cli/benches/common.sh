# Sourced by the benchmarks here once they have set $root: a scratch $work
# directory, removed on exit with any broker stopped; a release build of
# kctl as $kctl (or the binary KCTL_BIN names, e.g. a saved build of an
# earlier commit for a before/after figure); need_kcat; start_broker; fill_topic;
# and ab_rounds.
work=$(mktemp -d)
trap 'kill "${broker_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
if [[ -n "${KCTL_BIN:-}" ]]; then
  kctl=$KCTL_BIN
else
  cargo build --release -q -p kctl --manifest-path "$root/Cargo.toml"
  kctl="$root/target/release/kctl"
fi

need_kcat() {
  command -v kcat >/dev/null || { echo "kcat is needed (bash .ci/setup installs it)" >&2; exit 1; }
}

# broker-lite through `kctl broker start` on a free loopback port, data
# under $1, more `broker start` arguments after it; sets $bootstrap and
# $broker_pid.
start_broker() {
  "$kctl" broker start --data-dir "$1" --listen 127.0.0.1:0 "${@:2}" 2>"$work/broker.log" &
  broker_pid=$!
  until grep -qs "bootstrap server" "$work/broker.log"; do
    kill -0 "$broker_pid" 2>/dev/null || { cat "$work/broker.log" >&2; exit 1; }
    sleep 0.05
  done
  bootstrap=$(sed -n 's/.*bootstrap server: \([^ ]*\).*/\1/p' "$work/broker.log")
}

# A fresh 1-partition topic $1 holding $2 random records of $3 bytes,
# produced by `kctl perf produce` (acks=1, its default batching), for a
# benchmark that reads them.
fill_topic() {
  "$kctl" -b "$bootstrap" topic create "$1" -p 1 >/dev/null
  "$kctl" -b "$bootstrap" perf produce "$1" --num-records "$2" --record-size "$3" --acks 1 >/dev/null
}

# Runs `$1 A` and `$1 B` (a function printing one rate) `rounds` times,
# alternating which goes first, printing each round and then the medians
# and B/A. $2 names the unit. Needs $a, $b and $rounds.
ab_rounds() {
  local measure=$1 unit=$2 a_rates=() b_rates=() round
  for round in $(seq "$rounds"); do
    if (( round % 2 )); then
      a_rates+=("$("$measure" "$a" "a-$round")"); b_rates+=("$("$measure" "$b" "b-$round")")
    else
      b_rates+=("$("$measure" "$b" "b-$round")"); a_rates+=("$("$measure" "$a" "a-$round")")
    fi
    echo "round $round ($unit): A ${a_rates[-1]} B ${b_rates[-1]}"
  done
  python3 - "${a_rates[*]}" "${b_rates[*]}" "$unit" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import statistics, sys
a = statistics.median(map(float, sys.argv[1].split()))
b = statistics.median(map(float, sys.argv[2].split()))
unit = sys.argv[3]
print(f"medians: A {a:,.0f} {unit}, B {b:,.0f} {unit}, B/A {b / a:.2f}x; load average at the end {sys.argv[4]}")
PY
}
