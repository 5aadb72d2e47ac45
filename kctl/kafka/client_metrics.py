"""KIP-714 client metrics subscriptions: configs of resource type CLIENT_METRICS (16), which
confluent-kafka 2.16 cannot name; kafka-python lists them (ListConfigResources, formerly
ListClientMetricsResources), describes them and changes them with IncrementalAlterConfigs."""

from __future__ import annotations

from kctl.deadline import Deadline
from kctl.errors import InvalidRequest

KEYS = ("metrics", "interval.ms", "match")


def _resource(name: str, configs: dict | None = None):
    from kafka.admin import ConfigResource, ConfigResourceType  # heavy: kafka

    return ConfigResource(ConfigResourceType.CLIENT_METRICS, name, configs)


def names(client, deadline: Deadline) -> list[str]:
    answer = client.call("list client metrics", deadline, "list_config_resources", ["CLIENT_METRICS"])
    return sorted(answer.get("client_metrics", ()))


def describe(client, deadline: Deadline, subscriptions: list[str]) -> dict[str, dict[str, str]]:
    """{name: {config: value}} of the configs set (an unknown name: {})."""
    if not subscriptions:
        return {}
    answer = client.call("describe client metrics", deadline, "describe_configs",
                         [_resource(name) for name in subscriptions])
    found = answer.get("client_metrics", {})
    return {name: {key: entry["value"] for key, entry in (found.get(name) or {}).items() if entry.get("value") is not None}
            for name in subscriptions}


def alter(client, deadline: Deadline, name: str, set_: dict[str, str], delete: list[str],
          validate_only: bool = False) -> None:
    """One IncrementalAlterConfigs (SET and DELETE together); InvalidRequest with the broker's words."""
    configs = {**{key: ("SET", value) for key, value in set_.items()}, **{key: ("DELETE", None) for key in delete}}
    answer = client.call(f"alter client metrics {name}", deadline, "alter_configs", [_resource(name, configs)],
                         validate_only=validate_only, raise_on_unknown=False, incremental=True)
    outcome = answer.get("client_metrics", {}).get(name, "no answer")
    if outcome != "OK":
        text = str(outcome)
        raise InvalidRequest(f"client metrics {name}: {text.split(': ', 1)[-1] if ': ' in text else text}")
