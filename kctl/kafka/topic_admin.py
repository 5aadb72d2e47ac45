"""Topic admin requests over confluent_kafka's AdminClient, and their results as plain values.

Each function starts requests and returns a dict of futures keyed by something the caller
can print (a topic name, or a (topic, partition) pair); kctl.kafka.clients.wait_each waits on
them one by one. confluent_kafka is imported inside the functions (start-up speed).
"""

from __future__ import annotations

from concurrent.futures import Future

# ConfigSource values worth showing, by the name kctl prints; DEFAULT_CONFIG (Kafka's
# built-in default) is left out on purpose: `describe` shows what someone changed.
CONFIG_SOURCES = {
    "DYNAMIC_TOPIC_CONFIG": "topic",
    "DYNAMIC_BROKER_CONFIG": "broker",
    "DYNAMIC_DEFAULT_BROKER_CONFIG": "broker-default",
    "STATIC_BROKER_CONFIG": "static",
    "UNKNOWN_CONFIG": "unknown",
}


def create_topics(admin, specs: list[tuple[str, int | None, int | None, dict]], timeout: float, validate_only: bool) -> dict[str, Future]:
    """specs: (name, partitions, replication, config); None partitions/replication = the broker's default."""
    from confluent_kafka.admin import NewTopic

    new = [NewTopic(name, -1 if p is None else p, -1 if r is None else r, config=dict(config)) for name, p, r, config in specs]
    return admin.create_topics(new, operation_timeout=timeout, request_timeout=timeout, validate_only=validate_only)


def delete_topics(admin, names: list[str], timeout: float) -> dict[str, Future]:
    return admin.delete_topics(list(names), operation_timeout=timeout, request_timeout=timeout)


def describe_topics(admin, names: list[str], timeout: float) -> dict[str, Future]:
    """Futures whose results are dicts: {topic_id, internal, partitions: [(id, leader, replicas, isr)]}."""
    from confluent_kafka import TopicCollection

    futures = admin.describe_topics(TopicCollection(list(names)), request_timeout=timeout)
    return {name: _mapped(future, _topic_description) for name, future in futures.items()}


def _topic_description(description) -> dict:
    return {
        "topic_id": _kafka_uuid(description.topic_id),
        "internal": bool(description.is_internal),
        "partitions": [
            (
                p.id,
                p.leader.id if p.leader is not None and p.leader.id >= 0 else None,
                tuple(n.id for n in p.replicas),
                tuple(n.id for n in p.isr),
            )
            for p in sorted(description.partitions, key=lambda p: p.id)
        ],
    }


def _kafka_uuid(uuid) -> str | None:
    """A topic id as Kafka's own tools print it (URL-safe base64, no padding)."""
    if uuid is None:
        return None
    return str(uuid).replace("+", "-").replace("/", "_").rstrip("=")


def list_offsets(admin, partitions: list[tuple[str, int]], which: str, timeout: float) -> dict[tuple[str, int], Future]:
    """Futures of the earliest ('earliest') or next ('latest') offset of each (topic, partition)."""
    from confluent_kafka import TopicPartition
    from confluent_kafka.admin import OffsetSpec

    if not partitions:
        return {}
    spec = OffsetSpec.earliest() if which == "earliest" else OffsetSpec.latest()
    futures = admin.list_offsets({TopicPartition(t, p): spec for t, p in partitions}, request_timeout=timeout)
    return {(tp.topic, tp.partition): _mapped(future, lambda info: info.offset) for tp, future in futures.items()}


def describe_topic_configs(admin, names: list[str], timeout: float) -> dict[str, Future]:
    """Futures of {key: (value, source)} for the configs not at Kafka's built-in default.

    Sensitive values come back as None from the broker and stay None.
    """
    from confluent_kafka.admin import ConfigResource, ResourceType

    if not names:
        return {}
    futures = admin.describe_configs([ConfigResource(ResourceType.TOPIC, name) for name in names], request_timeout=timeout)
    return {resource.name: _mapped(future, _non_default_configs) for resource, future in futures.items()}


def _non_default_configs(entries: dict) -> dict[str, tuple[str | None, str]]:
    from confluent_kafka.admin import ConfigSource

    out = {}
    for key, entry in entries.items():
        try:
            source = ConfigSource(entry.source).name  # the entry holds a plain int
        except ValueError:
            source = "UNKNOWN_CONFIG"
        if source in CONFIG_SOURCES:
            out[key] = (None if entry.is_sensitive else entry.value, CONFIG_SOURCES[source])
    return out


def alter_topic_config(admin, topic: str, set_: dict[str, str], delete: list[str], timeout: float, validate_only: bool) -> Future:
    """One incremental AlterConfigs request: SET and DELETE operations on one topic, applied atomically."""
    from confluent_kafka.admin import AlterConfigOpType, ConfigEntry, ConfigResource, ResourceType

    entries = [ConfigEntry(k, v, incremental_operation=AlterConfigOpType.SET) for k, v in set_.items()]
    entries += [ConfigEntry(k, None, incremental_operation=AlterConfigOpType.DELETE) for k in delete]
    resource = ConfigResource(ResourceType.TOPIC, topic, incremental_configs=entries)
    futures = admin.incremental_alter_configs([resource], request_timeout=timeout, validate_only=validate_only)
    return next(iter(futures.values()))


def create_partitions(admin, topic: str, total: int, timeout: float, validate_only: bool) -> Future:
    from confluent_kafka.admin import NewPartitions

    futures = admin.create_partitions(
        [NewPartitions(topic, total)], operation_timeout=timeout, request_timeout=timeout, validate_only=validate_only
    )
    return futures[topic]


def delete_records(admin, before: dict[tuple[str, int], int], timeout: float) -> dict[tuple[str, int], Future]:
    """Futures of the new low watermark of each (topic, partition) after deleting records before an offset."""
    from confluent_kafka import TopicPartition

    if not before:
        return {}
    futures = admin.delete_records([TopicPartition(t, p, o) for (t, p), o in before.items()], request_timeout=timeout)
    return {(tp.topic, tp.partition): _mapped(future, lambda d: d.low_watermark) for tp, future in futures.items()}


def _mapped(future: Future, fn) -> Future:
    """A future resolving to fn(result) (or to the same exception)."""
    out: Future = Future()

    def done(f: Future) -> None:
        try:
            out.set_result(fn(f.result()))
        except BaseException as exc:  # noqa: BLE001 - handed on to whoever waits
            out.set_exception(exc)

    future.add_done_callback(done)
    return out
