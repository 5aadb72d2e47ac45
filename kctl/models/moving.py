"""Models of the data-moving commands: copy (and, later, dump/restore)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CopyPartition:
    partition: int
    start: int  # the first source offset this run read from
    stop: int | None  # the source offset the copy stops at (exclusive); None with --follow
    committed: int  # the source offset committed with the last copied batch (exclusive)
    copied: int  # records written to the destination by this run
    skipped: int  # records --match left out

    @property
    def done(self) -> bool:
        return self.stop is None or self.committed >= self.stop


@dataclass(frozen=True)
class CopySummary:
    source: str
    destination: str
    group: str
    transactional_id: str | None
    guarantee: str  # exactly-once | at-least-once
    partition_preserve: bool
    copied: int
    skipped: int
    batches: int
    elapsed_s: float
    complete: bool  # every partition reached its stop point and it is committed in the destination
    stopped_by: str  # end | until | interrupted
    partitions: tuple[CopyPartition, ...]
    note: str = ""

    JSON_EXTRA = ("rate",)

    @property
    def rate(self) -> float:
        return round(self.copied / self.elapsed_s, 1) if self.elapsed_s > 0 else 0.0


@dataclass(frozen=True)
class DumpPartition:
    topic: str
    partition: int
    file: str  # relative to the dump directory
    records: int
    first_offset: int | None
    last_offset: int | None
    first_timestamp_ms: int | None
    last_timestamp_ms: int | None
    bytes: int
    sha256: str


@dataclass(frozen=True)
class DumpSummary:
    directory: str
    cluster_id: str | None
    compression: str
    records: int
    bytes: int
    elapsed_s: float
    partitions: tuple[DumpPartition, ...]


@dataclass(frozen=True)
class RestorePartition:
    topic: str  # the topic written to
    partition: int
    expected: int  # records in the dump's file
    written: int  # records the destination acknowledged

    @property
    def ok(self) -> bool:
        return self.expected == self.written


@dataclass(frozen=True)
class RestoreSummary:
    directory: str
    topics: tuple[str, ...]
    created: tuple[str, ...]
    expected: int
    written: int
    failed: int
    elapsed_s: float
    partitions: tuple[RestorePartition, ...]

    JSON_EXTRA = ("complete",)

    @property
    def complete(self) -> bool:
        return self.failed == 0 and self.expected == self.written
