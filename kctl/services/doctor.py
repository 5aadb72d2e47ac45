"""`kctl doctor`: a checklist of what commonly goes wrong with a cluster, each item with a
verdict (ok, info, warning, error), the evidence and what to do.

One round of batched requests, whatever the number of topics: one metadata request; then, side
by side, one DescribeConfigs (every topic and broker), DescribeQuorum + DescribeLogDirs + DescribeFeatures + one
ApiVersions per broker + DescribeQuorum again for the clock (kafka-python), ListGroups, and `txn find-hanging` (DescribeProducers
per broker); plus a TCP connect per broker. The checks themselves (kctl.services.doctor_checks)
are pure functions of what came back.
"""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from kctl import log
from kctl.client.admin import AdminClient
from kctl.deadline import Deadline
from kctl.errors import KctlError
from kctl.models import ClusterInfo
from kctl.models.health import DoctorReport
from kctl.services import doctor_checks, health, txn


@dataclass
class Evidence:
    """What the round of requests brought back; a failed request leaves its error instead."""

    conf: dict
    info: ClusterInfo
    topics: list
    expected: tuple[int | None, str | None] = (None, None)  # expected broker count and where it came from
    topic_configs: dict = field(default_factory=dict)  # topic -> {name: ConfigEntry}
    broker_configs: dict = field(default_factory=dict)  # broker id -> {name: ConfigEntry}
    configs_error: str | None = None
    tcp: dict = field(default_factory=dict)  # broker id -> None (ok) or the error text
    versions: dict = field(default_factory=dict)  # broker id -> version or KctlError
    quorum: dict | None = None
    quorum_error: str | None = None
    clock: tuple[int, int, int] | None = None  # (broker ms, local ms at the middle of the request, round trip ms)
    log_dirs: list | None = None
    log_dirs_error: str | None = None
    groups: list | None = None
    groups_error: str | None = None
    hanging: object = None  # HangingReport
    hanging_error: str | None = None
    features: list | None = None  # FeatureLevel (`kctl cluster features`)
    features_error: str | None = None


def doctor(conf: dict, timeout: float, expect: int | None = None, instance: int | None = None) -> DoctorReport:
    """expect/instance: the expected broker count, as for `cluster health`."""
    start = time.perf_counter()
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin:
        info, topics = admin.snapshot(deadline)  # the cluster check: exit 6 / 9 before anything else
        evidence = Evidence(conf=conf, info=info, topics=list(topics), expected=health.expected_brokers(expect, instance))
        admin.load_kafka_python()  # three of the checks below use it, each in a thread of its own
        with ThreadPoolExecutor(5, thread_name_prefix="kctl-doctor") as pool:
            jobs = [pool.submit(_configs, admin, evidence, deadline), pool.submit(_kafka_python, admin, evidence, deadline),
                    pool.submit(_groups, admin, evidence, deadline), pool.submit(_hanging, conf, evidence, deadline),
                    pool.submit(_tcp, evidence, deadline)]
            for job in jobs:
                job.result()
    checks = doctor_checks.run_all(evidence)
    report = DoctorReport(bootstrap=conf.get("bootstrap.servers"), cluster_id=info.cluster_id, checks=tuple(checks),
                          duration_ms=round((time.perf_counter() - start) * 1000))
    log.event("doctor", status=report.status, checks=len(checks), duration_ms=report.duration_ms)
    return report


def _configs(admin: AdminClient, ev: Evidence, deadline: Deadline) -> None:
    resources = [("topic", t.name) for t in ev.topics] + [("broker", str(b.id)) for b in ev.info.brokers]
    try:
        answers = admin.describe_resource_configs(resources, deadline)
    except KctlError as error:
        ev.configs_error = error.message
        return
    for (kind, name), outcome in answers.items():
        entries = {e.name: e for e in outcome.value or ()}
        if kind == "topic":
            ev.topic_configs[name] = entries
        else:
            ev.broker_configs[int(name)] = entries


def _kafka_python(admin: AdminClient, ev: Evidence, deadline: Deadline) -> None:
    """DescribeQuorum (and the quorum leader's clock), DescribeLogDirs, the feature levels, ApiVersions of each broker:
    one after the other on the one kafka-python client."""
    try:
        ev.quorum = admin.describe_quorum(deadline)
    except KctlError as error:
        ev.quorum_error = error.message
    try:
        ev.log_dirs = admin.log_dirs(timeout=deadline)
    except KctlError as error:
        ev.log_dirs_error = error.message
    try:
        ev.features = admin.features(deadline)
    except KctlError as error:
        ev.features_error = error.message
    for broker in ev.info.brokers:
        try:
            ev.versions[broker.id] = admin.broker_version(broker.id, deadline)
        except KctlError as error:
            ev.versions[broker.id] = error
    if ev.quorum is not None:
        _clock(admin, ev, deadline)


def _clock(admin: AdminClient, ev: Evidence, deadline: Deadline) -> None:
    """The quorum leader reports its own replica as fetched "now", in its own clock: asked again
    on the open connection, the middle of the round trip is the local time to compare with."""
    try:
        before = time.time() * 1000
        quorum = admin.describe_quorum(deadline) or {}
        after = time.time() * 1000
    except KctlError as error:
        ev.quorum_error = error.message
        return
    for voter in quorum.get("voters", ()):
        if voter.get("id") == quorum.get("leader_id") and voter.get("last_fetch_ms"):
            ev.clock = (voter["last_fetch_ms"], round((before + after) / 2), round(after - before))


def _groups(admin: AdminClient, ev: Evidence, deadline: Deadline) -> None:
    try:
        listing = admin.list_groups(deadline)
    except KctlError as error:
        ev.groups_error = error.message
        return
    ev.groups = list(listing.groups)
    if listing.errors:
        ev.groups_error = "; ".join(e.message for e in listing.errors)


def _hanging(conf: dict, ev: Evidence, deadline: Deadline) -> None:
    try:
        ev.hanging = txn.find_hanging(conf, deadline.remaining(0.5))
    except KctlError as error:
        ev.hanging_error = error.message


def _tcp(ev: Evidence, deadline: Deadline) -> None:
    for broker in ev.info.brokers:
        try:
            with socket.create_connection((broker.host, broker.port), timeout=min(2.0, deadline.remaining(0.1))):
                ev.tcp[broker.id] = None
        except OSError as exc:
            ev.tcp[broker.id] = exc.strerror or str(exc)
