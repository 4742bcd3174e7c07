"""confluent-kafka against broker-lite: a two-member group using the
cooperative-sticky assignor, then the AdminClient's group calls, checked
against what a real Kafka answers.

Usage: confluent_group_admin.py BOOTSTRAP TOPIC GROUP COUNT
Prints one JSON summary line; "problems" lists every mismatch.
"""
import json
import sys
import time

from confluent_kafka import (
    Consumer,
    ConsumerGroupState,
    ConsumerGroupTopicPartitions,
    Producer,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient

bootstrap, topic, group, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
problems = []


def check(condition, message):
    if not condition:
        problems.append(message)


def consumer(client_id):
    return Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "client.id": client_id,
        "partition.assignment.strategy": "cooperative-sticky",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "session.timeout.ms": 6000,
        "heartbeat.interval.ms": 500,
    })


admin = AdminClient({"bootstrap.servers": bootstrap})
partitions = len(admin.list_topics(topic, timeout=10).topics[topic].partitions)
members = {"member-1": consumer("member-1"), "member-2": consumer("member-2")}


def wait_for(condition, what, seconds=40):
    deadline = time.time() + seconds
    while time.time() < deadline:
        for c in members.values():
            msg = c.poll(0.1)
            check(msg is None or msg.error(), f"record before producing: {msg and msg.value()}")
        if condition():
            return
    problems.append(f"{what}: {[c.assignment() for c in members.values()]}")


# member-1 owns everything first; member-2 joining then makes the
# cooperative protocol move partitions in two rounds (revoke, then assign).
# Nothing is produced until both own some, so each record has one owner.
members["member-1"].subscribe([topic])
wait_for(lambda: len(members["member-1"].assignment()) == partitions, "member-1 never got every partition")
members["member-2"].subscribe([topic])
wait_for(
    lambda: all(c.assignment() for c in members.values())
    and sum(len(c.assignment()) for c in members.values()) == partitions,
    "never assigned to both",
)
producer = Producer({"bootstrap.servers": bootstrap})
for i in range(count):
    producer.produce(topic, value=f"v-{i}".encode(), partition=i % partitions)
producer.flush(30)

received = {}
by_member = {name: 0 for name in members}
deadline = time.time() + 40
while len(received) < count and time.time() < deadline:
    for name, c in members.items():
        msg = c.poll(0.1)
        if msg is None or msg.error():
            continue
        value = msg.value().decode()
        check(value not in received, f"{value} consumed twice")
        received[value] = name
        by_member[name] += 1
check(len(received) == count, f"received {len(received)} of {count}")
for c in members.values():
    c.commit(asynchronous=False)

end = count // partitions
listed = admin.list_consumer_groups(request_timeout=10).result()
ours = [g for g in listed.valid if g.group_id == group]
check(len(ours) == 1, f"list_consumer_groups: {listed.valid}")
if ours:
    check(ours[0].state == ConsumerGroupState.STABLE, f"listed state {ours[0].state}")
    check(not ours[0].is_simple_consumer_group, "listed as a simple group")
stable = admin.list_consumer_groups(states={ConsumerGroupState.STABLE}, request_timeout=10).result()
check(group in [g.group_id for g in stable.valid], "state filter STABLE misses the group")
empty = admin.list_consumer_groups(states={ConsumerGroupState.EMPTY}, request_timeout=10).result()
check(group not in [g.group_id for g in empty.valid], "state filter EMPTY lists a Stable group")

described = admin.describe_consumer_groups([group], request_timeout=10)[group].result()
check(described.state == ConsumerGroupState.STABLE, f"described state {described.state}")
check(described.partition_assignor == "cooperative-sticky", f"assignor {described.partition_assignor}")
check(not described.is_simple_consumer_group, "described as a simple group")
check(described.coordinator.id == 0, f"coordinator {described.coordinator}")
check(sorted(m.client_id for m in described.members) == ["member-1", "member-2"],
      f"members {[m.client_id for m in described.members]}")
check(all(m.host == "/127.0.0.1" for m in described.members), f"hosts {[m.host for m in described.members]}")
assigned = sorted(tp.partition for m in described.members for tp in m.assignment.topic_partitions)
check(assigned == list(range(partitions)), f"assignments {assigned}")

offsets = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)], request_timeout=10)[group].result()
committed = {tp.partition: tp.offset for tp in offsets.topic_partitions}
check(committed == {p: end for p in range(partitions)}, f"committed {committed}")

for c in members.values():
    c.close()
deadline = time.time() + 20
while time.time() < deadline:
    state = admin.describe_consumer_groups([group], request_timeout=10)[group].result().state
    if state == ConsumerGroupState.EMPTY:
        break
    time.sleep(0.1)
else:
    problems.append(f"group not Empty after both closed: {state}")
described = admin.describe_consumer_groups([group], request_timeout=10)[group].result()
check(described.members == [], f"members after close {described.members}")

# An Empty group takes offsets from the admin (generation -1), as does a
# group that does not exist yet, which this creates.
altered = admin.alter_consumer_group_offsets(
    [ConsumerGroupTopicPartitions(group, [TopicPartition(topic, 0, 7)])], request_timeout=10)[group].result()
check([tp.error for tp in altered.topic_partitions] == [None], f"alter {altered.topic_partitions}")
offsets = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)], request_timeout=10)[group].result()
committed = {tp.partition: tp.offset for tp in offsets.topic_partitions}
check(committed == {**{p: end for p in range(partitions)}, 0: 7}, f"after alter {committed}")
admin.alter_consumer_group_offsets(
    [ConsumerGroupTopicPartitions("admin-made", [TopicPartition(topic, 1, 3)])], request_timeout=10)["admin-made"].result()
listed = admin.list_consumer_groups(request_timeout=10).result()
made = [g for g in listed.valid if g.group_id == "admin-made"]
check(len(made) == 1 and made[0].is_simple_consumer_group and made[0].state == ConsumerGroupState.EMPTY,
      f"admin-made group: {made}")

print(json.dumps({
    "consumed": len(received),
    "members_consuming": sum(1 for n in by_member.values() if n > 0),
    "by_member": by_member,
    "problems": problems[:20],
}))
