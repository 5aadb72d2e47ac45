"""Models of `kctl e2e run` (the JSON shape is documented in kctl/services/e2e.py)."""

from __future__ import annotations

from dataclasses import dataclass

from kctl.models.common import ClusterInfo  # noqa: F401 - named in annotations


@dataclass(frozen=True)
class E2EStep:
    """One row of the end-to-end checklist."""

    name: str
    title: str
    status: str  # pending | running | passed | failed | skipped
    duration_ms: float = 0.0
    detail: str = ""
    error: str | None = None


@dataclass(frozen=True)
class E2ESettings:
    messages: int
    partitions: int
    replication_factor: int | None
    consumers: int
    transactional: bool
    cleanup: bool
    reuse: bool
    max_p99_ms: float | None
    timeout_s: float
    group_protocol: str = "classic"  # classic or consumer (KIP-848)
    assignor: str | None = None  # the consumer protocol's broker-side assignor, when one was chosen


@dataclass(frozen=True)
class LatencyStats:
    count: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float


@dataclass(frozen=True)
class PartitionLatency:
    partition: int
    count: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float


@dataclass(frozen=True)
class E2ELatency:
    overall: LatencyStats
    partitions: tuple[PartitionLatency, ...]


@dataclass(frozen=True)
class E2EMemberAssignment:
    member: str
    partitions: tuple[int, ...]


@dataclass(frozen=True)
class E2EPartitionOffsets:
    partition: int
    committed: int | None
    end_offset: int | None


@dataclass(frozen=True)
class E2ETransactions:
    committed_sent: int
    committed_visible: int
    aborted_sent: int
    aborted_visible: int
    aborted_in_log: int


@dataclass(frozen=True)
class E2EReport:
    """The result of one `kctl e2e run` against one cluster."""

    ok: bool
    exit_code: int
    instance: int | None
    bootstrap: str
    topic: str
    group: str
    run_id: str
    started_at: str
    duration_ms: float
    settings: E2ESettings
    cluster: ClusterInfo | None
    steps: tuple[E2EStep, ...]
    produced: int = 0
    consumed: int = 0
    missing: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    corrupt: int = 0
    assignment: tuple[E2EMemberAssignment, ...] = ()
    offsets: tuple[E2EPartitionOffsets, ...] = ()
    latency: E2ELatency | None = None
    transactions: E2ETransactions | None = None

    @property
    def failed_steps(self) -> tuple[E2EStep, ...]:
        return tuple(s for s in self.steps if s.status == "failed")


@dataclass(frozen=True)
class E2ESummary:
    """Several runs: canary mode (--repeat) or --all-instances."""

    mode: str  # repeat | all_instances
    ok: bool
    exit_code: int
    runs: tuple[E2EReport, ...]
    passed: int
    failed: int
    unreachable: tuple[int, ...] = ()
    duration_p50_ms: float | None = None
    duration_max_ms: float | None = None
    p99_p50_ms: float | None = None
    p99_max_ms: float | None = None
