"""confluent-kafka (librdkafka) with group.protocol=consumer (KIP-848)
against broker-lite: three members share the partitions, a fourth joins,
one leaves; every record is consumed, and the AdminClient describes the
group as a consumer-protocol group.

Usage: confluent_kip848.py BOOTSTRAP TOPIC GROUP COUNT
Prints one JSON summary line; "problems" lists every mismatch.
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient

bootstrap, topic, group, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
problems = []
consumed = []
stale_commits = 0


def check(condition, message):
    if not condition:
        problems.append(message)


def consumer(client_id):
    c = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "client.id": client_id,
        "group.protocol": "consumer",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    c.subscribe([topic])
    return c


admin = AdminClient({"bootstrap.servers": bootstrap})
partitions = len(admin.list_topics(topic, timeout=10).topics[topic].partitions)
members = {f"member-{i}": consumer(f"member-{i}") for i in range(1, 4)}


def poll_all(seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        for c in members.values():
            msg = c.poll(0.05)
            if msg is None:
                continue
            if msg.error():
                problems.append(f"poll error: {msg.error()}")
                continue
            consumed.append((msg.partition(), msg.offset()))
            commit(c, msg)


def commit(c, msg):
    # A commit that races a rebalance carries the member's previous epoch:
    # Kafka 4.0 refuses it with STALE_MEMBER_EPOCH, as broker-lite does, and
    # the next commit (after the heartbeat that brings the new epoch)
    # succeeds. Any other commit error is a problem.
    global stale_commits
    try:
        c.commit(message=msg, asynchronous=False)
    except KafkaException as e:
        if e.args[0].code() == KafkaError.STALE_MEMBER_EPOCH:
            stale_commits += 1
        else:
            problems.append(f"commit error: {e}")


def assigned():
    return {name: len(c.assignment()) for name, c in members.items()}


def balanced(n):
    sizes = list(assigned().values())
    return (len(sizes) == n and sum(sizes) == partitions
            and max(sizes) - min(sizes) <= 1)


def wait_for(condition, what, seconds=40):
    deadline = time.time() + seconds
    while time.time() < deadline:
        poll_all(0.2)
        if condition():
            return True
    problems.append(f"{what}: {assigned()}")
    return False


three = four = after_leave = None
try:
    wait_for(lambda: balanced(3), "three members never shared the partitions evenly")
    three = sorted(assigned().values())

    producer = Producer({"bootstrap.servers": bootstrap})
    for i in range(count // 2):
        producer.produce(topic, value=b"v%d" % i, key=b"k%d" % i)
    producer.flush(10)

    members["member-4"] = consumer("member-4")
    wait_for(lambda: balanced(4), "the fourth member never got its share")
    four = sorted(assigned().values())

    described = admin.describe_consumer_groups([group])[group].result(10)
    check(str(described.type).endswith("CONSUMER"), f"group type {described.type}")
    check(len(described.members) == 4, f"{len(described.members)} members described")
    check(sum(len(m.assignment.topic_partitions) for m in described.members) == partitions,
          "described assignments do not cover the partitions")

    # member-1 leaves (epoch -1); the others take its partitions over.
    members.pop("member-1").close()
    for i in range(count // 2, count):
        producer.produce(topic, value=b"v%d" % i, key=b"k%d" % i)
    producer.flush(10)
    wait_for(lambda: len(set(consumed)) >= count and balanced(3),
             "not every record was consumed", seconds=60)
    after_leave = sorted(assigned().values())
finally:
    # A consumer left unclosed when the script fails is destroyed at exit,
    # and librdkafka 2.16 once spun there forever (KIP-848 group
    # termination): close every member on every path.
    for c in members.values():
        c.close()

print(json.dumps({
    "problems": problems,
    "unique": len(set(consumed)),
    "consumed": len(consumed),
    "three": three,
    "four": four,
    "after_leave": after_leave,
    "stale_commits": stale_commits,
}))
