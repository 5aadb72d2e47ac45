"""Helpers shared by the consume integration tests: produce known records, read committed offsets."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def produce(bootstrap: str, topic: str, records) -> None:
    """records: iterable of dicts with value and optional key, headers, partition, timestamp."""
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    errors = []

    def delivered(err, _msg):
        if err is not None:
            errors.append(err)

    for record in records:
        kwargs = {k: v for k, v in record.items() if k in ("key", "headers", "partition", "timestamp")}
        producer.produce(topic, value=record.get("value"), on_delivery=delivered, **kwargs)
        producer.poll(0)
    assert producer.flush(30) == 0
    assert not errors, errors


def committed(bootstrap: str, group: str, topic: str, partitions: int) -> dict[int, int]:
    """{partition: committed offset} (-1001 when nothing was committed)."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        result = consumer.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=20)
    finally:
        consumer.close()
    return {tp.partition: tp.offset for tp in result}


def kctl_popen(*args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "kctl", *map(str, args)], cwd=ROOT, stdout=stdout, stderr=stderr,
                            **kwargs)


def group_name(prefix: str = "g") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"
