#!/usr/bin/env bash
# librdkafka's own test suite (tests/ of Debian's librdkafka source package,
# the same version as librdkafka-dev) against broker-lite.
#
#   broker-lite/tests/librdkafka-suite.sh          build if needed, then run
#   broker-lite/tests/librdkafka-suite.sh build    only fetch and build the suite
#   TESTS=0012,0017 broker-lite/tests/librdkafka-suite.sh   run only these
#
# The selection, and why every other test of the suite is left out, is in
# docs/compatibility.md ("librdkafka test suite"); SELECTED below is that list.
# The last line is always `librdkafka-suite: N passed, M failed`; the exit
# status is non-zero when fewer than $LIBRDKAFKA_SUITE_MIN_PASS pass. Under
# CI=true a missing suite or toolchain is a failure, otherwise a skip.
#
# Knobs: LIBRDKAFKA_SUITE_CACHE (source and build, default
# ~/.cache/kctl/librdkafka-src), LIBRDKAFKA_SUITE_PARALLEL (tests at once,
# default 2 for a 2-core box), LIBRDKAFKA_SUITE_TEST_TIMEOUT_S (bound of one
# test, default 300), LIBRDKAFKA_SUITE_MIN_PASS (default 90),
# LIBRDKAFKA_SUITE_KEEP (keep the work dir with logs).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/broker-lite/tests/librdkafka-suite"
cache=${LIBRDKAFKA_SUITE_CACHE:-$HOME/.cache/kctl/librdkafka-src}
parallel=${LIBRDKAFKA_SUITE_PARALLEL:-2}
per_test_timeout_s=${LIBRDKAFKA_SUITE_TEST_TIMEOUT_S:-300}
# -Q (the suite's quick mode) skips 0082 and the longer halves of several
# tests; LIBRDKAFKA_SUITE_QUICK=1 turns it on.
quick=''
[[ ${LIBRDKAFKA_SUITE_QUICK:-} == 1 ]] && quick=-Q
min_pass=${LIBRDKAFKA_SUITE_MIN_PASS:-90}

# The selection: the suite's tests that need a broker (not TEST_F_LOCAL or
# TEST_F_MANUAL in tests/test.c, 99 of them), minus SSL (0097), SASL (0126
# OAUTHBEARER/OIDC, 0135) and the two the suite itself marks
# TEST_F_KNOWN_ISSUE and never runs by default (0028, 0047): 94 tests.
# "default" scenario (auto-created topics get 4 partitions): 90 tests.
SELECTED_DEFAULT=(
  0001_multiobj 0002_unkpart 0003_msgmaxsize 0005_order 0007_autotopic 0008_reqacks
  0011_produce_batch 0012_produce_consume 0013_null_msgs 0014_reconsume_191 0015_offsets_seek
  0016_client_swname 0017_compression 0018_cgrp_term 0019_list_groups 0020_destroy_hang
  0021_rkt_destroy 0022_consume_batch 0026_consume_pause 0029_assign_offset 0030_offset_commit
  0031_get_offsets 0033_regex_subscribe 0034_offset_reset 0035_api_version 0036_partial_fetch
  0038_performance 0039_event_dr 0040_io_event 0041_fetch_max_bytes 0042_many_topics
  0044_partition_cnt 0045_subscribe_update 0048_partitioner 0049_consume_conn_close
  0050_subscribe_adds 0051_assign_adds 0052_msg_timestamps 0053_stats 0054_offset_time
  0055_producer_latency 0056_balanced_group_mt 0057_invalid_topic 0059_bsearch 0060_op_prio
  0061_consumer_lag 0063_clusterid 0064_interceptors 0065_yield 0067_empty_topic
  0068_produce_timeout 0069_consumer_add_parts 0070_null_empty 0073_headers 0075_retry
  0076_produce_retry 0077_compaction 0081_admin 0082_fetch_max_bytes 0083_cb_event
  0084_destroy_flags 0085_headers 0086_purge_remote 0088_produce_metadata_timeout
  0089_max_poll_interval 0090_idempotence 0091_max_poll_interval_timeout 0092_mixed_msgver
  0093_holb_consumer 0094_idempotence_msg_timeout 0098_consumer_txn 0099_commit_metadata
  0101_fetch_from_follower 0102_static_group_rebalance 0103_transactions
  0109_auto_create_topics 0110_batch_size 0112_assign_unknown_part 0113_cooperative_rebalance
  0114_sticky_partitioning 0115_producer_auth 0118_commit_rebalance 0119_consumer_auth
  0122_buffer_cleaning_after_rebalance 0123_connections_max_idle 0125_immediate_flush
  0129_fetch_aborted_msgs 0130_store_offsets 0132_strategy_ordering 0137_barrier_batch_consume
)
# "noautocreate" scenario (a broker with auto.create.topics.enable=false): 4.
SELECTED_NOAUTOCREATE=(
  0045_subscribe_update_topic_remove 0045_subscribe_update_non_exist_and_partchange
  0107_topic_recreate 0111_delay_create_topics
)

say() { echo "librdkafka-suite: $*" >&2; }
missing() {
  if [[ ${CI:-} == true ]]; then
    say "FAILED: $*"
    echo "librdkafka-suite: 0 passed, 0 failed"
    exit 1
  fi
  say "skipped: $* (CI is not set)"
  exit 0
}

suite_dir() { compgen -G "$cache/librdkafka-*/tests/Makefile" | head -n1 | xargs -r dirname; }

# Fetches Debian's librdkafka source package (the version librdkafka-dev is)
# and builds the library and test-runner from it: the tests include the
# library's internal headers, so they cannot be built against the packaged
# library. Needs a deb-src entry and the build deps (.ci/setup adds both).
build_suite() {
  local tests
  tests=$(suite_dir || true)
  if [[ -n $tests && -x $tests/test-runner ]]; then return 0; fi
  command -v cc >/dev/null && command -v c++ >/dev/null && command -v make >/dev/null \
    || missing "a C/C++ toolchain (cc, c++, make) is needed to build the suite"
  if [[ -z $tests ]]; then
    command -v apt-get >/dev/null || missing "apt-get is needed to fetch Debian's librdkafka source"
    mkdir -p "$cache"
    say "fetching Debian's librdkafka source into $cache"
    (cd "$cache" && apt-get source -qq librdkafka >/dev/null 2>&1) \
      || missing "apt-get source librdkafka failed (is there a deb-src entry? .ci/setup adds one)"
    tests=$(suite_dir || true)
    [[ -n $tests ]] || missing "no tests/ in the librdkafka source under $cache"
  fi
  local src
  src=$(dirname "$tests")
  say "building librdkafka and its test-runner in $src (a few minutes)"
  (
    cd "$src"
    # No SASL/GSSAPI, curl or SSL: the selection leaves out the tests that
    # need them, and the fewer deps the faster CI builds.
    [[ -f Makefile.config ]] || ./configure --disable-gssapi --disable-curl --disable-ssl >build-configure.log 2>&1
    nice -n 5 make -j2 libs >build-libs.log 2>&1
    nice -n 5 make -j2 -C tests test-runner >build-tests.log 2>&1
  ) || missing "building the suite failed, see $src/build-*.log"
}

build_suite
[[ ${1:-} == build ]] && exit 0
tests=$(suite_dir)

command -v cargo >/dev/null || missing "cargo is needed to build broker-lite and kctl"
say "building broker-lite and kctl"
(cd "$root" && cargo build -q -p broker-lite --bin broker-lite && cargo build -q -p kctl --bin kctl) \
  || missing "cargo build failed"
target=$(cd "$root" && cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
broker_bin="$target/debug/broker-lite"
export KCTL="$target/debug/kctl"

work=$(mktemp -d "${TMPDIR:-/tmp}/librdkafka-suite.XXXXXX")
broker_pid=''
stop_broker() {
  if [[ -n $broker_pid ]]; then
    kill "$broker_pid" 2>/dev/null || true
    wait "$broker_pid" 2>/dev/null || true
    broker_pid=''
  fi
}
cleanup() {
  stop_broker
  if [[ -n ${LIBRDKAFKA_SUITE_KEEP:-} ]]; then say "logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# $KAFKA_PATH for the suite: bin/ holds the stand-ins for kafka-topics.sh
# and kafka-run-class.sh, libs/ Kafka's client jars from Maven Central
# (.ci/apache-kafka.sh classpath), against which the suite's `make java`
# compiles its Java helpers (0098_consumer_txn's TransactionProducerCli).
mkdir -p "$work/kafka-path"
ln -s "$here/kafka-path/bin" "$work/kafka-path/bin"
if kafka_libs=$(bash "$root/.ci/apache-kafka.sh" classpath 2>/dev/null); then
  ln -s "$kafka_libs" "$work/kafka-path/libs"
else
  say "no Kafka client jars (bash .ci/apache-kafka.sh install): 0098_consumer_txn will fail"
fi

# Starts broker-lite on a free port over a fresh data dir; sets $bootstrap.
start_broker() {
  local name=$1 auto_create=$2
  mkdir -p "$work/$name"
  cat >"$work/$name/server.properties" <<EOF
num.partitions=4
auto.create.topics.enable=$auto_create
EOF
  "$broker_bin" --config "$work/$name/server.properties" --data-dir "$work/$name/data" \
    --listen 127.0.0.1:0 --log warn 2>"$work/$name/broker.log" &
  broker_pid=$!
  bootstrap=''
  for _ in $(seq 100); do
    bootstrap=$(sed -n 's/.*bootstrap server: \([^ ]*\).*/\1/p' "$work/$name/broker.log" | head -n1)
    [[ -n $bootstrap ]] && break
    kill -0 "$broker_pid" 2>/dev/null || break
    sleep 0.1
  done
  [[ -n $bootstrap ]] || { cat "$work/$name/broker.log" >&2; say "broker-lite did not start"; exit 1; }
}

# Runs the tests of one number in their own test-runner process (a test that
# times out takes its whole test-runner down, so one process per number
# keeps the rest of the run alive), bounded by $per_test_timeout_s.
run_number() {
  local scenario=$1 number=$2 timeout_s=$per_test_timeout_s
  # 0077 compacts 1000-message topics four times (once per codec), waiting
  # for the cleaner each time: it needs twice the usual bound.
  [[ $number == 0077 ]] && timeout_s=$((2 * per_test_timeout_s))
  cd "$tests"
  # Without CI in its environment: the runner's CI mode triples every test's
  # own timeout and cuts request.timeout.ms to 10 s, so a run here would
  # differ from the same run under .ci/test. The outer subshell swallows
  # bash's "Aborted" notice for a test-runner that aborted on a failure.
  (
    env -u CI LD_LIBRARY_PATH="../src:../src-cpp${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
      RDKAFKA_TEST_CONF="$work/$scenario/test.conf" TEST_KAFKA_VERSION=4.1.0 \
      TESTS="$number" TEST_SCENARIO="$scenario" \
      KAFKA_PATH="$work/kafka-path" BROKERS="$(cat "$work/$scenario/bootstrap")" \
      timeout --kill-after=10 "$timeout_s" ./test-runner -p1 -K -L $quick \
      >"$work/$scenario/$number.log" 2>&1
  ) 2>/dev/null || true
}
export -f run_number

# The state of one selected test from its number's log: its row in the
# summary table, else its failure banner (a failed test aborts the
# test-runner before the table, as librdkafka threads are still running),
# else FAILED (killed by the timeout, or never started because another test
# of its number took the runner down).
test_state() {
  local scenario=$1 name=$2 log="$work/$1/${2%%_*}.log" state
  state=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | awk -F'|' -v n="$name" '
    { name = $2; gsub(/ /, "", name) } name == n { state = $3; gsub(/ /, "", state); print state; exit }')
  if [[ -z $state || $state == DNS || $state == RUNNING ]]; then
    if grep -q "### Test \"$name[\" ].*failed at" "$log"; then state=FAILED; else state=FAILED-unfinished; fi
  fi
  echo "$state"
}

# One scenario: a fresh broker, then its tests $parallel numbers at a time;
# appends "scenario name state" lines to $work/results.
run_scenario() {
  local scenario=$1 auto_create=$2
  shift 2
  start_broker "$scenario" "$auto_create"
  echo "$bootstrap" >"$work/$scenario/bootstrap"
  printf 'bootstrap.servers=%s\nbroker.address.family=v4\n' "$bootstrap" >"$work/$scenario/test.conf"
  local names=("$@") started=$SECONDS name state
  say "scenario $scenario: broker-lite at $bootstrap, ${#names[@]} tests, $parallel at a time"
  printf '%s\n' "${names[@]%%_*}" | uniq \
    | work=$work tests=$tests here=$here per_test_timeout_s=$per_test_timeout_s quick=$quick \
      xargs -P "$parallel" -I{} bash -c 'run_number "$0" "$1"' "$scenario" {}
  for name in "${names[@]}"; do
    state=$(test_state "$scenario" "$name")
    echo "$scenario $name $state" >>"$work/results"
    [[ $state == PASSED ]] || say "not passed: $scenario $name $state"
  done
  say "scenario $scenario: done in $((SECONDS - started))s"
  stop_broker
}

suite_started=$SECONDS
: >"$work/results"
if [[ -n ${TESTS:-} ]]; then
  IFS=, read -r -a only <<<"$TESTS"
  unset TESTS
  keep() { local n; for n in "$@"; do if [[ " ${only[*]} " == *" ${n%%_*} "* ]]; then echo "$n"; fi; done; }
  mapfile -t SELECTED_DEFAULT < <(keep "${SELECTED_DEFAULT[@]}")
  mapfile -t SELECTED_NOAUTOCREATE < <(keep "${SELECTED_NOAUTOCREATE[@]}")
fi
((${#SELECTED_DEFAULT[@]} == 0)) || run_scenario default true "${SELECTED_DEFAULT[@]}"
((${#SELECTED_NOAUTOCREATE[@]} == 0)) || run_scenario noautocreate false "${SELECTED_NOAUTOCREATE[@]}"

passed=$(awk '$3 == "PASSED"' "$work/results" | wc -l)
# A test that skips itself (a missing optional dependency) is not a pass.
failed=$(awk '$3 != "PASSED"' "$work/results" | wc -l)
skipped=$(awk '$3 == "SKIPPED"' "$work/results" | wc -l)
echo "librdkafka-suite: results (test state):"
sort "$work/results" | sed 's/^/  /'
say "wall time $((SECONDS - suite_started))s; of the $failed not passed, $skipped skipped themselves"
echo "librdkafka-suite: $passed passed, $failed failed"
((passed >= min_pass)) || { say "fewer than $min_pass passed"; exit 1; }
