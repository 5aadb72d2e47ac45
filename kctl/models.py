"""Frozen dataclasses returned by services.

Their field names ARE the JSON/YAML output contract (see README "Output shapes"):
rename a field only together with a changelog entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ItemResult:
    """One row of a multi-item operation: ok, or the reason it failed."""

    name: str
    ok: bool
    detail: str = ""
    error: str | None = None
    exit_code: int = 0


@dataclass(frozen=True)
class OperationResult:
    operation: str
    items: tuple[ItemResult, ...]
    dry_run: bool = False

    @property
    def failed(self) -> tuple[ItemResult, ...]:
        return tuple(i for i in self.items if not i.ok)


@dataclass(frozen=True)
class BrokerInfo:
    id: int
    host: str
    port: int
    is_controller: bool = False


@dataclass(frozen=True)
class ClusterInfo:
    cluster_id: str | None
    controller_id: int | None
    brokers: tuple[BrokerInfo, ...]
    topic_count: int


@dataclass(frozen=True)
class TopicSummary:
    name: str
    partitions: int
    replication_factor: int
    internal: bool = False


@dataclass(frozen=True)
class PartitionDetail:
    partition: int
    leader: int | None
    replicas: tuple[int, ...]
    isr: tuple[int, ...]
    low_watermark: int | None = None
    high_watermark: int | None = None
    messages: int | None = None
    size_bytes: int | None = None


@dataclass(frozen=True)
class TopicDetail:
    name: str
    topic_id: str | None
    internal: bool
    partitions: tuple[PartitionDetail, ...]
    configs: dict[str, str] = field(default_factory=dict)
    size_bytes: int | None = None

    @property
    def replication_factor(self) -> int:
        return len(self.partitions[0].replicas) if self.partitions else 0

    @property
    def messages(self) -> int | None:
        counts = [p.messages for p in self.partitions]
        return None if any(c is None for c in counts) else sum(counts)


@dataclass(frozen=True)
class LocalBroker:
    node_id: int
    port: int
    controller_port: int
    pid: int | None
    running: bool
    data_dir: str
    log_file: str


@dataclass(frozen=True)
class LocalInstance:
    instance: int
    bootstrap: str
    running: bool
    brokers: tuple[LocalBroker, ...]
    kafka_version: str | None = None
    already_running: bool = False


@dataclass(frozen=True)
class ConsumeSummary:
    """What one `kctl consume` run did (logged as the consume_done event)."""

    messages: int
    bytes: int
    skipped: int
    reason: str  # end, until, max_messages, idle, output_closed, interrupted
    duration_ms: int
    group: str | None = None
