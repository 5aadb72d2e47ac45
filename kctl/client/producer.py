"""ProducerClient: kctl's producer for scripts, services and workers.

    from kctl.client import ProducerClient, ProducerRecord
    with ProducerClient(instance=0, value_serializer="json") as producer:
        future = producer.send(ProducerRecord("orders", value={"id": 1}, key="customer-1"))
        print(future.get(timeout=10))          # RecordMetadata(topic='orders', partition=2, offset=41, ...)

Every error is a KctlError (kctl.errors); every blocking call takes a timeout. Besides send()
there is a bulk API for loading data, with no future per record: produce() (encoded bytes, an
optional callback) and produce_values() (a list of values, one call into C each), whose failures
go to the client's on_delivery_error sink; with delivery_reports="errors" librdkafka reports
failures only, the mode `kctl produce` loads files in.
"""

from __future__ import annotations

from typing import Callable, Iterable

from kctl import partitioners, serde
from kctl.client.checks import check_callable, check_partition, check_timeout, refuse_when_closed
from kctl.client.conf import resolve_conf
from kctl.client.records import ProducerRecord, RecordMetadata
from kctl.deadline import Deadline
from kctl.errors import BrokerUnavailable, KctlError, UsageError
from kctl.kafka.producer import LibProducer, delivery_timeout_s, producer_conf
from kctl.parsing import check_name

# ProducerClient(**options) -> the producer_conf keyword it sets.
OPTIONS = ("acks", "idempotence", "compression", "linger_ms", "batch_size", "retry_backoff_ms",
           "retry_backoff_max_ms", "delivery_timeout_ms", "transactional_id")


class SendFuture:
    """The delivery of one record: get(timeout) -> RecordMetadata, or the KctlError it failed
    with (BrokerUnavailable when no report came within the timeout)."""

    __slots__ = ("_poll", "_done", "_error", "_metadata", "_callbacks")

    def __init__(self, poll: Callable[[float], object]):
        self._poll = poll
        self._done = False
        self._error: KctlError | None = None
        self._metadata: RecordMetadata | None = None
        self._callbacks: list | None = None

    def _complete(self, error: KctlError | None, metadata: RecordMetadata) -> None:
        self._error, self._metadata, self._done = error, metadata, True
        for callback in self._callbacks or ():
            callback(self)

    def done(self) -> bool:
        return self._done

    def add_done_callback(self, fn: Callable[["SendFuture"], None]) -> None:
        """fn(future) once the delivery report is in (at once when it already is)."""
        if self._done:
            fn(self)
        else:
            self._callbacks = (self._callbacks or []) + [fn]

    def get(self, timeout: float | Deadline | None = None) -> RecordMetadata:
        deadline = Deadline.of(timeout, default=30.0)
        while not self._done:
            if deadline.expired:
                raise BrokerUnavailable("no delivery report within the timeout",
                                        hint="is the broker running? the record may still be delivered later")
            self._poll(min(0.1, deadline.remaining()))  # delivery reports are served by poll
        if self._error is not None:
            raise self._error
        return self._metadata

    def exception(self, timeout: float | Deadline | None = None) -> KctlError | None:
        try:
            self.get(timeout)
        except KctlError as exc:
            if not self._done:
                raise
            return exc
        return None


@refuse_when_closed("producer client")
class ProducerClient:
    """A Kafka producer. conf: librdkafka properties (or instance=/bootstrap=/context= resolved
    like `kctl -i N`); options: acks, idempotence, compression, linger_ms, batch_size,
    retry_backoff_ms, retry_backoff_max_ms, delivery_timeout_ms (kctl's defaults otherwise:
    acks=all, idempotent, linger 10 ms, see docs/produce-consume.md). key_serializer/value_serializer: a name
    (string json bytes int32 int64 double hex base64) or an object with serialize(value);
    default bytes (bytes as they are, str as UTF-8). partitioner: a name (murmur2 = the Java
    producer's placement, default; consistent random round-robin sticky) or an object.
    A bad argument is a UsageError; every call after close() raises ClientClosed (a UsageError).
    """

    def __init__(self, conf: dict | None = None, *, instance: int | None = None, bootstrap: str | None = None,
                 context: str | None = None, key_serializer=None, value_serializer=None, partitioner=None,
                 delivery_reports: str = "all", on_delivery_error: Callable | None = None, **options):
        unknown = sorted(set(options) - set(OPTIONS))
        if unknown:
            raise UsageError(f"unknown producer option {unknown[0]!r} (one of: {', '.join(OPTIONS)})")
        if delivery_reports not in ("all", "errors"):
            raise UsageError("delivery_reports is 'all' or 'errors'")
        check_callable(on_delivery_error, "on_delivery_error")
        self.key_serializer = _serializer(key_serializer)
        self.value_serializer = _serializer(value_serializer)
        base = resolve_conf(conf, instance=instance, bootstrap=bootstrap, context=context)
        if isinstance(partitioner, str):
            batch = options.get("batch_size") or base.get("batch.size") or 1_000_000
            # a -X batch.size that is not a number: librdkafka refuses it below (exit 3)
            batch = int(batch) if str(batch).isascii() and str(batch).isdigit() else 1_000_000
            try:
                partitioner = partitioners.partitioner(partitioner, batch)
            except ValueError as exc:
                raise UsageError(str(exc)) from None
        if partitioner is not None and not callable(getattr(partitioner, "partition", None)):
            raise UsageError(f"a partitioner is a name or has a partition(key, value, count) method, got {partitioner!r}")
        self.partitioner = partitioner if partitioner is not None else partitioners.partitioner("murmur2")
        self.conf = producer_conf(base, partitioner=getattr(self.partitioner, "librdkafka_name", None), **options)
        self._placed_by_python = getattr(self.partitioner, "librdkafka_name", None) is None
        self._partition_counts: dict[str, int] = {}
        self._errors_only = delivery_reports == "errors"
        self._lib = LibProducer(self.conf, errors_only=self._errors_only, on_failure=on_delivery_error)
        self._closed = False

    @property
    def stall_timeout(self) -> float | None:
        """How long produce() waits for room in a full local queue before it raises BrokerUnavailable
        (None, the default: until librdkafka fails queued records after the delivery timeout)."""
        return self._lib.stall_timeout

    @stall_timeout.setter
    def stall_timeout(self, seconds: float | None) -> None:
        self._lib.stall_timeout = seconds

    @property
    def delivery_timeout(self) -> float:
        """Seconds librdkafka may keep trying to deliver a record (plus a margin)."""
        return delivery_timeout_s(self.conf)

    # ---- metadata --------------------------------------------------------------------------
    def partitions_for(self, topic: str, timeout: float | Deadline | None = None) -> int:
        """How many partitions topic has; NotFoundError (exit 4) when it does not exist."""
        check_name(topic, "topic name")
        check_timeout(timeout)
        count = self._lib.partitions(topic, Deadline.of(timeout).remaining(0.1))
        self._partition_counts[topic] = count
        return count

    def wait_for_producer_id(self, timeout: float | Deadline | None = None) -> bool:
        """Wait until the idempotent producer has its producer id from the broker (True; False at
        the timeout), serving delivery reports meanwhile. Records sent before that wait in the
        queue, and librdkafka sometimes retries the id request only after 500 ms: a latency check
        waits here first. The state comes from librdkafka's statistics, so the client needs
        statistics.interval.ms (say 20); a producer that is not idempotent has nothing to wait for."""
        if str(self.conf.get("enable.idempotence")).lower() in ("false", "0"):
            return True
        check_timeout(timeout)
        if not self._lib.statistics_enabled():
            raise UsageError("wait_for_producer_id needs statistics.interval.ms in the producer's settings")
        deadline = Deadline.of(timeout)
        while self._lib.idempotence_state != "Assigned":
            if deadline.expired:
                return False
            self._lib.poll(min(0.01, deadline.remaining()))
        return True

    # ---- sending ---------------------------------------------------------------------------
    def send(self, record: ProducerRecord, on_delivery: Callable | None = None) -> SendFuture:
        """Serialize and hand over one record. on_delivery(error, metadata) is called once its
        delivery report is in (from poll/flush/get), like the future's callbacks."""
        if self._errors_only:
            raise UsageError("send() needs every delivery report: make the client with delivery_reports='all'")
        if not isinstance(record, ProducerRecord):
            raise UsageError(f"send() takes a ProducerRecord, got {type(record).__name__}")
        check_callable(on_delivery, "on_delivery")
        check_name(record.topic, "topic name")
        key = _serialize(self.key_serializer, record.key, "key", record.topic)
        value = _serialize(self.value_serializer, record.value, "value", record.topic)
        future = SendFuture(self._lib.poll)
        if on_delivery is not None:
            future.add_done_callback(lambda f: on_delivery(f._error, f._metadata))
        self.produce(record.topic, value, key, partition=record.partition, headers=_headers(record.headers),
                     timestamp_ms=record.timestamp_ms, on_delivery=future._complete)
        return future

    def send_batch(self, records: Iterable[ProducerRecord]) -> list[SendFuture]:
        futures = [self.send(record) for record in records]
        self._lib.poll(0)
        return futures

    def produce(self, topic: str, value: bytes | None, key: bytes | None = None, *, partition: int | None = None,
                headers: list | None = None, timestamp_ms: int | None = None,
                on_delivery: Callable | None = None) -> None:
        """One already encoded record, no future: on_delivery(error, metadata) when given (for
        failures only with delivery_reports='errors'), else failures go to on_delivery_error.
        RecordRejected when librdkafka refuses it at once (say, too large)."""
        if partition is None:
            partition = self._place(topic, key, value)
        elif partition != -1:
            check_partition(partition)
        if headers:
            headers = _checked_headers(headers)
        if timestamp_ms is not None:
            check_timestamp(timestamp_ms)
        self._lib.produce(topic, value, key, partition, headers, timestamp_ms or 0, on_delivery)

    def produce_values(self, topic: str, values: list, key: bytes | None = None, partition: int | None = None, *,
                       keys: list | None = None, headers: list | None = None) -> int:
        """The bulk path: every (encoded) value of the list with one key (or keys[i] for
        values[i]) and the same headers, one C call each. Returns how many were handed over;
        RecordRejected (.index) stops at a refused one."""
        if headers:
            headers = _checked_headers(headers)
        if partition is not None:
            check_partition(partition)
        if partition is None and self._placed_by_python:
            for index, value in enumerate(values):
                try:
                    self.produce(topic, value, key if keys is None else keys[index], headers=headers)
                except KctlError as exc:
                    exc.index = index
                    raise
            return len(values)
        return self._lib.produce_values(topic, values, key, -1 if partition is None else partition,
                                        keys=keys, headers=headers)

    def _place(self, topic: str, key: bytes | None, value: bytes | None) -> int:
        if not self._placed_by_python:
            return -1
        count = self._partition_counts.get(topic) or self.partitions_for(topic, 10.0)
        partition = self.partitioner.partition(key, value, count)
        return -1 if partition is None else partition

    # ---- waiting ---------------------------------------------------------------------------
    def poll(self, timeout: float = 0) -> int:
        """Serve delivery reports (callbacks, futures); returns how many were served."""
        check_timeout(timeout, allow_none=False)
        return self._lib.poll(timeout)

    def flush(self, timeout: float | Deadline | None = None) -> int:
        """Wait until every record is acknowledged or failed, at most until the timeout (default:
        the delivery timeout); returns how many are still pending. Waits in short steps, so that
        Ctrl-C is noticed."""
        check_timeout(timeout)
        deadline = Deadline.of(timeout, default=self.delivery_timeout)
        while True:
            remaining = self._lib.flush(min(0.5, deadline.remaining()))
            if remaining == 0 or deadline.expired:
                if remaining:
                    auth = self._lib.auth_failure()
                    if auth is not None:
                        raise auth
                return remaining

    def pending(self) -> int:
        return self._lib.pending()

    def purge(self) -> None:
        """Drop every queued record: they fail (as _PURGE_QUEUE) on the next poll."""
        self._lib.purge()

    def close(self, timeout: float | Deadline | None = None) -> int:
        """Flush (within timeout) and return how many records were left undelivered. Safe to
        call twice; any other call after it raises ClientClosed."""
        if self._closed:
            return 0
        check_timeout(timeout)
        try:
            return self.flush(timeout)
        except KctlError:  # a producer that failed fatally: nothing more will be delivered
            return self._lib.pending()
        finally:
            self._closed = True

    def __enter__(self) -> "ProducerClient":
        return self

    def __exit__(self, *exc) -> None:
        if not self._closed:
            self.close(None if exc[0] is None else 5.0)


def check_timestamp(timestamp_ms) -> None:
    """librdkafka reads a timestamp of 0 as 'now' (it cannot send 0) and takes a signed 64-bit int."""
    if isinstance(timestamp_ms, bool) or not isinstance(timestamp_ms, int) or not 0 < timestamp_ms < 2**63:
        raise UsageError(f"timestamp_ms must be an integer from 1 to {2**63 - 1} (librdkafka cannot send 0), "
                         f"got {timestamp_ms!r}")


def _serialize(serializer, value, what: str, topic: str) -> bytes | None:
    try:
        return serializer.serialize(value)
    except ValueError as exc:  # SerdeError
        raise UsageError(f"{what} of a record for {topic} ({getattr(serializer, 'name', serializer)}): {exc}") from None


def _serializer(value):
    if value is None:
        return serde.serializer("bytes")
    if isinstance(value, str):
        try:
            return serde.serializer(value)
        except serde.SerdeError as exc:
            raise UsageError(str(exc)) from None
    if not callable(getattr(value, "serialize", None)):
        raise UsageError(f"a serializer needs a serialize(value) method, got {value!r}")
    return value


def _headers(headers) -> list | None:
    if not headers:
        return None
    return _checked_headers(headers.items() if isinstance(headers, dict) else headers)


def _checked_headers(headers) -> list:
    """[(name, bytes or None)], names text and values bytes, text (as UTF-8) or None: a name that
    is not valid UTF-8 crashes confluent-kafka (a segmentation fault), not a clean error."""
    if isinstance(headers, dict):
        headers = headers.items()
    out = []
    try:
        for name, value in headers:
            if not isinstance(name, str):
                raise UsageError(f"a header name must be text, got {type(name).__name__}")
            try:
                name.encode("utf-8")
                if isinstance(value, str):
                    value = value.encode("utf-8")
            except UnicodeEncodeError:
                raise UsageError(f"header {name!r}: not valid UTF-8") from None
            if value is not None and not isinstance(value, (bytes, bytearray, memoryview)):
                raise UsageError(f"header {name!r}: a value is bytes, text or None, got {type(value).__name__}")
            out.append((name, value))
    except (TypeError, ValueError):
        raise UsageError(f"headers are a dict or (name, value) pairs, got {headers!r}"[:300]) from None
    return out
