"""The producer adapter: the one place a confluent Producer lives (kctl.client wraps it).

Defaults (measured on 1M 100-byte lines, see docs/produce-consume.md): acks=all with idempotence, linger.ms=10,
batch.size=1000000, a deep local queue. In errors-only mode librdkafka reports failed deliveries
only, so the bulk path (`produce_values`) costs one produce() call per message and successes
are counted as produced - failed after a complete flush.

Everything here raises KctlError subclasses and hands out kctl types (RecordMetadata), never
confluent_kafka objects.
"""

from __future__ import annotations

import json
import time
from typing import Callable

from kctl.deadline import Deadline
from kctl.errors import (
    BrokerUnavailable,
    KctlError,
    NotFoundError,
    RecordRejected,
    TransactionAbortable,
    TransactionFatal,
    UsageError,
    from_kafka_error,
)
from kctl.kafka.clients import ClientErrors, interrupts_kept, library_conf, lost_interrupt, metadata, new_client
from kctl.kafka.lib import confluent
from kctl.models.records import RecordMetadata

# kctl's choices where librdkafka's defaults are tuned for latency rather than bulk loads.
DEFAULTS = {
    "acks": "all",
    "enable.idempotence": True,
    "linger.ms": 10,
    "batch.size": 1_000_000,
    "queue.buffering.max.messages": 500_000,
    "queue.buffering.max.kbytes": 1_048_576,
    "compression.type": "none",
    "delivery.timeout.ms": 120_000,
}

# The longest single wait inside a transaction call: signals are handled between two of them.
TXN_SLICE_S = 1.0

# (error, metadata) for one record; failures only in errors-only mode.
DeliveryCallback = Callable[[KctlError | None, RecordMetadata], None]
# (error, metadata, key, value): the client-wide sink for failed deliveries of records sent without a callback.
FailureSink = Callable[[KctlError, RecordMetadata, bytes | None, bytes | None], None]


def producer_conf(base: dict, *, acks: str | None = None, idempotence: bool | None = None,
                  compression: str | None = None, linger_ms: float | None = None, batch_size: int | None = None,
                  retry_backoff_ms: int | None = None, retry_backoff_max_ms: int | None = None,
                  delivery_timeout_ms: int | None = None, partitioner: str | None = None,
                  transactional_id: str | None = None) -> dict:
    """kctl defaults < context/--command-config/-X (base) < explicit command-line options."""
    conf = {**DEFAULTS, **base}
    explicit = {
        "acks": acks,
        "compression.type": compression,
        "linger.ms": linger_ms,
        "batch.size": batch_size,
        "retry.backoff.ms": retry_backoff_ms,
        "retry.backoff.max.ms": retry_backoff_max_ms,
        "delivery.timeout.ms": delivery_timeout_ms,
        "partitioner": partitioner,
        "transactional.id": transactional_id,
    }
    conf.update({key: value for key, value in explicit.items() if value is not None})
    if idempotence is not None:
        conf["enable.idempotence"] = idempotence
    if str(conf.get("acks")) not in ("all", "-1"):
        if idempotence:
            raise UsageError("idempotence needs --acks all", hint="drop --idempotence or use --acks all")
        if "enable.idempotence" not in base:
            conf["enable.idempotence"] = False
    if transactional_id is not None:
        if not transactional_id:
            raise UsageError("the transactional id must not be empty")
        if str(conf.get("enable.idempotence")).lower() in ("false", "0"):
            raise UsageError("a transactional producer is idempotent", hint="drop --no-idempotence")
        # librdkafka requires delivery.timeout.ms <= transaction.timeout.ms.
        if "transaction.timeout.ms" not in conf:
            conf["transaction.timeout.ms"] = max(60_000, int(conf.get("delivery.timeout.ms", 0)))
    return conf


def delivery_timeout_s(conf: dict) -> float:
    """How long librdkafka may keep a message before failing it (plus a margin)."""
    try:
        return int(conf.get("delivery.timeout.ms", conf.get("message.timeout.ms", 120_000))) / 1000 + 5
    except (TypeError, ValueError):
        return 125.0


class QueueStalled(BrokerUnavailable):
    """The local queue stayed full for stall_timeout: nothing more can be handed over. .index: how
    many of the values given to produce_values went before."""

    index = 0


def _metadata(msg, ok: bool) -> RecordMetadata:
    kind, timestamp = msg.timestamp()
    return RecordMetadata(msg.topic(), msg.partition(), msg.offset() if ok else -1, timestamp if kind else None)


class LibProducer:
    """A confluent Producer with kctl's error handling. errors_only: delivery reports for
    failures only (the bulk mode); on_failure: where failures of records produced without a
    callback go."""

    def __init__(self, conf: dict, *, errors_only: bool = False, on_failure: FailureSink | None = None):
        ck = confluent()

        self.conf = conf
        self.errors = ClientErrors()
        lib = library_conf(conf, self.errors)
        lib["delivery.report.only.error"] = errors_only
        if on_failure is not None:
            def sink(err, msg):
                if err is not None:
                    on_failure(from_kafka_error(err), _metadata(msg, False), msg.key(), msg.value())

            lib["on_delivery"] = sink
        self.idempotence_state: str | None = None  # librdkafka's eos.idemp_state, from its statistics
        # How long a full local queue may stay full before produce gives up (QueueStalled); None:
        # until librdkafka fails the queued messages (delivery.timeout.ms).
        self.stall_timeout: float | None = None
        if _positive(conf.get("statistics.interval.ms")):
            lib["stats_cb"] = self._stats_hook(conf.get("stats_cb"))
        self._producer = new_client(ck.Producer, lib)
        self._kafka_exception = ck.KafkaException

    def _stats_hook(self, user_cb):
        """A stats_cb that keeps eos.idemp_state (and hands the statistics on to the user's own)."""
        def on_stats(text: str) -> None:
            if self.idempotence_state != "Assigned":
                self.idempotence_state = json.loads(text).get("eos", {}).get("idemp_state")
            if user_cb is not None:
                user_cb(text)

        return on_stats

    def statistics_enabled(self) -> bool:
        return _positive(self.conf.get("statistics.interval.ms"))

    # ---- metadata --------------------------------------------------------------------------
    def partitions(self, topic: str, timeout: float) -> int:
        """The partition count of topic, failing fast (exit 4) when it does not exist: kctl never
        relies on auto-creation, and librdkafka would otherwise queue messages until they time out."""
        cluster = metadata(self._producer, self.conf, Deadline.after(timeout), topic, self.errors)
        info = cluster.topics.get(topic)
        error = getattr(info, "error", None) if info is not None else None
        if info is None or (error is not None and error.name() in ("UNKNOWN_TOPIC_OR_PART", "_UNKNOWN_TOPIC")):
            raise NotFoundError(f"topic {topic!r} does not exist", hint=f"create it with `kctl topics create {topic}`")
        if error is not None:
            raise from_kafka_error(error, f"topic {topic}")
        if not info.partitions:
            raise NotFoundError(f"topic {topic!r} has no partitions")
        return len(info.partitions)

    def auth_failure(self) -> KctlError | None:
        try:
            self._producer.poll(0)
        except SystemError as exc:
            raise lost_interrupt(exc) from None
        return self.errors.auth_failure()

    # ---- producing -------------------------------------------------------------------------
    def produce(self, topic: str, value: bytes | None, key: bytes | None = None, partition: int = -1,
                headers: list | None = None, timestamp_ms: int = 0, on_delivery: DeliveryCallback | None = None) -> None:
        """One record; waits for room in the local queue when it is full. RecordRejected when
        librdkafka refuses it (too large, unknown partition...)."""
        kwargs: dict = {}
        if headers:
            kwargs["headers"] = headers
        if timestamp_ms:
            kwargs["timestamp"] = timestamp_ms
        if on_delivery is not None:
            def report(err, msg):
                on_delivery(None if err is None else from_kafka_error(err), _metadata(msg, err is None))

            kwargs["on_delivery"] = report
        try:
            with interrupts_kept():  # a Ctrl-C while the header keys become strings
                try:
                    self._producer.produce(topic, value, key, partition, **kwargs)
                except BufferError:
                    self._wait_for_room(topic, value, key, partition, **kwargs)
        except self._kafka_exception as exc:
            raise self._rejected(exc, value, 0) from None
        except (TypeError, ValueError, OverflowError) as exc:  # a value that is not bytes, a topic not UTF-8...
            raise _bad_argument(exc, topic, 0) from None

    def produce_values(self, topic: str, values: list, key: bytes | None = None, partition: int = -1, *,
                       keys: list | None = None, headers: list | None = None) -> int:
        """The bulk hot path: every value of the list, in order, with one key (or keys[i] for
        values[i]), one partition (-1: the partitioner's choice) and the same headers. Failures go
        to the on_failure sink. RecordRejected (with .index = how many went before it) when
        librdkafka refuses one."""
        produce = self._producer.produce
        index = 0
        try:
            if keys is None and key is None and partition == -1 and not headers:  # fewest arguments to parse
                for index, value in enumerate(values):  # noqa: B007 - read by the except below
                    try:
                        produce(topic, value)
                    except BufferError:
                        self._wait_for_room(topic, value, None, -1)
            elif keys is None and not headers:
                for index, value in enumerate(values):  # noqa: B007 - read by the except below
                    try:
                        produce(topic, value, key, partition)
                    except BufferError:
                        self._wait_for_room(topic, value, key, partition)
            elif not headers:
                for index, value in enumerate(values):  # noqa: B007 - read by the except below
                    try:
                        produce(topic, value, keys[index], partition)
                    except BufferError:
                        self._wait_for_room(topic, value, keys[index], partition)
            else:
                # Every argument by position (callback, on_delivery None = the producer's own,
                # timestamp 0 = now): parsing the headers keyword cost ~0.6 us a message.
                with interrupts_kept():  # a Ctrl-C while the header keys become strings
                    for index, value in enumerate(values):  # noqa: B007 - read by the except below
                        k = key if keys is None else keys[index]
                        try:
                            produce(topic, value, k, partition, None, None, 0, headers)
                        except BufferError:
                            self._wait_for_room(topic, value, k, partition, headers=headers)
        except QueueStalled as exc:
            exc.index = index
            raise
        except self._kafka_exception as exc:
            raise self._rejected(exc, values[index], index) from None
        except (TypeError, ValueError, OverflowError) as exc:
            raise _bad_argument(exc, topic, index) from None
        return len(values)

    def _wait_for_room(self, topic, value, key, partition, **kwargs) -> None:
        """The local queue is full: serve delivery reports until there is room again, at most
        stall_timeout seconds (a stopped broker acknowledges nothing: the queue never drains)."""
        deadline = None if self.stall_timeout is None else Deadline.after(self.stall_timeout)
        while True:
            if deadline is not None and deadline.expired:
                raise QueueStalled(f"the local queue stayed full for {self.stall_timeout:g}s (--timeout): "
                                   "no message was acknowledged", hint="is the cluster answering? (kctl cluster health)")
            self.poll(0.05)
            try:
                self._producer.produce(topic, value, key, partition, **kwargs)
                return
            except BufferError:
                continue

    def _rejected(self, exc, value: bytes | None, index: int) -> RecordRejected:
        error = exc.args[0] if exc.args else None
        name = getattr(error, "name", lambda: "")()
        if name in ("MSG_SIZE_TOO_LARGE", "_MSG_SIZE_TOO_LARGE"):
            limit = self.conf.get("message.max.bytes", 1_000_000)
            text = f"message of {len(value or b'')} bytes is larger than the limit (message.max.bytes={limit})"
        else:
            text = f"cannot produce: {getattr(error, 'str', lambda: str(exc))()}"
        rejected = RecordRejected(text)
        rejected.code_name = name or None
        rejected.index = index
        return rejected

    # poll, flush and the transaction calls serve delivery reports (Python callbacks): an interrupt
    # raised inside one can come back as a SystemError (see kafka.clients.lost_interrupt).
    def poll(self, timeout: float = 0) -> int:
        try:
            return self._producer.poll(timeout)
        except self._kafka_exception as exc:  # a fatal error (say, fenced) surfaces here too
            raise self._fatal(exc) from None
        except SystemError as exc:
            raise lost_interrupt(exc) from None

    def flush(self, timeout: float) -> int:
        try:
            return self._producer.flush(timeout)
        except self._kafka_exception as exc:
            raise self._fatal(exc) from None
        except SystemError as exc:
            raise lost_interrupt(exc) from None

    def _fatal(self, exc) -> KctlError:
        error = exc.args[0] if exc.args else None
        if error is not None and error.fatal():
            return _classified(TransactionFatal if self.conf.get("transactional.id") else KctlError, error,
                               "the producer failed fatally", "start a new producer")
        return from_kafka_error(error) if error is not None else KctlError(str(exc))

    def pending(self) -> int:
        return len(self._producer)

    def purge(self) -> None:
        """Drop what is still queued (it comes back as failed deliveries on the next poll)."""
        self._producer.purge()

    # ---- transactions ----------------------------------------------------------------------
    def init_transactions(self, deadline) -> None:
        self._txn("init", lambda timeout: self._producer.init_transactions(timeout), deadline)

    def begin_transaction(self) -> None:
        self._txn("begin", lambda timeout: self._producer.begin_transaction(), None)

    def commit_transaction(self, deadline) -> None:
        self._txn("commit", lambda timeout: self._producer.commit_transaction(timeout), deadline)

    def abort_transaction(self, deadline) -> None:
        self._txn("abort", lambda timeout: self._producer.abort_transaction(timeout), deadline)

    def send_offsets_to_transaction(self, offsets: list[tuple[str, int, int]], group_metadata, deadline) -> None:
        ck = confluent()

        partitions = [ck.TopicPartition(topic, partition, offset) for topic, partition, offset in offsets]
        self._txn("send offsets",
                  lambda timeout: self._producer.send_offsets_to_transaction(partitions, group_metadata, timeout),
                  deadline)

    def _txn(self, what: str, call, deadline) -> None:
        """librdkafka's three kinds of transaction errors as kctl errors: retriable ones are
        retried until the deadline; txn_requires_abort -> TransactionAbortable; fatal (fenced...)
        -> TransactionFatal.

        The call runs in slices of at most TXN_SLICE_S: a commit waits for every record's delivery
        (up to delivery.timeout.ms) inside one C call that Python signal handlers cannot enter, and
        a commit/abort/init that times out is resumed by calling it again (its error is retriable),
        so a Ctrl-C or SIGTERM is seen between slices and the deadline is kept."""
        deadline = Deadline.of(deadline) if deadline is not None else None
        while True:
            timeout = min(TXN_SLICE_S, deadline.remaining(0.1)) if deadline is not None else 0
            try:
                call(timeout)
                return
            except SystemError as exc:
                raise lost_interrupt(exc) from None
            except self._kafka_exception as exc:
                error = exc.args[0] if exc.args else None
                if error is None:
                    raise KctlError(f"transaction {what}: {exc}") from None
                if error.fatal():
                    raise _classified(TransactionFatal, error, f"transaction {what} failed fatally",
                                      "the producer was fenced or broken: start a new one") from None
                if error.txn_requires_abort():
                    raise _classified(TransactionAbortable, error, f"transaction {what} failed",
                                      "abort the transaction; a new one can begin after that") from None
                if error.retriable() and deadline is not None and not deadline.expired:
                    if error.code() != confluent().KafkaError._TIMED_OUT:  # a slice running out needs no pause
                        time.sleep(min(0.1, deadline.remaining()))
                    continue
                auth = self.auth_failure()
                if auth is not None:
                    raise auth from None
                mapped = from_kafka_error(error, f"transaction {what}")
                if error.retriable() and not isinstance(mapped, BrokerUnavailable):
                    mapped = _classified(BrokerUnavailable, error, f"transaction {what} timed out", None)
                raise mapped from None


def _bad_argument(exc: BaseException, topic, index: int) -> RecordRejected:
    """The RecordRejected (exit 2) for an argument confluent-kafka refuses with a Python error."""
    rejected = RecordRejected(f"cannot produce to {topic!r}: {exc}")
    rejected.index = index
    return rejected


def _positive(value) -> bool:
    try:
        return int(value or 0) > 0
    except (TypeError, ValueError):
        return False


def _classified(cls, error, context: str, hint: str | None) -> KctlError:
    out = cls(f"{context}: {error.str()}", hint=hint)
    out.code_name = error.name()
    return out
