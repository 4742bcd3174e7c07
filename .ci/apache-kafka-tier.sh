#!/usr/bin/env bash
# The Apache Kafka tier: kctl against a real Kafka 4.x. Starts 3 brokers
# with .ci/apache-kafka.sh (PLAINTEXT, SASL_SSL/SCRAM-SHA-512 and mTLS
# listeners), runs cli/tests/it/apache_kafka.rs against them, then the
# failover tests (which kill and restart a broker) alone, and stops the
# cluster. Prints its wall time. Called by .ci/test.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
dir=$(mktemp -d "${TMPDIR:-/tmp}/kctl-apache-kafka.XXXXXX")
trap 'bash .ci/apache-kafka.sh stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
# Build first, so the cluster is not kept waiting on the compiler.
cargo test -p kctl --test it --no-run -q
bash .ci/apache-kafka.sh start --brokers 3 --dir "$dir" --security
echo "apache-kafka tier: cluster up in $(($(date +%s) - started))s (after the build)"
export KCTL_APACHE_KAFKA_DIR=$dir
cargo test -p kctl --test it -q apache_kafka:: -- --test-threads 3
cargo test -p kctl --test it -q apache_kafka_failover:: -- --test-threads 1
echo "apache-kafka tier: done in $(($(date +%s) - started))s"
