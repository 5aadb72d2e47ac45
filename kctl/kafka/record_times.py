"""The timestamp of the record at an offset, for many partitions at once (time lag).

One assign-mode consumer (never joins a group, never commits) is assigned every partition at
its offset; each partition is paused once it gave one record (or reached its end), and the
read stops when all are done or the deadline passes. A partition asked for at several offsets
(groups at different positions on one topic) is read in as many rounds.
"""

from __future__ import annotations

import logging
import uuid

from kctl import log
from kctl.deadline import Deadline
from kctl.kafka.consumer import close_bounded, create_consumer, error_kind, topic_partition
from kctl.models.admin import RecordPosition

TopicPartitionKey = tuple[str, int]

# Enough to get one record per partition; a fetch of the default 1 MB per partition for a
# thousand partitions would only be thrown away.
_PROBE_CONF = {
    "enable.auto.commit": False,
    "enable.auto.offset.store": False,
    "enable.partition.eof": True,
    # An offset below the log start (records deleted by retention): the first record kept is
    # the first one the group will read.
    "auto.offset.reset": "earliest",
    "max.partition.fetch.bytes": 65536,
    "fetch.wait.max.ms": 10,
    "fetch.queue.backoff.ms": 1,
    "queued.min.messages": 1,
}


def record_positions(conf: dict, wanted: list[tuple[TopicPartitionKey, int]],
                     deadline: Deadline) -> dict[tuple[TopicPartitionKey, int], RecordPosition | None]:
    """{((topic, partition), offset): RecordPosition of the first record at or after the offset,
    or None when the partition has no record there (its end, or only transaction markers)}.
    A pair missing from the answer was not read before the deadline."""
    rounds: list[dict[TopicPartitionKey, int]] = []
    for key, offset in dict.fromkeys(wanted):
        for r in rounds:
            if key not in r:
                r[key] = offset
                break
        else:
            rounds.append({key: offset})
    if not rounds:
        return {}
    probe = dict(conf)
    probe.update(_PROBE_CONF)
    probe["group.id"] = f"kctl-lag-probe-{uuid.uuid4().hex[:12]}"  # assign mode: never joined
    consumer = create_consumer(probe)
    out: dict = {}
    try:
        for r in rounds:
            if deadline.expired:
                break
            out.update(_read_round(consumer, r, deadline))
    finally:
        close_bounded(consumer, max(deadline.remaining(0.5), 0.5))
    missing = sum(1 for pair in dict.fromkeys(wanted) if pair not in out)
    if missing:
        log.event("record_timestamps_incomplete", logging.WARNING, missing=missing, asked=len(out) + missing)
    return out


def _read_round(consumer, offsets: dict[TopicPartitionKey, int], deadline: Deadline) -> dict:
    consumer.assign([topic_partition(t, p, o) for (t, p), o in offsets.items()])
    found: dict = {}
    paused: list = []
    try:
        while len(found) < len(offsets) and not deadline.expired:
            batch = consumer.consume(num_messages=max(len(offsets), 1), timeout=min(0.2, deadline.remaining(0.01)))
            done = []
            for msg in batch:
                key = (msg.topic(), msg.partition())
                if key not in offsets or (key, offsets[key]) in found:
                    continue
                if msg.error() is None and msg.offset() < offsets[key]:
                    continue  # fetched for an earlier round
                if msg.error() is not None:
                    kind = error_kind(msg.error())
                    if kind in ("eof", "not_found"):
                        found[(key, offsets[key])] = None
                        done.append(key)
                    continue
                _kind, ts = msg.timestamp()
                found[(key, offsets[key])] = RecordPosition(msg.topic(), msg.partition(), msg.offset(),
                                                            ts if ts is not None and ts >= 0 else None)
                done.append(key)
            if done:
                parts = [topic_partition(t, p) for t, p in done]
                consumer.pause(parts)
                paused.extend(parts)
    finally:
        # A pause outlives the assignment in librdkafka: the next round's assign() would not fetch.
        if paused:
            consumer.resume(paused)
        consumer.unassign()
    return found
