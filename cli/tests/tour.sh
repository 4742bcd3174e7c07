#!/usr/bin/env bash
# A scripted tour of kctl, as a user would type it: create topics, produce
# 10,000 keyed lines, dump them as JSON, replay the dump into a second
# topic, check both are byte-identical per partition, then consume in a
# group, look at its lag, reset its offsets and see the lag change.
#
#   KCTL=path/to/kctl BOOTSTRAP=host:port [TOUR_CLUSTER=broker-lite|mock|apache-kafka] \
#     [TOUR_REPLICATION_FACTOR=N] [TOUR_PREFIX=tour] bash cli/tests/tour.sh
#
# Run by cli/tests/it/tour.rs against broker-lite and against librdkafka's
# mock cluster (3 brokers). The mock lacks CreateTopics, DescribeConfigs,
# ListGroups and DescribeGroups, so on it (TOUR_CLUSTER=mock) the harness
# creates the topics, and the steps that need those APIs are skipped with a
# notice; the group's commits are checked by consuming again instead.
set -euo pipefail
: "${KCTL:?path of the kctl binary}" "${BOOTSTRAP:?bootstrap server}"
cluster=${TOUR_CLUSTER:-broker-lite}
# Topic and group names start with the prefix, so a shared cluster (Apache
# Kafka in .ci/apache-kafka-tier.sh) can run the tour more than once.
prefix=${TOUR_PREFIX:-tour}
replication=()
[ -n "${TOUR_REPLICATION_FACTOR:-}" ] && replication=(-r "$TOUR_REPLICATION_FACTOR")
records=10000
partitions=3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

k() { "$KCTL" -b "$BOOTSTRAP" --timeout 20s "$@"; }
# The mock makes a member that joins after another left wait out the old
# one's session, so sessions are kept short.
group_consume() { k consume $prefix-src --group $prefix-group -X session.timeout.ms=6000 "$@"; }
step() { echo "== $*" >&2; }
skip() { echo "-- skipped on librdkafka's mock cluster ($1): $2" >&2; }
fail() { echo "FAILED: $*" >&2; exit 1; }
on_mock() { [ "$cluster" = mock ]; }
# Sum of one numeric field of `group describe -o json` over its partitions
# (a partition without a commit has null there and adds nothing).
group_sum() { k group describe $prefix-group --lag-only -o json | grep -o "\"$1\": [0-9]*" | awk '{s += $2} END {print s + 0}'; }

step "create $prefix-src and $prefix-copy ($partitions partitions each)"
if on_mock; then
  skip "no CreateTopics" "topic create; the harness created both topics"
else
  k topic create "$prefix-src" -p "$partitions" "${replication[@]}" >/dev/null
  k topic create "$prefix-copy" -p "$partitions" "${replication[@]}" >/dev/null
  k topic describe $prefix-src >/dev/null
fi

step "produce $records keyed lines"
seq 1 "$records" | awk '{ printf "customer-%d\torder-%d\n", $1 % 137, $1 }' \
  | k produce $prefix-src -K $'\t' 2>"$work/produce.log"
grep -q "produced $records records" "$work/produce.log" || fail "produce: $(cat "$work/produce.log")"

step "dump $prefix-src as JSON lines, partition by partition"
for p in $(seq 0 $((partitions - 1))); do
  k consume $prefix-src -p "$p" --from-beginning -e -o json >"$work/src-$p.json" 2>/dev/null
done
dumped=$(cat "$work"/src-*.json | wc -l)
[ "$dumped" -eq "$records" ] || fail "dumped $dumped records, expected $records"
grep -q '"key":"customer-' "$work/src-0.json" || fail "keys missing from the dump"

step "replay the dump into $prefix-copy with produce --input json"
cat "$work"/src-*.json | k produce $prefix-copy --input json 2>"$work/replay.log"
grep -q "produced $records records" "$work/replay.log" || fail "replay: $(cat "$work/replay.log")"

step "consume $prefix-copy and diff it with $prefix-src (byte-identical but for the topic name)"
for p in $(seq 0 $((partitions - 1))); do
  k consume $prefix-copy -p "$p" --from-beginning -e -o json 2>/dev/null \
    | sed "s/^{\"topic\":\"$prefix-copy\"/{\"topic\":\"$prefix-src\"/" >"$work/copy-$p.json"
  cmp "$work/src-$p.json" "$work/copy-$p.json" || fail "partition $p differs"
done

step "consume 4000 records in group $prefix-group"
group_consume --from-beginning -c 4000 >/dev/null 2>&1
if on_mock; then
  skip "no DescribeGroups" "group describe; the commit is checked by consuming the rest"
  rest=$(group_consume --from-beginning -e 2>/dev/null | wc -l)
  [ "$rest" -eq $((records - 4000)) ] || fail "the group resumed with $rest records, expected $((records - 4000))"
  skip "no DescribeGroups" "group reset-offsets (it checks the group has no members first)"
else
  committed=$(group_sum committed_offset)
  [ "$committed" -eq 4000 ] || fail "committed offsets add up to $committed after 4000 records"
  step "reset $prefix-group to the earliest offsets and see the lag change"
  lag_before=$(group_sum lag)
  k group reset-offsets $prefix-group --topic $prefix-src --to-earliest --execute --yes >/dev/null
  lag=$(group_sum lag)
  [ "$lag" -eq "$records" ] && [ "$lag" -gt "$lag_before" ] \
    || fail "lag $lag after the reset (before: $lag_before), expected $records"
  step "read the whole topic again from the reset offsets"
  again=$(group_consume -e 2>/dev/null | wc -l)
  [ "$again" -eq "$records" ] || fail "read $again records after the reset, expected $records"
  [ "$(group_sum lag)" -eq 0 ] || fail "lag is not 0 after reading everything"
fi
echo "tour complete ($cluster)" >&2
