"""TransactionClient: a transactional producer (exactly-once writes, consume-transform-produce).

    from kctl.client import ProducerRecord, TransactionClient
    with TransactionClient("orders-loader", instance=0) as txn:
        txn.init(timeout=30)
        txn.begin()
        txn.send(ProducerRecord("orders", value="a"))
        txn.commit(timeout=30)

librdkafka's three kinds of errors arrive as kctl errors: retriable ones are retried within the
call's timeout; TransactionAbortable (the transaction cannot commit: call abort(), then begin
again); TransactionFatal (fenced by a newer producer with the same transactional id, or broken:
close the client). Both are TransactionAborted (exit 7).
"""

from __future__ import annotations

from typing import Callable

from kctl.client.checks import check_offset, check_partition, check_timeout, refuse_when_closed
from kctl.client.producer import ProducerClient, SendFuture
from kctl.client.records import ProducerRecord, TopicPartitionOffset
from kctl.deadline import Deadline
from kctl.errors import UsageError
from kctl.parsing import check_name


@refuse_when_closed("transaction client")
class TransactionClient:
    """A transactional producer with one transactional_id. conf/instance/bootstrap/context,
    serializers, partitioner and options as for ProducerClient; every call after close() raises
    ClientClosed (a UsageError)."""

    def __init__(self, transactional_id: str, conf: dict | None = None, *, instance: int | None = None,
                 bootstrap: str | None = None, context: str | None = None, **kwargs):
        if not isinstance(transactional_id, str) or not transactional_id:
            raise UsageError("a transactional id must be a non-empty string")
        self.transactional_id = transactional_id
        self.producer = ProducerClient(conf, instance=instance, bootstrap=bootstrap, context=context,
                                       transactional_id=transactional_id, **kwargs)
        self._lib = self.producer._lib

    @property
    def _closed(self) -> bool:
        return self.producer._closed

    @property
    def conf(self) -> dict:
        return self.producer.conf

    def init(self, timeout: float | Deadline | None = None) -> None:
        """Register the transactional id with the coordinator (fencing older producers with it)."""
        check_timeout(timeout)
        self._lib.init_transactions(Deadline.of(timeout, default=30.0))

    def begin(self) -> None:
        self._lib.begin_transaction()

    def send(self, record: ProducerRecord, on_delivery: Callable | None = None) -> SendFuture:
        return self.producer.send(record, on_delivery)

    def send_batch(self, records) -> list[SendFuture]:
        return self.producer.send_batch(records)

    def send_offsets(self, group_metadata, offsets, timeout: float | Deadline | None = None) -> None:
        """Commit a consumer group's offsets as part of this transaction. group_metadata: what
        the consumer's group_metadata() returns (passed through); offsets: {(topic, partition):
        next offset to read} or a list of TopicPartitionOffset."""
        check_timeout(timeout)
        if isinstance(offsets, dict):
            try:
                items = [(topic, partition, offset) for (topic, partition), offset in offsets.items()]
            except (TypeError, ValueError):
                raise UsageError(f"offsets are a {{(topic, partition): offset}} dict, got {offsets!r}"[:300]) from None
        else:
            items = []
            for item in offsets:
                if not isinstance(item, TopicPartitionOffset):
                    raise UsageError(f"offsets are a {{(topic, partition): offset}} dict or TopicPartitionOffset "
                                     f"items, got {item!r}")
                items.append((item.topic, item.partition, item.offset))
        for topic, partition, offset in items:
            check_name(topic, "topic name")
            check_partition(partition)
            check_offset(offset)
        self._lib.send_offsets_to_transaction(items, group_metadata, Deadline.of(timeout, default=30.0))

    def commit(self, timeout: float | Deadline | None = None) -> None:
        """Flush and commit: every record sent since begin() becomes visible to read_committed
        consumers, or none does (TransactionAbortable: abort() then)."""
        check_timeout(timeout)
        self._lib.commit_transaction(Deadline.of(timeout, default=60.0))

    def abort(self, timeout: float | Deadline | None = None) -> None:
        """Drop every record sent since begin(): read_committed consumers never see them."""
        check_timeout(timeout)
        self._lib.abort_transaction(Deadline.of(timeout, default=60.0))

    def poll(self, timeout: float = 0) -> int:
        return self.producer.poll(timeout)

    def close(self, timeout: float | Deadline | None = None) -> int:
        """Flush and free the producer; safe to call twice."""
        return self.producer.close(timeout if timeout is not None else 5.0)

    def __enter__(self) -> "TransactionClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

