"""Broker, topic and group configs of any resource, and the KRaft quorum: confluent-kafka's
DescribeConfigs / IncrementalAlterConfigs, kafka-python's DescribeQuorum (confluent-kafka 2.16
lacks it). Results are kctl models; confluent_kafka is imported inside the functions."""

from __future__ import annotations

from concurrent.futures import Future

from kctl.deadline import Deadline
from kctl.errors import InvalidRequest
from kctl.kafka.kafka_python import kctl_error
from kctl.kafka.lib import confluent_admin as _ca
from kctl.kafka.topic_admin import _config_entries, mapped

# kctl's resource kinds -> confluent_kafka ResourceType names.
RESOURCE_TYPES = {"broker": "BROKER", "topic": "TOPIC", "group": "GROUP"}


def _resource(kind: str, name: str, **kwargs):
    ConfigResource = _ca().ConfigResource
    ResourceType = _ca().ResourceType

    return ConfigResource(getattr(ResourceType, RESOURCE_TYPES[kind]), name, **kwargs)


def describe_configs(admin, resources: list[tuple[str, str]], timeout: float) -> dict[tuple[str, str], Future]:
    """Futures of (ConfigEntry...) per (kind, name), all in one request (a broker's own configs
    are asked of that broker by librdkafka; the library splits the request as it must)."""
    if not resources:
        return {}
    wanted = [_resource(kind, name) for kind, name in resources]
    futures = admin.describe_configs(wanted, request_timeout=timeout)
    by_key = {(kind, name): r for (kind, name), r in zip(resources, wanted)}
    out = {}
    for key, resource in by_key.items():
        future = next((f for r, f in futures.items() if r == resource), None)
        if future is not None:
            out[key] = mapped(future, _config_entries)
    return out


def alter_config(admin, kind: str, name: str, set_: dict[str, str], delete: list[str], timeout: float,
                 validate_only: bool) -> Future:
    """One incremental AlterConfigs of one resource (SET and DELETE applied atomically); name ""
    for a broker: the cluster-wide dynamic broker default."""
    AlterConfigOpType = _ca().AlterConfigOpType
    LibraryConfigEntry = _ca().ConfigEntry

    entries = [LibraryConfigEntry(k, v, incremental_operation=AlterConfigOpType.SET) for k, v in set_.items()]
    entries += [LibraryConfigEntry(k, None, incremental_operation=AlterConfigOpType.DELETE) for k in delete]
    resource = _resource(kind, name, incremental_configs=entries)
    futures = admin.incremental_alter_configs([resource], request_timeout=timeout, validate_only=validate_only)
    return mapped(next(iter(futures.values())), lambda _: None)


def describe_quorum(client, deadline: Deadline) -> dict | None:
    """{leader_id, leader_epoch, high_watermark, voters: [{id, log_end_offset, lag}], observers: [...]}
    of the KRaft metadata log (kafka-python's DescribeQuorum), None when not a KRaft cluster."""
    answer = client.call("describe quorum", deadline, "describe_metadata_quorum")
    if not answer:
        return None
    partitions = [p for t in answer.get("topics", ()) for p in t.get("partitions", ())]
    if not partitions:
        return None
    p = partitions[0]
    high = p.get("high_watermark")

    def replicas(key):
        out = []
        for r in p.get(key, ()) or ():
            end = r.get("log_end_offset")
            out.append({"id": r.get("replica_id"), "log_end_offset": end,
                        "last_caught_up_ms": r.get("last_caught_up_timestamp"),
                        "last_fetch_ms": r.get("last_fetch_timestamp"),
                        "lag": (high - end) if isinstance(high, int) and isinstance(end, int) and end >= 0 else None})
        return out

    return {"leader_id": p.get("leader_id"), "leader_epoch": p.get("leader_epoch"), "high_watermark": high,
            "voters": replicas("current_voters"), "observers": replicas("observers")}


def broker_version(client, deadline: Deadline, broker: int) -> str:
    data = client.call(f"api versions of broker {broker}", deadline, "get_broker_version_data", broker)
    version = getattr(data, "broker_version", None)
    if isinstance(version, tuple):
        return ".".join(str(v) for v in version)
    return str(version if version is not None else data).removeprefix("<BrokerVersionData ").rstrip(">")


def alter_broker_default(client, deadline: Deadline, set_: dict[str, str], delete: list[str], validate_only: bool) -> None:
    """One IncrementalAlterConfigs of the cluster-wide dynamic broker default (a BROKER resource
    named ""), which neither librdkafka nor kafka-python's public API accepts: the request is
    built and sent with kafka-python's own request helpers, to any broker (KRaft forwards it
    to the controller). KctlError with the broker's message when refused."""
    from kafka.admin import ConfigResource  # heavy: kafka
    from kafka.errors import for_code  # heavy: kafka

    configs = {k: ("SET", v) for k, v in set_.items()}
    configs.update({k: ("DELETE", None) for k in delete})

    def send(kpy):
        request = kpy._alter_configs_request([ConfigResource("BROKER", "", configs)], validate_only, True)

        async def go():
            return await kpy._manager.send(request)

        return kpy._manager.run(go)

    response = client.run("alter broker default config", deadline, send)
    for result in response.responses:
        if result.error_code:
            error = kctl_error(for_code(result.error_code)(result.error_message))
            error.message = result.error_message or error.message
            error.args = (error.message,)
            raise error


# UpdateFeatures upgrade types (KIP-584/KIP-778)
_UPDATE_TYPES = {"upgrade": "UPGRADE", "safe-downgrade": "SAFE_DOWNGRADE", "unsafe-downgrade": "UNSAFE_DOWNGRADE"}


def describe_features(client, deadline: Deadline) -> list[tuple[str, int | None, int, int]]:
    """[(feature, finalized level or None, lowest supported, highest supported)] as the brokers
    report them (ApiVersions: the supported range the cluster's brokers all accept)."""
    answer = client.call("describe features", deadline, "describe_features")
    out = []
    for name, data in sorted(answer.items()):
        low, high = data.get("supported", (0, 0))
        finalized = data.get("finalized")
        out.append((name, finalized[1] if finalized else None, int(low), int(high)))
    return out


def update_feature(client, deadline: Deadline, name: str, level: int, kind: str, validate_only: bool = False) -> None:
    """Finalize `name` at `level` (the controller checks every broker supports it); KctlError when refused."""
    from kafka.admin import UpdateFeatureType  # heavy: kafka

    update = (UpdateFeatureType[_UPDATE_TYPES[kind]], level)
    answer = client.call(f"update feature {name}", deadline, "update_features", {name: update},
                         validate_only=validate_only, timeout_ms=max(1, int(deadline.remaining(0.1) * 1000)))
    outcome = answer.get(name, "no answer for the feature")
    if outcome != "OK":
        raise InvalidRequest(f"{name} level {level}: {outcome}")
