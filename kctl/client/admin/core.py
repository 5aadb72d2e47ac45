"""The AdminClient's connection: properties, the library clients, deadlines, the cluster check
every request starts with, and the one metadata wait."""

from __future__ import annotations

import time
from typing import Callable

from kctl import log
from kctl.client.checks import check_timeout
from kctl.client.conf import resolve_conf
from kctl.deadline import Deadline
from kctl.errors import NotFoundError
from kctl.kafka.clients import ClientErrors, metadata, new_admin, wait_each
from kctl.kafka.topic_admin import broker_addresses, cluster_info, partition_leaders
from kctl.models import ClusterInfo
from kctl.models.admin import TopicInfo
from kctl.parsing import check_names

# How often to re-read metadata while waiting for a change to become visible.
_POLL_S = 0.05


class AdminCore:
    def __init__(self, conf: dict | None = None, *, instance: int | None = None, bootstrap: str | None = None,
                 context: str | None = None, timeout: float = 10.0):
        check_timeout(timeout, "timeout", allow_none=False)
        self._conf = resolve_conf(conf, instance=instance, bootstrap=bootstrap, context=context)
        self.timeout = timeout  # the default of every call that gets no timeout
        self.errors = ClientErrors()
        self._admin = new_admin(self._conf, self.errors)
        self._second = None  # a second connection, for a request the broker may serve alongside another
        self._kafka_python = None
        self._reachable = False
        self._brokers: dict[int, tuple[str, int]] = {}  # {id: (host, port)} the metadata named, for kctl's own requests
        self._closed = False

    # ---------------------------------------------------------------------------- lifecycle

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Free the connections; safe to call twice, any other call after it raises ClientClosed."""
        if self._closed:
            return
        self._closed = True
        if self._kafka_python is not None:
            self._kafka_python.close()
            self._kafka_python = None
        if self._second is not None:
            self._second.poll(0)
            self._second = None
        if self._admin is not None:
            self._admin.poll(0)  # hand queued librdkafka log lines to the logger (confluent delivers them on poll)

    def _second_admin(self):
        """Another library admin client (its own connections): a broker serves the requests of
        one connection one at a time, those of two connections side by side."""
        if self._second is None:
            self._second = new_admin(self._conf, self.errors)
        return self._second

    @property
    def bootstrap(self) -> str | None:
        return self._conf.get("bootstrap.servers")

    def _deadline(self, timeout: "float | Deadline | None") -> Deadline:
        check_timeout(timeout)
        return Deadline.of(timeout, self.timeout)

    # ---------------------------------------------------------------------------- cluster

    def _metadata(self, deadline: Deadline, topic: str | None = None):
        return cluster_info(self._raw_metadata(deadline, topic))

    def _ensure_reachable(self, deadline: Deadline) -> None:
        """One metadata request before the first real one: no broker answering is a clear exit-6
        error and a rejected login the exit-9 one (both otherwise look like a request timeout)."""
        if not self._reachable:
            self._raw_metadata(deadline)

    def _raw_metadata(self, deadline: Deadline, topic: str | None = None):
        """librdkafka's metadata (of every topic, or one), not converted to kctl models; notes the
        brokers' addresses for kctl's own requests."""
        answer = metadata(self._admin, self._conf, deadline, topic)
        self._reachable = True
        self._brokers = broker_addresses(answer) or self._brokers
        return answer

    def partition_leaders(self, timeout: "float | Deadline | None" = None) -> dict[str, dict[int, int | None]]:
        """{topic: {partition: leader id, None without one}} of every topic: one metadata request,
        which is also the reachability check (exit 6 / 9, as ensure_reachable)."""
        return partition_leaders(self._raw_metadata(self._deadline(timeout)))

    def ensure_reachable(self, timeout: "float | Deadline | None" = None) -> None:
        """Raise now when no broker answers (exit 6) or the login is rejected (exit 9); one
        metadata request, on the first call only."""
        self._ensure_reachable(self._deadline(timeout))

    def describe_cluster(self, timeout: "float | Deadline | None" = None) -> ClusterInfo:
        """Cluster id, the controller the brokers report, brokers and topic count (one metadata request).

        In KRaft mode clients never talk to the controller quorum: the "controller" Kafka reports
        to clients is one of the live brokers, picked by the broker that answers."""
        return self._metadata(self._deadline(timeout))[0]

    def list_topics(self, timeout: "float | Deadline | None" = None) -> list[TopicInfo]:
        """Every topic of the cluster's metadata (internal ones included), sorted by name."""
        return list(self._metadata(self._deadline(timeout))[1])

    def topic(self, name: str, timeout: "float | Deadline | None" = None) -> TopicInfo | None:
        """One topic (DescribeTopics: never auto-creates it, as a metadata request may), or None
        when it does not exist."""
        outcome = self.describe_topics([name], timeout)[name]
        if isinstance(outcome.error, NotFoundError):
            return None
        if outcome.error is not None:
            raise outcome.error
        return outcome.value

    def wait_for_topics(self, condition: Callable[[dict[str, TopicInfo]], bool],
                        timeout: "float | Deadline | None" = None) -> bool:
        """Re-read metadata until condition({name: TopicInfo}) holds (True) or the deadline passes
        (False): the one wait for a created topic's leaders or a deleted topic's disappearance."""
        deadline = self._deadline(timeout)
        while True:
            try:
                topics = {t.name: t for t in self._metadata(deadline)[1]}
                if condition(topics):
                    return True
            except Exception:  # noqa: BLE001 - a slow metadata answer just means "not yet"
                pass
            if deadline.expired:
                log.event("metadata_wait_timed_out")
                return False
            time.sleep(min(_POLL_S, deadline.remaining()))

    def wait_for_leaders(self, names: list[str], min_partitions: int | None = None,
                         timeout: "float | Deadline | None" = None) -> bool:
        """Until every partition of the topics has a leader (and each has min_partitions)."""
        names = check_names(names, "topic name")
        return self.wait_for_topics(
            lambda topics: all(n in topics and topics[n].has_leaders
                               and len(topics[n].partitions) >= (min_partitions or 1) for n in names), timeout)

    def wait_until_gone(self, names: list[str], timeout: "float | Deadline | None" = None) -> bool:
        """Until none of the topics is in the metadata any more."""
        names = check_names(names, "topic name")
        return self.wait_for_topics(lambda topics: not any(n in topics for n in names), timeout)

    # ---------------------------------------------------------------------------- kafka-python

    def load_kafka_python(self) -> None:
        """kafka-python imported now, in this thread, before threads of the caller use it
        (kctl.kafka.kafka_python.load_library says why)."""
        from kctl.kafka.kafka_python import load_library  # not on topics list's path

        load_library()

    def _kpy(self, deadline: Deadline):
        """The kafka-python client for the APIs confluent-kafka lacks, after the cluster check
        (so a rejected login is the same exit-9 error as from any other command)."""
        from kctl.kafka.kafka_python import KafkaPythonAdmin  # not on topics list's path

        if self._kafka_python is None:
            client = KafkaPythonAdmin(self._conf, self.timeout)  # exit 3 for settings it cannot use
            self._ensure_reachable(deadline)
            self._kafka_python = client
        return self._kafka_python


def retrying(issue, keys: list, deadline: Deadline, what: str, codes: tuple[str, ...]) -> dict:
    """wait_each(issue(keys, timeout)), issued again (with backoff, within the deadline) for the keys
    that failed with one of `codes`: errors Kafka calls retriable, such as a coordinator still loading
    or a partition whose new leader does not serve offsets yet."""
    results: dict = {}
    pending, delay = list(keys), 0.05
    while True:
        outcomes = wait_each(issue(pending, deadline.remaining(0.1)), deadline, what)
        results.update(outcomes)
        pending = [key for key, outcome in outcomes.items()
                   if outcome.error is not None and getattr(outcome.error, "code_name", None) in codes]
        if not pending or deadline.remaining() <= delay:
            return results
        time.sleep(delay)
        delay = min(delay * 2, 1.0)

