"""Consumer factory, offset look-ups and rebalance callbacks.

The only consumer-side module that imports confluent_kafka. Services receive the raw
confluent Consumer (its consume()/position()/store_offsets() are the hot path) but build
partitions, offsets and callbacks through the functions here.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable, Iterable

from kctl import log
from kctl.errors import BrokerUnavailable, ConfigError, KctlError
from kctl.kafka.clients import _client_conf, to_kctl_error

# librdkafka logical offsets (RD_KAFKA_OFFSET_*), duplicated so callers need not import confluent_kafka.
OFFSET_BEGINNING = -2
OFFSET_END = -1
OFFSET_STORED = -1000
OFFSET_INVALID = -1001

# Defaults for kctl's consumers, chosen for bulk reads (every one can be overridden with -X):
# - fetch.queue.backoff.ms: librdkafka waits this long (1000 ms by default) before fetching again
#   once its local queue reached queued.min.messages; a fast reader drains the queue long before,
#   so the default leaves the consumer idle. 1 ms keeps the pipeline full.
# - queued.min.messages / queued.max.messages.kbytes: the pre-fetch queue, bounded so that resident
#   memory stays flat (about 60 MB for 100-byte records) however large the topic.
BULK_DEFAULTS = {
    "fetch.queue.backoff.ms": 1,
    "queued.min.messages": 20000,
    "queued.max.messages.kbytes": 16384,
}


def create_consumer(conf: dict):
    from confluent_kafka import Consumer, KafkaException

    conf = dict(conf)
    if not log.librdkafka_logger().isEnabledFor(logging.INFO):
        # Without -v, connection failures surface once as kctl errors/events, not as a flood
        # of librdkafka FAIL lines (it retries every broker connection in the background).
        conf.setdefault("log_level", 2)
    try:
        return Consumer(_client_conf(conf))
    except (KafkaException, ValueError, TypeError) as exc:
        raise ConfigError(f"invalid consumer configuration: {exc}", hint="check -X and --command-config") from None


def topic_partition(topic: str, partition: int, offset: int = OFFSET_INVALID):
    from confluent_kafka import TopicPartition

    return TopicPartition(topic, partition, offset)


def close_bounded(consumer, timeout: float, commit: bool = False) -> bool:
    """Commit the stored offsets (if asked) and close, giving up after `timeout` seconds.

    A consumer that cannot reach its coordinator may block in commit()/close() for the full
    socket timeout (a minute); kctl must never hang at exit, so both run in a daemon thread.
    Returns False when the deadline passed (offsets not written back are re-read next time:
    at-least-once).
    """
    done = threading.Event()

    def work():
        try:
            if commit:
                commit_stored(consumer)
            consumer.close()
        except Exception as exc:  # noqa: BLE001 - reported as an event, exit proceeds
            log.event("consumer_close_failed", logging.WARNING, error=str(to_kctl_error(exc)))
        finally:
            done.set()

    threading.Thread(target=work, name="kctl-consumer-close", daemon=True).start()
    if not done.wait(timeout):
        log.event("consumer_close_timeout", logging.WARNING, timeout_s=timeout)
        return False
    return True


def commit_stored(consumer) -> None:
    """Synchronously commit the offsets stored with store_offsets(); nothing stored is fine."""
    from confluent_kafka import KafkaError, KafkaException

    try:
        consumer.commit(asynchronous=False)
    except KafkaException as exc:
        error = exc.args[0] if exc.args else None
        if error is not None and error.code() == KafkaError._NO_OFFSET:
            return
        raise to_kctl_error(exc, "commit") from None


def commit_offsets(consumer, offsets: dict, asynchronous: bool) -> None:
    """Commit {(topic, partition): next_offset}."""
    from confluent_kafka import KafkaException

    if not offsets:
        return
    parts = [topic_partition(t, p, o) for (t, p), o in offsets.items()]
    try:
        consumer.commit(offsets=parts, asynchronous=asynchronous)
    except KafkaException as exc:
        raise to_kctl_error(exc, "commit") from None


def store_offsets(consumer, offsets: dict) -> None:
    """store_offsets({(topic, partition): next_offset}); the next auto-commit writes them."""
    from confluent_kafka import KafkaException

    if not offsets:
        return
    parts = [topic_partition(t, p, o) for (t, p), o in offsets.items()]
    try:
        consumer.store_offsets(offsets=parts)
    except KafkaException as exc:
        # A partition revoked a moment ago cannot store offsets (_STATE); its new owner re-reads.
        log.event("offset_store_failed", logging.DEBUG, error=str(to_kctl_error(exc)))


def positions(consumer, partitions: Iterable[tuple[str, int]]) -> dict:
    """{(topic, partition): next offset the application will receive}, for partitions consumed so far."""
    parts = [topic_partition(t, p) for t, p in partitions]
    if not parts:
        return {}
    try:
        result = consumer.position(parts)
    except Exception as exc:  # noqa: BLE001
        raise to_kctl_error(exc, "position") from None
    return {(tp.topic, tp.partition): tp.offset for tp in result if tp.offset >= 0}


def warm_topics(consumer, topics: Iterable[str], timeout: float) -> None:
    """Ask for each topic's metadata before assign(): librdkafka then knows the partition
    leaders at once instead of retrying its leader query (about 0.5 s before the first fetch)."""
    for topic in topics:
        try:
            consumer.list_topics(topic=topic, timeout=timeout)
        except Exception:  # noqa: BLE001 - only an optimisation; assign() finds the leaders anyway
            return


def cached_high_watermarks(consumer, partitions: Iterable[tuple[str, int]]) -> dict:
    """{(topic, partition): high watermark} as of the last fetch response (no request)."""
    out = {}
    for topic, partition in partitions:
        try:
            _low, high = consumer.get_watermark_offsets(topic_partition(topic, partition), cached=True)
        except Exception:  # noqa: BLE001 - not fetched yet
            continue
        if high is not None and high >= 0:
            out[(topic, partition)] = high
    return out


def watermarks(consumer, topic: str, partition: int, timeout: float) -> tuple[int, int]:
    try:
        return consumer.get_watermark_offsets(topic_partition(topic, partition), timeout=timeout)
    except Exception as exc:  # noqa: BLE001
        raise _lookup_error(exc, f"watermarks of {topic}[{partition}]", timeout) from None


def offsets_for_times(consumer, topic: str, partitions: list[int], timestamp_ms: int, timeout: float) -> dict[int, int]:
    """{partition: first offset with timestamp >= timestamp_ms, or -1 when there is none}."""
    parts = [topic_partition(topic, p, timestamp_ms) for p in partitions]
    try:
        result = consumer.offsets_for_times(parts, timeout=timeout)
    except Exception as exc:  # noqa: BLE001
        raise _lookup_error(exc, f"offsets for time in {topic}", timeout) from None
    out = {}
    for tp in result:
        if tp.error is not None:
            raise to_kctl_error(Exception(tp.error), f"offsets for time in {topic}[{tp.partition}]")
        out[tp.partition] = tp.offset
    return out


def committed(consumer, partitions: list[tuple[str, int]], timeout: float) -> dict:
    parts = [topic_partition(t, p) for t, p in partitions]
    try:
        result = consumer.committed(parts, timeout=timeout)
    except Exception as exc:  # noqa: BLE001
        raise _lookup_error(exc, "committed offsets", timeout) from None
    return {(tp.topic, tp.partition): tp.offset for tp in result}


def _lookup_error(exc: BaseException, what: str, timeout: float) -> KctlError:
    error = to_kctl_error(exc, what)
    if isinstance(error, BrokerUnavailable):
        error.message = f"{what}: no answer within {timeout:g}s"
    return error


def error_kind(error) -> str:
    """Classify a consumer error event: 'eof', 'not_found', 'fatal' or 'transient'."""
    from confluent_kafka import KafkaError

    code = error.code()
    if code == KafkaError._PARTITION_EOF:
        return "eof"
    if code in (KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._UNKNOWN_TOPIC, KafkaError._UNKNOWN_PARTITION):
        return "not_found"
    if error.fatal() or code in (KafkaError.TOPIC_AUTHORIZATION_FAILED, KafkaError.GROUP_AUTHORIZATION_FAILED,
                                 KafkaError._AUTHENTICATION):
        return "fatal"
    return "transient"


def _names(partitions) -> str:
    by_topic: dict[str, list[int]] = {}
    for tp in partitions:
        by_topic.setdefault(tp.topic, []).append(tp.partition)
    return " ".join(f"{t}[{','.join(map(str, sorted(ps)))}]" for t, ps in sorted(by_topic.items()))


class RebalanceListener:
    """on_assign/on_revoke/on_lost for subscribe(): logs each rebalance as an event and lets
    the caller pick start offsets (`starts(partitions) -> {(topic, partition): offset}`) and
    follow the assignment (`changed(added, removed)`, lists of (topic, partition))."""

    def __init__(self, cooperative: bool, starts: Callable[[list], dict] | None = None,
                 changed: Callable[[list, list], None] | None = None,
                 revoking: Callable[[object], None] | None = None):
        self.cooperative = cooperative
        self.starts = starts
        self.changed = changed
        self.revoking = revoking
        self.generation = 0

    def on_assign(self, consumer, partitions) -> None:
        self.generation += 1
        keys = [(tp.topic, tp.partition) for tp in partitions]
        log.event("partitions_assigned", partitions=_names(partitions) or "-", count=len(partitions),
                  rebalance=self.generation)
        offsets = self.starts(keys) if self.starts and keys else {}
        for tp in partitions:
            if (tp.topic, tp.partition) in offsets:
                tp.offset = offsets[(tp.topic, tp.partition)]
        if self.cooperative:
            consumer.incremental_assign(partitions)
        else:
            consumer.assign(partitions)
        if self.changed:
            self.changed(keys, [])

    def on_revoke(self, consumer, partitions) -> None:
        keys = [(tp.topic, tp.partition) for tp in partitions]
        log.event("partitions_revoked", partitions=_names(partitions) or "-", count=len(partitions))
        if self.revoking:
            # Everything handed to kctl before this callback was already written: commit it
            # now, while this member still owns the partitions.
            try:
                self.revoking(consumer)
            except KctlError as exc:
                log.event("commit_on_revoke_failed", logging.WARNING, error=exc.message)
        if self.changed:
            self.changed([], keys)

    def on_lost(self, consumer, partitions) -> None:
        keys = [(tp.topic, tp.partition) for tp in partitions]
        log.event("partitions_lost", logging.WARNING, partitions=_names(partitions) or "-", count=len(partitions))
        if self.changed:
            self.changed([], keys)
