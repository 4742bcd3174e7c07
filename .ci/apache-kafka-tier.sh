#!/usr/bin/env bash
# The Apache Kafka tier: kctl against a real Kafka 4.x. Starts 3 brokers
# with .ci/apache-kafka.sh (PLAINTEXT, SASL_SSL/SCRAM-SHA-512 and mTLS
# listeners), runs cli/tests/it/apache_kafka.rs (and the client's KIP-848
# migration scenario) against them, then the
# failover tests (which kill and restart a broker) alone, then the
# exactly-once tests (apache_kafka_txn.rs, which switch transaction.version)
# alone, and stops the cluster. Prints its wall time. Called by .ci/test.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
dir=$(mktemp -d "${TMPDIR:-/tmp}/kctl-apache-kafka.XXXXXX")
trap 'bash .ci/apache-kafka.sh stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
# Build first, so the cluster is not kept waiting on the compiler.
cargo test -p kctl --test it --no-run -q
cargo test -p kctl-client --test it --no-run -q
cargo build -q -p kctl-client --example produce --example exactly_once
cluster_started=$(date +%s)
bash .ci/apache-kafka.sh start --brokers 3 --dir "$dir" --security
echo "apache-kafka tier: 3 brokers up in $(($(date +%s) - cluster_started))s"
export KCTL_APACHE_KAFKA_DIR=$dir
cargo test -p kctl --test it -q apache_kafka:: -- --test-threads 3
# KIP-848 online migration (classic -> consumer -> classic), the scenario
# broker-lite runs in client/tests/it/consumer_group_migration.rs.
cargo test -p kctl-client --test it -q consumer_group_migration::classic_members_are_upgraded_and_downgraded_on_apache_kafka
# The client's three send modes (fire and forget, synchronous, callback),
# as its example uses them, into a replicated topic: every record lands.
bootstrap=$(sed 's/^BOOTSTRAP=//' "$dir/bootstrap")
topic=send-modes-$$
target/debug/kctl -b "$bootstrap" topic create "$topic" -p 3 -r 3 >/dev/null
# The example takes one bootstrap address.
sent=$(target/debug/examples/produce "${bootstrap%%,*}" "$topic")
grep -q "1000 of 1000 callbacks reported success" <<<"$sent" || { echo "send modes: $sent" >&2; exit 1; }
read_back=$(target/debug/kctl -b "$bootstrap" consume "$topic" --from-beginning -e 2>/dev/null | wc -l)
[ "$read_back" -eq 2100 ] || { echo "send modes: read $read_back records, sent 2100" >&2; exit 1; }
echo "apache-kafka tier: the client's three send modes: 2100 of 2100 records read back"
cargo test -p kctl --test it -q apache_kafka_failover:: -- --test-threads 1
# Exactly-once at transaction.version 2 and 1: it changes a cluster-wide
# feature, so it runs alone, last.
cargo test -p kctl --test it -q apache_kafka_txn:: -- --test-threads 1
echo "apache-kafka tier: done in $(($(date +%s) - started))s"
