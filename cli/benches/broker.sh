# Sourced by the benchmarks here: starts broker-lite through `kctl broker
# start` on a free loopback port, data under $1, and sets $bootstrap and
# $broker_pid. Needs $kctl and $work; the caller's EXIT trap kills
# $broker_pid.
start_broker() {
  "$kctl" broker start --data-dir "$1" --listen 127.0.0.1:0 2>"$work/broker.log" &
  broker_pid=$!
  until grep -q "bootstrap server" "$work/broker.log"; do
    kill -0 "$broker_pid" 2>/dev/null || { cat "$work/broker.log" >&2; exit 1; }
    sleep 0.05
  done
  bootstrap=$(sed -n 's/.*bootstrap server: \([^ ]*\).*/\1/p' "$work/broker.log")
}
