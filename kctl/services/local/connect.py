"""The Kafka Connect worker of a local instance (`kctl local up --connect`), run by the supervisor.

Apache Kafka's own distributed worker (`org.apache.kafka.connect.cli.ConnectDistributed`), of the
same Kafka version as the instance, fetched once by Maven from kctl/local/connect-pom.xml into
$XDG_CACHE_HOME/kctl/connect-<version>/ (libs/ on the class path with MirrorMaker 2's connectors,
plugins/connect-file/ on plugin.path: Apache's distribution keeps the FileStream connectors off the
class path since 3.2). With $KAFKA_HOME set, its libs/ are used instead. Its config, offset and
status topics live on the instance, so connectors survive a restart of the worker.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from kctl.config.registry import Registry
from kctl.errors import ConfigError
from kctl.local import CONNECT_POM, LOG4J_TEMPLATE
from kctl.models import LocalConnect
from kctl.services.local import jars, supervisor
from kctl.services.local.paths import cache_root, read_meta
from kctl.services.local.processes import http_status
from kctl.services.local.supervisor import Run, Server, maven_fetch

MAIN = "org.apache.kafka.connect.cli.ConnectDistributed"
WORKER_PROPERTIES = "worker.properties"  # in the server's folder: the marker that makes a pid this instance's worker
HEAP = "384m"
CONFIG_TOPIC, OFFSET_TOPIC, STATUS_TOPIC = "_kctl-connect-configs", "_kctl-connect-offsets", "_kctl-connect-status"


def group_id(instance: int) -> str:
    return f"kctl-connect-{instance}"


def _version(instance: int) -> str:
    """The instance's Kafka version (what its brokers were created with), else the one a new instance gets."""
    return read_meta(instance).get("kafka_version") or jars.kafka_version()


def _split_plugins(folder: Path) -> None:
    """connect-file from libs/ into plugins/connect-file/ (plugin.path), as Apache's distribution has it."""
    plugin = folder / "plugins" / "connect-file"
    plugin.mkdir(parents=True)
    moved = list((folder / "libs").glob("connect-file-*.jar"))
    if not moved:
        raise ConfigError("Maven fetched no connect-file jar", hint="check network access to Maven Central")
    for jar in moved:
        shutil.move(str(jar), plugin / jar.name)


def app_dir(instance: int) -> Path:
    """The worker's jars (libs/, plugins/) for the instance's Kafka version; fetched by Maven on first use."""
    kafka_home = os.environ.get("KAFKA_HOME")
    if kafka_home:
        home = Path(kafka_home)
        if not any((home / "libs").glob("connect-runtime-*.jar")):
            raise ConfigError(f"KAFKA_HOME={kafka_home} has no libs/connect-runtime-*.jar",
                              hint="point it at an unpacked Apache Kafka release")
        return home
    version = _version(instance)
    return maven_fetch(cache_root() / f"connect-{version}", f"Kafka Connect {version}", CONNECT_POM,
                       lambda folder: ["dependency:copy-dependencies", f"-DoutputDirectory={folder / 'libs'}",
                                       f"-Dkafka.version={version}"],
                       "local_fetch_connect", unpack=_split_plugins, alternative=", or set KAFKA_HOME",
                       kafka_version=version)


def plugin_path(app: Path) -> str:
    plugins = app / "plugins"
    if plugins.is_dir():
        return str(plugins)
    return ",".join(str(jar) for jar in sorted((app / "libs").glob("connect-file-*.jar")))  # $KAFKA_HOME


def worker_properties(registry: Registry, instance: int, app: Path) -> str:
    meta = read_meta(instance)
    brokers = meta.get("brokers") if meta.get("brokers") in (1, 3) else 1
    replication = min(3, brokers)  # each internal topic on every broker of the instance, at most 3
    bootstrap = ",".join(f"{registry.host}:{registry.broker_port_of(instance, k)}" for k in range(brokers))
    port = registry.connect_of(instance).rest_port
    lines = {
        "bootstrap.servers": bootstrap,
        "group.id": group_id(instance),
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "key.converter.schemas.enable": "false",
        "value.converter.schemas.enable": "false",
        "config.storage.topic": CONFIG_TOPIC,
        "offset.storage.topic": OFFSET_TOPIC,
        "status.storage.topic": STATUS_TOPIC,
        "config.storage.replication.factor": replication,
        "offset.storage.replication.factor": replication,
        "status.storage.replication.factor": replication,
        # A development worker: fewer partitions than Connect's production defaults (25 and 5).
        "offset.storage.partitions": 5,
        "status.storage.partitions": 1,
        "offset.flush.interval.ms": 1000,
        "exactly.once.source.support": "enabled",
        "listeners": f"http://{registry.host}:{port}",
        "rest.advertised.host.name": registry.host,
        "rest.advertised.port": port,
        "plugin.path": plugin_path(app),
        # Every plugin kctl ships has its ServiceLoader manifest: skipping the reflective scan saves ~10 s of start.
        "plugin.discovery": "service_load",
        # ${file:...} / ${env:...} references in connector configs, resolved by the worker, never by kctl.
        "config.providers": "file,env",
        "config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider",
        "config.providers.env.class": "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
    }
    return "".join(f"{key}={value}\n" for key, value in lines.items())


def _prepare(run: Run) -> None:
    meta = read_meta(run.instance)
    if not meta.get("cluster_id"):
        raise ConfigError(f"instance {run.instance} has no brokers yet",
                          hint=f"`kctl local up -i {run.instance} --connect` starts both")
    if meta.get("security", "none") != "none":
        raise ConfigError(f"instance {run.instance} runs --security {meta['security']}: "
                          "the local Connect worker supports plaintext instances only")
    (run.root / WORKER_PROPERTIES).write_text(worker_properties(run.registry, run.instance, run.app))


def server_command(java: str, app: Path, root: Path) -> list[str]:
    return [
        java, "-cp", f"{app / 'libs'}/*", "-Xms128m", f"-Xmx{HEAP}", "-XX:+UseSerialGC",
        "-Djava.awt.headless=true", f"-Dlog4j2.configurationFile={LOG4J_TEMPLATE}",
        MAIN, str(root / WORKER_PROPERTIES),
    ]


def is_ready(run: Run) -> bool:
    """The worker joined its group (GET /health, KIP-1017) and its plugins are listed."""
    url = run.registry.connect_of(run.instance).url
    return http_status(url + "/health") == 200 and http_status(url + "/connector-plugins") == 200


def _describe(registry: Registry, instance: int, root: Path, pid: int | None) -> LocalConnect:
    ports = registry.connect_of(instance)
    return LocalConnect(
        running=pid is not None, pid=pid, rest_port=ports.rest_port, url=ports.url, group_id=group_id(instance),
        config_file=str(root / WORKER_PROPERTIES), log_file=str(root / SERVER.log_name),
    )


def running_url(registry: Registry, instance: int) -> str | None:
    """The REST URL of the instance's worker when it runs here, else None."""
    if not SERVER.pid_file(instance).exists() or supervisor.pid(SERVER, instance) is None:
        return None
    return registry.connect_of(instance).url


def _ports(registry: Registry, instance: int) -> tuple[tuple[str, int], ...]:
    return (("Connect REST port", registry.connect_of(instance).rest_port),)


SERVER = Server(
    name="connect", label="Kafka Connect worker", flag="--connect", log_name="connect.log",
    program=MAIN, marker="{root}/" + WORKER_PROPERTIES, ports=_ports, find_tool=jars.find_java, fetch=app_dir,
    command=lambda run: server_command(run.tool, run.app, run.root),
    ready=is_ready, describe=_describe, prepare=_prepare, poll=0.5,
)
