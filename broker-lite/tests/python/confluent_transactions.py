"""confluent-kafka (librdkafka) transactions against broker-lite.

Usage: confluent_transactions.py BOOTSTRAP
Creates topics txn-in (1 partition) and txn-out (3 partitions), then with
transactional.id "py-txn": commits 10 records with send_offsets_to_transaction,
aborts 5, commits 3 more. A read_committed consumer must see exactly the 13
committed records, a read_uncommitted one all 18, the group's committed offset
must be the one sent in the committed transaction, and a second producer with
the same transactional.id must fence the first.
Exits 0 and prints a JSON summary when every check passed.
"""
import json
import sys

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap = sys.argv[1]
problems = []
summary = {}

admin = AdminClient({"bootstrap.servers": bootstrap})
for future in admin.create_topics(
    [NewTopic("txn-in", 1, 1), NewTopic("txn-out", 3, 1)]
).values():
    future.result(timeout=30)

plain = Producer({"bootstrap.servers": bootstrap})
for i in range(8):
    plain.produce("txn-in", value=f"in-{i}".encode(), partition=0)
plain.flush(30)

group_consumer = Consumer(
    {"bootstrap.servers": bootstrap, "group.id": "py-txn-group", "enable.auto.commit": False}
)
group_consumer.assign([TopicPartition("txn-in", 0, 0)])


def producer(**extra):
    config = {
        "bootstrap.servers": bootstrap,
        "transactional.id": "py-txn",
        "transaction.timeout.ms": 60000,
    }
    config.update(extra)
    return Producer(config)


first = producer()
first.init_transactions(30)

first.begin_transaction()
for i in range(10):
    first.produce("txn-out", key=f"k{i}".encode(), value=f"commit-{i}".encode())
first.send_offsets_to_transaction(
    [TopicPartition("txn-in", 0, 5)], group_consumer.consumer_group_metadata(), 30
)
first.commit_transaction(30)

first.begin_transaction()
for i in range(5):
    first.produce("txn-out", key=f"a{i}".encode(), value=f"abort-{i}".encode())
first.send_offsets_to_transaction(
    [TopicPartition("txn-in", 0, 7)], group_consumer.consumer_group_metadata(), 30
)
first.flush(30)
first.abort_transaction(30)

first.begin_transaction()
for i in range(10, 13):
    first.produce("txn-out", key=f"k{i}".encode(), value=f"commit-{i}".encode())
first.commit_transaction(30)


def read_all(isolation):
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"reader-{isolation}",
            "isolation.level": isolation,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
        }
    )
    consumer.assign([TopicPartition("txn-out", p, 0) for p in range(3)])
    values, eof = [], set()
    for _ in range(200):
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() == -191:  # _PARTITION_EOF
                eof.add(msg.partition())
                if len(eof) == 3:
                    break
                continue
            problems.append(f"{isolation} consumer error: {msg.error()}")
            break
        values.append(msg.value().decode())
    consumer.close()
    return sorted(values)


committed_values = read_all("read_committed")
all_values = read_all("read_uncommitted")
summary["read_committed"] = len(committed_values)
summary["read_uncommitted"] = len(all_values)
expected_committed = sorted(f"commit-{i}" for i in range(13))
if committed_values != expected_committed:
    problems.append(f"read_committed saw {committed_values}")
if all_values != sorted(expected_committed + [f"abort-{i}" for i in range(5)]):
    problems.append(f"read_uncommitted saw {all_values}")

committed = group_consumer.committed([TopicPartition("txn-in", 0)], timeout=30)
summary["group_offset"] = committed[0].offset
if committed[0].offset != 5:
    problems.append(f"group offset is {committed[0].offset}, not 5 (the aborted 7 must not show)")

# A second instance with the same transactional.id fences the first.
second = producer()
second.init_transactions(30)
try:
    first.begin_transaction()
    first.produce("txn-out", value=b"zombie")
    first.commit_transaction(30)
    problems.append("the fenced producer committed")
except KafkaException as e:
    error = e.args[0]
    summary["zombie_error"] = error.name()
    if not error.fatal():
        problems.append(f"fencing error is not fatal: {error}")
second.begin_transaction()
second.produce("txn-out", value=b"after-fence")
second.commit_transaction(30)
summary["read_committed_after_fence"] = len(read_all("read_committed"))
if summary["read_committed_after_fence"] != 14:
    problems.append(f"after fencing read_committed saw {summary['read_committed_after_fence']}")

group_consumer.close()
print(json.dumps(summary))
if problems:
    print("\n".join(problems))
    sys.exit(1)
