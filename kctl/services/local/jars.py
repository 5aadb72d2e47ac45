"""The Java and the Apache Kafka jars a local broker runs on.

Jars: $KAFKA_HOME/libs when KAFKA_HOME is set, else a cache folder
($XDG_CACHE_HOME/kctl/kafka-<version>/libs) filled once by Maven from kctl/local/pom.xml.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from kctl.errors import ConfigError, UsageError
from kctl.local import POM
from kctl.services.local.paths import cache_root
from kctl.services.local.supervisor import maven_fetch


def pom_kafka_version() -> str:
    match = re.search(r"<kafka.version>([^<]+)</kafka.version>", POM.read_text())
    return match.group(1) if match else "unknown"


def kafka_version() -> str:
    """The Kafka a new instance runs: $KCTL_KAFKA_VERSION, else the pom's default."""
    return os.environ.get("KCTL_KAFKA_VERSION") or pom_kafka_version()


# The oldest Kafka `kctl local` runs: KRaft combined mode with a static voter set and the settings
# of server.properties.template (3.9 is the last 3.x line, and the first with KIP-853's quorum tools).
OLDEST_LOCAL_KAFKA = (3, 9)


def check_kafka_version(version: str) -> str:
    """An Apache Kafka release number kctl can run locally (3.9.0 or newer), or a UsageError."""
    match = re.fullmatch(r"([0-9]+)\.([0-9]+)\.([0-9]+)", version)
    if not match:
        raise UsageError(f"--kafka-version must be a release number like 3.9.2 or 4.1.1, got {version!r}")
    if (int(match.group(1)), int(match.group(2))) < OLDEST_LOCAL_KAFKA:
        raise UsageError(f"--kafka-version {version}: kctl local runs Kafka {'.'.join(map(str, OLDEST_LOCAL_KAFKA))}.0 "
                         "or newer (KRaft); connect to an older cluster with -b instead")
    if os.environ.get("KAFKA_HOME"):
        raise UsageError(f"--kafka-version {version}: KAFKA_HOME is set, so its libs/ decide the version",
                         hint="unset KAFKA_HOME to let kctl fetch the version asked for")
    return version


def find_java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and Path(java_home, "bin", "java").is_file():
        return str(Path(java_home, "bin", "java"))
    java = shutil.which("java")
    if not java:
        raise ConfigError("java not found", hint="install Java 17 or newer, or set JAVA_HOME")
    return java


def kafka_libs(version: str | None = None) -> Path:
    """The folder of Kafka jars of `version` (default: kafka_version()); fills the Maven cache on first use."""
    kafka_home = os.environ.get("KAFKA_HOME")
    if kafka_home:
        libs = Path(kafka_home) / "libs"
        if not any(libs.glob("kafka_2.13-*.jar")):
            raise ConfigError(f"KAFKA_HOME={kafka_home} has no libs/kafka_2.13-*.jar", hint="point it at an unpacked Apache Kafka release")
        return libs
    version = version or kafka_version()
    return maven_fetch(cache_root() / f"kafka-{version}" / "libs", f"Kafka {version}", POM,
                       lambda folder: ["dependency:copy-dependencies", f"-DoutputDirectory={folder}",
                                       f"-Dkafka.version={version}"],
                       "local_fetch_jars", alternative=", or set KAFKA_HOME", kafka_version=version)
