"""Run Apache Kafka (KRaft, combined broker+controller) on this machine for an instance.

Layout under the state folder ($KCTL_STATE_DIR, else $XDG_STATE_HOME/kctl, else
~/.local/state/kctl):

    instances/<N>/instance.json          broker count, cluster id, Kafka version
    instances/<N>/broker-<k>/server.properties, data/, server.log, pid

Jars: $KAFKA_HOME/libs when KAFKA_HOME is set, else a cache folder
($XDG_CACHE_HOME/kctl/kafka-<version>/libs) filled once by Maven from kctl/local/pom.xml.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from string import Template

from kctl import log
from kctl.config.registry import Registry
from kctl.kafka.clients import broker_count
from kctl.errors import BrokerUnavailable, ConfigError, NotFoundError, UsageError
from kctl.local import LOG4J_TEMPLATE, POM, SERVER_TEMPLATE
from kctl.models import LocalBroker, LocalInstance

DEFAULT_HEAP = "512m"


def state_root() -> Path:
    if os.environ.get("KCTL_STATE_DIR"):
        return Path(os.environ["KCTL_STATE_DIR"])
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "kctl"


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kctl"


def pom_kafka_version() -> str:
    match = re.search(r"<kafka.version>([^<]+)</kafka.version>", POM.read_text())
    return match.group(1) if match else "unknown"


def kafka_version() -> str:
    return os.environ.get("KCTL_KAFKA_VERSION") or pom_kafka_version()


def find_java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and Path(java_home, "bin", "java").is_file():
        return str(Path(java_home, "bin", "java"))
    java = shutil.which("java")
    if not java:
        raise ConfigError("java not found", hint="install Java 17 or newer, or set JAVA_HOME")
    return java


def kafka_libs(fetch: bool = True) -> Path:
    """The folder of Kafka jars; fills the Maven cache on first use."""
    kafka_home = os.environ.get("KAFKA_HOME")
    if kafka_home:
        libs = Path(kafka_home) / "libs"
        if not any(libs.glob("kafka_2.13-*.jar")):
            raise ConfigError(f"KAFKA_HOME={kafka_home} has no libs/kafka_2.13-*.jar", hint="point it at an unpacked Apache Kafka release")
        return libs
    version = kafka_version()
    libs = cache_root() / f"kafka-{version}" / "libs"
    if (libs / ".complete").exists():
        return libs
    if not fetch:
        raise ConfigError(f"Kafka {version} jars are not cached yet", hint="run `kctl local up` once")
    mvn = shutil.which("mvn")
    if not mvn:
        raise ConfigError("mvn not found: kctl needs Maven once to fetch the Kafka jars", hint="install Maven, or set KAFKA_HOME")
    partial = libs.with_name("libs.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.parent.mkdir(parents=True, exist_ok=True)
    command = [mvn, "-q", "-B", "-f", str(POM), "dependency:copy-dependencies",
               f"-DoutputDirectory={partial}", f"-Dkafka.version={version}"]
    with log.timed("local_fetch_jars", kafka_version=version):
        proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = " | ".join((proc.stdout + proc.stderr).strip().splitlines()[-3:])
        raise ConfigError(f"Maven could not fetch Kafka {version}: {tail}", hint="check network access to Maven Central, or set KAFKA_HOME")
    (partial / ".complete").write_text(version + "\n")
    shutil.rmtree(libs, ignore_errors=True)
    partial.rename(libs)
    return libs


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


def instance_dir(instance: int) -> Path:
    return state_root() / "instances" / str(instance)


def _read_meta(instance: int) -> dict:
    path = instance_dir(instance) / "instance.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _broker_paths(instance: int, count: int) -> list[BrokerPaths]:
    return [BrokerPaths(k + 1, instance_dir(instance) / f"broker-{k + 1}") for k in range(count)]


def _alive_pid(paths: BrokerPaths) -> int | None:
    """The recorded pid if that process is still our broker (guards against pid reuse)."""
    try:
        pid = int(paths.pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return None
    # An empty cmdline is a process between exec()s (the java launcher may re-exec itself).
    if not cmdline or ("kafka.Kafka" in cmdline and str(paths.properties) in cmdline):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except OSError:
            return None
        return None if state == "Z" else pid
    return None


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def log_tail(path: Path, lines: int = 5) -> list[str]:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 64 * 1024))
            return fh.read().decode(errors="replace").splitlines()[-lines:] if lines > 0 else []  # [-0:] is all
    except OSError:
        return []


def _describe(registry: Registry, instance: int, count: int, version: str | None, already: bool = False) -> LocalInstance:
    brokers = []
    for k, paths in enumerate(_broker_paths(instance, count)):
        pid = _alive_pid(paths)
        brokers.append(
            LocalBroker(
                node_id=paths.node_id,
                port=registry.broker_port_of(instance, k),
                controller_port=registry.controller_port_of(instance, k),
                pid=pid,
                running=pid is not None,
                data_dir=str(paths.data),
                log_file=str(paths.log),
            )
        )
    bootstrap = ",".join(f"{registry.host}:{b.port}" for b in brokers)
    return LocalInstance(
        instance=instance,
        bootstrap=bootstrap,
        running=bool(brokers) and all(b.running for b in brokers),
        brokers=tuple(brokers),
        kafka_version=version,
        already_running=already,
    )


def _cluster_id() -> str:
    while True:  # Kafka's own ids never start with '-' (it would look like an option)
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cid.startswith("-"):
            return cid


def _write_properties(registry: Registry, instance: int, brokers: list[BrokerPaths]) -> None:
    count = len(brokers)
    voters = ",".join(
        f"{p.node_id}@{registry.host}:{registry.controller_port_of(instance, k)}" for k, p in enumerate(brokers)
    )
    template = Template(SERVER_TEMPLATE.read_text())
    for k, paths in enumerate(brokers):
        paths.data.mkdir(parents=True, exist_ok=True)
        paths.properties.write_text(
            template.substitute(
                instance=instance,
                node_id=paths.node_id,
                voters=voters,
                host=registry.host,
                port=registry.broker_port_of(instance, k),
                controller_port=registry.controller_port_of(instance, k),
                data_dir=paths.data,
                replication=count,
                min_isr=min(2, count),
            )
        )


def _java_base(java: str, libs: Path) -> list[str]:
    return [java, "-cp", f"{libs}/*"]


def _format_storage(java: str, libs: Path, brokers: list[BrokerPaths], cluster_id: str) -> None:
    procs = []
    for paths in brokers:
        if (paths.data / "meta.properties").exists():
            continue
        command = _java_base(java, libs) + [
            "-Xmx256m", f"-Dlog4j2.configurationFile={LOG4J_TEMPLATE}",
            "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(paths.properties),
        ]
        procs.append((paths, subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)))
    for paths, proc in procs:
        output, _ = proc.communicate()
        if proc.returncode != 0:
            tail = " | ".join(output.strip().splitlines()[-3:])
            raise ConfigError(f"formatting storage of broker {paths.node_id} failed: {tail}")


def _start_broker(java: str, libs: Path, paths: BrokerPaths, heap: str) -> subprocess.Popen:
    command = _java_base(java, libs) + [
        f"-Xms{heap}",
        f"-Xmx{heap}",
        "-XX:+UseG1GC",
        "-XX:MaxGCPauseMillis=20",
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={LOG4J_TEMPLATE}",
        f"-Dkafka.logs.dir={paths.root}",
        "kafka.Kafka",
        str(paths.properties),
    ]
    with open(paths.log, "ab") as out:
        # A session of its own: the broker outlives this command and ignores the terminal's Ctrl-C.
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    paths.pid_file.write_text(f"{proc.pid}\n")
    return proc


def up(registry: Registry, instance: int, brokers: int = 1, reset: bool = False, wait: float = 90.0,
       heap: str = DEFAULT_HEAP) -> LocalInstance:
    """Start (or find running) the instance; returns once every broker answers metadata."""
    if brokers not in (1, 3):
        raise UsageError(f"--brokers must be 1 or 3, got {brokers}")
    if not re.fullmatch(r"[1-9][0-9]*[kmgKMG]", heap):
        raise UsageError(f"--heap must look like 512m or 1g, got {heap!r}")
    registry.check_instance(instance)
    meta = _read_meta(instance)
    if reset:
        down(registry, instance)
        wipe(instance)
        meta = {}
    if meta:
        running = [p for p in _broker_paths(instance, meta.get("brokers", 1)) if _alive_pid(p)]
        if running and meta.get("brokers") != brokers:
            raise ConfigError(
                f"instance {instance} is running with {meta.get('brokers')} broker(s), not {brokers}",
                hint=f"stop it first: `kctl local down -i {instance}`, or add --reset",
            )
        if meta.get("brokers") != brokers:
            raise ConfigError(
                f"instance {instance} was created with {meta.get('brokers')} broker(s)",
                hint=f"use --brokers {meta.get('brokers')}, or --reset to wipe it and start anew",
            )
        if len(running) == brokers:
            return _describe(registry, instance, brokers, meta.get("kafka_version"), already=True)
        for paths in running:  # a partly running instance: stop the rest, start all cleanly
            _stop_pid(paths, 20.0)

    java = find_java()
    libs = kafka_libs()
    ports = [(registry.broker_port_of(instance, k), registry.controller_port_of(instance, k)) for k in range(brokers)]
    for port in [p for pair in ports for p in pair]:
        if not _port_free(registry.host, port):
            raise ConfigError(
                f"port {port} on {registry.host} is already taken, so instance {instance} cannot start",
                hint="stop whatever listens there, or use another --instance",
            )

    paths_list = _broker_paths(instance, brokers)
    cluster_id = meta.get("cluster_id") or _cluster_id()
    version = os.path.basename(str(next(iter(sorted(libs.glob("kafka_2.13-*.jar"))), "kafka_2.13-?.jar")))[11:-4]
    instance_dir(instance).mkdir(parents=True, exist_ok=True)
    _write_properties(registry, instance, paths_list)
    (instance_dir(instance) / "instance.json").write_text(
        json.dumps({"brokers": brokers, "cluster_id": cluster_id, "kafka_version": version}) + "\n"
    )
    with log.timed("local_up", instance=instance, brokers=brokers):
        _format_storage(java, libs, paths_list, cluster_id)
        procs = [(paths, _start_broker(java, libs, paths, heap)) for paths in paths_list]
        _wait_ready(registry, instance, procs, wait)
    return _describe(registry, instance, brokers, version)


def _kill_started(procs: list[tuple[BrokerPaths, subprocess.Popen]]) -> None:
    """Leave nothing running after a failed start."""
    for _, proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for paths, proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        paths.pid_file.unlink(missing_ok=True)


def _wait_ready(registry: Registry, instance: int, procs: list[tuple[BrokerPaths, subprocess.Popen]], wait: float) -> None:
    bootstrap = ",".join(f"{registry.host}:{registry.broker_port_of(instance, k)}" for k in range(len(procs)))
    deadline = time.monotonic() + wait
    while True:
        for paths, proc in procs:
            if proc.poll() is not None:
                tail = " | ".join(log_tail(paths.log, 3)) or "no log output"
                _kill_started(procs)
                raise BrokerUnavailable(
                    f"broker {paths.node_id} of instance {instance} exited during start (code {proc.returncode}): {tail}",
                    hint=f"full log: {paths.log}",
                )
        if broker_count(bootstrap, 2.0) >= len(procs):
            return
        if time.monotonic() > deadline:
            tail = " | ".join(log_tail(procs[0][0].log, 3)) or "no log output"
            _kill_started(procs)
            raise BrokerUnavailable(
                f"instance {instance} did not answer within {wait:g}s: {tail}",
                hint=f"full log: {procs[0][0].log}",
            )
        time.sleep(0.25)


def _stop_pid(paths: BrokerPaths, grace: float) -> bool:
    """SIGTERM, then SIGKILL after `grace` seconds. True if a process was stopped."""
    pid = _alive_pid(paths)
    if pid is None:
        paths.pid_file.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while _alive_pid(paths) is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive_pid(paths) is not None:
        os.kill(pid, signal.SIGKILL)
        while _alive_pid(paths) is not None:
            time.sleep(0.05)
    _reap(pid)
    paths.pid_file.unlink(missing_ok=True)
    return True


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _stop_all(paths_list: list[BrokerPaths], grace: float = 20.0) -> None:
    # Stop in parallel: send every SIGTERM first, so a 3-broker quorum shuts down together.
    alive = [(p, _alive_pid(p)) for p in paths_list]
    for paths, pid in alive:
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
    for paths, _ in alive:
        _stop_pid(paths, grace)


def wipe(instance: int) -> None:
    """Delete an instance's data and settings (it must be stopped)."""
    shutil.rmtree(instance_dir(instance), ignore_errors=True)


def known_instances() -> list[int]:
    root = state_root() / "instances"
    if not root.is_dir():
        return []
    return sorted(int(p.name) for p in root.iterdir() if p.name.isdigit() and (p / "instance.json").exists())


def down(registry: Registry, instance: int, grace: float = 20.0) -> LocalInstance:
    meta = _read_meta(instance)
    count = meta.get("brokers", 1)
    paths_list = _broker_paths(instance, count)
    with log.timed("local_down", instance=instance):
        _stop_all(paths_list, grace)
    return _describe(registry, instance, count, meta.get("kafka_version"))


def down_all(registry: Registry, grace: float = 20.0) -> list[LocalInstance]:
    return [down(registry, n, grace) for n in known_instances()]


def status(registry: Registry, instance: int | None = None) -> list[LocalInstance]:
    """Every instance started here (within the registry's range), or just the one asked for."""
    if instance is not None:
        registry.check_instance(instance)
        meta = _read_meta(instance)
        return [_describe(registry, instance, meta.get("brokers", 1), meta.get("kafka_version"))]
    out = []
    for n in known_instances():
        meta = _read_meta(n)
        if 0 <= n < registry.max_instances:
            out.append(_describe(registry, n, meta.get("brokers", 1), meta.get("kafka_version")))
    return out


def log_path(instance: int, broker: int = 1) -> Path:
    meta = _read_meta(instance)
    if not meta:
        raise NotFoundError(f"instance {instance} has never been started here", hint=f"`kctl local up -i {instance}`")
    if not 1 <= broker <= meta.get("brokers", 1):
        raise NotFoundError(f"instance {instance} has no broker {broker}")
    return _broker_paths(instance, meta.get("brokers", 1))[broker - 1].log


def follow(path: Path, start_lines: int = 20, poll: float = 0.25):
    """Yield the last lines of a log, then new lines as they are written (until interrupted)."""
    for line in log_tail(path, start_lines):
        yield line
    with open(path, "rb") as fh:
        fh.seek(0, os.SEEK_END)
        buffer = b""
        while True:
            chunk = fh.read(65536)
            if not chunk:
                time.sleep(poll)
                continue
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                yield line.decode(errors="replace")
