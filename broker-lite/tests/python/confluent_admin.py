"""confluent-kafka AdminClient incremental_alter_configs and delete_records
against broker-lite, checked against what a real Kafka answers.

Usage: confluent_admin.py BOOTSTRAP TOPIC
TOPIC must exist with one partition holding at least 5 records.
Exits 0 and prints a JSON summary when every answer matched.
"""
import json
import sys

from confluent_kafka import KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import (
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    ResourceType,
)

bootstrap, topic = sys.argv[1], sys.argv[2]
admin = AdminClient({"bootstrap.servers": bootstrap})
problems = []
seen = {}


def alter(resource_type, name, entries):
    resource = ConfigResource(resource_type, name, incremental_configs=entries)
    future = admin.incremental_alter_configs([resource])[resource]
    try:
        future.result(timeout=30)
        return None
    except KafkaException as e:
        return e.args[0]


def describe(name, key):
    resource = ConfigResource(ResourceType.TOPIC, name)
    configs = admin.describe_configs([resource])[resource].result(timeout=30)
    return configs[key].value


error = alter(ResourceType.TOPIC, topic, [ConfigEntry("retention.ms", "3600000", incremental_operation=AlterConfigOpType.SET)])
if error is not None:
    problems.append(f"SET retention.ms failed: {error}")
seen["retention.ms"] = describe(topic, "retention.ms")
if seen["retention.ms"] != "3600000":
    problems.append(f"retention.ms is {seen['retention.ms']}")

error = alter(ResourceType.TOPIC, topic, [ConfigEntry("cleanup.policy", "compact", incremental_operation=AlterConfigOpType.APPEND)])
if error is not None:
    problems.append(f"APPEND cleanup.policy failed: {error}")
seen["cleanup.policy"] = describe(topic, "cleanup.policy")
if seen["cleanup.policy"] != "delete,compact":
    problems.append(f"cleanup.policy is {seen['cleanup.policy']}")
alter(ResourceType.TOPIC, topic, [ConfigEntry("cleanup.policy", "", incremental_operation=AlterConfigOpType.DELETE)])

error = alter(ResourceType.TOPIC, topic, [ConfigEntry("retention.ms", "soon", incremental_operation=AlterConfigOpType.SET)])
seen["bad value"] = str(error)
if error is None or error.code() != KafkaError.INVALID_CONFIG or "retention.ms" not in error.str():
    problems.append(f"bad retention.ms answered {error}")

error = alter(ResourceType.TOPIC, topic, [ConfigEntry("segment.ms", "5", incremental_operation=AlterConfigOpType.APPEND)])
seen["append to a non-list"] = str(error)
if error is None or error.code() != KafkaError.INVALID_CONFIG:
    problems.append(f"APPEND segment.ms answered {error}")

error = alter(ResourceType.BROKER, "0", [ConfigEntry("log.retention.ms", "1", incremental_operation=AlterConfigOpType.SET)])
seen["static broker config"] = str(error)
if error is None or error.code() != KafkaError.INVALID_REQUEST:
    problems.append(f"altering a static broker config answered {error}")

error = alter(ResourceType.TOPIC, "no-such-topic", [ConfigEntry("retention.ms", "1", incremental_operation=AlterConfigOpType.SET)])
seen["unknown topic"] = str(error)
if error is None or error.code() != KafkaError.UNKNOWN_TOPIC_OR_PART:
    problems.append(f"unknown topic answered {error}")

deleted = admin.delete_records([TopicPartition(topic, 0, 3)])
result = deleted[TopicPartition(topic, 0, 3)].result(timeout=30)
seen["low watermark"] = result.low_watermark
if result.low_watermark != 3:
    problems.append(f"delete_records to 3 gave low watermark {result.low_watermark}")

past_end = TopicPartition(topic, 0, 1_000_000)
try:
    admin.delete_records([past_end])[past_end].result(timeout=30)
    problems.append("delete_records past the high watermark succeeded")
except KafkaException as e:
    seen["past the high watermark"] = str(e.args[0])
    if e.args[0].code() != KafkaError.OFFSET_OUT_OF_RANGE:
        problems.append(f"delete_records past the end answered {e.args[0]}")

print(json.dumps({"seen": seen, "problems": problems}))
sys.exit(1 if problems else 0)
