"""Consumer group requests over confluent_kafka's AdminClient (and kafka-python for OffsetDelete,
which confluent-kafka 2.16 lacks), with kctl models as results.

Like kctl.kafka.topic_admin, each function starts requests and returns futures keyed by
something printable; kctl.kafka.clients.wait_each waits on them one by one.
"""

from __future__ import annotations

import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

from kctl.deadline import Deadline
from kctl.errors import from_kafka_error
from kctl.kafka.clients import to_kctl_error
from kctl.kafka.kafka_python import kctl_error
from kctl.kafka.lib import confluent
from kctl.kafka.topic_admin import mapped
from kctl.models import GroupMember, GroupSummary
from kctl.models.admin import GroupDescription

# librdkafka's state/type enum names -> the names Kafka's own tools print (kctl.models.groups
# defines the lists of them the CLI offers).
STATE_NAMES = {
    "UNKNOWN": "Unknown",
    "PREPARING_REBALANCING": "PreparingRebalance",
    "COMPLETING_REBALANCING": "CompletingRebalance",
    "STABLE": "Stable",
    "DEAD": "Dead",
    "EMPTY": "Empty",
}
TYPE_NAMES = {"UNKNOWN": "Unknown", "CONSUMER": "Consumer", "CLASSIC": "Classic"}

# librdkafka 2.16 aborts the process (assertion `eonce->refcnt > 0` in rd_kafka_enq_once_del_source_return,
# or a segfault; librdkafka#4605, #5397) when its own request timeout ends a request still waiting for the
# group's coordinator: seen with a few thousand groups described in half a second. So the library is
# given far more time than the caller: the caller's deadline (wait_each) ends the wait, and a request
# still out is dropped when the client is destroyed, which librdkafka handles.
_COORDINATOR_SLACK_S = 300


def _coordinator_timeout(timeout: float) -> float:
    return timeout + _COORDINATOR_SLACK_S


def _state(value) -> str:
    return STATE_NAMES.get(getattr(value, "name", str(value)), "Unknown")


def _type(value) -> str | None:
    if value is None:
        return None
    return TYPE_NAMES.get(getattr(value, "name", str(value)), "Unknown")


def list_groups(admin, timeout: float) -> Future:
    """A future of ((GroupSummary...), (KctlError...)): the brokers that did not answer come back
    as errors next to the groups the others listed."""
    future = admin.list_consumer_groups(request_timeout=timeout)

    def convert(result):
        groups = tuple(sorted(
            (GroupSummary(group_id=g.group_id, state=_state(g.state), type=_type(g.type),
                          simple=bool(g.is_simple_consumer_group)) for g in result.valid),
            key=lambda g: g.group_id))
        errors = tuple(to_kctl_error(e) for e in (result.errors or ()))
        return groups, errors

    return mapped(future, convert)


def describe_groups(admin, group_ids: list[str], timeout: float) -> dict[str, Future]:
    """Futures of GroupDescription, all groups in one request."""
    if not group_ids:
        return {}
    futures = admin.describe_consumer_groups(list(group_ids), request_timeout=_coordinator_timeout(timeout))
    return {group: mapped(future, _description) for group, future in futures.items()}


def _by_topic(assignment) -> dict[str, tuple[int, ...]]:
    out: dict[str, list[int]] = {}
    for tp in assignment.topic_partitions or ():
        out.setdefault(tp.topic, []).append(tp.partition)
    return {t: tuple(sorted(ps)) for t, ps in sorted(out.items())}


def _description(d) -> GroupDescription:
    coordinator = d.coordinator if d.coordinator is not None and d.coordinator.id >= 0 else None
    members = []
    for m in d.members or ():
        assignment: dict[str, list[int]] = {}
        for tp in (m.assignment.topic_partitions if m.assignment is not None else []):
            assignment.setdefault(tp.topic, []).append(tp.partition)
        members.append(GroupMember(
            member_id=m.member_id, client_id=m.client_id, host=m.host, group_instance_id=m.group_instance_id,
            assignment={t: tuple(sorted(ps)) for t, ps in sorted(assignment.items())},
            # set for consumer-protocol members only (KIP-848)
            target_assignment=_by_topic(m.target_assignment) if getattr(m, "target_assignment", None) else None,
        ))
    return GroupDescription(
        group_id=d.group_id, state=_state(d.state), type=_type(getattr(d, "type", None)),
        simple=bool(d.is_simple_consumer_group), assignor=d.partition_assignor or None,
        coordinator=coordinator.id if coordinator else None,
        coordinator_host=f"{coordinator.host}:{coordinator.port}" if coordinator else None,
        members=tuple(sorted(members, key=lambda m: m.member_id)),
    )


def committed_offsets(admin, group_ids: list[str], timeout: float) -> dict[str, Future]:
    """Futures of {(topic, partition): offset} for every partition the group committed an offset for
    (the API takes one group per request: one request each, all in flight together)."""
    ck = confluent()

    # Issuing a request costs ~0.3 ms here: 3,000 groups would take a second, past a short timeout.
    # The groups still unasked when the time is up are reported as not answered in time.
    stop = time.monotonic() + timeout
    out: dict = {}
    for group in group_ids:
        if time.monotonic() >= stop:
            out[group] = _NOT_SENT
            continue
        futures = admin.list_consumer_group_offsets([ck.ConsumerGroupTopicPartitions(group)],
                                                   request_timeout=_coordinator_timeout(timeout))
        out[group] = mapped(next(iter(futures.values())), _offsets)
    return out


class _NotSent:
    """The future of a request never sent because its time was up: it did not finish in time."""

    def result(self, timeout: float | None = None):
        raise FutureTimeout()


_NOT_SENT = _NotSent()


def _offsets(result) -> dict[tuple[str, int], int]:
    # A partition without a committed offset comes back as OFFSET_INVALID (-1001): leave it out.
    return {(tp.topic, tp.partition): tp.offset for tp in result.topic_partitions or () if tp.offset >= 0}


def alter_offsets(admin, group: str, offsets: dict[tuple[str, int], int], timeout: float) -> Future:
    """A future of {(topic, partition): KctlError or None}: the broker accepts or rejects each partition."""
    ck = confluent()

    request = ck.ConsumerGroupTopicPartitions(group, [ck.TopicPartition(t, p, o) for (t, p), o in sorted(offsets.items())])
    futures = admin.alter_consumer_group_offsets([request], request_timeout=_coordinator_timeout(timeout))

    def convert(result):
        return {(tp.topic, tp.partition): (from_kafka_error(tp.error) if tp.error is not None else None)
                for tp in result.topic_partitions or ()}

    return mapped(next(iter(futures.values())), convert)


def delete_groups(admin, group_ids: list[str], timeout: float) -> dict[str, Future]:
    if not group_ids:
        return {}
    return {group: mapped(f, lambda _: None)
            for group, f in admin.delete_consumer_groups(list(group_ids),
                                                         request_timeout=_coordinator_timeout(timeout)).items()}


def delete_offsets(client, group: str, partitions: list[tuple[str, int]], deadline: Deadline) -> dict:
    """Delete a group's committed offsets (OffsetDelete) over a kctl.kafka.kafka_python.KafkaPythonAdmin:
    {(topic, partition): KctlError | None}. A group-level error (unknown group, a non-empty
    group...) raises a KctlError."""
    from kafka import TopicPartition  # heavy: kafka

    raw = client.call(f"delete offsets of group {group!r}", deadline, "delete_group_offsets", group,
                      [TopicPartition(t, p) for t, p in partitions])
    return {(tp.topic, tp.partition): None if error_class.errno == 0 else kctl_error(error_class())
            for tp, error_class in raw.items()}
