"""Cluster overview: id, controller, brokers; the finalized feature levels."""

from __future__ import annotations

import time

from kctl import log
from kctl.client.admin import AdminClient
from kctl.deadline import Deadline
from kctl.errors import KctlError, NotFoundError, UsageError
from kctl.models import ClusterInfo, FeatureLevel, ItemResult, OperationResult


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


def features(conf: dict, timeout: float) -> list[FeatureLevel]:
    with AdminClient(conf, timeout=timeout) as admin:
        return admin.features()


def change_feature(conf: dict, timeout: float, direction: str, name: str, level: int, unsafe: bool,
                   confirm) -> OperationResult:
    """Upgrade or downgrade one feature to `level`: the plan row, confirm(plan), then UpdateFeatures.
    A downgrade is Kafka's safe one unless unsafe (which may lose metadata: Kafka's own wording)."""
    if direction not in ("upgrade", "downgrade"):
        raise UsageError(f"features: give upgrade or downgrade, got {direction!r}")
    if level < 0:
        raise UsageError(f"--level must be 0 or more, got {level}")
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin:
        known = {f.name: f for f in admin.features(timeout=deadline)}
        feature = known.get(name)
        if feature is None:
            raise NotFoundError(f"the cluster has no feature {name!r}", hint=f"known: {', '.join(sorted(known))}")
        current = feature.finalized or 0
        if direction == "upgrade" and level <= current:
            raise UsageError(f"{name} is at level {current}: an upgrade needs a level above it")
        if direction == "downgrade" and level >= current:
            raise UsageError(f"{name} is at level {current}: a downgrade needs a level below it")
        if level > feature.max_supported:
            raise UsageError(f"{name} level {level}: the brokers support at most {feature.max_supported}")
        plan = OperationResult(f"{direction} {name}", (ItemResult(name, True, f"would {direction} {current} -> {level}"),),
                               dry_run=True)
        if not confirm(plan):
            return plan
        kind = "upgrade" if direction == "upgrade" else ("unsafe-downgrade" if unsafe else "safe-downgrade")
        try:
            admin.update_feature(name, level, kind, timeout=deadline)
        except KctlError as exc:
            return OperationResult(plan.operation, (ItemResult(name, False, error=exc.message, exit_code=int(exc.exit_code)),))
    log.event("feature_update", feature=name, previous=current, level=level, kind=kind)
    return OperationResult(plan.operation, (ItemResult(name, True, f"{direction}d {current} -> {level}"),))
