"""The timestamp of the record at an offset, for many partitions at once (time lag, reset impact).

One assign-mode ConsumerClient (never joins a group, never commits) is assigned every partition
at its offset and polled until each gave one record (or reached its end) or the deadline
passed. A partition asked for at several offsets (groups at different positions on one topic)
is read in as many rounds, each a new assign().
"""

from __future__ import annotations

import logging

from kctl import log
from kctl.client.consumer import ConsumerClient
from kctl.client.records import ConsumerRecord
from kctl.deadline import Deadline
from kctl.models.admin import RecordPosition

TopicPartitionKey = tuple[str, int]

# Enough to get one record per partition; a fetch of the default 1 MB per partition for a
# thousand partitions would only be thrown away.
_PROBE_OPTIONS = {
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
    probe = {k: v for k, v in conf.items() if k != "group.id"}  # a private group id: assign mode, never joined
    probe.update(_PROBE_OPTIONS)
    out: dict = {}
    consumer = ConsumerClient(probe)
    try:
        for r in rounds:
            if deadline.expired:
                break
            out.update(_read_round(consumer, r, deadline))
    finally:
        consumer.close(timeout=max(deadline.remaining(), 0.5))  # bounded: a broker gone must not hold the command
    missing = sum(1 for pair in dict.fromkeys(wanted) if pair not in out)
    if missing:
        log.event("record_timestamps_incomplete", logging.WARNING, missing=missing, asked=len(out) + missing)
    return out


def _read_round(consumer, offsets: dict[TopicPartitionKey, int], deadline: Deadline) -> dict:
    consumer.assign(offsets)
    found: dict = {}
    while len(found) < len(offsets) and not deadline.expired:
        for item in consumer.poll_items(max_records=max(len(offsets), 1), timeout=min(0.2, deadline.remaining(0.01))):
            key = (item.topic, item.partition)
            if key not in offsets or (key, offsets[key]) in found:
                continue
            if isinstance(item, ConsumerRecord):
                if item.offset < offsets[key]:
                    continue  # fetched for an earlier round
                ts = item.timestamp_ms
                found[(key, offsets[key])] = RecordPosition(item.topic, item.partition, item.offset,
                                                            ts if ts is not None and ts >= 0 else None)
            elif item.kind in ("eof", "not_found"):
                found[(key, offsets[key])] = None
    return found
