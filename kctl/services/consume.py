"""Consume records and write them to a binary stream: assign mode or a consumer group.

Without a group kctl assigns the partitions itself and never commits (harmless by default).
With a group it subscribes, logs every rebalance, and by default commits an offset only after
the record was written to the output (`after-write`: offsets are stored once the write
returned and librdkafka's auto-commit, the revoke callback and close() commit them), which
gives at-least-once delivery to whatever reads kctl's output.

The hot path (value-only output, nothing to filter) touches each message once in a list
comprehension and writes each batch with one write() call; everything else goes through the
per-message path.
"""

from __future__ import annotations

import gc
import logging
import os
import re
import stat
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from itertools import accumulate

from kctl import log
from kctl.errors import NotFoundError, UsageError
from kctl.kafka import consumer as kc
from kctl.kafka.clients import cluster_metadata
from kctl.models import ConsumeSummary
from kctl.outputs import Output

COMMIT_MODES = ("after-write", "auto", "sync", "async", "none")
ASSIGNMENTS = {"range": "range", "roundrobin": "roundrobin", "cooperative-sticky": "cooperative-sticky"}
ISOLATION = ("read_committed", "read_uncommitted")
POLL_S = 0.1


# --- option parsing (pure, unit-tested) ----------------------------------------------------


@dataclass(frozen=True)
class Position:
    """Where to start or stop. kind: beginning end stored offset tail time (value = offset/N/ms)."""

    kind: str
    value: int = 0


_RELATIVE = re.compile(r"^-(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}


def parse_time(text: str, now_ms: int | None = None) -> int:
    """'@...' without the @: epoch ms, ISO 8601 (naive = local time) or relative (-1h, -30m, -90s, -2d)."""
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    text = text.strip()
    relative = _RELATIVE.match(text)
    if relative:
        return now_ms - int(float(relative.group(1)) * _UNIT_MS[relative.group(2)])
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        raise UsageError(f"cannot read time {text!r}",
                         hint="use epoch ms, ISO 8601 (2026-11-26T10:00:00Z) or relative (-1h, -30m, -2d)") from None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # naive: the local time zone
    return int(moment.timestamp() * 1000)


_INT64_MAX = 2**63 - 1  # offsets and timestamps are int64 on the wire


def _int64(value: int, option: str, text: str) -> int:
    if not -_INT64_MAX <= value <= _INT64_MAX:
        raise UsageError(f"{option}: {text!r} is out of range (offsets and timestamps are 64-bit)")
    return value


def parse_from(text: str | None, now_ms: int | None = None) -> Position | None:
    if text is None:
        return None
    value = text.strip()
    if value in ("beginning", "earliest", "start"):
        return Position("beginning")
    if value in ("end", "latest"):
        return Position("end")
    if value in ("stored", "committed"):
        return Position("stored")
    if value.startswith("@"):
        return Position("time", _int64(parse_time(value[1:], now_ms), "--from", text))
    if re.fullmatch(r"-\d+", value):
        return Position("tail", int(value[1:]))
    if value.isdigit():
        return Position("offset", _int64(int(value), "--from", text))
    raise UsageError(f"--from: cannot read {text!r}", hint="beginning, end, stored, OFFSET, -N, @TIMESTAMP or @-1h")


def parse_until(text: str | None, now_ms: int | None = None) -> Position | None:
    if text is None:
        return None
    value = text.strip()
    if value in ("end", "eof"):
        return Position("end")
    if value.startswith("@"):
        return Position("time", _int64(parse_time(value[1:], now_ms), "--until", text))
    if value.isdigit():
        return Position("offset", _int64(int(value), "--until", text))
    raise UsageError(f"--until: cannot read {text!r}", hint="end, OFFSET (exclusive) or @TIMESTAMP")


def parse_partitions(values: list[str] | None) -> tuple[int, ...] | None:
    if not values:
        return None
    out: list[int] = []
    for value in values:
        for item in value.split(","):
            item = item.strip()
            if not item:
                continue
            if not item.isdigit():
                raise UsageError(f"--partition expects numbers like 0,2,5, got {item!r}")
            if int(item) not in out:
                out.append(int(item))
    return tuple(out) or None


@dataclass(frozen=True)
class Match:
    field: str  # key, value or header
    header: str | None
    regex: re.Pattern


def parse_matches(values: list[str] | None) -> tuple[Match, ...]:
    out = []
    for value in values or ():
        name, sep, pattern = value.partition("=")
        if not sep:
            raise UsageError(f"--match expects key=REGEX, value=REGEX or header.NAME=REGEX, got {value!r}")
        try:
            regex = re.compile(pattern.encode("utf-8"))
        except re.error as exc:
            raise UsageError(f"--match {name}: invalid regular expression: {exc}") from None
        if name in ("key", "value"):
            out.append(Match(name, None, regex))
        elif name.startswith("header.") and len(name) > 7:
            out.append(Match("header", name[7:], regex))
        else:
            raise UsageError(f"--match: unknown field {name!r}", hint="key=REGEX, value=REGEX or header.NAME=REGEX")
    return tuple(out)


def matches(msg, rules: tuple[Match, ...]) -> bool:
    """All rules must hold (a null key/value/absent header never matches)."""
    for rule in rules:
        if rule.field == "value":
            data = msg.value()
            if data is None or not rule.regex.search(data):
                return False
        elif rule.field == "key":
            data = msg.key()
            if data is None or not rule.regex.search(data):
                return False
        else:
            if not any(name == rule.header and value is not None and rule.regex.search(value)
                       for name, value in msg.headers() or ()):
                return False
    return True


@dataclass(frozen=True)
class ConsumeOptions:
    topics: tuple[str, ...] = ()
    pattern: str | None = None
    group: str | None = None
    assignment: str | None = None
    commit: str | None = None  # default: after-write with a group, none without
    start: Position | None = None  # default: beginning without a group, stored with one
    partitions: tuple[int, ...] | None = None
    until: Position | None = None
    max_messages: int | None = None
    idle_timeout: float | None = None
    matches: tuple[Match, ...] = field(default_factory=tuple)
    isolation: str = "read_committed"
    batch_size: int = 10000

    def validated(self) -> "ConsumeOptions":
        if not self.topics and not self.pattern:
            raise UsageError("name at least one topic or give --pattern")
        if self.assignment and self.assignment not in ASSIGNMENTS:
            raise UsageError(f"--assignment must be one of {', '.join(ASSIGNMENTS)}")
        if self.isolation not in ISOLATION:
            raise UsageError("--isolation must be read_committed or read_uncommitted")
        commit = self.commit or ("after-write" if self.group else "none")
        if commit not in COMMIT_MODES:
            raise UsageError(f"--commit must be one of {', '.join(COMMIT_MODES)}")
        if not self.group:
            if commit != "none":
                raise UsageError(f"--commit {commit} needs --group", hint="without a group kctl never commits")
            if self.assignment:
                raise UsageError("--assignment needs --group")
            if self.start and self.start.kind == "stored":
                raise UsageError("--from stored needs --group")
        elif self.partitions:
            raise UsageError("--partition cannot be combined with --group",
                             hint="the group assigns partitions; drop --group to read chosen partitions")
        if self.max_messages is not None and self.max_messages < 1:
            raise UsageError("--max-messages must be at least 1")
        if self.idle_timeout is not None and not self.idle_timeout > 0:  # also rejects nan
            raise UsageError(f"--idle-timeout must be a positive number of seconds, got {self.idle_timeout:g}")
        if self.pattern:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise UsageError(f"--pattern: invalid regular expression: {exc}") from None
        start = self.start or Position("stored" if self.group else "beginning")
        return ConsumeOptions(**{**self.__dict__, "commit": commit, "start": start})


def consumer_conf(base: dict, opts: ConsumeOptions) -> dict:
    """librdkafka settings: kctl's bulk defaults under the user's -X, commit semantics forced."""
    conf = dict(base)
    for key, value in kc.BULK_DEFAULTS.items():
        conf.setdefault(key, value)
    conf.setdefault("isolation.level", opts.isolation)
    conf["enable.partition.eof"] = opts.until is not None
    if opts.until is not None:
        # The end of a partition shows as an empty fetch, which the broker holds for up to
        # fetch.wait.max.ms (500 ms by default) before answering.
        conf.setdefault("fetch.wait.max.ms", 100)
    if opts.group:
        conf["group.id"] = opts.group
        conf.setdefault("auto.offset.reset", "earliest")
        if opts.assignment:
            conf["partition.assignment.strategy"] = ASSIGNMENTS[opts.assignment]
        # after-write: librdkafka auto-commits only what kctl stored after writing it.
        conf["enable.auto.commit"] = opts.commit in ("after-write", "auto")
        conf["enable.auto.offset.store"] = opts.commit == "auto"
    else:
        conf["group.id"] = f"kctl-consume-{uuid.uuid4().hex[:12]}"  # never joined, never committed
        conf["enable.auto.commit"] = False
        conf["enable.auto.offset.store"] = False
    return conf


# --- output ---------------------------------------------------------------------------------


class OutputClosed(Exception):
    """The reader of kctl's output went away after `accepted` bytes of the current chunk."""

    def __init__(self, accepted: int):
        super().__init__(accepted)
        self.accepted = accepted


class WriteInterrupted(KeyboardInterrupt):
    """Ctrl-C in the middle of a write, after `accepted` bytes of the chunk."""

    def __init__(self, accepted: int):
        super().__init__(accepted)
        self.accepted = accepted


class ChunkWriter:
    """Writes whole chunks to the stream's file descriptor (os.write, no extra copy); on a
    broken pipe it reports how many bytes of the chunk were accepted, so exactly the records
    that reached the reader get committed.

    Into a pipe it writes at most a page at a time and only when poll() says there is room,
    so a write never blocks on a slow reader: Ctrl-C (`stop()` turning true) is noticed
    within 100 ms, and the bytes accepted so far are known exactly.
    """

    PIPE_PIECE = 4096

    def __init__(self, stream, stop=lambda: False):
        self.stream = stream
        self.stop = stop
        self.fd = None
        self.is_fifo = False
        self.poller = None
        try:
            stream.flush()
            fd = stream.fileno()
            self.is_fifo = stat.S_ISFIFO(os.fstat(fd).st_mode)
            self.fd = fd
        except (AttributeError, OSError, ValueError):
            pass
        if self.is_fifo:
            import select

            self.poller = select.poll()
            self.poller.register(self.fd, select.POLLOUT)

    def write(self, data: bytes) -> None:
        if self.fd is None:
            try:
                self.stream.write(data)
                self.stream.flush()
            except BrokenPipeError:
                raise OutputClosed(0) from None
            return
        view = memoryview(data)
        done = 0
        total = len(data)
        try:
            if not self.is_fifo:
                while done < total:
                    done += os.write(self.fd, view[done:])
                return
            import select

            piece = self.PIPE_PIECE
            while done < total:
                if self.stop():
                    raise WriteInterrupted(done)
                events = self.poller.poll(100)
                if not events:
                    continue
                if events[0][1] & (select.POLLERR | select.POLLHUP):
                    raise OutputClosed(done)
                done += os.write(self.fd, view[done:done + piece])
        except BrokenPipeError:
            raise OutputClosed(done) from None

    def reader_gone(self) -> bool:
        """While idle: has the reader of a pipe closed its end? (POLLERR on the write end)."""
        if not self.is_fifo:
            return False
        import select

        poller = select.poll()
        poller.register(self.fd, select.POLLOUT)
        return any(event & (select.POLLERR | select.POLLHUP) for _, event in poller.poll(0))


# --- the consume loop -------------------------------------------------------------------------


class _Run:
    def __init__(self, conf: dict, opts: ConsumeOptions, output: Output, stream, timeout: float):
        self.conf = conf
        self.opts = opts
        self.output = output
        self.writer = ChunkWriter(stream, stop=lambda: self.interrupted)
        self.timeout = timeout
        self.consumer = None
        self.assigned: set = set()
        self.stopped: set = set()
        self.written = 0
        self.bytes = 0
        self.skipped = 0
        self.reason = ""
        self.first_assignment = True
        self.commit_mode = opts.commit
        self.committed_upto: dict = {}
        self.warned: set = set()
        self.interrupted = False
        until = opts.until
        self.until_end = until is not None and until.kind == "end"
        self.until_offset = until.value if until is not None and until.kind == "offset" else None
        self.until_time = until.value if until is not None and until.kind == "time" else None
        self.fast = output.raw_values and not opts.matches and self.until_offset is None and self.until_time is None
        # Into a pipe, a group member writes (and then commits) at most 64 KiB at a time, so a
        # slow reader still sees progress committed; files and /dev/null get whole batches.
        self.chunk_bytes = 1 << 22
        if self.writer.is_fifo and self.commit_mode not in ("none", "auto"):
            self.fast = False
            self.chunk_bytes = 1 << 16

    # -- setup --

    def resolve_topics(self) -> dict[str, list[int]]:
        """Check the topics (and partitions) exist before consuming: exit 4, never wait forever.
        Named topics are asked for one by one, which also tells librdkafka their leaders."""
        if self.opts.pattern:
            known = dict(cluster_metadata(self.consumer, self.conf, self.timeout).topics)
        else:
            known = {}
            for name in self.opts.topics:
                known.update(cluster_metadata(self.consumer, self.conf, self.timeout, topic=name).topics)
        out: dict[str, list[int]] = {}
        for name in self.opts.topics:
            topic = known.get(name)
            if topic is None or topic.error is not None:
                raise NotFoundError(f"topic {name} not found", hint="see `kctl topics list`")
            out[name] = sorted(topic.partitions)
        if self.opts.pattern:
            regex = re.compile(self.opts.pattern)
            for name, topic in sorted(known.items()):
                if not name.startswith("__") and regex.search(name) and topic.error is None:
                    out.setdefault(name, sorted(topic.partitions))
            if not out:
                raise NotFoundError(f"no topic matches --pattern {self.opts.pattern!r}", hint="see `kctl topics list`")
        if self.opts.partitions:
            for name, partitions in out.items():
                missing = [p for p in self.opts.partitions if p not in partitions]
                if missing:
                    raise NotFoundError(f"topic {name} has no partition {','.join(map(str, missing))}",
                                        hint=f"it has {len(partitions)} partitions")
                out[name] = list(self.opts.partitions)
        return out

    def start_offsets(self, keys: list[tuple[str, int]]) -> dict:
        start = self.opts.start
        if start.kind == "beginning":
            return {k: kc.OFFSET_BEGINNING for k in keys}
        if start.kind == "end":
            return {k: kc.OFFSET_END for k in keys}
        if start.kind == "stored":
            return {k: kc.OFFSET_STORED for k in keys}
        if start.kind == "offset":
            return {k: start.value for k in keys}
        if start.kind == "tail":
            out = {}
            for topic, partition in keys:
                low, high = kc.watermarks(self.consumer, topic, partition, self.timeout)
                out[(topic, partition)] = max(low, high - start.value)
            return out
        by_topic: dict[str, list[int]] = {}
        for topic, partition in keys:
            by_topic.setdefault(topic, []).append(partition)
        out = {}
        for topic, partitions in by_topic.items():
            for partition, offset in kc.offsets_for_times(self.consumer, topic, partitions, start.value,
                                                          self.timeout).items():
                out[(topic, partition)] = offset if offset >= 0 else kc.OFFSET_END
        return out

    def group_starts(self, keys: list) -> dict:
        # --from applies to the first assignment this process gets; later rebalances continue
        # from the group's committed offsets, so members never rewind each other.
        if not self.first_assignment:
            return {}
        self.first_assignment = False
        if self.opts.start.kind == "stored":
            return {}
        return self.start_offsets(keys)

    def assignment_changed(self, added: list, removed: list) -> None:
        self.assigned.update(added)
        for key in added:
            self.stopped.discard(key)
        self.assigned.difference_update(removed)
        self.stopped.difference_update(removed)
        for key in removed:
            self.committed_upto.pop(key, None)

    def commit_on_revoke(self, consumer) -> None:
        if self.commit_mode == "after-write":
            kc.commit_stored(consumer)
        elif self.commit_mode in ("sync", "async") and self.committed_upto:
            kc.commit_offsets(consumer, self.committed_upto, asynchronous=False)

    # -- bookkeeping --

    def record_written(self, offsets: dict) -> None:
        """Offsets ({(topic, partition): next offset}) of records now written: store or commit them."""
        if not offsets or self.commit_mode in ("none", "auto"):
            return
        if self.commit_mode == "after-write":
            kc.store_offsets(self.consumer, offsets)
        else:
            kc.commit_offsets(self.consumer, offsets, asynchronous=self.commit_mode == "async")
        self.committed_upto.update(offsets)

    def stop_partition(self, key) -> None:
        if key in self.stopped:
            return
        self.stopped.add(key)
        try:
            self.consumer.pause([kc.topic_partition(*key)])
        except Exception:  # noqa: BLE001 - revoked meanwhile: nothing left to pause
            pass
        log.event("partition_done", topic=key[0], partition=key[1])

    def check_caught_up(self) -> None:
        """--until end without waiting for the end-of-partition event: a partition whose next
        offset reached the high watermark of the last fetch response is done. Runs before the
        batch is written; the batch's records are at offsets below that position anyway."""
        open_keys = self.assigned - self.stopped
        if not open_keys:
            return
        highs = kc.cached_high_watermarks(self.consumer, open_keys)
        if not highs:
            return
        for key, position in kc.positions(self.consumer, highs).items():
            if position >= highs[key]:
                self.stop_partition(key)

    def all_stopped(self) -> bool:
        return bool(self.assigned) and self.assigned <= self.stopped

    def handle_error(self, msg, error) -> None:
        kind = kc.error_kind(error)
        key = (msg.topic(), msg.partition())
        if kind == "eof":
            if self.until_end:
                self.stop_partition(key)
            elif self.until_offset is not None and msg.offset() >= self.until_offset:
                self.stop_partition(key)
            elif self.until_time is not None and self.until_time <= int(time.time() * 1000):
                self.stop_partition(key)
            return
        if kind == "not_found":
            raise NotFoundError(f"{msg.topic() or 'topic'}: {error.str()}", hint="was the topic deleted?")
        if kind == "fatal":
            from kctl.errors import from_kafka_error

            raise from_kafka_error(error, "consume")
        level = logging.WARNING if error.code() not in self.warned else logging.DEBUG
        self.warned.add(error.code())
        log.event("consumer_error", level, error=error.str(), retriable=bool(error.retriable()))

    # -- the loop --

    def run(self) -> ConsumeSummary:
        started = time.perf_counter()
        self.consumer = kc.create_consumer(self.conf)
        commit_at_close = self.commit_mode != "none"
        close_timeout = max(1.0, self.timeout)
        try:
            topics = self.resolve_topics()
            if self.opts.group:
                listener = kc.RebalanceListener(
                    cooperative=self.opts.assignment == "cooperative-sticky",
                    starts=self.group_starts, changed=self.assignment_changed,
                    revoking=self.commit_on_revoke if commit_at_close else None)
                self.consumer.subscribe(sorted(topics), on_assign=listener.on_assign,
                                        on_revoke=listener.on_revoke, on_lost=listener.on_lost)
                log.event("subscribed", group=self.opts.group, topics=",".join(sorted(topics)))
            else:
                keys = [(t, p) for t, ps in sorted(topics.items()) for p in ps]
                if self.opts.pattern:
                    kc.warm_topics(self.consumer, sorted(topics), self.timeout)
                offsets = self.start_offsets(keys)
                self.consumer.assign([kc.topic_partition(t, p, offsets[(t, p)]) for t, p in keys])
                self.assigned = set(keys)
                log.event("partitions_assigned", count=len(keys), mode="assign")
            self.loop()
        except OutputClosed:
            self.reason = "output_closed"
            kc.close_bounded(self.consumer, close_timeout, commit=commit_at_close)
            self.finish(started)
            raise BrokenPipeError("output closed") from None
        except KeyboardInterrupt:
            self.reason = "interrupted"
            kc.close_bounded(self.consumer, 1.5, commit=commit_at_close)
            self.finish(started)
            raise
        except BaseException:
            kc.close_bounded(self.consumer, close_timeout, commit=commit_at_close)
            raise
        kc.close_bounded(self.consumer, close_timeout, commit=commit_at_close)
        return self.finish(started)

    def finish(self, started: float) -> ConsumeSummary:
        summary = ConsumeSummary(messages=self.written, bytes=self.bytes, skipped=self.skipped, reason=self.reason,
                                 duration_ms=round((time.perf_counter() - started) * 1000), group=self.opts.group)
        log.event("consume_done", messages=summary.messages, bytes=summary.bytes, skipped=summary.skipped,
                  reason=summary.reason, duration_ms=summary.duration_ms)
        return summary

    def install_sigint(self):
        """Ctrl-C sets a flag, checked between batches and between pieces of a pipe write,
        so the records written are always known exactly when kctl stops."""
        import signal
        import threading

        if threading.current_thread() is not threading.main_thread():
            return None
        previous = signal.getsignal(signal.SIGINT)
        if previous in (signal.SIG_IGN, None):
            return None

        def on_sigint(signum, frame):
            self.interrupted = True

        signal.signal(signal.SIGINT, on_sigint)
        return previous

    def loop(self) -> None:
        import signal

        previous = self.install_sigint()
        try:
            self._loop()
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)

    def _loop(self) -> None:
        consumer = self.consumer
        consume = consumer.consume
        max_messages = self.opts.max_messages
        batch = self.opts.batch_size
        idle = self.opts.idle_timeout
        last_activity = time.monotonic()
        # Message objects hold no reference cycles; the cyclic GC would only rescan every
        # batch of them (about a fifth of the CPU time of a bulk read).
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            while True:
                if self.until_end or self.until_offset is not None or self.until_time is not None:
                    if self.all_stopped():
                        self.reason = "end" if self.until_end else "until"
                        return
                wanted = batch if max_messages is None else min(batch, max_messages - self.written)
                if self.interrupted:
                    raise KeyboardInterrupt
                msgs = consume(num_messages=wanted, timeout=POLL_S)
                if not msgs:
                    if idle is not None and time.monotonic() - last_activity >= idle:
                        self.reason = "idle"
                        return
                    if self.writer.reader_gone():
                        raise OutputClosed(0)
                    continue
                last_activity = time.monotonic()
                if self.fast and self.try_fast(msgs):
                    if max_messages is not None and self.written >= max_messages:
                        self.reason = "max_messages"
                        return
                elif self.process(msgs):
                    return
                if self.until_end:
                    self.check_caught_up()
        finally:
            if gc_was_enabled:
                gc.enable()

    def try_fast(self, msgs: list) -> bool:
        """Value-only output of a batch without errors: one list comprehension, one write."""
        values = [m.value() for m in msgs if m.error() is None]
        if len(values) != len(msgs):
            return False
        max_messages = self.opts.max_messages
        if max_messages is not None and self.written + len(values) > max_messages:
            return False
        self.write_values(msgs, values)
        return True

    def write_values(self, msgs: list, values: list) -> None:
        try:
            data = b"\n".join(values) + b"\n"
        except TypeError:  # a tombstone (None value) prints as an empty line
            values = [v or b"" for v in values]
            data = b"\n".join(values) + b"\n"
        try:
            self.writer.write(data)
        except (OutputClosed, WriteInterrupted) as closed:
            ends = accumulate(len(v) + 1 for v in values)
            complete = sum(1 for end in ends if end <= closed.accepted)
            self.written += complete
            self.record_written(_next_offsets(msgs[:complete]))
            raise
        self.written += len(values)
        self.bytes += len(data)
        if self.commit_mode not in ("none", "auto"):
            # Every message handed out so far is now written: the consumer's positions are
            # exactly the offsets to commit.
            self.record_written(kc.positions(self.consumer, self.assigned))

    def process(self, msgs: list) -> bool:
        """The per-message path. Returns True when the run is complete."""
        render = self.output.render
        rules = self.opts.matches
        max_messages = self.opts.max_messages
        until_offset, until_time = self.until_offset, self.until_time
        chunk_limit = self.chunk_bytes
        entries: list = []  # (bytes or None if filtered out, (topic, partition), next offset)
        pending = 0
        rendered = 0  # entries with bytes since the last flush (counted, not rescanned per record)
        done = False
        for msg in msgs:
            error = msg.error()
            if error is not None:
                self.handle_error(msg, error)
                continue
            key = (msg.topic(), msg.partition())
            if key in self.stopped:
                continue
            offset = msg.offset()
            if until_offset is not None and offset >= until_offset:
                self.stop_partition(key)
                continue
            if until_time is not None:
                ts_type, ts = msg.timestamp()
                if ts_type and ts >= until_time:
                    self.stop_partition(key)
                    continue
            if rules and not matches(msg, rules):
                entries.append((None, key, offset + 1))
                self.skipped += 1
            else:
                data = render(msg)
                entries.append((data, key, offset + 1))
                pending += len(data)
                rendered += 1
            if until_offset is not None and offset + 1 >= until_offset:
                self.stop_partition(key)
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
        except (OutputClosed, WriteInterrupted) as closed:
            complete = []
            end = 0
            for entry in entries:
                end += len(entry[0] or b"")
                if end > closed.accepted:
                    break
                complete.append(entry)
            self.written += sum(1 for e in complete if e[0] is not None)
            self.record_written({e[1]: e[2] for e in complete})
            raise
        self.written += sum(1 for e in entries if e[0] is not None)
        self.bytes += len(data)
        self.record_written({e[1]: e[2] for e in entries})


def _next_offsets(msgs: list) -> dict:
    return {(m.topic(), m.partition()): m.offset() + 1 for m in msgs if m.error() is None}


def consume(conf: dict, opts: ConsumeOptions, output: Output, stream, timeout: float) -> ConsumeSummary:
    """Consume until a stop condition (or Ctrl-C / a closed pipe, re-raised after committing)."""
    opts = opts.validated()
    return _Run(consumer_conf(conf, opts), opts, output, stream, timeout).run()


__all__ = ["ConsumeOptions", "Position", "consume", "consumer_conf", "parse_from", "parse_until",
           "parse_partitions", "parse_matches", "parse_time"]
