"""`kctl search TOPIC... --where EXPR`: scan a window of every partition in several worker processes.

Read-only: the workers read in assign mode with a private, never-joined group and commit nothing.
The window (--from/--until, consume's grammar) becomes offsets once, before any worker starts:
start by offsets_for_times (or beginning/offset/-N), end at each partition's end at that moment or
at --until's time. Big partitions are cut into ranges so that every worker has work; the workers
(search_worker.py) take ranges from one queue. Matches are written as they arrive; --first N stops
every worker as soon as N matched. Ctrl-C/SIGTERM: what was found so far is written, the workers
end within 2 s (stop event, then SIGTERM, then SIGKILL) and the interrupt is re-raised.
"""

from __future__ import annotations

import math
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace

from kctl.client.consumer import BULK_DEFAULTS, ConsumerClient
from kctl.errors import KctlError, NotFoundError, UsageError
from kctl.models import SearchCount
from kctl.outputs import make_output
from kctl.services.consume.options import Position, utf8
from kctl.services.search_worker import WorkerSpec
from kctl.services.search_worker import main as worker_main
from kctl.services.where import Where

MAX_WORKERS = 64
MIN_RANGE = 20000  # records: below this a range is not worth another worker's start-up
STOP_BUDGET_S = 1.5  # the workers' whole way out, within the 2 s an interrupt allows


@dataclass(frozen=True)
class SearchOptions:
    topics: tuple[str, ...]
    where: Where  # compiled by kctl.services.where.compile_where; the workers compile its source again
    start: Position | None = None  # default: beginning
    until: Position | None = None  # default: end (each partition's end when the search starts)
    first: int | None = None
    count: bool = False
    workers: int | None = None  # default: the CPU count
    output: str = "table"
    fmt: str | None = None
    key_deserializer: str | None = None
    value_deserializer: str | None = None
    pretty: bool = False

    def validated(self) -> "SearchOptions":
        if not self.topics:
            raise UsageError("name at least one topic")
        for topic in self.topics:
            utf8(topic, "topic")
        workers = self.workers if self.workers is not None else (os.cpu_count() or 1)
        if not 1 <= workers <= MAX_WORKERS:
            raise UsageError(f"--workers must be between 1 and {MAX_WORKERS}, got {workers}")
        if self.first is not None and self.first < 1:
            raise UsageError("--first must be at least 1")
        if self.first is not None and self.count:
            raise UsageError("--first and --count exclude each other", hint="--count counts every match of the window")
        if self.start is not None and self.start.kind in ("stored", "partitions"):
            raise UsageError("search --from: beginning, end, OFFSET, -N or a time (it reads without a group)")
        start, until = self.start or Position("beginning"), self.until or Position("end")
        if start.kind == "time" and until.kind == "time" and start.value > until.value:
            raise UsageError("--from is after --until: the window is empty the wrong way round")
        return SearchOptions(**{**self.__dict__, "workers": min(workers, MAX_WORKERS), "start": start, "until": until})


@dataclass
class SearchResult:
    counts: list[SearchCount]
    matched: int = 0
    scanned: int = 0
    total: int = 0  # records in the window
    reason: str = "end"  # end | first | interrupted
    where: Where | None = None


def search_conf(base: dict) -> dict:
    conf = dict(base)
    for key, value in BULK_DEFAULTS.items():
        conf.setdefault(key, value)
    conf.setdefault("isolation.level", "read_committed")
    conf.setdefault("fetch.wait.max.ms", 100)
    conf["enable.partition.eof"] = True
    conf["group.id"] = f"kctl-search-{uuid.uuid4().hex[:12]}"  # never joined, never committed
    conf["enable.auto.commit"] = False
    conf["enable.auto.offset.store"] = False
    return conf


def plan(client, opts: SearchOptions, timeout: float) -> list[tuple[str, int, int, int]]:
    """[(topic, partition, start, end)] of the window, every partition of every topic (end exclusive)."""
    keys = []
    for name in opts.topics:
        found = client.topics(timeout, topic=name).get(name)
        if found is None:
            raise NotFoundError(f"topic {name} not found", hint="see `kctl topics list`")
        keys.extend((name, p) for p in found)
    if not keys:
        return []
    ranges = client.watermark_ranges(keys, timeout)
    starts = _offsets(client, opts.start, keys, ranges, timeout)
    ends = _offsets(client, opts.until, keys, ranges, timeout)
    return [(t, p, starts[(t, p)], ends[(t, p)]) for t, p in keys]


def _offsets(client, position: Position, keys, ranges: dict, timeout: float) -> dict:
    out = {}
    if position.kind == "time":
        by_topic: dict[str, list[int]] = {}
        for topic, partition in keys:
            by_topic.setdefault(topic, []).append(partition)
        for topic, partitions in by_topic.items():
            for partition, offset in client.offsets_for_times(topic, partitions, position.value, timeout).items():
                out[(topic, partition)] = offset
    for key in keys:
        low, high = ranges[key]
        kind = position.kind
        if kind == "beginning":
            offset = low
        elif kind == "end":
            offset = high
        elif kind == "tail":
            offset = high - position.value
        elif kind == "offset":
            offset = position.value
        else:  # time: -1 when no record is that recent
            offset = out[key] if out.get(key, -1) >= 0 else high
        out[key] = min(max(offset, low), high)
    return out


def split(window, workers: int) -> list[tuple[str, int, int, int]]:
    """The ranges the workers take, biggest first: partitions cut so that every worker has work."""
    total = sum(end - start for _, _, start, end in window)
    size = max(MIN_RANGE, math.ceil(total / (workers * 4))) if total else 1
    out = []
    for topic, partition, start, end in window:
        for begin in range(start, end, size):
            out.append((topic, partition, begin, min(begin + size, end)))
    return sorted(out, key=lambda r: r[3] - r[2], reverse=True)


def search(conf: dict, opts: SearchOptions, write: Callable[[bytes], None], timeout: float,
           on_progress: Callable[[SearchResult], None] | None = None,
           on_done: Callable[[SearchResult], None] | None = None) -> SearchResult:
    """Run the search; write(bytes) gets the rendered matches as they arrive (not with --count).
    on_done gets the result on every way out that has one (interrupted too, before the re-raise)."""
    opts = opts.validated()
    where = opts.where
    if not opts.count:
        make_output(opts.output, opts.fmt, opts.key_deserializer, opts.value_deserializer, opts.pretty)
    conf = search_conf(conf)
    client = ConsumerClient(conf)
    try:
        window = plan(client, opts, timeout)
    finally:
        client.close(min(timeout, 2.0))
    result = SearchResult([SearchCount(t, p, s, e, 0, 0) for t, p, s, e in window], where=where,
                          total=sum(e - s for _, _, s, e in window))
    tasks = split([w for w in window if w[3] > w[2]], opts.workers)
    if not tasks:
        if on_done:
            on_done(result)
        return result
    workers = min(opts.workers, len(tasks))
    spec = WorkerSpec(conf, where.source, where.now_ms, opts.output, opts.fmt, opts.key_deserializer, opts.value_deserializer,
                      opts.pretty, opts.count, opts.first, timeout)
    index = {(c.topic, c.partition): i for i, c in enumerate(result.counts)}
    scanned: dict = {}
    matched: dict = {}
    pool = _Pool(spec, tasks, workers)
    try:
        pool.start()
        last_progress = time.monotonic()
        while pool.readers:
            for message in pool.receive(0.1):
                kind = message[0]
                if kind == "matches":
                    _, records, counts = message
                    found = 0
                    for key, (s, m) in counts.items():
                        scanned[key] = scanned.get(key, 0) + s
                        matched[key] = matched.get(key, 0) + m
                        result.scanned += s
                        found += m
                    if opts.first is not None:
                        records = records[:max(0, opts.first - result.matched)]
                        found = min(found, opts.first - result.matched)
                    result.matched += found
                    if records:
                        write(b"".join(records))
                    if opts.first is not None and result.matched >= opts.first:
                        result.reason = "first"
                        break
                elif kind == "stats":
                    where.add(*message[1:])
                elif kind == "error":
                    _, code, text, hint = message
                    error = KctlError(text, hint=hint)
                    error.exit_code = code
                    raise error
            if result.reason == "first":
                break
            if on_progress is not None and time.monotonic() - last_progress >= 0.5:
                last_progress = time.monotonic()
                on_progress(result)
    except BaseException:
        result.reason = "interrupted" if result.reason == "end" else result.reason
        pool.stop()
        _finish(result, index, scanned, matched)
        if on_done:
            on_done(result)
        raise
    pool.stop()
    _finish(result, index, scanned, matched)
    if on_done:
        on_done(result)
    return result


def _finish(result: SearchResult, index: dict, scanned: dict, matched: dict) -> None:
    for key, i in index.items():
        result.counts[i] = replace(result.counts[i], scanned=scanned.get(key, 0), matched=matched.get(key, 0))


class _Pool:
    """The worker processes, each with its ranges (biggest first, dealt round-robin), a pipe of results
    and a stop pipe (closing it, or the parent's death, tells the worker to stop)."""

    def __init__(self, spec: WorkerSpec, tasks: list, workers: int):
        import multiprocessing  # heavy: multiprocessing

        context = multiprocessing.get_context("spawn")  # never fork: the parent's librdkafka threads
        self.procs, self.readers, self.stoppers, self._child_ends = [], [], [], []
        for i in range(workers):
            results_r, results_w = context.Pipe(duplex=False)
            stop_r, stop_w = context.Pipe(duplex=False)
            self.procs.append(context.Process(target=worker_main, args=(spec, tasks[i::workers], results_w, stop_r),
                                              daemon=True, name=f"kctl-search-{i}"))
            self.readers.append(results_r)
            self.stoppers.append(stop_w)
            self._child_ends += [results_w, stop_r]
        self.said_done: set = set()

    def start(self) -> None:
        for proc in self.procs:
            proc.start()
        for conn in self._child_ends:  # the children's ends: a worker's death is then EOF here
            conn.close()
        self._child_ends = []

    def receive(self, timeout: float) -> list:
        """The messages that arrived within timeout; a worker's pipe is dropped at its EOF."""
        from multiprocessing.connection import wait  # heavy: multiprocessing

        out = []
        for conn in wait(self.readers, timeout):
            try:
                message = conn.recv()
            except (EOFError, OSError):
                self.readers.remove(conn)
                if id(conn) not in self.said_done:
                    raise KctlError("a search worker ended without a word (killed?)") from None
                continue
            if message[0] == "stats":
                self.said_done.add(id(conn))
            out.append(message)
        return out

    def stop(self) -> None:
        """Every worker ended within STOP_BUDGET_S: asked (stop pipe closed), then SIGTERM, then SIGKILL."""
        for conn in self.stoppers:
            conn.close()
        self.stoppers = []
        procs = [p for p in self.procs if p.pid is not None]
        deadline = time.monotonic() + STOP_BUDGET_S * 0.6
        for proc in procs:
            proc.join(max(0.0, deadline - time.monotonic()))
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
        deadline = time.monotonic() + STOP_BUDGET_S * 0.3
        for proc in procs:
            proc.join(max(0.0, deadline - time.monotonic()))
        for proc in procs:
            if proc.is_alive():
                proc.kill()
                proc.join(0.1)
        for conn in self.readers:
            conn.close()
        self.readers = []
