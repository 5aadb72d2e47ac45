"""Where `kctl local` keeps an instance's files.

    $KCTL_STATE_DIR (else $XDG_STATE_HOME/kctl, else ~/.local/state/kctl)
      instances/<N>/instance.json            broker count, cluster id, Kafka version
      instances/<N>/broker-<k>/server.properties, data/, server.log, pid
      instances/<N>/<server>/ its data, log and pid: a managed server (supervisor.Server.name)
      instances/<N>/temporal/temporal.db, temporal.log, pid
      instances/<N>/schema-registry/registry.mv.db (H2), registry.log, pid
      instances/<N>/connect/worker.properties, connect.log, pid
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


def known_instances(server_dirs: list[str]) -> list[int]:
    """The instances with brokers created (instance.json) or a folder of one of `server_dirs`."""
    root = state_root() / "instances"
    if not root.is_dir():
        return []
    return sorted(
        int(p.name) for p in root.iterdir()
        if is_int(p.name) and ((p / "instance.json").exists() or any((p / name).is_dir() for name in server_dirs))
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
