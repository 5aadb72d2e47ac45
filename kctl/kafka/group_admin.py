"""Consumer group admin requests over confluent_kafka's AdminClient (and kafka-python for
OffsetDelete, which confluent-kafka 2.16 lacks), with results as plain values.

Like kctl.kafka.topic_admin, each function starts requests and returns futures keyed by
something printable; kctl.kafka.clients.wait_each waits on them one by one.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future

from kctl.kafka.topic_admin import _mapped

# librdkafka's state/type enum names -> the names Kafka's own tools print.
STATE_NAMES = {
    "UNKNOWN": "Unknown",
    "PREPARING_REBALANCING": "PreparingRebalance",
    "COMPLETING_REBALANCING": "CompletingRebalance",
    "STABLE": "Stable",
    "DEAD": "Dead",
    "EMPTY": "Empty",
}
TYPE_NAMES = {"UNKNOWN": "Unknown", "CONSUMER": "Consumer", "CLASSIC": "Classic"}


def _state(value) -> str:
    return STATE_NAMES.get(getattr(value, "name", str(value)), "Unknown")


def _type(value) -> str | None:
    if value is None:
        return None
    return TYPE_NAMES.get(getattr(value, "name", str(value)), "Unknown")


def list_groups(admin, timeout: float) -> Future:
    """A future of ([{group_id, state, type, simple}], [error...]): the brokers that did not answer
    come back as errors next to the groups the others listed."""
    future = admin.list_consumer_groups(request_timeout=timeout)

    def convert(result):
        groups = [
            {"group_id": g.group_id, "state": _state(g.state), "type": _type(g.type),
             "simple": bool(g.is_simple_consumer_group)}
            for g in result.valid
        ]
        return groups, list(result.errors or ())

    return _mapped(future, convert)


def describe_groups(admin, group_ids: list[str], timeout: float) -> dict[str, Future]:
    """Futures of {state, type, simple, assignor, coordinator: (id, 'host:port') | None,
    members: [{member_id, client_id, host, group_instance_id, assignment: [(topic, partition)]}]}."""
    if not group_ids:
        return {}
    futures = admin.describe_consumer_groups(list(group_ids), request_timeout=timeout)
    return {group: _mapped(future, _description) for group, future in futures.items()}


def _description(d) -> dict:
    coordinator = None
    if d.coordinator is not None and d.coordinator.id >= 0:
        coordinator = (d.coordinator.id, f"{d.coordinator.host}:{d.coordinator.port}")
    members = []
    for m in d.members or ():
        tps = m.assignment.topic_partitions if m.assignment is not None else []
        members.append({
            "member_id": m.member_id,
            "client_id": m.client_id,
            "host": m.host,
            "group_instance_id": m.group_instance_id,
            "assignment": sorted((tp.topic, tp.partition) for tp in tps),
        })
    return {
        "state": _state(d.state),
        "type": _type(getattr(d, "type", None)),
        "simple": bool(d.is_simple_consumer_group),
        "assignor": d.partition_assignor or None,
        "coordinator": coordinator,
        "members": members,
    }


def committed_offsets(admin, group_ids: list[str], timeout: float) -> dict[str, Future]:
    """Futures of {(topic, partition): offset} for every partition the group committed an offset for
    (the API takes one group per request: one request each, all in flight together)."""
    from confluent_kafka import ConsumerGroupTopicPartitions

    out = {}
    for group in group_ids:
        futures = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)], request_timeout=timeout)
        out[group] = _mapped(next(iter(futures.values())), _offsets)
    return out


def _offsets(result) -> dict[tuple[str, int], int]:
    # A partition without a committed offset comes back as OFFSET_INVALID (-1001): leave it out.
    return {(tp.topic, tp.partition): tp.offset for tp in result.topic_partitions or () if tp.offset >= 0}


def list_offsets_at(admin, partitions: list[tuple[str, int]], timestamp_ms: int, timeout: float) -> dict[tuple[str, int], Future]:
    """Futures of the first offset whose timestamp is >= timestamp_ms, or None when no such record exists."""
    from confluent_kafka import TopicPartition
    from confluent_kafka.admin import OffsetSpec

    if not partitions:
        return {}
    futures = admin.list_offsets({TopicPartition(t, p): OffsetSpec.for_timestamp(timestamp_ms) for t, p in partitions},
                                 request_timeout=timeout)
    return {(tp.topic, tp.partition): _mapped(f, lambda info: info.offset if info.offset >= 0 else None)
            for tp, f in futures.items()}


def alter_offsets(admin, group: str, offsets: dict[tuple[str, int], int], timeout: float) -> Future:
    """A future of {(topic, partition): error or None}: the broker accepts or rejects each partition."""
    from confluent_kafka import ConsumerGroupTopicPartitions, TopicPartition

    request = ConsumerGroupTopicPartitions(group, [TopicPartition(t, p, o) for (t, p), o in sorted(offsets.items())])
    futures = admin.alter_consumer_group_offsets([request], request_timeout=timeout)

    def convert(result):
        from kctl.errors import from_kafka_error

        return {(tp.topic, tp.partition): (from_kafka_error(tp.error) if tp.error is not None else None)
                for tp in result.topic_partitions or ()}

    return _mapped(next(iter(futures.values())), convert)


def delete_groups(admin, group_ids: list[str], timeout: float) -> dict[str, Future]:
    if not group_ids:
        return {}
    return admin.delete_consumer_groups(list(group_ids), request_timeout=timeout)


# ---------------------------------------------------------------------------------------- OffsetDelete


def delete_offsets(conf: dict, group: str, partitions: list[tuple[str, int]], timeout: float) -> dict[tuple[str, int], object]:
    """Delete a group's committed offsets (OffsetDelete, through kafka-python): {(topic, partition): KctlError | None}.

    A group-level error (unknown group, a non-empty group...) raises a KctlError.
    """
    from kctl.errors import ConfigError
    from kctl.kafka.logdirs import kafka_python_kwargs

    kwargs = kafka_python_kwargs(conf, timeout)
    if kwargs is None:
        raise ConfigError("delete-offsets cannot use these connection settings (it runs over kafka-python, "
                          "which lacks an equivalent of one of them)",
                          hint="`kctl config view` shows the settings in effect")
    _quiet_kafka_python()
    client = None
    try:
        from kafka import TopicPartition
        from kafka.admin import KafkaAdminClient

        client = KafkaAdminClient(**kwargs)
        raw = client.delete_group_offsets(group, [TopicPartition(t, p) for t, p in partitions])
    except Exception as exc:  # noqa: BLE001 - converted to the KctlError a caller can act on
        raise _kafka_python_error(exc, f"delete offsets of group {group!r}") from None
    finally:
        if client is not None:
            try:
                client.close()
            except Exception:  # noqa: BLE001
                pass
    out = {}
    for tp, error_class in raw.items():
        out[(tp.topic, tp.partition)] = None if error_class.errno == 0 else _kafka_python_error(error_class(), "")
    return out


def _quiet_kafka_python() -> None:
    import warnings

    kafka_logger = logging.getLogger("kafka")
    if not kafka_logger.handlers:
        kafka_logger.addHandler(logging.NullHandler())
        kafka_logger.propagate = False
    warnings.filterwarnings("ignore", r"(read_text|open_text) is deprecated", DeprecationWarning)


# kafka-python error class names -> the KafkaError code names kctl.errors classifies.
_KAFKA_PYTHON_CODES = {
    "GroupIdNotFoundError": "GROUP_ID_NOT_FOUND",
    "NonEmptyGroupError": "NON_EMPTY_GROUP",
    "GroupSubscribedToTopicError": "GROUP_SUBSCRIBED_TO_TOPIC",
    "UnknownTopicOrPartitionError": "UNKNOWN_TOPIC_OR_PART",
    "GroupAuthorizationFailedError": "GROUP_AUTHORIZATION_FAILED",
    "TopicAuthorizationFailedError": "TOPIC_AUTHORIZATION_FAILED",
    "CoordinatorNotAvailableError": "COORDINATOR_NOT_AVAILABLE",
    "NotCoordinatorError": "COORDINATOR_NOT_AVAILABLE",
    "NoBrokersAvailable": "_TRANSPORT",
    "KafkaConnectionError": "_TRANSPORT",
    "KafkaTimeoutError": "_TIMED_OUT",
    "RequestTimedOutError": "REQUEST_TIMED_OUT",
}
_MESSAGES = {
    "GROUP_ID_NOT_FOUND": "the group does not exist",
    "NON_EMPTY_GROUP": "the group is not empty",
    "GROUP_SUBSCRIBED_TO_TOPIC": "the group has active members subscribed to the topic",
    "UNKNOWN_TOPIC_OR_PART": "unknown topic or partition",
}


def _kafka_python_error(exc: BaseException, context: str):
    from kctl.errors import error_class_for

    name = _KAFKA_PYTHON_CODES.get(type(exc).__name__)
    text = _MESSAGES.get(name or "") or str(exc) or type(exc).__name__
    cls = error_class_for(name)
    error = cls(f"{context}: {text}" if context else text)
    error.code_name = name
    return error
