"""Inputs of the activities (dataclasses, as the Temporal samples do). No heavy imports: the
workflow sandbox imports this module too."""

from __future__ import annotations

from dataclasses import dataclass

from kctl.models.workflow import CommittedOffset, Connection, Message


@dataclass(frozen=True)
class SendInput:
    handle: str
    message: Message
    connection: Connection = Connection()


@dataclass(frozen=True)
class SendBatchInput:
    handle: str
    messages: tuple[Message, ...]
    connection: Connection = Connection()


@dataclass(frozen=True)
class HandleInput:
    handle: str
    timeout_s: float = 10.0


@dataclass(frozen=True)
class PollInput:
    handle: str
    group_id: str
    topics: tuple[str, ...]
    max_records: int = 500
    timeout_ms: int = 1000
    offset_reset: str = "earliest"
    connection: Connection = Connection()


@dataclass(frozen=True)
class CommitInput:
    handle: str
    offsets: tuple[CommittedOffset, ...]  # next offsets to read, per partition


@dataclass(frozen=True)
class SeekInput:
    handle: str
    topic: str
    partition: int
    offset: int


@dataclass(frozen=True)
class TopicInput:
    topic_name: str | None = None
    num_partitions: int = 1
    replication_factor: int | None = None
    connection: Connection = Connection()
    timeout_s: float = 10.0


@dataclass(frozen=True)
class GroupInput:
    group_id: str | None = None
    connection: Connection = Connection()
    timeout_s: float = 10.0


@dataclass(frozen=True)
class BeginInput:
    handle: str
    transactional_id: str
    connection: Connection = Connection()
    timeout_s: float = 10.0


