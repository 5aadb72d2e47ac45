"""What the consume reads: the topics and partitions (checked before reading: exit 4, never a
wait forever), where each starts, which are assigned and which are done (--until), and whether
a topic was deleted while it was read."""

from __future__ import annotations

import re
import time

from kctl import log
from kctl.client.consumer import ConsumerClient
from kctl.errors import BrokerUnavailable, KctlError, NotFoundError
from kctl.services.consume.options import ConsumeOptions

Key = tuple  # (topic, partition)


def resolve_topics(client: ConsumerClient, opts: ConsumeOptions, timeout: float) -> dict[str, list[int]]:
    """{topic: partitions}. Named topics are asked for one by one, which also tells librdkafka their leaders."""
    if opts.pattern:
        known = client.topics(timeout)
    else:
        known = {}
        for name in opts.topics:
            known.update(client.topics(timeout, topic=name))
    out: dict[str, list[int]] = {}
    for name in opts.topics:
        if known.get(name) is None:
            raise NotFoundError(f"topic {name} not found", hint="see `kctl topics list`")
        out[name] = known[name]
    if opts.pattern:
        regex = re.compile(opts.pattern)
        for name, partitions in sorted(known.items()):
            if not name.startswith("__") and regex.fullmatch(name) and partitions is not None:
                out.setdefault(name, partitions)
        if not out:
            raise NotFoundError(f"no topic matches --pattern {opts.pattern!r}", hint="see `kctl topics list`")
    if opts.partitions:
        for name, partitions in out.items():
            missing = [p for p in opts.partitions if p not in partitions]
            if missing:
                raise NotFoundError(f"topic {name} has no partition {','.join(map(str, missing))}",
                                    hint=f"it has {len(partitions)} partitions")
            out[name] = list(opts.partitions)
    return out


def start_offsets(client: ConsumerClient, opts: ConsumeOptions, keys: list[Key], timeout: float) -> dict:
    start = opts.start
    if start.kind == "beginning":
        return {k: client.OFFSET_BEGINNING for k in keys}
    if start.kind == "end":
        return {k: client.OFFSET_END for k in keys}
    if start.kind == "stored":
        return {k: client.OFFSET_STORED for k in keys}
    if start.kind == "offset":
        return {k: start.value for k in keys}
    if start.kind == "partitions":
        per_partition = dict(start.offsets)
        return {k: per_partition[k[1]] for k in keys if k[1] in per_partition}
    if start.kind == "tail":
        out = {}
        for topic, partition in keys:
            low, high = client.watermarks(topic, partition, timeout)
            out[(topic, partition)] = max(low, high - start.value)
        return out
    by_topic: dict[str, list[int]] = {}
    for topic, partition in keys:
        by_topic.setdefault(topic, []).append(partition)
    out = {}
    for topic, partitions in by_topic.items():
        for partition, offset in client.offsets_for_times(topic, partitions, start.value, timeout).items():
            out[(topic, partition)] = offset if offset >= 0 else client.OFFSET_END
    return out


def at_end_already(client: ConsumerClient, opts: ConsumeOptions, keys: list[Key], timeout: float) -> set:
    """With --until end, the partitions that are at their end before reading anything: empty
    ones (low == high, whatever the start), or all of them with --from end. Two batched
    watermark requests, asked only for --until end."""
    if opts.until is None or opts.until.kind != "end" or not keys:
        return set()
    if opts.start.kind == "end":
        return set(keys)
    try:
        ranges = client.watermark_ranges(keys, min(timeout, 2.0))  # a short cut: never a long wait
    except KctlError as exc:  # a leader away, say: read, and let the fetches find the end
        log.event("watermarks_unknown", error=exc.message)
        return set()
    return {key for key, (low, high) in ranges.items() if low >= high}


class Partitions:
    """The partitions this process reads (assigned) and those that reached --until (stopped)."""

    def __init__(self, client: ConsumerClient):
        self.client = client
        self.assigned: set = set()
        self.stopped: set = set()
        self.seen: set = set()  # every partition assigned during the run

    def changed(self, added, removed) -> None:
        self.seen.update(added)
        self.assigned.update(added)
        self.stopped.difference_update(added)
        self.assigned.difference_update(removed)
        self.stopped.difference_update(removed)

    def stop(self, key: Key) -> None:
        if key in self.stopped:
            return
        self.stopped.add(key)
        self.client.pause([key])
        log.event("partition_done", topic=key[0], partition=key[1])

    def done_at_start(self, keys) -> None:
        """Partitions that were never assigned because there is nothing to read in them."""
        for key in sorted(keys):
            self.stopped.add(key)
            log.event("partition_done", topic=key[0], partition=key[1])

    def all_stopped(self) -> bool:
        return bool(self.assigned) and self.assigned <= self.stopped

    def check_caught_up(self) -> None:
        """--until end without waiting for the end-of-partition event: a partition whose next
        offset reached the high watermark of the last fetch response is done."""
        open_keys = self.assigned - self.stopped
        if not open_keys:
            return
        highs = self.client.cached_high_watermarks(open_keys)
        if not highs:
            return
        for key, position in self.client.position(highs).items():
            if position >= highs[key]:
                self.stop(key)


class TopicWatch:
    """What a consumer is not told: (1) a deleted topic sends it nothing at all (librdkafka keeps
    retrying quietly), so the topics are looked up every few seconds: one reported missing twice in
    a row was deleted; (2) a cluster that stopped answering (a broker SIGSTOPped, hung or killed)
    sends nothing either, and librdkafka waits for it for good: when no record came and no look-up
    was answered for `timeout` seconds (--timeout), the consume ends with exit 6. A consume that is
    merely idle on a cluster that answers its look-ups waits on (tail mode)."""

    EVERY_S = 2.0
    LOOKUP_S = 0.5  # short: an interrupt waits for it (see session.INTERRUPTED_CLOSE_S)
    RETRY_S = 0.5  # after a look-up the cluster did not answer

    def __init__(self, client: ConsumerClient, topics, timeout: float | None = None, bootstrap: str | None = None):
        self.client = client
        self.topics = sorted(topics)
        self.timeout = timeout
        self.bootstrap = bootstrap
        now = time.monotonic()
        self.next_at = now + self.EVERY_S
        self.missing: set = set()
        self.heard_at = now  # the last answer from the cluster: a look-up answered, or records
        self.unanswered = 0  # look-ups in a row without an answer

    def progress(self) -> None:
        """Records arrived: the cluster answers."""
        self.heard_at = time.monotonic()
        self.unanswered = 0

    def check(self) -> None:
        now = time.monotonic()
        if self.unanswered >= 2:  # between look-ups too: the exit comes --timeout after the last answer
            self.check_silence()
        if now < self.next_at:
            return
        try:
            # The whole topic list: a look-up of one deleted topic by name just times out.
            known = self.client.topics(self.LOOKUP_S)
        except Exception:  # noqa: BLE001 - the cluster is slow or away: not a deletion
            self.unanswered += 1
            self.next_at = time.monotonic() + self.RETRY_S
            self.check_silence()
            return
        self.heard_at = time.monotonic()
        self.unanswered = 0
        gone = {name for name in self.topics if known.get(name) is None}
        confirmed = gone & self.missing
        if confirmed:
            raise deleted(min(confirmed))
        self.missing = gone
        self.next_at = time.monotonic() + (0.5 if gone else self.EVERY_S)

    def check_silence(self) -> None:
        """ClusterSilent after two unanswered look-ups in a row (one slow answer on a busy machine
        is not an outage) and `timeout` seconds without a word from the cluster."""
        if self.timeout is None or self.unanswered < 2:
            return
        silent = time.monotonic() - self.heard_at
        if silent >= self.timeout:
            raise ClusterSilent(
                f"the cluster stopped answering: no record and no answer from {self.bootstrap or 'any broker'} "
                f"for {silent:.1f}s (--timeout {self.timeout:g})",
                hint="are the brokers running? try `kctl local status`, or raise --timeout")


class ClusterSilent(BrokerUnavailable):
    """No broker answered a consume's look-ups and no record came for --timeout seconds (exit 6)."""


class TopicDeleted(NotFoundError):
    """A topic being read was deleted (exit 4): its committed offsets went with it."""


def deleted(topic: str | None) -> TopicDeleted:
    return TopicDeleted(f"topic {topic or '?'} was deleted")
