"""Watermarks (ListOffsets v2, earliest and latest) over plain TCP connections, for clusters
without TLS or SASL.

The library ways cost more than the requests: confluent-kafka's admin client makes a Future per
partition (~0.2 s per 3,000), and a consumer's offsets_for_times needs a consumer of its own, a
metadata round and two ListOffsets rounds one after the other (~0.25-0.4 s for 1,000 topics of 3
partitions on a busy 2-core machine). Here each partition leader gets both requests on one
connection (~30 ms for 3,000 partitions). v2 is the oldest version Kafka 4 serves that has the
isolation level (read_committed: the latest offset is the last stable one, as a consumer sees
it); it has no tagged fields. Partitions a broker answers with an error (a leader that moved) and
any broker that cannot be asked are left out: the caller asks the library for those.
"""

from __future__ import annotations

import logging
import struct
from concurrent.futures import ThreadPoolExecutor

from kctl import log
from kctl.deadline import Deadline
from kctl.kafka.wire import exchange_many, frame, string

API_KEY, API_VERSION = 2, 2
EARLIEST, LATEST = -2, -1
READ_COMMITTED = 1

Key = tuple[str, int]


def request(partitions: list[Key], timestamp: int, correlation_id: int = 1, client_id: str = "kctl") -> bytes:
    """The framed request: the offset at `timestamp` (-2 earliest, -1 latest) of each partition."""
    by_topic: dict[str, list[int]] = {}
    for topic, partition in partitions:
        by_topic.setdefault(topic, []).append(partition)
    body = [struct.pack(">ibi", -1, READ_COMMITTED, len(by_topic))]  # replica -1: a client
    for topic, ids in by_topic.items():
        body.append(string(topic) + struct.pack(">i", len(ids)))
        body.append(b"".join(struct.pack(">iq", partition, timestamp) for partition in ids))
    return frame(API_KEY, API_VERSION, b"".join(body), correlation_id, client_id)


def parse(data: bytes, correlation_id: int = 1) -> dict[Key, int]:
    """{(topic, partition): offset} of the partitions answered without an error, from a v2
    response without its size prefix; ValueError for another correlation id."""
    (got, _throttle, topics), pos = struct.unpack_from(">iii", data), 12
    if got != correlation_id:
        raise ValueError(f"correlation id {got}, expected {correlation_id}")
    out = {}
    for _ in range(topics):
        (length,) = struct.unpack_from(">h", data, pos)
        topic = data[pos + 2:pos + 2 + length].decode("utf-8", "replace")
        (count,) = struct.unpack_from(">i", data, pos + 2 + length)
        pos += 6 + length
        end = pos + 22 * count  # partition int32, error int16, timestamp int64, offset int64
        if end > len(data):
            raise ValueError("the answer ends inside a partition")
        for partition, error, _timestamp, offset in struct.iter_unpack(">ihqq", data[pos:end]):
            if not error:
                out[(topic, partition)] = offset
        pos = end
    return out


def watermark_ranges(by_leader: dict[tuple[str, int], list[Key]], deadline: Deadline) -> dict[Key, tuple[int, int]]:
    """{(topic, partition): (low, high)} of the partitions, asked of their leaders ({(host, port):
    partitions}), several brokers side by side; a partition a broker answered with an error, or
    whose broker could not be asked, is left out."""
    def ask(leader) -> dict[Key, tuple[int, int]]:
        (host, port), keys = leader
        try:
            answers = exchange_many(host, port, [request(keys, EARLIEST, 1), request(keys, LATEST, 2)], deadline)
            low, high = parse(answers[0], correlation_id=1), parse(answers[1], correlation_id=2)
        except (OSError, ValueError, struct.error) as exc:
            log.event("watermarks_wire_fallback", logging.DEBUG, broker=f"{host}:{port}", error=str(exc))
            return {}
        return {key: (low[key], high[key]) for key in keys if key in low and key in high}

    out: dict[Key, tuple[int, int]] = {}
    if len(by_leader) <= 1:
        for leader in by_leader.items():
            out.update(ask(leader))
        return out
    with ThreadPoolExecutor(min(8, len(by_leader)), thread_name_prefix="kctl-offsets") as pool:
        for answer in pool.map(ask, by_leader.items()):
            out.update(answer)
    return out
