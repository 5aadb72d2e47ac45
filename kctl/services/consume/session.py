"""One `kctl consume` from start to end: check the topics, assign or subscribe, run the loop,
and on every way out (a stop condition, Ctrl-C, SIGTERM, a closed or failing stdout, a deleted
topic, an error) commit what was written and close within a bounded time."""

from __future__ import annotations

import logging
import time

from kctl import log
from kctl.client.consumer import ConsumerClient
from kctl.deadline import Deadline, run_bounded
from kctl.errors import KctlError, NotFoundError, OutputError
from kctl.models import ConsumeSummary
from kctl.outputs import Output
from kctl.services.consume.commits import Commits
from kctl.services.consume.loop import ConsumeLoop
from kctl.services.consume.options import ConsumeOptions
from kctl.services.consume.partitions import (
    ClusterSilent,
    Partitions,
    TopicDeleted,
    TopicWatch,
    at_end_already,
    resolve_topics,
    start_offsets,
)
from kctl.services.consume.signals import DeferredInterrupts
from kctl.services.consume.writer import ChunkWriter, OutputClosed, OutputFailed, WriteInterrupted

# On Ctrl-C/SIGTERM kctl must be gone within 2 s whatever the cluster does: the loop notices
# within a poll (0.1 s) or a topic look-up (0.5 s), then this long for the last commit and for
# leaving the group (a member that cannot leave is evicted after
# session.timeout.ms; what it could not commit is read again: at-least-once).
INTERRUPTED_CLOSE_S = 1.4
# After the cluster said nothing for --timeout (ClusterSilent): the last commit and the goodbye
# cannot reach it either.
SILENT_CLOSE_S = 0.5


class ConsumeSession:
    def __init__(self, conf: dict, opts: ConsumeOptions, output: Output, stream, timeout: float, on_done=None):
        self.on_done = on_done
        self.conf = conf
        self.opts = opts
        self.output = output
        self.stream = stream
        self.timeout = timeout
        self.interrupts = DeferredInterrupts()
        self.client: ConsumerClient | None = None
        self.loop: ConsumeLoop | None = None
        self.first_assignment = True
        # After a topic was deleted its offsets cannot be committed: expected, not worth a warning.
        self.commit_failure_level = logging.WARNING

    def run(self) -> ConsumeSummary:
        started = time.perf_counter()
        with self.interrupts:
            self.client = ConsumerClient(self.conf)
            self.partitions = Partitions(self.client)
            self.commits = Commits(self.client, self.opts.commit, self.bounded)
            reason = ""
            try:
                self.start()
                self.loop.run()
                reason = self.loop.reason
            except OutputClosed:
                self.close(max(1.0, self.timeout))
                self.finish(started, "output_closed")
                raise BrokenPipeError("output closed") from None
            except OutputFailed as failed:
                self.close(max(1.0, self.timeout))
                self.finish(started, "output_failed")
                raise OutputError(f"cannot write to stdout: {failed.reason}") from None
            except TopicDeleted:
                self.commit_failure_level = logging.DEBUG
                self.close(max(1.0, self.timeout))
                raise
            except ClusterSilent:
                # --timeout is spent already: nothing can be committed, leaving the group is a courtesy
                self.commit_failure_level = logging.DEBUG
                self.close(SILENT_CLOSE_S)
                raise
            except (KeyboardInterrupt, WriteInterrupted) as exc:  # Ctrl-C, or SIGTERM (kctl.errors.Terminated)
                self.close(INTERRUPTED_CLOSE_S)
                self.finish(started, "interrupted")
                if isinstance(exc, WriteInterrupted):  # noticed in the middle of a write
                    self.interrupts.raise_pending()
                raise
            except BaseException:
                self.close(max(1.0, self.timeout))
                raise
            self.close(max(1.0, self.timeout))
        return self.finish(started, reason)

    def interruptible(self, fn, what: str, timeout: float | None = None):
        """fn() in a helper thread while the main thread watches for Ctrl-C/SIGTERM, so that
        look-ups and commits against a cluster that does not answer never delay an interrupt.
        With a timeout: BrokerUnavailable when fn has not returned by then."""
        return run_bounded(fn, timeout, what, watch=self._raise_pending_interrupt)

    def _raise_pending_interrupt(self) -> None:
        if self.interrupts.pending:
            self.interrupts.raise_pending()

    def bounded(self, fn, what: str):
        return self.interruptible(fn, what, self.timeout)

    def start(self) -> None:
        client, opts = self.client, self.opts
        topics = self.interruptible(lambda: resolve_topics(client, opts, self.timeout), "metadata")
        if opts.group:
            # The consumer protocol's broker check (group.version), once the cluster answered (a
            # cluster that does not is the metadata step's error), and where a signal ends it.
            self.bounded(lambda: client.check_group_protocol(self.timeout), "features")
        self.loop = ConsumeLoop(client, opts, self.output, ChunkWriter(self.stream, stop=lambda: self.interrupts.pending),
                                self.partitions, self.commits,
                                TopicWatch(client, topics, self.timeout, self.conf.get("bootstrap.servers")),
                                self.interrupts)
        if opts.group:
            client.subscribe(sorted(topics), on_assign=self.assigned, on_revoke=self.revoked, on_lost=self.lost)
            log.event("subscribed", group=opts.group, topics=",".join(sorted(topics)))
        else:
            keys = [(t, p) for t, ps in sorted(topics.items()) for p in ps]
            if opts.pattern:
                # One look-up per topic tells librdkafka its partition leaders before assign()
                # (else it retries its leader query: about 0.5 s before the first fetch).
                self.interruptible(lambda: [client.topics(self.timeout, topic=t) for t in sorted(topics)], "leaders")
            offsets = self.interruptible(lambda: start_offsets(client, opts, keys, self.timeout), "offsets")
            done = self.interruptible(lambda: at_end_already(client, opts, keys, self.timeout), "watermarks")
            # A partition with nothing to read is not assigned at all: no fetch to wait for
            # (an empty topic's first fetch answers only after fetch.wait.max.ms).
            client.assign({k: o for k, o in offsets.items() if k not in done})
            self.partitions.changed(keys, [])
            self.partitions.done_at_start(done)
            log.event("partitions_assigned", count=len(keys) - len(done), mode="assign")

    # -- rebalance callbacks (run inside poll, in the main thread) --

    def assigned(self, partitions) -> dict:
        keys = [(tp.topic, tp.partition) for tp in partitions]
        offsets = {}
        # --from applies to the first assignment this process gets; later rebalances continue
        # from the group's committed offsets, so members never rewind each other.
        if self.first_assignment and keys:
            self.first_assignment = False
            if self.opts.start.kind != "stored":
                offsets = start_offsets(self.client, self.opts, keys, self.timeout)
        self.partitions.changed(keys, [])
        return offsets

    def revoked(self, partitions) -> None:
        try:
            self.commits.on_revoke(partitions)
        except KctlError as exc:
            # Partitions are revoked when their topic is deleted, and their offsets cannot be
            # committed any more: the topic watch reports that; nothing to warn about here.
            level = logging.DEBUG if isinstance(exc, NotFoundError) else self.commit_failure_level
            log.event("commit_on_revoke_failed", level, error=exc.message)
        finally:
            self.partitions.changed([], [(tp.topic, tp.partition) for tp in partitions])

    def lost(self, partitions) -> None:
        self.partitions.changed([], [(tp.topic, tp.partition) for tp in partitions])

    # -- the end --

    def close(self, budget: float) -> None:
        """Commit what was written and leave the group, within `budget` seconds in all. A signal
        that comes meanwhile ends the wait (the budget of a normal end is the whole --timeout)."""
        deadline = Deadline.after(budget)

        def work():
            try:
                self.commits.final(deadline)
            except KctlError as exc:
                log.event("final_commit_failed", self.commit_failure_level, error=exc.message)
            self.client.close(deadline.remaining(0.2))

        if self.interrupts.pending:  # already on the way out after a signal: the short budget
            work()
        else:
            self.interruptible(work, "close")

    def finish(self, started: float, reason: str) -> ConsumeSummary:
        loop = self.loop
        summary = ConsumeSummary(messages=loop.written if loop else 0, bytes=loop.bytes if loop else 0,
                                 skipped=loop.skipped if loop else 0, reason=reason,
                                 duration_ms=round((time.perf_counter() - started) * 1000), group=self.opts.group,
                                 partitions=len(self.partitions.seen))
        log.event("consume_done", messages=summary.messages, bytes=summary.bytes, skipped=summary.skipped,
                  reason=summary.reason, duration_ms=summary.duration_ms)
        if self.on_done is not None:
            self.on_done(summary)
        return summary
