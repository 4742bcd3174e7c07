#!/usr/bin/env bash
# librdkafka's suite runs "$KAFKA_PATH/bin/kafka-acls.sh --bootstrap-server B
# --add --deny-principal 'User:*' --operation All --deny-host '*' --topic T"
# (tests 0109, 0115, 0119 via test_kafka_cmd), and 0119 also "--remove
# --force --allow-principal ...". This stand-in hands the same request to
# `kctl acl`, whose create flags follow kafka-acls.sh. $KCTL names the kctl
# binary.
set -euo pipefail
kctl=${KCTL:?KCTL must name the kctl binary}
bootstrap='' action=''
args=() create_args=() filter_args=()
while (($#)); do
  case "$1" in
    --bootstrap-server) bootstrap=$2; shift 2 ;;
    --add) action=create; shift ;;
    --remove) action=delete; shift ;;
    --list) action=list; shift ;;
    --force) args+=(--yes); shift ;;
    --allow-principal | --deny-principal)
      # create takes them as they are; delete and list filter with
      # --principal and --permission (0119 removes the ACL it added).
      permission=${1#--}; permission=${permission%-principal}
      create_args+=("$1" "$2"); filter_args+=(--principal "$2" --permission "$permission"); shift 2 ;;
    --operation | --topic | --group | --transactional-id | --resource-pattern-type)
      args+=("$1" "$2"); shift 2 ;;
    --allow-host | --deny-host) args+=(--host "$2"); shift 2 ;;
    --cluster) args+=(--cluster); shift ;;
    *) echo "kafka-acls.sh stand-in: unsupported argument $1" >&2; exit 2 ;;
  esac
done
[[ -n $bootstrap && -n $action ]] || { echo "kafka-acls.sh stand-in: need --bootstrap-server and --add, --remove or --list" >&2; exit 2; }
if [[ $action == create ]]; then args+=("${create_args[@]}"); else args+=("${filter_args[@]}"); fi
exec "$kctl" -b "$bootstrap" acl "$action" "${args[@]}"
