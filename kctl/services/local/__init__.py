"""`kctl local`: run Apache Kafka (KRaft, combined broker+controller) and optionally managed
servers beside it (the Temporal dev server, the Schema Registry) on this machine, on the ports the
registry gives an instance.

    paths.py      the state folder layout (instance.json, broker-<k>/, temporal/)
    jars.py       java and the Kafka jars (Maven cache or $KAFKA_HOME)
    processes.py  pid files checked against /proc/PID/cmdline, stopping, ports, logs
    kafka.py      the brokers: properties, storage, start exactly the missing ones, readiness
    supervisor.py the managed servers (`Server`): fetch, preflight, start, readiness, stop, status, log
    temporal.py   the Temporal dev server as a Server: binary lookup, command line, readiness
    schema_registry.py  the Schema Registry (Apicurio) as a Server: Maven fetch, Java 21+, readiness
    security.py   --security scram|oauth|mtls: the CA and certificates, the brokers' secured properties
    oidc.py       the OIDC issuer of --security oauth (mock-oauth2-server) as a Server, started before the brokers
    connect.py    the Kafka Connect worker as a Server: Maven fetch, worker.properties, readiness
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable

from kctl import log
from kctl.config.registry import Registry
from kctl.errors import ConfigError, NotFoundError, UsageError
from kctl.local import LOG4J_TEMPLATE
from kctl.models import ItemResult, LocalInstance, OperationResult
from kctl.models.local import state_of
from kctl.services.local import connect, jars, kafka, oidc, paths, schema_registry, supervisor, temporal
from kctl.services.local import security as secure
from kctl.services.local.jars import check_kafka_version, find_java, kafka_libs, kafka_version, pom_kafka_version
from kctl.services.local.kafka import java_base, new_cluster_id, start_broker, stop_broker
from kctl.services.local.paths import BrokerPaths, broker_paths, instance_dir, read_meta, state_root, write_meta
from kctl.services.local.processes import follow, log_tail, port_free, stop_processes
from kctl.services.local.security import _secret_file
from kctl.services.local.temporal import find_temporal_binary

__all__ = [
    "BrokerPaths", "LOG4J_TEMPLATE", "DEFAULT_HEAP", "down", "down_all", "find_java", "find_temporal_binary",
    "follow", "instance_dir", "kafka_libs", "kafka_version", "known_instances", "log_path", "log_tail",
    "pom_kafka_version", "port_free", "start_schema_registry", "start_server", "start_temporal", "state_root", "status", "stop_schema_registry", "stop_server", "stop_temporal", "up", "wipe",
]

DEFAULT_HEAP = "512m"
BROKER_COUNTS = (1, 3)
# The managed servers beside the brokers (kctl.services.local.supervisor), in the order `up` starts
# them; each key is also the server's field in LocalInstance and what up(servers=) and log_path take.
SERVERS = {"temporal": temporal.SERVER, "schema_registry": schema_registry.SERVER, "connect": connect.SERVER}

# The names other modules and tests used when this was one module.
_port_free = port_free
_java_base = java_base
_cluster_id = new_cluster_id
_start_broker = start_broker
_stop_pid = stop_broker


def _created_brokers(meta: dict) -> int | None:
    count = meta.get("brokers")
    return count if count in BROKER_COUNTS else None


def describe(registry: Registry, instance: int, already: bool = False, started: tuple[int, ...] = ()) -> LocalInstance:
    meta = read_meta(instance)
    brokers = kafka.describe_brokers(registry, instance, _created_brokers(meta) or 1)
    state = state_of(brokers)
    return LocalInstance(
        instance=instance,
        bootstrap=",".join(f"{registry.host}:{b.port}" for b in brokers),
        running=state == "up",
        brokers=brokers,
        kafka_version=meta.get("kafka_version"),
        already_running=already,
        state=state,
        started=started,
        security=meta.get("security", "none"),
        context=meta.get("context"),
        oidc=supervisor.describe(oidc.SERVER, registry, instance),
        **{field: supervisor.describe(server, registry, instance) for field, server in SERVERS.items()},
    )


def up(registry: Registry, instance: int, brokers: int | None = None, reset: bool = False, wait: float = 90.0,
       heap: str = DEFAULT_HEAP, servers: Iterable[str] = (), security: str | None = None,
       kafka_version: str | None = None) -> LocalInstance:
    """Start whatever of the instance is not running, and return once it all answers.

    brokers: None takes the count the instance was created with (1 for a new one). Live brokers
    are left alone: after a crash only the missing ones start. servers: the managed servers to
    start too (names of SERVERS: "temporal", "schema_registry"), or just them when the brokers
    already run. security: none or scram (SASL/SCRAM over TLS,
    kctl.services.local.security); None takes the instance's own. kafka_version: the Apache Kafka
    release a new instance runs (None: the instance's own, else the default); an instance keeps
    the version it was created with."""
    if security is not None and security not in secure.SECURITY_MODES:
        raise UsageError(f"--security must be one of {', '.join(secure.SECURITY_MODES)}, got {security!r}")
    if brokers is not None and brokers not in BROKER_COUNTS:
        raise UsageError(f"--brokers must be 1 or 3, got {brokers}")
    if not re.fullmatch(r"[1-9][0-9]*[kmgKMG]", heap):
        raise UsageError(f"--heap must look like 512m or 1g, got {heap!r}")
    if kafka_version is not None:
        check_kafka_version(kafka_version)
    servers = tuple(servers)
    unknown = sorted(set(servers) - set(SERVERS))
    if unknown:
        raise UsageError(f"no local server {unknown[0]!r}; there are {', '.join(SERVERS)}")
    registry.check_instance(instance)
    if reset:
        down(registry, instance)
        wipe(instance)
    meta = read_meta(instance)
    created = _created_brokers(meta)
    count = brokers or created or 1
    if created is not None and created != count:
        live = [b for b in kafka.describe_brokers(registry, instance, created) if b.running]
        if live:
            raise ConfigError(
                f"instance {instance} is running with {created} broker(s), not {count}",
                hint=f"stop it first: `kctl local down -i {instance}`, or add --reset",
            )
        raise ConfigError(
            f"instance {instance} was created with {created} broker(s)",
            hint=f"use --brokers {created} (or leave it out), or --reset to wipe it and start anew",
        )
    had = meta.get("security", "none") if meta.get("cluster_id") else None
    mode = security or had or "none"
    if had is not None and had != mode:
        raise ConfigError(f"instance {instance} was created with --security {had}",
                          hint="leave --security out, or add --reset to wipe it and start anew")
    recorded = meta.get("kafka_version") if meta.get("cluster_id") else None
    if kafka_version and recorded and recorded != kafka_version:
        # Its storage was formatted by that version: a silent upgrade (or a downgrade, which the
        # metadata log refuses) is not what `up` should do.
        raise ConfigError(f"instance {instance} was created with Kafka {recorded}",
                          hint="leave --kafka-version out, or add --reset to wipe it and start anew")
    wanted = [server for name, server in SERVERS.items() if name in servers]
    for server in wanted:  # a missing tool, a taken port, the one-time fetch: before any broker starts
        supervisor.preflight(server, registry, instance)
        supervisor.fetch(server, instance)
    version = None if os.environ.get("KAFKA_HOME") else (kafka_version or recorded or jars.kafka_version())
    issuer_started = False
    if mode == "oauth":  # the brokers fetch its JWKS when they start
        meta = {**meta, "oidc": _oidc_meta(registry, instance)}
        issuer_started = supervisor.start(oidc.SERVER, registry, instance, wait)
    try:
        started, new_meta = kafka.start_missing(registry, instance, count, meta, heap, wait, mode, version)
    except BaseException:
        if issuer_started:
            supervisor.stop(oidc.SERVER, instance, 10.0)
        raise
    if mode != "none" and started:
        write_meta(instance, {**new_meta, "context": secure.make_context(instance, mode)})
    servers_started = []
    for server in wanted:
        try:
            if supervisor.start(server, registry, instance, wait):
                servers_started.append(server)
        except BaseException:
            # Leave nothing of this `up` running: the brokers and servers it started.
            stop_processes(kafka.stop_targets([p for p in broker_paths(instance, count) if p.node_id in started])
                           + [supervisor.stop_target(s, instance) for s in servers_started], 20.0)
            raise
    already = not started and not servers_started
    return describe(registry, instance, already=already, started=tuple(started))


def _oidc_meta(registry: Registry, instance: int) -> dict:
    """What instance.json records of the issuer, for the oauth context and `-i N` (kctl.config.state)."""
    _secret_file(oidc.client_secret_file(instance))
    return {"token_url": registry.oidc_of(instance).token_url, "client_id": oidc.CLIENT_ID, "scope": oidc.SCOPE}


def start_server(registry: Registry, instance: int, server: supervisor.Server, wait: float) -> bool:
    """Just one managed server of the instance, no brokers (for test suites): True if started,
    False if it ran."""
    registry.check_instance(instance)
    return supervisor.start(server, registry, instance, wait)


def stop_server(registry: Registry, instance: int, server: supervisor.Server, grace: float) -> bool:
    registry.check_instance(instance)
    return supervisor.stop(server, instance, grace)


# For test suites: the Temporal address is registry.temporal_of(instance).address, the Schema
# Registry's URL registry.schema_registry_of(instance).url.
def start_temporal(registry: Registry, instance: int, wait: float = 60.0) -> bool:
    return start_server(registry, instance, temporal.SERVER, wait)


def stop_temporal(registry: Registry, instance: int, grace: float = 10.0) -> bool:
    return stop_server(registry, instance, temporal.SERVER, grace)


def start_schema_registry(registry: Registry, instance: int, wait: float = 90.0) -> bool:
    return start_server(registry, instance, schema_registry.SERVER, wait)


def stop_schema_registry(registry: Registry, instance: int, grace: float = 15.0) -> bool:
    return stop_server(registry, instance, schema_registry.SERVER, grace)


def start_connect(registry: Registry, instance: int, wait: float = 120.0) -> bool:
    return start_server(registry, instance, connect.SERVER, wait)


def stop_connect(registry: Registry, instance: int, grace: float = 15.0) -> bool:
    return stop_server(registry, instance, connect.SERVER, grace)


def wipe(instance: int) -> None:
    """Delete an instance's data and settings (it must be stopped)."""
    shutil.rmtree(instance_dir(instance), ignore_errors=True)


def wipe_plan(instances: list[int]):
    """What `--reset` would delete: each instance's directory (data, logs, settings) and its size."""
    items = []
    for n in instances:
        path = instance_dir(n)
        if not path.exists():
            items.append(ItemResult(f"instance {n}", True, f"nothing to wipe ({path} does not exist)"))
            continue
        size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())
        items.append(ItemResult(f"instance {n}", True, f"would delete {path} ({size / 1e6:,.1f} MB: data, logs, settings)"))
    return OperationResult("wipe", tuple(items), dry_run=True)


def down(registry: Registry, instance: int, grace: float = 20.0) -> LocalInstance:
    """Stop the instance's brokers, its Temporal server, Schema Registry and Connect worker: SIGTERM to all at once, SIGKILL after grace."""
    count = _created_brokers(read_meta(instance)) or 1
    with log.timed("local_down", instance=instance):
        stop_processes(kafka.stop_targets(broker_paths(instance, count))
                       + [supervisor.stop_target(server, instance) for server in (*SERVERS.values(), oidc.SERVER)],
                       grace)
    return describe(registry, instance)


def known_instances() -> list[int]:
    """The instances with a state folder here: brokers created, or a managed server started."""
    return paths.known_instances([server.name for server in (*SERVERS.values(), oidc.SERVER)])


def down_all(registry: Registry, grace: float = 20.0) -> list[LocalInstance]:
    return [down(registry, n, grace) for n in known_instances()]


def status(registry: Registry, instance: int | None = None) -> list[LocalInstance]:
    """Every instance started here (within the registry's range), or just the one asked for."""
    if instance is not None:
        registry.check_instance(instance)
        return [describe(registry, instance)]
    return [describe(registry, n) for n in known_instances() if 0 <= n < registry.max_instances]


def log_path(instance: int, broker: int = 1, server: str | None = None):
    """The log file of one broker, or of one of the instance's managed servers (a name of SERVERS)."""
    if server is not None:
        return supervisor.log_path(oidc.SERVER if server == "oidc" else SERVERS[server], instance)
    meta = read_meta(instance)
    if not meta:
        raise NotFoundError(f"instance {instance} has never been started here", hint=f"`kctl local up -i {instance}`")
    count = _created_brokers(meta) or 1
    if not 1 <= broker <= count:
        raise NotFoundError(f"instance {instance} has no broker {broker}")
    return broker_paths(instance, count)[broker - 1].log
