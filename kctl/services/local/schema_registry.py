"""The Schema Registry of a local instance (`kctl local up --schema-registry`).

Apicurio Registry (a Quarkus application on Maven Central, serving the Confluent Schema Registry
API under /apis/ccompat/v7), fetched once by Maven from kctl/local/apicurio-pom.xml into
$XDG_CACHE_HOME/kctl/apicurio-registry-<version>/, run with a Java >= 21 on loopback. Its H2
database lives in the instance's state folder, so schemas survive a restart. On the first start
the global compatibility is set to BACKWARD (Confluent's default; Apicurio's is NONE).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

from kctl import log
from kctl.config.registry import Registry, SchemaRegistryPorts
from kctl.deadline import Deadline
from kctl.errors import BrokerUnavailable, ConfigError
from kctl.local import APICURIO_POM
from kctl.models import LocalSchemaRegistry
from kctl.services.local.paths import SchemaRegistryPaths, cache_root, schema_registry_paths
from kctl.services.local.processes import (
    end_started,
    http_status,
    launch,
    owned_pid,
    port_free,
    stop_processes,
    wait_until_ready,
)

MIN_JAVA = 21
JVM_DIR = Path("/usr/lib/jvm")
HEAP = "384m"
DEFAULT_COMPATIBILITY = "BACKWARD"


def apicurio_version() -> str:
    match = re.search(r"<apicurio.version>([^<]+)</apicurio.version>", APICURIO_POM.read_text())
    return match.group(1) if match else "unknown"


def _java_major(home: Path) -> int | None:
    """The major version of the JDK/JRE in `home` (from its `release` file, else `java -version`)."""
    java = home / "bin" / "java"
    if not java.is_file():
        return None
    try:
        match = re.search(r'^JAVA_VERSION="(\d+)', (home / "release").read_text(), re.M)
        if match:
            return int(match.group(1))
    except OSError:
        pass
    try:
        out = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=20).stderr
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "(\d+)', out)
    return int(match.group(1)) if match else None


def find_java21() -> str:
    """A java of version >= 21: $KCTL_JAVA_HOME, $JAVA_HOME, else the newest JDK in /usr/lib/jvm.
    None: ConfigError (exit 3) saying what is needed."""
    for var in ("KCTL_JAVA_HOME", "JAVA_HOME"):
        home = os.environ.get(var)
        if home and (_java_major(Path(home)) or 0) >= MIN_JAVA:
            return str(Path(home) / "bin" / "java")
    candidates = []
    if JVM_DIR.is_dir():
        for home in JVM_DIR.iterdir():
            if home.is_dir() and not home.is_symlink():
                major = _java_major(home)
                if major is not None and major >= MIN_JAVA:
                    candidates.append((major, str(home / "bin" / "java")))
    if not candidates:
        raise ConfigError(
            f"the schema registry needs Java {MIN_JAVA} or newer, and none was found",
            hint=f"install a JDK {MIN_JAVA}+ (e.g. in {JVM_DIR}) or set KCTL_JAVA_HOME to one",
        )
    return max(candidates)[1]


def app_dir(fetch: bool = True) -> Path:
    """The unpacked Apicurio application (holding quarkus-run.jar); fetched by Maven on first use."""
    version = apicurio_version()
    target = cache_root() / f"apicurio-registry-{version}"
    if (target / ".complete").exists():
        return target
    if not fetch:
        raise ConfigError(f"Apicurio Registry {version} is not cached yet", hint="run `kctl local up --schema-registry` once")
    mvn = shutil.which("mvn")
    if not mvn:
        raise ConfigError("mvn not found: kctl needs Maven once to fetch Apicurio Registry", hint="install Maven")
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    download = partial / "download"
    download.mkdir(parents=True)
    command = [mvn, "-q", "-B", "-f", str(APICURIO_POM), "dependency:copy",
               f"-Dapicurio.output={download}", f"-Dapicurio.version={version}"]
    with log.timed("local_fetch_schema_registry", version=version):
        proc = subprocess.run(command, capture_output=True, text=True)
        tarballs = list(download.glob("*.tar.gz"))
        if proc.returncode != 0 or not tarballs:
            tail = " | ".join((proc.stdout + proc.stderr).strip().splitlines()[-3:])
            raise ConfigError(f"Maven could not fetch Apicurio Registry {version}: {tail}",
                              hint="check network access to Maven Central")
        with tarfile.open(tarballs[0]) as tar:
            tar.extractall(partial, filter="data")
    shutil.rmtree(download)
    if not (partial / "quarkus-run.jar").is_file():
        raise ConfigError(f"the Apicurio Registry {version} archive has no quarkus-run.jar")
    (partial / ".complete").write_text(version + "\n")
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    return target


def server_command(java: str, app: Path, ports: SchemaRegistryPorts, paths: SchemaRegistryPaths) -> list[str]:
    return [
        java, f"-Xmx{HEAP}", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        f"-Dquarkus.http.host={ports.host}", f"-Dquarkus.http.port={ports.port}",
        f"-Dquarkus.management.host={ports.host}", f"-Dquarkus.management.port={ports.management_port}",
        f"-Dapicurio.datasource.url={paths.marker}",
        "-Dquarkus.log.console.color=false", "-Dquarkus.banner.enabled=false",
        "-jar", str(app / "quarkus-run.jar"),
    ]


def registry_pid(paths: SchemaRegistryPaths) -> int | None:
    return owned_pid(paths.pid_file, "quarkus-run.jar", paths.marker)


def describe(registry: Registry, instance: int) -> LocalSchemaRegistry | None:
    """The instance's Schema Registry, or None when it was never started for this instance."""
    paths = schema_registry_paths(instance)
    if not paths.root.is_dir():
        return None
    ports = registry.schema_registry_of(instance)
    pid = registry_pid(paths)
    return LocalSchemaRegistry(
        running=pid is not None, pid=pid, port=ports.port, management_port=ports.management_port,
        url=ports.url, db_file=str(paths.db) + ".mv.db", log_file=str(paths.log),
    )


def running_url(registry: Registry, instance: int) -> str | None:
    """The URL of the instance's registry when it runs here (the default of `-i N`), else None."""
    paths = schema_registry_paths(instance)
    if not paths.pid_file.exists() or registry_pid(paths) is None:
        return None
    return registry.schema_registry_of(instance).url


def preflight(registry: Registry, instance: int) -> str | None:
    """Why the registry could not start, raised before any broker starts: no Java 21, a taken port.
    Returns the java to run it with, or None when it already runs."""
    if registry_pid(schema_registry_paths(instance)) is not None:
        return None
    java = find_java21()
    ports = registry.schema_registry_of(instance)
    for what, port in (("HTTP", ports.port), ("management", ports.management_port)):
        if not port_free(ports.host, port):
            raise ConfigError(
                f"port {port} on {ports.host} (Schema Registry {what} port of instance {instance}) is already taken",
                hint="stop whatever listens there, or use another --instance",
            )
    return java


def start(registry: Registry, instance: int, wait: float) -> bool:
    """Start the instance's registry unless it runs; True if it was started here. Waits until
    /health/ready answers 200 (up to `wait` s), then sets BACKWARD on the first start; on any
    failure the process is stopped again."""
    java = preflight(registry, instance)
    if java is None:
        return False
    app = app_dir()
    paths = schema_registry_paths(instance)
    ports = registry.schema_registry_of(instance)
    paths.root.mkdir(parents=True, exist_ok=True)
    with log.timed("local_schema_registry_up", instance=instance):
        proc = launch(server_command(java, app, ports, paths), paths.log, paths.pid_file, cwd=paths.root)
        try:
            wait_until_ready(f"the schema registry of instance {instance}", proc, paths.log,
                             lambda: http_status(ports.ready_url) == 200, Deadline.after(wait), wait, poll=0.25)
            if not paths.configured.exists():
                set_global_compatibility(ports.url, DEFAULT_COMPATIBILITY)
                paths.configured.write_text(DEFAULT_COMPATIBILITY + "\n")
        except BaseException:
            end_started([(proc, paths.pid_file)])
            raise
    return True


def set_global_compatibility(url: str, level: str, timeout: float = 10.0) -> None:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"{url}/config", data=json.dumps({"compatibility": level}).encode(), method="PUT",
        headers={"Content-Type": "application/vnd.schemaregistry.v1+json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            pass
    except (urllib.error.URLError, OSError) as exc:
        raise BrokerUnavailable(f"could not set the registry's compatibility to {level} at {url}: {exc}") from None


def stop_target(instance: int) -> tuple[Path, tuple[str, ...]]:
    """What kctl.services.local.processes.stop_processes needs to stop the instance's registry."""
    paths = schema_registry_paths(instance)
    return paths.pid_file, ("quarkus-run.jar", paths.marker)


def stop(instance: int, grace: float = 15.0) -> bool:
    """Stop the instance's registry (SIGTERM, SIGKILL after grace). True if one was running."""
    return bool(stop_processes([stop_target(instance)], grace))
