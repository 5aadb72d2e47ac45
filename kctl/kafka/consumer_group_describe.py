"""ConsumerGroupDescribe (KIP-848, API 69): the epochs of a consumer-protocol group.

confluent-kafka 2.16 describes consumer groups through this API too but keeps the epochs to
itself (its MemberDescription has the assignment and the target assignment only). kafka-python
3.0 builds messages from Apache Kafka's JSON schemas; the two of this API are not in its package,
so kctl ships them (kctl/kafka/schemas, copied from kafka-clients 4.1.1) and asks the group's
coordinator over the kafka-python client kctl already uses for the APIs confluent-kafka lacks.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from kctl.deadline import Deadline
from kctl.kafka import schemas


@dataclass(frozen=True)
class MemberEpochs:
    member_epoch: int
    assignment: dict[str, tuple[int, ...]]
    target_assignment: dict[str, tuple[int, ...]]


@dataclass(frozen=True)
class GroupEpochs:
    group_epoch: int
    assignment_epoch: int
    members: dict[str, MemberEpochs]  # member id -> epochs and assignments
    error: str | None = None  # the broker's error for this group (then the rest is empty)


@functools.cache  # immutable message classes, made once on first use (kafka-python reads the schemas)
def _messages():
    from kafka.protocol.api_message import ApiMessage  # heavy: kafka

    class ConsumerGroupDescribeRequest(ApiMessage, load_json=schemas):
        pass

    class ConsumerGroupDescribeResponse(ApiMessage, load_json=schemas):
        pass

    return ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse


def _partitions(assignment) -> dict[str, tuple[int, ...]]:
    return {tp.topic_name: tuple(sorted(tp.partitions)) for tp in sorted(assignment.topic_partitions or (),
                                                                        key=lambda tp: tp.topic_name)}


def describe(client, deadline: Deadline, coordinator: int, group_ids: list[str]) -> dict[str, GroupEpochs]:
    """{group: GroupEpochs} of groups that one coordinator (a broker id) owns; KctlError when
    the request fails as a whole."""
    from kafka.errors import for_code  # heavy: kafka

    request_class, _ = _messages()
    request = request_class(version=0, group_ids=list(group_ids), include_authorized_operations=False)

    def send(kpy):
        async def go():
            return await kpy._manager.send(request, node_id=coordinator)

        return kpy._manager.run(go)

    response = client.run("describe consumer group epochs", deadline, send)
    out = {}
    for group in response.groups:
        if group.error_code:
            error = for_code(group.error_code)
            out[group.group_id] = GroupEpochs(-1, -1, {}, error=group.error_message or error.__name__)
            continue
        out[group.group_id] = GroupEpochs(
            group_epoch=group.group_epoch, assignment_epoch=group.assignment_epoch,
            members={m.member_id: MemberEpochs(m.member_epoch, _partitions(m.assignment),
                                               _partitions(m.target_assignment)) for m in group.members})
    return out
