"""Results of `kctl perf produce|consume|latency`: throughput and an HDR latency histogram."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Percentile:
    percentile: float  # 0..100
    value_ms: float
    count: int  # records at or below this value


@dataclass(frozen=True)
class Latency:
    """Milliseconds, from an HDR histogram recorded in microseconds (3 significant digits)."""

    what: str  # send-to-ack | poll | end-to-end
    count: int
    mean_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float
    percentiles: tuple[Percentile, ...] = ()  # the full table (-o json)


@dataclass(frozen=True)
class PerfInterval:
    """One reporting interval (stderr lines while the test runs)."""

    records: int
    records_per_s: float
    mb_per_s: float
    mean_ms: float
    max_ms: float


@dataclass(frozen=True)
class PerfResult:
    test: str  # produce | consume | latency
    topic: str
    records: int  # acknowledged (produce), read (consume), round trips (latency)
    failed: int
    bytes: int
    elapsed_s: float
    records_per_s: float
    mb_per_s: float
    target_records_per_s: float | None
    latency: Latency
    settings: dict
