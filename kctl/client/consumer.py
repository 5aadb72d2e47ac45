"""ConsumerClient: subscribe or assign, poll records, commit, look up offsets; close never hangs.

    from kctl.client import ConsumerClient
    with ConsumerClient(instance=0, group_id="audit", auto_offset_reset="earliest") as consumer:
        consumer.subscribe(["orders"])
        for record in consumer.poll(max_records=100, timeout=5):
            print(record.offset, record.value_text())
        consumer.commit()

Without group_id the consumer gets a private, never-committed group id (use assign(); commit()
is a UsageError then). Every error is a KctlError (a wrong password: AuthError, exit 9; a bad
argument: UsageError, exit 2; any call after close(): ClientClosed, a UsageError).
"""

from __future__ import annotations

import logging
import uuid
from typing import Callable, Iterable

from kctl import log
from kctl.client.checks import (
    check_callable,
    check_int,
    check_offset,
    check_partition,
    check_timeout,
    refuse_when_closed,
)
from kctl.client.conf import resolve_conf
from kctl.client.group_protocol import check_broker, protocol_conf
from kctl.client.records import ConsumerEvent, ConsumerRecord, TopicPartitionOffset
from kctl.deadline import Deadline, run_bounded
from kctl.errors import BrokerUnavailable, UsageError
from kctl.kafka.consumer import KafkaConsumer, RebalanceListener
from kctl.parsing import INT64_MAX, check_group_id, check_name, check_names

Key = tuple  # (topic, partition)

# Defaults for bulk reads (kctl consume; every one can be overridden with -X):
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


# confluent-kafka's limit for one consume() call.
MAX_RECORDS = 1_000_000
_OFFSETS_SHAPE = "{(topic, partition): offset} or [TopicPartitionOffset]"


def _key(topic, partition) -> Key:
    return (check_name(topic, "topic name"), check_partition(partition))


def _offsets(offsets) -> dict:
    """{(topic, partition): offset} from a dict or an iterable of TopicPartitionOffset/(t, p, o),
    every part checked (a UsageError, never a TypeError or a crash in the library)."""
    out = {}
    try:
        if isinstance(offsets, dict):
            items = [(*key, offset) for key, offset in offsets.items()]
        else:
            items = [(i.topic, i.partition, i.offset) if isinstance(i, TopicPartitionOffset) else tuple(i)
                     for i in offsets]
        for topic, partition, offset in items:
            out[_key(topic, partition)] = check_offset(offset)
    except (TypeError, ValueError):
        raise UsageError(f"offsets must be {_OFFSETS_SHAPE}, got {offsets!r}"[:300]) from None
    return out


def _keys(partitions) -> list:
    """[(topic, partition)] from TopicPartitionOffsets or (topic, partition, ...) tuples, checked."""
    try:
        return [_key(p.topic, p.partition) if isinstance(p, TopicPartitionOffset) else _key(p[0], p[1])
                for p in partitions]
    except (TypeError, IndexError, KeyError):
        raise UsageError(f"partitions must be [(topic, partition)] or [TopicPartitionOffset], got {partitions!r}"[:300]) \
            from None


def check_list(values, what: str) -> list:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise UsageError(f"{what} must be a list, got {type(values).__name__}")
    return list(values)


def _poll_args(max_records, timeout) -> None:
    check_int(max_records, "max_records", 1, MAX_RECORDS)
    check_timeout(timeout, "timeout", allow_none=False)


@refuse_when_closed("consumer client")
class ConsumerClient:
    OFFSET_BEGINNING = -2
    OFFSET_END = -1
    OFFSET_STORED = -1000

    def __init__(self, conf: dict | None = None, *, instance: int | None = None, bootstrap: str | None = None,
                 context: str | None = None, group_id: str | None = None, group_protocol: str | None = None,
                 assignor: str | None = None, **options):
        """conf: librdkafka properties (or resolved from instance/bootstrap/context, like kctl -i/-b/--context);
        group_protocol: "classic" (the default) or "consumer" (KIP-848: the broker assigns, with
        assignor "uniform" or "range"; subscribe() checks the cluster's group.version first);
        options: more properties with '_' for '.' (auto_offset_reset="earliest")."""
        if group_id is not None:
            if not isinstance(group_id, str):
                raise UsageError(f"group_id must be a string, got {type(group_id).__name__}")
            check_group_id(group_id, "group_id")
        conf = resolve_conf(conf, instance=instance, bootstrap=bootstrap, context=context)
        conf.update({name.replace("_", "."): value for name, value in options.items()})
        if group_id is not None:
            conf["group.id"] = group_id
        conf = protocol_conf(conf, group_protocol, assignor)
        # Checked on the first subscribe() (the cluster is asked once per client).
        self._protocol_checked = conf.get("group.protocol") != "consumer"
        self.has_group = "group.id" in conf  # a group of the caller's: commits go there
        if "group.id" not in conf:  # assign() only: a private group that never commits
            conf["group.id"] = f"kctl-client-{uuid.uuid4().hex[:12]}"
            conf.setdefault("enable.auto.commit", False)
        self.conf = conf
        self._kafka = KafkaConsumer(conf)  # refuses a group.id librdkafka would read as empty
        self._closed = self._closing = False

    # -- context manager --

    def __enter__(self) -> "ConsumerClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- assignment --

    def subscribe(self, topics: Iterable[str], on_assign: Callable | None = None, on_revoke: Callable | None = None,
                  on_lost: Callable | None = None) -> None:
        """Join the group for these topics. Callbacks get [TopicPartitionOffset]; on_assign may return
        {(topic, partition): offset} to start there instead of the committed offset."""
        topics = check_names(topics, "topic name")
        if not topics:
            raise UsageError("subscribe() needs at least one topic (names, or regular expressions starting with ^)")
        for name, callback in (("on_assign", on_assign), ("on_revoke", on_revoke), ("on_lost", on_lost)):
            check_callable(callback, name)
        self.check_group_protocol()
        listener = RebalanceListener(self._kafka.cooperative, on_assign, on_revoke, on_lost)
        self._kafka.subscribe(topics, listener)

    def check_group_protocol(self, timeout: float | Deadline = 10.0) -> None:
        """With group_protocol="consumer": UsageError when the cluster cannot run it (group.version
        below 1), asked once per client (subscribe() calls it); a no-op for the classic protocol."""
        check_timeout(timeout)
        if not self._protocol_checked:
            check_broker(self.conf, timeout)
            self._protocol_checked = True

    def assign(self, partitions) -> None:
        """Read these partitions from these offsets: {(topic, partition): offset} or [TopicPartitionOffset]
        (OFFSET_BEGINNING, OFFSET_END, OFFSET_STORED or an offset)."""
        self._kafka.assign(_offsets(partitions))

    def assignment(self) -> list[tuple[str, int]]:
        return self._kafka.assignment()

    def pause(self, partitions) -> None:
        self._kafka.pause(_keys(partitions))

    def seek(self, topic: str, partition: int, offset: int) -> None:
        (topic, partition), offset = _key(topic, partition), check_offset(offset)
        self._kafka.seek(topic, partition, offset)

    # -- reading --

    def poll(self, max_records: int = 500, timeout: float = 1.0) -> list[ConsumerRecord]:
        """Up to max_records records as soon as there are any, as Kafka's poll does: what has been
        fetched already is returned at once; only while there is nothing does it wait, up to
        timeout seconds, and then returns the first records to arrive (with what came with them).
        End-of-partition events are skipped; a deleted topic raises NotFoundError, a fatal error
        its KctlError."""
        _poll_args(max_records, timeout)
        deadline = Deadline.after(timeout)
        records: list[ConsumerRecord] = []
        while True:
            for item in self._kafka.poll_available(max_records, deadline.remaining()).items():
                if isinstance(item, ConsumerRecord):
                    records.append(item)
                elif item.error is not None:
                    raise item.error
                elif item.kind == "transient":
                    log.event("consumer_error", logging.DEBUG, error=item.message, retriable=item.retriable)
            if records or deadline.expired:  # events alone (end of partition) are no reason to return
                break
        if not records:
            auth = self._kafka.auth_failure()
            if auth is not None:
                raise auth
        return records

    def poll_items(self, max_records: int = 500, timeout: float = 1.0) -> list:
        """Like poll() but with the ConsumerEvents (eof, errors) in place, unraised: it returns as
        soon as there is a record or an event."""
        _poll_args(max_records, timeout)
        return self._kafka.poll_available(max_records, timeout).items()

    def poll_batch(self, max_records: int = 500, timeout: float = 1.0):
        """The bulk path: an opaque batch with .values() (one list of bytes, no record objects),
        .items() and .next_offsets(count). Unlike poll(), it waits until it has max_records
        records or timeout seconds passed (librdkafka's consume): use short timeouts."""
        _poll_args(max_records, timeout)
        return self._kafka.poll_batch(max_records, timeout)

    def auth_failure(self):
        """The AuthError librdkafka reported for this client so far, or None."""
        return self._kafka.auth_failure()

    # -- offsets --

    def store_offsets(self, offsets) -> None:
        """Mark {(topic, partition): next offset} (or [TopicPartitionOffset]) for the next commit."""
        self._kafka.store_offsets(_offsets(offsets))

    def commit(self, offsets=None, asynchronous: bool = False, timeout: float | Deadline | None = None) -> None:
        """Commit offsets ({(topic, partition): next offset} or [TopicPartitionOffset]); None commits the
        stored offsets (with the default enable.auto.offset.store: the positions of what was polled).
        A synchronous commit with a timeout raises BrokerUnavailable when it has not finished by then."""
        if not self.has_group:
            raise UsageError("commit() needs a group: make the consumer with group_id=... (without one it reads "
                             "under a private group id whose offsets nobody reads)")
        check_timeout(timeout)
        offsets = None if offsets is None else _offsets(offsets)
        if asynchronous or timeout is None:
            self._kafka.commit(offsets, asynchronous)
        else:
            run_bounded(lambda: self._kafka.commit(offsets, False), Deadline.of(timeout), "commit")

    def position(self, partitions) -> dict:
        """{(topic, partition): next offset to be polled}, for the partitions read from so far."""
        return self._kafka.positions(_keys(partitions))

    def committed(self, partitions, timeout: float = 10.0) -> dict:
        """{(topic, partition): committed offset, or -1001 when the group has none}."""
        check_timeout(timeout)
        return self._kafka.committed(_keys(partitions), Deadline.of(timeout).remaining(0.001))

    def watermarks(self, topic: str, partition: int, timeout: float = 10.0, cached: bool = False) -> tuple[int, int]:
        """(low, high): the first offset and the offset after the last record (cached: of the last fetch)."""
        topic, partition = _key(topic, partition)
        check_timeout(timeout)
        if cached:
            high = self._kafka.cached_high_watermarks([(topic, partition)]).get((topic, partition), -1)
            return (-1, high)
        return self._kafka.watermarks(topic, partition, Deadline.of(timeout).remaining(0.001))

    def watermark_ranges(self, partitions, timeout: float | Deadline = 10.0) -> dict:
        """{(topic, partition): (low, high)} of many partitions at once (two batched requests)."""
        check_timeout(timeout)
        return self._kafka.watermark_ranges(_keys(partitions), Deadline.of(timeout).remaining(0.001))

    def cached_high_watermarks(self, partitions) -> dict:
        return self._kafka.cached_high_watermarks(_keys(partitions))

    def offsets_for_times(self, topic: str, partitions: list[int], timestamp_ms: int, timeout: float = 10.0) -> dict:
        """{partition: first offset at or after timestamp_ms, -1 when there is none}."""
        check_name(topic, "topic name")
        partitions = [check_partition(p) for p in check_list(partitions, "partitions")]
        check_int(timestamp_ms, "timestamp_ms", 0, INT64_MAX)
        check_timeout(timeout)
        return self._kafka.offsets_for_times(topic, partitions, timestamp_ms, Deadline.of(timeout).remaining(0.001))

    def topics(self, timeout: float = 10.0, topic: str | None = None) -> dict:
        """{topic: sorted partition ids, None when the cluster reports an error for it}."""
        check_timeout(timeout)
        if topic is not None:
            check_name(topic, "topic name")
        return self._kafka.topics(Deadline.of(timeout).remaining(0.001), topic)

    def group_metadata(self):
        """Opaque group metadata for TransactionClient.send_offsets (exactly-once consume-process-produce)."""
        return self._kafka.group_metadata()

    # -- the end --

    def close(self, timeout: float | Deadline = 10.0) -> bool:
        """Leave the group and free the client, giving up after timeout (a coordinator that is gone
        can hold librdkafka's close for a minute). Returns False when it gave up; offsets not committed
        by then are read again by the next member (at-least-once). Safe to call twice."""
        if self._closed or self._closing:
            return True
        check_timeout(timeout)
        # Open until the library's close returns: it runs the revoke callback, which may commit.
        self._closing = True
        deadline = Deadline.of(timeout)
        seconds = round(deadline.remaining(), 3)
        try:
            run_bounded(self._kafka.close, deadline, "consumer-close")
        except BrokerUnavailable:
            # Info, not a warning: the caller learns it from the result, and it happens when the
            # cluster is gone, which the caller reports as its one error line (-v shows this).
            log.event("consumer_close_timeout", logging.INFO, timeout_s=seconds)
            return False
        except Exception as exc:  # noqa: BLE001 - reported, the exit proceeds
            log.event("consumer_close_failed", logging.WARNING, error=str(exc))
            return False
        finally:
            self._closed = True
        return True


__all__ = ["ConsumerClient", "ConsumerEvent", "ConsumerRecord", "TopicPartitionOffset"]
