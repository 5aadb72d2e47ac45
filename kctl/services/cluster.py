"""Cluster overview: id, controller, brokers."""

from __future__ import annotations

import time

from kctl import log
from kctl.client.admin import AdminClient
from kctl.models import ClusterInfo


def describe_cluster(conf: dict, timeout: float) -> ClusterInfo:
    """One metadata request: cluster id, the controller the brokers report, brokers and topic count.

    In KRaft mode clients never talk to the controller quorum: the "controller" Kafka reports
    to clients is one of the live brokers, picked by the broker that answers.
    """
    start = time.perf_counter()
    with AdminClient(conf, timeout=timeout) as admin:
        info = admin.describe_cluster()
    log.event("cluster_describe", cluster_id=info.cluster_id, brokers=len(info.brokers),
              duration_ms=round((time.perf_counter() - start) * 1000))
    return info
