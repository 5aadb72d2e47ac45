"""The producer of the produce step: idempotent, acks=all, record i to partition i % P.

It is made in the connect step, so that getting its producer id overlaps the topic creation and
the group join; ready() then waits for the id (librdkafka sometimes retries that request only
after 500 ms), so that the records are not held back by it and the latency figures measure the
data path.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from kctl.client import ProducerClient
from kctl.deadline import Deadline
from kctl.errors import KctlError, NotFoundError
from kctl.services.e2e.checks import payload, record_key

# Defaults that the user's settings (-X, context) override.
PRODUCER_DEFAULTS = {
    "linger.ms": 1,
    "reconnect.backoff.ms": 50,
    "reconnect.backoff.max.ms": 500,
}
# Delivery failures that mean "no answer in time" (exit 6 when the cluster stopped answering).
TIMEOUT_CODES = ("_MSG_TIMED_OUT", "_TIMED_OUT", "_TRANSPORT")
_PURGED = ("_PURGE_QUEUE", "_PURGE_INFLIGHT")


@dataclass(frozen=True)
class Delivery:
    """The delivery report of one record (offset -1 and the error when it failed)."""

    partition: int
    offset: int
    error: KctlError | None = None


class RunProducer:
    def __init__(self, conf: dict, deadline: Deadline):
        settings = {**PRODUCER_DEFAULTS, **conf, "statistics.interval.ms": 20}
        # Records not delivered by the run's deadline fail then, rather than after 2 minutes.
        self.client = ProducerClient(settings, acks="all", idempotence=True,
                                     delivery_timeout_ms=max(10, int(deadline.remaining() * 1000)))

    def ready(self, topic: str, deadline: Deadline) -> bool:
        """The topic's metadata known and the producer id assigned (False when the deadline came first)."""
        try:
            self.client.partitions_for(topic, deadline)
        except NotFoundError:
            pass  # not in the producer's metadata yet: the records wait for it
        return self.client.wait_for_producer_id(deadline)

    def send_all(self, topic: str, count: int, partitions: int, run_id: str, sent: dict[int, bytes],
                 deadline: Deadline) -> dict[int, Delivery]:
        """Produce records 0..count-1 (each value built at send time, kept in `sent`) and wait
        for their delivery reports: {seq: Delivery}. The deadline bounds sending too (not only a
        full queue): records not acknowledged by then are absent from the result (and purged)."""
        client = self.client
        deliveries: dict[int, Delivery] = {}

        def report(seq: int):
            def on_delivery(error, metadata) -> None:
                if error is None:
                    deliveries[seq] = Delivery(metadata.partition, metadata.offset)
                elif error.code_name not in _PURGED:
                    deliveries[seq] = Delivery(metadata.partition, -1, error)
            return on_delivery

        for seq in range(count):
            if deadline.expired:
                break
            partition = seq % partitions
            value = payload(run_id, seq, partition, time.time() * 1000.0)
            sent[seq] = value
            client.produce(topic, value, record_key(run_id, seq), partition=partition, on_delivery=report(seq))
            client.poll(0)
        if client.flush(deadline):
            self.discard()
        return deliveries

    def discard(self) -> None:
        """Drop anything still queued, so that destroying the client does not wait for it."""
        try:
            self.client.purge()
            self.client.poll(0)
        except KctlError:
            pass
