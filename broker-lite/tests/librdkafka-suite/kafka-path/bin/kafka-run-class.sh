#!/usr/bin/env bash
# librdkafka's suite runs Java helpers (0098_consumer_txn's
# TransactionProducerCli) through tests/java/run-class.sh, which calls
# "CLASSPATH=<tests/java> $KAFKA_PATH/bin/kafka-run-class.sh CLASS ARGS...".
# This stand-in runs the class on $KAFKA_PATH/libs, the Kafka client jars
# the harness links there, so the suite needs no Kafka distribution.
set -euo pipefail
libs=${KAFKA_PATH:?KAFKA_PATH must be set}/libs
exec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "${CLASSPATH:+$CLASSPATH:}$libs/*" "$@"
