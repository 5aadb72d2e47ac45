"""The produce loop: read the inputs, hand every record to the client, count what was handed over.

The hot path (lines; a key separator, null marker, constant key and headers are fine) splits a
whole batch of lines at once and hands it to ProducerClient.produce_values (one C call per line).
Everything else (other serializers, JSON, per-message reports, --rate) goes record by record.
"""

from __future__ import annotations

import gc
import time

from kctl import log
from kctl.errors import BrokerUnavailable, KctlError, UsageError
from kctl.inputs import Source, iter_record_batches, open_source, read_all, total_size
from kctl.services.produce.deliveries import Deliveries, describe
from kctl.services.produce.records import BadRecord, Record, RecordEncoder
from kctl.services.produce.request import ProduceRequest


class Stop(Exception):
    """A bad record with --on-error stop (or an unreadable input): where and why. stalled: the
    brokers acknowledged nothing for --timeout (a full queue, --sync): not worth another wait."""

    def __init__(self, where: str, reason: str, stalled: bool = False):
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason
        self.stalled = stalled


class ProduceLoop:
    def __init__(self, req: ProduceRequest, client, encoder: RecordEncoder, deliveries: Deliveries):
        self.req = req
        self.client = client
        self.encoder = encoder
        self.deliveries = deliveries
        self.produced = 0
        self.skipped = 0
        self.bytes = 0
        self.last_pos: tuple | None = None  # (source, line) of the last message produced
        self.several = False
        self.remaining = req.count
        self.tracking = bool(req.report or req.failed_file or req.sync)
        self.next_rate_time = 0.0
        self.started = time.monotonic()
        # Serializers that leave the bytes as they are (string checks UTF-8: done per batch below).
        plain = ("string", "bytes")
        self.fast = (req.format == "line" and req.key_field is None and encoder.value_ser.name in plain
                     and (req.key_separator is None or encoder.key_ser.name in plain)
                     and (req.partition is not None or client.partitioner.librdkafka_name is not None)
                     and not self.tracking and req.rate is None)
        self.split = req.key_separator is not None or req.null_marker is not None
        self.checks_utf8 = "string" in (encoder.value_ser.name, encoder.key_ser.name if self.split else "")

    @property
    def done(self) -> bool:
        return self.remaining is not None and self.remaining <= 0

    def run(self) -> None:
        self.started = time.monotonic()
        if self.req.value is not None:
            self._literal()
            return
        sources = [Source(path) for path in self.req.files]
        total = total_size(sources)
        self.several = self.deliveries.several = len(sources) > 1
        done_bytes = 0
        for source in sources:
            if self.done:
                break
            with open_source(source, self.req.input_compression) as (stream, position):
                if self.req.format == "raw":
                    data = read_all(stream, source.name)
                    self._one(self._encode(self.encoder.raw, data, source.name, 1), source.name, 1)
                    self._progress(done_bytes + position(), total)
                else:
                    self._lines(stream, source, position, done_bytes, total)
                done_bytes += position()

    def _lines(self, stream, source: Source, position, done_bytes: int, total: int | None) -> None:
        # The records hold no reference cycles, but a keyed batch makes a tuple per line
        # (bytes.partition) and the cyclic GC would rescan them all: ~40 ns a line.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            self._line_batches(stream, source, position, done_bytes, total)
        finally:
            if gc_was_enabled:
                gc.enable()

    def _line_batches(self, stream, source: Source, position, done_bytes: int, total: int | None) -> None:
        line = 1
        for records in iter_record_batches(stream, self.req.delimiter or b"\n", name=source.name,
                                           partial=source.size is None):
            if self.remaining is not None and len(records) > self.remaining:
                records = records[: self.remaining]
            if self.fast and not (self.checks_utf8 and not _utf8(records)):
                self._fast_batch(records, source.name, line)
            else:  # the slow path also finds the line that is not UTF-8
                self._slow_batch(records, source.name, line)
            line += len(records)
            self.client.poll(0)
            self._progress(done_bytes + position(), total)
            if self.done:
                break

    def _progress(self, done: int, total: int | None) -> None:
        if self.req.progress:
            self.req.progress(done, total, self.produced)

    def _fast_batch(self, records: list[bytes], source: str, first_line: int) -> None:
        key = self.encoder.const_key
        keys, values = self.encoder.split_lines(records) if self.split else (None, records)
        headers = self.encoder.headers
        partition = self.req.partition
        start = 0
        total = len(values)
        while start < total:
            todo = values[start:] if start else values
            todo_keys = None if keys is None else (keys[start:] if start else keys)
            try:
                self.client.produce_values(self.req.topic, todo, key, partition, keys=todo_keys, headers=headers)
            except BrokerUnavailable as exc:  # the local queue stayed full for --timeout: .index went before it
                index = start + exc.index
                self.produced += index - start
                self.bytes += _size(values, keys, key, start, index)
                if index:
                    self.last_pos = (source, first_line + index - 1)
                raise Stop(describe(source, first_line + index, self.several), exc.message, stalled=True) from None
            except KctlError as exc:  # RecordRejected: .index went before it
                index = start + exc.index
                self.produced += index - start
                self.bytes += _size(values, keys, key, start, index)
                self._bad(describe(source, first_line + index, self.several), exc.message)
                start = index + 1
                continue
            self.produced += total - start
            self.bytes += _size(values, keys, key, start, total)
            break
        self.last_pos = (source, first_line + total - 1)
        if self.remaining is not None:
            self.remaining -= total

    def _slow_batch(self, records: list[bytes], source: str, first_line: int) -> None:
        encode = self.encoder.envelope if self.req.format == "envelope" else self.encoder.line
        json_format = self.req.format == "envelope"
        for index, data in enumerate(records):
            if json_format and not data.strip():
                continue  # blank lines between JSON records
            record = self._encode(encode, data, source, first_line + index)
            if record is not None:
                self._one(record, source, first_line + index)

    def _literal(self) -> None:
        try:
            record = self.encoder.literal(self.req.value.encode("utf-8"))
        except BadRecord as exc:
            raise UsageError(exc.reason) from None
        for number in range(1, (1 if self.req.count is None else self.req.count) + 1):
            self._one(record, None, number)
            if number % 10_000 == 0:
                self.client.poll(0)

    def _encode(self, encode, data: bytes, source: str | None, line: int) -> Record | None:
        try:
            return encode(data)
        except BadRecord as exc:
            self._bad(describe(source, line, self.several), exc.reason)
            return None

    def _one(self, record: Record | None, source: str | None, line: int) -> None:
        """Produce one record (the slow path)."""
        if record is None:
            return
        if self.remaining is not None:
            self.remaining -= 1
        if self.req.rate:
            self._throttle()
        callback = self.deliveries.callback(source, line, record) if self.tracking else None
        try:
            self.client.produce(self.req.topic, record.value, record.key, partition=record.partition,
                                headers=record.headers, timestamp_ms=record.timestamp_ms, on_delivery=callback)
        except BrokerUnavailable as exc:  # the local queue stayed full for --timeout: not a bad record
            raise Stop(describe(source, line, self.several), exc.message, stalled=True) from None
        except KctlError as exc:
            self._bad(describe(source, line, self.several), exc.message)
            return
        self.produced += 1
        self.bytes += len(record.value or b"") + len(record.key or b"")
        self.last_pos = (source, line)
        if self.req.sync and self.client.flush(self.client.stall_timeout):
            raise Stop(describe(source, line, self.several),
                       f"not acknowledged within {self.client.stall_timeout:g}s (--timeout)", stalled=True)

    def _throttle(self) -> None:
        now = time.monotonic()
        if self.next_rate_time == 0.0:
            self.next_rate_time = now
        if self.next_rate_time > now:
            self.client.poll(self.next_rate_time - now)  # delivery reports keep flowing meanwhile
            while time.monotonic() < self.next_rate_time:
                time.sleep(max(0.0, self.next_rate_time - time.monotonic()))
        self.next_rate_time = max(self.next_rate_time, now - 1.0) + 1.0 / self.req.rate

    def _bad(self, where: str, reason: str) -> None:
        if self.req.on_error == "skip":
            self.skipped += 1
            log.event("produce_skipped", where=where, reason=reason)
            return
        raise Stop(where, reason)


def _size(values: list, keys: list | None, key: bytes | None, start: int, end: int) -> int:
    """Bytes of values[start:end] and their keys (None counts 0)."""
    if start or end < len(values):
        values = values[start:end]
        keys = None if keys is None else keys[start:end]
    size = _total_len(values)
    if keys is None:
        return size + len(key or b"") * (end - start)
    return size + _total_len(keys)


def _total_len(items: list) -> int:
    try:
        return sum(map(len, items))
    except TypeError:  # a None (--null-marker) counts 0
        return sum(map(len, filter(None, items)))


def _utf8(records: list[bytes]) -> bool:
    try:
        b"\n".join(records).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
