"""The consume loop: poll a batch, write it, report what was written to the commit policy.

The hot path (value-only output, nothing to filter) reads the batch's values in one list
comprehension and writes them with one write() call; everything else goes through the
per-record path (ConsumerRecord objects, rendered one by one).
"""

from __future__ import annotations

import gc
import logging
import time
from itertools import accumulate

from kctl import log
from kctl.client.consumer import ConsumerClient
from kctl.errors import AuthError
from kctl.models.records import ConsumerRecord
from kctl.outputs import Output
from kctl.services.consume.commits import Commits
from kctl.services.consume.options import ConsumeOptions, matches
from kctl.services.consume.partitions import Partitions, TopicWatch, deleted
from kctl.services.consume.signals import DeferredInterrupts
from kctl.services.consume.writer import ChunkWriter, OutputClosed, WriteStopped

POLL_S = 0.1


class ConsumeLoop:
    def __init__(self, client: ConsumerClient, opts: ConsumeOptions, output: Output, writer: ChunkWriter,
                 partitions: Partitions, commits: Commits, watch: TopicWatch, interrupts: DeferredInterrupts):
        self.client = client
        self.opts = opts
        self.output = output
        self.writer = writer
        self.partitions = partitions
        self.commits = commits
        self.watch = watch
        self.interrupts = interrupts
        self.written = 0
        self.bytes = 0
        self.skipped = 0
        self.reason = ""
        self.warned: set = set()
        until = opts.until
        self.until_end = until is not None and until.kind == "end"
        self.until_offset = until.value if until is not None and until.kind == "offset" else None
        self.until_time = until.value if until is not None and until.kind == "time" else None
        self.fast = output.raw_values and not opts.matches and opts.where is None and self.until_offset is None and self.until_time is None
        # Into a pipe, a group member writes (and then commits) at most 64 KiB at a time, so a
        # slow reader still sees progress committed; files and /dev/null get whole batches.
        self.chunk_bytes = 1 << 22
        if writer.is_fifo and commits.tracks:
            self.fast = False
            self.chunk_bytes = 1 << 16

    def run(self) -> None:
        poll_batch = self.client.poll_batch
        max_messages = self.opts.max_messages
        batch_size = self.opts.batch_size
        idle = self.opts.idle_timeout
        bounded = self.until_end or self.until_offset is not None or self.until_time is not None
        interrupts = self.interrupts
        last_activity = time.monotonic()
        # Message objects hold no reference cycles; the cyclic GC would only rescan every
        # batch of them (about a fifth of the CPU time of a bulk read).
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            while True:
                if bounded and self.partitions.all_stopped():
                    self.reason = "end" if self.until_end else "until"
                    return
                if interrupts.pending:
                    interrupts.raise_pending()
                wanted = batch_size if max_messages is None else min(batch_size, max_messages - self.written)
                batch = poll_batch(wanted, POLL_S)
                if not len(batch):
                    if idle is not None and time.monotonic() - last_activity >= idle:
                        self.reason = "idle"
                        return
                    if self.writer.reader_gone():
                        raise OutputClosed(0)
                    auth = self.client.auth_failure()
                    if auth is not None:
                        raise auth
                    self.watch.check()
                    continue
                last_activity = time.monotonic()
                if self.fast and self.try_fast(batch):
                    if max_messages is not None and self.written >= max_messages:
                        self.reason = "max_messages"
                        return
                elif self.process(batch.items()):
                    return
                if self.until_end:
                    self.partitions.check_caught_up()
                self.watch.check()
        finally:
            if gc_was_enabled:
                gc.enable()

    # -- the hot path --

    def try_fast(self, batch) -> bool:
        """Value-only output of a batch without events: one list comprehension, one write."""
        values = batch.values()
        if values is None:
            return False
        self.watch.progress()
        max_messages = self.opts.max_messages
        if max_messages is not None and self.written + len(values) > max_messages:
            return False
        try:
            data = b"\n".join(values) + b"\n"
        except TypeError:  # a tombstone (None value) prints as an empty line
            values = [v or b"" for v in values]
            data = b"\n".join(values) + b"\n"
        try:
            self.writer.write(data)
        except WriteStopped as stopped:
            complete = sum(1 for end in accumulate(len(v) + 1 for v in values) if end <= stopped.accepted)
            self.written += complete
            self.commits.written(batch.next_offsets(complete))
            raise
        self.written += len(values)
        self.bytes += len(data)
        if self.commits.tracks:
            # Every message handed out so far is now written: the positions are the offsets to commit.
            self.commits.written(self.client.position(self.partitions.assigned))
        return True

    # -- the per-record path --

    def process(self, items: list) -> bool:
        """Render, filter and write records. Returns True when the run is complete."""
        render = self.output.render
        rules = self.opts.matches
        where = self.opts.where
        max_messages = self.opts.max_messages
        until_offset, until_time = self.until_offset, self.until_time
        stopped = self.partitions.stopped
        chunk_limit = self.chunk_bytes
        entries: list = []  # (bytes or None if filtered out, (topic, partition), next offset)
        pending = 0
        rendered = 0  # entries with bytes since the last flush (counted, not rescanned per record)
        done = False
        heard = False
        for item in items:
            if not isinstance(item, ConsumerRecord):
                self.handle_event(item)
                continue
            if not heard:  # records (not librdkafka's error events): the cluster answers
                heard = True
                self.watch.progress()
            key = (item.topic, item.partition)
            if key in stopped:
                continue
            offset = item.offset
            if until_offset is not None and offset >= until_offset:
                self.partitions.stop(key)
                continue
            if until_time is not None and item.timestamp_ms is not None and item.timestamp_ms >= until_time:
                self.partitions.stop(key)
                continue
            if (rules and not matches(item, rules)) or (where is not None and not where(item)):
                entries.append((None, key, offset + 1))
                self.skipped += 1
            else:
                data = render(item)
                entries.append((data, key, offset + 1))
                pending += len(data)
                rendered += 1
            if until_offset is not None and offset + 1 >= until_offset:
                self.partitions.stop(key)
            if max_messages is not None and self.written + rendered >= max_messages:
                self.reason = "max_messages"
                done = True
                break
            if pending >= chunk_limit:
                self.flush(entries)
                entries, pending, rendered = [], 0, 0
        self.flush(entries)
        return done

    def flush(self, entries: list) -> None:
        """Write rendered records with one write; then store/commit their offsets."""
        if not entries:
            return
        data = b"".join(e[0] for e in entries if e[0] is not None)
        try:
            if data:
                self.writer.write(data)
        except WriteStopped as stopped:
            complete = []
            end = 0
            for entry in entries:
                end += len(entry[0] or b"")
                if end > stopped.accepted:
                    break
                complete.append(entry)
            self.written += sum(1 for e in complete if e[0] is not None)
            self.commits.written({e[1]: e[2] for e in complete})
            raise
        self.written += sum(1 for e in entries if e[0] is not None)
        self.bytes += len(data)
        self.commits.written({e[1]: e[2] for e in entries})

    def handle_event(self, event) -> None:
        key = (event.topic, event.partition)
        if event.kind == "eof":
            self.watch.progress()  # from a fetch response
            if self.until_end:
                self.partitions.stop(key)
            elif self.until_offset is not None and event.offset >= self.until_offset:
                self.partitions.stop(key)
            elif self.until_time is not None and self.until_time <= int(time.time() * 1000):
                self.partitions.stop(key)
            return
        if event.kind == "not_found":
            # Every topic existed when the consume started: it was deleted since.
            raise deleted(event.topic)
        if event.kind == "fatal":
            raise _named(event, self.opts)
        level = logging.WARNING if event.code not in self.warned else logging.DEBUG
        self.warned.add(event.code)
        log.event("consumer_error", level, error=event.message, retriable=event.retriable)


def _named(event, opts: ConsumeOptions) -> Exception:
    """librdkafka's fetch authorization error names no topic ("Fetch from broker 1 failed: Topic
    authorization failed"): say which topic(s) this consumer was denied."""
    if not isinstance(event.error, AuthError) or event.code != "TOPIC_AUTHORIZATION_FAILED":
        return event.error
    topics = event.topic or ", ".join(opts.topics) or f"matching {opts.pattern}"
    return AuthError(f"not authorized to read topic {topics} ({event.message})",
                     hint="it needs READ and DESCRIBE on the topic: `kctl acls create --principal User:NAME "
                          "--operation read --resource-type topic --resource-name TOPIC`")
