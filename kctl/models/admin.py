"""What kctl.client.AdminClient returns: cluster, topic, group, transaction and log dir facts as
the brokers report them (the command models in topics/groups/txn are built from these)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

from kctl.errors import KctlError

if TYPE_CHECKING:  # an annotation only: kctl.models.groups (13 dataclasses) is not on `topics list`'s path
    from kctl.models.groups import GroupMember

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """The answer for one item of a multi-item request: a value, or the error it failed with.
    elapsed_ms: when the answer arrived, counted from the start of the request."""

    value: T | None = None
    error: KctlError | None = None
    elapsed_ms: int | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class PartitionInfo:
    partition: int
    leader: int | None  # None: no leader right now
    replicas: tuple[int, ...]
    isr: tuple[int, ...]


@dataclass(frozen=True)
class TopicInfo:
    """A topic from metadata (topic_id None) or from DescribeTopics; partitions sorted by id."""

    name: str
    partitions: tuple[PartitionInfo, ...]
    topic_id: str | None = None
    internal: bool = False

    @property
    def has_leaders(self) -> bool:
        return bool(self.partitions) and all(p.leader is not None for p in self.partitions)

    @property
    def replication_factor(self) -> int:
        return max((len(p.replicas) for p in self.partitions), default=0)

    @property
    def partition_ids(self) -> tuple[int, ...]:
        return tuple(p.partition for p in self.partitions)


@dataclass(frozen=True)
class ConfigEntry:
    """One config of a resource. source: topic, broker, broker-default, static, default or unknown;
    value None for a sensitive value (the broker never returns those)."""

    name: str
    value: str | None
    source: str
    sensitive: bool = False
    read_only: bool = False
    is_default: bool = False


@dataclass(frozen=True)
class GroupDescription:
    group_id: str
    state: str
    type: str | None
    simple: bool
    assignor: str | None
    coordinator: int | None
    coordinator_host: str | None
    members: tuple[GroupMember, ...] = ()

    @property
    def absent(self) -> bool:
        """How a group id the broker never saw comes back: Dead (or Unknown) with no members."""
        return self.state in ("Dead", "Unknown") and not self.members


@dataclass(frozen=True)
class TransactionListing:
    transactional_id: str
    producer_id: int
    state: str
    coordinator: int


@dataclass(frozen=True)
class TransactionDescription:
    transactional_id: str
    coordinator: int
    state: str
    producer_id: int
    producer_epoch: int
    timeout_ms: int
    start_time_ms: int | None
    partitions: tuple[tuple[str, int], ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ReplicaLogDir:
    """One replica's log in a broker's log dir (DescribeLogDirs). is_future: a copy being moved
    between the broker's log dirs."""

    broker: int
    log_dir: str
    topic: str
    partition: int
    size_bytes: int
    is_future: bool = False


@dataclass(frozen=True)
class GroupListing:
    """ListGroups asks every broker: errors are the brokers that did not answer (their groups are missing)."""

    groups: tuple = ()  # (GroupSummary...)
    errors: tuple[KctlError, ...] = ()


@dataclass(frozen=True)
class RecordPosition:
    """The first record at or after an offset: its offset and timestamp (epoch ms; None when
    the record has none)."""

    topic: str
    partition: int
    offset: int
    timestamp_ms: int | None


@dataclass(frozen=True)
class LogDirInfo:
    """One log dir of one broker (DescribeLogDirs): total_bytes and usable_bytes as the broker
    reports them (null before Kafka 3.3); error: why the dir is offline, else null."""

    JSON_EXTRA = ("size_bytes",)

    broker: int
    log_dir: str
    error: str | None = None
    total_bytes: int | None = None
    usable_bytes: int | None = None
    replicas: tuple[ReplicaLogDir, ...] = ()

    @property
    def size_bytes(self) -> int:
        return sum(r.size_bytes for r in self.replicas)
