"""kafka-python KafkaConsumer in a consumer group: consume COUNT records,
commit, close (LeaveGroup). Run twice, the second run must resume at the
first run's commits.

Usage: kafka_python_group_resume.py BOOTSTRAP TOPIC GROUP COUNT
Prints one JSON line: the records consumed as [partition, offset, value]
and the committed offset of every partition after the commit.
"""
import json
import sys

from kafka import KafkaConsumer, TopicPartition

bootstrap, topic, group, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

consumer = KafkaConsumer(
    topic,
    bootstrap_servers=bootstrap,
    group_id=group,
    enable_auto_commit=False,
    auto_offset_reset="earliest",
    consumer_timeout_ms=30_000,
    session_timeout_ms=10_000,
    heartbeat_interval_ms=1_000,
)
consumed = []
for message in consumer:
    consumed.append([message.partition, message.offset, message.value.decode()])
    if len(consumed) >= count:
        break
# Commits the position after the last record handed out per partition.
consumer.commit()
partitions = sorted(consumer.partitions_for_topic(topic))
committed = {str(p): consumer.committed(TopicPartition(topic, p)) for p in partitions}
consumer.close()
print(json.dumps({"consumed": consumed, "committed": committed}))
