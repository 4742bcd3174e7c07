"""kafka-python producer and manually-assigned consumer against broker-lite.

Usage: kafka_python_roundtrip.py BOOTSTRAP TOPIC PARTITIONS COUNT
Exits 0 and prints a JSON summary when every record came back intact.
"""
import json
import sys

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

bootstrap, topic, partitions, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])

# kafka-python 3.x defaults: enable_idempotence=True, acks='all'. The
# producer gets its producer id from InitProducerId and every batch carries
# sequence numbers the broker checks.
producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
sent = {}
futures = []
for i in range(count):
    partition = i % partitions
    key = f"key-{i}".encode()
    value = f"value-{i}".encode() * 3
    headers = [("index", str(i).encode()), ("dup", b"1"), ("dup", b"2")]
    futures.append((i, producer.send(topic, key=key, value=value, headers=headers, partition=partition, timestamp_ms=1_700_000_000_000 + i)))
for i, future in futures:
    meta = future.get(timeout=30)
    sent[(meta.partition, meta.offset)] = i
producer.flush()
producer.close()

consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=10_000)
assigned = [TopicPartition(topic, p) for p in range(partitions)]
consumer.assign(assigned)
consumer.seek_to_beginning(*assigned)
received = {}
for message in consumer:
    received[(message.partition, message.offset)] = message
    if len(received) >= count:
        break
consumer.close()

problems = []
if len(received) != count:
    problems.append(f"received {len(received)} of {count}")
for (partition, offset), i in sent.items():
    message = received.get((partition, offset))
    if message is None:
        problems.append(f"missing {partition}@{offset}")
        continue
    if message.key != f"key-{i}".encode() or message.value != f"value-{i}".encode() * 3:
        problems.append(f"wrong key/value at {partition}@{offset}")
    if message.timestamp != 1_700_000_000_000 + i:
        problems.append(f"wrong timestamp at {partition}@{offset}: {message.timestamp}")
    if list(message.headers) != [("index", str(i).encode()), ("dup", b"1"), ("dup", b"2")]:
        problems.append(f"wrong headers at {partition}@{offset}: {message.headers}")

print(json.dumps({"sent": len(sent), "received": len(received), "problems": problems[:10]}))
sys.exit(1 if problems else 0)
