"""Models of `kctl groups`."""

from __future__ import annotations

from dataclasses import dataclass, field

from kctl.models.common import ItemResult  # noqa: F401 - named in annotations


@dataclass(frozen=True)
class GroupSummary:
    """One consumer group of `kctl groups list`. state and type use the names Kafka's tools print
    (Stable, Empty, PreparingRebalance, CompletingRebalance, Dead, Unknown; Classic, Consumer);
    simple: a group that only commits offsets (assign mode), with no membership protocol."""

    group_id: str
    state: str
    type: str | None = None
    simple: bool = False


@dataclass(frozen=True)
class GroupMember:
    """A member of a consumer group; assignment maps topic -> assigned partitions."""

    member_id: str
    client_id: str
    host: str
    group_instance_id: str | None = None
    assignment: dict[str, tuple[int, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class GroupPartitionOffset:
    """A partition a group committed an offset for or has assigned: lag = log_end_offset -
    committed_offset (null when nothing is committed or the log end is unknown)."""

    topic: str
    partition: int
    committed_offset: int | None
    log_end_offset: int | None
    lag: int | None
    member_id: str | None = None
    client_id: str | None = None
    host: str | None = None


@dataclass(frozen=True)
class GroupDetail:
    """`kctl groups describe`: coordinator is the broker id, coordinator_host its host:port;
    total_lag sums the known lags (null when no partition has one)."""

    JSON_EXTRA = ("total_lag",)

    group_id: str
    state: str
    type: str | None
    simple: bool
    coordinator: int | None
    coordinator_host: str | None
    assignment_strategy: str | None
    members: tuple[GroupMember, ...]
    offsets: tuple[GroupPartitionOffset, ...]

    @property
    def total_lag(self) -> int | None:
        lags = [o.lag for o in self.offsets if o.lag is not None]
        return sum(lags) if lags else None


@dataclass(frozen=True)
class GroupDescribeResult:
    """What `groups describe` found (rendered as the list `groups`) and the ids it did not find."""

    groups: tuple[GroupDetail, ...]
    missing: tuple[ItemResult, ...] = ()


@dataclass(frozen=True)
class OffsetReset:
    """One partition of an offset reset plan: the committed offset now (null: none) and the new one."""

    topic: str
    partition: int
    current_offset: int | None
    new_offset: int | None
    ok: bool = True
    detail: str = ""
    error: str | None = None
    exit_code: int = 0

    @property
    def name(self) -> str:
        return f"{self.topic}:{self.partition}"


@dataclass(frozen=True)
class OffsetResetResult:
    """`kctl groups reset-offsets`: the plan (dry run) or what was applied (executed=true).
    active_members: the group's members when it was read (an --execute needs 0)."""

    group_id: str
    strategy: str
    executed: bool
    partitions: tuple[OffsetReset, ...]
    active_members: int = 0

    @property
    def failed(self) -> tuple[OffsetReset, ...]:
        return tuple(p for p in self.partitions if not p.ok)
