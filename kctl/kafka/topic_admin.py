"""Topic, cluster and offset requests over confluent_kafka's AdminClient, with kctl models as results.

Each request function returns futures keyed by something the caller can print (a topic name,
or a (topic, partition) pair) whose results are kctl models; kctl.kafka.clients.wait_each
waits on them one by one. confluent_kafka is imported inside the functions (start-up speed).
"""

from __future__ import annotations

import functools
from concurrent.futures import Future

from kctl.kafka.lib import confluent, confluent_admin
from kctl.models import BrokerInfo, ClusterInfo
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
    controller = md.controller_id if md.controller_id is not None and md.controller_id >= 0 else None
    brokers = tuple(BrokerInfo(id=b.id, host=b.host, port=b.port, is_controller=b.id == controller)
                    for b in sorted(md.brokers.values(), key=lambda b: b.id))
    topics = tuple(_topic_metadata(t) for _, t in sorted(md.topics.items()) if t.error is None)
    return ClusterInfo(cluster_id=md.cluster_id, controller_id=controller, brokers=brokers, topic_count=len(md.topics)), topics


def broker_addresses(md) -> dict[int, tuple[str, int]]:
    """{broker id: (host, port)} of the brokers a librdkafka ClusterMetadata lists."""
    return {broker.id: (broker.host, broker.port) for broker in md.brokers.values()}


def partition_leaders(md) -> dict[str, dict[int, int | None]]:
    """{topic: {partition: leader id, None when it has none}} of a librdkafka ClusterMetadata
    (topics in error left out)."""
    return {name: {p.id: p.leader if p.leader >= 0 else None for p in t.partitions.values()}
            for name, t in md.topics.items() if t.error is None}


def _topic_metadata(t) -> TopicInfo:
    parts = tuple(
        PartitionInfo(p.id, p.leader if p.leader >= 0 else None, tuple(p.replicas), tuple(p.isrs))
        for p in sorted(t.partitions.values(), key=lambda p: p.id)
    )
    return TopicInfo(t.topic, parts, internal=t.topic.startswith("__"))


# ---------------------------------------------------------------------------------------- topics


def create_topics(admin, specs: list[tuple[str, int | None, int | None, dict]], timeout: float, validate_only: bool) -> dict[str, Future]:
    """specs: (name, partitions, replication, config); None partitions/replication = the broker's default."""
    ca = confluent_admin()

    new = [ca.NewTopic(name, -1 if p is None else p, -1 if r is None else r, config=dict(config)) for name, p, r, config in specs]
    return admin.create_topics(new, operation_timeout=timeout, request_timeout=timeout, validate_only=validate_only)


def delete_topics(admin, names: list[str], timeout: float) -> dict[str, Future]:
    return admin.delete_topics(list(names), operation_timeout=timeout, request_timeout=timeout)


def describe_topics(admin, names: list[str], timeout: float) -> dict[str, Future]:
    """Futures of TopicInfo (with topic ids), all names in one request."""
    ck = confluent()

    if not names:
        return {}
    futures = admin.describe_topics(ck.TopicCollection(list(names)), request_timeout=timeout)
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
    ck = confluent()
    ca = confluent_admin()

    if not partitions:
        return {}
    if spec == "earliest":
        offset_spec = ca.OffsetSpec.earliest()
    elif spec == "latest":
        offset_spec = ca.OffsetSpec.latest()
    else:
        offset_spec = ca.OffsetSpec.for_timestamp(int(spec))
    by_time = spec not in OFFSET_SPECS
    futures = admin.list_offsets({ck.TopicPartition(t, p): offset_spec for t, p in partitions}, request_timeout=timeout)
    return {(tp.topic, tp.partition): mapped(f, lambda info: None if by_time and info.offset < 0 else info.offset)
            for tp, f in futures.items()}


def describe_configs(admin, names: list[str], timeout: float, sources: tuple[str, ...] | None = None) -> dict[str, Future]:
    """Futures of (ConfigEntry...) per topic, all topics in one request (sensitive values stay None).
    sources: only the entries from these sources (kctl's names), say the non-default ones."""
    ca = confluent_admin()

    if not names:
        return {}
    futures = admin.describe_configs([ca.ConfigResource(ca.ResourceType.TOPIC, name) for name in names], request_timeout=timeout)
    convert = _config_entries if sources is None else functools.partial(_config_entries, sources=frozenset(sources))
    return {resource.name: mapped(future, convert) for resource, future in futures.items()}


@functools.cache
def _source_names() -> dict[int, str]:
    """librdkafka's config source number -> kctl's name (the entries hold plain ints: one table,
    not an enum lookup per entry; a describe of 1,000 topics reads ~40,000 entries)."""
    ca = confluent_admin()

    return {s.value: CONFIG_SOURCES.get(s.name, "unknown") for s in ca.ConfigSource}


def _config_entries(entries: dict, sources: frozenset | None = None) -> tuple[ConfigEntry, ...]:
    names = _source_names()
    out = []
    for key, entry in sorted(entries.items()):
        source = names.get(entry.source, "unknown")
        if sources is not None and source not in sources:
            continue
        sensitive = bool(entry.is_sensitive)
        out.append(ConfigEntry(key, None if sensitive else entry.value, source, sensitive,
                               read_only=bool(entry.is_read_only), is_default=bool(entry.is_default)))
    return tuple(out)


def alter_topic_config(admin, topic: str, set_: dict[str, str], delete: list[str], timeout: float, validate_only: bool) -> Future:
    """One incremental AlterConfigs request: SET and DELETE operations on one topic, applied atomically."""
    ca = confluent_admin()

    entries = [ca.ConfigEntry(k, v, incremental_operation=ca.AlterConfigOpType.SET) for k, v in set_.items()]
    entries += [ca.ConfigEntry(k, None, incremental_operation=ca.AlterConfigOpType.DELETE) for k in delete]
    resource = ca.ConfigResource(ca.ResourceType.TOPIC, topic, incremental_configs=entries)
    futures = admin.incremental_alter_configs([resource], request_timeout=timeout, validate_only=validate_only)
    return mapped(next(iter(futures.values())), lambda _: None)


def create_partitions(admin, topic: str, total: int, timeout: float, validate_only: bool) -> Future:
    ca = confluent_admin()

    futures = admin.create_partitions(
        [ca.NewPartitions(topic, total)], operation_timeout=timeout, request_timeout=timeout, validate_only=validate_only
    )
    return futures[topic]


def delete_records(admin, before: dict[tuple[str, int], int], timeout: float) -> dict[tuple[str, int], Future]:
    """Futures of the new low watermark of each (topic, partition) after deleting records before
    an offset (-1: up to the high watermark), all in one request."""
    ck = confluent()

    if not before:
        return {}
    futures = admin.delete_records([ck.TopicPartition(t, p, o) for (t, p), o in before.items()], request_timeout=timeout)
    return {(tp.topic, tp.partition): mapped(future, lambda d: d.low_watermark) for tp, future in futures.items()}


def mapped(future: Future, fn) -> "Mapped":
    """A future-like resolving to fn(result) (or raising the same exception)."""
    return Mapped(future, fn)


class Mapped:
    """fn applied to a future's result, when asked for (result(), exception(), done(),
    add_done_callback()). Not a concurrent.futures.Future: a describe of 1,000 topics asks for
    ~10,000 of these, and a Future (with its Condition) per item cost more than the requests' wait."""

    __slots__ = ("_future", "_fn", "_value")
    _UNSET = object()

    def __init__(self, future: Future, fn):
        self._future, self._fn, self._value = future, fn, Mapped._UNSET

    def result(self, timeout: float | None = None):
        if self._value is Mapped._UNSET:
            self._value = self._fn(self._future.result(timeout))  # raises the future's exception as it is
        return self._value

    def exception(self, timeout: float | None = None):
        try:
            self.result(timeout)
        except TimeoutError:
            raise
        except BaseException as exc:  # noqa: BLE001 - handed back, as Future.exception does
            return exc
        return None

    def done(self) -> bool:
        return self._future.done()

    def add_done_callback(self, fn) -> None:
        self._future.add_done_callback(lambda _: fn(self))
