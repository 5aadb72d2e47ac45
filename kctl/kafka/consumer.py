"""The confluent Consumer behind kctl.client.ConsumerClient (the only consumer-side module that
imports confluent_kafka).

`KafkaConsumer` owns the library consumer and its `ClientErrors`; everything it returns is a
kctl type: `ConsumerRecord`, `ConsumerEvent`, `TopicPartitionOffset`, dicts keyed by
(topic, partition). `Batch` is what one consume() call returned, kept opaque so that the bulk
path (value-only output) reads values in one list comprehension without building a record
object per message.
"""

from __future__ import annotations

import logging
from typing import Callable, Iterable

from kctl import log
from kctl.deadline import Deadline
from kctl.errors import BrokerUnavailable, ConfigError, KctlError, NotFoundError, from_kafka_error
from kctl.kafka.clients import (
    ClientErrors,
    interrupts_kept,
    library_conf,
    lost_interrupt,
    new_client,
    to_kctl_error,
    unreachable,
)
from kctl.kafka.lib import confluent
from kctl.models.records import ConsumerEvent, ConsumerRecord, TopicPartitionOffset
from kctl.parsing import check_group_id

# librdkafka logical offsets (RD_KAFKA_OFFSET_*), duplicated so callers need not import confluent_kafka.
OFFSET_BEGINNING = -2
OFFSET_END = -1
OFFSET_STORED = -1000
OFFSET_INVALID = -1001


_TIMESTAMP_TYPES = {0: "none", 1: "create", 2: "log_append"}
Key = tuple  # (topic, partition)


def _tp(topic: str, partition: int, offset: int = OFFSET_INVALID):
    ck = confluent()

    return ck.TopicPartition(topic, partition, offset)


def _tpo(tp) -> TopicPartitionOffset:
    return TopicPartitionOffset(tp.topic, tp.partition, tp.offset)


def _parts(offsets) -> list:
    """{(topic, partition): offset} or [TopicPartitionOffset] -> [TopicPartition]."""
    if isinstance(offsets, dict):
        return [_tp(t, p, o) for (t, p), o in offsets.items()]
    return [_tp(x.topic, x.partition, x.offset) for x in offsets]


def error_kind(error) -> str:
    """Classify a consumer error event: 'eof', 'not_found', 'fatal' or 'transient'."""
    ck = confluent()

    code = error.code()
    if code == ck.KafkaError._PARTITION_EOF:
        return "eof"
    if code in (ck.KafkaError.UNKNOWN_TOPIC_OR_PART, ck.KafkaError._UNKNOWN_TOPIC, ck.KafkaError._UNKNOWN_PARTITION):
        return "not_found"
    if error.fatal() or code in (ck.KafkaError.TOPIC_AUTHORIZATION_FAILED, ck.KafkaError.GROUP_AUTHORIZATION_FAILED,
                                 ck.KafkaError._AUTHENTICATION, ck.KafkaError.SASL_AUTHENTICATION_FAILED):
        return "fatal"
    return "transient"


def to_record(m) -> ConsumerRecord:
    ts_type, ts = m.timestamp()
    return ConsumerRecord(m.topic(), m.partition(), m.offset(), ts if ts_type else None, m.key(), m.value(),
                          tuple(m.headers() or ()), _TIMESTAMP_TYPES.get(ts_type, "create"))


def to_event(m) -> ConsumerEvent:
    error = m.error()
    kind = error_kind(error)
    kctl_error = None
    if kind == "not_found":
        kctl_error = NotFoundError(f"{m.topic() or 'topic'}: {error.str()}", hint="was the topic deleted?")
    elif kind == "fatal":
        kctl_error = from_kafka_error(error, "consume")
    return ConsumerEvent(kind, m.topic(), m.partition(), m.offset(), error.str(), error.name(),
                         bool(error.retriable()), kctl_error)


class Batch:
    """The messages of one consume() call (opaque: read them through these methods)."""

    __slots__ = ("_msgs",)

    def __init__(self, msgs: list):
        self._msgs = msgs

    def __len__(self) -> int:
        return len(self._msgs)

    def values(self) -> list | None:
        """Every value (bytes or None), or None when the batch holds an error event."""
        msgs = self._msgs
        values = [m.value() for m in msgs if m.error() is None]
        return values if len(values) == len(msgs) else None

    def items(self) -> list:
        """ConsumerRecord for each message, ConsumerEvent for each error/end-of-partition event."""
        return [to_record(m) if m.error() is None else to_event(m) for m in self._msgs]

    def next_offsets(self, count: int | None = None) -> dict:
        """{(topic, partition): offset after the last message} of the first `count` messages."""
        msgs = self._msgs if count is None else self._msgs[:count]
        return {(m.topic(), m.partition()): m.offset() + 1 for m in msgs if m.error() is None}


def _names(parts) -> str:
    by_topic: dict[str, list[int]] = {}
    for tp in parts:
        by_topic.setdefault(tp.topic, []).append(tp.partition)
    return " ".join(f"{t}[{','.join(map(str, sorted(ps)))}]" for t, ps in sorted(by_topic.items()))


class RebalanceListener:
    """subscribe()'s on_assign/on_revoke/on_lost, speaking kctl types: each callback gets a list
    of TopicPartitionOffset; on_assign may return {(topic, partition): start offset} to start
    there instead of the committed offset. Every rebalance is logged as an event."""

    def __init__(self, cooperative: bool, on_assign: Callable | None = None, on_revoke: Callable | None = None,
                 on_lost: Callable | None = None):
        self.cooperative = cooperative
        self.assigned_cb, self.revoked_cb, self.lost_cb = on_assign, on_revoke, on_lost
        self.generation = 0

    def on_assign(self, consumer, partitions) -> None:
        self.generation += 1
        log.event("partitions_assigned", partitions=_names(partitions) or "-", count=len(partitions),
                  rebalance=self.generation)
        offsets = (self.assigned_cb([_tpo(tp) for tp in partitions]) if self.assigned_cb else None) or {}
        for tp in partitions:
            if (tp.topic, tp.partition) in offsets:
                tp.offset = offsets[(tp.topic, tp.partition)]
        if self.cooperative:
            consumer.incremental_assign(partitions)
        else:
            consumer.assign(partitions)

    def on_revoke(self, consumer, partitions) -> None:
        log.event("partitions_revoked", partitions=_names(partitions) or "-", count=len(partitions))
        if self.revoked_cb:
            try:
                self.revoked_cb([_tpo(tp) for tp in partitions])
            except KctlError as exc:
                log.event("commit_on_revoke_failed", logging.WARNING, error=exc.message)

    def on_lost(self, consumer, partitions) -> None:
        log.event("partitions_lost", logging.WARNING, partitions=_names(partitions) or "-", count=len(partitions))
        if self.lost_cb:
            self.lost_cb([_tpo(tp) for tp in partitions])


def _refused(exc: BaseException) -> ConfigError:
    return ConfigError(f"invalid consumer configuration: {exc}", hint="check -X and --command-config")


class KafkaConsumer:
    """One confluent Consumer and its error collector; methods raise KctlErrors only."""

    def __init__(self, conf: dict):
        ck = confluent()

        conf = dict(conf)
        if not log.librdkafka_logger().isEnabledFor(logging.INFO):
            # Without -v, connection failures surface once as kctl errors/events, not as a flood
            # of librdkafka FAIL lines (it retries every broker connection in the background).
            conf.setdefault("log_level", 2)
        self.errors = ClientErrors()
        self.conf = conf
        # The consumer protocol (KIP-848) is incremental: librdkafka hands over only the partitions
        # added or taken away, to be applied with incremental_assign/unassign.
        self.cooperative = ("cooperative" in str(conf.get("partition.assignment.strategy", ""))
                            or str(conf.get("group.protocol", "")).lower() == "consumer")
        if "group.id" in conf:  # without one, librdkafka refuses the consumer (exit 3 below)
            check_group_id(conf["group.id"], "group.id")
        self._consumer = new_client(ck.Consumer, library_conf(conf, self.errors), refused=_refused)

    def _error(self, exc: BaseException, what: str, timeout: float | None = None) -> KctlError:
        auth = self.auth_failure()
        if auth is not None:
            return auth
        error = to_kctl_error(exc, what)
        if timeout is not None and isinstance(error, BrokerUnavailable):
            error.message = f"{what}: no answer within {timeout:g}s"
        return error

    def auth_failure(self) -> KctlError | None:
        return self.errors.auth_failure()

    def serve(self) -> None:
        """Serve error_cb/log events while nothing is assigned (consume() serves them otherwise)."""
        self.poll_batch(1, 0)

    # -- metadata --

    def topics(self, timeout: float, topic: str | None = None) -> dict[str, list[int] | None]:
        """{topic: sorted partitions, or None when the cluster reports an error for it}.

        Asked in growing slices (0.5 s, 1 s, ...), the error events read between them, so that a
        rejected login ends the wait at once (as kctl.kafka.clients.metadata does)."""
        ck = confluent()

        deadline, piece = Deadline.after(timeout), 0.5
        while True:
            try:
                metadata = self._consumer.list_topics(topic=topic, timeout=min(deadline.remaining(0.1), piece))
                break
            except SystemError as exc:
                raise lost_interrupt(exc) from None
            except ck.KafkaException as exc:
                if not self._consumer.assignment():
                    self.serve()
                error = self._error(exc, "metadata")
                if type(error) is not BrokerUnavailable:
                    raise error from None
                if deadline.expired:
                    raise unreachable(self.conf, timeout) from None
                piece *= 2
        return {name: (None if t.error is not None else sorted(t.partitions)) for name, t in metadata.topics.items()}

    # -- assignment --

    def subscribe(self, topics: list[str], listener: RebalanceListener) -> None:
        ck = confluent()

        try:
            with interrupts_kept():  # a Ctrl-C while the topic names become strings
                self._consumer.subscribe(list(topics), on_assign=listener.on_assign, on_revoke=listener.on_revoke,
                                         on_lost=listener.on_lost)
        except ck.KafkaException as exc:  # _INVALID_ARG: a regular expression librdkafka cannot compile
            raise to_kctl_error(exc, f"subscribe {', '.join(topics)}") from None

    def assign(self, offsets) -> None:
        self._consumer.assign(_parts(offsets))

    def assignment(self) -> list[Key]:
        return [(tp.topic, tp.partition) for tp in self._consumer.assignment()]

    def pause(self, keys: Iterable[Key]) -> None:
        try:
            self._consumer.pause([_tp(t, p) for t, p in keys])
        except Exception:  # noqa: BLE001 - revoked meanwhile: nothing left to pause
            pass

    def seek(self, topic: str, partition: int, offset: int) -> None:
        try:
            self._consumer.seek(_tp(topic, partition, offset))
        except Exception as exc:  # noqa: BLE001 - KafkaException, TypeError, ValueError: one KctlError
            raise to_kctl_error(exc, f"seek {topic}[{partition}]") from None

    # -- reading --

    def poll_available(self, max_records: int, timeout: float) -> Batch:
        """What has been fetched already (up to max_records), at once; when nothing has, the first
        message to arrive within timeout and what is queued with it. librdkafka's consume() itself
        waits until it has max_records or the timeout passed: a poll(100, timeout=10) of a topic
        holding 3 records took the whole 10 s."""
        consume = self._consumer.consume
        try:
            msgs = consume(num_messages=max_records, timeout=0)
            if not msgs and timeout > 0:
                msgs = consume(num_messages=1, timeout=timeout)
                if msgs and max_records > 1:  # a fetch response is queued whole: the rest came with it
                    msgs += consume(num_messages=max_records - 1, timeout=0)
            return Batch(msgs)
        except SystemError as exc:
            raise lost_interrupt(exc) from None

    def poll_batch(self, max_records: int, timeout: float) -> Batch:
        # consume() serves error_cb, the logger and the rebalance callbacks (Python): an interrupt
        # raised inside one can come back as a SystemError (see kafka.clients.lost_interrupt).
        try:
            return Batch(self._consumer.consume(num_messages=max_records, timeout=timeout))
        except SystemError as exc:
            raise lost_interrupt(exc) from None

    # -- offsets --

    def store_offsets(self, offsets) -> None:
        """Store next offsets; the next (auto-)commit writes them."""
        ck = confluent()

        if not offsets:
            return
        try:
            self._consumer.store_offsets(offsets=_parts(offsets))
        except ck.KafkaException as exc:
            error = exc.args[0] if exc.args else None
            if error is None or error.code() != ck.KafkaError._STATE:
                raise self._error(exc, "store offsets") from None
            # A partition revoked a moment ago cannot store offsets (_STATE); its new owner re-reads.
            log.event("offset_store_failed", logging.DEBUG, error=str(to_kctl_error(exc)))

    def commit(self, offsets=None, asynchronous: bool = False) -> None:
        """Commit these offsets, or (None) the stored ones; nothing stored is fine."""
        ck = confluent()

        try:
            if offsets is None:
                self._consumer.commit(asynchronous=asynchronous)
            elif offsets:
                self._consumer.commit(offsets=_parts(offsets), asynchronous=asynchronous)
        except SystemError as exc:
            raise lost_interrupt(exc) from None
        except ck.KafkaException as exc:
            error = exc.args[0] if exc.args else None
            if error is not None and error.code() == ck.KafkaError._NO_OFFSET:
                return
            raise self._error(exc, "commit") from None

    def positions(self, keys: Iterable[Key]) -> dict:
        """{(topic, partition): next offset the application will receive}, for partitions read so far."""
        parts = [_tp(t, p) for t, p in keys]
        if not parts:
            return {}
        try:
            result = self._consumer.position(parts)
        except Exception as exc:  # noqa: BLE001 - KafkaException, TypeError, ValueError: one KctlError
            raise to_kctl_error(exc, "position") from None
        return {(tp.topic, tp.partition): tp.offset for tp in result if tp.offset >= 0}

    def committed(self, keys: Iterable[Key], timeout: float) -> dict:
        try:
            result = self._consumer.committed([_tp(t, p) for t, p in keys], timeout=timeout)
        except SystemError as exc:  # a blocking call: see kafka.clients.lost_interrupt
            raise lost_interrupt(exc) from None
        except Exception as exc:  # noqa: BLE001 - KafkaException, TypeError, ValueError: one KctlError
            raise self._error(exc, "committed offsets", timeout) from None
        return {(tp.topic, tp.partition): tp.offset for tp in result}

    def watermarks(self, topic: str, partition: int, timeout: float) -> tuple[int, int]:
        try:
            return tuple(self._consumer.get_watermark_offsets(_tp(topic, partition), timeout=timeout))
        except SystemError as exc:  # a blocking call: see kafka.clients.lost_interrupt
            raise lost_interrupt(exc) from None
        except Exception as exc:  # noqa: BLE001 - KafkaException, TypeError, ValueError: one KctlError
            raise self._error(exc, f"watermarks of {topic}[{partition}]", timeout) from None

    def watermark_ranges(self, keys: Iterable[Key], timeout: float) -> dict:
        """{(topic, partition): (low, high)} of many partitions in two batched ListOffsets
        rounds (one request per leader each): the protocol's logical timestamps -2 (earliest) and
        -1 (latest) ask offsets_for_times for the watermarks themselves, where
        get_watermark_offsets would ask partition by partition."""
        keys = list(keys)
        out: dict = {}
        if not keys:
            return out
        deadline = Deadline.after(timeout)
        for which, logical in ((0, OFFSET_BEGINNING), (1, OFFSET_END)):
            try:
                result = self._consumer.offsets_for_times([_tp(t, p, logical) for t, p in keys],
                                                          timeout=deadline.remaining(0.001))
            except Exception as exc:  # noqa: BLE001 - KafkaException, TypeError, ValueError: one KctlError
                raise self._error(exc, "watermarks", timeout) from None
            for tp in result:
                if tp.error is not None:
                    raise to_kctl_error(Exception(tp.error), f"watermarks of {tp.topic}[{tp.partition}]")
                out.setdefault((tp.topic, tp.partition), [0, 0])[which] = tp.offset
        return {key: tuple(pair) for key, pair in out.items()}

    def cached_high_watermarks(self, keys: Iterable[Key]) -> dict:
        """{(topic, partition): high watermark} as of the last fetch response (no request)."""
        out = {}
        for topic, partition in keys:
            try:
                _low, high = self._consumer.get_watermark_offsets(_tp(topic, partition), cached=True)
            except Exception:  # noqa: BLE001 - not fetched yet
                continue
            if high is not None and high >= 0:
                out[(topic, partition)] = high
        return out

    def offsets_for_times(self, topic: str, partitions: list[int], timestamp_ms: int, timeout: float) -> dict[int, int]:
        """{partition: first offset with timestamp >= timestamp_ms, or -1 when there is none}."""
        try:
            result = self._consumer.offsets_for_times([_tp(topic, p, timestamp_ms) for p in partitions], timeout=timeout)
        except SystemError as exc:  # a blocking call: see kafka.clients.lost_interrupt
            raise lost_interrupt(exc) from None
        except Exception as exc:  # noqa: BLE001 - KafkaException, TypeError, ValueError: one KctlError
            raise self._error(exc, f"offsets for time in {topic}", timeout) from None
        out = {}
        for tp in result:
            if tp.error is not None:
                raise to_kctl_error(Exception(tp.error), f"offsets for time in {topic}[{tp.partition}]")
            out[tp.partition] = tp.offset
        return out

    def group_metadata(self):
        """Opaque: hand it to a transactional producer's send_offsets_to_transaction."""
        return self._consumer.consumer_group_metadata()

    def close(self) -> None:
        """Leave the group (librdkafka commits stored offsets first with auto-commit). Can block:
        callers run it through kctl.deadline.run_bounded."""
        try:
            self._consumer.close()
        except SystemError as exc:  # close() runs the revoke callback and error_cb
            raise lost_interrupt(exc) from None
        except RuntimeError:  # closed already
            pass
        except Exception as exc:  # noqa: BLE001 - KafkaException, TypeError, ValueError: one KctlError
            raise to_kctl_error(exc, "close") from None
