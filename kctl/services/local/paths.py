"""Where `kctl local` keeps an instance's files.

    $KCTL_STATE_DIR (else $XDG_STATE_HOME/kctl, else ~/.local/state/kctl)
      instances/<N>/instance.json            broker count, cluster id, Kafka version
      instances/<N>/broker-<k>/server.properties, data/, server.log, pid
      instances/<N>/temporal/temporal.db, temporal.log, pid
      instances/<N>/schema-registry/registry.mv.db (H2), registry.log, pid
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from kctl.config.state import cache_root, instance_dir, read_meta, state_root  # noqa: F401 - re-exported
from kctl.parsing import is_int


def write_meta(instance: int, meta: dict) -> None:
    instance_dir(instance).mkdir(parents=True, exist_ok=True)
    (instance_dir(instance) / "instance.json").write_text(json.dumps(meta) + "\n")


def known_instances() -> list[int]:
    root = state_root() / "instances"
    if not root.is_dir():
        return []
    return sorted(
        int(p.name) for p in root.iterdir()
        if is_int(p.name) and ((p / "instance.json").exists() or (p / "temporal").is_dir()
                                 or (p / "schema-registry").is_dir())
    )


@dataclass(frozen=True)
class BrokerPaths:
    node_id: int
    root: Path

    @property
    def properties(self) -> Path:
        return self.root / "server.properties"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    @property
    def pid_file(self) -> Path:
        return self.root / "pid"

    @property
    def marker(self) -> str:
        """What the broker's command line contains, and no other process's: its properties path."""
        return str(self.properties)


def broker_paths(instance: int, count: int) -> list[BrokerPaths]:
    return [BrokerPaths(k + 1, instance_dir(instance) / f"broker-{k + 1}") for k in range(count)]


@dataclass(frozen=True)
class TemporalPaths:
    root: Path

    @property
    def db(self) -> Path:
        return self.root / "temporal.db"

    @property
    def log(self) -> Path:
        return self.root / "temporal.log"

    @property
    def pid_file(self) -> Path:
        return self.root / "pid"

    @property
    def marker(self) -> str:
        return str(self.db)


def temporal_paths(instance: int) -> TemporalPaths:
    return TemporalPaths(instance_dir(instance) / "temporal")


@dataclass(frozen=True)
class SchemaRegistryPaths:
    root: Path

    @property
    def db(self) -> Path:
        """The H2 database's base path (H2 adds .mv.db)."""
        return self.root / "registry"

    @property
    def log(self) -> Path:
        return self.root / "registry.log"

    @property
    def pid_file(self) -> Path:
        return self.root / "pid"

    @property
    def configured(self) -> Path:
        """Written once the default compatibility was set (on the first start)."""
        return self.root / "compatibility-set"

    @property
    def marker(self) -> str:
        return f"jdbc:h2:file:{self.db}"


def schema_registry_paths(instance: int) -> SchemaRegistryPaths:
    return SchemaRegistryPaths(instance_dir(instance) / "schema-registry")
