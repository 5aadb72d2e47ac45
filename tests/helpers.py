"""Run kctl through its real entry point and capture everything it says."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest

from kctl.__main__ import main

# The broker's retention check (every 5 minutes) deletes a segment whose newest record is older than the
# topic's retention (7 days by default), the active segment included: a test record with a fixed timestamp
# from 2023 vanished between produce and read-back once. Topics that hold such records keep everything.
KEEP_OLD_RECORDS = {"retention.ms": "-1"}
# The timestamp (ms, November 2023) of the first record of the tests that produce known timestamps.
BASE_TS = 1_700_000_000_000


def wait_until(predicate, timeout: float, what, interval: float = 0.1, process: subprocess.Popen | None = None):
    """predicate() until it returns something truthy (returned); the test fails naming `what` (or what
    `what()` says then: a log's tail, a screen) and the last value when `timeout` seconds pass first,
    or at once when `process` (the child whose work is awaited) has exited. A wait for a state the
    system is expected to reach, not a retry: an exception or failed assertion in predicate ends it."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if process is not None and process.poll() is not None:
            pytest.fail(f"{_said(what)}: the process exited {process.returncode} first (last: {_short(value)})\n"
                        f"{_output_tail(process)}", pytrace=False)
        if time.monotonic() >= deadline:
            pytest.fail(f"{_said(what)}: not within {timeout:g} s (last: {_short(value)})", pytrace=False)
        time.sleep(interval)


async def wait_until_async(predicate, timeout: float, what, pause=None, interval: float = 0.05):
    """wait_until for async tests: `await pause(interval)` (asyncio.sleep unless given, e.g. a
    Textual pilot's pause) between the calls, so the event loop runs what the predicate waits for."""
    import asyncio

    pause = pause or asyncio.sleep
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"{_said(what)}: not within {timeout:g} s (last: {_short(value)})", pytrace=False)
        await pause(interval)


def _output_tail(process: subprocess.Popen) -> str:
    try:
        out, err = process.communicate(timeout=10)
    except (ValueError, subprocess.TimeoutExpired):  # pipes already read by the caller, or not closed
        return ""
    text = "\n".join(x.decode("utf-8", "replace") if isinstance(x, bytes) else x for x in (out, err) if x)
    return text[-3000:]


def _said(what) -> str:
    return what() if callable(what) else what


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 500 else text[:500] + "..."


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str
    stdout_bytes: bytes = b""

    @property
    def json(self):
        return json.loads(self.stdout)

    @property
    def json_lines(self) -> list:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]

    def __repr__(self) -> str:  # shown by pytest when an assertion fails
        return f"Result(code={self.code}, stdout={self.stdout[-2000:]!r}, stderr={self.stderr[-2000:]!r})"


class _BinaryCapture(io.TextIOWrapper):
    def __init__(self):
        super().__init__(io.BytesIO(), encoding="utf-8", errors="surrogateescape", write_through=True)

    def isatty(self) -> bool:
        return False

    def value(self) -> bytes:
        self.flush()
        return self.buffer.getvalue()


def run_kctl(*args: str, input: str | bytes | None = None, env: dict | None = None) -> Result:
    """kctl.__main__.main(argv) in this process, with stdin/stdout/stderr captured."""
    out, err = _BinaryCapture(), _BinaryCapture()
    data = input.encode() if isinstance(input, str) else (input or b"")
    stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    with mock.patch.dict(os.environ, env or {}), mock.patch.object(sys, "stdin", stdin), \
            redirect_stdout(out), redirect_stderr(err):
        code = main([str(a) for a in args])
    raw = out.value()
    return Result(code, raw.decode("utf-8", "replace"), err.value().decode("utf-8", "replace"), raw)


def run_kctl_process(*args: str, input: bytes | str | None = None, env: dict | None = None, timeout: float = 60) -> Result:
    """kctl as a separate process (for signals, pipes, start-up behaviour)."""
    full_env = {**os.environ, **(env or {})}
    data = input.encode() if isinstance(input, str) else input
    argv = [a if isinstance(a, bytes) else str(a) for a in args]  # bytes: raw (say, invalid UTF-8) arguments
    proc = subprocess.run([sys.executable, "-m", "kctl", *argv], input=data, capture_output=True,
                          env=full_env, timeout=timeout)
    return Result(proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace"), proc.stdout)


def run_answering_on_a_tty(*args: str, answer: bytes, timeout: float = 60) -> tuple[int, str, str]:
    """`kctl ARGS` in a child process whose stdin is a pseudo-terminal (so kctl asks its question),
    answered with `answer`: (exit code, stdout, stderr)."""
    import pty

    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "kctl", *args], stdin=slave, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=os.getcwd())
        os.close(slave)
        slave = None
        os.write(master, answer)
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out.decode(), err.decode()
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)


# ------------------------------------------------------------------------------ user documentation
# README.md is the user's front page; the depth is in docs/*.md. Tests that check the documentation
# read the page that holds the content, or all pages together for "is X documented anywhere".
REPO_ROOT = Path(__file__).resolve().parents[1]
DOCS_DIR = REPO_ROOT / "docs"


def doc_pages() -> list[Path]:
    """README.md and every docs/*.md page."""
    return [REPO_ROOT / "README.md", *sorted(DOCS_DIR.glob("*.md"))]


def all_docs_text() -> str:
    return "\n".join(page.read_text() for page in doc_pages())


def doc_section(page: str, heading: str) -> str:
    """The body of the `## heading` section of docs/<page> (up to the next `#`/`##` heading)."""
    text = (DOCS_DIR / page).read_text()
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^##? |\Z)", text, re.S | re.M)
    assert match, f"docs/{page} needs a '## {heading}' section"
    return match.group(1)


# ------------------------------------------------------------------------------ records in and out
# Writers and readers of the integration tests (imported lazily: the unit tests need no broker client).


def produce_counts(bootstrap: str, topic: str, per_partition: dict[int, int], t0: int | None = None) -> None:
    """per_partition {partition: n}: records m0..m(n-1) to each; record i at t0 + i s when t0 is given."""
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 1})
    for partition, count in per_partition.items():
        for i in range(count):
            stamp = {} if t0 is None else {"timestamp": t0 + i * 1000}
            producer.produce(topic, value=f"m{i}".encode(), partition=partition, **stamp)
    assert producer.flush(30) == 0


def fill(bootstrap: str, topic: str, count: int, partitions: int) -> None:
    """count varied records round-robin over the partitions: null keys and values, binary and null
    headers, record i at BASE_TS + 3i ms (the topic must keep old records: KEEP_OLD_RECORDS)."""
    from kctl.client import ProducerClient

    with ProducerClient(bootstrap=bootstrap, linger_ms=20) as producer:
        for i in range(count):
            headers = [("seq", str(i).encode()), ("bin", bytes([i % 256, 0xFF]))]
            if i % 7 == 0:
                headers.append(("null", None))
            producer.produce(topic, None if i % 11 == 0 else f"value-{i}-{'x' * (i % 50)}".encode(),
                             None if i % 13 == 0 else f"key-{i % 997}".encode(), partition=i % partitions,
                             headers=headers, timestamp_ms=BASE_TS + i * 3)
            if i % 1000 == 0:
                producer.poll(0)
        assert producer.flush(60) == 0


def read_partitions(bootstrap: str, topic: str, committed_only: bool = True) -> dict:
    """{partition: [(key, value, headers, timestamp)]}, read with kctl's ConsumerClient to the end of every partition."""
    from kctl.client import ConsumerClient

    with ConsumerClient(bootstrap=bootstrap, enable_partition_eof=True, fetch_wait_max_ms=50,
                        isolation_level="read_committed" if committed_only else "read_uncommitted") as consumer:
        partitions = consumer.topics(10, topic)[topic]
        ends = {p: consumer.watermarks(topic, p, 10)[1] for p in partitions}
        consumer.assign({(topic, p): consumer.OFFSET_BEGINNING for p in partitions})
        out = {p: [] for p in partitions}
        open_ = set(partitions)
        deadline = time.monotonic() + 120
        while open_ and time.monotonic() < deadline:
            for item in consumer.poll_items(10000, 1.0):
                if hasattr(item, "value"):
                    out[item.partition].append((item.key, item.value, tuple(item.headers), item.timestamp_ms))
                elif item.kind == "eof" and item.offset >= ends[item.partition]:
                    open_.discard(item.partition)
        assert not open_, f"partitions {open_} not read to the end"
        return out


def read_messages(bootstrap: str, topic: str, isolation: str = "read_uncommitted", timeout: float = 30) -> list:
    """Every record of topic as confluent Messages (all partitions, beginning to the high watermark),
    in partition/offset order."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "kctl-test-reader", "enable.auto.commit": False,
                         "isolation.level": isolation, "fetch.wait.max.ms": 50})
    try:
        metadata = consumer.list_topics(topic, timeout=10)
        partitions = sorted(metadata.topics[topic].partitions)
        # The ends are the high watermarks, for read_committed too: its own watermark is the last stable
        # offset, which stays before a committed transaction's records until the coordinator has written
        # the commit marker (after commit_transaction returned): such a partition would look empty.
        watermarks = Consumer({"bootstrap.servers": bootstrap, "group.id": "kctl-test-reader"})
        ends = {}
        try:
            for p in partitions:
                low, high = watermarks.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
                if high > low:
                    ends[p] = high
        finally:
            watermarks.close()
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in ends])
        records = []
        done = {p: False for p in ends}
        deadline = time.monotonic() + timeout
        while not all(done.values()) and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                # read_committed stops at the last stable offset: aborted/markers fill the rest
                for p in ends:
                    position = consumer.position([TopicPartition(topic, p)])[0].offset
                    if position >= ends[p]:
                        done[p] = True
                continue
            if msg.error():
                continue
            records.append(msg)
            if msg.offset() + 1 >= ends[msg.partition()]:
                done[msg.partition()] = True
        return sorted(records, key=lambda m: (m.partition(), m.offset()))
    finally:
        consumer.close()


def poll_records(consumer, count: int, timeout: float = 60, max_records: int | None = None) -> list:
    """At least `count` records from a kctl ConsumerClient's poll (fewer when `timeout` s pass first:
    the caller's assertion on them says what was missing)."""
    records: list = []
    deadline = time.monotonic() + timeout
    while len(records) < count and time.monotonic() < deadline:
        records += consumer.poll(max_records=max_records or count - len(records), timeout=min(1.0, timeout))
    return records
