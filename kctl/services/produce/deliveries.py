"""Delivery accounting: failures counted (and kept for --failed-file), per-message reports.

On the bulk path one client-wide sink hears about failures only, and the acknowledged count is
produced - failed after a complete flush; options that need each message's fate attach its
origin (source, line) to every message instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import partial
from typing import Callable

from kctl import log, serde
from kctl.services.failure_sink import FailureSink


@dataclass
class Failure:
    source: str | None
    line: int | None
    key: bytes | None
    value: bytes | None
    headers: list | None
    error: str


def describe(source: str | None, line: int, several: bool = False) -> str:
    """How a message's origin is shown: line 3 (stdin), data.txt:3, message 3 (--value)."""
    if source is None:
        return f"message {line}"
    return f"{source}:{line}" if several or source != "stdin" else f"line {line}"


class Deliveries:
    """Produce's accounting around the one failure sink: where each failed record came from, the
    records kept for --failed-file, and the per-message reports of --report."""

    def __init__(self, topic: str, report: Callable[[dict], None] | None, failed_file: str | None):
        self.topic = topic
        self.report = report
        self.failed_file = failed_file
        self.failures = FailureSink()
        self.kept: list[Failure] = []  # for --failed-file
        self.several = False  # more than one input: name the file in every position

    def _fail(self, source, line, error, partition, key, value, headers=None) -> None:
        where = describe(source, line, self.several) if line is not None else None
        self.failures.add(error, where)
        if self.failed_file is not None:
            self.kept.append(Failure(source, line, key, value, headers, error.message))
        log.event("produce_failed", where=where, partition=partition, error=error.message)

    def on_failure(self, error, metadata, key, value) -> None:
        """The client-wide sink (messages produced without a callback: the bulk path)."""
        self._fail(None, None, error, metadata.partition, key, value)

    def callback(self, source: str | None, line: int, record) -> Callable:
        """The on_delivery callback of one tracked message."""
        keep = record if self.failed_file is not None else None
        return partial(self._delivered, source, line, keep)

    def _delivered(self, source, line, record, error, metadata) -> None:
        if error is not None:
            key, value, headers = (record.key, record.value, record.headers) if record is not None else (None, None, None)
            self._fail(source, line, error, metadata.partition, key, value, headers)
        if self.report:
            self.report({"source": source, "line": line, "topic": self.topic, "partition": metadata.partition,
                         "offset": None if error is not None else metadata.offset,
                         "error": None if error is None else error.message})

    def write_failed_file(self) -> None:
        if not self.failed_file or not self.kept:
            return
        with open(self.failed_file, "w", encoding="utf-8") as out:
            for failure in self.kept:
                record = serde.envelope(self.topic, -1, -1, None, failure.key, failure.value, failure.headers)
                for name in ("topic", "partition", "offset"):
                    record.pop(name, None)
                record["error"] = failure.error
                if failure.line is not None:
                    record["source"] = failure.source
                    record["line"] = failure.line
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
