"""Models of `kctl topics`."""

from __future__ import annotations

from dataclasses import dataclass, field

from kctl.models.common import ItemResult  # noqa: F401 - named in annotations


@dataclass(frozen=True)
class TopicSummary:
    name: str
    partitions: int
    replication_factor: int
    internal: bool = False


@dataclass(frozen=True)
class TopicSize:
    """`kctl topics list --sizes`: size_bytes is the sum of the leaders' log sizes (one copy;
    DescribeLogDirs), null when unknown, and size_note then says why."""

    name: str
    partitions: int
    replication_factor: int
    internal: bool = False
    size_bytes: int | None = None
    size_note: str | None = None


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
    """`kctl topics describe`: configs holds the values not at their Kafka default
    (config_sources says where each comes from: topic, broker, broker-default, static);
    size_bytes is the sum of the partitions' log sizes (one copy, the leader's), or null
    when unknown; size_note then says why (not asked for, or why DescribeLogDirs failed).
    configs_note: why the configs could not be read (say, no DESCRIBE_CONFIGS permission), else null."""

    JSON_EXTRA = ("replication_factor", "messages")

    name: str
    topic_id: str | None
    internal: bool
    partitions: tuple[PartitionDetail, ...]
    configs: dict[str, str] = field(default_factory=dict)
    size_bytes: int | None = None
    config_sources: dict[str, str] = field(default_factory=dict)
    size_note: str | None = None
    configs_note: str | None = None

    @property
    def replication_factor(self) -> int:
        return len(self.partitions[0].replicas) if self.partitions else 0

    @property
    def messages(self) -> int | None:
        counts = [p.messages for p in self.partitions]
        return None if any(c is None for c in counts) else sum(counts)


@dataclass(frozen=True)
class TopicDescribeResult:
    """What `topics describe` found (rendered as the list `topics`) and the names it did not find."""

    topics: tuple[TopicDetail, ...]
    missing: tuple[ItemResult, ...] = ()
