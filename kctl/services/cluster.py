"""Cluster overview: id, controller, brokers."""

from __future__ import annotations

import time

from kctl import log
from kctl.kafka.clients import admin_client, cluster_metadata
from kctl.models import BrokerInfo, ClusterInfo


def describe_cluster(conf: dict, timeout: float) -> ClusterInfo:
    """One metadata request: cluster id, the controller the brokers report, brokers and topic count.

    In KRaft mode clients never talk to the controller quorum: the "controller" Kafka reports
    to clients is one of the live brokers, picked by the broker that answers.
    """
    start = time.perf_counter()
    with admin_client(conf) as admin:
        metadata = cluster_metadata(admin, conf, timeout)
    controller = metadata.controller_id if metadata.controller_id is not None and metadata.controller_id >= 0 else None
    brokers = tuple(
        BrokerInfo(id=b.id, host=b.host, port=b.port, is_controller=b.id == controller)
        for b in sorted(metadata.brokers.values(), key=lambda b: b.id)
    )
    info = ClusterInfo(cluster_id=metadata.cluster_id, controller_id=controller, brokers=brokers, topic_count=len(metadata.topics))
    log.event("cluster_describe", cluster_id=info.cluster_id, brokers=len(brokers), duration_ms=round((time.perf_counter() - start) * 1000))
    return info
