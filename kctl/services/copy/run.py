"""CopyRun: read SRC (read_committed, from the group's offsets), write DST in batches, until the
stop point (or, with --follow, until interrupted)."""

from __future__ import annotations

import time
from typing import Callable

from kctl.client import ConsumerClient
from kctl.client.consumer import BULK_DEFAULTS
from kctl.errors import NotFoundError
from kctl.models.moving import CopyPartition, CopySummary
from kctl.services.consume.options import matches
from kctl.services.copy.options import CopyOptions
from kctl.services.copy.positions import start_offsets, stop_offsets
from kctl.services.copy.reader import BoundedReader
from kctl.services.copy.writers import AcknowledgedWriter, TransactionalWriter

# (copied, records left to the stop point or None, records/s)
Progress = Callable[[int, "int | None", float], None]


def consumer_conf(base: dict, group: str) -> dict:
    conf = {**BULK_DEFAULTS, "fetch.wait.max.ms": 100, **base}
    conf.update({"group.id": group, "isolation.level": "read_committed", "enable.auto.commit": False,
                 "enable.auto.offset.store": False, "enable.partition.eof": True,
                 "auto.offset.reset": "earliest"})
    return conf


class CopyRun:
    def __init__(self, opts: CopyOptions, src_conf: dict, dst_conf: dict, same_cluster: bool,
                 preserve: bool, progress: Progress | None = None):
        self.opts = opts
        self.src_conf, self.dst_conf = src_conf, dst_conf
        self.same_cluster = same_cluster
        self.preserve = preserve
        self.progress = progress
        self.copied = self.skipped = self.batches = 0
        self.per_copied: dict = {}
        self.per_skipped: dict = {}

    # ---------------------------------------------------------------------- setup

    def _open(self):
        self.consumer = ConsumerClient(consumer_conf(self.src_conf, self.opts.group))
        if self.same_cluster:
            txn_id = self.opts.transactional_id or self.opts.group
            self.writer = TransactionalWriter(self.dst_conf, txn_id, self.consumer, self.opts.timeout)
        else:
            self.writer = AcknowledgedWriter(self.dst_conf, self.consumer, self.opts.timeout)
        self.writer.start()

    def _positions(self) -> None:
        opts, timeout = self.opts, self.opts.timeout
        partitions = self.consumer.topics(timeout, opts.source).get(opts.source)
        if not partitions:
            raise NotFoundError(f"topic {opts.source} does not exist")
        self.keys = [(opts.source, p) for p in partitions]
        marks = {key: self.consumer.watermarks(key[0], key[1], timeout) for key in self.keys}
        committed = self.consumer.committed(self.keys, timeout)
        start = start_offsets(self.consumer, self.keys, opts.start, committed, marks, timeout)
        stop = stop_offsets(self.consumer, self.keys, opts.until, opts.follow, marks, timeout)
        self.reader = BoundedReader(self.consumer, self.keys, start, stop)
        self.committed = dict(start)

    # ---------------------------------------------------------------------- the loop

    def run(self) -> CopySummary:
        started = time.monotonic()
        self._open()
        try:
            self._positions()
            self.reader.assign()
            while not self.reader.all_done():
                self._batch(started)
        except BaseException:
            self.writer.abort()
            raise
        finally:
            self.writer.close()
            self.consumer.close(5.0)
        return self._summary(started)

    def _batch(self, started: float) -> None:
        opts, reader = self.opts, self.reader
        limit = opts.batch if opts.rate is None else max(1, min(opts.batch, int(opts.rate * opts.batch_ms / 1000)))
        records = []
        ends = time.monotonic() + opts.batch_ms / 1000
        while len(records) < limit and not reader.all_done():
            if not opts.follow:
                reader.check_progress(max(opts.timeout, 30.0))
            left = ends - time.monotonic()
            if left <= 0:
                break
            for record in reader.poll(limit - len(records), min(left, 0.1)):
                if (not opts.matches or matches(record, opts.matches)) and (opts.where is None or opts.where(record)):
                    records.append(record)
                else:
                    key = (record.topic, record.partition)
                    self.skipped += 1
                    self.per_skipped[key] = self.per_skipped.get(key, 0) + 1
        if records or reader.position != self.committed:
            offsets = {k: v for k, v in reader.position.items() if v != self.committed[k]}
            self.writer.write(opts.destination, records, offsets, self.preserve)
            self.committed = dict(reader.position)
            self.batches += 1
            self.copied += len(records)
            for r in records:
                key = (r.topic, r.partition)
                self.per_copied[key] = self.per_copied.get(key, 0) + 1
            self._report(started)
        if opts.rate is not None:
            ahead = self.copied / opts.rate - (time.monotonic() - started)
            if ahead > 0:
                time.sleep(ahead)

    def _report(self, started: float) -> None:
        if self.progress is None:
            return
        left = self.reader.left()
        elapsed = time.monotonic() - started
        self.progress(self.copied, left, self.copied / elapsed if elapsed > 0 else 0.0)

    def _summary(self, started: float) -> CopySummary:
        parts = tuple(CopyPartition(k[1], self.reader.start[k], self.reader.stop[k], self.committed[k], self.per_copied.get(k, 0),
                                    self.per_skipped.get(k, 0)) for k in self.keys)
        note = "" if self.same_cluster else ("at-least-once: the destination is another cluster, so a copy "
                                             "killed and resumed may write some records twice")
        return CopySummary(
            source=self.opts.source, destination=self.opts.destination, group=self.opts.group,
            transactional_id=(self.opts.transactional_id or self.opts.group) if self.same_cluster else None,
            guarantee=self.writer.guarantee, partition_preserve=self.preserve, copied=self.copied,
            skipped=self.skipped, batches=self.batches, elapsed_s=round(time.monotonic() - started, 3),
            complete=all(p.done for p in parts), stopped_by="until" if self.opts.until else "end",
            partitions=parts, note=note)
