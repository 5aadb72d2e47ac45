"""AdminClient: transactions, producer state and log dirs (kafka-python behind the same interface)."""

from __future__ import annotations

import logging

from kctl import log
from kctl.client.admin.core import check_names
from kctl.deadline import Deadline
from kctl.errors import KctlError, UsageError
from kctl.models.admin import Outcome, ReplicaLogDir, TransactionListing

INT16_MAX, INT32_MAX, INT64_MAX = 2**15 - 1, 2**31 - 1, 2**63 - 1
TopicPartitionKey = tuple[str, int]


def check_range(value: int | None, name: str, maximum: int, minimum: int = 0) -> None:
    """Values go on the wire as int16/32/64: out of range is a usage error before any request
    (kafka-python would fail to encode it on its I/O thread and never answer)."""
    if value is not None and not minimum <= value <= maximum:
        raise UsageError(f"{name} {value} is out of range ({minimum}..{maximum})")


class TransactionAdmin:
    def list_transactions(self, states: list[str] | None = None, producer_ids: list[int] | None = None,
                          pattern: str | None = None, min_duration_ms: int | None = None,
                          brokers: list[int] | None = None,
                          timeout: "float | Deadline | None" = None) -> list[TransactionListing]:
        """The transactional ids every coordinator (or the given brokers) knows; the filters are
        applied by the brokers (pattern needs Kafka 4.1, min_duration_ms 3.8)."""
        from kctl.kafka import txn_admin  # not on topics list's path

        for pid in producer_ids or ():
            check_range(pid, "producer id", INT64_MAX)
        for broker in brokers or ():
            check_range(broker, "broker id", INT32_MAX)
        check_range(min_duration_ms, "minimum duration (ms)", INT64_MAX)
        if pattern is not None:
            check_names([pattern], "pattern")
        deadline = self._deadline(timeout)
        return txn_admin.list_transactions(self._kpy(deadline), deadline, list(states or ()), list(producer_ids or ()),
                                           pattern, min_duration_ms, brokers)

    def describe_transactions(self, transactional_ids: list[str],
                              timeout: "float | Deadline | None" = None) -> dict[str, Outcome]:
        """{transactional id: Outcome(TransactionDescription)}."""
        from kctl.kafka import txn_admin  # not on topics list's path

        ids = list(dict.fromkeys(check_names(transactional_ids, "transactional id")))
        deadline = self._deadline(timeout)
        if not ids:
            return {}
        return txn_admin.describe_transactions(self._kpy(deadline), deadline, ids)

    def describe_producers(self, by_broker: dict[int, list[TopicPartitionKey]],
                           timeout: "float | Deadline | None" = None) -> dict[TopicPartitionKey, Outcome]:
        """Active producers of partitions, each asked of the given broker (its leader or any replica):
        {(topic, partition): Outcome((ActiveProducer...))}; one request per broker."""
        from kctl.kafka import txn_admin  # not on topics list's path

        for broker, tps in by_broker.items():
            check_range(broker, "broker id", INT32_MAX)
            check_names({t for t, _ in tps}, "topic name")
        deadline = self._deadline(timeout)
        if not by_broker:
            return {}
        return txn_admin.describe_producers(self._kpy(deadline), deadline, by_broker)

    def abort_transaction(self, topic: str, partition: int, producer_id: int, producer_epoch: int,
                          coordinator_epoch: int, timeout: "float | Deadline | None" = None) -> None:
        """Write an abort marker for the producer's open transaction on the partition (WriteTxnMarkers)."""
        from kctl.kafka import txn_admin  # not on topics list's path

        (topic,) = check_names([topic], "topic name")
        check_range(partition, "partition", INT32_MAX)
        check_range(producer_id, "producer id", INT64_MAX)
        check_range(producer_epoch, "producer epoch", INT16_MAX)
        check_range(coordinator_epoch, "coordinator epoch", INT32_MAX, minimum=-1)  # -1: not known yet
        deadline = self._deadline(timeout)
        txn_admin.abort(self._kpy(deadline), deadline, topic, partition, producer_id, producer_epoch, coordinator_epoch)

    def describe_log_dirs(self, topics: list[str] | None = None, brokers: list[int] | None = None,
                          timeout: "float | Deadline | None" = None) -> list[ReplicaLogDir]:
        """Every replica of the topics (None: all) in each broker's (or the given brokers') log dirs."""
        from kctl.kafka import logdirs  # not on topics list's path

        if topics is not None:
            topics = check_names(topics, "topic name")
        deadline = self._deadline(timeout)
        wire = self._log_dirs_over_wire(topics, brokers, deadline)
        if wire is not None:
            return wire
        return logdirs.describe_log_dirs(self._kpy(deadline), deadline, topics, brokers)

    def _log_dirs_over_wire(self, topics, brokers, deadline) -> list[ReplicaLogDir] | None:
        """DescribeLogDirs without kafka-python on a PLAINTEXT cluster (see kctl.kafka.logdirs_wire);
        None: not possible here, or it failed (kafka-python then asks, with its own errors)."""
        from kctl.kafka import logdirs_wire, wire  # not on topics list's path

        if not wire.usable(self._conf):
            return None
        try:
            cluster, known = self._metadata(deadline)
            wanted = None if topics is None else set(topics)
            parts = None if wanted is None else {t.name: [p.partition for p in t.partitions]
                                                 for t in known if t.name in wanted}
            asked = [(b.id, b.host, b.port) for b in cluster.brokers if brokers is None or b.id in brokers]
            return logdirs_wire.describe_log_dirs(asked, parts, deadline) if parts != {} else []
        except KctlError as exc:
            log.event("log_dirs_wire_fallback", logging.DEBUG, error=exc.message)
            return None
