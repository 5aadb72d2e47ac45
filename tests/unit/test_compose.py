"""docker-compose.yaml cannot run here (no Docker engine): check it parses and agrees with the registry."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml

from kctl.config.registry import PACKAGED_REGISTRY, load_registry
from kctl.services.local import pom_kafka_version

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yaml").read_text())


@pytest.fixture(scope="module")
def registry():
    return load_registry(str(PACKAGED_REGISTRY))


def kafka_service(compose) -> dict:
    (service,) = [s for s in compose["services"].values() if s["image"].startswith("apache/kafka:")]
    return service


def published(service) -> dict[int, tuple[str, int]]:
    """{container port: (host address, host port)} from "host:hport:cport" entries."""
    out = {}
    for entry in service.get("ports", []):
        parts = str(entry).split(":")
        host, host_port, container_port = parts if len(parts) == 3 else ["", *parts]
        out[int(container_port)] = (host, int(host_port))
    return out


def listeners(value: str) -> dict[str, tuple[str, int]]:
    out = {}
    for item in value.split(","):
        name, _, address = item.partition("://")
        host, _, port = address.rpartition(":")
        out[name] = (host, int(port))
    return out


def test_services_and_images(compose):
    images = {name: s["image"] for name, s in compose["services"].items()}
    assert set(images) == {"kafka-0", "kafka-ui"}
    assert images["kafka-0"] == f"apache/kafka:{pom_kafka_version()}"  # the same Kafka as `kctl local`
    assert images["kafka-0"].startswith("apache/kafka:4.1.")
    assert images["kafka-ui"].startswith("provectuslabs/kafka-ui:")


def test_broker_ports_agree_with_the_registry(compose, registry):
    kafka = kafka_service(compose)
    env = kafka["environment"]
    ports = published(kafka)
    broker, controller = registry.broker_port_of(0), registry.controller_port_of(0)
    assert ports[broker] == (registry.host, broker)
    assert ports[controller] == (registry.host, controller)
    heard = listeners(env["KAFKA_LISTENERS"])
    assert heard["PLAINTEXT"][1] == broker and heard["CONTROLLER"][1] == controller
    advertised = listeners(env["KAFKA_ADVERTISED_LISTENERS"])
    # clients on the host bootstrap exactly where the registry sends kctl
    assert f"{advertised['PLAINTEXT'][0]}:{advertised['PLAINTEXT'][1]}" == registry.bootstrap_of(0)
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{env['KAFKA_NODE_ID']}@{kafka['hostname']}:{controller}"


def test_kraft_settings_are_consistent(compose):
    env = kafka_service(compose)["environment"]
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    names = set(listeners(env["KAFKA_LISTENERS"]))
    protocol_map = dict(item.split(":") for item in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    assert names == set(protocol_map)
    assert env["KAFKA_CONTROLLER_LISTENER_NAMES"] in names and env["KAFKA_INTER_BROKER_LISTENER_NAME"] in names
    assert set(listeners(env["KAFKA_ADVERTISED_LISTENERS"])) <= names - {env["KAFKA_CONTROLLER_LISTENER_NAMES"]}
    assert len(base64.urlsafe_b64decode(env["CLUSTER_ID"] + "==")) == 16  # Kafka's Uuid format
    assert str(env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"]) == "false"  # as `kctl local`: unknown topic = exit 4
    assert int(env["KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS"]) == 0


def test_kafka_ui_port_and_wiring(compose, registry):
    ui = compose["services"]["kafka-ui"]
    kafka = kafka_service(compose)
    assert published(ui)[8080] == (registry.host, registry.ui_port_of(0))
    bootstrap = ui["environment"]["KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS"]
    host, _, port = bootstrap.rpartition(":")
    advertised = listeners(kafka["environment"]["KAFKA_ADVERTISED_LISTENERS"])
    # the UI, inside the compose network, uses a listener advertised under the broker's service name
    assert (host, int(port)) in advertised.values() and host == kafka["hostname"] == "kafka-0"
    assert "kafka-0" in ui["depends_on"]
    assert ui["depends_on"]["kafka-0"]["condition"] == "service_healthy" and "healthcheck" in kafka
