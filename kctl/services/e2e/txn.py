"""The transactions step: commit one transaction, abort one, then commit a sentinel record; read
the partition back under read_committed (the committed records, none of the aborted ones) and
read_uncommitted (the aborted records are in the log, behind an abort marker)."""

from __future__ import annotations

from kctl.client import ConsumerClient, TransactionClient
from kctl.client.records import ProducerRecord
from kctl.deadline import Deadline
from kctl.errors import BrokerUnavailable, CheckFailed, KctlError
from kctl.models import E2ETransactions
from kctl.services.e2e.group import consumer_conf
from kctl.services.e2e.options import TXN_RECORDS
from kctl.services.e2e.producer import PRODUCER_DEFAULTS


class TransactionCheck:
    def __init__(self, conf: dict, topic: str, partition: int, transactional_id: str, group: str, prefix: bytes):
        self.conf, self.topic, self.partition = conf, topic, partition
        self.transactional_id, self.group = transactional_id, group
        self.committed = [prefix + b":commit:%d" % i for i in range(TXN_RECORDS)]
        self.aborted = [prefix + b":abort:%d" % i for i in range(TXN_RECORDS)]
        self.sentinel = prefix + b":sentinel"

    def run(self, start: int, deadline: Deadline) -> E2ETransactions:
        """start: the partition's end offset before the check."""
        self._write(deadline)
        seen_committed = self._read_back(start, "read_committed", deadline)
        seen_uncommitted = self._read_back(start, "read_uncommitted", deadline)
        return E2ETransactions(
            committed_sent=len(self.committed),
            committed_visible=sum(1 for v in seen_committed if v in self.committed),
            aborted_sent=len(self.aborted),
            aborted_visible=sum(1 for v in seen_committed if v in self.aborted),
            aborted_in_log=sum(1 for v in seen_uncommitted if v in self.aborted),
        )

    def _send(self, txn, values: list[bytes]) -> None:
        for value in values:
            txn.send(ProducerRecord(self.topic, value=value, partition=self.partition))

    def _write(self, deadline: Deadline) -> None:
        txn = TransactionClient(self.transactional_id, {**PRODUCER_DEFAULTS, **self.conf}, acks="all",
                                delivery_timeout_ms=max(10, int(deadline.remaining() * 1000)))
        try:
            txn.init(deadline)
            txn.begin()
            self._send(txn, self.committed)
            txn.commit(deadline)
            txn.begin()
            self._send(txn, self.aborted)
            # Flushed first, so that the aborted records really are in the log, behind an abort marker.
            if txn.producer.flush(deadline):
                raise BrokerUnavailable("aborted-transaction records were not delivered in time")
            txn.abort(deadline)
            txn.begin()
            self._send(txn, [self.sentinel])
            txn.commit(deadline)
        finally:
            try:
                txn.producer.purge()  # whatever a failure left queued: closing must not wait for it
                txn.close(0)
            except KctlError:
                pass  # the step's own outcome (above) is what the report says

    def _read_back(self, start: int, isolation: str, deadline: Deadline) -> list[bytes]:
        """The values from `start` up to the sentinel, as a consumer with this isolation sees them."""
        # Assign mode without commits: the group id creates no group on the broker.
        consumer = ConsumerClient(consumer_conf(self.conf, group_id=self.group, enable_auto_commit=False,
                                                isolation_level=isolation, enable_partition_eof=False))
        values: list[bytes] = []
        try:
            consumer.assign({(self.topic, self.partition): start})
            while not deadline.expired:
                for record in consumer.poll(100, min(0.05, deadline.remaining())):
                    if record.value == self.sentinel:
                        return values
                    values.append(record.value)
            raise CheckFailed(f"the committed sentinel record was not read back ({isolation}) in time")
        finally:
            consumer.close(Deadline.after(max(1.0, deadline.remaining())))
