"""Models of `kctl txn`. Times are epoch milliseconds; durations are measured against this
machine's clock when the command ran. State names are the broker's (Ongoing, PrepareCommit,
PrepareAbort, CompleteCommit, CompleteAbort, Empty, Dead, PrepareEpochFence)."""

from __future__ import annotations

from dataclasses import dataclass, field

from kctl.models.common import ItemResult  # noqa: F401 - named in annotations


@dataclass(frozen=True)
class TransactionSummary:
    """One transactional id of `kctl txn list`. coordinator: the broker id of its transaction
    coordinator; producer_epoch: null when the id could not be described."""

    transactional_id: str
    producer_id: int
    producer_epoch: int | None
    state: str
    coordinator: int


@dataclass(frozen=True)
class TransactionDetail:
    """`kctl txn describe`: partitions maps topic -> the partitions in the current transaction;
    start_time_ms and duration_ms are null when no transaction is open."""

    transactional_id: str
    state: str
    producer_id: int
    producer_epoch: int
    timeout_ms: int
    start_time_ms: int | None
    duration_ms: int | None
    coordinator: int
    partitions: dict[str, tuple[int, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class TransactionDescribeResult:
    """What `txn describe` found (rendered as the list `transactions`) and the ids it did not find."""

    transactions: tuple[TransactionDetail, ...]
    missing: tuple[ItemResult, ...] = ()


@dataclass(frozen=True)
class ActiveProducer:
    """A producer with state on a partition (DescribeProducers). current_txn_start_offset: the
    first offset of its open transaction there (null: none open); it holds back the partition's
    last stable offset, so read_committed consumers stop before it."""

    producer_id: int
    producer_epoch: int
    last_sequence: int
    last_timestamp_ms: int | None
    coordinator_epoch: int
    current_txn_start_offset: int | None


@dataclass(frozen=True)
class PartitionProducers:
    """`kctl txn describe-producers`: one partition, the broker that answered, its active producers."""

    topic: str
    partition: int
    broker: int | None
    producers: tuple[ActiveProducer, ...] = ()
    error: str | None = None
    exit_code: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def name(self) -> str:
        return f"{self.topic}:{self.partition}"


@dataclass(frozen=True)
class HangingTransaction:
    """An open transaction on a partition that its coordinator no longer knows about: it keeps
    the partition's last stable offset (and every read_committed consumer) from moving on until
    it is aborted. duration_ms: since the producer last wrote to the partition."""

    topic: str
    partition: int
    producer_id: int
    producer_epoch: int
    coordinator_epoch: int
    start_offset: int
    last_timestamp_ms: int | None
    duration_ms: int | None
    transactional_id: str | None
    coordinator_state: str | None
    reason: str


@dataclass(frozen=True)
class HangingReport:
    """`kctl txn find-hanging`: how many partitions were read, how many open transactions they
    had and how many of those were older than max_age_ms (the candidates the coordinators were
    asked about), the hanging ones, and the partitions that could not be read."""

    max_age_ms: int
    partitions_checked: int
    open_transactions: int
    candidates: int
    hanging: tuple[HangingTransaction, ...] = ()
    errors: tuple[ItemResult, ...] = ()


@dataclass(frozen=True)
class TransactionAbort:
    """`kctl txn abort`: the open transaction an abort marker is (aborted=true: was) written for.
    start_offset: where it starts on the partition (null when not known)."""

    topic: str
    partition: int
    producer_id: int
    producer_epoch: int
    coordinator_epoch: int
    start_offset: int | None
    aborted: bool = False
