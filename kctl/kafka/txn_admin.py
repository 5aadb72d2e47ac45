"""Transaction admin requests (KIP-664) over kafka-python, which confluent-kafka 2.16 lacks:
ListTransactions, DescribeTransactions, DescribeProducers and WriteTxnMarkers (admin abort).

Each function takes a kctl.kafka.kafka_python.KafkaPythonAdmin and a Deadline and returns kctl
models; kafka-python's exceptions become KctlErrors there. kafka-python raises on the first
per-item error of a batched response (one unknown transactional id fails the whole
DescribeTransactions): a batch that fails that way is asked again one item at a time, so
every item gets its own result and the common case stays one request per broker.
"""

from __future__ import annotations

from kctl.deadline import Deadline
from kctl.errors import KctlError
from kctl.kafka.kafka_python import is_connection_error
from kctl.models import ActiveProducer
from kctl.models.admin import Outcome, TransactionDescription, TransactionListing


def list_transactions(client, deadline: Deadline, states=None, producer_ids=None, pattern=None,
                      min_duration_ms=None, brokers=None) -> list[TransactionListing]:
    """Every broker (or the given ones) lists the transactional ids whose coordinator it is."""
    by_broker = client.call("list transactions", deadline, "list_transactions", broker_ids=brokers,
                            producer_id_filters=producer_ids or None, state_filters=states or None,
                            duration_filter_ms=min_duration_ms, transactional_id_pattern=pattern)
    return [
        TransactionListing(t.transactional_id, t.producer_id, _state(t.state), broker)
        for broker, listings in by_broker.items()
        for t in listings
    ]


def describe_transactions(client, deadline: Deadline, transactional_ids: list[str]) -> dict[str, Outcome]:
    """{id: Outcome(TransactionDescription)}."""
    ids = list(dict.fromkeys(transactional_ids))
    if not ids:
        return {}
    try:
        described = client.call("describe transactions", deadline, "describe_transactions", ids)
        return {i: Outcome(_description(i, d)) for i, d in described.items()}
    except KctlError as error:
        if is_connection_error(error) or deadline.expired:
            raise
        if len(ids) == 1:
            error.message = error.message.replace("describe transactions: ", f"transactional id {ids[0]!r}: ")
            error.args = (error.message,)
            return {ids[0]: Outcome(None, error)}
    out = {}
    for tid in ids:  # one bad id failed the batch: ask for each on its own
        out.update(describe_transactions(client, deadline, [tid]))
    return out


def _description(tid: str, d) -> TransactionDescription:
    return TransactionDescription(
        transactional_id=tid, coordinator=d.coordinator_id, state=_state(d.state), producer_id=d.producer_id,
        producer_epoch=d.producer_epoch, timeout_ms=d.transaction_timeout_ms,
        start_time_ms=d.transaction_start_time_ms if d.transaction_start_time_ms >= 0 else None,
        partitions=tuple(sorted((tp.topic, tp.partition) for tp in d.topic_partitions)),
    )


def _state(value) -> str:
    return getattr(value, "value", str(value))


def describe_producers(client, deadline: Deadline, by_broker: dict[int, list[tuple[str, int]]]) -> dict[tuple[str, int], Outcome]:
    """Active producers of each partition, asked of the given broker (a leader or any replica):
    {(topic, partition): Outcome((ActiveProducer...))}."""
    from kafka import TopicPartition  # heavy: kafka

    out = {}
    for broker, tps in sorted(by_broker.items()):
        tps = sorted(set(tps))
        try:
            raw = client.call(f"describe producers on broker {broker}", deadline, "describe_producers",
                              [TopicPartition(t, p) for t, p in tps], broker_id=broker)
        except KctlError as error:
            if is_connection_error(error) or deadline.expired:
                raise
            if len(tps) == 1:
                error.message = error.message.replace(f"describe producers on broker {broker}: ", f"{tps[0][0]}:{tps[0][1]}: ")
                error.args = (error.message,)
                out[tps[0]] = Outcome(None, error)
                continue
            for tp in tps:  # one bad partition failed the request: ask for each on its own
                out.update(describe_producers(client, deadline, {broker: [tp]}))
            continue
        for tp, state in raw.items():
            out[(tp.topic, tp.partition)] = Outcome(tuple(_producer(p) for p in state.active_producers))
    return out


def _producer(p):
    return ActiveProducer(
        producer_id=p.producer_id, producer_epoch=p.producer_epoch, last_sequence=p.last_sequence,
        last_timestamp_ms=p.last_timestamp if p.last_timestamp >= 0 else None, coordinator_epoch=p.coordinator_epoch,
        current_txn_start_offset=p.current_transaction_start_offset if p.current_transaction_start_offset >= 0 else None,
    )


def abort(client, deadline: Deadline, topic: str, partition: int, producer_id: int, producer_epoch: int,
          coordinator_epoch: int) -> None:
    """Write an abort marker for the producer's open transaction on the partition (WriteTxnMarkers
    to its leader, as kafka-transactions.sh abort does); the leader checks producer id and epoch."""
    from kafka import TopicPartition  # heavy: kafka
    from kafka.admin import AbortTransactionSpec  # heavy: kafka

    spec = AbortTransactionSpec(TopicPartition(topic, partition), producer_id, producer_epoch, coordinator_epoch)
    client.call(f"abort transaction on {topic}:{partition}", deadline, "abort_transaction", spec)
