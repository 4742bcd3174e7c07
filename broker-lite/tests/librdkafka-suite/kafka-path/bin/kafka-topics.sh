#!/usr/bin/env bash
# librdkafka's suite runs "$KAFKA_PATH/bin/kafka-topics.sh --bootstrap-server
# B --create|--alter|--delete --topic T ..." (tests/test.c
# test_kafka_topics). This stand-in hands the same request to kctl, whose
# `topic` flags follow kafka-topics.sh, so the suite needs no Kafka
# distribution. $KCTL names the kctl binary.
set -euo pipefail
kctl=${KCTL:?KCTL must name the kctl binary}
bootstrap='' action='' topic=''
passthrough=()
while (($#)); do
  case "$1" in
    --bootstrap-server) bootstrap=$2; shift 2 ;;
    --create | --alter | --delete | --describe | --list) action=${1#--}; shift ;;
    --topic) topic=$2; shift 2 ;;
    --partitions | --replication-factor | --config) passthrough+=("$1" "$2"); shift 2 ;;
    *) echo "kafka-topics.sh stand-in: unsupported argument $1" >&2; exit 2 ;;
  esac
done
[[ -n $bootstrap && -n $action ]] || { echo "kafka-topics.sh stand-in: need --bootstrap-server and an action" >&2; exit 2; }
case "$action" in
  create | alter | describe) exec "$kctl" -b "$bootstrap" topic "$action" "$topic" "${passthrough[@]}" ;;
  delete) exec "$kctl" -b "$bootstrap" topic delete --yes "$topic" ;;
  list) exec "$kctl" -b "$bootstrap" topic list ;;
esac
