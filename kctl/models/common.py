"""Models shared by every command group: per-item operation results, cluster metadata."""

from __future__ import annotations

from dataclasses import dataclass


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
class VersionInfo:
    """`kctl version`: kctl's and its Kafka client's versions, and the Kafka `kctl local up` runs by default."""

    kctl: str
    distribution: str
    python: str
    client: str  # the Python Kafka client kctl runs on (confluent-kafka)
    client_version: str
    librdkafka: str
    local_kafka_default: str
