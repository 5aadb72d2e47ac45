"""`kctl consume --share-group G`: read as a member of a share group (KIP-932, "queues").

A share group has no partition assignment of its own and no offsets per member: the broker hands
each member batches of records it *acquires* for a lock time (the group config
share.record.lock.duration.ms, 30 s by default), and the member acknowledges each one: accept (done),
release (delivered again, to any member, its delivery count one higher) or reject (never again).
Records not acknowledged when their lock expires, or held by a member that died, come back too.

kctl acknowledges in explicit mode: a printed record gets --ack (after it was written: at least
once), a record that fails --match/--where gets --ack-on-skip, and whatever was acquired but not
printed (past -n, cut off by Ctrl-C/SIGTERM or a closed stdout) is released. Positions do not exist
for a member: --from, --until and --partition do not apply; -n and --idle-timeout do.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from kctl import log
from kctl.deadline import Deadline, run_bounded
from kctl.errors import BrokerUnavailable, KctlError, NotFoundError, OutputError, UsageError
from kctl.client.admin import AdminClient
from kctl.kafka.share_consumer import ACK_TYPES, KafkaShareConsumer
from kctl.models import ConsumeSummary
from kctl.models.records import ShareRecord
from kctl.outputs import Output
from kctl.services.consume.options import Match, matches, utf8
from kctl.services.consume.signals import DeferredInterrupts
from kctl.services.consume.writer import ChunkWriter, OutputClosed, OutputFailed, WriteInterrupted, WriteStopped

FEATURE = "share.version"
POLL_S = 0.1
# Ctrl-C/SIGTERM: gone within 2 s. The acknowledgements of what was printed get this long, the
# goodbye to the group what is left of it (a member that cannot say it is evicted after the
# group's share.session.timeout.ms; its records come back when their locks expire).
INTERRUPTED_CLOSE_S = 1.4
MAX_BATCH = 100_000  # records one poll may hand out (librdkafka's share fetch sizes bound it)


@dataclass(frozen=True)
class ShareOptions:
    group: str
    topics: tuple[str, ...] = ()
    ack: str = "accept"  # for records written to stdout
    ack_on_skip: str = "release"  # for records that fail --match/--where
    max_messages: int | None = None
    idle_timeout: float | None = None
    matches: tuple[Match, ...] = field(default_factory=tuple)
    where: object = None

    def validated(self) -> "ShareOptions":
        if not isinstance(self.group, str) or not self.group:
            raise UsageError("--share-group needs a group name")
        utf8(self.group, "--share-group")
        if not self.topics:
            raise UsageError("name at least one topic (a share group subscribes to topics by name)")
        for topic in self.topics:
            utf8(topic, "topic")
        for value, option in ((self.ack, "--ack"), (self.ack_on_skip, "--ack-on-skip")):
            if value not in ACK_TYPES:
                raise UsageError(f"{option} must be one of {', '.join(ACK_TYPES)}, got {value!r}"[:200])
        if self.max_messages is not None and self.max_messages < 1:
            raise UsageError("--max-messages must be at least 1")
        if self.idle_timeout is not None and not 0 < self.idle_timeout < float("inf"):
            raise UsageError(f"--idle-timeout must be a positive number of seconds, got {self.idle_timeout:g}")
        return self


# The consume options that have no meaning for a share-group member, as the CLI names them.
NOT_FOR_SHARE = ("--from", "--until", "--partition", "--group", "--pattern", "--commit", "--assignment",
                 "--group-protocol", "--assignor", "--isolation")


def refuse_not_for_share(given: list[str]) -> None:
    """UsageError naming every option given that a share-group member cannot honour."""
    if given:
        raise UsageError(f"--share-group cannot be combined with {', '.join(given)}",
                         hint="a share group's broker decides which records each member gets: no positions, "
                              "partitions or commits (the isolation level is the group config share.isolation.level); "
                              "-n and --idle-timeout end a member")


def share_conf(base: dict, opts: ShareOptions) -> dict:
    conf = dict(base)
    conf["group.id"] = opts.group
    # Settings of the classic consumer that a ShareConsumer refuses or ignores.
    for key in ("enable.auto.commit", "enable.auto.offset.store", "auto.offset.reset", "isolation.level",
                "group.protocol", "group.remote.assignor", "partition.assignment.strategy", "enable.partition.eof"):
        conf.pop(key, None)
    return conf


def refusal(broker_version: str, feature) -> UsageError | None:
    """The error for a cluster whose share.version is not finalized at 1 or more (pure: feature is a
    FeatureLevel or None when the brokers do not know it at all)."""
    level = (feature.finalized or 0) if feature is not None else 0
    if level >= 1:
        return None
    if feature is None or feature.max_supported < 1:
        return UsageError(f"share groups (KIP-932) need {FEATURE} >= 1; this cluster's brokers (Kafka {broker_version}) "
                          f"do not support {FEATURE}", hint="share groups work from Kafka 4.2 (4.1 as a preview)")
    return UsageError(f"share groups (KIP-932) need {FEATURE} >= 1; the cluster (Kafka {broker_version}) has "
                      f"{FEATURE} {level}", hint=f"the brokers support up to {feature.max_supported}: "
                                                  f"kctl cluster features upgrade {FEATURE} --level 1")


def check_cluster(conf: dict, topics: tuple[str, ...], timeout: float) -> None:
    """Before any member joins: UsageError (exit 2) when the cluster has no share groups (librdkafka's
    ShareConsumer would retry its heartbeat without a word), NotFoundError (exit 4) for a topic that
    does not exist (it would wait for it as silently). An unreachable cluster is the usual exit 6."""
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin:
        admin.ensure_reachable(deadline)
        feature = {f.name: f for f in admin.features(deadline)}.get(FEATURE)
        if feature is None or (feature.finalized or 0) < 1:
            brokers = admin.describe_cluster(deadline).brokers
            version = admin.broker_version(brokers[0].id, deadline) if brokers else "unknown"
            raise refusal(version, feature)
        for topic in topics:
            if admin.topic(topic, deadline) is None:
                raise NotFoundError(f"topic {topic} not found", hint="see `kctl topics list`")


def consume_share(conf: dict, opts: ShareOptions, output: Output, stream, timeout: float,
                  on_done=None) -> ConsumeSummary:
    opts = opts.validated()
    return ShareSession(share_conf(conf, opts), opts, output, stream, timeout, on_done).run()


class ShareSession:
    def __init__(self, conf: dict, opts: ShareOptions, output: Output, stream, timeout: float, on_done=None):
        self.conf, self.opts, self.output, self.stream, self.timeout = conf, opts, output, stream, timeout
        self.on_done = on_done
        self.interrupts = DeferredInterrupts()
        self.client = None
        self.written = self.bytes = self.skipped = self.released = 0
        self.partitions: set = set()
        self.redelivered = 0  # records seen with a delivery count above 1

    def run(self) -> ConsumeSummary:
        started = time.perf_counter()
        reason = ""
        with self.interrupts:
            # check_cluster bounds itself by --timeout (its errors name the cluster): this bound is a backstop.
            run_bounded(lambda: check_cluster(self.conf, self.opts.topics, self.timeout),
                        Deadline.after(self.timeout + 1.0), "cluster check", watch=self._pending)
            self.client = KafkaShareConsumer(self.conf)
            writer = ChunkWriter(self.stream, stop=lambda: self.interrupts.pending)
            try:
                self.client.subscribe(list(self.opts.topics))
                log.event("share_subscribed", group=self.opts.group, topics=",".join(self.opts.topics))
                reason = self.loop(writer)
            except OutputClosed:
                self.close(max(1.0, self.timeout))
                self.finish(started, "output_closed")
                raise BrokenPipeError("output closed") from None
            except OutputFailed as failed:
                self.close(max(1.0, self.timeout))
                self.finish(started, "output_failed")
                raise OutputError(f"cannot write to stdout: {failed.reason}") from None
            except (KeyboardInterrupt, WriteInterrupted) as exc:
                self.close(INTERRUPTED_CLOSE_S)
                self.finish(started, "interrupted")
                if isinstance(exc, WriteInterrupted):
                    self.interrupts.raise_pending()
                raise
            except BaseException:
                self.close(max(1.0, self.timeout))
                raise
            self.close(max(1.0, self.timeout))
        return self.finish(started, reason)

    def _pending(self) -> None:
        if self.interrupts.pending:
            self.interrupts.raise_pending()

    def loop(self, writer: ChunkWriter) -> str:
        opts, client, interrupts = self.opts, self.client, self.interrupts
        last_activity = time.monotonic()
        while True:
            if interrupts.pending:
                interrupts.raise_pending()
            items = client.poll(POLL_S)
            records = [i for i in items if isinstance(i, ShareRecord)]
            for event in (i for i in items if not isinstance(i, ShareRecord)):
                if event.error is not None and event.kind in ("fatal", "not_found"):
                    raise event.error
                log.event("consumer_error", logging.DEBUG, error=event.message, retriable=event.retriable)
            if not records:
                if opts.idle_timeout is not None and time.monotonic() - last_activity >= opts.idle_timeout:
                    return "idle"
                if writer.reader_gone():
                    raise OutputClosed(0)
                auth = client.auth_failure()
                if auth is not None:
                    raise auth
                continue
            last_activity = time.monotonic()
            if self.handle(records, writer):
                return "max_messages"

    def handle(self, records: list[ShareRecord], writer: ChunkWriter) -> bool:
        """Write what passes the filters, then acknowledge every record of the batch (the explicit
        mode's rule before the next poll). True when -n is reached."""
        opts = self.opts
        printed: list[tuple[ShareRecord, bytes]] = []
        skipped: list[ShareRecord] = []
        rest: list[ShareRecord] = []  # acquired but past -n: released for the others
        for record in records:
            self.partitions.add((record.topic, record.partition))
            if (record.delivery_count or 0) > 1:
                self.redelivered += 1
            if opts.max_messages is not None and self.written + len(printed) >= opts.max_messages:
                rest.append(record)
            elif (opts.matches and not matches(record, opts.matches)) or (opts.where is not None and not opts.where(record)):
                skipped.append(record)
            else:
                printed.append((record, self.output.render(record)))
        data = b"".join(d for _, d in printed)
        accepted = len(data)
        stop = None
        try:
            if data:
                writer.write(data)
        except WriteStopped as stopped:
            accepted, stop = stopped.accepted, stopped
        end = 0
        for record, rendered in printed:
            end += len(rendered)
            if end <= accepted:
                self.client.acknowledge(record, opts.ack)
                self.written += 1
                self.bytes += len(rendered)
            else:  # not (wholly) written: someone else gets it
                self.client.acknowledge(record, "release")
                self.released += 1
        for record in skipped:
            self.client.acknowledge(record, opts.ack_on_skip)
            self.skipped += 1
        for record in rest:
            self.client.acknowledge(record, "release")
            self.released += 1
        if stop is not None:
            raise stop
        return opts.max_messages is not None and self.written >= opts.max_messages

    def close(self, budget: float) -> None:
        """Send the acknowledgements (commit_sync) and leave the group, within budget seconds."""
        if self.client is None:
            return
        deadline = Deadline.after(budget)
        client = self.client

        def work():
            try:
                failed = client.commit(deadline.remaining(0.1) * 0.7)
                for (topic, partition), error in sorted(failed.items()):
                    # An acknowledgement the broker refused (the lock expired, the member was evicted):
                    # the record is delivered again.
                    log.event("share_ack_refused", logging.WARNING, topic=topic, partition=partition, error=error)
            except KctlError as exc:
                log.event("share_ack_failed", logging.WARNING, error=exc.message)
            client.close()

        try:
            run_bounded(work, deadline, "share-close", watch=None if self.interrupts.pending else self._pending)
        except BrokerUnavailable:
            log.event("share_close_timeout", logging.INFO, timeout_s=round(budget, 3))
        except KctlError as exc:
            log.event("share_close_failed", logging.WARNING, error=exc.message)

    def finish(self, started: float, reason: str) -> ConsumeSummary:
        summary = ConsumeSummary(messages=self.written, bytes=self.bytes, skipped=self.skipped, reason=reason,
                                 duration_ms=round((time.perf_counter() - started) * 1000), group=self.opts.group,
                                 partitions=len(self.partitions))
        log.event("consume_done", messages=summary.messages, bytes=summary.bytes, skipped=summary.skipped,
                  released=self.released, redelivered=self.redelivered, reason=reason,
                  duration_ms=summary.duration_ms)
        if self.on_done is not None:
            self.on_done(summary)
        return summary
