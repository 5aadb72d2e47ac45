"""AdminClient: consumer groups and their committed offsets."""

from __future__ import annotations

from kctl.client.admin.core import check_names, retrying
from kctl.deadline import Deadline
from kctl.kafka.clients import wait_each
from kctl.models.admin import GroupListing, Outcome

TopicPartitionKey = tuple[str, int]
# A group request answers "coordinator loading / not available / moved" right after a broker started
# (or while the group's coordinator moves): retriable by Kafka's rules, so retried within the deadline.
COORDINATOR_RETRIABLE = ("COORDINATOR_LOAD_IN_PROGRESS", "COORDINATOR_NOT_AVAILABLE", "NOT_COORDINATOR", "_WAIT_COORD")


class GroupAdmin:
    def list_groups(self, timeout: "float | Deadline | None" = None) -> GroupListing:
        """Every consumer group (sorted by id), and the brokers that did not answer."""
        from kctl.kafka import group_admin  # not on topics list's path

        deadline = self._deadline(timeout)
        self._ensure_reachable(deadline)
        (outcome,) = wait_each({"groups": group_admin.list_groups(self._admin, deadline.remaining(0.1))}, deadline,
                               "list groups").values()
        if outcome.error is not None:
            raise outcome.error
        groups, errors = outcome.value
        return GroupListing(groups, errors)

    def share_groups(self, timeout: "float | Deadline | None" = None) -> tuple:
        """The share groups (KIP-932) as GroupSummary rows of type Share: confluent-kafka's
        ListGroups leaves them out, kafka-python's lists every type (ListGroups v5 on every broker)."""
        from kctl.models import GroupSummary  # not on topics list's path

        deadline = self._deadline(timeout)
        listed = self._kpy(deadline).call("list share groups", deadline, "list_groups", types_filter=["share"])
        return tuple(sorted((GroupSummary(group_id=g["group_id"], state=g.get("group_state") or "Unknown", type="Share")
                             for g in listed if g.get("group_type") == "share"), key=lambda g: g.group_id))

    def describe_share_group(self, group: str, timeout: "float | Deadline | None" = None):
        """ShareGroup (kctl.kafka.share_group_admin): state, members and their assignments, and per
        partition the share-partition start offset and lag. NotFoundError when there is no such share group."""
        from kctl.kafka import share_group_admin  # heavy: kafka (via kctl.kafka.share_group_admin)

        check_names([group], "group id")
        deadline = self._deadline(timeout)
        return share_group_admin.describe(self._kpy(deadline), deadline, group)

    def describe_groups(self, group_ids: list[str], timeout: "float | Deadline | None" = None) -> dict[str, Outcome]:
        """{group: Outcome(GroupDescription)}: state, type, coordinator, members and their assignments.
        A group id the broker never saw comes back as a Dead group without members (see .absent)."""
        from kctl.kafka import group_admin  # not on topics list's path

        group_ids = list(dict.fromkeys(check_names(group_ids, "group id")))
        deadline = self._deadline(timeout)
        self._ensure_reachable(deadline)
        return retrying(lambda ids, timeout: group_admin.describe_groups(self._admin, ids, timeout), group_ids,
                        deadline, "describe group", COORDINATOR_RETRIABLE)

    def consumer_group_epochs(self, coordinators: dict[str, int], timeout: "float | Deadline | None" = None) -> dict:
        """{group: GroupEpochs} (kctl.kafka.consumer_group_describe) of consumer-protocol groups
        ({group: coordinator broker id}): group, assignment and member epochs, the assignments;
        one request per coordinator. KctlError when a request fails."""
        from kctl.kafka import consumer_group_describe  # not on topics list's path

        check_names(list(coordinators), "group id")
        deadline = self._deadline(timeout)
        by_coordinator: dict[int, list[str]] = {}
        for group, node in coordinators.items():
            by_coordinator.setdefault(node, []).append(group)
        out: dict = {}
        client = self._kpy(deadline)
        for node, groups in sorted(by_coordinator.items()):
            out.update(consumer_group_describe.describe(client, deadline, node, groups))
        return out

    def committed_offsets(self, group_ids: list[str], timeout: "float | Deadline | None" = None) -> dict[str, Outcome]:
        """{group: Outcome({(topic, partition): offset})} of every partition each group committed
        an offset for (ListConsumerGroupOffsets; the requests are in flight together)."""
        from kctl.kafka import group_admin  # not on topics list's path

        group_ids = list(dict.fromkeys(check_names(group_ids, "group id")))
        deadline = self._deadline(timeout)
        self._ensure_reachable(deadline)
        return retrying(lambda ids, timeout: group_admin.committed_offsets(self._admin, ids, timeout), group_ids,
                        deadline, "list group offsets", COORDINATOR_RETRIABLE)

    def alter_group_offsets(self, group: str, offsets: dict[TopicPartitionKey, int],
                            timeout: "float | Deadline | None" = None) -> dict:
        """Commit new offsets for the group: {(topic, partition): KctlError | None}. A group-level
        failure (say, the group has active members) raises."""
        from kctl.kafka import group_admin  # not on topics list's path

        (group,) = check_names([group], "group id")
        check_names({t for t, _ in offsets}, "topic name")
        deadline = self._deadline(timeout)
        self._ensure_reachable(deadline)
        future = group_admin.alter_offsets(self._admin, group, dict(offsets), deadline.remaining(0.1))
        outcome = wait_each({group: future}, deadline, "alter group offsets")[group]
        if outcome.error is not None:
            raise outcome.error
        return outcome.value

    def delete_groups(self, group_ids: list[str], timeout: "float | Deadline | None" = None) -> dict[str, Outcome]:
        """Delete groups (with their committed offsets): {group: Outcome(None)}."""
        from kctl.kafka import group_admin  # not on topics list's path

        group_ids = list(dict.fromkeys(check_names(group_ids, "group id")))
        deadline = self._deadline(timeout)
        self._ensure_reachable(deadline)
        return retrying(lambda ids, timeout: group_admin.delete_groups(self._admin, ids, timeout), group_ids,
                        deadline, "delete group", COORDINATOR_RETRIABLE)

    def delete_group_offsets(self, group: str, partitions: list[TopicPartitionKey],
                             timeout: "float | Deadline | None" = None) -> dict:
        """Delete some of a group's committed offsets (OffsetDelete, over kafka-python):
        {(topic, partition): KctlError | None}; a group-level error raises."""
        from kctl.kafka import group_admin  # not on topics list's path

        (group,) = check_names([group], "group id")
        check_names({t for t, _ in partitions}, "topic name")
        deadline = self._deadline(timeout)
        if not partitions:
            return {}
        return group_admin.delete_offsets(self._kpy(deadline), group, sorted(set(partitions)), deadline)

    def record_positions(self, wanted: list[tuple[TopicPartitionKey, int]],
                         timeout: "float | Deadline | None" = None) -> dict:
        """{((topic, partition), offset): RecordPosition | None}: the first record at or after
        each offset (its offset and timestamp), None when there is none before the partition's
        end; a pair missing from the answer was not read within the deadline. All partitions
        are read by one assign-mode consumer (no group joined, nothing committed)."""
        from kctl.client.record_times import record_positions  # not on topics list's path

        check_names({t for (t, _), _ in wanted}, "topic name")
        deadline = self._deadline(timeout)
        if not wanted:
            return {}
        self._ensure_reachable(deadline)
        return record_positions(self._conf, list(wanted), deadline)
