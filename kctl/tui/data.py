"""The adapters between the screens and kctl's services: what a screen shows is what the commands print.

Every function takes the DataSource's conf and timeout, calls one service and returns kctl models
(or the small view rows below). The lag-watch service (issue 9) and the cluster health service
(issue 10) are not on main yet: `group_lags` and `cluster_findings` are the one place each is
plugged in (today: the offset lag of `groups describe`, and no findings).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kctl.models import ClusterInfo, TopicDetail, TopicSummary



@dataclass(frozen=True)
class GroupRow:
    """One row of the groups screen. time_lag_ms/rate/eta: None until the lag-watch service is plugged in."""

    group_id: str
    state: str
    members: int
    lag: int | None
    topics: tuple[str, ...] = ()
    time_lag_ms: int | None = None
    rate: float | None = None
    eta_s: float | None = None


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


# -- the two plug points ---------------------------------------------------------------------------


def group_lags(conf: dict, timeout: float, group_ids: list[str]) -> list:
    """GroupDetail per group: offset lag and time lag (`groups describe`'s service)."""
    from kctl.services import groups

    if not group_ids:
        return []
    return list(groups.describe_groups(conf, timeout, group_ids).groups)


def cluster_findings(conf: dict, timeout: float) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(findings, notes): what `kctl cluster health` finds, one line each (none: healthy)."""
    from kctl.services.health import cluster_health

    report = cluster_health(conf, timeout)
    findings = tuple(f"{f.severity}: {f.subject}: {f.message}" for f in report.findings)
    return findings, () if findings else ("healthy: no offline, under-replicated or under-min-ISR partitions",)


# -- the data source the app holds -----------------------------------------------------------------


class DataSource:
    """The cluster the UI shows: its client conf, timeout and a label (instance/context) for the header."""

    def __init__(self, conf: dict, timeout: float = 10.0, label: str = ""):
        self.conf = conf
        self.timeout = timeout
        self.label = label

    # reads

    def cluster(self) -> ClusterView:
        from kctl.services import cluster

        info = cluster.describe_cluster(self.conf, self.timeout)
        findings, notes = cluster_findings(self.conf, self.timeout)
        return ClusterView(info, findings, notes)

    def topics(self) -> list[TopicSummary]:
        from kctl.services import topics

        return topics.list_topics(self.conf, self.timeout)

    def topic_stats(self, names: list[str]) -> dict[str, TopicStats]:
        """Messages and size of these topics (one describe for all of them)."""
        from kctl.services import topics

        result = topics.describe_topics(self.conf, self.timeout, names)
        return {t.name: TopicStats(t.messages, t.size_bytes) for t in result.topics}

    def topic(self, name: str) -> TopicDetail:
        from kctl.errors import NotFoundError
        from kctl.services import topics

        result = topics.describe_topics(self.conf, self.timeout, [name])
        if not result.topics:
            raise NotFoundError(f"topic {name!r} does not exist")
        return result.topics[0]

    def groups(self) -> list[GroupRow]:
        from kctl.services import groups

        listed = groups.list_groups(self.conf, self.timeout)
        rows = []
        for detail in group_lags(self.conf, self.timeout, [g.group_id for g in listed]):
            rows.append(GroupRow(
                group_id=detail.group_id, state=detail.state, members=len(detail.members), lag=detail.total_lag,
                topics=tuple(sorted({o.topic for o in detail.offsets})), time_lag_ms=detail.max_time_lag_ms,
            ))
        return rows

    def topic_groups(self, topic: str) -> list[TopicGroup]:
        from kctl.services import groups

        listed = groups.list_groups(self.conf, self.timeout)
        out = []
        for detail in group_lags(self.conf, self.timeout, [g.group_id for g in listed]):
            mine = [o for o in detail.offsets if o.topic == topic]
            if mine:
                lags = [o.lag for o in mine if o.lag is not None]
                out.append(TopicGroup(detail.group_id, detail.state, sum(lags) if lags else None))
        return out

    def browser(self, topic: str, partition: int | None = None):
        from kctl.tui.browse import MessageBrowser

        return MessageBrowser(self.conf, topic, partition, self.timeout)

    # writes (the app asks for --allow-writes and a confirmation before calling these)

    def produce(self, topic: str, key: str | None, value: str | None, headers: list[tuple[str, str]],
                partition: int | None):
        """One record; returns its RecordMetadata (partition, offset) once the broker acknowledged it."""
        from kctl.client import ProducerClient
        from kctl.client.records import ProducerRecord

        record = ProducerRecord(
            topic=topic, value=None if value is None else value.encode(),
            key=None if key is None else key.encode(),
            headers=tuple((k, v.encode()) for k, v in headers), partition=partition,
        )
        with ProducerClient(dict(self.conf)) as producer:
            return producer.send(record).get(self.timeout)

    def create_topic(self, name: str, partitions: int | None, replication: int | None):
        from kctl.errors import failure_of
        from kctl.services import topics

        result = topics.create_topics(self.conf, self.timeout, [name], partitions, replication)
        error = failure_of(result.items)
        if error is not None:
            raise error
        return result

    def delete_topic(self, name: str):
        from kctl.errors import failure_of
        from kctl.services import topics

        result = topics.delete_topics(self.conf, self.timeout, [name])
        error = failure_of(result.items)
        if error is not None:
            raise error
        return result

    def reset_group(self, group: str, to: str, execute: bool):
        """Reset every partition the group has to `earliest` or `latest` (a plan unless execute)."""
        from kctl.services import groups

        strategy = groups.parse_strategy(to_earliest=to == "earliest", to_latest=to == "latest")
        result = groups.reset_offsets(self.conf, self.timeout, group, {}, strategy, all_topics=True, execute=execute)
        error = groups.failure(result)
        if error is not None:
            raise error
        return result
