"""AdminClient: topics, their configs and records, and partition offsets."""

from __future__ import annotations

import logging
import struct
import time

from kctl import log
from kctl.client.admin.core import check_names, retrying
from kctl.deadline import Deadline
from kctl.errors import UsageError
from kctl.kafka import topic_admin
from kctl.kafka.clients import wait_each
from kctl.models.admin import Outcome
from kctl.models.choices import MAX_PARTITIONS, MAX_REPLICATION

# A partition whose leader just moved or was just elected answers ListOffsets with these for a moment
# (retriable by Kafka's rules): asked again within the deadline. Unknown topics are not retried.
LEADER_RETRIABLE = ("LEADER_NOT_AVAILABLE", "NOT_LEADER_FOR_PARTITION", "NOT_LEADER_OR_FOLLOWER",
                    "OFFSET_NOT_AVAILABLE", "UNKNOWN_LEADER_EPOCH", "FENCED_LEADER_EPOCH", "REPLICA_NOT_AVAILABLE")
TopicPartitionKey = tuple[str, int]


def check_partition_count(count: int | None, option: str = "partitions") -> None:
    if count is not None and not 1 <= count <= MAX_PARTITIONS:
        raise UsageError(f"{option}: {count} is out of range: a topic has 1 to {MAX_PARTITIONS} partitions "
                         "(librdkafka's limit)")


class TopicAdmin:
    def describe_topics(self, names: list[str], timeout: "float | Deadline | None" = None) -> dict[str, Outcome]:
        """{name: Outcome(TopicInfo with topic id, partitions, leaders, replicas, ISR)}; one request."""
        names = list(dict.fromkeys(check_names(names, "topic name")))
        deadline = self._deadline(timeout)
        self._ensure_reachable(deadline)
        return wait_each(topic_admin.describe_topics(self._admin, names, deadline.remaining(0.1)), deadline, "describe")

    def topic_details(self, names: list[str], timeout: "float | Deadline | None" = None,
                      config_sources: tuple[str, ...] | None = None):
        """(described, configs) of the topics, DescribeTopics and DescribeConfigs in flight together:
        {name: Outcome(TopicInfo)}, {name: Outcome((ConfigEntry...))} of the topics that were found.
        config_sources: only the config entries from these sources (None: all)."""
        names = list(dict.fromkeys(check_names(names, "topic name")))
        deadline = self._deadline(timeout)
        self._ensure_reachable(deadline)
        topics = topic_admin.describe_topics(self._admin, names, deadline.remaining(0.1))
        # Asked while librdkafka works on DescribeTopics (this thread waits on a socket meanwhile).
        wired = self._topic_configs_over_wire(names, deadline, config_sources)
        if wired is None:
            # DescribeConfigs of many topics is the slower of the two: on its own connection the
            # broker works on it while it answers DescribeTopics on the first.
            futures = topic_admin.describe_configs(self._second_admin(), names, deadline.remaining(0.1), config_sources)
        described = wait_each(topics, deadline, "describe")
        found = [n for n in names if described[n].ok]
        if wired is None:
            return described, wait_each({n: futures[n] for n in found}, deadline, "describe configs")
        configs = {n: wired[n] for n in found if wired[n] is not None}
        again = [n for n in found if wired[n] is None]  # the broker's error: asked through the library, for its words
        if again:
            configs.update(wait_each(topic_admin.describe_configs(self._second_admin(), again, deadline.remaining(0.1),
                                                                  config_sources), deadline, "describe configs"))
        return described, {n: configs[n] for n in found}

    def _topic_configs_over_wire(self, names: list[str], deadline: Deadline, sources: tuple[str, ...] | None):
        """{name: Outcome((ConfigEntry...))} of DescribeConfigs over kctl's own few bytes on a
        PLAINTEXT cluster (see kctl.kafka.configs_wire), with None in place of the topics the broker
        answered with an error; None: not possible here, or it failed."""
        from kctl.kafka import configs_wire, wire  # not on topics list's path

        if not names or not wire.usable(self._conf) or not self._brokers:
            return None
        host, port = self._brokers[min(self._brokers)]
        try:
            answer = configs_wire.describe_topic_configs(host, port, names, deadline,
                                                         None if sources is None else frozenset(sources))
        except (OSError, ValueError, struct.error) as exc:
            log.event("configs_wire_fallback", logging.DEBUG, error=str(exc))
            return None
        return {n: Outcome(answer[n][1]) if n in answer and not answer[n][0] else None for n in names}

    def watermarks_over_wire(self, leaders: dict[TopicPartitionKey, int | None],
                             timeout: "float | Deadline | None" = None) -> dict[TopicPartitionKey, tuple[int, int]] | None:
        """{(topic, partition): (low, high)} asked of each partition's leader (from partition_leaders)
        over kctl's own few bytes on a PLAINTEXT cluster (see kctl.kafka.offsets_wire): the partitions
        a broker answered with an error, or without a known leader, are left out (ask list_offsets
        for those). None: not possible here (TLS, SASL); the caller asks a library."""
        from kctl.kafka import offsets_wire, wire  # not on topics list's path

        if not wire.usable(self._conf):
            return None
        by_leader: dict = {}
        for key, leader in leaders.items():
            if leader in self._brokers:
                by_leader.setdefault(self._brokers[leader], []).append(key)
        return offsets_wire.watermark_ranges(by_leader, self._deadline(timeout))

    def create_topics(self, names: list[str], partitions: int | None = None, replication: int | None = None,
                      config: dict[str, str] | None = None, *, validate_only: bool = False, wait: bool = True,
                      timeout: "float | Deadline | None" = None) -> dict[str, Outcome]:
        """Create topics (None partitions/replication: the broker's defaults): {name: Outcome(None)}.
        wait: return once every partition of the created topics has a leader (so that a producer
        can use them at once)."""
        names = list(dict.fromkeys(check_names(names, "topic name")))
        check_partition_count(partitions)
        if replication is not None and not 1 <= replication <= MAX_REPLICATION:
            raise UsageError(f"replication factor: {replication} is out of range (1..{MAX_REPLICATION})")
        deadline = self._deadline(timeout)
        self._ensure_reachable(deadline)
        start = time.perf_counter()
        specs = [(name, partitions, replication, dict(config or {})) for name in names]
        futures = topic_admin.create_topics(self._admin, specs, deadline.remaining(0.1), validate_only)
        results = wait_each(futures, deadline, "create", started=start)
        created = [n for n, o in results.items() if o.ok]
        if created and wait and not validate_only:
            self.wait_for_leaders(created, timeout=deadline)
        return results

    def delete_topics(self, names: list[str], *, wait: bool = True,
                      timeout: "float | Deadline | None" = None) -> dict[str, Outcome]:
        """Delete topics: {name: Outcome(None)}. wait: return once they are gone from the metadata
        (so that `delete` then `create` of the same name works)."""
        names = list(dict.fromkeys(check_names(names, "topic name")))
        deadline = self._deadline(timeout)
        self._ensure_reachable(deadline)
        start = time.perf_counter()
        results = wait_each(topic_admin.delete_topics(self._admin, names, deadline.remaining(0.1)), deadline, "delete",
                            started=start)
        deleted = [n for n, o in results.items() if o.ok]
        if deleted and wait:
            self.wait_until_gone(deleted, timeout=deadline)
        return results

    def add_partitions(self, topic: str, total: int, *, validate_only: bool = False, wait: bool = True,
                       timeout: "float | Deadline | None" = None) -> Outcome:
        """Grow a topic to `total` partitions: Outcome(None). wait: until the new ones have leaders."""
        (topic,) = check_names([topic], "topic name")
        check_partition_count(total, "--to")
        deadline = self._deadline(timeout)
        self._ensure_reachable(deadline)
        future = topic_admin.create_partitions(self._admin, topic, total, deadline.remaining(0.1), validate_only)
        outcome = wait_each({topic: future}, deadline, "add partitions")[topic]
        if outcome.ok and wait and not validate_only:
            self.wait_for_leaders([topic], min_partitions=total, timeout=deadline)
        return outcome

    def describe_configs(self, names: list[str], timeout: "float | Deadline | None" = None) -> dict[str, Outcome]:
        """{topic: Outcome((ConfigEntry...))}, every config with its source; one request."""
        names = list(dict.fromkeys(check_names(names, "topic name")))
        deadline = self._deadline(timeout)
        self._ensure_reachable(deadline)
        return wait_each(topic_admin.describe_configs(self._admin, names, deadline.remaining(0.1)), deadline,
                         "describe configs")

    def alter_topic_config(self, topic: str, set_: dict[str, str], delete: list[str] = (), *,
                           validate_only: bool = False, timeout: "float | Deadline | None" = None) -> Outcome:
        """One incremental AlterConfigs (SET and DELETE together, applied atomically): Outcome(None)."""
        (topic,) = check_names([topic], "topic name")
        deadline = self._deadline(timeout)
        self._ensure_reachable(deadline)
        future = topic_admin.alter_topic_config(self._admin, topic, dict(set_), list(delete), deadline.remaining(0.1),
                                                validate_only)
        return wait_each({topic: future}, deadline, "alter config")[topic]

    def delete_records(self, before: dict[TopicPartitionKey, int],
                       timeout: "float | Deadline | None" = None) -> dict[TopicPartitionKey, Outcome]:
        """Delete the records before an offset (-1: all, up to the high watermark) per partition:
        {(topic, partition): Outcome(new low watermark)}; one request."""
        check_names({t for t, _ in before}, "topic name")
        deadline = self._deadline(timeout)
        self._ensure_reachable(deadline)
        return wait_each(topic_admin.delete_records(self._admin, dict(before), deadline.remaining(0.1)), deadline,
                         "delete records")

    def list_offsets(self, partitions: list[TopicPartitionKey], spec: "str | int" = "latest",
                     timeout: "float | Deadline | None" = None) -> dict[TopicPartitionKey, Outcome]:
        """{(topic, partition): Outcome(offset)} for spec 'earliest', 'latest' (the next offset to
        be written) or a timestamp in epoch ms (the first offset at or after it; None: no such
        record); all partitions in one request."""
        if spec not in topic_admin.OFFSET_SPECS and not isinstance(spec, int):
            raise UsageError(f"offset spec must be 'earliest', 'latest' or a timestamp in ms, got {spec!r}")
        partitions = sorted(set(partitions))
        check_names({t for t, _ in partitions}, "topic name")
        deadline = self._deadline(timeout)
        self._ensure_reachable(deadline)
        return retrying(lambda keys, timeout: topic_admin.list_offsets(self._admin, keys, spec, timeout), partitions,
                        deadline, "list offsets", LEADER_RETRIABLE)

