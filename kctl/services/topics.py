"""Topic administration: list, describe, create, delete, configs, partitions, records."""

from __future__ import annotations

import re

from kctl import log
from kctl.kafka.clients import admin_client, cluster_metadata
from kctl.models import TopicSummary


def list_topics(conf: dict, timeout: float, pattern: str | None = None, internal: bool = False) -> list[TopicSummary]:
    regex = re.compile(pattern) if pattern else None
    with log.timed("topic_list"), admin_client(conf) as admin:
        metadata = cluster_metadata(admin, conf, timeout)
    out = []
    for name, topic in sorted(metadata.topics.items()):
        is_internal = name.startswith("__")
        if is_internal and not internal:
            continue
        if regex and not regex.search(name):
            continue
        partitions = topic.partitions.values()
        replication = max((len(p.replicas) for p in partitions), default=0)
        out.append(TopicSummary(name=name, partitions=len(topic.partitions), replication_factor=replication, internal=is_internal))
    return out
