"""The two ways a batch reaches the destination.

Same cluster: one transaction per batch holding the records and the source offsets
(send_offsets_to_transaction), so a batch is in DST and consumed from SRC together or not at
all: exactly once, whenever the copy is killed. Two clusters: a transaction cannot span them,
so the records are acknowledged first and the offsets committed after: at-least-once (a copy
killed between the two writes the batch again when resumed).
"""

from __future__ import annotations

import logging

from kctl import log
from kctl.client import ProducerClient, TransactionClient
from kctl.deadline import Deadline
from kctl.errors import KctlError, PartialFailure, TransactionAborted
from kctl.services.failure_sink import FailureSink


def _produce(producer, topic: str, records, preserve: bool) -> None:
    for r in records:
        timestamp = r.timestamp_ms if r.timestamp_ms and r.timestamp_ms > 0 else None
        producer.produce(topic, r.value, r.key, partition=r.partition if preserve else None,
                         headers=list(r.headers) if r.headers else None, timestamp_ms=timestamp)
        producer.poll(0)


class TransactionalWriter:
    guarantee = "exactly-once"

    def __init__(self, conf: dict, transactional_id: str, consumer, timeout: float):
        self.failures = FailureSink()
        self.txn = TransactionClient(transactional_id, conf, linger_ms=5, on_delivery_error=self.failures)
        self.consumer = consumer
        self.timeout = max(timeout, 30.0)
        self.open = False

    def start(self) -> None:
        """Fences an older copy with the same transactional id and aborts its open transaction, so
        the group's committed offsets read next are final."""
        self.txn.init(timeout=self.timeout)

    def write(self, topic: str, records, offsets: dict, preserve: bool) -> None:
        self.txn.begin()
        self.open = True
        _produce(self.txn.producer, topic, records, preserve)
        self.txn.send_offsets(self.consumer.group_metadata(), offsets, timeout=self.timeout)
        try:
            self.txn.commit(timeout=self.timeout)
        except TransactionAborted:
            self.abort()
            raise
        self.open = False
        if self.failures.count:  # a commit that succeeded had every record delivered
            self.failures.count = 0

    def abort(self) -> None:
        if not self.open:
            return
        self.open = False
        try:
            self.txn.abort(timeout=Deadline.after(10.0))
        except KctlError as exc:  # the transaction times out on the broker instead
            log.event("copy_abort_failed", logging.WARNING, error=str(exc))

    def close(self) -> None:
        self.abort()
        self.txn.close(5.0)


class AcknowledgedWriter:
    guarantee = "at-least-once"

    def __init__(self, conf: dict, consumer, timeout: float):
        self.failures = FailureSink()
        self.producer = ProducerClient(conf, idempotence=True, acks="all", linger_ms=5,
                                       on_delivery_error=self.failures)
        self.consumer = consumer
        self.timeout = timeout

    def start(self) -> None:
        pass

    def write(self, topic: str, records, offsets: dict, preserve: bool) -> None:
        _produce(self.producer, topic, records, preserve)
        pending = self.producer.flush()
        if self.failures.count or pending:
            first = self.failures.first_text
            raise PartialFailure(f"{self.failures.count + pending} records of a batch were not acknowledged by "
                                 f"the destination{': ' + first if first else ''}",
                                 hint="run the same copy again: it resumes from the last committed batch")
        self.consumer.commit(offsets, timeout=max(self.timeout, 30.0))

    def abort(self) -> None:
        self.producer.purge()

    def close(self) -> None:
        self.producer.close(5.0)
