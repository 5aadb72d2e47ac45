"""`kctl version`: what a bug report needs to say which kctl and which Kafka client ran."""

from __future__ import annotations

import platform

from kctl import DISTRIBUTION, __version__
from kctl.kafka.lib import library_versions
from kctl.models import VersionInfo
from kctl.services.local.jars import kafka_version


def versions() -> VersionInfo:
    binding, librdkafka = library_versions()
    return VersionInfo(kctl=__version__, distribution=DISTRIBUTION, python=platform.python_version(),
                       client="confluent-kafka", client_version=binding, librdkafka=librdkafka, local_kafka_default=kafka_version())
