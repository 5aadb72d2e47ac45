"""Parameters and results of the Temporal workflows (`kctl worker`, `kctl workflow`).

The parameter fields are the product spec's dictionaries, so a workflow can be started from any
Temporal client with a plain JSON object: {"messages": [...], "bootstrap_servers": [...], "flush": true}.
Where a workflow needs a cluster it takes `bootstrap_servers` (a list) or `instance_id` (the
registry instance, resolved on the worker); with neither, the worker's own cluster is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Connection:
    bootstrap_servers: tuple[str, ...] | None = None
    instance_id: int | None = None


@dataclass(frozen=True)
class Message:
    topic: str
    value: str | None = None
    key: str | None = None
    headers: dict[str, str] | None = None
    partition: int | None = None


@dataclass(frozen=True)
class ProducerParams:
    messages: tuple[Message, ...]
    bootstrap_servers: tuple[str, ...] | None = None
    instance_id: int | None = None
    flush: bool = True
    # One send_batch activity instead of one send_message per record.
    batch: bool = False
    # All messages in one transaction (begin, send..., commit); redone whole if its worker dies.
    transactional_id: str | None = None


@dataclass(frozen=True)
class SentRecord:
    topic: str
    partition: int
    offset: int
    timestamp_ms: int | None = None
    key: str | None = None


@dataclass(frozen=True)
class ProducerResult:
    records: tuple[SentRecord, ...]
    flushed: bool
    transactional_id: str | None = None
    attempts: int = 1  # how many workers the stateful sequence ran on


@dataclass(frozen=True)
class ConsumerParams:
    group_id: str
    topics: tuple[str, ...]
    bootstrap_servers: tuple[str, ...] | None = None
    instance_id: int | None = None
    poll_count: int = 5
    timeout_ms: int = 1000
    max_records: int = 500
    # Where a group without committed offsets starts (auto.offset.reset).
    offset_reset: str = "earliest"


@dataclass(frozen=True)
class ReceivedRecord:
    topic: str
    partition: int
    offset: int
    timestamp_ms: int | None
    key: str | None
    value: str | None
    headers: dict[str, str] = field(default_factory=dict)
    received_ms: float = 0.0


@dataclass(frozen=True)
class CommittedOffset:
    topic: str
    partition: int
    offset: int


@dataclass(frozen=True)
class ConsumerResult:
    records: tuple[ReceivedRecord, ...]
    committed: tuple[CommittedOffset, ...]
    attempts: int = 1


TOPIC_OPERATIONS = ("create", "delete", "list", "describe", "list_groups", "describe_group")


@dataclass(frozen=True)
class TopicParams:
    operation: str
    topic_name: str | None = None
    num_partitions: int = 1
    replication_factor: int | None = None
    group_id: str | None = None
    bootstrap_servers: tuple[str, ...] | None = None
    instance_id: int | None = None


@dataclass(frozen=True)
class TopicResult:
    operation: str
    ok: bool
    result: Any = None  # the JSON of the command's model (what `kctl topics ... -o json` prints)


@dataclass(frozen=True)
class E2EParams:
    topic_name: str | None = None
    test_messages_count: int = 100
    num_partitions: int = 3
    instance_id: int | None = None
    bootstrap_servers: tuple[str, ...] | None = None
    cleanup: bool = True
    replication_factor: int | None = None
    timeout_s: float = 30.0
