"""The Kafka brokers of a local instance (KRaft, each broker also a controller, static quorum).

Each broker is supervised on its own: `up` starts exactly the brokers that are not running and
leaves the live ones alone, so a broker killed from outside comes back into its quorum.
"""

from __future__ import annotations

import base64
import subprocess
import time
import uuid
from pathlib import Path
from string import Template

from kctl import log
from kctl.config.registry import Registry
from kctl.deadline import Deadline
from kctl.errors import BrokerUnavailable, ConfigError
from kctl.kafka.clients import broker_count
from kctl.local import LOG4J1_TEMPLATE, LOG4J_TEMPLATE, SERVER_TEMPLATE
from kctl.models import LocalBroker
from kctl.services.local import security as secure
from kctl.services.local.jars import find_java, kafka_libs
from kctl.services.local.paths import BrokerPaths, broker_paths, instance_dir, write_meta
from kctl.services.local.processes import (
    end_started,
    exited,
    launch,
    owned_pid,
    port_free,
    start_failure,
    stop_processes,
)

BROKER_MAIN = "kafka.Kafka"


def broker_pid(paths: BrokerPaths) -> int | None:
    """The broker's pid if its pid file names a live java process running this broker's properties."""
    return owned_pid(paths.pid_file, BROKER_MAIN, paths.marker)


def describe_brokers(registry: Registry, instance: int, count: int) -> tuple[LocalBroker, ...]:
    brokers = []
    for k, paths in enumerate(broker_paths(instance, count)):
        pid = broker_pid(paths)
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
    return tuple(brokers)


def new_cluster_id() -> str:
    while True:  # Kafka's own ids never start with '-' (it would look like an option)
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cid.startswith("-"):
            return cid


def installed_version(libs: Path) -> str:
    jar = next(iter(sorted(libs.glob("kafka_2.13-*.jar"))), None)
    return jar.name[len("kafka_2.13-"):-len(".jar")] if jar else "?"


def write_properties(registry: Registry, instance: int, count: int, which: list[BrokerPaths],
                     security: str = "none") -> None:
    """server.properties of the brokers in `which` (of an instance of `count` brokers); security
    scram, oauth, mtls: TLS and a login (kctl.services.local.security)."""
    tls = secure.ensure_tls(instance, find_java(), registry.host) if security != "none" else None
    oidc = registry.oidc_of(instance) if security == "oauth" else None
    voters = ",".join(
        f"{k + 1}@{registry.host}:{registry.controller_port_of(instance, k)}" for k in range(count)
    )
    template = Template(SERVER_TEMPLATE.read_text())
    for paths in which:
        k = paths.node_id - 1
        paths.data.mkdir(parents=True, exist_ok=True)
        text = template.substitute(
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
        if tls is not None:
            text = secure.secure_properties(text, instance, tls, registry.host, registry.broker_port_of(instance, k),
                                            security, oidc)
        paths.properties.write_text(text)
        if tls is not None:
            paths.properties.chmod(0o600)  # it holds the super user's and the key stores' passwords


def logging_options(libs: Path) -> list[str]:
    """Kafka 4 logs through log4j2, Kafka 3 through log4j 1 (reload4j): each reads its own file."""
    if installed_version(libs).split(".")[0] in ("0", "1", "2", "3"):
        return [f"-Dlog4j.configuration=file:{LOG4J1_TEMPLATE}"]
    return [f"-Dlog4j2.configurationFile={LOG4J_TEMPLATE}"]


def java_base(java: str, libs: Path) -> list[str]:
    return [java, "-cp", f"{libs}/*"]


def format_storage(java: str, libs: Path, brokers: list[BrokerPaths], cluster_id: str, deadline: Deadline,
                   extra: list[str] | tuple[str, ...] = ()) -> None:
    """Format the storage of brokers that have none yet (all at once: each is a short JVM run)."""
    procs = []
    for paths in brokers:
        if (paths.data / "meta.properties").exists():
            continue
        command = java_base(java, libs) + [
            "-Xmx256m", *logging_options(libs),
            "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(paths.properties), *extra,
        ]
        procs.append((paths, subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)))
    for k, (paths, proc) in enumerate(procs):
        try:
            output, _ = proc.communicate(timeout=deadline.remaining(0.1))
        except subprocess.TimeoutExpired:
            for _, other in procs[k:]:
                other.kill()
                other.communicate()
            raise BrokerUnavailable(f"formatting storage of broker {paths.node_id} did not finish in time") from None
        if proc.returncode != 0:
            tail = " | ".join(output.strip().splitlines()[-3:])
            raise ConfigError(f"formatting storage of broker {paths.node_id} failed: {tail}")


def start_broker(java: str, libs: Path, paths: BrokerPaths, heap: str, jvm: list[str] | tuple[str, ...] = ()) -> subprocess.Popen:
    command = java_base(java, libs) + [
        *jvm,
        f"-Xms{heap}",
        f"-Xmx{heap}",
        "-XX:+UseG1GC",
        "-XX:MaxGCPauseMillis=20",
        "-Djava.awt.headless=true",
        *logging_options(libs),
        f"-Dkafka.logs.dir={paths.root}",
        BROKER_MAIN,
        str(paths.properties),
    ]
    return launch(command, paths.log, paths.pid_file)


def check_ports_free(registry: Registry, instance: int, which: list[BrokerPaths]) -> None:
    for paths in which:
        k = paths.node_id - 1
        for port in (registry.broker_port_of(instance, k), registry.controller_port_of(instance, k)):
            if not port_free(registry.host, port):
                raise ConfigError(
                    f"port {port} on {registry.host} is already taken, so broker {paths.node_id} of instance {instance} cannot start",
                    hint="stop whatever listens there, or use another --instance",
                )


def start_missing(registry: Registry, instance: int, count: int, meta: dict, heap: str, wait: float,
                  security: str = "none", version: str | None = None) -> tuple[list[int], dict]:
    """Start the brokers of the instance that are not running; returns their node ids and the new meta.

    The live brokers are not touched. On failure the brokers started here are stopped again.
    """
    all_paths = broker_paths(instance, count)
    missing = [p for p in all_paths if broker_pid(p) is None]
    if not missing:
        return [], meta
    java = find_java()
    libs = kafka_libs(version=version)
    check_ports_free(registry, instance, missing)
    cluster_id = meta.get("cluster_id") or new_cluster_id()
    version = installed_version(libs)
    instance_dir(instance).mkdir(parents=True, exist_ok=True)
    write_properties(registry, instance, count, missing, security)
    new_meta = {**meta, "brokers": count, "cluster_id": cluster_id, "kafka_version": version, "security": security}
    extra, conf, jvm = [], None, []
    if security != "none":
        if security == "mtls":
            secure.ensure_client_certificate(instance, java, registry.host)
        else:
            extra = secure.format_arguments(instance)
        conf = secure.resolved_client_conf(instance, security)
        jvm = secure.jvm_options(security, registry.oidc_of(instance) if security == "oauth" else None)
    write_meta(instance, new_meta)  # before formatting: storage formatted with this cluster id must find it again
    with log.timed("local_up", instance=instance, brokers=count, starting=len(missing)):
        format_storage(java, libs, missing, cluster_id, Deadline.after(max(60.0, wait)), extra)
        procs = []
        try:
            for paths in missing:
                procs.append((paths, start_broker(java, libs, paths, heap, jvm)))
            wait_ready(registry, instance, count, procs, Deadline.after(wait), wait, conf)
        except BaseException:
            kill_started(procs)
            raise
    return [p.node_id for p in missing], new_meta


def kill_started(procs: list[tuple[BrokerPaths, subprocess.Popen]]) -> None:
    """Leave nothing of a failed start running (only the processes this command started)."""
    end_started([(proc, paths.pid_file) for paths, proc in procs])


def wait_ready(registry: Registry, instance: int, count: int, procs: list[tuple[BrokerPaths, subprocess.Popen]],
               deadline: Deadline, wait: float, conf: dict | None = None) -> None:
    """Until every started broker answers metadata itself and sees all `count` brokers.

    Asking the started broker (not just any) matters after a crash: the survivors may still list
    the dead broker until its session times out."""
    pending = list(procs)
    while True:
        for paths, proc in procs:
            failure = exited(f"broker {paths.node_id} of instance {instance}", proc, paths.log)
            if failure is not None:
                raise failure
        address = f"{registry.host}:{registry.broker_port_of(instance, pending[0][0].node_id - 1)}"
        if broker_count(address, min(2.0, deadline.remaining(0.1)), conf) >= count:
            pending.pop(0)
            if not pending:
                return
            continue
        if deadline.expired:
            paths = pending[0][0]
            raise start_failure(f"broker {paths.node_id} of instance {instance}", paths.log,
                                f"did not answer within {wait:g}s")
        time.sleep(0.25)


def stop_targets(paths_list: list[BrokerPaths]) -> list[tuple[Path, tuple[str, ...]]]:
    """What kctl.services.local.processes.stop_processes needs to stop these brokers."""
    return [(p.pid_file, (BROKER_MAIN, p.marker)) for p in paths_list]


def stop_broker(paths: BrokerPaths, grace: float) -> bool:
    return bool(stop_processes(stop_targets([paths]), grace))

