"""Models of the data path: `kctl produce`, `kctl consume`, `kctl topics partition-for`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProduceSummary:
    """What `kctl produce` did: sent = acknowledged by the broker (committed, with a transaction)."""

    topic: str
    sent: int
    failed: int = 0
    skipped: int = 0
    not_sent: int = 0
    bytes: int = 0
    seconds: float = 0.0
    transactional: bool = False

    JSON_EXTRA = ("msgs_per_sec", "mb_per_sec")

    @property
    def msgs_per_sec(self) -> float:
        return round(self.sent / self.seconds, 1) if self.seconds > 0 else 0.0

    @property
    def mb_per_sec(self) -> float:
        return round(self.bytes / 1e6 / self.seconds, 2) if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class KeyPartition:
    """Where a key lands (`kctl topics partition-for`)."""

    topic: str
    key: str
    partition: int
    partitions: int
    partitioner: str = "murmur2"


@dataclass(frozen=True)
class ConsumeSummary:
    """What one `kctl consume` run did (logged as the consume_done event)."""

    messages: int
    bytes: int
    skipped: int
    reason: str  # end, until, max_messages, idle, output_closed, output_failed, interrupted
    duration_ms: int
    group: str | None = None
    partitions: int = 0  # partitions read (assigned at some point of the run)


@dataclass(frozen=True)
class SearchCount:
    """One partition of a `kctl search`: the offsets of its window, records read, records matched."""

    topic: str
    partition: int
    start_offset: int
    end_offset: int  # exclusive
    scanned: int
    matched: int
