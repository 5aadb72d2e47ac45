"""Transaction admin requests (KIP-664) over kafka-python, which confluent-kafka 2.16 lacks:
ListTransactions, DescribeTransactions, DescribeProducers and WriteTxnMarkers (admin abort).

Results come back as plain dicts and tuples; kafka-python's exceptions become KctlErrors
here, so nothing above this module sees a kafka-python type. kafka-python raises on the first
per-item error of a batched response (one unknown transactional id fails the whole
DescribeTransactions): a batch that fails that way is asked again one item at a time, so
every item gets its own result and the common case stays one request per broker.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

from kctl.errors import AuthError, BrokerUnavailable, ConfigError, InvalidRequest, KctlError, NotFoundError

_UNAVAILABLE_HINT = "is the broker running? try `kctl local status` or check --bootstrap/--instance"
_AUTH_HINT = "check the security settings of your context (`kctl config view`)"


@contextmanager
def connect(conf: dict, timeout: float):
    """A kafka-python KafkaAdminClient built from kctl's librdkafka conf, closed on exit."""
    from kctl.kafka.logdirs import kafka_python_kwargs

    kwargs = kafka_python_kwargs(conf, timeout)
    if kwargs is None:
        raise ConfigError("the txn commands cannot use these connection settings (they run over kafka-python, "
                          "which lacks an equivalent of one of them)",
                          hint="`kctl config view` shows the settings in effect")
    _quiet_kafka_python()
    from kafka.admin import KafkaAdminClient

    try:
        client = KafkaAdminClient(**kwargs)
    except Exception as exc:  # noqa: BLE001 - converted to the KctlError a caller can act on
        error = kctl_error(exc, "connect")
        if isinstance(error, BrokerUnavailable):
            error.message = f"no broker answered at {conf.get('bootstrap.servers')} within {timeout:g}s"
            error.args = (error.message,)
        raise error from None
    try:
        yield client
    finally:
        try:
            client.close()
        except Exception:  # noqa: BLE001
            pass


def _call(context: str, fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001
        raise kctl_error(exc, context) from None


# ---------------------------------------------------------------------------------------- cluster


def broker_ids(client) -> list[int]:
    info = _call("describe cluster", client.describe_cluster)
    return sorted(b["broker_id"] for b in info["brokers"])


def partitions(client, topics: list[str] | None) -> tuple[dict[tuple[str, int], dict], list[str]]:
    """({(topic, partition): {leader, replicas}}, [topics that do not exist]); topics=None: every topic."""
    described = _call("describe topics", client.describe_topics, list(topics) if topics is not None else None)
    out, missing = {}, []
    for topic in described:
        if topic["error_code"]:
            missing.append(topic["name"])
            continue
        for p in topic["partitions"]:
            out[(topic["name"], p["partition_index"])] = {"leader": p["leader_id"], "replicas": list(p["replica_nodes"])}
    return out, missing


# ---------------------------------------------------------------------------------------- transactions


def list_transactions(client, states=None, producer_ids=None, pattern=None, min_duration_ms=None, brokers=None) -> list[dict]:
    """[{transactional_id, producer_id, state, coordinator}] from every broker (or the given ones):
    each broker lists the transactional ids whose coordinator it is."""
    by_broker = _call("list transactions", client.list_transactions, broker_ids=brokers,
                      producer_id_filters=producer_ids or None, state_filters=states or None,
                      duration_filter_ms=min_duration_ms, transactional_id_pattern=pattern)
    return [
        {"transactional_id": t.transactional_id, "producer_id": t.producer_id, "state": _state(t.state),
         "coordinator": broker}
        for broker, listings in by_broker.items()
        for t in listings
    ]


def describe_transactions(client, transactional_ids: list[str]) -> dict[str, tuple[dict | None, KctlError | None]]:
    """{id: (description, None) or (None, error)}; description: {coordinator, state, producer_id,
    producer_epoch, timeout_ms, start_time_ms, partitions: [(topic, partition)]}."""
    ids = list(dict.fromkeys(transactional_ids))
    if not ids:
        return {}
    try:
        return {i: (_description(d), None) for i, d in client.describe_transactions(ids).items()}
    except Exception as exc:  # noqa: BLE001
        if _is_connection_error(exc):
            raise kctl_error(exc, "describe transactions") from None
        if len(ids) == 1:
            return {ids[0]: (None, kctl_error(exc, f"transactional id {ids[0]!r}"))}
    out = {}
    for tid in ids:  # one bad id failed the batch: ask for each on its own
        out.update(describe_transactions(client, [tid]))
    return out


def _description(d) -> dict:
    return {
        "coordinator": d.coordinator_id,
        "state": _state(d.state),
        "producer_id": d.producer_id,
        "producer_epoch": d.producer_epoch,
        "timeout_ms": d.transaction_timeout_ms,
        "start_time_ms": d.transaction_start_time_ms if d.transaction_start_time_ms >= 0 else None,
        "partitions": sorted((tp.topic, tp.partition) for tp in d.topic_partitions),
    }


def _state(value) -> str:
    return getattr(value, "value", str(value))


# ---------------------------------------------------------------------------------------- producers


def describe_producers(client, by_broker: dict[int, list[tuple[str, int]]]) -> dict[tuple[str, int], tuple[list[dict] | None, KctlError | None]]:
    """Active producers of each partition, asked of the given broker (a leader or any replica):
    {(topic, partition): ([{producer_id, producer_epoch, last_sequence, last_timestamp_ms,
    coordinator_epoch, current_txn_start_offset}], None) or (None, error)}."""
    from kafka import TopicPartition

    out = {}
    for broker, tps in sorted(by_broker.items()):
        tps = sorted(set(tps))
        try:
            raw = client.describe_producers([TopicPartition(t, p) for t, p in tps], broker_id=broker)
        except Exception as exc:  # noqa: BLE001
            if _is_connection_error(exc):
                raise kctl_error(exc, f"describe producers on broker {broker}") from None
            if len(tps) == 1:
                out[tps[0]] = (None, kctl_error(exc, f"{tps[0][0]}:{tps[0][1]}"))
                continue
            for tp in tps:  # one bad partition failed the request: ask for each on its own
                out.update(describe_producers(client, {broker: [tp]}))
            continue
        for tp, state in raw.items():
            out[(tp.topic, tp.partition)] = ([_producer(p) for p in state.active_producers], None)
    return out


def _producer(p) -> dict:
    return {
        "producer_id": p.producer_id,
        "producer_epoch": p.producer_epoch,
        "last_sequence": p.last_sequence,
        "last_timestamp_ms": p.last_timestamp if p.last_timestamp >= 0 else None,
        "coordinator_epoch": p.coordinator_epoch,
        "current_txn_start_offset": p.current_transaction_start_offset if p.current_transaction_start_offset >= 0 else None,
    }


def abort(client, topic: str, partition: int, producer_id: int, producer_epoch: int, coordinator_epoch: int) -> None:
    """Write an abort marker for the producer's open transaction on the partition (WriteTxnMarkers
    to its leader, as kafka-transactions.sh abort does); the leader checks producer id and epoch."""
    from kafka import TopicPartition
    from kafka.admin import AbortTransactionSpec

    spec = AbortTransactionSpec(TopicPartition(topic, partition), producer_id, producer_epoch, coordinator_epoch)
    _call(f"abort transaction on {topic}:{partition}", client.abort_transaction, spec)


# ---------------------------------------------------------------------------------------- errors

# kafka-python error class name -> (KctlError class, what it means to an operator)
_ERRORS: dict[str, tuple[type[KctlError], str | None]] = {
    "TransactionalIdNotFoundError": (NotFoundError, "no such transactional id"),
    "UnknownTopicOrPartitionError": (NotFoundError, "unknown topic or partition"),
    "TransactionalIdAuthorizationFailedError": (AuthError, "not authorized for this transactional id"),
    "ClusterAuthorizationFailedError": (AuthError, "not authorized for this cluster operation"),
    "TopicAuthorizationFailedError": (AuthError, "not authorized for this topic"),
    "SaslAuthenticationFailedError": (AuthError, "authentication failed"),
    "KafkaConnectionError": (BrokerUnavailable, None),
    "KafkaTimeoutError": (BrokerUnavailable, None),
    "RequestTimedOutError": (BrokerUnavailable, "request timed out"),
    "CoordinatorNotAvailableError": (BrokerUnavailable, "the transaction coordinator is not available"),
    "CoordinatorLoadInProgressError": (BrokerUnavailable, "the transaction coordinator is still loading"),
    "NotCoordinatorError": (BrokerUnavailable, "the broker is no longer the transaction coordinator"),
    "NotLeaderForPartitionError": (BrokerUnavailable, "the broker is not a replica (or the leader) of the partition"),
    "LeaderNotAvailableError": (BrokerUnavailable, "the partition has no leader"),
    "InvalidProducerEpochError": (InvalidRequest, "the producer epoch is stale (the producer has moved on)"),
    "ProducerFencedError": (InvalidRequest, "the producer epoch is stale (the producer was fenced)"),
    "TransactionCoordinatorFencedError": (InvalidRequest, "the coordinator epoch is older than the partition's"),
    "InvalidTxnStateError": (InvalidRequest, "the transaction is not in a state that allows this"),
    "UnknownProducerIdError": (NotFoundError, "the partition has no state for this producer id"),
    "UnsupportedVersionError": (InvalidRequest, None),
}
_CONNECTION = ("KafkaConnectionError", "KafkaTimeoutError", "RequestTimedOutError")


def _is_connection_error(exc: BaseException) -> bool:
    return type(exc).__name__ in _CONNECTION


def kctl_error(exc: BaseException, context: str = "") -> KctlError:
    """The KctlError for a kafka-python exception (unknown kinds: exit 1 with the library's text)."""
    cls, text = _ERRORS.get(type(exc).__name__, (KctlError, None))
    text = text or str(exc) or type(exc).__name__
    error = cls(f"{context}: {text}" if context else text,
                hint=_UNAVAILABLE_HINT if cls is BrokerUnavailable else _AUTH_HINT if cls is AuthError else None)
    error.code_name = type(exc).__name__
    return error


def _quiet_kafka_python() -> None:
    import warnings

    kafka_logger = logging.getLogger("kafka")
    if not kafka_logger.handlers:
        kafka_logger.addHandler(logging.NullHandler())
        kafka_logger.propagate = False
    # kafka-python 3.0 loads its protocol schemas with importlib.resources calls Python 3.11 deprecates.
    warnings.filterwarnings("ignore", r"(read_text|open_text) is deprecated", DeprecationWarning)
