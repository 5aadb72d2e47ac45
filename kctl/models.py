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
