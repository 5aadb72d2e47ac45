"""ConsumerClient: subscribe or assign, poll records, commit, look up offsets; close never hangs.

    from kctl.client import ConsumerClient
    with ConsumerClient(instance=0, group_id="audit", auto_offset_reset="earliest") as consumer:
        consumer.subscribe(["orders"])
        for record in consumer.poll(max_records=100, timeout=5):
            print(record.offset, record.value_text())
        consumer.commit()

Without group_id the consumer gets a private, never-committed group id (use assign()).
Every error is a KctlError (a wrong password: AuthError, exit 9).
"""

from __future__ import annotations

import logging
import uuid
from typing import Callable, Iterable

from kctl import log
from kctl.client.records import ConsumerEvent, ConsumerRecord, TopicPartitionOffset
from kctl.deadline import Deadline, run_bounded
from kctl.errors import BrokerUnavailable

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


def _offsets(offsets) -> dict:
    """{(topic, partition): offset} from a dict or an iterable of TopicPartitionOffset/(t, p, o)."""
    if isinstance(offsets, dict):
        return dict(offsets)
    out = {}
    for item in offsets:
        if isinstance(item, TopicPartitionOffset):
            out[(item.topic, item.partition)] = item.offset
        else:
            topic, partition, offset = item
            out[(topic, partition)] = offset
    return out


def _keys(partitions) -> list:
    return [(p.topic, p.partition) if isinstance(p, TopicPartitionOffset) else (p[0], p[1]) for p in partitions]


class ConsumerClient:
    OFFSET_BEGINNING = -2
    OFFSET_END = -1
    OFFSET_STORED = -1000

    def __init__(self, conf: dict | None = None, *, instance: int | None = None, bootstrap: str | None = None,
                 context: str | None = None, group_id: str | None = None, **options):
        """conf: librdkafka properties (or resolved from instance/bootstrap/context, like kctl -i/-b/--context);
        options: more properties with '_' for '.' (auto_offset_reset="earliest")."""
        from kctl.client.conf import resolve_conf
        from kctl.kafka.consumer import KafkaConsumer

        conf = resolve_conf(conf, instance=instance, bootstrap=bootstrap, context=context)
        conf.update({name.replace("_", "."): value for name, value in options.items()})
        if group_id is not None:
            conf["group.id"] = group_id
        if "group.id" not in conf:  # assign() only: a private group that never commits
            conf["group.id"] = f"kctl-client-{uuid.uuid4().hex[:12]}"
            conf.setdefault("enable.auto.commit", False)
        self.conf = conf
        self._kafka = KafkaConsumer(conf)
        self._closed = False

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
        from kctl.kafka.consumer import RebalanceListener

        listener = RebalanceListener(self._kafka.cooperative, on_assign, on_revoke, on_lost)
        self._kafka.subscribe(list(topics), listener)

    def assign(self, partitions) -> None:
        """Read these partitions from these offsets: {(topic, partition): offset} or [TopicPartitionOffset]
        (OFFSET_BEGINNING, OFFSET_END, OFFSET_STORED or an offset)."""
        self._kafka.assign(_offsets(partitions))

    def assignment(self) -> list[tuple[str, int]]:
        return self._kafka.assignment()

    def pause(self, partitions) -> None:
        self._kafka.pause(_keys(partitions))

    def seek(self, topic: str, partition: int, offset: int) -> None:
        self._kafka.seek(topic, partition, offset)

    # -- reading --

    def poll(self, max_records: int = 500, timeout: float = 1.0) -> list[ConsumerRecord]:
        """Up to max_records records, waiting up to timeout seconds for the first. End-of-partition
        events are skipped; a deleted topic raises NotFoundError, a fatal error its KctlError."""
        records = []
        for item in self.poll_items(max_records, timeout):
            if isinstance(item, ConsumerRecord):
                records.append(item)
            elif item.error is not None:
                raise item.error
            elif item.kind == "transient":
                log.event("consumer_error", logging.DEBUG, error=item.message, retriable=item.retriable)
        if not records:
            auth = self._kafka.auth_failure()
            if auth is not None:
                raise auth
        return records

    def poll_items(self, max_records: int = 500, timeout: float = 1.0) -> list:
        """Like poll() but with the ConsumerEvents (eof, errors) in place, unraised."""
        return self._kafka.poll_batch(max_records, timeout).items()

    def poll_batch(self, max_records: int = 500, timeout: float = 1.0):
        """The bulk path: an opaque batch with .values() (one list of bytes, no record objects),
        .items() and .next_offsets(count)."""
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
        return self._kafka.committed(_keys(partitions), Deadline.of(timeout).remaining(0.001))

    def watermarks(self, topic: str, partition: int, timeout: float = 10.0, cached: bool = False) -> tuple[int, int]:
        """(low, high): the first offset and the offset after the last record (cached: of the last fetch)."""
        if cached:
            high = self._kafka.cached_high_watermarks([(topic, partition)]).get((topic, partition), -1)
            return (-1, high)
        return self._kafka.watermarks(topic, partition, Deadline.of(timeout).remaining(0.001))

    def watermark_ranges(self, partitions, timeout: float | Deadline = 10.0) -> dict:
        """{(topic, partition): (low, high)} of many partitions at once (two batched requests)."""
        return self._kafka.watermark_ranges(_keys(partitions), Deadline.of(timeout).remaining(0.001))

    def cached_high_watermarks(self, partitions) -> dict:
        return self._kafka.cached_high_watermarks(_keys(partitions))

    def offsets_for_times(self, topic: str, partitions: list[int], timestamp_ms: int, timeout: float = 10.0) -> dict:
        """{partition: first offset at or after timestamp_ms, -1 when there is none}."""
        return self._kafka.offsets_for_times(topic, partitions, timestamp_ms, Deadline.of(timeout).remaining(0.001))

    def topics(self, timeout: float = 10.0, topic: str | None = None) -> dict:
        """{topic: sorted partition ids, None when the cluster reports an error for it}."""
        return self._kafka.topics(Deadline.of(timeout).remaining(0.001), topic)

    def group_metadata(self):
        """Opaque group metadata for TransactionClient.send_offsets (exactly-once consume-process-produce)."""
        return self._kafka.group_metadata()

    # -- the end --

    def close(self, timeout: float | Deadline = 10.0) -> bool:
        """Leave the group and free the client, giving up after timeout (a coordinator that is gone
        can hold librdkafka's close for a minute). Returns False when it gave up; offsets not committed
        by then are read again by the next member (at-least-once). Safe to call twice."""
        if self._closed:
            return True
        self._closed = True
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
        return True


__all__ = ["ConsumerClient", "ConsumerEvent", "ConsumerRecord", "TopicPartitionOffset"]
