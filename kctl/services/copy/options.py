"""The options of `kctl copy` (pure): what to copy, where it stops, how it is batched."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kctl.errors import UsageError
from kctl.services.consume.options import Match, Position, parse_from, parse_matches, parse_until, utf8


def default_group(source: str, destination: str) -> str:
    """The group (and so the resume point) of one SRC -> DST copy: stable across runs."""
    clean = re.sub(r"[^A-Za-z0-9._-]", "_", f"{source}--{destination}")
    return f"kctl-copy-{clean}"


@dataclass(frozen=True)
class CopyOptions:
    source: str
    destination: str
    group: str | None = None
    transactional_id: str | None = None
    start: Position | None = None  # where a partition the group never committed starts (default beginning)
    until: Position | None = None  # default: the end offsets at start (unless follow)
    follow: bool = False
    matches: tuple[Match, ...] = field(default_factory=tuple)
    where: object = None  # a kctl.services.where.Where: copy only records it holds for (and every --match)
    rate: float | None = None  # records per second
    batch: int = 5000
    batch_ms: float = 200.0
    partition_preserve: bool | None = None  # None: when DST has at least as many partitions
    create: bool = False
    timeout: float = 10.0

    @classmethod
    def parse(cls, source: str, destination: str, *, from_: str | None = None, until: str | None = None,
              match: list[str] | None = None, **kwargs) -> "CopyOptions":
        return cls(source=source, destination=destination, start=parse_from(from_), until=parse_until(until),
                   matches=parse_matches(match), **kwargs).validated()

    def validated(self) -> "CopyOptions":
        for value, option in ((self.source, "SRC"), (self.destination, "DST"), (self.group, "--group"),
                              (self.transactional_id, "--transactional-id")):
            if value is not None:
                utf8(value, option)
                if not value:
                    raise UsageError(f"{option} must not be empty")
        if self.start is not None and self.start.kind == "stored":
            raise UsageError("--from stored: copy always resumes from its group's offsets",
                             hint="--from says where partitions the group never copied start")
        if self.follow and self.until is not None:
            raise UsageError("--follow and --until exclude each other")
        if self.batch < 1:
            raise UsageError("--batch must be at least 1")
        if not 1 <= self.batch_ms <= 600_000:
            raise UsageError("--batch-ms must be from 1 to 600000")
        if self.rate is not None and not 0 < self.rate < float("inf"):
            raise UsageError("--rate must be a positive number of records per second")
        group = self.group or default_group(self.source, self.destination)
        return CopyOptions(**{**self.__dict__, "group": group})
