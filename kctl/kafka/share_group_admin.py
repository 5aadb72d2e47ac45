"""Share groups (KIP-932) over the wire: ShareGroupDescribe (API 77: state, members and their
assignments) and DescribeShareGroupOffsets (API 90: each share-partition's start offset and lag).

confluent-kafka 2.16 has a ShareConsumer but no admin call for share groups (its AdminClient lists
and describes classic and consumer groups only), so kctl ships the messages' JSON schemas
(kctl/kafka/schemas, from kafka-clients 4.3.1) and asks the group's coordinator over kafka-python,
as kctl.kafka.consumer_group_describe does.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from kctl.deadline import Deadline
from kctl.errors import KctlError, NotFoundError

GROUP_ID_NOT_FOUND = 69


@dataclass(frozen=True)
class ShareMember:
    member_id: str
    client_id: str
    client_host: str
    member_epoch: int
    assignment: dict[str, tuple[int, ...]]


@dataclass(frozen=True)
class SharePartition:
    topic: str
    partition: int
    start_offset: int  # the share-partition start offset (SPSO); -1 before the group read the partition
    lag: int | None  # records from the start offset to the end not yet acknowledged; None when unknown


@dataclass(frozen=True)
class ShareGroup:
    group: str
    state: str
    group_epoch: int
    assignment_epoch: int
    assignor: str
    members: tuple[ShareMember, ...]
    partitions: tuple[SharePartition, ...]


@functools.cache  # immutable message classes, made once on first use (kafka-python reads the schemas)
def _messages():
    from kafka.protocol.api_message import ApiMessage  # heavy: kafka

    from kctl.kafka import schemas  # not on topics list's path (kafka-python's message schemas)

    class ShareGroupDescribeRequest(ApiMessage, load_json=schemas):
        pass

    class ShareGroupDescribeResponse(ApiMessage, load_json=schemas):
        pass

    class DescribeShareGroupOffsetsRequest(ApiMessage, load_json=schemas):
        pass

    class DescribeShareGroupOffsetsResponse(ApiMessage, load_json=schemas):
        pass

    # The response classes are returned too: kafka-python's registry holds them weakly only.
    return (ShareGroupDescribeRequest, DescribeShareGroupOffsetsRequest, ShareGroupDescribeResponse,
            DescribeShareGroupOffsetsResponse)


def _error(code: int, message: str | None, group: str) -> KctlError:
    from kafka.errors import for_code  # heavy: kafka

    if code == GROUP_ID_NOT_FOUND:
        return NotFoundError(f"share group {group!r} does not exist", hint="`kctl groups list` shows the groups")
    return KctlError(f"share group {group}: {message or for_code(code).__name__}")


def describe(client, deadline: Deadline, group: str) -> ShareGroup:
    """One share group, asked of its coordinator; NotFoundError when there is none of that name."""
    describe_class, offsets_class = _messages()[:2]

    def send(kpy):
        async def go():
            node = await kpy._find_coordinator_id(group)
            described = await kpy._manager.send(
                describe_class(version=1, group_ids=[group], include_authorized_operations=False), node_id=node)
            offsets = await kpy._manager.send(offsets_class(
                version=1, groups=[offsets_class.DescribeShareGroupOffsetsRequestGroup(group_id=group, topics=None)]),
                node_id=node)
            return described, offsets

        return kpy._manager.run(go)

    described, offsets = client.run("describe share group", deadline, send)
    g = described.groups[0]
    if g.error_code:
        raise _error(g.error_code, g.error_message, group)
    members = tuple(ShareMember(m.member_id, m.client_id, m.client_host, m.member_epoch,
                                {tp.topic_name: tuple(sorted(tp.partitions))
                                 for tp in sorted(m.assignment.topic_partitions or (), key=lambda tp: tp.topic_name)})
                    for m in sorted(g.members, key=lambda m: m.member_id))
    o = offsets.groups[0]
    if o.error_code:
        raise _error(o.error_code, o.error_message, group)
    partitions = sorted((SharePartition(t.topic_name, p.partition_index, p.start_offset, p.lag if p.lag >= 0 else None)
                        for t in o.topics or () for p in t.partitions if not p.error_code), key=lambda p: (p.topic, p.partition))
    return ShareGroup(g.group_id, g.group_state, g.group_epoch, g.assignment_epoch, g.assignor_name, members,
                      tuple(partitions))
