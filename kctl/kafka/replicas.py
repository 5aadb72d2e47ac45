"""Partition reassignment (kafka-python: confluent-kafka 2.16 lacks it) and leader election
(confluent-kafka, called without request_timeout: 2.16.1 raises SystemError when given one)."""

from __future__ import annotations

from concurrent.futures import Future

from kctl.deadline import Deadline
from kctl.kafka.kafka_python import kctl_error
from kctl.kafka.lib import confluent as _ck
from kctl.kafka.topic_admin import mapped
from kctl.models.admin import Outcome
from kctl.models.replicas import Reassignment


def alter_reassignments(client, deadline: Deadline, targets: dict[tuple[str, int], list[int] | None]) -> dict:
    """{(topic, partition): Outcome(None)}; a None target cancels that partition's reassignment."""
    from kafka import TopicPartition  # heavy: kafka

    request = {TopicPartition(t, p): (list(r) if r is not None else None) for (t, p), r in targets.items()}
    ms = max(1, int(deadline.remaining(0.1) * 1000))
    answered = client.call("alter partition reassignments", deadline, "alter_partition_reassignments", request,
                           timeout_ms=ms) or {}
    out = {}
    for tp, error in answered.items():
        failure = None
        if error is not None:
            failure = kctl_error(error() if isinstance(error, type) else error)
        out[(tp.topic, tp.partition)] = Outcome(None, failure)
    return out


def list_reassignments(client, deadline: Deadline, topics: list[str] | None = None) -> list[Reassignment]:
    ms = max(1, int(deadline.remaining(0.1) * 1000))
    answered = client.call("list partition reassignments", deadline, "list_partition_reassignments", None,
                           timeout_ms=ms) or {}
    out = [Reassignment(tp.topic, tp.partition, tuple(v.get("replicas") or ()), tuple(v.get("adding_replicas") or ()),
                        tuple(v.get("removing_replicas") or ()))
           for tp, v in answered.items() if topics is None or tp.topic in topics]
    return sorted(out, key=lambda r: (r.topic, r.partition))


def elect_leaders(admin, unclean: bool, partitions: list[tuple[str, int]] | None) -> Future:
    """A future of {(topic, partition): KafkaException | None} (None partitions: all of the cluster)."""
    ElectionType = _ck().ElectionType
    TopicPartition = _ck().TopicPartition

    kind = ElectionType.UNCLEAN if unclean else ElectionType.PREFERRED
    tps = [TopicPartition(t, p) for t, p in partitions] if partitions is not None else None
    future = admin.elect_leaders(kind, tps)  # no request_timeout (SystemError in 2.16.1); bounded by the wait
    return mapped(future, lambda result: {(tp.topic, tp.partition): error for tp, error in result.items()})
