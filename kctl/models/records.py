"""The record types of kctl's client API (the seed's ProducerRecord / RecordMetadata / ConsumerRecord).

Keys, values and header values are bytes on the wire; a ProducerRecord also accepts str (UTF-8
encoded by the producer's serializer) or any value its serializers know.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ProducerRecord:
    topic: str
    value: Any = None
    key: Any = None
    headers: tuple[tuple[str, bytes | None], ...] | dict | list = ()
    partition: int | None = None  # None: the producer's partitioner decides
    timestamp_ms: int | None = None  # None: the producer's clock (CreateTime)


@dataclass(frozen=True)
class RecordMetadata:
    """Where the broker stored a record."""

    topic: str
    partition: int
    offset: int
    timestamp_ms: int | None = None


@dataclass(frozen=True)
class ConsumerRecord:
    topic: str
    partition: int
    offset: int
    timestamp_ms: int | None
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes | None], ...] = field(default_factory=tuple)
    timestamp_type: str = "create"  # create | log_append | none

    def value_text(self) -> str | None:
        return None if self.value is None else self.value.decode("utf-8", "replace")

    def key_text(self) -> str | None:
        return None if self.key is None else self.key.decode("utf-8", "replace")


@dataclass(frozen=True)
class ShareRecord(ConsumerRecord):
    """A record acquired by a share-group member (KIP-932): how often it was delivered (1 the first
    time, more after a release or an expired lock) and the library's message, to acknowledge it."""

    delivery_count: int | None = None
    message: object = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class TopicPartitionOffset:
    topic: str
    partition: int
    offset: int


@dataclass(frozen=True)
class ConsumerEvent:
    """What a consumer reports instead of a record: end of a partition or an error.
    kind: eof | not_found | fatal | transient; error: the KctlError for not_found/fatal."""

    kind: str
    topic: str | None
    partition: int | None
    offset: int | None
    message: str = ""
    code: str = ""
    retriable: bool = False
    error: Exception | None = None
