"""Paged reading of a topic for the messages screen: one page in memory at a time, whatever the topic's size.

A page starts at an offset per partition; reading stops at `size` records (that pass the filter)
or at the high watermarks taken when the page began. `prev()` goes back through the starts of the
pages already seen; `tail()` reads what arrives after the last page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kctl.client import ConsumerClient
from kctl.client.records import ConsumerRecord
from kctl.deadline import Deadline
from kctl.errors import NotFoundError
from kctl.services.consume.options import matches

# How many records a filtered page may scan before it shows what it found (the rest: the next page).
SCAN_LIMIT = 50_000
# A page reads about 100 records right after an assign. A fetch the broker holds (fetch.wait.max.ms, 500 ms
# by default, while a partition has no more records) must come back before the new offsets are fetched, so a
# page after the first waited 0.3-0.5 s; 10 ms brings pages to 30-60 ms (one empty fetch per broker every
# 10 ms while a tail waits, as e2e's consumers do). librdkafka fetches again at once when the page is not full
# (fetch.queue.backoff.ms, 1 s by default) and pre-fetches a few thousand records per partition, not 100,000
# (queued.min.messages), for a page of 100. The client conf (context, -X) overrides these.
PAGED_READS = {"fetch.wait.max.ms": 10, "fetch.queue.backoff.ms": 1, "queued.min.messages": 2000}


@dataclass
class Page:
    records: list[ConsumerRecord]
    starts: dict[int, int]  # partition -> first offset of the page
    scanned: int = 0
    at_end: bool = False
    notes: list[str] = field(default_factory=list)


class MessageBrowser:
    """Browse `topic` (one partition, or all with partition None) from a start: beginning, end, time, offset."""

    def __init__(self, conf: dict, topic: str, partition: int | None, timeout: float = 10.0):
        self.topic = topic
        self.timeout = timeout
        self._consumer = ConsumerClient({**PAGED_READS, **conf})
        found = self._consumer.topics(timeout, topic).get(topic)
        if not found:
            raise NotFoundError(f"topic {topic!r} does not exist")
        self.partitions = [partition] if partition is not None else list(found)
        self._history: list[dict[int, int]] = []
        self._next: dict[int, int] = {}
        self.rules: tuple = ()

    def watermarks(self) -> dict[int, tuple[int, int]]:
        return {p: self._consumer.watermarks(self.topic, p, self.timeout) for p in self.partitions}

    def start_offsets(self, mode: str, value: int | None, size: int) -> dict[int, int]:
        """Where a browse from `mode` (beginning, end, time with value=epoch ms, offset with value) starts."""
        marks = self.watermarks()
        if mode == "beginning":
            return {p: low for p, (low, _) in marks.items()}
        if mode == "end":
            share = max(1, -(-size // len(marks)))  # the last page: its share of records from each partition
            return {p: max(low, high - share) for p, (low, high) in marks.items()}
        if mode == "time":
            found = self._consumer.offsets_for_times(self.topic, list(marks), int(value), self.timeout)
            return {p: (found.get(p, -1) if found.get(p, -1) >= 0 else high) for p, (_, high) in marks.items()}
        if mode == "offset":
            return {p: min(max(int(value), low), high) for p, (low, high) in marks.items()}
        raise ValueError(f"unknown start {mode!r}")

    def first(self, mode: str, value: int | None, size: int) -> Page:
        self._history = []
        return self._read(self.start_offsets(mode, value, size), size)

    def next(self, size: int) -> Page:
        return self._read(dict(self._next), size)

    def prev(self, size: int) -> Page | None:
        if len(self._history) < 2:
            return None
        self._history.pop()
        return self._read(self._history.pop(), size)

    def _read(self, starts: dict[int, int], size: int) -> Page:
        self._history.append(dict(starts))
        marks = self.watermarks()
        ends = {p: high for p, (_, high) in marks.items()}
        positions = dict(starts)
        pending = {p for p in self.partitions if positions[p] < ends[p]}
        records: list[ConsumerRecord] = []
        scanned = 0
        if pending:
            self._consumer.assign({(self.topic, p): positions[p] for p in pending})
        deadline = Deadline.after(self.timeout)
        while pending and len(records) < size and scanned < SCAN_LIMIT and not deadline.expired:
            # A batch poll waits its whole timeout unless max_records arrive: ask for what is left to read.
            left = sum(ends[p] - positions[p] for p in pending)
            want = max(1, min(500, left if self.rules else min(left, size - len(records))))
            for record in self._consumer.poll(max_records=want, timeout=min(0.5, deadline.remaining(0.01))):
                p = record.partition
                if p not in pending or record.offset < positions[p]:
                    continue
                scanned += 1
                positions[p] = record.offset + 1
                if positions[p] >= ends[p]:
                    pending.discard(p)
                if matches(record, self.rules):
                    records.append(record)
                    if len(records) >= size:
                        break
            # Offsets compacted away or transaction markers: the partition ends before its high watermark.
            for p in list(pending):
                if positions[p] >= ends[p]:
                    pending.discard(p)
        self._next = positions
        page = Page(sorted(records, key=lambda r: (r.timestamp_ms or 0, r.partition, r.offset)), starts, scanned,
                    at_end=not pending)
        if deadline.expired and pending:
            page.notes.append(f"stopped after {self.timeout:g}s: the rest is on the next page")
        if scanned >= SCAN_LIMIT and len(records) < size:
            page.notes.append(f"scanned {scanned} records: the filter goes on on the next page")
        return page

    def tail(self, wait: float = 0.5, max_records: int = 500) -> list[ConsumerRecord]:
        """Records after the last page (a live tail calls this in a loop)."""
        if not getattr(self, "_tailing", False):
            marks = self.watermarks()
            self._consumer.assign({(self.topic, p): max(self._next.get(p, high), 0) if p in self._next else high
                                   for p, (_, high) in marks.items()})
            self._tailing = True
        return [r for r in self._consumer.poll(max_records=max_records, timeout=wait) if matches(r, self.rules)]

    def stop_tail(self) -> None:
        self._tailing = False

    def close(self) -> None:
        self._consumer.close(2.0)
