"""The adapters between the screens and kctl's services: what a screen shows is what the commands print.

Every function takes the DataSource's conf and timeout, calls one service and returns kctl models
(or the small view rows below): the groups screen samples the lag-watch service of `kctl groups lag
--watch` (rates and ETA over its window of samples), the cluster screen and the topics screen's
health markers use the `kctl cluster health` service.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from kctl.errors import NotFoundError, failure_of
from kctl.models import ClusterInfo, TopicDetail, TopicSummary
from kctl.parsing import INT64_MAX, parse_int


@dataclass(frozen=True)
class GroupRow:
    """One row of the groups screen. rate (committed records/s), eta_s and trend: the lag-watch service's,
    None/unknown until it has two samples."""

    group_id: str
    state: str
    members: int
    lag: int | None
    topics: tuple[str, ...] = ()
    time_lag_ms: int | None = None
    rate: float | None = None
    eta_s: float | None = None
    trend: str = "unknown"


@dataclass(frozen=True)
class TopicGroup:
    """A group reading a topic and its lag on that topic."""

    group_id: str
    state: str
    lag: int | None


@dataclass(frozen=True)
class TopicStats:
    messages: int | None
    size_bytes: int | None


@dataclass(frozen=True)
class ClusterView:
    info: ClusterInfo
    findings: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


def group_lags(conf: dict, timeout: float, group_ids: list[str]) -> list:
    """GroupDetail per group: offset lag and time lag (`groups describe`'s service)."""
    from kctl.services import groups  # not on ui --help's path

    if not group_ids:
        return []
    return list(groups.describe_groups(conf, timeout, group_ids).groups)


def cluster_findings(conf: dict, timeout: float) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(findings, notes): what `kctl cluster health` finds, one line each (none: healthy)."""
    from kctl.services.health import cluster_health  # not on ui --help's path

    report = cluster_health(conf, timeout)
    findings = tuple(f"{f.severity}: {f.subject}: {f.message}" for f in report.findings)
    return findings, () if findings else ("healthy: no offline, under-replicated or under-min-ISR partitions",)


def reset_strategy(how: str, value: str | None = None):
    """The ResetStrategy of `groups reset-offsets` for earliest, latest, time (-1h, ISO 8601, epoch ms),
    offset (N) or shift (+N/-N); a bad value raises UsageError."""
    from kctl.services import groups  # not on ui --help's path

    if how in ("earliest", "latest"):
        return groups.parse_strategy(to_earliest=how == "earliest", to_latest=how == "latest")
    if how == "time":
        return groups.parse_strategy(to_datetime=value or "")
    if how == "offset":
        return groups.parse_strategy(to_offset=parse_int(value or "", "offset"))
    if how == "shift":
        return groups.parse_strategy(shift_by=parse_int((value or "").lstrip("+"), "shift", -INT64_MAX))
    raise ValueError(f"unknown reset {how!r}")


# -- the data source the app holds -----------------------------------------------------------------


class DataSource:
    """The cluster the UI shows: its client conf, timeout and a label (instance/context) for the header."""

    def __init__(self, conf: dict, timeout: float = 10.0, label: str = ""):
        self.conf = conf
        self.timeout = timeout
        self.label = label
        self._monitor = None
        self._prefetched = None

    # reads

    def cluster(self) -> ClusterView:
        from kctl.services import cluster  # not on ui --help's path

        info = cluster.describe_cluster(self.conf, self.timeout)
        findings, notes = cluster_findings(self.conf, self.timeout)
        return ClusterView(info, findings, notes)

    def prefetch_topics(self) -> None:
        """Start reading the topic list now, in a thread (the app starts it while Textual sets up the
        terminal, so the first screen has its data sooner); the next topics() takes its answer."""
        from concurrent.futures import Future  # heavy: concurrent.futures

        future: Future = Future()

        def fetch() -> None:
            try:
                future.set_result(self._list_topics())
            except BaseException as exc:  # noqa: BLE001 - handed to the caller of topics()
                future.set_exception(exc)

        self._prefetched = future
        threading.Thread(target=fetch, name="kctl-ui-prefetch", daemon=True).start()

    def topics(self) -> list[TopicSummary]:
        future, self._prefetched = self._prefetched, None
        if future is not None:
            return future.result()
        return self._list_topics()

    def _list_topics(self) -> list[TopicSummary]:
        from kctl.services import topics  # not on ui --help's path

        return topics.list_topics(self.conf, self.timeout)

    def topic_stats(self, names: list[str]) -> dict[str, TopicStats]:
        """Messages and size of these topics (one describe for all of them)."""
        from kctl.services import topics  # not on ui --help's path

        result = topics.describe_topics(self.conf, self.timeout, names)
        return {t.name: TopicStats(t.messages, t.size_bytes) for t in result.topics}

    def topic_markers(self) -> dict[str, str]:
        """{topic: offline | under-min-isr | under-replicated | ok} (the cluster health service)."""
        from kctl.services.health import topic_markers  # not on ui --help's path

        return topic_markers(self.conf, self.timeout)

    def topic(self, name: str) -> TopicDetail:
        from kctl.services import topics  # not on ui --help's path

        result = topics.describe_topics(self.conf, self.timeout, [name])
        if not result.topics:
            raise NotFoundError(f"topic {name!r} does not exist")
        return result.topics[0]

    def groups(self) -> list[GroupRow]:
        """Every group's lag, with rates and ETA over the last few calls (one LagMonitor kept for them)."""
        from kctl.services.groups.lag import LagMonitor  # not on ui --help's path

        if self._monitor is None:
            self._monitor = LagMonitor(self.conf, self.timeout, [])
        report = self._monitor.sample()
        return [GroupRow(group_id=g.group_id, state=g.state, members=g.members, lag=g.total_lag,
                         topics=tuple(t.topic for t in g.topics), time_lag_ms=g.max_time_lag_ms,
                         rate=g.consume_rate, eta_s=g.eta_s, trend=g.trend)
                for g in sorted(report.groups, key=lambda g: g.group_id)]

    def close(self) -> None:
        """Close the clients the source keeps (the lag monitor)."""
        monitor, self._monitor = self._monitor, None
        if monitor is not None:
            monitor.__exit__(None, None, None)

    def topic_groups(self, topic: str) -> list[TopicGroup]:
        from kctl.services import groups  # not on ui --help's path

        listed = groups.list_groups(self.conf, self.timeout)
        out = []
        for detail in group_lags(self.conf, self.timeout, [g.group_id for g in listed]):
            mine = [o for o in detail.offsets if o.topic == topic]
            if mine:
                lags = [o.lag for o in mine if o.lag is not None]
                out.append(TopicGroup(detail.group_id, detail.state, sum(lags) if lags else None))
        return out

    def browser(self, topic: str, partition: int | None = None):
        from kctl.tui.browse import MessageBrowser  # not on ui --help's path

        return MessageBrowser(self.conf, topic, partition, self.timeout)

    # writes (the app asks for --allow-writes and a confirmation before calling these)

    def produce(self, topic: str, key: str | None, value: str | None, headers: list[tuple[str, str]],
                partition: int | None):
        """One record; returns its RecordMetadata (partition, offset) once the broker acknowledged it."""
        from kctl.client import ProducerClient  # not on ui --help's path
        from kctl.client.records import ProducerRecord  # not on ui --help's path

        record = ProducerRecord(
            topic=topic, value=None if value is None else value.encode(),
            key=None if key is None else key.encode(),
            headers=tuple((k, v.encode()) for k, v in headers), partition=partition,
        )
        with ProducerClient(dict(self.conf)) as producer:
            return producer.send(record).get(self.timeout)

    def create_topic(self, name: str, partitions: int | None, replication: int | None):
        from kctl.services import topics  # not on ui --help's path

        result = topics.create_topics(self.conf, self.timeout, [name], partitions, replication)
        error = failure_of(result.items)
        if error is not None:
            raise error
        return result

    def delete_topic(self, name: str):
        from kctl.services import topics  # not on ui --help's path

        result = topics.delete_topics(self.conf, self.timeout, [name])
        error = failure_of(result.items)
        if error is not None:
            raise error
        return result

    def reset_group(self, group: str, strategy, execute: bool):
        """Move every partition the group has (a plan unless execute), as `kctl groups reset-offsets
        --all-topics [--execute]` does: refused while the group has members; a snapshot first."""
        from kctl.services import groups  # not on ui --help's path

        result = groups.reset_offsets(self.conf, self.timeout, group, {}, strategy, all_topics=True, execute=execute)
        error = groups.failure(result)
        if error is not None:
            raise error
        return result
