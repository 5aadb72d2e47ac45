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
    """`kctl topics describe`: configs holds the values not at their Kafka default
    (config_sources says where each comes from: topic, broker, broker-default, static);
    size_bytes is the sum of the partitions' log sizes (one copy, the leader's), or null
    when the brokers do not report log dirs."""

    JSON_EXTRA = ("replication_factor", "messages")

    name: str
    topic_id: str | None
    internal: bool
    partitions: tuple[PartitionDetail, ...]
    configs: dict[str, str] = field(default_factory=dict)
    size_bytes: int | None = None
    config_sources: dict[str, str] = field(default_factory=dict)

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
class ContextInfo:
    """One named context of the kctl config file (`kctl config get-contexts`); secrets redacted."""

    name: str
    current: bool
    bootstrap: str | None = None
    instance: int | None = None
    properties: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ConfigView:
    """The effective configuration of one invocation (`kctl config view`); secrets redacted."""

    config_file: str
    context: str | None
    bootstrap: str
    bootstrap_source: str
    instance: int | None
    registry: str | None
    properties: dict[str, str] = field(default_factory=dict)
    property_sources: dict[str, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

# --- kctl e2e (shapes documented in kctl/services/e2e.py) ---------------------------------


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
    reason: str  # end, until, max_messages, idle, output_closed, interrupted
    duration_ms: int
    group: str | None = None

# ---------------------------------------------------------------------------------------- consumer groups


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
