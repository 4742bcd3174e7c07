#!/usr/bin/env python3
"""Seeds the fuzz corpora from real traffic.

Starts broker-lite behind a recording TCP proxy (the broker advertises the
proxy's port, so every connection goes through it), drives kcat, kctl and
confluent-kafka (librdkafka) through it, and writes:

  broker-lite/fuzz/corpus/request/          each connection's client->broker byte
                                            stream (cut at 64 KiB), as the
                                            `request` target reads it
  client/fuzz/corpus/response/              each response frame as
                                            [api key][version][frame]
  client/fuzz/corpus/consumer_protocol/     subscriptions from JoinGroup requests
                                            and assignments from SyncGroup responses
  client/fuzz/corpus/record_batch/          the head of each partition's segment
  broker-lite/fuzz/corpus/segment_recovery/ the same, as an unclean-open input

Usage: broker-lite/fuzz/capture-corpus.py [--broker PATH] [--kctl PATH]
Needs kcat and the project venv (.venv) with confluent-kafka.
"""
import argparse
import hashlib
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STREAM_CAP_BYTES = 64 * 1024
FRAME_CAP_BYTES = 64 * 1024
JOIN_GROUP, SYNC_GROUP = 11, 14


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def save(directory, data):
    os.makedirs(directory, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def frames(buf):
    """Whole size-prefixed frames at the front of buf, and the rest."""
    out = []
    while len(buf) >= 4:
        (size,) = struct.unpack(">i", buf[:4])
        if size < 0 or len(buf) < 4 + size:
            break
        out.append(buf[4 : 4 + size])
        buf = buf[4 + size :]
    return out, buf


class Reader:
    """Just enough of Kafka's primitive types to find the group blobs."""

    def __init__(self, data, flexible):
        self.data, self.at, self.flexible = data, 0, flexible

    def take(self, n):
        if self.at + n > len(self.data):
            raise ValueError("short")
        chunk = self.data[self.at : self.at + n]
        self.at += n
        return chunk

    def i16(self):
        return struct.unpack(">h", self.take(2))[0]

    def i32(self):
        return struct.unpack(">i", self.take(4))[0]

    def uvarint(self):
        shift = value = 0
        while True:
            b = self.take(1)[0]
            value |= (b & 0x7F) << shift
            if not b & 0x80:
                return value
            shift += 7

    def string(self):
        n = self.uvarint() - 1 if self.flexible else self.i16()
        return None if n < 0 else self.take(n)

    def nullable_string_v0(self):
        n = self.i16()
        return None if n < 0 else self.take(n)

    def bytes_(self):
        n = self.uvarint() - 1 if self.flexible else self.i32()
        return None if n < 0 else self.take(n)

    def array_len(self):
        return self.uvarint() - 1 if self.flexible else self.i32()

    def tags(self):
        if self.flexible:
            for _ in range(self.uvarint()):
                self.uvarint()
                self.take(self.uvarint())


def join_group_subscriptions(version, body):
    r = Reader(body, version >= 6)
    r.string()  # group id
    r.i32()  # session timeout
    if version >= 1:
        r.i32()  # rebalance timeout
    r.string()  # member id
    if version >= 5:
        r.string()  # group instance id
    r.string()  # protocol type
    blobs = []
    for _ in range(r.array_len()):
        r.string()
        blobs.append(r.bytes_())
        r.tags()
    return [b for b in blobs if b]


def sync_group_assignment(version, body):
    r = Reader(body, version >= 4)
    if version >= 1:
        r.i32()  # throttle
    r.i16()  # error code
    if version >= 5:
        r.string()  # protocol type
        r.string()  # protocol name
    return r.bytes_()


def request_header(frame):
    """(api key, version, correlation id, body) of a request frame."""
    api_key, version, correlation_id = struct.unpack(">hhi", frame[:8])
    r = Reader(frame[8:], False)
    r.nullable_string_v0()  # client id (header v1 and v2)
    flexible = flexible_request(api_key, version)
    if flexible:
        r.flexible = True
        r.tags()
    return api_key, version, correlation_id, frame[8 + r.at :]


# First flexible version of the APIs whose bodies this script reads.
FLEXIBLE_FROM = {JOIN_GROUP: 6, SYNC_GROUP: 4}


def flexible_request(api_key, version):
    return api_key in FLEXIBLE_FROM and version >= FLEXIBLE_FROM[api_key]


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.responses = 0

    def connection_stream(self, stream):
        if stream:
            save(os.path.join(ROOT, "broker-lite/fuzz/corpus/request"), stream[:STREAM_CAP_BYTES])

    def request(self, frame, pending):
        try:
            api_key, version, correlation_id, body = request_header(frame)
        except (ValueError, struct.error):
            return
        pending[correlation_id] = (api_key, version)
        with self.lock:
            self.requests += 1
        if api_key == JOIN_GROUP:
            try:
                for blob in join_group_subscriptions(version, body):
                    save(os.path.join(ROOT, "client/fuzz/corpus/consumer_protocol"), b"\x00" + blob)
            except (ValueError, struct.error):
                pass

    def response(self, frame, pending):
        if len(frame) < 4:
            return
        (correlation_id,) = struct.unpack(">i", frame[:4])
        known = pending.pop(correlation_id, None)
        if known is None:
            return
        api_key, version = known
        if len(frame) <= FRAME_CAP_BYTES:
            save(os.path.join(ROOT, "client/fuzz/corpus/response"), bytes([api_key, version]) + frame)
        with self.lock:
            self.responses += 1
        if api_key == SYNC_GROUP:
            skip = 5 if version >= 4 else 4  # correlation id, header tags
            try:
                blob = sync_group_assignment(version, frame[skip:])
                if blob:
                    save(os.path.join(ROOT, "client/fuzz/corpus/consumer_protocol"), b"\x01" + blob)
            except (ValueError, struct.error):
                pass


def pump(src, dst, on_bytes):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            on_bytes(data)
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def proxy(listener, upstream_port, recorder):
    while True:
        try:
            client, _ = listener.accept()
        except OSError:
            return
        server = socket.create_connection(("127.0.0.1", upstream_port))
        pending = {}
        state = {"up": b"", "down": b"", "stream": bytearray()}

        def up(data, state=state, pending=pending):
            if len(state["stream"]) < STREAM_CAP_BYTES:
                state["stream"] += data
            found, state["up"] = frames(state["up"] + data)
            for f in found:
                recorder.request(f, pending)

        def down(data, state=state, pending=pending):
            found, state["down"] = frames(state["down"] + data)
            for f in found:
                recorder.response(f, pending)

        def run(client=client, server=server, state=state):
            t = threading.Thread(target=pump, args=(server, client, down), daemon=True)
            t.start()
            pump(client, server, up)
            t.join(5)
            recorder.connection_stream(bytes(state["stream"]))

        threading.Thread(target=run, daemon=True).start()


def wait_port(port, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"nothing listening on {port}")


def sh(args, **kw):
    print("+", " ".join(args), file=sys.stderr)
    return subprocess.run(args, check=True, timeout=120, **kw)


CONFLUENT = r"""
import sys, time
from confluent_kafka import Producer, Consumer
bootstrap = sys.argv[1]
p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "compression.type": sys.argv[2]})
for i in range(200):
    p.produce("seed-py", key=str(i % 7).encode(), value=("value-%d" % i).encode(), headers=[("h", b"x")])
p.flush(30)
c = Consumer({"bootstrap.servers": bootstrap, "group.id": "seed-group-" + sys.argv[2], "auto.offset.reset": "earliest",
              "enable.auto.commit": False})
c.subscribe(["seed-py"])
got, deadline = 0, time.time() + 30
while got < 200 and time.time() < deadline:
    m = c.poll(1)
    if m is not None and not m.error():
        got += 1
c.commit(asynchronous=False)
c.close()
print("consumed", got)
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--broker", default=os.path.join(ROOT, "target/debug/broker-lite"))
    ap.add_argument("--kctl", default=os.path.join(ROOT, "target/debug/kctl"))
    args = ap.parse_args()
    python = os.path.join(ROOT, ".venv/bin/python")
    data_dir = tempfile.mkdtemp(prefix="capture-corpus-")
    broker_port, proxy_port = free_port(), free_port()
    bootstrap = f"127.0.0.1:{proxy_port}"
    broker = subprocess.Popen(
        [args.broker, "--data-dir", data_dir, "--listen", f"127.0.0.1:{broker_port}",
         "--advertise", bootstrap, "--num-partitions", "3", "--log", "warn"])
    recorder = Recorder()
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", proxy_port))
    listener.listen(64)
    threading.Thread(target=proxy, args=(listener, broker_port, recorder), daemon=True).start()
    try:
        wait_port(broker_port)
        kctl = [args.kctl, "-b", bootstrap]
        sh(kctl + ["topic", "create", "seed-kctl", "--partitions", "2"])
        lines = "".join(f"key-{i}\tvalue {i}\n" for i in range(100)).encode()
        sh(kctl + ["produce", "seed-kctl", "-K", "\t"], input=lines)
        sh(kctl + ["consume", "seed-kctl", "--from-beginning", "-c", "100", "-g", "seed-kctl-group"],
           stdout=subprocess.DEVNULL)
        for extra in (["topic", "list"], ["topic", "describe", "seed-kctl"], ["group", "list"],
                      ["group", "describe", "seed-kctl-group"], ["offsets", "seed-kctl"],
                      ["config", "describe", "topic", "seed-kctl"], ["cluster", "describe"]):
            subprocess.run(kctl + extra, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        for codec in ("none", "gzip", "snappy", "lz4", "zstd"):
            sh(["kcat", "-b", bootstrap, "-P", "-t", "seed-kcat", "-K:", "-z", codec],
               input=b"".join(b"k%d:kcat value %d\n" % (i, i) for i in range(50)))
        sh(["kcat", "-b", bootstrap, "-C", "-t", "seed-kcat", "-e", "-q"], stdout=subprocess.DEVNULL)
        sh(["kcat", "-b", bootstrap, "-C", "-G", "seed-kcat-group", "seed-kcat", "-e", "-q"],
           stdout=subprocess.DEVNULL)
        sh(["kcat", "-b", bootstrap, "-L"], stdout=subprocess.DEVNULL)
        for codec in ("none", "lz4"):
            sh([python, "-c", CONFLUENT, bootstrap, codec])
        time.sleep(1)
    finally:
        broker.terminate()
        broker.wait(30)
        listener.close()
    # Segments: the head of each partition's first .log.
    for dirpath, _, files in os.walk(data_dir):
        for name in files:
            if name.endswith(".log"):
                with open(os.path.join(dirpath, name), "rb") as f:
                    head = f.read(16 * 1024)
                if head:
                    save(os.path.join(ROOT, "client/fuzz/corpus/record_batch"), head)
                    save(os.path.join(ROOT, "broker-lite/fuzz/corpus/segment_recovery"), b"\x00" + head)
    shutil.rmtree(data_dir, ignore_errors=True)
    print(f"captured {recorder.requests} requests, {recorder.responses} responses", file=sys.stderr)


if __name__ == "__main__":
    main()
