"""Where each source partition starts (the group's committed offset, else --from) and stops
(--until, by default the end offsets at start; none with --follow), as numbers."""

from __future__ import annotations

from kctl.services.consume.options import Position

Key = tuple  # (topic, partition)


def start_offsets(consumer, keys: list[Key], start: Position | None, committed: dict, marks: dict,
                  timeout: float) -> dict:
    """{key: first offset to read}: the group's committed offset when it has one (resume), else --from."""
    start = start or Position("beginning")
    out = {}
    times = {}
    for key in keys:
        low, high = marks[key]
        offset = committed.get(key, -1001)
        if offset is not None and offset >= 0:
            out[key] = min(max(offset, low), high)
        elif start.kind == "beginning":
            out[key] = low
        elif start.kind == "end":
            out[key] = high
        elif start.kind == "offset":
            out[key] = min(max(start.value, low), high)
        elif start.kind == "tail":
            out[key] = max(low, high - start.value)
        else:  # time
            times.setdefault(key[0], []).append(key[1])
    for topic, partitions in times.items():
        found = consumer.offsets_for_times(topic, partitions, start.value, timeout)
        for partition in partitions:
            offset = found.get(partition, -1)
            out[(topic, partition)] = offset if offset >= 0 else marks[(topic, partition)][1]
    return out


def stop_offsets(consumer, keys: list[Key], until: Position | None, follow: bool, marks: dict,
                 timeout: float) -> dict:
    """{key: offset to stop before, or None (follow)}."""
    if follow:
        return {key: None for key in keys}
    until = until or Position("end")
    if until.kind == "end":
        return {key: marks[key][1] for key in keys}
    if until.kind == "offset":
        return {key: min(max(until.value, marks[key][0]), marks[key][1]) for key in keys}
    out = {}
    by_topic: dict[str, list[int]] = {}
    for topic, partition in keys:
        by_topic.setdefault(topic, []).append(partition)
    for topic, partitions in by_topic.items():
        found = consumer.offsets_for_times(topic, partitions, until.value, timeout)
        for partition in partitions:
            offset = found.get(partition, -1)
            out[(topic, partition)] = offset if offset >= 0 else marks[(topic, partition)][1]
    return out
