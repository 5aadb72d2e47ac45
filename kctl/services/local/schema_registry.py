"""The Schema Registry of a local instance (`kctl local up --schema-registry`), run by the supervisor.

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

from kctl.config.registry import Registry, SchemaRegistryPorts
from kctl.errors import BrokerUnavailable, ConfigError
from kctl.local import APICURIO_POM
from kctl.models import LocalSchemaRegistry
from kctl.services.local import supervisor
from kctl.services.local.paths import cache_root
from kctl.services.local.processes import http_status
from kctl.services.local.supervisor import Run, Server, maven_fetch

MIN_JAVA = 21
JVM_DIR = Path("/usr/lib/jvm")
HEAP = "384m"
DEFAULT_COMPATIBILITY = "BACKWARD"
DB_NAME = "registry"  # H2 adds .mv.db
DATASOURCE = "jdbc:h2:file:{root}/" + DB_NAME  # on its command line: what makes a pid this instance's registry


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


def _unpack(folder: Path) -> None:
    """The Apicurio tarball Maven put in folder/download, unpacked into folder."""
    download = folder / "download"
    tarballs = list(download.glob("*.tar.gz"))
    if not tarballs:
        raise ConfigError(f"Maven fetched no Apicurio Registry {apicurio_version()} tarball",
                          hint="check network access to Maven Central")
    with tarfile.open(tarballs[0]) as tar:
        tar.extractall(folder, filter="data")
    shutil.rmtree(download)
    if not (folder / "quarkus-run.jar").is_file():
        raise ConfigError(f"the Apicurio Registry {apicurio_version()} archive has no quarkus-run.jar")


def app_dir() -> Path:
    """The unpacked Apicurio application (holding quarkus-run.jar); fetched by Maven on first use."""
    version = apicurio_version()
    return maven_fetch(cache_root() / f"apicurio-registry-{version}", f"Apicurio Registry {version}", APICURIO_POM,
                       lambda folder: ["dependency:copy", f"-Dapicurio.output={folder / 'download'}",
                                       f"-Dapicurio.version={version}"],
                       "local_fetch_schema_registry", unpack=_unpack, version=version)


def server_command(java: str, app: Path, ports: SchemaRegistryPorts, root: Path) -> list[str]:
    return [
        java, f"-Xmx{HEAP}", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        f"-Dquarkus.http.host={ports.host}", f"-Dquarkus.http.port={ports.port}",
        f"-Dquarkus.management.host={ports.host}", f"-Dquarkus.management.port={ports.management_port}",
        f"-Dapicurio.datasource.url={DATASOURCE.format(root=root)}",
        "-Dquarkus.log.console.color=false", "-Dquarkus.banner.enabled=false",
        "-jar", str(app / "quarkus-run.jar"),
    ]


def _describe(registry: Registry, instance: int, root: Path, pid: int | None) -> LocalSchemaRegistry:
    ports = registry.schema_registry_of(instance)
    return LocalSchemaRegistry(
        running=pid is not None, pid=pid, port=ports.port, management_port=ports.management_port,
        url=ports.url, db_file=f"{root / DB_NAME}.mv.db", log_file=str(root / SERVER.log_name),
    )


def running_url(registry: Registry, instance: int) -> str | None:
    """The URL of the instance's registry when it runs here (the default of `-i N`), else None."""
    if not SERVER.pid_file(instance).exists() or supervisor.pid(SERVER, instance) is None:
        return None
    return registry.schema_registry_of(instance).url


def _set_default_compatibility(run: Run) -> None:
    """On the first start: Confluent's default, BACKWARD (Apicurio's is NONE)."""
    configured = run.root / "compatibility-set"
    if not configured.exists():
        set_global_compatibility(run.registry.schema_registry_of(run.instance).url, DEFAULT_COMPATIBILITY)
        configured.write_text(DEFAULT_COMPATIBILITY + "\n")


def set_global_compatibility(url: str, level: str, timeout: float = 10.0) -> None:
    import urllib.error  # with urllib.request: both bind this function's `urllib`
    import urllib.request  # heavy: urllib.request

    request = urllib.request.Request(
        f"{url}/config", data=json.dumps({"compatibility": level}).encode(), method="PUT",
        headers={"Content-Type": "application/vnd.schemaregistry.v1+json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            pass
    except (urllib.error.URLError, OSError) as exc:
        raise BrokerUnavailable(f"could not set the registry's compatibility to {level} at {url}: {exc}") from None


def _ports(registry: Registry, instance: int) -> tuple[tuple[str, int], ...]:
    ports = registry.schema_registry_of(instance)
    return ("Schema Registry HTTP port", ports.port), ("Schema Registry management port", ports.management_port)


SERVER = Server(
    name="schema-registry", label="Schema Registry", flag="--schema-registry", log_name="registry.log",
    program="quarkus-run.jar", marker=DATASOURCE, ports=_ports, find_tool=find_java21, fetch=lambda _instance: app_dir(),
    command=lambda run: server_command(run.tool, run.app, run.registry.schema_registry_of(run.instance), run.root),
    ready=lambda run: http_status(run.registry.schema_registry_of(run.instance).ready_url) == 200,
    describe=_describe, after_ready=_set_default_compatibility, poll=0.25,
)
