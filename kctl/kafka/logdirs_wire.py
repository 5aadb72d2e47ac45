"""DescribeLogDirs v1 over a plain TCP connection, for clusters without TLS or SASL.

kafka-python (the other way to send DescribeLogDirs: confluent-kafka 2.16 lacks it) builds its
hundreds of protocol classes from JSON schemas when imported: ~0.5 s of CPU, more than the rest
of a `topics describe` of 1,000 topics. This request and its answer are small and fixed (v1 is the
oldest version Kafka 4 serves and the newest without tagged fields), so on a PLAINTEXT listener
kctl speaks it directly; any other setup, or any failure here, goes to kafka-python
(kctl.client.admin falls back).
"""

from __future__ import annotations

import struct

from kctl.deadline import Deadline
from kctl.errors import BrokerUnavailable
from kctl.kafka.wire import exchange, frame, read_string, string
from kctl.models.admin import ReplicaLogDir

API_KEY, API_VERSION = 35, 1


def request(topics: dict[str, list[int]] | None, correlation_id: int = 1, client_id: str = "kctl") -> bytes:
    """The framed request: every replica (topics None) or the given topics' partitions."""
    if topics is None:
        body = [struct.pack(">i", -1)]
    else:
        body = [struct.pack(">i", len(topics))]
        for name, partitions in topics.items():
            body.append(string(name) + struct.pack(f">i{len(partitions)}i", len(partitions), *partitions))
    return frame(API_KEY, API_VERSION, b"".join(body), correlation_id, client_id)


def parse(data: bytes, broker: int, correlation_id: int = 1) -> list[ReplicaLogDir]:
    """The replicas of a v1 response (without its size prefix); log dirs in error are left out."""
    (got, _throttle, dirs), pos = struct.unpack_from(">iii", data), 12
    if got != correlation_id:
        raise ValueError(f"correlation id {got}, expected {correlation_id}")
    out = []
    for _ in range(dirs):
        (error,), pos = struct.unpack_from(">h", data, pos), pos + 2
        log_dir, pos = read_string(data, pos)
        (topic_count,), pos = struct.unpack_from(">i", data, pos), pos + 4
        for _ in range(max(topic_count, 0)):
            topic, pos = read_string(data, pos)
            (count,), pos = struct.unpack_from(">i", data, pos), pos + 4
            for _ in range(max(count, 0)):
                partition, size, _lag, future = struct.unpack_from(">iqqb", data, pos)
                pos += 21
                if not error:
                    out.append(ReplicaLogDir(broker=broker, log_dir=log_dir or "", topic=topic or "", partition=partition,
                                             size_bytes=size, is_future=bool(future)))
    return out


def describe_log_dirs(brokers: list[tuple[int, str, int]], topics: dict[str, list[int]] | None,
                      deadline: Deadline) -> list[ReplicaLogDir]:
    """Ask every broker (id, host, port) for its replicas of the topics; BrokerUnavailable when
    one cannot be asked (the caller falls back to kafka-python)."""
    out = []
    for broker, host, port in brokers:
        try:
            out += parse(exchange(host, port, request(topics), deadline), broker)
        except (OSError, ValueError, struct.error) as exc:
            raise BrokerUnavailable(f"describe log dirs of broker {broker} ({host}:{port}): {exc}") from None
    return out

