"""Models of `kctl groups`."""

from __future__ import annotations

from dataclasses import dataclass, field

from kctl.models.common import ItemResult  # noqa: F401 - named in annotations


@dataclass(frozen=True)
class GroupSummary:
    """One consumer group of `kctl groups list`. state and type use the names Kafka's tools print
    (Stable, Empty, PreparingRebalance, CompletingRebalance, Dead, Unknown; Classic, Consumer);
    simple: a group that only commits offsets (assign mode), with no membership protocol. members, total_lag and max_time_lag_ms are
filled when the listing asked for lag (null otherwise, or when unknown); lag_error says why a
group's lag that was asked for could not be read."""

    group_id: str
    state: str
    type: str | None = None
    simple: bool = False
    members: int | None = None
    total_lag: int | None = None
    max_time_lag_ms: int | None = None
    lag_error: str | None = None  # why the lag asked for could not be read (kctl exits 5 or 6)


@dataclass(frozen=True)
class GroupMember:
    """A member of a consumer group; assignment maps topic -> assigned partitions. Consumer-protocol
    groups (KIP-848) only, else null: target_assignment, the partitions the broker is moving the
    member to (equal to assignment once it reconciled); member_epoch, the member's epoch (it
    reconciled when it equals the group's assignment_epoch)."""

    member_id: str
    client_id: str
    host: str
    group_instance_id: str | None = None
    assignment: dict[str, tuple[int, ...]] = field(default_factory=dict)
    target_assignment: dict[str, tuple[int, ...]] | None = None
    member_epoch: int | None = None


@dataclass(frozen=True)
class GroupPartitionOffset:
    """A partition a group committed an offset for or has assigned: lag = log_end_offset -
    committed_offset (null when nothing is committed or the log end is unknown); time_lag_ms =
    the group's measured_at_ms minus next_timestamp_ms, the timestamp of the first record not
    consumed yet (the one at the committed offset): 0 when caught up, null when nothing is
    committed or the record could not be read in time."""

    topic: str
    partition: int
    committed_offset: int | None
    log_end_offset: int | None
    lag: int | None
    member_id: str | None = None
    client_id: str | None = None
    host: str | None = None
    time_lag_ms: int | None = None
    next_timestamp_ms: int | None = None
    # Share groups (KIP-932) only, else null: the share-partition start offset (records before it
    # are all acknowledged; committed_offset is null, a share group commits none) and lag is the
    # broker's count of records from there to the end not yet acknowledged.
    start_offset: int | None = None


@dataclass(frozen=True)
class GroupDetail:
    """`kctl groups describe`: coordinator is the broker id, coordinator_host its host:port;
    total_lag sums the known lags (null when no partition has one), max_time_lag_ms is the
    largest time lag; topics rolls both up per topic; measured_at_ms: when the log ends were read
    (epoch ms, the "now" of the time lags)."""

    JSON_EXTRA = ("total_lag", "max_time_lag_ms", "topics")

    group_id: str
    state: str
    type: str | None
    simple: bool
    coordinator: int | None
    coordinator_host: str | None
    assignment_strategy: str | None
    members: tuple[GroupMember, ...]
    offsets: tuple[GroupPartitionOffset, ...]
    measured_at_ms: int | None = None
    # Consumer-protocol groups (KIP-848), else null: the group epoch (bumped by every change of
    # members or subscriptions) and the epoch of the target assignment the broker computed.
    group_epoch: int | None = None
    assignment_epoch: int | None = None

    @property
    def total_lag(self) -> int | None:
        return _sum(o.lag for o in self.offsets)

    @property
    def max_time_lag_ms(self) -> int | None:
        return _max(o.time_lag_ms for o in self.offsets)

    @property
    def topics(self) -> tuple["TopicLag", ...]:
        return topic_rollup(self.offsets)


@dataclass(frozen=True)
class TopicLag:
    """A group's lag on one topic: the sum of its partitions' lags and their largest time lag."""

    topic: str
    partitions: int
    lag: int | None
    max_time_lag_ms: int | None


def topic_rollup(rows) -> tuple[TopicLag, ...]:
    by_topic: dict[str, list] = {}
    for row in rows:
        by_topic.setdefault(row.topic, []).append(row)
    return tuple(TopicLag(t, len(rs), _sum(r.lag for r in rs), _max(r.time_lag_ms for r in rs))
                 for t, rs in sorted(by_topic.items()))


def _sum(values) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _max(values) -> int | None:
    known = [v for v in values if v is not None]
    return max(known) if known else None


@dataclass(frozen=True)
class GroupDescribeResult:
    """What `groups describe` found (rendered as the list `groups`) and the ids it did not find."""

    groups: tuple[GroupDetail, ...]
    missing: tuple[ItemResult, ...] = ()


@dataclass(frozen=True)
class OffsetReset:
    """One partition of an offset reset plan: the committed offset now (null: none) and the new
    one. reread: records consumed again (moving back), skipped: records never consumed (moving
    forward), both null without a committed offset; from/to_timestamp_ms: the timestamps of the
    first and last of those records (the time range they span). new_offset null with ok: left
    out (--skip-missing)."""

    topic: str
    partition: int
    current_offset: int | None
    new_offset: int | None
    ok: bool = True
    detail: str = ""
    error: str | None = None
    exit_code: int = 0
    reread: int | None = None
    skipped: int | None = None
    from_timestamp_ms: int | None = None
    to_timestamp_ms: int | None = None
    delete: bool = False  # undo: the committed offset is deleted (the partition had none before the reset)

    @property
    def name(self) -> str:
        return f"{self.topic}:{self.partition}"


@dataclass(frozen=True)
class OffsetResetResult:
    """`kctl groups reset-offsets` and `groups undo`: the plan (dry run) or what was applied
    (executed=true). active_members: the group's members when it was read (an --execute needs
    0); snapshot_id: the snapshot of the previous offsets saved before applying (`groups undo`);
    the extras total the re-read and skipped records and the time range they span."""

    JSON_EXTRA = ("records_reread", "records_skipped", "from_timestamp_ms", "to_timestamp_ms")

    group_id: str
    strategy: str
    executed: bool
    partitions: tuple[OffsetReset, ...]
    active_members: int = 0
    snapshot_id: str | None = None

    @property
    def failed(self) -> tuple[OffsetReset, ...]:
        return tuple(p for p in self.partitions if not p.ok)

    @property
    def records_reread(self) -> int:
        return sum(p.reread or 0 for p in self.partitions)

    @property
    def records_skipped(self) -> int:
        return sum(p.skipped or 0 for p in self.partitions)

    @property
    def from_timestamp_ms(self) -> int | None:
        known = [p.from_timestamp_ms for p in self.partitions if p.from_timestamp_ms is not None]
        return min(known) if known else None

    @property
    def to_timestamp_ms(self) -> int | None:
        known = [p.to_timestamp_ms for p in self.partitions if p.to_timestamp_ms is not None]
        return max(known) if known else None


@dataclass(frozen=True)
class SnapshotOffset:
    """offset null: the partition had no committed offset (the reset gave it one; undo deletes it)."""

    topic: str
    partition: int
    offset: int | None


@dataclass(frozen=True)
class GroupSnapshot:
    """The committed offsets of a group saved before a reset was applied (`groups history`):
    snapshot_id (sortable: creation time first), cluster_id of the cluster it was read from,
    created_ms (epoch ms), reason (the reset that followed)."""

    snapshot_id: str
    group_id: str
    cluster_id: str | None
    created_ms: int
    reason: str
    offsets: tuple[SnapshotOffset, ...]


# Trends of `groups lag`: how the lag moved over the window.
TRENDS = ("caught-up", "catching-up", "falling-behind", "steady", "unknown")


@dataclass(frozen=True)
class PartitionLag:
    """One partition of `kctl groups lag`: consume_rate (committed offsets) and produce_rate (log
    end) in records/s over the window (null on the first sample); trend: one of TRENDS; eta_s:
    seconds until caught up at the current net rate (null unless catching up)."""

    topic: str
    partition: int
    committed_offset: int | None
    log_end_offset: int | None
    lag: int | None
    time_lag_ms: int | None
    consume_rate: float | None = None
    produce_rate: float | None = None
    trend: str = "unknown"
    eta_s: float | None = None


@dataclass(frozen=True)
class GroupLag:
    """A group's lag with rates; the extras roll the partitions up (rates summed; trend and ETA of
    the group's total lag)."""

    JSON_EXTRA = ("total_lag", "max_time_lag_ms", "consume_rate", "produce_rate", "trend", "eta_s", "topics")

    group_id: str
    state: str
    members: int
    partitions: tuple[PartitionLag, ...]

    @property
    def total_lag(self) -> int | None:
        return _sum(p.lag for p in self.partitions)

    @property
    def max_time_lag_ms(self) -> int | None:
        return _max(p.time_lag_ms for p in self.partitions)

    @property
    def consume_rate(self) -> float | None:
        return _rate_sum(p.consume_rate for p in self.partitions)

    @property
    def produce_rate(self) -> float | None:
        return _rate_sum(p.produce_rate for p in self.partitions)

    @property
    def trend(self) -> str:
        return trend_of(self.total_lag, self.consume_rate, self.produce_rate)

    @property
    def eta_s(self) -> float | None:
        return eta_of(self.total_lag, self.consume_rate, self.produce_rate)

    @property
    def topics(self) -> tuple[TopicLag, ...]:
        return topic_rollup(self.partitions)


@dataclass(frozen=True)
class LagReport:
    """One refresh of `kctl groups lag` (one JSON line each with --watch and no terminal):
    measured_at_ms (epoch ms), window_s (the span the rates cover, null on the first sample),
    refresh (1, 2, ...), warning (say, a broker did not answer: the watch goes on)."""

    measured_at_ms: int
    window_s: float | None
    groups: tuple[GroupLag, ...]
    missing: tuple[ItemResult, ...] = ()
    refresh: int = 1
    warning: str | None = None


def trend_of(lag: int | None, consume: float | None, produce: float | None) -> str:
    if lag == 0:
        return "caught-up"
    if lag is None or consume is None or produce is None:
        return "unknown"
    net = consume - produce
    if net > 0:
        return "catching-up"
    if net < 0:
        return "falling-behind"
    return "steady"


def eta_of(lag: int | None, consume: float | None, produce: float | None) -> float | None:
    """Seconds to catch up at the current net rate (0 when caught up; null when not catching up)."""
    if lag == 0:
        return 0.0
    if lag is None or consume is None or produce is None or consume <= produce:
        return None
    return round(lag / (consume - produce), 1)


def _rate_sum(values) -> float | None:
    known = [v for v in values if v is not None]
    return round(sum(known), 1) if known else None
