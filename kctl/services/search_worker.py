"""One worker process of `kctl search`: reads its offset ranges one after the other in assign mode
(no group, nothing committed), evaluates the --where expression on every record and sends the
rendered matches (or only counts) to the parent through a pipe.

It ignores SIGINT (Ctrl-C reaches the whole process group: the parent decides when workers end)
and stops when its stop pipe becomes readable: the parent closed it, or the parent is gone.
Pipes rather than multiprocessing queues and events: those are named semaphores, which an exit
after Ctrl-C (os._exit, no finalizers) would leave to the resource tracker's warnings.
"""

from __future__ import annotations

import signal
import time
from dataclasses import dataclass

from kctl.client.consumer import ConsumerClient
from kctl.errors import BrokerUnavailable, KctlError
from kctl.models.records import ConsumerRecord
from kctl.outputs import make_output
from kctl.services.consume.partitions import deleted

POLL_S = 0.1
SEND_EVERY_S = 0.2


@dataclass(frozen=True)
class WorkerSpec:
    conf: dict
    where: str
    now_ms: int
    output: str
    fmt: str | None
    key_deserializer: str | None
    value_deserializer: str | None
    pretty: bool
    count_only: bool
    first: int | None
    timeout: float


class _Stop:
    """The stop pipe: set once the parent closed its end (or died)."""

    def __init__(self, conn):
        self.conn = conn
        self.set = False

    def is_set(self) -> bool:
        if not self.set:
            self.set = self.conn.poll()
        return self.set


class _Results:
    def __init__(self, conn):
        self.conn = conn

    def put(self, message) -> None:
        try:
            self.conn.send(message)
        except (BrokenPipeError, OSError):  # the parent stopped reading: it is ending the search
            raise SystemExit(0) from None


def main(spec: WorkerSpec, tasks: list, results_conn, stop_conn) -> None:
    """The process's target. Messages to the parent: ("matches", [bytes], {(t, p): (scanned, matched)}),
    ("stats", evaluated, failed, first_error) once at the end, ("error", exit_code, message, hint)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    results, stop = _Results(results_conn), _Stop(stop_conn)
    state: dict = {}
    try:
        _run(spec, tasks, results, stop, state)
    except Exception as exc:  # noqa: BLE001 - every failure goes to the parent as (code, message)
        if isinstance(exc, KctlError):
            results.put(("error", int(exc.exit_code), exc.message, exc.hint))
        else:
            results.put(("error", 1, f"search worker failed: {type(exc).__name__}: {exc}", None))
    finally:  # the last message of every worker
        where = state.get("where")
        results.put(("stats", where.evaluated, where.failed, where.first_error) if where else ("stats", 0, 0, None))


def _run(spec: WorkerSpec, tasks: list, results, stop, state: dict) -> None:
    from kctl.services.where import compile_where  # heavy: msgspec (via kctl.services.where)

    where = state["where"] = compile_where(spec.where, now_ms=spec.now_ms)
    render = None if spec.count_only else make_output(spec.output, spec.fmt, spec.key_deserializer,
                                                      spec.value_deserializer, spec.pretty).render
    client = ConsumerClient(spec.conf)
    matched_here = 0
    try:
        for task in tasks:
            if stop.is_set():
                return
            matched_here += _read_range(client, task, where, render, results, stop, spec, matched_here)
            if spec.first is not None and matched_here >= spec.first:
                return
    finally:
        client.close(1.0)


def _read_range(client, task, where, render, results, stop, spec: WorkerSpec, matched_before: int) -> int:
    """Read [start, end) of one partition; returns the records matched."""
    topic, partition, start, end = task
    key = (topic, partition)
    client.assign({key: start})
    total = 0  # matched in this range
    scanned = matched = 0  # since the last message to the parent
    out: list = []
    last_send = last_heard = time.monotonic()
    done = False
    try:
        while not done:
            if stop.is_set():
                break
            items = client.poll_items(10000, POLL_S)
            now = time.monotonic()
            if items:
                last_heard = now
            elif now - last_heard > spec.timeout:
                raise BrokerUnavailable(f"no data from {topic} partition {partition} for {spec.timeout:g}s",
                                        hint="is its leader up? see `kctl topics describe`")
            for item in items:
                if not isinstance(item, ConsumerRecord):
                    if item.kind == "eof":
                        done = True  # the end of what is there (records deleted since the plan, say)
                    elif item.kind == "not_found":
                        raise deleted(topic)
                    elif item.kind == "fatal":
                        raise item.error
                    continue
                if item.offset >= end:
                    done = True
                    break
                scanned += 1
                if where(item):
                    matched += 1
                    total += 1
                    if render is not None:
                        out.append(render(item))
                    if spec.first is not None and matched_before + total >= spec.first:
                        done = True
                        break
                if item.offset >= end - 1:
                    done = True
                    break
                if not scanned & 255:  # a slow expression: matches and the stop event seen within a batch
                    now = time.monotonic()
                    if stop.is_set():
                        break
                    if now - last_send >= SEND_EVERY_S:
                        results.put(("matches", out, {key: (scanned, matched)}))
                        out, scanned, matched = [], 0, 0
                        last_send = now
            if not done and time.monotonic() - last_send >= SEND_EVERY_S:
                results.put(("matches", out, {key: (scanned, matched)}))
                out, scanned, matched = [], 0, 0
                last_send = time.monotonic()
    finally:
        if out or scanned or matched or done:
            results.put(("matches", out, {key: (scanned, matched)}))
        client.assign({})
    return total
