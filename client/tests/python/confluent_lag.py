"""Lag of a group as confluent-kafka's AdminClient sees it.

Usage: confluent_lag.py BOOTSTRAP GROUP TOPIC PARTITIONS
Prints {"<partition>": lag or "no commit"} as JSON: lag = latest offset
(AdminClient.list_offsets, OffsetSpec.latest) minus the committed offset
(AdminClient.list_consumer_group_offsets); a partition without a commit
(offset -1001, OFFSET_INVALID) is "no commit".
"""
import json
import sys

from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec

bootstrap, group, topic, partitions = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
admin = AdminClient({"bootstrap.servers": bootstrap})
tps = [TopicPartition(topic, p) for p in range(partitions)]

committed = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group, tps)])[group].result(timeout=30)
latest = admin.list_offsets({tp: OffsetSpec.latest() for tp in tps})
ends = {tp.partition: f.result(timeout=30).offset for tp, f in latest.items()}

lag = {}
for tp in committed.topic_partitions:
    if tp.error is not None:
        raise SystemExit(f"partition {tp.partition}: {tp.error}")
    lag[str(tp.partition)] = "no commit" if tp.offset < 0 else ends[tp.partition] - tp.offset
print(json.dumps(lag, sort_keys=True))
