"""Every local Kafka instance the tests start, in one table: which module owns which instance numbers
and ports. tests/unit/test_test_layout.py checks that no two modules share an instance number or a
port and that no test module writes a port of this table by hand.

SHARED: instances 0 (one broker) and 1 (three brokers) of the packaged registry, started by
tests/conftest.py for every module. PRIVATE: a module that starts instances of its own, either
numbers of the packaged registry nobody else uses (registry None) or a registry of its own (the
sections that replace the packaged registry's: its own port base, so that its instance numbers,
0 and 1 mostly, meet nobody's ports). A module with a registry of its own gives every service it
starts (UI, Temporal, Schema Registry, Connect, OIDC) ports of its own there.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import yaml

from kctl.config.registry import PACKAGED_REGISTRY
from kctl.services.local.processes import port_free

SHARED = {0: 1, 1: 3}  # instance -> brokers, of the packaged registry

# For a test's own short-lived server that is stopped and checked gone: ports below Linux's
# ephemeral range (32768-60999), so that no outgoing connection of the brokers and clients on the
# machine takes the port the moment the server lets it go (a port from bind(0) is ephemeral).
SERVER_PORTS = range(23400, 23500)


def free_server_port() -> int:
    """A free one of SERVER_PORTS, at random: the last test's connections may still be in TIME_WAIT."""
    for port in random.sample(SERVER_PORTS, len(SERVER_PORTS)):
        if port_free("127.0.0.1", port):
            return port
    raise RuntimeError(f"no free port in {SERVER_PORTS}")


@dataclass(frozen=True)
class Private:
    instances: tuple[int, ...]  # the instance numbers the module starts
    registry: dict | None = None  # sections replacing the packaged registry's; None: the packaged registry
    brokers: int = 1  # the most brokers one of its instances has

    @property
    def instance(self) -> int:
        return self.instances[0]


# The registry of the login modules (test_oauth.py, test_mtls.py): one for both, instances split.
# Controllers below the ephemeral range (32768+): an outgoing connection once held 32892 as oauth started.
LOGIN = {
    "kafka": {"host": "127.0.0.1", "broker_port": 31092, "controller_port": 21892, "instance_increment": 100,
              "max_instances": 4, "broker_stride": 3},
    "kafka_ui": {"ui_port": 31070}, "temporal": {"frontend_port": 31071, "ui_port": 31072},
    "schema_registry": {"port": 31073, "management_port": 31074}, "oidc": {"port": 31080},
}

PRIVATE = {
    # numbers of the packaged registry
    "test_security_local": Private((2,)),
    "test_health": Private((3,), brokers=3),
    "test_local": Private((4,)),
    "test_local_crash": Private((5,), brokers=3),
    "test_local_temporal": Private((6,)),
    "test_schema_registry": Private((7,)),
    "test_config_security": Private((8,)),
    "test_e2e": Private((9,)),
    # registries of their own
    "test_groups_many": Private((0,), {"kafka": {"broker_port": 25092, "controller_port": 35093}}),
    "test_state": Private((0, 1), {"kafka": {"broker_port": 27092, "controller_port": 37093},
                                   "schema_registry": {"port": 27481, "management_port": 27482}}),
    "test_compat": Private((0, 1), {"kafka": {"broker_port": 28092, "controller_port": 38093}}),
    "test_wheel": Private((0,), {"kafka": {"broker_port": 29092, "controller_port": 39093}}),
    "test_connect": Private((0,), {
        "kafka": {"broker_port": 30092, "controller_port": 31093}, "kafka_ui": {"ui_port": 30080},
        "schema_registry": {"port": 30081, "management_port": 30082}, "connect": {"rest_port": 30083},
        "temporal": {"frontend_port": 30084, "ui_port": 30085}}),
    "test_oauth": Private((0, 2), LOGIN),  # Kafka 4.1.1, 3.9.2
    "test_mtls": Private((1, 3), LOGIN),  # Kafka 4.1.1, 3.9.2
    "test_produce_stalled": Private((0,), {
        "kafka": {"host": "127.0.0.1", "broker_port": 32092, "controller_port": 42093, "instance_increment": 100,
                  "max_instances": 1, "broker_stride": 10},
        "kafka_ui": {"ui_port": 32180}, "temporal": {"frontend_port": 32133, "ui_port": 32143},
        "schema_registry": {"port": 32181, "management_port": 32191}}),
    "test_group_protocol": Private((0,), {"kafka": {"broker_port": 34092, "controller_port": 34093}}),
    "test_share_groups": Private((0,), {"kafka": {"broker_port": 26092, "controller_port": 36093}}),  # Kafka 4.3.1
    # bench/faults runs the same scenarios on instances 7 and 6 of the packaged registry, standalone
    "test_faults": Private((0, 1), {"kafka": {"broker_port": 24092, "controller_port": 44093}}, brokers=3),
}


def private(module: str) -> Private:
    """The entry of a module, by its __name__ (tests.integration.test_x) or its short name."""
    return PRIVATE[module.rsplit(".", 1)[-1]]


def instance_of(module: str) -> int:
    """The (first) instance number the module starts."""
    return private(module).instance


def registry_document(module: str) -> dict:
    """The registry of a module: the packaged one with the module's sections in place of its own."""
    document = yaml.safe_load(PACKAGED_REGISTRY.read_text())
    for section, values in (private(module).registry or {}).items():
        document[section] = {**document.get(section, {}), **values}
    return document


def write_registry(module: str, folder: Path) -> Path:
    """folder/registry.yaml with the module's registry (for --registry or KCTL_REGISTRY)."""
    path = Path(folder) / "registry.yaml"
    path.write_text(yaml.safe_dump(registry_document(module)))
    return path


def port_of(module: str, section: str, key: str, instance: int | None = None) -> int:
    """A port of an instance of the module (its first instance by default): port_of(m, "connect", "rest_port")."""
    document = registry_document(module)
    number = private(module).instance if instance is None else instance
    return document[section][key] + number * document["kafka"]["instance_increment"]


def bootstrap_of(module: str, instance: int | None = None) -> str:
    """host:port of the first broker of an instance of the module (its first instance by default)."""
    return f"{registry_document(module)['kafka']['host']}:{port_of(module, 'kafka', 'broker_port', instance)}"
