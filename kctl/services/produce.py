"""`kctl produce`: read records, produce them, account for every one.

Nothing is lost silently: `sent` counts only messages the broker acknowledged (or, with a
transaction, committed). The hot path (line or delimiter input, no per-message options)
is one produce() call per message; delivery reports come back for errors only and the
acknowledged count is produced - failed after a complete flush. Options that need to
know each message's fate (--report, --failed-file, --sync) attach the input line number to
every message instead, which costs about half the throughput.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Callable

from kctl import log, serde
from kctl.errors import ExitCode, KctlError, UsageError
from kctl.inputs import InputError, Source, iter_record_batches, open_source, read_all, total_size
from kctl.models import KeyPartition, ProduceSummary
from kctl.partitioners import LIBRDKAFKA_PARTITIONER, NAMES as PARTITIONERS, partition_for as _partition_for, \
    python_partitioner

FORMATS = ("line", "json", "raw")


class ProduceError(KctlError):
    """A produce that stopped or lost messages; .summary says what was sent before."""

    summary: ProduceSummary | None = None

    def __init__(self, message: str, hint: str | None = None, summary: ProduceSummary | None = None,
                 exit_code: ExitCode | None = None):
        super().__init__(message, hint)
        self.summary = summary
        if exit_code is not None:
            self.exit_code = exit_code


class ProduceInterrupted(ProduceError):
    exit_code = ExitCode.INTERRUPTED


@dataclass
class ProduceRequest:
    topic: str
    files: list[str] = field(default_factory=lambda: ["-"])
    input_compression: str = "auto"
    format: str = "line"
    delimiter: bytes | None = None
    key_separator: bytes | None = None
    null_marker: bytes | None = None
    key_serializer: str = "string"
    value_serializer: str | None = None  # None: string (bytes for --format raw)
    key: str | None = None
    value: str | None = None
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    count: int | None = None
    partition: int | None = None
    partitioner: str = "murmur2"
    on_error: str = "stop"
    sync: bool = False
    rate: float | None = None
    failed_file: str | None = None
    transactional_id: str | None = None
    batch_size: int = 1_000_000
    report: Callable[[dict], None] | None = None
    progress: Callable[[int, int | None, int], None] | None = None  # (bytes read, total bytes, messages)


class _BadRecord(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class _Failure:
    source: str | None
    line: int | None
    key: bytes | None
    value: bytes | None
    headers: list | None
    error: str


class _Deliveries:
    """Delivery accounting. One shared error callback on the hot path; per-message refs
    (source, line, headers) when tracking."""

    def __init__(self, topic: str, report, failed_file: str | None):
        self.topic = topic
        self.report = report
        self.failed = 0
        self.failures: list[_Failure] = []
        self.keep_all = failed_file is not None
        self.first_error: str | None = None
        self.several = False

    def _fail(self, source, line, err, msg, headers=None) -> None:
        self.failed += 1
        text = err.str() if hasattr(err, "str") else str(err)
        where = describe(source, line, self.several) if line is not None else None
        if self.first_error is None:
            self.first_error = f"{where}: {text}" if where else text
        if self.keep_all or len(self.failures) < 20:
            self.failures.append(_Failure(source, line, msg.key(), msg.value(), headers, text))
        log.event("produce_failed", where=where, partition=msg.partition(), error=text)

    def on_error(self, err, msg) -> None:
        """The shared callback (delivery.report.only.error=true: called for failures only)."""
        if err is not None:
            self._fail(None, None, err, msg)

    def on_delivery(self, ref, err, msg) -> None:
        source, line, headers = ref
        if err is not None:
            self._fail(source, line, err, msg, headers)
        if self.report:
            self.report({"source": source, "line": line, "topic": self.topic, "partition": msg.partition(),
                         "offset": None if err is not None else msg.offset(),
                         "error": None if err is None else err.str()})


def describe(source: str | None, line: int, several: bool = False) -> str:
    """How a message's origin is shown: line 3 (stdin), data.txt:3, message 3 (--value)."""
    if source is None:
        return f"message {line}"
    return f"{source}:{line}" if several or source != "stdin" else f"line {line}"


def _where(source: Source, line: int, several: bool) -> str:
    return describe(source.name, line, several)


class _Run:
    def __init__(self, req: ProduceRequest, conf: dict, timeout: float):
        self.req = req
        self.conf = conf
        self.timeout = timeout
        self.produced = 0
        self.skipped = 0
        self.bytes = 0
        self.bytes_read = 0
        self.last_pos: tuple | None = None  # (source, line) of the last message produced
        self.several = False
        self.started = time.monotonic()
        self.tracking = bool(req.report or req.failed_file or req.sync)
        self.deliveries = _Deliveries(req.topic, req.report, req.failed_file)
        self.remaining = req.count
        vser = req.value_serializer or ("bytes" if req.format == "raw" else "string")
        self.value_ser_name = vser
        self.value_ser = serde.serializer(vser)
        self.key_ser = serde.serializer(req.key_serializer)
        self.const_key = None if req.key is None else self.key_ser(req.key.encode("utf-8"))
        self.headers = list(req.headers) or None
        self.py_partitioner = None
        self.partitions = 0
        self.next_rate_time = 0.0

    # ---- setup -------------------------------------------------------------------------
    def check_request(self) -> None:
        req = self.req
        if req.format not in FORMATS:
            raise UsageError(f"unknown format {req.format!r} (one of: {', '.join(FORMATS)})")
        if req.partitioner not in PARTITIONERS:
            raise UsageError(f"unknown partitioner {req.partitioner!r} (one of: {', '.join(PARTITIONERS)})")
        if req.on_error not in ("stop", "skip"):
            raise UsageError("--on-error is stop or skip")
        if req.value is not None and req.files != ["-"]:
            raise UsageError("--value sends one message from the command line; drop --file")
        if req.key_separator is not None and req.format != "line":
            raise UsageError("--key-separator applies to --format line")
        if req.count is not None and req.count < 0:
            raise UsageError("--count must be at least 0")
        if req.rate is not None and req.rate <= 0:
            raise UsageError("--rate must be positive")
        for path in req.files:
            if path != "-" and not os.path.exists(path):
                raise UsageError(f"input file {path} does not exist")
            if path != "-" and os.path.isdir(path):
                raise UsageError(f"input file {path} is a directory")

    # ---- the loop ----------------------------------------------------------------------
    def run(self, producer, partitions: int) -> None:
        from kctl.kafka.producer import KafkaException

        self.producer = producer
        self.partitions = partitions
        self.started = time.monotonic()
        self.kafka_exception = KafkaException
        req = self.req
        if req.partition is not None and not 0 <= req.partition < partitions:
            raise UsageError(f"partition {req.partition} does not exist: {req.topic} has partitions 0-{partitions - 1}")
        if req.partition is None:
            self.py_partitioner = python_partitioner(req.partitioner, partitions, req.batch_size)
        if req.value is not None:
            self._run_literal()
            return
        sources = [Source(path) for path in req.files]
        total = total_size(sources)
        several = self.several = self.deliveries.several = len(sources) > 1
        done_bytes = 0
        for source in sources:
            with open_source(source, req.input_compression) as (stream, position):
                if req.format == "raw":
                    data = read_all(stream, source.name)
                    self._produce_one(self._prepare_raw(data, _where(source, 1, several)), source.name, 1)
                    self._progress(done_bytes + position(), total)
                else:
                    delimiter = req.delimiter or b"\n"
                    line = 1
                    for records in iter_record_batches(stream, delimiter, name=source.name,
                                                       partial=source.size is None):
                        if self.remaining is not None and len(records) > self.remaining:
                            records = records[: self.remaining]
                        self._batch(records, source, line, several)
                        line += len(records)
                        self.producer.poll(0)
                        self._progress(done_bytes + position(), total)
                        if self.remaining is not None and self.remaining <= 0:
                            break
                done_bytes += position()
            if self.remaining is not None and self.remaining <= 0:
                break

    def _progress(self, done: int, total: int | None) -> None:
        if self.req.progress:
            self.req.progress(done, total, self.produced)

    def _fast_ok(self) -> bool:
        req = self.req
        return (req.format == "line" and req.key_separator is None and req.null_marker is None and not self.headers
                and self.value_ser_name in ("string", "bytes") and self.py_partitioner is None and not self.tracking
                and req.rate is None)

    def _batch(self, records: list[bytes], source: Source, first_line: int, several: bool) -> None:
        if self._fast_ok():
            if self.value_ser_name == "string":
                try:
                    b"\n".join(records).decode("utf-8")
                except UnicodeDecodeError:
                    self._slow_batch(records, source, first_line, several)  # finds the bad line
                    return
            self._fast_batch(records, source, first_line, several)
        else:
            self._slow_batch(records, source, first_line, several)

    def _fast_batch(self, records: list[bytes], source: Source, first_line: int, several: bool) -> None:
        produce = self.producer.produce
        topic = self.req.topic
        key = self.const_key
        partition = -1 if self.req.partition is None else self.req.partition
        start = 0
        total = len(records)
        while start < total:
            todo = records[start:] if start else records
            value = None
            try:
                if key is None and partition == -1:  # the common case: fewest arguments to parse
                    for value in todo:
                        try:
                            produce(topic, value)
                        except BufferError:
                            self._wait_for_room(topic, value, key, partition)
                else:
                    for value in todo:
                        try:
                            produce(topic, value, key, partition)
                        except BufferError:
                            self._wait_for_room(topic, value, key, partition)
            except self.kafka_exception as exc:
                index = start + todo.index(value)
                self.produced += index - start
                self.bytes += sum(map(len, records[start:index]))
                self._bad(_where(source, first_line + index, several), _produce_error_text(exc, value, self.conf))
                start = index + 1
                continue
            self.produced += total - start
            self.bytes += sum(map(len, todo))
            if key is not None:
                self.bytes += len(key) * (total - start)
            break
        self.last_pos = (source.name, first_line + total - 1)
        if self.remaining is not None:
            self.remaining -= total

    def _wait_for_room(self, topic, value, key, partition, **kwargs) -> None:
        """The local queue is full: serve delivery reports until there is room again."""
        while True:
            self.producer.poll(0.05)
            try:
                self.producer.produce(topic, value, key, partition, **kwargs)
                return
            except BufferError:
                continue

    def _slow_batch(self, records: list[bytes], source: Source, first_line: int, several: bool) -> None:
        prepare = self._prepare_json if self.req.format == "json" else self._prepare_line
        for index, record in enumerate(records):
            if self.req.format == "json" and not record.strip():
                continue  # blank lines between JSON records
            try:
                message = prepare(record)
            except _BadRecord as exc:
                self._bad(_where(source, first_line + index, several), exc.reason)
                continue
            self._produce_one(message, source.name, first_line + index)
            if self.remaining is not None:
                self.remaining -= 1

    def _run_literal(self) -> None:
        req = self.req
        value = None if req.null_marker is not None and req.value.encode() == req.null_marker else req.value.encode()
        try:
            message = (self.const_key, None if value is None else self.value_ser(value), self.headers, req.partition, 0)
        except serde.SerdeError as exc:
            raise UsageError(f"--value: {exc}") from None
        for number in range(1, (1 if req.count is None else req.count) + 1):
            self._produce_one(message, None, number)
            if number % 10_000 == 0:
                self.producer.poll(0)

    # ---- per-message preparation ---------------------------------------------------------
    def _ser(self, ser, data: bytes | None, what: str) -> bytes | None:
        if data is None:
            return None
        try:
            return ser(data)
        except serde.SerdeError as exc:
            raise _BadRecord(f"{what}: {exc}") from None

    def _prepare_line(self, record: bytes):
        req = self.req
        key = self.const_key
        value: bytes | None = record
        if req.key_separator is not None:
            raw_key, sep, rest = record.partition(req.key_separator)
            if sep:
                value = rest
                key = None if req.null_marker is not None and raw_key == req.null_marker else \
                    self._ser(self.key_ser, raw_key, "key")
        if req.null_marker is not None and value == req.null_marker:
            value = None
        return key, self._ser(self.value_ser, value, "value"), self.headers, req.partition, 0

    def _prepare_raw(self, data: bytes, where: str):
        try:
            return self.const_key, self._ser(self.value_ser, data, "value"), self.headers, self.req.partition, 0
        except _BadRecord as exc:
            self._bad(where, exc.reason)
            return None

    def _prepare_json(self, record: bytes):
        try:
            obj = json.loads(record)
        except ValueError as exc:
            raise _BadRecord(f"invalid JSON: {exc}") from None
        if not isinstance(obj, dict):
            raise _BadRecord("expected a JSON object (the `kctl consume -o json` envelope)")
        key = self._json_field(obj, "key", self.key_ser, self.const_key)
        value = self._json_field(obj, "value", self.value_ser, None)
        headers = list(self.headers or [])
        raw_headers = obj.get("headers") or []
        if isinstance(raw_headers, dict):
            raw_headers = [{"key": k, "value": v} for k, v in raw_headers.items()]
        if not isinstance(raw_headers, list):
            raise _BadRecord("headers must be a list of {\"key\", \"value\"} objects")
        for item in raw_headers:
            if not isinstance(item, dict) or not isinstance(item.get("key"), str):
                raise _BadRecord("each header needs a string \"key\"")
            try:
                headers.append((item["key"], serde.decode_field(item.get("value"), item.get("encoding"))))
            except serde.SerdeError as exc:
                raise _BadRecord(f"header {item['key']}: {exc}") from None
        partition = self.req.partition
        if partition is None and obj.get("partition") is not None:
            partition = obj["partition"]
            if isinstance(partition, bool) or not isinstance(partition, int) or not 0 <= partition < self.partitions:
                raise _BadRecord(f"partition {partition!r} does not exist (the topic has {self.partitions})")
        timestamp = obj.get("timestamp_ms")
        if timestamp is None and obj.get("timestamp") is not None:
            timestamp = _parse_timestamp(obj["timestamp"])
        if timestamp is not None and (isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp < 0):
            raise _BadRecord(f"timestamp_ms must be a non-negative integer, got {timestamp!r}")
        return key, value, headers or None, partition, timestamp or 0

    def _json_field(self, obj: dict, name: str, ser, default):
        if name not in obj:
            return default
        raw = obj[name]
        encoding = obj.get(f"{name}_encoding")
        if raw is None:
            return None
        if encoding is not None:
            try:
                return serde.decode_field(raw, encoding)
            except serde.SerdeError as exc:
                raise _BadRecord(f"{name}: {exc}") from None
        # No encoding: a string is the text itself; anything else is JSON text for the serializer.
        text = raw if isinstance(raw, str) else json.dumps(raw, separators=(",", ":"), ensure_ascii=False)
        return self._ser(ser, text.encode("utf-8"), name)

    # ---- producing one message (slow path) ------------------------------------------------
    def _produce_one(self, message, source: str | None, line: int) -> None:
        if message is None:
            return
        key, value, headers, partition, timestamp = message
        if partition is None:
            partition = self.py_partitioner(len(value or b"")) if self.py_partitioner else -1
        kwargs = {}
        if headers:
            kwargs["headers"] = headers
        if timestamp:
            kwargs["timestamp"] = timestamp
        if self.tracking:
            kwargs["on_delivery"] = partial(self.deliveries.on_delivery, (source, line, headers))
        if self.req.rate:
            self._throttle()
        try:
            try:
                self.producer.produce(self.req.topic, value, key, partition, **kwargs)
            except BufferError:
                self._wait_for_room(self.req.topic, value, key, partition, **kwargs)
        except self.kafka_exception as exc:
            self._bad(describe(source, line, self.several), _produce_error_text(exc, value, self.conf))
            return
        self.produced += 1
        self.bytes += len(value or b"") + len(key or b"")
        self.last_pos = (source, line)
        if self.req.sync:
            self._flush()

    def _throttle(self) -> None:
        now = time.monotonic()
        if self.next_rate_time == 0.0:
            self.next_rate_time = now
        if self.next_rate_time > now:
            # poll while waiting so delivery reports keep flowing
            self.producer.poll(self.next_rate_time - now)
            while time.monotonic() < self.next_rate_time:
                time.sleep(max(0.0, self.next_rate_time - time.monotonic()))
        self.next_rate_time = max(self.next_rate_time, now - 1.0) + 1.0 / self.req.rate

    def _bad(self, where: str, reason: str) -> None:
        if self.req.on_error == "skip":
            self.skipped += 1
            log.event("produce_skipped", where=where, reason=reason)
            return
        raise _Stop(where, reason)

    # ---- the end -------------------------------------------------------------------------
    def _flush(self) -> int:
        """Wait for every delivery report (bounded by delivery.timeout.ms), in short steps so
        that Ctrl-C is noticed."""
        while True:
            remaining = self.producer.flush(0.5)
            if remaining == 0:
                return 0

    def summary(self, not_sent: int = 0, committed: bool | None = None) -> ProduceSummary:
        failed = self.deliveries.failed
        sent = max(0, self.produced - failed - not_sent)
        if committed is False:
            sent, not_sent = 0, self.produced - failed
        return ProduceSummary(
            topic=self.req.topic, sent=sent, failed=failed, skipped=self.skipped, not_sent=not_sent,
            bytes=self.bytes, seconds=round(time.monotonic() - self.started, 3),
            transactional=bool(self.req.transactional_id),
        )

    def write_failed_file(self) -> None:
        path = self.req.failed_file
        if not path or not self.deliveries.failures:
            return
        with open(path, "w", encoding="utf-8") as out:
            for failure in self.deliveries.failures:
                record = serde.envelope(self.req.topic, -1, -1, None, failure.key, failure.value, failure.headers)
                for name in ("topic", "partition", "offset"):
                    record.pop(name, None)
                record["error"] = failure.error
                if failure.line is not None:
                    record["source"] = failure.source
                    record["line"] = failure.line
                out.write(json.dumps(record, ensure_ascii=False) + "\n")


class _Stop(Exception):
    def __init__(self, where: str, reason: str):
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


def _parse_timestamp(value) -> int:
    from datetime import datetime, timezone

    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise _BadRecord(f"timestamp must be ISO 8601 text, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _BadRecord(f"timestamp is not ISO 8601: {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return int(parsed.timestamp() * 1000)


def _produce_error_text(exc: BaseException, value: bytes | None, conf: dict) -> str:
    from kctl.kafka.producer import error_name, error_text

    name = error_name(exc)
    if name in ("MSG_SIZE_TOO_LARGE", "_MSG_SIZE_TOO_LARGE"):
        limit = conf.get("message.max.bytes", 1_000_000)
        return f"message of {len(value or b'')} bytes is larger than the limit (message.max.bytes={limit})"
    return f"cannot produce: {error_text(exc)}"


def _delivered_text(run: _Run, summary: ProduceSummary) -> str:
    if summary.failed:
        return f"of the messages before it {summary.sent} were delivered and {summary.failed} failed"
    if summary.sent:
        upto = f", through {describe(*run.last_pos, run.several)}" if run.last_pos else ""
        return f"the {summary.sent} messages before it were delivered{upto}"
    return "nothing was sent before it"


def produce(conf: dict, timeout: float, req: ProduceRequest, *, acks: str | None = None,
            idempotence: bool | None = None, compression: str | None = None, linger_ms: float | None = None,
            batch_size: int | None = None, retry_backoff_ms: int | None = None,
            retry_backoff_max_ms: int | None = None, delivery_timeout_ms: int | None = None) -> ProduceSummary:
    """Produce the request's input to its topic; raises ProduceError (with .summary) unless
    every message was acknowledged."""
    from kctl.kafka.producer import producer, producer_conf, topic_partitions, txn_requires_abort

    run = _Run(req, conf, timeout)
    run.check_request()
    pconf = producer_conf(
        conf, acks=acks, idempotence=idempotence, compression=compression, linger_ms=linger_ms,
        batch_size=batch_size, retry_backoff_ms=retry_backoff_ms, retry_backoff_max_ms=retry_backoff_max_ms,
        delivery_timeout_ms=delivery_timeout_ms, partitioner=LIBRDKAFKA_PARTITIONER.get(req.partitioner),
        transactional_id=req.transactional_id,
    )
    run.conf = pconf
    req.batch_size = int(pconf.get("batch.size", req.batch_size))
    # Delivery reports for errors only unless each message's fate is wanted.
    pconf["delivery.report.only.error"] = not bool(req.report)
    pconf["on_delivery"] = run.deliveries.on_error
    transactional = bool(req.transactional_id)
    with producer(pconf) as client, log.timed("produce", topic=req.topic):
        partitions = topic_partitions(client, pconf, req.topic, timeout)
        if transactional:
            _init_transactions(client, timeout)
        stop: _Stop | None = None
        try:
            try:
                run.run(client, partitions)
            except _Stop as exc:
                stop = exc
            except InputError as exc:
                stop = _Stop("input", str(exc))
            if transactional:
                if stop is None and not run.deliveries.failed:
                    try:
                        client.commit_transaction(max(timeout, _delivery_timeout_s(pconf)))
                    except run.kafka_exception as exc:
                        _abort(client, timeout, txn_requires_abort(exc))
                        run._flush()
                        raise ProduceError(
                            f"transaction aborted: {_kafka_text(exc)}", summary=run.summary(committed=False),
                            exit_code=ExitCode.TXN_ABORTED) from None
                    summary = run.summary(committed=True)
                    run.write_failed_file()
                    return summary
                run._flush()
                _abort(client, timeout, True)
                why = f"{stop.where}: {stop.reason}" if stop else f"{run.deliveries.failed} messages failed ({run.deliveries.first_error})"
                run.write_failed_file()
                raise ProduceError(f"{why}; transaction aborted, nothing was committed",
                                   summary=run.summary(committed=False), exit_code=ExitCode.TXN_ABORTED)
            run._flush()
        except KeyboardInterrupt:
            raise _interrupted(run, client, timeout, transactional) from None
        summary = run.summary()
        run.write_failed_file()
        if stop is not None:
            advice = "" if stop.where == "input" else "; fix it or use --on-error skip"
            raise ProduceError(f"{stop.where}: {stop.reason}",
                               hint=f"stopped there: {_delivered_text(run, summary)}{advice}",
                               summary=summary,
                               exit_code=ExitCode.PARTIAL)
        if summary.failed:
            hint = None if run.tracking else "use --failed-file FILE to keep them (with line numbers) for a replay"
            where = f"; written to {req.failed_file}" if req.failed_file and run.deliveries.failures else ""
            raise ProduceError(f"{summary.failed} of {run.produced} messages were not delivered "
                               f"(first error: {run.deliveries.first_error}){where}", hint=hint, summary=summary,
                               exit_code=ExitCode.PARTIAL)
        return summary


def _interrupted(run: _Run, client, timeout: float, transactional: bool) -> ProduceInterrupted:
    """Ctrl-C: abort the transaction, or deliver what was already handed to librdkafka."""
    not_sent = 0
    try:
        if transactional:
            _abort(client, timeout, True)
            summary = run.summary(committed=False)
            return ProduceInterrupted("interrupted: transaction aborted, nothing was committed", summary=summary)
        deadline = time.monotonic() + max(timeout, 5.0)
        while time.monotonic() < deadline and client.flush(0.5):
            pass
        not_sent = len(client)
    except KeyboardInterrupt:  # a second Ctrl-C: stop waiting
        not_sent = len(client)
    if not_sent:
        # Purged messages come back as failed deliveries: count them as not sent instead.
        failed_before = run.deliveries.failed
        client.purge()
        client.flush(1.0)
        run.deliveries.failed = failed_before
    summary = run.summary(not_sent=not_sent)
    run.write_failed_file()
    return ProduceInterrupted(f"interrupted after {summary.sent} acknowledged messages", summary=summary)


def _init_transactions(client, timeout: float) -> None:
    from kctl.kafka.clients import to_kctl_error

    try:
        client.init_transactions(timeout)
        client.begin_transaction()
    except Exception as exc:  # noqa: BLE001 - KafkaException, converted
        raise to_kctl_error(exc, "cannot start the transaction") from None


def _abort(client, timeout: float, abortable: bool) -> None:
    try:
        client.abort_transaction(timeout)
    except Exception as exc:  # noqa: BLE001 - the transaction is dead either way
        log.event("txn_abort_failed", error=str(exc))


def _kafka_text(exc: BaseException) -> str:
    from kctl.kafka.producer import error_text

    return error_text(exc)


def _delivery_timeout_s(conf: dict) -> float:
    try:
        return int(conf.get("delivery.timeout.ms", conf.get("message.timeout.ms", 120_000))) / 1000 + 5
    except (TypeError, ValueError):
        return 125.0


# ---- kctl topics partition-for ------------------------------------------------------------------


def partition_for(conf: dict, timeout: float, topic: str, keys: list[str], partitioner: str = "murmur2",
                  key_serializer: str = "string") -> list[KeyPartition]:
    """Where each key lands in topic, computed as the producers compute it."""
    from kctl.kafka.clients import admin_client
    from kctl.kafka.producer import topic_partitions

    if partitioner not in ("murmur2", "consistent"):
        raise UsageError(f"{partitioner} does not place records by key", hint="use murmur2 (default) or consistent")
    ser = serde.serializer(key_serializer)
    encoded = []
    for key in keys:
        try:
            encoded.append(ser(key.encode("utf-8")))
        except serde.SerdeError as exc:
            raise UsageError(f"key {key!r}: {exc}") from None
    with admin_client(conf) as admin:
        partitions = topic_partitions(admin, conf, topic, timeout)
    return [KeyPartition(topic=topic, key=key, partition=_partition_for(data, partitions, partitioner),
                         partitions=partitions, partitioner=partitioner) for key, data in zip(keys, encoded)]

