"""`kctl cluster health` and the partition-state filters of `kctl topics list`.

One metadata request (brokers, leaders, replicas, ISR), one DescribeConfigs of every topic
(min.insync.replicas) and one DescribeQuorum (KRaft; best effort): a few requests in all,
whatever the number of topics.
"""

from __future__ import annotations

import logging
import time

from kctl import log
from kctl.client.admin import AdminClient
from kctl.deadline import Deadline
from kctl.errors import KctlError
from kctl.models.admin import PartitionInfo, TopicInfo
from kctl.models.health import Finding, HealthReport
from kctl.services.local.paths import read_meta

# `kctl topics list` filters -> the partition states they select.
PARTITION_FILTERS = ("under-replicated", "under-min-isr", "at-min-isr", "offline", "unavailable")
# The one marker per topic of `kctl ui`'s topics screen: its worst partition, worst first.
TOPIC_MARKERS = ("offline", "under-min-isr", "under-replicated", "ok")
# A quorum voter that has not caught up with the leader for this long is reported.
QUORUM_LAG_MS = 30_000


def min_isr_of(admin: AdminClient, topics: list[str], deadline: Deadline) -> dict[str, int]:
    """{topic: min.insync.replicas} (one DescribeConfigs of all of them); a topic whose configs
    did not come back is left out (callers take 1, Kafka's default)."""
    if not topics:
        return {}
    answers = admin.describe_resource_configs([("topic", t) for t in topics], deadline)
    out = {}
    for (_, name), outcome in answers.items():
        for entry in outcome.value or ():
            if entry.name == "min.insync.replicas" and entry.value and entry.value.isdigit():
                out[name] = int(entry.value)
    return out


def partition_states(p: PartitionInfo, min_isr: int, live: set[int]) -> set[str]:
    """The PARTITION_FILTERS states of one partition. unavailable: offline, or under
    min.insync.replicas (acks=all producers fail) or with its leader not among the live brokers."""
    states = set()
    isr = len(p.isr)
    if p.leader is None:
        states.add("offline")
    if isr < len(p.replicas):
        states.add("under-replicated")
    if isr < min_isr:
        states.add("under-min-isr")
    elif isr == min_isr and len(p.replicas) > min_isr:
        states.add("at-min-isr")
    if p.leader is None or isr < min_isr or (live and p.leader not in live):
        states.add("unavailable")
    return states


def select_topics(admin: AdminClient, wanted: list[str], deadline: Deadline,
                  topics: list[TopicInfo] | None = None, live: set[int] | None = None) -> list[TopicInfo]:
    """The topics with at least one partition in any of the wanted states."""
    if topics is None or live is None:
        info, topics = admin.snapshot(deadline)
        live = {b.id for b in info.brokers}
    need_min_isr = bool({"under-min-isr", "at-min-isr", "unavailable"} & set(wanted))
    min_isr = min_isr_of(admin, [t.name for t in topics], deadline) if need_min_isr else {}
    return [t for t in topics
            if any(set(wanted) & partition_states(p, min_isr.get(t.name, 1), live) for p in t.partitions)]


def expected_brokers(expect: int | None, instance: int | None) -> tuple[int | None, str | None]:
    """(count, where it came from): --expect-brokers, else the broker count `kctl local` recorded
    for the target instance (when it is a local instance with state), else (None, None)."""
    if expect is not None:
        return expect, "--expect-brokers"
    if instance is None:
        return None, None
    try:
        count = read_meta(instance).get("brokers")
    except KctlError:
        return None, None
    if isinstance(count, int) and count > 0:
        return count, f"local instance {instance}"
    return None, None


def cluster_health(conf: dict, timeout: float, expect: int | None = None, instance: int | None = None) -> HealthReport:
    start = time.perf_counter()
    deadline = Deadline.after(timeout)
    expected, source = expected_brokers(expect, instance)
    with AdminClient(conf, timeout=timeout) as admin:
        info, topics = admin.snapshot(deadline)
        min_isr = min_isr_of(admin, [t.name for t in topics], deadline)
        try:
            quorum = admin.describe_quorum(deadline)
        except KctlError as error:  # ZooKeeper-era brokers, or DescribeQuorum not allowed
            log.event("quorum_unknown", logging.DEBUG, reason=error.message)
            quorum = None
    live = {b.id for b in info.brokers}
    findings = broker_findings(live, expected, source, topics) + partition_findings(topics, min_isr, live)
    findings += quorum_findings(quorum, int(time.time() * 1000))
    report = HealthReport(
        cluster_id=info.cluster_id, brokers=tuple(sorted(live)), expected_brokers=expected, expected_source=source,
        topics=len(topics), partitions=sum(len(t.partitions) for t in topics), findings=tuple(findings), quorum=quorum,
    )
    log.event("cluster_health", status=report.status, findings=len(findings),
              duration_ms=round((time.perf_counter() - start) * 1000))
    return report


def topic_marker(topic: TopicInfo, min_isr: int, live: set[int]) -> str:
    """The worst of TOPIC_MARKERS that any partition of the topic is in ("ok": none)."""
    states = set()
    for p in topic.partitions:
        states |= partition_states(p, min_isr, live)
    return next((m for m in TOPIC_MARKERS[:-1] if m in states), "ok")


def topic_markers(conf: dict, timeout: float) -> dict[str, str]:
    """{topic: marker} for every topic, from the same requests as `kctl cluster health` (metadata and
    one DescribeConfigs for min.insync.replicas)."""
    start = time.perf_counter()
    deadline = Deadline.after(timeout)
    with AdminClient(conf, timeout=timeout) as admin:
        info, topics = admin.snapshot(deadline)
        min_isr = min_isr_of(admin, [t.name for t in topics], deadline)
    live = {b.id for b in info.brokers}
    markers = {t.name: topic_marker(t, min_isr.get(t.name, 1), live) for t in topics}
    log.event("topic_markers", topics=len(markers), not_ok=sum(m != "ok" for m in markers.values()),
              duration_ms=round((time.perf_counter() - start) * 1000))
    return markers


def broker_findings(live: set[int], expected: int | None, source: str | None, topics: list[TopicInfo]) -> list[Finding]:
    out = []
    replicas_of: dict[int, int] = {}
    for t in topics:
        for p in t.partitions:
            for r in p.replicas:
                replicas_of[r] = replicas_of.get(r, 0) + 1
    absent = sorted(set(replicas_of) - live)
    for broker in absent:
        out.append(Finding("missing-broker", "error", f"broker {broker}",
                           f"broker {broker} holds {replicas_of[broker]} replica(s) but is not in the cluster's metadata"))
    if expected is not None and len(live) < expected:
        unnamed = expected - len(live) - len(absent)
        if unnamed > 0 or not absent:
            out.append(Finding("missing-broker", "error", "brokers",
                               f"{len(live)} of {expected} expected brokers ({source}) are up: "
                               f"{', '.join(map(str, sorted(live))) or 'none'}"))
    return out


_PARTITION_FINDINGS = (
    ("offline", "critical", "no leader: the partition can neither be written nor read"),
    ("under-min-isr", "error", "ISR {isr} is below min.insync.replicas={min_isr}: acks=all producers fail"),
    ("under-replicated", "warning", "ISR {isr} of replicas {replicas}"),
    ("at-min-isr", "warning", "ISR {isr} is at min.insync.replicas={min_isr}: one more failure stops acks=all producers"),
)


def partition_findings(topics: list[TopicInfo], min_isr: dict[str, int], live: set[int]) -> list[Finding]:
    out = []
    for t in topics:
        floor = min_isr.get(t.name, 1)
        for p in t.partitions:
            states = partition_states(p, floor, live)
            for check, severity, text in _PARTITION_FINDINGS:
                if check in states:
                    out.append(Finding(check, severity, f"{t.name}:{p.partition}",
                                       text.format(isr=list(p.isr), replicas=list(p.replicas), min_isr=floor)))
    return out


def quorum_findings(quorum: dict | None, now_ms: int) -> list[Finding]:
    if quorum is None:
        return []
    if quorum.get("leader_id") is None or quorum["leader_id"] < 0:
        return [Finding("quorum", "critical", "metadata quorum", "the KRaft metadata quorum has no leader")]
    out = []
    for voter in quorum.get("voters", ()):
        caught_up = voter.get("last_caught_up_ms")
        if voter.get("lag") and (caught_up is None or caught_up < 0 or now_ms - caught_up > QUORUM_LAG_MS):
            out.append(Finding("quorum", "warning", f"controller {voter.get('id')}",
                               f"voter {voter.get('id')} is {voter['lag']} record(s) behind the quorum leader "
                               f"{quorum['leader_id']}"))
    return out
