"""Workflow parameters as `kctl workflow` accepts them: the spec's JSON dictionaries decoded strictly
(kctl.decode) with the bounds of the matching CLI options, then turned into the dataclasses the
workflows take (kctl.models.workflow). No temporalio import: this runs before anything is started.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from kctl.decode import NonEmptyStr, NonNegativeInt, PositiveInt, Strict, decode
from kctl.errors import UsageError
from kctl.models.choices import MAX_PARTITIONS, MAX_REPLICATION
from kctl.models.workflow import TOPIC_OPERATIONS, ConsumerParams, E2EParams, ProducerParams, TopicParams

Partitions = Annotated[int, msgspec.Meta(ge=1, le=MAX_PARTITIONS)]
Replication = Annotated[int, msgspec.Meta(ge=1, le=MAX_REPLICATION)]
Servers = Annotated[list[NonEmptyStr], msgspec.Meta(min_length=1)]
TimeoutMs = Annotated[int, msgspec.Meta(ge=1, le=3_600_000)]
TimeoutS = Annotated[float, msgspec.Meta(gt=0, le=86_400)]
MaxRecords = Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]


class _Cluster(Strict, kw_only=True):
    bootstrap_servers: Servers | None = None
    instance_id: NonNegativeInt | None = None


class MessageIn(Strict):
    topic: NonEmptyStr
    value: str | None = None
    key: str | None = None
    headers: dict[str, str | None] | None = None
    partition: NonNegativeInt | None = None


class ProducerIn(_Cluster, kw_only=True):
    messages: Annotated[list[MessageIn], msgspec.Meta(min_length=1)]
    flush: bool = True
    batch: bool = False
    transactional_id: NonEmptyStr | None = None


class ConsumerIn(_Cluster, kw_only=True):
    group_id: NonEmptyStr
    topics: Annotated[list[NonEmptyStr], msgspec.Meta(min_length=1)]
    poll_count: PositiveInt = 5
    timeout_ms: TimeoutMs = 1000
    max_records: MaxRecords = 500
    offset_reset: Literal["earliest", "latest"] = "earliest"


class TopicIn(_Cluster, kw_only=True):
    operation: NonEmptyStr
    topic_name: NonEmptyStr | None = None
    num_partitions: Partitions = 1
    replication_factor: Replication | None = None
    group_id: NonEmptyStr | None = None


class E2EIn(_Cluster, kw_only=True):
    topic_name: NonEmptyStr | None = None
    test_messages_count: PositiveInt = 100
    num_partitions: Partitions = 3
    cleanup: bool = True
    replication_factor: Replication | None = None
    timeout_s: TimeoutS = 30.0


DECODED = {"produce": ProducerIn, "consume": ConsumerIn, "topic": TopicIn, "e2e": E2EIn}


def decode_params(kind: str, document, source: str):
    """The workflow's parameter dataclass, or a UsageError naming `source` and the bad field's path."""
    value = decode(document, DECODED[kind], source)
    if value.bootstrap_servers is not None and value.instance_id is not None:
        raise UsageError(f"{source}: give bootstrap_servers or instance_id, not both",
                         hint="the workflow changes the one cluster its parameters name")
    if isinstance(value, TopicIn):
        if value.operation not in TOPIC_OPERATIONS:
            raise UsageError(f"{source}: operation: unknown operation {value.operation!r} "
                             f"(one of {', '.join(TOPIC_OPERATIONS)})")
        if value.operation in ("create", "delete", "describe") and value.topic_name is None:
            raise UsageError(f"{source}: operation {value.operation} needs topic_name")
        if value.operation == "describe_group" and value.group_id is None:
            raise UsageError(f"{source}: operation describe_group needs group_id")
    cls = {"produce": ProducerParams, "consume": ConsumerParams, "topic": TopicParams, "e2e": E2EParams}[kind]
    return msgspec.convert(msgspec.to_builtins(value), cls)
