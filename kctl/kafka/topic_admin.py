"""Topic, cluster and offset requests over confluent_kafka's AdminClient, with kctl models as results.

Each request function returns futures keyed by something the caller can print (a topic name,
or a (topic, partition) pair) whose results are kctl models; kctl.kafka.clients.wait_each
waits on them one by one. confluent_kafka is imported inside the functions (start-up speed).
"""

from __future__ import annotations

from concurrent.futures import Future

from kctl.models.admin import ConfigEntry, PartitionInfo, TopicInfo

# ConfigSource names -> the names kctl prints.
CONFIG_SOURCES = {
    "DYNAMIC_TOPIC_CONFIG": "topic",
    "DYNAMIC_BROKER_CONFIG": "broker",
    "DYNAMIC_DEFAULT_BROKER_CONFIG": "broker-default",
    "STATIC_BROKER_CONFIG": "static",
    "DEFAULT_CONFIG": "default",
    "GROUP_CONFIG": "group",
    "UNKNOWN_CONFIG": "unknown",
}
OFFSET_SPECS = ("earliest", "latest")


# ---------------------------------------------------------------------------------------- metadata


def cluster_info(md):
    """(ClusterInfo, (TopicInfo...)) of a librdkafka ClusterMetadata (topics in error are left out)."""
    from kctl.models import BrokerInfo, ClusterInfo

    controller = md.controller_id if md.controller_id is not None and md.controller_id >= 0 else None
    brokers = tuple(BrokerInfo(id=b.id, host=b.host, port=b.port, is_controller=b.id == controller)
                    for b in sorted(md.brokers.values(), key=lambda b: b.id))
    topics = tuple(_topic_metadata(t) for _, t in sorted(md.topics.items()) if t.error is None)
    return ClusterInfo(cluster_id=md.cluster_id, controller_id=controller, brokers=brokers, topic_count=len(md.topics)), topics


def _topic_metadata(t) -> TopicInfo:
    parts = tuple(
        PartitionInfo(p.id, p.leader if p.leader >= 0 else None, tuple(p.replicas), tuple(p.isrs))
        for p in sorted(t.partitions.values(), key=lambda p: p.id)
    )
    return TopicInfo(t.topic, parts, internal=t.topic.startswith("__"))


# ---------------------------------------------------------------------------------------- topics


def create_topics(admin, specs: list[tuple[str, int | None, int | None, dict]], timeout: float, validate_only: bool) -> dict[str, Future]:
    """specs: (name, partitions, replication, config); None partitions/replication = the broker's default."""
    from confluent_kafka.admin import NewTopic

    new = [NewTopic(name, -1 if p is None else p, -1 if r is None else r, config=dict(config)) for name, p, r, config in specs]
    return admin.create_topics(new, operation_timeout=timeout, request_timeout=timeout, validate_only=validate_only)


def delete_topics(admin, names: list[str], timeout: float) -> dict[str, Future]:
    return admin.delete_topics(list(names), operation_timeout=timeout, request_timeout=timeout)


def describe_topics(admin, names: list[str], timeout: float) -> dict[str, Future]:
    """Futures of TopicInfo (with topic ids), all names in one request."""
    from confluent_kafka import TopicCollection

    if not names:
        return {}
    futures = admin.describe_topics(TopicCollection(list(names)), request_timeout=timeout)
    return {name: mapped(future, _topic_description) for name, future in futures.items()}


def _topic_description(d) -> TopicInfo:
    parts = tuple(
        PartitionInfo(p.id, p.leader.id if p.leader is not None and p.leader.id >= 0 else None,
                      tuple(n.id for n in p.replicas), tuple(n.id for n in p.isr))
        for p in sorted(d.partitions, key=lambda p: p.id)
    )
    return TopicInfo(d.name, parts, topic_id=_kafka_uuid(d.topic_id), internal=bool(d.is_internal) or d.name.startswith("__"))


def _kafka_uuid(uuid) -> str | None:
    """A topic id as Kafka's own tools print it (URL-safe base64, no padding)."""
    if uuid is None:
        return None
    return str(uuid).replace("+", "-").replace("/", "_").rstrip("=")


def list_offsets(admin, partitions: list[tuple[str, int]], spec: "str | int", timeout: float) -> dict[tuple[str, int], Future]:
    """Futures of an offset per (topic, partition), all in one request. spec: 'earliest', 'latest'
    (the next offset to be written) or a timestamp in ms (the first offset at or after it; None
    when no record is that recent)."""
    from confluent_kafka import TopicPartition
    from confluent_kafka.admin import OffsetSpec

    if not partitions:
        return {}
    if spec == "earliest":
        offset_spec = OffsetSpec.earliest()
    elif spec == "latest":
        offset_spec = OffsetSpec.latest()
    else:
        offset_spec = OffsetSpec.for_timestamp(int(spec))
    by_time = spec not in OFFSET_SPECS
    futures = admin.list_offsets({TopicPartition(t, p): offset_spec for t, p in partitions}, request_timeout=timeout)
    return {(tp.topic, tp.partition): mapped(f, lambda info: None if by_time and info.offset < 0 else info.offset)
            for tp, f in futures.items()}


def describe_configs(admin, names: list[str], timeout: float) -> dict[str, Future]:
    """Futures of (ConfigEntry...) per topic, all topics in one request (sensitive values stay None)."""
    from confluent_kafka.admin import ConfigResource, ResourceType

    if not names:
        return {}
    futures = admin.describe_configs([ConfigResource(ResourceType.TOPIC, name) for name in names], request_timeout=timeout)
    return {resource.name: mapped(future, _config_entries) for resource, future in futures.items()}


def _config_entries(entries: dict) -> tuple[ConfigEntry, ...]:
    from confluent_kafka.admin import ConfigSource

    out = []
    for key, entry in sorted(entries.items()):
        try:
            source = ConfigSource(entry.source).name  # the entry holds a plain int
        except ValueError:
            source = "UNKNOWN_CONFIG"
        sensitive = bool(entry.is_sensitive)
        out.append(ConfigEntry(key, None if sensitive else entry.value, CONFIG_SOURCES.get(source, "unknown"), sensitive,
                               read_only=bool(entry.is_read_only), is_default=bool(entry.is_default)))
    return tuple(out)


def alter_topic_config(admin, topic: str, set_: dict[str, str], delete: list[str], timeout: float, validate_only: bool) -> Future:
    """One incremental AlterConfigs request: SET and DELETE operations on one topic, applied atomically."""
    from confluent_kafka.admin import AlterConfigOpType, ConfigEntry as LibraryConfigEntry, ConfigResource, ResourceType

    entries = [LibraryConfigEntry(k, v, incremental_operation=AlterConfigOpType.SET) for k, v in set_.items()]
    entries += [LibraryConfigEntry(k, None, incremental_operation=AlterConfigOpType.DELETE) for k in delete]
    resource = ConfigResource(ResourceType.TOPIC, topic, incremental_configs=entries)
    futures = admin.incremental_alter_configs([resource], request_timeout=timeout, validate_only=validate_only)
    return mapped(next(iter(futures.values())), lambda _: None)


def create_partitions(admin, topic: str, total: int, timeout: float, validate_only: bool) -> Future:
    from confluent_kafka.admin import NewPartitions

    futures = admin.create_partitions(
        [NewPartitions(topic, total)], operation_timeout=timeout, request_timeout=timeout, validate_only=validate_only
    )
    return futures[topic]


def delete_records(admin, before: dict[tuple[str, int], int], timeout: float) -> dict[tuple[str, int], Future]:
    """Futures of the new low watermark of each (topic, partition) after deleting records before
    an offset (-1: up to the high watermark), all in one request."""
    from confluent_kafka import TopicPartition

    if not before:
        return {}
    futures = admin.delete_records([TopicPartition(t, p, o) for (t, p), o in before.items()], request_timeout=timeout)
    return {(tp.topic, tp.partition): mapped(future, lambda d: d.low_watermark) for tp, future in futures.items()}


def mapped(future: Future, fn) -> Future:
    """A future resolving to fn(result) (or to the same exception)."""
    out: Future = Future()

    def done(f: Future) -> None:
        try:
            out.set_result(fn(f.result()))
        except BaseException as exc:  # noqa: BLE001 - handed on to whoever waits
            out.set_exception(exc)

    future.add_done_callback(done)
    return out
