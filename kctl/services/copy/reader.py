"""BoundedReader: read assigned partitions from start offsets up to stop offsets (or on, with
stop None), tracking each partition's position past transaction markers and aborted records."""

from __future__ import annotations

import time

from kctl.client.records import ConsumerRecord
from kctl.errors import BrokerUnavailable

Key = tuple  # (topic, partition)


class BoundedReader:
    def __init__(self, consumer, keys: list[Key], start: dict, stop: dict):
        self.consumer = consumer
        self.keys = list(keys)
        self.start = dict(start)
        self.stop = dict(stop)
        self.position = dict(start)  # the next offset to read, per partition
        self.paused: set = set()
        self.moved_at = time.monotonic()

    def assign(self) -> None:
        active = {k: self.start[k] for k in self.keys if not self.done(k)}
        self.paused = set()
        if active:
            self.consumer.assign(active)

    def done(self, key: Key) -> bool:
        stop = self.stop[key]
        return stop is not None and self.position[key] >= stop

    def all_done(self) -> bool:
        return all(self.done(k) for k in self.keys)

    def left(self) -> int | None:
        """Offsets left to the stop points (None when a partition has none)."""
        if any(self.stop[k] is None for k in self.keys):
            return None
        return sum(max(0, self.stop[k] - self.position[k]) for k in self.keys)

    def check_progress(self, limit: float) -> None:
        """BrokerUnavailable when no position moved for `limit` seconds short of the stop points
        (read_committed cannot pass an open transaction: the last stable offset holds it back)."""
        if time.monotonic() - self.moved_at <= limit or self.all_done():
            return
        behind = [f"{t}/{p} at {self.position[(t, p)]} of {self.stop[(t, p)]}" for t, p in self.keys
                  if not self.done((t, p))]
        raise BrokerUnavailable(f"no progress for {limit:g}s: {', '.join(behind[:5])}",
                                hint="an open transaction in the source holds read_committed readers back "
                                     "(kctl txn list); what was done so far is kept")

    def poll(self, max_records: int, timeout: float) -> list:
        """The records polled that lie before their partition's stop point; raises a fatal
        consumer error (a deleted topic: NotFoundError)."""
        out = []
        for item in self.consumer.poll_items(max_records, timeout):
            if not isinstance(item, ConsumerRecord):
                if item.error is not None:
                    raise item.error
                if item.kind == "eof" and item.offset is not None and item.partition is not None:
                    self._advance((item.topic, item.partition), item.offset)
                continue
            key = (item.topic, item.partition)
            stop = self.stop[key]
            if stop is not None and item.offset >= stop:
                # Nothing readable lies between the position and this record: what is left
                # before the stop point are transaction markers or aborted records.
                self._advance(key, item.offset)
                continue
            self.position[key] = item.offset + 1
            out.append(item)
        if out:
            self.moved_at = time.monotonic()
        return out

    def _advance(self, key: Key, offset: int) -> None:
        stop = self.stop[key]
        target = offset if stop is None else min(offset, stop)
        if target > self.position[key]:
            self.position[key] = target
            self.moved_at = time.monotonic()
        if key not in self.paused and self.done(key):
            self.consumer.pause([key])
            self.paused.add(key)
