"""The managed servers of a local instance (the Temporal dev server, the Schema Registry, ...).

Each server is described as data (a `Server`: its folder, fetch, command line, ports, readiness
probe, the markers that make a pid ours), and every one runs through the one path of this module:
fetch, preflight, start detached, wait until ready, stop, describe, log.

Kafka brokers are not Servers: an instance has one or three of them, `up` starts only the missing
ones after formatting their storage, and they are ready together, each seeing the whole quorum
(kctl.services.local.kafka). They share the process helpers of processes.py.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kctl import log
from kctl.config.registry import Registry
from kctl.deadline import Deadline
from kctl.errors import ConfigError, NotFoundError
from kctl.services.local.paths import instance_dir
from kctl.services.local.processes import end_started, launch, owned_pid, port_free, stop_processes, wait_until_ready


@dataclass(frozen=True)
class Run:
    """One start of a server: what its command line and readiness probe are made from."""

    registry: Registry
    instance: int
    root: Path  # the server's state folder
    log: Path
    tool: str  # what find_tool found (a binary, a java)
    app: Path | None  # what fetch brought, None for a server with nothing to fetch
    log_start: int  # the log's size before this start

    def wrote_log(self) -> bool:
        """The server has written to its log since it was started."""
        try:
            return self.log.stat().st_size > self.log_start
        except OSError:
            return False


@dataclass(frozen=True)
class Server:
    """A local server of an instance, as data. Its files live in instances/N/<name>/."""

    name: str  # its folder; the log event of its start is local_<name>_up
    label: str  # in messages: "the <label> of instance N exited during start"
    flag: str  # the `kctl local up` option that starts it
    log_name: str
    program: str  # what its command line holds besides `marker` (an argument of its own)
    marker: str  # a path on its command line that names this instance's server: "{root}/..."
    ports: Callable[[Registry, int], tuple[tuple[str, int], ...]]  # (what, port) of an instance, checked free
    find_tool: Callable[[], str]  # the executable to run; a ConfigError saying what to install
    command: Callable[[Run], list[str]]
    ready: Callable[[Run], bool]  # the readiness probe, polled until the --wait deadline
    describe: Callable[[Registry, int, Path, int | None], Any]  # its `local status` entry (root, pid)
    fetch: Callable[[int], Path] | None = None  # a one-time download (e.g. by Maven) for an instance, before any broker starts
    prepare: Callable[[Run], None] | None = None  # before each start: its config files, in run.root
    after_ready: Callable[[Run], None] | None = None  # once ready, still within a failed start's clean-up
    environment: Callable[[Run], dict[str, str]] | None = None  # variables its process needs
    poll: float = 0.2

    def root(self, instance: int) -> Path:
        return instance_dir(instance) / self.name

    def log(self, instance: int) -> Path:
        return self.root(instance) / self.log_name

    def pid_file(self, instance: int) -> Path:
        return self.root(instance) / "pid"

    def needles(self, instance: int) -> tuple[str, ...]:
        """What the command line of this instance's server holds, and no other process's."""
        return self.program, self.marker.format(root=self.root(instance))


def pid(server: Server, instance: int) -> int | None:
    """The pid of the instance's server if it runs (its pid file names a live process of ours)."""
    return owned_pid(server.pid_file(instance), *server.needles(instance))


def describe(server: Server, registry: Registry, instance: int):
    """The server's `local status` entry, or None when it was never started for this instance."""
    root = server.root(instance)
    if not root.is_dir():
        return None
    return server.describe(registry, instance, root, pid(server, instance))


def preflight(server: Server, registry: Registry, instance: int) -> str | None:
    """Why the server could not start, raised early (before any broker starts): a missing tool or
    a taken port. Returns the tool to run, or None when the server already runs."""
    if pid(server, instance) is not None:
        return None
    tool = server.find_tool()
    for what, port in server.ports(registry, instance):
        if not port_free(registry.host, port):
            raise ConfigError(
                f"port {port} on {registry.host} ({what} of instance {instance}) is already taken",
                hint="stop whatever listens there, or use another --instance",
            )
    return tool


def fetch(server: Server, instance: int) -> Path | None:
    return server.fetch(instance) if server.fetch is not None else None


def start(server: Server, registry: Registry, instance: int, wait: float) -> bool:
    """Start the instance's server unless it runs; True if it was started here. Waits (up to `wait`
    seconds) until it is ready; on any failure the process started here is stopped again."""
    tool = preflight(server, registry, instance)
    if tool is None:
        return False
    app = fetch(server, instance)
    root, log_path, pid_file = server.root(instance), server.log(instance), server.pid_file(instance)
    root.mkdir(parents=True, exist_ok=True)
    run = Run(registry, instance, root, log_path, tool, app, log_path.stat().st_size if log_path.exists() else 0)
    if server.prepare is not None:
        server.prepare(run)
    what = f"the {server.label} of instance {instance}"
    with log.timed(f"local_{server.name.replace('-', '_')}_up", instance=instance):
        env = server.environment(run) if server.environment is not None else None
        proc = launch(server.command(run), log_path, pid_file, cwd=root, env=env)
        try:
            wait_until_ready(what, proc, log_path, lambda: server.ready(run), Deadline.after(wait), wait, server.poll)
            if server.after_ready is not None:
                server.after_ready(run)
        except BaseException:
            end_started([(proc, pid_file)])
            raise
    return True


def stop_target(server: Server, instance: int) -> tuple[Path, tuple[str, ...]]:
    """What processes.stop_processes needs to stop the instance's server."""
    return server.pid_file(instance), server.needles(instance)


def stop(server: Server, instance: int, grace: float) -> bool:
    """Stop the instance's server (SIGTERM, SIGKILL after grace). True if one was running."""
    return bool(stop_processes([stop_target(server, instance)], grace))


def log_path(server: Server, instance: int) -> Path:
    path = server.log(instance)
    if not path.exists():
        raise NotFoundError(f"instance {instance} has no {server.label} log",
                            hint=f"`kctl local up -i {instance} {server.flag}`")
    return path


def maven_fetch(target: Path, what: str, pom: Path, arguments: Callable[[Path], list[str]], event: str,
                unpack: Callable[[Path], None] | None = None, alternative: str = "", **fields) -> Path:
    """`target`, filled once by Maven from `pom` (arguments: the goal and its -D options, given
    the folder to fill). Filled as <target>.partial and renamed when whole, so that an interrupted
    fetch is never used; `unpack` finishes the folder. alternative: ", or ..." in the hints;
    event and fields: the log event of a fetch."""
    if (target / ".complete").exists():
        return target
    mvn = shutil.which("mvn")
    if not mvn:
        raise ConfigError(f"mvn not found: kctl needs Maven once to fetch {what}", hint=f"install Maven{alternative}")
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    with log.timed(event, **fields):
        proc = subprocess.run([mvn, "-q", "-B", "-f", str(pom), *arguments(partial)], capture_output=True, text=True)
        if proc.returncode != 0:
            tail = " | ".join((proc.stdout + proc.stderr).strip().splitlines()[-3:])
            raise ConfigError(f"Maven could not fetch {what}: {tail}",
                              hint=f"check network access to Maven Central{alternative}")
        if unpack is not None:
            unpack(partial)
    (partial / ".complete").write_text(what + "\n")
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    return target
